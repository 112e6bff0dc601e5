/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal DER reader and writer for the parts of X.509 that GnuTLS does not
 * expose: the raw TBSCertificate, the preTBSCertificate of ITU-T X.509
 * (10/2019) §7.2.2, and the alternative-key extensions. Definite lengths
 * only, lengths in minimal form, no indefinite forms (DER, X.690 §10).
 * Private to hm_trustchain.
 */
#ifndef HM_TRUSTCHAIN_DER_H
#define HM_TRUSTCHAIN_DER_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"

#define DER_BOOLEAN    0x01
#define DER_INTEGER    0x02
#define DER_BITSTRING  0x03
#define DER_OCTETS     0x04
#define DER_NULL       0x05
#define DER_OID        0x06
#define DER_SEQUENCE   0x30
#define DER_SET        0x31
#define DER_CTX0       0xa0 /* [0] constructed */
#define DER_CTX3       0xa3 /* [3] constructed */
#define DER_ENUMERATED 0x0a
#define DER_UTCTIME    0x17
#define DER_GENTIME    0x18

/* One element: its tag, where its whole encoding starts and ends, its contents. */
struct der_elem {
	uint8_t tag;
	const uint8_t *start; /* first byte of the tag */
	size_t len;           /* tag + length + contents */
	const uint8_t *body;  /* contents */
	size_t body_len;
};

/* A cursor over a run of elements. */
struct der_cursor {
	const uint8_t *p;
	size_t left;
};

void der_cursor_init(struct der_cursor *c, const uint8_t *p, size_t len);
/* Positions a cursor over the contents of e. */
void der_cursor_inside(struct der_cursor *c, const struct der_elem *e);
int der_cursor_done(const struct der_cursor *c);

/*
 * Reads the next element. HM_OK; HM_ERR_TRUNCATED; HM_ERR_ENCODING (multi-byte
 * tags, indefinite or non-minimal lengths). The cursor is unchanged on failure.
 */
int der_next(struct der_cursor *c, struct der_elem *e);

/* Reads the next element and requires tag. HM_ERR_ENCODING on another tag. */
int der_expect(struct der_cursor *c, uint8_t tag, struct der_elem *e);

/* Parses exactly one element filling in[0..len). HM_ERR_TRAILING if bytes follow. */
int der_parse_one(const uint8_t *in, size_t len, uint8_t tag, struct der_elem *e);

/* Appends tag || length || body. */
int der_put(struct hm_buf *out, uint8_t tag, const void *body, size_t body_len);

/* Appends a tag and the length header only; the caller appends body_len bytes. */
int der_put_header(struct hm_buf *out, uint8_t tag, size_t body_len);

/* 1 if the OID element's contents equal the dotted-free encoding oid[0..n). */
int der_oid_equal(const struct der_elem *e, const uint8_t *oid, size_t n);

/*
 * The parts of a Certificate (RFC 5280 §4.1) that TrustChain needs: views into
 * the caller's buffer.
 */
struct der_cert {
	struct der_elem tbs;
	struct der_elem tbs_sig_alg; /* TBSCertificate.signature */
	struct der_elem issuer;
	struct der_elem serial;
	struct der_elem validity;
	struct der_elem subject;
	struct der_elem spki;
	struct der_elem extensions; /* the SEQUENCE OF Extension; body_len 0 when absent */
	int has_extensions;
	struct der_elem sig_alg;
	struct der_elem sig;
};

/* Splits a DER certificate into its parts. HM_OK or a parse error. */
int der_cert_parse(const uint8_t *der, size_t len, struct der_cert *c);

/*
 * Finds the extension with OID oid[0..n) in c. *value gets the contents of its
 * extnValue OCTET STRING, *critical its criticality. HM_OK, HM_ERR_NOT_FOUND,
 * HM_ERR_ENCODING (a malformed extension list or a duplicate OID).
 */
int der_cert_extension(const struct der_cert *c, const uint8_t *oid, size_t n,
                       struct der_elem *value, int *critical);

/* der_cert_extension over any Extensions SEQUENCE (a CSR's extensionRequest). */
int der_extensions_find(const struct der_elem *extensions, const uint8_t *oid, size_t n,
                        struct der_elem *value, int *critical);

/* Appends the unsigned big-endian number be[0..len) as a minimal, positive DER INTEGER. */
int der_put_uint(struct hm_buf *out, const uint8_t *be, size_t len);

/*
 * The subject Name and SubjectPublicKeyInfo of a DER PKCS#10 request (RFC
 * 2986 §4), checking the outer structure. Parse errors as der_next.
 */
int der_csr_parse(const uint8_t *csr, size_t len, struct der_elem *subject, struct der_elem *spki);

#endif
