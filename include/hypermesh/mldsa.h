/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ML-DSA (FIPS 204), the module-lattice signature scheme, in its three
 * parameter sets ML-DSA-44, ML-DSA-65 and ML-DSA-87.
 *
 * Keys and signatures are the FIPS 204 byte encodings (pkEncode, skEncode,
 * sigEncode); their sizes depend on the parameter set and are given by the
 * macros below. Output buffers are caller-owned and must hold exactly the
 * size the macro names for the chosen set (the HM_MLDSA_MAX_* sizes always
 * suffice). No heap is used; the largest stack frame is signing's, about
 * 130 KiB for ML-DSA-87 (verification 90 KiB, key generation 103 KiB).
 *
 * Key generation and signing run in constant time: their branches and memory
 * indices never depend on secret data, except for the rejection loop of
 * signing (FIPS 204 allows its restart decision to leak) and the rejection
 * sampling of ExpandS, whose rejected samples are independent of the kept
 * ones. Every secret temporary is wiped before returning.
 *
 * Error codes, everywhere below:
 *   HM_ERR_INVALID  unknown parameter set, context longer than 255 bytes,
 *                   unknown pre-hash, or (signing) a private key whose s1/s2
 *                   coefficients lie outside [-eta, eta];
 *   HM_ERR_LENGTH   a key, signature or pre-hash digest of the wrong length;
 *   HM_ERR_VERIFY   (verify only) the signature does not verify, including
 *                   any malformed signature encoding (bad hint encoding);
 *   HM_ERR_RANDOM   (randomised functions only) the system CSPRNG failed;
 *   HM_ERR_CRYPTO   (signing only) the rejection loop ran out of its 16-bit
 *                   nonce space (about 9000 attempts, each rejected with
 *                   probability under 0.8: never happens in practice).
 */
#ifndef HYPERMESH_MLDSA_H
#define HYPERMESH_MLDSA_H

#include <stddef.h>
#include <stdint.h>

enum hm_mldsa_param {
	HM_MLDSA_44 = 44,
	HM_MLDSA_65 = 65,
	HM_MLDSA_87 = 87,
};

#define HM_MLDSA44_PUBLICKEY_BYTES 1312
#define HM_MLDSA44_SECRETKEY_BYTES 2560
#define HM_MLDSA44_SIGNATURE_BYTES 2420
#define HM_MLDSA65_PUBLICKEY_BYTES 1952
#define HM_MLDSA65_SECRETKEY_BYTES 4032
#define HM_MLDSA65_SIGNATURE_BYTES 3309
#define HM_MLDSA87_PUBLICKEY_BYTES 2592
#define HM_MLDSA87_SECRETKEY_BYTES 4896
#define HM_MLDSA87_SIGNATURE_BYTES 4627

#define HM_MLDSA_MAX_PUBLICKEY_BYTES HM_MLDSA87_PUBLICKEY_BYTES
#define HM_MLDSA_MAX_SECRETKEY_BYTES HM_MLDSA87_SECRETKEY_BYTES
#define HM_MLDSA_MAX_SIGNATURE_BYTES HM_MLDSA87_SIGNATURE_BYTES

#define HM_MLDSA_SEED_BYTES        32 /* xi, the key-generation seed */
#define HM_MLDSA_RND_BYTES         32 /* rnd, the per-signature randomness */
#define HM_MLDSA_MU_BYTES          64 /* mu, the message representative */
#define HM_MLDSA_MAX_CTX_BYTES     255
#define HM_MLDSA_MAX_PREHASH_BYTES 64

/* Sizes for a parameter set; 0 for an unknown one. */
size_t hm_mldsa_publickey_bytes(enum hm_mldsa_param param);
size_t hm_mldsa_secretkey_bytes(enum hm_mldsa_param param);
size_t hm_mldsa_signature_bytes(enum hm_mldsa_param param);

/* The pre-hash functions of HashML-DSA (FIPS 204 section 5.4). */
enum hm_mldsa_prehash {
	HM_MLDSA_PH_SHA2_224,
	HM_MLDSA_PH_SHA2_256,
	HM_MLDSA_PH_SHA2_384,
	HM_MLDSA_PH_SHA2_512,
	HM_MLDSA_PH_SHA2_512_224,
	HM_MLDSA_PH_SHA2_512_256,
	HM_MLDSA_PH_SHA3_224,
	HM_MLDSA_PH_SHA3_256,
	HM_MLDSA_PH_SHA3_384,
	HM_MLDSA_PH_SHA3_512,
	HM_MLDSA_PH_SHAKE128, /* 256-bit output */
	HM_MLDSA_PH_SHAKE256, /* 512-bit output */
};

/* Digest length of a pre-hash in bytes (28..64); 0 for an unknown one. */
size_t hm_mldsa_prehash_bytes(enum hm_mldsa_prehash ph);

/*
 * Computes PH(msg) into out, which must hold hm_mldsa_prehash_bytes(ph)
 * bytes (HM_MLDSA_MAX_PREHASH_BYTES always suffices); *outlen receives that
 * length. Returns HM_OK or HM_ERR_INVALID (unknown ph).
 */
int hm_mldsa_prehash_digest(enum hm_mldsa_prehash ph, uint8_t out[HM_MLDSA_MAX_PREHASH_BYTES],
                            size_t *outlen, const void *msg, size_t msglen);

/*
 * ML-DSA.KeyGen_internal (Alg. 6): derives the key pair from the seed xi.
 * pk and sk must hold hm_mldsa_publickey_bytes(param) and
 * hm_mldsa_secretkey_bytes(param) bytes. Returns HM_OK or HM_ERR_INVALID.
 */
int hm_mldsa_keygen_internal(enum hm_mldsa_param param, uint8_t *pk, uint8_t *sk,
                             const uint8_t xi[HM_MLDSA_SEED_BYTES]);

/* ML-DSA.KeyGen (Alg. 1): as above with a fresh xi from the system CSPRNG. */
int hm_mldsa_keygen(enum hm_mldsa_param param, uint8_t *pk, uint8_t *sk)
        __attribute__((warn_unused_result));

/*
 * ML-DSA.Sign (Alg. 2), pure ML-DSA: signs msg under the context string ctx
 * (0..255 bytes; ctx may be NULL when ctxlen is 0). sig must hold
 * hm_mldsa_signature_bytes(param) bytes. rnd is the 32-byte randomness:
 * pass fresh random bytes for the hedged variant (or use
 * hm_mldsa_sign_hedged), or NULL for the deterministic variant (rnd = 0^32).
 * On failure sig is zeroed.
 */
int hm_mldsa_sign(enum hm_mldsa_param param, uint8_t *sig, const uint8_t *sk, size_t sklen,
                  const void *msg, size_t msglen, const void *ctx, size_t ctxlen,
                  const uint8_t rnd[HM_MLDSA_RND_BYTES]);

/* hm_mldsa_sign with rnd drawn from the system CSPRNG (the FIPS 204 default). */
int hm_mldsa_sign_hedged(enum hm_mldsa_param param, uint8_t *sig, const uint8_t *sk, size_t sklen,
                         const void *msg, size_t msglen, const void *ctx, size_t ctxlen)
        __attribute__((warn_unused_result));

/*
 * HashML-DSA.Sign (Alg. 4): signs the digest ph_msg = PH(M) (see
 * hm_mldsa_prehash_digest), which must be hm_mldsa_prehash_bytes(ph) long.
 * Other arguments as hm_mldsa_sign.
 */
int hm_mldsa_sign_prehash(enum hm_mldsa_param param, uint8_t *sig, const uint8_t *sk, size_t sklen,
                          const uint8_t *ph_msg, size_t phlen, enum hm_mldsa_prehash ph,
                          const void *ctx, size_t ctxlen, const uint8_t rnd[HM_MLDSA_RND_BYTES]);

/*
 * ML-DSA.Sign_internal (Alg. 7) on the already formatted message mprime (no
 * domain-separation prefix is added). For protocols and test vectors only.
 */
int hm_mldsa_sign_internal(enum hm_mldsa_param param, uint8_t *sig, const uint8_t *sk, size_t sklen,
                           const void *mprime, size_t mprimelen,
                           const uint8_t rnd[HM_MLDSA_RND_BYTES]);

/*
 * Sign_internal with an externally computed mu = H(tr || M', 64) (FIPS 204
 * section 6.2, "external mu"); see hm_mldsa_mu.
 */
int hm_mldsa_sign_mu(enum hm_mldsa_param param, uint8_t *sig, const uint8_t *sk, size_t sklen,
                     const uint8_t mu[HM_MLDSA_MU_BYTES], const uint8_t rnd[HM_MLDSA_RND_BYTES]);

/*
 * Computes the pure ML-DSA message representative
 * mu = H(H(pk, 64) || 0x00 || ctxlen || ctx || msg, 64) from the public key,
 * as a signer's front end would for external-mu signing. Returns HM_OK,
 * HM_ERR_INVALID or HM_ERR_LENGTH (pklen).
 */
int hm_mldsa_mu(enum hm_mldsa_param param, uint8_t mu[HM_MLDSA_MU_BYTES], const uint8_t *pk,
                size_t pklen, const void *msg, size_t msglen, const void *ctx, size_t ctxlen);

/*
 * ML-DSA.Verify (Alg. 3). Returns HM_OK if sig is a valid signature of msg
 * under pk and ctx, HM_ERR_VERIFY if not; HM_ERR_LENGTH or HM_ERR_INVALID for
 * malformed arguments (never HM_OK).
 */
int hm_mldsa_verify(enum hm_mldsa_param param, const uint8_t *pk, size_t pklen, const void *msg,
                    size_t msglen, const void *ctx, size_t ctxlen, const uint8_t *sig,
                    size_t siglen) __attribute__((warn_unused_result));

/* HashML-DSA.Verify (Alg. 5) of ph_msg = PH(M); codes as hm_mldsa_verify. */
int hm_mldsa_verify_prehash(enum hm_mldsa_param param, const uint8_t *pk, size_t pklen,
                            const uint8_t *ph_msg, size_t phlen, enum hm_mldsa_prehash ph,
                            const void *ctx, size_t ctxlen, const uint8_t *sig, size_t siglen)
        __attribute__((warn_unused_result));

/* ML-DSA.Verify_internal (Alg. 8) on a formatted mprime; codes as hm_mldsa_verify. */
int hm_mldsa_verify_internal(enum hm_mldsa_param param, const uint8_t *pk, size_t pklen,
                             const void *mprime, size_t mprimelen, const uint8_t *sig,
                             size_t siglen) __attribute__((warn_unused_result));

/* Verify_internal with an external mu; codes as hm_mldsa_verify. */
int hm_mldsa_verify_mu(enum hm_mldsa_param param, const uint8_t *pk, size_t pklen,
                       const uint8_t mu[HM_MLDSA_MU_BYTES], const uint8_t *sig, size_t siglen)
        __attribute__((warn_unused_result));

#endif
