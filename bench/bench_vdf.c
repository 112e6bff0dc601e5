/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The class-group VDF: squarings per second in the 1024-bit group (the
 * sequential work), NUCOMP multiplications per second, evaluation (squarings
 * plus proof) and verification times for a few T, and the proof size.
 *
 * Reference: Chia's fastest software timelord, about 360,000 iterations/s in
 * a 1024-bit class group (a published figure; Chia's code is not run here).
 * The ratio printed is ours / reference.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../src/proofs/vdf_internal.h"
#include "bench.h"
#include "hypermesh/error.h"
#include "hypermesh/vdf.h"

#define CHIA_ITERATIONS_PER_S 360000.0

struct group_bench {
	struct hm_cg cg;
	struct hm_form x, y;
};

static void one_square(void *arg)
{
	struct group_bench *g = arg;
	hm_cg_square(&g->cg, &g->x, &g->x);
}

static void one_mul(void *arg)
{
	struct group_bench *g = arg;
	hm_cg_mul(&g->cg, &g->x, &g->x, &g->y);
}

/* CPU time of this thread: on a shared machine, less disturbed than wall time. */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b);

/* Median CPU nanoseconds per call over BENCH_BATCHES batches of iters calls. */
static double cpu_median_ns(void (*fn)(void *), void *arg, unsigned iters)
{
	uint64_t t[BENCH_BATCHES];

	for (int b = 0; b < BENCH_BATCHES; b++) {
		uint64_t start = cpu_ns();
		for (unsigned i = 0; i < iters; i++)
			fn(arg);
		t[b] = cpu_ns() - start;
	}
	qsort(t, BENCH_BATCHES, sizeof(t[0]), cmp_u64);
	return (double)t[BENCH_BATCHES / 2] / iters;
}

static uint64_t disc_counter;

static void one_discriminant(void *arg)
{
	mpz_ptr d = arg;
	uint8_t in[8];

	for (int i = 0; i < 8; i++)
		in[i] = (uint8_t)(disc_counter >> (8 * i));
	disc_counter++;
	hm_vdf__discriminant(d, in, sizeof(in));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static uint64_t median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(v[0]), cmp_u64);
	return v[n / 2];
}

int main(void)
{
	static const uint8_t input[] = "bench";
	static const struct {
		uint64_t t;
		unsigned runs;
	} evals[] = { { 10000, 5 }, { 100000, 3 }, { 1000000, 1 } };
	struct group_bench g;
	mpz_t disc;
	uint64_t times[16], cpu_times[16];

	mpz_init(disc);
	hm_vdf__discriminant(disc, input, sizeof(input) - 1);
	hm_cg_init(&g.cg, disc);
	hm_form_init(&g.x);
	hm_form_init(&g.y);
	hm_cg_generator(&g.cg, &g.x);
	for (int i = 0; i < 1000; i++)
		hm_cg_square(&g.cg, &g.x, &g.x);
	hm_form_set(&g.y, &g.x);
	hm_cg_square(&g.cg, &g.y, &g.y);

	double sq_ns = bench_median_ns(one_square, &g, 4000);
	double sq_cpu_ns = cpu_median_ns(one_square, &g, 4000);
	double mul_ns = bench_median_ns(one_mul, &g, 1000);
	double mul_cpu_ns = cpu_median_ns(one_mul, &g, 1000);
	printf("vdf: class group of a %d-bit discriminant, median of %d batches "
	       "(wall clock | thread CPU time)\n",
	       HM_VDF_DISC_BITS, BENCH_BATCHES);
	printf("  squaring (NUDUPL)      %8.0f /s (%.2f us) | %8.0f /s (%.2f us)\n", 1e9 / sq_ns,
	       sq_ns / 1e3, 1e9 / sq_cpu_ns, sq_cpu_ns / 1e3);
	printf("  composition (NUCOMP)   %8.0f /s (%.2f us) | %8.0f /s (%.2f us)\n", 1e9 / mul_ns,
	       mul_ns / 1e3, 1e9 / mul_cpu_ns, mul_cpu_ns / 1e3);
	printf("  reference: Chia software timelord %.0f iterations/s (published, not run here)\n"
	       "  ratio ours/reference: %.2f (wall) | %.2f (CPU)\n",
	       CHIA_ITERATIONS_PER_S, 1e9 / sq_ns / CHIA_ITERATIONS_PER_S,
	       1e9 / sq_cpu_ns / CHIA_ITERATIONS_PER_S);
	double disc_ns = bench_median_ns(one_discriminant, disc, 3);
	double disc_cpu_ns = cpu_median_ns(one_discriminant, disc, 3);
	printf("  discriminant from input (hash to 1024-bit prime) %.2f ms | %.2f ms CPU\n",
	       disc_ns / 1e6, disc_cpu_ns / 1e6);

	printf("  proof size                      %10d bytes\n", HM_VDF_PROOF_LEN);
	for (size_t e = 0; e < sizeof(evals) / sizeof(evals[0]); e++) {
		struct hm_buf proof;
		uint64_t t = evals[e].t, start;
		unsigned runs = evals[e].runs;

		for (unsigned r = 0; r < runs; r++) {
			hm_buf_init(&proof);
			start = hm_clock_mono_ns();
			uint64_t cpu_start = cpu_ns();
			if (hm_vdf_eval(input, sizeof(input) - 1, t, &proof, NULL, NULL) != HM_OK) {
				fprintf(stderr, "bench_vdf: eval failed\n");
				return 1;
			}
			times[r] = hm_clock_mono_ns() - start;
			cpu_times[r] = cpu_ns() - cpu_start;
			if (r + 1 < runs)
				hm_buf_free(&proof);
		}
		double eval_s = (double)median(times, runs) / 1e9;
		double eval_cpu_s = (double)median(cpu_times, runs) / 1e9;
		for (unsigned r = 0; r < 11; r++) {
			start = hm_clock_mono_ns();
			uint64_t cpu_start = cpu_ns();
			int rc = hm_vdf_verify(input, sizeof(input) - 1, t, proof.data, proof.len);
			times[r] = hm_clock_mono_ns() - start;
			cpu_times[r] = cpu_ns() - cpu_start;
			if (rc != HM_OK) {
				fprintf(stderr, "bench_vdf: verify failed: %s\n", hm_strerror(rc));
				return 1;
			}
		}
		double verify_ms = (double)median(times, 11) / 1e6;
		double verify_cpu_ms = (double)median(cpu_times, 11) / 1e6;
		/* the proof's share: CPU time beyond T squarings at the measured CPU rate */
		double overhead = eval_cpu_s / ((double)t * sq_cpu_ns / 1e9) - 1.0;
		printf("  T = %-8" PRIu64
		       " eval %7.3f s wall, %7.3f s CPU (%6.0f it/s CPU; proof and "
		       "setup +%.0f%%; median of %u)\n"
		       "               verify %5.2f ms wall, %5.2f ms CPU (median of 11)\n",
		       t, eval_s, eval_cpu_s, (double)t / eval_cpu_s, overhead * 100.0, runs,
		       verify_ms, verify_cpu_ms);
		hm_buf_free(&proof);
	}
	hm_form_free(&g.x);
	hm_form_free(&g.y);
	hm_cg_free(&g.cg);
	mpz_clear(disc);
	return 0;
}
