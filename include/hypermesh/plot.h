/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PoSpace plots on disk: the prover's side (docs/PROOFS.md §PoSpace).
 *
 * A plot directory holds
 *   plot.labels  2^log2 labels of 32 bytes, label i at offset 32 i;
 *   plot.tree    the Merkle tree above the leaves, level 1 (2^(log2-1)
 *                nodes) first, up to the root: 32 (2^log2 - 1) bytes;
 *   plot.meta    written last (atomically), so a plot without it is
 *                incomplete:  opaque magic[4] = "HMPL"; uint8 version = 1;
 *                opaque key_id[32]; uint8 log2; opaque root[32];
 *                opaque checksum[32] (SHA3-256 of the preceding bytes).
 * Openings are reads: a label, its two parents, and log2 tree nodes.
 */
#ifndef HYPERMESH_PLOT_H
#define HYPERMESH_PLOT_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"
#include "hypermesh/proofs.h"

/*
 * Creates a plot of 2^log2 labels for key_id in the existing directory dir
 * (refuses to overwrite an existing plot.meta). progress (may be NULL) is
 * called now and then with (done, total) work units. commitment (may be NULL)
 * gets the result. HM_OK; HM_ERR_INVALID (log2 out of range); HM_ERR_EXISTS;
 * HM_ERR_IO and file errors; HM_ERR_NOMEM.
 */
int hm_plot_create(const char *dir, const uint8_t key_id[HM_KEY_ID_LEN], unsigned log2,
                   void (*progress)(void *arg, uint64_t done, uint64_t total), void *arg,
                   struct hm_plot_commitment *commitment);

/* An open plot (opaque; files mapped read-only). */
struct hm_plot;

/*
 * Opens the plot in dir and checks its files' sizes against plot.meta.
 * HM_OK; HM_ERR_NOT_FOUND (no plot.meta: missing or incomplete plot);
 * HM_ERR_CORRUPT (bad meta, checksum, or a data file of the wrong size or
 * missing); HM_ERR_IO; HM_ERR_NOMEM.
 */
int hm_plot_open(const char *dir, struct hm_plot **out);
void hm_plot_close(struct hm_plot *plot);
void hm_plot_commitment(const struct hm_plot *plot, struct hm_plot_commitment *out);

/*
 * Appends the SpaceProof (proofs.h) answering the challenges of
 * (anchor_hash, digest). Each opening's label is re-derived from its parents
 * and its path checked against the root before it is used, so a damaged plot
 * is reported, not proven from. HM_OK; HM_ERR_CORRUPT; buffer errors.
 */
int hm_plot_prove(const struct hm_plot *plot, const uint8_t anchor_hash[HM_PROOF_HASH_LEN],
                  const uint8_t digest[HM_ENV_DIGEST_LEN], struct hm_buf *out);

/* Parses sizes like "1MiB", "64MiB", "1GiB", "4096" (bytes) into the label count's log2:
 * the size must be a power of two between 32 * 2^HM_SPACE_LOG2_MIN and 32 * 2^HM_SPACE_LOG2_MAX.
 * HM_OK or HM_ERR_INVALID. */
int hm_plot_parse_size(const char *text, unsigned *log2);

#endif
