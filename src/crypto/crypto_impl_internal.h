/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to src/crypto (and its tests): the kernels behind the run-time
 * dispatch. Each *_avx2.c file defines its functions only where
 * HM_HAVE_AVX2_BUILD is 1 (x86-64 with GCC or Clang); callers reach them
 * through the kernel tables, chosen by hm_crypto_avx2_active().
 */
#ifndef HYPERMESH_CRYPTO_IMPL_INTERNAL_H
#define HYPERMESH_CRYPTO_IMPL_INTERNAL_H

#include <stdint.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HM_HAVE_AVX2_BUILD 1
/* Compiles one function for AVX2; it may run only where the CPU has AVX2. */
#define HM_AVX2            __attribute__((target("avx2")))
#else
#define HM_HAVE_AVX2_BUILD 0
#endif

/* Non-zero if the AVX2 kernels are the active ones. */
int hm_crypto_avx2_active(void);

/* ---- Keccak-f[1600] on four states at once ---- */

/*
 * Four Keccak states, lane-interleaved: s[4 * i + n] is lane i (x + 5y) of
 * state n. This is the layout the AVX2 permutation works on directly.
 */
struct hm_keccak_x4 {
	uint64_t s[100] __attribute__((aligned(32)));
};

/* The round constants of FIPS 202 §3.2.5 (defined in sha3.c). */
extern const uint64_t hm_keccak_rc[24];

/* Four permutations: the active kernel. */
void hm_keccak_x4_permute(struct hm_keccak_x4 *st);
/* The portable kernel: four calls of hm_keccak_f1600. */
void hm_keccak_x4_permute_portable(struct hm_keccak_x4 *st);
#if HM_HAVE_AVX2_BUILD
void hm_keccak_x4_permute_avx2(struct hm_keccak_x4 *st);
#endif

/*
 * Starts four SHAKE/SHA-3 computations (rate bytes per block, domain
 * suffix 0x1f for SHAKE), absorbing in[n] (len bytes each, len < rate) and
 * padding. Then squeeze whole blocks.
 */
void hm_keccak_x4_absorb_once(struct hm_keccak_x4 *st, unsigned rate, uint8_t suffix,
                              const uint8_t *const in[4], unsigned len);
/* Writes nblocks * rate bytes to each out[n] (permuting before each block). */
void hm_keccak_x4_squeeze_blocks(struct hm_keccak_x4 *st, unsigned rate, uint8_t *const out[4],
                                 unsigned nblocks);

/* ---- ML-KEM (coefficients in [0, q), q = 3329) ---- */

struct hm_mlkem_kernels {
	void (*ntt)(uint16_t c[256]);
	void (*ntt_inverse)(uint16_t c[256]);
	/* h += f * g in the NTT domain */
	void (*basemul_acc)(uint16_t h[256], const uint16_t f[256], const uint16_t g[256]);
	/*
	 * SampleNTT's rejection step on len bytes (a multiple of 3) of XOF
	 * output, filling c from index j; returns the new j.
	 */
	unsigned (*rej_uniform)(uint16_t c[256], unsigned j, const uint8_t *buf, unsigned len);
	/* SamplePolyCBD_2 of 128 bytes and _3 of 192 bytes, coefficients in [0, q) */
	void (*cbd2)(uint16_t c[256], const uint8_t buf[128]);
	void (*cbd3)(uint16_t c[256], const uint8_t buf[192]);
};

/* zeta^BitRev7(i) and zeta^(2 BitRev7(i) + 1) mod q, zeta = 17 (defined in mlkem.c). */
extern const uint16_t hm_mlkem_zetas[128];
extern const uint16_t hm_mlkem_gammas[128];

const struct hm_mlkem_kernels *hm_mlkem_kernels_portable(void);
#if HM_HAVE_AVX2_BUILD
const struct hm_mlkem_kernels *hm_mlkem_kernels_avx2(void);
#endif

/* ---- ML-DSA (q = 8380417; the representatives of mldsa.c, bit for bit) ---- */

struct hm_mldsa_kernels {
	void (*ntt)(int32_t c[256]);
	void (*intt)(int32_t c[256]);
	/* r = a o b * 2^-32 */
	void (*pointwise)(int32_t r[256], const int32_t a[256], const int32_t b[256]);
	/* r = reduce32(r + a o b * 2^-32) */
	void (*pointwise_acc)(int32_t r[256], const int32_t a[256], const int32_t b[256]);
	/*
	 * SampleInBall's inner loop over buf[from..to): each byte j is accepted
	 * if *i < 256 and j <= *i, then c[*i] = c[j], c[j] = +-1 by the next
	 * sign bit; with masks only, touching every coefficient.
	 */
	void (*ball_bytes)(int32_t c[256], const uint8_t *buf, unsigned from, unsigned to,
	                   uint32_t *i, uint64_t *signs);
	/* The per-coefficient steps of the signing loop (see sign_core in mldsa.c): */
	/* w = freeze(w), w1 = HighBits(w) */
	void (*high_bits)(int32_t w[256], int32_t w1[256], int32_t gamma2);
	/* z = y + center(z) */
	void (*add_centred)(int32_t z[256], const int32_t y[256]);
	/*
	 * From w and the inverse NTTs of c s2 (in r0) and c t0 (in ct0):
	 * r0 = LowBits(w - c s2), ct0 = centred c t0, h = MakeHint; returns
	 * the number of hints.
	 */
	uint32_t (*make_hints)(const int32_t w[256], int32_t r0[256], int32_t ct0[256],
	                       int32_t h[256], int32_t gamma2);
	/* OR over c of (|c| - bound) ^ 2^31: bit 31 set iff some |c| >= bound */
	uint32_t (*exceeds)(const int32_t c[256], int32_t bound);
	/*
	 * RejNTTPoly's rejection step on len bytes (a multiple of 3) of XOF
	 * output, filling c from index j; returns the new j.
	 */
	unsigned (*rej_uniform)(int32_t c[256], unsigned j, const uint8_t *buf, unsigned len);
};

/* 1753^BitRev8(k) * 2^32 mod q, centred (defined in mldsa.c). */
extern const int32_t hm_mldsa_zetas[256];

const struct hm_mldsa_kernels *hm_mldsa_kernels_portable(void);
#if HM_HAVE_AVX2_BUILD
const struct hm_mldsa_kernels *hm_mldsa_kernels_avx2(void);
#endif

#endif
