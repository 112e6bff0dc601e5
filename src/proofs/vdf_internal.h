/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pieces of the VDF (vdf.c) that tests and benchmarks reach into: the
 * hash-to-prime derivations, the form codec, and the two provers.
 */
#ifndef HYPERMESH_PROOFS_VDF_INTERNAL_H
#define HYPERMESH_PROOFS_VDF_INTERNAL_H

#include <gmp.h>
#include <stddef.h>
#include <stdint.h>

#include "classgroup.h"
#include "hypermesh/buf.h"
#include "hypermesh/vdf.h"

/* Miller-Rabin count passed to mpz_probab_prime_p (GMP >= 6.2: BPSW + reps - 24 MR rounds). */
#define HM_VDF_PRIME_REPS 30

/* D = -p, p the first 1024-bit prime = 7 mod 8 in the SHAKE256 stream of the input. */
void hm_vdf__discriminant(mpz_t disc, const uint8_t *input, size_t input_len);

/* The Fiat-Shamir prime l = HashPrime(D, x, y, T) of HM_VDF_CHALLENGE_BITS bits. */
void hm_vdf__challenge(mpz_t l, const mpz_t disc, const struct hm_form *x, const struct hm_form *y,
                       uint64_t iterations);

/* A reduced form of a 1024-bit discriminant, encoded (vdf.h). */
void hm_vdf__form_encode(uint8_t out[HM_VDF_FORM_LEN], const struct hm_form *f);
/*
 * Decodes and checks a form: HM_ERR_INVALID unless the sign byte is 0 or 1
 * (and 0 for b = 0), a > 0, the discriminant is that of cg and the form is
 * reduced. On success f holds a, b and c.
 */
int hm_vdf__form_decode(struct hm_cg *cg, struct hm_form *f, const uint8_t in[HM_VDF_FORM_LEN]);

/* pi = x^floor(2^T / l) by long division of 2^T by l, one bit per squaring. */
void hm_vdf__prove_naive(struct hm_cg *cg, struct hm_form *pi, const struct hm_form *x,
                         const mpz_t l, uint64_t iterations);

/*
 * hm_vdf_eval with the proof's window (k bits) and interleave (l passes)
 * forced, for tests; 0, 0 chooses them as hm_vdf_eval does.
 */
int hm_vdf__eval_with(const uint8_t *input, size_t input_len, uint64_t iterations,
                      struct hm_buf *proof,
                      void (*progress)(void *arg, uint64_t done, uint64_t total), void *arg,
                      unsigned window, unsigned passes);

#endif
