/* SPDX-License-Identifier: Apache-2.0 */
/*
 * STOQ on loopback, two endpoints on one libuv loop in one thread, beside
 * references measured in the same run on the same machine:
 *   - handshake (connect to ready, mutual TLS with pinning) vs nothing: it is
 *     reported as is;
 *   - small RPC round trip vs a plain UDP datagram ping-pong between two
 *     loopback sockets (kernel cost, no QUIC, no crypto);
 *   - bulk echo throughput vs plain TCP over loopback moving the same bytes
 *     one way (kernel TCP, no encryption).
 */
#define _GNU_SOURCE /* libuv's POSIX types */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "bench.h"
#include "hypermesh/error.h"
#include "hypermesh/keystore.h"
#include "hypermesh/stoq.h"

struct bench {
	uv_loop_t loop;
	struct hm_identity sid, cid;
	uint8_t server_node[HM_NODE_ID_LEN];
	struct hm_stoq_endpoint *server, *client;
	struct hm_stoq_rpc_service svc;
	struct hm_stoq_conn *conn;
	int ready, closed, replies, failures;
};

static void echo(struct hm_stoq_conn *c, struct hm_stoq_rpc_server *call,
                 const struct hm_stoq_frame *req, void *user)
{
	(void)c;
	(void)user;
	(void)hm_stoq_rpc_respond(call, req->body, req->body_len);
}

static void on_stream(struct hm_stoq_conn *c, struct hm_stoq_stream *s, void *user)
{
	struct bench *b = user;

	(void)c;
	(void)hm_stoq_rpc_serve_stream(s, &b->svc);
}

static void on_ready(struct hm_stoq_conn *c, void *user)
{
	struct bench *b = user;

	b->conn = c;
	b->ready++;
}

static void on_closed(struct hm_stoq_conn *c, int err, uint64_t code, void *user)
{
	struct bench *b = user;

	(void)c;
	(void)err;
	(void)code;
	b->closed++;
}

static void on_reply(struct hm_stoq_rpc_call *call, int err, const uint8_t *body, size_t len,
                     const uint8_t *msg, size_t msg_len, void *user)
{
	struct bench *b = user;

	(void)call;
	(void)body;
	(void)len;
	(void)msg;
	(void)msg_len;
	b->replies++;
	b->failures += err != HM_OK;
}

static void run_until(struct bench *b, const int *flag, int want)
{
	while (*flag < want)
		uv_run(&b->loop, UV_RUN_ONCE);
}

static int bench_open(struct bench *b, enum hm_stoq_pq_mode pq, int no_gso)
{
	struct hm_stoq_config scfg, ccfg;

	memset(b, 0, sizeof(*b));
	if (uv_loop_init(&b->loop) != 0 || hm_identity_generate(&b->sid) != HM_OK ||
	    hm_identity_generate(&b->cid) != HM_OK)
		return -1;
	hm_identity_node_id(&b->sid, b->server_node);
	b->svc.handler = echo;
	b->svc.max_body = (size_t)64 << 20;
	hm_stoq_config_default(&scfg);
	scfg.identity = &b->sid;
	scfg.bind_addr = "::1";
	scfg.port = 0;
	scfg.accept = 1;
	scfg.user = b;
	scfg.callbacks.on_stream = on_stream;
	scfg.pq = pq;
	scfg.disable_gso = no_gso;
	hm_stoq_config_default(&ccfg);
	ccfg.identity = &b->cid;
	ccfg.bind_addr = "::1";
	ccfg.port = 0;
	ccfg.user = b;
	ccfg.callbacks.on_ready = on_ready;
	ccfg.callbacks.on_closed = on_closed;
	ccfg.pq = pq;
	ccfg.disable_gso = no_gso;
	if (hm_stoq_endpoint_new(&b->loop, &scfg, &b->server) != HM_OK ||
	    hm_stoq_endpoint_new(&b->loop, &ccfg, &b->client) != HM_OK)
		return -1;
	return 0;
}

static void bench_connect(struct bench *b)
{
	int want = b->ready + 1;

	if (hm_stoq_connect(b->client, "::1", hm_stoq_endpoint_port(b->server), b->server_node,
	                    NULL, NULL) != HM_OK)
		abort();
	run_until(b, &b->ready, want);
}

static void handshake_once(void *arg)
{
	struct bench *b = arg;
	int want = b->closed + 1;

	bench_connect(b);
	hm_stoq_conn_close(b->conn, 0, NULL);
	run_until(b, &b->closed, want);
}

static size_t g_size;
static uint8_t *g_body;

static void call_once(void *arg)
{
	struct bench *b = arg;
	struct hm_stoq_rpc_request req = {
		.service = "bench",
		.method = "echo",
		.body = g_body,
		.body_len = g_size,
		.max_body = (size_t)64 << 20,
	};
	int want = b->replies + 1;

	if (hm_stoq_rpc_call(b->conn, &req, on_reply, b, NULL) != HM_OK)
		abort();
	run_until(b, &b->replies, want);
}

/* ---- references ---- */

struct udp_pair {
	int a, b;
	struct sockaddr_in6 aa, ba;
};

static int udp_socket(struct sockaddr_in6 *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	memset(addr, 0, sizeof(*addr));
	addr->sin6_family = AF_INET6;
	addr->sin6_addr = in6addr_loopback;
	if (fd < 0 || bind(fd, (struct sockaddr *)addr, sizeof(*addr)) != 0 ||
	    getsockname(fd, (struct sockaddr *)addr, &len) != 0)
		abort();
	return fd;
}

static void udp_pingpong(void *arg)
{
	struct udp_pair *p = arg;
	uint8_t buf[64] = { 0 };

	if (sendto(p->a, buf, sizeof(buf), 0, (struct sockaddr *)&p->ba, sizeof(p->ba)) < 0 ||
	    recv(p->b, buf, sizeof(buf), 0) < 0 ||
	    sendto(p->b, buf, sizeof(buf), 0, (struct sockaddr *)&p->aa, sizeof(p->aa)) < 0 ||
	    recv(p->a, buf, sizeof(buf), 0) < 0)
		abort();
}

struct tcp_pair {
	int tx, rx;
};

/* Moves g_size bytes through a loopback TCP connection, one thread, non-blocking. */
static void tcp_transfer(void *arg)
{
	struct tcp_pair *p = arg;
	static uint8_t sink[1 << 16];
	size_t sent = 0, got = 0;

	while (got < g_size) {
		struct pollfd fds[2] = { { p->tx, sent < g_size ? POLLOUT : 0, 0 },
			                 { p->rx, POLLIN, 0 } };
		ssize_t n;

		if (poll(fds, 2, 1000) <= 0)
			abort();
		if ((fds[0].revents & POLLOUT) &&
		    (n = send(p->tx, g_body + sent, g_size - sent, 0)) > 0)
			sent += (size_t)n;
		if ((fds[1].revents & POLLIN) && (n = recv(p->rx, sink, sizeof(sink), 0)) > 0)
			got += (size_t)n;
	}
}

static void tcp_open(struct tcp_pair *p)
{
	struct sockaddr_in6 addr;
	socklen_t len = sizeof(addr);
	int l = socket(AF_INET6, SOCK_STREAM, 0);

	memset(&addr, 0, sizeof(addr));
	addr.sin6_family = AF_INET6;
	addr.sin6_addr = in6addr_loopback;
	if (l < 0 || bind(l, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(l, 1) != 0 ||
	    getsockname(l, (struct sockaddr *)&addr, &len) != 0)
		abort();
	p->tx = socket(AF_INET6, SOCK_STREAM, 0);
	if (p->tx < 0 || connect(p->tx, (struct sockaddr *)&addr, sizeof(addr)) != 0)
		abort();
	p->rx = accept(l, NULL, NULL);
	if (p->rx < 0)
		abort();
	close(l);
	(void)fcntl(p->tx, F_SETFL, O_NONBLOCK);
	(void)fcntl(p->rx, F_SETFL, O_NONBLOCK);
}

static void bench_close(struct bench *b)
{
	hm_stoq_endpoint_close(b->client);
	hm_stoq_endpoint_close(b->server);
	uv_run(&b->loop, UV_RUN_DEFAULT);
	(void)uv_loop_close(&b->loop);
	hm_identity_wipe(&b->sid);
	hm_identity_wipe(&b->cid);
}

/* One mode (classical or with the PQ layer) beside the same references. */
static int bench_mode(enum hm_stoq_pq_mode pq, int no_gso, struct udp_pair *up, struct tcp_pair *tp)
{
	static const size_t bulk[] = { (size_t)1 << 20, (size_t)16 << 20 };
	const char *mode = no_gso ? "pq no-gso" : pq == HM_STOQ_PQ_OFF ? "classical" : "pq       ";
	struct bench b;
	double ns, ref;
	size_t i;
	int failures;

	if (bench_open(&b, pq, no_gso) != 0) {
		fprintf(stderr, "bench_stoq: cannot open endpoints on ::1\n");
		return 1;
	}
	ns = bench_median_ns(handshake_once, &b, 4);
	printf("stoq %s handshake to ready (mutual, pinned) %10.1f us\n", mode, ns / 1e3);
	bench_connect(&b);
	g_size = 64;
	ns = bench_median_ns(call_once, &b, 50);
	ref = bench_median_ns(udp_pingpong, up, 200);
	printf("stoq %s rpc echo 64 B round trip        %10.1f us   reference: UDP ping-pong "
	       "%.1f us\n",
	       mode, ns / 1e3, ref / 1e3);
	for (i = 0; i < sizeof(bulk) / sizeof(bulk[0]); i++) {
		g_size = bulk[i];
		ns = bench_median_ns(call_once, &b, 1);
		ref = bench_median_ns(tcp_transfer, tp, 1);
		/* The echo moves the body both ways: count both. */
		printf("stoq %s rpc echo %2zu MiB                 %10.1f MB/s  reference: TCP one "
		       "way %.1f MB/s\n",
		       mode, bulk[i] >> 20, 2.0 * (double)g_size / ns * 1e3,
		       (double)g_size / ref * 1e3);
	}
	failures = b.failures;
	printf("(%s: %d failed calls)\n", mode, failures);
	bench_close(&b);
	return failures != 0;
}

int main(void)
{
	struct udp_pair up;
	struct tcp_pair tp;
	int rc;

	g_body = malloc((size_t)16 << 20);
	if (g_body == NULL)
		return 1;
	memset(g_body, 0x5a, (size_t)16 << 20);
	up.a = udp_socket(&up.aa);
	up.b = udp_socket(&up.ba);
	tcp_open(&tp);
	rc = bench_mode(HM_STOQ_PQ_OFF, 0, &up, &tp);
	rc |= bench_mode(HM_STOQ_PQ_REQUIRED, 0, &up, &tp);
	rc |= bench_mode(HM_STOQ_PQ_REQUIRED, 1, &up, &tp); /* GSO's share */
	close(up.a);
	close(up.b);
	close(tp.tx);
	close(tp.rx);
	free(g_body);
	return rc;
}
