/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PoTime: the anchor (a recent committed block: "after") and the VDF over it
 * ("at least T sequential squarings after"). Every operation anchored to one
 * block carries the same VDF proof, so verified proofs are cached: the cost
 * is one VDF verification per anchor, not per operation.
 */
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/sha3.h"
#include "hypermesh/vdf.h"
#include "proofs_internal.h"

static const char cache_label[] = "hypermesh/vdf-cache/v1";

void hm_vdf_cache_init(struct hm_vdf_cache *cache)
{
	memset(cache, 0, sizeof(*cache));
}

void hm_time_vdf_input(const uint8_t chain_id[HM_ENV_CHAIN_ID_LEN],
                       const uint8_t anchor_hash[HM_PROOF_HASH_LEN],
                       uint8_t input[HM_TIME_VDF_INPUT_LEN])
{
	memcpy(input, chain_id, HM_ENV_CHAIN_ID_LEN);
	memcpy(input + HM_ENV_CHAIN_ID_LEN, anchor_hash, HM_PROOF_HASH_LEN);
}

int proofs_anchor_check(const struct hm_proof_set *ps, const struct hm_proofs_context *ctx,
                        const struct hm_proof_params *params, enum hm_proof_reason *reason)
{
	const struct hm_proof_state *st = ctx->state;
	uint8_t hash[HM_PROOF_HASH_LEN];
	uint64_t height;
	int rc;

	if ((rc = st->height(st->ctx, &height)) != HM_OK)
		return rc;
	if (ps->anchor_height > height) {
		*reason = HM_PROOF_TIME_FUTURE;
		return HM_ERR_VERIFY;
	}
	if (height - ps->anchor_height > params->anchor_window) {
		*reason = HM_PROOF_TIME_STALE;
		return HM_ERR_VERIFY;
	}
	rc = st->block_hash(st->ctx, ps->anchor_height, hash);
	if (rc == HM_ERR_NOT_FOUND ||
	    (rc == HM_OK && memcmp(hash, ps->anchor_hash, sizeof(hash)))) {
		*reason = HM_PROOF_TIME_ANCHOR_HASH;
		return HM_ERR_VERIFY;
	}
	return rc;
}

static void cache_key(const uint8_t *input, uint64_t iterations, const uint8_t *proof,
                      size_t proof_len, uint8_t key[HM_PROOF_HASH_LEN])
{
	struct hm_keccak k;
	uint8_t t[8];

	for (int i = 0; i < 8; i++)
		t[i] = (uint8_t)(iterations >> (56 - 8 * i));
	hm_sha3_256_init(&k);
	hm_keccak_absorb(&k, cache_label, sizeof(cache_label) - 1);
	hm_keccak_absorb(&k, input, HM_TIME_VDF_INPUT_LEN);
	hm_keccak_absorb(&k, t, sizeof(t));
	hm_keccak_absorb(&k, proof, proof_len);
	hm_sha3_final(&k, key);
}

static int cache_find(struct hm_vdf_cache *c, const uint8_t key[HM_PROOF_HASH_LEN])
{
	for (unsigned i = 0; i < c->used; i++)
		if (memcmp(c->key[i], key, HM_PROOF_HASH_LEN) == 0)
			return 1;
	return 0;
}

static void cache_add(struct hm_vdf_cache *c, const uint8_t key[HM_PROOF_HASH_LEN])
{
	memcpy(c->key[c->next], key, HM_PROOF_HASH_LEN);
	c->next = (c->next + 1) % HM_VDF_CACHE_SLOTS;
	if (c->used < HM_VDF_CACHE_SLOTS)
		c->used++;
}

int proofs_time_verify(const struct hm_proof_set *ps, const struct hm_envelope *env,
                       const struct hm_proofs_context *ctx, const struct hm_proof_params *params,
                       enum hm_proof_reason *reason)
{
	uint8_t input[HM_TIME_VDF_INPUT_LEN], key[HM_PROOF_HASH_LEN];
	int rc;

	if ((rc = proofs_anchor_check(ps, ctx, params, reason)) != HM_OK)
		return rc;
	if (ps->vdf_iterations != params->vdf_iterations) {
		*reason = HM_PROOF_TIME_ITERATIONS;
		return HM_ERR_VERIFY;
	}
	hm_time_vdf_input(env->chain_id, ps->anchor_hash, input);
	if (ctx->vdf_cache != NULL) {
		cache_key(input, ps->vdf_iterations, ps->vdf_proof, ps->vdf_proof_len, key);
		if (cache_find(ctx->vdf_cache, key)) {
			ctx->vdf_cache->hits++;
			return HM_OK;
		}
		ctx->vdf_cache->misses++;
	}
	rc = hm_vdf_verify(input, sizeof(input), ps->vdf_iterations, ps->vdf_proof,
	                   ps->vdf_proof_len);
	if (rc == HM_ERR_NOMEM)
		return rc;
	if (rc != HM_OK) {
		*reason = HM_PROOF_TIME_VDF;
		return HM_ERR_VERIFY;
	}
	if (ctx->vdf_cache != NULL)
		cache_add(ctx->vdf_cache, key);
	return HM_OK;
}
