/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-3/SHAKE: incremental use against one-shot, and the ACVP vector files in argv. */
#define _POSIX_C_SOURCE 200809L /* setenv */

#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "hypermesh/kat.h"
#include "hypermesh/sha3.h"
#include "test.h"
#include "vectors.h"

/* A deterministic, non-repeating test message. */
static void fill(uint8_t *p, size_t n)
{
	uint32_t x = 0x12345678;

	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 16);
	}
}

typedef void (*init_fn)(struct hm_keccak *);

static const init_fn inits[] = { hm_sha3_256_init, hm_sha3_512_init, hm_shake128_init,
	                         hm_shake256_init };

static void test_incremental_absorb(void)
{
	static const size_t chunks[] = { 1, 3, 7, 8, 13, 71, 135, 136, 137, 167, 168, 169, 500 };
	static uint8_t msg[2000];

	fill(msg, sizeof(msg));
	for (size_t a = 0; a < sizeof(inits) / sizeof(inits[0]); a++) {
		for (size_t total = 0; total <= sizeof(msg); total += 97) {
			for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
				struct hm_keccak one, inc;
				uint8_t o1[64], o2[64];
				size_t off = 0;

				inits[a](&one);
				hm_keccak_absorb(&one, msg, total);
				hm_keccak_squeeze(&one, o1, sizeof(o1));
				inits[a](&inc);
				/* Vary the chunk size as we go so block edges fall everywhere. */
				while (off < total) {
					size_t n = chunks[(c + off) % 13];

					if (n > total - off)
						n = total - off;
					hm_keccak_absorb(&inc, msg + off, n);
					off += n;
				}
				hm_keccak_squeeze(&inc, o2, sizeof(o2));
				CHECK_MEM(o1, o2, sizeof(o1));
			}
		}
	}
}

static void test_incremental_squeeze(void)
{
	static const size_t pieces[] = { 1, 2, 5, 8, 31, 135, 136, 137, 168, 169, 333 };
	uint8_t msg[50], whole[3000], parts[3000];

	fill(msg, sizeof(msg));
	for (size_t a = 2; a < 4; a++) {
		struct hm_keccak ctx;

		inits[a](&ctx);
		hm_keccak_absorb(&ctx, msg, sizeof(msg));
		hm_keccak_squeeze(&ctx, whole, sizeof(whole));
		for (size_t p = 0; p < sizeof(pieces) / sizeof(pieces[0]); p++) {
			size_t off = 0;

			inits[a](&ctx);
			hm_keccak_absorb(&ctx, msg, sizeof(msg));
			while (off < sizeof(parts)) {
				size_t n = pieces[(p + off) % 11];

				if (n > sizeof(parts) - off)
					n = sizeof(parts) - off;
				hm_keccak_squeeze(&ctx, parts + off, n);
				off += n;
			}
			CHECK_MEM(whole, parts, sizeof(whole));
		}
	}
}

static void test_oneshot_helpers(void)
{
	uint8_t msg[300], a[64], b[64];
	struct hm_keccak ctx;

	fill(msg, sizeof(msg));
	hm_sha3_256(a, msg, sizeof(msg));
	hm_sha3_256_init(&ctx);
	hm_keccak_absorb(&ctx, msg, sizeof(msg));
	hm_sha3_final(&ctx, b);
	CHECK_MEM(a, b, 32);
	/* final wipes the context. */
	CHECK(ctx.rate == 0 && ctx.state[0] == 0);
	hm_sha3_512(a, msg, sizeof(msg));
	hm_sha3_512_init(&ctx);
	hm_keccak_absorb(&ctx, msg, sizeof(msg));
	hm_sha3_final(&ctx, b);
	CHECK_MEM(a, b, 64);
	hm_shake128(a, 64, msg, sizeof(msg));
	hm_shake128(b, 20, msg, sizeof(msg));
	CHECK_MEM(a, b, 20); /* SHAKE outputs are prefixes of each other */
	hm_shake256(a, 64, msg, sizeof(msg));
	hm_shake256(b, 33, msg, sizeof(msg));
	CHECK_MEM(a, b, 33);
	/* Different instances differ. */
	hm_shake128(a, 32, msg, sizeof(msg));
	hm_shake256(b, 32, msg, sizeof(msg));
	CHECK(memcmp(a, b, 32) != 0);
}

static void test_builtin(void)
{
	struct hm_kat_tally t = { 0, 0, 0 };

	CHECK_ERR(hm_kat_builtin_sha3(&t, stderr), HM_OK);
	CHECK(t.passed > 0);
	CHECK_EQ(t.failed, 0);
}

static void test_vector_files(void)
{
	test_run_vector_files(hm_kat_sha3_json, 1);
}

/* Flips one hex digit of the string field key in obj. */
static void corrupt(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	char buf[8192];

	CHECK(s != NULL && strlen(s) > 0 && strlen(s) < sizeof(buf));
	if (s == NULL || strlen(s) == 0 || strlen(s) >= sizeof(buf))
		return;
	strcpy(buf, s);
	buf[0] = buf[0] == '0' ? '1' : '0';
	json_object_set_new(obj, key, json_string(buf));
}

/* A corrupted expected value in each kind of group must be counted as a failure. */
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
			const char *type = json_string_value(json_object_get(group, "testType"));
			json_t *tests = json_object_get(group, "tests");
			json_t *one = json_object(), *grp = json_deep_copy(group), *tc;
			struct hm_kat_tally t = { 0, 0, 0 };
			FILE *devnull = fopen("/dev/null", "w");

			if (type == NULL || strcmp(type, "LDT") == 0 ||
			    json_array_size(tests) == 0) {
				json_decref(one);
				json_decref(grp);
				fclose(devnull);
				continue;
			}
			/* A document with this group alone, holding only its first test. */
			tc = json_deep_copy(json_array_get(tests, 0));
			json_object_set_new(grp, "tests", json_pack("[o]", tc));
			json_object_set(one, "algorithm", json_object_get(doc, "algorithm"));
			json_object_set_new(one, "testGroups", json_pack("[o]", grp));
			if (strcmp(type, "MCT") == 0) {
				/* The last checkpoint: every earlier one must still pass. */
				json_t *res = json_object_get(tc, "resultsArray");

				corrupt(json_array_get(res, json_array_size(res) - 1), "md");
			} else {
				corrupt(tc, "md");
			}
			CHECK_ERR(hm_kat_sha3_json(one, &t, devnull), HM_OK);
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
	json_t *doc = json_pack("{s:s, s:[]}", "algorithm", "SHA2-256", "testGroups");

	CHECK_ERR(hm_kat_sha3_json(doc, &t, stderr), HM_ERR_UNSUPPORTED);
	json_decref(doc);
	doc = json_pack("{s:s}", "algorithm", "SHA3-256");
	CHECK_ERR(hm_kat_sha3_json(doc, &t, stderr), HM_ERR_UNSUPPORTED);
	json_decref(doc);
	CHECK_EQ(t.passed + t.failed + t.skipped, 0);
}

/* A malformed case (bad hex, missing field) counts as failed, not as an error. */
static void test_malformed_case(void)
{
	struct hm_kat_tally t = { 0, 0, 0 };
	FILE *devnull = fopen("/dev/null", "w");
	json_t *doc =
	        json_pack("{s:s, s:[{s:s, s:[{s:i, s:s, s:i, s:s}, {s:i, s:i, s:s}]}]}",
	                  "algorithm", "SHA3-256", "testGroups", "testType", "AFT", "tests", "tcId",
	                  1, "msg", "zz", "len", 8, "md", "00", "tcId", 2, "len", 0, "md", "00");

	CHECK_ERR(hm_kat_sha3_json(doc, &t, devnull), HM_OK);
	CHECK_EQ(t.failed, 2);
	json_decref(doc);
	fclose(devnull);
}

/* Runs a one-case LDT document and returns its tally. */
static struct hm_kat_tally run_ldt(const char *alg, const char *content, long long content_bits,
                                   long long full_bits, const char *md)
{
	struct hm_kat_tally t = { 0, 0, 0 };
	FILE *devnull = fopen("/dev/null", "w");
	json_t *doc = json_pack("{s:s, s:[{s:s, s:[{s:i, s:i, s:s, s:{s:s, s:I, s:I, s:s}}]}]}",
	                        "algorithm", alg, "testGroups", "testType", "LDT", "tests", "tcId",
	                        1, "len", 0, "md", md, "largeMsg", "content", content,
	                        "contentLength", (json_int_t)content_bits, "fullLength",
	                        (json_int_t)full_bits, "expansionTechnique", "repeating");

	CHECK_ERR(hm_kat_sha3_json(doc, &t, devnull), HM_OK);
	json_decref(doc);
	fclose(devnull);
	return t;
}

/* Small large-data cases: skipped unless HM_KAT_LARGE=1, then checked exactly. */
static void test_ldt(void)
{
	/*
	 * SHA3-256("abc" x 1000), SHA3-512("abc" x 1000 || "ab") and SHA3-256 of an
	 * 8-byte pattern repeated past several 1 MiB chunks (from Python's hashlib).
	 */
	static const char *h1 = "7A025F2F234FC3FFADC473B1A3AF1A4512D10F22328FD8472437ACDF212FF582";
	static const char *h2 = "E099E5D19EE687A13171144F2DDAE24DB99D431585E643FBB578B328C178CFAD"
	                        "D7D4E94F103AF5ABCACB36667FB097F4F8661E07DB6C77453905BC81A26D65DF";
	static const char *h3 = "EF72065286A5B0003BBB97E4B5B3C562BC5C85E409E2AD7723110BAF703E57BE";
	static const char *bad = "0A025F2F234FC3FFADC473B1A3AF1A4512D10F22328FD8472437ACDF212FF582";
	const long long full3 = ((1LL << 20) / 8 * 3 + 5) * 64;
	const char *saved = getenv("HM_KAT_LARGE");
	struct hm_kat_tally t;
	char *keep = NULL;

	if (saved != NULL) {
		keep = malloc(strlen(saved) + 1);
		CHECK(keep != NULL);
		if (keep != NULL)
			memcpy(keep, saved, strlen(saved) + 1);
	}
	CHECK_EQ(setenv("HM_KAT_LARGE", "0", 1), 0);
	t = run_ldt("SHA3-256", "616263", 24, 24000, h1);
	CHECK(t.skipped == 1 && t.passed == 0 && t.failed == 0);
	CHECK_EQ(setenv("HM_KAT_LARGE", "1", 1), 0);
	t = run_ldt("SHA3-256", "616263", 24, 24000, h1);
	CHECK(t.passed == 1 && t.failed == 0);
	t = run_ldt("SHA3-512", "616263", 24, 24016, h2);
	CHECK(t.passed == 1 && t.failed == 0);
	t = run_ldt("SHA3-256", "3B4F365E96F8B180", 64, full3, h3);
	CHECK(t.passed == 1 && t.failed == 0);
	t = run_ldt("SHA3-256", "616263", 24, 24000, bad);
	CHECK(t.failed == 1 && t.passed == 0);
	/* Only part of the pattern: the full length is one byte short. */
	t = run_ldt("SHA3-256", "616263", 24, 23992, h1);
	CHECK(t.failed == 1 && t.passed == 0);
	if (keep != NULL)
		CHECK_EQ(setenv("HM_KAT_LARGE", keep, 1), 0);
	else
		CHECK_EQ(unsetenv("HM_KAT_LARGE"), 0);
	free(keep);
}

TEST_MAIN(test_incremental_absorb, test_incremental_squeeze, test_oneshot_helpers, test_builtin,
          test_vector_files, test_corrupted_vectors, test_unrecognised, test_malformed_case,
          test_ldt)
