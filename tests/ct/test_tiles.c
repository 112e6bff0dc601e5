/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tlog-tiles against the LMDB log: a client that sees nothing but the tiles
 * the log serves must compute the same roots and the same inclusion and
 * consistency proofs as the log itself, for tree sizes on and around every
 * tile boundary; entry bundles must give back the stored entries; paths must
 * format and parse canonically and refuse every other spelling.
 */
#define _POSIX_C_SOURCE 200809L
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypermesh/ct_log.h"
#include "hypermesh/ct_merkle.h"
#include "hypermesh/ct_tiles.h"
#include "hypermesh/error.h"
#include "test.h"

#define H HM_CT_HASH_LEN

static char dir[256], path[300];

static struct hm_ct_log *new_log(void)
{
	const char *t = getenv("TMPDIR");
	struct hm_ct_log *log = NULL;

	snprintf(dir, sizeof(dir), "%s/hm-ct-tiles-XXXXXX", t != NULL && *t ? t : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/log.mdb", dir);
	CHECK_ERR(hm_ct_log_open(path, HM_CT_LOG_CREATE | HM_CT_LOG_NOSYNC, 0, &log), HM_OK);
	return log;
}

static void drop_log(struct hm_ct_log *log)
{
	char lock[320];

	hm_ct_log_close(log);
	snprintf(lock, sizeof(lock), "%s-lock", path);
	unlink(path);
	unlink(lock);
	rmdir(dir);
}

/* Leaf i: (i * 7) % 41 bytes of a pattern (leaf 0 is empty). */
static size_t make_leaf(uint64_t i, uint8_t *buf)
{
	size_t n = (size_t)(i * 7 % 41);

	for (size_t k = 0; k < n; k++)
		buf[k] = (uint8_t)(i >> (8 * (k % 8))) ^ (uint8_t)k;
	return n;
}

/* Appends leaves until the log has `to` of them. */
static void grow(struct hm_ct_log *log, uint64_t to)
{
	static uint8_t data[1000][41];
	struct hm_ct_leaf leaves[1000];
	uint64_t size;

	CHECK_ERR(hm_ct_log_size(log, &size), HM_OK);
	while (size < to) {
		size_t n = to - size < 1000 ? (size_t)(to - size) : 1000;
		for (size_t k = 0; k < n; k++)
			leaves[k] = (struct hm_ct_leaf){ data[k], make_leaf(size + k, data[k]) };
		CHECK_ERR(hm_ct_log_append_batch(log, leaves, n, NULL), HM_OK);
		size += n;
	}
}

/* ---- paths ---- */

struct path_case {
	int entries;
	unsigned level;
	uint64_t index;
	unsigned width;
	const char *path;
};

static const struct path_case good_paths[] = {
	{ 0, 0, 0, 256, "tile/0/000" },
	{ 0, 0, 5, 256, "tile/0/005" },
	{ 0, 0, 999, 256, "tile/0/999" },
	{ 0, 0, 1000, 256, "tile/0/x001/000" },
	{ 0, 0, 1234067, 256, "tile/0/x001/x234/067" },
	{ 0, 1, 1234067, 8, "tile/1/x001/x234/067.p/8" },
	{ 0, 2, 0, 1, "tile/2/000.p/1" },
	{ 0, 6, 255, 255, "tile/6/255.p/255" },
	{ 0, 7, 0, 255, "tile/7/000.p/255" },
	{ 1, 0, 0, 256, "tile/entries/000" },
	{ 1, 0, 5, 255, "tile/entries/005.p/255" },
	{ 1, 0, 1234067, 3, "tile/entries/x001/x234/067.p/3" },
	/* The last index any level-0 tile can have: (2^64 - 1) / 256 - 1 full, ... */
	{ 0, 0, UINT64_C(72057594037927934), 256, "tile/0/x072/x057/x594/x037/x927/934" },
	/* ... and one partial tile of 255 beyond it. */
	{ 0, 0, UINT64_C(72057594037927935), 255, "tile/0/x072/x057/x594/x037/x927/935.p/255" },
};

static void test_path_format_parse(void)
{
	for (size_t i = 0; i < sizeof(good_paths) / sizeof(good_paths[0]); i++) {
		const struct path_case *c = &good_paths[i];
		struct hm_ct_tile t = { c->entries, c->level, c->index, c->width }, got;
		char buf[HM_CT_TILE_PATH_MAX];

		CHECK_ERR(hm_ct_tile_path_format(&t, buf, sizeof(buf)), HM_OK);
		if (strcmp(buf, c->path) != 0) {
			fprintf(stderr, "format: got %s, want %s\n", buf, c->path);
			CHECK(0);
		}
		CHECK_ERR(hm_ct_tile_path_parse(&got, c->path, strlen(c->path)), HM_OK);
		CHECK_EQ(got.entries, c->entries);
		CHECK_EQ(got.level, c->level);
		CHECK(got.index == c->index);
		CHECK_EQ(got.width, c->width);
		CHECK_EQ(hm_ct_tile_is_full(&got), c->width == 256);
	}
}

struct bad_path {
	const char *path;
	int rc;
};

static const struct bad_path bad_paths[] = {
	{ "", HM_ERR_INVALID },
	{ "tile", HM_ERR_INVALID },
	{ "tile/", HM_ERR_INVALID },
	{ "tile/0", HM_ERR_INVALID },
	{ "tile/0/", HM_ERR_INVALID },
	{ "/tile/0/000", HM_ERR_INVALID },
	{ "tile//000", HM_ERR_INVALID },
	{ "tile/00/000", HM_ERR_INVALID }, /* leading zero in L */
	{ "tile/01/000", HM_ERR_INVALID },
	{ "tile/64/000", HM_ERR_INVALID }, /* L > 63 */
	{ "tile/-1/000", HM_ERR_INVALID },
	{ "tile/+1/000", HM_ERR_INVALID },
	{ "tile/ 1/000", HM_ERR_INVALID },
	{ "tile/0/0", HM_ERR_INVALID }, /* groups are three digits */
	{ "tile/0/00", HM_ERR_INVALID },
	{ "tile/0/0000", HM_ERR_INVALID },
	{ "tile/0/x000/001", HM_ERR_INVALID }, /* a leading zero group */
	{ "tile/0/x000/x001/002", HM_ERR_INVALID },
	{ "tile/0/x1/000", HM_ERR_INVALID },
	{ "tile/0/001/002", HM_ERR_INVALID }, /* inner group without x */
	{ "tile/0/x001", HM_ERR_INVALID },    /* last group with x */
	{ "tile/0/x001/", HM_ERR_INVALID },
	{ "tile/0/X001/002", HM_ERR_INVALID },
	{ "tile/0/000/", HM_ERR_INVALID },
	{ "tile/0/000 ", HM_ERR_INVALID },
	{ "tile/0/000?a=1", HM_ERR_INVALID },
	{ "tile/0/00a", HM_ERR_INVALID },
	{ "tile/0/000.p", HM_ERR_INVALID },
	{ "tile/0/000.p/", HM_ERR_INVALID },
	{ "tile/0/000.p/0", HM_ERR_INVALID }, /* W in 1..255 */
	{ "tile/0/000.p/256", HM_ERR_INVALID },
	{ "tile/0/000.p/08", HM_ERR_INVALID }, /* leading zero in W */
	{ "tile/0/000.p/1/", HM_ERR_INVALID },
	{ "tile/0/000.p/1x", HM_ERR_INVALID },
	{ "tile/0/000.P/1", HM_ERR_INVALID },
	{ "tile/0/000.q/1", HM_ERR_INVALID },
	{ "tile/0/000.p/-1", HM_ERR_INVALID },
	{ "tile/entries", HM_ERR_INVALID },
	{ "tile/entries/", HM_ERR_INVALID },
	{ "tile/entries/0", HM_ERR_INVALID },
	{ "tile/Entries/000", HM_ERR_INVALID },
	{ "tile/entries/000.p/0", HM_ERR_INVALID },
	{ "tile/entry/000", HM_ERR_INVALID },
	{ "tiles/0/000", HM_ERR_INVALID },
	{ "tile/0/x001/x002/x003/x004/x005/x006/x007/008", HM_ERR_INVALID }, /* 8 groups */
	/* Syntactically fine, but no tree of fewer than 2^64 leaves has them. */
	{ "tile/0/x072/x057/x594/x037/x927/935", HM_ERR_RANGE },
	{ "tile/0/x072/x057/x594/x037/x927/936.p/1", HM_ERR_RANGE },
	{ "tile/0/x999/x999/x999/x999/x999/x999/999", HM_ERR_RANGE }, /* past 2^64 */
	{ "tile/entries/x072/x057/x594/x037/x927/936.p/1", HM_ERR_RANGE },
	{ "tile/7/000", HM_ERR_RANGE },
	{ "tile/7/001.p/1", HM_ERR_RANGE },
	{ "tile/8/000.p/1", HM_ERR_RANGE },
	{ "tile/63/000.p/1", HM_ERR_RANGE },
};

static void test_path_bad(void)
{
	struct hm_ct_tile t;

	for (size_t i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++) {
		const struct bad_path *c = &bad_paths[i];
		int rc = hm_ct_tile_path_parse(&t, c->path, strlen(c->path));
		if (rc != c->rc) {
			fprintf(stderr, "parse \"%s\": %s, want %s\n", c->path, hm_strerror(rc),
			        hm_strerror(c->rc));
			CHECK(0);
		}
		CHECK(t.index == 0 && t.width == 0 && t.level == 0 && t.entries == 0);
	}
	/* A NUL inside the given length is just a bad byte. */
	CHECK_ERR(hm_ct_tile_path_parse(&t, "tile/0/000\0", 11), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_tile_path_parse(&t, "tile/0/0\0000", 10), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_tile_path_parse(&t, NULL, 0), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_tile_path_parse(NULL, "tile/0/000", 10), HM_ERR_INVALID);
}

static void test_path_format_errors(void)
{
	char buf[HM_CT_TILE_PATH_MAX];
	struct hm_ct_tile t = { 0, 0, 1234067, 8 };

	CHECK_ERR(hm_ct_tile_path_format(&t, buf, 10), HM_ERR_BUFFER);
	CHECK_ERR(hm_ct_tile_path_format(&t, buf, strlen("tile/0/x001/x234/067.p/8")),
	          HM_ERR_BUFFER);
	CHECK_ERR(hm_ct_tile_path_format(&t, buf, strlen("tile/0/x001/x234/067.p/8") + 1), HM_OK);
	t.width = 0;
	CHECK_ERR(hm_ct_tile_path_format(&t, buf, sizeof(buf)), HM_ERR_INVALID);
	t.width = 257;
	CHECK_ERR(hm_ct_tile_path_format(&t, buf, sizeof(buf)), HM_ERR_INVALID);
	t = (struct hm_ct_tile){ 0, 64, 0, 1 };
	CHECK_ERR(hm_ct_tile_path_format(&t, buf, sizeof(buf)), HM_ERR_INVALID);
	t = (struct hm_ct_tile){ 1, 1, 0, 1 }; /* bundles have no level */
	CHECK_ERR(hm_ct_tile_path_format(&t, buf, sizeof(buf)), HM_ERR_INVALID);
	/* The longest path fits HM_CT_TILE_PATH_MAX. */
	t = (struct hm_ct_tile){ 1, 0, UINT64_MAX, 255 };
	CHECK_ERR(hm_ct_tile_path_format(&t, buf, sizeof(buf)), HM_OK);
	CHECK(strcmp(buf, "tile/entries/x018/x446/x744/x073/x709/x551/615.p/255") == 0);
}

/* tlog-tiles' own example: a tree of 70,000 entries. */
static void test_widths(void)
{
	CHECK_EQ(hm_ct_tile_width(70000, 0, 0), 256);
	CHECK_EQ(hm_ct_tile_width(70000, 0, 272), 256);
	CHECK_EQ(hm_ct_tile_width(70000, 0, 273), 112);
	CHECK_EQ(hm_ct_tile_width(70000, 0, 274), 0);
	CHECK_EQ(hm_ct_tile_width(70000, 1, 0), 256);
	CHECK_EQ(hm_ct_tile_width(70000, 1, 1), 17);
	CHECK_EQ(hm_ct_tile_width(70000, 2, 0), 1);
	CHECK_EQ(hm_ct_tile_width(70000, 3, 0), 0);
	/* "a tree of size 256 ... a full level 0 tile and a partial level 1 tile of width 1" */
	CHECK_EQ(hm_ct_tile_width(256, 0, 0), 256);
	CHECK_EQ(hm_ct_tile_width(256, 0, 1), 0);
	CHECK_EQ(hm_ct_tile_width(256, 1, 0), 1);
	CHECK_EQ(hm_ct_tile_width(0, 0, 0), 0);
	CHECK_EQ(hm_ct_tile_width(UINT64_MAX, 7, 0), 255);
	CHECK_EQ(hm_ct_tile_width(UINT64_MAX, 8, 0), 0);
	CHECK_EQ(hm_ct_tile_width(UINT64_MAX, 64, 0), 0);
	CHECK_EQ(hm_ct_tile_width(UINT64_MAX, 0, UINT64_MAX), 0);
}

/* ---- the client: everything from tiles ---- */

struct fetcher {
	struct hm_ct_log *log;
	uint64_t tree_size;
	unsigned fetches;
	int corrupt; /* serve one byte short, to check the source notices */
};

static int fetch_tile(void *ctx, const struct hm_ct_tile *t, struct hm_buf *out)
{
	struct fetcher *f = ctx;
	char p[HM_CT_TILE_PATH_MAX];
	struct hm_ct_tile parsed;
	int rc;

	/* Go through the path, as an HTTP client and server would. */
	rc = hm_ct_tile_path_format(t, p, sizeof(p));
	if (rc == HM_OK)
		rc = hm_ct_tile_path_parse(&parsed, p, strlen(p));
	if (rc == HM_OK)
		rc = hm_ct_tile_read(f->log, f->tree_size, &parsed, out);
	if (rc == HM_OK && f->corrupt)
		rc = hm_buf_truncate(out, out->len - 1);
	f->fetches++;
	return rc;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * A client that verified a checkpoint of size n fetches the tiles of that
 * size from a server now serving size server_size >= n.
 */
static void check_size_from_tiles(struct hm_ct_log *log, uint64_t n, uint64_t server_size)
{
	struct fetcher f = { log, server_size, 0, 0 };
	struct hm_ct_tile_source src;
	uint8_t want[H], got[H];
	uint8_t p1[HM_CT_PROOF_MAX][H], p2[HM_CT_PROOF_MAX][H];
	size_t l1, l2;

	hm_ct_tile_source_init(&src, fetch_tile, &f, n);
	CHECK_ERR(hm_ct_log_root(log, n, want), HM_OK);
	CHECK_ERR(hm_ct_range_root(hm_ct_tile_subtree, &src, 0, n, got), HM_OK);
	if (memcmp(want, got, H) != 0) {
		fprintf(stderr, "root from tiles differs at size %llu\n", (unsigned long long)n);
		CHECK(0);
	}
	/* Inclusion proofs: the edges and some random indices. */
	for (int k = 0; n > 0 && k < 24; k++) {
		uint64_t i = k == 0 ? 0 : k == 1 ? n - 1 : k == 2 ? (n - 1) / 2 : rnd() % n;
		uint8_t leaf[H];
		CHECK_ERR(hm_ct_log_inclusion_proof(log, i, n, p1, HM_CT_PROOF_MAX, &l1), HM_OK);
		CHECK_ERR(hm_ct_inclusion_proof(hm_ct_tile_subtree, &src, i, n, p2, HM_CT_PROOF_MAX,
		                                &l2),
		          HM_OK);
		CHECK(l1 == l2 && memcmp(p1, p2, l1 * H) == 0);
		/* And the leaf hash from the level-0 tile verifies with it. */
		CHECK_ERR(hm_ct_tile_subtree(&src, i, 0, leaf), HM_OK);
		CHECK_ERR(hm_ct_verify_inclusion(leaf, i, n, (const uint8_t(*)[H])p2, l2, got),
		          HM_OK);
	}
	/* Consistency proofs from older sizes. */
	for (int k = 0; n > 0 && k < 12; k++) {
		uint64_t m = k == 0 ? n : k == 1 ? 1 : 1 + rnd() % n;
		CHECK_ERR(hm_ct_log_consistency_proof(log, m, n, p1, HM_CT_PROOF_MAX, &l1), HM_OK);
		CHECK_ERR(hm_ct_consistency_proof(hm_ct_tile_subtree, &src, m, n, p2,
		                                  HM_CT_PROOF_MAX, &l2),
		          HM_OK);
		CHECK(l1 == l2 && memcmp(p1, p2, l1 * H) == 0);
	}
	hm_ct_tile_source_free(&src);
}

static void test_roots_and_proofs_from_tiles(void)
{
	static const uint64_t sizes[] = { 0,   1,   2,     3,     255,   256,   257,  511,
		                          512, 513, 65535, 65536, 65537, 65539, 70000 };
	struct hm_ct_log *log = new_log();

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		grow(log, sizes[i]);
		check_size_from_tiles(log, sizes[i], sizes[i]);
	}
	/*
	 * A client behind the log: the partial tiles of its older checkpoint
	 * (narrower than today's) are still served, as tlog-tiles requires.
	 */
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		check_size_from_tiles(log, sizes[i], 70000);
	drop_log(log);
}

static void test_tile_contents(void)
{
	struct hm_ct_log *log = new_log();
	struct hm_buf b;
	struct hm_ct_tile t;
	uint8_t h[H], root[H];

	grow(log, 300);
	hm_buf_init(&b);

	/* Level 0 tile 0: the first 256 leaf hashes. */
	t = (struct hm_ct_tile){ 0, 0, 0, 256 };
	CHECK_ERR(hm_ct_tile_read(log, 300, &t, &b), HM_OK);
	CHECK_EQ(b.len, 256 * H);
	for (uint64_t i = 0; i < 256 && b.len == 256 * H; i++) {
		CHECK_ERR(hm_ct_log_leaf_hash(log, i, h), HM_OK);
		CHECK(memcmp(b.data + i * H, h, H) == 0);
	}
	/* The partial level 0 tile 1 of width 44 for size 300. */
	b.len = 0;
	t = (struct hm_ct_tile){ 0, 0, 1, 44 };
	CHECK_ERR(hm_ct_tile_read(log, 300, &t, &b), HM_OK);
	CHECK_EQ(b.len, 44 * H);
	CHECK_ERR(hm_ct_log_leaf_hash(log, 299, h), HM_OK);
	CHECK(b.len == 44 * H && memcmp(b.data + 43 * H, h, H) == 0);
	/* Level 1 tile 0, width 1: the root of the first 256 leaves. */
	b.len = 0;
	t = (struct hm_ct_tile){ 0, 1, 0, 1 };
	CHECK_ERR(hm_ct_tile_read(log, 300, &t, &b), HM_OK);
	CHECK_ERR(hm_ct_log_root(log, 256, root), HM_OK);
	CHECK(b.len == H && memcmp(b.data, root, H) == 0);

	/* Partials that an earlier size had: a prefix of the tile. */
	b.len = 0;
	t = (struct hm_ct_tile){ 0, 0, 1, 10 };
	CHECK_ERR(hm_ct_tile_read(log, 300, &t, &b), HM_OK);
	CHECK_ERR(hm_ct_log_leaf_hash(log, 265, h), HM_OK);
	CHECK(b.len == 10 * H && memcmp(b.data + 9 * H, h, H) == 0);
	b.len = 0;
	t = (struct hm_ct_tile){ 0, 0, 0, 5 };
	CHECK_ERR(hm_ct_tile_read(log, 300, &t, &b), HM_OK);
	CHECK_ERR(hm_ct_log_leaf_hash(log, 4, h), HM_OK);
	CHECK(b.len == 5 * H && memcmp(b.data + 4 * H, h, H) == 0);

	/* Tiles the tree of 300 does not have; out stays as it was. */
	b.len = 0;
	t = (struct hm_ct_tile){ 0, 0, 1, 256 }; /* not full yet */
	CHECK_ERR(hm_ct_tile_read(log, 300, &t, &b), HM_ERR_NOT_FOUND);
	t = (struct hm_ct_tile){ 0, 0, 1, 45 }; /* wider than the tree */
	CHECK_ERR(hm_ct_tile_read(log, 300, &t, &b), HM_ERR_NOT_FOUND);
	t = (struct hm_ct_tile){ 0, 0, 2, 1 };
	CHECK_ERR(hm_ct_tile_read(log, 300, &t, &b), HM_ERR_NOT_FOUND);
	t = (struct hm_ct_tile){ 0, 1, 0, 2 };
	CHECK_ERR(hm_ct_tile_read(log, 300, &t, &b), HM_ERR_NOT_FOUND);
	t = (struct hm_ct_tile){ 0, 2, 0, 1 };
	CHECK_ERR(hm_ct_tile_read(log, 300, &t, &b), HM_ERR_NOT_FOUND);
	t = (struct hm_ct_tile){ 0, 7, 0, 1 };
	CHECK_ERR(hm_ct_tile_read(log, 300, &t, &b), HM_ERR_NOT_FOUND);
	t = (struct hm_ct_tile){ 0, 0, UINT64_MAX, 255 };
	CHECK_ERR(hm_ct_tile_read(log, 300, &t, &b), HM_ERR_NOT_FOUND);
	/* A tile the log has, as of a size it had: not served beyond that size. */
	t = (struct hm_ct_tile){ 0, 0, 1, 44 };
	CHECK_ERR(hm_ct_tile_read(log, 290, &t, &b), HM_ERR_NOT_FOUND);
	t = (struct hm_ct_tile){ 0, 0, 0, 256 };
	CHECK_ERR(hm_ct_tile_read(log, 255, &t, &b), HM_ERR_NOT_FOUND);
	/* A size beyond the log. */
	t = (struct hm_ct_tile){ 0, 0, 0, 1 };
	CHECK_ERR(hm_ct_tile_read(log, 301, &t, &b), HM_ERR_RANGE);
	CHECK_EQ(b.len, 0);
	/* Malformed tiles. */
	t = (struct hm_ct_tile){ 0, 0, 0, 0 };
	CHECK_ERR(hm_ct_tile_read(log, 300, &t, &b), HM_ERR_INVALID);
	t = (struct hm_ct_tile){ 1, 1, 0, 1 };
	CHECK_ERR(hm_ct_tile_read(log, 300, &t, &b), HM_ERR_INVALID);
	t = (struct hm_ct_tile){ 0, 0, 0, 1 };
	CHECK_ERR(hm_ct_tile_read(NULL, 300, &t, &b), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_tile_read(log, 300, NULL, &b), HM_ERR_INVALID);
	CHECK_EQ(b.len, 0);

	hm_buf_free(&b);
	drop_log(log);
}

static void test_bundles(void)
{
	struct hm_ct_log *log = new_log();
	struct hm_buf b, e;
	struct hm_ct_tile t;
	const uint8_t *entry;
	size_t off, len;
	static uint8_t big[70000];

	grow(log, 600);
	hm_buf_init(&b);
	hm_buf_init(&e);
	for (uint64_t n = 0; n < 3; n++) {
		unsigned w = hm_ct_tile_width(600, 0, n);
		t = (struct hm_ct_tile){ 1, 0, n, w };
		b.len = 0;
		CHECK_ERR(hm_ct_tile_read(log, 600, &t, &b), HM_OK);
		off = 0;
		for (unsigned i = 0; i < w; i++) {
			e.len = 0;
			CHECK_ERR(hm_ct_bundle_next(b.data, b.len, &off, &entry, &len), HM_OK);
			CHECK_ERR(hm_ct_log_entry(log, n * 256 + i, &e), HM_OK);
			CHECK(len == e.len && (len == 0 || memcmp(entry, e.data, len) == 0));
		}
		CHECK_ERR(hm_ct_bundle_next(b.data, b.len, &off, &entry, &len), HM_ERR_NOT_FOUND);
		/* Each entry hashes to the level-0 tile's hash (what clients check). */
		{
			struct hm_buf tile;
			struct hm_ct_tile ht = { 0, 0, n, w };
			uint8_t h[H];
			hm_buf_init(&tile);
			CHECK_ERR(hm_ct_tile_read(log, 600, &ht, &tile), HM_OK);
			off = 0;
			for (unsigned i = 0; i < w && tile.len == (size_t)w * H; i++) {
				CHECK_ERR(hm_ct_bundle_next(b.data, b.len, &off, &entry, &len),
				          HM_OK);
				hm_ct_leaf_hash(h, entry, len);
				CHECK(memcmp(h, tile.data + i * H, H) == 0);
			}
			hm_buf_free(&tile);
		}
	}
	/* A truncated bundle. */
	t = (struct hm_ct_tile){ 1, 0, 0, 3 };
	b.len = 0;
	CHECK_ERR(hm_ct_tile_read(log, 600, &t, &b), HM_OK);
	for (size_t cut = 1; cut < b.len; cut++) {
		int rc = HM_OK;
		off = 0;
		while (rc == HM_OK)
			rc = hm_ct_bundle_next(b.data, b.len - cut, &off, &entry, &len);
		CHECK(rc == HM_ERR_TRUNCATED || (rc == HM_ERR_NOT_FOUND && off == b.len - cut));
	}
	off = 0;
	CHECK_ERR(hm_ct_bundle_next(b.data, 1, &off, &entry, &len), HM_ERR_TRUNCATED);
	off = 5;
	CHECK_ERR(hm_ct_bundle_next(b.data, 4, &off, &entry, &len), HM_ERR_INVALID);
	/* Beyond the tree. */
	t = (struct hm_ct_tile){ 1, 0, 2, 256 };
	CHECK_ERR(hm_ct_tile_read(log, 600, &t, &b), HM_ERR_NOT_FOUND);

	/* An entry too long for the uint16 prefix cannot be bundled. */
	memset(big, 0xab, sizeof(big));
	CHECK_ERR(hm_ct_log_append(log, big, 0xffff, NULL), HM_OK);      /* 600: fits exactly */
	CHECK_ERR(hm_ct_log_append(log, big, sizeof(big), NULL), HM_OK); /* 601 */
	b.len = 0;
	t = (struct hm_ct_tile){ 1, 0, 2, 89 };
	CHECK_ERR(hm_ct_tile_read(log, 602, &t, &b), HM_OK);
	t = (struct hm_ct_tile){ 1, 0, 2, 90 };
	b.len = 0;
	CHECK_ERR(hm_ct_tile_read(log, 602, &t, &b), HM_ERR_TOO_LARGE);
	CHECK_EQ(b.len, 0);
	/* The hash tile is fine. */
	t = (struct hm_ct_tile){ 0, 0, 2, 90 };
	CHECK_ERR(hm_ct_tile_read(log, 602, &t, &b), HM_OK);

	hm_buf_free(&b);
	hm_buf_free(&e);
	drop_log(log);
}

static void test_source_refuses_bad_tiles(void)
{
	struct hm_ct_log *log = new_log();
	struct fetcher f = { log, 1000, 0, 1 };
	struct hm_ct_tile_source src;
	uint8_t h[H];

	grow(log, 1000);
	hm_ct_tile_source_init(&src, fetch_tile, &f, 1000);
	CHECK_ERR(hm_ct_range_root(hm_ct_tile_subtree, &src, 0, 1000, h), HM_ERR_VERIFY);
	/* A subtree the tree does not have complete. */
	f.corrupt = 0;
	CHECK_ERR(hm_ct_tile_subtree(&src, 768, 8, h), HM_ERR_RANGE);
	CHECK_ERR(hm_ct_tile_subtree(&src, 1000, 3, h), HM_ERR_RANGE);
	CHECK_ERR(hm_ct_tile_subtree(&src, 992, 3, h), HM_OK);
	CHECK_ERR(hm_ct_tile_subtree(&src, 984, 3, h), HM_OK);
	/* One tile serves many subtrees: the source keeps the last one. */
	f.fetches = 0;
	for (uint64_t i = 0; i < 256; i++)
		CHECK_ERR(hm_ct_tile_subtree(&src, i, 0, h), HM_OK);
	CHECK_EQ(f.fetches, 1);
	/* The fetcher's own errors come back unchanged. */
	src.tree_size = f.tree_size = 2000; /* claims more than the log has */
	CHECK_ERR(hm_ct_tile_subtree(&src, 1024, 0, h), HM_ERR_RANGE);
	hm_ct_tile_source_free(&src);
	drop_log(log);
}

/* Deletes or overwrites one record of the closed log at path, with LMDB directly. */
static void tamper(const char *db, const void *k, size_t klen, const void *v, size_t vlen)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val key = { klen, (void *)k }, val = { vlen, (void *)v };

	CHECK(mdb_env_create(&env) == 0);
	CHECK(mdb_env_set_maxdbs(env, 8) == 0);
	CHECK(mdb_env_open(env, path, MDB_NOSUBDIR, 0600) == 0);
	CHECK(mdb_txn_begin(env, NULL, 0, &txn) == 0);
	CHECK(mdb_dbi_open(txn, db, 0, &dbi) == 0);
	if (v == NULL)
		CHECK(mdb_del(txn, dbi, &key, NULL) == 0);
	else
		CHECK(mdb_put(txn, dbi, &key, &val, 0) == 0);
	CHECK(mdb_txn_commit(txn) == 0);
	mdb_env_close(env);
}

/* A store that lacks what its size promises: HM_ERR_CORRUPT, out untouched. */
static void test_damaged_store(void)
{
	struct hm_ct_log *log = new_log();
	uint8_t node5[9] = { 0, 0, 0, 0, 0, 0, 0, 0, 5 },
	        node1_8[9] = { 8, 0, 0, 0, 0, 0, 0, 0, 1 };
	uint8_t leaf7[8] = { 0, 0, 0, 0, 0, 0, 0, 7 }, short_hash[31] = { 0 };
	struct hm_ct_tile t;
	struct hm_buf b;

	grow(log, 600);
	hm_ct_log_close(log);
	tamper("nodes", node5, sizeof(node5), NULL, 0);
	tamper("nodes", node1_8, sizeof(node1_8), short_hash, sizeof(short_hash));
	tamper("leaves", leaf7, sizeof(leaf7), NULL, 0);
	CHECK_ERR(hm_ct_log_open(path, HM_CT_LOG_READONLY, 0, &log), HM_OK);
	hm_buf_init(&b);
	CHECK_ERR(hm_buf_append(&b, "x", 1), HM_OK);
	t = (struct hm_ct_tile){ 0, 0, 0, 256 }; /* misses leaf hash 5 */
	CHECK_ERR(hm_ct_tile_read(log, 600, &t, &b), HM_ERR_CORRUPT);
	t = (struct hm_ct_tile){ 0, 0, 0, 5 }; /* stops before it */
	b.len = 1;
	CHECK_ERR(hm_ct_tile_read(log, 600, &t, &b), HM_OK);
	CHECK_EQ(b.len, 1 + 5 * H);
	b.len = 1;
	t = (struct hm_ct_tile){ 0, 1, 0, 2 }; /* its second hash is 31 bytes */
	CHECK_ERR(hm_ct_tile_read(log, 600, &t, &b), HM_ERR_CORRUPT);
	t = (struct hm_ct_tile){ 1, 0, 0, 256 }; /* misses entry 7 */
	CHECK_ERR(hm_ct_tile_read(log, 600, &t, &b), HM_ERR_CORRUPT);
	t = (struct hm_ct_tile){ 1, 0, 1, 256 };
	CHECK_ERR(hm_ct_tile_read(log, 600, &t, &b), HM_OK);
	CHECK_EQ(b.len > 1, 1);
	CHECK_EQ(b.data[0], 'x');
	hm_buf_free(&b);
	drop_log(log);
}

TEST_MAIN(test_path_format_parse, test_path_bad, test_path_format_errors, test_widths,
          test_roots_and_proofs_from_tiles, test_tile_contents, test_bundles,
          test_source_refuses_bad_tiles, test_damaged_store)
