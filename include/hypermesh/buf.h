/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A growable byte buffer. Embedded by the caller (_init/_free); the bytes are
 * heap-owned by the buffer. hm_buf_free() wipes before releasing, because
 * buffers routinely hold encoded keys.
 */
#ifndef HYPERMESH_BUF_H
#define HYPERMESH_BUF_H

#include <stddef.h>
#include <stdint.h>

struct hm_buf {
	uint8_t *data; /* NULL until the first reservation */
	size_t len;    /* bytes in use */
	size_t cap;    /* bytes allocated */
};

/* Buffers never grow beyond this, so sizes stay far from SIZE_MAX arithmetic. */
#define HM_BUF_MAX ((size_t)1 << 40)

void hm_buf_init(struct hm_buf *b);

/* Wipes and frees the contents and re-initialises b. Accepts NULL. */
void hm_buf_free(struct hm_buf *b);

/*
 * Ensures room for extra more bytes beyond len. Returns HM_OK, HM_ERR_TOO_LARGE
 * if len + extra would exceed HM_BUF_MAX, or HM_ERR_NOMEM. On failure b is
 * unchanged.
 */
int hm_buf_reserve(struct hm_buf *b, size_t extra);

/* Appends n bytes (p may be NULL when n is 0). Errors as hm_buf_reserve. */
int hm_buf_append(struct hm_buf *b, const void *p, size_t n);

int hm_buf_append_byte(struct hm_buf *b, uint8_t byte);

/*
 * Appends n bytes and returns a pointer to them in *out for the caller to
 * fill (valid until the next call that may grow b). Errors as hm_buf_reserve.
 */
int hm_buf_extend(struct hm_buf *b, size_t n, uint8_t **out);

/* Shrinks len to new_len (wiping the dropped bytes). new_len > len is HM_ERR_INVALID. */
int hm_buf_truncate(struct hm_buf *b, size_t new_len);

#endif
