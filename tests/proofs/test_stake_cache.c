/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PoStake's certificate-chain cache (proofs.h hm_stake_cache): a chain that
 * verified once is found again, yet everything that is not a property of the
 * chain alone is still judged for every operation: the operation's
 * signature, revocation in state, the block's time against the chain's
 * validity window, another root in state, level and stake. Refused chains
 * are never cached.
 */
#define _GNU_SOURCE /* mkdtemp */
#include "test.h"

#include "hypermesh/prover.h"
#include "proofs/proofs_fixture.h"

static struct fx F;
static int F_state; /* 0 not yet, 1 ready, -1 failed */
static struct hm_stake_cache C;

/* The fixture in its honest state, validating through an empty cache. */
static struct fx *fx(void)
{
	if (F_state == 0)
		F_state = fx_init(&F) == 0 ? 1 : -1;
	CHECK(F_state == 1);
	if (F_state != 1)
		return NULL;
	fx_reset_state(&F);
	hm_stake_cache_init(&C);
	F.ctx.stake_cache = &C;
	return &F;
}

/* Validates o and checks which proofs failed (and the PoStake reason). */
static void expect(struct fx *f, const struct fx_op *o, unsigned failed,
                   enum hm_proof_reason stake_reason)
{
	struct hm_proofs_result res;
	struct hm_buf b;

	hm_buf_init(&b);
	CHECK_ERR(fx_build(f, o, &b), HM_OK);
	CHECK_ERR(fx_validate(f, &b, &res), failed ? HM_ERR_VERIFY : HM_OK);
	CHECK_EQ(res.failed, failed);
	CHECK_EQ(res.reason[HM_PROOF_STAKE], stake_reason);
	hm_buf_free(&b);
}

static void test_second_operation_hits(void)
{
	struct fx *f = fx();
	struct hm_proofs_result res;
	uint8_t id[32];
	struct hm_buf b;

	if (!f)
		return;
	expect(f, &(struct fx_op){ 0 }, 0, HM_PROOF_OK);
	CHECK_EQ(C.misses, 1);
	CHECK_EQ(C.hits, 0);
	/* The same signer again: the chain comes from the cache. */
	hm_buf_init(&b);
	CHECK_ERR(fx_build(f, &(struct fx_op){ 0 }, &b), HM_OK);
	CHECK_ERR(fx_validate(f, &b, &res), HM_OK);
	CHECK_EQ(C.hits, 1);
	CHECK_EQ(C.misses, 1);
	fx_key_id(&f->leaf_key, id);
	CHECK(res.signer_known);
	CHECK_MEM(res.signer, id, 32);
	hm_buf_free(&b);
}

static void test_hit_still_checks_the_signature(void)
{
	struct fx *f = fx();

	if (!f)
		return;
	expect(f, &(struct fx_op){ 0 }, 0, HM_PROOF_OK);
	/* The leaf's cached chain, another key's signature. */
	expect(f, &(struct fx_op){ .signer = &f->other_key }, HM_PROOF_BIT(HM_PROOF_STAKE),
	       HM_PROOF_STAKE_SIGNATURE);
	CHECK_EQ(C.hits, 1);
}

static void test_revocation_takes_effect_at_once(void)
{
	struct fx *f = fx();

	if (!f)
		return;
	expect(f, &(struct fx_op){ 0 }, 0, HM_PROOF_OK);
	f->revoked_serial = 3; /* the leaf */
	expect(f, &(struct fx_op){ 0 }, HM_PROOF_BIT(HM_PROOF_STAKE), HM_PROOF_STAKE_REVOKED);
	f->revoked_serial = 2; /* the intermediate */
	expect(f, &(struct fx_op){ 0 }, HM_PROOF_BIT(HM_PROOF_STAKE), HM_PROOF_STAKE_REVOKED);
	CHECK_EQ(C.hits, 2);
	f->revoked_serial = 0;
	expect(f, &(struct fx_op){ 0 }, 0, HM_PROOF_OK);
	CHECK_EQ(C.misses, 1);
}

static void test_time_outside_the_window(void)
{
	struct fx *f = fx();

	if (!f)
		return;
	expect(f, &(struct fx_op){ 0 }, 0, HM_PROOF_OK);
	f->ctx.now_s = FX_NOT_BEFORE - 1;
	expect(f, &(struct fx_op){ 0 }, HM_PROOF_BIT(HM_PROOF_STAKE), HM_PROOF_STAKE_TIME);
	f->ctx.now_s = (uint64_t)FX_NOT_BEFORE + 400000001u;
	expect(f, &(struct fx_op){ 0 }, HM_PROOF_BIT(HM_PROOF_STAKE), HM_PROOF_STAKE_TIME);
	CHECK_EQ(C.hits, 0);
	CHECK_EQ(C.misses, 3);
	/* The edges of the window are inside it. */
	f->ctx.now_s = FX_NOT_BEFORE;
	expect(f, &(struct fx_op){ 0 }, 0, HM_PROOF_OK);
	f->ctx.now_s = (uint64_t)FX_NOT_BEFORE + 400000000u;
	expect(f, &(struct fx_op){ 0 }, 0, HM_PROOF_OK);
	CHECK_EQ(C.hits, 2);
}

static void test_refused_chains_are_not_cached(void)
{
	struct fx *f = fx();
	const struct fx_cert *rogue[2] = { &f->rogue_leaf, &f->rogue_int };
	const struct fx_cert *leaf_only[1] = { &f->leaf };

	if (!f)
		return;
	for (int i = 0; i < 2; i++) {
		expect(f, &(struct fx_op){ .chain = rogue, .n_chain = 2 },
		       HM_PROOF_BIT(HM_PROOF_STAKE), HM_PROOF_STAKE_CHAIN);
		expect(f, &(struct fx_op){ .chain = leaf_only, .n_chain = 1 },
		       HM_PROOF_BIT(HM_PROOF_STAKE), HM_PROOF_STAKE_CHAIN);
	}
	CHECK_EQ(C.hits, 0);
	CHECK_EQ(C.misses, 4);
}

static void test_another_root_in_state(void)
{
	struct fx *f = fx();

	if (!f)
		return;
	expect(f, &(struct fx_op){ 0 }, 0, HM_PROOF_OK);
	/* The same chain under another root is another key: verified again, and refused. */
	f->root_override = f->rogue_root.der;
	f->root_override_len = f->rogue_root.len;
	expect(f, &(struct fx_op){ 0 }, HM_PROOF_BIT(HM_PROOF_STAKE), HM_PROOF_STAKE_CHAIN);
	CHECK_EQ(C.hits, 0);
	CHECK_EQ(C.misses, 2);
}

static void test_hit_still_checks_level_and_stake(void)
{
	struct fx *f = fx();

	if (!f)
		return;
	expect(f, &(struct fx_op){ 0 }, 0, HM_PROOF_OK);
	f->params.min_level = HM_STAKE_VALIDATOR;
	expect(f, &(struct fx_op){ 0 }, HM_PROOF_BIT(HM_PROOF_STAKE), HM_PROOF_STAKE_LEVEL);
	f->params.min_level = HM_STAKE_USER;
	f->params.min_stake = 11;
	expect(f, &(struct fx_op){ 0 }, HM_PROOF_BIT(HM_PROOF_STAKE), HM_PROOF_STAKE_AMOUNT);
	CHECK_EQ(C.hits, 2);
}

static void test_found_by_chain_hash(void)
{
	struct fx *f = fx();
	struct hm_proofs_result res;
	struct hm_envelope env;
	uint8_t digest[32];
	struct hm_buf b;

	if (!f)
		return;
	hm_buf_init(&b);
	CHECK_ERR(fx_build(f, &(struct fx_op){ 0 }, &b), HM_OK);
	CHECK_ERR(hm_envelope_decode(&env, digest, b.data, b.len), HM_OK);
	CHECK_ERR(hm_proofs_validate(&env, digest, &f->ctx, &res), HM_OK);
	/* An entry is found by the chain's hash only: with its key changed, a miss. */
	for (unsigned i = 0; i < HM_STAKE_CACHE_SLOTS; i++)
		if (C.slot[i].used)
			C.slot[i].key[31] ^= 1;
	CHECK_ERR(hm_proofs_validate(&env, digest, &f->ctx, &res), HM_OK);
	CHECK_EQ(C.hits, 0);
	CHECK_EQ(C.misses, 2);
	CHECK_ERR(hm_proofs_validate(&env, digest, &f->ctx, &res), HM_OK);
	CHECK_EQ(C.hits, 1);
	hm_buf_free(&b);
}

static void test_zz_cleanup(void)
{
	if (F_state == 1)
		fx_free(&F);
}

TEST_MAIN(test_second_operation_hits, test_hit_still_checks_the_signature,
          test_revocation_takes_effect_at_once, test_time_outside_the_window,
          test_refused_chains_are_not_cached, test_another_root_in_state,
          test_hit_still_checks_level_and_stake, test_found_by_chain_hash, test_zz_cleanup)
