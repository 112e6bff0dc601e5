/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ML-DSA verification on arbitrary public keys and signatures. Input: one
 * byte choosing the parameter set (ML-DSA-44/65/87 by value mod 3), a 16-bit
 * big-endian length and that many pk bytes, another for the signature, and
 * the rest as the message. Verification must never crash and answer only
 * HM_OK, HM_ERR_VERIFY, or HM_ERR_LENGTH exactly when a length is wrong; a
 * signature it accepts must not also verify for another message or context.
 */
#include <stdlib.h>

#include "hypermesh/error.h"
#include "hypermesh/mldsa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum hm_mldsa_param params[] = { HM_MLDSA_44, HM_MLDSA_65, HM_MLDSA_87 };

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
	static const uint8_t ctx[] = "fuzz";
	const uint8_t *in = data + 1, *pk, *sig;
	size_t left, pk_len, sig_len;
	enum hm_mldsa_param p;
	int rc, bad_len;

	if (size < 1)
		return 0;
	p = params[data[0] % 3];
	left = size - 1;
	if (!take(&in, &left, &pk, &pk_len) || !take(&in, &left, &sig, &sig_len))
		return 0;
	bad_len = pk_len != hm_mldsa_publickey_bytes(p) || sig_len != hm_mldsa_signature_bytes(p);
	rc = hm_mldsa_verify(p, pk, pk_len, in, left, NULL, 0, sig, sig_len);
	if (bad_len ? rc != HM_ERR_LENGTH : rc != HM_OK && rc != HM_ERR_VERIFY)
		abort();
	if (rc != HM_OK)
		return 0;
	/* The message (all but its last byte) or a context changes the answer. */
	if (left > 0 &&
	    hm_mldsa_verify(p, pk, pk_len, in, left - 1, NULL, 0, sig, sig_len) == HM_OK)
		abort();
	if (hm_mldsa_verify(p, pk, pk_len, in, left, ctx, sizeof(ctx), sig, sig_len) == HM_OK)
		abort();
	return 0;
}
