/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The envelope decoder on arbitrary bytes: it must never crash; anything it
 * accepts must re-encode to exactly the same bytes with the same digest; and
 * the whole validator (certificate parsing through GnuTLS, the proof-set
 * decoder, every proof's checks) must judge it without crashing, against a
 * small fixed state.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/envelope.h"
#include "hypermesh/error.h"
#include "hypermesh/proofs.h"
#include "hypermesh/sha3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int st_height(void *ctx, uint64_t *h)
{
	(void)ctx;
	*h = 100;
	return HM_OK;
}

/* The same fake chain as the tests' fixture, so corpus seeds reach the VDF check. */
static int st_block_hash(void *ctx, uint64_t height, uint8_t hash[32])
{
	uint8_t in[13] = "block";

	(void)ctx;
	if (height > 100)
		return HM_ERR_NOT_FOUND;
	for (int i = 0; i < 8; i++)
		in[5 + i] = (uint8_t)(height >> (56 - 8 * i));
	hm_sha3_256(hash, in, sizeof(in));
	return HM_OK;
}

static int st_root(void *ctx, const uint8_t **der, size_t *len)
{
	(void)ctx;
	*der = (const uint8_t *)"not a certificate";
	*len = 17;
	return HM_OK;
}

static int st_plot(void *ctx, const uint8_t key_id[32], struct hm_plot_commitment *out)
{
	(void)ctx;
	memset(out, 0, sizeof(*out));
	memcpy(out->key_id, key_id, 32);
	out->log2_labels = 15;
	return HM_OK;
}

static int st_params(void *ctx, uint16_t type, struct hm_proof_params *out)
{
	(void)ctx;
	(void)type;
	*out = (struct hm_proof_params){ 4, 200, 16, HM_STAKE_NONE, 0 };
	return HM_OK;
}

static int st_stake(void *ctx, const uint8_t key_id[32], struct hm_stake_entry *out)
{
	(void)ctx;
	(void)key_id;
	*out = (struct hm_stake_entry){ HM_STAKE_USER, 1 };
	return HM_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct hm_proof_state st = { NULL,    st_height, st_block_hash, st_root,
		                                  st_plot, st_params, st_stake,      NULL };
	static struct hm_vdf_cache cache;
	uint8_t chain_id[HM_ENV_CHAIN_ID_LEN], d1[32], d2[32];
	struct hm_proofs_context ctx = {
		.state = &st, .chain_id = chain_id, .now_s = 1800000000u, .vdf_cache = &cache
	};
	struct hm_proofs_result res;
	struct hm_envelope env;
	struct hm_buf b;
	int rc;

	if (hm_envelope_decode(&env, d1, data, size) != HM_OK)
		return 0;
	hm_buf_init(&b);
	if (hm_envelope_encode(&env, &b) != HM_OK || b.len != size ||
	    memcmp(b.data, data, size) != 0)
		abort();
	hm_buf_free(&b);
	if (hm_envelope_digest(&env, d2) != HM_OK || memcmp(d1, d2, 32) != 0)
		abort();
	memcpy(chain_id, env.chain_id, sizeof(chain_id));
	rc = hm_proofs_validate(&env, d1, &ctx, &res);
	/* The root is not a certificate, so no operation can pass. */
	if (rc == HM_OK || (rc == HM_ERR_VERIFY && res.failed == 0))
		abort();
	return 0;
}
