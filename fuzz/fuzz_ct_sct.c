/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SCT decoder on arbitrary bytes: it must never crash, anything it
 * accepts must re-encode to exactly the same bytes, and verifying it against
 * a fixed key and entry must not crash (it is refused).
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/ct.h"
#include "hypermesh/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hm_ct_sct sct;
	/* RFC 8032 test 1's key: a real point (the identity or another small-order
	 * point would let Ed25519 accept forged signatures). */
	static const uint8_t pk[32] = { 0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7,
		                        0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
		                        0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25,
		                        0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a };
	const struct hm_ct_entry entry = { HM_CT_X509_ENTRY, pk, sizeof(pk), { 0 } };
	struct hm_buf b;

	if (hm_ct_sct_decode(&sct, data, size) != HM_OK)
		return 0;
	hm_buf_init(&b);
	if (hm_ct_sct_encode(&sct, &b) != HM_OK || b.len != size || memcmp(b.data, data, size) != 0)
		abort();
	hm_buf_free(&b);
	if (hm_ct_sct_verify(&sct, &entry, HM_SIG_ED25519, pk, sizeof(pk)) == HM_OK)
		abort();
	return 0;
}
