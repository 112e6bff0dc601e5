/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hex and base64: our constant-time, strict codecs beside Nettle's
 * (table-driven, not constant-time) base16/base64 as the reference, on the
 * same 4 KiB input in the same run. Reports median MB/s and the ratio.
 */
#include <stdio.h>
#include <string.h>

#include <nettle/base16.h>
#include <nettle/base64.h>

#include "bench.h"
#include "hypermesh/encoding.h"
#include "hypermesh/random.h"

#define N 4096

static uint8_t raw[N], back[N + 8];
static char text[2 * N + 8];
static size_t text_len;

static void hm_hex_enc(void *arg)
{
	(void)arg;
	(void)hm_hex_encode(text, sizeof(text), raw, N);
}

static void nettle_hex_enc(void *arg)
{
	(void)arg;
	base16_encode_update(text, N, raw);
}

static void hm_hex_dec(void *arg)
{
	size_t n;
	(void)arg;
	(void)hm_hex_decode(back, sizeof(back), &n, text, 2 * N);
}

static void nettle_hex_dec(void *arg)
{
	struct base16_decode_ctx ctx;
	size_t n = sizeof(back);
	(void)arg;
	base16_decode_init(&ctx);
	base16_decode_update(&ctx, &n, back, 2 * N, text);
}

static void hm_b64_enc(void *arg)
{
	(void)arg;
	(void)hm_base64_encode(text, sizeof(text), raw, N);
}

static void nettle_b64_enc(void *arg)
{
	struct base64_encode_ctx ctx;
	size_t n;
	(void)arg;
	base64_encode_init(&ctx);
	n = base64_encode_update(&ctx, text, N, raw);
	base64_encode_final(&ctx, text + n);
}

static void hm_b64_dec(void *arg)
{
	size_t n;
	(void)arg;
	(void)hm_base64_decode(back, sizeof(back), &n, text, text_len);
}

static void nettle_b64_dec(void *arg)
{
	struct base64_decode_ctx ctx;
	size_t n = sizeof(back);
	(void)arg;
	base64_decode_init(&ctx);
	base64_decode_update(&ctx, &n, back, text_len, text);
	base64_decode_final(&ctx);
}

static void row(const char *what, void (*ours)(void *), void (*ref)(void *), double bytes)
{
	double a = bench_median_ns(ours, NULL, 200);
	double b = bench_median_ns(ref, NULL, 200);

	printf("| %-14s | %8.0f | %8.0f | %5.2f |\n", what, bytes / a * 1e3, bytes / b * 1e3,
	       b / a);
}

int main(void)
{
	if (hm_random_bytes(raw, N) != 0)
		return 2;
	printf("encoding, %d-byte input, median of %d batches (MB/s; ratio > 1: ours faster)\n\n",
	       N, BENCH_BATCHES);
	printf("| operation      | hypermesh | nettle | ratio |\n|---|---:|---:|---:|\n");
	row("hex encode", hm_hex_enc, nettle_hex_enc, N);
	(void)hm_hex_encode(text, sizeof(text), raw, N);
	row("hex decode", hm_hex_dec, nettle_hex_dec, N);
	row("base64 encode", hm_b64_enc, nettle_b64_enc, N);
	(void)hm_base64_encode(text, sizeof(text), raw, N);
	text_len = strlen(text);
	row("base64 decode", hm_b64_dec, nettle_b64_dec, N);
	return 0;
}
