/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The proof-set decoder on arbitrary bytes: it must never crash; anything it
 * accepts must re-encode from its parts to exactly the same bytes; and its
 * SpaceProof must be judged by hm_space_verify without crashing. The same
 * bytes also go through the validation-result decoder (round trip).
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/proofs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t digest[32] = { 1 };
	struct hm_plot_commitment c;
	enum hm_proof_reason why;
	struct hm_proof_set ps;
	struct hm_buf b;
	size_t tail, space_len;

	struct hm_proofs_result res;

	/* The same bytes through the result decoder: accepted input re-encodes exactly. */
	if (hm_proofs_result_decode(&res, data, size) == HM_OK) {
		hm_buf_init(&b);
		if (hm_proofs_result_encode(&res, &b) != HM_OK || b.len != size ||
		    memcmp(b.data, data, size) != 0)
			abort();
		hm_buf_free(&b);
	}
	if (hm_proof_set_decode(&ps, data, size) != HM_OK)
		return 0;
	/* version | space | nonce, height, hash, iterations | vdf<0..2^16-1> */
	tail = 8 + 8 + 32 + 8 + 2 + ps.vdf_proof_len;
	if (size < 1 + tail)
		abort();
	space_len = size - 1 - tail;
	hm_buf_init(&b);
	if (hm_proof_set_encode(data + 1, space_len, ps.work_nonce, ps.anchor_height,
	                        ps.anchor_hash, ps.vdf_iterations, ps.vdf_proof, ps.vdf_proof_len,
	                        &b) != HM_OK ||
	    b.len != size || memcmp(b.data, data, size) != 0)
		abort();
	hm_buf_free(&b);
	memset(&c, 0, sizeof(c));
	c.log2_labels = ps.space_log2;
	if (hm_space_verify(&c, ps.anchor_hash, digest, data + 1, space_len, &why) == HM_OK)
		abort(); /* a zero root has no preimage we could have found */
	return 0;
}
