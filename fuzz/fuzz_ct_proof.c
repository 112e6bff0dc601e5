/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The proof decoder on arbitrary bytes: it must never crash, anything it
 * accepts must re-encode to the same bytes, and both verifiers must take the
 * decoded path (as inclusion and as consistency proof) without crashing,
 * and an empty path may only prove the trivial cases.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/ct_merkle.h"
#include "hypermesh/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t root[HM_CT_HASH_LEN];
	struct hm_ct_proof p;
	struct hm_buf b;

	if (hm_ct_proof_decode(&p, data, size) != HM_OK)
		return 0;
	hm_buf_init(&b);
	if (hm_ct_proof_encode(&p, &b) != HM_OK || b.len != size || memcmp(b.data, data, size) != 0)
		abort();
	hm_buf_free(&b);
	/* Take the first hash (or zeros) as leaf and roots: almost always a refusal. */
	memset(root, 0, sizeof(root));
	if (p.path_len > 0)
		memcpy(root, p.path[0], sizeof(root));
	/* With no path, a leaf is only its own root in a tree of one... */
	if (hm_ct_verify_inclusion(root, p.a, p.b, p.path, p.path_len, root) == HM_OK &&
	    p.path_len == 0 && !(p.a == 0 && p.b == 1))
		abort();
	/* ...and a tree only consistent with itself. */
	if (hm_ct_verify_consistency(p.a, p.b, root, root, p.path, p.path_len) == HM_OK &&
	    p.path_len == 0 && !(p.a == p.b && p.a != 0))
		abort();
	return 0;
}
