/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The STOQ frame decoders on arbitrary bytes: never crash, agree with each
 * other, and anything accepted re-encodes to exactly the bytes consumed.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/stoq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hm_stoq_frame f, h;
	struct hm_buf b;
	size_t used, hlen, mlen;
	const uint8_t *msg;
	int code;

	if (hm_stoq_frame_decode(data, size, 1 << 16, &f, &used) != HM_OK)
		return 0;
	if (used > size || hm_stoq_frame_decode_header(data, size, &h, &hlen) != HM_OK ||
	    h.body_len != f.body_len || hlen + f.body_len != used || h.request_id != f.request_id)
		abort();
	hm_buf_init(&b);
	if (hm_stoq_frame_encode(&f, &b) != HM_OK || b.len != used || memcmp(b.data, data, used))
		abort();
	hm_buf_free(&b);
	if (f.type == HM_STOQ_FRAME_ERROR &&
	    hm_stoq_error_body_decode(f.body, f.body_len, &code, &msg, &mlen) == HM_OK && code >= 0)
		abort();
	return 0;
}
