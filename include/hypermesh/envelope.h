/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The operation envelope (docs/PROOFS.md §Envelope): what every operation is
 * wrapped in before it is ordered by consensus and applied by a module.
 *
 *   struct {
 *       uint8  version = 1;
 *       uint16 type;                        // enum hm_op_type (module.h)
 *       opaque chain_id[32];
 *       uint64 nonce;
 *       uint64 fee;
 *       opaque payload<0..2^24-1>;          // at most HM_ENV_PAYLOAD_MAX
 *       opaque certs<1..2^24-1>;            // 1..HM_ENV_CERTS_MAX of
 *                                           //   opaque cert<1..2^16-1> (DER, leaf first)
 *       opaque proofs<1..2^24-1>;           // ProofSet (proofs.h)
 *       opaque ed25519_sig[64];
 *       uint16 pq_alg;                      // 0: none; else enum hm_sig_alg
 *       opaque pq_sig<0..2^16-1>;           // empty iff pq_alg = 0
 *   } Envelope;
 *
 * The operation digest is SHA3-256("hypermesh/op-digest/v1" || the encoding
 * of version .. certs): every field except the proofs and the signatures.
 * The signer's certificates are inside, so the signer is bound to the
 * operation. Both signatures are over the 32-byte digest, and every proof
 * is computed from it, so a proof set cannot be moved to another operation.
 */
#ifndef HYPERMESH_ENVELOPE_H
#define HYPERMESH_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"
#include "hypermesh/sig.h"

#define HM_ENV_VERSION         1
#define HM_ENV_CHAIN_ID_LEN    32
#define HM_ENV_DIGEST_LEN      32
#define HM_ENV_PAYLOAD_MAX     (1u << 20)
#define HM_ENV_CERTS_MAX       4
#define HM_ENV_CERT_MAX        0xffff
#define HM_ENV_PROOFS_MAX      (1u << 20)
#define HM_ENV_ED25519_SIG_LEN 64
/* Largest encoded envelope; decoders refuse longer input before parsing. */
#define HM_ENV_MAX             (HM_ENV_PAYLOAD_MAX + HM_ENV_PROOFS_MAX + 5 * 65536 + 8192)

/*
 * A decoded (or to-be-encoded) envelope. Byte ranges are borrowed: from the
 * decoded input, or from the caller when building.
 */
struct hm_envelope {
	uint16_t type;
	uint8_t chain_id[HM_ENV_CHAIN_ID_LEN];
	uint64_t nonce;
	uint64_t fee;
	const uint8_t *payload;
	size_t payload_len;
	size_t n_certs;
	const uint8_t *cert[HM_ENV_CERTS_MAX]; /* DER, leaf first */
	size_t cert_len[HM_ENV_CERTS_MAX];
	const uint8_t *proofs; /* encoded ProofSet */
	size_t proofs_len;
	uint8_t ed25519_sig[HM_ENV_ED25519_SIG_LEN];
	uint16_t pq_alg; /* 0 or enum hm_sig_alg */
	const uint8_t *pq_sig;
	size_t pq_sig_len;
};

/*
 * Computes the operation digest of env (all fields up to certs).
 * HM_OK; HM_ERR_LENGTH (a field out of bounds); HM_ERR_INVALID; HM_ERR_NOMEM.
 */
int hm_envelope_digest(const struct hm_envelope *env, uint8_t digest[HM_ENV_DIGEST_LEN]);

/*
 * Appends the canonical encoding of env to out. HM_OK; HM_ERR_LENGTH;
 * HM_ERR_INVALID (pq_alg and pq_sig disagree, no certificate); buffer
 * errors. out is unchanged on failure.
 */
int hm_envelope_encode(const struct hm_envelope *env, struct hm_buf *out);

/*
 * Decodes an envelope; env borrows from in, digest (may be NULL) gets the
 * operation digest. Strict: HM_ERR_TRUNCATED, HM_ERR_TRAILING, HM_ERR_LENGTH,
 * HM_ERR_TOO_LARGE (len above HM_ENV_MAX), HM_ERR_INVALID (version, pq_alg
 * unknown or inconsistent with pq_sig), HM_ERR_NOMEM.
 */
int hm_envelope_decode(struct hm_envelope *env, uint8_t digest[HM_ENV_DIGEST_LEN],
                       const uint8_t *in, size_t len);

/*
 * The keys a signer signs with: Ed25519 (sig.h layout, seed || public key)
 * and, when its leaf certificate carries a PQ key, that key's secret.
 */
struct hm_envelope_signer {
	const uint8_t *ed25519_sk; /* 64 bytes */
	enum hm_sig_alg pq_alg;    /* 0: classical only */
	const uint8_t *pq_sk;
	size_t pq_sk_len;
};

/*
 * Signs digest: fills env->ed25519_sig and, with a PQ key, env->pq_alg and
 * env->pq_sig (the bytes are appended to pq_store, which the caller keeps
 * alive as long as env). HM_OK or the sig.h errors.
 */
int hm_envelope_sign(struct hm_envelope *env, const uint8_t digest[HM_ENV_DIGEST_LEN],
                     const struct hm_envelope_signer *signer, struct hm_buf *pq_store);

#endif
