/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CT proof text parser (ct_proof_text.h) on arbitrary bytes: it never
 * crashes, a refusal leaves the structure zeroed, and what it accepts
 * encodes back to text that parses to the same proof (hex case aside, the
 * format is canonical). Verification runs on every accepted proof.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/ct_proof_text.h"
#include "hypermesh/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hm_ct_proof_text p, q, zero;
	struct hm_buf b;

	if (hm_ct_proof_text_decode(&p, (const char *)data, size) != HM_OK) {
		if (memcmp(&p, &zero, sizeof(p)) != 0)
			abort();
		return 0;
	}
	hm_buf_init(&b);
	if (hm_ct_proof_text_encode(&p, &b) != HM_OK || b.len != size ||
	    hm_ct_proof_text_decode(&q, (const char *)b.data, b.len) != HM_OK ||
	    memcmp(&p, &q, sizeof(p)) != 0)
		abort();
	hm_buf_free(&b);
	if (hm_ct_proof_text_verify(&p) == HM_ERR_INVALID)
		abort(); /* only a NULL proof is invalid */
	return 0;
}
