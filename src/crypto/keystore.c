/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "hypermesh/codec.h"
#include "hypermesh/error.h"
#include "hypermesh/hash.h"
#include "hypermesh/keystore.h"
#include "hypermesh/secure.h"

static const uint8_t keystore_magic[4] = { 'H', 'M', 'K', 'S' };

const char *hm_key_alg_name(enum hm_key_alg alg)
{
	return alg == HM_KEY_ED25519 ? "ed25519" : "unknown";
}

int hm_identity_generate(struct hm_identity *id)
{
	id->alg = HM_KEY_ED25519;
	return hm_ed25519_keygen(id->pk, id->sk);
}

void hm_identity_node_id(const struct hm_identity *id, uint8_t node_id[HM_NODE_ID_LEN])
{
	hm_sha256(node_id, id->pk, sizeof(id->pk));
}

void hm_identity_wipe(struct hm_identity *id)
{
	hm_wipe(id, sizeof(*id));
}

int hm_keystore_encode(const struct hm_identity *id, struct hm_buf *out)
{
	size_t start = out->len;
	uint8_t *sum;
	int rc;

	if (id->alg != HM_KEY_ED25519)
		return HM_ERR_UNSUPPORTED;
	if ((rc = hm_put_bytes(out, keystore_magic, sizeof(keystore_magic))) != HM_OK ||
	    (rc = hm_put_u16(out, HM_KEYSTORE_VERSION)) != HM_OK ||
	    (rc = hm_put_u16(out, (uint16_t)id->alg)) != HM_OK ||
	    (rc = hm_put_vec(out, 1, 0xffff, id->pk, sizeof(id->pk))) != HM_OK ||
	    (rc = hm_put_vec(out, 1, 0xffff, id->sk, sizeof(id->sk))) != HM_OK ||
	    (rc = hm_buf_extend(out, HM_SHA256_LEN, &sum)) != HM_OK) {
		hm_buf_truncate(out, start);
		return rc;
	}
	hm_sha256(sum, out->data + start, out->len - start - HM_SHA256_LEN);
	return HM_OK;
}

int hm_keystore_decode(const uint8_t *data, size_t len, struct hm_identity *id)
{
	uint8_t magic[4], sum[HM_SHA256_LEN], derived[HM_ED25519_PK_LEN];
	const uint8_t *pk, *sk, *stored_sum;
	size_t pk_len, sk_len;
	uint16_t version, alg;
	struct hm_reader r;
	int rc;

	memset(id, 0, sizeof(*id));
	hm_reader_init(&r, data, len);
	if ((rc = hm_get_bytes(&r, magic, sizeof(magic))) != HM_OK)
		return rc;
	if (memcmp(magic, keystore_magic, sizeof(magic)) != 0)
		return HM_ERR_CORRUPT;
	/* The checksum covers everything, so check it before trusting any field. */
	if (len < sizeof(magic) + HM_SHA256_LEN)
		return HM_ERR_TRUNCATED;
	hm_sha256(sum, data, len - HM_SHA256_LEN);
	if (!hm_ct_equal(sum, data + len - HM_SHA256_LEN, HM_SHA256_LEN))
		return HM_ERR_CORRUPT;

	if ((rc = hm_get_u16(&r, &version)) != HM_OK || (rc = hm_get_u16(&r, &alg)) != HM_OK)
		return rc;
	if (version != HM_KEYSTORE_VERSION || alg != HM_KEY_ED25519)
		return HM_ERR_UNSUPPORTED;
	if ((rc = hm_get_vec(&r, 1, 0xffff, &pk, &pk_len)) != HM_OK ||
	    (rc = hm_get_vec(&r, 1, 0xffff, &sk, &sk_len)) != HM_OK ||
	    (rc = hm_get_view(&r, HM_SHA256_LEN, &stored_sum)) != HM_OK ||
	    (rc = hm_reader_finish(&r)) != HM_OK)
		return rc;
	if (pk_len != sizeof(id->pk) || sk_len != sizeof(id->sk))
		return HM_ERR_LENGTH;

	hm_ed25519_public_key(derived, sk);
	if (!hm_ct_equal(derived, pk, sizeof(derived)))
		return HM_ERR_CORRUPT;
	id->alg = HM_KEY_ED25519;
	memcpy(id->pk, pk, sizeof(id->pk));
	memcpy(id->sk, sk, sizeof(id->sk));
	return HM_OK;
}

int hm_keystore_save(const char *path, const struct hm_identity *id, enum hm_file_write_flags flags)
{
	struct hm_buf enc;
	int rc;

	hm_buf_init(&enc);
	rc = hm_keystore_encode(id, &enc);
	if (rc == HM_OK)
		rc = hm_file_write_atomic(path, enc.data, enc.len, 0600, flags);
	hm_buf_free(&enc); /* wipes the encoded secret key */
	return rc;
}

int hm_keystore_load(const char *path, struct hm_identity *id)
{
	struct hm_buf raw;
	int rc;

	hm_buf_init(&raw);
	rc = hm_file_read(path, HM_KEYSTORE_MAX_SIZE, &raw);
	if (rc == HM_OK)
		rc = hm_keystore_decode(raw.data, raw.len, id);
	hm_buf_free(&raw);
	return rc;
}
