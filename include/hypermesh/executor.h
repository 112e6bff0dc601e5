/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The executor: applies committed blocks to the replicated state (module.h
 * states the contract it implements for modules).
 *
 * It owns one LMDB environment (data_dir/state), separate from the consensus
 * store. Named databases of its own:
 *
 *   "exec.meta"     "applied" -> AppliedRecord (the last applied block)
 *   "exec.receipts" tx id (32 bytes) -> Receipt
 *
 *   struct { uint64 height; uint64 timestamp_ms; opaque hash[32];
 *            uint16 proposer; } AppliedRecord;
 *   struct { uint64 height; uint32 index; int32 status; uint16 type;
 *            opaque result<0..2^24-1>; } Receipt;
 *
 * A transaction's id is SHA-256 of its bytes as submitted (what a client can
 * compute before it is committed, and what "poll by request id" uses); the
 * envelope's operation digest is the module's business. status is HM_OK for
 * an applied operation or the negative code that rejected it: envelope
 * verification, no module for the type, check() or apply(). A transaction
 * that repeats an already-receipted id is recorded as nothing (the first
 * receipt stands) and not applied again.
 *
 * Envelope verification is a function the integrator installs
 * (hm_executor_set_verifier); without one, every operation is rejected with
 * HM_ERR_UNSUPPORTED, since there is no envelope format to trust.
 *
 * Everything runs on the caller's thread (the node's loop). Nothing here is
 * thread-safe.
 */
#ifndef HYPERMESH_EXECUTOR_H
#define HYPERMESH_EXECUTOR_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"
#include "hypermesh/module.h"

#define HM_EXECUTOR_MAX_MODULES 16
#define HM_TXID_LEN             32

struct hm_executor;

/*
 * Decodes and verifies an operation envelope: fills *out (payload may borrow
 * tx) or returns a negative code (the operation's receipt status). txn is
 * the block's write transaction, for reading committed state (the proofs'
 * parameters); the verifier must not write through it.
 */
typedef int (*hm_verify_op_fn)(void *ctx, MDB_txn *txn, const uint8_t *tx, size_t len,
                               const struct hm_block_info *b, struct hm_op *out);

struct hm_receipt {
	uint64_t height;
	uint32_t index; /* position in the block's payload */
	int32_t status; /* HM_OK or the rejecting code */
	uint16_t type;  /* the operation type, 0 if the envelope did not verify */
};

/*
 * Called once when the transaction with this id gets a receipt (applied or
 * rejected), after the state is durable; or with err HM_ERR_IO when the
 * executor closes first. r and result are valid during the call only.
 */
typedef void (*hm_receipt_cb)(void *user, int err, const uint8_t txid[HM_TXID_LEN],
                              const struct hm_receipt *r, const uint8_t *result, size_t result_len);

/*
 * Opens (creating if needed) the state environment in the existing directory
 * dir. map_size 0: 1 GiB. HM_OK, HM_ERR_INVALID, HM_ERR_NOT_FOUND,
 * HM_ERR_PERMISSION, HM_ERR_CORRUPT (the file is shorter than LMDB's own
 * record of it, or a record does not decode), HM_ERR_IO, HM_ERR_NOMEM.
 */
int hm_executor_open(struct hm_executor **out, const char *dir, size_t map_size);

/*
 * Registers a module (copied; ctx must outlive the executor, which calls
 * close on it). Before hm_executor_start only. HM_ERR_INVALID (bad range,
 * missing apply, after start), HM_ERR_EXISTS (range overlaps another),
 * HM_ERR_TOO_LARGE (HM_EXECUTOR_MAX_MODULES).
 */
int hm_executor_add_module(struct hm_executor *ex, const struct hm_module *m);

/* Installs the envelope verifier (NULL fn: every operation is unsupported). */
void hm_executor_set_verifier(struct hm_executor *ex, hm_verify_op_fn fn, void *ctx);

/*
 * Opens every module's databases in one transaction, then, if a block was
 * applied before, calls committed() for it again (a crash may have come
 * between the state commit and committed(); module.h requires idempotence).
 * HM_OK or the first error.
 */
int hm_executor_start(struct hm_executor *ex);

/* The last applied block (height 0 and a zero hash before the first). */
void hm_executor_applied(const struct hm_executor *ex, struct hm_block_info *b);

/*
 * Applies one committed block: b->height must be applied height + 1
 * (HM_ERR_INVALID otherwise; a height at or below it is HM_ERR_EXISTS, which
 * the caller treats as already done). payload is the block's sequence of
 * opaque tx<1..2^16-1>. Each operation is verified, checked and applied in a
 * nested transaction; receipts and the applied record go in the same
 * transaction, committed before module committed() callbacks and receipt
 * watchers run. HM_OK, HM_ERR_LENGTH (malformed payload), or a failure of
 * this node (HM_ERR_NOMEM, HM_ERR_IO, HM_ERR_CORRUPT, HM_ERR_TOO_LARGE: map
 * full) after which the executor refuses further blocks: the node must stop
 * rather than diverge.
 */
int hm_executor_apply_block(struct hm_executor *ex, const struct hm_block_info *b,
                            const uint8_t *payload, size_t payload_len);

/*
 * Looks up the receipt of a transaction id; result (may be NULL) gets the
 * module's result appended. HM_OK, HM_ERR_NOT_FOUND, HM_ERR_IO, HM_ERR_CORRUPT.
 */
int hm_executor_receipt(struct hm_executor *ex, const uint8_t txid[HM_TXID_LEN],
                        struct hm_receipt *r, struct hm_buf *result);

/*
 * Calls cb once the transaction gets a receipt (at once, before returning,
 * if it already has one). *token (may be NULL) identifies the watch for
 * hm_executor_unwatch. HM_OK, HM_ERR_NOMEM.
 */
int hm_executor_watch(struct hm_executor *ex, const uint8_t txid[HM_TXID_LEN], hm_receipt_cb cb,
                      void *user, uint64_t *token);

/* Forgets a watch; its callback is not called. Unknown tokens are ignored. */
void hm_executor_unwatch(struct hm_executor *ex, uint64_t token);

/* The number of operations in the block hm_executor_apply_block applied last. */
size_t hm_executor_block_txs(const struct hm_executor *ex);

/* The environment, for modules' read-only queries (mdb_txn_begin with MDB_RDONLY). */
MDB_env *hm_executor_env(struct hm_executor *ex);

/* Pending watches get HM_ERR_IO; modules are closed; the environment too. Accepts NULL. */
void hm_executor_close(struct hm_executor *ex);

/*
 * HM_OK if the LMDB data file in dir is at least as long as the environment
 * says it is (a truncated file would otherwise fault on first read),
 * HM_ERR_CORRUPT if not; HM_ERR_IO for a stat failure. Missing file: HM_OK.
 */
int hm_lmdb_check_size(MDB_env *env, const char *dir);

#endif
