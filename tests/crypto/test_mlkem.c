/* SPDX-License-Identifier: Apache-2.0 */
/* ML-KEM: round trips, every refusal path, implicit rejection, and the vector files in argv. */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "hypermesh/kat.h"
#include "hypermesh/mlkem.h"
#include "hypermesh/sha3.h"
#include "test.h"
#include "vectors.h"

static const enum hm_mlkem_param all_params[] = { HM_MLKEM_512, HM_MLKEM_768, HM_MLKEM_1024 };

struct keys {
	uint8_t ek[HM_MLKEM_EK_MAX];
	uint8_t dk[HM_MLKEM_DK_MAX];
	uint8_t c[HM_MLKEM_CT_MAX];
	uint8_t k[HM_MLKEM_SHARED_LEN];
	uint8_t k2[HM_MLKEM_SHARED_LEN];
};

static void test_sizes(void)
{
	CHECK_EQ(hm_mlkem_ek_len(HM_MLKEM_512), HM_MLKEM512_EK_LEN);
	CHECK_EQ(hm_mlkem_dk_len(HM_MLKEM_512), HM_MLKEM512_DK_LEN);
	CHECK_EQ(hm_mlkem_ct_len(HM_MLKEM_512), HM_MLKEM512_CT_LEN);
	CHECK_EQ(hm_mlkem_ek_len(HM_MLKEM_768), HM_MLKEM768_EK_LEN);
	CHECK_EQ(hm_mlkem_dk_len(HM_MLKEM_768), HM_MLKEM768_DK_LEN);
	CHECK_EQ(hm_mlkem_ct_len(HM_MLKEM_768), HM_MLKEM768_CT_LEN);
	CHECK_EQ(hm_mlkem_ek_len(HM_MLKEM_1024), HM_MLKEM1024_EK_LEN);
	CHECK_EQ(hm_mlkem_dk_len(HM_MLKEM_1024), HM_MLKEM1024_DK_LEN);
	CHECK_EQ(hm_mlkem_ct_len(HM_MLKEM_1024), HM_MLKEM1024_CT_LEN);
	CHECK_EQ(hm_mlkem_ek_len((enum hm_mlkem_param)7), 0);
	CHECK_EQ(hm_mlkem_dk_len((enum hm_mlkem_param)7), 0);
	CHECK_EQ(hm_mlkem_ct_len((enum hm_mlkem_param)7), 0);
}

static void test_roundtrip(void)
{
	for (size_t i = 0; i < 3; i++) {
		enum hm_mlkem_param p = all_params[i];
		struct keys s;

		for (int rep = 0; rep < 3; rep++) {
			CHECK_ERR(hm_mlkem_keygen(p, s.ek, s.dk), HM_OK);
			CHECK_ERR(hm_mlkem_check_ek(p, s.ek, hm_mlkem_ek_len(p)), HM_OK);
			CHECK_ERR(hm_mlkem_check_dk(p, s.dk, hm_mlkem_dk_len(p)), HM_OK);
			CHECK_ERR(hm_mlkem_encaps(p, s.c, s.k, s.ek, hm_mlkem_ek_len(p)), HM_OK);
			CHECK_ERR(hm_mlkem_decaps(p, s.k2, s.dk, hm_mlkem_dk_len(p), s.c,
			                          hm_mlkem_ct_len(p)),
			          HM_OK);
			CHECK_MEM(s.k, s.k2, HM_MLKEM_SHARED_LEN);
		}
	}
}

static void fill(uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v + 7 * i);
}

static void test_deterministic_keygen(void)
{
	uint8_t d[32], z[32], seed[64];
	struct keys a, b;

	fill(d, 32, 1);
	fill(z, 32, 2);
	memcpy(seed, d, 32);
	memcpy(seed + 32, z, 32);
	for (size_t i = 0; i < 3; i++) {
		enum hm_mlkem_param p = all_params[i];
		size_t dkl = hm_mlkem_dk_len(p), ekl = hm_mlkem_ek_len(p);

		CHECK_ERR(hm_mlkem_keygen_internal(p, a.ek, a.dk, d, z), HM_OK);
		CHECK_ERR(hm_mlkem_keygen_seed(p, b.ek, b.dk, seed, sizeof(seed)), HM_OK);
		CHECK_MEM(a.ek, b.ek, ekl);
		CHECK_MEM(a.dk, b.dk, dkl);
		/* dk = dk_pke || ek || H(ek) || z */
		CHECK_MEM(a.dk + dkl - 64 - ekl, a.ek, ekl);
		CHECK_MEM(a.dk + dkl - 32, z, 32);
		CHECK_ERR(hm_mlkem_keygen_seed(p, b.ek, b.dk, seed, 63), HM_ERR_LENGTH);
		CHECK_ERR(hm_mlkem_keygen_seed(p, b.ek, b.dk, seed, 65), HM_ERR_LENGTH);
	}
}

static void test_invalid_param(void)
{
	enum hm_mlkem_param bad = (enum hm_mlkem_param)1000;
	uint8_t d[32] = { 0 };
	struct keys s;

	memset(&s, 0, sizeof(s));
	CHECK_ERR(hm_mlkem_keygen_internal(bad, s.ek, s.dk, d, d), HM_ERR_INVALID);
	CHECK_ERR(hm_mlkem_keygen(bad, s.ek, s.dk), HM_ERR_INVALID);
	CHECK_ERR(hm_mlkem_encaps_internal(bad, s.c, s.k, s.ek, 800, d), HM_ERR_INVALID);
	CHECK_ERR(hm_mlkem_encaps(bad, s.c, s.k, s.ek, 800), HM_ERR_INVALID);
	CHECK_ERR(hm_mlkem_decaps(bad, s.k, s.dk, 1632, s.c, 768), HM_ERR_INVALID);
	CHECK_ERR(hm_mlkem_check_ek(bad, s.ek, 800), HM_ERR_INVALID);
	CHECK_ERR(hm_mlkem_check_dk(bad, s.dk, 1632), HM_ERR_INVALID);
}

/* Sets the j-th 12-bit value of an encoded polynomial vector. */
static void set12(uint8_t *p, size_t j, unsigned v)
{
	uint8_t *b = p + 3 * (j / 2);

	if (j % 2 == 0) {
		b[0] = (uint8_t)v;
		b[1] = (uint8_t)((b[1] & 0xf0) | (v >> 8));
	} else {
		b[1] = (uint8_t)((b[1] & 0x0f) | (v & 0x0f) << 4);
		b[2] = (uint8_t)(v >> 4);
	}
}

static void test_ek_refusals(void)
{
	for (size_t i = 0; i < 3; i++) {
		enum hm_mlkem_param p = all_params[i];
		size_t ekl = hm_mlkem_ek_len(p), k = (ekl - 32) / 384;
		uint8_t m[32], kz[32];
		struct keys s;

		fill(m, 32, 9);
		memset(kz, 0, sizeof(kz));
		CHECK_ERR(hm_mlkem_keygen(p, s.ek, s.dk), HM_OK);
		/* Wrong lengths, both ways; the key output is zeroed. */
		memset(s.k, 0xaa, sizeof(s.k));
		CHECK_ERR(hm_mlkem_encaps_internal(p, s.c, s.k, s.ek, ekl - 1, m), HM_ERR_LENGTH);
		CHECK_MEM(s.k, kz, 32);
		CHECK_ERR(hm_mlkem_encaps_internal(p, s.c, s.k, s.ek, ekl + 1, m), HM_ERR_LENGTH);
		CHECK_ERR(hm_mlkem_encaps(p, s.c, s.k, s.ek, 0), HM_ERR_LENGTH);
		CHECK_ERR(hm_mlkem_check_ek(p, s.ek, ekl - 1), HM_ERR_LENGTH);
		/* q itself and 4095 are unreduced; q - 1 is fine. Try first, odd and last slots. */
		{
			const size_t slots[] = { 0, 1, 255, 256 * k - 1 };

			for (size_t t = 0; t < 4; t++) {
				uint8_t ek2[HM_MLKEM_EK_MAX];

				memcpy(ek2, s.ek, ekl);
				set12(ek2, slots[t], 3328);
				CHECK_ERR(hm_mlkem_check_ek(p, ek2, ekl), HM_OK);
				set12(ek2, slots[t], 3329);
				CHECK_ERR(hm_mlkem_check_ek(p, ek2, ekl), HM_ERR_RANGE);
				memset(s.k, 0xaa, sizeof(s.k));
				CHECK_ERR(hm_mlkem_encaps_internal(p, s.c, s.k, ek2, ekl, m),
				          HM_ERR_RANGE);
				CHECK_MEM(s.k, kz, 32);
				set12(ek2, slots[t], 4095);
				CHECK_ERR(hm_mlkem_encaps(p, s.c, s.k, ek2, ekl), HM_ERR_RANGE);
			}
		}
		/* rho (the last 32 bytes) is not range-checked: any bytes are fine. */
		memset(s.ek + ekl - 32, 0xff, 32);
		CHECK_ERR(hm_mlkem_check_ek(p, s.ek, ekl), HM_OK);
	}
}

static void test_dk_and_ct_refusals(void)
{
	for (size_t i = 0; i < 3; i++) {
		enum hm_mlkem_param p = all_params[i];
		size_t ekl = hm_mlkem_ek_len(p), dkl = hm_mlkem_dk_len(p), ctl = hm_mlkem_ct_len(p);
		uint8_t kz[32], dk2[HM_MLKEM_DK_MAX];
		struct keys s;

		memset(kz, 0, sizeof(kz));
		CHECK_ERR(hm_mlkem_keygen(p, s.ek, s.dk), HM_OK);
		CHECK_ERR(hm_mlkem_encaps(p, s.c, s.k, s.ek, ekl), HM_OK);
		memset(s.k2, 0xaa, 32);
		CHECK_ERR(hm_mlkem_decaps(p, s.k2, s.dk, dkl, s.c, ctl - 1), HM_ERR_LENGTH);
		CHECK_MEM(s.k2, kz, 32);
		CHECK_ERR(hm_mlkem_decaps(p, s.k2, s.dk, dkl, s.c, ctl + 1), HM_ERR_LENGTH);
		CHECK_ERR(hm_mlkem_decaps(p, s.k2, s.dk, dkl - 1, s.c, ctl), HM_ERR_LENGTH);
		CHECK_ERR(hm_mlkem_decaps(p, s.k2, s.dk, dkl + 1, s.c, ctl), HM_ERR_LENGTH);
		CHECK_ERR(hm_mlkem_check_dk(p, s.dk, dkl - 1), HM_ERR_LENGTH);
		/* Corrupted h. */
		memcpy(dk2, s.dk, dkl);
		dk2[dkl - 64] ^= 0x01;
		CHECK_ERR(hm_mlkem_check_dk(p, dk2, dkl), HM_ERR_CORRUPT);
		memset(s.k2, 0xaa, 32);
		CHECK_ERR(hm_mlkem_decaps(p, s.k2, dk2, dkl, s.c, ctl), HM_ERR_CORRUPT);
		CHECK_MEM(s.k2, kz, 32);
		/* Corrupted embedded ek: its hash no longer matches h. */
		memcpy(dk2, s.dk, dkl);
		dk2[dkl - 64 - ekl + 5] ^= 0x80;
		CHECK_ERR(hm_mlkem_check_dk(p, dk2, dkl), HM_ERR_CORRUPT);
		CHECK_ERR(hm_mlkem_decaps(p, s.k2, dk2, dkl, s.c, ctl), HM_ERR_CORRUPT);
		/* z and dk_pke are not covered by h: the check still passes. */
		memcpy(dk2, s.dk, dkl);
		dk2[dkl - 1] ^= 1;
		CHECK_ERR(hm_mlkem_check_dk(p, dk2, dkl), HM_OK);
		/* A ciphertext for another parameter set has the wrong length. */
		if (i > 0) {
			size_t other = hm_mlkem_ct_len(all_params[0]);

			CHECK_ERR(hm_mlkem_decaps(p, s.k2, s.dk, dkl, s.c, other), HM_ERR_LENGTH);
		}
	}
}

static void test_implicit_rejection(void)
{
	for (size_t i = 0; i < 3; i++) {
		enum hm_mlkem_param p = all_params[i];
		size_t dkl = hm_mlkem_dk_len(p), ctl = hm_mlkem_ct_len(p);
		uint8_t kbar[32], zc[32 + HM_MLKEM_CT_MAX], k3[32];
		struct keys s;
		const size_t flips[] = { 0, 1, ctl / 2, ctl - 1 };

		CHECK_ERR(hm_mlkem_keygen(p, s.ek, s.dk), HM_OK);
		CHECK_ERR(hm_mlkem_encaps(p, s.c, s.k, s.ek, hm_mlkem_ek_len(p)), HM_OK);
		for (size_t f = 0; f < 4; f++) {
			s.c[flips[f]] ^= 0x04;
			CHECK_ERR(hm_mlkem_decaps(p, s.k2, s.dk, dkl, s.c, ctl), HM_OK);
			CHECK(memcmp(s.k, s.k2, 32) != 0);
			/* Deterministic, and exactly J(z || c) = SHAKE256(z || c, 32). */
			CHECK_ERR(hm_mlkem_decaps(p, k3, s.dk, dkl, s.c, ctl), HM_OK);
			CHECK_MEM(s.k2, k3, 32);
			memcpy(zc, s.dk + dkl - 32, 32);
			memcpy(zc + 32, s.c, ctl);
			hm_shake256(kbar, 32, zc, 32 + ctl);
			CHECK_MEM(s.k2, kbar, 32);
			s.c[flips[f]] ^= 0x04;
		}
		/* Restored ciphertext decapsulates to the real key again. */
		CHECK_ERR(hm_mlkem_decaps(p, s.k2, s.dk, dkl, s.c, ctl), HM_OK);
		CHECK_MEM(s.k, s.k2, 32);
		/* A different z changes only the rejection key. */
		s.dk[dkl - 32] ^= 1;
		CHECK_ERR(hm_mlkem_decaps(p, s.k2, s.dk, dkl, s.c, ctl), HM_OK);
		CHECK_MEM(s.k, s.k2, 32);
	}
}

static void test_builtin(void)
{
	struct hm_kat_tally t = { 0, 0, 0 };

	CHECK_ERR(hm_kat_builtin_mlkem(&t, stderr), HM_OK);
	CHECK_EQ(t.passed, 3);
	CHECK_EQ(t.failed, 0);
}

static void test_vector_files(void)
{
	test_run_vector_files(hm_kat_mlkem_json, 0);
}

/* Flips the low bit of the first hex digit of a string field. */
static void corrupt_hex(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	char *buf;

	CHECK(s != NULL && strlen(s) > 0);
	if (s == NULL || strlen(s) == 0)
		return;
	buf = malloc(strlen(s) + 1);
	CHECK(buf != NULL);
	if (buf == NULL)
		return;
	memcpy(buf, s, strlen(s) + 1);
	buf[0] = buf[0] == '0' ? '1' : '0';
	json_object_set_new(obj, key, json_string(buf));
	free(buf);
}

/*
 * For every group of every file, a document with just that group's first
 * test, its expected answer falsified, must count exactly one failure.
 */
static void test_corrupted_vectors(void)
{
	for (int i = 1; i < test_argc; i++) {
		json_t *doc = test_load_json(test_argv[i]);
		json_t *groups = json_object_get(doc, "testGroups");

		CHECK(doc != NULL);
		if (doc == NULL)
			continue;
		for (size_t g = 0; g < json_array_size(groups); g++) {
			json_t *group = json_array_get(groups, g);
			json_t *tests = json_object_get(group, "tests");
			json_t *one = json_deep_copy(doc), *grp, *tc;
			struct hm_kat_tally t = { 0, 0, 0 };
			FILE *devnull = fopen("/dev/null", "w");
			const char *res;

			if (json_array_size(tests) == 0) {
				json_decref(one);
				fclose(devnull);
				continue;
			}
			grp = json_deep_copy(group);
			tc = json_deep_copy(json_array_get(tests, 0));
			json_object_set_new(grp, "tests", json_pack("[o]", tc));
			json_object_set_new(one, "testGroups", json_pack("[o]", grp));
			res = json_string_value(json_object_get(tc, "result"));
			if (json_object_get(tc, "testPassed") != NULL)
				json_object_set_new(tc, "testPassed",
				                    json_boolean(!json_is_true(
				                            json_object_get(tc, "testPassed"))));
			else if (res != NULL && strcmp(res, "invalid") == 0)
				json_object_set_new(tc, "result", json_string("valid"));
			else if (json_object_get(tc, "K") != NULL)
				corrupt_hex(tc, "K");
			else if (json_object_get(tc, "k") != NULL)
				corrupt_hex(tc, "k");
			else
				corrupt_hex(tc, "dk");
			CHECK_ERR(hm_kat_mlkem_json(one, &t, devnull), HM_OK);
			CHECK_EQ(t.failed, 1);
			CHECK_EQ(t.passed, 0);
			json_decref(one);
			fclose(devnull);
		}
		json_decref(doc);
	}
}

static void test_unrecognised(void)
{
	struct hm_kat_tally t = { 0, 0, 0 };
	json_t *doc = json_pack("{s:s, s:s, s:[]}", "algorithm", "ML-DSA", "mode", "keyGen",
	                        "testGroups");

	CHECK_ERR(hm_kat_mlkem_json(doc, &t, stderr), HM_ERR_UNSUPPORTED);
	json_decref(doc);
	doc = json_pack("{s:s, s:s}", "algorithm", "ML-KEM", "mode", "keyGen");
	CHECK_ERR(hm_kat_mlkem_json(doc, &t, stderr), HM_ERR_UNSUPPORTED);
	json_decref(doc);
	doc = json_pack("{s:s, s:s, s:[]}", "algorithm", "ML-KEM", "mode", "sigGen", "testGroups");
	CHECK_ERR(hm_kat_mlkem_json(doc, &t, stderr), HM_ERR_UNSUPPORTED);
	json_decref(doc);
	doc = json_pack("[]");
	CHECK_ERR(hm_kat_mlkem_json(doc, &t, stderr), HM_ERR_UNSUPPORTED);
	json_decref(doc);
	CHECK_EQ(t.passed + t.failed + t.skipped, 0);
}

/* Missing fields or bad hex count as failures, never as errors or passes. */
static void test_malformed_cases(void)
{
	struct hm_kat_tally t = { 0, 0, 0 };
	FILE *devnull = fopen("/dev/null", "w");
	json_t *doc = json_pack("{s:s, s:s, s:[{s:s, s:[{s:i, s:s, s:s}, {s:i}]},"
	                        " {s:s, s:[{s:i}]}]}",
	                        "algorithm", "ML-KEM", "mode", "keyGen", "testGroups",
	                        "parameterSet", "ML-KEM-512", "tests", "tcId", 1, "d", "zz", "z",
	                        "00", "tcId", 2, "parameterSet", "ML-KEM-999", "tests", "tcId", 3);

	CHECK_ERR(hm_kat_mlkem_json(doc, &t, devnull), HM_OK);
	CHECK_EQ(t.failed, 3);
	CHECK_EQ(t.passed, 0);
	json_decref(doc);
	fclose(devnull);
}

TEST_MAIN(test_sizes, test_roundtrip, test_deterministic_keygen, test_invalid_param,
          test_ek_refusals, test_dk_and_ct_refusals, test_implicit_rejection, test_builtin,
          test_vector_files, test_corrupted_vectors, test_unrecognised, test_malformed_cases)
