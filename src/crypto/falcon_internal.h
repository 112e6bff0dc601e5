/* SPDX-License-Identifier: Apache-2.0 */
/* Falcon internals shared by the src/crypto/falcon_*.c files (private). */
#ifndef HYPERMESH_FALCON_INTERNAL_H
#define HYPERMESH_FALCON_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/falcon.h"
#include "hypermesh/sha3.h"

#define FALCON_Q     12289
#define FALCON_MAX_N 1024

/* Bits per f, g coefficient in the private key (F and G always use 8). */
#define FALCON_FG_BITS(logn) ((logn) == 9 ? 6u : 5u)

/* ---- encodings (falcon_codec.c) ---- */

/* 14-bit big-endian packing of n values < q; returns the byte count. */
size_t falcon_modq_encode(uint8_t *out, const uint16_t *x, unsigned logn);
/* Decodes exactly (14n)/8 bytes; HM_ERR_INVALID if a value is >= q. */
int falcon_modq_decode(uint16_t *x, const uint8_t *in, unsigned logn);
/* bits-wide two's complement packing; values must lie in (-2^(bits-1), 2^(bits-1)). */
size_t falcon_trim_i8_encode(uint8_t *out, const int8_t *x, unsigned logn, unsigned bits);
/* Decodes (n*bits)/8 bytes; HM_ERR_INVALID for the forbidden value -2^(bits-1). */
int falcon_trim_i8_decode(int8_t *x, const uint8_t *in, unsigned logn, unsigned bits);
/*
 * Compressed encoding of s2. Returns the byte count, or 0 if it does not fit
 * in maxlen or a value lies outside [-2047, 2047].
 */
size_t falcon_comp_encode(uint8_t *out, size_t maxlen, const int16_t *x, unsigned logn);
/* Decodes exactly len bytes; HM_ERR_INVALID for any non-canonical encoding. */
int falcon_comp_decode(int16_t *x, const uint8_t *in, size_t len, unsigned logn);

/* ---- arithmetic mod q (falcon_modq.c) ---- */

/* Negacyclic NTT mod q in place (values in [0, q)). */
void falcon_ntt(uint16_t *a, unsigned logn);
void falcon_intt(uint16_t *a, unsigned logn);
uint32_t falcon_mq_mul(uint32_t a, uint32_t b);
/* a^(q-2) mod q: the inverse of a non-zero a, 0 for 0. */
uint32_t falcon_mq_inv(uint32_t a);
/*
 * h = g / f mod q (f, g small). Returns 1 on success, 0 if f is not
 * invertible mod q. tmp must hold 2n uint16_t.
 */
int falcon_compute_public(uint16_t *h, const int8_t *f, const int8_t *g, unsigned logn,
                          uint16_t *tmp);
/*
 * G = g * F / f mod q, each coefficient checked to be in [-127, 127].
 * Returns 1 on success, 0 on failure. tmp must hold 2n uint16_t.
 */
int falcon_complete_private(int8_t *G, const int8_t *f, const int8_t *g, const int8_t *F,
                            unsigned logn, uint16_t *tmp);

/* HashToPoint: n values mod q from the SHAKE256 output stream of sc. */
void falcon_hash_to_point(struct hm_keccak *sc, uint16_t *c, unsigned logn);

/* ---- FFT over C, binary64 (falcon_fft.c) ---- */
/*
 * A real polynomial of degree < n = 2^logn is represented by its values at
 * n/2 roots of x^n + 1 (one per conjugate pair): real parts in f[0..n/2),
 * imaginary parts in f[n/2..n). tmp needs n doubles.
 */
void falcon_fft(double *f, unsigned logn, double *tmp);
void falcon_ifft(double *f, unsigned logn, double *tmp);
void falcon_split_fft(double *f0, double *f1, const double *f, unsigned logn);
void falcon_merge_fft(double *f, const double *f0, const double *f1, unsigned logn);
void falcon_poly_add(double *a, const double *b, unsigned logn);
void falcon_poly_sub(double *a, const double *b, unsigned logn);
void falcon_poly_neg(double *a, unsigned logn);
void falcon_poly_adj(double *a, unsigned logn);
void falcon_poly_mul(double *a, const double *b, unsigned logn);
void falcon_poly_muladj(double *a, const double *b, unsigned logn);
void falcon_poly_mulselfadj(double *a, unsigned logn);
void falcon_poly_mulconst(double *a, double c, unsigned logn);
/* a <- a * b where b is self-adjoint (its values are real, in b[0..n/2)). */
void falcon_poly_mul_autoadj(double *a, const double *b, unsigned logn);
/* d <- 1 / (a adj(a) + b adj(b)), self-adjoint. */
void falcon_poly_invnorm2(double *d, const double *a, const double *b, unsigned logn);
/* LDL of the self-adjoint [[g00, g01], [adj g01, g11]]: g01 <- L10, g11 <- D11. */
void falcon_poly_ldl(const double *g00, double *g01, double *g11, unsigned logn);
/* Round to nearest (ties away from zero cannot occur for our near-integer inputs). */
int64_t falcon_rint(double x);
/* Correctly rounded square root of a positive normal x, without libm. */
double falcon_sqrt(double x);
/* floor(x) for |x| < 2^31. */
int64_t falcon_floor(double x);

/* ---- signing and key generation ---- */

/*
 * The sampler's PRNG of the round-3 reference implementation: ChaCha20
 * seeded with 56 bytes of a SHAKE256 stream, eight blocks at a time.
 */
struct falcon_prng {
	uint8_t buf[512];
	uint8_t state[56];
	size_t ptr;
};

void falcon_prng_init(struct falcon_prng *p, struct hm_keccak *src);

/* The largest expanded key, in doubles (Falcon-1024). */
#define FALCON_EXPANDED_MAX ((4 + 11) * FALCON_MAX_N)

/*
 * The expanded private key: the basis B = [[g, -f], [G, -F]] in FFT form
 * (4n doubles) and the ffLDL tree of its Gram matrix ((logn + 1) n doubles),
 * everything signing needs that depends only on the key.
 */
size_t falcon_expanded_len(unsigned logn);
/* Fills ek (falcon_expanded_len doubles). tmp must hold 8n doubles. */
void falcon_expand(double *ek, const int8_t *f, const int8_t *g, const int8_t *F, const int8_t *G,
                   unsigned logn, double *tmp);
/*
 * Core signing: s2 for hm (the hashed point) with the sampler seeded from rng.
 * Loops until (s1, s2) is short enough. tmp must hold 10n doubles.
 */
void falcon_sign_core(int16_t *s2, struct hm_keccak *rng, const double *ek, const uint16_t *hm,
                      unsigned logn, double *tmp);

/*
 * Key generation from a SHAKE256 stream: f, g, F small, h the public key.
 * HM_OK, or HM_ERR_CRYPTO if NTRUSolve keeps failing (a defect, never chance).
 */
int falcon_keygen_core(struct hm_keccak *rng, int8_t *f, int8_t *g, int8_t *F, int8_t *G,
                       uint16_t *h, unsigned logn);

#endif
