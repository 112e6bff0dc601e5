/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The signed-tree-head decoder on arbitrary bytes: it must never crash, and
 * anything it accepts must re-encode to exactly the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/ct.h"
#include "hypermesh/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hm_ct_sth sth;
	struct hm_buf b;

	if (hm_ct_sth_decode(&sth, data, size) != HM_OK)
		return 0;
	hm_buf_init(&b);
	if (hm_ct_sth_encode(&sth, &b) != HM_OK || b.len != size || memcmp(b.data, data, size) != 0)
		abort();
	hm_buf_free(&b);
	return 0;
}
