/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ML-KEM encapsulation on arbitrary encapsulation-key bytes. Input: one byte
 * choosing the parameter set (ML-KEM-512/768/1024 by value mod 3), then the
 * ek bytes, of any length. The §7.2 check and encapsulation must agree: an
 * ek the check refuses is refused by encapsulation with the same code and a
 * zeroed key, and one it accepts encapsulates, deterministically in m.
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
	static const uint8_t m[HM_MLKEM_SEED_LEN] = { 0x6d };
	uint8_t c[HM_MLKEM_CT_MAX], c2[HM_MLKEM_CT_MAX];
	uint8_t k[HM_MLKEM_SHARED_LEN], k2[HM_MLKEM_SHARED_LEN];
	enum hm_mlkem_param p;
	const uint8_t *ek;
	size_t ek_len;
	int check, rc;

	if (size < 1)
		return 0;
	p = params[data[0] % 3];
	ek = data + 1;
	ek_len = size - 1;
	check = hm_mlkem_check_ek(p, ek, ek_len);
	if (check != HM_OK && check != HM_ERR_LENGTH && check != HM_ERR_RANGE)
		abort();
	if (check == HM_ERR_LENGTH && ek_len == hm_mlkem_ek_len(p))
		abort();
	memset(k, 0xa5, sizeof(k));
	rc = hm_mlkem_encaps_internal(p, c, k, ek, ek_len, m);
	if (rc != check)
		abort();
	if (rc != HM_OK) {
		if (!hm_ct_is_zero(k, sizeof(k)))
			abort();
		return 0;
	}
	if (hm_mlkem_encaps_internal(p, c2, k2, ek, ek_len, m) != HM_OK ||
	    memcmp(c, c2, hm_mlkem_ct_len(p)) != 0 || memcmp(k, k2, sizeof(k)) != 0)
		abort();
	return 0;
}
