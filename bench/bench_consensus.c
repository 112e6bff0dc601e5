/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Consensus core throughput and latency: n replicas (the real state machine,
 * real Ed25519 signatures, real LMDB storage on tmpfs) in one process on one
 * core, over a virtual network where every message takes exactly link_ms.
 *
 * Two numbers matter and are reported separately:
 *   - what the core costs: transactions ordered per CPU second, all n
 *     replicas together on this one core (issue goal: >= 100,000 tx/s with 4);
 *   - what the protocol's latency model gives: commit latency in message
 *     delays and in virtual ms for 1 ms and 10 ms links, under light load
 *     (one transaction at a time) and under saturation (mempools kept full).
 *
 * Both signature policies run, the same workload in the same process:
 * ed25519 and hybrid (Ed25519 + ML-DSA-87 on every proposal, vote and
 * timeout, docs/CONSENSUS.md §2a), so their ratio is measured, not guessed.
 *
 * Reference figures (published, not run here): Narwhal ~46,000 tx/s at
 * ~464 ms with 4 nodes on one host; Tendermint ~2,000 tx/s with 4 nodes;
 * CometBFT v1 QA ~400 tx/s with 200 nodes.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hypermesh/bft.h"
#include "hypermesh/bft_lmdb.h"
#include "hypermesh/ed25519.h"
#include "hypermesh/error.h"
#include "hypermesh/sig.h"

#define NODES   4
#define TX_SIZE 32

struct ev {
	uint64_t time, seq;
	uint16_t to;
	struct hm_buf data; /* empty: a timer check */
};

struct queue {
	struct ev *v;
	size_t n, cap;
	uint64_t seq;
};

static int ev_before(const struct ev *a, const struct ev *b)
{
	return a->time != b->time ? a->time < b->time : a->seq < b->seq;
}

static void q_push(struct queue *q, struct ev e)
{
	size_t i;

	if (q->n == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 1024;
		q->v = realloc(q->v, q->cap * sizeof(*q->v));
		if (q->v == NULL)
			abort();
	}
	e.seq = q->seq++;
	for (i = q->n++; i > 0 && ev_before(&e, &q->v[(i - 1) / 2]); i = (i - 1) / 2)
		q->v[i] = q->v[(i - 1) / 2];
	q->v[i] = e;
}

static struct ev q_pop(struct queue *q)
{
	struct ev top = q->v[0], last = q->v[--q->n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= q->n)
			break;
		if (c + 1 < q->n && ev_before(&q->v[c + 1], &q->v[c]))
			c++;
		if (!ev_before(&q->v[c], &last))
			break;
		q->v[i] = q->v[c];
		i = c;
	}
	if (q->n)
		q->v[i] = last;
	return top;
}

struct run {
	enum hm_bft_sig_policy policy;
	unsigned link_ms;
	int saturate;
	uint64_t virtual_ms;
	/* results */
	uint64_t txs, blocks;
	double cpu_s;
	uint64_t *lat; /* per committed tx at replica 0, virtual ms */
	size_t nlat, cap_lat;
};

struct cluster {
	struct hm_bft_validators vs;
	struct hm_bft_replica *r[NODES];
	struct hm_bft_lmdb *db[NODES];
	char dirs[NODES][64];
	struct queue q;
	uint64_t now, next_tx;
	uint64_t timer_at[NODES];
};

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void submit_one(struct cluster *c)
{
	uint8_t tx[TX_SIZE] = { 0 };

	/* Bytes 0..7: a unique id; 8..15: the virtual submission time. */
	memcpy(tx, &c->next_tx, 8);
	memcpy(tx + 8, &c->now, 8);
	c->next_tx++;
	/* Every replica gets it (as the node's forwarding does): whoever leads includes it. */
	for (int i = 0; i < NODES; i++)
		(void)hm_bft_replica_submit_tx(c->r[i], tx, sizeof(tx));
}

/* Counts a committed block's transactions; at replica 0 records their latency. */
static void on_commit(struct cluster *c, struct run *run, int i, const struct hm_buf *data)
{
	struct hm_bft_block b;
	size_t off = 0;

	if (hm_bft_block_decode(&b, data->data, data->len) != HM_OK)
		abort();
	if (i != 0)
		return;
	run->blocks++;
	while (off + 2 <= b.payload_len) {
		size_t len = (size_t)b.payload[off] << 8 | b.payload[off + 1];
		uint64_t t;

		if (len == TX_SIZE) {
			memcpy(&t, b.payload + off + 2 + 8, 8);
			if (run->nlat == run->cap_lat) {
				run->cap_lat = run->cap_lat ? 2 * run->cap_lat : 4096;
				run->lat = realloc(run->lat, run->cap_lat * sizeof(*run->lat));
				if (run->lat == NULL)
					abort();
			}
			run->lat[run->nlat++] = c->now - t;
		}
		run->txs++;
		off += 2 + len;
	}
}

static void drain(struct cluster *c, struct run *run, int i)
{
	struct hm_bft_output o;

	while (hm_bft_replica_next_output(c->r[i], &o) == HM_OK) {
		if (o.kind == HM_BFT_OUT_SEND) {
			for (int to = 0; to < NODES; to++) {
				struct ev e = { .time = c->now + run->link_ms, .to = (uint16_t)to };

				if (to == i || (o.to != HM_BFT_TO_ALL && o.to != to))
					continue;
				if (hm_buf_append(&e.data, o.data.data, o.data.len) != HM_OK)
					abort();
				q_push(&c->q, e);
			}
		} else if (o.kind == HM_BFT_OUT_COMMIT) {
			on_commit(c, run, i, &o.data);
		}
		hm_buf_free(&o.data);
	}
	/* One pending timer check per replica, at its current deadline. */
	{
		uint64_t d = hm_bft_replica_next_deadline(c->r[i]);

		if (d != c->timer_at[i]) {
			struct ev e = { .time = d, .to = (uint16_t)i };

			c->timer_at[i] = d;
			q_push(&c->q, e);
		}
	}
}

static uint8_t pq_sk[NODES][HM_BFT_PQ_SK_LEN];

static int cluster_open(struct cluster *c, enum hm_bft_sig_policy policy)
{
	uint8_t sk[NODES][HM_BFT_SK_LEN], pk[NODES][HM_BFT_PK_LEN];
	static uint8_t pq_pk[NODES][HM_BFT_PQ_PK_LEN];
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	memset(c, 0, sizeof(*c));
	for (int i = 0; i < NODES; i++) {
		memset(sk[i], 0x21 + i, HM_ED25519_SK_LEN);
		hm_ed25519_public_key(sk[i] + HM_ED25519_SK_LEN, sk[i]);
		memcpy(pk[i], sk[i] + HM_ED25519_SK_LEN, HM_BFT_PK_LEN);
	}
	if (hm_bft_validators_init(&c->vs, (const uint8_t *)"bench", 5, NODES,
	                           (const uint8_t(*)[HM_BFT_PK_LEN])pk) != HM_OK)
		return -1;
	if (policy == HM_BFT_POLICY_HYBRID) {
		for (int i = 0; i < NODES; i++)
			if (hm_sig_keygen(HM_SIG_MLDSA87, pq_pk[i], HM_BFT_PQ_PK_LEN, pq_sk[i],
			                  HM_BFT_PQ_SK_LEN) != HM_OK)
				return -1;
		if (hm_bft_validators_set_hybrid(
		            &c->vs, (const uint8_t(*)[HM_BFT_PQ_PK_LEN])pq_pk) != HM_OK)
			return -1;
	}
	for (int i = 0; i < NODES; i++) {
		struct hm_bft_storage st;
		struct hm_bft_config cfg = {
			.validators = &c->vs,
			.self = (uint16_t)i,
			.sk = sk[i],
			.pq_sk = policy == HM_BFT_POLICY_HYBRID ? pq_sk[i] : NULL,
			.storage = &st,
			.max_block_txs = 5000,
			.max_block_bytes = 1u << 20,
			.mempool_max_txs = 100000,
		};

		snprintf(c->dirs[i], sizeof(c->dirs[i]), "%s/hm-bench-bft-XXXXXX", base);
		if (mkdtemp(c->dirs[i]) == NULL ||
		    hm_bft_lmdb_open(&c->db[i], c->dirs[i], (size_t)4 << 30) != HM_OK)
			return -1;
		hm_bft_lmdb_storage(c->db[i], &st);
		if (hm_bft_replica_new(&c->r[i], &cfg, 0) != HM_OK)
			return -1;
		c->timer_at[i] = UINT64_MAX;
	}
	return 0;
}

static void cluster_close(struct cluster *c)
{
	char cmd[128];

	for (int i = 0; i < NODES; i++) {
		hm_bft_replica_del(c->r[i]);
		hm_bft_lmdb_close(c->db[i]);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->dirs[i]);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_consensus: could not remove %s\n", c->dirs[i]);
	}
	while (c->q.n) {
		struct ev e = q_pop(&c->q);

		hm_buf_free(&e.data);
	}
	free(c->q.v);
}

static int run_cluster(struct run *run)
{
	static struct cluster c; /* the validator set holds every PQ key: not on the stack */
	double t0;

	if (cluster_open(&c, run->policy) != 0) {
		fprintf(stderr, "bench_consensus: cannot set up the cluster\n");
		return -1;
	}
	t0 = cpu_seconds();
	for (int i = 0; i < NODES; i++)
		drain(&c, run, i);
	while (c.q.n && c.now <= run->virtual_ms) {
		struct ev e = q_pop(&c.q);

		c.now = e.time;
		if (run->saturate) {
			/* Keep about two full blocks waiting. */
			while (hm_bft_replica_mempool_len(c.r[0]) < 10000)
				submit_one(&c);
		} else if (hm_bft_replica_mempool_len(c.r[0]) == 0 && c.now > 0) {
			submit_one(&c);
		}
		if (e.data.len) {
			(void)hm_bft_replica_on_message(c.r[e.to], e.data.data, e.data.len, c.now);
			hm_buf_free(&e.data);
		} else {
			if (e.time != c.timer_at[e.to])
				continue;
			c.timer_at[e.to] = UINT64_MAX;
			(void)hm_bft_replica_on_timer(c.r[e.to], c.now);
		}
		drain(&c, run, e.to);
	}
	run->cpu_s = cpu_seconds() - t0;
	cluster_close(&c);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static uint64_t pct(const struct run *r, double p)
{
	if (r->nlat == 0)
		return 0;
	return r->lat[(size_t)(p * (double)(r->nlat - 1))];
}

int main(void)
{
	static const unsigned links[] = { 1, 10 };

	static const enum hm_bft_sig_policy policies[] = { HM_BFT_POLICY_ED25519,
		                                           HM_BFT_POLICY_HYBRID };

	printf("%d replicas, one core, LMDB storage on tmpfs, %d-byte txs\n\n", NODES, TX_SIZE);
	printf("| signatures | link | load | tx/s per CPU-second | blocks/s per CPU-second | tx/s "
	       "(virtual time) | commit p50 | p99 | p50 in message delays |\n");
	printf("|---|---|---|---:|---:|---:|---:|---:|---:|\n");
	for (size_t pol = 0; pol < sizeof(policies) / sizeof(policies[0]); pol++) {
		for (size_t l = 0; l < sizeof(links) / sizeof(links[0]); l++) {
			for (int sat = 0; sat <= 1; sat++) {
				struct run r = { .policy = policies[pol],
					         .link_ms = links[l],
					         .saturate = sat };

				r.virtual_ms = sat ? 400u * links[l] : 300u * links[l];
				if (run_cluster(&r) != 0)
					return 2;
				qsort(r.lat, r.nlat, sizeof(*r.lat), cmp_u64);
				printf("| %s | %u ms | %s | %.0f | %.0f | %.0f | %llu ms | %llu ms "
				       "| %.1f |\n",
				       hm_bft_policy_name(policies[pol]), links[l],
				       sat ? "saturated" : "one tx at a time",
				       (double)r.txs / r.cpu_s, (double)r.blocks / r.cpu_s,
				       (double)r.txs * 1000.0 / (double)r.virtual_ms,
				       (unsigned long long)pct(&r, 0.5),
				       (unsigned long long)pct(&r, 0.99),
				       (double)pct(&r, 0.5) / links[l]);
				if (r.txs == 0) {
					fprintf(stderr, "bench_consensus: nothing committed\n");
					return 2;
				}
				free(r.lat);
			}
		}
	}
	return 0;
}
