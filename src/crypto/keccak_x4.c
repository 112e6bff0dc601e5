/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Four SHAKE computations side by side, for the samplers of ML-KEM and
 * ML-DSA, which draw many independent streams of the same length. Only the
 * one-shot shape they need: absorb one short input, pad, squeeze whole
 * blocks. The permutation is the AVX2 kernel where active, otherwise four
 * ordinary permutations; the bytes are the same either way.
 */
#include <string.h>

#include "crypto_impl_internal.h"
#include "hypermesh/secure.h"
#include "hypermesh/sha3.h"

void hm_keccak_x4_permute_portable(struct hm_keccak_x4 *st)
{
	uint64_t one[25];

	for (unsigned n = 0; n < 4; n++) {
		for (unsigned i = 0; i < 25; i++)
			one[i] = st->s[4 * i + n];
		hm_keccak_f1600(one);
		for (unsigned i = 0; i < 25; i++)
			st->s[4 * i + n] = one[i];
	}
	hm_wipe(one, sizeof(one));
}

void hm_keccak_x4_permute(struct hm_keccak_x4 *st)
{
#if HM_HAVE_AVX2_BUILD
	if (hm_crypto_avx2_active()) {
		hm_keccak_x4_permute_avx2(st);
		return;
	}
#endif
	hm_keccak_x4_permute_portable(st);
}

void hm_keccak_x4_absorb_once(struct hm_keccak_x4 *st, unsigned rate, uint8_t suffix,
                              const uint8_t *const in[4], unsigned len)
{
	memset(st->s, 0, sizeof(st->s));
	for (unsigned n = 0; n < 4; n++) {
		for (unsigned b = 0; b < len; b++)
			st->s[4 * (b / 8) + n] ^= (uint64_t)in[n][b] << (8 * (b % 8));
		st->s[4 * (len / 8) + n] ^= (uint64_t)suffix << (8 * (len % 8));
		st->s[4 * ((rate - 1) / 8) + n] ^= (uint64_t)0x80 << (8 * ((rate - 1) % 8));
	}
}

void hm_keccak_x4_squeeze_blocks(struct hm_keccak_x4 *st, unsigned rate, uint8_t *const out[4],
                                 unsigned nblocks)
{
	for (unsigned blk = 0; blk < nblocks; blk++) {
		hm_keccak_x4_permute(st);
		for (unsigned n = 0; n < 4; n++) {
			uint8_t *o = out[n] + (size_t)blk * rate;
			unsigned b = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			/* Whole lanes at once: their bytes are already in FIPS 202 order. */
			for (; b + 8 <= rate; b += 8)
				memcpy(o + b, &st->s[4 * (b / 8) + n], 8);
#endif
			for (; b < rate; b++)
				o[b] = (uint8_t)(st->s[4 * (b / 8) + n] >> (8 * (b % 8)));
		}
	}
}
