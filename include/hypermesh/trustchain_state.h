/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TrustChain as a replicated state module (module.h): certificate issuance,
 * revocation and API keys go through consensus as operations; every
 * validator checks them in apply() and logs issued certificates in the CT
 * log (ct_log.h) in committed(). Design: docs/TRUSTCHAIN.md.
 */
#ifndef HYPERMESH_TRUSTCHAIN_STATE_H
#define HYPERMESH_TRUSTCHAIN_STATE_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"
#include "hypermesh/ct.h"
#include "hypermesh/module.h"
#include "hypermesh/sig.h"
#include "hypermesh/trustchain.h"

/* Operation types (module.h range HM_OP_TRUSTCHAIN_MIN..MAX); wire values. */
enum hm_tc_op_type {
	HM_OP_TC_ISSUE = 0x0101,
	HM_OP_TC_REVOKE = 0x0102,
	HM_OP_TC_APIKEY_CREATE = 0x0110,
	HM_OP_TC_APIKEY_REVOKE = 0x0111,
};

#define HM_TC_KEY_ID_LEN     16
#define HM_TC_KEY_HASH_LEN   32
#define HM_TC_REQUEST_ID_LEN 32
#define HM_TC_LABEL_MAX      64

/* ---- API keys and roles (apikey.c) ---- */

enum hm_tc_role {
	HM_TC_ROLE_ADMIN = 1,     /* everything, including key management */
	HM_TC_ROLE_ISSUER = 2,    /* issue, revoke, read */
	HM_TC_ROLE_REQUESTER = 3, /* issue (request), read */
	HM_TC_ROLE_AUDITOR = 4,   /* read only */
};

enum hm_tc_action {
	HM_TC_ACTION_ISSUE = 1,
	HM_TC_ACTION_REVOKE = 2,
	HM_TC_ACTION_GET = 3,        /* certificate by serial / request id */
	HM_TC_ACTION_CT_READ = 4,    /* STH, proofs, entries, SCTs */
	HM_TC_ACTION_KEY_MANAGE = 5, /* create and revoke API keys */
	HM_TC_ACTION_STATUS = 6,
};

/* 1 if role may perform action (the permission table, docs/TRUSTCHAIN.md). */
int hm_tc_role_allows(enum hm_tc_role role, enum hm_tc_action action);
/* "admin", "issuer", "requester", "auditor"; NULL if unknown. */
const char *hm_tc_role_name(enum hm_tc_role role);
int hm_tc_role_from_name(const char *name, enum hm_tc_role *role);

/* "hmk_" + 64 hex digits: the 256-bit secret, shown once. */
#define HM_TC_APIKEY_STRLEN 68

/*
 * Draws a fresh key: text (NUL-terminated) to hand to the client once, and
 * what state keeps: id = SHA3-256(key)[0..16), hash = SHA3-256(key).
 * HM_OK or HM_ERR_RANDOM.
 */
int hm_tc_apikey_generate(char text[HM_TC_APIKEY_STRLEN + 1], uint8_t id[HM_TC_KEY_ID_LEN],
                          uint8_t hash[HM_TC_KEY_HASH_LEN]);
/* Parses presented key text into id and hash. HM_OK or HM_ERR_ENCODING. */
int hm_tc_apikey_parse(const char *text, uint8_t id[HM_TC_KEY_ID_LEN],
                       uint8_t hash[HM_TC_KEY_HASH_LEN]);

/*
 * A node-local token bucket per key id (not consensus state). rate tokens per
 * second up to burst; capacity bounds the number of keys tracked (least
 * recently seen evicted).
 */
struct hm_tc_ratelimit;
int hm_tc_ratelimit_new(double rate, double burst, size_t capacity, struct hm_tc_ratelimit **out);
void hm_tc_ratelimit_free(struct hm_tc_ratelimit *rl);
/* 1 if a request by id at now_ms is allowed (and takes a token), 0 if limited. */
int hm_tc_ratelimit_take(struct hm_tc_ratelimit *rl, const uint8_t id[HM_TC_KEY_ID_LEN],
                         uint64_t now_ms);

/* ---- operation payloads (ops.c), canonical codec ---- */

/*
 * ISSUE: u8 version (1) || actor[16] || u8 profile || u64 not_before (Unix s)
 *        || opaque csr<1..2^16-1> (DER) || opaque cert<1..2^24-1> (DER)
 * actor is the key id of the API key the submitting node authenticated.
 */
struct hm_tc_issue_op {
	uint8_t actor[HM_TC_KEY_ID_LEN];
	enum hm_tc_profile profile;
	uint64_t not_before;
	const uint8_t *csr; /* borrowed */
	size_t csr_len;
	const uint8_t *cert; /* borrowed */
	size_t cert_len;
};

/* REVOKE: u8 version || actor[16] || serial[16] || u8 reason (RFC 5280 CRLReason, 0..10 but 7). */
struct hm_tc_revoke_op {
	uint8_t actor[HM_TC_KEY_ID_LEN];
	uint8_t serial[HM_TC_SERIAL_LEN];
	uint8_t reason;
};

/* APIKEY_CREATE: u8 version || actor[16] || id[16] || hash[32] || u8 role || opaque label<0..64>.
 */
struct hm_tc_apikey_op {
	uint8_t actor[HM_TC_KEY_ID_LEN];
	uint8_t id[HM_TC_KEY_ID_LEN];
	uint8_t hash[HM_TC_KEY_HASH_LEN]; /* create only */
	enum hm_tc_role role;             /* create only */
	const uint8_t *label;             /* create only, borrowed */
	size_t label_len;
};
/* APIKEY_REVOKE: u8 version || actor[16] || id[16]. */

int hm_tc_issue_op_encode(const struct hm_tc_issue_op *op, struct hm_buf *out);
int hm_tc_issue_op_decode(struct hm_tc_issue_op *op, const uint8_t *in, size_t len);
int hm_tc_revoke_op_encode(const struct hm_tc_revoke_op *op, struct hm_buf *out);
int hm_tc_revoke_op_decode(struct hm_tc_revoke_op *op, const uint8_t *in, size_t len);
int hm_tc_apikey_create_op_encode(const struct hm_tc_apikey_op *op, struct hm_buf *out);
int hm_tc_apikey_create_op_decode(struct hm_tc_apikey_op *op, const uint8_t *in, size_t len);
int hm_tc_apikey_revoke_op_encode(const struct hm_tc_apikey_op *op, struct hm_buf *out);
int hm_tc_apikey_revoke_op_decode(struct hm_tc_apikey_op *op, const uint8_t *in, size_t len);
/* Decoders: HM_OK; HM_ERR_TRUNCATED/HM_ERR_LENGTH/HM_ERR_TRAILING; HM_ERR_INVALID (version, enum).
 */

/*
 * The stateless check of an ISSUE payload (what check() runs): it decodes,
 * and the CSR and the certificate are well-formed DER at the top levels. No
 * signature is verified here: check() runs again at block application, so
 * signatures and policy are verified once, in apply(). HM_OK or the refusal.
 */
int hm_tc_issue_op_check(const uint8_t *payload, size_t len);

/* ---- genesis (genesis.c) ---- */

/*
 * Creates a TrustChain genesis in the existing directory dir:
 *   root.crt (PEM), root.key, root.pq.key
 *   ca-<i>.crt, ca-<i>.key, ca-<i>.pq.key   for i in 0 .. validators-1
 *   log.key (Ed25519 CT log key, PQ-key file format), admin.apikey ("hmk_...")
 *   genesis.json (what state is initialised from; see docs/TRUSTCHAIN.md)
 * Private keys are written 0600, nothing is overwritten. PQ keys are pq_alg
 * (ML-DSA-87 or Falcon-1024). crl_base (may be NULL) prefixes the CRL
 * distribution point of intermediate i: "<crl_base>/<i>.crl".
 * HM_OK; HM_ERR_INVALID; HM_ERR_EXISTS; file and crypto errors.
 */
int hm_tc_genesis_create(const char *dir, unsigned validators, enum hm_sig_alg pq_alg,
                         uint64_t not_before, const char *crl_base);

/* What state is initialised from (loaded from genesis.json and the certificates). */
struct hm_tc_genesis {
	struct hm_buf root; /* DER */
	size_t n_intermediates;
	struct hm_buf *intermediates; /* DER, index = validator index */
	enum hm_sig_alg log_alg;
	uint8_t log_pk[HM_SIG_PK_MAX];
	size_t log_pk_len;
	uint8_t admin_id[HM_TC_KEY_ID_LEN];
	uint8_t admin_hash[HM_TC_KEY_HASH_LEN];
	char *crl_base; /* NULL if none */
};

/* HM_OK; HM_ERR_NOT_FOUND; HM_ERR_ENCODING (malformed JSON/certificates); HM_ERR_NOMEM. */
int hm_tc_genesis_load(const char *dir, struct hm_tc_genesis *g);
void hm_tc_genesis_free(struct hm_tc_genesis *g);
/* The issuing CA of validator index from a genesis directory (its key files). */
int hm_tc_genesis_load_ca(const char *dir, unsigned index, struct hm_tc_ca **out);

/* ---- the state module (module.c) ---- */

struct hm_tc_module_config {
	const char *genesis_dir; /* required: genesis.json etc. */
	const char *ct_log_path; /* required: the CT log's own LMDB file (created) */
	/* Optional: log private key file (genesis log.key) to sign SCTs and STHs. */
	const char *log_key_path;
	unsigned ct_log_flags; /* extra hm_ct_log flags (HM_CT_LOG_NOSYNC for tests) */
};

/*
 * Fills *out with the TrustChain module (name "trustchain", types
 * HM_OP_TRUSTCHAIN_MIN..MAX). The executor calls out->close(out->ctx) to free.
 * HM_OK; errors of hm_tc_genesis_load, hm_ct_log_open, key loading.
 */
int hm_tc_module_new(const struct hm_tc_module_config *cfg, struct hm_module *out);

enum hm_tc_cert_status {
	HM_TC_CERT_PENDING = 0, /* in state, not yet in the CT log: not valid yet */
	HM_TC_CERT_VALID = 1,   /* logged */
	HM_TC_CERT_REVOKED = 2,
};

struct hm_tc_cert_info {
	struct hm_buf der; /* caller init/free */
	enum hm_tc_cert_status status;
	enum hm_tc_profile profile;
	uint16_t intermediate; /* validator index of the issuer */
	uint64_t ct_index;
	uint64_t ct_timestamp_ms; /* the block timestamp: the SCT and leaf timestamp */
	uint64_t height;
	uint8_t request_id[HM_TC_REQUEST_ID_LEN];
	uint8_t op_digest[HM_MODULE_HASH_LEN];
	uint64_t revoked_at_ms; /* when REVOKED */
	uint8_t revoke_reason;
};

/*
 * Queries over a read (or write) transaction of the executor's environment;
 * ctx is the module's ctx. HM_OK, HM_ERR_NOT_FOUND, HM_ERR_CORRUPT, HM_ERR_NOMEM.
 */
int hm_tc_get_cert(void *ctx, MDB_txn *txn, const uint8_t serial[HM_TC_SERIAL_LEN],
                   struct hm_tc_cert_info *info);
/*
 * Whether committed state records the certificate with this serial (the
 * DER INTEGER's content octets) as revoked: one lookup in the revocation
 * table under a read transaction of its own on the environment the module
 * was opened with; no certificate is read or copied, so it is cheap enough
 * to ask at every STOQ handshake (the node's [stoq] revocation check,
 * docs/NODE.md). Call it outside any transaction of this thread on that
 * environment. A serial of another length than HM_TC_SERIAL_LEN was never
 * issued by TrustChain: *revoked = 0. Returns HM_OK with *revoked 0 or 1;
 * HM_ERR_INVALID before the module was opened; LMDB failures (HM_ERR_IO...,
 * e.g. no free reader slot), with *revoked = 0.
 */
int hm_tc_cert_is_revoked(void *ctx, const uint8_t *serial, size_t serial_len, int *revoked);
/* Serial by request id (hm_tc_request_id) or by operation digest. */
int hm_tc_get_serial_by_request(void *ctx, MDB_txn *txn, const uint8_t id[HM_TC_REQUEST_ID_LEN],
                                uint8_t serial[HM_TC_SERIAL_LEN]);
int hm_tc_get_serial_by_op(void *ctx, MDB_txn *txn, const uint8_t digest[HM_MODULE_HASH_LEN],
                           uint8_t serial[HM_TC_SERIAL_LEN]);

/*
 * The SCT (ct.h encoding) of a logged certificate, signed by the log key at
 * its leaf timestamp. HM_ERR_NOT_FOUND (unknown or not logged yet);
 * HM_ERR_UNSUPPORTED (no log key configured).
 */
int hm_tc_get_sct(void *ctx, MDB_txn *txn, const uint8_t serial[HM_TC_SERIAL_LEN],
                  struct hm_buf *sct);

/*
 * The inclusion proof of a logged certificate against the current tree:
 * *tree_size and root get the tree, proof (appended) the 32-byte hashes.
 */
int hm_tc_get_inclusion(void *ctx, MDB_txn *txn, const uint8_t serial[HM_TC_SERIAL_LEN],
                        uint64_t *tree_size, uint8_t root[HM_CT_HASH_LEN], struct hm_buf *proof);

/* The current STH signed by the log key at timestamp_ms (the node's clock). */
int hm_tc_get_sth(void *ctx, uint64_t timestamp_ms, struct hm_ct_sth *sth);

/* The CT log (borrowed) for entries and consistency proofs. */
struct hm_ct_log *hm_tc_ct_log(void *ctx);

/*
 * Checks a presented API key against state: known, not revoked, role allows
 * action (constant-time comparison of the stored hash). actor (may be NULL)
 * gets the key id to put in the operation. HM_OK; HM_ERR_PERMISSION.
 */
int hm_tc_authorize(void *ctx, MDB_txn *txn, const char *presented_key, enum hm_tc_action action,
                    uint8_t actor[HM_TC_KEY_ID_LEN]);

/*
 * A CRL (DER) of the certificates revoked that ca issued, signed by ca,
 * thisUpdate/nextUpdate in Unix seconds.
 */
int hm_tc_crl(void *ctx, MDB_txn *txn, const struct hm_tc_ca *ca, uint64_t this_update,
              uint64_t next_update, struct hm_buf *der);

/* One API key as `apikey list` shows it: never the secret, never its hash. */
struct hm_tc_apikey_info {
	uint8_t id[HM_TC_KEY_ID_LEN];
	enum hm_tc_role role;
	int revoked;
	uint8_t label[HM_TC_LABEL_MAX];
	size_t label_len;
	uint64_t created_ms; /* block time of its APIKEY_CREATE; 0 with genesis */
	int genesis;         /* 1 for the genesis admin key (created by no operation) */
};
typedef int (*hm_tc_apikey_fn)(void *arg, const struct hm_tc_apikey_info *key);

/*
 * Calls fn for every API key in state, in key-id order; a non-zero return
 * from fn stops the walk and is returned. HM_OK; HM_ERR_CORRUPT; LMDB errors.
 */
int hm_tc_apikey_list(void *ctx, MDB_txn *txn, hm_tc_apikey_fn fn, void *arg);

/* ---- operator access to a stopped node's (or an offline CA's) state (offline.c) ---- */

/*
 * The TrustChain state of a data directory opened by an operator command:
 * data_dir/state is the LMDB environment the node's executor keeps, and
 * data_dir/ct.lmdb its CT log; genesis_dir holds genesis.json. Operations go
 * through the module's own check() and apply(), in a pseudo-block of height
 * 0 stamped with the caller's clock, with the genesis admin key as actor and
 * an all-zero signer. On a multi-validator network this changes one
 * replica's state only; it is meant for a single-validator devnet or an
 * offline CA (docs/TRUSTCHAIN.md §9).
 */
struct hm_tc_offline;

/*
 * Opens (with create, making data_dir/state if it is absent) the state.
 * HM_OK; HM_ERR_NOT_FOUND (no state and !create, or no genesis);
 * HM_ERR_PERMISSION with *holder (may be NULL) set to the process id when
 * another live process has the environment open (a running node: stop it);
 * HM_ERR_CORRUPT (state from another genesis); module and LMDB errors.
 */
int hm_tc_offline_open(const char *data_dir, const char *genesis_dir, int create,
                       struct hm_tc_offline **out, long *holder);
void hm_tc_offline_close(struct hm_tc_offline *o); /* accepts NULL */
/* The module ctx (for the queries above) and the environment. */
void *hm_tc_offline_ctx(struct hm_tc_offline *o);
MDB_env *hm_tc_offline_env(struct hm_tc_offline *o);
/* The genesis admin key id: the actor of operator operations. */
const uint8_t *hm_tc_offline_admin(const struct hm_tc_offline *o);
/*
 * Runs one operation (type, payload) through check() and apply() in its own
 * write transaction, then committed() (CT log). result as apply's. HM_OK or
 * the module's refusal; nothing is written on failure.
 */
int hm_tc_offline_apply(struct hm_tc_offline *o, uint16_t type, const uint8_t *payload, size_t len,
                        uint64_t now_ms, struct hm_buf *result);

/* Audit records appended so far (one per successfully applied operation). */
int hm_tc_audit_count(void *ctx, MDB_txn *txn, uint64_t *count);

#endif
