/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Class-group arithmetic on binary quadratic forms (classgroup.h).
 *
 * Derivation of the fast paths (written from Shanks' NUCOMP/NUDUPL as
 * presented by Jacobson and van der Poorten, and Cohen, "A Course in
 * Computational Algebraic Number Theory", §5.4; notation ours):
 *
 * The product of f1 = (a1, b1, c1) and f2 = (a2, b2, c2) is the class of
 * F = (A1 A2, b2 + 2 A2 K, C0) where, with s = (b1 + b2) / 2, n = b2 - s and
 * dg = gcd(a1, a2, s) = u a1 + v a2 + w s, we set A1 = a1 / dg,
 * A2 = a2 / dg and K = -v n - w c2 (mod A1). Writing X = A1 x + K y,
 *
 *     A1 F(x, y) = X (A2 X + n y) + y (s X + dg c2 y),
 *
 * and both brackets are multiples of A1 when X = K y (mod A1). A truncated
 * Euclid on (A1, K) yields two vectors (x, y) = (w, v) and (w2, v2) of a
 * unimodular matrix with small X = d and X = v3; the transformed form
 * (F(w, v), cross term, F(w2, v2)) is F in the same class, with coefficients
 * of the size of sqrt|D| instead of |D|. Every division below is exact; the
 * tests compare against the textbook composition. The exactness and the
 * class of the result hold for any unimodular sequence of Euclid steps (the
 * orientation is fixed from the step count's parity); the Lehmer batching
 * and the stopping bound only decide how close to reduced the result is. Squaring is the case
 * f1 = f2, where gcd(a, b) replaces the three-way gcd and A1 = A2.
 */
#include <assert.h>
#include <stdint.h>

#include "classgroup.h"

#if GMP_NUMB_BITS != 64
#error "the Lehmer steps read 64-bit limbs"
#endif

enum {
	/* The single-precision Lehmer steps use this many leading bits, so that
	 * a value plus a cofactor never overflows an int64_t. */
	LEHMER_BITS = 62,
};

void hm_form_init(struct hm_form *f)
{
	/* Room for 1024-bit intermediate values, so the hot loop does not grow them. */
	mpz_init2(f->a, 1100);
	mpz_init2(f->b, 1100);
	mpz_init2(f->c, 1100);
}

void hm_form_free(struct hm_form *f)
{
	if (f == NULL)
		return;
	mpz_clear(f->a);
	mpz_clear(f->b);
	mpz_clear(f->c);
}

void hm_form_set(struct hm_form *r, const struct hm_form *f)
{
	if (r == f)
		return;
	mpz_set(r->a, f->a);
	mpz_set(r->b, f->b);
	mpz_set(r->c, f->c);
}

bool hm_form_equal(const struct hm_form *f, const struct hm_form *g)
{
	return mpz_cmp(f->a, g->a) == 0 && mpz_cmp(f->b, g->b) == 0 && mpz_cmp(f->c, g->c) == 0;
}

void hm_cg_init(struct hm_cg *cg, const mpz_t disc)
{
	assert(mpz_sgn(disc) < 0);
	assert(mpz_fdiv_ui(disc, 4) <= 1);
	mpz_init_set(cg->disc, disc);
	mpz_init(cg->bound);
	mpz_init(cg->bound_sq);
	/* L = floor(|D / 4|^(1/4)) */
	mpz_neg(cg->bound, disc);
	mpz_fdiv_q_2exp(cg->bound, cg->bound, 2);
	mpz_root(cg->bound, cg->bound, 4);
	mpz_mul(cg->bound_sq, cg->bound, cg->bound);
	for (int i = 0; i < HM_CG_TEMPS; i++)
		mpz_init2(cg->t[i], 2200);
	hm_form_init(&cg->scratch);
}

void hm_cg_free(struct hm_cg *cg)
{
	if (cg == NULL)
		return;
	mpz_clear(cg->disc);
	mpz_clear(cg->bound);
	mpz_clear(cg->bound_sq);
	for (int i = 0; i < HM_CG_TEMPS; i++)
		mpz_clear(cg->t[i]);
	hm_form_free(&cg->scratch);
}

void hm_cg_identity(const struct hm_cg *cg, struct hm_form *r)
{
	int odd = mpz_odd_p(cg->disc);

	mpz_set_ui(r->a, 1);
	mpz_set_ui(r->b, odd ? 1 : 0);
	mpz_ui_sub(r->c, odd ? 1 : 0, cg->disc);
	mpz_fdiv_q_2exp(r->c, r->c, 2);
}

void hm_cg_generator(const struct hm_cg *cg, struct hm_form *r)
{
	assert(mpz_fdiv_ui(cg->disc, 8) == 1);
	mpz_set_ui(r->a, 2);
	mpz_set_ui(r->b, 1);
	mpz_ui_sub(r->c, 1, cg->disc);
	mpz_fdiv_q_2exp(r->c, r->c, 3);
}

bool hm_cg_is_identity(const struct hm_form *f)
{
	return mpz_cmp_ui(f->a, 1) == 0;
}

bool hm_cg_complete(struct hm_cg *cg, struct hm_form *f)
{
	mpz_ptr num = cg->t[0], den = cg->t[1];

	if (mpz_sgn(f->a) <= 0)
		return false;
	mpz_mul(num, f->b, f->b);
	mpz_sub(num, num, cg->disc);
	mpz_mul_2exp(den, f->a, 2);
	if (!mpz_divisible_p(num, den))
		return false;
	mpz_divexact(f->c, num, den);
	return true;
}

bool hm_cg_is_reduced(struct hm_cg *cg, const struct hm_form *f)
{
	mpz_ptr t = cg->t[0], u = cg->t[1];
	int ba, ac;

	if (mpz_sgn(f->a) <= 0)
		return false;
	mpz_mul(t, f->b, f->b);
	mpz_mul(u, f->a, f->c);
	mpz_submul_ui(t, u, 4);
	if (mpz_cmp(t, cg->disc) != 0)
		return false;
	ba = mpz_cmpabs(f->b, f->a);
	ac = mpz_cmp(f->a, f->c);
	if (ba > 0 || ac > 0)
		return false;
	if ((ba == 0 || ac == 0) && mpz_sgn(f->b) < 0)
		return false;
	return true;
}

/* ---- reduction ---- */

/* Brings b into (-a, a] by x -> x + r y, which keeps the class. */
static void normalize(struct hm_cg *cg, struct hm_form *f)
{
	mpz_ptr r = cg->t[0], ar = cg->t[1], bar = cg->t[2];
	int ba = mpz_cmpabs(f->b, f->a);

	if (ba < 0 || (ba == 0 && mpz_sgn(f->b) > 0))
		return;
	/* r = floor((a - b) / 2a); b' = b + 2ar; c' = c + r (b + ar) */
	mpz_sub(r, f->a, f->b);
	mpz_mul_2exp(ar, f->a, 1);
	mpz_fdiv_q(r, r, ar);
	mpz_mul(ar, f->a, r);
	mpz_add(bar, f->b, ar);
	mpz_addmul(f->c, r, bar);
	mpz_add(f->b, bar, ar);
}

void hm_cg_reduce(struct hm_cg *cg, struct hm_form *f)
{
	normalize(cg, f);
	for (;;) {
		int ac = mpz_cmp(f->a, f->c);
		if (ac < 0 || (ac == 0 && mpz_sgn(f->b) >= 0))
			return;
		/* (a, b, c) -> (c, -b, a) by (x, y) -> (-y, x) */
		mpz_swap(f->a, f->c);
		mpz_neg(f->b, f->b);
		normalize(cg, f);
	}
}

bool hm_cg_reduce_slow(struct hm_cg *cg, struct hm_form *f)
{
	mpz_ptr twoa = cg->t[0], r = cg->t[1], num = cg->t[2];

	for (;;) {
		/* b into (-a, a] */
		mpz_mul_2exp(twoa, f->a, 1);
		mpz_sub(r, f->a, f->b);
		mpz_fdiv_q(r, r, twoa);
		mpz_addmul(f->b, twoa, r);
		/* c recomputed from the discriminant, not updated */
		mpz_mul(num, f->b, f->b);
		mpz_sub(num, num, cg->disc);
		mpz_mul_2exp(twoa, f->a, 2);
		if (mpz_sgn(f->a) <= 0 || !mpz_divisible_p(num, twoa))
			return false;
		mpz_divexact(f->c, num, twoa);
		int ac = mpz_cmp(f->a, f->c);
		if (ac < 0 || (ac == 0 && mpz_sgn(f->b) >= 0))
			return true;
		mpz_swap(f->a, f->c);
		mpz_neg(f->b, f->b);
	}
}

/* ---- the truncated extended Euclid ---- */

/* floor(|x| / 2^shift) mod 2^64, from the limbs. */
static uint64_t bits_at(const mpz_t x, size_t shift)
{
	size_t limb = shift / 64, off = shift % 64;
	uint64_t lo = mpz_getlimbn(x, (mp_size_t)limb);

	if (limb >= mpz_size(x))
		return 0;
	if (off == 0)
		return lo;
	return (lo >> off) | ((uint64_t)mpz_getlimbn(x, (mp_size_t)limb + 1) << (64 - off));
}

static void addmul_si(mpz_t r, const mpz_t x, int64_t m)
{
	if (m >= 0)
		mpz_addmul_ui(r, x, (unsigned long)m);
	else
		mpz_submul_ui(r, x, (unsigned long)-(uint64_t)m);
}

/* (x, y) = (m00 x + m01 y, m10 x + m11 y), through the temporaries s and t. */
static void apply_matrix(mpz_t x, mpz_t y, int64_t m00, int64_t m01, int64_t m10, int64_t m11,
                         mpz_t s, mpz_t t)
{
	mpz_mul_si(s, x, m00);
	addmul_si(s, y, m01);
	mpz_mul_si(t, x, m10);
	addmul_si(t, y, m11);
	mpz_swap(x, s);
	mpz_swap(y, t);
}

static uint64_t abs64(int64_t x)
{
	return x < 0 ? -(uint64_t)x : (uint64_t)x;
}

/*
 * The Euclidean algorithm on (d, v3) = (A, K), 0 <= |K| <= A / 2, while
 * |v3| > bound; v and v2 track the coefficients of K (d = w A + v K,
 * v3 = w2 A + v2 K). On return the matrix ((w, w2), (v, v2)) has determinant
 * +1 (v2 and v3 are negated if needed), d > bound >= |v3| unless no step was
 * taken. Returns the number of steps.
 *
 * The steps are batched Lehmer-style: on the leading LEHMER_BITS bits, a
 * quotient is taken only when both ends of the interval the true ratio lies
 * in give the same one (Knuth, TAOCP vol. 2, §4.5.2, Algorithm L), and a
 * step only when the remainder it divides by is certainly above the bound.
 */
static unsigned long partial_euclid(mpz_t d, mpz_t v3, mpz_t v, mpz_t v2, const mpz_t bound,
                                    mpz_t q, mpz_t s, mpz_t t)
{
	int negative = mpz_sgn(v3) < 0;
	unsigned long steps = 0;

	mpz_abs(v3, v3);
	mpz_set_ui(v, 0);
	mpz_set_ui(v2, 1);
	while (mpz_cmp(v3, bound) > 0) {
		size_t bits = mpz_sizeinbase(d, 2);
		size_t shift = bits > LEHMER_BITS ? bits - LEHMER_BITS : 0;
		uint64_t ah = bits_at(d, shift), bh = bits_at(v3, shift);
		uint64_t floor_bound = bits_at(bound, shift) + 1;
		int64_t A = 1, B = 0, C = 0, D = 1;
		unsigned long batch = 0;

		if (mpz_sizeinbase(bound, 2) > shift + LEHMER_BITS)
			floor_bound = UINT64_MAX; /* the bound is above anything in reach */
		for (;;) {
			uint64_t slack = abs64(C) > abs64(D) ? abs64(C) : abs64(D);
			if (floor_bound == UINT64_MAX || bh <= floor_bound + slack)
				break;
			int64_t den1 = (int64_t)bh + C, den2 = (int64_t)bh + D;
			int64_t num1 = (int64_t)ah + A, num2 = (int64_t)ah + B;
			if (den1 <= 0 || den2 <= 0 || num1 < 0 || num2 < 0)
				break;
			/* One division; the other end of the interval is checked by
			 * multiplying (num2 - q den2 must lie in [0, den2)). */
			int64_t quot = num1 / den1;
			unsigned __int128 lo = (unsigned __int128)(uint64_t)quot * (uint64_t)den2;
			if (lo > (uint64_t)num2 || (uint64_t)num2 - (uint64_t)lo >= (uint64_t)den2)
				break;
			int64_t tmp = A - quot * C;
			A = C;
			C = tmp;
			tmp = B - quot * D;
			B = D;
			D = tmp;
			uint64_t r = ah - (uint64_t)quot * bh;
			ah = bh;
			bh = r;
			batch++;
		}
		if (batch == 0) {
			/* One multi-precision step. */
			mpz_tdiv_qr(q, d, d, v3);
			mpz_swap(d, v3);
			mpz_submul(v, q, v2);
			mpz_swap(v, v2);
			steps++;
		} else {
			apply_matrix(d, v3, A, B, C, D, s, t);
			apply_matrix(v, v2, A, B, C, D, s, t);
			steps += batch;
		}
	}
	/* Coefficients of the signed K; then fix the orientation. */
	if (negative) {
		mpz_neg(v, v);
		mpz_neg(v2, v2);
	}
	if ((steps & 1) != (unsigned long)negative) {
		mpz_neg(v2, v2);
		mpz_neg(v3, v3);
	}
	return steps;
}

/* ---- NUDUPL ---- */

void hm_cg_square(struct hm_cg *cg, struct hm_form *r, const struct hm_form *f)
{
	mpz_ptr g = cg->t[3], u = cg->t[4], Abuf = cg->t[5], Bbuf = cg->t[6], k = cg->t[7];
	mpz_ptr d = cg->t[8], v3 = cg->t[9], v = cg->t[10], v2 = cg->t[11], e = cg->t[12];
	mpz_ptr h = cg->t[13], q = cg->t[14], s = cg->t[15], t = cg->t[16];
	struct hm_form *out = &cg->scratch;
	mpz_srcptr A = f->a, B = f->b, d1 = NULL; /* d1 = NULL: gcd(a, b) = 1 */

	/* u b = g (mod a), g = gcd(a, b); for a prime |D|, g = 1. (Running
	 * partial_euclid to the end instead measured no faster.) */
	mpz_gcdext(g, u, NULL, f->b, f->a);
	if (mpz_cmp_ui(g, 1) != 0) {
		d1 = g;
		mpz_divexact(Abuf, f->a, g);
		mpz_divexact(Bbuf, f->b, g);
		A = Abuf;
		B = Bbuf;
	}
	/* k = -c u mod A, centred */
	mpz_mul(k, f->c, u);
	mpz_neg(k, k);
	mpz_fdiv_r(k, k, A);
	mpz_mul_2exp(t, k, 1);
	if (mpz_cmp(t, A) > 0)
		mpz_sub(k, k, A);

	mpz_set(d, A);
	mpz_set(v3, k);
	unsigned long z = partial_euclid(d, v3, v, v2, cg->bound, q, s, t);

	if (z == 0) {
		/* F itself: (A^2, b + 2 A k, k^2 + d1 (B k + c) / A) */
		mpz_mul(h, B, v3);
		mpz_add(h, h, f->c);
		mpz_divexact(h, h, d);
		mpz_mul(out->a, d, d);
		mpz_mul(out->b, d, v3);
		mpz_mul_2exp(out->b, out->b, 1);
		mpz_add(out->b, out->b, f->b);
		mpz_mul(out->c, v3, v3);
		if (d1 != NULL)
			mpz_mul(h, h, d1);
		mpz_add(out->c, out->c, h);
	} else {
		/* e = (c v + B d) / A, h = (e v2 - B) / v */
		mpz_mul(e, f->c, v);
		mpz_addmul(e, B, d);
		mpz_divexact(e, e, A);
		mpz_mul(out->b, e, v2);
		mpz_sub(h, out->b, B);
		mpz_divexact(h, h, v);
		/* b' = d1 (e v2 + v h) + 2 d v3, and v h = e v2 - B */
		mpz_mul_2exp(out->b, out->b, 1);
		mpz_sub(out->b, out->b, B);
		if (d1 != NULL) {
			mpz_mul(out->b, out->b, d1);
			mpz_mul(v, v, d1);
			mpz_mul(v2, v2, d1);
		}
		/* a' = d^2 + d1 e v, c' = v3^2 + d1 h v2 */
		mpz_mul(out->a, d, d);
		mpz_addmul(out->a, e, v);
		mpz_mul(out->c, v3, v3);
		mpz_addmul(out->c, h, v2);
		mpz_mul(t, d, v3);
		mpz_addmul_ui(out->b, t, 2);
	}
	hm_cg_reduce(cg, out);
	mpz_swap(r->a, out->a);
	mpz_swap(r->b, out->b);
	mpz_swap(r->c, out->c);
}

/* ---- NUCOMP ---- */

void hm_cg_mul(struct hm_cg *cg, struct hm_form *r, const struct hm_form *f,
               const struct hm_form *g)
{
	mpz_ptr ss = cg->t[3], n = cg->t[4], g0 = cg->t[5], v0 = cg->t[6], dg = cg->t[7];
	mpz_ptr x = cg->t[8], w = cg->t[9], K = cg->t[10], A1 = cg->t[11], A2 = cg->t[12];
	mpz_ptr d = cg->t[13], v3 = cg->t[14], v = cg->t[15], v2 = cg->t[16], q = cg->t[17];
	mpz_ptr s = cg->t[18], t = cg->t[19];
	struct hm_form *out = &cg->scratch;
	/* names for temporaries reused after their last use */
	mpz_ptr bb = g0, e = v0, ff = x, h = K, dgc2 = w;
	bool unit;

	if (mpz_cmp(f->a, g->a) < 0) {
		const struct hm_form *tmp = f;
		f = g;
		g = tmp;
	}
	/* s = (b1 + b2) / 2, n = b2 - s */
	mpz_add(ss, f->b, g->b);
	mpz_fdiv_q_2exp(ss, ss, 1);
	mpz_sub(n, g->b, ss);

	/* dg = gcd(a1, a2, s) = u a1 + v a2 + w s; K = -v n - w c2 (mod A1) */
	mpz_gcdext(g0, v0, NULL, g->a, f->a);
	unit = mpz_cmp_ui(g0, 1) == 0;
	if (unit) {
		mpz_mul(K, v0, n);
		mpz_neg(K, K);
		mpz_set(A1, f->a);
		mpz_set(A2, g->a);
		mpz_set_ui(dg, 1);
	} else {
		mpz_gcdext(dg, x, w, g0, ss);
		mpz_mul(x, x, v0); /* v */
		mpz_mul(K, x, n);
		mpz_addmul(K, w, g->c);
		mpz_neg(K, K);
		mpz_divexact(A1, f->a, dg);
		mpz_divexact(A2, g->a, dg);
	}
	mpz_fdiv_r(K, K, A1);
	mpz_mul_2exp(t, K, 1);
	if (mpz_cmp(t, A1) > 0)
		mpz_sub(K, K, A1);
	mpz_mul(dgc2, dg, g->c); /* w is free from here */

	/* Stop near L sqrt(A1 / A2), where the terms of a' balance. */
	mpz_mul(t, A1, cg->bound_sq);
	mpz_tdiv_q(t, t, A2);
	mpz_sqrt(t, t);
	mpz_set(d, A1);
	mpz_set(v3, K);
	/* partial_euclid's temporaries must not include the bound */
	unsigned long z = partial_euclid(d, v3, v, v2, t, q, s, x);

	/* bb = (A2 d + n v) / A1, e = (s d + dg c2 v) / A1 */
	mpz_mul(bb, A2, d);
	mpz_addmul(bb, n, v);
	mpz_divexact(bb, bb, A1);
	mpz_mul(e, ss, d);
	mpz_addmul(e, dgc2, v);
	mpz_divexact(e, e, A1);
	/* f = (bb v3 + n) / d; Q1 = bb v3 and Q3 = e v2 are kept for b' */
	mpz_ptr q1 = q, q3 = s;
	mpz_mul(q1, bb, v3);
	mpz_add(ff, q1, n);
	mpz_divexact(ff, ff, d);
	mpz_mul(q3, e, v2);
	/* h = (e v2 - s) / v, or (s v3 + dg c2 v2) / A1 when v = 0 */
	if (z == 0) {
		mpz_mul(h, ss, v3);
		mpz_addmul(h, dgc2, v2);
		mpz_divexact(h, h, A1);
	} else {
		mpz_sub(h, q3, ss);
		mpz_divexact(h, h, v);
	}
	/*
	 * a' = d bb + e v, c' = v3 f + h v2, b' = d f + v3 bb + v h + v2 e
	 * where d f = Q1 + n and v h = Q3 - s (nothing when v = 0).
	 */
	mpz_mul(out->a, d, bb);
	mpz_addmul(out->a, e, v);
	mpz_mul(out->c, v3, ff);
	mpz_addmul(out->c, h, v2);
	mpz_mul_2exp(out->b, q1, 1);
	mpz_add(out->b, out->b, n);
	mpz_add(out->b, out->b, q3);
	if (z != 0) {
		mpz_add(out->b, out->b, q3);
		mpz_sub(out->b, out->b, ss);
	}
	hm_cg_reduce(cg, out);
	mpz_swap(r->a, out->a);
	mpz_swap(r->b, out->b);
	mpz_swap(r->c, out->c);
}

bool hm_cg_mul_slow(struct hm_cg *cg, struct hm_form *r, const struct hm_form *f,
                    const struct hm_form *g)
{
	mpz_ptr ss = cg->t[3], n = cg->t[4], g0 = cg->t[5], u0 = cg->t[6], v0 = cg->t[7];
	mpz_ptr dg = cg->t[8], x = cg->t[9], w = cg->t[10], k = cg->t[11], twoA = cg->t[12];
	struct hm_form *out = &cg->scratch;

	mpz_add(ss, f->b, g->b);
	mpz_fdiv_q_2exp(ss, ss, 1);
	mpz_sub(n, g->b, ss);
	/* dg = gcd(a1, a2, s) = x (u0 a1 + v0 a2) + w s */
	mpz_gcdext(g0, u0, v0, f->a, g->a);
	mpz_gcdext(dg, x, w, g0, ss);
	mpz_mul(v0, v0, x);
	/* A = a1 a2 / dg^2 */
	mpz_mul(out->a, f->a, g->a);
	mpz_divexact(out->a, out->a, dg);
	mpz_divexact(out->a, out->a, dg);
	/* B = b2 + 2 (a2 / dg) (v (b1 - b2) / 2 - w c2) mod 2A */
	mpz_mul(k, v0, n);
	mpz_neg(k, k);
	mpz_submul(k, w, g->c);
	mpz_divexact(out->b, g->a, dg);
	mpz_mul(out->b, out->b, k);
	mpz_mul_2exp(out->b, out->b, 1);
	mpz_add(out->b, out->b, g->b);
	mpz_mul_2exp(twoA, out->a, 1);
	mpz_fdiv_r(out->b, out->b, twoA);
	/* C from the discriminant; a wrong B shows up as a failed division */
	bool ok = hm_cg_complete(cg, out) && hm_cg_reduce_slow(cg, out);
	mpz_swap(r->a, out->a);
	mpz_swap(r->b, out->b);
	mpz_swap(r->c, out->c);
	return ok;
}

void hm_cg_inverse(struct hm_cg *cg, struct hm_form *r, const struct hm_form *f)
{
	hm_form_set(r, f);
	mpz_neg(r->b, r->b);
	hm_cg_reduce(cg, r);
}

void hm_cg_pow(struct hm_cg *cg, struct hm_form *r, const struct hm_form *f, const mpz_t e)
{
	struct hm_form base;
	size_t bits = mpz_sizeinbase(e, 2);

	assert(mpz_sgn(e) >= 0);
	if (mpz_sgn(e) == 0) {
		hm_cg_identity(cg, r);
		return;
	}
	hm_form_init(&base);
	hm_form_set(&base, f);
	hm_form_set(r, &base);
	for (size_t i = bits - 1; i-- > 0;) {
		hm_cg_square(cg, r, r);
		if (mpz_tstbit(e, i))
			hm_cg_mul(cg, r, r, &base);
	}
	hm_form_free(&base);
}

void hm_cg_pow2(struct hm_cg *cg, struct hm_form *r, const struct hm_form *f, const mpz_t e,
                const struct hm_form *g, const mpz_t k)
{
	struct hm_form fg;
	size_t be = mpz_sgn(e) ? mpz_sizeinbase(e, 2) : 0;
	size_t bk = mpz_sgn(k) ? mpz_sizeinbase(k, 2) : 0;
	size_t bits = be > bk ? be : bk;
	bool started = false;

	assert(mpz_sgn(e) >= 0 && mpz_sgn(k) >= 0 && r != f && r != g);
	hm_form_init(&fg);
	hm_cg_mul(cg, &fg, f, g);
	for (size_t i = bits; i-- > 0;) {
		int fe = mpz_tstbit(e, i), gk = mpz_tstbit(k, i);
		const struct hm_form *m = fe && gk ? &fg : fe ? f : gk ? g : NULL;
		if (started)
			hm_cg_square(cg, r, r);
		if (m != NULL) {
			if (started)
				hm_cg_mul(cg, r, r, m);
			else
				hm_form_set(r, m);
			started = true;
		}
	}
	if (!started)
		hm_cg_identity(cg, r);
	hm_form_free(&fg);
}
