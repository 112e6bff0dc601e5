/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "hypermesh/codec.h"
#include "hypermesh/error.h"

unsigned hm_codec_prefix_len(size_t max)
{
	if (max <= 0xff)
		return 1;
	if (max <= 0xffff)
		return 2;
	if (max <= 0xffffff)
		return 3;
	return 4;
}

static void store_be(uint8_t *p, uint64_t v, unsigned width)
{
	for (unsigned i = 0; i < width; i++)
		p[i] = (uint8_t)(v >> (8 * (width - 1 - i)));
}

static uint64_t load_be(const uint8_t *p, unsigned width)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < width; i++)
		v = (v << 8) | p[i];
	return v;
}

static int put_be(struct hm_buf *b, uint64_t v, unsigned width)
{
	uint8_t *p;
	int rc = hm_buf_extend(b, width, &p);

	if (rc == HM_OK)
		store_be(p, v, width);
	return rc;
}

int hm_put_u8(struct hm_buf *b, uint8_t v)
{
	return put_be(b, v, 1);
}

int hm_put_u16(struct hm_buf *b, uint16_t v)
{
	return put_be(b, v, 2);
}

int hm_put_u24(struct hm_buf *b, uint32_t v)
{
	if (v > 0xffffff)
		return HM_ERR_RANGE;
	return put_be(b, v, 3);
}

int hm_put_u32(struct hm_buf *b, uint32_t v)
{
	return put_be(b, v, 4);
}

int hm_put_u64(struct hm_buf *b, uint64_t v)
{
	return put_be(b, v, 8);
}

int hm_put_bytes(struct hm_buf *b, const void *p, size_t n)
{
	return hm_buf_append(b, p, n);
}

static int check_decl(size_t min, size_t max)
{
	return (min > max || max > HM_CODEC_VEC_MAX) ? HM_ERR_INVALID : HM_OK;
}

int hm_put_vec(struct hm_buf *b, size_t min, size_t max, const void *p, size_t n)
{
	size_t start = b->len;
	int rc = check_decl(min, max);

	if (rc != HM_OK)
		return rc;
	if (n < min || n > max)
		return HM_ERR_LENGTH;
	rc = put_be(b, n, hm_codec_prefix_len(max));
	if (rc == HM_OK)
		rc = hm_buf_append(b, p, n);
	if (rc != HM_OK)
		hm_buf_truncate(b, start); /* leave b as it was */
	return rc;
}

int hm_put_vec_begin(struct hm_buf *b, size_t min, size_t max, struct hm_vec_mark *mark)
{
	int rc = check_decl(min, max);

	if (rc != HM_OK)
		return rc;
	mark->prefix_at = b->len;
	mark->min = min;
	mark->max = max;
	mark->prefix_len = hm_codec_prefix_len(max);
	return put_be(b, 0, mark->prefix_len);
}

int hm_put_vec_end(struct hm_buf *b, const struct hm_vec_mark *mark)
{
	size_t body_at = mark->prefix_at + mark->prefix_len;
	size_t n;

	if (body_at > b->len)
		return HM_ERR_INVALID; /* mark does not belong to this buffer state */
	n = b->len - body_at;
	if (n < mark->min || n > mark->max)
		return HM_ERR_LENGTH;
	store_be(b->data + mark->prefix_at, n, mark->prefix_len);
	return HM_OK;
}

void hm_reader_init(struct hm_reader *r, const void *data, size_t len)
{
	/* Never NULL, so that pointer arithmetic on an empty input is defined. */
	static const uint8_t empty[1];

	r->data = data != NULL ? data : empty;
	r->len = len;
	r->pos = 0;
}

size_t hm_reader_remaining(const struct hm_reader *r)
{
	return r->len - r->pos;
}

static int get_be(struct hm_reader *r, unsigned width, uint64_t *v)
{
	if (hm_reader_remaining(r) < width)
		return HM_ERR_TRUNCATED;
	*v = load_be(r->data + r->pos, width);
	r->pos += width;
	return HM_OK;
}

int hm_get_u8(struct hm_reader *r, uint8_t *v)
{
	uint64_t x;
	int rc = get_be(r, 1, &x);

	if (rc == HM_OK)
		*v = (uint8_t)x;
	return rc;
}

int hm_get_u16(struct hm_reader *r, uint16_t *v)
{
	uint64_t x;
	int rc = get_be(r, 2, &x);

	if (rc == HM_OK)
		*v = (uint16_t)x;
	return rc;
}

int hm_get_u24(struct hm_reader *r, uint32_t *v)
{
	uint64_t x;
	int rc = get_be(r, 3, &x);

	if (rc == HM_OK)
		*v = (uint32_t)x;
	return rc;
}

int hm_get_u32(struct hm_reader *r, uint32_t *v)
{
	uint64_t x;
	int rc = get_be(r, 4, &x);

	if (rc == HM_OK)
		*v = (uint32_t)x;
	return rc;
}

int hm_get_u64(struct hm_reader *r, uint64_t *v)
{
	return get_be(r, 8, v);
}

int hm_get_view(struct hm_reader *r, size_t n, const uint8_t **p)
{
	if (hm_reader_remaining(r) < n)
		return HM_ERR_TRUNCATED;
	*p = r->data + r->pos;
	r->pos += n;
	return HM_OK;
}

int hm_get_bytes(struct hm_reader *r, void *out, size_t n)
{
	const uint8_t *p;
	int rc = hm_get_view(r, n, &p);

	if (rc == HM_OK && n > 0)
		memcpy(out, p, n);
	return rc;
}

int hm_get_vec(struct hm_reader *r, size_t min, size_t max, const uint8_t **p, size_t *n)
{
	size_t saved = r->pos;
	unsigned width;
	uint64_t len;
	int rc = check_decl(min, max);

	if (rc != HM_OK)
		return rc;
	width = hm_codec_prefix_len(max);
	rc = get_be(r, width, &len);
	if (rc != HM_OK)
		return rc;
	if (len < min || len > max) {
		r->pos = saved;
		return HM_ERR_LENGTH;
	}
	if (hm_reader_remaining(r) < len) {
		r->pos = saved;
		return HM_ERR_TRUNCATED;
	}
	*p = r->data + r->pos;
	*n = (size_t)len;
	r->pos += (size_t)len;
	return HM_OK;
}

int hm_get_vec_reader(struct hm_reader *r, size_t min, size_t max, struct hm_reader *sub)
{
	const uint8_t *p;
	size_t n;
	int rc = hm_get_vec(r, min, max, &p, &n);

	if (rc == HM_OK)
		hm_reader_init(sub, p, n);
	return rc;
}

int hm_reader_finish(const struct hm_reader *r)
{
	return hm_reader_remaining(r) == 0 ? HM_OK : HM_ERR_TRAILING;
}
