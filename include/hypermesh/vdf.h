/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A Wesolowski verifiable delay function in the class group of an imaginary
 * quadratic field (PoTime's core; docs/VDF.md).
 *
 * From an input (any bytes: a block hash, a seed) the discriminant D = -p is
 * derived by hashing to a 1024-bit prime p = 7 mod 8, and the generator is the
 * reduced form x = (2, 1, (1 - D) / 8). Evaluation computes y = x^(2^T) by T
 * sequential squarings; the proof is pi = x^floor(2^T / l) for the Fiat-Shamir
 * prime l = HashPrime(D, x, y, T). Verification checks pi^l * x^(2^T mod l) = y
 * with about 2 log2(l) group operations, whatever T is. There is no trusted
 * setup: nobody knows the order of the group, not even whoever picked D.
 *
 * Proof encoding (fixed length, HM_VDF_PROOF_LEN bytes, docs/VDF.md):
 *
 *   struct { Form y; Form pi; } VdfProof;
 *   struct {
 *       opaque a[64];   // big-endian, 0 < a
 *       uint8 b_sign;   // 0: b >= 0, 1: b < 0 (never 1 with b = 0)
 *       opaque b[64];   // |b|, big-endian
 *   } Form;             // c = (b^2 - D) / 4a is recomputed, never sent
 *
 * A decoded form must have discriminant exactly D and be reduced
 * (|b| <= a <= c, b >= 0 if |b| = a or a = c), so each group element has
 * one encoding.
 *
 * The functions are pure computations (no I/O, no globals) and thread-safe.
 */
#ifndef HYPERMESH_VDF_H
#define HYPERMESH_VDF_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"

/* Discriminant size, as Chia's timelords. */
#define HM_VDF_DISC_BITS      1024
/* Bytes of a, and of |b|, in an encoded form: a reduced form has a < sqrt(|D|/3) < 2^512. */
#define HM_VDF_FORM_INT_LEN   64
#define HM_VDF_FORM_LEN       (2 * HM_VDF_FORM_INT_LEN + 1)
/* An encoded proof: the output y, then the proof pi. */
#define HM_VDF_PROOF_LEN      (2 * HM_VDF_FORM_LEN)
/* Largest encoded proof (every proof has exactly this length). */
#define HM_VDF_PROOF_MAX      HM_VDF_PROOF_LEN
/* Bits of the Fiat-Shamir challenge prime l. */
#define HM_VDF_CHALLENGE_BITS 264
/* Largest accepted iteration count: about 2^40 squarings is weeks of work. */
#define HM_VDF_ITERATIONS_MAX (UINT64_C(1) << 40)
/* Longest accepted input. */
#define HM_VDF_INPUT_MAX      4096

/*
 * Evaluates T = iterations sequential squarings of the group element derived
 * from input and proves it; appends the HM_VDF_PROOF_LEN-byte proof to proof.
 * progress may be NULL; otherwise it is called every so often (and once at
 * the end) with the iterations done so far and the total.
 *
 * Returns HM_OK; HM_ERR_INVALID if input is NULL with input_len > 0, proof is
 * NULL, iterations is 0 or above HM_VDF_ITERATIONS_MAX; HM_ERR_TOO_LARGE if
 * input_len > HM_VDF_INPUT_MAX; HM_ERR_NOMEM. On failure proof is unchanged.
 */
int hm_vdf_eval(const uint8_t *input, size_t input_len, uint64_t iterations, struct hm_buf *proof,
                void (*progress)(void *arg, uint64_t done, uint64_t total), void *arg);

/*
 * HM_OK only if proof is a valid proof for (input, iterations).
 * HM_ERR_VERIFY if it is well formed but wrong. Malformed proofs:
 * HM_ERR_TRUNCATED (too short), HM_ERR_TRAILING (too long), HM_ERR_INVALID
 * (a form that is not reduced, has a = 0, the wrong discriminant or a
 * non-canonical sign). Arguments: HM_ERR_INVALID (NULL pointers, iterations
 * 0 or above HM_VDF_ITERATIONS_MAX), HM_ERR_TOO_LARGE (input_len above
 * HM_VDF_INPUT_MAX). HM_ERR_NOMEM.
 */
__attribute__((warn_unused_result)) int hm_vdf_verify(const uint8_t *input, size_t input_len,
                                                      uint64_t iterations, const uint8_t *proof,
                                                      size_t proof_len);

/*
 * A 32-byte digest of the proof's output y (what others use as VDF output or
 * randomness): SHA3-256("hypermesh/vdf/output/v1" || encoded y). Only the
 * encoding is checked (HM_ERR_TRUNCATED, HM_ERR_TRAILING, HM_ERR_INVALID for
 * a wrong sign byte or a = 0); the discriminant is not known here, so call
 * hm_vdf_verify before trusting the digest.
 */
int hm_vdf_output(const uint8_t *proof, size_t proof_len, uint8_t out[32]);

#endif
