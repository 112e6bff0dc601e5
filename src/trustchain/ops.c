/* SPDX-License-Identifier: Apache-2.0 */
/* TrustChain operation payloads in the canonical codec (codec.h). */
#include <string.h>

#include "der.h"
#include "hypermesh/codec.h"
#include "hypermesh/error.h"
#include "hypermesh/trustchain_state.h"

#define OP_VERSION 1

static int put_head(struct hm_buf *out, const uint8_t actor[HM_TC_KEY_ID_LEN])
{
	int rc = hm_put_u8(out, OP_VERSION);
	return rc == HM_OK ? hm_put_bytes(out, actor, HM_TC_KEY_ID_LEN) : rc;
}

static int get_head(struct hm_reader *r, uint8_t actor[HM_TC_KEY_ID_LEN])
{
	uint8_t v;
	int rc;

	if ((rc = hm_get_u8(r, &v)) != HM_OK)
		return rc;
	if (v != OP_VERSION)
		return HM_ERR_INVALID;
	return hm_get_bytes(r, actor, HM_TC_KEY_ID_LEN);
}

/* Encoders roll back on failure so out stays as it was. */
#define ENCODE_END(rc, out, old)            \
	do {                                \
		if ((rc) != HM_OK)          \
			(out)->len = (old); \
		return (rc);                \
	} while (0)

int hm_tc_issue_op_encode(const struct hm_tc_issue_op *op, struct hm_buf *out)
{
	size_t old = out->len;
	int rc;

	if (hm_tc_profile_validity(op->profile) == 0)
		return HM_ERR_INVALID;
	if ((rc = put_head(out, op->actor)) == HM_OK &&
	    (rc = hm_put_u8(out, (uint8_t)op->profile)) == HM_OK &&
	    (rc = hm_put_u64(out, op->not_before)) == HM_OK &&
	    (rc = hm_put_vec(out, 1, 0xffff, op->csr, op->csr_len)) == HM_OK)
		rc = hm_put_vec(out, 1, 0xffffff, op->cert, op->cert_len);
	ENCODE_END(rc, out, old);
}

int hm_tc_issue_op_decode(struct hm_tc_issue_op *op, const uint8_t *in, size_t len)
{
	struct hm_reader r;
	uint8_t profile;
	int rc;

	hm_reader_init(&r, in, len);
	if ((rc = get_head(&r, op->actor)) != HM_OK || (rc = hm_get_u8(&r, &profile)) != HM_OK ||
	    (rc = hm_get_u64(&r, &op->not_before)) != HM_OK ||
	    (rc = hm_get_vec(&r, 1, 0xffff, &op->csr, &op->csr_len)) != HM_OK ||
	    (rc = hm_get_vec(&r, 1, 0xffffff, &op->cert, &op->cert_len)) != HM_OK ||
	    (rc = hm_reader_finish(&r)) != HM_OK)
		return rc;
	op->profile = (enum hm_tc_profile)profile;
	if (hm_tc_profile_validity(op->profile) == 0)
		return HM_ERR_INVALID;
	if (op->csr_len > HM_TC_CSR_MAX || op->cert_len > HM_TC_CERT_MAX)
		return HM_ERR_LENGTH;
	return HM_OK;
}

int hm_tc_issue_op_check(const uint8_t *payload, size_t len)
{
	struct hm_tc_issue_op op;
	struct der_cert c;
	struct der_elem subject, spki;
	int rc;

	if ((rc = hm_tc_issue_op_decode(&op, payload, len)) != HM_OK)
		return rc;
	if (der_csr_parse(op.csr, op.csr_len, &subject, &spki) != HM_OK ||
	    der_cert_parse(op.cert, op.cert_len, &c) != HM_OK)
		return HM_ERR_INVALID;
	return HM_OK;
}

/* RFC 5280 §5.3.1 CRLReason: 0..10, 7 unused. */
static int reason_ok(uint8_t reason)
{
	return reason <= 10 && reason != 7;
}

int hm_tc_revoke_op_encode(const struct hm_tc_revoke_op *op, struct hm_buf *out)
{
	size_t old = out->len;
	int rc;

	if (!reason_ok(op->reason))
		return HM_ERR_INVALID;
	if ((rc = put_head(out, op->actor)) == HM_OK &&
	    (rc = hm_put_bytes(out, op->serial, HM_TC_SERIAL_LEN)) == HM_OK)
		rc = hm_put_u8(out, op->reason);
	ENCODE_END(rc, out, old);
}

int hm_tc_revoke_op_decode(struct hm_tc_revoke_op *op, const uint8_t *in, size_t len)
{
	struct hm_reader r;
	int rc;

	hm_reader_init(&r, in, len);
	if ((rc = get_head(&r, op->actor)) != HM_OK ||
	    (rc = hm_get_bytes(&r, op->serial, HM_TC_SERIAL_LEN)) != HM_OK ||
	    (rc = hm_get_u8(&r, &op->reason)) != HM_OK || (rc = hm_reader_finish(&r)) != HM_OK)
		return rc;
	return reason_ok(op->reason) ? HM_OK : HM_ERR_INVALID;
}

int hm_tc_apikey_create_op_encode(const struct hm_tc_apikey_op *op, struct hm_buf *out)
{
	size_t old = out->len;
	int rc;

	if (hm_tc_role_name(op->role) == NULL)
		return HM_ERR_INVALID;
	if ((rc = put_head(out, op->actor)) == HM_OK &&
	    (rc = hm_put_bytes(out, op->id, HM_TC_KEY_ID_LEN)) == HM_OK &&
	    (rc = hm_put_bytes(out, op->hash, HM_TC_KEY_HASH_LEN)) == HM_OK &&
	    (rc = hm_put_u8(out, (uint8_t)op->role)) == HM_OK)
		rc = hm_put_vec(out, 0, HM_TC_LABEL_MAX, op->label, op->label_len);
	ENCODE_END(rc, out, old);
}

int hm_tc_apikey_create_op_decode(struct hm_tc_apikey_op *op, const uint8_t *in, size_t len)
{
	struct hm_reader r;
	uint8_t role;
	int rc;

	hm_reader_init(&r, in, len);
	if ((rc = get_head(&r, op->actor)) != HM_OK ||
	    (rc = hm_get_bytes(&r, op->id, HM_TC_KEY_ID_LEN)) != HM_OK ||
	    (rc = hm_get_bytes(&r, op->hash, HM_TC_KEY_HASH_LEN)) != HM_OK ||
	    (rc = hm_get_u8(&r, &role)) != HM_OK ||
	    (rc = hm_get_vec(&r, 0, HM_TC_LABEL_MAX, &op->label, &op->label_len)) != HM_OK ||
	    (rc = hm_reader_finish(&r)) != HM_OK)
		return rc;
	op->role = (enum hm_tc_role)role;
	if (hm_tc_role_name(op->role) == NULL)
		return HM_ERR_INVALID;
	/* the id is the hash's prefix: a record whose id and hash disagree could never match */
	if (memcmp(op->id, op->hash, HM_TC_KEY_ID_LEN) != 0)
		return HM_ERR_INVALID;
	return HM_OK;
}

int hm_tc_apikey_revoke_op_encode(const struct hm_tc_apikey_op *op, struct hm_buf *out)
{
	size_t old = out->len;
	int rc;

	if ((rc = put_head(out, op->actor)) == HM_OK)
		rc = hm_put_bytes(out, op->id, HM_TC_KEY_ID_LEN);
	ENCODE_END(rc, out, old);
}

int hm_tc_apikey_revoke_op_decode(struct hm_tc_apikey_op *op, const uint8_t *in, size_t len)
{
	struct hm_reader r;
	int rc;

	memset(op, 0, sizeof(*op));
	hm_reader_init(&r, in, len);
	if ((rc = get_head(&r, op->actor)) != HM_OK ||
	    (rc = hm_get_bytes(&r, op->id, HM_TC_KEY_ID_LEN)) != HM_OK ||
	    (rc = hm_reader_finish(&r)) != HM_OK)
		return rc;
	return HM_OK;
}
