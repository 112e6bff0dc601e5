/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The simulator over many seeds per fault class, its determinism, and proof
 * that its checker sees a fork: with an unsafe quorum the agreement invariant
 * must fail for some seed.
 */
#include <string.h>

#include "hypermesh/bft_sim.h"
#include "sim_seeds.h"
#include "test.h"

static uint64_t run_seeds(const char *fault, uint64_t first, int seeds, uint16_t nodes,
                          uint64_t steps)
{
	return run_policy_seeds(fault, first, seeds, nodes, steps, HM_BFT_POLICY_ED25519);
}

static void test_benign_faults(void)
{
	static const char *const classes[] = { "none", "delay", "loss", "dup", "reorder" };

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		run_seeds(classes[i], 1000, 8, 4, 1500);
}

static void test_crash(void)
{
	run_seeds("crash", 2000, 20, 4, 1500);
}

static void test_partition(void)
{
	run_seeds("partition", 3000, 20, 4, 1500);
}

static void test_byzantine(void)
{
	/* Equivocating and double-voting replicas end up in the chain's evidence
	 * (each run also checks that evidence found while faults were on is
	 * committed after healing, and that no record names an honest replica). */
	CHECK(run_seeds("byzantine", 4000, 25, 4, 1500) > 0);
}

static void test_all(void)
{
	run_seeds("all", 5000, 20, 4, 1500);
}

static void test_seven_nodes(void)
{
	run_seeds("all", 6000, 4, 7, 2500);
}

static void test_deterministic(void)
{
	struct hm_bft_sim_config c = { .seed = 77, .nodes = 4, .steps = 1200 };
	struct hm_bft_sim_result a, b;

	CHECK_ERR(hm_bft_fault_parse("all", &c.faults), HM_OK);
	CHECK_ERR(hm_bft_sim_run(&c, &a), HM_OK);
	CHECK_ERR(hm_bft_sim_run(&c, &b), HM_OK);
	CHECK(a.ok && b.ok);
	CHECK_EQ(a.virtual_ms, b.virtual_ms);
	CHECK_EQ(a.max_height, b.max_height);
	CHECK_EQ(a.messages, b.messages);
	CHECK_EQ(a.dropped, b.dropped);
	CHECK_EQ(a.evidence, b.evidence);
	c.seed = 78;
	CHECK_ERR(hm_bft_sim_run(&c, &b), HM_OK);
	CHECK(a.virtual_ms != b.virtual_ms || a.messages != b.messages);
}

/*
 * Quorum 3 of 7 (instead of 5): two sides of a long partition can each
 * certify and commit, so agreement must break for some seed, and that
 * failure must replay exactly. The same seed with the real quorum is safe.
 */
static void test_checker_catches_fork(void)
{
	struct hm_bft_sim_config c = {
		.nodes = 7, .steps = 3000, .quorum_override = 3, .partition_max_ms = 30000
	};
	struct hm_bft_sim_result r, again;
	int found = 0;

	CHECK_ERR(hm_bft_fault_parse("partition", &c.faults), HM_OK);
	for (c.seed = 1; c.seed <= 40 && !found; c.seed++) {
		CHECK_ERR(hm_bft_sim_run(&c, &r), HM_OK);
		found = !r.ok;
	}
	CHECK(found);
	if (!found)
		return;
	c.seed--;
	printf("unsafe quorum: seed %llu broke %s at step %llu: %s\n", (unsigned long long)c.seed,
	       r.invariant, (unsigned long long)r.step, r.detail);
	CHECK_STR(r.invariant, "agreement");
	CHECK_ERR(hm_bft_sim_run(&c, &again), HM_OK);
	CHECK(!again.ok);
	CHECK_EQ(again.step, r.step);
	CHECK_STR(again.detail, r.detail);
	c.quorum_override = 0;
	CHECK_ERR(hm_bft_sim_run(&c, &again), HM_OK);
	CHECK(again.ok);
}

/*
 * Honest replicas without the locking rule, one Byzantine replica that
 * proposes below the highest QC after a timeout (among other behaviours),
 * and message loss to cause timeouts: agreement must break for some seed,
 * and the same seed with the rule must be safe.
 */
static void test_checker_catches_missing_lock(void)
{
	struct hm_bft_sim_config c = { .nodes = 4,
		                       .steps = 3000,
		                       .faults = HM_BFT_FAULT_BYZANTINE | HM_BFT_FAULT_LOSS,
		                       .honest_flags = HM_BFT_TEST_NO_LOCK };
	struct hm_bft_sim_result r, again;
	int found = 0;

	for (c.seed = 1; c.seed <= 40 && !found; c.seed++) {
		CHECK_ERR(hm_bft_sim_run(&c, &r), HM_OK);
		found = !r.ok;
	}
	CHECK(found);
	if (!found)
		return;
	c.seed--;
	printf("no locking rule: seed %llu broke %s at step %llu: %s\n", (unsigned long long)c.seed,
	       r.invariant, (unsigned long long)r.step, r.detail);
	CHECK_STR(r.invariant, "agreement");
	CHECK_ERR(hm_bft_sim_run(&c, &again), HM_OK);
	CHECK(!again.ok && again.step == r.step);
	c.honest_flags = 0;
	CHECK_ERR(hm_bft_sim_run(&c, &again), HM_OK);
	CHECK(again.ok);
}

static void test_bad_config(void)
{
	struct hm_bft_sim_config c = { .seed = 1, .nodes = 0, .steps = 10 };
	struct hm_bft_sim_result r;
	uint32_t m;

	CHECK_ERR(hm_bft_sim_run(&c, &r), HM_ERR_INVALID);
	c.nodes = HM_BFT_MAX_VALIDATORS + 1;
	CHECK_ERR(hm_bft_sim_run(&c, &r), HM_ERR_INVALID);
	c.nodes = 4;
	c.faults = 1u << 20;
	CHECK_ERR(hm_bft_sim_run(&c, &r), HM_ERR_INVALID);
	c.faults = 0;
	c.quorum_override = 5;
	CHECK_ERR(hm_bft_sim_run(&c, &r), HM_ERR_INVALID);
	CHECK_ERR(hm_bft_fault_parse("sometimes", &m), HM_ERR_INVALID);
	CHECK_ERR(hm_bft_fault_parse("all", &m), HM_OK);
	CHECK_EQ(m, HM_BFT_FAULT_ALL);
}

TEST_MAIN(test_benign_faults, test_crash, test_partition, test_byzantine, test_all,
          test_seven_nodes, test_deterministic, test_checker_catches_fork,
          test_checker_catches_missing_lock, test_bad_config)
