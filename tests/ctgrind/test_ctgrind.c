/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The constant-time test program. Every secret input (ML-KEM's d, z, m and
 * dk; ML-DSA's xi, sk and rnd) is marked secret with HM_CT_SECRET before the
 * operation runs, and outputs are declassified before anything compares
 * them. Run under valgrind (tests/ctgrind/ctgrind.sh), memcheck then reports
 * every branch or memory index that depends on a secret and was not
 * declassified on purpose inside mlkem.c/mldsa.c. Run on its own (ordinary
 * ctest), the marks are no-ops and this is a plain functional test.
 *
 * `--self-check branch` and `--self-check index` instead run a deliberately
 * leaky function, which memcheck must report: that proves the method can
 * fail on this build (the compiler did not turn the leak into a select).
 */
#include <stdio.h>
#include <string.h>

#include "crypto/ct_check.h"
#include "hypermesh/crypto_impl.h"
#include "hypermesh/mldsa.h"
#include "hypermesh/mlkem.h"
#include "hypermesh/secure.h"
#include "hypermesh/sha3.h"
#include "test.h"

static const enum hm_mlkem_param kem_params[] = { HM_MLKEM_512, HM_MLKEM_768, HM_MLKEM_1024 };
static const enum hm_mldsa_param dsa_params[] = { HM_MLDSA_44, HM_MLDSA_65, HM_MLDSA_87 };
#define NKEM (sizeof(kem_params) / sizeof(kem_params[0]))
#define NDSA (sizeof(dsa_params) / sizeof(dsa_params[0]))

static const uint8_t msg[] = "HyperMesh constant-time test message";
static const uint8_t ctx[] = "ctgrind";

/* Reproducible "random" inputs: SHAKE256 of a label and a number. */
static void fill(uint8_t *out, size_t len, const char *label, unsigned n)
{
	char in[64];
	int w = snprintf(in, sizeof(in), "%s/%u", label, n);

	hm_shake256(out, len, in, (size_t)w);
}

/* ---- ML-KEM ---- */

struct kem_keys {
	uint8_t ek[HM_MLKEM_EK_MAX];
	uint8_t dk[HM_MLKEM_DK_MAX];
	size_t ek_len, dk_len, ct_len;
};

/* Key generation with d and z secret; the outputs are declassified after. */
static void kem_keygen_secret(enum hm_mlkem_param p, struct kem_keys *kk, unsigned n)
{
	uint8_t d[HM_MLKEM_SEED_LEN], z[HM_MLKEM_SEED_LEN];

	fill(d, sizeof(d), "mlkem-d", n);
	fill(z, sizeof(z), "mlkem-z", n);
	kk->ek_len = hm_mlkem_ek_len(p);
	kk->dk_len = hm_mlkem_dk_len(p);
	kk->ct_len = hm_mlkem_ct_len(p);
	HM_CT_SECRET(d, sizeof(d));
	HM_CT_SECRET(z, sizeof(z));
	CHECK_ERR(hm_mlkem_keygen_internal(p, kk->ek, kk->dk, d, z), HM_OK);
	HM_CT_DECLASSIFY(kk->ek, kk->ek_len);
	HM_CT_DECLASSIFY(kk->dk, kk->dk_len);
	HM_CT_DECLASSIFY(z, sizeof(z));
	/* dk = dk_pke || ek || H(ek) || z */
	CHECK_MEM(kk->dk + kk->dk_len - 64 - kk->ek_len, kk->ek, kk->ek_len);
	CHECK_MEM(kk->dk + kk->dk_len - 32, z, sizeof(z));
}

static void test_mlkem_keygen(void)
{
	for (size_t i = 0; i < NKEM; i++) {
		struct kem_keys kk;
		uint8_t ek2[HM_MLKEM_EK_MAX], dk2[HM_MLKEM_DK_MAX];
		uint8_t d[HM_MLKEM_SEED_LEN], z[HM_MLKEM_SEED_LEN];

		kem_keygen_secret(kem_params[i], &kk, (unsigned)i);
		CHECK_ERR(hm_mlkem_check_ek(kem_params[i], kk.ek, kk.ek_len), HM_OK);
		CHECK_ERR(hm_mlkem_check_dk(kem_params[i], kk.dk, kk.dk_len), HM_OK);
		/* The same seeds without marks give the same keys. */
		fill(d, sizeof(d), "mlkem-d", (unsigned)i);
		fill(z, sizeof(z), "mlkem-z", (unsigned)i);
		CHECK_ERR(hm_mlkem_keygen_internal(kem_params[i], ek2, dk2, d, z), HM_OK);
		CHECK_MEM(kk.ek, ek2, kk.ek_len);
		CHECK_MEM(kk.dk, dk2, kk.dk_len);
	}
}

/* Encapsulation with m secret: the ciphertext is declassified inside, k is not. */
static void kem_encaps_secret(enum hm_mlkem_param p, const struct kem_keys *kk, uint8_t *c,
                              uint8_t k[HM_MLKEM_SHARED_LEN], unsigned n)
{
	uint8_t m[HM_MLKEM_SEED_LEN];

	fill(m, sizeof(m), "mlkem-m", n);
	HM_CT_SECRET(m, sizeof(m));
	CHECK_ERR(hm_mlkem_encaps_internal(p, c, k, kk->ek, kk->ek_len, m), HM_OK);
	HM_CT_DECLASSIFY(c, kk->ct_len);
	HM_CT_DECLASSIFY(k, HM_MLKEM_SHARED_LEN);
}

/* Decapsulation with dk secret. */
static void kem_decaps_secret(enum hm_mlkem_param p, const struct kem_keys *kk, const uint8_t *c,
                              uint8_t k[HM_MLKEM_SHARED_LEN])
{
	uint8_t dk[HM_MLKEM_DK_MAX];

	memcpy(dk, kk->dk, kk->dk_len);
	HM_CT_SECRET(dk, kk->dk_len);
	CHECK_ERR(hm_mlkem_decaps(p, k, dk, kk->dk_len, c, kk->ct_len), HM_OK);
	HM_CT_DECLASSIFY(k, HM_MLKEM_SHARED_LEN);
}

static void test_mlkem_encaps_decaps(void)
{
	for (size_t i = 0; i < NKEM; i++) {
		enum hm_mlkem_param p = kem_params[i];
		struct kem_keys kk;
		uint8_t c[HM_MLKEM_CT_MAX];
		uint8_t k_enc[HM_MLKEM_SHARED_LEN], k_dec[HM_MLKEM_SHARED_LEN];
		uint8_t k_bad[HM_MLKEM_SHARED_LEN];

		kem_keygen_secret(p, &kk, (unsigned)i + 10);
		kem_encaps_secret(p, &kk, c, k_enc, (unsigned)i);
		kem_decaps_secret(p, &kk, c, k_dec);
		CHECK_MEM(k_enc, k_dec, sizeof(k_enc));

		/* A tampered ciphertext takes the implicit-rejection path. */
		c[kk.ct_len / 2] ^= 0x10;
		kem_decaps_secret(p, &kk, c, k_bad);
		CHECK(memcmp(k_bad, k_enc, sizeof(k_bad)) != 0);
		/* ... whose key is a function of c: the same tampering, the same key. */
		kem_decaps_secret(p, &kk, c, k_dec);
		CHECK_MEM(k_bad, k_dec, sizeof(k_bad));
	}
}

/* ---- ML-DSA ---- */

struct dsa_keys {
	uint8_t pk[HM_MLDSA_MAX_PUBLICKEY_BYTES];
	uint8_t sk[HM_MLDSA_MAX_SECRETKEY_BYTES];
	size_t pk_len, sk_len, sig_len;
};

static void dsa_keygen_secret(enum hm_mldsa_param p, struct dsa_keys *kp, unsigned n)
{
	uint8_t xi[HM_MLDSA_SEED_BYTES];

	fill(xi, sizeof(xi), "mldsa-xi", n);
	kp->pk_len = hm_mldsa_publickey_bytes(p);
	kp->sk_len = hm_mldsa_secretkey_bytes(p);
	kp->sig_len = hm_mldsa_signature_bytes(p);
	HM_CT_SECRET(xi, sizeof(xi));
	CHECK_ERR(hm_mldsa_keygen_internal(p, kp->pk, kp->sk, xi), HM_OK);
	HM_CT_DECLASSIFY(kp->pk, kp->pk_len);
	HM_CT_DECLASSIFY(kp->sk, kp->sk_len);
}

/* Signs msg with sk (and rnd, when given) secret; the signature is declassified inside. */
static void dsa_sign_secret(enum hm_mldsa_param p, const struct dsa_keys *kp, uint8_t *sig,
                            const uint8_t *rnd_in)
{
	uint8_t sk[HM_MLDSA_MAX_SECRETKEY_BYTES];
	uint8_t rnd[HM_MLDSA_RND_BYTES];

	memcpy(sk, kp->sk, kp->sk_len);
	HM_CT_SECRET(sk, kp->sk_len);
	if (rnd_in) {
		memcpy(rnd, rnd_in, sizeof(rnd));
		HM_CT_SECRET(rnd, sizeof(rnd));
	}
	CHECK_ERR(hm_mldsa_sign(p, sig, sk, kp->sk_len, msg, sizeof(msg), ctx, sizeof(ctx),
	                        rnd_in ? rnd : NULL),
	          HM_OK);
	HM_CT_DECLASSIFY(sig, kp->sig_len);
}

static void test_mldsa_keygen(void)
{
	for (size_t i = 0; i < NDSA; i++) {
		struct dsa_keys kp;
		uint8_t pk2[HM_MLDSA_MAX_PUBLICKEY_BYTES], sk2[HM_MLDSA_MAX_SECRETKEY_BYTES];
		uint8_t xi[HM_MLDSA_SEED_BYTES];

		dsa_keygen_secret(dsa_params[i], &kp, (unsigned)i);
		fill(xi, sizeof(xi), "mldsa-xi", (unsigned)i);
		CHECK_ERR(hm_mldsa_keygen_internal(dsa_params[i], pk2, sk2, xi), HM_OK);
		CHECK_MEM(kp.pk, pk2, kp.pk_len);
		CHECK_MEM(kp.sk, sk2, kp.sk_len);
	}
}

static void test_mldsa_sign(void)
{
	for (size_t i = 0; i < NDSA; i++) {
		enum hm_mldsa_param p = dsa_params[i];
		struct dsa_keys kp;
		uint8_t sig[HM_MLDSA_MAX_SIGNATURE_BYTES], sig2[HM_MLDSA_MAX_SIGNATURE_BYTES];
		uint8_t rnd[HM_MLDSA_RND_BYTES];

		dsa_keygen_secret(p, &kp, (unsigned)i + 10);
		/* Deterministic: the same signature as an unmarked run. */
		dsa_sign_secret(p, &kp, sig, NULL);
		CHECK_ERR(hm_mldsa_verify(p, kp.pk, kp.pk_len, msg, sizeof(msg), ctx, sizeof(ctx),
		                          sig, kp.sig_len),
		          HM_OK);
		CHECK_ERR(hm_mldsa_sign(p, sig2, kp.sk, kp.sk_len, msg, sizeof(msg), ctx,
		                        sizeof(ctx), NULL),
		          HM_OK);
		CHECK_MEM(sig, sig2, kp.sig_len);
		/* Hedged, with rnd secret too. */
		fill(rnd, sizeof(rnd), "mldsa-rnd", (unsigned)i);
		dsa_sign_secret(p, &kp, sig2, rnd);
		CHECK(memcmp(sig, sig2, kp.sig_len) != 0);
		CHECK_ERR(hm_mldsa_verify(p, kp.pk, kp.pk_len, msg, sizeof(msg), ctx, sizeof(ctx),
		                          sig2, kp.sig_len),
		          HM_OK);
		/* The verifier still refuses a corrupted one: the outputs are real. */
		sig2[kp.sig_len / 3] ^= 1;
		CHECK_ERR(hm_mldsa_verify(p, kp.pk, kp.pk_len, msg, sizeof(msg), ctx, sizeof(ctx),
		                          sig2, kp.sig_len),
		          HM_ERR_VERIFY);
	}
}

/* An invalid sk is refused; whether it is valid is the one bit that may show. */
static void test_mldsa_sign_bad_key(void)
{
	struct dsa_keys kp;
	uint8_t sk[HM_MLDSA_MAX_SECRETKEY_BYTES], sig[HM_MLDSA_MAX_SIGNATURE_BYTES];

	dsa_keygen_secret(HM_MLDSA_44, &kp, 20);
	memcpy(sk, kp.sk, kp.sk_len);
	sk[128] = 0xff; /* s1[0]: 3-bit values 7 decode to eta - 7 = -5 */
	HM_CT_SECRET(sk, kp.sk_len);
	CHECK_ERR(hm_mldsa_sign(HM_MLDSA_44, sig, sk, kp.sk_len, msg, sizeof(msg), NULL, 0, NULL),
	          HM_ERR_INVALID);
	HM_CT_DECLASSIFY(sig, kp.sig_len);
	CHECK(hm_ct_is_zero(sig, kp.sig_len));
}

/* ---- self-check: leaks that memcheck must report ---- */

/* A loop whose trip count is a secret byte: a real branch no compiler can turn into a select. */
static unsigned leak_branch(const uint8_t *secret)
{
	volatile unsigned count = 0;

	for (unsigned i = 0; i < secret[0]; i++)
		count++;
	return count;
}

/* A table lookup indexed by a secret byte: the cache-timing leak. */
static unsigned leak_index(const uint8_t *secret)
{
	static const uint8_t table[256] = { 1, 2, 3, 4 };
	const volatile uint8_t *t = table;

	return t[secret[0]];
}

static int self_check(const char *kind)
{
	uint8_t secret[1] = { 3 };
	unsigned r;

	HM_CT_SECRET(secret, sizeof(secret));
	if (strcmp(kind, "branch") == 0)
		r = leak_branch(secret);
	else if (strcmp(kind, "index") == 0)
		r = leak_index(secret);
	else
		return 1;
	HM_CT_DECLASSIFY(&r, sizeof(r));
	printf("self-check %s: %u\n", kind, r);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct test__case cases[] = {
		{ "test_mlkem_keygen", test_mlkem_keygen },
		{ "test_mlkem_encaps_decaps", test_mlkem_encaps_decaps },
		{ "test_mldsa_keygen", test_mldsa_keygen },
		{ "test_mldsa_sign", test_mldsa_sign },
		{ "test_mldsa_sign_bad_key", test_mldsa_sign_bad_key },
	};

	test_argc = argc;
	test_argv = argv;
	if (argc == 3 && strcmp(argv[1], "--self-check") == 0)
		return self_check(argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: %s [--self-check branch|index]\n", argv[0]);
		return 1;
	}
	/* Which kernels ran (HM_CRYPTO_NO_AVX2 chooses): ctgrind.sh checks both. */
	printf("implementation: %s\n", hm_crypto_impl_name(hm_crypto_impl_active()));
	return test__run(cases, sizeof(cases) / sizeof(cases[0]));
}
