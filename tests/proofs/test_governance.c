/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The governance module over a real LMDB environment: genesis, who may
 * change what, payload checks, and the proof-state view the validator reads
 * (a difficulty raised by governance makes old work insufficient).
 */
#define _GNU_SOURCE /* mkdtemp */
#include "test.h"

#include "hypermesh/governance.h"
#include "hypermesh/op_verifier.h"
#include "proofs/proofs_fixture.h"

static struct fx F;
static int F_ok;
static char dbdir[64];
static MDB_env *env;
static struct hm_module mod;

static int node_height(void *ctx, uint64_t *h)
{
	(void)ctx;
	*h = FX_HEIGHT;
	return HM_OK;
}

static int node_block_hash(void *ctx, uint64_t height, uint8_t hash[32])
{
	(void)ctx;
	if (height > FX_HEIGHT)
		return HM_ERR_NOT_FOUND;
	fx_block_hash(height, hash);
	return HM_OK;
}

static int setup(void)
{
	MDB_txn *txn;

	if (fx_init(&F) != 0)
		return -1;
	strcpy(dbdir, "/tmp/hm-gov-XXXXXX");
	if (mkdtemp(dbdir) == NULL || mdb_env_create(&env) || mdb_env_set_maxdbs(env, 8) ||
	    mdb_env_open(env, dbdir, MDB_NOSYNC, 0600))
		return -1;
	if (hm_gov_module_new(&mod) != HM_OK || mdb_txn_begin(env, NULL, 0, &txn))
		return -1;
	if (mod.open(mod.ctx, env, txn) != HM_OK) {
		mdb_txn_abort(txn);
		return -1;
	}
	return mdb_txn_commit(txn) ? -1 : 0;
}

/* Runs op (type, payload) signed by signer through check and apply in a fresh transaction. */
static int apply(uint16_t type, const struct hm_buf *payload, const uint8_t signer[32])
{
	struct hm_block_info b = { FX_HEIGHT, 0, { 0 }, 0 };
	struct hm_op op;
	MDB_txn *txn;
	int rc;

	memset(&op, 0, sizeof(op));
	op.type = type;
	op.payload = payload->data;
	op.payload_len = payload->len;
	memcpy(op.signer, signer, 32);
	if ((rc = mod.check(mod.ctx, &op)) != HM_OK)
		return rc;
	if (mdb_txn_begin(env, NULL, 0, &txn))
		return HM_ERR_IO;
	rc = mod.apply(mod.ctx, txn, &b, &op, NULL);
	if (rc == HM_OK)
		return mdb_txn_commit(txn) ? HM_ERR_IO : HM_OK;
	mdb_txn_abort(txn);
	return rc;
}

static void test_genesis(void)
{
	uint8_t admin[1][32];
	struct hm_gov_genesis g;
	MDB_txn *txn;

	F_ok = setup() == 0;
	CHECK(F_ok);
	if (!F_ok)
		return;
	fx_key_id(&F.root_key, admin[0]); /* the admin signs with the root's key id here */
	g = (struct hm_gov_genesis){ F.root.der, F.root.len, 1, admin, FX_BITS, FX_T, FX_WINDOW, 0, NULL };
	CHECK(mdb_txn_begin(env, NULL, 0, &txn) == 0);
	CHECK_ERR(hm_gov_genesis_apply(mod.ctx, txn, &(struct hm_gov_genesis){ 0 }),
	          HM_ERR_INVALID);
	g.vdf_iterations = 0;
	CHECK_ERR(hm_gov_genesis_apply(mod.ctx, txn, &g), HM_ERR_INVALID);
	g.vdf_iterations = FX_T;
	g.default_work_bits = 65;
	CHECK_ERR(hm_gov_genesis_apply(mod.ctx, txn, &g), HM_ERR_INVALID);
	g.default_work_bits = FX_BITS;
	CHECK_ERR(hm_gov_genesis_apply(mod.ctx, txn, &g), HM_OK);
	CHECK_ERR(hm_gov_genesis_apply(mod.ctx, txn, &g), HM_ERR_EXISTS);
	CHECK(mdb_txn_commit(txn) == 0);
}

static void test_payload_checks(void)
{
	struct hm_op op;
	struct hm_buf p;
	uint8_t root[32] = { 0 }, id[32] = { 0 };

	if (!F_ok)
		return;
	memset(&op, 0, sizeof(op));
	hm_buf_init(&p);
	CHECK_ERR(hm_gov_plot_register_encode(FX_LOG2, root, &p), HM_OK);
	op.type = HM_OP_GOV_PLOT_REGISTER;
	op.payload = p.data;
	op.payload_len = p.len;
	CHECK_ERR(mod.check(mod.ctx, &op), HM_OK);
	op.payload_len = p.len - 1;
	CHECK_ERR(mod.check(mod.ctx, &op), HM_ERR_TRUNCATED);
	CHECK_ERR(hm_buf_append_byte(&p, 0), HM_OK);
	op.payload = p.data;
	op.payload_len = p.len;
	CHECK_ERR(mod.check(mod.ctx, &op), HM_ERR_TRAILING);
	p.data[0] = HM_SPACE_LOG2_MIN - 1;
	op.payload_len = p.len - 1;
	CHECK_ERR(mod.check(mod.ctx, &op), HM_ERR_INVALID);
	op.type = 0x00ff; /* in the range, not an operation */
	CHECK_ERR(mod.check(mod.ctx, &op), HM_ERR_INVALID);
	hm_buf_free(&p);
	CHECK_ERR(hm_gov_set_difficulty_encode(0x0201, 65, &p), HM_OK);
	op.type = HM_OP_GOV_SET_DIFFICULTY;
	op.payload = p.data;
	op.payload_len = p.len;
	CHECK_ERR(mod.check(mod.ctx, &op), HM_ERR_INVALID);
	hm_buf_free(&p);
	CHECK_ERR(hm_gov_set_time_encode(0, 5, &p), HM_OK);
	op.type = HM_OP_GOV_SET_TIME;
	op.payload = p.data;
	op.payload_len = p.len;
	CHECK_ERR(mod.check(mod.ctx, &op), HM_ERR_INVALID);
	hm_buf_free(&p);
	CHECK_ERR(hm_gov_set_stake_encode(id, (enum hm_stake_level)4, 1, &p), HM_OK);
	op.type = HM_OP_GOV_SET_STAKE;
	op.payload = p.data;
	op.payload_len = p.len;
	CHECK_ERR(mod.check(mod.ctx, &op), HM_ERR_INVALID);
	hm_buf_free(&p);
}

/* The full validator, reading state through the governance view. */
static int validate_in_state(const struct hm_buf *bytes, struct hm_proofs_result *res)
{
	struct hm_gov_view view;
	struct hm_proof_state st;
	struct hm_proofs_context ctx;
	struct hm_envelope e;
	uint8_t digest[32];
	MDB_txn *txn;
	int rc;

	if ((rc = hm_envelope_decode(&e, digest, bytes->data, bytes->len)) != HM_OK)
		return rc;
	if (mdb_txn_begin(env, NULL, MDB_RDONLY, &txn))
		return HM_ERR_IO;
	view = (struct hm_gov_view){ mod.ctx, txn, NULL, node_block_hash, node_height, NULL };
	hm_gov_state(&view, &st);
	ctx = (struct hm_proofs_context){ .state = &st, .chain_id = F.chain_id, .now_s = FX_NOW };
	rc = hm_proofs_validate(&e, digest, &ctx, res);
	mdb_txn_abort(txn);
	return rc;
}

static void test_governed_validation(void)
{
	uint8_t admin[32], leaf[32], other[32];
	struct hm_proofs_result res;
	struct hm_buf p, op8;

	if (!F_ok)
		return;
	fx_key_id(&F.root_key, admin);
	fx_key_id(&F.leaf_key, leaf);
	fx_key_id(&F.other_key, other);
	hm_buf_init(&p);
	hm_buf_init(&op8);
	CHECK_ERR(fx_build(&F, &(struct fx_op){ .work_bits = FX_BITS }, &op8), HM_OK);

	/* Before registration: PoSpace refused. */
	CHECK_ERR(validate_in_state(&op8, &res), HM_ERR_VERIFY);
	CHECK_EQ(res.failed, HM_PROOF_BIT(HM_PROOF_SPACE));
	CHECK_EQ(res.reason[HM_PROOF_SPACE], HM_PROOF_SPACE_UNREGISTERED);

	/*
	 * The leaf registers its own plot. Its registration passes PoSpace
	 * against the plot it registers (nothing is registered yet); one
	 * naming another root does not.
	 */
	CHECK_ERR(hm_gov_plot_register_encode(F.commitment.log2_labels, F.commitment.root, &p),
	          HM_OK);
	{
		struct hm_buf reg;

		hm_buf_init(&reg);
		CHECK_ERR(fx_build(&F,
		                   &(struct fx_op){ .type = HM_OP_GOV_PLOT_REGISTER,
		                                    .payload = (const char *)p.data,
		                                    .payload_len = p.len },
		                   &reg),
		          HM_OK);
		CHECK_ERR(validate_in_state(&reg, &res), HM_OK);
		hm_buf_free(&reg);
		p.data[1] ^= 1;
		CHECK_ERR(fx_build(&F,
		                   &(struct fx_op){ .type = HM_OP_GOV_PLOT_REGISTER,
		                                    .payload = (const char *)p.data,
		                                    .payload_len = p.len },
		                   &reg),
		          HM_OK);
		CHECK_ERR(validate_in_state(&reg, &res), HM_ERR_VERIFY);
		CHECK_EQ(res.failed, HM_PROOF_BIT(HM_PROOF_SPACE));
		CHECK_EQ(res.reason[HM_PROOF_SPACE], HM_PROOF_SPACE_PATH);
		p.data[1] ^= 1;
		/* A malformed registration payload. */
		hm_buf_free(&reg);
		CHECK_ERR(fx_build(&F,
		                   &(struct fx_op){ .type = HM_OP_GOV_PLOT_REGISTER,
		                                    .payload = (const char *)p.data,
		                                    .payload_len = p.len - 1 },
		                   &reg),
		          HM_OK);
		CHECK_ERR(validate_in_state(&reg, &res), HM_ERR_VERIFY);
		CHECK_EQ(res.reason[HM_PROOF_SPACE], HM_PROOF_MALFORMED);
		hm_buf_free(&reg);
	}
	CHECK_ERR(apply(HM_OP_GOV_PLOT_REGISTER, &p, leaf), HM_OK);
	CHECK_ERR(validate_in_state(&op8, &res), HM_OK);
	CHECK_EQ(res.failed, 0);

	/* Raising the type's difficulty: by a non-admin refused, by the admin accepted. */
	hm_buf_free(&p);
	CHECK_ERR(hm_gov_set_difficulty_encode(0x0201, 24, &p), HM_OK);
	CHECK_ERR(apply(HM_OP_GOV_SET_DIFFICULTY, &p, leaf), HM_ERR_PERMISSION);
	CHECK_ERR(validate_in_state(&op8, &res), HM_OK);
	CHECK_ERR(apply(HM_OP_GOV_SET_DIFFICULTY, &p, admin), HM_OK);
	{
		/* The old work is now insufficient, unless its hash had 24 zero bits by luck. */
		struct hm_envelope e;
		struct hm_proof_set ps;
		uint8_t d[32];
		int lucky;

		CHECK_ERR(hm_envelope_decode(&e, d, op8.data, op8.len), HM_OK);
		CHECK_ERR(hm_proof_set_decode(&ps, e.proofs, e.proofs_len), HM_OK);
		lucky = hm_work_bits(d, ps.work_nonce) >= 24;
		CHECK_ERR(validate_in_state(&op8, &res), lucky ? HM_OK : HM_ERR_VERIFY);
		CHECK_EQ(res.failed, lucky ? 0 : HM_PROOF_BIT(HM_PROOF_WORK));
		if (!lucky)
			CHECK_EQ(res.reason[HM_PROOF_WORK], HM_PROOF_WORK_INSUFFICIENT);
	}

	/* A requirement of stake for the type, and the admin granting it. */
	hm_buf_free(&p);
	CHECK_ERR(hm_gov_set_difficulty_encode(0x0201, FX_BITS, &p), HM_OK);
	CHECK_ERR(apply(HM_OP_GOV_SET_DIFFICULTY, &p, admin), HM_OK);
	hm_buf_free(&p);
	CHECK_ERR(hm_gov_set_requirement_encode(0x0201, HM_STAKE_USER, 50, &p), HM_OK);
	CHECK_ERR(apply(HM_OP_GOV_SET_REQUIREMENT, &p, leaf), HM_ERR_PERMISSION);
	CHECK_ERR(apply(HM_OP_GOV_SET_REQUIREMENT, &p, admin), HM_OK);
	CHECK_ERR(validate_in_state(&op8, &res), HM_ERR_VERIFY);
	CHECK_EQ(res.failed, HM_PROOF_BIT(HM_PROOF_STAKE));
	CHECK_EQ(res.reason[HM_PROOF_STAKE], HM_PROOF_STAKE_LEVEL);
	hm_buf_free(&p);
	CHECK_ERR(hm_gov_set_stake_encode(leaf, HM_STAKE_USER, 49, &p), HM_OK);
	CHECK_ERR(apply(HM_OP_GOV_SET_STAKE, &p, other), HM_ERR_PERMISSION);
	CHECK_ERR(apply(HM_OP_GOV_SET_STAKE, &p, admin), HM_OK);
	CHECK_ERR(validate_in_state(&op8, &res), HM_ERR_VERIFY);
	CHECK_EQ(res.reason[HM_PROOF_STAKE], HM_PROOF_STAKE_AMOUNT);
	hm_buf_free(&p);
	CHECK_ERR(hm_gov_set_stake_encode(leaf, HM_STAKE_USER, 50, &p), HM_OK);
	CHECK_ERR(apply(HM_OP_GOV_SET_STAKE, &p, admin), HM_OK);
	CHECK_ERR(validate_in_state(&op8, &res), HM_OK);

	/* Governance changes T: the old VDF proof's iterations are refused. */
	hm_buf_free(&p);
	CHECK_ERR(hm_gov_set_time_encode(FX_T * 2, FX_WINDOW, &p), HM_OK);
	CHECK_ERR(apply(HM_OP_GOV_SET_TIME, &p, leaf), HM_ERR_PERMISSION);
	CHECK_ERR(apply(HM_OP_GOV_SET_TIME, &p, admin), HM_OK);
	CHECK_ERR(validate_in_state(&op8, &res), HM_ERR_VERIFY);
	CHECK_EQ(res.failed, HM_PROOF_BIT(HM_PROOF_TIME));
	CHECK_EQ(res.reason[HM_PROOF_TIME], HM_PROOF_TIME_ITERATIONS);
	/* A narrower window makes the anchor stale. */
	hm_buf_free(&p);
	CHECK_ERR(hm_gov_set_time_encode(FX_T, 1, &p), HM_OK);
	CHECK_ERR(apply(HM_OP_GOV_SET_TIME, &p, admin), HM_OK);
	CHECK_ERR(validate_in_state(&op8, &res), HM_ERR_VERIFY);
	CHECK_EQ(res.reason[HM_PROOF_TIME], HM_PROOF_TIME_STALE);
	hm_buf_free(&p);
	hm_buf_free(&op8);
}

static int verifier_txn_begin(void *ctx, MDB_txn **txn)
{
	(void)ctx;
	return mdb_txn_begin(env, NULL, MDB_RDONLY, txn) ? HM_ERR_IO : HM_OK;
}

static void verifier_txn_end(void *ctx, MDB_txn *txn)
{
	(void)ctx;
	mdb_txn_abort(txn);
}

static void test_op_verifier(void)
{
	struct hm_op_verifier v;
	struct hm_block_info b = { FX_HEIGHT + 1, (uint64_t)FX_NOW * 1000, { 0 }, 0 };
	struct hm_proofs_result res;
	struct hm_op op;
	uint8_t leaf[32], admin[32], digest[32];
	struct hm_buf tx;

	if (!F_ok)
		return;
	memset(&v, 0, sizeof(v));
	v.gov_ctx = mod.ctx;
	memcpy(v.chain_id, F.chain_id, sizeof(v.chain_id));
	v.block_hash = node_block_hash;
	v.height = node_height;
	v.txn_begin = verifier_txn_begin;
	v.txn_end = verifier_txn_end;
	hm_vdf_cache_init(&v.cache);
	fx_key_id(&F.leaf_key, leaf);
	fx_key_id(&F.root_key, admin);
	hm_buf_init(&tx);
	/* Undo the narrow window the previous case left. */
	CHECK_ERR(hm_gov_set_time_encode(FX_T, FX_WINDOW, &tx), HM_OK);
	CHECK_ERR(apply(HM_OP_GOV_SET_TIME, &tx, admin), HM_OK);
	hm_buf_free(&tx);
	CHECK_ERR(fx_build(&F, &(struct fx_op){ .payload = "hello" }, &tx), HM_OK);
	CHECK_ERR(hm_op_verify(&v, tx.data, tx.len, &b, &op), HM_OK);
	CHECK_EQ(op.type, 0x0201);
	CHECK_EQ(op.payload_len, 5);
	CHECK(op.payload_len == 5 && memcmp(op.payload, "hello", 5) == 0);
	CHECK_MEM(op.signer, leaf, 32);
	CHECK_ERR(hm_op_verifier_check(&v, tx.data, tx.len, FX_NOW, &res, digest), HM_OK);
	CHECK_MEM(op.digest, digest, 32);
	CHECK_EQ(v.cache.hits, 1);
	/* Certificates are judged at the block's time. */
	b.timestamp_ms = (uint64_t)(FX_NOT_BEFORE - 10) * 1000;
	CHECK_ERR(hm_op_verify(&v, tx.data, tx.len, &b, &op), HM_ERR_VERIFY);
	CHECK_EQ(v.last.reason[HM_PROOF_STAKE], HM_PROOF_STAKE_TIME);
	/* Garbage: the decode error, all four malformed. */
	CHECK_ERR(hm_op_verify(&v, (const uint8_t *)"junk", 4, &b, &op), HM_ERR_INVALID);
	CHECK_EQ(v.last.failed, 0xf);
	CHECK_EQ(v.last.reason[HM_PROOF_TIME], HM_PROOF_MALFORMED);
	CHECK_ERR(hm_op_verify(&v, tx.data, tx.len - 1, &b, &op), HM_ERR_TRUNCATED);
	v.txn_begin = NULL;
	CHECK_ERR(hm_op_verify(&v, tx.data, tx.len, &b, &op), HM_ERR_INVALID);
	hm_buf_free(&tx);
}

static void test_zz_cleanup(void)
{
	char path[128];

	if (mod.close)
		mod.close(mod.ctx);
	if (env)
		mdb_env_close(env);
	snprintf(path, sizeof(path), "%s/data.mdb", dbdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dbdir);
	unlink(path);
	rmdir(dbdir);
	if (F_ok)
		fx_free(&F);
}

TEST_MAIN(test_genesis, test_payload_checks, test_governed_validation, test_op_verifier,
          test_zz_cleanup)
