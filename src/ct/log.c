/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CT log in LMDB (layout in ct_log.h and docs/CT.md). Every operation is
 * one LMDB transaction: appends a write transaction per batch, reads a
 * read-only snapshot, so a root and the proofs computed from it always see
 * one consistent tree even while another process appends.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ct_internal.h"
#include "hypermesh/ct_log.h"
#include "hypermesh/error.h"

#define H            HM_CT_HASH_LEN
#define NODE_KEY_LEN 9

struct hm_ct_log {
	MDB_env *env;
	MDB_dbi meta, leaves, nodes;
	unsigned flags;
};

static int from_mdb(int rc)
{
	/* Every key we ask for is one the size promises, and none lies beyond it. */
	if (rc == MDB_NOTFOUND || rc == MDB_KEYEXIST)
		return HM_ERR_CORRUPT;
	return hm_err_from_mdb(rc);
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void node_key(uint8_t k[NODE_KEY_LEN], unsigned level, uint64_t start)
{
	k[0] = (uint8_t)level;
	put_be64(k + 1, start >> level);
}

static int read_u64(MDB_txn *txn, MDB_dbi dbi, const char *name, uint64_t *v)
{
	MDB_val key = { strlen(name), (void *)name }, val;
	int rc = mdb_get(txn, dbi, &key, &val);

	if (rc != MDB_SUCCESS)
		return from_mdb(rc);
	if (val.mv_size != 8)
		return HM_ERR_CORRUPT;
	*v = get_be64(val.mv_data);
	return HM_OK;
}

static int write_u64(MDB_txn *txn, MDB_dbi dbi, const char *name, uint64_t v)
{
	uint8_t b[8];
	MDB_val key = { strlen(name), (void *)name }, val = { sizeof(b), b };

	put_be64(b, v);
	return from_mdb(mdb_put(txn, dbi, &key, &val, 0));
}

static int get_node_txn(MDB_txn *txn, MDB_dbi nodes, uint64_t start, unsigned level, uint8_t out[H])
{
	uint8_t k[NODE_KEY_LEN];
	MDB_val key = { sizeof(k), k }, val;
	int rc;

	node_key(k, level, start);
	rc = mdb_get(txn, nodes, &key, &val);
	if (rc != MDB_SUCCESS)
		return from_mdb(rc);
	if (val.mv_size != H)
		return HM_ERR_CORRUPT;
	memcpy(out, val.mv_data, H);
	return HM_OK;
}

struct snapshot {
	const struct hm_ct_log *log;
	MDB_txn *txn;
	uint64_t size;
};

/* The hm_ct_subtree_fn over a read snapshot. */
static int snapshot_subtree(void *ctx, uint64_t start, unsigned level, uint8_t out[H])
{
	const struct snapshot *s = ctx;

	/* The callers only ask inside the snapshot's tree; anything else is a bug. */
	if (level > 63 || start > s->size || s->size - start < (UINT64_C(1) << level))
		return HM_ERR_RANGE;
	return get_node_txn(s->txn, s->log->nodes, start, level, out);
}

static int snapshot_begin(const struct hm_ct_log *log, struct snapshot *s)
{
	int rc;

	if (log == NULL)
		return HM_ERR_INVALID;
	s->log = log;
	rc = from_mdb(mdb_txn_begin(log->env, NULL, MDB_RDONLY, &s->txn));
	if (rc != HM_OK)
		return rc;
	rc = read_u64(s->txn, log->meta, "size", &s->size);
	if (rc != HM_OK)
		mdb_txn_abort(s->txn);
	return rc;
}

static void snapshot_end(struct snapshot *s)
{
	mdb_txn_abort(s->txn);
}

/* A file shorter than its B-tree would fault (SIGBUS) when a missing page is touched. */
static int check_file_length(MDB_env *env, const char *path)
{
	MDB_envinfo info;
	MDB_stat st;
	struct stat fst;

	if (mdb_env_info(env, &info) != MDB_SUCCESS || mdb_env_stat(env, &st) != MDB_SUCCESS)
		return HM_ERR_IO;
	if (stat(path, &fst) != 0)
		return hm_err_from_errno(errno);
	if ((uint64_t)fst.st_size / st.ms_psize < (uint64_t)info.me_last_pgno + 1)
		return HM_ERR_CORRUPT;
	return HM_OK;
}

static int init_or_check(struct hm_ct_log *log)
{
	const int readonly = !!(log->flags & HM_CT_LOG_READONLY);
	MDB_txn *txn;
	MDB_dbi main_db;
	MDB_stat ms;
	int rc;

	rc = from_mdb(mdb_txn_begin(log->env, NULL, readonly ? MDB_RDONLY : 0, &txn));
	if (rc != HM_OK)
		return rc;
	rc = from_mdb(mdb_dbi_open(txn, NULL, 0, &main_db));
	if (rc == HM_OK)
		rc = from_mdb(mdb_stat(txn, main_db, &ms));
	if (rc != HM_OK)
		goto abort;
	if (ms.ms_entries == 0) {
		/* A new file: lay out the databases in one transaction. */
		const unsigned c = MDB_CREATE;
		uint8_t fmt[4] = { 0, 0, 0, HM_CT_LOG_FORMAT };
		MDB_val key = { 6, "format" }, val = { sizeof(fmt), fmt };

		if (readonly) {
			rc = HM_ERR_NOT_FOUND;
			goto abort;
		}
		rc = from_mdb(mdb_dbi_open(txn, "meta", c, &log->meta));
		if (rc == HM_OK)
			rc = from_mdb(mdb_dbi_open(txn, "leaves", c, &log->leaves));
		if (rc == HM_OK)
			rc = from_mdb(mdb_dbi_open(txn, "nodes", c, &log->nodes));
		if (rc == HM_OK)
			rc = from_mdb(mdb_put(txn, log->meta, &key, &val, 0));
		if (rc == HM_OK)
			rc = write_u64(txn, log->meta, "size", 0);
	} else {
		MDB_val key = { 6, "format" }, val;
		uint64_t size;

		/* Any missing piece means an LMDB file that is not a CT log. */
		rc = from_mdb(mdb_dbi_open(txn, "meta", 0, &log->meta));
		if (rc == HM_OK)
			rc = from_mdb(mdb_dbi_open(txn, "leaves", 0, &log->leaves));
		if (rc == HM_OK)
			rc = from_mdb(mdb_dbi_open(txn, "nodes", 0, &log->nodes));
		if (rc == HM_OK)
			rc = from_mdb(mdb_get(txn, log->meta, &key, &val));
		if (rc == HM_OK && val.mv_size != 4)
			rc = HM_ERR_CORRUPT;
		if (rc == HM_OK && memcmp(val.mv_data, "\0\0\0\1", 4) != 0)
			rc = HM_ERR_UNSUPPORTED;
		if (rc == HM_OK)
			rc = read_u64(txn, log->meta, "size", &size);
	}
	if (rc != HM_OK)
		goto abort;
	/* Committing (even a read-only transaction) keeps the database handles. */
	return from_mdb(mdb_txn_commit(txn));
abort:
	mdb_txn_abort(txn);
	return rc;
}

int hm_ct_log_open(const char *path, unsigned flags, size_t map_size, struct hm_ct_log **out)
{
	const unsigned known = HM_CT_LOG_CREATE | HM_CT_LOG_READONLY | HM_CT_LOG_NOSYNC;
	unsigned env_flags = MDB_NOSUBDIR | MDB_NOTLS;
	struct hm_ct_log *log;
	struct stat st;
	int rc;

	if (out == NULL)
		return HM_ERR_INVALID;
	*out = NULL;
	if (path == NULL || *path == '\0' || (flags & ~known) ||
	    ((flags & HM_CT_LOG_CREATE) && (flags & HM_CT_LOG_READONLY)))
		return HM_ERR_INVALID;
	if (stat(path, &st) != 0) {
		if (errno != ENOENT)
			return hm_err_from_errno(errno);
		if (!(flags & HM_CT_LOG_CREATE))
			return HM_ERR_NOT_FOUND;
	} else if (!S_ISREG(st.st_mode)) {
		return HM_ERR_INVALID;
	}
	log = calloc(1, sizeof(*log));
	if (log == NULL)
		return HM_ERR_NOMEM;
	log->flags = flags;
	if (flags & HM_CT_LOG_READONLY)
		env_flags |= MDB_RDONLY;
	if (flags & HM_CT_LOG_NOSYNC)
		env_flags |= MDB_NOSYNC;
	rc = from_mdb(mdb_env_create(&log->env));
	if (rc != HM_OK) {
		free(log);
		return rc;
	}
	rc = from_mdb(mdb_env_set_maxdbs(log->env, 3));
	if (rc == HM_OK)
		rc = from_mdb(
		        mdb_env_set_mapsize(log->env, map_size ? map_size : HM_CT_LOG_MAP_DEFAULT));
	if (rc == HM_OK)
		rc = from_mdb(mdb_env_open(log->env, path, env_flags, 0600));
	if (rc == HM_OK)
		rc = check_file_length(log->env, path);
	if (rc == HM_OK)
		rc = init_or_check(log);
	if (rc != HM_OK) {
		hm_ct_log_close(log);
		return rc;
	}
	*out = log;
	return HM_OK;
}

void hm_ct_log_close(struct hm_ct_log *log)
{
	if (log == NULL)
		return;
	mdb_env_close(log->env);
	free(log);
}

/* Adds leaf number n (hash h) and the complete subtrees it finishes. */
static int add_leaf(struct hm_ct_log *log, MDB_txn *txn, uint64_t n, const struct hm_ct_leaf *leaf)
{
	uint8_t lk[8], nk[NODE_KEY_LEN], h[H], left[H];
	MDB_val key = { sizeof(lk), lk }, val = { leaf->len, (void *)leaf->data };
	unsigned level = 0;
	uint64_t i = n;
	int rc;

	put_be64(lk, n);
	/* Indices only grow, so the B-tree can be filled at its right edge. */
	rc = from_mdb(mdb_put(txn, log->leaves, &key, &val, MDB_APPEND));
	if (rc != HM_OK)
		return rc;
	hm_ct_leaf_hash(h, leaf->data, leaf->len);
	for (;;) {
		node_key(nk, level, i << level);
		key = (MDB_val){ sizeof(nk), nk };
		val = (MDB_val){ H, h };
		rc = from_mdb(mdb_put(txn, log->nodes, &key, &val, MDB_NOOVERWRITE));
		if (rc != HM_OK || !(i & 1))
			return rc;
		/* A right child completes its parent. */
		rc = get_node_txn(txn, log->nodes, (i - 1) << level, level, left);
		if (rc != HM_OK)
			return rc;
		hm_ct_node_hash(h, left, h);
		level++;
		i >>= 1;
	}
}

int hm_ct_log_append_batch(struct hm_ct_log *log, const struct hm_ct_leaf *leaves, size_t n,
                           uint64_t *first_index)
{
	MDB_txn *txn;
	uint64_t size = 0; /* set by the read below; gcc -O3 cannot see it */
	int rc;

	if (log == NULL || leaves == NULL || n == 0)
		return HM_ERR_INVALID;
	if (log->flags & HM_CT_LOG_READONLY)
		return HM_ERR_PERMISSION;
	for (size_t i = 0; i < n; i++) {
		if (leaves[i].data == NULL && leaves[i].len != 0)
			return HM_ERR_INVALID;
		if (leaves[i].len > HM_CT_LOG_LEAF_MAX)
			return HM_ERR_TOO_LARGE;
	}
	rc = from_mdb(mdb_txn_begin(log->env, NULL, 0, &txn));
	if (rc != HM_OK)
		return rc;
	rc = read_u64(txn, log->meta, "size", &size);
	if (rc == HM_OK && size > UINT64_MAX - n)
		rc = HM_ERR_RANGE;
	for (size_t i = 0; rc == HM_OK && i < n; i++)
		rc = add_leaf(log, txn, size + i, &leaves[i]);
	if (rc == HM_OK)
		rc = write_u64(txn, log->meta, "size", size + n);
	if (rc != HM_OK) {
		mdb_txn_abort(txn);
		return rc;
	}
	rc = from_mdb(mdb_txn_commit(txn));
	if (rc == HM_OK && first_index != NULL)
		*first_index = size;
	return rc;
}

int hm_ct_log_append(struct hm_ct_log *log, const void *leaf, size_t len, uint64_t *index)
{
	struct hm_ct_leaf one = { leaf, len };

	return hm_ct_log_append_batch(log, &one, 1, index);
}

int hm_ct_log_size(struct hm_ct_log *log, uint64_t *size)
{
	struct snapshot s;
	int rc;

	if (size == NULL)
		return HM_ERR_INVALID;
	rc = snapshot_begin(log, &s);
	if (rc != HM_OK)
		return rc;
	*size = s.size;
	snapshot_end(&s);
	return HM_OK;
}

int hm_ct_log_root(struct hm_ct_log *log, uint64_t size, uint8_t out[H])
{
	struct snapshot s;
	int rc;

	if (out == NULL)
		return HM_ERR_INVALID;
	rc = snapshot_begin(log, &s);
	if (rc != HM_OK)
		return rc;
	if (size > s.size)
		rc = HM_ERR_RANGE;
	else
		rc = hm_ct_range_root(snapshot_subtree, &s, 0, size, out);
	snapshot_end(&s);
	return rc;
}

int hm_ct_log_entry(struct hm_ct_log *log, uint64_t index, struct hm_buf *out)
{
	struct snapshot s;
	uint8_t k[8];
	MDB_val key = { sizeof(k), k }, val;
	int rc;

	if (out == NULL)
		return HM_ERR_INVALID;
	rc = snapshot_begin(log, &s);
	if (rc != HM_OK)
		return rc;
	put_be64(k, index);
	if (index >= s.size)
		rc = HM_ERR_RANGE;
	else
		rc = from_mdb(mdb_get(s.txn, log->leaves, &key, &val));
	if (rc == HM_OK)
		rc = hm_buf_append(out, val.mv_data, val.mv_size);
	snapshot_end(&s);
	return rc;
}

int hm_ct_log_leaf_hash(struct hm_ct_log *log, uint64_t index, uint8_t out[H])
{
	struct snapshot s;
	int rc;

	if (out == NULL)
		return HM_ERR_INVALID;
	rc = snapshot_begin(log, &s);
	if (rc != HM_OK)
		return rc;
	rc = index < s.size ? snapshot_subtree(&s, index, 0, out) : HM_ERR_RANGE;
	snapshot_end(&s);
	return rc;
}

typedef int (*proof_fn)(hm_ct_subtree_fn get, void *ctx, uint64_t a, uint64_t tree_size,
                        uint8_t (*proof)[H], size_t cap, size_t *proof_len);

/* A proof over one snapshot, whose tree must hold tree_size leaves. */
static int snapshot_proof(struct hm_ct_log *log, proof_fn prove, uint64_t a, uint64_t tree_size,
                          uint8_t (*proof)[H], size_t cap, size_t *proof_len)
{
	struct snapshot s;
	int rc;

	if (proof_len == NULL)
		return HM_ERR_INVALID;
	*proof_len = 0;
	rc = snapshot_begin(log, &s);
	if (rc != HM_OK)
		return rc;
	if (tree_size > s.size)
		rc = HM_ERR_RANGE;
	else
		rc = prove(snapshot_subtree, &s, a, tree_size, proof, cap, proof_len);
	snapshot_end(&s);
	return rc;
}

int hm_ct_log_inclusion_proof(struct hm_ct_log *log, uint64_t index, uint64_t size,
                              uint8_t (*proof)[H], size_t cap, size_t *proof_len)
{
	return snapshot_proof(log, hm_ct_inclusion_proof, index, size, proof, cap, proof_len);
}

int hm_ct_log_consistency_proof(struct hm_ct_log *log, uint64_t size1, uint64_t size2,
                                uint8_t (*proof)[H], size_t cap, size_t *proof_len)
{
	return snapshot_proof(log, hm_ct_consistency_proof, size1, size2, proof, cap, proof_len);
}

/* Every leaf 0..size-1 present, in order, nothing after, each matching its stored hash. */
static int check_leaves(struct snapshot *s)
{
	MDB_cursor *cur;
	MDB_val key, val;
	uint8_t want[H], got[H];
	uint64_t i = 0;
	int rc, mrc;

	rc = from_mdb(mdb_cursor_open(s->txn, s->log->leaves, &cur));
	if (rc != HM_OK)
		return rc;
	for (mrc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); mrc == MDB_SUCCESS;
	     mrc = mdb_cursor_get(cur, &key, &val, MDB_NEXT), i++) {
		if (i >= s->size || key.mv_size != 8 || get_be64(key.mv_data) != i) {
			rc = HM_ERR_CORRUPT;
			break;
		}
		rc = get_node_txn(s->txn, s->log->nodes, i, 0, want);
		if (rc != HM_OK)
			break;
		hm_ct_leaf_hash(got, val.mv_data, val.mv_size);
		if (memcmp(got, want, H) != 0) {
			rc = HM_ERR_CORRUPT;
			break;
		}
	}
	if (rc == HM_OK && mrc != MDB_NOTFOUND)
		rc = from_mdb(mrc);
	if (rc == HM_OK && i != s->size)
		rc = HM_ERR_CORRUPT;
	mdb_cursor_close(cur);
	return rc;
}

int hm_ct_log_check(struct hm_ct_log *log)
{
	struct snapshot s;
	MDB_stat ms;
	uint64_t expected = 0;
	int rc;

	rc = snapshot_begin(log, &s);
	if (rc != HM_OK)
		return rc;
	rc = check_leaves(&s);
	/* Every stored parent must be the hash of its two stored children. */
	for (unsigned level = 0; rc == HM_OK && level < 64 && (s.size >> level); level++) {
		uint64_t count = s.size >> level;
		expected += count;
		for (uint64_t j = 0; level > 0 && rc == HM_OK && j < count; j++) {
			uint8_t l[H], r[H], want[H], got[H];
			uint64_t start = j << level, half = UINT64_C(1) << (level - 1);
			rc = get_node_txn(s.txn, log->nodes, start, level - 1, l);
			if (rc == HM_OK)
				rc = get_node_txn(s.txn, log->nodes, start + half, level - 1, r);
			if (rc == HM_OK)
				rc = get_node_txn(s.txn, log->nodes, start, level, want);
			if (rc != HM_OK)
				break;
			hm_ct_node_hash(got, l, r);
			if (memcmp(got, want, H) != 0)
				rc = HM_ERR_CORRUPT;
		}
	}
	/* And nothing else may be stored. */
	if (rc == HM_OK)
		rc = from_mdb(mdb_stat(s.txn, log->nodes, &ms));
	if (rc == HM_OK && ms.ms_entries != expected)
		rc = HM_ERR_CORRUPT;
	snapshot_end(&s);
	return rc;
}

/* ---- tile reads (ct_internal.h) ---- */

/*
 * Visits the values stored under keys first .. first+count-1 of one database
 * with a cursor: one B-tree descent, then neighbours. Keys are
 * prefix || u64 BE index, so consecutive indices are consecutive keys; any
 * gap means the store lacks what the size promised.
 */
static int read_run(MDB_txn *txn, MDB_dbi dbi, const uint8_t *prefix, size_t prefix_len,
                    uint64_t first, size_t count, int (*visit)(void *ctx, const MDB_val *val),
                    void *ctx)
{
	uint8_t k[NODE_KEY_LEN];
	const size_t klen = prefix_len + 8;
	MDB_cursor *cur;
	MDB_val key = { klen, k }, val;
	int rc;

	if (prefix_len > 0)
		memcpy(k, prefix, prefix_len);
	put_be64(k + prefix_len, first);
	rc = from_mdb(mdb_cursor_open(txn, dbi, &cur));
	if (rc != HM_OK)
		return rc;
	rc = from_mdb(mdb_cursor_get(cur, &key, &val, MDB_SET_KEY));
	for (size_t i = 0; rc == HM_OK && i < count; i++) {
		if (i > 0)
			rc = from_mdb(mdb_cursor_get(cur, &key, &val, MDB_NEXT));
		if (rc != HM_OK)
			break;
		if (key.mv_size != klen ||
		    (prefix_len > 0 && memcmp(key.mv_data, prefix, prefix_len) != 0) ||
		    get_be64((const uint8_t *)key.mv_data + prefix_len) != first + i) {
			rc = HM_ERR_CORRUPT;
			break;
		}
		rc = visit(ctx, &val);
	}
	mdb_cursor_close(cur);
	return rc;
}

static int visit_hash(void *ctx, const MDB_val *val)
{
	if (val->mv_size != H)
		return HM_ERR_CORRUPT;
	return hm_buf_append(ctx, val->mv_data, H);
}

static int visit_entry(void *ctx, const MDB_val *val)
{
	uint8_t len[2];
	int rc;

	if (val->mv_size > 0xffff)
		return HM_ERR_TOO_LARGE;
	len[0] = (uint8_t)(val->mv_size >> 8);
	len[1] = (uint8_t)val->mv_size;
	rc = hm_buf_append(ctx, len, 2);
	return rc == HM_OK ? hm_buf_append(ctx, val->mv_data, val->mv_size) : rc;
}

int ct_log_read_hashes(struct hm_ct_log *log, uint64_t tree_size, unsigned height, uint64_t first,
                       size_t count, struct hm_buf *out)
{
	const size_t old_len = out != NULL ? out->len : 0;
	uint8_t prefix = (uint8_t)height;
	struct snapshot s;
	int rc;

	if (out == NULL || height > 63 || count == 0 || count > 256)
		return HM_ERR_INVALID;
	/* Nodes first .. first+count-1 of height h need (first+count) << h leaves. */
	if (first > (tree_size >> height) || (tree_size >> height) - first < count)
		return HM_ERR_NOT_FOUND;
	rc = snapshot_begin(log, &s);
	if (rc != HM_OK)
		return rc;
	if (tree_size > s.size)
		rc = HM_ERR_RANGE;
	else
		rc = hm_buf_reserve(out, count * H);
	if (rc == HM_OK)
		rc = read_run(s.txn, log->nodes, &prefix, 1, first, count, visit_hash, out);
	snapshot_end(&s);
	if (rc != HM_OK)
		(void)hm_buf_truncate(out, old_len);
	return rc;
}

int ct_log_read_bundle(struct hm_ct_log *log, uint64_t tree_size, uint64_t first, size_t count,
                       struct hm_buf *out)
{
	const size_t old_len = out != NULL ? out->len : 0;
	struct snapshot s;
	int rc;

	if (out == NULL || count == 0 || count > 256)
		return HM_ERR_INVALID;
	if (first > tree_size || tree_size - first < count)
		return HM_ERR_NOT_FOUND;
	rc = snapshot_begin(log, &s);
	if (rc != HM_OK)
		return rc;
	if (tree_size > s.size)
		rc = HM_ERR_RANGE;
	else
		rc = read_run(s.txn, log->leaves, NULL, 0, first, count, visit_entry, out);
	snapshot_end(&s);
	if (rc != HM_OK)
		(void)hm_buf_truncate(out, old_len);
	return rc;
}
