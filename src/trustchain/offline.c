/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Operator access to TrustChain state outside a running node: the CLI's
 * `ca revoke`, `ca crl`, `ca issue --record` and `apikey` commands. The state
 * is the one a node keeps (data_dir/state, the executor's LMDB environment,
 * and data_dir/ct.lmdb), and every change goes through the module's own
 * check() and apply(), so an operator cannot write anything the module would
 * refuse: the same permissions, duplicate checks and audit records.
 *
 * LMDB lets several processes share an environment, so a running node would
 * not stop us; we refuse instead when another live process holds a reader
 * slot (a node that has served a query), because its executor assumes it is
 * the only writer of state that consensus decides.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hypermesh/codec.h"
#include "hypermesh/error.h"
#include "hypermesh/sha3.h"
#include "hypermesh/trustchain_state.h"

#define OFFLINE_MAX_DBS  64
#define OFFLINE_MAP_SIZE ((size_t)1 << 30) /* the executor's default */

struct hm_tc_offline {
	MDB_env *env;
	struct hm_module mod;
	int mod_open;
	uint8_t admin[HM_TC_KEY_ID_LEN];
};

struct holder_scan {
	long self, other;
};

/* mdb_reader_list prints a header, then "pid thread txnid" per live reader slot. */
static int reader_line(const char *msg, void *ctx)
{
	struct holder_scan *h = ctx;
	long pid;

	if (sscanf(msg, " %ld", &pid) == 1 && pid != h->self && h->other == 0)
		h->other = pid;
	return 0;
}

void hm_tc_offline_close(struct hm_tc_offline *o)
{
	if (o == NULL)
		return;
	if (o->mod_open && o->mod.close != NULL)
		o->mod.close(o->mod.ctx);
	if (o->env != NULL)
		mdb_env_close(o->env);
	free(o);
}

int hm_tc_offline_open(const char *data_dir, const char *genesis_dir, int create,
                       struct hm_tc_offline **out, long *holder)
{
	struct hm_tc_offline *o;
	struct hm_tc_module_config cfg;
	struct hm_tc_genesis g;
	struct holder_scan scan = { (long)getpid(), 0 };
	char state[4096], ct[4096];
	struct stat st;
	MDB_txn *txn = NULL;
	int dead, rc;

	if (holder != NULL)
		*holder = 0;
	if (data_dir == NULL || genesis_dir == NULL || out == NULL)
		return HM_ERR_INVALID;
	if (snprintf(state, sizeof(state), "%s/state", data_dir) >= (int)sizeof(state) ||
	    snprintf(ct, sizeof(ct), "%s/ct.lmdb", data_dir) >= (int)sizeof(ct))
		return HM_ERR_INVALID;
	/* the genesis first: a wrong directory must not leave an empty state behind */
	if ((rc = hm_tc_genesis_load(genesis_dir, &g)) != HM_OK)
		return rc;
	if ((o = calloc(1, sizeof(*o))) == NULL) {
		hm_tc_genesis_free(&g);
		return HM_ERR_NOMEM;
	}
	memcpy(o->admin, g.admin_id, HM_TC_KEY_ID_LEN);
	hm_tc_genesis_free(&g);
	if (stat(state, &st) != 0) {
		if (errno != ENOENT || !create) {
			rc = hm_err_from_errno(errno);
			goto fail;
		}
		if (mkdir(state, 0700) != 0) {
			rc = hm_err_from_errno(errno);
			goto fail;
		}
	}
	if ((rc = hm_err_from_mdb(mdb_env_create(&o->env))) != HM_OK) {
		o->env = NULL;
		goto fail;
	}
	if ((rc = hm_err_from_mdb(mdb_env_set_maxdbs(o->env, OFFLINE_MAX_DBS))) != HM_OK ||
	    (rc = hm_err_from_mdb(mdb_env_set_mapsize(o->env, OFFLINE_MAP_SIZE))) != HM_OK ||
	    (rc = hm_err_from_mdb(mdb_env_open(o->env, state, 0, 0600))) != HM_OK)
		goto fail;
	(void)mdb_reader_check(o->env, &dead); /* forget readers of dead processes */
	mdb_reader_list(o->env, reader_line, &scan);
	if (scan.other != 0) {
		if (holder != NULL)
			*holder = scan.other;
		rc = HM_ERR_PERMISSION;
		goto fail;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.genesis_dir = genesis_dir;
	cfg.ct_log_path = ct;
	if ((rc = hm_tc_module_new(&cfg, &o->mod)) != HM_OK)
		goto fail;
	o->mod_open = 1;
	if ((rc = hm_err_from_mdb(mdb_txn_begin(o->env, NULL, 0, &txn))) != HM_OK)
		goto fail;
	if ((rc = o->mod.open(o->mod.ctx, o->env, txn)) != HM_OK) {
		mdb_txn_abort(txn);
		goto fail;
	}
	if ((rc = hm_err_from_mdb(mdb_txn_commit(txn))) != HM_OK)
		goto fail;
	*out = o;
	return HM_OK;
fail:
	hm_tc_offline_close(o);
	return rc;
}

void *hm_tc_offline_ctx(struct hm_tc_offline *o)
{
	return o->mod.ctx;
}

MDB_env *hm_tc_offline_env(struct hm_tc_offline *o)
{
	return o->env;
}

const uint8_t *hm_tc_offline_admin(const struct hm_tc_offline *o)
{
	return o->admin;
}

int hm_tc_offline_apply(struct hm_tc_offline *o, uint16_t type, const uint8_t *payload, size_t len,
                        uint64_t now_ms, struct hm_buf *result)
{
	static const char domain[] = "hypermesh-tc-offline-v1";
	struct hm_block_info b;
	struct hm_op op;
	struct hm_keccak k;
	uint8_t hdr[10];
	MDB_txn *txn;
	int rc;

	if (o == NULL || payload == NULL)
		return HM_ERR_INVALID;
	memset(&b, 0, sizeof(b));
	b.timestamp_ms = now_ms;
	memset(&op, 0, sizeof(op));
	op.type = type;
	op.payload = payload;
	op.payload_len = len;
	/* a digest unique to this operation and moment: no envelope exists offline */
	for (int i = 0; i < 2; i++)
		hdr[i] = (uint8_t)(type >> (8 - 8 * i));
	for (int i = 0; i < 8; i++)
		hdr[2 + i] = (uint8_t)(now_ms >> (56 - 8 * i));
	hm_sha3_256_init(&k);
	hm_keccak_absorb(&k, domain, sizeof(domain) - 1);
	hm_keccak_absorb(&k, hdr, sizeof(hdr));
	hm_keccak_absorb(&k, payload, len);
	hm_sha3_final(&k, op.digest);
	if ((rc = o->mod.check(o->mod.ctx, &op)) != HM_OK)
		return rc;
	if ((rc = hm_err_from_mdb(mdb_txn_begin(o->env, NULL, 0, &txn))) != HM_OK)
		return rc;
	if ((rc = o->mod.apply(o->mod.ctx, txn, &b, &op, result)) != HM_OK) {
		mdb_txn_abort(txn);
		return rc;
	}
	if ((rc = hm_err_from_mdb(mdb_txn_commit(txn))) != HM_OK)
		return rc;
	return o->mod.committed != NULL ? o->mod.committed(o->mod.ctx, &b) : HM_OK;
}
