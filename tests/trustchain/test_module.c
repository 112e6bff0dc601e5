/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TrustChain state module driven as the executor drives it: one write
 * transaction per block, a nested one per operation, committed() after the
 * commit. Two independent environments must end byte-identical.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/x509.h>

#include "hypermesh/buf.h"
#include "hypermesh/file.h"
#include "hypermesh/sha3.h"
#include "hypermesh/trustchain_state.h"
#include "test.h"

#define T0    1790000000ull
#define TS_MS (T0 * 1000 + 5000)

static char gdir[256];  /* one genesis for every case (generation is the slow part) */
static char other[300]; /* a second, unrelated genesis: its CAs are unknown to the first */

struct node {
	char dir[256];
	MDB_env *env;
	struct hm_module mod;
};

static void rm_rf(const char *d)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	CHECK(system(cmd) == 0);
}

static void node_open(struct node *n, const char *dir)
{
	char path[512], log_key[512];
	struct hm_tc_module_config cfg;
	MDB_txn *txn;

	snprintf(n->dir, sizeof(n->dir), "%s", dir);
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/ct.lmdb", dir);
	snprintf(log_key, sizeof(log_key), "%s/log.key", gdir);
	cfg.genesis_dir = gdir;
	cfg.ct_log_path = path;
	cfg.log_key_path = log_key;
	cfg.ct_log_flags = HM_CT_LOG_NOSYNC;
	CHECK_ERR(hm_tc_module_new(&cfg, &n->mod), HM_OK);
	CHECK(mdb_env_create(&n->env) == 0);
	mdb_env_set_maxdbs(n->env, 32);
	mdb_env_set_mapsize(n->env, 64 << 20);
	snprintf(path, sizeof(path), "%s/state.lmdb", dir);
	CHECK(mdb_env_open(n->env, path, MDB_NOSUBDIR | MDB_NOSYNC, 0600) == 0);
	CHECK(mdb_txn_begin(n->env, NULL, 0, &txn) == 0);
	CHECK_ERR(n->mod.open(n->mod.ctx, n->env, txn), HM_OK);
	CHECK(mdb_txn_commit(txn) == 0);
}

static void node_close(struct node *n)
{
	n->mod.close(n->mod.ctx);
	mdb_env_close(n->env);
}

struct opspec {
	uint16_t type;
	struct hm_buf payload;
};

/* Applies ops as one block; rcs[i] gets each op's result. Does not call committed(). */
static void apply_block(struct node *n, uint64_t height, uint64_t ts, struct opspec *ops,
                        size_t nops, int *rcs)
{
	struct hm_block_info b;
	MDB_txn *txn, *child;

	memset(&b, 0, sizeof(b));
	b.height = height;
	b.timestamp_ms = ts;
	CHECK(mdb_txn_begin(n->env, NULL, 0, &txn) == 0);
	for (size_t i = 0; i < nops; i++) {
		struct hm_op op;
		struct hm_buf result;

		memset(&op, 0, sizeof(op));
		op.type = ops[i].type;
		op.payload = ops[i].payload.data;
		op.payload_len = ops[i].payload.len;
		hm_sha3_256(op.digest, ops[i].payload.data, ops[i].payload.len);
		hm_buf_init(&result);
		rcs[i] = n->mod.check(n->mod.ctx, &op);
		if (rcs[i] == HM_OK) {
			CHECK(mdb_txn_begin(n->env, txn, 0, &child) == 0);
			rcs[i] = n->mod.apply(n->mod.ctx, child, &b, &op, &result);
			if (rcs[i] == HM_OK)
				CHECK(mdb_txn_commit(child) == 0);
			else
				mdb_txn_abort(child);
		}
		hm_buf_free(&result);
	}
	CHECK(mdb_txn_commit(txn) == 0);
}

static void commit_block(struct node *n, uint64_t height)
{
	struct hm_block_info b;

	memset(&b, 0, sizeof(b));
	b.height = height;
	CHECK_ERR(n->mod.committed(n->mod.ctx, &b), HM_OK);
}

static void admin_actor(uint8_t actor[HM_TC_KEY_ID_LEN], char key[HM_TC_APIKEY_STRLEN + 2])
{
	char path[512];
	struct hm_buf b;
	uint8_t hash[32];

	snprintf(path, sizeof(path), "%s/admin.apikey", gdir);
	hm_buf_init(&b);
	CHECK_ERR(hm_file_read(path, 256, &b), HM_OK);
	CHECK(b.len >= HM_TC_APIKEY_STRLEN);
	memcpy(key, b.data, HM_TC_APIKEY_STRLEN);
	key[HM_TC_APIKEY_STRLEN] = '\0';
	CHECK_ERR(hm_tc_apikey_parse(key, actor, hash), HM_OK);
	hm_buf_free(&b);
}

/* An ISSUE payload: a CSR for cn, issued by validator CA `ca` of genesis dir. */
static void make_issue(const char *dir, unsigned ca_index, const char *cn,
                       enum hm_tc_profile profile, uint64_t nb, struct hm_buf *payload,
                       struct hm_buf *csr_out)
{
	struct hm_tc_ca *ca = NULL;
	struct hm_tc_key *k = NULL;
	struct hm_buf csr, cert;
	struct hm_tc_issue_op op;
	const char *dns[] = { "a.hypermesh.test" };
	char key[HM_TC_APIKEY_STRLEN + 2];

	hm_buf_init(&csr);
	hm_buf_init(&cert);
	CHECK_ERR(hm_tc_genesis_load_ca(dir, ca_index, &ca), HM_OK);
	CHECK_ERR(hm_tc_key_generate(0, &k), HM_OK);
	CHECK_ERR(hm_tc_csr_create(k, cn, dns, 1, 0, &csr), HM_OK);
	CHECK_ERR(hm_tc_issue(ca, csr.data, csr.len, profile, nb, &cert), HM_OK);
	memset(&op, 0, sizeof(op));
	admin_actor(op.actor, key);
	op.profile = profile;
	op.not_before = nb;
	op.csr = csr.data;
	op.csr_len = csr.len;
	op.cert = cert.data;
	op.cert_len = cert.len;
	hm_buf_init(payload);
	CHECK_ERR(hm_tc_issue_op_encode(&op, payload), HM_OK);
	if (csr_out != NULL) {
		hm_buf_init(csr_out);
		CHECK_ERR(hm_buf_append(csr_out, csr.data, csr.len), HM_OK);
	}
	hm_tc_key_free(k);
	hm_tc_ca_free(ca);
	hm_buf_free(&csr);
	hm_buf_free(&cert);
}

static void test_issue_and_log(void)
{
	char dir[300];
	struct node n;
	struct opspec op = { HM_OP_TC_ISSUE, { 0 } };
	int rc;
	struct hm_tc_issue_op is;
	uint8_t id[32], serial[16], s2[16];
	struct hm_tc_cert_info info;
	MDB_txn *txn;

	snprintf(dir, sizeof(dir), "%s/n-issue", gdir);
	node_open(&n, dir);
	make_issue(gdir, 1, "svc1", HM_TC_PROFILE_NODE, T0, &op.payload, NULL);
	apply_block(&n, 1, TS_MS, &op, 1, &rc);
	CHECK_ERR(rc, HM_OK);
	CHECK_ERR(hm_tc_issue_op_decode(&is, op.payload.data, op.payload.len), HM_OK);
	hm_tc_request_id(is.profile, is.not_before, is.csr, is.csr_len, id);
	hm_tc_serial_from_id(id, serial);

	hm_buf_init(&info.der);
	CHECK(mdb_txn_begin(n.env, NULL, MDB_RDONLY, &txn) == 0);
	CHECK_ERR(hm_tc_get_serial_by_request(n.mod.ctx, txn, id, s2), HM_OK);
	CHECK_MEM(s2, serial, 16);
	CHECK_ERR(hm_tc_get_cert(n.mod.ctx, txn, serial, &info), HM_OK);
	CHECK(info.status == HM_TC_CERT_PENDING); /* not valid before it is logged */
	CHECK_EQ(info.intermediate, 1);
	{
		struct hm_buf sct;
		hm_buf_init(&sct);
		CHECK_ERR(hm_tc_get_sct(n.mod.ctx, txn, serial, &sct), HM_ERR_NOT_FOUND);
		hm_buf_free(&sct);
	}
	mdb_txn_abort(txn);

	commit_block(&n, 1);
	commit_block(&n, 1); /* again: idempotent */
	{
		uint64_t size;
		CHECK_ERR(hm_ct_log_size(hm_tc_ct_log(n.mod.ctx), &size), HM_OK);
		CHECK_EQ(size, 1);
	}
	CHECK(mdb_txn_begin(n.env, NULL, MDB_RDONLY, &txn) == 0);
	CHECK_ERR(hm_tc_get_cert(n.mod.ctx, txn, serial, &info), HM_OK);
	CHECK(info.status == HM_TC_CERT_VALID);
	CHECK_EQ(info.ct_index, 0);
	CHECK_EQ(info.ct_timestamp_ms, TS_MS);
	CHECK_EQ(info.der.len, is.cert_len);
	{
		/* SCT and inclusion proof verify against the genesis log key */
		struct hm_buf sct, proof, leaf;
		struct hm_ct_sct s;
		struct hm_tc_genesis g;
		struct hm_ct_entry e = { HM_CT_X509_ENTRY, is.cert, is.cert_len, { 0 } };
		uint8_t root[32], lh[32];
		uint64_t size = 0;
		struct hm_ct_sth sth;

		hm_buf_init(&sct);
		hm_buf_init(&proof);
		hm_buf_init(&leaf);
		CHECK_ERR(hm_tc_genesis_load(gdir, &g), HM_OK);
		CHECK_ERR(hm_tc_get_sct(n.mod.ctx, txn, serial, &sct), HM_OK);
		CHECK_ERR(hm_ct_sct_decode(&s, sct.data, sct.len), HM_OK);
		CHECK_ERR(hm_ct_sct_verify(&s, &e, g.log_alg, g.log_pk, g.log_pk_len), HM_OK);
		CHECK_ERR(hm_tc_get_inclusion(n.mod.ctx, txn, serial, &size, root, &proof), HM_OK);
		CHECK_EQ(size, 1);
		CHECK_ERR(hm_ct_merkle_leaf_encode(TS_MS, &e, NULL, 0, &leaf), HM_OK);
		hm_ct_leaf_hash(lh, leaf.data, leaf.len);
		CHECK_ERR(hm_ct_verify_inclusion(lh, 0, size, (const uint8_t(*)[32])proof.data,
		                                 proof.len / 32, root),
		          HM_OK);
		CHECK_ERR(hm_tc_get_sth(n.mod.ctx, TS_MS + 1, &sth), HM_OK);
		CHECK_ERR(hm_ct_sth_verify(&sth, g.log_alg, g.log_pk, g.log_pk_len), HM_OK);
		CHECK_MEM(sth.root_hash, root, 32);
		hm_tc_genesis_free(&g);
		hm_buf_free(&sct);
		hm_buf_free(&proof);
		hm_buf_free(&leaf);
	}
	mdb_txn_abort(txn);

	/* the same operation again: the serial is taken */
	apply_block(&n, 2, TS_MS + 1000, &op, 1, &rc);
	CHECK_ERR(rc, HM_ERR_EXISTS);
	hm_buf_free(&info.der);
	hm_buf_free(&op.payload);
	node_close(&n);
}

/* Re-encodes an ISSUE payload with one field replaced. */
static void reissue(const struct hm_buf *in, const struct hm_buf *csr, const struct hm_buf *cert,
                    int profile, uint64_t nb, struct hm_buf *out)
{
	struct hm_tc_issue_op op;

	CHECK_ERR(hm_tc_issue_op_decode(&op, in->data, in->len), HM_OK);
	if (csr != NULL) {
		op.csr = csr->data;
		op.csr_len = csr->len;
	}
	if (cert != NULL) {
		op.cert = cert->data;
		op.cert_len = cert->len;
	}
	if (profile != 0)
		op.profile = (enum hm_tc_profile)profile;
	if (nb != 0)
		op.not_before = nb;
	hm_buf_init(out);
	CHECK_ERR(hm_tc_issue_op_encode(&op, out), HM_OK);
}

static void test_refusals(void)
{
	char dir[300];
	struct node n;
	struct hm_buf good, csr_a, other_payload, other_csr, bad_csr;
	struct opspec ops[8];
	int rcs[8];
	struct hm_tc_issue_op is;
	uint64_t count_before, count_after;
	MDB_txn *txn;

	snprintf(dir, sizeof(dir), "%s/n-refuse", gdir);
	node_open(&n, dir);
	make_issue(gdir, 0, "good", HM_TC_PROFILE_NODE, T0, &good, &csr_a);
	make_issue(gdir, 0, "other", HM_TC_PROFILE_NODE, T0, &other_payload, &other_csr);
	CHECK_ERR(hm_tc_issue_op_decode(&is, good.data, good.len), HM_OK);

	/* CSR with a broken self-signature (last byte of the signature) */
	hm_buf_init(&bad_csr);
	CHECK_ERR(hm_buf_append(&bad_csr, csr_a.data, csr_a.len), HM_OK);
	bad_csr.data[bad_csr.len - 1] ^= 1;

	ops[0].type = HM_OP_TC_ISSUE; /* certificate for CSR A, payload carries CSR B */
	reissue(&good, &other_csr, NULL, 0, 0, &ops[0].payload);
	ops[1].type = HM_OP_TC_ISSUE; /* bad CSR signature */
	reissue(&good, &bad_csr, NULL, 0, 0, &ops[1].payload);
	ops[2].type = HM_OP_TC_ISSUE; /* another profile than the certificate was issued for */
	reissue(&good, NULL, NULL, HM_TC_PROFILE_TLS_SERVER, 0, &ops[2].payload);
	ops[3].type = HM_OP_TC_ISSUE; /* another notBefore */
	reissue(&good, NULL, NULL, 0, T0 + 1, &ops[3].payload);
	ops[4].type = HM_OP_TC_ISSUE; /* an intermediate of another genesis */
	make_issue(other, 0, "foreign", HM_TC_PROFILE_NODE, T0, &ops[4].payload, NULL);
	ops[5].type = HM_OP_TC_ISSUE; /* notBefore too far in the past for the block */
	{
		struct hm_buf p;
		make_issue(gdir, 0, "old", HM_TC_PROFILE_NODE, T0 - 3 * 86400, &p, NULL);
		ops[5].payload = p;
	}
	ops[7].type = HM_OP_TC_ISSUE; /* the valid one, last: it takes the serial */
	hm_buf_init(&ops[7].payload);
	CHECK_ERR(hm_buf_append(&ops[7].payload, good.data, good.len), HM_OK);
	ops[6].type = HM_OP_TC_ISSUE; /* certificate of another CSR, same intermediate */
	{
		struct hm_tc_issue_op o2;
		struct hm_buf cert2;
		CHECK_ERR(hm_tc_issue_op_decode(&o2, other_payload.data, other_payload.len), HM_OK);
		hm_buf_init(&cert2);
		CHECK_ERR(hm_buf_append(&cert2, o2.cert, o2.cert_len), HM_OK);
		reissue(&good, NULL, &cert2, 0, 0, &ops[6].payload);
		hm_buf_free(&cert2);
	}

	CHECK(mdb_txn_begin(n.env, NULL, MDB_RDONLY, &txn) == 0);
	CHECK_ERR(hm_tc_audit_count(n.mod.ctx, txn, &count_before), HM_OK);
	mdb_txn_abort(txn);
	apply_block(&n, 1, TS_MS, ops, 8, rcs);
	CHECK_ERR(rcs[0], HM_ERR_INVALID);
	CHECK(rcs[1] == HM_ERR_VERIFY || rcs[1] == HM_ERR_INVALID);
	CHECK_ERR(rcs[2], HM_ERR_INVALID);
	CHECK_ERR(rcs[3], HM_ERR_INVALID);
	CHECK_ERR(rcs[4], HM_ERR_NOT_FOUND);
	CHECK_ERR(rcs[5], HM_ERR_INVALID);
	CHECK_ERR(rcs[6], HM_ERR_INVALID);
	CHECK_ERR(rcs[7], HM_OK);
	CHECK(mdb_txn_begin(n.env, NULL, MDB_RDONLY, &txn) == 0);
	CHECK_ERR(hm_tc_audit_count(n.mod.ctx, txn, &count_after), HM_OK);
	mdb_txn_abort(txn);
	CHECK_EQ(count_after, count_before + 1);

	/* malformed payloads: every truncation, and flipped bytes in the certificate */
	for (size_t cut = 0; cut < good.len; cut += 13) {
		struct hm_op op;
		memset(&op, 0, sizeof(op));
		op.type = HM_OP_TC_ISSUE;
		op.payload = good.data;
		op.payload_len = cut;
		CHECK(n.mod.check(n.mod.ctx, &op) != HM_OK);
	}
	{
		size_t refused = 0, tried = 0;
		struct opspec flip = { HM_OP_TC_ISSUE, { 0 } };
		size_t cert_off = good.len - is.cert_len;

		for (size_t i = 0; i < is.cert_len; i += 97) {
			int rc;
			hm_buf_init(&flip.payload);
			CHECK_ERR(
			        hm_buf_append(&flip.payload, other_payload.data, other_payload.len),
			        HM_OK);
			/* other_payload has the same layout sizes as good up to the CSR */
			size_t off = other_payload.len - is.cert_len + i;
			(void)cert_off;
			if (off < flip.payload.len) {
				flip.payload.data[off] ^= 0x20;
				apply_block(&n, 2, TS_MS, &flip, 1, &rc);
				tried++;
				if (rc != HM_OK)
					refused++;
			}
			hm_buf_free(&flip.payload);
		}
		CHECK_EQ(refused, tried);
	}
	/* operations that are not ours, and unknown versions */
	{
		struct hm_op op;
		uint8_t junk[3] = { 2, 0, 0 };
		memset(&op, 0, sizeof(op));
		op.type = 0x01ff;
		op.payload = junk;
		op.payload_len = sizeof(junk);
		CHECK_ERR(n.mod.check(n.mod.ctx, &op), HM_ERR_INVALID);
		op.type = HM_OP_TC_REVOKE;
		CHECK_ERR(n.mod.check(n.mod.ctx, &op), HM_ERR_INVALID);
	}
	for (int i = 0; i < 8; i++)
		hm_buf_free(&ops[i].payload);
	hm_buf_free(&good);
	hm_buf_free(&csr_a);
	hm_buf_free(&other_payload);
	hm_buf_free(&other_csr);
	hm_buf_free(&bad_csr);
	node_close(&n);
}

/* SHA3-256 over every key and value of every named database, in order. */
static void state_digest(struct node *n, uint8_t out[32])
{
	static const char *names[] = { "tc_meta",  "tc_certs",    "tc_requests",
		                       "tc_ops",   "tc_revoked",  "tc_apikeys",
		                       "tc_audit", "tc_ct_index", "tc_intermediates",
		                       "tc_blocks" };
	struct hm_keccak k;
	MDB_txn *txn;

	hm_sha3_256_init(&k);
	CHECK(mdb_txn_begin(n->env, NULL, MDB_RDONLY, &txn) == 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		MDB_dbi dbi;
		MDB_cursor *c;
		MDB_val key, val;
		CHECK(mdb_dbi_open(txn, names[i], 0, &dbi) == 0);
		CHECK(mdb_cursor_open(txn, dbi, &c) == 0);
		for (int rc = mdb_cursor_get(c, &key, &val, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
			hm_keccak_absorb(&k, key.mv_data, key.mv_size);
			hm_keccak_absorb(&k, val.mv_data, val.mv_size);
		}
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
	hm_sha3_final(&k, out);
}

static void test_determinism_and_crash(void)
{
	char d1[300], d2[300];
	struct node a, b;
	struct opspec ops[4];
	int rcs[4];
	uint8_t ha[32], hb[32], ra[32], rb[32];
	uint64_t size;
	struct hm_tc_revoke_op rv;
	struct hm_tc_issue_op is;
	uint8_t id[32];

	snprintf(d1, sizeof(d1), "%s/n-det-a", gdir);
	snprintf(d2, sizeof(d2), "%s/n-det-b", gdir);
	node_open(&a, d1);
	node_open(&b, d2);
	for (int i = 0; i < 3; i++) {
		char cn[16];
		snprintf(cn, sizeof(cn), "det%d", i);
		ops[i].type = HM_OP_TC_ISSUE;
		make_issue(gdir, (unsigned)i % 2, cn, HM_TC_PROFILE_NODE, T0, &ops[i].payload,
		           NULL);
	}
	memset(&rv, 0, sizeof(rv));
	{
		char key[HM_TC_APIKEY_STRLEN + 2];
		admin_actor(rv.actor, key);
	}
	CHECK_ERR(hm_tc_issue_op_decode(&is, ops[0].payload.data, ops[0].payload.len), HM_OK);
	hm_tc_request_id(is.profile, is.not_before, is.csr, is.csr_len, id);
	hm_tc_serial_from_id(id, rv.serial);
	rv.reason = 1;
	ops[3].type = HM_OP_TC_REVOKE;
	hm_buf_init(&ops[3].payload);
	CHECK_ERR(hm_tc_revoke_op_encode(&rv, &ops[3].payload), HM_OK);

	apply_block(&a, 1, TS_MS, ops, 2, rcs);
	CHECK(rcs[0] == HM_OK && rcs[1] == HM_OK);
	apply_block(&a, 2, TS_MS + 700, ops + 2, 2, rcs);
	CHECK(rcs[0] == HM_OK && rcs[1] == HM_OK);
	apply_block(&b, 1, TS_MS, ops, 2, rcs);
	apply_block(&b, 2, TS_MS + 700, ops + 2, 2, rcs);
	state_digest(&a, ha);
	state_digest(&b, hb);
	CHECK_MEM(ha, hb, 32);

	/* a: committed after every block. b: "crashes" before committed(), restarts. */
	commit_block(&a, 1);
	commit_block(&a, 2);
	node_close(&b);
	node_open(&b, d2);
	CHECK_ERR(hm_ct_log_size(hm_tc_ct_log(b.mod.ctx), &size), HM_OK);
	CHECK_EQ(size, 0);
	commit_block(&b, 1); /* the executor re-runs committed() for the recorded height */
	commit_block(&b, 2);
	commit_block(&b, 2);
	CHECK_ERR(hm_ct_log_size(hm_tc_ct_log(b.mod.ctx), &size), HM_OK);
	CHECK_EQ(size, 3);
	CHECK_ERR(hm_ct_log_root(hm_tc_ct_log(a.mod.ctx), 3, ra), HM_OK);
	CHECK_ERR(hm_ct_log_root(hm_tc_ct_log(b.mod.ctx), 3, rb), HM_OK);
	CHECK_MEM(ra, rb, 32);

	/* a CRL of intermediate 0 lists the revoked certificate */
	{
		struct hm_tc_ca *ca = NULL;
		struct hm_buf der;
		MDB_txn *txn;
		gnutls_x509_crl_t crl;
		gnutls_datum_t dd;
		unsigned char s[32];
		size_t slen = sizeof(s);
		time_t t;

		hm_buf_init(&der);
		CHECK_ERR(hm_tc_genesis_load_ca(gdir, 0, &ca), HM_OK);
		CHECK(mdb_txn_begin(a.env, NULL, MDB_RDONLY, &txn) == 0);
		CHECK_ERR(hm_tc_crl(a.mod.ctx, txn, ca, T0 + 10, T0 + 3650 * 86400ull, &der),
		          HM_OK);
		mdb_txn_abort(txn);
		CHECK(gnutls_x509_crl_init(&crl) == 0);
		dd.data = der.data;
		dd.size = (unsigned)der.len;
		CHECK(gnutls_x509_crl_import(crl, &dd, GNUTLS_X509_FMT_DER) == 0);
		CHECK_EQ(gnutls_x509_crl_get_crt_count(crl), 1);
		CHECK(gnutls_x509_crl_get_crt_serial(crl, 0, s, &slen, &t) == 0);
		CHECK_EQ(slen, 16);
		CHECK_MEM(s, rv.serial, 16);
		{
			unsigned status = 0;
			const uint8_t *cd;
			size_t cl;
			gnutls_x509_crt_t issuer;
			gnutls_datum_t id2;
			hm_tc_ca_cert(ca, &cd, &cl);
			id2.data = (unsigned char *)cd;
			id2.size = (unsigned)cl;
			CHECK(gnutls_x509_crt_init(&issuer) == 0);
			CHECK(gnutls_x509_crt_import(issuer, &id2, GNUTLS_X509_FMT_DER) == 0);
			/* the CRL's dates are in the test's fixed past; judge the signature */
			CHECK(gnutls_x509_crl_verify(crl, &issuer, 1,
			                             GNUTLS_VERIFY_DISABLE_TIME_CHECKS,
			                             &status) == 0);
			CHECK_EQ(status, 0);
			gnutls_x509_crt_deinit(issuer);
		}
		gnutls_x509_crl_deinit(crl);
		hm_tc_ca_free(ca);
		hm_buf_free(&der);
	}
	for (int i = 0; i < 4; i++)
		hm_buf_free(&ops[i].payload);
	node_close(&a);
	node_close(&b);
}

static void test_apikeys(void)
{
	char dir[300];
	struct node n;
	struct opspec ops[3];
	int rcs[3];
	char admin_key[HM_TC_APIKEY_STRLEN + 2], req_key[HM_TC_APIKEY_STRLEN + 1];
	struct hm_tc_apikey_op k;
	uint8_t actor[16];
	MDB_txn *txn;
	struct hm_tc_ratelimit *rl = NULL;

	snprintf(dir, sizeof(dir), "%s/n-keys", gdir);
	node_open(&n, dir);
	memset(&k, 0, sizeof(k));
	admin_actor(k.actor, admin_key);
	CHECK_ERR(hm_tc_apikey_generate(req_key, k.id, k.hash), HM_OK);
	k.role = HM_TC_ROLE_REQUESTER;
	k.label = (const uint8_t *)"ci";
	k.label_len = 2;
	ops[0].type = HM_OP_TC_APIKEY_CREATE;
	hm_buf_init(&ops[0].payload);
	CHECK_ERR(hm_tc_apikey_create_op_encode(&k, &ops[0].payload), HM_OK);
	apply_block(&n, 1, TS_MS, ops, 1, rcs);
	CHECK_ERR(rcs[0], HM_OK);

	CHECK(mdb_txn_begin(n.env, NULL, MDB_RDONLY, &txn) == 0);
	CHECK_ERR(hm_tc_authorize(n.mod.ctx, txn, admin_key, HM_TC_ACTION_KEY_MANAGE, actor),
	          HM_OK);
	CHECK_ERR(hm_tc_authorize(n.mod.ctx, txn, req_key, HM_TC_ACTION_ISSUE, actor), HM_OK);
	CHECK_MEM(actor, k.id, 16);
	CHECK_ERR(hm_tc_authorize(n.mod.ctx, txn, req_key, HM_TC_ACTION_REVOKE, actor),
	          HM_ERR_PERMISSION);
	CHECK_ERR(hm_tc_authorize(n.mod.ctx, txn, req_key, HM_TC_ACTION_KEY_MANAGE, actor),
	          HM_ERR_PERMISSION);
	{
		char wrong[HM_TC_APIKEY_STRLEN + 1];
		memcpy(wrong, req_key, sizeof(wrong));
		wrong[10] = wrong[10] == '0' ? '1' : '0';
		CHECK_ERR(hm_tc_authorize(n.mod.ctx, txn, wrong, HM_TC_ACTION_GET, actor),
		          HM_ERR_PERMISSION);
		CHECK_ERR(hm_tc_authorize(n.mod.ctx, txn, "hmk_short", HM_TC_ACTION_GET, actor),
		          HM_ERR_PERMISSION);
		CHECK_ERR(hm_tc_authorize(n.mod.ctx, txn, "", HM_TC_ACTION_GET, actor),
		          HM_ERR_PERMISSION);
	}
	mdb_txn_abort(txn);

	/* the requester may not manage keys: its APIKEY_CREATE is refused in apply */
	{
		struct hm_tc_apikey_op k2 = k;
		char text[HM_TC_APIKEY_STRLEN + 1];
		memcpy(k2.actor, k.id, 16);
		CHECK_ERR(hm_tc_apikey_generate(text, k2.id, k2.hash), HM_OK);
		k2.role = HM_TC_ROLE_ADMIN;
		ops[1].type = HM_OP_TC_APIKEY_CREATE;
		hm_buf_init(&ops[1].payload);
		CHECK_ERR(hm_tc_apikey_create_op_encode(&k2, &ops[1].payload), HM_OK);
	}
	/* the admin revokes the requester key */
	ops[2].type = HM_OP_TC_APIKEY_REVOKE;
	hm_buf_init(&ops[2].payload);
	CHECK_ERR(hm_tc_apikey_revoke_op_encode(&k, &ops[2].payload), HM_OK);
	apply_block(&n, 2, TS_MS + 1, ops + 1, 2, rcs);
	CHECK_ERR(rcs[0], HM_ERR_PERMISSION);
	CHECK_ERR(rcs[1], HM_OK);
	CHECK(mdb_txn_begin(n.env, NULL, MDB_RDONLY, &txn) == 0);
	CHECK_ERR(hm_tc_authorize(n.mod.ctx, txn, req_key, HM_TC_ACTION_GET, actor),
	          HM_ERR_PERMISSION);
	mdb_txn_abort(txn);
	apply_block(&n, 3, TS_MS + 2, ops, 1, rcs); /* creating the same id again */
	CHECK_ERR(rcs[0], HM_ERR_EXISTS);

	/* roles table */
	CHECK(hm_tc_role_allows(HM_TC_ROLE_AUDITOR, HM_TC_ACTION_CT_READ));
	CHECK(!hm_tc_role_allows(HM_TC_ROLE_AUDITOR, HM_TC_ACTION_ISSUE));
	CHECK(hm_tc_role_allows(HM_TC_ROLE_ISSUER, HM_TC_ACTION_REVOKE));
	CHECK(!hm_tc_role_allows(HM_TC_ROLE_ISSUER, HM_TC_ACTION_KEY_MANAGE));
	CHECK(!hm_tc_role_allows((enum hm_tc_role)9, HM_TC_ACTION_GET));

	/* rate limit: burst 3, then 1 per second */
	CHECK_ERR(hm_tc_ratelimit_new(1.0, 3.0, 64, &rl), HM_OK);
	CHECK(hm_tc_ratelimit_take(rl, k.id, 1000) == 1);
	CHECK(hm_tc_ratelimit_take(rl, k.id, 1000) == 1);
	CHECK(hm_tc_ratelimit_take(rl, k.id, 1000) == 1);
	CHECK(hm_tc_ratelimit_take(rl, k.id, 1000) == 0);
	CHECK(hm_tc_ratelimit_take(rl, k.hash + 8, 1000) == 1); /* another key has its own bucket */
	CHECK(hm_tc_ratelimit_take(rl, k.id, 2001) == 1);
	CHECK(hm_tc_ratelimit_take(rl, k.id, 2001) == 0);
	hm_tc_ratelimit_free(rl);
	for (int i = 0; i < 3; i++)
		hm_buf_free(&ops[i].payload);
	node_close(&n);
}

/*
 * What only the issuer chooses is still checked: a registered intermediate's
 * own key signing with another CRL distribution point, or a classical-only
 * signature from it (no alternative signature), is refused.
 */
static void test_issuer_choices(void)
{
	char dir[300], ed[400], pq[400], crt_path[400];
	struct node n;
	struct hm_tc_key *ik = NULL, *leaf = NULL;
	struct hm_tc_ca *rogue = NULL;
	struct hm_buf inter_pem, csr, cert;
	struct hm_tc_issue_op op;
	struct opspec o = { HM_OP_TC_ISSUE, { 0 } };
	const char *dns[] = { "x.hypermesh.test" };
	char key[HM_TC_APIKEY_STRLEN + 2];
	int rc;

	snprintf(dir, sizeof(dir), "%s/n-choices", gdir);
	node_open(&n, dir);
	snprintf(ed, sizeof(ed), "%s/ca-0.key", gdir);
	snprintf(pq, sizeof(pq), "%s/ca-0.pq.key", gdir);
	snprintf(crt_path, sizeof(crt_path), "%s/ca-0.crt", gdir);
	hm_buf_init(&inter_pem);
	hm_buf_init(&csr);
	hm_buf_init(&cert);
	CHECK_ERR(hm_file_read(crt_path, 1 << 16, &inter_pem), HM_OK);
	CHECK_ERR(hm_tc_key_generate(0, &leaf), HM_OK);
	CHECK_ERR(hm_tc_csr_create(leaf, "x", dns, 1, 0, &csr), HM_OK);
	memset(&op, 0, sizeof(op));
	admin_actor(op.actor, key);
	op.profile = HM_TC_PROFILE_NODE;
	op.not_before = T0;
	op.csr = csr.data;
	op.csr_len = csr.len;

	for (int variant = 0; variant < 3; variant++) {
		CHECK_ERR(hm_tc_key_load(ed, variant == 1 ? NULL : pq, &ik), HM_OK);
		CHECK_ERR(hm_tc_ca_new(inter_pem.data, inter_pem.len, ik,
		                       variant == 0   ? "http://evil.example/crl"
		                       : variant == 1 ? "http://127.0.0.1/crl/0.crl"
		                                      : NULL,
		                       &rogue),
		          HM_OK);
		cert.len = 0;
		CHECK_ERR(hm_tc_issue(rogue, csr.data, csr.len, HM_TC_PROFILE_NODE, T0, &cert),
		          HM_OK);
		op.cert = cert.data;
		op.cert_len = cert.len;
		hm_buf_init(&o.payload);
		CHECK_ERR(hm_tc_issue_op_encode(&op, &o.payload), HM_OK);
		apply_block(&n, 1, TS_MS, &o, 1, &rc);
		/* 0: another CRL URL; 1: no PQ signature; 2: no CRL distribution point */
		CHECK_ERR(rc, variant == 1 ? HM_ERR_VERIFY : HM_ERR_INVALID);
		hm_buf_free(&o.payload);
		hm_tc_ca_free(rogue);
	}
	/* the genuine CA (with genesis's URL) passes: the refusals above were the choices */
	CHECK_ERR(hm_tc_genesis_load_ca(gdir, 0, &rogue), HM_OK);
	cert.len = 0;
	CHECK_ERR(hm_tc_issue(rogue, csr.data, csr.len, HM_TC_PROFILE_NODE, T0, &cert), HM_OK);
	op.cert = cert.data;
	op.cert_len = cert.len;
	hm_buf_init(&o.payload);
	CHECK_ERR(hm_tc_issue_op_encode(&op, &o.payload), HM_OK);
	apply_block(&n, 1, TS_MS, &o, 1, &rc);
	CHECK_ERR(rc, HM_OK);
	/* times beyond what X.509 can express */
	CHECK_ERR(hm_tc_issue(rogue, csr.data, csr.len, HM_TC_PROFILE_NODE, UINT64_MAX, &cert),
	          HM_ERR_RANGE);
	hm_buf_free(&o.payload);
	hm_tc_ca_free(rogue);
	hm_tc_key_free(leaf);
	hm_buf_free(&inter_pem);
	hm_buf_free(&csr);
	hm_buf_free(&cert);
	node_close(&n);
}

/*
 * The intermediate's classical signature on an issued certificate is checked
 * by every validator (directly over the TBSCertificate for an Ed25519
 * intermediate): a flipped byte of that signature, which leaves the PQ
 * alternative signature (over the preTBSCertificate) intact, is refused with
 * HM_ERR_VERIFY, an outer signatureAlgorithm that no longer names Ed25519 is
 * refused, and the untouched certificate applies.
 */
static void test_issuer_signature(void)
{
	char dir[300];
	struct node n;
	struct hm_tc_key *leaf = NULL;
	struct hm_tc_ca *ca = NULL;
	struct hm_buf csr, cert;
	struct hm_tc_issue_op op;
	struct opspec o = { HM_OP_TC_ISSUE, { 0 } };
	const char *dns[] = { "sig.hypermesh.test" };
	char key[HM_TC_APIKEY_STRLEN + 2];
	int rc;

	snprintf(dir, sizeof(dir), "%s/n-signature", gdir);
	node_open(&n, dir);
	hm_buf_init(&csr);
	hm_buf_init(&cert);
	CHECK_ERR(hm_tc_key_generate(0, &leaf), HM_OK);
	CHECK_ERR(hm_tc_csr_create(leaf, "sig", dns, 1, 0, &csr), HM_OK);
	CHECK_ERR(hm_tc_genesis_load_ca(gdir, 0, &ca), HM_OK);
	CHECK_ERR(hm_tc_issue(ca, csr.data, csr.len, HM_TC_PROFILE_NODE, T0, &cert), HM_OK);
	memset(&op, 0, sizeof(op));
	admin_actor(op.actor, key);
	op.profile = HM_TC_PROFILE_NODE;
	op.not_before = T0;
	op.csr = csr.data;
	op.csr_len = csr.len;
	op.cert = cert.data;
	op.cert_len = cert.len;
	/* ... signatureAlgorithm (30 05 06 03 2b 65 70) || BIT STRING (03 41 00 || 64 bytes) */
	CHECK(cert.len > 80);
	CHECK(memcmp(cert.data + cert.len - 74, "\x30\x05\x06\x03\x2b\x65\x70\x03\x41\x00", 10) ==
	      0);
	/* 0: the signature's last byte; 1: the outer algorithm Ed25519 -> Ed448; 2: none */
	for (int variant = 0; variant < 3; variant++) {
		size_t at = variant == 0 ? cert.len - 1 : cert.len - 68;

		if (variant < 2)
			cert.data[at] ^= 0x01;
		hm_buf_init(&o.payload);
		CHECK_ERR(hm_tc_issue_op_encode(&op, &o.payload), HM_OK);
		apply_block(&n, 1, TS_MS, &o, 1, &rc);
		if (variant == 1)
			CHECK(rc != HM_OK); /* GnuTLS's import already refuses the mismatch */
		else
			CHECK_ERR(rc, variant == 0 ? HM_ERR_VERIFY : HM_OK);
		hm_buf_free(&o.payload);
		if (variant < 2)
			cert.data[at] ^= 0x01;
	}
	hm_tc_ca_free(ca);
	hm_tc_key_free(leaf);
	hm_buf_free(&csr);
	hm_buf_free(&cert);
	node_close(&n);
}

static void setup(void)
{
	snprintf(gdir, sizeof(gdir), "/tmp/hm-tc-test-XXXXXX");
	CHECK(mkdtemp(gdir) != NULL);
	snprintf(other, sizeof(other), "%s/other", gdir);
	CHECK(mkdir(other, 0700) == 0);
	CHECK_ERR(hm_tc_genesis_create(gdir, 2, HM_SIG_MLDSA87, T0 - 86400, "http://127.0.0.1/crl"),
	          HM_OK);
	CHECK_ERR(hm_tc_genesis_create(other, 1, HM_SIG_MLDSA87, T0 - 86400, NULL), HM_OK);
	/* a second genesis into the same directory is refused */
	CHECK_ERR(hm_tc_genesis_create(gdir, 2, HM_SIG_MLDSA87, T0, NULL), HM_ERR_EXISTS);
	{
		struct stat st;
		char p[400];
		snprintf(p, sizeof(p), "%s/ca-0.pq.key", gdir);
		CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600);
		snprintf(p, sizeof(p), "%s/admin.apikey", gdir);
		CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600);
	}
}

static void teardown(void)
{
	rm_rf(gdir);
}

TEST_MAIN(setup, test_issue_and_log, test_refusals, test_issuer_choices, test_issuer_signature,
          test_determinism_and_crash, test_apikeys, teardown)
