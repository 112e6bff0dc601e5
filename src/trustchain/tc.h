/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the files of hm_trustchain. */
#ifndef HM_TRUSTCHAIN_TC_H
#define HM_TRUSTCHAIN_TC_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"
#include "hypermesh/sig.h"
#include "hypermesh/trustchain.h"

extern const uint8_t tc_oid_alt_key[3];   /* 2.5.29.72 */
extern const uint8_t tc_oid_alt_alg[3];   /* 2.5.29.73 */
extern const uint8_t tc_oid_alt_value[3]; /* 2.5.29.74 */

#define TC_OID_ALT_KEY   "2.5.29.72"
#define TC_OID_ALT_ALG   "2.5.29.73"
#define TC_OID_ALT_VALUE "2.5.29.74"

/* DER of SubjectAltPublicKeyInfo for (alg, pk). */
int tc_alt_key_encode(enum hm_sig_alg alg, const uint8_t *pk, size_t pk_len, struct hm_buf *out);
/* DER of AlgorithmIdentifier { oid(alg) } (altSignatureAlgorithm). */
int tc_alt_alg_encode(enum hm_sig_alg alg, struct hm_buf *out);
/* DER of BIT STRING { sig } (altSignatureValue). */
int tc_alt_value_encode(const uint8_t *sig, size_t sig_len, struct hm_buf *out);
/* Parses an AlgorithmIdentifier carrying one of our PQ OIDs (no parameters). */
int tc_alg_decode(const uint8_t *der, size_t len, enum hm_sig_alg *alg);

/* Parses a SubjectAltPublicKeyInfo; *pk points into der. Errors as hm_tc_cert_alt_key. */
int tc_alt_key_decode(const uint8_t *der, size_t len, enum hm_sig_alg *alg, const uint8_t **pk,
                      size_t *pk_len);
/* Maps a GnuTLS error to an hm code (HM_ERR_NOMEM, HM_ERR_ENCODING, HM_ERR_CRYPTO). */
int tc_gnutls_err(int gnutls_rc);

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#define TC_OID_TX_SIGNING "2.25.306084639226123473202686354906227508828.2.1"

struct hm_tc_key {
	gnutls_x509_privkey_t ed;
	gnutls_privkey_t priv;  /* wraps ed */
	enum hm_sig_alg pq_alg; /* 0: none */
	uint8_t *pq_pk, *pq_sk;
	size_t pq_pk_len, pq_sk_len;
};

struct hm_tc_ca {
	gnutls_x509_crt_t crt;
	struct hm_tc_key *key;
	uint8_t *der;
	size_t der_len;
	char *crl_url;
};

/* Imports a DER CSR (at most HM_TC_CSR_MAX bytes) into a fresh crq. */
int tc_crq_import(const uint8_t *csr, size_t len, gnutls_x509_crq_t *out);
/* hm_tc_csr_check on an imported CSR (csr is its DER, for the strict-DER check). */
int tc_crq_check(gnutls_x509_crq_t crq, const uint8_t *csr, size_t csr_len,
                 enum hm_tc_profile profile);

/* Imports DER into a fresh crt. */
int tc_crt_import(const uint8_t *der, size_t len, gnutls_x509_crt_t *out);

#endif
