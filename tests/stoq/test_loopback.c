/* SPDX-License-Identifier: Apache-2.0 */
/*
 * STOQ end to end on loopback: two endpoints on one libuv loop, real UDP
 * sockets on ::1 / 127.0.0.1, mutual TLS with pinned node ids, RPC.
 */
#define _GNU_SOURCE /* libuv headers need POSIX types */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <uv.h>

#include "hypermesh/clock.h"
#include "hypermesh/keystore.h"
#include "hypermesh/log.h"
#include "hypermesh/sig.h"
#include "hypermesh/stoq.h"
#include "test.h"

#define MAX_CALLS 16

struct world {
	uv_loop_t loop;
	uv_timer_t guard;
	int timed_out;
	struct hm_identity server_id, client_id;
	uint8_t server_node[HM_NODE_ID_LEN], client_node[HM_NODE_ID_LEN];
	struct hm_stoq_endpoint *server, *client;
	struct hm_stoq_rpc_service svc;
	int blackhole; /* server adopts streams and never answers */
	int raw;       /* server counts raw stream bytes and answers "done" on FIN */
	uint64_t raw_bytes;
	int raw_fin, raw_closed, raw_client_closed, raw_drained, raw_answer;
	uint64_t raw_close_code;
	struct hm_stoq_stream *raw_client;
	uint64_t raw_sent, raw_total;
	/* server side */
	int server_ready, server_closed, server_close_err;
	uint64_t server_close_code;
	uint8_t server_saw_peer[HM_NODE_ID_LEN];
	int oneways;
	size_t oneway_len;
	int bh_streams, bh_closed;
	uint64_t bh_close_code;
	/* client side */
	struct hm_stoq_conn *conn;
	int client_ready, client_closed, client_close_err;
	uint64_t client_close_code;
	/* calls */
	int replies;
	int reply_err[MAX_CALLS];
	size_t reply_len[MAX_CALLS];
	int reply_ok[MAX_CALLS];
	char reply_msg[MAX_CALLS][64];
	/* PQ layer */
	int requests; /* REQUEST frames the server's handler saw */
	int srv_push; /* server sends a one-way message from on_ready */
	int cli_oneways;
	int pq_checks, pq_check_refuse;
	uint8_t pq_checked_node[HM_NODE_ID_LEN], pq_checked_key[HM_STOQ_PQ_KEY_ID_LEN];
};

static int g_pq_off; /* world_config makes classical endpoints */
static int g_no_gso; /* world_config turns UDP GSO off */

struct call_ctx {
	struct world *w;
	int slot;
	const uint8_t *expect;
	size_t expect_len;
};

static void handler(struct hm_stoq_conn *c, struct hm_stoq_rpc_server *call,
                    const struct hm_stoq_frame *req, void *user)
{
	struct world *w = user;

	(void)c;
	if (req->type == HM_STOQ_FRAME_REQUEST)
		w->requests++;
	if (req->type == HM_STOQ_FRAME_ONEWAY) {
		w->oneways++;
		w->oneway_len = req->body_len;
		return;
	}
	if (req->method_len == 4 && memcmp(req->method, "echo", 4) == 0)
		(void)hm_stoq_rpc_respond(call, req->body, req->body_len);
	else if (req->method_len == 4 && memcmp(req->method, "fail", 4) == 0)
		(void)hm_stoq_rpc_respond_error(call, HM_ERR_PERMISSION, "denied");
	/* anything else: no answer, the library says HM_ERR_UNSUPPORTED */
}

static void bh_close(struct hm_stoq_stream *s, int err, uint64_t code, void *user)
{
	struct world *w = user;

	(void)s;
	(void)err;
	w->bh_closed++;
	w->bh_close_code = code;
}

static const struct hm_stoq_stream_callbacks bh_callbacks = { .on_close = bh_close };

static void raw_srv_data(struct hm_stoq_stream *s, const uint8_t *data, size_t len, int fin,
                         void *user)
{
	struct world *w = user;

	(void)data;
	w->raw_bytes += len;
	if (fin) {
		w->raw_fin++;
		CHECK_ERR(hm_stoq_stream_write(s, "done", 4, 1), HM_OK);
		CHECK_ERR(hm_stoq_stream_write(s, "more", 4, 0), HM_ERR_INVALID);
	}
}

static void raw_srv_close(struct hm_stoq_stream *s, int err, uint64_t code, void *user)
{
	struct world *w = user;

	(void)s;
	(void)err;
	w->raw_closed++;
	w->raw_close_code = code;
}

static const struct hm_stoq_stream_callbacks raw_srv_callbacks = {
	.on_data = raw_srv_data,
	.on_close = raw_srv_close,
};

static void srv_on_ready(struct hm_stoq_conn *c, void *user)
{
	struct world *w = user;

	w->server_ready++;
	CHECK_ERR(hm_stoq_conn_peer_id(c, w->server_saw_peer), HM_OK);
	if (w->srv_push)
		CHECK_ERR(hm_stoq_rpc_send_oneway(c, "test", "push", "hello", 5), HM_OK);
}

static void cli_handler(struct hm_stoq_conn *c, struct hm_stoq_rpc_server *call,
                        const struct hm_stoq_frame *req, void *user)
{
	struct world *w = user;

	(void)c;
	(void)call;
	if (req->type == HM_STOQ_FRAME_ONEWAY && req->body_len == 5 &&
	    memcmp(req->body, "hello", 5) == 0)
		w->cli_oneways++;
}

static struct hm_stoq_rpc_service cli_svc = { .handler = cli_handler };

static void cli_on_stream(struct hm_stoq_conn *c, struct hm_stoq_stream *s, void *user)
{
	(void)c;
	cli_svc.user = user;
	CHECK_ERR(hm_stoq_rpc_serve_stream(s, &cli_svc), HM_OK);
}

static int pq_check(const uint8_t node_id[HM_NODE_ID_LEN],
                    const uint8_t key_id[HM_STOQ_PQ_KEY_ID_LEN], void *user)
{
	struct world *w = user;

	w->pq_checks++;
	memcpy(w->pq_checked_node, node_id, HM_NODE_ID_LEN);
	memcpy(w->pq_checked_key, key_id, HM_STOQ_PQ_KEY_ID_LEN);
	return w->pq_check_refuse ? HM_ERR_PERMISSION : HM_OK;
}

static void srv_on_stream(struct hm_stoq_conn *c, struct hm_stoq_stream *s, void *user)
{
	struct world *w = user;

	(void)c;
	if (w->raw) {
		if (w->raw_fin > 0)
			return; /* not adopted: refused */
		hm_stoq_stream_set_callbacks(s, &raw_srv_callbacks, w);
		return;
	}
	if (w->blackhole) {
		w->bh_streams++;
		hm_stoq_stream_set_callbacks(s, &bh_callbacks, w);
		return;
	}
	CHECK_ERR(hm_stoq_rpc_serve_stream(s, &w->svc), HM_OK);
}

static void srv_on_closed(struct hm_stoq_conn *c, int err, uint64_t code, void *user)
{
	struct world *w = user;

	(void)c;
	w->server_closed++;
	w->server_close_err = err;
	w->server_close_code = code;
}

static void cli_on_ready(struct hm_stoq_conn *c, void *user)
{
	struct world *w = user;
	uint8_t id[HM_NODE_ID_LEN];

	w->client_ready++;
	CHECK_ERR(hm_stoq_conn_peer_id(c, id), HM_OK);
	CHECK_MEM(id, w->server_node, HM_NODE_ID_LEN);
}

static void cli_on_closed(struct hm_stoq_conn *c, int err, uint64_t code, void *user)
{
	struct world *w = user;

	if (c == w->conn)
		w->conn = NULL;
	w->client_closed++;
	w->client_close_err = err;
	w->client_close_code = code;
}

static void on_guard(uv_timer_t *t)
{
	struct world *w = t->data;

	w->timed_out = 1;
}

static void world_config(struct world *w, struct hm_stoq_config *cfg, int server)
{
	hm_stoq_config_default(cfg);
	cfg->port = 0;
	cfg->user = w;
	if (g_pq_off)
		cfg->pq = HM_STOQ_PQ_OFF;
	cfg->disable_gso = g_no_gso;
	if (server) {
		cfg->identity = &w->server_id;
		cfg->accept = 1;
		cfg->bind_addr = "::1";
		cfg->callbacks.on_ready = srv_on_ready;
		cfg->callbacks.on_stream = srv_on_stream;
		cfg->callbacks.on_closed = srv_on_closed;
	} else {
		cfg->identity = &w->client_id;
		cfg->callbacks.on_ready = cli_on_ready;
		cfg->callbacks.on_closed = cli_on_closed;
		cfg->callbacks.on_stream = cli_on_stream;
	}
}

static void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	CHECK(uv_loop_init(&w->loop) == 0);
	CHECK_ERR(hm_identity_generate(&w->server_id), HM_OK);
	CHECK_ERR(hm_identity_generate(&w->client_id), HM_OK);
	hm_identity_node_id(&w->server_id, w->server_node);
	hm_identity_node_id(&w->client_id, w->client_node);
	w->svc.handler = handler;
	w->svc.user = w;
	uv_timer_init(&w->loop, &w->guard);
	w->guard.data = w;
}

static int world_start(struct world *w, const struct hm_stoq_config *scfg,
                       const struct hm_stoq_config *ccfg)
{
	int rc = hm_stoq_endpoint_new(&w->loop, scfg, &w->server);

	if (rc != HM_OK)
		return rc;
	return hm_stoq_endpoint_new(&w->loop, ccfg, &w->client);
}

/* world_init, then the default server and client configurations to adjust before world_start. */
static void world_setup(struct world *w, struct hm_stoq_config *scfg, struct hm_stoq_config *ccfg)
{
	world_init(w);
	world_config(w, scfg, 1);
	world_config(w, ccfg, 0);
}

/* The client dials the server at host, pinning its node id; the connection is w->conn. */
static int world_dial(struct world *w, const char *host)
{
	return hm_stoq_connect(w->client, host, hm_stoq_endpoint_port(w->server), w->server_node,
	                       NULL, &w->conn);
}

/* Runs the loop until *flag >= want or the guard (ms) fires. */
static int run_until(struct world *w, const int *flag, int want, uint64_t ms)
{
	w->timed_out = 0;
	uv_timer_start(&w->guard, on_guard, ms, 0);
	while (*flag < want && !w->timed_out)
		uv_run(&w->loop, UV_RUN_ONCE);
	uv_timer_stop(&w->guard);
	return *flag >= want;
}

static void world_free(struct world *w)
{
	hm_stoq_endpoint_close(w->client);
	hm_stoq_endpoint_close(w->server);
	uv_close((uv_handle_t *)&w->guard, NULL);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&w->loop), 0);
	hm_identity_wipe(&w->server_id);
	hm_identity_wipe(&w->client_id);
}

/* Starts both endpoints and connects client -> server at host. */
static int world_connect(struct world *w, const char *host)
{
	struct hm_stoq_config scfg, ccfg;

	world_config(w, &scfg, 1);
	world_config(w, &ccfg, 0);
	if (world_start(w, &scfg, &ccfg) != HM_OK)
		return 0;
	if (world_dial(w, host) != HM_OK)
		return 0;
	return run_until(w, &w->client_ready, 1, 5000) && run_until(w, &w->server_ready, 1, 5000);
}

static void on_reply(struct hm_stoq_rpc_call *call, int err, const uint8_t *body, size_t len,
                     const uint8_t *msg, size_t msg_len, void *user)
{
	struct call_ctx *ctx = user;
	struct world *w = ctx->w;

	(void)call;
	w->reply_err[ctx->slot] = err;
	w->reply_len[ctx->slot] = len;
	w->reply_ok[ctx->slot] = err == HM_OK && len == ctx->expect_len &&
	                         (len == 0 || memcmp(body, ctx->expect, len) == 0);
	if (msg_len >= sizeof(w->reply_msg[0]))
		msg_len = sizeof(w->reply_msg[0]) - 1;
	memcpy(w->reply_msg[ctx->slot], msg != NULL ? (const char *)msg : "",
	       msg != NULL ? msg_len : 0);
	w->reply_msg[ctx->slot][msg != NULL ? msg_len : 0] = '\0';
	w->replies++;
}

static int start_call(struct world *w, struct call_ctx *ctx, int slot, const char *method,
                      const uint8_t *body, size_t len, uint32_t deadline_ms,
                      struct hm_stoq_rpc_call **out)
{
	struct hm_stoq_rpc_request req = {
		.service = "test",
		.method = method,
		.body = body,
		.body_len = len,
		.deadline_ms = deadline_ms,
	};

	ctx->w = w;
	ctx->slot = slot;
	ctx->expect = body;
	ctx->expect_len = len;
	w->reply_err[slot] = 1;
	return hm_stoq_rpc_call(w->conn, &req, on_reply, ctx, out);
}

static uint8_t *pattern(size_t len, unsigned seed)
{
	uint8_t *p = malloc(len ? len : 1);
	size_t i;

	for (i = 0; p != NULL && i < len; i++)
		p[i] = (uint8_t)(i * 131 + seed + (i >> 12));
	return p;
}

static void test_echo_sizes_ipv6(void)
{
	static const size_t sizes[] = { 0, 1, 1200, 65536, 300000, (size_t)3 << 20, 1000 };
	enum { N = sizeof(sizes) / sizeof(sizes[0]) };
	struct call_ctx ctx[N];
	uint8_t *bodies[N];
	struct world w;
	uint64_t t0;
	size_t i;

	world_init(&w);
	CHECK(world_connect(&w, "::1"));
	CHECK_MEM(w.server_saw_peer, w.client_node, HM_NODE_ID_LEN);
	t0 = hm_clock_mono_ns();
	for (i = 0; i < N; i++) {
		bodies[i] = pattern(sizes[i], (unsigned)i);
		CHECK_ERR(start_call(&w, &ctx[i], (int)i, "echo", bodies[i], sizes[i], 0, NULL),
		          HM_OK);
	}
	CHECK(run_until(&w, &w.replies, N, 20000));
	fprintf(stderr, "echo of %d calls (%zu bytes largest) took %.1f ms\n", (int)N, sizes[5],
	        (double)(hm_clock_mono_ns() - t0) / 1e6);
	for (i = 0; i < N; i++) {
		CHECK_ERR(w.reply_err[i], HM_OK);
		CHECK(w.reply_ok[i]);
		free(bodies[i]);
	}
	/* Orderly close with an application code, seen by the server. */
	hm_stoq_conn_close(w.conn, 42, "bye");
	CHECK(run_until(&w, &w.server_closed, 1, 5000));
	CHECK_ERR(w.server_close_err, HM_OK);
	CHECK_EQ(w.server_close_code, 42);
	CHECK_EQ(w.client_closed, 1);
	CHECK_ERR(w.client_close_err, HM_OK);
	CHECK_EQ(w.client_close_code, 42);
	world_free(&w);
}

static void test_ipv4_mapped_and_plain(void)
{
	struct hm_stoq_config scfg, ccfg;
	struct call_ctx ctx;
	uint8_t body[] = "over IPv4";
	struct world w;

	/* A dual-stack server (::) reached over IPv4 from a dual-stack client. */
	world_setup(&w, &scfg, &ccfg);
	scfg.bind_addr = NULL;
	CHECK_ERR(world_start(&w, &scfg, &ccfg), HM_OK);
	CHECK_ERR(hm_stoq_connect(w.client, "127.0.0.1", hm_stoq_endpoint_port(w.server),
	                          w.server_node, NULL, &w.conn),
	          HM_OK);
	CHECK(run_until(&w, &w.client_ready, 1, 5000));
	CHECK_ERR(start_call(&w, &ctx, 0, "echo", body, sizeof(body), 0, NULL), HM_OK);
	CHECK(run_until(&w, &w.replies, 1, 5000));
	CHECK(w.reply_ok[0]);
	world_free(&w);

	/* IPv4-only sockets on both sides. */
	world_setup(&w, &scfg, &ccfg);
	scfg.bind_addr = "127.0.0.1";
	ccfg.bind_addr = "0.0.0.0";
	CHECK_ERR(world_start(&w, &scfg, &ccfg), HM_OK);
	CHECK_ERR(hm_stoq_connect(w.client, "::1", hm_stoq_endpoint_port(w.server), w.server_node,
	                          NULL, NULL),
	          HM_ERR_INVALID);
	CHECK_ERR(hm_stoq_connect(w.client, "127.0.0.1", hm_stoq_endpoint_port(w.server),
	                          w.server_node, NULL, &w.conn),
	          HM_OK);
	CHECK(run_until(&w, &w.client_ready, 1, 5000));
	CHECK_ERR(start_call(&w, &ctx, 0, "echo", body, sizeof(body), 0, NULL), HM_OK);
	CHECK(run_until(&w, &w.replies, 1, 5000));
	CHECK(w.reply_ok[0]);
	world_free(&w);
}

static void test_typed_errors(void)
{
	struct call_ctx ctx[3];
	uint8_t big[5000];
	struct world w;

	world_init(&w);
	if (getenv("STOQ_TRACE"))
		hm_log_set_level(HM_LOG_TRACE);
	w.svc.max_body = 1000;
	CHECK(world_connect(&w, "::1"));
	memset(big, 7, sizeof(big));
	CHECK_ERR(start_call(&w, &ctx[0], 0, "fail", NULL, 0, 0, NULL), HM_OK);
	CHECK_ERR(start_call(&w, &ctx[1], 1, "nothing", NULL, 0, 0, NULL), HM_OK);
	CHECK_ERR(start_call(&w, &ctx[2], 2, "echo", big, sizeof(big), 0, NULL), HM_OK);
	CHECK(run_until(&w, &w.replies, 3, 5000));
	CHECK_ERR(w.reply_err[0], HM_ERR_PERMISSION);
	CHECK_STR(w.reply_msg[0], "denied");
	CHECK_ERR(w.reply_err[1], HM_ERR_UNSUPPORTED);
	CHECK_ERR(w.reply_err[2], HM_ERR_TOO_LARGE);
	/* The connection survives all three. */
	CHECK(hm_stoq_conn_is_ready(w.conn));
	CHECK_ERR(start_call(&w, &ctx[0], 3, "echo", big, 10, 0, NULL), HM_OK);
	CHECK(run_until(&w, &w.replies, 4, 5000));
	CHECK(w.reply_ok[3]);
	/* Refused locally: bad names, closed connection. */
	CHECK_ERR(start_call(&w, &ctx[1], 4, "", NULL, 0, 0, NULL), HM_ERR_LENGTH);
	CHECK_ERR(hm_stoq_rpc_call(NULL, NULL, on_reply, NULL, NULL), HM_ERR_INVALID);
	world_free(&w);
}

static void test_wrong_pin_refused(void)
{
	struct hm_stoq_config scfg, ccfg;
	uint8_t wrong[HM_NODE_ID_LEN];
	struct world w;

	world_setup(&w, &scfg, &ccfg);
	CHECK_ERR(world_start(&w, &scfg, &ccfg), HM_OK);
	memcpy(wrong, w.server_node, sizeof(wrong));
	wrong[31] ^= 1;
	CHECK_ERR(hm_stoq_connect(w.client, "::1", hm_stoq_endpoint_port(w.server), wrong, NULL,
	                          &w.conn),
	          HM_OK);
	CHECK(run_until(&w, &w.client_closed, 1, 5000));
	CHECK_ERR(w.client_close_err, HM_ERR_VERIFY);
	CHECK_EQ(w.client_ready, 0);
	/* The server hears the refusal as a TLS alert and never serves the client. */
	CHECK(run_until(&w, &w.server_closed, 1, 5000));
	CHECK_ERR(w.server_close_err, HM_ERR_CRYPTO);
	CHECK_EQ(w.server_ready, 0);
	world_free(&w);
}

static void test_no_client_certificate_refused(void)
{
	struct hm_stoq_config scfg, ccfg;
	struct world w;

	world_setup(&w, &scfg, &ccfg);
	ccfg.omit_certificate = 1;
	CHECK_ERR(world_start(&w, &scfg, &ccfg), HM_OK);
	CHECK_ERR(world_dial(&w, "::1"), HM_OK);
	CHECK(run_until(&w, &w.client_closed, 1, 5000));
	CHECK_ERR(w.client_close_err, HM_ERR_CRYPTO);
	CHECK_EQ(w.client_ready, 0);
	CHECK(run_until(&w, &w.server_closed, 1, 5000));
	CHECK(w.server_close_err != HM_OK);
	CHECK_EQ(w.server_ready, 0);
	world_free(&w);
}

static void test_deadline_and_cancel(void)
{
	struct hm_stoq_rpc_call *call;
	struct call_ctx ctx[2];
	uint8_t body[100] = { 0 };
	struct world w;
	uint64_t t0;

	world_init(&w);
	w.blackhole = 1;
	CHECK(world_connect(&w, "::1"));
	t0 = hm_clock_mono_ns();
	CHECK_ERR(start_call(&w, &ctx[0], 0, "echo", body, sizeof(body), 150, &call), HM_OK);
	CHECK(run_until(&w, &w.replies, 1, 5000));
	CHECK_ERR(w.reply_err[0], HM_ERR_IO);
	CHECK(hm_clock_mono_ns() - t0 >= 149 * HM_NS_PER_MS); /* libuv counts whole ms */
	/* The server's stream is reset with the cancel code. */
	CHECK(run_until(&w, &w.bh_closed, 1, 5000));
	CHECK_EQ(w.bh_close_code, HM_STOQ_APP_CANCELLED);

	/* Cancel: the callback never runs, the server sees the reset. */
	CHECK_ERR(start_call(&w, &ctx[1], 1, "echo", body, sizeof(body), 0, &call), HM_OK);
	CHECK(run_until(&w, &w.bh_streams, 2, 5000));
	hm_stoq_rpc_cancel(call);
	CHECK(run_until(&w, &w.bh_closed, 2, 5000));
	CHECK_EQ(w.bh_close_code, HM_STOQ_APP_CANCELLED);
	CHECK_EQ(w.replies, 1);
	world_free(&w);
}

static void test_oneway(void)
{
	uint8_t body[3000];
	struct world w;

	world_init(&w);
	CHECK(world_connect(&w, "::1"));
	memset(body, 1, sizeof(body));
	CHECK_ERR(hm_stoq_rpc_send_oneway(w.conn, "gossip", "block", body, sizeof(body)), HM_OK);
	CHECK_ERR(hm_stoq_rpc_send_oneway(w.conn, "gossip", "block", body, 0), HM_OK);
	CHECK(run_until(&w, &w.oneways, 2, 5000));
	CHECK_ERR(hm_stoq_rpc_send_oneway(w.conn, "gossip", NULL, body, 0), HM_ERR_INVALID);
	world_free(&w);
}

static void test_stream_limit(void)
{
	struct call_ctx ctx[MAX_CALLS];
	struct hm_stoq_config scfg, ccfg;
	struct hm_stoq_rpc_call *calls[MAX_CALLS];
	uint8_t body[] = "queued";
	struct world w;
	int i;

	/* Calls beyond the peer's limit of 3 streams wait, then all complete. */
	world_setup(&w, &scfg, &ccfg);
	scfg.max_streams_bidi = 3;
	CHECK_ERR(world_start(&w, &scfg, &ccfg), HM_OK);
	CHECK_ERR(world_dial(&w, "::1"), HM_OK);
	CHECK(run_until(&w, &w.client_ready, 1, 5000));
	for (i = 0; i < MAX_CALLS; i++)
		CHECK_ERR(start_call(&w, &ctx[i], i, "echo", body, sizeof(body), 0, NULL), HM_OK);
	CHECK(run_until(&w, &w.replies, MAX_CALLS, 5000));
	for (i = 0; i < MAX_CALLS; i++) {
		CHECK(w.reply_ok[i]);
		if (!w.reply_ok[i])
			fprintf(stderr, "call %d: %d\n", i, w.reply_err[i]);
	}
	world_free(&w);

	/* A server that never answers: 3 calls hold the streams, the rest wait; a
	 * waiting call can be cancelled or time out, and closing fails the rest. */
	world_setup(&w, &scfg, &ccfg);
	w.blackhole = 1;
	scfg.max_streams_bidi = 3;
	CHECK_ERR(world_start(&w, &scfg, &ccfg), HM_OK);
	CHECK_ERR(world_dial(&w, "::1"), HM_OK);
	CHECK(run_until(&w, &w.client_ready, 1, 5000));
	for (i = 0; i < 6; i++)
		CHECK_ERR(start_call(&w, &ctx[i], i, "echo", body, sizeof(body), i == 4 ? 100 : 0,
		                     &calls[i]),
		          HM_OK);
	CHECK(run_until(&w, &w.bh_streams, 3, 5000));
	hm_stoq_rpc_cancel(calls[3]);
	CHECK(run_until(&w, &w.replies, 1, 5000)); /* call 4's deadline */
	CHECK_ERR(w.reply_err[4], HM_ERR_IO);
	CHECK_EQ(w.bh_streams, 3);
	hm_stoq_conn_close(w.conn, 7, NULL);
	CHECK_EQ(w.replies, 5); /* 0, 1, 2 (streams) and 5 (waiting); 3 was cancelled */
	CHECK_ERR(w.reply_err[5], HM_ERR_IO);
	CHECK_ERR(w.reply_err[3], 1);
	world_free(&w);
}

#define RAW_PIECE      65536
#define RAW_HIGH_WATER (4 * RAW_PIECE)

/* Writes until the unacknowledged backlog reaches the high-water mark. */
static void raw_fill(struct world *w)
{
	static uint8_t piece[RAW_PIECE];
	struct hm_stoq_stream *s = w->raw_client;

	while (w->raw_sent < w->raw_total && hm_stoq_stream_buffered(s) < RAW_HIGH_WATER) {
		size_t n = w->raw_total - w->raw_sent < RAW_PIECE ? w->raw_total - w->raw_sent
		                                                  : RAW_PIECE;

		CHECK_ERR(hm_stoq_stream_write(s, piece, n, w->raw_sent + n == w->raw_total),
		          HM_OK);
		w->raw_sent += n;
	}
}

static void raw_cli_drained(struct hm_stoq_stream *s, void *user)
{
	struct world *w = user;

	(void)s;
	w->raw_drained++;
	raw_fill(w);
}

static void raw_cli_data(struct hm_stoq_stream *s, const uint8_t *data, size_t len, int fin,
                         void *user)
{
	struct world *w = user;

	(void)s;
	if (len == 4 && memcmp(data, "done", 4) == 0)
		w->raw_answer++;
	if (fin)
		w->raw_answer += 10;
}

static void raw_cli_close(struct hm_stoq_stream *s, int err, uint64_t code, void *user)
{
	struct world *w = user;

	(void)s;
	(void)err;
	w->raw_client_closed++;
	w->raw_close_code = code;
}

static const struct hm_stoq_stream_callbacks raw_cli_callbacks = {
	.on_data = raw_cli_data,
	.on_drained = raw_cli_drained,
	.on_close = raw_cli_close,
};

static void test_raw_stream_backpressure(void)
{
	struct hm_stoq_stream *uni;
	struct world w;

	world_init(&w);
	w.raw = 1;
	CHECK(world_connect(&w, "::1"));
	w.raw_total = (uint64_t)5 << 20;
	CHECK_ERR(hm_stoq_stream_open(w.conn, 0, &raw_cli_callbacks, &w, &w.raw_client), HM_OK);
	CHECK(!hm_stoq_stream_is_uni(w.raw_client));
	CHECK(hm_stoq_stream_conn(w.raw_client) == w.conn);
	raw_fill(&w);
	/* Backpressure: writing stops at the mark and resumes from on_drained. */
	CHECK(w.raw_sent < w.raw_total);
	CHECK(run_until(&w, &w.raw_client_closed, 1, 20000));
	CHECK_EQ(w.raw_bytes, w.raw_total);
	CHECK_EQ(w.raw_fin, 1);
	CHECK(w.raw_drained > 0);
	CHECK_EQ(w.raw_answer, 11); /* "done" then FIN */
	CHECK_EQ(w.raw_close_code, HM_STOQ_APP_OK);
	CHECK(run_until(&w, &w.raw_closed, 1, 5000));

	/* A stream the server does not adopt is refused with HM_STOQ_APP_REFUSED. */
	CHECK_ERR(hm_stoq_stream_open(w.conn, 0, &raw_cli_callbacks, &w, &uni), HM_OK);
	CHECK_ERR(hm_stoq_stream_write(uni, "x", 1, 0), HM_OK);
	CHECK(run_until(&w, &w.raw_client_closed, 2, 5000));
	CHECK_EQ(w.raw_close_code, HM_STOQ_APP_REFUSED);
	CHECK_ERR(hm_stoq_stream_open(NULL, 0, NULL, NULL, &uni), HM_ERR_INVALID);
	/* A unidirectional stream: FIN ends it, nothing may follow. */
	CHECK_ERR(hm_stoq_stream_open(w.conn, 1, NULL, NULL, &uni), HM_OK);
	CHECK(hm_stoq_stream_is_uni(uni));
	CHECK_ERR(hm_stoq_stream_write(uni, "x", 1, 1), HM_OK);
	CHECK_ERR(hm_stoq_stream_write(uni, "y", 1, 0), HM_ERR_INVALID);
	world_free(&w);
}

static void test_idle_timeout_and_keepalive(void)
{
	struct hm_stoq_config scfg, ccfg;
	struct world w;
	int never = 0;

	/* Keep-alive holds an idle connection open past the idle timeout. */
	world_setup(&w, &scfg, &ccfg);
	scfg.idle_timeout_ms = ccfg.idle_timeout_ms = 300;
	ccfg.keep_alive_ms = 50;
	CHECK_ERR(world_start(&w, &scfg, &ccfg), HM_OK);
	CHECK_ERR(world_dial(&w, "::1"), HM_OK);
	CHECK(run_until(&w, &w.client_ready, 1, 5000));
	(void)run_until(&w, &never, 1, 1000);
	CHECK_EQ(w.client_closed, 0);
	CHECK_EQ(w.server_closed, 0);
	world_free(&w);

	/* Without it, both sides give up after the idle timeout. */
	world_setup(&w, &scfg, &ccfg);
	scfg.idle_timeout_ms = ccfg.idle_timeout_ms = 300;
	CHECK_ERR(world_start(&w, &scfg, &ccfg), HM_OK);
	CHECK_ERR(world_dial(&w, "::1"), HM_OK);
	CHECK(run_until(&w, &w.client_ready, 1, 5000));
	CHECK(run_until(&w, &w.client_closed, 1, 3000));
	CHECK(run_until(&w, &w.server_closed, 1, 3000));
	CHECK_ERR(w.client_close_err, HM_ERR_IO);
	CHECK_ERR(w.server_close_err, HM_ERR_IO);
	world_free(&w);
}

static void test_endpoint_errors(void)
{
	struct hm_stoq_config scfg, ccfg;
	struct hm_stoq_endpoint *ep = NULL;
	struct world w;

	world_setup(&w, &scfg, &ccfg);
	ccfg.identity = NULL;
	CHECK_ERR(hm_stoq_endpoint_new(&w.loop, &ccfg, &ep), HM_ERR_INVALID);
	ccfg.identity = &w.client_id;
	ccfg.bind_addr = "not-an-address";
	CHECK_ERR(hm_stoq_endpoint_new(&w.loop, &ccfg, &ep), HM_ERR_INVALID);
	CHECK(ep == NULL);
	CHECK_ERR(world_start(&w, &scfg, &scfg), HM_OK); /* client slot: a second server */
	/* The port is taken. */
	scfg.port = hm_stoq_endpoint_port(w.server);
	CHECK_ERR(hm_stoq_endpoint_new(&w.loop, &scfg, &ep), HM_ERR_IO);
	CHECK_ERR(hm_stoq_connect(w.client, "999.1.1.1", 1, w.server_node, NULL, NULL),
	          HM_ERR_INVALID);
	CHECK_ERR(hm_stoq_connect(w.client, NULL, 1, w.server_node, NULL, NULL), HM_ERR_INVALID);
	world_free(&w);
}

/* ---- the post-quantum layer ---------------------------------------------- */

/* The same world, classical: the existing behaviour with cfg.pq = off. */
static void test_classical_mode(void)
{
	g_pq_off = 1;
	test_echo_sizes_ipv6();
	test_raw_stream_backpressure();
	test_oneway();
	g_pq_off = 0;
}

static void test_pq_default_key_ids_and_check(void)
{
	struct hm_stoq_config scfg, ccfg;
	uint8_t sid[HM_STOQ_PQ_KEY_ID_LEN], cid[HM_STOQ_PQ_KEY_ID_LEN], got[HM_STOQ_PQ_KEY_ID_LEN];
	struct call_ctx ctx;
	struct world w;

	world_setup(&w, &scfg, &ccfg);
	CHECK_EQ(scfg.pq, HM_STOQ_PQ_REQUIRED); /* the default */
	scfg.pq_check = pq_check;
	CHECK_ERR(world_start(&w, &scfg, &ccfg), HM_OK);
	CHECK_ERR(hm_stoq_endpoint_pq_key_id(w.server, sid), HM_OK);
	CHECK_ERR(hm_stoq_endpoint_pq_key_id(w.client, cid), HM_OK);
	CHECK(memcmp(sid, cid, sizeof(sid)) != 0);
	CHECK_ERR(world_dial(&w, "::1"), HM_OK);
	CHECK_EQ(hm_stoq_conn_is_pq(w.conn), 0);
	CHECK_ERR(hm_stoq_conn_peer_pq_key_id(w.conn, got), HM_ERR_INVALID); /* not ready */
	CHECK(run_until(&w, &w.client_ready, 1, 5000));
	CHECK(run_until(&w, &w.server_ready, 1, 5000));
	CHECK_EQ(hm_stoq_conn_is_pq(w.conn), 1);
	CHECK_ERR(hm_stoq_conn_peer_pq_key_id(w.conn, got), HM_OK);
	CHECK_MEM(got, sid, sizeof(sid));
	/* The server's check saw the client's node id and PQ key. */
	CHECK_EQ(w.pq_checks, 1);
	CHECK_MEM(w.pq_checked_node, w.client_node, HM_NODE_ID_LEN);
	CHECK_MEM(w.pq_checked_key, cid, sizeof(cid));
	CHECK_ERR(start_call(&w, &ctx, 0, "echo", (const uint8_t *)"pq", 2, 0, NULL), HM_OK);
	CHECK(run_until(&w, &w.replies, 1, 5000));
	CHECK(w.reply_ok[0]);
	world_free(&w);
}

static void test_pq_check_refuses(void)
{
	struct hm_stoq_config scfg, ccfg;
	struct world w;

	world_setup(&w, &scfg, &ccfg);
	scfg.pq_check = pq_check;
	w.pq_check_refuse = 1;
	CHECK_ERR(world_start(&w, &scfg, &ccfg), HM_OK);
	CHECK_ERR(world_dial(&w, "::1"), HM_OK);
	CHECK(run_until(&w, &w.client_closed, 1, 5000));
	CHECK(run_until(&w, &w.server_closed, 1, 5000));
	CHECK_ERR(w.server_close_err, HM_ERR_VERIFY);
	CHECK_ERR(w.client_close_err, HM_ERR_CRYPTO);
	CHECK_EQ(w.client_close_code, HM_STOQ_APP_PQ_FAILED);
	CHECK_EQ(w.client_ready + w.server_ready, 0);
	world_free(&w);
}

/* Persistent PQ keys from the configuration, one per algorithm, and a pinned server key. */
static void test_pq_configured_keys_and_pin(void)
{
	static uint8_t spk[HM_SIG_PK_MAX], ssk[HM_SIG_SK_MAX], cpk[HM_SIG_PK_MAX],
	        csk[HM_SIG_SK_MAX];
	const struct hm_sig_info *md = hm_sig_info(HM_SIG_MLDSA87);
	const struct hm_sig_info *fa = hm_sig_info(HM_SIG_FALCON1024);
	struct hm_stoq_config scfg, ccfg;
	uint8_t want[HM_STOQ_PQ_KEY_ID_LEN], got[HM_STOQ_PQ_KEY_ID_LEN];
	struct hm_stoq_endpoint *bad;
	struct world w;

	CHECK_ERR(hm_sig_keygen(HM_SIG_MLDSA87, spk, sizeof(spk), ssk, sizeof(ssk)), HM_OK);
	CHECK_ERR(hm_sig_keygen(HM_SIG_FALCON1024, cpk, sizeof(cpk), csk, sizeof(csk)), HM_OK);
	world_setup(&w, &scfg, &ccfg);
	scfg.pq_sig_alg = HM_SIG_MLDSA87;
	scfg.pq_pk = spk;
	scfg.pq_pk_len = md->pk_len;
	scfg.pq_sk = ssk;
	scfg.pq_sk_len = md->sk_len;
	ccfg.pq_sig_alg = HM_SIG_FALCON1024;
	ccfg.pq_pk = cpk;
	ccfg.pq_pk_len = fa->pk_len;
	ccfg.pq_sk = csk;
	ccfg.pq_sk_len = fa->sk_len;
	ccfg.pq_check = pq_check;

	/* Bad PQ configurations are refused before anything is bound. */
	{
		struct hm_stoq_config b = scfg;

		b.pq_pk_len--;
		CHECK_ERR(hm_stoq_endpoint_new(&w.loop, &b, &bad), HM_ERR_INVALID);
		b = scfg;
		b.pq_sig_alg = HM_SIG_ED25519;
		CHECK_ERR(hm_stoq_endpoint_new(&w.loop, &b, &bad), HM_ERR_INVALID);
		b = scfg;
		b.pq = (enum hm_stoq_pq_mode)7;
		CHECK_ERR(hm_stoq_endpoint_new(&w.loop, &b, &bad), HM_ERR_INVALID);
		b = scfg;
		b.pq_pk = cpk; /* a Falcon public key beside an ML-DSA secret key */
		CHECK_ERR(hm_stoq_endpoint_new(&w.loop, &b, &bad), HM_ERR_INVALID);
		b = scfg;
		b.pq_pk = NULL;
		CHECK_ERR(hm_stoq_endpoint_new(&w.loop, &b, &bad), HM_ERR_INVALID);
	}
	CHECK_ERR(world_start(&w, &scfg, &ccfg), HM_OK);
	hm_stoq_pq_key_id(HM_SIG_MLDSA87, spk, md->pk_len, want);
	CHECK_ERR(hm_stoq_endpoint_pq_key_id(w.server, got), HM_OK);
	CHECK_MEM(got, want, sizeof(want));

	/* A wrong pin: refused on the client (HM_ERR_VERIFY), never ready on either side. */
	want[0] ^= 1;
	CHECK_ERR(hm_stoq_connect_pq(w.client, "::1", hm_stoq_endpoint_port(w.server),
	                             w.server_node, want, NULL, &w.conn),
	          HM_OK);
	CHECK(run_until(&w, &w.client_closed, 1, 5000));
	CHECK_ERR(w.client_close_err, HM_ERR_VERIFY);
	CHECK(run_until(&w, &w.server_closed, 1, 5000));
	CHECK_ERR(w.server_close_err, HM_ERR_CRYPTO);
	CHECK_EQ(w.client_ready + w.server_ready, 0);

	/* The right pin. */
	want[0] ^= 1;
	w.pq_checks = 0;
	CHECK_ERR(hm_stoq_connect_pq(w.client, "::1", hm_stoq_endpoint_port(w.server),
	                             w.server_node, want, NULL, &w.conn),
	          HM_OK);
	CHECK(run_until(&w, &w.client_ready, 1, 5000));
	CHECK(run_until(&w, &w.server_ready, 1, 5000));
	CHECK_EQ(w.pq_checks, 1); /* the client's check ran too */
	CHECK_MEM(w.pq_checked_key, want, sizeof(want));
	CHECK_MEM(w.pq_checked_node, w.server_node, HM_NODE_ID_LEN);
	world_free(&w);
}

/* A classical peer and a PQ peer never complete a handshake, either way round. */
static void test_pq_downgrade_refused(void)
{
	int way;

	for (way = 0; way < 2; way++) {
		struct hm_stoq_config scfg, ccfg;
		struct world w;

		world_setup(&w, &scfg, &ccfg);
		if (way == 0)
			ccfg.pq = HM_STOQ_PQ_OFF;
		else
			scfg.pq = HM_STOQ_PQ_OFF;
		CHECK_ERR(world_start(&w, &scfg, &ccfg), HM_OK);
		if (way == 0) /* no PQ pin on a classical endpoint */
			CHECK_ERR(hm_stoq_connect_pq(w.client, "::1", 1, w.server_node,
			                             w.server_node, NULL, NULL),
			          HM_ERR_INVALID);
		CHECK_ERR(world_dial(&w, "::1"), HM_OK);
		CHECK(run_until(&w, &w.client_closed, 1, 5000));
		CHECK_ERR(w.client_close_err, HM_ERR_CRYPTO);
		CHECK(run_until(&w, &w.server_closed, 1, 5000));
		CHECK_ERR(w.server_close_err, HM_ERR_CRYPTO);
		CHECK_EQ(w.client_ready + w.server_ready, 0);
		world_free(&w);
	}
}

/*
 * Every way the PQ step can go wrong closes the connection before either
 * side is ready, so no application byte is ever carried without PQ keys.
 */
static void test_pq_handshake_faults(void)
{
	static const struct {
		int server_side;
		enum hm_stoq_pq_fault fault;
		int detector_is_server; /* who refuses first */
	} cases[] = {
		{ 0, HM_STOQ_PQ_FAULT_SIGNATURE, 1 },  { 1, HM_STOQ_PQ_FAULT_SIGNATURE, 0 },
		{ 1, HM_STOQ_PQ_FAULT_CIPHERTEXT, 1 }, { 0, HM_STOQ_PQ_FAULT_BINDING, 1 },
		{ 1, HM_STOQ_PQ_FAULT_BINDING, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hm_stoq_config scfg, ccfg;
		struct world w;

		world_setup(&w, &scfg, &ccfg);
		if (cases[i].server_side)
			scfg.pq_fault = cases[i].fault;
		else
			ccfg.pq_fault = cases[i].fault;
		CHECK_ERR(world_start(&w, &scfg, &ccfg), HM_OK);
		CHECK_ERR(world_dial(&w, "::1"), HM_OK);
		CHECK(run_until(&w, &w.client_closed, 1, 5000));
		CHECK(run_until(&w, &w.server_closed, 1, 5000));
		CHECK_EQ(w.client_ready, 0);
		CHECK_EQ(w.server_ready, 0);
		/* The refusing side says why; the other hears a PQ failure. */
		CHECK(w.client_close_err == HM_ERR_CRYPTO || w.client_close_err == HM_ERR_VERIFY);
		CHECK(w.server_close_err == HM_ERR_CRYPTO || w.server_close_err == HM_ERR_VERIFY);
		if (cases[i].detector_is_server)
			CHECK_EQ(w.client_close_code, HM_STOQ_APP_PQ_FAILED);
		else
			CHECK_EQ(w.server_close_code, HM_STOQ_APP_PQ_FAILED);
		world_free(&w);
	}
}

/* A server that never answers: the PQ step times out like a handshake. */
static void test_pq_step_timeout(void)
{
	struct hm_stoq_config scfg, ccfg;
	struct world w;
	uint64_t t0 = hm_clock_mono_ns();

	world_setup(&w, &scfg, &ccfg);
	scfg.pq_fault = HM_STOQ_PQ_FAULT_STALL;
	scfg.handshake_timeout_ms = 5000;
	ccfg.handshake_timeout_ms = 400;
	CHECK_ERR(world_start(&w, &scfg, &ccfg), HM_OK);
	CHECK_ERR(world_dial(&w, "::1"), HM_OK);
	CHECK(run_until(&w, &w.client_closed, 1, 3000));
	CHECK_ERR(w.client_close_err, HM_ERR_IO);
	CHECK(hm_clock_mono_ns() - t0 < 2 * HM_NS_PER_SEC);
	CHECK(run_until(&w, &w.server_closed, 1, 3000)); /* told, not left to idle out */
	CHECK_EQ(w.server_close_code, HM_STOQ_APP_PQ_FAILED);
	CHECK_EQ(w.client_ready + w.server_ready, 0);
	world_free(&w);
}

/* A client that opens an application stream beside its ClientHello: refused. */
static void test_pq_early_stream_refused(void)
{
	struct hm_stoq_config scfg, ccfg;
	struct world w;

	world_setup(&w, &scfg, &ccfg);
	ccfg.pq_fault = HM_STOQ_PQ_FAULT_EARLY;
	CHECK_ERR(world_start(&w, &scfg, &ccfg), HM_OK);
	CHECK_ERR(world_dial(&w, "::1"), HM_OK);
	CHECK(run_until(&w, &w.server_closed, 1, 5000));
	CHECK(run_until(&w, &w.client_closed, 1, 5000));
	CHECK_ERR(w.server_close_err, HM_ERR_CRYPTO);
	CHECK_ERR(w.client_close_err, HM_ERR_CRYPTO);
	CHECK_EQ(w.client_close_code, HM_STOQ_APP_PQ_FAILED);
	CHECK_EQ(w.client_ready + w.server_ready, 0);
	CHECK_EQ(w.oneways + w.requests, 0);
	world_free(&w);
}

/* A client that skips the PQ step and sends application data: never delivered. */
static void test_pq_skip_refused(void)
{
	struct hm_stoq_config scfg, ccfg;
	struct call_ctx ctx;
	struct world w;

	world_setup(&w, &scfg, &ccfg);
	ccfg.pq_fault = HM_STOQ_PQ_FAULT_SKIP;
	CHECK_ERR(world_start(&w, &scfg, &ccfg), HM_OK);
	CHECK_ERR(world_dial(&w, "::1"), HM_OK);
	/* The faulty client believes itself ready after TLS alone and calls at once. */
	CHECK(run_until(&w, &w.client_ready, 1, 5000));
	CHECK_ERR(start_call(&w, &ctx, 0, "echo", (const uint8_t *)"plain", 5, 0, NULL), HM_OK);
	CHECK(run_until(&w, &w.server_closed, 1, 5000));
	CHECK(run_until(&w, &w.client_closed, 1, 5000));
	CHECK_ERR(w.server_close_err, HM_ERR_CRYPTO);
	CHECK_EQ(w.client_close_code, HM_STOQ_APP_PQ_FAILED);
	CHECK_EQ(w.server_ready, 0);
	CHECK_EQ(w.requests, 0);
	CHECK_ERR(w.reply_err[0], HM_ERR_IO);
	world_free(&w);
}

/* Records that do not authenticate, or a stream cut short, close the connection. */
static void test_pq_record_faults(void)
{
	static const struct {
		int server_side;
		enum hm_stoq_pq_fault fault;
	} cases[] = {
		{ 0, HM_STOQ_PQ_FAULT_RECORD },
		{ 1, HM_STOQ_PQ_FAULT_RECORD },
		{ 0, HM_STOQ_PQ_FAULT_TRUNCATE },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hm_stoq_config scfg, ccfg;
		struct call_ctx ctx;
		struct world w;

		world_setup(&w, &scfg, &ccfg);
		if (cases[i].server_side)
			scfg.pq_fault = cases[i].fault;
		else
			ccfg.pq_fault = cases[i].fault;
		CHECK_ERR(world_start(&w, &scfg, &ccfg), HM_OK);
		CHECK_ERR(world_dial(&w, "::1"), HM_OK);
		CHECK(run_until(&w, &w.client_ready, 1, 5000));
		CHECK(run_until(&w, &w.server_ready, 1, 5000));
		CHECK_ERR(start_call(&w, &ctx, 0, "echo", (const uint8_t *)"data", 4, 0, NULL),
		          HM_OK);
		CHECK(run_until(&w, &w.client_closed, 1, 5000));
		CHECK(run_until(&w, &w.server_closed, 1, 5000));
		CHECK_ERR(w.reply_err[0], HM_ERR_IO); /* no answer was delivered */
		CHECK_ERR(w.client_close_err, HM_ERR_CRYPTO);
		CHECK_ERR(w.server_close_err, HM_ERR_CRYPTO);
		if (cases[i].fault == HM_STOQ_PQ_FAULT_RECORD && !cases[i].server_side)
			CHECK_EQ(w.requests,
			         0); /* the tampered request never reached the handler */
		world_free(&w);
	}
}

/*
 * The server is ready first and may open a stream at once; the client,
 * still waiting for ServerFinish, holds it and shows it once ready.
 */
static void test_pq_server_pushes_on_ready(void)
{
	struct world w;
	int i;

	for (i = 0; i < 3; i++) {
		world_init(&w);
		w.srv_push = 1;
		CHECK(world_connect(&w, "::1"));
		CHECK(run_until(&w, &w.cli_oneways, 1, 5000));
		CHECK_EQ(w.client_closed + w.server_closed, 0);
		world_free(&w);
	}
}

/* Packet by packet (no GSO batches): the same bytes arrive. */
static void test_without_gso(void)
{
	g_no_gso = 1;
	test_echo_sizes_ipv6();
	test_raw_stream_backpressure();
	g_no_gso = 0;
}

/* ---- stateless reset ---------------------------------------------------- */

/* A UDP relay between client and server that can blackhole the server's side. */
struct relay {
	uv_udp_t sock;
	struct sockaddr_in6 client, server;
	int drop_to_client;
	int retries_seen;   /* Retry packets from the server */
	int corrupt_tokens; /* flip a byte of every token in client Initials */
	uint8_t buf[65536];
};

/* The token of a client Initial (long header, type 0), or NULL. */
static uint8_t *initial_token(uint8_t *p, size_t n, size_t *len)
{
	size_t at = 5, tl;

	if (n < 7 || (p[0] & 0xb0) != 0x80)
		return NULL;
	at += 1 + p[at];
	if (at >= n)
		return NULL;
	at += 1 + p[at];
	if (at >= n)
		return NULL;
	switch (p[at] >> 6) { /* QUIC variable-length integer */
	case 0:
		tl = p[at] & 0x3f;
		at += 1;
		break;
	case 1:
		if (at + 2 > n)
			return NULL;
		tl = (size_t)(p[at] & 0x3f) << 8 | p[at + 1];
		at += 2;
		break;
	default:
		return NULL;
	}
	if (tl == 0 || at + tl > n)
		return NULL;
	*len = tl;
	return p + at;
}

static void relay_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct relay *r = h->data;

	(void)suggested;
	*b = uv_buf_init((char *)r->buf, sizeof(r->buf));
}

static void relay_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *buf, const struct sockaddr *from,
                       unsigned flags)
{
	struct relay *r = h->data;
	const struct sockaddr_in6 *f = (const struct sockaddr_in6 *)from;
	uv_buf_t out;

	(void)flags;
	if (n <= 0 || from == NULL || from->sa_family != AF_INET6)
		return;
	out = uv_buf_init(buf->base, (unsigned)n);
	if (f->sin6_port == r->server.sin6_port) {
		if ((r->buf[0] & 0xf0) == 0xf0)
			r->retries_seen++;
		if (!r->drop_to_client)
			(void)uv_udp_try_send(h, &out, 1, (const struct sockaddr *)&r->client);
		return;
	}
	r->client = *f;
	if (r->corrupt_tokens) {
		size_t tl;
		uint8_t *tok = initial_token(r->buf, (size_t)n, &tl);

		if (tok != NULL)
			tok[tl / 2] ^= 0x01;
	}
	(void)uv_udp_try_send(h, &out, 1, (const struct sockaddr *)&r->server);
}

static uint16_t relay_open(struct world *w, struct relay *r, uint16_t server_port)
{
	struct sockaddr_in6 a;
	int len = sizeof(a);

	memset(r, 0, sizeof(*r));
	CHECK(uv_ip6_addr("::1", 0, &a) == 0);
	CHECK(uv_ip6_addr("::1", server_port, &r->server) == 0);
	CHECK(uv_udp_init(&w->loop, &r->sock) == 0);
	r->sock.data = r;
	CHECK(uv_udp_bind(&r->sock, (const struct sockaddr *)&a, 0) == 0);
	CHECK(uv_udp_recv_start(&r->sock, relay_alloc, relay_recv) == 0);
	CHECK(uv_udp_getsockname(&r->sock, (struct sockaddr *)&a, &len) == 0);
	return ntohs(a.sin6_port);
}

/*
 * The server "crashes" (its CONNECTION_CLOSE never reaches the client) and
 * restarts with the same identity: the client's next packet is answered with
 * a stateless reset and the client gives up at once, not after 30 s idle.
 */
static void test_stateless_reset_after_restart(void)
{
	struct hm_stoq_config scfg, ccfg;
	struct call_ctx ctx;
	struct relay r;
	struct world w;
	uint16_t port;
	uint64_t t0;

	world_setup(&w, &scfg, &ccfg);
	CHECK_ERR(world_start(&w, &scfg, &ccfg), HM_OK);
	port = relay_open(&w, &r, hm_stoq_endpoint_port(w.server));
	CHECK_ERR(hm_stoq_connect(w.client, "::1", port, w.server_node, NULL, &w.conn), HM_OK);
	CHECK(run_until(&w, &w.client_ready, 1, 5000));
	CHECK(run_until(&w, &w.server_ready, 1, 5000));

	r.drop_to_client = 1;
	hm_stoq_endpoint_close(w.server);
	CHECK(run_until(&w, &w.server_closed, 1, 5000));
	CHECK_ERR(hm_stoq_endpoint_new(&w.loop, &scfg, &w.server), HM_OK);
	r.server.sin6_port = htons(hm_stoq_endpoint_port(w.server));
	r.drop_to_client = 0;
	CHECK_EQ(w.client_closed, 0);

	t0 = hm_clock_mono_ns();
	CHECK_ERR(start_call(&w, &ctx, 0, "echo", (const uint8_t *)"x", 1, 0, NULL), HM_OK);
	CHECK(run_until(&w, &w.client_closed, 1, 5000));
	CHECK_ERR(w.client_close_err, HM_ERR_IO);
	CHECK(hm_clock_mono_ns() - t0 < 2 * HM_NS_PER_SEC);
	CHECK_ERR(w.reply_err[0], HM_ERR_IO);
	CHECK_EQ(w.server_ready, 1); /* the new server never took the connection */
	uv_close((uv_handle_t *)&r.sock, NULL);
	world_free(&w);
}

/* Resets are never longer than their trigger, and tiny packets get none. */
static void test_stateless_reset_sizes(void)
{
	struct hm_stoq_config scfg, ccfg;
	struct sockaddr_in6 to;
	uint8_t pkt[1200], got[1500];
	struct world w;
	uv_os_fd_t fd;
	uv_udp_t sock;
	size_t sizes[] = { 1200, 60, 44 }, i;

	world_setup(&w, &scfg, &ccfg);
	CHECK_ERR(world_start(&w, &scfg, &ccfg), HM_OK);
	CHECK(uv_ip6_addr("::1", hm_stoq_endpoint_port(w.server), &to) == 0);
	CHECK(uv_udp_init(&w.loop, &sock) == 0);
	CHECK(uv_ip6_addr("::1", 0, (struct sockaddr_in6 *)got) == 0);
	CHECK(uv_udp_bind(&sock, (const struct sockaddr *)got, 0) == 0);
	CHECK(uv_fileno((uv_handle_t *)&sock, &fd) == 0);
	memset(pkt, 0x42, sizeof(pkt));
	pkt[0] = 0x40 | 0x01; /* short header, fixed bit */
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uv_buf_t b = uv_buf_init((char *)pkt, (unsigned)sizes[i]);
		ssize_t n = -1;
		int tries;

		CHECK(uv_udp_try_send(&sock, &b, 1, (const struct sockaddr *)&to) == (int)sizes[i]);
		for (tries = 0; tries < 50 && n < 0; tries++) {
			uv_run(&w.loop, UV_RUN_NOWAIT);
			n = recv(fd, got, sizeof(got), MSG_DONTWAIT);
			if (n < 0)
				uv_sleep(2);
		}
		CHECK(n > 0);
		CHECK((size_t)n < sizes[i]);
		CHECK(n >= 40 && n <= 43);
		CHECK((got[0] & 0xc0) == 0x40); /* looks like a short-header packet */
	}
	/* Packets no longer than our longest reset get none: no reset ping-pong. */
	{
		uv_buf_t b = uv_buf_init((char *)pkt, 43);
		ssize_t n;
		int tries;

		CHECK(uv_udp_try_send(&sock, &b, 1, (const struct sockaddr *)&to) == 43);
		for (tries = 0; tries < 20; tries++) {
			uv_run(&w.loop, UV_RUN_NOWAIT);
			uv_sleep(2);
		}
		n = recv(fd, got, sizeof(got), MSG_DONTWAIT);
		CHECK(n < 0);
	}
	uv_close((uv_handle_t *)&sock, NULL);
	world_free(&w);
}

/* With cfg.retry the server answers a client's first Initial with a Retry. */
static void test_retry_address_validation(void)
{
	int corrupt;

	for (corrupt = 0; corrupt < 2; corrupt++) {
		struct hm_stoq_config scfg, ccfg;
		struct call_ctx ctx;
		struct relay r;
		struct world w;
		uint16_t port;

		world_setup(&w, &scfg, &ccfg);
		scfg.retry = 1;
		ccfg.handshake_timeout_ms = 600;
		CHECK_ERR(world_start(&w, &scfg, &ccfg), HM_OK);
		port = relay_open(&w, &r, hm_stoq_endpoint_port(w.server));
		r.corrupt_tokens = corrupt;
		CHECK_ERR(hm_stoq_connect(w.client, "::1", port, w.server_node, NULL, &w.conn),
		          HM_OK);
		if (!corrupt) {
			CHECK(run_until(&w, &w.client_ready, 1, 5000));
			CHECK(run_until(&w, &w.server_ready, 1, 5000));
			CHECK_ERR(start_call(&w, &ctx, 0, "echo", (const uint8_t *)"r", 1, 0, NULL),
			          HM_OK);
			CHECK(run_until(&w, &w.replies, 1, 5000));
			CHECK(w.reply_ok[0]);
		} else {
			/* A token that does not verify: no state, no connection. */
			CHECK(run_until(&w, &w.client_closed, 1, 5000));
			CHECK_ERR(w.client_close_err, HM_ERR_IO);
			CHECK_EQ(w.server_ready, 0);
			CHECK_EQ(hm_stoq_endpoint_conn_count(w.server), 0);
		}
		CHECK(r.retries_seen >= 1);
		uv_close((uv_handle_t *)&r.sock, NULL);
		world_free(&w);
	}
}

/* Limits per node id (after the handshake) and per address (before any state). */
static void test_connection_limits_per_peer(void)
{
	int per_addr;

	for (per_addr = 0; per_addr < 2; per_addr++) {
		struct hm_stoq_config scfg, ccfg;
		struct world w;
		uint16_t port;

		world_setup(&w, &scfg, &ccfg);
		CHECK_EQ(scfg.max_connections_per_addr, 32); /* the defaults */
		CHECK_EQ(scfg.max_connections_per_peer, 8);
		if (per_addr)
			scfg.max_connections_per_addr = 1;
		else
			scfg.max_connections_per_peer = 1;
		ccfg.handshake_timeout_ms = 500;
		CHECK_ERR(world_start(&w, &scfg, &ccfg), HM_OK);
		port = hm_stoq_endpoint_port(w.server);
		CHECK_ERR(hm_stoq_connect(w.client, "::1", port, w.server_node, NULL, &w.conn),
		          HM_OK);
		CHECK(run_until(&w, &w.client_ready, 1, 5000));
		CHECK(run_until(&w, &w.server_ready, 1, 5000));
		CHECK_ERR(hm_stoq_connect(w.client, "::1", port, w.server_node, NULL, NULL), HM_OK);
		CHECK(run_until(&w, &w.client_closed, 1, 5000));
		if (per_addr) {
			/* Dropped before any state: the client times out. */
			CHECK_ERR(w.client_close_err, HM_ERR_IO);
			CHECK_EQ(w.server_closed, 0);
		} else {
			CHECK_ERR(w.client_close_err, HM_ERR_TOO_LARGE);
			CHECK_EQ(w.client_close_code, HM_STOQ_APP_PEER_LIMIT);
			CHECK(run_until(&w, &w.server_closed, 1, 5000));
			CHECK_ERR(w.server_close_err, HM_ERR_TOO_LARGE);
		}
		CHECK_EQ(w.client_ready, 1);
		CHECK_EQ(w.server_ready, 1);
		CHECK(w.conn != NULL && hm_stoq_conn_is_ready(w.conn)); /* the first one lives on */
		CHECK_EQ(hm_stoq_endpoint_conn_count(w.server), 1);
		world_free(&w);
	}
}

TEST_MAIN(test_echo_sizes_ipv6, test_ipv4_mapped_and_plain, test_typed_errors,
          test_wrong_pin_refused, test_no_client_certificate_refused, test_deadline_and_cancel,
          test_oneway, test_stream_limit, test_raw_stream_backpressure,
          test_idle_timeout_and_keepalive, test_endpoint_errors, test_classical_mode,
          test_pq_default_key_ids_and_check, test_pq_check_refuses, test_pq_configured_keys_and_pin,
          test_pq_downgrade_refused, test_pq_handshake_faults, test_pq_skip_refused,
          test_pq_step_timeout, test_pq_early_stream_refused, test_pq_record_faults,
          test_pq_server_pushes_on_ready, test_stateless_reset_after_restart,
          test_stateless_reset_sizes, test_retry_address_validation,
          test_connection_limits_per_peer, test_without_gso)
