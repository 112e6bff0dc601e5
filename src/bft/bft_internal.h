/* SPDX-License-Identifier: Apache-2.0 */
/* Cross-file internals of hm_bft. */
#ifndef HYPERMESH_BFT_INTERNAL_H
#define HYPERMESH_BFT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/bft.h"
#include "hypermesh/buf.h"

/* A TC's canonical encoding (as inside a block), for the certificate cache. */
int bft_tc_encode(struct hm_buf *out, const struct hm_bft_tc *tc);

/* Safety record: uint64 last_voted_view; QC high_qc. */
int hm_bft_safety_encode(struct hm_buf *out, uint64_t last_voted_view, const struct hm_bft_qc *qc);
int hm_bft_safety_decode(const uint8_t *p, size_t len, uint64_t *last_voted_view,
                         struct hm_bft_qc *qc);

/*
 * A set of 32-byte hashes with a uint32 value each (open addressing, linear
 * probing, backward-shift deletion), sized at init for max_items.
 * bft_hset_get returns UINT32_MAX when the hash is absent; bft_hset_put
 * replaces the value of a present hash, and refuses a new one beyond
 * max_items with HM_ERR_TOO_LARGE.
 */
struct bft_hset {
	uint32_t *slot;
	uint8_t (*key)[HM_BFT_HASH_LEN];
	size_t mask, n;
};

int bft_hset_init(struct bft_hset *s, size_t max_items);
void bft_hset_free(struct bft_hset *s);
void bft_hset_clear(struct bft_hset *s);
uint32_t bft_hset_get(const struct bft_hset *s, const uint8_t *hash);
int bft_hset_put(struct bft_hset *s, const uint8_t *hash, uint32_t value);
void bft_hset_del(struct bft_hset *s, const uint8_t *hash);

/* Committed transaction hashes remembered to refuse resubmission. */
#define BFT_RECENT_TXS (1u << 16)

struct bft_mp_entry {
	uint8_t hash[HM_BFT_HASH_LEN];
	int live;
	struct hm_buf tx;
};

/* Pending transactions in arrival order (entries e[0..n), some dead). */
struct bft_mempool {
	struct bft_mp_entry *e;
	size_t n, cap, live, dead;
	uint64_t bytes;
	uint32_t max_txs;
	uint64_t max_bytes;
	struct bft_hset index; /* hash -> position in e */
	uint8_t (*recent)[HM_BFT_HASH_LEN];
	size_t recent_n, recent_pos;
	struct bft_hset recent_set;
};

int bft_mempool_init(struct bft_mempool *m, uint32_t max_txs, uint64_t max_bytes);
void bft_mempool_free(struct bft_mempool *m);
/* HM_OK, HM_ERR_EXISTS (pending or recently committed), HM_ERR_TOO_LARGE (full), HM_ERR_NOMEM. */
int bft_mempool_add(struct bft_mempool *m, const uint8_t hash[HM_BFT_HASH_LEN], const uint8_t *tx,
                    size_t len);
/* The transaction was committed: drop it if pending and remember its hash. */
void bft_mempool_committed(struct bft_mempool *m, const uint8_t hash[HM_BFT_HASH_LEN]);

#endif
