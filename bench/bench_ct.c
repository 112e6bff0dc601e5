/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CT log: builds a log of 1,000,000 leaves (or argv[1]) in LMDB in a
 * temporary directory, removed afterwards, and reports
 *   - appends per second, batched (one durable write transaction per
 *     BATCH leaves) and unbatched (one durable transaction per leaf);
 *   - median time to generate an inclusion and a consistency proof from the
 *     log, and to verify each;
 *   - tlog-tiles reads (full hash tiles at levels 0 and 1, full entry
 *     bundles) per second, and checkpoint signing and verification per
 *     second beside a bare Ed25519 signature and verification of the same
 *     text (the cost of the note format and the root lookup).
 * Beside two published CT logs (their figures, not measured here):
 *   TesseraCT: about 10,000 writes/s on 7 cores with NVMe;
 *   Sunlight:  about 75 submissions/s per production log.
 * Both sign, store certificate chains and serve tiles, so they do more per
 * entry than this pure Merkle log: the comparison bounds our overhead.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "hypermesh/clock.h"
#include "hypermesh/ct_log.h"
#include "hypermesh/ct_merkle.h"
#include "hypermesh/ct_note.h"
#include "hypermesh/ct_tiles.h"
#include "hypermesh/ed25519.h"
#include "hypermesh/error.h"

#define LEAF_LEN  128 /* about a small certificate's worth of bytes */
#define BATCH     1000
#define UNBATCHED 200

struct ctx {
	struct hm_ct_log *log;
	uint64_t n;
	uint64_t rng;
	uint8_t root[HM_CT_HASH_LEN], old_root[HM_CT_HASH_LEN], leaf[HM_CT_HASH_LEN];
	uint8_t proof[HM_CT_PROOF_MAX][HM_CT_HASH_LEN];
	size_t proof_len;
	uint64_t m, index;
	int failed;
	/* tiles and checkpoints */
	struct hm_buf buf, note;
	unsigned tile_level;
	int tile_entries;
	struct hm_ct_note_signer signer;
	uint8_t sig[HM_ED25519_SIG_LEN];
};

static uint64_t next(struct ctx *c)
{
	/* xorshift64: cheap, deterministic spread of indices. */
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return c->rng;
}

static void gen_inclusion(void *arg)
{
	struct ctx *c = arg;
	size_t len;

	if (hm_ct_log_inclusion_proof(c->log, next(c) % c->n, c->n, c->proof, HM_CT_PROOF_MAX,
	                              &len) != HM_OK)
		c->failed = 1;
}

static void gen_consistency(void *arg)
{
	struct ctx *c = arg;
	size_t len;

	if (hm_ct_log_consistency_proof(c->log, 1 + next(c) % c->n, c->n, c->proof, HM_CT_PROOF_MAX,
	                                &len) != HM_OK)
		c->failed = 1;
}

static void verify_inclusion(void *arg)
{
	struct ctx *c = arg;

	if (hm_ct_verify_inclusion(c->leaf, c->index, c->n, c->proof, c->proof_len, c->root) !=
	    HM_OK)
		c->failed = 1;
}

static void verify_consistency(void *arg)
{
	struct ctx *c = arg;

	if (hm_ct_verify_consistency(c->m, c->n, c->old_root, c->root, c->proof, c->proof_len) !=
	    HM_OK)
		c->failed = 1;
}

static void get_root(void *arg)
{
	struct ctx *c = arg;
	uint8_t r[HM_CT_HASH_LEN];

	if (hm_ct_log_root(c->log, 1 + next(c) % c->n, r) != HM_OK)
		c->failed = 1;
}

static void read_tile(void *arg)
{
	struct ctx *c = arg;
	uint64_t full = (c->n >> (HM_CT_TILE_HEIGHT * c->tile_level)) / HM_CT_TILE_WIDTH;
	struct hm_ct_tile t = { c->tile_entries, c->tile_level, next(c) % full, HM_CT_TILE_WIDTH };

	c->buf.len = 0;
	if (hm_ct_tile_read(c->log, c->n, &t, &c->buf) != HM_OK)
		c->failed = 1;
}

static void sign_checkpoint(void *arg)
{
	struct ctx *c = arg;

	c->note.len = 0;
	if (hm_ct_checkpoint_sign(c->log, c->n, "bench.example/log", &c->signer, &c->note) != HM_OK)
		c->failed = 1;
}

static void open_checkpoint(void *arg)
{
	struct ctx *c = arg;
	struct hm_ct_checkpoint cp;

	if (hm_ct_checkpoint_open(&cp, (const char *)c->note.data, c->note.len, "bench.example/log",
	                          &c->signer.vkey, 1) != HM_OK)
		c->failed = 1;
}

/* The bare signature over the same text, for comparison. */
static void sign_raw(void *arg)
{
	struct ctx *c = arg;

	hm_ed25519_sign(c->sig, c->signer.seed, c->signer.vkey.pk, c->buf.data, c->buf.len);
}

static void verify_raw(void *arg)
{
	struct ctx *c = arg;

	if (hm_ed25519_verify(c->sig, c->signer.vkey.pk, c->buf.data, c->buf.len) != HM_OK)
		c->failed = 1;
}

/* Tiles per second and checkpoint operations per second; prints its lines. */
static int bench_tiles(struct ctx *c)
{
	double t_l0, t_l1, t_bundle, t_sign, t_open, t_rsign, t_rverify;
	uint8_t sk[64];
	size_t text_len;
	int rc;

	hm_buf_init(&c->buf);
	hm_buf_init(&c->note);
	c->tile_level = 0;
	c->tile_entries = 0;
	t_l0 = bench_median_ns(read_tile, c, 100);
	c->tile_level = 1;
	t_l1 = c->n >= 65536 ? bench_median_ns(read_tile, c, 100) : 0;
	c->tile_level = 0;
	c->tile_entries = 1;
	t_bundle = bench_median_ns(read_tile, c, 100);

	memset(sk, 0x5a, 32);
	hm_ed25519_public_key(sk + 32, sk);
	rc = hm_ct_note_signer_init(&c->signer, "bench.example/log", HM_SIG_ED25519, sk,
	                            sizeof(sk));
	if (rc != HM_OK)
		return rc;
	t_sign = bench_median_ns(sign_checkpoint, c, 50);
	t_open = bench_median_ns(open_checkpoint, c, 50);
	rc = hm_ct_note_verify((const char *)c->note.data, c->note.len, &c->signer.vkey, 1,
	                       &text_len);
	c->buf.len = 0;
	if (rc == HM_OK)
		rc = hm_buf_append(&c->buf, c->note.data, text_len);
	if (rc != HM_OK)
		return rc;
	t_rsign = bench_median_ns(sign_raw, c, 50);
	t_rverify = bench_median_ns(verify_raw, c, 50);
	hm_ct_note_signer_wipe(&c->signer);
	hm_buf_free(&c->buf);
	hm_buf_free(&c->note);
	if (c->failed)
		return HM_ERR_VERIFY;

	printf("tlog-tiles reads from the same log (tiles per second, median):\n");
	printf("  full hash tile, level 0 (8 KiB) %10.0f tiles/s (%.2f us)\n", 1e9 / t_l0,
	       t_l0 / 1e3);
	if (t_l1 > 0)
		printf("  full hash tile, level 1 (8 KiB) %10.0f tiles/s (%.2f us)\n", 1e9 / t_l1,
		       t_l1 / 1e3);
	printf("  full entry bundle (%d entries)  %10.0f bundles/s (%.2f us)\n", HM_CT_TILE_WIDTH,
	       1e9 / t_bundle, t_bundle / 1e3);
	printf("checkpoints (Ed25519 signed notes):\n");
	printf("  sign (root lookup + note)       %10.0f /s (%.2f us)\n", 1e9 / t_sign,
	       t_sign / 1e3);
	printf("  verify + parse                  %10.0f /s (%.2f us)\n", 1e9 / t_open,
	       t_open / 1e3);
	printf("  bare Ed25519 sign, same text    %10.0f /s (%.2f us)\n", 1e9 / t_rsign,
	       t_rsign / 1e3);
	printf("  bare Ed25519 verify, same text  %10.0f /s (%.2f us)\n", 1e9 / t_rverify,
	       t_rverify / 1e3);
	return HM_OK;
}

static int build(struct ctx *c, double *batched_per_s, double *single_per_s)
{
	static uint8_t data[BATCH][LEAF_LEN];
	static struct hm_ct_leaf leaves[BATCH];
	uint64_t start, i = 0;
	int rc;

	for (size_t j = 0; j < BATCH; j++)
		leaves[j] = (struct hm_ct_leaf){ data[j], LEAF_LEN };
	start = hm_clock_mono_ns();
	while (i < c->n - UNBATCHED) {
		size_t k = c->n - UNBATCHED - i < BATCH ? (size_t)(c->n - UNBATCHED - i) : BATCH;
		for (size_t j = 0; j < k; j++)
			memcpy(data[j], &(uint64_t){ i + j }, sizeof(uint64_t));
		rc = hm_ct_log_append_batch(c->log, leaves, k, NULL);
		if (rc != HM_OK)
			return rc;
		i += k;
	}
	*batched_per_s = (double)i * 1e9 / (double)(hm_clock_mono_ns() - start);
	start = hm_clock_mono_ns();
	for (; i < c->n; i++) {
		memcpy(data[0], &i, sizeof(i));
		rc = hm_ct_log_append(c->log, data[0], LEAF_LEN, NULL);
		if (rc != HM_OK)
			return rc;
	}
	*single_per_s = UNBATCHED * 1e9 / (double)(hm_clock_mono_ns() - start);
	return HM_OK;
}

int main(int argc, char **argv)
{
	static struct ctx c;
	char dir[256], path[300], lock[310];
	const char *tmp = getenv("TMPDIR");
	double batched, single, t_gi, t_gc, t_vi, t_vc, t_root;
	uint64_t t0 = hm_clock_mono_ns();
	int rc;

	c.n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	if (c.n < 2 * UNBATCHED) {
		fprintf(stderr, "bench_ct: the log needs at least %d entries\n", 2 * UNBATCHED);
		return 1;
	}
	c.rng = 0x9e3779b97f4a7c15;
	snprintf(dir, sizeof(dir), "%s/hm-bench-ct-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("bench_ct: mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/log.mdb", dir);
	snprintf(lock, sizeof(lock), "%s-lock", path);
	rc = hm_ct_log_open(path, HM_CT_LOG_CREATE, (size_t)4 << 30, &c.log);
	if (rc == HM_OK)
		rc = build(&c, &batched, &single);
	if (rc != HM_OK) {
		fprintf(stderr, "bench_ct: %s\n", hm_strerror(rc));
		goto out;
	}

	t_gi = bench_median_ns(gen_inclusion, &c, 200);
	t_gc = bench_median_ns(gen_consistency, &c, 200);
	t_root = bench_median_ns(get_root, &c, 200);
	/* One proof each, verified over and over. */
	c.index = next(&c) % c.n;
	c.m = 1 + next(&c) % (c.n - 1);
	rc = hm_ct_log_root(c.log, c.n, c.root);
	if (rc == HM_OK)
		rc = hm_ct_log_leaf_hash(c.log, c.index, c.leaf);
	if (rc == HM_OK)
		rc = hm_ct_log_inclusion_proof(c.log, c.index, c.n, c.proof, HM_CT_PROOF_MAX,
		                               &c.proof_len);
	if (rc != HM_OK)
		goto out;
	t_vi = bench_median_ns(verify_inclusion, &c, 200);
	rc = hm_ct_log_root(c.log, c.m, c.old_root);
	if (rc == HM_OK)
		rc = hm_ct_log_consistency_proof(c.log, c.m, c.n, c.proof, HM_CT_PROOF_MAX,
		                                 &c.proof_len);
	if (rc != HM_OK)
		goto out;
	t_vc = bench_median_ns(verify_consistency, &c, 200);
	if (c.failed) {
		fprintf(stderr, "bench_ct: a proof failed\n");
		rc = HM_ERR_VERIFY;
		goto out;
	}

	printf("ct log: %" PRIu64 " leaves of %d bytes in LMDB (durable commits)\n", c.n, LEAF_LEN);
	printf("  append, %d per transaction   %10.0f appends/s\n", BATCH, batched);
	printf("  append, 1 per transaction      %10.0f appends/s\n", single);
	printf("  root of a past size            %10.2f us (median)\n", t_root / 1e3);
	printf("  inclusion proof, generate      %10.2f us (median)\n", t_gi / 1e3);
	printf("  inclusion proof, verify        %10.2f us (median)\n", t_vi / 1e3);
	printf("  consistency proof, generate    %10.2f us (median)\n", t_gc / 1e3);
	printf("  consistency proof, verify      %10.2f us (median)\n", t_vc / 1e3);
	rc = bench_tiles(&c);
	if (rc != HM_OK) {
		fprintf(stderr, "bench_ct: tiles/checkpoints: %s\n", hm_strerror(rc));
		goto out;
	}
	printf("reference (published, not measured here):\n");
	printf("  TesseraCT  ~10,000 writes/s on 7 cores with NVMe\n");
	printf("  Sunlight   ~75 submissions/s per production log\n");
	printf("total run %.1f s\n", (double)(hm_clock_mono_ns() - t0) / 1e9);
out:
	hm_ct_log_close(c.log);
	unlink(path);
	unlink(lock);
	rmdir(dir);
	return rc == HM_OK ? 0 : 1;
}
