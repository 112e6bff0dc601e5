/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TrustChain issuance cost on one core, beside a reference measured in the
 * same run: GnuTLS's plain classical issuance (gnutls_x509_crt_set_crq +
 * serial, validity, key usage, EKU, key ids, gnutls_x509_crt_privkey_sign
 * with Ed25519, export; no PQ signature, no CSR or policy checks).
 *
 * Lines:
 *   reference          the GnuTLS-only issuance above
 *   issue classical    hm_tc_issue, CA without a PQ key (CSR checks + policy)
 *   issue ML-DSA-87    hm_tc_issue, hybrid (two Ed25519 signings + ML-DSA-87)
 *   issue Falcon-1024  the same with Falcon-1024
 *   apply ML-DSA-87    the state module's check() + apply() of the ISSUE op
 *                      (every validator runs this), in a nested LMDB txn
 *   apply Falcon-1024
 * and the devnet budget: one node signs, all four apply, on 2 cores.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "bench.h"
#include "hypermesh/error.h"
#include "hypermesh/sha3.h"
#include "hypermesh/trustchain_state.h"

#define NB 1790000000ull

struct issue_ctx {
	struct hm_tc_ca *ca;
	struct hm_buf csr, cert;
	int failed;
};

static void do_issue(void *arg)
{
	struct issue_ctx *c = arg;
	c->cert.len = 0;
	if (hm_tc_issue(c->ca, c->csr.data, c->csr.len, HM_TC_PROFILE_NODE, NB, &c->cert) != HM_OK)
		c->failed = 1;
}

/* The reference: what GnuTLS alone does for a classical issuance. */
struct ref_ctx {
	gnutls_x509_crq_t crq;
	gnutls_x509_crt_t ca_crt;
	gnutls_x509_privkey_t ca_key;
	gnutls_privkey_t ca_priv;
	unsigned counter;
	int failed;
};

static void do_reference(void *arg)
{
	struct ref_ctx *r = arg;
	gnutls_x509_crt_t crt;
	gnutls_datum_t d = { NULL, 0 };
	uint8_t serial[16] = { 0x40 }, id[64];
	size_t n = sizeof(id);
	unsigned crit;

	memcpy(serial + 12, &r->counter, sizeof(r->counter));
	r->counter++;
	if (gnutls_x509_crt_init(&crt) < 0 || gnutls_x509_crt_set_crq(crt, r->crq) < 0 ||
	    gnutls_x509_crt_set_version(crt, 3) < 0 ||
	    gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) < 0 ||
	    gnutls_x509_crt_set_activation_time(crt, (time_t)NB) < 0 ||
	    gnutls_x509_crt_set_expiration_time(crt, (time_t)(NB + 86400 * 365)) < 0 ||
	    gnutls_x509_crt_set_basic_constraints(crt, 0, -1) < 0 ||
	    gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE) < 0 ||
	    gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0) < 0 ||
	    gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_CLIENT, 0) < 0 ||
	    gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA1, id, &n) < 0 ||
	    gnutls_x509_crt_set_subject_key_id(crt, id, n) < 0 ||
	    (n = sizeof(id), gnutls_x509_crt_get_subject_key_id(r->ca_crt, id, &n, &crit) < 0) ||
	    gnutls_x509_crt_set_authority_key_id(crt, id, n) < 0 ||
	    gnutls_x509_crt_privkey_sign(crt, r->ca_crt, r->ca_priv, GNUTLS_DIG_SHA512, 0) < 0 ||
	    gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &d) < 0)
		r->failed = 1;
	gnutls_free(d.data);
	gnutls_x509_crt_deinit(crt);
}

/* One PQ signature or verification over a real preTBSCertificate. */
struct pq_ctx {
	enum hm_sig_alg alg;
	uint8_t pk[HM_SIG_PK_MAX], sk[HM_SIG_SK_MAX], sig[HM_SIG_SIG_MAX];
	size_t sig_len;
	struct hm_buf msg;
	int failed;
};

static void do_pq_sign(void *arg)
{
	struct pq_ctx *q = arg;
	const struct hm_sig_info *info = hm_sig_info(q->alg);
	if (hm_sig_sign(q->alg, q->sig, sizeof(q->sig), &q->sig_len, q->sk, info->sk_len,
	                q->msg.data, q->msg.len) != HM_OK)
		q->failed = 1;
}

static void do_pq_verify(void *arg)
{
	struct pq_ctx *q = arg;
	const struct hm_sig_info *info = hm_sig_info(q->alg);
	if (hm_sig_verify(q->alg, q->pk, info->pk_len, q->sig, q->sig_len, q->msg.data,
	                  q->msg.len) != HM_OK)
		q->failed = 1;
}

struct apply_ctx {
	MDB_env *env;
	struct hm_module mod;
	struct hm_op op;
	struct hm_block_info b;
	int failed;
};

static void do_apply(void *arg)
{
	struct apply_ctx *a = arg;
	MDB_txn *txn, *child;

	if (a->mod.check(a->mod.ctx, &a->op) != HM_OK ||
	    mdb_txn_begin(a->env, NULL, 0, &txn) != 0) {
		a->failed = 1;
		return;
	}
	if (mdb_txn_begin(a->env, txn, 0, &child) != 0 ||
	    a->mod.apply(a->mod.ctx, child, &a->b, &a->op, NULL) != HM_OK)
		a->failed = 1;
	mdb_txn_abort(txn); /* and so the same operation can be applied again */
}

static int make_genesis(const char *dir, enum hm_sig_alg pq)
{
	if (mkdir(dir, 0700) != 0)
		return HM_ERR_IO;
	return hm_tc_genesis_create(dir, 1, pq, NB - 86400, NULL);
}

static int setup_apply(struct apply_ctx *a, const char *dir, const struct issue_ctx *ic,
                       struct hm_buf *payload)
{
	char path[600], key[HM_TC_APIKEY_STRLEN + 2];
	struct hm_tc_module_config cfg = { 0 };
	struct hm_tc_issue_op op = { 0 };
	uint8_t hash[32];
	MDB_txn *txn;
	FILE *f;

	snprintf(path, sizeof(path), "%s/admin.apikey", dir);
	if ((f = fopen(path, "r")) == NULL || fgets(key, sizeof(key), f) == NULL) {
		if (f)
			fclose(f);
		return HM_ERR_IO;
	}
	fclose(f);
	if (hm_tc_apikey_parse(key, op.actor, hash) != HM_OK)
		return HM_ERR_INVALID;
	op.profile = HM_TC_PROFILE_NODE;
	op.not_before = NB;
	op.csr = ic->csr.data;
	op.csr_len = ic->csr.len;
	op.cert = ic->cert.data;
	op.cert_len = ic->cert.len;
	if (hm_tc_issue_op_encode(&op, payload) != HM_OK)
		return HM_ERR_INVALID;
	snprintf(path, sizeof(path), "%s/ct.lmdb", dir);
	cfg.genesis_dir = dir;
	cfg.ct_log_path = path;
	cfg.ct_log_flags = HM_CT_LOG_NOSYNC;
	if (hm_tc_module_new(&cfg, &a->mod) != HM_OK || mdb_env_create(&a->env) != 0)
		return HM_ERR_IO;
	mdb_env_set_maxdbs(a->env, 32);
	mdb_env_set_mapsize(a->env, 64 << 20);
	snprintf(path, sizeof(path), "%s/state.lmdb", dir);
	if (mdb_env_open(a->env, path, MDB_NOSUBDIR | MDB_NOSYNC, 0600) != 0 ||
	    mdb_txn_begin(a->env, NULL, 0, &txn) != 0 ||
	    a->mod.open(a->mod.ctx, a->env, txn) != HM_OK || mdb_txn_commit(txn) != 0)
		return HM_ERR_IO;
	a->op.type = HM_OP_TC_ISSUE;
	a->op.payload = payload->data;
	a->op.payload_len = payload->len;
	hm_sha3_256(a->op.digest, payload->data, payload->len);
	a->b.height = 1;
	a->b.timestamp_ms = NB * 1000 + 1000;
	return HM_OK;
}

static void line(const char *what, double ns, double ref_ns)
{
	printf("%-34s %9.1f us  %9.0f /s", what, ns / 1000, 1e9 / ns);
	if (ref_ns > 0)
		printf("  %5.2fx reference", ns / ref_ns);
	printf("\n");
}

int main(void)
{
	char tmp[] = "/tmp/hm-bench-tc-XXXXXX", dir[3][300], cmd[400];
	const enum hm_sig_alg algs[3] = { 0, HM_SIG_MLDSA87, HM_SIG_FALCON1024 };
	const char *names[3] = { "classical", "ML-DSA-87", "Falcon-1024" };
	struct issue_ctx ic[3];
	struct apply_ctx ac[3];
	struct hm_buf payload[3];
	struct ref_ctx ref = { 0 };
	struct hm_tc_key *leaf = NULL;
	const char *dns[] = { "node1.hypermesh.test" };
	double ref_ns, issue_ns[3], apply_ns[3] = { 0 };
	int failed = 0;

	if (mkdtemp(tmp) == NULL)
		return 2;
	if (hm_tc_key_generate(0, &leaf) != HM_OK)
		return 2;
	memset(ic, 0, sizeof(ic));
	memset(ac, 0, sizeof(ac));
	for (int i = 0; i < 3; i++) {
		snprintf(dir[i], sizeof(dir[i]), "%s/g%d", tmp, i);
		hm_buf_init(&ic[i].csr);
		hm_buf_init(&ic[i].cert);
		hm_buf_init(&payload[i]);
		if (i == 0) {
			/* a classical-only CA: a root made here, no genesis (genesis is always
			 * hybrid) */
			struct hm_tc_key *k = NULL;
			struct hm_buf der;
			hm_buf_init(&der);
			if (hm_tc_key_generate(0, &k) != HM_OK ||
			    hm_tc_root_create(k, "bench classical", NB - 86400, 86400 * 3650ull,
			                      &der, &ic[i].ca) != HM_OK)
				return 2;
			hm_buf_free(&der);
		} else if (make_genesis(dir[i], algs[i]) != HM_OK ||
		           hm_tc_genesis_load_ca(dir[i], 0, &ic[i].ca) != HM_OK) {
			return 2;
		}
		if (hm_tc_csr_create(leaf, "node1", dns, 1, 0, &ic[i].csr) != HM_OK)
			return 2;
	}

	/* the reference uses the classical CA's certificate and key */
	{
		const uint8_t *der;
		size_t len;
		gnutls_datum_t d;
		hm_tc_ca_cert(ic[0].ca, &der, &len);
		d.data = (unsigned char *)der;
		d.size = (unsigned)len;
		if (gnutls_x509_crt_init(&ref.ca_crt) < 0 ||
		    gnutls_x509_crt_import(ref.ca_crt, &d, GNUTLS_X509_FMT_DER) < 0 ||
		    gnutls_x509_crq_init(&ref.crq) < 0)
			return 2;
		d.data = ic[0].csr.data;
		d.size = (unsigned)ic[0].csr.len;
		if (gnutls_x509_crq_import(ref.crq, &d, GNUTLS_X509_FMT_DER) < 0)
			return 2;
		/* a fresh Ed25519 CA key: signing cost does not depend on which key */
		if (gnutls_x509_privkey_init(&ref.ca_key) < 0 ||
		    gnutls_x509_privkey_generate(ref.ca_key, GNUTLS_PK_EDDSA_ED25519,
		                                 GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519),
		                                 0) < 0 ||
		    gnutls_privkey_init(&ref.ca_priv) < 0 ||
		    gnutls_privkey_import_x509(ref.ca_priv, ref.ca_key, 0) < 0)
			return 2;
	}

	printf("TrustChain issuance, one core, median of %d batches\n", BENCH_BATCHES);
	ref_ns = bench_median_ns(do_reference, &ref, 20);
	line("reference: GnuTLS classical issue", ref_ns, 0);
	for (int i = 0; i < 3; i++) {
		char label[64];
		snprintf(label, sizeof(label), "issue %s", names[i]);
		issue_ns[i] = bench_median_ns(do_issue, &ic[i], i == 2 ? 5 : 10);
		line(label, issue_ns[i], ref_ns);
		failed |= ic[i].failed;
	}
	for (int i = 1; i < 3; i++) {
		char label[64];
		do_issue(&ic[i]); /* the certificate the ISSUE op carries */
		if (setup_apply(&ac[i], dir[i], &ic[i], &payload[i]) != HM_OK)
			return 2;
		snprintf(label, sizeof(label), "apply (check+verify) %s", names[i]);
		apply_ns[i] = bench_median_ns(do_apply, &ac[i], 10);
		line(label, apply_ns[i], ref_ns);
		failed |= ac[i].failed;
	}
	printf("\nwhere the time goes: the PQ signature alone, over the leaf's "
	       "preTBSCertificate\n");
	for (int i = 1; i < 3; i++) {
		static struct pq_ctx q;
		const struct hm_sig_info *info = hm_sig_info(algs[i]);
		char label[64];

		memset(&q, 0, sizeof(q));
		q.alg = algs[i];
		hm_buf_init(&q.msg);
		if (hm_sig_keygen(q.alg, q.pk, info->pk_len, q.sk, info->sk_len) != HM_OK ||
		    hm_tc_cert_pre_tbs(ic[i].cert.data, ic[i].cert.len, &q.msg) != HM_OK)
			return 2;
		snprintf(label, sizeof(label), "  %s sign", names[i]);
		line(label, bench_median_ns(do_pq_sign, &q, 10), ref_ns);
		snprintf(label, sizeof(label), "  %s verify", names[i]);
		line(label, bench_median_ns(do_pq_verify, &q, 10), ref_ns);
		failed |= q.failed;
		hm_buf_free(&q.msg);
	}
	printf("\ndevnet budget (4 validators, 2 cores): one node issues, all four apply\n");
	for (int i = 1; i < 3; i++) {
		double per_cert = issue_ns[i] + 4 * apply_ns[i];
		printf("  %-12s CPU per certificate %7.1f us -> at most %6.0f certificates/s on 2 "
		       "cores\n",
		       names[i], per_cert / 1000, 2e9 / per_cert);
	}
	failed |= ref.failed;

	for (int i = 0; i < 3; i++) {
		hm_tc_ca_free(ic[i].ca);
		hm_buf_free(&ic[i].csr);
		hm_buf_free(&ic[i].cert);
		hm_buf_free(&payload[i]);
		if (ac[i].env != NULL) {
			ac[i].mod.close(ac[i].mod.ctx);
			mdb_env_close(ac[i].env);
		}
	}
	hm_tc_key_free(leaf);
	gnutls_x509_crt_deinit(ref.ca_crt);
	gnutls_x509_crq_deinit(ref.crq);
	gnutls_privkey_deinit(ref.ca_priv);
	gnutls_x509_privkey_deinit(ref.ca_key);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		failed = 1;
	if (failed)
		fprintf(stderr, "bench_trustchain: an operation failed\n");
	return failed ? 1 : 0;
}
