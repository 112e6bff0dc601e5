/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP server for real: a server on 127.0.0.1 with an ephemeral port,
 * driven by a libuv loop in this thread, and raw-socket clients in other
 * threads. Each case ends by closing the server and running the loop dry,
 * then checks uv_loop_close() succeeds (no handle left behind); ASan checks
 * that nothing leaks, including requests whose clients went away.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>
#include <uv.h>

#include "http_client.h"
#include "hypermesh/http.h"
#include "hypermesh/metrics.h"
#include "test.h"

struct fixture;
typedef void (*client_fn)(struct fixture *f);

struct fixture {
	uv_loop_t loop;
	struct hm_http_server *srv;
	uint16_t port;
	uv_async_t done;
	pthread_t thread;
	client_fn client;
	int closed;
	/* Loop-side observations, read by clients (hence atomic). */
	atomic_int deferred;
	atomic_int cancel_gone, cancel_timeout, cancel_closing;
	/* Set by a handler to close the server once this many requests wait. */
	int close_when_deferred;
	struct hm_metrics *metrics;
	struct hm_counter *hits;
};

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Waits up to 5 s for *v >= want. */
static int wait_for(atomic_int *v, int want)
{
	for (int i = 0; i < 5000; i++) {
		if (atomic_load(v) >= want)
			return 1;
		sleep_ms(1);
	}
	return 0;
}

/* ---- handlers ---- */

static void h_hello(struct hm_http_req *req, void *arg)
{
	struct fixture *f = arg;

	if (f->hits)
		hm_counter_inc(f->hits);
	(void)hm_http_respond_json(req, 200, json_pack("{s:s}", "hello", "world"));
}

static void h_cert(struct hm_http_req *req, void *arg)
{
	const char *x = hm_http_req_query(req, "x");

	(void)arg;
	(void)hm_http_respond_json(
	        req, 200,
	        json_pack("{s:s,s:s*}", "serial", hm_http_req_param(req, "serial"), "x", x));
}

static void h_whoami(struct hm_http_req *req, void *arg)
{
	(void)arg;
	(void)hm_http_respond_json(req, 200,
	                           json_pack("{s:s,s:s,s:s}", "peer", hm_http_req_peer(req),
	                                     "method", hm_http_req_method(req), "path",
	                                     hm_http_req_path(req)));
}

static void h_created(struct hm_http_req *req, void *arg)
{
	(void)arg;
	CHECK_ERR(hm_http_req_add_header(req, "Location", "/v1/certificates/7"), HM_OK);
	CHECK_ERR(hm_http_req_add_header(req, "X-Evil", "a\r\nSet-Cookie: x"), HM_ERR_INVALID);
	CHECK_ERR(hm_http_req_add_header(req, "Bad:Name", "v"), HM_ERR_INVALID);
	CHECK_ERR(hm_http_respond(req, 201, NULL, NULL, 0), HM_OK);
}

static void h_bad_status(struct hm_http_req *req, void *arg)
{
	(void)arg;
	CHECK_ERR(hm_http_respond(req, 42, "text/plain", "x", 1), HM_ERR_INVALID);
}

static void h_echo(struct hm_http_req *req, void *arg)
{
	json_t *body;

	(void)arg;
	if (hm_http_req_json(req, &body) != HM_OK)
		return; /* answered 400 */
	(void)hm_http_respond_json(req, 200, body);
}

static void h_admin(struct hm_http_req *req, void *arg)
{
	(void)arg;
	(void)hm_http_respond(req, 200, "text/plain", "ok", 2);
}

static void h_nothing(struct hm_http_req *req, void *arg)
{
	(void)req;
	(void)arg;
}

struct slow {
	uv_timer_t timer;
	struct hm_http_req *req;
};

static void slow_closed(uv_handle_t *h)
{
	free(h->data);
}

static void slow_fire(uv_timer_t *t)
{
	struct slow *s = t->data;

	(void)hm_http_respond_json(s->req, 200, json_pack("{s:b}", "late", 1));
	uv_close((uv_handle_t *)&s->timer, slow_closed);
}

static void slow_cancel(struct hm_http_req *req, enum hm_http_cancel_reason why, void *arg)
{
	struct slow *s = arg;

	(void)req;
	(void)why;
	uv_timer_stop(&s->timer);
	uv_close((uv_handle_t *)&s->timer, slow_closed);
}

static void h_slow(struct hm_http_req *req, void *arg)
{
	struct fixture *f = arg;
	struct slow *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		(void)hm_http_respond_error(req, 500, "internal", "out of memory");
		return;
	}
	s->req = req;
	uv_timer_init(&f->loop, &s->timer);
	s->timer.data = s;
	uv_timer_start(&s->timer, slow_fire, 50, 0);
	hm_http_req_defer(req, slow_cancel, s);
}

static void never_cancel(struct hm_http_req *req, enum hm_http_cancel_reason why, void *arg)
{
	struct fixture *f = arg;

	(void)req;
	if (why == HM_HTTP_CANCEL_GONE)
		atomic_fetch_add(&f->cancel_gone, 1);
	else if (why == HM_HTTP_CANCEL_TIMEOUT)
		atomic_fetch_add(&f->cancel_timeout, 1);
	else if (why == HM_HTTP_CANCEL_CLOSING)
		atomic_fetch_add(&f->cancel_closing, 1);
	/* Answering here is refused: the server answers a cancelled request. */
	CHECK_ERR(hm_http_respond(req, 200, "text/plain", "x", 1), HM_ERR_INVALID);
}

static void h_never(struct hm_http_req *req, void *arg)
{
	struct fixture *f = arg;

	hm_http_req_defer(req, never_cancel, f);
	if (atomic_fetch_add(&f->deferred, 1) + 1 == f->close_when_deferred && !f->closed) {
		f->closed = 1;
		hm_http_server_close(f->srv);
	}
}

/* Closes the server from inside a handler, without answering first. */
static void h_close(struct hm_http_req *req, void *arg)
{
	struct fixture *f = arg;

	(void)req;
	f->closed = 1;
	hm_http_server_close(f->srv);
	hm_http_server_close(f->srv); /* a second call does nothing */
}

static int authorize(void *ctx, const char *token, const char *permission)
{
	(void)ctx;
	if (strcmp(token, "admin-key") == 0)
		return HM_OK;
	if (strcmp(token, "reader-key") == 0)
		return strcmp(permission, "read") == 0 ? HM_OK : HM_ERR_PERMISSION;
	return HM_ERR_NOT_FOUND;
}

/* ---- fixture ---- */

static void on_done(uv_async_t *a)
{
	struct fixture *f = a->data;

	if (!f->closed) {
		f->closed = 1;
		hm_http_server_close(f->srv);
	}
	uv_close((uv_handle_t *)&f->done, NULL);
}

static void *client_main(void *arg)
{
	struct fixture *f = arg;

	f->client(f);
	uv_async_send(&f->done);
	return NULL;
}

static void fixture_default_config(struct hm_http_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->bind_address = "127.0.0.1";
	cfg->authorize = authorize;
}

static int fixture_open(struct fixture *f, const struct hm_http_config *cfg)
{
	memset(f, 0, sizeof(*f));
	if (uv_loop_init(&f->loop) != 0)
		return -1;
	CHECK_ERR(hm_http_server_new(&f->loop, cfg, &f->srv), HM_OK);
	if (f->srv == NULL)
		return -1;
	CHECK_ERR(hm_http_server_route(f->srv, "GET", "/hello", NULL, h_hello, f), HM_OK);
	CHECK_ERR(hm_http_server_route(f->srv, "GET", "/v1/certificates/{serial}", NULL, h_cert, f),
	          HM_OK);
	CHECK_ERR(hm_http_server_route(f->srv, "POST", "/v1/echo", NULL, h_echo, f), HM_OK);
	CHECK_ERR(hm_http_server_route(f->srv, "POST", "/v1/admin", "admin", h_admin, f), HM_OK);
	CHECK_ERR(hm_http_server_route(f->srv, "GET", "/v1/read", "read", h_admin, f), HM_OK);
	CHECK_ERR(hm_http_server_route(f->srv, "GET", "/v1/nothing", NULL, h_nothing, f), HM_OK);
	CHECK_ERR(hm_http_server_route(f->srv, "GET", "/v1/slow", NULL, h_slow, f), HM_OK);
	CHECK_ERR(hm_http_server_route(f->srv, "GET", "/v1/never", NULL, h_never, f), HM_OK);
	CHECK_ERR(hm_http_server_route(f->srv, "GET", "/v1/close", NULL, h_close, f), HM_OK);
	CHECK_ERR(hm_http_server_route(f->srv, "POST", "/v1/created", NULL, h_created, f), HM_OK);
	CHECK_ERR(hm_http_server_route(f->srv, "GET", "/v1/bad-status", NULL, h_bad_status, f),
	          HM_OK);
	CHECK_ERR(hm_http_server_route(f->srv, "GET", "/v1/who%61mi", NULL, h_whoami, f), HM_OK);
	return 0;
}

/* Starts the server, runs client in a thread, closes and drains. */
static void fixture_run(struct fixture *f, client_fn client)
{
	CHECK_ERR(hm_http_server_start(f->srv), HM_OK);
	f->port = hm_http_server_port(f->srv);
	CHECK(f->port != 0);
	f->client = client;
	uv_async_init(&f->loop, &f->done, on_done);
	f->done.data = f;
	CHECK(pthread_create(&f->thread, NULL, client_main, f) == 0);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	pthread_join(f->thread, NULL);
	CHECK_EQ(uv_loop_close(&f->loop), 0);
}

static void run_with(const struct hm_http_config *cfg, client_fn client)
{
	struct fixture f;

	if (fixture_open(&f, cfg) != 0)
		return;
	fixture_run(&f, client);
}

static void run_default(client_fn client)
{
	struct hm_http_config cfg;

	fixture_default_config(&cfg);
	run_with(&cfg, client);
}

static int has_error_code(const struct http_result *r, const char *code)
{
	json_error_t e;
	json_t *j = json_loads(r->body, 0, &e), *err;
	const char *c = NULL, *msg = NULL;
	int ok;

	if (j == NULL)
		return 0;
	err = json_object_get(j, "error");
	ok = json_unpack(err, "{s:s,s:s}", "code", &c, "message", &msg) == 0 &&
	     strcmp(c, code) == 0 && msg[0] != '\0' && json_object_size(j) == 1 &&
	     json_object_size(err) == 2;
	json_decref(j);
	return ok;
}

/* ---- cases ---- */

static void c_routing(struct fixture *f)
{
	struct http_result r;

	http_req(f->port, "GET", "/hello", NULL, NULL, &r);
	CHECK_EQ(r.status, 200);
	CHECK_STR(r.body, "{\"hello\":\"world\"}");
	CHECK(strstr(r.head, "Content-Type: application/json") != NULL);

	http_req(f->port, "GET", "/v1/certificates/ab%20cd?x=1%2B2&y", NULL, NULL, &r);
	CHECK_EQ(r.status, 200);
	CHECK_STR(r.body, "{\"serial\":\"ab cd\",\"x\":\"1+2\"}");

	http_req(f->port, "GET", "/v1/certificates/42?x=a+b", NULL, NULL, &r);
	CHECK_STR(r.body, "{\"serial\":\"42\",\"x\":\"a b\"}");

	/* An empty parameter segment does not match. */
	http_req(f->port, "GET", "/v1/certificates/", NULL, NULL, &r);
	CHECK_EQ(r.status, 404);

	http_req(f->port, "GET", "/nope", NULL, NULL, &r);
	CHECK_EQ(r.status, 404);
	CHECK(has_error_code(&r, "not_found"));

	http_req(f->port, "DELETE", "/hello", NULL, NULL, &r);
	CHECK_EQ(r.status, 405);
	CHECK(has_error_code(&r, "method_not_allowed"));
	CHECK(strstr(r.head, "Allow: GET, HEAD") != NULL);

	http_req(f->port, "HEAD", "/hello", NULL, NULL, &r);
	CHECK_EQ(r.status, 200);
	CHECK_EQ(r.body_len, 0);

	http_req(f->port, "GET", "/v1/certificates/%zz", NULL, NULL, &r);
	CHECK_EQ(r.status, 400);
	CHECK(has_error_code(&r, "bad_request"));

	http_req(f->port, "GET", "/v1/certificates/a%00b", NULL, NULL, &r);
	CHECK_EQ(r.status, 400);

	{
		static char target[HM_HTTP_MAX_TARGET + 64];

		memset(target, 'a', sizeof(target) - 1);
		target[0] = '/';
		target[sizeof(target) - 1] = '\0';
		http_req(f->port, "GET", target, NULL, NULL, &r);
		CHECK_EQ(r.status, 414);
		CHECK(has_error_code(&r, "uri_too_long"));
	}

	/* Patterns are literal text; requests are decoded before matching. */
	http_req(f->port, "GET", "/v1/who%2561mi?z", NULL, NULL, &r);
	CHECK_EQ(r.status, 200);
	CHECK_STR(r.body,
	          "{\"peer\":\"127.0.0.1\",\"method\":\"GET\",\"path\":\"/v1/who%2561mi\"}");

	http_req(f->port, "POST", "/v1/created", NULL, "", &r);
	CHECK_EQ(r.status, 201);
	CHECK(strstr(r.head, "\r\nLocation: /v1/certificates/7") != NULL);
	CHECK(strstr(r.head, "X-Evil") == NULL);
	http_req(f->port, "GET", "/v1/bad-status", NULL, NULL, &r);
	CHECK_EQ(r.status, 500);

	http_req(f->port, "GET", "/v1/nothing", NULL, NULL, &r);
	CHECK_EQ(r.status, 500);
	CHECK(has_error_code(&r, "internal"));
}

static void test_routing(void)
{
	run_default(c_routing);
}

static void c_auth(struct fixture *f)
{
	struct http_result r;

	http_req(f->port, "POST", "/v1/admin", NULL, "", &r);
	CHECK_EQ(r.status, 401);
	CHECK(has_error_code(&r, "unauthorized"));
	CHECK(strstr(r.head, "WWW-Authenticate: Bearer") != NULL);

	http_req(f->port, "POST", "/v1/admin", "Authorization: Basic Zm9vOmJhcg==\r\n", "", &r);
	CHECK_EQ(r.status, 401);
	http_req(f->port, "POST", "/v1/admin", "Authorization: Bearer \r\n", "", &r);
	CHECK_EQ(r.status, 401);
	http_req(f->port, "POST", "/v1/admin", "Authorization: Bearer a b\r\n", "", &r);
	CHECK_EQ(r.status, 401);
	http_req(f->port, "POST", "/v1/admin", "Authorization: Bearer unknown\r\n", "", &r);
	CHECK_EQ(r.status, 401);
	CHECK(strstr(r.body, "unknown API key") != NULL);

	http_req(f->port, "POST", "/v1/admin", "Authorization: Bearer reader-key\r\n", "", &r);
	CHECK_EQ(r.status, 403);
	CHECK(has_error_code(&r, "forbidden"));

	http_req(f->port, "GET", "/v1/read", "Authorization: Bearer reader-key\r\n", NULL, &r);
	CHECK_EQ(r.status, 200);
	http_req(f->port, "POST", "/v1/admin", "authorization: bearer admin-key\r\n", "", &r);
	CHECK_EQ(r.status, 200);
	CHECK_STR(r.body, "ok");
}

static void test_auth(void)
{
	run_default(c_auth);
}

static void c_json(struct fixture *f)
{
	struct http_result r;
	char deep[200];

	http_req(f->port, "POST", "/v1/echo", NULL, "{\"a\":[1,2,{\"b\":null}]}", &r);
	CHECK_EQ(r.status, 200);
	CHECK_STR(r.body, "{\"a\":[1,2,{\"b\":null}]}");

	http_req(f->port, "POST", "/v1/echo", NULL, "{\"a\":", &r);
	CHECK_EQ(r.status, 400);
	CHECK(has_error_code(&r, "bad_json"));
	CHECK(strstr(r.body, "line 1") != NULL);

	http_req(f->port, "POST", "/v1/echo", NULL, "{\"a\":1,\"a\":2}", &r);
	CHECK_EQ(r.status, 400);
	CHECK(strstr(r.body, "duplicate") != NULL);

	http_req(f->port, "POST", "/v1/echo", NULL, "{} trailing", &r);
	CHECK_EQ(r.status, 400);

	http_req(f->port, "POST", "/v1/echo", NULL, "", &r);
	CHECK_EQ(r.status, 400);
	CHECK(strstr(r.body, "empty body") != NULL);

	memset(deep, '[', 40);
	memset(deep + 40, ']', 40);
	deep[80] = '\0';
	http_req(f->port, "POST", "/v1/echo", NULL, deep, &r);
	CHECK_EQ(r.status, 400);
	CHECK(strstr(r.body, "nesting deeper than 32") != NULL);
}

static void test_json(void)
{
	run_default(c_json);
}

static void c_body_limit(struct fixture *f)
{
	struct http_result r;
	static char big[2100], raw[4096];
	int n;

	memset(big, ' ', 2000);
	big[0] = '{';
	big[1999] = '}';
	big[2000] = '\0';
	/* Content-Length over the limit: refused before the body is read. */
	http_req(f->port, "POST", "/v1/echo", NULL, big, &r);
	CHECK_EQ(r.status, 413);
	CHECK(has_error_code(&r, "body_too_large"));

	/* Exactly at the limit (1024) passes. */
	big[1023] = '}';
	big[1024] = '\0';
	http_req(f->port, "POST", "/v1/echo", NULL, big, &r);
	CHECK_EQ(r.status, 200);
	CHECK_STR(r.body, "{}");

	/* Chunked: three chunks of 600 bytes, the limit is crossed in the second. */
	n = snprintf(raw, sizeof(raw),
	             "POST /v1/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	             "Transfer-Encoding: chunked\r\n\r\n");
	for (int c = 0; c < 3; c++) {
		n += snprintf(raw + n, sizeof(raw) - (size_t)n, "258\r\n");
		memset(raw + n, ' ', 600);
		n += 600;
		n += snprintf(raw + n, sizeof(raw) - (size_t)n, "\r\n");
	}
	n += snprintf(raw + n, sizeof(raw) - (size_t)n, "0\r\n\r\n");
	http_raw(f->port, raw, (size_t)n, &r);
	CHECK_EQ(r.status, 413);
	CHECK(has_error_code(&r, "body_too_large"));

	/* A small chunked body is read whole. */
	n = snprintf(raw, sizeof(raw),
	             "POST /v1/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	             "Transfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n");
	http_raw(f->port, raw, (size_t)n, &r);
	CHECK_EQ(r.status, 200);
	CHECK_STR(r.body, "{\"a\":1}");
}

static void test_body_limit(void)
{
	struct hm_http_config cfg;

	fixture_default_config(&cfg);
	cfg.max_body = 1024;
	run_with(&cfg, c_body_limit);
}

static void c_async(struct fixture *f)
{
	struct http_result r;
	uint64_t t0 = (uint64_t)time(NULL);

	http_req(f->port, "GET", "/v1/slow", NULL, NULL, &r);
	CHECK_EQ(r.status, 200);
	CHECK_STR(r.body, "{\"late\":true}");
	CHECK((uint64_t)time(NULL) - t0 < 5);
}

static void test_async_after_timer(void)
{
	run_default(c_async);
}

/* Two pipelined requests on one connection, the first answered later:
 * answers come back in order, the second only after the first. */
static void c_pipelined(struct fixture *f)
{
	const char *raw = "GET /v1/slow HTTP/1.1\r\nHost: x\r\n\r\n"
	                  "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	struct http_result r;
	const char *first, *second;

	http_raw(f->port, raw, strlen(raw), &r);
	CHECK_EQ(r.status, 200);
	first = strstr(r.body, "{\"late\":true}");
	second = strstr(r.body, "{\"hello\":\"world\"}");
	CHECK(first != NULL && second != NULL && first < second);
}

static void test_pipelined(void)
{
	run_default(c_pipelined);
}

static void c_disconnect(struct fixture *f)
{
	const char *req = "GET /v1/never HTTP/1.1\r\nHost: x\r\n\r\n";
	int fd = http_connect(f->port);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(http_send_all(fd, req, strlen(req)) == 0);
	CHECK(wait_for(&f->deferred, 1));
	close(fd);
	CHECK(wait_for(&f->cancel_gone, 1));
	CHECK_EQ(atomic_load(&f->cancel_closing), 0);
	/* The server still serves. */
	struct http_result r;
	http_req(f->port, "GET", "/hello", NULL, NULL, &r);
	CHECK_EQ(r.status, 200);
}

static void test_client_disconnect(void)
{
	run_default(c_disconnect);
}

/* Clients that vanish right after sending: answers to them are dropped
 * safely, whether the handler answers at once, later, or is told. */
static void c_hit_and_run(struct fixture *f)
{
	static const char *targets[] = { "/hello", "/v1/slow", "/v1/never", "/v1/echo" };
	struct http_result r;

	for (int i = 0; i < 40; i++) {
		char raw[256];
		int fd = http_connect(f->port), n;

		if (fd < 0)
			continue;
		n = snprintf(raw, sizeof(raw),
		             "%s %s HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
		             i % 4 == 3 ? "POST" : "GET", targets[i % 4]);
		(void)http_send_all(fd, raw, (size_t)n);
		close(fd);
	}
	/* Every /v1/never is eventually cancelled as gone. */
	CHECK(wait_for(&f->cancel_gone, 10));
	http_req(f->port, "GET", "/hello", NULL, NULL, &r);
	CHECK_EQ(r.status, 200);
}

static void test_hit_and_run(void)
{
	run_default(c_hit_and_run);
}

static void c_timeout(struct fixture *f)
{
	struct http_result r;

	http_req(f->port, "GET", "/v1/never", NULL, NULL, &r);
	CHECK_EQ(r.status, 503);
	CHECK(has_error_code(&r, "timeout"));
	CHECK_EQ(atomic_load(&f->cancel_timeout), 1);
}

static void test_async_timeout(void)
{
	struct hm_http_config cfg;

	fixture_default_config(&cfg);
	cfg.async_timeout_ms = 100;
	run_with(&cfg, c_timeout);
}

#define CONCURRENT_CLIENTS  32
#define REQUESTS_PER_CLIENT 8

struct worker {
	struct fixture *f;
	int index, ok;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < REQUESTS_PER_CLIENT; i++) {
		char target[64], want[96];
		struct http_result r;
		int slow = (i % 2) == 1;

		snprintf(target, sizeof(target), "/v1/certificates/%d-%d", w->index, i);
		snprintf(want, sizeof(want), "{\"serial\":\"%d-%d\"}", w->index, i);
		http_req(w->f->port, "GET", slow ? "/v1/slow" : target, NULL, NULL, &r);
		if (r.status == 200 && strcmp(r.body, slow ? "{\"late\":true}" : want) == 0)
			w->ok++;
		else
			fprintf(stderr, "worker %d request %d: %d %s\n", w->index, i, r.status,
			        r.body);
	}
	return NULL;
}

static void c_concurrent(struct fixture *f)
{
	pthread_t t[CONCURRENT_CLIENTS];
	struct worker w[CONCURRENT_CLIENTS];
	int total = 0;

	for (int i = 0; i < CONCURRENT_CLIENTS; i++) {
		w[i] = (struct worker){ .f = f, .index = i };
		CHECK(pthread_create(&t[i], NULL, worker_main, &w[i]) == 0);
	}
	for (int i = 0; i < CONCURRENT_CLIENTS; i++) {
		pthread_join(t[i], NULL);
		total += w[i].ok;
	}
	CHECK_EQ(total, CONCURRENT_CLIENTS * REQUESTS_PER_CLIENT);
}

static void test_concurrent(void)
{
	run_default(c_concurrent);
}

#define WAITING 5

struct waiter {
	struct fixture *f;
	struct http_result r;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;

	http_req(w->f->port, "GET", "/v1/never", NULL, NULL, &w->r);
	return NULL;
}

static void c_shutdown(struct fixture *f)
{
	pthread_t t[WAITING];
	struct waiter w[WAITING];

	for (int i = 0; i < WAITING; i++) {
		w[i].f = f;
		CHECK(pthread_create(&t[i], NULL, waiter_main, &w[i]) == 0);
	}
	/* The handler of the WAITING-th request closes the server. */
	for (int i = 0; i < WAITING; i++) {
		pthread_join(t[i], NULL);
		CHECK_EQ(w[i].r.status, 503);
		CHECK(has_error_code(&w[i].r, "shutting_down"));
	}
	CHECK_EQ(atomic_load(&f->cancel_closing), WAITING);
	/* Nobody listens any more. */
	int fd = http_connect(f->port);
	CHECK(fd < 0);
	if (fd >= 0)
		close(fd);
}

static void test_graceful_shutdown(void)
{
	struct hm_http_config cfg;
	struct fixture f;

	fixture_default_config(&cfg);
	if (fixture_open(&f, &cfg) != 0)
		return;
	f.close_when_deferred = WAITING;
	fixture_run(&f, c_shutdown);
}

static void c_overload(struct fixture *f)
{
	pthread_t t[2];
	struct waiter w[2];
	struct http_result r;

	for (int i = 0; i < 2; i++) {
		w[i].f = f;
		CHECK(pthread_create(&t[i], NULL, waiter_main, &w[i]) == 0);
	}
	CHECK(wait_for(&f->deferred, 2));
	http_req(f->port, "GET", "/hello", NULL, NULL, &r);
	CHECK_EQ(r.status, 503);
	CHECK(has_error_code(&r, "overloaded"));
	/* Closing the server (as on_done would) releases the two waiters. */
	uv_async_send(&f->done);
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		CHECK_EQ(w[i].r.status, 503);
	}
}

static void test_max_outstanding(void)
{
	struct hm_http_config cfg;

	fixture_default_config(&cfg);
	cfg.max_outstanding = 2;
	run_with(&cfg, c_overload);
}

static void c_close_in_handler(struct fixture *f)
{
	struct http_result r;

	http_req(f->port, "GET", "/v1/close", NULL, NULL, &r);
	CHECK_EQ(r.status, 503);
	CHECK(has_error_code(&r, "shutting_down"));
}

static void test_close_from_handler(void)
{
	run_default(c_close_in_handler);
}

static void c_max_connections(struct fixture *f)
{
	const char *req = "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	struct timeval short_wait = { .tv_usec = 300 * 1000 }, long_wait = { .tv_sec = 10 };
	struct http_result r;
	int a = http_connect(f->port), b = http_connect(f->port), c;
	char byte;

	CHECK(a >= 0 && b >= 0);
	sleep_ms(100); /* let MHD accept both */
	/* At the limit MHD stops accepting: the third waits in the backlog. */
	c = http_connect(f->port);
	CHECK(c >= 0);
	if (c < 0)
		return;
	CHECK(http_send_all(c, req, strlen(req)) == 0);
	(void)setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &short_wait, sizeof(short_wait));
	CHECK_EQ(recv(c, &byte, 1, MSG_PEEK), -1);
	/* A slot frees: the waiting request is served. */
	close(a);
	(void)setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &long_wait, sizeof(long_wait));
	http_read_answer(c, &r);
	CHECK_EQ(r.status, 200);
	close(b);
}

static void test_max_connections(void)
{
	struct hm_http_config cfg;

	fixture_default_config(&cfg);
	cfg.max_connections = 2;
	run_with(&cfg, c_max_connections);
}

static void c_idle_timeout(struct fixture *f)
{
	int fd = http_connect(f->port);
	char c;
	uint64_t t0 = (uint64_t)time(NULL);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	/* Silent client: MHD closes it after the 1 s idle timeout (recv gives EOF,
	 * not the 10 s SO_RCVTIMEO error). */
	CHECK_EQ(recv(fd, &c, 1, 0), 0);
	CHECK((uint64_t)time(NULL) - t0 < 5);
	close(fd);
}

static void test_idle_timeout(void)
{
	struct hm_http_config cfg;

	fixture_default_config(&cfg);
	cfg.connection_timeout_s = 1;
	run_with(&cfg, c_idle_timeout);
}

/* ---- static files ---- */

static char static_root[256];

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	CHECK(fp != NULL);
	if (fp == NULL)
		return;
	fputs(text, fp);
	fclose(fp);
}

static void c_static(struct fixture *f)
{
	static const char *refused[] = {
		"/ui/../secret.txt",
		"/ui/%2e%2e/secret.txt",
		"/ui/..%2fsecret.txt",
		"/ui/sub/../../secret.txt",
		"/ui/link",
		"/ui/.hidden",
		"/ui//secret.txt",
		"/ui/sub%2f..%2f..%2fsecret.txt",
		"/ui/missing.js",
		"/ui/sub",
	};
	struct http_result r;

	http_req(f->port, "GET", "/ui/", NULL, NULL, &r);
	CHECK_EQ(r.status, 200);
	CHECK_STR(r.body, "<h1>dashboard</h1>");
	CHECK(strstr(r.head, "text/html") != NULL);
	http_req(f->port, "GET", "/ui", NULL, NULL, &r);
	CHECK_EQ(r.status, 200);
	http_req(f->port, "GET", "/ui/app.js", NULL, NULL, &r);
	CHECK_EQ(r.status, 200);
	CHECK_STR(r.body, "let x = 1;");
	CHECK(strstr(r.head, "text/javascript") != NULL);
	http_req(f->port, "GET", "/ui/sub/page.html", NULL, NULL, &r);
	CHECK_EQ(r.status, 200);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		http_req(f->port, "GET", refused[i], NULL, NULL, &r);
		if (r.status != 404 && r.status != 400)
			fprintf(stderr, "%s answered %d\n", refused[i], r.status);
		CHECK(r.status == 404 || r.status == 400);
		CHECK(strstr(r.body, "TOPSECRET") == NULL);
	}
	http_req(f->port, "POST", "/ui/app.js", NULL, "x", &r);
	CHECK_EQ(r.status, 405);
	/* Routes outside the mount still work. */
	http_req(f->port, "GET", "/hello", NULL, NULL, &r);
	CHECK_EQ(r.status, 200);
}

static void test_static_files(void)
{
	struct hm_http_config cfg;
	struct fixture f;
	char path[512], www[300];

	snprintf(static_root, sizeof(static_root), "/tmp/hm_http_static_XXXXXX");
	CHECK(mkdtemp(static_root) != NULL);
	snprintf(www, sizeof(www), "%s/www", static_root);
	CHECK(mkdir(www, 0700) == 0);
	snprintf(path, sizeof(path), "%s/sub", www);
	CHECK(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/index.html", www);
	write_file(path, "<h1>dashboard</h1>");
	snprintf(path, sizeof(path), "%s/app.js", www);
	write_file(path, "let x = 1;");
	snprintf(path, sizeof(path), "%s/.hidden", www);
	write_file(path, "TOPSECRET hidden");
	snprintf(path, sizeof(path), "%s/sub/page.html", www);
	write_file(path, "page");
	snprintf(path, sizeof(path), "%s/secret.txt", static_root);
	write_file(path, "TOPSECRET");
	snprintf(path, sizeof(path), "%s/link", www);
	CHECK(symlink("../secret.txt", path) == 0);

	fixture_default_config(&cfg);
	if (fixture_open(&f, &cfg) != 0)
		return;
	CHECK_ERR(hm_http_server_add_static(f.srv, "/ui", www), HM_OK);
	CHECK_ERR(hm_http_server_add_static(f.srv, "/x", "/nonexistent/dir"), HM_ERR_NOT_FOUND);
	CHECK_ERR(hm_http_server_add_static(f.srv, "/{p}", www), HM_ERR_INVALID);
	fixture_run(&f, c_static);

	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", static_root);
	CHECK(system(cmd) == 0);
}

/* ---- metrics over HTTP ---- */

static void c_metrics(struct fixture *f)
{
	struct http_result r;

	http_req(f->port, "GET", "/hello", NULL, NULL, &r);
	http_req(f->port, "GET", "/hello", NULL, NULL, &r);
	http_req(f->port, "GET", "/metrics", NULL, NULL, &r);
	CHECK_EQ(r.status, 200);
	CHECK(strstr(r.head, "text/plain; version=0.0.4") != NULL);
	CHECK(strstr(r.body, "# TYPE hypermesh_test_hits_total counter\n"
	                     "hypermesh_test_hits_total 2\n") != NULL);
	/* The server's own series: the two answers so far, none deferred now. */
	CHECK(strstr(r.body, "hypermesh_http_requests_total{code=\"2xx\"} 2\n") != NULL);
	CHECK(strstr(r.body, "hypermesh_http_request_duration_seconds_count 2\n") != NULL);
	CHECK(strstr(r.body, "hypermesh_http_requests_deferred 0\n") != NULL);
	http_req(f->port, "GET", "/nope", NULL, NULL, &r);
	http_req(f->port, "GET", "/metrics", NULL, NULL, &r);
	CHECK(strstr(r.body, "hypermesh_http_requests_total{code=\"4xx\"} 1\n") != NULL);
	CHECK(strstr(r.body, "hypermesh_http_requests_total{code=\"2xx\"} 3\n") != NULL);
}

static void test_metrics_endpoint(void)
{
	struct hm_http_config cfg;
	struct hm_http_server *second;
	struct hm_metrics *registry = NULL;
	struct fixture f;

	CHECK_ERR(hm_metrics_new(&registry), HM_OK);
	fixture_default_config(&cfg);
	cfg.metrics = registry;
	if (fixture_open(&f, &cfg) != 0)
		return;
	f.metrics = registry;
	/* One registry holds one server's series. */
	CHECK_ERR(hm_http_server_new(&f.loop, &cfg, &second), HM_ERR_EXISTS);
	CHECK_ERR(hm_metrics_counter(f.metrics, "hypermesh_test_hits_total", "Hello requests.",
	                             NULL, 0, &f.hits),
	          HM_OK);
	CHECK_ERR(hm_http_server_add_metrics(f.srv, "/metrics", f.metrics), HM_OK);
	fixture_run(&f, c_metrics);
	hm_metrics_del(f.metrics);
}

/* ---- configuration and registration errors ---- */

static void test_config_errors(void)
{
	struct hm_http_config cfg;
	struct hm_http_server *srv = NULL, *other = NULL;
	uv_loop_t loop;

	CHECK(uv_loop_init(&loop) == 0);
	fixture_default_config(&cfg);
	cfg.bind_address = "localhost"; /* names are not resolved */
	CHECK_ERR(hm_http_server_new(&loop, &cfg, &srv), HM_ERR_INVALID);
	cfg.bind_address = "::1";
	CHECK_ERR(hm_http_server_new(&loop, &cfg, &srv), HM_OK);
	CHECK_ERR(hm_http_server_route(srv, "GET", "no-slash", NULL, h_hello, NULL),
	          HM_ERR_INVALID);
	CHECK_ERR(hm_http_server_route(srv, "GET", "/a//b", NULL, h_hello, NULL), HM_ERR_INVALID);
	CHECK_ERR(hm_http_server_route(srv, "GET", "/a/{x}/{x}", NULL, h_hello, NULL),
	          HM_ERR_INVALID);
	CHECK_ERR(hm_http_server_route(srv, "GET", "/a/{x-y}", NULL, h_hello, NULL),
	          HM_ERR_INVALID);
	CHECK_ERR(hm_http_server_route(srv, "get", "/a", NULL, h_hello, NULL), HM_ERR_INVALID);
	CHECK_ERR(hm_http_server_route(srv, "HEAD", "/a", NULL, h_hello, NULL), HM_ERR_INVALID);
	CHECK_ERR(hm_http_server_route(srv, "GET", "/a", NULL, NULL, NULL), HM_ERR_INVALID);
	CHECK_ERR(hm_http_server_start(srv), HM_OK);
	CHECK(hm_http_server_port(srv) != 0);
	CHECK_ERR(hm_http_server_start(srv), HM_ERR_INVALID);
	CHECK_ERR(hm_http_server_add_static(srv, "/ui", "/tmp"), HM_ERR_INVALID);

	/* The same port twice: the second bind fails cleanly. */
	cfg.port = hm_http_server_port(srv);
	CHECK_ERR(hm_http_server_new(&loop, &cfg, &other), HM_OK);
	CHECK_ERR(hm_http_server_start(other), HM_ERR_IO);
	hm_http_server_close(other);
	hm_http_server_close(srv);
	hm_http_server_close(NULL);

	/* Closing a server that never started. */
	cfg.port = 0;
	CHECK_ERR(hm_http_server_new(&loop, &cfg, &srv), HM_OK);
	hm_http_server_close(srv);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&loop), 0);
}

TEST_MAIN(test_routing, test_auth, test_json, test_body_limit, test_async_after_timer,
          test_pipelined, test_client_disconnect, test_hit_and_run, test_async_timeout,
          test_concurrent, test_graceful_shutdown, test_max_outstanding, test_max_connections,
          test_idle_timeout, test_close_from_handler, test_static_files, test_metrics_endpoint,
          test_config_errors)
