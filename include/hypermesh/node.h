/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The node daemon: one libuv loop owning a consensus replica (bft.h) over
 * its LMDB store, STOQ connections to the other validators, the executor
 * (executor.h) with its state modules, and the `hypermesh` RPC service.
 * docs/NODE.md describes the process, the config file, the wire format and
 * the restart and corruption behaviour.
 *
 * Integration seams (all before hm_node_start):
 *   hm_node_executor(n)  -> hm_executor_add_module / hm_executor_set_verifier
 *   hm_node_loop(n)      -> other servers (HTTP) on the same loop
 *   hm_node_submit / hm_node_status / hm_executor_watch for an API.
 */
#ifndef HYPERMESH_NODE_H
#define HYPERMESH_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/bft.h"
#include "hypermesh/executor.h"
#include "hypermesh/keystore.h"
#include "hypermesh/log.h"

#define HM_NODE_NAME_MAX    64
#define HM_NODE_PATH_MAX    1024
#define HM_NODE_HOST_MAX    64
#define HM_NODE_ERROR_MAX   512
/* The STOQ RPC service of a node, and its methods. */
#define HM_NODE_SERVICE     "hypermesh"
#define HM_NODE_M_SUBMIT    "consensus/submit"
#define HM_NODE_M_STATUS    "consensus/status"
#define HM_NODE_M_RECEIPT   "consensus/receipt"
#define HM_NODE_M_BLOCKS    "consensus/blocks"  /* uint64 from, uint16 count -> block<1..2^24-1>* */
#define HM_NODE_M_BLOCK     "consensus/block"   /* uint64 height -> canonical block */
#define HM_NODE_M_FORWARD   "consensus/forward" /* one-way, validators only */
#define HM_NODE_M_VALIDATE  "consensus/validate_proofs" /* services.h */
#define HM_NODE_M_ANCHOR    "potime/anchor" /* one-way, validators only: a PoTimeAnchor */
/* Consensus messages between validators: one-way frames of this service. */
#define HM_NODE_BFT_SERVICE "bft"
#define HM_NODE_BFT_METHOD  "msg"

struct hm_node_addr {
	char host[HM_NODE_HOST_MAX]; /* numeric IPv4 or IPv6, no brackets */
	uint16_t port;
};

struct hm_node_validator {
	uint8_t pk[HM_BFT_PK_LEN];
	uint8_t node_id[HM_NODE_ID_LEN]; /* SHA-256 of pk */
	struct hm_node_addr stoq;
};

/*
 * The parsed config file. Relative paths are resolved against the config
 * file's directory.
 */
struct hm_node_config {
	/* [node] */
	char name[HM_NODE_NAME_MAX];
	char data_dir[HM_NODE_PATH_MAX];
	char key_file[HM_NODE_PATH_MAX];
	size_t consensus_map_size; /* [node] consensus_map_mb; 0: 1 GiB */
	enum hm_log_level log_level;
	int has_log_level;
	/* [consensus] */
	uint8_t chain_id[HM_BFT_CHAIN_ID_MAX];
	size_t chain_id_len;
	uint64_t base_timeout_ms;       /* default 1000 */
	uint64_t min_block_interval_ms; /* default 250 */
	uint32_t max_block_txs;         /* default 1000 */
	uint16_t nvalidators;
	struct hm_node_validator validators[HM_BFT_MAX_VALIDATORS];
	/*
	 * Post-quantum (docs/CONSENSUS.md §2a): the policy (default ed25519),
	 * this node's ML-DSA-87 key file and the genesis list of every
	 * validator's PQ public key ("" when not given). With the key, STOQ
	 * authenticates with it instead of a throwaway key; with the list, each
	 * peer validator's PQ key is pinned. hybrid needs both.
	 */
	enum hm_bft_sig_policy sig_policy;
	char pq_key_file[HM_NODE_PATH_MAX];
	char pq_validators[HM_NODE_PATH_MAX];
	/* [stoq] */
	struct hm_node_addr stoq_listen;
	/*
	 * TrustChain identity (optional, together): this node's STOQ chain (PEM,
	 * node profile, leaf first) and the root peers' chains must lead to.
	 * "" for both: self-signed certificates, node ids pinned alone.
	 */
	char stoq_cert_chain[HM_NODE_PATH_MAX];
	char stoq_trust_root[HM_NODE_PATH_MAX];
	uint32_t stoq_max_udp_payload; /* 0: automatic (hm_stoq_config.max_udp_payload) */
	/* [api] (served by the integrator's HTTP server) */
	int has_api;
	struct hm_node_addr api_listen;
	char api_dashboard_dir[HM_NODE_PATH_MAX]; /* static files at /, "" for none */
	/* [trustchain] (the services layer, services.h) */
	int has_trustchain;
	char tc_genesis_dir[HM_NODE_PATH_MAX]; /* TrustChain + governance genesis */
	char tc_certificate[HM_NODE_PATH_MAX]; /* this node's signing certificate (DER) */
	char tc_plot_dir[HM_NODE_PATH_MAX];    /* this node's PoSpace plot */
	char tc_ct_log[HM_NODE_PATH_MAX];      /* "": data_dir/ct.lmdb */
	/* Committed blocks after a PoTime anchor height before this node evaluates
	 * the anchor itself when its designated evaluator's has not come; 0: a
	 * quarter of the anchor window (services.c, docs/NODE.md). */
	uint64_t tc_anchor_grace_blocks;
};

/*
 * Parses an INI config strictly: an unknown section or key, a repeated
 * key, a bad value or a missing required key is an error; err gets
 * "FILE:LINE: what" (or "FILE: what" for a whole-file problem). HM_OK,
 * HM_ERR_INVALID (the file is wrong), HM_ERR_NOT_FOUND / HM_ERR_IO (cannot
 * read it).
 */
int hm_node_config_load(const char *path, struct hm_node_config *cfg, char *err, size_t errlen);

/* Files longer than this are refused (HM_ERR_INVALID). */
#define HM_NODE_CONFIG_MAX (1u << 20)

/*
 * The same on len bytes of text that stand for the file at path (used for
 * messages and to resolve relative paths). A NUL byte is HM_ERR_INVALID.
 */
int hm_node_config_parse(const char *path, const uint8_t *text, size_t len,
                         struct hm_node_config *cfg, char *err, size_t errlen);

/* "HOST:PORT" or "[V6]:PORT" with a numeric host. HM_OK or HM_ERR_INVALID. */
int hm_node_addr_parse(const char *s, struct hm_node_addr *out);

struct hm_node;
struct uv_loop_s;

/*
 * Opens everything a node needs on loop: the key file (its public key must
 * be one of the validators'), data_dir/consensus and data_dir/state (created
 * if missing), with integrity checks of the committed chain (docs/NODE.md);
 * the replica; the STOQ endpoint (bound). Nothing runs until hm_node_start.
 * On failure err says why. HM_OK, HM_ERR_INVALID, HM_ERR_CORRUPT (the store
 * fails a check), HM_ERR_IO, HM_ERR_NOMEM, ...
 */
int hm_node_new(struct hm_node **out, struct uv_loop_s *loop, const struct hm_node_config *cfg,
                char *err, size_t errlen);

struct hm_executor *hm_node_executor(struct hm_node *n);
struct uv_loop_s *hm_node_loop(struct hm_node *n);
/* The bound STOQ port (the config may say 0: the kernel chooses); 0 once stopped. */
uint16_t hm_node_stoq_port(const struct hm_node *n);

/*
 * Starts the executor (modules' open, re-applies committed blocks above
 * the applied height), timers and peer connections. HM_OK or an error.
 */
int hm_node_start(struct hm_node *n, char *err, size_t errlen);

/*
 * Offers a transaction: to the local mempool and forwarded to every other
 * validator. txid gets SHA-256 of tx. HM_OK, HM_ERR_EXISTS (already pending
 * or committed: txid is still set), HM_ERR_LENGTH, HM_ERR_TOO_LARGE (mempool
 * full), HM_ERR_INVALID (stopping).
 */
int hm_node_submit(struct hm_node *n, const uint8_t *tx, size_t len, uint8_t txid[HM_TXID_LEN]);

struct hm_node_status {
	uint64_t height; /* committed */
	uint8_t hash[HM_BFT_HASH_LEN];
	uint64_t applied_height;
	uint64_t view;
	uint16_t validators, self, peers_connected;
	uint64_t last_commit_latency_ms; /* commit time minus the block's timestamp */
	size_t mempool;
	/* Committed equivocation evidence: records, and how many name each validator. */
	uint64_t evidence_count;
	uint64_t offenses[HM_BFT_MAX_VALIDATORS];
};

void hm_node_status(const struct hm_node *n, struct hm_node_status *st);

/*
 * Drains and stops: refuses new submissions, flushes queued consensus
 * output, closes STOQ and stops timers; done(user) runs once every handle is
 * closed (then hm_node_free). done NULL keeps the callback registered with
 * hm_node_on_stopped. Idempotent.
 */
void hm_node_stop(struct hm_node *n, void (*done)(void *user), void *user);

/*
 * The callback for every stop, including one the node makes itself after a
 * fatal error (hm_node_failure then says why): the owner closes its own
 * handles there (signal watchers) so the loop can end.
 */
void hm_node_on_stopped(struct hm_node *n, void (*done)(void *user), void *user);

/* Closes LMDB and frees. After the loop has run the stop to completion. */
void hm_node_free(struct hm_node *n);

/*
 * Calls hook after each committed block has been applied (state durable),
 * with the number of transactions it carried. One hook; NULL removes it.
 */
void hm_node_set_commit_hook(struct hm_node *n,
                             void (*hook)(void *user, const struct hm_block_info *b, size_t ntx),
                             void *user);
/*
 * The hash of the committed block at height (0: genesis). HM_OK,
 * HM_ERR_NOT_FOUND (not committed here), HM_ERR_CORRUPT, storage errors.
 */
int hm_node_block_hash(struct hm_node *n, uint64_t height, uint8_t hash[HM_BFT_HASH_LEN]);
/*
 * Answers the node's `hypermesh` RPC methods it does not know itself
 * (services.h adds consensus/validate_proofs): fn appends the reply body
 * and returns HM_OK, or returns the error the caller gets (HM_ERR_UNSUPPORTED
 * for an unknown method). Runs on the loop.
 */
typedef int (*hm_node_rpc_fn)(void *user, const char *method, const uint8_t *body, size_t len,
                              struct hm_buf *reply);
void hm_node_set_rpc_hook(struct hm_node *n, hm_node_rpc_fn fn, void *user);
/*
 * With [stoq] trust_root, STOQ asks at every handshake, for every
 * certificate of the peer's TrustChain chain below the root (depth 0 = the
 * leaf), whether it is revoked: fn returns nonzero to refuse the chain
 * (HM_STOQ_CHAIN_REVOKED), and that for any depth refuses every chain
 * below it. serial is the DER INTEGER's content octets. services.h sets it
 * to a lookup in committed TrustChain state. Runs on the loop; one hook;
 * NULL removes it (nothing is revoked).
 */
typedef int (*hm_node_cert_revoked_fn)(void *user, const uint8_t *serial, size_t serial_len,
                                       int depth);
void hm_node_set_cert_revoked_hook(struct hm_node *n, hm_node_cert_revoked_fn fn, void *user);

/*
 * One-way `hypermesh` messages between validators that the node does not
 * handle itself (services.c: HM_NODE_M_ANCHOR). fn gets the sending
 * validator's index (the authenticated STOQ peer, never this node), the
 * method and the body; it runs on the loop. One hook; NULL removes it.
 */
typedef void (*hm_node_peer_msg_fn)(void *user, uint16_t from, const char *method,
                                    const uint8_t *body, size_t len);
void hm_node_set_peer_msg_hook(struct hm_node *n, hm_node_peer_msg_fn fn, void *user);
/*
 * Sends a one-way `hypermesh` message to every validator this node is
 * connected to (not dialing anyone). Returns how many it was handed to.
 */
unsigned hm_node_send_validators(struct hm_node *n, const char *method, const uint8_t *body,
                                 size_t len);

/* The node's STOQ endpoint counters (zero once stopped). */
struct hm_stoq_stats;
void hm_node_stoq_stats(const struct hm_node *n, struct hm_stoq_stats *st);

/* The config the node runs with. */
const struct hm_node_config *hm_node_config_of(const struct hm_node *n);
/* A fatal error stopped the node (executor failure, corrupt chain): its code, or HM_OK. */
int hm_node_failure(const struct hm_node *n);

#endif
