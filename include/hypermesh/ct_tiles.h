/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tiled read API of the log (c2sp.org/tlog-tiles): the Merkle tree as
 * "tiles" of 256 consecutive hashes and the entries as "bundles" of 256,
 * served as static resources under
 *
 *   tile/<L>/<N>[.p/<W>]        hash tile: level L, index N, width W
 *   tile/entries/<N>[.p/<W>]    entry bundle
 *
 * Hash tile N at level L holds, for i < W,
 *
 *   MTH(D[(N*256 + i) * 256^L : (N*256 + i + 1) * 256^L])
 *
 * which is the stored subtree hash at height 8L, index N*256 + i (ct_log.h's
 * "nodes" database keeps every complete subtree), so a tile is 256
 * consecutive B-tree reads. A full tile has W = 256 (8192 bytes); the
 * rightmost tiles of a tree are partial, W = floor(size / 256^L) mod 256.
 * An entry bundle is the entries N*256 .. N*256+W-1, each prefixed with its
 * length as a big-endian uint16.
 *
 * <N> is written in groups of three digits, all but the last prefixed with
 * 'x' (1234067 -> x001/x234/067); <L> and <W> are decimal without leading
 * zeroes. Paths here are relative to the log's URL prefix: "tile/0/000",
 * never "/tile/0/000".
 *
 * Caching: the bytes at a path never change (a partial tile of width W is a
 * prefix of the final full tile), but which partial tile a client needs moves
 * with every checkpoint and logs may stop serving a partial once the full
 * tile exists. Servers therefore mark full tiles immutable and give partial
 * ones a short lifetime (docs/CT.md).
 */
#ifndef HYPERMESH_CT_TILES_H
#define HYPERMESH_CT_TILES_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"
#include "hypermesh/ct_log.h"
#include "hypermesh/ct_merkle.h"

#define HM_CT_TILE_HEIGHT      8      /* tree levels per tile level */
#define HM_CT_TILE_WIDTH       256    /* hashes in a full tile, entries in a full bundle */
#define HM_CT_TILE_LEVEL_MAX   63     /* the largest <L> a path may carry */
#define HM_CT_TILE_PATH_MAX    64     /* room for any path and its NUL */
#define HM_CT_BUNDLE_ENTRY_MAX 0xffff /* an entry bundle's uint16 length prefix */

/* One tile or entry bundle. */
struct hm_ct_tile {
	int entries;    /* 1: an entry bundle (level is 0), 0: a hash tile */
	unsigned level; /* L, 0 .. HM_CT_TILE_LEVEL_MAX */
	uint64_t index; /* N */
	unsigned width; /* W, 1 .. 256; 256 is a full tile */
};

/* 1 if t is a full tile or bundle (immutable for ever), 0 if partial. */
static inline int hm_ct_tile_is_full(const struct hm_ct_tile *t)
{
	return t->width == HM_CT_TILE_WIDTH;
}

/*
 * The width of tile (level, index) in a tree of tree_size leaves: 256 if
 * it is full, 1..255 if partial, 0 if the tree has none of its hashes (or
 * level is above HM_CT_TILE_LEVEL_MAX). Entry bundle N has the width of
 * hash tile (0, N).
 */
unsigned hm_ct_tile_width(uint64_t tree_size, unsigned level, uint64_t index);

/*
 * Writes the path of t ("tile/1/x001/234.p/7", "tile/entries/000") and a
 * NUL to out (cap bytes; HM_CT_TILE_PATH_MAX always suffices). HM_OK;
 * HM_ERR_INVALID (a level or width out of range); HM_ERR_BUFFER.
 */
int hm_ct_tile_path_format(const struct hm_ct_tile *t, char *out, size_t cap);

/*
 * Parses path[0 .. len) (relative to the log prefix, no leading '/', no
 * query) strictly: only the canonical spelling of a tile is accepted (no
 * leading zeroes in L or W, N in full three-digit groups with no leading
 * "x000/", W in 1..255 after ".p/"). HM_OK; HM_ERR_INVALID for anything
 * else; HM_ERR_RANGE for a tile that no tree of fewer than 2^64 leaves can
 * have (N too large for its level, or L of 8 and above). On failure *t is
 * zeroed.
 */
int hm_ct_tile_path_parse(struct hm_ct_tile *t, const char *path, size_t len);

/*
 * Appends the contents of t, as of the tree of tree_size leaves, to out:
 * W * 32 hash bytes for a hash tile, the length-prefixed entries for a
 * bundle. tree_size is the size of the checkpoint being served (at most the
 * log's current size). A partial tile of width W is served when some tree
 * size up to tree_size had it, that is when tile (L, N) holds at least W
 * hashes at tree_size: tlog-tiles requires a log to keep serving the
 * partial tiles of every size it has signed a checkpoint for, and the
 * prefix of a stored tile is exactly that partial tile.
 *
 * Returns HM_OK; HM_ERR_NOT_FOUND (the tree of tree_size leaves does not
 * have that tile at that width: beyond the tree, or a full tile that is not
 * yet full); HM_ERR_RANGE (tree_size beyond the log); HM_ERR_INVALID (bad
 * arguments); HM_ERR_TOO_LARGE (an entry over HM_CT_BUNDLE_ENTRY_MAX bytes
 * cannot be put in a bundle); HM_ERR_CORRUPT; HM_ERR_IO; buffer errors. On
 * failure out is unchanged.
 */
int hm_ct_tile_read(struct hm_ct_log *log, uint64_t tree_size, const struct hm_ct_tile *t,
                    struct hm_buf *out) __attribute__((warn_unused_result));

/*
 * Steps through an entry bundle: reads the entry at *off in bundle[0 .. len)
 * into (*entry, *entry_len) (borrowed) and advances *off. HM_OK;
 * HM_ERR_NOT_FOUND at the end (*off == len); HM_ERR_TRUNCATED if the bundle
 * ends inside an entry.
 */
int hm_ct_bundle_next(const uint8_t *bundle, size_t len, size_t *off, const uint8_t **entry,
                      size_t *entry_len);

/* ---- the client side: proofs from tiles ---- */

/*
 * Fetches tile t (its bytes appended to out), as a client would over HTTP.
 * Returns HM_OK or an error passed back to the caller unchanged.
 */
typedef int (*hm_ct_tile_fetch_fn)(void *ctx, const struct hm_ct_tile *t, struct hm_buf *out);

/*
 * A source of subtree hashes (ct_merkle.h's hm_ct_subtree_fn) built from the
 * tiles of a tree of tree_size leaves alone: pass hm_ct_tile_subtree with a
 * struct hm_ct_tile_source * as ctx to hm_ct_range_root,
 * hm_ct_inclusion_proof or hm_ct_consistency_proof to compute the root and
 * proofs a client needs from tiles it fetched. Each call fetches the one tile
 * holding the subtree (the last one fetched is kept) at the width tree_size
 * gives it and hashes up to 128 of its hashes together. A tile of the wrong
 * length is HM_ERR_VERIFY.
 */
struct hm_ct_tile_source {
	hm_ct_tile_fetch_fn fetch;
	void *fetch_ctx;
	uint64_t tree_size;
	/* private: the last tile fetched */
	struct hm_ct_tile cached;
	int have_cached;
	struct hm_buf buf;
};

/* Initialises src (release with hm_ct_tile_source_free). */
void hm_ct_tile_source_init(struct hm_ct_tile_source *src, hm_ct_tile_fetch_fn fetch, void *ctx,
                            uint64_t tree_size);
void hm_ct_tile_source_free(struct hm_ct_tile_source *src);

/* An hm_ct_subtree_fn over a struct hm_ct_tile_source. */
int hm_ct_tile_subtree(void *src, uint64_t start, unsigned level, uint8_t out[HM_CT_HASH_LEN]);

#endif
