/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Class-group arithmetic: NUDUPL, NUCOMP and the fast reduction agree with
 * the textbook composition and reduction on many random forms, over several
 * discriminants (prime and composite, D = 1 mod 8, 5 mod 8 and 0 mod 4, from
 * 64 to 1024 bits, so the Lehmer batches and the gcd > 1 paths both run);
 * the group laws hold; repeated squaring agrees with exponentiation.
 */
#include <gmp.h>

#include "proofs/classgroup.h"
#include "test.h"

static gmp_randstate_t rng;
static int rng_ready;

static void rng_init(void)
{
	if (!rng_ready) {
		gmp_randinit_default(rng);
		gmp_randseed_ui(rng, 20261124);
		rng_ready = 1;
	}
}

/* -p for a random prime p = 7 mod 8 of the given size. */
static void prime_disc(mpz_t d, unsigned bits)
{
	rng_init();
	do {
		mpz_urandomb(d, rng, bits);
		mpz_setbit(d, bits - 1);
		mpz_nextprime(d, d);
	} while (mpz_fdiv_ui(d, 8) != 7 || mpz_sizeinbase(d, 2) != bits);
	mpz_neg(d, d);
}

/* The reduced form of prime norm p above D, if D is a square mod p. */
static bool prime_form(struct hm_cg *cg, struct hm_form *f, unsigned long p)
{
	for (unsigned long b = 0; b < 2 * p; b++) {
		mpz_set_ui(f->a, p);
		mpz_set_ui(f->b, b);
		if (hm_cg_complete(cg, f)) {
			hm_cg_reduce_slow(cg, f);
			return true;
		}
	}
	return false;
}

static void pow_slow(struct hm_cg *cg, struct hm_form *r, const struct hm_form *f, unsigned long e)
{
	struct hm_form base;

	hm_form_init(&base);
	hm_form_set(&base, f);
	hm_cg_identity(cg, r);
	for (; e != 0; e >>= 1) {
		if (e & 1)
			(void)hm_cg_mul_slow(cg, r, r, &base);
		(void)hm_cg_mul_slow(cg, &base, &base, &base);
	}
	hm_form_free(&base);
}

/* A random element: a product of powers of small prime forms, computed the slow way. */
static void random_form(struct hm_cg *cg, struct hm_form *r)
{
	struct hm_form p, t;
	unsigned long found = 0;

	hm_form_init(&p);
	hm_form_init(&t);
	hm_cg_identity(cg, r);
	for (unsigned long q = 3; found < 4 && q < 2000; q += 2) {
		mpz_set_ui(t.a, q);
		if (!mpz_probab_prime_p(t.a, 10) || gmp_urandomm_ui(rng, 3) != 0)
			continue;
		if (!prime_form(cg, &p, q))
			continue;
		pow_slow(cg, &t, &p, gmp_urandomb_ui(rng, 30) | 1);
		(void)hm_cg_mul_slow(cg, r, r, &t);
		found++;
	}
	hm_form_free(&p);
	hm_form_free(&t);
}

struct disc_case {
	unsigned bits;
	int kind; /* 0: -prime (1 mod 8), 1: -(p q) composite, 2: 4 * -(prime) (0 mod 4) */
};

static const struct disc_case disc_cases[] = {
	{ 64, 0 }, { 200, 0 }, { 512, 0 }, { 1024, 0 }, { 256, 1 }, { 1024, 1 }, { 300, 2 },
};

static void make_disc(mpz_t d, const struct disc_case *c)
{
	mpz_t q;

	switch (c->kind) {
	case 0:
		prime_disc(d, c->bits);
		break;
	case 1:
		/* -(p q) with p = 3 mod 4 small, so that many forms share factors */
		mpz_init(q);
		prime_disc(d, c->bits - 10);
		mpz_neg(d, d);
		mpz_set_ui(q, 1000);
		do
			mpz_nextprime(q, q);
		while (mpz_fdiv_ui(q, 4) != 1);
		/* p = 3 mod 4, q = 1 mod 4: p q = 3 mod 4, so -p q = 1 mod 4 */
		mpz_mul(d, d, q);
		mpz_neg(d, d);
		mpz_clear(q);
		break;
	default:
		prime_disc(d, c->bits);
		mpz_mul_ui(d, d, 4);
		break;
	}
}

static void test_fast_matches_reference(void)
{
	mpz_t d;

	mpz_init(d);
	for (size_t i = 0; i < sizeof(disc_cases) / sizeof(disc_cases[0]); i++) {
		struct hm_cg cg;
		struct hm_form f, g, fast, slow;

		make_disc(d, &disc_cases[i]);
		hm_cg_init(&cg, d);
		hm_form_init(&f);
		hm_form_init(&g);
		hm_form_init(&fast);
		hm_form_init(&slow);
		for (int n = 0; n < 60; n++) {
			random_form(&cg, &f);
			random_form(&cg, &g);
			CHECK(hm_cg_is_reduced(&cg, &f));
			/* squaring */
			hm_cg_square(&cg, &fast, &f);
			CHECK(hm_cg_mul_slow(&cg, &slow, &f, &f));
			CHECK(hm_form_equal(&fast, &slow));
			CHECK(hm_cg_is_reduced(&cg, &fast));
			/* composition, both orders, and of a form with itself */
			hm_cg_mul(&cg, &fast, &f, &g);
			CHECK(hm_cg_mul_slow(&cg, &slow, &f, &g));
			CHECK(hm_form_equal(&fast, &slow));
			CHECK(hm_cg_is_reduced(&cg, &fast));
			hm_cg_mul(&cg, &fast, &g, &f);
			CHECK(hm_form_equal(&fast, &slow));
			hm_cg_mul(&cg, &fast, &f, &f);
			hm_cg_square(&cg, &slow, &f);
			CHECK(hm_form_equal(&fast, &slow));
			/* aliasing: r = r * g and r = r^2 */
			hm_form_set(&fast, &f);
			hm_cg_mul(&cg, &fast, &fast, &g);
			CHECK(hm_cg_mul_slow(&cg, &slow, &f, &g));
			CHECK(hm_form_equal(&fast, &slow));
			if (test__case_failed) {
				fprintf(stderr, "discriminant case %zu, form %d\n", i, n);
				break;
			}
		}
		hm_form_free(&f);
		hm_form_free(&g);
		hm_form_free(&fast);
		hm_form_free(&slow);
		hm_cg_free(&cg);
	}
	mpz_clear(d);
}

static void test_reduce_matches_reference(void)
{
	mpz_t d, r;
	struct hm_cg cg;
	struct hm_form f, u, fast, slow;

	mpz_init(d);
	mpz_init(r);
	prime_disc(d, 1024);
	hm_cg_init(&cg, d);
	hm_form_init(&f);
	hm_form_init(&u);
	hm_form_init(&fast);
	hm_form_init(&slow);
	for (int n = 0; n < 100; n++) {
		random_form(&cg, &f);
		/* an equivalent unreduced form: x -> x + r y, sometimes also (x, y) -> (-y, x) */
		mpz_urandomb(r, rng, 1 + (unsigned)n * 5);
		if (n & 1)
			mpz_neg(r, r);
		mpz_set(u.a, f.a);
		mpz_mul(u.b, f.a, r);
		mpz_mul_2exp(u.b, u.b, 1);
		mpz_add(u.b, u.b, f.b);
		CHECK(hm_cg_complete(&cg, &u));
		if (n & 2) {
			mpz_swap(u.a, u.c);
			mpz_neg(u.b, u.b);
		}
		hm_form_set(&fast, &u);
		hm_form_set(&slow, &u);
		hm_cg_reduce(&cg, &fast);
		CHECK(hm_cg_reduce_slow(&cg, &slow));
		CHECK(hm_form_equal(&fast, &slow));
		CHECK(hm_form_equal(&fast, &f));
	}
	hm_form_free(&f);
	hm_form_free(&u);
	hm_form_free(&fast);
	hm_form_free(&slow);
	hm_cg_free(&cg);
	mpz_clear(d);
	mpz_clear(r);
}

static void test_group_laws(void)
{
	mpz_t d;
	struct hm_cg cg;
	struct hm_form f, g, h, one, l, r, inv;

	mpz_init(d);
	prime_disc(d, 1024);
	hm_cg_init(&cg, d);
	hm_form_init(&f);
	hm_form_init(&g);
	hm_form_init(&h);
	hm_form_init(&one);
	hm_form_init(&l);
	hm_form_init(&r);
	hm_form_init(&inv);
	hm_cg_identity(&cg, &one);
	CHECK(hm_cg_is_reduced(&cg, &one));
	CHECK(hm_cg_is_identity(&one));
	for (int n = 0; n < 30; n++) {
		random_form(&cg, &f);
		random_form(&cg, &g);
		random_form(&cg, &h);
		/* identity */
		hm_cg_mul(&cg, &l, &f, &one);
		CHECK(hm_form_equal(&l, &f));
		hm_cg_mul(&cg, &l, &one, &f);
		CHECK(hm_form_equal(&l, &f));
		/* associativity */
		hm_cg_mul(&cg, &l, &f, &g);
		hm_cg_mul(&cg, &l, &l, &h);
		hm_cg_mul(&cg, &r, &g, &h);
		hm_cg_mul(&cg, &r, &f, &r);
		CHECK(hm_form_equal(&l, &r));
		/* inverse */
		hm_cg_inverse(&cg, &inv, &f);
		CHECK(hm_cg_is_reduced(&cg, &inv));
		hm_cg_mul(&cg, &l, &f, &inv);
		CHECK(hm_cg_is_identity(&l));
		CHECK(hm_form_equal(&l, &one));
		/* (f g)^2 = f^2 g^2 */
		hm_cg_mul(&cg, &l, &f, &g);
		hm_cg_square(&cg, &l, &l);
		hm_cg_square(&cg, &r, &f);
		hm_cg_square(&cg, &h, &g);
		hm_cg_mul(&cg, &r, &r, &h);
		CHECK(hm_form_equal(&l, &r));
	}
	hm_form_free(&f);
	hm_form_free(&g);
	hm_form_free(&h);
	hm_form_free(&one);
	hm_form_free(&l);
	hm_form_free(&r);
	hm_form_free(&inv);
	hm_cg_free(&cg);
	mpz_clear(d);
}

static void test_squaring_is_power_of_two(void)
{
	mpz_t d, e;
	struct hm_cg cg;
	struct hm_form x, y, z;

	mpz_init(d);
	mpz_init(e);
	prime_disc(d, 1024);
	hm_cg_init(&cg, d);
	hm_form_init(&x);
	hm_form_init(&y);
	hm_form_init(&z);
	hm_cg_generator(&cg, &x);
	CHECK(hm_cg_is_reduced(&cg, &x));
	hm_form_set(&y, &x);
	for (unsigned long t = 1; t <= 600; t++) {
		hm_cg_square(&cg, &y, &y);
		if (t % 97 == 0 || t < 4) {
			mpz_set_ui(e, 0);
			mpz_setbit(e, t);
			hm_cg_pow(&cg, &z, &x, e);
			CHECK(hm_form_equal(&y, &z));
			/* and x^(2^t) = x^(2^t - 1) * x */
			mpz_sub_ui(e, e, 1);
			hm_cg_pow(&cg, &z, &x, e);
			hm_cg_mul(&cg, &z, &z, &x);
			CHECK(hm_form_equal(&y, &z));
		}
	}
	/* joint exponentiation f^e g^k against separate powers, zero exponents included */
	{
		struct hm_form g, sep, other;
		mpz_t k;
		hm_form_init(&g);
		hm_form_init(&sep);
		hm_form_init(&other);
		mpz_init(k);
		random_form(&cg, &g);
		for (int n = 0; n < 12; n++) {
			mpz_urandomb(e, rng, (unsigned)(n * 25));
			mpz_urandomb(k, rng, (unsigned)((11 - n) * 25));
			hm_cg_pow2(&cg, &z, &x, e, &g, k);
			hm_cg_pow(&cg, &sep, &x, e);
			hm_cg_pow(&cg, &other, &g, k);
			hm_cg_mul(&cg, &sep, &sep, &other);
			CHECK(hm_form_equal(&z, &sep));
		}
		hm_form_free(&g);
		hm_form_free(&sep);
		hm_form_free(&other);
		mpz_clear(k);
	}
	/* x^0 is the identity, x^1 is x */
	mpz_set_ui(e, 0);
	hm_cg_pow(&cg, &z, &x, e);
	CHECK(hm_cg_is_identity(&z));
	mpz_set_ui(e, 1);
	hm_cg_pow(&cg, &z, &x, e);
	CHECK(hm_form_equal(&z, &x));
	hm_form_free(&x);
	hm_form_free(&y);
	hm_form_free(&z);
	hm_cg_free(&cg);
	mpz_clear(d);
	mpz_clear(e);
}

/*
 * D = -p q: the form (q, q, (p + q) / 4) has gcd(a, b) = q > 1 and order 2,
 * which takes NUDUPL's and NUCOMP's gcd > 1 paths on a known answer.
 */
static void test_shared_factor_paths(void)
{
	mpz_t d, p;
	struct hm_cg cg;
	struct hm_form f, g, fast, slow;
	const unsigned long q = 1009; /* = 1 mod 4 */

	mpz_inits(d, p, NULL);
	prime_disc(p, 300);
	mpz_neg(p, p); /* p = 7 mod 8, so p + q = 0 mod 4 */
	mpz_mul_ui(d, p, q);
	mpz_neg(d, d);
	hm_cg_init(&cg, d);
	hm_form_init(&f);
	hm_form_init(&g);
	hm_form_init(&fast);
	hm_form_init(&slow);
	mpz_set_ui(f.a, q);
	mpz_set_ui(f.b, q);
	CHECK(hm_cg_complete(&cg, &f));
	CHECK(hm_cg_is_reduced(&cg, &f));
	hm_cg_square(&cg, &fast, &f);
	CHECK(hm_cg_is_identity(&fast));
	CHECK(hm_cg_mul_slow(&cg, &slow, &f, &f));
	CHECK(hm_form_equal(&fast, &slow));
	hm_cg_mul(&cg, &fast, &f, &f);
	CHECK(hm_cg_is_identity(&fast));
	/* times random elements: NUCOMP with dg = q whenever q | a of the other */
	for (int n = 0; n < 20; n++) {
		random_form(&cg, &g);
		hm_cg_mul(&cg, &fast, &f, &g);
		CHECK(hm_cg_mul_slow(&cg, &slow, &f, &g));
		CHECK(hm_form_equal(&fast, &slow));
		hm_cg_square(&cg, &fast, &fast);
		hm_cg_square(&cg, &slow, &g);
		CHECK(hm_form_equal(&fast, &slow)); /* (f g)^2 = g^2 */
	}
	hm_form_free(&f);
	hm_form_free(&g);
	hm_form_free(&fast);
	hm_form_free(&slow);
	hm_cg_free(&cg);
	mpz_clears(d, p, NULL);
}

static void test_validity_checks(void)
{
	mpz_t d;
	struct hm_cg cg;
	struct hm_form f;

	mpz_init(d);
	prime_disc(d, 256);
	hm_cg_init(&cg, d);
	hm_form_init(&f);
	hm_cg_generator(&cg, &f);
	CHECK(hm_cg_is_reduced(&cg, &f));
	/* wrong discriminant */
	mpz_add_ui(f.c, f.c, 1);
	CHECK(!hm_cg_is_reduced(&cg, &f));
	/* a = 0 and a < 0 */
	mpz_set_ui(f.a, 0);
	mpz_set_ui(f.b, 1);
	CHECK(!hm_cg_complete(&cg, &f));
	mpz_set_si(f.a, -2);
	CHECK(!hm_cg_complete(&cg, &f));
	/* 4a does not divide b^2 - D (b even, D odd) */
	mpz_set_ui(f.a, 4);
	mpz_set_ui(f.b, 2);
	CHECK(!hm_cg_complete(&cg, &f));
	/* not reduced: (c, -1, 2) has the right discriminant but a > c */
	hm_cg_generator(&cg, &f);
	mpz_swap(f.a, f.c);
	mpz_neg(f.b, f.b);
	CHECK(!hm_cg_is_reduced(&cg, &f));
	/* b = -a is not reduced; b = a is */
	mpz_set_ui(f.a, 1);
	mpz_set_si(f.b, -1);
	CHECK(hm_cg_complete(&cg, &f));
	CHECK(!hm_cg_is_reduced(&cg, &f));
	mpz_set_si(f.b, 1);
	CHECK(hm_cg_complete(&cg, &f));
	CHECK(hm_cg_is_reduced(&cg, &f));
	hm_form_free(&f);
	hm_cg_free(&cg);
	mpz_clear(d);
}

TEST_MAIN(test_fast_matches_reference, test_reduce_matches_reference, test_group_laws,
          test_squaring_is_power_of_two, test_shared_factor_paths, test_validity_checks)
