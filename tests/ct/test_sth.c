/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signed tree heads: the canonical layout, signing and verification with
 * every algorithm this build has, refusal of every tampering, and a decoder
 * that rejects truncation, oversize signatures and trailing bytes.
 */
#include <string.h>

#include "hypermesh/codec.h"
#include "hypermesh/ct.h"
#include "hypermesh/error.h"
#include "test.h"

/* Falcon goes through the same code path; its key generation is too slow for a unit test. */
static const enum hm_sig_alg algs[] = { HM_SIG_ED25519, HM_SIG_MLDSA44, HM_SIG_MLDSA65,
	                                HM_SIG_MLDSA87 };
static const enum hm_sig_alg all_algs[] = { HM_SIG_ED25519, HM_SIG_MLDSA44,   HM_SIG_MLDSA65,
	                                    HM_SIG_MLDSA87, HM_SIG_FALCON512, HM_SIG_FALCON1024 };

static uint8_t pk[HM_SIG_PK_MAX], sk[HM_SIG_SK_MAX], pk2[HM_SIG_PK_MAX], sk2[HM_SIG_SK_MAX];
static struct hm_ct_sth sth, dec;

static void fill_head(struct hm_ct_sth *s)
{
	memset(s, 0, sizeof(*s));
	s->tree_size = 0x0102030405060708;
	s->timestamp = 1764000000123;
	for (int i = 0; i < HM_CT_HASH_LEN; i++)
		s->root_hash[i] = (uint8_t)(0xa0 + i);
}

static void test_schemes(void)
{
	enum hm_sig_alg alg;
	uint16_t scheme;

	CHECK_ERR(hm_ct_sig_scheme(HM_SIG_ED25519, &scheme), HM_OK);
	CHECK_EQ(scheme, 0x0807);
	CHECK_ERR(hm_ct_sig_scheme(HM_SIG_MLDSA87, &scheme), HM_OK);
	CHECK_EQ(scheme, 0x0906);
	for (size_t i = 0; i < sizeof(all_algs) / sizeof(all_algs[0]); i++) {
		CHECK_ERR(hm_ct_sig_scheme(all_algs[i], &scheme), HM_OK);
		CHECK_ERR(hm_ct_sig_alg(scheme, &alg), HM_OK);
		CHECK_EQ(alg, all_algs[i]);
	}
	CHECK_ERR(hm_ct_sig_scheme((enum hm_sig_alg)99, &scheme), HM_ERR_UNSUPPORTED);
	CHECK_ERR(hm_ct_sig_alg(0x0403, &alg), HM_ERR_UNSUPPORTED); /* ecdsa_secp256r1_sha256 */
}

static void test_layout(void)
{
	static const uint8_t head[] = {
		1,    2,    3,    4,    5,    6,    7,    8,    /* tree_size */
		0x00, 0x00, 0x01, 0x9a, 0xb6, 0x97, 0xe8, 0x7b, /* timestamp 1764000000123 */
	};
	struct hm_buf b;

	fill_head(&sth);
	sth.sig_scheme = 0x0807;
	sth.sig_len = 3;
	memcpy(sth.sig, "\x01\x02\x03", 3);
	hm_buf_init(&b);
	CHECK_ERR(hm_ct_sth_encode(&sth, &b), HM_OK);
	CHECK_EQ(b.len, 16 + 32 + 2 + 2 + 3);
	CHECK_MEM(b.data, head, sizeof(head));
	CHECK_MEM(b.data + 16, sth.root_hash, 32);
	CHECK_MEM(b.data + 48, "\x08\x07\x00\x03\x01\x02\x03", 7);
	sth.sig_len = HM_SIG_SIG_MAX + 1;
	CHECK_ERR(hm_ct_sth_encode(&sth, &b), HM_ERR_LENGTH);
	CHECK_EQ(b.len, 55);
	hm_buf_free(&b);
}

static void check_tampering(enum hm_sig_alg alg, const uint8_t *key, size_t key_len)
{
	struct hm_ct_sth t;

	t = sth;
	t.tree_size++;
	CHECK_ERR(hm_ct_sth_verify(&t, alg, key, key_len), HM_ERR_VERIFY);
	t = sth;
	t.timestamp ^= 1;
	CHECK_ERR(hm_ct_sth_verify(&t, alg, key, key_len), HM_ERR_VERIFY);
	t = sth;
	t.root_hash[17] ^= 0x10;
	CHECK_ERR(hm_ct_sth_verify(&t, alg, key, key_len), HM_ERR_VERIFY);
	t = sth;
	t.sig[t.sig_len / 2] ^= 0x01;
	CHECK_ERR(hm_ct_sth_verify(&t, alg, key, key_len), HM_ERR_VERIFY);
	t = sth;
	t.sig_len--;
	CHECK_ERR(hm_ct_sth_verify(&t, alg, key, key_len), HM_ERR_VERIFY);
	t = sth;
	t.sig_scheme ^= 0x0100;
	CHECK_ERR(hm_ct_sth_verify(&t, alg, key, key_len), HM_ERR_VERIFY);
	t = sth;
	t.sig_len = HM_SIG_SIG_MAX + 1;
	CHECK_ERR(hm_ct_sth_verify(&t, alg, key, key_len), HM_ERR_VERIFY);
}

static void test_sign_verify(void)
{
	int ran = 0;

	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		const struct hm_sig_info *info = hm_sig_info(algs[i]);
		struct hm_buf b;
		int rc = hm_sig_keygen(algs[i], pk, sizeof(pk), sk, sizeof(sk));

		CHECK_ERR(rc, HM_OK);
		CHECK_ERR(hm_sig_keygen(algs[i], pk2, sizeof(pk2), sk2, sizeof(sk2)), HM_OK);
		ran++;
		fill_head(&sth);
		CHECK_ERR(hm_ct_sth_sign(&sth, algs[i], sk, info->sk_len), HM_OK);
		CHECK(sth.sig_len > 0 && sth.sig_len <= info->sig_max);
		CHECK_ERR(hm_ct_sth_verify(&sth, algs[i], pk, info->pk_len), HM_OK);
		check_tampering(algs[i], pk, info->pk_len);
		CHECK_ERR(hm_ct_sth_verify(&sth, algs[i], pk2, info->pk_len), HM_ERR_VERIFY);
		CHECK_ERR(hm_ct_sth_verify(&sth, algs[i], pk, info->pk_len - 1), HM_ERR_LENGTH);
		/* Round trip through the encoding. */
		hm_buf_init(&b);
		CHECK_ERR(hm_ct_sth_encode(&sth, &b), HM_OK);
		CHECK_EQ(b.len, 48 + 4 + sth.sig_len);
		CHECK_ERR(hm_ct_sth_decode(&dec, b.data, b.len), HM_OK);
		CHECK_ERR(hm_ct_sth_verify(&dec, algs[i], pk, info->pk_len), HM_OK);
		CHECK_EQ(dec.tree_size, sth.tree_size);
		CHECK_EQ(dec.timestamp, sth.timestamp);
		CHECK_MEM(dec.root_hash, sth.root_hash, HM_CT_HASH_LEN);
		hm_buf_free(&b);
		/* A key of another algorithm: the scheme no longer matches. */
		if (algs[i] != HM_SIG_ED25519)
			CHECK_ERR(hm_ct_sth_verify(&sth, HM_SIG_ED25519, pk, 32), HM_ERR_VERIFY);
		CHECK_ERR(hm_ct_sth_sign(&sth, algs[i], sk, info->sk_len - 1), HM_ERR_LENGTH);
		CHECK_EQ(sth.sig_len, 0);
	}
	CHECK_EQ(ran, 4);
	CHECK_ERR(hm_ct_sth_sign(&sth, (enum hm_sig_alg)99, sk, 64), HM_ERR_UNSUPPORTED);
	CHECK_ERR(hm_ct_sth_verify(&sth, (enum hm_sig_alg)99, pk, 32), HM_ERR_UNSUPPORTED);
}

/* Signs a tree head over a root the Merkle code computed: the whole chain. */
static void test_with_log_root(void)
{
	uint8_t hashes[5][HM_CT_HASH_LEN];

	CHECK_ERR(hm_sig_keygen(HM_SIG_ED25519, pk, sizeof(pk), sk, sizeof(sk)), HM_OK);
	for (int i = 0; i < 5; i++)
		hm_ct_leaf_hash(hashes[i], &i, 1);
	memset(&sth, 0, sizeof(sth));
	sth.tree_size = 5;
	sth.timestamp = 1;
	hm_ct_root_from_leaf_hashes(sth.root_hash, (const uint8_t(*)[HM_CT_HASH_LEN])hashes, 5);
	CHECK_ERR(hm_ct_sth_sign(&sth, HM_SIG_ED25519, sk, 64), HM_OK);
	CHECK_ERR(hm_ct_sth_verify(&sth, HM_SIG_ED25519, pk, 32), HM_OK);
}

static void test_decode_errors(void)
{
	struct hm_buf b;

	fill_head(&sth);
	sth.sig_scheme = 0x0807;
	sth.sig_len = 64;
	memset(sth.sig, 0x77, 64);
	hm_buf_init(&b);
	CHECK_ERR(hm_ct_sth_encode(&sth, &b), HM_OK);
	CHECK_ERR(hm_ct_sth_decode(&dec, b.data, b.len), HM_OK);
	CHECK_EQ(dec.sig_len, 64);
	for (size_t n = 0; n < b.len; n++)
		CHECK(hm_ct_sth_decode(&dec, b.data, n) == HM_ERR_TRUNCATED);
	CHECK_EQ(dec.sig_len, 0);
	CHECK_EQ(dec.tree_size, 0);
	CHECK_ERR(hm_buf_append_byte(&b, 0), HM_OK);
	CHECK_ERR(hm_ct_sth_decode(&dec, b.data, b.len), HM_ERR_TRAILING);
	/* A declared signature longer than any algorithm's. */
	hm_buf_truncate(&b, 50);
	CHECK_ERR(hm_put_u16(&b, HM_SIG_SIG_MAX + 1), HM_OK);
	for (size_t i = 0; i <= HM_SIG_SIG_MAX; i++)
		CHECK_ERR(hm_buf_append_byte(&b, 0x55), HM_OK);
	CHECK_ERR(hm_ct_sth_decode(&dec, b.data, b.len), HM_ERR_LENGTH);
	CHECK_ERR(hm_ct_sth_decode(&dec, NULL, 0), HM_ERR_TRUNCATED);
	hm_buf_free(&b);
}

TEST_MAIN(test_schemes, test_layout, test_sign_verify, test_with_log_root, test_decode_errors)
