/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict hex (base16) and base64 (RFC 4648 §4, standard alphabet, padded).
 *
 * "Strict" means there is exactly one accepted spelling per byte string,
 * except for hex letter case: no whitespace, no "0x", no missing or extra
 * padding, no non-zero bits in the unused part of the last base64 symbol.
 * Both codecs run in time independent of the byte values (WireGuard style),
 * since they carry keys; only lengths and validity are observable.
 */
#ifndef HYPERMESH_ENCODING_H
#define HYPERMESH_ENCODING_H

#include <stddef.h>
#include <stdint.h>

/* Characters (excluding the NUL) that encoding n bytes produces. */
#define HM_HEX_LEN(n)    ((n)*2)
#define HM_BASE64_LEN(n) (((n) + 2) / 3 * 4)

/*
 * Writes lowercase hex of in[0..n) plus a NUL into out. Returns HM_OK, or
 * HM_ERR_BUFFER if outcap < HM_HEX_LEN(n) + 1 (out untouched).
 */
int hm_hex_encode(char *out, size_t outcap, const void *in, size_t n);

/*
 * Decodes inlen hex characters (either case) into out; *outlen gets the byte
 * count. Returns HM_OK; HM_ERR_ENCODING for an odd length or any character
 * outside [0-9a-fA-F]; HM_ERR_BUFFER if outcap < inlen / 2. On error nothing
 * useful is left in out (it is wiped) and *outlen is 0.
 */
int hm_hex_decode(void *out, size_t outcap, size_t *outlen, const char *in, size_t inlen);

/* Like hm_hex_decode, but requires exactly want bytes (HM_ERR_LENGTH otherwise). */
int hm_hex_decode_exact(void *out, size_t want, const char *in, size_t inlen);

/*
 * Writes padded base64 of in[0..n) plus a NUL. HM_ERR_BUFFER if
 * outcap < HM_BASE64_LEN(n) + 1.
 */
int hm_base64_encode(char *out, size_t outcap, const void *in, size_t n);

/*
 * Decodes padded base64. Returns HM_OK; HM_ERR_ENCODING if inlen is not a
 * multiple of 4, a character is outside the alphabet, '=' appears anywhere
 * but the last one or two positions, or the unused bits of the final symbol
 * are not zero; HM_ERR_BUFFER if out is too small for the decoded bytes.
 * On error out is wiped and *outlen is 0.
 */
int hm_base64_decode(void *out, size_t outcap, size_t *outlen, const char *in, size_t inlen);

#endif
