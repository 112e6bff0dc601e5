/* SPDX-License-Identifier: Apache-2.0 */
/* The proof set's canonical encoding, and PoWork (one hash to verify). */
#include <string.h>

#include "hypermesh/codec.h"
#include "hypermesh/error.h"
#include "hypermesh/proofs.h"
#include "hypermesh/sha3.h"
#include "proofs_internal.h"

#define PROOF_SET_VERSION 1

static size_t opening_len(unsigned log2)
{
	return 3 * HM_SPACE_LABEL_LEN + (size_t)HM_PROOF_HASH_LEN * log2;
}

int proofs_space_decode(struct hm_reader *r, struct hm_proof_set *p)
{
	struct hm_reader openings;
	size_t olen;
	int rc;

	if ((rc = hm_get_u8(r, &p->space_log2)))
		return rc;
	if (p->space_log2 < HM_SPACE_LOG2_MIN || p->space_log2 > HM_SPACE_LOG2_MAX)
		return HM_ERR_INVALID;
	if ((rc = hm_get_vec_reader(r, 1, 0xffffff, &openings)))
		return rc;
	olen = opening_len(p->space_log2);
	if (hm_reader_remaining(&openings) != HM_SPACE_CHALLENGES * olen)
		return HM_ERR_LENGTH;
	for (unsigned i = 0; i < HM_SPACE_CHALLENGES; i++) {
		struct hm_space_opening *o = &p->space[i];

		if ((rc = hm_get_view(&openings, HM_SPACE_LABEL_LEN, &o->label)) ||
		    (rc = hm_get_view(&openings, HM_SPACE_LABEL_LEN, &o->prev)) ||
		    (rc = hm_get_view(&openings, HM_SPACE_LABEL_LEN, &o->parent)) ||
		    (rc = hm_get_view(&openings, (size_t)HM_PROOF_HASH_LEN * p->space_log2,
		                      &o->path)))
			return rc;
	}
	return HM_OK;
}

int hm_proof_set_decode(struct hm_proof_set *ps, const uint8_t *in, size_t len)
{
	struct hm_proof_set p;
	struct hm_reader r;
	uint8_t version;
	int rc;

	if (ps == NULL || (in == NULL && len > 0))
		return HM_ERR_INVALID;
	memset(&p, 0, sizeof(p));
	hm_reader_init(&r, in, len);
	if ((rc = hm_get_u8(&r, &version)))
		return rc;
	if (version != PROOF_SET_VERSION)
		return HM_ERR_INVALID;
	if ((rc = proofs_space_decode(&r, &p)))
		return rc;
	if ((rc = hm_get_u64(&r, &p.work_nonce)) || (rc = hm_get_u64(&r, &p.anchor_height)) ||
	    (rc = hm_get_bytes(&r, p.anchor_hash, HM_PROOF_HASH_LEN)) ||
	    (rc = hm_get_u64(&r, &p.vdf_iterations)) ||
	    (rc = hm_get_vec(&r, 0, 0xffff, &p.vdf_proof, &p.vdf_proof_len)) ||
	    (rc = hm_reader_finish(&r)))
		return rc;
	*ps = p;
	return HM_OK;
}

int hm_proof_set_encode(const uint8_t *space, size_t space_len, uint64_t work_nonce,
                        uint64_t anchor_height, const uint8_t anchor_hash[HM_PROOF_HASH_LEN],
                        uint64_t vdf_iterations, const uint8_t *vdf_proof, size_t vdf_proof_len,
                        struct hm_buf *out)
{
	size_t start;
	int rc;

	if (space == NULL || space_len == 0 || anchor_hash == NULL || out == NULL)
		return HM_ERR_INVALID;
	start = out->len;
	if ((rc = hm_put_u8(out, PROOF_SET_VERSION)) ||
	    (rc = hm_put_bytes(out, space, space_len)) || (rc = hm_put_u64(out, work_nonce)) ||
	    (rc = hm_put_u64(out, anchor_height)) ||
	    (rc = hm_put_bytes(out, anchor_hash, HM_PROOF_HASH_LEN)) ||
	    (rc = hm_put_u64(out, vdf_iterations)) ||
	    (rc = hm_put_vec(out, 0, 0xffff, vdf_proof, vdf_proof_len))) {
		(void)hm_buf_truncate(out, start);
		return rc;
	}
	return HM_OK;
}

/* ---- PoWork ---- */

unsigned hm_work_bits(const uint8_t digest[HM_ENV_DIGEST_LEN], uint64_t nonce)
{
	uint8_t in[HM_ENV_DIGEST_LEN + 8], h[HM_SHA3_256_LEN];
	unsigned bits = 0;

	memcpy(in, digest, HM_ENV_DIGEST_LEN);
	for (int i = 0; i < 8; i++)
		in[HM_ENV_DIGEST_LEN + i] = (uint8_t)(nonce >> (56 - 8 * i));
	hm_sha3_256(h, in, sizeof(in));
	for (size_t i = 0; i < sizeof(h); i++) {
		if (h[i] == 0) {
			bits += 8;
			continue;
		}
		for (uint8_t m = 0x80; (h[i] & m) == 0; m >>= 1)
			bits++;
		break;
	}
	return bits;
}

int hm_work_solve(const uint8_t digest[HM_ENV_DIGEST_LEN], unsigned bits, uint64_t start,
                  uint64_t max_tries, uint64_t *nonce)
{
	if (digest == NULL || nonce == NULL || bits > HM_WORK_BITS_MAX)
		return HM_ERR_INVALID;
	for (uint64_t i = 0; max_tries == 0 || i < max_tries; i++) {
		if (hm_work_bits(digest, start + i) >= bits) {
			*nonce = start + i;
			return HM_OK;
		}
		if (max_tries == 0 && i == UINT64_MAX)
			break;
	}
	return HM_ERR_NOT_FOUND;
}
