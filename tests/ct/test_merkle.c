/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Merkle core against the RFC 6962 reference values (transparency-dev
 * constants: 8 leaves, roots of sizes 0..8) and, for every proof of every
 * tree up to a few dozen leaves, against a literal transcription of the RFC's
 * recursive definitions; every proof must verify, and every tampered variant
 * must not.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/ct_merkle.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "test.h"

#define H HM_CT_HASH_LEN

static const char *const leaves_hex[8] = {
	"",
	"00",
	"10",
	"2021",
	"3031",
	"40414243",
	"5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};

static const char *const roots_hex[9] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static void unhex(uint8_t *out, size_t n, const char *hex)
{
	CHECK_ERR(hm_hex_decode_exact(out, n, hex, strlen(hex)), HM_OK);
}

static void reference_leaf_hashes(uint8_t hashes[8][H])
{
	for (int i = 0; i < 8; i++) {
		uint8_t leaf[16];
		size_t n = strlen(leaves_hex[i]) / 2;
		if (n)
			unhex(leaf, n, leaves_hex[i]);
		hm_ct_leaf_hash(hashes[i], leaf, n);
	}
}

/* ---- the RFC 6962 definitions, transcribed literally (recursion, arrays) ---- */

static uint64_t ref_k(uint64_t n)
{
	uint64_t k = 1;
	while (k * 2 < n)
		k *= 2;
	return k;
}

static void ref_mth(uint8_t out[H], const uint8_t (*d)[H], uint64_t n)
{
	uint8_t l[H], r[H];
	uint64_t k;

	if (n == 0) {
		hm_ct_empty_root(out);
		return;
	}
	if (n == 1) {
		memcpy(out, d[0], H);
		return;
	}
	k = ref_k(n);
	ref_mth(l, d, k);
	ref_mth(r, d + k, n - k);
	hm_ct_node_hash(out, l, r);
}

static void ref_path(uint64_t m, const uint8_t (*d)[H], uint64_t n, uint8_t (*out)[H], size_t *len)
{
	uint64_t k;

	if (n <= 1)
		return;
	k = ref_k(n);
	if (m < k) {
		ref_path(m, d, k, out, len);
		ref_mth(out[(*len)++], d + k, n - k);
	} else {
		ref_path(m - k, d + k, n - k, out, len);
		ref_mth(out[(*len)++], d, k);
	}
}

static void ref_subproof(uint64_t m, const uint8_t (*d)[H], uint64_t n, int b, uint8_t (*out)[H],
                         size_t *len)
{
	uint64_t k;

	if (m == n) {
		if (!b)
			ref_mth(out[(*len)++], d, n);
		return;
	}
	k = ref_k(n);
	if (m <= k) {
		ref_subproof(m, d, k, b, out, len);
		ref_mth(out[(*len)++], d + k, n - k);
	} else {
		ref_subproof(m - k, d + k, n - k, 0, out, len);
		ref_mth(out[(*len)++], d, k);
	}
}

/* Leaf hashes of n synthetic leaves (the 4-byte big-endian index). */
static uint8_t (*synthetic(uint64_t n))[H]
{
	uint8_t(*h)[H] = calloc(n ? n : 1, H);
	for (uint64_t i = 0; h != NULL && i < n; i++) {
		uint8_t leaf[4] = { (uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8),
			            (uint8_t)i };
		hm_ct_leaf_hash(h[i], leaf, sizeof(leaf));
	}
	return h;
}

static void test_hasher(void)
{
	uint8_t got[H], want[H];

	hm_ct_empty_root(got);
	unhex(want, H, roots_hex[0]);
	CHECK_MEM(got, want, H);
	hm_ct_leaf_hash(got, NULL, 0);
	unhex(want, H, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
	CHECK_MEM(got, want, H);
	hm_ct_leaf_hash(got, "L123456", 7);
	unhex(want, H, "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56");
	CHECK_MEM(got, want, H);
}

static void test_reference_roots(void)
{
	uint8_t hashes[8][H], got[H], want[H];

	reference_leaf_hashes(hashes);
	for (uint64_t n = 0; n <= 8; n++) {
		struct hm_ct_mem_tree tree = { hashes, n };
		unhex(want, H, roots_hex[n]);
		hm_ct_root_from_leaf_hashes(got, hashes, n);
		CHECK_MEM(got, want, H);
		memset(got, 0, H);
		CHECK_ERR(hm_ct_range_root(hm_ct_mem_subtree, &tree, 0, n, got), HM_OK);
		CHECK_MEM(got, want, H);
	}
}

/* The proof tables of transparency-dev's verify_test.go (0-based index). */
static void test_reference_proofs(void)
{
	uint8_t hashes[8][H], root[H], r1[H], proof[HM_CT_PROOF_MAX][H], want[3][H];
	struct hm_ct_mem_tree tree = { hashes, 8 };
	size_t len;

	reference_leaf_hashes(hashes);
	unhex(root, H, roots_hex[8]);
	unhex(want[0], H, "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
	unhex(want[1], H, "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0");
	unhex(want[2], H, "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
	CHECK_ERR(
	        hm_ct_inclusion_proof(hm_ct_mem_subtree, &tree, 5, 8, proof, HM_CT_PROOF_MAX, &len),
	        HM_OK);
	CHECK_EQ(len, 3);
	CHECK_MEM(proof, want, sizeof(want));
	CHECK_ERR(hm_ct_verify_inclusion(hashes[5], 5, 8, proof, len, root), HM_OK);

	unhex(r1, H, roots_hex[6]);
	unhex(want[0], H, "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a");
	CHECK_ERR(hm_ct_consistency_proof(hm_ct_mem_subtree, &tree, 6, 8, proof, HM_CT_PROOF_MAX,
	                                  &len),
	          HM_OK);
	CHECK_EQ(len, 3);
	CHECK_MEM(proof, want, sizeof(want));
	CHECK_ERR(hm_ct_verify_consistency(6, 8, r1, root, proof, len), HM_OK);
	CHECK_ERR(hm_ct_verify_consistency(6, 8, root, r1, proof, len), HM_ERR_VERIFY);
}

/* Every tampering of a good inclusion proof must be refused. */
static void check_inclusion_tamper(const uint8_t leaf[H], uint64_t m, uint64_t n,
                                   uint8_t (*proof)[H], size_t len, const uint8_t root[H])
{
	uint8_t extra[HM_CT_PROOF_MAX + 1][H], bad_root[H], bad_leaf[H];

	for (size_t i = 0; i < len; i++) {
		proof[i][i % H] ^= 0x01;
		CHECK_ERR(hm_ct_verify_inclusion(leaf, m, n, proof, len, root), HM_ERR_VERIFY);
		proof[i][i % H] ^= 0x01;
	}
	if (len > 0)
		CHECK_ERR(hm_ct_verify_inclusion(leaf, m, n, proof, len - 1, root), HM_ERR_VERIFY);
	memcpy(extra, proof, len * H);
	memset(extra[len], 0x5a, H);
	CHECK_ERR(hm_ct_verify_inclusion(leaf, m, n, extra, len + 1, root), HM_ERR_VERIFY);
	/* Garbage in front, as the transparency-dev probes try. */
	memset(extra[0], 0x5a, H);
	memcpy(extra + 1, proof, len * H);
	CHECK_ERR(hm_ct_verify_inclusion(leaf, m, n, extra, len + 1, root), HM_ERR_VERIFY);
	CHECK_ERR(hm_ct_verify_inclusion(leaf, m + 1, n, proof, len, root), HM_ERR_VERIFY);
	if (m > 0)
		CHECK_ERR(hm_ct_verify_inclusion(leaf, m - 1, n, proof, len, root), HM_ERR_VERIFY);
	CHECK_ERR(hm_ct_verify_inclusion(leaf, m, n * 2, proof, len, root), HM_ERR_VERIFY);
	CHECK_ERR(hm_ct_verify_inclusion(leaf, m, m, proof, len, root), HM_ERR_VERIFY);
	memcpy(bad_root, root, H);
	bad_root[31] ^= 0x80;
	CHECK_ERR(hm_ct_verify_inclusion(leaf, m, n, proof, len, bad_root), HM_ERR_VERIFY);
	memcpy(bad_leaf, leaf, H);
	bad_leaf[0] ^= 0x80;
	CHECK_ERR(hm_ct_verify_inclusion(bad_leaf, m, n, proof, len, root), HM_ERR_VERIFY);
}

static void test_inclusion_all(void)
{
	const uint64_t max = 70;
	uint8_t(*d)[H] = synthetic(max);
	uint8_t root[H], proof[HM_CT_PROOF_MAX][H], want[HM_CT_PROOF_MAX][H];
	size_t len, want_len;

	CHECK(d != NULL);
	if (d == NULL)
		return;
	for (uint64_t n = 1; n <= max; n++) {
		struct hm_ct_mem_tree tree = { d, n };
		ref_mth(root, d, n);
		for (uint64_t m = 0; m < n; m++) {
			want_len = 0;
			ref_path(m, d, n, want, &want_len);
			CHECK_ERR(hm_ct_inclusion_proof(hm_ct_mem_subtree, &tree, m, n, proof,
			                                HM_CT_PROOF_MAX, &len),
			          HM_OK);
			CHECK_EQ(len, want_len);
			CHECK_MEM(proof, want, want_len * H);
			CHECK_ERR(hm_ct_verify_inclusion(d[m], m, n, proof, len, root), HM_OK);
			check_inclusion_tamper(d[m], m, n, proof, len, root);
		}
	}
	free(d);
}

static void check_consistency_tamper(uint64_t m, uint64_t n, const uint8_t r1[H],
                                     const uint8_t r2[H], uint8_t (*proof)[H], size_t len)
{
	uint8_t extra[HM_CT_PROOF_MAX + 1][H];

	for (size_t i = 0; i < len; i++) {
		proof[i][(i * 7) % H] ^= 0x04;
		CHECK_ERR(hm_ct_verify_consistency(m, n, r1, r2, proof, len), HM_ERR_VERIFY);
		proof[i][(i * 7) % H] ^= 0x04;
	}
	if (len > 0)
		CHECK_ERR(hm_ct_verify_consistency(m, n, r1, r2, proof, len - 1), HM_ERR_VERIFY);
	memcpy(extra, proof, len * H);
	memset(extra[len], 0xa5, H);
	CHECK_ERR(hm_ct_verify_consistency(m, n, r1, r2, extra, len + 1), HM_ERR_VERIFY);
	memset(extra[0], 0xa5, H);
	memcpy(extra + 1, proof, len * H);
	CHECK_ERR(hm_ct_verify_consistency(m, n, r1, r2, extra, len + 1), HM_ERR_VERIFY);
	/* (n + 1 is not tried: a proof's shape can be the same for two sizes;
	 * root2 is what binds the size.) */
	if (m != n) {
		CHECK_ERR(hm_ct_verify_consistency(m, n, r2, r1, proof, len), HM_ERR_VERIFY);
		CHECK_ERR(hm_ct_verify_consistency(m + 1, n, r1, r2, proof, len), HM_ERR_VERIFY);
		CHECK_ERR(hm_ct_verify_consistency(m, n * 2, r1, r2, proof, len), HM_ERR_VERIFY);
	}
	if (m > 1)
		CHECK_ERR(hm_ct_verify_consistency(m - 1, n, r1, r2, proof, len), HM_ERR_VERIFY);
	CHECK_ERR(hm_ct_verify_consistency(0, n, r1, r2, proof, len), HM_ERR_VERIFY);
	CHECK_ERR(hm_ct_verify_consistency(n, m, r1, r2, proof, len),
	          m == n ? HM_OK : HM_ERR_VERIFY);
}

static void test_consistency_all(void)
{
	const uint64_t max = 48;
	uint8_t(*d)[H] = synthetic(max);
	uint8_t r1[H], r2[H], proof[HM_CT_PROOF_MAX][H], want[HM_CT_PROOF_MAX][H];
	size_t len, want_len;

	CHECK(d != NULL);
	if (d == NULL)
		return;
	for (uint64_t n = 1; n <= max; n++) {
		struct hm_ct_mem_tree tree = { d, n };
		ref_mth(r2, d, n);
		for (uint64_t m = 1; m <= n; m++) {
			ref_mth(r1, d, m);
			want_len = 0;
			ref_subproof(m, d, n, 1, want, &want_len);
			CHECK_ERR(hm_ct_consistency_proof(hm_ct_mem_subtree, &tree, m, n, proof,
			                                  HM_CT_PROOF_MAX, &len),
			          HM_OK);
			CHECK_EQ(len, want_len);
			CHECK_MEM(proof, want, want_len * H);
			CHECK_ERR(hm_ct_verify_consistency(m, n, r1, r2, proof, len), HM_OK);
			check_consistency_tamper(m, n, r1, r2, proof, len);
		}
	}
	free(d);
}

/* Trees too large to store: a source that answers any subtree with a hash of (start, level). */
static int fake_subtree(void *ctx, uint64_t start, unsigned level, uint8_t out[H])
{
	(void)ctx;
	memset(out, 0, H);
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(start >> (56 - 8 * i));
	out[8] = (uint8_t)level;
	return HM_OK;
}

static void test_huge_sizes(void)
{
	uint8_t proof[HM_CT_PROOF_MAX][H];
	size_t len;

	CHECK_ERR(hm_ct_inclusion_proof(fake_subtree, NULL, 0, UINT64_MAX, proof, HM_CT_PROOF_MAX,
	                                &len),
	          HM_OK);
	CHECK_EQ(len, 64);
	CHECK_ERR(hm_ct_inclusion_proof(fake_subtree, NULL, UINT64_MAX - 1, UINT64_MAX, proof,
	                                HM_CT_PROOF_MAX, &len),
	          HM_OK);
	CHECK(len <= HM_CT_PROOF_MAX);
	CHECK_ERR(hm_ct_consistency_proof(fake_subtree, NULL, UINT64_MAX - 2, UINT64_MAX, proof,
	                                  HM_CT_PROOF_MAX, &len),
	          HM_OK);
	CHECK(len <= HM_CT_PROOF_MAX);
	CHECK_ERR(hm_ct_consistency_proof(fake_subtree, NULL, 3, UINT64_MAX, proof, HM_CT_PROOF_MAX,
	                                  &len),
	          HM_OK);
	CHECK(len <= HM_CT_PROOF_MAX);
}

static int failing_subtree(void *ctx, uint64_t start, unsigned level, uint8_t out[H])
{
	(void)ctx;
	(void)start;
	(void)level;
	(void)out;
	return HM_ERR_IO;
}

static void test_errors(void)
{
	uint8_t hashes[8][H], proof[HM_CT_PROOF_MAX][H], root[H], r2[H];
	struct hm_ct_mem_tree tree = { hashes, 8 };
	size_t len = 99;

	reference_leaf_hashes(hashes);
	unhex(root, H, roots_hex[8]);
	CHECK_ERR(hm_ct_inclusion_proof(hm_ct_mem_subtree, &tree, 8, 8, proof, 65, &len),
	          HM_ERR_INVALID);
	CHECK_EQ(len, 0);
	CHECK_ERR(hm_ct_inclusion_proof(hm_ct_mem_subtree, &tree, 0, 0, proof, 65, &len),
	          HM_ERR_INVALID);
	CHECK_ERR(hm_ct_inclusion_proof(NULL, &tree, 0, 8, proof, 65, &len), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_inclusion_proof(hm_ct_mem_subtree, &tree, 0, 8, proof, 65, NULL),
	          HM_ERR_INVALID);
	CHECK_ERR(hm_ct_inclusion_proof(hm_ct_mem_subtree, &tree, 0, 8, proof, 2, &len),
	          HM_ERR_BUFFER);
	CHECK_ERR(hm_ct_inclusion_proof(hm_ct_mem_subtree, &tree, 0, 9, proof, 65, &len),
	          HM_ERR_RANGE);
	CHECK_EQ(len, 0);
	CHECK_ERR(hm_ct_inclusion_proof(failing_subtree, NULL, 3, 8, proof, 65, &len), HM_ERR_IO);
	CHECK_ERR(hm_ct_consistency_proof(hm_ct_mem_subtree, &tree, 0, 8, proof, 65, &len),
	          HM_ERR_INVALID);
	CHECK_ERR(hm_ct_consistency_proof(hm_ct_mem_subtree, &tree, 5, 4, proof, 65, &len),
	          HM_ERR_INVALID);
	CHECK_ERR(hm_ct_consistency_proof(hm_ct_mem_subtree, &tree, 3, 8, proof, 3, &len),
	          HM_ERR_BUFFER);
	CHECK_ERR(hm_ct_consistency_proof(hm_ct_mem_subtree, &tree, 3, 8, NULL, 4, &len),
	          HM_ERR_INVALID);
	CHECK_ERR(hm_ct_consistency_proof(failing_subtree, NULL, 3, 8, proof, 65, &len), HM_ERR_IO);
	CHECK_ERR(hm_ct_consistency_proof(hm_ct_mem_subtree, &tree, 8, 8, NULL, 0, &len), HM_OK);
	CHECK_EQ(len, 0);
	CHECK_ERR(hm_ct_range_root(hm_ct_mem_subtree, &tree, 2, 3, root), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_range_root(hm_ct_mem_subtree, &tree, 8, 8, root), HM_ERR_RANGE);
	CHECK_ERR(hm_ct_range_root(hm_ct_mem_subtree, &tree, UINT64_MAX, 2, root), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_mem_subtree(&tree, 1, 1, root), HM_ERR_RANGE);
	CHECK_ERR(hm_ct_mem_subtree(&tree, 8, 0, root), HM_ERR_RANGE);
	CHECK_ERR(hm_ct_mem_subtree(&tree, 0, 64, root), HM_ERR_RANGE);

	/* transparency-dev conventions for the verifiers. */
	unhex(root, H, roots_hex[8]);
	CHECK_ERR(hm_ct_verify_consistency(0, 0, root, root, NULL, 0), HM_ERR_VERIFY);
	CHECK_ERR(hm_ct_verify_consistency(0, 8, root, root, NULL, 0), HM_ERR_VERIFY);
	CHECK_ERR(hm_ct_verify_consistency(8, 8, root, root, NULL, 0), HM_OK);
	CHECK_ERR(hm_ct_verify_consistency(8, 8, root, root, proof, 1), HM_ERR_VERIFY);
	unhex(r2, H, roots_hex[7]);
	CHECK_ERR(hm_ct_verify_consistency(8, 8, root, r2, NULL, 0), HM_ERR_VERIFY);
	CHECK_ERR(hm_ct_verify_consistency(7, 8, r2, root, NULL, 0), HM_ERR_VERIFY);
	CHECK_ERR(hm_ct_verify_consistency(8, 8, NULL, r2, NULL, 0), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_verify_consistency(7, 8, r2, root, NULL, 1), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_verify_inclusion(hashes[0], 0, 1, NULL, 0, hashes[0]), HM_OK);
	CHECK_ERR(hm_ct_verify_inclusion(hashes[0], 0, 0, NULL, 0, hashes[0]), HM_ERR_VERIFY);
	CHECK_ERR(hm_ct_verify_inclusion(hashes[0], 1, 1, NULL, 0, hashes[0]), HM_ERR_VERIFY);
	CHECK_ERR(hm_ct_verify_inclusion(hashes[0], 0, 1, proof, 1, hashes[0]), HM_ERR_VERIFY);
	CHECK_ERR(hm_ct_verify_inclusion(NULL, 0, 1, NULL, 0, hashes[0]), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_verify_inclusion(hashes[0], 0, 1, NULL, 1, hashes[0]), HM_ERR_INVALID);
}

static void test_proof_codec(void)
{
	uint8_t path[3][H];
	struct hm_ct_proof p = { 5, 8, path, 3 }, q;
	struct hm_buf b, c;

	for (int i = 0; i < 3; i++)
		memset(path[i], 0x11 * (i + 1), H);
	hm_buf_init(&b);
	hm_buf_init(&c);
	CHECK_ERR(hm_ct_proof_encode(&p, &b), HM_OK);
	CHECK_EQ(b.len, 8 + 8 + 2 + 3 * H);
	CHECK_ERR(hm_ct_proof_decode(&q, b.data, b.len), HM_OK);
	CHECK_EQ(q.a, 5);
	CHECK_EQ(q.b, 8);
	CHECK_EQ(q.path_len, 3);
	CHECK_MEM(q.path, path, sizeof(path));
	CHECK_ERR(hm_ct_proof_encode(&q, &c), HM_OK);
	CHECK(c.len == b.len && memcmp(c.data, b.data, b.len) == 0);
	for (size_t n = 0; n < b.len; n++)
		CHECK(hm_ct_proof_decode(&q, b.data, n) == HM_ERR_TRUNCATED);
	CHECK_EQ(q.path_len, 0);
	CHECK_ERR(hm_buf_append_byte(&b, 0), HM_OK);
	CHECK_ERR(hm_ct_proof_decode(&q, b.data, b.len), HM_ERR_TRAILING);
	/* A path that is not a whole number of hashes. */
	b.data[17] = 3 * H - 1;
	CHECK_ERR(hm_ct_proof_decode(&q, b.data, b.len - 2), HM_ERR_LENGTH);
	/* A path longer than any proof. */
	b.data[16] = 0xff;
	CHECK_ERR(hm_ct_proof_decode(&q, b.data, b.len), HM_ERR_LENGTH);
	p.path_len = HM_CT_PROOF_MAX + 1;
	hm_buf_free(&c);
	CHECK_ERR(hm_ct_proof_encode(&p, &c), HM_ERR_LENGTH);
	CHECK_EQ(c.len, 0);
	p.path = NULL;
	p.path_len = 0;
	CHECK_ERR(hm_ct_proof_encode(&p, &c), HM_OK);
	CHECK_ERR(hm_ct_proof_decode(&q, c.data, c.len), HM_OK);
	CHECK_EQ(q.path_len, 0);
	hm_buf_free(&b);
	hm_buf_free(&c);
}

TEST_MAIN(test_hasher, test_reference_roots, test_reference_proofs, test_inclusion_all,
          test_consistency_all, test_huge_sizes, test_errors, test_proof_codec)
