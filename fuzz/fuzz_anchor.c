/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PoTimeAnchor message (proofs.h) on arbitrary bytes, as a validator
 * receives it from a peer: decoding never crashes and either fails leaving
 * nothing decoded, or yields fields in range that re-encode to exactly the
 * input (one encoding). For the one statement set up here (a fixed chain
 * id and block hash, T = 200: tests/node/test_anchor.c's, which writes the
 * seeds) the VDF check through the cache accepts exactly the honest proof,
 * the proof of a statement being unique; nothing else gets into the cache.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/proofs.h"
#include "hypermesh/vdf.h"

#define T 200

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t chain_id[HM_ENV_CHAIN_ID_LEN] = { 0xc1 };
static const uint8_t block_hash[HM_PROOF_HASH_LEN] = { 0xb1, 0x0c };
static uint8_t input[HM_TIME_VDF_INPUT_LEN];
static struct hm_buf honest;
static struct hm_vdf_cache cache;
static int ready;

static void setup(void)
{
	hm_buf_init(&honest);
	hm_time_vdf_input(chain_id, block_hash, input);
	if (hm_vdf_eval(input, sizeof(input), T, &honest, NULL, NULL) != HM_OK)
		abort();
	hm_vdf_cache_init(&cache);
	ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hm_time_anchor a;
	struct hm_buf again;
	int rc;

	if (!ready)
		setup();
	rc = hm_time_anchor_decode(&a, data, size);
	if (rc != HM_OK) {
		if (a.vdf_proof != NULL || a.vdf_proof_len != 0 || a.height != 0)
			abort();
		return 0;
	}
	if (a.vdf_proof_len != HM_VDF_PROOF_LEN || a.vdf_iterations == 0 ||
	    a.vdf_iterations > HM_VDF_ITERATIONS_MAX)
		abort();
	hm_buf_init(&again);
	if (hm_time_anchor_encode(&a, &again) != HM_OK || again.len != size ||
	    memcmp(again.data, data, size) != 0)
		abort();
	hm_buf_free(&again);
	if (a.vdf_iterations == T && memcmp(a.hash, block_hash, sizeof(block_hash)) == 0) {
		int is_honest = memcmp(a.vdf_proof, honest.data, honest.len) == 0;
		unsigned used = cache.used;

		rc = hm_time_vdf_verify_cached(&cache, input, T, a.vdf_proof, a.vdf_proof_len);
		if (rc == HM_ERR_NOMEM)
			return 0;
		if ((rc == HM_OK) != is_honest || (!is_honest && cache.used != used))
			abort();
	}
	return 0;
}
