/* SPDX-License-Identifier: Apache-2.0 */
/* X25519 (RFC 7748) through Nettle. */
#ifndef HYPERMESH_X25519_H
#define HYPERMESH_X25519_H

#include <stdint.h>

#define HM_X25519_LEN 32

/*
 * out = X25519(scalar, u): the scalar is clamped and the top bit of u is
 * masked, as RFC 7748 §5 requires. Returns HM_OK, or HM_ERR_CRYPTO if the
 * result is all zeros (u was a low-order point); out is written either way,
 * so protocols that deliberately tolerate that (a hybrid KEM whose other
 * half still protects the secret) can ignore the code.
 */
int hm_x25519(uint8_t out[HM_X25519_LEN], const uint8_t scalar[HM_X25519_LEN],
              const uint8_t u[HM_X25519_LEN]);

/* pk = X25519(sk, 9). */
void hm_x25519_public_key(uint8_t pk[HM_X25519_LEN], const uint8_t sk[HM_X25519_LEN]);

/* A fresh key pair. HM_OK or HM_ERR_RANDOM. */
int hm_x25519_keygen(uint8_t pk[HM_X25519_LEN], uint8_t sk[HM_X25519_LEN])
        __attribute__((warn_unused_result));

#endif
