/* SPDX-License-Identifier: Apache-2.0 */
#include "hypermesh/random.h"
#include "hypermesh/secure.h"
#include "test.h"

static void test_wipe(void)
{
	uint8_t buf[64];

	memset(buf, 0xa5, sizeof(buf));
	hm_wipe(buf + 8, 48);
	for (size_t i = 0; i < sizeof(buf); i++)
		CHECK(buf[i] == ((i < 8 || i >= 56) ? 0xa5 : 0));
	hm_wipe(NULL, 0);
}

static void test_ct_equal(void)
{
	uint8_t a[33], b[33];

	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = b[i] = (uint8_t)(i * 13 + 1);
	CHECK_EQ(hm_ct_equal(a, b, sizeof(a)), 1);
	CHECK_EQ(hm_ct_equal(a, b, 0), 1);
	/* Any single-bit difference anywhere is seen. */
	for (size_t i = 0; i < sizeof(a); i++) {
		for (int bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1 << bit);
			CHECK_EQ(hm_ct_equal(a, b, sizeof(a)), 0);
			b[i] ^= (uint8_t)(1 << bit);
		}
	}
	CHECK_EQ(hm_ct_is_zero(a, 0), 1);
	memset(a, 0, sizeof(a));
	CHECK_EQ(hm_ct_is_zero(a, sizeof(a)), 1);
	a[32] = 0x80;
	CHECK_EQ(hm_ct_is_zero(a, sizeof(a)), 0);
}

static void test_random(void)
{
	uint8_t a[1024], b[1024];
	unsigned ones = 0;

	CHECK_ERR(hm_random_bytes(a, sizeof(a)), HM_OK);
	CHECK_ERR(hm_random_bytes(b, sizeof(b)), HM_OK);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	/* 8192 fair bits: the count of ones is within 8 sigma (~362) of 4096. */
	for (size_t i = 0; i < sizeof(a); i++)
		for (int bit = 0; bit < 8; bit++)
			ones += (a[i] >> bit) & 1;
	CHECK(ones > 4096 - 362 && ones < 4096 + 362);
	CHECK_ERR(hm_random_bytes(NULL, 0), HM_OK);
}

/* More than one getrandom() call returns (the kernel caps a call at 32 MiB - 1). */
static void test_random_large(void)
{
	size_t n = (size_t)33 << 20;
	uint8_t *p = malloc(n);

	CHECK(p != NULL);
	if (p == NULL)
		return;
	memset(p, 0, n);
	CHECK_ERR(hm_random_bytes(p, n), HM_OK);
	/* The tail, past the first call's cap, was filled too. */
	CHECK_EQ(hm_ct_is_zero(p + n - 64, 64), 0);
	free(p);
}

TEST_MAIN(test_wipe, test_ct_equal, test_random, test_random_large)
