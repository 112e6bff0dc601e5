/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The consensus decoders on arbitrary bytes (messages, blocks, QCs, evidence):
 * they must never crash, and whatever they accept must re-encode to exactly
 * the input, since blocks are hashed and votes signed over encodings.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/bft.h"
#include "hypermesh/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const struct hm_buf *b, const uint8_t *data, size_t size)
{
	if (b->len != size || (size > 0 && memcmp(b->data, data, size) != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hm_bft_msg *m = malloc(sizeof(*m));
	struct hm_bft_evidence e;
	struct hm_bft_qc qc;
	struct hm_buf b;

	if (m == NULL)
		return 0;
	hm_buf_init(&b);
	if (hm_bft_msg_decode(m, data, size) == HM_OK) {
		if (hm_bft_msg_encode(&b, m) != HM_OK)
			abort();
		same(&b, data, size);
		if (m->type == HM_BFT_MSG_PROPOSAL || m->type == HM_BFT_MSG_BLOCK_RESPONSE) {
			const struct hm_bft_block *blk = m->type == HM_BFT_MSG_PROPOSAL
			                                         ? &m->u.proposal.block
			                                         : &m->u.response;
			uint8_t root[HM_BFT_HASH_LEN];

			/* A decoded payload is always well formed. */
			if (hm_bft_payload_root(root, blk->payload, blk->payload_len) != HM_OK)
				abort();
		}
	}
	/* The same bytes as the other top-level structures. */
	if (size > 1 && hm_bft_block_decode(&m->u.response, data + 1, size - 1) == HM_OK) {
		hm_buf_truncate(&b, 0);
		if (hm_bft_block_encode(&b, &m->u.response) != HM_OK)
			abort();
		same(&b, data + 1, size - 1);
	}
	if (hm_bft_qc_decode(&qc, data, size) == HM_OK) {
		hm_buf_truncate(&b, 0);
		if (hm_bft_qc_encode(&b, &qc) != HM_OK)
			abort();
		same(&b, data, size);
	}
	if (hm_bft_evidence_decode(&e, data, size) == HM_OK) {
		hm_buf_truncate(&b, 0);
		if (hm_bft_evidence_encode(&b, &e) != HM_OK)
			abort();
		same(&b, data, size);
	}
	hm_buf_free(&b);
	free(m);
	return 0;
}
