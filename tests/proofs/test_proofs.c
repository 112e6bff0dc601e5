/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The four proofs against an in-memory state: honest operations verify, and
 * each kind of forgery is refused with its own reason.
 */
#define _GNU_SOURCE /* mkdtemp */
#include "test.h"

#include "hypermesh/prover.h"
#include "proofs/proofs_fixture.h"

static struct fx F;
static int F_state; /* 0 not yet, 1 ready, -1 failed */

static struct fx *fx(void)
{
	if (F_state == 0)
		F_state = fx_init(&F) == 0 ? 1 : -1;
	CHECK(F_state == 1);
	if (F_state == 1)
		fx_reset_state(&F);
	return F_state == 1 ? &F : NULL;
}

/* Builds o, validates it, and checks exactly which proofs failed and why. */
static void expect(struct fx *f, const struct fx_op *o, unsigned failed, enum hm_proof_kind kind,
                   enum hm_proof_reason reason)
{
	struct hm_proofs_result res;
	struct hm_buf b;

	hm_buf_init(&b);
	CHECK_ERR(fx_build(f, o, &b), HM_OK);
	CHECK_ERR(fx_validate(f, &b, &res), failed ? HM_ERR_VERIFY : HM_OK);
	CHECK_EQ(res.failed, failed);
	if (failed)
		CHECK_EQ(res.reason[kind], reason);
	hm_buf_free(&b);
}

/* An honest operation built into b and decoded: env points into b. */
static void honest_envelope(struct fx *f, struct hm_buf *b, struct hm_envelope *env,
                            uint8_t digest[32])
{
	CHECK_ERR(fx_build(f, &(struct fx_op){ 0 }, b), HM_OK);
	CHECK_ERR(hm_envelope_decode(env, digest, b->data, b->len), HM_OK);
}

static void test_honest_operation_verifies(void)
{
	struct fx *f = fx();
	struct hm_proofs_result res;
	uint8_t id[32];
	struct hm_buf b;

	if (!f)
		return;
	hm_buf_init(&b);
	CHECK_ERR(fx_build(f, &(struct fx_op){ 0 }, &b), HM_OK);
	CHECK_ERR(fx_validate(f, &b, &res), HM_OK);
	CHECK_EQ(res.failed, 0);
	for (int k = 0; k < HM_PROOF_KINDS; k++)
		CHECK_EQ(res.reason[k], HM_PROOF_OK);
	fx_key_id(&f->leaf_key, id);
	CHECK(res.signer_known);
	CHECK_MEM(res.signer, id, 32);
	CHECK_ERR(hm_proofs_cert_key_id(f->leaf.der, f->leaf.len, id), HM_OK);
	CHECK_MEM(res.signer, id, 32);
	hm_buf_free(&b);
}

static void test_postake_wrong_key(void)
{
	struct fx *f = fx();

	if (!f)
		return;
	/* The leaf's certificate, another key's signature. */
	expect(f, &(struct fx_op){ .signer = &f->other_key }, HM_PROOF_BIT(HM_PROOF_STAKE),
	       HM_PROOF_STAKE, HM_PROOF_STAKE_SIGNATURE);
}

static void test_postake_chain_not_to_root(void)
{
	struct fx *f = fx();
	const struct fx_cert *rogue[2] = { &f->rogue_leaf, &f->rogue_int };
	const struct fx_cert *leaf_only[1] = { &f->leaf };
	const struct fx_cert *self[1] = { &f->rogue_root };

	if (!f)
		return;
	/* Same names, same leaf key, another root: the signatures do not chain. */
	expect(f, &(struct fx_op){ .chain = rogue, .n_chain = 2 }, HM_PROOF_BIT(HM_PROOF_STAKE),
	       HM_PROOF_STAKE, HM_PROOF_STAKE_CHAIN);
	expect(f, &(struct fx_op){ .chain = leaf_only, .n_chain = 1 }, HM_PROOF_BIT(HM_PROOF_STAKE),
	       HM_PROOF_STAKE, HM_PROOF_STAKE_CHAIN);
	/* A self-signed certificate is not the root; its key also has no plot. */
	expect(f, &(struct fx_op){ .chain = self, .n_chain = 1, .signer = &f->rogue_key },
	       HM_PROOF_BIT(HM_PROOF_STAKE) | HM_PROOF_BIT(HM_PROOF_SPACE), HM_PROOF_STAKE,
	       HM_PROOF_STAKE_CHAIN);
}

static void test_postake_certificate_time(void)
{
	struct fx *f = fx();

	if (!f)
		return;
	f->ctx.now_s = FX_NOT_BEFORE - 1;
	expect(f, &(struct fx_op){ 0 }, HM_PROOF_BIT(HM_PROOF_STAKE), HM_PROOF_STAKE,
	       HM_PROOF_STAKE_TIME);
	f->ctx.now_s = (uint64_t)FX_NOT_BEFORE + 400000001u;
	expect(f, &(struct fx_op){ 0 }, HM_PROOF_BIT(HM_PROOF_STAKE), HM_PROOF_STAKE,
	       HM_PROOF_STAKE_TIME);
}

static void test_postake_level_and_stake(void)
{
	struct fx *f = fx();

	if (!f)
		return;
	f->params.min_level = HM_STAKE_VALIDATOR;
	expect(f, &(struct fx_op){ 0 }, HM_PROOF_BIT(HM_PROOF_STAKE), HM_PROOF_STAKE,
	       HM_PROOF_STAKE_LEVEL);
	fx_reset_state(f);
	f->params.min_stake = 11;
	expect(f, &(struct fx_op){ 0 }, HM_PROOF_BIT(HM_PROOF_STAKE), HM_PROOF_STAKE,
	       HM_PROOF_STAKE_AMOUNT);
	/* The other leaf chains to the root but has no stake entry. */
	fx_reset_state(f);
}

static void test_postake_revoked(void)
{
	struct fx *f = fx();

	if (!f)
		return;
	f->revoked_serial = 3; /* the leaf */
	expect(f, &(struct fx_op){ 0 }, HM_PROOF_BIT(HM_PROOF_STAKE), HM_PROOF_STAKE,
	       HM_PROOF_STAKE_REVOKED);
	f->revoked_serial = 2; /* the intermediate */
	expect(f, &(struct fx_op){ 0 }, HM_PROOF_BIT(HM_PROOF_STAKE), HM_PROOF_STAKE,
	       HM_PROOF_STAKE_REVOKED);
	f->revoked_serial = 4; /* another leaf: no effect on this one */
	expect(f, &(struct fx_op){ 0 }, 0, HM_PROOF_STAKE, HM_PROOF_OK);
	/* Without revocation data, nothing is refused for it. */
	f->revoked_serial = 3;
	f->state.cert_revoked = NULL;
	expect(f, &(struct fx_op){ 0 }, 0, HM_PROOF_STAKE, HM_PROOF_OK);
	f->state.cert_revoked = fxs_cert_revoked;
}

static void test_postake_pq_signature_unexpected(void)
{
	struct fx *f = fx();
	struct hm_envelope env;
	struct hm_proofs_result res;
	uint8_t digest[32], fake[64] = { 1 };
	struct hm_buf b, b2;

	if (!f)
		return;
	hm_buf_init(&b);
	hm_buf_init(&b2);
	honest_envelope(f, &b, &env, digest);
	/* A PQ signature from a classical leaf is refused, never ignored. */
	env.pq_alg = HM_SIG_MLDSA87;
	env.pq_sig = fake;
	env.pq_sig_len = sizeof(fake);
	CHECK_ERR(hm_envelope_encode(&env, &b2), HM_OK);
	CHECK_ERR(fx_validate(f, &b2, &res), HM_ERR_VERIFY);
	CHECK_EQ(res.failed, HM_PROOF_BIT(HM_PROOF_STAKE));
	CHECK_EQ(res.reason[HM_PROOF_STAKE], HM_PROOF_STAKE_PQ_UNEXPECTED);
	hm_buf_free(&b);
	hm_buf_free(&b2);
}

static void test_potime_anchor(void)
{
	struct fx *f = fx();
	struct hm_proofs_result res;
	struct hm_buf b;

	if (!f)
		return;
	/* Stale: the window is 16 blocks. PoSpace shares the anchor and fails too. */
	expect(f, &(struct fx_op){ .anchor_height = FX_HEIGHT - FX_WINDOW - 1 },
	       HM_PROOF_BIT(HM_PROOF_TIME) | HM_PROOF_BIT(HM_PROOF_SPACE), HM_PROOF_TIME,
	       HM_PROOF_TIME_STALE);
	/* At the window's edge it is still fresh (the VDF is for another anchor, though). */
	expect(f, &(struct fx_op){ .anchor_height = FX_HEIGHT - FX_WINDOW },
	       HM_PROOF_BIT(HM_PROOF_TIME), HM_PROOF_TIME, HM_PROOF_TIME_VDF);
	/* Future: built against a block this node has not committed. */
	hm_buf_init(&b);
	f->height = FX_HEIGHT + 1;
	CHECK_ERR(fx_build(f, &(struct fx_op){ .anchor_height = FX_HEIGHT + 1 }, &b), HM_OK);
	f->height = FX_HEIGHT;
	CHECK_ERR(fx_validate(f, &b, &res), HM_ERR_VERIFY);
	CHECK_EQ(res.reason[HM_PROOF_TIME], HM_PROOF_TIME_FUTURE);
	CHECK(res.failed & HM_PROOF_BIT(HM_PROOF_SPACE));
	hm_buf_free(&b);
}

static void test_potime_wrong_anchor_hash(void)
{
	struct fx *f = fx();
	struct hm_envelope env;
	struct hm_proofs_result res;
	uint8_t digest[32];
	struct hm_buf b;

	if (!f)
		return;
	hm_buf_init(&b);
	honest_envelope(f, &b, &env, digest);
	/* The anchor hash sits after version, space, nonce and height in the proof set. */
	size_t at = env.proofs_len - 2 - HM_VDF_PROOF_LEN - 8 - 32;
	((uint8_t *)env.proofs)[at] ^= 1;
	CHECK_ERR(hm_proofs_validate(&env, digest, &f->ctx, &res), HM_ERR_VERIFY);
	CHECK_EQ(res.reason[HM_PROOF_TIME], HM_PROOF_TIME_ANCHOR_HASH);
	CHECK_EQ(res.reason[HM_PROOF_SPACE], HM_PROOF_TIME_ANCHOR_HASH);
	hm_buf_free(&b);
}

static void test_potime_wrong_vdf(void)
{
	struct fx *f = fx();
	struct hm_buf bad, other;
	uint8_t input[HM_TIME_VDF_INPUT_LEN], anchor[32];

	if (!f)
		return;
	/* A flipped byte of the output y. */
	hm_buf_init(&bad);
	CHECK_ERR(hm_buf_append(&bad, f->vdf_proof.data, f->vdf_proof.len), HM_OK);
	bad.data[HM_VDF_FORM_INT_LEN - 1] ^= 1;
	expect(f, &(struct fx_op){ .vdf = &bad }, HM_PROOF_BIT(HM_PROOF_TIME), HM_PROOF_TIME,
	       HM_PROOF_TIME_VDF);
	/* A truncated proof. */
	CHECK_ERR(hm_buf_truncate(&bad, bad.len - 1), HM_OK);
	expect(f, &(struct fx_op){ .vdf = &bad }, HM_PROOF_BIT(HM_PROOF_TIME), HM_PROOF_TIME,
	       HM_PROOF_TIME_VDF);
	/* Iterations claimed differ from state's T. */
	expect(f, &(struct fx_op){ .vdf_iterations = FX_T + 1 }, HM_PROOF_BIT(HM_PROOF_TIME),
	       HM_PROOF_TIME, HM_PROOF_TIME_ITERATIONS);
	/* A real proof of fewer iterations, claimed as T. */
	hm_buf_init(&other);
	fx_block_hash(f->anchor_height, anchor);
	hm_time_vdf_input(f->chain_id, anchor, input);
	CHECK_ERR(hm_vdf_eval(input, sizeof(input), FX_T / 2, &other, NULL, NULL), HM_OK);
	expect(f, &(struct fx_op){ .vdf = &other }, HM_PROOF_BIT(HM_PROOF_TIME), HM_PROOF_TIME,
	       HM_PROOF_TIME_VDF);
	/* State raising T makes the old proof's iterations wrong. */
	f->params.vdf_iterations = FX_T * 2;
	expect(f, &(struct fx_op){ 0 }, HM_PROOF_BIT(HM_PROOF_TIME), HM_PROOF_TIME,
	       HM_PROOF_TIME_ITERATIONS);
	hm_buf_free(&bad);
	hm_buf_free(&other);
}

static void test_potime_cache(void)
{
	struct fx *f = fx();
	struct hm_proofs_result res;
	struct hm_buf a, b;

	if (!f)
		return;
	hm_buf_init(&a);
	hm_buf_init(&b);
	CHECK_ERR(fx_build(f, &(struct fx_op){ 0 }, &a), HM_OK);
	CHECK_ERR(fx_build(f, &(struct fx_op){ .payload = "another operation" }, &b), HM_OK);
	CHECK_ERR(fx_validate(f, &a, &res), HM_OK);
	CHECK_EQ(f->cache.misses, 1);
	CHECK_EQ(f->cache.hits, 0);
	/* Another operation on the same anchor: no second VDF verification. */
	CHECK_ERR(fx_validate(f, &b, &res), HM_OK);
	CHECK_EQ(f->cache.hits, 1);
	/* A failed verification is not cached, and a cached one does not excuse another T. */
	f->params.vdf_iterations = FX_T + 1;
	CHECK_ERR(fx_validate(f, &b, &res), HM_ERR_VERIFY);
	CHECK_EQ(res.reason[HM_PROOF_TIME], HM_PROOF_TIME_ITERATIONS);
	CHECK(f->cache.used <= HM_VDF_CACHE_SLOTS);
	/* Without a cache every operation pays. */
	fx_reset_state(f);
	f->ctx.vdf_cache = NULL;
	CHECK_ERR(fx_validate(f, &a, &res), HM_OK);
	hm_buf_free(&a);
	hm_buf_free(&b);
}

static void test_powork_insufficient(void)
{
	struct fx *f = fx();

	if (!f)
		return;
	expect(f, &(struct fx_op){ .insufficient_work = 1, .work_bits = FX_BITS },
	       HM_PROOF_BIT(HM_PROOF_WORK), HM_PROOF_WORK, HM_PROOF_WORK_INSUFFICIENT);
	/* Work for 8 bits after the type's difficulty rose to 20. */
	f->params.work_bits = 20;
	expect(f, &(struct fx_op){ .insufficient_work = 1, .work_bits = 20 },
	       HM_PROOF_BIT(HM_PROOF_WORK), HM_PROOF_WORK, HM_PROOF_WORK_INSUFFICIENT);
}

static void test_powork_solve(void)
{
	uint8_t digest[32] = { 9 };
	uint64_t nonce;

	CHECK_ERR(hm_work_solve(digest, 12, 0, 0, &nonce), HM_OK);
	CHECK(hm_work_bits(digest, nonce) >= 12);
	for (uint64_t n = 0; n < nonce; n++)
		CHECK(hm_work_bits(digest, n) < 12);
	CHECK_ERR(hm_work_solve(digest, 64, 0, 100, &nonce), HM_ERR_NOT_FOUND);
	CHECK_ERR(hm_work_solve(digest, 65, 0, 1, &nonce), HM_ERR_INVALID);
	CHECK_EQ(hm_work_solve(digest, 0, 5, 1, &nonce), HM_OK);
	CHECK_EQ(nonce, 5);
}

/* Flips one byte at offset off of the first opening's field and validates. */
static void forge_opening(struct fx *f, size_t field_off, enum hm_proof_reason want)
{
	struct hm_envelope env;
	struct hm_proofs_result res;
	uint8_t digest[32];
	struct hm_buf b;

	hm_buf_init(&b);
	honest_envelope(f, &b, &env, digest);
	/* version (1), log2 (1), openings prefix (3), then the first opening. */
	((uint8_t *)env.proofs)[5 + field_off] ^= 0x80;
	CHECK_ERR(hm_proofs_validate(&env, digest, &f->ctx, &res), HM_ERR_VERIFY);
	CHECK_EQ(res.failed, HM_PROOF_BIT(HM_PROOF_SPACE));
	CHECK_EQ(res.reason[HM_PROOF_SPACE], want);
	hm_buf_free(&b);
}

static void test_pospace_forged_openings(void)
{
	struct fx *f = fx();

	if (!f)
		return;
	forge_opening(f, 0, HM_PROOF_SPACE_LABEL);           /* the label */
	forge_opening(f, 32, HM_PROOF_SPACE_LABEL);          /* its previous label */
	forge_opening(f, 64, HM_PROOF_SPACE_LABEL);          /* its other parent */
	forge_opening(f, 96, HM_PROOF_SPACE_PATH);           /* the leaf's sibling */
	forge_opening(f, 96 + 32 * 14, HM_PROOF_SPACE_PATH); /* the top sibling */
}

static void test_pospace_commitment(void)
{
	struct fx *f = fx();

	if (!f)
		return;
	f->plot_registered = 0;
	expect(f, &(struct fx_op){ 0 }, HM_PROOF_BIT(HM_PROOF_SPACE), HM_PROOF_SPACE,
	       HM_PROOF_SPACE_UNREGISTERED);
	fx_reset_state(f);
	f->commitment.log2_labels = FX_LOG2 + 1;
	expect(f, &(struct fx_op){ 0 }, HM_PROOF_BIT(HM_PROOF_SPACE), HM_PROOF_SPACE,
	       HM_PROOF_SPACE_SIZE);
	f->commitment.log2_labels = FX_LOG2;
	/* Another root registered (someone else's plot under this key). */
	f->commitment.root[0] ^= 1;
	expect(f, &(struct fx_op){ 0 }, HM_PROOF_BIT(HM_PROOF_SPACE), HM_PROOF_SPACE,
	       HM_PROOF_SPACE_PATH);
	f->commitment.root[0] ^= 1;
}

static void test_pospace_plot_files(void)
{
	struct fx *f = fx();
	struct hm_plot_commitment c;
	struct hm_plot *p = NULL;
	uint8_t key[32] = { 1 };
	char dir[64], path[128];
	FILE *fp;

	if (!f)
		return;
	strcpy(dir, "/tmp/hm-plot-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	/* No plot at all. */
	CHECK_ERR(hm_plot_open(dir, &p), HM_ERR_NOT_FOUND);
	CHECK_ERR(hm_plot_create(dir, key, HM_SPACE_LOG2_MIN - 1, NULL, NULL, NULL),
	          HM_ERR_INVALID);
	CHECK_ERR(hm_plot_create(dir, key, HM_SPACE_LOG2_MIN, NULL, NULL, &c), HM_OK);
	CHECK_ERR(hm_plot_create(dir, key, HM_SPACE_LOG2_MIN, NULL, NULL, &c), HM_ERR_EXISTS);
	CHECK_ERR(hm_plot_open(dir, &p), HM_OK);
	hm_plot_close(p);
	/* Missing plot data: the labels are gone. */
	snprintf(path, sizeof(path), "%s/plot.labels", dir);
	CHECK(unlink(path) == 0);
	CHECK_ERR(hm_plot_open(dir, &p), HM_ERR_CORRUPT);
	/* Truncated labels. */
	fp = fopen(path, "wb");
	CHECK(fp != NULL);
	if (fp) {
		fwrite(key, 1, sizeof(key), fp);
		fclose(fp);
	}
	CHECK_ERR(hm_plot_open(dir, &p), HM_ERR_CORRUPT);
	/* A damaged meta. */
	snprintf(path, sizeof(path), "%s/plot.meta", dir);
	fp = fopen(path, "r+b");
	CHECK(fp != NULL);
	if (fp) {
		fseek(fp, 10, SEEK_SET);
		fputc(0xff, fp);
		fclose(fp);
	}
	CHECK_ERR(hm_plot_open(dir, &p), HM_ERR_CORRUPT);
	fx_rm(dir, "plot.labels");
	fx_rm(dir, "plot.tree");
	fx_rm(dir, "plot.meta");
	CHECK(rmdir(dir) == 0);
}

static void test_pospace_damaged_labels_not_proven(void)
{
	struct fx *f = fx();
	struct hm_plot *p = NULL;
	struct hm_buf out;
	uint8_t key[32] = { 2 }, zero[32] = { 0 }, digest[32] = { 3 };
	char dir[64], path[128];
	FILE *fp;

	if (!f)
		return;
	strcpy(dir, "/tmp/hm-plot-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	CHECK_ERR(hm_plot_create(dir, key, HM_SPACE_LOG2_MIN, NULL, NULL, NULL), HM_OK);
	/* Zero every label (a prover that threw the data away and kept the sizes). */
	snprintf(path, sizeof(path), "%s/plot.labels", dir);
	fp = fopen(path, "r+b");
	CHECK(fp != NULL);
	if (fp) {
		for (int i = 0; i < (1 << HM_SPACE_LOG2_MIN); i++)
			fwrite(zero, 1, sizeof(zero), fp);
		fclose(fp);
	}
	CHECK_ERR(hm_plot_open(dir, &p), HM_OK);
	hm_buf_init(&out);
	if (p)
		CHECK_ERR(hm_plot_prove(p, zero, digest, &out), HM_ERR_CORRUPT);
	CHECK_EQ(out.len, 0);
	hm_plot_close(p);
	hm_buf_free(&out);
	fx_rm(dir, "plot.labels");
	fx_rm(dir, "plot.tree");
	fx_rm(dir, "plot.meta");
	CHECK(rmdir(dir) == 0);
}

static void test_plot_parse_size(void)
{
	unsigned log2 = 0;

	CHECK_ERR(hm_plot_parse_size("1MiB", &log2), HM_OK);
	CHECK_EQ(log2, 15);
	CHECK_ERR(hm_plot_parse_size("1GiB", &log2), HM_OK);
	CHECK_EQ(log2, 25);
	CHECK_ERR(hm_plot_parse_size("64MiB", &log2), HM_OK);
	CHECK_EQ(log2, 21);
	CHECK_ERR(hm_plot_parse_size("32768", &log2), HM_OK);
	CHECK_EQ(log2, 10);
	CHECK_ERR(hm_plot_parse_size("3MiB", &log2), HM_ERR_INVALID);
	CHECK_ERR(hm_plot_parse_size("1KiB", &log2), HM_ERR_INVALID);
	CHECK_ERR(hm_plot_parse_size("1 GiB", &log2), HM_ERR_INVALID);
	CHECK_ERR(hm_plot_parse_size("1GB", &log2), HM_ERR_INVALID);
	CHECK_ERR(hm_plot_parse_size("", &log2), HM_ERR_INVALID);
	CHECK_ERR(hm_plot_parse_size("-1MiB", &log2), HM_ERR_INVALID);
	CHECK_ERR(hm_plot_parse_size("99999999999999999999", &log2), HM_ERR_INVALID);
}

static void test_replay_against_another_operation(void)
{
	struct fx *f = fx();
	struct hm_envelope a, b;
	struct hm_proofs_result res;
	uint8_t da[32], db[32];
	struct hm_buf ba, bb, forged;

	if (!f)
		return;
	hm_buf_init(&ba);
	hm_buf_init(&bb);
	hm_buf_init(&forged);
	CHECK_ERR(fx_build(f, &(struct fx_op){ .payload = "pay alice 1" }, &ba), HM_OK);
	CHECK_ERR(fx_build(f, &(struct fx_op){ .payload = "pay mallory 1000" }, &bb), HM_OK);
	CHECK_ERR(hm_envelope_decode(&a, da, ba.data, ba.len), HM_OK);
	CHECK_ERR(hm_envelope_decode(&b, db, bb.data, bb.len), HM_OK);
	/* b's operation with a's proofs and signatures. */
	b.proofs = a.proofs;
	b.proofs_len = a.proofs_len;
	memcpy(b.ed25519_sig, a.ed25519_sig, sizeof(b.ed25519_sig));
	CHECK_ERR(hm_envelope_encode(&b, &forged), HM_OK);
	CHECK_ERR(fx_validate(f, &forged, &res), HM_ERR_VERIFY);
	CHECK(res.failed & HM_PROOF_BIT(HM_PROOF_STAKE));
	CHECK_EQ(res.reason[HM_PROOF_STAKE], HM_PROOF_STAKE_SIGNATURE);
	CHECK(res.failed & HM_PROOF_BIT(HM_PROOF_SPACE));
	/* The work nonce passes for b only by chance (2^-8); the result must say which. */
	struct hm_proof_set ps;
	CHECK_ERR(hm_proof_set_decode(&ps, a.proofs, a.proofs_len), HM_OK);
	CHECK_EQ(!!(res.failed & HM_PROOF_BIT(HM_PROOF_WORK)),
	         hm_work_bits(db, ps.work_nonce) < FX_BITS);
	/* The VDF depends only on the anchor: it is shareable by design. */
	CHECK(!(res.failed & HM_PROOF_BIT(HM_PROOF_TIME)));
	hm_buf_free(&ba);
	hm_buf_free(&bb);
	hm_buf_free(&forged);
}

static void test_other_chain_refused(void)
{
	struct fx *f = fx();
	uint8_t other[HM_ENV_CHAIN_ID_LEN];
	struct hm_proofs_result res;
	struct hm_buf b;

	if (!f)
		return;
	hm_buf_init(&b);
	CHECK_ERR(fx_build(f, &(struct fx_op){ 0 }, &b), HM_OK);
	memset(other, 0x43, sizeof(other));
	f->ctx.chain_id = other;
	CHECK_ERR(fx_validate(f, &b, &res), HM_ERR_VERIFY);
	CHECK_EQ(res.failed, 0xf);
	CHECK_EQ(res.reason[HM_PROOF_STAKE], HM_PROOF_CHAIN_ID);
	hm_buf_free(&b);
}

static void test_envelope_encodings(void)
{
	struct fx *f = fx();
	struct hm_envelope env, env2;
	struct hm_proof_set ps;
	uint8_t d1[32], d2[32];
	struct hm_buf b, b2;

	if (!f)
		return;
	hm_buf_init(&b);
	hm_buf_init(&b2);
	CHECK_ERR(fx_build(f, &(struct fx_op){ 0 }, &b), HM_OK);
	CHECK_ERR(hm_envelope_decode(&env, d1, b.data, b.len), HM_OK);
	CHECK_ERR(hm_envelope_digest(&env, d2), HM_OK);
	CHECK_MEM(d1, d2, 32);
	CHECK_ERR(hm_envelope_encode(&env, &b2), HM_OK);
	CHECK_EQ(b2.len, b.len);
	CHECK_MEM(b2.data, b.data, b.len);
	/* Every truncation fails, a trailing byte fails. */
	for (size_t n = 0; n < b.len; n += (n < 200 ? 1 : 97))
		CHECK(hm_envelope_decode(&env2, NULL, b.data, n) != HM_OK);
	CHECK_ERR(hm_buf_append_byte(&b, 0), HM_OK);
	CHECK_ERR(hm_envelope_decode(&env2, NULL, b.data, b.len), HM_ERR_TRAILING);
	CHECK_ERR(hm_buf_truncate(&b, b.len - 1), HM_OK);
	/* Wrong version; garbage. */
	b.data[0] = 2;
	CHECK_ERR(hm_envelope_decode(&env2, NULL, b.data, b.len), HM_ERR_INVALID);
	b.data[0] = 1;
	CHECK(hm_envelope_decode(&env2, NULL, (const uint8_t *)"garbage", 7) != HM_OK);
	/* A changed field changes the digest. */
	env2 = env;
	env2.fee++;
	CHECK_ERR(hm_envelope_digest(&env2, d2), HM_OK);
	CHECK(memcmp(d1, d2, 32) != 0);
	/* pq_alg without a signature is not encodable. */
	env2 = env;
	env2.pq_alg = HM_SIG_MLDSA87;
	hm_buf_free(&b2);
	CHECK_ERR(hm_envelope_encode(&env2, &b2), HM_ERR_INVALID);
	CHECK_EQ(b2.len, 0);
	env2.pq_alg = 99;
	env2.pq_sig = d1;
	env2.pq_sig_len = 1;
	CHECK_ERR(hm_envelope_encode(&env2, &b2), HM_ERR_INVALID);
	env2 = env;
	env2.n_certs = 0;
	CHECK_ERR(hm_envelope_digest(&env2, d2), HM_ERR_LENGTH);

	/* The proof set: truncations, trailing byte, version, size. */
	CHECK_ERR(hm_proof_set_decode(&ps, env.proofs, env.proofs_len), HM_OK);
	CHECK_EQ(ps.space_log2, FX_LOG2);
	CHECK_EQ(ps.vdf_iterations, FX_T);
	for (size_t n = 0; n < env.proofs_len; n += 61)
		CHECK(hm_proof_set_decode(&ps, env.proofs, n) != HM_OK);
	hm_buf_free(&b2);
	CHECK_ERR(hm_buf_append(&b2, env.proofs, env.proofs_len), HM_OK);
	CHECK_ERR(hm_buf_append_byte(&b2, 0), HM_OK);
	CHECK_ERR(hm_proof_set_decode(&ps, b2.data, b2.len), HM_ERR_TRAILING);
	b2.data[0] = 9;
	CHECK_ERR(hm_proof_set_decode(&ps, b2.data, b2.len - 1), HM_ERR_INVALID);
	b2.data[0] = 1;
	b2.data[1] = HM_SPACE_LOG2_MAX + 1;
	CHECK_ERR(hm_proof_set_decode(&ps, b2.data, b2.len - 1), HM_ERR_INVALID);
	b2.data[1] = FX_LOG2 - 1; /* openings now of the wrong size */
	CHECK_ERR(hm_proof_set_decode(&ps, b2.data, b2.len - 1), HM_ERR_LENGTH);

	/* A malformed proof set inside a valid envelope: three proofs refused as malformed. */
	struct hm_proofs_result res;
	env2 = env;
	env2.proofs_len = 5;
	CHECK_ERR(hm_proofs_validate(&env2, d1, &f->ctx, &res), HM_ERR_VERIFY);
	CHECK_EQ(res.failed, 0xe);
	CHECK_EQ(res.reason[HM_PROOF_WORK], HM_PROOF_MALFORMED);
	CHECK_EQ(res.reason[HM_PROOF_STAKE], HM_PROOF_OK);
	hm_buf_free(&b);
	hm_buf_free(&b2);
}

static void test_result_encoding(void)
{
	struct fx *f = fx();
	struct hm_proofs_result res, back;
	struct hm_buf b, e;

	if (!f)
		return;
	hm_buf_init(&b);
	hm_buf_init(&e);
	CHECK_ERR(fx_build(f, &(struct fx_op){ .signer = &f->other_key }, &b), HM_OK);
	f->plot_registered = 0;
	CHECK_ERR(fx_validate(f, &b, &res), HM_ERR_VERIFY);
	CHECK_ERR(hm_proofs_result_encode(&res, &e), HM_OK);
	CHECK_EQ(e.len, HM_PROOFS_RESULT_LEN);
	CHECK_ERR(hm_proofs_result_decode(&back, e.data, e.len), HM_OK);
	CHECK_EQ(back.failed, HM_PROOF_BIT(HM_PROOF_STAKE) | HM_PROOF_BIT(HM_PROOF_SPACE));
	CHECK_EQ(back.reason[HM_PROOF_STAKE], HM_PROOF_STAKE_SIGNATURE);
	CHECK_EQ(back.code[HM_PROOF_STAKE], HM_ERR_VERIFY);
	CHECK_EQ(back.reason[HM_PROOF_SPACE], HM_PROOF_SPACE_UNREGISTERED);
	CHECK_EQ(back.reason[HM_PROOF_WORK], HM_PROOF_OK);
	CHECK(back.signer_known);
	CHECK_MEM(back.signer, res.signer, 32);
	/* Strictness: truncated, trailing, a mask disagreeing with a verdict, a bad reason. */
	CHECK_ERR(hm_proofs_result_decode(&back, e.data, e.len - 1), HM_ERR_TRUNCATED);
	CHECK_ERR(hm_buf_append_byte(&e, 0), HM_OK);
	CHECK_ERR(hm_proofs_result_decode(&back, e.data, e.len), HM_ERR_TRAILING);
	CHECK_ERR(hm_buf_truncate(&e, e.len - 1), HM_OK);
	e.data[0] ^= HM_PROOF_BIT(HM_PROOF_WORK);
	CHECK_ERR(hm_proofs_result_decode(&back, e.data, e.len), HM_ERR_INVALID);
	e.data[0] ^= HM_PROOF_BIT(HM_PROOF_WORK);
	e.data[1] = 200;
	CHECK_ERR(hm_proofs_result_decode(&back, e.data, e.len), HM_ERR_INVALID);
	e.data[0] = 0x10;
	CHECK_ERR(hm_proofs_result_decode(&back, e.data, e.len), HM_ERR_INVALID);
	hm_buf_free(&b);
	hm_buf_free(&e);
}

static int failing_params(void *ctx, uint16_t type, struct hm_proof_params *out)
{
	(void)ctx;
	(void)type;
	(void)out;
	return HM_ERR_IO;
}

static int failing_plot(void *ctx, const uint8_t key_id[32], struct hm_plot_commitment *out)
{
	(void)ctx;
	(void)key_id;
	(void)out;
	return HM_ERR_CORRUPT;
}

static int failing_height(void *ctx, uint64_t *h)
{
	(void)ctx;
	(void)h;
	return HM_ERR_NOMEM;
}

/* A node that cannot read its state does not judge the operation. */
static void test_state_failures_are_node_failures(void)
{
	struct fx *f = fx();
	struct hm_proofs_result res;
	struct hm_buf b;

	if (!f)
		return;
	hm_buf_init(&b);
	CHECK_ERR(fx_build(f, &(struct fx_op){ 0 }, &b), HM_OK);
	f->state.params = failing_params;
	CHECK_ERR(fx_validate(f, &b, &res), HM_ERR_IO);
	f->state.params = fxs_params;
	f->state.plot = failing_plot;
	CHECK_ERR(fx_validate(f, &b, &res), HM_ERR_CORRUPT);
	f->state.plot = fxs_plot;
	f->state.height = failing_height;
	CHECK_ERR(fx_validate(f, &b, &res), HM_ERR_NOMEM);
	f->state.height = fxs_height;
	CHECK_ERR(fx_validate(f, &b, &res), HM_OK);
	hm_buf_free(&b);
}

static void test_reason_strings(void)
{
	for (int r = 0; r <= HM_PROOF_STAKE_REVOKED; r++)
		CHECK(strcmp(hm_proof_reason_str((enum hm_proof_reason)r), "unknown reason") != 0);
	CHECK_STR(hm_proof_reason_str((enum hm_proof_reason)99), "unknown reason");
	CHECK_STR(hm_proof_kind_name(HM_PROOF_TIME), "potime");
}

static void test_prover_build(void)
{
	struct fx *f = fx();
	struct hm_prover p;
	struct hm_proofs_result res;
	struct hm_envelope env;
	uint8_t digest[32], d2[32];
	struct hm_buf b;

	if (!f)
		return;
	memset(&p, 0, sizeof(p));
	p.chain_id = f->chain_id;
	p.n_certs = 2;
	p.cert[0] = f->leaf.der;
	p.cert_len[0] = f->leaf.len;
	p.cert[1] = f->inter.der;
	p.cert_len[1] = f->inter.len;
	p.signer.ed25519_sk = f->leaf_key.sk;
	p.plot = f->plot;
	p.anchor_height = f->anchor_height;
	fx_block_hash(f->anchor_height, p.anchor_hash);
	p.vdf_iterations = FX_T;
	p.vdf_proof = f->vdf_proof.data;
	p.vdf_proof_len = f->vdf_proof.len;
	p.work_bits = FX_BITS;
	hm_buf_init(&b);
	CHECK_ERR(hm_prover_build(&p, 0x0201, 1, 2, (const uint8_t *)"x", 1, &b, digest), HM_OK);
	CHECK_ERR(hm_envelope_decode(&env, d2, b.data, b.len), HM_OK);
	CHECK_MEM(digest, d2, 32);
	CHECK_ERR(hm_proofs_validate(&env, d2, &f->ctx, &res), HM_OK);
	CHECK_EQ(res.failed, 0);
	/* Bad arguments change nothing. */
	size_t len = b.len;
	p.n_certs = 0;
	CHECK_ERR(hm_prover_build(&p, 0x0201, 1, 2, NULL, 0, &b, NULL), HM_ERR_INVALID);
	p.n_certs = 2;
	p.work_bits = 65;
	CHECK_ERR(hm_prover_build(&p, 0x0201, 1, 2, NULL, 0, &b, NULL), HM_ERR_INVALID);
	CHECK_EQ(b.len, len);
	hm_buf_free(&b);
}

static void write_seed(const char *dir, const char *target, const char *name, const void *p,
                       size_t n)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
	fp = fopen(path, "wb");
	CHECK(fp != NULL);
	if (fp) {
		CHECK(fwrite(p, 1, n, fp) == n);
		fclose(fp);
	}
}

/*
 * With HM_PROOFS_CORPUS_DIR=fuzz/corpus set, (re)writes the fuzz seeds of
 * fuzz_envelope and fuzz_proofset from this fixture; otherwise does nothing.
 */
static void test_write_corpus(void)
{
	const char *dir = getenv("HM_PROOFS_CORPUS_DIR");
	struct fx *f;
	struct hm_envelope env;
	uint8_t digest[32], fake[64] = { 7 };
	struct hm_buf b, b2;

	if (dir == NULL)
		return;
	f = fx();
	if (!f)
		return;
	hm_buf_init(&b);
	hm_buf_init(&b2);
	honest_envelope(f, &b, &env, digest);
	write_seed(dir, "envelope", "valid", b.data, b.len);
	write_seed(dir, "envelope", "truncated", b.data, 300);
	write_seed(dir, "proofset", "valid", env.proofs, env.proofs_len);
	write_seed(dir, "proofset", "truncated", env.proofs, env.proofs_len / 2);
	env.pq_alg = HM_SIG_FALCON1024;
	env.pq_sig = fake;
	env.pq_sig_len = sizeof(fake);
	env.n_certs = 1;
	CHECK_ERR(hm_envelope_encode(&env, &b2), HM_OK);
	write_seed(dir, "envelope", "pq_leaf_only", b2.data, b2.len);
	hm_buf_free(&b);
	hm_buf_free(&b2);
}

static void test_zz_cleanup(void)
{
	if (F_state == 1)
		fx_free(&F);
	F_state = 0;
}

TEST_MAIN(test_honest_operation_verifies, test_postake_wrong_key, test_postake_chain_not_to_root,
          test_postake_certificate_time, test_postake_level_and_stake, test_postake_revoked,
          test_postake_pq_signature_unexpected, test_potime_anchor, test_potime_wrong_anchor_hash,
          test_potime_wrong_vdf, test_potime_cache, test_powork_insufficient, test_powork_solve,
          test_pospace_forged_openings, test_pospace_commitment, test_pospace_plot_files,
          test_pospace_damaged_labels_not_proven, test_plot_parse_size,
          test_replay_against_another_operation, test_other_chain_refused, test_envelope_encodings,
          test_reason_strings, test_state_failures_are_node_failures, test_result_encoding,
          test_prover_build, test_write_corpus, test_zz_cleanup)
