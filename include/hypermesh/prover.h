/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Building a complete operation: what a node does to wrap a request in an
 * envelope with its four proofs (docs/PROOFS.md §1). The caller supplies
 * what only it knows: its certificate chain and keys, its open plot, the
 * anchor block it saw committed and that block's VDF proof, and the current
 * difficulty and T of the operation type (from its committed state).
 */
#ifndef HYPERMESH_PROVER_H
#define HYPERMESH_PROVER_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"
#include "hypermesh/envelope.h"
#include "hypermesh/plot.h"

struct hm_prover {
	const uint8_t *chain_id;               /* HM_ENV_CHAIN_ID_LEN bytes */
	size_t n_certs;                        /* 1..HM_ENV_CERTS_MAX */
	const uint8_t *cert[HM_ENV_CERTS_MAX]; /* DER, leaf first */
	size_t cert_len[HM_ENV_CERTS_MAX];
	struct hm_envelope_signer signer; /* the leaf's keys */
	const struct hm_plot *plot;       /* the signer's registered plot */
	uint64_t anchor_height;           /* a recent committed block */
	uint8_t anchor_hash[HM_PROOF_HASH_LEN];
	uint64_t vdf_iterations;  /* T in state */
	const uint8_t *vdf_proof; /* hm_vdf_eval over hm_time_vdf_input(chain_id, anchor_hash) */
	size_t vdf_proof_len;
	unsigned work_bits; /* the type's difficulty in state */
};

/*
 * Builds, proves, signs and encodes one operation; appends the envelope to
 * out and, when digest is not NULL, gives its operation digest. The PoWork
 * search runs on the calling thread (2^work_bits hashes on average).
 * HM_OK; HM_ERR_INVALID (arguments); HM_ERR_LENGTH (a field too long);
 * HM_ERR_CORRUPT (the plot's data is damaged); signing errors (sig.h);
 * HM_ERR_NOMEM. out is unchanged on failure.
 */
int hm_prover_build(const struct hm_prover *p, uint16_t type, uint64_t nonce, uint64_t fee,
                    const uint8_t *payload, size_t payload_len, struct hm_buf *out,
                    uint8_t digest[HM_ENV_DIGEST_LEN]);

#endif
