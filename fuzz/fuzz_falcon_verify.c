/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Falcon's public-key and signature decoders, through verification on
 * arbitrary bytes. Input: one byte choosing Falcon-512 (even) or Falcon-1024
 * (odd), a 16-bit big-endian length and that many public-key bytes, another
 * for the signature, and the rest as the message. Verification must never
 * crash or read out of bounds, and answer only HM_OK, HM_ERR_VERIFY,
 * HM_ERR_INVALID (a malformed encoding) or HM_ERR_LENGTH; a signature it
 * accepts must not also verify for another message.
 */
#include <stdlib.h>

#include "hypermesh/error.h"
#include "hypermesh/falcon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Takes a 16-bit length and that many bytes from *in; 0 if the input is too short. */
static int take(const uint8_t **in, size_t *left, const uint8_t **out, size_t *len)
{
	if (*left < 2)
		return 0;
	*len = (size_t)(*in)[0] << 8 | (*in)[1];
	if (*len > *left - 2)
		return 0;
	*out = *in + 2;
	*in += 2 + *len;
	*left -= 2 + *len;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *in = data + 1, *pk, *sig;
	size_t left, pk_len, sig_len;
	unsigned logn;
	int rc;

	if (size < 1)
		return 0;
	logn = data[0] & 1 ? HM_FALCON1024_LOGN : HM_FALCON512_LOGN;
	left = size - 1;
	if (!take(&in, &left, &pk, &pk_len) || !take(&in, &left, &sig, &sig_len))
		return 0;
	rc = hm_falcon_verify(logn, sig, sig_len, pk, pk_len, in, left);
	if (rc != HM_OK && rc != HM_ERR_VERIFY && rc != HM_ERR_INVALID && rc != HM_ERR_LENGTH)
		abort();
	if (pk_len != HM_FALCON_PK_LEN(logn) && rc != HM_ERR_LENGTH && rc != HM_ERR_INVALID)
		abort();
	if (rc != HM_OK)
		return 0;
	if (left > 0 && hm_falcon_verify(logn, sig, sig_len, pk, pk_len, in, left - 1) == HM_OK)
		abort();
	return 0;
}
