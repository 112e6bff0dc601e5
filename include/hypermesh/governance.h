/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The governance state module (module.h; types HM_OP_GOV_MIN..MAX) holds
 * what the four proofs read from committed state: the TrustChain root, plot
 * commitments, per-type PoWork difficulty and PoStake requirements, the
 * PoTime parameters and each key's authority level and stake. Its tables
 * live in the executor's environment (named database "gov"), and
 * hm_gov_state() reads them for hm_proofs_validate (docs/PROOFS.md).
 *
 * Payloads (canonical codec), signer = the operation's PoStake key id:
 *   PLOT_REGISTER   uint8 log2; opaque root[32]       the signer's own plot;
 *                                                      replaces an earlier one
 *   SET_DIFFICULTY  uint16 op_type; uint8 bits         admin; bits <= 64
 *   SET_TIME        uint64 vdf_iterations; uint64 anchor_window    admin
 *   SET_STAKE       opaque key_id[32]; uint8 level; uint64 stake  admin
 *   SET_REQUIREMENT uint16 op_type; uint8 min_level; uint64 min_stake  admin
 * "admin" is a signer whose level is HM_STAKE_ADMIN in state: genesis names
 * the first ones; an admin can appoint or demote others with SET_STAKE.
 */
#ifndef HYPERMESH_GOVERNANCE_H
#define HYPERMESH_GOVERNANCE_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "hypermesh/module.h"
#include "hypermesh/proofs.h"

enum hm_gov_op_type {
	HM_OP_GOV_PLOT_REGISTER = 0x0010,
	HM_OP_GOV_SET_DIFFICULTY = 0x0011,
	HM_OP_GOV_SET_TIME = 0x0012,
	HM_OP_GOV_SET_STAKE = 0x0013,
	HM_OP_GOV_SET_REQUIREMENT = 0x0014,
};

#define HM_GOV_ADMINS_MAX 16

/* What the chain starts with. */
struct hm_gov_genesis {
	const uint8_t *root_der; /* the TrustChain root certificate */
	size_t root_len;
	size_t n_admins;
	const uint8_t (*admins)[HM_KEY_ID_LEN]; /* key ids given HM_STAKE_ADMIN */
	unsigned default_work_bits;             /* for types without their own */
	uint64_t vdf_iterations;
	uint64_t anchor_window;
	/* Plots registered from the start, so that the first operations have PoSpace. */
	size_t n_plots;
	const struct hm_plot_commitment *plots;
};

/*
 * Fills *out with the module (name "governance"). out->close frees it.
 * HM_OK or HM_ERR_NOMEM.
 */
int hm_gov_module_new(struct hm_module *out);

/*
 * Initialises the module's tables from genesis inside txn (after open()).
 * HM_OK; HM_ERR_EXISTS (already initialised); HM_ERR_INVALID (no root,
 * too many admins, bits > 64, iterations or window 0); HM_ERR_IO.
 */
int hm_gov_genesis_apply(void *module_ctx, MDB_txn *txn, const struct hm_gov_genesis *g);

/* Payload encoders, for clients building operations. Append to out. */
int hm_gov_plot_register_encode(uint8_t log2, const uint8_t root[HM_PROOF_HASH_LEN],
                                struct hm_buf *out);
int hm_gov_set_difficulty_encode(uint16_t op_type, uint8_t bits, struct hm_buf *out);
int hm_gov_set_time_encode(uint64_t vdf_iterations, uint64_t anchor_window, struct hm_buf *out);
int hm_gov_set_stake_encode(const uint8_t key_id[HM_KEY_ID_LEN], enum hm_stake_level level,
                            uint64_t stake, struct hm_buf *out);
int hm_gov_set_requirement_encode(uint16_t op_type, enum hm_stake_level min_level,
                                  uint64_t min_stake, struct hm_buf *out);

/*
 * A proof-state view over the module's tables in txn (read or write; it
 * must outlive the view). Block hashes and the committed height come from
 * the node: block_hash returns HM_ERR_NOT_FOUND for unknown heights.
 */
struct hm_gov_view {
	void *module_ctx;
	MDB_txn *txn;
	void *node_ctx;
	int (*block_hash)(void *node_ctx, uint64_t height, uint8_t hash[HM_PROOF_HASH_LEN]);
	int (*height)(void *node_ctx, uint64_t *height);
	/*
	 * The TrustChain module's ctx (trustchain_state.h), whose tables live
	 * in the same environment: when set, PoStake refuses chains with a
	 * revoked certificate. NULL: revocation is not consulted.
	 */
	void *trustchain_ctx;
};
/* Makes st read through view (which must outlive st). */
void hm_gov_state(struct hm_gov_view *view, struct hm_proof_state *st);

#endif
