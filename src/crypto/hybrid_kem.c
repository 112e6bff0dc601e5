/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/hybrid_kem.h"
#include "hypermesh/random.h"
#include "hypermesh/secure.h"
#include "hypermesh/sha3.h"

/* Offsets of the X25519 parts behind the ML-KEM parts. */
#define PK_X(pk)    ((pk) + HM_MLKEM1024_EK_LEN)
#define SK_X(sk)    ((sk) + HM_MLKEM1024_DK_LEN)
#define SK_PK_X(sk) ((sk) + HM_MLKEM1024_DK_LEN + HM_X25519_LEN)
#define CT_X(ct)    ((ct) + HM_MLKEM1024_CT_LEN)

static void combine(uint8_t ss[HM_HYBRID_KEM_SS_LEN], const uint8_t ss_m[HM_MLKEM_SHARED_LEN],
                    const uint8_t ss_x[HM_X25519_LEN], const uint8_t ct_x[HM_X25519_LEN],
                    const uint8_t pk_x[HM_X25519_LEN])
{
	static const char label[] = HM_HYBRID_KEM_LABEL;
	struct hm_keccak h;

	hm_sha3_256_init(&h);
	hm_keccak_absorb(&h, ss_m, HM_MLKEM_SHARED_LEN);
	hm_keccak_absorb(&h, ss_x, HM_X25519_LEN);
	hm_keccak_absorb(&h, ct_x, HM_X25519_LEN);
	hm_keccak_absorb(&h, pk_x, HM_X25519_LEN);
	hm_keccak_absorb(&h, label, sizeof(label) - 1);
	hm_sha3_final(&h, ss); /* wipes h */
}

int hm_hybrid_kem_keygen_derand(uint8_t pk[HM_HYBRID_KEM_PK_LEN], uint8_t sk[HM_HYBRID_KEM_SK_LEN],
                                const uint8_t seed[HM_HYBRID_KEM_KEYGEN_SEED_LEN])
{
	int rc = hm_mlkem_keygen_internal(HM_MLKEM_1024, pk, sk, seed, seed + HM_MLKEM_SEED_LEN);

	if (rc != HM_OK)
		return rc;
	memcpy(SK_X(sk), seed + 2 * HM_MLKEM_SEED_LEN, HM_X25519_LEN);
	hm_x25519_public_key(PK_X(pk), SK_X(sk));
	memcpy(SK_PK_X(sk), PK_X(pk), HM_X25519_LEN);
	return HM_OK;
}

int hm_hybrid_kem_keygen(uint8_t pk[HM_HYBRID_KEM_PK_LEN], uint8_t sk[HM_HYBRID_KEM_SK_LEN])
{
	uint8_t seed[HM_HYBRID_KEM_KEYGEN_SEED_LEN];
	int rc = hm_random_bytes(seed, sizeof(seed));

	if (rc == HM_OK)
		rc = hm_hybrid_kem_keygen_derand(pk, sk, seed);
	hm_wipe(seed, sizeof(seed));
	return rc;
}

int hm_hybrid_kem_encaps_derand(uint8_t ct[HM_HYBRID_KEM_CT_LEN], uint8_t ss[HM_HYBRID_KEM_SS_LEN],
                                const uint8_t pk[HM_HYBRID_KEM_PK_LEN],
                                const uint8_t seed[HM_HYBRID_KEM_ENCAPS_SEED_LEN])
{
	const uint8_t *eph = seed + HM_MLKEM_SEED_LEN;
	uint8_t ss_m[HM_MLKEM_SHARED_LEN], ss_x[HM_X25519_LEN];
	int rc;

	rc = hm_mlkem_encaps_internal(HM_MLKEM_1024, ct, ss_m, pk, HM_MLKEM1024_EK_LEN, seed);
	if (rc != HM_OK)
		return rc;
	hm_x25519_public_key(CT_X(ct), eph);
	/* An all-zero ss_X (low-order pk_X) is tolerated, as in X-Wing: ss_M still protects. */
	(void)hm_x25519(ss_x, eph, PK_X(pk));
	combine(ss, ss_m, ss_x, CT_X(ct), PK_X(pk));
	hm_wipe(ss_m, sizeof(ss_m));
	hm_wipe(ss_x, sizeof(ss_x));
	return HM_OK;
}

int hm_hybrid_kem_encaps(uint8_t ct[HM_HYBRID_KEM_CT_LEN], uint8_t ss[HM_HYBRID_KEM_SS_LEN],
                         const uint8_t pk[HM_HYBRID_KEM_PK_LEN])
{
	uint8_t seed[HM_HYBRID_KEM_ENCAPS_SEED_LEN];
	int rc = hm_random_bytes(seed, sizeof(seed));

	if (rc == HM_OK)
		rc = hm_hybrid_kem_encaps_derand(ct, ss, pk, seed);
	hm_wipe(seed, sizeof(seed));
	return rc;
}

int hm_hybrid_kem_decaps(uint8_t ss[HM_HYBRID_KEM_SS_LEN], const uint8_t sk[HM_HYBRID_KEM_SK_LEN],
                         const uint8_t ct[HM_HYBRID_KEM_CT_LEN])
{
	uint8_t ss_m[HM_MLKEM_SHARED_LEN], ss_x[HM_X25519_LEN];
	int rc;

	rc = hm_mlkem_decaps(HM_MLKEM_1024, ss_m, sk, HM_MLKEM1024_DK_LEN, ct, HM_MLKEM1024_CT_LEN);
	if (rc != HM_OK)
		return rc;
	(void)hm_x25519(ss_x, SK_X(sk), CT_X(ct));
	combine(ss, ss_m, ss_x, CT_X(ct), SK_PK_X(sk));
	hm_wipe(ss_m, sizeof(ss_m));
	hm_wipe(ss_x, sizeof(ss_x));
	return HM_OK;
}
