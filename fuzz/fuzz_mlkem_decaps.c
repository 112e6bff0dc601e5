/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ML-KEM decapsulation on arbitrary decapsulation keys and ciphertexts.
 * Input: one byte choosing the parameter set (value mod 3), a 16-bit
 * big-endian length n, n bytes of dk, and the rest as the ciphertext. The
 * §7.3 check and decapsulation must agree: a dk the check refuses, or a
 * ciphertext of the wrong length, is refused with a zeroed key; otherwise
 * decapsulation succeeds (implicit rejection never fails) and is a function
 * of its inputs.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/mlkem.h"
#include "hypermesh/secure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum hm_mlkem_param params[] = { HM_MLKEM_512, HM_MLKEM_768, HM_MLKEM_1024 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t k[HM_MLKEM_SHARED_LEN], k2[HM_MLKEM_SHARED_LEN];
	enum hm_mlkem_param p;
	const uint8_t *dk, *c;
	size_t dk_len, c_len;
	int check, want, rc;

	if (size < 3)
		return 0;
	p = params[data[0] % 3];
	dk_len = (size_t)data[1] << 8 | data[2];
	if (dk_len > size - 3)
		return 0;
	dk = data + 3;
	c = dk + dk_len;
	c_len = size - 3 - dk_len;

	check = hm_mlkem_check_dk(p, dk, dk_len);
	if (check != HM_OK && check != HM_ERR_LENGTH && check != HM_ERR_CORRUPT)
		abort();
	if ((check == HM_ERR_LENGTH) != (dk_len != hm_mlkem_dk_len(p)))
		abort();
	want = c_len != hm_mlkem_ct_len(p) ? HM_ERR_LENGTH : check;
	memset(k, 0xa5, sizeof(k));
	rc = hm_mlkem_decaps(p, k, dk, dk_len, c, c_len);
	if (rc != want)
		abort();
	if (rc != HM_OK) {
		if (!hm_ct_is_zero(k, sizeof(k)))
			abort();
		return 0;
	}
	if (hm_mlkem_decaps(p, k2, dk, dk_len, c, c_len) != HM_OK || memcmp(k, k2, sizeof(k)) != 0)
		abort();
	return 0;
}
