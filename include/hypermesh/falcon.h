/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Falcon-512 and Falcon-1024, as specified for round 3 of the NIST PQC
 * process (falcon.pdf v1.2, 2020). This is not FN-DSA (FIPS 206).
 *
 * A parameter set is named by logn: 9 for Falcon-512, 10 for Falcon-1024.
 *
 * Encodings are those of the round-3 specification:
 *   public key   header 0x00 + logn, then n coefficients of h mod q, 14 bits each;
 *   private key  header 0x50 + logn, then f, g (6 bits each for Falcon-512, 5 for
 *                Falcon-1024) and F (8 bits), two's complement, big-endian bits;
 *   signature    header 0x30 + logn, the 40-byte nonce r, then the compressed
 *                encoding of s2 (variable length, at most HM_FALCON*_SIG_MAX in all).
 *
 * Randomness: key generation draws 48 bytes (a seed expanded with SHAKE256);
 * signing draws the 40-byte nonce, then a 48-byte seed for the sampler, in
 * that order, exactly like the round-3 reference's NIST API. So feeding the
 * NIST KAT DRBG (hypermesh/nist_drbg.h) through struct hm_falcon_rng
 * reproduces the official KAT files byte for byte. With rng == NULL the
 * system CSPRNG (hm_random_bytes) is used.
 *
 * Floating point: signing and key generation use IEEE-754 binary64 with
 * round-to-nearest-even and no contraction (see docs/FALCON.md). No heap;
 * signing needs about 170 KiB of stack, key generation about 260 KiB.
 *
 * Side channels: signing and private-key decoding avoid secret-dependent
 * branches and indices (except the specification's rejection loops); key
 * generation's NTRUSolve (big-integer tower) is NOT constant time.
 * Key generation reproduces the reference implementation's key pairs for most
 * seeds but not all (see docs/FALCON.md); every key pair it returns is valid.
 *
 * Error codes, everywhere below:
 *   HM_ERR_INVALID  logn is not 9 or 10; a key or signature with a wrong header
 *                   byte, a public-key coefficient >= q, a private-key value
 *                   outside its range or not forming a valid NTRU basis, or a
 *                   non-canonical compressed signature (a "-0", a coefficient
 *                   above 2047, an overlong unary part, non-zero padding bits,
 *                   bytes left over);
 *   HM_ERR_LENGTH   a key of the wrong length, a signature shorter than 42
 *                   bytes or longer than the set's maximum;
 *   HM_ERR_BUFFER   (signing) *siglen is smaller than the set's maximum;
 *   HM_ERR_VERIFY   (verify only) the signature is well formed but does not
 *                   verify (wrong key or message, or (s1, s2) over the norm bound);
 *   HM_ERR_RANDOM   the randomness source failed (an rng callback's negative
 *                   return value is passed through instead).
 */
#ifndef HYPERMESH_FALCON_H
#define HYPERMESH_FALCON_H

#include <stddef.h>
#include <stdint.h>

#define HM_FALCON512_LOGN  9
#define HM_FALCON1024_LOGN 10

#define HM_FALCON512_PK_LEN   897
#define HM_FALCON1024_PK_LEN  1793
#define HM_FALCON512_SK_LEN   1281
#define HM_FALCON1024_SK_LEN  2305
/*
 * Signature size bounds. The maximum is that of the round-3 reference NIST
 * API (CRYPTO_BYTES - 2): the official KAT holds Falcon-1024 signatures one
 * byte above the specification's nominal 1280-byte bound, so verification
 * must accept up to this size.
 */
#define HM_FALCON_NONCE_LEN   40
#define HM_FALCON_SIG_MIN     42
#define HM_FALCON512_SIG_MAX  688
#define HM_FALCON1024_SIG_MAX 1328

#define HM_FALCON_PK_LEN(logn)  ((logn) == 9 ? HM_FALCON512_PK_LEN : HM_FALCON1024_PK_LEN)
#define HM_FALCON_SK_LEN(logn)  ((logn) == 9 ? HM_FALCON512_SK_LEN : HM_FALCON1024_SK_LEN)
#define HM_FALCON_SIG_MAX(logn) ((logn) == 9 ? HM_FALCON512_SIG_MAX : HM_FALCON1024_SIG_MAX)

#define HM_FALCON_MAX_PK_LEN  HM_FALCON1024_PK_LEN
#define HM_FALCON_MAX_SK_LEN  HM_FALCON1024_SK_LEN
#define HM_FALCON_MAX_SIG_LEN HM_FALCON1024_SIG_MAX

/*
 * A source of random bytes: fill(ctx, buf, len) writes len bytes and returns
 * 0, or a negative HM_ERR_* code that the caller passes on.
 */
struct hm_falcon_rng {
	int (*fill)(void *ctx, void *buf, size_t len);
	void *ctx;
};

/*
 * Generates a key pair. pk must hold HM_FALCON_PK_LEN(logn) bytes and sk
 * HM_FALCON_SK_LEN(logn) bytes. rng may be NULL (system CSPRNG).
 * Returns HM_OK, HM_ERR_INVALID (logn), HM_ERR_RANDOM or the rng's error, or
 * HM_ERR_CRYPTO if a thousand candidates in a row fail NTRUSolve (about one
 * in twenty does; that many means a bug, not bad luck).
 */
int hm_falcon_keygen(unsigned logn, uint8_t *pk, uint8_t *sk, const struct hm_falcon_rng *rng);

/*
 * Signs msg with sk (sklen must be HM_FALCON_SK_LEN(logn)). On entry *siglen
 * is the capacity of sig, which must be at least HM_FALCON_SIG_MAX(logn); on
 * success it is set to the signature's length. rng may be NULL.
 * Returns HM_OK, HM_ERR_INVALID, HM_ERR_LENGTH, HM_ERR_BUFFER, HM_ERR_RANDOM
 * or the rng's error. On failure sig is wiped.
 */
int hm_falcon_sign(unsigned logn, uint8_t *sig, size_t *siglen, const uint8_t *sk, size_t sklen,
                   const void *msg, size_t len, const struct hm_falcon_rng *rng);

/*
 * An expanded private key: the FFT basis and ffLDL tree that signing
 * derives from sk (about 120 KiB for Falcon-1024), kept so that signing many
 * messages with one key skips that work (about a fifth of a signature).
 * Signatures are byte for byte those of hm_falcon_sign for the same rng.
 * Holds secrets; hm_falcon_expanded_free wipes it.
 */
struct hm_falcon_expanded;

/* HM_OK, HM_ERR_INVALID (logn, or sk is not a valid key), HM_ERR_LENGTH, HM_ERR_NOMEM. */
int hm_falcon_expand(unsigned logn, const uint8_t *sk, size_t sklen,
                     struct hm_falcon_expanded **out) __attribute__((warn_unused_result));
/* Accepts NULL. */
void hm_falcon_expanded_free(struct hm_falcon_expanded *ek);
unsigned hm_falcon_expanded_logn(const struct hm_falcon_expanded *ek);
/* As hm_falcon_sign, with the key's parameter set. */
int hm_falcon_sign_expanded(const struct hm_falcon_expanded *ek, uint8_t *sig, size_t *siglen,
                            const void *msg, size_t len, const struct hm_falcon_rng *rng);

/*
 * Verifies sig over msg under pk (pklen must be HM_FALCON_PK_LEN(logn)).
 * Returns HM_OK only for a valid signature; HM_ERR_VERIFY, HM_ERR_INVALID or
 * HM_ERR_LENGTH otherwise (see above).
 */
int hm_falcon_verify(unsigned logn, const uint8_t *sig, size_t siglen, const uint8_t *pk,
                     size_t pklen, const void *msg, size_t len) __attribute__((warn_unused_result));

/*
 * The parameter set of an encoded public key, from its header byte and
 * length: 9 or 10, or HM_ERR_INVALID / HM_ERR_LENGTH.
 */
int hm_falcon_pk_logn(const uint8_t *pk, size_t pklen) __attribute__((warn_unused_result));

#endif
