/* SPDX-License-Identifier: Apache-2.0 */
#include <stdint.h>

#include "hypermesh/buf.h"
#include "test.h"

static void test_append_and_grow(void)
{
	struct hm_buf b;
	uint8_t expect[1000];

	hm_buf_init(&b);
	CHECK(b.data == NULL && b.len == 0);
	for (int i = 0; i < 1000; i++) {
		expect[i] = (uint8_t)(i * 7);
		CHECK_ERR(hm_buf_append_byte(&b, expect[i]), HM_OK);
	}
	CHECK_EQ(b.len, 1000);
	CHECK(b.cap >= 1000);
	CHECK_MEM(b.data, expect, 1000);
	CHECK_ERR(hm_buf_append(&b, NULL, 0), HM_OK);
	CHECK_EQ(b.len, 1000);
	CHECK_ERR(hm_buf_append(&b, "xyz", 3), HM_OK);
	CHECK_MEM(b.data + 1000, "xyz", 3);
	hm_buf_free(&b);
	CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
	hm_buf_free(&b); /* twice is fine */
	hm_buf_free(NULL);
}

static void test_extend_and_truncate(void)
{
	struct hm_buf b;
	uint8_t *p;

	hm_buf_init(&b);
	CHECK_ERR(hm_buf_extend(&b, 5, &p), HM_OK);
	memcpy(p, "hello", 5);
	CHECK_EQ(b.len, 5);
	CHECK_ERR(hm_buf_truncate(&b, 2), HM_OK);
	CHECK_EQ(b.len, 2);
	CHECK_MEM(b.data, "he", 2);
	CHECK(b.data[2] == 0 && b.data[3] == 0 && b.data[4] == 0); /* dropped bytes wiped */
	CHECK_ERR(hm_buf_truncate(&b, 3), HM_ERR_INVALID);
	CHECK_ERR(hm_buf_truncate(&b, 2), HM_OK);
	hm_buf_free(&b);

	hm_buf_init(&b);
	CHECK_ERR(hm_buf_truncate(&b, 0), HM_OK); /* on an empty buffer */
	CHECK_ERR(hm_buf_truncate(&b, 1), HM_ERR_INVALID);
}

static void test_limits(void)
{
	struct hm_buf b;

	hm_buf_init(&b);
	CHECK_ERR(hm_buf_append(&b, "ab", 2), HM_OK);
	CHECK_ERR(hm_buf_reserve(&b, HM_BUF_MAX), HM_ERR_TOO_LARGE);
	CHECK_ERR(hm_buf_reserve(&b, SIZE_MAX), HM_ERR_TOO_LARGE);
	/* Within the limit but beyond any memory here: a clean HM_ERR_NOMEM. */
	CHECK_ERR(hm_buf_reserve(&b, HM_BUF_MAX - 2), HM_ERR_NOMEM);
	CHECK_EQ(b.len, 2); /* unchanged after failures */
	CHECK_MEM(b.data, "ab", 2);
	hm_buf_free(&b);
}

TEST_MAIN(test_append_and_grow, test_extend_and_truncate, test_limits)
