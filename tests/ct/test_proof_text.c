/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CT proof text form (proof_text.c): proofs made by the Merkle core
 * round-trip through text and verify; every byte flipped in a hash line or a
 * number makes them fail; the parser accepts only the exact format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypermesh/ct_merkle.h"
#include "hypermesh/ct_proof_text.h"
#include "hypermesh/error.h"
#include "test.h"

#define LEAVES 21

static uint8_t hashes[LEAVES][HM_CT_HASH_LEN];
static struct hm_ct_mem_tree tree = { (const uint8_t (*)[HM_CT_HASH_LEN])hashes, LEAVES };

static void setup(void)
{
	for (int i = 0; i < LEAVES; i++) {
		char leaf[16];
		int n = snprintf(leaf, sizeof(leaf), "leaf %d", i);
		hm_ct_leaf_hash(hashes[i], leaf, (size_t)n);
	}
}

static void make_inclusion(struct hm_ct_proof_text *p, uint64_t index, uint64_t size)
{
	memset(p, 0, sizeof(*p));
	p->kind = HM_CT_PROOF_INCLUSION;
	p->a = index;
	p->b = size;
	memcpy(p->hash_a, hashes[index], HM_CT_HASH_LEN);
	hm_ct_root_from_leaf_hashes(p->hash_b, (const uint8_t(*)[HM_CT_HASH_LEN])hashes, size);
	CHECK_ERR(hm_ct_inclusion_proof(hm_ct_mem_subtree, &tree, index, size, p->path,
	                                HM_CT_PROOF_MAX, &p->path_len),
	          HM_OK);
}

static void make_consistency(struct hm_ct_proof_text *p, uint64_t m, uint64_t n)
{
	memset(p, 0, sizeof(*p));
	p->kind = HM_CT_PROOF_CONSISTENCY;
	p->a = m;
	p->b = n;
	hm_ct_root_from_leaf_hashes(p->hash_a, (const uint8_t(*)[HM_CT_HASH_LEN])hashes, m);
	hm_ct_root_from_leaf_hashes(p->hash_b, (const uint8_t(*)[HM_CT_HASH_LEN])hashes, n);
	CHECK_ERR(hm_ct_consistency_proof(hm_ct_mem_subtree, &tree, m, n, p->path, HM_CT_PROOF_MAX,
	                                  &p->path_len),
	          HM_OK);
}

/* Encodes p, parses it back, checks equality and that it verifies; every edit must fail. */
static void round_trip_and_forge(const struct hm_ct_proof_text *p)
{
	static struct hm_ct_proof_text q;
	struct hm_buf t, bad;

	hm_buf_init(&t);
	hm_buf_init(&bad);
	CHECK_ERR(hm_ct_proof_text_encode(p, &t), HM_OK);
	CHECK_ERR(hm_buf_append_byte(&t, 0), HM_OK); /* a C string for strstr below */
	t.len--;
	CHECK_ERR(hm_ct_proof_text_decode(&q, (const char *)t.data, t.len), HM_OK);
	CHECK(memcmp(p, &q, sizeof(q)) == 0);
	CHECK_ERR(hm_ct_proof_text_verify(&q), HM_OK);
	/*
	 * change each hex digit of the hashes: refused or wrong. (The numbers are
	 * not covered so: a proof fixes only the path's shape, and sizes of the
	 * same shape give the same root; the signed tree head binds root to size.)
	 */
	for (size_t i = (size_t)((const uint8_t *)strstr((const char *)t.data, "_hash ") - t.data);
	     i < t.len; i++) {
		char c = (char)t.data[i];
		int hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
		if (!hex)
			continue;
		bad.len = 0;
		CHECK_ERR(hm_buf_append(&bad, t.data, t.len), HM_OK);
		bad.data[i] = (uint8_t)(c == '1' ? '2' : '1');
		if (hm_ct_proof_text_decode(&q, (const char *)bad.data, bad.len) == HM_OK)
			CHECK_ERR(hm_ct_proof_text_verify(&q), HM_ERR_VERIFY);
	}
	hm_buf_free(&t);
	hm_buf_free(&bad);
}

static void test_proof_text_round_trip(void)
{
	static struct hm_ct_proof_text p;

	setup();
	for (uint64_t size = 1; size <= LEAVES; size += 4)
		for (uint64_t i = 0; i < size; i += 3) {
			make_inclusion(&p, i, size);
			round_trip_and_forge(&p);
		}
	for (uint64_t m = 1; m <= LEAVES; m += 5)
		for (uint64_t n = m; n <= LEAVES; n += 6) {
			make_consistency(&p, m, n);
			round_trip_and_forge(&p);
		}
}

static void expect_refused(const char *text, int want)
{
	static struct hm_ct_proof_text p, zero;

	CHECK_ERR(hm_ct_proof_text_decode(&p, text, strlen(text)), want);
	CHECK(memcmp(&p, &zero, sizeof(p)) == 0);
}

#define H64 "0000000000000000000000000000000000000000000000000000000000000000"
#define H58 "0000000000000000000000000000000000000000000000000000000000"

static void test_proof_text_strict(void)
{
	static struct hm_ct_proof_text p;
	struct hm_buf big;
	const char *ok = "hypermesh-ct-proof v1\ntype inclusion\nleaf_index 0\ntree_size 1\n"
	                 "leaf_hash " H64 "\nroot " H64 "\n";

	CHECK_ERR(hm_ct_proof_text_decode(&p, ok, strlen(ok)), HM_OK);
	CHECK_EQ(p.path_len, 0);
	CHECK_ERR(hm_ct_proof_text_verify(&p), HM_OK); /* a one-leaf tree: root = leaf hash */
	/* upper-case hex is accepted */
	{
		const char *upper =
		        "hypermesh-ct-proof v1\ntype consistency\nold_size 1\nnew_size 1\n"
		        "old_root " H64 "\nnew_root ABCDEF" H58 "\n";
		CHECK_ERR(hm_ct_proof_text_decode(&p, upper, strlen(upper)), HM_OK);
		CHECK_EQ(p.hash_b[0], 0xab);
		CHECK_ERR(hm_ct_proof_text_verify(&p),
		          HM_ERR_VERIFY); /* equal sizes, other roots */
	}
	expect_refused("", HM_ERR_ENCODING);
	expect_refused("hypermesh-ct-proof v2\n", HM_ERR_ENCODING);
	expect_refused("hypermesh-ct-proof v1\ntype exclusion\n", HM_ERR_ENCODING);
	/* no final newline */
	expect_refused("hypermesh-ct-proof v1\ntype inclusion\nleaf_index 0\ntree_size 1\n"
	               "leaf_hash " H64 "\nroot " H64,
	               HM_ERR_ENCODING);
	/* fields out of order, leading zeros, signs, spaces, short hashes, extra lines */
	expect_refused("hypermesh-ct-proof v1\ntype inclusion\ntree_size 1\nleaf_index 0\n"
	               "leaf_hash " H64 "\nroot " H64 "\n",
	               HM_ERR_ENCODING);
	expect_refused("hypermesh-ct-proof v1\ntype inclusion\nleaf_index 00\ntree_size 1\n"
	               "leaf_hash " H64 "\nroot " H64 "\n",
	               HM_ERR_ENCODING);
	expect_refused("hypermesh-ct-proof v1\ntype inclusion\nleaf_index -0\ntree_size 1\n"
	               "leaf_hash " H64 "\nroot " H64 "\n",
	               HM_ERR_ENCODING);
	expect_refused("hypermesh-ct-proof v1\ntype inclusion\nleaf_index  0\ntree_size 1\n"
	               "leaf_hash " H64 "\nroot " H64 "\n",
	               HM_ERR_ENCODING);
	expect_refused("hypermesh-ct-proof v1\ntype inclusion\nleaf_index 0\n"
	               "tree_size 9223372036854775808\nleaf_hash " H64 "\nroot " H64 "\n",
	               HM_ERR_ENCODING);
	expect_refused("hypermesh-ct-proof v1\ntype inclusion\nleaf_index 0\ntree_size 1\n"
	               "leaf_hash 00\nroot " H64 "\n",
	               HM_ERR_ENCODING);
	expect_refused("hypermesh-ct-proof v1\ntype inclusion\nleaf_index 0\ntree_size 1\n"
	               "leaf_hash " H64 "\nroot " H64 "\n\n",
	               HM_ERR_ENCODING);
	expect_refused("hypermesh-ct-proof v1\ntype inclusion\nleaf_index 0\ntree_size 1\n"
	               "leaf_hash " H64 "\nroot " H64 "\ncomment hi\n",
	               HM_ERR_ENCODING);
	/* more than 65 path lines; an oversized text */
	hm_buf_init(&big);
	CHECK_ERR(hm_buf_append(&big, ok, strlen(ok)), HM_OK);
	for (int i = 0; i < HM_CT_PROOF_MAX + 1; i++)
		CHECK_ERR(hm_buf_append(&big, "path " H64 "\n", 70), HM_OK);
	CHECK_ERR(hm_ct_proof_text_decode(&p, (const char *)big.data, big.len), HM_ERR_LENGTH);
	for (int i = 0; i < 60; i++)
		CHECK_ERR(hm_buf_append(&big, "path " H64 "\n", 70), HM_OK);
	CHECK_ERR(hm_ct_proof_text_decode(&p, (const char *)big.data, big.len), HM_ERR_TOO_LARGE);
	hm_buf_free(&big);
	/* encoding refuses what it cannot write */
	memset(&p, 0, sizeof(p));
	hm_buf_init(&big);
	CHECK_ERR(hm_ct_proof_text_encode(&p, &big), HM_ERR_INVALID);
	p.kind = HM_CT_PROOF_INCLUSION;
	p.b = 1ull << 63;
	CHECK_ERR(hm_ct_proof_text_encode(&p, &big), HM_ERR_INVALID);
	CHECK_EQ(big.len, 0);
	hm_buf_free(&big);
}

TEST_MAIN(test_proof_text_round_trip, test_proof_text_strict)
