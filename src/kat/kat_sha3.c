/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Known answers for SHA-3 and SHAKE: NIST ACVP JSON (SHA3-256, SHA3-512,
 * SHAKE-128, SHAKE-256; AFT, MCT, LDT, VOT) and a few built-in FIPS 202
 * answers.
 *
 * ACVP lengths are in bits. Only whole-byte messages and outputs are run:
 * a case with a bit length that is not a multiple of 8 is counted as skipped,
 * because the hash API works on bytes. The large-data tests (LDT) hash 1 to
 * 8 GiB each, so they only run when the environment has HM_KAT_LARGE=1; they
 * are counted as skipped otherwise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hypermesh/buf.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/kat.h"
#include "hypermesh/sha3.h"
#include "kat_internal.h"

enum sha3_alg {
	ALG_SHA3_256,
	ALG_SHA3_512,
	ALG_SHAKE128,
	ALG_SHAKE256,
};

struct sha3_desc {
	const char *name;
	enum sha3_alg alg;
	size_t digest_len; /* 0 for SHAKE */
};

static const struct sha3_desc sha3_descs[] = {
	{ "SHA3-256", ALG_SHA3_256, HM_SHA3_256_LEN },
	{ "SHA3-512", ALG_SHA3_512, HM_SHA3_512_LEN },
	{ "SHAKE-128", ALG_SHAKE128, 0 },
	{ "SHAKE-256", ALG_SHAKE256, 0 },
};

static void sha3_ctx_init(struct hm_keccak *ctx, enum sha3_alg alg)
{
	switch (alg) {
	case ALG_SHA3_256:
		hm_sha3_256_init(ctx);
		break;
	case ALG_SHA3_512:
		hm_sha3_512_init(ctx);
		break;
	case ALG_SHAKE128:
		hm_shake128_init(ctx);
		break;
	case ALG_SHAKE256:
		hm_shake256_init(ctx);
		break;
	}
}

/* Hashes in[0..inlen) to outlen bytes (outlen must be the digest size for SHA3). */
static void sha3_hash(enum sha3_alg alg, uint8_t *out, size_t outlen, const uint8_t *in,
                      size_t inlen)
{
	struct hm_keccak ctx;

	sha3_ctx_init(&ctx, alg);
	hm_keccak_absorb(&ctx, in, inlen);
	hm_keccak_squeeze(&ctx, out, outlen);
	hm_keccak_wipe(&ctx);
}

/* Reads a non-negative integer field; HM_ERR_NOT_FOUND if absent or not an integer. */
static int get_uint(const json_t *obj, const char *key, uint64_t *v)
{
	const json_t *j = json_object_get(obj, key);

	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return HM_ERR_NOT_FOUND;
	*v = (uint64_t)json_integer_value(j);
	return HM_OK;
}

/* Whether the expected digest md is out_len bytes; logs the case if not. */
static int md_len_is(const json_t *tc, const struct hm_buf *md, size_t out_len, FILE *log)
{
	if (md->len == out_len)
		return 1;
	fprintf(log, "tcId %lld: md has %zu bytes, expected %zu\n", kat_tc_id(tc), md->len,
	        out_len);
	return 0;
}

/* AFT and VOT: md = H(msg[0 : len/8]) with outLen bits for SHAKE. */
static enum kat_outcome run_aft(const struct sha3_desc *d, const json_t *tc, FILE *log)
{
	struct hm_buf msg, md;
	uint8_t *out = NULL;
	size_t out_len;
	uint64_t bits, out_bits;
	enum kat_outcome res = KAT_FAIL;

	hm_buf_init(&msg);
	hm_buf_init(&md);
	if (get_uint(tc, "len", &bits) != HM_OK || kat_hex_field(tc, "msg", &msg) != HM_OK ||
	    kat_hex_field(tc, "md", &md) != HM_OK) {
		fprintf(log, "tcId %lld: malformed case\n", kat_tc_id(tc));
		goto out;
	}
	if (bits % 8 != 0) {
		res = KAT_SKIP;
		goto out;
	}
	if (bits / 8 > msg.len) {
		fprintf(log, "tcId %lld: len exceeds msg\n", kat_tc_id(tc));
		goto out;
	}
	if (d->digest_len) {
		out_len = d->digest_len;
	} else {
		if (get_uint(tc, "outLen", &out_bits) != HM_OK) {
			fprintf(log, "tcId %lld: missing outLen\n", kat_tc_id(tc));
			goto out;
		}
		if (out_bits % 8 != 0) {
			res = KAT_SKIP;
			goto out;
		}
		out_len = (size_t)(out_bits / 8);
	}
	if (!md_len_is(tc, &md, out_len, log))
		goto out;
	out = malloc(out_len + 1);
	if (out == NULL) {
		fprintf(log, "tcId %lld: out of memory\n", kat_tc_id(tc));
		goto out;
	}
	sha3_hash(d->alg, out, out_len, msg.data, (size_t)(bits / 8));
	if (memcmp(out, md.data, out_len) == 0)
		res = KAT_PASS;
	else
		fprintf(log, "tcId %lld: digest mismatch\n", kat_tc_id(tc));
out:
	hm_buf_free(&msg);
	hm_buf_free(&md);
	free(out);
	return res;
}

#define MCT_INNER 1000

static void mct_fail(const json_t *tc, FILE *log, size_t j, const char *what)
{
	fprintf(log, "tcId %lld: MCT result %zu: %s\n", kat_tc_id(tc), j, what);
}

/*
 * SHA3 Monte Carlo ("standard"): starting from the seed, each checkpoint in
 * resultsArray (100 of them) is the digest iterated 1000 times over the
 * previous one.
 */
static enum kat_outcome run_mct_sha3(const struct sha3_desc *d, const json_t *tc, FILE *log)
{
	const json_t *results = json_object_get(tc, "resultsArray");
	struct hm_buf seed, want;
	uint8_t md[HM_SHA3_512_LEN];
	size_t dl = d->digest_len;
	enum kat_outcome res = KAT_FAIL;

	hm_buf_init(&seed);
	hm_buf_init(&want);
	if (kat_hex_field(tc, "msg", &seed) != HM_OK || !json_is_array(results) ||
	    json_array_size(results) == 0) {
		fprintf(log, "tcId %lld: malformed MCT case\n", kat_tc_id(tc));
		goto out;
	}
	if (seed.len != dl) {
		fprintf(log, "tcId %lld: MCT seed is not one digest long\n", kat_tc_id(tc));
		goto out;
	}
	memcpy(md, seed.data, dl);
	for (size_t j = 0; j < json_array_size(results); j++) {
		for (int i = 0; i < MCT_INNER; i++)
			sha3_hash(d->alg, md, dl, md, dl);
		if (kat_hex_field(json_array_get(results, j), "md", &want) != HM_OK) {
			mct_fail(tc, log, j, "malformed");
			goto out;
		}
		if (want.len != dl || memcmp(want.data, md, dl) != 0) {
			mct_fail(tc, log, j, "digest mismatch");
			goto out;
		}
	}
	res = KAT_PASS;
out:
	hm_buf_free(&seed);
	hm_buf_free(&want);
	return res;
}

/*
 * SHAKE Monte Carlo: each step hashes the first 16 bytes of the previous
 * output (zero-padded) to L bytes, and the last two bytes of that output pick
 * the next L in [minOutLen, maxOutLen] (bytes).
 */
static enum kat_outcome run_mct_shake(const struct sha3_desc *d, const json_t *group,
                                      const json_t *tc, FILE *log)
{
	const json_t *results = json_object_get(tc, "resultsArray");
	struct hm_buf seed, want;
	uint8_t *out = NULL, m[16];
	size_t min_b, max_b, range, len, out_len;
	uint64_t min_bits, max_bits, want_bits;
	enum kat_outcome res = KAT_FAIL;

	hm_buf_init(&seed);
	hm_buf_init(&want);
	if (get_uint(group, "minOutLen", &min_bits) != HM_OK ||
	    get_uint(group, "maxOutLen", &max_bits) != HM_OK || min_bits % 8 != 0 ||
	    max_bits % 8 != 0 || min_bits < 16 || min_bits > max_bits ||
	    max_bits > UINT64_C(1) << 24 || kat_hex_field(tc, "msg", &seed) != HM_OK ||
	    !json_is_array(results) || json_array_size(results) == 0) {
		fprintf(log, "tcId %lld: malformed MCT case\n", kat_tc_id(tc));
		goto out;
	}
	min_b = (size_t)(min_bits / 8);
	max_b = (size_t)(max_bits / 8);
	range = max_b - min_b + 1;
	out = calloc(max_b > seed.len ? max_b : seed.len, 1);
	if (out == NULL) {
		fprintf(log, "tcId %lld: out of memory\n", kat_tc_id(tc));
		goto out;
	}
	memcpy(out, seed.data, seed.len);
	out_len = seed.len;
	len = max_b;
	for (size_t j = 0; j < json_array_size(results); j++) {
		const json_t *r = json_array_get(results, j);

		for (int i = 0; i < MCT_INNER; i++) {
			memset(m, 0, sizeof(m));
			memcpy(m, out, out_len < sizeof(m) ? out_len : sizeof(m));
			sha3_hash(d->alg, out, len, m, sizeof(m));
			out_len = len;
			len = min_b + ((size_t)out[out_len - 2] << 8 | out[out_len - 1]) % range;
		}
		if (kat_hex_field(r, "md", &want) != HM_OK ||
		    get_uint(r, "outLen", &want_bits) != HM_OK) {
			mct_fail(tc, log, j, "malformed");
			goto out;
		}
		if (want_bits != (uint64_t)out_len * 8 || want.len != out_len ||
		    memcmp(want.data, out, out_len) != 0) {
			mct_fail(tc, log, j, "output mismatch");
			goto out;
		}
	}
	res = KAT_PASS;
out:
	hm_buf_free(&seed);
	hm_buf_free(&want);
	free(out);
	return res;
}

static int large_tests_enabled(void)
{
	const char *v = getenv("HM_KAT_LARGE");

	return v != NULL && strcmp(v, "1") == 0;
}

/* LDT: the content pattern repeated up to fullLength bits, hashed as one message. */
static enum kat_outcome run_ldt(const struct sha3_desc *d, const json_t *tc, FILE *log)
{
	const json_t *large = json_object_get(tc, "largeMsg");
	const char *tech = json_string_value(json_object_get(large, "expansionTechnique"));
	struct hm_buf content, md;
	uint8_t *chunk = NULL, out[HM_SHA3_512_LEN];
	size_t content_len, out_len = d->digest_len, per_chunk;
	uint64_t content_bits, full_bits, remaining, out_bits;
	struct hm_keccak ctx;
	enum kat_outcome res = KAT_FAIL;
	const size_t chunk_target = (size_t)1 << 20;

	hm_buf_init(&content);
	hm_buf_init(&md);
	if (!json_is_object(large) || tech == NULL ||
	    get_uint(large, "contentLength", &content_bits) != HM_OK ||
	    get_uint(large, "fullLength", &full_bits) != HM_OK ||
	    kat_hex_field(large, "content", &content) != HM_OK ||
	    kat_hex_field(tc, "md", &md) != HM_OK) {
		fprintf(log, "tcId %lld: malformed LDT case\n", kat_tc_id(tc));
		goto out;
	}
	if (strcmp(tech, "repeating") != 0 || content_bits % 8 != 0 || full_bits % 8 != 0 ||
	    content_bits == 0) {
		res = KAT_SKIP;
		goto out;
	}
	if (content_bits / 8 > content.len) {
		fprintf(log, "tcId %lld: contentLength exceeds content\n", kat_tc_id(tc));
		goto out;
	}
	content_len = (size_t)(content_bits / 8);
	if (out_len == 0) {
		if (get_uint(tc, "outLen", &out_bits) != HM_OK || out_bits % 8 != 0 ||
		    out_bits / 8 > sizeof(out)) {
			res = KAT_SKIP;
			goto out;
		}
		out_len = (size_t)(out_bits / 8);
	}
	if (!md_len_is(tc, &md, out_len, log))
		goto out;
	if (!large_tests_enabled()) {
		res = KAT_SKIP;
		goto out;
	}
	/* A buffer of whole copies of the pattern, so each absorb continues it seamlessly. */
	per_chunk = content_len >= chunk_target ? 1 : chunk_target / content_len;
	chunk = malloc(per_chunk * content_len);
	if (chunk == NULL) {
		fprintf(log, "tcId %lld: out of memory\n", kat_tc_id(tc));
		goto out;
	}
	for (size_t i = 0; i < per_chunk; i++)
		memcpy(chunk + i * content_len, content.data, content_len);
	sha3_ctx_init(&ctx, d->alg);
	remaining = full_bits / 8;
	while (remaining > 0) {
		size_t n = per_chunk * content_len;

		if (remaining < n)
			n = (size_t)remaining;
		hm_keccak_absorb(&ctx, chunk, n);
		remaining -= n;
	}
	hm_keccak_squeeze(&ctx, out, out_len);
	hm_keccak_wipe(&ctx);
	if (memcmp(out, md.data, out_len) == 0)
		res = KAT_PASS;
	else
		fprintf(log, "tcId %lld: LDT digest mismatch\n", kat_tc_id(tc));
out:
	hm_buf_free(&content);
	hm_buf_free(&md);
	free(chunk);
	return res;
}

static const struct sha3_desc *sha3_find(const json_t *doc)
{
	const char *alg;

	if (!json_is_object(doc) || !json_is_array(json_object_get(doc, "testGroups")))
		return NULL;
	alg = json_string_value(json_object_get(doc, "algorithm"));
	if (alg == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(sha3_descs) / sizeof(sha3_descs[0]); i++) {
		if (strcmp(alg, sha3_descs[i].name) == 0)
			return &sha3_descs[i];
	}
	return NULL;
}

int hm_kat_sha3_json(const json_t *doc, struct hm_kat_tally *tally, FILE *log)
{
	const struct sha3_desc *d = sha3_find(doc);
	const json_t *groups;

	if (d == NULL)
		return HM_ERR_UNSUPPORTED;
	groups = json_object_get(doc, "testGroups");
	for (size_t g = 0; g < json_array_size(groups); g++) {
		const json_t *group = json_array_get(groups, g);
		const json_t *tests = json_object_get(group, "tests");
		const char *type = json_string_value(json_object_get(group, "testType"));
		const char *mctv = json_string_value(json_object_get(group, "mctVersion"));

		for (size_t t = 0; t < json_array_size(tests); t++) {
			const json_t *tc = json_array_get(tests, t);
			enum kat_outcome o;

			if (type == NULL) {
				fprintf(log, "tcId %lld: group has no testType\n", kat_tc_id(tc));
				o = KAT_FAIL;
			} else if (strcmp(type, "AFT") == 0 || strcmp(type, "VOT") == 0) {
				o = run_aft(d, tc, log);
			} else if (strcmp(type, "MCT") == 0) {
				if (mctv != NULL && strcmp(mctv, "standard") != 0) {
					/* Only the standard MCT is implemented. */
					fprintf(log, "tcId %lld: skipped mctVersion %s\n",
					        kat_tc_id(tc), mctv);
					o = KAT_SKIP;
				} else if (d->digest_len) {
					o = run_mct_sha3(d, tc, log);
				} else {
					o = run_mct_shake(d, group, tc, log);
				}
			} else if (strcmp(type, "LDT") == 0) {
				o = run_ldt(d, tc, log);
			} else {
				fprintf(log, "tcId %lld: unknown testType %s\n", kat_tc_id(tc),
				        type);
				o = KAT_FAIL;
			}
			kat_tally_add(tally, o);
		}
	}
	return HM_OK;
}

/* FIPS 202 answers from the NIST examples and the standard's empty-input values. */
struct sha3_builtin {
	enum sha3_alg alg;
	const char *msg; /* ASCII */
	size_t repeat;   /* msg is absorbed this many times */
	size_t out_len;
	const char *hex;
};

static const struct sha3_builtin sha3_builtins[] = {
	{ ALG_SHA3_256, "", 1, 32,
	  "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a" },
	{ ALG_SHA3_256, "abc", 1, 32,
	  "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532" },
	{ ALG_SHA3_512, "", 1, 64,
	  "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a6"
	  "15b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26" },
	{ ALG_SHA3_512, "abc", 1, 64,
	  "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e"
	  "10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0" },
	/* One million 'a': exercises many blocks and the incremental path. */
	{ ALG_SHA3_256, "a", 1000000, 32,
	  "5c8875ae474a3634ba4fd55ec85bffd661f32aca75c6d699d0cdcb6c115891c1" },
	{ ALG_SHAKE128, "", 1, 32,
	  "7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26" },
	{ ALG_SHAKE256, "", 1, 64,
	  "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f"
	  "d75dc4ddd8c0f200cb05019d67b592f6fc821c49479ab48640292eacb3b7c4be" },
};

int hm_kat_builtin_sha3(struct hm_kat_tally *tally, FILE *log)
{
	for (size_t i = 0; i < sizeof(sha3_builtins) / sizeof(sha3_builtins[0]); i++) {
		const struct sha3_builtin *b = &sha3_builtins[i];
		uint8_t out[64], want[64];
		struct hm_keccak ctx;
		size_t mlen = strlen(b->msg);

		if (hm_hex_decode_exact(want, b->out_len, b->hex, strlen(b->hex)) != HM_OK) {
			tally->failed++;
			fprintf(log, "sha3 builtin %zu: bad table entry\n", i);
			continue;
		}
		sha3_ctx_init(&ctx, b->alg);
		for (size_t r = 0; r < b->repeat; r++)
			hm_keccak_absorb(&ctx, b->msg, mlen);
		hm_keccak_squeeze(&ctx, out, b->out_len);
		hm_keccak_wipe(&ctx);
		if (memcmp(out, want, b->out_len) == 0) {
			tally->passed++;
		} else {
			tally->failed++;
			fprintf(log, "sha3 builtin %zu: digest mismatch\n", i);
		}
	}
	return HM_OK;
}
