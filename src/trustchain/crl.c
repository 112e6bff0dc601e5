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

/*
 * crlExtensions: authorityKeyIdentifier (the CA's SKI), cRLNumber and, for a
 * CA with a PQ key, altSignatureAlgorithm and (once made) altSignatureValue.
 */
static int put_crl_extensions(struct hm_buf *out, const struct hm_tc_ca *ca, uint64_t number,
                              const uint8_t *alt_sig, size_t alt_sig_len)
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
	if (ca->key->pq_alg != 0) {
		value.len = 0;
		if ((rc = tc_alt_alg_encode(ca->key->pq_alg, &value)) != HM_OK ||
		    (rc = put_extension(&exts, tc_oid_alt_alg, sizeof(tc_oid_alt_alg), &value)) !=
		            HM_OK)
			goto out;
	}
	if (alt_sig != NULL) {
		value.len = 0;
		if ((rc = tc_alt_value_encode(alt_sig, alt_sig_len, &value)) != HM_OK ||
		    (rc = put_extension(&exts, tc_oid_alt_value, sizeof(tc_oid_alt_value),
		                        &value)) != HM_OK)
			goto out;
	}
	value.len = 0;
	if ((rc = der_put(&value, DER_SEQUENCE, exts.data, exts.len)) == HM_OK)
		rc = der_put(out, DER_CTX0, value.data, value.len);
out:
	hm_buf_free(&exts);
	hm_buf_free(&value);
	hm_buf_free(&aki);
	return rc;
}

/*
 * The PQ alternative signature of a CRL (X.509 (10/2019) §7.10 with the
 * §9.8 extensions): the CA's PQ key signs the preTBSCertList, which is
 * version, issuer, dates, entries and the extensions with
 * altSignatureAlgorithm but without altSignatureValue, with the `signature`
 * AlgorithmIdentifier omitted (as for certificates, §7.2.2).
 */
static int crl_pq_sign(const struct hm_tc_ca *ca, const struct hm_buf *head,
                       const struct hm_buf *mid, uint64_t number, uint8_t **sig, size_t *sig_len)
{
	const struct hm_sig_info *info = hm_sig_info(ca->key->pq_alg);
	struct hm_buf body, pre;
	int rc;

	*sig = NULL;
	hm_buf_init(&body);
	hm_buf_init(&pre);
	if ((rc = hm_buf_append(&body, head->data, head->len)) != HM_OK ||
	    (rc = hm_buf_append(&body, mid->data, mid->len)) != HM_OK ||
	    (rc = put_crl_extensions(&body, ca, number, NULL, 0)) != HM_OK ||
	    (rc = der_put(&pre, DER_SEQUENCE, body.data, body.len)) != HM_OK)
		goto out;
	if ((*sig = malloc(info->sig_max)) == NULL) {
		rc = HM_ERR_NOMEM;
		goto out;
	}
	rc = hm_sig_signer_sign(ca->key->pq_signer, *sig, info->sig_max, sig_len, pre.data,
	                        pre.len);
out:
	if (rc != HM_OK) {
		free(*sig);
		*sig = NULL;
	}
	hm_buf_free(&body);
	hm_buf_free(&pre);
	return rc;
}

int hm_tc_crl_build(const struct hm_tc_ca *ca, uint64_t this_update, uint64_t next_update,
                    const struct hm_tc_crl_entry *entries, size_t n, struct hm_buf *der)
{
	static const uint8_t version[] = { 1 }; /* v2 */
	struct der_cert issuer;
	struct hm_buf head, mid, tbs, body, list, alg, whole;
	gnutls_datum_t data, sig = { NULL, 0 };
	uint8_t *alt_sig = NULL;
	size_t alt_sig_len = 0, old;
	int rc;

	if (ca == NULL || der == NULL || (n > 0 && entries == NULL) || next_update < this_update)
		return HM_ERR_INVALID;
	if ((rc = der_cert_parse(ca->der, ca->der_len, &issuer)) != HM_OK)
		return rc;
	old = der->len;
	hm_buf_init(&head);
	hm_buf_init(&mid);
	hm_buf_init(&tbs);
	hm_buf_init(&body);
	hm_buf_init(&list);
	hm_buf_init(&alg);
	hm_buf_init(&whole);
	/* AlgorithmIdentifier { id-Ed25519 }, parameters absent (RFC 8410 §3) */
	if ((rc = der_put(&whole, DER_OID, oid_ed25519, sizeof(oid_ed25519))) != HM_OK ||
	    (rc = der_put(&alg, DER_SEQUENCE, whole.data, whole.len)) != HM_OK)
		goto out;
	whole.len = 0;
	/* TBSCertList = head || signature || mid || crlExtensions */
	if ((rc = der_put(&head, DER_INTEGER, version, 1)) != HM_OK ||
	    (rc = hm_buf_append(&mid, issuer.subject.start, issuer.subject.len)) != HM_OK ||
	    (rc = put_time(&mid, this_update)) != HM_OK ||
	    (rc = put_time(&mid, next_update)) != HM_OK)
		goto out;
	for (size_t i = 0; i < n; i++)
		if ((rc = put_entry(&list, &entries[i])) != HM_OK)
			goto out;
	/* an empty revokedCertificates is omitted, not encoded as an empty SEQUENCE */
	if (n > 0 && (rc = der_put(&mid, DER_SEQUENCE, list.data, list.len)) != HM_OK)
		goto out;
	if (ca->key->pq_alg != 0 &&
	    (rc = crl_pq_sign(ca, &head, &mid, this_update, &alt_sig, &alt_sig_len)) != HM_OK)
		goto out;
	if ((rc = hm_buf_append(&body, head.data, head.len)) != HM_OK ||
	    (rc = hm_buf_append(&body, alg.data, alg.len)) != HM_OK ||
	    (rc = hm_buf_append(&body, mid.data, mid.len)) != HM_OK ||
	    (rc = put_crl_extensions(&body, ca, this_update, alt_sig, alt_sig_len)) != HM_OK ||
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
	free(alt_sig);
	hm_buf_free(&head);
	hm_buf_free(&mid);
	hm_buf_free(&tbs);
	hm_buf_free(&body);
	hm_buf_free(&list);
	hm_buf_free(&alg);
	hm_buf_free(&whole);
	return rc;
}

int hm_tc_crl_alt_verify(const uint8_t *crl, size_t len, enum hm_sig_alg alg, const uint8_t *pk,
                         size_t pk_len)
{
	struct der_elem top, tbs, e, alg_v, sig_v, alg_seq, bits;
	struct der_cursor c, t;
	struct hm_buf body, pre, exts, ctx;
	enum hm_sig_alg named;
	int seen_sig_alg = 0, found_exts = 0, rc;

	if (crl == NULL || pk == NULL)
		return HM_ERR_INVALID;
	if ((rc = der_parse_one(crl, len, DER_SEQUENCE, &top)) != HM_OK)
		return rc;
	der_cursor_inside(&c, &top);
	if ((rc = der_expect(&c, DER_SEQUENCE, &tbs)) != HM_OK)
		return rc;
	hm_buf_init(&body);
	hm_buf_init(&pre);
	hm_buf_init(&exts);
	hm_buf_init(&ctx);
	der_cursor_inside(&t, &tbs);
	while (!der_cursor_done(&t)) {
		if ((rc = der_next(&t, &e)) != HM_OK)
			goto out;
		if (e.tag == DER_SEQUENCE && !seen_sig_alg) {
			seen_sig_alg = 1; /* the `signature` field: not covered */
			continue;
		}
		if (e.tag != DER_CTX0) {
			if ((rc = hm_buf_append(&body, e.start, e.len)) != HM_OK)
				goto out;
			continue;
		}
		/* crlExtensions [0] { Extensions }: find the alt extensions, drop the value */
		{
			struct der_elem list;
			struct der_cursor x, l;

			der_cursor_inside(&x, &e);
			if ((rc = der_expect(&x, DER_SEQUENCE, &list)) != HM_OK)
				goto out;
			if (!der_cursor_done(&x) || !der_cursor_done(&t)) {
				rc = HM_ERR_ENCODING;
				goto out;
			}
			if ((rc = der_extensions_find(&list, tc_oid_alt_alg, sizeof(tc_oid_alt_alg),
			                              &alg_v, NULL)) != HM_OK ||
			    (rc = der_extensions_find(&list, tc_oid_alt_value,
			                              sizeof(tc_oid_alt_value), &sig_v, NULL)) !=
			            HM_OK)
				goto out;
			der_cursor_inside(&l, &list);
			while (!der_cursor_done(&l)) {
				struct der_elem ext, id;
				struct der_cursor y;

				if ((rc = der_expect(&l, DER_SEQUENCE, &ext)) != HM_OK)
					goto out;
				der_cursor_inside(&y, &ext);
				if ((rc = der_expect(&y, DER_OID, &id)) != HM_OK)
					goto out;
				if (!der_oid_equal(&id, tc_oid_alt_value,
				                   sizeof(tc_oid_alt_value)) &&
				    (rc = hm_buf_append(&exts, ext.start, ext.len)) != HM_OK)
					goto out;
			}
			if ((rc = der_put(&ctx, DER_SEQUENCE, exts.data, exts.len)) != HM_OK ||
			    (rc = der_put(&body, DER_CTX0, ctx.data, ctx.len)) != HM_OK)
				goto out;
			found_exts = 1;
		}
	}
	if (!found_exts) {
		rc = HM_ERR_NOT_FOUND;
		goto out;
	}
	if ((rc = der_parse_one(alg_v.body, alg_v.body_len, DER_SEQUENCE, &alg_seq)) != HM_OK)
		goto out;
	if ((rc = tc_alg_decode(alg_seq.start, alg_seq.len, &named)) != HM_OK || named != alg) {
		rc = rc == HM_OK || rc == HM_ERR_UNSUPPORTED ? HM_ERR_VERIFY : rc;
		goto out;
	}
	if ((rc = der_parse_one(sig_v.body, sig_v.body_len, DER_BITSTRING, &bits)) != HM_OK)
		goto out;
	if (bits.body_len < 1 || bits.body[0] != 0) {
		rc = HM_ERR_ENCODING;
		goto out;
	}
	if ((rc = der_put(&pre, DER_SEQUENCE, body.data, body.len)) != HM_OK)
		goto out;
	rc = hm_sig_verify(alg, pk, pk_len, bits.body + 1, bits.body_len - 1, pre.data, pre.len);
	if (rc == HM_ERR_LENGTH)
		rc = HM_ERR_VERIFY;
out:
	hm_buf_free(&body);
	hm_buf_free(&pre);
	hm_buf_free(&exts);
	hm_buf_free(&ctx);
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
	/* a CA with a PQ key signs its CRLs with it too: both signatures must hold */
	{
		struct hm_buf pk;
		enum hm_sig_alg alg;

		hm_buf_init(&pk);
		rc = hm_tc_cert_alt_key(issuer, issuer_len, &alg, &pk);
		if (rc == HM_OK)
			rc = hm_tc_crl_alt_verify(crl, crl_len, alg, pk.data, pk.len);
		else if (rc == HM_ERR_NOT_FOUND)
			rc = HM_OK; /* a classical issuer */
		hm_buf_free(&pk);
		if (rc == HM_ERR_NOT_FOUND || rc == HM_ERR_VERIFY) {
			rc = HM_ERR_VERIFY;
			goto out;
		}
		if (rc != HM_OK)
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
