/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the node's STOQ revocation check costs per certificate of a peer's
 * chain at every handshake: hm_tc_cert_is_revoked (a read transaction and
 * one lookup in the revocation table), for a revoked serial and for a
 * valid one, beside hm_tc_get_cert under its own read transaction (the
 * reference: the full certificate read, as governance's PoStake check
 * does it). State: a one-validator genesis with CERTS node certificates
 * issued and every other one revoked, applied by the TrustChain module.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "hypermesh/error.h"
#include "hypermesh/sha3.h"
#include "hypermesh/trustchain.h"
#include "hypermesh/trustchain_state.h"

#define CERTS 256

static struct hm_module mod;
static MDB_env *env;
static uint8_t serials[CERTS][HM_TC_SERIAL_LEN];
static volatile int sink;

static _Noreturn void die(const char *what, int rc)
{
	fprintf(stderr, "bench_stoq_revocation: %s: %s\n", what, hm_strerror(rc));
	exit(2);
}

static void apply(uint64_t height, uint16_t type, const struct hm_buf *payload)
{
	struct hm_block_info b;
	struct hm_op op;
	struct hm_buf result;
	MDB_txn *txn;
	int rc;

	memset(&b, 0, sizeof(b));
	b.height = height;
	b.timestamp_ms = (uint64_t)time(NULL) * 1000;
	memset(&op, 0, sizeof(op));
	op.type = type;
	op.payload = payload->data;
	op.payload_len = payload->len;
	hm_sha3_256(op.digest, payload->data, payload->len);
	hm_buf_init(&result);
	if (mdb_txn_begin(env, NULL, 0, &txn) != 0)
		die("begin", HM_ERR_IO);
	if ((rc = mod.check(mod.ctx, &op)) != HM_OK ||
	    (rc = mod.apply(mod.ctx, txn, &b, &op, &result)) != HM_OK)
		die("apply", rc);
	if (mdb_txn_commit(txn) != 0)
		die("commit", HM_ERR_IO);
	hm_buf_free(&result);
}

static void build_state(const char *dir)
{
	char path[256], ct[256], log_key[256];
	const char *dns[1] = { "node.bench.hypermesh.invalid" };
	uint64_t nb = (uint64_t)time(NULL) - 60;
	struct hm_tc_module_config cfg;
	struct hm_tc_genesis g;
	struct hm_tc_ca *ca = NULL;
	MDB_txn *txn;
	int rc;

	if ((rc = hm_tc_genesis_create(dir, 1, HM_SIG_MLDSA87, nb - 3600, NULL)) != HM_OK ||
	    (rc = hm_tc_genesis_load(dir, &g)) != HM_OK ||
	    (rc = hm_tc_genesis_load_ca(dir, 0, &ca)) != HM_OK)
		die("genesis", rc);
	snprintf(ct, sizeof(ct), "%s/ct.lmdb", dir);
	snprintf(log_key, sizeof(log_key), "%s/log.key", dir);
	snprintf(path, sizeof(path), "%s/state.lmdb", dir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.genesis_dir = dir;
	cfg.ct_log_path = ct;
	cfg.log_key_path = log_key;
	cfg.ct_log_flags = HM_CT_LOG_NOSYNC;
	if ((rc = hm_tc_module_new(&cfg, &mod)) != HM_OK)
		die("module", rc);
	if (mdb_env_create(&env) != 0 || mdb_env_set_maxdbs(env, 32) != 0 ||
	    mdb_env_set_mapsize(env, 256 << 20) != 0 ||
	    mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOSYNC, 0600) != 0 ||
	    mdb_txn_begin(env, NULL, 0, &txn) != 0)
		die("lmdb", HM_ERR_IO);
	if ((rc = mod.open(mod.ctx, env, txn)) != HM_OK)
		die("open", rc);
	mdb_txn_commit(txn);
	for (unsigned i = 0; i < CERTS; i++) {
		struct hm_tc_key *key = NULL;
		struct hm_tc_issue_op op;
		struct hm_buf csr, cert, payload;
		uint8_t id[32];

		hm_buf_init(&csr);
		hm_buf_init(&cert);
		hm_buf_init(&payload);
		if ((rc = hm_tc_key_generate(0, &key)) != HM_OK ||
		    (rc = hm_tc_csr_create(key, "node", dns, 1, 0, &csr)) != HM_OK ||
		    (rc = hm_tc_issue(ca, csr.data, csr.len, HM_TC_PROFILE_NODE, nb, &cert)) !=
		            HM_OK)
			die("issue", rc);
		memset(&op, 0, sizeof(op));
		memcpy(op.actor, g.admin_id, HM_TC_KEY_ID_LEN);
		op.profile = HM_TC_PROFILE_NODE;
		op.not_before = nb;
		op.csr = csr.data;
		op.csr_len = csr.len;
		op.cert = cert.data;
		op.cert_len = cert.len;
		if ((rc = hm_tc_issue_op_encode(&op, &payload)) != HM_OK)
			die("encode", rc);
		apply(1 + i, HM_OP_TC_ISSUE, &payload);
		hm_tc_request_id(HM_TC_PROFILE_NODE, nb, csr.data, csr.len, id);
		hm_tc_serial_from_id(id, serials[i]);
		hm_tc_key_free(key);
		hm_buf_free(&csr);
		hm_buf_free(&cert);
		hm_buf_free(&payload);
	}
	for (unsigned i = 0; i < CERTS; i += 2) {
		struct hm_tc_revoke_op r;
		struct hm_buf payload;

		memset(&r, 0, sizeof(r));
		memcpy(r.actor, g.admin_id, HM_TC_KEY_ID_LEN);
		memcpy(r.serial, serials[i], HM_TC_SERIAL_LEN);
		r.reason = 1;
		hm_buf_init(&payload);
		if ((rc = hm_tc_revoke_op_encode(&r, &payload)) != HM_OK)
			die("encode", rc);
		apply(1 + CERTS + i, HM_OP_TC_REVOKE, &payload);
		hm_buf_free(&payload);
	}
	hm_tc_ca_free(ca);
	hm_tc_genesis_free(&g);
}

static void do_is_revoked(void *arg)
{
	int revoked = 0;

	if (hm_tc_cert_is_revoked(mod.ctx, arg, HM_TC_SERIAL_LEN, &revoked) != HM_OK)
		die("lookup", HM_ERR_IO);
	sink += revoked;
}

static void do_get_cert(void *arg)
{
	struct hm_tc_cert_info info;
	MDB_txn *txn;

	hm_buf_init(&info.der);
	if (mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0 ||
	    hm_tc_get_cert(mod.ctx, txn, arg, &info) != HM_OK)
		die("get_cert", HM_ERR_IO);
	mdb_txn_abort(txn);
	sink += info.status == HM_TC_CERT_REVOKED;
	hm_buf_free(&info.der);
}

int main(void)
{
	char dir[] = "/tmp/hm-bench-revocation-XXXXXX", cmd[64];
	double ref, revoked, valid;

	if (mkdtemp(dir) == NULL)
		die("mkdtemp", HM_ERR_IO);
	build_state(dir);
	ref = bench_median_ns(do_get_cert, serials[CERTS - 1], 20000);
	revoked = bench_median_ns(do_is_revoked, serials[CERTS - 2], 20000);
	valid = bench_median_ns(do_is_revoked, serials[CERTS - 1], 20000);
	printf("STOQ revocation check, %d certificates in state, every other one revoked\n", CERTS);
	printf("  hm_tc_get_cert + read txn (reference) %8.0f ns\n", ref);
	printf("  hm_tc_cert_is_revoked, revoked serial %8.0f ns  (%.2fx the reference)\n", revoked,
	       revoked / ref);
	printf("  hm_tc_cert_is_revoked, valid serial   %8.0f ns  (%.2fx the reference)\n", valid,
	       valid / ref);
	mod.close(mod.ctx);
	mdb_env_close(env);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 2;
}
