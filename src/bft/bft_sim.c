/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Deterministic cluster simulation (docs/CONSENSUS.md §8): a discrete-event
 * queue in virtual milliseconds, a seeded PRNG (splitmix64 seeding
 * xoshiro256**), n replicas with in-memory storage that survives simulated
 * crashes, and the safety/liveness checker run after every event.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypermesh/bft.h"
#include "hypermesh/bft_sim.h"
#include "hypermesh/codec.h"
#include "hypermesh/ed25519.h"
#include "hypermesh/error.h"
#include "hypermesh/secure.h"
#include "hypermesh/sig.h"

/* ---- PRNG ---- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *g)
{
	uint64_t *s = g->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform enough for a simulator: the modulo bias is below 2^-40 for our bounds. */
static uint64_t rng_below(struct rng *g, uint64_t n)
{
	return n ? rng_next(g) % n : 0;
}

static int rng_chance(struct rng *g, unsigned percent)
{
	return rng_below(g, 100) < percent;
}

/* ---- in-memory storage (the hm_bft_storage contract, kept across crashes) ---- */

struct mem_voted {
	uint8_t hash[HM_BFT_HASH_LEN];
	struct hm_buf enc;
};

struct mem_storage {
	struct hm_buf safety;
	struct hm_buf *blocks;
	size_t n, cap;
	struct mem_voted *voted; /* open addressing by hash; enc.data NULL when empty */
	size_t nvoted, voted_cap;
};

static size_t voted_slot(const uint8_t *hash, size_t cap)
{
	uint64_t x;

	memcpy(&x, hash, sizeof(x));
	return (size_t)(x & (cap - 1));
}

static struct mem_voted *voted_find(const struct mem_storage *m, const uint8_t *hash)
{
	if (m->voted_cap == 0)
		return NULL;
	for (size_t i = voted_slot(hash, m->voted_cap); m->voted[i].enc.data != NULL;
	     i = (i + 1) & (m->voted_cap - 1))
		if (memcmp(m->voted[i].hash, hash, HM_BFT_HASH_LEN) == 0)
			return &m->voted[i];
	return NULL;
}

static int mem_put_block(void *ctx, const uint8_t hash[HM_BFT_HASH_LEN], const uint8_t *p,
                         size_t len)
{
	struct mem_storage *m = ctx;
	size_t i;

	if (voted_find(m, hash) != NULL)
		return HM_OK;
	if ((m->nvoted + 1) * 2 > m->voted_cap) {
		size_t cap = m->voted_cap ? m->voted_cap * 2 : 256;
		struct mem_voted *nv = calloc(cap, sizeof(*nv));

		if (nv == NULL)
			return HM_ERR_NOMEM;
		for (size_t k = 0; k < m->voted_cap; k++) {
			if (m->voted[k].enc.data == NULL)
				continue;
			for (i = voted_slot(m->voted[k].hash, cap); nv[i].enc.data != NULL;
			     i = (i + 1) & (cap - 1))
				;
			nv[i] = m->voted[k];
		}
		free(m->voted);
		m->voted = nv;
		m->voted_cap = cap;
	}
	for (i = voted_slot(hash, m->voted_cap); m->voted[i].enc.data != NULL;
	     i = (i + 1) & (m->voted_cap - 1))
		;
	hm_buf_init(&m->voted[i].enc);
	if (hm_buf_append(&m->voted[i].enc, p, len) != HM_OK || m->voted[i].enc.data == NULL) {
		hm_buf_free(&m->voted[i].enc);
		return HM_ERR_NOMEM;
	}
	memcpy(m->voted[i].hash, hash, HM_BFT_HASH_LEN);
	m->nvoted++;
	return HM_OK;
}

static int mem_get_block(void *ctx, const uint8_t hash[HM_BFT_HASH_LEN], struct hm_buf *out)
{
	const struct mem_voted *v = voted_find(ctx, hash);

	return v == NULL ? HM_ERR_NOT_FOUND : hm_buf_append(out, v->enc.data, v->enc.len);
}

static int mem_save_safety(void *ctx, const uint8_t *p, size_t len)
{
	struct mem_storage *m = ctx;
	struct hm_buf b;
	int rc;

	hm_buf_init(&b);
	if ((rc = hm_buf_append(&b, p, len))) {
		hm_buf_free(&b);
		return rc;
	}
	hm_buf_free(&m->safety);
	m->safety = b;
	return HM_OK;
}

static int mem_load_safety(void *ctx, struct hm_buf *out)
{
	struct mem_storage *m = ctx;

	return hm_buf_append(out, m->safety.data, m->safety.len);
}

static int mem_append_block(void *ctx, uint64_t height, const uint8_t *p, size_t len)
{
	struct mem_storage *m = ctx;
	int rc;

	if (height != m->n + 1)
		return HM_ERR_INVALID;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct hm_buf *nb = realloc(m->blocks, cap * sizeof(*nb));

		if (nb == NULL)
			return HM_ERR_NOMEM;
		m->blocks = nb;
		m->cap = cap;
	}
	hm_buf_init(&m->blocks[m->n]);
	if ((rc = hm_buf_append(&m->blocks[m->n], p, len)))
		return rc;
	m->n++;
	return HM_OK;
}

static int mem_load_block(void *ctx, uint64_t height, struct hm_buf *out)
{
	struct mem_storage *m = ctx;

	if (height == 0 || height > m->n)
		return HM_ERR_NOT_FOUND;
	return hm_buf_append(out, m->blocks[height - 1].data, m->blocks[height - 1].len);
}

static void mem_free(struct mem_storage *m)
{
	hm_buf_free(&m->safety);
	for (size_t i = 0; i < m->n; i++)
		hm_buf_free(&m->blocks[i]);
	free(m->blocks);
	for (size_t i = 0; i < m->voted_cap; i++)
		hm_buf_free(&m->voted[i].enc);
	free(m->voted);
}

/* ---- events ---- */

enum ev_kind { EV_DELIVER, EV_TIMER, EV_CLIENT, EV_FAULT, EV_PART_HEAL, EV_RESTART };

struct event {
	uint64_t time, seq;
	enum ev_kind kind;
	uint16_t node, from;
	uint8_t *data;
	size_t len;
};

struct heap {
	struct event *v;
	size_t n, cap;
};

static int ev_less(const struct event *a, const struct event *b)
{
	return a->time != b->time ? a->time < b->time : a->seq < b->seq;
}

static int heap_push(struct heap *h, const struct event *e)
{
	size_t i;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 1024;
		struct event *nv = realloc(h->v, cap * sizeof(*nv));

		if (nv == NULL)
			return HM_ERR_NOMEM;
		h->v = nv;
		h->cap = cap;
	}
	i = h->n++;
	h->v[i] = *e;
	while (i > 0 && ev_less(&h->v[i], &h->v[(i - 1) / 2])) {
		struct event t = h->v[i];

		h->v[i] = h->v[(i - 1) / 2];
		h->v[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
	return HM_OK;
}

static void heap_pop(struct heap *h, struct event *out)
{
	size_t i = 0;

	*out = h->v[0];
	h->v[0] = h->v[--h->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct event t;

		if (l < h->n && ev_less(&h->v[l], &h->v[m]))
			m = l;
		if (r < h->n && ev_less(&h->v[r], &h->v[m]))
			m = r;
		if (m == i)
			break;
		t = h->v[i];
		h->v[i] = h->v[m];
		h->v[m] = t;
		i = m;
	}
}

/* ---- a set of block hashes ---- */

struct hset {
	uint8_t (*v)[HM_BFT_HASH_LEN];
	uint8_t *used;
	size_t n, cap;
};

static size_t hset_slot(const uint8_t *h, size_t cap)
{
	uint64_t x;

	memcpy(&x, h, sizeof(x));
	return (size_t)(x & (cap - 1));
}

static int hset_has(const struct hset *s, const uint8_t *h)
{
	if (s->cap == 0)
		return 0;
	for (size_t i = hset_slot(h, s->cap); s->used[i]; i = (i + 1) & (s->cap - 1))
		if (memcmp(s->v[i], h, HM_BFT_HASH_LEN) == 0)
			return 1;
	return 0;
}

static int hset_add(struct hset *s, const uint8_t *h);

static int hset_grow(struct hset *s)
{
	struct hset g = { 0 };

	g.cap = s->cap ? s->cap * 2 : 1024;
	g.v = malloc(g.cap * HM_BFT_HASH_LEN);
	g.used = calloc(g.cap, 1);
	if (g.v == NULL || g.used == NULL) {
		free(g.v);
		free(g.used);
		return HM_ERR_NOMEM;
	}
	for (size_t i = 0; i < s->cap; i++)
		if (s->used[i])
			(void)hset_add(&g, s->v[i]);
	free(s->v);
	free(s->used);
	*s = g;
	return HM_OK;
}

static int hset_add(struct hset *s, const uint8_t *h)
{
	size_t i;
	int rc;

	if (hset_has(s, h))
		return HM_OK;
	if ((s->n + 1) * 2 > s->cap && (rc = hset_grow(s)))
		return rc;
	for (i = hset_slot(h, s->cap); s->used[i]; i = (i + 1) & (s->cap - 1))
		;
	s->used[i] = 1;
	memcpy(s->v[i], h, HM_BFT_HASH_LEN);
	s->n++;
	return HM_OK;
}

/* ---- the simulation ---- */

struct node {
	struct hm_bft_replica *r;
	int up, byz;
	uint32_t flags;
	uint8_t sk[HM_BFT_SK_LEN];
	uint8_t *pq_sk; /* hybrid: HM_BFT_PQ_SK_LEN */
	struct mem_storage mem;
	struct hm_bft_storage st;
	uint64_t timer_at;
	uint64_t committed;
	uint64_t last_commit_time;
	uint64_t crash_height;
	uint64_t heal_height; /* committed when the network healed */
	uint8_t group;
};

struct sim {
	const struct hm_bft_sim_config *cfg;
	struct hm_bft_sim_result *res;
	struct rng rng;
	struct hm_bft_validators vs;
	struct node nodes[HM_BFT_MAX_VALIDATORS];
	struct heap heap;
	uint64_t seq, now, step;
	int healed, partitioned;
	uint64_t heal_step, heal_time, bound, partition_max;
	struct hset proposed;
	uint8_t (*canon)[HM_BFT_HASH_LEN];
	size_t canon_n, canon_cap; /* canon[0] is genesis; heights 1..canon_n-1 */
	struct hm_bft_msg *msg;
	uint64_t tx_counter;
	int ev_before_heal; /* an honest replica found evidence while faults were on */
};

static void fail(struct sim *s, const char *invariant, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void fail(struct sim *s, const char *invariant, const char *fmt, ...)
{
	va_list ap;

	if (!s->res->ok)
		return;
	s->res->ok = 0;
	s->res->invariant = invariant;
	s->res->step = s->step;
	va_start(ap, fmt);
	vsnprintf(s->res->detail, sizeof(s->res->detail), fmt, ap);
	va_end(ap);
}

static int push(struct sim *s, uint64_t time, enum ev_kind kind, uint16_t node, uint16_t from,
                const uint8_t *data, size_t len)
{
	struct event e = {
		.time = time, .seq = s->seq++, .kind = kind, .node = node, .from = from
	};
	int rc;

	if (data != NULL) {
		e.data = malloc(len);
		if (e.data == NULL)
			return HM_ERR_NOMEM;
		memcpy(e.data, data, len);
		e.len = len;
	}
	if ((rc = heap_push(&s->heap, &e)))
		free(e.data);
	return rc;
}

static int net_faults(const struct sim *s, uint32_t bit)
{
	return !s->healed && (s->cfg->faults & bit);
}

static int route(struct sim *s, uint16_t from, uint16_t to, const uint8_t *data, size_t len)
{
	int copies = 1, rc;

	if (s->partitioned && !s->healed && s->nodes[from].group != s->nodes[to].group) {
		s->res->dropped++;
		return HM_OK;
	}
	if (net_faults(s, HM_BFT_FAULT_LOSS) && rng_chance(&s->rng, 20)) {
		s->res->dropped++;
		return HM_OK;
	}
	if (net_faults(s, HM_BFT_FAULT_DUP) && rng_chance(&s->rng, 20)) {
		copies = 2;
		s->res->duplicated++;
	}
	for (int c = 0; c < copies; c++) {
		uint64_t lat = 1 + rng_below(&s->rng, 20);

		if (net_faults(s, HM_BFT_FAULT_DELAY) && rng_chance(&s->rng, 10))
			lat += rng_below(&s->rng, 400);
		if (net_faults(s, HM_BFT_FAULT_REORDER) && rng_chance(&s->rng, 30))
			lat += rng_below(&s->rng, 200);
		if ((rc = push(s, s->now + lat, EV_DELIVER, to, from, data, len)))
			return rc;
		s->res->messages++;
	}
	return HM_OK;
}

static int canon_put(struct sim *s, const uint8_t *hash)
{
	if (s->canon_n == s->canon_cap) {
		size_t cap = s->canon_cap ? s->canon_cap * 2 : 256;
		void *n = realloc(s->canon, cap * HM_BFT_HASH_LEN);

		if (n == NULL)
			return HM_ERR_NOMEM;
		s->canon = n;
		s->canon_cap = cap;
	}
	memcpy(s->canon[s->canon_n++], hash, HM_BFT_HASH_LEN);
	return HM_OK;
}

/* Agreement against the first commit seen at each height; validity when it is new. */
static int check_commit(struct sim *s, uint16_t i, const struct hm_bft_output *o)
{
	struct node *nd = &s->nodes[i];
	struct hm_bft_block b;
	uint8_t hash[HM_BFT_HASH_LEN];

	if (o->height != nd->committed + 1) {
		fail(s, "validity", "replica %u committed height %llu after %llu", i,
		     (unsigned long long)o->height, (unsigned long long)nd->committed);
		return HM_OK;
	}
	nd->committed = o->height;
	nd->last_commit_time = s->now;
	if (o->height < s->canon_n) {
		if (memcmp(s->canon[o->height], o->hash, HM_BFT_HASH_LEN) != 0)
			fail(s, "agreement",
			     "replica %u committed a different block at height %llu", i,
			     (unsigned long long)o->height);
		return HM_OK;
	}
	if (hm_bft_block_decode(&b, o->data.data, o->data.len) != HM_OK) {
		fail(s, "validity", "replica %u committed an undecodable block", i);
		return HM_OK;
	}
	hm_bft_block_hash(hash, s->vs.chain_id, s->vs.chain_id_len, &b);
	if (memcmp(hash, o->hash, HM_BFT_HASH_LEN) != 0 || b.height != o->height ||
	    memcmp(b.parent, s->canon[o->height - 1], HM_BFT_HASH_LEN) != 0 ||
	    memcmp(b.justify.block, b.parent, HM_BFT_HASH_LEN) != 0) {
		fail(s, "validity", "replica %u committed a block that does not chain at %llu", i,
		     (unsigned long long)o->height);
		return HM_OK;
	}
	if (!hset_has(&s->proposed, hash)) {
		fail(s, "validity", "block at height %llu was never proposed",
		     (unsigned long long)o->height);
		return HM_OK;
	}
	if (hm_bft_qc_verify(&s->vs, &b.justify) != HM_OK) {
		fail(s, "validity", "block at height %llu has an invalid justify QC",
		     (unsigned long long)o->height);
		return HM_OK;
	}
	if (o->height > s->res->max_height)
		s->res->max_height = o->height;
	{
		struct hm_reader rd;
		const uint8_t *tx;
		size_t txlen;

		hm_reader_init(&rd, b.payload, b.payload_len);
		while (hm_get_vec(&rd, 1, HM_BFT_TX_MAX, &tx, &txlen) == HM_OK)
			s->res->txs_committed++;
	}
	return canon_put(s, hash);
}

static int note_proposal(struct sim *s, const uint8_t *data, size_t len)
{
	uint8_t hash[HM_BFT_HASH_LEN];

	if (len == 0 || data[0] != HM_BFT_MSG_PROPOSAL)
		return HM_OK;
	if (hm_bft_msg_decode(s->msg, data, len) != HM_OK)
		return HM_OK;
	hm_bft_block_hash(hash, s->vs.chain_id, s->vs.chain_id_len, &s->msg->u.proposal.block);
	return hset_add(&s->proposed, hash);
}

/* Drains a replica's outputs into the network and the checker; re-arms its timer. */
static int sync_node(struct sim *s, uint16_t i)
{
	struct node *nd = &s->nodes[i];
	struct hm_bft_output o;
	uint64_t d;
	int rc = HM_OK;

	while (rc == HM_OK && hm_bft_replica_next_output(nd->r, &o) == HM_OK) {
		switch (o.kind) {
		case HM_BFT_OUT_SEND:
			rc = note_proposal(s, o.data.data, o.data.len);
			if (o.to == HM_BFT_TO_ALL) {
				for (uint16_t j = 0; j < s->cfg->nodes && rc == HM_OK; j++)
					if (j != i)
						rc = route(s, i, j, o.data.data, o.data.len);
			} else if (o.to < s->cfg->nodes && o.to != i && rc == HM_OK) {
				rc = route(s, i, o.to, o.data.data, o.data.len);
			}
			break;
		case HM_BFT_OUT_COMMIT:
			if (!nd->byz)
				rc = check_commit(s, i, &o);
			break;
		case HM_BFT_OUT_EVIDENCE: {
			struct hm_bft_evidence ev;

			s->res->evidence++;
			if (hm_bft_evidence_decode(&ev, o.data.data, o.data.len) != HM_OK ||
			    hm_bft_evidence_verify(&s->vs, &ev) != HM_OK)
				fail(s, "validity", "replica %u output unverifiable evidence", i);
			else if (!nd->byz && !s->nodes[ev.validator].byz)
				fail(s, "validity", "replica %u accused honest validator %u", i,
				     ev.validator);
			if (!nd->byz && !s->healed)
				s->ev_before_heal = 1;
			break;
		}
		case HM_BFT_OUT_EVIDENCE_COMMITTED: {
			struct hm_bft_evidence ev;

			/* The block was certified, so q validators checked it: the record
			 * must verify and name a Byzantine validator. */
			if (nd->byz)
				break;
			if (hm_bft_evidence_decode(&ev, o.data.data, o.data.len) != HM_OK ||
			    hm_bft_evidence_verify(&s->vs, &ev) != HM_OK)
				fail(s, "validity", "replica %u committed unverifiable evidence",
				     i);
			else if (!s->nodes[ev.validator].byz)
				fail(s, "validity",
				     "replica %u committed evidence against honest %u", i,
				     ev.validator);
			break;
		}
		}
		hm_buf_free(&o.data);
	}
	if (rc != HM_OK)
		return rc;
	/* Never at the current instant, so virtual time always moves on. */
	d = hm_bft_replica_next_deadline(nd->r);
	if (d <= s->now)
		d = s->now + 1;
	if (d != nd->timer_at) {
		nd->timer_at = d;
		rc = push(s, d, EV_TIMER, i, i, NULL, 0);
	}
	return rc;
}

/* Protocol refusals are expected (Byzantine peers, stale messages); anything else is not. */
static int replica_result(struct sim *s, uint16_t i, int rc)
{
	switch (rc) {
	case HM_OK:
	case HM_ERR_VERIFY:
	case HM_ERR_INVALID:
	case HM_ERR_RANGE:
	case HM_ERR_LENGTH:
	case HM_ERR_TRUNCATED:
	case HM_ERR_TRAILING:
	case HM_ERR_TOO_LARGE:
		return HM_OK;
	case HM_ERR_CORRUPT:
		/* The replica found a certified chain conflicting with its commits. */
		if (!s->nodes[i].byz)
			fail(s, "agreement",
			     "replica %u saw a certified fork of its committed chain", i);
		return HM_OK;
	default:
		return rc;
	}
}

static int start_node(struct sim *s, uint16_t i)
{
	struct node *nd = &s->nodes[i];
	struct hm_bft_config c;
	struct hm_bft_status st;
	int rc;

	memset(&c, 0, sizeof(c));
	c.validators = &s->vs;
	c.self = i;
	c.sk = nd->sk;
	c.pq_sk = nd->pq_sk;
	c.storage = &nd->st;
	c.base_timeout_ms = 500;
	c.max_backoff = 3;
	c.max_block_txs = 50;
	c.max_block_bytes = 16384;
	c.test_flags = nd->flags;
	if ((rc = hm_bft_replica_new(&nd->r, &c, s->now)))
		return rc;
	nd->up = 1;
	nd->timer_at = UINT64_MAX;
	hm_bft_replica_status(nd->r, &st);
	if (!nd->byz) {
		if (st.committed_height < nd->crash_height ||
		    (st.committed_height > 0 &&
		     (st.committed_height >= s->canon_n ||
		      memcmp(st.committed_hash, s->canon[st.committed_height], HM_BFT_HASH_LEN))))
			fail(s, "durability", "replica %u restarted at height %llu, had %llu", i,
			     (unsigned long long)st.committed_height,
			     (unsigned long long)nd->crash_height);
	}
	nd->committed = st.committed_height;
	nd->last_commit_time = s->now;
	return sync_node(s, i);
}

static void crash_node(struct sim *s, uint16_t i)
{
	struct node *nd = &s->nodes[i];

	hm_bft_replica_del(nd->r);
	nd->r = NULL;
	nd->up = 0;
	nd->crash_height = nd->committed;
	nd->timer_at = UINT64_MAX;
	s->res->crashes++;
}

static int heal(struct sim *s)
{
	int rc;

	s->healed = 1;
	s->heal_time = s->now;
	s->partitioned = 0;
	for (uint16_t i = 0; i < s->cfg->nodes; i++) {
		if (!s->nodes[i].up && (rc = start_node(s, i)))
			return rc;
		s->nodes[i].last_commit_time = s->now;
		s->nodes[i].heal_height = s->nodes[i].committed;
	}
	return HM_OK;
}

static int random_fault(struct sim *s)
{
	uint32_t f = s->cfg->faults;
	uint16_t n = s->cfg->nodes;
	int rc;

	if ((f & HM_BFT_FAULT_PARTITION) && !s->partitioned && rng_chance(&s->rng, 50)) {
		unsigned g0 = 0;

		for (uint16_t i = 0; i < n; i++) {
			s->nodes[i].group = (uint8_t)rng_below(&s->rng, 2);
			g0 += s->nodes[i].group == 0;
		}
		if (g0 == 0 || g0 == n)
			s->nodes[rng_below(&s->rng, n)].group ^= 1;
		s->partitioned = 1;
		s->res->partitions++;
		if ((rc = push(s, s->now + 100 + rng_below(&s->rng, s->partition_max), EV_PART_HEAL,
		               0, 0, NULL, 0)))
			return rc;
	}
	if ((f & HM_BFT_FAULT_CRASH) && rng_chance(&s->rng, 50)) {
		uint16_t i = (uint16_t)rng_below(&s->rng, n);

		/* Crashes with storage kept are not Byzantine faults: any honest
		 * replica may crash, several at once. */
		if (s->nodes[i].up && !s->nodes[i].byz) {
			crash_node(s, i);
			if ((rc = push(s, s->now + 200 + rng_below(&s->rng, 5000), EV_RESTART, i, i,
			               NULL, 0)))
				return rc;
		}
	}
	return push(s, s->now + 200 + rng_below(&s->rng, 2000), EV_FAULT, 0, 0, NULL, 0);
}

static int client_tx(struct sim *s)
{
	uint8_t tx[64];
	size_t len = 16 + rng_below(&s->rng, 48);
	uint16_t i = (uint16_t)rng_below(&s->rng, s->cfg->nodes);
	int copies = rng_chance(&s->rng, 25) ? 2 : 1;

	for (size_t k = 0; k < len; k++)
		tx[k] = (uint8_t)rng_next(&s->rng);
	memcpy(tx, &s->tx_counter, sizeof(s->tx_counter));
	s->tx_counter++;
	for (int c = 0; c < copies; c++, i = (uint16_t)((i + 1) % s->cfg->nodes)) {
		if (s->nodes[i].up) {
			int rc = hm_bft_replica_submit_tx(s->nodes[i].r, tx, len);

			if (rc == HM_ERR_NOMEM)
				return rc;
		}
	}
	return push(s, s->now + 20 + rng_below(&s->rng, 80), EV_CLIENT, 0, 0, NULL, 0);
}

static int run_event(struct sim *s, const struct event *e)
{
	struct node *nd = &s->nodes[e->node];
	int rc;

	switch (e->kind) {
	case EV_DELIVER:
		if (!nd->up)
			return HM_OK;
		rc = hm_bft_replica_on_message(nd->r, e->data, e->len, s->now);
		if ((rc = replica_result(s, e->node, rc)))
			return rc;
		return sync_node(s, e->node);
	case EV_TIMER:
		if (!nd->up || e->time != nd->timer_at)
			return HM_OK;
		nd->timer_at = UINT64_MAX;
		rc = hm_bft_replica_on_timer(nd->r, s->now);
		if ((rc = replica_result(s, e->node, rc)))
			return rc;
		return sync_node(s, e->node);
	case EV_CLIENT:
		return client_tx(s);
	case EV_FAULT:
		return s->healed ? HM_OK : random_fault(s);
	case EV_PART_HEAL:
		s->partitioned = 0;
		return HM_OK;
	case EV_RESTART:
		if (nd->up || s->healed)
			return HM_OK;
		return start_node(s, e->node);
	}
	return HM_OK;
}

static void check_liveness(struct sim *s)
{
	if (!s->healed)
		return;
	for (uint16_t i = 0; i < s->cfg->nodes; i++) {
		const struct node *nd = &s->nodes[i];

		if (nd->byz || !nd->up)
			continue;
		if (s->now > nd->last_commit_time + s->bound) {
			fail(s, "liveness",
			     "replica %u committed nothing for %llu ms after healing", i,
			     (unsigned long long)(s->now - nd->last_commit_time));
			return;
		}
	}
}

static int setup(struct sim *s)
{
	uint8_t pks[HM_BFT_MAX_VALIDATORS][HM_BFT_PK_LEN];
	uint16_t n = s->cfg->nodes, f = (uint16_t)((n - 1) / 3), nbyz = 0;
	static const char chain[] = "hypermesh-sim";
	uint64_t x = s->cfg->seed;
	struct hm_bft_block g;
	uint8_t gh[HM_BFT_HASH_LEN];
	int rc;

	for (int k = 0; k < 4; k++)
		s->rng.s[k] = splitmix64(&x);
	for (uint16_t i = 0; i < n; i++) {
		struct node *nd = &s->nodes[i];

		for (int k = 0; k < HM_ED25519_SK_LEN; k += 8) {
			uint64_t v = rng_next(&s->rng);

			memcpy(nd->sk + k, &v, 8);
		}
		hm_ed25519_public_key(nd->sk + HM_ED25519_SK_LEN, nd->sk);
		memcpy(pks[i], nd->sk + HM_ED25519_SK_LEN, HM_BFT_PK_LEN);
		nd->st.ctx = &nd->mem;
		nd->st.save_safety = mem_save_safety;
		nd->st.load_safety = mem_load_safety;
		nd->st.append_block = mem_append_block;
		nd->st.load_block = mem_load_block;
		nd->st.put_block = mem_put_block;
		nd->st.get_block = mem_get_block;
		nd->flags = s->cfg->honest_flags;
	}
	if ((rc = hm_bft_validators_init(&s->vs, (const uint8_t *)chain, sizeof(chain) - 1, n,
	                                 (const uint8_t(*)[HM_BFT_PK_LEN])pks)))
		return rc;
	if (s->cfg->sig_policy == HM_BFT_POLICY_HYBRID) {
		/* ML-DSA-87 keys come from the system CSPRNG (sig.h has no seeded
		 * keygen); runs stay deterministic because nothing the replicas
		 * decide depends on signature bytes. */
		uint8_t(*pq_pks)[HM_BFT_PQ_PK_LEN] = malloc((size_t)n * HM_BFT_PQ_PK_LEN);

		if (pq_pks == NULL)
			return HM_ERR_NOMEM;
		rc = HM_OK;
		for (uint16_t i = 0; i < n && rc == HM_OK; i++) {
			s->nodes[i].pq_sk = malloc(HM_BFT_PQ_SK_LEN);
			if (s->nodes[i].pq_sk == NULL)
				rc = HM_ERR_NOMEM;
			else
				rc = hm_sig_keygen(HM_SIG_MLDSA87, pq_pks[i], HM_BFT_PQ_PK_LEN,
				                   s->nodes[i].pq_sk, HM_BFT_PQ_SK_LEN);
		}
		if (rc == HM_OK)
			rc = hm_bft_validators_set_hybrid(
			        &s->vs, (const uint8_t(*)[HM_BFT_PQ_PK_LEN])pq_pks);
		free(pq_pks);
		if (rc != HM_OK)
			return rc;
	} else if (s->cfg->sig_policy != HM_BFT_POLICY_ED25519) {
		return HM_ERR_INVALID;
	}
	if (s->cfg->quorum_override)
		s->vs.quorum = s->cfg->quorum_override;
	if (s->cfg->faults & HM_BFT_FAULT_BYZANTINE)
		nbyz = s->cfg->byzantine ? s->cfg->byzantine : f;
	if (nbyz > n)
		return HM_ERR_INVALID;
	for (uint16_t k = 0; k < nbyz;) {
		static const uint32_t kinds[] = {
			HM_BFT_BYZ_EQUIVOCATE | HM_BFT_BYZ_DOUBLE_VOTE,
			HM_BFT_BYZ_WITHHOLD,
			HM_BFT_BYZ_INVALID | HM_BFT_BYZ_DOUBLE_VOTE,
			HM_BFT_BYZ_EQUIVOCATE | HM_BFT_BYZ_WITHHOLD,
			HM_BFT_BYZ_STALE | HM_BFT_BYZ_DOUBLE_VOTE,
		};
		struct node *nd = &s->nodes[rng_below(&s->rng, n)];

		if (nd->byz)
			continue;
		nd->byz = 1;
		nd->flags |= kinds[rng_below(&s->rng, sizeof(kinds) / sizeof(kinds[0]))];
		k++;
	}
	hm_bft_genesis(&s->vs, &g, gh);
	if ((rc = canon_put(s, gh)))
		return rc;
	s->msg = malloc(sizeof(*s->msg));
	if (s->msg == NULL)
		return HM_ERR_NOMEM;
	for (uint16_t i = 0; i < n; i++)
		if ((rc = start_node(s, i)))
			return rc;
	if ((rc = push(s, 10, EV_CLIENT, 0, 0, NULL, 0)))
		return rc;
	if ((s->cfg->faults & (HM_BFT_FAULT_PARTITION | HM_BFT_FAULT_CRASH)) &&
	    (rc = push(s, 100 + rng_below(&s->rng, 1000), EV_FAULT, 0, 0, NULL, 0)))
		return rc;
	return HM_OK;
}

int hm_bft_fault_parse(const char *name, uint32_t *mask)
{
	static const struct {
		const char *name;
		uint32_t mask;
	} t[] = {
		{ "none", 0 },
		{ "all", HM_BFT_FAULT_ALL },
		{ "delay", HM_BFT_FAULT_DELAY },
		{ "loss", HM_BFT_FAULT_LOSS },
		{ "dup", HM_BFT_FAULT_DUP },
		{ "reorder", HM_BFT_FAULT_REORDER },
		{ "partition", HM_BFT_FAULT_PARTITION },
		{ "crash", HM_BFT_FAULT_CRASH },
		{ "byzantine", HM_BFT_FAULT_BYZANTINE },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (strcmp(name, t[i].name) == 0) {
			*mask = t[i].mask;
			return HM_OK;
		}
	}
	return HM_ERR_INVALID;
}

int hm_bft_sim_run(const struct hm_bft_sim_config *cfg, struct hm_bft_sim_result *res)
{
	struct sim *s;
	struct event e;
	int rc;

	if (cfg->nodes == 0 || cfg->nodes > HM_BFT_MAX_VALIDATORS ||
	    (cfg->faults & ~(uint32_t)HM_BFT_FAULT_ALL) || cfg->quorum_override > cfg->nodes)
		return HM_ERR_INVALID;
	memset(res, 0, sizeof(*res));
	res->ok = 1;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return HM_ERR_NOMEM;
	s->cfg = cfg;
	s->res = res;
	s->heal_step = cfg->steps * 6 / 10;
	s->bound = cfg->liveness_bound_ms ? cfg->liveness_bound_ms : 60000;
	s->partition_max = cfg->partition_max_ms ? cfg->partition_max_ms : 3000;
	if (cfg->faults == 0)
		s->healed = 1;
	rc = setup(s);
	for (s->step = 0; rc == HM_OK && s->step < cfg->steps && res->ok && s->heap.n > 0;
	     s->step++) {
		if (!s->healed && s->step >= s->heal_step && (rc = heal(s)))
			break;
		heap_pop(&s->heap, &e);
		if (e.time > s->now)
			s->now = e.time;
		rc = run_event(s, &e);
		free(e.data);
		check_liveness(s);
	}
	/* Progress after healing, however short the bound: a healed phase of a few
	 * hundred events is dozens of views, enough for every honest replica to
	 * commit (or catch up on) at least one new block. */
	if (rc == HM_OK && res->ok && s->healed && cfg->steps - s->heal_step >= 300) {
		for (uint16_t i = 0; i < cfg->nodes; i++) {
			struct hm_bft_status st;

			if (s->nodes[i].byz || s->nodes[i].committed > s->nodes[i].heal_height)
				continue;
			hm_bft_replica_status(s->nodes[i].r, &st);
			fail(s, "liveness",
			     "replica %u committed nothing after healing (height %llu, view %llu, "
			     "voted %llu, high qc %llu)",
			     i, (unsigned long long)st.committed_height,
			     (unsigned long long)st.view, (unsigned long long)st.last_voted_view,
			     (unsigned long long)st.high_qc_view);
		}
	}
	if (res->ok)
		res->step = s->step;
	res->virtual_ms = s->now;
	res->min_height = UINT64_MAX;
	for (uint16_t i = 0; i < cfg->nodes; i++) {
		struct node *nd = &s->nodes[i];

		if (nd->r != NULL) {
			struct hm_bft_status st;

			hm_bft_replica_status(nd->r, &st);
			if (st.view > res->max_view)
				res->max_view = st.view;
			res->rejected += st.rejected;
			res->wrong_shape += st.wrong_shape;
			if (!nd->byz && st.evidence_committed > res->evidence_committed)
				res->evidence_committed = st.evidence_committed;
		}
		if (!nd->byz && nd->committed < res->min_height)
			res->min_height = nd->committed;
		hm_bft_replica_del(nd->r);
		mem_free(&nd->mem);
		if (nd->pq_sk != NULL) {
			hm_wipe(nd->pq_sk, HM_BFT_PQ_SK_LEN);
			free(nd->pq_sk);
		}
	}
	if (res->min_height == UINT64_MAX)
		res->min_height = 0;
	/*
	 * Evidence reaches the chain: what an honest replica found while faults
	 * were on is gossiped and pooled, so a healed phase of a few hundred
	 * events commits some of it. Not with crashes: the pool is volatile,
	 * and a detector that crashed before its gossip got through loses it.
	 */
	if (rc == HM_OK && res->ok && s->healed && cfg->steps - s->heal_step >= 300 &&
	    !(cfg->faults & HM_BFT_FAULT_CRASH) && s->ev_before_heal &&
	    res->evidence_committed == 0)
		fail(s, "evidence", "evidence found before healing was never committed");
	while (s->heap.n > 0) {
		heap_pop(&s->heap, &e);
		free(e.data);
	}
	free(s->heap.v);
	free(s->proposed.v);
	free(s->proposed.used);
	free(s->canon);
	free(s->msg);
	free(s);
	return rc;
}
