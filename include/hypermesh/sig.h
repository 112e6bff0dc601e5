/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One signature API over every algorithm: an algorithm id, key bytes, sign
 * and verify. Everything above the crypto layer (keystore, certificates,
 * transactions, STOQ peer authentication, consensus votes) signs through this,
 * so adding an algorithm is adding one row to its table.
 *
 * Key formats are the algorithms' standard encodings, except Ed25519's secret
 * key, which is seed (32) || public key (32) so that signing needs no
 * recomputation of the public key (the libsodium layout).
 *
 * Signing is randomised where the algorithm allows it: ML-DSA signs hedged
 * (FIPS 204 default: fresh rnd), Falcon draws its nonce and sampler seed from
 * the system CSPRNG; Ed25519 is deterministic by definition.
 */
#ifndef HYPERMESH_SIG_H
#define HYPERMESH_SIG_H

#include <stddef.h>
#include <stdint.h>

/* Stable numbers: they appear in keystores, certificates and on the wire. */
enum hm_sig_alg {
	HM_SIG_ED25519 = 1,
	HM_SIG_MLDSA44 = 2,
	HM_SIG_MLDSA65 = 3,
	HM_SIG_MLDSA87 = 4,
	HM_SIG_FALCON512 = 5,
	HM_SIG_FALCON1024 = 6,
};

/* Large enough for any algorithm's key or signature. */
#define HM_SIG_PK_MAX  2592 /* ML-DSA-87 */
#define HM_SIG_SK_MAX  4896 /* ML-DSA-87 */
#define HM_SIG_SIG_MAX 4627 /* ML-DSA-87 */

struct hm_sig_info {
	enum hm_sig_alg alg;
	const char *name; /* "ed25519", "ml-dsa-87", "falcon-1024", ... */
	size_t pk_len;    /* exact */
	size_t sk_len;    /* exact */
	size_t sig_max;   /* signatures are at most this long (Falcon's vary) */
};

/* The algorithm's sizes and name, or NULL for an unknown id. */
const struct hm_sig_info *hm_sig_info(enum hm_sig_alg alg);

/* Looks an algorithm up by name. HM_OK or HM_ERR_UNSUPPORTED. */
int hm_sig_alg_from_name(const char *name, enum hm_sig_alg *alg);

/*
 * Generates a key pair into pk (pk_cap bytes) and sk (sk_cap bytes).
 * Returns HM_OK; HM_ERR_UNSUPPORTED (unknown id, or not implemented in this
 * build); HM_ERR_BUFFER if a buffer is smaller than the algorithm's length;
 * HM_ERR_RANDOM.
 */
int hm_sig_keygen(enum hm_sig_alg alg, uint8_t *pk, size_t pk_cap, uint8_t *sk, size_t sk_cap)
        __attribute__((warn_unused_result));

/*
 * Signs msg. sig must have room for sig_cap bytes; *sig_len gets the length.
 * Returns HM_OK; HM_ERR_UNSUPPORTED; HM_ERR_LENGTH (sk_len wrong);
 * HM_ERR_BUFFER (sig_cap below the algorithm's maximum); HM_ERR_RANDOM; or
 * the algorithm's refusal of a malformed secret key (HM_ERR_INVALID,
 * HM_ERR_CORRUPT).
 */
int hm_sig_sign(enum hm_sig_alg alg, uint8_t *sig, size_t sig_cap, size_t *sig_len,
                const uint8_t *sk, size_t sk_len, const void *msg, size_t msg_len)
        __attribute__((warn_unused_result));

/*
 * HM_OK if sig is a valid signature of msg under pk. HM_ERR_VERIFY for any
 * invalid signature, including malformed ones, wrong lengths and public keys
 * that do not decode; HM_ERR_LENGTH if pk_len is wrong for the algorithm;
 * HM_ERR_UNSUPPORTED for an unknown id.
 */
int hm_sig_verify(enum hm_sig_alg alg, const uint8_t *pk, size_t pk_len, const uint8_t *sig,
                  size_t sig_len, const void *msg, size_t msg_len)
        __attribute__((warn_unused_result));

/*
 * A signer: a secret key prepared once for signing many messages. Falcon
 * keeps its expanded key (basis and ffLDL tree), which makes each signature
 * about 1.45x faster; other algorithms keep a copy of the key. Signatures
 * are those of hm_sig_sign. The signer holds secrets; free wipes them.
 *
 * new: HM_OK, HM_ERR_UNSUPPORTED, HM_ERR_LENGTH, HM_ERR_NOMEM, or the
 * algorithm's refusal of a malformed key (HM_ERR_INVALID). sign: as
 * hm_sig_sign.
 */
struct hm_sig_signer;

int hm_sig_signer_new(enum hm_sig_alg alg, const uint8_t *sk, size_t sk_len,
                      struct hm_sig_signer **out) __attribute__((warn_unused_result));
void hm_sig_signer_free(struct hm_sig_signer *s); /* accepts NULL */
enum hm_sig_alg hm_sig_signer_alg(const struct hm_sig_signer *s);
int hm_sig_signer_sign(const struct hm_sig_signer *s, uint8_t *sig, size_t sig_cap, size_t *sig_len,
                       const void *msg, size_t msg_len) __attribute__((warn_unused_result));

#endif
