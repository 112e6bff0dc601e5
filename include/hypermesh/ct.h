/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Certificate transparency: signed tree heads and signed certificate
 * timestamps (RFC 6962 §3.2, §3.5), over the Merkle core (ct_merkle.h) and
 * the LMDB log (ct_log.h), signed through sig.h with any of its algorithms.
 *
 * Every structure has the canonical encoding of codec.h (TLS presentation
 * language), which for the SCT is exactly the RFC 6962 wire layout. The
 * RFC's `digitally-signed` element is
 *
 *   struct {
 *       uint16 signature_scheme;   -- SignatureAndHashAlgorithm, 2 bytes
 *       opaque signature<0..2^16-1>;
 *   } DigitallySigned;
 *
 * RFC 6962 fills the two bytes with a TLS 1.2 (hash, signature) pair; TLS 1.3
 * (RFC 8446 §4.2.3) redefined the same two bytes as one SignatureScheme, and
 * that is what they carry here, so a TLS 1.2 parser still reads two bytes:
 *
 *   Ed25519     0x0807  (RFC 8446)
 *   ML-DSA-44   0x0904  (draft-ietf-tls-mldsa, IANA TLS SignatureScheme)
 *   ML-DSA-65   0x0905
 *   ML-DSA-87   0x0906
 *   Falcon-512  0xfe05  (RFC 8446 private-use range: no code point assigned)
 *   Falcon-1024 0xfe06
 *
 * The signature is over the RFC's signed data itself (pure signing: Ed25519
 * and ML-DSA hash internally, ML-DSA with an empty context).
 *
 * The log id is SHA-256 of the log's public key as sig.h encodes it (the raw
 * key bytes), where RFC 6962 hashes the DER SubjectPublicKeyInfo: our keys
 * have no X.509 wrapping. It equals the HyperMesh node id of an Ed25519 key.
 */
#ifndef HYPERMESH_CT_H
#define HYPERMESH_CT_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"
#include "hypermesh/ct_log.h"
#include "hypermesh/ct_merkle.h"
#include "hypermesh/sig.h"

#define HM_CT_LOG_ID_LEN 32
#define HM_CT_EXT_MAX    0xffff   /* CtExtensions<0..2^16-1> */
#define HM_CT_ENTRY_MAX  0xffffff /* ASN.1Cert / TBSCertificate <1..2^24-1> */

/* The TLS SignatureScheme for alg. HM_OK or HM_ERR_UNSUPPORTED. */
int hm_ct_sig_scheme(enum hm_sig_alg alg, uint16_t *scheme);

/* The algorithm of a SignatureScheme. HM_OK or HM_ERR_UNSUPPORTED. */
int hm_ct_sig_alg(uint16_t scheme, enum hm_sig_alg *alg);

/* SHA-256 of the public key: the log's LogID. */
void hm_ct_log_id(uint8_t out[HM_CT_LOG_ID_LEN], const uint8_t *pk, size_t pk_len);

/* ---- signed tree heads ---- */

/*
 * A signed tree head. Encoded as
 *
 *   struct {
 *       uint64 tree_size;
 *       uint64 timestamp;              -- milliseconds since the Unix epoch
 *       opaque sha256_root_hash[32];
 *       DigitallySigned signature;
 *   } SignedTreeHead;
 *
 * and signed over RFC 6962 §3.5's TreeHeadSignature: version v1 (0),
 * signature_type tree_hash (1), timestamp, tree_size, root hash.
 */
struct hm_ct_sth {
	uint64_t tree_size;
	uint64_t timestamp;
	uint8_t root_hash[HM_CT_HASH_LEN];
	uint16_t sig_scheme;
	size_t sig_len;
	uint8_t sig[HM_SIG_SIG_MAX];
};

/*
 * Signs the tree size, timestamp and root already in sth, filling sig_scheme,
 * sig and sig_len. Returns HM_OK; HM_ERR_UNSUPPORTED (alg); HM_ERR_NOMEM; or
 * hm_sig_sign's errors (HM_ERR_LENGTH for a wrong sk_len, HM_ERR_RANDOM, ...).
 * On failure sig_len is 0.
 */
int hm_ct_sth_sign(struct hm_ct_sth *sth, enum hm_sig_alg alg, const uint8_t *sk, size_t sk_len)
        __attribute__((warn_unused_result));

/*
 * HM_OK if sth is signed by the log whose key is (alg, pk). HM_ERR_VERIFY if
 * the signature or its scheme (not alg's) is wrong; HM_ERR_LENGTH (pk_len),
 * HM_ERR_INVALID (malformed pk), HM_ERR_UNSUPPORTED (alg); HM_ERR_NOMEM.
 */
int hm_ct_sth_verify(const struct hm_ct_sth *sth, enum hm_sig_alg alg, const uint8_t *pk,
                     size_t pk_len) __attribute__((warn_unused_result));

/* Appends the encoding. HM_ERR_LENGTH if sig_len > HM_SIG_SIG_MAX; buffer errors. */
int hm_ct_sth_encode(const struct hm_ct_sth *sth, struct hm_buf *out);

/*
 * Decodes a SignedTreeHead occupying all of in[0 .. len). HM_OK;
 * HM_ERR_TRUNCATED; HM_ERR_LENGTH (a signature longer than HM_SIG_SIG_MAX);
 * HM_ERR_TRAILING. Any scheme value decodes; verification judges it.
 */
int hm_ct_sth_decode(struct hm_ct_sth *sth, const uint8_t *in, size_t len);

/* ---- signed certificate timestamps ---- */

enum hm_ct_entry_type {
	HM_CT_X509_ENTRY = 0,
	HM_CT_PRECERT_ENTRY = 1,
};

/*
 * What an SCT promises to log (RFC 6962 §3.1 signed_entry): an x509_entry
 * carries the leaf bytes as its ASN.1Cert <1..2^24-1> (for HyperMesh, any
 * leaf bytes); a precert_entry the issuer key hash and the TBSCertificate.
 * data is borrowed.
 */
struct hm_ct_entry {
	enum hm_ct_entry_type type;
	const uint8_t *data;
	size_t len;
	uint8_t issuer_key_hash[32]; /* precert_entry only */
};

/*
 *   struct {
 *       Version sct_version;           -- v1 (0)
 *       opaque id[32];                 -- LogID
 *       uint64 timestamp;
 *       CtExtensions extensions;       -- opaque<0..2^16-1>
 *       DigitallySigned signature;
 *   } SignedCertificateTimestamp;
 *
 * signed over RFC 6962 §3.2: sct_version, signature_type
 * certificate_timestamp (0), timestamp, entry_type (uint16), signed_entry,
 * extensions. extensions is borrowed (from the caller when signing, from
 * the input when decoding).
 */
struct hm_ct_sct {
	uint8_t version;
	uint8_t log_id[HM_CT_LOG_ID_LEN];
	uint64_t timestamp;
	const uint8_t *extensions;
	size_t extensions_len;
	uint16_t sig_scheme;
	size_t sig_len;
	uint8_t sig[HM_SIG_SIG_MAX];
};

/*
 * Issues an SCT for entry: the caller sets timestamp and extensions; this
 * sets version v1, the log id of pk, and the signature by sk. Returns HM_OK;
 * HM_ERR_INVALID (entry type, NULL data); HM_ERR_LENGTH (entry or extensions
 * out of bounds); HM_ERR_UNSUPPORTED (alg); HM_ERR_NOMEM; hm_sig_sign's errors.
 */
int hm_ct_sct_sign(struct hm_ct_sct *sct, const struct hm_ct_entry *entry, enum hm_sig_alg alg,
                   const uint8_t *pk, size_t pk_len, const uint8_t *sk, size_t sk_len)
        __attribute__((warn_unused_result));

/*
 * HM_OK if sct is v1, names the log of pk, and carries that log's signature
 * over entry. HM_ERR_VERIFY otherwise (including another log id or scheme);
 * HM_ERR_INVALID/HM_ERR_LENGTH for a malformed entry or pk;
 * HM_ERR_UNSUPPORTED (alg); HM_ERR_NOMEM.
 */
int hm_ct_sct_verify(const struct hm_ct_sct *sct, const struct hm_ct_entry *entry,
                     enum hm_sig_alg alg, const uint8_t *pk, size_t pk_len)
        __attribute__((warn_unused_result));

/* Appends the encoding. HM_ERR_LENGTH for out-of-bounds fields; buffer errors. */
int hm_ct_sct_encode(const struct hm_ct_sct *sct, struct hm_buf *out);

/*
 * Decodes an SCT occupying all of in[0 .. len). HM_OK; HM_ERR_TRUNCATED;
 * HM_ERR_LENGTH; HM_ERR_TRAILING; HM_ERR_UNSUPPORTED for a version other
 * than v1 (RFC 6962 §3.2: unknown versions are not processed).
 */
int hm_ct_sct_decode(struct hm_ct_sct *sct, const uint8_t *in, size_t len);

/*
 * The RFC 6962 §3.4 MerkleTreeLeaf of an entry, the bytes a log stores and
 * hashes: version v1, leaf_type timestamped_entry (0), then TimestampedEntry
 * {timestamp, entry_type, signed_entry, extensions}. Appends to out.
 * HM_ERR_INVALID, HM_ERR_LENGTH, buffer errors.
 */
int hm_ct_merkle_leaf_encode(uint64_t timestamp, const struct hm_ct_entry *entry,
                             const uint8_t *extensions, size_t extensions_len, struct hm_buf *out);

#endif
