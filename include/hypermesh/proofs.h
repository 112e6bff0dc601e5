/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The four proofs every operation carries, and their validation
 * (docs/PROOFS.md):
 *
 *   PoStake  WHO   the envelope's certificate chain to the TrustChain root,
 *                  its signatures over the operation digest, and the
 *                  signer's authority level and stake from committed state;
 *   PoSpace  WHERE k openings of the signer's registered plot at indices
 *                  drawn from (anchor block hash, operation digest);
 *   PoWork   WHAT  SHA3-256(digest || nonce) with at least difficulty(type)
 *                  leading zero bits;
 *   PoTime   WHEN  an anchor to a recent committed block and a Wesolowski
 *                  VDF over (chain id || anchor hash) of T iterations.
 *
 * The proof set's encoding (canonical codec):
 *
 *   struct {
 *       uint8  version = 1;
 *       SpaceProof space;
 *       uint64 work_nonce;
 *       TimeProof time;
 *   } ProofSet;
 *
 *   struct {
 *       uint8  log2_labels;                       // the plot has 2^log2_labels labels
 *       SpaceOpening openings<1..2^24-1>;         // exactly HM_SPACE_CHALLENGES
 *   } SpaceProof;
 *   struct {
 *       opaque label[32];                         // the challenged label
 *       opaque prev[32];                          // label index-1 (zero for index 0)
 *       opaque parent[32];                        // label j(index) (zero for index 0)
 *       opaque path[32 * log2_labels];            // Merkle siblings, leaf level first
 *   } SpaceOpening;                               // its index is the challenge's
 *
 *   struct {
 *       uint64 anchor_height;
 *       opaque anchor_hash[32];
 *       uint64 vdf_iterations;
 *       opaque vdf_proof<0..2^16-1>;              // vdf.h encoding
 *   } TimeProof;
 *
 * PoStake's material (certificates, signatures) is in the envelope itself.
 */
#ifndef HYPERMESH_PROOFS_H
#define HYPERMESH_PROOFS_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"
#include "hypermesh/envelope.h"
#include "hypermesh/sig.h"

#define HM_PROOF_HASH_LEN 32
#define HM_KEY_ID_LEN     32 /* SHA-256 of the Ed25519 public key (node-id format) */

/* ---- parameters and committed state ---- */

/* PoSpace: openings per proof, and the plot sizes accepted (2^10 .. 2^36 labels). */
#define HM_SPACE_CHALLENGES 16
#define HM_SPACE_LOG2_MIN   10
#define HM_SPACE_LOG2_MAX   36
#define HM_SPACE_LABEL_LEN  32
/* PoWork difficulty never exceeds this many bits. */
#define HM_WORK_BITS_MAX    64

/* Authority levels, ordered: a requirement of level L admits L and above. */
enum hm_stake_level {
	HM_STAKE_NONE = 0,      /* any certified key */
	HM_STAKE_USER = 1,      /* a registered participant */
	HM_STAKE_VALIDATOR = 2, /* a validator operator */
	HM_STAKE_ADMIN = 3,     /* governance authority */
};

/* A registered plot: the Merkle root over 2^log2_labels labels of key_id's plot. */
struct hm_plot_commitment {
	uint8_t key_id[HM_KEY_ID_LEN];
	uint8_t log2_labels;
	uint8_t root[HM_PROOF_HASH_LEN];
};

/* What an operation type requires, from committed state. */
struct hm_proof_params {
	unsigned work_bits;      /* PoWork difficulty of this type */
	uint64_t vdf_iterations; /* PoTime T */
	uint64_t anchor_window;  /* PoTime: the anchor is at most this many blocks old */
	enum hm_stake_level min_level;
	uint64_t min_stake;
};

struct hm_stake_entry {
	enum hm_stake_level level;
	uint64_t stake;
};

/*
 * The committed state proofs read (governance.h implements it over LMDB;
 * tests use their own). Every function returns HM_OK, HM_ERR_NOT_FOUND
 * where noted, or a failure of this node (HM_ERR_IO, HM_ERR_CORRUPT,
 * HM_ERR_NOMEM), which makes validation fail with that code rather than
 * refuse the operation.
 */
struct hm_proof_state {
	void *ctx;
	/* The height of the last committed block. */
	int (*height)(void *ctx, uint64_t *height);
	/* The committed block hash at height; HM_ERR_NOT_FOUND if none. */
	int (*block_hash)(void *ctx, uint64_t height, uint8_t hash[HM_PROOF_HASH_LEN]);
	/* The TrustChain root certificate (DER), borrowed for the validation. */
	int (*root_cert)(void *ctx, const uint8_t **der, size_t *len);
	/* key_id's registered plot; HM_ERR_NOT_FOUND if none. */
	int (*plot)(void *ctx, const uint8_t key_id[HM_KEY_ID_LEN], struct hm_plot_commitment *out);
	/* Parameters for an operation type. */
	int (*params)(void *ctx, uint16_t op_type, struct hm_proof_params *out);
	/* key_id's level and stake (HM_STAKE_NONE, 0 when it has no entry). */
	int (*stake)(void *ctx, const uint8_t key_id[HM_KEY_ID_LEN], struct hm_stake_entry *out);
	/*
	 * Optional (NULL: revocation is not consulted): whether TrustChain
	 * revoked the certificate with this serial. HM_OK with *revoked, or
	 * HM_ERR_NOT_FOUND for a certificate TrustChain did not issue through
	 * consensus (the genesis CAs), which counts as not revoked.
	 */
	int (*cert_revoked)(void *ctx, const uint8_t *serial, size_t serial_len, int *revoked);
};

/* ---- the proof set ---- */

struct hm_space_opening {
	const uint8_t *label, *prev, *parent; /* 32 bytes each */
	const uint8_t *path;                  /* 32 * log2_labels bytes, leaf level first */
};

/* A decoded proof set; byte ranges borrow from the input. */
struct hm_proof_set {
	uint8_t space_log2;
	struct hm_space_opening space[HM_SPACE_CHALLENGES];
	uint64_t work_nonce;
	uint64_t anchor_height;
	uint8_t anchor_hash[HM_PROOF_HASH_LEN];
	uint64_t vdf_iterations;
	const uint8_t *vdf_proof;
	size_t vdf_proof_len;
};

/*
 * Strict decode: HM_ERR_TRUNCATED, HM_ERR_TRAILING, HM_ERR_LENGTH (an
 * opening or path of the wrong size, a wrong number of openings),
 * HM_ERR_INVALID (version, log2 outside [HM_SPACE_LOG2_MIN, MAX]).
 */
int hm_proof_set_decode(struct hm_proof_set *ps, const uint8_t *in, size_t len);

/*
 * Encodes a proof set from its parts: space (an encoded SpaceProof, from
 * hm_plot_prove), the work nonce and the time proof. Appends to out.
 */
int hm_proof_set_encode(const uint8_t *space, size_t space_len, uint64_t work_nonce,
                        uint64_t anchor_height, const uint8_t anchor_hash[HM_PROOF_HASH_LEN],
                        uint64_t vdf_iterations, const uint8_t *vdf_proof, size_t vdf_proof_len,
                        struct hm_buf *out);

/* ---- PoWork ---- */

/* Leading zero bits of SHA3-256(digest || uint64 nonce). */
unsigned hm_work_bits(const uint8_t digest[HM_ENV_DIGEST_LEN], uint64_t nonce);

/*
 * Searches nonces start, start+1, ... for one with at least bits zero bits,
 * trying at most max_tries (0: no limit). HM_OK with *nonce; HM_ERR_NOT_FOUND
 * after max_tries; HM_ERR_INVALID if bits > HM_WORK_BITS_MAX.
 */
int hm_work_solve(const uint8_t digest[HM_ENV_DIGEST_LEN], unsigned bits, uint64_t start,
                  uint64_t max_tries, uint64_t *nonce);

/* ---- PoSpace ---- */

/* The plot seed of key_id: SHA3-256("hypermesh/plot-seed/v1" || key_id || log2). */
void hm_space_seed(const uint8_t key_id[HM_KEY_ID_LEN], uint8_t log2_labels,
                   uint8_t seed[HM_PROOF_HASH_LEN]);

/*
 * label_i = SHA3-256("hypermesh/plot-label/v1" || seed || uint64 i || prev || parent)
 * where prev = label_{i-1} and parent = label_{j(i)}; both zero for i = 0.
 */
void hm_space_label(const uint8_t seed[HM_PROOF_HASH_LEN], uint64_t index,
                    const uint8_t prev[HM_SPACE_LABEL_LEN],
                    const uint8_t parent[HM_SPACE_LABEL_LEN], uint8_t out[HM_SPACE_LABEL_LEN]);

/* j(i), the data-dependent earlier parent of label i >= 1: uint64(prev[0..8]) mod i. */
uint64_t hm_space_parent_index(uint64_t index, const uint8_t prev[HM_SPACE_LABEL_LEN]);

/*
 * The HM_SPACE_CHALLENGES challenged indices: SHAKE256("hypermesh/space-
 * challenge/v1" || anchor_hash || digest), 8 bytes each, mod 2^log2.
 */
void hm_space_challenges(const uint8_t anchor_hash[HM_PROOF_HASH_LEN],
                         const uint8_t digest[HM_ENV_DIGEST_LEN], uint8_t log2_labels,
                         uint64_t idx[HM_SPACE_CHALLENGES]);

/* Merkle nodes: leaf = SHA3-256(0x00 || label), node = SHA3-256(0x01 || left || right). */
void hm_space_leaf_hash(const uint8_t label[HM_SPACE_LABEL_LEN], uint8_t out[HM_PROOF_HASH_LEN]);
void hm_space_node_hash(const uint8_t left[HM_PROOF_HASH_LEN],
                        const uint8_t right[HM_PROOF_HASH_LEN], uint8_t out[HM_PROOF_HASH_LEN]);

/* ---- PoTime's verification cache ---- */

/*
 * Verified VDF proofs, so that the many operations sharing an anchor cost one
 * VDF verification, not one each. Bounded (HM_VDF_CACHE_SLOTS, oldest
 * replaced first); only successes are kept, keyed by SHA3-256 of (input,
 * iterations, proof). Not thread-safe: one per validating thread.
 */
#define HM_VDF_CACHE_SLOTS 64
struct hm_vdf_cache {
	uint8_t key[HM_VDF_CACHE_SLOTS][HM_PROOF_HASH_LEN];
	unsigned used, next;
	uint64_t hits, misses;
};
void hm_vdf_cache_init(struct hm_vdf_cache *cache);

/* ---- PoStake's certificate-chain cache ---- */

/*
 * What a verified certificate chain establishes, independent of the operation
 * it signs: every operation of one node carries the same chain, so the chain
 * is verified once (two Ed25519 and two PQ signature checks, GnuTLS parsing)
 * and then only its facts are looked up. Keyed by SHA-256 of (root, chain);
 * an entry holds the chain's validity window (the latest notBefore and the
 * earliest notAfter of every certificate and the root), so a lookup outside
 * it verifies in full and gets the exact refusal. Only chains that verified
 * are kept. Revocation is never cached: the serials are kept and looked up in
 * state for every operation, so a revocation takes effect at once. The
 * operation's own signatures, stake and level are always checked. Bounded
 * (HM_STAKE_CACHE_SLOTS, oldest replaced first); zeroed memory is an empty
 * cache. Not thread-safe: one per validating thread.
 */
#define HM_STAKE_CACHE_SLOTS 16
struct hm_stake_chain {
	uint8_t key[32];
	int used;
	/* The chain is valid at t when not_before <= t <= not_after. */
	int64_t not_before, not_after;
	uint8_t leaf_pk[32]; /* the leaf's Ed25519 key */
	int alt_rc;          /* hm_tc_cert_alt_key of the leaf: HM_OK, NOT_FOUND, ... */
	uint16_t alt_alg;
	size_t alt_pk_len;
	uint8_t alt_pk[HM_SIG_PK_MAX];
	size_t n_certs;
	int serial_ok[HM_ENV_CERTS_MAX];
	size_t serial_len[HM_ENV_CERTS_MAX];
	uint8_t serial[HM_ENV_CERTS_MAX][64];
};
struct hm_stake_cache {
	struct hm_stake_chain slot[HM_STAKE_CACHE_SLOTS];
	unsigned next;
	uint64_t hits, misses;
};
void hm_stake_cache_init(struct hm_stake_cache *cache);

/* The VDF input of an anchor: chain_id || anchor_hash (64 bytes). */
#define HM_TIME_VDF_INPUT_LEN (HM_ENV_CHAIN_ID_LEN + HM_PROOF_HASH_LEN)
void hm_time_vdf_input(const uint8_t chain_id[HM_ENV_CHAIN_ID_LEN],
                       const uint8_t anchor_hash[HM_PROOF_HASH_LEN],
                       uint8_t input[HM_TIME_VDF_INPUT_LEN]);

/*
 * hm_vdf_verify of an anchor's VDF through cache (NULL: always verify): a
 * hit costs one hash; only proofs that verified are added. HM_OK, or
 * hm_vdf_verify's error.
 */
int hm_time_vdf_verify_cached(struct hm_vdf_cache *cache,
                              const uint8_t input[HM_TIME_VDF_INPUT_LEN], uint64_t iterations,
                              const uint8_t *proof, size_t proof_len);

/*
 * A PoTime anchor one validator evaluated and sends the others, so that the
 * network evaluates each anchor once (docs/NODE.md, "PoTime anchors"):
 *
 *   struct {
 *       uint8  version = 1;
 *       uint64 height;                  // the anchor block
 *       opaque block_hash[32];          // its hash
 *       uint64 vdf_iterations;          // T, 1..HM_VDF_ITERATIONS_MAX
 *       opaque vdf_proof<1..2^16-1>;    // exactly HM_VDF_PROOF_LEN bytes
 *   } PoTimeAnchor;
 *
 * Decoding checks the form only (HM_ERR_TRUNCATED, HM_ERR_TRAILING,
 * HM_ERR_LENGTH, HM_ERR_UNSUPPORTED for another version, HM_ERR_INVALID for
 * T out of range); the receiver checks the hash against its own chain and
 * verifies the VDF. The decoded proof points into the input.
 */
#define HM_TIME_ANCHOR_VERSION 1
struct hm_time_anchor {
	uint64_t height;
	uint8_t hash[HM_PROOF_HASH_LEN];
	uint64_t vdf_iterations;
	const uint8_t *vdf_proof;
	size_t vdf_proof_len;
};
int hm_time_anchor_encode(const struct hm_time_anchor *a, struct hm_buf *out);
int hm_time_anchor_decode(struct hm_time_anchor *a, const uint8_t *p, size_t len);

/* ---- validation ---- */

enum hm_proof_kind {
	HM_PROOF_STAKE = 0,
	HM_PROOF_SPACE = 1,
	HM_PROOF_WORK = 2,
	HM_PROOF_TIME = 3,
};
#define HM_PROOF_KINDS     4
#define HM_PROOF_BIT(kind) (1u << (kind))

/* Why a proof was refused; stable numbers (they go on the wire in RPC answers). */
enum hm_proof_reason {
	HM_PROOF_OK = 0,
	HM_PROOF_MALFORMED = 1,   /* the proof set or envelope does not decode */
	HM_PROOF_STATE_ERROR = 2, /* this node could not read its state (not the op's fault) */
	HM_PROOF_CHAIN_ID = 3,    /* the envelope is for another chain */
	HM_PROOF_STAKE_CERT = 4,  /* a certificate does not parse, or the leaf is not Ed25519 */
	HM_PROOF_STAKE_CHAIN = 5, /* the chain does not lead to the root (signature, CA flags) */
	HM_PROOF_STAKE_TIME = 6,  /* a certificate is not valid at the block's time */
	HM_PROOF_STAKE_SIGNATURE = 7,      /* the Ed25519 signature over the digest is wrong */
	HM_PROOF_STAKE_PQ_MISSING = 8,     /* the leaf has a PQ key but no PQ signature came */
	HM_PROOF_STAKE_PQ_SIGNATURE = 9,   /* the PQ signature is wrong or of another algorithm */
	HM_PROOF_STAKE_PQ_UNEXPECTED = 10, /* a PQ signature but the leaf has no PQ key */
	HM_PROOF_STAKE_LEVEL = 11,         /* the signer's authority level is below the type's */
	HM_PROOF_STAKE_AMOUNT = 12,        /* the signer's stake is below the type's */
	HM_PROOF_SPACE_UNREGISTERED = 13,  /* the signer has no registered plot */
	HM_PROOF_SPACE_SIZE = 14,          /* the proof's plot size is not the registered one */
	HM_PROOF_SPACE_LABEL = 15,         /* a label is not derived from its parents */
	HM_PROOF_SPACE_PATH = 16,          /* an opening does not lead to the registered root */
	HM_PROOF_WORK_INSUFFICIENT = 17,   /* fewer zero bits than the type's difficulty */
	HM_PROOF_TIME_FUTURE = 18,         /* the anchor is above the committed height */
	HM_PROOF_TIME_STALE = 19,          /* the anchor is older than the window */
	HM_PROOF_TIME_ANCHOR_HASH = 20,    /* the anchor hash is not the committed block's */
	HM_PROOF_TIME_ITERATIONS = 21,     /* the VDF's T is not the one in state */
	HM_PROOF_TIME_VDF = 22,            /* the VDF proof does not verify */
	HM_PROOF_STAKE_REVOKED = 23,       /* a certificate of the chain is revoked in TrustChain */
};
#define HM_PROOF_REASON_MAX HM_PROOF_STAKE_REVOKED

/* A short text for reason. */
const char *hm_proof_reason_str(enum hm_proof_reason reason);
/* "postake", "pospace", "powork", "potime". */
const char *hm_proof_kind_name(enum hm_proof_kind kind);

struct hm_proofs_result {
	unsigned failed;                             /* HM_PROOF_BIT(kind) for each refused proof */
	enum hm_proof_reason reason[HM_PROOF_KINDS]; /* HM_PROOF_OK for proofs that verified */
	int code[HM_PROOF_KINDS];                    /* the hm error behind each refusal */
	uint8_t signer[HM_KEY_ID_LEN];               /* the leaf's key id, when it parsed */
	int signer_known;
};

struct hm_proofs_context {
	const struct hm_proof_state *state;
	const uint8_t *chain_id; /* HM_ENV_CHAIN_ID_LEN bytes: this chain */
	uint64_t now_s;          /* certificate validity time: the block's timestamp, seconds */
	struct hm_vdf_cache *vdf_cache;     /* may be NULL: verify every time */
	struct hm_stake_cache *stake_cache; /* may be NULL: verify every chain every time */
};

/*
 * Validates all four proofs of a decoded envelope whose operation digest is
 * digest. Every proof is checked (not just up to the first failure), so res
 * names each one that failed. Returns HM_OK if all four verified;
 * HM_ERR_VERIFY if any was refused (see res); HM_ERR_INVALID (arguments);
 * or a failure of this node (HM_ERR_NOMEM, HM_ERR_IO, HM_ERR_CORRUPT) when
 * state could not be read, in which case the operation is not judged.
 */
int hm_proofs_validate(const struct hm_envelope *env, const uint8_t digest[HM_ENV_DIGEST_LEN],
                       const struct hm_proofs_context *ctx, struct hm_proofs_result *res)
        __attribute__((warn_unused_result));

/*
 * The result on the wire (the body of consensus/validate_proofs answers):
 *   struct {
 *       uint8 failed;                        // bitmask, HM_PROOF_BIT(kind)
 *       struct { uint8 reason; uint8 error; } verdict[4];   // error = -code
 *       uint8 signer_known;                  // 0 or 1
 *       opaque signer[32];                   // zero when unknown
 *   } ProofsResult;                          // HM_PROOFS_RESULT_LEN bytes
 * Decoding is strict: bits above 4, reasons or errors out of range,
 * signer_known > 1, a verdict that disagrees with the mask (HM_ERR_INVALID);
 * HM_ERR_TRUNCATED; HM_ERR_TRAILING.
 */
#define HM_PROOFS_RESULT_LEN (1 + 2 * HM_PROOF_KINDS + 1 + HM_KEY_ID_LEN)
int hm_proofs_result_encode(const struct hm_proofs_result *res, struct hm_buf *out);
int hm_proofs_result_decode(struct hm_proofs_result *res, const uint8_t *in, size_t len);

/*
 * The signer's key id: SHA-256 of the leaf certificate's raw Ed25519 public
 * key. HM_OK; HM_ERR_ENCODING (not a certificate); HM_ERR_UNSUPPORTED (not
 * an Ed25519 key).
 */
int hm_proofs_cert_key_id(const uint8_t *der, size_t len, uint8_t key_id[HM_KEY_ID_LEN]);

/*
 * Verifies an encoded SpaceProof (hm_plot_prove's output) against commitment
 * c for the challenges of (anchor_hash, digest). The anchor's authenticity
 * and freshness are not checked here (hm_proofs_validate does). HM_OK;
 * HM_ERR_VERIFY with *reason; decode errors (*reason HM_PROOF_MALFORMED);
 * HM_ERR_INVALID.
 */
int hm_space_verify(const struct hm_plot_commitment *c,
                    const uint8_t anchor_hash[HM_PROOF_HASH_LEN],
                    const uint8_t digest[HM_ENV_DIGEST_LEN], const uint8_t *proof, size_t len,
                    enum hm_proof_reason *reason) __attribute__((warn_unused_result));

#endif
