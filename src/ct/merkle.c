/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 6962 §2.1 Merkle tree hashing, proof generation and (RFC 9162 §2.1.3.2,
 * §2.1.4.2) verification. The recursive definitions of PATH and SUBPROOF are
 * unrolled into loops that walk from the root down; the siblings they find
 * come out top-down and are written in reverse, which is the RFC's order.
 */
#include <string.h>

#include <nettle/sha2.h>

#include "hypermesh/codec.h"
#include "hypermesh/ct_merkle.h"
#include "hypermesh/error.h"
#include "hypermesh/hash.h"

/* Proof paths on the wire: at most HM_CT_PROOF_MAX hashes. */
#define PATH_BYTES_MAX (HM_CT_PROOF_MAX * HM_CT_HASH_LEN)

void hm_ct_leaf_hash(uint8_t out[HM_CT_HASH_LEN], const void *leaf, size_t len)
{
	static const uint8_t prefix = 0x00;
	struct sha256_ctx ctx;

	/* hash.h is one-shot; a leaf of any size is hashed in place with the
	 * streaming interface of the same Nettle SHA-256 rather than copied. */
	sha256_init(&ctx);
	sha256_update(&ctx, 1, &prefix);
	if (len != 0)
		sha256_update(&ctx, len, leaf);
	sha256_digest(&ctx, HM_CT_HASH_LEN, out);
}

void hm_ct_node_hash(uint8_t out[HM_CT_HASH_LEN], const uint8_t left[HM_CT_HASH_LEN],
                     const uint8_t right[HM_CT_HASH_LEN])
{
	uint8_t in[1 + 2 * HM_CT_HASH_LEN];

	in[0] = 0x01;
	memcpy(in + 1, left, HM_CT_HASH_LEN);
	memcpy(in + 1 + HM_CT_HASH_LEN, right, HM_CT_HASH_LEN);
	hm_sha256(out, in, sizeof(in));
}

void hm_ct_empty_root(uint8_t out[HM_CT_HASH_LEN])
{
	hm_sha256(out, "", 0);
}

/* The largest power of two strictly below n (n >= 2): RFC 6962's k. */
static uint64_t split_point(uint64_t n)
{
	return UINT64_C(1) << (63 - __builtin_clzll(n - 1));
}

static unsigned log2_exact(uint64_t pow2)
{
	return (unsigned)__builtin_ctzll(pow2);
}

int hm_ct_range_root(hm_ct_subtree_fn get, void *ctx, uint64_t start, uint64_t size,
                     uint8_t out[HM_CT_HASH_LEN])
{
	uint8_t parts[64][HM_CT_HASH_LEN];
	unsigned nparts = 0;
	uint64_t pos = start;
	int rc;

	if (get == NULL || out == NULL)
		return HM_ERR_INVALID;
	if (size == 0) {
		hm_ct_empty_root(out);
		return HM_OK;
	}
	if (start > UINT64_MAX - size)
		return HM_ERR_INVALID;
	/* The range must be a node of some tree: start aligned to the
	 * smallest power of two that covers size. */
	if (size > (UINT64_C(1) << 63)) {
		if (start != 0)
			return HM_ERR_INVALID;
	} else {
		uint64_t cover = size == 1 ? 1 : split_point(size) << 1;
		if (start & (cover - 1))
			return HM_ERR_INVALID;
	}
	/* Complete subtrees left to right, largest first... */
	for (int bit = 63; bit >= 0; bit--) {
		if (!(size & (UINT64_C(1) << bit)))
			continue;
		rc = get(ctx, pos, (unsigned)bit, parts[nparts]);
		if (rc != HM_OK)
			return rc;
		nparts++;
		pos += UINT64_C(1) << bit;
	}
	/* ...then folded from the right, since MTH splits at the largest
	 * power of two and recurses on the remainder. */
	while (nparts > 1) {
		hm_ct_node_hash(parts[nparts - 2], parts[nparts - 2], parts[nparts - 1]);
		nparts--;
	}
	memcpy(out, parts[0], HM_CT_HASH_LEN);
	return HM_OK;
}

static void reverse(uint8_t (*proof)[HM_CT_HASH_LEN], size_t n)
{
	uint8_t tmp[HM_CT_HASH_LEN];

	for (size_t i = 0; i < n / 2; i++) {
		memcpy(tmp, proof[i], HM_CT_HASH_LEN);
		memcpy(proof[i], proof[n - 1 - i], HM_CT_HASH_LEN);
		memcpy(proof[n - 1 - i], tmp, HM_CT_HASH_LEN);
	}
}

enum proof_kind { PROOF_INCLUSION, PROOF_CONSISTENCY };

/*
 * PATH(m, D[n]) (inclusion: m is a leaf index) and SUBPROOF(m, D[n], true)
 * (consistency: m is the old tree size), unrolled. Both descend the same way:
 * the subtree on the side away from m is the next hash and the walk goes on
 * into the side m lies in. They differ only in when m lies left (an index
 * below k, a size up to k), where they stop (a single leaf; the old tree's
 * root) and in the consistency proof's last hash. With fill == 0 it only
 * counts the hashes, so the capacity is checked before the source is asked
 * for anything.
 */
static int proof_walk(enum proof_kind kind, hm_ct_subtree_fn get, void *ctx, uint64_t m, uint64_t n,
                      uint8_t (*proof)[HM_CT_HASH_LEN], size_t *count, int fill)
{
	const int consistency = kind == PROOF_CONSISTENCY;
	uint64_t off = 0;
	size_t c = 0;
	int whole = 1; /* b in the RFC: still on the path of the old tree's root */
	int rc = HM_OK;

	while (consistency ? m != n : n > 1) {
		uint64_t k = split_point(n);
		if (consistency ? m <= k : m < k) {
			if (fill)
				rc = hm_ct_range_root(get, ctx, off + k, n - k, proof[c]);
			n = k;
		} else {
			if (fill)
				rc = get(ctx, off, log2_exact(k), proof[c]);
			off += k;
			m -= k;
			n -= k;
			whole = 0;
		}
		if (rc != HM_OK)
			return rc;
		c++;
	}
	/* The old tree's root is not a node of the new one's path: the
	 * verifier needs the subtree it ends in. */
	if (consistency && !whole) {
		if (fill) {
			rc = hm_ct_range_root(get, ctx, off, n, proof[c]);
			if (rc != HM_OK)
				return rc;
		}
		c++;
	}
	*count = c;
	return HM_OK;
}

/* Counts, checks the capacity, fills, and puts the hashes in the RFC's order. */
static int make_proof(enum proof_kind kind, hm_ct_subtree_fn get, void *ctx, uint64_t m, uint64_t n,
                      uint8_t (*proof)[HM_CT_HASH_LEN], size_t cap, size_t *proof_len)
{
	size_t need;
	int rc;

	(void)proof_walk(kind, get, ctx, m, n, NULL, &need, 0);
	if (need > cap)
		return HM_ERR_BUFFER;
	rc = proof_walk(kind, get, ctx, m, n, proof, &need, 1);
	if (rc != HM_OK)
		return rc;
	reverse(proof, need);
	*proof_len = need;
	return HM_OK;
}

int hm_ct_inclusion_proof(hm_ct_subtree_fn get, void *ctx, uint64_t index, uint64_t size,
                          uint8_t (*proof)[HM_CT_HASH_LEN], size_t cap, size_t *proof_len)
{
	if (proof_len == NULL)
		return HM_ERR_INVALID;
	*proof_len = 0;
	if (get == NULL || index >= size || (proof == NULL && cap != 0))
		return HM_ERR_INVALID;
	return make_proof(PROOF_INCLUSION, get, ctx, index, size, proof, cap, proof_len);
}

int hm_ct_consistency_proof(hm_ct_subtree_fn get, void *ctx, uint64_t size1, uint64_t size2,
                            uint8_t (*proof)[HM_CT_HASH_LEN], size_t cap, size_t *proof_len)
{
	if (proof_len == NULL)
		return HM_ERR_INVALID;
	*proof_len = 0;
	if (get == NULL || size1 == 0 || size1 > size2 || (proof == NULL && cap != 0))
		return HM_ERR_INVALID;
	return make_proof(PROOF_CONSISTENCY, get, ctx, size1, size2, proof, cap, proof_len);
}

/* After hashing a right-hand sibling: climb past the levels where our node is a right child. */
static void skip_right_edges(uint64_t *fn, uint64_t *sn)
{
	while (!(*fn & 1) && *fn != 0) {
		*fn >>= 1;
		*sn >>= 1;
	}
}

int hm_ct_verify_inclusion(const uint8_t leaf_hash[HM_CT_HASH_LEN], uint64_t index, uint64_t size,
                           const uint8_t (*proof)[HM_CT_HASH_LEN], size_t proof_len,
                           const uint8_t root[HM_CT_HASH_LEN])
{
	uint8_t r[HM_CT_HASH_LEN];
	uint64_t fn, sn;

	if (leaf_hash == NULL || root == NULL || (proof == NULL && proof_len != 0))
		return HM_ERR_INVALID;
	if (index >= size)
		return HM_ERR_VERIFY;
	fn = index;
	sn = size - 1;
	memcpy(r, leaf_hash, HM_CT_HASH_LEN);
	for (size_t i = 0; i < proof_len; i++) {
		if (sn == 0)
			return HM_ERR_VERIFY;
		if ((fn & 1) || fn == sn) {
			hm_ct_node_hash(r, proof[i], r);
			skip_right_edges(&fn, &sn);
		} else {
			hm_ct_node_hash(r, r, proof[i]);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || memcmp(r, root, HM_CT_HASH_LEN) != 0)
		return HM_ERR_VERIFY;
	return HM_OK;
}

int hm_ct_verify_consistency(uint64_t size1, uint64_t size2, const uint8_t root1[HM_CT_HASH_LEN],
                             const uint8_t root2[HM_CT_HASH_LEN],
                             const uint8_t (*proof)[HM_CT_HASH_LEN], size_t proof_len)
{
	uint8_t fr[HM_CT_HASH_LEN], sr[HM_CT_HASH_LEN];
	uint64_t fn, sn;
	size_t i;

	if (root1 == NULL || root2 == NULL || (proof == NULL && proof_len != 0))
		return HM_ERR_INVALID;
	if (size1 == 0 || size1 > size2)
		return HM_ERR_VERIFY;
	if (size1 == size2) {
		if (proof_len != 0 || memcmp(root1, root2, HM_CT_HASH_LEN) != 0)
			return HM_ERR_VERIFY;
		return HM_OK;
	}
	if (proof_len == 0)
		return HM_ERR_VERIFY;
	/* A power-of-two old tree is itself a node of the new one, so the
	 * proof omits it and the path starts from root1. */
	if ((size1 & (size1 - 1)) == 0) {
		memcpy(fr, root1, HM_CT_HASH_LEN);
		i = 0;
	} else {
		memcpy(fr, proof[0], HM_CT_HASH_LEN);
		i = 1;
	}
	memcpy(sr, fr, HM_CT_HASH_LEN);
	fn = size1 - 1;
	sn = size2 - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < proof_len; i++) {
		if (sn == 0)
			return HM_ERR_VERIFY;
		if ((fn & 1) || fn == sn) {
			hm_ct_node_hash(fr, proof[i], fr);
			hm_ct_node_hash(sr, proof[i], sr);
			skip_right_edges(&fn, &sn);
		} else {
			hm_ct_node_hash(sr, sr, proof[i]);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || memcmp(fr, root1, HM_CT_HASH_LEN) != 0 ||
	    memcmp(sr, root2, HM_CT_HASH_LEN) != 0)
		return HM_ERR_VERIFY;
	return HM_OK;
}

void hm_ct_root_from_leaf_hashes(uint8_t out[HM_CT_HASH_LEN],
                                 const uint8_t (*hashes)[HM_CT_HASH_LEN], uint64_t n)
{
	/* The right frontier: one complete subtree per set bit of the count so far. */
	uint8_t stack[65][HM_CT_HASH_LEN];
	unsigned height[65];
	unsigned top = 0;

	if (n == 0 || hashes == NULL) {
		hm_ct_empty_root(out);
		return;
	}
	for (uint64_t i = 0; i < n; i++) {
		memcpy(stack[top], hashes[i], HM_CT_HASH_LEN);
		height[top++] = 0;
		while (top >= 2 && height[top - 1] == height[top - 2]) {
			hm_ct_node_hash(stack[top - 2], stack[top - 2], stack[top - 1]);
			height[top - 2]++;
			top--;
		}
	}
	while (top > 1) {
		hm_ct_node_hash(stack[top - 2], stack[top - 2], stack[top - 1]);
		top--;
	}
	memcpy(out, stack[0], HM_CT_HASH_LEN);
}

int hm_ct_mem_subtree(void *ctx, uint64_t start, unsigned level, uint8_t out[HM_CT_HASH_LEN])
{
	const struct hm_ct_mem_tree *tree = ctx;
	uint64_t width;

	if (tree == NULL || level > 63)
		return HM_ERR_RANGE;
	width = UINT64_C(1) << level;
	if (start & (width - 1) || start >= tree->size || tree->size - start < width)
		return HM_ERR_RANGE;
	hm_ct_root_from_leaf_hashes(out, tree->leaf_hashes + start, width);
	return HM_OK;
}

int hm_ct_proof_encode(const struct hm_ct_proof *proof, struct hm_buf *out)
{
	size_t mark = out->len;
	int rc;

	if (proof->path_len > HM_CT_PROOF_MAX || (proof->path == NULL && proof->path_len != 0))
		return HM_ERR_LENGTH;
	rc = hm_put_u64(out, proof->a);
	if (rc == HM_OK)
		rc = hm_put_u64(out, proof->b);
	if (rc == HM_OK)
		rc = hm_put_vec(out, 0, PATH_BYTES_MAX, proof->path,
		                proof->path_len * HM_CT_HASH_LEN);
	if (rc != HM_OK)
		(void)hm_buf_truncate(out, mark);
	return rc;
}

int hm_ct_proof_decode(struct hm_ct_proof *proof, const uint8_t *in, size_t len)
{
	struct hm_reader r;
	const uint8_t *path;
	size_t path_bytes;
	int rc;

	memset(proof, 0, sizeof(*proof));
	hm_reader_init(&r, in, len);
	rc = hm_get_u64(&r, &proof->a);
	if (rc == HM_OK)
		rc = hm_get_u64(&r, &proof->b);
	if (rc == HM_OK)
		rc = hm_get_vec(&r, 0, PATH_BYTES_MAX, &path, &path_bytes);
	if (rc == HM_OK && path_bytes % HM_CT_HASH_LEN != 0)
		rc = HM_ERR_LENGTH;
	if (rc == HM_OK)
		rc = hm_reader_finish(&r);
	if (rc != HM_OK) {
		memset(proof, 0, sizeof(*proof));
		return rc;
	}
	proof->path = (const uint8_t(*)[HM_CT_HASH_LEN])path;
	proof->path_len = path_bytes / HM_CT_HASH_LEN;
	return HM_OK;
}
