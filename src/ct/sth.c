/* SPDX-License-Identifier: Apache-2.0 */
/* Signed tree heads (RFC 6962 §3.5) in the canonical encoding (ct.h). */
#include <string.h>

#include "ct_internal.h"
#include "hypermesh/ct.h"
#include "hypermesh/error.h"

/* RFC 6962 §3.5 TreeHeadSignature: what the log signs. */
static int sth_signed_data(const struct hm_ct_sth *sth, struct hm_buf *b)
{
	int rc = hm_put_u8(b, 0); /* Version v1 */

	if (rc == HM_OK)
		rc = hm_put_u8(b, 1); /* SignatureType tree_hash */
	if (rc == HM_OK)
		rc = hm_put_u64(b, sth->timestamp);
	if (rc == HM_OK)
		rc = hm_put_u64(b, sth->tree_size);
	if (rc == HM_OK)
		rc = hm_put_bytes(b, sth->root_hash, sizeof(sth->root_hash));
	return rc;
}

int hm_ct_sth_sign(struct hm_ct_sth *sth, enum hm_sig_alg alg, const uint8_t *sk, size_t sk_len)
{
	struct hm_buf msg;
	int rc;

	sth->sig_len = 0;
	hm_buf_init(&msg);
	rc = sth_signed_data(sth, &msg);
	if (rc == HM_OK)
		rc = ct_sign(alg, sk, sk_len, &msg, &sth->sig_scheme, sth->sig, &sth->sig_len);
	hm_buf_free(&msg);
	return rc;
}

int hm_ct_sth_verify(const struct hm_ct_sth *sth, enum hm_sig_alg alg, const uint8_t *pk,
                     size_t pk_len)
{
	struct hm_buf msg;
	int rc;

	hm_buf_init(&msg);
	rc = sth_signed_data(sth, &msg);
	if (rc == HM_OK)
		rc = ct_verify(alg, pk, pk_len, &msg, sth->sig_scheme, sth->sig, sth->sig_len);
	hm_buf_free(&msg);
	return rc;
}

int hm_ct_sth_encode(const struct hm_ct_sth *sth, struct hm_buf *out)
{
	size_t mark = out->len;
	int rc = hm_put_u64(out, sth->tree_size);

	if (rc == HM_OK)
		rc = hm_put_u64(out, sth->timestamp);
	if (rc == HM_OK)
		rc = hm_put_bytes(out, sth->root_hash, sizeof(sth->root_hash));
	if (rc == HM_OK)
		rc = ct_put_signature(out, sth->sig_scheme, sth->sig, sth->sig_len);
	if (rc != HM_OK)
		(void)hm_buf_truncate(out, mark);
	return rc;
}

int hm_ct_sth_decode(struct hm_ct_sth *sth, const uint8_t *in, size_t len)
{
	struct hm_reader r;
	int rc;

	memset(sth, 0, sizeof(*sth));
	hm_reader_init(&r, in, len);
	rc = hm_get_u64(&r, &sth->tree_size);
	if (rc == HM_OK)
		rc = hm_get_u64(&r, &sth->timestamp);
	if (rc == HM_OK)
		rc = hm_get_bytes(&r, sth->root_hash, sizeof(sth->root_hash));
	if (rc == HM_OK)
		rc = ct_get_signature(&r, &sth->sig_scheme, sth->sig, &sth->sig_len);
	if (rc == HM_OK)
		rc = hm_reader_finish(&r);
	if (rc != HM_OK)
		memset(sth, 0, sizeof(*sth));
	return rc;
}
