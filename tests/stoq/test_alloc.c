/* SPDX-License-Identifier: Apache-2.0 */
/*
 * No heap allocation per packet on STOQ's hot path: a 50 MB transfer over
 * one stream (PQ record layer on, then classical) is counted with an
 * allocator hook, and the allocations made while it runs, in the whole
 * process (STOQ, ngtcp2, GnuTLS, libuv), must be a small fraction of the
 * packets that crossed. The hook: this executable defines malloc and its
 * siblings, which the dynamic linker then resolves for every library, and
 * forwards them to glibc's own entry points (__libc_malloc...). Sanitizer
 * builds bring their own allocator; there the transfer runs and is checked
 * but nothing is counted (the test says so).
 *
 * Measured (50 MB, ~37,700 packets both ways): 24-30 allocations with or
 * without the PQ layer, 27-30 with GSO and GRO off (~42,200 packets): the
 * first 16 send-queue chunks (4 MiB in flight in 256 KiB writes; later
 * writes reuse acknowledged chunks from the endpoint's pool) and ~10
 * growths of ngtcp2's internal tables as the window opens. Before the
 * pool: 212 (one per write). The bound below (one allocation per 500
 * packets) fails on that.
 */
#define _GNU_SOURCE /* libuv's POSIX types */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "hypermesh/keystore.h"
#include "hypermesh/stoq.h"
#include "test.h"

#define TRANSFER_SIZE         ((size_t)50 << 20)
#define WRITE_SIZE            ((size_t)256 << 10)
/* At most one allocation per this many packets (the measured value is printed). */
#define PACKETS_PER_ALLOC_MIN 500

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ALLOC_HOOK 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || \
        __has_feature(thread_sanitizer)
#define ALLOC_HOOK 0
#endif
#endif
#ifndef ALLOC_HOOK
#define ALLOC_HOOK 1
#endif

/*
 * volatile: the compiler knows malloc by name and assumes it reads no user
 * globals, so it may move or drop plain stores to these around the calls.
 */
static volatile int g_counting;
static void *volatile g_sink; /* keeps the compiler from eliding test_hook_counts' malloc */
static volatile unsigned long g_allocs;

#if ALLOC_HOOK
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void *__libc_memalign(size_t align, size_t n);
void __libc_free(void *p);

void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
void *aligned_alloc(size_t align, size_t n);
int posix_memalign(void **out, size_t align, size_t n);
void free(void *p);

void *malloc(size_t n)
{
	g_allocs += (unsigned long)g_counting;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	g_allocs += (unsigned long)g_counting;
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	g_allocs += (unsigned long)g_counting;
	return __libc_realloc(p, n);
}

void *aligned_alloc(size_t align, size_t n)
{
	g_allocs += (unsigned long)g_counting;
	return __libc_memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	g_allocs += (unsigned long)g_counting;
	if (align < sizeof(void *) || (align & (align - 1)) != 0)
		return EINVAL;
	p = __libc_memalign(align, n);
	if (p == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}

void free(void *p)
{
	__libc_free(p);
}
#endif

struct world {
	uv_loop_t loop;
	uv_timer_t guard;
	int timed_out;
	struct hm_identity server_id, client_id;
	uint8_t server_node[HM_NODE_ID_LEN];
	struct hm_stoq_endpoint *server, *client;
	struct hm_stoq_conn *conn;
	int ready, server_ready;
	const uint8_t *data;
	size_t written;
	struct hm_stoq_stream *tx;
	uint8_t *rx;
	size_t rx_len;
	int rx_fin, rx_overflow;
};

static void on_guard(uv_timer_t *t)
{
	((struct world *)t->data)->timed_out = 1;
}

static int run_until(struct world *w, const int *flag, uint64_t ms)
{
	w->timed_out = 0;
	uv_timer_start(&w->guard, on_guard, ms, 0);
	while (!*flag && !w->timed_out)
		uv_run(&w->loop, UV_RUN_ONCE);
	uv_timer_stop(&w->guard);
	return *flag;
}

static void rx_data(struct hm_stoq_stream *s, const uint8_t *data, size_t len, int fin, void *user)
{
	struct world *w = user;

	(void)s;
	if (w->rx_len + len > TRANSFER_SIZE) {
		w->rx_overflow = 1;
		return;
	}
	memcpy(w->rx + w->rx_len, data, len);
	w->rx_len += len;
	w->rx_fin |= fin;
}

static void srv_on_stream(struct hm_stoq_conn *c, struct hm_stoq_stream *s, void *user)
{
	static const struct hm_stoq_stream_callbacks cb = { .on_data = rx_data };

	(void)c;
	hm_stoq_stream_set_callbacks(s, &cb, user);
}

static void srv_on_ready(struct hm_stoq_conn *c, void *user)
{
	(void)c;
	((struct world *)user)->server_ready = 1;
}

static void cli_on_ready(struct hm_stoq_conn *c, void *user)
{
	struct world *w = user;

	w->conn = c;
	w->ready = 1;
}

/* 256 KiB writes while under 4 MiB unacknowledged, as an application does. */
static void tx_fill(struct world *w)
{
	while (w->written < TRANSFER_SIZE && hm_stoq_stream_buffered(w->tx) < ((uint64_t)4 << 20)) {
		size_t n = TRANSFER_SIZE - w->written < WRITE_SIZE ? TRANSFER_SIZE - w->written
		                                                   : WRITE_SIZE;

		CHECK_ERR(hm_stoq_stream_write(w->tx, w->data + w->written, n,
		                               w->written + n == TRANSFER_SIZE),
		          HM_OK);
		w->written += n;
	}
}

static void tx_drained(struct hm_stoq_stream *s, void *user)
{
	(void)s;
	tx_fill(user);
}

static int g_plain_sockets; /* 1: GSO and GRO off (packet by packet, libuv's reader) */

static void config(struct world *w, struct hm_stoq_config *cfg, int server, int pq_off)
{
	hm_stoq_config_default(cfg);
	cfg->port = 0;
	cfg->user = w;
	cfg->pq = pq_off ? HM_STOQ_PQ_OFF : HM_STOQ_PQ_REQUIRED;
	cfg->bind_addr = "127.0.0.1";
	cfg->disable_gso = cfg->disable_gro = g_plain_sockets;
	/* Network-sized datagrams: the bound is per packet, and loopback's 64 KiB ones are few. */
	cfg->max_udp_payload = 1452;
	if (server) {
		cfg->identity = &w->server_id;
		cfg->accept = 1;
		cfg->callbacks.on_stream = srv_on_stream;
		cfg->callbacks.on_ready = srv_on_ready;
	} else {
		cfg->identity = &w->client_id;
		cfg->callbacks.on_ready = cli_on_ready;
	}
}

static void transfer(int pq_off)
{
	static const struct hm_stoq_stream_callbacks cb = { .on_drained = tx_drained };
	struct hm_stoq_config scfg, ccfg;
	struct hm_stoq_stats cst0, sst0, cst, sst;
	struct world w;
	uint8_t *data = malloc(TRANSFER_SIZE);
	uint64_t packets;
	unsigned long allocs;

	memset(&w, 0, sizeof(w));
	w.rx = malloc(TRANSFER_SIZE);
	CHECK(data != NULL && w.rx != NULL);
	if (data == NULL || w.rx == NULL)
		goto out;
	for (size_t i = 0; i < TRANSFER_SIZE; i++)
		data[i] = (uint8_t)(i * 7 + (i >> 11) + (i >> 19));
	w.data = data;
	CHECK(uv_loop_init(&w.loop) == 0);
	uv_timer_init(&w.loop, &w.guard);
	w.guard.data = &w;
	CHECK_ERR(hm_identity_generate(&w.server_id), HM_OK);
	CHECK_ERR(hm_identity_generate(&w.client_id), HM_OK);
	hm_identity_node_id(&w.server_id, w.server_node);
	config(&w, &scfg, 1, pq_off);
	config(&w, &ccfg, 0, pq_off);
	CHECK_ERR(hm_stoq_endpoint_new(&w.loop, &scfg, &w.server), HM_OK);
	CHECK_ERR(hm_stoq_endpoint_new(&w.loop, &ccfg, &w.client), HM_OK);
	CHECK_ERR(hm_stoq_connect(w.client, "127.0.0.1", hm_stoq_endpoint_port(w.server),
	                          w.server_node, NULL, NULL),
	          HM_OK);
	CHECK(run_until(&w, &w.ready, 5000));
	CHECK(run_until(&w, &w.server_ready, 5000));
	if (w.conn == NULL || !w.server_ready)
		goto close;
	CHECK_ERR(hm_stoq_stream_open(w.conn, 1, &cb, &w, &w.tx), HM_OK);
	hm_stoq_endpoint_stats(w.client, &cst0);
	hm_stoq_endpoint_stats(w.server, &sst0);
	g_allocs = 0;
	g_counting = 1;
	tx_fill(&w);
	CHECK(run_until(&w, &w.rx_fin, 30000));
	g_counting = 0;
	allocs = g_allocs;
	hm_stoq_endpoint_stats(w.client, &cst);
	hm_stoq_endpoint_stats(w.server, &sst);
	CHECK_EQ(w.rx_overflow, 0);
	CHECK_EQ(w.rx_len, TRANSFER_SIZE);
	CHECK(memcmp(w.rx, data, TRANSFER_SIZE) == 0);
	/* Both directions: data packets one way, ACKs the other. */
	packets = (cst.tx_datagrams - cst0.tx_datagrams) + (sst.tx_datagrams - sst0.tx_datagrams);
	CHECK(packets > TRANSFER_SIZE / 1500);
	if (ALLOC_HOOK) {
		printf("%s%s: %llu packets, %lu allocations (%.5f per packet; %zu writes of %zu "
		       "KiB)\n",
		       pq_off ? "classical" : "pq", g_plain_sockets ? ", no GSO/GRO" : "",
		       (unsigned long long)packets, allocs,
		       packets ? (double)allocs / (double)packets : 0.0,
		       (TRANSFER_SIZE + WRITE_SIZE - 1) / WRITE_SIZE, WRITE_SIZE >> 10);
		CHECK(allocs * PACKETS_PER_ALLOC_MIN <= packets);
	} else {
		printf("%s%s: %llu packets; allocations not counted (sanitizer allocator)\n",
		       pq_off ? "classical" : "pq", g_plain_sockets ? ", no GSO/GRO" : "",
		       (unsigned long long)packets);
	}
close:
	hm_stoq_endpoint_close(w.client);
	hm_stoq_endpoint_close(w.server);
	uv_close((uv_handle_t *)&w.guard, NULL);
	uv_run(&w.loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&w.loop), 0);
	hm_identity_wipe(&w.server_id);
	hm_identity_wipe(&w.client_id);
out:
	free(data);
	free(w.rx);
}

static void test_alloc_pq(void)
{
	transfer(0);
}

static void test_alloc_classical(void)
{
	transfer(1);
}

/* The other socket paths: one sendmmsg message per packet, libuv's recvmmsg reader. */
static void test_alloc_pq_without_gso_gro(void)
{
	g_plain_sockets = 1;
	transfer(0);
	g_plain_sockets = 0;
}

/* The hook counts: one allocation while counting is one more in the total. */
static void test_hook_counts(void)
{
	void *p;

	if (!ALLOC_HOOK)
		return;
	g_allocs = 0;
	g_counting = 1;
	p = malloc(100);
	g_sink = p;
	g_counting = 0;
	CHECK(p != NULL);
	CHECK_EQ(g_allocs, 1);
	free(p);
}

TEST_MAIN(test_hook_counts, test_alloc_pq, test_alloc_classical, test_alloc_pq_without_gso_gro)
