/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ML-DSA: round trips for every parameter set and interface, every refusal
 * path, and the ACVP/Wycheproof vector files in argv (the sigGen prompt and
 * expectedResults are joined here, as the dispatcher does).
 */
#include <jansson.h>

#include "hypermesh/encoding.h"
#include "hypermesh/kat.h"
#include "hypermesh/mldsa.h"
#include "test.h"
#include "vectors.h"

static const enum hm_mldsa_param all_params[] = { HM_MLDSA_44, HM_MLDSA_65, HM_MLDSA_87 };
#define NPARAMS (sizeof(all_params) / sizeof(all_params[0]))

/* Per-set constants of FIPS 204 table 1 that the tests poke at. */
static size_t ctilde_bytes(enum hm_mldsa_param p)
{
	return p == HM_MLDSA_44 ? 32 : p == HM_MLDSA_65 ? 48 : 64;
}

static unsigned omega(enum hm_mldsa_param p)
{
	return p == HM_MLDSA_44 ? 80 : p == HM_MLDSA_65 ? 55 : 75;
}

static unsigned k_rows(enum hm_mldsa_param p)
{
	return p == HM_MLDSA_44 ? 4 : p == HM_MLDSA_65 ? 6 : 8;
}

struct keypair {
	uint8_t pk[HM_MLDSA_MAX_PUBLICKEY_BYTES];
	uint8_t sk[HM_MLDSA_MAX_SECRETKEY_BYTES];
	size_t pklen, sklen, siglen;
};

static void make_keys(enum hm_mldsa_param p, struct keypair *kp, uint8_t seedbyte)
{
	uint8_t xi[HM_MLDSA_SEED_BYTES];

	for (size_t i = 0; i < sizeof(xi); i++)
		xi[i] = (uint8_t)(seedbyte + i);
	CHECK_ERR(hm_mldsa_keygen_internal(p, kp->pk, kp->sk, xi), HM_OK);
	kp->pklen = hm_mldsa_publickey_bytes(p);
	kp->sklen = hm_mldsa_secretkey_bytes(p);
	kp->siglen = hm_mldsa_signature_bytes(p);
}

static const uint8_t msg[] = "HyperMesh ML-DSA test message";
static const uint8_t ctx[] = "hm-test-context";

static void test_sizes(void)
{
	CHECK_EQ(hm_mldsa_publickey_bytes(HM_MLDSA_44), 1312);
	CHECK_EQ(hm_mldsa_secretkey_bytes(HM_MLDSA_65), 4032);
	CHECK_EQ(hm_mldsa_signature_bytes(HM_MLDSA_87), 4627);
	CHECK_EQ(hm_mldsa_signature_bytes((enum hm_mldsa_param)42), 0);
	CHECK_EQ(hm_mldsa_prehash_bytes(HM_MLDSA_PH_SHA2_512_224), 28);
	CHECK_EQ(hm_mldsa_prehash_bytes(HM_MLDSA_PH_SHAKE256), 64);
	CHECK_EQ(hm_mldsa_prehash_bytes((enum hm_mldsa_prehash)99), 0);
}

static void test_roundtrip_pure(void)
{
	for (size_t i = 0; i < NPARAMS; i++) {
		enum hm_mldsa_param p = all_params[i];
		struct keypair kp;
		uint8_t sig[HM_MLDSA_MAX_SIGNATURE_BYTES], sig2[HM_MLDSA_MAX_SIGNATURE_BYTES];
		uint8_t m2[sizeof(msg)], c2[sizeof(ctx)];

		make_keys(p, &kp, (uint8_t)(i * 32));
		CHECK_ERR(hm_mldsa_sign(p, sig, kp.sk, kp.sklen, msg, sizeof(msg), ctx, sizeof(ctx),
		                        NULL),
		          HM_OK);
		CHECK_ERR(hm_mldsa_verify(p, kp.pk, kp.pklen, msg, sizeof(msg), ctx, sizeof(ctx),
		                          sig, kp.siglen),
		          HM_OK);
		/* deterministic: same bytes again */
		CHECK_ERR(hm_mldsa_sign(p, sig2, kp.sk, kp.sklen, msg, sizeof(msg), ctx,
		                        sizeof(ctx), NULL),
		          HM_OK);
		CHECK_MEM(sig, sig2, kp.siglen);
		/* empty message, empty context, NULL pointers with zero lengths */
		CHECK_ERR(hm_mldsa_sign(p, sig2, kp.sk, kp.sklen, NULL, 0, NULL, 0, NULL), HM_OK);
		CHECK_ERR(hm_mldsa_verify(p, kp.pk, kp.pklen, NULL, 0, NULL, 0, sig2, kp.siglen),
		          HM_OK);
		CHECK_ERR(hm_mldsa_verify(p, kp.pk, kp.pklen, "", 0, ctx, 1, sig2, kp.siglen),
		          HM_ERR_VERIFY);
		/* hedged: verifies, and differs from the deterministic signature */
		CHECK_ERR(hm_mldsa_sign_hedged(p, sig2, kp.sk, kp.sklen, msg, sizeof(msg), ctx,
		                               sizeof(ctx)),
		          HM_OK);
		CHECK_ERR(hm_mldsa_verify(p, kp.pk, kp.pklen, msg, sizeof(msg), ctx, sizeof(ctx),
		                          sig2, kp.siglen),
		          HM_OK);
		CHECK(memcmp(sig, sig2, kp.siglen) != 0);

		/* flipped bits in the message, the context and the signature */
		memcpy(m2, msg, sizeof(msg));
		m2[3] ^= 0x10;
		CHECK_ERR(hm_mldsa_verify(p, kp.pk, kp.pklen, m2, sizeof(m2), ctx, sizeof(ctx), sig,
		                          kp.siglen),
		          HM_ERR_VERIFY);
		memcpy(c2, ctx, sizeof(ctx));
		c2[0] ^= 1;
		CHECK_ERR(hm_mldsa_verify(p, kp.pk, kp.pklen, msg, sizeof(msg), c2, sizeof(c2), sig,
		                          kp.siglen),
		          HM_ERR_VERIFY);
		CHECK_ERR(hm_mldsa_verify(p, kp.pk, kp.pklen, msg, sizeof(msg), ctx,
		                          sizeof(ctx) - 1, sig, kp.siglen),
		          HM_ERR_VERIFY);
		CHECK_ERR(hm_mldsa_verify(p, kp.pk, kp.pklen, msg, sizeof(msg), NULL, 0, sig,
		                          kp.siglen),
		          HM_ERR_VERIFY);
		for (size_t pos = 0; pos < kp.siglen; pos += 97) {
			memcpy(sig2, sig, kp.siglen);
			sig2[pos] ^= 0x04;
			CHECK_ERR(hm_mldsa_verify(p, kp.pk, kp.pklen, msg, sizeof(msg), ctx,
			                          sizeof(ctx), sig2, kp.siglen),
			          HM_ERR_VERIFY);
		}
		/* a flipped public-key bit */
		kp.pk[40] ^= 1;
		CHECK_ERR(hm_mldsa_verify(p, kp.pk, kp.pklen, msg, sizeof(msg), ctx, sizeof(ctx),
		                          sig, kp.siglen),
		          HM_ERR_VERIFY);
		kp.pk[40] ^= 1;
		/* another parameter set never accepts it (lengths differ) */
		CHECK_ERR(hm_mldsa_verify(all_params[(i + 1) % NPARAMS], kp.pk, kp.pklen, msg,
		                          sizeof(msg), ctx, sizeof(ctx), sig, kp.siglen),
		          HM_ERR_LENGTH);
	}
}

static void test_random_keygen(void)
{
	for (size_t i = 0; i < NPARAMS; i++) {
		enum hm_mldsa_param p = all_params[i];
		uint8_t pk1[HM_MLDSA_MAX_PUBLICKEY_BYTES], sk1[HM_MLDSA_MAX_SECRETKEY_BYTES];
		uint8_t pk2[HM_MLDSA_MAX_PUBLICKEY_BYTES], sk2[HM_MLDSA_MAX_SECRETKEY_BYTES];
		uint8_t sig[HM_MLDSA_MAX_SIGNATURE_BYTES];
		size_t pklen = hm_mldsa_publickey_bytes(p), sklen = hm_mldsa_secretkey_bytes(p);

		CHECK_ERR(hm_mldsa_keygen(p, pk1, sk1), HM_OK);
		CHECK_ERR(hm_mldsa_keygen(p, pk2, sk2), HM_OK);
		CHECK(memcmp(pk1, pk2, pklen) != 0);
		CHECK_ERR(hm_mldsa_sign_hedged(p, sig, sk1, sklen, msg, sizeof(msg), NULL, 0),
		          HM_OK);
		CHECK_ERR(hm_mldsa_verify(p, pk1, pklen, msg, sizeof(msg), NULL, 0, sig,
		                          hm_mldsa_signature_bytes(p)),
		          HM_OK);
		CHECK_ERR(hm_mldsa_verify(p, pk2, pklen, msg, sizeof(msg), NULL, 0, sig,
		                          hm_mldsa_signature_bytes(p)),
		          HM_ERR_VERIFY);
	}
	CHECK_ERR(hm_mldsa_keygen((enum hm_mldsa_param)1, NULL, NULL), HM_ERR_INVALID);
}

static void test_roundtrip_prehash(void)
{
	static const enum hm_mldsa_prehash phs[] = {
		HM_MLDSA_PH_SHA2_224, HM_MLDSA_PH_SHA2_256,     HM_MLDSA_PH_SHA2_384,
		HM_MLDSA_PH_SHA2_512, HM_MLDSA_PH_SHA2_512_224, HM_MLDSA_PH_SHA2_512_256,
		HM_MLDSA_PH_SHA3_224, HM_MLDSA_PH_SHA3_256,     HM_MLDSA_PH_SHA3_384,
		HM_MLDSA_PH_SHA3_512, HM_MLDSA_PH_SHAKE128,     HM_MLDSA_PH_SHAKE256,
	};
	/* SHA3-224("abc") and SHA3-384("abc"), FIPS 202 example values: the hand-built sponges */
	static const uint8_t sha3_224_abc[4] = { 0xe6, 0x42, 0x82, 0x4c };
	static const uint8_t sha3_384_abc[4] = { 0xec, 0x01, 0x49, 0x82 };
	uint8_t d[HM_MLDSA_MAX_PREHASH_BYTES];
	size_t dlen;

	CHECK_ERR(hm_mldsa_prehash_digest(HM_MLDSA_PH_SHA3_224, d, &dlen, "abc", 3), HM_OK);
	CHECK_EQ(dlen, 28);
	CHECK_MEM(d, sha3_224_abc, 4);
	CHECK_ERR(hm_mldsa_prehash_digest(HM_MLDSA_PH_SHA3_384, d, &dlen, "abc", 3), HM_OK);
	CHECK_EQ(dlen, 48);
	CHECK_MEM(d, sha3_384_abc, 4);
	CHECK_ERR(hm_mldsa_prehash_digest((enum hm_mldsa_prehash)77, d, &dlen, "abc", 3),
	          HM_ERR_INVALID);

	for (size_t i = 0; i < NPARAMS; i++) {
		enum hm_mldsa_param p = all_params[i];
		struct keypair kp;
		uint8_t sig[HM_MLDSA_MAX_SIGNATURE_BYTES];

		make_keys(p, &kp, (uint8_t)(100 + i));
		for (size_t j = 0; j < sizeof(phs) / sizeof(phs[0]); j++) {
			/* the next function of the same digest length, to swap the OID */
			enum hm_mldsa_prehash other = phs[(j + 6) % 12];

			CHECK_ERR(hm_mldsa_prehash_digest(phs[j], d, &dlen, msg, sizeof(msg)),
			          HM_OK);
			CHECK_EQ(dlen, hm_mldsa_prehash_bytes(phs[j]));
			CHECK_ERR(hm_mldsa_sign_prehash(p, sig, kp.sk, kp.sklen, d, dlen, phs[j],
			                                ctx, sizeof(ctx), NULL),
			          HM_OK);
			CHECK_ERR(hm_mldsa_verify_prehash(p, kp.pk, kp.pklen, d, dlen, phs[j], ctx,
			                                  sizeof(ctx), sig, kp.siglen),
			          HM_OK);
			if (hm_mldsa_prehash_bytes(other) == dlen)
				CHECK_ERR(hm_mldsa_verify_prehash(p, kp.pk, kp.pklen, d, dlen,
				                                  other, ctx, sizeof(ctx), sig,
				                                  kp.siglen),
				          HM_ERR_VERIFY);
			/* pure and pre-hash signatures are domain-separated */
			CHECK_ERR(hm_mldsa_verify(p, kp.pk, kp.pklen, d, dlen, ctx, sizeof(ctx),
			                          sig, kp.siglen),
			          HM_ERR_VERIFY);
			d[0] ^= 1;
			CHECK_ERR(hm_mldsa_verify_prehash(p, kp.pk, kp.pklen, d, dlen, phs[j], ctx,
			                                  sizeof(ctx), sig, kp.siglen),
			          HM_ERR_VERIFY);
			CHECK_ERR(hm_mldsa_sign_prehash(p, sig, kp.sk, kp.sklen, d, dlen - 1,
			                                phs[j], ctx, sizeof(ctx), NULL),
			          HM_ERR_LENGTH);
			CHECK_ERR(hm_mldsa_verify_prehash(p, kp.pk, kp.pklen, d, dlen + 1, phs[j],
			                                  ctx, sizeof(ctx), sig, kp.siglen),
			          HM_ERR_LENGTH);
		}
	}
}

/* sign == sign_internal(0 || |ctx| || ctx || M) == sign_mu(mu(pk, M, ctx)), all verifying. */
static void test_roundtrip_internal_mu(void)
{
	for (size_t i = 0; i < NPARAMS; i++) {
		enum hm_mldsa_param p = all_params[i];
		struct keypair kp;
		uint8_t sig[HM_MLDSA_MAX_SIGNATURE_BYTES], sig2[HM_MLDSA_MAX_SIGNATURE_BYTES];
		uint8_t mprime[2 + sizeof(ctx) + sizeof(msg)];
		uint8_t mu[HM_MLDSA_MU_BYTES], rnd[HM_MLDSA_RND_BYTES];

		make_keys(p, &kp, (uint8_t)(200 + i));
		memset(rnd, 0xa5, sizeof(rnd));
		mprime[0] = 0;
		mprime[1] = sizeof(ctx);
		memcpy(mprime + 2, ctx, sizeof(ctx));
		memcpy(mprime + 2 + sizeof(ctx), msg, sizeof(msg));
		CHECK_ERR(hm_mldsa_sign(p, sig, kp.sk, kp.sklen, msg, sizeof(msg), ctx, sizeof(ctx),
		                        rnd),
		          HM_OK);
		CHECK_ERR(hm_mldsa_sign_internal(p, sig2, kp.sk, kp.sklen, mprime, sizeof(mprime),
		                                 rnd),
		          HM_OK);
		CHECK_MEM(sig, sig2, kp.siglen);
		CHECK_ERR(hm_mldsa_mu(p, mu, kp.pk, kp.pklen, msg, sizeof(msg), ctx, sizeof(ctx)),
		          HM_OK);
		CHECK_ERR(hm_mldsa_sign_mu(p, sig2, kp.sk, kp.sklen, mu, rnd), HM_OK);
		CHECK_MEM(sig, sig2, kp.siglen);
		CHECK_ERR(hm_mldsa_verify_internal(p, kp.pk, kp.pklen, mprime, sizeof(mprime), sig,
		                                   kp.siglen),
		          HM_OK);
		CHECK_ERR(hm_mldsa_verify_mu(p, kp.pk, kp.pklen, mu, sig, kp.siglen), HM_OK);
		mu[63] ^= 0x80;
		CHECK_ERR(hm_mldsa_verify_mu(p, kp.pk, kp.pklen, mu, sig, kp.siglen),
		          HM_ERR_VERIFY);
		mprime[0] = 1;
		CHECK_ERR(hm_mldsa_verify_internal(p, kp.pk, kp.pklen, mprime, sizeof(mprime), sig,
		                                   kp.siglen),
		          HM_ERR_VERIFY);
		/* the internal interface adds no prefix: M' = M is a different message */
		CHECK_ERR(hm_mldsa_verify_internal(p, kp.pk, kp.pklen, msg, sizeof(msg), sig,
		                                   kp.siglen),
		          HM_ERR_VERIFY);
	}
}

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static void test_refusals(void)
{
	enum hm_mldsa_param p = HM_MLDSA_44;
	struct keypair kp;
	uint8_t sig[HM_MLDSA_MAX_SIGNATURE_BYTES], big_ctx[256], mu[HM_MLDSA_MU_BYTES] = { 0 };
	uint8_t d[32] = { 0 };

	make_keys(p, &kp, 7);
	memset(big_ctx, 0x11, sizeof(big_ctx));
	CHECK_ERR(hm_mldsa_sign(p, sig, kp.sk, kp.sklen, msg, sizeof(msg), ctx, sizeof(ctx), NULL),
	          HM_OK);

	/* wrong lengths */
	CHECK_ERR(hm_mldsa_sign(p, sig, kp.sk, kp.sklen - 1, msg, 1, NULL, 0, NULL), HM_ERR_LENGTH);
	CHECK(all_zero(sig, kp.siglen));
	CHECK_ERR(hm_mldsa_sign(p, sig, kp.sk, kp.sklen, msg, sizeof(msg), ctx, sizeof(ctx), NULL),
	          HM_OK);
	CHECK_ERR(hm_mldsa_sign_internal(p, sig, kp.sk, kp.sklen + 1, msg, 1, NULL), HM_ERR_LENGTH);
	CHECK_ERR(hm_mldsa_sign_mu(p, sig, kp.sk, 0, mu, NULL), HM_ERR_LENGTH);
	CHECK_ERR(
	        hm_mldsa_sign_prehash(p, sig, kp.sk, 1, d, 32, HM_MLDSA_PH_SHA2_256, NULL, 0, NULL),
	        HM_ERR_LENGTH);
	CHECK_ERR(hm_mldsa_sign(p, sig, kp.sk, kp.sklen, msg, sizeof(msg), ctx, sizeof(ctx), NULL),
	          HM_OK);
	CHECK_ERR(hm_mldsa_verify(p, kp.pk, kp.pklen - 1, msg, sizeof(msg), ctx, sizeof(ctx), sig,
	                          kp.siglen),
	          HM_ERR_LENGTH);
	CHECK_ERR(hm_mldsa_verify(p, kp.pk, kp.pklen + 1, msg, sizeof(msg), ctx, sizeof(ctx), sig,
	                          kp.siglen),
	          HM_ERR_LENGTH);
	CHECK_ERR(hm_mldsa_verify(p, kp.pk, kp.pklen, msg, sizeof(msg), ctx, sizeof(ctx), sig,
	                          kp.siglen - 1),
	          HM_ERR_LENGTH);
	CHECK_ERR(hm_mldsa_verify(p, kp.pk, kp.pklen, msg, sizeof(msg), ctx, sizeof(ctx), sig,
	                          kp.siglen + 1),
	          HM_ERR_LENGTH);
	CHECK_ERR(hm_mldsa_verify_mu(p, kp.pk, kp.pklen, mu, sig, 0), HM_ERR_LENGTH);
	CHECK_ERR(hm_mldsa_verify_internal(p, kp.pk, 0, msg, 1, sig, kp.siglen), HM_ERR_LENGTH);
	CHECK_ERR(hm_mldsa_mu(p, mu, kp.pk, kp.pklen - 1, msg, 1, NULL, 0), HM_ERR_LENGTH);

	/* context of 256 bytes; 255 is the longest allowed */
	CHECK_ERR(hm_mldsa_sign(p, sig, kp.sk, kp.sklen, msg, sizeof(msg), big_ctx, 256, NULL),
	          HM_ERR_INVALID);
	CHECK(all_zero(sig, kp.siglen));
	CHECK_ERR(hm_mldsa_sign_prehash(p, sig, kp.sk, kp.sklen, d, 32, HM_MLDSA_PH_SHA2_256,
	                                big_ctx, 256, NULL),
	          HM_ERR_INVALID);
	CHECK_ERR(hm_mldsa_mu(p, mu, kp.pk, kp.pklen, msg, 1, big_ctx, 256), HM_ERR_INVALID);
	CHECK_ERR(hm_mldsa_sign(p, sig, kp.sk, kp.sklen, msg, sizeof(msg), big_ctx, 255, NULL),
	          HM_OK);
	CHECK_ERR(
	        hm_mldsa_verify(p, kp.pk, kp.pklen, msg, sizeof(msg), big_ctx, 255, sig, kp.siglen),
	        HM_OK);
	CHECK_ERR(
	        hm_mldsa_verify(p, kp.pk, kp.pklen, msg, sizeof(msg), big_ctx, 256, sig, kp.siglen),
	        HM_ERR_INVALID);
	CHECK_ERR(hm_mldsa_verify_prehash(p, kp.pk, kp.pklen, d, 32, HM_MLDSA_PH_SHA2_256, big_ctx,
	                                  256, sig, kp.siglen),
	          HM_ERR_INVALID);

	/* unknown parameter set and pre-hash, NULL pointers */
	CHECK_ERR(
	        hm_mldsa_sign((enum hm_mldsa_param)0, sig, kp.sk, kp.sklen, msg, 1, NULL, 0, NULL),
	        HM_ERR_INVALID);
	CHECK_ERR(hm_mldsa_verify((enum hm_mldsa_param)0, kp.pk, kp.pklen, msg, 1, NULL, 0, sig,
	                          kp.siglen),
	          HM_ERR_INVALID);
	CHECK_ERR(hm_mldsa_keygen_internal((enum hm_mldsa_param)45, kp.pk, kp.sk, d),
	          HM_ERR_INVALID);
	CHECK_ERR(hm_mldsa_sign_prehash(p, sig, kp.sk, kp.sklen, d, 32, (enum hm_mldsa_prehash)12,
	                                NULL, 0, NULL),
	          HM_ERR_INVALID);
	CHECK_ERR(hm_mldsa_sign(p, sig, kp.sk, kp.sklen, NULL, 5, NULL, 0, NULL), HM_ERR_INVALID);
	CHECK_ERR(hm_mldsa_verify(p, kp.pk, kp.pklen, msg, 1, NULL, 3, sig, kp.siglen),
	          HM_ERR_INVALID);
	CHECK_ERR(hm_mldsa_sign_mu(p, sig, kp.sk, kp.sklen, NULL, NULL), HM_ERR_INVALID);

	/* a private key whose first s1 coefficient decodes to eta - 7 = -5 */
	kp.sk[128] |= 0x07;
	CHECK_ERR(hm_mldsa_sign(p, sig, kp.sk, kp.sklen, msg, 1, NULL, 0, NULL), HM_ERR_INVALID);
	CHECK(all_zero(sig, kp.siglen));
}

/*
 * Tampered encodings that must fail verification cleanly (and, under ASan,
 * without reading outside the signature): hint counts, hint order, padding,
 * and a z coefficient at the edge of its range.
 */
static void test_malformed_signature(void)
{
	for (size_t i = 0; i < NPARAMS; i++) {
		enum hm_mldsa_param p = all_params[i];
		struct keypair kp;
		uint8_t sig[HM_MLDSA_MAX_SIGNATURE_BYTES], bad[HM_MLDSA_MAX_SIGNATURE_BYTES];
		unsigned om = omega(p), k = k_rows(p);
		uint8_t *y;
		size_t hint_off;
		unsigned total, tested_order = 0;

		make_keys(p, &kp, (uint8_t)(50 + i));
		CHECK_ERR(hm_mldsa_sign(p, sig, kp.sk, kp.sklen, msg, sizeof(msg), NULL, 0, NULL),
		          HM_OK);
		hint_off = kp.siglen - om - k;
		total = sig[kp.siglen - 1];
		CHECK(total <= om);
#define VERIFY_BAD()                                                                              \
	CHECK_ERR(hm_mldsa_verify(p, kp.pk, kp.pklen, msg, sizeof(msg), NULL, 0, bad, kp.siglen), \
	          HM_ERR_VERIFY)

		/* a count over omega */
		memcpy(bad, sig, kp.siglen);
		bad[kp.siglen - 1] = (uint8_t)(om + 1);
		VERIFY_BAD();
		bad[kp.siglen - 1] = 0xff;
		VERIFY_BAD();
		/* counts that decrease */
		memcpy(bad, sig, kp.siglen);
		y = bad + hint_off;
		y[om] = (uint8_t)(y[om + 1] + 1);
		VERIFY_BAD();
		/* hint indices not strictly increasing within one polynomial */
		memcpy(bad, sig, kp.siglen);
		y = bad + hint_off;
		for (unsigned r = 0, start = 0; r < k && !tested_order; r++) {
			unsigned end = y[om + r];

			if (end >= start + 2) {
				uint8_t t = y[start];

				y[start] = y[start + 1];
				y[start + 1] = t;
				VERIFY_BAD();
				y[start] = y[start + 1];
				VERIFY_BAD();
				tested_order = 1;
			}
			start = end;
		}
		CHECK(tested_order);
		/* nonzero padding after the last hint */
		if (total < om) {
			memcpy(bad, sig, kp.siglen);
			bad[hint_off + om - 1] = 1;
			VERIFY_BAD();
		}
		/* z coefficient encoded as 0 = gamma1, outside the accepted norm */
		memcpy(bad, sig, kp.siglen);
		bad[ctilde_bytes(p)] = 0;
		bad[ctilde_bytes(p) + 1] = 0;
		bad[ctilde_bytes(p) + 2] &= 0xf0;
		VERIFY_BAD();
		/* z coefficient = -gamma1 + 1 (all ones), also outside */
		memcpy(bad, sig, kp.siglen);
		bad[ctilde_bytes(p)] = 0xff;
		bad[ctilde_bytes(p) + 1] = 0xff;
		bad[ctilde_bytes(p) + 2] |= p == HM_MLDSA_44 ? 0x03 : 0x0f;
		VERIFY_BAD();
		/* all-zero and all-ones signatures */
		memset(bad, 0, kp.siglen);
		VERIFY_BAD();
		memset(bad, 0xff, kp.siglen);
		VERIFY_BAD();
#undef VERIFY_BAD
		/* the untouched signature still verifies */
		CHECK_ERR(hm_mldsa_verify(p, kp.pk, kp.pklen, msg, sizeof(msg), NULL, 0, sig,
		                          kp.siglen),
		          HM_OK);
	}
}

static void test_builtin(void)
{
	struct hm_kat_tally t = { 0 };

	CHECK_ERR(hm_kat_builtin_mldsa(&t, stderr), HM_OK);
	CHECK_EQ(t.passed, 3);
	CHECK_EQ(t.failed, 0);
}

/* ------------------------------------------------------------------------ */
/* Vector files                                                              */

static int is_mode(const json_t *doc, const char *mode)
{
	const char *alg = json_string_value(json_object_get(doc, "algorithm"));
	const char *m = json_string_value(json_object_get(doc, "mode"));

	return alg && m && strcmp(alg, "ML-DSA") == 0 && strcmp(m, mode) == 0;
}

static const json_t *first_test(const json_t *doc)
{
	return json_array_get(
	        json_object_get(json_array_get(json_object_get(doc, "testGroups"), 0), "tests"), 0);
}

/* Which half of the sigGen pair doc is: 1 prompt, 2 expectedResults, 0 neither. */
static int siggen_half(const json_t *doc)
{
	if (!is_mode(doc, "sigGen"))
		return 0;
	return json_object_get(first_test(doc), "sk") ? 1 : 2;
}

static void test_vector_files(void)
{
	json_t *prompt = NULL, *expected = NULL;
	unsigned files = 0;

	CHECK(test_argc > 1);
	for (int i = 1; i < test_argc; i++) {
		struct hm_kat_tally t = { 0 };
		json_t *doc = test_load_json(test_argv[i]);
		int half;

		CHECK(doc != NULL);
		if (doc == NULL)
			continue;
		half = siggen_half(doc);
		if (half) {
			/* alone, each half is refused without touching the tally */
			CHECK_ERR(hm_kat_mldsa_json(doc, &t, stderr), HM_ERR_UNSUPPORTED);
			CHECK_EQ(t.passed + t.failed + t.skipped, 0);
			if (half == 1 && prompt == NULL)
				prompt = doc;
			else if (half == 2 && expected == NULL)
				expected = doc;
			else
				json_decref(doc);
			continue;
		}
		CHECK_ERR(hm_kat_mldsa_json(doc, &t, stderr), HM_OK);
		printf("%s: %u passed, %u failed, %u skipped\n", test_argv[i], t.passed, t.failed,
		       t.skipped);
		CHECK(t.passed > 0);
		CHECK_EQ(t.failed, 0);
		files++;
		json_decref(doc);
	}
	CHECK(prompt != NULL && expected != NULL);
	if (prompt != NULL && expected != NULL) {
		struct hm_kat_tally t = { 0 };

		CHECK_ERR(hm_kat_mldsa_siggen_pair(prompt, expected, &t, stderr), HM_OK);
		printf("sigGen prompt + expectedResults: %u passed, %u failed\n", t.passed,
		       t.failed);
		CHECK(t.passed > 0);
		CHECK_EQ(t.failed, 0);
		/* swapped halves are not a pair */
		CHECK_ERR(hm_kat_mldsa_siggen_pair(expected, prompt, &t, stderr),
		          HM_ERR_UNSUPPORTED);
	}
	CHECK(files > 0);
	json_decref(prompt);
	json_decref(expected);
}

/* Keeps the first group of doc with only its first two tests. */
static void trim(json_t *doc)
{
	json_t *groups = json_object_get(doc, "testGroups");
	json_t *tests;

	while (json_array_size(groups) > 1)
		json_array_remove(groups, json_array_size(groups) - 1);
	tests = json_object_get(json_array_get(groups, 0), "tests");
	while (json_array_size(tests) > 2)
		json_array_remove(tests, json_array_size(tests) - 1);
}

/* Flips one hex digit of the string member key of obj. */
static void flip_hex(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	char *copy;
	size_t n;

	CHECK(s != NULL && s[0] != '\0');
	if (s == NULL || s[0] == '\0')
		return;
	n = strlen(s);
	copy = malloc(n + 1);
	CHECK(copy != NULL);
	if (copy == NULL)
		return;
	memcpy(copy, s, n + 1);
	copy[n / 2] = copy[n / 2] == '0' ? '1' : '0';
	json_object_set_new(obj, key, json_string(copy));
	free(copy);
}

/* One corrupted expected output among two cases: exactly one failure. */
static void expect_one_failure(const json_t *doc, const char *why)
{
	struct hm_kat_tally t = { 0 };

	CHECK_ERR(hm_kat_mldsa_json(doc, &t, stderr), HM_OK);
	if (t.failed != 1 || t.passed + t.failed < 1)
		fprintf(stderr, "corrupted %s: %u passed, %u failed\n", why, t.passed, t.failed);
	CHECK_EQ(t.failed, 1);
}

static void test_corrupted_vectors(void)
{
	json_t *prompt = NULL, *expected = NULL;
	unsigned corrupted = 0;

	for (int i = 1; i < test_argc; i++) {
		json_t *doc = test_load_json(test_argv[i]);
		json_t *t0;
		const char *schema;

		if (doc == NULL)
			continue;
		if (siggen_half(doc) == 1 && prompt == NULL) {
			prompt = doc;
			continue;
		}
		if (siggen_half(doc) == 2 && expected == NULL) {
			expected = doc;
			continue;
		}
		trim(doc);
		t0 = (json_t *)first_test(doc);
		schema = json_string_value(json_object_get(doc, "schema"));
		if (is_mode(doc, "keyGen")) {
			flip_hex(t0, "pk");
			expect_one_failure(doc, "keyGen pk");
			corrupted++;
		} else if (is_mode(doc, "sigVer")) {
			json_object_set_new(
			        t0, "testPassed",
			        json_boolean(!json_is_true(json_object_get(t0, "testPassed"))));
			expect_one_failure(doc, "sigVer testPassed");
			corrupted++;
		} else if (schema && strcmp(schema, "mldsa_verify_schema.json") == 0) {
			const char *r = json_string_value(json_object_get(t0, "result"));

			json_object_set_new(
			        t0, "result",
			        json_string(r && strcmp(r, "valid") == 0 ? "invalid" : "valid"));
			expect_one_failure(doc, "Wycheproof verify result");
			corrupted++;
		} else if (schema && strcmp(schema, "mldsa_sign_seed_schema.json") == 0) {
			flip_hex(t0, "sig");
			expect_one_failure(doc, "Wycheproof signature");
			corrupted++;
		}
		json_decref(doc);
	}
	if (prompt != NULL && expected != NULL) {
		json_t *exp = json_deep_copy(expected);
		const json_t *pt = first_test(prompt);
		long long id = json_integer_value(json_object_get(pt, "tcId"));
		struct hm_kat_tally t = { 0 };
		json_t *g, *t1;
		size_t gi, ti;

		trim(prompt);
		json_array_foreach(json_object_get(exp, "testGroups"), gi, g)
		{
			json_array_foreach(json_object_get(g, "tests"), ti, t1)
			{
				if (json_integer_value(json_object_get(t1, "tcId")) == id)
					flip_hex(t1, "signature");
			}
		}
		CHECK_ERR(hm_kat_mldsa_siggen_pair(prompt, exp, &t, stderr), HM_OK);
		CHECK_EQ(t.failed, 1);
		CHECK_EQ(t.passed, 1);
		/* and an expected result missing altogether is a failure too */
		json_array_foreach(json_object_get(exp, "testGroups"), gi, g)
		{
			json_array_foreach(json_object_get(g, "tests"), ti, t1)
			{
				json_int_t v = json_integer_value(json_object_get(t1, "tcId"));

				json_object_set_new(t1, "tcId", json_integer(-v));
			}
		}
		memset(&t, 0, sizeof(t));
		CHECK_ERR(hm_kat_mldsa_siggen_pair(prompt, exp, &t, stderr), HM_OK);
		CHECK_EQ(t.failed, 2);
		json_decref(exp);
		corrupted++;
	}
	CHECK(corrupted > 0);
	json_decref(prompt);
	json_decref(expected);
}

/* A hex JSON string of n bytes. */
static json_t *hex_string(const uint8_t *p, size_t n)
{
	static char buf[2 * HM_MLDSA_MAX_SECRETKEY_BYTES + 1];

	CHECK_ERR(hm_hex_encode(buf, sizeof(buf), p, n), HM_OK);
	return json_string(buf);
}

/*
 * The Wycheproof sign-from-expanded-key layout (no such file is among the
 * vectors): a document built here from our own key and signature must pass,
 * a wrong-length key in an invalid case must be refused, and a corrupted
 * signature must count as failed.
 */
static void test_wycheproof_noseed_layout(void)
{
	enum hm_mldsa_param p = HM_MLDSA_65;
	struct keypair kp;
	uint8_t sig[HM_MLDSA_MAX_SIGNATURE_BYTES];
	struct hm_kat_tally t = { 0 };
	json_t *doc, *tests;

	make_keys(p, &kp, 90);
	CHECK_ERR(hm_mldsa_sign(p, sig, kp.sk, kp.sklen, msg, sizeof(msg), ctx, sizeof(ctx), NULL),
	          HM_OK);
	tests = json_pack("[{s:i, s:o, s:o, s:o, s:s, s:[]}]", "tcId", 1, "msg",
	                  hex_string(msg, sizeof(msg)), "ctx", hex_string(ctx, sizeof(ctx)), "sig",
	                  hex_string(sig, kp.siglen), "result", "valid", "flags");
	doc = json_pack("{s:s, s:s, s:[{s:s, s:o, s:o, s:o}, {s:s, s:o, s:[{s:i, s:s, s:s, "
	                "s:s, s:[]}]}]}",
	                "algorithm", "ML-DSA-65", "schema", "mldsa_sign_noseed_schema.json",
	                "testGroups", "type", "MlDsaSign", "privateKey",
	                hex_string(kp.sk, kp.sklen), "publicKey", hex_string(kp.pk, kp.pklen),
	                "tests", tests, "type", "MlDsaSign", "privateKey",
	                hex_string(kp.sk, kp.sklen - 1), "tests", "tcId", 2, "msg", "", "sig", "",
	                "result", "invalid", "flags");
	CHECK(doc != NULL);
	if (doc == NULL)
		return;
	CHECK_ERR(hm_kat_mldsa_json(doc, &t, stderr), HM_OK);
	CHECK_EQ(t.passed, 2);
	CHECK_EQ(t.failed, 0);
	flip_hex(json_array_get(tests, 0), "sig");
	memset(&t, 0, sizeof(t));
	CHECK_ERR(hm_kat_mldsa_json(doc, &t, stderr), HM_OK);
	CHECK_EQ(t.passed, 1);
	CHECK_EQ(t.failed, 1);
	json_decref(doc);
}

static void test_unrecognised(void)
{
	struct hm_kat_tally t = { 0 };
	json_t *doc = json_pack("{s:s, s:s, s:[]}", "algorithm", "ML-KEM", "mode", "keyGen",
	                        "testGroups");
	json_t *wp = json_pack("{s:s, s:s, s:[]}", "algorithm", "ML-DSA-87", "schema",
	                       "mlkem_test_schema.json", "testGroups");

	CHECK(doc != NULL && wp != NULL);
	CHECK_ERR(hm_kat_mldsa_json(doc, &t, stderr), HM_ERR_UNSUPPORTED);
	CHECK_ERR(hm_kat_mldsa_json(wp, &t, stderr), HM_ERR_UNSUPPORTED);
	CHECK_EQ(t.passed + t.failed + t.skipped, 0);
	CHECK_ERR(hm_kat_mldsa_siggen_pair(doc, doc, &t, stderr), HM_ERR_UNSUPPORTED);
	json_decref(doc);
	json_decref(wp);
}

TEST_MAIN(test_sizes, test_roundtrip_pure, test_random_keygen, test_roundtrip_prehash,
          test_roundtrip_internal_mu, test_refusals, test_malformed_signature, test_builtin,
          test_vector_files, test_corrupted_vectors, test_wycheproof_noseed_layout,
          test_unrecognised)
