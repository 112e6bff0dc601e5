/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Branch-free character classification: every range test is computed with
 * arithmetic on sign bits, so the time taken does not depend on the secret
 * bytes being encoded or decoded. For x and bounds in 0..255,
 * ge(x, lo) = ((lo - 1 - x) >> 8) & 1 is 1 exactly when x >= lo.
 */
#include <string.h>

#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/secure.h"

/* All-ones (0xff...) if lo <= x <= hi, else 0; x, lo, hi in 0..255. */
static unsigned in_range(unsigned x, unsigned lo, unsigned hi)
{
	unsigned ge_lo = ((lo - 1 - x) >> 8) & 1;
	unsigned le_hi = ((x - hi - 1) >> 8) & 1;

	return 0u - (ge_lo & le_hi);
}

/* All-ones if x == c. */
static unsigned equals(unsigned x, unsigned c)
{
	return 0u - ((((x ^ c) - 1) >> 8) & 1);
}

/* 0..15 into '0'..'9', 'a'..'f'. */
static char hex_digit(unsigned v)
{
	/* v > 9 adds 'a' - '0' - 10 = 39 */
	return (char)('0' + v + (39 & (0u - (((9 - v) >> 8) & 1))));
}

/* '0'..'9', 'a'..'f', 'A'..'F' to 0..15; other characters set *bad to all-ones. */
static unsigned hex_value(unsigned c, unsigned *bad)
{
	unsigned digit = in_range(c, '0', '9');
	unsigned lower = in_range(c, 'a', 'f');
	unsigned upper = in_range(c, 'A', 'F');

	*bad |= ~(digit | lower | upper);
	return ((c - '0') & digit) | ((c - 'a' + 10) & lower) | ((c - 'A' + 10) & upper);
}

int hm_hex_encode(char *out, size_t outcap, const void *in, size_t n)
{
	const uint8_t *p = in;

	if (n > (SIZE_MAX - 1) / 2 || outcap < HM_HEX_LEN(n) + 1)
		return HM_ERR_BUFFER;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex_digit(p[i] >> 4);
		out[2 * i + 1] = hex_digit(p[i] & 15);
	}
	out[2 * n] = '\0';
	return HM_OK;
}

int hm_hex_decode(void *out, size_t outcap, size_t *outlen, const char *in, size_t inlen)
{
	uint8_t *dst = out;
	unsigned bad = 0;

	*outlen = 0;
	if (inlen % 2 != 0)
		return HM_ERR_ENCODING;
	if (outcap < inlen / 2)
		return HM_ERR_BUFFER;
	for (size_t i = 0; i < inlen / 2; i++) {
		unsigned hi = hex_value((uint8_t)in[2 * i], &bad);
		unsigned lo = hex_value((uint8_t)in[2 * i + 1], &bad);
		dst[i] = (uint8_t)((hi << 4) | lo);
	}
	if (bad != 0) {
		hm_wipe(out, inlen / 2);
		return HM_ERR_ENCODING;
	}
	*outlen = inlen / 2;
	return HM_OK;
}

int hm_hex_decode_exact(void *out, size_t want, const char *in, size_t inlen)
{
	size_t got;

	if (inlen % 2 == 0 && inlen / 2 != want)
		return HM_ERR_LENGTH;
	return hm_hex_decode(out, want, &got, in, inlen);
}

/*
 * 0..63 to the RFC 4648 standard alphabet: start from 'A' + v and add the gap
 * to the next run of the alphabet once v passes its start (26 -> 'a',
 * 52 -> '0', 62 -> '+', 63 -> '/'). (k - v) >> 8 is all-ones-ish exactly
 * when v > k, so each step is a mask, not a branch.
 */
static char b64_symbol(unsigned v)
{
	unsigned c = 'A' + v;

	c += ((25 - v) >> 8) & 6;  /* 'a' - ('A' + 26) */
	c -= ((51 - v) >> 8) & 75; /* ('a' + 26) - '0' */
	c -= ((61 - v) >> 8) & 15; /* ('0' + 10) - '+' */
	c += ((62 - v) >> 8) & 3;  /* '/' - ('+' + 1) */
	return (char)c;
}

/* The inverse of b64_symbol; characters outside the alphabet set *bad. */
static unsigned b64_value(unsigned c, unsigned *bad)
{
	unsigned upper = in_range(c, 'A', 'Z');
	unsigned lower = in_range(c, 'a', 'z');
	unsigned digit = in_range(c, '0', '9');
	unsigned plus = equals(c, '+');
	unsigned slash = equals(c, '/');

	*bad |= ~(upper | lower | digit | plus | slash);
	return ((c - 'A') & upper) | ((c - 'a' + 26) & lower) | ((c - '0' + 52) & digit) |
	       (62 & plus) | (63 & slash);
}

int hm_base64_encode(char *out, size_t outcap, const void *in, size_t n)
{
	const uint8_t *p = in;
	size_t o = 0, i = 0;

	if (n > (SIZE_MAX - 3) / 4 * 3 || outcap < HM_BASE64_LEN(n) + 1)
		return HM_ERR_BUFFER;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = b64_symbol(v >> 18);
		out[o++] = b64_symbol((v >> 12) & 63);
		out[o++] = b64_symbol((v >> 6) & 63);
		out[o++] = b64_symbol(v & 63);
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		out[o++] = b64_symbol(v >> 18);
		out[o++] = b64_symbol((v >> 12) & 63);
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		out[o++] = b64_symbol(v >> 18);
		out[o++] = b64_symbol((v >> 12) & 63);
		out[o++] = b64_symbol((v >> 6) & 63);
		out[o++] = '=';
	}
	out[o] = '\0';
	return HM_OK;
}

int hm_base64_decode(void *out, size_t outcap, size_t *outlen, const char *in, size_t inlen)
{
	uint8_t *dst = out;
	size_t pad = 0, n, o = 0;
	unsigned bad = 0;

	*outlen = 0;
	if (inlen % 4 != 0)
		return HM_ERR_ENCODING;
	/* Padding is public (it only reveals the length), so branching on it is fine. */
	if (inlen >= 4 && in[inlen - 1] == '=')
		pad = in[inlen - 2] == '=' ? 2 : 1;
	n = inlen / 4 * 3 - pad;
	if (outcap < n)
		return HM_ERR_BUFFER;

	for (size_t i = 0; i < inlen; i += 4) {
		int last = i + 4 == inlen;
		size_t symbols = last ? 4 - pad : 4;
		uint32_t v = 0;

		for (size_t k = 0; k < 4; k++) {
			unsigned s = k < symbols ? b64_value((uint8_t)in[i + k], &bad) : 0;
			v = v << 6 | s;
		}
		if (symbols == 4) {
			dst[o++] = (uint8_t)(v >> 16);
			dst[o++] = (uint8_t)(v >> 8);
			dst[o++] = (uint8_t)v;
		} else if (symbols == 3) {
			bad |= 0u - ((v & 0xff) != 0); /* unused low bits must be zero */
			dst[o++] = (uint8_t)(v >> 16);
			dst[o++] = (uint8_t)(v >> 8);
		} else {
			bad |= 0u - ((v & 0xffff) != 0);
			dst[o++] = (uint8_t)(v >> 16);
		}
	}
	if (bad != 0) {
		hm_wipe(out, n);
		return HM_ERR_ENCODING;
	}
	*outlen = n;
	return HM_OK;
}
