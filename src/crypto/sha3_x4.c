/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA3-256 of four equal-length inputs side by side (sha3.h): the sponge of
 * FIPS 202 run on the four lane-interleaved states of the four-way Keccak,
 * so that one AVX2 permutation advances all four. Without AVX2 it is four
 * hm_sha3_256 calls; the digests are the same either way
 * (tests/crypto/test_sha3_x4.c holds both paths to that).
 */
#include <string.h>

#include "crypto_impl_internal.h"
#include "hypermesh/secure.h"
#include "hypermesh/sha3.h"

/* XORs n bytes of each in[k], from offset at, into the four states' first lanes. */
static void absorb_bytes(struct hm_keccak_x4 *st, const uint8_t *const in[4], size_t at, unsigned n)
{
	for (unsigned k = 0; k < 4; k++) {
		const uint8_t *p = in[k] + at;
		unsigned b = 0;

		for (; b + 8 <= n; b += 8) {
			uint64_t lane = 0;

			for (unsigned j = 0; j < 8; j++)
				lane |= (uint64_t)p[b + j] << (8 * j);
			st->s[4 * (b / 8) + k] ^= lane;
		}
		for (; b < n; b++)
			st->s[4 * (b / 8) + k] ^= (uint64_t)p[b] << (8 * (b % 8));
	}
}

/*
 * Without AVX2 the four-way permutation is four scalar ones plus the lane
 * shuffling, measured 3-12% slower than four plain hm_sha3_256 calls
 * (bench/bench_sha3_x4.c): those are used instead.
 */
static void sha3_256_four_scalar(uint8_t *const out[4], const uint8_t *const in[4], size_t len)
{
	uint8_t digest[4][HM_SHA3_256_LEN];

	for (unsigned k = 0; k < 4; k++)
		hm_sha3_256(digest[k], in[k], len);
	for (unsigned k = 0; k < 4; k++)
		memcpy(out[k], digest[k], HM_SHA3_256_LEN);
	hm_wipe(digest, sizeof(digest));
}

void hm_sha3_256_x4(uint8_t *const out[4], const uint8_t *const in[4], size_t len)
{
	struct hm_keccak_x4 st;
	size_t at = 0;
	unsigned tail;

	if (!hm_crypto_avx2_active()) {
		sha3_256_four_scalar(out, in, len);
		return;
	}
	memset(st.s, 0, sizeof(st.s));
	for (; len - at >= HM_SHA3_256_RATE; at += HM_SHA3_256_RATE) {
		absorb_bytes(&st, in, at, HM_SHA3_256_RATE);
		hm_keccak_x4_permute(&st);
	}
	/* The last, partial block (possibly empty) and the pad10*1 with SHA3's 01 suffix. */
	tail = (unsigned)(len - at);
	absorb_bytes(&st, in, at, tail);
	for (unsigned k = 0; k < 4; k++) {
		st.s[4 * (tail / 8) + k] ^= (uint64_t)0x06 << (8 * (tail % 8));
		st.s[4 * ((HM_SHA3_256_RATE - 1) / 8) + k] ^= (uint64_t)0x80
		                                              << (8 * ((HM_SHA3_256_RATE - 1) % 8));
	}
	hm_keccak_x4_permute(&st);
	/* Every input is read: out[k] may be in[k]. */
	for (unsigned k = 0; k < 4; k++)
		for (unsigned b = 0; b < HM_SHA3_256_LEN; b++)
			out[k][b] = (uint8_t)(st.s[4 * (b / 8) + k] >> (8 * (b % 8)));
	hm_wipe(&st, sizeof(st));
}
