/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LMDB implementation of the consensus storage interface. Four named
 * databases: "safety" (one record under the key "s"), "chain" (uint64
 * big-endian height -> block), "voted" (block hash -> block) and
 * "evidence" (kind || validator || view -> uint64 height || record, the
 * committed equivocation evidence the node reports). Each call
 * is its own write transaction; LMDB's commit syncs to disk (the environment
 * is opened without MDB_NOSYNC / MDB_NOMETASYNC).
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
	mdb_env_close(db->env);
	free(db);
}

static int put_one(struct hm_bft_lmdb *db, MDB_dbi dbi, const void *key, size_t klen,
                   const uint8_t *p, size_t len, unsigned flags)
{
	MDB_txn *txn;
	MDB_val k = { klen, (void *)key }, v = { len, (void *)p };
	int rc = hm_err_from_mdb(mdb_txn_begin(db->env, NULL, 0, &txn));

	if (rc != HM_OK)
		return rc;
	rc = mdb_put(txn, dbi, &k, &v, flags);
	if (rc == MDB_KEYEXIST) {
		mdb_txn_abort(txn);
		return HM_OK;
	}
	if (rc != MDB_SUCCESS) {
		mdb_txn_abort(txn);
		return hm_err_from_mdb(rc);
	}
	return hm_err_from_mdb(mdb_txn_commit(txn));
}

static int get_one(struct hm_bft_lmdb *db, MDB_dbi dbi, const void *key, size_t klen,
                   struct hm_buf *out)
{
	MDB_txn *txn;
	MDB_val k = { klen, (void *)key }, v;
	int rc = hm_err_from_mdb(mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn));

	if (rc != HM_OK)
		return rc;
	rc = hm_err_from_mdb(mdb_get(txn, dbi, &k, &v));
	if (rc == HM_OK)
		rc = hm_buf_append(out, v.mv_data, v.mv_size);
	mdb_txn_abort(txn);
	return rc;
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
	int rc = hm_err_from_mdb(mdb_txn_begin(db->env, NULL, 0, &txn));

	if (rc != HM_OK)
		return rc;
	if ((rc = hm_err_from_mdb(mdb_cursor_open(txn, db->chain, &cur))))
		goto abort;
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc == MDB_SUCCESS) {
		if (k.mv_size != 8) {
			rc = HM_ERR_CORRUPT;
			goto abort;
		}
		for (int i = 0; i < 8; i++)
			last = last << 8 | ((const uint8_t *)k.mv_data)[i];
	} else if (rc != MDB_NOTFOUND) {
		rc = hm_err_from_mdb(rc);
		goto abort;
	}
	if (height != last + 1) {
		rc = HM_ERR_INVALID;
		goto abort;
	}
	be64(key, height);
	k.mv_size = 8;
	k.mv_data = key;
	v.mv_size = len;
	v.mv_data = (void *)p;
	if ((rc = hm_err_from_mdb(mdb_put(txn, db->chain, &k, &v, MDB_NOOVERWRITE))))
		goto abort;
	return hm_err_from_mdb(mdb_txn_commit(txn));
abort:
	mdb_txn_abort(txn);
	return rc;
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
	if ((rc = hm_err_from_mdb(mdb_txn_begin(db->env, NULL, 0, &txn))))
		return rc;
	rc = mdb_put(txn, db->evidence, &k, &v, MDB_NOOVERWRITE);
	if (rc != MDB_SUCCESS) {
		mdb_txn_abort(txn);
		return rc == MDB_KEYEXIST ? HM_ERR_EXISTS : hm_err_from_mdb(rc);
	}
	return hm_err_from_mdb(mdb_txn_commit(txn));
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
	if ((rc = hm_err_from_mdb(mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn))))
		return rc;
	if ((rc = hm_err_from_mdb(mdb_cursor_open(txn, db->evidence, &cur)))) {
		mdb_txn_abort(txn);
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
	mdb_txn_abort(txn);
	return rc == MDB_NOTFOUND ? HM_OK : hm_err_from_mdb(rc);
}
