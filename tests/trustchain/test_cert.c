/* SPDX-License-Identifier: Apache-2.0 */
/* Hybrid certificates: issuance, the alternative-key extensions, preTBS, chain verification. */
#include <string.h>

#include "hypermesh/trustchain.h"
#include "test.h"

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

TEST_MAIN(test_alt_key, test_falcon, test_classical_only)
