/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The node (node.h, docs/NODE.md): glue between the replica state machine,
 * STOQ, the consensus store and the executor, all on one libuv loop.
 *
 * Connections: the validator with the lower index dials the higher one, so
 * each pair shares exactly one connection and nobody has to break ties
 * between two. The dialer redials with backoff when it drops. An accepted
 * connection from a validator replaces an older one from the same validator
 * (it restarted). Consensus messages are one-way STOQ RPC frames (service
 * "bft", method "msg") on unidirectional streams; the frame's body is the
 * canonical hm_bft message. A frame whose sender field names another
 * validator than the authenticated peer is dropped.
 */
#define _GNU_SOURCE /* libuv needs the POSIX thread types */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uv.h>

#include "hypermesh/bft_lmdb.h"
#include "hypermesh/bft_pqkeys.h"
#include "hypermesh/clock.h"
#include "hypermesh/codec.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/file.h"
#include "hypermesh/hash.h"
#include "hypermesh/node.h"
#include "hypermesh/secure.h"
#include "hypermesh/sig.h"
#include "hypermesh/stoq.h"

#define LOG              "node"
#define REDIAL_MIN_MS    100
#define REDIAL_MAX_MS    2000
/* Committed blocks whose certificates are re-verified at start (docs/NODE.md §6). */
#define CHECK_LAST_QCS   64
#define MAX_RPC_BODY     ((size_t)1 << 20)
/* Range sync: ask a peer for the blocks above our committed height this often. */
#define SYNC_INTERVAL_MS 1000
#define SYNC_MAX_BYTES   ((size_t)4 << 20)
/* Blocks asked for at once: each commits with two fsyncs, so a batch keeps
 * the loop busy for a while; small batches keep the node responsive. */
#define SYNC_BATCH       32

/* Forwarded transactions wait at most this long, or until this many bytes. */
#define FORWARD_DELAY_MS    2
#define FORWARD_BATCH_BYTES (64 * 1024)

struct peer {
	struct hm_node *node;
	uint16_t index;
	struct hm_stoq_conn *conn;    /* ready, used for sending */
	struct hm_stoq_conn *dialing; /* our connection attempt */
	uv_timer_t redial;
	uint64_t backoff_ms;
};

struct hm_node {
	uv_loop_t *loop;
	struct hm_node_config cfg;
	struct hm_identity id;
	uint8_t bft_sk[HM_BFT_SK_LEN]; /* seed || public key, as hm_bft_sign wants it */
	/* Persistent ML-DSA-87 key ([consensus] pq_key_file), NULL without one. */
	uint8_t *pq_pk, *pq_sk;
	/* Pinned STOQ PQ key ids of the validators ([consensus] pq_validators). */
	int pq_pinned;
	struct hm_bft_pq_pins pq_pins;
	/* Committed equivocation evidence (kept in LMDB), per offender. */
	uint64_t evidence_count;
	uint64_t offenses[HM_BFT_MAX_VALIDATORS];
	uint16_t self;
	struct hm_bft_validators vs;
	struct hm_bft_lmdb *db;
	struct hm_bft_storage st;
	struct hm_bft_replica *replica;
	struct hm_executor *ex;
	struct hm_stoq_endpoint *ep;
	struct hm_stoq_rpc_service svc;
	struct peer peers[HM_BFT_MAX_VALIDATORS];
	uv_timer_t timer;
	uv_timer_t sync_timer;
	struct hm_stoq_rpc_call *sync_call; /* in flight, or NULL */
	unsigned sync_rotor;
	int started, stopping, failure;
	int handles; /* our uv handles still open */
	void (*done)(void *);
	void *done_user;
	uint64_t last_now, last_latency;
	/* Committed blocks taken from the replica, applied once its messages are out (pump). */
	struct hm_bft_output *commits;
	size_t ncommits, commits_cap;
	/*
	 * Runs apply_commits on the loop's next turn. A drain usually runs
	 * inside a STOQ receive callback, and STOQ writes the packets of that
	 * batch (our votes and proposals among them, and its ACKs) only once the
	 * callback returns: applying in place held them for the whole apply.
	 */
	uv_idle_t apply_idle;
	/* Inside pump: a nested call (from a commit hook) leaves the work to the outer one. */
	int pumping;
	/*
	 * Transactions submitted here, waiting to be forwarded to the other
	 * validators in one frame (a sequence of opaque tx<1..2^16-1>): one QUIC
	 * stream per transaction would exhaust the streams consensus needs.
	 */
	struct hm_buf fwd;
	uv_timer_t fwd_timer;
	void (*commit_hook)(void *user, const struct hm_block_info *b, size_t ntx);
	hm_node_rpc_fn rpc_hook;
	void *rpc_hook_user;
	hm_node_cert_revoked_fn revoked_hook; /* STOQ revocation check, or NULL */
	void *revoked_hook_user;
	hm_node_peer_msg_fn peer_msg_hook; /* other one-way messages from validators */
	void *peer_msg_hook_user;
	void *commit_hook_user;
	struct hm_buf hashbuf;
	struct hm_bft_msg *scratch;
	struct hm_buf blockbuf;
};

__attribute__((format(printf, 3, 4))) static int seterr(char *err, size_t errlen, const char *fmt,
                                                        ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return 0;
}

/* Milliseconds of wall time (block timestamps are compared across nodes), never decreasing. */
static uint64_t now_ms(struct hm_node *n)
{
	uint64_t t = hm_clock_wall_ns() / HM_NS_PER_MS;

	if (t < n->last_now)
		t = n->last_now;
	n->last_now = t;
	return t;
}

static void fatal(struct hm_node *n, int rc, const char *what)
{
	if (n->failure == HM_OK)
		n->failure = rc;
	hm_log(HM_LOG_ERROR, LOG, "fatal; stopping", HM_LOG_STR("what", what),
	       HM_LOG_STR("err", hm_strerror(rc)));
	hm_node_stop(n, NULL, NULL); /* runs the callback hm_node_on_stopped registered */
}

/*
 * The replica passes a storage error on as the result of the message or
 * batch it was handling, where HM_ERR_TOO_LARGE (a full map) reads like an
 * oversized message. The store keeps its own failure; if it has one the node
 * stops instead of refusing the message and going on without a disk.
 */
static int store_failed(struct hm_node *n)
{
	int rc = hm_bft_lmdb_failure(n->db);

	if (rc == HM_OK)
		return 0;
	fatal(n, rc, "consensus store");
	return 1;
}

/* ---- committed blocks to the executor ---- */

static int apply_committed(struct hm_node *n, const uint8_t *enc, size_t len,
                           const uint8_t hash[HM_BFT_HASH_LEN])
{
	struct hm_bft_block b;
	struct hm_block_info info;
	int rc;

	if ((rc = hm_bft_block_decode(&b, enc, len)))
		return HM_ERR_CORRUPT;
	info.height = b.height;
	info.timestamp_ms = b.timestamp;
	info.proposer = b.proposer;
	memcpy(info.hash, hash, HM_BFT_HASH_LEN);
	rc = hm_executor_apply_block(n->ex, &info, b.payload, b.payload_len);
	if (rc == HM_ERR_EXISTS)
		return HM_OK;
	/* The executor counted the block's operations while checking its payload. */
	if (rc == HM_OK && n->commit_hook != NULL)
		n->commit_hook(n->commit_hook_user, &info, hm_executor_block_txs(n->ex));
	return rc;
}

void hm_node_set_commit_hook(struct hm_node *n,
                             void (*hook)(void *user, const struct hm_block_info *b, size_t ntx),
                             void *user)
{
	n->commit_hook = hook;
	n->commit_hook_user = user;
}

int hm_node_block_hash(struct hm_node *n, uint64_t height, uint8_t hash[HM_BFT_HASH_LEN])
{
	struct hm_bft_block b;
	int rc;

	if (height == 0) {
		hm_bft_genesis(&n->vs, &b, hash);
		return HM_OK;
	}
	hm_buf_truncate(&n->hashbuf, 0);
	if ((rc = n->st.load_block(n->st.ctx, height, &n->hashbuf)) != HM_OK)
		return rc;
	if (hm_bft_block_decode(&b, n->hashbuf.data, n->hashbuf.len) != HM_OK)
		return HM_ERR_CORRUPT;
	hm_bft_block_hash(hash, n->vs.chain_id, n->vs.chain_id_len, &b);
	return HM_OK;
}

const struct hm_node_config *hm_node_config_of(const struct hm_node *n)
{
	return &n->cfg;
}

/* ---- sending ---- */

static void send_to(struct hm_node *n, uint16_t to, const struct hm_buf *msg)
{
	struct peer *p = &n->peers[to];
	int rc;

	if (p->conn == NULL)
		return; /* not connected: the protocol's timeouts and requests recover */
	rc = hm_stoq_rpc_send_oneway(p->conn, HM_NODE_BFT_SERVICE, HM_NODE_BFT_METHOD, msg->data,
	                             msg->len);
	if (rc != HM_OK)
		hm_log(HM_LOG_DEBUG, LOG, "dropped a message", HM_LOG_UINT("to", to),
		       HM_LOG_STR("err", hm_strerror(rc)));
}

static int validator_of(const struct hm_node *n, const uint8_t id[HM_NODE_ID_LEN]);

static void on_broadcast_peer(struct hm_stoq_broadcast *b, size_t index, int err, void *user)
{
	if (err != HM_OK)
		hm_log(HM_LOG_DEBUG, LOG, "dropped a message",
		       HM_LOG_INT("to", validator_of(user, hm_stoq_broadcast_node_id(b, index))),
		       HM_LOG_STR("err", hm_strerror(err)));
}

/*
 * One message to every connected validator: encoded once and shared by all
 * their streams (hm_stoq_broadcast). Like send_to, it does not dial.
 */
static void send_to_all(struct hm_node *n, const struct hm_buf *msg)
{
	struct hm_stoq_broadcast_peer peers[HM_BFT_MAX_VALIDATORS];
	struct hm_stoq_broadcast_request req = {
		.service = HM_NODE_BFT_SERVICE,
		.method = HM_NODE_BFT_METHOD,
		.body = msg->data,
		.body_len = msg->len,
		.peers = peers,
		.timeout_ms = (uint32_t)n->cfg.base_timeout_ms,
		.on_peer = on_broadcast_peer,
		.user = n,
	};
	int rc;

	for (uint16_t i = 0; i < n->vs.n; i++) {
		if (i == n->self || n->peers[i].conn == NULL)
			continue;
		memset(&peers[req.npeers], 0, sizeof(peers[0]));
		memcpy(peers[req.npeers].node_id, n->cfg.validators[i].node_id, HM_NODE_ID_LEN);
		req.npeers++;
	}
	if (req.npeers == 0)
		return;
	rc = hm_stoq_broadcast(n->ep, &req, NULL);
	if (rc != HM_OK)
		hm_log(HM_LOG_DEBUG, LOG, "dropped a broadcast",
		       HM_LOG_STR("err", hm_strerror(rc)));
}

static void on_timer(uv_timer_t *t);

/*
 * STOQ's PQ step: a peer whose node id is a validator's must present the PQ
 * key the genesis lists for it, so the PQ handshake proves possession of a
 * key fixed at genesis, not just of the Ed25519 identity. Other peers
 * (clients) have no pinned key.
 */
static int pq_check(const uint8_t node_id[HM_NODE_ID_LEN],
                    const uint8_t key_id[HM_STOQ_PQ_KEY_ID_LEN], void *user)
{
	struct hm_node *n = user;
	uint16_t who;
	int rc = hm_bft_pq_pins_check(&n->pq_pins, node_id, key_id, &who);

	if (rc != HM_OK)
		hm_log(HM_LOG_WARN, LOG, "validator presented a PQ key other than its genesis key",
		       HM_LOG_UINT("validator", who));
	return rc;
}

/*
 * The node's persistent PQ key and the validators' PQ keys: for STOQ (own
 * key, pinned peers) and, under the hybrid policy, for consensus.
 */
static int load_pq(struct hm_node *n, const struct hm_node_config *cfg, char *err, size_t errlen)
{
	uint8_t(*pks)[HM_BFT_PQ_PK_LEN] = NULL;
	char why[128];
	int rc = HM_OK;

	if (cfg->pq_key_file[0] != '\0') {
		n->pq_pk = malloc(HM_BFT_PQ_PK_LEN);
		n->pq_sk = malloc(HM_BFT_PQ_SK_LEN);
		if (n->pq_pk == NULL || n->pq_sk == NULL)
			return seterr(err, errlen, "out of memory"), HM_ERR_NOMEM;
		if ((rc = hm_bft_pq_key_load(cfg->pq_key_file, n->pq_pk, n->pq_sk)))
			return seterr(err, errlen, "cannot load the PQ key %s: %s",
			              cfg->pq_key_file, hm_strerror(rc)),
			       rc;
	}
	if (cfg->pq_validators[0] == '\0')
		return HM_OK;
	pks = malloc((size_t)n->vs.n * HM_BFT_PQ_PK_LEN);
	if (pks == NULL)
		return seterr(err, errlen, "out of memory"), HM_ERR_NOMEM;
	rc = hm_bft_pq_validators_load(cfg->pq_validators, n->vs.n, pks, why, sizeof(why));
	if (rc != HM_OK) {
		seterr(err, errlen, "%s: %s", cfg->pq_validators,
		       rc == HM_ERR_INVALID ? why : hm_strerror(rc));
		goto out;
	}
	if (n->pq_pk != NULL && memcmp(pks[n->self], n->pq_pk, HM_BFT_PQ_PK_LEN) != 0) {
		rc = HM_ERR_INVALID;
		seterr(err, errlen, "the PQ key in %s is not validator %u's in %s",
		       cfg->pq_key_file, (unsigned)n->self, cfg->pq_validators);
		goto out;
	}
	n->pq_pins.n = n->vs.n;
	for (uint16_t i = 0; i < n->vs.n; i++) {
		memcpy(n->pq_pins.node_id[i], cfg->validators[i].node_id, HM_NODE_ID_LEN);
		hm_stoq_pq_key_id(HM_SIG_MLDSA87, pks[i], HM_BFT_PQ_PK_LEN, n->pq_pins.key_id[i]);
	}
	n->pq_pinned = 1;
	if (cfg->sig_policy == HM_BFT_POLICY_HYBRID &&
	    (rc = hm_bft_validators_set_hybrid(&n->vs, (const uint8_t(*)[HM_BFT_PQ_PK_LEN])pks)))
		seterr(err, errlen, "bad PQ validator set: %s", hm_strerror(rc));
out:
	free(pks);
	return rc;
}

/* Keeps a committed block for apply_commits; the output's buffer moves with it. */
static int queue_commit(struct hm_node *n, struct hm_bft_output *o)
{
	if (n->ncommits == n->commits_cap) {
		size_t cap = n->commits_cap ? n->commits_cap * 2 : 8;
		struct hm_bft_output *c = realloc(n->commits, cap * sizeof(*c));

		if (c == NULL)
			return HM_ERR_NOMEM;
		n->commits = c;
		n->commits_cap = cap;
	}
	n->commits[n->ncommits++] = *o;
	return HM_OK;
}

/* Applies the queued blocks in order. HM_OK, or the executor's failure (the rest dropped). */
static int apply_commits(struct hm_node *n)
{
	int rc = HM_OK;

	for (size_t i = 0; i < n->ncommits; i++) {
		struct hm_bft_output *o = &n->commits[i];

		if (rc == HM_OK && n->failure == HM_OK &&
		    (rc = apply_committed(n, o->data.data, o->data.len, o->hash)) == HM_OK) {
			struct hm_bft_block b;
			uint64_t now = now_ms(n);

			if (hm_bft_block_decode(&b, o->data.data, o->data.len) == HM_OK)
				n->last_latency = now > b.timestamp ? now - b.timestamp : 0;
			hm_log(HM_LOG_DEBUG, LOG, "committed", HM_LOG_UINT("height", o->height));
		}
		hm_buf_free(&o->data);
	}
	n->ncommits = 0;
	return rc;
}

/*
 * Evidence committed in a block: kept in LMDB (one record per validator,
 * view and kind) and counted; the offender is reported in the status.
 */
static void note_committed_evidence(struct hm_node *n, const struct hm_bft_output *o)
{
	struct hm_bft_evidence e;
	int rc;

	if (hm_bft_evidence_decode(&e, o->data.data, o->data.len) != HM_OK)
		return;
	rc = hm_bft_lmdb_put_evidence(n->db, o->height, o->data.data, o->data.len);
	if (rc == HM_OK) {
		n->evidence_count++;
		if (e.validator < HM_BFT_MAX_VALIDATORS)
			n->offenses[e.validator]++;
	}
	if (rc != HM_OK && rc != HM_ERR_EXISTS)
		hm_log(HM_LOG_ERROR, LOG, "storing evidence failed",
		       HM_LOG_STR("error", hm_strerror(rc)));
	hm_log(HM_LOG_WARN, LOG, "equivocation committed", HM_LOG_UINT("validator", e.validator),
	       HM_LOG_UINT("view", e.view), HM_LOG_UINT("height", o->height));
}

static void on_apply_idle(uv_idle_t *h);
static void pump(struct hm_node *n);

/*
 * Drains the replica's outputs and re-arms its timer. Run after every entry
 * point. Messages go out first and committed blocks are applied after, on
 * the loop's next turn (on_apply_idle): the replica has already made its
 * state durable, and executing a block (every operation's proofs, an LMDB
 * commit, the CT log's) is the slowest step of a view, so a vote or
 * proposal must not wait for it. Queuing the messages is not enough: most
 * drains run inside a STOQ receive callback, and the packets of that batch
 * are written only when the callback returns (docs/NODE.md, "Where a round
 * waits").
 *
 * The consensus store is in deferred mode: replica calls only stage their
 * writes, and this is the one place outputs leave, so flushing at the top
 * keeps "durable before sent" with one sync per round.
 */
static void drain(struct hm_node *n)
{
	struct hm_bft_output o;
	uint64_t now, deadline;
	int rc;

	/*
	 * What the replica wrote since the last flush (voted block, safety
	 * record, committed blocks) becomes durable in one transaction here,
	 * before any output that depends on it leaves or is applied.
	 */
	if ((rc = hm_bft_lmdb_flush(n->db)) != HM_OK) {
		fatal(n, rc, "consensus store");
		return;
	}
	while (hm_bft_replica_next_output(n->replica, &o) == HM_OK) {
		switch (o.kind) {
		case HM_BFT_OUT_SEND:
			if (o.to == HM_BFT_TO_ALL)
				send_to_all(n, &o.data);
			else if (o.to < n->vs.n && o.to != n->self)
				send_to(n, o.to, &o.data);
			break;
		case HM_BFT_OUT_COMMIT:
			if (queue_commit(n, &o) == HM_OK)
				continue; /* the buffer is the queue's now */
			hm_buf_free(&o.data);
			(void)apply_commits(n);
			fatal(n, HM_ERR_NOMEM, "executor");
			return;
		case HM_BFT_OUT_EVIDENCE:
			hm_log(HM_LOG_WARN, LOG, "equivocation evidence",
			       HM_LOG_UINT("bytes", o.data.len));
			break;
		case HM_BFT_OUT_EVIDENCE_COMMITTED:
			note_committed_evidence(n, &o);
			break;
		}
		hm_buf_free(&o.data);
	}
	if (n->ncommits > 0 && !n->stopping)
		uv_idle_start(&n->apply_idle, on_apply_idle);
	/* What the outputs wrote themselves (committed evidence) is not left pending. */
	if ((rc = hm_bft_lmdb_flush(n->db)) != HM_OK) {
		fatal(n, rc, "consensus store");
		return;
	}
	if (n->stopping)
		return;
	now = now_ms(n);
	deadline = hm_bft_replica_next_deadline(n->replica);
	uv_timer_start(&n->timer, on_timer, deadline > now ? deadline - now : 0, 0);
}

/*
 * The deferred half of drain: the blocks it queued, applied now that the
 * messages of the same round have left. Applying may make more outputs (a
 * submission from a commit hook), which the pump after it sends.
 */
static void on_apply_idle(uv_idle_t *h)
{
	struct hm_node *n = h->data;
	int rc;

	uv_idle_stop(h);
	if (n->ncommits == 0 || n->pumping)
		return;
	n->pumping = 1; /* a hook's submission queues; the pump below drains it */
	rc = apply_commits(n);
	n->pumping = 0;
	if (rc != HM_OK) {
		fatal(n, rc, "executor");
		return;
	}
	pump(n);
}

static void pump(struct hm_node *n)
{
	if (n->pumping)
		return; /* the outer drain() loops until no output is left */
	n->pumping = 1;
	drain(n);
	n->pumping = 0;
}

static void on_timer(uv_timer_t *t)
{
	struct hm_node *n = t->data;
	int rc = hm_bft_replica_on_timer(n->replica, now_ms(n));

	if (rc != HM_OK) {
		fatal(n, rc, "consensus timer");
		return;
	}
	pump(n);
}

/* ---- peers ---- */

static int validator_of(const struct hm_node *n, const uint8_t id[HM_NODE_ID_LEN])
{
	for (uint16_t i = 0; i < n->vs.n; i++)
		if (memcmp(n->cfg.validators[i].node_id, id, HM_NODE_ID_LEN) == 0)
			return i;
	return -1;
}

static int conn_validator(const struct hm_node *n, const struct hm_stoq_conn *c)
{
	uint8_t id[HM_NODE_ID_LEN];

	if (hm_stoq_conn_peer_id(c, id) != HM_OK)
		return -1;
	return validator_of(n, id);
}

static void dial(struct peer *p)
{
	struct hm_node *n = p->node;
	const struct hm_node_validator *v = &n->cfg.validators[p->index];
	int rc;

	if (n->stopping || p->conn != NULL || p->dialing != NULL)
		return;
	rc = hm_stoq_connect(n->ep, v->stoq.host, v->stoq.port, v->node_id, p, &p->dialing);
	if (rc != HM_OK) {
		p->dialing = NULL;
		hm_log(HM_LOG_WARN, LOG, "cannot dial validator", HM_LOG_UINT("index", p->index),
		       HM_LOG_STR("err", hm_strerror(rc)));
	}
}

static void on_redial(uv_timer_t *t)
{
	dial(t->data);
}

static void schedule_redial(struct peer *p)
{
	if (p->node->stopping || p->index < p->node->self)
		return; /* only the lower index dials */
	uv_timer_start(&p->redial, on_redial, p->backoff_ms, 0);
	p->backoff_ms = p->backoff_ms * 2 > REDIAL_MAX_MS ? REDIAL_MAX_MS : p->backoff_ms * 2;
}

static void on_ready(struct hm_stoq_conn *c, void *user)
{
	struct hm_node *n = user;
	struct peer *p = hm_stoq_conn_user(c);
	int idx;

	if (p != NULL) { /* ours: a dial completed */
		p->dialing = NULL;
		p->conn = c;
		p->backoff_ms = REDIAL_MIN_MS;
		hm_log(HM_LOG_INFO, LOG, "connected to validator", HM_LOG_UINT("index", p->index));
		return;
	}
	idx = conn_validator(n, c);
	if (idx < 0 || idx == n->self)
		return; /* a client: it may call the hypermesh service */
	p = &n->peers[idx];
	if (idx > n->self) {
		/* A higher index must not dial us; keep it anyway if we have nothing. */
		if (p->conn != NULL)
			return;
	}
	if (p->conn != NULL && p->conn != c) {
		struct hm_stoq_conn *old = p->conn;

		hm_stoq_conn_set_user(old, NULL);
		hm_stoq_conn_close(old, HM_STOQ_APP_OK, "replaced");
	}
	hm_stoq_conn_set_user(c, p);
	p->conn = c;
	hm_log(HM_LOG_INFO, LOG, "validator connected", HM_LOG_UINT("index", p->index));
}

static void on_closed(struct hm_stoq_conn *c, int err, uint64_t app_code, void *user)
{
	struct peer *p = hm_stoq_conn_user(c);

	(void)user;
	(void)app_code;
	if (p == NULL)
		return;
	if (p->dialing == c)
		p->dialing = NULL;
	if (p->conn == c) {
		p->conn = NULL;
		hm_log(HM_LOG_INFO, LOG, "validator disconnected", HM_LOG_UINT("index", p->index),
		       HM_LOG_STR("err", hm_strerror(err)));
	}
	if (p->conn == NULL && p->dialing == NULL)
		schedule_redial(p);
}

static void on_stream(struct hm_stoq_conn *c, struct hm_stoq_stream *s, void *user)
{
	struct hm_node *n = user;

	(void)c;
	if (!n->stopping)
		(void)hm_stoq_rpc_serve_stream(s, &n->svc);
}

/* ---- RPC ---- */

static int name_is(const uint8_t *p, size_t len, const char *s)
{
	return len == strlen(s) && memcmp(p, s, len) == 0;
}

/* The validator a consensus message says it comes from; -1 for a block response (anyone). */
static int msg_sender(const struct hm_bft_msg *m)
{
	switch (m->type) {
	case HM_BFT_MSG_PROPOSAL:
		return m->u.proposal.block.proposer;
	case HM_BFT_MSG_VOTE:
		return m->u.vote.voter;
	case HM_BFT_MSG_TIMEOUT:
		return m->u.timeout.sender;
	case HM_BFT_MSG_BLOCK_REQUEST:
		return m->u.request.requester;
	default:
		return -1;
	}
}

static void on_bft(struct hm_node *n, struct hm_stoq_conn *c, const struct hm_stoq_frame *f)
{
	int from = conn_validator(n, c), sender, rc;

	if (from < 0 || from == n->self || f->type != HM_STOQ_FRAME_ONEWAY ||
	    !name_is(f->method, f->method_len, HM_NODE_BFT_METHOD))
		return;
	if (hm_bft_msg_decode(n->scratch, f->body, f->body_len) != HM_OK)
		return;
	sender = msg_sender(n->scratch);
	if (sender >= 0 && sender != from) {
		hm_log(HM_LOG_DEBUG, LOG, "dropped a message naming another sender",
		       HM_LOG_UINT("from", (unsigned)from), HM_LOG_UINT("says", (unsigned)sender));
		return;
	}
	rc = hm_bft_replica_on_message(n->replica, f->body, f->body_len, now_ms(n));
	if (store_failed(n))
		return;
	if (rc == HM_ERR_NOMEM || rc == HM_ERR_CORRUPT || rc == HM_ERR_IO ||
	    rc == HM_ERR_PERMISSION) {
		fatal(n, rc, "consensus message");
		return;
	}
	if (rc != HM_OK)
		hm_log(HM_LOG_DEBUG, LOG, "refused a consensus message",
		       HM_LOG_UINT("from", (unsigned)from), HM_LOG_STR("err", hm_strerror(rc)));
	pump(n);
}

static void respond_json(struct hm_stoq_rpc_server *call, json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	if (s == NULL)
		(void)hm_stoq_rpc_respond_error(call, HM_ERR_NOMEM, NULL);
	else
		(void)hm_stoq_rpc_respond(call, s, strlen(s));
	free(s);
	json_decref(o);
}

static void hex(char *out, size_t cap, const uint8_t *p, size_t n)
{
	(void)hm_hex_encode(out, cap, p, n);
}

static void on_status(struct hm_node *n, struct hm_stoq_rpc_server *call)
{
	struct hm_node_status st;
	char h[2 * HM_BFT_HASH_LEN + 1];

	hm_node_status(n, &st);
	hex(h, sizeof(h), st.hash, HM_BFT_HASH_LEN);
	respond_json(call,
	             json_pack("{s:s, s:I, s:s, s:I, s:I, s:i, s:i, s:i, s:I, s:I}", "name",
	                       n->cfg.name, "height", (json_int_t)st.height, "hash", h,
	                       "applied_height", (json_int_t)st.applied_height, "view",
	                       (json_int_t)st.view, "validators", (int)st.validators, "self",
	                       (int)st.self, "peers_connected", (int)st.peers_connected,
	                       "last_commit_latency_ms", (json_int_t)st.last_commit_latency_ms,
	                       "mempool", (json_int_t)st.mempool));
}

static void on_receipt(struct hm_node *n, struct hm_stoq_rpc_server *call,
                       const struct hm_stoq_frame *f)
{
	struct hm_receipt r;
	struct hm_buf res;
	char *rhex;
	int rc;

	if (f->body_len != HM_TXID_LEN) {
		(void)hm_stoq_rpc_respond_error(call, HM_ERR_LENGTH,
		                                "want a 32-byte transaction id");
		return;
	}
	hm_buf_init(&res);
	rc = hm_executor_receipt(n->ex, f->body, &r, &res);
	if (rc != HM_OK) {
		hm_buf_free(&res);
		(void)hm_stoq_rpc_respond_error(call, rc,
		                                rc == HM_ERR_NOT_FOUND ? "no receipt yet" : NULL);
		return;
	}
	rhex = malloc(2 * res.len + 1);
	if (rhex == NULL) {
		hm_buf_free(&res);
		(void)hm_stoq_rpc_respond_error(call, HM_ERR_NOMEM, NULL);
		return;
	}
	hex(rhex, 2 * res.len + 1, res.data, res.len);
	respond_json(call,
	             json_pack("{s:I, s:i, s:i, s:s, s:i, s:s}", "height", (json_int_t)r.height,
	                       "index", (int)r.index, "status", (int)r.status, "error",
	                       hm_strerror(r.status), "type", (int)r.type, "result", rhex));
	free(rhex);
	hm_buf_free(&res);
}

/*
 * Committed blocks for range sync: body uint64 from || uint16 count; answer
 * opaque block<1..2^24-1> for heights from, from+1, ... as far as this node
 * has committed, at most count, HM_BFT_SYNC_MAX and SYNC_MAX_BYTES.
 */
static void on_blocks(struct hm_node *n, struct hm_stoq_rpc_server *call,
                      const struct hm_stoq_frame *f)
{
	struct hm_buf out, one;
	uint64_t from = 0;
	unsigned count;
	int rc = HM_OK;

	if (f->body_len != 10) {
		(void)hm_stoq_rpc_respond_error(call, HM_ERR_LENGTH,
		                                "want uint64 from, uint16 count");
		return;
	}
	for (int i = 0; i < 8; i++)
		from = from << 8 | f->body[i];
	count = (unsigned)f->body[8] << 8 | f->body[9];
	if (count > HM_BFT_SYNC_MAX)
		count = HM_BFT_SYNC_MAX;
	hm_buf_init(&out);
	hm_buf_init(&one);
	for (unsigned i = 0; i < count && from > 0 && rc == HM_OK; i++) {
		hm_buf_truncate(&one, 0);
		rc = n->st.load_block(n->st.ctx, from + i, &one);
		if (rc == HM_ERR_NOT_FOUND) {
			rc = HM_OK;
			break;
		}
		if (rc == HM_OK && out.len + one.len + 3 > SYNC_MAX_BYTES)
			break;
		if (rc == HM_OK)
			rc = hm_put_vec(&out, 1, 0xffffff, one.data, one.len);
	}
	if (rc == HM_OK)
		(void)hm_stoq_rpc_respond(call, out.data, out.len);
	else
		(void)hm_stoq_rpc_respond_error(call, rc, NULL);
	hm_buf_free(&out);
	hm_buf_free(&one);
}

static void on_sync_timer(uv_timer_t *t);

static void on_sync_reply(struct hm_stoq_rpc_call *call, int err, const uint8_t *body, size_t len,
                          const uint8_t *msg, size_t msg_len, void *user)
{
	struct hm_node *n = user;
	uint64_t committed = 0;
	int rc;

	(void)call;
	(void)msg;
	(void)msg_len;
	n->sync_call = NULL;
	if (n->stopping || n->failure != HM_OK)
		return;
	if (err == HM_OK && len > 0) {
		rc = hm_bft_replica_sync_blocks(n->replica, body, len, now_ms(n), &committed);
		if (store_failed(n))
			return;
		if (rc == HM_ERR_NOMEM || rc == HM_ERR_IO || rc == HM_ERR_CORRUPT ||
		    rc == HM_ERR_PERMISSION) {
			fatal(n, rc, "range sync");
			return;
		}
		if (rc != HM_OK)
			hm_log(HM_LOG_WARN, LOG, "refused blocks from a peer",
			       HM_LOG_STR("err", hm_strerror(rc)));
		if (committed > 0)
			hm_log(HM_LOG_INFO, LOG, "synced committed blocks",
			       HM_LOG_UINT("blocks", committed));
		pump(n);
		if (n->stopping)
			return;
	}
	/* A batch that moved us far: ask for the next one at once. */
	uv_timer_start(&n->sync_timer, on_sync_timer,
	               committed + 2 >= SYNC_BATCH ? 0 : SYNC_INTERVAL_MS, 0);
}

/* Asks the next connected validator, in turn, for the blocks above ours. */
static void on_sync_timer(uv_timer_t *t)
{
	struct hm_node *n = t->data;
	struct hm_bft_status bs;
	uint8_t body[10];
	struct hm_stoq_rpc_request req = {
		.service = HM_NODE_SERVICE,
		.method = HM_NODE_M_BLOCKS,
		.body = body,
		.body_len = sizeof(body),
		.deadline_ms = 5000,
		.max_body = SYNC_MAX_BYTES + 4096,
	};
	uint64_t from;

	if (n->stopping || n->sync_call != NULL)
		return;
	uv_timer_start(&n->sync_timer, on_sync_timer, SYNC_INTERVAL_MS, 0);
	hm_bft_replica_status(n->replica, &bs);
	from = bs.committed_height + 1;
	for (int i = 7; i >= 0; i--, from >>= 8)
		body[i] = (uint8_t)from;
	body[8] = (uint8_t)(SYNC_BATCH >> 8);
	body[9] = (uint8_t)SYNC_BATCH;
	for (uint16_t k = 0; k < n->vs.n; k++) {
		struct peer *p = &n->peers[(n->sync_rotor + k) % n->vs.n];

		if (p->index == n->self || p->conn == NULL)
			continue;
		n->sync_rotor = (unsigned)(p->index + 1);
		if (hm_stoq_rpc_call(p->conn, &req, on_sync_reply, n, &n->sync_call) != HM_OK)
			n->sync_call = NULL;
		else
			uv_timer_stop(&n->sync_timer); /* the reply re-arms it */
		return;
	}
}

/* A committed block by height: body uint64 height; answer its canonical encoding. */
static void on_block(struct hm_node *n, struct hm_stoq_rpc_server *call,
                     const struct hm_stoq_frame *f)
{
	uint64_t h = 0;
	int rc;

	if (f->body_len != 8) {
		(void)hm_stoq_rpc_respond_error(call, HM_ERR_LENGTH, "want a uint64 height");
		return;
	}
	for (int i = 0; i < 8; i++)
		h = h << 8 | f->body[i];
	hm_buf_truncate(&n->blockbuf, 0);
	rc = h == 0 ? HM_ERR_NOT_FOUND : n->st.load_block(n->st.ctx, h, &n->blockbuf);
	if (rc != HM_OK)
		(void)hm_stoq_rpc_respond_error(
		        call, rc, rc == HM_ERR_NOT_FOUND ? "not committed here" : NULL);
	else
		(void)hm_stoq_rpc_respond(call, n->blockbuf.data, n->blockbuf.len);
}

static void on_service(struct hm_node *n, struct hm_stoq_conn *c, struct hm_stoq_rpc_server *call,
                       const struct hm_stoq_frame *f)
{
	uint8_t txid[HM_TXID_LEN];
	int rc;

	if (f->type == HM_STOQ_FRAME_ONEWAY) {
		int from = conn_validator(n, c);

		/* Forwarded transactions: validators only, and never forwarded again. */
		if (from >= 0 && from != n->self &&
		    name_is(f->method, f->method_len, HM_NODE_M_FORWARD) && !n->stopping) {
			struct hm_reader rd;
			const uint8_t *tx;
			size_t txlen;
			int added = 0;

			/* A malformed tail is dropped; what came before it stands. */
			hm_reader_init(&rd, f->body, f->body_len);
			while (hm_get_vec(&rd, 1, HM_BFT_TX_MAX, &tx, &txlen) == HM_OK)
				added |= hm_bft_replica_submit_tx(n->replica, tx, txlen) == HM_OK;
			if (added)
				pump(n);
		} else if (from >= 0 && from != n->self && !n->stopping &&
		           n->peer_msg_hook != NULL) {
			char method[HM_STOQ_NAME_MAX + 1];

			memcpy(method, f->method, f->method_len);
			method[f->method_len] = '\0';
			n->peer_msg_hook(n->peer_msg_hook_user, (uint16_t)from, method, f->body,
			                 f->body_len);
		}
		return;
	}
	if (name_is(f->method, f->method_len, HM_NODE_M_STATUS)) {
		on_status(n, call);
	} else if (name_is(f->method, f->method_len, HM_NODE_M_RECEIPT)) {
		on_receipt(n, call, f);
	} else if (name_is(f->method, f->method_len, HM_NODE_M_BLOCKS)) {
		on_blocks(n, call, f);
	} else if (name_is(f->method, f->method_len, HM_NODE_M_BLOCK)) {
		on_block(n, call, f);
	} else if (name_is(f->method, f->method_len, HM_NODE_M_SUBMIT)) {
		rc = hm_node_submit(n, f->body, f->body_len, txid);
		if (rc == HM_OK || rc == HM_ERR_EXISTS)
			(void)hm_stoq_rpc_respond(call, txid, sizeof(txid));
		else
			(void)hm_stoq_rpc_respond_error(call, rc, NULL);
	} else if (n->rpc_hook != NULL) {
		struct hm_buf reply;
		char method[HM_STOQ_NAME_MAX + 1];

		memcpy(method, f->method, f->method_len);
		method[f->method_len] = '\0';
		hm_buf_init(&reply);
		rc = n->rpc_hook(n->rpc_hook_user, method, f->body, f->body_len, &reply);
		if (rc == HM_OK)
			(void)hm_stoq_rpc_respond(call, reply.data, reply.len);
		else
			(void)hm_stoq_rpc_respond_error(
			        call, rc, rc == HM_ERR_UNSUPPORTED ? "no such method" : NULL);
		hm_buf_free(&reply);
	} else {
		(void)hm_stoq_rpc_respond_error(call, HM_ERR_UNSUPPORTED, "no such method");
	}
}

void hm_node_set_rpc_hook(struct hm_node *n, hm_node_rpc_fn fn, void *user)
{
	n->rpc_hook = fn;
	n->rpc_hook_user = user;
}

void hm_node_set_cert_revoked_hook(struct hm_node *n, hm_node_cert_revoked_fn fn, void *user)
{
	n->revoked_hook = fn;
	n->revoked_hook_user = user;
}

/*
 * cfg.cert_revoked of the endpoint (with a trust root): asked by STOQ at
 * every handshake for every certificate of the peer's chain. The endpoint
 * is made before the services that hold TrustChain state, so it asks
 * through the hook they set; without one nothing is revoked.
 */
static int stoq_cert_revoked(const uint8_t *serial, size_t serial_len, int depth, void *user)
{
	struct hm_node *n = user;

	if (n->revoked_hook == NULL)
		return 0;
	return n->revoked_hook(n->revoked_hook_user, serial, serial_len, depth);
}

void hm_node_set_peer_msg_hook(struct hm_node *n, hm_node_peer_msg_fn fn, void *user)
{
	n->peer_msg_hook = fn;
	n->peer_msg_hook_user = user;
}

unsigned hm_node_send_validators(struct hm_node *n, const char *method, const uint8_t *body,
                                 size_t len)
{
	unsigned sent = 0;

	if (n->stopping)
		return 0;
	for (uint16_t i = 0; i < n->vs.n; i++)
		if (i != n->self && n->peers[i].conn != NULL &&
		    hm_stoq_rpc_send_oneway(n->peers[i].conn, HM_NODE_SERVICE, method, body, len) ==
		            HM_OK)
			sent++;
	return sent;
}

static void on_rpc(struct hm_stoq_conn *c, struct hm_stoq_rpc_server *call,
                   const struct hm_stoq_frame *f, void *user)
{
	struct hm_node *n = user;

	if (name_is(f->service, f->service_len, HM_NODE_BFT_SERVICE)) {
		on_bft(n, c, f);
		if (call != NULL)
			(void)hm_stoq_rpc_respond_error(call, HM_ERR_UNSUPPORTED, "one-way only");
	} else if (name_is(f->service, f->service_len, HM_NODE_SERVICE)) {
		on_service(n, c, call, f);
	} else if (call != NULL) {
		(void)hm_stoq_rpc_respond_error(call, HM_ERR_UNSUPPORTED, "no such service");
	}
}

/* ---- integrity of the stores at start ---- */

/*
 * Walks the committed chain: every block decodes, has its height and names
 * the previous block's hash as parent; the last CHECK_LAST_QCS parent links
 * are also re-verified as quorum certificates (the child's justify QC names
 * the parent's hash with valid signatures). The executor's applied record
 * must name a block of this chain. docs/NODE.md §6.
 */
static int check_chain(struct hm_node *n, char *err, size_t errlen)
{
	struct hm_bft_block g, b;
	uint8_t prev[HM_BFT_HASH_LEN], hash[HM_BFT_HASH_LEN];
	struct hm_block_info applied;
	uint64_t tip = 0;
	int rc;

	hm_bft_genesis(&n->vs, &g, prev);
	for (uint64_t h = 1;; h++) {
		hm_buf_truncate(&n->blockbuf, 0);
		rc = n->st.load_block(n->st.ctx, h, &n->blockbuf);
		if (rc == HM_ERR_NOT_FOUND)
			break;
		if (rc != HM_OK)
			return seterr(err, errlen, "consensus store: cannot read block %llu: %s",
			              (unsigned long long)h, hm_strerror(rc)),
			       rc;
		if (hm_bft_block_decode(&b, n->blockbuf.data, n->blockbuf.len) != HM_OK ||
		    b.height != h)
			return seterr(err, errlen,
			              "consensus store corrupt: committed block %llu does not "
			              "decode",
			              (unsigned long long)h),
			       HM_ERR_CORRUPT;
		if (memcmp(b.parent, prev, HM_BFT_HASH_LEN) != 0)
			return seterr(err, errlen,
			              "consensus store corrupt: committed block %llu does not "
			              "chain "
			              "onto block %llu (hash mismatch)",
			              (unsigned long long)h, (unsigned long long)(h - 1)),
			       HM_ERR_CORRUPT;
		/* The hash covers the payload only through its root. */
		if ((rc = hm_bft_payload_root(hash, b.payload, b.payload_len)) ||
		    memcmp(hash, b.payload_root, HM_BFT_HASH_LEN) != 0)
			return seterr(err, errlen,
			              "consensus store corrupt: committed block %llu's "
			              "transactions do "
			              "not match its payload root",
			              (unsigned long long)h),
			       HM_ERR_CORRUPT;
		hm_bft_block_hash(hash, n->vs.chain_id, n->vs.chain_id_len, &b);
		memcpy(prev, hash, HM_BFT_HASH_LEN);
		tip = h;
	}
	/* Certificates of the last links, newest first. */
	for (uint64_t h = tip; h >= 2 && h + CHECK_LAST_QCS > tip; h--) {
		hm_buf_truncate(&n->blockbuf, 0);
		if ((rc = n->st.load_block(n->st.ctx, h, &n->blockbuf)) ||
		    hm_bft_block_decode(&b, n->blockbuf.data, n->blockbuf.len) != HM_OK)
			return seterr(err, errlen, "consensus store: cannot reread block %llu",
			              (unsigned long long)h),
			       HM_ERR_CORRUPT;
		if (memcmp(b.justify.block, b.parent, HM_BFT_HASH_LEN) == 0 &&
		    hm_bft_qc_verify(&n->vs, &b.justify) != HM_OK)
			return seterr(err, errlen,
			              "consensus store corrupt: the certificate in block %llu does "
			              "not verify",
			              (unsigned long long)h),
			       HM_ERR_CORRUPT;
	}
	hm_executor_applied(n->ex, &applied);
	if (applied.height > tip)
		return seterr(err, errlen,
		              "state store applied height %llu is above the consensus store's %llu "
		              "(consensus store truncated or replaced)",
		              (unsigned long long)applied.height, (unsigned long long)tip),
		       HM_ERR_CORRUPT;
	if (applied.height > 0) {
		hm_buf_truncate(&n->blockbuf, 0);
		if ((rc = n->st.load_block(n->st.ctx, applied.height, &n->blockbuf)) ||
		    hm_bft_block_decode(&b, n->blockbuf.data, n->blockbuf.len) != HM_OK)
			return seterr(err, errlen, "consensus store: cannot reread block %llu",
			              (unsigned long long)applied.height),
			       HM_ERR_CORRUPT;
		hm_bft_block_hash(hash, n->vs.chain_id, n->vs.chain_id_len, &b);
		if (memcmp(hash, applied.hash, HM_BFT_HASH_LEN) != 0)
			return seterr(err, errlen,
			              "consensus store corrupt: block %llu differs from the one "
			              "the "
			              "state was built from",
			              (unsigned long long)applied.height),
			       HM_ERR_CORRUPT;
	}
	return HM_OK;
}

/* ---- lifecycle ---- */

static int make_dir(const char *path, char *err, size_t errlen)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return seterr(err, errlen, "cannot create %s: %s", path, strerror(errno)),
		       hm_err_from_errno(errno);
	return HM_OK;
}

/*
 * [stoq] cert_chain / trust_root: the TrustChain certificates this node's
 * STOQ endpoint presents and verifies peers against (docs/STOQ.md). The
 * buffers back sc until the endpoint is made.
 */
static int load_stoq_identity(const struct hm_node_config *cfg, struct hm_stoq_config *sc,
                              struct hm_buf *chain, struct hm_buf *root, char *err, size_t errlen)
{
	int rc;

	if (cfg->stoq_cert_chain[0] == '\0')
		return HM_OK;
	if ((rc = hm_file_read(cfg->stoq_cert_chain, 1 << 20, chain)) != HM_OK)
		return seterr(err, errlen, "cannot read [stoq] cert_chain %s: %s",
		              cfg->stoq_cert_chain, hm_strerror(rc)),
		       rc;
	if ((rc = hm_file_read(cfg->stoq_trust_root, 1 << 20, root)) != HM_OK)
		return seterr(err, errlen, "cannot read [stoq] trust_root %s: %s",
		              cfg->stoq_trust_root, hm_strerror(rc)),
		       rc;
	sc->cert_chain = chain->data;
	sc->cert_chain_len = chain->len;
	sc->trust_root = root->data;
	sc->trust_root_len = root->len;
	return HM_OK;
}

int hm_node_new(struct hm_node **out, struct uv_loop_s *loop, const struct hm_node_config *cfg,
                char *err, size_t errlen)
{
	struct hm_node *n;
	struct hm_bft_config bc;
	struct hm_stoq_config sc;
	struct hm_buf stoq_chain, stoq_root;
	uint8_t(*pks)[HM_BFT_PK_LEN];
	char path[HM_NODE_PATH_MAX + 32];
	int rc, self = -1;

	hm_buf_init(&stoq_chain);
	hm_buf_init(&stoq_root);

	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return seterr(err, errlen, "out of memory"), HM_ERR_NOMEM;
	n->loop = loop;
	n->cfg = *cfg;
	hm_buf_init(&n->blockbuf);
	hm_buf_init(&n->hashbuf);
	hm_buf_init(&n->fwd);
	n->scratch = malloc(sizeof(*n->scratch));
	pks = malloc(sizeof(*pks) * HM_BFT_MAX_VALIDATORS);
	if (n->scratch == NULL || pks == NULL) {
		free(pks);
		rc = HM_ERR_NOMEM;
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	if ((rc = hm_keystore_load(cfg->key_file, &n->id))) {
		free(pks);
		seterr(err, errlen, "cannot read key file %s: %s", cfg->key_file, hm_strerror(rc));
		goto fail;
	}
	for (uint16_t i = 0; i < cfg->nvalidators; i++) {
		memcpy(pks[i], cfg->validators[i].pk, HM_BFT_PK_LEN);
		if (memcmp(cfg->validators[i].pk, n->id.pk, HM_BFT_PK_LEN) == 0)
			self = i;
	}
	rc = hm_bft_validators_init(&n->vs, cfg->chain_id, cfg->chain_id_len, cfg->nvalidators,
	                            (const uint8_t(*)[HM_BFT_PK_LEN])pks);
	free(pks);
	if (rc != HM_OK) {
		seterr(err, errlen, "bad validator set: %s", hm_strerror(rc));
		goto fail;
	}
	if (self < 0) {
		rc = HM_ERR_INVALID;
		seterr(err, errlen, "the key in %s is not one of the validators", cfg->key_file);
		goto fail;
	}
	n->self = (uint16_t)self;
	if ((rc = load_pq(n, cfg, err, errlen)))
		goto fail;

	if ((rc = make_dir(cfg->data_dir, err, errlen)))
		goto fail;
	snprintf(path, sizeof(path), "%s/consensus", cfg->data_dir);
	if ((rc = make_dir(path, err, errlen)))
		goto fail;
	if ((rc = hm_bft_lmdb_open(&n->db, path, cfg->consensus_map_size))) {
		seterr(err, errlen, "cannot open the consensus store %s: %s%s", path,
		       hm_strerror(rc),
		       rc == HM_ERR_CORRUPT ? " (truncated or not an LMDB file)" : "");
		goto fail;
	}
	hm_bft_lmdb_storage(n->db, &n->st);
	hm_bft_lmdb_defer(n->db); /* flushed in drain(), before outputs leave */
	if ((rc = hm_bft_lmdb_evidence_summary(n->db, &n->evidence_count, n->offenses))) {
		seterr(err, errlen, "cannot read the evidence in %s: %s", path, hm_strerror(rc));
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/state", cfg->data_dir);
	if ((rc = make_dir(path, err, errlen)))
		goto fail;
	if ((rc = hm_executor_open(&n->ex, path, 0))) {
		seterr(err, errlen, "cannot open the state store %s: %s%s", path, hm_strerror(rc),
		       rc == HM_ERR_CORRUPT ? " (truncated or not an LMDB file)" : "");
		goto fail;
	}
	if ((rc = check_chain(n, err, errlen)))
		goto fail;

	memset(&bc, 0, sizeof(bc));
	bc.validators = &n->vs;
	bc.self = n->self;
	memcpy(n->bft_sk, n->id.sk, HM_ED25519_SK_LEN);
	memcpy(n->bft_sk + HM_ED25519_SK_LEN, n->id.pk, HM_ED25519_PK_LEN);
	bc.sk = n->bft_sk;
	bc.pq_sk = n->vs.policy == HM_BFT_POLICY_HYBRID ? n->pq_sk : NULL;
	bc.storage = &n->st;
	bc.base_timeout_ms = cfg->base_timeout_ms;
	bc.max_block_txs = cfg->max_block_txs;
	bc.min_block_interval_ms = cfg->min_block_interval_ms;
	if ((rc = hm_bft_replica_new(&n->replica, &bc, now_ms(n)))) {
		seterr(err, errlen, "cannot start consensus from %s/consensus: %s", cfg->data_dir,
		       hm_strerror(rc));
		goto fail;
	}

	hm_stoq_config_default(&sc);
	sc.identity = &n->id;
	sc.bind_addr = cfg->stoq_listen.host;
	sc.port = cfg->stoq_listen.port;
	sc.max_udp_payload = cfg->stoq_max_udp_payload;
	sc.accept = 1;
	sc.max_connections = 256;
	sc.idle_timeout_ms = 5000;
	sc.keep_alive_ms = 1000;
	sc.handshake_timeout_ms = 3000;
	sc.max_streams_uni = 4096;
	sc.max_streams_bidi = 64;
	sc.callbacks.on_ready = on_ready;
	sc.callbacks.on_stream = on_stream;
	sc.callbacks.on_closed = on_closed;
	sc.user = n;
	if (n->pq_sk != NULL) {
		sc.pq_sig_alg = HM_SIG_MLDSA87;
		sc.pq_pk = n->pq_pk;
		sc.pq_pk_len = HM_BFT_PQ_PK_LEN;
		sc.pq_sk = n->pq_sk;
		sc.pq_sk_len = HM_BFT_PQ_SK_LEN;
	}
	if (n->pq_pinned)
		sc.pq_check = pq_check;
	n->svc.handler = on_rpc;
	n->svc.user = n;
	n->svc.max_body = MAX_RPC_BODY;
	if ((rc = load_stoq_identity(cfg, &sc, &stoq_chain, &stoq_root, err, errlen)))
		goto fail;
	/* `hypermesh node status` and other operator tools hold no TrustChain certificate. */
	sc.accept_self_signed_clients = 1;
	if (sc.trust_root != NULL)
		sc.cert_revoked = stoq_cert_revoked;
	rc = hm_stoq_endpoint_new(loop, &sc, &n->ep);
	hm_buf_free(&stoq_chain);
	hm_buf_free(&stoq_root);
	if (rc == HM_ERR_INVALID && cfg->stoq_cert_chain[0] != '\0') {
		seterr(err, errlen,
		       "[stoq] cert_chain %s or trust_root %s is not a usable certificate, or the "
		       "chain is not for this node's key",
		       cfg->stoq_cert_chain, cfg->stoq_trust_root);
		goto fail;
	}
	if (rc) {
		seterr(err, errlen, "cannot listen on STOQ %s port %u: %s", cfg->stoq_listen.host,
		       (unsigned)cfg->stoq_listen.port, hm_strerror(rc));
		goto fail;
	}
	uv_timer_init(loop, &n->timer);
	n->timer.data = n;
	n->handles++;
	uv_timer_init(loop, &n->sync_timer);
	n->sync_timer.data = n;
	n->handles++;
	uv_idle_init(loop, &n->apply_idle);
	n->apply_idle.data = n;
	n->handles++;
	uv_timer_init(loop, &n->fwd_timer);
	n->fwd_timer.data = n;
	n->handles++;
	for (uint16_t i = 0; i < n->vs.n; i++) {
		struct peer *p = &n->peers[i];

		p->node = n;
		p->index = i;
		p->backoff_ms = REDIAL_MIN_MS;
		uv_timer_init(loop, &p->redial);
		p->redial.data = p;
		n->handles++;
	}
	*out = n;
	return HM_OK;
fail:
	hm_buf_free(&stoq_chain);
	hm_buf_free(&stoq_root);
	hm_node_free(n);
	return rc;
}

struct hm_executor *hm_node_executor(struct hm_node *n)
{
	return n->ex;
}

uint16_t hm_node_stoq_port(const struct hm_node *n)
{
	return n->ep != NULL ? hm_stoq_endpoint_port(n->ep) : 0;
}

struct uv_loop_s *hm_node_loop(struct hm_node *n)
{
	return n->loop;
}

int hm_node_start(struct hm_node *n, char *err, size_t errlen)
{
	struct hm_bft_status bs;
	struct hm_block_info applied;
	int rc;

	if (n->started)
		return HM_ERR_INVALID;
	if ((rc = hm_executor_start(n->ex)))
		return seterr(err, errlen, "cannot start the executor: %s", hm_strerror(rc)), rc;
	/* Re-apply what consensus committed but the state did not record. */
	hm_bft_replica_status(n->replica, &bs);
	hm_executor_applied(n->ex, &applied);
	for (uint64_t h = applied.height + 1; h <= bs.committed_height; h++) {
		struct hm_bft_block b;
		uint8_t hash[HM_BFT_HASH_LEN];

		hm_buf_truncate(&n->blockbuf, 0);
		if ((rc = n->st.load_block(n->st.ctx, h, &n->blockbuf)) ||
		    (rc = hm_bft_block_decode(&b, n->blockbuf.data, n->blockbuf.len)))
			return seterr(err, errlen, "cannot reload block %llu: %s",
			              (unsigned long long)h, hm_strerror(rc)),
			       rc;
		hm_bft_block_hash(hash, n->vs.chain_id, n->vs.chain_id_len, &b);
		if ((rc = apply_committed(n, n->blockbuf.data, n->blockbuf.len, hash)))
			return seterr(err, errlen, "cannot re-apply block %llu: %s",
			              (unsigned long long)h, hm_strerror(rc)),
			       rc;
	}
	if (bs.committed_height > applied.height)
		hm_log(HM_LOG_INFO, LOG, "re-applied committed blocks",
		       HM_LOG_UINT("from", applied.height + 1),
		       HM_LOG_UINT("to", bs.committed_height));
	n->started = 1;
	for (uint16_t i = n->self + 1; i < n->vs.n; i++)
		dial(&n->peers[i]);
	uv_timer_start(&n->sync_timer, on_sync_timer, SYNC_INTERVAL_MS, 0);
	hm_log(HM_LOG_INFO, LOG, "node started", HM_LOG_STR("name", n->cfg.name),
	       HM_LOG_UINT("index", n->self), HM_LOG_UINT("validators", n->vs.n),
	       HM_LOG_UINT("height", bs.committed_height),
	       HM_LOG_UINT("stoq_port", hm_stoq_endpoint_port(n->ep)));
	pump(n);
	return HM_OK;
}

/* Sends the waiting transactions to every other validator, one frame each. */
static void forward_flush(struct hm_node *n)
{
	if (n->fwd.len == 0)
		return;
	for (uint16_t i = 0; i < n->vs.n; i++)
		if (i != n->self && n->peers[i].conn != NULL)
			(void)hm_stoq_rpc_send_oneway(n->peers[i].conn, HM_NODE_SERVICE,
			                              HM_NODE_M_FORWARD, n->fwd.data, n->fwd.len);
	hm_buf_truncate(&n->fwd, 0);
	uv_timer_stop(&n->fwd_timer);
}

static void on_forward_timer(uv_timer_t *t)
{
	forward_flush(t->data);
}

int hm_node_submit(struct hm_node *n, const uint8_t *tx, size_t len, uint8_t txid[HM_TXID_LEN])
{
	int rc;

	if (n->stopping || !n->started)
		return HM_ERR_INVALID;
	if (len == 0 || len > HM_BFT_TX_MAX)
		return HM_ERR_LENGTH;
	hm_sha256(txid, tx, len);
	rc = hm_bft_replica_submit_tx(n->replica, tx, len);
	if (rc != HM_OK)
		return rc;
	if (hm_put_vec(&n->fwd, 1, HM_BFT_TX_MAX, tx, len) == HM_OK) {
		if (n->fwd.len >= FORWARD_BATCH_BYTES)
			forward_flush(n);
		else if (!uv_is_active((uv_handle_t *)&n->fwd_timer))
			uv_timer_start(&n->fwd_timer, on_forward_timer, FORWARD_DELAY_MS, 0);
	}
	pump(n);
	return HM_OK;
}

void hm_node_status(const struct hm_node *n, struct hm_node_status *st)
{
	struct hm_bft_status bs;
	struct hm_block_info applied;

	memset(st, 0, sizeof(*st));
	hm_bft_replica_status(n->replica, &bs);
	hm_executor_applied(n->ex, &applied);
	st->height = bs.committed_height;
	memcpy(st->hash, bs.committed_hash, HM_BFT_HASH_LEN);
	st->applied_height = applied.height;
	st->view = bs.view;
	st->validators = n->vs.n;
	st->self = n->self;
	for (uint16_t i = 0; i < n->vs.n; i++)
		if (n->peers[i].conn != NULL)
			st->peers_connected++;
	st->last_commit_latency_ms = n->last_latency;
	st->mempool = hm_bft_replica_mempool_len(n->replica);
	st->evidence_count = n->evidence_count;
	memcpy(st->offenses, n->offenses, sizeof(st->offenses));
}

static void on_handle_closed(uv_handle_t *h)
{
	struct hm_node *n = h->data;

	if (h != (uv_handle_t *)&n->timer && h != (uv_handle_t *)&n->sync_timer &&
	    h != (uv_handle_t *)&n->fwd_timer && h != (uv_handle_t *)&n->apply_idle)
		n = ((struct peer *)h->data)->node;
	if (--n->handles == 0 && n->done != NULL)
		n->done(n->done_user);
}

void hm_node_stop(struct hm_node *n, void (*done)(void *user), void *user)
{
	if (done != NULL) {
		n->done = done;
		n->done_user = user;
	}
	if (n->stopping)
		return;
	/*
	 * Blocks still queued for apply are applied now, as they were before
	 * apply moved to the loop's next turn: a restart would re-apply them
	 * from the consensus store anyway, but the state is left complete.
	 */
	if (n->ncommits > 0 && !n->pumping) {
		uv_idle_stop(&n->apply_idle);
		n->pumping = 1;
		if (apply_commits(n) != HM_OK)
			hm_log(HM_LOG_WARN, LOG, "applying the last committed blocks failed");
		n->pumping = 0;
	}
	n->stopping = 1;
	hm_log(HM_LOG_INFO, LOG, "stopping", HM_LOG_STR("name", n->cfg.name));
	/* Outputs are sent as they are produced (pump), so nothing consensus made
	 * waits in the node; closing the endpoint flushes what STOQ holds as far
	 * as a connection close allows. */
	forward_flush(n); /* what waits to be forwarded goes out with the close */
	for (uint16_t i = 0; i < n->vs.n; i++) {
		n->peers[i].conn = NULL;
		n->peers[i].dialing = NULL;
	}
	hm_stoq_endpoint_close(n->ep);
	n->ep = NULL;
	uv_close((uv_handle_t *)&n->timer, on_handle_closed);
	uv_close((uv_handle_t *)&n->sync_timer, on_handle_closed);
	uv_close((uv_handle_t *)&n->fwd_timer, on_handle_closed);
	uv_close((uv_handle_t *)&n->apply_idle, on_handle_closed);
	for (uint16_t i = 0; i < n->vs.n; i++)
		uv_close((uv_handle_t *)&n->peers[i].redial, on_handle_closed);
}

void hm_node_on_stopped(struct hm_node *n, void (*done)(void *user), void *user)
{
	n->done = done;
	n->done_user = user;
}

int hm_node_failure(const struct hm_node *n)
{
	return n->failure;
}

void hm_node_free(struct hm_node *n)
{
	if (n == NULL)
		return;
	hm_bft_replica_del(n->replica);
	hm_executor_close(n->ex);
	hm_bft_lmdb_close(n->db);
	hm_identity_wipe(&n->id);
	hm_wipe(n->bft_sk, sizeof(n->bft_sk));
	if (n->pq_sk != NULL)
		hm_wipe(n->pq_sk, HM_BFT_PQ_SK_LEN);
	free(n->pq_sk);
	free(n->pq_pk);
	free(n->scratch);
	hm_buf_free(&n->blockbuf);
	hm_buf_free(&n->hashbuf);
	hm_buf_free(&n->fwd);
	for (size_t i = 0; i < n->ncommits; i++)
		hm_buf_free(&n->commits[i].data);
	free(n->commits);
	free(n);
}

void hm_node_stoq_stats(const struct hm_node *n, struct hm_stoq_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (n->ep != NULL)
		hm_stoq_endpoint_stats(n->ep, st);
}
