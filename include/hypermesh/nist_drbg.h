/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The deterministic generator of the NIST PQC known-answer files: the
 * AES-256 CTR_DRBG of SP 800-90A without a derivation function and without
 * reseeding, as used by the submission packages' rng.c (randombytes_init /
 * randombytes). For tests only: it reproduces KAT files, it is not a
 * replacement for hm_random_bytes().
 */
#ifndef HYPERMESH_NIST_DRBG_H
#define HYPERMESH_NIST_DRBG_H

#include <stddef.h>
#include <stdint.h>

#define HM_NIST_DRBG_SEED_LEN 48

struct hm_nist_drbg {
	uint8_t key[32];
	uint8_t v[16];
	uint64_t reseed_counter;
};

/*
 * randombytes_init(seed, personalization, 256): personalization may be NULL,
 * otherwise it is 48 bytes XORed into the seed.
 */
void hm_nist_drbg_init(struct hm_nist_drbg *d, const uint8_t seed[HM_NIST_DRBG_SEED_LEN],
                       const uint8_t *personalization);

/* randombytes(out, len): any length; the state is updated after each call. */
void hm_nist_drbg_generate(struct hm_nist_drbg *d, void *out, size_t len);

/*
 * The same as an int-returning callback (ctx is a struct hm_nist_drbg *), to
 * plug into APIs that take a randomness callback. Always returns HM_OK.
 */
int hm_nist_drbg_fill(void *ctx, void *out, size_t len);

void hm_nist_drbg_wipe(struct hm_nist_drbg *d);

#endif
