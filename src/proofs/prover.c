/* SPDX-License-Identifier: Apache-2.0 */
/* hm_prover_build: an operation with its four proofs, ready to submit. */
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/prover.h"

int hm_prover_build(const struct hm_prover *p, uint16_t type, uint64_t nonce, uint64_t fee,
                    const uint8_t *payload, size_t payload_len, struct hm_buf *out,
                    uint8_t digest[HM_ENV_DIGEST_LEN])
{
	struct hm_envelope env;
	struct hm_buf space, proofs, pq_store;
	uint8_t d[HM_ENV_DIGEST_LEN];
	uint64_t work_nonce;
	int rc;

	if (p == NULL || out == NULL || p->chain_id == NULL || p->plot == NULL || p->n_certs == 0 ||
	    p->n_certs > HM_ENV_CERTS_MAX || (payload == NULL && payload_len > 0))
		return HM_ERR_INVALID;
	memset(&env, 0, sizeof(env));
	env.type = type;
	memcpy(env.chain_id, p->chain_id, HM_ENV_CHAIN_ID_LEN);
	env.nonce = nonce;
	env.fee = fee;
	env.payload = payload;
	env.payload_len = payload_len;
	env.n_certs = p->n_certs;
	for (size_t i = 0; i < p->n_certs; i++) {
		env.cert[i] = p->cert[i];
		env.cert_len[i] = p->cert_len[i];
	}
	if ((rc = hm_envelope_digest(&env, d)) != HM_OK)
		return rc;
	if ((rc = hm_work_solve(d, p->work_bits, 0, 0, &work_nonce)) != HM_OK)
		return rc;
	hm_buf_init(&space);
	hm_buf_init(&proofs);
	hm_buf_init(&pq_store);
	if ((rc = hm_plot_prove(p->plot, p->anchor_hash, d, &space)) != HM_OK ||
	    (rc = hm_proof_set_encode(space.data, space.len, work_nonce, p->anchor_height,
	                              p->anchor_hash, p->vdf_iterations, p->vdf_proof,
	                              p->vdf_proof_len, &proofs)) != HM_OK)
		goto out;
	env.proofs = proofs.data;
	env.proofs_len = proofs.len;
	if ((rc = hm_envelope_sign(&env, d, &p->signer, &pq_store)) != HM_OK ||
	    (rc = hm_envelope_encode(&env, out)) != HM_OK)
		goto out;
	if (digest != NULL)
		memcpy(digest, d, HM_ENV_DIGEST_LEN);
out:
	hm_buf_free(&space);
	hm_buf_free(&proofs);
	hm_buf_free(&pq_store);
	return rc;
}
