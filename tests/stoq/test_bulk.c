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
#include "xfer_fixture.h"

#define BULK_SIZE ((size_t)6 << 20)

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
	uint8_t want[HM_SHA256_LEN], got[HM_SHA256_LEN];
	struct hm_stoq_stats st;
	struct xfer b;
	uint8_t *data = pattern(BULK_SIZE);

	CHECK(data != NULL);
	if (data == NULL)
		return;
	xfer_init(&b);
	b.data = data;
	b.size = BULK_SIZE;
	b.rx = malloc(BULK_SIZE);
	CHECK(b.rx != NULL);
	xfer_connect(&b, pq_off, no_gso, no_gro);
	CHECK(xfer_run_until(&b, &b.server_ready, 5000));
	if (b.conn != NULL && b.rx != NULL) {
		CHECK_ERR(hm_stoq_stream_open(b.conn, 1, &xfer_tx_callbacks, &b, &b.tx), HM_OK);
		xfer_tx_fill(&b);
		CHECK(xfer_run_until(&b, &b.rx_fin, 20000));
		CHECK(xfer_run_until(&b, &b.tx_drained, 5000));
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
	xfer_free(&b);
	free(b.rx);
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
	struct xfer b;

	xfer_init(&b);
	b.rx = malloc(1);
	xfer_connect(&b, pq_off, 0, 0);
	if (b.conn != NULL) {
		CHECK_ERR(hm_stoq_stream_open(b.conn, 1, &xfer_tx_callbacks, &b, &b.tx), HM_OK);
		CHECK_ERR(hm_stoq_stream_write(b.tx, NULL, 0, 1), HM_OK);
		CHECK_ERR(hm_stoq_stream_write(b.tx, NULL, 0, 1), HM_ERR_INVALID);
		CHECK(xfer_run_until(&b, &b.rx_fin, 5000));
		CHECK_EQ(b.rx_len, 0);
	}
	xfer_free(&b);
	free(b.rx);
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
	struct xfer b;
	int fd, i;

	/*
	 * Long-header bytes with an impossible connection-id length: every
	 * datagram is counted and then dropped, none can start a connection.
	 */
	memset(junk, 0xff, sizeof(junk));
	memset(&to, 0, sizeof(to));
	xfer_init(&b);
	xfer_config(&b, &cfg, 1, 0, 0, no_gro);
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
	xfer_free(&b);
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
