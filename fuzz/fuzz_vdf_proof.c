/* SPDX-License-Identifier: Apache-2.0 */
/*
 * VDF proofs on arbitrary bytes, for one fixed statement (input "fuzz",
 * T = 100): decoding never crashes; a form that decodes re-encodes to the
 * same bytes (one encoding per group element); hm_vdf_verify accepts exactly
 * the honest proof, since the proof of a statement is unique; and the
 * output digest depends on y alone.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/vdf.h"
#include "proofs/vdf_internal.h"

#define T 100

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t input[] = "fuzz";
static struct hm_buf honest;
static struct hm_cg cg;
static int ready;

static void setup(void)
{
	mpz_t disc;

	hm_buf_init(&honest);
	if (hm_vdf_eval(input, sizeof(input) - 1, T, &honest, NULL, NULL) != HM_OK)
		abort();
	mpz_init(disc);
	hm_vdf__discriminant(disc, input, sizeof(input) - 1);
	hm_cg_init(&cg, disc);
	mpz_clear(disc);
	ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t enc[HM_VDF_FORM_LEN], out[32];
	struct hm_form f;
	int decoded = 0, rc;

	if (!ready)
		setup();
	hm_form_init(&f);
	for (size_t at = 0; at + HM_VDF_FORM_LEN <= size && at <= HM_VDF_FORM_LEN;
	     at += HM_VDF_FORM_LEN) {
		if (hm_vdf__form_decode(&cg, &f, data + at) != HM_OK)
			continue;
		decoded++;
		hm_vdf__form_encode(enc, &f);
		if (memcmp(enc, data + at, HM_VDF_FORM_LEN) != 0 || !hm_cg_is_reduced(&cg, &f))
			abort();
	}
	hm_form_free(&f);

	/* Full verification costs milliseconds (hash to a 1024-bit prime):
	 * only for inputs whose forms both decode. */
	if (size == HM_VDF_PROOF_LEN && decoded == 2) {
		rc = hm_vdf_verify(input, sizeof(input) - 1, T, data, size);
		if ((rc == HM_OK) != (memcmp(data, honest.data, size) == 0))
			abort();
		if (rc != HM_OK && rc != HM_ERR_VERIFY)
			abort();
	} else if (size != HM_VDF_PROOF_LEN) {
		rc = hm_vdf_verify(input, sizeof(input) - 1, T, data, size);
		if (rc != (size < HM_VDF_PROOF_LEN ? HM_ERR_TRUNCATED : HM_ERR_TRAILING))
			abort();
	}
	if (hm_vdf_output(data, size, out) == HM_OK) {
		uint8_t out2[32];
		if (size != HM_VDF_PROOF_LEN)
			abort();
		if (size == honest.len && memcmp(data, honest.data, HM_VDF_FORM_LEN) == 0 &&
		    (hm_vdf_output(honest.data, honest.len, out2) != HM_OK ||
		     memcmp(out, out2, 32) != 0))
			abort();
	}
	return 0;
}
