/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A self-describing text form of CT proofs, for operators and scripts:
 * `hypermesh ct proof` prints it and `hypermesh ct verify-proof` checks it
 * again. One field per line, "name value\n", in this exact order:
 *
 *   hypermesh-ct-proof v1          hypermesh-ct-proof v1
 *   type inclusion                 type consistency
 *   leaf_index I                   old_size M
 *   tree_size N                    new_size N
 *   leaf_hash <64 hex>             old_root <64 hex>
 *   root <64 hex>                  new_root <64 hex>
 *   path <64 hex>   (0..65 lines)  path <64 hex>   (0..65 lines)
 *
 * Numbers are decimal without leading zeros (at most 2^63 - 1); hashes are
 * lower- or upper-case hex. The decoder accepts nothing else: no blank lines,
 * no comments, no missing final newline, no other fields.
 */
#ifndef HYPERMESH_CT_PROOF_TEXT_H
#define HYPERMESH_CT_PROOF_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"
#include "hypermesh/ct_merkle.h"

#define HM_CT_PROOF_TEXT_MAX 8192 /* the longest valid text is about 5 KiB */

enum hm_ct_proof_kind {
	HM_CT_PROOF_INCLUSION = 1,
	HM_CT_PROOF_CONSISTENCY = 2,
};

struct hm_ct_proof_text {
	enum hm_ct_proof_kind kind;
	uint64_t a;                     /* leaf_index, or old_size */
	uint64_t b;                     /* tree_size, or new_size */
	uint8_t hash_a[HM_CT_HASH_LEN]; /* leaf_hash, or old_root */
	uint8_t hash_b[HM_CT_HASH_LEN]; /* root, or new_root */
	uint8_t path[HM_CT_PROOF_MAX][HM_CT_HASH_LEN];
	size_t path_len;
};

/* Appends the text form. HM_ERR_INVALID (kind, path_len, a number over 2^63 - 1); buffer errors. */
int hm_ct_proof_text_encode(const struct hm_ct_proof_text *p, struct hm_buf *out);

/*
 * Parses exactly one proof text in[0 .. len). HM_OK; HM_ERR_ENCODING (any
 * deviation from the format); HM_ERR_LENGTH (more than 65 path lines);
 * HM_ERR_TOO_LARGE (len > HM_CT_PROOF_TEXT_MAX). *p is zeroed on failure.
 */
int hm_ct_proof_text_decode(struct hm_ct_proof_text *p, const char *in, size_t len);

/*
 * Checks the proof on its own terms: the path leads from leaf_hash to root
 * (inclusion), or proves that new_root extends old_root (consistency).
 * HM_OK or HM_ERR_VERIFY. Whether root is the log's is the caller's
 * question (compare it with a signed tree head).
 */
int hm_ct_proof_text_verify(const struct hm_ct_proof_text *p) __attribute__((warn_unused_result));

#endif
