/* SPDX-License-Identifier: Apache-2.0 */
/* Running the simulator over a range of seeds (tests/bft/test_sim*.c). */
#ifndef HYPERMESH_TEST_SIM_SEEDS_H
#define HYPERMESH_TEST_SIM_SEEDS_H

#include <stdio.h>
#include <string.h>

#include "hypermesh/bft_sim.h"
#include "test.h"

/*
 * Sanitizer builds (make asan: Debug, ASan+UBSan) run ML-DSA-87 about 50x
 * slower; tests that sign with it run fewer events there.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SIM_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_SANITIZED 1
#endif
#endif
#ifndef SIM_SANITIZED
#define SIM_SANITIZED 0
#endif

/* Runs the seeds; returns the evidence records committed over all runs. */
static inline uint64_t run_policy_seeds(const char *fault, uint64_t first, int seeds,
                                        uint16_t nodes, uint64_t steps,
                                        enum hm_bft_sig_policy policy)
{
	struct hm_bft_sim_config c;
	struct hm_bft_sim_result r;
	uint64_t min_commits = UINT64_MAX, evidence = 0;

	memset(&c, 0, sizeof(c));
	CHECK_ERR(hm_bft_fault_parse(fault, &c.faults), HM_OK);
	c.nodes = nodes;
	c.steps = steps;
	c.sig_policy = policy;
	for (int i = 0; i < seeds; i++) {
		c.seed = first + (uint64_t)i;
		CHECK_ERR(hm_bft_sim_run(&c, &r), HM_OK);
		if (!r.ok) {
			fprintf(stderr, "faults=%s seed=%llu: invariant %s at step %llu: %s\n",
			        fault, (unsigned long long)c.seed, r.invariant,
			        (unsigned long long)r.step, r.detail);
			CHECK(r.ok);
		}
		if (r.min_height < min_commits)
			min_commits = r.min_height;
		/* Honest replicas only ever see messages of the policy's shape. */
		CHECK_EQ(r.wrong_shape, 0);
		evidence += r.evidence_committed;
	}
	/* Every honest replica of every run committed something. */
	CHECK(min_commits > 0);
	printf("faults=%s policy=%s seeds=%d nodes=%u steps=%llu: min height %llu, evidence "
	       "committed %llu\n",
	       fault, hm_bft_policy_name(policy), seeds, nodes, (unsigned long long)steps,
	       (unsigned long long)min_commits, (unsigned long long)evidence);
	return evidence;
}

#endif
