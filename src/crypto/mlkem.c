/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ML-KEM (FIPS 203), written from the standard. Algorithm numbers in the
 * comments refer to FIPS 203 (August 2024).
 *
 * Arithmetic: every coefficient is kept canonical, in [0, q), as a uint16_t.
 * Products are reduced with a Barrett reduction on 32-bit values and sums with
 * a branch-free conditional subtraction, so no operation depends on secret
 * data through branches, memory indices or variable-time instructions (no
 * division: compression divides by q with an exact multiply-and-shift).
 */
#include <string.h>

#include "crypto_impl_internal.h"
#include "ct_check.h"
#include "hypermesh/error.h"
#include "hypermesh/mlkem.h"
#include "hypermesh/random.h"
#include "hypermesh/secure.h"
#include "hypermesh/sha3.h"

#define N          256
#define Q          3329
#define K_MAX      4
#define POLY_BYTES 384 /* ByteEncode_12 of one polynomial */

struct params {
	unsigned k;
	unsigned eta1;
	unsigned eta2;
	unsigned du;
	unsigned dv;
};

static const struct params params_512 = { 2, 3, 2, 10, 4 };
static const struct params params_768 = { 3, 2, 2, 10, 4 };
static const struct params params_1024 = { 4, 2, 2, 11, 5 };

static const struct params *get_params(enum hm_mlkem_param param)
{
	switch (param) {
	case HM_MLKEM_512:
		return &params_512;
	case HM_MLKEM_768:
		return &params_768;
	case HM_MLKEM_1024:
		return &params_1024;
	}
	return NULL;
}

static size_t sz_ek_len(const struct params *p)
{
	return POLY_BYTES * p->k + 32;
}

static size_t sz_dk_len(const struct params *p)
{
	return 2 * POLY_BYTES * p->k + 96;
}

static size_t sz_ct_len(const struct params *p)
{
	return 32 * (p->du * p->k + p->dv);
}

size_t hm_mlkem_ek_len(enum hm_mlkem_param param)
{
	const struct params *p = get_params(param);

	return p ? sz_ek_len(p) : 0;
}

size_t hm_mlkem_dk_len(enum hm_mlkem_param param)
{
	const struct params *p = get_params(param);

	return p ? sz_dk_len(p) : 0;
}

size_t hm_mlkem_ct_len(enum hm_mlkem_param param)
{
	const struct params *p = get_params(param);

	return p ? sz_ct_len(p) : 0;
}

/* ---- arithmetic modulo q ---- */

/* x - q if x >= q, else x; for x < 2q. The borrow bit becomes the mask. */
static inline uint16_t csubq(uint32_t x)
{
	uint32_t r = x - Q;

	r += (uint32_t)(-(int32_t)(r >> 31)) & Q;
	return (uint16_t)r;
}

/*
 * x mod q for any 32-bit x. Barrett: t = floor(x * floor(2^32 / q) / 2^32)
 * underestimates floor(x / q) by at most 1, so x - t*q lies in [0, 2q).
 */
static inline uint16_t reduce32(uint32_t x)
{
	uint32_t t = (uint32_t)(((uint64_t)x * 1290167u) >> 32);

	return csubq(x - t * Q);
}

static inline uint16_t fq_mul(uint16_t a, uint16_t b)
{
	return reduce32((uint32_t)a * b);
}

static inline uint16_t fq_add(uint16_t a, uint16_t b)
{
	return csubq((uint32_t)a + b);
}

static inline uint16_t fq_sub(uint16_t a, uint16_t b)
{
	return csubq((uint32_t)a + Q - b);
}

/* floor(y / q) for y < 2^23, exact: 20642679 = ceil(2^36 / q), checked for every such y. */
static inline uint32_t div_q(uint32_t y)
{
	return (uint32_t)(((uint64_t)y * 20642679u) >> 36);
}

/* Compress_d (§4.2.1): round(2^d * x / q) mod 2^d, for x in [0, q) and d <= 11. */
static inline uint16_t compress(uint16_t x, unsigned d)
{
	return (uint16_t)(div_q(((uint32_t)x << d) + Q / 2) & ((1u << d) - 1));
}

/* Decompress_d: round(q * y / 2^d). */
static inline uint16_t decompress(uint16_t y, unsigned d)
{
	return (uint16_t)(((uint32_t)y * Q + (1u << (d - 1))) >> d);
}

/* ---- polynomials and the NTT ---- */

struct poly {
	uint16_t c[N];
};

struct polyvec {
	struct poly p[K_MAX];
};

/* zeta^BitRev7(i) mod q for zeta = 17 (§4.3, used by Alg. 9 and 10). */
const uint16_t hm_mlkem_zetas[128] = {
	1,    1729, 2580, 3289, 2642, 630,  1897, 848,  1062, 1919, 193,  797,  2786, 3260, 569,
	1746, 296,  2447, 1339, 1476, 3046, 56,   2240, 1333, 1426, 2094, 535,  2882, 2393, 2879,
	1974, 821,  289,  331,  3253, 1756, 1197, 2304, 2277, 2055, 650,  1977, 2513, 632,  2865,
	33,   1320, 1915, 2319, 1435, 807,  452,  1438, 2868, 1534, 2402, 2647, 2617, 1481, 648,
	2474, 3110, 1227, 910,  17,   2761, 583,  2649, 1637, 723,  2288, 1100, 1409, 2662, 3281,
	233,  756,  2156, 3015, 3050, 1703, 1651, 2789, 1789, 1847, 952,  1461, 2687, 939,  2308,
	2437, 2388, 733,  2337, 268,  641,  1584, 2298, 2037, 3220, 375,  2549, 2090, 1645, 1063,
	319,  2773, 757,  2099, 561,  2466, 2594, 2804, 1092, 403,  1026, 1143, 2150, 2775, 886,
	1722, 1212, 1874, 1029, 2110, 2935, 885,  2154,
};

/* zeta^(2 BitRev7(i) + 1) mod q: the moduli X^2 - gamma_i of the NTT domain (Alg. 11). */
const uint16_t hm_mlkem_gammas[128] = {
	17,   3312, 2761, 568,  583,  2746, 2649, 680,  1637, 1692, 723,  2606, 2288, 1041, 1100,
	2229, 1409, 1920, 2662, 667,  3281, 48,   233,  3096, 756,  2573, 2156, 1173, 3015, 314,
	3050, 279,  1703, 1626, 1651, 1678, 2789, 540,  1789, 1540, 1847, 1482, 952,  2377, 1461,
	1868, 2687, 642,  939,  2390, 2308, 1021, 2437, 892,  2388, 941,  733,  2596, 2337, 992,
	268,  3061, 641,  2688, 1584, 1745, 2298, 1031, 2037, 1292, 3220, 109,  375,  2954, 2549,
	780,  2090, 1239, 1645, 1684, 1063, 2266, 319,  3010, 2773, 556,  757,  2572, 2099, 1230,
	561,  2768, 2466, 863,  2594, 735,  2804, 525,  1092, 2237, 403,  2926, 1026, 2303, 1143,
	2186, 2150, 1179, 2775, 554,  886,  2443, 1722, 1607, 1212, 2117, 1874, 1455, 1029, 2300,
	2110, 1219, 2935, 394,  885,  2444, 2154, 1175,
};

/* Alg. 9 */
static void ntt_portable(uint16_t c[N])
{
	unsigned i = 1;

	for (unsigned len = 128; len >= 2; len /= 2) {
		for (unsigned start = 0; start < N; start += 2 * len) {
			uint16_t zeta = hm_mlkem_zetas[i++];

			for (unsigned j = start; j < start + len; j++) {
				uint16_t t = fq_mul(zeta, c[j + len]);

				c[j + len] = fq_sub(c[j], t);
				c[j] = fq_add(c[j], t);
			}
		}
	}
}

/* Alg. 10 */
static void ntt_inverse_portable(uint16_t c[N])
{
	unsigned i = 127;

	for (unsigned len = 2; len <= 128; len *= 2) {
		for (unsigned start = 0; start < N; start += 2 * len) {
			uint16_t zeta = hm_mlkem_zetas[i--];

			for (unsigned j = start; j < start + len; j++) {
				uint16_t t = c[j];

				c[j] = fq_add(t, c[j + len]);
				c[j + len] = fq_mul(zeta, fq_sub(c[j + len], t));
			}
		}
	}
	/* 3303 = 128^-1 mod q */
	for (unsigned j = 0; j < N; j++)
		c[j] = fq_mul(c[j], 3303);
}

/* h += f * g in the NTT domain (Alg. 11 and 12, accumulated). */
static void basemul_acc_portable(uint16_t h[N], const uint16_t f[N], const uint16_t g[N])
{
	for (unsigned i = 0; i < 128; i++) {
		uint16_t a0 = f[2 * i], a1 = f[2 * i + 1];
		uint16_t b0 = g[2 * i], b1 = g[2 * i + 1];
		uint16_t c0 = fq_add(fq_mul(a0, b0), fq_mul(fq_mul(a1, b1), hm_mlkem_gammas[i]));
		uint16_t c1 = fq_add(fq_mul(a0, b1), fq_mul(a1, b0));

		h[2 * i] = fq_add(h[2 * i], c0);
		h[2 * i + 1] = fq_add(h[2 * i + 1], c1);
	}
}

/* Defined with the samplers below. */
static unsigned rej_uniform(uint16_t *c, unsigned j, const uint8_t *buf, unsigned len);
static void cbd2_portable(uint16_t c[N], const uint8_t buf[128]);
static void cbd3_portable(uint16_t c[N], const uint8_t buf[192]);

static const struct hm_mlkem_kernels portable_kernels = {
	.ntt = ntt_portable,
	.ntt_inverse = ntt_inverse_portable,
	.basemul_acc = basemul_acc_portable,
	.rej_uniform = rej_uniform,
	.cbd2 = cbd2_portable,
	.cbd3 = cbd3_portable,
};

const struct hm_mlkem_kernels *hm_mlkem_kernels_portable(void)
{
	return &portable_kernels;
}

/* The kernels of the implementation chosen at run time (hypermesh/crypto_impl.h). */
static const struct hm_mlkem_kernels *kernels(void)
{
#if HM_HAVE_AVX2_BUILD
	if (hm_crypto_avx2_active())
		return hm_mlkem_kernels_avx2();
#endif
	return &portable_kernels;
}

static void ntt(struct poly *f)
{
	kernels()->ntt(f->c);
}

static void ntt_inverse(struct poly *f)
{
	kernels()->ntt_inverse(f->c);
}

static void poly_basemul_acc(struct poly *h, const struct poly *f, const struct poly *g)
{
	kernels()->basemul_acc(h->c, f->c, g->c);
}

static void poly_add(struct poly *r, const struct poly *a)
{
	for (unsigned j = 0; j < N; j++)
		r->c[j] = fq_add(r->c[j], a->c[j]);
}

/* ---- encodings (§4.2.1) ---- */

/* ByteEncode_d: d bits per coefficient, least significant first; writes 32 d bytes. */
static void byte_encode(uint8_t *out, const struct poly *f, unsigned d)
{
	uint32_t acc = 0;
	unsigned bits = 0;

	for (unsigned j = 0; j < N; j++) {
		acc |= (uint32_t)f->c[j] << bits;
		bits += d;
		while (bits >= 8) {
			*out++ = (uint8_t)acc;
			acc >>= 8;
			bits -= 8;
		}
	}
}

/* ByteDecode_d for d < 12: coefficients in [0, 2^d). */
static void byte_decode(struct poly *f, const uint8_t *in, unsigned d)
{
	uint32_t acc = 0, mask = (1u << d) - 1;
	unsigned bits = 0;

	for (unsigned j = 0; j < N; j++) {
		while (bits < d) {
			acc |= (uint32_t)*in++ << bits;
			bits += 8;
		}
		f->c[j] = (uint16_t)(acc & mask);
		acc >>= d;
		bits -= d;
	}
}

/* ByteDecode_12 reduces modulo q (values up to 4095 < 2q). */
static void byte_decode12(struct poly *f, const uint8_t *in)
{
	byte_decode(f, in, 12);
	for (unsigned j = 0; j < N; j++)
		f->c[j] = csubq(f->c[j]);
}

/* ---- sampling (§4.2.2) ---- */

/*
 * Rejection sampling of Alg. 7 on one squeezed stretch (a multiple of three
 * bytes), continuing at coefficient j; returns the new j. Public data.
 */
static unsigned rej_uniform(uint16_t *c, unsigned j, const uint8_t *buf, unsigned len)
{
	for (unsigned b = 0; b + 3 <= len && j < N; b += 3) {
		uint16_t d1 = (uint16_t)(buf[b] | (buf[b + 1] & 0x0f) << 8);
		uint16_t d2 = (uint16_t)(buf[b + 1] >> 4 | buf[b + 2] << 4);

		if (d1 < Q)
			c[j++] = d1;
		if (d2 < Q && j < N)
			c[j++] = d2;
	}
	return j;
}

/* Alg. 7 SampleNTT on rho || x || y: rejection sampling from SHAKE128 (public data). */
static void sample_ntt(struct poly *a, const uint8_t rho[32], uint8_t x, uint8_t y)
{
	struct hm_keccak xof;
	uint8_t seed[34], buf[HM_SHAKE128_RATE];
	unsigned j = 0;

	memcpy(seed, rho, 32);
	seed[32] = x;
	seed[33] = y;
	hm_shake128_init(&xof);
	hm_keccak_absorb(&xof, seed, sizeof(seed));
	while (j < N) {
		/* One block at a time: the same stream as three bytes at a time. */
		hm_keccak_squeeze(&xof, buf, sizeof(buf));
		j = rej_uniform(a->c, j, buf, sizeof(buf));
	}
	hm_keccak_wipe(&xof);
}

/*
 * SampleNTT of count (<= 4) entries a[n] from rho || x[n] || y[n]. With AVX2
 * the four SHAKE128 streams run side by side; the portable path samples
 * them one by one. Three blocks (504 bytes) nearly always suffice.
 */
static void sample_ntt_x4(struct poly *const a[4], unsigned count, const uint8_t rho[32],
                          const uint8_t x[4], const uint8_t y[4])
{
	struct hm_keccak_x4 st;
	uint8_t seed[4][34], buf[4][3 * HM_SHAKE128_RATE];
	const uint8_t *in[4];
	uint8_t *out[4];
	unsigned j[4] = { 0, 0, 0, 0 }, more;

	if (!hm_crypto_avx2_active()) {
		for (unsigned n = 0; n < count; n++)
			sample_ntt(a[n], rho, x[n], y[n]);
		return;
	}
	for (unsigned n = 0; n < 4; n++) {
		unsigned m = n < count ? n : 0; /* unused lanes repeat the first */

		memcpy(seed[n], rho, 32);
		seed[n][32] = x[m];
		seed[n][33] = y[m];
		in[n] = seed[n];
		out[n] = buf[n];
	}
	hm_keccak_x4_absorb_once(&st, HM_SHAKE128_RATE, 0x1f, in, sizeof(seed[0]));
	hm_keccak_x4_squeeze_blocks(&st, HM_SHAKE128_RATE, out, 3);
	more = 0;
	for (unsigned n = 0; n < count; n++) {
		j[n] = kernels()->rej_uniform(a[n]->c, 0, buf[n], sizeof(buf[n]));
		more |= j[n] < N;
	}
	while (more) {
		hm_keccak_x4_squeeze_blocks(&st, HM_SHAKE128_RATE, out, 1);
		more = 0;
		for (unsigned n = 0; n < count; n++) {
			j[n] = kernels()->rej_uniform(a[n]->c, j[n], buf[n], HM_SHAKE128_RATE);
			more |= j[n] < N;
		}
	}
}

/*
 * Alg. 8 SamplePolyCBD_eta on 64 eta bytes: each coefficient is (sum of eta
 * bits) - (sum of the next eta bits) mod q, computed with bit operations only.
 */
static void cbd(struct poly *f, const uint8_t *buf, unsigned eta)
{
	for (unsigned i = 0; i < N; i++) {
		uint32_t x = 0, y = 0;

		for (unsigned j = 0; j < eta; j++) {
			unsigned bx = 2 * i * eta + j, by = bx + eta;

			x += (buf[bx / 8] >> (bx % 8)) & 1;
			y += (buf[by / 8] >> (by % 8)) & 1;
		}
		f->c[i] = csubq(x + Q - y);
	}
}

static void cbd2_portable(uint16_t c[N], const uint8_t buf[128])
{
	struct poly f;

	cbd(&f, buf, 2);
	memcpy(c, f.c, sizeof(f.c));
	hm_wipe(&f, sizeof(f));
}

static void cbd3_portable(uint16_t c[N], const uint8_t buf[192])
{
	struct poly f;

	cbd(&f, buf, 3);
	memcpy(c, f.c, sizeof(f.c));
	hm_wipe(&f, sizeof(f));
}

/* SamplePolyCBD_eta on PRF_eta(s, b) = SHAKE256(s || b, 64 eta). */
static void sample_cbd(struct poly *f, const uint8_t s[32], uint8_t b, unsigned eta)
{
	uint8_t in[33], buf[64 * 3];

	memcpy(in, s, 32);
	in[32] = b;
	hm_shake256(buf, 64 * eta, in, sizeof(in));
	cbd(f, buf, eta);
	hm_wipe(in, sizeof(in));
	hm_wipe(buf, sizeof(buf));
}

/*
 * f[n] = SamplePolyCBD_eta(PRF_eta(s, b + n)) for n < count: with AVX2 four
 * SHAKE256 streams at a time, otherwise one by one.
 */
static void sample_cbd_many(struct poly *f, unsigned count, const uint8_t s[32], uint8_t b,
                            unsigned eta)
{
	struct hm_keccak_x4 st;
	uint8_t seed[4][33], buf[4][2 * HM_SHAKE256_RATE]; /* 64 eta <= 192 bytes */
	const uint8_t *in[4];
	uint8_t *out[4];

	if (!hm_crypto_avx2_active()) {
		for (unsigned n = 0; n < count; n++)
			sample_cbd(&f[n], s, (uint8_t)(b + n), eta);
		return;
	}
	for (unsigned first = 0; first < count; first += 4) {
		unsigned batch = count - first < 4 ? count - first : 4;

		for (unsigned n = 0; n < 4; n++) {
			memcpy(seed[n], s, 32);
			seed[n][32] = (uint8_t)(b + first + (n < batch ? n : 0));
			in[n] = seed[n];
			out[n] = buf[n];
		}
		hm_keccak_x4_absorb_once(&st, HM_SHAKE256_RATE, 0x1f, in, sizeof(seed[0]));
		hm_keccak_x4_squeeze_blocks(&st, HM_SHAKE256_RATE, out,
		                            (64 * eta + HM_SHAKE256_RATE - 1) / HM_SHAKE256_RATE);
		for (unsigned n = 0; n < batch; n++) {
			if (eta == 2)
				kernels()->cbd2(f[first + n].c, buf[n]);
			else
				kernels()->cbd3(f[first + n].c, buf[n]);
		}
	}
	hm_wipe(seed, sizeof(seed));
	hm_wipe(buf, sizeof(buf));
	hm_wipe(&st, sizeof(st));
}

/* ---- K-PKE (§5) ---- */

/* Alg. 13; writes ek_pke (384k + 32 bytes) and dk_pke (384k bytes). */
static void kpke_keygen(const struct params *p, uint8_t *ek_pke, uint8_t *dk_pke,
                        const uint8_t d[32])
{
	struct {
		uint8_t in[33];
		uint8_t rho_sigma[64];
		struct polyvec s, e;
		struct poly a[4], t;
	} w;
	const uint8_t *rho = w.rho_sigma, *sigma = w.rho_sigma + 32;
	struct poly *const row[4] = { &w.a[0], &w.a[1], &w.a[2], &w.a[3] };
	uint8_t xs[4] = { 0, 1, 2, 3 }, ys[4];

	/* (rho, sigma) = G(d || k): the k byte separates the parameter sets. */
	memcpy(w.in, d, 32);
	w.in[32] = (uint8_t)p->k;
	hm_sha3_512(w.rho_sigma, w.in, sizeof(w.in));
	/* Public: rho is the matrix seed published in ek; only sigma stays secret. */
	HM_CT_DECLASSIFY(w.rho_sigma, 32);
	sample_cbd_many(w.s.p, p->k, sigma, 0, p->eta1);
	sample_cbd_many(w.e.p, p->k, sigma, (uint8_t)p->k, p->eta1);
	for (unsigned i = 0; i < p->k; i++) {
		ntt(&w.s.p[i]);
		ntt(&w.e.p[i]);
	}
	/* t_hat[i] = sum_j A_hat[i][j] * s_hat[j] + e_hat[i], A_hat[i][j] from rho || j || i. */
	for (unsigned i = 0; i < p->k; i++) {
		memset(&w.t, 0, sizeof(w.t));
		memset(ys, (int)i, sizeof(ys));
		sample_ntt_x4(row, p->k, rho, xs, ys); /* the whole row: k <= 4 */
		for (unsigned j = 0; j < p->k; j++)
			poly_basemul_acc(&w.t, &w.a[j], &w.s.p[j]);
		poly_add(&w.t, &w.e.p[i]);
		byte_encode(ek_pke + POLY_BYTES * i, &w.t, 12);
		byte_encode(dk_pke + POLY_BYTES * i, &w.s.p[i], 12);
	}
	memcpy(ek_pke + POLY_BYTES * p->k, rho, 32);
	hm_wipe(&w, sizeof(w));
}

/* Alg. 14; ek_pke must already have passed the §7.2 check. */
static void kpke_encrypt(const struct params *p, uint8_t *c, const uint8_t *ek_pke,
                         const uint8_t m[32], const uint8_t r[32])
{
	struct {
		struct polyvec y;
		struct poly e[K_MAX + 1]; /* e1, then e2 */
		struct poly a[4], u, v, t;
	} w;
	const uint8_t *rho = ek_pke + POLY_BYTES * p->k;
	struct poly *const row[4] = { &w.a[0], &w.a[1], &w.a[2], &w.a[3] };
	uint8_t xs[4], ys[4] = { 0, 1, 2, 3 };
	uint8_t n = (uint8_t)p->k;

	sample_cbd_many(w.y.p, p->k, r, 0, p->eta1);
	sample_cbd_many(w.e, p->k + 1, r, n, p->eta2);
	for (unsigned i = 0; i < p->k; i++)
		ntt(&w.y.p[i]);
	/* u[i] = NTT^-1(sum_j A_hat[j][i] * y_hat[j]) + e1[i], A_hat[j][i] from rho || i || j */
	for (unsigned i = 0; i < p->k; i++) {
		memset(&w.u, 0, sizeof(w.u));
		memset(xs, (int)i, sizeof(xs));
		sample_ntt_x4(row, p->k, rho, xs, ys);
		for (unsigned j = 0; j < p->k; j++)
			poly_basemul_acc(&w.u, &w.a[j], &w.y.p[j]);
		ntt_inverse(&w.u);
		poly_add(&w.u, &w.e[i]);
		for (unsigned j = 0; j < N; j++)
			w.u.c[j] = compress(w.u.c[j], p->du);
		byte_encode(c + 32 * p->du * i, &w.u, p->du);
	}
	/* v = NTT^-1(t_hat . y_hat) + e2 + Decompress_1(m) */
	memset(&w.v, 0, sizeof(w.v));
	for (unsigned j = 0; j < p->k; j++) {
		byte_decode12(&w.t, ek_pke + POLY_BYTES * j);
		poly_basemul_acc(&w.v, &w.t, &w.y.p[j]);
	}
	ntt_inverse(&w.v);
	poly_add(&w.v, &w.e[p->k]);
	for (unsigned j = 0; j < N; j++) {
		/* Decompress_1(bit) = bit * round(q/2) = bit * 1665, via a mask. */
		uint16_t bit = (m[j / 8] >> (j % 8)) & 1;

		w.v.c[j] = fq_add(w.v.c[j], (uint16_t)(-bit & 1665));
		w.v.c[j] = compress(w.v.c[j], p->dv);
	}
	byte_encode(c + 32 * p->du * p->k, &w.v, p->dv);
	hm_wipe(&w, sizeof(w));
}

/* Alg. 15 */
static void kpke_decrypt(const struct params *p, uint8_t m[32], const uint8_t *dk_pke,
                         const uint8_t *c)
{
	struct {
		struct poly u, s, w, v;
	} w;

	memset(&w.w, 0, sizeof(w.w));
	for (unsigned i = 0; i < p->k; i++) {
		byte_decode(&w.u, c + 32 * p->du * i, p->du);
		for (unsigned j = 0; j < N; j++)
			w.u.c[j] = decompress(w.u.c[j], p->du);
		ntt(&w.u);
		byte_decode12(&w.s, dk_pke + POLY_BYTES * i);
		poly_basemul_acc(&w.w, &w.s, &w.u);
	}
	ntt_inverse(&w.w);
	byte_decode(&w.v, c + 32 * p->du * p->k, p->dv);
	memset(m, 0, 32);
	for (unsigned j = 0; j < N; j++) {
		uint16_t x = fq_sub(decompress(w.v.c[j], p->dv), w.w.c[j]);

		m[j / 8] |= (uint8_t)(compress(x, 1) << (j % 8));
	}
	hm_wipe(&w, sizeof(w));
}

/* ---- ML-KEM (§6, §7) ---- */

int hm_mlkem_keygen_internal(enum hm_mlkem_param param, uint8_t *ek, uint8_t *dk,
                             const uint8_t d[HM_MLKEM_SEED_LEN], const uint8_t z[HM_MLKEM_SEED_LEN])
{
	const struct params *p = get_params(param);
	size_t pk_off;

	if (p == NULL)
		return HM_ERR_INVALID;
	/* Alg. 16: dk = dk_pke || ek || H(ek) || z */
	pk_off = POLY_BYTES * p->k;
	kpke_keygen(p, ek, dk, d);
	/* Public: ek is the output meant for publication (t_hat = A s + e hides s by MLWE). */
	HM_CT_DECLASSIFY(ek, sz_ek_len(p));
	memcpy(dk + pk_off, ek, sz_ek_len(p));
	hm_sha3_256(dk + pk_off + sz_ek_len(p), ek, sz_ek_len(p));
	memcpy(dk + pk_off + sz_ek_len(p) + 32, z, 32);
	return HM_OK;
}

int hm_mlkem_keygen_seed(enum hm_mlkem_param param, uint8_t *ek, uint8_t *dk, const uint8_t *seed,
                         size_t seed_len)
{
	if (get_params(param) == NULL)
		return HM_ERR_INVALID;
	if (seed_len != HM_MLKEM_KEYPAIR_SEED_LEN)
		return HM_ERR_LENGTH;
	return hm_mlkem_keygen_internal(param, ek, dk, seed, seed + 32);
}

int hm_mlkem_keygen(enum hm_mlkem_param param, uint8_t *ek, uint8_t *dk)
{
	uint8_t seed[HM_MLKEM_KEYPAIR_SEED_LEN];
	int rc;

	if (get_params(param) == NULL)
		return HM_ERR_INVALID;
	rc = hm_random_bytes(seed, sizeof(seed));
	if (rc == HM_OK)
		rc = hm_mlkem_keygen_internal(param, ek, dk, seed, seed + 32);
	hm_wipe(seed, sizeof(seed));
	return rc;
}

/* §7.2 with p known: the length, then every 12-bit value below q (public data). */
static int check_ek(const struct params *p, const uint8_t *ek, size_t len)
{
	if (len != sz_ek_len(p))
		return HM_ERR_LENGTH;
	for (size_t i = 0; i < POLY_BYTES * p->k; i += 3) {
		unsigned a = ek[i] | (ek[i + 1] & 0x0f) << 8;
		unsigned b = ek[i + 1] >> 4 | ek[i + 2] << 4;

		if (a >= Q || b >= Q)
			return HM_ERR_RANGE;
	}
	return HM_OK;
}

int hm_mlkem_check_ek(enum hm_mlkem_param param, const uint8_t *ek, size_t ek_len)
{
	const struct params *p = get_params(param);

	return p ? check_ek(p, ek, ek_len) : HM_ERR_INVALID;
}

/* §7.3: the length, and H(ek part) == h. */
static int check_dk(const struct params *p, const uint8_t *dk, size_t len)
{
	uint8_t h[HM_SHA3_256_LEN];
	size_t off = POLY_BYTES * p->k;
	int ok;

	if (len != sz_dk_len(p))
		return HM_ERR_LENGTH;
	/* Public: the ek and h = H(ek) embedded in dk are the public key and its hash. */
	HM_CT_DECLASSIFY(dk + off, sz_ek_len(p) + 32);
	hm_sha3_256(h, dk + off, sz_ek_len(p));
	ok = hm_ct_equal(h, dk + off + sz_ek_len(p), sizeof(h));
	return ok ? HM_OK : HM_ERR_CORRUPT;
}

int hm_mlkem_check_dk(enum hm_mlkem_param param, const uint8_t *dk, size_t dk_len)
{
	const struct params *p = get_params(param);

	return p ? check_dk(p, dk, dk_len) : HM_ERR_INVALID;
}

int hm_mlkem_encaps_internal(enum hm_mlkem_param param, uint8_t *c, uint8_t k[HM_MLKEM_SHARED_LEN],
                             const uint8_t *ek, size_t ek_len, const uint8_t m[HM_MLKEM_SEED_LEN])
{
	const struct params *p = get_params(param);
	uint8_t in[64], kr[64];
	int rc;

	if (p == NULL) {
		hm_wipe(k, HM_MLKEM_SHARED_LEN);
		return HM_ERR_INVALID;
	}
	rc = check_ek(p, ek, ek_len);
	if (rc != HM_OK) {
		hm_wipe(k, HM_MLKEM_SHARED_LEN);
		return rc;
	}
	/* Alg. 17: (K, r) = G(m || H(ek)), c = K-PKE.Encrypt(ek, m, r) */
	memcpy(in, m, 32);
	hm_sha3_256(in + 32, ek, ek_len);
	hm_sha3_512(kr, in, sizeof(in));
	kpke_encrypt(p, c, ek, m, kr + 32);
	/* Public: c is the ciphertext sent to the key's owner. */
	HM_CT_DECLASSIFY(c, sz_ct_len(p));
	memcpy(k, kr, HM_MLKEM_SHARED_LEN);
	hm_wipe(in, sizeof(in));
	hm_wipe(kr, sizeof(kr));
	return HM_OK;
}

int hm_mlkem_encaps(enum hm_mlkem_param param, uint8_t *c, uint8_t k[HM_MLKEM_SHARED_LEN],
                    const uint8_t *ek, size_t ek_len)
{
	uint8_t m[HM_MLKEM_SEED_LEN];
	int rc;

	if (get_params(param) == NULL) {
		hm_wipe(k, HM_MLKEM_SHARED_LEN);
		return HM_ERR_INVALID;
	}
	rc = hm_random_bytes(m, sizeof(m));
	if (rc == HM_OK)
		rc = hm_mlkem_encaps_internal(param, c, k, ek, ek_len, m);
	else
		hm_wipe(k, HM_MLKEM_SHARED_LEN);
	hm_wipe(m, sizeof(m));
	return rc;
}

int hm_mlkem_decaps(enum hm_mlkem_param param, uint8_t k[HM_MLKEM_SHARED_LEN], const uint8_t *dk,
                    size_t dk_len, const uint8_t *c, size_t c_len)
{
	const struct params *p = get_params(param);
	struct {
		uint8_t mh[64];   /* m' || h */
		uint8_t kr[64];   /* K' || r' */
		uint8_t kbar[32]; /* J(z || c) */
		uint8_t c2[HM_MLKEM_CT_MAX];
		struct hm_keccak j;
	} w;
	const uint8_t *dk_pke, *ek_pke, *h, *z;
	uint8_t mask;
	int rc;

	if (p == NULL) {
		rc = HM_ERR_INVALID;
		goto fail;
	}
	if (c_len != sz_ct_len(p)) {
		rc = HM_ERR_LENGTH;
		goto fail;
	}
	rc = check_dk(p, dk, dk_len);
	if (rc != HM_OK)
		goto fail;
	dk_pke = dk;
	ek_pke = dk + POLY_BYTES * p->k;
	h = ek_pke + sz_ek_len(p);
	z = h + 32;

	/* Alg. 18 */
	kpke_decrypt(p, w.mh, dk_pke, c);
	memcpy(w.mh + 32, h, 32);
	hm_sha3_512(w.kr, w.mh, sizeof(w.mh));
	hm_shake256_init(&w.j);
	hm_keccak_absorb(&w.j, z, 32);
	hm_keccak_absorb(&w.j, c, c_len);
	hm_keccak_squeeze(&w.j, w.kbar, sizeof(w.kbar));
	kpke_encrypt(p, w.c2, ek_pke, w.mh, w.kr + 32);
	/* Keep K' when c' == c, else K-bar: a byte mask instead of a branch. */
	mask = (uint8_t)(hm_ct_equal(c, w.c2, c_len) - 1); /* 0x00 equal, 0xff differ */
	for (size_t i = 0; i < HM_MLKEM_SHARED_LEN; i++)
		k[i] = (uint8_t)(w.kr[i] ^ (mask & (w.kr[i] ^ w.kbar[i])));
	hm_wipe(&w, sizeof(w));
	return HM_OK;
fail:
	hm_wipe(k, HM_MLKEM_SHARED_LEN);
	return rc;
}
