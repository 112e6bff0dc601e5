/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A persistent, append-only certificate-transparency log (RFC 6962 §2.1) in
 * one LMDB file. It stores every leaf and the hash of every complete subtree,
 * so the root of any past size and any inclusion or consistency proof costs
 * O(log n) B-tree reads; appends cost O(1) amortised hashes and writes.
 *
 * Crash safety comes from LMDB: a batch of appends is one write transaction,
 * so after a crash the log holds either all of a batch or none of it, and
 * the stored size, leaves and hashes always agree.
 *
 * Storage layout (docs/CT.md): the file at path (MDB_NOSUBDIR; LMDB keeps its
 * reader table in path-lock) holds three named databases:
 *   "meta"   "format" -> u32 (big-endian) format version, 1
 *            "size"   -> u64 (big-endian) number of leaves
 *   "leaves" u64 index (big-endian)                 -> the leaf bytes
 *   "nodes"  u8 level || u64 (index >> level) (BE)  -> 32-byte subtree hash
 *            (level 0 holds the leaf hashes)
 *
 * A handle is used by one thread at a time. Several processes may open the
 * same file; LMDB serialises their writers.
 */
#ifndef HYPERMESH_CT_LOG_H
#define HYPERMESH_CT_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"
#include "hypermesh/ct_merkle.h"

/* The largest leaf accepted, in bytes (a certificate chain fits easily). */
#define HM_CT_LOG_LEAF_MAX ((size_t)1 << 20)

/* The map size used when 0 is given: the most the file can grow to. */
#define HM_CT_LOG_MAP_DEFAULT ((size_t)1 << 30)

/* The current storage format version. */
#define HM_CT_LOG_FORMAT 1

enum hm_ct_log_flags {
	HM_CT_LOG_CREATE = 1 << 0,   /* create the file if it does not exist */
	HM_CT_LOG_READONLY = 1 << 1, /* appends fail with HM_ERR_PERMISSION */
	/*
	 * Do not fsync at commit: much faster, and a crash still leaves a
	 * consistent log, but the last committed batches may be lost. For
	 * benchmarks and tests; a real log acknowledges only durable entries.
	 */
	HM_CT_LOG_NOSYNC = 1 << 2,
};

struct hm_ct_log;

/*
 * Opens (or with HM_CT_LOG_CREATE creates, mode 0600) the log at path.
 * map_size bounds the file (0: HM_CT_LOG_MAP_DEFAULT). *out gets a handle to
 * release with hm_ct_log_close().
 *
 * Returns HM_OK; HM_ERR_INVALID (bad flags or arguments); HM_ERR_NOT_FOUND
 * (no file and no HM_CT_LOG_CREATE, or a read-only open of a file that was
 * never initialised); HM_ERR_PERMISSION; HM_ERR_CORRUPT (not an LMDB file,
 * damaged LMDB header, a file shorter than its B-tree, or an LMDB file that
 * is not a CT log); HM_ERR_UNSUPPORTED (another storage format version);
 * HM_ERR_NOMEM; HM_ERR_IO.
 */
int hm_ct_log_open(const char *path, unsigned flags, size_t map_size, struct hm_ct_log **out);

/* Closes the handle (committed data is already on disk). Accepts NULL. */
void hm_ct_log_close(struct hm_ct_log *log);

/* A leaf to append, borrowed for the duration of the call. */
struct hm_ct_leaf {
	const void *data; /* may be NULL when len is 0 */
	size_t len;
};

/*
 * Appends n leaves in one write transaction; *first_index (may be NULL) gets
 * the index of the first. All or none are appended.
 *
 * Returns HM_OK; HM_ERR_INVALID (n == 0, NULL leaves); HM_ERR_TOO_LARGE (a
 * leaf over HM_CT_LOG_LEAF_MAX, or the map is full); HM_ERR_RANGE (the size
 * would overflow); HM_ERR_PERMISSION (read-only handle); HM_ERR_CORRUPT;
 * HM_ERR_NOMEM; HM_ERR_IO.
 */
int hm_ct_log_append_batch(struct hm_ct_log *log, const struct hm_ct_leaf *leaves, size_t n,
                           uint64_t *first_index);

/* Appends one leaf (its own transaction). Errors as hm_ct_log_append_batch. */
int hm_ct_log_append(struct hm_ct_log *log, const void *leaf, size_t len, uint64_t *index);

/* The number of leaves committed. HM_OK, HM_ERR_CORRUPT, HM_ERR_IO. */
int hm_ct_log_size(struct hm_ct_log *log, uint64_t *size);

/*
 * MTH of the first size leaves (any size up to the current one; 0 gives the
 * empty root). HM_OK; HM_ERR_RANGE if size exceeds the log; HM_ERR_CORRUPT
 * if a stored hash is missing or malformed; HM_ERR_IO.
 */
int hm_ct_log_root(struct hm_ct_log *log, uint64_t size, uint8_t out[HM_CT_HASH_LEN]);

/*
 * Appends leaf number index to out. HM_OK; HM_ERR_RANGE (index >= size);
 * HM_ERR_CORRUPT; buffer errors (HM_ERR_NOMEM, HM_ERR_TOO_LARGE); HM_ERR_IO.
 */
int hm_ct_log_entry(struct hm_ct_log *log, uint64_t index, struct hm_buf *out);

/* The stored leaf hash of entry index. Errors as hm_ct_log_entry. */
int hm_ct_log_leaf_hash(struct hm_ct_log *log, uint64_t index, uint8_t out[HM_CT_HASH_LEN]);

/*
 * PATH(index, D[size]) for any size up to the current one, as
 * hm_ct_inclusion_proof(). HM_OK; HM_ERR_RANGE (size exceeds the log);
 * HM_ERR_INVALID (index >= size); HM_ERR_BUFFER; HM_ERR_CORRUPT; HM_ERR_IO.
 */
int hm_ct_log_inclusion_proof(struct hm_ct_log *log, uint64_t index, uint64_t size,
                              uint8_t (*proof)[HM_CT_HASH_LEN], size_t cap, size_t *proof_len);

/*
 * PROOF(size1, D[size2]) for any 0 < size1 <= size2 <= current size.
 * HM_OK; HM_ERR_RANGE (size2 exceeds the log); HM_ERR_INVALID (size1 == 0
 * or size1 > size2); HM_ERR_BUFFER; HM_ERR_CORRUPT; HM_ERR_IO.
 */
int hm_ct_log_consistency_proof(struct hm_ct_log *log, uint64_t size1, uint64_t size2,
                                uint8_t (*proof)[HM_CT_HASH_LEN], size_t cap, size_t *proof_len);

/*
 * A full scan: rehashes every leaf and every stored subtree and checks that
 * nothing lies beyond the recorded size. O(n). LMDB keeps no checksums, so
 * this is how damage inside the data (rather than its structure) is found.
 * HM_OK, HM_ERR_CORRUPT, HM_ERR_NOMEM, HM_ERR_IO.
 */
int hm_ct_log_check(struct hm_ct_log *log);

#endif
