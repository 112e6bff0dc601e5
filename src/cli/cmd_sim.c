/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE /* getopt_long */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cli_args.h"
#include "hypermesh/bft_sim.h"
#include "hypermesh/error.h"

static int sim_run(const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option options[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "nodes", required_argument, NULL, 'n' },
		{ "steps", required_argument, NULL, 'k' },
		{ "faults", required_argument, NULL, 'f' },
		{ "sig-policy", required_argument, NULL, 'p' },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct hm_bft_sim_config cfg = { .nodes = 4, .steps = 10000 };
	struct hm_bft_sim_result res;
	const char *faults = "none";
	uint64_t v;
	int opt, stop = 0, have_seed = 0, rc;

	while ((opt = getopt_long(argc, argv, ":s:n:k:f:p:" CLI_COMMON_SHORT_OPTIONS, options,
	                          NULL)) != -1) {
		switch (opt) {
		case 's':
			if (cli_number(optarg, 0, UINT64_MAX, &cfg.seed) != 0)
				return cli_usage_error(cmd, "invalid seed '%s'", optarg);
			have_seed = 1;
			break;
		case 'n':
			if (cli_option_number(cmd, "--nodes", optarg, 1, HM_BFT_MAX_VALIDATORS,
			                      &v) != CLI_OK)
				return CLI_USAGE;
			cfg.nodes = (uint16_t)v;
			break;
		case 'k':
			if (cli_option_number(cmd, "--steps", optarg, 1, 100000000, &cfg.steps) !=
			    CLI_OK)
				return CLI_USAGE;
			break;
		case 'f':
			faults = optarg;
			if (hm_bft_fault_parse(optarg, &cfg.faults) != HM_OK)
				return cli_usage_error(cmd, "unknown fault class '%s'", optarg);
			break;
		case 'p':
			if (hm_bft_policy_parse(optarg, &cfg.sig_policy) != HM_OK)
				return cli_usage_error(cmd, "unknown signature policy '%s'",
				                       optarg);
			break;
		default:
			if ((rc = cli_other_option(cmd, opt, argv, &stop)) >= 0)
				return rc;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!have_seed)
		return cli_usage_error(cmd, "--seed is required");
	rc = hm_bft_sim_run(&cfg, &res);
	if (rc != HM_OK) {
		cli_error(cmd, "simulation failed: %s", hm_strerror(rc));
		return CLI_FAILURE;
	}
	printf("seed=%" PRIu64 " nodes=%u faults=%s steps=%" PRIu64 " virtual_ms=%" PRIu64
	       " height=%" PRIu64 " min_height=%" PRIu64 " view=%" PRIu64 " messages=%" PRIu64
	       " dropped=%" PRIu64 " duplicated=%" PRIu64 " crashes=%" PRIu64 " partitions=%" PRIu64
	       " evidence=%" PRIu64 " rejected=%" PRIu64 " txs=%" PRIu64
	       " evidence_committed=%" PRIu64 " wrong_shape=%" PRIu64 " sig_policy=%s\n",
	       cfg.seed, cfg.nodes, faults, res.step, res.virtual_ms, res.max_height,
	       res.min_height, res.max_view, res.messages, res.dropped, res.duplicated, res.crashes,
	       res.partitions, res.evidence, res.rejected, res.txs_committed,
	       res.evidence_committed, res.wrong_shape, hm_bft_policy_name(cfg.sig_policy));
	if (!res.ok) {
		cli_error(cmd, "invariant %s violated at step %" PRIu64 " (seed %" PRIu64 "): %s",
		          res.invariant, res.step, cfg.seed, res.detail);
		return CLI_FAILURE;
	}
	return CLI_OK;
}

const struct cli_command cli_cmd_sim = {
	.name = "sim",
	.summary = "run the deterministic BFT cluster simulator",
	.usage = "usage: hypermesh sim --seed S [--nodes N] [--steps K] [--faults CLASS]\n"
	         "                     [--sig-policy ed25519|hybrid]\n"
	         "\n"
	         "Runs N consensus replicas (default 4) in one process over a seeded virtual\n"
	         "network for K events (default 10000), injecting faults during the first\n"
	         "60% of the run, then healing. Checks agreement, validity, durability and\n"
	         "liveness after every event. Prints one summary line; exits 0 if every\n"
	         "invariant held, 2 (naming the invariant, step and seed) otherwise.\n"
	         "The same arguments always give the same run.\n"
	         "\n"
	         "  -s, --seed S           PRNG seed (required)\n"
	         "  -n, --nodes N          replicas, 1..32 (default 4)\n"
	         "  -k, --steps K          events to simulate (default 10000)\n"
	         "  -f, --faults CLASS     none (default), all, delay, loss, dup, reorder,\n"
	         "                         partition, crash, byzantine\n"
	         "  -p, --sig-policy P     ed25519 (default) or hybrid: every proposal, vote\n"
	         "                         and timeout also carries an ML-DSA-87 signature\n"
	         "                         (docs/CONSENSUS.md)\n" CLI_COMMON_USAGE,
	.run = sim_run,
};
