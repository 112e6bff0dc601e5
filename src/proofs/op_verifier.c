/* SPDX-License-Identifier: Apache-2.0 */
/* Envelope + four proofs + governance state -> the hm_op a module applies. */
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/op_verifier.h"

static int judge(struct hm_op_verifier *v, const uint8_t *tx, size_t len, uint64_t now_s,
                 struct hm_proofs_result *res, struct hm_envelope *env,
                 uint8_t digest[HM_ENV_DIGEST_LEN])
{
	struct hm_gov_view view;
	struct hm_proof_state st;
	struct hm_proofs_context ctx;
	MDB_txn *txn = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = hm_envelope_decode(env, digest, tx, len)) != HM_OK) {
		res->failed = 0xf;
		for (int k = 0; k < HM_PROOF_KINDS; k++) {
			res->reason[k] = HM_PROOF_MALFORMED;
			res->code[k] = rc;
		}
		return rc;
	}
	if ((rc = v->txn_begin(v->node_ctx, &txn)) != HM_OK)
		return rc;
	view = (struct hm_gov_view){ v->gov_ctx,    txn,       v->node_ctx,
		                     v->block_hash, v->height, v->trustchain_ctx };
	hm_gov_state(&view, &st);
	ctx = (struct hm_proofs_context){
		.state = &st, .chain_id = v->chain_id, .now_s = now_s, .vdf_cache = &v->cache
	};
	rc = hm_proofs_validate(env, digest, &ctx, res);
	v->txn_end(v->node_ctx, txn);
	return rc;
}

int hm_op_verifier_check(struct hm_op_verifier *v, const uint8_t *tx, size_t len, uint64_t now_s,
                         struct hm_proofs_result *res, uint8_t digest[HM_ENV_DIGEST_LEN])
{
	struct hm_envelope env;
	uint8_t d[HM_ENV_DIGEST_LEN];
	int rc;

	if (v == NULL || res == NULL || (tx == NULL && len > 0) || v->txn_begin == NULL ||
	    v->txn_end == NULL || v->block_hash == NULL || v->height == NULL || v->gov_ctx == NULL)
		return HM_ERR_INVALID;
	rc = judge(v, tx, len, now_s, res, &env, d);
	if (digest != NULL)
		memcpy(digest, d, sizeof(d));
	return rc;
}

int hm_op_verify(void *ctx, const uint8_t *tx, size_t len, const struct hm_block_info *b,
                 struct hm_op *out)
{
	struct hm_op_verifier *v = ctx;
	struct hm_envelope env;
	uint8_t digest[HM_ENV_DIGEST_LEN];
	int rc;

	if (v == NULL || b == NULL || out == NULL || (tx == NULL && len > 0) ||
	    v->txn_begin == NULL || v->txn_end == NULL || v->block_hash == NULL ||
	    v->height == NULL || v->gov_ctx == NULL)
		return HM_ERR_INVALID;
	rc = judge(v, tx, len, b->timestamp_ms / 1000, &v->last, &env, digest);
	if (rc != HM_OK)
		return rc;
	if (!v->last.signer_known)
		return HM_ERR_VERIFY; /* cannot happen once PoStake passed */
	memset(out, 0, sizeof(*out));
	out->type = env.type;
	out->payload = env.payload;
	out->payload_len = env.payload_len;
	memcpy(out->digest, digest, HM_MODULE_HASH_LEN);
	memcpy(out->signer, v->last.signer, HM_MODULE_HASH_LEN);
	return HM_OK;
}
