/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A TrustChain root and one intermediate under it, as genesis makes them,
 * for the STOQ tests of TrustChain identities (test_tc_identity.c,
 * test_chain_cache.c).
 */
#ifndef HYPERMESH_TEST_STOQ_TC_PKI_H
#define HYPERMESH_TEST_STOQ_TC_PKI_H

#include <gnutls/gnutls.h>
#include <string.h>
#include <time.h>

#include "hypermesh/trustchain.h"
#include "test.h"

#define DAY 86400ull

struct pki {
	struct hm_tc_ca *root, *inter;
	struct hm_buf root_der, inter_der;
};

static inline void pki_init(struct pki *p, const char *name)
{
	struct hm_tc_key *rk = NULL, *ik = NULL;
	uint64_t now = (uint64_t)time(NULL);

	memset(p, 0, sizeof(*p));
	hm_buf_init(&p->root_der);
	hm_buf_init(&p->inter_der);
	/* ML-DSA-44 keeps the test fast; the devnet uses Falcon-1024. */
	CHECK_ERR(hm_tc_key_generate(HM_SIG_MLDSA44, &rk), HM_OK);
	CHECK_ERR(hm_tc_root_create(rk, name, now - 3600, 3650 * DAY, &p->root_der, &p->root),
	          HM_OK);
	CHECK_ERR(hm_tc_key_generate(HM_SIG_MLDSA44, &ik), HM_OK);
	CHECK_ERR(hm_tc_intermediate_create(p->root, ik, "test validator CA", NULL, now - 3600,
	                                    1825 * DAY, &p->inter_der),
	          HM_OK);
	CHECK_ERR(hm_tc_ca_new(p->inter_der.data, p->inter_der.len, ik, NULL, &p->inter), HM_OK);
}

static inline void pki_free(struct pki *p)
{
	hm_tc_ca_free(p->root);
	hm_tc_ca_free(p->inter);
	hm_buf_free(&p->root_der);
	hm_buf_free(&p->inter_der);
}

static inline void append_pem(struct hm_buf *out, const struct hm_buf *der)
{
	gnutls_datum_t in = { der->data, (unsigned)der->len }, pem = { NULL, 0 };

	CHECK(gnutls_pem_base64_encode2("CERTIFICATE", &in, &pem) == 0);
	CHECK_ERR(hm_buf_append(out, pem.data, pem.size), HM_OK);
	gnutls_free(pem.data);
}

/* PEM: a node leaf for id issued at not_before, then the intermediate; the leaf's serial. */

#endif
