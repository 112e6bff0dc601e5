/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ITU-T X.509 (10/2019) alternative-key extensions: encoding them,
 * finding them in a certificate, and the preTBSCertificate their signature
 * covers. Pure DER work, so the PQ half of a certificate can be read by
 * modules that never touch GnuTLS (the four-proofs verifier).
 */
#include <string.h>

#include "der.h"
#include "hypermesh/error.h"
#include "hypermesh/trustchain.h"
#include "tc.h"

const uint8_t tc_oid_alt_key[3] = { 0x55, 0x1d, 0x48 };
const uint8_t tc_oid_alt_alg[3] = { 0x55, 0x1d, 0x49 };
const uint8_t tc_oid_alt_value[3] = { 0x55, 0x1d, 0x4a };

static const uint8_t oid_mldsa44[] = { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x11 };
static const uint8_t oid_mldsa65[] = { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x12 };
static const uint8_t oid_mldsa87[] = { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x13 };
/* HM_ARC.1.1 = 2.25.306084639226123473202686354906227508828.1.1: experimental, see trustchain.h. */
static const uint8_t oid_falcon1024[] = { 0x69, 0x83, 0xcc, 0xc5, 0xe0, 0xf6, 0xa5, 0xfc,
	                                  0xca, 0xb0, 0xb7, 0x9e, 0xcd, 0x8c, 0x91, 0xfe,
	                                  0xe8, 0xc6, 0x8c, 0x5c, 0x01, 0x01 };

static const struct {
	enum hm_sig_alg alg;
	const uint8_t *oid;
	size_t len;
} alg_oids[] = {
	{ HM_SIG_MLDSA44, oid_mldsa44, sizeof(oid_mldsa44) },
	{ HM_SIG_MLDSA65, oid_mldsa65, sizeof(oid_mldsa65) },
	{ HM_SIG_MLDSA87, oid_mldsa87, sizeof(oid_mldsa87) },
	{ HM_SIG_FALCON1024, oid_falcon1024, sizeof(oid_falcon1024) },
};

int hm_tc_alg_oid(enum hm_sig_alg alg, const uint8_t **oid, size_t *len)
{
	for (size_t i = 0; i < sizeof(alg_oids) / sizeof(alg_oids[0]); i++) {
		if (alg_oids[i].alg == alg) {
			*oid = alg_oids[i].oid;
			*len = alg_oids[i].len;
			return HM_OK;
		}
	}
	return HM_ERR_UNSUPPORTED;
}

static int alg_from_oid(const struct der_elem *e, enum hm_sig_alg *alg)
{
	for (size_t i = 0; i < sizeof(alg_oids) / sizeof(alg_oids[0]); i++) {
		if (der_oid_equal(e, alg_oids[i].oid, alg_oids[i].len)) {
			*alg = alg_oids[i].alg;
			return HM_OK;
		}
	}
	return HM_ERR_UNSUPPORTED;
}

int tc_alt_alg_encode(enum hm_sig_alg alg, struct hm_buf *out)
{
	const uint8_t *oid;
	size_t n;
	int rc;

	if ((rc = hm_tc_alg_oid(alg, &oid, &n)) != HM_OK)
		return rc;
	if ((rc = der_put_header(out, DER_SEQUENCE, 2 + n)) != HM_OK)
		return rc;
	return der_put(out, DER_OID, oid, n);
}

int tc_alt_key_encode(enum hm_sig_alg alg, const uint8_t *pk, size_t pk_len, struct hm_buf *out)
{
	struct hm_buf alg_id, body;
	int rc;

	hm_buf_init(&alg_id);
	hm_buf_init(&body);
	if ((rc = tc_alt_alg_encode(alg, &alg_id)) != HM_OK ||
	    (rc = hm_buf_append(&body, alg_id.data, alg_id.len)) != HM_OK ||
	    (rc = der_put_header(&body, DER_BITSTRING, pk_len + 1)) != HM_OK ||
	    (rc = hm_buf_append_byte(&body, 0)) != HM_OK ||
	    (rc = hm_buf_append(&body, pk, pk_len)) != HM_OK)
		goto out;
	rc = der_put(out, DER_SEQUENCE, body.data, body.len);
out:
	hm_buf_free(&alg_id);
	hm_buf_free(&body);
	return rc;
}

int tc_alt_value_encode(const uint8_t *sig, size_t sig_len, struct hm_buf *out)
{
	int rc;

	if ((rc = der_put_header(out, DER_BITSTRING, sig_len + 1)) != HM_OK)
		return rc;
	if ((rc = hm_buf_append_byte(out, 0)) != HM_OK)
		return rc;
	return hm_buf_append(out, sig, sig_len);
}

/* AlgorithmIdentifier with one of our OIDs and absent parameters. */
static int alg_id_decode(const struct der_elem *seq, enum hm_sig_alg *alg)
{
	struct der_cursor c;
	struct der_elem oid;
	int rc;

	if (seq->tag != DER_SEQUENCE)
		return HM_ERR_ENCODING;
	der_cursor_inside(&c, seq);
	if ((rc = der_expect(&c, DER_OID, &oid)) != HM_OK)
		return rc;
	if (!der_cursor_done(&c))
		return HM_ERR_ENCODING; /* PQ identifiers take no parameters */
	return alg_from_oid(&oid, alg);
}

int tc_alg_decode(const uint8_t *der, size_t len, enum hm_sig_alg *alg)
{
	struct der_elem seq;
	int rc;

	if ((rc = der_parse_one(der, len, DER_SEQUENCE, &seq)) != HM_OK)
		return rc;
	return alg_id_decode(&seq, alg);
}

/* The contents of a BIT STRING with no unused bits. */
static int bitstring_bytes(const struct der_elem *e, const uint8_t **p, size_t *n)
{
	if (e->tag != DER_BITSTRING || e->body_len < 1 || e->body[0] != 0)
		return HM_ERR_ENCODING;
	*p = e->body + 1;
	*n = e->body_len - 1;
	return HM_OK;
}

int tc_alt_key_decode(const uint8_t *der, size_t len, enum hm_sig_alg *alg, const uint8_t **pk,
                      size_t *pk_len)
{
	struct der_elem spki, alg_seq, bits;
	struct der_cursor c;
	const struct hm_sig_info *info;
	const uint8_t *key;
	size_t key_len;
	enum hm_sig_alg found;
	int rc;

	if ((rc = der_parse_one(der, len, DER_SEQUENCE, &spki)) != HM_OK)
		return rc;
	der_cursor_inside(&c, &spki);
	if ((rc = der_expect(&c, DER_SEQUENCE, &alg_seq)) != HM_OK ||
	    (rc = der_expect(&c, DER_BITSTRING, &bits)) != HM_OK)
		return rc;
	if (!der_cursor_done(&c))
		return HM_ERR_TRAILING;
	if ((rc = alg_id_decode(&alg_seq, &found)) != HM_OK ||
	    (rc = bitstring_bytes(&bits, &key, &key_len)) != HM_OK)
		return rc;
	info = hm_sig_info(found);
	if (info == NULL)
		return HM_ERR_UNSUPPORTED;
	if (key_len != info->pk_len)
		return HM_ERR_LENGTH;
	*alg = found;
	*pk = key;
	*pk_len = key_len;
	return HM_OK;
}

int hm_tc_cert_alt_key(const uint8_t *der, size_t len, enum hm_sig_alg *alg, struct hm_buf *pk)
{
	struct der_cert cert;
	struct der_elem value;
	const uint8_t *key;
	size_t key_len;
	enum hm_sig_alg found;
	int rc;

	if (der == NULL || alg == NULL || pk == NULL)
		return HM_ERR_INVALID;
	if ((rc = der_cert_parse(der, len, &cert)) != HM_OK ||
	    (rc = der_cert_extension(&cert, tc_oid_alt_key, sizeof(tc_oid_alt_key), &value,
	                             NULL)) != HM_OK ||
	    (rc = tc_alt_key_decode(value.body, value.body_len, &found, &key, &key_len)) != HM_OK)
		return rc;
	if ((rc = hm_buf_append(pk, key, key_len)) != HM_OK)
		return rc;
	*alg = found;
	return HM_OK;
}

/* Appends the Extensions SEQUENCE of c without altSignatureValue. */
static int extensions_without_alt_value(const struct der_cert *c, struct hm_buf *out)
{
	struct der_cursor list;
	struct hm_buf body;
	int rc = HM_OK;

	hm_buf_init(&body);
	der_cursor_inside(&list, &c->extensions);
	while (!der_cursor_done(&list)) {
		struct der_elem ext, id;
		struct der_cursor x;

		if ((rc = der_expect(&list, DER_SEQUENCE, &ext)) != HM_OK)
			goto out;
		der_cursor_inside(&x, &ext);
		if ((rc = der_expect(&x, DER_OID, &id)) != HM_OK)
			goto out;
		if (der_oid_equal(&id, tc_oid_alt_value, sizeof(tc_oid_alt_value)))
			continue;
		if ((rc = hm_buf_append(&body, ext.start, ext.len)) != HM_OK)
			goto out;
	}
	rc = der_put(out, DER_SEQUENCE, body.data, body.len);
out:
	hm_buf_free(&body);
	return rc;
}

int hm_tc_cert_pre_tbs(const uint8_t *der, size_t len, struct hm_buf *out)
{
	struct der_cert cert;
	struct der_cursor tbs;
	struct hm_buf body, exts;
	size_t old = out->len;
	int rc;

	if (der == NULL || out == NULL)
		return HM_ERR_INVALID;
	if ((rc = der_cert_parse(der, len, &cert)) != HM_OK)
		return rc;
	hm_buf_init(&body);
	hm_buf_init(&exts);
	der_cursor_inside(&tbs, &cert.tbs);
	while (!der_cursor_done(&tbs)) {
		struct der_elem e;

		if ((rc = der_next(&tbs, &e)) != HM_OK)
			goto out;
		if (e.start == cert.tbs_sig_alg.start)
			continue; /* §7.2.2: the signature component is omitted */
		if (e.tag == DER_CTX3) {
			hm_buf_free(&exts);
			if ((rc = extensions_without_alt_value(&cert, &exts)) != HM_OK ||
			    (rc = der_put(&body, DER_CTX3, exts.data, exts.len)) != HM_OK)
				goto out;
			continue;
		}
		if ((rc = hm_buf_append(&body, e.start, e.len)) != HM_OK)
			goto out;
	}
	rc = der_put(out, DER_SEQUENCE, body.data, body.len);
out:
	if (rc != HM_OK)
		out->len = old;
	hm_buf_free(&body);
	hm_buf_free(&exts);
	return rc;
}

int hm_tc_cert_alt_verify(const uint8_t *der, size_t len, enum hm_sig_alg alg, const uint8_t *pk,
                          size_t pk_len)
{
	struct der_cert cert;
	struct der_elem alg_value, sig_value, alg_seq, bits;
	const uint8_t *sig;
	size_t sig_len;
	enum hm_sig_alg named;
	struct hm_buf pre;
	int rc;

	if (der == NULL || pk == NULL)
		return HM_ERR_INVALID;
	if ((rc = der_cert_parse(der, len, &cert)) != HM_OK)
		return rc;
	if ((rc = der_cert_extension(&cert, tc_oid_alt_alg, sizeof(tc_oid_alt_alg), &alg_value,
	                             NULL)) != HM_OK ||
	    (rc = der_cert_extension(&cert, tc_oid_alt_value, sizeof(tc_oid_alt_value), &sig_value,
	                             NULL)) != HM_OK)
		return rc;
	if ((rc = der_parse_one(alg_value.body, alg_value.body_len, DER_SEQUENCE, &alg_seq)) !=
	            HM_OK ||
	    (rc = alg_id_decode(&alg_seq, &named)) != HM_OK)
		return rc == HM_ERR_UNSUPPORTED ? HM_ERR_VERIFY : rc;
	if (named != alg)
		return HM_ERR_VERIFY;
	if ((rc = der_parse_one(sig_value.body, sig_value.body_len, DER_BITSTRING, &bits)) !=
	            HM_OK ||
	    (rc = bitstring_bytes(&bits, &sig, &sig_len)) != HM_OK)
		return rc;
	hm_buf_init(&pre);
	if ((rc = hm_tc_cert_pre_tbs(der, len, &pre)) == HM_OK)
		rc = hm_sig_verify(alg, pk, pk_len, sig, sig_len, pre.data, pre.len);
	hm_buf_free(&pre);
	if (rc == HM_ERR_LENGTH)
		rc = HM_ERR_VERIFY;
	return rc;
}

/* ---- proof of possession of a CSR's PQ key ---- */

/* pkcs-9-at-extensionRequest, 1.2.840.113549.1.9.14 (RFC 2985 §5.4.2) */
static const uint8_t oid_extension_request[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7,
	                                         0x0d, 0x01, 0x09, 0x0e };

/*
 * The CertificationRequestInfo of a DER CSR and, when it has one, the
 * Extensions SEQUENCE of its extensionRequest attribute (RFC 2986 §4.1:
 * attributes [0] IMPLICIT SET OF Attribute; the attribute's values are a
 * SET holding one Extensions).
 */
static int csr_split(const uint8_t *csr, size_t len, struct der_elem *cri, struct der_elem *exts,
                     int *has_exts)
{
	struct der_elem top, alg, sig, e;
	struct der_cursor c, i, attrs;
	int rc;

	*has_exts = 0;
	if ((rc = der_parse_one(csr, len, DER_SEQUENCE, &top)) != HM_OK)
		return rc;
	der_cursor_inside(&c, &top);
	if ((rc = der_expect(&c, DER_SEQUENCE, cri)) != HM_OK ||
	    (rc = der_expect(&c, DER_SEQUENCE, &alg)) != HM_OK ||
	    (rc = der_expect(&c, DER_BITSTRING, &sig)) != HM_OK)
		return rc;
	if (!der_cursor_done(&c))
		return HM_ERR_TRAILING;
	der_cursor_inside(&i, cri);
	if ((rc = der_expect(&i, DER_INTEGER, &e)) != HM_OK ||
	    (rc = der_expect(&i, DER_SEQUENCE, &e)) != HM_OK ||
	    (rc = der_expect(&i, DER_SEQUENCE, &e)) != HM_OK)
		return rc;
	if (der_cursor_done(&i))
		return HM_OK;
	if ((rc = der_expect(&i, DER_CTX0, &e)) != HM_OK)
		return rc;
	if (!der_cursor_done(&i))
		return HM_ERR_TRAILING;
	der_cursor_inside(&attrs, &e);
	while (!der_cursor_done(&attrs)) {
		struct der_elem attr, type, values;
		struct der_cursor a, v;

		if ((rc = der_expect(&attrs, DER_SEQUENCE, &attr)) != HM_OK)
			return rc;
		der_cursor_inside(&a, &attr);
		if ((rc = der_expect(&a, DER_OID, &type)) != HM_OK ||
		    (rc = der_expect(&a, DER_SET, &values)) != HM_OK)
			return rc;
		if (!der_cursor_done(&a))
			return HM_ERR_TRAILING;
		if (!der_oid_equal(&type, oid_extension_request, sizeof(oid_extension_request)))
			continue;
		if (*has_exts)
			return HM_ERR_ENCODING; /* two extensionRequest attributes */
		der_cursor_inside(&v, &values);
		if ((rc = der_expect(&v, DER_SEQUENCE, exts)) != HM_OK)
			return rc;
		if (!der_cursor_done(&v))
			return HM_ERR_ENCODING; /* exactly one value */
		*has_exts = 1;
	}
	return HM_OK;
}

/* Appends e with every run of its contents copied except the element skip (may be NULL). */
static int put_without(struct hm_buf *out, const struct der_elem *e, const struct der_elem *skip)
{
	struct hm_buf body;
	struct der_cursor c;
	int rc = HM_OK;

	hm_buf_init(&body);
	der_cursor_inside(&c, e);
	while (!der_cursor_done(&c) && rc == HM_OK) {
		struct der_elem x;

		if ((rc = der_next(&c, &x)) != HM_OK)
			break;
		if (skip == NULL || x.start != skip->start)
			rc = hm_buf_append(&body, x.start, x.len);
	}
	if (rc == HM_OK)
		rc = der_put(out, e->tag, body.data, body.len);
	hm_buf_free(&body);
	return rc;
}

/* The Extension element (SEQUENCE) of exts whose OID is oid, or HM_ERR_NOT_FOUND. */
static int extension_elem(const struct der_elem *exts, const uint8_t *oid, size_t n,
                          struct der_elem *out)
{
	struct der_cursor list;

	der_cursor_inside(&list, exts);
	while (!der_cursor_done(&list)) {
		struct der_elem ext, id;
		struct der_cursor x;
		int rc;

		if ((rc = der_expect(&list, DER_SEQUENCE, &ext)) != HM_OK)
			return rc;
		der_cursor_inside(&x, &ext);
		if ((rc = der_expect(&x, DER_OID, &id)) != HM_OK)
			return rc;
		if (der_oid_equal(&id, oid, n)) {
			*out = ext;
			return HM_OK;
		}
	}
	return HM_ERR_NOT_FOUND;
}

/*
 * Re-encodes a constructed element e with the one element `inner` (found at
 * any depth on the path path[0..depth)) replaced by `repl` (already encoded).
 * Lengths of every enclosing element are recomputed.
 */
static int put_replacing(struct hm_buf *out, const struct der_elem *e,
                         const struct der_elem *const *path, size_t depth,
                         const struct hm_buf *repl)
{
	struct hm_buf body;
	struct der_cursor c;
	int rc = HM_OK;

	if (depth == 0)
		return hm_buf_append(out, repl->data, repl->len);
	hm_buf_init(&body);
	der_cursor_inside(&c, e);
	while (!der_cursor_done(&c) && rc == HM_OK) {
		struct der_elem x;

		if ((rc = der_next(&c, &x)) != HM_OK)
			break;
		if (x.start == path[0]->start)
			rc = put_replacing(&body, &x, path + 1, depth - 1, repl);
		else
			rc = hm_buf_append(&body, x.start, x.len);
	}
	if (rc == HM_OK)
		rc = der_put(out, e->tag, body.data, body.len);
	hm_buf_free(&body);
	return rc;
}

int hm_tc_csr_pre_cri(const uint8_t *csr, size_t len, struct hm_buf *out)
{
	struct der_elem cri, exts, value;
	int has_exts, rc;
	size_t old;

	if (csr == NULL || out == NULL)
		return HM_ERR_INVALID;
	old = out->len;
	if ((rc = csr_split(csr, len, &cri, &exts, &has_exts)) != HM_OK)
		return rc;
	if (!has_exts ||
	    extension_elem(&exts, tc_oid_alt_value, sizeof(tc_oid_alt_value), &value) != HM_OK)
		return hm_buf_append(out, cri.start, cri.len);
	{
		/* CRI > attributes [0] > Attribute > SET > Extensions: find each level */
		struct der_cursor i, attrs;
		struct der_elem e, attrs_elem, attr, values;
		const struct der_elem *path[4];
		struct hm_buf repl;

		der_cursor_inside(&i, &cri);
		while ((rc = der_next(&i, &e)) == HM_OK && e.tag != DER_CTX0)
			;
		if (rc != HM_OK)
			return rc;
		attrs_elem = e;
		der_cursor_inside(&attrs, &attrs_elem);
		do {
			if ((rc = der_next(&attrs, &attr)) != HM_OK)
				return rc;
		} while (!(attr.start < exts.start && exts.start < attr.start + attr.len));
		{
			struct der_cursor a;
			der_cursor_inside(&a, &attr);
			if ((rc = der_next(&a, &e)) != HM_OK ||
			    (rc = der_next(&a, &values)) != HM_OK)
				return rc;
		}
		path[0] = &attrs_elem;
		path[1] = &attr;
		path[2] = &values;
		path[3] = &exts;
		hm_buf_init(&repl);
		if ((rc = put_without(&repl, &exts, &value)) == HM_OK)
			rc = put_replacing(out, &cri, path, 4, &repl);
		hm_buf_free(&repl);
	}
	if (rc != HM_OK)
		out->len = old;
	return rc;
}

int hm_tc_csr_alt_verify(const uint8_t *csr, size_t len)
{
	struct der_elem cri, exts, key_v, alg_v, sig_v, alg_seq, bits;
	const uint8_t *pk, *sig;
	size_t pk_len, sig_len;
	enum hm_sig_alg key_alg, named;
	struct hm_buf pre;
	int has_exts, rc;

	if (csr == NULL)
		return HM_ERR_INVALID;
	if ((rc = csr_split(csr, len, &cri, &exts, &has_exts)) != HM_OK)
		return rc;
	if (!has_exts)
		return HM_ERR_NOT_FOUND;
	rc = der_extensions_find(&exts, tc_oid_alt_key, sizeof(tc_oid_alt_key), &key_v, NULL);
	if (rc != HM_OK)
		return rc;
	if ((rc = tc_alt_key_decode(key_v.body, key_v.body_len, &key_alg, &pk, &pk_len)) != HM_OK)
		return rc;
	/* a hybrid request must prove possession of its PQ key */
	rc = der_extensions_find(&exts, tc_oid_alt_alg, sizeof(tc_oid_alt_alg), &alg_v, NULL);
	if (rc == HM_OK)
		rc = der_extensions_find(&exts, tc_oid_alt_value, sizeof(tc_oid_alt_value), &sig_v,
		                         NULL);
	if (rc == HM_ERR_NOT_FOUND)
		return HM_ERR_INVALID;
	if (rc != HM_OK)
		return rc;
	if ((rc = der_parse_one(alg_v.body, alg_v.body_len, DER_SEQUENCE, &alg_seq)) != HM_OK ||
	    (rc = alg_id_decode(&alg_seq, &named)) != HM_OK)
		return rc == HM_ERR_UNSUPPORTED ? HM_ERR_VERIFY : rc;
	if (named != key_alg)
		return HM_ERR_VERIFY; /* self-signed: the algorithm of the requested key */
	if ((rc = der_parse_one(sig_v.body, sig_v.body_len, DER_BITSTRING, &bits)) != HM_OK ||
	    (rc = bitstring_bytes(&bits, &sig, &sig_len)) != HM_OK)
		return rc;
	hm_buf_init(&pre);
	if ((rc = hm_tc_csr_pre_cri(csr, len, &pre)) == HM_OK)
		rc = hm_sig_verify(key_alg, pk, pk_len, sig, sig_len, pre.data, pre.len);
	hm_buf_free(&pre);
	if (rc == HM_ERR_LENGTH)
		rc = HM_ERR_VERIFY;
	return rc;
}
