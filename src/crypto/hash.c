/* SPDX-License-Identifier: Apache-2.0 */
#include <nettle/sha2.h>

#include "hypermesh/hash.h"

void hm_sha256(uint8_t out[HM_SHA256_LEN], const void *in, size_t len)
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, len, in);
	sha256_digest(&ctx, HM_SHA256_LEN, out);
}
