/* SPDX-License-Identifier: Apache-2.0 */
#include "hypermesh/codec.h"
#include "test.h"

static void test_integers_roundtrip(void)
{
	static const uint8_t expect[] = { 0xab, 0x12, 0x34, 0xfe, 0xdc, 0xba, 0xde, 0xad, 0xbe,
		                          0xef, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
	struct hm_buf b;
	struct hm_reader r;
	uint8_t u8;
	uint16_t u16;
	uint32_t u24, u32;
	uint64_t u64;

	hm_buf_init(&b);
	CHECK_ERR(hm_put_u8(&b, 0xab), HM_OK);
	CHECK_ERR(hm_put_u16(&b, 0x1234), HM_OK);
	CHECK_ERR(hm_put_u24(&b, 0xfedcba), HM_OK);
	CHECK_ERR(hm_put_u32(&b, 0xdeadbeef), HM_OK);
	CHECK_ERR(hm_put_u64(&b, UINT64_C(0x0102030405060708)), HM_OK);
	CHECK_EQ(b.len, sizeof(expect));
	CHECK_MEM(b.data, expect, sizeof(expect));

	hm_reader_init(&r, b.data, b.len);
	CHECK_ERR(hm_get_u8(&r, &u8), HM_OK);
	CHECK_ERR(hm_get_u16(&r, &u16), HM_OK);
	CHECK_ERR(hm_get_u24(&r, &u24), HM_OK);
	CHECK_ERR(hm_get_u32(&r, &u32), HM_OK);
	CHECK_ERR(hm_reader_finish(&r), HM_ERR_TRAILING);
	CHECK_ERR(hm_get_u64(&r, &u64), HM_OK);
	CHECK_ERR(hm_reader_finish(&r), HM_OK);
	CHECK_EQ(u8, 0xab);
	CHECK_EQ(u16, 0x1234);
	CHECK_EQ(u24, 0xfedcba);
	CHECK_EQ(u32, 0xdeadbeef);
	CHECK(u64 == UINT64_C(0x0102030405060708));
	hm_buf_free(&b);
}

static void test_u24_range(void)
{
	struct hm_buf b;

	hm_buf_init(&b);
	CHECK_ERR(hm_put_u24(&b, 0x1000000), HM_ERR_RANGE);
	CHECK_EQ(b.len, 0);
	hm_buf_free(&b);
}

/* Every integer read fails cleanly at every truncation point. */
static void test_truncation(void)
{
	static const uint8_t bytes[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct hm_reader r;

	for (size_t len = 0; len < 8; len++) {
		uint8_t u8;
		uint16_t u16;
		uint32_t u32;
		uint64_t u64;

		hm_reader_init(&r, bytes, len);
		CHECK_ERR(hm_get_u64(&r, &u64), HM_ERR_TRUNCATED);
		CHECK_EQ(r.pos, 0);
		if (len < 4) {
			CHECK_ERR(hm_get_u32(&r, &u32), HM_ERR_TRUNCATED);
			CHECK_EQ(r.pos, 0);
		}
		if (len < 3) {
			CHECK_ERR(hm_get_u24(&r, &u32), HM_ERR_TRUNCATED);
		}
		if (len < 2) {
			CHECK_ERR(hm_get_u16(&r, &u16), HM_ERR_TRUNCATED);
		}
		if (len < 1) {
			CHECK_ERR(hm_get_u8(&r, &u8), HM_ERR_TRUNCATED);
			CHECK_ERR(hm_get_bytes(&r, &u8, 1), HM_ERR_TRUNCATED);
		}
		CHECK_EQ(r.pos, 0);
	}
	/* An empty input, even from a NULL pointer, is a valid complete input. */
	hm_reader_init(&r, NULL, 0);
	CHECK_ERR(hm_reader_finish(&r), HM_OK);
	CHECK_EQ(hm_reader_remaining(&r), 0);
}

static void test_prefix_width_follows_max(void)
{
	CHECK_EQ(hm_codec_prefix_len(0), 1);
	CHECK_EQ(hm_codec_prefix_len(255), 1);
	CHECK_EQ(hm_codec_prefix_len(256), 2);
	CHECK_EQ(hm_codec_prefix_len(65535), 2);
	CHECK_EQ(hm_codec_prefix_len(65536), 3);
	CHECK_EQ(hm_codec_prefix_len(0xffffff), 3);
	CHECK_EQ(hm_codec_prefix_len(0x1000000), 4);
	CHECK_EQ(hm_codec_prefix_len(0xffffffff), 4);
}

static void test_vectors(void)
{
	struct hm_buf b;
	struct hm_reader r;
	const uint8_t *p;
	size_t n;

	hm_buf_init(&b);
	CHECK_ERR(hm_put_vec(&b, 0, 255, "abc", 3), HM_OK);
	CHECK_ERR(hm_put_vec(&b, 1, 300, "de", 2), HM_OK);
	CHECK_ERR(hm_put_vec(&b, 0, 0xffffffff, NULL, 0), HM_OK);
	CHECK_EQ(b.len, 1 + 3 + 2 + 2 + 4);
	CHECK_MEM(b.data,
	          "\x03"
	          "abc"
	          "\x00\x02"
	          "de"
	          "\x00\x00\x00\x00",
	          b.len);

	hm_reader_init(&r, b.data, b.len);
	CHECK_ERR(hm_get_vec(&r, 0, 255, &p, &n), HM_OK);
	CHECK(n == 3 && memcmp(p, "abc", 3) == 0);
	CHECK_ERR(hm_get_vec(&r, 1, 300, &p, &n), HM_OK);
	CHECK(n == 2 && memcmp(p, "de", 2) == 0);
	CHECK_ERR(hm_get_vec(&r, 0, 0xffffffff, &p, &n), HM_OK);
	CHECK_EQ(n, 0);
	CHECK_ERR(hm_reader_finish(&r), HM_OK);
	hm_buf_free(&b);
}

static void test_vector_bounds_on_write(void)
{
	struct hm_buf b;

	hm_buf_init(&b);
	CHECK_ERR(hm_put_vec(&b, 2, 10, "a", 1), HM_ERR_LENGTH);
	CHECK_ERR(hm_put_vec(&b, 0, 2, "abc", 3), HM_ERR_LENGTH);
	CHECK_ERR(hm_put_vec(&b, 5, 4, "abc", 3), HM_ERR_INVALID);
	CHECK_ERR(hm_put_vec(&b, 0, (size_t)0xffffffff + 1, "abc", 3), HM_ERR_INVALID);
	CHECK_EQ(b.len, 0); /* nothing written on failure */
	hm_buf_free(&b);
}

static void test_vector_refusals_on_read(void)
{
	struct hm_reader r;
	const uint8_t *p = NULL;
	size_t n = 99;

	/* Declared length 4 with only 3 bytes behind it. */
	hm_reader_init(&r,
	               "\x04"
	               "abc",
	               4);
	CHECK_ERR(hm_get_vec(&r, 0, 255, &p, &n), HM_ERR_TRUNCATED);
	CHECK_EQ(r.pos, 0);
	CHECK_EQ(n, 99); /* outputs untouched */

	/* Overlong: the length exceeds the declared maximum (refused before reading). */
	hm_reader_init(&r,
	               "\x04"
	               "abcd",
	               5);
	CHECK_ERR(hm_get_vec(&r, 0, 3, &p, &n), HM_ERR_LENGTH);
	CHECK_EQ(r.pos, 0);
	/* Huge declared length in a 4-byte prefix: still a clean error. */
	hm_reader_init(&r,
	               "\xff\xff\xff\xff"
	               "a",
	               5);
	CHECK_ERR(hm_get_vec(&r, 0, 0xffffffff, &p, &n), HM_ERR_TRUNCATED);
	CHECK_ERR(hm_get_vec(&r, 0, 0xfffffff0, &p, &n), HM_ERR_LENGTH);
	/* Too short for the declared minimum. */
	hm_reader_init(&r,
	               "\x01"
	               "a",
	               2);
	CHECK_ERR(hm_get_vec(&r, 2, 255, &p, &n), HM_ERR_LENGTH);
	/* The prefix itself truncated. */
	hm_reader_init(&r, "\x00", 1);
	CHECK_ERR(hm_get_vec(&r, 0, 65535, &p, &n), HM_ERR_TRUNCATED);
	CHECK_EQ(r.pos, 0);
	/* Bad declarations. */
	CHECK_ERR(hm_get_vec(&r, 3, 2, &p, &n), HM_ERR_INVALID);
	CHECK_ERR(hm_get_vec(&r, 0, (size_t)0xffffffff + 1, &p, &n), HM_ERR_INVALID);
}

static void test_nested(void)
{
	struct hm_buf b;
	struct hm_vec_mark outer, inner;
	struct hm_reader r, sub, subsub;
	uint16_t v;
	const uint8_t *p;
	size_t n;

	hm_buf_init(&b);
	CHECK_ERR(hm_put_vec_begin(&b, 0, 65535, &outer), HM_OK);
	CHECK_ERR(hm_put_u16(&b, 7), HM_OK);
	CHECK_ERR(hm_put_vec_begin(&b, 1, 255, &inner), HM_OK);
	CHECK_ERR(hm_put_bytes(&b, "xy", 2), HM_OK);
	CHECK_ERR(hm_put_vec_end(&b, &inner), HM_OK);
	CHECK_ERR(hm_put_vec_end(&b, &outer), HM_OK);
	CHECK_MEM(b.data, "\x00\x05\x00\x07\x02xy", 7);

	hm_reader_init(&r, b.data, b.len);
	CHECK_ERR(hm_get_vec_reader(&r, 0, 65535, &sub), HM_OK);
	CHECK_ERR(hm_reader_finish(&r), HM_OK);
	CHECK_ERR(hm_get_u16(&sub, &v), HM_OK);
	CHECK_EQ(v, 7);
	CHECK_ERR(hm_get_vec_reader(&sub, 1, 255, &subsub), HM_OK);
	CHECK_ERR(hm_get_view(&subsub, 2, &p), HM_OK);
	CHECK_MEM(p, "xy", 2);
	CHECK_ERR(hm_reader_finish(&subsub), HM_OK);
	CHECK_ERR(hm_reader_finish(&sub), HM_OK);

	/* A sub-reader cannot read past its vector into the parent's bytes. */
	hm_reader_init(&r,
	               "\x01"
	               "a"
	               "bcd",
	               5);
	CHECK_ERR(hm_get_vec_reader(&r, 0, 255, &sub), HM_OK);
	CHECK_ERR(hm_get_bytes(&sub, &v, 2), HM_ERR_TRUNCATED);
	(void)n;

	/* Contents outside the declared bounds are refused at end. */
	hm_buf_free(&b);
	hm_buf_init(&b);
	CHECK_ERR(hm_put_vec_begin(&b, 2, 3, &inner), HM_OK);
	CHECK_ERR(hm_put_bytes(&b, "x", 1), HM_OK);
	CHECK_ERR(hm_put_vec_end(&b, &inner), HM_ERR_LENGTH);
	CHECK_ERR(hm_put_bytes(&b, "yzw", 3), HM_OK);
	CHECK_ERR(hm_put_vec_end(&b, &inner), HM_ERR_LENGTH);
	CHECK_ERR(hm_put_vec_begin(&b, 3, 2, &inner), HM_ERR_INVALID);
	/* A mark from a longer buffer state is refused, not written out of bounds. */
	hm_buf_free(&b);
	hm_buf_init(&b);
	CHECK_ERR(hm_put_vec_end(&b, &outer), HM_ERR_INVALID);
	hm_buf_free(&b);
}

TEST_MAIN(test_integers_roundtrip, test_u24_range, test_truncation, test_prefix_width_follows_max,
          test_vectors, test_vector_bounds_on_write, test_vector_refusals_on_read, test_nested)
