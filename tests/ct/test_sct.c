/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signed certificate timestamps and Merkle tree leaves: the RFC 6962 byte
 * layouts, issuing and verifying with Ed25519 and ML-DSA, refusal of every
 * tampering, and the decoder's refusals.
 */
#include <string.h>

#include "hypermesh/codec.h"
#include "hypermesh/ct.h"
#include "hypermesh/error.h"
#include "hypermesh/hash.h"
#include "test.h"

static uint8_t pk[HM_SIG_PK_MAX], sk[HM_SIG_SK_MAX];
static struct hm_ct_sct sct, dec;
static const uint8_t cert[] = "a certificate, or any leaf";
static const uint8_t ext[] = { 0xe1, 0xe2, 0xe3 };

static struct hm_ct_entry x509(void)
{
	struct hm_ct_entry e = { HM_CT_X509_ENTRY, cert, sizeof(cert), { 0 } };
	return e;
}

static struct hm_ct_entry precert(void)
{
	struct hm_ct_entry e = { HM_CT_PRECERT_ENTRY, cert, 5, { 0 } };
	memset(e.issuer_key_hash, 0x1c, sizeof(e.issuer_key_hash));
	return e;
}

/* RFC 6962 §3.4 MerkleTreeLeaf, spelled out byte by byte. */
static void test_merkle_leaf_layout(void)
{
	static const uint8_t want_x509[] = {
		0x00, 0x00,                                     /* v1, timestamped_entry */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, /* timestamp */
		0x00, 0x00,                                     /* x509_entry */
		0x00, 0x00, 0x03, 'a',  'b',  'c',              /* ASN.1Cert<1..2^24-1> */
		0x00, 0x02, 0xe1, 0xe2,                         /* extensions */
	};
	struct hm_ct_entry e = { HM_CT_X509_ENTRY, (const uint8_t *)"abc", 3, { 0 } };
	struct hm_buf b;

	hm_buf_init(&b);
	CHECK_ERR(hm_ct_merkle_leaf_encode(0x0102, &e, ext, 2, &b), HM_OK);
	CHECK(b.len == sizeof(want_x509) && memcmp(b.data, want_x509, b.len) == 0);
	hm_buf_truncate(&b, 0);
	e.type = HM_CT_PRECERT_ENTRY;
	memset(e.issuer_key_hash, 0x99, 32);
	CHECK_ERR(hm_ct_merkle_leaf_encode(0x0102, &e, NULL, 0, &b), HM_OK);
	CHECK_EQ(b.len, 2 + 8 + 2 + 32 + 3 + 3 + 2);
	CHECK_MEM(b.data + 10, "\x00\x01", 2);
	CHECK_EQ(b.data[12], 0x99);
	CHECK_MEM(b.data + 44,
	          "\x00\x00\x03"
	          "abc\x00\x00",
	          8);
	/* Refusals leave out as it was. */
	e.len = 0;
	CHECK_ERR(hm_ct_merkle_leaf_encode(1, &e, NULL, 0, &b), HM_ERR_LENGTH);
	e.len = HM_CT_ENTRY_MAX + 1;
	CHECK_ERR(hm_ct_merkle_leaf_encode(1, &e, NULL, 0, &b), HM_ERR_LENGTH);
	e.len = 3;
	e.type = (enum hm_ct_entry_type)2;
	CHECK_ERR(hm_ct_merkle_leaf_encode(1, &e, NULL, 0, &b), HM_ERR_INVALID);
	e.type = HM_CT_X509_ENTRY;
	e.data = NULL;
	CHECK_ERR(hm_ct_merkle_leaf_encode(1, &e, NULL, 0, &b), HM_ERR_INVALID);
	e.data = (const uint8_t *)"abc";
	CHECK_ERR(hm_ct_merkle_leaf_encode(1, &e, NULL, 1, &b), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_merkle_leaf_encode(1, &e, ext, HM_CT_EXT_MAX + 1, &b), HM_ERR_LENGTH);
	CHECK_EQ(b.len, 52);
	CHECK_ERR(hm_ct_merkle_leaf_encode(1, NULL, NULL, 0, &b), HM_ERR_INVALID);
	hm_buf_free(&b);
}

static void test_sct_layout(void)
{
	struct hm_buf b;

	memset(&sct, 0, sizeof(sct));
	memset(sct.log_id, 0x11, 32);
	sct.timestamp = 0x0a0b;
	sct.extensions = ext;
	sct.extensions_len = 3;
	sct.sig_scheme = 0x0904;
	sct.sig_len = 2;
	sct.sig[0] = 0xde;
	sct.sig[1] = 0xad;
	hm_buf_init(&b);
	CHECK_ERR(hm_ct_sct_encode(&sct, &b), HM_OK);
	CHECK_EQ(b.len, 1 + 32 + 8 + 2 + 3 + 2 + 2 + 2);
	CHECK_EQ(b.data[0], 0);
	CHECK_EQ(b.data[1], 0x11);
	CHECK_MEM(b.data + 33, "\0\0\0\0\0\0\x0a\x0b\x00\x03\xe1\xe2\xe3\x09\x04\x00\x02\xde\xad",
	          19);
	CHECK_ERR(hm_ct_sct_decode(&dec, b.data, b.len), HM_OK);
	CHECK(dec.extensions == b.data + 43); /* borrowed from the input */
	CHECK_EQ(dec.extensions_len, 3);
	CHECK_EQ(dec.sig_scheme, 0x0904);
	sct.extensions_len = HM_CT_EXT_MAX + 1;
	CHECK_ERR(hm_ct_sct_encode(&sct, &b), HM_ERR_LENGTH);
	sct.extensions_len = 3;
	sct.sig_len = HM_SIG_SIG_MAX + 1;
	CHECK_ERR(hm_ct_sct_encode(&sct, &b), HM_ERR_LENGTH);
	CHECK_EQ(b.len, 52);
	hm_buf_free(&b);
}

static void check_tampering(const struct hm_ct_entry *e, enum hm_sig_alg alg, size_t pk_len)
{
	struct hm_ct_entry f;
	struct hm_ct_sct t;
	uint8_t other_ext[3] = { 0xe1, 0xe2, 0xe4 };

	t = sct;
	t.timestamp++;
	CHECK_ERR(hm_ct_sct_verify(&t, e, alg, pk, pk_len), HM_ERR_VERIFY);
	t = sct;
	t.extensions = other_ext;
	CHECK_ERR(hm_ct_sct_verify(&t, e, alg, pk, pk_len), HM_ERR_VERIFY);
	t = sct;
	t.extensions_len--;
	CHECK_ERR(hm_ct_sct_verify(&t, e, alg, pk, pk_len), HM_ERR_VERIFY);
	t = sct;
	t.version = 1;
	CHECK_ERR(hm_ct_sct_verify(&t, e, alg, pk, pk_len), HM_ERR_VERIFY);
	t = sct;
	t.log_id[31] ^= 1;
	CHECK_ERR(hm_ct_sct_verify(&t, e, alg, pk, pk_len), HM_ERR_VERIFY);
	t = sct;
	t.sig[3] ^= 0x20;
	CHECK_ERR(hm_ct_sct_verify(&t, e, alg, pk, pk_len), HM_ERR_VERIFY);
	t = sct;
	t.sig_scheme = 0x0807 ^ 0x0f00;
	CHECK_ERR(hm_ct_sct_verify(&t, e, alg, pk, pk_len), HM_ERR_VERIFY);
	f = *e;
	f.len--;
	CHECK_ERR(hm_ct_sct_verify(&sct, &f, alg, pk, pk_len), HM_ERR_VERIFY);
	f = *e;
	f.type = f.type == HM_CT_X509_ENTRY ? HM_CT_PRECERT_ENTRY : HM_CT_X509_ENTRY;
	CHECK_ERR(hm_ct_sct_verify(&sct, &f, alg, pk, pk_len), HM_ERR_VERIFY);
	if (e->type == HM_CT_PRECERT_ENTRY) {
		f = *e;
		f.issuer_key_hash[0] ^= 1;
		CHECK_ERR(hm_ct_sct_verify(&sct, &f, alg, pk, pk_len), HM_ERR_VERIFY);
	}
}

static void run_alg(enum hm_sig_alg alg)
{
	const struct hm_sig_info *info = hm_sig_info(alg);
	struct hm_ct_entry entries[2] = { x509(), precert() };
	uint8_t id[32];
	struct hm_buf b;

	CHECK_ERR(hm_sig_keygen(alg, pk, sizeof(pk), sk, sizeof(sk)), HM_OK);
	for (int i = 0; i < 2; i++) {
		memset(&sct, 0, sizeof(sct));
		sct.timestamp = 1764000000000 + (uint64_t)i;
		sct.extensions = ext;
		sct.extensions_len = sizeof(ext);
		CHECK_ERR(
		        hm_ct_sct_sign(&sct, &entries[i], alg, pk, info->pk_len, sk, info->sk_len),
		        HM_OK);
		hm_sha256(id, pk, info->pk_len);
		CHECK_MEM(sct.log_id, id, 32);
		CHECK_EQ(sct.version, 0);
		CHECK_ERR(hm_ct_sct_verify(&sct, &entries[i], alg, pk, info->pk_len), HM_OK);
		check_tampering(&entries[i], alg, info->pk_len);
		hm_buf_init(&b);
		CHECK_ERR(hm_ct_sct_encode(&sct, &b), HM_OK);
		CHECK_ERR(hm_ct_sct_decode(&dec, b.data, b.len), HM_OK);
		CHECK_ERR(hm_ct_sct_verify(&dec, &entries[i], alg, pk, info->pk_len), HM_OK);
		hm_buf_free(&b);
	}
}

static void test_sign_verify(void)
{
	struct hm_ct_entry e = x509();

	run_alg(HM_SIG_ED25519);
	run_alg(HM_SIG_MLDSA65);
	/* Bad inputs to the issuer and the verifier. */
	memset(&sct, 0, sizeof(sct));
	e.len = 0;
	CHECK_ERR(hm_ct_sct_sign(&sct, &e, HM_SIG_ED25519, pk, 32, sk, 64), HM_ERR_LENGTH);
	CHECK_ERR(hm_ct_sct_verify(&sct, &e, HM_SIG_ED25519, pk, 32), HM_ERR_LENGTH);
	e = x509();
	sct.extensions_len = 1;
	CHECK_ERR(hm_ct_sct_sign(&sct, &e, HM_SIG_ED25519, pk, 32, sk, 64), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_sct_verify(&sct, &e, HM_SIG_ED25519, pk, 32), HM_ERR_INVALID);
	sct.extensions_len = 0;
	CHECK_ERR(hm_ct_sct_sign(&sct, NULL, HM_SIG_ED25519, pk, 32, sk, 64), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_sct_sign(&sct, &e, (enum hm_sig_alg)99, pk, 32, sk, 64),
	          HM_ERR_UNSUPPORTED);
	CHECK_EQ(sct.sig_len, 0);
	CHECK_ERR(hm_sig_keygen(HM_SIG_ED25519, pk, sizeof(pk), sk, sizeof(sk)), HM_OK);
	CHECK_ERR(hm_ct_sct_sign(&sct, &e, HM_SIG_ED25519, pk, 32, sk, 63), HM_ERR_LENGTH);
	CHECK_ERR(hm_ct_sct_sign(&sct, &e, HM_SIG_ED25519, pk, 32, sk, 64), HM_OK);
	CHECK_ERR(hm_ct_sct_verify(&sct, &e, HM_SIG_ED25519, pk, 31), HM_ERR_VERIFY);
}

static void test_decode_errors(void)
{
	struct hm_buf b;

	memset(&sct, 0, sizeof(sct));
	sct.extensions = ext;
	sct.extensions_len = 3;
	sct.sig_scheme = 0x0807;
	sct.sig_len = 64;
	hm_buf_init(&b);
	CHECK_ERR(hm_ct_sct_encode(&sct, &b), HM_OK);
	for (size_t n = 0; n < b.len; n++)
		CHECK(hm_ct_sct_decode(&dec, b.data, n) == HM_ERR_TRUNCATED);
	CHECK_ERR(hm_ct_sct_decode(&dec, b.data, 0), HM_ERR_TRUNCATED);
	CHECK_EQ(dec.sig_len, 0);
	CHECK(dec.extensions == NULL);
	CHECK_ERR(hm_buf_append_byte(&b, 0), HM_OK);
	CHECK_ERR(hm_ct_sct_decode(&dec, b.data, b.len), HM_ERR_TRAILING);
	b.len--;
	b.data[0] = 1; /* v2 and later are not v1 SCTs */
	CHECK_ERR(hm_ct_sct_decode(&dec, b.data, b.len), HM_ERR_UNSUPPORTED);
	b.data[0] = 0;
	b.data[41] = 0xff; /* extensions longer than the rest */
	CHECK_ERR(hm_ct_sct_decode(&dec, b.data, b.len), HM_ERR_TRUNCATED);
	b.data[41] = 0;
	/* An oversize signature. */
	hm_buf_truncate(&b, 48);
	CHECK_ERR(hm_put_u16(&b, 0xffff), HM_OK);
	for (size_t i = 0; i < 0xffff; i++)
		CHECK_ERR(hm_buf_append_byte(&b, 0x55), HM_OK);
	CHECK_ERR(hm_ct_sct_decode(&dec, b.data, b.len), HM_ERR_LENGTH);
	hm_buf_free(&b);
}

TEST_MAIN(test_merkle_leaf_layout, test_sct_layout, test_sign_verify, test_decode_errors)
