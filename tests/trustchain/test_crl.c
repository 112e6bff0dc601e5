/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CRLs built in DER (crl.c): GnuTLS parses and verifies what we build, every
 * entry's reasonCode comes back through our walker, the check against a
 * certificate says revoked / not revoked / wrong issuer / not current, and
 * bad input changes nothing.
 */
#include <string.h>

#include <gnutls/x509.h>

#include "hypermesh/trustchain.h"
#include "test.h"

#define T0 1790000000ull

static const char *const dns[] = { "node1.hypermesh.test" };

static struct hm_tc_ca *make_ca(const char *cn)
{
	struct hm_tc_key *k;
	struct hm_tc_ca *ca;
	struct hm_buf der;

	hm_buf_init(&der);
	CHECK_ERR(hm_tc_key_generate(0, &k), HM_OK);
	CHECK_ERR(hm_tc_root_create(k, cn, T0, 3650 * 86400ull, &der, &ca), HM_OK);
	hm_buf_free(&der);
	return ca;
}

static void issue(const struct hm_tc_ca *ca, const char *cn, struct hm_buf *cert)
{
	struct hm_tc_key *k;
	struct hm_buf csr;

	hm_buf_init(&csr);
	CHECK_ERR(hm_tc_key_generate(0, &k), HM_OK);
	CHECK_ERR(hm_tc_csr_create(k, cn, dns, 1, 0, &csr), HM_OK);
	CHECK_ERR(hm_tc_issue(ca, csr.data, csr.len, HM_TC_PROFILE_NODE, T0, cert), HM_OK);
	hm_tc_key_free(k);
	hm_buf_free(&csr);
}

static void serial_of(const struct hm_buf *cert, uint8_t serial[HM_TC_SERIAL_LEN])
{
	gnutls_x509_crt_t c;
	gnutls_datum_t d = { cert->data, (unsigned)cert->len };
	size_t n = HM_TC_SERIAL_LEN;

	CHECK(gnutls_x509_crt_init(&c) == 0);
	CHECK(gnutls_x509_crt_import(c, &d, GNUTLS_X509_FMT_DER) == 0);
	CHECK(gnutls_x509_crt_get_serial(c, serial, &n) == 0);
	CHECK_EQ(n, HM_TC_SERIAL_LEN);
	gnutls_x509_crt_deinit(c);
}

static void test_crl_reasons(void)
{
	static const uint8_t reasons[] = { 0, 1, 2, 3, 4, 5, 6, 8, 9, 10 };
	struct hm_tc_crl_entry e[sizeof(reasons)];
	struct hm_tc_ca *ca = make_ca("crl test CA");
	struct hm_buf der;
	gnutls_x509_crl_t crl;
	gnutls_datum_t d;
	uint8_t r;

	hm_buf_init(&der);
	memset(e, 0, sizeof(e));
	for (size_t i = 0; i < sizeof(reasons); i++) {
		e[i].serial[0] = 0x40;
		e[i].serial[15] = (uint8_t)i;
		e[i].revoked_at = T0 + i;
		e[i].reason = reasons[i];
	}
	CHECK_ERR(hm_tc_crl_build(ca, T0 + 100, T0 + 86400, e, sizeof(reasons), &der), HM_OK);
	CHECK(gnutls_x509_crl_init(&crl) == 0);
	d.data = der.data;
	d.size = (unsigned)der.len;
	CHECK(gnutls_x509_crl_import(crl, &d, GNUTLS_X509_FMT_DER) == 0);
	CHECK_EQ(gnutls_x509_crl_get_crt_count(crl), (int)sizeof(reasons));
	CHECK_EQ(gnutls_x509_crl_get_this_update(crl), (time_t)(T0 + 100));
	CHECK_EQ(gnutls_x509_crl_get_next_update(crl), (time_t)(T0 + 86400));
	gnutls_x509_crl_deinit(crl);
	for (size_t i = 0; i < sizeof(reasons); i++) {
		CHECK_ERR(hm_tc_crl_find(der.data, der.len, e[i].serial, HM_TC_SERIAL_LEN, &r),
		          HM_OK);
		CHECK_EQ(r, reasons[i]);
	}
	e[0].serial[15] = 0x77; /* not listed */
	CHECK_ERR(hm_tc_crl_find(der.data, der.len, e[0].serial, HM_TC_SERIAL_LEN, &r),
	          HM_ERR_NOT_FOUND);

	/* reasons RFC 5280 does not define, and 7, are refused; der is left alone */
	{
		size_t len = der.len;
		e[1].reason = 7;
		CHECK_ERR(hm_tc_crl_build(ca, T0, T0 + 1, e, 2, &der), HM_ERR_INVALID);
		e[1].reason = 11;
		CHECK_ERR(hm_tc_crl_build(ca, T0, T0 + 1, e, 2, &der), HM_ERR_INVALID);
		CHECK_ERR(hm_tc_crl_build(ca, T0 + 1, T0, e, 0, &der), HM_ERR_INVALID);
		CHECK_EQ(der.len, len);
	}

	/* an empty CRL has no revokedCertificates; years from 2050 are GeneralizedTime */
	der.len = 0;
	CHECK_ERR(hm_tc_crl_build(ca, 2600000000ull, 2600086400ull, NULL, 0, &der), HM_OK);
	CHECK(gnutls_x509_crl_init(&crl) == 0);
	d.data = der.data;
	d.size = (unsigned)der.len;
	CHECK(gnutls_x509_crl_import(crl, &d, GNUTLS_X509_FMT_DER) == 0);
	CHECK_EQ(gnutls_x509_crl_get_crt_count(crl), 0);
	CHECK_EQ(gnutls_x509_crl_get_this_update(crl), (time_t)2600000000ull);
	gnutls_x509_crl_deinit(crl);
	CHECK_ERR(hm_tc_crl_find(der.data, der.len, e[0].serial, HM_TC_SERIAL_LEN, &r),
	          HM_ERR_NOT_FOUND);

	hm_buf_free(&der);
	hm_tc_ca_free(ca);
}

static void test_crl_check(void)
{
	struct hm_tc_ca *ca = make_ca("issuing CA"), *other = make_ca("another CA");
	struct hm_buf a, b, crl, other_crl, bad;
	struct hm_tc_crl_entry e;
	const uint8_t *ca_der, *other_der;
	size_t ca_len, other_len;
	int revoked;
	uint8_t reason;

	hm_buf_init(&a);
	hm_buf_init(&b);
	hm_buf_init(&crl);
	hm_buf_init(&other_crl);
	hm_buf_init(&bad);
	hm_tc_ca_cert(ca, &ca_der, &ca_len);
	hm_tc_ca_cert(other, &other_der, &other_len);
	issue(ca, "a", &a);
	issue(ca, "b", &b);
	memset(&e, 0, sizeof(e));
	serial_of(&a, e.serial);
	e.revoked_at = T0 + 50;
	e.reason = 1; /* keyCompromise */
	CHECK_ERR(hm_tc_crl_build(ca, T0 + 100, T0 + 86400, &e, 1, &crl), HM_OK);

	CHECK_ERR(hm_tc_crl_check(crl.data, crl.len, ca_der, ca_len, a.data, a.len, T0 + 200,
	                          &revoked, &reason),
	          HM_OK);
	CHECK_EQ(revoked, 1);
	CHECK_EQ(reason, 1);
	CHECK_ERR(hm_tc_crl_check(crl.data, crl.len, ca_der, ca_len, b.data, b.len, T0 + 200,
	                          &revoked, &reason),
	          HM_OK);
	CHECK_EQ(revoked, 0);
	/* not current: before thisUpdate, after nextUpdate */
	CHECK_ERR(hm_tc_crl_check(crl.data, crl.len, ca_der, ca_len, a.data, a.len, T0 + 99,
	                          &revoked, &reason),
	          HM_ERR_RANGE);
	CHECK_ERR(hm_tc_crl_check(crl.data, crl.len, ca_der, ca_len, a.data, a.len, T0 + 86401,
	                          &revoked, &reason),
	          HM_ERR_RANGE);
	/* another CA's CRL (even listing the serial) does not speak for a's issuer */
	CHECK_ERR(hm_tc_crl_build(other, T0 + 100, T0 + 86400, &e, 1, &other_crl), HM_OK);
	CHECK_ERR(hm_tc_crl_check(other_crl.data, other_crl.len, ca_der, ca_len, a.data, a.len,
	                          T0 + 200, &revoked, &reason),
	          HM_ERR_VERIFY);
	CHECK_ERR(hm_tc_crl_check(other_crl.data, other_crl.len, other_der, other_len, a.data,
	                          a.len, T0 + 200, &revoked, &reason),
	          HM_ERR_VERIFY);
	/* a flipped byte in the signed part: the signature fails (or it does not parse) */
	for (size_t off = 4; off < crl.len - 70; off += 11) {
		bad.len = 0;
		CHECK_ERR(hm_buf_append(&bad, crl.data, crl.len), HM_OK);
		bad.data[off] ^= 0x01;
		CHECK(hm_tc_crl_check(bad.data, bad.len, ca_der, ca_len, a.data, a.len, T0 + 200,
		                      &revoked, &reason) != HM_OK);
	}
	/* truncations never parse */
	for (size_t cut = 0; cut < crl.len; cut++)
		CHECK(hm_tc_crl_find(crl.data, cut, e.serial, HM_TC_SERIAL_LEN, &reason) != HM_OK);

	hm_buf_free(&a);
	hm_buf_free(&b);
	hm_buf_free(&crl);
	hm_buf_free(&other_crl);
	hm_buf_free(&bad);
	hm_tc_ca_free(ca);
	hm_tc_ca_free(other);
}

/* A CA with a PQ key signs its CRLs twice; both signatures are checked. */
static void test_crl_pq(void)
{
	struct hm_tc_key *k, *stranger;
	struct hm_tc_ca *ca, *classical = make_ca("classical CA");
	struct hm_buf root, a, crl, classical_crl, pk;
	struct hm_tc_crl_entry e;
	const uint8_t *spk;
	size_t spk_len;
	enum hm_sig_alg alg, salg;
	int revoked;
	uint8_t reason;

	hm_buf_init(&root);
	hm_buf_init(&a);
	hm_buf_init(&crl);
	hm_buf_init(&classical_crl);
	hm_buf_init(&pk);
	CHECK_ERR(hm_tc_key_generate(HM_SIG_MLDSA87, &k), HM_OK);
	CHECK_ERR(hm_tc_key_generate(HM_SIG_MLDSA87, &stranger), HM_OK);
	CHECK_ERR(hm_tc_root_create(k, "hybrid CA", T0, 3650 * 86400ull, &root, &ca), HM_OK);
	issue(ca, "a", &a);
	memset(&e, 0, sizeof(e));
	serial_of(&a, e.serial);
	e.reason = 4;
	CHECK_ERR(hm_tc_crl_build(ca, T0 + 100, T0 + 86400, &e, 1, &crl), HM_OK);
	CHECK_ERR(hm_tc_cert_alt_key(root.data, root.len, &alg, &pk), HM_OK);
	CHECK_ERR(hm_tc_crl_alt_verify(crl.data, crl.len, alg, pk.data, pk.len), HM_OK);
	CHECK_ERR(hm_tc_crl_check(crl.data, crl.len, root.data, root.len, a.data, a.len, T0 + 200,
	                          &revoked, &reason),
	          HM_OK);
	CHECK_EQ(revoked, 1);
	CHECK_EQ(reason, 4);
	/* another PQ key, or another algorithm named: refused */
	CHECK_ERR(hm_tc_key_pq_public(stranger, &salg, &spk, &spk_len), HM_OK);
	CHECK_ERR(hm_tc_crl_alt_verify(crl.data, crl.len, salg, spk, spk_len), HM_ERR_VERIFY);
	CHECK_ERR(hm_tc_crl_alt_verify(crl.data, crl.len, HM_SIG_FALCON1024, pk.data, pk.len),
	          HM_ERR_VERIFY);
	/* a classical CA's CRL has no alternative signature */
	CHECK_ERR(hm_tc_crl_build(classical, T0 + 100, T0 + 86400, &e, 1, &classical_crl), HM_OK);
	CHECK_ERR(hm_tc_crl_alt_verify(classical_crl.data, classical_crl.len, alg, pk.data, pk.len),
	          HM_ERR_NOT_FOUND);
	/* a flipped bit in the PQ signature (inside the signed TBS): refused either way */
	for (size_t off = crl.len - 200; off > crl.len - 2000; off -= 301) {
		struct hm_buf bad;
		hm_buf_init(&bad);
		CHECK_ERR(hm_buf_append(&bad, crl.data, crl.len), HM_OK);
		bad.data[off] ^= 0x04;
		CHECK(hm_tc_crl_alt_verify(bad.data, bad.len, alg, pk.data, pk.len) != HM_OK);
		CHECK(hm_tc_crl_check(bad.data, bad.len, root.data, root.len, a.data, a.len,
		                      T0 + 200, &revoked, &reason) != HM_OK);
		hm_buf_free(&bad);
	}
	hm_tc_key_free(stranger);
	hm_tc_ca_free(ca);
	hm_tc_ca_free(classical);
	hm_buf_free(&root);
	hm_buf_free(&a);
	hm_buf_free(&crl);
	hm_buf_free(&classical_crl);
	hm_buf_free(&pk);
}

static void test_crl_reason_names(void)
{
	uint8_t r = 99;

	CHECK_ERR(hm_tc_crl_reason_from_name("keyCompromise", &r), HM_OK);
	CHECK_EQ(r, 1);
	CHECK_ERR(hm_tc_crl_reason_from_name("certificateHold", &r), HM_OK);
	CHECK_EQ(r, 6);
	CHECK_ERR(hm_tc_crl_reason_from_name("keycompromise", &r), HM_ERR_INVALID);
	CHECK_ERR(hm_tc_crl_reason_from_name("", &r), HM_ERR_INVALID);
	CHECK_STR(hm_tc_crl_reason_name(5), "cessationOfOperation");
	CHECK(hm_tc_crl_reason_name(7) == NULL);
	CHECK(hm_tc_crl_reason_name(11) == NULL);
}

TEST_MAIN(test_crl_reasons, test_crl_check, test_crl_pq, test_crl_reason_names)
