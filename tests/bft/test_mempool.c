/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mempool and its hash sets against a naive model: random insertions,
 * deletions and commits, with every answer compared, so a probing or
 * deletion bug (a lost or phantom entry) shows up.
 */
#include <string.h>

#include "bft/bft_internal.h"
#include "hypermesh/error.h"
#include "test.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Hashes from a small space, and with equal low bits, so probe chains collide. */
static void key(uint8_t h[HM_BFT_HASH_LEN], unsigned k)
{
	memset(h, 0, HM_BFT_HASH_LEN);
	h[0] = (uint8_t)(k % 8); /* home slot: one of 8, so chains wrap and interleave */
	memcpy(h + 8, &k, sizeof(k));
}

static void test_hset_model(void)
{
	enum { K = 300 };
	struct bft_hset s;
	uint32_t model[K];
	uint8_t h[HM_BFT_HASH_LEN];
	size_t count = 0;

	CHECK_ERR(bft_hset_init(&s, K), HM_OK);
	for (unsigned k = 0; k < K; k++)
		model[k] = UINT32_MAX;
	for (int step = 0; step < 200000; step++) {
		unsigned k = (unsigned)(rnd() % K);

		key(h, k);
		if (rnd() % 3 == 0) {
			bft_hset_del(&s, h);
			count -= model[k] != UINT32_MAX;
			model[k] = UINT32_MAX;
		} else {
			uint32_t v = (uint32_t)(rnd() % 1000);

			CHECK_ERR(bft_hset_put(&s, h, v), HM_OK);
			count += model[k] == UINT32_MAX;
			model[k] = v;
		}
		if (step % 1000 == 0) {
			for (unsigned j = 0; j < K; j++) {
				key(h, j);
				CHECK_EQ(bft_hset_get(&s, h), model[j]);
			}
			CHECK_EQ(s.n, count);
		}
	}
	bft_hset_free(&s);
}

static void test_hset_full(void)
{
	struct bft_hset s;
	uint8_t h[HM_BFT_HASH_LEN];
	unsigned k = 0;

	CHECK_ERR(bft_hset_init(&s, 10), HM_OK);
	/* Capacity 32: up to 16 entries, then new keys are refused; old ones still update. */
	for (; k < 16; k++) {
		key(h, k);
		CHECK_ERR(bft_hset_put(&s, h, k), HM_OK);
	}
	key(h, k);
	CHECK_ERR(bft_hset_put(&s, h, k), HM_ERR_TOO_LARGE);
	CHECK_EQ(bft_hset_get(&s, h), UINT32_MAX);
	key(h, 3);
	CHECK_ERR(bft_hset_put(&s, h, 77), HM_OK);
	CHECK_EQ(bft_hset_get(&s, h), 77);
	bft_hset_free(&s);
}

static void test_mempool(void)
{
	struct bft_mempool m;
	uint8_t h[HM_BFT_HASH_LEN];
	const uint8_t tx[3] = { 1, 2, 3 };

	CHECK_ERR(bft_mempool_init(&m, 100, 300), HM_OK);
	for (unsigned k = 0; k < 80; k++) {
		key(h, k);
		CHECK_ERR(bft_mempool_add(&m, h, tx, sizeof(tx)), HM_OK);
		CHECK_ERR(bft_mempool_add(&m, h, tx, sizeof(tx)), HM_ERR_EXISTS);
	}
	CHECK_EQ(m.live, 80);
	CHECK_EQ(m.bytes, 240);
	/* 301 bytes would exceed the byte limit. */
	key(h, 1000);
	CHECK_ERR(bft_mempool_add(&m, h, tx, 61), HM_ERR_TOO_LARGE);
	/* Commit every other one (and some never seen): they leave and cannot return. */
	for (unsigned k = 0; k < 200; k += 2) {
		key(h, k);
		bft_mempool_committed(&m, h);
		CHECK_ERR(bft_mempool_add(&m, h, tx, sizeof(tx)), HM_ERR_EXISTS);
	}
	CHECK_EQ(m.live, 40);
	CHECK_EQ(m.bytes, 120);
	/* Arrival order of the survivors is kept across the compaction new adds trigger. */
	for (unsigned k = 300; k < 360; k++) {
		key(h, k);
		CHECK_ERR(bft_mempool_add(&m, h, tx, sizeof(tx)), HM_OK);
	}
	{
		unsigned prev = 0, seen = 0;

		for (size_t i = 0; i < m.n; i++) {
			unsigned k;

			if (!m.e[i].live)
				continue;
			memcpy(&k, m.e[i].hash + 8, sizeof(k));
			CHECK(seen == 0 || k > prev);
			CHECK(k % 2 == 1 || k >= 300);
			prev = k;
			seen++;
		}
		CHECK_EQ(seen, m.live);
		CHECK_EQ(m.live, 100);
	}
	/* Full by count. */
	key(h, 5000);
	CHECK_ERR(bft_mempool_add(&m, h, tx, 1), HM_ERR_TOO_LARGE);
	bft_mempool_free(&m);
}

/* The committed window forgets its oldest hash once it is full. */
static void test_recent_window(void)
{
	struct bft_mempool m;
	uint8_t h[HM_BFT_HASH_LEN];

	CHECK_ERR(bft_mempool_init(&m, 10, 1000), HM_OK);
	for (unsigned k = 0; k < BFT_RECENT_TXS + 5; k++) {
		key(h, k);
		bft_mempool_committed(&m, h);
	}
	for (unsigned k = 0; k < 5; k++) {
		key(h, k);
		CHECK_ERR(bft_mempool_add(&m, h, h, 1), HM_OK);
	}
	key(h, 5);
	CHECK_ERR(bft_mempool_add(&m, h, h, 1), HM_ERR_EXISTS);
	key(h, BFT_RECENT_TXS + 4);
	CHECK_ERR(bft_mempool_add(&m, h, h, 1), HM_ERR_EXISTS);
	CHECK_EQ(m.recent_set.n, BFT_RECENT_TXS);
	bft_mempool_free(&m);
}

TEST_MAIN(test_hset_model, test_hset_full, test_mempool, test_recent_window)
