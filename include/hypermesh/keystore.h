/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The node identity and its keystore file.
 *
 * A node is identified by its signing key; its node id is SHA-256 of the
 * public key. The keystore file is canonical binary (codec.h):
 *
 *   struct {
 *       opaque magic[4] = "HMKS";
 *       uint16 version = 1;
 *       uint16 algorithm;                 // 1 = Ed25519
 *       opaque public_key<1..2^16-1>;
 *       opaque secret_key<1..2^16-1>;
 *       opaque checksum[32];              // SHA-256 of every byte above
 *   } Keystore;
 *
 * Loading checks the checksum (accidental corruption), that every byte was
 * consumed, and that the public key is the one the secret key derives (a
 * spliced file). The secret key is stored unencrypted, protected by the file
 * mode (0600); passphrase encryption is not supported yet.
 */
#ifndef HYPERMESH_KEYSTORE_H
#define HYPERMESH_KEYSTORE_H

#include <stdint.h>

#include "hypermesh/buf.h"
#include "hypermesh/ed25519.h"
#include "hypermesh/file.h"

#define HM_NODE_ID_LEN       32
#define HM_KEYSTORE_VERSION  1
#define HM_KEYSTORE_MAX_SIZE 65536

enum hm_key_alg {
	HM_KEY_ED25519 = 1,
};

struct hm_identity {
	enum hm_key_alg alg;
	uint8_t pk[HM_ED25519_PK_LEN];
	uint8_t sk[HM_ED25519_SK_LEN];
};

/* "ed25519", or "unknown". */
const char *hm_key_alg_name(enum hm_key_alg alg);

/* A fresh Ed25519 identity. HM_OK or HM_ERR_RANDOM. */
int hm_identity_generate(struct hm_identity *id) __attribute__((warn_unused_result));

/* The node id: SHA-256 of the public key. */
void hm_identity_node_id(const struct hm_identity *id, uint8_t node_id[HM_NODE_ID_LEN]);

/* Wipes the secret key (and everything else). */
void hm_identity_wipe(struct hm_identity *id);

/* Appends the keystore encoding of id to out. HM_ERR_NOMEM, HM_ERR_UNSUPPORTED. */
int hm_keystore_encode(const struct hm_identity *id, struct hm_buf *out);

/*
 * Decodes a keystore. Returns HM_OK; HM_ERR_CORRUPT for a wrong magic, a
 * checksum mismatch or a public key that does not match the secret key;
 * HM_ERR_UNSUPPORTED for an unknown version or algorithm; HM_ERR_TRUNCATED,
 * HM_ERR_TRAILING or HM_ERR_LENGTH for a malformed structure. On failure *id
 * is wiped.
 */
int hm_keystore_decode(const uint8_t *data, size_t len, struct hm_identity *id);

/* Writes id to path atomically with mode 0600 (see hm_file_write_atomic). */
int hm_keystore_save(const char *path, const struct hm_identity *id,
                     enum hm_file_write_flags flags);

/* Reads and decodes path: hm_file_read's and hm_keystore_decode's errors. */
int hm_keystore_load(const char *path, struct hm_identity *id);

#endif
