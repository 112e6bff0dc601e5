/* SPDX-License-Identifier: Apache-2.0 */
#include "hypermesh/sig.h"
#include "test.h"

static const enum hm_sig_alg all[] = { HM_SIG_ED25519, HM_SIG_MLDSA44,   HM_SIG_MLDSA65,
	                               HM_SIG_MLDSA87, HM_SIG_FALCON512, HM_SIG_FALCON1024 };

static uint8_t pk[HM_SIG_PK_MAX], sk[HM_SIG_SK_MAX], sig[HM_SIG_SIG_MAX];

static void test_table(void)
{
	enum hm_sig_alg alg;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		const struct hm_sig_info *info = hm_sig_info(all[i]);
		CHECK(info != NULL);
		if (info == NULL)
			continue;
		CHECK(info->pk_len <= HM_SIG_PK_MAX && info->sk_len <= HM_SIG_SK_MAX &&
		      info->sig_max <= HM_SIG_SIG_MAX);
		CHECK_ERR(hm_sig_alg_from_name(info->name, &alg), HM_OK);
		CHECK_EQ(alg, all[i]);
	}
	CHECK(hm_sig_info((enum hm_sig_alg)0) == NULL);
	CHECK(hm_sig_info((enum hm_sig_alg)99) == NULL);
	CHECK_ERR(hm_sig_alg_from_name("rsa", &alg), HM_ERR_UNSUPPORTED);
	CHECK_ERR(hm_sig_alg_from_name(NULL, &alg), HM_ERR_UNSUPPORTED);
	CHECK_STR(hm_sig_info(HM_SIG_MLDSA87)->name, "ml-dsa-87");
	CHECK_EQ(hm_sig_info(HM_SIG_FALCON1024)->pk_len, 1793);
}

/* Sign, verify, and refuse every tampering, for each algorithm this build has. */
static void test_every_algorithm(void)
{
	static const char msg[] = "HyperMesh signs this";

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		const struct hm_sig_info *info = hm_sig_info(all[i]);
		size_t len = 0;
		int rc = hm_sig_keygen(all[i], pk, sizeof(pk), sk, sizeof(sk));

		if (rc == HM_ERR_UNSUPPORTED) {
			fprintf(stderr, "note: %s key generation not supported in this build\n",
			        info->name);
			continue;
		}
		CHECK_ERR(rc, HM_OK);
		CHECK_ERR(hm_sig_sign(all[i], sig, sizeof(sig), &len, sk, info->sk_len, msg,
		                      sizeof(msg)),
		          HM_OK);
		CHECK(len > 0 && len <= info->sig_max);
		CHECK_ERR(hm_sig_verify(all[i], pk, info->pk_len, sig, len, msg, sizeof(msg)),
		          HM_OK);
		/* Another message, a flipped bit, a truncated or extended signature. */
		CHECK_ERR(hm_sig_verify(all[i], pk, info->pk_len, sig, len, msg, sizeof(msg) - 1),
		          HM_ERR_VERIFY);
		sig[len / 2] ^= 0x04;
		CHECK_ERR(hm_sig_verify(all[i], pk, info->pk_len, sig, len, msg, sizeof(msg)),
		          HM_ERR_VERIFY);
		sig[len / 2] ^= 0x04;
		CHECK_ERR(hm_sig_verify(all[i], pk, info->pk_len, sig, len - 1, msg, sizeof(msg)),
		          HM_ERR_VERIFY);
		CHECK(hm_sig_verify(all[i], pk, info->pk_len, sig, len + 1, msg, sizeof(msg)) !=
		      HM_OK);
		CHECK_ERR(hm_sig_verify(all[i], pk, info->pk_len - 1, sig, len, msg, sizeof(msg)),
		          HM_ERR_LENGTH);
		/* Size checks on the way in. */
		CHECK_ERR(hm_sig_sign(all[i], sig, sizeof(sig), &len, sk, info->sk_len - 1, msg, 1),
		          HM_ERR_LENGTH);
		CHECK_ERR(
		        hm_sig_sign(all[i], sig, info->sig_max - 1, &len, sk, info->sk_len, msg, 1),
		        HM_ERR_BUFFER);
		CHECK_ERR(hm_sig_keygen(all[i], pk, info->pk_len - 1, sk, sizeof(sk)),
		          HM_ERR_BUFFER);
		CHECK_ERR(hm_sig_keygen(all[i], pk, sizeof(pk), sk, info->sk_len - 1),
		          HM_ERR_BUFFER);
	}
}

/* A prepared signer signs what verifies, and refuses what hm_sig_sign refuses. */
static void test_signer(void)
{
	static const char msg[] = "HyperMesh signs this with a prepared key";

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		const struct hm_sig_info *info = hm_sig_info(all[i]);
		struct hm_sig_signer *s = NULL, *none = NULL;
		size_t len = 0;

		CHECK_ERR(hm_sig_keygen(all[i], pk, sizeof(pk), sk, sizeof(sk)), HM_OK);
		CHECK_ERR(hm_sig_signer_new(all[i], sk, info->sk_len, &s), HM_OK);
		CHECK_EQ(hm_sig_signer_alg(s), all[i]);
		for (int round = 0; round < 2; round++) {
			CHECK_ERR(hm_sig_signer_sign(s, sig, sizeof(sig), &len, msg, sizeof(msg)),
			          HM_OK);
			CHECK_ERR(
			        hm_sig_verify(all[i], pk, info->pk_len, sig, len, msg, sizeof(msg)),
			        HM_OK);
			CHECK_ERR(hm_sig_verify(all[i], pk, info->pk_len, sig, len, msg, 3),
			          HM_ERR_VERIFY);
		}
		CHECK_ERR(hm_sig_signer_sign(s, sig, info->sig_max - 1, &len, msg, 1),
		          HM_ERR_BUFFER);
		hm_sig_signer_free(s);
		CHECK_ERR(hm_sig_signer_new(all[i], sk, info->sk_len - 1, &none), HM_ERR_LENGTH);
		CHECK(none == NULL);
	}
	/* A Falcon key that is not an NTRU basis is refused up front. */
	CHECK_ERR(hm_sig_keygen(HM_SIG_FALCON512, pk, sizeof(pk), sk, sizeof(sk)), HM_OK);
	sk[hm_sig_info(HM_SIG_FALCON512)->sk_len - 1] ^= 0x11;
	{
		struct hm_sig_signer *s = NULL;

		CHECK_ERR(hm_sig_signer_new(HM_SIG_FALCON512, sk,
		                            hm_sig_info(HM_SIG_FALCON512)->sk_len, &s),
		          HM_ERR_INVALID);
		CHECK(s == NULL);
		CHECK_ERR(hm_sig_signer_new((enum hm_sig_alg)42, sk, 32, &s), HM_ERR_UNSUPPORTED);
	}
	hm_sig_signer_free(NULL);
}

static void test_unknown_algorithm(void)
{
	size_t len;
	enum hm_sig_alg bad = (enum hm_sig_alg)42;

	CHECK_ERR(hm_sig_keygen(bad, pk, sizeof(pk), sk, sizeof(sk)), HM_ERR_UNSUPPORTED);
	CHECK_ERR(hm_sig_sign(bad, sig, sizeof(sig), &len, sk, 32, "m", 1), HM_ERR_UNSUPPORTED);
	CHECK_ERR(hm_sig_verify(bad, pk, 32, sig, 64, "m", 1), HM_ERR_UNSUPPORTED);
}

TEST_MAIN(test_table, test_every_algorithm, test_signer, test_unknown_algorithm)
