/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tlog-tiles (ct_tiles.h): tile paths, tile and bundle reads from the LMDB
 * log, and the client-side subtree source that computes roots and proofs
 * from tiles alone.
 */
#include <stdio.h>
#include <string.h>

#include "ct_internal.h"
#include "hypermesh/ct_tiles.h"
#include "hypermesh/error.h"

#define H HM_CT_HASH_LEN

/* The number of complete subtrees of height 8 * level in a tree of size leaves. */
static uint64_t nodes_at(uint64_t size, unsigned level)
{
	return level < 8 ? size >> (HM_CT_TILE_HEIGHT * level) : 0;
}

unsigned hm_ct_tile_width(uint64_t tree_size, unsigned level, uint64_t index)
{
	uint64_t n = nodes_at(tree_size, level);

	if (level > HM_CT_TILE_LEVEL_MAX || index > n / HM_CT_TILE_WIDTH)
		return 0;
	if (index < n / HM_CT_TILE_WIDTH)
		return HM_CT_TILE_WIDTH;
	return (unsigned)(n % HM_CT_TILE_WIDTH);
}

/* Whether a tree of fewer than 2^64 leaves can hold tile (level, index) at width. */
static int tile_can_exist(unsigned level, uint64_t index, unsigned width)
{
	const uint64_t most = nodes_at(UINT64_MAX, level);

	return most >= width && index <= (most - width) / HM_CT_TILE_WIDTH;
}

static int tile_valid(const struct hm_ct_tile *t)
{
	return t != NULL && (t->entries == 0 || t->entries == 1) &&
	       t->level <= HM_CT_TILE_LEVEL_MAX && (!t->entries || t->level == 0) &&
	       t->width >= 1 && t->width <= HM_CT_TILE_WIDTH;
}

int hm_ct_tile_path_format(const struct hm_ct_tile *t, char *out, size_t cap)
{
	char groups[8][5];
	size_t ng = 0, pos;
	uint64_t n;
	int w;

	if (!tile_valid(t) || out == NULL)
		return HM_ERR_INVALID;
	/* Three-digit groups, least significant first. */
	n = t->index;
	do {
		snprintf(groups[ng++], sizeof(groups[0]), "%03u", (unsigned)(n % 1000));
		n /= 1000;
	} while (n > 0);

	if (t->entries)
		w = snprintf(out, cap, "tile/entries/");
	else
		w = snprintf(out, cap, "tile/%u/", t->level);
	if (w < 0 || (size_t)w >= cap)
		return HM_ERR_BUFFER;
	pos = (size_t)w;
	while (ng > 0) {
		ng--;
		w = snprintf(out + pos, cap - pos, ng > 0 ? "x%s/" : "%s", groups[ng]);
		if (w < 0 || (size_t)w >= cap - pos)
			return HM_ERR_BUFFER;
		pos += (size_t)w;
	}
	if (t->width < HM_CT_TILE_WIDTH) {
		w = snprintf(out + pos, cap - pos, ".p/%u", t->width);
		if (w < 0 || (size_t)w >= cap - pos)
			return HM_ERR_BUFFER;
	}
	return HM_OK;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * A decimal number without leading zeroes, at most max, occupying exactly
 * s[0 .. len). 1 on success.
 */
static int parse_small_decimal(const char *s, size_t len, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return 0;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return 0;
	*out = v;
	return 1;
}

/* Parses <N>[.p/<W>] occupying all of s[0 .. len). HM_OK, HM_ERR_INVALID or HM_ERR_RANGE. */
static int parse_index(const char *s, size_t len, uint64_t *index, unsigned *width)
{
	size_t pos = 0, groups = 0;
	uint64_t v = 0;
	int range = 0;

	*width = HM_CT_TILE_WIDTH;
	for (;;) {
		/* "xDDD/" for every group but the last, "DDD" for the last. */
		int more = pos < len && s[pos] == 'x';
		unsigned g;

		if (more)
			pos++;
		if (len - pos < 3 || !is_digit(s[pos]) || !is_digit(s[pos + 1]) ||
		    !is_digit(s[pos + 2]))
			return HM_ERR_INVALID;
		g = (unsigned)(s[pos] - '0') * 100 + (unsigned)(s[pos + 1] - '0') * 10 +
		    (unsigned)(s[pos + 2] - '0');
		/* A leading "x000/" is a non-canonical spelling of a shorter path. */
		if (groups == 0 && more && g == 0)
			return HM_ERR_INVALID;
		pos += 3;
		groups++;
		if (v > (UINT64_MAX - g) / 1000)
			range = 1; /* keep checking the syntax: a bad path is INVALID first */
		else
			v = v * 1000 + g;
		if (!more)
			break;
		if (pos >= len || s[pos] != '/' || groups >= 7)
			return HM_ERR_INVALID;
		pos++;
	}
	if (pos < len) {
		if (len - pos < 4 || memcmp(s + pos, ".p/", 3) != 0 ||
		    !parse_small_decimal(s + pos + 3, len - pos - 3, HM_CT_TILE_WIDTH - 1, width) ||
		    *width == 0)
			return HM_ERR_INVALID;
	}
	if (range)
		return HM_ERR_RANGE;
	*index = v;
	return HM_OK;
}

int hm_ct_tile_path_parse(struct hm_ct_tile *t, const char *path, size_t len)
{
	static const char tile[] = "tile/", entries[] = "entries/";
	struct hm_ct_tile r = { 0 };
	size_t pos = sizeof(tile) - 1;
	int rc;

	if (t == NULL)
		return HM_ERR_INVALID;
	memset(t, 0, sizeof(*t));
	if (path == NULL || len < pos || memcmp(path, tile, pos) != 0)
		return HM_ERR_INVALID;
	if (len - pos >= sizeof(entries) - 1 &&
	    memcmp(path + pos, entries, sizeof(entries) - 1) == 0) {
		r.entries = 1;
		pos += sizeof(entries) - 1;
	} else {
		size_t end = pos;
		while (end < len && path[end] != '/')
			end++;
		if (end == len ||
		    !parse_small_decimal(path + pos, end - pos, HM_CT_TILE_LEVEL_MAX, &r.level))
			return HM_ERR_INVALID;
		pos = end + 1;
	}
	rc = parse_index(path + pos, len - pos, &r.index, &r.width);
	if (rc == HM_OK && !tile_can_exist(r.level, r.index, r.width))
		rc = HM_ERR_RANGE;
	if (rc == HM_OK)
		*t = r;
	return rc;
}

int hm_ct_tile_read(struct hm_ct_log *log, uint64_t tree_size, const struct hm_ct_tile *t,
                    struct hm_buf *out)
{
	uint64_t first;

	if (log == NULL || out == NULL || !tile_valid(t))
		return HM_ERR_INVALID;
	/* Present at this width in some tree up to tree_size (see ct_tiles.h). */
	if (!tile_can_exist(t->level, t->index, t->width) ||
	    nodes_at(tree_size, t->level) < t->index * HM_CT_TILE_WIDTH + t->width)
		return HM_ERR_NOT_FOUND;
	first = t->index * HM_CT_TILE_WIDTH;
	if (t->entries)
		return ct_log_read_bundle(log, tree_size, first, t->width, out);
	return ct_log_read_hashes(log, tree_size, HM_CT_TILE_HEIGHT * t->level, first, t->width,
	                          out);
}

int hm_ct_bundle_next(const uint8_t *bundle, size_t len, size_t *off, const uint8_t **entry,
                      size_t *entry_len)
{
	size_t n;

	if (off == NULL || entry == NULL || entry_len == NULL || (bundle == NULL && len > 0) ||
	    *off > len)
		return HM_ERR_INVALID;
	if (*off == len)
		return HM_ERR_NOT_FOUND;
	if (len - *off < 2)
		return HM_ERR_TRUNCATED;
	n = (size_t)bundle[*off] << 8 | bundle[*off + 1];
	if (len - *off - 2 < n)
		return HM_ERR_TRUNCATED;
	*entry = bundle + *off + 2;
	*entry_len = n;
	*off += 2 + n;
	return HM_OK;
}

/* ---- client side ---- */

void hm_ct_tile_source_init(struct hm_ct_tile_source *src, hm_ct_tile_fetch_fn fetch, void *ctx,
                            uint64_t tree_size)
{
	memset(src, 0, sizeof(*src));
	src->fetch = fetch;
	src->fetch_ctx = ctx;
	src->tree_size = tree_size;
	hm_buf_init(&src->buf);
}

void hm_ct_tile_source_free(struct hm_ct_tile_source *src)
{
	if (src == NULL)
		return;
	hm_buf_free(&src->buf);
	src->have_cached = 0;
}

/* Folds n (a power of two) consecutive hashes into their subtree hash, in place. */
static void fold(uint8_t (*h)[H], size_t n, uint8_t out[H])
{
	for (; n > 1; n /= 2)
		for (size_t i = 0; i < n / 2; i++)
			hm_ct_node_hash(h[i], h[2 * i], h[2 * i + 1]);
	memcpy(out, h[0], H);
}

int hm_ct_tile_subtree(void *ctx, uint64_t start, unsigned level, uint8_t out[H])
{
	struct hm_ct_tile_source *src = ctx;
	uint8_t tmp[HM_CT_TILE_WIDTH / 2][H];
	const uint8_t(*h)[H];
	struct hm_ct_tile t = { 0 };
	unsigned in_tile;
	uint64_t node;
	size_t count, off;
	int rc;

	if (src == NULL || out == NULL || src->fetch == NULL || level > 63)
		return HM_ERR_INVALID;
	/* The subtree is 2^in_tile consecutive hashes of the tile at level / 8. */
	t.level = level / HM_CT_TILE_HEIGHT;
	in_tile = level % HM_CT_TILE_HEIGHT;
	count = (size_t)1 << in_tile;
	node = (start >> level) << in_tile; /* index among the tile level's hashes */
	t.index = node / HM_CT_TILE_WIDTH;
	off = (size_t)(node % HM_CT_TILE_WIDTH);
	t.width = hm_ct_tile_width(src->tree_size, t.level, t.index);
	if (t.width < off + count)
		return HM_ERR_RANGE; /* not a complete subtree of this tree */

	if (!src->have_cached || src->cached.level != t.level || src->cached.index != t.index ||
	    src->cached.width != t.width) {
		src->have_cached = 0;
		src->buf.len = 0;
		rc = src->fetch(src->fetch_ctx, &t, &src->buf);
		if (rc != HM_OK)
			return rc;
		if (src->buf.len != (size_t)t.width * H)
			return HM_ERR_VERIFY;
		src->cached = t;
		src->have_cached = 1;
	}
	h = (const uint8_t(*)[H])(src->buf.data + off * H);
	if (count == 1) {
		memcpy(out, h[0], H);
		return HM_OK;
	}
	/* The bottom level is hashed from the tile into tmp, the rest in place. */
	for (size_t i = 0; i < count / 2; i++)
		hm_ct_node_hash(tmp[i], h[2 * i], h[2 * i + 1]);
	fold(tmp, count / 2, out);
	return HM_OK;
}
