/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NIST PQC KAT generator: CTR_DRBG with AES-256, no derivation function
 * (SP 800-90A section 10.2.1), following the behaviour of the NIST
 * submission packages' rng.c. AES comes from Nettle.
 */
#include <string.h>

#include <nettle/aes.h>

#include "hypermesh/error.h"
#include "hypermesh/nist_drbg.h"
#include "hypermesh/secure.h"

/* V is a 128-bit big-endian counter. */
static void increment_v(uint8_t v[16])
{
	for (int i = 15; i >= 0; i--) {
		if (++v[i] != 0)
			break;
	}
}

/* CTR_DRBG_Update: three blocks of keystream, XORed with provided (48 bytes or NULL). */
static void drbg_update(struct hm_nist_drbg *d, const uint8_t *provided)
{
	struct aes256_ctx aes;
	uint8_t temp[48];

	aes256_set_encrypt_key(&aes, d->key);
	for (int i = 0; i < 3; i++) {
		increment_v(d->v);
		aes256_encrypt(&aes, 16, temp + 16 * i, d->v);
	}
	if (provided != NULL) {
		for (int i = 0; i < 48; i++)
			temp[i] ^= provided[i];
	}
	memcpy(d->key, temp, 32);
	memcpy(d->v, temp + 32, 16);
	hm_wipe(temp, sizeof(temp));
	hm_wipe(&aes, sizeof(aes));
}

void hm_nist_drbg_init(struct hm_nist_drbg *d, const uint8_t seed[HM_NIST_DRBG_SEED_LEN],
                       const uint8_t *personalization)
{
	uint8_t material[48];

	memcpy(material, seed, 48);
	if (personalization != NULL) {
		for (int i = 0; i < 48; i++)
			material[i] ^= personalization[i];
	}
	memset(d->key, 0, sizeof(d->key));
	memset(d->v, 0, sizeof(d->v));
	drbg_update(d, material);
	d->reseed_counter = 1;
	hm_wipe(material, sizeof(material));
}

void hm_nist_drbg_generate(struct hm_nist_drbg *d, void *out, size_t len)
{
	struct aes256_ctx aes;
	uint8_t block[16], *p = out;

	aes256_set_encrypt_key(&aes, d->key);
	while (len > 0) {
		size_t take = len < 16 ? len : 16;

		increment_v(d->v);
		aes256_encrypt(&aes, 16, block, d->v);
		memcpy(p, block, take);
		p += take;
		len -= take;
	}
	drbg_update(d, NULL);
	d->reseed_counter++;
	hm_wipe(block, sizeof(block));
	hm_wipe(&aes, sizeof(aes));
}

int hm_nist_drbg_fill(void *ctx, void *out, size_t len)
{
	hm_nist_drbg_generate(ctx, out, len);
	return HM_OK;
}

void hm_nist_drbg_wipe(struct hm_nist_drbg *d)
{
	hm_wipe(d, sizeof(*d));
}
