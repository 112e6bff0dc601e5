/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The services layer (services.h): modules, the envelope verifier, making
 * operations with the four proofs, and the PoTime anchor.
 */
#include "services_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypermesh/clock.h"
#include "hypermesh/codec.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/file.h"
#include "hypermesh/governance.h"
#include "hypermesh/hash.h"
#include "hypermesh/keystore.h"
#include "hypermesh/log.h"
#include "hypermesh/random.h"
#include "hypermesh/secure.h"
#include "hypermesh/vdf.h"

#define LOG "services"

/* Most PoWork attempts before giving up on one operation (2^24 is ~16 bits of slack). */
#define WORK_MAX_TRIES (UINT64_C(1) << 28)

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, int rc,
                                                      const char *fmt, ...);

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

uint64_t svc_now_ms(void)
{
	return hm_clock_wall_ns() / HM_NS_PER_MS;
}

/* ---- governance genesis ---- */

static int hex_field(const json_t *o, const char *key, uint8_t *out, size_t len)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		return HM_ERR_INVALID;
	return hm_hex_decode_exact(out, len, json_string_value(v), json_string_length(v));
}

/*
 * governance.json: {"work_bits": N, "vdf_iterations": T, "anchor_window": W,
 * "plots": [{"key_id": HEX32, "log2": L, "root": HEX32}, ...]}
 */
static int load_gov_genesis(struct hm_services *s, const char *dir, char *err, size_t errlen)
{
	char path[HM_NODE_PATH_MAX + 32];
	json_error_t je;
	json_t *root, *plots, *v;
	size_t i;
	int rc = HM_OK;

	snprintf(path, sizeof(path), "%s/%s", dir, HM_SERVICES_GOV_GENESIS);
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return fail(err, errlen, HM_ERR_NOT_FOUND, "%s: %s", path, je.text);
	v = json_object_get(root, "work_bits");
	s->gen_work_bits = json_is_integer(v) ? (unsigned)json_integer_value(v) : 999;
	v = json_object_get(root, "vdf_iterations");
	s->gen_vdf_iterations = json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
	v = json_object_get(root, "anchor_window");
	s->gen_anchor_window = json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
	plots = json_object_get(root, "plots");
	if (s->gen_work_bits > HM_WORK_BITS_MAX || s->gen_vdf_iterations == 0 ||
	    s->gen_anchor_window == 0 || !json_is_array(plots)) {
		rc = fail(err, errlen, HM_ERR_INVALID,
		          "%s: needs work_bits (0..64), vdf_iterations (> 0), anchor_window (> 0) "
		          "and plots",
		          path);
		goto out;
	}
	s->gen_nplots = json_array_size(plots);
	s->gen_plots = calloc(s->gen_nplots ? s->gen_nplots : 1, sizeof(*s->gen_plots));
	if (s->gen_plots == NULL) {
		rc = HM_ERR_NOMEM;
		goto out;
	}
	json_array_foreach(plots, i, v)
	{
		struct hm_plot_commitment *c = &s->gen_plots[i];
		const json_t *l = json_object_get(v, "log2");

		if (hex_field(v, "key_id", c->key_id, sizeof(c->key_id)) != HM_OK ||
		    hex_field(v, "root", c->root, sizeof(c->root)) != HM_OK ||
		    !json_is_integer(l) || json_integer_value(l) < HM_SPACE_LOG2_MIN ||
		    json_integer_value(l) > HM_SPACE_LOG2_MAX) {
			rc = fail(err, errlen, HM_ERR_INVALID, "%s: plot %zu is malformed", path,
			          i);
			goto out;
		}
		c->log2_labels = (uint8_t)json_integer_value(l);
	}
out:
	json_decref(root);
	return rc;
}

/* ---- the governance module, initialised from genesis when first opened ---- */

static int gov_open(void *ctx, MDB_env *env, MDB_txn *txn)
{
	struct hm_services *s = ctx;
	uint8_t(*admins)[HM_KEY_ID_LEN];
	struct hm_gov_genesis g;
	int rc;

	if ((rc = s->gov.open(s->gov.ctx, env, txn)) != HM_OK)
		return rc;
	/* The validators' identities are the first admins. */
	admins = calloc(s->cfg->nvalidators, sizeof(*admins));
	if (admins == NULL)
		return HM_ERR_NOMEM;
	for (uint16_t i = 0; i < s->cfg->nvalidators; i++)
		memcpy(admins[i], s->cfg->validators[i].node_id, HM_KEY_ID_LEN);
	memset(&g, 0, sizeof(g));
	g.root_der = s->genesis.root.data;
	g.root_len = s->genesis.root.len;
	g.n_admins = s->cfg->nvalidators;
	g.admins = (const uint8_t(*)[HM_KEY_ID_LEN])admins;
	g.default_work_bits = s->gen_work_bits;
	g.vdf_iterations = s->gen_vdf_iterations;
	g.anchor_window = s->gen_anchor_window;
	g.n_plots = s->gen_nplots;
	g.plots = s->gen_plots;
	rc = hm_gov_genesis_apply(s->gov.ctx, txn, &g);
	free(admins);
	return rc == HM_ERR_EXISTS ? HM_OK : rc;
}

static int gov_check(void *ctx, const struct hm_op *op)
{
	struct hm_services *s = ctx;

	return s->gov.check ? s->gov.check(s->gov.ctx, op) : HM_OK;
}

static int gov_apply(void *ctx, MDB_txn *txn, const struct hm_block_info *b, const struct hm_op *op,
                     struct hm_buf *result)
{
	struct hm_services *s = ctx;

	return s->gov.apply(s->gov.ctx, txn, b, op, result);
}

static int gov_committed(void *ctx, const struct hm_block_info *b)
{
	struct hm_services *s = ctx;

	return s->gov.committed ? s->gov.committed(s->gov.ctx, b) : HM_OK;
}

static void gov_close(void *ctx)
{
	struct hm_services *s = ctx;

	if (s->gov.close)
		s->gov.close(s->gov.ctx);
	s->gov.ctx = NULL;
}

/* ---- committed state as the proofs see it ---- */

/* The view while applying block b: the chain up to b's parent. */
struct state_at {
	struct hm_services *s;
	uint64_t height; /* the last block before the one being applied */
};

static int at_height(void *ctx, uint64_t *height)
{
	*height = ((struct state_at *)ctx)->height;
	return HM_OK;
}

static int at_block_hash(void *ctx, uint64_t height, uint8_t hash[HM_PROOF_HASH_LEN])
{
	struct state_at *a = ctx;

	if (height > a->height)
		return HM_ERR_NOT_FOUND;
	return hm_node_block_hash(a->s->node, height, hash);
}

/* The proofs' view of committed state up to height, read through txn. */
struct state_view {
	struct state_at at;
	struct hm_gov_view gov;
	struct hm_proof_state st;
};

static void state_view_init(struct state_view *v, struct hm_services *s, MDB_txn *txn,
                            uint64_t height)
{
	v->at = (struct state_at){ s, height };
	v->gov = (struct hm_gov_view){ s->gov.ctx, txn, &v->at, at_block_hash, at_height, s->tc };
	hm_gov_state(&v->gov, &v->st);
}

/* The same view as committed state is now: a read transaction at the applied height. */
static int state_view_now(struct state_view *v, struct hm_services *s, MDB_txn **txn)
{
	struct hm_node_status ns;

	hm_node_status(s->node, &ns);
	if (mdb_txn_begin(hm_executor_env(s->ex), NULL, MDB_RDONLY, txn) != 0)
		return HM_ERR_IO;
	state_view_init(v, s, *txn, ns.applied_height);
	return HM_OK;
}

/* The envelope verifier the executor calls for every operation (executor.h). */
static int verify_op(void *ctx, MDB_txn *txn, const uint8_t *tx, size_t len,
                     const struct hm_block_info *b, struct hm_op *out)
{
	struct hm_services *s = ctx;
	struct state_view v;
	struct hm_proofs_context pc;
	struct hm_proofs_result res;
	struct hm_envelope env;
	uint8_t digest[HM_ENV_DIGEST_LEN];
	int rc;

	if ((rc = hm_envelope_decode(&env, digest, tx, len)) != HM_OK)
		return rc;
	state_view_init(&v, s, txn, b->height - 1);
	pc.state = &v.st;
	pc.chain_id = s->chain_id;
	pc.now_s = b->timestamp_ms / 1000;
	pc.vdf_cache = &s->vdf_cache;
	pc.stake_cache = &s->stake_cache;
	rc = hm_proofs_validate(&env, digest, &pc, &res);
	if (rc != HM_OK) {
		for (int k = 0; k < HM_PROOF_KINDS; k++) {
			if (res.failed & HM_PROOF_BIT(k))
				hm_log(HM_LOG_INFO, LOG, "operation refused",
				       HM_LOG_UINT("height", b->height),
				       HM_LOG_STR("proof",
				                  hm_proof_kind_name((enum hm_proof_kind)k)),
				       HM_LOG_STR("reason", hm_proof_reason_str(res.reason[k])));
		}
		return rc;
	}
	out->type = env.type;
	out->payload = env.payload;
	out->payload_len = env.payload_len;
	memcpy(out->digest, digest, HM_MODULE_HASH_LEN);
	memcpy(out->signer, res.signer, HM_MODULE_HASH_LEN);
	return HM_OK;
}

/*
 * consensus/validate_proofs: the four proofs of an operation judged against
 * committed state as it is now (the applied height, the wall clock), without
 * submitting it. HM_OK with res filled (res->failed says which failed), or
 * the envelope's decoding error, or a failure of this node.
 */
int svc_validate_now(struct hm_services *s, const uint8_t *tx, size_t len,
                     struct hm_proofs_result *res)
{
	struct state_view v;
	struct hm_proofs_context pc;
	struct hm_envelope env;
	uint8_t digest[HM_ENV_DIGEST_LEN];
	MDB_txn *txn;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = hm_envelope_decode(&env, digest, tx, len)) != HM_OK)
		return rc;
	if ((rc = state_view_now(&v, s, &txn)) != HM_OK)
		return rc;
	pc.state = &v.st;
	pc.chain_id = s->chain_id;
	pc.now_s = svc_now_ms() / 1000;
	pc.vdf_cache = &s->vdf_cache;
	pc.stake_cache = &s->stake_cache;
	rc = hm_proofs_validate(&env, digest, &pc, res);
	mdb_txn_abort(txn);
	/* A verdict, even a negative one, is an answer; only node failures are errors. */
	return rc == HM_ERR_VERIFY ? HM_OK : rc;
}

static int on_rpc(void *user, const char *method, const uint8_t *body, size_t len,
                  struct hm_buf *reply)
{
	struct hm_proofs_result res;
	int rc;

	if (strcmp(method, HM_NODE_M_VALIDATE) != 0)
		return HM_ERR_UNSUPPORTED;
	if ((rc = svc_validate_now(user, body, len, &res)) != HM_OK)
		return rc;
	return hm_proofs_result_encode(&res, reply);
}

/* ---- PoTime anchors ---- */

/*
 * Every operation a node makes carries a PoTime proof: a recent committed
 * block (the anchor) and a VDF of T squarings over its hash. Anchors are
 * the blocks at multiples of anchor_interval = W/2, the same blocks for
 * every validator, and each has one designated evaluator, validator
 * (h / interval) mod n, so the cost rotates. It evaluates the VDF (about
 * half a second of a core at the devnet's T) and sends the anchor to the
 * others (HM_NODE_M_ANCHOR, a PoTimeAnchor, proofs.h), who check the hash
 * against their own chain and verify the proof (milliseconds; it lands in
 * the VDF cache the operations' proofs are then checked through). When
 * four validators on two cores all evaluated at the same height, the
 * evaluations stalled consensus for about a second every renewal, which was
 * the devnet's p99 (docs/BENCHMARKS.md).
 *
 * Liveness: a node that has no anchor for the current anchor height
 * anchor_grace blocks after it (the designated node is down, slow or
 * Byzantine) evaluates it itself, and sends it too; the backups take over
 * one after the other (anchor_fallback_after). Meanwhile it keeps
 * using the previous anchor, which stays valid until interval blocks after
 * the new anchor height (the window is W = 2 intervals). A node with no
 * usable anchor at all (start, restart, a long stall) evaluates at once.
 * Safety does not depend on any of this: operations' proofs are verified
 * at apply exactly as before.
 */

static const char *const vdf_why_name[] = {
	[SVC_VDF_BOOTSTRAP] = "bootstrap",
	[SVC_VDF_DESIGNATED] = "designated",
	[SVC_VDF_FALLBACK] = "fallback",
};

static uint64_t anchor_height_for(const struct hm_services *s, uint64_t height)
{
	return height - height % s->anchor_interval;
}

static uint16_t anchor_evaluator(const struct hm_services *s, uint64_t anchor_height)
{
	return (uint16_t)((anchor_height / s->anchor_interval) % s->cfg->nvalidators);
}

static void anchor_publish(struct hm_services *s)
{
	struct hm_time_anchor a = {
		.height = s->anchor.height,
		.vdf_iterations = s->vdf_iterations,
		.vdf_proof = s->anchor.vdf_proof.data,
		.vdf_proof_len = s->anchor.vdf_proof.len,
	};
	struct hm_buf msg;
	unsigned sent = 0;

	memcpy(a.hash, s->anchor.hash, HM_PROOF_HASH_LEN);
	hm_buf_init(&msg);
	if (hm_time_anchor_encode(&a, &msg) == HM_OK)
		sent = hm_node_send_validators(s->node, HM_NODE_M_ANCHOR, msg.data, msg.len);
	hm_buf_free(&msg);
	hm_log(HM_LOG_DEBUG, LOG, "PoTime anchor sent", HM_LOG_UINT("height", a.height),
	       HM_LOG_UINT("validators", sent));
}

/* Makes (height, hash, proof) the anchor operations made here point at. */
static int anchor_set(struct hm_services *s, uint64_t height, const uint8_t *hash,
                      const uint8_t *proof, size_t proof_len)
{
	hm_buf_truncate(&s->anchor.vdf_proof, 0);
	if (hm_buf_append(&s->anchor.vdf_proof, proof, proof_len) != HM_OK) {
		s->anchor.ready = 0; /* the old proof is gone; the next commit evaluates anew */
		return HM_ERR_NOMEM;
	}
	s->anchor.height = height;
	memcpy(s->anchor.hash, hash, HM_PROOF_HASH_LEN);
	s->anchor.ready = 1;
	if (s->m_anchor_height != NULL)
		hm_gauge_set(s->m_anchor_height, (double)height);
	return HM_OK;
}

static int anchor_is_newer(const struct hm_services *s, uint64_t height)
{
	return !s->anchor.ready || height > s->anchor.height;
}

static void vdf_work(uv_work_t *w)
{
	struct svc_vdf_job *j = w->data;

	j->rc = hm_vdf_eval(j->input, sizeof(j->input), j->iterations, &j->proof, NULL, NULL);
}

static void vdf_done(uv_work_t *w, int status)
{
	struct svc_vdf_job *j = w->data;
	struct hm_services *s = j->s;

	if (s != NULL) {
		s->vdf_job = NULL;
		if (status == 0 && j->rc == HM_OK) {
			s->vdf_evaluations++;
			if (s->m_vdf_evaluations != NULL)
				hm_counter_inc(s->m_vdf_evaluations);
			hm_log(HM_LOG_INFO, LOG, "PoTime anchor evaluated",
			       HM_LOG_UINT("height", j->height),
			       HM_LOG_STR("why", vdf_why_name[j->why]),
			       HM_LOG_UINT("ms", svc_now_ms() - j->started_ms),
			       HM_LOG_UINT("evaluations", s->vdf_evaluations));
			/* A peer's anchor may have overtaken this one meanwhile. */
			if (anchor_is_newer(s, j->height) &&
			    anchor_set(s, j->height, j->hash, j->proof.data, j->proof.len) == HM_OK)
				anchor_publish(s);
		} else {
			s->anchor_tried = 0; /* let the next commit try again */
			hm_log(HM_LOG_WARN, LOG, "VDF evaluation failed",
			       HM_LOG_STR("err", hm_strerror(status == 0 ? j->rc : HM_ERR_IO)));
		}
	}
	hm_buf_free(&j->proof);
	free(j);
}

static void anchor_evaluate(struct hm_services *s, uint64_t height, enum svc_vdf_why why)
{
	struct svc_vdf_job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return;
	j->s = s;
	j->why = why;
	j->started_ms = svc_now_ms();
	j->height = height;
	j->iterations = s->vdf_iterations;
	hm_buf_init(&j->proof);
	if (hm_node_block_hash(s->node, height, j->hash) != HM_OK) {
		free(j);
		return;
	}
	hm_time_vdf_input(s->chain_id, j->hash, j->input);
	j->work.data = j;
	if (uv_queue_work(s->loop, &j->work, vdf_work, vdf_done) != 0) {
		free(j);
		return;
	}
	s->vdf_job = j;
	s->anchor_tried = height + 1;
	if (why == SVC_VDF_FALLBACK) {
		s->anchor_fallbacks++;
		if (s->m_anchor_fallbacks != NULL)
			hm_counter_inc(s->m_anchor_fallbacks);
		hm_log(HM_LOG_WARN, LOG, "PoTime anchor late; evaluating it here",
		       HM_LOG_UINT("height", height),
		       HM_LOG_UINT("designated", anchor_evaluator(s, height)));
	}
}

/* Counted; logged at warn once per sender and height, so a flood does not flood the log. */
static void anchor_refuse(struct hm_services *s, uint16_t from, uint64_t height, const char *why)
{
	struct svc_anchor_held *p = &s->anchor_held[from];
	int first = p->logged != height + 1;

	p->logged = height + 1;
	s->anchors_refused++;
	if (s->m_anchors_refused != NULL)
		hm_counter_inc(s->m_anchors_refused);
	hm_log(first ? HM_LOG_WARN : HM_LOG_DEBUG, LOG, "refused a PoTime anchor",
	       HM_LOG_UINT("from", from), HM_LOG_UINT("height", height), HM_LOG_STR("reason", why));
}

/* A peer's anchor for a committed block: the hash must be ours, the VDF must verify. */
static void anchor_accept(struct hm_services *s, uint16_t from, uint64_t height,
                          const uint8_t hash[HM_PROOF_HASH_LEN], const uint8_t *proof,
                          size_t proof_len)
{
	uint8_t ours[HM_PROOF_HASH_LEN], input[HM_TIME_VDF_INPUT_LEN];
	int rc;

	if ((rc = hm_node_block_hash(s->node, height, ours)) != HM_OK) {
		hm_log(HM_LOG_WARN, LOG, "cannot read an anchor block",
		       HM_LOG_UINT("height", height), HM_LOG_STR("err", hm_strerror(rc)));
		return;
	}
	if (memcmp(ours, hash, HM_PROOF_HASH_LEN) != 0) {
		anchor_refuse(s, from, height, "not the hash of the block committed here");
		return;
	}
	hm_time_vdf_input(s->chain_id, hash, input);
	rc = hm_time_vdf_verify_cached(&s->vdf_cache, input, s->vdf_iterations, proof, proof_len);
	if (rc == HM_ERR_NOMEM)
		return;
	if (rc != HM_OK) {
		anchor_refuse(s, from, height, "the VDF proof does not verify");
		if (height + 1 > s->anchor_held[from].bad_vdf)
			s->anchor_held[from].bad_vdf = height + 1;
		return;
	}
	if (anchor_set(s, height, hash, proof, proof_len) != HM_OK)
		return;
	s->anchors_adopted++;
	if (s->m_anchors_adopted != NULL)
		hm_counter_inc(s->m_anchors_adopted);
	hm_log(HM_LOG_INFO, LOG, "PoTime anchor adopted", HM_LOG_UINT("height", height),
	       HM_LOG_UINT("from", from), HM_LOG_UINT("adopted", s->anchors_adopted));
}

/* Held anchors whose block is now committed here are judged (in height order). */
static void anchor_release_held(struct hm_services *s, uint64_t applied)
{
	for (;;) {
		struct svc_anchor_held *best = NULL;
		uint16_t from = 0;

		for (uint16_t i = 0; i < s->cfg->nvalidators; i++) {
			struct svc_anchor_held *h = &s->anchor_held[i];

			if (h->used && h->height <= applied &&
			    (best == NULL || h->height < best->height)) {
				best = h;
				from = i;
			}
		}
		if (best == NULL)
			return;
		best->used = 0;
		if (anchor_is_newer(s, best->height))
			anchor_accept(s, from, best->height, best->hash, best->vdf_proof,
			              sizeof(best->vdf_proof));
	}
}

/* HM_NODE_M_ANCHOR from validator from (node.h's peer message hook). */
static void on_peer_msg(void *user, uint16_t from, const char *method, const uint8_t *body,
                        size_t len)
{
	struct hm_services *s = user;
	struct hm_time_anchor a;
	struct hm_node_status ns;
	int rc;

	if (s->stopping || strcmp(method, HM_NODE_M_ANCHOR) != 0 || from >= s->cfg->nvalidators)
		return;
	if ((rc = hm_time_anchor_decode(&a, body, len)) != HM_OK) {
		anchor_refuse(s, from, 0, hm_strerror(rc));
		return;
	}
	if (a.vdf_iterations != s->vdf_iterations) {
		anchor_refuse(s, from, a.height, "not the governed number of VDF iterations");
		return;
	}
	if (a.height % s->anchor_interval != 0) {
		anchor_refuse(s, from, a.height, "not an anchor height");
		return;
	}
	if (!anchor_is_newer(s, a.height))
		return; /* ours is as new: a copy, or a fallback racing the designated node */
	if (a.height < s->anchor_held[from].bad_vdf) {
		/* Counted, not logged: the first bad proof was, and a flood must not be. */
		s->anchors_refused++;
		if (s->m_anchors_refused != NULL)
			hm_counter_inc(s->m_anchors_refused);
		return;
	}
	hm_node_status(s->node, &ns);
	if (a.height > ns.applied_height) {
		/* Sent by a node ahead of us: held until we commit it, within a window. */
		struct svc_anchor_held *h = &s->anchor_held[from];

		if (a.height > ns.applied_height + s->anchor_window) {
			anchor_refuse(s, from, a.height, "too far above the committed height");
			return;
		}
		h->used = 1;
		h->height = a.height;
		memcpy(h->hash, a.hash, HM_PROOF_HASH_LEN);
		memcpy(h->vdf_proof, a.vdf_proof, HM_VDF_PROOF_LEN);
		return;
	}
	if (ns.applied_height - a.height > s->anchor_window) {
		anchor_refuse(s, from, a.height, "older than the anchor window");
		return;
	}
	anchor_accept(s, from, a.height, a.hash, a.vdf_proof, a.vdf_proof_len);
}

/*
 * Blocks after anchor height h this node waits for the designated
 * evaluator's anchor before evaluating it itself. The validators after the
 * designated one take over in turn, the k-th after anchor_grace + (k - 1)
 * steps of anchor_grace / (2 (n - 1)) blocks (at least 1), so that one
 * backup, not n - 1, evaluates when the designated node is down, and the
 * last one starts within 1.5 graces (when grace >= 2 (n - 1)), before the
 * previous anchor goes stale.
 */
static uint64_t anchor_fallback_after(const struct hm_services *s, uint64_t h)
{
	uint16_t n = s->cfg->nvalidators;
	uint64_t k = (uint64_t)(s->self + n - anchor_evaluator(s, h)) % n;
	uint64_t step = n > 1 ? s->anchor_grace / (2u * (n - 1u)) : 0;

	return s->anchor_grace + (k - 1) * (step > 0 ? step : 1);
}

/* After each commit (and at start): adopt held anchors, evaluate one if it is ours to. */
static void anchor_refresh(struct hm_services *s, uint64_t height)
{
	uint64_t target = anchor_height_for(s, height);
	enum svc_vdf_why why;

	/* Blocks re-applied at start (hm_node_start) are history: the anchor is made for
	 * the height the node starts from, once (hm_services_start). */
	if (s->stopping || !s->anchors_live)
		return;
	anchor_release_held(s, height);
	if (s->vdf_job != NULL || !anchor_is_newer(s, target) || s->anchor_tried == target + 1)
		return;
	if (!s->anchor.ready || s->anchor.height + s->anchor_interval < target)
		why = SVC_VDF_BOOTSTRAP;
	else if (anchor_evaluator(s, target) == s->self)
		why = SVC_VDF_DESIGNATED;
	else if (height >= target + anchor_fallback_after(s, target))
		why = SVC_VDF_FALLBACK;
	else
		return; /* the designated evaluator's anchor is on its way */
	anchor_evaluate(s, target, why);
}

json_t *svc_anchor_status(struct hm_services *s)
{
	return json_pack(
	        "{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "ready", s->anchor.ready,
	        "anchor_height", (json_int_t)s->anchor.height, "interval",
	        (json_int_t)s->anchor_interval, "vdf_evaluations", (json_int_t)s->vdf_evaluations,
	        "anchors_adopted", (json_int_t)s->anchors_adopted, "anchors_refused",
	        (json_int_t)s->anchors_refused, "fallbacks", (json_int_t)s->anchor_fallbacks,
	        "grace_blocks", (json_int_t)s->anchor_grace, "stale_refusals",
	        (json_int_t)s->anchor_stale_refusals);
}

/* The peer message hook, the held-anchor slots, and metrics when there is an API. */
static int anchor_init(struct hm_services *s)
{
	struct hm_metrics *m = s->metrics;
	int rc;

	s->anchor_held = calloc(s->cfg->nvalidators, sizeof(*s->anchor_held));
	if (s->anchor_held == NULL)
		return HM_ERR_NOMEM;
	hm_node_set_peer_msg_hook(s->node, on_peer_msg, s);
	if (m == NULL)
		return HM_OK;
	if ((rc = hm_metrics_counter(m, "hypermesh_potime_vdf_evaluations_total",
	                             "PoTime anchor VDFs this node evaluated.", NULL, 0,
	                             &s->m_vdf_evaluations)) ||
	    (rc = hm_metrics_counter(m, "hypermesh_potime_anchors_adopted_total",
	                             "PoTime anchors adopted from other validators.", NULL, 0,
	                             &s->m_anchors_adopted)) ||
	    (rc = hm_metrics_counter(m, "hypermesh_potime_anchors_refused_total",
	                             "PoTime anchors from other validators refused.", NULL, 0,
	                             &s->m_anchors_refused)) ||
	    (rc = hm_metrics_counter(m, "hypermesh_potime_anchor_fallbacks_total",
	                             "PoTime anchors evaluated here because the designated "
	                             "evaluator's did not come in time.",
	                             NULL, 0, &s->m_anchor_fallbacks)) ||
	    (rc = hm_metrics_counter(m, "hypermesh_potime_anchor_stale_total",
	                             "Operations not made because this node's PoTime anchor "
	                             "would leave the window before they commit (answered 503).",
	                             NULL, 0, &s->m_anchor_stale)) ||
	    (rc = hm_metrics_gauge(m, "hypermesh_potime_anchor_height",
	                           "Height of the PoTime anchor this node uses.", NULL, 0,
	                           &s->m_anchor_height)))
		return rc;
	return HM_OK;
}

static void on_commit(void *user, const struct hm_block_info *b, size_t ntx)
{
	struct hm_services *s = user;

	anchor_refresh(s, b->height);
	svc_api_on_commit(s, b, ntx);
}

/* ---- making operations ---- */

/*
 * Blocks an operation made now may need to commit: it waits in the mempool
 * for a proposal, and the pipelined commit lands a few blocks later. The
 * verifier (proofs_anchor_check) refuses an anchor more than anchor_window
 * blocks below the height it applies at, and a refusal then is final: the
 * client gets 422 for a request it did nothing wrong in. So an anchor within
 * this margin of going stale is not used to make an operation
 * (anchor_usable). An eighth of the governed window (a quarter of the
 * renewal interval), at most 64 blocks: at 150 blocks/s (near-empty blocks on
 * loopback) 64 blocks are 0.4 s, far more than a commit takes, and the
 * fraction keeps small test windows usable.
 */
#define COMMIT_MARGIN_MAX_BLOCKS 64

static uint64_t commit_margin(uint64_t window)
{
	uint64_t m = window / 8;

	if (m < 1)
		m = 1;
	return m < COMMIT_MARGIN_MAX_BLOCKS ? m : COMMIT_MARGIN_MAX_BLOCKS;
}

/*
 * Whether an operation made now with this node's anchor still passes the
 * verifier's window when it commits: anchor height + window must leave the
 * commit margin above the committed height. When it does not, the renewal
 * (anchor_refresh) is late - the designated evaluator's VDF took longer in
 * blocks than the interval, as when consensus runs at 100+ empty blocks/s -
 * and the caller answers "not ready, retry" (503, Retry-After) instead.
 */
static int anchor_usable(struct hm_services *s, uint64_t window)
{
	struct hm_node_status ns;

	if (!s->anchor.ready)
		return 0;
	hm_node_status(s->node, &ns);
	if (ns.applied_height < s->anchor.height)
		return 1; /* not reached: anchors are committed blocks */
	if (ns.applied_height - s->anchor.height + commit_margin(window) <= window)
		return 1;
	s->anchor_stale_refusals++;
	if (s->m_anchor_stale != NULL)
		hm_counter_inc(s->m_anchor_stale);
	if (s->anchor_stale_logged != s->anchor.height + 1) {
		/* Once per anchor: every request meanwhile would repeat it. */
		s->anchor_stale_logged = s->anchor.height + 1;
		hm_log(HM_LOG_WARN, LOG,
		       "PoTime anchor about to leave the window; waiting for the next",
		       HM_LOG_UINT("anchor", s->anchor.height),
		       HM_LOG_UINT("committed", ns.applied_height), HM_LOG_UINT("window", window),
		       HM_LOG_UINT("margin", commit_margin(window)));
	}
	return 0;
}

/* The proofs' parameters for type as committed state says now. */
static int current_params(struct hm_services *s, uint16_t type, struct hm_proof_params *p)
{
	struct state_view v;
	MDB_txn *txn;
	int rc;

	if ((rc = state_view_now(&v, s, &txn)) != HM_OK)
		return rc;
	rc = v.st.params(v.st.ctx, type, p);
	mdb_txn_abort(txn);
	return rc;
}

int svc_submit_op(struct hm_services *s, uint16_t type, const uint8_t *payload, size_t len,
                  uint8_t txid[HM_TXID_LEN])
{
	struct hm_envelope env;
	struct hm_proof_params params;
	struct hm_buf space, proofs, pq, tx;
	uint8_t digest[HM_ENV_DIGEST_LEN];
	const uint8_t *ca_der;
	size_t ca_len;
	uint64_t start, nonce;
	struct hm_envelope_signer signer = { s->sign_sk, 0, NULL, 0 };
	int rc;

	if (!s->anchor.ready)
		return HM_ERR_UNSUPPORTED;
	if ((rc = current_params(s, type, &params)) != HM_OK)
		return rc;
	if (!anchor_usable(s, params.anchor_window))
		return HM_ERR_UNSUPPORTED;
	memset(&env, 0, sizeof(env));
	env.type = type;
	memcpy(env.chain_id, s->chain_id, HM_ENV_CHAIN_ID_LEN);
	if ((rc = hm_random_bytes(&env.nonce, sizeof(env.nonce))) != HM_OK)
		return rc;
	env.payload = payload;
	env.payload_len = len;
	hm_tc_ca_cert(s->ca, &ca_der, &ca_len);
	env.n_certs = 2;
	env.cert[0] = s->cert.data;
	env.cert_len[0] = s->cert.len;
	env.cert[1] = ca_der;
	env.cert_len[1] = ca_len;
	if ((rc = hm_envelope_digest(&env, digest)) != HM_OK)
		return rc;

	hm_buf_init(&space);
	hm_buf_init(&proofs);
	hm_buf_init(&pq);
	hm_buf_init(&tx);
	if ((rc = hm_random_bytes(&start, sizeof(start))) != HM_OK ||
	    (rc = hm_plot_prove(s->plot, s->anchor.hash, digest, &space)) != HM_OK ||
	    (rc = hm_work_solve(digest, params.work_bits, start, WORK_MAX_TRIES, &nonce)) !=
	            HM_OK ||
	    (rc = hm_proof_set_encode(space.data, space.len, nonce, s->anchor.height,
	                              s->anchor.hash, s->vdf_iterations, s->anchor.vdf_proof.data,
	                              s->anchor.vdf_proof.len, &proofs)) != HM_OK)
		goto out;
	env.proofs = proofs.data;
	env.proofs_len = proofs.len;
	if ((rc = hm_envelope_sign(&env, digest, &signer, &pq)) != HM_OK ||
	    (rc = hm_envelope_encode(&env, &tx)) != HM_OK)
		goto out;
	rc = hm_node_submit(s->node, tx.data, tx.len, txid);
out:
	hm_buf_free(&space);
	hm_buf_free(&proofs);
	hm_buf_free(&pq);
	hm_buf_free(&tx);
	return rc;
}

/*
 * The log key (TrustChain genesis log.key: "HMTCPQK1" || uint16 alg ||
 * opaque pk<1..2^16-1> || opaque sk<1..2^16-1>) as a signed-note signer for
 * C2SP checkpoints. The origin, which is also the key name, names the chain's
 * log, the same on every validator: "hypermesh/<chain id>/ct".
 */
static int load_note_signer(struct hm_services *s, char *err, size_t errlen)
{
	char path[HM_NODE_PATH_MAX + 16];
	struct hm_buf f;
	struct hm_reader rd;
	const uint8_t *pk, *sk;
	size_t pk_len, sk_len;
	uint16_t alg;
	int rc;

	snprintf(s->origin, sizeof(s->origin), "hypermesh/%.*s/ct", (int)s->cfg->chain_id_len,
	         (const char *)s->cfg->chain_id);
	snprintf(path, sizeof(path), "%s/log.key", s->cfg->tc_genesis_dir);
	hm_buf_init(&f);
	if ((rc = hm_file_read(path, 65536, &f)) != HM_OK) {
		hm_buf_free(&f);
		return fail(err, errlen, rc, "%s: %s", path, hm_strerror(rc));
	}
	rc = HM_ERR_CORRUPT;
	if (f.len > 8 && memcmp(f.data, "HMTCPQK1", 8) == 0) {
		hm_reader_init(&rd, f.data + 8, f.len - 8);
		if (hm_get_u16(&rd, &alg) == HM_OK &&
		    hm_get_vec(&rd, 1, 0xffff, &pk, &pk_len) == HM_OK &&
		    hm_get_vec(&rd, 1, 0xffff, &sk, &sk_len) == HM_OK &&
		    hm_reader_finish(&rd) == HM_OK)
			rc = hm_ct_note_signer_init(&s->note_signer, s->origin,
			                            (enum hm_sig_alg)alg, sk, sk_len);
	}
	hm_buf_free(&f);
	if (rc != HM_OK)
		return fail(err, errlen, rc, "%s: not a usable log key: %s", path, hm_strerror(rc));
	s->has_note_signer = 1;
	return HM_OK;
}

/* ---- life cycle ---- */

static int load_identity(struct hm_services *s, char *err, size_t errlen)
{
	struct hm_identity id;
	int rc = hm_keystore_load(s->cfg->key_file, &id);

	if (rc != HM_OK)
		return fail(err, errlen, rc, "%s: %s", s->cfg->key_file, hm_strerror(rc));
	memcpy(s->sign_sk, id.sk, 32);
	memcpy(s->sign_sk + 32, id.pk, 32);
	hm_identity_wipe(&id);
	rc = hm_file_read(s->cfg->tc_certificate, HM_TC_CERT_MAX, &s->cert);
	if (rc != HM_OK)
		return fail(err, errlen, rc, "%s: %s", s->cfg->tc_certificate, hm_strerror(rc));
	return HM_OK;
}

/*
 * The node's STOQ revocation check (hm_node_set_cert_revoked_hook): a
 * certificate of a peer's chain that committed TrustChain state revoked
 * refuses the handshake. user is the TrustChain module's ctx, which the
 * executor owns as long as the node lives. State that cannot be read
 * refuses too: a node that cannot tell must not admit.
 */
static int stoq_cert_revoked(void *user, const uint8_t *serial, size_t serial_len, int depth)
{
	char hex[2 * HM_TC_SERIAL_LEN + 1] = "";
	int revoked, rc;

	rc = hm_tc_cert_is_revoked(user, serial, serial_len, &revoked);
	if (rc == HM_OK && !revoked)
		return 0;
	if (serial_len == HM_TC_SERIAL_LEN)
		(void)hm_hex_encode(hex, sizeof(hex), serial, serial_len);
	if (rc != HM_OK)
		hm_log(HM_LOG_ERROR, LOG, "cannot read TrustChain revocations; STOQ peer refused",
		       HM_LOG_STR("serial", hex), HM_LOG_STR("err", hm_strerror(rc)));
	else
		hm_log(HM_LOG_WARN, LOG, "STOQ peer certificate revoked in TrustChain state",
		       HM_LOG_STR("serial", hex), HM_LOG_INT("depth", depth));
	return 1;
}

int hm_services_new(struct hm_services **out, struct hm_node *node, char *err, size_t errlen)
{
	const struct hm_node_config *cfg = hm_node_config_of(node);
	struct hm_tc_module_config tcc;
	struct hm_module tcm, wrapped;
	char ct_path[HM_NODE_PATH_MAX + 16], log_key[HM_NODE_PATH_MAX + 16];
	struct hm_services *s;
	int rc;

	if (!cfg->has_trustchain)
		return fail(err, errlen, HM_ERR_INVALID, "the config has no [trustchain] section");
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return fail(err, errlen, HM_ERR_NOMEM, "out of memory");
	s->node = node;
	s->ex = hm_node_executor(node);
	s->loop = hm_node_loop(node);
	s->cfg = cfg;
	hm_buf_init(&s->anchor.vdf_proof);
	hm_buf_init(&s->cert);
	hm_vdf_cache_init(&s->vdf_cache);
	hm_stake_cache_init(&s->stake_cache);
	hm_sha256(s->chain_id, cfg->chain_id, cfg->chain_id_len);
	*out = s;
	if ((rc = load_identity(s, err, errlen)) != HM_OK)
		return rc;
	s->self = UINT16_MAX;
	for (uint16_t i = 0; i < cfg->nvalidators; i++) {
		uint8_t id[HM_NODE_ID_LEN];

		hm_sha256(id, s->sign_sk + 32, 32);
		if (memcmp(id, cfg->validators[i].node_id, HM_NODE_ID_LEN) == 0)
			s->self = i;
	}
	if (s->self == UINT16_MAX)
		return fail(err, errlen, HM_ERR_INVALID, "this node's key is not a validator's");
	if ((rc = hm_tc_genesis_load(cfg->tc_genesis_dir, &s->genesis)) != HM_OK)
		return fail(err, errlen, rc, "%s: TrustChain genesis: %s", cfg->tc_genesis_dir,
		            hm_strerror(rc));
	if ((rc = load_gov_genesis(s, cfg->tc_genesis_dir, err, errlen)) != HM_OK)
		return rc;
	s->vdf_iterations = s->gen_vdf_iterations;
	s->anchor_window = s->gen_anchor_window;
	/* The anchor schedule ("PoTime anchors"), before any commit can reach on_commit. */
	s->anchor_interval = s->anchor_window / 2 > 0 ? s->anchor_window / 2 : 1;
	s->anchor_grace = cfg->tc_anchor_grace_blocks;
	if (s->anchor_grace == 0)
		s->anchor_grace = s->anchor_interval / 2 > 0 ? s->anchor_interval / 2 : 1;
	if ((rc = hm_tc_genesis_load_ca(cfg->tc_genesis_dir, s->self, &s->ca)) != HM_OK)
		return fail(err, errlen, rc, "%s: intermediate CA %u: %s", cfg->tc_genesis_dir,
		            s->self, hm_strerror(rc));
	if ((rc = load_note_signer(s, err, errlen)) != HM_OK)
		return rc;
	if ((rc = hm_plot_open(cfg->tc_plot_dir, &s->plot)) != HM_OK)
		return fail(err, errlen, rc, "%s: plot: %s", cfg->tc_plot_dir, hm_strerror(rc));

	/* Governance, wrapped so that its genesis is applied when first opened. */
	if ((rc = hm_gov_module_new(&s->gov)) != HM_OK)
		return fail(err, errlen, rc, "governance module: %s", hm_strerror(rc));
	wrapped = s->gov;
	wrapped.ctx = s;
	wrapped.open = gov_open;
	wrapped.check = gov_check;
	wrapped.apply = gov_apply;
	wrapped.committed = gov_committed;
	wrapped.close = gov_close;
	if ((rc = hm_executor_add_module(s->ex, &wrapped)) != HM_OK)
		return fail(err, errlen, rc, "governance module: %s", hm_strerror(rc));

	if (cfg->tc_ct_log[0] != '\0')
		snprintf(ct_path, sizeof(ct_path), "%s", cfg->tc_ct_log);
	else
		snprintf(ct_path, sizeof(ct_path), "%s/ct.lmdb", cfg->data_dir);
	snprintf(log_key, sizeof(log_key), "%s/log.key", cfg->tc_genesis_dir);
	memset(&tcc, 0, sizeof(tcc));
	tcc.genesis_dir = cfg->tc_genesis_dir;
	tcc.ct_log_path = ct_path;
	tcc.log_key_path = log_key;
	if ((rc = hm_tc_module_new(&tcc, &tcm)) != HM_OK)
		return fail(err, errlen, rc, "TrustChain module: %s", hm_strerror(rc));
	s->tc = tcm.ctx;
	if ((rc = hm_executor_add_module(s->ex, &tcm)) != HM_OK) {
		tcm.close(tcm.ctx);
		s->tc = NULL;
		return fail(err, errlen, rc, "TrustChain module: %s", hm_strerror(rc));
	}
	hm_node_set_cert_revoked_hook(node, stoq_cert_revoked, s->tc);
	hm_executor_set_verifier(s->ex, verify_op, s);
	hm_node_set_commit_hook(node, on_commit, s);
	hm_node_set_rpc_hook(node, on_rpc, s);
	if ((rc = svc_api_new(s, err, errlen)) != HM_OK)
		return rc;
	if ((rc = anchor_init(s)) != HM_OK)
		return fail(err, errlen, rc, "PoTime anchors: %s", hm_strerror(rc));
	return HM_OK;
}

int hm_services_start(struct hm_services *s, char *err, size_t errlen)
{
	struct hm_node_status ns;
	int rc;

	hm_node_status(s->node, &ns);
	s->anchors_live = 1;
	anchor_refresh(s, ns.applied_height);
	if (s->http != NULL && (rc = hm_http_server_start(s->http)) != HM_OK)
		return fail(err, errlen, rc, "API on %s:%u: %s", s->cfg->api_listen.host,
		            s->cfg->api_listen.port, hm_strerror(rc));
	if (s->http != NULL)
		hm_log(HM_LOG_INFO, LOG, "API listening",
		       HM_LOG_STR("host", s->cfg->api_listen.host),
		       HM_LOG_UINT("port", hm_http_server_port(s->http)));
	return HM_OK;
}

uint16_t hm_services_api_port(const struct hm_services *s)
{
	return s->http ? hm_http_server_port(s->http) : 0;
}

void hm_services_stop(struct hm_services *s)
{
	if (s == NULL || s->stopping)
		return;
	s->stopping = 1;
	hm_node_set_commit_hook(s->node, NULL, NULL);
	hm_node_set_rpc_hook(s->node, NULL, NULL);
	hm_node_set_peer_msg_hook(s->node, NULL, NULL);
	if (s->http != NULL) {
		hm_http_server_close(s->http);
		s->http = NULL;
	}
	/* A VDF still running finishes on the pool; its result is dropped. */
	if (s->vdf_job != NULL) {
		s->vdf_job->s = NULL;
		s->vdf_job = NULL;
	}
}

void hm_services_free(struct hm_services *s)
{
	if (s == NULL)
		return;
	hm_services_stop(s);
	svc_api_free(s);
	hm_plot_close(s->plot);
	hm_tc_ca_free(s->ca);
	hm_tc_genesis_free(&s->genesis);
	hm_tc_ratelimit_free(s->ratelimit);
	hm_metrics_del(s->metrics);
	free(s->gen_plots);
	free(s->anchor_held);
	hm_buf_free(&s->cert);
	hm_buf_free(&s->anchor.vdf_proof);
	hm_wipe(s->sign_sk, sizeof(s->sign_sk));
	if (s->has_note_signer)
		hm_ct_note_signer_wipe(&s->note_signer);
	free(s);
}
