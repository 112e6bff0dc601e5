/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The consensus decoders on arbitrary bytes (messages, blocks, QCs, evidence):
 * they must never crash, and whatever they accept must re-encode to exactly
 * the input, since blocks are hashed and votes signed over encodings. That
 * includes the optional PQ signatures (pq_sig<0..2^16-1> beside every
 * Ed25519 one), whose shape the policy check judges: a message can fit at
 * most one of the two policies, and a block's evidence records all decode.
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
	static struct hm_bft_validators ed, hy;
	static int ready;
	struct hm_bft_msg *m = malloc(sizeof(*m));
	struct hm_bft_evidence e;
	struct hm_bft_qc qc;
	struct hm_buf b;

	if (m == NULL)
		return 0;
	if (!ready) {
		/* Keys do not matter to the shape check: only the policy does. */
		static const uint8_t pk[1][HM_BFT_PK_LEN];
		static uint8_t pq[1][HM_BFT_PQ_PK_LEN];

		if (hm_bft_validators_init(&ed, (const uint8_t *)"f", 1, 1, pk) != HM_OK)
			abort();
		hy = ed;
		if (hm_bft_validators_set_hybrid(&hy, (const uint8_t(*)[HM_BFT_PQ_PK_LEN])pq) != HM_OK)
			abort();
		ready = 1;
	}
	hm_buf_init(&b);
	if (hm_bft_msg_decode(m, data, size) == HM_OK) {
		int fits_ed = hm_bft_msg_check_shape(&ed, m) == HM_OK;
		int fits_hy = hm_bft_msg_check_shape(&hy, m) == HM_OK;

		if (hm_bft_msg_encode(&b, m) != HM_OK)
			abort();
		same(&b, data, size);
		if ((m->type == HM_BFT_MSG_VOTE || m->type == HM_BFT_MSG_PROPOSAL ||
		     m->type == HM_BFT_MSG_TIMEOUT) &&
		    fits_ed && fits_hy)
			abort(); /* these carry a signature of their own: one policy at most */
		if (m->type == HM_BFT_MSG_PROPOSAL || m->type == HM_BFT_MSG_BLOCK_RESPONSE) {
			const struct hm_bft_block *blk = m->type == HM_BFT_MSG_PROPOSAL
			                                         ? &m->u.proposal.block
			                                         : &m->u.response;
			uint8_t root[HM_BFT_HASH_LEN];

			/* A decoded payload is always well formed. */
			if (hm_bft_payload_root(root, blk->payload, blk->payload_len) != HM_OK)
				abort();
			/* So is its evidence: whole records, each decoding. */
			if (blk->evidence_len % HM_BFT_EVIDENCE_LEN != 0 ||
			    blk->evidence_len / HM_BFT_EVIDENCE_LEN > HM_BFT_BLOCK_EVIDENCE_MAX)
				abort();
			for (size_t off = 0; off < blk->evidence_len; off += HM_BFT_EVIDENCE_LEN)
				if (hm_bft_evidence_decode(&e, blk->evidence + off,
				                           HM_BFT_EVIDENCE_LEN) != HM_OK)
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
