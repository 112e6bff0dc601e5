/* SPDX-License-Identifier: Apache-2.0 */
/* STOQ RPC frames: exact encodings, round trips and every refusal of the decoder. */
#include <string.h>

#include "hypermesh/buf.h"
#include "hypermesh/stoq.h"
#include "test.h"

static void sample(struct hm_stoq_frame *f, const void *body, size_t len)
{
	memset(f, 0, sizeof(*f));
	f->type = HM_STOQ_FRAME_REQUEST;
	f->service = (const uint8_t *)"svc";
	f->service_len = 3;
	f->method = (const uint8_t *)"m";
	f->method_len = 1;
	f->request_id = 0x0102030405060708u;
	f->deadline_ms = 500;
	f->body = body;
	f->body_len = len;
}

static void test_exact_encoding(void)
{
	/* clang-format off */
	static const uint8_t want[] = {
		0, 0, 0, 25,            /* length of the rest */
		1,                      /* REQUEST */
		3, 's', 'v', 'c',       /* service<1..64> */
		1, 'm',                 /* method<1..64> */
		1, 2, 3, 4, 5, 6, 7, 8, /* request id */
		0, 0, 0x01, 0xf4,       /* deadline 500 ms */
		0, 0, 0, 2, 'h', 'i',   /* body<0..2^32-1> */
	};
	/* clang-format on */
	struct hm_stoq_frame f, g;
	struct hm_buf b;
	size_t used;

	sample(&f, "hi", 2);
	hm_buf_init(&b);
	CHECK_ERR(hm_stoq_frame_encode(&f, &b), HM_OK);
	CHECK_EQ(b.len, sizeof(want));
	CHECK_MEM(b.data, want, sizeof(want));
	CHECK_ERR(hm_stoq_frame_decode(b.data, b.len, 100, &g, &used), HM_OK);
	CHECK_EQ(used, b.len);
	CHECK_EQ(g.type, HM_STOQ_FRAME_REQUEST);
	CHECK_EQ(g.request_id, f.request_id);
	CHECK_EQ(g.deadline_ms, 500);
	CHECK_EQ(g.body_len, 2);
	CHECK_MEM(g.body, "hi", 2);
	CHECK_EQ(g.service_len, 3);
	CHECK_MEM(g.service, "svc", 3);
	CHECK_EQ(g.method_len, 1);
	/* Bytes after the frame are the caller's: consumed says where it ended. */
	CHECK_ERR(hm_buf_append(&b, "xyz", 3), HM_OK);
	CHECK_ERR(hm_stoq_frame_decode(b.data, b.len, 100, &g, &used), HM_OK);
	CHECK_EQ(used, sizeof(want));
	/* The header alone. */
	CHECK_ERR(hm_stoq_frame_decode_header(b.data, 26, &g, &used), HM_ERR_TRUNCATED);
	CHECK_ERR(hm_stoq_frame_decode_header(b.data, 27, &g, &used), HM_OK);
	CHECK_EQ(used, 27);
	CHECK(g.body == NULL);
	CHECK_EQ(g.body_len, 2);
	hm_buf_free(&b);
}

static void test_truncation_everywhere(void)
{
	struct hm_stoq_frame f, g;
	struct hm_buf b;
	size_t i, used = 99;

	sample(&f, "body", 4);
	hm_buf_init(&b);
	CHECK_ERR(hm_stoq_frame_encode(&f, &b), HM_OK);
	for (i = 0; i < b.len; i++)
		CHECK_ERR(hm_stoq_frame_decode(b.data, i, 100, &g, &used), HM_ERR_TRUNCATED);
	CHECK_EQ(used, 99); /* untouched on failure */
	hm_buf_free(&b);
}

static void test_malformed(void)
{
	struct hm_stoq_frame f, g;
	struct hm_buf b;
	uint8_t copy[64];
	size_t used;

	sample(&f, "body", 4);
	hm_buf_init(&b);
	CHECK_ERR(hm_stoq_frame_encode(&f, &b), HM_OK);
	CHECK(b.len <= sizeof(copy));
	/* Unknown types. */
	memcpy(copy, b.data, b.len);
	copy[4] = 0;
	CHECK_ERR(hm_stoq_frame_decode(copy, b.len, 100, &g, &used), HM_ERR_INVALID);
	copy[4] = 5;
	CHECK_ERR(hm_stoq_frame_decode(copy, b.len, 100, &g, &used), HM_ERR_INVALID);
	/* An empty service name. */
	memcpy(copy, b.data, b.len);
	copy[5] = 0;
	CHECK(hm_stoq_frame_decode(copy, b.len, 100, &g, &used) < 0);
	/* A name longer than its maximum. */
	memcpy(copy, b.data, b.len);
	copy[5] = 65;
	CHECK_ERR(hm_stoq_frame_decode(copy, b.len, 100, &g, &used), HM_ERR_LENGTH);
	/* The outer length says more than the fields hold: trailing bytes inside. */
	memcpy(copy, b.data, b.len);
	copy[3]++;
	copy[b.len] = 0;
	CHECK_ERR(hm_stoq_frame_decode(copy, b.len + 1, 100, &g, &used), HM_ERR_TRAILING);
	/* ... or less: the body runs past the frame. */
	memcpy(copy, b.data, b.len);
	copy[3]--;
	CHECK_ERR(hm_stoq_frame_decode(copy, b.len, 100, &g, &used), HM_ERR_LENGTH);
	CHECK_ERR(hm_stoq_frame_decode_header(copy, b.len, &g, &used), HM_ERR_LENGTH);
	hm_buf_free(&b);
}

static void test_limits(void)
{
	static const uint8_t huge_header[] = { 0xff, 0xff, 0xff, 0xff };
	uint8_t body[300];
	struct hm_stoq_frame f, g;
	struct hm_buf b;
	size_t used;

	memset(body, 0xab, sizeof(body));
	sample(&f, body, sizeof(body));
	hm_buf_init(&b);
	CHECK_ERR(hm_stoq_frame_encode(&f, &b), HM_OK);
	CHECK_ERR(hm_stoq_frame_decode(b.data, b.len, sizeof(body), &g, &used), HM_OK);
	CHECK_ERR(hm_stoq_frame_decode(b.data, b.len, sizeof(body) - 1, &g, &used),
	          HM_ERR_TOO_LARGE);
	/* An oversized frame is refused from its first four bytes. */
	CHECK_ERR(hm_stoq_frame_decode(huge_header, sizeof(huge_header), 1000, &g, &used),
	          HM_ERR_TOO_LARGE);
	CHECK_ERR(hm_stoq_frame_decode(b.data, 4, 10, &g, &used), HM_ERR_TOO_LARGE);
	hm_buf_free(&b);
}

static void test_encode_refusals(void)
{
	char name[HM_STOQ_NAME_MAX + 1];
	struct hm_stoq_frame f;
	struct hm_buf b;

	hm_buf_init(&b);
	sample(&f, NULL, 0);
	f.type = (enum hm_stoq_frame_type)9;
	CHECK_ERR(hm_stoq_frame_encode(&f, &b), HM_ERR_INVALID);
	sample(&f, NULL, 0);
	f.service_len = 0;
	CHECK_ERR(hm_stoq_frame_encode(&f, &b), HM_ERR_LENGTH);
	memset(name, 'a', sizeof(name));
	sample(&f, NULL, 0);
	f.method = (const uint8_t *)name;
	f.method_len = sizeof(name);
	CHECK_ERR(hm_stoq_frame_encode(&f, &b), HM_ERR_LENGTH);
	f.method_len = HM_STOQ_NAME_MAX;
	CHECK_ERR(hm_stoq_frame_encode(&f, &b), HM_OK);
	sample(&f, name, HM_STOQ_RPC_MAX_BODY + 1);
	CHECK_ERR(hm_stoq_frame_encode(&f, &b), HM_ERR_TOO_LARGE);
	hm_buf_free(&b);
}

static void test_error_body(void)
{
	static const uint8_t want[] = { 0xff, 0xff, 0xff, 0xf3, 0, 2, 'n', 'o' };
	const uint8_t *msg;
	struct hm_buf b;
	size_t mlen;
	int code;
	char longmsg[HM_STOQ_ERRMSG_MAX + 2];

	hm_buf_init(&b);
	CHECK_ERR(hm_stoq_error_body_encode(HM_ERR_TOO_LARGE, "no", &b), HM_OK);
	CHECK_EQ(b.len, sizeof(want));
	CHECK_MEM(b.data, want, sizeof(want));
	CHECK_ERR(hm_stoq_error_body_decode(b.data, b.len, &code, &msg, &mlen), HM_OK);
	CHECK_EQ(code, HM_ERR_TOO_LARGE);
	CHECK_EQ(mlen, 2);
	CHECK_MEM(msg, "no", 2);
	CHECK_ERR(hm_stoq_error_body_decode(b.data, b.len - 1, &code, &msg, &mlen),
	          HM_ERR_TRUNCATED);
	CHECK_ERR(hm_buf_append_byte(&b, 0), HM_OK);
	CHECK_ERR(hm_stoq_error_body_decode(b.data, b.len, &code, &msg, &mlen), HM_ERR_TRAILING);
	b.data[0] = 0; /* a non-negative code is not an error */
	CHECK_ERR(hm_stoq_error_body_decode(b.data, b.len - 1, &code, &msg, &mlen), HM_ERR_INVALID);
	CHECK_ERR(hm_stoq_error_body_encode(0, "x", &b), HM_ERR_INVALID);
	memset(longmsg, 'x', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	CHECK_ERR(hm_stoq_error_body_encode(-1, longmsg, &b), HM_ERR_LENGTH);
	/* The lowest int32 travels too. */
	hm_buf_free(&b);
	CHECK_ERR(hm_stoq_error_body_encode(INT32_MIN, NULL, &b), HM_OK);
	CHECK_ERR(hm_stoq_error_body_decode(b.data, b.len, &code, &msg, &mlen), HM_OK);
	CHECK_EQ(code, INT32_MIN);
	CHECK_EQ(mlen, 0);
	hm_buf_free(&b);
}

TEST_MAIN(test_exact_encoding, test_truncation_everywhere, test_malformed, test_limits,
          test_encode_refusals, test_error_body)
