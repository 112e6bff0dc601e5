/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hm_stoq_broadcast: one sender and several receivers in one process on
 * ::1, with the PQ layer on. A message larger than the broadcast window
 * reaches every live peer intact while a dead one is named in the results;
 * connections are reused; outcomes are never reported inside the call;
 * identity mismatches, missing addresses and bad arguments are typed errors.
 */
#define _GNU_SOURCE /* libuv headers need POSIX types */
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "fleet_fixture.h"
#include "hypermesh/keystore.h"
#include "hypermesh/stoq.h"
#include "stoq/stoq_internal.h" /* to measure what the sender holds per peer */
#include "test.h"

#define NRECV   3
#define MSG_LEN (HM_STOQ_BROADCAST_WINDOW * 2 + 12345) /* three windows */

struct world {
	uv_loop_t loop;
	uv_timer_t guard;
	int timed_out;
	struct hm_identity sid;
	struct hm_stoq_endpoint *sender;
	struct fleet_receiver rx[NRECV];
	uint8_t *msg;
	/* outcomes */
	int results[8];
	int reported[8];
	int done;
	size_t delivered;
	int in_call; /* set while hm_stoq_broadcast runs: callbacks must not see it */
	int cancel_in_cb;
	struct hm_stoq_broadcast *b;
};

static void handler(struct hm_stoq_conn *c, struct hm_stoq_rpc_server *call,
                    const struct hm_stoq_frame *req, void *user)
{
	struct fleet_receiver *r = user;

	(void)c;
	(void)call;
	if (req->type != HM_STOQ_FRAME_ONEWAY || req->service_len != 4 ||
	    memcmp(req->service, "test", 4) != 0)
		return;
	r->got++;
	r->intact = req->body_len == MSG_LEN;
	for (size_t i = 0; r->intact && i < MSG_LEN; i++)
		r->intact = req->body[i] == (uint8_t)(i * 31 + (i >> 8));
}

static void on_peer(struct hm_stoq_broadcast *b, size_t index, int err, void *user)
{
	struct world *w = user;

	CHECK(!w->in_call);
	CHECK(index < 8);
	CHECK_EQ(hm_stoq_broadcast_result(b, index), err);
	w->results[index] = err;
	w->reported[index]++;
	if (w->cancel_in_cb)
		hm_stoq_broadcast_cancel(b);
}

static void on_done(struct hm_stoq_broadcast *b, size_t delivered, void *user)
{
	struct world *w = user;

	(void)b;
	CHECK(!w->in_call);
	w->done++;
	w->delivered = delivered;
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
	w->msg = malloc(MSG_LEN);
	CHECK(w->msg != NULL);
	for (size_t i = 0; w->msg != NULL && i < MSG_LEN; i++)
		w->msg[i] = (uint8_t)(i * 31 + (i >> 8));
	for (int i = 0; i < NRECV; i++)
		fleet_receiver_open(&w->loop, &w->rx[i], handler, MSG_LEN);
	/* The dead peer's handshake gives up after 1.5 s. */
	fleet_sender_open(&w->loop, &w->sid, w, 1500, &w->sender);
}

static void world_free(struct world *w)
{
	fleet_close(&w->loop, &w->guard, w->sender, &w->sid, w->rx, NRECV);
	free(w->msg);
}

static void run_until_done(struct world *w, uint64_t ms)
{
	w->timed_out = 0;
	uv_timer_start(&w->guard, on_guard, ms, 0);
	while (!w->done && !w->timed_out)
		uv_run(&w->loop, UV_RUN_ONCE);
	uv_timer_stop(&w->guard);
	CHECK(!w->timed_out);
}

/* Runs the loop a little longer, so that receivers finish handling what arrived. */
static void run_for(struct world *w, uint64_t ms)
{
	w->timed_out = 0;
	uv_timer_start(&w->guard, on_guard, ms, 0);
	while (!w->timed_out)
		uv_run(&w->loop, UV_RUN_ONCE);
}

static int start(struct world *w, const struct hm_stoq_broadcast_peer *peers, size_t n,
                 uint32_t timeout_ms)
{
	struct hm_stoq_broadcast_request req = {
		.service = "test",
		.method = "gossip",
		.body = w->msg,
		.body_len = MSG_LEN,
		.peers = peers,
		.npeers = n,
		.timeout_ms = timeout_ms,
		.on_peer = on_peer,
		.on_done = on_done,
		.user = w,
	};
	int rc;

	w->done = 0;
	memset(w->reported, 0, sizeof(w->reported));
	w->in_call = 1;
	rc = hm_stoq_broadcast(w->sender, &req, &w->b);
	w->in_call = 0;
	return rc;
}

/* A port nobody answers on: an endpoint opened and closed again. */
static uint16_t dead_port(struct world *w, const struct hm_identity *id)
{
	struct hm_stoq_config cfg;
	struct hm_stoq_endpoint *ep = NULL;
	uint16_t port = 0;

	hm_stoq_config_default(&cfg);
	cfg.identity = id;
	cfg.port = 0;
	cfg.bind_addr = "::1";
	cfg.pq = HM_STOQ_PQ_OFF;
	CHECK_ERR(hm_stoq_endpoint_new(&w->loop, &cfg, &ep), HM_OK);
	if (ep != NULL)
		port = hm_stoq_endpoint_port(ep);
	hm_stoq_endpoint_close(ep);
	uv_run(&w->loop, UV_RUN_NOWAIT);
	return port;
}

static void test_one_peer_down(void)
{
	struct world w;
	struct hm_stoq_broadcast_peer peers[NRECV + 1];
	struct hm_identity dead;
	size_t conns;

	world_init(&w);
	CHECK_ERR(hm_identity_generate(&dead), HM_OK);
	memset(peers, 0, sizeof(peers));
	for (int i = 0; i < NRECV; i++) {
		memcpy(peers[i].node_id, w.rx[i].node, HM_NODE_ID_LEN);
		peers[i].host = "::1";
		peers[i].port = hm_stoq_endpoint_port(w.rx[i].ep);
	}
	/* The dead peer sits in the middle: order of outcomes must not matter. */
	peers[NRECV] = peers[1];
	hm_identity_node_id(&dead, peers[1].node_id);
	peers[1].port = dead_port(&w, &dead);
	CHECK_ERR(start(&w, peers, NRECV + 1, 10000), HM_OK);
	CHECK_EQ(w.done, 0);
	CHECK(hm_stoq_broadcast_node_id(w.b, 1) != NULL &&
	      memcmp(hm_stoq_broadcast_node_id(w.b, 1), peers[1].node_id, HM_NODE_ID_LEN) == 0);
	CHECK(hm_stoq_broadcast_node_id(w.b, NRECV + 1) == NULL);
	CHECK(hm_stoq_broadcast_node_id(NULL, 0) == NULL);
	run_until_done(&w, 8000);
	run_for(&w, 100);
	CHECK_EQ(w.done, 1);
	CHECK_EQ(w.delivered, 3);
	CHECK_ERR(w.results[0], HM_OK);
	CHECK_ERR(w.results[1], HM_ERR_IO); /* the handshake to the dead peer timed out */
	CHECK_ERR(w.results[2], HM_OK);
	CHECK_ERR(w.results[3], HM_OK);
	for (int i = 0; i < NRECV + 1; i++)
		CHECK_EQ(w.reported[i], 1);
	for (int i = 0; i < NRECV; i++) {
		CHECK_EQ(w.rx[i].got, 1);
		CHECK(w.rx[i].intact);
	}

	/* Again, to the live peers only: the connections are reused. */
	conns = hm_stoq_endpoint_conn_count(w.sender);
	CHECK_EQ(conns, NRECV);
	peers[1] = peers[NRECV];
	CHECK_ERR(start(&w, peers, NRECV, 0), HM_OK);
	run_until_done(&w, 5000);
	run_for(&w, 100);
	CHECK_EQ(w.delivered, NRECV);
	CHECK_EQ(hm_stoq_endpoint_conn_count(w.sender), conns);
	for (int i = 0; i < NRECV; i++) {
		CHECK_EQ(w.rx[i].got, 2);
		CHECK(w.rx[i].intact);
	}
	hm_identity_wipe(&dead);
	world_free(&w);
}

static void test_typed_failures(void)
{
	struct world w;
	struct hm_stoq_broadcast_peer peers[3];

	world_init(&w);
	memset(peers, 0, sizeof(peers));
	/* 0: receiver 0's address, but receiver 1's node id. */
	memcpy(peers[0].node_id, w.rx[1].node, HM_NODE_ID_LEN);
	peers[0].host = "::1";
	peers[0].port = hm_stoq_endpoint_port(w.rx[0].ep);
	/* 1: no connection and no address. */
	memcpy(peers[1].node_id, w.rx[2].node, HM_NODE_ID_LEN);
	/* 2: an address that is not numeric. */
	memcpy(peers[2].node_id, w.rx[2].node, HM_NODE_ID_LEN);
	peers[2].host = "localhost";
	CHECK_ERR(start(&w, peers, 3, 5000), HM_OK);
	run_until_done(&w, 5000);
	CHECK_EQ(w.delivered, 0);
	CHECK_ERR(w.results[0], HM_ERR_VERIFY);
	CHECK_ERR(w.results[1], HM_ERR_NOT_FOUND);
	CHECK_ERR(w.results[2], HM_ERR_INVALID);
	CHECK_EQ(w.rx[0].got + w.rx[1].got + w.rx[2].got, 0);
	world_free(&w);
}

/* Cancelling from the first outcome stops the rest, each reported once. */
static void test_cancel_from_callback(void)
{
	struct world w;
	struct hm_stoq_broadcast_peer peers[2];

	world_init(&w);
	memset(peers, 0, sizeof(peers));
	memcpy(peers[0].node_id, w.rx[0].node, HM_NODE_ID_LEN); /* no address: fails at once */
	memcpy(peers[1].node_id, w.rx[1].node, HM_NODE_ID_LEN);
	peers[1].host = "::1";
	peers[1].port = hm_stoq_endpoint_port(w.rx[1].ep);
	w.cancel_in_cb = 1;
	CHECK_ERR(start(&w, peers, 2, 0), HM_OK);
	run_until_done(&w, 5000);
	CHECK_ERR(w.results[0], HM_ERR_NOT_FOUND);
	CHECK_ERR(w.results[1], HM_ERR_IO);
	CHECK_EQ(w.reported[0], 1);
	CHECK_EQ(w.reported[1], 1);
	CHECK_EQ(w.delivered, 0);
	world_free(&w);
}

static void test_bad_arguments(void)
{
	struct world w;
	struct hm_stoq_broadcast_peer peer;
	struct hm_stoq_broadcast_request req;
	char long_name[HM_STOQ_NAME_MAX + 2];

	world_init(&w);
	memset(&peer, 0, sizeof(peer));
	memset(&req, 0, sizeof(req));
	req.service = "test";
	req.method = "m";
	req.peers = &peer;
	req.npeers = 0;
	CHECK_ERR(hm_stoq_broadcast(w.sender, &req, NULL), HM_ERR_INVALID);
	req.npeers = HM_STOQ_BROADCAST_MAX_PEERS + 1;
	CHECK_ERR(hm_stoq_broadcast(w.sender, &req, NULL), HM_ERR_INVALID);
	req.npeers = 1;
	req.method = NULL;
	CHECK_ERR(hm_stoq_broadcast(w.sender, &req, NULL), HM_ERR_INVALID);
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	req.method = long_name;
	CHECK_ERR(hm_stoq_broadcast(w.sender, &req, NULL), HM_ERR_LENGTH);
	req.method = "";
	CHECK_ERR(hm_stoq_broadcast(w.sender, &req, NULL), HM_ERR_LENGTH);
	req.method = "m";
	req.body_len = 1;
	CHECK_ERR(hm_stoq_broadcast(w.sender, &req, NULL), HM_ERR_INVALID);
	CHECK_ERR(hm_stoq_broadcast(NULL, &req, NULL), HM_ERR_INVALID);
	CHECK_EQ(hm_stoq_endpoint_conn_count(w.sender), 0);
	CHECK_ERR(hm_stoq_broadcast_result(NULL, 0), HM_ERR_INVALID);
	hm_stoq_broadcast_cancel(NULL);
	world_free(&w);
}

/*
 * A UDP relay in front of one receiver that forwards both ways until
 * `budget` bytes went from the sender, then drops everything: a peer that
 * stops acknowledging in the middle of the message.
 */
struct relay {
	uv_udp_t front, back;
	struct sockaddr_in6 client, target;
	int have_client;
	size_t budget;
	char buf[65536];
};

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
	uv_buf_t out = uv_buf_init(b->base, (unsigned)(n > 0 ? n : 0));

	(void)flags;
	if (n <= 0 || from == NULL)
		return; /* nothing read (libuv's n = 0, from = NULL), or an error */
	if ((size_t)n > r->budget) {
		r->budget = 0; /* from now on the peer is unreachable both ways */
		return;
	}
	r->budget -= (size_t)n;
	memcpy(&r->client, from, sizeof(r->client));
	r->have_client = 1;
	(void)uv_udp_try_send(&r->back, &out, 1, (const struct sockaddr *)&r->target);
}

static void relay_back(uv_udp_t *h, ssize_t n, const uv_buf_t *b, const struct sockaddr *from,
                       unsigned flags)
{
	struct relay *r = h->data;
	uv_buf_t out = uv_buf_init(b->base, (unsigned)(n > 0 ? n : 0));

	(void)flags;
	(void)from;
	if (n <= 0 || !r->have_client || r->budget == 0)
		return;
	(void)uv_udp_try_send(&r->front, &out, 1, (const struct sockaddr *)&r->client);
}

static uint16_t relay_start(struct relay *r, uv_loop_t *loop, uint16_t target_port)
{
	struct sockaddr_in6 any;
	struct sockaddr_storage ss;
	int len = sizeof(ss);

	memset(r, 0, sizeof(*r));
	r->budget = 150 * 1024;
	CHECK(uv_ip6_addr("::1", 0, &any) == 0);
	CHECK(uv_ip6_addr("::1", target_port, &r->target) == 0);
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

/* Bytes the sender holds unacknowledged on its streams to node (all its connections). */
static uint64_t held_for(struct hm_stoq_endpoint *ep, const uint8_t node[HM_NODE_ID_LEN])
{
	uint64_t held = 0;

	for (struct hm_stoq_conn *c = ep->conns; c != NULL; c = c->next) {
		if (!c->peer_known || memcmp(c->peer_id, node, HM_NODE_ID_LEN) != 0)
			continue;
		for (struct hm_stoq_stream *st = c->streams; st != NULL; st = st->next)
			if (!st->plain)
				held += hm_stoq_stream_buffered(st);
	}
	return held;
}

/*
 * A peer that stops acknowledging mid-message: the others are delivered
 * while it is still in progress, and the sender never holds more than one
 * window (plus record overhead) for it. Then the timeout names it.
 */
static void test_stalled_peer_bounded(void)
{
	struct world w;
	struct hm_stoq_broadcast_peer peers[NRECV];
	struct relay r;
	uint64_t held, max_held = 0;
	int others_first = 0;

	world_init(&w);
	memset(peers, 0, sizeof(peers));
	for (int i = 0; i < NRECV; i++) {
		memcpy(peers[i].node_id, w.rx[i].node, HM_NODE_ID_LEN);
		peers[i].host = "::1";
		peers[i].port = hm_stoq_endpoint_port(w.rx[i].ep);
	}
	peers[0].port = relay_start(&r, &w.loop, peers[0].port);
	CHECK_ERR(start(&w, peers, NRECV, 3000), HM_OK);
	w.timed_out = 0;
	uv_timer_start(&w.guard, on_guard, 8000, 0);
	while (!w.done && !w.timed_out) {
		uv_run(&w.loop, UV_RUN_ONCE);
		held = w.done ? 0 : held_for(w.sender, w.rx[0].node);
		if (held > max_held)
			max_held = held;
		if (w.reported[1] && w.reported[2] && !w.reported[0])
			others_first = 1;
	}
	uv_timer_stop(&w.guard);
	CHECK(!w.timed_out);
	CHECK_EQ(w.done, 1);
	CHECK(others_first);
	CHECK_ERR(w.results[0], HM_ERR_IO);
	CHECK_ERR(w.results[1], HM_OK);
	CHECK_ERR(w.results[2], HM_OK);
	CHECK(r.budget == 0);    /* the relay did cut the peer off */
	CHECK(max_held > 16384); /* the stalled stream did hold part of the message */
	CHECK(max_held <= HM_STOQ_BROADCAST_WINDOW + HM_STOQ_BROADCAST_WINDOW / 16);
	fprintf(stderr, "stalled peer: at most %llu bytes held (window %zu, message %zu)\n",
	        (unsigned long long)max_held, HM_STOQ_BROADCAST_WINDOW, (size_t)MSG_LEN);
	CHECK_EQ(w.rx[1].got, 1);
	CHECK_EQ(w.rx[2].got, 1);
	CHECK_EQ(w.rx[0].got, 0);
	uv_close((uv_handle_t *)&r.front, NULL);
	uv_close((uv_handle_t *)&r.back, NULL);
	world_free(&w);
}

TEST_MAIN(test_one_peer_down, test_stalled_peer_bounded, test_typed_failures,
          test_cancel_from_callback, test_bad_arguments)
