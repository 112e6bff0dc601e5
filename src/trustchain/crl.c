/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Certificate revocation lists (RFC 5280 §5), built in DER here rather than
 * through GnuTLS: GnuTLS's CRL writer has no call for CRL entry extensions,
 * and every entry must carry its reasonCode (2.5.29.21). The TBSCertList is
 * encoded with der.c and signed with the CA's Ed25519 key through GnuTLS's
 * abstract signer, the same key object that signs certificates.
 *
 * Checking a certificate against a CRL uses GnuTLS for what it does well
 * (the CRL's signature, issuer name and serial match) and our own walker
 * for the entry's reason code, which GnuTLS does not expose either.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "der.h"
#include "hypermesh/error.h"
#include "hypermesh/trustchain.h"
#include "tc.h"

/*
 * GnuTLS judges a CRL's dates by the wall clock even with time checks off
 * (SUPERSEDED once nextUpdate has passed, with INVALID beside it); we judge
 * them at the caller's time instead, so these bits alone are no refusal. A
 * bad signature or a wrong signer sets bits of its own.
 */
#define TIME_STATUS                                                           \
	(GNUTLS_CERT_INVALID | GNUTLS_CERT_REVOCATION_DATA_SUPERSEDED |       \
	 GNUTLS_CERT_REVOCATION_DATA_ISSUED_IN_FUTURE | GNUTLS_CERT_EXPIRED | \
	 GNUTLS_CERT_NOT_ACTIVATED)

static const uint8_t oid_ed25519[] = { 0x2b, 0x65, 0x70 };     /* 1.3.101.112, RFC 8410 */
static const uint8_t oid_reason_code[] = { 0x55, 0x1d, 0x15 }; /* 2.5.29.21 */
static const uint8_t oid_crl_number[] = { 0x55, 0x1d, 0x14 };  /* 2.5.29.20 */
static const uint8_t oid_aki[] = { 0x55, 0x1d, 0x23 };         /* 2.5.29.35 */

int hm_tc_crl_reason_from_name(const char *name, uint8_t *reason)
{
	static const char *const names[] = {
		"unspecified",     "keyCompromise",
		"cACompromise",    "affiliationChanged",
		"superseded",      "cessationOfOperation",
		"certificateHold", NULL, /* 7 is not used */
		"removeFromCRL",   "privilegeWithdrawn",
		"aACompromise",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i] != NULL && strcmp(names[i], name) == 0) {
			*reason = (uint8_t)i;
			return HM_OK;
		}
	}
	return HM_ERR_INVALID;
}

const char *hm_tc_crl_reason_name(uint8_t reason)
{
	static const char *const names[] = {
		"unspecified",   "keyCompromise",        "cACompromise",    "affiliationChanged",
		"superseded",    "cessationOfOperation", "certificateHold", NULL,
		"removeFromCRL", "privilegeWithdrawn",   "aACompromise",
	};
	return reason < sizeof(names) / sizeof(names[0]) ? names[reason] : NULL;
}

/* RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
static int put_time(struct hm_buf *out, uint64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[20];
	int n;

	if (t > HM_TC_TIME_MAX || gmtime_r(&tt, &tm) == NULL)
		return HM_ERR_RANGE;
	if (tm.tm_year + 1900 < 2050)
		n = snprintf(s, sizeof(s), "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100,
		             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		n = snprintf(s, sizeof(s), "%04d%02d%02d%02d%02d%02dZ", tm.tm_year + 1900,
		             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return der_put(out, tm.tm_year + 1900 < 2050 ? DER_UTCTIME : DER_GENTIME, s, (size_t)n);
}

/* Extension ::= SEQUENCE { extnID, extnValue OCTET STRING } (never critical here). */
static int put_extension(struct hm_buf *out, const uint8_t *oid, size_t oid_len,
                         const struct hm_buf *value)
{
	struct hm_buf body;
	int rc;

	hm_buf_init(&body);
	if ((rc = der_put(&body, DER_OID, oid, oid_len)) == HM_OK &&
	    (rc = der_put(&body, DER_OCTETS, value->data, value->len)) == HM_OK)
		rc = der_put(out, DER_SEQUENCE, body.data, body.len);
	hm_buf_free(&body);
	return rc;
}

static int put_entry(struct hm_buf *out, const struct hm_tc_crl_entry *e)
{
	struct hm_buf body, ext, value;
	int rc;

	if (e->reason > 10 || e->reason == 7)
		return HM_ERR_INVALID;
	hm_buf_init(&body);
	hm_buf_init(&ext);
	hm_buf_init(&value);
	if ((rc = der_put_uint(&body, e->serial, HM_TC_SERIAL_LEN)) != HM_OK ||
	    (rc = put_time(&body, e->revoked_at)) != HM_OK)
		goto out;
	/* §5.3.1: unspecified (0) is written as an absent reasonCode */
	if (e->reason != 0) {
		if ((rc = der_put(&value, DER_ENUMERATED, &e->reason, 1)) != HM_OK ||
		    (rc = put_extension(&ext, oid_reason_code, sizeof(oid_reason_code), &value)) !=
		            HM_OK ||
		    (rc = der_put(&body, DER_SEQUENCE, ext.data, ext.len)) != HM_OK)
			goto out;
	}
	rc = der_put(out, DER_SEQUENCE, body.data, body.len);
out:
	hm_buf_free(&body);
	hm_buf_free(&ext);
	hm_buf_free(&value);
	return rc;
}

/* crlExtensions: authorityKeyIdentifier (the CA's SKI) and cRLNumber. */
static int put_crl_extensions(struct hm_buf *out, const struct hm_tc_ca *ca, uint64_t number)
{
	struct hm_buf exts, value, aki;
	uint8_t ski[64], num[8];
	size_t ski_len = sizeof(ski);
	unsigned crit;
	int rc;

	if (gnutls_x509_crt_get_subject_key_id(ca->crt, ski, &ski_len, &crit) < 0)
		return HM_ERR_INVALID; /* every TrustChain CA has one */
	for (int i = 0; i < 8; i++)
		num[i] = (uint8_t)(number >> (56 - 8 * i));
	hm_buf_init(&exts);
	hm_buf_init(&value);
	hm_buf_init(&aki);
	/* AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING } */
	if ((rc = der_put(&aki, 0x80, ski, ski_len)) != HM_OK ||
	    (rc = der_put(&value, DER_SEQUENCE, aki.data, aki.len)) != HM_OK ||
	    (rc = put_extension(&exts, oid_aki, sizeof(oid_aki), &value)) != HM_OK)
		goto out;
	value.len = 0;
	if ((rc = der_put_uint(&value, num, sizeof(num))) != HM_OK ||
	    (rc = put_extension(&exts, oid_crl_number, sizeof(oid_crl_number), &value)) != HM_OK)
		goto out;
	value.len = 0;
	if ((rc = der_put(&value, DER_SEQUENCE, exts.data, exts.len)) == HM_OK)
		rc = der_put(out, DER_CTX0, value.data, value.len);
out:
	hm_buf_free(&exts);
	hm_buf_free(&value);
	hm_buf_free(&aki);
	return rc;
}

int hm_tc_crl_build(const struct hm_tc_ca *ca, uint64_t this_update, uint64_t next_update,
                    const struct hm_tc_crl_entry *entries, size_t n, struct hm_buf *der)
{
	static const uint8_t version[] = { 1 }; /* v2 */
	struct der_cert issuer;
	struct hm_buf tbs, body, list, alg, whole;
	gnutls_datum_t data, sig = { NULL, 0 };
	size_t old;
	int rc;

	if (ca == NULL || der == NULL || (n > 0 && entries == NULL) || next_update < this_update)
		return HM_ERR_INVALID;
	if ((rc = der_cert_parse(ca->der, ca->der_len, &issuer)) != HM_OK)
		return rc;
	old = der->len;
	hm_buf_init(&tbs);
	hm_buf_init(&body);
	hm_buf_init(&list);
	hm_buf_init(&alg);
	hm_buf_init(&whole);
	/* AlgorithmIdentifier { id-Ed25519 }, parameters absent (RFC 8410 §3) */
	if ((rc = der_put(&alg, DER_OID, oid_ed25519, sizeof(oid_ed25519))) != HM_OK ||
	    (rc = der_put(&whole, DER_SEQUENCE, alg.data, alg.len)) != HM_OK)
		goto out;
	alg.len = 0;
	if ((rc = hm_buf_append(&alg, whole.data, whole.len)) != HM_OK)
		goto out;
	whole.len = 0;
	if ((rc = der_put(&body, DER_INTEGER, version, 1)) != HM_OK ||
	    (rc = hm_buf_append(&body, alg.data, alg.len)) != HM_OK ||
	    (rc = hm_buf_append(&body, issuer.subject.start, issuer.subject.len)) != HM_OK ||
	    (rc = put_time(&body, this_update)) != HM_OK ||
	    (rc = put_time(&body, next_update)) != HM_OK)
		goto out;
	for (size_t i = 0; i < n; i++)
		if ((rc = put_entry(&list, &entries[i])) != HM_OK)
			goto out;
	/* an empty revokedCertificates is omitted, not encoded as an empty SEQUENCE */
	if (n > 0 && (rc = der_put(&body, DER_SEQUENCE, list.data, list.len)) != HM_OK)
		goto out;
	if ((rc = put_crl_extensions(&body, ca, this_update)) != HM_OK ||
	    (rc = der_put(&tbs, DER_SEQUENCE, body.data, body.len)) != HM_OK)
		goto out;
	data.data = tbs.data;
	data.size = (unsigned)tbs.len;
	if (gnutls_privkey_sign_data2(ca->key->priv, GNUTLS_SIGN_EDDSA_ED25519, 0, &data, &sig) <
	    0) {
		rc = HM_ERR_CRYPTO;
		goto out;
	}
	if ((rc = hm_buf_append(&whole, tbs.data, tbs.len)) != HM_OK ||
	    (rc = hm_buf_append(&whole, alg.data, alg.len)) != HM_OK ||
	    (rc = der_put_header(&whole, DER_BITSTRING, sig.size + 1)) != HM_OK ||
	    (rc = hm_buf_append_byte(&whole, 0)) != HM_OK ||
	    (rc = hm_buf_append(&whole, sig.data, sig.size)) != HM_OK)
		goto out;
	rc = der_put(der, DER_SEQUENCE, whole.data, whole.len);
out:
	if (rc != HM_OK)
		der->len = old;
	gnutls_free(sig.data);
	hm_buf_free(&tbs);
	hm_buf_free(&body);
	hm_buf_free(&list);
	hm_buf_free(&alg);
	hm_buf_free(&whole);
	return rc;
}

/* The contents of an INTEGER without sign padding, for comparing serials. */
static void integer_magnitude(const uint8_t **p, size_t *n)
{
	while (*n > 1 && (*p)[0] == 0) {
		(*p)++;
		(*n)--;
	}
}

static int is_time(const struct der_elem *e)
{
	return e->tag == DER_UTCTIME || e->tag == DER_GENTIME;
}

/* The reason of one revokedCertificates entry (0 when it has no reasonCode). */
static int entry_reason(struct der_cursor *entry, uint8_t *reason)
{
	struct der_elem exts, value, en;
	int rc;

	*reason = 0;
	if (der_cursor_done(entry))
		return HM_OK;
	if ((rc = der_expect(entry, DER_SEQUENCE, &exts)) != HM_OK)
		return rc;
	if (!der_cursor_done(entry))
		return HM_ERR_TRAILING;
	rc = der_extensions_find(&exts, oid_reason_code, sizeof(oid_reason_code), &value, NULL);
	if (rc == HM_ERR_NOT_FOUND)
		return HM_OK;
	if (rc != HM_OK)
		return rc;
	if ((rc = der_parse_one(value.body, value.body_len, DER_ENUMERATED, &en)) != HM_OK)
		return rc;
	if (en.body_len != 1 || en.body[0] > 10 || en.body[0] == 7)
		return HM_ERR_ENCODING;
	*reason = en.body[0];
	return HM_OK;
}

int hm_tc_crl_find(const uint8_t *crl, size_t len, const uint8_t *serial, size_t serial_len,
                   uint8_t *reason)
{
	struct der_elem top, tbs, e, list;
	struct der_cursor c, t, entries;
	int found = 0, rc;

	if (crl == NULL || serial == NULL || serial_len == 0 || reason == NULL)
		return HM_ERR_INVALID;
	integer_magnitude(&serial, &serial_len);
	if ((rc = der_parse_one(crl, len, DER_SEQUENCE, &top)) != HM_OK)
		return rc;
	der_cursor_inside(&c, &top);
	if ((rc = der_expect(&c, DER_SEQUENCE, &tbs)) != HM_OK ||
	    (rc = der_expect(&c, DER_SEQUENCE, &e)) != HM_OK ||
	    (rc = der_expect(&c, DER_BITSTRING, &e)) != HM_OK)
		return rc;
	if (!der_cursor_done(&c))
		return HM_ERR_TRAILING;
	der_cursor_inside(&t, &tbs);
	if ((rc = der_next(&t, &e)) != HM_OK)
		return rc;
	if (e.tag == DER_INTEGER && (rc = der_next(&t, &e)) != HM_OK) /* version, optional */
		return rc;
	if (e.tag != DER_SEQUENCE) /* signature */
		return HM_ERR_ENCODING;
	if ((rc = der_expect(&t, DER_SEQUENCE, &e)) != HM_OK || /* issuer */
	    (rc = der_next(&t, &e)) != HM_OK)
		return rc;
	if (!is_time(&e))
		return HM_ERR_ENCODING;
	memset(&list, 0, sizeof(list));
	while (!der_cursor_done(&t)) {
		if ((rc = der_next(&t, &e)) != HM_OK)
			return rc;
		if (is_time(&e) && list.start == NULL) /* nextUpdate */
			continue;
		if (e.tag == DER_SEQUENCE && list.start == NULL) {
			list = e;
			continue;
		}
		if (e.tag != DER_CTX0 || !der_cursor_done(&t))
			return HM_ERR_ENCODING;
	}
	if (list.start == NULL)
		return HM_ERR_NOT_FOUND;
	der_cursor_inside(&entries, &list);
	while (!der_cursor_done(&entries)) {
		struct der_elem entry, num, when;
		struct der_cursor x;
		const uint8_t *p;
		size_t n;
		uint8_t r;

		if ((rc = der_expect(&entries, DER_SEQUENCE, &entry)) != HM_OK)
			return rc;
		der_cursor_inside(&x, &entry);
		if ((rc = der_expect(&x, DER_INTEGER, &num)) != HM_OK ||
		    (rc = der_next(&x, &when)) != HM_OK)
			return rc;
		if (num.body_len == 0 || !is_time(&when))
			return HM_ERR_ENCODING;
		if ((rc = entry_reason(&x, &r)) != HM_OK)
			return rc;
		p = num.body;
		n = num.body_len;
		integer_magnitude(&p, &n);
		if (n == serial_len && memcmp(p, serial, n) == 0) {
			if (found)
				return HM_ERR_ENCODING; /* a serial listed twice */
			found = 1;
			*reason = r;
		}
	}
	return found ? HM_OK : HM_ERR_NOT_FOUND;
}

int hm_tc_crl_check(const uint8_t *crl, size_t crl_len, const uint8_t *issuer, size_t issuer_len,
                    const uint8_t *cert, size_t cert_len, uint64_t at_time, int *revoked,
                    uint8_t *reason)
{
	gnutls_x509_crl_t c = NULL;
	gnutls_x509_crt_t ic = NULL, lc = NULL;
	gnutls_datum_t d = { (unsigned char *)crl, (unsigned)crl_len };
	unsigned status = 0;
	uint8_t serial[64];
	size_t serial_len = sizeof(serial);
	time_t this_update, next_update;
	int rc, grc;

	if (crl == NULL || issuer == NULL || cert == NULL || revoked == NULL || reason == NULL ||
	    crl_len == 0 || crl_len > HM_TC_CRL_MAX)
		return HM_ERR_INVALID;
	*revoked = 0;
	*reason = 0;
	if ((rc = tc_crt_import(issuer, issuer_len, &ic)) != HM_OK ||
	    (rc = tc_crt_import(cert, cert_len, &lc)) != HM_OK)
		goto out;
	if (gnutls_x509_crl_init(&c) < 0) {
		rc = HM_ERR_NOMEM;
		goto out;
	}
	if ((grc = gnutls_x509_crl_import(c, &d, GNUTLS_X509_FMT_DER)) < 0) {
		rc = tc_gnutls_err(grc);
		goto out;
	}
	/* the CRL must be signed by the certificate's issuer; times are judged below, at at_time */
	if (gnutls_x509_crt_check_issuer(lc, ic) != 1 ||
	    gnutls_x509_crl_verify(c, &ic, 1, GNUTLS_VERIFY_DISABLE_TIME_CHECKS, &status) < 0 ||
	    (status & ~TIME_STATUS) != 0) {
		rc = HM_ERR_VERIFY;
		goto out;
	}
	this_update = gnutls_x509_crl_get_this_update(c);
	next_update = gnutls_x509_crl_get_next_update(c);
	if (this_update == (time_t)-1 || (uint64_t)this_update > at_time ||
	    (next_update != (time_t)-1 && (uint64_t)next_update < at_time)) {
		rc = HM_ERR_RANGE; /* a CRL from the future or a stale one vouches for nothing */
		goto out;
	}
	if ((grc = gnutls_x509_crt_check_revocation(lc, &c, 1)) < 0) {
		rc = tc_gnutls_err(grc);
		goto out;
	}
	if (gnutls_x509_crt_get_serial(lc, serial, &serial_len) < 0) {
		rc = HM_ERR_ENCODING;
		goto out;
	}
	/* our walker must agree with GnuTLS, and it gives the reason */
	rc = hm_tc_crl_find(crl, crl_len, serial, serial_len, reason);
	if (rc == HM_ERR_NOT_FOUND)
		rc = grc == 1 ? HM_ERR_CORRUPT : HM_OK;
	else if (rc == HM_OK)
		rc = grc == 1 ? HM_OK : HM_ERR_CORRUPT;
	if (rc == HM_OK)
		*revoked = grc == 1;
out:
	if (c != NULL)
		gnutls_x509_crl_deinit(c);
	if (ic != NULL)
		gnutls_x509_crt_deinit(ic);
	if (lc != NULL)
		gnutls_x509_crt_deinit(lc);
	return rc;
}
