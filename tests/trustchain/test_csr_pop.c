/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Proof of possession of a CSR's post-quantum key (alt.c, ca.c): a hybrid
 * request carries the PQ key's signature over its preCertificationRequestInfo;
 * issuance refuses one whose PQ signature is missing, wrong, made for another
 * request or named with another algorithm, while classical requests are as
 * before. Forgeries are built by re-signing classically with GnuTLS, so that
 * only the PQ proof is at fault.
 */
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "hypermesh/trustchain.h"
#include "test.h"
#include "trustchain/tc.h"

#define T0 1790000000ull

static const char *const dns[] = { "node1.hypermesh.test" };

/* An intermediate-like CA to issue with: a root (with an ML-DSA-87 key) issues directly. */
static struct hm_tc_ca *make_ca(void)
{
	struct hm_tc_key *k;
	struct hm_tc_ca *ca;
	struct hm_buf der;

	hm_buf_init(&der);
	CHECK_ERR(hm_tc_key_generate(HM_SIG_MLDSA87, &k), HM_OK);
	CHECK_ERR(hm_tc_root_create(k, "test root", T0, 3650 * 86400ull, &der, &ca), HM_OK);
	hm_buf_free(&der);
	return ca;
}

/* Re-exports crq after setting extension oid to value (NULL: leave) and re-signing classically. */
static void resign(gnutls_x509_crq_t crq, const struct hm_tc_key *k, const char *oid,
                   const struct hm_buf *value, struct hm_buf *out)
{
	gnutls_datum_t d = { NULL, 0 };

	if (oid != NULL)
		CHECK(gnutls_x509_crq_set_extension_by_oid(crq, oid, value->data, value->len, 0) ==
		      0);
	CHECK(gnutls_x509_crq_privkey_sign(crq, k->priv, GNUTLS_DIG_SHA512, 0) == 0);
	CHECK(gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_DER, &d) == 0);
	out->len = 0;
	CHECK_ERR(hm_buf_append(out, d.data, d.size), HM_OK);
	gnutls_free(d.data);
}

static gnutls_x509_crq_t import(const struct hm_buf *der)
{
	gnutls_x509_crq_t crq;
	gnutls_datum_t d = { der->data, (unsigned)der->len };

	CHECK(gnutls_x509_crq_init(&crq) == 0);
	CHECK(gnutls_x509_crq_import(crq, &d, GNUTLS_X509_FMT_DER) == 0);
	return crq;
}

static void expect_issue(const struct hm_tc_ca *ca, const struct hm_buf *csr, int want)
{
	struct hm_buf cert;

	hm_buf_init(&cert);
	CHECK_ERR(hm_tc_issue(ca, csr->data, csr->len, HM_TC_PROFILE_NODE, T0, &cert), want);
	if (want != HM_OK)
		CHECK_EQ(cert.len, 0);
	hm_buf_free(&cert);
}

static void test_pop_good(void)
{
	static const enum hm_sig_alg algs[] = { HM_SIG_MLDSA87, HM_SIG_FALCON1024 };
	struct hm_tc_ca *ca = make_ca();

	for (size_t i = 0; i < 2; i++) {
		struct hm_tc_key *k;
		struct hm_buf csr, cert, pk;
		enum hm_sig_alg alg;

		hm_buf_init(&csr);
		hm_buf_init(&cert);
		hm_buf_init(&pk);
		CHECK_ERR(hm_tc_key_generate(algs[i], &k), HM_OK);
		CHECK_ERR(hm_tc_csr_create(k, "node1", dns, 1, 1, &csr), HM_OK);
		CHECK_ERR(hm_tc_csr_alt_verify(csr.data, csr.len), HM_OK);
		CHECK_ERR(hm_tc_csr_check(csr.data, csr.len, HM_TC_PROFILE_NODE), HM_OK);
		CHECK_ERR(hm_tc_issue(ca, csr.data, csr.len, HM_TC_PROFILE_NODE, T0, &cert), HM_OK);
		/* the certificate carries the requested key, not the request's proof */
		CHECK_ERR(hm_tc_cert_alt_key(cert.data, cert.len, &alg, &pk), HM_OK);
		CHECK_EQ(alg, algs[i]);
		hm_tc_key_free(k);
		hm_buf_free(&csr);
		hm_buf_free(&cert);
		hm_buf_free(&pk);
	}
	hm_tc_ca_free(ca);
}

static void test_pop_classical_unchanged(void)
{
	struct hm_tc_ca *ca = make_ca();
	struct hm_tc_key *k;
	struct hm_buf csr, pre;

	hm_buf_init(&csr);
	hm_buf_init(&pre);
	CHECK_ERR(hm_tc_key_generate(0, &k), HM_OK);
	CHECK_ERR(hm_tc_csr_create(k, "node1", dns, 1, 1, &csr), HM_OK); /* no PQ half */
	CHECK_ERR(hm_tc_csr_alt_verify(csr.data, csr.len), HM_ERR_NOT_FOUND);
	CHECK_ERR(hm_tc_csr_check(csr.data, csr.len, HM_TC_PROFILE_NODE), HM_OK);
	expect_issue(ca, &csr, HM_OK);
	/* without altSignatureValue the preCRI is the CRI itself */
	CHECK_ERR(hm_tc_csr_pre_cri(csr.data, csr.len, &pre), HM_OK);
	CHECK(pre.len > 0 && pre.len < csr.len);
	hm_tc_key_free(k);
	hm_buf_free(&csr);
	hm_buf_free(&pre);
	hm_tc_ca_free(ca);
}

static void test_pop_refused(void)
{
	struct hm_tc_ca *ca = make_ca();
	struct hm_tc_key *k, *other;
	struct hm_buf good, other_csr, forged, ext;
	gnutls_x509_crq_t crq;
	gnutls_datum_t d = { NULL, 0 };
	unsigned crit;

	hm_buf_init(&good);
	hm_buf_init(&other_csr);
	hm_buf_init(&forged);
	hm_buf_init(&ext);
	CHECK_ERR(hm_tc_key_generate(HM_SIG_MLDSA87, &k), HM_OK);
	CHECK_ERR(hm_tc_key_generate(HM_SIG_MLDSA87, &other), HM_OK);
	CHECK_ERR(hm_tc_csr_create(k, "node1", dns, 1, 1, &good), HM_OK);

	/* missing: the PQ key requested without altSignatureAlgorithm/Value (the old format) */
	{
		gnutls_x509_crq_t c2;
		CHECK(gnutls_x509_crq_init(&c2) == 0);
		CHECK(gnutls_x509_crq_set_version(c2, 1) == 0);
		CHECK(gnutls_x509_crq_set_dn_by_oid(c2, GNUTLS_OID_X520_COMMON_NAME, 0, "node1",
		                                    5) == 0);
		CHECK(gnutls_x509_crq_set_key(c2, k->ed) == 0);
		CHECK(gnutls_x509_crq_set_subject_alt_name(c2, GNUTLS_SAN_DNSNAME, dns[0],
		                                           (unsigned)strlen(dns[0]),
		                                           GNUTLS_FSAN_SET) == 0);
		CHECK_ERR(tc_alt_key_encode(k->pq_alg, k->pq_pk, k->pq_pk_len, &ext), HM_OK);
		resign(c2, k, TC_OID_ALT_KEY, &ext, &forged);
		CHECK_ERR(hm_tc_csr_alt_verify(forged.data, forged.len), HM_ERR_INVALID);
		CHECK_ERR(hm_tc_csr_check(forged.data, forged.len, HM_TC_PROFILE_NODE),
		          HM_ERR_INVALID);
		expect_issue(ca, &forged, HM_ERR_INVALID);
		gnutls_x509_crq_deinit(c2);
	}

	/* wrong: one bit of the PQ signature flipped, classical signature valid */
	crq = import(&good);
	CHECK(gnutls_x509_crq_get_extension_by_oid2(crq, TC_OID_ALT_VALUE, 0, &d, &crit) == 0);
	ext.len = 0;
	CHECK_ERR(hm_buf_append(&ext, d.data, d.size), HM_OK);
	gnutls_free(d.data);
	ext.data[100] ^= 0x01;
	resign(crq, k, TC_OID_ALT_VALUE, &ext, &forged);
	CHECK_ERR(hm_tc_csr_check(forged.data, forged.len, HM_TC_PROFILE_NODE), HM_ERR_VERIFY);
	expect_issue(ca, &forged, HM_ERR_VERIFY);
	ext.data[100] ^= 0x01; /* restored: the same request verifies again */
	resign(crq, k, TC_OID_ALT_VALUE, &ext, &forged);
	CHECK_ERR(hm_tc_csr_alt_verify(forged.data, forged.len), HM_OK);

	/* replayed: the proof of another request for the same PQ key */
	{
		gnutls_x509_crq_t c2;
		CHECK_ERR(hm_tc_csr_create(k, "node2", dns, 1, 1, &other_csr), HM_OK);
		c2 = import(&other_csr);
		resign(c2, k, TC_OID_ALT_VALUE, &ext, &forged); /* node1's proof in node2's CSR */
		CHECK_ERR(hm_tc_csr_alt_verify(forged.data, forged.len), HM_ERR_VERIFY);
		expect_issue(ca, &forged, HM_ERR_VERIFY);
		gnutls_x509_crq_deinit(c2);
	}

	/* someone else's PQ key: requested key is `other`, proof made by k */
	ext.len = 0;
	CHECK_ERR(tc_alt_key_encode(other->pq_alg, other->pq_pk, other->pq_pk_len, &ext), HM_OK);
	resign(crq, k, TC_OID_ALT_KEY, &ext, &forged);
	CHECK_ERR(hm_tc_csr_alt_verify(forged.data, forged.len), HM_ERR_VERIFY);
	expect_issue(ca, &forged, HM_ERR_VERIFY);
	gnutls_x509_crq_deinit(crq);

	/* another algorithm named in altSignatureAlgorithm */
	crq = import(&good);
	ext.len = 0;
	CHECK_ERR(tc_alt_alg_encode(HM_SIG_FALCON1024, &ext), HM_OK);
	resign(crq, k, TC_OID_ALT_ALG, &ext, &forged);
	CHECK_ERR(hm_tc_csr_alt_verify(forged.data, forged.len), HM_ERR_VERIFY);
	expect_issue(ca, &forged, HM_ERR_VERIFY);
	gnutls_x509_crq_deinit(crq);

	/* tampered bytes anywhere: refused, never accepted */
	for (size_t off = 0; off < good.len; off += 97) {
		forged.len = 0;
		CHECK_ERR(hm_buf_append(&forged, good.data, good.len), HM_OK);
		forged.data[off] ^= 0x20;
		CHECK(hm_tc_csr_check(forged.data, forged.len, HM_TC_PROFILE_NODE) != HM_OK);
	}
	/* every truncation is refused by the proof checker */
	for (size_t cut = 0; cut < good.len; cut += 13)
		CHECK(hm_tc_csr_alt_verify(good.data, cut) != HM_OK);

	hm_tc_key_free(k);
	hm_tc_key_free(other);
	hm_buf_free(&good);
	hm_buf_free(&other_csr);
	hm_buf_free(&forged);
	hm_buf_free(&ext);
	hm_tc_ca_free(ca);
}

TEST_MAIN(test_pop_good, test_pop_classical_unchanged, test_pop_refused)
