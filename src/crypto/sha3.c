/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-3 and SHAKE (FIPS 202), written from the standard.
 *
 * The state is kept as 25 lanes of 64 bits, lane (x, y) at index x + 5y,
 * with the byte order of FIPS 202 (byte i of the state is bits 8i..8i+7, i.e.
 * little-endian lanes). Bytes are moved in and out one at a time with shifts,
 * so the code does not depend on the host's byte order or alignment.
 */
#include <assert.h>
#include <string.h>

#include "crypto_impl_internal.h"
#include "hypermesh/secure.h"
#include "hypermesh/sha3.h"

#define KECCAK_ROUNDS 24

/* The round constants RC[i] of FIPS 202 §3.2.5 (the iota step). */
const uint64_t hm_keccak_rc[KECCAK_ROUNDS] = {
	UINT64_C(0x0000000000000001), UINT64_C(0x0000000000008082), UINT64_C(0x800000000000808a),
	UINT64_C(0x8000000080008000), UINT64_C(0x000000000000808b), UINT64_C(0x0000000080000001),
	UINT64_C(0x8000000080008081), UINT64_C(0x8000000000008009), UINT64_C(0x000000000000008a),
	UINT64_C(0x0000000000000088), UINT64_C(0x0000000080008009), UINT64_C(0x000000008000000a),
	UINT64_C(0x000000008000808b), UINT64_C(0x800000000000008b), UINT64_C(0x8000000000008089),
	UINT64_C(0x8000000000008003), UINT64_C(0x8000000000008002), UINT64_C(0x8000000000000080),
	UINT64_C(0x000000000000800a), UINT64_C(0x800000008000000a), UINT64_C(0x8000000080008081),
	UINT64_C(0x8000000000008080), UINT64_C(0x0000000080000001), UINT64_C(0x8000000080008008),
};

static inline uint64_t rol64(uint64_t v, unsigned n)
{
	/* Only called with 0 < n < 64: a shift by 64 would be undefined. */
	return (v << n) | (v >> (64 - n));
}

/*
 * rho and pi together: lane (x, y) is rotated by its rho offset (FIPS 202
 * Table 2) and moved to (y, 2x + 3y mod 5). Indices are x + 5y. Written out
 * lane by lane, with constant indices, so that compilers keep the state in
 * registers.
 */
#define RHO_PI(b, a)                      \
	do {                              \
		b[0] = a[0];              \
		b[10] = rol64(a[1], 1);   \
		b[20] = rol64(a[2], 62);  \
		b[5] = rol64(a[3], 28);   \
		b[15] = rol64(a[4], 27);  \
		b[16] = rol64(a[5], 36);  \
		b[1] = rol64(a[6], 44);   \
		b[11] = rol64(a[7], 6);   \
		b[21] = rol64(a[8], 55);  \
		b[6] = rol64(a[9], 20);   \
		b[7] = rol64(a[10], 3);   \
		b[17] = rol64(a[11], 10); \
		b[2] = rol64(a[12], 43);  \
		b[12] = rol64(a[13], 25); \
		b[22] = rol64(a[14], 39); \
		b[23] = rol64(a[15], 41); \
		b[8] = rol64(a[16], 45);  \
		b[18] = rol64(a[17], 15); \
		b[3] = rol64(a[18], 21);  \
		b[13] = rol64(a[19], 8);  \
		b[14] = rol64(a[20], 18); \
		b[24] = rol64(a[21], 2);  \
		b[9] = rol64(a[22], 61);  \
		b[19] = rol64(a[23], 56); \
		b[4] = rol64(a[24], 14);  \
	} while (0)

/* chi on the row starting at lane y: a[x] = b[x] ^ (~b[x+1] & b[x+2]) within the row. */
#define CHI_ROW(a, b, y)                                      \
	do {                                                  \
		a[y + 0] = b[y + 0] ^ (~b[y + 1] & b[y + 2]); \
		a[y + 1] = b[y + 1] ^ (~b[y + 2] & b[y + 3]); \
		a[y + 2] = b[y + 2] ^ (~b[y + 3] & b[y + 4]); \
		a[y + 3] = b[y + 3] ^ (~b[y + 4] & b[y + 0]); \
		a[y + 4] = b[y + 4] ^ (~b[y + 0] & b[y + 1]); \
	} while (0)

/* theta: xor into every lane of column x the parity of columns x-1 and x+1 (rotated). */
#define THETA(a)                                                         \
	do {                                                             \
		uint64_t c0 = a[0] ^ a[5] ^ a[10] ^ a[15] ^ a[20];       \
		uint64_t c1 = a[1] ^ a[6] ^ a[11] ^ a[16] ^ a[21];       \
		uint64_t c2 = a[2] ^ a[7] ^ a[12] ^ a[17] ^ a[22];       \
		uint64_t c3 = a[3] ^ a[8] ^ a[13] ^ a[18] ^ a[23];       \
		uint64_t c4 = a[4] ^ a[9] ^ a[14] ^ a[19] ^ a[24];       \
		uint64_t d0 = c4 ^ rol64(c1, 1), d1 = c0 ^ rol64(c2, 1); \
		uint64_t d2 = c1 ^ rol64(c3, 1), d3 = c2 ^ rol64(c4, 1); \
		uint64_t d4 = c3 ^ rol64(c0, 1);                         \
		for (int i_ = 0; i_ < 25; i_ += 5) {                     \
			a[i_ + 0] ^= d0;                                 \
			a[i_ + 1] ^= d1;                                 \
			a[i_ + 2] ^= d2;                                 \
			a[i_ + 3] ^= d3;                                 \
			a[i_ + 4] ^= d4;                                 \
		}                                                        \
	} while (0)

void hm_keccak_f1600(uint64_t state[25])
{
	uint64_t a[25], b[25];

	memcpy(a, state, sizeof(a));
	for (int round = 0; round < KECCAK_ROUNDS; round++) {
		THETA(a);
		RHO_PI(b, a);
		CHI_ROW(a, b, 0);
		CHI_ROW(a, b, 5);
		CHI_ROW(a, b, 10);
		CHI_ROW(a, b, 15);
		CHI_ROW(a, b, 20);
		/* iota */
		a[0] ^= hm_keccak_rc[round];
	}
	memcpy(state, a, sizeof(a));
	hm_wipe(a, sizeof(a));
	hm_wipe(b, sizeof(b));
}

static void keccak_init(struct hm_keccak *ctx, size_t rate, uint8_t suffix)
{
	memset(ctx->state, 0, sizeof(ctx->state));
	ctx->rate = rate;
	ctx->pos = 0;
	ctx->suffix = suffix;
	ctx->squeezing = 0;
}

/* Domain bits 01 (SHA3) or 1111 (SHAKE), followed by the first bit of pad10*1. */
#define SUFFIX_SHA3  0x06
#define SUFFIX_SHAKE 0x1f

void hm_sha3_256_init(struct hm_keccak *ctx)
{
	keccak_init(ctx, HM_SHA3_256_RATE, SUFFIX_SHA3);
}

void hm_sha3_512_init(struct hm_keccak *ctx)
{
	keccak_init(ctx, HM_SHA3_512_RATE, SUFFIX_SHA3);
}

void hm_shake128_init(struct hm_keccak *ctx)
{
	keccak_init(ctx, HM_SHAKE128_RATE, SUFFIX_SHAKE);
}

void hm_shake256_init(struct hm_keccak *ctx)
{
	keccak_init(ctx, HM_SHAKE256_RATE, SUFFIX_SHAKE);
}

static inline void xor_byte(uint64_t *state, size_t pos, uint8_t v)
{
	state[pos / 8] ^= (uint64_t)v << (8 * (pos % 8));
}

static inline uint64_t load64_le(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
	       (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	       (uint64_t)p[7] << 56;
}

void hm_keccak_absorb(struct hm_keccak *ctx, const void *in, size_t len)
{
	const uint8_t *p = in;

	assert(!ctx->squeezing);
	/* Finish a partial lane or block byte by byte. */
	while (len > 0 && (ctx->pos % 8) != 0) {
		xor_byte(ctx->state, ctx->pos++, *p++);
		len--;
		if (ctx->pos == ctx->rate) {
			hm_keccak_f1600(ctx->state);
			ctx->pos = 0;
		}
	}
	/* Whole lanes: every rate is a multiple of 8 bytes. */
	while (len >= 8) {
		ctx->state[ctx->pos / 8] ^= load64_le(p);
		ctx->pos += 8;
		p += 8;
		len -= 8;
		if (ctx->pos == ctx->rate) {
			hm_keccak_f1600(ctx->state);
			ctx->pos = 0;
		}
	}
	while (len > 0) {
		xor_byte(ctx->state, ctx->pos++, *p++);
		len--;
	}
}

/* Applies the suffix and pad10*1 (FIPS 202 §5.1, B.2) and permutes once. */
static void keccak_pad(struct hm_keccak *ctx)
{
	xor_byte(ctx->state, ctx->pos, ctx->suffix);
	xor_byte(ctx->state, ctx->rate - 1, 0x80);
	hm_keccak_f1600(ctx->state);
	ctx->pos = 0;
	ctx->squeezing = 1;
}

void hm_keccak_squeeze(struct hm_keccak *ctx, void *out, size_t len)
{
	uint8_t *p = out;

	if (!ctx->squeezing)
		keccak_pad(ctx);
	while (len > 0) {
		if (ctx->pos == ctx->rate) {
			hm_keccak_f1600(ctx->state);
			ctx->pos = 0;
		}
		*p++ = (uint8_t)(ctx->state[ctx->pos / 8] >> (8 * (ctx->pos % 8)));
		ctx->pos++;
		len--;
	}
}

void hm_sha3_final(struct hm_keccak *ctx, uint8_t *digest)
{
	/* rate = 200 - 2 * digest length for every SHA3 instance. */
	hm_keccak_squeeze(ctx, digest, (200 - ctx->rate) / 2);
	hm_keccak_wipe(ctx);
}

void hm_keccak_wipe(struct hm_keccak *ctx)
{
	hm_wipe(ctx, sizeof(*ctx));
}

void hm_sha3_256(uint8_t out[HM_SHA3_256_LEN], const void *in, size_t len)
{
	struct hm_keccak ctx;

	hm_sha3_256_init(&ctx);
	hm_keccak_absorb(&ctx, in, len);
	hm_sha3_final(&ctx, out);
}

void hm_sha3_512(uint8_t out[HM_SHA3_512_LEN], const void *in, size_t len)
{
	struct hm_keccak ctx;

	hm_sha3_512_init(&ctx);
	hm_keccak_absorb(&ctx, in, len);
	hm_sha3_final(&ctx, out);
}

void hm_shake128(void *out, size_t outlen, const void *in, size_t inlen)
{
	struct hm_keccak ctx;

	hm_shake128_init(&ctx);
	hm_keccak_absorb(&ctx, in, inlen);
	hm_keccak_squeeze(&ctx, out, outlen);
	hm_keccak_wipe(&ctx);
}

void hm_shake256(void *out, size_t outlen, const void *in, size_t inlen)
{
	struct hm_keccak ctx;

	hm_shake256_init(&ctx);
	hm_keccak_absorb(&ctx, in, inlen);
	hm_keccak_squeeze(&ctx, out, outlen);
	hm_keccak_wipe(&ctx);
}
