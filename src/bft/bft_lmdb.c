/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LMDB implementation of the consensus storage interface. Four named
 * databases: "safety" (one record under the key "s"), "chain" (uint64
 * big-endian height -> block), "voted" (block hash -> block) and
 * "evidence" (kind || validator || view -> uint64 height || record, the
 * committed equivocation evidence the node reports). LMDB's commit syncs
 * to disk (the environment is opened without MDB_NOSYNC / MDB_NOMETASYNC).
 *
 * By default each call is its own durable write transaction. Deferred mode
 * (hm_bft_lmdb_defer) keeps one write transaction open across calls and
 * commits it in hm_bft_lmdb_flush: what one replica step writes (the voted
 * block, the safety record, the blocks it commits) costs one sync instead of
 * one each. Reads in between go through that transaction, so they see the
 * writes before they are durable; nothing outside the process does.
 *
 * A storage failure (map full, I/O, a corrupt row) is sticky: it is kept in
 * db->failure, every later write returns it, and the owner can tell it apart
 * from the replica refusing a message (hm_bft_lmdb_failure).
 */
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hypermesh/bft_lmdb.h"
#include "hypermesh/error.h"

struct hm_bft_lmdb {
	MDB_env *env;
	MDB_dbi safety, chain, voted, evidence;
	int deferred;     /* writes collect in pending until hm_bft_lmdb_flush */
	MDB_txn *pending; /* the open write transaction (deferred mode), or NULL */
	int failure;      /* the first storage failure; HM_OK while none */
	uint64_t commits; /* durable write transactions committed */
};

/*
 * LMDB maps the data file and trusts its meta page: a file cut shorter than
 * the last page the meta page names would fault (SIGBUS) on the first read
 * of a missing page. Refuse it at open instead.
 */
static int check_file_size(MDB_env *env, const char *dir)
{
	MDB_envinfo info;
	MDB_stat st;
	struct stat sb;
	char path[4096];
	int n;

	if (mdb_env_info(env, &info) != MDB_SUCCESS || mdb_env_stat(env, &st) != MDB_SUCCESS)
		return HM_ERR_IO;
	n = snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return HM_ERR_INVALID;
	if (stat(path, &sb) != 0)
		return HM_ERR_IO;
	if ((uint64_t)sb.st_size < ((uint64_t)info.me_last_pgno + 1) * st.ms_psize)
		return HM_ERR_CORRUPT;
	return HM_OK;
}

int hm_bft_lmdb_open(struct hm_bft_lmdb **out, const char *dir, size_t map_size)
{
	struct hm_bft_lmdb *db;
	MDB_txn *txn = NULL;
	int rc;

	if (dir == NULL || *dir == '\0')
		return HM_ERR_INVALID;
	db = calloc(1, sizeof(*db));
	if (db == NULL)
		return HM_ERR_NOMEM;
	rc = hm_err_from_mdb(mdb_env_create(&db->env));
	if (rc != HM_OK) {
		free(db);
		return rc;
	}
	if ((rc = hm_err_from_mdb(mdb_env_set_maxdbs(db->env, 4))) ||
	    (rc = hm_err_from_mdb(mdb_env_set_mapsize(
	             db->env, map_size ? map_size : HM_BFT_LMDB_MAP_DEFAULT))) ||
	    (rc = hm_err_from_mdb(mdb_env_open(db->env, dir, 0, 0600))))
		goto fail;
	if ((rc = check_file_size(db->env, dir)))
		goto fail;
	if ((rc = hm_err_from_mdb(mdb_txn_begin(db->env, NULL, 0, &txn))))
		goto fail;
	if ((rc = hm_err_from_mdb(mdb_dbi_open(txn, "safety", MDB_CREATE, &db->safety))) ||
	    (rc = hm_err_from_mdb(mdb_dbi_open(txn, "chain", MDB_CREATE, &db->chain))) ||
	    (rc = hm_err_from_mdb(mdb_dbi_open(txn, "voted", MDB_CREATE, &db->voted))) ||
	    (rc = hm_err_from_mdb(mdb_dbi_open(txn, "evidence", MDB_CREATE, &db->evidence)))) {
		mdb_txn_abort(txn);
		goto fail;
	}
	if ((rc = hm_err_from_mdb(mdb_txn_commit(txn))))
		goto fail;
	*out = db;
	return HM_OK;
fail:
	mdb_env_close(db->env);
	free(db);
	return rc;
}

void hm_bft_lmdb_close(struct hm_bft_lmdb *db)
{
	if (db == NULL)
		return;
	/* Writes still pending were made; keeping them is as safe as not. */
	(void)hm_bft_lmdb_flush(db);
	mdb_env_close(db->env);
	free(db);
}

/* Records the first storage failure; later writes return it. */
static int failed(struct hm_bft_lmdb *db, int rc)
{
	if (db->failure == HM_OK)
		db->failure = rc;
	return rc;
}

/* The transaction a write goes into: the pending one, or a new one. */
static int write_begin(struct hm_bft_lmdb *db, MDB_txn **txn)
{
	int rc;

	if (db->failure != HM_OK)
		return db->failure;
	if (db->pending != NULL) {
		*txn = db->pending;
		return HM_OK;
	}
	if ((rc = hm_err_from_mdb(mdb_txn_begin(db->env, NULL, 0, txn))))
		return failed(db, rc);
	if (db->deferred)
		db->pending = *txn;
	return HM_OK;
}

static int commit(struct hm_bft_lmdb *db, MDB_txn *txn)
{
	int rc = hm_err_from_mdb(mdb_txn_commit(txn));

	if (rc != HM_OK)
		return failed(db, rc);
	db->commits++;
	return HM_OK;
}

/*
 * Ends a write. rc HM_OK: keep it (commit now, or leave it pending). A
 * refusal that wrote nothing (refused = 1: append out of order, key exists)
 * leaves a pending transaction usable. Anything else is a failure: LMDB
 * marks the transaction unusable, so it is aborted with every write batched
 * in it, and the failure sticks.
 */
static int write_end(struct hm_bft_lmdb *db, MDB_txn *txn, int rc, int refused)
{
	if (rc == HM_OK)
		return db->deferred ? HM_OK : commit(db, txn);
	if (refused) {
		if (!db->deferred)
			mdb_txn_abort(txn);
		return rc;
	}
	mdb_txn_abort(txn);
	db->pending = NULL;
	return failed(db, rc);
}

static int put_one(struct hm_bft_lmdb *db, MDB_dbi dbi, const void *key, size_t klen,
                   const uint8_t *p, size_t len, unsigned flags)
{
	MDB_txn *txn;
	MDB_val k = { klen, (void *)key }, v = { len, (void *)p };
	int rc = write_begin(db, &txn);

	if (rc != HM_OK)
		return rc;
	rc = mdb_put(txn, dbi, &k, &v, flags);
	if (rc == MDB_KEYEXIST) /* already kept: not an error */
		return write_end(db, txn, HM_ERR_EXISTS, 1) == HM_ERR_EXISTS ? HM_OK : db->failure;
	return write_end(db, txn, hm_err_from_mdb(rc), 0);
}

/* A read: through the pending transaction if there is one (it sees its writes). */
static int read_begin(struct hm_bft_lmdb *db, MDB_txn **txn)
{
	if (db->pending != NULL) {
		*txn = db->pending;
		return HM_OK;
	}
	return hm_err_from_mdb(mdb_txn_begin(db->env, NULL, MDB_RDONLY, txn));
}

static void read_end(struct hm_bft_lmdb *db, MDB_txn *txn)
{
	if (txn != db->pending)
		mdb_txn_abort(txn);
}

static int get_one(struct hm_bft_lmdb *db, MDB_dbi dbi, const void *key, size_t klen,
                   struct hm_buf *out)
{
	MDB_txn *txn;
	MDB_val k = { klen, (void *)key }, v;
	int rc = read_begin(db, &txn);

	if (rc != HM_OK)
		return rc;
	rc = hm_err_from_mdb(mdb_get(txn, dbi, &k, &v));
	if (rc == HM_OK)
		rc = hm_buf_append(out, v.mv_data, v.mv_size);
	read_end(db, txn);
	return rc;
}

void hm_bft_lmdb_defer(struct hm_bft_lmdb *db)
{
	db->deferred = 1;
}

int hm_bft_lmdb_flush(struct hm_bft_lmdb *db)
{
	MDB_txn *txn = db->pending;

	if (db->failure != HM_OK)
		return db->failure;
	if (txn == NULL)
		return HM_OK;
	db->pending = NULL;
	return commit(db, txn);
}

int hm_bft_lmdb_failure(const struct hm_bft_lmdb *db)
{
	return db->failure;
}

uint64_t hm_bft_lmdb_commits(const struct hm_bft_lmdb *db)
{
	return db->commits;
}

static void be64(uint8_t k[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		k[i] = (uint8_t)v;
}

static int lmdb_save_safety(void *ctx, const uint8_t *p, size_t len)
{
	struct hm_bft_lmdb *db = ctx;

	return put_one(db, db->safety, "s", 1, p, len, 0);
}

static int lmdb_load_safety(void *ctx, struct hm_buf *out)
{
	struct hm_bft_lmdb *db = ctx;
	int rc = get_one(db, db->safety, "s", 1, out);

	return rc == HM_ERR_NOT_FOUND ? HM_OK : rc;
}

/* The height check and the insert share one transaction, so the chain has no gaps. */
static int lmdb_append_block(void *ctx, uint64_t height, const uint8_t *p, size_t len)
{
	struct hm_bft_lmdb *db = ctx;
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t key[8];
	uint64_t last = 0;
	int rc = write_begin(db, &txn);

	if (rc != HM_OK)
		return rc;
	if ((rc = hm_err_from_mdb(mdb_cursor_open(txn, db->chain, &cur))))
		return write_end(db, txn, rc, 0);
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc == MDB_SUCCESS) {
		if (k.mv_size != 8)
			return write_end(db, txn, HM_ERR_CORRUPT, 0);
		for (int i = 0; i < 8; i++)
			last = last << 8 | ((const uint8_t *)k.mv_data)[i];
	} else if (rc != MDB_NOTFOUND) {
		return write_end(db, txn, hm_err_from_mdb(rc), 0);
	}
	if (height != last + 1)
		return write_end(db, txn, HM_ERR_INVALID, 1);
	be64(key, height);
	k.mv_size = 8;
	k.mv_data = key;
	v.mv_size = len;
	v.mv_data = (void *)p;
	return write_end(db, txn, hm_err_from_mdb(mdb_put(txn, db->chain, &k, &v, MDB_NOOVERWRITE)),
	                 0);
}

static int lmdb_load_block(void *ctx, uint64_t height, struct hm_buf *out)
{
	struct hm_bft_lmdb *db = ctx;
	uint8_t key[8];

	be64(key, height);
	return get_one(db, db->chain, key, sizeof(key), out);
}

static int lmdb_put_block(void *ctx, const uint8_t hash[HM_BFT_HASH_LEN], const uint8_t *p,
                          size_t len)
{
	struct hm_bft_lmdb *db = ctx;

	return put_one(db, db->voted, hash, HM_BFT_HASH_LEN, p, len, MDB_NOOVERWRITE);
}

static int lmdb_get_block(void *ctx, const uint8_t hash[HM_BFT_HASH_LEN], struct hm_buf *out)
{
	struct hm_bft_lmdb *db = ctx;

	return get_one(db, db->voted, hash, HM_BFT_HASH_LEN, out);
}

void hm_bft_lmdb_storage(struct hm_bft_lmdb *db, struct hm_bft_storage *st)
{
	st->ctx = db;
	st->save_safety = lmdb_save_safety;
	st->load_safety = lmdb_load_safety;
	st->append_block = lmdb_append_block;
	st->load_block = lmdb_load_block;
	st->put_block = lmdb_put_block;
	st->get_block = lmdb_get_block;
}

/* The record's first 11 bytes are its key: kind, validator, view. */
#define EV_KEY_LEN 11

int hm_bft_lmdb_put_evidence(struct hm_bft_lmdb *db, uint64_t height, const uint8_t *rec,
                             size_t len)
{
	struct hm_bft_evidence e;
	uint8_t val[8 + HM_BFT_EVIDENCE_LEN];
	MDB_txn *txn;
	MDB_val k = { EV_KEY_LEN, (void *)rec }, v = { sizeof(val), val };
	int rc;

	if (db == NULL || rec == NULL || len != HM_BFT_EVIDENCE_LEN ||
	    hm_bft_evidence_decode(&e, rec, len) != HM_OK)
		return HM_ERR_INVALID;
	be64(val, height);
	memcpy(val + 8, rec, len);
	if ((rc = write_begin(db, &txn)))
		return rc;
	rc = mdb_put(txn, db->evidence, &k, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		return write_end(db, txn, HM_ERR_EXISTS, 1);
	return write_end(db, txn, hm_err_from_mdb(rc), 0);
}

int hm_bft_lmdb_evidence_summary(struct hm_bft_lmdb *db, uint64_t *count,
                                 uint64_t per_validator[HM_BFT_MAX_VALIDATORS])
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, op = MDB_FIRST;

	*count = 0;
	memset(per_validator, 0, HM_BFT_MAX_VALIDATORS * sizeof(*per_validator));
	if ((rc = read_begin(db, &txn)))
		return rc;
	if ((rc = hm_err_from_mdb(mdb_cursor_open(txn, db->evidence, &cur)))) {
		read_end(db, txn);
		return rc;
	}
	while ((rc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op)) == MDB_SUCCESS) {
		const uint8_t *key = k.mv_data;
		uint16_t who;

		op = MDB_NEXT;
		if (k.mv_size != EV_KEY_LEN || v.mv_size != 8 + HM_BFT_EVIDENCE_LEN) {
			rc = MDB_CORRUPTED;
			break;
		}
		who = (uint16_t)(key[1] << 8 | key[2]);
		(*count)++;
		if (who < HM_BFT_MAX_VALIDATORS)
			per_validator[who]++;
	}
	mdb_cursor_close(cur);
	read_end(db, txn);
	return rc == MDB_NOTFOUND ? HM_OK : hm_err_from_mdb(rc);
}
