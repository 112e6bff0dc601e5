/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The keystore decoder on arbitrary bytes: it must never crash, and anything
 * it accepts must re-encode to exactly the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/keystore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hm_identity id;
	struct hm_buf b;

	if (hm_keystore_decode(data, size, &id) != HM_OK)
		return 0;
	hm_buf_init(&b);
	if (hm_keystore_encode(&id, &b) != HM_OK || b.len != size ||
	    memcmp(b.data, data, size) != 0)
		abort();
	hm_buf_free(&b);
	hm_identity_wipe(&id);
	return 0;
}
