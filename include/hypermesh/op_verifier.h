/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The glue between the executor and the four proofs: decode an envelope,
 * validate its proofs against the governance module's state, and fill the
 * hm_op a module is given (module.h, step 1). hm_op_verify has the shape of
 * the executor's verifier callback; hm_op_verifier_check serves the
 * consensus/validate_proofs RPC.
 */
#ifndef HYPERMESH_OP_VERIFIER_H
#define HYPERMESH_OP_VERIFIER_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "hypermesh/governance.h"
#include "hypermesh/module.h"
#include "hypermesh/proofs.h"

struct hm_op_verifier {
	void *gov_ctx;        /* the governance module's ctx (hm_gov_module_new) */
	void *trustchain_ctx; /* TrustChain module's ctx for revocation; may be NULL */
	uint8_t chain_id[HM_ENV_CHAIN_ID_LEN];
	void *node_ctx;
	int (*block_hash)(void *node_ctx, uint64_t height, uint8_t hash[HM_PROOF_HASH_LEN]);
	int (*height)(void *node_ctx, uint64_t *height);
	/*
	 * A transaction to read committed state through, and its release
	 * (e.g. a read-only transaction; LMDB needs MDB_NOTLS for one while
	 * the same thread holds the block's write transaction).
	 */
	int (*txn_begin)(void *node_ctx, MDB_txn **txn);
	void (*txn_end)(void *node_ctx, MDB_txn *txn);
	struct hm_vdf_cache cache;    /* hm_vdf_cache_init before use */
	struct hm_proofs_result last; /* the last judgement, for logs */
};

/*
 * Judges the envelope in tx at certificate time now_s (seconds): res gets the
 * four verdicts, digest (may be NULL) the operation digest. HM_OK; HM_ERR_VERIFY
 * (see res); a decode error of the envelope (res: all four MALFORMED);
 * HM_ERR_INVALID; or a failure of this node (HM_ERR_IO, HM_ERR_CORRUPT,
 * HM_ERR_NOMEM) from reading state.
 */
int hm_op_verifier_check(struct hm_op_verifier *v, const uint8_t *tx, size_t len, uint64_t now_s,
                         struct hm_proofs_result *res, uint8_t digest[HM_ENV_DIGEST_LEN]);

/*
 * The executor's verifier (executor.h hm_verify_op_fn): ctx is a struct
 * hm_op_verifier; certificates are checked at the block's timestamp. On
 * HM_OK, out gets the type, the payload (borrowing tx), the digest and the
 * signer's key id. Otherwise the code of hm_op_verifier_check (v->last
 * says which proofs failed and why).
 */
int hm_op_verify(void *ctx, const uint8_t *tx, size_t len, const struct hm_block_info *b,
                 struct hm_op *out);

#endif
