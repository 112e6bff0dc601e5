/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The server against a real client: curl (Debian package curl) runs in a
 * thread while this thread runs the loop, and the live /metrics output goes
 * through promtool. Covers what raw-socket tests cannot vouch for: that a
 * mainstream client parses our answers (keep-alive, chunked uploads,
 * Expect: 100-continue, HEAD) the way we mean them.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "hypermesh/http.h"
#include "hypermesh/metrics.h"
#include "test.h"

struct ctx {
	uv_loop_t loop;
	uv_async_t done;
	struct hm_http_server *srv;
	struct hm_metrics *metrics;
	uint16_t port;
	char dir[64];
};

static void h_echo(struct hm_http_req *req, void *arg)
{
	json_t *body;

	(void)arg;
	if (hm_http_req_json(req, &body) != HM_OK)
		return;
	(void)hm_http_respond_json(
	        req, 200,
	        json_pack("{s:o,s:s}", "echo", body, "serial", hm_http_req_param(req, "serial")));
}

struct later {
	uv_timer_t t;
	struct hm_http_req *req;
};

static void later_closed(uv_handle_t *h)
{
	free(h->data);
}

static void later_fire(uv_timer_t *t)
{
	struct later *l = t->data;

	(void)hm_http_respond_json(l->req, 202, json_pack("{s:s}", "state", "committed"));
	uv_close((uv_handle_t *)t, later_closed);
}

static void later_cancel(struct hm_http_req *req, enum hm_http_cancel_reason why, void *arg)
{
	struct later *l = arg;

	(void)req;
	(void)why;
	uv_close((uv_handle_t *)&l->t, later_closed);
}

static void h_later(struct hm_http_req *req, void *arg)
{
	struct ctx *c = arg;
	struct later *l = calloc(1, sizeof(*l));

	if (l == NULL) {
		(void)hm_http_respond_error(req, 500, "internal", "out of memory");
		return;
	}
	l->req = req;
	uv_timer_init(&c->loop, &l->t);
	l->t.data = l;
	uv_timer_start(&l->t, later_fire, 20, 0);
	hm_http_req_defer(req, later_cancel, l);
}

/* Runs a shell command; returns its exit status and its stdout in out. */
static int sh(char *out, size_t out_len, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int sh(char *out, size_t out_len, const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	FILE *fp;
	size_t n = 0;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fp = popen(cmd, "r");
	if (fp == NULL)
		return -1;
	if (out_len > 0) {
		n = fread(out, 1, out_len - 1, fp);
		out[n] = '\0';
	}
	while (fgetc(fp) != EOF)
		;
	status = pclose(fp);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define CURL "curl -sS --max-time 10 -o - -w ' %%{http_code}' "

static void *client(void *arg)
{
	struct ctx *c = arg;
	char out[4096];
	const char *base = "http://127.0.0.1";
	unsigned p = c->port;

	CHECK_EQ(sh(out, sizeof(out), CURL "%s:%u/v1/things/a%%20b -d '{\"x\":[1,2]}'", base, p),
	         0);
	CHECK_STR(out, "{\"echo\":{\"x\":[1,2]},\"serial\":\"a b\"} 200");

	/* Two requests on one keep-alive connection, and a deferred answer. */
	CHECK_EQ(sh(out, sizeof(out), CURL "%s:%u/v1/later %s:%u/v1/later", base, p, base, p), 0);
	CHECK_STR(out, "{\"state\":\"committed\"} 202{\"state\":\"committed\"} 202");

	/* Chunked upload, and curl's Expect: 100-continue for a large body. */
	CHECK_EQ(sh(out, sizeof(out),
	            CURL "%s:%u/v1/things/c -H 'Transfer-Encoding: chunked' -d '{\"y\":true}'",
	            base, p),
	         0);
	CHECK_STR(out, "{\"echo\":{\"y\":true},\"serial\":\"c\"} 200");
	CHECK_EQ(sh(out, sizeof(out),
	            "head -c 3000000 /dev/zero | tr '\\0' ' ' > %s/big && " CURL
	            "%s:%u/v1/things/d --data-binary @%s/big",
	            c->dir, base, p, c->dir),
	         0);
	CHECK(strstr(out, "\"body_too_large\"") != NULL);
	CHECK(strstr(out, " 413") != NULL);
	CHECK_EQ(sh(out, sizeof(out),
	            CURL "%s:%u/v1/things/d -H 'Transfer-Encoding: chunked' --data-binary @%s/big",
	            base, p, c->dir),
	         0);
	CHECK(strstr(out, " 413") != NULL);

	/* HEAD and errors as a client sees them. */
	CHECK_EQ(sh(out, sizeof(out), "curl -sS -I %s:%u/metrics | head -1", base, p), 0);
	CHECK(strncmp(out, "HTTP/1.1 200", 12) == 0);
	CHECK_EQ(sh(out, sizeof(out), CURL "-X PUT %s:%u/v1/things/x", base, p), 0);
	CHECK(strstr(out, "\"method_not_allowed\"") != NULL);
	CHECK(strstr(out, " 405") != NULL);
	CHECK_EQ(sh(out, sizeof(out), CURL "%s:%u/v1/things/x -d '{'", base, p), 0);
	CHECK(strstr(out, "\"bad_json\"") != NULL);

	/* The live exposition passes promtool. */
	CHECK_EQ(sh(out, sizeof(out),
	            "curl -sS --max-time 10 %s:%u/metrics | promtool check metrics", base, p),
	         0);

	uv_async_send(&c->done);
	return NULL;
}

static void on_done(uv_async_t *a)
{
	struct ctx *c = a->data;

	hm_http_server_close(c->srv);
	uv_close((uv_handle_t *)a, NULL);
}

static void test_with_curl(void)
{
	struct hm_http_config cfg = { .bind_address = "127.0.0.1", .max_body = 1 << 20 };
	struct ctx c;
	pthread_t t;
	char cmd[128];

	if (sh(NULL, 0, "command -v curl && command -v promtool") != 0) {
		fprintf(stderr, "curl and promtool are required (scripts/bootstrap)\n");
		CHECK(0);
		return;
	}
	memset(&c, 0, sizeof(c));
	snprintf(c.dir, sizeof(c.dir), "/tmp/hm_http_curl_XXXXXX");
	CHECK(mkdtemp(c.dir) != NULL);
	CHECK(uv_loop_init(&c.loop) == 0);
	CHECK_ERR(hm_metrics_new(&c.metrics), HM_OK);
	cfg.metrics = c.metrics;
	CHECK_ERR(hm_http_server_new(&c.loop, &cfg, &c.srv), HM_OK);
	CHECK_ERR(hm_http_server_route(c.srv, "POST", "/v1/things/{serial}", NULL, h_echo, &c),
	          HM_OK);
	CHECK_ERR(hm_http_server_route(c.srv, "GET", "/v1/later", NULL, h_later, &c), HM_OK);
	CHECK_ERR(hm_http_server_add_metrics(c.srv, "/metrics", c.metrics), HM_OK);
	CHECK_ERR(hm_http_server_start(c.srv), HM_OK);
	c.port = hm_http_server_port(c.srv);
	uv_async_init(&c.loop, &c.done, on_done);
	c.done.data = &c;
	CHECK(pthread_create(&t, NULL, client, &c) == 0);
	uv_run(&c.loop, UV_RUN_DEFAULT);
	pthread_join(t, NULL);
	CHECK_EQ(uv_loop_close(&c.loop), 0);
	hm_metrics_del(c.metrics);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c.dir);
	CHECK(system(cmd) == 0);
}

TEST_MAIN(test_with_curl)
