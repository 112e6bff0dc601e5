/* SPDX-License-Identifier: Apache-2.0 */
#define _POSIX_C_SOURCE 200809L /* fmemopen */
#include <stdio.h>

#include "hypermesh/log.h"
#include "test.h"

static char captured[4096];

static FILE *capture(void)
{
	FILE *f;

	memset(captured, 0, sizeof(captured));
	f = fmemopen(captured, sizeof(captured) - 1, "w");
	hm_log_set_sink(f);
	return f;
}

static void release(FILE *f)
{
	hm_log_set_sink(NULL);
	fclose(f);
}

static void test_level_names(void)
{
	enum hm_log_level l;

	static const char *const names[] = { "error", "warn", "info", "debug", "trace" };
	for (int i = 0; i < 5; i++) {
		CHECK_ERR(hm_log_level_parse(names[i], &l), HM_OK);
		CHECK_EQ(l, i);
		CHECK_STR(hm_log_level_name(l), names[i]);
	}
	CHECK_ERR(hm_log_level_parse("INFO", &l), HM_ERR_INVALID);
	CHECK_ERR(hm_log_level_parse("", &l), HM_ERR_INVALID);
	CHECK_ERR(hm_log_level_parse("verbose", &l), HM_ERR_INVALID);
	CHECK_ERR(hm_log_level_parse(NULL, &l), HM_ERR_INVALID);
	CHECK_STR(hm_log_level_name((enum hm_log_level)17), "unknown");
}

static void test_line_format(void)
{
	FILE *f = capture();

	hm_log_set_level(HM_LOG_INFO);
	hm_log(HM_LOG_WARN, "stoq", "peer closed", HM_LOG_STR("peer", "node-1"),
	       HM_LOG_INT("code", -42), HM_LOG_UINT("bytes", UINT64_C(18446744073709551615)));
	fflush(f);
	CHECK(strncmp(captured, "ts=", 3) == 0);
	CHECK(strstr(captured, "Z level=warn module=stoq msg=\"peer closed\" peer=node-1 "
	                       "code=-42 bytes=18446744073709551615\n") != NULL);
	/* One line exactly. */
	CHECK(strchr(captured, '\n') == captured + strlen(captured) - 1);
	release(f);
}

static void test_quoting(void)
{
	FILE *f = capture();

	hm_log(HM_LOG_ERROR, "t", "m", HM_LOG_STR("empty", ""), HM_LOG_STR("null", NULL),
	       HM_LOG_STR("eq", "a=b"), HM_LOG_STR("q", "say \"hi\"\\"),
	       HM_LOG_STR("ctl", "a\nb\tc\x01\x7f"));
	fflush(f);
	CHECK(strstr(captured, " msg=m empty=\"\" null=\"\" eq=\"a=b\" q=\"say \\\"hi\\\"\\\\\" "
	                       "ctl=\"a\\nb\\tc\\x01\\x7f\"\n") != NULL);
	release(f);
}

static void test_level_filtering(void)
{
	FILE *f = capture();
	int evaluated = 0;

	hm_log_set_level(HM_LOG_WARN);
	hm_log_msg(HM_LOG_INFO, "t", "hidden");
	/* Fields of a disabled level are not even evaluated. */
	hm_log(HM_LOG_DEBUG, "t", "hidden", HM_LOG_INT("x", ++evaluated));
	hm_log_msg(HM_LOG_ERROR, "t", "shown");
	fflush(f);
	CHECK_EQ(evaluated, 0);
	CHECK(strstr(captured, "hidden") == NULL);
	CHECK(strstr(captured, "level=error module=t msg=shown\n") != NULL);
	CHECK_EQ(hm_log_get_level(), HM_LOG_WARN);
	hm_log_set_level(HM_LOG_INFO);
	release(f);
}

TEST_MAIN(test_level_names, test_line_format, test_quoting, test_level_filtering)
