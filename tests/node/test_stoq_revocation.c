/* SPDX-License-Identifier: Apache-2.0 */
/*
 * STOQ handshakes judged against committed TrustChain state, as a node
 * with TrustChain identities does it (cfg.cert_revoked asking
 * hm_tc_cert_is_revoked; the node forwards to the same call through
 * hm_node_set_cert_revoked_hook, services.c). State is built the way the
 * executor builds it: a genesis, blocks of ISSUE and REVOKE operations
 * applied by the TrustChain module in LMDB write transactions. Then a
 * STOQ server under the genesis root refuses the client whose node
 * certificate state revoked (HM_STOQ_CHAIN_REVOKED, on both sides), admits
 * the one whose certificate is valid, and refuses that one too once its
 * issuing intermediate is recorded revoked (depth 1).
 */
#define _GNU_SOURCE /* libuv headers need POSIX types */
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "hypermesh/keystore.h"
#include "hypermesh/secure.h"
#include "hypermesh/sha3.h"
#include "hypermesh/stoq.h"
#include "hypermesh/trustchain.h"
#include "hypermesh/trustchain_state.h"
#include "test.h"

/* ---- TrustChain state: genesis, module, blocks ---- */

struct state {
	char dir[64];
	struct hm_tc_genesis g;
	struct hm_tc_ca *ca; /* validator 0's intermediate */
	MDB_env *env;
	struct hm_module mod;
	uint64_t height;
};

static void state_open(struct state *st)
{
	char path[128], ct[128], log_key[128];
	struct hm_tc_module_config cfg;
	MDB_txn *txn;

	memset(st, 0, sizeof(*st));
	snprintf(st->dir, sizeof(st->dir), "/tmp/hm-stoq-revocation-XXXXXX");
	CHECK(mkdtemp(st->dir) != NULL);
	/* One validator; ML-DSA-87 keys are quick to make (the devnet uses Falcon-1024). */
	CHECK_ERR(
	        hm_tc_genesis_create(st->dir, 1, HM_SIG_MLDSA87, (uint64_t)time(NULL) - 3600, NULL),
	        HM_OK);
	CHECK_ERR(hm_tc_genesis_load(st->dir, &st->g), HM_OK);
	CHECK_ERR(hm_tc_genesis_load_ca(st->dir, 0, &st->ca), HM_OK);
	snprintf(ct, sizeof(ct), "%s/ct.lmdb", st->dir);
	snprintf(log_key, sizeof(log_key), "%s/log.key", st->dir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.genesis_dir = st->dir;
	cfg.ct_log_path = ct;
	cfg.log_key_path = log_key;
	cfg.ct_log_flags = HM_CT_LOG_NOSYNC;
	CHECK_ERR(hm_tc_module_new(&cfg, &st->mod), HM_OK);
	CHECK(mdb_env_create(&st->env) == 0);
	mdb_env_set_maxdbs(st->env, 32);
	mdb_env_set_mapsize(st->env, 64 << 20);
	snprintf(path, sizeof(path), "%s/state.lmdb", st->dir);
	CHECK(mdb_env_open(st->env, path, MDB_NOSUBDIR | MDB_NOSYNC, 0600) == 0);
	CHECK(mdb_txn_begin(st->env, NULL, 0, &txn) == 0);
	CHECK_ERR(st->mod.open(st->mod.ctx, st->env, txn), HM_OK);
	CHECK(mdb_txn_commit(txn) == 0);
}

static void state_close(struct state *st)
{
	char cmd[128];

	st->mod.close(st->mod.ctx);
	mdb_env_close(st->env);
	hm_tc_ca_free(st->ca);
	hm_tc_genesis_free(&st->g);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", st->dir);
	CHECK(system(cmd) == 0);
}

/* Applies one operation as a block of its own; returns the module's verdict. */
static int state_apply(struct state *st, uint16_t type, const struct hm_buf *payload)
{
	struct hm_block_info b;
	struct hm_op op;
	struct hm_buf result;
	MDB_txn *txn;
	int rc;

	memset(&b, 0, sizeof(b));
	b.height = ++st->height;
	b.timestamp_ms = (uint64_t)time(NULL) * 1000;
	memset(&op, 0, sizeof(op));
	op.type = type;
	op.payload = payload->data;
	op.payload_len = payload->len;
	hm_sha3_256(op.digest, payload->data, payload->len);
	hm_buf_init(&result);
	CHECK(mdb_txn_begin(st->env, NULL, 0, &txn) == 0);
	rc = st->mod.check(st->mod.ctx, &op);
	if (rc == HM_OK)
		rc = st->mod.apply(st->mod.ctx, txn, &b, &op, &result);
	if (rc == HM_OK)
		CHECK(mdb_txn_commit(txn) == 0);
	else
		mdb_txn_abort(txn);
	hm_buf_free(&result);
	return rc;
}

static void serial_of(const uint8_t *der, size_t len, uint8_t serial[20], size_t *serial_len)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t d = { (unsigned char *)der, (unsigned)len };

	*serial_len = 20;
	CHECK(gnutls_x509_crt_init(&crt) == 0);
	CHECK(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) == 0);
	CHECK(gnutls_x509_crt_get_serial(crt, serial, serial_len) == 0);
	gnutls_x509_crt_deinit(crt);
}

static void append_pem(struct hm_buf *out, const uint8_t *der, size_t len)
{
	gnutls_datum_t in = { (unsigned char *)der, (unsigned)len }, pem = { NULL, 0 };

	CHECK(gnutls_pem_base64_encode2("CERTIFICATE", &in, &pem) == 0);
	CHECK_ERR(hm_buf_append(out, pem.data, pem.size), HM_OK);
	gnutls_free(pem.data);
}

/*
 * A node certificate for id, issued through state (an ISSUE operation by
 * the genesis admin key), as the chain its endpoint presents: leaf, then
 * the intermediate (PEM). serial gets the leaf's serial.
 */
static void issue_node_cert(struct state *st, const struct hm_identity *id, struct hm_buf *chain,
                            uint8_t serial[HM_TC_SERIAL_LEN])
{
	const char *dns[1] = { "node.revocation.hypermesh.invalid" };
	uint64_t not_before = (uint64_t)time(NULL) - 60;
	struct hm_tc_key *key = NULL;
	struct hm_tc_issue_op op;
	struct hm_buf csr, cert, payload;
	uint8_t sk[64], got[20];
	size_t got_len;

	hm_buf_init(&csr);
	hm_buf_init(&cert);
	hm_buf_init(&payload);
	memcpy(sk, id->sk, 32);
	memcpy(sk + 32, id->pk, 32);
	CHECK_ERR(hm_tc_key_from_ed25519(sk, &key), HM_OK);
	CHECK_ERR(hm_tc_csr_create(key, "node", dns, 1, 0, &csr), HM_OK);
	CHECK_ERR(hm_tc_issue(st->ca, csr.data, csr.len, HM_TC_PROFILE_NODE, not_before, &cert),
	          HM_OK);
	memset(&op, 0, sizeof(op));
	memcpy(op.actor, st->g.admin_id, HM_TC_KEY_ID_LEN);
	op.profile = HM_TC_PROFILE_NODE;
	op.not_before = not_before;
	op.csr = csr.data;
	op.csr_len = csr.len;
	op.cert = cert.data;
	op.cert_len = cert.len;
	CHECK_ERR(hm_tc_issue_op_encode(&op, &payload), HM_OK);
	CHECK_ERR(state_apply(st, HM_OP_TC_ISSUE, &payload), HM_OK);
	serial_of(cert.data, cert.len, got, &got_len);
	CHECK_EQ(got_len, HM_TC_SERIAL_LEN);
	memcpy(serial, got, HM_TC_SERIAL_LEN);
	append_pem(chain, cert.data, cert.len);
	append_pem(chain, st->g.intermediates[0].data, st->g.intermediates[0].len);
	hm_wipe(sk, sizeof(sk));
	hm_tc_key_free(key);
	hm_buf_free(&csr);
	hm_buf_free(&cert);
	hm_buf_free(&payload);
}

static int revoke_serial(struct state *st, const uint8_t serial[HM_TC_SERIAL_LEN])
{
	struct hm_tc_revoke_op op;
	struct hm_buf payload;
	int rc;

	memset(&op, 0, sizeof(op));
	memcpy(op.actor, st->g.admin_id, HM_TC_KEY_ID_LEN);
	memcpy(op.serial, serial, HM_TC_SERIAL_LEN);
	op.reason = 1; /* keyCompromise */
	hm_buf_init(&payload);
	CHECK_ERR(hm_tc_revoke_op_encode(&op, &payload), HM_OK);
	rc = state_apply(st, HM_OP_TC_REVOKE, &payload);
	hm_buf_free(&payload);
	return rc;
}

/* ---- STOQ: one server under the genesis root, clients presenting their chains ---- */

struct side {
	int ready, closed, err, chain_error;
};

struct world {
	uv_loop_t loop;
	uv_timer_t guard;
	int timed_out;
	struct state *st;
	int revoked_calls, revoked_max_depth;
	struct side srv, cli;
	struct hm_identity sid;
	uint8_t snode[HM_NODE_ID_LEN];
	struct hm_buf schain;
	struct hm_stoq_endpoint *server;
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
		return; /* closed at shutdown */
	s->closed++;
	s->err = err;
	s->chain_error = hm_stoq_conn_chain_error(c);
}

/* The server's cfg.cert_revoked: committed state decides, as in the node. */
static struct world *the_world;

static int state_cert_revoked(const uint8_t *serial, size_t len, int depth, void *user)
{
	struct world *w = the_world;
	int revoked = 0;

	(void)user;
	w->revoked_calls++;
	if (depth > w->revoked_max_depth)
		w->revoked_max_depth = depth;
	CHECK_ERR(hm_tc_cert_is_revoked(w->st->mod.ctx, serial, len, &revoked), HM_OK);
	return revoked;
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
	cfg->cert_chain = chain->data;
	cfg->cert_chain_len = chain->len;
	cfg->trust_root = root->data;
	cfg->trust_root_len = root->len;
}

static void world_init(struct world *w, struct state *st)
{
	struct hm_stoq_config scfg;
	uint8_t serial[HM_TC_SERIAL_LEN];

	memset(w, 0, sizeof(*w));
	w->st = st;
	the_world = w;
	CHECK(uv_loop_init(&w->loop) == 0);
	uv_timer_init(&w->loop, &w->guard);
	w->guard.data = w;
	CHECK_ERR(hm_identity_generate(&w->sid), HM_OK);
	hm_identity_node_id(&w->sid, w->snode);
	hm_buf_init(&w->schain);
	issue_node_cert(st, &w->sid, &w->schain, serial);
	config(&scfg, &w->sid, &w->srv, &w->schain, &st->g.root);
	scfg.accept = 1;
	scfg.cert_revoked = state_cert_revoked;
	CHECK_ERR(hm_stoq_endpoint_new(&w->loop, &scfg, &w->server), HM_OK);
}

static void world_free(struct world *w)
{
	hm_stoq_endpoint_close(w->server);
	uv_close((uv_handle_t *)&w->guard, NULL);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&w->loop), 0);
	hm_identity_wipe(&w->sid);
	hm_buf_free(&w->schain);
}

/*
 * A client presenting chain as id connects once; returns when both sides
 * are ready or the client's connection closed. The client endpoint is
 * opened and closed around it.
 */
static void connect_as(struct world *w, const struct hm_identity *id, const struct hm_buf *chain)
{
	struct hm_stoq_config ccfg;
	struct hm_stoq_endpoint *client = NULL;

	memset(&w->srv, 0, sizeof(w->srv));
	memset(&w->cli, 0, sizeof(w->cli));
	config(&ccfg, id, &w->cli, chain, &w->st->g.root);
	CHECK_ERR(hm_stoq_endpoint_new(&w->loop, &ccfg, &client), HM_OK);
	if (client == NULL)
		return;
	CHECK_ERR(hm_stoq_connect(client, "::1", hm_stoq_endpoint_port(w->server), w->snode, NULL,
	                          NULL),
	          HM_OK);
	w->timed_out = 0;
	uv_timer_start(&w->guard, on_guard, 8000, 0);
	while (!w->timed_out && !(w->cli.ready && w->srv.ready) && !w->cli.closed)
		uv_run(&w->loop, UV_RUN_ONCE);
	/* The server's verdict lands with the client's close; let it run out. */
	while (!w->timed_out && w->cli.closed && !w->srv.closed && !w->srv.ready)
		uv_run(&w->loop, UV_RUN_ONCE);
	uv_timer_stop(&w->guard);
	CHECK(!w->timed_out);
	hm_stoq_endpoint_close(client);
	uv_run(&w->loop, UV_RUN_NOWAIT);
}

static void test_revoked_leaf_refused_valid_admitted(void)
{
	struct state st;
	struct world w;
	struct hm_identity kept, gone;
	struct hm_buf kept_chain, gone_chain;
	uint8_t kept_serial[HM_TC_SERIAL_LEN], gone_serial[HM_TC_SERIAL_LEN];
	int revoked = -1;

	state_open(&st);
	world_init(&w, &st);
	CHECK_ERR(hm_identity_generate(&kept), HM_OK);
	CHECK_ERR(hm_identity_generate(&gone), HM_OK);
	hm_buf_init(&kept_chain);
	hm_buf_init(&gone_chain);
	issue_node_cert(&st, &kept, &kept_chain, kept_serial);
	issue_node_cert(&st, &gone, &gone_chain, gone_serial);

	/* Before any revocation both are admitted, and every depth is asked. */
	connect_as(&w, &gone, &gone_chain);
	CHECK(w.cli.ready && w.srv.ready);
	CHECK(w.revoked_calls >= 2);
	CHECK_EQ(w.revoked_max_depth, 1); /* the leaf, then the intermediate */

	CHECK_ERR(revoke_serial(&st, gone_serial), HM_OK);
	CHECK_ERR(hm_tc_cert_is_revoked(st.mod.ctx, gone_serial, HM_TC_SERIAL_LEN, &revoked),
	          HM_OK);
	CHECK_EQ(revoked, 1);
	CHECK_ERR(hm_tc_cert_is_revoked(st.mod.ctx, kept_serial, HM_TC_SERIAL_LEN, &revoked),
	          HM_OK);
	CHECK_EQ(revoked, 0);

	/* The same chain again (the endpoint has it cached as verified): refused. */
	connect_as(&w, &gone, &gone_chain);
	CHECK(!w.srv.ready);
	CHECK_EQ(w.srv.closed, 1);
	CHECK_EQ(w.srv.chain_error, HM_STOQ_CHAIN_REVOKED);
	CHECK_ERR(w.srv.err, HM_ERR_VERIFY);
	CHECK(!w.cli.ready && w.cli.closed == 1);

	connect_as(&w, &kept, &kept_chain);
	CHECK(w.cli.ready && w.srv.ready);
	CHECK_EQ(w.srv.chain_error, HM_STOQ_CHAIN_OK);

	world_free(&w);
	hm_identity_wipe(&kept);
	hm_identity_wipe(&gone);
	hm_buf_free(&kept_chain);
	hm_buf_free(&gone_chain);
	state_close(&st);
}

/*
 * No operation revokes a genesis intermediate today (REVOKE names
 * certificates state issued), so its record is written into the module's
 * revocation table directly, as apply_revoke would write it: the check
 * must refuse every chain below a revoked intermediate, at depth 1.
 */
static void test_revoked_intermediate_refuses_chains_below(void)
{
	struct state st;
	struct world w;
	struct hm_identity id;
	struct hm_buf chain;
	uint8_t serial[HM_TC_SERIAL_LEN], inter[20], rec[17] = { 0 };
	size_t inter_len;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;

	state_open(&st);
	world_init(&w, &st);
	CHECK_ERR(hm_identity_generate(&id), HM_OK);
	hm_buf_init(&chain);
	issue_node_cert(&st, &id, &chain, serial);
	connect_as(&w, &id, &chain);
	CHECK(w.cli.ready && w.srv.ready);

	serial_of(st.g.intermediates[0].data, st.g.intermediates[0].len, inter, &inter_len);
	CHECK(mdb_txn_begin(st.env, NULL, 0, &txn) == 0);
	CHECK(mdb_dbi_open(txn, "tc_revoked", 0, &dbi) == 0);
	k.mv_data = inter;
	k.mv_size = inter_len;
	v.mv_data = rec;
	v.mv_size = sizeof(rec);
	CHECK(mdb_put(txn, dbi, &k, &v, 0) == 0);
	CHECK(mdb_txn_commit(txn) == 0);

	w.revoked_max_depth = 0;
	connect_as(&w, &id, &chain);
	CHECK(!w.srv.ready);
	CHECK_EQ(w.srv.chain_error, HM_STOQ_CHAIN_REVOKED);
	CHECK_EQ(w.revoked_max_depth, 1); /* the leaf passed; its issuer did not */

	world_free(&w);
	hm_identity_wipe(&id);
	hm_buf_free(&chain);
	state_close(&st);
}

/* The read itself: bad input changes nothing and is answered plainly. */
static void test_lookup_edges(void)
{
	struct state st;
	struct hm_tc_module_config cfg;
	struct hm_module unopened;
	uint8_t serial[HM_TC_SERIAL_LEN] = { 0x41 }, longer[HM_TC_SERIAL_LEN + 1] = { 0x41 };
	char log_key[128], ct[128];
	int revoked = -1;

	state_open(&st);
	/* Unknown serial: not revoked. */
	CHECK_ERR(hm_tc_cert_is_revoked(st.mod.ctx, serial, sizeof(serial), &revoked), HM_OK);
	CHECK_EQ(revoked, 0);
	/* TrustChain never issues another length: not revoked, no lookup. */
	revoked = -1;
	CHECK_ERR(hm_tc_cert_is_revoked(st.mod.ctx, longer, sizeof(longer), &revoked), HM_OK);
	CHECK_EQ(revoked, 0);
	revoked = -1;
	CHECK_ERR(hm_tc_cert_is_revoked(st.mod.ctx, serial, 0, &revoked), HM_OK);
	CHECK_EQ(revoked, 0);
	/* A REVOKE of a serial state never issued is refused and records nothing. */
	CHECK(revoke_serial(&st, serial) != HM_OK);
	CHECK_ERR(hm_tc_cert_is_revoked(st.mod.ctx, serial, sizeof(serial), &revoked), HM_OK);
	CHECK_EQ(revoked, 0);

	/* A module not yet opened on an environment cannot answer. */
	memset(&cfg, 0, sizeof(cfg));
	snprintf(log_key, sizeof(log_key), "%s/log.key", st.dir);
	cfg.genesis_dir = st.dir;
	cfg.log_key_path = log_key;
	snprintf(ct, sizeof(ct), "%s/ct-unopened.lmdb", st.dir);
	cfg.ct_log_path = ct;
	cfg.ct_log_flags = HM_CT_LOG_NOSYNC;
	CHECK_ERR(hm_tc_module_new(&cfg, &unopened), HM_OK);
	revoked = -1;
	CHECK_ERR(hm_tc_cert_is_revoked(unopened.ctx, serial, sizeof(serial), &revoked),
	          HM_ERR_INVALID);
	CHECK_EQ(revoked, 0);
	unopened.close(unopened.ctx);
	state_close(&st);
}

TEST_MAIN(test_revoked_leaf_refused_valid_admitted, test_revoked_intermediate_refuses_chains_below,
          test_lookup_edges)
