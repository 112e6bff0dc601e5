/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-3 and SHAKE (FIPS 202), written from the standard.
 *
 * One context type serves every instance: init for the instance, absorb any
 * number of times, then either final (fixed-output SHA3) or squeeze any number
 * of times (SHAKE). The first squeeze pads and switches the context to
 * squeezing; absorbing after that is a caller bug (checked by assert).
 * No heap; the caller owns the context and should hm_keccak_wipe() it when the
 * input was secret.
 */
#ifndef HYPERMESH_SHA3_H
#define HYPERMESH_SHA3_H

#include <stddef.h>
#include <stdint.h>

#define HM_SHA3_256_LEN  32
#define HM_SHA3_512_LEN  64
#define HM_SHAKE128_RATE 168
#define HM_SHAKE256_RATE 136
#define HM_SHA3_256_RATE 136
#define HM_SHA3_512_RATE 72

struct hm_keccak {
	uint64_t state[25];
	size_t rate;    /* bytes per block: 200 - 2 * security bytes */
	size_t pos;     /* byte position inside the current block */
	uint8_t suffix; /* domain-separation bits + first pad bit: 0x06 SHA3, 0x1f SHAKE */
	uint8_t squeezing;
};

/* The Keccak-f[1600] permutation, 24 rounds, on 25 little-endian lanes. */
void hm_keccak_f1600(uint64_t state[25]);

void hm_sha3_256_init(struct hm_keccak *ctx);
void hm_sha3_512_init(struct hm_keccak *ctx);
void hm_shake128_init(struct hm_keccak *ctx);
void hm_shake256_init(struct hm_keccak *ctx);

void hm_keccak_absorb(struct hm_keccak *ctx, const void *in, size_t len);
void hm_keccak_squeeze(struct hm_keccak *ctx, void *out, size_t len);
/* Final for SHA3-256/512: squeezes the digest (32 or 64 bytes) and wipes ctx. */
void hm_sha3_final(struct hm_keccak *ctx, uint8_t *digest);
void hm_keccak_wipe(struct hm_keccak *ctx);

/* One-shot helpers. */
void hm_sha3_256(uint8_t out[HM_SHA3_256_LEN], const void *in, size_t len);
void hm_sha3_512(uint8_t out[HM_SHA3_512_LEN], const void *in, size_t len);
void hm_shake128(void *out, size_t outlen, const void *in, size_t inlen);
void hm_shake256(void *out, size_t outlen, const void *in, size_t inlen);

/*
 * Four SHA3-256 digests at once: out[k] = SHA3-256(in[k]) for k = 0..3, the
 * four inputs len bytes each (any length, 0 included). Where the CPU has
 * AVX2 (and HM_CRYPTO_NO_AVX2 is unset) one four-way Keccak permutation
 * serves all four per block (2.5-2.9x the throughput of hm_sha3_256 here,
 * bench/bench_sha3_x4.c); otherwise four hm_sha3_256 calls. The
 * digests are identical either way. Every input is read before any output
 * is written, so outputs may overlap inputs. No heap; the state is wiped.
 */
void hm_sha3_256_x4(uint8_t *const out[4], const uint8_t *const in[4], size_t len);

#endif
