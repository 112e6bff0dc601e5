/* SPDX-License-Identifier: Apache-2.0 */
/* The replica's rules on hand-built scenarios (docs/CONSENSUS.md §4). */
#include "bft_fixture.h"
#include "test.h"

static struct fx fx;

struct outs {
	size_t n;
	struct hm_bft_output o[64];
};

static void outs_free(struct outs *o)
{
	for (size_t i = 0; i < o->n; i++)
		hm_buf_free(&o->o[i].data);
	o->n = 0;
}

static void drain(struct hm_bft_replica *r, struct outs *o)
{
	struct hm_bft_output x;

	outs_free(o);
	while (hm_bft_replica_next_output(r, &x) == HM_OK) {
		if (o->n < 64)
			o->o[o->n++] = x;
		else
			hm_buf_free(&x.data);
	}
}

/* The n-th output of a kind (and, for sends, a message type). */
static const struct hm_bft_output *find(const struct outs *o, enum hm_bft_output_kind kind,
                                        int type, int nth)
{
	for (size_t i = 0; i < o->n; i++) {
		if (o->o[i].kind != kind)
			continue;
		if (kind == HM_BFT_OUT_SEND && o->o[i].data.data[0] != type)
			continue;
		if (nth-- == 0)
			return &o->o[i];
	}
	return NULL;
}

static int count(const struct outs *o, enum hm_bft_output_kind kind, int type)
{
	int n = 0;

	while (find(o, kind, type, n) != NULL)
		n++;
	return n;
}

static struct hm_bft_replica *replica(uint16_t self, struct fx_store *st, uint32_t flags,
                                      uint64_t now)
{
	struct hm_bft_storage s = fx_storage(st);
	struct hm_bft_config c;
	struct hm_bft_replica *r = NULL;

	memset(&c, 0, sizeof(c));
	c.validators = &fx.vs;
	c.self = self;
	c.sk = fx.sk[self];
	c.storage = &s;
	c.base_timeout_ms = 1000;
	c.mempool_max_txs = 3;
	c.test_flags = flags;
	CHECK_ERR(hm_bft_replica_new(&r, &c, now), HM_OK);
	return r;
}

static void bhash(const struct hm_bft_block *b, uint8_t h[HM_BFT_HASH_LEN])
{
	hm_bft_block_hash(h, fx.vs.chain_id, fx.vs.chain_id_len, b);
}

static int feed_block(struct hm_bft_replica *r, const struct hm_bft_block *b, uint64_t now)
{
	struct hm_buf m;
	int rc;

	hm_buf_init(&m);
	fx_proposal(&fx, &m, b, b->proposer);
	rc = hm_bft_replica_on_message(r, m.data, m.len, now);
	hm_buf_free(&m);
	return rc;
}

/* Encodes m into enc (reused) and hands it to r at time now: the replica's answer. */
static int deliver(struct hm_bft_replica *r, struct hm_buf *enc, const struct hm_bft_msg *m,
                   uint64_t now)
{
	hm_buf_truncate(enc, 0);
	CHECK_ERR(hm_bft_msg_encode(enc, m), HM_OK);
	return hm_bft_replica_on_message(r, enc->data, enc->len, now);
}

/* voter's signed vote for hash in view, delivered to r at now; it must be taken. */
static void feed_vote(struct hm_bft_replica *r, uint16_t voter, uint64_t view, const uint8_t *hash,
                      uint64_t now)
{
	struct hm_bft_msg *m = calloc(1, sizeof(*m));
	struct hm_buf enc;

	hm_buf_init(&enc);
	m->type = HM_BFT_MSG_VOTE;
	m->u.vote.view = view;
	m->u.vote.voter = voter;
	memcpy(m->u.vote.block, hash, 32);
	CHECK_ERR(
	        hm_bft_sign(&fx.vs, HM_BFT_DOMAIN_VOTE, fx.sk[voter], view, hash, 0, m->u.vote.sig),
	        HM_OK);
	CHECK_ERR(deliver(r, &enc, m, now), HM_OK);
	hm_buf_free(&enc);
	free(m);
}

/* A chain B[1..3] in views 1..3, each justified by a QC of its parent. */
static void chain3(struct hm_bft_block b[4], uint8_t h[4][HM_BFT_HASH_LEN], struct hm_bft_qc qc[4])
{
	fx_genesis_qc(&fx, &qc[0]);
	memcpy(h[0], fx.genesis_hash, 32);
	for (int i = 1; i <= 3; i++) {
		fx_block(&fx, &b[i], (uint64_t)i, (uint64_t)i - 1, &qc[i - 1], (uint64_t)i * 10);
		bhash(&b[i], h[i]);
		fx_qc(&fx, &qc[i], (uint64_t)i, h[i], 0xe);
	}
}

static void test_leader_proposes_at_start(void)
{
	struct fx_store st = { 0 };
	struct outs o = { 0 };
	struct hm_bft_replica *r;
	struct hm_bft_status s;
	struct hm_bft_msg *m = calloc(1, sizeof(*m));
	const struct hm_bft_output *p;

	fx_init(&fx, 4);
	r = replica(1, &st, 0, 5);
	drain(r, &o);
	p = find(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_PROPOSAL, 0);
	CHECK(p != NULL && p->to == HM_BFT_TO_ALL);
	if (p != NULL) {
		CHECK_ERR(hm_bft_msg_decode(m, p->data.data, p->data.len), HM_OK);
		CHECK_EQ(m->u.proposal.block.height, 1);
		CHECK_EQ(m->u.proposal.block.view, 1);
		CHECK_EQ(m->u.proposal.block.timestamp, 5);
		CHECK_MEM(m->u.proposal.block.parent, fx.genesis_hash, 32);
	}
	/* Its own vote goes to the next leader. */
	p = find(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_VOTE, 0);
	CHECK(p != NULL && p->to == 2);
	hm_bft_replica_status(r, &s);
	CHECK_EQ(s.view, 1);
	CHECK_EQ(s.last_voted_view, 1);
	CHECK_EQ(hm_bft_replica_next_deadline(r), 1005);
	outs_free(&o);
	hm_bft_replica_del(r);
	fx_store_free(&st);
	free(m);
}

static void test_vote_once_and_evidence(void)
{
	struct fx_store st = { 0 };
	struct outs o = { 0 };
	struct hm_bft_replica *r;
	struct hm_bft_block b[4], alt;
	uint8_t h[4][32];
	struct hm_bft_qc qc[4];
	struct hm_bft_msg *m = calloc(1, sizeof(*m));
	const struct hm_bft_output *p;

	fx_init(&fx, 4);
	chain3(b, h, qc);
	r = replica(0, &st, 0, 0);
	drain(r, &o);
	CHECK_EQ(count(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_PROPOSAL), 0);
	CHECK_ERR(feed_block(r, &b[1], 20), HM_OK);
	drain(r, &o);
	p = find(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_VOTE, 0);
	CHECK(p != NULL && p->to == 2);
	if (p != NULL) {
		CHECK_ERR(hm_bft_msg_decode(m, p->data.data, p->data.len), HM_OK);
		CHECK_EQ(m->u.vote.view, 1);
		CHECK_EQ(m->u.vote.voter, 0);
		CHECK_MEM(m->u.vote.block, h[1], 32);
		CHECK_ERR(hm_bft_verify(&fx.vs, HM_BFT_DOMAIN_VOTE, 0, 1, h[1], 0, m->u.vote.sig),
		          HM_OK);
	}
	/* The same proposal again: no second vote, no evidence. */
	CHECK_ERR(feed_block(r, &b[1], 21), HM_OK);
	drain(r, &o);
	CHECK_EQ(o.n, 0);
	/* A different block from the same leader in the same view: evidence, no vote. */
	alt = b[1];
	alt.timestamp = 11;
	CHECK_ERR(feed_block(r, &alt, 22), HM_OK);
	drain(r, &o);
	CHECK_EQ(count(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_VOTE), 0);
	p = find(&o, HM_BFT_OUT_EVIDENCE, 0, 0);
	CHECK(p != NULL);
	if (p != NULL) {
		struct hm_bft_evidence e;

		CHECK_ERR(hm_bft_evidence_decode(&e, p->data.data, p->data.len), HM_OK);
		CHECK_EQ(e.kind, HM_BFT_EVIDENCE_PROPOSAL);
		CHECK_EQ(e.validator, 1);
		CHECK_EQ(e.view, 1);
		CHECK_ERR(hm_bft_evidence_verify(&fx.vs, &e), HM_OK);
	}
	/* ... and gossiped to every validator, so any leader can commit it. */
	p = find(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_EVIDENCE, 0);
	CHECK(p != NULL && p->to == HM_BFT_TO_ALL);
	outs_free(&o);
	hm_bft_replica_del(r);
	fx_store_free(&st);
	free(m);
}

static void test_refused_proposals(void)
{
	struct fx_store st = { 0 };
	struct outs o = { 0 };
	struct hm_bft_replica *r;
	struct hm_bft_block b[4], x;
	uint8_t h[4][32];
	struct hm_bft_qc qc[4];
	struct hm_buf m;
	struct hm_bft_status s;

	fx_init(&fx, 4);
	hm_buf_init(&m);
	chain3(b, h, qc);
	r = replica(0, &st, 0, 0);
	/* Not the view's leader. */
	x = b[1];
	x.proposer = 2;
	CHECK_ERR(feed_block(r, &x, 1), HM_ERR_INVALID);
	/* Signed by someone else than the proposer. */
	fx_proposal(&fx, &m, &b[1], 3);
	CHECK_ERR(hm_bft_replica_on_message(r, m.data, m.len, 1), HM_ERR_VERIFY);
	/* Wrong height. */
	x = b[1];
	x.height = 2;
	CHECK_ERR(feed_block(r, &x, 1), HM_ERR_INVALID);
	/* Payload root does not match. */
	x = b[1];
	x.payload_root[0] ^= 1;
	CHECK_ERR(feed_block(r, &x, 1), HM_ERR_VERIFY);
	/* Parent is not the justified block. */
	x = b[1];
	x.parent[0] ^= 1;
	CHECK_ERR(feed_block(r, &x, 1), HM_ERR_INVALID);
	/* Timestamp too far ahead of now (default skew 10 s). */
	x = b[1];
	x.timestamp = 20001;
	CHECK_ERR(feed_block(r, &x, 1), HM_ERR_INVALID);
	/* Justify QC with a bad signature. */
	x = b[2];
	x.justify.sigs[0].sig[0] ^= 1;
	CHECK_ERR(feed_block(r, &x, 1), HM_ERR_VERIFY);
	/* Garbage bytes. */
	CHECK_ERR(hm_bft_replica_on_message(r, (const uint8_t *)"\x01\x00", 2, 1),
	          HM_ERR_TRUNCATED);
	drain(r, &o);
	CHECK_EQ(count(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_VOTE), 0);
	hm_bft_replica_status(r, &s);
	CHECK_EQ(s.last_voted_view, 0);
	CHECK_EQ(s.rejected, 8);
	/* After all that, the genuine proposal still gets a vote. */
	CHECK_ERR(feed_block(r, &b[1], 2), HM_OK);
	drain(r, &o);
	CHECK_EQ(count(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_VOTE), 1);
	outs_free(&o);
	hm_bft_replica_del(r);
	fx_store_free(&st);
	hm_buf_free(&m);
}

static void test_two_chain_commit(void)
{
	struct fx_store st = { 0 };
	struct outs o = { 0 };
	struct hm_bft_replica *r;
	struct hm_bft_block b[4], b4, b5, b6;
	uint8_t h[4][32], h4[32], h5[32];
	struct hm_bft_qc qc[4], qc4, qc5;
	struct hm_bft_tc tc;
	const struct hm_bft_output *p;
	struct hm_bft_status s;

	fx_init(&fx, 4);
	chain3(b, h, qc);
	r = replica(0, &st, 0, 0);
	CHECK_ERR(feed_block(r, &b[1], 1), HM_OK);
	CHECK_ERR(feed_block(r, &b[2], 2), HM_OK);
	drain(r, &o);
	CHECK_EQ(count(&o, HM_BFT_OUT_COMMIT, 0), 0);
	/* B3 carries QC(B2); B2 and B1 are certified in consecutive views: B1 commits. */
	CHECK_ERR(feed_block(r, &b[3], 3), HM_OK);
	drain(r, &o);
	CHECK_EQ(count(&o, HM_BFT_OUT_COMMIT, 0), 1);
	p = find(&o, HM_BFT_OUT_COMMIT, 0, 0);
	CHECK(p != NULL && p->height == 1 && memcmp(p->hash, h[1], 32) == 0);
	/* B4 in view 5 (view 4 timed out) on B3: QC(B3) certifies view 3, parent B2 view 2:
	 * consecutive, so B2 commits. */
	fx_tc(&fx, &tc, 4, &qc[3], 0x7);
	fx_block(&fx, &b4, 5, 3, &qc[3], 50);
	b4.has_tc = 1;
	b4.tc = tc;
	bhash(&b4, h4);
	CHECK_ERR(feed_block(r, &b4, 5), HM_OK);
	drain(r, &o);
	CHECK_EQ(count(&o, HM_BFT_OUT_COMMIT, 0), 1);
	/* QC(B3) made replica 0 leader of view 4, but the TC moved it to view 5 in
	 * the same message: no proposal for a view already over; a vote for B4. */
	CHECK_EQ(count(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_PROPOSAL), 0);
	CHECK_EQ(count(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_VOTE), 1);
	/* B5 in view 6 on B4 (QC view 5): B4 (view 5) and B3 (view 3) are not consecutive:
	 * no commit. */
	fx_qc(&fx, &qc4, 5, h4, 0xe);
	fx_block(&fx, &b5, 6, 4, &qc4, 60);
	bhash(&b5, h5);
	CHECK_ERR(feed_block(r, &b5, 6), HM_OK);
	drain(r, &o);
	CHECK_EQ(count(&o, HM_BFT_OUT_COMMIT, 0), 0);
	/* B6 in view 7 on B5: B5 (6) and B4 (5) consecutive: B3 and B4 commit, in order. */
	fx_qc(&fx, &qc5, 6, h5, 0xe);
	fx_block(&fx, &b6, 7, 5, &qc5, 70);
	CHECK_ERR(feed_block(r, &b6, 7), HM_OK);
	drain(r, &o);
	CHECK_EQ(count(&o, HM_BFT_OUT_COMMIT, 0), 2);
	p = find(&o, HM_BFT_OUT_COMMIT, 0, 0);
	CHECK(p != NULL && p->height == 3 && memcmp(p->hash, h[3], 32) == 0);
	p = find(&o, HM_BFT_OUT_COMMIT, 0, 1);
	CHECK(p != NULL && p->height == 4 && memcmp(p->hash, h4, 32) == 0);
	hm_bft_replica_status(r, &s);
	CHECK_EQ(s.committed_height, 4);
	CHECK_EQ(st.n, 4); /* every commit reached storage */
	outs_free(&o);
	hm_bft_replica_del(r);
	fx_store_free(&st);
}

/* A TC for view 2 whose signers saw QC(B1); a proposal in view 3 on genesis. */
static void locking_case(uint32_t flags, int want_rc, int want_votes)
{
	struct fx_store st = { 0 };
	struct outs o = { 0 };
	struct hm_bft_replica *r;
	struct hm_bft_block b[4], c;
	uint8_t h[4][32];
	struct hm_bft_qc qc[4];
	struct hm_bft_tc tc;

	chain3(b, h, qc);
	r = replica(2, &st, flags, 0); /* votes of view 3 go to 0: an output */
	fx_tc(&fx, &tc, 2, &qc[1], 0xe);
	fx_block(&fx, &c, 3, 0, &qc[0], 30);
	c.has_tc = 1;
	c.tc = tc;
	CHECK_ERR(feed_block(r, &c, 30), want_rc);
	drain(r, &o);
	CHECK_EQ(count(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_VOTE), want_votes);
	outs_free(&o);
	hm_bft_replica_del(r);
	fx_store_free(&st);
}

static void test_locking_rule(void)
{
	fx_init(&fx, 4);
	locking_case(0, HM_ERR_INVALID, 0);
	/* The test-only flag that disables the rule lets the stale proposal through. */
	locking_case(HM_BFT_TEST_NO_LOCK, HM_OK, 1);
}

static void test_tc_without_lock_violation(void)
{
	struct fx_store st = { 0 };
	struct outs o = { 0 };
	struct hm_bft_replica *r;
	struct hm_bft_block b[4], c;
	uint8_t h[4][32];
	struct hm_bft_qc qc[4];
	struct hm_bft_tc tc;
	struct hm_bft_status s;

	fx_init(&fx, 4);
	chain3(b, h, qc);
	r = replica(0, &st, 0, 0);
	CHECK_ERR(feed_block(r, &b[1], 1), HM_OK);
	/* View 2 timed out with QC(B1) as the highest: a view-3 block on B1 is fine. */
	fx_tc(&fx, &tc, 2, &qc[1], 0xe);
	fx_block(&fx, &c, 3, 1, &qc[1], 30);
	c.has_tc = 1;
	c.tc = tc;
	CHECK_ERR(feed_block(r, &c, 30), HM_OK);
	hm_bft_replica_status(r, &s);
	CHECK_EQ(s.last_voted_view, 3); /* the vote went to itself, leader of view 4 */
	CHECK_EQ(s.view, 3);
	/* Without the TC, a gap in views is refused. */
	c.has_tc = 0;
	c.view = 7;
	CHECK_ERR(feed_block(r, &c, 31), HM_ERR_INVALID);
	/* A TC for the wrong view does not justify it either. */
	c.has_tc = 1;
	CHECK_ERR(feed_block(r, &c, 31), HM_ERR_INVALID);
	outs_free(&o);
	hm_bft_replica_del(r);
	fx_store_free(&st);
}

static void test_timeouts(void)
{
	struct fx_store st = { 0 }, st2 = { 0 };
	struct outs o = { 0 };
	struct hm_bft_replica *r, *r2;
	struct hm_bft_block b[4];
	uint8_t h[4][32];
	struct hm_bft_qc qc[4];
	struct hm_bft_msg *m = calloc(1, sizeof(*m));
	struct hm_bft_status s;
	struct hm_buf enc;
	const struct hm_bft_output *p;

	fx_init(&fx, 4);
	hm_buf_init(&enc);
	chain3(b, h, qc);
	r = replica(0, &st, 0, 0);
	CHECK_ERR(hm_bft_replica_on_timer(r, 999), HM_OK);
	drain(r, &o);
	CHECK_EQ(o.n, 0);
	CHECK_ERR(hm_bft_replica_on_timer(r, 1000), HM_OK);
	drain(r, &o);
	p = find(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_TIMEOUT, 0);
	CHECK(p != NULL && p->to == HM_BFT_TO_ALL);
	hm_bft_replica_status(r, &s);
	CHECK_EQ(s.timeouts_sent, 1);
	CHECK_EQ(s.last_voted_view, 1); /* no vote in an abandoned view */
	CHECK_EQ(hm_bft_replica_next_deadline(r), 2000);
	CHECK_ERR(feed_block(r, &b[1], 1001), HM_OK);
	drain(r, &o);
	CHECK_EQ(count(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_VOTE), 0);
	/* Two more timeouts for view 1 form a TC: view 2, with a doubled timeout. */
	for (uint16_t i = 1; i <= 2; i++) {
		memset(m, 0, sizeof(*m));
		m->type = HM_BFT_MSG_TIMEOUT;
		m->u.timeout.view = 1;
		m->u.timeout.sender = i;
		fx_genesis_qc(&fx, &m->u.timeout.high_qc);
		CHECK_ERR(hm_bft_sign(&fx.vs, HM_BFT_DOMAIN_TIMEOUT, fx.sk[i], 1, NULL, 0,
		                      m->u.timeout.sig),
		          HM_OK);
		CHECK_ERR(deliver(r, &enc, m, 1500), HM_OK);
	}
	hm_bft_replica_status(r, &s);
	CHECK_EQ(s.view, 2);
	CHECK_EQ(hm_bft_replica_next_deadline(r), 3500);
	/* A forged timeout signature is refused. */
	m->u.timeout.sig[0] ^= 1;
	CHECK_ERR(deliver(r, &enc, m, 1500), HM_ERR_VERIFY);

	/* f+1 = 2 timeouts for a replica's current view make it time out at once. */
	r2 = replica(3, &st2, 0, 0);
	drain(r2, &o);
	for (uint16_t i = 1; i <= 2; i++) {
		m->u.timeout.sender = i;
		CHECK_ERR(hm_bft_sign(&fx.vs, HM_BFT_DOMAIN_TIMEOUT, fx.sk[i], 1, NULL, 0,
		                      m->u.timeout.sig),
		          HM_OK);
		CHECK_ERR(deliver(r2, &enc, m, 10), HM_OK);
		drain(r2, &o);
		CHECK_EQ(count(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_TIMEOUT), i == 2 ? 1 : 0);
	}
	hm_bft_replica_status(r2, &s);
	CHECK_EQ(s.view, 2); /* its own timeout completed the TC */
	hm_bft_replica_del(r2);
	fx_store_free(&st2);
	outs_free(&o);
	hm_bft_replica_del(r);
	fx_store_free(&st);
	hm_buf_free(&enc);
	free(m);
}

static void test_vote_collection(void)
{
	struct fx_store st = { 0 };
	struct outs o = { 0 };
	struct hm_bft_replica *r;
	struct hm_bft_block b[4];
	uint8_t h[4][32], other[32];
	struct hm_bft_qc qc[4];
	struct hm_bft_msg *m = calloc(1, sizeof(*m)), *d = calloc(1, sizeof(*d));
	struct hm_buf enc;
	const struct hm_bft_output *p;

	fx_init(&fx, 4);
	hm_buf_init(&enc);
	chain3(b, h, qc);
	r = replica(2, &st, 0, 0); /* leader of view 2 collects the votes of view 1 */
	CHECK_ERR(feed_block(r, &b[1], 5), HM_OK);
	drain(r, &o);
	m->type = HM_BFT_MSG_VOTE;
	m->u.vote.view = 1;
	memcpy(m->u.vote.block, h[1], 32);
	/* Out of range voter, then a bad signature. */
	m->u.vote.voter = 4;
	CHECK_ERR(deliver(r, &enc, m, 6), HM_ERR_RANGE);
	m->u.vote.voter = 0;
	CHECK_ERR(deliver(r, &enc, m, 6), HM_ERR_VERIFY);
	/* Validator 0's vote: two of three. */
	CHECK_ERR(hm_bft_sign(&fx.vs, HM_BFT_DOMAIN_VOTE, fx.sk[0], 1, h[1], 0, m->u.vote.sig),
	          HM_OK);
	CHECK_ERR(deliver(r, &enc, m, 6), HM_OK);
	/* Its duplicate does not count twice. */
	CHECK_ERR(hm_bft_replica_on_message(r, enc.data, enc.len, 6), HM_OK);
	drain(r, &o);
	CHECK_EQ(count(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_PROPOSAL), 0);
	/* Validator 3 votes for another block first, then for B1: evidence, and the
	 * second vote is not counted. */
	memset(other, 0xee, sizeof(other));
	feed_vote(r, 3, 1, other, 7);
	feed_vote(r, 3, 1, h[1], 7);
	drain(r, &o);
	CHECK_EQ(count(&o, HM_BFT_OUT_EVIDENCE, 0), 1);
	CHECK_EQ(count(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_PROPOSAL), 0);
	/* Validator 1's vote completes the QC: the replica proposes in view 2 on B1. */
	feed_vote(r, 1, 1, h[1], 8);
	drain(r, &o);
	p = find(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_PROPOSAL, 0);
	CHECK(p != NULL);
	if (p != NULL) {
		CHECK_ERR(hm_bft_msg_decode(d, p->data.data, p->data.len), HM_OK);
		CHECK_EQ(d->u.proposal.block.view, 2);
		CHECK_EQ(d->u.proposal.block.height, 2);
		CHECK_EQ(d->u.proposal.block.justify.nsigs, 3);
		CHECK_ERR(hm_bft_qc_verify(&fx.vs, &d->u.proposal.block.justify), HM_OK);
		CHECK_MEM(d->u.proposal.block.justify.block, h[1], 32);
	}
	outs_free(&o);
	hm_bft_replica_del(r);
	fx_store_free(&st);
	hm_buf_free(&enc);
	free(m);
	free(d);
}

static void test_block_sync(void)
{
	struct fx_store st = { 0 }, st1 = { 0 };
	struct outs o = { 0 };
	struct hm_bft_replica *r, *peer;
	struct hm_bft_block b[4];
	uint8_t h[4][32];
	struct hm_bft_qc qc[4];
	struct hm_bft_msg *m = calloc(1, sizeof(*m));
	const struct hm_bft_output *p;
	struct hm_buf req;

	fx_init(&fx, 4);
	hm_buf_init(&req);
	chain3(b, h, qc);
	r = replica(0, &st, 0, 0);
	peer = replica(3, &st1, 0, 0);
	CHECK_ERR(feed_block(peer, &b[1], 1), HM_OK);
	/* B2 arrives first: the replica asks for B1 and does not vote yet. */
	CHECK_ERR(feed_block(r, &b[2], 2), HM_OK);
	drain(r, &o);
	CHECK_EQ(count(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_VOTE), 0);
	p = find(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_BLOCK_REQUEST, 0);
	CHECK(p != NULL);
	if (p == NULL)
		goto out;
	CHECK_ERR(hm_bft_msg_decode(m, p->data.data, p->data.len), HM_OK);
	CHECK_MEM(m->u.request.block, h[1], 32);
	CHECK_ERR(hm_buf_append(&req, p->data.data, p->data.len), HM_OK);
	/* The peer answers from its store. */
	drain(peer, &o);
	CHECK_ERR(hm_bft_replica_on_message(peer, req.data, req.len, 3), HM_OK);
	drain(peer, &o);
	p = find(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_BLOCK_RESPONSE, 0);
	CHECK(p != NULL && p->to == 0);
	if (p == NULL)
		goto out;
	CHECK_ERR(hm_bft_replica_on_message(r, p->data.data, p->data.len, 4), HM_OK);
	drain(r, &o);
	/* Now B2 is voted for. */
	p = find(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_VOTE, 0);
	CHECK(p != NULL);
	if (p != NULL) {
		CHECK_ERR(hm_bft_msg_decode(m, p->data.data, p->data.len), HM_OK);
		CHECK_EQ(m->u.vote.view, 2);
	}
out:
	outs_free(&o);
	hm_bft_replica_del(r);
	hm_bft_replica_del(peer);
	fx_store_free(&st);
	fx_store_free(&st1);
	hm_buf_free(&req);
	free(m);
}

static void test_restart_recovers(void)
{
	struct fx_store st = { 0 };
	struct outs o = { 0 };
	struct hm_bft_replica *r;
	struct hm_bft_block b[4];
	uint8_t h[4][32];
	struct hm_bft_qc qc[4];
	struct hm_bft_status s;
	struct hm_bft_config c;
	struct hm_bft_storage sto;

	fx_init(&fx, 4);
	chain3(b, h, qc);
	r = replica(0, &st, 0, 0);
	for (int i = 1; i <= 3; i++)
		CHECK_ERR(feed_block(r, &b[i], (uint64_t)i), HM_OK);
	hm_bft_replica_del(r);
	/* A restarted replica keeps its commits and never votes again in a voted view. */
	r = replica(0, &st, 0, 100);
	hm_bft_replica_status(r, &s);
	CHECK_EQ(s.committed_height, 1);
	CHECK_MEM(s.committed_hash, h[1], 32);
	CHECK_EQ(s.last_voted_view, 3);
	CHECK_EQ(s.high_qc_view, 2);
	drain(r, &o);
	/* The voted, uncommitted blocks survived too: it can serve them to peers. */
	for (int i = 2; i <= 3; i++) {
		struct hm_bft_msg *m = calloc(1, sizeof(*m));
		struct hm_buf req;
		const struct hm_bft_output *p;

		hm_buf_init(&req);
		m->type = HM_BFT_MSG_BLOCK_REQUEST;
		memcpy(m->u.request.block, h[i], 32);
		m->u.request.requester = 2;
		CHECK_ERR(deliver(r, &req, m, 100), HM_OK);
		drain(r, &o);
		p = find(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_BLOCK_RESPONSE, 0);
		CHECK(p != NULL && p->to == 2);
		hm_buf_free(&req);
		free(m);
	}
	CHECK_ERR(feed_block(r, &b[3], 101), HM_OK);
	drain(r, &o);
	CHECK_EQ(count(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_VOTE), 0);
	hm_bft_replica_del(r);
	/* Corrupt storage is refused, failing storage reported. */
	sto = fx_storage(&st);
	memset(&c, 0, sizeof(c));
	c.validators = &fx.vs;
	c.sk = fx.sk[0];
	c.storage = &sto;
	st.blocks[0].data[0] ^= 1;
	CHECK_ERR(hm_bft_replica_new(&r, &c, 0), HM_ERR_CORRUPT);
	st.blocks[0].data[0] ^= 1;
	st.safety.data[st.safety.len - 1] ^= 1;
	CHECK_ERR(hm_bft_replica_new(&r, &c, 0), HM_ERR_CORRUPT);
	st.safety.data[st.safety.len - 1] ^= 1;
	st.fail = 1;
	CHECK_ERR(hm_bft_replica_new(&r, &c, 0), HM_ERR_IO);
	st.fail = 0;
	CHECK_ERR(hm_bft_replica_new(&r, &c, 0), HM_OK);
	hm_bft_replica_del(r);
	outs_free(&o);
	fx_store_free(&st);
}

static void test_storage_failure_blocks_vote(void)
{
	struct fx_store st = { 0 };
	struct outs o = { 0 };
	struct hm_bft_replica *r;
	struct hm_bft_block b[4];
	uint8_t h[4][32];
	struct hm_bft_qc qc[4];

	fx_init(&fx, 4);
	chain3(b, h, qc);
	r = replica(0, &st, 0, 0);
	st.fail = 1;
	CHECK_ERR(feed_block(r, &b[1], 1), HM_ERR_IO);
	drain(r, &o);
	CHECK_EQ(count(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_VOTE), 0);
	outs_free(&o);
	hm_bft_replica_del(r);
	fx_store_free(&st);
}

static void test_mempool(void)
{
	struct fx_store st = { 0 };
	struct outs o = { 0 };
	struct hm_bft_replica *r;
	struct hm_bft_block b[4];
	uint8_t h[4][32], big[HM_BFT_TX_MAX + 1] = { 0 };
	struct hm_bft_qc qc[4];
	struct hm_bft_msg *m = calloc(1, sizeof(*m));
	const struct hm_bft_output *p;

	fx_init(&fx, 4);
	chain3(b, h, qc);
	r = replica(0, &st, 0, 0);
	CHECK_ERR(hm_bft_replica_submit_tx(r, (const uint8_t *)"alpha", 5), HM_OK);
	CHECK_ERR(hm_bft_replica_submit_tx(r, (const uint8_t *)"alpha", 5), HM_ERR_EXISTS);
	CHECK_ERR(hm_bft_replica_submit_tx(r, (const uint8_t *)"beta", 4), HM_OK);
	CHECK_ERR(hm_bft_replica_submit_tx(r, (const uint8_t *)"", 0), HM_ERR_LENGTH);
	CHECK_ERR(hm_bft_replica_submit_tx(r, big, sizeof(big)), HM_ERR_LENGTH);
	CHECK_ERR(hm_bft_replica_submit_tx(r, (const uint8_t *)"gamma", 5), HM_OK);
	CHECK_ERR(hm_bft_replica_submit_tx(r, (const uint8_t *)"delta", 5), HM_ERR_TOO_LARGE);
	CHECK_EQ(hm_bft_replica_mempool_len(r), 3);
	/* Drive the replica to lead view 4: B1..B3, then votes for B3 from 1 and 2. */
	for (int i = 1; i <= 3; i++)
		CHECK_ERR(feed_block(r, &b[i], (uint64_t)i), HM_OK);
	for (uint16_t v = 1; v <= 2; v++)
		feed_vote(r, v, 3, h[3], 40);
	drain(r, &o);
	p = find(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_PROPOSAL, 0);
	CHECK(p != NULL);
	if (p != NULL) {
		struct hm_buf want;

		hm_buf_init(&want);
		CHECK_ERR(hm_put_vec(&want, 1, HM_BFT_TX_MAX, "alpha", 5), HM_OK);
		CHECK_ERR(hm_put_vec(&want, 1, HM_BFT_TX_MAX, "beta", 4), HM_OK);
		CHECK_ERR(hm_put_vec(&want, 1, HM_BFT_TX_MAX, "gamma", 5), HM_OK);
		CHECK_ERR(hm_bft_msg_decode(m, p->data.data, p->data.len), HM_OK);
		CHECK_EQ(m->u.proposal.block.view, 4);
		CHECK_EQ(m->u.proposal.block.payload_len, want.len);
		CHECK(m->u.proposal.block.payload_len == want.len &&
		      memcmp(m->u.proposal.block.payload, want.data, want.len) == 0);
		hm_buf_free(&want);
	}
	/* Still pending until committed. */
	CHECK_EQ(hm_bft_replica_mempool_len(r), 3);
	outs_free(&o);
	hm_bft_replica_del(r);
	fx_store_free(&st);
	free(m);
}

static void test_bad_config(void)
{
	struct fx_store st = { 0 };
	struct hm_bft_storage sto = fx_storage(&st);
	struct hm_bft_config c;
	struct hm_bft_replica *r = NULL;

	fx_init(&fx, 4);
	memset(&c, 0, sizeof(c));
	c.validators = &fx.vs;
	c.sk = fx.sk[0];
	c.storage = &sto;
	c.self = 4;
	CHECK_ERR(hm_bft_replica_new(&r, &c, 0), HM_ERR_INVALID);
	c.self = 0;
	c.sk = NULL;
	CHECK_ERR(hm_bft_replica_new(&r, &c, 0), HM_ERR_INVALID);
	c.sk = fx.sk[0];
	sto.append_block = NULL;
	CHECK_ERR(hm_bft_replica_new(&r, &c, 0), HM_ERR_INVALID);
	sto = fx_storage(&st);
	c.max_block_bytes = HM_BFT_PAYLOAD_MAX + 1;
	CHECK_ERR(hm_bft_replica_new(&r, &c, 0), HM_ERR_INVALID);
	CHECK(r == NULL);
	hm_bft_replica_del(NULL);
	fx_store_free(&st);
}

/*
 * Pacing (min_block_interval_ms): an idle leader waits that long after the
 * QC before proposing; a transaction in the mempool makes it propose at once.
 */
static void test_pacing(void)
{
	static const uint8_t tx[] = { 't', 'x' };
	struct fx_store st = { 0 };
	struct outs o = { 0 };
	struct hm_bft_storage s;
	struct hm_bft_config c;
	struct hm_bft_replica *r = NULL;
	struct hm_bft_block b[4];
	uint8_t h[4][32];
	struct hm_bft_qc qc[4];
	struct hm_bft_status stat;

	for (int with_tx = 0; with_tx <= 1; with_tx++) {
		fx_init(&fx, 4);
		chain3(b, h, qc);
		memset(&st, 0, sizeof(st));
		s = fx_storage(&st);
		memset(&c, 0, sizeof(c));
		c.validators = &fx.vs;
		c.self = 2; /* leader of view 2: collects view 1's votes */
		c.sk = fx.sk[2];
		c.storage = &s;
		c.base_timeout_ms = 1000;
		c.min_block_interval_ms = 200;
		CHECK_ERR(hm_bft_replica_new(&r, &c, 0), HM_OK);
		if (r == NULL)
			return;
		CHECK_ERR(feed_block(r, &b[1], 100), HM_OK);
		feed_vote(r, 0, 1, h[1], 100);
		feed_vote(r, 1, 1, h[1], 100); /* with its own: a QC, view 2 */
		drain(r, &o);
		hm_bft_replica_status(r, &stat);
		CHECK_EQ(stat.view, 2);
		CHECK_EQ(count(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_PROPOSAL), 0);
		CHECK_EQ(hm_bft_replica_next_deadline(r), 300);
		if (with_tx) {
			CHECK_ERR(hm_bft_replica_submit_tx(r, tx, sizeof(tx)), HM_OK);
			CHECK_EQ(hm_bft_replica_next_deadline(r), 100);
			CHECK_ERR(hm_bft_replica_on_timer(r, 120), HM_OK);
		} else {
			CHECK_ERR(hm_bft_replica_on_timer(r, 299), HM_OK);
			drain(r, &o);
			CHECK_EQ(count(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_PROPOSAL), 0);
			CHECK_ERR(hm_bft_replica_on_timer(r, 300), HM_OK);
		}
		drain(r, &o);
		CHECK_EQ(count(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_PROPOSAL), 1);
		outs_free(&o);
		hm_bft_replica_del(r);
		fx_store_free(&st);
	}
}

static void batch_add(struct hm_buf *batch, const struct hm_bft_block *b)
{
	struct hm_buf enc;

	hm_buf_init(&enc);
	CHECK_ERR(hm_bft_block_encode(&enc, b), HM_OK);
	CHECK_ERR(hm_put_vec(batch, 1, 0xffffff, enc.data, enc.len), HM_OK);
	hm_buf_free(&enc);
}

/* Range sync commits exactly what the two-chain rule proves committed. */
static void test_sync_blocks(void)
{
	struct fx_store st = { 0 };
	struct outs o = { 0 };
	struct hm_bft_replica *r;
	struct hm_bft_block b[4], forged;
	uint8_t h[4][32];
	struct hm_bft_qc qc[4];
	struct hm_bft_status s;
	struct hm_buf batch;
	const struct hm_bft_output *c;
	uint64_t n = 99;

	fx_init(&fx, 4);
	chain3(b, h, qc);
	hm_buf_init(&batch);
	r = replica(0, &st, 0, 0);
	drain(r, &o);

	/* Two blocks: nothing proves either committed. */
	batch_add(&batch, &b[1]);
	batch_add(&batch, &b[2]);
	CHECK_ERR(hm_bft_replica_sync_blocks(r, batch.data, batch.len, 50, &n), HM_OK);
	CHECK_EQ(n, 0);
	/* A forged certificate on B2 (in B3): still nothing. */
	forged = b[3];
	forged.justify.sigs[0].sig[0] ^= 1;
	hm_buf_truncate(&batch, 0);
	batch_add(&batch, &b[1]);
	batch_add(&batch, &b[2]);
	batch_add(&batch, &forged);
	CHECK_ERR(hm_bft_replica_sync_blocks(r, batch.data, batch.len, 50, &n), HM_OK);
	CHECK_EQ(n, 0);
	/* A gap in the heights is refused. */
	hm_buf_truncate(&batch, 0);
	batch_add(&batch, &b[1]);
	batch_add(&batch, &b[3]);
	CHECK_ERR(hm_bft_replica_sync_blocks(r, batch.data, batch.len, 50, &n), HM_ERR_INVALID);
	/* Malformed framing. */
	CHECK(hm_bft_replica_sync_blocks(r, batch.data, batch.len - 1, 50, &n) != HM_OK);
	/* B1..B3: B2 certified in the view after B1 and B3 certifies B2: B1 commits. */
	hm_buf_truncate(&batch, 0);
	batch_add(&batch, &b[1]);
	batch_add(&batch, &b[2]);
	batch_add(&batch, &b[3]);
	drain(r, &o);
	CHECK_ERR(hm_bft_replica_sync_blocks(r, batch.data, batch.len, 50, &n), HM_OK);
	CHECK_EQ(n, 1);
	hm_bft_replica_status(r, &s);
	CHECK_EQ(s.committed_height, 1);
	CHECK_MEM(s.committed_hash, h[1], 32);
	CHECK_EQ(st.n, 1); /* appended to storage */
	drain(r, &o);
	c = find(&o, HM_BFT_OUT_COMMIT, 0, 0);
	CHECK(c != NULL && c->height == 1);
	/* Again: already committed, skipped. */
	CHECK_ERR(hm_bft_replica_sync_blocks(r, batch.data, batch.len, 60, &n), HM_OK);
	CHECK_EQ(n, 0);
	/* Blocks that do not extend the committed chain are refused. */
	hm_buf_truncate(&batch, 0);
	forged = b[2];
	forged.parent[0] ^= 1;
	forged.justify.block[0] ^= 1;
	batch_add(&batch, &forged);
	CHECK_ERR(hm_bft_replica_sync_blocks(r, batch.data, batch.len, 60, &n), HM_ERR_VERIFY);
	outs_free(&o);
	hm_buf_free(&batch);
	hm_bft_replica_del(r);
	fx_store_free(&st);
}

/* Feeds an Evidence message carrying rec. */
static int feed_evidence(struct hm_bft_replica *r, const uint8_t *rec, uint64_t now)
{
	uint8_t m[1 + HM_BFT_EVIDENCE_LEN] = { HM_BFT_MSG_EVIDENCE };

	memcpy(m + 1, rec, HM_BFT_EVIDENCE_LEN);
	return hm_bft_replica_on_message(r, m, sizeof(m), now);
}

/*
 * Evidence end to end at one replica: gossiped records are verified and
 * queued once; as leader it commits them in its block; the commit reports
 * them; a later block repeating a committed record is refused.
 */
static void test_evidence_gossip_and_commit(void)
{
	struct fx_store st = { 0 };
	struct outs o = { 0 };
	struct hm_bft_replica *r;
	struct hm_bft_block b[4], b5, b6, b7;
	uint8_t h[4][32], h4[32], h5[32], h6[32], rec[HM_BFT_EVIDENCE_LEN],
	        bad[HM_BFT_EVIDENCE_LEN];
	struct hm_bft_qc qc[4], qc4, qc5, qc6;
	struct hm_bft_msg *m = calloc(1, sizeof(*m));
	const struct hm_bft_output *p;
	struct hm_bft_status s;

	fx_init(&fx, 4);
	chain3(b, h, qc);
	fx_double_vote(&fx, rec, 3, 1);
	memcpy(bad, rec, sizeof(bad));
	bad[HM_BFT_EVIDENCE_LEN - 1] ^= 1; /* the second signature */
	r = replica(0, &st, 0, 0);
	drain(r, &o);
	CHECK_ERR(feed_evidence(r, bad, 1), HM_ERR_VERIFY);
	CHECK_ERR(feed_evidence(r, rec, 1), HM_OK);
	CHECK_ERR(feed_evidence(r, rec, 2), HM_OK); /* a duplicate: queued once */
	{
		/* Truncated and oversized Evidence messages do not decode. */
		uint8_t t[2 + HM_BFT_EVIDENCE_LEN] = { HM_BFT_MSG_EVIDENCE };

		memcpy(t + 1, rec, HM_BFT_EVIDENCE_LEN);
		CHECK_ERR(hm_bft_replica_on_message(r, t, sizeof(t) - 2, 2), HM_ERR_TRUNCATED);
		CHECK_ERR(hm_bft_replica_on_message(r, t, sizeof(t), 2), HM_ERR_TRAILING);
	}
	hm_bft_replica_status(r, &s);
	CHECK_EQ(s.evidence_pending, 1);
	CHECK_EQ(s.evidence_committed, 0);
	for (int i = 1; i <= 3; i++)
		CHECK_ERR(feed_block(r, &b[i], 40), HM_OK);
	/* Votes for view 3 come to us (leader of 4): the QC makes us propose. */
	drain(r, &o);
	for (uint16_t v = 1; v <= 3; v++)
		feed_vote(r, v, 3, h[3], 41);
	drain(r, &o);
	p = find(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_PROPOSAL, 0);
	CHECK(p != NULL);
	if (p == NULL)
		goto out;
	CHECK_ERR(hm_bft_msg_decode(m, p->data.data, p->data.len), HM_OK);
	CHECK_EQ(m->u.proposal.block.view, 4);
	CHECK_EQ(m->u.proposal.block.evidence_len, HM_BFT_EVIDENCE_LEN);
	if (m->u.proposal.block.evidence_len == HM_BFT_EVIDENCE_LEN)
		CHECK_MEM(m->u.proposal.block.evidence, rec, HM_BFT_EVIDENCE_LEN);
	bhash(&m->u.proposal.block, h4);
	/* Blocks 5 and 6 certify 4 and then 5 (consecutive views): 4 commits. */
	fx_qc(&fx, &qc4, 4, h4, 0xe);
	fx_block(&fx, &b5, 5, 4, &qc4, 50);
	bhash(&b5, h5);
	fx_qc(&fx, &qc5, 5, h5, 0xe);
	fx_block(&fx, &b6, 6, 5, &qc5, 60);
	bhash(&b6, h6);
	CHECK_ERR(feed_block(r, &b5, 60), HM_OK);
	drain(r, &o);
	CHECK_ERR(feed_block(r, &b6, 60), HM_OK);
	drain(r, &o);
	p = find(&o, HM_BFT_OUT_EVIDENCE_COMMITTED, 0, 0);
	CHECK(p != NULL);
	if (p != NULL) {
		CHECK_EQ(p->height, 4);
		CHECK_MEM(p->hash, h4, 32);
		CHECK_EQ(p->data.len, HM_BFT_EVIDENCE_LEN);
		CHECK_MEM(p->data.data, rec, HM_BFT_EVIDENCE_LEN);
	}
	hm_bft_replica_status(r, &s);
	CHECK_EQ(s.committed_height, 4);
	CHECK_EQ(s.evidence_pending, 0);
	CHECK_EQ(s.evidence_committed, 1);
	/* Committed already: gossip of it is not queued again ... */
	CHECK_ERR(feed_evidence(r, rec, 61), HM_OK);
	hm_bft_replica_status(r, &s);
	CHECK_EQ(s.evidence_pending, 0);
	/* ... and a block carrying it again gets no vote. */
	fx_qc(&fx, &qc6, 6, h6, 0xe);
	fx_block(&fx, &b7, 7, 6, &qc6, 70);
	b7.evidence = rec;
	b7.evidence_len = HM_BFT_EVIDENCE_LEN;
	CHECK_ERR(feed_block(r, &b7, 70), HM_ERR_INVALID);
	drain(r, &o);
	CHECK_EQ(count(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_VOTE), 0);
out:
	outs_free(&o);
	hm_bft_replica_del(r);
	fx_store_free(&st);
	free(m);
}

/* A block's evidence must verify and not repeat itself, or the block gets no vote. */
static void test_block_evidence_checked(void)
{
	struct hm_bft_block b[4], x;
	uint8_t h[4][32], two[2 * HM_BFT_EVIDENCE_LEN], bad[HM_BFT_EVIDENCE_LEN];
	struct hm_bft_qc qc[4];
	struct {
		const uint8_t *ev;
		size_t len;
		int want;
	} cases[] = {
		{ bad, HM_BFT_EVIDENCE_LEN, HM_ERR_VERIFY },
		{ two, 2 * HM_BFT_EVIDENCE_LEN, HM_ERR_INVALID },
		{ two, HM_BFT_EVIDENCE_LEN, HM_OK },
	};

	fx_init(&fx, 4);
	chain3(b, h, qc);
	fx_double_vote(&fx, two, 2, 7);
	memcpy(two + HM_BFT_EVIDENCE_LEN, two, HM_BFT_EVIDENCE_LEN);
	memcpy(bad, two, HM_BFT_EVIDENCE_LEN);
	bad[20] ^= 1; /* the first hash: the signature no longer matches it */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fx_store st = { 0 };
		struct outs o = { 0 };
		struct hm_bft_replica *r = replica(0, &st, 0, 0);

		x = b[1];
		x.evidence = cases[i].ev;
		x.evidence_len = cases[i].len;
		CHECK_ERR(feed_block(r, &x, 20), cases[i].want);
		drain(r, &o);
		CHECK_EQ(count(&o, HM_BFT_OUT_SEND, HM_BFT_MSG_VOTE),
		         cases[i].want == HM_OK ? 1 : 0);
		outs_free(&o);
		hm_bft_replica_del(r);
		fx_store_free(&st);
	}
}

/*
 * Certificates are cached by their encoding, signatures included: after a
 * valid QC for (view 1, B1) was verified, a copy with a forged signature is
 * still refused (a (view, block) key would have let it through, and the
 * replica would then have forwarded the forged QC as its own high QC).
 */
static void test_forged_copy_of_cached_qc(void)
{
	struct fx_store st = { 0 };
	struct outs o = { 0 };
	struct hm_bft_replica *r;
	struct hm_bft_block b[4], x;
	uint8_t h[4][32];
	struct hm_bft_qc qc[4];

	fx_init(&fx, 4);
	chain3(b, h, qc);
	r = replica(0, &st, 0, 0);
	CHECK_ERR(feed_block(r, &b[1], 20), HM_OK);
	CHECK_ERR(feed_block(r, &b[2], 30), HM_OK); /* verifies and caches qc[1] */
	x = b[2];
	x.timestamp = 31;              /* another block, same justify (view 1, B1) ... */
	x.justify.sigs[1].sig[9] ^= 1; /* ... with one signature forged */
	CHECK_ERR(feed_block(r, &x, 31), HM_ERR_VERIFY);
	drain(r, &o);
	outs_free(&o);
	hm_bft_replica_del(r);
	fx_store_free(&st);
}

TEST_MAIN(test_leader_proposes_at_start, test_vote_once_and_evidence, test_refused_proposals,
          test_two_chain_commit, test_locking_rule, test_tc_without_lock_violation, test_timeouts,
          test_vote_collection, test_block_sync, test_restart_recovers,
          test_storage_failure_blocks_vote, test_mempool, test_bad_config, test_pacing,
          test_sync_blocks, test_evidence_gossip_and_commit, test_block_evidence_checked,
          test_forged_copy_of_cached_qc)
