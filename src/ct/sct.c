/* SPDX-License-Identifier: Apache-2.0 */
/* Signed certificate timestamps and Merkle tree leaves (RFC 6962 §3.2, §3.4). */
#include <string.h>

#include "ct_internal.h"
#include "hypermesh/ct.h"
#include "hypermesh/error.h"

static int check_entry(const struct hm_ct_entry *e)
{
	if (e == NULL || (e->type != HM_CT_X509_ENTRY && e->type != HM_CT_PRECERT_ENTRY) ||
	    e->data == NULL)
		return HM_ERR_INVALID;
	if (e->len < 1 || e->len > HM_CT_ENTRY_MAX)
		return HM_ERR_LENGTH;
	return HM_OK;
}

static int check_ext(const uint8_t *ext, size_t len)
{
	if (ext == NULL && len != 0)
		return HM_ERR_INVALID;
	return len > HM_CT_EXT_MAX ? HM_ERR_LENGTH : HM_OK;
}

/* entry_type, then signed_entry (ASN.1Cert, or PreCert). */
static int put_entry(struct hm_buf *b, const struct hm_ct_entry *e)
{
	int rc = hm_put_u16(b, (uint16_t)e->type);

	if (rc == HM_OK && e->type == HM_CT_PRECERT_ENTRY)
		rc = hm_put_bytes(b, e->issuer_key_hash, sizeof(e->issuer_key_hash));
	if (rc == HM_OK)
		rc = hm_put_vec(b, 1, HM_CT_ENTRY_MAX, e->data, e->len);
	return rc;
}

/* RFC 6962 §3.2: the digitally-signed struct of an SCT. */
static int sct_signed_data(const struct hm_ct_sct *sct, const struct hm_ct_entry *e,
                           struct hm_buf *b)
{
	int rc = hm_put_u8(b, sct->version);

	if (rc == HM_OK)
		rc = hm_put_u8(b, 0); /* SignatureType certificate_timestamp */
	if (rc == HM_OK)
		rc = hm_put_u64(b, sct->timestamp);
	if (rc == HM_OK)
		rc = put_entry(b, e);
	if (rc == HM_OK)
		rc = hm_put_vec(b, 0, HM_CT_EXT_MAX, sct->extensions, sct->extensions_len);
	return rc;
}

int hm_ct_sct_sign(struct hm_ct_sct *sct, const struct hm_ct_entry *entry, enum hm_sig_alg alg,
                   const uint8_t *pk, size_t pk_len, const uint8_t *sk, size_t sk_len)
{
	struct hm_buf msg;
	int rc;

	sct->sig_len = 0;
	rc = check_entry(entry);
	if (rc == HM_OK)
		rc = check_ext(sct->extensions, sct->extensions_len);
	if (rc != HM_OK)
		return rc;
	sct->version = 0;
	hm_ct_log_id(sct->log_id, pk, pk_len);
	hm_buf_init(&msg);
	rc = sct_signed_data(sct, entry, &msg);
	if (rc == HM_OK)
		rc = ct_sign(alg, sk, sk_len, &msg, &sct->sig_scheme, sct->sig, &sct->sig_len);
	hm_buf_free(&msg);
	return rc;
}

int hm_ct_sct_verify(const struct hm_ct_sct *sct, const struct hm_ct_entry *entry,
                     enum hm_sig_alg alg, const uint8_t *pk, size_t pk_len)
{
	uint8_t id[HM_CT_LOG_ID_LEN];
	struct hm_buf msg;
	int rc;

	rc = check_entry(entry);
	if (rc == HM_OK)
		rc = check_ext(sct->extensions, sct->extensions_len);
	if (rc != HM_OK)
		return rc;
	hm_ct_log_id(id, pk, pk_len);
	if (sct->version != 0 || memcmp(id, sct->log_id, sizeof(id)) != 0)
		return HM_ERR_VERIFY;
	hm_buf_init(&msg);
	rc = sct_signed_data(sct, entry, &msg);
	if (rc == HM_OK)
		rc = ct_verify(alg, pk, pk_len, &msg, sct->sig_scheme, sct->sig, sct->sig_len);
	hm_buf_free(&msg);
	return rc;
}

int hm_ct_sct_encode(const struct hm_ct_sct *sct, struct hm_buf *out)
{
	size_t mark = out->len;
	int rc = check_ext(sct->extensions, sct->extensions_len);

	if (rc == HM_OK)
		rc = hm_put_u8(out, sct->version);
	if (rc == HM_OK)
		rc = hm_put_bytes(out, sct->log_id, sizeof(sct->log_id));
	if (rc == HM_OK)
		rc = hm_put_u64(out, sct->timestamp);
	if (rc == HM_OK)
		rc = hm_put_vec(out, 0, HM_CT_EXT_MAX, sct->extensions, sct->extensions_len);
	if (rc == HM_OK)
		rc = ct_put_signature(out, sct->sig_scheme, sct->sig, sct->sig_len);
	if (rc != HM_OK)
		(void)hm_buf_truncate(out, mark);
	return rc;
}

int hm_ct_sct_decode(struct hm_ct_sct *sct, const uint8_t *in, size_t len)
{
	struct hm_reader r;
	int rc;

	memset(sct, 0, sizeof(*sct));
	hm_reader_init(&r, in, len);
	rc = hm_get_u8(&r, &sct->version);
	if (rc == HM_OK && sct->version != 0)
		rc = HM_ERR_UNSUPPORTED;
	if (rc == HM_OK)
		rc = hm_get_bytes(&r, sct->log_id, sizeof(sct->log_id));
	if (rc == HM_OK)
		rc = hm_get_u64(&r, &sct->timestamp);
	if (rc == HM_OK)
		rc = hm_get_vec(&r, 0, HM_CT_EXT_MAX, &sct->extensions, &sct->extensions_len);
	if (rc == HM_OK)
		rc = ct_get_signature(&r, &sct->sig_scheme, sct->sig, &sct->sig_len);
	if (rc == HM_OK)
		rc = hm_reader_finish(&r);
	if (rc != HM_OK)
		memset(sct, 0, sizeof(*sct));
	return rc;
}

int hm_ct_merkle_leaf_encode(uint64_t timestamp, const struct hm_ct_entry *entry,
                             const uint8_t *extensions, size_t extensions_len, struct hm_buf *out)
{
	size_t mark = out->len;
	int rc = check_entry(entry);

	if (rc == HM_OK)
		rc = check_ext(extensions, extensions_len);
	if (rc != HM_OK)
		return rc;
	rc = hm_put_u8(out, 0); /* Version v1 */
	if (rc == HM_OK)
		rc = hm_put_u8(out, 0); /* MerkleLeafType timestamped_entry */
	if (rc == HM_OK)
		rc = hm_put_u64(out, timestamp);
	if (rc == HM_OK)
		rc = put_entry(out, entry);
	if (rc == HM_OK)
		rc = hm_put_vec(out, 0, HM_CT_EXT_MAX, extensions, extensions_len);
	if (rc != HM_OK)
		(void)hm_buf_truncate(out, mark);
	return rc;
}
