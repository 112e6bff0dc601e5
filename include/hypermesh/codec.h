/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The canonical binary encoding (docs/ARCHITECTURE.md §Encoding), in the style
 * of the TLS presentation language (RFC 8446 §3):
 *
 *   - integers are fixed-width big-endian: u8, u16, u24, u32, u64;
 *   - fixed-size byte strings are written as they are;
 *   - a variable-length vector is declared with bounds <min..max> and carries a
 *     length prefix whose width follows from max, exactly as in TLS:
 *     1 byte if max <= 2^8-1, 2 if <= 2^16-1, 3 if <= 2^24-1, else 4
 *     (max may not exceed 2^32-1). Lengths count bytes.
 *
 * Because widths are fixed by the declaration, every value has exactly one
 * encoding, which is what lets us hash and sign encodings.
 *
 * Writers append to an hm_buf. Readers are bounds-checked cursors over a
 * borrowed byte range; a failed read leaves the cursor where it was, and
 * hm_reader_finish() rejects trailing bytes. Decoders must call it (or
 * check hm_reader_remaining()) so that no two byte strings decode alike.
 */
#ifndef HYPERMESH_CODEC_H
#define HYPERMESH_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"

#define HM_CODEC_VEC_MAX UINT32_C(0xffffffff)

/* Width in bytes (1..4) of the length prefix for a vector declared <..max>. */
unsigned hm_codec_prefix_len(size_t max);

/* ---- writing ---- */

/* Each returns HM_OK or an hm_buf error (HM_ERR_NOMEM, HM_ERR_TOO_LARGE). */
int hm_put_u8(struct hm_buf *b, uint8_t v);
int hm_put_u16(struct hm_buf *b, uint16_t v);
/* HM_ERR_RANGE if v > 0xffffff. */
int hm_put_u24(struct hm_buf *b, uint32_t v);
int hm_put_u32(struct hm_buf *b, uint32_t v);
int hm_put_u64(struct hm_buf *b, uint64_t v);
/* A fixed-size field: n bytes, no prefix. */
int hm_put_bytes(struct hm_buf *b, const void *p, size_t n);

/*
 * A vector <min..max> holding the n bytes at p. HM_ERR_LENGTH if n is outside
 * [min, max]; HM_ERR_INVALID if min > max or max > HM_CODEC_VEC_MAX.
 */
int hm_put_vec(struct hm_buf *b, size_t min, size_t max, const void *p, size_t n);

/*
 * Nested vectors whose contents are encoded in place: begin reserves the
 * prefix, the caller appends the contents, end writes the prefix and checks
 * the bounds (HM_ERR_LENGTH). Marks nest like parentheses.
 */
struct hm_vec_mark {
	size_t prefix_at; /* offset of the length prefix in the buffer */
	size_t min, max;
	unsigned prefix_len;
};
int hm_put_vec_begin(struct hm_buf *b, size_t min, size_t max, struct hm_vec_mark *mark);
int hm_put_vec_end(struct hm_buf *b, const struct hm_vec_mark *mark);

/* ---- reading ---- */

struct hm_reader {
	const uint8_t *data;
	size_t len;
	size_t pos;
};

void hm_reader_init(struct hm_reader *r, const void *data, size_t len);
size_t hm_reader_remaining(const struct hm_reader *r);

/* Each returns HM_OK, or HM_ERR_TRUNCATED if the input ends inside the field. */
int hm_get_u8(struct hm_reader *r, uint8_t *v);
int hm_get_u16(struct hm_reader *r, uint16_t *v);
int hm_get_u24(struct hm_reader *r, uint32_t *v);
int hm_get_u32(struct hm_reader *r, uint32_t *v);
int hm_get_u64(struct hm_reader *r, uint64_t *v);

/* A fixed-size field of n bytes, copied to out. HM_ERR_TRUNCATED. */
int hm_get_bytes(struct hm_reader *r, void *out, size_t n);

/* A fixed-size field of n bytes, borrowed: *p points into the input. HM_ERR_TRUNCATED. */
int hm_get_view(struct hm_reader *r, size_t n, const uint8_t **p);

/*
 * A vector <min..max>, borrowed: *p and *n describe its contents inside the
 * input. Returns HM_ERR_TRUNCATED if the prefix or contents run past the end,
 * HM_ERR_LENGTH if the declared length is outside [min, max] (an overlong
 * length is refused before anything is read), HM_ERR_INVALID for a bad
 * declaration (min > max, max > HM_CODEC_VEC_MAX).
 */
int hm_get_vec(struct hm_reader *r, size_t min, size_t max, const uint8_t **p, size_t *n);

/* Like hm_get_vec, but yields a sub-reader over the contents, for nested structures. */
int hm_get_vec_reader(struct hm_reader *r, size_t min, size_t max, struct hm_reader *sub);

/* HM_OK if every byte was consumed, HM_ERR_TRAILING otherwise. */
int hm_reader_finish(const struct hm_reader *r);

#endif
