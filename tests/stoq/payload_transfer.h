/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One transfer for the datagram-size tests (test_udp_payload, test_pmtu):
 * a client endpoint sends PT_SIZE bytes over one stream to a server endpoint
 * on 127.0.0.1, in one process, and the server checks them byte for byte.
 * Each side's config is the default (PQ layer on) plus the max_udp_payload
 * given; the stats and the client's chosen datagram size are kept.
 */
#ifndef HYPERMESH_TESTS_STOQ_PAYLOAD_TRANSFER_H
#define HYPERMESH_TESTS_STOQ_PAYLOAD_TRANSFER_H

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "hypermesh/keystore.h"
#include "hypermesh/stoq.h"
#include "test.h"

#define PT_SIZE  ((size_t)3 << 20)
#define PT_PIECE ((size_t)256 << 10)

struct pt {
	uv_loop_t loop;
	uv_timer_t guard;
	int timed_out;
	struct hm_identity sid, cid;
	struct hm_stoq_endpoint *server, *client;
	struct hm_stoq_conn *conn;
	struct hm_stoq_stream *tx;
	uint8_t *data;
	size_t written, rx_len;
	int ready, rx_fin, rx_bad;
	/* results */
	struct hm_stoq_stats client_stats, server_stats;
	size_t client_payload; /* hm_stoq_conn_max_udp_payload at the end */
};

/* 1: both endpoints send packet by packet and read with libuv's reader (GSO and GRO off). */
static int pt_plain_sockets;
/* 1: stop once the connection is ready (the handshake alone; nothing is sent). */
static int pt_handshake_only;

static uint8_t pt_byte(size_t i)
{
	return (uint8_t)((i * 2654435761u) >> 13);
}

static void pt_on_guard(uv_timer_t *t)
{
	((struct pt *)t->data)->timed_out = 1;
}

static void pt_rx(struct hm_stoq_stream *s, const uint8_t *data, size_t len, int fin, void *user)
{
	struct pt *p = user;
	size_t i;

	(void)s;
	for (i = 0; i < len; i++)
		if (p->rx_len + i >= PT_SIZE || data[i] != pt_byte(p->rx_len + i))
			p->rx_bad = 1;
	p->rx_len += len;
	if (fin)
		p->rx_fin = 1;
}

static void pt_on_stream(struct hm_stoq_conn *c, struct hm_stoq_stream *s, void *user)
{
	static const struct hm_stoq_stream_callbacks cb = { .on_data = pt_rx };

	(void)c;
	hm_stoq_stream_set_callbacks(s, &cb, user);
}

static void pt_on_ready(struct hm_stoq_conn *c, void *user)
{
	struct pt *p = user;

	p->conn = c;
	p->ready = 1;
}

static void pt_fill(struct pt *p)
{
	while (p->written < PT_SIZE && hm_stoq_stream_buffered(p->tx) < 4 * PT_PIECE) {
		size_t n = PT_SIZE - p->written < PT_PIECE ? PT_SIZE - p->written : PT_PIECE;

		CHECK_ERR(hm_stoq_stream_write(p->tx, p->data + p->written, n,
		                               p->written + n == PT_SIZE),
		          HM_OK);
		p->written += n;
	}
}

static void pt_drained(struct hm_stoq_stream *s, void *user)
{
	(void)s;
	pt_fill(user);
}

static int pt_run(struct pt *p, const int *flag, uint64_t ms)
{
	p->timed_out = 0;
	uv_timer_start(&p->guard, pt_on_guard, ms, 0);
	while (!*flag && !p->timed_out)
		uv_run(&p->loop, UV_RUN_ONCE);
	uv_timer_stop(&p->guard);
	return *flag;
}

/*
 * Runs the transfer; 1 if every byte arrived intact. client_payload and
 * server_payload are the two configs' max_udp_payload (0 = automatic).
 */
static int pt_transfer(struct pt *p, size_t client_payload, size_t server_payload)
{
	static const struct hm_stoq_stream_callbacks txcb = { .on_drained = pt_drained };
	struct hm_stoq_config cfg;
	uint8_t node[HM_NODE_ID_LEN];
	size_t i;
	int ok = 0;

	memset(p, 0, sizeof(*p));
	CHECK(uv_loop_init(&p->loop) == 0);
	uv_timer_init(&p->loop, &p->guard);
	p->guard.data = p;
	p->data = malloc(PT_SIZE);
	CHECK(p->data != NULL);
	if (p->data == NULL)
		return 0;
	for (i = 0; i < PT_SIZE; i++)
		p->data[i] = pt_byte(i);
	CHECK_ERR(hm_identity_generate(&p->sid), HM_OK);
	CHECK_ERR(hm_identity_generate(&p->cid), HM_OK);
	hm_identity_node_id(&p->sid, node);

	hm_stoq_config_default(&cfg);
	cfg.identity = &p->sid;
	cfg.port = 0;
	cfg.bind_addr = "127.0.0.1";
	cfg.accept = 1;
	cfg.user = p;
	cfg.max_udp_payload = server_payload;
	cfg.disable_gso = cfg.disable_gro = pt_plain_sockets;
	cfg.callbacks.on_stream = pt_on_stream;
	CHECK_ERR(hm_stoq_endpoint_new(&p->loop, &cfg, &p->server), HM_OK);

	hm_stoq_config_default(&cfg);
	cfg.identity = &p->cid;
	cfg.port = 0;
	cfg.bind_addr = "127.0.0.1";
	cfg.user = p;
	cfg.max_udp_payload = client_payload;
	cfg.disable_gso = cfg.disable_gro = pt_plain_sockets;
	cfg.callbacks.on_ready = pt_on_ready;
	CHECK_ERR(hm_stoq_endpoint_new(&p->loop, &cfg, &p->client), HM_OK);
	if (p->server == NULL || p->client == NULL)
		goto out;
	CHECK_ERR(hm_stoq_connect(p->client, "127.0.0.1", hm_stoq_endpoint_port(p->server), node,
	                          NULL, NULL),
	          HM_OK);
	CHECK(pt_run(p, &p->ready, 10000));
	if (!p->ready)
		goto out;
	if (pt_handshake_only) {
		ok = 1;
		goto stats;
	}
	CHECK_ERR(hm_stoq_stream_open(p->conn, 1, &txcb, p, &p->tx), HM_OK);
	if (p->tx == NULL)
		goto out;
	pt_fill(p);
	CHECK(pt_run(p, &p->rx_fin, 20000));
	CHECK_EQ(p->rx_len, PT_SIZE);
	CHECK(!p->rx_bad);
	ok = p->rx_fin && p->rx_len == PT_SIZE && !p->rx_bad;
stats:
	p->client_payload = hm_stoq_conn_max_udp_payload(p->conn);
	hm_stoq_endpoint_stats(p->client, &p->client_stats);
	hm_stoq_endpoint_stats(p->server, &p->server_stats);
out:
	hm_stoq_endpoint_close(p->client);
	hm_stoq_endpoint_close(p->server);
	uv_close((uv_handle_t *)&p->guard, NULL);
	uv_run(&p->loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&p->loop), 0);
	hm_identity_wipe(&p->sid);
	hm_identity_wipe(&p->cid);
	free(p->data);
	p->data = NULL;
	return ok;
}

#endif
