/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Requests per second for a trivial JSON endpoint on loopback:
 *   - bridged: hm_http_server, the handler running on a libuv loop (each
 *     request crosses MHD thread -> queue -> uv_async -> loop -> resume);
 *   - reference: the same libmicrohttpd configuration answering the same
 *     bytes directly in its own thread, no bridge.
 * Same run, same clients: CLIENTS threads, each on one keep-alive connection
 * sending REQUESTS requests one after the other. Median of ROUNDS rounds.
 */
#define _GNU_SOURCE /* libuv's POSIX types */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "bench.h"
#include "hypermesh/error.h"
#include "hypermesh/http.h"
#include "hypermesh/log.h"

#define CLIENTS  4
#define REQUESTS 2000
#define ROUNDS   7

static const char body[] = "{\"ok\":true}";

/* ---- a keep-alive client ---- */

struct client {
	uint16_t port;
	int failures;
};

static int read_answer(int fd, char *buf, size_t cap, size_t *have)
{
	for (;;) {
		char *end = memmem(buf, *have, "\r\n\r\n", 4);
		if (end != NULL) {
			const char *cl = strcasestr(buf, "Content-Length:");
			size_t head = (size_t)(end + 4 - buf), len;

			if (cl == NULL || cl > end)
				return -1;
			len = strtoul(cl + 15, NULL, 10);
			if (*have >= head + len) {
				if (strncmp(buf, "HTTP/1.1 200", 12) != 0)
					return -1;
				memmove(buf, buf + head + len, *have - head - len);
				*have -= head + len;
				return 0;
			}
		}
		ssize_t r = recv(fd, buf + *have, cap - *have, 0);
		if (r <= 0)
			return -1;
		*have += (size_t)r;
	}
}

static void *client_main(void *arg)
{
	static const char req[] = "GET /ping HTTP/1.1\r\nHost: bench\r\n\r\n";
	struct client *c = arg;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(c->port) };
	char buf[4096];
	size_t have = 0;
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		c->failures = REQUESTS;
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (int i = 0; i < REQUESTS; i++) {
		if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof(req) - 1) ||
		    read_answer(fd, buf, sizeof(buf), &have) != 0) {
			c->failures += REQUESTS - i;
			break;
		}
	}
	close(fd);
	return NULL;
}

/* Requests per second of one round, or 0 on any failure. */
static double one_round(uint16_t port)
{
	pthread_t t[CLIENTS];
	struct client c[CLIENTS];
	uint64_t start = hm_clock_mono_ns(), ns;
	int failures = 0;

	for (int i = 0; i < CLIENTS; i++) {
		c[i] = (struct client){ .port = port };
		pthread_create(&t[i], NULL, client_main, &c[i]);
	}
	for (int i = 0; i < CLIENTS; i++) {
		pthread_join(t[i], NULL);
		failures += c[i].failures;
	}
	ns = hm_clock_mono_ns() - start;
	if (failures)
		return 0;
	return (double)CLIENTS * REQUESTS * 1e9 / (double)ns;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median_rounds(uint16_t port)
{
	double r[ROUNDS];

	(void)one_round(port); /* warm up */
	for (int i = 0; i < ROUNDS; i++)
		r[i] = one_round(port);
	qsort(r, ROUNDS, sizeof(r[0]), cmp_double);
	return r[ROUNDS / 2];
}

/* ---- reference: MHD alone ---- */

static enum MHD_Result direct_access(void *cls, struct MHD_Connection *conn, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **con_cls)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	if (*con_cls == NULL) { /* the first call: headers only, as the bridge waits too */
		*con_cls = conn;
		return MHD_YES;
	}
	r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(conn, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static double bench_direct(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	double rps;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
	                             MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC,
	                     0, NULL, NULL, direct_access, NULL, MHD_OPTION_SOCK_ADDR,
	                     (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT, 256u,
	                     MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
	if (d == NULL)
		return 0;
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	rps = median_rounds(info->port);
	MHD_stop_daemon(d);
	return rps;
}

/* ---- bridged: hm_http_server on a loop ---- */

struct bridged {
	uv_loop_t loop;
	uv_async_t done;
	struct hm_http_server *srv;
	uint16_t port;
	double rps;
};

static void ping(struct hm_http_req *req, void *arg)
{
	(void)arg;
	(void)hm_http_respond(req, 200, "application/json", body, sizeof(body) - 1);
}

static void on_done(uv_async_t *a)
{
	struct bridged *b = a->data;

	hm_http_server_close(b->srv);
	uv_close((uv_handle_t *)a, NULL);
}

static void *bridged_clients(void *arg)
{
	struct bridged *b = arg;

	b->rps = median_rounds(b->port);
	uv_async_send(&b->done);
	return NULL;
}

static double bench_bridged(void)
{
	struct hm_http_config cfg = { .bind_address = "127.0.0.1" };
	struct bridged b = { 0 };
	pthread_t t;

	uv_loop_init(&b.loop);
	if (hm_http_server_new(&b.loop, &cfg, &b.srv) != HM_OK ||
	    hm_http_server_route(b.srv, "GET", "/ping", NULL, ping, NULL) != HM_OK ||
	    hm_http_server_start(b.srv) != HM_OK)
		return 0;
	b.port = hm_http_server_port(b.srv);
	uv_async_init(&b.loop, &b.done, on_done);
	b.done.data = &b;
	pthread_create(&t, NULL, bridged_clients, &b);
	uv_run(&b.loop, UV_RUN_DEFAULT);
	pthread_join(t, NULL);
	uv_loop_close(&b.loop);
	return b.rps;
}

int main(void)
{
	double direct, bridged;

	hm_log_set_level(HM_LOG_WARN);
	direct = bench_direct();
	bridged = bench_bridged();
	printf("HTTP GET /ping, %d keep-alive clients x %d requests, median of %d rounds\n",
	       CLIENTS, REQUESTS, ROUNDS);
	printf("  reference (MHD answers in its thread) %10.0f req/s\n", direct);
	printf("  bridged (handler on the libuv loop)   %10.0f req/s\n", bridged);
	if (direct > 0 && bridged > 0)
		printf("  bridge cost: %.2fx the reference time per request (%.1f us vs %.1f us)\n",
		       direct / bridged, 1e6 * CLIENTS / bridged, 1e6 * CLIENTS / direct);
	return direct > 0 && bridged > 0 ? 0 : 2;
}
