/* SPDX-License-Identifier: Apache-2.0 */
/* RPC frames: encoding and the pure decoder (see stoq.h for the layout). */
#include <string.h>

#include "hypermesh/codec.h"
#include "hypermesh/error.h"
#include "hypermesh/stoq.h"

#define BODY_VEC_MAX HM_CODEC_VEC_MAX

static int frame_type_valid(uint8_t t)
{
	return t >= HM_STOQ_FRAME_REQUEST && t <= HM_STOQ_FRAME_ONEWAY;
}

int hm_stoq_frame_encode(const struct hm_stoq_frame *f, struct hm_buf *out)
{
	size_t start = out->len;
	struct hm_vec_mark frame;
	int rc;

	if (f->type < HM_STOQ_FRAME_REQUEST || f->type > HM_STOQ_FRAME_ONEWAY)
		return HM_ERR_INVALID;
	if (f->service_len < 1 || f->service_len > HM_STOQ_NAME_MAX || f->method_len < 1 ||
	    f->method_len > HM_STOQ_NAME_MAX)
		return HM_ERR_LENGTH;
	if (f->body_len > HM_STOQ_RPC_MAX_BODY)
		return HM_ERR_TOO_LARGE;
	/* The length field is a <0..2^32-1> vector around the rest of the frame. */
	rc = hm_put_vec_begin(out, 0, HM_CODEC_VEC_MAX, &frame);
	if (rc == HM_OK)
		rc = hm_put_u8(out, (uint8_t)f->type);
	if (rc == HM_OK)
		rc = hm_put_vec(out, 1, HM_STOQ_NAME_MAX, f->service, f->service_len);
	if (rc == HM_OK)
		rc = hm_put_vec(out, 1, HM_STOQ_NAME_MAX, f->method, f->method_len);
	if (rc == HM_OK)
		rc = hm_put_u64(out, f->request_id);
	if (rc == HM_OK)
		rc = hm_put_u32(out, f->deadline_ms);
	if (rc == HM_OK)
		rc = hm_put_vec(out, 0, BODY_VEC_MAX, f->body, f->body_len);
	if (rc == HM_OK)
		rc = hm_put_vec_end(out, &frame);
	if (rc != HM_OK)
		(void)hm_buf_truncate(out, start);
	return rc;
}

int hm_stoq_frame_decode(const uint8_t *data, size_t len, size_t max_body, struct hm_stoq_frame *f,
                         size_t *consumed)
{
	struct hm_reader r, sub;
	struct hm_stoq_frame tmp;
	uint32_t flen;
	uint8_t type;
	int rc;

	if (max_body > HM_STOQ_RPC_MAX_BODY)
		max_body = HM_STOQ_RPC_MAX_BODY;
	hm_reader_init(&r, data, len);
	rc = hm_get_u32(&r, &flen);
	if (rc != HM_OK)
		return rc;
	/* Refuse an oversized frame from its header, before buffering its bytes. */
	if ((uint64_t)flen > (uint64_t)max_body + HM_STOQ_FRAME_OVERHEAD)
		return HM_ERR_TOO_LARGE;
	hm_reader_init(&r, data, len);
	rc = hm_get_vec_reader(&r, 0, HM_CODEC_VEC_MAX, &sub);
	if (rc != HM_OK)
		return rc;
	memset(&tmp, 0, sizeof(tmp));
	rc = hm_get_u8(&sub, &type);
	if (rc == HM_OK && !frame_type_valid(type))
		rc = HM_ERR_INVALID;
	if (rc == HM_OK)
		rc = hm_get_vec(&sub, 1, HM_STOQ_NAME_MAX, &tmp.service, &tmp.service_len);
	if (rc == HM_OK)
		rc = hm_get_vec(&sub, 1, HM_STOQ_NAME_MAX, &tmp.method, &tmp.method_len);
	if (rc == HM_OK)
		rc = hm_get_u64(&sub, &tmp.request_id);
	if (rc == HM_OK)
		rc = hm_get_u32(&sub, &tmp.deadline_ms);
	if (rc == HM_OK)
		rc = hm_get_vec(&sub, 0, BODY_VEC_MAX, &tmp.body, &tmp.body_len);
	if (rc == HM_OK && tmp.body_len > max_body)
		rc = HM_ERR_TOO_LARGE;
	if (rc == HM_OK)
		rc = hm_reader_finish(&sub);
	/* Inside a complete outer length, running short means the frame lies. */
	if (rc == HM_ERR_TRUNCATED)
		rc = HM_ERR_LENGTH;
	if (rc != HM_OK)
		return rc;
	tmp.type = (enum hm_stoq_frame_type)type;
	*f = tmp;
	*consumed = r.pos;
	return HM_OK;
}

int hm_stoq_frame_decode_header(const uint8_t *data, size_t len, struct hm_stoq_frame *f,
                                size_t *header_len)
{
	struct hm_reader r;
	struct hm_stoq_frame tmp;
	uint32_t flen, blen;
	uint8_t type;
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	hm_reader_init(&r, data, len);
	rc = hm_get_u32(&r, &flen);
	if (rc == HM_OK)
		rc = hm_get_u8(&r, &type);
	if (rc == HM_OK && !frame_type_valid(type))
		rc = HM_ERR_INVALID;
	if (rc == HM_OK)
		rc = hm_get_vec(&r, 1, HM_STOQ_NAME_MAX, &tmp.service, &tmp.service_len);
	if (rc == HM_OK)
		rc = hm_get_vec(&r, 1, HM_STOQ_NAME_MAX, &tmp.method, &tmp.method_len);
	if (rc == HM_OK)
		rc = hm_get_u64(&r, &tmp.request_id);
	if (rc == HM_OK)
		rc = hm_get_u32(&r, &tmp.deadline_ms);
	if (rc == HM_OK)
		rc = hm_get_u32(&r, &blen);
	if (rc != HM_OK)
		return rc;
	/* The outer length must be exactly the header plus the declared body. */
	if ((uint64_t)flen != (uint64_t)(r.pos - 4) + blen)
		return HM_ERR_LENGTH;
	tmp.type = (enum hm_stoq_frame_type)type;
	tmp.body_len = blen;
	*f = tmp;
	*header_len = r.pos;
	return HM_OK;
}

int hm_stoq_error_body_encode(int code, const char *msg, struct hm_buf *out)
{
	size_t start = out->len, mlen = msg != NULL ? strlen(msg) : 0;
	int rc;

	if (code >= 0)
		return HM_ERR_INVALID;
	if (mlen > HM_STOQ_ERRMSG_MAX)
		return HM_ERR_LENGTH;
	rc = hm_put_u32(out, (uint32_t)code);
	if (rc == HM_OK)
		rc = hm_put_vec(out, 0, HM_STOQ_ERRMSG_MAX, msg, mlen);
	if (rc != HM_OK)
		(void)hm_buf_truncate(out, start);
	return rc;
}

int hm_stoq_error_body_decode(const uint8_t *body, size_t len, int *code, const uint8_t **msg,
                              size_t *msg_len)
{
	struct hm_reader r;
	const uint8_t *m;
	uint32_t raw;
	size_t mlen;
	int32_t c;
	int rc;

	hm_reader_init(&r, body, len);
	rc = hm_get_u32(&r, &raw);
	if (rc == HM_OK)
		rc = hm_get_vec(&r, 0, HM_STOQ_ERRMSG_MAX, &m, &mlen);
	if (rc == HM_OK)
		rc = hm_reader_finish(&r);
	if (rc != HM_OK)
		return rc;
	/* Two's complement by hand: converting an out-of-range uint32 to int32 is
	 * implementation-defined. */
	c = raw <= INT32_MAX ? (int32_t)raw : (int32_t)(raw - UINT32_C(0x80000000)) + INT32_MIN;
	if (c >= 0)
		return HM_ERR_INVALID;
	*code = c;
	*msg = m;
	*msg_len = mlen;
	return HM_OK;
}
