/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One client-to-server transfer over a single STOQ stream on 127.0.0.1,
 * for the tests that push bulk data through an endpoint pair
 * (test_bulk.c, test_alloc.c): two endpoints on one loop, a guard timer,
 * the receiving side collecting into a caller-allocated buffer, and the
 * sender writing 256 KiB pieces while under 4 MiB unacknowledged, as an
 * application with backpressure does.
 */
#ifndef HYPERMESH_TEST_STOQ_XFER_FIXTURE_H
#define HYPERMESH_TEST_STOQ_XFER_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "hypermesh/keystore.h"
#include "hypermesh/stoq.h"
#include "test.h"

#define XFER_WRITE_SIZE ((size_t)256 << 10)
#define XFER_IN_FLIGHT  ((uint64_t)4 << 20)

struct xfer {
	uv_loop_t loop;
	uv_timer_t guard;
	int timed_out;
	struct hm_identity server_id, client_id;
	uint8_t server_node[HM_NODE_ID_LEN];
	struct hm_stoq_endpoint *server, *client;
	struct hm_stoq_conn *conn;
	int ready, server_ready;
	/* the transfer, client to server: size bytes of data into rx (the caller's) */
	const uint8_t *data;
	size_t size, written;
	struct hm_stoq_stream *tx;
	uint8_t *rx;
	size_t rx_len;
	int rx_fin, rx_overflow, tx_drained;
};

static inline void xfer_on_guard(uv_timer_t *t)
{
	((struct xfer *)t->data)->timed_out = 1;
}

/* Runs the loop until *flag is set or ms pass; returns *flag. */
static inline int xfer_run_until(struct xfer *x, const int *flag, uint64_t ms)
{
	x->timed_out = 0;
	uv_timer_start(&x->guard, xfer_on_guard, ms, 0);
	while (!*flag && !x->timed_out)
		uv_run(&x->loop, UV_RUN_ONCE);
	uv_timer_stop(&x->guard);
	return *flag;
}

static inline void xfer_rx_data(struct hm_stoq_stream *s, const uint8_t *data, size_t len, int fin,
                                void *user)
{
	struct xfer *x = user;

	(void)s;
	if (x->rx_len + len > x->size) {
		x->rx_overflow = 1;
		return;
	}
	if (len > 0)
		memcpy(x->rx + x->rx_len, data, len);
	x->rx_len += len;
	if (fin)
		x->rx_fin = 1;
}

static inline void xfer_srv_on_stream(struct hm_stoq_conn *c, struct hm_stoq_stream *s, void *user)
{
	static const struct hm_stoq_stream_callbacks cb = { .on_data = xfer_rx_data };

	(void)c;
	hm_stoq_stream_set_callbacks(s, &cb, user);
}

static inline void xfer_srv_on_ready(struct hm_stoq_conn *c, void *user)
{
	(void)c;
	((struct xfer *)user)->server_ready = 1;
}

static inline void xfer_cli_on_ready(struct hm_stoq_conn *c, void *user)
{
	struct xfer *x = user;

	x->conn = c;
	x->ready = 1;
}

static inline void xfer_tx_fill(struct xfer *x)
{
	while (x->written < x->size && hm_stoq_stream_buffered(x->tx) < XFER_IN_FLIGHT) {
		size_t n = x->size - x->written < XFER_WRITE_SIZE ? x->size - x->written
		                                                  : XFER_WRITE_SIZE;

		CHECK_ERR(hm_stoq_stream_write(x->tx, x->data + x->written, n,
		                               x->written + n == x->size),
		          HM_OK);
		x->written += n;
	}
}

static inline void xfer_tx_drained(struct hm_stoq_stream *s, void *user)
{
	struct xfer *x = user;

	(void)s;
	if (x->written == x->size)
		x->tx_drained = 1;
	else
		xfer_tx_fill(x);
}

/* The sender's stream callbacks: refill on drain. */
static const struct hm_stoq_stream_callbacks xfer_tx_callbacks = { .on_drained = xfer_tx_drained };

static inline void xfer_config(struct xfer *x, struct hm_stoq_config *cfg, int server, int pq_off,
                               int no_gso, int no_gro)
{
	hm_stoq_config_default(cfg);
	cfg->port = 0;
	cfg->user = x;
	cfg->pq = pq_off ? HM_STOQ_PQ_OFF : HM_STOQ_PQ_REQUIRED;
	cfg->disable_gso = no_gso;
	cfg->disable_gro = no_gro;
	/* Network-sized datagrams: the tests count per packet (64 KiB ones: test_udp_payload). */
	cfg->max_udp_payload = 1452;
	cfg->bind_addr = "127.0.0.1";
	if (server) {
		cfg->identity = &x->server_id;
		cfg->accept = 1;
		cfg->callbacks.on_stream = xfer_srv_on_stream;
		cfg->callbacks.on_ready = xfer_srv_on_ready;
	} else {
		cfg->identity = &x->client_id;
		cfg->callbacks.on_ready = xfer_cli_on_ready;
	}
}

static inline void xfer_init(struct xfer *x)
{
	memset(x, 0, sizeof(*x));
	CHECK(uv_loop_init(&x->loop) == 0);
	CHECK_ERR(hm_identity_generate(&x->server_id), HM_OK);
	CHECK_ERR(hm_identity_generate(&x->client_id), HM_OK);
	hm_identity_node_id(&x->server_id, x->server_node);
	uv_timer_init(&x->loop, &x->guard);
	x->guard.data = x;
}

/*
 * Opens both endpoints with these settings and connects the client; returns
 * once the client is ready (x->conn) or 5 s passed (checked).
 */
static inline void xfer_connect(struct xfer *x, int pq_off, int no_gso, int no_gro)
{
	struct hm_stoq_config scfg, ccfg;

	xfer_config(x, &scfg, 1, pq_off, no_gso, no_gro);
	xfer_config(x, &ccfg, 0, pq_off, no_gso, no_gro);
	CHECK_ERR(hm_stoq_endpoint_new(&x->loop, &scfg, &x->server), HM_OK);
	CHECK_ERR(hm_stoq_endpoint_new(&x->loop, &ccfg, &x->client), HM_OK);
	CHECK_ERR(hm_stoq_connect(x->client, "127.0.0.1", hm_stoq_endpoint_port(x->server),
	                          x->server_node, NULL, NULL),
	          HM_OK);
	CHECK(xfer_run_until(x, &x->ready, 5000));
}

/* Closes what is open, runs the loop dry, wipes the identities. rx stays the caller's. */
static inline void xfer_free(struct xfer *x)
{
	hm_stoq_endpoint_close(x->client);
	hm_stoq_endpoint_close(x->server);
	uv_close((uv_handle_t *)&x->guard, NULL);
	uv_run(&x->loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&x->loop), 0);
	hm_identity_wipe(&x->server_id);
	hm_identity_wipe(&x->client_id);
}

#endif
