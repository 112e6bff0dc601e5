// SPDX-License-Identifier: Apache-2.0
/*
 * ML-DSA (FIPS 204), written from the standard. Algorithm numbers in the
 * comments refer to FIPS 204 (August 2024).
 *
 * Arithmetic: coefficients are int32_t; products go through Montgomery
 * reduction with R = 2^32. The forward NTT uses zetas premultiplied by R, so
 * NTT(a) is exact; a pointwise product then carries a factor R^-1, which the
 * final scaling of the inverse NTT removes. So every inverse NTT here follows
 * exactly one layer of pointwise products.
 *
 * Constant time: in key generation and signing, secret values only flow
 * through arithmetic and masks. The branches that remain are on public data,
 * on the restart decision of the signing loop (FIPS 204 allows it to leak:
 * a rejected attempt is discarded whole), on the rejection of samples in
 * ExpandS, which reveals only which samples were discarded, and those are
 * independent of the values that were kept, and on the number of SHAKE
 * blocks SampleInBall squeezes (practically always one). tests/ctgrind checks
 * this under valgrind; each of these places is marked with HM_CT_DECLASSIFY.
 *
 * Right shifts of negative values are assumed arithmetic, as they are with
 * every compiler the project supports (GCC and Clang define them so).
 */
#include <string.h>

#include <nettle/sha2.h>

#include "crypto_impl_internal.h"
#include "ct_check.h"
#include "hypermesh/error.h"
#include "hypermesh/mldsa.h"
#include "hypermesh/random.h"
#include "hypermesh/secure.h"
#include "hypermesh/sha3.h"

#define N           256
#define Q           8380417
#define QINV        58728449 /* q^-1 mod 2^32 */
#define D           13
#define K_MAX       8
#define L_MAX       7
#define CTILDE_MAX  64
#define W1_POLY_MAX (N * 6 / 8) /* w1Encode of one polynomial, 6 bits for ML-DSA-44 */

struct params {
	unsigned k, l;
	int32_t eta;
	unsigned tau;
	unsigned omega;
	int32_t gamma1, gamma2, beta;
	size_t ctilde_bytes; /* lambda / 4 */
	unsigned eta_bits, z_bits, w1_bits;
	size_t pk_bytes, sk_bytes, sig_bytes;
};

static const struct params params44 = {
	.k = 4,
	.l = 4,
	.eta = 2,
	.tau = 39,
	.omega = 80,
	.gamma1 = 1 << 17,
	.gamma2 = (Q - 1) / 88,
	.beta = 78,
	.ctilde_bytes = 32,
	.eta_bits = 3,
	.z_bits = 18,
	.w1_bits = 6,
	.pk_bytes = HM_MLDSA44_PUBLICKEY_BYTES,
	.sk_bytes = HM_MLDSA44_SECRETKEY_BYTES,
	.sig_bytes = HM_MLDSA44_SIGNATURE_BYTES,
};

static const struct params params65 = {
	.k = 6,
	.l = 5,
	.eta = 4,
	.tau = 49,
	.omega = 55,
	.gamma1 = 1 << 19,
	.gamma2 = (Q - 1) / 32,
	.beta = 196,
	.ctilde_bytes = 48,
	.eta_bits = 4,
	.z_bits = 20,
	.w1_bits = 4,
	.pk_bytes = HM_MLDSA65_PUBLICKEY_BYTES,
	.sk_bytes = HM_MLDSA65_SECRETKEY_BYTES,
	.sig_bytes = HM_MLDSA65_SIGNATURE_BYTES,
};

static const struct params params87 = {
	.k = 8,
	.l = 7,
	.eta = 2,
	.tau = 60,
	.omega = 75,
	.gamma1 = 1 << 19,
	.gamma2 = (Q - 1) / 32,
	.beta = 120,
	.ctilde_bytes = 64,
	.eta_bits = 3,
	.z_bits = 20,
	.w1_bits = 4,
	.pk_bytes = HM_MLDSA87_PUBLICKEY_BYTES,
	.sk_bytes = HM_MLDSA87_SECRETKEY_BYTES,
	.sig_bytes = HM_MLDSA87_SIGNATURE_BYTES,
};

static const struct params *get_params(enum hm_mldsa_param param)
{
	switch (param) {
	case HM_MLDSA_44:
		return &params44;
	case HM_MLDSA_65:
		return &params65;
	case HM_MLDSA_87:
		return &params87;
	}
	return NULL;
}

size_t hm_mldsa_publickey_bytes(enum hm_mldsa_param param)
{
	const struct params *p = get_params(param);

	return p ? p->pk_bytes : 0;
}

size_t hm_mldsa_secretkey_bytes(enum hm_mldsa_param param)
{
	const struct params *p = get_params(param);

	return p ? p->sk_bytes : 0;
}

size_t hm_mldsa_signature_bytes(enum hm_mldsa_param param)
{
	const struct params *p = get_params(param);

	return p ? p->sig_bytes : 0;
}

/* ------------------------------------------------------------------------ */
/* Arithmetic mod q                                                          */

struct poly {
	int32_t c[N];
};

/* All-ones if x is negative (as a two's-complement int32), else zero. */
static uint32_t mask_neg(int32_t x)
{
	return 0u - ((uint32_t)x >> 31);
}

/*
 * Returns x, which the optimiser can no longer see through, so it cannot
 * tell that a mask is 0 or all-ones and turn a masked select back into a
 * branch. The empty asm costs no instruction but stops vectorisation of the
 * loop it sits in, so it is used only where a compiler did branch (see
 * sample_in_ball); tests/ctgrind finds any new such place.
 */
static inline uint32_t value_barrier(uint32_t x)
{
#if defined(__GNUC__) || defined(__clang__)
	__asm__("" : "+r"(x));
#endif
	return x;
}

/* All-ones if a == b, else zero. */
static uint32_t mask_eq(uint32_t a, uint32_t b)
{
	uint32_t x = a ^ b;

	return ((x | (0u - x)) >> 31) - 1u;
}

/* For |a| < q * 2^31: a * 2^-32 mod q, in (-q, q). */
static int32_t mont_reduce(int64_t a)
{
	int32_t t = (int32_t)(uint32_t)((uint64_t)a * (uint32_t)QINV);

	return (int32_t)((a - (int64_t)t * Q) >> 32);
}

/* For |a| <= 2^31 - 2^22: a representative of a mod q in (-6283009, 6283009). */
static int32_t reduce32(int32_t a)
{
	int32_t t = (a + (1 << 22)) >> 23;

	return a - t * Q;
}

/* The canonical representative in [0, q). */
static int32_t freeze(int32_t a)
{
	a = reduce32(a);
	return a + (int32_t)(mask_neg(a) & Q);
}

/* The centred representative in [-(q-1)/2, (q-1)/2]. */
static int32_t center(int32_t a)
{
	a = freeze(a);
	return a - (int32_t)(mask_neg((Q - 1) / 2 - a) & Q);
}

/* zetas[k] = 1753^BitRev8(k) * 2^32 mod q, centred; zetas[0] is unused. */
const int32_t hm_mldsa_zetas[N] = {
	-4186625, 25847,    -2608894, -518909,  237124,   -777960,  -876248,  466468,   1826347,
	2353451,  -359251,  -2091905, 3119733,  -2884855, 3111497,  2680103,  2725464,  1024112,
	-1079900, 3585928,  -549488,  -1119584, 2619752,  -2108549, -2118186, -3859737, -1399561,
	-3277672, 1757237,  -19422,   4010497,  280005,   2706023,  95776,    3077325,  3530437,
	-1661693, -3592148, -2537516, 3915439,  -3861115, -3043716, 3574422,  -2867647, 3539968,
	-300467,  2348700,  -539299,  -1699267, -1643818, 3505694,  -3821735, 3507263,  -2140649,
	-1600420, 3699596,  811944,   531354,   954230,   3881043,  3900724,  -2556880, 2071892,
	-2797779, -3930395, -1528703, -3677745, -3041255, -1452451, 3475950,  2176455,  -1585221,
	-1257611, 1939314,  -4083598, -1000202, -3190144, -3157330, -3632928, 126922,   3412210,
	-983419,  2147896,  2715295,  -2967645, -3693493, -411027,  -2477047, -671102,  -1228525,
	-22981,   -1308169, -381987,  1349076,  1852771,  -1430430, -3343383, 264944,   508951,
	3097992,  44288,    -1100098, 904516,   3958618,  -3724342, -8578,    1653064,  -3249728,
	2389356,  -210977,  759969,   -1316856, 189548,   -3553272, 3159746,  -1851402, -2409325,
	-177440,  1315589,  1341330,  1285669,  -1584928, -812732,  -1439742, -3019102, -3881060,
	-3628969, 3839961,  2091667,  3407706,  2316500,  3817976,  -3342478, 2244091,  -2446433,
	-3562462, 266997,   2434439,  -1235728, 3513181,  -3520352, -3759364, -1197226, -3193378,
	900702,   1859098,  909542,   819034,   495491,   -1613174, -43260,   -522500,  -655327,
	-3122442, 2031748,  3207046,  -3556995, -525098,  -768622,  -3595838, 342297,   286988,
	-2437823, 4108315,  3437287,  -3342277, 1735879,  203044,   2842341,  2691481,  -2590150,
	1265009,  4055324,  1247620,  2486353,  1595974,  -3767016, 1250494,  2635921,  -3548272,
	-2994039, 1869119,  1903435,  -1050970, -1333058, 1237275,  -3318210, -1430225, -451100,
	1312455,  3306115,  -1962642, -1279661, 1917081,  -2546312, -1374803, 1500165,  777191,
	2235880,  3406031,  -542412,  -2831860, -1671176, -1846953, -2584293, -3724270, 594136,
	-3776993, -2013608, 2432395,  2454455,  -164721,  1957272,  3369112,  185531,   -1207385,
	-3183426, 162844,   1616392,  3014001,  810149,   1652634,  -3694233, -1799107, -3038916,
	3523897,  3866901,  269760,   2213111,  -975884,  1717735,  472078,   -426683,  1723600,
	-1803090, 1910376,  -1667432, -1104333, -260646,  -3833893, -2939036, -2235985, -420899,
	-2286327, 183443,   -976891,  1612842,  -3545687, -554416,  3919660,  -48306,   -1362209,
	3937738,  1400424,  -846154,  1976782,
};

/* 2^64 / 256 mod q: undoes the R^-1 of the preceding pointwise product and the 256 of NTT^-1. */
#define INTT_SCALE 41978

/* Alg. 41. Input |c| < q; output |c| < 9q. */
static void ntt_portable(int32_t c[N])
{
	unsigned m = 0;

	for (unsigned len = 128; len >= 1; len >>= 1) {
		for (unsigned start = 0; start < N; start += 2 * len) {
			int64_t z = hm_mldsa_zetas[++m];

			for (unsigned j = start; j < start + len; j++) {
				int32_t t = mont_reduce(z * c[j + len]);

				c[j + len] = c[j] - t;
				c[j] = c[j] + t;
			}
		}
	}
}

/* Alg. 42, with the R^-1 correction described above. Input |c| < 2^31 - 2^22; output (-q, q). */
static void intt_portable(int32_t c[N])
{
	unsigned m = N;

	for (unsigned len = 1; len < N; len <<= 1) {
		for (unsigned start = 0; start < N; start += 2 * len) {
			int64_t z = -(int64_t)hm_mldsa_zetas[--m];

			for (unsigned j = start; j < start + len; j++) {
				int32_t t = c[j];

				c[j] = reduce32(t + c[j + len]);
				c[j + len] = mont_reduce(z * (t - c[j + len]));
			}
		}
	}
	for (unsigned j = 0; j < N; j++)
		c[j] = mont_reduce((int64_t)INTT_SCALE * c[j]);
}

/* r = a o b * R^-1, each |product| < q * 2^31. */
static void pointwise_portable(int32_t r[N], const int32_t a[N], const int32_t b[N])
{
	for (unsigned j = 0; j < N; j++)
		r[j] = mont_reduce((int64_t)a[j] * b[j]);
}

static void pointwise_acc_portable(int32_t r[N], const int32_t a[N], const int32_t b[N])
{
	for (unsigned j = 0; j < N; j++)
		r[j] = reduce32(r[j] + mont_reduce((int64_t)a[j] * b[j]));
}

/* SampleInBall's inner loop (see sample_in_ball and the kernel table). */
static void ball_bytes_portable(int32_t c[N], const uint8_t *buf, unsigned from, unsigned to,
                                uint32_t *ip, uint64_t *sp)
{
	uint32_t i = *ip;
	uint64_t signs = *sp;

	for (unsigned pos = from; pos < to; pos++) {
		uint32_t j = buf[pos];
		/* i < 256 (still filling) and j <= i */
		uint32_t accept = mask_neg((int32_t)i - N) & ~mask_neg((int32_t)i - (int32_t)j);
		uint64_t m64 = 0 - (uint64_t)(accept & 1);
		uint32_t sign = (uint32_t)(1 - 2 * (int32_t)(signs & 1));
		uint32_t cj = 0;

		/*
		 * The barrier: clang 14 -O2 otherwise loads c[t] only when
		 * t == j, a branch on the secret j (found by tests/ctgrind).
		 */
		for (unsigned t = 0; t < N; t++)
			cj |= (uint32_t)c[t] & value_barrier(mask_eq(t, j));
		for (unsigned t = 0; t < N; t++) {
			uint32_t mi = accept & mask_eq(t, i), mj = accept & mask_eq(t, j);
			uint32_t v = ((uint32_t)c[t] & ~mi) | (cj & mi);

			c[t] = (int32_t)((v & ~mj) | (sign & mj));
		}
		signs = (signs & ~m64) | ((signs >> 1) & m64);
		i += accept & 1;
	}
	*ip = i;
	*sp = signs;
}

/* Defined with the rounding functions below. */
static void high_bits_portable(int32_t w[N], int32_t w1[N], int32_t gamma2);
static void add_centred_portable(int32_t z[N], const int32_t y[N]);
static uint32_t make_hints_portable(const int32_t w[N], int32_t r0[N], int32_t ct0[N], int32_t h[N],
                                    int32_t gamma2);
static uint32_t exceeds_portable(const int32_t c[N], int32_t bound);
static unsigned rej_uniform(int32_t *c, unsigned j, const uint8_t *buf, unsigned len);

static const struct hm_mldsa_kernels portable_kernels = {
	.ntt = ntt_portable,
	.intt = intt_portable,
	.pointwise = pointwise_portable,
	.pointwise_acc = pointwise_acc_portable,
	.ball_bytes = ball_bytes_portable,
	.high_bits = high_bits_portable,
	.add_centred = add_centred_portable,
	.make_hints = make_hints_portable,
	.exceeds = exceeds_portable,
	.rej_uniform = rej_uniform,
};

const struct hm_mldsa_kernels *hm_mldsa_kernels_portable(void)
{
	return &portable_kernels;
}

/* The kernels of the implementation chosen at run time (hypermesh/crypto_impl.h). */
static const struct hm_mldsa_kernels *kernels(void)
{
#if HM_HAVE_AVX2_BUILD
	if (hm_crypto_avx2_active())
		return hm_mldsa_kernels_avx2();
#endif
	return &portable_kernels;
}

static void ntt(struct poly *a)
{
	kernels()->ntt(a->c);
}

static void intt(struct poly *a)
{
	kernels()->intt(a->c);
}

static void poly_pointwise(struct poly *r, const struct poly *a, const struct poly *b)
{
	kernels()->pointwise(r->c, a->c, b->c);
}

static void poly_pointwise_acc(struct poly *r, const struct poly *a, const struct poly *b)
{
	kernels()->pointwise_acc(r->c, a->c, b->c);
}

/* r = NTT^-1(A o v) for the k x l matrix A, all in NTT form. */
static void matvec(const struct params *p, struct poly r[K_MAX], const struct poly A[K_MAX][L_MAX],
                   const struct poly v[L_MAX])
{
	for (unsigned i = 0; i < p->k; i++) {
		poly_pointwise(&r[i], &A[i][0], &v[0]);
		for (unsigned j = 1; j < p->l; j++)
			poly_pointwise_acc(&r[i], &A[i][j], &v[j]);
		intt(&r[i]);
	}
}

/* ------------------------------------------------------------------------ */
/* Rounding (section 7.4)                                                    */

/* Alg. 35, for r in [0, q): r = r1 * 2^13 + r0 with r0 in (-2^12, 2^12]. */
static void power2round(int32_t *r1, int32_t *r0, int32_t r)
{
	*r1 = (r + (1 << (D - 1)) - 1) >> D;
	*r0 = r - (*r1 << D);
}

/*
 * Alg. 36, for r in [0, q), without branches or divisions: an estimate t of
 * floor(r / 2 gamma2) that may be one too small is corrected with masks.
 */
static void decompose(int32_t *r1, int32_t *r0, int32_t r, int32_t gamma2)
{
	const int32_t alpha = 2 * gamma2;
	const uint32_t recip = (uint32_t)((UINT64_C(1) << 32) / (uint32_t)alpha);
	int32_t t = (int32_t)(((uint64_t)(uint32_t)r * recip) >> 32);
	int32_t rem = r - t * alpha;
	uint32_t m;

	m = ~mask_neg(rem - alpha); /* rem >= alpha */
	rem -= (int32_t)(m & (uint32_t)alpha);
	t += (int32_t)(m & 1u);
	m = mask_neg(gamma2 - rem); /* rem > gamma2: take the negative representative */
	rem -= (int32_t)(m & (uint32_t)alpha);
	t += (int32_t)(m & 1u);
	/* r - r0 = q - 1: the top interval wraps to r1 = 0 with r0 one lower. */
	m = mask_eq((uint32_t)t, (uint32_t)((Q - 1) / alpha));
	t &= (int32_t)~m;
	rem -= (int32_t)(m & 1u);
	*r1 = t;
	*r0 = rem;
}

/* Alg. 39 on r in [0, q) and hint bit h (public data: verification only). */
static int32_t use_hint(unsigned h, int32_t r, int32_t gamma2)
{
	const int32_t m = (Q - 1) / (2 * gamma2);
	int32_t r1, r0;

	decompose(&r1, &r0, r, gamma2);
	if (!h)
		return r1;
	if (r0 > 0)
		return r1 + 1 == m ? 0 : r1 + 1;
	return r1 == 0 ? m - 1 : r1 - 1;
}

/* |a| for centred a, branch-free. */
static uint32_t ct_abs(int32_t a)
{
	uint32_t m = mask_neg(a);

	return ((uint32_t)a ^ m) - m;
}

/* 1 if some coefficient of the centred polynomials has |c| >= bound, else 0; branch-free. */
/* The signing loop's per-coefficient steps; see the kernel table. */
static void high_bits_portable(int32_t w[N], int32_t w1[N], int32_t gamma2)
{
	for (unsigned j = 0; j < N; j++) {
		int32_t r0;

		w[j] = freeze(w[j]);
		decompose(&w1[j], &r0, w[j], gamma2);
	}
}

static void add_centred_portable(int32_t z[N], const int32_t y[N])
{
	for (unsigned j = 0; j < N; j++)
		z[j] = y[j] + center(z[j]);
}

static uint32_t make_hints_portable(const int32_t w[N], int32_t r0[N], int32_t ct0[N], int32_t h[N],
                                    int32_t gamma2)
{
	uint32_t hints = 0;

	for (unsigned j = 0; j < N; j++) {
		int32_t wcs2 = freeze(w[j] - center(r0[j]));
		int32_t c = center(ct0[j]);
		int32_t hi_a, hi_b, lo;

		/* MakeHint(-ct0, w - cs2 + ct0): HighBits differ? */
		decompose(&hi_a, &lo, wcs2, gamma2);
		r0[j] = lo;
		decompose(&hi_b, &lo, freeze(wcs2 + c), gamma2);
		h[j] = (int32_t)(~mask_eq((uint32_t)hi_a, (uint32_t)hi_b) & 1u);
		hints += (uint32_t)h[j];
		ct0[j] = c;
	}
	return hints;
}

static uint32_t exceeds_portable(const int32_t c[N], int32_t bound)
{
	uint32_t bad = 0;

	/* bit 31 of (|c| - bound) ^ 2^31 is set exactly when |c| - bound >= 0 */
	for (unsigned j = 0; j < N; j++)
		bad |= (ct_abs(c[j]) - (uint32_t)bound) ^ 0x80000000u; /* wraps like int32 */
	return bad;
}

static uint32_t polyvec_exceeds(const struct poly *v, unsigned count, int32_t bound)
{
	uint32_t bad = 0;

	for (unsigned i = 0; i < count; i++)
		bad |= kernels()->exceeds(v[i].c, bound);
	return bad >> 31;
}

/* ------------------------------------------------------------------------ */
/* Bit packing (section 7.1)                                                 */

/*
 * Packs 256 values, each encoded as (sub ? b - c : c) in bits bits, little
 * endian (Alg. 16 and 17). The data flow does not depend on the values.
 */
static void pack_poly(uint8_t *out, const struct poly *a, unsigned bits, int sub, int32_t b)
{
	uint64_t acc = 0;
	unsigned nacc = 0;
	size_t o = 0;

	for (unsigned j = 0; j < N; j++) {
		uint32_t v = sub ? (uint32_t)(b - a->c[j]) : (uint32_t)a->c[j];

		acc |= (uint64_t)(v & ((1u << bits) - 1)) << nacc;
		nacc += bits;
		while (nacc >= 8) {
			out[o++] = (uint8_t)acc;
			acc >>= 8;
			nacc -= 8;
		}
	}
}

/* Inverse of pack_poly (Alg. 18 and 19): c = sub ? b - v : v. */
static void unpack_poly(struct poly *a, const uint8_t *in, unsigned bits, int sub, int32_t b)
{
	uint64_t acc = 0;
	unsigned nacc = 0;
	size_t i = 0;

	for (unsigned j = 0; j < N; j++) {
		while (nacc < bits) {
			acc |= (uint64_t)in[i++] << nacc;
			nacc += 8;
		}
		int32_t v = (int32_t)(acc & ((1u << bits) - 1));

		acc >>= bits;
		nacc -= bits;
		a->c[j] = sub ? b - v : v;
	}
}

/* ------------------------------------------------------------------------ */
/* Sampling (section 7.3)                                                    */

/* Rejection sampling of Alg. 30 on a stretch of 3-byte groups, from coefficient j; public data. */
static unsigned rej_uniform(int32_t *c, unsigned j, const uint8_t *buf, unsigned len)
{
	for (unsigned i = 0; i + 3 <= len && j < N; i += 3) {
		uint32_t v =
		        buf[i] | (uint32_t)buf[i + 1] << 8 | (uint32_t)(buf[i + 2] & 0x7f) << 16;

		if (v < Q)
			c[j++] = (int32_t)v;
	}
	return j;
}

/* Alg. 30 RejNTTPoly on seed rho || s || r: uniform coefficients below q, in NTT form. */
static void rej_ntt_poly(struct poly *a, const uint8_t rho[32], uint8_t s, uint8_t r)
{
	struct hm_keccak ctx;
	uint8_t seed[34];
	uint8_t buf[HM_SHAKE128_RATE]; /* a multiple of 3 */
	unsigned j = 0;

	memcpy(seed, rho, 32);
	seed[32] = s;
	seed[33] = r;
	hm_shake128_init(&ctx);
	hm_keccak_absorb(&ctx, seed, sizeof(seed));
	while (j < N) {
		hm_keccak_squeeze(&ctx, buf, sizeof(buf));
		j = rej_uniform(a->c, j, buf, sizeof(buf));
	}
	hm_keccak_wipe(&ctx);
}

/* Four RejNTTPoly at once with the 4-way SHAKE128; count <= 4, unused lanes repeat the first. */
static void rej_ntt_poly_x4(struct poly *const a[4], unsigned count, const uint8_t rho[32],
                            const uint8_t s[4], const uint8_t r[4])
{
	struct hm_keccak_x4 st;
	uint8_t seed[4][34], buf[4][5 * HM_SHAKE128_RATE]; /* 840 bytes: nearly always enough */
	const uint8_t *in[4];
	uint8_t *out[4];
	unsigned j[4] = { 0, 0, 0, 0 }, more = 0;

	for (unsigned n = 0; n < 4; n++) {
		unsigned m = n < count ? n : 0;

		memcpy(seed[n], rho, 32);
		seed[n][32] = s[m];
		seed[n][33] = r[m];
		in[n] = seed[n];
		out[n] = buf[n];
	}
	hm_keccak_x4_absorb_once(&st, HM_SHAKE128_RATE, 0x1f, in, sizeof(seed[0]));
	hm_keccak_x4_squeeze_blocks(&st, HM_SHAKE128_RATE, out, 5);
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

/* Alg. 32 ExpandA: A[r][s] from rho || s || r; four at a time with AVX2. */
static void expand_a(const struct params *p, struct poly A[K_MAX][L_MAX], const uint8_t rho[32])
{
	struct poly *a[4];
	uint8_t ss[4], rs[4];
	unsigned count = 0;

	if (!hm_crypto_avx2_active()) {
		for (unsigned r = 0; r < p->k; r++)
			for (unsigned s = 0; s < p->l; s++)
				rej_ntt_poly(&A[r][s], rho, (uint8_t)s, (uint8_t)r);
		return;
	}
	for (unsigned r = 0; r < p->k; r++) {
		for (unsigned s = 0; s < p->l; s++) {
			a[count] = &A[r][s];
			ss[count] = (uint8_t)s;
			rs[count] = (uint8_t)r;
			if (++count == 4) {
				rej_ntt_poly_x4(a, 4, rho, ss, rs);
				count = 0;
			}
		}
	}
	if (count > 0)
		rej_ntt_poly_x4(a, count, rho, ss, rs);
}

/*
 * Alg. 31 RejBoundedPoly with Alg. 15 CoeffFromHalfByte on a stretch of
 * bytes, from coefficient j; returns the new j. Which nibbles are rejected
 * depends only on those nibbles, so the branch reveals nothing about the
 * kept coefficients; the kept values are computed without branches.
 */
static unsigned rej_eta(int32_t *c, unsigned j, const uint8_t *buf, size_t len, int32_t eta)
{
	const uint32_t limit = eta == 2 ? 15 : 9;

	for (size_t i = 0; i < len && j < N; i++) {
		uint32_t nib[2] = { buf[i] & 0x0fu, (uint32_t)buf[i] >> 4 };

		for (unsigned t = 0; t < 2 && j < N; t++) {
			uint32_t b = nib[t];
			/* eta 2: 2 - (b mod 5), with b / 5 = (b * 205) >> 10 for b < 15 */
			int32_t v2 = 2 - (int32_t)(b - 5 * ((b * 205) >> 10));
			int32_t v4 = 4 - (int32_t)b;
			uint32_t keep = b < limit;

			/* Harmless: a rejected nibble says nothing of the kept ones. */
			HM_CT_DECLASSIFY(&keep, sizeof(keep));
			if (keep)
				c[j++] = eta == 2 ? v2 : v4;
		}
	}
	return j;
}

/* Alg. 31 RejBoundedPoly on rho' || nonce (16-bit little endian). */
static void rej_bounded_poly(struct poly *a, const uint8_t rhop[64], uint16_t nonce, int32_t eta)
{
	struct hm_keccak ctx;
	uint8_t seed[66];
	uint8_t buf[HM_SHAKE256_RATE];
	unsigned j = 0;

	memcpy(seed, rhop, 64);
	seed[64] = (uint8_t)nonce;
	seed[65] = (uint8_t)(nonce >> 8);
	hm_shake256_init(&ctx);
	hm_keccak_absorb(&ctx, seed, sizeof(seed));
	while (j < N) {
		hm_keccak_squeeze(&ctx, buf, sizeof(buf));
		j = rej_eta(a->c, j, buf, sizeof(buf), eta);
	}
	hm_wipe(buf, sizeof(buf));
	hm_wipe(seed, sizeof(seed));
	hm_keccak_wipe(&ctx);
}

/* Four RejBoundedPoly at once with the 4-way SHAKE256 (count <= 4). */
static void rej_bounded_poly_x4(struct poly *const a[4], unsigned count, const uint8_t rhop[64],
                                const uint16_t nonce[4], int32_t eta)
{
	struct hm_keccak_x4 st;
	uint8_t seed[4][66], buf[4][2 * HM_SHAKE256_RATE];
	const uint8_t *in[4];
	uint8_t *out[4];
	unsigned j[4] = { 0, 0, 0, 0 }, more = 0;

	for (unsigned n = 0; n < 4; n++) {
		uint16_t v = nonce[n < count ? n : 0];

		memcpy(seed[n], rhop, 64);
		seed[n][64] = (uint8_t)v;
		seed[n][65] = (uint8_t)(v >> 8);
		in[n] = seed[n];
		out[n] = buf[n];
	}
	hm_keccak_x4_absorb_once(&st, HM_SHAKE256_RATE, 0x1f, in, sizeof(seed[0]));
	hm_keccak_x4_squeeze_blocks(&st, HM_SHAKE256_RATE, out, 2);
	for (unsigned n = 0; n < count; n++) {
		j[n] = rej_eta(a[n]->c, 0, buf[n], sizeof(buf[n]), eta);
		more |= j[n] < N;
	}
	/* Whether more is needed depends only on rejected nibbles (see rej_eta). */
	HM_CT_DECLASSIFY(&more, sizeof(more));
	while (more) {
		hm_keccak_x4_squeeze_blocks(&st, HM_SHAKE256_RATE, out, 1);
		more = 0;
		for (unsigned n = 0; n < count; n++) {
			j[n] = rej_eta(a[n]->c, j[n], buf[n], HM_SHAKE256_RATE, eta);
			more |= j[n] < N;
		}
		HM_CT_DECLASSIFY(&more, sizeof(more));
	}
	hm_wipe(seed, sizeof(seed));
	hm_wipe(buf, sizeof(buf));
	hm_wipe(&st, sizeof(st));
}

/* Alg. 33 ExpandS: s1 from nonces 0..l-1, s2 from l..l+k-1; four at a time with AVX2. */
static void expand_s(const struct params *p, struct poly s1[L_MAX], struct poly s2[K_MAX],
                     const uint8_t rhop[64])
{
	struct poly *a[4];
	uint16_t nonce[4];
	unsigned count = 0;

	if (!hm_crypto_avx2_active()) {
		for (unsigned r = 0; r < p->l; r++)
			rej_bounded_poly(&s1[r], rhop, (uint16_t)r, p->eta);
		for (unsigned r = 0; r < p->k; r++)
			rej_bounded_poly(&s2[r], rhop, (uint16_t)(r + p->l), p->eta);
		return;
	}
	for (unsigned r = 0; r < p->l + p->k; r++) {
		a[count] = r < p->l ? &s1[r] : &s2[r - p->l];
		nonce[count] = (uint16_t)r;
		if (++count == 4) {
			rej_bounded_poly_x4(a, 4, rhop, nonce, p->eta);
			count = 0;
		}
	}
	if (count > 0)
		rej_bounded_poly_x4(a, count, rhop, nonce, p->eta);
}

/* Alg. 34 ExpandMask: y[r] from rho'' || (kappa + r), gamma1 - (z_bits-bit values). */
static void expand_mask(const struct params *p, struct poly y[L_MAX], const uint8_t rhopp[64],
                        unsigned kappa)
{
	uint8_t seed[4][66];
	uint8_t buf[4][5 * HM_SHAKE256_RATE]; /* 680 >= 32 * 20 */
	const uint8_t *in[4];
	uint8_t *out[4];
	struct hm_keccak_x4 st;

	if (!hm_crypto_avx2_active()) {
		memcpy(seed[0], rhopp, 64);
		for (unsigned r = 0; r < p->l; r++) {
			unsigned nonce = kappa + r;

			seed[0][64] = (uint8_t)nonce;
			seed[0][65] = (uint8_t)(nonce >> 8);
			hm_shake256(buf[0], 32 * p->z_bits, seed[0], sizeof(seed[0]));
			unpack_poly(&y[r], buf[0], p->z_bits, 1, p->gamma1);
		}
	} else {
		for (unsigned first = 0; first < p->l; first += 4) {
			unsigned batch = p->l - first < 4 ? p->l - first : 4;

			for (unsigned n = 0; n < 4; n++) {
				unsigned nonce = kappa + first + (n < batch ? n : 0);

				memcpy(seed[n], rhopp, 64);
				seed[n][64] = (uint8_t)nonce;
				seed[n][65] = (uint8_t)(nonce >> 8);
				in[n] = seed[n];
				out[n] = buf[n];
			}
			hm_keccak_x4_absorb_once(&st, HM_SHAKE256_RATE, 0x1f, in, sizeof(seed[0]));
			hm_keccak_x4_squeeze_blocks(&st, HM_SHAKE256_RATE, out,
			                            (32 * p->z_bits + HM_SHAKE256_RATE - 1) /
			                                    HM_SHAKE256_RATE);
			for (unsigned n = 0; n < batch; n++)
				unpack_poly(&y[first + n], buf[n], p->z_bits, 1, p->gamma1);
		}
		hm_wipe(&st, sizeof(st));
	}
	hm_wipe(buf, sizeof(buf));
	hm_wipe(seed, sizeof(seed));
}

/*
 * Alg. 29 SampleInBall on the whole c~, in constant time: the c~ of rejected
 * signing attempts is never published, so neither which bytes are rejected
 * nor the positions j they select may show. Every byte of a squeezed block
 * is processed with masks (a rejected byte, or one after the last position
 * was filled, changes nothing), and the swap c[i] = c[j]; c[j] = +-1 touches
 * every coefficient. Only the number of blocks squeezed can vary: a second
 * block is needed only if fewer than tau of 128 bytes are accepted, which
 * happens with probability below 2^-87 (tau = 60; 2^-140 and 2^-202 for
 * tau = 49 and 39).
 */
static void sample_in_ball(const struct params *p, struct poly *c, const uint8_t *ctilde)
{
	struct hm_keccak ctx;
	uint8_t buf[HM_SHAKE256_RATE];
	uint64_t signs = 0;
	uint32_t i = N - p->tau;
	size_t pos = 8;

	memset(c, 0, sizeof(*c));
	hm_shake256_init(&ctx);
	hm_keccak_absorb(&ctx, ctilde, p->ctilde_bytes);
	hm_keccak_squeeze(&ctx, buf, sizeof(buf));
	for (unsigned b = 0; b < 8; b++)
		signs |= (uint64_t)buf[b] << (8 * b);
	for (;;) {
		kernels()->ball_bytes(c->c, buf, (unsigned)pos, sizeof(buf), &i, &signs);
		/* Almost constant: a second block is needed with probability < 2^-87. */
		HM_CT_DECLASSIFY(&i, sizeof(i));
		if (i >= N)
			break;
		hm_keccak_squeeze(&ctx, buf, sizeof(buf));
		pos = 0;
	}
	hm_wipe(buf, sizeof(buf));
	hm_keccak_wipe(&ctx);
}

/* ------------------------------------------------------------------------ */
/* Encodings (section 7.2)                                                   */

/* Alg. 22 pkEncode. */
static void pk_encode(const struct params *p, uint8_t *pk, const uint8_t rho[32],
                      const struct poly t1[K_MAX])
{
	memcpy(pk, rho, 32);
	for (unsigned i = 0; i < p->k; i++)
		pack_poly(pk + 32 + 320 * i, &t1[i], 10, 0, 0);
}

/* Alg. 23 pkDecode: every 10-bit value is a valid t1 coefficient. */
static void pk_decode(const struct params *p, uint8_t rho[32], struct poly t1[K_MAX],
                      const uint8_t *pk)
{
	memcpy(rho, pk, 32);
	for (unsigned i = 0; i < p->k; i++)
		unpack_poly(&t1[i], pk + 32 + 320 * i, 10, 0, 0);
}

/* Alg. 24 skEncode. */
static void sk_encode(const struct params *p, uint8_t *sk, const uint8_t rho[32],
                      const uint8_t key[32], const uint8_t tr[64], const struct poly s1[L_MAX],
                      const struct poly s2[K_MAX], const struct poly t0[K_MAX])
{
	const size_t eb = 32 * p->eta_bits;
	uint8_t *o = sk + 128;

	memcpy(sk, rho, 32);
	memcpy(sk + 32, key, 32);
	memcpy(sk + 64, tr, 64);
	for (unsigned i = 0; i < p->l; i++, o += eb)
		pack_poly(o, &s1[i], p->eta_bits, 1, p->eta);
	for (unsigned i = 0; i < p->k; i++, o += eb)
		pack_poly(o, &s2[i], p->eta_bits, 1, p->eta);
	for (unsigned i = 0; i < p->k; i++, o += 32 * D)
		pack_poly(o, &t0[i], D, 1, 1 << (D - 1));
}

/*
 * Alg. 25 skDecode. Returns 1 if every s1/s2 coefficient lies in
 * [-eta, eta] (decided without branching on the coefficients), else 0.
 */
static uint32_t sk_decode(const struct params *p, uint8_t rho[32], uint8_t key[32], uint8_t tr[64],
                          struct poly s1[L_MAX], struct poly s2[K_MAX], struct poly t0[K_MAX],
                          const uint8_t *sk)
{
	const size_t eb = 32 * p->eta_bits;
	const uint8_t *in = sk + 128;
	uint32_t bad = 0;

	memcpy(rho, sk, 32);
	memcpy(key, sk + 32, 32);
	memcpy(tr, sk + 64, 64);
	for (unsigned i = 0; i < p->l; i++, in += eb)
		unpack_poly(&s1[i], in, p->eta_bits, 1, p->eta);
	for (unsigned i = 0; i < p->k; i++, in += eb)
		unpack_poly(&s2[i], in, p->eta_bits, 1, p->eta);
	for (unsigned i = 0; i < p->k; i++, in += 32 * D)
		unpack_poly(&t0[i], in, D, 1, 1 << (D - 1));
	/* eta - v < -eta exactly when v > 2 eta; the decode never yields more than eta */
	bad |= polyvec_exceeds(s1, p->l, p->eta + 1);
	bad |= polyvec_exceeds(s2, p->k, p->eta + 1);
	return bad ^ 1;
}

/* Alg. 28 w1Encode for one polynomial. */
static size_t w1_encode(const struct params *p, uint8_t *out, const struct poly *w1)
{
	pack_poly(out, w1, p->w1_bits, 0, 0);
	return 32 * p->w1_bits;
}

/* Alg. 26 sigEncode; h holds 0/1 and has at most omega ones (public at this point). */
static void sig_encode(const struct params *p, uint8_t *sig, const uint8_t *ctilde,
                       const struct poly z[L_MAX], const struct poly h[K_MAX])
{
	uint8_t *o = sig;
	uint8_t *hints;
	unsigned idx = 0;

	memcpy(o, ctilde, p->ctilde_bytes);
	o += p->ctilde_bytes;
	for (unsigned i = 0; i < p->l; i++, o += 32 * p->z_bits)
		pack_poly(o, &z[i], p->z_bits, 1, p->gamma1);
	hints = o;
	memset(hints, 0, p->omega + p->k);
	for (unsigned i = 0; i < p->k; i++) {
		for (unsigned j = 0; j < N; j++)
			if (h[i].c[j] != 0)
				hints[idx++] = (uint8_t)j;
		hints[p->omega + i] = (uint8_t)idx;
	}
}

/*
 * Alg. 27 sigDecode with Alg. 21 HintBitUnpack. Returns 0 for a malformed
 * hint encoding (counts decreasing or over omega, indices not strictly
 * increasing within a polynomial, nonzero padding). Every read stays inside
 * the sig_bytes-long signature.
 */
static int sig_decode(const struct params *p, uint8_t *ctilde, struct poly z[L_MAX],
                      struct poly h[K_MAX], const uint8_t *sig)
{
	const uint8_t *in = sig;
	const uint8_t *y;
	unsigned idx = 0;

	memcpy(ctilde, in, p->ctilde_bytes);
	in += p->ctilde_bytes;
	for (unsigned i = 0; i < p->l; i++, in += 32 * p->z_bits)
		unpack_poly(&z[i], in, p->z_bits, 1, p->gamma1);
	y = in;
	for (unsigned i = 0; i < p->k; i++) {
		unsigned end = y[p->omega + i];

		memset(&h[i], 0, sizeof(h[i]));
		if (end < idx || end > p->omega)
			return 0;
		for (unsigned first = idx; idx < end; idx++) {
			if (idx > first && y[idx - 1] >= y[idx])
				return 0;
			h[i].c[y[idx]] = 1;
		}
	}
	for (; idx < p->omega; idx++)
		if (y[idx] != 0)
			return 0;
	return 1;
}

/* ------------------------------------------------------------------------ */
/* Key generation (Alg. 6)                                                   */

struct keygen_state {
	struct poly A[K_MAX][L_MAX];
	struct poly s1[L_MAX], s1hat[L_MAX], s2[K_MAX];
	struct poly t[K_MAX], t1[K_MAX], t0[K_MAX];
	uint8_t seed[34];
	uint8_t expanded[128]; /* rho || rho' || K */
	uint8_t tr[64];
};

int hm_mldsa_keygen_internal(enum hm_mldsa_param param, uint8_t *pk, uint8_t *sk,
                             const uint8_t xi[HM_MLDSA_SEED_BYTES])
{
	const struct params *p = get_params(param);
	struct keygen_state st;
	const uint8_t *rho, *rhop, *key;

	if (!p || !pk || !sk || !xi)
		return HM_ERR_INVALID;
	memcpy(st.seed, xi, 32);
	st.seed[32] = (uint8_t)p->k;
	st.seed[33] = (uint8_t)p->l;
	hm_shake256(st.expanded, sizeof(st.expanded), st.seed, sizeof(st.seed));
	rho = st.expanded;
	rhop = st.expanded + 32;
	key = st.expanded + 96;
	/* Public: rho is the matrix seed published in pk; rho' and K stay secret. */
	HM_CT_DECLASSIFY(st.expanded, 32);

	expand_a(p, st.A, rho);
	expand_s(p, st.s1, st.s2, rhop);
	for (unsigned i = 0; i < p->l; i++) {
		st.s1hat[i] = st.s1[i];
		ntt(&st.s1hat[i]);
	}
	matvec(p, st.t, st.A, st.s1hat);
	for (unsigned i = 0; i < p->k; i++)
		for (unsigned j = 0; j < N; j++)
			power2round(&st.t1[i].c[j], &st.t0[i].c[j],
			            freeze(st.t[i].c[j] + st.s2[i].c[j]));
	pk_encode(p, pk, rho, st.t1);
	/* Public: pk is the output meant for publication (t1 hides s1, s2 by MLWE). */
	HM_CT_DECLASSIFY(pk, p->pk_bytes);
	hm_shake256(st.tr, sizeof(st.tr), pk, p->pk_bytes);
	sk_encode(p, sk, rho, key, st.tr, st.s1, st.s2, st.t0);
	hm_wipe(&st, sizeof(st));
	return HM_OK;
}

int hm_mldsa_keygen(enum hm_mldsa_param param, uint8_t *pk, uint8_t *sk)
{
	uint8_t xi[HM_MLDSA_SEED_BYTES];
	int rc;

	if (!get_params(param))
		return HM_ERR_INVALID;
	rc = hm_random_bytes(xi, sizeof(xi));
	if (rc == HM_OK)
		rc = hm_mldsa_keygen_internal(param, pk, sk, xi);
	hm_wipe(xi, sizeof(xi));
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Message representative mu                                                 */

/* Up to four byte strings, hashed in order after tr. */
struct msg_parts {
	const void *ptr[4];
	size_t len[4];
};

/* mu = H(tr || parts..., 64) (Alg. 7 line 6, Alg. 8 line 7). */
static void compute_mu(uint8_t mu[64], const uint8_t tr[64], const struct msg_parts *parts)
{
	struct hm_keccak ctx;

	hm_shake256_init(&ctx);
	hm_keccak_absorb(&ctx, tr, 64);
	for (unsigned i = 0; i < 4; i++)
		if (parts->len[i])
			hm_keccak_absorb(&ctx, parts->ptr[i], parts->len[i]);
	hm_keccak_squeeze(&ctx, mu, 64);
	hm_keccak_wipe(&ctx);
}

/* The DER OIDs of Alg. 4, all 06 09 60 86 48 01 65 03 04 02 xx. */
#define OID_BYTES 11

static int prehash_oid_byte(enum hm_mldsa_prehash ph)
{
	switch (ph) {
	case HM_MLDSA_PH_SHA2_256:
		return 0x01;
	case HM_MLDSA_PH_SHA2_384:
		return 0x02;
	case HM_MLDSA_PH_SHA2_512:
		return 0x03;
	case HM_MLDSA_PH_SHA2_224:
		return 0x04;
	case HM_MLDSA_PH_SHA2_512_224:
		return 0x05;
	case HM_MLDSA_PH_SHA2_512_256:
		return 0x06;
	case HM_MLDSA_PH_SHA3_224:
		return 0x07;
	case HM_MLDSA_PH_SHA3_256:
		return 0x08;
	case HM_MLDSA_PH_SHA3_384:
		return 0x09;
	case HM_MLDSA_PH_SHA3_512:
		return 0x0a;
	case HM_MLDSA_PH_SHAKE128:
		return 0x0b;
	case HM_MLDSA_PH_SHAKE256:
		return 0x0c;
	}
	return -1;
}

size_t hm_mldsa_prehash_bytes(enum hm_mldsa_prehash ph)
{
	switch (ph) {
	case HM_MLDSA_PH_SHA2_224:
	case HM_MLDSA_PH_SHA2_512_224:
	case HM_MLDSA_PH_SHA3_224:
		return 28;
	case HM_MLDSA_PH_SHA2_256:
	case HM_MLDSA_PH_SHA2_512_256:
	case HM_MLDSA_PH_SHA3_256:
	case HM_MLDSA_PH_SHAKE128:
		return 32;
	case HM_MLDSA_PH_SHA2_384:
	case HM_MLDSA_PH_SHA3_384:
		return 48;
	case HM_MLDSA_PH_SHA2_512:
	case HM_MLDSA_PH_SHA3_512:
	case HM_MLDSA_PH_SHAKE256:
		return 64;
	}
	return 0;
}

/* SHA3-224 and SHA3-384, which sha3.h does not offer: the same sponge at another rate. */
static void sha3_other(uint8_t *out, size_t outlen, size_t rate, const void *msg, size_t len)
{
	struct hm_keccak ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.rate = rate;
	ctx.suffix = 0x06;
	hm_keccak_absorb(&ctx, msg, len);
	hm_keccak_squeeze(&ctx, out, outlen);
	hm_keccak_wipe(&ctx);
}

int hm_mldsa_prehash_digest(enum hm_mldsa_prehash ph, uint8_t out[HM_MLDSA_MAX_PREHASH_BYTES],
                            size_t *outlen, const void *msg, size_t msglen)
{
	const uint8_t *m = msg;
	size_t n = hm_mldsa_prehash_bytes(ph);
	struct sha256_ctx s256;
	struct sha512_ctx s512;

	if (n == 0 || !out || !outlen || (msglen && !msg))
		return HM_ERR_INVALID;
	switch (ph) {
	case HM_MLDSA_PH_SHA2_224:
		sha224_init(&s256);
		sha224_update(&s256, msglen, m);
		sha224_digest(&s256, n, out);
		break;
	case HM_MLDSA_PH_SHA2_256:
		sha256_init(&s256);
		sha256_update(&s256, msglen, m);
		sha256_digest(&s256, n, out);
		break;
	case HM_MLDSA_PH_SHA2_384:
		sha384_init(&s512);
		sha384_update(&s512, msglen, m);
		sha384_digest(&s512, n, out);
		break;
	case HM_MLDSA_PH_SHA2_512:
		sha512_init(&s512);
		sha512_update(&s512, msglen, m);
		sha512_digest(&s512, n, out);
		break;
	case HM_MLDSA_PH_SHA2_512_224:
		sha512_224_init(&s512);
		sha512_224_update(&s512, msglen, m);
		sha512_224_digest(&s512, n, out);
		break;
	case HM_MLDSA_PH_SHA2_512_256:
		sha512_256_init(&s512);
		sha512_256_update(&s512, msglen, m);
		sha512_256_digest(&s512, n, out);
		break;
	case HM_MLDSA_PH_SHA3_224:
		sha3_other(out, n, 144, msg, msglen);
		break;
	case HM_MLDSA_PH_SHA3_256:
		hm_sha3_256(out, msg, msglen);
		break;
	case HM_MLDSA_PH_SHA3_384:
		sha3_other(out, n, 104, msg, msglen);
		break;
	case HM_MLDSA_PH_SHA3_512:
		hm_sha3_512(out, msg, msglen);
		break;
	case HM_MLDSA_PH_SHAKE128:
		hm_shake128(out, n, msg, msglen);
		break;
	case HM_MLDSA_PH_SHAKE256:
		hm_shake256(out, n, msg, msglen);
		break;
	}
	*outlen = n;
	return HM_OK;
}

/*
 * Checks ctx and sets up the parts of M' = 0x00/0x01 || |ctx| || ctx || rest.
 * hdr must outlive parts; for pre-hashing it also receives the OID and the
 * digest after the two header bytes.
 */
static int format_mprime(struct msg_parts *parts, uint8_t hdr[2 + OID_BYTES + 64], const void *ctx,
                         size_t ctxlen, const void *msg, size_t msglen, int prehash)
{
	if (ctxlen > HM_MLDSA_MAX_CTX_BYTES || (ctxlen && !ctx) || (msglen && !msg))
		return HM_ERR_INVALID;
	memset(parts, 0, sizeof(*parts));
	hdr[0] = prehash ? 1 : 0;
	hdr[1] = (uint8_t)ctxlen;
	parts->ptr[0] = hdr;
	parts->len[0] = 2;
	parts->ptr[1] = ctx;
	parts->len[1] = ctxlen;
	if (prehash) {
		parts->ptr[2] = hdr + 2;
		parts->len[2] = OID_BYTES + msglen;
	} else {
		parts->ptr[2] = msg;
		parts->len[2] = msglen;
	}
	return HM_OK;
}

/* Fills hdr + 2 with OID || PH(M) for Alg. 4/5. */
static int format_prehash(uint8_t hdr[2 + OID_BYTES + 64], const uint8_t *ph_msg, size_t phlen,
                          enum hm_mldsa_prehash ph)
{
	static const uint8_t oid_prefix[OID_BYTES - 1] = {
		0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
	};
	int x = prehash_oid_byte(ph);

	if (x < 0)
		return HM_ERR_INVALID;
	if (phlen != hm_mldsa_prehash_bytes(ph) || !ph_msg)
		return HM_ERR_LENGTH;
	memcpy(hdr + 2, oid_prefix, sizeof(oid_prefix));
	hdr[2 + OID_BYTES - 1] = (uint8_t)x;
	memcpy(hdr + 2 + OID_BYTES, ph_msg, phlen);
	return HM_OK;
}

/* ------------------------------------------------------------------------ */
/* Signing (Alg. 7 from line 7 on)                                           */

struct sign_state {
	struct poly A[K_MAX][L_MAX];
	struct poly s1[L_MAX], s2[K_MAX], t0[K_MAX]; /* NTT form after decoding */
	struct poly y[L_MAX], z[L_MAX];              /* z holds NTT(y), then c s1, then z */
	struct poly w[K_MAX], h[K_MAX];
	struct poly r0[K_MAX], ct0[K_MAX]; /* r0 = LowBits(w - c s2) */
	struct poly c, w1;
	uint8_t rho[32], key[32], tr[64];
	uint8_t rhopp_in[32 + 32 + 64]; /* K || rnd || mu */
	uint8_t rhopp[64];
	uint8_t ctilde[CTILDE_MAX];
	uint8_t w1enc[K_MAX * W1_POLY_MAX];
};

/* The largest kappa before the 16-bit nonce of ExpandMask would wrap (never reached). */
#define KAPPA_LIMIT (65536 - L_MAX)

static int sign_core(const struct params *p, uint8_t *sig, const uint8_t *sk, const uint8_t mu[64],
                     const uint8_t *rnd, struct sign_state *st)
{
	unsigned kappa = 0;
	uint32_t valid = sk_decode(p, st->rho, st->key, st->tr, st->s1, st->s2, st->t0, sk);

	/* Public: whether sk is well-formed is the error code returned to the caller. */
	HM_CT_DECLASSIFY(&valid, sizeof(valid));
	if (!valid)
		return HM_ERR_INVALID;
	/* Public: rho is the matrix seed, the same as in pk. */
	HM_CT_DECLASSIFY(st->rho, sizeof(st->rho));
	for (unsigned i = 0; i < p->l; i++)
		ntt(&st->s1[i]);
	for (unsigned i = 0; i < p->k; i++) {
		ntt(&st->s2[i]);
		ntt(&st->t0[i]);
	}
	expand_a(p, st->A, st->rho);
	memcpy(st->rhopp_in, st->key, 32);
	if (rnd)
		memcpy(st->rhopp_in + 32, rnd, 32);
	else
		memset(st->rhopp_in + 32, 0, 32);
	memcpy(st->rhopp_in + 64, mu, 64);
	hm_shake256(st->rhopp, 64, st->rhopp_in, sizeof(st->rhopp_in));

	for (; kappa < KAPPA_LIMIT; kappa += p->l) {
		struct hm_keccak ctx;
		uint32_t reject, hints = 0;
		size_t off = 0;

		expand_mask(p, st->y, st->rhopp, kappa);
		for (unsigned i = 0; i < p->l; i++) {
			st->z[i] = st->y[i];
			ntt(&st->z[i]);
		}
		matvec(p, st->w, st->A, st->z);
		for (unsigned i = 0; i < p->k; i++) {
			kernels()->high_bits(st->w[i].c, st->w1.c, p->gamma2);
			off += w1_encode(p, st->w1enc + off, &st->w1);
		}
		hm_shake256_init(&ctx);
		hm_keccak_absorb(&ctx, mu, 64);
		hm_keccak_absorb(&ctx, st->w1enc, off);
		hm_keccak_squeeze(&ctx, st->ctilde, p->ctilde_bytes);
		hm_keccak_wipe(&ctx);

		sample_in_ball(p, &st->c, st->ctilde);
		ntt(&st->c);
		for (unsigned i = 0; i < p->l; i++) {
			poly_pointwise(&st->z[i], &st->c, &st->s1[i]);
			intt(&st->z[i]);
			kernels()->add_centred(st->z[i].c, st->y[i].c);
		}
		for (unsigned i = 0; i < p->k; i++) {
			poly_pointwise(&st->r0[i], &st->c, &st->s2[i]);
			intt(&st->r0[i]);
			poly_pointwise(&st->ct0[i], &st->c, &st->t0[i]);
			intt(&st->ct0[i]);
			hints += kernels()->make_hints(st->w[i].c, st->r0[i].c, st->ct0[i].c,
			                               st->h[i].c, p->gamma2);
		}
		reject = polyvec_exceeds(st->z, p->l, p->gamma1 - p->beta);
		reject |= polyvec_exceeds(st->r0, p->k, p->gamma2 - p->beta);
		reject |= polyvec_exceeds(st->ct0, p->k, p->gamma2);
		reject |= (uint32_t)(p->omega - hints) >> 31;
		/* Public: FIPS 204 lets the restart decision leak (the attempt is discarded). */
		HM_CT_DECLASSIFY(&reject, sizeof(reject));
		if (!reject) {
			/* Public: the accepted attempt's hints are encoded into the signature. */
			HM_CT_DECLASSIFY(st->h, sizeof(st->h[0]) * p->k);
			sig_encode(p, sig, st->ctilde, st->z, st->h);
			/* Public: the signature is the output. */
			HM_CT_DECLASSIFY(sig, p->sig_bytes);
			return HM_OK;
		}
	}
	return HM_ERR_CRYPTO;
}

static int sign_with_mu(const struct params *p, uint8_t *sig, const uint8_t *sk,
                        const uint8_t mu[64], const uint8_t *rnd)
{
	struct sign_state st;
	int rc = sign_core(p, sig, sk, mu, rnd, &st);

	hm_wipe(&st, sizeof(st));
	if (rc != HM_OK)
		memset(sig, 0, p->sig_bytes);
	return rc;
}

/* Common argument checks of the signing entry points; tr is read from sk. */
static int sign_check(const struct params *p, uint8_t *sig, const uint8_t *sk, size_t sklen)
{
	if (!p || !sig || !sk)
		return HM_ERR_INVALID;
	if (sklen != p->sk_bytes)
		return HM_ERR_LENGTH;
	return HM_OK;
}

static int sign_parts(const struct params *p, uint8_t *sig, const uint8_t *sk,
                      const struct msg_parts *parts, const uint8_t *rnd)
{
	uint8_t mu[64];
	int rc;

	compute_mu(mu, sk + 64, parts);
	rc = sign_with_mu(p, sig, sk, mu, rnd);
	hm_wipe(mu, sizeof(mu));
	return rc;
}

int hm_mldsa_sign(enum hm_mldsa_param param, uint8_t *sig, const uint8_t *sk, size_t sklen,
                  const void *msg, size_t msglen, const void *ctx, size_t ctxlen,
                  const uint8_t rnd[HM_MLDSA_RND_BYTES])
{
	const struct params *p = get_params(param);
	struct msg_parts parts;
	uint8_t hdr[2 + OID_BYTES + 64];
	int rc = sign_check(p, sig, sk, sklen);

	if (rc == HM_OK)
		rc = format_mprime(&parts, hdr, ctx, ctxlen, msg, msglen, 0);
	if (rc == HM_OK)
		return sign_parts(p, sig, sk, &parts, rnd);
	if (p && sig)
		memset(sig, 0, p->sig_bytes);
	return rc;
}

int hm_mldsa_sign_hedged(enum hm_mldsa_param param, uint8_t *sig, const uint8_t *sk, size_t sklen,
                         const void *msg, size_t msglen, const void *ctx, size_t ctxlen)
{
	uint8_t rnd[HM_MLDSA_RND_BYTES];
	int rc = hm_random_bytes(rnd, sizeof(rnd));

	if (rc == HM_OK)
		rc = hm_mldsa_sign(param, sig, sk, sklen, msg, msglen, ctx, ctxlen, rnd);
	hm_wipe(rnd, sizeof(rnd));
	return rc;
}

int hm_mldsa_sign_prehash(enum hm_mldsa_param param, uint8_t *sig, const uint8_t *sk, size_t sklen,
                          const uint8_t *ph_msg, size_t phlen, enum hm_mldsa_prehash ph,
                          const void *ctx, size_t ctxlen, const uint8_t rnd[HM_MLDSA_RND_BYTES])
{
	const struct params *p = get_params(param);
	struct msg_parts parts;
	uint8_t hdr[2 + OID_BYTES + 64];
	int rc = sign_check(p, sig, sk, sklen);

	if (rc == HM_OK)
		rc = format_prehash(hdr, ph_msg, phlen, ph);
	if (rc == HM_OK)
		rc = format_mprime(&parts, hdr, ctx, ctxlen, ph_msg, phlen, 1);
	if (rc == HM_OK)
		return sign_parts(p, sig, sk, &parts, rnd);
	if (p && sig)
		memset(sig, 0, p->sig_bytes);
	return rc;
}

int hm_mldsa_sign_internal(enum hm_mldsa_param param, uint8_t *sig, const uint8_t *sk, size_t sklen,
                           const void *mprime, size_t mprimelen,
                           const uint8_t rnd[HM_MLDSA_RND_BYTES])
{
	const struct params *p = get_params(param);
	struct msg_parts parts = { .ptr = { mprime }, .len = { mprimelen } };
	int rc = sign_check(p, sig, sk, sklen);

	if (rc == HM_OK && mprimelen && !mprime)
		rc = HM_ERR_INVALID;
	if (rc == HM_OK)
		return sign_parts(p, sig, sk, &parts, rnd);
	if (p && sig)
		memset(sig, 0, p->sig_bytes);
	return rc;
}

int hm_mldsa_sign_mu(enum hm_mldsa_param param, uint8_t *sig, const uint8_t *sk, size_t sklen,
                     const uint8_t mu[HM_MLDSA_MU_BYTES], const uint8_t rnd[HM_MLDSA_RND_BYTES])
{
	const struct params *p = get_params(param);
	int rc = sign_check(p, sig, sk, sklen);

	if (rc == HM_OK && !mu)
		rc = HM_ERR_INVALID;
	if (rc == HM_OK)
		return sign_with_mu(p, sig, sk, mu, rnd);
	if (p && sig)
		memset(sig, 0, p->sig_bytes);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Verification (Alg. 8 from line 5 on); all inputs public                  */

struct verify_state {
	struct poly A[K_MAX][L_MAX];
	struct poly t1[K_MAX], z[L_MAX], h[K_MAX], w[K_MAX];
	struct poly c;
	uint8_t rho[32];
	uint8_t ctilde[CTILDE_MAX], ctilde2[CTILDE_MAX];
	uint8_t w1enc[K_MAX * W1_POLY_MAX];
};

static int verify_core(const struct params *p, const uint8_t *pk, const uint8_t mu[64],
                       const uint8_t *sig, struct verify_state *st)
{
	struct hm_keccak ctx;
	size_t off = 0;

	pk_decode(p, st->rho, st->t1, pk);
	if (!sig_decode(p, st->ctilde, st->z, st->h, sig))
		return HM_ERR_VERIFY;
	if (polyvec_exceeds(st->z, p->l, p->gamma1 - p->beta))
		return HM_ERR_VERIFY;
	expand_a(p, st->A, st->rho);
	sample_in_ball(p, &st->c, st->ctilde);
	ntt(&st->c);
	for (unsigned j = 0; j < p->l; j++)
		ntt(&st->z[j]);
	matvec(p, st->w, st->A, st->z);
	for (unsigned i = 0; i < p->k; i++) {
		struct poly ct1;

		for (unsigned j = 0; j < N; j++)
			st->t1[i].c[j] <<= D;
		ntt(&st->t1[i]);
		poly_pointwise(&ct1, &st->c, &st->t1[i]);
		intt(&ct1);
		for (unsigned j = 0; j < N; j++) {
			int32_t r = freeze(st->w[i].c[j] - ct1.c[j]);

			st->w[i].c[j] = use_hint((unsigned)st->h[i].c[j], r, p->gamma2);
		}
		off += w1_encode(p, st->w1enc + off, &st->w[i]);
	}
	hm_shake256_init(&ctx);
	hm_keccak_absorb(&ctx, mu, 64);
	hm_keccak_absorb(&ctx, st->w1enc, off);
	hm_keccak_squeeze(&ctx, st->ctilde2, p->ctilde_bytes);
	hm_keccak_wipe(&ctx);
	return hm_ct_equal(st->ctilde, st->ctilde2, p->ctilde_bytes) ? HM_OK : HM_ERR_VERIFY;
}

static int verify_with_mu(const struct params *p, const uint8_t *pk, const uint8_t mu[64],
                          const uint8_t *sig)
{
	struct verify_state st;
	int rc = verify_core(p, pk, mu, sig, &st);

	/* Nothing here is secret; wiped anyway, as it costs little next to verifying. */
	hm_wipe(&st, sizeof(st));
	return rc;
}

static int verify_check(const struct params *p, const uint8_t *pk, size_t pklen, const uint8_t *sig,
                        size_t siglen)
{
	if (!p || !pk || !sig)
		return HM_ERR_INVALID;
	if (pklen != p->pk_bytes || siglen != p->sig_bytes)
		return HM_ERR_LENGTH;
	return HM_OK;
}

static int verify_parts(const struct params *p, const uint8_t *pk, const struct msg_parts *parts,
                        const uint8_t *sig)
{
	uint8_t tr[64], mu[64];

	hm_shake256(tr, sizeof(tr), pk, p->pk_bytes);
	compute_mu(mu, tr, parts);
	return verify_with_mu(p, pk, mu, sig);
}

int hm_mldsa_mu(enum hm_mldsa_param param, uint8_t mu[HM_MLDSA_MU_BYTES], const uint8_t *pk,
                size_t pklen, const void *msg, size_t msglen, const void *ctx, size_t ctxlen)
{
	const struct params *p = get_params(param);
	struct msg_parts parts;
	uint8_t hdr[2 + OID_BYTES + 64];
	uint8_t tr[64];
	int rc;

	if (!p || !mu || !pk)
		return HM_ERR_INVALID;
	if (pklen != p->pk_bytes)
		return HM_ERR_LENGTH;
	rc = format_mprime(&parts, hdr, ctx, ctxlen, msg, msglen, 0);
	if (rc != HM_OK)
		return rc;
	hm_shake256(tr, sizeof(tr), pk, p->pk_bytes);
	compute_mu(mu, tr, &parts);
	return HM_OK;
}

int hm_mldsa_verify(enum hm_mldsa_param param, const uint8_t *pk, size_t pklen, const void *msg,
                    size_t msglen, const void *ctx, size_t ctxlen, const uint8_t *sig,
                    size_t siglen)
{
	const struct params *p = get_params(param);
	struct msg_parts parts;
	uint8_t hdr[2 + OID_BYTES + 64];
	int rc = verify_check(p, pk, pklen, sig, siglen);

	if (rc == HM_OK)
		rc = format_mprime(&parts, hdr, ctx, ctxlen, msg, msglen, 0);
	if (rc == HM_OK)
		rc = verify_parts(p, pk, &parts, sig);
	return rc;
}

int hm_mldsa_verify_prehash(enum hm_mldsa_param param, const uint8_t *pk, size_t pklen,
                            const uint8_t *ph_msg, size_t phlen, enum hm_mldsa_prehash ph,
                            const void *ctx, size_t ctxlen, const uint8_t *sig, size_t siglen)
{
	const struct params *p = get_params(param);
	struct msg_parts parts;
	uint8_t hdr[2 + OID_BYTES + 64];
	int rc = verify_check(p, pk, pklen, sig, siglen);

	if (rc == HM_OK)
		rc = format_prehash(hdr, ph_msg, phlen, ph);
	if (rc == HM_OK)
		rc = format_mprime(&parts, hdr, ctx, ctxlen, ph_msg, phlen, 1);
	if (rc == HM_OK)
		rc = verify_parts(p, pk, &parts, sig);
	return rc;
}

int hm_mldsa_verify_internal(enum hm_mldsa_param param, const uint8_t *pk, size_t pklen,
                             const void *mprime, size_t mprimelen, const uint8_t *sig,
                             size_t siglen)
{
	const struct params *p = get_params(param);
	struct msg_parts parts = { .ptr = { mprime }, .len = { mprimelen } };
	int rc = verify_check(p, pk, pklen, sig, siglen);

	if (rc == HM_OK && mprimelen && !mprime)
		rc = HM_ERR_INVALID;
	if (rc == HM_OK)
		rc = verify_parts(p, pk, &parts, sig);
	return rc;
}

int hm_mldsa_verify_mu(enum hm_mldsa_param param, const uint8_t *pk, size_t pklen,
                       const uint8_t mu[HM_MLDSA_MU_BYTES], const uint8_t *sig, size_t siglen)
{
	const struct params *p = get_params(param);
	int rc = verify_check(p, pk, pklen, sig, siglen);

	if (rc == HM_OK && !mu)
		rc = HM_ERR_INVALID;
	if (rc == HM_OK)
		rc = verify_with_mu(p, pk, mu, sig);
	return rc;
}
