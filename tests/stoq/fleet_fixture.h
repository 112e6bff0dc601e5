/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One sender and a fleet of receivers on ::1, each receiver serving STOQ
 * RPC with the test's handler, for the broadcast tests
 * (test_broadcast.c, test_sendmmsg.c): opening them on one loop and
 * closing everything again.
 */
#ifndef HYPERMESH_TEST_STOQ_FLEET_FIXTURE_H
#define HYPERMESH_TEST_STOQ_FLEET_FIXTURE_H

#include <string.h>
#include <uv.h>

#include "hypermesh/keystore.h"
#include "hypermesh/stoq.h"
#include "test.h"

struct fleet_receiver {
	struct hm_identity id;
	uint8_t node[HM_NODE_ID_LEN];
	struct hm_stoq_endpoint *ep;
	struct hm_stoq_rpc_service svc; /* svc.user is the receiver */
	int got, intact;                /* the test's handler counts here */
};

static inline void fleet_rx_on_stream(struct hm_stoq_conn *c, struct hm_stoq_stream *s, void *user)
{
	(void)c;
	CHECK_ERR(hm_stoq_rpc_serve_stream(s, &((struct fleet_receiver *)user)->svc), HM_OK);
}

/* A receiver with a fresh identity, listening on ::1 (any port), answering with handler. */
static inline void fleet_receiver_open(uv_loop_t *loop, struct fleet_receiver *r,
                                       hm_stoq_rpc_handler handler, size_t max_body)
{
	struct hm_stoq_config cfg;

	CHECK_ERR(hm_identity_generate(&r->id), HM_OK);
	hm_identity_node_id(&r->id, r->node);
	r->svc.handler = handler;
	r->svc.user = r;
	r->svc.max_body = max_body;
	hm_stoq_config_default(&cfg);
	cfg.identity = &r->id;
	cfg.port = 0;
	cfg.bind_addr = "::1";
	cfg.max_udp_payload = 1452; /* counts are of network-sized datagrams */
	cfg.accept = 1;
	cfg.user = r;
	cfg.callbacks.on_stream = fleet_rx_on_stream;
	CHECK_ERR(hm_stoq_endpoint_new(loop, &cfg, &r->ep), HM_OK);
}

/* The sender: a fresh identity sid, on ::1; handshake_timeout_ms 0 keeps the default. */
static inline void fleet_sender_open(uv_loop_t *loop, struct hm_identity *sid, void *user,
                                     uint32_t handshake_timeout_ms, struct hm_stoq_endpoint **out)
{
	struct hm_stoq_config cfg;

	CHECK_ERR(hm_identity_generate(sid), HM_OK);
	hm_stoq_config_default(&cfg);
	cfg.identity = sid;
	cfg.port = 0;
	cfg.bind_addr = "::1";
	cfg.max_udp_payload = 1452; /* counts are of network-sized datagrams */
	cfg.user = user;
	if (handshake_timeout_ms != 0)
		cfg.handshake_timeout_ms = handshake_timeout_ms;
	CHECK_ERR(hm_stoq_endpoint_new(loop, &cfg, out), HM_OK);
}

/* Closes the sender, the n receivers and the guard timer, runs loop dry, wipes the keys. */
static inline void fleet_close(uv_loop_t *loop, uv_timer_t *guard, struct hm_stoq_endpoint *sender,
                               struct hm_identity *sid, struct fleet_receiver *rx, size_t n)
{
	hm_stoq_endpoint_close(sender);
	for (size_t i = 0; i < n; i++) {
		hm_stoq_endpoint_close(rx[i].ep);
		hm_identity_wipe(&rx[i].id);
	}
	uv_close((uv_handle_t *)guard, NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(loop), 0);
	hm_identity_wipe(sid);
}

#endif
