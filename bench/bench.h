/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Minimal benchmark support: run a function repeatedly in timed batches and
 * report the median batch, which is robust to the noise of shared machines.
 */
#ifndef HYPERMESH_BENCH_H
#define HYPERMESH_BENCH_H

#include <stdint.h>
#include <stdlib.h>

#include "hypermesh/clock.h"

#define BENCH_BATCHES 31

static int bench__cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Median nanoseconds per call of fn(arg), over BENCH_BATCHES batches of iters calls. */
static inline double bench_median_ns(void (*fn)(void *), void *arg, unsigned iters)
{
	uint64_t t[BENCH_BATCHES];

	fn(arg); /* warm caches */
	for (int b = 0; b < BENCH_BATCHES; b++) {
		uint64_t start = hm_clock_mono_ns();
		for (unsigned i = 0; i < iters; i++)
			fn(arg);
		t[b] = hm_clock_mono_ns() - start;
	}
	qsort(t, BENCH_BATCHES, sizeof(t[0]), bench__cmp);
	return (double)t[BENCH_BATCHES / 2] / iters;
}

#endif
