/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The replica state machine (docs/CONSENSUS.md §3-§4). Bytes and time in;
 * messages, commits, evidence and a deadline out. Nothing here blocks, reads
 * a clock or draws randomness.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/bft.h"
#include "hypermesh/codec.h"
#include "hypermesh/error.h"
#include "hypermesh/hash.h"
#include "hypermesh/secure.h"

#include "bft_internal.h"

#define RING         4  /* views of votes / timeouts collected at once */
#define EQ_WINDOW    16 /* views remembered for equivocation detection */
#define CERT_CACHE   16 /* verified certificates remembered */
#define ASKED_MAX    16 /* outstanding block requests */
#define ASK_AGAIN_MS 500
#define EV_POOL      256  /* evidence records waiting for a block */
#define EV_COMMITTED 4096 /* committed evidence records (dedup); then blocks carry no more */

/*
 * Hybrid policy: PQ signatures the replica keeps live in one arena of
 * n-signature stores (n x HM_BFT_PQ_SIG_LEN bytes each), one per place a
 * certificate or a signature collection is kept; certificates point into
 * them (struct hm_bft_pq is borrowed). Nothing of this exists under ed25519.
 */
enum {
	STORE_HIGH_QC = 0,
	STORE_LTC_QC = 1,
	STORE_LTC_SIGS = 2,
	STORE_VOTES = 3,                   /* + view % RING */
	STORE_TIMEOUT_BEST = 3 + RING,     /* + view % RING */
	STORE_TIMEOUT_SIGS = 3 + 2 * RING, /* + view % RING */
	STORE_OWN = 3 + 3 * RING,          /* three single signatures: proposal, vote, timeout */
	STORES = 4 + 3 * RING,
};

struct entry {
	uint8_t hash[HM_BFT_HASH_LEN];
	uint8_t parent[HM_BFT_HASH_LEN];
	uint64_t height, view, timestamp;
	int committed;
	int has_txs;       /* a non-empty payload */
	int has_evidence;  /* commits evidence records */
	struct hm_buf enc; /* the block's encoding */
};

struct vote_slot {
	uint64_t view;
	int formed;
	uint8_t has[HM_BFT_MAX_VALIDATORS];
	uint8_t hash[HM_BFT_MAX_VALIDATORS][HM_BFT_HASH_LEN];
	uint8_t sig[HM_BFT_MAX_VALIDATORS][HM_BFT_SIG_LEN];
	struct hm_bft_pq pq[HM_BFT_MAX_VALIDATORS]; /* into the slot's PQ store */
};

struct timeout_slot {
	uint64_t view;
	int formed;
	uint16_t count;
	uint8_t has[HM_BFT_MAX_VALIDATORS];
	struct hm_bft_timeout_sig sig[HM_BFT_MAX_VALIDATORS];
	struct hm_bft_qc best; /* highest QC reported */
};

struct eq_record {
	uint8_t has, reported;
	uint8_t hash[HM_BFT_HASH_LEN];
	uint8_t sig[HM_BFT_SIG_LEN];
};

struct eq_slot {
	uint64_t view;
	int used;
	struct eq_record prop[HM_BFT_MAX_VALIDATORS];
	struct eq_record vote[HM_BFT_MAX_VALIDATORS];
};

struct cert_key {
	int used;
	uint64_t view, aux;
	uint8_t hash[HM_BFT_HASH_LEN];
};

struct hm_bft_replica {
	struct hm_bft_validators vs;
	uint16_t self;
	uint8_t sk[HM_BFT_SK_LEN];
	struct hm_bft_storage st;
	uint64_t base_timeout, max_skew;
	unsigned max_backoff;
	uint32_t max_block_txs, max_block_bytes, mempool_max_txs;
	uint64_t mempool_max_bytes;
	uint64_t min_interval;
	uint32_t flags;
	uint8_t genesis[HM_BFT_HASH_LEN];

	/* safety (persisted) */
	uint64_t last_voted_view;
	struct hm_bft_qc high_qc;
	/* view */
	int has_tc;
	struct hm_bft_tc last_tc;
	uint64_t cur_view, proposed_view, timed_out_view;
	uint64_t deadline;
	uint64_t qc_at; /* local time the highest QC last advanced */
	unsigned backoff;
	/* chain */
	uint64_t committed_height;
	uint8_t committed_hash[HM_BFT_HASH_LEN];
	struct entry **blocks;
	size_t nblocks, blocks_cap;
	uint32_t *table; /* open addressing: index+1 into blocks, 0 empty */
	size_t table_cap;
	/* a proposal waiting for its parent */
	int pending;
	uint8_t pending_hash[HM_BFT_HASH_LEN];
	struct {
		uint8_t hash[HM_BFT_HASH_LEN];
		uint64_t at;
		int used;
	} asked[ASKED_MAX];
	unsigned ask_rotor;
	/* collections */
	struct vote_slot votes[RING];
	struct timeout_slot timeouts[RING];
	struct eq_slot eq[EQ_WINDOW];
	struct cert_key cache[CERT_CACHE];
	unsigned cache_pos;
	/* hybrid policy */
	uint8_t *pq_sk;    /* HM_BFT_PQ_SK_LEN */
	uint8_t *pq_arena; /* STORES x n x HM_BFT_PQ_SIG_LEN */
	/* evidence: waiting for a block, and committed (by key, for dedup) */
	struct {
		uint8_t key[HM_BFT_HASH_LEN];
		uint8_t rec[HM_BFT_EVIDENCE_LEN];
	} ev_pool[EV_POOL];
	size_t ev_n;
	struct bft_hset ev_committed;
	uint64_t ev_committed_n;
	struct hm_buf ev_buf;            /* a proposal's evidence records */
	struct hm_bft_block *ev_scratch; /* ancestors decoded for the evidence checks */
	/* mempool */
	struct bft_mempool mp;
	struct bft_hset in_flight; /* scratch for build_payload */
	/* outputs */
	struct hm_bft_output *out;
	size_t out_head, out_n, out_cap;
	/* scratch */
	struct hm_bft_msg *in, *own;
	struct hm_buf payload;
	struct hm_bft_block tmp_block;
	uint64_t now;
	/* counters */
	uint64_t timeouts_sent, evidence, rejected, wrong_shape;
	int in_retry;
	int propose_due;
};

static int handle_proposal(struct hm_bft_replica *r, const struct hm_bft_block *b,
                           const uint8_t sig[HM_BFT_SIG_LEN], const struct hm_bft_pq *pq,
                           int local);
static int handle_vote(struct hm_bft_replica *r, const struct hm_bft_vote *v);
static int handle_timeout(struct hm_bft_replica *r, const struct hm_bft_timeout *t);

static uint16_t leader(const struct hm_bft_replica *r, uint64_t view)
{
	return (uint16_t)(view % r->vs.n);
}

static int hybrid(const struct hm_bft_replica *r)
{
	return r->vs.policy == HM_BFT_POLICY_HYBRID;
}

/* ---- PQ signature stores (hybrid) ---- */

/* Slots per store: n signatures, and at least the three own ones. */
static size_t pq_stride(const struct hm_bft_replica *r)
{
	return r->vs.n < 3 ? 3 : r->vs.n;
}

static uint8_t *pq_store(const struct hm_bft_replica *r, unsigned store)
{
	if (r->pq_arena == NULL)
		return NULL;
	return r->pq_arena + (size_t)store * pq_stride(r) * HM_BFT_PQ_SIG_LEN;
}

/* Copies one PQ signature into slot i of a store and points pq at it. */
static void keep_pq(struct hm_bft_pq *pq, uint8_t *store, size_t i, const struct hm_bft_pq *src)
{
	if (store == NULL || src->len != HM_BFT_PQ_SIG_LEN || src->sig == NULL) {
		pq->sig = NULL;
		pq->len = 0;
		return;
	}
	/* memmove: src may already be this very slot (a certificate kept twice). */
	memmove(store + i * HM_BFT_PQ_SIG_LEN, src->sig, HM_BFT_PQ_SIG_LEN);
	pq->sig = store + i * HM_BFT_PQ_SIG_LEN;
	pq->len = HM_BFT_PQ_SIG_LEN;
}

/*
 * dst = src, with src's PQ signatures copied into store, so dst outlives the
 * message src was decoded from. Certificates kept here are verified, so
 * nsigs <= n and every signature fits its slot.
 */
static void keep_qc(const struct hm_bft_replica *r, struct hm_bft_qc *dst, unsigned store,
                    const struct hm_bft_qc *src)
{
	uint8_t *st = pq_store(r, store);

	if (dst != src)
		*dst = *src;
	for (uint16_t i = 0; i < dst->nsigs; i++)
		keep_pq(&dst->sigs[i].pq, i < r->vs.n ? st : NULL, i, &dst->sigs[i].pq);
}

static void keep_tc(const struct hm_bft_replica *r, struct hm_bft_tc *dst,
                    const struct hm_bft_tc *src)
{
	uint8_t *st = pq_store(r, STORE_LTC_SIGS);

	if (dst != src)
		*dst = *src;
	keep_qc(r, &dst->high_qc, STORE_LTC_QC, &dst->high_qc);
	for (uint16_t i = 0; i < dst->nsigs; i++)
		keep_pq(&dst->sigs[i].pq, i < r->vs.n ? st : NULL, i, &dst->sigs[i].pq);
}

/* Signs (domain, a, h, b) with the PQ key into own slot k; pq points at it. */
static int sign_pq(struct hm_bft_replica *r, enum hm_bft_domain domain, unsigned k, uint64_t a,
                   const uint8_t *h, uint64_t b, struct hm_bft_pq *pq)
{
	uint8_t *sig;
	int rc;

	pq->sig = NULL;
	pq->len = 0;
	if (!hybrid(r))
		return HM_OK;
	sig = pq_store(r, STORE_OWN) + (size_t)k * HM_BFT_PQ_SIG_LEN;
	if ((rc = hm_bft_sign_pq(&r->vs, domain, r->pq_sk, a, h, b, sig)))
		return rc;
	pq->sig = sig;
	pq->len = HM_BFT_PQ_SIG_LEN;
	return HM_OK;
}

/* A peer's signature: the Ed25519 half, then under hybrid the PQ half. */
static int verify_signed(const struct hm_bft_replica *r, enum hm_bft_domain domain, uint16_t signer,
                         uint64_t a, const uint8_t *h, uint64_t b, const uint8_t *sig,
                         const struct hm_bft_pq *pq)
{
	int rc = hm_bft_verify(&r->vs, domain, signer, a, h, b, sig);

	if (rc == HM_OK && hybrid(r))
		rc = hm_bft_verify_pq(&r->vs, domain, signer, a, h, b, pq);
	return rc;
}

/* ---- outputs ---- */

static int push_output(struct hm_bft_replica *r, enum hm_bft_output_kind kind, uint16_t to,
                       const struct hm_buf *data, uint64_t height, const uint8_t *hash)
{
	struct hm_bft_output *o;
	int rc;

	if (r->out_head > 0 && r->out_head == r->out_n) {
		r->out_head = 0;
		r->out_n = 0;
	}
	if (r->out_n == r->out_cap) {
		size_t cap = r->out_cap ? r->out_cap * 2 : 16;
		struct hm_bft_output *n = realloc(r->out, cap * sizeof(*n));

		if (n == NULL)
			return HM_ERR_NOMEM;
		r->out = n;
		r->out_cap = cap;
	}
	o = &r->out[r->out_n];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->to = to;
	o->height = height;
	if (hash != NULL)
		memcpy(o->hash, hash, HM_BFT_HASH_LEN);
	hm_buf_init(&o->data);
	if ((rc = hm_buf_append(&o->data, data->data, data->len)))
		return rc;
	r->out_n++;
	return HM_OK;
}

static int send_msg(struct hm_bft_replica *r, uint16_t to, const struct hm_bft_msg *m)
{
	struct hm_buf b;
	int rc;

	hm_buf_init(&b);
	rc = hm_bft_msg_encode(&b, m);
	if (rc == HM_OK)
		rc = push_output(r, HM_BFT_OUT_SEND, to, &b, 0, NULL);
	hm_buf_free(&b);
	return rc;
}

/* ---- block store ---- */

static size_t slot_of(const uint8_t *hash, size_t cap)
{
	uint64_t h = 0;

	memcpy(&h, hash, sizeof(h));
	return (size_t)(h & (cap - 1));
}

static struct entry *find_block(const struct hm_bft_replica *r, const uint8_t *hash)
{
	if (r->table_cap == 0)
		return NULL;
	for (size_t i = slot_of(hash, r->table_cap);; i = (i + 1) & (r->table_cap - 1)) {
		uint32_t idx = r->table[i];

		if (idx == 0)
			return NULL;
		if (memcmp(r->blocks[idx - 1]->hash, hash, HM_BFT_HASH_LEN) == 0)
			return r->blocks[idx - 1];
	}
}

static int table_grow(struct hm_bft_replica *r)
{
	size_t cap = r->table_cap ? r->table_cap * 2 : 256;
	uint32_t *t = calloc(cap, sizeof(*t));

	if (t == NULL)
		return HM_ERR_NOMEM;
	for (size_t k = 0; k < r->nblocks; k++) {
		size_t i = slot_of(r->blocks[k]->hash, cap);

		while (t[i] != 0)
			i = (i + 1) & (cap - 1);
		t[i] = (uint32_t)(k + 1);
	}
	free(r->table);
	r->table = t;
	r->table_cap = cap;
	return HM_OK;
}

/* Adds a block (already checked by the caller); returns the entry. */
static int add_block(struct hm_bft_replica *r, const struct hm_bft_block *b,
                     const uint8_t hash[HM_BFT_HASH_LEN], struct entry **out)
{
	struct entry *e = find_block(r, hash);
	size_t i;
	int rc;

	if (e != NULL) {
		*out = e;
		return HM_OK;
	}
	if ((r->nblocks + 1) * 2 > r->table_cap && (rc = table_grow(r)))
		return rc;
	if (r->nblocks == r->blocks_cap) {
		size_t cap = r->blocks_cap ? r->blocks_cap * 2 : 64;
		struct entry **n = realloc(r->blocks, cap * sizeof(*n));

		if (n == NULL)
			return HM_ERR_NOMEM;
		r->blocks = n;
		r->blocks_cap = cap;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return HM_ERR_NOMEM;
	hm_buf_init(&e->enc);
	if ((rc = hm_bft_block_encode(&e->enc, b))) {
		hm_buf_free(&e->enc);
		free(e);
		return rc;
	}
	memcpy(e->hash, hash, HM_BFT_HASH_LEN);
	memcpy(e->parent, b->parent, HM_BFT_HASH_LEN);
	e->height = b->height;
	e->view = b->view;
	e->timestamp = b->timestamp;
	e->has_txs = b->payload_len > 0;
	e->has_evidence = b->evidence_len > 0;
	r->blocks[r->nblocks++] = e;
	for (i = slot_of(hash, r->table_cap); r->table[i] != 0; i = (i + 1) & (r->table_cap - 1))
		;
	r->table[i] = (uint32_t)r->nblocks;
	*out = e;
	return HM_OK;
}

/* ---- certificate cache ---- */

static int cache_has(const struct hm_bft_replica *r, uint64_t view, uint64_t aux,
                     const uint8_t *hash)
{
	for (unsigned i = 0; i < CERT_CACHE; i++) {
		const struct cert_key *k = &r->cache[i];

		if (k->used && k->view == view && k->aux == aux &&
		    memcmp(k->hash, hash, HM_BFT_HASH_LEN) == 0)
			return 1;
	}
	return 0;
}

static void cache_put(struct hm_bft_replica *r, uint64_t view, uint64_t aux, const uint8_t *hash)
{
	struct cert_key *k = &r->cache[r->cache_pos++ % CERT_CACHE];

	k->used = 1;
	k->view = view;
	k->aux = aux;
	memcpy(k->hash, hash, HM_BFT_HASH_LEN);
}

/*
 * The cache is keyed by the hash of the certificate's encoding, signatures
 * included: a certificate seen again (in every proposal, timeout and block
 * response that carries it) is verified once, and a forged copy of a
 * verified one is not mistaken for it. Under hybrid that saves q ML-DSA-87
 * verifications per repeat, at the price of hashing the encoding.
 */
#define CACHE_QC UINT64_MAX
#define CACHE_TC (UINT64_MAX - 1)

static int cert_key(const struct hm_bft_qc *qc, const struct hm_bft_tc *tc,
                    uint8_t key[HM_BFT_HASH_LEN])
{
	struct hm_buf b;
	int rc;

	hm_buf_init(&b);
	rc = tc != NULL ? bft_tc_encode(&b, tc) : hm_bft_qc_encode(&b, qc);
	if (rc == HM_OK)
		hm_sha256(key, b.data, b.len);
	hm_buf_free(&b);
	return rc;
}

static int verify_qc(struct hm_bft_replica *r, const struct hm_bft_qc *qc)
{
	uint8_t key[HM_BFT_HASH_LEN];
	int rc;

	if ((rc = cert_key(qc, NULL, key)))
		return rc == HM_ERR_NOMEM ? rc : HM_ERR_INVALID;
	if (cache_has(r, qc->view, CACHE_QC, key))
		return HM_OK;
	if ((rc = hm_bft_qc_verify(&r->vs, qc)))
		return rc;
	cache_put(r, qc->view, CACHE_QC, key);
	return HM_OK;
}

static int verify_tc(struct hm_bft_replica *r, const struct hm_bft_tc *tc)
{
	uint8_t key[HM_BFT_HASH_LEN];
	int rc;

	if ((rc = cert_key(NULL, tc, key)))
		return rc == HM_ERR_NOMEM ? rc : HM_ERR_INVALID;
	if (cache_has(r, tc->view, CACHE_TC, key))
		return HM_OK;
	if ((rc = hm_bft_tc_verify(&r->vs, tc)))
		return rc;
	cache_put(r, tc->view, CACHE_TC, key);
	return HM_OK;
}

/* ---- persistence ---- */

static int save_safety(struct hm_bft_replica *r)
{
	struct hm_buf b;
	int rc;

	hm_buf_init(&b);
	rc = hm_bft_safety_encode(&b, r->last_voted_view, &r->high_qc);
	if (rc == HM_OK)
		rc = r->st.save_safety(r->st.ctx, b.data, b.len);
	hm_buf_free(&b);
	return rc;
}

/* ---- block requests ---- */

static int request_block(struct hm_bft_replica *r, const uint8_t *hash, uint16_t hint)
{
	struct hm_bft_msg m;
	int free_slot = -1, rc;
	uint16_t other;

	for (int i = 0; i < ASKED_MAX; i++) {
		if (r->asked[i].used && memcmp(r->asked[i].hash, hash, HM_BFT_HASH_LEN) == 0) {
			if (r->now < r->asked[i].at + ASK_AGAIN_MS)
				return HM_OK;
			free_slot = i;
			break;
		}
		if (free_slot < 0 &&
		    (!r->asked[i].used || r->asked[i].at + 4 * ASK_AGAIN_MS <= r->now))
			free_slot = i;
	}
	if (free_slot < 0)
		free_slot = (int)(r->ask_rotor % ASKED_MAX);
	r->asked[free_slot].used = 1;
	r->asked[free_slot].at = r->now;
	memcpy(r->asked[free_slot].hash, hash, HM_BFT_HASH_LEN);

	memset(&m, 0, sizeof(m));
	m.type = HM_BFT_MSG_BLOCK_REQUEST;
	memcpy(m.u.request.block, hash, HM_BFT_HASH_LEN);
	m.u.request.requester = r->self;
	/* The hinted peer (who referred to the block) and one more, rotating, in
	 * case the hint is Byzantine or down. */
	if (hint < r->vs.n && hint != r->self && (rc = send_msg(r, hint, &m)))
		return rc;
	other = (uint16_t)((r->self + 1 + r->ask_rotor++ % (r->vs.n - 1u)) % r->vs.n);
	if (r->vs.n > 1 && other != hint && other != r->self)
		return send_msg(r, other, &m);
	return HM_OK;
}

static int was_asked(struct hm_bft_replica *r, const uint8_t *hash)
{
	for (int i = 0; i < ASKED_MAX; i++) {
		if (r->asked[i].used && memcmp(r->asked[i].hash, hash, HM_BFT_HASH_LEN) == 0) {
			r->asked[i].used = 0;
			return 1;
		}
	}
	return 0;
}

/* ---- mempool ---- */

int hm_bft_replica_submit_tx(struct hm_bft_replica *r, const uint8_t *tx, size_t len)
{
	uint8_t hash[HM_BFT_HASH_LEN];

	if (len == 0 || len > HM_BFT_TX_MAX || len + 2 > r->max_block_bytes)
		return HM_ERR_LENGTH;
	hm_sha256(hash, tx, len);
	return bft_mempool_add(&r->mp, hash, tx, len);
}

size_t hm_bft_replica_mempool_len(const struct hm_bft_replica *r)
{
	return r->mp.live;
}

/* Calls fn for the SHA-256 of every transaction of a payload. */
static void for_each_tx(const uint8_t *payload, size_t len,
                        void (*fn)(struct hm_bft_replica *r, const uint8_t *hash, void *arg),
                        struct hm_bft_replica *r, void *arg)
{
	struct hm_reader rd;
	const uint8_t *tx;
	size_t txlen;

	hm_reader_init(&rd, payload, len);
	while (hm_get_vec(&rd, 1, HM_BFT_TX_MAX, &tx, &txlen) == HM_OK) {
		uint8_t hash[HM_BFT_HASH_LEN];

		hm_sha256(hash, tx, txlen);
		fn(r, hash, arg);
	}
}

static void forget_tx(struct hm_bft_replica *r, const uint8_t *hash, void *arg)
{
	(void)arg;
	bft_mempool_committed(&r->mp, hash);
}

/*
 * The transactions of uncommitted ancestors, which a new block must not
 * repeat. The set holds as many as the mempool; past that (only Byzantine
 * leaders make such blocks) a repeat is possible, and execution ignores an
 * operation it has already applied.
 */
static void note_in_flight(struct hm_bft_replica *r, const uint8_t *hash, void *arg)
{
	(void)arg;
	(void)bft_hset_put(&r->in_flight, hash, 0);
}

/* Builds a batch into r->payload: mempool order, skipping what the uncommitted ancestors hold. */
static int build_payload(struct hm_bft_replica *r, const struct entry *parent)
{
	uint32_t count = 0;
	int rc = HM_OK;

	hm_buf_truncate(&r->payload, 0);
	bft_hset_clear(&r->in_flight);
	for (const struct entry *e = parent; e != NULL && !e->committed;
	     e = find_block(r, e->parent)) {
		struct hm_bft_block b;

		if (hm_bft_block_decode(&b, e->enc.data, e->enc.len) == HM_OK)
			for_each_tx(b.payload, b.payload_len, note_in_flight, r, NULL);
	}
	for (size_t i = 0; i < r->mp.n && count < r->max_block_txs; i++) {
		const struct bft_mp_entry *m = &r->mp.e[i];

		if (!m->live || bft_hset_get(&r->in_flight, m->hash) != UINT32_MAX)
			continue;
		if (r->payload.len + 2 + m->tx.len > r->max_block_bytes)
			continue;
		if ((rc = hm_put_vec(&r->payload, 1, HM_BFT_TX_MAX, m->tx.data, m->tx.len)))
			break;
		count++;
	}
	return rc;
}

/* ---- evidence ---- */

/*
 * One record per (kind, validator, view): the key is the hash of the record's
 * first 11 bytes, which are exactly those fields. A second record for the same
 * equivocation (the other pair of signatures, or the same pair reversed)
 * proves nothing new and is a duplicate.
 */
static void ev_key(uint8_t key[HM_BFT_HASH_LEN], const uint8_t *rec)
{
	hm_sha256(key, rec, 1 + 2 + 8);
}

static int ev_committed(const struct hm_bft_replica *r, const uint8_t *key)
{
	return bft_hset_get(&r->ev_committed, key) != UINT32_MAX;
}

static int ev_pooled(const struct hm_bft_replica *r, const uint8_t *key)
{
	for (size_t i = 0; i < r->ev_n; i++)
		if (memcmp(r->ev_pool[i].key, key, HM_BFT_HASH_LEN) == 0)
			return 1;
	return 0;
}

static int ev_pooled_exact(const struct hm_bft_replica *r, const uint8_t *key, const uint8_t *rec)
{
	for (size_t i = 0; i < r->ev_n; i++)
		if (memcmp(r->ev_pool[i].key, key, HM_BFT_HASH_LEN) == 0)
			return memcmp(r->ev_pool[i].rec, rec, HM_BFT_EVIDENCE_LEN) == 0;
	return 0;
}

/* Queues a verified record for a future block, unless known or no room. */
static void ev_pool_add(struct hm_bft_replica *r, const uint8_t *rec)
{
	uint8_t key[HM_BFT_HASH_LEN];

	ev_key(key, rec);
	if (ev_committed(r, key) || ev_pooled(r, key) || r->ev_n == EV_POOL ||
	    r->ev_committed_n >= EV_COMMITTED)
		return;
	memcpy(r->ev_pool[r->ev_n].key, key, HM_BFT_HASH_LEN);
	memcpy(r->ev_pool[r->ev_n].rec, rec, HM_BFT_EVIDENCE_LEN);
	r->ev_n++;
}

static void ev_pool_drop(struct hm_bft_replica *r, const uint8_t *key)
{
	for (size_t i = 0; i < r->ev_n; i++) {
		if (memcmp(r->ev_pool[i].key, key, HM_BFT_HASH_LEN) == 0) {
			memmove(&r->ev_pool[i], &r->ev_pool[i + 1],
			        (r->ev_n - i - 1) * sizeof(r->ev_pool[0]));
			r->ev_n--;
			return;
		}
	}
}

/* A record seen here: queue it and tell every validator (any leader may commit it). */
static int evidence_gossip(struct hm_bft_replica *r, const uint8_t *rec)
{
	struct hm_buf b;
	int rc;

	ev_pool_add(r, rec);
	hm_buf_init(&b);
	rc = hm_buf_append_byte(&b, HM_BFT_MSG_EVIDENCE);
	if (rc == HM_OK)
		rc = hm_buf_append(&b, rec, HM_BFT_EVIDENCE_LEN);
	if (rc == HM_OK)
		rc = push_output(r, HM_BFT_OUT_SEND, HM_BFT_TO_ALL, &b, 0, NULL);
	hm_buf_free(&b);
	return rc;
}

/* A gossiped record: verified before it is queued (it names a validator). */
static int handle_evidence(struct hm_bft_replica *r, const uint8_t *rec)
{
	struct hm_bft_evidence e;
	uint8_t key[HM_BFT_HASH_LEN];
	int rc;

	if ((rc = hm_bft_evidence_decode(&e, rec, HM_BFT_EVIDENCE_LEN)))
		return rc;
	/* Known already (several replicas report one equivocation): nothing to verify. */
	ev_key(key, rec);
	if (ev_committed(r, key) || ev_pooled(r, key))
		return HM_OK;
	if ((rc = hm_bft_evidence_verify(&r->vs, &e)))
		return rc;
	ev_pool_add(r, rec);
	return HM_OK;
}

/* Whether an uncommitted ancestor (from parent up) already carries the key. */
static int ev_in_ancestors(struct hm_bft_replica *r, const struct entry *parent, const uint8_t *key)
{
	for (const struct entry *e = parent; e != NULL && !e->committed;
	     e = find_block(r, e->parent)) {
		struct hm_bft_block *b = r->ev_scratch;

		if (!e->has_evidence || hm_bft_block_decode(b, e->enc.data, e->enc.len) != HM_OK)
			continue;
		for (size_t off = 0; off < b->evidence_len; off += HM_BFT_EVIDENCE_LEN) {
			uint8_t k[HM_BFT_HASH_LEN];

			ev_key(k, b->evidence + off);
			if (memcmp(k, key, HM_BFT_HASH_LEN) == 0)
				return 1;
		}
	}
	return 0;
}

/*
 * The proposal's evidence into r->ev_buf: pooled records neither committed
 * nor carried by an uncommitted ancestor, oldest first, at most
 * HM_BFT_BLOCK_EVIDENCE_MAX.
 */
static int build_evidence(struct hm_bft_replica *r, const struct entry *parent)
{
	size_t count = 0;
	int rc = HM_OK;

	hm_buf_truncate(&r->ev_buf, 0);
	for (size_t i = 0; i < r->ev_n && count < HM_BFT_BLOCK_EVIDENCE_MAX; i++) {
		if (ev_in_ancestors(r, parent, r->ev_pool[i].key))
			continue;
		if ((rc = hm_buf_append(&r->ev_buf, r->ev_pool[i].rec, HM_BFT_EVIDENCE_LEN)))
			break;
		count++;
	}
	return rc;
}

/*
 * Stateless checks of a block's evidence (check_block): every record proves
 * an equivocation, and no two share a key.
 */
static int check_evidence(struct hm_bft_replica *r, const struct hm_bft_block *b)
{
	uint8_t keys[HM_BFT_BLOCK_EVIDENCE_MAX][HM_BFT_HASH_LEN];
	size_t n = 0;
	int rc;

	if (b->evidence_len % HM_BFT_EVIDENCE_LEN != 0 ||
	    b->evidence_len / HM_BFT_EVIDENCE_LEN > HM_BFT_BLOCK_EVIDENCE_MAX)
		return HM_ERR_INVALID;
	for (size_t off = 0; off < b->evidence_len; off += HM_BFT_EVIDENCE_LEN, n++) {
		struct hm_bft_evidence e;

		ev_key(keys[n], b->evidence + off);
		/* A record byte-identical to a pooled one was verified when pooled. */
		if (!ev_pooled_exact(r, keys[n], b->evidence + off) &&
		    ((rc = hm_bft_evidence_decode(&e, b->evidence + off, HM_BFT_EVIDENCE_LEN)) ||
		     (rc = hm_bft_evidence_verify(&r->vs, &e))))
			return rc;
		for (size_t k = 0; k < n; k++)
			if (memcmp(keys[k], keys[n], HM_BFT_HASH_LEN) == 0)
				return HM_ERR_INVALID;
	}
	return HM_OK;
}

/*
 * The voting rule for evidence (with the parent known): no record is already
 * committed or carried by an uncommitted ancestor. Every replica with the
 * same ancestry decides alike.
 */
static int check_evidence_new(struct hm_bft_replica *r, const struct hm_bft_block *b,
                              const struct entry *parent)
{
	if (b->evidence_len == 0)
		return HM_OK;
	if (r->ev_committed_n + b->evidence_len / HM_BFT_EVIDENCE_LEN > EV_COMMITTED)
		return HM_ERR_TOO_LARGE;
	for (size_t off = 0; off < b->evidence_len; off += HM_BFT_EVIDENCE_LEN) {
		uint8_t key[HM_BFT_HASH_LEN];

		ev_key(key, b->evidence + off);
		if (ev_committed(r, key) || ev_in_ancestors(r, parent, key))
			return HM_ERR_INVALID;
	}
	return HM_OK;
}

/* A committed block's evidence: remembered, unqueued, and reported when out is set. */
static int commit_evidence(struct hm_bft_replica *r, const struct hm_bft_block *b, uint64_t height,
                           const uint8_t *hash, int out)
{
	for (size_t off = 0; off < b->evidence_len; off += HM_BFT_EVIDENCE_LEN) {
		uint8_t key[HM_BFT_HASH_LEN];
		int rc;

		ev_key(key, b->evidence + off);
		ev_pool_drop(r, key);
		if (ev_committed(r, key))
			continue; /* only a Byzantine quorum commits a duplicate */
		/* Past EV_COMMITTED (only a chain certified by more than f Byzantine
		 * validators gets there: the voting rule stops at the bound) the key
		 * is not remembered; the commit itself must not fail. */
		rc = bft_hset_put(&r->ev_committed, key, 0);
		if (rc != HM_OK && rc != HM_ERR_TOO_LARGE)
			return rc;
		r->ev_committed_n++;
		if (out) {
			struct hm_buf rec;

			hm_buf_init(&rec);
			rc = hm_buf_append(&rec, b->evidence + off, HM_BFT_EVIDENCE_LEN);
			if (rc == HM_OK)
				rc = push_output(r, HM_BFT_OUT_EVIDENCE_COMMITTED, 0, &rec, height,
				                 hash);
			hm_buf_free(&rec);
			if (rc != HM_OK)
				return rc;
		}
	}
	return HM_OK;
}

static int note_signed(struct hm_bft_replica *r, int is_vote, uint16_t who, uint64_t view,
                       const uint8_t *hash, const uint8_t *sig)
{
	struct eq_slot *s = &r->eq[view % EQ_WINDOW];
	struct eq_record *rec;
	struct hm_bft_evidence ev;
	struct hm_buf b;
	int rc;

	if (!s->used || s->view < view) {
		memset(s, 0, sizeof(*s));
		s->used = 1;
		s->view = view;
	} else if (s->view > view) {
		return HM_OK; /* too old to remember */
	}
	rec = is_vote ? &s->vote[who] : &s->prop[who];
	if (!rec->has) {
		rec->has = 1;
		memcpy(rec->hash, hash, HM_BFT_HASH_LEN);
		memcpy(rec->sig, sig, HM_BFT_SIG_LEN);
		return HM_OK;
	}
	if (rec->reported || memcmp(rec->hash, hash, HM_BFT_HASH_LEN) == 0)
		return HM_OK;
	rec->reported = 1;
	ev.kind = is_vote ? HM_BFT_EVIDENCE_VOTE : HM_BFT_EVIDENCE_PROPOSAL;
	ev.validator = who;
	ev.view = view;
	memcpy(ev.hash1, rec->hash, HM_BFT_HASH_LEN);
	memcpy(ev.sig1, rec->sig, HM_BFT_SIG_LEN);
	memcpy(ev.hash2, hash, HM_BFT_HASH_LEN);
	memcpy(ev.sig2, sig, HM_BFT_SIG_LEN);
	hm_buf_init(&b);
	rc = hm_bft_evidence_encode(&b, &ev);
	if (rc == HM_OK)
		rc = push_output(r, HM_BFT_OUT_EVIDENCE, 0, &b, 0, NULL);
	if (rc == HM_OK)
		rc = evidence_gossip(r, b.data);
	hm_buf_free(&b);
	if (rc == HM_OK)
		r->evidence++;
	return rc;
}

/* ---- commit ---- */

static int commit_one(struct hm_bft_replica *r, struct entry *e)
{
	struct hm_bft_block b;
	int rc;

	if ((rc = r->st.append_block(r->st.ctx, e->height, e->enc.data, e->enc.len)))
		return rc;
	e->committed = 1;
	r->committed_height = e->height;
	memcpy(r->committed_hash, e->hash, HM_BFT_HASH_LEN);
	if ((rc = hm_bft_block_decode(&b, e->enc.data, e->enc.len)))
		return HM_ERR_CORRUPT;
	for_each_tx(b.payload, b.payload_len, forget_tx, r, NULL);
	if ((rc = push_output(r, HM_BFT_OUT_COMMIT, 0, &e->enc, e->height, e->hash)))
		return rc;
	return commit_evidence(r, &b, e->height, e->hash, 1);
}

/* Commits target and its uncommitted ancestors, lowest first, if all are known. */
static int commit_chain(struct hm_bft_replica *r, struct entry *target, uint16_t hint)
{
	struct entry **chain;
	struct entry *e = target;
	size_t n = 0, need;
	int rc = HM_OK;

	if (target->height <= r->committed_height)
		return HM_OK;
	need = (size_t)(target->height - r->committed_height);
	chain = malloc(need * sizeof(*chain));
	if (chain == NULL)
		return HM_ERR_NOMEM;
	while (n < need) {
		struct entry *p;

		if (e->height != target->height - n) {
			rc = HM_ERR_CORRUPT; /* a certified chain with broken heights */
			goto out;
		}
		chain[n++] = e;
		if (n == need)
			break;
		p = find_block(r, e->parent);
		if (p == NULL) {
			rc = request_block(r, e->parent, hint);
			goto out;
		}
		e = p;
	}
	if (memcmp(e->parent, r->committed_hash, HM_BFT_HASH_LEN) != 0) {
		/* Two-chain safety says this cannot happen with <= f faults. */
		rc = HM_ERR_CORRUPT;
		goto out;
	}
	while (n > 0 && rc == HM_OK)
		rc = commit_one(r, chain[--n]);
out:
	free(chain);
	return rc;
}

static int try_commit(struct hm_bft_replica *r, const struct hm_bft_qc *qc, uint16_t hint)
{
	struct entry *child, *parent;

	child = find_block(r, qc->block);
	if (child == NULL)
		return qc->view > 0 ? request_block(r, qc->block, hint) : HM_OK;
	if (child->view != qc->view)
		return HM_ERR_CORRUPT;
	if (child->height == 0)
		return HM_OK;
	parent = find_block(r, child->parent);
	if (parent == NULL)
		return request_block(r, child->parent, hint);
	if (child->view != parent->view + 1 || parent->height <= r->committed_height)
		return HM_OK;
	return commit_chain(r, parent, hint);
}

/* ---- views ---- */

static uint64_t view_timeout(const struct hm_bft_replica *r)
{
	unsigned k = r->backoff < r->max_backoff ? r->backoff : r->max_backoff;

	return r->base_timeout << k;
}

static int propose(struct hm_bft_replica *r);

static int update_view(struct hm_bft_replica *r, int by_tc)
{
	uint64_t v = r->high_qc.view;

	if (r->has_tc && r->last_tc.view > v)
		v = r->last_tc.view;
	v++;
	if (v <= r->cur_view)
		return HM_OK;
	r->cur_view = v;
	if (by_tc) {
		if (r->backoff < r->max_backoff)
			r->backoff++;
	} else {
		r->backoff = 0;
	}
	r->deadline = r->now + view_timeout(r);
	/* Proposing is deferred to the end of the entry point (run_due): done
	 * here, a leader's own vote could complete the next QC and recurse
	 * through view after view (n = 1), and it would overwrite the block
	 * being handled further up the stack. */
	if (leader(r, v) == r->self)
		r->propose_due = 1;
	return HM_OK;
}

static int process_qc(struct hm_bft_replica *r, const struct hm_bft_qc *qc, uint16_t hint)
{
	int rc;

	if (qc->view > r->high_qc.view) {
		keep_qc(r, &r->high_qc, STORE_HIGH_QC, qc);
		r->qc_at = r->now;
		if ((rc = update_view(r, 0)))
			return rc;
	}
	return try_commit(r, qc, hint);
}

static int process_tc(struct hm_bft_replica *r, const struct hm_bft_tc *tc, uint16_t hint)
{
	int rc;

	if ((rc = process_qc(r, &tc->high_qc, hint)))
		return rc;
	if (!r->has_tc || tc->view > r->last_tc.view) {
		r->has_tc = 1;
		keep_tc(r, &r->last_tc, tc);
		return update_view(r, 1);
	}
	return HM_OK;
}

/* ---- proposing ---- */

/* A Byzantine leader's malformed block: each kind breaks one voting rule. */
static void corrupt_block(struct hm_bft_replica *r, struct hm_bft_block *b, uint8_t *sig)
{
	switch ((b->view / r->vs.n) % 4) {
	case 0:
		b->payload_root[0] ^= 1;
		break;
	case 1:
		b->height++;
		break;
	case 2:
		b->parent[0] ^= 1;
		break;
	default:
		sig[0] ^= 1;
		break;
	}
}

static int propose(struct hm_bft_replica *r)
{
	struct hm_bft_msg *m = r->own;
	struct hm_bft_block *b = &m->u.proposal.block;
	struct entry *parent;
	uint8_t hash[HM_BFT_HASH_LEN];
	int rc;

	/* Never propose in a view already voted or timed out in: after a restart
	 * that could be a second, different proposal for the view. */
	if (r->proposed_view >= r->cur_view || leader(r, r->cur_view) != r->self ||
	    r->cur_view <= r->last_voted_view)
		return HM_OK;
	parent = find_block(r, r->high_qc.block);
	if (parent == NULL)
		return request_block(r, r->high_qc.block, HM_BFT_TO_ALL);
	memset(m, 0, sizeof(*m));
	b->justify = r->high_qc;
	/* Two blocks below the highest QC: a sibling of what may be committed,
	 * which is what the locking rule must refuse. */
	for (int k = 0; k < 2 && (r->flags & HM_BFT_BYZ_STALE) &&
	                r->high_qc.view + 1 != r->cur_view && parent->height > 0;
	     k++) {
		struct entry *gp;

		if (hm_bft_block_decode(&r->tmp_block, parent->enc.data, parent->enc.len) != HM_OK)
			break;
		gp = find_block(r, r->tmp_block.parent);
		if (gp == NULL)
			break;
		parent = gp;
		b->justify = r->tmp_block.justify;
	}
	if ((rc = build_payload(r, parent)) || (rc = build_evidence(r, parent)))
		return rc;
	r->proposed_view = r->cur_view;
	m->type = HM_BFT_MSG_PROPOSAL;
	b->height = parent->height + 1;
	b->view = r->cur_view;
	memcpy(b->parent, parent->hash, HM_BFT_HASH_LEN);
	b->proposer = r->self;
	b->timestamp = r->now > parent->timestamp ? r->now : parent->timestamp;
	b->payload = r->payload.data;
	b->payload_len = r->payload.len;
	b->evidence = r->ev_buf.len > 0 ? r->ev_buf.data : NULL;
	b->evidence_len = r->ev_buf.len;
	if ((rc = hm_bft_payload_root(b->payload_root, b->payload, b->payload_len)))
		return rc;
	if (r->high_qc.view + 1 != r->cur_view) {
		b->has_tc = 1;
		b->tc = r->last_tc;
	}
	hm_bft_block_hash(hash, r->vs.chain_id, r->vs.chain_id_len, b);
	if ((rc = hm_bft_sign(&r->vs, HM_BFT_DOMAIN_PROPOSAL, r->sk, b->view, hash, 0,
	                      m->u.proposal.sig)) ||
	    (rc = sign_pq(r, HM_BFT_DOMAIN_PROPOSAL, 0, b->view, hash, 0, &m->u.proposal.pq)))
		return rc;

	if (r->flags & HM_BFT_BYZ_INVALID) {
		corrupt_block(r, b, m->u.proposal.sig);
		return send_msg(r, HM_BFT_TO_ALL, m);
	}
	if (r->flags & HM_BFT_BYZ_EQUIVOCATE) {
		/* Half the peers get this block, the other half a sibling. */
		for (uint16_t i = 0; i < r->vs.n; i++)
			if (i != r->self && i % 2 == 0 && (rc = send_msg(r, i, m)))
				return rc;
		b->timestamp++;
		hm_bft_block_hash(hash, r->vs.chain_id, r->vs.chain_id_len, b);
		if ((rc = hm_bft_sign(&r->vs, HM_BFT_DOMAIN_PROPOSAL, r->sk, b->view, hash, 0,
		                      m->u.proposal.sig)) ||
		    (rc = sign_pq(r, HM_BFT_DOMAIN_PROPOSAL, 0, b->view, hash, 0,
		                  &m->u.proposal.pq)))
			return rc;
		for (uint16_t i = 0; i < r->vs.n; i++)
			if (i != r->self && i % 2 == 1 && (rc = send_msg(r, i, m)))
				return rc;
	} else if ((rc = send_msg(r, HM_BFT_TO_ALL, m))) {
		return rc;
	}
	return handle_proposal(r, b, m->u.proposal.sig, &m->u.proposal.pq, 1);
}

/* ---- voting ---- */

static int send_vote(struct hm_bft_replica *r, uint64_t view, const uint8_t *hash)
{
	struct hm_bft_msg m;
	uint16_t to = leader(r, view + 1);
	int rc;

	memset(&m, 0, sizeof(m));
	m.type = HM_BFT_MSG_VOTE;
	m.u.vote.view = view;
	memcpy(m.u.vote.block, hash, HM_BFT_HASH_LEN);
	m.u.vote.voter = r->self;
	if ((rc = hm_bft_sign(&r->vs, HM_BFT_DOMAIN_VOTE, r->sk, view, hash, 0, m.u.vote.sig)) ||
	    (rc = sign_pq(r, HM_BFT_DOMAIN_VOTE, 1, view, hash, 0, &m.u.vote.pq)))
		return rc;
	if (to == r->self)
		return handle_vote(r, &m.u.vote);
	return send_msg(r, to, &m);
}

/*
 * The voting rules 2-4 for a block whose signature and certificates were
 * checked and processed. Returns HM_OK when it voted or had no reason to
 * (stale, parent missing: then it is kept pending), or the rule it broke.
 */
static int try_vote(struct hm_bft_replica *r, const struct hm_bft_block *b, const uint8_t *hash)
{
	struct entry *parent, *e;
	int rc;

	if (b->view != r->cur_view)
		return HM_OK;
	if (b->view <= r->last_voted_view && !(r->flags & HM_BFT_BYZ_DOUBLE_VOTE))
		return HM_OK;
	/* The locking rule: after a timeout, only extend a QC at least as high as
	 * the highest one the TC's signers reported (check_block has made sure
	 * there is a TC for the previous view when there is no QC for it). */
	if (b->justify.view + 1 != b->view && b->justify.view < b->tc.high_qc.view &&
	    !(r->flags & HM_BFT_TEST_NO_LOCK))
		return HM_ERR_INVALID;
	parent = find_block(r, b->parent);
	if (parent == NULL) {
		r->pending = 1;
		memcpy(r->pending_hash, hash, HM_BFT_HASH_LEN);
		return request_block(r, b->parent, b->proposer);
	}
	if (b->height != parent->height + 1 || b->timestamp < parent->timestamp ||
	    b->timestamp > r->now + r->max_skew)
		return HM_ERR_INVALID;
	if ((rc = check_evidence_new(r, b, parent)))
		return rc;
	if (r->flags & HM_BFT_BYZ_WITHHOLD)
		return HM_OK;
	e = find_block(r, hash);
	if (e != NULL && (rc = r->st.put_block(r->st.ctx, hash, e->enc.data, e->enc.len)))
		return rc;
	if (b->view > r->last_voted_view) {
		r->last_voted_view = b->view;
		if ((rc = save_safety(r)))
			return rc;
	}
	if ((rc = send_vote(r, b->view, hash)))
		return rc;
	if (r->flags & HM_BFT_BYZ_DOUBLE_VOTE) {
		uint8_t other[HM_BFT_HASH_LEN];

		memcpy(other, hash, HM_BFT_HASH_LEN);
		other[HM_BFT_HASH_LEN - 1] ^= 0x5a;
		return send_vote(r, b->view, other);
	}
	return HM_OK;
}

/* Structure every stored block must have, whatever its origin. */
static int check_block(struct hm_bft_replica *r, const struct hm_bft_block *b)
{
	uint8_t root[HM_BFT_HASH_LEN];
	int rc;

	if (b->height == 0 || b->view == 0 || b->proposer >= r->vs.n)
		return HM_ERR_INVALID;
	if (memcmp(b->parent, b->justify.block, HM_BFT_HASH_LEN) != 0)
		return HM_ERR_INVALID;
	if (b->justify.view >= b->view || (b->has_tc && b->tc.view >= b->view))
		return HM_ERR_INVALID;
	/* Every block is justified by a certificate for the view before it. */
	if (b->justify.view + 1 != b->view && (!b->has_tc || b->tc.view + 1 != b->view))
		return HM_ERR_INVALID;
	if (b->payload_len > r->max_block_bytes)
		return HM_ERR_TOO_LARGE;
	if ((rc = hm_bft_payload_root(root, b->payload, b->payload_len)))
		return rc;
	if (memcmp(root, b->payload_root, HM_BFT_HASH_LEN) != 0)
		return HM_ERR_VERIFY;
	return check_evidence(r, b);
}

static int retry_pending(struct hm_bft_replica *r);

/*
 * When a due proposal may go out. Without pacing (min_interval 0, the
 * simulator) at once. With it, an idle chain makes a block at most every
 * min_interval after the QC that allowed it, so it does not spin empty
 * blocks at network speed; a non-empty mempool, or a parent carrying
 * transactions (whose commit needs this child), proposes at once.
 */
static uint64_t propose_at(const struct hm_bft_replica *r)
{
	const struct entry *parent;

	if (r->min_interval == 0 || r->mp.live > 0 || r->ev_n > 0)
		return r->now;
	/*
	 * A block with transactions needs the next two blocks at once, counted
	 * from the block itself and not from what this replica has committed:
	 * the leader that forms the certificate on the first child commits the
	 * block right there, but everyone else learns of it only from the
	 * second child, which carries that certificate. Pacing that child made
	 * every transaction at light load wait for the next one (or the pacing
	 * interval): p50 108 ms at 10 certificates/s, 14 ms without.
	 */
	parent = find_block(r, r->high_qc.block);
	for (int up = 0; parent != NULL && up < 2; up++, parent = find_block(r, parent->parent))
		if (parent->has_txs)
			return r->now;
	/*
	 * Transactions in a block not yet committed need the next two blocks
	 * (two-chain commit): propose those at once, empty or not, so the
	 * pacing delays only an idle chain, never a commit.
	 */
	for (parent = find_block(r, r->high_qc.block); parent != NULL && !parent->committed;
	     parent = find_block(r, parent->parent))
		if (parent->has_txs)
			return r->now;
	return r->qc_at + r->min_interval;
}

/* One deferred proposal per entry point; a further one is left due (see update_view). */
static int run_due(struct hm_bft_replica *r)
{
	if (!r->propose_due || propose_at(r) > r->now)
		return HM_OK;
	r->propose_due = 0;
	return propose(r);
}

static int handle_proposal(struct hm_bft_replica *r, const struct hm_bft_block *b,
                           const uint8_t sig[HM_BFT_SIG_LEN], const struct hm_bft_pq *pq, int local)
{
	uint8_t hash[HM_BFT_HASH_LEN];
	struct entry *e;
	int rc;

	if (b->proposer >= r->vs.n || b->proposer != leader(r, b->view))
		return HM_ERR_INVALID;
	hm_bft_block_hash(hash, r->vs.chain_id, r->vs.chain_id_len, b);
	if (!local) {
		if ((rc = verify_signed(r, HM_BFT_DOMAIN_PROPOSAL, b->proposer, b->view, hash, 0,
		                        sig, pq)))
			return rc;
		if ((rc = note_signed(r, 0, b->proposer, b->view, hash, sig)))
			return rc;
	}
	if ((rc = check_block(r, b)))
		return rc;
	/* Our own proposal carries certificates we already hold. */
	if (!local && (rc = verify_qc(r, &b->justify)))
		return rc;
	if (!local && b->has_tc && (rc = verify_tc(r, &b->tc)))
		return rc;
	if ((rc = add_block(r, b, hash, &e)))
		return rc;
	if ((rc = process_qc(r, &b->justify, b->proposer)))
		return rc;
	if (b->has_tc && (rc = process_tc(r, &b->tc, b->proposer)))
		return rc;
	if ((rc = try_vote(r, b, hash)))
		return rc;
	return retry_pending(r);
}

/* A block arrived: a proposal waiting for it may now be voted on; commits may proceed. */
static int retry_pending(struct hm_bft_replica *r)
{
	struct entry *e;
	int rc;

	if (r->in_retry)
		return HM_OK;
	r->in_retry = 1;
	rc = try_commit(r, &r->high_qc, HM_BFT_TO_ALL);
	if (rc == HM_OK && r->pending) {
		e = find_block(r, r->pending_hash);
		if (e != NULL && e->view == r->cur_view && find_block(r, e->parent) != NULL) {
			r->pending = 0;
			if (hm_bft_block_decode(&r->tmp_block, e->enc.data, e->enc.len) == HM_OK)
				rc = try_vote(r, &r->tmp_block, e->hash);
		} else if (e == NULL || e->view < r->cur_view) {
			r->pending = 0;
		}
	}
	if (leader(r, r->cur_view) == r->self && r->proposed_view < r->cur_view)
		r->propose_due = 1;
	r->in_retry = 0;
	return rc;
}

static int handle_vote(struct hm_bft_replica *r, const struct hm_bft_vote *v)
{
	struct vote_slot *s;
	uint16_t count = 0;
	int rc;

	if (v->voter >= r->vs.n)
		return HM_ERR_RANGE;
	if (leader(r, v->view + 1) != r->self)
		return HM_OK; /* not ours to collect */
	if (v->view + 1 < r->cur_view)
		return HM_OK; /* stale */
	if (v->voter != r->self && (rc = verify_signed(r, HM_BFT_DOMAIN_VOTE, v->voter, v->view,
	                                               v->block, 0, v->sig, &v->pq)))
		return rc;
	if ((rc = note_signed(r, 1, v->voter, v->view, v->block, v->sig)))
		return rc;
	s = &r->votes[v->view % RING];
	if (s->view != v->view) {
		if (s->view > v->view)
			return HM_OK;
		memset(s, 0, sizeof(*s));
		s->view = v->view;
	}
	if (s->has[v->voter] || s->formed)
		return HM_OK;
	s->has[v->voter] = 1;
	memcpy(s->hash[v->voter], v->block, HM_BFT_HASH_LEN);
	memcpy(s->sig[v->voter], v->sig, HM_BFT_SIG_LEN);
	keep_pq(&s->pq[v->voter], pq_store(r, STORE_VOTES + (unsigned)(v->view % RING)), v->voter,
	        &v->pq);
	for (uint16_t i = 0; i < r->vs.n; i++)
		if (s->has[i] && memcmp(s->hash[i], v->block, HM_BFT_HASH_LEN) == 0)
			count++;
	if (count >= r->vs.quorum) {
		struct hm_bft_qc qc;
		uint8_t key[HM_BFT_HASH_LEN];

		memset(&qc, 0, sizeof(qc));
		qc.view = v->view;
		memcpy(qc.block, v->block, HM_BFT_HASH_LEN);
		for (uint16_t i = 0; i < r->vs.n; i++) {
			if (s->has[i] && memcmp(s->hash[i], v->block, HM_BFT_HASH_LEN) == 0) {
				qc.sigs[qc.nsigs].signer = i;
				memcpy(qc.sigs[qc.nsigs].sig, s->sig[i], HM_BFT_SIG_LEN);
				qc.sigs[qc.nsigs].pq = s->pq[i];
				qc.nsigs++;
			}
		}
		s->formed = 1;
		/* Formed from votes verified one by one: no need to verify it again. */
		if (cert_key(&qc, NULL, key) == HM_OK)
			cache_put(r, qc.view, CACHE_QC, key);
		return process_qc(r, &qc, v->voter);
	}
	return HM_OK;
}

/* ---- timeouts ---- */

static int local_timeout(struct hm_bft_replica *r)
{
	struct hm_bft_msg *m;
	int rc;

	if (r->cur_view > r->last_voted_view) {
		r->last_voted_view = r->cur_view;
	}
	if ((rc = save_safety(r)))
		return rc;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return HM_ERR_NOMEM;
	m->type = HM_BFT_MSG_TIMEOUT;
	m->u.timeout.view = r->cur_view;
	m->u.timeout.sender = r->self;
	m->u.timeout.high_qc = r->high_qc;
	if (r->has_tc && r->last_tc.view > r->high_qc.view) {
		m->u.timeout.has_tc = 1;
		m->u.timeout.last_tc = r->last_tc;
	}
	rc = hm_bft_sign(&r->vs, HM_BFT_DOMAIN_TIMEOUT, r->sk, r->cur_view, NULL, r->high_qc.view,
	                 m->u.timeout.sig);
	if (rc == HM_OK)
		rc = sign_pq(r, HM_BFT_DOMAIN_TIMEOUT, 2, r->cur_view, NULL, r->high_qc.view,
		             &m->u.timeout.pq);
	if (rc == HM_OK)
		rc = send_msg(r, HM_BFT_TO_ALL, m);
	r->timed_out_view = r->cur_view;
	r->timeouts_sent++;
	r->deadline = r->now + view_timeout(r);
	if (rc == HM_OK)
		rc = handle_timeout(r, &m->u.timeout);
	free(m);
	return rc;
}

static int handle_timeout(struct hm_bft_replica *r, const struct hm_bft_timeout *t)
{
	struct timeout_slot *s;
	int rc;

	if (t->sender >= r->vs.n)
		return HM_ERR_RANGE;
	if (t->sender != r->self) {
		if (t->high_qc.view >= t->view || (t->has_tc && t->last_tc.view >= t->view))
			return HM_ERR_INVALID;
		if ((rc = verify_signed(r, HM_BFT_DOMAIN_TIMEOUT, t->sender, t->view, NULL,
		                        t->high_qc.view, t->sig, &t->pq)))
			return rc;
		if ((rc = verify_qc(r, &t->high_qc)))
			return rc;
		if (t->has_tc && (rc = verify_tc(r, &t->last_tc)))
			return rc;
		if ((rc = process_qc(r, &t->high_qc, t->sender)))
			return rc;
		if (t->has_tc && (rc = process_tc(r, &t->last_tc, t->sender)))
			return rc;
	}
	if (t->view < r->cur_view)
		return HM_OK;
	s = &r->timeouts[t->view % RING];
	if (s->view != t->view) {
		if (s->view > t->view)
			return HM_OK;
		memset(s, 0, sizeof(*s));
		s->view = t->view;
	}
	if (s->formed)
		return HM_OK;
	if (s->has[t->sender] && s->sig[t->sender].hqc_view >= t->high_qc.view)
		return HM_OK;
	if (!s->has[t->sender])
		s->count++;
	s->has[t->sender] = 1;
	s->sig[t->sender].signer = t->sender;
	s->sig[t->sender].hqc_view = t->high_qc.view;
	memcpy(s->sig[t->sender].sig, t->sig, HM_BFT_SIG_LEN);
	keep_pq(&s->sig[t->sender].pq, pq_store(r, STORE_TIMEOUT_SIGS + (unsigned)(t->view % RING)),
	        t->sender, &t->pq);
	if (s->count == 1 || t->high_qc.view > s->best.view)
		keep_qc(r, &s->best, STORE_TIMEOUT_BEST + (unsigned)(t->view % RING), &t->high_qc);
	/* f+1 timeouts mean at least one honest replica gave up on the view: join. */
	if (t->view == r->cur_view && r->timed_out_view < t->view &&
	    s->count >= r->vs.n - r->vs.quorum + 1)
		return local_timeout(r);
	if (s->count >= r->vs.quorum) {
		struct hm_bft_tc *tc = calloc(1, sizeof(*tc));

		if (tc == NULL)
			return HM_ERR_NOMEM;
		tc->view = t->view;
		tc->high_qc = s->best;
		for (uint16_t i = 0; i < r->vs.n; i++)
			if (s->has[i])
				tc->sigs[tc->nsigs++] = s->sig[i];
		s->formed = 1;
		/* Formed from timeouts verified one by one (and a verified high QC). */
		{
			uint8_t key[HM_BFT_HASH_LEN];

			if (cert_key(NULL, tc, key) == HM_OK)
				cache_put(r, tc->view, CACHE_TC, key);
		}
		rc = process_tc(r, tc, t->sender);
		free(tc);
		return rc;
	}
	return HM_OK;
}

/* ---- requests ---- */

static int handle_request(struct hm_bft_replica *r, const uint8_t *hash, uint16_t requester)
{
	struct entry *e;
	struct hm_buf b;
	int rc;

	if (requester >= r->vs.n)
		return HM_ERR_RANGE;
	if (requester == r->self)
		return HM_OK;
	e = find_block(r, hash);
	hm_buf_init(&b);
	rc = hm_buf_append_byte(&b, HM_BFT_MSG_BLOCK_RESPONSE);
	if (rc == HM_OK && e != NULL)
		rc = hm_buf_append(&b, e->enc.data, e->enc.len);
	else if (rc == HM_OK)
		rc = r->st.get_block(r->st.ctx, hash, &b);
	if (rc == HM_ERR_NOT_FOUND) {
		hm_buf_free(&b);
		return HM_OK; /* not ours to answer */
	}
	if (rc == HM_OK)
		rc = push_output(r, HM_BFT_OUT_SEND, requester, &b, 0, NULL);
	hm_buf_free(&b);
	return rc;
}

static int handle_response(struct hm_bft_replica *r, const struct hm_bft_block *b)
{
	uint8_t hash[HM_BFT_HASH_LEN];
	struct entry *e;
	int rc;

	hm_bft_block_hash(hash, r->vs.chain_id, r->vs.chain_id_len, b);
	if (find_block(r, hash) != NULL)
		return HM_OK;
	/* Only blocks asked for by hash: the hash authenticates them. */
	if (!was_asked(r, hash))
		return HM_OK;
	if ((rc = check_block(r, b)) || (rc = verify_qc(r, &b->justify)))
		return rc;
	if ((rc = add_block(r, b, hash, &e)))
		return rc;
	if (find_block(r, b->parent) == NULL && b->height > r->committed_height + 1 &&
	    (rc = request_block(r, b->parent, b->proposer)))
		return rc;
	if ((rc = process_qc(r, &b->justify, b->proposer)))
		return rc;
	return retry_pending(r);
}

/* ---- range sync ---- */

int hm_bft_replica_sync_blocks(struct hm_bft_replica *r, const uint8_t *p, size_t len, uint64_t now,
                               uint64_t *committed)
{
	struct hm_bft_block *b = NULL;
	uint8_t(*hash)[HM_BFT_HASH_LEN] = NULL;
	struct hm_reader rd;
	size_t n = 0, first = 0, k;
	int rc = HM_OK, found = 0;

	if (committed != NULL)
		*committed = 0;
	if (now > r->now)
		r->now = now;
	b = malloc(HM_BFT_SYNC_MAX * sizeof(*b));
	hash = malloc(HM_BFT_SYNC_MAX * sizeof(*hash));
	if (b == NULL || hash == NULL) {
		rc = HM_ERR_NOMEM;
		goto out;
	}
	hm_reader_init(&rd, p, len);
	while (hm_reader_remaining(&rd) > 0) {
		const uint8_t *enc;
		size_t elen;

		if (n == HM_BFT_SYNC_MAX) {
			rc = HM_ERR_TOO_LARGE;
			goto out;
		}
		if ((rc = hm_get_vec(&rd, 1, 0xffffff, &enc, &elen)) ||
		    (rc = hm_bft_block_decode(&b[n], enc, elen)))
			goto out;
		if ((rc = hm_bft_block_check_shape(&r->vs, &b[n]))) {
			r->wrong_shape++;
			goto out;
		}
		if ((rc = check_block(r, &b[n])))
			goto out;
		hm_bft_block_hash(hash[n], r->vs.chain_id, r->vs.chain_id_len, &b[n]);
		/* Consecutive heights, each naming the one before as parent. */
		if (n > 0 && (b[n].height != b[n - 1].height + 1 ||
		              memcmp(b[n].parent, hash[n - 1], HM_BFT_HASH_LEN) != 0)) {
			rc = HM_ERR_INVALID;
			goto out;
		}
		n++;
	}
	/* Skip what is already committed here; the rest must extend our chain. */
	while (first < n && b[first].height <= r->committed_height)
		first++;
	if (first == n)
		goto out;
	if (b[first].height != r->committed_height + 1 ||
	    memcmp(b[first].parent, r->committed_hash, HM_BFT_HASH_LEN) != 0) {
		rc = HM_ERR_VERIFY;
		goto out;
	}
	/*
	 * The two-chain commit rule, as try_commit applies it: block k is
	 * committed once its child is certified in the very next view. Block
	 * k+1's justify certifies k, block k+2's certifies k+1. Find the highest
	 * such k; every block below it is its ancestor, committed with it.
	 */
	if (n - first < 3)
		goto out; /* no block with a certified child in the batch */
	for (k = n - 2; k-- > first;) {
		if (b[k + 1].view == b[k].view + 1 && b[k + 1].justify.view == b[k].view &&
		    b[k + 2].justify.view == b[k + 1].view &&
		    verify_qc(r, &b[k + 1].justify) == HM_OK &&
		    verify_qc(r, &b[k + 2].justify) == HM_OK) {
			found = 1;
			break;
		}
		if (k == first)
			break;
	}
	if (!found)
		goto out;
	for (size_t i = first; i <= k && rc == HM_OK; i++) {
		struct entry *e;

		if ((rc = add_block(r, &b[i], hash[i], &e)) == HM_OK && !e->committed)
			rc = commit_one(r, e);
		if (rc == HM_OK && committed != NULL)
			(*committed)++;
	}
	/* The newest certificate moves the view on, as a proposal carrying it would. */
	if (rc == HM_OK)
		rc = process_qc(r, &b[k + 2].justify, HM_BFT_TO_ALL);
out:
	free(b);
	free(hash);
	if (rc != HM_OK)
		r->rejected++;
	if (rc != HM_ERR_NOMEM) {
		int due = run_due(r);

		if (rc == HM_OK)
			rc = due;
	}
	return rc;
}

/* ---- public entry points ---- */

int hm_bft_replica_on_message(struct hm_bft_replica *r, const uint8_t *p, size_t len, uint64_t now)
{
	struct hm_bft_msg *m = r->in;
	int rc;

	if (now > r->now)
		r->now = now;
	rc = hm_bft_msg_decode(m, p, len);
	/* Signatures of the other policy's shape: dropped before any work. */
	if (rc == HM_OK && (rc = hm_bft_msg_check_shape(&r->vs, m)) != HM_OK)
		r->wrong_shape++;
	if (rc == HM_OK) {
		switch (m->type) {
		case HM_BFT_MSG_PROPOSAL:
			rc = handle_proposal(r, &m->u.proposal.block, m->u.proposal.sig,
			                     &m->u.proposal.pq, 0);
			break;
		case HM_BFT_MSG_VOTE:
			rc = handle_vote(r, &m->u.vote);
			break;
		case HM_BFT_MSG_TIMEOUT:
			rc = handle_timeout(r, &m->u.timeout);
			break;
		case HM_BFT_MSG_BLOCK_REQUEST:
			rc = handle_request(r, m->u.request.block, m->u.request.requester);
			break;
		case HM_BFT_MSG_BLOCK_RESPONSE:
			rc = handle_response(r, &m->u.response);
			break;
		case HM_BFT_MSG_EVIDENCE:
			rc = handle_evidence(r, m->evidence);
			break;
		}
	}
	if (rc != HM_OK)
		r->rejected++;
	/* A refused message may still have carried a certificate that made us leader. */
	if (rc != HM_ERR_NOMEM) {
		int due = run_due(r);

		if (rc == HM_OK)
			rc = due;
	}
	return rc;
}

int hm_bft_replica_on_timer(struct hm_bft_replica *r, uint64_t now)
{
	int rc;

	if (now > r->now)
		r->now = now;
	if ((rc = run_due(r)))
		return rc;
	if (r->now < r->deadline)
		return HM_OK;
	if ((rc = local_timeout(r)))
		return rc;
	return run_due(r);
}

uint64_t hm_bft_replica_next_deadline(const struct hm_bft_replica *r)
{
	/* A proposal still to make is due at once, or when pacing allows it. */
	if (r->propose_due) {
		uint64_t at = propose_at(r);

		return at < r->deadline ? at : r->deadline;
	}
	return r->deadline;
}

int hm_bft_replica_next_output(struct hm_bft_replica *r, struct hm_bft_output *out)
{
	if (r->out_head >= r->out_n)
		return HM_ERR_NOT_FOUND;
	*out = r->out[r->out_head++];
	if (r->out_head == r->out_n) {
		r->out_head = 0;
		r->out_n = 0;
	}
	return HM_OK;
}

void hm_bft_replica_status(const struct hm_bft_replica *r, struct hm_bft_status *st)
{
	memset(st, 0, sizeof(*st));
	st->view = r->cur_view;
	st->last_voted_view = r->last_voted_view;
	st->high_qc_view = r->high_qc.view;
	st->committed_height = r->committed_height;
	memcpy(st->committed_hash, r->committed_hash, HM_BFT_HASH_LEN);
	st->timeouts_sent = r->timeouts_sent;
	st->evidence = r->evidence;
	st->rejected = r->rejected;
	st->wrong_shape = r->wrong_shape;
	st->evidence_pending = r->ev_n;
	st->evidence_committed = r->ev_committed_n;
}

/*
 * Reloads the voted blocks the highest QC builds on, down to the committed
 * chain; whatever storage lacks, peers supply through block requests.
 */
static int recover_uncommitted(struct hm_bft_replica *r, struct hm_buf *b)
{
	uint8_t want[HM_BFT_HASH_LEN];

	memcpy(want, r->high_qc.block, HM_BFT_HASH_LEN);
	while (find_block(r, want) == NULL) {
		struct hm_bft_block blk;
		uint8_t hash[HM_BFT_HASH_LEN];
		struct entry *e;
		int rc;

		hm_buf_truncate(b, 0);
		rc = r->st.get_block(r->st.ctx, want, b);
		if (rc == HM_ERR_NOT_FOUND)
			return HM_OK;
		if (rc != HM_OK)
			return rc;
		if (hm_bft_block_decode(&blk, b->data, b->len) != HM_OK)
			return HM_ERR_CORRUPT;
		hm_bft_block_hash(hash, r->vs.chain_id, r->vs.chain_id_len, &blk);
		if (memcmp(hash, want, HM_BFT_HASH_LEN) != 0 || blk.height <= r->committed_height)
			return HM_ERR_CORRUPT;
		if ((rc = add_block(r, &blk, hash, &e)))
			return rc;
		memcpy(want, blk.parent, HM_BFT_HASH_LEN);
	}
	return HM_OK;
}

/* Rebuilds the committed chain and the safety record from storage. */
static int recover(struct hm_bft_replica *r)
{
	struct hm_bft_block g;
	struct entry *e;
	struct hm_buf b;
	int rc;

	hm_bft_genesis(&r->vs, &g, r->genesis);
	if ((rc = add_block(r, &g, r->genesis, &e)))
		return rc;
	e->committed = 1;
	memcpy(r->committed_hash, r->genesis, HM_BFT_HASH_LEN);
	memset(&r->high_qc, 0, sizeof(r->high_qc));
	memcpy(r->high_qc.block, r->genesis, HM_BFT_HASH_LEN);

	hm_buf_init(&b);
	if ((rc = r->st.load_safety(r->st.ctx, &b)))
		goto out;
	if (b.len > 0) {
		if (hm_bft_safety_decode(b.data, b.len, &r->last_voted_view, &r->high_qc) !=
		            HM_OK ||
		    hm_bft_qc_verify(&r->vs, &r->high_qc) != HM_OK) {
			rc = HM_ERR_CORRUPT;
			goto out;
		}
		keep_qc(r, &r->high_qc, STORE_HIGH_QC, &r->high_qc); /* b is freed below */
	}
	for (uint64_t h = 1;; h++) {
		struct hm_bft_block blk;
		uint8_t hash[HM_BFT_HASH_LEN];

		hm_buf_truncate(&b, 0);
		rc = r->st.load_block(r->st.ctx, h, &b);
		if (rc == HM_ERR_NOT_FOUND) {
			rc = HM_OK;
			break;
		}
		if (rc != HM_OK)
			goto out;
		if (hm_bft_block_decode(&blk, b.data, b.len) != HM_OK || blk.height != h ||
		    memcmp(blk.parent, r->committed_hash, HM_BFT_HASH_LEN) != 0) {
			rc = HM_ERR_CORRUPT;
			goto out;
		}
		hm_bft_block_hash(hash, r->vs.chain_id, r->vs.chain_id_len, &blk);
		if ((rc = add_block(r, &blk, hash, &e)))
			goto out;
		e->committed = 1;
		r->committed_height = h;
		memcpy(r->committed_hash, hash, HM_BFT_HASH_LEN);
		for_each_tx(blk.payload, blk.payload_len, forget_tx, r, NULL);
		if ((rc = commit_evidence(r, &blk, h, hash, 0)))
			goto out;
	}
	rc = recover_uncommitted(r, &b);
out:
	hm_buf_free(&b);
	return rc;
}

int hm_bft_replica_new(struct hm_bft_replica **out, const struct hm_bft_config *cfg, uint64_t now)
{
	struct hm_bft_replica *r;
	const struct hm_bft_storage *st = cfg->storage;
	int rc;

	if (cfg->validators == NULL || cfg->sk == NULL || st == NULL || st->save_safety == NULL ||
	    st->load_safety == NULL || st->append_block == NULL || st->load_block == NULL ||
	    st->put_block == NULL || st->get_block == NULL || cfg->validators->n == 0 ||
	    cfg->validators->n > HM_BFT_MAX_VALIDATORS || cfg->self >= cfg->validators->n ||
	    cfg->validators->quorum == 0 || cfg->validators->quorum > cfg->validators->n ||
	    cfg->max_block_bytes > HM_BFT_PAYLOAD_MAX || cfg->max_backoff > 30)
		return HM_ERR_INVALID;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return HM_ERR_NOMEM;
	r->vs = *cfg->validators;
	r->self = cfg->self;
	memcpy(r->sk, cfg->sk, HM_BFT_SK_LEN);
	r->st = *st;
	if (hybrid(r)) {
		if (cfg->pq_sk == NULL) {
			rc = HM_ERR_INVALID;
			goto fail;
		}
		r->pq_sk = malloc(HM_BFT_PQ_SK_LEN);
		r->pq_arena = malloc((size_t)STORES * pq_stride(r) * HM_BFT_PQ_SIG_LEN);
		if (r->pq_sk == NULL || r->pq_arena == NULL) {
			rc = HM_ERR_NOMEM;
			goto fail;
		}
		memcpy(r->pq_sk, cfg->pq_sk, HM_BFT_PQ_SK_LEN);
	}
	r->base_timeout = cfg->base_timeout_ms ? cfg->base_timeout_ms : 1000;
	r->max_backoff = cfg->max_backoff ? cfg->max_backoff : 4;
	r->max_skew = cfg->max_skew_ms ? cfg->max_skew_ms : 10000;
	r->max_block_txs = cfg->max_block_txs ? cfg->max_block_txs : 1000;
	r->max_block_bytes = cfg->max_block_bytes ? cfg->max_block_bytes : (1u << 20);
	r->mempool_max_txs = cfg->mempool_max_txs ? cfg->mempool_max_txs : 10000;
	r->mempool_max_bytes = cfg->mempool_max_bytes ? cfg->mempool_max_bytes : (64u << 20);
	r->min_interval = cfg->min_block_interval_ms;
	r->flags = cfg->test_flags;
	r->now = now;
	hm_buf_init(&r->payload);
	hm_buf_init(&r->ev_buf);
	r->in = malloc(sizeof(*r->in));
	r->own = malloc(sizeof(*r->own));
	r->ev_scratch = malloc(sizeof(*r->ev_scratch));
	if (r->in == NULL || r->own == NULL || r->ev_scratch == NULL) {
		rc = HM_ERR_NOMEM;
		goto fail;
	}
	if ((rc = bft_mempool_init(&r->mp, r->mempool_max_txs, r->mempool_max_bytes)) ||
	    (rc = bft_hset_init(&r->in_flight, r->mempool_max_txs)) ||
	    (rc = bft_hset_init(&r->ev_committed, EV_COMMITTED)))
		goto fail;
	if ((rc = recover(r)))
		goto fail;
	r->cur_view = 0;
	r->backoff = 0;
	/* Enter the view after the highest certificate we hold. */
	if ((rc = update_view(r, 0)) || (rc = run_due(r)))
		goto fail;
	*out = r;
	return HM_OK;
fail:
	hm_bft_replica_del(r);
	return rc;
}

void hm_bft_replica_del(struct hm_bft_replica *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nblocks; i++) {
		hm_buf_free(&r->blocks[i]->enc);
		free(r->blocks[i]);
	}
	free(r->blocks);
	free(r->table);
	bft_mempool_free(&r->mp);
	bft_hset_free(&r->in_flight);
	for (size_t i = r->out_head; i < r->out_n; i++)
		hm_buf_free(&r->out[i].data);
	free(r->out);
	free(r->in);
	free(r->own);
	hm_buf_free(&r->payload);
	hm_wipe(r->sk, sizeof(r->sk));
	if (r->pq_sk != NULL) {
		hm_wipe(r->pq_sk, HM_BFT_PQ_SK_LEN);
		free(r->pq_sk);
	}
	free(r->pq_arena);
	bft_hset_free(&r->ev_committed);
	hm_buf_free(&r->ev_buf);
	free(r->ev_scratch);
	free(r);
}
