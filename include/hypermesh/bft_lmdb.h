/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The consensus storage (struct hm_bft_storage) in LMDB: the safety record,
 * the committed chain by height and the voted blocks by hash, in one
 * environment. By default every call is one write transaction, committed
 * (and so fsync'ed by LMDB) before it returns, which is what the replica
 * needs: a vote or a commit is released only after its record is durable.
 * Deferred mode groups the writes of one replica step into one durable
 * transaction; its owner must then flush before any output of that step
 * leaves the process (docs/CONSENSUS.md §7).
 */
#ifndef HYPERMESH_BFT_LMDB_H
#define HYPERMESH_BFT_LMDB_H

#include <stddef.h>

#include "hypermesh/bft.h"

#define HM_BFT_LMDB_MAP_DEFAULT ((size_t)1 << 30)

struct hm_bft_lmdb;

/*
 * Opens (creating if needed) the store in the existing directory dir, with a
 * map of map_size bytes (0: HM_BFT_LMDB_MAP_DEFAULT). Returns HM_OK,
 * HM_ERR_INVALID (NULL or empty dir), HM_ERR_NOMEM, HM_ERR_NOT_FOUND (no such
 * directory), HM_ERR_PERMISSION, HM_ERR_CORRUPT (not an LMDB file, or
 * shorter than LMDB's own record of it: truncated), HM_ERR_IO.
 */
int hm_bft_lmdb_open(struct hm_bft_lmdb **out, const char *dir, size_t map_size);

/* Closes the store. Accepts NULL. */
void hm_bft_lmdb_close(struct hm_bft_lmdb *db);

/*
 * Fills st with the store's functions; db must outlive every replica using
 * it. The functions return HM_OK, HM_ERR_NOT_FOUND (load past the end, an
 * unknown hash), HM_ERR_INVALID (append out of order), HM_ERR_TOO_LARGE (map
 * full), HM_ERR_NOMEM or HM_ERR_IO.
 */
void hm_bft_lmdb_storage(struct hm_bft_lmdb *db, struct hm_bft_storage *st);

/*
 * Deferred mode, for a caller that drains the replica's outputs in one place
 * (the node): from now on writes collect in one open write transaction,
 * visible to this store's reads at once, durable only at hm_bft_lmdb_flush.
 * The caller must flush before sending or acting on any output the replica
 * produced since the last flush. Not undone; hm_bft_lmdb_close flushes.
 */
void hm_bft_lmdb_defer(struct hm_bft_lmdb *db);

/*
 * Commits the pending writes in one durable transaction (one sync). HM_OK
 * (also when nothing is pending), or the store's failure.
 */
int hm_bft_lmdb_flush(struct hm_bft_lmdb *db);

/*
 * HM_OK, or the first failure of the store itself (map full: HM_ERR_TOO_LARGE;
 * I/O; a corrupt row: HM_ERR_CORRUPT), as opposed to a refused call (an
 * append out of order, an unknown key). A failure is sticky: every later
 * write and flush returns it, and writes pending at that moment are dropped.
 * The replica reports the storage error as it reports a bad message, so its
 * owner asks here whether the node must stop.
 */
int hm_bft_lmdb_failure(const struct hm_bft_lmdb *db);

/* Durable write transactions committed since open (syncs, for metrics and tests). */
uint64_t hm_bft_lmdb_commits(const struct hm_bft_lmdb *db);

/*
 * Keeps a committed evidence record (HM_BFT_EVIDENCE_LEN bytes, as the
 * replica outputs it with HM_BFT_OUT_EVIDENCE_COMMITTED) with its block
 * height, one per (kind, validator, view). HM_OK, HM_ERR_EXISTS (that key is
 * already stored), HM_ERR_INVALID (not a record), or an LMDB error.
 */
int hm_bft_lmdb_put_evidence(struct hm_bft_lmdb *db, uint64_t height, const uint8_t *rec,
                             size_t len);

/*
 * How many records are stored, and how many name each validator. HM_OK,
 * HM_ERR_CORRUPT (a row of the wrong shape), or an LMDB error.
 */
int hm_bft_lmdb_evidence_summary(struct hm_bft_lmdb *db, uint64_t *count,
                                 uint64_t per_validator[HM_BFT_MAX_VALIDATORS]);

#endif
