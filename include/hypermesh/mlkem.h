/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ML-KEM (FIPS 203), the module-lattice key-encapsulation mechanism, in its
 * three parameter sets, written from the standard.
 *
 * Keys and ciphertexts are the byte strings of FIPS 203: the encapsulation key
 * ek, the (expanded) decapsulation key dk = dk_pke || ek || H(ek) || z, and the
 * ciphertext c. Every output buffer is caller-owned and must hold exactly the
 * size given by the macros below (or hm_mlkem_*_len()) for the parameter set.
 * No heap is used; the deepest call needs about 10 KiB of stack.
 *
 * Key generation and decapsulation run in time independent of the secret
 * values (no secret-dependent branches or memory indices), and every secret
 * temporary is wiped before return. Decapsulation uses implicit rejection: a
 * ciphertext that does not re-encrypt to itself yields the pseudorandom key
 * J(z || c) instead of an error, chosen without a branch.
 *
 * Every int-returning function returns HM_OK or a negative code from
 * hypermesh/error.h; an unknown parameter set is always HM_ERR_INVALID.
 */
#ifndef HYPERMESH_MLKEM_H
#define HYPERMESH_MLKEM_H

#include <stddef.h>
#include <stdint.h>

enum hm_mlkem_param {
	HM_MLKEM_512 = 512,   /* k = 2, NIST security category 1 */
	HM_MLKEM_768 = 768,   /* k = 3, category 3 */
	HM_MLKEM_1024 = 1024, /* k = 4, category 5 */
};

/* Randomness inputs d, z, m and the shared secret K are 32 bytes in every set. */
#define HM_MLKEM_SEED_LEN         32
#define HM_MLKEM_SHARED_LEN       32
/* The compact private key d || z (FIPS 203 §7.1's seed form). */
#define HM_MLKEM_KEYPAIR_SEED_LEN 64

#define HM_MLKEM512_EK_LEN 800
#define HM_MLKEM512_DK_LEN 1632
#define HM_MLKEM512_CT_LEN 768

#define HM_MLKEM768_EK_LEN 1184
#define HM_MLKEM768_DK_LEN 2400
#define HM_MLKEM768_CT_LEN 1088

#define HM_MLKEM1024_EK_LEN 1568
#define HM_MLKEM1024_DK_LEN 3168
#define HM_MLKEM1024_CT_LEN 1568

/* Buffers of these sizes fit any parameter set. */
#define HM_MLKEM_EK_MAX HM_MLKEM1024_EK_LEN
#define HM_MLKEM_DK_MAX HM_MLKEM1024_DK_LEN
#define HM_MLKEM_CT_MAX HM_MLKEM1024_CT_LEN

/* Sizes in bytes for param; 0 if param is not a parameter set. */
size_t hm_mlkem_ek_len(enum hm_mlkem_param param);
size_t hm_mlkem_dk_len(enum hm_mlkem_param param);
size_t hm_mlkem_ct_len(enum hm_mlkem_param param);

/*
 * ML-KEM.KeyGen_internal (FIPS 203 Alg. 16): the key pair determined by the
 * seeds d and z. ek and dk must hold hm_mlkem_ek_len(param) and
 * hm_mlkem_dk_len(param) bytes. Returns HM_OK or HM_ERR_INVALID.
 */
int hm_mlkem_keygen_internal(enum hm_mlkem_param param, uint8_t *ek, uint8_t *dk,
                             const uint8_t d[HM_MLKEM_SEED_LEN],
                             const uint8_t z[HM_MLKEM_SEED_LEN]);

/*
 * The same from a seed given as a length-checked byte string d || z (the form
 * in which a private key is usually stored). Returns HM_OK, HM_ERR_INVALID, or
 * HM_ERR_LENGTH if seed_len is not HM_MLKEM_KEYPAIR_SEED_LEN.
 */
int hm_mlkem_keygen_seed(enum hm_mlkem_param param, uint8_t *ek, uint8_t *dk, const uint8_t *seed,
                         size_t seed_len);

/*
 * ML-KEM.KeyGen (Alg. 19) with d and z from the system CSPRNG. Returns HM_OK,
 * HM_ERR_INVALID, or HM_ERR_RANDOM (ek and dk are then left untouched).
 */
int hm_mlkem_keygen(enum hm_mlkem_param param, uint8_t *ek, uint8_t *dk)
        __attribute__((warn_unused_result));

/*
 * The §7.2 input check on an encapsulation key: ek_len must be
 * hm_mlkem_ek_len(param) (else HM_ERR_LENGTH) and every 12-bit coefficient
 * of ek must be below q = 3329 (else HM_ERR_RANGE). HM_ERR_INVALID for an
 * unknown param.
 */
int hm_mlkem_check_ek(enum hm_mlkem_param param, const uint8_t *ek, size_t ek_len)
        __attribute__((warn_unused_result));

/*
 * The §7.3 input check on a decapsulation key: dk_len must be
 * hm_mlkem_dk_len(param) (else HM_ERR_LENGTH) and the stored hash h must equal
 * SHA3-256 of the embedded ek (else HM_ERR_CORRUPT). HM_ERR_INVALID for an
 * unknown param.
 */
int hm_mlkem_check_dk(enum hm_mlkem_param param, const uint8_t *dk, size_t dk_len)
        __attribute__((warn_unused_result));

/*
 * ML-KEM.Encaps_internal (Alg. 17) with the randomness m: writes the
 * ciphertext c (hm_mlkem_ct_len(param) bytes) and the shared secret k. ek is
 * checked first as by hm_mlkem_check_ek(). Returns HM_OK, HM_ERR_INVALID,
 * HM_ERR_LENGTH or HM_ERR_RANGE; on failure k is zeroed and c is unspecified.
 */
int hm_mlkem_encaps_internal(enum hm_mlkem_param param, uint8_t *c, uint8_t k[HM_MLKEM_SHARED_LEN],
                             const uint8_t *ek, size_t ek_len, const uint8_t m[HM_MLKEM_SEED_LEN])
        __attribute__((warn_unused_result));

/*
 * ML-KEM.Encaps (Alg. 20): as hm_mlkem_encaps_internal() with m from the
 * system CSPRNG; may also return HM_ERR_RANDOM.
 */
int hm_mlkem_encaps(enum hm_mlkem_param param, uint8_t *c, uint8_t k[HM_MLKEM_SHARED_LEN],
                    const uint8_t *ek, size_t ek_len) __attribute__((warn_unused_result));

/*
 * ML-KEM.Decaps (Alg. 21): the shared secret k for ciphertext c under dk.
 * Checks c_len (HM_ERR_LENGTH) and dk as by hm_mlkem_check_dk()
 * (HM_ERR_LENGTH, HM_ERR_CORRUPT). A well-formed but wrong ciphertext is not
 * an error: it yields HM_OK and the implicit-rejection key J(z || c), which is
 * unrelated to the sender's key. On failure k is zeroed.
 */
int hm_mlkem_decaps(enum hm_mlkem_param param, uint8_t k[HM_MLKEM_SHARED_LEN], const uint8_t *dk,
                    size_t dk_len, const uint8_t *c, size_t c_len)
        __attribute__((warn_unused_result));

#endif
