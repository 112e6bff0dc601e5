/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Canonical encodings of the consensus objects (docs/CONSENSUS.md §2).
 * Certificates list signatures in strictly increasing signer order so that a
 * certificate has exactly one encoding and a duplicate signer cannot decode.
 */
#include <string.h>

#include "hypermesh/bft.h"
#include "hypermesh/codec.h"
#include "hypermesh/error.h"

#include "bft_internal.h"

/* Declared vector bounds; the real caps are HM_BFT_MAX_VALIDATORS signatures. */
#define SIGS_MAX     0xffffff
#define PQ_SIG_MAX   0xffff
#define EVIDENCE_MAX 0xffff

/* A signature's PQ half: opaque pq_sig<0..2^16-1> (empty under ed25519). */
static int put_pq(struct hm_buf *out, const struct hm_bft_pq *pq)
{
	return hm_put_vec(out, 0, PQ_SIG_MAX, pq->len ? pq->sig : NULL, pq->len);
}

static int get_pq(struct hm_reader *r, struct hm_bft_pq *pq)
{
	size_t len;
	int rc = hm_get_vec(r, 0, PQ_SIG_MAX, &pq->sig, &len);

	if (rc != HM_OK)
		return rc;
	pq->len = (uint16_t)len;
	if (len == 0)
		pq->sig = NULL;
	return HM_OK;
}

static int put_qc(struct hm_buf *out, const struct hm_bft_qc *qc)
{
	struct hm_vec_mark m;
	int rc;

	if (qc->nsigs > HM_BFT_MAX_VALIDATORS)
		return HM_ERR_INVALID;
	if ((rc = hm_put_u64(out, qc->view)) ||
	    (rc = hm_put_bytes(out, qc->block, HM_BFT_HASH_LEN)))
		return rc;
	if ((rc = hm_put_vec_begin(out, 0, SIGS_MAX, &m)))
		return rc;
	for (uint16_t i = 0; i < qc->nsigs; i++) {
		if (i > 0 && qc->sigs[i].signer <= qc->sigs[i - 1].signer)
			return HM_ERR_INVALID;
		if ((rc = hm_put_u16(out, qc->sigs[i].signer)) ||
		    (rc = hm_put_bytes(out, qc->sigs[i].sig, HM_BFT_SIG_LEN)) ||
		    (rc = put_pq(out, &qc->sigs[i].pq)))
			return rc;
	}
	return hm_put_vec_end(out, &m);
}

static int put_tc(struct hm_buf *out, const struct hm_bft_tc *tc)
{
	struct hm_vec_mark m;
	int rc;

	if (tc->nsigs > HM_BFT_MAX_VALIDATORS)
		return HM_ERR_INVALID;
	if ((rc = hm_put_u64(out, tc->view)) || (rc = put_qc(out, &tc->high_qc)))
		return rc;
	if ((rc = hm_put_vec_begin(out, 0, SIGS_MAX, &m)))
		return rc;
	for (uint16_t i = 0; i < tc->nsigs; i++) {
		const struct hm_bft_timeout_sig *s = &tc->sigs[i];

		if (i > 0 && s->signer <= tc->sigs[i - 1].signer)
			return HM_ERR_INVALID;
		if ((rc = hm_put_u16(out, s->signer)) || (rc = hm_put_u64(out, s->hqc_view)) ||
		    (rc = hm_put_bytes(out, s->sig, HM_BFT_SIG_LEN)) || (rc = put_pq(out, &s->pq)))
			return rc;
	}
	return hm_put_vec_end(out, &m);
}

static int put_block(struct hm_buf *out, const struct hm_bft_block *b)
{
	int rc;

	if ((rc = hm_put_u64(out, b->height)) || (rc = hm_put_u64(out, b->view)) ||
	    (rc = hm_put_bytes(out, b->parent, HM_BFT_HASH_LEN)) ||
	    (rc = hm_put_u16(out, b->proposer)) || (rc = hm_put_u64(out, b->timestamp)) ||
	    (rc = hm_put_bytes(out, b->payload_root, HM_BFT_HASH_LEN)) ||
	    (rc = hm_put_vec(out, 0, HM_BFT_PAYLOAD_MAX, b->payload, b->payload_len)))
		return rc;
	if (b->evidence_len % HM_BFT_EVIDENCE_LEN != 0 ||
	    b->evidence_len / HM_BFT_EVIDENCE_LEN > HM_BFT_BLOCK_EVIDENCE_MAX)
		return HM_ERR_INVALID;
	if ((rc = hm_put_vec(out, 0, EVIDENCE_MAX, b->evidence, b->evidence_len)) ||
	    (rc = put_qc(out, &b->justify)) || (rc = hm_put_u8(out, b->has_tc ? 1 : 0)))
		return rc;
	return b->has_tc ? put_tc(out, &b->tc) : HM_OK;
}

static int get_qc(struct hm_reader *r, struct hm_bft_qc *qc)
{
	struct hm_reader sub;
	int rc;

	if ((rc = hm_get_u64(r, &qc->view)) || (rc = hm_get_bytes(r, qc->block, HM_BFT_HASH_LEN)) ||
	    (rc = hm_get_vec_reader(r, 0, SIGS_MAX, &sub)))
		return rc;
	for (qc->nsigs = 0; hm_reader_remaining(&sub) > 0; qc->nsigs++) {
		struct hm_bft_sig *s = &qc->sigs[qc->nsigs];

		if (qc->nsigs == HM_BFT_MAX_VALIDATORS)
			return HM_ERR_LENGTH;
		if ((rc = hm_get_u16(&sub, &s->signer)) ||
		    (rc = hm_get_bytes(&sub, s->sig, HM_BFT_SIG_LEN)) ||
		    (rc = get_pq(&sub, &s->pq)))
			return rc == HM_ERR_TRUNCATED ? HM_ERR_LENGTH : rc;
		if (qc->nsigs > 0 && s->signer <= qc->sigs[qc->nsigs - 1].signer)
			return HM_ERR_INVALID;
	}
	return HM_OK;
}

static int get_tc(struct hm_reader *r, struct hm_bft_tc *tc)
{
	struct hm_reader sub;
	int rc;

	if ((rc = hm_get_u64(r, &tc->view)) || (rc = get_qc(r, &tc->high_qc)) ||
	    (rc = hm_get_vec_reader(r, 0, SIGS_MAX, &sub)))
		return rc;
	for (tc->nsigs = 0; hm_reader_remaining(&sub) > 0; tc->nsigs++) {
		struct hm_bft_timeout_sig *s = &tc->sigs[tc->nsigs];

		if (tc->nsigs == HM_BFT_MAX_VALIDATORS)
			return HM_ERR_LENGTH;
		if ((rc = hm_get_u16(&sub, &s->signer)) || (rc = hm_get_u64(&sub, &s->hqc_view)) ||
		    (rc = hm_get_bytes(&sub, s->sig, HM_BFT_SIG_LEN)) ||
		    (rc = get_pq(&sub, &s->pq)))
			return rc == HM_ERR_TRUNCATED ? HM_ERR_LENGTH : rc;
		if (tc->nsigs > 0 && s->signer <= tc->sigs[tc->nsigs - 1].signer)
			return HM_ERR_INVALID;
	}
	return HM_OK;
}

/* A payload must be a sequence of tx<1..2^16-1> with nothing left over. */
static int check_payload(const uint8_t *p, size_t len, size_t *count)
{
	struct hm_reader r;
	size_t n = 0;

	hm_reader_init(&r, p, len);
	while (hm_reader_remaining(&r) > 0) {
		const uint8_t *tx;
		size_t txlen;
		int rc = hm_get_vec(&r, 1, HM_BFT_TX_MAX, &tx, &txlen);

		if (rc != HM_OK)
			return HM_ERR_LENGTH;
		n++;
	}
	if (count != NULL)
		*count = n;
	return HM_OK;
}

static int get_tag(struct hm_reader *r, int *tag)
{
	uint8_t t;
	int rc = hm_get_u8(r, &t);

	if (rc != HM_OK)
		return rc;
	if (t > 1)
		return HM_ERR_INVALID;
	*tag = t;
	return HM_OK;
}

static int get_block(struct hm_reader *r, struct hm_bft_block *b)
{
	int rc;

	if ((rc = hm_get_u64(r, &b->height)) || (rc = hm_get_u64(r, &b->view)) ||
	    (rc = hm_get_bytes(r, b->parent, HM_BFT_HASH_LEN)) ||
	    (rc = hm_get_u16(r, &b->proposer)) || (rc = hm_get_u64(r, &b->timestamp)) ||
	    (rc = hm_get_bytes(r, b->payload_root, HM_BFT_HASH_LEN)) ||
	    (rc = hm_get_vec(r, 0, HM_BFT_PAYLOAD_MAX, &b->payload, &b->payload_len)))
		return rc;
	if ((rc = check_payload(b->payload, b->payload_len, NULL)))
		return rc;
	if ((rc = hm_get_vec(r, 0, EVIDENCE_MAX, &b->evidence, &b->evidence_len)))
		return rc;
	if (b->evidence_len % HM_BFT_EVIDENCE_LEN != 0 ||
	    b->evidence_len / HM_BFT_EVIDENCE_LEN > HM_BFT_BLOCK_EVIDENCE_MAX)
		return HM_ERR_LENGTH;
	for (size_t off = 0; off < b->evidence_len; off += HM_BFT_EVIDENCE_LEN) {
		struct hm_bft_evidence e;

		if ((rc = hm_bft_evidence_decode(&e, b->evidence + off, HM_BFT_EVIDENCE_LEN)))
			return rc;
	}
	if (b->evidence_len == 0)
		b->evidence = NULL;
	if ((rc = get_qc(r, &b->justify)) || (rc = get_tag(r, &b->has_tc)))
		return rc;
	return b->has_tc ? get_tc(r, &b->tc) : HM_OK;
}

int hm_bft_qc_encode(struct hm_buf *out, const struct hm_bft_qc *qc)
{
	return put_qc(out, qc);
}

int bft_tc_encode(struct hm_buf *out, const struct hm_bft_tc *tc)
{
	return put_tc(out, tc);
}

int hm_bft_block_encode(struct hm_buf *out, const struct hm_bft_block *b)
{
	return put_block(out, b);
}

int hm_bft_qc_decode(struct hm_bft_qc *qc, const uint8_t *p, size_t len)
{
	struct hm_reader r;
	int rc;

	hm_reader_init(&r, p, len);
	if ((rc = get_qc(&r, qc)))
		return rc;
	return hm_reader_finish(&r);
}

int hm_bft_block_decode(struct hm_bft_block *b, const uint8_t *p, size_t len)
{
	struct hm_reader r;
	int rc;

	hm_reader_init(&r, p, len);
	if ((rc = get_block(&r, b)))
		return rc;
	return hm_reader_finish(&r);
}

int hm_bft_msg_encode(struct hm_buf *out, const struct hm_bft_msg *m)
{
	int rc;

	if ((rc = hm_put_u8(out, (uint8_t)m->type)))
		return rc;
	switch (m->type) {
	case HM_BFT_MSG_PROPOSAL:
		if ((rc = put_block(out, &m->u.proposal.block)) ||
		    (rc = hm_put_bytes(out, m->u.proposal.sig, HM_BFT_SIG_LEN)))
			return rc;
		return put_pq(out, &m->u.proposal.pq);
	case HM_BFT_MSG_VOTE:
		if ((rc = hm_put_u64(out, m->u.vote.view)) ||
		    (rc = hm_put_bytes(out, m->u.vote.block, HM_BFT_HASH_LEN)) ||
		    (rc = hm_put_u16(out, m->u.vote.voter)) ||
		    (rc = hm_put_bytes(out, m->u.vote.sig, HM_BFT_SIG_LEN)))
			return rc;
		return put_pq(out, &m->u.vote.pq);
	case HM_BFT_MSG_TIMEOUT: {
		const struct hm_bft_timeout *t = &m->u.timeout;

		if ((rc = hm_put_u64(out, t->view)) || (rc = hm_put_u16(out, t->sender)) ||
		    (rc = put_qc(out, &t->high_qc)) ||
		    (rc = hm_put_bytes(out, t->sig, HM_BFT_SIG_LEN)) ||
		    (rc = put_pq(out, &t->pq)) || (rc = hm_put_u8(out, t->has_tc ? 1 : 0)))
			return rc;
		return t->has_tc ? put_tc(out, &t->last_tc) : HM_OK;
	}
	case HM_BFT_MSG_BLOCK_REQUEST:
		if ((rc = hm_put_bytes(out, m->u.request.block, HM_BFT_HASH_LEN)))
			return rc;
		return hm_put_u16(out, m->u.request.requester);
	case HM_BFT_MSG_BLOCK_RESPONSE:
		return put_block(out, &m->u.response);
	case HM_BFT_MSG_EVIDENCE: {
		struct hm_bft_evidence e;

		/* Only a record that decodes is sent, so what goes out is canonical. */
		if (m->evidence == NULL ||
		    hm_bft_evidence_decode(&e, m->evidence, HM_BFT_EVIDENCE_LEN) != HM_OK)
			return HM_ERR_INVALID;
		return hm_put_bytes(out, m->evidence, HM_BFT_EVIDENCE_LEN);
	}
	}
	return HM_ERR_INVALID;
}

int hm_bft_msg_decode(struct hm_bft_msg *m, const uint8_t *p, size_t len)
{
	struct hm_reader r;
	uint8_t type;
	int rc;

	hm_reader_init(&r, p, len);
	if ((rc = hm_get_u8(&r, &type)))
		return rc;
	m->type = (enum hm_bft_msg_type)type;
	switch (type) {
	case HM_BFT_MSG_PROPOSAL:
		if ((rc = get_block(&r, &m->u.proposal.block)) ||
		    (rc = hm_get_bytes(&r, m->u.proposal.sig, HM_BFT_SIG_LEN)) ||
		    (rc = get_pq(&r, &m->u.proposal.pq)))
			return rc;
		break;
	case HM_BFT_MSG_VOTE:
		if ((rc = hm_get_u64(&r, &m->u.vote.view)) ||
		    (rc = hm_get_bytes(&r, m->u.vote.block, HM_BFT_HASH_LEN)) ||
		    (rc = hm_get_u16(&r, &m->u.vote.voter)) ||
		    (rc = hm_get_bytes(&r, m->u.vote.sig, HM_BFT_SIG_LEN)) ||
		    (rc = get_pq(&r, &m->u.vote.pq)))
			return rc;
		break;
	case HM_BFT_MSG_TIMEOUT: {
		struct hm_bft_timeout *t = &m->u.timeout;

		if ((rc = hm_get_u64(&r, &t->view)) || (rc = hm_get_u16(&r, &t->sender)) ||
		    (rc = get_qc(&r, &t->high_qc)) ||
		    (rc = hm_get_bytes(&r, t->sig, HM_BFT_SIG_LEN)) || (rc = get_pq(&r, &t->pq)) ||
		    (rc = get_tag(&r, &t->has_tc)))
			return rc;
		if (t->has_tc && (rc = get_tc(&r, &t->last_tc)))
			return rc;
		break;
	}
	case HM_BFT_MSG_BLOCK_REQUEST:
		if ((rc = hm_get_bytes(&r, m->u.request.block, HM_BFT_HASH_LEN)) ||
		    (rc = hm_get_u16(&r, &m->u.request.requester)))
			return rc;
		break;
	case HM_BFT_MSG_BLOCK_RESPONSE:
		if ((rc = get_block(&r, &m->u.response)))
			return rc;
		break;
	case HM_BFT_MSG_EVIDENCE: {
		struct hm_bft_evidence e;

		if (hm_reader_remaining(&r) < HM_BFT_EVIDENCE_LEN)
			return HM_ERR_TRUNCATED;
		m->evidence = p + 1;
		if ((rc = hm_bft_evidence_decode(&e, m->evidence, HM_BFT_EVIDENCE_LEN)))
			return rc;
		return len == 1 + HM_BFT_EVIDENCE_LEN ? HM_OK : HM_ERR_TRAILING;
	}
	default:
		return HM_ERR_INVALID;
	}
	return hm_reader_finish(&r);
}

int hm_bft_evidence_encode(struct hm_buf *out, const struct hm_bft_evidence *e)
{
	int rc;

	if (e->kind != HM_BFT_EVIDENCE_PROPOSAL && e->kind != HM_BFT_EVIDENCE_VOTE)
		return HM_ERR_INVALID;
	if ((rc = hm_put_u8(out, (uint8_t)e->kind)) || (rc = hm_put_u16(out, e->validator)) ||
	    (rc = hm_put_u64(out, e->view)) ||
	    (rc = hm_put_bytes(out, e->hash1, HM_BFT_HASH_LEN)) ||
	    (rc = hm_put_bytes(out, e->sig1, HM_BFT_SIG_LEN)) ||
	    (rc = hm_put_bytes(out, e->hash2, HM_BFT_HASH_LEN)))
		return rc;
	return hm_put_bytes(out, e->sig2, HM_BFT_SIG_LEN);
}

int hm_bft_evidence_decode(struct hm_bft_evidence *e, const uint8_t *p, size_t len)
{
	struct hm_reader r;
	uint8_t kind;
	int rc;

	hm_reader_init(&r, p, len);
	if ((rc = hm_get_u8(&r, &kind)))
		return rc;
	if (kind != HM_BFT_EVIDENCE_PROPOSAL && kind != HM_BFT_EVIDENCE_VOTE)
		return HM_ERR_INVALID;
	e->kind = (enum hm_bft_evidence_kind)kind;
	if ((rc = hm_get_u16(&r, &e->validator)) || (rc = hm_get_u64(&r, &e->view)) ||
	    (rc = hm_get_bytes(&r, e->hash1, HM_BFT_HASH_LEN)) ||
	    (rc = hm_get_bytes(&r, e->sig1, HM_BFT_SIG_LEN)) ||
	    (rc = hm_get_bytes(&r, e->hash2, HM_BFT_HASH_LEN)) ||
	    (rc = hm_get_bytes(&r, e->sig2, HM_BFT_SIG_LEN)))
		return rc;
	return hm_reader_finish(&r);
}

int hm_bft_safety_encode(struct hm_buf *out, uint64_t last_voted_view, const struct hm_bft_qc *qc)
{
	int rc = hm_put_u64(out, last_voted_view);

	return rc ? rc : put_qc(out, qc);
}

int hm_bft_safety_decode(const uint8_t *p, size_t len, uint64_t *last_voted_view,
                         struct hm_bft_qc *qc)
{
	struct hm_reader r;
	int rc;

	hm_reader_init(&r, p, len);
	if ((rc = hm_get_u64(&r, last_voted_view)) || (rc = get_qc(&r, qc)))
		return rc;
	return hm_reader_finish(&r);
}
