/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Validators' persistent PQ keys (bft_pqkeys.h): the key file and the
 * genesis list, their refusals, and the pinning rule over real STOQ
 * connections on loopback: a validator presenting a PQ key other than the
 * one the validator set lists is refused in the PQ step.
 */
#define _GNU_SOURCE /* mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "hypermesh/bft_pqkeys.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/file.h"
#include "hypermesh/keystore.h"
#include "hypermesh/sig.h"
#include "hypermesh/stoq.h"
#include "test.h"

static char dir[256];
static uint8_t pk[3][HM_BFT_PQ_PK_LEN], sk[3][HM_BFT_PQ_SK_LEN];

static void path(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static void setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/hm-bft-pq-XXXXXX", base && *base ? base : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	for (int i = 0; i < 3; i++)
		CHECK_ERR(hm_bft_pq_keygen(pk[i], sk[i]), HM_OK);
}

static void rm(const char *name)
{
	char p[512];

	path(p, sizeof(p), name);
	unlink(p);
}

static void test_key_file(void)
{
	char p[512];
	uint8_t lpk[HM_BFT_PQ_PK_LEN], lsk[HM_BFT_PQ_SK_LEN];
	struct hm_buf b;

	setup();
	path(p, sizeof(p), "node.pq.key");
	CHECK_ERR(hm_bft_pq_key_save(p, pk[0], sk[0]), HM_OK);
	CHECK_ERR(hm_bft_pq_key_save(p, pk[1], sk[1]), HM_ERR_EXISTS); /* never overwritten */
	CHECK_ERR(hm_bft_pq_key_load(p, lpk, lsk), HM_OK);
	CHECK_MEM(lpk, pk[0], HM_BFT_PQ_PK_LEN);
	CHECK_MEM(lsk, sk[0], HM_BFT_PQ_SK_LEN);
	/* Damaged files: each refused, the secret key wiped. */
	hm_buf_init(&b);
	CHECK_ERR(hm_file_read(p, 1 << 20, &b), HM_OK);
	{
		struct {
			size_t at;
			uint8_t x;
			size_t len;
			int want;
		} bad[] = {
			{ 0, 0x01, 0, HM_ERR_CORRUPT },     /* magic */
			{ 4, 0x02, 0, HM_ERR_CORRUPT },     /* version */
			{ 6, 0x07, 0, HM_ERR_UNSUPPORTED }, /* algorithm */
			{ 7 + 5, 0x01, 0, HM_ERR_CORRUPT }, /* public key of another pair */
			{ 0, 0, HM_BFT_PQ_KEY_FILE_LEN - 1, HM_ERR_CORRUPT }, /* truncated */
			{ 0, 0, 3, HM_ERR_CORRUPT },
		};
		char q[512];

		path(q, sizeof(q), "bad.key");
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			b.data[bad[i].at] ^= bad[i].x;
			rm("bad.key");
			CHECK_ERR(hm_file_write_atomic(q, b.data, bad[i].len ? bad[i].len : b.len,
			                               0600, HM_FILE_NO_CLOBBER),
			          HM_OK);
			memset(lsk, 0x5a, sizeof(lsk));
			CHECK_ERR(hm_bft_pq_key_load(q, lpk, lsk), bad[i].want);
			CHECK(lsk[0] == 0 && lsk[HM_BFT_PQ_SK_LEN - 1] == 0);
			b.data[bad[i].at] ^= bad[i].x;
		}
		rm("bad.key");
	}
	path(p, sizeof(p), "missing.key");
	CHECK_ERR(hm_bft_pq_key_load(p, lpk, lsk), HM_ERR_NOT_FOUND);
	hm_buf_free(&b);
	rm("node.pq.key");
}

static void write_text(const char *name, const char *text)
{
	char p[512];

	rm(name);
	path(p, sizeof(p), name);
	CHECK_ERR(hm_file_write_atomic(p, text, strlen(text), 0644, HM_FILE_NO_CLOBBER), HM_OK);
}

static void test_validators_file(void)
{
	char p[512], err[128], *text, hex[2 * HM_BFT_PQ_PK_LEN + 1];
	uint8_t got[3][HM_BFT_PQ_PK_LEN];
	size_t cap = 4 * sizeof(hex) + 256;

	path(p, sizeof(p), "validators.pq");
	rm("validators.pq");
	CHECK_ERR(hm_bft_pq_validators_save(p, 3, (const uint8_t(*)[HM_BFT_PQ_PK_LEN])pk, 0),
	          HM_OK);
	CHECK_ERR(hm_bft_pq_validators_load(p, 3, got, err, sizeof(err)), HM_OK);
	CHECK_MEM(got, pk, sizeof(got));
	/* The set must have exactly as many validators as the file. */
	CHECK_ERR(hm_bft_pq_validators_load(p, 2, got, err, sizeof(err)), HM_ERR_INVALID);
	CHECK(strstr(err, "more validators") != NULL);
	CHECK_ERR(hm_bft_pq_validators_load(p, 4, got, err, sizeof(err)), HM_ERR_INVALID);
	CHECK(strstr(err, "fewer validators") != NULL);
	text = malloc(cap);
	CHECK_ERR(hm_hex_encode(hex, sizeof(hex), pk[0], HM_BFT_PQ_PK_LEN), HM_OK);
	{
		/* Up to two lines: prefix, then that many hex digits of pk[0]. */
		static const struct {
			const char *p1;
			size_t h1;
			const char *p2;
			size_t h2;
			const char *want;
		} bad[] = {
			{ "1 ", 2 * HM_BFT_PQ_PK_LEN, NULL, 0, "0..n-1 in order" },
			{ "0 ", 2 * HM_BFT_PQ_PK_LEN, "0 ", 2 * HM_BFT_PQ_PK_LEN,
			  "0..n-1 in order" },
			{ "0 ", 2 * HM_BFT_PQ_PK_LEN, "1 ", 2 * HM_BFT_PQ_PK_LEN, "same key" },
			{ "x ", 2 * HM_BFT_PQ_PK_LEN, NULL, 0, "0..n-1 in order" },
			{ "0", 2 * HM_BFT_PQ_PK_LEN, NULL, 0, "INDEX PUBLIC_KEY_HEX" },
			{ "0 ", 100, NULL, 0, "not a hex" },
			{ "0 zz", 2 * HM_BFT_PQ_PK_LEN, NULL, 0, "not a hex" },
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			snprintf(text, cap, "%s%.*s\n%s%.*s%s", bad[i].p1, (int)bad[i].h1, hex,
			         bad[i].p2 ? bad[i].p2 : "", (int)bad[i].h2, hex,
			         bad[i].p2 ? "\n" : "");
			write_text("bad.pq", text);
			path(p, sizeof(p), "bad.pq");
			CHECK_ERR(hm_bft_pq_validators_load(p, 2, got, err, sizeof(err)),
			          HM_ERR_INVALID);
			if (strstr(err, bad[i].want) == NULL) {
				fprintf(stderr, "case %zu: %s\n", i, err);
				CHECK(0);
			}
		}
	}
	/* Comments, blank lines and CRLF are fine. */
	snprintf(text, cap, "# keys\r\n\r\n0 %s\r\n", hex);
	write_text("ok.pq", text);
	path(p, sizeof(p), "ok.pq");
	CHECK_ERR(hm_bft_pq_validators_load(p, 1, got, err, sizeof(err)), HM_OK);
	CHECK_MEM(got[0], pk[0], HM_BFT_PQ_PK_LEN);
	free(text);
	rm("bad.pq");
	rm("ok.pq");
	rm("validators.pq");
}

/* ---- the pinning rule on real STOQ connections ---- */

struct world {
	uv_loop_t loop;
	uv_timer_t guard;
	int timed_out, ready, closed;
	int close_err;
	struct hm_bft_pq_pins pins;
};

static int check_pins(const uint8_t node_id[HM_NODE_ID_LEN],
                      const uint8_t key_id[HM_STOQ_PQ_KEY_ID_LEN], void *user)
{
	struct world *w = user;

	return hm_bft_pq_pins_check(&w->pins, node_id, key_id, NULL);
}

static void on_ready(struct hm_stoq_conn *c, void *user)
{
	struct world *w = user;

	(void)c;
	w->ready++;
}

static void on_closed(struct hm_stoq_conn *c, int err, uint64_t code, void *user)
{
	struct world *w = user;

	(void)c;
	(void)code;
	w->closed++;
	w->close_err = err;
}

static void on_guard(uv_timer_t *t)
{
	struct world *w = t->data;

	w->timed_out = 1;
}

/*
 * A server pinning validator 1 (the client's identity) to pk[1] sees the
 * client present pq key client_key: connected only when it is pk[1].
 */
static int connect_with(int client_key)
{
	struct world w;
	struct hm_identity sid, cid;
	struct hm_stoq_config sc, cc;
	struct hm_stoq_endpoint *srv = NULL, *cli = NULL;
	struct hm_stoq_conn *conn;
	uint8_t snode[HM_NODE_ID_LEN];
	int ok;

	memset(&w, 0, sizeof(w));
	CHECK(uv_loop_init(&w.loop) == 0);
	uv_timer_init(&w.loop, &w.guard);
	w.guard.data = &w;
	CHECK_ERR(hm_identity_generate(&sid), HM_OK);
	CHECK_ERR(hm_identity_generate(&cid), HM_OK);
	hm_identity_node_id(&sid, snode);
	/* The validator set: 0 is the server (pk[0]), 1 the client (pk[1]). */
	w.pins.n = 2;
	memcpy(w.pins.node_id[0], snode, HM_NODE_ID_LEN);
	hm_identity_node_id(&cid, w.pins.node_id[1]);
	hm_stoq_pq_key_id(HM_SIG_MLDSA87, pk[0], HM_BFT_PQ_PK_LEN, w.pins.key_id[0]);
	hm_stoq_pq_key_id(HM_SIG_MLDSA87, pk[1], HM_BFT_PQ_PK_LEN, w.pins.key_id[1]);

	hm_stoq_config_default(&sc);
	sc.identity = &sid;
	sc.bind_addr = "127.0.0.1";
	sc.port = 0;
	sc.accept = 1;
	sc.user = &w;
	sc.callbacks.on_closed = on_closed;
	sc.pq_sig_alg = HM_SIG_MLDSA87;
	sc.pq_pk = pk[0];
	sc.pq_pk_len = HM_BFT_PQ_PK_LEN;
	sc.pq_sk = sk[0];
	sc.pq_sk_len = HM_BFT_PQ_SK_LEN;
	sc.pq_check = check_pins;
	hm_stoq_config_default(&cc);
	cc.identity = &cid;
	cc.port = 0;
	cc.user = &w;
	cc.callbacks.on_ready = on_ready;
	cc.callbacks.on_closed = on_closed;
	cc.pq_sig_alg = HM_SIG_MLDSA87;
	cc.pq_pk = pk[client_key];
	cc.pq_pk_len = HM_BFT_PQ_PK_LEN;
	cc.pq_sk = sk[client_key];
	cc.pq_sk_len = HM_BFT_PQ_SK_LEN;
	CHECK_ERR(hm_stoq_endpoint_new(&w.loop, &sc, &srv), HM_OK);
	CHECK_ERR(hm_stoq_endpoint_new(&w.loop, &cc, &cli), HM_OK);
	CHECK_ERR(hm_stoq_connect(cli, "127.0.0.1", hm_stoq_endpoint_port(srv), snode, NULL, &conn),
	          HM_OK);
	uv_timer_start(&w.guard, on_guard, 10000, 0);
	while (w.ready == 0 && w.closed == 0 && !w.timed_out)
		uv_run(&w.loop, UV_RUN_ONCE);
	uv_timer_stop(&w.guard);
	CHECK(!w.timed_out);
	ok = w.ready > 0;
	hm_stoq_endpoint_close(cli);
	hm_stoq_endpoint_close(srv);
	uv_close((uv_handle_t *)&w.guard, NULL);
	uv_run(&w.loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&w.loop), 0);
	hm_identity_wipe(&sid);
	hm_identity_wipe(&cid);
	return ok;
}

static void test_pinned_over_stoq(void)
{
	struct hm_bft_pq_pins pins;
	uint8_t a[32] = { 1 }, b[32] = { 2 }, k[32] = { 3 };
	uint16_t who;

	/* The rule alone. */
	memset(&pins, 0, sizeof(pins));
	pins.n = 1;
	memcpy(pins.node_id[0], a, 32);
	memcpy(pins.key_id[0], k, 32);
	CHECK_ERR(hm_bft_pq_pins_check(&pins, a, k, &who), HM_OK);
	CHECK_EQ(who, 0);
	CHECK_ERR(hm_bft_pq_pins_check(&pins, a, b, &who), HM_ERR_VERIFY);
	CHECK_ERR(hm_bft_pq_pins_check(&pins, b, b, &who), HM_OK); /* a client */
	CHECK_EQ(who, UINT16_MAX);
	/* Over STOQ: the genesis key connects, another key of the same validator does not. */
	CHECK(connect_with(1));
	CHECK(!connect_with(2));
	rmdir(dir);
}

TEST_MAIN(test_key_file, test_validators_file, test_pinned_over_stoq)
