/* SPDX-License-Identifier: Apache-2.0 */
/* Hybrid certificates: issuance, the alternative-key extensions, preTBS, chain verification. */
#include <string.h>

#include "hypermesh/trustchain.h"
#include "test.h"
#include "trustchain/der.h"

#define T0 1790000000ull /* a fixed "now": 2026-09-21 */

struct pki {
	struct hm_tc_ca *root, *inter;
	struct hm_buf root_der, inter_der, leaf_der, csr;
	struct hm_tc_key *leaf_key;
};

static void pki_make(struct pki *p, enum hm_sig_alg pq)
{
	struct hm_tc_key *rk = NULL, *ik = NULL, *ik2 = NULL;
	const char *dns[] = { "node1.hypermesh.test" };

	memset(p, 0, sizeof(*p));
	hm_buf_init(&p->root_der);
	hm_buf_init(&p->inter_der);
	hm_buf_init(&p->leaf_der);
	hm_buf_init(&p->csr);
	CHECK_ERR(hm_tc_key_generate(pq, &rk), HM_OK);
	CHECK_ERR(hm_tc_root_create(rk, "HyperMesh Root", T0, 3650 * 86400ull, &p->root_der,
	                            &p->root),
	          HM_OK);
	CHECK_ERR(hm_tc_key_generate(pq, &ik), HM_OK);
	CHECK_ERR(hm_tc_intermediate_create(p->root, ik, "Validator 0", "http://127.0.0.1/crl/0",
	                                    T0, 1825 * 86400ull, &p->inter_der),
	          HM_OK);
	CHECK_ERR(hm_tc_ca_new(p->inter_der.data, p->inter_der.len, ik, "http://127.0.0.1/crl/0",
	                       &p->inter),
	          HM_OK);
	(void)ik2;
	CHECK_ERR(hm_tc_key_generate(HM_SIG_MLDSA87, &p->leaf_key), HM_OK);
	CHECK_ERR(hm_tc_csr_create(p->leaf_key, "node1", dns, 1, 1, &p->csr), HM_OK);
	CHECK_ERR(hm_tc_issue(p->inter, p->csr.data, p->csr.len, HM_TC_PROFILE_NODE, T0,
	                      &p->leaf_der),
	          HM_OK);
}

static void pki_free(struct pki *p)
{
	hm_tc_ca_free(p->root);
	hm_tc_ca_free(p->inter);
	hm_tc_key_free(p->leaf_key);
	hm_buf_free(&p->root_der);
	hm_buf_free(&p->inter_der);
	hm_buf_free(&p->leaf_der);
	hm_buf_free(&p->csr);
}

static void test_alt_key(void)
{
	struct pki p;
	struct hm_buf pk;
	enum hm_sig_alg alg = 0;
	const uint8_t *want;
	size_t want_len;
	enum hm_sig_alg want_alg;

	pki_make(&p, HM_SIG_MLDSA87);
	hm_buf_init(&pk);
	CHECK_ERR(hm_tc_cert_alt_key(p.leaf_der.data, p.leaf_der.len, &alg, &pk), HM_OK);
	CHECK_ERR(hm_tc_key_pq_public(p.leaf_key, &want_alg, &want, &want_len), HM_OK);
	CHECK(alg == HM_SIG_MLDSA87);
	CHECK_EQ(pk.len, want_len);
	if (pk.len == want_len)
		CHECK_MEM(pk.data, want, want_len);
	/* the intermediate's key verifies the leaf's alternative signature */
	pk.len = 0;
	CHECK_ERR(hm_tc_cert_alt_key(p.inter_der.data, p.inter_der.len, &alg, &pk), HM_OK);
	CHECK_ERR(hm_tc_cert_alt_verify(p.leaf_der.data, p.leaf_der.len, alg, pk.data, pk.len),
	          HM_OK);
	/* ... and the root's does not */
	pk.len = 0;
	CHECK_ERR(hm_tc_cert_alt_key(p.root_der.data, p.root_der.len, &alg, &pk), HM_OK);
	CHECK_ERR(hm_tc_cert_alt_verify(p.leaf_der.data, p.leaf_der.len, alg, pk.data, pk.len),
	          HM_ERR_VERIFY);
	CHECK_ERR(hm_tc_cert_alt_verify(p.inter_der.data, p.inter_der.len, alg, pk.data, pk.len),
	          HM_OK);
	CHECK_ERR(hm_tc_cert_alt_verify(p.root_der.data, p.root_der.len, alg, pk.data, pk.len),
	          HM_OK);
	/* malformed inputs */
	CHECK(hm_tc_cert_alt_key(p.leaf_der.data, p.leaf_der.len - 1, &alg, &pk) < 0);
	CHECK_ERR(hm_tc_cert_alt_key(p.csr.data, 0, &alg, &pk), HM_ERR_TRUNCATED);
	hm_buf_free(&pk);
	pki_free(&p);
}

static void test_falcon(void)
{
	struct pki p;
	struct hm_buf pk;
	enum hm_sig_alg alg = 0;

	pki_make(&p, HM_SIG_FALCON1024);
	hm_buf_init(&pk);
	CHECK_ERR(hm_tc_cert_alt_key(p.inter_der.data, p.inter_der.len, &alg, &pk), HM_OK);
	CHECK(alg == HM_SIG_FALCON1024);
	CHECK_ERR(hm_tc_cert_alt_verify(p.leaf_der.data, p.leaf_der.len, alg, pk.data, pk.len),
	          HM_OK);
	CHECK_ERR(hm_tc_cert_alt_verify(p.leaf_der.data, p.leaf_der.len, HM_SIG_MLDSA87, pk.data,
	                                pk.len),
	          HM_ERR_VERIFY);
	hm_buf_free(&pk);
	pki_free(&p);
}

static void test_classical_only(void)
{
	struct pki p;
	struct hm_buf pk;
	enum hm_sig_alg alg;
	struct hm_tc_key *k = NULL;
	struct hm_buf csr, cert;

	pki_make(&p, HM_SIG_MLDSA87);
	hm_buf_init(&pk);
	hm_buf_init(&csr);
	hm_buf_init(&cert);
	CHECK_ERR(hm_tc_key_generate(0, &k), HM_OK);
	CHECK_ERR(hm_tc_csr_create(k, "client", NULL, 0, 0, &csr), HM_OK);
	CHECK_ERR(hm_tc_issue(p.inter, csr.data, csr.len, HM_TC_PROFILE_TLS_CLIENT, T0, &cert),
	          HM_OK);
	CHECK_ERR(hm_tc_cert_alt_key(cert.data, cert.len, &alg, &pk), HM_ERR_NOT_FOUND);
	CHECK_EQ(pk.len, 0);
	/* a server profile needs a name */
	CHECK_ERR(hm_tc_issue(p.inter, csr.data, csr.len, HM_TC_PROFILE_TLS_SERVER, T0, &cert),
	          HM_ERR_INVALID);
	hm_tc_key_free(k);
	hm_buf_free(&csr);
	hm_buf_free(&cert);
	hm_buf_free(&pk);
	pki_free(&p);
}

static int verify2(struct pki *p, const struct hm_buf *leaf, uint64_t at,
                   struct hm_tc_verify_result *res)
{
	const uint8_t *chain[2] = { leaf->data, p->inter_der.data };
	size_t lens[2] = { leaf->len, p->inter_der.len };

	return hm_tc_chain_verify(chain, lens, 2, p->root_der.data, p->root_der.len, at, res);
}

static void test_chain_verify(void)
{
	struct pki p;
	struct hm_tc_verify_result res;
	struct hm_buf bad;

	pki_make(&p, HM_SIG_MLDSA87);
	hm_buf_init(&bad);
	CHECK_ERR(verify2(&p, &p.leaf_der, T0 + 10, &res), HM_OK);
	CHECK(res.reason == HM_TC_VERIFY_OK);
	CHECK_ERR(verify2(&p, &p.leaf_der, T0 - 10, &res), HM_ERR_VERIFY);
	CHECK(res.reason == HM_TC_VERIFY_NOT_YET_VALID);
	CHECK_ERR(verify2(&p, &p.leaf_der, T0 + 400 * 86400ull, &res), HM_ERR_VERIFY);
	CHECK(res.reason == HM_TC_VERIFY_EXPIRED && res.depth == 0);

	/* A flipped byte anywhere in the certificate is refused, classically or by PQ. */
	size_t refused = 0, tried = 0;
	for (size_t i = 0; i < p.leaf_der.len; i += 13) {
		bad.len = 0;
		CHECK_ERR(hm_buf_append(&bad, p.leaf_der.data, p.leaf_der.len), HM_OK);
		bad.data[i] ^= 0x01;
		tried++;
		if (verify2(&p, &bad, T0 + 10, &res) == HM_ERR_VERIFY)
			refused++;
	}
	CHECK_EQ(refused, tried);
	hm_buf_free(&bad);
	pki_free(&p);
}

/* The alternative signature alone catches changes the classical check would too: re-sign
 * classically after tampering so only the PQ signature stands between. */
static void test_pq_only_tamper(void)
{
	struct pki p, q;
	struct hm_tc_verify_result res;

	pki_make(&p, HM_SIG_MLDSA87);
	pki_make(&q, HM_SIG_MLDSA87);
	/* q's leaf under p's chain: both classical and PQ fail, classical first */
	CHECK_ERR(verify2(&p, &q.leaf_der, T0 + 10, &res), HM_ERR_VERIFY);
	CHECK(res.reason == HM_TC_VERIFY_CLASSICAL);
	pki_free(&p);
	pki_free(&q);
}

/*
 * The alternative signature on its own: every byte of the TBSCertificate it
 * covers (all but TBSCertificate.signature, which §7.2.2 leaves out), of the
 * alternative signature, and of the issuer's alternative key is protected.
 */
static void test_alt_signature_coverage(void)
{
	struct pki p;
	struct der_cert dc;
	struct hm_buf bad, ipk;
	enum hm_sig_alg alg;
	size_t tbs_start, tbs_end, skip_start, skip_end, tried = 0, refused = 0;

	pki_make(&p, HM_SIG_MLDSA87);
	hm_buf_init(&bad);
	hm_buf_init(&ipk);
	CHECK_ERR(der_cert_parse(p.leaf_der.data, p.leaf_der.len, &dc), HM_OK);
	CHECK_ERR(hm_tc_cert_alt_key(p.inter_der.data, p.inter_der.len, &alg, &ipk), HM_OK);
	tbs_start = (size_t)(dc.tbs.start - p.leaf_der.data);
	tbs_end = tbs_start + dc.tbs.len;
	skip_start = (size_t)(dc.tbs_sig_alg.start - p.leaf_der.data);
	skip_end = skip_start + dc.tbs_sig_alg.len;
	for (size_t i = tbs_start; i < tbs_end; i += 5) {
		if (i >= skip_start && i < skip_end)
			continue;
		bad.len = 0;
		CHECK_ERR(hm_buf_append(&bad, p.leaf_der.data, p.leaf_der.len), HM_OK);
		bad.data[i] ^= 0x04;
		tried++;
		if (hm_tc_cert_alt_verify(bad.data, bad.len, alg, ipk.data, ipk.len) != HM_OK)
			refused++;
	}
	CHECK(tried > 600);
	CHECK_EQ(refused, tried);
	/* a flipped bit in the issuer's alternative key */
	for (size_t i = 0; i < ipk.len; i += 61) {
		ipk.data[i] ^= 0x10;
		CHECK(hm_tc_cert_alt_verify(p.leaf_der.data, p.leaf_der.len, alg, ipk.data,
		                            ipk.len) != HM_OK);
		ipk.data[i] ^= 0x10;
	}
	CHECK_ERR(hm_tc_cert_alt_verify(p.leaf_der.data, p.leaf_der.len, alg, ipk.data, ipk.len),
	          HM_OK);
	/* the preTBS leaves out exactly the signature algorithm and altSignatureValue */
	{
		struct hm_buf pre;
		hm_buf_init(&pre);
		CHECK_ERR(hm_tc_cert_pre_tbs(p.leaf_der.data, p.leaf_der.len, &pre), HM_OK);
		CHECK(pre.len < dc.tbs.len - dc.tbs_sig_alg.len);
		CHECK(pre.len > dc.tbs.len - dc.tbs_sig_alg.len - HM_SIG_SIG_MAX - 32);
		hm_buf_free(&pre);
	}
	hm_buf_free(&bad);
	hm_buf_free(&ipk);
	pki_free(&p);
}

/* A classical-only chain passes GnuTLS but not the hybrid verifier. */
static void test_classical_chain_refused(void)
{
	struct pki p;
	struct hm_tc_verify_result res;

	pki_make(&p, 0);
	CHECK_ERR(verify2(&p, &p.leaf_der, T0 + 10, &res), HM_ERR_VERIFY);
	CHECK(res.reason == HM_TC_VERIFY_PQ_MISSING);
	CHECK_EQ(res.depth, 0);
	CHECK_STR(hm_tc_verify_reason_str(res.reason),
	          "post-quantum key or alternative signature missing");
	/* too long, and no chain at all */
	{
		const uint8_t *chain[HM_TC_CHAIN_MAX + 1];
		size_t lens[HM_TC_CHAIN_MAX + 1];
		for (int i = 0; i <= HM_TC_CHAIN_MAX; i++) {
			chain[i] = p.leaf_der.data;
			lens[i] = p.leaf_der.len;
		}
		CHECK_ERR(hm_tc_chain_verify(chain, lens, HM_TC_CHAIN_MAX + 1, p.root_der.data,
		                             p.root_der.len, T0, &res),
		          HM_ERR_VERIFY);
		CHECK(res.reason == HM_TC_VERIFY_TOO_LONG);
		CHECK_ERR(hm_tc_chain_verify(chain, lens, 0, p.root_der.data, p.root_der.len, T0,
		                             &res),
		          HM_ERR_INVALID);
		lens[0] = 10;
		CHECK_ERR(hm_tc_chain_verify(chain, lens, 1, p.root_der.data, p.root_der.len, T0,
		                             &res),
		          HM_ERR_VERIFY);
		CHECK(res.reason == HM_TC_VERIFY_MALFORMED);
	}
	pki_free(&p);
}

TEST_MAIN(test_classical_chain_refused, test_alt_signature_coverage, test_alt_key, test_falcon,
          test_classical_only, test_chain_verify, test_pq_only_tamper)
