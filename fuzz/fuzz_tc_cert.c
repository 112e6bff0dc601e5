/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TrustChain's certificate parsing on arbitrary bytes: the alternative-key
 * extension parser, the preTBSCertificate builder, the alternative-signature
 * verifier and the hybrid chain verifier must never crash, and what they
 * accept must be consistent.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/trustchain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hm_buf pk, pre;
	enum hm_sig_alg alg;
	struct hm_tc_verify_result res;
	const uint8_t *chain[1] = { data };
	size_t lens[1] = { size };
	int rc;

	hm_buf_init(&pk);
	hm_buf_init(&pre);
	rc = hm_tc_cert_alt_key(data, size, &alg, &pk);
	if (rc == HM_OK) {
		const struct hm_sig_info *info = hm_sig_info(alg);
		if (info == NULL || pk.len != info->pk_len)
			abort();
		/* self-signed check: accepting is fine only for a genuine self-signed input */
		rc = hm_tc_cert_alt_verify(data, size, alg, pk.data, pk.len);
		(void)rc;
	} else if (pk.len != 0) {
		abort(); /* a refusal leaves the output untouched */
	}
	if (hm_tc_cert_pre_tbs(data, size, &pre) == HM_OK) {
		/* the preTBS drops the signature algorithm: never longer than the input */
		if (pre.len == 0 || pre.len > size || pre.data[0] != 0x30)
			abort();
	} else if (pre.len != 0) {
		abort();
	}
	if (size > 0 &&
	    hm_tc_chain_verify(chain, lens, 1, data, size, 1800000000ull, &res) == HM_OK &&
	    res.reason != HM_TC_VERIFY_OK)
		abort();
	hm_buf_free(&pk);
	hm_buf_free(&pre);
	return 0;
}
