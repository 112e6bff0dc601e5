/* SPDX-License-Identifier: Apache-2.0 */
/* Per-proof verifiers shared inside hm_proofs (validate.c calls each). */
#ifndef HM_PROOFS_INTERNAL_H
#define HM_PROOFS_INTERNAL_H

#include "hypermesh/codec.h"
#include "hypermesh/error.h"
#include "hypermesh/proofs.h"

/* Reads a SpaceProof into p->space_log2 and p->space. Decode errors. */
int proofs_space_decode(struct hm_reader *r, struct hm_proof_set *p);

/*
 * Each returns HM_OK; HM_ERR_VERIFY with *reason set when the proof is
 * refused; or a failure of this node (state unreadable, out of memory).
 */
int proofs_stake_verify(const struct hm_envelope *env, const uint8_t digest[HM_ENV_DIGEST_LEN],
                        const struct hm_proofs_context *ctx, const struct hm_proof_params *params,
                        uint8_t signer[HM_KEY_ID_LEN], int *signer_known,
                        enum hm_proof_reason *reason);
/*
 * PoSpace against the signer's registered plot, or, when register_payload is
 * not NULL (a PLOT_REGISTER operation), against the plot that payload
 * registers.
 */
/*
 * hm_space_verify with the one-hash-at-a-time reference check instead of
 * the four-way one; for the test that they agree.
 */
int proofs_space_verify_scalar(const struct hm_plot_commitment *c,
                               const uint8_t anchor_hash[HM_PROOF_HASH_LEN],
                               const uint8_t digest[HM_ENV_DIGEST_LEN], const uint8_t *proof,
                               size_t len, enum hm_proof_reason *reason);
int proofs_space_verify(const struct hm_proof_set *ps, const uint8_t signer[HM_KEY_ID_LEN],
                        const uint8_t digest[HM_ENV_DIGEST_LEN],
                        const struct hm_proofs_context *ctx, const uint8_t *register_payload,
                        size_t register_len, enum hm_proof_reason *reason);
int proofs_anchor_check(const struct hm_proof_set *ps, const struct hm_proofs_context *ctx,
                        const struct hm_proof_params *params, enum hm_proof_reason *reason);
int proofs_time_verify(const struct hm_proof_set *ps, const struct hm_envelope *env,
                       const struct hm_proofs_context *ctx, const struct hm_proof_params *params,
                       enum hm_proof_reason *reason);

/* Node failures (as opposed to refusals of the operation). */
static inline int proofs_is_node_failure(int rc)
{
	return rc == HM_ERR_NOMEM || rc == HM_ERR_IO || rc == HM_ERR_CORRUPT;
}

#endif
