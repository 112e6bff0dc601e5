/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ed25519 (RFC 8032, pure) through libsodium. The secret key is the 32-byte
 * seed; the public key is derived from it. Which signatures verify is our
 * rule, not the library's default: docs/CRYPTO.md, "Which signatures verify".
 */
#ifndef HYPERMESH_ED25519_H
#define HYPERMESH_ED25519_H

#include <stddef.h>
#include <stdint.h>

#define HM_ED25519_PK_LEN  32
#define HM_ED25519_SK_LEN  32
#define HM_ED25519_SIG_LEN 64

/*
 * Starts libsodium once (thread-safe, idempotent). Every function below calls
 * it itself; calling it early (at startup) just surfaces a failure sooner.
 * HM_OK or HM_ERR_CRYPTO.
 */
int hm_ed25519_init(void) __attribute__((warn_unused_result));

/* Derives the public key of a secret key (seed). */
void hm_ed25519_public_key(uint8_t pk[HM_ED25519_PK_LEN], const uint8_t sk[HM_ED25519_SK_LEN]);

/* Draws a fresh secret key and derives its public key. HM_OK or HM_ERR_RANDOM. */
int hm_ed25519_keygen(uint8_t pk[HM_ED25519_PK_LEN], uint8_t sk[HM_ED25519_SK_LEN])
        __attribute__((warn_unused_result));

void hm_ed25519_sign(uint8_t sig[HM_ED25519_SIG_LEN], const uint8_t sk[HM_ED25519_SK_LEN],
                     const uint8_t pk[HM_ED25519_PK_LEN], const void *msg, size_t len);

/*
 * 1 if pk encodes a point of small order (or a non-canonical spelling of
 * one): a key under which signatures prove nothing. Public data, so not
 * constant time.
 */
int hm_ed25519_public_key_is_small_order(const uint8_t pk[HM_ED25519_PK_LEN]);

/*
 * HM_OK if sig is a valid signature of msg under pk, HM_ERR_VERIFY otherwise
 * (HM_ERR_CRYPTO if libsodium cannot start). Stricter than RFC 8032 section
 * 5.1.7, so that every replica reaches the same verdict on every input:
 * S must be below the group order L; R and A must be canonical encodings and
 * not of small order; the check is cofactorless ([S]B = R + [k]A, compared as
 * encoded bytes). Public keys of small order are refused whatever the
 * signature: they let one signature verify for many messages.
 */
int hm_ed25519_verify(const uint8_t sig[HM_ED25519_SIG_LEN], const uint8_t pk[HM_ED25519_PK_LEN],
                      const void *msg, size_t len) __attribute__((warn_unused_result));

#endif
