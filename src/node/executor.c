/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The executor (executor.h, module.h): committed blocks in, state out. One
 * write transaction per block; one nested transaction per operation, so a
 * failing apply() leaves nothing behind; receipts and the applied record in
 * the block's transaction, so "applied up to h" and the state it describes
 * are always durable together.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hypermesh/codec.h"
#include "hypermesh/error.h"
#include "hypermesh/executor.h"
#include "hypermesh/hash.h"
#include "hypermesh/log.h"

#define MAP_DEFAULT    ((size_t)1 << 30)
#define RESULT_MAX     0xffffffu
#define APPLIED_KEY    "applied"
#define APPLIED_LEN    (8 + 8 + HM_MODULE_HASH_LEN + 2)
#define MAX_DBS_MODULE 16 /* named databases each module may open */

/*
 * A client waiting for a receipt. Watches are found by txid (a receipt
 * arrives) and by token (unwatch), so each is on two hash chains; a block's
 * receipts then cost one lookup each instead of a scan of every watch.
 */
struct watch {
	uint8_t txid[HM_TXID_LEN];
	hm_receipt_cb cb;
	void *user;
	uint64_t token;
	struct watch *next_by_txid, *next_by_token;
};

#define WATCH_BUCKETS_MIN 64

/* A receipt made while applying a block, reported to watchers after commit. */
struct fresh {
	uint8_t txid[HM_TXID_LEN];
	struct hm_receipt r;
	size_t result_off, result_len; /* into the executor's results buffer */
};

struct hm_executor {
	MDB_env *env;
	MDB_dbi meta, receipts;
	struct hm_module modules[HM_EXECUTOR_MAX_MODULES];
	size_t nmodules;
	int started, failed;
	hm_verify_op_fn verify;
	void *verify_ctx;
	struct hm_block_info applied;
	struct watch **by_txid, **by_token; /* nbuckets chains each (a power of two) */
	size_t nbuckets, nwatches;
	uint64_t next_token;
	size_t block_txs; /* operations in the last block applied */
	struct fresh *fresh;
	size_t nfresh, fresh_cap;
	struct hm_buf results, scratch;
};

int hm_lmdb_check_size(MDB_env *env, const char *dir)
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
		return errno == ENOENT ? HM_OK : HM_ERR_IO;
	if ((uint64_t)sb.st_size < ((uint64_t)info.me_last_pgno + 1) * st.ms_psize)
		return HM_ERR_CORRUPT;
	return HM_OK;
}

static int decode_applied(const MDB_val *v, struct hm_block_info *b)
{
	struct hm_reader rd;

	hm_reader_init(&rd, v->mv_data, v->mv_size);
	if (hm_get_u64(&rd, &b->height) || hm_get_u64(&rd, &b->timestamp_ms) ||
	    hm_get_bytes(&rd, b->hash, HM_MODULE_HASH_LEN) || hm_get_u16(&rd, &b->proposer) ||
	    hm_reader_finish(&rd))
		return HM_ERR_CORRUPT;
	return HM_OK;
}

int hm_executor_open(struct hm_executor **out, const char *dir, size_t map_size)
{
	struct hm_executor *ex;
	MDB_txn *txn = NULL;
	MDB_val k = { sizeof(APPLIED_KEY) - 1, APPLIED_KEY }, v;
	int rc;

	if (out == NULL || dir == NULL || *dir == '\0')
		return HM_ERR_INVALID;
	ex = calloc(1, sizeof(*ex));
	if (ex == NULL)
		return HM_ERR_NOMEM;
	hm_buf_init(&ex->results);
	hm_buf_init(&ex->scratch);
	ex->next_token = 1;
	if ((rc = hm_err_from_mdb(mdb_env_create(&ex->env)))) {
		free(ex);
		return rc;
	}
	if ((rc = hm_err_from_mdb(
	             mdb_env_set_maxdbs(ex->env, 2 + HM_EXECUTOR_MAX_MODULES * MAX_DBS_MODULE))) ||
	    (rc = hm_err_from_mdb(
	             mdb_env_set_mapsize(ex->env, map_size ? map_size : MAP_DEFAULT))) ||
	    (rc = hm_err_from_mdb(mdb_env_open(ex->env, dir, 0, 0600))) ||
	    (rc = hm_lmdb_check_size(ex->env, dir)) ||
	    (rc = hm_err_from_mdb(mdb_txn_begin(ex->env, NULL, 0, &txn))))
		goto fail;
	if ((rc = hm_err_from_mdb(mdb_dbi_open(txn, "exec.meta", MDB_CREATE, &ex->meta))) ||
	    (rc = hm_err_from_mdb(mdb_dbi_open(txn, "exec.receipts", MDB_CREATE, &ex->receipts))))
		goto fail;
	rc = hm_err_from_mdb(mdb_get(txn, ex->meta, &k, &v));
	if (rc == HM_OK)
		rc = decode_applied(&v, &ex->applied);
	else if (rc == HM_ERR_NOT_FOUND)
		rc = HM_OK;
	if (rc != HM_OK)
		goto fail;
	rc = hm_err_from_mdb(mdb_txn_commit(txn));
	txn = NULL;
	if (rc != HM_OK)
		goto fail;
	*out = ex;
	return HM_OK;
fail:
	if (txn != NULL)
		mdb_txn_abort(txn);
	mdb_env_close(ex->env);
	free(ex);
	return rc;
}

int hm_executor_add_module(struct hm_executor *ex, const struct hm_module *m)
{
	if (ex == NULL || m == NULL || ex->started || m->apply == NULL || m->name == NULL ||
	    m->type_min == 0 || m->type_min > m->type_max)
		return HM_ERR_INVALID;
	for (size_t i = 0; i < ex->nmodules; i++)
		if (m->type_min <= ex->modules[i].type_max &&
		    ex->modules[i].type_min <= m->type_max)
			return HM_ERR_EXISTS;
	if (ex->nmodules == HM_EXECUTOR_MAX_MODULES)
		return HM_ERR_TOO_LARGE;
	ex->modules[ex->nmodules++] = *m;
	return HM_OK;
}

void hm_executor_set_verifier(struct hm_executor *ex, hm_verify_op_fn fn, void *ctx)
{
	ex->verify = fn;
	ex->verify_ctx = ctx;
}

/* committed() of every module; the first failure stops the executor. */
static int run_committed(struct hm_executor *ex, const struct hm_block_info *b)
{
	for (size_t i = 0; i < ex->nmodules; i++) {
		int rc;

		if (ex->modules[i].committed == NULL)
			continue;
		if ((rc = ex->modules[i].committed(ex->modules[i].ctx, b))) {
			hm_log(HM_LOG_ERROR, "executor", "module committed() failed",
			       HM_LOG_STR("module", ex->modules[i].name),
			       HM_LOG_UINT("height", b->height),
			       HM_LOG_STR("err", hm_strerror(rc)));
			ex->failed = 1;
			return rc;
		}
	}
	return HM_OK;
}

int hm_executor_start(struct hm_executor *ex)
{
	MDB_txn *txn;
	int rc;

	if (ex == NULL || ex->started)
		return HM_ERR_INVALID;
	if ((rc = hm_err_from_mdb(mdb_txn_begin(ex->env, NULL, 0, &txn))))
		return rc;
	for (size_t i = 0; i < ex->nmodules; i++) {
		if (ex->modules[i].open == NULL)
			continue;
		if ((rc = ex->modules[i].open(ex->modules[i].ctx, ex->env, txn))) {
			mdb_txn_abort(txn);
			return rc;
		}
	}
	if ((rc = hm_err_from_mdb(mdb_txn_commit(txn))))
		return rc;
	ex->started = 1;
	/* The crash window between the state commit and committed(). */
	if (ex->applied.height > 0)
		return run_committed(ex, &ex->applied);
	return HM_OK;
}

void hm_executor_applied(const struct hm_executor *ex, struct hm_block_info *b)
{
	*b = ex->applied;
}

static const struct hm_module *module_for(const struct hm_executor *ex, uint16_t type)
{
	for (size_t i = 0; i < ex->nmodules; i++)
		if (type >= ex->modules[i].type_min && type <= ex->modules[i].type_max)
			return &ex->modules[i];
	return NULL;
}

/* Failures of this node, as opposed to a rejected operation (module.h). */
static int is_node_failure(int rc)
{
	return rc == HM_ERR_NOMEM || rc == HM_ERR_IO || rc == HM_ERR_CORRUPT ||
	       rc == HM_ERR_TOO_LARGE;
}

static int put_receipt(struct hm_executor *ex, MDB_txn *txn, const uint8_t *txid,
                       const struct hm_receipt *r, const uint8_t *result, size_t result_len)
{
	MDB_val k = { HM_TXID_LEN, (void *)txid }, v;
	int rc;

	hm_buf_truncate(&ex->scratch, 0);
	if ((rc = hm_put_u64(&ex->scratch, r->height)) ||
	    (rc = hm_put_u32(&ex->scratch, r->index)) ||
	    (rc = hm_put_u32(&ex->scratch, (uint32_t)r->status)) ||
	    (rc = hm_put_u16(&ex->scratch, r->type)) ||
	    (rc = hm_put_vec(&ex->scratch, 0, RESULT_MAX, result, result_len)))
		return rc;
	v.mv_size = ex->scratch.len;
	v.mv_data = ex->scratch.data;
	return hm_err_from_mdb(mdb_put(txn, ex->receipts, &k, &v, 0));
}

/* The bytes of results from off on (NULL when there are none: no pointer arithmetic on NULL). */
static const uint8_t *results_at(const struct hm_executor *ex, size_t off)
{
	return ex->results.data != NULL ? ex->results.data + off : NULL;
}

static int note_fresh(struct hm_executor *ex, const uint8_t *txid, const struct hm_receipt *r,
                      size_t off, size_t len)
{
	if (ex->nfresh == ex->fresh_cap) {
		size_t cap = ex->fresh_cap ? ex->fresh_cap * 2 : 64;
		struct fresh *n = realloc(ex->fresh, cap * sizeof(*n));

		if (n == NULL)
			return HM_ERR_NOMEM;
		ex->fresh = n;
		ex->fresh_cap = cap;
	}
	memcpy(ex->fresh[ex->nfresh].txid, txid, HM_TXID_LEN);
	ex->fresh[ex->nfresh].r = *r;
	ex->fresh[ex->nfresh].result_off = off;
	ex->fresh[ex->nfresh].result_len = len;
	ex->nfresh++;
	return HM_OK;
}

/*
 * One operation: verify, route, check, apply in a nested transaction, and
 * its receipt. Returns HM_OK whether the operation was applied or rejected;
 * an error only for a failure of this node.
 */
static int apply_op(struct hm_executor *ex, MDB_txn *txn, const struct hm_block_info *b,
                    uint32_t index, const uint8_t *tx, size_t len)
{
	uint8_t txid[HM_TXID_LEN];
	struct hm_receipt r = { .height = b->height, .index = index };
	struct hm_op op;
	const struct hm_module *m;
	MDB_val k = { HM_TXID_LEN, txid }, v;
	size_t off = ex->results.len;
	int rc;

	hm_sha256(txid, tx, len);
	rc = hm_err_from_mdb(mdb_get(txn, ex->receipts, &k, &v));
	if (rc == HM_OK)
		return HM_OK; /* a replay of a receipted transaction: the first receipt stands */
	if (rc != HM_ERR_NOT_FOUND)
		return rc;
	memset(&op, 0, sizeof(op));
	rc = ex->verify ? ex->verify(ex->verify_ctx, txn, tx, len, b, &op) : HM_ERR_UNSUPPORTED;
	if (rc == HM_OK) {
		r.type = op.type;
		m = module_for(ex, op.type);
		if (m == NULL)
			rc = HM_ERR_UNSUPPORTED;
		else if (m->check != NULL)
			rc = m->check(m->ctx, &op);
		if (rc == HM_OK) {
			MDB_txn *child;

			if ((rc = hm_err_from_mdb(mdb_txn_begin(ex->env, txn, 0, &child))))
				return rc;
			rc = m->apply(m->ctx, child, b, &op, &ex->results);
			if (rc == HM_OK) {
				if ((rc = hm_err_from_mdb(mdb_txn_commit(child))))
					return rc;
			} else {
				mdb_txn_abort(child);
				hm_buf_truncate(&ex->results, off);
			}
		}
	}
	if (rc > 0 || rc < HM_ERR_LAST)
		rc = HM_ERR_INVALID; /* a module returned something outside error.h */
	if (is_node_failure(rc))
		return rc;
	r.status = rc;
	if ((rc = put_receipt(ex, txn, txid, &r, results_at(ex, off), ex->results.len - off)))
		return rc;
	return note_fresh(ex, txid, &r, off, ex->results.len - off);
}

static int put_applied(struct hm_executor *ex, MDB_txn *txn, const struct hm_block_info *b)
{
	MDB_val k = { sizeof(APPLIED_KEY) - 1, APPLIED_KEY }, v;
	int rc;

	hm_buf_truncate(&ex->scratch, 0);
	if ((rc = hm_put_u64(&ex->scratch, b->height)) ||
	    (rc = hm_put_u64(&ex->scratch, b->timestamp_ms)) ||
	    (rc = hm_put_bytes(&ex->scratch, b->hash, HM_MODULE_HASH_LEN)) ||
	    (rc = hm_put_u16(&ex->scratch, b->proposer)))
		return rc;
	v.mv_size = ex->scratch.len;
	v.mv_data = ex->scratch.data;
	return hm_err_from_mdb(mdb_put(txn, ex->meta, &k, &v, 0));
}

/* ---- the watch table ---- */

/* txids are SHA-256 outputs and tokens a counter: their low bits spread evenly. */
static size_t txid_bucket(const struct hm_executor *ex, const uint8_t txid[HM_TXID_LEN])
{
	uint64_t h;

	memcpy(&h, txid, sizeof(h));
	return (size_t)h & (ex->nbuckets - 1);
}

static size_t token_bucket(const struct hm_executor *ex, uint64_t token)
{
	return (size_t)token & (ex->nbuckets - 1);
}

static void watch_link(struct hm_executor *ex, struct watch *w)
{
	size_t t = txid_bucket(ex, w->txid), k = token_bucket(ex, w->token);

	w->next_by_txid = ex->by_txid[t];
	ex->by_txid[t] = w;
	w->next_by_token = ex->by_token[k];
	ex->by_token[k] = w;
}

/* Takes w off both of its chains. */
static void watch_unlink(struct hm_executor *ex, struct watch *w)
{
	struct watch **pp;

	for (pp = &ex->by_txid[txid_bucket(ex, w->txid)]; *pp != w; pp = &(*pp)->next_by_txid)
		;
	*pp = w->next_by_txid;
	for (pp = &ex->by_token[token_bucket(ex, w->token)]; *pp != w; pp = &(*pp)->next_by_token)
		;
	*pp = w->next_by_token;
	ex->nwatches--;
}

/* Doubles the table (or makes the first one); every watch is on exactly one token chain. */
static int watch_grow(struct hm_executor *ex)
{
	size_t old_n = ex->nbuckets, n = old_n ? old_n * 2 : WATCH_BUCKETS_MIN;
	struct watch **old_tok = ex->by_token, **t = calloc(n, sizeof(*t)),
	             **k = calloc(n, sizeof(*k));

	if (t == NULL || k == NULL) {
		free(t);
		free(k);
		return HM_ERR_NOMEM;
	}
	free(ex->by_txid);
	ex->by_txid = t;
	ex->by_token = k;
	ex->nbuckets = n;
	for (size_t i = 0; i < old_n; i++) {
		struct watch *w = old_tok[i], *next;

		for (; w != NULL; w = next) {
			next = w->next_by_token;
			watch_link(ex, w);
		}
	}
	free(old_tok);
	return HM_OK;
}

static struct watch *watch_find_txid(const struct hm_executor *ex, const uint8_t txid[HM_TXID_LEN])
{
	struct watch *w;

	if (ex->nbuckets == 0)
		return NULL;
	for (w = ex->by_txid[txid_bucket(ex, txid)]; w != NULL; w = w->next_by_txid)
		if (memcmp(w->txid, txid, HM_TXID_LEN) == 0)
			return w;
	return NULL;
}

/* Tells the watchers of the receipts just made durable. */
static void notify(struct hm_executor *ex)
{
	for (size_t f = 0; f < ex->nfresh; f++) {
		const struct fresh *fr = &ex->fresh[f];
		struct watch *w;

		/* One at a time, looked up again each time: a callback may watch or unwatch. */
		while ((w = watch_find_txid(ex, fr->txid)) != NULL) {
			hm_receipt_cb cb = w->cb;
			void *user = w->user;

			watch_unlink(ex, w);
			free(w);
			cb(user, HM_OK, fr->txid, &fr->r, results_at(ex, fr->result_off),
			   fr->result_len);
		}
	}
}

int hm_executor_apply_block(struct hm_executor *ex, const struct hm_block_info *b,
                            const uint8_t *payload, size_t payload_len)
{
	struct hm_reader rd;
	MDB_txn *txn;
	uint32_t index = 0;
	size_t ntx;
	int rc;

	if (ex == NULL || b == NULL || !ex->started || ex->failed)
		return HM_ERR_INVALID;
	if (b->height <= ex->applied.height)
		return HM_ERR_EXISTS;
	if (b->height != ex->applied.height + 1)
		return HM_ERR_INVALID;
	/* The payload must be well formed before anything is applied. */
	hm_reader_init(&rd, payload, payload_len);
	ntx = 0;
	while (hm_reader_remaining(&rd) > 0) {
		const uint8_t *tx;
		size_t n;

		if (hm_get_vec(&rd, 1, 0xffff, &tx, &n))
			return HM_ERR_LENGTH;
		ntx++;
	}
	if ((rc = hm_err_from_mdb(mdb_txn_begin(ex->env, NULL, 0, &txn))))
		goto fail;
	ex->nfresh = 0;
	hm_buf_truncate(&ex->results, 0);
	hm_reader_init(&rd, payload, payload_len);
	while (hm_reader_remaining(&rd) > 0) {
		const uint8_t *tx;
		size_t n;

		(void)hm_get_vec(&rd, 1, 0xffff, &tx, &n);
		if ((rc = apply_op(ex, txn, b, index++, tx, n))) {
			mdb_txn_abort(txn);
			goto fail;
		}
	}
	if ((rc = put_applied(ex, txn, b))) {
		mdb_txn_abort(txn);
		goto fail;
	}
	if ((rc = hm_err_from_mdb(mdb_txn_commit(txn))))
		goto fail;
	ex->applied = *b;
	ex->block_txs = ntx;
	/*
	 * committed() first: a watcher answering a client can then report what
	 * the modules did after durability (TrustChain's CT log entry).
	 */
	rc = run_committed(ex, b);
	notify(ex);
	return rc;
fail:
	ex->failed = 1;
	hm_log(HM_LOG_ERROR, "executor", "cannot apply block; stopping",
	       HM_LOG_UINT("height", b->height), HM_LOG_STR("err", hm_strerror(rc)));
	return rc;
}

int hm_executor_receipt(struct hm_executor *ex, const uint8_t txid[HM_TXID_LEN],
                        struct hm_receipt *r, struct hm_buf *result)
{
	MDB_txn *txn;
	MDB_val k = { HM_TXID_LEN, (void *)txid }, v;
	struct hm_reader rd;
	const uint8_t *res;
	size_t n;
	uint32_t status;
	int rc;

	if ((rc = hm_err_from_mdb(mdb_txn_begin(ex->env, NULL, MDB_RDONLY, &txn))))
		return rc;
	rc = hm_err_from_mdb(mdb_get(txn, ex->receipts, &k, &v));
	if (rc == HM_OK) {
		hm_reader_init(&rd, v.mv_data, v.mv_size);
		if (hm_get_u64(&rd, &r->height) || hm_get_u32(&rd, &r->index) ||
		    hm_get_u32(&rd, &status) || hm_get_u16(&rd, &r->type) ||
		    hm_get_vec(&rd, 0, RESULT_MAX, &res, &n) || hm_reader_finish(&rd))
			rc = HM_ERR_CORRUPT;
		else
			r->status = (int32_t)status;
		if (rc == HM_OK && result != NULL)
			rc = hm_buf_append(result, res, n);
	}
	mdb_txn_abort(txn);
	return rc;
}

int hm_executor_watch(struct hm_executor *ex, const uint8_t txid[HM_TXID_LEN], hm_receipt_cb cb,
                      void *user, uint64_t *token)
{
	struct hm_receipt r;
	struct hm_buf res;
	struct watch *w;
	int rc;

	hm_buf_init(&res);
	rc = hm_executor_receipt(ex, txid, &r, &res);
	if (rc == HM_OK) {
		if (token != NULL)
			*token = 0;
		cb(user, HM_OK, txid, &r, res.data, res.len);
		hm_buf_free(&res);
		return HM_OK;
	}
	hm_buf_free(&res);
	if (rc != HM_ERR_NOT_FOUND)
		return rc;
	if (ex->nwatches >= ex->nbuckets && (rc = watch_grow(ex)) != HM_OK)
		return rc;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return HM_ERR_NOMEM;
	memcpy(w->txid, txid, HM_TXID_LEN);
	w->cb = cb;
	w->user = user;
	w->token = ex->next_token++;
	watch_link(ex, w);
	ex->nwatches++;
	if (token != NULL)
		*token = w->token;
	return HM_OK;
}

void hm_executor_unwatch(struct hm_executor *ex, uint64_t token)
{
	struct watch *w;

	if (ex->nbuckets == 0)
		return;
	for (w = ex->by_token[token_bucket(ex, token)]; w != NULL; w = w->next_by_token) {
		if (w->token == token) {
			watch_unlink(ex, w);
			free(w);
			return;
		}
	}
}

size_t hm_executor_block_txs(const struct hm_executor *ex)
{
	return ex->block_txs;
}

MDB_env *hm_executor_env(struct hm_executor *ex)
{
	return ex->env;
}

void hm_executor_close(struct hm_executor *ex)
{
	if (ex == NULL)
		return;
	for (size_t i = 0; i < ex->nbuckets; i++) {
		struct watch *w;

		/* Unlinked before the call, as in notify(). */
		while ((w = ex->by_token[i]) != NULL) {
			uint8_t txid[HM_TXID_LEN];
			hm_receipt_cb cb = w->cb;
			void *user = w->user;

			memcpy(txid, w->txid, HM_TXID_LEN);
			watch_unlink(ex, w);
			free(w);
			cb(user, HM_ERR_IO, txid, NULL, NULL, 0);
		}
	}
	for (size_t i = 0; i < ex->nmodules; i++)
		if (ex->modules[i].close != NULL)
			ex->modules[i].close(ex->modules[i].ctx);
	free(ex->by_txid);
	free(ex->by_token);
	free(ex->fresh);
	hm_buf_free(&ex->results);
	hm_buf_free(&ex->scratch);
	mdb_env_close(ex->env);
	free(ex);
}
