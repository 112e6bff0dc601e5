/* SPDX-License-Identifier: Apache-2.0 */
/* The cache of verified peer chains (chain_cache.c); private to src/stoq. */
#ifndef HYPERMESH_STOQ_CHAIN_CACHE_H
#define HYPERMESH_STOQ_CHAIN_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/hash.h"
#include "hypermesh/trustchain.h"

#define STOQ_CHAIN_CACHE_MAX 64 /* chains an endpoint remembers */
#define STOQ_SERIAL_MAX      20 /* RFC 5280 §4.1.2.2: serials of up to 20 octets */

/* One accepted chain: root and certificates hashed, valid until valid_until. */
struct stoq_chain_cache_entry {
	uint8_t digest[HM_SHA256_LEN];
	uint64_t valid_from;  /* Unix seconds: the latest notBefore (root included) */
	uint64_t valid_until; /* the earliest notAfter */
	uint64_t last_used;   /* the cache's use clock: the least recent goes first */
	unsigned nserials;    /* the chain's certificates below the root, leaf first */
	uint8_t serial_len[HM_TC_CHAIN_MAX];
	uint8_t serial[HM_TC_CHAIN_MAX][STOQ_SERIAL_MAX];
};

struct stoq_chain_cache {
	struct stoq_chain_cache_entry *entries;
	size_t len, capacity;
	uint64_t clock;
};

/* capacity 0: nothing is cached. HM_OK or HM_ERR_NOMEM. */
int stoq_chain_cache_init(struct stoq_chain_cache *cache, size_t capacity);
void stoq_chain_cache_free(struct stoq_chain_cache *cache);

/* SHA-256 over the root and the n certificates, each behind its 32-bit length. */
int stoq_chain_digest(const uint8_t *root, size_t root_len, const uint8_t *const *der,
                      const size_t *len, size_t n, uint8_t out[HM_SHA256_LEN]);

/*
 * Fills e for a chain that was just verified: validity bounds over the
 * root and the chain, and each certificate's serial. HM_OK, HM_ERR_INVALID
 * (n), HM_ERR_ENCODING (a certificate does not parse) or HM_ERR_NOMEM.
 */
int stoq_chain_entry_make(struct stoq_chain_cache_entry *e, const uint8_t digest[HM_SHA256_LEN],
                          const uint8_t *root, size_t root_len, const uint8_t *const *der,
                          const size_t *len, size_t n);

/* The entry for digest if it is valid at now (an entry out of it is dropped), else NULL. */
const struct stoq_chain_cache_entry *stoq_chain_cache_find(struct stoq_chain_cache *cache,
                                                           const uint8_t digest[HM_SHA256_LEN],
                                                           uint64_t now);

/* Keeps a copy of e (replacing an expired or the least used entry); returns the copy. */
const struct stoq_chain_cache_entry *stoq_chain_cache_store(struct stoq_chain_cache *cache,
                                                            const struct stoq_chain_cache_entry *e,
                                                            uint64_t now);

#endif
