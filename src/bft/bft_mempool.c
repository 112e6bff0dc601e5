/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The replica's mempool: pending transactions in arrival order, indexed by
 * hash, plus a window of recently committed hashes so a transaction cannot
 * be ordered twice. Every operation is O(1) expected: at 10^4..10^5
 * transactions per second, the linear scans this replaced were the whole
 * cost of consensus (bench/bench_consensus.c).
 *
 * Removal marks the entry dead (its bytes freed at once); the arrays are
 * compacted when more than half the slots are dead, so iteration in arrival
 * order stays cheap and memory stays bounded by the limits.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"

#include "bft_internal.h"

/* ---- hash sets of 32-byte hashes (SHA-256 outputs, so uniformly spread) ---- */

#define SLOT_EMPTY UINT32_MAX

static size_t hs_home(const uint8_t *hash, size_t mask)
{
	uint64_t h;

	memcpy(&h, hash, sizeof(h));
	return (size_t)h & mask;
}

int bft_hset_init(struct bft_hset *s, size_t max_items)
{
	size_t cap = 16;

	/* At most half full, so probe sequences stay short. */
	while (cap < 2 * max_items)
		cap *= 2;
	s->slot = malloc(cap * sizeof(*s->slot));
	s->key = malloc(cap * sizeof(*s->key));
	if (s->slot == NULL || s->key == NULL) {
		bft_hset_free(s);
		return HM_ERR_NOMEM;
	}
	for (size_t i = 0; i < cap; i++)
		s->slot[i] = SLOT_EMPTY;
	s->mask = cap - 1;
	s->n = 0;
	return HM_OK;
}

void bft_hset_free(struct bft_hset *s)
{
	free(s->slot);
	free(s->key);
	memset(s, 0, sizeof(*s));
}

void bft_hset_clear(struct bft_hset *s)
{
	for (size_t i = 0; i <= s->mask; i++)
		s->slot[i] = SLOT_EMPTY;
	s->n = 0;
}

static size_t hs_find(const struct bft_hset *s, const uint8_t *hash)
{
	for (size_t i = hs_home(hash, s->mask);; i = (i + 1) & s->mask) {
		if (s->slot[i] == SLOT_EMPTY)
			return SIZE_MAX;
		if (memcmp(s->key[i], hash, HM_BFT_HASH_LEN) == 0)
			return i;
	}
}

uint32_t bft_hset_get(const struct bft_hset *s, const uint8_t *hash)
{
	size_t i = s->mask ? hs_find(s, hash) : SIZE_MAX;

	return i == SIZE_MAX ? SLOT_EMPTY : s->slot[i];
}

int bft_hset_put(struct bft_hset *s, const uint8_t *hash, uint32_t value)
{
	size_t i = hs_home(hash, s->mask);

	while (s->slot[i] != SLOT_EMPTY) {
		if (memcmp(s->key[i], hash, HM_BFT_HASH_LEN) == 0) {
			s->slot[i] = value;
			return HM_OK;
		}
		i = (i + 1) & s->mask;
	}
	/* Never more than half full: probe sequences stay short and end. */
	if (2 * (s->n + 1) > s->mask + 1)
		return HM_ERR_TOO_LARGE;
	memcpy(s->key[i], hash, HM_BFT_HASH_LEN);
	s->slot[i] = value;
	s->n++;
	return HM_OK;
}

void bft_hset_del(struct bft_hset *s, const uint8_t *hash)
{
	size_t i = hs_find(s, hash), j;

	if (i == SIZE_MAX)
		return;
	/* Backward-shift deletion keeps linear probing free of tombstones. */
	for (j = (i + 1) & s->mask; s->slot[j] != SLOT_EMPTY; j = (j + 1) & s->mask) {
		size_t home = hs_home(s->key[j], s->mask);

		/* Move j into the hole at i unless its home lies cyclically in (i, j]. */
		if (((j - home) & s->mask) >= ((j - i) & s->mask)) {
			memcpy(s->key[i], s->key[j], HM_BFT_HASH_LEN);
			s->slot[i] = s->slot[j];
			i = j;
		}
	}
	s->slot[i] = SLOT_EMPTY;
	s->n--;
}

/* ---- the mempool ---- */

int bft_mempool_init(struct bft_mempool *m, uint32_t max_txs, uint64_t max_bytes)
{
	int rc;

	memset(m, 0, sizeof(*m));
	m->max_txs = max_txs;
	m->max_bytes = max_bytes;
	m->recent = malloc(BFT_RECENT_TXS * sizeof(*m->recent));
	if (m->recent == NULL)
		return HM_ERR_NOMEM;
	if ((rc = bft_hset_init(&m->index, max_txs)) ||
	    (rc = bft_hset_init(&m->recent_set, BFT_RECENT_TXS))) {
		bft_mempool_free(m);
		return rc;
	}
	return HM_OK;
}

void bft_mempool_free(struct bft_mempool *m)
{
	for (size_t i = 0; i < m->n; i++)
		hm_buf_free(&m->e[i].tx);
	free(m->e);
	free(m->recent);
	bft_hset_free(&m->index);
	bft_hset_free(&m->recent_set);
	memset(m, 0, sizeof(*m));
}

/* Drops dead entries, keeping arrival order, and rebuilds the index. */
static void compact(struct bft_mempool *m)
{
	size_t k = 0;

	for (size_t i = 0; i < m->n; i++)
		if (m->e[i].live)
			m->e[k++] = m->e[i];
	m->n = k;
	m->dead = 0;
	bft_hset_clear(&m->index);
	/* The live entries fit: the index was sized for max_txs of them. */
	for (size_t i = 0; i < m->n; i++)
		(void)bft_hset_put(&m->index, m->e[i].hash, (uint32_t)i);
}

int bft_mempool_add(struct bft_mempool *m, const uint8_t hash[HM_BFT_HASH_LEN], const uint8_t *tx,
                    size_t len)
{
	struct bft_mp_entry *e;
	int rc;

	if (bft_hset_get(&m->index, hash) != SLOT_EMPTY ||
	    bft_hset_get(&m->recent_set, hash) != SLOT_EMPTY)
		return HM_ERR_EXISTS;
	if (m->live >= m->max_txs || m->bytes + len > m->max_bytes)
		return HM_ERR_TOO_LARGE;
	if (m->dead > 64 && 2 * m->dead > m->n)
		compact(m);
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct bft_mp_entry *n = realloc(m->e, cap * sizeof(*n));

		if (n == NULL)
			return HM_ERR_NOMEM;
		m->e = n;
		m->cap = cap;
	}
	e = &m->e[m->n];
	hm_buf_init(&e->tx);
	if ((rc = hm_buf_append(&e->tx, tx, len)))
		return rc;
	if ((rc = bft_hset_put(&m->index, hash, (uint32_t)m->n))) {
		hm_buf_free(&e->tx);
		return rc;
	}
	memcpy(e->hash, hash, HM_BFT_HASH_LEN);
	e->live = 1;
	m->n++;
	m->live++;
	m->bytes += len;
	return HM_OK;
}

void bft_mempool_committed(struct bft_mempool *m, const uint8_t hash[HM_BFT_HASH_LEN])
{
	uint32_t i = bft_hset_get(&m->index, hash);

	if (i != SLOT_EMPTY) {
		struct bft_mp_entry *e = &m->e[i];

		m->bytes -= e->tx.len;
		hm_buf_free(&e->tx);
		e->live = 0;
		m->live--;
		m->dead++;
		bft_hset_del(&m->index, hash);
	}
	if (bft_hset_get(&m->recent_set, hash) != SLOT_EMPTY)
		return;
	/* The window is a ring: the oldest hash leaves the set as this one enters. */
	if (m->recent_n == BFT_RECENT_TXS)
		bft_hset_del(&m->recent_set, m->recent[m->recent_pos]);
	else
		m->recent_n++;
	memcpy(m->recent[m->recent_pos], hash, HM_BFT_HASH_LEN);
	/* Fits: the set was sized for the window and the oldest just left it. */
	(void)bft_hset_put(&m->recent_set, hash, (uint32_t)m->recent_pos);
	m->recent_pos = (m->recent_pos + 1) % BFT_RECENT_TXS;
}
