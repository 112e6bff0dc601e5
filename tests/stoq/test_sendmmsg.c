/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Write passes over many connections leave in one sendmmsg (endpoint.c):
 * a broadcast to NRECV established connections makes one send system call
 * (the endpoint's send_calls) for datagrams to NRECV addresses, and every
 * receiver gets the message intact; a server that reads requests from
 * NRECV clients in one batch answers them all in one pass. Then the socket is made to misbehave:
 * this file defines sendmmsg, so the library's calls land here (the
 * executable's symbol comes first) and some are cut short (a partial send)
 * or refused with EAGAIN; every message refused must be the next one sent,
 * in order, and none may go missing.
 */
#define _GNU_SOURCE /* sendmmsg, syscall */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <uv.h>

#include "hypermesh/keystore.h"
#include "hypermesh/stoq.h"
#include "test.h"

#define NRECV   8
#define MSG_MAX (300 * 1024 + 17)

/* ---- the socket, seen from the test ---- */

/*
 * A message's identity: its first packet's first bytes (encrypted packets
 * differ). Not its length: packets written while the socket is blocked may
 * join the last message waiting, behind the ones it held, which keeps order.
 */
struct fingerprint {
	uint8_t head[32];
};

#define REFUSED_MAX 256
#define SOCKETS_MAX 16

/* Per socket: the messages refused so far, which must go out next, in order. */
struct refused {
	int fd;
	struct fingerprint msgs[REFUSED_MAX];
	size_t n;
};

static struct {
	int faults;               /* 1: cut some calls short, refuse some with EAGAIN */
	unsigned calls;           /* sendmmsg calls seen */
	unsigned partial, eagain; /* faults injected */
	struct refused sockets[SOCKETS_MAX];
	size_t nsockets;
	unsigned out_of_order, overflow;
} sock;

static struct refused *refused_of(int fd)
{
	for (size_t i = 0; i < sock.nsockets; i++)
		if (sock.sockets[i].fd == fd)
			return &sock.sockets[i];
	if (sock.nsockets == SOCKETS_MAX)
		return NULL;
	sock.sockets[sock.nsockets].fd = fd;
	sock.sockets[sock.nsockets].n = 0;
	return &sock.sockets[sock.nsockets++];
}

/* Refused messages not sent yet, on every socket. */
static size_t refused_waiting(void)
{
	size_t n = 0;

	for (size_t i = 0; i < sock.nsockets; i++)
		n += sock.sockets[i].n;
	return n;
}

static void fingerprint(const struct mmsghdr *m, struct fingerprint *f)
{
	const struct iovec *iov = m->msg_hdr.msg_iov;

	memset(f, 0, sizeof(*f));
	memcpy(f->head, iov[0].iov_base,
	       iov[0].iov_len < sizeof(f->head) ? iov[0].iov_len : sizeof(f->head));
}

/* Messages [from, n) were not sent: they must come next, in this order. */
static void remember_refused(struct refused *r, const struct mmsghdr *v, unsigned from, unsigned n)
{
	if (r == NULL) {
		sock.overflow++;
		return;
	}
	for (unsigned i = from; i < n; i++) {
		struct fingerprint f;
		size_t j;
		int known = 0;

		fingerprint(&v[i], &f);
		/* Offered again after an earlier refusal: already in the list. */
		for (j = 0; j < r->n; j++)
			known |= memcmp(&r->msgs[j], &f, sizeof(f)) == 0;
		if (known)
			continue;
		if (r->n == REFUSED_MAX) {
			sock.overflow++;
			continue;
		}
		r->msgs[r->n++] = f;
	}
}

/* Messages [0, n) went out: the refused ones must lead, in order. */
static void check_sent(struct refused *r, const struct mmsghdr *v, unsigned n)
{
	for (unsigned i = 0; r != NULL && i < n && r->n > 0; i++) {
		struct fingerprint f;

		fingerprint(&v[i], &f);
		if (memcmp(&f, &r->msgs[0], sizeof(f)) != 0) {
			sock.out_of_order++;
			return;
		}
		memmove(r->msgs, r->msgs + 1, (r->n - 1) * sizeof(r->msgs[0]));
		r->n--;
	}
}

int sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags);
int sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags)
{
	struct refused *r = refused_of(fd);
	unsigned int take = n;
	long rv;

	sock.calls++;
	if (sock.faults && n > 0) {
		if (sock.calls % 5 == 0) {
			sock.eagain++;
			remember_refused(r, v, 0, n);
			errno = EAGAIN;
			return -1;
		}
		if (sock.calls % 3 == 0 && n > 1) {
			sock.partial++;
			take = n / 2;
		}
	}
	rv = syscall(SYS_sendmmsg, fd, v, take, flags);
	if (rv > 0) {
		check_sent(r, v, (unsigned)rv);
		if ((unsigned)rv < n)
			remember_refused(r, v, (unsigned)rv, n);
	}
	return (int)rv;
}

/* ---- the broadcast ---- */

struct receiver {
	struct hm_identity id;
	uint8_t node[HM_NODE_ID_LEN];
	struct hm_stoq_endpoint *ep;
	struct hm_stoq_rpc_service svc;
	int got, intact;
};

struct world {
	uv_loop_t loop;
	uv_timer_t guard;
	int timed_out;
	struct hm_identity sid;
	struct hm_stoq_endpoint *sender;
	struct receiver rx[NRECV];
	struct hm_stoq_broadcast_peer peers[NRECV];
	uint8_t *msg;
	int done;
	size_t delivered;
};

static uint8_t pattern(size_t i, int round)
{
	return (uint8_t)(i * 131 + (i >> 9) + (size_t)round);
}

static int g_round;
static size_t g_len; /* this round's message length */

static void handler(struct hm_stoq_conn *c, struct hm_stoq_rpc_server *call,
                    const struct hm_stoq_frame *req, void *user)
{
	struct receiver *r = user;

	(void)c;
	(void)call;
	r->got++;
	r->intact = req->body_len == g_len;
	for (size_t i = 0; r->intact && i < g_len; i++)
		r->intact = req->body[i] == pattern(i, g_round);
}

static void rx_on_stream(struct hm_stoq_conn *c, struct hm_stoq_stream *s, void *user)
{
	(void)c;
	CHECK_ERR(hm_stoq_rpc_serve_stream(s, &((struct receiver *)user)->svc), HM_OK);
}

static void on_done(struct hm_stoq_broadcast *b, size_t delivered, void *user)
{
	struct world *w = user;

	(void)b;
	w->done++;
	w->delivered = delivered;
}

static void on_guard(uv_timer_t *t)
{
	((struct world *)t->data)->timed_out = 1;
}

static void world_init(struct world *w)
{
	struct hm_stoq_config cfg;

	memset(w, 0, sizeof(*w));
	CHECK(uv_loop_init(&w->loop) == 0);
	uv_timer_init(&w->loop, &w->guard);
	w->guard.data = w;
	w->msg = malloc(MSG_MAX);
	CHECK(w->msg != NULL);
	for (int i = 0; i < NRECV; i++) {
		struct receiver *r = &w->rx[i];

		CHECK_ERR(hm_identity_generate(&r->id), HM_OK);
		hm_identity_node_id(&r->id, r->node);
		r->svc.handler = handler;
		r->svc.user = r;
		r->svc.max_body = MSG_MAX;
		hm_stoq_config_default(&cfg);
		cfg.identity = &r->id;
		cfg.port = 0;
		cfg.bind_addr = "::1";
		cfg.max_udp_payload = 1452; /* counts below are of network-sized datagrams */
		cfg.accept = 1;
		cfg.user = r;
		cfg.callbacks.on_stream = rx_on_stream;
		CHECK_ERR(hm_stoq_endpoint_new(&w->loop, &cfg, &r->ep), HM_OK);
		memcpy(w->peers[i].node_id, r->node, HM_NODE_ID_LEN);
		w->peers[i].host = "::1";
		w->peers[i].port = hm_stoq_endpoint_port(r->ep);
	}
	CHECK_ERR(hm_identity_generate(&w->sid), HM_OK);
	hm_stoq_config_default(&cfg);
	cfg.identity = &w->sid;
	cfg.port = 0;
	cfg.bind_addr = "::1";
	cfg.max_udp_payload = 1452;
	cfg.user = w;
	CHECK_ERR(hm_stoq_endpoint_new(&w->loop, &cfg, &w->sender), HM_OK);
}

static void world_free(struct world *w)
{
	hm_stoq_endpoint_close(w->sender);
	for (int i = 0; i < NRECV; i++) {
		hm_stoq_endpoint_close(w->rx[i].ep);
		hm_identity_wipe(&w->rx[i].id);
	}
	uv_close((uv_handle_t *)&w->guard, NULL);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&w->loop), 0);
	hm_identity_wipe(&w->sid);
	free(w->msg);
}

/* Broadcasts round's message to every receiver and runs the loop until all have it. */
static void broadcast(struct world *w, int round, size_t len, struct hm_stoq_stats *before,
                      struct hm_stoq_stats *after)
{
	struct hm_stoq_broadcast_request req = {
		.service = "test",
		.method = "gossip",
		.body = w->msg,
		.body_len = len,
		.peers = w->peers,
		.npeers = NRECV,
		.timeout_ms = 15000,
		.on_done = on_done,
		.user = w,
	};
	int all;

	g_round = round;
	g_len = len;
	for (size_t i = 0; i < len; i++)
		w->msg[i] = pattern(i, round);
	for (int i = 0; i < NRECV; i++)
		w->rx[i].got = w->rx[i].intact = 0;
	w->done = 0;
	hm_stoq_endpoint_stats(w->sender, before);
	CHECK_ERR(hm_stoq_broadcast(w->sender, &req, NULL), HM_OK);
	hm_stoq_endpoint_stats(w->sender, after);
	w->timed_out = 0;
	uv_timer_start(&w->guard, on_guard, 20000, 0);
	do {
		uv_run(&w->loop, UV_RUN_ONCE);
		all = w->done;
		for (int i = 0; i < NRECV; i++)
			all &= w->rx[i].got;
	} while (!all && !w->timed_out);
	uv_timer_stop(&w->guard);
	CHECK(!w->timed_out);
	CHECK_EQ(w->delivered, NRECV);
	for (int i = 0; i < NRECV; i++) {
		CHECK_EQ(w->rx[i].got, 1);
		CHECK(w->rx[i].intact);
	}
}

/* Established connections: one broadcast's first flight is one send call. */
static void test_one_call_per_pass(void)
{
	struct world w;
	struct hm_stoq_stats before, after;

	world_init(&w);
	/* Round 1 connects (handshakes, one connection at a time as they answer). */
	broadcast(&w, 1, MSG_MAX, &before, &after);
	CHECK_EQ(hm_stoq_endpoint_conn_count(w.sender), NRECV);
	/* A small message: a few packets to each of NRECV addresses, in one sendmmsg. */
	broadcast(&w, 2, 6000, &before, &after);
	CHECK(after.tx_datagrams - before.tx_datagrams >= NRECV);
	CHECK_EQ(after.send_calls - before.send_calls, 1);
	/*
	 * A large one: what the windows allow to all of them fills the send
	 * queue (STOQ_TX_BUF) a few times over, still far fewer calls than
	 * one per connection and burst.
	 */
	broadcast(&w, 3, MSG_MAX, &before, &after);
	printf("%d connections, %zu-byte broadcast: %llu datagrams in %llu send calls inside the "
	       "call\n",
	       NRECV, (size_t)MSG_MAX,
	       (unsigned long long)(after.tx_datagrams - before.tx_datagrams),
	       (unsigned long long)(after.send_calls - before.send_calls));
	CHECK(after.tx_datagrams - before.tx_datagrams >= 4 * NRECV);
	CHECK(after.send_calls - before.send_calls < NRECV);
	hm_stoq_endpoint_stats(w.sender, &before);
	printf("sender, whole test: %llu datagrams in %llu send calls\n",
	       (unsigned long long)before.tx_datagrams, (unsigned long long)before.send_calls);
	CHECK(before.send_calls < before.tx_datagrams / 4);
	world_free(&w);
}

/* Partial sends and EAGAIN: nothing refused is lost or reordered, everything arrives. */
static void test_partial_and_eagain(void)
{
	struct world w;
	struct hm_stoq_stats before, after, rx;
	uint64_t blocked = 0;

	world_init(&w);
	memset(&sock, 0, sizeof(sock));
	sock.faults = 1;
	broadcast(&w, 4, MSG_MAX, &before, &after);
	broadcast(&w, 5, MSG_MAX, &before, &after);
	sock.faults = 0;
	CHECK(sock.eagain > 0);
	CHECK(sock.partial > 0);
	CHECK_EQ(sock.out_of_order, 0);
	CHECK_EQ(sock.overflow, 0);
	/* Every refused message went out later (nothing is waiting now). */
	CHECK_EQ(refused_waiting(), 0);
	hm_stoq_endpoint_stats(w.sender, &after);
	blocked += after.send_blocked;
	for (int i = 0; i < NRECV; i++) {
		hm_stoq_endpoint_stats(w.rx[i].ep, &rx);
		blocked += rx.send_blocked;
	}
	CHECK(blocked > 0);
	world_free(&w);
}

/* ---- a server answering many clients ---- */

struct client {
	struct hm_identity id;
	struct hm_stoq_endpoint *ep;
	struct hm_stoq_conn *conn;
	int replies, intact;
	uint8_t body[64];
};

struct farm {
	uv_loop_t loop;
	uv_timer_t guard;
	int timed_out;
	struct hm_identity sid;
	uint8_t snode[HM_NODE_ID_LEN];
	struct hm_stoq_endpoint *server;
	struct hm_stoq_rpc_service svc;
	struct client cl[NRECV];
};

static void echo(struct hm_stoq_conn *c, struct hm_stoq_rpc_server *call,
                 const struct hm_stoq_frame *req, void *user)
{
	(void)c;
	(void)user;
	if (call != NULL)
		CHECK_ERR(hm_stoq_rpc_respond(call, req->body, req->body_len), HM_OK);
}

static void farm_on_stream(struct hm_stoq_conn *c, struct hm_stoq_stream *s, void *user)
{
	(void)c;
	CHECK_ERR(hm_stoq_rpc_serve_stream(s, &((struct farm *)user)->svc), HM_OK);
}

static void client_on_ready(struct hm_stoq_conn *c, void *user)
{
	((struct client *)user)->conn = c;
}

static void on_reply(struct hm_stoq_rpc_call *call, int err, const uint8_t *body, size_t len,
                     const uint8_t *msg, size_t msg_len, void *user)
{
	struct client *cl = user;

	(void)call;
	(void)msg;
	(void)msg_len;
	cl->replies++;
	cl->intact = err == HM_OK && len == sizeof(cl->body) && memcmp(body, cl->body, len) == 0;
}

/* Runs the farm's loop until every client has `want` replies (or `want` 0: is connected). */
static int farm_run(struct farm *f, int want)
{
	int all;

	f->timed_out = 0;
	uv_timer_start(&f->guard, on_guard, 10000, 0);
	do {
		uv_run(&f->loop, UV_RUN_ONCE);
		all = 1;
		for (int i = 0; i < NRECV; i++)
			all &= want == 0 ? f->cl[i].conn != NULL : f->cl[i].replies == want;
	} while (!all && !f->timed_out);
	uv_timer_stop(&f->guard);
	return all;
}

static void calls(struct farm *f, uint8_t round)
{
	struct hm_stoq_rpc_request req = { .service = "test", .method = "echo" };

	for (int i = 0; i < NRECV; i++) {
		struct client *cl = &f->cl[i];

		memset(cl->body, round ^ (uint8_t)i, sizeof(cl->body));
		req.body = cl->body;
		req.body_len = sizeof(cl->body);
		if (cl->conn != NULL)
			CHECK_ERR(hm_stoq_rpc_call(cl->conn, &req, on_reply, cl, NULL), HM_OK);
	}
}

/*
 * NRECV clients each send a request before the server's loop runs: the
 * server reads them in one recvmmsg batch and answers all of them in one
 * write pass, in fewer send calls than clients (one, unless the requests
 * took more than one recvmmsg).
 */
static void test_server_answers_many_in_one_pass(void)
{
	struct farm f;
	struct hm_stoq_config cfg;
	struct hm_stoq_stats before, after;

	memset(&f, 0, sizeof(f));
	CHECK(uv_loop_init(&f.loop) == 0);
	uv_timer_init(&f.loop, &f.guard);
	f.guard.data = &f;
	f.svc.handler = echo;
	CHECK_ERR(hm_identity_generate(&f.sid), HM_OK);
	hm_identity_node_id(&f.sid, f.snode);
	hm_stoq_config_default(&cfg);
	cfg.identity = &f.sid;
	cfg.port = 0;
	cfg.bind_addr = "::1";
	cfg.accept = 1;
	cfg.user = &f;
	cfg.callbacks.on_stream = farm_on_stream;
	CHECK_ERR(hm_stoq_endpoint_new(&f.loop, &cfg, &f.server), HM_OK);
	for (int i = 0; i < NRECV && f.server != NULL; i++) {
		struct client *cl = &f.cl[i];

		CHECK_ERR(hm_identity_generate(&cl->id), HM_OK);
		hm_stoq_config_default(&cfg);
		cfg.identity = &cl->id;
		cfg.port = 0;
		cfg.bind_addr = "::1";
		cfg.user = cl;
		cfg.callbacks.on_ready = client_on_ready;
		CHECK_ERR(hm_stoq_endpoint_new(&f.loop, &cfg, &cl->ep), HM_OK);
		CHECK_ERR(hm_stoq_connect(cl->ep, "::1", hm_stoq_endpoint_port(f.server), f.snode,
		                          NULL, NULL),
		          HM_OK);
	}
	CHECK(farm_run(&f, 0));
	/* A first round warms the connections (streams, windows). */
	calls(&f, 1);
	CHECK(farm_run(&f, 1));
	/* Let the acknowledgements of that round settle. */
	f.timed_out = 0;
	uv_timer_start(&f.guard, on_guard, 100, 0);
	while (!f.timed_out)
		uv_run(&f.loop, UV_RUN_ONCE);
	calls(&f, 2);
	hm_stoq_endpoint_stats(f.server, &before);
	/* One loop iteration: the server reads the requests and answers. */
	uv_run(&f.loop, UV_RUN_ONCE);
	hm_stoq_endpoint_stats(f.server, &after);
	printf("server: %d requests read as %llu datagrams, answered with %llu datagrams in %llu "
	       "send calls\n",
	       NRECV, (unsigned long long)(after.rx_datagrams - before.rx_datagrams),
	       (unsigned long long)(after.tx_datagrams - before.tx_datagrams),
	       (unsigned long long)(after.send_calls - before.send_calls));
	CHECK(after.tx_datagrams - before.tx_datagrams >= NRECV);
	CHECK(after.send_calls - before.send_calls < NRECV / 2);
	CHECK(farm_run(&f, 2));
	for (int i = 0; i < NRECV; i++)
		CHECK(f.cl[i].intact);
	for (int i = 0; i < NRECV; i++) {
		hm_stoq_endpoint_close(f.cl[i].ep);
		hm_identity_wipe(&f.cl[i].id);
	}
	hm_stoq_endpoint_close(f.server);
	uv_close((uv_handle_t *)&f.guard, NULL);
	uv_run(&f.loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&f.loop), 0);
	hm_identity_wipe(&f.sid);
}

TEST_MAIN(test_one_call_per_pass, test_server_answers_many_in_one_pass, test_partial_and_eagain)
