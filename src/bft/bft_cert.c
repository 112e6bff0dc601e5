/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hashing and signing of consensus objects, and verification of certificates
 * and equivocation evidence (docs/CONSENSUS.md §2). Every signed message
 * starts with a domain string and the chain id, so a signature made for one
 * purpose or one chain never verifies for another.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/bft.h"
#include "hypermesh/codec.h"
#include "hypermesh/error.h"
#include "hypermesh/hash.h"
#include "hypermesh/sig.h"

static const char block_domain[] = "hypermesh/bft/block/v1";
static const char policy_domain[] = "hypermesh/bft/policy/hybrid/v1";
static const char evidence_domain[] = "hypermesh/bft/evidence/v1";

static const char *domain_name(enum hm_bft_domain d)
{
	switch (d) {
	case HM_BFT_DOMAIN_PROPOSAL:
		return "hypermesh/bft/proposal/v1";
	case HM_BFT_DOMAIN_VOTE:
		return "hypermesh/bft/vote/v1";
	case HM_BFT_DOMAIN_TIMEOUT:
		return "hypermesh/bft/timeout/v1";
	}
	return NULL;
}

static void be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* The longest signed message: domain, chain id, view, hash or hqc view. */
#define SIGNED_MAX (32 + 1 + HM_BFT_CHAIN_ID_MAX + 8 + HM_BFT_HASH_LEN + 8)

static size_t signed_message(uint8_t out[SIGNED_MAX], const struct hm_bft_validators *vs,
                             enum hm_bft_domain domain, uint64_t a, const uint8_t *h, uint64_t b)
{
	const char *name = domain_name(domain);
	size_t n = strlen(name);

	memcpy(out, name, n);
	out[n++] = (uint8_t)vs->chain_id_len;
	memcpy(out + n, vs->chain_id, vs->chain_id_len);
	n += vs->chain_id_len;
	be64(out + n, a);
	n += 8;
	if (domain == HM_BFT_DOMAIN_TIMEOUT) {
		be64(out + n, b);
		n += 8;
	} else {
		memcpy(out + n, h, HM_BFT_HASH_LEN);
		n += HM_BFT_HASH_LEN;
	}
	return n;
}

int hm_bft_validators_init(struct hm_bft_validators *vs, const uint8_t *chain_id,
                           size_t chain_id_len, uint16_t n, const uint8_t (*pks)[HM_BFT_PK_LEN])
{
	if (n == 0 || n > HM_BFT_MAX_VALIDATORS || chain_id_len == 0 ||
	    chain_id_len > HM_BFT_CHAIN_ID_MAX || chain_id == NULL || pks == NULL)
		return HM_ERR_INVALID;
	memset(vs, 0, sizeof(*vs));
	memcpy(vs->chain_id, chain_id, chain_id_len);
	vs->chain_id_len = chain_id_len;
	vs->n = n;
	vs->quorum = (uint16_t)(n - (n - 1) / 3);
	memcpy(vs->pk, pks, (size_t)n * HM_BFT_PK_LEN);
	return HM_OK;
}

int hm_bft_validators_set_hybrid(struct hm_bft_validators *vs,
                                 const uint8_t (*pq_pks)[HM_BFT_PQ_PK_LEN])
{
	size_t n = sizeof(policy_domain) - 1, len;
	uint8_t *m;

	if (vs == NULL || pq_pks == NULL || vs->n == 0 || vs->n > HM_BFT_MAX_VALIDATORS)
		return HM_ERR_INVALID;
	/* The commitment binds the policy and every validator's PQ key into the
	 * genesis block (its parent), so two sets that differ in either have
	 * different chains: replicas cannot silently disagree on them. */
	len = n + 2 + (size_t)vs->n * HM_BFT_PQ_PK_LEN;
	m = malloc(len);
	if (m == NULL)
		return HM_ERR_NOMEM;
	memcpy(m, policy_domain, n);
	m[n++] = (uint8_t)(vs->n >> 8);
	m[n++] = (uint8_t)vs->n;
	memcpy(m + n, pq_pks, (size_t)vs->n * HM_BFT_PQ_PK_LEN);
	memcpy(vs->pq_pk, pq_pks, (size_t)vs->n * HM_BFT_PQ_PK_LEN);
	hm_sha256(vs->policy_commit, m, len);
	free(m);
	vs->policy = HM_BFT_POLICY_HYBRID;
	return HM_OK;
}

const char *hm_bft_policy_name(enum hm_bft_sig_policy p)
{
	return p == HM_BFT_POLICY_HYBRID ? "hybrid" : "ed25519";
}

int hm_bft_policy_parse(const char *name, enum hm_bft_sig_policy *out)
{
	if (name != NULL && strcmp(name, "ed25519") == 0)
		*out = HM_BFT_POLICY_ED25519;
	else if (name != NULL && strcmp(name, "hybrid") == 0)
		*out = HM_BFT_POLICY_HYBRID;
	else
		return HM_ERR_INVALID;
	return HM_OK;
}

void hm_bft_block_hash(uint8_t out[HM_BFT_HASH_LEN], const uint8_t *chain_id, size_t chain_id_len,
                       const struct hm_bft_block *b)
{
	uint8_t m[sizeof(block_domain) + 1 + HM_BFT_CHAIN_ID_MAX + 8 + 8 + 32 + 2 + 8 + 32 + 8 +
	          32];
	size_t n = sizeof(block_domain) - 1;

	if (chain_id_len > HM_BFT_CHAIN_ID_MAX)
		chain_id_len = HM_BFT_CHAIN_ID_MAX;
	memcpy(m, block_domain, n);
	m[n++] = (uint8_t)chain_id_len;
	memcpy(m + n, chain_id, chain_id_len);
	n += chain_id_len;
	be64(m + n, b->height);
	be64(m + n + 8, b->view);
	n += 16;
	memcpy(m + n, b->parent, HM_BFT_HASH_LEN);
	n += HM_BFT_HASH_LEN;
	m[n++] = (uint8_t)(b->proposer >> 8);
	m[n++] = (uint8_t)b->proposer;
	be64(m + n, b->timestamp);
	n += 8;
	memcpy(m + n, b->payload_root, HM_BFT_HASH_LEN);
	n += HM_BFT_HASH_LEN;
	be64(m + n, b->justify.view);
	n += 8;
	/* Evidence is covered by the hash of its records, appended only when
	 * there is some: a block without evidence hashes as it always did. */
	if (b->evidence_len > 0) {
		uint8_t eh[HM_BFT_HASH_LEN];
		uint8_t *em = malloc(sizeof(evidence_domain) - 1 + b->evidence_len);

		if (em == NULL) {
			/* Cannot happen for a bounded record list; fail closed to a
			 * hash no honest block has. */
			memset(out, 0xff, HM_BFT_HASH_LEN);
			return;
		}
		memcpy(em, evidence_domain, sizeof(evidence_domain) - 1);
		memcpy(em + sizeof(evidence_domain) - 1, b->evidence, b->evidence_len);
		hm_sha256(eh, em, sizeof(evidence_domain) - 1 + b->evidence_len);
		free(em);
		memcpy(m + n, eh, HM_BFT_HASH_LEN);
		n += HM_BFT_HASH_LEN;
	}
	hm_sha256(out, m, n);
}

static void node_hash(uint8_t out[32], const uint8_t l[32], const uint8_t r[32])
{
	uint8_t m[65];

	m[0] = 1;
	memcpy(m + 1, l, 32);
	memcpy(m + 33, r, 32);
	hm_sha256(out, m, sizeof(m));
}

/*
 * RFC 6962 §2.1 tree hash: the leaves are hashed in place, then each level
 * pairs neighbours left to right and carries an odd last node up unchanged,
 * which gives the same root as the recursive split at the largest power of 2.
 */
int hm_bft_payload_root(uint8_t out[HM_BFT_HASH_LEN], const uint8_t *payload, size_t len)
{
	struct hm_reader r;
	uint8_t(*level)[32];
	size_t count = 0, i;

	hm_reader_init(&r, payload, len);
	while (hm_reader_remaining(&r) > 0) {
		const uint8_t *tx;
		size_t txlen;

		if (hm_get_vec(&r, 1, HM_BFT_TX_MAX, &tx, &txlen) != HM_OK)
			return HM_ERR_LENGTH;
		count++;
	}
	if (count == 0) {
		hm_sha256(out, "", 0);
		return HM_OK;
	}
	level = malloc(count * sizeof(*level));
	if (level == NULL)
		return HM_ERR_NOMEM;
	hm_reader_init(&r, payload, len);
	for (i = 0; i < count; i++) {
		const uint8_t *tx;
		size_t txlen;
		uint8_t *leaf;

		(void)hm_get_vec(&r, 1, HM_BFT_TX_MAX, &tx, &txlen);
		/* hash.h is one-shot, so 0x00 || tx needs one contiguous copy. */
		leaf = malloc(txlen + 1);
		if (leaf == NULL) {
			free(level);
			return HM_ERR_NOMEM;
		}
		leaf[0] = 0;
		memcpy(leaf + 1, tx, txlen);
		hm_sha256(level[i], leaf, txlen + 1);
		free(leaf);
	}
	while (count > 1) {
		size_t next = 0;

		for (i = 0; i + 1 < count; i += 2)
			node_hash(level[next++], level[i], level[i + 1]);
		if (i < count)
			memcpy(level[next++], level[i], 32);
		count = next;
	}
	memcpy(out, level[0], 32);
	free(level);
	return HM_OK;
}

void hm_bft_genesis(const struct hm_bft_validators *vs, struct hm_bft_block *b,
                    uint8_t hash[HM_BFT_HASH_LEN])
{
	memset(b, 0, sizeof(*b));
	b->payload = NULL;
	memcpy(b->parent, vs->policy_commit, HM_BFT_HASH_LEN);
	hm_sha256(b->payload_root, "", 0);
	hm_bft_block_hash(hash, vs->chain_id, vs->chain_id_len, b);
}

int hm_bft_sign(const struct hm_bft_validators *vs, enum hm_bft_domain domain,
                const uint8_t sk[HM_BFT_SK_LEN], uint64_t a, const uint8_t *h, uint64_t b,
                uint8_t sig[HM_BFT_SIG_LEN])
{
	uint8_t m[SIGNED_MAX];
	size_t n, sig_len;

	if (domain_name(domain) == NULL || (domain != HM_BFT_DOMAIN_TIMEOUT && h == NULL))
		return HM_ERR_INVALID;
	n = signed_message(m, vs, domain, a, h, b);
	return hm_sig_sign(HM_SIG_ED25519, sig, HM_BFT_SIG_LEN, &sig_len, sk, HM_BFT_SK_LEN, m, n);
}

int hm_bft_verify(const struct hm_bft_validators *vs, enum hm_bft_domain domain, uint16_t signer,
                  uint64_t a, const uint8_t *h, uint64_t b, const uint8_t sig[HM_BFT_SIG_LEN])
{
	uint8_t m[SIGNED_MAX];
	size_t n;

	if (signer >= vs->n)
		return HM_ERR_RANGE;
	if (domain_name(domain) == NULL || (domain != HM_BFT_DOMAIN_TIMEOUT && h == NULL))
		return HM_ERR_INVALID;
	n = signed_message(m, vs, domain, a, h, b);
	if (hm_sig_verify(HM_SIG_ED25519, vs->pk[signer], HM_BFT_PK_LEN, sig, HM_BFT_SIG_LEN, m,
	                  n) != HM_OK)
		return HM_ERR_VERIFY;
	return HM_OK;
}

int hm_bft_sign_pq(const struct hm_bft_validators *vs, enum hm_bft_domain domain,
                   const uint8_t sk[HM_BFT_PQ_SK_LEN], uint64_t a, const uint8_t *h, uint64_t b,
                   uint8_t sig[HM_BFT_PQ_SIG_LEN])
{
	uint8_t m[SIGNED_MAX];
	size_t n, sig_len;
	int rc;

	if (domain_name(domain) == NULL || (domain != HM_BFT_DOMAIN_TIMEOUT && h == NULL))
		return HM_ERR_INVALID;
	n = signed_message(m, vs, domain, a, h, b);
	rc = hm_sig_sign(HM_SIG_MLDSA87, sig, HM_BFT_PQ_SIG_LEN, &sig_len, sk, HM_BFT_PQ_SK_LEN, m,
	                 n);
	if (rc == HM_OK && sig_len != HM_BFT_PQ_SIG_LEN)
		return HM_ERR_CRYPTO;
	return rc;
}

int hm_bft_verify_pq(const struct hm_bft_validators *vs, enum hm_bft_domain domain, uint16_t signer,
                     uint64_t a, const uint8_t *h, uint64_t b, const struct hm_bft_pq *pq)
{
	uint8_t m[SIGNED_MAX];
	size_t n;

	if (signer >= vs->n)
		return HM_ERR_RANGE;
	if (domain_name(domain) == NULL || (domain != HM_BFT_DOMAIN_TIMEOUT && h == NULL))
		return HM_ERR_INVALID;
	if (vs->policy != HM_BFT_POLICY_HYBRID || pq->len != HM_BFT_PQ_SIG_LEN || pq->sig == NULL)
		return HM_ERR_VERIFY;
	n = signed_message(m, vs, domain, a, h, b);
	if (hm_sig_verify(HM_SIG_MLDSA87, vs->pq_pk[signer], HM_BFT_PQ_PK_LEN, pq->sig, pq->len, m,
	                  n) != HM_OK)
		return HM_ERR_VERIFY;
	return HM_OK;
}

/* Both halves under hybrid, the Ed25519 one alone otherwise. */
static int verify_both(const struct hm_bft_validators *vs, enum hm_bft_domain domain,
                       uint16_t signer, uint64_t a, const uint8_t *h, uint64_t b,
                       const uint8_t sig[HM_BFT_SIG_LEN], const struct hm_bft_pq *pq)
{
	int rc = hm_bft_verify(vs, domain, signer, a, h, b, sig);

	if (rc == HM_OK && vs->policy == HM_BFT_POLICY_HYBRID)
		rc = hm_bft_verify_pq(vs, domain, signer, a, h, b, pq);
	return rc;
}

/* ---- signature shape (policy) ---- */

static int pq_shape_ok(const struct hm_bft_validators *vs, const struct hm_bft_pq *pq)
{
	if (vs->policy == HM_BFT_POLICY_HYBRID)
		return pq->len == HM_BFT_PQ_SIG_LEN && pq->sig != NULL;
	return pq->len == 0;
}

static int qc_shape_ok(const struct hm_bft_validators *vs, const struct hm_bft_qc *qc)
{
	if (qc->nsigs > HM_BFT_MAX_VALIDATORS)
		return 0;
	for (uint16_t i = 0; i < qc->nsigs; i++)
		if (!pq_shape_ok(vs, &qc->sigs[i].pq))
			return 0;
	return 1;
}

static int tc_shape_ok(const struct hm_bft_validators *vs, const struct hm_bft_tc *tc)
{
	if (tc->nsigs > HM_BFT_MAX_VALIDATORS || !qc_shape_ok(vs, &tc->high_qc))
		return 0;
	for (uint16_t i = 0; i < tc->nsigs; i++)
		if (!pq_shape_ok(vs, &tc->sigs[i].pq))
			return 0;
	return 1;
}

int hm_bft_block_check_shape(const struct hm_bft_validators *vs, const struct hm_bft_block *b)
{
	if (!qc_shape_ok(vs, &b->justify) || (b->has_tc && !tc_shape_ok(vs, &b->tc)))
		return HM_ERR_INVALID;
	return HM_OK;
}

int hm_bft_msg_check_shape(const struct hm_bft_validators *vs, const struct hm_bft_msg *m)
{
	int ok = 1;

	switch (m->type) {
	case HM_BFT_MSG_PROPOSAL:
		ok = pq_shape_ok(vs, &m->u.proposal.pq) &&
		     hm_bft_block_check_shape(vs, &m->u.proposal.block) == HM_OK;
		break;
	case HM_BFT_MSG_VOTE:
		ok = pq_shape_ok(vs, &m->u.vote.pq);
		break;
	case HM_BFT_MSG_TIMEOUT:
		ok = pq_shape_ok(vs, &m->u.timeout.pq) && qc_shape_ok(vs, &m->u.timeout.high_qc) &&
		     (!m->u.timeout.has_tc || tc_shape_ok(vs, &m->u.timeout.last_tc));
		break;
	case HM_BFT_MSG_BLOCK_RESPONSE:
		ok = hm_bft_block_check_shape(vs, &m->u.response) == HM_OK;
		break;
	case HM_BFT_MSG_BLOCK_REQUEST:
	case HM_BFT_MSG_EVIDENCE: /* evidence is Ed25519 in both policies (§4) */
		break;
	}
	return ok ? HM_OK : HM_ERR_INVALID;
}

/* Order, range and count checks first: they are cheap and refuse most junk. */
static int check_signers(const struct hm_bft_validators *vs, const uint16_t *signers, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		if (signers[i] >= vs->n)
			return HM_ERR_RANGE;
		if (i > 0 && signers[i] <= signers[i - 1])
			return HM_ERR_INVALID;
	}
	return n < vs->quorum ? HM_ERR_LENGTH : HM_OK;
}

int hm_bft_qc_verify(const struct hm_bft_validators *vs, const struct hm_bft_qc *qc)
{
	uint16_t signers[HM_BFT_MAX_VALIDATORS];
	int rc;

	if (qc->view == 0) {
		struct hm_bft_block g;
		uint8_t gh[HM_BFT_HASH_LEN];

		hm_bft_genesis(vs, &g, gh);
		if (qc->nsigs != 0 || memcmp(qc->block, gh, HM_BFT_HASH_LEN) != 0)
			return HM_ERR_INVALID;
		return HM_OK;
	}
	if (qc->nsigs > HM_BFT_MAX_VALIDATORS)
		return HM_ERR_LENGTH;
	for (uint16_t i = 0; i < qc->nsigs; i++)
		signers[i] = qc->sigs[i].signer;
	if ((rc = check_signers(vs, signers, qc->nsigs)))
		return rc;
	if (!qc_shape_ok(vs, qc))
		return HM_ERR_INVALID;
	for (uint16_t i = 0; i < qc->nsigs; i++) {
		rc = verify_both(vs, HM_BFT_DOMAIN_VOTE, qc->sigs[i].signer, qc->view, qc->block, 0,
		                 qc->sigs[i].sig, &qc->sigs[i].pq);
		if (rc != HM_OK)
			return rc;
	}
	return HM_OK;
}

int hm_bft_tc_verify(const struct hm_bft_validators *vs, const struct hm_bft_tc *tc)
{
	uint16_t signers[HM_BFT_MAX_VALIDATORS];
	uint64_t max_hqc = 0;
	int rc;

	if (tc->nsigs > HM_BFT_MAX_VALIDATORS)
		return HM_ERR_LENGTH;
	for (uint16_t i = 0; i < tc->nsigs; i++) {
		signers[i] = tc->sigs[i].signer;
		if (tc->sigs[i].hqc_view >= tc->view)
			return HM_ERR_INVALID;
		if (tc->sigs[i].hqc_view > max_hqc)
			max_hqc = tc->sigs[i].hqc_view;
	}
	if ((rc = check_signers(vs, signers, tc->nsigs)))
		return rc;
	if (tc->high_qc.view != max_hqc || !tc_shape_ok(vs, tc))
		return HM_ERR_INVALID;
	for (uint16_t i = 0; i < tc->nsigs; i++) {
		rc = verify_both(vs, HM_BFT_DOMAIN_TIMEOUT, tc->sigs[i].signer, tc->view, NULL,
		                 tc->sigs[i].hqc_view, tc->sigs[i].sig, &tc->sigs[i].pq);
		if (rc != HM_OK)
			return rc;
	}
	return hm_bft_qc_verify(vs, &tc->high_qc);
}

int hm_bft_evidence_verify(const struct hm_bft_validators *vs, const struct hm_bft_evidence *e)
{
	enum hm_bft_domain d;
	int rc;

	if (e->kind == HM_BFT_EVIDENCE_PROPOSAL)
		d = HM_BFT_DOMAIN_PROPOSAL;
	else if (e->kind == HM_BFT_EVIDENCE_VOTE)
		d = HM_BFT_DOMAIN_VOTE;
	else
		return HM_ERR_INVALID;
	if (memcmp(e->hash1, e->hash2, HM_BFT_HASH_LEN) == 0)
		return HM_ERR_INVALID;
	if ((rc = hm_bft_verify(vs, d, e->validator, e->view, e->hash1, 0, e->sig1)))
		return rc;
	return hm_bft_verify(vs, d, e->validator, e->view, e->hash2, 0, e->sig2);
}
