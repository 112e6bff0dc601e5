/* SPDX-License-Identifier: Apache-2.0 */
/*
 * BFT consensus: a two-chain HotStuff-family protocol (Jolteon style) for
 * n = 3f+1 validators, as a pure state machine. docs/CONSENSUS.md states the
 * rules, the wire formats and the safety argument; this header is the API.
 *
 * The replica does no I/O, reads no clock and draws no randomness: the caller
 * feeds it messages and the current time (milliseconds, any epoch, never
 * decreasing) and drains outputs: messages to send (to one validator or to
 * all others), committed blocks in height order, equivocation evidence. The
 * replica signs with the keys it is given: Ed25519, and under the hybrid
 * policy also ML-DSA-87 (both through sig.h).
 *
 * Objects decoded from the wire borrow from the input (payload, evidence
 * and PQ signature pointers);
 * everything else is copied into fixed-size fields.
 */
#ifndef HYPERMESH_BFT_H
#define HYPERMESH_BFT_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"

#define HM_BFT_HASH_LEN       32
#define HM_BFT_SIG_LEN        64 /* Ed25519 */
#define HM_BFT_PK_LEN         32
#define HM_BFT_SK_LEN         64 /* seed || public key, as sig.h wants it */
/* Validators per set; certificates hold at most this many signatures. */
#define HM_BFT_MAX_VALIDATORS 32
#define HM_BFT_CHAIN_ID_MAX   64
/* A block's payload (sequence of opaque tx<1..2^16-1>) is at most this long. */
#define HM_BFT_PAYLOAD_MAX    0xffffffu
#define HM_BFT_TX_MAX         0xffffu
/* Destination of an output message that goes to every other validator. */
#define HM_BFT_TO_ALL         0xffff
/*
 * The post-quantum half of a hybrid signature (docs/CONSENSUS.md §2a):
 * ML-DSA-87 through sig.h, fixed-length signatures.
 */
#define HM_BFT_PQ_ALG         4 /* HM_SIG_MLDSA87 */
#define HM_BFT_PQ_PK_LEN      2592
#define HM_BFT_PQ_SK_LEN      4896
#define HM_BFT_PQ_SIG_LEN     4627

/* ---- certificates and blocks ---- */

/*
 * The PQ signature beside an Ed25519 one: empty (len 0) under the ed25519
 * policy, HM_BFT_PQ_SIG_LEN bytes under hybrid. It is borrowed, like a block
 * payload: from the decoded input, or from storage the holder of the struct
 * keeps alive. This keeps certificates small (a QC is a fixed array of
 * pointers, not of 4,627-byte signatures); the replica copies the bytes it
 * keeps into its own buffers.
 */
struct hm_bft_pq {
	const uint8_t *sig;
	uint16_t len;
};

struct hm_bft_sig {
	uint16_t signer;
	uint8_t sig[HM_BFT_SIG_LEN];
	struct hm_bft_pq pq;
};

/* A quorum certificate: signatures of distinct validators on (view, block). */
struct hm_bft_qc {
	uint64_t view;
	uint8_t block[HM_BFT_HASH_LEN];
	uint16_t nsigs;
	struct hm_bft_sig sigs[HM_BFT_MAX_VALIDATORS]; /* strictly increasing signer */
};

struct hm_bft_timeout_sig {
	uint16_t signer;
	uint64_t hqc_view; /* the view of the signer's highest QC */
	uint8_t sig[HM_BFT_SIG_LEN];
	struct hm_bft_pq pq;
};

/* A timeout certificate for a view, with the highest QC its signers reported. */
struct hm_bft_tc {
	uint64_t view;
	struct hm_bft_qc high_qc;
	uint16_t nsigs;
	struct hm_bft_timeout_sig sigs[HM_BFT_MAX_VALIDATORS]; /* strictly increasing signer */
};

struct hm_bft_block {
	uint64_t height;
	uint64_t view;
	uint8_t parent[HM_BFT_HASH_LEN];
	uint16_t proposer;
	uint64_t timestamp; /* milliseconds, proposer's clock */
	uint8_t payload_root[HM_BFT_HASH_LEN];
	const uint8_t *payload; /* borrowed; a sequence of opaque tx<1..2^16-1> */
	size_t payload_len;
	/*
	 * Equivocation evidence committed by this block (docs/CONSENSUS.md §4,
	 * Evidence): borrowed, evidence_len bytes, a concatenation of
	 * HM_BFT_EVIDENCE_LEN-byte records, at most HM_BFT_BLOCK_EVIDENCE_MAX.
	 */
	const uint8_t *evidence;
	size_t evidence_len;
	struct hm_bft_qc justify;
	int has_tc;
	struct hm_bft_tc tc; /* only when has_tc */
};

enum hm_bft_msg_type {
	HM_BFT_MSG_PROPOSAL = 1,
	HM_BFT_MSG_VOTE = 2,
	HM_BFT_MSG_TIMEOUT = 3,
	HM_BFT_MSG_BLOCK_REQUEST = 4,
	HM_BFT_MSG_BLOCK_RESPONSE = 5,
	HM_BFT_MSG_EVIDENCE = 6, /* gossip of one evidence record */
};

struct hm_bft_vote {
	uint64_t view;
	uint8_t block[HM_BFT_HASH_LEN];
	uint16_t voter;
	uint8_t sig[HM_BFT_SIG_LEN];
	struct hm_bft_pq pq;
};

struct hm_bft_timeout {
	uint64_t view;
	uint16_t sender;
	struct hm_bft_qc high_qc;
	uint8_t sig[HM_BFT_SIG_LEN]; /* over (view, high_qc.view) */
	struct hm_bft_pq pq;
	int has_tc;
	struct hm_bft_tc last_tc; /* the TC that made the sender enter view, if any */
};

/* A decoded message. Large (certificates are fixed arrays): allocate it. */
struct hm_bft_msg {
	enum hm_bft_msg_type type;
	union {
		struct {
			struct hm_bft_block block;
			uint8_t sig[HM_BFT_SIG_LEN];
			struct hm_bft_pq pq;
		} proposal;
		struct hm_bft_vote vote;
		struct hm_bft_timeout timeout;
		struct {
			uint8_t block[HM_BFT_HASH_LEN];
			uint16_t requester;
		} request;
		struct hm_bft_block response;
	} u;
	/* HM_BFT_MSG_EVIDENCE: the record's encoding, borrowed (HM_BFT_EVIDENCE_LEN). */
	const uint8_t *evidence;
};

/*
 * Encoders append the canonical encoding to out. They return HM_OK,
 * HM_ERR_NOMEM / HM_ERR_TOO_LARGE (buffer), HM_ERR_LENGTH (payload over
 * HM_BFT_PAYLOAD_MAX) or HM_ERR_INVALID (more than HM_BFT_MAX_VALIDATORS
 * signatures, signers not strictly increasing, a bad message type). On
 * failure out may hold a partial encoding past its old length.
 */
int hm_bft_qc_encode(struct hm_buf *out, const struct hm_bft_qc *qc);
int hm_bft_block_encode(struct hm_buf *out, const struct hm_bft_block *b);
int hm_bft_msg_encode(struct hm_buf *out, const struct hm_bft_msg *m);

/*
 * Decoders parse exactly len bytes. They return HM_OK, HM_ERR_TRUNCATED,
 * HM_ERR_LENGTH (a vector length out of bounds, more signatures than
 * HM_BFT_MAX_VALIDATORS, a payload that is not a sequence of tx<1..2^16-1>),
 * HM_ERR_INVALID (unknown message type, a tag other than 0/1, signers not
 * strictly increasing) or HM_ERR_TRAILING. Payload pointers borrow from p.
 * Signatures and validator indices are not checked here (the replica does).
 */
int hm_bft_qc_decode(struct hm_bft_qc *qc, const uint8_t *p, size_t len);
int hm_bft_block_decode(struct hm_bft_block *b, const uint8_t *p, size_t len);
int hm_bft_msg_decode(struct hm_bft_msg *m, const uint8_t *p, size_t len);

/* The block's hash (docs/CONSENSUS.md §2); chain_id_len <= HM_BFT_CHAIN_ID_MAX. */
void hm_bft_block_hash(uint8_t out[HM_BFT_HASH_LEN], const uint8_t *chain_id, size_t chain_id_len,
                       const struct hm_bft_block *b);

/*
 * The Merkle root (RFC 6962 tree hash) of a payload. HM_OK, or HM_ERR_LENGTH
 * if the payload is not a well-formed sequence of tx<1..2^16-1>, HM_ERR_NOMEM.
 */
int hm_bft_payload_root(uint8_t out[HM_BFT_HASH_LEN], const uint8_t *payload, size_t len);

/* ---- validator set and signatures ---- */

/*
 * What every proposal, vote and timeout carries (docs/CONSENSUS.md §2a).
 * Part of the validator set and, through the genesis block, of every block
 * hash, so replicas cannot disagree on it.
 */
enum hm_bft_sig_policy {
	HM_BFT_POLICY_ED25519 = 0, /* Ed25519 only (the default) */
	HM_BFT_POLICY_HYBRID = 1,  /* Ed25519 and ML-DSA-87, both must verify */
};

struct hm_bft_validators {
	uint8_t chain_id[HM_BFT_CHAIN_ID_MAX];
	size_t chain_id_len;
	uint16_t n;
	uint16_t quorum; /* n - floor((n-1)/3), unless a test overrides it */
	uint8_t pk[HM_BFT_MAX_VALIDATORS][HM_BFT_PK_LEN];
	enum hm_bft_sig_policy policy;
	/* hybrid: SHA-256 over the PQ keys, the genesis block's parent; else zero */
	uint8_t policy_commit[HM_BFT_HASH_LEN];
	uint8_t pq_pk[HM_BFT_MAX_VALIDATORS][HM_BFT_PQ_PK_LEN]; /* hybrid only */
};

/*
 * Fills a validator set. HM_ERR_INVALID if n is 0 or above
 * HM_BFT_MAX_VALIDATORS, chain_id_len is 0 or above HM_BFT_CHAIN_ID_MAX.
 */
int hm_bft_validators_init(struct hm_bft_validators *vs, const uint8_t *chain_id,
                           size_t chain_id_len, uint16_t n, const uint8_t (*pks)[HM_BFT_PK_LEN]);

/*
 * Switches a set made by hm_bft_validators_init to the hybrid policy with
 * these ML-DSA-87 public keys (vs->n of them). HM_ERR_INVALID for NULL.
 */
int hm_bft_validators_set_hybrid(struct hm_bft_validators *vs,
                                 const uint8_t (*pq_pks)[HM_BFT_PQ_PK_LEN]);

/* "ed25519" / "hybrid" and back; HM_ERR_INVALID for another name. */
const char *hm_bft_policy_name(enum hm_bft_sig_policy p);
int hm_bft_policy_parse(const char *name, enum hm_bft_sig_policy *out);

/* The genesis block and its hash for this chain (the parent is vs->policy_commit). */
void hm_bft_genesis(const struct hm_bft_validators *vs, struct hm_bft_block *b,
                    uint8_t hash[HM_BFT_HASH_LEN]);

/* Signature domains (docs/CONSENSUS.md §2). */
enum hm_bft_domain {
	HM_BFT_DOMAIN_PROPOSAL = 1,
	HM_BFT_DOMAIN_VOTE = 2,
	HM_BFT_DOMAIN_TIMEOUT = 3,
};

/*
 * Signs (domain, chain id, a, h) with sk: for proposals and votes a is the
 * view and h the block hash; for timeouts a is the view and h is NULL and b
 * the high-QC view. HM_OK or an hm_sig_sign error.
 */
int hm_bft_sign(const struct hm_bft_validators *vs, enum hm_bft_domain domain,
                const uint8_t sk[HM_BFT_SK_LEN], uint64_t a, const uint8_t *h, uint64_t b,
                uint8_t sig[HM_BFT_SIG_LEN]) __attribute__((warn_unused_result));

/* HM_OK, HM_ERR_RANGE (no such validator) or HM_ERR_VERIFY. Arguments as hm_bft_sign. */
int hm_bft_verify(const struct hm_bft_validators *vs, enum hm_bft_domain domain, uint16_t signer,
                  uint64_t a, const uint8_t *h, uint64_t b, const uint8_t sig[HM_BFT_SIG_LEN])
        __attribute__((warn_unused_result));

/*
 * The PQ half: signs the same message as hm_bft_sign with an ML-DSA-87
 * secret key, and verifies it against the signer's key in the set. sign:
 * HM_OK or an hm_sig_sign error; verify: HM_OK, HM_ERR_RANGE, HM_ERR_VERIFY
 * (also for a signature that is not exactly HM_BFT_PQ_SIG_LEN bytes).
 */
int hm_bft_sign_pq(const struct hm_bft_validators *vs, enum hm_bft_domain domain,
                   const uint8_t sk[HM_BFT_PQ_SK_LEN], uint64_t a, const uint8_t *h, uint64_t b,
                   uint8_t sig[HM_BFT_PQ_SIG_LEN]) __attribute__((warn_unused_result));
int hm_bft_verify_pq(const struct hm_bft_validators *vs, enum hm_bft_domain domain, uint16_t signer,
                     uint64_t a, const uint8_t *h, uint64_t b, const struct hm_bft_pq *pq)
        __attribute__((warn_unused_result));

/*
 * HM_OK if every signature in the message has the shape the set's policy
 * demands (no PQ signature under ed25519, exactly HM_BFT_PQ_SIG_LEN bytes
 * under hybrid), in the message itself and in every certificate it carries;
 * HM_ERR_INVALID otherwise. The replica drops such messages and counts them
 * (hm_bft_status.wrong_shape) before verifying anything.
 */
int hm_bft_msg_check_shape(const struct hm_bft_validators *vs, const struct hm_bft_msg *m);
int hm_bft_block_check_shape(const struct hm_bft_validators *vs, const struct hm_bft_block *b);

/*
 * Verifies a QC: the genesis QC (view 0, the genesis hash, no signatures) is
 * valid; anything else needs at least vs->quorum signatures of distinct
 * validators (strictly increasing), each valid (under the hybrid policy both
 * the Ed25519 and the PQ signature of each signer, and a QC of the wrong
 * shape is HM_ERR_INVALID). HM_OK, HM_ERR_RANGE (a signer
 * outside the set), HM_ERR_INVALID (unsorted or duplicate signers, a view-0 QC
 * that is not genesis), HM_ERR_LENGTH (too few signatures), HM_ERR_VERIFY.
 */
int hm_bft_qc_verify(const struct hm_bft_validators *vs, const struct hm_bft_qc *qc)
        __attribute__((warn_unused_result));

/*
 * Verifies a TC: its QC as hm_bft_qc_verify, at least quorum timeout
 * signatures of distinct validators over (view, hqc_view), and high_qc.view
 * equal to the largest hqc_view (HM_ERR_INVALID otherwise, or if any
 * hqc_view >= view). Errors as hm_bft_qc_verify.
 */
int hm_bft_tc_verify(const struct hm_bft_validators *vs, const struct hm_bft_tc *tc)
        __attribute__((warn_unused_result));

/* ---- equivocation evidence ---- */

enum hm_bft_evidence_kind {
	HM_BFT_EVIDENCE_PROPOSAL = 1, /* two proposals by one leader in one view */
	HM_BFT_EVIDENCE_VOTE = 2,     /* two votes by one validator in one view */
};

struct hm_bft_evidence {
	enum hm_bft_evidence_kind kind;
	uint16_t validator;
	uint64_t view;
	uint8_t hash1[HM_BFT_HASH_LEN];
	uint8_t sig1[HM_BFT_SIG_LEN];
	uint8_t hash2[HM_BFT_HASH_LEN];
	uint8_t sig2[HM_BFT_SIG_LEN];
};

/* Encoded size of a record, and the most one block may commit. */
#define HM_BFT_EVIDENCE_LEN       (1 + 2 + 8 + 2 * (HM_BFT_HASH_LEN + HM_BFT_SIG_LEN))
#define HM_BFT_BLOCK_EVIDENCE_MAX 64

/* Canonical encoding. Errors as the message encoders/decoders. */
int hm_bft_evidence_encode(struct hm_buf *out, const struct hm_bft_evidence *e);
int hm_bft_evidence_decode(struct hm_bft_evidence *e, const uint8_t *p, size_t len);

/*
 * HM_OK if e proves equivocation: two different hashes, both signed by the
 * validator for the view. HM_ERR_INVALID (equal hashes, unknown kind),
 * HM_ERR_RANGE (no such validator), HM_ERR_VERIFY.
 */
int hm_bft_evidence_verify(const struct hm_bft_validators *vs, const struct hm_bft_evidence *e)
        __attribute__((warn_unused_result));

/* ---- storage interface ---- */

/*
 * Where a replica keeps what must survive a crash. Every function returns
 * HM_OK or a negative code; the replica fails the call that needed it with
 * that code. A call returns only once the data is durable. Implementations:
 * in memory (the simulator) and LMDB (bft_lmdb.h).
 */
struct hm_bft_storage {
	void *ctx;
	/* Replaces the safety record (an opaque encoding made by the replica). */
	int (*save_safety)(void *ctx, const uint8_t *p, size_t len);
	/* Appends the record to out (left empty if none was ever saved). */
	int (*load_safety)(void *ctx, struct hm_buf *out);
	/* Appends committed block height (1, 2, ... in order), its encoding. */
	int (*append_block)(void *ctx, uint64_t height, const uint8_t *p, size_t len);
	/* Appends block height's encoding to out; HM_ERR_NOT_FOUND past the end. */
	int (*load_block)(void *ctx, uint64_t height, struct hm_buf *out);
	/*
	 * Keeps an uncommitted block the replica is about to vote for, by hash
	 * (storing the same hash twice is not an error). A certified block then
	 * survives in the storage of at least f+1 honest voters, so crashes
	 * cannot lose a block the chain already builds on.
	 */
	int (*put_block)(void *ctx, const uint8_t hash[HM_BFT_HASH_LEN], const uint8_t *p,
	                 size_t len);
	/* Appends the block with this hash to out; HM_ERR_NOT_FOUND if unknown. */
	int (*get_block)(void *ctx, const uint8_t hash[HM_BFT_HASH_LEN], struct hm_buf *out);
};

/* ---- the replica ---- */

/* Test-only behaviours: they make a replica unsafe on purpose. */
enum hm_bft_test_flags {
	HM_BFT_TEST_NO_LOCK = 1u << 0,    /* skip the TC locking rule (rule 3) */
	HM_BFT_BYZ_EQUIVOCATE = 1u << 1,  /* as leader, send different blocks to different peers */
	HM_BFT_BYZ_DOUBLE_VOTE = 1u << 2, /* vote for everything, twice per view */
	HM_BFT_BYZ_WITHHOLD = 1u << 3,    /* never vote */
	HM_BFT_BYZ_INVALID = 1u << 4,     /* as leader, propose malformed blocks */
	HM_BFT_BYZ_STALE = 1u << 5,       /* after a timeout, propose below the highest QC */
};

struct hm_bft_config {
	const struct hm_bft_validators *validators; /* copied */
	uint16_t self;
	const uint8_t *sk;    /* HM_BFT_SK_LEN bytes, copied (and wiped on del) */
	const uint8_t *pq_sk; /* hybrid policy: HM_BFT_PQ_SK_LEN bytes, copied; else NULL */
	const struct hm_bft_storage *storage; /* copied; ctx must outlive the replica */
	uint64_t base_timeout_ms;             /* 0: 1000 */
	unsigned max_backoff;                 /* timeout doubles at most this many times; 0: 4 */
	uint64_t max_skew_ms;       /* a block's timestamp may lead now by this much; 0: 10000 */
	uint32_t max_block_txs;     /* 0: 1000 */
	uint32_t max_block_bytes;   /* 0: 1 MiB (<= HM_BFT_PAYLOAD_MAX) */
	uint32_t mempool_max_txs;   /* 0: 10000 */
	uint64_t mempool_max_bytes; /* 0: 64 MiB */
	/*
	 * Pacing: with an empty mempool a leader proposes at most this long
	 * after the QC it builds on (0: at once, as the simulator does). Keep
	 * it well below base_timeout_ms.
	 */
	uint64_t min_block_interval_ms;
	uint32_t test_flags; /* enum hm_bft_test_flags; 0 in production */
};

struct hm_bft_replica;

enum hm_bft_output_kind {
	HM_BFT_OUT_SEND = 1,     /* data: a message; to: validator or HM_BFT_TO_ALL */
	HM_BFT_OUT_COMMIT = 2,   /* data: the committed block's encoding; height, hash */
	HM_BFT_OUT_EVIDENCE = 3, /* data: an evidence record's encoding (seen here) */
	/* data: an evidence record committed in block height (after its COMMIT) */
	HM_BFT_OUT_EVIDENCE_COMMITTED = 4,
};

struct hm_bft_output {
	enum hm_bft_output_kind kind;
	uint16_t to;
	uint64_t height;
	uint8_t hash[HM_BFT_HASH_LEN];
	struct hm_buf data; /* owned by the caller after next_output: hm_buf_free it */
};

struct hm_bft_status {
	uint64_t view;
	uint64_t last_voted_view;
	uint64_t high_qc_view;
	uint64_t committed_height;
	uint8_t committed_hash[HM_BFT_HASH_LEN];
	uint64_t timeouts_sent;
	uint64_t evidence;
	uint64_t rejected;           /* messages refused (bad encoding, signature, rule) */
	uint64_t wrong_shape;        /* of which: signatures not of the policy's shape */
	uint64_t evidence_pending;   /* records waiting for a block */
	uint64_t evidence_committed; /* records committed in the chain */
};

/*
 * Creates a replica, recovers it from storage (the safety record and the
 * committed chain) and starts view max(high QC, ...) + 1 at time now; a leader
 * queues its proposal. HM_ERR_INVALID (bad config), HM_ERR_NOMEM,
 * HM_ERR_CORRUPT (storage holds something that does not decode or chain), or
 * a storage error.
 */
int hm_bft_replica_new(struct hm_bft_replica **out, const struct hm_bft_config *cfg, uint64_t now);
/* Accepts NULL. */
void hm_bft_replica_del(struct hm_bft_replica *r);

/*
 * Handles one message from the network. Returns HM_OK when the message was
 * processed or ignored as stale/duplicate; a decoding error for malformed
 * bytes; HM_ERR_INVALID for signatures of the wrong shape for the policy
 * (counted in wrong_shape, nothing else looked at); HM_ERR_VERIFY /
 * HM_ERR_RANGE / HM_ERR_INVALID / HM_ERR_TOO_LARGE
 * for a message that breaks the rules (no vote is cast for it; valid
 * certificates it carried may still have advanced the view, and evidence
 * may have been output); HM_ERR_CORRUPT if a certified chain conflicts with
 * this replica's commits (more than f Byzantine validators); HM_ERR_NOMEM
 * or a storage error.
 */
int hm_bft_replica_on_message(struct hm_bft_replica *r, const uint8_t *p, size_t len, uint64_t now);

/* Fires expired timers (view timeout, timeout re-send). HM_OK, NOMEM, storage errors. */
int hm_bft_replica_on_timer(struct hm_bft_replica *r, uint64_t now);

/* The time at which on_timer must next be called. */
uint64_t hm_bft_replica_next_deadline(const struct hm_bft_replica *r);

/*
 * Offers a transaction for a future block. HM_OK, HM_ERR_LENGTH (empty or
 * over HM_BFT_TX_MAX or max_block_bytes), HM_ERR_EXISTS (already pending or
 * recently committed), HM_ERR_TOO_LARGE (mempool full), HM_ERR_NOMEM.
 */
int hm_bft_replica_submit_tx(struct hm_bft_replica *r, const uint8_t *tx, size_t len);

/*
 * Moves the oldest pending output into *out (the caller frees out->data).
 * HM_OK, or HM_ERR_NOT_FOUND when there is none.
 */
int hm_bft_replica_next_output(struct hm_bft_replica *r, struct hm_bft_output *out);

void hm_bft_replica_status(const struct hm_bft_replica *r, struct hm_bft_status *st);

/*
 * Range sync: at most this many blocks per hm_bft_replica_sync_blocks call.
 */
#define HM_BFT_SYNC_MAX 128

/*
 * Catches up on committed blocks fetched from a peer (docs/NODE.md §5).
 * p holds consecutive blocks as opaque block<1..2^24-1> (canonical
 * encodings), heights increasing by one, each naming the one before as its
 * parent; those at or below the committed height are skipped, and the next
 * must extend this replica's committed chain. Blocks are committed up to the
 * highest k whose child is certified in the next view (the QCs in blocks
 * k+1 and k+2, verified): the two-chain commit rule, so nothing is
 * committed that the protocol did not commit. Commits are output as usual.
 * *committed (may be NULL) gets how many. HM_OK (also when nothing could be
 * committed yet); a decoding error; HM_ERR_INVALID / HM_ERR_VERIFY /
 * HM_ERR_TOO_LARGE for blocks that break the rules or do not extend the
 * chain (nothing committed); HM_ERR_NOMEM or a storage error.
 */
int hm_bft_replica_sync_blocks(struct hm_bft_replica *r, const uint8_t *p, size_t len, uint64_t now,
                               uint64_t *committed);

/* Number of transactions waiting in the mempool. */
size_t hm_bft_replica_mempool_len(const struct hm_bft_replica *r);

#endif
