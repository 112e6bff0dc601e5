/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PoTime: the anchor (a recent committed block: "after") and the VDF over it
 * ("at least T sequential squarings after"). Every operation anchored to one
 * block carries the same VDF proof, so verified proofs are cached: the cost
 * is one VDF verification per anchor, not per operation.
 */
#include <string.h>

#include "hypermesh/codec.h"
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

int hm_time_vdf_verify_cached(struct hm_vdf_cache *cache,
                              const uint8_t input[HM_TIME_VDF_INPUT_LEN], uint64_t iterations,
                              const uint8_t *proof, size_t proof_len)
{
	uint8_t key[HM_PROOF_HASH_LEN];
	int rc;

	if (cache != NULL) {
		cache_key(input, iterations, proof, proof_len, key);
		if (cache_find(cache, key)) {
			cache->hits++;
			return HM_OK;
		}
		cache->misses++;
	}
	rc = hm_vdf_verify(input, HM_TIME_VDF_INPUT_LEN, iterations, proof, proof_len);
	if (rc == HM_OK && cache != NULL)
		cache_add(cache, key);
	return rc;
}

/* ---- the anchor message validators share (docs/NODE.md, "PoTime anchors") ---- */

int hm_time_anchor_encode(const struct hm_time_anchor *a, struct hm_buf *out)
{
	size_t mark = out->len;
	int rc;

	if (a->vdf_proof_len != HM_VDF_PROOF_LEN || a->vdf_iterations == 0 ||
	    a->vdf_iterations > HM_VDF_ITERATIONS_MAX)
		return HM_ERR_INVALID;
	if ((rc = hm_put_u8(out, HM_TIME_ANCHOR_VERSION)) != HM_OK ||
	    (rc = hm_put_u64(out, a->height)) != HM_OK ||
	    (rc = hm_put_bytes(out, a->hash, HM_PROOF_HASH_LEN)) != HM_OK ||
	    (rc = hm_put_u64(out, a->vdf_iterations)) != HM_OK ||
	    (rc = hm_put_vec(out, 1, 0xffff, a->vdf_proof, a->vdf_proof_len)) != HM_OK)
		hm_buf_truncate(out, mark);
	return rc;
}

int hm_time_anchor_decode(struct hm_time_anchor *a, const uint8_t *p, size_t len)
{
	struct hm_reader rd;
	uint8_t version;
	int rc;

	memset(a, 0, sizeof(*a));
	hm_reader_init(&rd, p, len);
	if ((rc = hm_get_u8(&rd, &version)) != HM_OK)
		return rc;
	if (version != HM_TIME_ANCHOR_VERSION)
		return HM_ERR_UNSUPPORTED;
	if ((rc = hm_get_u64(&rd, &a->height)) != HM_OK ||
	    (rc = hm_get_bytes(&rd, a->hash, HM_PROOF_HASH_LEN)) != HM_OK ||
	    (rc = hm_get_u64(&rd, &a->vdf_iterations)) != HM_OK ||
	    (rc = hm_get_vec(&rd, 1, 0xffff, &a->vdf_proof, &a->vdf_proof_len)) != HM_OK ||
	    (rc = hm_reader_finish(&rd)) != HM_OK)
		goto bad;
	/* Every Wesolowski proof has one length; T is bounded like hm_vdf_eval's. */
	if (a->vdf_proof_len != HM_VDF_PROOF_LEN) {
		rc = HM_ERR_LENGTH;
		goto bad;
	}
	if (a->vdf_iterations == 0 || a->vdf_iterations > HM_VDF_ITERATIONS_MAX) {
		rc = HM_ERR_INVALID;
		goto bad;
	}
	return HM_OK;
bad:
	memset(a, 0, sizeof(*a));
	return rc;
}

int proofs_time_verify(const struct hm_proof_set *ps, const struct hm_envelope *env,
                       const struct hm_proofs_context *ctx, const struct hm_proof_params *params,
                       enum hm_proof_reason *reason)
{
	uint8_t input[HM_TIME_VDF_INPUT_LEN];
	int rc;

	if ((rc = proofs_anchor_check(ps, ctx, params, reason)) != HM_OK)
		return rc;
	if (ps->vdf_iterations != params->vdf_iterations) {
		*reason = HM_PROOF_TIME_ITERATIONS;
		return HM_ERR_VERIFY;
	}
	hm_time_vdf_input(env->chain_id, ps->anchor_hash, input);
	rc = hm_time_vdf_verify_cached(ctx->vdf_cache, input, ps->vdf_iterations, ps->vdf_proof,
	                               ps->vdf_proof_len);
	if (rc == HM_ERR_NOMEM)
		return rc;
	if (rc != HM_OK) {
		*reason = HM_PROOF_TIME_VDF;
		return HM_ERR_VERIFY;
	}
	return HM_OK;
}
