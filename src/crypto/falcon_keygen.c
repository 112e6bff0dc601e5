/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Falcon key generation (round-3 specification, section 3.8): NTRUGen with
 * NTRUSolve over big integers.
 *
 * f and g are drawn as in the round-3 reference implementation (the
 * specification leaves the Gaussian sampler open, and the KAT files depend
 * on it): each coefficient sums 2^(10 - logn) samples of a tabulated
 * discrete Gaussian for sigma = 1.17 sqrt(q / 2048), each sample built from
 * two 64-bit little-endian words of the SHAKE256 stream; the last
 * coefficient is redrawn until the coefficient sum is odd (else both
 * resultants are even and NTRUSolve must fail).
 *
 * NTRUSolve descends the tower of field norms N(f)(x^2) = f(x) f(-x) down
 * to integers, solves u Res(f) - v Res(g) = 1 there, and lifts back
 * (F, G) <- (F'(x^2) g(-x), G'(x^2) f(-x)), reducing at each level with
 * Babai's round-off: k = round((F adj f + G adj g) / (f adj f + g adj g)),
 * computed in binary64 from the top bits of the big integers.
 *
 * Which candidates are accepted must match the reference, or the KAT key
 * pairs do not reproduce. All solutions of f G - g F = q form one coset
 * (F, G) + Z[x] (f, g), and an exact round-off at the top level picks the
 * same representative whatever the path, so the key itself never depends
 * on how the levels below were reduced; but the reference can FAIL on the
 * way. At the intermediate levels (depth 2 to logn - 1) it does not measure
 * (F, G): it runs a fixed schedule of scaled round-off steps derived from
 * its word sizes and measured bit-length statistics, and drops (f, g) when
 * a step's k leaves the 31-bit range, which happens when the quotient in
 * floating point is too inaccurate (an ill-conditioned level) for a step to
 * remove the 25 bits the schedule assumes. reduce_scheduled() follows that
 * schedule and that rule; it is the difference between 151 and 160 of the
 * 160 KAT key pairs (docs/FALCON.md has the measurements). The two top
 * levels, where the reference does a single exact step, use an exact
 * round-off iterated to convergence (reduce_exact()).
 *
 * Big integers are two's complement over 32-bit limbs with a fixed length
 * per tower level (bounds from the reference implementation's measured
 * maxima, plus margins); a value that would not fit makes the candidate
 * fail, like any other rejected (f, g). Near the top of the tower the
 * values are small, and the field norms, lifts and round-off subtractions
 * run on int64 convolutions instead (bounds checked per call).
 *
 * Side channels: drawing f and g and the norm checks are branch-free; the
 * big-integer tower (GCD, reductions) is NOT constant time. See
 * docs/FALCON.md.
 */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include <string.h>

#include "falcon_internal.h"
#include "hypermesh/error.h"
#include "hypermesh/secure.h"

/* ---- sampling f and g ---- */

/*
 * Reverse cumulative table for the key-generation Gaussian (2^63 scale):
 * entry 0 is P(x = 0); entry k is P(|x| > k | x != 0).
 */
static const uint64_t gauss_1024_12289[27] = {
	1283868770400643928u,
	6416574995475331444u,
	4078260278032692663u,
	2353523259288686585u,
	1227179971273316331u,
	575931623374121527u,
	242543240509105209u,
	91437049221049666u,
	30799446349977173u,
	9255276791179340u,
	2478152334826140u,
	590642893610164u,
	125206034929641u,
	23590435911403u,
	3948334035941u,
	586753615614u,
	77391054539u,
	9056793210u,
	940121950u,
	86539696u,
	7062824u,
	510971u,
	32764u,
	1862u,
	94u,
	4u,
	0u,
};

static uint64_t rng_u64(struct hm_keccak *rng)
{
	uint8_t b[8];
	uint64_t v = 0;

	hm_keccak_squeeze(rng, b, sizeof(b));
	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)b[i] << (8 * i);
	hm_wipe(b, sizeof(b));
	return v;
}

static int mkgauss(struct hm_keccak *rng, unsigned logn)
{
	unsigned g = 1u << (10 - logn);
	int32_t val = 0;

	for (unsigned u = 0; u < g; u++) {
		uint64_t r = rng_u64(rng);
		uint32_t neg = (uint32_t)(r >> 63), f, v = 0;

		r &= ~((uint64_t)1 << 63);
		/* f = 1 when the value is 0 (r below the first entry). */
		f = (uint32_t)((r - gauss_1024_12289[0]) >> 63);
		r = rng_u64(rng) & ~((uint64_t)1 << 63);
		for (uint32_t k = 1; k < 27; k++) {
			uint32_t t = (uint32_t)((r - gauss_1024_12289[k]) >> 63) ^ 1;

			v |= k & (0u - (t & (f ^ 1)));
			f |= t;
		}
		v = (v ^ (0u - neg)) + neg;
		val += (int32_t)v;
	}
	return (int)val;
}

static void poly_small_mkgauss(struct hm_keccak *rng, int8_t *f, unsigned logn)
{
	size_t n = (size_t)1 << logn;
	unsigned mod2 = 0;

	for (size_t u = 0; u < n; u++) {
		int s;

		/* A redraw reveals only that a discarded sample was rejected. */
		for (;;) {
			s = mkgauss(rng, logn);
			if (s < -127 || s > 127)
				continue;
			if (u == n - 1 && (mod2 ^ (unsigned)(s & 1)) == 0)
				continue;
			break;
		}
		mod2 ^= (unsigned)(s & 1);
		f[u] = (int8_t)s;
	}
}

/* ---- big integers: two's complement, 32-bit limbs, fixed length ---- */

static uint32_t zi_sign(const uint32_t *a, size_t len)
{
	return 0u - (a[len - 1] >> 31);
}

static void zi_set_i32(uint32_t *a, size_t len, int32_t v)
{
	a[0] = (uint32_t)v;
	for (size_t i = 1; i < len; i++)
		a[i] = 0u - ((uint32_t)v >> 31);
}

/* Copies a (alen limbs) into d (dlen limbs) with sign extension or truncation. */
static void zi_copy(uint32_t *d, size_t dlen, const uint32_t *a, size_t alen)
{
	uint32_t ext = zi_sign(a, alen);

	for (size_t i = 0; i < dlen; i++)
		d[i] = i < alen ? a[i] : ext;
}

/* Does the two's complement value of a fit in `limbs` limbs? */
static int zi_fits(const uint32_t *a, size_t len, size_t limbs)
{
	uint32_t ext = zi_sign(a, len);

	if (limbs >= len)
		return 1;
	for (size_t i = limbs; i < len; i++) {
		if (a[i] != ext)
			return 0;
	}
	return (a[limbs - 1] >> 31) == (ext & 1);
}

/* Bit length of |a| (approximately, for negative values: that of ~a). */
static unsigned zi_bitlen(const uint32_t *a, size_t len)
{
	uint32_t ext = zi_sign(a, len);

	for (size_t i = len; i-- > 0;) {
		uint32_t w = a[i] ^ ext;

		if (w != 0) {
			unsigned b = 32;

			while (!(w >> 31)) {
				w <<= 1;
				b--;
			}
			return (unsigned)(32 * i) + b;
		}
	}
	return 0;
}

/*
 * d += (neg ? -1 : 1) * a * m * 2^(32 off), modulo 2^(32 dlen). Works on the
 * sign-extended two's complement stream of a, so signed a needs no special case.
 */
static void zi_addmul(uint32_t *d, size_t dlen, const uint32_t *a, size_t alen, uint32_t m,
                      size_t off, int neg)
{
	uint32_t ext = zi_sign(a, alen), inv = neg ? 0xFFFFFFFFu : 0, ac = neg ? 1 : 0;
	uint64_t mc = 0;

	for (size_t i = off; i < dlen; i++) {
		size_t j = i - off;
		uint64_t p = (uint64_t)(j < alen ? a[j] : ext) * m + mc, s;
		uint32_t c = (uint32_t)p ^ inv;

		/*
		 * From limb alen + 1 on, the addend is a constant 0 or ~0 (the
		 * sign extension of a m, possibly inverted): adding 0 with no
		 * carry, or ~0 with a carry, leaves every remaining limb as it is.
		 */
		if (j > alen && ((c == 0 && ac == 0) || (c == 0xFFFFFFFFu && ac == 1)))
			break;
		mc = p >> 32;
		s = (uint64_t)d[i] + c + ac;
		d[i] = (uint32_t)s;
		ac = (uint32_t)(s >> 32);
	}
}

/* d += sign * a * b, with a, b two's complement; d has dlen limbs. */
static void zi_addmul_big(uint32_t *d, size_t dlen, const uint32_t *a, size_t alen,
                          const uint32_t *b, size_t blen, int neg)
{
	uint32_t bs = zi_sign(b, blen), carry = bs & 1;

	/* |b| limb by limb: (b ^ s) + (s & 1) computed on the fly. */
	for (size_t j = 0; j < blen && j < dlen; j++) {
		uint64_t w = (uint64_t)(b[j] ^ bs) + carry;

		carry = (uint32_t)(w >> 32);
		if ((uint32_t)w != 0)
			zi_addmul(d, dlen, a, alen, (uint32_t)w, j, neg ^ (int)(bs & 1));
	}
}

/* x * 2^-s as a double (about 53 bits of precision). */
static double pow2(int e)
{
	uint64_t bits;
	double r;

	if (e < -1000)
		return 0.0;
	if (e > 1000)
		e = 1000;
	bits = (uint64_t)(e + 1023) << 52;
	memcpy(&r, &bits, sizeof(r));
	return r;
}

static double zi_to_double(const uint32_t *a, size_t len, int s)
{
	uint32_t ext = zi_sign(a, len);
	size_t top = len;
	double v;

	/* |a| is ~a + 1 for negative a; beyond three limbs the + 1 is far below 2^-53. */
	while (top > 1 && (a[top - 1] ^ ext) == 0)
		top--;
	v = (double)(a[top - 1] ^ ext);
	if (top >= 2)
		v = v * 4294967296.0 + (double)(a[top - 2] ^ ext);
	if (top >= 3)
		v = v * 4294967296.0 + (double)(a[top - 3] ^ ext);
	/* -a = ~a + 1: the 1 matters when the lowest limb is among those read. */
	if (top <= 3)
		v = v + (double)(ext & 1);
	v = v * pow2(32 * (int)(top >= 3 ? top - 3 : 0) - s);
	return ext ? -v : v;
}

/*
 * int64 fast paths. Near the top of the tower the values are small enough
 * for plain 64-bit products: |a| <= 2^A and |b| <= 2^B give negacyclic
 * convolution sums of n terms below 2^(A + B + logn), so A + B + logn <= 62
 * rules out any overflow. The big-integer code is the general case.
 */

/* *v = a if |a| <= 2^62 (bit length at most 62); returns 0 otherwise. */
static int zi_get_i64(int64_t *v, const uint32_t *a, size_t len)
{
	uint64_t lo, hi;

	if (zi_bitlen(a, len) > 62)
		return 0;
	lo = a[0];
	hi = len > 1 ? a[1] : zi_sign(a, len);
	*v = (int64_t)(lo | hi << 32);
	return 1;
}

/* a (len >= 2 limbs) <- v. */
static void zi_set_i64(uint32_t *a, size_t len, int64_t v)
{
	uint64_t u = (uint64_t)v;

	a[0] = (uint32_t)u;
	a[1] = (uint32_t)(u >> 32);
	for (size_t i = 2; i < len; i++)
		a[i] = 0u - (uint32_t)(u >> 63);
}

/* c = a b mod x^n + 1; the caller guarantees the bound above. */
static void conv_i64(int64_t *c, const int64_t *a, const int64_t *b, size_t n)
{
	memset(c, 0, n * sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		int64_t ai = a[i];

		if (ai == 0)
			continue;
		for (size_t j = 0; j < n - i; j++)
			c[i + j] += ai * b[j];
		for (size_t j = n - i; j < n; j++)
			c[i + j - n] -= ai * b[j];
	}
}

static void zi_neg(uint32_t *a, size_t len)
{
	uint64_t c = 1;

	for (size_t i = 0; i < len; i++) {
		c += (uint32_t)~a[i];
		a[i] = (uint32_t)c;
		c >>= 32;
	}
}

/* ---- unsigned helpers for the base-case GCD ---- */

static int zu_is_zero(const uint32_t *a, size_t len)
{
	uint32_t t = 0;

	for (size_t i = 0; i < len; i++)
		t |= a[i];
	return t == 0;
}

static int zu_is_one(const uint32_t *a, size_t len)
{
	uint32_t t = a[0] ^ 1;

	for (size_t i = 1; i < len; i++)
		t |= a[i];
	return t == 0;
}

/* Bits [pos, pos + 33) of the non-negative a (len limbs). */
static uint64_t zu_bits33(const uint32_t *a, size_t len, unsigned pos)
{
	size_t i = pos / 32;
	uint64_t w = (i < len ? a[i] : 0) | (uint64_t)(i + 1 < len ? a[i + 1] : 0) << 32;

	/* pos % 32 + 33 <= 64: two limbs hold the whole window. */
	return (w >> (pos % 32)) & (((uint64_t)1 << 33) - 1);
}

/*
 * d (len limbs) <- |fa a + fb b| / 2^31 for the non-negative a, b and
 * |fa|, |fb| <= 2^31, an exact division (the low 31 bits of the sum are
 * zero); t: len + 2 limbs of scratch. Returns 1 if the sum was negative.
 */
static int zu_lin_shr31(uint32_t *d, const uint32_t *a, const uint32_t *b, int64_t fa, int64_t fb,
                        size_t len, uint32_t *t)
{
	size_t tl = len + 2;
	int neg;

	memset(t, 0, tl * sizeof(uint32_t));
	zi_addmul(t, tl, a, len, (uint32_t)(fa < 0 ? -fa : fa), 0, fa < 0);
	zi_addmul(t, tl, b, len, (uint32_t)(fb < 0 ? -fb : fb), 0, fb < 0);
	neg = (int)(zi_sign(t, tl) & 1);
	if (neg)
		zi_neg(t, tl);
	for (size_t i = 0; i < len; i++)
		d[i] = (t[i] >> 31) | (t[i + 1] << 1);
	return neg;
}

/*
 * d <- (fa u + fb v) / 2^31 mod m for u, v in [0, m), m odd, |fa| + |fb| <=
 * 2^31: Montgomery's division, adding the multiple k m (k < 2^31) of m that
 * clears the low 31 bits. minv = 1/m mod 2^32; t: len + 2 limbs of scratch.
 */
static void zu_lin_mont(uint32_t *d, const uint32_t *u, const uint32_t *v, int64_t fa, int64_t fb,
                        const uint32_t *m, uint32_t minv, size_t len, uint32_t *t)
{
	size_t tl = len + 2;
	uint32_t k;

	memset(t, 0, tl * sizeof(uint32_t));
	zi_addmul(t, tl, u, len, (uint32_t)(fa < 0 ? -fa : fa), 0, fa < 0);
	zi_addmul(t, tl, v, len, (uint32_t)(fb < 0 ? -fb : fb), 0, fb < 0);
	k = ((0u - t[0]) * minv) & 0x7FFFFFFFu;
	zi_addmul(t, tl, m, len, k, 0, 0);
	/* Arithmetic shift right by 31: |t| < 2^32 m before, so |t| < 2 m after. */
	for (size_t i = 0; i + 1 < tl; i++)
		t[i] = (t[i] >> 31) | (t[i + 1] << 1);
	t[tl - 1] = 0u - (t[tl - 1] >> 31);
	while (zi_sign(t, tl))
		zi_addmul(t, tl, m, len, 1, 0, 0);
	for (;;) {
		zi_addmul(t, tl, m, len, 1, 0, 1);
		if (zi_sign(t, tl)) {
			zi_addmul(t, tl, m, len, 1, 0, 0);
			break;
		}
	}
	memcpy(d, t, len * sizeof(uint32_t));
}

/*
 * inv = y^-1 mod m for odd m, by the binary GCD run 31 steps at a time on
 * 64-bit approximations of a and b (their low 31 bits and top 33 bits):
 * the steps only decide the 2x2 matrix (f0 g0; f1 g1), which is then
 * applied exactly to (a, b) and, divided by 2^31 mod m, to (u, v), keeping
 * a = u y and b = v y mod m (T. Pornin, "Optimized Binary GCD for Modular
 * Inversion", 2020, algorithm 2). Returns 0 if gcd(y, m) != 1. All values
 * have len limbs and a spare top limb (non-negative); tmp: 5 len + 2 limbs.
 */
static int zu_modinv(uint32_t *inv, const uint32_t *y, const uint32_t *m, size_t len, uint32_t *tmp)
{
	uint32_t *a = tmp, *b = tmp + len, *u = tmp + 2 * len, *v = inv, *t = tmp + 3 * len;
	uint32_t *a2 = tmp + 4 * len + 2, minv = m[0];
	unsigned bits = zi_bitlen(m, len), by = zi_bitlen(y, len);
	/* The binary GCD needs at most 2 max(len y, len m) - 1 steps; some slack. */
	unsigned rounds = (2 * (bits > by ? bits : by) + 30) / 31 + 4;

	for (int i = 0; i < 4; i++)
		minv *= 2 - m[0] * minv; /* Newton: m minv = 1 mod 2^32 */
	memcpy(a, y, len * sizeof(uint32_t));
	memcpy(b, m, len * sizeof(uint32_t));
	memset(u, 0, len * sizeof(uint32_t));
	memset(v, 0, len * sizeof(uint32_t));
	u[0] = 1;
	while (!zu_is_zero(a, len)) {
		unsigned ba = zi_bitlen(a, len), bb = zi_bitlen(b, len);
		unsigned n = ba > bb ? ba : bb;
		uint64_t xa, xb;
		int64_t f0 = 1, g0 = 0, f1 = 0, g1 = 1;

		if (rounds-- == 0)
			return 0;
		n = n < 64 ? 64 : n;
		xa = (a[0] & 0x7FFFFFFFu) | zu_bits33(a, len, n - 33) << 31;
		xb = (b[0] & 0x7FFFFFFFu) | zu_bits33(b, len, n - 33) << 31;
		/* b stays odd: it is m or a value of a taken while a was odd. */
		for (int j = 0; j < 31; j++) {
			if (xa & 1) {
				if (xa < xb) {
					uint64_t tx = xa;
					int64_t tf = f0, tg = g0;

					xa = xb;
					xb = tx;
					f0 = f1;
					g0 = g1;
					f1 = tf;
					g1 = tg;
				}
				xa -= xb;
				f0 -= f1;
				g0 -= g1;
			}
			xa >>= 1;
			f1 *= 2;
			g1 *= 2;
		}
		/* A wrong guess from the approximations shows as a negative value. */
		if (zu_lin_shr31(a2, a, b, f0, g0, len, t)) {
			f0 = -f0;
			g0 = -g0;
		}
		if (zu_lin_shr31(b, a, b, f1, g1, len, t)) {
			f1 = -f1;
			g1 = -g1;
		}
		memcpy(a, a2, len * sizeof(uint32_t));
		zu_lin_mont(a2, u, v, f0, g0, m, minv, len, t);
		zu_lin_mont(v, u, v, f1, g1, m, minv, len, t);
		memcpy(u, a2, len * sizeof(uint32_t));
	}
	return zu_is_one(b, len);
}

/* ---- NTRUSolve ---- */

/*
 * Limbs per coefficient at each depth of the tower (depth 0 is the top):
 * f and g (the field norms), and reduced F and G. These are the reference
 * implementation's maxima (in 31-bit words) plus margins.
 */
static const uint8_t ls_tab[11] = { 2, 2, 3, 3, 5, 8, 15, 28, 54, 107, 210 };
static const uint16_t ll_tab[10] = { 4, 4, 7, 9, 14, 23, 42, 80, 159, 310 };

/*
 * The round-3 reference implementation's fixed sizes, per depth of the
 * tower (whatever logn): words of 31 bits for f, g and the reduced F, G
 * (ref_small) and for the unreduced F, G (ref_large), and the measured
 * average and standard deviation of the maximum bit length of the
 * coefficients of f and g at that depth. Its Babai reduction schedule is
 * derived from these numbers (reduce_scheduled).
 */
static const uint8_t ref_small[11] = { 1, 1, 2, 2, 4, 7, 14, 27, 53, 106, 209 };
static const uint16_t ref_large[10] = { 2, 2, 5, 7, 12, 21, 40, 78, 157, 308 };
static const struct {
	int16_t avg, std;
} ref_bits[11] = {
	{ 4, 0 },   { 11, 1 },  { 24, 1 },   { 50, 1 },    { 102, 1 },   { 202, 2 },
	{ 401, 4 }, { 794, 5 }, { 1577, 8 }, { 3138, 13 }, { 6308, 25 },
};

#define FALCON_POOL_WORDS 49152

struct falcon_kg_work {
	uint32_t pool[FALCON_POOL_WORDS];
	size_t used;
	double fa[FALCON_MAX_N], ga[FALCON_MAX_N], den[FALCON_MAX_N];
	/* Float temporaries of one step; the int64 fast paths borrow them in between. */
	union {
		double d[FALCON_MAX_N];
		int64_t i[FALCON_MAX_N];
	} Fa, Ga, ft;
	int32_t k[FALCON_MAX_N];
	uint16_t mt[2 * FALCON_MAX_N];
};

static uint32_t *kg_alloc(struct falcon_kg_work *w, size_t words)
{
	uint32_t *p;

	if (words > FALCON_POOL_WORDS - w->used)
		return NULL;
	p = w->pool + w->used;
	w->used += words;
	memset(p, 0, words * sizeof(uint32_t));
	return p;
}

static size_t ll_len(unsigned depth, unsigned logn)
{
	return depth == logn ? (size_t)ls_tab[depth] + 1 : ll_tab[depth];
}

static unsigned poly_bitlen(const uint32_t *a, size_t len, size_t n)
{
	unsigned b = 0;

	for (size_t u = 0; u < n; u++) {
		unsigned t = zi_bitlen(a + u * len, len);

		b = t > b ? t : b;
	}
	return b;
}

/* out (m = n/2 coefficients, olen limbs) <- N(a) for a (n coefficients, alen limbs). */
static int field_norm(uint32_t *out, size_t olen, const uint32_t *a, size_t alen, size_t n,
                      struct falcon_kg_work *w)
{
	size_t m = n >> 1, acc = 2 * alen + 1;
	uint32_t *e, *o;
	unsigned logn = 0;
	int ok = 1;

	while (((size_t)1 << logn) < n)
		logn++;
	if (2 * poly_bitlen(a, alen, n) + logn <= 62) {
		int64_t *ae = w->Fa.i, *ao = w->Fa.i + m, *ee = w->Ga.i, *oo = w->Ga.i + m;

		for (size_t i = 0; i < m; i++) {
			zi_get_i64(&ae[i], a + 2 * i * alen, alen);
			zi_get_i64(&ao[i], a + (2 * i + 1) * alen, alen);
		}
		conv_i64(ee, ae, ae, m);
		conv_i64(oo, ao, ao, m);
		/* N = e - y o (y^m = -1). */
		for (size_t k = 0; k < m; k++)
			zi_set_i64(out + k * olen, olen,
			           k == 0 ? ee[0] + oo[m - 1] : ee[k] - oo[k - 1]);
		return 1;
	}
	e = kg_alloc(w, m * acc);
	o = kg_alloc(w, m * acc);
	if (e == NULL || o == NULL)
		return 0;
	/* e = fe^2, o = fo^2 in Z[y]/(y^m + 1). */
	for (size_t i = 0; i < m; i++) {
		for (size_t j = 0; j < m; j++) {
			size_t idx = i + j;
			int wrap = idx >= m;

			if (wrap)
				idx -= m;
			zi_addmul_big(e + idx * acc, acc, a + 2 * i * alen, alen, a + 2 * j * alen,
			              alen, wrap);
			zi_addmul_big(o + idx * acc, acc, a + (2 * i + 1) * alen, alen,
			              a + (2 * j + 1) * alen, alen, wrap);
		}
	}
	/* N = e - y o: coefficient 0 gets + o[m-1] (y^m = -1), coefficient k gets - o[k-1]. */
	for (size_t k = 0; k < m; k++) {
		uint32_t *d = e + k * acc;
		const uint32_t *t = o + (k == 0 ? m - 1 : k - 1) * acc;

		zi_addmul(d, acc, t, acc, 1, 0, k != 0);
		if (!zi_fits(d, acc, olen))
			ok = 0;
		zi_copy(out + k * olen, olen, d, acc);
	}
	w->used -= 2 * m * acc;
	return ok;
}

/* Exponent e with |x| < 2^e (x finite, non-zero). */
static int exp_above(double x)
{
	uint64_t bits;

	memcpy(&bits, &x, sizeof(bits));
	return (int)((bits >> 52) & 0x7FF) - 1022;
}

/*
 * (F, G) -= k (f, g) 2^t for the n-coefficient k in w->k: f and g are shifted
 * by t mod 32 bits into scratch (lsh = ls + 1 limbs), the rest is whole limbs.
 */
static void sub_scaled(uint32_t *F, uint32_t *G, size_t lf, const uint32_t *f, const uint32_t *g,
                       size_t ls, unsigned t, unsigned logn, uint32_t *fs, uint32_t *gs,
                       struct falcon_kg_work *w)
{
	size_t n = (size_t)1 << logn, lsh = ls + 1, ts = t / 32;
	unsigned tb = t % 32, bf = poly_bitlen(f, ls, n), bg = poly_bitlen(g, ls, n);
	const int32_t *k = w->k;

	/* |k| < 2^31: small (f, g) take the int64 path, one polynomial at a time. */
	if ((bf > bg ? bf : bg) + 31 + logn <= 62) {
		for (int pass = 0; pass < 2; pass++) {
			const uint32_t *src = pass ? g : f;
			uint32_t *dst = pass ? G : F;

			for (size_t u = 0; u < n; u++) {
				zi_get_i64(&w->Fa.i[u], src + u * ls, ls);
				w->Ga.i[u] = k[u];
			}
			conv_i64(w->ft.i, w->Ga.i, w->Fa.i, n);
			for (size_t u = 0; u < n; u++) {
				uint32_t v[3];

				/* dst -= c 2^t: v = c 2^tb fits three limbs (|c| < 2^62). */
				zi_set_i64(v, 3, w->ft.i[u]);
				if (tb) {
					v[2] = (v[2] << tb) | (v[1] >> (32 - tb));
					v[1] = (v[1] << tb) | (v[0] >> (32 - tb));
					v[0] <<= tb;
				}
				zi_addmul(dst + u * lf, lf, v, 3, 1, ts, 1);
			}
		}
		return;
	}

	for (size_t u = 0; u < n; u++) {
		zi_copy(fs + u * lsh, lsh, f + u * ls, ls);
		zi_copy(gs + u * lsh, lsh, g + u * ls, ls);
		if (tb) {
			for (size_t i = lsh; i-- > 0;) {
				fs[u * lsh + i] = (fs[u * lsh + i] << tb) |
				                  (i ? fs[u * lsh + i - 1] >> (32 - tb) : 0);
				gs[u * lsh + i] = (gs[u * lsh + i] << tb) |
				                  (i ? gs[u * lsh + i - 1] >> (32 - tb) : 0);
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		int32_t ki = k[i];
		uint32_t km = ki < 0 ? 0u - (uint32_t)ki : (uint32_t)ki;

		if (ki == 0)
			continue;
		for (size_t j = 0; j < n; j++) {
			size_t idx = i + j;
			int wrap = idx >= n;

			if (wrap)
				idx -= n;
			int neg = (ki >= 0) ^ wrap;

			zi_addmul(F + idx * lf, lf, fs + j * lsh, lsh, km, ts, neg);
			zi_addmul(G + idx * lf, lf, gs + j * lsh, lsh, km, ts, neg);
		}
	}
}

/* w->fa, w->ga <- FFT(f, g) / 2^sf; w->den <- 1 / (f adj f + g adj g) (same scale). */
static void fg_to_fft(const uint32_t *f, const uint32_t *g, size_t ls, int sf, unsigned logn,
                      struct falcon_kg_work *w)
{
	size_t n = (size_t)1 << logn;

	for (size_t u = 0; u < n; u++) {
		w->fa[u] = zi_to_double(f + u * ls, ls, sf);
		w->ga[u] = zi_to_double(g + u * ls, ls, sf);
	}
	falcon_fft(w->fa, logn, w->ft.d);
	falcon_fft(w->ga, logn, w->ft.d);
	falcon_poly_invnorm2(w->den, w->fa, w->ga, logn);
}

/*
 * w->Fa.d <- (F adj f + G adj g) / (f adj f + g adj g) in coefficient form,
 * from F, G scaled by 2^-sF (fg_to_fft must have run); times 2^(sF - sf)
 * it is the projection coefficient of (F, G) on (f, g).
 */
static void projection(const uint32_t *F, const uint32_t *G, size_t lf, int sF, unsigned logn,
                       struct falcon_kg_work *w)
{
	size_t n = (size_t)1 << logn;

	for (size_t u = 0; u < n; u++) {
		w->Fa.d[u] = zi_to_double(F + u * lf, lf, sF);
		w->Ga.d[u] = zi_to_double(G + u * lf, lf, sF);
	}
	falcon_fft(w->Fa.d, logn, w->ft.d);
	falcon_fft(w->Ga.d, logn, w->ft.d);
	falcon_poly_muladj(w->Fa.d, w->fa, logn);
	falcon_poly_muladj(w->Ga.d, w->ga, logn);
	falcon_poly_add(w->Fa.d, w->Ga.d, logn);
	falcon_poly_mul_autoadj(w->Fa.d, w->den, logn);
	falcon_ifft(w->Fa.d, logn, w->ft.d);
}

/*
 * Babai round-off of (F, G) (lf limbs) against (f, g) (ls limbs), n = 2^logn
 * coefficients, until the exact round-off is zero: the unique reduced
 * representative of the coset (F, G) + Z[x] (f, g). Used at the two top
 * levels, where the reference's single exact step has the same result.
 * Returns 1, or 0 if it does not converge (the candidate is then dropped).
 */
static int reduce_exact(uint32_t *F, uint32_t *G, size_t lf, const uint32_t *f, const uint32_t *g,
                        size_t ls, unsigned logn, struct falcon_kg_work *w)
{
	size_t n = (size_t)1 << logn, lsh = ls + 1;
	unsigned bf = poly_bitlen(f, ls, n), bg = poly_bitlen(g, ls, n);
	int sf, ok = 0;
	uint32_t *fs = kg_alloc(w, 2 * n * lsh);

	if (fs == NULL)
		return 0;
	bf = bf > bg ? bf : bg;
	sf = bf > 53 ? (int)bf - 53 : 0;
	fg_to_fft(f, g, ls, sf, logn, w);

	for (unsigned iter = 0; iter < 4096; iter++) {
		unsigned bF = poly_bitlen(F, lf, n), bG = poly_bitlen(G, lf, n);
		int sF, t, e0, any = 0;
		double mx = 0.0, scale;

		bF = bF > bG ? bF : bG;
		sF = bF > 53 ? (int)bF - 53 : 0;
		projection(F, G, lf, sF, logn, w);
		/* Fa * 2^(sF - sf) approximates the projection; take ~30 bits of it per step. */
		for (size_t u = 0; u < n; u++) {
			double a = w->Fa.d[u] < 0 ? -w->Fa.d[u] : w->Fa.d[u];

			mx = a > mx ? a : mx;
		}
		e0 = sF - sf;
		if (mx == 0.0) {
			ok = 1;
			break;
		}
		t = exp_above(mx) + e0 - 30;
		t = t < 0 ? 0 : t;
		scale = pow2(e0 - t);
		for (size_t u = 0; u < n; u++) {
			w->k[u] = (int32_t)falcon_rint(w->Fa.d[u] * scale);
			any |= w->k[u] != 0;
		}
		if (!any) {
			ok = t == 0;
			break;
		}
		sub_scaled(F, G, lf, f, g, ls, (unsigned)t, logn, fs, fs + n * lsh, w);
	}
	w->used -= 2 * n * lsh;
	return ok;
}

/*
 * The reference implementation's reduction schedule at the intermediate
 * levels (see the table above and docs/FALCON.md). It does not measure
 * (F, G): it assumes (F, G) fit in 31 * REF_LARGE[depth] bits and that each
 * round-off step removes at least 25 bits, so the scale of k starts at
 * 31 * REF_LARGE - (avg - 6 std) and drops by 25 per step down to 0, with
 * one last unscaled step. Each step's k must lie strictly within
 * +-(2^31 - 1); when the floating-point quotient is too inaccurate (an
 * ill-conditioned f adj f + g adj g at this level) a step removes fewer
 * bits than assumed, the next k overflows and the reference drops (f, g).
 * Reproducing that rejection is what makes the KAT key pairs reproduce.
 *
 * The reference also narrows its (F, G) window as the expected size
 * shrinks and returns REF_SMALL[depth] words; a value that would not fit
 * (never observed) is taken as a failure here, where the reference would
 * wrap it and fail later. Returns 1, or 0 to drop the candidate.
 */
static int reduce_scheduled(uint32_t *F, uint32_t *G, size_t lf, const uint32_t *f,
                            const uint32_t *g, size_t ls, unsigned logn, unsigned depth,
                            struct falcon_kg_work *w)
{
	size_t n = (size_t)1 << logn, lsh = ls + 1;
	int small = ref_small[depth], words = ref_large[depth];
	int min_fg = ref_bits[depth].avg - 6 * ref_bits[depth].std;
	int max_fg = ref_bits[depth].avg + 6 * ref_bits[depth].std;
	int max_FG = 31 * words, scale = max_FG - min_fg, sf, ok = 0;
	uint32_t *fs = kg_alloc(w, 2 * n * lsh);

	if (fs == NULL)
		return 0;
	/* f and g as floats from their top 10 words (of 31 bits), as the reference. */
	sf = 31 * (small - (small < 10 ? small : 10));
	fg_to_fft(f, g, ls, sf, logn, w);
	for (;;) {
		int sF = 31 * (words - (words < 10 ? words : 10));
		double pdc;

		if (poly_bitlen(F, lf, n) >= (unsigned)(31 * words) ||
		    poly_bitlen(G, lf, n) >= (unsigned)(31 * words))
			goto out;
		projection(F, G, lf, sF, logn, w);
		pdc = pow2(sF - sf - scale);
		for (size_t u = 0; u < n; u++) {
			double xv = w->Fa.d[u] * pdc;

			if (!(xv > -2147483647.0 && xv < 2147483647.0))
				goto out;
			w->k[u] = (int32_t)falcon_rint(xv);
		}
		sub_scaled(F, G, lf, f, g, ls, (unsigned)scale, logn, fs, fs + n * lsh, w);
		/* The expected size of (F, G) after this step: scale + max_fg + 10 bits. */
		if (scale + max_fg + 10 < max_FG) {
			max_FG = scale + max_fg + 10;
			if (31 * words >= max_FG + 31)
				words--;
		}
		if (scale == 0)
			break;
		scale = scale > 25 ? scale - 25 : 0;
	}
	ok = poly_bitlen(F, lf, n) < (unsigned)(31 * small) &&
	     poly_bitlen(G, lf, n) < (unsigned)(31 * small);
out:
	w->used -= 2 * n * lsh;
	return ok;
}

/*
 * Base case on integers: F = v q, G = u q with u f - v g = 1. Returns 0 if
 * gcd(f, g) != 1. f, g have ls limbs; F, G get lb limbs.
 */
static int solve_base(uint32_t *F, uint32_t *G, size_t lb, const uint32_t *f, const uint32_t *g,
                      size_t ls, struct falcon_kg_work *w)
{
	size_t len = ls + 1, slen = 2 * len + 1;
	uint32_t *a = kg_alloc(w, len), *b = kg_alloc(w, len), *x = kg_alloc(w, len);
	uint32_t *y = kg_alloc(w, len), *tmp = kg_alloc(w, 5 * len + 2), *s = kg_alloc(w, slen);
	uint32_t *u = kg_alloc(w, len + 1), *v = kg_alloc(w, len + 1);
	int fneg = (int)(zi_sign(f, ls) & 1), gneg = (int)(zi_sign(g, ls) & 1), ok = 0;

	if (a == NULL || b == NULL || x == NULL || y == NULL || tmp == NULL || s == NULL ||
	    u == NULL || v == NULL)
		return 0;
	/* a = |f|, b = |g|, with a spare top limb so they read as non-negative. */
	zi_copy(a, len, f, ls);
	zi_copy(b, len, g, ls);
	if (fneg)
		zi_neg(a, len);
	if (gneg)
		zi_neg(b, len);
	/* Both are odd (the sum of f's coefficients is odd), as the binary GCD needs. */
	if (!(a[0] & 1) || !(b[0] & 1))
		goto out;
	if (zu_is_one(b, len) || !zu_modinv(x, a, b, len, tmp))
		goto out;
	/*
	 * u = x = a^-1 mod b and v = (x a - 1) / b give u a - v b = 1. The
	 * division is exact, so it runs from the low end (Hensel): each quotient
	 * limb is the one that clears the lowest remaining limb of x a - 1.
	 */
	{
		uint32_t binv = b[0], one = 1;

		for (int i = 0; i < 4; i++)
			binv *= 2 - b[0] * binv; /* Newton: b binv = 1 mod 2^32 */
		zi_addmul_big(s, slen, a, len, x, len, 0);
		zi_addmul(s, slen, &one, 1, 1, 0, 1);
		for (size_t i = 0; i < len; i++) {
			y[i] = s[i] * binv;
			zi_addmul(s + i, slen - i, b, len, y[i], 0, 1);
		}
		if (!zu_is_zero(s, slen) || zi_sign(y, len))
			goto out;
	}
	zi_copy(u, len + 1, x, len);
	zi_copy(v, len + 1, y, len);
	/* Signs: u |f| - v |g| = 1 becomes (±u) f - (±v) g = 1. */
	if (fneg)
		zi_neg(u, len + 1);
	if (gneg)
		zi_neg(v, len + 1);
	memset(F, 0, lb * sizeof(uint32_t));
	memset(G, 0, lb * sizeof(uint32_t));
	if (!zi_fits(v, len + 1, lb - 1) || !zi_fits(u, len + 1, lb - 1))
		goto out;
	zi_addmul(F, lb, v, len + 1, FALCON_Q, 0, 0);
	zi_addmul(G, lb, u, len + 1, FALCON_Q, 0, 0);
	ok = 1;
out:
	hm_wipe(a, (4 * len + 5 * len + 2 + slen + 2 * (len + 1)) * sizeof(uint32_t));
	w->used -= 4 * len + 5 * len + 2 + slen + 2 * (len + 1);
	return ok;
}

/*
 * out (nd coefficients, lo limbs) <- A(x^2) b(-x) mod x^nd + 1, for A with
 * nd/2 coefficients (la limbs) and b with nd (lb limbs): one half of the
 * lift F = F'(x^2) g(-x), G = G'(x^2) f(-x). out must be zero on entry.
 */
static void lift_big(uint32_t *out, size_t lo, const uint32_t *A, size_t la, const uint32_t *b,
                     size_t lb, size_t nd)
{
	for (size_t i = 0; i < (nd >> 1); i++) {
		for (size_t j = 0; j < nd; j++) {
			size_t idx = 2 * i + j;
			int neg = (int)(j & 1);

			if (idx >= nd) {
				idx -= nd;
				neg ^= 1;
			}
			zi_addmul_big(out + idx * lo, lo, A + i * la, la, b + j * lb, lb, neg);
		}
	}
}

/* The same in int64, when the bound of the fast paths holds (lo >= 2). */
static void lift_i64(uint32_t *out, size_t lo, const uint32_t *A, size_t la, const uint32_t *b,
                     size_t lb, size_t nd, struct falcon_kg_work *w)
{
	int64_t *a2 = w->Fa.i, *bm = w->Ga.i, *c = w->ft.i;

	/* a2 = A(x^2), bm = b(-x). */
	for (size_t u = 0; u < nd; u++) {
		a2[u] = 0;
		zi_get_i64(&bm[u], b + u * lb, lb);
		if (u & 1)
			bm[u] = -bm[u];
	}
	for (size_t i = 0; i < (nd >> 1); i++)
		zi_get_i64(&a2[2 * i], A + i * la, la);
	conv_i64(c, a2, bm, nd);
	for (size_t u = 0; u < nd; u++)
		zi_set_i64(out + u * lo, lo, c[u]);
}

/*
 * Does f G - g F = q hold exactly? The arithmetic above is exact, so this
 * only guards against a defect ever yielding a key that cannot sign (the
 * reference checks the same equation modulo a 31-bit prime). The sums stay
 * below n 2 127^2 < 2^26. c: n int64 of scratch.
 */
static int ntru_equation_holds(const int8_t *f, const int8_t *g, const int8_t *F, const int8_t *G,
                               unsigned logn, int64_t *c)
{
	size_t n = (size_t)1 << logn;
	int64_t bad = 0;

	memset(c, 0, n * sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		int32_t fi = f[i], gi = g[i];

		for (size_t j = 0; j < n - i; j++)
			c[i + j] += fi * G[j] - gi * F[j];
		for (size_t j = n - i; j < n; j++)
			c[i + j - n] -= fi * G[j] - gi * F[j];
	}
	bad |= c[0] ^ FALCON_Q;
	for (size_t u = 1; u < n; u++)
		bad |= c[u];
	return bad == 0;
}

/* Solves f G - g F = q with F, G in [-127, 127]. Returns 1 on success. */
static int ntru_solve(int8_t *Fo, int8_t *Go, const int8_t *f, const int8_t *g, unsigned logn,
                      struct falcon_kg_work *w)
{
	uint32_t *fd[11], *gd[11], *Fp, *Gp;
	size_t n = (size_t)1 << logn;

	w->used = 0;
	/* The tower of norms: fd[d] has n >> d coefficients of ls_tab[d] limbs. */
	fd[0] = kg_alloc(w, n * ls_tab[0]);
	gd[0] = kg_alloc(w, n * ls_tab[0]);
	if (fd[0] == NULL || gd[0] == NULL)
		return 0;
	for (size_t u = 0; u < n; u++) {
		zi_set_i32(fd[0] + u * ls_tab[0], ls_tab[0], f[u]);
		zi_set_i32(gd[0] + u * ls_tab[0], ls_tab[0], g[u]);
	}
	for (unsigned d = 0; d < logn; d++) {
		size_t nd = n >> d;

		fd[d + 1] = kg_alloc(w, (nd >> 1) * ls_tab[d + 1]);
		gd[d + 1] = kg_alloc(w, (nd >> 1) * ls_tab[d + 1]);
		if (fd[d + 1] == NULL || gd[d + 1] == NULL ||
		    !field_norm(fd[d + 1], ls_tab[d + 1], fd[d], ls_tab[d], nd, w) ||
		    !field_norm(gd[d + 1], ls_tab[d + 1], gd[d], ls_tab[d], nd, w))
			return 0;
	}

	Fp = kg_alloc(w, ll_len(logn, logn));
	Gp = kg_alloc(w, ll_len(logn, logn));
	if (Fp == NULL || Gp == NULL ||
	    !solve_base(Fp, Gp, ll_len(logn, logn), fd[logn], gd[logn], ls_tab[logn], w))
		return 0;

	/* Lift and reduce, level by level. */
	for (unsigned d = logn; d-- > 0;) {
		size_t nd = n >> d, lp = ll_len(d + 1, logn), ls = ls_tab[d];
		size_t lu = lp + ls + 1, lr = ll_len(d, logn);
		uint32_t *F = kg_alloc(w, nd * lu), *G = kg_alloc(w, nd * lu);

		if (F == NULL || G == NULL)
			return 0;
		/* F = F'(x^2) g(-x), G = G'(x^2) f(-x) mod x^nd + 1. */
		if (poly_bitlen(Fp, lp, nd >> 1) + poly_bitlen(gd[d], ls, nd) + logn - d <= 62 &&
		    poly_bitlen(Gp, lp, nd >> 1) + poly_bitlen(fd[d], ls, nd) + logn - d <= 62) {
			lift_i64(F, lu, Fp, lp, gd[d], ls, nd, w);
			lift_i64(G, lu, Gp, lp, fd[d], ls, nd, w);
		} else {
			lift_big(F, lu, Fp, lp, gd[d], ls, nd);
			lift_big(G, lu, Gp, lp, fd[d], ls, nd);
		}
		if (d >= 2 ? !reduce_scheduled(F, G, lu, fd[d], gd[d], ls, logn - d, d, w)
		           : !reduce_exact(F, G, lu, fd[d], gd[d], ls, logn - d, w))
			return 0;
		for (size_t u = 0; u < nd; u++) {
			if (!zi_fits(F + u * lu, lu, lr) || !zi_fits(G + u * lu, lu, lr))
				return 0;
		}
		if (d == 0) {
			for (size_t u = 0; u < n; u++) {
				int32_t a = (int32_t)F[u * lu], b = (int32_t)G[u * lu];

				if (!zi_fits(F + u * lu, lu, 1) || !zi_fits(G + u * lu, lu, 1) ||
				    a < -127 || a > 127 || b < -127 || b > 127)
					return 0;
				Fo[u] = (int8_t)a;
				Go[u] = (int8_t)b;
			}
			return ntru_equation_holds(f, g, Fo, Go, logn, w->ft.i);
		}
		/*
		 * The reduced values replace F', G' (no longer needed), at the top of
		 * the pool; copying upwards-to-downwards in ascending order is safe
		 * because every destination lies below its source.
		 */
		for (size_t u = 0; u < nd; u++)
			zi_copy(Fp + u * lr, lr, F + u * lu, lu);
		Gp = Fp + nd * lr;
		for (size_t u = 0; u < nd; u++)
			zi_copy(Gp + u * lr, lr, G + u * lu, lu);
		w->used = (size_t)(Gp + nd * lr - w->pool);
	}
	return 0;
}

int falcon_keygen_core(struct hm_keccak *rng, int8_t *f, int8_t *g, int8_t *F, int8_t *G,
                       uint16_t *h, unsigned logn)
{
	struct falcon_kg_work wk;
	struct falcon_kg_work *w = &wk;
	size_t n = (size_t)1 << logn;
	int32_t lim = 1 << (FALCON_FG_BITS(logn) - 1);
	unsigned solve_failures = 0;
	int rc = HM_OK;

	for (;;) {
		uint32_t bad = 0, norm = 0;
		double bnorm = 0.0;

		poly_small_mkgauss(rng, f, logn);
		poly_small_mkgauss(rng, g, logn);
		/* Coefficients must fit the private-key encoding. */
		for (size_t u = 0; u < n; u++) {
			bad |= (uint32_t)(f[u] >= lim) | (uint32_t)(f[u] <= -lim);
			bad |= (uint32_t)(g[u] >= lim) | (uint32_t)(g[u] <= -lim);
			norm += (uint32_t)(f[u] * f[u]) + (uint32_t)(g[u] * g[u]);
		}
		/* ||(g, -f)||^2 must be below 1.17^2 q. */
		if (bad || norm >= 16823)
			continue;
		/*
		 * So must the Gram-Schmidt norm of the second row,
		 * q (adj f, adj g) / (f adj f + g adj g).
		 */
		{
			double *rt1 = w->fa, *rt2 = w->ga, *rt3 = w->den;

			for (size_t u = 0; u < n; u++) {
				rt1[u] = (double)f[u];
				rt2[u] = (double)g[u];
			}
			falcon_fft(rt1, logn, w->ft.d);
			falcon_fft(rt2, logn, w->ft.d);
			falcon_poly_invnorm2(rt3, rt1, rt2, logn);
			falcon_poly_adj(rt1, logn);
			falcon_poly_adj(rt2, logn);
			falcon_poly_mulconst(rt1, (double)FALCON_Q, logn);
			falcon_poly_mulconst(rt2, (double)FALCON_Q, logn);
			falcon_poly_mul_autoadj(rt1, rt3, logn);
			falcon_poly_mul_autoadj(rt2, rt3, logn);
			falcon_ifft(rt1, logn, w->ft.d);
			falcon_ifft(rt2, logn, w->ft.d);
			for (size_t u = 0; u < n; u++) {
				bnorm = bnorm + rt1[u] * rt1[u];
				bnorm = bnorm + rt2[u] * rt2[u];
			}
			if (!(bnorm < 16822.4121))
				continue;
		}
		if (!falcon_compute_public(h, f, g, logn, w->mt))
			continue;
		if (!ntru_solve(F, G, f, g, logn, w)) {
			/*
			 * About one candidate in twenty fails here (the KAT files: 9 of
			 * 169). A thousand in a row means a defect (say, a work pool too
			 * small for this build), not bad luck: report it, do not spin.
			 */
			if (++solve_failures == 1000) {
				rc = HM_ERR_CRYPTO;
				break;
			}
			continue;
		}
		break;
	}
	hm_wipe(w, sizeof(*w));
	return rc;
}
