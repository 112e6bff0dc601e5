/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DER walker and the alternative-key extension parser on malformed input
 * of every kind: bad lengths, bad tags, trailing bytes, and well-formed
 * certificates whose PQ extensions are wrong in each way.
 */
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "hypermesh/trustchain.h"
#include "test.h"
#include "trustchain/der.h"

static void test_der_lengths(void)
{
	struct der_elem e;
	static const uint8_t ok[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };
	static const uint8_t ok_long[] = { 0x04, 0x81, 0x80 };
	uint8_t long_form[3 + 0x80];

	CHECK_ERR(der_parse_one(ok, sizeof(ok), DER_SEQUENCE, &e), HM_OK);
	CHECK_EQ(e.body_len, 3);
	CHECK_ERR(der_parse_one(ok, sizeof(ok), DER_SET, &e), HM_ERR_ENCODING);
	CHECK_ERR(der_parse_one(ok, 4, DER_SEQUENCE, &e), HM_ERR_TRUNCATED);
	CHECK_ERR(der_parse_one(ok, 1, DER_SEQUENCE, &e), HM_ERR_TRUNCATED);
	CHECK_ERR(der_parse_one(ok, 0, DER_SEQUENCE, &e), HM_ERR_TRUNCATED);
	{
		uint8_t trailing[6];
		memcpy(trailing, ok, 5);
		trailing[5] = 0;
		CHECK_ERR(der_parse_one(trailing, 6, DER_SEQUENCE, &e), HM_ERR_TRAILING);
	}
	/* indefinite length, a length of 5 bytes, a leading zero, long form for a short length */
	CHECK_ERR(der_parse_one((const uint8_t[]){ 0x30, 0x80, 0, 0 }, 4, DER_SEQUENCE, &e),
	          HM_ERR_ENCODING);
	CHECK_ERR(
	        der_parse_one((const uint8_t[]){ 0x30, 0x85, 1, 0, 0, 0, 0 }, 7, DER_SEQUENCE, &e),
	        HM_ERR_ENCODING);
	CHECK_ERR(der_parse_one((const uint8_t[]){ 0x30, 0x82, 0, 0x80 }, 4, DER_SEQUENCE, &e),
	          HM_ERR_ENCODING);
	CHECK_ERR(der_parse_one((const uint8_t[]){ 0x30, 0x81, 0x05, 2, 1, 5, 2, 1 }, 8,
	                        DER_SEQUENCE, &e),
	          HM_ERR_ENCODING);
	/* high tag number form */
	CHECK_ERR(der_parse_one((const uint8_t[]){ 0x1f, 0x81, 0x00 }, 3, 0x1f, &e),
	          HM_ERR_ENCODING);
	/* a length beyond the input */
	CHECK_ERR(der_parse_one(ok_long, sizeof(ok_long), DER_OCTETS, &e), HM_ERR_TRUNCATED);
	memset(long_form, 0, sizeof(long_form));
	long_form[0] = 0x04;
	long_form[1] = 0x81;
	long_form[2] = 0x80;
	CHECK_ERR(der_parse_one(long_form, sizeof(long_form), DER_OCTETS, &e), HM_OK);
	CHECK_EQ(e.body_len, 0x80);
	/* the writer makes minimal lengths that the reader accepts */
	{
		struct hm_buf b;
		static uint8_t body[70000];
		size_t sizes[] = { 0, 1, 127, 128, 255, 256, 65535, 65536, 70000 };
		hm_buf_init(&b);
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			b.len = 0;
			CHECK_ERR(der_put(&b, DER_OCTETS, body, sizes[i]), HM_OK);
			CHECK_ERR(der_parse_one(b.data, b.len, DER_OCTETS, &e), HM_OK);
			CHECK_EQ(e.body_len, sizes[i]);
		}
		hm_buf_free(&b);
	}
}

/* A self-signed Ed25519 certificate with extension 2.5.29.72 = value (NULL: none). */
static void make_cert(const uint8_t *value, size_t len, struct hm_buf *out)
{
	gnutls_x509_privkey_t key;
	gnutls_privkey_t priv;
	gnutls_x509_crt_t crt;
	gnutls_datum_t d = { NULL, 0 };
	uint8_t serial[1] = { 1 };

	CHECK(gnutls_x509_privkey_init(&key) == 0);
	CHECK(gnutls_x509_privkey_generate(key, GNUTLS_PK_EDDSA_ED25519,
	                                   GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519), 0) == 0);
	CHECK(gnutls_privkey_init(&priv) == 0);
	CHECK(gnutls_privkey_import_x509(priv, key, 0) == 0);
	CHECK(gnutls_x509_crt_init(&crt) == 0);
	CHECK(gnutls_x509_crt_set_version(crt, 3) == 0);
	CHECK(gnutls_x509_crt_set_serial(crt, serial, 1) == 0);
	CHECK(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "t", 1) == 0);
	CHECK(gnutls_x509_crt_set_activation_time(crt, 1790000000) == 0);
	CHECK(gnutls_x509_crt_set_expiration_time(crt, 1800000000) == 0);
	CHECK(gnutls_x509_crt_set_key(crt, key) == 0);
	if (value != NULL)
		CHECK(gnutls_x509_crt_set_extension_by_oid(crt, "2.5.29.72", value, len, 0) == 0);
	CHECK(gnutls_x509_crt_privkey_sign(crt, crt, priv, GNUTLS_DIG_SHA512, 0) == 0);
	CHECK(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &d) == 0);
	out->len = 0;
	CHECK_ERR(hm_buf_append(out, d.data, d.size), HM_OK);
	gnutls_free(d.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_privkey_deinit(priv);
	gnutls_x509_privkey_deinit(key);
}

/* SEQUENCE { SEQUENCE { OID oid }, BIT STRING { unused, key } } */
static size_t alt_value(uint8_t *out, const uint8_t *oid, size_t oid_len, uint8_t unused,
                        size_t key_len, int params)
{
	struct hm_buf alg, body, whole;
	static uint8_t key[4000];
	size_t n;

	hm_buf_init(&alg);
	hm_buf_init(&body);
	hm_buf_init(&whole);
	CHECK_ERR(der_put(&alg, DER_OID, oid, oid_len), HM_OK);
	if (params)
		CHECK_ERR(der_put(&alg, DER_NULL, NULL, 0), HM_OK);
	CHECK_ERR(der_put(&body, DER_SEQUENCE, alg.data, alg.len), HM_OK);
	CHECK_ERR(der_put_header(&body, DER_BITSTRING, key_len + 1), HM_OK);
	CHECK_ERR(hm_buf_append_byte(&body, unused), HM_OK);
	CHECK_ERR(hm_buf_append(&body, key, key_len), HM_OK);
	CHECK_ERR(der_put(&whole, DER_SEQUENCE, body.data, body.len), HM_OK);
	memcpy(out, whole.data, whole.len);
	n = whole.len;
	hm_buf_free(&alg);
	hm_buf_free(&body);
	hm_buf_free(&whole);
	return n;
}

static void test_alt_key_malformed(void)
{
	const uint8_t *oid;
	size_t oid_len, n;
	static uint8_t v[5000];
	struct hm_buf cert, pk;
	enum hm_sig_alg alg;
	static const uint8_t unknown_oid[] = { 0x2b, 0x06, 0x01, 0x04, 0x01 };

	hm_buf_init(&cert);
	hm_buf_init(&pk);
	CHECK_ERR(hm_tc_alg_oid(HM_SIG_MLDSA87, &oid, &oid_len), HM_OK);
	CHECK_ERR(hm_tc_alg_oid(HM_SIG_ED25519, &oid, &oid_len), HM_ERR_UNSUPPORTED);
	CHECK_ERR(hm_tc_alg_oid(HM_SIG_MLDSA87, &oid, &oid_len), HM_OK);

	n = alt_value(v, oid, oid_len, 0, 2592, 0); /* well formed */
	make_cert(v, n, &cert);
	CHECK_ERR(hm_tc_cert_alt_key(cert.data, cert.len, &alg, &pk), HM_OK);
	CHECK_EQ(pk.len, 2592);
	pk.len = 0;

	n = alt_value(v, oid, oid_len, 0, 2591, 0); /* a key one byte short */
	make_cert(v, n, &cert);
	CHECK_ERR(hm_tc_cert_alt_key(cert.data, cert.len, &alg, &pk), HM_ERR_LENGTH);
	n = alt_value(v, oid, oid_len, 3, 2592, 0); /* unused bits in the BIT STRING */
	make_cert(v, n, &cert);
	CHECK_ERR(hm_tc_cert_alt_key(cert.data, cert.len, &alg, &pk), HM_ERR_ENCODING);
	n = alt_value(v, oid, oid_len, 0, 2592, 1); /* parameters present */
	make_cert(v, n, &cert);
	CHECK_ERR(hm_tc_cert_alt_key(cert.data, cert.len, &alg, &pk), HM_ERR_ENCODING);
	n = alt_value(v, unknown_oid, sizeof(unknown_oid), 0, 32, 0); /* an OID we do not know */
	make_cert(v, n, &cert);
	CHECK_ERR(hm_tc_cert_alt_key(cert.data, cert.len, &alg, &pk), HM_ERR_UNSUPPORTED);
	v[n] = 0; /* trailing byte inside the extension value */
	make_cert(v, n + 1, &cert);
	CHECK_ERR(hm_tc_cert_alt_key(cert.data, cert.len, &alg, &pk), HM_ERR_TRAILING);
	make_cert((const uint8_t[]){ 0x05, 0x00 }, 2, &cert); /* a NULL, not a SEQUENCE */
	CHECK_ERR(hm_tc_cert_alt_key(cert.data, cert.len, &alg, &pk), HM_ERR_ENCODING);
	make_cert(NULL, 0, &cert); /* no extension: classical only */
	CHECK_ERR(hm_tc_cert_alt_key(cert.data, cert.len, &alg, &pk), HM_ERR_NOT_FOUND);
	{
		static const uint8_t some_key[2592];
		CHECK_ERR(hm_tc_cert_alt_verify(cert.data, cert.len, HM_SIG_MLDSA87, some_key,
		                                sizeof(some_key)),
		          HM_ERR_NOT_FOUND);
	}
	CHECK_EQ(pk.len, 0); /* refusals leave the output alone */

	/* every truncation of a certificate is refused without reading past it */
	n = alt_value(v, oid, oid_len, 0, 2592, 0);
	make_cert(v, n, &cert);
	for (size_t cut = 0; cut < cert.len; cut++) {
		int rc = hm_tc_cert_alt_key(cert.data, cut, &alg, &pk);
		CHECK(rc != HM_OK);
		if (rc == HM_OK)
			break;
	}
	CHECK_EQ(pk.len, 0);
	hm_buf_free(&cert);
	hm_buf_free(&pk);
}

TEST_MAIN(test_der_lengths, test_alt_key_malformed)
