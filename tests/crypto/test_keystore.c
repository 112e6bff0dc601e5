/* SPDX-License-Identifier: Apache-2.0 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hypermesh/hash.h"
#include "hypermesh/keystore.h"
#include "hypermesh/secure.h"
#include "test.h"

static void encode(const struct hm_identity *id, struct hm_buf *b)
{
	hm_buf_init(b);
	CHECK_ERR(hm_keystore_encode(id, b), HM_OK);
}

/* Recomputes the trailing checksum after a deliberate edit, to reach deeper checks. */
static void reseal(struct hm_buf *b)
{
	hm_sha256(b->data + b->len - 32, b->data, b->len - 32);
}

static void test_roundtrip(void)
{
	struct hm_identity id, back;
	struct hm_buf b;
	uint8_t node_id[HM_NODE_ID_LEN], expect[32];

	CHECK_ERR(hm_identity_generate(&id), HM_OK);
	encode(&id, &b);
	/* magic 4 + version 2 + alg 2 + (2 + 32) + (2 + 32) + checksum 32 */
	CHECK_EQ(b.len, 108);
	CHECK_MEM(b.data, "HMKS\x00\x01\x00\x01\x00\x20", 10);
	CHECK_ERR(hm_keystore_decode(b.data, b.len, &back), HM_OK);
	CHECK_MEM(&back.pk, id.pk, 32);
	CHECK_MEM(&back.sk, id.sk, 32);
	CHECK_EQ(back.alg, HM_KEY_ED25519);
	hm_identity_node_id(&id, node_id);
	hm_sha256(expect, id.pk, 32);
	CHECK_MEM(node_id, expect, 32);
	CHECK_STR(hm_key_alg_name(id.alg), "ed25519");
	CHECK_STR(hm_key_alg_name((enum hm_key_alg)9), "unknown");
	hm_buf_free(&b);
}

static void test_signing_key_works(void)
{
	struct hm_identity id;
	uint8_t sig[HM_ED25519_SIG_LEN];

	CHECK_ERR(hm_identity_generate(&id), HM_OK);
	hm_ed25519_sign(sig, id.sk, id.pk, "msg", 3);
	CHECK_ERR(hm_ed25519_verify(sig, id.pk, "msg", 3), HM_OK);
	CHECK_ERR(hm_ed25519_verify(sig, id.pk, "msh", 3), HM_ERR_VERIFY);
	sig[10] ^= 1;
	CHECK_ERR(hm_ed25519_verify(sig, id.pk, "msg", 3), HM_ERR_VERIFY);
	hm_identity_wipe(&id);
	CHECK(hm_ct_is_zero(&id, sizeof(id)));
}

static void test_refusals(void)
{
	struct hm_identity id, back;
	struct hm_buf b, longer;

	CHECK_ERR(hm_identity_generate(&id), HM_OK);
	encode(&id, &b);

	/* Every truncation is refused. */
	for (size_t len = 0; len < b.len; len++) {
		int rc = hm_keystore_decode(b.data, len, &back);
		CHECK(rc == HM_ERR_TRUNCATED || rc == HM_ERR_CORRUPT);
	}
	/* Any flipped bit fails the checksum. */
	for (size_t i = 0; i < b.len; i++) {
		b.data[i] ^= 0x10;
		CHECK(hm_keystore_decode(b.data, b.len, &back) != HM_OK);
		b.data[i] ^= 0x10;
	}
	/* Wrong magic. */
	b.data[0] = 'X';
	CHECK_ERR(hm_keystore_decode(b.data, b.len, &back), HM_ERR_CORRUPT);
	b.data[0] = 'H';
	/* Unknown version and algorithm, even with a valid checksum. */
	b.data[5] = 2;
	reseal(&b);
	CHECK_ERR(hm_keystore_decode(b.data, b.len, &back), HM_ERR_UNSUPPORTED);
	b.data[5] = 1;
	b.data[7] = 7;
	reseal(&b);
	CHECK_ERR(hm_keystore_decode(b.data, b.len, &back), HM_ERR_UNSUPPORTED);
	b.data[7] = 1;
	/* A public key that is not the secret key's: a spliced file. */
	b.data[10] ^= 1;
	reseal(&b);
	CHECK_ERR(hm_keystore_decode(b.data, b.len, &back), HM_ERR_CORRUPT);
	b.data[10] ^= 1;
	reseal(&b);
	CHECK_ERR(hm_keystore_decode(b.data, b.len, &back), HM_OK);

	/* Trailing bytes between the keys and the checksum. */
	hm_buf_init(&longer);
	CHECK_ERR(hm_buf_append(&longer, b.data, b.len - 32), HM_OK);
	CHECK_ERR(hm_buf_append(&longer, "\0", 1), HM_OK);
	CHECK_ERR(hm_buf_append(&longer, b.data + b.len - 32, 32), HM_OK);
	reseal(&longer);
	CHECK_ERR(hm_keystore_decode(longer.data, longer.len, &back), HM_ERR_TRAILING);
	/* A key of the wrong length inside a well-formed structure. */
	hm_buf_truncate(&longer, 0);
	CHECK_ERR(hm_buf_append(&longer, "HMKS\x00\x01\x00\x01\x00\x01\x07\x00\x01\x07", 14),
	          HM_OK);
	CHECK_ERR(hm_buf_append(&longer, b.data, 32), HM_OK);
	reseal(&longer);
	CHECK_ERR(hm_keystore_decode(longer.data, longer.len, &back), HM_ERR_LENGTH);
	/* Failed decodes leave no key material behind. */
	for (size_t i = 0; i < sizeof(back.sk); i++)
		CHECK(back.sk[i] == 0);
	hm_buf_free(&longer);
	hm_buf_free(&b);
}

static void test_save_and_load(void)
{
	char dir[] = "/tmp/hm-test-keystore-XXXXXX", path[64];
	struct hm_identity id, back, other;
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/node.key", dir);
	CHECK_ERR(hm_identity_generate(&id), HM_OK);
	CHECK_ERR(hm_identity_generate(&other), HM_OK);
	CHECK_ERR(hm_keystore_save(path, &id, HM_FILE_NO_CLOBBER), HM_OK);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK_ERR(hm_keystore_save(path, &other, HM_FILE_NO_CLOBBER), HM_ERR_EXISTS);
	CHECK_ERR(hm_keystore_load(path, &back), HM_OK);
	CHECK_MEM(back.pk, id.pk, 32); /* the refused save changed nothing */
	CHECK_ERR(hm_keystore_save(path, &other, HM_FILE_OVERWRITE), HM_OK);
	CHECK_ERR(hm_keystore_load(path, &back), HM_OK);
	CHECK_MEM(back.pk, other.pk, 32);
	unlink(path);
	CHECK_ERR(hm_keystore_load(path, &back), HM_ERR_NOT_FOUND);
	rmdir(dir);
}

/* The identity key (y = 1) and the order-2 point: refused whatever the signature. */
static void test_small_order_keys_refused(void)
{
	uint8_t identity[32] = { 1 }, order2[32] = { 0 }, sig[64] = { 0 };
	struct hm_identity id;

	order2[0] = 0xec;
	memset(order2 + 1, 0xff, 30);
	order2[31] = 0x7f;
	CHECK(hm_ed25519_public_key_is_small_order(identity));
	CHECK(hm_ed25519_public_key_is_small_order(order2));
	/* An all-zero signature "verifies" under the identity key in plain RFC 8032. */
	CHECK_ERR(hm_ed25519_verify(sig, identity, "m", 1), HM_ERR_VERIFY);
	CHECK_ERR(hm_ed25519_verify(sig, identity, "other", 5), HM_ERR_VERIFY);
	/* Keys from real secret keys never are. */
	for (int i = 0; i < 32; i++) {
		CHECK_ERR(hm_identity_generate(&id), HM_OK);
		CHECK(!hm_ed25519_public_key_is_small_order(id.pk));
	}
}

TEST_MAIN(test_roundtrip, test_signing_key_works, test_small_order_keys_refused, test_refusals,
          test_save_and_load)
