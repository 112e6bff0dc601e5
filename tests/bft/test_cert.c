/* SPDX-License-Identifier: Apache-2.0 */
/* Signatures, QC/TC verification and equivocation evidence. */
#include "bft_fixture.h"
#include "test.h"

static struct fx fx;
static const uint8_t H1[HM_BFT_HASH_LEN] = { 1, 2, 3 };
static const uint8_t H2[HM_BFT_HASH_LEN] = { 9, 8, 7 };

static void test_validators_init(void)
{
	uint8_t pks[4][HM_BFT_PK_LEN] = { { 0 } };
	struct hm_bft_validators vs;
	static const uint16_t n[] = { 1, 2, 3, 4, 5, 6, 7, 10 };
	static const uint16_t q[] = { 1, 2, 3, 3, 4, 5, 5, 7 };

	for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
		uint8_t many[10][HM_BFT_PK_LEN] = { { 0 } };

		CHECK_ERR(hm_bft_validators_init(&vs, (const uint8_t *)"c", 1, n[i],
		                                 (const uint8_t(*)[HM_BFT_PK_LEN])many),
		          HM_OK);
		CHECK_EQ(vs.quorum, q[i]);
	}
	CHECK_ERR(hm_bft_validators_init(&vs, (const uint8_t *)"c", 1, 0,
	                                 (const uint8_t(*)[HM_BFT_PK_LEN])pks),
	          HM_ERR_INVALID);
	CHECK_ERR(hm_bft_validators_init(&vs, (const uint8_t *)"c", 1, HM_BFT_MAX_VALIDATORS + 1,
	                                 (const uint8_t(*)[HM_BFT_PK_LEN])pks),
	          HM_ERR_INVALID);
	CHECK_ERR(hm_bft_validators_init(&vs, (const uint8_t *)"c", 0, 4,
	                                 (const uint8_t(*)[HM_BFT_PK_LEN])pks),
	          HM_ERR_INVALID);
	CHECK_ERR(hm_bft_validators_init(&vs, (const uint8_t *)"c", HM_BFT_CHAIN_ID_MAX + 1, 4,
	                                 (const uint8_t(*)[HM_BFT_PK_LEN])pks),
	          HM_ERR_INVALID);
}

static void test_domain_separation(void)
{
	uint8_t sig[HM_BFT_SIG_LEN];
	struct hm_bft_validators other;

	fx_init(&fx, 4);
	CHECK_ERR(hm_bft_sign(&fx.vs, HM_BFT_DOMAIN_VOTE, fx.sk[1], 5, H1, 0, sig), HM_OK);
	CHECK_ERR(hm_bft_verify(&fx.vs, HM_BFT_DOMAIN_VOTE, 1, 5, H1, 0, sig), HM_OK);
	CHECK_ERR(hm_bft_verify(&fx.vs, HM_BFT_DOMAIN_PROPOSAL, 1, 5, H1, 0, sig), HM_ERR_VERIFY);
	CHECK_ERR(hm_bft_verify(&fx.vs, HM_BFT_DOMAIN_VOTE, 1, 6, H1, 0, sig), HM_ERR_VERIFY);
	CHECK_ERR(hm_bft_verify(&fx.vs, HM_BFT_DOMAIN_VOTE, 1, 5, H2, 0, sig), HM_ERR_VERIFY);
	CHECK_ERR(hm_bft_verify(&fx.vs, HM_BFT_DOMAIN_VOTE, 2, 5, H1, 0, sig), HM_ERR_VERIFY);
	CHECK_ERR(hm_bft_verify(&fx.vs, HM_BFT_DOMAIN_VOTE, 4, 5, H1, 0, sig), HM_ERR_RANGE);
	other = fx.vs;
	other.chain_id[0] ^= 1;
	CHECK_ERR(hm_bft_verify(&other, HM_BFT_DOMAIN_VOTE, 1, 5, H1, 0, sig), HM_ERR_VERIFY);
	/* Timeouts sign (view, hqc_view). */
	CHECK_ERR(hm_bft_sign(&fx.vs, HM_BFT_DOMAIN_TIMEOUT, fx.sk[0], 5, NULL, 3, sig), HM_OK);
	CHECK_ERR(hm_bft_verify(&fx.vs, HM_BFT_DOMAIN_TIMEOUT, 0, 5, NULL, 3, sig), HM_OK);
	CHECK_ERR(hm_bft_verify(&fx.vs, HM_BFT_DOMAIN_TIMEOUT, 0, 5, NULL, 2, sig), HM_ERR_VERIFY);
	CHECK_ERR(hm_bft_sign(&fx.vs, HM_BFT_DOMAIN_VOTE, fx.sk[0], 5, NULL, 0, sig),
	          HM_ERR_INVALID);
	CHECK_ERR(hm_bft_sign(&fx.vs, (enum hm_bft_domain)7, fx.sk[0], 5, H1, 0, sig),
	          HM_ERR_INVALID);
}

static void test_qc_verify(void)
{
	struct hm_bft_qc qc;

	fx_init(&fx, 4);
	fx_qc(&fx, &qc, 3, H1, 0x7);
	CHECK_ERR(hm_bft_qc_verify(&fx.vs, &qc), HM_OK);
	fx_qc(&fx, &qc, 3, H1, 0xf);
	CHECK_ERR(hm_bft_qc_verify(&fx.vs, &qc), HM_OK);
	/* Too few signers. */
	fx_qc(&fx, &qc, 3, H1, 0x5);
	CHECK_ERR(hm_bft_qc_verify(&fx.vs, &qc), HM_ERR_LENGTH);
	/* A duplicate signer does not count twice. */
	fx_qc(&fx, &qc, 3, H1, 0x7);
	qc.sigs[2] = qc.sigs[1];
	CHECK_ERR(hm_bft_qc_verify(&fx.vs, &qc), HM_ERR_INVALID);
	/* A wrong signature. */
	fx_qc(&fx, &qc, 3, H1, 0x7);
	qc.sigs[1].sig[10] ^= 1;
	CHECK_ERR(hm_bft_qc_verify(&fx.vs, &qc), HM_ERR_VERIFY);
	/* Signatures on another block or view. */
	fx_qc(&fx, &qc, 3, H1, 0x7);
	qc.view = 4;
	CHECK_ERR(hm_bft_qc_verify(&fx.vs, &qc), HM_ERR_VERIFY);
	fx_qc(&fx, &qc, 3, H1, 0x7);
	memcpy(qc.block, H2, 32);
	CHECK_ERR(hm_bft_qc_verify(&fx.vs, &qc), HM_ERR_VERIFY);
	/* A signer outside the set. */
	fx_qc(&fx, &qc, 3, H1, 0x7);
	qc.sigs[2].signer = 4;
	CHECK_ERR(hm_bft_qc_verify(&fx.vs, &qc), HM_ERR_RANGE);
	/* Genesis: view 0 with the genesis hash and nothing else. */
	fx_genesis_qc(&fx, &qc);
	CHECK_ERR(hm_bft_qc_verify(&fx.vs, &qc), HM_OK);
	qc.block[0] ^= 1;
	CHECK_ERR(hm_bft_qc_verify(&fx.vs, &qc), HM_ERR_INVALID);
	fx_qc(&fx, &qc, 0, fx.genesis_hash, 0x7);
	CHECK_ERR(hm_bft_qc_verify(&fx.vs, &qc), HM_ERR_INVALID);
}

static void test_qc_quorum_override(void)
{
	struct hm_bft_qc qc;

	fx_init(&fx, 4);
	fx_qc(&fx, &qc, 3, H1, 0x3);
	CHECK_ERR(hm_bft_qc_verify(&fx.vs, &qc), HM_ERR_LENGTH);
	fx.vs.quorum = 2; /* the unsafe test configuration */
	CHECK_ERR(hm_bft_qc_verify(&fx.vs, &qc), HM_OK);
}

static void test_tc_verify(void)
{
	struct hm_bft_qc qc, low;
	struct hm_bft_tc tc;

	fx_init(&fx, 4);
	fx_qc(&fx, &qc, 3, H1, 0x7);
	fx_tc(&fx, &tc, 5, &qc, 0xe);
	CHECK_ERR(hm_bft_tc_verify(&fx.vs, &tc), HM_OK);
	fx_tc(&fx, &tc, 5, &qc, 0x6);
	CHECK_ERR(hm_bft_tc_verify(&fx.vs, &tc), HM_ERR_LENGTH);
	fx_tc(&fx, &tc, 5, &qc, 0xe);
	tc.sigs[0].sig[0] ^= 1;
	CHECK_ERR(hm_bft_tc_verify(&fx.vs, &tc), HM_ERR_VERIFY);
	/* The TC's QC must be the highest one its signers reported. */
	fx_tc(&fx, &tc, 5, &qc, 0xe);
	fx_qc(&fx, &low, 2, H2, 0x7);
	tc.high_qc = low;
	CHECK_ERR(hm_bft_tc_verify(&fx.vs, &tc), HM_ERR_INVALID);
	/* A signer may not report a QC from the TC's own view or later. */
	fx_tc(&fx, &tc, 3, &qc, 0xe);
	CHECK_ERR(hm_bft_tc_verify(&fx.vs, &tc), HM_ERR_INVALID);
	/* An invalid high QC spoils the TC. */
	fx_tc(&fx, &tc, 5, &qc, 0xe);
	tc.high_qc.sigs[0].sig[3] ^= 1;
	CHECK_ERR(hm_bft_tc_verify(&fx.vs, &tc), HM_ERR_VERIFY);
	/* Unsorted and out-of-range signers. */
	fx_tc(&fx, &tc, 5, &qc, 0xe);
	tc.sigs[1].signer = 1;
	CHECK_ERR(hm_bft_tc_verify(&fx.vs, &tc), HM_ERR_INVALID);
	fx_tc(&fx, &tc, 5, &qc, 0xe);
	tc.sigs[2].signer = 9;
	CHECK_ERR(hm_bft_tc_verify(&fx.vs, &tc), HM_ERR_RANGE);
}

static void test_evidence_verify(void)
{
	struct hm_bft_evidence e;

	fx_init(&fx, 4);
	memset(&e, 0, sizeof(e));
	e.kind = HM_BFT_EVIDENCE_PROPOSAL;
	e.validator = 2;
	e.view = 6;
	memcpy(e.hash1, H1, 32);
	memcpy(e.hash2, H2, 32);
	CHECK_ERR(hm_bft_sign(&fx.vs, HM_BFT_DOMAIN_PROPOSAL, fx.sk[2], 6, H1, 0, e.sig1), HM_OK);
	CHECK_ERR(hm_bft_sign(&fx.vs, HM_BFT_DOMAIN_PROPOSAL, fx.sk[2], 6, H2, 0, e.sig2), HM_OK);
	CHECK_ERR(hm_bft_evidence_verify(&fx.vs, &e), HM_OK);
	/* The same signatures are not evidence of a double vote. */
	e.kind = HM_BFT_EVIDENCE_VOTE;
	CHECK_ERR(hm_bft_evidence_verify(&fx.vs, &e), HM_ERR_VERIFY);
	e.kind = HM_BFT_EVIDENCE_PROPOSAL;
	e.validator = 1;
	CHECK_ERR(hm_bft_evidence_verify(&fx.vs, &e), HM_ERR_VERIFY);
	e.validator = 7;
	CHECK_ERR(hm_bft_evidence_verify(&fx.vs, &e), HM_ERR_RANGE);
	e.validator = 2;
	memcpy(e.hash2, H1, 32);
	memcpy(e.sig2, e.sig1, 64);
	CHECK_ERR(hm_bft_evidence_verify(&fx.vs, &e), HM_ERR_INVALID);
}

TEST_MAIN(test_validators_init, test_domain_separation, test_qc_verify, test_qc_quorum_override,
          test_tc_verify, test_evidence_verify)
