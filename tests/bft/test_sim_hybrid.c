/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The simulator under the hybrid signature policy (Ed25519 + ML-DSA-87 on
 * every proposal, vote and timeout): safety, liveness and evidence under the
 * hardest fault classes. A separate executable from test_sim so ctest runs
 * the two side by side and the simulator's CI time does not grow.
 */
#include "sim_seeds.h"

/*
 * The hybrid policy under faults: every proposal, vote and timeout carries
 * an ML-DSA-87 signature too (about 3x the CPU of an ed25519 run), so a
 * handful of seeds of the hardest classes.
 */
static void test_hybrid_faults(void)
{
	if (SIM_SANITIZED) {
		/* One Byzantine run, long enough for a healed phase of 320 events. */
		CHECK(run_policy_seeds("byzantine", 7000, 1, 4, 800, HM_BFT_POLICY_HYBRID) > 0);
		return;
	}
	CHECK(run_policy_seeds("byzantine", 7000, 3, 4, 1500, HM_BFT_POLICY_HYBRID) > 0);
	run_policy_seeds("all", 7100, 3, 4, 1500, HM_BFT_POLICY_HYBRID);
	run_policy_seeds("all", 7200, 1, 7, 1500, HM_BFT_POLICY_HYBRID);
}

TEST_MAIN(test_hybrid_faults)
