/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cache of verified peer chains (src/stoq/chain_cache.c): a second
 * handshake presenting the same chain under the same root is not verified
 * again (the endpoint's chain_verifications counter stays, chain_cache_hits
 * grows); another chain is verified in full; a chain whose leaf expired
 * since it was cached is verified again, and refused; a chain that failed
 * is never cached; cfg.cert_revoked is asked at every handshake, cached or
 * not, and refuses a cached chain the moment it names one of its serials.
 * Two long-lived endpoints on ::1 make several connections each. The
 * cache's bounds (size, least recently used, expiry) are tested directly.
 */
#define _GNU_SOURCE /* libuv headers need POSIX types */
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "hypermesh/keystore.h"
#include "hypermesh/stoq.h"
#include "hypermesh/trustchain.h"
#include "stoq/chain_cache.h" /* the cache's bounds, tested directly */
#include "tc_pki.h"
#include "test.h"

static void issue_chain(const struct pki *p, const struct hm_identity *id, uint64_t not_before,
                        struct hm_buf *pem, uint8_t serial[20], size_t *serial_len)
{
	const char *dns[1] = { "node.test.hypermesh.invalid" };
	struct hm_tc_key *key = NULL;
	struct hm_buf csr, leaf;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t d;
	uint8_t sk[64];

	hm_buf_init(&csr);
	hm_buf_init(&leaf);
	memcpy(sk, id->sk, 32);
	memcpy(sk + 32, id->pk, 32);
	CHECK_ERR(hm_tc_key_from_ed25519(sk, &key), HM_OK);
	CHECK_ERR(hm_tc_csr_create(key, "node", dns, 1, 0, &csr), HM_OK);
	CHECK_ERR(hm_tc_issue(p->inter, csr.data, csr.len, HM_TC_PROFILE_NODE, not_before, &leaf),
	          HM_OK);
	append_pem(pem, &leaf);
	append_pem(pem, &p->inter_der);
	d.data = leaf.data;
	d.size = (unsigned)leaf.len;
	*serial_len = 20;
	CHECK(gnutls_x509_crt_init(&crt) == 0);
	CHECK(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) == 0);
	CHECK(gnutls_x509_crt_get_serial(crt, serial, serial_len) == 0);
	gnutls_x509_crt_deinit(crt);
	memset(sk, 0, sizeof(sk));
	hm_tc_key_free(key);
	hm_buf_free(&csr);
	hm_buf_free(&leaf);
}

struct side {
	int ready, closed, err, chain_error;
	/* cfg.cert_revoked: calls, and the serial it refuses (none while revoked_len is 0). */
	int revoked_calls;
	uint8_t revoked[20];
	size_t revoked_len;
};

struct world {
	uv_loop_t loop;
	uv_timer_t guard;
	int timed_out;
	struct hm_identity sid, cid, cid2;
	uint8_t snode[HM_NODE_ID_LEN];
	struct side srv, cli;
	struct hm_stoq_endpoint *server, *client;
};

static void on_ready(struct hm_stoq_conn *c, void *user)
{
	(void)c;
	((struct side *)user)->ready++;
}

static void on_closed(struct hm_stoq_conn *c, int err, uint64_t code, void *user)
{
	struct side *s = user;

	(void)code;
	if (err == HM_OK && hm_stoq_conn_chain_error(c) == HM_STOQ_CHAIN_OK)
		return; /* an earlier connection closed at shutdown */
	s->closed++;
	s->err = err;
	s->chain_error = hm_stoq_conn_chain_error(c);
}

static int cert_revoked(const uint8_t *serial, size_t len, int depth, void *user)
{
	struct side *s = user;

	(void)depth;
	s->revoked_calls++;
	return s->revoked_len > 0 && len == s->revoked_len && memcmp(serial, s->revoked, len) == 0;
}

static void on_guard(uv_timer_t *t)
{
	((struct world *)t->data)->timed_out = 1;
}

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
	cfg->cert_revoked = cert_revoked;
	cfg->cert_chain = chain->data;
	cfg->cert_chain_len = chain->len;
	cfg->trust_root = root->data;
	cfg->trust_root_len = root->len;
}

static void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	CHECK(uv_loop_init(&w->loop) == 0);
	uv_timer_init(&w->loop, &w->guard);
	w->guard.data = w;
	CHECK_ERR(hm_identity_generate(&w->sid), HM_OK);
	CHECK_ERR(hm_identity_generate(&w->cid), HM_OK);
	CHECK_ERR(hm_identity_generate(&w->cid2), HM_OK);
	hm_identity_node_id(&w->sid, w->snode);
}

/* Opens the two endpoints: the server presents schain, the client cchain. */
static void world_open(struct world *w, const struct hm_buf *schain, const struct hm_identity *cid,
                       const struct hm_buf *cchain, const struct hm_buf *root)
{
	struct hm_stoq_config scfg, ccfg;

	config(&scfg, &w->sid, &w->srv, schain, root);
	scfg.accept = 1;
	config(&ccfg, cid, &w->cli, cchain, root);
	CHECK_ERR(hm_stoq_endpoint_new(&w->loop, &scfg, &w->server), HM_OK);
	CHECK_ERR(hm_stoq_endpoint_new(&w->loop, &ccfg, &w->client), HM_OK);
}

static void world_close(struct world *w)
{
	hm_stoq_endpoint_close(w->client);
	hm_stoq_endpoint_close(w->server);
	w->client = w->server = NULL;
	uv_run(&w->loop, UV_RUN_DEFAULT);
}

static void world_free(struct world *w)
{
	uv_close((uv_handle_t *)&w->guard, NULL);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&w->loop), 0);
	hm_identity_wipe(&w->sid);
	hm_identity_wipe(&w->cid);
	hm_identity_wipe(&w->cid2);
}

/* One more connection from the client endpoint; returns when it is ready or closed. */
static void connect_once(struct world *w)
{
	w->srv.ready = w->srv.closed = w->cli.ready = w->cli.closed = 0;
	w->srv.err = w->cli.err = HM_OK;
	w->srv.chain_error = w->cli.chain_error = HM_STOQ_CHAIN_OK;
	if (w->client == NULL || w->server == NULL)
		return;
	CHECK_ERR(hm_stoq_connect(w->client, "::1", hm_stoq_endpoint_port(w->server), w->snode,
	                          NULL, NULL),
	          HM_OK);
	w->timed_out = 0;
	uv_timer_start(&w->guard, on_guard, 8000, 0);
	while (!w->timed_out && !(w->cli.ready && w->srv.ready) && !w->cli.closed)
		uv_run(&w->loop, UV_RUN_ONCE);
	uv_timer_stop(&w->guard);
	CHECK(!w->timed_out);
}

static struct hm_stoq_stats stats(const struct hm_stoq_endpoint *ep)
{
	struct hm_stoq_stats st;

	memset(&st, 0, sizeof(st));
	if (ep != NULL)
		hm_stoq_endpoint_stats(ep, &st);
	return st;
}

/* The second handshake with the same chains takes them from the cache; another chain does not. */
static void test_same_chain_is_cached(void)
{
	struct world w;
	struct pki a;
	struct hm_buf sc, cc, cc2;
	uint8_t serial[20];
	size_t serial_len;
	uint64_t now = (uint64_t)time(NULL);

	world_init(&w);
	pki_init(&a, "root A");
	hm_buf_init(&sc);
	hm_buf_init(&cc);
	hm_buf_init(&cc2);
	issue_chain(&a, &w.sid, now - 60, &sc, serial, &serial_len);
	issue_chain(&a, &w.cid, now - 60, &cc, serial, &serial_len);
	world_open(&w, &sc, &w.cid, &cc, &a.root_der);

	connect_once(&w);
	CHECK_EQ(w.cli.ready, 1);
	CHECK_EQ(w.srv.ready, 1);
	CHECK_EQ(stats(w.client).chain_verifications, 1);
	CHECK_EQ(stats(w.client).chain_cache_hits, 0);
	CHECK_EQ(stats(w.server).chain_verifications, 1);
	/* Revocation was asked about both certificates below the root. */
	CHECK_EQ(w.srv.revoked_calls, 2);

	connect_once(&w);
	CHECK_EQ(w.cli.ready, 1);
	CHECK_EQ(w.srv.ready, 1);
	CHECK_EQ(stats(w.client).chain_verifications, 1); /* not verified again */
	CHECK_EQ(stats(w.client).chain_cache_hits, 1);
	CHECK_EQ(stats(w.server).chain_verifications, 1);
	CHECK_EQ(stats(w.server).chain_cache_hits, 1);
	CHECK_EQ(w.srv.revoked_calls, 4); /* asked again, cached chain or not */
	world_close(&w);

	/* A different client chain (another key, same root) is verified in full. */
	issue_chain(&a, &w.cid2, now - 60, &cc2, serial, &serial_len);
	world_open(&w, &sc, &w.cid2, &cc2, &a.root_der);
	connect_once(&w);
	CHECK_EQ(w.cli.ready, 1);
	CHECK_EQ(w.srv.ready, 1);
	CHECK_EQ(stats(w.server).chain_verifications, 1);
	CHECK_EQ(stats(w.server).chain_cache_hits, 0);
	world_close(&w);

	hm_buf_free(&sc);
	hm_buf_free(&cc);
	hm_buf_free(&cc2);
	pki_free(&a);
	world_free(&w);
}

/* A refused chain is not cached: every attempt is verified in full, and refused. */
static void test_refused_chain_not_cached(void)
{
	struct world w;
	struct pki a, b;
	struct hm_buf sc, cc;
	uint8_t serial[20];
	size_t serial_len;
	uint64_t now = (uint64_t)time(NULL);

	world_init(&w);
	pki_init(&a, "root A");
	pki_init(&b, "root B");
	hm_buf_init(&sc);
	hm_buf_init(&cc);
	issue_chain(&a, &w.sid, now - 60, &sc, serial, &serial_len);
	issue_chain(&b, &w.cid, now - 60, &cc, serial, &serial_len);
	world_open(&w, &sc, &w.cid, &cc, &a.root_der);
	for (int i = 1; i <= 2; i++) {
		connect_once(&w);
		CHECK_EQ(w.srv.ready, 0);
		CHECK_EQ(w.cli.closed, 1);
		CHECK_EQ(w.srv.chain_error, HM_STOQ_CHAIN_UNTRUSTED);
		CHECK_EQ(stats(w.server).chain_verifications, (uint64_t)i);
		CHECK_EQ(stats(w.server).chain_cache_hits, 0);
	}
	world_close(&w);
	hm_buf_free(&sc);
	hm_buf_free(&cc);
	pki_free(&a);
	pki_free(&b);
	world_free(&w);
}

/*
 * The server's leaf expires a few seconds after the first handshake: the
 * second takes it from the cache, the third (after notAfter) verifies it
 * again and finds it expired.
 */
static void test_expired_entry_reverified(void)
{
	struct world w;
	struct pki a;
	struct hm_buf sc, cc;
	uint8_t serial[20];
	size_t serial_len;
	uint64_t now = (uint64_t)time(NULL), not_after;

	world_init(&w);
	pki_init(&a, "root A");
	hm_buf_init(&sc);
	hm_buf_init(&cc);
	/* The node profile's validity is hm_tc_profile_validity: expire in 3 s. */
	not_after = now + 3;
	issue_chain(&a, &w.sid, not_after - hm_tc_profile_validity(HM_TC_PROFILE_NODE), &sc, serial,
	            &serial_len);
	issue_chain(&a, &w.cid, now - 60, &cc, serial, &serial_len);
	world_open(&w, &sc, &w.cid, &cc, &a.root_der);
	connect_once(&w);
	CHECK_EQ(w.cli.ready, 1);
	connect_once(&w);
	CHECK_EQ(w.cli.ready, 1);
	CHECK_EQ(stats(w.client).chain_verifications, 1);
	CHECK_EQ(stats(w.client).chain_cache_hits, 1);
	while ((uint64_t)time(NULL) <= not_after)
		usleep(100 * 1000);
	connect_once(&w);
	CHECK_EQ(w.cli.ready, 0);
	CHECK_EQ(w.cli.closed, 1);
	CHECK_ERR(w.cli.err, HM_ERR_VERIFY);
	CHECK_EQ(w.cli.chain_error, HM_STOQ_CHAIN_EXPIRED);
	CHECK_EQ(stats(w.client).chain_verifications, 2);
	CHECK_EQ(stats(w.client).chain_cache_hits, 1);
	world_close(&w);
	hm_buf_free(&sc);
	hm_buf_free(&cc);
	pki_free(&a);
	world_free(&w);
}

/* A cached chain whose leaf becomes revoked is refused at the next handshake. */
static void test_revocation_not_cached(void)
{
	struct world w;
	struct pki a;
	struct hm_buf sc, cc;
	uint8_t sserial[20], cserial[20];
	size_t sserial_len, cserial_len;
	uint64_t now = (uint64_t)time(NULL);

	world_init(&w);
	pki_init(&a, "root A");
	hm_buf_init(&sc);
	hm_buf_init(&cc);
	issue_chain(&a, &w.sid, now - 60, &sc, sserial, &sserial_len);
	issue_chain(&a, &w.cid, now - 60, &cc, cserial, &cserial_len);
	world_open(&w, &sc, &w.cid, &cc, &a.root_der);
	connect_once(&w);
	CHECK_EQ(w.srv.ready, 1);
	/* Another serial named: still admitted. */
	memcpy(w.srv.revoked, sserial, sserial_len);
	w.srv.revoked_len = sserial_len;
	connect_once(&w);
	CHECK_EQ(w.srv.ready, 1);
	/* The client's leaf revoked: its cached chain is refused. */
	memcpy(w.srv.revoked, cserial, cserial_len);
	w.srv.revoked_len = cserial_len;
	connect_once(&w);
	CHECK_EQ(w.srv.ready, 0);
	CHECK_EQ(w.srv.closed, 1);
	CHECK_ERR(w.srv.err, HM_ERR_VERIFY);
	CHECK_EQ(w.srv.chain_error, HM_STOQ_CHAIN_REVOKED);
	CHECK_EQ(w.cli.ready, 0);
	CHECK_EQ(w.cli.closed, 1);
	CHECK_EQ(stats(w.server).chain_verifications, 1);
	CHECK_EQ(stats(w.server).chain_cache_hits, 2);
	world_close(&w);
	hm_buf_free(&sc);
	hm_buf_free(&cc);
	pki_free(&a);
	world_free(&w);
}

/* An entry for digest byte d, valid [from, until). */
static void entry(struct stoq_chain_cache_entry *e, uint8_t d, uint64_t from, uint64_t until)
{
	memset(e, 0, sizeof(*e));
	memset(e->digest, d, sizeof(e->digest));
	e->valid_from = from;
	e->valid_until = until;
	e->nserials = 1;
	e->serial_len[0] = 1;
	e->serial[0][0] = d;
}

static int cached(struct stoq_chain_cache *c, uint8_t d, uint64_t now)
{
	uint8_t digest[HM_SHA256_LEN];

	memset(digest, d, sizeof(digest));
	return stoq_chain_cache_find(c, digest, now) != NULL;
}

/* The cache alone: bounded, least recently used out first, expired entries out sooner. */
static void test_cache_bounds(void)
{
	struct stoq_chain_cache c;
	struct stoq_chain_cache_entry e;
	const struct stoq_chain_cache_entry *got;
	uint8_t digest[HM_SHA256_LEN];

	CHECK_ERR(stoq_chain_cache_init(&c, 4), HM_OK);
	for (uint8_t d = 1; d <= 4; d++) {
		entry(&e, d, 100, 1000);
		got = stoq_chain_cache_store(&c, &e, 200);
		CHECK(got != NULL && got->serial[0][0] == d);
	}
	CHECK_EQ(c.len, 4);
	/* Use 1, 3 and 4: 2 is the least recently used and goes for 5. */
	CHECK(cached(&c, 1, 200) && cached(&c, 3, 200) && cached(&c, 4, 200));
	entry(&e, 5, 100, 1000);
	(void)stoq_chain_cache_store(&c, &e, 200);
	CHECK_EQ(c.len, 4);
	CHECK(!cached(&c, 2, 200));
	CHECK(cached(&c, 1, 200) && cached(&c, 5, 200));
	/* An expired entry is replaced before the least recently used. */
	entry(&e, 6, 100, 300);
	(void)stoq_chain_cache_store(&c, &e, 200); /* replaces 3, now the least used */
	CHECK(!cached(&c, 3, 200));
	entry(&e, 7, 100, 1000);
	(void)stoq_chain_cache_store(&c, &e, 400); /* 6 expired at 300: it goes */
	CHECK(!cached(&c, 6, 250));                /* it would still be valid at 250 */
	CHECK(cached(&c, 1, 400) && cached(&c, 4, 400) && cached(&c, 5, 400) && cached(&c, 7, 400));
	/* Out of validity on either side: not found, and dropped. */
	CHECK(!cached(&c, 7, 1000));
	CHECK_EQ(c.len, 3);
	CHECK(!cached(&c, 1, 99));
	CHECK_EQ(c.len, 2);
	/* The digest covers the root: the same chain under another root differs. */
	{
		const uint8_t cert[3] = { 1, 2, 3 }, root_a[2] = { 9, 9 }, root_b[2] = { 9, 8 };
		const uint8_t *der[1] = { cert };
		const size_t len[1] = { sizeof(cert) };
		uint8_t other[HM_SHA256_LEN];

		CHECK_ERR(stoq_chain_digest(root_a, sizeof(root_a), der, len, 1, digest), HM_OK);
		CHECK_ERR(stoq_chain_digest(root_b, sizeof(root_b), der, len, 1, other), HM_OK);
		CHECK(memcmp(digest, other, sizeof(digest)) != 0);
		/* Lengths are hashed: moving a byte from the root to the chain changes it. */
		{
			const uint8_t cert2[4] = { 9, 1, 2, 3 }, root_c[1] = { 9 };
			const uint8_t *der2[1] = { cert2 };
			const size_t len2[1] = { sizeof(cert2) };

			CHECK_ERR(stoq_chain_digest(root_c, sizeof(root_c), der2, len2, 1, other),
			          HM_OK);
			CHECK(memcmp(digest, other, sizeof(digest)) != 0);
		}
	}
	/* Unparsable certificates make no entry. */
	{
		const uint8_t junk[4] = { 0x30, 0x02, 0x01, 0x00 };
		const uint8_t *der[1] = { junk };
		const size_t len[1] = { sizeof(junk) };

		CHECK_ERR(stoq_chain_entry_make(&e, digest, junk, sizeof(junk), der, len, 1),
		          HM_ERR_ENCODING);
		CHECK_ERR(stoq_chain_entry_make(&e, digest, junk, sizeof(junk), der, len, 0),
		          HM_ERR_INVALID);
	}
	stoq_chain_cache_free(&c);
	CHECK_EQ(c.capacity, 0);
	/* Capacity 0 caches nothing. */
	CHECK_ERR(stoq_chain_cache_init(&c, 0), HM_OK);
	entry(&e, 1, 100, 1000);
	CHECK(stoq_chain_cache_store(&c, &e, 200) == &e);
	CHECK(!cached(&c, 1, 200));
	stoq_chain_cache_free(&c);
}

TEST_MAIN(test_cache_bounds, test_same_chain_is_cached, test_refused_chain_not_cached,
          test_expired_entry_reverified, test_revocation_not_cached)
