/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hm_sha3_256_x4 against the scalar hm_sha3_256, on both kernels (AVX2
 * where this CPU has it, and the portable one): the byte-aligned AFT
 * messages of the SHA3-256 vector files in argv, each in every one of the
 * four positions beside three other inputs of its length, and random
 * inputs of every length from 0 past three rate blocks. A digest that
 * lands in the wrong position, or a lane mixed into another, fails.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hypermesh/crypto_impl.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/sha3.h"
#include "test.h"
#include "vectors.h"

/* Every length up to RANDOM_LEN; vector messages up to MAX_LEN (the files hold 8 KiB ones). */
#define RANDOM_LEN (3 * HM_SHA3_256_RATE + 40)
#define MAX_LEN    (16 * 1024)

/* Reproducible bytes that differ per (length, position). */
static void fill(uint8_t *p, size_t len, size_t salt)
{
	uint8_t tag[16];

	memcpy(tag, &len, sizeof(len));
	memcpy(tag + 8, &salt, sizeof(salt));
	hm_shake256(p, len, tag, sizeof(tag));
}

/* The kernels this CPU and build can run: portable always, AVX2 maybe. */
static unsigned kernels(enum hm_crypto_impl out[2])
{
	unsigned n = 0;

	out[n++] = HM_CRYPTO_IMPL_PORTABLE;
	if (hm_crypto_impl_available(HM_CRYPTO_IMPL_AVX2))
		out[n++] = HM_CRYPTO_IMPL_AVX2;
	else
		printf("note: no AVX2 kernel here; the portable one alone is checked\n");
	return n;
}

/* Four inputs of len bytes through both paths; returns how many digests differ. */
static unsigned compare(uint8_t in[4][MAX_LEN], size_t len)
{
	uint8_t got[4][HM_SHA3_256_LEN], want[HM_SHA3_256_LEN];
	uint8_t *const out[4] = { got[0], got[1], got[2], got[3] };
	const uint8_t *const src[4] = { in[0], in[1], in[2], in[3] };
	unsigned bad = 0;

	hm_sha3_256_x4(out, src, len);
	for (unsigned k = 0; k < 4; k++) {
		hm_sha3_256(want, in[k], len);
		bad += memcmp(want, got[k], sizeof(want)) != 0;
	}
	return bad;
}

static void test_random_lengths(void)
{
	static uint8_t in[4][MAX_LEN];
	enum hm_crypto_impl impl[2];
	unsigned n = kernels(impl);
	enum hm_crypto_impl saved = hm_crypto_impl_active();

	for (unsigned i = 0; i < n; i++) {
		CHECK_ERR(hm_crypto_impl_select(impl[i]), HM_OK);
		for (size_t len = 0; len <= RANDOM_LEN; len++) {
			for (unsigned k = 0; k < 4; k++)
				fill(in[k], len, k);
			if (compare(in, len) != 0) {
				fprintf(stderr, "%s: length %zu differs\n",
				        hm_crypto_impl_name(impl[i]), len);
				CHECK(0);
			}
		}
	}
	CHECK_ERR(hm_crypto_impl_select(saved), HM_OK);
}

/* Four equal inputs: equal digests (no lane leaks its neighbour's state). */
static void test_equal_inputs_and_aliasing(void)
{
	static uint8_t in[4][MAX_LEN];
	uint8_t want[HM_SHA3_256_LEN];
	uint8_t *const out[4] = { in[0], in[1], in[2], in[3] };
	const uint8_t *const src[4] = { in[0], in[1], in[2], in[3] };
	const size_t len = HM_SHA3_256_RATE + 1;

	for (unsigned k = 0; k < 4; k++)
		fill(in[k], len, 7);
	hm_sha3_256(want, in[0], len);
	/* In place: each digest overwrites the start of its own input. */
	hm_sha3_256_x4(out, src, len);
	for (unsigned k = 0; k < 4; k++)
		CHECK_MEM(in[k], want, sizeof(want));
}

/*
 * The official messages: every byte-aligned AFT case of each file, placed
 * in position case % 4 with three other inputs of its length around it,
 * must give the file's digest there and the scalar digests elsewhere.
 */
static void test_vector_files(void)
{
	static uint8_t in[4][MAX_LEN];
	enum hm_crypto_impl impl[2];
	unsigned nimpl = kernels(impl);
	enum hm_crypto_impl saved = hm_crypto_impl_active();

	CHECK(test_argc > 1);
	for (int f = 1; f < test_argc; f++) {
		json_t *doc = test_load_json(test_argv[f]);
		json_t *groups = json_object_get(doc, "testGroups");
		unsigned cases = 0, failed = 0;

		CHECK(doc != NULL);
		for (size_t g = 0; g < json_array_size(groups); g++) {
			json_t *group = json_array_get(groups, g);
			json_t *tests = json_object_get(group, "tests");
			const char *type = json_string_value(json_object_get(group, "testType"));

			if (type == NULL || strcmp(type, "AFT") != 0)
				continue;
			for (size_t t = 0; t < json_array_size(tests); t++) {
				json_t *tc = json_array_get(tests, t);
				const char *msg = json_string_value(json_object_get(tc, "msg"));
				const char *md = json_string_value(json_object_get(tc, "md"));
				json_int_t bits = json_integer_value(json_object_get(tc, "len"));
				uint8_t want[HM_SHA3_256_LEN], got[4][HM_SHA3_256_LEN];
				uint8_t *const out[4] = { got[0], got[1], got[2], got[3] };
				const uint8_t *const src[4] = { in[0], in[1], in[2], in[3] };
				size_t len = (size_t)bits / 8, at = t % 4;

				CHECK(msg != NULL && md != NULL);
				if (msg == NULL || md == NULL || bits % 8 != 0 || len > MAX_LEN)
					continue;
				CHECK_ERR(hm_hex_decode_exact(in[at], len, msg, strlen(msg)),
				          HM_OK);
				CHECK_ERR(hm_hex_decode_exact(want, sizeof(want), md, strlen(md)),
				          HM_OK);
				for (unsigned k = 0; k < 4; k++)
					if (k != at)
						fill(in[k], len, k);
				for (unsigned i = 0; i < nimpl; i++) {
					CHECK_ERR(hm_crypto_impl_select(impl[i]), HM_OK);
					hm_sha3_256_x4(out, src, len);
					failed += memcmp(got[at], want, sizeof(want)) != 0;
					failed += compare(in, len);
				}
				cases++;
			}
		}
		printf("%s: %u byte-aligned messages, %u mismatches\n", test_argv[f], cases,
		       failed);
		CHECK(cases > 0);
		CHECK_EQ(failed, 0);
		json_decref(doc);
	}
	CHECK_ERR(hm_crypto_impl_select(saved), HM_OK);
}

/* The comparison itself must see a wrong digest: one flipped input bit is caught. */
static void test_mismatch_is_seen(void)
{
	static uint8_t in[4][MAX_LEN];
	uint8_t got[4][HM_SHA3_256_LEN], want[HM_SHA3_256_LEN];
	uint8_t *const out[4] = { got[0], got[1], got[2], got[3] };
	const uint8_t *const src[4] = { in[0], in[1], in[2], in[3] };

	for (unsigned k = 0; k < 4; k++)
		fill(in[k], 200, k);
	hm_sha3_256_x4(out, src, 200);
	in[2][199] ^= 1;
	hm_sha3_256(want, in[2], 200);
	CHECK(memcmp(want, got[2], sizeof(want)) != 0);
	CHECK_EQ(compare(in, 200), 0);
}

TEST_MAIN(test_random_lengths, test_equal_inputs_and_aliasing, test_vector_files,
          test_mismatch_is_seen)
