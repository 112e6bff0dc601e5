/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ML-DSA's NTT, inverse NTT and pointwise products (FIPS 204 Alg. 41, 42)
 * with AVX2, eight 32-bit coefficients per register.
 *
 * Each lane computes exactly what mldsa.c computes for that coefficient, in
 * the same order, with the same Montgomery reduction (R = 2^32):
 * t = (a b mod 2^32) q^-1 mod 2^32, then (a b - t q) / 2^32, whose low 32
 * bits cancel, so it is hi32(a b) - hi32(t q). The 64-bit products come from
 * _mm256_mul_epi32 on the even lanes and on the odd lanes shifted down. So
 * the representatives (not only the residues) match the portable path bit
 * for bit. No branch or index depends on the data.
 *
 * The last three layers pair coefficients closer than eight apart; sixteen
 * coefficients in two registers are regrouped so that partners share a lane,
 * with per-lane twiddles precomputed by regrouping the indices the same way.
 */
#include <pthread.h>
#include <string.h>

#include "crypto_impl_internal.h"

#if HM_HAVE_AVX2_BUILD
#include <immintrin.h>

#define N          256
#define Q          8380417
#define QINV       58728449 /* q^-1 mod 2^32 */
#define INTT_SCALE 41978

static struct {
	int32_t fwd[3][16][2][8]
	        __attribute__((aligned(32))); /* layers 4, 2, 1; chunk; z / z q^-1 */
	int32_t inv[3][16][2][8] __attribute__((aligned(32)));
	/* rejection sampling: for each 8-bit mask, the accepted lane numbers first */
	uint8_t compact[256][8] __attribute__((aligned(8)));
} tw;

static pthread_once_t tw_once = PTHREAD_ONCE_INIT;

static int32_t times_qinv(int32_t z)
{
	return (int32_t)((uint32_t)z * (uint32_t)QINV);
}

HM_AVX2 static inline void split(__m256i a, __m256i b, unsigned len, __m256i *lo, __m256i *hi)
{
	switch (len) {
	case 4:
		*lo = _mm256_permute2x128_si256(a, b, 0x20);
		*hi = _mm256_permute2x128_si256(a, b, 0x31);
		break;
	case 2:
		*lo = _mm256_unpacklo_epi64(a, b);
		*hi = _mm256_unpackhi_epi64(a, b);
		break;
	default: /* 1 */
		*lo = _mm256_blend_epi32(a, _mm256_slli_epi64(b, 32), 0xAA);
		*hi = _mm256_blend_epi32(_mm256_srli_epi64(a, 32), b, 0xAA);
		break;
	}
}

HM_AVX2 static inline void merge(__m256i lo, __m256i hi, unsigned len, __m256i *a, __m256i *b)
{
	switch (len) {
	case 4:
		*a = _mm256_permute2x128_si256(lo, hi, 0x20);
		*b = _mm256_permute2x128_si256(lo, hi, 0x31);
		break;
	case 2:
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
	int32_t idx[16] __attribute__((aligned(32)));
	int32_t lo_idx[8] __attribute__((aligned(32)));

	for (unsigned m = 0; m < 256; m++) {
		unsigned k = 0;

		memset(tw.compact[m], 0, 8);
		for (unsigned i = 0; i < 8; i++)
			if (m >> i & 1)
				tw.compact[m][k++] = (uint8_t)i;
	}
	for (unsigned i = 0; i < 16; i++)
		idx[i] = (int32_t)i;
	for (unsigned l = 0; l < 3; l++) {
		unsigned len = 4u >> l;
		__m256i lo, hi;

		split(_mm256_load_si256((const __m256i *)idx),
		      _mm256_load_si256((const __m256i *)(idx + 8)), len, &lo, &hi);
		_mm256_store_si256((__m256i *)lo_idx, lo);
		for (unsigned k = 0; k < 16; k++) {
			for (unsigned lane = 0; lane < 8; lane++) {
				unsigned j = 16 * k + (unsigned)lo_idx[lane], blk = j / (2 * len);
				int32_t f = hm_mldsa_zetas[128 / len + blk];
				int32_t v = -hm_mldsa_zetas[256 / len - 1 - blk];

				tw.fwd[l][k][0][lane] = f;
				tw.fwd[l][k][1][lane] = times_qinv(f);
				tw.inv[l][k][0][lane] = v;
				tw.inv[l][k][1][lane] = times_qinv(v);
			}
		}
	}
}

static void init_twiddles(void)
{
	init_twiddles_avx2();
}

/* mont_reduce(a * b) of mldsa.c per lane; bqinv = b q^-1 mod 2^32. */
HM_AVX2 static inline __m256i mont_mul(__m256i a, __m256i b, __m256i bqinv)
{
	const __m256i q = _mm256_set1_epi32(Q);
	__m256i t = _mm256_mullo_epi32(a, bqinv);
	__m256i pe = _mm256_mul_epi32(a, b);
	__m256i po = _mm256_mul_epi32(_mm256_srli_epi64(a, 32), _mm256_srli_epi64(b, 32));
	__m256i te = _mm256_mul_epi32(t, q);
	__m256i to = _mm256_mul_epi32(_mm256_srli_epi64(t, 32), q);
	__m256i re = _mm256_srli_epi64(_mm256_sub_epi64(pe, te), 32);
	__m256i ro = _mm256_sub_epi64(po, to);

	return _mm256_blend_epi32(re, ro, 0xAA);
}

/* reduce32 of mldsa.c: a - ((a + 2^22) >> 23) q */
HM_AVX2 static inline __m256i reduce32(__m256i a)
{
	__m256i t = _mm256_srai_epi32(_mm256_add_epi32(a, _mm256_set1_epi32(1 << 22)), 23);

	return _mm256_sub_epi32(a, _mm256_mullo_epi32(t, _mm256_set1_epi32(Q)));
}

HM_AVX2 static inline void fwd_bf(__m256i *x, __m256i *y, __m256i z, __m256i zq)
{
	__m256i t = mont_mul(*y, z, zq);

	*y = _mm256_sub_epi32(*x, t);
	*x = _mm256_add_epi32(*x, t);
}

HM_AVX2 static inline void inv_bf(__m256i *x, __m256i *y, __m256i z, __m256i zq)
{
	__m256i t = *x;

	*x = reduce32(_mm256_add_epi32(t, *y));
	*y = mont_mul(_mm256_sub_epi32(t, *y), z, zq);
}

HM_AVX2 static void ntt_avx2(int32_t c[N])
{
	unsigned m = 1;

	pthread_once(&tw_once, init_twiddles);
	for (unsigned len = 128; len >= 8; len >>= 1) {
		for (unsigned start = 0; start < N; start += 2 * len) {
			int32_t zs = hm_mldsa_zetas[m++];
			__m256i z = _mm256_set1_epi32(zs), zq = _mm256_set1_epi32(times_qinv(zs));

			for (unsigned j = start; j < start + len; j += 8) {
				__m256i x = _mm256_loadu_si256((const __m256i *)&c[j]);
				__m256i y = _mm256_loadu_si256((const __m256i *)&c[j + len]);

				fwd_bf(&x, &y, z, zq);
				_mm256_storeu_si256((__m256i *)&c[j], x);
				_mm256_storeu_si256((__m256i *)&c[j + len], y);
			}
		}
	}
	for (unsigned k = 0; k < 16; k++) {
		__m256i a = _mm256_loadu_si256((const __m256i *)&c[16 * k]);
		__m256i b = _mm256_loadu_si256((const __m256i *)&c[16 * k + 8]);
		__m256i lo, hi;

		for (unsigned l = 0; l < 3; l++) {
			unsigned len = 4u >> l;

			split(a, b, len, &lo, &hi);
			fwd_bf(&lo, &hi, _mm256_load_si256((const __m256i *)tw.fwd[l][k][0]),
			       _mm256_load_si256((const __m256i *)tw.fwd[l][k][1]));
			merge(lo, hi, len, &a, &b);
		}
		_mm256_storeu_si256((__m256i *)&c[16 * k], a);
		_mm256_storeu_si256((__m256i *)&c[16 * k + 8], b);
	}
}

HM_AVX2 static void intt_avx2(int32_t c[N])
{
	const __m256i s = _mm256_set1_epi32(INTT_SCALE),
	              sq = _mm256_set1_epi32(times_qinv(INTT_SCALE));
	unsigned m = 32; /* layer 8 uses zetas 31 down to 16, ..., layer 128 zeta 1 */

	pthread_once(&tw_once, init_twiddles);
	for (unsigned k = 0; k < 16; k++) {
		__m256i a = _mm256_loadu_si256((const __m256i *)&c[16 * k]);
		__m256i b = _mm256_loadu_si256((const __m256i *)&c[16 * k + 8]);
		__m256i lo, hi;

		for (int l = 2; l >= 0; l--) {
			unsigned len = 4u >> l;

			split(a, b, len, &lo, &hi);
			inv_bf(&lo, &hi, _mm256_load_si256((const __m256i *)tw.inv[l][k][0]),
			       _mm256_load_si256((const __m256i *)tw.inv[l][k][1]));
			merge(lo, hi, len, &a, &b);
		}
		_mm256_storeu_si256((__m256i *)&c[16 * k], a);
		_mm256_storeu_si256((__m256i *)&c[16 * k + 8], b);
	}
	for (unsigned len = 8; len < N; len <<= 1) {
		for (unsigned start = 0; start < N; start += 2 * len) {
			int32_t zs = -hm_mldsa_zetas[--m];
			__m256i z = _mm256_set1_epi32(zs), zq = _mm256_set1_epi32(times_qinv(zs));

			for (unsigned j = start; j < start + len; j += 8) {
				__m256i x = _mm256_loadu_si256((const __m256i *)&c[j]);
				__m256i y = _mm256_loadu_si256((const __m256i *)&c[j + len]);

				inv_bf(&x, &y, z, zq);
				_mm256_storeu_si256((__m256i *)&c[j], x);
				_mm256_storeu_si256((__m256i *)&c[j + len], y);
			}
		}
	}
	for (unsigned j = 0; j < N; j += 8) {
		__m256i x = _mm256_loadu_si256((const __m256i *)&c[j]);

		_mm256_storeu_si256((__m256i *)&c[j], mont_mul(x, s, sq));
	}
}

HM_AVX2 static void pointwise_avx2(int32_t r[N], const int32_t a[N], const int32_t b[N])
{
	const __m256i qinv = _mm256_set1_epi32(QINV);

	for (unsigned j = 0; j < N; j += 8) {
		__m256i x = _mm256_loadu_si256((const __m256i *)&a[j]);
		__m256i y = _mm256_loadu_si256((const __m256i *)&b[j]);

		_mm256_storeu_si256((__m256i *)&r[j], mont_mul(x, y, _mm256_mullo_epi32(y, qinv)));
	}
}

HM_AVX2 static void pointwise_acc_avx2(int32_t r[N], const int32_t a[N], const int32_t b[N])
{
	const __m256i qinv = _mm256_set1_epi32(QINV);

	for (unsigned j = 0; j < N; j += 8) {
		__m256i x = _mm256_loadu_si256((const __m256i *)&a[j]);
		__m256i y = _mm256_loadu_si256((const __m256i *)&b[j]);
		__m256i acc = _mm256_loadu_si256((const __m256i *)&r[j]);

		acc = _mm256_add_epi32(acc, mont_mul(x, y, _mm256_mullo_epi32(y, qinv)));
		_mm256_storeu_si256((__m256i *)&r[j], reduce32(acc));
	}
}

/*
 * SampleInBall's inner loop, eight coefficients per register: the same
 * scalar accept/sign/i bookkeeping as the portable loop (masks only), and
 * the gather of c[j] and the two writes as compares against the broadcast
 * positions, blends, and an OR across lanes. Nothing is indexed by i or j.
 */
HM_AVX2 static void ball_bytes_avx2(int32_t c[N], const uint8_t *buf, unsigned from, unsigned to,
                                    uint32_t *ip, uint64_t *sp)
{
	uint32_t i = *ip;
	uint64_t signs = *sp;
	const __m256i step = _mm256_set1_epi32(8);
	const __m256i first = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);

	for (unsigned pos = from; pos < to; pos++) {
		uint32_t j = buf[pos];
		/* i < 256 (still filling) and j <= i, as all-ones or zero */
		uint32_t accept = (0u - (((uint32_t)((int32_t)i - N)) >> 31)) &
		                  ~(0u - (((uint32_t)((int32_t)i - (int32_t)j)) >> 31));
		uint64_t m64 = 0 - (uint64_t)(accept & 1);
		int32_t sign = 1 - 2 * (int32_t)(signs & 1);
		__m256i jv = _mm256_set1_epi32((int32_t)j), iv = _mm256_set1_epi32((int32_t)i);
		__m256i acc = _mm256_set1_epi32((int32_t)accept), sv = _mm256_set1_epi32(sign);
		__m256i t = first, cj = _mm256_setzero_si256();

		for (unsigned k = 0; k < N; k += 8) {
			__m256i x = _mm256_loadu_si256((const __m256i *)&c[k]);

			cj = _mm256_or_si256(cj, _mm256_and_si256(x, _mm256_cmpeq_epi32(t, jv)));
			t = _mm256_add_epi32(t, step);
		}
		/* OR across the eight lanes: every lane then holds c[j] */
		cj = _mm256_or_si256(cj, _mm256_permute2x128_si256(cj, cj, 0x01));
		cj = _mm256_or_si256(cj, _mm256_shuffle_epi32(cj, 0x4E));
		cj = _mm256_or_si256(cj, _mm256_shuffle_epi32(cj, 0xB1));
		t = first;
		for (unsigned k = 0; k < N; k += 8) {
			__m256i x = _mm256_loadu_si256((const __m256i *)&c[k]);
			__m256i mi = _mm256_and_si256(acc, _mm256_cmpeq_epi32(t, iv));
			__m256i mj = _mm256_and_si256(acc, _mm256_cmpeq_epi32(t, jv));

			x = _mm256_blendv_epi8(x, cj, mi);
			x = _mm256_blendv_epi8(x, sv, mj);
			_mm256_storeu_si256((__m256i *)&c[k], x);
			t = _mm256_add_epi32(t, step);
		}
		signs = (signs & ~m64) | ((signs >> 1) & m64);
		i += accept & 1;
	}
	*ip = i;
	*sp = signs;
}

/* freeze of mldsa.c: reduce32, then + q if negative */
HM_AVX2 static inline __m256i freeze(__m256i a)
{
	a = reduce32(a);
	return _mm256_add_epi32(a,
	                        _mm256_and_si256(_mm256_srai_epi32(a, 31), _mm256_set1_epi32(Q)));
}

/* center of mldsa.c: freeze, then - q above (q - 1) / 2 */
HM_AVX2 static inline __m256i center(__m256i a)
{
	a = freeze(a);
	return _mm256_sub_epi32(
	        a, _mm256_and_si256(_mm256_cmpgt_epi32(a, _mm256_set1_epi32((Q - 1) / 2)),
	                            _mm256_set1_epi32(Q)));
}

/*
 * decompose of mldsa.c for r in [0, q), step by step: the quotient by
 * alpha = 2 gamma2 from a 32x32 -> 64-bit product with floor(2^32 / alpha),
 * then the same masked corrections.
 */
HM_AVX2 static inline void decompose(__m256i r, int32_t gamma2, __m256i *r1, __m256i *r0)
{
	const int32_t alpha = 2 * gamma2;
	const __m256i recip =
	        _mm256_set1_epi32((int32_t)(uint32_t)((UINT64_C(1) << 32) / (uint32_t)alpha));
	const __m256i av = _mm256_set1_epi32(alpha);
	__m256i te = _mm256_srli_epi64(_mm256_mul_epu32(r, recip), 32);
	__m256i to = _mm256_mul_epu32(_mm256_srli_epi64(r, 32), recip);
	__m256i t = _mm256_blend_epi32(te, to, 0xAA);
	__m256i rem = _mm256_sub_epi32(r, _mm256_mullo_epi32(t, av));
	__m256i m;

	m = _mm256_cmpgt_epi32(rem, _mm256_set1_epi32(alpha - 1)); /* rem >= alpha */
	rem = _mm256_sub_epi32(rem, _mm256_and_si256(m, av));
	t = _mm256_sub_epi32(t, m);
	m = _mm256_cmpgt_epi32(rem, _mm256_set1_epi32(gamma2)); /* rem > gamma2 */
	rem = _mm256_sub_epi32(rem, _mm256_and_si256(m, av));
	t = _mm256_sub_epi32(t, m);
	m = _mm256_cmpeq_epi32(t, _mm256_set1_epi32((Q - 1) / alpha)); /* the top interval wraps */
	t = _mm256_andnot_si256(m, t);
	rem = _mm256_add_epi32(rem, m);
	*r1 = t;
	*r0 = rem;
}

HM_AVX2 static void high_bits_avx2(int32_t w[N], int32_t w1[N], int32_t gamma2)
{
	for (unsigned j = 0; j < N; j += 8) {
		__m256i x = freeze(_mm256_loadu_si256((const __m256i *)&w[j])), hi, lo;

		decompose(x, gamma2, &hi, &lo);
		_mm256_storeu_si256((__m256i *)&w[j], x);
		_mm256_storeu_si256((__m256i *)&w1[j], hi);
	}
}

HM_AVX2 static void add_centred_avx2(int32_t z[N], const int32_t y[N])
{
	for (unsigned j = 0; j < N; j += 8) {
		__m256i x = center(_mm256_loadu_si256((const __m256i *)&z[j]));

		x = _mm256_add_epi32(x, _mm256_loadu_si256((const __m256i *)&y[j]));
		_mm256_storeu_si256((__m256i *)&z[j], x);
	}
}

HM_AVX2 static uint32_t make_hints_avx2(const int32_t w[N], int32_t r0[N], int32_t ct0[N],
                                        int32_t h[N], int32_t gamma2)
{
	__m256i count = _mm256_setzero_si256();
	int32_t lanes[8] __attribute__((aligned(32)));
	uint32_t hints = 0;

	for (unsigned j = 0; j < N; j += 8) {
		__m256i wv = _mm256_loadu_si256((const __m256i *)&w[j]);
		__m256i cs2 = center(_mm256_loadu_si256((const __m256i *)&r0[j]));
		__m256i c = center(_mm256_loadu_si256((const __m256i *)&ct0[j]));
		__m256i wcs2 = freeze(_mm256_sub_epi32(wv, cs2));
		__m256i hi_a, hi_b, lo, lo_b, hv;

		decompose(wcs2, gamma2, &hi_a, &lo);
		decompose(freeze(_mm256_add_epi32(wcs2, c)), gamma2, &hi_b, &lo_b);
		hv = _mm256_andnot_si256(_mm256_cmpeq_epi32(hi_a, hi_b), _mm256_set1_epi32(1));
		_mm256_storeu_si256((__m256i *)&r0[j], lo);
		_mm256_storeu_si256((__m256i *)&h[j], hv);
		_mm256_storeu_si256((__m256i *)&ct0[j], c);
		count = _mm256_add_epi32(count, hv);
	}
	_mm256_store_si256((__m256i *)lanes, count);
	for (unsigned l = 0; l < 8; l++)
		hints += (uint32_t)lanes[l];
	return hints;
}

HM_AVX2 static uint32_t exceeds_avx2(const int32_t c[N], int32_t bound)
{
	const __m256i b = _mm256_set1_epi32(bound), top = _mm256_set1_epi32(INT32_MIN);
	__m256i bad = _mm256_setzero_si256();
	uint32_t lanes[8] __attribute__((aligned(32)));
	uint32_t r = 0;

	for (unsigned j = 0; j < N; j += 8) {
		__m256i a = _mm256_abs_epi32(_mm256_loadu_si256((const __m256i *)&c[j]));

		bad = _mm256_or_si256(bad, _mm256_xor_si256(_mm256_sub_epi32(a, b), top));
	}
	_mm256_store_si256((__m256i *)lanes, bad);
	for (unsigned l = 0; l < 8; l++)
		r |= lanes[l];
	return r;
}

/*
 * RejNTTPoly's rejection step, 24 bytes (8 candidates of 23 bits) at a
 * time: compare with q, then move the accepted lanes to the front with a
 * lane permutation chosen by the acceptance mask (public data: the matrix
 * seed). The tail, and the last coefficients (a store writes eight lanes),
 * go through the portable loop.
 */
HM_AVX2 static unsigned rej_uniform_avx2(int32_t c[N], unsigned j, const uint8_t *buf, unsigned len)
{
	const __m256i spread_idx = _mm256_setr_epi32(0, 1, 2, 3, 3, 4, 5, 6);
	const __m256i spread =
	        _mm256_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1, 0, 1, 2, -1,
	                         3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1);
	const __m256i low23 = _mm256_set1_epi32(0x7fffff), q = _mm256_set1_epi32(Q);
	unsigned pos = 0;

	pthread_once(&tw_once, init_twiddles);
	while (pos + 32 <= len && j + 8 <= N) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(buf + pos));
		unsigned m;

		x = _mm256_shuffle_epi8(_mm256_permutevar8x32_epi32(x, spread_idx), spread);
		x = _mm256_and_si256(x, low23);
		m = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(q, x)));
		x = _mm256_permutevar8x32_epi32(
		        x, _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)tw.compact[m])));
		_mm256_storeu_si256((__m256i *)&c[j], x);
		j += (unsigned)__builtin_popcount(m);
		pos += 24;
	}
	return hm_mldsa_kernels_portable()->rej_uniform(c, j, buf + pos, len - pos);
}

static const struct hm_mldsa_kernels avx2_kernels = {
	.ntt = ntt_avx2,
	.intt = intt_avx2,
	.pointwise = pointwise_avx2,
	.pointwise_acc = pointwise_acc_avx2,
	.ball_bytes = ball_bytes_avx2,
	.high_bits = high_bits_avx2,
	.add_centred = add_centred_avx2,
	.make_hints = make_hints_avx2,
	.exceeds = exceeds_avx2,
	.rej_uniform = rej_uniform_avx2,
};

const struct hm_mldsa_kernels *hm_mldsa_kernels_avx2(void)
{
	return &avx2_kernels;
}
#endif
