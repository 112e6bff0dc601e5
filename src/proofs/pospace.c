/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PoSpace: label derivation, challenges, Merkle hashing and verification.
 * The plot files and proving are in plot.c.
 */
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/proofs.h"
#include "hypermesh/secure.h"
#include "hypermesh/sha3.h"
#include "proofs_internal.h"

static const char seed_label[] = "hypermesh/plot-seed/v1";
static const char label_label[] = "hypermesh/plot-label/v1";
static const char challenge_label[] = "hypermesh/space-challenge/v1";

static void put_u64(uint8_t out[8], uint64_t v)
{
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t get_u64(const uint8_t in[8])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | in[i];
	return v;
}

void hm_space_seed(const uint8_t key_id[HM_KEY_ID_LEN], uint8_t log2_labels,
                   uint8_t seed[HM_PROOF_HASH_LEN])
{
	struct hm_keccak k;

	hm_sha3_256_init(&k);
	hm_keccak_absorb(&k, seed_label, sizeof(seed_label) - 1);
	hm_keccak_absorb(&k, key_id, HM_KEY_ID_LEN);
	hm_keccak_absorb(&k, &log2_labels, 1);
	hm_sha3_final(&k, seed);
}

void hm_space_label(const uint8_t seed[HM_PROOF_HASH_LEN], uint64_t index,
                    const uint8_t prev[HM_SPACE_LABEL_LEN],
                    const uint8_t parent[HM_SPACE_LABEL_LEN], uint8_t out[HM_SPACE_LABEL_LEN])
{
	/* One Keccak block: label (23) + seed (32) + index (8) + 2 labels (64) = 127 < 136. */
	uint8_t in[sizeof(label_label) - 1 + HM_PROOF_HASH_LEN + 8 + 2 * HM_SPACE_LABEL_LEN];
	size_t at = 0;

	memcpy(in, label_label, sizeof(label_label) - 1);
	at += sizeof(label_label) - 1;
	memcpy(in + at, seed, HM_PROOF_HASH_LEN);
	at += HM_PROOF_HASH_LEN;
	put_u64(in + at, index);
	at += 8;
	memcpy(in + at, prev, HM_SPACE_LABEL_LEN);
	at += HM_SPACE_LABEL_LEN;
	memcpy(in + at, parent, HM_SPACE_LABEL_LEN);
	hm_sha3_256(out, in, sizeof(in));
}

uint64_t hm_space_parent_index(uint64_t index, const uint8_t prev[HM_SPACE_LABEL_LEN])
{
	return index == 0 ? 0 : get_u64(prev) % index;
}

void hm_space_challenges(const uint8_t anchor_hash[HM_PROOF_HASH_LEN],
                         const uint8_t digest[HM_ENV_DIGEST_LEN], uint8_t log2_labels,
                         uint64_t idx[HM_SPACE_CHALLENGES])
{
	uint8_t in[sizeof(challenge_label) - 1 + HM_PROOF_HASH_LEN + HM_ENV_DIGEST_LEN];
	uint8_t out[8 * HM_SPACE_CHALLENGES];
	uint64_t mask = log2_labels >= 64 ? UINT64_MAX : (UINT64_C(1) << log2_labels) - 1;

	memcpy(in, challenge_label, sizeof(challenge_label) - 1);
	memcpy(in + sizeof(challenge_label) - 1, anchor_hash, HM_PROOF_HASH_LEN);
	memcpy(in + sizeof(challenge_label) - 1 + HM_PROOF_HASH_LEN, digest, HM_ENV_DIGEST_LEN);
	hm_shake256(out, sizeof(out), in, sizeof(in));
	/* 2^log2 labels: masking is unbiased. */
	for (unsigned i = 0; i < HM_SPACE_CHALLENGES; i++)
		idx[i] = get_u64(out + 8 * i) & mask;
}

void hm_space_leaf_hash(const uint8_t label[HM_SPACE_LABEL_LEN], uint8_t out[HM_PROOF_HASH_LEN])
{
	uint8_t in[1 + HM_SPACE_LABEL_LEN];

	in[0] = 0x00;
	memcpy(in + 1, label, HM_SPACE_LABEL_LEN);
	hm_sha3_256(out, in, sizeof(in));
}

void hm_space_node_hash(const uint8_t left[HM_PROOF_HASH_LEN],
                        const uint8_t right[HM_PROOF_HASH_LEN], uint8_t out[HM_PROOF_HASH_LEN])
{
	uint8_t in[1 + 2 * HM_PROOF_HASH_LEN];

	in[0] = 0x01;
	memcpy(in + 1, left, HM_PROOF_HASH_LEN);
	memcpy(in + 1 + HM_PROOF_HASH_LEN, right, HM_PROOF_HASH_LEN);
	hm_sha3_256(out, in, sizeof(in));
}

static const uint8_t zero_label[HM_SPACE_LABEL_LEN];

/*
 * Checks ps's openings against commitment c for the challenges of (anchor,
 * digest), one hash at a time: the reference the four-way version below
 * must agree with, result and reason (tests/proofs/test_space_x4.c).
 */
static int verify_openings_scalar(const struct hm_plot_commitment *c, const struct hm_proof_set *ps,
                                  const uint8_t digest[HM_ENV_DIGEST_LEN],
                                  enum hm_proof_reason *reason)
{
	uint8_t seed[HM_PROOF_HASH_LEN], h[HM_PROOF_HASH_LEN];
	uint64_t idx[HM_SPACE_CHALLENGES];

	if (c->log2_labels != ps->space_log2) {
		*reason = HM_PROOF_SPACE_SIZE;
		return HM_ERR_VERIFY;
	}
	/*
	 * The challenges come from the anchor block (its authenticity and
	 * freshness are checked by PoTime's anchor check, which validation
	 * runs for PoSpace too) and the digest, so the answer cannot be
	 * prepared before the block nor reused for another operation.
	 */
	hm_space_seed(c->key_id, c->log2_labels, seed);
	hm_space_challenges(ps->anchor_hash, digest, c->log2_labels, idx);
	for (unsigned i = 0; i < HM_SPACE_CHALLENGES; i++) {
		const struct hm_space_opening *o = &ps->space[i];
		uint64_t pos = idx[i];

		if (idx[i] == 0) {
			if (!hm_ct_is_zero(o->prev, HM_SPACE_LABEL_LEN) ||
			    !hm_ct_is_zero(o->parent, HM_SPACE_LABEL_LEN)) {
				*reason = HM_PROOF_SPACE_LABEL;
				return HM_ERR_VERIFY;
			}
			hm_space_label(seed, 0, zero_label, zero_label, h);
		} else {
			/*
			 * prev and parent are not opened: a label is a hash of
			 * them, so any pair that hashes to the committed label
			 * is a preimage, which only the real parents give.
			 */
			hm_space_label(seed, idx[i], o->prev, o->parent, h);
		}
		if (memcmp(h, o->label, HM_SPACE_LABEL_LEN) != 0) {
			*reason = HM_PROOF_SPACE_LABEL;
			return HM_ERR_VERIFY;
		}
		hm_space_leaf_hash(o->label, h);
		for (unsigned level = 0; level < c->log2_labels; level++) {
			const uint8_t *sib = o->path + (size_t)HM_PROOF_HASH_LEN * level;

			if (pos & 1)
				hm_space_node_hash(sib, h, h);
			else
				hm_space_node_hash(h, sib, h);
			pos >>= 1;
		}
		if (memcmp(h, c->root, HM_PROOF_HASH_LEN) != 0) {
			*reason = HM_PROOF_SPACE_PATH;
			return HM_ERR_VERIFY;
		}
	}
	return HM_OK;
}

_Static_assert(HM_SPACE_CHALLENGES % 4 == 0, "openings are checked four at a time");

/* The label input of hm_space_label, for the four-way hash. */
#define LABEL_IN_LEN (sizeof(label_label) - 1 + HM_PROOF_HASH_LEN + 8 + 2 * HM_SPACE_LABEL_LEN)

static void label_input(uint8_t in[LABEL_IN_LEN], const uint8_t seed[HM_PROOF_HASH_LEN],
                        uint64_t index, const uint8_t *prev, const uint8_t *parent)
{
	size_t at = sizeof(label_label) - 1;

	memcpy(in, label_label, at);
	memcpy(in + at, seed, HM_PROOF_HASH_LEN);
	at += HM_PROOF_HASH_LEN;
	put_u64(in + at, index);
	at += 8;
	memcpy(in + at, prev, HM_SPACE_LABEL_LEN);
	memcpy(in + at + HM_SPACE_LABEL_LEN, parent, HM_SPACE_LABEL_LEN);
}

/*
 * The same check, four openings at a time: the 16 openings are independent
 * chains of single-block SHA3-256 (label, leaf, one node per level), so
 * four chains go through one four-way permutation per step. Every hash of
 * a group is computed before any is judged, and the group's openings are
 * then judged in order with the scalar rules (zero parents, label, path),
 * so the first failing opening and its reason are the scalar version's.
 */
static int verify_openings(const struct hm_plot_commitment *c, const struct hm_proof_set *ps,
                           const uint8_t digest[HM_ENV_DIGEST_LEN], enum hm_proof_reason *reason)
{
	uint8_t seed[HM_PROOF_HASH_LEN];
	uint64_t idx[HM_SPACE_CHALLENGES];

	if (c->log2_labels != ps->space_log2) {
		*reason = HM_PROOF_SPACE_SIZE;
		return HM_ERR_VERIFY;
	}
	hm_space_seed(c->key_id, c->log2_labels, seed);
	hm_space_challenges(ps->anchor_hash, digest, c->log2_labels, idx);
	for (unsigned g = 0; g < HM_SPACE_CHALLENGES; g += 4) {
		uint8_t lin[4][LABEL_IN_LEN], nin[4][1 + 2 * HM_PROOF_HASH_LEN];
		uint8_t label[4][HM_PROOF_HASH_LEN], h[4][HM_PROOF_HASH_LEN];
		uint8_t *const label_out[4] = { label[0], label[1], label[2], label[3] };
		uint8_t *const h_out[4] = { h[0], h[1], h[2], h[3] };
		const uint8_t *in[4];
		uint64_t pos[4];

		for (unsigned n = 0; n < 4; n++) {
			const struct hm_space_opening *o = &ps->space[g + n];
			int zero = idx[g + n] == 0;

			label_input(lin[n], seed, idx[g + n], zero ? zero_label : o->prev,
			            zero ? zero_label : o->parent);
			in[n] = lin[n];
			pos[n] = idx[g + n];
		}
		hm_sha3_256_x4(label_out, in, LABEL_IN_LEN);
		for (unsigned n = 0; n < 4; n++) {
			nin[n][0] = 0x00;
			memcpy(nin[n] + 1, ps->space[g + n].label, HM_SPACE_LABEL_LEN);
			in[n] = nin[n];
		}
		hm_sha3_256_x4(h_out, in, 1 + HM_SPACE_LABEL_LEN);
		for (unsigned level = 0; level < c->log2_labels; level++) {
			for (unsigned n = 0; n < 4; n++) {
				const uint8_t *sib =
				        ps->space[g + n].path + (size_t)HM_PROOF_HASH_LEN * level;
				int right = pos[n] & 1;

				nin[n][0] = 0x01;
				memcpy(nin[n] + 1 + (right ? HM_PROOF_HASH_LEN : 0), h[n],
				       HM_PROOF_HASH_LEN);
				memcpy(nin[n] + 1 + (right ? 0 : HM_PROOF_HASH_LEN), sib,
				       HM_PROOF_HASH_LEN);
				pos[n] >>= 1;
			}
			hm_sha3_256_x4(h_out, in, 1 + 2 * HM_PROOF_HASH_LEN);
		}
		for (unsigned n = 0; n < 4; n++) {
			const struct hm_space_opening *o = &ps->space[g + n];

			if ((idx[g + n] == 0 && (!hm_ct_is_zero(o->prev, HM_SPACE_LABEL_LEN) ||
			                         !hm_ct_is_zero(o->parent, HM_SPACE_LABEL_LEN))) ||
			    memcmp(label[n], o->label, HM_SPACE_LABEL_LEN) != 0) {
				*reason = HM_PROOF_SPACE_LABEL;
				return HM_ERR_VERIFY;
			}
			if (memcmp(h[n], c->root, HM_PROOF_HASH_LEN) != 0) {
				*reason = HM_PROOF_SPACE_PATH;
				return HM_ERR_VERIFY;
			}
		}
	}
	return HM_OK;
}

int proofs_space_verify(const struct hm_proof_set *ps, const uint8_t signer[HM_KEY_ID_LEN],
                        const uint8_t digest[HM_ENV_DIGEST_LEN],
                        const struct hm_proofs_context *ctx, const uint8_t *register_payload,
                        size_t register_len, enum hm_proof_reason *reason)
{
	struct hm_plot_commitment c;
	int rc;

	if (register_payload != NULL) {
		/*
		 * A plot registration proves possession of the plot it
		 * registers (nothing is registered yet to check it against).
		 */
		struct hm_reader r;

		hm_reader_init(&r, register_payload, register_len);
		if (hm_get_u8(&r, &c.log2_labels) || hm_get_bytes(&r, c.root, HM_PROOF_HASH_LEN) ||
		    hm_reader_finish(&r)) {
			*reason = HM_PROOF_MALFORMED;
			return HM_ERR_VERIFY;
		}
		memcpy(c.key_id, signer, HM_KEY_ID_LEN);
		return verify_openings(&c, ps, digest, reason);
	}
	rc = ctx->state->plot(ctx->state->ctx, signer, &c);
	if (rc == HM_ERR_NOT_FOUND) {
		*reason = HM_PROOF_SPACE_UNREGISTERED;
		return HM_ERR_VERIFY;
	}
	if (rc != HM_OK)
		return rc;
	/* The plot is the signer's: its seed is derived from the signer's key id. */
	memcpy(c.key_id, signer, HM_KEY_ID_LEN);
	return verify_openings(&c, ps, digest, reason);
}

/* Decodes a SpaceProof and runs check on it (hm_space_verify's body). */
static int
space_verify_with(int (*check)(const struct hm_plot_commitment *, const struct hm_proof_set *,
                               const uint8_t *, enum hm_proof_reason *),
                  const struct hm_plot_commitment *c, const uint8_t anchor_hash[HM_PROOF_HASH_LEN],
                  const uint8_t digest[HM_ENV_DIGEST_LEN], const uint8_t *proof, size_t len,
                  enum hm_proof_reason *reason)
{
	struct hm_proof_set ps;
	struct hm_reader r;
	int rc;

	if (c == NULL || anchor_hash == NULL || digest == NULL || reason == NULL ||
	    (proof == NULL && len > 0))
		return HM_ERR_INVALID;
	memset(&ps, 0, sizeof(ps));
	hm_reader_init(&r, proof, len);
	if ((rc = proofs_space_decode(&r, &ps)) || (rc = hm_reader_finish(&r))) {
		*reason = HM_PROOF_MALFORMED;
		return rc;
	}
	memcpy(ps.anchor_hash, anchor_hash, HM_PROOF_HASH_LEN);
	*reason = HM_PROOF_OK;
	return check(c, &ps, digest, reason);
}

int proofs_space_verify_scalar(const struct hm_plot_commitment *c,
                               const uint8_t anchor_hash[HM_PROOF_HASH_LEN],
                               const uint8_t digest[HM_ENV_DIGEST_LEN], const uint8_t *proof,
                               size_t len, enum hm_proof_reason *reason)
{
	return space_verify_with(verify_openings_scalar, c, anchor_hash, digest, proof, len,
	                         reason);
}

int hm_space_verify(const struct hm_plot_commitment *c,
                    const uint8_t anchor_hash[HM_PROOF_HASH_LEN],
                    const uint8_t digest[HM_ENV_DIGEST_LEN], const uint8_t *proof, size_t len,
                    enum hm_proof_reason *reason)
{
	return space_verify_with(verify_openings, c, anchor_hash, digest, proof, len, reason);
}
