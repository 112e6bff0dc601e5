/* SPDX-License-Identifier: Apache-2.0 */
/*
 * STOQ's fast path on loopback: UDP GRO receive (coalesced datagrams of
 * different sizes are cut back into the datagrams that were sent), and bulk
 * transfers of several MB, byte-exact by SHA-256, with every combination of
 * GSO/GRO on and off, with and without the PQ layer. The transfers run
 * through the paced burst writer, the timerfd wake-ups, the per-batch
 * processing of received packets and the flow-control window growth.
 */
#define _GNU_SOURCE /* libuv's POSIX types; UDP_SEGMENT, UDP_GRO */
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "hypermesh/hash.h"
#include "hypermesh/keystore.h"
#include "hypermesh/stoq.h"
#include "test.h"

#define BULK_SIZE ((size_t)6 << 20)

struct bulk {
	uv_loop_t loop;
	uv_timer_t guard;
	int timed_out;
	struct hm_identity server_id, client_id;
	uint8_t server_node[HM_NODE_ID_LEN];
	struct hm_stoq_endpoint *server, *client;
	struct hm_stoq_conn *conn;
	int ready, server_ready;
	/* the transfer, client to server */
	const uint8_t *data;
	size_t size, written;
	struct hm_stoq_stream *tx;
	uint8_t *rx;
	size_t rx_len;
	int rx_fin, rx_overflow, tx_drained;
};

static void on_guard(uv_timer_t *t)
{
	struct bulk *b = t->data;

	b->timed_out = 1;
}

static int run_until(struct bulk *b, const int *flag, uint64_t ms)
{
	b->timed_out = 0;
	uv_timer_start(&b->guard, on_guard, ms, 0);
	while (!*flag && !b->timed_out)
		uv_run(&b->loop, UV_RUN_ONCE);
	uv_timer_stop(&b->guard);
	return *flag;
}

static void rx_data(struct hm_stoq_stream *s, const uint8_t *data, size_t len, int fin, void *user)
{
	struct bulk *b = user;

	(void)s;
	if (b->rx_len + len > b->size) {
		b->rx_overflow = 1;
		return;
	}
	if (len > 0)
		memcpy(b->rx + b->rx_len, data, len);
	b->rx_len += len;
	if (fin)
		b->rx_fin = 1;
}

static void srv_on_stream(struct hm_stoq_conn *c, struct hm_stoq_stream *s, void *user)
{
	static const struct hm_stoq_stream_callbacks cb = { .on_data = rx_data };

	(void)c;
	hm_stoq_stream_set_callbacks(s, &cb, user);
}

static void srv_on_ready(struct hm_stoq_conn *c, void *user)
{
	struct bulk *b = user;

	(void)c;
	b->server_ready = 1;
}

static void cli_on_ready(struct hm_stoq_conn *c, void *user)
{
	struct bulk *b = user;

	b->conn = c;
	b->ready = 1;
}

/* Writes in 256 KiB pieces while under 4 MiB unacknowledged: backpressure as an application does.
 */
static void tx_fill(struct bulk *b)
{
	while (b->written < b->size && hm_stoq_stream_buffered(b->tx) < ((uint64_t)4 << 20)) {
		size_t n = b->size - b->written < (256 << 10) ? b->size - b->written : (256 << 10);

		CHECK_ERR(hm_stoq_stream_write(b->tx, b->data + b->written, n,
		                               b->written + n == b->size),
		          HM_OK);
		b->written += n;
	}
}

static void tx_drained(struct hm_stoq_stream *s, void *user)
{
	struct bulk *b = user;

	(void)s;
	if (b->written == b->size)
		b->tx_drained = 1;
	else
		tx_fill(b);
}

static void bulk_config(struct bulk *b, struct hm_stoq_config *cfg, int server, int pq_off,
                        int no_gso, int no_gro)
{
	hm_stoq_config_default(cfg);
	cfg->port = 0;
	cfg->user = b;
	cfg->pq = pq_off ? HM_STOQ_PQ_OFF : HM_STOQ_PQ_REQUIRED;
	cfg->disable_gso = no_gso;
	cfg->disable_gro = no_gro;
	/* Network-sized datagrams: many per GSO send and GRO batch (64 KiB ones: test_udp_payload).
	 */
	cfg->max_udp_payload = 1452;
	cfg->bind_addr = "127.0.0.1";
	if (server) {
		cfg->identity = &b->server_id;
		cfg->accept = 1;
		cfg->callbacks.on_stream = srv_on_stream;
		cfg->callbacks.on_ready = srv_on_ready;
	} else {
		cfg->identity = &b->client_id;
		cfg->callbacks.on_ready = cli_on_ready;
	}
}

static void bulk_init(struct bulk *b)
{
	memset(b, 0, sizeof(*b));
	CHECK(uv_loop_init(&b->loop) == 0);
	CHECK_ERR(hm_identity_generate(&b->server_id), HM_OK);
	CHECK_ERR(hm_identity_generate(&b->client_id), HM_OK);
	hm_identity_node_id(&b->server_id, b->server_node);
	uv_timer_init(&b->loop, &b->guard);
	b->guard.data = b;
}

static void bulk_free(struct bulk *b)
{
	hm_stoq_endpoint_close(b->client);
	hm_stoq_endpoint_close(b->server);
	uv_close((uv_handle_t *)&b->guard, NULL);
	uv_run(&b->loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&b->loop), 0);
	hm_identity_wipe(&b->server_id);
	hm_identity_wipe(&b->client_id);
	free(b->rx);
}

/* Deterministic bytes that differ at every offset (a shifted or repeated piece shows). */
static uint8_t *pattern(size_t n)
{
	uint8_t *p = malloc(n);
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	size_t i;

	if (p == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)x;
	}
	return p;
}

static void transfer(int pq_off, int no_gso, int no_gro)
{
	static const struct hm_stoq_stream_callbacks cb = { .on_drained = tx_drained };
	struct hm_stoq_config scfg, ccfg;
	uint8_t want[HM_SHA256_LEN], got[HM_SHA256_LEN];
	struct hm_stoq_stats st;
	struct bulk b;
	uint8_t *data = pattern(BULK_SIZE);

	CHECK(data != NULL);
	if (data == NULL)
		return;
	bulk_init(&b);
	b.data = data;
	b.size = BULK_SIZE;
	b.rx = malloc(BULK_SIZE);
	CHECK(b.rx != NULL);
	bulk_config(&b, &scfg, 1, pq_off, no_gso, no_gro);
	bulk_config(&b, &ccfg, 0, pq_off, no_gso, no_gro);
	CHECK_ERR(hm_stoq_endpoint_new(&b.loop, &scfg, &b.server), HM_OK);
	CHECK_ERR(hm_stoq_endpoint_new(&b.loop, &ccfg, &b.client), HM_OK);
	CHECK_ERR(hm_stoq_connect(b.client, "127.0.0.1", hm_stoq_endpoint_port(b.server),
	                          b.server_node, NULL, NULL),
	          HM_OK);
	CHECK(run_until(&b, &b.ready, 5000));
	CHECK(run_until(&b, &b.server_ready, 5000));
	if (b.conn != NULL && b.rx != NULL) {
		CHECK_ERR(hm_stoq_stream_open(b.conn, 1, &cb, &b, &b.tx), HM_OK);
		tx_fill(&b);
		CHECK(run_until(&b, &b.rx_fin, 20000));
		CHECK(run_until(&b, &b.tx_drained, 5000));
		CHECK_EQ(b.rx_overflow, 0);
		CHECK_EQ(b.rx_len, BULK_SIZE);
		hm_sha256(want, data, BULK_SIZE);
		hm_sha256(got, b.rx, b.rx_len);
		CHECK_MEM(got, want, sizeof(want));
		/* The payload crossed in far fewer datagrams than bytes / 1200: sane counters. */
		hm_stoq_endpoint_stats(b.server, &st);
		CHECK(st.rx_bytes > BULK_SIZE);
		CHECK(st.rx_datagrams > BULK_SIZE / 1500);
	}
	bulk_free(&b);
	free(data);
}

static void test_bulk_pq(void)
{
	transfer(0, 0, 0);
}

static void test_bulk_classical(void)
{
	transfer(1, 0, 0);
}

static void test_bulk_pq_without_gso(void)
{
	transfer(0, 1, 0);
}

static void test_bulk_pq_without_gro(void)
{
	transfer(0, 0, 1);
}

static void test_bulk_pq_without_gso_gro(void)
{
	transfer(0, 1, 1);
}

/* A stream that carries only its FIN, written as (NULL, 0): one empty final record. */
static void fin_only(int pq_off)
{
	static const struct hm_stoq_stream_callbacks cb = { .on_drained = tx_drained };
	struct hm_stoq_config scfg, ccfg;
	struct bulk b;

	bulk_init(&b);
	b.rx = malloc(1);
	bulk_config(&b, &scfg, 1, pq_off, 0, 0);
	bulk_config(&b, &ccfg, 0, pq_off, 0, 0);
	CHECK_ERR(hm_stoq_endpoint_new(&b.loop, &scfg, &b.server), HM_OK);
	CHECK_ERR(hm_stoq_endpoint_new(&b.loop, &ccfg, &b.client), HM_OK);
	CHECK_ERR(hm_stoq_connect(b.client, "127.0.0.1", hm_stoq_endpoint_port(b.server),
	                          b.server_node, NULL, NULL),
	          HM_OK);
	CHECK(run_until(&b, &b.ready, 5000));
	if (b.conn != NULL) {
		CHECK_ERR(hm_stoq_stream_open(b.conn, 1, &cb, &b, &b.tx), HM_OK);
		CHECK_ERR(hm_stoq_stream_write(b.tx, NULL, 0, 1), HM_OK);
		CHECK_ERR(hm_stoq_stream_write(b.tx, NULL, 0, 1), HM_ERR_INVALID);
		CHECK(run_until(&b, &b.rx_fin, 5000));
		CHECK_EQ(b.rx_len, 0);
	}
	bulk_free(&b);
}

static void test_fin_only_write_pq(void)
{
	fin_only(0);
}

static void test_fin_only_write_classical(void)
{
	fin_only(1);
}

/* Sends len bytes as datagrams of seg bytes in one UDP_SEGMENT sendmsg. */
static int send_segmented(int fd, const struct sockaddr *to, socklen_t to_len, const uint8_t *buf,
                          size_t len, uint16_t seg)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)buf, len };
	struct msghdr msg;
	struct cmsghdr *cm;

	memset(&msg, 0, sizeof(msg));
	memset(&ctl, 0, sizeof(ctl));
	msg.msg_name = (void *)to;
	msg.msg_namelen = to_len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
	return sendmsg(fd, &msg, 0) == (ssize_t)len ? 0 : -1;
}

/*
 * Whether this kernel hands a UDP_GRO socket a GSO send over loopback as
 * one coalesced buffer: if so, the endpoint test below really exercises the
 * cutting; if not, it still checks the counts (through plain datagrams).
 */
static int kernel_coalesces(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	uint8_t buf[4096], out[4096];
	int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0), on = 1;
	struct pollfd p;
	ssize_t n = -1;

	memset(buf, 0xff, sizeof(buf));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (rx >= 0 && tx >= 0 && setsockopt(rx, SOL_UDP, UDP_GRO, &on, sizeof(on)) == 0 &&
	    bind(rx, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(rx, (struct sockaddr *)&a, &alen) == 0 &&
	    send_segmented(tx, (struct sockaddr *)&a, sizeof(a), buf, 3 * 500, 500) == 0) {
		p.fd = rx;
		p.events = POLLIN;
		if (poll(&p, 1, 1000) == 1)
			n = recv(rx, out, sizeof(out), 0);
	}
	if (rx >= 0)
		close(rx);
	if (tx >= 0)
		close(tx);
	return n == 3 * 500;
}

/* ipv6: the endpoint is dual-stack on "::" and the datagrams come from ::1. */
static void gro_receive(int no_gro, int ipv6)
{
	struct hm_stoq_config cfg;
	struct hm_stoq_stats before, after;
	struct sockaddr_storage to;
	socklen_t to_len;
	uint8_t junk[8 * 1200];
	struct bulk b;
	int fd, i;

	/*
	 * Long-header bytes with an impossible connection-id length: every
	 * datagram is counted and then dropped, none can start a connection.
	 */
	memset(junk, 0xff, sizeof(junk));
	memset(&to, 0, sizeof(to));
	bulk_init(&b);
	bulk_config(&b, &cfg, 1, 0, 0, no_gro);
	if (ipv6)
		cfg.bind_addr = "::";
	CHECK_ERR(hm_stoq_endpoint_new(&b.loop, &cfg, &b.server), HM_OK);
	fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
	CHECK(fd >= 0);
	if (ipv6) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&to;

		a6->sin6_family = AF_INET6;
		a6->sin6_addr = in6addr_loopback;
		a6->sin6_port = htons(hm_stoq_endpoint_port(b.server));
		to_len = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&to;

		a4->sin_family = AF_INET;
		a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a4->sin_port = htons(hm_stoq_endpoint_port(b.server));
		to_len = sizeof(*a4);
	}
	hm_stoq_endpoint_stats(b.server, &before);
	/* 5 x 200 + 37 bytes, then 3 x 1200, then one lone 99-byte datagram. */
	CHECK_EQ(send_segmented(fd, (struct sockaddr *)&to, to_len, junk, 5 * 200 + 37, 200), 0);
	CHECK_EQ(send_segmented(fd, (struct sockaddr *)&to, to_len, junk, 3 * 1200, 1200), 0);
	CHECK(sendto(fd, junk, 99, 0, (struct sockaddr *)&to, to_len) == 99);
	for (i = 0; i < 200; i++) {
		hm_stoq_endpoint_stats(b.server, &after);
		if (after.rx_datagrams - before.rx_datagrams >= 10)
			break;
		uv_run(&b.loop, UV_RUN_NOWAIT);
		usleep(2000);
	}
	hm_stoq_endpoint_stats(b.server, &after);
	CHECK_EQ(after.rx_datagrams - before.rx_datagrams, 6 + 3 + 1);
	CHECK_EQ(after.rx_bytes - before.rx_bytes, 5 * 200 + 37 + 3 * 1200 + 99);
	CHECK_EQ(after.connections, 0);
	if (fd >= 0)
		close(fd);
	bulk_free(&b);
}

static void test_gro_receive_mixed_sizes(void)
{
	printf("     (kernel coalesces loopback GSO for UDP_GRO sockets: %s)\n",
	       kernel_coalesces() ? "yes" : "no");
	gro_receive(0, 0);
}

static void test_gro_receive_ipv6_dual_stack(void)
{
	gro_receive(0, 1);
}

static void test_receive_mixed_sizes_without_gro(void)
{
	gro_receive(1, 0);
}

TEST_MAIN(test_gro_receive_mixed_sizes, test_gro_receive_ipv6_dual_stack,
          test_receive_mixed_sizes_without_gro, test_bulk_pq, test_bulk_classical,
          test_bulk_pq_without_gso, test_bulk_pq_without_gro, test_bulk_pq_without_gso_gro,
          test_fin_only_write_pq, test_fin_only_write_classical)
