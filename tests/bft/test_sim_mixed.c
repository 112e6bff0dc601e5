/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The simulator's broad sweep: more than 500 seeds of mixed faults (delay,
 * loss, duplication, reordering, partitions, crashes with restarts and
 * Byzantine replicas, all in one run) with 4 and 7 replicas, every
 * invariant checked after every event. test_sim covers each fault class on
 * its own; this executable is the wide net, separate so that ctest runs it
 * beside the others. Sanitizer builds run a slice of it.
 */
#include "sim_seeds.h"

static void test_mixed_four(void)
{
	run_policy_seeds("all", 100000, SIM_SANITIZED ? 30 : 380, 4, 1000, HM_BFT_POLICY_ED25519);
}

static void test_mixed_seven(void)
{
	run_policy_seeds("all", 200000, SIM_SANITIZED ? 10 : 130, 7, 1200, HM_BFT_POLICY_ED25519);
}

TEST_MAIN(test_mixed_four, test_mixed_seven)
