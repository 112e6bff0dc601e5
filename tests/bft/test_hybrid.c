/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hybrid signature policy (docs/CONSENSUS.md §2a): Ed25519 and ML-DSA-87
 * on every proposal, vote and timeout; a certificate is valid only if both
 * signatures of every signer verify; the policy is bound into the genesis
 * hash; a message of the other policy's shape is dropped and counted.
 */
#include "bft_fixture.h"
#include "hypermesh/sig.h"
#include "test.h"

static struct fx fx;
static uint8_t pq_sk[FX_MAX][HM_BFT_PQ_SK_LEN];
/* PQ signatures the certificates built here point at: [signer][slot]. */
static uint8_t pq_sig[FX_MAX][4][HM_BFT_PQ_SIG_LEN];

/* fx_init, then switch to hybrid with fresh ML-DSA-87 keys. */
static void hybrid_init(uint16_t n)
{
	uint8_t(*pks)[HM_BFT_PQ_PK_LEN] = malloc((size_t)n * HM_BFT_PQ_PK_LEN);

	fx_init(&fx, n);
	for (uint16_t i = 0; i < n; i++)
		CHECK_ERR(hm_sig_keygen(HM_SIG_MLDSA87, pks[i], HM_BFT_PQ_PK_LEN, pq_sk[i],
		                        HM_BFT_PQ_SK_LEN),
		          HM_OK);
	CHECK_ERR(hm_bft_validators_set_hybrid(&fx.vs, (const uint8_t(*)[HM_BFT_PQ_PK_LEN])pks),
	          HM_OK);
	hm_bft_genesis(&fx.vs, &fx.genesis, fx.genesis_hash);
	free(pks);
}

/* Adds the PQ half to every signature of a QC made by fx_qc (slot: which buffer). */
static void qc_add_pq(struct hm_bft_qc *qc, int slot)
{
	for (uint16_t i = 0; i < qc->nsigs; i++) {
		uint16_t v = qc->sigs[i].signer;

		CHECK_ERR(hm_bft_sign_pq(&fx.vs, HM_BFT_DOMAIN_VOTE, pq_sk[v], qc->view, qc->block,
		                         0, pq_sig[v][slot]),
		          HM_OK);
		qc->sigs[i].pq.sig = pq_sig[v][slot];
		qc->sigs[i].pq.len = HM_BFT_PQ_SIG_LEN;
	}
}

static void test_policy_names(void)
{
	enum hm_bft_sig_policy p;

	CHECK_ERR(hm_bft_policy_parse("ed25519", &p), HM_OK);
	CHECK_EQ(p, HM_BFT_POLICY_ED25519);
	CHECK_ERR(hm_bft_policy_parse("hybrid", &p), HM_OK);
	CHECK_EQ(p, HM_BFT_POLICY_HYBRID);
	CHECK_ERR(hm_bft_policy_parse("Hybrid", &p), HM_ERR_INVALID);
	CHECK_ERR(hm_bft_policy_parse("", &p), HM_ERR_INVALID);
	CHECK_ERR(hm_bft_policy_parse(NULL, &p), HM_ERR_INVALID);
	CHECK_STR(hm_bft_policy_name(HM_BFT_POLICY_HYBRID), "hybrid");
	CHECK_STR(hm_bft_policy_name(HM_BFT_POLICY_ED25519), "ed25519");
	CHECK_ERR(hm_bft_validators_set_hybrid(&fx.vs, NULL), HM_ERR_INVALID);
}

/* The policy and the PQ keys are part of the chain: different genesis hashes. */
static void test_genesis_binds_policy(void)
{
	uint8_t ed[32], hy1[32], hy2[32];
	struct hm_bft_block g;

	fx_init(&fx, 4);
	memcpy(ed, fx.genesis_hash, 32);
	/* ed25519: the genesis parent stays zero, so its hash is what it always was. */
	CHECK_MEM(fx.genesis.parent, (uint8_t[32]){ 0 }, 32);
	hybrid_init(4);
	memcpy(hy1, fx.genesis_hash, 32);
	hybrid_init(4); /* fresh keys */
	memcpy(hy2, fx.genesis_hash, 32);
	CHECK(memcmp(ed, hy1, 32) != 0);
	CHECK(memcmp(hy1, hy2, 32) != 0);
	hm_bft_genesis(&fx.vs, &g, hy1);
	CHECK_MEM(hy1, hy2, 32); /* deterministic for one set */
	CHECK_MEM(g.parent, fx.vs.policy_commit, 32);
}

static void test_hybrid_qc(void)
{
	struct hm_bft_qc qc;
	struct hm_bft_validators ed;
	uint8_t h[32] = { 7 }, saved;

	hybrid_init(4);
	fx_qc(&fx, &qc, 3, h, 0x7);
	/* Ed25519 signatures alone are the wrong shape under hybrid. */
	CHECK_ERR(hm_bft_qc_verify(&fx.vs, &qc), HM_ERR_INVALID);
	qc_add_pq(&qc, 0);
	CHECK_ERR(hm_bft_qc_verify(&fx.vs, &qc), HM_OK);
	/* One PQ signature wrong: the QC is refused. */
	saved = pq_sig[1][0][100];
	pq_sig[1][0][100] ^= 0x40;
	CHECK_ERR(hm_bft_qc_verify(&fx.vs, &qc), HM_ERR_VERIFY);
	pq_sig[1][0][100] = saved;
	CHECK_ERR(hm_bft_qc_verify(&fx.vs, &qc), HM_OK);
	/* One PQ signature missing, or of another length. */
	qc.sigs[2].pq.len = 0;
	CHECK_ERR(hm_bft_qc_verify(&fx.vs, &qc), HM_ERR_INVALID);
	qc.sigs[2].pq.len = HM_BFT_PQ_SIG_LEN - 1;
	CHECK_ERR(hm_bft_qc_verify(&fx.vs, &qc), HM_ERR_INVALID);
	qc.sigs[2].pq.len = HM_BFT_PQ_SIG_LEN;
	/* A valid PQ signature of another signer in its place. */
	qc.sigs[2].pq.sig = pq_sig[0][0];
	CHECK_ERR(hm_bft_qc_verify(&fx.vs, &qc), HM_ERR_VERIFY);
	qc.sigs[2].pq.sig = pq_sig[2][0];
	/* An Ed25519 signature wrong, PQ fine: refused as well. */
	qc.sigs[0].sig[5] ^= 1;
	CHECK_ERR(hm_bft_qc_verify(&fx.vs, &qc), HM_ERR_VERIFY);
	qc.sigs[0].sig[5] ^= 1;
	/* The same validators under ed25519 refuse the hybrid-shaped QC. */
	ed = fx.vs;
	ed.policy = HM_BFT_POLICY_ED25519;
	CHECK_ERR(hm_bft_qc_verify(&ed, &qc), HM_ERR_INVALID);
	/* The PQ signature is over the vote domain and the chain: not a timeout's. */
	CHECK_ERR(hm_bft_verify_pq(&fx.vs, HM_BFT_DOMAIN_TIMEOUT, 0, 3, NULL, 0, &qc.sigs[0].pq),
	          HM_ERR_VERIFY);
	CHECK_ERR(hm_bft_verify_pq(&fx.vs, HM_BFT_DOMAIN_VOTE, 9, 3, h, 0, &qc.sigs[0].pq),
	          HM_ERR_RANGE);
}

static void test_hybrid_tc(void)
{
	struct hm_bft_qc hqc;
	struct hm_bft_tc *tc = calloc(1, sizeof(*tc));
	uint8_t h[32] = { 9 };

	hybrid_init(4);
	fx_qc(&fx, &hqc, 2, h, 0xe);
	qc_add_pq(&hqc, 1);
	fx_tc(&fx, tc, 4, &hqc, 0xb);
	CHECK_ERR(hm_bft_tc_verify(&fx.vs, tc), HM_ERR_INVALID);
	for (uint16_t i = 0; i < tc->nsigs; i++) {
		uint16_t v = tc->sigs[i].signer;

		CHECK_ERR(hm_bft_sign_pq(&fx.vs, HM_BFT_DOMAIN_TIMEOUT, pq_sk[v], 4, NULL, 2,
		                         pq_sig[v][2]),
		          HM_OK);
		tc->sigs[i].pq.sig = pq_sig[v][2];
		tc->sigs[i].pq.len = HM_BFT_PQ_SIG_LEN;
	}
	CHECK_ERR(hm_bft_tc_verify(&fx.vs, tc), HM_OK);
	pq_sig[3][2][0] ^= 1;
	CHECK_ERR(hm_bft_tc_verify(&fx.vs, tc), HM_ERR_VERIFY);
	pq_sig[3][2][0] ^= 1;
	/* A wrong PQ signature inside its high QC. */
	pq_sig[2][1][7] ^= 1;
	CHECK_ERR(hm_bft_tc_verify(&fx.vs, tc), HM_ERR_VERIFY);
	pq_sig[2][1][7] ^= 1;
	CHECK_ERR(hm_bft_tc_verify(&fx.vs, tc), HM_OK);
	free(tc);
}

/* Hybrid encodings round-trip; a PQ signature of the wrong length still decodes (shape is policy).
 */
static void test_hybrid_codec(void)
{
	struct hm_bft_msg *m = calloc(1, sizeof(*m)), *d = calloc(1, sizeof(*d));
	struct hm_buf b, b2;
	uint8_t h[32] = { 3 };

	hybrid_init(4);
	hm_buf_init(&b);
	hm_buf_init(&b2);
	m->type = HM_BFT_MSG_PROPOSAL;
	fx_block(&fx, &m->u.proposal.block, 2, 1, &(struct hm_bft_qc){ 0 }, 10);
	fx_qc(&fx, &m->u.proposal.block.justify, 1, h, 0x7);
	qc_add_pq(&m->u.proposal.block.justify, 3);
	memcpy(m->u.proposal.block.parent, h, 32);
	m->u.proposal.pq.sig = pq_sig[0][0];
	m->u.proposal.pq.len = HM_BFT_PQ_SIG_LEN;
	CHECK_ERR(hm_bft_msg_encode(&b, m), HM_OK);
	/* 1 + block + 3 x (2 + 64 + 2 + 4627) in the QC + 64 + 2 + 4627 */
	CHECK(b.len > 4 * (HM_BFT_PQ_SIG_LEN + 2));
	CHECK_ERR(hm_bft_msg_decode(d, b.data, b.len), HM_OK);
	CHECK_ERR(hm_bft_msg_check_shape(&fx.vs, d), HM_OK);
	CHECK_EQ(d->u.proposal.pq.len, HM_BFT_PQ_SIG_LEN);
	CHECK_EQ(d->u.proposal.block.justify.sigs[2].pq.len, HM_BFT_PQ_SIG_LEN);
	CHECK_ERR(hm_bft_msg_encode(&b2, d), HM_OK);
	CHECK_EQ(b2.len, b.len);
	CHECK_MEM(b2.data, b.data, b.len);
	/* Every truncation is refused. */
	for (size_t cut = 0; cut < b.len; cut += 97)
		CHECK(hm_bft_msg_decode(d, b.data, cut) != HM_OK);
	CHECK(hm_bft_msg_decode(d, b.data, b.len - 1) != HM_OK);
	/* A shorter PQ signature decodes but has the wrong shape. */
	m->u.proposal.pq.len = 100;
	hm_buf_truncate(&b, 0);
	CHECK_ERR(hm_bft_msg_encode(&b, m), HM_OK);
	CHECK_ERR(hm_bft_msg_decode(d, b.data, b.len), HM_OK);
	CHECK_ERR(hm_bft_msg_check_shape(&fx.vs, d), HM_ERR_INVALID);
	hm_buf_free(&b);
	hm_buf_free(&b2);
	free(m);
	free(d);
}

static struct hm_bft_replica *replica(uint16_t self, struct fx_store *st, int with_pq_key)
{
	struct hm_bft_storage s = fx_storage(st);
	struct hm_bft_config c;
	struct hm_bft_replica *r = NULL;

	memset(&c, 0, sizeof(c));
	c.validators = &fx.vs;
	c.self = self;
	c.sk = fx.sk[self];
	c.pq_sk = with_pq_key ? pq_sk[self] : NULL;
	c.storage = &s;
	c.base_timeout_ms = 1000;
	if (with_pq_key || fx.vs.policy == HM_BFT_POLICY_ED25519)
		CHECK_ERR(hm_bft_replica_new(&r, &c, 0), HM_OK);
	else
		CHECK_ERR(hm_bft_replica_new(&r, &c, 0), HM_ERR_INVALID);
	return r;
}

static void drain_all(struct hm_bft_replica *r, struct hm_buf *vote)
{
	struct hm_bft_output o;

	while (hm_bft_replica_next_output(r, &o) == HM_OK) {
		if (vote != NULL && o.kind == HM_BFT_OUT_SEND &&
		    o.data.data[0] == HM_BFT_MSG_VOTE) {
			hm_buf_truncate(vote, 0);
			CHECK_ERR(hm_buf_append(vote, o.data.data, o.data.len), HM_OK);
		}
		hm_buf_free(&o.data);
	}
}

/* A proposal message for view 1 from leader 1, with or without the PQ half. */
static void proposal(struct hm_buf *out, int with_pq, int corrupt_pq)
{
	struct hm_bft_msg *m = calloc(1, sizeof(*m));
	struct hm_bft_qc g;
	uint8_t hash[32];

	fx_genesis_qc(&fx, &g);
	m->type = HM_BFT_MSG_PROPOSAL;
	fx_block(&fx, &m->u.proposal.block, 1, 0, &g, 10);
	hm_bft_block_hash(hash, fx.vs.chain_id, fx.vs.chain_id_len, &m->u.proposal.block);
	CHECK_ERR(hm_bft_sign(&fx.vs, HM_BFT_DOMAIN_PROPOSAL, fx.sk[1], 1, hash, 0,
	                      m->u.proposal.sig),
	          HM_OK);
	if (with_pq) {
		CHECK_ERR(hm_bft_sign_pq(&fx.vs, HM_BFT_DOMAIN_PROPOSAL, pq_sk[1], 1, hash, 0,
		                         pq_sig[1][3]),
		          HM_OK);
		if (corrupt_pq)
			pq_sig[1][3][42] ^= 1;
		m->u.proposal.pq.sig = pq_sig[1][3];
		m->u.proposal.pq.len = HM_BFT_PQ_SIG_LEN;
	}
	hm_buf_truncate(out, 0);
	CHECK_ERR(hm_bft_msg_encode(out, m), HM_OK);
	free(m);
}

/*
 * A hybrid replica votes (with both signatures) only for a proposal whose
 * both signatures verify; Ed25519-shaped messages are dropped and counted.
 * An ed25519 replica drops hybrid-shaped ones the same way.
 */
static void test_replica_policies(void)
{
	struct fx_store st = { 0 }, st2 = { 0 };
	struct hm_bft_replica *r;
	struct hm_bft_status s;
	struct hm_bft_msg *d = calloc(1, sizeof(*d));
	struct hm_buf p, vote;

	hm_buf_init(&p);
	hm_buf_init(&vote);
	hybrid_init(4);
	CHECK(replica(0, &st, 0) == NULL); /* hybrid needs the PQ key */
	r = replica(0, &st, 1);
	drain_all(r, NULL);
	proposal(&p, 0, 0);
	CHECK_ERR(hm_bft_replica_on_message(r, p.data, p.len, 20), HM_ERR_INVALID);
	hm_bft_replica_status(r, &s);
	CHECK_EQ(s.wrong_shape, 1);
	CHECK_EQ(s.last_voted_view, 0);
	proposal(&p, 1, 1);
	CHECK_ERR(hm_bft_replica_on_message(r, p.data, p.len, 20), HM_ERR_VERIFY);
	hm_bft_replica_status(r, &s);
	CHECK_EQ(s.wrong_shape, 1);
	CHECK_EQ(s.last_voted_view, 0);
	proposal(&p, 1, 0);
	CHECK_ERR(hm_bft_replica_on_message(r, p.data, p.len, 20), HM_OK);
	drain_all(r, &vote);
	hm_bft_replica_status(r, &s);
	CHECK_EQ(s.last_voted_view, 1);
	/* Its vote carries both signatures, each valid. */
	CHECK_ERR(hm_bft_msg_decode(d, vote.data, vote.len), HM_OK);
	CHECK_EQ(d->type, HM_BFT_MSG_VOTE);
	CHECK_ERR(
	        hm_bft_verify(&fx.vs, HM_BFT_DOMAIN_VOTE, 0, 1, d->u.vote.block, 0, d->u.vote.sig),
	        HM_OK);
	CHECK_ERR(hm_bft_verify_pq(&fx.vs, HM_BFT_DOMAIN_VOTE, 0, 1, d->u.vote.block, 0,
	                           &d->u.vote.pq),
	          HM_OK);
	hm_bft_replica_del(r);

	/* The same validators under ed25519: the hybrid proposal is dropped. */
	fx.vs.policy = HM_BFT_POLICY_ED25519;
	memset(fx.vs.policy_commit, 0, 32);
	hm_bft_genesis(&fx.vs, &fx.genesis, fx.genesis_hash);
	r = replica(0, &st2, 0);
	drain_all(r, NULL);
	proposal(&p, 1, 0);
	CHECK_ERR(hm_bft_replica_on_message(r, p.data, p.len, 20), HM_ERR_INVALID);
	hm_bft_replica_status(r, &s);
	CHECK_EQ(s.wrong_shape, 1);
	CHECK_EQ(s.last_voted_view, 0);
	proposal(&p, 0, 0);
	CHECK_ERR(hm_bft_replica_on_message(r, p.data, p.len, 20), HM_OK);
	hm_bft_replica_status(r, &s);
	CHECK_EQ(s.last_voted_view, 1);
	CHECK_EQ(s.wrong_shape, 1);
	hm_bft_replica_del(r);
	fx_store_free(&st);
	fx_store_free(&st2);
	hm_buf_free(&p);
	hm_buf_free(&vote);
	free(d);
}

TEST_MAIN(test_policy_names, test_genesis_binds_policy, test_hybrid_qc, test_hybrid_tc,
          test_hybrid_codec, test_replica_policies)
