/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The four proofs: the cost to produce and to verify each (docs/PROOFS.md),
 * medians of timed batches, beside two references measured in the same run:
 * one SHA3-256 of 40 bytes (PoWork's unit) and one Ed25519 verification
 * (PoStake's floor).
 *
 *   PoWork   solve at 8/12/16/20 bits (mean over many digests: the cost is
 *            geometric, 2^bits hashes expected) and verify (one hash);
 *   PoSpace  plot creation (MiB/s), prove and verify, 1 MiB and 32 MiB plots;
 *   PoStake  verify (classical chain of 2 + root, Ed25519, state read);
 *   PoTime   verify with a cache hit, and without (a full VDF verification),
 *            and VDF evaluation per iteration;
 *   whole    hm_proofs_validate of one operation, VDF cached (the steady state).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>

#include "../src/proofs/proofs_internal.h"
#include "../tests/proofs/proofs_fixture.h"
#include "bench.h"

static struct fx F;
static struct hm_envelope env;
static uint8_t digest[32];
static struct hm_proof_set ps;
static struct hm_buf bytes, space;
static struct hm_plot_commitment big_c;
static struct hm_plot *big;
static uint8_t anchor[32];
static volatile unsigned sink;

static void b_sha3(void *a)
{
	uint8_t h[32];
	(void)a;
	hm_sha3_256(h, digest, 40);
	sink += h[0];
}

static void b_ed25519(void *a)
{
	(void)a;
	sink += (unsigned)hm_sig_verify(HM_SIG_ED25519, F.leaf_key.sk + 32, 32, env.ed25519_sig, 64,
	                                digest, 32);
}

static void b_work_verify(void *a)
{
	(void)a;
	sink += hm_work_bits(digest, ps.work_nonce);
}

static void b_space_prove(void *a)
{
	struct hm_plot *p = a;
	struct hm_buf out;

	hm_buf_init(&out);
	sink += (unsigned)hm_plot_prove(p, anchor, digest, &out);
	hm_buf_free(&out);
}

static void b_space_verify(void *a)
{
	const struct hm_plot_commitment *c = a;
	enum hm_proof_reason why;

	sink += (unsigned)hm_space_verify(c, anchor, digest, space.data, space.len, &why);
}

/* The one-hash-at-a-time reference of the same check, for the four-way speedup. */
static void b_space_verify_scalar(void *a)
{
	const struct hm_plot_commitment *c = a;
	enum hm_proof_reason why;

	sink += (unsigned)proofs_space_verify_scalar(c, anchor, digest, space.data, space.len,
	                                             &why);
}

static void b_stake(void *a)
{
	struct hm_proof_params params = F.params;
	enum hm_proof_reason why;
	uint8_t signer[32];
	int known;

	(void)a;
	sink += (unsigned)proofs_stake_verify(&env, digest, &F.ctx, &params, signer, &known, &why);
}

static void b_time_cached(void *a)
{
	enum hm_proof_reason why;

	(void)a;
	sink += (unsigned)proofs_time_verify(&ps, &env, &F.ctx, &F.params, &why);
}

static void b_time_uncached(void *a)
{
	struct hm_proofs_context ctx = F.ctx;
	enum hm_proof_reason why;

	(void)a;
	ctx.vdf_cache = NULL;
	sink += (unsigned)proofs_time_verify(&ps, &env, &ctx, &F.params, &why);
}

static void b_validate(void *a)
{
	struct hm_proofs_result res;
	struct hm_envelope e;
	uint8_t d[32];

	(void)a;
	sink += (unsigned)hm_envelope_decode(&e, d, bytes.data, bytes.len);
	sink += (unsigned)hm_proofs_validate(&e, d, &F.ctx, &res);
}

static void work_solve(unsigned bits, unsigned digests)
{
	uint64_t start = hm_clock_mono_ns(), tries = 0;

	for (unsigned i = 0; i < digests; i++) {
		uint8_t d[32] = { 0 };
		uint64_t nonce;

		d[0] = (uint8_t)i;
		d[1] = (uint8_t)(i >> 8);
		d[2] = (uint8_t)bits;
		if (hm_work_solve(d, bits, 0, 0, &nonce) != HM_OK)
			return;
		tries += nonce + 1;
	}
	printf("powork solve %2u bits      %12.1f us  (mean of %u digests, %.0f hashes each; 2^%u "
	       "= %.0f expected)\n",
	       bits, (double)(hm_clock_mono_ns() - start) / 1e3 / digests, digests,
	       (double)tries / digests, bits, (double)(1u << bits));
}

static int make_big_plot(char *dir, unsigned log2, double *mib_s)
{
	uint8_t id[32];
	uint64_t t0;

	strcpy(dir, "/tmp/hm-bench-plot-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	fx_key_id(&F.leaf_key, id);
	t0 = hm_clock_mono_ns();
	if (hm_plot_create(dir, id, log2, NULL, NULL, &big_c) != HM_OK ||
	    hm_plot_open(dir, &big) != HM_OK)
		return -1;
	*mib_s = (double)((32ull << log2) >> 20) / ((double)(hm_clock_mono_ns() - t0) / 1e9);
	return 0;
}

int main(void)
{
	char dir[64];
	double mib_s, ns, sha3_ns, ed_ns;
	uint8_t input[HM_TIME_VDF_INPUT_LEN];
	struct hm_buf proof;
	uint64_t t0;

	if (fx_init(&F) != 0) {
		fprintf(stderr, "bench_proofs: fixture failed\n");
		return 1;
	}
	hm_buf_init(&bytes);
	hm_buf_init(&space);
	if (fx_build(&F, &(struct fx_op){ 0 }, &bytes) != HM_OK ||
	    hm_envelope_decode(&env, digest, bytes.data, bytes.len) != HM_OK ||
	    hm_proof_set_decode(&ps, env.proofs, env.proofs_len) != HM_OK)
		return 1;
	memcpy(anchor, ps.anchor_hash, 32);

	sha3_ns = bench_median_ns(b_sha3, NULL, 2000);
	ed_ns = bench_median_ns(b_ed25519, NULL, 200);
	printf("reference sha3-256 (40 B)   %12.3f us\n", sha3_ns / 1e3);
	printf("reference ed25519 verify    %12.3f us\n", ed_ns / 1e3);

	work_solve(8, 400);
	work_solve(12, 100);
	work_solve(16, 20);
	work_solve(20, 4);
	ns = bench_median_ns(b_work_verify, NULL, 2000);
	printf("powork verify               %12.3f us  (%.1fx one sha3)\n", ns / 1e3, ns / sha3_ns);

	for (unsigned log2 = 15; log2 <= 20; log2 += 5) {
		struct hm_buf tmp;

		if (make_big_plot(dir, log2, &mib_s) != 0)
			return 1;
		hm_buf_init(&tmp);
		if (hm_plot_prove(big, anchor, digest, &tmp) != HM_OK)
			return 1;
		hm_buf_free(&space);
		space = tmp;
		printf("pospace plot %4llu MiB        %12.1f MiB/s of labels (+ tree)\n",
		       (32ull << log2) >> 20, mib_s);
		ns = bench_median_ns(b_space_prove, big, 20);
		printf("pospace prove %4llu MiB       %12.1f us  (%zu bytes, %u openings)\n",
		       (32ull << log2) >> 20, ns / 1e3, space.len, HM_SPACE_CHALLENGES);
		ns = bench_median_ns(b_space_verify, &big_c, 50);
		printf("pospace verify %4llu MiB      %12.1f us  (%.0f sha3)\n",
		       (32ull << log2) >> 20, ns / 1e3, ns / sha3_ns);
		{
			double scalar = bench_median_ns(b_space_verify_scalar, &big_c, 50);

			printf("pospace verify %4llu MiB, one hash at a time %8.1f us  (four-way: "
			       "%.2fx)\n",
			       (32ull << log2) >> 20, scalar / 1e3, scalar / ns);
		}
		hm_plot_close(big);
		fx_rm(dir, "plot.labels");
		fx_rm(dir, "plot.tree");
		fx_rm(dir, "plot.meta");
		rmdir(dir);
	}

	ns = bench_median_ns(b_stake, NULL, 50);
	printf("postake verify              %12.1f us  (%.1fx one ed25519 verify)\n", ns / 1e3,
	       ns / ed_ns);

	ns = bench_median_ns(b_time_uncached, NULL, 5);
	printf("potime verify, no cache     %12.1f us  (T = %u; a full VDF verification)\n",
	       ns / 1e3, FX_T);
	(void)b_time_cached;
	hm_vdf_cache_init(&F.cache);
	b_time_cached(NULL);
	ns = bench_median_ns(b_time_cached, NULL, 200);
	printf("potime verify, cache hit    %12.3f us\n", ns / 1e3);

	hm_time_vdf_input(F.chain_id, anchor, input);
	hm_buf_init(&proof);
	t0 = hm_clock_mono_ns();
	if (hm_vdf_eval(input, sizeof(input), 20000, &proof, NULL, NULL) != HM_OK)
		return 1;
	printf("potime produce (vdf eval)   %12.1f us per iteration (T = 20000: %.2f s)\n",
	       (double)(hm_clock_mono_ns() - t0) / 1e3 / 20000,
	       (double)(hm_clock_mono_ns() - t0) / 1e9);
	hm_buf_free(&proof);

	ns = bench_median_ns(b_validate, NULL, 20);
	printf("validate one operation      %12.1f us  (decode + all four, VDF cached)\n",
	       ns / 1e3);
	hm_buf_free(&bytes);
	hm_buf_free(&space);
	fx_free(&F);
	return 0;
}
