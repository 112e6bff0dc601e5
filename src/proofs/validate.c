/* SPDX-License-Identifier: Apache-2.0 */
/* hm_proofs_validate: all four proofs, each judged, each failure named. */
#include <string.h>

#include "hypermesh/codec.h"
#include "hypermesh/error.h"
#include "hypermesh/governance.h"
#include "proofs_internal.h"

const char *hm_proof_kind_name(enum hm_proof_kind kind)
{
	switch (kind) {
	case HM_PROOF_STAKE:
		return "postake";
	case HM_PROOF_SPACE:
		return "pospace";
	case HM_PROOF_WORK:
		return "powork";
	case HM_PROOF_TIME:
		return "potime";
	}
	return "unknown";
}

const char *hm_proof_reason_str(enum hm_proof_reason reason)
{
	switch (reason) {
	case HM_PROOF_OK:
		return "valid";
	case HM_PROOF_MALFORMED:
		return "proof set malformed";
	case HM_PROOF_STATE_ERROR:
		return "committed state unreadable on this node";
	case HM_PROOF_CHAIN_ID:
		return "operation is for another chain";
	case HM_PROOF_STAKE_CERT:
		return "signer certificate malformed or not Ed25519";
	case HM_PROOF_STAKE_CHAIN:
		return "certificate chain does not lead to the TrustChain root";
	case HM_PROOF_STAKE_TIME:
		return "certificate not valid at the block time";
	case HM_PROOF_STAKE_SIGNATURE:
		return "Ed25519 signature over the operation digest invalid";
	case HM_PROOF_STAKE_PQ_MISSING:
		return "signer has a post-quantum key but no post-quantum signature";
	case HM_PROOF_STAKE_PQ_SIGNATURE:
		return "post-quantum signature invalid or not checkable";
	case HM_PROOF_STAKE_PQ_UNEXPECTED:
		return "post-quantum signature from a signer without a post-quantum key";
	case HM_PROOF_STAKE_LEVEL:
		return "signer authority level below the operation's requirement";
	case HM_PROOF_STAKE_AMOUNT:
		return "signer stake below the operation's requirement";
	case HM_PROOF_SPACE_UNREGISTERED:
		return "signer has no registered plot";
	case HM_PROOF_SPACE_SIZE:
		return "plot size differs from the registered commitment";
	case HM_PROOF_SPACE_LABEL:
		return "challenged label not derived from its parents";
	case HM_PROOF_SPACE_PATH:
		return "opening does not lead to the registered plot root";
	case HM_PROOF_WORK_INSUFFICIENT:
		return "proof of work below the operation type's difficulty";
	case HM_PROOF_TIME_FUTURE:
		return "anchor block is above the committed height";
	case HM_PROOF_TIME_STALE:
		return "anchor block is older than the window";
	case HM_PROOF_TIME_ANCHOR_HASH:
		return "anchor hash is not the committed block's";
	case HM_PROOF_TIME_ITERATIONS:
		return "VDF iterations differ from the chain's";
	case HM_PROOF_TIME_VDF:
		return "VDF proof invalid";
	case HM_PROOF_STAKE_REVOKED:
		return "a certificate of the signer's chain is revoked";
	}
	return "unknown reason";
}

int hm_proofs_result_encode(const struct hm_proofs_result *res, struct hm_buf *out)
{
	size_t start;
	int rc = HM_OK;

	if (res == NULL || out == NULL || res->failed > 0xf)
		return HM_ERR_INVALID;
	for (int k = 0; k < HM_PROOF_KINDS; k++)
		if ((unsigned)res->reason[k] > 255 || res->code[k] > 0 || res->code[k] < -255)
			return HM_ERR_RANGE;
	start = out->len;
	rc = hm_put_u8(out, (uint8_t)res->failed);
	for (int k = 0; k < HM_PROOF_KINDS && rc == HM_OK; k++)
		if ((rc = hm_put_u8(out, (uint8_t)res->reason[k])) == HM_OK)
			rc = hm_put_u8(out, (uint8_t)-res->code[k]);
	if (rc == HM_OK && (rc = hm_put_u8(out, res->signer_known ? 1 : 0)) == HM_OK)
		rc = hm_put_bytes(out, res->signer, HM_KEY_ID_LEN);
	if (rc != HM_OK)
		(void)hm_buf_truncate(out, start);
	return rc;
}

int hm_proofs_result_decode(struct hm_proofs_result *res, const uint8_t *in, size_t len)
{
	struct hm_proofs_result r;
	struct hm_reader rd;
	uint8_t failed, known;
	int rc;

	if (res == NULL || (in == NULL && len > 0))
		return HM_ERR_INVALID;
	memset(&r, 0, sizeof(r));
	hm_reader_init(&rd, in, len);
	if ((rc = hm_get_u8(&rd, &failed)))
		return rc;
	if (failed > 0xf)
		return HM_ERR_INVALID;
	r.failed = failed;
	for (int k = 0; k < HM_PROOF_KINDS; k++) {
		uint8_t reason, error;

		if ((rc = hm_get_u8(&rd, &reason)) || (rc = hm_get_u8(&rd, &error)))
			return rc;
		/* A refused proof has a reason and an error; an accepted one neither. */
		if (reason > HM_PROOF_REASON_MAX || (reason != 0) != ((failed >> k) & 1) ||
		    (error != 0) != (reason != 0))
			return HM_ERR_INVALID;
		r.reason[k] = (enum hm_proof_reason)reason;
		r.code[k] = -(int)error;
	}
	if ((rc = hm_get_u8(&rd, &known)) || (rc = hm_get_bytes(&rd, r.signer, HM_KEY_ID_LEN)) ||
	    (rc = hm_reader_finish(&rd)))
		return rc;
	if (known > 1)
		return HM_ERR_INVALID;
	r.signer_known = known;
	*res = r;
	return HM_OK;
}

static void set(struct hm_proofs_result *res, enum hm_proof_kind kind, int rc,
                enum hm_proof_reason reason)
{
	if (rc == HM_OK)
		return;
	res->failed |= HM_PROOF_BIT(kind);
	res->code[kind] = rc;
	/* An error that named no reason came from reading state, not from the proof. */
	res->reason[kind] = reason == HM_PROOF_OK ? HM_PROOF_STATE_ERROR : reason;
}

int hm_proofs_validate(const struct hm_envelope *env, const uint8_t digest[HM_ENV_DIGEST_LEN],
                       const struct hm_proofs_context *ctx, struct hm_proofs_result *res)
{
	const struct hm_proof_state *st;
	struct hm_proof_params params;
	struct hm_proof_set ps;
	enum hm_proof_reason why;
	int rc, anchor_rc;

	if (env == NULL || digest == NULL || ctx == NULL || ctx->state == NULL ||
	    ctx->chain_id == NULL || res == NULL)
		return HM_ERR_INVALID;
	st = ctx->state;
	memset(res, 0, sizeof(*res));
	if ((rc = st->params(st->ctx, env->type, &params)) != HM_OK)
		return rc;

	if (memcmp(env->chain_id, ctx->chain_id, HM_ENV_CHAIN_ID_LEN) != 0) {
		/* Another chain's operation: nothing in it means anything here. */
		for (int k = 0; k < HM_PROOF_KINDS; k++)
			set(res, (enum hm_proof_kind)k, HM_ERR_VERIFY, HM_PROOF_CHAIN_ID);
		return HM_ERR_VERIFY;
	}

	why = HM_PROOF_OK;
	rc = proofs_stake_verify(env, digest, ctx, &params, res->signer, &res->signer_known, &why);
	if (proofs_is_node_failure(rc))
		return rc;
	set(res, HM_PROOF_STAKE, rc, why);

	rc = hm_proof_set_decode(&ps, env->proofs, env->proofs_len);
	if (rc != HM_OK) {
		set(res, HM_PROOF_SPACE, rc, HM_PROOF_MALFORMED);
		set(res, HM_PROOF_WORK, rc, HM_PROOF_MALFORMED);
		set(res, HM_PROOF_TIME, rc, HM_PROOF_MALFORMED);
		return HM_ERR_VERIFY;
	}

	/* PoWork: one hash. */
	if (hm_work_bits(digest, ps.work_nonce) < params.work_bits)
		set(res, HM_PROOF_WORK, HM_ERR_VERIFY, HM_PROOF_WORK_INSUFFICIENT);

	/* PoTime (the anchor check is shared with PoSpace, whose challenges it seeds). */
	why = HM_PROOF_OK;
	anchor_rc = proofs_time_verify(&ps, env, ctx, &params, &why);
	if (proofs_is_node_failure(anchor_rc))
		return anchor_rc;
	set(res, HM_PROOF_TIME, anchor_rc, why);

	/* PoSpace: needs the signer, and an authentic, fresh anchor. */
	why = HM_PROOF_OK;
	if (!res->signer_known) {
		rc = HM_ERR_VERIFY;
		why = HM_PROOF_STAKE_CERT;
	} else if ((rc = proofs_anchor_check(&ps, ctx, &params, &why)) == HM_OK) {
		int reg = env->type == HM_OP_GOV_PLOT_REGISTER;

		rc = proofs_space_verify(&ps, res->signer, digest, ctx, reg ? env->payload : NULL,
		                         reg ? env->payload_len : 0, &why);
	}
	if (proofs_is_node_failure(rc))
		return rc;
	set(res, HM_PROOF_SPACE, rc, why);
	return res->failed ? HM_ERR_VERIFY : HM_OK;
}
