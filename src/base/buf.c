/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/buf.h"
#include "hypermesh/error.h"
#include "hypermesh/secure.h"

void hm_buf_init(struct hm_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void hm_buf_free(struct hm_buf *b)
{
	if (b == NULL)
		return;
	if (b->data != NULL) {
		hm_wipe(b->data, b->cap);
		free(b->data);
	}
	hm_buf_init(b);
}

int hm_buf_reserve(struct hm_buf *b, size_t extra)
{
	size_t need, cap;
	uint8_t *p;

	if (extra > HM_BUF_MAX - b->len)
		return HM_ERR_TOO_LARGE;
	need = b->len + extra;
	if (need <= b->cap)
		return HM_OK;

	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > HM_BUF_MAX / 2 ? HM_BUF_MAX : cap * 2;

	/*
	 * Not realloc: the old block may hold secrets, and realloc would free it
	 * without wiping.
	 */
	p = malloc(cap);
	if (p == NULL)
		return HM_ERR_NOMEM;
	if (b->data != NULL) {
		memcpy(p, b->data, b->len);
		hm_wipe(b->data, b->cap);
		free(b->data);
	}
	b->data = p;
	b->cap = cap;
	return HM_OK;
}

int hm_buf_extend(struct hm_buf *b, size_t n, uint8_t **out)
{
	int rc = hm_buf_reserve(b, n);

	if (rc != HM_OK)
		return rc;
	*out = b->data + b->len;
	b->len += n;
	return HM_OK;
}

int hm_buf_append(struct hm_buf *b, const void *p, size_t n)
{
	uint8_t *dst;
	int rc;

	if (n == 0)
		return HM_OK;
	rc = hm_buf_extend(b, n, &dst);
	if (rc == HM_OK)
		memcpy(dst, p, n);
	return rc;
}

int hm_buf_append_byte(struct hm_buf *b, uint8_t byte)
{
	return hm_buf_append(b, &byte, 1);
}

int hm_buf_truncate(struct hm_buf *b, size_t new_len)
{
	if (new_len > b->len)
		return HM_ERR_INVALID;
	if (new_len == b->len)
		return HM_OK;
	hm_wipe(b->data + new_len, b->len - new_len);
	b->len = new_len;
	return HM_OK;
}
