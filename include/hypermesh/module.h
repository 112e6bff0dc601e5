/* SPDX-License-Identifier: Apache-2.0 */
/*
 * State modules: how a service (TrustChain, later Caesar, assets, Catalog)
 * plugs into the replicated state machine (ARCHITECTURE §3).
 *
 * All durable shared state is the result of applying committed blocks in
 * order. The node's executor owns one LMDB environment for that state. For
 * each committed block it opens one write transaction, and for each
 * operation in the block it
 *
 *   1. decodes the envelope and verifies its signatures and four proofs
 *      (proofs.h); an operation that fails is recorded as failed, untouched;
 *   2. finds the module whose [type_min, type_max] holds the operation type;
 *   3. calls check() (stateless), then apply() inside a nested transaction:
 *      if apply fails, its writes are discarded and the failure is recorded
 *      in the operation's receipt; the block goes on;
 *
 * then records the applied height and commits, so state and "applied up to
 * height h" are always durable together; only then does it call committed().
 * After a crash the executor re-applies the blocks above the recorded height.
 *
 * Rules for modules:
 *   - check() looks only at the operation; it may be run many times (mempool
 *     entry, block application) and must give the same answer each time.
 *   - apply() is deterministic: its writes and result depend only on the
 *     committed state it reads, the block and the operation. No clock, no
 *     randomness, no I/O outside txn; a module that needs "now" uses
 *     b->timestamp_ms, and one that needs randomness derives it from the
 *     operation digest.
 *   - committed() runs after the state transaction is durable, for effects
 *     kept outside the state environment (the CT log file). It must be
 *     idempotent per height: after a crash it may run again for a block it
 *     already saw.
 *   - All callbacks run on the node's loop thread. Queries are the module's
 *     own functions over a read transaction (declared in its header).
 *
 * Return values: HM_OK or a negative hm error code (error.h). For check and
 * apply, HM_ERR_INVALID / HM_ERR_VERIFY / HM_ERR_EXISTS / HM_ERR_NOT_FOUND /
 * HM_ERR_PERMISSION reject the operation; HM_ERR_NOMEM, HM_ERR_IO and
 * HM_ERR_CORRUPT are failures of this node, and the executor stops rather
 * than diverge from the other replicas.
 */
#ifndef HYPERMESH_MODULE_H
#define HYPERMESH_MODULE_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"

#define HM_MODULE_HASH_LEN 32

/*
 * Operation types (the envelope's type field). Each module owns a range;
 * values are part of the wire format and never reused.
 */
enum hm_op_type {
	/* 0x0001..0x00ff: chain governance (validator set, proof parameters). */
	HM_OP_GOV_MIN = 0x0001,
	HM_OP_GOV_MAX = 0x00ff,
	/* 0x0100..0x01ff: TrustChain (certificates, revocation, API keys). */
	HM_OP_TRUSTCHAIN_MIN = 0x0100,
	HM_OP_TRUSTCHAIN_MAX = 0x01ff,
	/* 0x0200..0x02ff: Caesar (ledger), not built yet. */
	HM_OP_CAESAR_MIN = 0x0200,
	HM_OP_CAESAR_MAX = 0x02ff,
};

/* The committed block an operation is applied in. */
struct hm_block_info {
	uint64_t height;
	uint64_t timestamp_ms; /* the block's timestamp, the only clock apply may read */
	uint8_t hash[HM_MODULE_HASH_LEN];
	uint16_t proposer; /* validator index */
};

/* One operation whose envelope, signatures and proofs have been verified. */
struct hm_op {
	uint16_t type;
	const uint8_t *payload; /* borrowed for the duration of the call */
	size_t payload_len;
	uint8_t digest[HM_MODULE_HASH_LEN]; /* the operation digest (unique per operation) */
	uint8_t signer[HM_MODULE_HASH_LEN]; /* key id of the PoStake signer (node-id format) */
};

struct hm_module {
	const char *name; /* short, lower case: "trustchain" */
	uint16_t type_min, type_max;
	void *ctx;
	/* Opens or creates the module's named databases (MDB_CREATE) inside txn. */
	int (*open)(void *ctx, MDB_env *env, MDB_txn *txn);
	/* Stateless validity of the payload for this type. */
	int (*check)(void *ctx, const struct hm_op *op);
	/*
	 * Applies op inside txn (a nested transaction the executor discards on
	 * failure). May append a result (e.g. the issued certificate's serial)
	 * to result; it is stored in the operation's receipt.
	 */
	int (*apply)(void *ctx, MDB_txn *txn, const struct hm_block_info *b, const struct hm_op *op,
	             struct hm_buf *result);
	/* The block's state transaction is durable. May be NULL. */
	int (*committed)(void *ctx, const struct hm_block_info *b);
	/* Releases ctx. May be NULL. */
	void (*close)(void *ctx);
};

#endif
