/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PoStake with hybrid (post-quantum) certificates made by TrustChain's CA:
 * root, intermediate and leaf carry ML-DSA-87 keys (2.5.29.72) and
 * alternative signatures. The leaf's PQ signature over the digest is
 * required and checked; a classical chain cannot pass under a hybrid root.
 */
#define _GNU_SOURCE /* mkdtemp */
#include "test.h"

#include "hypermesh/secure.h"
#include "hypermesh/trustchain.h"
#include "proofs/proofs_fixture.h"
#include "trustchain/tc.h" /* the leaf's secret keys, to sign the digest with them */

static struct fx F;
static int ready;
static struct hm_buf root_der, int_der, leaf_der;
static struct fx_cert hy_leaf, hy_int;
static struct hm_tc_key *leaf_key;
static uint8_t leaf_ed_sk[64];
static const uint64_t nb = FX_NOT_BEFORE;

static int setup(void)
{
	struct hm_tc_key *root_key = NULL, *int_key = NULL;
	struct hm_tc_ca *root_ca = NULL, *int_ca = NULL;
	gnutls_datum_t x = { NULL, 0 }, y = { NULL, 0 }, k = { NULL, 0 };
	gnutls_ecc_curve_t curve;
	struct hm_buf csr;
	int rc = -1;

	if (fx_init(&F) != 0)
		return -1;
	hm_buf_init(&root_der);
	hm_buf_init(&int_der);
	hm_buf_init(&leaf_der);
	hm_buf_init(&csr);
	if (hm_tc_key_generate(HM_SIG_MLDSA87, &root_key) != HM_OK ||
	    hm_tc_root_create(root_key, "pq root", nb, 400000000, &root_der, &root_ca) != HM_OK)
		goto out;
	if (hm_tc_key_generate(HM_SIG_MLDSA87, &int_key) != HM_OK ||
	    hm_tc_intermediate_create(root_ca, int_key, "pq intermediate", NULL, nb, 300000000,
	                              &int_der) != HM_OK ||
	    hm_tc_ca_new(int_der.data, int_der.len, int_key, NULL, &int_ca) != HM_OK)
		goto out;
	int_key = NULL; /* owned by int_ca */
	if (hm_tc_key_generate(HM_SIG_MLDSA87, &leaf_key) != HM_OK ||
	    hm_tc_csr_create(leaf_key, "pq leaf", NULL, 0, 1, &csr) != HM_OK ||
	    hm_tc_issue(int_ca, csr.data, csr.len, HM_TC_PROFILE_TX_SIGNING, nb, &leaf_der) !=
	            HM_OK)
		goto out;
	if (gnutls_x509_privkey_export_ecc_raw(leaf_key->ed, &curve, &x, &y, &k) < 0 ||
	    x.size != 32 || k.size != 32)
		goto out;
	memcpy(leaf_ed_sk, k.data, 32);
	memcpy(leaf_ed_sk + 32, x.data, 32);
	if (leaf_der.len > sizeof(hy_leaf.der) || int_der.len > sizeof(hy_int.der))
		goto out;
	memcpy(hy_leaf.der, leaf_der.data, leaf_der.len);
	hy_leaf.len = leaf_der.len;
	memcpy(hy_int.der, int_der.data, int_der.len);
	hy_int.len = int_der.len;
	rc = 0;
out:
	gnutls_free(x.data);
	gnutls_free(y.data);
	if (k.data)
		hm_wipe(k.data, k.size);
	gnutls_free(k.data);
	hm_buf_free(&csr);
	hm_tc_ca_free(int_ca);
	hm_tc_ca_free(root_ca);
	hm_tc_key_free(int_key);
	return rc;
}

/* The hybrid world: its root in state, certificates checked soon after issuance. */
static void hybrid_state(void)
{
	fx_reset_state(&F);
	F.root_override = root_der.data;
	F.root_override_len = root_der.len;
	F.ctx.now_s = nb + 3600;
	/* This leaf has no plot and no stake: PoStake alone is under test. */
	F.params.min_level = HM_STAKE_NONE;
	F.params.min_stake = 0;
}

static void run(const struct fx_op *o, unsigned failed, enum hm_proof_reason stake_reason)
{
	struct hm_proofs_result res;
	struct hm_buf b;

	hm_buf_init(&b);
	CHECK_ERR(fx_build(&F, o, &b), HM_OK);
	CHECK_ERR(fx_validate(&F, &b, &res), HM_ERR_VERIFY);
	CHECK_EQ(res.failed, failed);
	CHECK_EQ(res.reason[HM_PROOF_STAKE], stake_reason);
	/* PoSpace is refused only because this fresh key registered no plot. */
	CHECK_EQ(res.reason[HM_PROOF_SPACE], HM_PROOF_SPACE_UNREGISTERED);
	hm_buf_free(&b);
}

static void test_hybrid_signer_verifies(void)
{
	const struct fx_cert *chain[2] = { &hy_leaf, &hy_int };

	ready = setup() == 0;
	CHECK(ready);
	if (!ready)
		return;
	hybrid_state();
	run(&(struct fx_op){ .chain = chain,
	                     .n_chain = 2,
	                     .ed_sk = leaf_ed_sk,
	                     .pq_alg = leaf_key->pq_alg,
	                     .pq_sk = leaf_key->pq_sk,
	                     .pq_sk_len = leaf_key->pq_sk_len },
	    HM_PROOF_BIT(HM_PROOF_SPACE), HM_PROOF_OK);
}

static void test_hybrid_signer_without_pq_signature(void)
{
	const struct fx_cert *chain[2] = { &hy_leaf, &hy_int };

	if (!ready)
		return;
	hybrid_state();
	run(&(struct fx_op){ .chain = chain, .n_chain = 2, .ed_sk = leaf_ed_sk },
	    HM_PROOF_BIT(HM_PROOF_SPACE) | HM_PROOF_BIT(HM_PROOF_STAKE), HM_PROOF_STAKE_PQ_MISSING);
}

static void test_hybrid_signer_wrong_pq_key(void)
{
	const struct fx_cert *chain[2] = { &hy_leaf, &hy_int };
	uint8_t pk[HM_SIG_PK_MAX], sk[HM_SIG_SK_MAX];
	const struct hm_sig_info *info = hm_sig_info(HM_SIG_MLDSA87);

	if (!ready)
		return;
	hybrid_state();
	CHECK_ERR(hm_sig_keygen(HM_SIG_MLDSA87, pk, sizeof(pk), sk, sizeof(sk)), HM_OK);
	run(&(struct fx_op){ .chain = chain,
	                     .n_chain = 2,
	                     .ed_sk = leaf_ed_sk,
	                     .pq_alg = HM_SIG_MLDSA87,
	                     .pq_sk = sk,
	                     .pq_sk_len = info->sk_len },
	    HM_PROOF_BIT(HM_PROOF_SPACE) | HM_PROOF_BIT(HM_PROOF_STAKE),
	    HM_PROOF_STAKE_PQ_SIGNATURE);
	/* A valid signature of the wrong algorithm is refused too. */
	CHECK_ERR(hm_sig_keygen(HM_SIG_MLDSA65, pk, sizeof(pk), sk, sizeof(sk)), HM_OK);
	run(&(struct fx_op){ .chain = chain,
	                     .n_chain = 2,
	                     .ed_sk = leaf_ed_sk,
	                     .pq_alg = HM_SIG_MLDSA65,
	                     .pq_sk = sk,
	                     .pq_sk_len = hm_sig_info(HM_SIG_MLDSA65)->sk_len },
	    HM_PROOF_BIT(HM_PROOF_SPACE) | HM_PROOF_BIT(HM_PROOF_STAKE),
	    HM_PROOF_STAKE_PQ_SIGNATURE);
	hm_wipe(sk, sizeof(sk));
}

static void test_classical_chain_under_hybrid_root(void)
{
	struct hm_proofs_result res;
	struct hm_buf b;

	if (!ready)
		return;
	/* The fixture's classical chain, judged against the hybrid root: no downgrade. */
	hybrid_state();
	F.ctx.now_s = FX_NOW;
	hm_buf_init(&b);
	CHECK_ERR(fx_build(&F, &(struct fx_op){ 0 }, &b), HM_OK);
	CHECK_ERR(fx_validate(&F, &b, &res), HM_ERR_VERIFY);
	CHECK_EQ(res.failed, HM_PROOF_BIT(HM_PROOF_STAKE));
	CHECK_EQ(res.reason[HM_PROOF_STAKE], HM_PROOF_STAKE_CHAIN);
	hm_buf_free(&b);
}

static void test_zz_cleanup(void)
{
	hm_buf_free(&root_der);
	hm_buf_free(&int_der);
	hm_buf_free(&leaf_der);
	hm_wipe(leaf_ed_sk, sizeof(leaf_ed_sk));
	hm_tc_key_free(leaf_key);
	fx_free(&F);
}

TEST_MAIN(test_hybrid_signer_verifies, test_hybrid_signer_without_pq_signature,
          test_hybrid_signer_wrong_pq_key, test_classical_chain_under_hybrid_root, test_zz_cleanup)
