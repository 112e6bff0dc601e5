/* SPDX-License-Identifier: Apache-2.0 */
#include <nettle/eddsa.h>

#include "hypermesh/ed25519.h"
#include "hypermesh/error.h"
#include "hypermesh/random.h"
#include "hypermesh/secure.h"

void hm_ed25519_public_key(uint8_t pk[HM_ED25519_PK_LEN], const uint8_t sk[HM_ED25519_SK_LEN])
{
	ed25519_sha512_public_key(pk, sk);
}

int hm_ed25519_keygen(uint8_t pk[HM_ED25519_PK_LEN], uint8_t sk[HM_ED25519_SK_LEN])
{
	int rc = hm_random_bytes(sk, HM_ED25519_SK_LEN);

	if (rc != HM_OK)
		return rc;
	ed25519_sha512_public_key(pk, sk);
	return HM_OK;
}

void hm_ed25519_sign(uint8_t sig[HM_ED25519_SIG_LEN], const uint8_t sk[HM_ED25519_SK_LEN],
                     const uint8_t pk[HM_ED25519_PK_LEN], const void *msg, size_t len)
{
	ed25519_sha512_sign(pk, sk, len, msg, sig);
}

int hm_ed25519_verify(const uint8_t sig[HM_ED25519_SIG_LEN], const uint8_t pk[HM_ED25519_PK_LEN],
                      const void *msg, size_t len)
{
	return ed25519_sha512_verify(pk, len, msg, sig) ? HM_OK : HM_ERR_VERIFY;
}
