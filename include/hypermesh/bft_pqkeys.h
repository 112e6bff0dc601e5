/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Validators' persistent post-quantum keys (docs/CONSENSUS.md §2a): each
 * validator's ML-DSA-87 key, generated once at genesis and kept in the node's
 * directory, and the genesis file that lists every validator's PQ public key.
 * The hybrid signature policy signs consensus messages with these keys, and
 * the node hands its key to STOQ and pins each peer validator's key, so the
 * PQ step of a STOQ handshake proves possession of a key the genesis named.
 *
 * Key file (binary, mode 0600): "HMPQ" || uint8 version (1) || uint16 alg
 * (4 = ML-DSA-87) || public key (2592) || secret key (4896).
 *
 * Validators file (text): one line per validator, "INDEX PUBLIC_KEY_HEX",
 * indices 0..n-1 in order; '#' starts a comment line; nothing else.
 */
#ifndef HYPERMESH_BFT_PQKEYS_H
#define HYPERMESH_BFT_PQKEYS_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/bft.h"

#define HM_BFT_PQ_KEY_FILE_LEN (4 + 1 + 2 + HM_BFT_PQ_PK_LEN + HM_BFT_PQ_SK_LEN)

/* A fresh ML-DSA-87 key pair. HM_OK or an hm_sig_keygen error. */
int hm_bft_pq_keygen(uint8_t pk[HM_BFT_PQ_PK_LEN], uint8_t sk[HM_BFT_PQ_SK_LEN])
        __attribute__((warn_unused_result));

/*
 * Writes the key file atomically, never over an existing file. HM_OK,
 * HM_ERR_EXISTS, or an hm_file_write_atomic error.
 */
int hm_bft_pq_key_save(const char *path, const uint8_t pk[HM_BFT_PQ_PK_LEN],
                       const uint8_t sk[HM_BFT_PQ_SK_LEN]);

/*
 * Reads a key file, checking that the secret key signs for the public key.
 * HM_OK; HM_ERR_NOT_FOUND / HM_ERR_PERMISSION / HM_ERR_IO; HM_ERR_CORRUPT (not
 * a key file: magic, version, length, or a key pair that does not match);
 * HM_ERR_UNSUPPORTED (another algorithm). On failure sk is wiped.
 */
int hm_bft_pq_key_load(const char *path, uint8_t pk[HM_BFT_PQ_PK_LEN],
                       uint8_t sk[HM_BFT_PQ_SK_LEN]);

/* Writes the validators file (n keys) atomically; overwrite as the flag says. */
int hm_bft_pq_validators_save(const char *path, uint16_t n, const uint8_t (*pks)[HM_BFT_PQ_PK_LEN],
                              int overwrite);

/*
 * Reads the validators file, which must list exactly n validators. HM_OK;
 * a file error; HM_ERR_INVALID with err set to "LINE: what" (bad index or
 * order, bad hex, wrong key length, wrong count, two validators with one key).
 */
int hm_bft_pq_validators_load(const char *path, uint16_t n, uint8_t (*pks)[HM_BFT_PQ_PK_LEN],
                              char *err, size_t errlen);

/*
 * Pinning validators' PQ keys on a transport (the node's STOQ pq_check): a
 * peer whose node id is a validator's must present that validator's PQ key
 * id; a peer that is no validator (a client) has nothing pinned. Node ids
 * and key ids are 32-byte hashes (STOQ's HM_NODE_ID_LEN, HM_STOQ_PQ_KEY_ID_LEN).
 */
struct hm_bft_pq_pins {
	uint16_t n;
	uint8_t node_id[HM_BFT_MAX_VALIDATORS][32];
	uint8_t key_id[HM_BFT_MAX_VALIDATORS][32];
};

/*
 * HM_OK (not a validator, or its pinned key), HM_ERR_VERIFY (a validator
 * presenting another key); *who (may be NULL) gets the validator index or
 * UINT16_MAX.
 */
int hm_bft_pq_pins_check(const struct hm_bft_pq_pins *pins, const uint8_t node_id[32],
                         const uint8_t key_id[32], uint16_t *who);

#endif
