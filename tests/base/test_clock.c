/* SPDX-License-Identifier: Apache-2.0 */
#include "hypermesh/clock.h"
#include "test.h"

static void test_monotonic_never_goes_back(void)
{
	uint64_t prev = hm_clock_mono_ns();

	for (int i = 0; i < 1000; i++) {
		uint64_t now = hm_clock_mono_ns();
		CHECK(now >= prev);
		prev = now;
	}
}

static void test_wall_clock_is_plausible(void)
{
	/* After 2024-01-01 and before 2200: catches unit mistakes (ms vs ns). */
	uint64_t now = hm_clock_wall_ns();
	CHECK(now > UINT64_C(1704067200) * HM_NS_PER_SEC);
	CHECK(now < UINT64_C(7258118400) * HM_NS_PER_SEC);
}

static void test_rfc3339(void)
{
	char out[HM_CLOCK_RFC3339_LEN];

	hm_clock_format_rfc3339(0, out);
	CHECK_STR(out, "1970-01-01T00:00:00.000000Z");
	/* 2026-11-30T17:58:01.123456789Z, truncated to microseconds. */
	hm_clock_format_rfc3339(UINT64_C(1796061481) * HM_NS_PER_SEC + 123456789, out);
	CHECK_STR(out, "2026-11-30T17:58:01.123456Z");
	/* The largest representable instant still fits the buffer and format. */
	hm_clock_format_rfc3339(UINT64_MAX, out);
	CHECK_STR(out, "2554-07-21T23:34:33.709551Z");
}

TEST_MAIN(test_monotonic_never_goes_back, test_wall_clock_is_plausible, test_rfc3339)
