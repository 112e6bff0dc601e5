/* SPDX-License-Identifier: Apache-2.0 */
#include "hypermesh/hybrid_kem.h"
#include "hypermesh/random.h"
#include "hypermesh/sha3.h"
#include "test.h"

static uint8_t pk[HM_HYBRID_KEM_PK_LEN], sk[HM_HYBRID_KEM_SK_LEN], ct[HM_HYBRID_KEM_CT_LEN];

static void test_roundtrip(void)
{
	uint8_t ss1[32], ss2[32];

	for (int i = 0; i < 5; i++) {
		CHECK_ERR(hm_hybrid_kem_keygen(pk, sk), HM_OK);
		CHECK_ERR(hm_hybrid_kem_encaps(ct, ss1, pk), HM_OK);
		CHECK_ERR(hm_hybrid_kem_decaps(ss2, sk, ct), HM_OK);
		CHECK_MEM(ss1, ss2, 32);
	}
}

/*
 * The construction, recomputed from its parts: the combined secret must be
 * SHA3-256(ss_M || ss_X || ct_X || pk_X || label) of the component KEMs.
 */
static void test_combiner_is_what_the_header_says(void)
{
	uint8_t kseed[HM_HYBRID_KEM_KEYGEN_SEED_LEN], eseed[HM_HYBRID_KEM_ENCAPS_SEED_LEN];
	uint8_t ss[32], ss_m[32], ss_x[32], ct_m[HM_MLKEM1024_CT_LEN], want[32];
	uint8_t buf[32 * 4 + sizeof(HM_HYBRID_KEM_LABEL) - 1];
	const uint8_t *pk_x = pk + HM_MLKEM1024_EK_LEN, *ct_x = ct + HM_MLKEM1024_CT_LEN;

	CHECK_ERR(hm_random_bytes(kseed, sizeof(kseed)), HM_OK);
	CHECK_ERR(hm_random_bytes(eseed, sizeof(eseed)), HM_OK);
	CHECK_ERR(hm_hybrid_kem_keygen_derand(pk, sk, kseed), HM_OK);
	CHECK_ERR(hm_hybrid_kem_encaps_derand(ct, ss, pk, eseed), HM_OK);

	CHECK_ERR(
	        hm_mlkem_encaps_internal(HM_MLKEM_1024, ct_m, ss_m, pk, HM_MLKEM1024_EK_LEN, eseed),
	        HM_OK);
	CHECK_MEM(ct, ct_m, sizeof(ct_m));
	hm_x25519_public_key(ss_x, eseed + 32);
	CHECK_MEM(ct_x, ss_x, 32);
	CHECK_ERR(hm_x25519(ss_x, eseed + 32, pk_x), HM_OK);
	memcpy(buf, ss_m, 32);
	memcpy(buf + 32, ss_x, 32);
	memcpy(buf + 64, ct_x, 32);
	memcpy(buf + 96, pk_x, 32);
	memcpy(buf + 128, HM_HYBRID_KEM_LABEL, sizeof(HM_HYBRID_KEM_LABEL) - 1);
	hm_sha3_256(want, buf, sizeof(buf));
	CHECK_MEM(ss, want, 32);

	/* Deterministic: same seeds, same outputs. */
	uint8_t pk2[HM_HYBRID_KEM_PK_LEN], ct2[HM_HYBRID_KEM_CT_LEN], ss2[32];
	CHECK_ERR(hm_hybrid_kem_keygen_derand(pk2, sk, kseed), HM_OK);
	CHECK_MEM(pk2, pk, sizeof(pk));
	CHECK_ERR(hm_hybrid_kem_encaps_derand(ct2, ss2, pk, eseed), HM_OK);
	CHECK_MEM(ct2, ct, sizeof(ct));
	CHECK_MEM(ss2, ss, 32);
}

/* Tampering with either half of the ciphertext changes the secret. */
static void test_tampering(void)
{
	uint8_t ss[32], ss2[32];
	size_t where[] = { 0, HM_MLKEM1024_CT_LEN - 1, HM_MLKEM1024_CT_LEN,
		           HM_HYBRID_KEM_CT_LEN - 2 };

	CHECK_ERR(hm_hybrid_kem_keygen(pk, sk), HM_OK);
	CHECK_ERR(hm_hybrid_kem_encaps(ct, ss, pk), HM_OK);
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		ct[where[i]] ^= 0x01;
		CHECK_ERR(hm_hybrid_kem_decaps(ss2, sk, ct), HM_OK);
		CHECK(memcmp(ss, ss2, 32) != 0);
		ct[where[i]] ^= 0x01;
	}
	/* A decapsulation key whose stored H(ek) is corrupt is refused. */
	sk[HM_MLKEM1024_DK_LEN - 64] ^= 1;
	CHECK(hm_hybrid_kem_decaps(ss2, sk, ct) != HM_OK);
	sk[HM_MLKEM1024_DK_LEN - 64] ^= 1;
	/* An encapsulation key with an unreduced coefficient is refused. */
	pk[0] = 0xff;
	pk[1] |= 0x0f; /* first 12-bit coefficient = 4095 >= q */
	CHECK(hm_hybrid_kem_encaps(ct, ss, pk) != HM_OK);
}

TEST_MAIN(test_roundtrip, test_combiner_is_what_the_header_says, test_tampering)
