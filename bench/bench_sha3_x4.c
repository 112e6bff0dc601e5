/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hm_sha3_256_x4 (four digests per call) against four hm_sha3_256 calls and
 * four calls of nettle's sha3_256 (the reference), on both kernels, for the
 * input lengths PoSpace hashes (73 and 105 bytes: one block) and longer
 * ones. Nanoseconds per digest, medians of 31 batches.
 */
#include <nettle/sha3.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "hypermesh/crypto_impl.h"
#include "hypermesh/sha3.h"

static uint8_t in[4][4096], out[4][HM_SHA3_256_LEN];
static size_t len;
static volatile uint8_t sink;

static void b_scalar(void *a)
{
	(void)a;
	for (unsigned k = 0; k < 4; k++)
		hm_sha3_256(out[k], in[k], len);
	sink ^= out[3][0];
}

static void b_x4(void *a)
{
	uint8_t *const o[4] = { out[0], out[1], out[2], out[3] };
	const uint8_t *const i[4] = { in[0], in[1], in[2], in[3] };

	(void)a;
	hm_sha3_256_x4(o, i, len);
	sink ^= out[3][0];
}

static void b_nettle(void *a)
{
	struct sha3_256_ctx ctx;

	(void)a;
	for (unsigned k = 0; k < 4; k++) {
		sha3_256_init(&ctx);
		sha3_256_update(&ctx, len, in[k]);
		sha3_256_digest(&ctx, HM_SHA3_256_LEN, out[k]);
	}
	sink ^= out[3][0];
}

int main(void)
{
	static const size_t lens[] = { 73, 105, 135, 136, 512, 4096 };
	static const enum hm_crypto_impl impls[] = { HM_CRYPTO_IMPL_PORTABLE, HM_CRYPTO_IMPL_AVX2 };

	for (size_t k = 0; k < 4; k++)
		for (size_t b = 0; b < sizeof(in[k]); b++)
			in[k][b] = (uint8_t)(b * 31 + k);
	printf("sha3-256, ns per digest (4 inputs of LEN bytes); reference: nettle sha3_256\n");
	printf("%-9s %6s %10s %10s %10s %8s\n", "kernel", "LEN", "nettle", "scalar", "x4",
	       "x4 gain");
	for (size_t m = 0; m < sizeof(impls) / sizeof(impls[0]); m++) {
		if (hm_crypto_impl_select(impls[m]) != 0)
			continue;
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			double n, s, x;
			unsigned iters = lens[l] > 1000 ? 200 : 2000;

			len = lens[l];
			n = bench_median_ns(b_nettle, NULL, iters) / 4;
			s = bench_median_ns(b_scalar, NULL, iters) / 4;
			x = bench_median_ns(b_x4, NULL, iters) / 4;
			printf("%-9s %6zu %10.1f %10.1f %10.1f %7.2fx\n",
			       hm_crypto_impl_name(impls[m]), len, n, s, x, s / x);
		}
	}
	return 0;
}
