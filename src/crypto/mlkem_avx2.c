/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ML-KEM's NTT, inverse NTT and NTT-domain multiplication (FIPS 203 Alg. 9-12)
 * with AVX2, sixteen 16-bit coefficients per register.
 *
 * Products use signed Montgomery multiplication with R = 2^16: for |a| < q
 * and a constant b' = b R mod q (centred), mulhi(a, b') - mulhi(a b' q^-1
 * mod R, q) is a b mod q in (-q, q). Every result is brought back to [0, q)
 * at once, exactly as the portable code does after each operation, so both
 * paths produce the same canonical coefficients at every step and the
 * outputs are bit-identical. No branch or index depends on the data.
 *
 * The last three layers of the NTT pair coefficients closer than sixteen
 * apart, inside one register; two registers (32 coefficients) are then
 * regrouped so that every coefficient in `lo` has its partner in the same
 * lane of `hi`, with the per-lane twiddle factors precomputed by applying
 * the same regrouping to the coefficient indices.
 */
#include <pthread.h>
#include <string.h>

#include "crypto_impl_internal.h"
#include "hypermesh/secure.h"

#if HM_HAVE_AVX2_BUILD
#include <immintrin.h>

#define N     256
#define Q     3329
#define QINV  (-3327) /* q^-1 mod 2^16, signed */
#define R_MOD 2285    /* 2^16 mod q */

/* A twiddle b' = b R mod q (centred) and b' q^-1 mod 2^16. */
struct twiddle {
	int16_t b, bqinv;
};

static struct {
	struct twiddle big[128]; /* by zeta index: layers len >= 16 */
	int16_t fwd[3][8][2][16]
	        __attribute__((aligned(32))); /* layers 8, 4, 2; chunk; b / bqinv */
	int16_t inv[3][8][2][16] __attribute__((aligned(32)));
	int16_t gamma[2][128] __attribute__((aligned(32))); /* basemul: gamma R, and q^-1 */
	/*
	 * Rejection sampling: for each 8-bit mask of accepted lanes, the byte
	 * shuffle that moves those 16-bit lanes to the front, in order.
	 */
	uint8_t compact[256][16] __attribute__((aligned(16)));
} tw;

static pthread_once_t tw_once = PTHREAD_ONCE_INIT;

static int16_t centred_mont(uint32_t b)
{
	int32_t v = (int32_t)((b * R_MOD) % Q);

	return (int16_t)(v > Q / 2 ? v - Q : v);
}

static struct twiddle make_twiddle(uint32_t b)
{
	struct twiddle t;

	t.b = centred_mont(b);
	t.bqinv = (int16_t)(uint16_t)((uint32_t)(uint16_t)t.b * (uint16_t)QINV);
	return t;
}

/* Regroups 32 coefficients for layer len (8, 4 or 2): lo[l] and hi[l] are partners. */
HM_AVX2 static inline void split(__m256i a, __m256i b, unsigned len, __m256i *lo, __m256i *hi)
{
	switch (len) {
	case 8:
		*lo = _mm256_permute2x128_si256(a, b, 0x20);
		*hi = _mm256_permute2x128_si256(a, b, 0x31);
		break;
	case 4:
		*lo = _mm256_unpacklo_epi64(a, b);
		*hi = _mm256_unpackhi_epi64(a, b);
		break;
	default: /* 2 */
		*lo = _mm256_blend_epi32(a, _mm256_slli_epi64(b, 32), 0xAA);
		*hi = _mm256_blend_epi32(_mm256_srli_epi64(a, 32), b, 0xAA);
		break;
	}
}

/* The inverse of split. */
HM_AVX2 static inline void merge(__m256i lo, __m256i hi, unsigned len, __m256i *a, __m256i *b)
{
	switch (len) {
	case 8:
		*a = _mm256_permute2x128_si256(lo, hi, 0x20);
		*b = _mm256_permute2x128_si256(lo, hi, 0x31);
		break;
	case 4:
		*a = _mm256_unpacklo_epi64(lo, hi);
		*b = _mm256_unpackhi_epi64(lo, hi);
		break;
	default:
		*a = _mm256_blend_epi32(lo, _mm256_slli_epi64(hi, 32), 0xAA);
		*b = _mm256_blend_epi32(_mm256_srli_epi64(lo, 32), hi, 0xAA);
		break;
	}
}

HM_AVX2 static void init_twiddles_avx2(void)
{
	static const unsigned lens[3] = { 8, 4, 2 };
	int16_t idx[32] __attribute__((aligned(32)));
	int16_t lo_idx[16] __attribute__((aligned(32)));

	for (unsigned i = 0; i < 128; i++) {
		tw.big[i] = make_twiddle(hm_mlkem_zetas[i]);
		struct twiddle g = make_twiddle(hm_mlkem_gammas[i]);
		tw.gamma[0][i] = g.b;
		tw.gamma[1][i] = g.bqinv;
	}
	for (unsigned m = 0; m < 256; m++) {
		unsigned k = 0;

		memset(tw.compact[m], 0x80, 16); /* 0x80: a zero byte */
		for (unsigned i = 0; i < 8; i++) {
			if (m >> i & 1) {
				tw.compact[m][2 * k] = (uint8_t)(2 * i);
				tw.compact[m][2 * k + 1] = (uint8_t)(2 * i + 1);
				k++;
			}
		}
	}
	for (unsigned i = 0; i < 32; i++)
		idx[i] = (int16_t)i;
	for (unsigned l = 0; l < 3; l++) {
		unsigned len = lens[l];
		__m256i lo, hi;

		split(_mm256_load_si256((const __m256i *)idx),
		      _mm256_load_si256((const __m256i *)(idx + 16)), len, &lo, &hi);
		_mm256_store_si256((__m256i *)lo_idx, lo);
		for (unsigned k = 0; k < 8; k++) {
			for (unsigned lane = 0; lane < 16; lane++) {
				unsigned j = 32 * k + (unsigned)lo_idx[lane], blk = j / (2 * len);
				struct twiddle f = make_twiddle(hm_mlkem_zetas[128 / len + blk]);
				struct twiddle v =
				        make_twiddle(hm_mlkem_zetas[256 / len - 1 - blk]);

				tw.fwd[l][k][0][lane] = f.b;
				tw.fwd[l][k][1][lane] = f.bqinv;
				tw.inv[l][k][0][lane] = v.b;
				tw.inv[l][k][1][lane] = v.bqinv;
			}
		}
	}
}

static void init_twiddles(void)
{
	init_twiddles_avx2();
}

/* a b R^-1 mod q in (-q, q), for |a| < 2^15 and b, bqinv a twiddle pair (|b| <= q/2). */
HM_AVX2 static inline __m256i fqmul(__m256i a, __m256i b, __m256i bqinv)
{
	__m256i hi = _mm256_mulhi_epi16(a, b);
	__m256i t = _mm256_mullo_epi16(a, bqinv);

	return _mm256_sub_epi16(hi, _mm256_mulhi_epi16(t, _mm256_set1_epi16(Q)));
}

/* (-q, q) -> [0, q) */
HM_AVX2 static inline __m256i canon(__m256i x)
{
	return _mm256_add_epi16(x,
	                        _mm256_and_si256(_mm256_srai_epi16(x, 15), _mm256_set1_epi16(Q)));
}

HM_AVX2 static inline __m256i add_q(__m256i a, __m256i b)
{
	return canon(_mm256_sub_epi16(_mm256_add_epi16(a, b), _mm256_set1_epi16(Q)));
}

HM_AVX2 static inline __m256i sub_q(__m256i a, __m256i b)
{
	return canon(_mm256_sub_epi16(a, b));
}

/* Forward butterfly: (x, y) -> (x + zeta y, x - zeta y). */
HM_AVX2 static inline void fwd_bf(__m256i *x, __m256i *y, __m256i b, __m256i bqinv)
{
	__m256i t = canon(fqmul(*y, b, bqinv));

	*y = sub_q(*x, t);
	*x = add_q(*x, t);
}

/* Inverse butterfly: (x, y) -> (x + y, zeta (y - x)). */
HM_AVX2 static inline void inv_bf(__m256i *x, __m256i *y, __m256i b, __m256i bqinv)
{
	__m256i t = *x;

	*x = add_q(t, *y);
	*y = canon(fqmul(sub_q(*y, t), b, bqinv));
}

HM_AVX2 static void ntt_avx2(uint16_t c[N])
{
	unsigned zi = 1; /* polynomials need not be 32-byte aligned: unaligned loads */

	pthread_once(&tw_once, init_twiddles);
	for (unsigned len = 128; len >= 16; len /= 2) {
		for (unsigned start = 0; start < N; start += 2 * len) {
			__m256i b = _mm256_set1_epi16(tw.big[zi].b);
			__m256i bq = _mm256_set1_epi16(tw.big[zi].bqinv);

			zi++;
			for (unsigned j = start; j < start + len; j += 16) {
				__m256i x = _mm256_loadu_si256((const __m256i *)&c[j]);
				__m256i y = _mm256_loadu_si256((const __m256i *)&c[j + len]);

				fwd_bf(&x, &y, b, bq);
				_mm256_storeu_si256((__m256i *)&c[j], x);
				_mm256_storeu_si256((__m256i *)&c[j + len], y);
			}
		}
	}
	for (unsigned k = 0; k < 8; k++) {
		__m256i a = _mm256_loadu_si256((const __m256i *)&c[32 * k]);
		__m256i b = _mm256_loadu_si256((const __m256i *)&c[32 * k + 16]);
		__m256i lo, hi;

		for (unsigned l = 0; l < 3; l++) {
			unsigned len = 8u >> l;

			split(a, b, len, &lo, &hi);
			fwd_bf(&lo, &hi, _mm256_load_si256((const __m256i *)tw.fwd[l][k][0]),
			       _mm256_load_si256((const __m256i *)tw.fwd[l][k][1]));
			merge(lo, hi, len, &a, &b);
		}
		_mm256_storeu_si256((__m256i *)&c[32 * k], a);
		_mm256_storeu_si256((__m256i *)&c[32 * k + 16], b);
	}
}

HM_AVX2 static void ntt_inverse_avx2(uint16_t c[N])
{
	const struct twiddle scale = make_twiddle(3303); /* 128^-1 mod q */
	const __m256i fb = _mm256_set1_epi16(scale.b), fq = _mm256_set1_epi16(scale.bqinv);
	unsigned zi;

	pthread_once(&tw_once, init_twiddles);
	for (unsigned k = 0; k < 8; k++) {
		__m256i a = _mm256_loadu_si256((const __m256i *)&c[32 * k]);
		__m256i b = _mm256_loadu_si256((const __m256i *)&c[32 * k + 16]);
		__m256i lo, hi;

		for (int l = 2; l >= 0; l--) {
			unsigned len = 8u >> l;

			split(a, b, len, &lo, &hi);
			inv_bf(&lo, &hi, _mm256_load_si256((const __m256i *)tw.inv[l][k][0]),
			       _mm256_load_si256((const __m256i *)tw.inv[l][k][1]));
			merge(lo, hi, len, &a, &b);
		}
		_mm256_storeu_si256((__m256i *)&c[32 * k], a);
		_mm256_storeu_si256((__m256i *)&c[32 * k + 16], b);
	}
	zi = 15; /* layer 16 uses zetas 15 down to 8, ..., layer 128 uses zeta 1 */
	for (unsigned len = 16; len <= 128; len *= 2) {
		for (unsigned start = 0; start < N; start += 2 * len) {
			__m256i b = _mm256_set1_epi16(tw.big[zi].b);
			__m256i bq = _mm256_set1_epi16(tw.big[zi].bqinv);

			zi--;
			for (unsigned j = start; j < start + len; j += 16) {
				__m256i x = _mm256_loadu_si256((const __m256i *)&c[j]);
				__m256i y = _mm256_loadu_si256((const __m256i *)&c[j + len]);

				inv_bf(&x, &y, b, bq);
				_mm256_storeu_si256((__m256i *)&c[j], x);
				_mm256_storeu_si256((__m256i *)&c[j + len], y);
			}
		}
	}
	for (unsigned j = 0; j < N; j += 16) {
		__m256i x = _mm256_loadu_si256((const __m256i *)&c[j]);

		_mm256_storeu_si256((__m256i *)&c[j], canon(fqmul(x, fb, fq)));
	}
}

/*
 * Separates 16 pairs (c[2i], c[2i+1]) from two registers into the even
 * coefficients (in pair order) and the odd ones.
 */
HM_AVX2 static inline void deinterleave(__m256i x, __m256i y, __m256i *even, __m256i *odd)
{
	const __m256i shuf = _mm256_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15,
	                                      0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15);
	/* each 128-bit lane: 4 evens then 4 odds; then gather the 64-bit halves */
	x = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(x, shuf), 0xD8);
	y = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(y, shuf), 0xD8);
	*even = _mm256_permute2x128_si256(x, y, 0x20);
	*odd = _mm256_permute2x128_si256(x, y, 0x31);
}

HM_AVX2 static inline void interleave(__m256i even, __m256i odd, __m256i *x, __m256i *y)
{
	__m256i lo = _mm256_unpacklo_epi16(even, odd), hi = _mm256_unpackhi_epi16(even, odd);

	*x = _mm256_permute2x128_si256(lo, hi, 0x20);
	*y = _mm256_permute2x128_si256(lo, hi, 0x31);
}

/* a b R^-1 for a, b in [0, q): the general Montgomery product, |a b| < q^2 < q 2^15. */
HM_AVX2 static inline __m256i mont(__m256i a, __m256i b)
{
	__m256i hi = _mm256_mulhi_epi16(a, b);
	__m256i t = _mm256_mullo_epi16(_mm256_mullo_epi16(a, b), _mm256_set1_epi16(QINV));

	return _mm256_sub_epi16(hi, _mm256_mulhi_epi16(t, _mm256_set1_epi16(Q)));
}

HM_AVX2 static void basemul_acc_avx2(uint16_t h[N], const uint16_t f[N], const uint16_t g[N])
{
	/* The twiddle of R: fqmul by it multiplies by R, undoing one R^-1. */
	const struct twiddle r2 = make_twiddle(R_MOD);
	const __m256i r2b = _mm256_set1_epi16(r2.b), r2q = _mm256_set1_epi16(r2.bqinv);

	pthread_once(&tw_once, init_twiddles);
	for (unsigned k = 0; k < N; k += 32) {
		__m256i a0, a1, b0, b1, h0, h1, c0, c1, x, y;
		__m256i gb = _mm256_load_si256((const __m256i *)&tw.gamma[0][k / 2]);
		__m256i gq = _mm256_load_si256((const __m256i *)&tw.gamma[1][k / 2]);

		deinterleave(_mm256_loadu_si256((const __m256i *)&f[k]),
		             _mm256_loadu_si256((const __m256i *)&f[k + 16]), &a0, &a1);
		deinterleave(_mm256_loadu_si256((const __m256i *)&g[k]),
		             _mm256_loadu_si256((const __m256i *)&g[k + 16]), &b0, &b1);
		deinterleave(_mm256_loadu_si256((const __m256i *)&h[k]),
		             _mm256_loadu_si256((const __m256i *)&h[k + 16]), &h0, &h1);
		/* c0 R^-1 = a0 b0 R^-1 + (a1 b1 R^-1) gamma, in (-2q, 2q) */
		c0 = _mm256_add_epi16(mont(a0, b0), fqmul(mont(a1, b1), gb, gq));
		c1 = _mm256_add_epi16(mont(a0, b1), mont(a1, b0));
		/* times R: a Montgomery product with R^2 mod q, then [0, q) */
		c0 = canon(fqmul(c0, r2b, r2q));
		c1 = canon(fqmul(c1, r2b, r2q));
		interleave(add_q(h0, c0), add_q(h1, c1), &x, &y);
		_mm256_storeu_si256((__m256i *)&h[k], x);
		_mm256_storeu_si256((__m256i *)&h[k + 16], y);
	}
}

/*
 * SampleNTT's rejection step, 24 bytes (16 candidates) at a time: the bytes
 * of each 12-byte group are spread so that every 16-bit lane holds one
 * candidate (low 12 bits, or the high 12 bits shifted down), compared with
 * q, and the accepted lanes of each half moved to the front by a shuffle
 * chosen by the acceptance mask. The mask indexes a table, which is fine:
 * SampleNTT's input is the public matrix seed. The last bytes, and the last
 * coefficients (a store writes eight lanes), go through the portable loop.
 */
HM_AVX2 static unsigned rej_uniform_avx2(uint16_t c[N], unsigned j, const uint8_t *buf,
                                         unsigned len)
{
	const __m256i spread_idx = _mm256_setr_epi32(0, 1, 2, 3, 3, 4, 5, 6);
	const __m256i spread = _mm256_setr_epi8(0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9, 10, 10, 11,
	                                        0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9, 10, 10, 11);
	const __m256i low12 = _mm256_set1_epi16(0x0fff), q = _mm256_set1_epi16(Q);
	unsigned pos = 0;

	pthread_once(&tw_once, init_twiddles);
	while (pos + 32 <= len && j + 16 <= N) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(buf + pos));
		__m256i ok;
		unsigned m, m0, m1;

		x = _mm256_shuffle_epi8(_mm256_permutevar8x32_epi32(x, spread_idx), spread);
		x = _mm256_blend_epi16(_mm256_and_si256(x, low12), _mm256_srli_epi16(x, 4), 0xAA);
		ok = _mm256_cmpgt_epi16(q, x);
		m = (unsigned)_mm256_movemask_epi8(_mm256_packs_epi16(ok, ok));
		m0 = m & 0xff;
		m1 = (m >> 16) & 0xff;
		_mm_storeu_si128((__m128i *)&c[j],
		                 _mm_shuffle_epi8(_mm256_castsi256_si128(x),
		                                  _mm_load_si128((const __m128i *)tw.compact[m0])));
		j += (unsigned)__builtin_popcount(m0);
		_mm_storeu_si128((__m128i *)&c[j],
		                 _mm_shuffle_epi8(_mm256_extracti128_si256(x, 1),
		                                  _mm_load_si128((const __m128i *)tw.compact[m1])));
		j += (unsigned)__builtin_popcount(m1);
		pos += 24;
	}
	return hm_mlkem_kernels_portable()->rej_uniform(c, j, buf + pos, len - pos);
}

/*
 * SamplePolyCBD_2, 32 coefficients per step: each byte holds two
 * coefficients, nibble by nibble; summing bit pairs leaves, per nibble, the
 * two sums whose difference is the coefficient. Secret data: no branch, no
 * index.
 */
HM_AVX2 static void cbd2_avx2(uint16_t c[N], const uint8_t buf[128])
{
	const __m256i m55 = _mm256_set1_epi16(0x55), m3 = _mm256_set1_epi16(3);

	for (unsigned k = 0; k < 8; k++) {
		__m256i x = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(buf + 16 * k)));
		__m256i t = _mm256_add_epi16(_mm256_and_si256(x, m55),
		                             _mm256_and_si256(_mm256_srli_epi16(x, 1), m55));
		__m256i even = _mm256_sub_epi16(_mm256_and_si256(t, m3),
		                                _mm256_and_si256(_mm256_srli_epi16(t, 2), m3));
		__m256i odd = _mm256_sub_epi16(_mm256_and_si256(_mm256_srli_epi16(t, 4), m3),
		                               _mm256_and_si256(_mm256_srli_epi16(t, 6), m3));
		__m256i lo, hi;

		even = canon(even);
		odd = canon(odd);
		lo = _mm256_unpacklo_epi16(even, odd);
		hi = _mm256_unpackhi_epi16(even, odd);
		_mm256_storeu_si256((__m256i *)&c[32 * k], _mm256_permute2x128_si256(lo, hi, 0x20));
		_mm256_storeu_si256((__m256i *)&c[32 * k + 16],
		                    _mm256_permute2x128_si256(lo, hi, 0x31));
	}
}

/*
 * SamplePolyCBD_3, 32 coefficients per 24 bytes: each 32-bit lane takes 3
 * bytes (4 coefficients of 6 bits); summing bit triples leaves, per 3-bit
 * field, the sums whose differences are the coefficients, which are then
 * packed two per 32-bit lane and put in order. The last 24 bytes go through
 * a padded copy so that no load reads past the buffer. No branch, no index.
 */
HM_AVX2 static void cbd3_avx2(uint16_t c[N], const uint8_t buf[192])
{
	const __m256i spread_idx = _mm256_setr_epi32(0, 1, 2, 3, 3, 4, 5, 6);
	const __m256i spread =
	        _mm256_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1, 0, 1, 2, -1,
	                         3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1);
	const __m256i m249 = _mm256_set1_epi32(0x249249), m7 = _mm256_set1_epi32(7);
	const __m256i q = _mm256_set1_epi32(Q);
	uint8_t last[32] __attribute__((aligned(32)));
	__m256i e[4];

	memcpy(last, buf + 168, 24);
	memset(last + 24, 0, 8);
	for (unsigned k = 0; k < 8; k++) {
		const uint8_t *in = k < 7 ? buf + 24 * k : last;
		__m256i x = _mm256_loadu_si256((const __m256i *)in), t, lo, hi, p01, p23;

		x = _mm256_shuffle_epi8(_mm256_permutevar8x32_epi32(x, spread_idx), spread);
		t = _mm256_add_epi32(
		        _mm256_and_si256(x, m249),
		        _mm256_add_epi32(_mm256_and_si256(_mm256_srli_epi32(x, 1), m249),
		                         _mm256_and_si256(_mm256_srli_epi32(x, 2), m249)));
		for (unsigned i = 0; i < 4; i++) {
			__m256i a = _mm256_and_si256(_mm256_srli_epi32(t, (int)(6 * i)), m7);
			__m256i b = _mm256_and_si256(_mm256_srli_epi32(t, (int)(6 * i + 3)), m7);
			__m256i d = _mm256_sub_epi32(a, b);

			e[i] = _mm256_add_epi32(d, _mm256_and_si256(_mm256_srai_epi32(d, 31), q));
		}
		p01 = _mm256_or_si256(e[0], _mm256_slli_epi32(e[1], 16));
		p23 = _mm256_or_si256(e[2], _mm256_slli_epi32(e[3], 16));
		lo = _mm256_unpacklo_epi32(p01, p23);
		hi = _mm256_unpackhi_epi32(p01, p23);
		_mm256_storeu_si256((__m256i *)&c[32 * k], _mm256_permute2x128_si256(lo, hi, 0x20));
		_mm256_storeu_si256((__m256i *)&c[32 * k + 16],
		                    _mm256_permute2x128_si256(lo, hi, 0x31));
	}
	hm_wipe(last, sizeof(last));
}

static const struct hm_mlkem_kernels avx2_kernels = {
	.ntt = ntt_avx2,
	.ntt_inverse = ntt_inverse_avx2,
	.basemul_acc = basemul_acc_avx2,
	.rej_uniform = rej_uniform_avx2,
	.cbd2 = cbd2_avx2,
	.cbd3 = cbd3_avx2,
};

const struct hm_mlkem_kernels *hm_mlkem_kernels_avx2(void)
{
	return &avx2_kernels;
}
#endif
