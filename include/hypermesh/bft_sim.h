/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The deterministic cluster simulator for the BFT core (docs/CONSENSUS.md
 * §8): n replicas in one process over a seeded virtual network, with fault
 * injection and invariants checked after every step. The same configuration
 * always produces the same run, so a failing seed is a reproducible bug.
 */
#ifndef HYPERMESH_BFT_SIM_H
#define HYPERMESH_BFT_SIM_H

#include <stdint.h>

#include "hypermesh/bft.h"

enum hm_bft_fault {
	HM_BFT_FAULT_DELAY = 1u << 0,
	HM_BFT_FAULT_LOSS = 1u << 1,
	HM_BFT_FAULT_DUP = 1u << 2,
	HM_BFT_FAULT_REORDER = 1u << 3,
	HM_BFT_FAULT_PARTITION = 1u << 4,
	HM_BFT_FAULT_CRASH = 1u << 5,
	HM_BFT_FAULT_BYZANTINE = 1u << 6,
	HM_BFT_FAULT_ALL = (1u << 7) - 1,
};

/*
 * Parses a fault class: "none", "all", "delay", "loss", "dup", "reorder",
 * "partition", "crash", "byzantine". HM_OK or HM_ERR_INVALID.
 */
int hm_bft_fault_parse(const char *name, uint32_t *mask);

struct hm_bft_sim_config {
	uint64_t seed;
	uint16_t nodes;  /* 1..HM_BFT_MAX_VALIDATORS */
	uint64_t steps;  /* events to process */
	uint32_t faults; /* enum hm_bft_fault */
	/* Test-only knobs that make the cluster unsafe, to show the checker bites. */
	uint16_t quorum_override;          /* 0: n - f */
	uint32_t honest_flags;             /* e.g. HM_BFT_TEST_NO_LOCK for every replica */
	uint16_t byzantine;                /* with HM_BFT_FAULT_BYZANTINE: how many (0: f) */
	uint64_t liveness_bound_ms;        /* 0: 60000 */
	uint64_t partition_max_ms;         /* longest partition; 0: 3000 */
	enum hm_bft_sig_policy sig_policy; /* the validator set's; default ed25519 */
};

struct hm_bft_sim_result {
	int ok;                /* 1 if every invariant held */
	const char *invariant; /* the first that failed: "agreement", "validity",
	                          "durability", "liveness", "evidence"; NULL if ok */
	uint64_t step;         /* the step at which it failed (or steps run) */
	char detail[200];
	uint64_t virtual_ms;
	uint64_t max_height; /* highest height committed by an honest replica */
	uint64_t min_height; /* lowest committed height among honest replicas at the end */
	uint64_t max_view;
	uint64_t messages, dropped, duplicated;
	uint64_t crashes, partitions, evidence, rejected, txs_committed;
	/* evidence records committed (the most any honest replica committed) */
	uint64_t evidence_committed;
	uint64_t wrong_shape; /* messages refused for their signature shape (0 in a clean run) */
};

/*
 * Runs a simulation. Returns HM_OK when it ran (res->ok says whether the
 * invariants held), HM_ERR_INVALID for a bad configuration, HM_ERR_NOMEM, or
 * another error a replica returned that is not a protocol refusal.
 */
int hm_bft_sim_run(const struct hm_bft_sim_config *cfg, struct hm_bft_sim_result *res);

#endif
