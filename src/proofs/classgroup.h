/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Arithmetic in the class group of binary quadratic forms of a negative
 * discriminant D (private to hm_proofs; tests and benchmarks use it too).
 *
 * A form (a, b, c) stands for a x^2 + b x y + c y^2 with b^2 - 4ac = D. Every
 * class holds exactly one reduced form: |b| <= a <= c, and b >= 0 when
 * |b| = a or a = c. All results are reduced.
 *
 * Two ways to compute each operation:
 *   - fast: NUDUPL (squaring) and NUCOMP (composition), Shanks' algorithms
 *     in the form of Jacobson and van der Poorten: compose, then partially
 *     reduce with a truncated extended Euclid on numbers of half the size,
 *     so the result is (nearly) reduced without ever forming 1024-bit
 *     coefficients. The partial Euclid runs Lehmer steps on one 64-bit limb
 *     where the numbers are large.
 *   - slow reference: textbook composition (Dirichlet / Cohen, Algorithm
 *     5.4.7) followed by plain reduction, recomputing c at every step. Tests
 *     compare the fast functions against it.
 *
 * A context holds the discriminant, the NUDUPL bound and preallocated
 * temporaries, so the squaring loop never allocates once warm. A context is
 * used by one thread at a time. GMP aborts the process if an allocation fails.
 */
#ifndef HYPERMESH_PROOFS_CLASSGROUP_H
#define HYPERMESH_PROOFS_CLASSGROUP_H

#include <gmp.h>
#include <stdbool.h>

struct hm_form {
	mpz_t a, b, c;
};

#define HM_CG_TEMPS 20

struct hm_cg {
	mpz_t disc;     /* D < 0, D = 0 or 1 mod 4 */
	mpz_t bound;    /* L = floor(|D / 4|^(1/4)): where NUDUPL's partial reduction stops */
	mpz_t bound_sq; /* L^2, for NUCOMP's bound L sqrt(a1 / a2) */
	mpz_t t[HM_CG_TEMPS];
	struct hm_form scratch; /* result buffer, so r may alias an operand */
};

/* D must be negative and 0 or 1 mod 4 (checked by assert). */
void hm_cg_init(struct hm_cg *cg, const mpz_t disc);
void hm_cg_free(struct hm_cg *cg);

void hm_form_init(struct hm_form *f);
void hm_form_free(struct hm_form *f);
void hm_form_set(struct hm_form *r, const struct hm_form *f);
bool hm_form_equal(const struct hm_form *f, const struct hm_form *g);

/* The identity (1, 1, (1 - D) / 4) (D = 1 mod 4) or (1, 0, -D / 4) (D = 0 mod 4). */
void hm_cg_identity(const struct hm_cg *cg, struct hm_form *r);
/* (2, 1, (1 - D) / 8); requires D = 1 mod 8 (checked by assert). */
void hm_cg_generator(const struct hm_cg *cg, struct hm_form *r);
/* The inverse class: (a, -b, c), made reduced. */
void hm_cg_inverse(struct hm_cg *cg, struct hm_form *r, const struct hm_form *f);

/*
 * Sets c from a and b: returns false unless a > 0 and 4a divides b^2 - D
 * (so the form has discriminant D). Does not require reduction.
 */
bool hm_cg_complete(struct hm_cg *cg, struct hm_form *f);
/* True if f is reduced and has discriminant D (a, b, c all checked). */
bool hm_cg_is_reduced(struct hm_cg *cg, const struct hm_form *f);
bool hm_cg_is_identity(const struct hm_form *f);

/* Reduces f in place (any form of discriminant D with a > 0). */
void hm_cg_reduce(struct hm_cg *cg, struct hm_form *f);

/* r = f^2 (NUDUPL). r may alias f. */
void hm_cg_square(struct hm_cg *cg, struct hm_form *r, const struct hm_form *f);
/* r = f * g (NUCOMP). r may alias f or g. */
void hm_cg_mul(struct hm_cg *cg, struct hm_form *r, const struct hm_form *f,
               const struct hm_form *g);
/* r = f^e for e >= 0 (left-to-right binary with NUDUPL/NUCOMP). r may alias f. */
void hm_cg_pow(struct hm_cg *cg, struct hm_form *r, const struct hm_form *f, const mpz_t e);
/*
 * r = f^e * g^k for e, k >= 0, jointly (Shamir's trick: one squaring per bit
 * of the longer exponent). r may alias neither f nor g.
 */
void hm_cg_pow2(struct hm_cg *cg, struct hm_form *r, const struct hm_form *f, const mpz_t e,
                const struct hm_form *g, const mpz_t k);

/*
 * Reference implementations: obviously correct, slow. They check the
 * divisions the algebra promises to be exact and return false (leaving a
 * meaningless result) if one is not, which would mean a bug or a bad input.
 */
bool hm_cg_reduce_slow(struct hm_cg *cg, struct hm_form *f);
bool hm_cg_mul_slow(struct hm_cg *cg, struct hm_form *r, const struct hm_form *f,
                    const struct hm_form *g);

#endif
