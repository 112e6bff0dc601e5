/* SPDX-License-Identifier: Apache-2.0 */
/*
 * STOQ identities certified by TrustChain: endpoints present chains issued
 * by a TrustChain intermediate (node profile) and verify their peers' chains
 * against a configured root. Refusals tested: a chain to another root, an
 * expired leaf, a leaf of another profile, a self-signed peer, and a valid
 * chain whose node id is not the pinned one. Everything is made here with
 * the TrustChain CA API; two endpoints talk over ::1.
 */
#define _GNU_SOURCE /* libuv headers need POSIX types */
#include <gnutls/gnutls.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "hypermesh/keystore.h"
#include "hypermesh/stoq.h"
#include "hypermesh/trustchain.h"
#include "tc_pki.h"
#include "test.h"

/* PEM: a leaf for id issued by p's intermediate, then the intermediate. */
static void issue_chain(const struct pki *p, const struct hm_identity *id,
                        enum hm_tc_profile profile, uint64_t not_before, struct hm_buf *pem)
{
	const char *dns[1] = { "node.test.hypermesh.invalid" };
	struct hm_tc_key *key = NULL;
	struct hm_buf csr, leaf;
	uint8_t sk[64];

	hm_buf_init(&csr);
	hm_buf_init(&leaf);
	memcpy(sk, id->sk, 32);
	memcpy(sk + 32, id->pk, 32);
	CHECK_ERR(hm_tc_key_from_ed25519(sk, &key), HM_OK);
	CHECK_ERR(hm_tc_csr_create(key, "node", dns, 1, 0, &csr), HM_OK);
	CHECK_ERR(hm_tc_issue(p->inter, csr.data, csr.len, profile, not_before, &leaf), HM_OK);
	append_pem(pem, &leaf);
	append_pem(pem, &p->inter_der);
	memset(sk, 0, sizeof(sk));
	hm_tc_key_free(key);
	hm_buf_free(&csr);
	hm_buf_free(&leaf);
}

struct side {
	int ready, closed, err, chain_error, certified;
};

struct world {
	uv_loop_t loop;
	uv_timer_t guard;
	int timed_out;
	struct hm_identity sid, cid;
	uint8_t snode[HM_NODE_ID_LEN], cnode[HM_NODE_ID_LEN];
	struct side srv, cli;
};

static void on_ready(struct hm_stoq_conn *c, void *user)
{
	struct side *s = user;

	s->ready++;
	s->certified = hm_stoq_conn_is_certified(c);
}

static void on_closed(struct hm_stoq_conn *c, int err, uint64_t code, void *user)
{
	struct side *s = user;

	(void)code;
	s->closed++;
	s->err = err;
	s->chain_error = hm_stoq_conn_chain_error(c);
}

static void on_guard(uv_timer_t *t)
{
	((struct world *)t->data)->timed_out = 1;
}

static void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	CHECK(uv_loop_init(&w->loop) == 0);
	uv_timer_init(&w->loop, &w->guard);
	w->guard.data = w;
	CHECK_ERR(hm_identity_generate(&w->sid), HM_OK);
	CHECK_ERR(hm_identity_generate(&w->cid), HM_OK);
	hm_identity_node_id(&w->sid, w->snode);
	hm_identity_node_id(&w->cid, w->cnode);
}

static void world_free(struct world *w)
{
	uv_close((uv_handle_t *)&w->guard, NULL);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&w->loop), 0);
	hm_identity_wipe(&w->sid);
	hm_identity_wipe(&w->cid);
}

static int g_self_signed_clients; /* servers set accept_self_signed_clients */

static void config(struct hm_stoq_config *cfg, const struct hm_identity *id, struct side *s,
                   const struct hm_buf *chain, const struct hm_buf *root)
{
	hm_stoq_config_default(cfg);
	cfg->identity = id;
	cfg->port = 0;
	cfg->bind_addr = "::1";
	cfg->user = s;
	cfg->handshake_timeout_ms = 3000;
	cfg->callbacks.on_ready = on_ready;
	cfg->callbacks.on_closed = on_closed;
	if (chain != NULL) {
		cfg->cert_chain = chain->data;
		cfg->cert_chain_len = chain->len;
	}
	if (root != NULL) {
		cfg->trust_root = root->data;
		cfg->trust_root_len = root->len;
	}
}

/*
 * One connection from the client to the server: the client pins pin (the
 * server's node id unless told otherwise). Returns once the client is ready
 * or closed; the outcomes are in w->srv and w->cli.
 */
static void handshake(struct world *w, const struct hm_buf *schain, const struct hm_buf *sroot,
                      const struct hm_buf *cchain, const struct hm_buf *croot, const uint8_t *pin)
{
	struct hm_stoq_config scfg, ccfg;
	struct hm_stoq_endpoint *server = NULL, *client = NULL;

	memset(&w->srv, 0, sizeof(w->srv));
	memset(&w->cli, 0, sizeof(w->cli));
	config(&scfg, &w->sid, &w->srv, schain, sroot);
	scfg.accept = 1;
	scfg.accept_self_signed_clients = g_self_signed_clients;
	config(&ccfg, &w->cid, &w->cli, cchain, croot);
	CHECK_ERR(hm_stoq_endpoint_new(&w->loop, &scfg, &server), HM_OK);
	CHECK_ERR(hm_stoq_endpoint_new(&w->loop, &ccfg, &client), HM_OK);
	if (server == NULL || client == NULL)
		goto out;
	CHECK_ERR(hm_stoq_connect(client, "::1", hm_stoq_endpoint_port(server),
	                          pin != NULL ? pin : w->snode, NULL, NULL),
	          HM_OK);
	w->timed_out = 0;
	uv_timer_start(&w->guard, on_guard, 8000, 0);
	/* Done when the client is ready (and the server agrees), or both gave up. */
	while (!w->timed_out && !(w->cli.ready && w->srv.ready) &&
	       !(w->cli.closed && (w->srv.closed || w->srv.ready == 0)))
		uv_run(&w->loop, UV_RUN_ONCE);
	uv_timer_stop(&w->guard);
	CHECK(!w->timed_out);
out:
	hm_stoq_endpoint_close(client);
	hm_stoq_endpoint_close(server);
	uv_run(&w->loop, UV_RUN_NOWAIT);
}

static void test_trusted_chains_connect(void)
{
	struct world w;
	struct pki a;
	struct hm_buf sc, cc, root_pem;

	world_init(&w);
	pki_init(&a, "root A");
	hm_buf_init(&sc);
	hm_buf_init(&cc);
	hm_buf_init(&root_pem);
	append_pem(&root_pem, &a.root_der);
	issue_chain(&a, &w.sid, HM_TC_PROFILE_NODE, (uint64_t)time(NULL) - 60, &sc);
	issue_chain(&a, &w.cid, HM_TC_PROFILE_NODE, (uint64_t)time(NULL) - 60, &cc);
	/* The root in PEM on one side and DER on the other: both are accepted. */
	handshake(&w, &sc, &root_pem, &cc, &a.root_der, NULL);
	CHECK_EQ(w.cli.ready, 1);
	CHECK_EQ(w.srv.ready, 1);
	CHECK_EQ(w.cli.chain_error, HM_STOQ_CHAIN_OK);
	/* A chain that also carries the root is accepted as well. */
	append_pem(&sc, &a.root_der);
	handshake(&w, &sc, &a.root_der, &cc, &a.root_der, NULL);
	CHECK_EQ(w.cli.ready, 1);
	CHECK_EQ(w.srv.ready, 1);
	hm_buf_free(&sc);
	hm_buf_free(&cc);
	hm_buf_free(&root_pem);
	pki_free(&a);
	world_free(&w);
}

/* Refusal 1: the server's chain leads to another root. */
static void test_refuses_other_root(void)
{
	struct world w;
	struct pki a, b;
	struct hm_buf sc, cc;

	world_init(&w);
	pki_init(&a, "root A");
	pki_init(&b, "root B");
	hm_buf_init(&sc);
	hm_buf_init(&cc);
	issue_chain(&b, &w.sid, HM_TC_PROFILE_NODE, (uint64_t)time(NULL) - 60, &sc);
	issue_chain(&a, &w.cid, HM_TC_PROFILE_NODE, (uint64_t)time(NULL) - 60, &cc);
	handshake(&w, &sc, NULL, &cc, &a.root_der, NULL);
	CHECK_EQ(w.cli.ready, 0);
	CHECK_EQ(w.cli.closed, 1);
	CHECK_ERR(w.cli.err, HM_ERR_VERIFY);
	CHECK_EQ(w.cli.chain_error, HM_STOQ_CHAIN_UNTRUSTED);
	CHECK_EQ(w.srv.ready, 0);

	/* The other way round: the server (root A) refuses the client's chain (root B). */
	sc.len = cc.len = 0;
	issue_chain(&a, &w.sid, HM_TC_PROFILE_NODE, (uint64_t)time(NULL) - 60, &sc);
	issue_chain(&b, &w.cid, HM_TC_PROFILE_NODE, (uint64_t)time(NULL) - 60, &cc);
	handshake(&w, &sc, &a.root_der, &cc, NULL, NULL);
	CHECK_EQ(w.srv.ready, 0);
	CHECK_EQ(w.srv.closed, 1);
	CHECK_ERR(w.srv.err, HM_ERR_VERIFY);
	CHECK_EQ(w.srv.chain_error, HM_STOQ_CHAIN_UNTRUSTED);
	CHECK_EQ(w.cli.ready, 0);
	CHECK_EQ(w.cli.closed, 1);
	CHECK_ERR(w.cli.err, HM_ERR_CRYPTO); /* the client sees the server's TLS alert */
	hm_buf_free(&sc);
	hm_buf_free(&cc);
	pki_free(&a);
	pki_free(&b);
	world_free(&w);
}

/* Refusal 2: the leaf expired (issued 400 days ago, valid for 365). */
static void test_refuses_expired(void)
{
	struct world w;
	struct pki a;
	struct hm_buf sc;

	world_init(&w);
	pki_init(&a, "root A");
	hm_buf_init(&sc);
	issue_chain(&a, &w.sid, HM_TC_PROFILE_NODE, (uint64_t)time(NULL) - 400 * DAY, &sc);
	handshake(&w, &sc, NULL, NULL, &a.root_der, NULL);
	CHECK_EQ(w.cli.ready, 0);
	CHECK_ERR(w.cli.err, HM_ERR_VERIFY);
	CHECK_EQ(w.cli.chain_error, HM_STOQ_CHAIN_EXPIRED);
	hm_buf_free(&sc);
	pki_free(&a);
	world_free(&w);
}

/* Refusal 3: a valid chain, but for another node than the pinned one. */
static void test_refuses_pin_mismatch(void)
{
	struct world w;
	struct pki a;
	struct hm_buf sc;
	uint8_t other[HM_NODE_ID_LEN];

	world_init(&w);
	pki_init(&a, "root A");
	hm_buf_init(&sc);
	issue_chain(&a, &w.sid, HM_TC_PROFILE_NODE, (uint64_t)time(NULL) - 60, &sc);
	memcpy(other, w.snode, sizeof(other));
	other[0] ^= 1;
	handshake(&w, &sc, NULL, NULL, &a.root_der, other);
	CHECK_EQ(w.cli.ready, 0);
	CHECK_ERR(w.cli.err, HM_ERR_VERIFY);
	CHECK_EQ(w.cli.chain_error, HM_STOQ_CHAIN_OK); /* the chain was not the problem */
	hm_buf_free(&sc);
	pki_free(&a);
	world_free(&w);
}

/* A transaction-signing certificate is not a STOQ identity; nor is a self-signed one. */
static void test_refuses_profile_and_self_signed(void)
{
	struct world w;
	struct pki a;
	struct hm_buf sc;

	world_init(&w);
	pki_init(&a, "root A");
	hm_buf_init(&sc);
	issue_chain(&a, &w.sid, HM_TC_PROFILE_TX_SIGNING, (uint64_t)time(NULL) - 60, &sc);
	handshake(&w, &sc, NULL, NULL, &a.root_der, NULL);
	CHECK_EQ(w.cli.ready, 0);
	CHECK_ERR(w.cli.err, HM_ERR_VERIFY);
	CHECK_EQ(w.cli.chain_error, HM_STOQ_CHAIN_PROFILE);

	handshake(&w, NULL, NULL, NULL, &a.root_der, NULL);
	CHECK_EQ(w.cli.ready, 0);
	CHECK_ERR(w.cli.err, HM_ERR_VERIFY);
	CHECK_EQ(w.cli.chain_error, HM_STOQ_CHAIN_UNTRUSTED);

	/* Self-signed on both sides still works where no root is configured. */
	handshake(&w, NULL, NULL, NULL, NULL, NULL);
	CHECK_EQ(w.cli.ready, 1);
	CHECK_EQ(w.srv.ready, 1);
	hm_buf_free(&sc);
	pki_free(&a);
	world_free(&w);
}

/*
 * A server that admits operator tools: a self-signed client gets in,
 * uncertified; a certified one is certified; a bad chain is still refused.
 */
static void test_self_signed_clients(void)
{
	struct world w;
	struct pki a, b;
	struct hm_buf sc, cc;

	world_init(&w);
	pki_init(&a, "root A");
	pki_init(&b, "root B");
	hm_buf_init(&sc);
	hm_buf_init(&cc);
	issue_chain(&a, &w.sid, HM_TC_PROFILE_NODE, (uint64_t)time(NULL) - 60, &sc);
	g_self_signed_clients = 1;
	handshake(&w, &sc, &a.root_der, NULL, &a.root_der, NULL);
	CHECK_EQ(w.srv.ready, 1);
	CHECK_EQ(w.srv.certified, 0);
	CHECK_EQ(w.cli.ready, 1);
	CHECK_EQ(w.cli.certified, 1); /* the client verified the server's chain */

	issue_chain(&a, &w.cid, HM_TC_PROFILE_NODE, (uint64_t)time(NULL) - 60, &cc);
	handshake(&w, &sc, &a.root_der, &cc, &a.root_der, NULL);
	CHECK_EQ(w.srv.ready, 1);
	CHECK_EQ(w.srv.certified, 1);

	cc.len = 0;
	issue_chain(&b, &w.cid, HM_TC_PROFILE_NODE, (uint64_t)time(NULL) - 60, &cc);
	handshake(&w, &sc, &a.root_der, &cc, NULL, NULL);
	CHECK_EQ(w.srv.ready, 0);
	CHECK_ERR(w.srv.err, HM_ERR_VERIFY);
	CHECK_EQ(w.srv.chain_error, HM_STOQ_CHAIN_UNTRUSTED);

	/* Without the flag the self-signed client is refused. */
	g_self_signed_clients = 0;
	handshake(&w, &sc, &a.root_der, NULL, NULL, NULL);
	CHECK_EQ(w.srv.ready, 0);
	CHECK_ERR(w.srv.err, HM_ERR_VERIFY);
	hm_buf_free(&sc);
	hm_buf_free(&cc);
	pki_free(&a);
	pki_free(&b);
	world_free(&w);
}

/* Bad configuration fails at hm_stoq_endpoint_new and opens nothing. */
static void test_bad_config(void)
{
	struct world w;
	struct pki a;
	struct hm_buf sc, junk;
	struct hm_stoq_config cfg;
	struct hm_stoq_endpoint *ep = NULL;
	struct side s;

	world_init(&w);
	pki_init(&a, "root A");
	hm_buf_init(&sc);
	hm_buf_init(&junk);
	CHECK_ERR(hm_buf_append(&junk, "-----BEGIN CERTIFICATE-----\nAAAA\n", 34), HM_OK);
	/* A chain for the client's key presented with the server's identity. */
	issue_chain(&a, &w.cid, HM_TC_PROFILE_NODE, (uint64_t)time(NULL) - 60, &sc);
	config(&cfg, &w.sid, &s, &sc, NULL);
	CHECK_ERR(hm_stoq_endpoint_new(&w.loop, &cfg, &ep), HM_ERR_INVALID);
	config(&cfg, &w.sid, &s, &junk, NULL);
	CHECK_ERR(hm_stoq_endpoint_new(&w.loop, &cfg, &ep), HM_ERR_INVALID);
	config(&cfg, &w.sid, &s, NULL, &junk);
	CHECK_ERR(hm_stoq_endpoint_new(&w.loop, &cfg, &ep), HM_ERR_INVALID);
	cfg.trust_root_len = 0;
	CHECK_ERR(hm_stoq_endpoint_new(&w.loop, &cfg, &ep), HM_ERR_INVALID);
	CHECK(ep == NULL);
	hm_buf_free(&sc);
	hm_buf_free(&junk);
	pki_free(&a);
	world_free(&w);
}

TEST_MAIN(test_trusted_chains_connect, test_refuses_other_root, test_refuses_expired,
          test_refuses_pin_mismatch, test_refuses_profile_and_self_signed, test_self_signed_clients,
          test_bad_config)
