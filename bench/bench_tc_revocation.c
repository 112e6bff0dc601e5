/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cost of what TrustChain added for revocation and hybrid requests, on
 * one core, each beside a reference measured in the same run:
 *
 *   CSR check, classical     hm_tc_csr_check of an Ed25519 CSR (the reference)
 *   CSR check, hybrid+PoP    the same for a CSR requesting an ML-DSA-87 key,
 *                            with its proof of possession verified
 *   CSR create, classical / hybrid+PoP   hm_tc_csr_create (reference: classical)
 *   CRL build, N entries     hm_tc_crl_build (DER, reasonCode per entry)
 *   GnuTLS CRL, N entries    the reference: gnutls_x509_crl_set_crt_serial per
 *                            entry + gnutls_x509_crl_privkey_sign + export (no
 *                            reason codes: GnuTLS cannot write them)
 *   CRL lookup               hm_tc_crl_find of the last of N entries
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "bench.h"
#include "hypermesh/error.h"
#include "hypermesh/trustchain.h"

#define NB 1790000000ull

static const char *const dns[] = { "node1.hypermesh.test" };

struct csr_ctx {
	struct hm_tc_key *key;
	int pq;
	struct hm_buf csr;
	int failed;
};

static void do_csr_check(void *arg)
{
	struct csr_ctx *c = arg;
	if (hm_tc_csr_check(c->csr.data, c->csr.len, HM_TC_PROFILE_NODE) != HM_OK)
		c->failed = 1;
}

static void do_csr_create(void *arg)
{
	struct csr_ctx *c = arg;
	c->csr.len = 0;
	if (hm_tc_csr_create(c->key, "node1", dns, 1, c->pq, &c->csr) != HM_OK)
		c->failed = 1;
}

struct crl_ctx {
	struct hm_tc_ca *ca;
	/* the reference's own Ed25519 CA, made with GnuTLS alone */
	gnutls_x509_privkey_t ref_key;
	gnutls_privkey_t ref_priv;
	gnutls_x509_crt_t ref_crt;
	struct hm_tc_crl_entry *e;
	size_t n;
	struct hm_buf der;
	int failed;
};

static void do_crl_build(void *arg)
{
	struct crl_ctx *c = arg;
	c->der.len = 0;
	if (hm_tc_crl_build(c->ca, NB, NB + 86400, c->e, c->n, &c->der) != HM_OK)
		c->failed = 1;
}

static void do_gnutls_crl(void *arg)
{
	struct crl_ctx *c = arg;
	gnutls_x509_crl_t crl;
	gnutls_datum_t d = { NULL, 0 };

	if (gnutls_x509_crl_init(&crl) < 0) {
		c->failed = 1;
		return;
	}
	if (gnutls_x509_crl_set_version(crl, 2) < 0 ||
	    gnutls_x509_crl_set_this_update(crl, (time_t)NB) < 0 ||
	    gnutls_x509_crl_set_next_update(crl, (time_t)(NB + 86400)) < 0)
		c->failed = 1;
	for (size_t i = 0; i < c->n; i++)
		if (gnutls_x509_crl_set_crt_serial(crl, c->e[i].serial, HM_TC_SERIAL_LEN,
		                                   (time_t)c->e[i].revoked_at) < 0)
			c->failed = 1;
	if (gnutls_x509_crl_privkey_sign(crl, c->ref_crt, c->ref_priv, GNUTLS_DIG_SHA512, 0) < 0 ||
	    gnutls_x509_crl_export2(crl, GNUTLS_X509_FMT_DER, &d) < 0)
		c->failed = 1;
	gnutls_free(d.data);
	gnutls_x509_crl_deinit(crl);
}

static void do_crl_find(void *arg)
{
	struct crl_ctx *c = arg;
	uint8_t reason;
	if (hm_tc_crl_find(c->der.data, c->der.len, c->e[c->n - 1].serial, HM_TC_SERIAL_LEN,
	                   &reason) != HM_OK)
		c->failed = 1;
}

static int make_ref_ca(struct crl_ctx *c)
{
	static const uint8_t serial[] = { 1 };

	if (gnutls_x509_privkey_init(&c->ref_key) < 0 ||
	    gnutls_x509_privkey_generate(c->ref_key, GNUTLS_PK_EDDSA_ED25519, 256, 0) < 0 ||
	    gnutls_privkey_init(&c->ref_priv) < 0 ||
	    gnutls_privkey_import_x509(c->ref_priv, c->ref_key, 0) < 0 ||
	    gnutls_x509_crt_init(&c->ref_crt) < 0)
		return -1;
	if (gnutls_x509_crt_set_version(c->ref_crt, 3) < 0 ||
	    gnutls_x509_crt_set_key(c->ref_crt, c->ref_key) < 0 ||
	    gnutls_x509_crt_set_dn_by_oid(c->ref_crt, GNUTLS_OID_X520_COMMON_NAME, 0, "ref", 3) <
	            0 ||
	    gnutls_x509_crt_set_serial(c->ref_crt, serial, sizeof(serial)) < 0 ||
	    gnutls_x509_crt_set_activation_time(c->ref_crt, (time_t)NB) < 0 ||
	    gnutls_x509_crt_set_expiration_time(c->ref_crt, (time_t)(NB + 86400)) < 0 ||
	    gnutls_x509_crt_set_basic_constraints(c->ref_crt, 1, -1) < 0)
		return -2;
	if (gnutls_x509_crt_privkey_sign(c->ref_crt, c->ref_crt, c->ref_priv, GNUTLS_DIG_SHA512,
	                                 0) < 0)
		return -3;
	return 0;
}

static void line(const char *what, double ns, double ref_ns)
{
	printf("%-34s %10.1f us", what, ns / 1000);
	if (ref_ns > 0)
		printf("  %6.2fx reference", ns / ref_ns);
	printf("\n");
}

int main(void)
{
	struct csr_ctx classical = { 0 }, hybrid = { 0 };
	struct crl_ctx c = { 0 };
	struct hm_tc_key *ca_key;
	struct hm_buf root;
	double ref;
	int failed = 0;

	hm_buf_init(&root);
	hm_buf_init(&classical.csr);
	hm_buf_init(&hybrid.csr);
	hm_buf_init(&c.der);
	if (hm_tc_key_generate(0, &classical.key) != HM_OK ||
	    hm_tc_key_generate(HM_SIG_MLDSA87, &hybrid.key) != HM_OK ||
	    hm_tc_key_generate(0, &ca_key) != HM_OK ||
	    hm_tc_root_create(ca_key, "bench CA", NB, 3650 * 86400ull, &root, &c.ca) != HM_OK ||
	    (failed = make_ref_ca(&c)) != 0) {
		fprintf(stderr, "bench_tc_revocation: setup failed (%d)\n", failed);
		return 1;
	}
	hybrid.pq = 1;
	do_csr_create(&classical);
	do_csr_create(&hybrid);

	printf("CSR proof of possession (ML-DSA-87), per call\n");
	ref = bench_median_ns(do_csr_check, &classical, 20);
	line("CSR check, classical (reference)", ref, 0);
	line("CSR check, hybrid+PoP", bench_median_ns(do_csr_check, &hybrid, 20), ref);
	ref = bench_median_ns(do_csr_create, &classical, 20);
	line("CSR create, classical (reference)", ref, 0);
	line("CSR create, hybrid+PoP", bench_median_ns(do_csr_create, &hybrid, 10), ref);

	c.e = calloc(10000, sizeof(*c.e));
	if (c.e == NULL)
		return 1;
	for (size_t i = 0; i < 10000; i++) {
		c.e[i].serial[0] = 0x40;
		c.e[i].serial[12] = (uint8_t)(i >> 24);
		c.e[i].serial[13] = (uint8_t)(i >> 16);
		c.e[i].serial[14] = (uint8_t)(i >> 8);
		c.e[i].serial[15] = (uint8_t)i;
		c.e[i].revoked_at = NB + i;
		c.e[i].reason = (uint8_t)(1 + i % 6);
	}
	printf("CRLs signed with Ed25519, per CRL\n");
	for (size_t n = 100; n <= 10000; n *= 10) {
		char what[64];
		c.n = n;
		/* GnuTLS's writer grows quadratically: few batches at 10,000 */
		ref = bench_median_ns(do_gnutls_crl, &c, n >= 10000 ? 1 : 5);
		snprintf(what, sizeof(what), "GnuTLS CRL, %zu entries (ref)", n);
		line(what, ref, 0);
		snprintf(what, sizeof(what), "CRL build, %zu entries", n);
		line(what, bench_median_ns(do_crl_build, &c, n >= 10000 ? 2 : 10), ref);
		snprintf(what, sizeof(what), "CRL lookup, last of %zu", n);
		line(what, bench_median_ns(do_crl_find, &c, 10), 0);
	}
	failed = classical.failed || hybrid.failed || c.failed;
	if (failed)
		fprintf(stderr, "bench_tc_revocation: an operation failed\n");
	hm_tc_key_free(classical.key);
	hm_tc_key_free(hybrid.key);
	hm_tc_ca_free(c.ca);
	gnutls_x509_crt_deinit(c.ref_crt);
	gnutls_privkey_deinit(c.ref_priv);
	gnutls_x509_privkey_deinit(c.ref_key);
	hm_buf_free(&root);
	hm_buf_free(&classical.csr);
	hm_buf_free(&hybrid.csr);
	hm_buf_free(&c.der);
	free(c.e);
	return failed;
}
