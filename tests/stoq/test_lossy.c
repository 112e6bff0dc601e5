/* SPDX-License-Identifier: Apache-2.0 */
/*
 * STOQ over a bad path without root or netem: a UDP relay on ::1 between a
 * client and a server drops 5% of datagrams, duplicates 1% and delays each
 * by 5 ms +- 2 ms drawn per datagram, both ways, which reorders datagrams
 * sent less than 4 ms apart (more than half of them here, harsher than
 * netem's "reorder 25%"). Over it, with the PQ layer on: 4 MB on one stream whose
 * SHA-256 the server returns and the client compares, and RPC echo calls
 * compared byte for byte, within a time bound. The relay's randomness is a
 * fixed-seed generator, so a failure replays. tests/stoq/netem.sh is the
 * same experiment between network namespaces with the kernel's netem.
 */
#define _GNU_SOURCE /* libuv headers need POSIX types */
#include <gnutls/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "hypermesh/clock.h"
#include "hypermesh/keystore.h"
#include "hypermesh/stoq.h"
#include "test.h"

#define XFER_LEN   ((size_t)4000000)
#define PIECE      ((size_t)64 << 10)
#define HIGH_WATER ((uint64_t)1 << 20)
#define NCALLS     20
#define CALL_LEN   16384
#define BOUND_MS   20000

/* ---- the relay ---- */

struct relay {
	uv_loop_t *loop;
	uv_udp_t front, back; /* client side, server side */
	struct sockaddr_in6 client, server;
	int have_client;
	int closed; /* front and back are closing: datagrams still delayed are dropped */
	uint64_t rng;
	uint64_t seen, dropped, duplicated, reordered;
	uint64_t last_due_ms[2]; /* per direction: to count reordering */
	char buf[65536];
};

struct delayed {
	uv_timer_t timer;
	struct relay *r;
	int to_server;
	size_t len;
	uint8_t data[];
};

static uint32_t rnd(struct relay *r)
{
	/* xorshift64*: fixed seed, so a failing run replays */
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return (uint32_t)((r->rng * 2685821657736338717ull) >> 32);
}

static void delayed_free(uv_handle_t *h)
{
	free(h->data);
}

static void delayed_fire(uv_timer_t *t)
{
	struct delayed *d = t->data;
	struct relay *r = d->r;
	uv_buf_t b = uv_buf_init((char *)d->data, (unsigned)d->len);

	/*
	 * A send on a closing libuv UDP handle re-binds it (a new socket),
	 * which libuv's close then asserts on: drop what is still delayed.
	 */
	if (!r->closed && d->to_server)
		(void)uv_udp_try_send(&r->back, &b, 1, (const struct sockaddr *)&r->server);
	else if (!r->closed && r->have_client)
		(void)uv_udp_try_send(&r->front, &b, 1, (const struct sockaddr *)&r->client);
	uv_close((uv_handle_t *)t, delayed_free);
}

static void schedule(struct relay *r, const void *data, size_t len, int to_server)
{
	struct delayed *d = malloc(sizeof(*d) + len);
	uint64_t delay = 3 + rnd(r) % 5; /* 3..7 ms: 5 +- 2 */
	uint64_t due = uv_now(r->loop) + delay;

	if (d == NULL)
		return; /* counts as one more loss */
	if (due < r->last_due_ms[to_server])
		r->reordered++;
	else
		r->last_due_ms[to_server] = due;
	d->r = r;
	d->to_server = to_server;
	d->len = len;
	memcpy(d->data, data, len);
	uv_timer_init(r->loop, &d->timer);
	d->timer.data = d;
	uv_timer_start(&d->timer, delayed_fire, delay, 0);
}

static void relay_packet(struct relay *r, const void *data, size_t len, int to_server)
{
	uint32_t x = rnd(r) % 1000;

	r->seen++;
	if (x < 50) { /* 5% */
		r->dropped++;
		return;
	}
	schedule(r, data, len, to_server);
	if (x >= 990) { /* 1% */
		r->duplicated++;
		schedule(r, data, len, to_server);
	}
}

static void relay_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct relay *r = h->data;

	(void)suggested;
	b->base = r->buf;
	b->len = sizeof(r->buf);
}

static void relay_front(uv_udp_t *h, ssize_t n, const uv_buf_t *b, const struct sockaddr *from,
                        unsigned flags)
{
	struct relay *r = h->data;

	(void)flags;
	if (n <= 0 || from == NULL || from->sa_family != AF_INET6)
		return;
	memcpy(&r->client, from, sizeof(r->client));
	r->have_client = 1;
	relay_packet(r, b->base, (size_t)n, 1);
}

static void relay_back(uv_udp_t *h, ssize_t n, const uv_buf_t *b, const struct sockaddr *from,
                       unsigned flags)
{
	(void)flags;
	(void)from;
	if (n > 0)
		relay_packet(h->data, b->base, (size_t)n, 0);
}

static uint16_t relay_start(struct relay *r, uv_loop_t *loop, uint16_t server_port)
{
	struct sockaddr_in6 any;
	struct sockaddr_storage ss;
	int len = sizeof(ss);

	memset(r, 0, sizeof(*r));
	r->loop = loop;
	r->rng = 0x9e3779b97f4a7c15ull;
	CHECK(uv_ip6_addr("::1", 0, &any) == 0);
	CHECK(uv_ip6_addr("::1", server_port, &r->server) == 0);
	uv_udp_init(loop, &r->front);
	uv_udp_init(loop, &r->back);
	r->front.data = r->back.data = r;
	CHECK(uv_udp_bind(&r->front, (const struct sockaddr *)&any, 0) == 0);
	CHECK(uv_udp_bind(&r->back, (const struct sockaddr *)&any, 0) == 0);
	CHECK(uv_udp_recv_start(&r->front, relay_alloc, relay_front) == 0);
	CHECK(uv_udp_recv_start(&r->back, relay_alloc, relay_back) == 0);
	CHECK(uv_udp_getsockname(&r->front, (struct sockaddr *)&ss, &len) == 0);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* ---- the endpoints ---- */

struct world {
	uv_loop_t loop;
	uv_timer_t guard;
	int timed_out;
	struct hm_identity sid, cid;
	uint8_t snode[HM_NODE_ID_LEN];
	struct hm_stoq_endpoint *server, *client;
	struct hm_stoq_rpc_service svc;
	struct hm_stoq_conn *conn;
	int ready, closed, close_err;
	/* the transfer */
	uint8_t *data;
	uint8_t digest[32];
	size_t written;
	struct hm_stoq_stream *up;
	gnutls_hash_hd_t srv_hash;
	uint64_t srv_bytes;
	uint8_t answer[32];
	size_t answer_len;
	int answered, xfer_ok;
	/* the calls */
	uint8_t call_body[CALL_LEN];
	int calls_ok, calls_done;
};

static void handler(struct hm_stoq_conn *c, struct hm_stoq_rpc_server *call,
                    const struct hm_stoq_frame *req, void *user)
{
	(void)c;
	(void)user;
	if (req->type == HM_STOQ_FRAME_REQUEST)
		(void)hm_stoq_rpc_respond(call, req->body, req->body_len);
}

static void srv_data(struct hm_stoq_stream *s, const uint8_t *data, size_t len, int fin, void *user)
{
	struct world *w = user;
	uint8_t digest[32];

	if (len > 0)
		CHECK(gnutls_hash(w->srv_hash, data, len) == 0);
	w->srv_bytes += len;
	if (fin) {
		gnutls_hash_output(w->srv_hash, digest);
		CHECK_ERR(hm_stoq_stream_write(s, digest, sizeof(digest), 1), HM_OK);
	}
}

static const struct hm_stoq_stream_callbacks srv_stream_cb = { .on_data = srv_data };

static void srv_on_stream(struct hm_stoq_conn *c, struct hm_stoq_stream *s, void *user)
{
	struct world *w = user;

	(void)c;
	/*
	 * The client's first application stream is the transfer (id 4: stream
	 * 0 carries the PQ handshake), the others are calls. Ids, not arrival
	 * order, say which: streams may arrive in any order here.
	 */
	if (hm_stoq_stream_id(s) == 4) {
		hm_stoq_stream_set_callbacks(s, &srv_stream_cb, w);
		return;
	}
	CHECK_ERR(hm_stoq_rpc_serve_stream(s, &w->svc), HM_OK);
}

static void up_more(struct world *w)
{
	while (w->up != NULL && w->written < XFER_LEN &&
	       hm_stoq_stream_buffered(w->up) < HIGH_WATER) {
		size_t n = XFER_LEN - w->written < PIECE ? XFER_LEN - w->written : PIECE;

		CHECK_ERR(hm_stoq_stream_write(w->up, w->data + w->written, n,
		                               w->written + n == XFER_LEN),
		          HM_OK);
		w->written += n;
	}
}

static void up_data(struct hm_stoq_stream *s, const uint8_t *data, size_t len, int fin, void *user)
{
	struct world *w = user;

	(void)s;
	if (len > sizeof(w->answer) - w->answer_len) {
		w->answered = 1; /* malformed: too long */
		return;
	}
	memcpy(w->answer + w->answer_len, data, len);
	w->answer_len += len;
	if (fin) {
		w->answered = 1;
		w->xfer_ok = w->answer_len == 32 && memcmp(w->answer, w->digest, 32) == 0;
	}
}

static void up_drained(struct hm_stoq_stream *s, void *user)
{
	(void)s;
	up_more(user);
}

static void up_close(struct hm_stoq_stream *s, int err, uint64_t code, void *user)
{
	struct world *w = user;

	(void)s;
	(void)err;
	(void)code;
	w->up = NULL;
}

static const struct hm_stoq_stream_callbacks up_cb = {
	.on_data = up_data,
	.on_drained = up_drained,
	.on_close = up_close,
};

static void call_reply(struct hm_stoq_rpc_call *call, int err, const uint8_t *body, size_t len,
                       const uint8_t *msg, size_t msg_len, void *user)
{
	struct world *w = user;

	(void)call;
	(void)msg;
	(void)msg_len;
	w->calls_done++;
	if (err == HM_OK && len == CALL_LEN && memcmp(body, w->call_body, len) == 0)
		w->calls_ok++;
}

static void cli_on_ready(struct hm_stoq_conn *c, void *user)
{
	struct world *w = user;
	struct hm_stoq_rpc_request req = {
		.service = "test",
		.method = "echo",
		.body = w->call_body,
		.body_len = CALL_LEN,
		.deadline_ms = BOUND_MS,
	};

	w->conn = c;
	w->ready++;
	CHECK(hm_stoq_conn_is_pq(c));
	CHECK_ERR(hm_stoq_stream_open(c, 0, &up_cb, w, &w->up), HM_OK);
	up_more(w);
	for (int i = 0; i < NCALLS; i++)
		CHECK_ERR(hm_stoq_rpc_call(c, &req, call_reply, w, NULL), HM_OK);
}

static void cli_on_closed(struct hm_stoq_conn *c, int err, uint64_t code, void *user)
{
	struct world *w = user;

	(void)c;
	(void)code;
	w->closed++;
	w->close_err = err;
	w->conn = NULL;
}

static void on_guard(uv_timer_t *t)
{
	((struct world *)t->data)->timed_out = 1;
}

static void test_transfer_and_calls_over_bad_path(void)
{
	struct world w;
	struct relay r;
	struct hm_stoq_config cfg;
	uint64_t t0, ms;
	uint16_t port;

	memset(&w, 0, sizeof(w));
	CHECK(uv_loop_init(&w.loop) == 0);
	uv_timer_init(&w.loop, &w.guard);
	w.guard.data = &w;
	w.data = malloc(XFER_LEN);
	CHECK(w.data != NULL);
	if (w.data == NULL)
		return;
	for (size_t i = 0; i < XFER_LEN; i++)
		w.data[i] = (uint8_t)(i * 131 + (i >> 11) + 7);
	for (size_t i = 0; i < CALL_LEN; i++)
		w.call_body[i] = (uint8_t)(i ^ 0x5a);
	CHECK(gnutls_hash_fast(GNUTLS_DIG_SHA256, w.data, XFER_LEN, w.digest) == 0);
	CHECK(gnutls_hash_init(&w.srv_hash, GNUTLS_DIG_SHA256) == 0);
	CHECK_ERR(hm_identity_generate(&w.sid), HM_OK);
	CHECK_ERR(hm_identity_generate(&w.cid), HM_OK);
	hm_identity_node_id(&w.sid, w.snode);
	w.svc.handler = handler;
	w.svc.user = &w;

	hm_stoq_config_default(&cfg);
	cfg.identity = &w.sid;
	cfg.port = 0;
	cfg.bind_addr = "::1";
	cfg.accept = 1;
	cfg.user = &w;
	cfg.max_streams_bidi = 64;
	cfg.max_stream_data = 4 << 20;
	cfg.max_data = 8 << 20;
	/* The relay stands for a network: network-sized datagrams, as to a peer elsewhere. */
	cfg.max_udp_payload = 1452;
	cfg.callbacks.on_stream = srv_on_stream;
	CHECK_ERR(hm_stoq_endpoint_new(&w.loop, &cfg, &w.server), HM_OK);
	hm_stoq_config_default(&cfg);
	cfg.identity = &w.cid;
	cfg.port = 0;
	cfg.bind_addr = "::1";
	cfg.user = &w;
	cfg.max_stream_data = 4 << 20;
	cfg.max_data = 8 << 20;
	cfg.max_udp_payload = 1452;
	cfg.callbacks.on_ready = cli_on_ready;
	cfg.callbacks.on_closed = cli_on_closed;
	CHECK_ERR(hm_stoq_endpoint_new(&w.loop, &cfg, &w.client), HM_OK);
	if (w.server == NULL || w.client == NULL)
		goto out;
	port = relay_start(&r, &w.loop, hm_stoq_endpoint_port(w.server));
	t0 = hm_clock_mono_ns();
	CHECK_ERR(hm_stoq_connect(w.client, "::1", port, w.snode, &w, NULL), HM_OK);
	uv_timer_start(&w.guard, on_guard, BOUND_MS, 0);
	while (!w.timed_out && !w.closed && !(w.answered && w.calls_done == NCALLS))
		uv_run(&w.loop, UV_RUN_ONCE);
	uv_timer_stop(&w.guard);
	ms = (hm_clock_mono_ns() - t0) / 1000000;
	fprintf(stderr,
	        "lossy path: %llu ms; datagrams %llu, dropped %llu, duplicated %llu, "
	        "out of order %llu\n",
	        (unsigned long long)ms, (unsigned long long)r.seen, (unsigned long long)r.dropped,
	        (unsigned long long)r.duplicated, (unsigned long long)r.reordered);
	CHECK(!w.timed_out);
	CHECK_EQ(w.ready, 1);
	CHECK_EQ(w.closed, 0);
	CHECK_EQ(w.srv_bytes, XFER_LEN);
	CHECK(w.xfer_ok);
	CHECK_EQ(w.calls_ok, NCALLS);
	/* The path was as bad as promised. */
	CHECK(r.dropped * 100 >= r.seen * 3 && r.dropped * 100 <= r.seen * 7);
	CHECK(r.duplicated > 0);
	CHECK(r.reordered * 100 >= r.seen * 10);
	r.closed = 1;
	uv_close((uv_handle_t *)&r.front, NULL);
	uv_close((uv_handle_t *)&r.back, NULL);
out:
	hm_stoq_endpoint_close(w.client);
	hm_stoq_endpoint_close(w.server);
	uv_close((uv_handle_t *)&w.guard, NULL);
	uv_run(&w.loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&w.loop), 0);
	gnutls_hash_deinit(w.srv_hash, NULL);
	hm_identity_wipe(&w.sid);
	hm_identity_wipe(&w.cid);
	free(w.data);
}

TEST_MAIN(test_transfer_and_calls_over_bad_path)
