/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A deliberately tiny test harness. Each tests/<module>/test_<name>.c is one
 * executable registered with ctest; it lists its cases in a TEST_MAIN table.
 *
 *	static void test_roundtrip(void) { CHECK(x == 1); CHECK_ERR(f(), HM_OK); }
 *	TEST_MAIN(test_roundtrip, test_other)
 *
 * A failed CHECK prints file:line and the expression, marks the case failed
 * and lets it continue (so one run shows every broken assertion). The program
 * ends with the line "N passed, M failed" and exits non-zero if M > 0.
 *
 * Vector-driven tests take file paths as argv[1..]; TEST_MAIN_ARGS passes them
 * through to every case as test_argc/test_argv.
 */
#ifndef HYPERMESH_TEST_H
#define HYPERMESH_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"

static int test__case_failed;
static int test_argc;
static char **test_argv;

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			test__case_failed = 1;                                                   \
		}                                                                                \
	} while (0)

/* Compares two integer-valued expressions and prints both on mismatch. */
#define CHECK_EQ(a, b)                                                                       \
	do {                                                                                 \
		long long test__a = (long long)(a), test__b = (long long)(b);                \
		if (test__a != test__b) {                                                    \
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld vs %lld)\n", \
			        __FILE__, __LINE__, #a, #b, test__a, test__b);               \
			test__case_failed = 1;                                               \
		}                                                                            \
	} while (0)

/* Checks that an hm_ call returned exactly the expected code. */
#define CHECK_ERR(call, expected)                                                               \
	do {                                                                                    \
		int test__rc = (call), test__want = (expected);                                 \
		if (test__rc != test__want) {                                                   \
			fprintf(stderr, "%s:%d: %s returned %d (%s), want %d (%s)\n", __FILE__, \
			        __LINE__, #call, test__rc, hm_strerror(test__rc), test__want,   \
			        hm_strerror(test__want));                                       \
			test__case_failed = 1;                                                  \
		}                                                                               \
	} while (0)

#define CHECK_MEM(a, b, n)                                                                 \
	do {                                                                               \
		if (memcmp((a), (b), (n)) != 0) {                                          \
			fprintf(stderr, "%s:%d: CHECK_MEM failed: %s vs %s (%zu bytes)\n", \
			        __FILE__, __LINE__, #a, #b, (size_t)(n));                  \
			test__case_failed = 1;                                             \
		}                                                                          \
	} while (0)

#define CHECK_STR(a, b)                                                                          \
	do {                                                                                     \
		const char *test__sa = (a), *test__sb = (b);                                     \
		if (test__sa == NULL || test__sb == NULL || strcmp(test__sa, test__sb) != 0) {   \
			fprintf(stderr, "%s:%d: CHECK_STR failed: \"%s\" vs \"%s\"\n", __FILE__, \
			        __LINE__, test__sa ? test__sa : "(null)",                        \
			        test__sb ? test__sb : "(null)");                                 \
			test__case_failed = 1;                                                   \
		}                                                                                \
	} while (0)

struct test__case {
	const char *name;
	void (*fn)(void);
};

static inline int test__run(const struct test__case *cases, size_t n)
{
	int passed = 0, failed = 0;
	for (size_t i = 0; i < n; i++) {
		test__case_failed = 0;
		cases[i].fn();
		if (test__case_failed) {
			fprintf(stderr, "FAIL %s\n", cases[i].name);
			failed++;
		} else {
			printf("ok   %s\n", cases[i].name);
			passed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#define TEST__ENTRY(fn) \
	{               \
#fn, fn \
	}
#define TEST__E1(a) TEST__ENTRY(a)
/* Up to 40 cases per executable; split a file that needs more. */
#define TEST__MAP(...)                                                                             \
	TEST__MAP_N(__VA_ARGS__, TEST__M40, TEST__M39, TEST__M38, TEST__M37, TEST__M36, TEST__M35, \
	            TEST__M34, TEST__M33, TEST__M32, TEST__M31, TEST__M30, TEST__M29, TEST__M28,   \
	            TEST__M27, TEST__M26, TEST__M25, TEST__M24, TEST__M23, TEST__M22, TEST__M21,   \
	            TEST__M20, TEST__M19, TEST__M18, TEST__M17, TEST__M16, TEST__M15, TEST__M14,   \
	            TEST__M13, TEST__M12, TEST__M11, TEST__M10, TEST__M9, TEST__M8, TEST__M7,      \
	            TEST__M6, TEST__M5, TEST__M4, TEST__M3, TEST__M2, TEST__M1)                    \
	(__VA_ARGS__)
#define TEST__MAP_N(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17, \
                    _18, _19, _20, _21, _22, _23, _24, _25, _26, _27, _28, _29, _30, _31, _32,  \
                    _33, _34, _35, _36, _37, _38, _39, _40, M, ...)                             \
	M
#define TEST__M1(a)       TEST__E1(a)
#define TEST__M2(a, ...)  TEST__E1(a), TEST__M1(__VA_ARGS__)
#define TEST__M3(a, ...)  TEST__E1(a), TEST__M2(__VA_ARGS__)
#define TEST__M4(a, ...)  TEST__E1(a), TEST__M3(__VA_ARGS__)
#define TEST__M5(a, ...)  TEST__E1(a), TEST__M4(__VA_ARGS__)
#define TEST__M6(a, ...)  TEST__E1(a), TEST__M5(__VA_ARGS__)
#define TEST__M7(a, ...)  TEST__E1(a), TEST__M6(__VA_ARGS__)
#define TEST__M8(a, ...)  TEST__E1(a), TEST__M7(__VA_ARGS__)
#define TEST__M9(a, ...)  TEST__E1(a), TEST__M8(__VA_ARGS__)
#define TEST__M10(a, ...) TEST__E1(a), TEST__M9(__VA_ARGS__)
#define TEST__M11(a, ...) TEST__E1(a), TEST__M10(__VA_ARGS__)
#define TEST__M12(a, ...) TEST__E1(a), TEST__M11(__VA_ARGS__)
#define TEST__M13(a, ...) TEST__E1(a), TEST__M12(__VA_ARGS__)
#define TEST__M14(a, ...) TEST__E1(a), TEST__M13(__VA_ARGS__)
#define TEST__M15(a, ...) TEST__E1(a), TEST__M14(__VA_ARGS__)
#define TEST__M16(a, ...) TEST__E1(a), TEST__M15(__VA_ARGS__)
#define TEST__M17(a, ...) TEST__E1(a), TEST__M16(__VA_ARGS__)
#define TEST__M18(a, ...) TEST__E1(a), TEST__M17(__VA_ARGS__)
#define TEST__M19(a, ...) TEST__E1(a), TEST__M18(__VA_ARGS__)
#define TEST__M20(a, ...) TEST__E1(a), TEST__M19(__VA_ARGS__)
#define TEST__M21(a, ...) TEST__E1(a), TEST__M20(__VA_ARGS__)
#define TEST__M22(a, ...) TEST__E1(a), TEST__M21(__VA_ARGS__)
#define TEST__M23(a, ...) TEST__E1(a), TEST__M22(__VA_ARGS__)
#define TEST__M24(a, ...) TEST__E1(a), TEST__M23(__VA_ARGS__)
#define TEST__M25(a, ...) TEST__E1(a), TEST__M24(__VA_ARGS__)
#define TEST__M26(a, ...) TEST__E1(a), TEST__M25(__VA_ARGS__)
#define TEST__M27(a, ...) TEST__E1(a), TEST__M26(__VA_ARGS__)
#define TEST__M28(a, ...) TEST__E1(a), TEST__M27(__VA_ARGS__)
#define TEST__M29(a, ...) TEST__E1(a), TEST__M28(__VA_ARGS__)
#define TEST__M30(a, ...) TEST__E1(a), TEST__M29(__VA_ARGS__)
#define TEST__M31(a, ...) TEST__E1(a), TEST__M30(__VA_ARGS__)
#define TEST__M32(a, ...) TEST__E1(a), TEST__M31(__VA_ARGS__)
#define TEST__M33(a, ...) TEST__E1(a), TEST__M32(__VA_ARGS__)
#define TEST__M34(a, ...) TEST__E1(a), TEST__M33(__VA_ARGS__)
#define TEST__M35(a, ...) TEST__E1(a), TEST__M34(__VA_ARGS__)
#define TEST__M36(a, ...) TEST__E1(a), TEST__M35(__VA_ARGS__)
#define TEST__M37(a, ...) TEST__E1(a), TEST__M36(__VA_ARGS__)
#define TEST__M38(a, ...) TEST__E1(a), TEST__M37(__VA_ARGS__)
#define TEST__M39(a, ...) TEST__E1(a), TEST__M38(__VA_ARGS__)
#define TEST__M40(a, ...) TEST__E1(a), TEST__M39(__VA_ARGS__)

#define TEST_MAIN(...)                                                               \
	int main(int argc, char **argv)                                              \
	{                                                                            \
		static const struct test__case cases[] = { TEST__MAP(__VA_ARGS__) }; \
		test_argc = argc;                                                    \
		test_argv = argv;                                                    \
		return test__run(cases, sizeof(cases) / sizeof(cases[0]));           \
	}

#endif
