/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Falcon byte encodings (round-3 specification, section 3.11): public-key
 * packing of values mod q, fixed-width signed packing of the private
 * polynomials, and the compressed encoding of s2. Bits are packed most
 * significant first.
 */
#include <string.h>

#include "falcon_internal.h"
#include "hypermesh/error.h"

size_t falcon_modq_encode(uint8_t *out, const uint16_t *x, unsigned logn)
{
	size_t n = (size_t)1 << logn, v = 0;
	uint32_t acc = 0;
	unsigned acc_len = 0;

	for (size_t u = 0; u < n; u++) {
		acc = (acc << 14) | x[u];
		acc_len += 14;
		while (acc_len >= 8) {
			acc_len -= 8;
			out[v++] = (uint8_t)(acc >> acc_len);
		}
	}
	if (acc_len > 0)
		out[v++] = (uint8_t)(acc << (8 - acc_len));
	return v;
}

int falcon_modq_decode(uint16_t *x, const uint8_t *in, unsigned logn)
{
	size_t n = (size_t)1 << logn, len = (14 * n + 7) / 8, u = 0;
	uint32_t acc = 0;
	unsigned acc_len = 0;

	for (size_t v = 0; v < len && u < n; v++) {
		acc = (acc << 8) | in[v];
		acc_len += 8;
		if (acc_len >= 14) {
			uint32_t w;

			acc_len -= 14;
			w = (acc >> acc_len) & 0x3FFF;
			if (w >= FALCON_Q)
				return HM_ERR_INVALID;
			x[u++] = (uint16_t)w;
		}
	}
	if (u != n || (acc & ((1u << acc_len) - 1)) != 0)
		return HM_ERR_INVALID;
	return HM_OK;
}

size_t falcon_trim_i8_encode(uint8_t *out, const int8_t *x, unsigned logn, unsigned bits)
{
	size_t n = (size_t)1 << logn, v = 0;
	uint32_t acc = 0, mask = (1u << bits) - 1;
	unsigned acc_len = 0;

	for (size_t u = 0; u < n; u++) {
		acc = (acc << bits) | ((uint32_t)(int32_t)x[u] & mask);
		acc_len += bits;
		while (acc_len >= 8) {
			acc_len -= 8;
			out[v++] = (uint8_t)(acc >> acc_len);
		}
	}
	if (acc_len > 0)
		out[v++] = (uint8_t)(acc << (8 - acc_len));
	return v;
}

int falcon_trim_i8_decode(int8_t *x, const uint8_t *in, unsigned logn, unsigned bits)
{
	size_t n = (size_t)1 << logn, len = (n * bits + 7) / 8, u = 0;
	uint32_t acc = 0, mask = (1u << bits) - 1, sbit = 1u << (bits - 1);
	unsigned acc_len = 0;
	/* Checked without branching on the (secret) values; only the verdict leaks. */
	uint32_t bad = 0;

	for (size_t v = 0; v < len; v++) {
		acc = (acc << 8) | in[v];
		acc_len += 8;
		while (acc_len >= bits && u < n) {
			uint32_t w;

			acc_len -= bits;
			w = (acc >> acc_len) & mask;
			bad |= ((w ^ sbit) - 1) >> 31;
			/* Sign extension: w - 2^bits when the top bit is set. */
			w |= 0u - (w & sbit);
			x[u++] = (int8_t)(int32_t)w;
		}
	}
	if (u != n || bad || (acc & ((1u << acc_len) - 1)) != 0)
		return HM_ERR_INVALID;
	return HM_OK;
}

size_t falcon_comp_encode(uint8_t *out, size_t maxlen, const int16_t *x, unsigned logn)
{
	size_t n = (size_t)1 << logn, v = 0;
	uint32_t acc = 0;
	unsigned acc_len = 0;

	for (size_t u = 0; u < n; u++) {
		int t = x[u];
		uint32_t m, w;

		if (t < -2047 || t > 2047)
			return 0;
		m = (uint32_t)(t < 0 ? -t : t);
		/* Sign and the low 7 bits of |t|. */
		w = (t < 0 ? 0x80u : 0u) | (m & 0x7F);
		acc = (acc << 8) | w;
		acc_len += 8;
		/* High bits in unary: (m >> 7) zeros then a one. */
		acc <<= (m >> 7) + 1;
		acc |= 1;
		acc_len += (m >> 7) + 1;
		while (acc_len >= 8) {
			acc_len -= 8;
			if (v >= maxlen)
				return 0;
			out[v++] = (uint8_t)(acc >> acc_len);
		}
	}
	if (acc_len > 0) {
		if (v >= maxlen)
			return 0;
		out[v++] = (uint8_t)(acc << (8 - acc_len));
	}
	return v;
}

int falcon_comp_decode(int16_t *x, const uint8_t *in, size_t len, unsigned logn)
{
	size_t n = (size_t)1 << logn, v = 0;
	uint32_t acc = 0;
	unsigned acc_len = 0;

	for (size_t u = 0; u < n; u++) {
		uint32_t b, s, m;

		if (v >= len)
			return HM_ERR_INVALID;
		acc = (acc << 8) | in[v++];
		b = acc >> acc_len;
		s = b & 0x80;
		m = b & 0x7F;
		for (;;) {
			if (acc_len == 0) {
				if (v >= len)
					return HM_ERR_INVALID;
				acc = (acc << 8) | in[v++];
				acc_len = 8;
			}
			acc_len--;
			if ((acc >> acc_len) & 1)
				break;
			m += 128;
			if (m > 2047)
				return HM_ERR_INVALID;
		}
		/* "-0" has a second encoding; only +0 is canonical. */
		if (s && m == 0)
			return HM_ERR_INVALID;
		x[u] = (int16_t)(s ? -(int32_t)m : (int32_t)m);
	}
	if ((acc & ((1u << acc_len) - 1)) != 0 || v != len)
		return HM_ERR_INVALID;
	return HM_OK;
}
