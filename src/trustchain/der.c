/* SPDX-License-Identifier: Apache-2.0 */
#include "der.h"

#include <string.h>

#include "hypermesh/error.h"

void der_cursor_init(struct der_cursor *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->left = len;
}

void der_cursor_inside(struct der_cursor *c, const struct der_elem *e)
{
	der_cursor_init(c, e->body, e->body_len);
}

int der_cursor_done(const struct der_cursor *c)
{
	return c->left == 0;
}

int der_next(struct der_cursor *c, struct der_elem *e)
{
	const uint8_t *p = c->p;
	size_t left = c->left, hdr = 2, body_len;

	if (left < 2)
		return HM_ERR_TRUNCATED;
	if ((p[0] & 0x1f) == 0x1f)
		return HM_ERR_ENCODING; /* high tag numbers: not used by X.509 */
	if (p[1] < 0x80) {
		body_len = p[1];
	} else {
		size_t nbytes = p[1] & 0x7f;
		if (nbytes == 0 || nbytes > 4)
			return HM_ERR_ENCODING; /* indefinite, or beyond 4 GiB */
		if (left < 2 + nbytes)
			return HM_ERR_TRUNCATED;
		if (p[2] == 0)
			return HM_ERR_ENCODING; /* leading zero: not minimal */
		body_len = 0;
		for (size_t i = 0; i < nbytes; i++)
			body_len = (body_len << 8) | p[2 + i];
		if (body_len < 0x80)
			return HM_ERR_ENCODING; /* should have used the short form */
		hdr += nbytes;
	}
	if (body_len > left - hdr)
		return HM_ERR_TRUNCATED;
	e->tag = p[0];
	e->start = p;
	e->len = hdr + body_len;
	e->body = p + hdr;
	e->body_len = body_len;
	c->p += e->len;
	c->left -= e->len;
	return HM_OK;
}

int der_expect(struct der_cursor *c, uint8_t tag, struct der_elem *e)
{
	struct der_cursor save = *c;
	int rc = der_next(c, e);

	if (rc != HM_OK)
		return rc;
	if (e->tag != tag) {
		*c = save;
		return HM_ERR_ENCODING;
	}
	return HM_OK;
}

int der_parse_one(const uint8_t *in, size_t len, uint8_t tag, struct der_elem *e)
{
	struct der_cursor c;
	int rc;

	der_cursor_init(&c, in, len);
	if ((rc = der_expect(&c, tag, e)) != HM_OK)
		return rc;
	return der_cursor_done(&c) ? HM_OK : HM_ERR_TRAILING;
}

int der_put_header(struct hm_buf *out, uint8_t tag, size_t body_len)
{
	uint8_t hdr[6];
	size_t n = 0;

	if (body_len > 0xffffffffu)
		return HM_ERR_TOO_LARGE;
	hdr[n++] = tag;
	if (body_len < 0x80) {
		hdr[n++] = (uint8_t)body_len;
	} else {
		size_t bytes = body_len > 0xffffff ? 4
		               : body_len > 0xffff ? 3
		               : body_len > 0xff   ? 2
		                                   : 1;
		hdr[n++] = (uint8_t)(0x80 | bytes);
		for (size_t i = bytes; i-- > 0;)
			hdr[n++] = (uint8_t)(body_len >> (8 * i));
	}
	return hm_buf_append(out, hdr, n);
}

int der_put(struct hm_buf *out, uint8_t tag, const void *body, size_t body_len)
{
	size_t old = out->len;
	int rc = der_put_header(out, tag, body_len);

	if (rc == HM_OK && (rc = hm_buf_append(out, body, body_len)) != HM_OK)
		out->len = old;
	return rc;
}

int der_oid_equal(const struct der_elem *e, const uint8_t *oid, size_t n)
{
	return e->tag == DER_OID && e->body_len == n && memcmp(e->body, oid, n) == 0;
}

int der_cert_parse(const uint8_t *der, size_t len, struct der_cert *c)
{
	struct der_cursor top, tbs;
	struct der_elem whole, e;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = der_parse_one(der, len, DER_SEQUENCE, &whole)) != HM_OK)
		return rc;
	der_cursor_inside(&top, &whole);
	if ((rc = der_expect(&top, DER_SEQUENCE, &c->tbs)) != HM_OK ||
	    (rc = der_expect(&top, DER_SEQUENCE, &c->sig_alg)) != HM_OK ||
	    (rc = der_expect(&top, DER_BITSTRING, &c->sig)) != HM_OK)
		return rc;
	if (!der_cursor_done(&top))
		return HM_ERR_TRAILING;

	der_cursor_inside(&tbs, &c->tbs);
	if ((rc = der_next(&tbs, &e)) != HM_OK)
		return rc;
	if (e.tag == DER_CTX0) { /* version; v3 is the only one with extensions */
		if ((rc = der_expect(&tbs, DER_INTEGER, &c->serial)) != HM_OK)
			return rc;
	} else if (e.tag == DER_INTEGER) {
		c->serial = e;
	} else {
		return HM_ERR_ENCODING;
	}
	if ((rc = der_expect(&tbs, DER_SEQUENCE, &c->tbs_sig_alg)) != HM_OK ||
	    (rc = der_expect(&tbs, DER_SEQUENCE, &c->issuer)) != HM_OK ||
	    (rc = der_expect(&tbs, DER_SEQUENCE, &c->validity)) != HM_OK ||
	    (rc = der_expect(&tbs, DER_SEQUENCE, &c->subject)) != HM_OK ||
	    (rc = der_expect(&tbs, DER_SEQUENCE, &c->spki)) != HM_OK)
		return rc;
	while (!der_cursor_done(&tbs)) {
		if ((rc = der_next(&tbs, &e)) != HM_OK)
			return rc;
		if (e.tag == 0x81 || e.tag == 0x82) /* issuer/subject unique ids */
			continue;
		if (e.tag != DER_CTX3 || c->has_extensions)
			return HM_ERR_ENCODING;
		struct der_cursor x;
		der_cursor_inside(&x, &e);
		if ((rc = der_expect(&x, DER_SEQUENCE, &c->extensions)) != HM_OK)
			return rc;
		if (!der_cursor_done(&x))
			return HM_ERR_TRAILING;
		c->has_extensions = 1;
	}
	return HM_OK;
}

int der_cert_extension(const struct der_cert *c, const uint8_t *oid, size_t n,
                       struct der_elem *value, int *critical)
{
	if (!c->has_extensions)
		return HM_ERR_NOT_FOUND;
	return der_extensions_find(&c->extensions, oid, n, value, critical);
}

int der_extensions_find(const struct der_elem *extensions, const uint8_t *oid, size_t n,
                        struct der_elem *value, int *critical)
{
	struct der_cursor list;
	struct der_elem ext, id, v;
	int found = 0, rc;

	if (extensions->tag != DER_SEQUENCE)
		return HM_ERR_ENCODING;
	der_cursor_inside(&list, extensions);
	while (!der_cursor_done(&list)) {
		struct der_cursor x;
		int crit = 0;

		if ((rc = der_expect(&list, DER_SEQUENCE, &ext)) != HM_OK)
			return rc;
		der_cursor_inside(&x, &ext);
		if ((rc = der_expect(&x, DER_OID, &id)) != HM_OK ||
		    (rc = der_next(&x, &v)) != HM_OK)
			return rc;
		if (v.tag == DER_BOOLEAN) {
			if (v.body_len != 1 || (v.body[0] != 0xff))
				return HM_ERR_ENCODING; /* DER: TRUE is 0xff, FALSE is omitted */
			crit = 1;
			if ((rc = der_next(&x, &v)) != HM_OK)
				return rc;
		}
		if (v.tag != DER_OCTETS || !der_cursor_done(&x))
			return HM_ERR_ENCODING;
		if (der_oid_equal(&id, oid, n)) {
			if (found)
				return HM_ERR_ENCODING; /* RFC 5280 §4.2: at most one instance */
			found = 1;
			*value = v;
			if (critical != NULL)
				*critical = crit;
		}
	}
	return found ? HM_OK : HM_ERR_NOT_FOUND;
}

int der_csr_parse(const uint8_t *csr, size_t len, struct der_elem *subject, struct der_elem *spki)
{
	struct der_elem top, cri, ver, alg, sig;
	struct der_cursor c, i;
	int rc;

	if ((rc = der_parse_one(csr, len, DER_SEQUENCE, &top)) != HM_OK)
		return rc;
	der_cursor_inside(&c, &top);
	if ((rc = der_expect(&c, DER_SEQUENCE, &cri)) != HM_OK ||
	    (rc = der_expect(&c, DER_SEQUENCE, &alg)) != HM_OK ||
	    (rc = der_expect(&c, DER_BITSTRING, &sig)) != HM_OK)
		return rc;
	if (!der_cursor_done(&c))
		return HM_ERR_TRAILING;
	der_cursor_inside(&i, &cri);
	if ((rc = der_expect(&i, DER_INTEGER, &ver)) != HM_OK ||
	    (rc = der_expect(&i, DER_SEQUENCE, subject)) != HM_OK)
		return rc;
	return der_expect(&i, DER_SEQUENCE, spki);
}

int der_put_uint(struct hm_buf *out, const uint8_t *be, size_t len)
{
	uint8_t zero = 0;
	size_t old = out->len;
	int rc;

	while (len > 1 && be[0] == 0) {
		be++;
		len--;
	}
	if (len == 0) {
		be = &zero;
		len = 1;
	}
	if (be[0] & 0x80) { /* a leading zero keeps it positive */
		if ((rc = der_put_header(out, DER_INTEGER, len + 1)) != HM_OK)
			return rc;
		if ((rc = hm_buf_append_byte(out, 0)) == HM_OK)
			rc = hm_buf_append(out, be, len);
	} else {
		rc = der_put(out, DER_INTEGER, be, len);
	}
	if (rc != HM_OK)
		out->len = old;
	return rc;
}
