/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hybrid KEM: ML-KEM-1024 and X25519 combined in the style of X-Wing
 * (draft-connolly-cfrg-xwing-kem), so the shared secret stays secret while
 * either component does.
 *
 *   pk = ek_M (1568) || pk_X (32)
 *   sk = dk_M (3168) || sk_X (32) || pk_X (32)
 *   ct = ct_M (1568) || ct_X (32)            ct_X = X25519(e, 9), e ephemeral
 *   ss = SHA3-256(ss_M || ss_X || ct_X || pk_X || label)
 *
 * with ss_X = X25519(e, pk_X) = X25519(sk_X, ct_X) and the label
 * HM_HYBRID_KEM_LABEL. As in X-Wing, ct_M and ek_M are not hashed: ML-KEM's
 * own transform already binds its secret to them; ct_X and pk_X are, because
 * X25519 alone does not. Unlike X-Wing we use ML-KEM-1024 (category 5), and
 * therefore our own label, so a secret can never be confused with an X-Wing
 * one. Decapsulation inherits ML-KEM's implicit rejection: a tampered
 * ciphertext yields an unrelated secret, not an error.
 */
#ifndef HYPERMESH_HYBRID_KEM_H
#define HYPERMESH_HYBRID_KEM_H

#include <stdint.h>

#include "hypermesh/mlkem.h"
#include "hypermesh/x25519.h"

#define HM_HYBRID_KEM_LABEL "HyperMesh hybrid KEM v1: ML-KEM-1024 + X25519"

#define HM_HYBRID_KEM_PK_LEN          (HM_MLKEM1024_EK_LEN + HM_X25519_LEN)
#define HM_HYBRID_KEM_SK_LEN          (HM_MLKEM1024_DK_LEN + 2 * HM_X25519_LEN)
#define HM_HYBRID_KEM_CT_LEN          (HM_MLKEM1024_CT_LEN + HM_X25519_LEN)
#define HM_HYBRID_KEM_SS_LEN          32
/* d || z for ML-KEM, then the X25519 secret key. */
#define HM_HYBRID_KEM_KEYGEN_SEED_LEN (2 * HM_MLKEM_SEED_LEN + HM_X25519_LEN)
/* m for ML-KEM, then the ephemeral X25519 secret key. */
#define HM_HYBRID_KEM_ENCAPS_SEED_LEN (HM_MLKEM_SEED_LEN + HM_X25519_LEN)

/* Deterministic key generation from a seed (tests); returns HM_OK. */
int hm_hybrid_kem_keygen_derand(uint8_t pk[HM_HYBRID_KEM_PK_LEN], uint8_t sk[HM_HYBRID_KEM_SK_LEN],
                                const uint8_t seed[HM_HYBRID_KEM_KEYGEN_SEED_LEN]);

/* Key generation with fresh randomness: HM_OK or HM_ERR_RANDOM. */
int hm_hybrid_kem_keygen(uint8_t pk[HM_HYBRID_KEM_PK_LEN], uint8_t sk[HM_HYBRID_KEM_SK_LEN])
        __attribute__((warn_unused_result));

/*
 * Encapsulates to pk with the given randomness (tests). Returns HM_OK, or
 * ML-KEM's encapsulation-key check error (HM_ERR_RANGE for an unreduced
 * coefficient) if pk is malformed.
 */
int hm_hybrid_kem_encaps_derand(uint8_t ct[HM_HYBRID_KEM_CT_LEN], uint8_t ss[HM_HYBRID_KEM_SS_LEN],
                                const uint8_t pk[HM_HYBRID_KEM_PK_LEN],
                                const uint8_t seed[HM_HYBRID_KEM_ENCAPS_SEED_LEN])
        __attribute__((warn_unused_result));

/* Encapsulates with fresh randomness; errors as above plus HM_ERR_RANDOM. */
int hm_hybrid_kem_encaps(uint8_t ct[HM_HYBRID_KEM_CT_LEN], uint8_t ss[HM_HYBRID_KEM_SS_LEN],
                         const uint8_t pk[HM_HYBRID_KEM_PK_LEN])
        __attribute__((warn_unused_result));

/*
 * Decapsulates. Returns HM_OK (with an implicit-rejection secret for a
 * tampered ciphertext), or ML-KEM's decapsulation-key check error
 * (HM_ERR_CORRUPT) if sk is malformed.
 */
int hm_hybrid_kem_decaps(uint8_t ss[HM_HYBRID_KEM_SS_LEN], const uint8_t sk[HM_HYBRID_KEM_SK_LEN],
                         const uint8_t ct[HM_HYBRID_KEM_CT_LEN])
        __attribute__((warn_unused_result));

#endif
