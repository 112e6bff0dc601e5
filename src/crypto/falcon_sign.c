/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Falcon signing core: the sampler PRNG, SamplerZ (base sampler over the
 * RCDT table plus BerExp with the ApproxExp polynomial), ffSampling with the
 * LDL tree computed on the fly, and the signature loop (round-3
 * specification, sections 3.8 to 3.9).
 *
 * The specification leaves the sampler's PRNG open; to reproduce the
 * official KAT files we use the construction of the round-3 reference
 * implementation: ChaCha20 keyed from 56 bytes of the SHAKE256 seed stream,
 * eight blocks per refill with their 32-bit words interleaved.
 *
 * Constant time: the sampler's loops run a secret-dependent number of times
 * (rejection sampling, as in the specification) but each iteration is
 * branch-free in its data, apart from the BerExp byte loop whose early exit
 * reveals only bits of fresh randomness that are then discarded.
 */
/*
 * No FMA contraction: results must be the correctly rounded products and sums.
 * GCC ignores this pragma but does not contract in ISO C mode (-std=c11).
 */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include <string.h>

#include "falcon_internal.h"
#include "hypermesh/secure.h"

/* ---- ChaCha20-based PRNG ---- */

static uint32_t load32le(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static void store32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/*
 * The eight ChaCha20 blocks of a refill run side by side: lane u of each
 * vector is block u, which is also the buffer's layout (word v of block u
 * at byte (u + 8v) * 4), so a vector stores as 32 contiguous bytes. GCC and
 * Clang lower the 256-bit vectors to whatever the target has (two SSE2
 * registers on baseline x86-64), with the same results everywhere.
 */
typedef uint32_t prng_vec __attribute__((vector_size(32)));

#define VROTL(x, r) (((x) << (r)) | ((x) >> (32 - (r))))

#define QROUND(a, b, c, d)                     \
	do {                                   \
		s[a] += s[b];                  \
		s[d] = VROTL(s[d] ^ s[a], 16); \
		s[c] += s[d];                  \
		s[b] = VROTL(s[b] ^ s[c], 12); \
		s[a] += s[b];                  \
		s[d] = VROTL(s[d] ^ s[a], 8);  \
		s[c] += s[d];                  \
		s[b] = VROTL(s[b] ^ s[c], 7);  \
	} while (0)

static void prng_refill(struct falcon_prng *p)
{
	static const uint32_t cw[4] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };
	prng_vec s[16], x0[16];
	uint64_t cc = 0;

	for (unsigned i = 0; i < 8; i++)
		cc |= (uint64_t)p->state[48 + i] << (8 * i);
	for (unsigned v = 0; v < 16; v++) {
		uint32_t w = v < 4 ? cw[v] : load32le(p->state + 4 * (v - 4));

		for (unsigned u = 0; u < 8; u++)
			x0[v][u] = w;
	}
	/* Block u uses counter cc + u, XORed into the last two key words. */
	for (unsigned u = 0; u < 8; u++) {
		x0[14][u] ^= (uint32_t)(cc + u);
		x0[15][u] ^= (uint32_t)((cc + u) >> 32);
	}
	memcpy(s, x0, sizeof(s));
	for (unsigned r = 0; r < 10; r++) {
		QROUND(0, 4, 8, 12);
		QROUND(1, 5, 9, 13);
		QROUND(2, 6, 10, 14);
		QROUND(3, 7, 11, 15);
		QROUND(0, 5, 10, 15);
		QROUND(1, 6, 11, 12);
		QROUND(2, 7, 8, 13);
		QROUND(3, 4, 9, 14);
	}
	for (unsigned v = 0; v < 16; v++) {
		s[v] += x0[v];
		for (unsigned u = 0; u < 8; u++)
			store32le(p->buf + (u << 2) + (v << 5), s[v][u]);
	}
	cc += 8;
	for (unsigned i = 0; i < 8; i++)
		p->state[48 + i] = (uint8_t)(cc >> (8 * i));
	p->ptr = 0;
	hm_wipe(s, sizeof(s));
	hm_wipe(x0, sizeof(x0));
}

void falcon_prng_init(struct falcon_prng *p, struct hm_keccak *src)
{
	hm_keccak_squeeze(src, p->state, sizeof(p->state));
	prng_refill(p);
}

static uint64_t prng_u64(struct falcon_prng *p)
{
	uint64_t v = 0;
	size_t u = p->ptr;

	/* The reference refills when fewer than 9 bytes remain; the stream depends on it. */
	if (u >= sizeof(p->buf) - 9) {
		prng_refill(p);
		u = 0;
	}
	p->ptr = u + 8;
	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p->buf[u + i] << (8 * i);
	return v;
}

static unsigned prng_u8(struct falcon_prng *p)
{
	unsigned v = p->buf[p->ptr++];

	if (p->ptr == sizeof(p->buf))
		prng_refill(p);
	return v;
}

/* ---- SamplerZ ---- */

/* RCDT (specification table 3.1): 72-bit values as three 24-bit limbs, high first. */
static const uint32_t rcdt[18][3] = {
	{ 10745844u, 3068844u, 3741698u },
	{ 5559083u, 1580863u, 8248194u },
	{ 2260429u, 13669192u, 2736639u },
	{ 708981u, 4421575u, 10046180u },
	{ 169348u, 7122675u, 4136815u },
	{ 30538u, 13063405u, 7650655u },
	{ 4132u, 14505003u, 7826148u },
	{ 417u, 16768101u, 11363290u },
	{ 31u, 8444042u, 8086568u },
	{ 1u, 12844466u, 265321u },
	{ 0u, 1232676u, 13644283u },
	{ 0u, 38047u, 9111839u },
	{ 0u, 870u, 6138264u },
	{ 0u, 14u, 12545723u },
	{ 0u, 0u, 3104126u },
	{ 0u, 0u, 28824u },
	{ 0u, 0u, 198u },
	{ 0u, 0u, 1u },
};

/* ApproxExp coefficients (specification algorithm 13), scaled by 2^63. */
static const uint64_t expm_c[13] = {
	0x00000004741183A3u, 0x00000036548CFC06u, 0x0000024FDCBF140Au, 0x0000171D939DE045u,
	0x0000D00CF58F6F84u, 0x000680681CF796E3u, 0x002D82D8305B0FEAu, 0x011111110E066FD0u,
	0x0555555555070F00u, 0x155555555581FF00u, 0x400000000002B400u, 0x7FFFFFFFFFFF4800u,
	0x8000000000000000u,
};

#define FALCON_LN2            0x1.62e42fefa39efp-1 /* ln 2 */
#define FALCON_INV_LN2        0x1.71547652b82fep+0 /* 1 / ln 2 */
#define FALCON_INV_2SQRSIGMA0 0x1.34f8bc183bbc2p-3 /* 1 / (2 * 1.8205^2) */
#define FALCON_TWO63          9223372036854775808.0

struct falcon_sampler {
	struct falcon_prng p;
	double sigma_min;
	double inv_sigma;
};

/* The base sampler: a half-Gaussian z0 >= 0 from 72 random bits. */
static int base_sampler(struct falcon_prng *p)
{
	uint64_t lo = prng_u64(p);
	uint32_t hi = prng_u8(p);
	uint32_t v0 = (uint32_t)lo & 0xFFFFFF;
	uint32_t v1 = (uint32_t)(lo >> 24) & 0xFFFFFF;
	uint32_t v2 = (uint32_t)(lo >> 48) | (hi << 16);
	int z = 0;

	/* z counts the table entries above v, by a 72-bit borrow chain. */
	for (unsigned k = 0; k < 18; k++) {
		uint32_t cc;

		cc = (v0 - rcdt[k][2]) >> 31;
		cc = (v1 - rcdt[k][1] - cc) >> 31;
		cc = (v2 - rcdt[k][0] - cc) >> 31;
		z += (int)cc;
	}
	return z;
}

/* High 64 bits of a 64x64 product, portable C11. */
static uint64_t mulhi64(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
	return (uint64_t)(((unsigned __int128)a * b) >> 64);
#else
	uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
	uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;

	return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
#endif
}

/* ApproxExp: about 2^63 * ccs * exp(-x), for 0 <= x < ln 2 and 0 <= ccs < 1. */
static uint64_t approx_exp(double x, double ccs)
{
	uint64_t y = expm_c[0];
	uint64_t z = (uint64_t)(int64_t)(x * FALCON_TWO63) << 1;

	for (unsigned u = 1; u < 13; u++)
		y = expm_c[u] - mulhi64(z, y);
	z = (uint64_t)(int64_t)(ccs * FALCON_TWO63) << 1;
	return mulhi64(z, y);
}

/* BerExp: returns 1 with probability about ccs * exp(-x), x >= 0. */
static int ber_exp(struct falcon_prng *p, double x, double ccs)
{
	int32_t s = (int32_t)(x * FALCON_INV_LN2);
	double r = x - (double)s * FALCON_LN2;
	uint32_t sw = (uint32_t)s, w;
	uint64_t z;
	int i = 64;

	/* s = min(s, 63) without a branch. */
	sw ^= (sw ^ 63) & -((63 - sw) >> 31);
	z = ((approx_exp(r, ccs) << 1) - 1) >> sw;
	/* Lazy comparison of z with 64 random bits, 8 at a time. */
	do {
		i -= 8;
		w = prng_u8(p) - ((uint32_t)(z >> i) & 0xFF);
	} while (!w && i > 0);
	return (int)(w >> 31);
}

/* SamplerZ(mu, sigma') with isigma = 1 / sigma'. */
static int sampler_z(struct falcon_sampler *sc, double mu, double isigma)
{
	int s = (int)falcon_floor(mu);
	double r = mu - (double)s;
	double dss = (isigma * isigma) * 0.5;
	double ccs = isigma * sc->sigma_min;

	for (;;) {
		int z0 = base_sampler(&sc->p);
		int b = (int)(prng_u8(&sc->p) & 1);
		int z = b + ((b << 1) - 1) * z0;
		double d = (double)z - r;
		double x = (d * d) * dss;

		x = x - (double)(z0 * z0) * FALCON_INV_2SQRSIGMA0;
		if (ber_exp(&sc->p, x, ccs))
			return s + z;
	}
}

/* Doubles in the ffLDL tree of a level-logn node: its L10, then two subtrees. */
static size_t tree_len(unsigned logn)
{
	return (size_t)(logn + 1) << logn;
}

size_t falcon_expanded_len(unsigned logn)
{
	return ((size_t)4 << logn) + tree_len(logn);
}

/*
 * Builds the ffLDL tree of the Gram matrix [[g00, g01], [adj g01, g11]]
 * (destroyed) into tree: L10 (n doubles), the right subtree (from the split
 * of D11, sampled first), then the left one (from D00). A leaf holds
 * sqrt(D) / sigma, the 1/sigma' its sampler uses. tmp holds 4n doubles.
 */
static void ffldl_build(double *tree, double *g00, double *g01, double *g11, unsigned logn,
                        double inv_sigma, double *tmp)
{
	size_t n = (size_t)1 << logn, hn = n >> 1;
	double *a = tmp, *b = tmp + n, *sub = tmp + 2 * n, *right, *left;

	if (logn == 0) {
		tree[0] = falcon_sqrt(g00[0]) * inv_sigma;
		return;
	}
	right = tree + n;
	left = right + tree_len(logn - 1);
	falcon_poly_ldl(g00, g01, g11, logn);
	memcpy(tree, g01, n * sizeof(double));
	falcon_split_fft(a, a + hn, g11, logn);
	memcpy(b, a, hn * sizeof(double));
	ffldl_build(right, a, a + hn, b, logn - 1, inv_sigma, sub);
	falcon_split_fft(a, a + hn, g00, logn);
	memcpy(b, a, hn * sizeof(double));
	ffldl_build(left, a, a + hn, b, logn - 1, inv_sigma, sub);
}

/* ffSampling with a prebuilt tree: target (t0, t1) replaced by the sample. tmp: 6n. */
static void ff_sampling(struct falcon_sampler *sc, double *t0, double *t1, const double *tree,
                        unsigned logn, double *tmp)
{
	size_t n = (size_t)1 << logn, hn = n >> 1;
	double *a = tmp, *b = tmp + n, *zt = tmp + 2 * n, *sub = tmp + 3 * n;
	const double *right, *left;

	if (logn == 0) {
		t0[0] = (double)sampler_z(sc, t0[0], tree[0]);
		t1[0] = (double)sampler_z(sc, t1[0], tree[0]);
		return;
	}
	right = tree + n;
	left = right + tree_len(logn - 1);
	falcon_split_fft(zt, zt + hn, t1, logn);
	ff_sampling(sc, zt, zt + hn, right, logn - 1, sub);
	falcon_merge_fft(a, zt, zt + hn, logn);

	/* t0 += (t1 - z1) * L10, then z1 replaces t1. */
	memcpy(b, t1, n * sizeof(double));
	falcon_poly_sub(b, a, logn);
	falcon_poly_mul(b, tree, logn);
	falcon_poly_add(t0, b, logn);
	memcpy(t1, a, n * sizeof(double));

	falcon_split_fft(zt, zt + hn, t0, logn);
	ff_sampling(sc, zt, zt + hn, left, logn - 1, sub);
	falcon_merge_fft(t0, zt, zt + hn, logn);
}

static void small_to_fft(double *out, const int8_t *x, unsigned logn, double *tmp)
{
	size_t n = (size_t)1 << logn;

	for (size_t u = 0; u < n; u++)
		out[u] = (double)x[u];
	falcon_fft(out, logn, tmp);
}

/* 1 / sigma for sigma = 165.7366171829776 (512) or 168.38857144654395 (1024). */
static double inv_sigma_for(unsigned logn)
{
	return logn == 9 ? 0x1.8b6c2de64c7c9p-8 : 0x1.8531ef6311ae1p-8;
}

void falcon_expand(double *ek, const int8_t *f, const int8_t *g, const int8_t *F, const int8_t *G,
                   unsigned logn, double *tmp)
{
	size_t n = (size_t)1 << logn;
	double *b00 = ek, *b01 = b00 + n, *b10 = b01 + n, *b11 = b10 + n, *tree = b11 + n;
	double *g00 = tmp, *g01 = g00 + n, *g11 = g01 + n, *x = g11 + n, *sub = x + n;

	/* B = [[g, -f], [G, -F]] in FFT form. */
	small_to_fft(b00, g, logn, sub);
	small_to_fft(b01, f, logn, sub);
	small_to_fft(b10, G, logn, sub);
	small_to_fft(b11, F, logn, sub);
	falcon_poly_neg(b01, logn);
	falcon_poly_neg(b11, logn);

	/* Gram matrix B B*. */
	memcpy(g00, b00, n * sizeof(double));
	falcon_poly_mulselfadj(g00, logn);
	memcpy(x, b01, n * sizeof(double));
	falcon_poly_mulselfadj(x, logn);
	falcon_poly_add(g00, x, logn);
	memcpy(g01, b00, n * sizeof(double));
	falcon_poly_muladj(g01, b10, logn);
	memcpy(x, b01, n * sizeof(double));
	falcon_poly_muladj(x, b11, logn);
	falcon_poly_add(g01, x, logn);
	memcpy(g11, b10, n * sizeof(double));
	falcon_poly_mulselfadj(g11, logn);
	memcpy(x, b11, n * sizeof(double));
	falcon_poly_mulselfadj(x, logn);
	falcon_poly_add(g11, x, logn);

	ffldl_build(tree, g00, g01, g11, logn, inv_sigma_for(logn), x);
	hm_wipe(tmp, 8 * n * sizeof(double));
}

/* Squared-norm bound floor(beta^2) of the specification (table 3.3). */
static uint32_t l2bound(unsigned logn)
{
	return logn == 9 ? 34034726u : 70265242u;
}

/* One attempt; returns 1 and fills s2 when (s1, s2) is short enough. */
static int sign_attempt(struct falcon_sampler *sc, int16_t *s2, const double *ek,
                        const uint16_t *hm, unsigned logn, double *tmp)
{
	size_t n = (size_t)1 << logn;
	const double *b00 = ek, *b01 = b00 + n, *b10 = b01 + n, *b11 = b10 + n, *tree = b11 + n;
	double *t0 = tmp, *t1 = t0 + n, *x = t1 + n, *y = x + n, *ft = y + n;
	const double ni = 1.0 / FALCON_Q;
	uint64_t sqn = 0;

	/* Target t = (hm, 0) B^-1 = (-hm F / q, hm f / q). */
	for (size_t u = 0; u < n; u++)
		t0[u] = (double)hm[u];
	falcon_fft(t0, logn, ft);
	memcpy(t1, t0, n * sizeof(double));
	falcon_poly_mul(t1, b01, logn);
	falcon_poly_mulconst(t1, -ni, logn);
	falcon_poly_mul(t0, b11, logn);
	falcon_poly_mulconst(t0, ni, logn);

	/* ft..: 6n doubles of scratch for the sampler. */
	ff_sampling(sc, t0, t1, tree, logn, ft);

	/* Lattice point v = z B, then s = (hm - v0, -v1). */
	memcpy(x, t0, n * sizeof(double));
	memcpy(y, t1, n * sizeof(double));
	falcon_poly_mul(x, b00, logn);
	falcon_poly_mul(y, b10, logn);
	falcon_poly_add(x, y, logn);
	memcpy(y, t0, n * sizeof(double));
	falcon_poly_mul(y, b01, logn);
	falcon_poly_mul(t1, b11, logn);
	falcon_poly_add(t1, y, logn);
	falcon_ifft(x, logn, ft);
	falcon_ifft(t1, logn, ft);

	for (size_t u = 0; u < n; u++) {
		int64_t z1 = (int64_t)hm[u] - falcon_rint(x[u]);
		int64_t z2 = -falcon_rint(t1[u]);

		/* Clamp so that absurd values (never seen with valid keys) cannot wrap. */
		z1 = z1 > 65535 || z1 < -65535 ? 65535 : z1;
		z2 = z2 > 32767 || z2 < -32767 ? 32767 : z2;
		sqn += (uint64_t)(z1 * z1) + (uint64_t)(z2 * z2);
		s2[u] = (int16_t)z2;
	}
	return sqn <= l2bound(logn);
}

void falcon_sign_core(int16_t *s2, struct hm_keccak *rng, const double *ek, const uint16_t *hm,
                      unsigned logn, double *tmp)
{
	struct falcon_sampler sc;
	size_t n = (size_t)1 << logn;

	sc.sigma_min = logn == 9 ? 0x1.47201bf1f7a75p+0 : 0x1.4c5c19990c764p+0;
	/* Each attempt reseeds the ChaCha20 PRNG from the next 56 bytes of the SHAKE stream. */
	do {
		falcon_prng_init(&sc.p, rng);
	} while (!sign_attempt(&sc, s2, ek, hm, logn, tmp));
	hm_wipe(&sc, sizeof(sc));
	hm_wipe(tmp, 10 * n * sizeof(double));
}
