/* SPDX-License-Identifier: Apache-2.0 */
/* Shared between services.c (modules, operations, anchors) and api.c (HTTP). */
#ifndef HYPERMESH_SERVICES_INTERNAL_H
#define HYPERMESH_SERVICES_INTERNAL_H

#define _GNU_SOURCE /* libuv's POSIX thread types */
#include <stdint.h>
#include <uv.h>

#include "hypermesh/ct_note.h"
#include "hypermesh/envelope.h"
#include "hypermesh/executor.h"
#include "hypermesh/http.h"
#include "hypermesh/metrics.h"
#include "hypermesh/node.h"
#include "hypermesh/plot.h"
#include "hypermesh/proofs.h"
#include "hypermesh/services.h"
#include "hypermesh/trustchain.h"
#include "hypermesh/trustchain_state.h"
#include "hypermesh/vdf.h"

/* The PoTime anchor operations made here point at. */
struct svc_anchor {
	int ready;
	uint64_t height;
	uint8_t hash[HM_PROOF_HASH_LEN];
	struct hm_buf vdf_proof;
};

/* Why this node evaluates an anchor itself (services.c, "PoTime anchors"). */
enum svc_vdf_why {
	SVC_VDF_BOOTSTRAP,  /* no usable anchor at all (start, restart, long stall) */
	SVC_VDF_DESIGNATED, /* this node is the anchor's designated evaluator */
	SVC_VDF_FALLBACK,   /* the designated evaluator's anchor did not come in time */
};

/*
 * An anchor from a peer for a block this node has not committed yet, held
 * until it has (one per sending validator, so no peer can crowd out others).
 */
struct svc_anchor_held {
	/* 1 + the highest anchor height this validator sent a VDF proof for that did
	 * not verify: its anchors up to there are dropped unverified, so a peer
	 * cannot make this node spend a VDF verification per message. */
	uint64_t bad_vdf;
	uint64_t logged; /* 1 + the height of the last refusal logged at warn level */
	int used;
	uint64_t height;
	uint8_t hash[HM_PROOF_HASH_LEN];
	uint8_t vdf_proof[HM_VDF_PROOF_LEN];
};

/* A VDF evaluation on the thread pool. */
struct svc_vdf_job {
	uv_work_t work;
	struct hm_services *s;
	enum svc_vdf_why why;
	uint64_t started_ms;
	uint64_t height;
	uint8_t hash[HM_PROOF_HASH_LEN];
	uint8_t input[HM_TIME_VDF_INPUT_LEN];
	uint64_t iterations;
	struct hm_buf proof;
	int rc;
};

struct hm_services {
	struct hm_node *node;
	struct hm_executor *ex;
	uv_loop_t *loop;
	const struct hm_node_config *cfg;
	uint16_t self;
	uint8_t chain_id[HM_ENV_CHAIN_ID_LEN]; /* SHA-256 of the consensus chain id */

	/* modules (ctx of each, owned by the executor once registered) */
	struct hm_module gov;         /* the governance module as built */
	void *tc;                     /* TrustChain module ctx */
	struct hm_tc_genesis genesis; /* root and intermediates (DER) */
	/* governance genesis (governance.json) */
	unsigned gen_work_bits;
	uint64_t gen_vdf_iterations, gen_anchor_window;
	struct hm_plot_commitment *gen_plots;
	size_t gen_nplots;

	/* operations made here */
	struct hm_tc_ca *ca; /* this validator's intermediate */
	uint8_t sign_sk[64]; /* node identity, seed || public key */
	struct hm_buf cert;  /* the identity's certificate (DER) */
	struct hm_plot *plot;
	struct svc_anchor anchor;
	struct svc_vdf_job *vdf_job; /* running, or NULL */
	uint64_t vdf_iterations, anchor_window;
	/* PoTime anchors: the blocks at multiples of anchor_interval (W/2). */
	uint64_t anchor_interval, anchor_grace;
	int anchors_live;      /* set by hm_services_start: not while blocks are re-applied */
	uint64_t anchor_tried; /* 1 + the last anchor height this node evaluated; 0: none */
	struct svc_anchor_held *anchor_held; /* one per validator */
	uint64_t vdf_evaluations, anchors_adopted, anchors_refused, anchor_fallbacks;
	struct hm_counter *m_vdf_evaluations, *m_anchors_adopted, *m_anchors_refused,
	        *m_anchor_fallbacks;
	struct hm_gauge *m_anchor_height;
	/* Operations not made: the anchor would go stale before they commit (anchor_usable). */
	uint64_t anchor_stale_refusals;
	uint64_t anchor_stale_logged; /* 1 + the anchor height last warned about; 0: none */
	struct hm_counter *m_anchor_stale;
	struct hm_vdf_cache vdf_cache;
	struct hm_stake_cache stake_cache; /* verified certificate chains (proofs.h) */
	int stopping;

	/* CT monitors: checkpoints signed with the log key (genesis log.key) */
	int has_note_signer;
	struct hm_ct_note_signer note_signer;
	char origin[HM_CT_NOTE_NAME_MAX + 1];

	/* API */
	struct hm_http_server *http;
	struct hm_metrics *metrics;
	struct hm_tc_ratelimit *ratelimit;
	struct hm_counter *m_blocks, *m_txs, *m_issued, *m_rejected, *m_stoq_tx, *m_stoq_rx;
	uint64_t stoq_tx_seen, stoq_rx_seen;
	struct hm_counter *m_chain_hits, *m_chain_misses; /* the PoStake chain cache */
	uint64_t chain_hits_seen, chain_misses_seen;
	struct hm_gauge *m_stoq_conns;
	struct hm_counter *m_evidence; /* committed equivocation evidence */
	uint64_t evidence_seen;
	struct hm_gauge *m_height, *m_mempool, *m_peers, *m_ct_size, *m_anchor_age;
	struct hm_histogram *m_commit_latency, *m_issue_latency;
	/*
	 * The chain of every certificate response, as JSON PEM strings made once
	 * (svc_api_new): intermediates 0..n-1, then the root. Encoding them per
	 * response was a tenth of the issuing node's own work per certificate.
	 */
	struct json_t **chain_pem;
	size_t n_chain_pem;
};

/* Wall clock in ms / s. */
uint64_t svc_now_ms(void);

/*
 * Wraps payload in a signed envelope with the four proofs and submits it.
 * txid gets the transaction id to watch. HM_OK; HM_ERR_AGAIN-like
 * HM_ERR_UNSUPPORTED while no PoTime anchor is ready; hm_node_submit's errors.
 */
int svc_submit_op(struct hm_services *s, uint16_t type, const uint8_t *payload, size_t len,
                  uint8_t txid[HM_TXID_LEN]);

/* The four proofs of an operation against committed state now (no submission). */
int svc_validate_now(struct hm_services *s, const uint8_t *tx, size_t len,
                     struct hm_proofs_result *res);

/* The PoTime anchor in use and its counters (services.c), for GET /v1/status. */
struct json_t;
struct json_t *svc_anchor_status(struct hm_services *s);

/* api.c */
int svc_api_new(struct hm_services *s, char *err, size_t errlen);
void svc_api_on_commit(struct hm_services *s, const struct hm_block_info *b, size_t ntx);
/* Frees what svc_api_new made besides the server and metrics (the chain PEMs). */
void svc_api_free(struct hm_services *s);

#endif
