/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared fixture for the BFT tests: a validator set with known keys derived
 * from fixed seeds, in-memory storage, and helpers that sign votes, QCs, TCs
 * and proposals the way a replica would.
 */
#ifndef HYPERMESH_TEST_BFT_FIXTURE_H
#define HYPERMESH_TEST_BFT_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "hypermesh/bft.h"
#include "hypermesh/codec.h"
#include "hypermesh/ed25519.h"
#include "hypermesh/error.h"

#define FX_MAX 7

struct fx {
	struct hm_bft_validators vs;
	uint8_t sk[FX_MAX][HM_BFT_SK_LEN];
	struct hm_bft_block genesis;
	uint8_t genesis_hash[HM_BFT_HASH_LEN];
};

static inline void fx_init(struct fx *fx, uint16_t n)
{
	uint8_t pks[FX_MAX][HM_BFT_PK_LEN];

	for (uint16_t i = 0; i < n; i++) {
		memset(fx->sk[i], 0x11 * (i + 1), HM_ED25519_SK_LEN);
		hm_ed25519_public_key(fx->sk[i] + HM_ED25519_SK_LEN, fx->sk[i]);
		memcpy(pks[i], fx->sk[i] + HM_ED25519_SK_LEN, HM_BFT_PK_LEN);
	}
	if (hm_bft_validators_init(&fx->vs, (const uint8_t *)"test-chain", 10, n,
	                           (const uint8_t(*)[HM_BFT_PK_LEN])pks) != HM_OK)
		abort();
	hm_bft_genesis(&fx->vs, &fx->genesis, fx->genesis_hash);
}

static inline void fx_genesis_qc(const struct fx *fx, struct hm_bft_qc *qc)
{
	memset(qc, 0, sizeof(*qc));
	memcpy(qc->block, fx->genesis_hash, HM_BFT_HASH_LEN);
}

/* A QC on (view, hash) signed by the validators whose bit is set in mask. */
static inline void fx_qc(const struct fx *fx, struct hm_bft_qc *qc, uint64_t view,
                         const uint8_t *hash, unsigned mask)
{
	memset(qc, 0, sizeof(*qc));
	qc->view = view;
	memcpy(qc->block, hash, HM_BFT_HASH_LEN);
	for (uint16_t i = 0; i < fx->vs.n; i++) {
		if (!(mask & (1u << i)))
			continue;
		qc->sigs[qc->nsigs].signer = i;
		if (hm_bft_sign(&fx->vs, HM_BFT_DOMAIN_VOTE, fx->sk[i], view, hash, 0,
		                qc->sigs[qc->nsigs].sig) != HM_OK)
			abort();
		qc->nsigs++;
	}
}

/* A TC for view signed by mask, every signer reporting hqc->view. */
static inline void fx_tc(const struct fx *fx, struct hm_bft_tc *tc, uint64_t view,
                         const struct hm_bft_qc *hqc, unsigned mask)
{
	memset(tc, 0, sizeof(*tc));
	tc->view = view;
	tc->high_qc = *hqc;
	for (uint16_t i = 0; i < fx->vs.n; i++) {
		struct hm_bft_timeout_sig *s = &tc->sigs[tc->nsigs];

		if (!(mask & (1u << i)))
			continue;
		s->signer = i;
		s->hqc_view = hqc->view;
		if (hm_bft_sign(&fx->vs, HM_BFT_DOMAIN_TIMEOUT, fx->sk[i], view, NULL, hqc->view,
		                s->sig) != HM_OK)
			abort();
		tc->nsigs++;
	}
}

/* A block on parent (height ph) justified by qc, with an empty payload. */
static inline void fx_block(const struct fx *fx, struct hm_bft_block *b, uint64_t view,
                            uint64_t parent_height, const struct hm_bft_qc *qc, uint64_t ts)
{
	memset(b, 0, sizeof(*b));
	b->height = parent_height + 1;
	b->view = view;
	memcpy(b->parent, qc->block, HM_BFT_HASH_LEN);
	b->proposer = (uint16_t)(view % fx->vs.n);
	b->timestamp = ts;
	(void)hm_bft_payload_root(b->payload_root, NULL, 0);
	b->justify = *qc;
}

/* Encodes a proposal of b signed by its proposer (or by signer if != proposer). */
static inline void fx_proposal(const struct fx *fx, struct hm_buf *out,
                               const struct hm_bft_block *b, uint16_t signer)
{
	struct hm_bft_msg *m = calloc(1, sizeof(*m));
	uint8_t hash[HM_BFT_HASH_LEN];

	if (m == NULL)
		abort();
	m->type = HM_BFT_MSG_PROPOSAL;
	m->u.proposal.block = *b;
	hm_bft_block_hash(hash, fx->vs.chain_id, fx->vs.chain_id_len, b);
	if (hm_bft_sign(&fx->vs, HM_BFT_DOMAIN_PROPOSAL, fx->sk[signer], b->view, hash, 0,
	                m->u.proposal.sig) != HM_OK)
		abort();
	hm_buf_truncate(out, 0);
	if (hm_bft_msg_encode(out, m) != HM_OK)
		abort();
	free(m);
}

/*
 * An evidence record: validator v signed votes for two different hashes in
 * view (a double vote), encoded into rec (HM_BFT_EVIDENCE_LEN bytes).
 */
static inline void fx_double_vote(const struct fx *fx, uint8_t rec[HM_BFT_EVIDENCE_LEN], uint16_t v,
                                  uint64_t view)
{
	struct hm_bft_evidence e;
	struct hm_buf b;

	memset(&e, 0, sizeof(e));
	e.kind = HM_BFT_EVIDENCE_VOTE;
	e.validator = v;
	e.view = view;
	memset(e.hash1, 0xa1, HM_BFT_HASH_LEN);
	memset(e.hash2, 0xb2, HM_BFT_HASH_LEN);
	hm_buf_init(&b);
	if (hm_bft_sign(&fx->vs, HM_BFT_DOMAIN_VOTE, fx->sk[v], view, e.hash1, 0, e.sig1) !=
	            HM_OK ||
	    hm_bft_sign(&fx->vs, HM_BFT_DOMAIN_VOTE, fx->sk[v], view, e.hash2, 0, e.sig2) !=
	            HM_OK ||
	    hm_bft_evidence_encode(&b, &e) != HM_OK || b.len != HM_BFT_EVIDENCE_LEN)
		abort();
	memcpy(rec, b.data, HM_BFT_EVIDENCE_LEN);
	hm_buf_free(&b);
}

/* ---- in-memory storage ---- */

struct fx_store {
	struct hm_buf safety;
	struct hm_buf blocks[64];
	size_t n;
	struct hm_buf voted[64];
	uint8_t voted_hash[64][HM_BFT_HASH_LEN];
	size_t nvoted;
	int fail; /* make every call fail with HM_ERR_IO */
};

static inline int fx_save_safety(void *ctx, const uint8_t *p, size_t len)
{
	struct fx_store *s = ctx;

	if (s->fail)
		return HM_ERR_IO;
	hm_buf_truncate(&s->safety, 0);
	return hm_buf_append(&s->safety, p, len);
}

static inline int fx_load_safety(void *ctx, struct hm_buf *out)
{
	struct fx_store *s = ctx;

	return s->fail ? HM_ERR_IO : hm_buf_append(out, s->safety.data, s->safety.len);
}

static inline int fx_append_block(void *ctx, uint64_t height, const uint8_t *p, size_t len)
{
	struct fx_store *s = ctx;

	if (s->fail)
		return HM_ERR_IO;
	if (height != s->n + 1 || s->n == 64)
		return HM_ERR_INVALID;
	hm_buf_init(&s->blocks[s->n]);
	return hm_buf_append(&s->blocks[s->n++], p, len);
}

static inline int fx_load_block(void *ctx, uint64_t height, struct hm_buf *out)
{
	struct fx_store *s = ctx;

	if (s->fail)
		return HM_ERR_IO;
	if (height == 0 || height > s->n)
		return HM_ERR_NOT_FOUND;
	return hm_buf_append(out, s->blocks[height - 1].data, s->blocks[height - 1].len);
}

static inline int fx_put_block(void *ctx, const uint8_t hash[HM_BFT_HASH_LEN], const uint8_t *p,
                               size_t len)
{
	struct fx_store *s = ctx;

	if (s->fail)
		return HM_ERR_IO;
	for (size_t i = 0; i < s->nvoted; i++)
		if (memcmp(s->voted_hash[i], hash, HM_BFT_HASH_LEN) == 0)
			return HM_OK;
	if (s->nvoted == 64)
		return HM_ERR_TOO_LARGE;
	memcpy(s->voted_hash[s->nvoted], hash, HM_BFT_HASH_LEN);
	hm_buf_init(&s->voted[s->nvoted]);
	return hm_buf_append(&s->voted[s->nvoted++], p, len);
}

static inline int fx_get_block(void *ctx, const uint8_t hash[HM_BFT_HASH_LEN], struct hm_buf *out)
{
	struct fx_store *s = ctx;

	if (s->fail)
		return HM_ERR_IO;
	for (size_t i = 0; i < s->nvoted; i++)
		if (memcmp(s->voted_hash[i], hash, HM_BFT_HASH_LEN) == 0)
			return hm_buf_append(out, s->voted[i].data, s->voted[i].len);
	return HM_ERR_NOT_FOUND;
}

static inline void fx_store_free(struct fx_store *s)
{
	for (size_t i = 0; i < s->nvoted; i++)
		hm_buf_free(&s->voted[i]);
	hm_buf_free(&s->safety);
	for (size_t i = 0; i < s->n; i++)
		hm_buf_free(&s->blocks[i]);
	memset(s, 0, sizeof(*s));
}

static inline struct hm_bft_storage fx_storage(struct fx_store *s)
{
	struct hm_bft_storage st = { s,
		                     fx_save_safety,
		                     fx_load_safety,
		                     fx_append_block,
		                     fx_load_block,
		                     fx_put_block,
		                     fx_get_block };
	return st;
}

#endif
