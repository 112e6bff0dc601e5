/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Falcon's secret-key decoder, through signing with arbitrary secret-key
 * bytes. Input: one byte choosing Falcon-512 (even) or Falcon-1024 (odd), then
 * the secret key; a fixed message is signed with a deterministic test rng.
 * Signing must refuse a malformed key cleanly or produce a signature of at
 * most HM_FALCON_SIG_MAX bytes; never crash or read out of bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/falcon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A counter stream: fuzzing needs reproducible runs, not secrecy. */
static int counter_fill(void *ctx, void *buf, size_t len)
{
	uint8_t *p = buf, *c = ctx;

	for (size_t i = 0; i < len; i++)
		p[i] = (*c)++;
	return HM_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t sig[HM_FALCON_MAX_SIG_LEN];
	uint8_t counter = 0;
	struct hm_falcon_rng rng = { counter_fill, &counter };
	unsigned logn;
	size_t sig_len = sizeof(sig);
	int rc;

	if (size < 1)
		return 0;
	logn = data[0] & 1 ? HM_FALCON1024_LOGN : HM_FALCON512_LOGN;
	rc = hm_falcon_sign(logn, sig, &sig_len, data + 1, size - 1, "fuzz", 4, &rng);
	if (rc == HM_OK && (sig_len == 0 || sig_len > HM_FALCON_SIG_MAX(logn)))
		abort();
	if (rc != HM_OK && rc != HM_ERR_INVALID && rc != HM_ERR_LENGTH && rc != HM_ERR_VERIFY &&
	    rc != HM_ERR_CRYPTO)
		abort();
	return 0;
}
