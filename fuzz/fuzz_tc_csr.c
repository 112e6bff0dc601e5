/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TrustChain ISSUE payloads and CSRs on arbitrary bytes: the payload decoder
 * must round-trip what it accepts, the stateless check must never crash, and
 * the CSR policy checker (GnuTLS parsing, self-signature, names) runs on the
 * payload's CSR, or on the bytes themselves when they are not a payload,
 * under every profile.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/trustchain_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hm_tc_issue_op op;
	struct hm_buf b;

	if (hm_tc_issue_op_decode(&op, data, size) == HM_OK) {
		hm_buf_init(&b);
		if (hm_tc_issue_op_encode(&op, &b) != HM_OK || b.len != size ||
		    memcmp(b.data, data, size) != 0)
			abort();
		hm_buf_free(&b);
		(void)hm_tc_issue_op_check(data, size);
		for (int p = HM_TC_PROFILE_NODE; p <= HM_TC_PROFILE_TX_SIGNING; p++)
			(void)hm_tc_csr_check(op.csr, op.csr_len, (enum hm_tc_profile)p);
		return 0;
	}
	if (hm_tc_issue_op_check(data, size) == HM_OK)
		abort(); /* check must refuse what does not decode */
	for (int p = HM_TC_PROFILE_NODE; p <= HM_TC_PROFILE_TX_SIGNING; p++)
		(void)hm_tc_csr_check(data, size, (enum hm_tc_profile)p);
	return 0;
}
