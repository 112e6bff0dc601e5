/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One node in process and STOQ clients on the same loop: consensus messages
 * are accepted only from the validator they name. Validator 1's connection
 * carries timeouts signed by validators 1, 2 and 3 (valid signatures, a
 * quorum): only validator 1's may count, so the view must not move. Then
 * validators 2 and 3 send their own over their own connections: now a
 * timeout certificate forms and the node enters view 2.
 */
#define _GNU_SOURCE /* mkdtemp; libuv's POSIX thread types */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "hypermesh/bft.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/node.h"
#include "hypermesh/stoq.h"
#include "test.h"

#define N 4

static struct hm_identity ids[N];
static struct hm_bft_validators vs;
static struct hm_node *node;
static uv_loop_t loop;
static uv_timer_t ticker;
static struct hm_stoq_endpoint *clients[N];
static int phase, ticks, ready[N];
static uint64_t view_after_spoof, view_after_genuine;

/* A timeout for view 1 by signer, over the genesis QC. */
static void timeout_msg(struct hm_buf *out, uint16_t signer)
{
	struct hm_bft_msg *m = calloc(1, sizeof(*m));
	struct hm_bft_block g;
	uint8_t sk[HM_BFT_SK_LEN], gh[HM_BFT_HASH_LEN];

	if (m == NULL)
		abort();
	hm_bft_genesis(&vs, &g, gh);
	memcpy(sk, ids[signer].sk, 32);
	memcpy(sk + 32, ids[signer].pk, 32);
	m->type = HM_BFT_MSG_TIMEOUT;
	m->u.timeout.view = 1;
	m->u.timeout.sender = signer;
	memcpy(m->u.timeout.high_qc.block, gh, HM_BFT_HASH_LEN);
	if (hm_bft_sign(&vs, HM_BFT_DOMAIN_TIMEOUT, sk, 1, NULL, 0, m->u.timeout.sig) != HM_OK)
		abort();
	hm_buf_truncate(out, 0);
	if (hm_bft_msg_encode(out, m) != HM_OK)
		abort();
	free(m);
}

static void send_timeout(struct hm_stoq_conn *c, uint16_t signer)
{
	struct hm_buf b;

	hm_buf_init(&b);
	timeout_msg(&b, signer);
	CHECK_EQ(hm_stoq_rpc_send_oneway(c, HM_NODE_BFT_SERVICE, HM_NODE_BFT_METHOD, b.data, b.len),
	         HM_OK);
	hm_buf_free(&b);
}

static void on_client_ready(struct hm_stoq_conn *c, void *user)
{
	uintptr_t who = (uintptr_t)user;

	ready[who] = 1;
	if (who == 1) {
		/* Validator 1 speaks for everyone: only its own may count. */
		send_timeout(c, 1);
		send_timeout(c, 2);
		send_timeout(c, 3);
	} else {
		send_timeout(c, (uint16_t)who);
	}
}

static void on_client_closed(struct hm_stoq_conn *c, int err, uint64_t app, void *user)
{
	(void)c;
	(void)err;
	(void)app;
	(void)user;
}

static void open_client(uint16_t who)
{
	struct hm_stoq_config sc;
	uint8_t pin[HM_NODE_ID_LEN];

	hm_stoq_config_default(&sc);
	sc.identity = &ids[who];
	sc.bind_addr = "127.0.0.1";
	sc.port = 0;
	sc.callbacks.on_ready = on_client_ready;
	sc.callbacks.on_closed = on_client_closed;
	sc.user = (void *)(uintptr_t)who;
	CHECK_EQ(hm_stoq_endpoint_new(&loop, &sc, &clients[who]), HM_OK);
	hm_identity_node_id(&ids[0], pin);
	CHECK_EQ(hm_stoq_connect(clients[who], "127.0.0.1", hm_node_stoq_port(node), pin, NULL,
	                         NULL),
	         HM_OK);
}

static void on_stopped(void *user)
{
	(void)user;
}

static void on_tick(uv_timer_t *t)
{
	struct hm_node_status st;

	(void)t;
	ticks++;
	hm_node_status(node, &st);
	if (phase == 0 && ready[1] && ticks >= 10) {
		/* Half a second after the spoofed timeouts went in. */
		view_after_spoof = st.view;
		phase = 1;
		open_client(2);
		open_client(3);
		ticks = 0;
	} else if (phase == 1 && (st.view >= 2 || ticks >= 60)) {
		view_after_genuine = st.view;
		phase = 2;
	}
	if (phase == 2 || ticks > 200) {
		uv_timer_stop(&ticker);
		uv_close((uv_handle_t *)&ticker, NULL);
		for (int i = 1; i < N; i++)
			hm_stoq_endpoint_close(clients[i]);
		hm_node_stop(node, on_stopped, NULL);
	}
}

static void test_sender_must_match_connection(void)
{
	char dir[256], path[300], err[HM_NODE_ERROR_MAX];
	uint8_t pks[N][HM_BFT_PK_LEN];
	struct hm_node_config cfg;
	const char *base = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/hm-node-XXXXXX", base && *base ? base : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.name, sizeof(cfg.name), "t0");
	snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s/data", dir);
	snprintf(cfg.key_file, sizeof(cfg.key_file), "%s/n0.key", dir);
	memcpy(cfg.chain_id, "node-test", 9);
	cfg.chain_id_len = 9;
	cfg.base_timeout_ms = 60000; /* the node itself must not time out during the test */
	cfg.min_block_interval_ms = 100;
	cfg.max_block_txs = 10;
	cfg.nvalidators = N;
	for (int i = 0; i < N; i++) {
		CHECK_EQ(hm_identity_generate(&ids[i]), HM_OK);
		memcpy(pks[i], ids[i].pk, HM_BFT_PK_LEN);
		memcpy(cfg.validators[i].pk, ids[i].pk, HM_BFT_PK_LEN);
		hm_identity_node_id(&ids[i], cfg.validators[i].node_id);
		snprintf(cfg.validators[i].stoq.host, HM_NODE_HOST_MAX, "127.0.0.1");
		cfg.validators[i].stoq.port = 9; /* nobody: the node's own dials just fail */
	}
	snprintf(cfg.stoq_listen.host, HM_NODE_HOST_MAX, "127.0.0.1");
	cfg.stoq_listen.port = 0;
	CHECK_EQ(hm_bft_validators_init(&vs, cfg.chain_id, cfg.chain_id_len, N,
	                                (const uint8_t(*)[HM_BFT_PK_LEN])pks),
	         HM_OK);
	CHECK_EQ(hm_keystore_save(cfg.key_file, &ids[0], 0), HM_OK);
	CHECK_EQ(uv_loop_init(&loop), 0);
	CHECK_EQ(hm_node_new(&node, &loop, &cfg, err, sizeof(err)), HM_OK);
	if (node == NULL) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	CHECK_EQ(hm_node_start(node, err, sizeof(err)), HM_OK);
	open_client(1);
	uv_timer_init(&loop, &ticker);
	uv_timer_start(&ticker, on_tick, 50, 50);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&loop), 0);
	CHECK_EQ(hm_node_failure(node), HM_OK);
	hm_node_free(node);

	CHECK_EQ(phase, 2);
	CHECK_EQ(view_after_spoof, 1);   /* spoofed timeouts dropped */
	CHECK_EQ(view_after_genuine, 2); /* genuine ones form a TC */
	for (int i = 0; i < N; i++)
		hm_identity_wipe(&ids[i]);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		fprintf(stderr, "  could not remove %s\n", dir);
}

TEST_MAIN(test_sender_must_match_connection)
