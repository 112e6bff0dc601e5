/* SPDX-License-Identifier: Apache-2.0 */
#include <nettle/curve25519.h>

#include "hypermesh/error.h"
#include "hypermesh/random.h"
#include "hypermesh/secure.h"
#include "hypermesh/x25519.h"

/*
 * Nettle's curve25519_mul clamps the scalar itself and ignores the top bit of
 * the u-coordinate (checked against the RFC 7748 vectors, including the one
 * with that bit set), which is exactly RFC 7748 §5.
 */
int hm_x25519(uint8_t out[HM_X25519_LEN], const uint8_t scalar[HM_X25519_LEN],
              const uint8_t u[HM_X25519_LEN])
{
	curve25519_mul(out, scalar, u);
	return hm_ct_is_zero(out, HM_X25519_LEN) ? HM_ERR_CRYPTO : HM_OK;
}

void hm_x25519_public_key(uint8_t pk[HM_X25519_LEN], const uint8_t sk[HM_X25519_LEN])
{
	curve25519_mul_g(pk, sk);
}

int hm_x25519_keygen(uint8_t pk[HM_X25519_LEN], uint8_t sk[HM_X25519_LEN])
{
	int rc = hm_random_bytes(sk, HM_X25519_LEN);

	if (rc == HM_OK)
		curve25519_mul_g(pk, sk);
	return rc;
}
