/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Certificate-transparency Merkle trees (RFC 6962 §2.1, RFC 9162 §2.1): a
 * protocol core that does no I/O.
 *
 *   leaf hash  = SHA-256(0x00 || leaf)
 *   node hash  = SHA-256(0x01 || left || right)
 *   MTH({})    = SHA-256("")
 *   MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n
 *
 * Proof generation never needs the whole tree: it asks a callback for the
 * hash of one *complete* subtree at a time, [start, start + 2^level) with
 * start a multiple of 2^level, so a store that keeps those hashes (ct_log.h)
 * answers any root or proof in O(log n) reads. Proofs are listed in the order
 * RFC 6962 produces them: bottom-up, the sibling nearest the leaf first.
 *
 * The verifiers are RFC 9162 §2.1.3.2 and §2.1.4.2 with the conventions of
 * transparency-dev/merkle: hashes are exactly 32 bytes (the types enforce it),
 * a consistency check from size 0 always fails, and size1 == size2 needs an
 * empty proof and equal roots.
 */
#ifndef HYPERMESH_CT_MERKLE_H
#define HYPERMESH_CT_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"

#define HM_CT_HASH_LEN 32

/*
 * The most hashes any proof can hold for a tree of at most 2^64 - 1 leaves:
 * an inclusion proof has at most 64 (one per level), a consistency proof at
 * most 65 (one per level plus the subtree it starts from).
 */
#define HM_CT_PROOF_MAX 65

/* SHA-256(0x00 || leaf). leaf may be NULL when len is 0. */
void hm_ct_leaf_hash(uint8_t out[HM_CT_HASH_LEN], const void *leaf, size_t len);

/* SHA-256(0x01 || left || right). out may alias left or right. */
void hm_ct_node_hash(uint8_t out[HM_CT_HASH_LEN], const uint8_t left[HM_CT_HASH_LEN],
                     const uint8_t right[HM_CT_HASH_LEN]);

/* MTH of the empty tree: SHA-256(""). */
void hm_ct_empty_root(uint8_t out[HM_CT_HASH_LEN]);

/*
 * The source of complete-subtree hashes. It writes to out the hash of the
 * 2^level leaves starting at start (start is always a multiple of 2^level;
 * level 0 is a leaf hash) and returns HM_OK, or a negative code that the
 * caller passes back unchanged (a store's HM_ERR_IO, HM_ERR_CORRUPT, ...).
 */
typedef int (*hm_ct_subtree_fn)(void *ctx, uint64_t start, unsigned level,
                                uint8_t out[HM_CT_HASH_LEN]);

/*
 * MTH(D[start : start + size]) for a range that occurs in the RFC recursion
 * (start a multiple of the smallest power of two >= size, which holds for
 * start 0 and any size): popcount(size) callback calls. size 0 gives the
 * empty root. Returns HM_OK, HM_ERR_INVALID (misaligned start, or the range
 * passes 2^64), or the callback's error.
 */
int hm_ct_range_root(hm_ct_subtree_fn get, void *ctx, uint64_t start, uint64_t size,
                     uint8_t out[HM_CT_HASH_LEN]);

/*
 * PATH(index, D[size]) (RFC 6962 §2.1.1) into proof[0 .. *proof_len), with
 * cap the room in proof. Returns HM_OK; HM_ERR_INVALID if index >= size or
 * an argument is NULL; HM_ERR_BUFFER if cap is too small (HM_CT_PROOF_MAX is
 * always enough); or the callback's error. On failure *proof_len is 0.
 */
int hm_ct_inclusion_proof(hm_ct_subtree_fn get, void *ctx, uint64_t index, uint64_t size,
                          uint8_t (*proof)[HM_CT_HASH_LEN], size_t cap, size_t *proof_len);

/*
 * PROOF(size1, D[size2]) (RFC 6962 §2.1.2); size1 == size2 gives an empty
 * proof. Returns HM_OK; HM_ERR_INVALID if size1 == 0, size1 > size2 or an
 * argument is NULL; HM_ERR_BUFFER; or the callback's error. On failure
 * *proof_len is 0.
 */
int hm_ct_consistency_proof(hm_ct_subtree_fn get, void *ctx, uint64_t size1, uint64_t size2,
                            uint8_t (*proof)[HM_CT_HASH_LEN], size_t cap, size_t *proof_len);

/*
 * Checks that leaf_hash is leaf number index of the tree of size leaves with
 * root root, given PATH(index, D[size]) in proof[0 .. proof_len) (proof may
 * be NULL when proof_len is 0). Returns HM_OK, or HM_ERR_VERIFY for every
 * reason it does not (index >= size, wrong length, wrong hashes); HM_ERR_INVALID
 * only for NULL arguments.
 */
int hm_ct_verify_inclusion(const uint8_t leaf_hash[HM_CT_HASH_LEN], uint64_t index, uint64_t size,
                           const uint8_t (*proof)[HM_CT_HASH_LEN], size_t proof_len,
                           const uint8_t root[HM_CT_HASH_LEN]) __attribute__((warn_unused_result));

/*
 * Checks that the tree of size2 leaves with root root2 extends the tree of
 * size1 leaves with root root1, given PROOF(size1, D[size2]). Returns HM_OK,
 * or HM_ERR_VERIFY (including size1 == 0, size1 > size2, and size1 == size2
 * with a non-empty proof or different roots); HM_ERR_INVALID only for NULL
 * arguments.
 */
int hm_ct_verify_consistency(uint64_t size1, uint64_t size2, const uint8_t root1[HM_CT_HASH_LEN],
                             const uint8_t root2[HM_CT_HASH_LEN],
                             const uint8_t (*proof)[HM_CT_HASH_LEN], size_t proof_len)
        __attribute__((warn_unused_result));

/*
 * An in-memory source over an array of leaf hashes, for tests, tools and
 * small trees: pass hm_ct_mem_subtree with a struct hm_ct_mem_tree * as ctx.
 * It hashes 2^level leaves per call, so it is O(n) per proof; the log in
 * ct_log.h is the O(log n) source. The hashes are borrowed.
 */
struct hm_ct_mem_tree {
	const uint8_t (*leaf_hashes)[HM_CT_HASH_LEN];
	uint64_t size;
};

/* An hm_ct_subtree_fn. HM_ERR_RANGE if the subtree extends past tree->size. */
int hm_ct_mem_subtree(void *tree, uint64_t start, unsigned level, uint8_t out[HM_CT_HASH_LEN]);

/*
 * MTH of n leaf hashes in O(n) time and O(log n) space. hashes may be NULL
 * when n is 0 (the empty root).
 */
void hm_ct_root_from_leaf_hashes(uint8_t out[HM_CT_HASH_LEN],
                                 const uint8_t (*hashes)[HM_CT_HASH_LEN], uint64_t n);

/*
 * Canonical encodings of proofs (codec.h), for the wire and for storage:
 *
 *   struct {
 *       uint64 leaf_index;
 *       uint64 tree_size;
 *       opaque path<0..65*32>;       -- the proof hashes, concatenated
 *   } InclusionProof;
 *
 *   struct {
 *       uint64 size1;
 *       uint64 size2;
 *       opaque path<0..65*32>;
 *   } ConsistencyProof;
 *
 * The decoders borrow the path from the input and reject truncation, a path
 * whose length is not a multiple of 32 (HM_ERR_LENGTH) and trailing bytes.
 * They check the shape only; verification is separate.
 */
struct hm_ct_proof {
	uint64_t a; /* leaf_index, or size1 */
	uint64_t b; /* tree_size, or size2 */
	const uint8_t (*path)[HM_CT_HASH_LEN];
	size_t path_len; /* in hashes, <= HM_CT_PROOF_MAX */
};

/* Appends the encoding to out. HM_ERR_LENGTH if path_len > HM_CT_PROOF_MAX; buffer errors. */
int hm_ct_proof_encode(const struct hm_ct_proof *proof, struct hm_buf *out);

/*
 * Decodes one proof occupying all of in[0 .. len). Returns HM_OK,
 * HM_ERR_TRUNCATED, HM_ERR_LENGTH or HM_ERR_TRAILING; on failure *proof is
 * zeroed. proof->path points into in.
 */
int hm_ct_proof_decode(struct hm_ct_proof *proof, const uint8_t *in, size_t len);

#endif
