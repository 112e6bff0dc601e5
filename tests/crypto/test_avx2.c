/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AVX2 kernels against the portable ones, bit for bit, on many random
 * inputs: ML-KEM NTT / inverse NTT / basemul, ML-DSA NTT / inverse NTT /
 * pointwise products, the 4-way Keccak permutation, and whole operations
 * (which run the 4-way samplers) through hm_crypto_impl_select. Also the
 * selection itself: the environment override and refusals. On a CPU without
 * AVX2 the differential cases have nothing to compare and say so.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto_impl_internal.h"
#include "hypermesh/crypto_impl.h"
#include "hypermesh/error.h"
#include "hypermesh/mldsa.h"
#include "hypermesh/mlkem.h"
#include "hypermesh/sha3.h"
#include "test.h"

#define ROUNDS 2000

/* Reproducible random bytes: SHAKE256 of a label and a counter. */
static void fill(void *out, size_t len, const char *label, unsigned n)
{
	char in[64];
	int w = snprintf(in, sizeof(in), "%s/%u", label, n);

	hm_shake256(out, len, in, (size_t)w);
}

static int have_avx2(void)
{
	if (hm_crypto_impl_available(HM_CRYPTO_IMPL_AVX2))
		return 1;
	printf("note: no AVX2 kernels (CPU or build); nothing to compare\n");
	return 0;
}

#if HM_HAVE_AVX2_BUILD
/* Coefficients uniform in [0, bound) from 32-bit random words. */
static void random_u16(uint16_t *c, const char *label, unsigned n, uint32_t bound)
{
	uint32_t r[256];

	fill(r, sizeof(r), label, n);
	for (unsigned i = 0; i < 256; i++)
		c[i] = (uint16_t)(r[i] % bound);
}

/* Coefficients uniform in (-bound, bound). */
static void random_i32(int32_t *c, const char *label, unsigned n, int32_t bound)
{
	uint32_t r[256];

	fill(r, sizeof(r), label, n);
	for (unsigned i = 0; i < 256; i++)
		c[i] = (int32_t)(r[i] % (2u * (uint32_t)bound - 1)) - (bound - 1);
}
#endif

static void test_mlkem_kernels(void)
{
#if HM_HAVE_AVX2_BUILD
	const struct hm_mlkem_kernels *p = hm_mlkem_kernels_portable(), *v;
	uint16_t f[256], g[256], h1[256], h2[256], a[256], b[256];
	unsigned bad_ntt = 0, bad_inv = 0, bad_mul = 0;

	if (!have_avx2())
		return;
	v = hm_mlkem_kernels_avx2();
	for (unsigned n = 0; n < ROUNDS; n++) {
		/* edge values too: all q-1 and all 0 */
		if (n == 0)
			for (unsigned i = 0; i < 256; i++)
				f[i] = 3328, g[i] = 3328, h1[i] = 3328;
		else if (n == 1)
			memset(f, 0, sizeof(f)), memset(g, 0, sizeof(g)), memset(h1, 0, sizeof(h1));
		else {
			random_u16(f, "kem-f", n, 3329);
			random_u16(g, "kem-g", n, 3329);
			random_u16(h1, "kem-h", n, 3329);
		}
		memcpy(a, f, sizeof(a));
		memcpy(b, f, sizeof(b));
		p->ntt(a);
		v->ntt(b);
		bad_ntt += memcmp(a, b, sizeof(a)) != 0;
		memcpy(a, f, sizeof(a));
		memcpy(b, f, sizeof(b));
		p->ntt_inverse(a);
		v->ntt_inverse(b);
		bad_inv += memcmp(a, b, sizeof(a)) != 0;
		memcpy(h2, h1, sizeof(h2));
		p->basemul_acc(h1, f, g);
		v->basemul_acc(h2, f, g);
		bad_mul += memcmp(h1, h2, sizeof(h1)) != 0;
	}
	CHECK_EQ(bad_ntt, 0);
	CHECK_EQ(bad_inv, 0);
	CHECK_EQ(bad_mul, 0);
	/* and the round trip holds on the AVX2 path alone */
	random_u16(f, "kem-rt", 0, 3329);
	memcpy(a, f, sizeof(a));
	v->ntt(a);
	v->ntt_inverse(a);
	CHECK_MEM(a, f, sizeof(a));
#endif
}

/* ML-KEM's samplers: rejection step (from any start, any length), CBD_2 and CBD_3. */
static void test_mlkem_samplers(void)
{
#if HM_HAVE_AVX2_BUILD
	const struct hm_mlkem_kernels *p = hm_mlkem_kernels_portable(), *v;
	uint8_t buf[3 * 168 + 3];
	uint16_t c1[256], c2[256];
	unsigned bad_rej = 0, bad_cbd = 0, short_runs = 0;

	if (!have_avx2())
		return;
	v = hm_mlkem_kernels_avx2();
	for (unsigned n = 0; n < ROUNDS; n++) {
		unsigned len = 3 * (n % 169), j0 = n % 5 == 0 ? 200 + n % 56 : n % 40, j1, j2;

		fill(buf, sizeof(buf), "rej-buf", n);
		if (n % 3 == 0) /* many rejections: candidates near and above q */
			for (unsigned b = 1; b < sizeof(buf); b += 3)
				buf[b] |= 0xcc;
		memset(c1, 0xa5, sizeof(c1));
		memset(c2, 0xa5, sizeof(c2));
		j1 = p->rej_uniform(c1, j0, buf, len);
		j2 = v->rej_uniform(c2, j0, buf, len);
		/* the portable loop writes only c[j0..j1); AVX2 may leave zeros past j */
		bad_rej += j1 != j2 || memcmp(c1, c2, 2 * (size_t)j1) != 0;
		short_runs += j1 < 256;
		fill(buf, 128, "cbd-buf", n);
		p->cbd2(c1, buf);
		v->cbd2(c2, buf);
		bad_cbd += memcmp(c1, c2, sizeof(c1)) != 0;
		fill(buf, 192, "cbd3-buf", n);
		p->cbd3(c1, buf);
		v->cbd3(c2, buf);
		bad_cbd += memcmp(c1, c2, sizeof(c1)) != 0;
	}
	CHECK_EQ(bad_rej, 0);
	CHECK_EQ(bad_cbd, 0);
	CHECK(short_runs > 0 && short_runs < ROUNDS);
#endif
}

static void test_mldsa_kernels(void)
{
#if HM_HAVE_AVX2_BUILD
	const struct hm_mldsa_kernels *p = hm_mldsa_kernels_portable(), *v;
	int32_t f[256], g[256], a[256], b[256], r1[256], r2[256];
	unsigned bad_ntt = 0, bad_inv = 0, bad_mul = 0, bad_acc = 0;
	const int32_t q = 8380417;

	if (!have_avx2())
		return;
	v = hm_mldsa_kernels_avx2();
	for (unsigned n = 0; n < ROUNDS; n++) {
		random_i32(f, "dsa-f", n, q);     /* NTT input: |c| < q */
		random_i32(g, "dsa-g", n, 9 * q); /* NTT output range: |c| < 9q */
		memcpy(a, f, sizeof(a));
		memcpy(b, f, sizeof(b));
		p->ntt(a);
		v->ntt(b);
		bad_ntt += memcmp(a, b, sizeof(a)) != 0;
		/* inverse NTT input: sums of reduced products, up to about 2^23 */
		random_i32(r1, "dsa-i", n, 1 << 23);
		memcpy(a, r1, sizeof(a));
		memcpy(b, r1, sizeof(b));
		p->intt(a);
		v->intt(b);
		bad_inv += memcmp(a, b, sizeof(a)) != 0;
		p->pointwise(r1, f, g);
		v->pointwise(r2, f, g);
		bad_mul += memcmp(r1, r2, sizeof(r1)) != 0;
		random_i32(r1, "dsa-acc", n, 6283009);
		memcpy(r2, r1, sizeof(r2));
		p->pointwise_acc(r1, g, f);
		v->pointwise_acc(r2, g, f);
		bad_acc += memcmp(r1, r2, sizeof(r1)) != 0;
	}
	CHECK_EQ(bad_ntt, 0);
	CHECK_EQ(bad_inv, 0);
	CHECK_EQ(bad_mul, 0);
	CHECK_EQ(bad_acc, 0);
#endif
}

/* The signing loop's per-coefficient kernels, for both gamma2 values. */
static void test_sign_kernels(void)
{
#if HM_HAVE_AVX2_BUILD
	const struct hm_mldsa_kernels *p = hm_mldsa_kernels_portable(), *v;
	const int32_t q = 8380417, gammas[2] = { (8380417 - 1) / 88, (8380417 - 1) / 32 };
	int32_t w1[256], w2[256], a1[256], a2[256], b1[256], b2[256], h1[256], h2[256], y[256];
	unsigned bad_hi = 0, bad_add = 0, bad_hint = 0, bad_exc = 0, n_exceeding = 0;

	if (!have_avx2())
		return;
	v = hm_mldsa_kernels_avx2();
	for (unsigned n = 0; n < ROUNDS; n++) {
		int32_t g2 = gammas[n % 2], bound = (int32_t)(n * 4201u % (unsigned)q);
		uint32_t e1, e2;

		random_i32(w1, "sk-w", n, q);
		memcpy(w2, w1, sizeof(w2));
		p->high_bits(w1, a1, g2);
		v->high_bits(w2, a2, g2);
		bad_hi += memcmp(w1, w2, sizeof(w1)) != 0 || memcmp(a1, a2, sizeof(a1)) != 0;
		/* w is now in [0, q), as make_hints receives it */
		random_i32(a1, "sk-r0", n, q);
		random_i32(b1, "sk-ct0", n, q);
		memcpy(a2, a1, sizeof(a2));
		memcpy(b2, b1, sizeof(b2));
		e1 = p->make_hints(w1, a1, b1, h1, g2);
		e2 = v->make_hints(w1, a2, b2, h2, g2);
		bad_hint += e1 != e2 || memcmp(a1, a2, sizeof(a1)) != 0 ||
		            memcmp(b1, b2, sizeof(b1)) != 0 || memcmp(h1, h2, sizeof(h1)) != 0;
		random_i32(a1, "sk-z", n, q);
		random_i32(y, "sk-y", n, 1 << 19);
		memcpy(a2, a1, sizeof(a2));
		p->add_centred(a1, y);
		v->add_centred(a2, y);
		bad_add += memcmp(a1, a2, sizeof(a1)) != 0;
		random_i32(a1, "sk-norm", n, q);
		if (n % 7 == 0)
			a1[n % 256] = INT32_MIN;
		e1 = p->exceeds(a1, bound);
		e2 = v->exceeds(a1, bound);
		bad_exc += e1 != e2;
		n_exceeding += e1 >> 31;
	}
	CHECK_EQ(bad_hi, 0);
	CHECK_EQ(bad_hint, 0);
	CHECK_EQ(bad_add, 0);
	CHECK_EQ(bad_exc, 0);
	/* both outcomes of the norm check occurred */
	CHECK(n_exceeding > 0 && n_exceeding < ROUNDS);
#endif
}

/* RejNTTPoly's rejection step, from any start and length, with and without many rejections. */
static void test_mldsa_rej_uniform(void)
{
#if HM_HAVE_AVX2_BUILD
	const struct hm_mldsa_kernels *p = hm_mldsa_kernels_portable(), *v;
	uint8_t buf[5 * 168 + 3];
	int32_t c1[256], c2[256];
	unsigned bad = 0, short_runs = 0;

	if (!have_avx2())
		return;
	v = hm_mldsa_kernels_avx2();
	for (unsigned n = 0; n < ROUNDS; n++) {
		unsigned len = 3 * (n % 281), j0 = n % 5 == 0 ? 200 + n % 56 : n % 40, j1, j2;

		fill(buf, sizeof(buf), "dsa-rej", n);
		if (n % 3 == 0) /* top bits set: candidates at or above q half the time */
			for (unsigned b = 2; b < sizeof(buf); b += 3)
				buf[b] |= 0x7f;
		memset(c1, 0xa5, sizeof(c1));
		memset(c2, 0xa5, sizeof(c2));
		j1 = p->rej_uniform(c1, j0, buf, len);
		j2 = v->rej_uniform(c2, j0, buf, len);
		bad += j1 != j2 || memcmp(c1, c2, 4 * (size_t)j1) != 0;
		short_runs += j1 < 256;
	}
	CHECK_EQ(bad, 0);
	CHECK(short_runs > 0 && short_runs < ROUNDS);
#endif
}

/* SampleInBall's inner loop: coefficients, position and sign bits all agree. */
static void test_ball_bytes(void)
{
#if HM_HAVE_AVX2_BUILD
	const struct hm_mldsa_kernels *p = hm_mldsa_kernels_portable(), *v;
	int32_t c1[256], c2[256];
	uint8_t buf[136];
	unsigned bad = 0;

	if (!have_avx2())
		return;
	v = hm_mldsa_kernels_avx2();
	for (unsigned n = 0; n < ROUNDS; n++) {
		uint64_t s1, s2;
		uint32_t i1, i2;

		fill(buf, sizeof(buf), "ball-buf", n);
		fill(&s1, sizeof(s1), "ball-signs", n);
		random_i32(c1, "ball-c", n, 2);
		memcpy(c2, c1, sizeof(c2));
		i1 = i2 = 190 + n % 70; /* from tau = 66 down to past the end (256..259) */
		s2 = s1;
		p->ball_bytes(c1, buf, n % 9, sizeof(buf), &i1, &s1);
		v->ball_bytes(c2, buf, n % 9, sizeof(buf), &i2, &s2);
		bad += memcmp(c1, c2, sizeof(c1)) != 0 || i1 != i2 || s1 != s2;
	}
	CHECK_EQ(bad, 0);
#endif
}

static void test_keccak_x4(void)
{
#if HM_HAVE_AVX2_BUILD
	struct hm_keccak_x4 a, b;
	uint64_t one[25];
	unsigned bad = 0, bad_scalar = 0;

	if (!have_avx2())
		return;
	for (unsigned n = 0; n < ROUNDS; n++) {
		fill(a.s, sizeof(a.s), "keccak", n);
		b = a;
		hm_keccak_x4_permute_portable(&a);
		hm_keccak_x4_permute_avx2(&b);
		bad += memcmp(a.s, b.s, sizeof(a.s)) != 0;
	}
	CHECK_EQ(bad, 0);
	/* lane 2 of the AVX2 permutation is the scalar permutation of that state */
	fill(a.s, sizeof(a.s), "keccak-lane", 0);
	for (unsigned i = 0; i < 25; i++)
		one[i] = a.s[4 * i + 2];
	hm_keccak_f1600(one);
	hm_keccak_x4_permute_avx2(&a);
	for (unsigned i = 0; i < 25; i++)
		bad_scalar += one[i] != a.s[4 * i + 2];
	CHECK_EQ(bad_scalar, 0);
#endif
}

/* Four SHAKE128/256 streams side by side equal four one-shot SHAKEs, on both kernels. */
static void test_shake_x4(void)
{
	static const unsigned lens[] = { 0, 1, 33, 34, 66, 135, 167 };
	struct hm_keccak_x4 st;
	uint8_t in[4][168], out[4][3 * 168], want[3 * 168];
	const uint8_t *ip[4] = { in[0], in[1], in[2], in[3] };
	uint8_t *op[4] = { out[0], out[1], out[2], out[3] };

	for (unsigned impl = 0; impl < 2; impl++) {
		if (hm_crypto_impl_select(impl ? HM_CRYPTO_IMPL_AVX2 : HM_CRYPTO_IMPL_PORTABLE) !=
		    HM_OK)
			continue;
		for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
			unsigned len = lens[li];

			fill(in, sizeof(in), "shake-in", len);
			if (len < HM_SHAKE256_RATE) {
				hm_keccak_x4_absorb_once(&st, HM_SHAKE256_RATE, 0x1f, ip, len);
				hm_keccak_x4_squeeze_blocks(&st, HM_SHAKE256_RATE, op, 3);
				for (unsigned n = 0; n < 4; n++) {
					hm_shake256(want, 3 * HM_SHAKE256_RATE, in[n], len);
					CHECK_MEM(out[n], want, 3 * HM_SHAKE256_RATE);
				}
			}
			hm_keccak_x4_absorb_once(&st, HM_SHAKE128_RATE, 0x1f, ip, len);
			hm_keccak_x4_squeeze_blocks(&st, HM_SHAKE128_RATE, op, 3);
			for (unsigned n = 0; n < 4; n++) {
				hm_shake128(want, 3 * HM_SHAKE128_RATE, in[n], len);
				CHECK_MEM(out[n], want, 3 * HM_SHAKE128_RATE);
			}
		}
	}
	CHECK_ERR(hm_crypto_impl_select(HM_CRYPTO_IMPL_PORTABLE), HM_OK);
}

/* Whole ML-KEM operations (4-way samplers included) agree across implementations. */
static void test_mlkem_whole(void)
{
	static const enum hm_mlkem_param params[] = { HM_MLKEM_512, HM_MLKEM_768, HM_MLKEM_1024 };
	static uint8_t ek[2][HM_MLKEM_EK_MAX], dk[2][HM_MLKEM_DK_MAX], ct[2][HM_MLKEM_CT_MAX];
	uint8_t d[32], z[32], m[32], k[2][32], k2[2][32];
	unsigned bad = 0;

	if (!have_avx2())
		return;
	for (unsigned n = 0; n < 60; n++) {
		enum hm_mlkem_param prm = params[n % 3];

		fill(d, 32, "kem-d", n);
		fill(z, 32, "kem-z", n);
		fill(m, 32, "kem-m", n);
		for (unsigned impl = 0; impl < 2; impl++) {
			CHECK_ERR(hm_crypto_impl_select(impl), HM_OK);
			CHECK_ERR(hm_mlkem_keygen_internal(prm, ek[impl], dk[impl], d, z), HM_OK);
			CHECK_ERR(hm_mlkem_encaps_internal(prm, ct[impl], k[impl], ek[impl],
			                                   hm_mlkem_ek_len(prm), m),
			          HM_OK);
			/* a tampered ciphertext: implicit rejection on both paths */
			ct[impl][n % hm_mlkem_ct_len(prm)] ^= (uint8_t)(1u << (n % 8));
			CHECK_ERR(hm_mlkem_decaps(prm, k2[impl], dk[impl], hm_mlkem_dk_len(prm),
			                          ct[impl], hm_mlkem_ct_len(prm)),
			          HM_OK);
		}
		bad += memcmp(ek[0], ek[1], hm_mlkem_ek_len(prm)) != 0;
		bad += memcmp(dk[0], dk[1], hm_mlkem_dk_len(prm)) != 0;
		bad += memcmp(ct[0], ct[1], hm_mlkem_ct_len(prm)) != 0;
		bad += memcmp(k[0], k[1], 32) != 0;
		bad += memcmp(k2[0], k2[1], 32) != 0;
	}
	CHECK_EQ(bad, 0);
	CHECK_ERR(hm_crypto_impl_select(HM_CRYPTO_IMPL_PORTABLE), HM_OK);
}

/* Whole ML-DSA operations agree across implementations. */
static void test_mldsa_whole(void)
{
	static const enum hm_mldsa_param params[] = { HM_MLDSA_44, HM_MLDSA_65, HM_MLDSA_87 };
	static uint8_t pk[2][HM_MLDSA_MAX_PUBLICKEY_BYTES], sk[2][HM_MLDSA_MAX_SECRETKEY_BYTES];
	static uint8_t sig[2][HM_MLDSA_MAX_SIGNATURE_BYTES];
	uint8_t xi[32], rnd[32], msg[48];
	unsigned bad = 0;

	if (!have_avx2())
		return;
	for (unsigned n = 0; n < 18; n++) {
		enum hm_mldsa_param prm = params[n % 3];

		fill(xi, 32, "dsa-xi", n);
		fill(rnd, 32, "dsa-rnd", n);
		fill(msg, sizeof(msg), "dsa-msg", n);
		for (unsigned impl = 0; impl < 2; impl++) {
			CHECK_ERR(hm_crypto_impl_select(impl), HM_OK);
			CHECK_ERR(hm_mldsa_keygen_internal(prm, pk[impl], sk[impl], xi), HM_OK);
			CHECK_ERR(hm_mldsa_sign_internal(prm, sig[impl], sk[impl],
			                                 hm_mldsa_secretkey_bytes(prm), msg,
			                                 sizeof(msg), n % 2 ? rnd : NULL),
			          HM_OK);
		}
		/* each path verifies the other's signature, and refuses a forged one */
		for (unsigned impl = 0; impl < 2; impl++) {
			CHECK_ERR(hm_crypto_impl_select(impl), HM_OK);
			CHECK_ERR(hm_mldsa_verify_internal(prm, pk[impl],
			                                   hm_mldsa_publickey_bytes(prm), msg,
			                                   sizeof(msg), sig[1 - impl],
			                                   hm_mldsa_signature_bytes(prm)),
			          HM_OK);
			msg[0] ^= 1;
			CHECK_ERR(hm_mldsa_verify_internal(prm, pk[impl],
			                                   hm_mldsa_publickey_bytes(prm), msg,
			                                   sizeof(msg), sig[1 - impl],
			                                   hm_mldsa_signature_bytes(prm)),
			          HM_ERR_VERIFY);
			msg[0] ^= 1;
		}
		bad += memcmp(pk[0], pk[1], hm_mldsa_publickey_bytes(prm)) != 0;
		bad += memcmp(sk[0], sk[1], hm_mldsa_secretkey_bytes(prm)) != 0;
		bad += memcmp(sig[0], sig[1], hm_mldsa_signature_bytes(prm)) != 0;
	}
	CHECK_EQ(bad, 0);
	CHECK_ERR(hm_crypto_impl_select(HM_CRYPTO_IMPL_PORTABLE), HM_OK);
}

static void test_select(void)
{
	enum hm_crypto_impl before = hm_crypto_impl_active();

	CHECK(hm_crypto_impl_available(HM_CRYPTO_IMPL_PORTABLE));
	CHECK_ERR(hm_crypto_impl_select((enum hm_crypto_impl)7), HM_ERR_UNSUPPORTED);
	CHECK_EQ(hm_crypto_impl_active(), before);
	CHECK_STR(hm_crypto_impl_name(HM_CRYPTO_IMPL_PORTABLE), "portable");
	CHECK_STR(hm_crypto_impl_name(HM_CRYPTO_IMPL_AVX2), "avx2");
	CHECK_ERR(hm_crypto_impl_select(HM_CRYPTO_IMPL_PORTABLE), HM_OK);
	CHECK_EQ(hm_crypto_impl_active(), HM_CRYPTO_IMPL_PORTABLE);
	if (hm_crypto_impl_available(HM_CRYPTO_IMPL_AVX2)) {
		CHECK_ERR(hm_crypto_impl_select(HM_CRYPTO_IMPL_AVX2), HM_OK);
		CHECK_EQ(hm_crypto_impl_active(), HM_CRYPTO_IMPL_AVX2);
	} else {
		CHECK_ERR(hm_crypto_impl_select(HM_CRYPTO_IMPL_AVX2), HM_ERR_UNSUPPORTED);
	}
}

TEST_MAIN(test_select, test_mlkem_kernels, test_mlkem_samplers, test_mldsa_kernels, test_ball_bytes,
          test_sign_kernels, test_mldsa_rej_uniform, test_keccak_x4, test_shake_x4,
          test_mlkem_whole, test_mldsa_whole)
