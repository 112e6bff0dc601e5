/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TrustChain certificates: X.509 v3 through GnuTLS with Ed25519, made hybrid
 * post-quantum by the alternative-key extensions of ITU-T X.509 (10/2019)
 * §9.8 (docs/TRUSTCHAIN.md):
 *
 *   subjectAltPublicKeyInfo 2.5.29.72  SEQUENCE { AlgorithmIdentifier, BIT STRING }
 *                                      the subject's PQ public key
 *   altSignatureAlgorithm   2.5.29.73  AlgorithmIdentifier of the issuer's PQ key
 *   altSignatureValue       2.5.29.74  BIT STRING: the issuer's PQ signature over
 *                                      the preTBSCertificate
 *
 * All three are non-critical: classical verifiers (certtool, openssl) ignore
 * them; hm_tc_chain_verify() checks both signatures at every link. The
 * preTBSCertificate (§7.2.2) is the TBSCertificate without its `signature`
 * AlgorithmIdentifier and without the altSignatureValue extension,
 * re-encoded in DER.
 *
 * PQ algorithm identifiers (no parameters, public key = the raw FIPS 204 /
 * Falcon encoding in the BIT STRING):
 *   ML-DSA-44/65/87  2.16.840.1.101.3.4.3.17/.18/.19  (NIST CSOR)
 *   Falcon-1024      HM_ARC.1.1  EXPERIMENTAL, HyperMesh-private: no NIST
 *                    OID exists yet; it will change when one is assigned.
 * where HM_ARC = 2.25.306084639226123473202686354906227508828, a UUID arc
 * (ITU-T X.667) that needs no registration. HM_ARC.2.1 is the extended key
 * usage "HyperMesh transaction signing".
 */
#ifndef HYPERMESH_TRUSTCHAIN_H
#define HYPERMESH_TRUSTCHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"
#include "hypermesh/sig.h"

#define HM_TC_SERIAL_LEN 16 /* 128-bit serials, top bit clear, never zero */
#define HM_TC_CERT_MAX   (64 * 1024)
#define HM_TC_CSR_MAX    (32 * 1024)
/* The last second X.509 can express (9999-12-31T23:59:59Z): validity ends by then. */
#define HM_TC_TIME_MAX   253402300799ull

/*
 * The subject's PQ public key of a DER certificate (extension 2.5.29.72):
 * *alg gets its algorithm, pk (appended to) the raw key bytes of sig.h.
 * Returns HM_OK; HM_ERR_NOT_FOUND (no such extension: a classical-only
 * certificate); HM_ERR_UNSUPPORTED (an algorithm OID we do not know);
 * HM_ERR_ENCODING / HM_ERR_TRUNCATED / HM_ERR_TRAILING (malformed DER);
 * HM_ERR_LENGTH (key length wrong for the algorithm); buffer errors.
 * pk is unchanged on failure. Pure DER parsing: no GnuTLS, no allocation
 * beyond pk.
 */
int hm_tc_cert_alt_key(const uint8_t *der, size_t len, enum hm_sig_alg *alg, struct hm_buf *pk);

/*
 * Appends the preTBSCertificate of a DER certificate to out. HM_OK; parse
 * errors as hm_tc_cert_alt_key; buffer errors.
 */
int hm_tc_cert_pre_tbs(const uint8_t *der, size_t len, struct hm_buf *out);

/*
 * Checks the alternative signature of a DER certificate with the issuer's PQ
 * key (alg, pk): altSignatureAlgorithm must name alg, and altSignatureValue
 * must be alg's signature over the preTBSCertificate. HM_OK; HM_ERR_NOT_FOUND
 * (the certificate has no altSignatureValue/altSignatureAlgorithm);
 * HM_ERR_VERIFY (wrong algorithm or signature); parse errors; HM_ERR_NOMEM.
 */
int hm_tc_cert_alt_verify(const uint8_t *der, size_t len, enum hm_sig_alg alg, const uint8_t *pk,
                          size_t pk_len) __attribute__((warn_unused_result));

/*
 * Proof of possession of a CSR's PQ key. A CSR that requests a hybrid
 * certificate (extensionRequest holds subjectAltPublicKeyInfo 2.5.29.72)
 * must also request altSignatureAlgorithm (2.5.29.73, the requested key's
 * own algorithm) and altSignatureValue (2.5.29.74): the requested PQ key's
 * signature over the preCertificationRequestInfo, which is the
 * CertificationRequestInfo with altSignatureValue removed from the
 * extensionRequest, re-encoded in DER (the §7.2.2 rule applied to requests).
 */
/* Appends the preCertificationRequestInfo of a DER CSR. HM_OK; parse errors; buffer errors. */
int hm_tc_csr_pre_cri(const uint8_t *csr, size_t len, struct hm_buf *out);
/*
 * Checks the PQ proof of possession of a DER CSR. HM_OK; HM_ERR_NOT_FOUND (a
 * classical request: no 2.5.29.72); HM_ERR_INVALID (2.5.29.72 without
 * 2.5.29.73 or 2.5.29.74); HM_ERR_VERIFY (algorithm differs from the key's,
 * or the signature is wrong); HM_ERR_UNSUPPORTED / HM_ERR_LENGTH (the
 * requested key); DER parse errors; HM_ERR_NOMEM.
 */
int hm_tc_csr_alt_verify(const uint8_t *csr, size_t len) __attribute__((warn_unused_result));

/* The DER OID contents (no tag/length) for alg. HM_OK or HM_ERR_UNSUPPORTED. */
int hm_tc_alg_oid(enum hm_sig_alg alg, const uint8_t **oid, size_t *len);

/* ---- certificate authority (ca.c) ---- */

/* What a leaf certificate is for; stable numbers (they are in ISSUE ops). */
enum hm_tc_profile {
	HM_TC_PROFILE_NODE = 1,       /* node identity: TLS server + client auth */
	HM_TC_PROFILE_TLS_SERVER = 2, /* serverAuth, needs a DNS or IP name */
	HM_TC_PROFILE_TLS_CLIENT = 3, /* clientAuth */
	HM_TC_PROFILE_TX_SIGNING = 4, /* HyperMesh transaction signing (HM_ARC.2.1) */
};

/* The profile's validity (notAfter - notBefore), in seconds; 0 for an unknown profile. */
uint64_t hm_tc_profile_validity(enum hm_tc_profile profile);
/* "node", "tls-server", "tls-client", "tx-signing"; NULL for an unknown profile. */
const char *hm_tc_profile_name(enum hm_tc_profile profile);
/* HM_OK or HM_ERR_INVALID. */
int hm_tc_profile_from_name(const char *name, enum hm_tc_profile *profile);

/*
 * A key pair of a certificate subject: Ed25519 (classical, in GnuTLS) and an
 * optional PQ key (ML-DSA-87 or Falcon-1024 through sig.h). Opaque.
 */
struct hm_tc_key;

/* Generates Ed25519 and, unless pq_alg is 0, a PQ key of pq_alg. */
int hm_tc_key_generate(enum hm_sig_alg pq_alg, struct hm_tc_key **out);
/*
 * Writes the Ed25519 key as PKCS#8 PEM to ed_path and, when there is one, the
 * PQ key to pq_path (format in docs/TRUSTCHAIN.md), both mode 0600, no-clobber.
 * A NULL pq_path leaves the PQ half unwritten (it came from a file already).
 */
int hm_tc_key_save(const struct hm_tc_key *key, const char *ed_path, const char *pq_path);
/* Loads a key; pq_path may be NULL (classical only). */
int hm_tc_key_load(const char *ed_path, const char *pq_path, struct hm_tc_key **out);
void hm_tc_key_free(struct hm_tc_key *key);
/*
 * A classical key from an Ed25519 secret in sig.h's layout (seed || public
 * key), e.g. a node identity, so that it can make CSRs. HM_OK,
 * HM_ERR_INVALID (the public half does not match the seed), HM_ERR_NOMEM.
 */
int hm_tc_key_from_ed25519(const uint8_t sk[64], struct hm_tc_key **out);

/*
 * Gives a classical key the PQ half stored in pq_path (the *.pq.key format
 * of hm_tc_key_save). HM_OK; HM_ERR_EXISTS (key has a PQ half already);
 * HM_ERR_ENCODING / HM_ERR_UNSUPPORTED / HM_ERR_LENGTH (file); file errors.
 * The key is unchanged on failure.
 */
int hm_tc_key_load_pq(struct hm_tc_key *key, const char *pq_path);

/* The PQ half: HM_OK, or HM_ERR_NOT_FOUND when the key has none. pk is borrowed. */
int hm_tc_key_pq_public(const struct hm_tc_key *key, enum hm_sig_alg *alg, const uint8_t **pk,
                        size_t *pk_len);

/* An issuing authority: its certificate and key. Opaque. */
struct hm_tc_ca;

/*
 * Creates a self-signed root CA (pathlen 1) with a random 128-bit serial,
 * valid from not_before (Unix seconds) for validity_s seconds, PQ
 * self-signed when key has a PQ half. ca_out (may be NULL) gets a handle that
 * takes ownership of key; cert_der (appended) the certificate.
 */
int hm_tc_root_create(struct hm_tc_key *key, const char *common_name, uint64_t not_before,
                      uint64_t validity_s, struct hm_buf *cert_der, struct hm_tc_ca **ca_out);

/* Issues an intermediate CA certificate (pathlen 0) for subject_key under root. */
int hm_tc_intermediate_create(const struct hm_tc_ca *root, const struct hm_tc_key *subject_key,
                              const char *common_name, const char *crl_url, uint64_t not_before,
                              uint64_t validity_s, struct hm_buf *cert_der);

/*
 * Makes a CA handle from a DER or PEM certificate and its key (ownership of
 * key passes to the handle, also on failure). crl_url (may be NULL) is put
 * in the CRL distribution point of what it issues.
 */
int hm_tc_ca_new(const uint8_t *cert, size_t cert_len, struct hm_tc_key *key, const char *crl_url,
                 struct hm_tc_ca **out);
void hm_tc_ca_free(struct hm_tc_ca *ca);
/* The CA certificate (DER, borrowed). */
void hm_tc_ca_cert(const struct hm_tc_ca *ca, const uint8_t **der, size_t *len);

/*
 * The request id of an issuance: SHA3-256("hypermesh-tc-issue-v1" || u8
 * profile || u64 not_before || csr DER). The serial is its first 16 bytes
 * with the top bit cleared and the next one set (a positive 16-byte DER
 * INTEGER, never zero). Same request, same serial: duplicates are refused.
 */
void hm_tc_request_id(enum hm_tc_profile profile, uint64_t not_before, const uint8_t *csr,
                      size_t csr_len, uint8_t id[32]);
void hm_tc_serial_from_id(const uint8_t id[32], uint8_t serial[HM_TC_SERIAL_LEN]);

/*
 * Issues a leaf certificate deterministically from a PKCS#10 CSR (DER or
 * PEM): subject, public key, subjectAltName and (if requested) the
 * subjectAltPublicKeyInfo copied from the CSR; serial from the request id;
 * notBefore = not_before, notAfter = not_before + the profile's validity;
 * key usage and EKU from the profile; signed with Ed25519 and, when the CA
 * has a PQ key, the alternative signature. The CSR is checked first
 * (hm_tc_csr_check). Appends the DER certificate to cert_der.
 * HM_OK; HM_ERR_INVALID (profile, CSR policy); HM_ERR_ENCODING (malformed
 * CSR); HM_ERR_VERIFY (bad CSR self-signature); HM_ERR_CRYPTO; HM_ERR_NOMEM.
 */
int hm_tc_issue(const struct hm_tc_ca *ca, const uint8_t *csr, size_t csr_len,
                enum hm_tc_profile profile, uint64_t not_before, struct hm_buf *cert_der);

/*
 * Makes a CSR signed by key for common_name with the given DNS names
 * (dns may be NULL when ndns is 0); with include_pq the CSR requests the
 * key's PQ half as subjectAltPublicKeyInfo and proves possession of it
 * (altSignatureAlgorithm + altSignatureValue, see hm_tc_csr_alt_verify).
 * Appends DER.
 */
int hm_tc_csr_create(const struct hm_tc_key *key, const char *common_name, const char *const *dns,
                     size_t ndns, int include_pq, struct hm_buf *csr_der);

/*
 * Checks a DER CSR against a profile's policy: well-formed, self-signature
 * valid, key type allowed (Ed25519, ECDSA P-256/P-384, RSA >= 2048 bits),
 * only subjectAltName / subjectAltPublicKeyInfo requested, names well formed
 * (at most 16 DNS names, LDH labels; TLS server needs one DNS or IP name), a
 * requested PQ key with a valid proof of possession (hm_tc_csr_alt_verify).
 * HM_OK; HM_ERR_ENCODING; HM_ERR_VERIFY (classical or PQ signature);
 * HM_ERR_INVALID (policy, including a PQ key without its proof).
 */
int hm_tc_csr_check(const uint8_t *csr, size_t csr_len, enum hm_tc_profile profile);

/* Converts PEM or DER input (certificate or CSR) to DER. */
int hm_tc_pem_to_der(const uint8_t *in, size_t len, const char *label, struct hm_buf *der);

/* ---- certificate revocation lists (crl.c) ---- */

#define HM_TC_CRL_MAX (16 * 1024 * 1024)

/* One revoked certificate. reason: RFC 5280 CRLReason 0..10 except 7. */
struct hm_tc_crl_entry {
	uint8_t serial[HM_TC_SERIAL_LEN];
	uint64_t revoked_at; /* Unix seconds */
	uint8_t reason;
};

/* "keyCompromise" etc. (RFC 5280 §5.3.1 names) <-> code. HM_OK or HM_ERR_INVALID / NULL. */
int hm_tc_crl_reason_from_name(const char *name, uint8_t *reason);
const char *hm_tc_crl_reason_name(uint8_t reason);

/*
 * Builds a v2 CRL (DER, appended to der) issued and signed (Ed25519) by ca:
 * issuer = ca's subject, thisUpdate/nextUpdate (Unix seconds),
 * authorityKeyIdentifier = ca's SKI, cRLNumber = this_update, and one entry
 * per element of entries with a reasonCode entry extension (2.5.29.21),
 * absent for unspecified (0) as §5.3.1 asks. A CA with a PQ key also signs
 * it with that key (altSignatureAlgorithm / altSignatureValue in the CRL
 * extensions, see hm_tc_crl_alt_verify). GnuTLS's CRL writer cannot put
 * entry extensions, so the TBSCertList is encoded here (crl.c).
 * HM_OK; HM_ERR_INVALID (arguments, a reason out of range); HM_ERR_RANGE
 * (a time past 9999); HM_ERR_CRYPTO; HM_ERR_NOMEM. der unchanged on failure.
 */
int hm_tc_crl_build(const struct hm_tc_ca *ca, uint64_t this_update, uint64_t next_update,
                    const struct hm_tc_crl_entry *entries, size_t n, struct hm_buf *der);

/*
 * Checks the PQ alternative signature of a DER CRL with the issuer's PQ key
 * (alg, pk): altSignatureAlgorithm must name alg and altSignatureValue verify
 * over the preTBSCertList (the TBSCertList without its `signature` field and
 * without altSignatureValue). HM_OK; HM_ERR_NOT_FOUND (no alternative
 * signature); HM_ERR_VERIFY; parse errors; HM_ERR_NOMEM.
 */
int hm_tc_crl_alt_verify(const uint8_t *crl, size_t len, enum hm_sig_alg alg, const uint8_t *pk,
                         size_t pk_len) __attribute__((warn_unused_result));

/*
 * Looks serial (big-endian INTEGER contents, leading zeros ignored) up in a
 * DER CRL: *reason gets its reasonCode (0 when absent). Structure only, no
 * signature check. HM_OK; HM_ERR_NOT_FOUND; HM_ERR_ENCODING /
 * HM_ERR_TRUNCATED / HM_ERR_TRAILING (malformed, a serial listed twice, a
 * reason out of range); HM_ERR_INVALID (arguments).
 */
int hm_tc_crl_find(const uint8_t *crl, size_t len, const uint8_t *serial, size_t serial_len,
                   uint8_t *reason);

/*
 * Checks certificate cert against the DER CRL of its issuer (issuer DER) at
 * at_time: the CRL's signature by issuer, the certificate's issuer name, and
 * thisUpdate <= at_time <= nextUpdate, and when the issuer has a PQ key the
 * CRL's alternative signature. *revoked gets 1 if listed, with
 * *reason. HM_OK (either way); HM_ERR_VERIFY (not the issuer's, bad
 * signature); HM_ERR_RANGE (CRL not current at at_time); HM_ERR_ENCODING /
 * HM_ERR_LENGTH (malformed); HM_ERR_CORRUPT (GnuTLS and our walker disagree);
 * HM_ERR_INVALID; HM_ERR_NOMEM.
 */
int hm_tc_crl_check(const uint8_t *crl, size_t crl_len, const uint8_t *issuer, size_t issuer_len,
                    const uint8_t *cert, size_t cert_len, uint64_t at_time, int *revoked,
                    uint8_t *reason) __attribute__((warn_unused_result));

/* ---- chain verification (verify.c) ---- */

enum hm_tc_verify_reason {
	HM_TC_VERIFY_OK = 0,
	HM_TC_VERIFY_MALFORMED,     /* a certificate does not parse */
	HM_TC_VERIFY_CLASSICAL,     /* GnuTLS refused the chain (signature, issuer, CA flags) */
	HM_TC_VERIFY_NOT_YET_VALID, /* at_time < notBefore of some certificate */
	HM_TC_VERIFY_EXPIRED,       /* at_time > notAfter of some certificate */
	HM_TC_VERIFY_PQ_MISSING,    /* an issuer has no PQ key, or a certificate no alt signature */
	HM_TC_VERIFY_PQ_SIGNATURE,  /* an alternative signature does not verify */
	HM_TC_VERIFY_TOO_LONG,      /* more than HM_TC_CHAIN_MAX certificates */
};

#define HM_TC_CHAIN_MAX 8

struct hm_tc_verify_result {
	enum hm_tc_verify_reason reason;
	int depth;              /* certificate at fault: 0 = leaf, n = root; -1 when OK */
	unsigned gnutls_status; /* GnuTLS's gnutls_certificate_status_t bits when CLASSICAL */
};

/* A short text for reason. */
const char *hm_tc_verify_reason_str(enum hm_tc_verify_reason reason);

/*
 * Verifies chain[0] (the leaf) .. chain[n-1] (DER) up to the trusted root
 * (DER), at at_time (Unix seconds; no clock is read): GnuTLS's classical
 * validation with time checks done here, and every certificate's
 * alternative signature under its issuer's subjectAltPublicKeyInfo (the
 * root's own is checked too). HM_OK when valid; HM_ERR_VERIFY with
 * res->reason otherwise; HM_ERR_INVALID (arguments); HM_ERR_NOMEM.
 */
int hm_tc_chain_verify(const uint8_t *const *chain, const size_t *chain_len, size_t n,
                       const uint8_t *root, size_t root_len, uint64_t at_time,
                       struct hm_tc_verify_result *res) __attribute__((warn_unused_result));

#endif
