/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ML-DSA signing with arbitrary private-key bytes. Input: one byte choosing
 * the parameter set (value mod 3), a 16-bit big-endian length and that many
 * sk bytes, and the rest as the message. Signing must refuse (HM_ERR_LENGTH
 * exactly for a wrong length, HM_ERR_INVALID for s1/s2 out of range) with a
 * zeroed signature, or produce one, the same one every time (deterministic
 * variant); it must never crash.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/mldsa.h"
#include "hypermesh/secure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum hm_mldsa_param params[] = { HM_MLDSA_44, HM_MLDSA_65, HM_MLDSA_87 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t sig[HM_MLDSA_MAX_SIGNATURE_BYTES], sig2[HM_MLDSA_MAX_SIGNATURE_BYTES];
	enum hm_mldsa_param p;
	const uint8_t *sk, *msg;
	size_t sk_len, msg_len, sig_len;
	int rc;

	if (size < 3)
		return 0;
	p = params[data[0] % 3];
	sk_len = (size_t)data[1] << 8 | data[2];
	if (sk_len > size - 3)
		return 0;
	sk = data + 3;
	msg = sk + sk_len;
	msg_len = size - 3 - sk_len;
	sig_len = hm_mldsa_signature_bytes(p);

	memset(sig, 0xa5, sizeof(sig));
	rc = hm_mldsa_sign(p, sig, sk, sk_len, msg, msg_len, NULL, 0, NULL);
	if (sk_len != hm_mldsa_secretkey_bytes(p)) {
		if (rc != HM_ERR_LENGTH)
			abort();
	} else if (rc != HM_OK && rc != HM_ERR_INVALID && rc != HM_ERR_CRYPTO) {
		abort();
	}
	if (rc != HM_OK) {
		if (!hm_ct_is_zero(sig, sig_len))
			abort();
		return 0;
	}
	if (hm_mldsa_sign(p, sig2, sk, sk_len, msg, msg_len, NULL, 0, NULL) != HM_OK ||
	    memcmp(sig, sig2, sig_len) != 0)
		abort();
	return 0;
}
