/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include "test.h"

static void test_every_code_has_a_message(void)
{
	for (int code = HM_OK; code >= HM_ERR_LAST; code--) {
		const char *msg = hm_strerror(code);
		CHECK(msg != NULL);
		CHECK(strcmp(msg, "unknown error") != 0);
		/* Messages are distinct, so a log line identifies the code. */
		for (int other = code - 1; other >= HM_ERR_LAST; other--)
			CHECK(strcmp(msg, hm_strerror(other)) != 0);
	}
}

static void test_unknown_codes(void)
{
	CHECK_STR(hm_strerror(1), "unknown error");
	CHECK_STR(hm_strerror(HM_ERR_LAST - 1), "unknown error");
	CHECK_STR(hm_strerror(-1000000), "unknown error");
}

static void test_errno_mapping(void)
{
	CHECK_EQ(hm_err_from_errno(ENOENT), HM_ERR_NOT_FOUND);
	CHECK_EQ(hm_err_from_errno(EEXIST), HM_ERR_EXISTS);
	CHECK_EQ(hm_err_from_errno(EACCES), HM_ERR_PERMISSION);
	CHECK_EQ(hm_err_from_errno(EPERM), HM_ERR_PERMISSION);
	CHECK_EQ(hm_err_from_errno(ENOMEM), HM_ERR_NOMEM);
	CHECK_EQ(hm_err_from_errno(EIO), HM_ERR_IO);
	CHECK_EQ(hm_err_from_errno(0), HM_ERR_IO);
}

TEST_MAIN(test_every_code_has_a_message, test_unknown_codes, test_errno_mapping)
