/* SPDX-License-Identifier: Apache-2.0 */
#include "hypermesh/encoding.h"
#include "test.h"

static void test_hex_roundtrip(void)
{
	uint8_t all[256], back[256];
	char text[513];
	size_t n;

	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	CHECK_ERR(hm_hex_encode(text, sizeof(text), all, 256), HM_OK);
	CHECK_EQ(strlen(text), 512);
	CHECK(strncmp(text, "000102", 6) == 0);
	CHECK(strcmp(text + 500, "fafbfcfdfeff") == 0);
	CHECK_ERR(hm_hex_decode(back, sizeof(back), &n, text, 512), HM_OK);
	CHECK_EQ(n, 256);
	CHECK_MEM(back, all, 256);
	CHECK_ERR(hm_hex_decode(back, sizeof(back), &n, "DEADbeef", 8), HM_OK);
	CHECK(n == 4 && memcmp(back, "\xde\xad\xbe\xef", 4) == 0);
	CHECK_ERR(hm_hex_decode(back, 0, &n, "", 0), HM_OK);
	CHECK_EQ(n, 0);
	CHECK_ERR(hm_hex_encode(text, 1, NULL, 0), HM_OK);
	CHECK_STR(text, "");
}

static void test_hex_refusals(void)
{
	static const char *const bad[] = { "0",  "abc", "0g", "g0", "0x00", " 00",      "00 ",
		                           "0:", "/0",  "@0", "`0", "0G",   "\x80\x80", "0\n" };
	uint8_t out[8];
	char text[5];
	size_t n = 7;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 7;
		CHECK_ERR(hm_hex_decode(out, sizeof(out), &n, bad[i], strlen(bad[i])),
		          HM_ERR_ENCODING);
		CHECK_EQ(n, 0);
	}
	/* Embedded NUL is just a bad character. */
	CHECK_ERR(hm_hex_decode(out, sizeof(out), &n, "0\0", 2), HM_ERR_ENCODING);
	CHECK_ERR(hm_hex_decode(out, 1, &n, "0011", 4), HM_ERR_BUFFER);
	CHECK_ERR(hm_hex_encode(text, 4, "ab", 2), HM_ERR_BUFFER); /* needs 5 with NUL */
	CHECK_ERR(hm_hex_encode(text, 5, "ab", 2), HM_OK);
	CHECK_ERR(hm_hex_decode_exact(out, 2, "0011", 4), HM_OK);
	CHECK_ERR(hm_hex_decode_exact(out, 3, "0011", 4), HM_ERR_LENGTH);
	CHECK_ERR(hm_hex_decode_exact(out, 2, "001", 3), HM_ERR_ENCODING);
	CHECK_ERR(hm_hex_decode_exact(out, 1, "zz", 2), HM_ERR_ENCODING);
}

/* RFC 4648 §10 test vectors. */
static void test_base64_rfc4648(void)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const coded[] = { "",         "Zg==",     "Zm8=",    "Zm9v",
		                             "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	for (size_t i = 0; i < 7; i++) {
		char text[16];
		uint8_t back[8];
		size_t n;

		CHECK_ERR(hm_base64_encode(text, sizeof(text), plain[i], strlen(plain[i])), HM_OK);
		CHECK_STR(text, coded[i]);
		CHECK_ERR(hm_base64_decode(back, sizeof(back), &n, coded[i], strlen(coded[i])),
		          HM_OK);
		CHECK_EQ(n, strlen(plain[i]));
		CHECK_MEM(back, plain[i], n);
	}
}

static void test_base64_alphabet(void)
{
	uint8_t all[48 * 4 / 4 * 3], back[sizeof(all)];
	char text[HM_BASE64_LEN(sizeof(all)) + 1];
	size_t n;

	/* Bytes chosen so that the 6-bit groups run through 0..63 in order. */
	for (size_t i = 0; i < sizeof(all); i += 3) {
		unsigned v = (unsigned)(i / 3 * 4);
		uint32_t w = (v % 64) << 18 | ((v + 1) % 64) << 12 | ((v + 2) % 64) << 6 |
		             ((v + 3) % 64);
		all[i] = (uint8_t)(w >> 16);
		all[i + 1] = (uint8_t)(w >> 8);
		all[i + 2] = (uint8_t)w;
	}
	CHECK_ERR(hm_base64_encode(text, sizeof(text), all, 48), HM_OK);
	CHECK_STR(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
	CHECK_ERR(hm_base64_decode(back, sizeof(back), &n, text, strlen(text)), HM_OK);
	CHECK_EQ(n, 48);
	CHECK_MEM(back, all, 48);
}

static void test_base64_refusals(void)
{
	static const char *const bad[] = {
		"Zg=",      /* length not a multiple of 4 */
		"Zg",       /* missing padding */
		"Zh==",     /* non-zero unused bits */
		"Zm9=",     /* non-zero unused bits */
		"Z===",     /* too much padding */
		"====",     /* only padding */
		"Zg==Zg==", /* padding in the middle */
		"Z=g=",     /* '=' before a symbol */
		"Zm9v\n",   /* whitespace */
		"Zm 9",     /* space */
		"Zm9-",     /* base64url alphabet */
		"Zm9_",     "Zm9\x80",
	};
	uint8_t out[8];
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 5;
		CHECK_ERR(hm_base64_decode(out, sizeof(out), &n, bad[i], strlen(bad[i])),
		          HM_ERR_ENCODING);
		CHECK_EQ(n, 0);
	}
	CHECK_ERR(hm_base64_decode(out, 2, &n, "Zm9v", 4), HM_ERR_BUFFER);
	CHECK_ERR(hm_base64_decode(out, 3, &n, "Zm9v", 4), HM_OK);
	char text[5];
	CHECK_ERR(hm_base64_encode(text, 4, "foo", 3), HM_ERR_BUFFER);
	CHECK_ERR(hm_base64_encode(text, 5, "foo", 3), HM_OK);
}

TEST_MAIN(test_hex_roundtrip, test_hex_refusals, test_base64_rfc4648, test_base64_alphabet,
          test_base64_refusals)
