/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PoTimeAnchor message validators send each other (proofs.h,
 * docs/NODE.md "PoTime anchors") and the judgement a receiver makes of it:
 *   - encode/decode round trip, one encoding; every malformed form refused
 *     with its error and nothing decoded (truncation at every length,
 *     trailing bytes, another version, a proof of the wrong length, T = 0 or
 *     above the maximum); the encoder refuses what the decoder would;
 *   - an honest anchor's VDF verifies through the cache (a second check is a
 *     hit); a forged proof (any flipped byte), the proof of another block
 *     (wrong hash) and another T are refused and never cached.
 *   - [trustchain] anchor_grace_blocks: read when given (0, i.e. the default,
 *     when not), and 0, a non-number, a value out of range or a repeat
 *     refused with its line.
 * With HM_ANCHOR_CORPUS_DIR=fuzz/corpus/anchor set, (re)writes the seeds of
 * fuzz/fuzz_anchor.c.
 */
#define _GNU_SOURCE /* mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypermesh/buf.h"
#include "hypermesh/error.h"
#include "hypermesh/file.h"
#include "hypermesh/node.h"
#include "hypermesh/proofs.h"
#include "hypermesh/vdf.h"
#include "test.h"

#define T 200

static uint8_t chain_id[HM_ENV_CHAIN_ID_LEN] = { 0xc1 };
static uint8_t block_hash[HM_PROOF_HASH_LEN] = { 0xb1, 0x0c };
static struct hm_buf proof;
static struct hm_buf honest; /* the encoded honest anchor */

static void setup(void)
{
	uint8_t input[HM_TIME_VDF_INPUT_LEN];
	struct hm_time_anchor a = { .height = 400, .vdf_iterations = T };

	if (honest.len > 0)
		return;
	hm_buf_init(&proof);
	hm_buf_init(&honest);
	hm_time_vdf_input(chain_id, block_hash, input);
	if (hm_vdf_eval(input, sizeof(input), T, &proof, NULL, NULL) != HM_OK)
		abort();
	memcpy(a.hash, block_hash, sizeof(a.hash));
	a.vdf_proof = proof.data;
	a.vdf_proof_len = proof.len;
	if (hm_time_anchor_encode(&a, &honest) != HM_OK)
		abort();
}

static void test_roundtrip(void)
{
	struct hm_time_anchor a;
	struct hm_buf again;

	setup();
	/* version, height, hash, T, 2-byte length, proof */
	CHECK_EQ(honest.len, 1 + 8 + 32 + 8 + 2 + (size_t)HM_VDF_PROOF_LEN);
	CHECK_EQ(honest.data[0], HM_TIME_ANCHOR_VERSION);
	CHECK_ERR(hm_time_anchor_decode(&a, honest.data, honest.len), HM_OK);
	CHECK_EQ(a.height, 400);
	CHECK_EQ(a.vdf_iterations, T);
	CHECK_MEM(a.hash, block_hash, sizeof(block_hash));
	CHECK_EQ(a.vdf_proof_len, proof.len);
	CHECK_MEM(a.vdf_proof, proof.data, proof.len);
	hm_buf_init(&again);
	CHECK_ERR(hm_time_anchor_encode(&a, &again), HM_OK);
	CHECK_EQ(again.len, honest.len);
	CHECK_MEM(again.data, honest.data, honest.len);
	hm_buf_free(&again);
}

/* Decoding bytes b must fail with want and leave nothing decoded. */
static void check_refused(const uint8_t *b, size_t len, int want)
{
	struct hm_time_anchor a;

	memset(&a, 0xa5, sizeof(a));
	CHECK_ERR(hm_time_anchor_decode(&a, b, len), want);
	CHECK_EQ(a.height, 0);
	CHECK_EQ(a.vdf_iterations, 0);
	CHECK(a.vdf_proof == NULL);
	CHECK_EQ(a.vdf_proof_len, 0);
}

static void test_malformed(void)
{
	uint8_t m[1024];
	size_t n;

	setup();
	n = honest.len;
	/* Every truncation. */
	for (size_t cut = 0; cut < n; cut++) {
		struct hm_time_anchor a;
		int rc = hm_time_anchor_decode(&a, honest.data, cut);

		CHECK(rc == HM_ERR_TRUNCATED || rc == HM_ERR_LENGTH);
		CHECK(a.vdf_proof == NULL && a.height == 0);
	}
	/* Trailing bytes. */
	memcpy(m, honest.data, n);
	m[n] = 0;
	check_refused(m, n + 1, HM_ERR_TRAILING);
	/* Another version. */
	memcpy(m, honest.data, n);
	m[0] = 2;
	check_refused(m, n, HM_ERR_UNSUPPORTED);
	m[0] = 0;
	check_refused(m, n, HM_ERR_UNSUPPORTED);
	/* T = 0 and T above HM_VDF_ITERATIONS_MAX. */
	memcpy(m, honest.data, n);
	memset(m + 1 + 8 + 32, 0, 8);
	check_refused(m, n, HM_ERR_INVALID);
	memset(m + 1 + 8 + 32, 0xff, 8);
	check_refused(m, n, HM_ERR_INVALID);
	/* A proof one byte short (length and contents agree) and one byte long. */
	memcpy(m, honest.data, n);
	m[1 + 8 + 32 + 8] = (uint8_t)((HM_VDF_PROOF_LEN - 1) >> 8);
	m[1 + 8 + 32 + 8 + 1] = (uint8_t)(HM_VDF_PROOF_LEN - 1);
	check_refused(m, n - 1, HM_ERR_LENGTH);
	memcpy(m, honest.data, n);
	m[1 + 8 + 32 + 8] = (uint8_t)((HM_VDF_PROOF_LEN + 1) >> 8);
	m[1 + 8 + 32 + 8 + 1] = (uint8_t)(HM_VDF_PROOF_LEN + 1);
	m[n] = 0;
	check_refused(m, n + 1, HM_ERR_LENGTH);
	/* An empty proof vector is below its minimum. */
	memcpy(m, honest.data, 1 + 8 + 32 + 8);
	m[49] = 0;
	m[50] = 0;
	check_refused(m, 51, HM_ERR_LENGTH);
	check_refused(NULL, 0, HM_ERR_TRUNCATED);
}

static void test_encode_refuses(void)
{
	struct hm_time_anchor a;
	struct hm_buf out;

	setup();
	CHECK_ERR(hm_time_anchor_decode(&a, honest.data, honest.len), HM_OK);
	hm_buf_init(&out);
	a.vdf_proof_len--;
	CHECK_ERR(hm_time_anchor_encode(&a, &out), HM_ERR_INVALID);
	a.vdf_proof_len++;
	a.vdf_iterations = 0;
	CHECK_ERR(hm_time_anchor_encode(&a, &out), HM_ERR_INVALID);
	a.vdf_iterations = HM_VDF_ITERATIONS_MAX + 1;
	CHECK_ERR(hm_time_anchor_encode(&a, &out), HM_ERR_INVALID);
	CHECK_EQ(out.len, 0);
	hm_buf_free(&out);
}

static void test_verify_and_cache(void)
{
	struct hm_vdf_cache cache;
	uint8_t input[HM_TIME_VDF_INPUT_LEN], other[HM_PROOF_HASH_LEN];
	uint8_t forged[HM_VDF_PROOF_LEN];

	setup();
	hm_vdf_cache_init(&cache);
	hm_time_vdf_input(chain_id, block_hash, input);
	/* Forgeries first, on an empty cache: refused, never cached. */
	for (size_t i = 0; i < sizeof(forged); i += 37) {
		memcpy(forged, proof.data, sizeof(forged));
		forged[i] ^= 0x01;
		CHECK(hm_time_vdf_verify_cached(&cache, input, T, forged, sizeof(forged)) != HM_OK);
	}
	CHECK(hm_time_vdf_verify_cached(&cache, input, T + 1, proof.data, proof.len) != HM_OK);
	memcpy(other, block_hash, sizeof(other));
	other[31] ^= 0x80;
	{
		uint8_t input2[HM_TIME_VDF_INPUT_LEN];

		hm_time_vdf_input(chain_id, other, input2);
		CHECK(hm_time_vdf_verify_cached(&cache, input2, T, proof.data, proof.len) != HM_OK);
	}
	CHECK_EQ(cache.hits, 0);
	CHECK_EQ(cache.used, 0);
	/* The honest one: a miss, then a hit. */
	CHECK_ERR(hm_time_vdf_verify_cached(&cache, input, T, proof.data, proof.len), HM_OK);
	CHECK_EQ(cache.misses, 1 + (sizeof(forged) + 36) / 37 + 2);
	CHECK_ERR(hm_time_vdf_verify_cached(&cache, input, T, proof.data, proof.len), HM_OK);
	CHECK_EQ(cache.hits, 1);
	/* A cached proof excuses neither another T nor another block. */
	CHECK(hm_time_vdf_verify_cached(&cache, input, T + 1, proof.data, proof.len) != HM_OK);
	/* Without a cache: the same verdicts. */
	CHECK_ERR(hm_time_vdf_verify_cached(NULL, input, T, proof.data, proof.len), HM_OK);
	memcpy(forged, proof.data, sizeof(forged));
	forged[sizeof(forged) - 1] ^= 0x40;
	CHECK(hm_time_vdf_verify_cached(NULL, input, T, forged, sizeof(forged)) != HM_OK);
}

#define CONFIG_OK                                                                           \
	"[node]\nname = n0\ndata_dir = data\nkey_file = n0.key\n[consensus]\n"              \
	"chain_id = c\nvalidator = 0 "                                                      \
	"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a 127.0.0.1:9000\n" \
	"[stoq]\nlisten = 127.0.0.1:9000\n[trustchain]\ngenesis_dir = g\ncertificate = "    \
	"c.der\nplot_dir = p\n"

/* Loads CONFIG_OK followed by extra; HM_OK with *grace, or the error with err. */
static int load_config(const char *extra, uint64_t *grace, char *err, size_t errlen)
{
	char dir[] = "/tmp/hm-anchor-XXXXXX", path[64];
	struct hm_node_config cfg;
	FILE *f;
	int rc;

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/node.ini", dir);
	f = fopen(path, "w");
	if (f == NULL)
		abort();
	fputs(CONFIG_OK, f);
	fputs(extra, f);
	fclose(f);
	rc = hm_node_config_load(path, &cfg, err, errlen);
	*grace = rc == HM_OK ? cfg.tc_anchor_grace_blocks : UINT64_MAX;
	unlink(path);
	rmdir(dir);
	return rc;
}

static void test_config_grace(void)
{
	static const char *const bad[] = {
		"anchor_grace_blocks = 0\n",
		"anchor_grace_blocks = ten\n",
		"anchor_grace_blocks = -1\n",
		"anchor_grace_blocks = 4294967296\n",
		"anchor_grace_blocks = 5\nanchor_grace_blocks = 6\n",
	};
	char err[HM_NODE_ERROR_MAX];
	uint64_t grace;

	CHECK_ERR(load_config("", &grace, err, sizeof(err)), HM_OK);
	CHECK_EQ(grace, 0);
	CHECK_ERR(load_config("anchor_grace_blocks = 25\n", &grace, err, sizeof(err)), HM_OK);
	CHECK_EQ(grace, 25);
	CHECK_ERR(load_config("anchor_grace_blocks = 4294967295\n", &grace, err, sizeof(err)),
	          HM_OK);
	CHECK_EQ(grace, 4294967295u);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* The line of the (last) anchor_grace_blocks: CONFIG_OK's lines, then extra's. */
		unsigned line = 0;
		char want[32];

		for (const char *c = CONFIG_OK; *c; c++)
			line += *c == '\n';
		for (const char *c = bad[i]; *c; c++)
			line += *c == '\n';
		snprintf(want, sizeof(want), "node.ini:%u:", line);
		err[0] = '\0';
		CHECK(load_config(bad[i], &grace, err, sizeof(err)) != HM_OK);
		CHECK(strstr(err, "anchor_grace_blocks") != NULL);
		CHECK(strstr(err, want) != NULL);
		if (strstr(err, want) == NULL)
			fprintf(stderr, "  got: %s\n", err);
	}
}

static void write_seed(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	CHECK_ERR(hm_file_write_atomic(path, p, n, 0644, HM_FILE_OVERWRITE), HM_OK);
}

static void test_write_corpus(void)
{
	const char *dir = getenv("HM_ANCHOR_CORPUS_DIR");
	uint8_t m[1024];
	size_t n;

	if (dir == NULL)
		return;
	setup();
	n = honest.len;
	write_seed(dir, "honest", honest.data, n);
	write_seed(dir, "truncated", honest.data, n - 5);
	memcpy(m, honest.data, n);
	m[n] = 0;
	write_seed(dir, "trailing", m, n + 1);
	m[0] = 2;
	write_seed(dir, "version_2", m, n);
	memcpy(m, honest.data, n);
	m[60] ^= 1;
	write_seed(dir, "proof_flipped", m, n);
	memcpy(m, honest.data, n);
	m[9] ^= 1;
	write_seed(dir, "other_hash", m, n);
	memcpy(m, honest.data, n);
	memset(m + 41, 0, 8);
	write_seed(dir, "t_zero", m, n);
}

TEST_MAIN(test_roundtrip, test_malformed, test_encode_refuses, test_verify_and_cache,
          test_config_grace, test_write_corpus)
