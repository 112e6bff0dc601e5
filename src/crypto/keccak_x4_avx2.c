/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keccak-f[1600] (FIPS 202 §3.3) on four states at once with AVX2: each
 * 256-bit register holds the same lane (x, y) of the four states, so every
 * step of a round is the scalar step with 64-bit operations replaced by
 * their four-wide forms. Rotations are a shift pair (AVX2 has no 64-bit
 * rotate). Data-independent: no branch or index depends on the state.
 */
#include "crypto_impl_internal.h"

#if HM_HAVE_AVX2_BUILD
#include <immintrin.h>

/* rho offsets (FIPS 202 Table 2) and pi destinations, by source lane x + 5y. */
static const unsigned char rho_offset[25] = { 0,  1,  62, 28, 27, 36, 44, 6,  55, 20, 3,  10, 43,
	                                      25, 39, 41, 45, 15, 21, 8,  18, 2,  61, 56, 14 };
static const unsigned char pi_dest[25] = { 0,  10, 20, 5, 15, 16, 1,  11, 21, 6, 7,  17, 2,
	                                   12, 22, 23, 8, 18, 3,  13, 14, 24, 9, 19, 4 };

HM_AVX2 void hm_keccak_x4_permute_avx2(struct hm_keccak_x4 *st)
{
	__m256i a[25], b[25], c[5], d[5];

	for (unsigned i = 0; i < 25; i++)
		a[i] = _mm256_load_si256((const __m256i *)&st->s[4 * i]);
	for (unsigned round = 0; round < 24; round++) {
		/* theta */
#pragma GCC unroll 5
		for (unsigned x = 0; x < 5; x++)
			c[x] = _mm256_xor_si256(
			        _mm256_xor_si256(_mm256_xor_si256(a[x], a[x + 5]),
			                         _mm256_xor_si256(a[x + 10], a[x + 15])),
			        a[x + 20]);
#pragma GCC unroll 5
		for (unsigned x = 0; x < 5; x++)
			d[x] = _mm256_xor_si256(
			        c[(x + 4) % 5],
			        _mm256_or_si256(_mm256_slli_epi64(c[(x + 1) % 5], 1),
			                        _mm256_srli_epi64(c[(x + 1) % 5], 63)));
#pragma GCC unroll 25
		for (unsigned i = 0; i < 25; i++)
			a[i] = _mm256_xor_si256(a[i], d[i % 5]);
			/* rho and pi */
#pragma GCC unroll 25
		for (unsigned i = 0; i < 25; i++) {
			__m256i v = a[i];
			unsigned n = rho_offset[i];

			b[pi_dest[i]] =
			        n == 0 ? v
			               : _mm256_or_si256(_mm256_slli_epi64(v, (int)n),
			                                 _mm256_srli_epi64(v, (int)(64 - n)));
		}
		/* chi: a[x] = b[x] ^ (~b[x+1] & b[x+2]) within each row */
#pragma GCC unroll 5
		for (unsigned y = 0; y < 25; y += 5)
#pragma GCC unroll 5
			for (unsigned x = 0; x < 5; x++)
				a[y + x] = _mm256_xor_si256(
				        b[y + x], _mm256_andnot_si256(b[y + (x + 1) % 5],
				                                      b[y + (x + 2) % 5]));
		/* iota */
		a[0] = _mm256_xor_si256(a[0], _mm256_set1_epi64x((long long)hm_keccak_rc[round]));
	}
	for (unsigned i = 0; i < 25; i++)
		_mm256_store_si256((__m256i *)&st->s[4 * i], a[i]);
}
#endif
