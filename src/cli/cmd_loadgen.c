/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hypermesh loadgen`: a closed-loop load generator for the certificate API.
 *
 * It makes a pool of distinct CSRs (Ed25519 keys, GnuTLS), then keeps
 * --concurrency HTTP/1.1 keep-alive connections busy, spread over the given
 * API URLs, each sending POST /v1/certificates with {"csr", "profile",
 * "wait_ms"} as soon as its previous answer arrived, for --duration seconds.
 * It reports completed issuances per second and the latency of each request
 * (request sent to full answer), whose median and 99th percentile are the
 * commit latency as a client sees it, since the API answers at commit.
 *
 * With --rate R the load is open-loop instead: request k is due at
 * start + k/R, sent on the first idle connection at or after that moment,
 * and its latency counts from when it was due, so a client that falls
 * behind (every connection busy) shows the wait rather than hiding it.
 *
 * The client is minimal on purpose: numeric addresses, Content-Length
 * bodies only (what the node's server sends), one request in flight per
 * connection.
 */
#define _POSIX_C_SOURCE 200809L

#include <getopt.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#include "cli.h"
#include "hypermesh/buf.h"
#include "hypermesh/clock.h"
#include "hypermesh/error.h"
#include "hypermesh/file.h"

#define LG_MAX_TARGETS 16
#define LG_MAX_CONNS   1024
#define LG_MAX_ANSWER  ((size_t)1 << 20)

struct lg_target {
	char host[64];
	uint16_t port;
	struct sockaddr_storage addr;
};

struct loadgen;

struct lg_conn {
	uv_tcp_t tcp;
	uv_connect_t connect;
	uv_write_t write;
	struct loadgen *lg;
	struct lg_target *target;
	struct hm_buf request; /* the bytes of the request in flight */
	struct hm_buf answer;  /* what has arrived of its answer */
	uint64_t sent_ns;
	int open;
	int busy;           /* connected, with a request in flight or in backoff */
	uv_timer_t backoff; /* after a 429 or 503: wait before the next request */
	int last_status;
};

#define LG_MAX_ERROR_KINDS 16

struct loadgen {
	const struct cli_command *cmd;
	uv_loop_t loop;
	uv_timer_t stop;
	struct lg_target targets[LG_MAX_TARGETS];
	size_t ntargets;
	struct lg_conn *conns;
	size_t nconns;
	char **bodies; /* JSON request bodies, one per CSR */
	size_t nbodies, next_body;
	const char *api_key;
	size_t raw_size; /* > 0: POST /v1/transactions with this many random bytes */
	uint64_t raw_counter;
	int stopping;
	uint64_t grace_ms;
	/* open loop (--rate): requests per second, 0 for closed loop */
	double rate;
	uv_timer_t pacer;
	uint64_t start_ns, issued;
	FILE *trace; /* --trace: one line per answered request */
	/* results */
	uint64_t *lat_ns;
	size_t nlat, cap_lat;
	uint64_t status_count[6]; /* by class: 1xx..5xx; [0] transport errors */
	/* Every failure kind, each with its count and its first answer: a rare 422
	 * among many 503s must not hide behind them. Status 0: transport errors. */
	struct lg_error {
		unsigned status;
		uint64_t count;
		char first[200];
	} errors[LG_MAX_ERROR_KINDS];
	size_t nerrors;
	uint64_t errors_untracked; /* of statuses beyond the table */
};

/* ---- CSRs ---- */

/* One CSR (PEM) for a fresh Ed25519 key with CN "loadgen-<i>.hypermesh.test". */
static int make_csr(size_t i, gnutls_datum_t *pem)
{
	gnutls_x509_privkey_t xkey = NULL;
	gnutls_privkey_t key = NULL;
	gnutls_x509_crq_t crq = NULL;
	char cn[64];
	int rc;

	snprintf(cn, sizeof(cn), "loadgen-%zu.hypermesh.test", i);
	if ((rc = gnutls_x509_privkey_init(&xkey)) < 0 ||
	    (rc = gnutls_x509_privkey_generate(xkey, GNUTLS_PK_EDDSA_ED25519, 256, 0)) < 0 ||
	    (rc = gnutls_privkey_init(&key)) < 0 ||
	    (rc = gnutls_privkey_import_x509(key, xkey, 0)) < 0 ||
	    (rc = gnutls_x509_crq_init(&crq)) < 0 ||
	    (rc = gnutls_x509_crq_set_dn_by_oid(crq, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
	                                        (unsigned)strlen(cn))) < 0 ||
	    (rc = gnutls_x509_crq_set_subject_alt_name(
	             crq, GNUTLS_SAN_DNSNAME, cn, (unsigned)strlen(cn), GNUTLS_FSAN_SET)) < 0 ||
	    (rc = gnutls_x509_crq_set_key(crq, xkey)) < 0 ||
	    (rc = gnutls_x509_crq_privkey_sign(crq, key, GNUTLS_DIG_UNKNOWN, 0)) < 0 ||
	    (rc = gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_PEM, pem)) < 0)
		rc = HM_ERR_CRYPTO;
	else
		rc = HM_OK;
	gnutls_x509_crq_deinit(crq);
	gnutls_privkey_deinit(key);
	gnutls_x509_privkey_deinit(xkey);
	return rc;
}

static int make_bodies(struct loadgen *lg, size_t n, const char *profile, unsigned wait_ms)
{
	lg->bodies = calloc(n, sizeof(*lg->bodies));
	if (lg->bodies == NULL)
		return HM_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		gnutls_datum_t pem = { NULL, 0 };
		json_t *o;
		int rc = make_csr(i, &pem);

		if (rc != HM_OK)
			return rc;
		o = json_pack("{s:s%, s:s, s:i}", "csr", (const char *)pem.data, (size_t)pem.size,
		              "profile", profile, "wait_ms", (json_int_t)wait_ms);
		gnutls_free(pem.data);
		if (o == NULL)
			return HM_ERR_NOMEM;
		lg->bodies[i] = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (lg->bodies[i] == NULL)
			return HM_ERR_NOMEM;
		lg->nbodies++;
	}
	return HM_OK;
}

/* ---- HTTP ---- */

static void conn_send_next(struct lg_conn *c);
static void pace(struct loadgen *lg);

/* The run's timers; once closed (and the connections), the loop ends. */
static void close_timers(struct loadgen *lg)
{
	if (!uv_is_closing((uv_handle_t *)&lg->stop))
		uv_close((uv_handle_t *)&lg->stop, NULL);
	if (lg->rate > 0 && !uv_is_closing((uv_handle_t *)&lg->pacer))
		uv_close((uv_handle_t *)&lg->pacer, NULL);
}

/* Closed loop: the next request at once. Open loop: idle until one is due. */
static void conn_next(struct lg_conn *c)
{
	if (c->lg->rate > 0) {
		c->busy = 0;
		pace(c->lg);
	} else {
		conn_send_next(c);
	}
}

static void on_closed(uv_handle_t *h)
{
	(void)h;
}

/* The table entry counting status (0: transport), or NULL when it is full. */
static struct lg_error *error_kind(struct loadgen *lg, unsigned status)
{
	struct lg_error *e;

	for (size_t i = 0; i < lg->nerrors; i++)
		if (lg->errors[i].status == status) {
			lg->errors[i].count++;
			return NULL; /* counted; its first answer is already kept */
		}
	if (lg->nerrors == LG_MAX_ERROR_KINDS) {
		lg->errors_untracked++;
		return NULL;
	}
	e = &lg->errors[lg->nerrors++];
	e->status = status;
	e->count = 1;
	return e;
}

static void conn_fail(struct lg_conn *c, const char *why)
{
	struct loadgen *lg = c->lg;
	struct lg_error *e = error_kind(lg, 0);

	lg->status_count[0]++;
	if (e != NULL)
		snprintf(e->first, sizeof(e->first), "%s:%u: %s", c->target->host, c->target->port,
		         why);
	if (c->open) {
		c->open = 0;
		uv_close((uv_handle_t *)&c->tcp, on_closed);
		uv_close((uv_handle_t *)&c->backoff, on_closed);
	}
	/* Nothing else keeps the loop: end the run early rather than idle to the timer. */
	for (size_t i = 0; i < lg->nconns; i++)
		if (lg->conns[i].open)
			return;
	close_timers(lg);
}

static void record(struct lg_conn *c, unsigned status)
{
	struct loadgen *lg = c->lg;
	uint64_t ns = hm_clock_mono_ns() - c->sent_ns;

	if (status >= 100 && status < 600)
		lg->status_count[status / 100]++;
	if (lg->trace != NULL)
		fprintf(lg->trace, "%.3f %.3f %u\n", (double)(c->sent_ns - lg->start_ns) / 1e6,
		        (double)ns / 1e6, status);
	if (status >= 200 && status < 300) {
		if (lg->nlat == lg->cap_lat) {
			size_t cap = lg->cap_lat ? 2 * lg->cap_lat : 4096;
			uint64_t *n = realloc(lg->lat_ns, cap * sizeof(*n));

			if (n == NULL)
				return;
			lg->lat_ns = n;
			lg->cap_lat = cap;
		}
		lg->lat_ns[lg->nlat++] = ns;
	} else {
		struct lg_error *e = error_kind(lg, status);
		size_t body = 0;
		const char *p = strstr((const char *)c->answer.data, "\r\n\r\n");

		if (e == NULL)
			return;
		if (p != NULL)
			body = (size_t)(p + 4 - (const char *)c->answer.data);
		snprintf(e->first, sizeof(e->first), "%.*s",
		         (int)(c->answer.len - body > 150 ? 150 : c->answer.len - body),
		         (const char *)c->answer.data + body);
	}
}

/*
 * Returns 1 when the answer is complete (status set), 0 when more bytes are
 * needed, -1 when it cannot be parsed.
 */
static int parse_answer(const struct hm_buf *a, unsigned *status)
{
	const char *s = (const char *)a->data, *end, *p;
	size_t head, clen = SIZE_MAX;

	end = strstr(s, "\r\n\r\n"); /* data is NUL-terminated (on_read) */
	if (end == NULL)
		return a->len > 65536 ? -1 : 0;
	head = (size_t)(end - s) + 4;
	if (sscanf(s, "HTTP/1.%*1d %3u", status) != 1)
		return -1;
	for (p = strstr(s, "\r\n"); p != NULL && p < end; p = strstr(p + 2, "\r\n")) {
		if (strncasecmp(p + 2, "Content-Length:", 15) == 0) {
			clen = strtoull(p + 17, NULL, 10);
			break;
		}
	}
	if (clen == SIZE_MAX || clen > LG_MAX_ANSWER)
		return -1;
	return a->len >= head + clen ? 1 : 0;
}

static void on_backoff(uv_timer_t *t)
{
	struct lg_conn *c = t->data;

	if (c->open)
		conn_next(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct lg_conn *c = h->data;
	uint8_t *p;

	(void)suggested;
	if (hm_buf_reserve(&c->answer, 65536 + 1) != HM_OK) {
		*buf = uv_buf_init(NULL, 0);
		return;
	}
	p = c->answer.data + c->answer.len;
	*buf = uv_buf_init((char *)p, 65536);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct lg_conn *c = s->data;
	unsigned status = 0;
	int done;

	(void)buf;
	if (n < 0) {
		conn_fail(c, n == UV_EOF ? "connection closed by the server" : uv_strerror((int)n));
		return;
	}
	c->answer.len += (size_t)n;
	c->answer.data[c->answer.len] = '\0';
	done = parse_answer(&c->answer, &status);
	if (done < 0) {
		conn_fail(c, "unparsable HTTP answer");
		return;
	}
	if (done == 0)
		return;
	record(c, status);
	c->last_status = (int)status;
	if (c->lg->stopping) {
		struct loadgen *lg = c->lg;

		c->open = 0;
		uv_close((uv_handle_t *)&c->tcp, on_closed);
		uv_close((uv_handle_t *)&c->backoff, on_closed);
		for (size_t i = 0; i < lg->nconns; i++)
			if (lg->conns[i].open)
				return;
		close_timers(lg);
		return;
	}
	/* A server that says "later" (429, 503) gets a pause, as a real client would. */
	if (status == 429 || status == 503)
		uv_timer_start(&c->backoff, on_backoff, 100, 0);
	else
		conn_next(c);
}

static void on_written(uv_write_t *w, int status)
{
	struct lg_conn *c = w->data;

	if (status < 0)
		conn_fail(c, uv_strerror(status));
}

static void conn_send_next(struct lg_conn *c)
{
	struct loadgen *lg = c->lg;
	uint8_t raw[65535];
	const char *body;
	size_t body_len;
	char head[512];
	uv_buf_t b;
	int n;

	if (lg->raw_size > 0) {
		/* A unique small transaction: a counter, then filler. */
		memset(raw, 0xa5, lg->raw_size);
		lg->raw_counter++;
		memcpy(raw, &lg->raw_counter,
		       lg->raw_size < sizeof(lg->raw_counter) ? lg->raw_size
		                                              : sizeof(lg->raw_counter));
		body = (const char *)raw;
		body_len = lg->raw_size;
	} else {
		body = lg->bodies[lg->next_body++ % lg->nbodies];
		body_len = strlen(body);
	}
	n = snprintf(head, sizeof(head),
	             "POST %s HTTP/1.1\r\nHost: %s:%u\r\nAuthorization: Bearer "
	             "%s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n",
	             lg->raw_size ? "/v1/transactions" : "/v1/certificates", c->target->host,
	             c->target->port, lg->api_key,
	             lg->raw_size ? "application/octet-stream" : "application/json", body_len);
	hm_buf_truncate(&c->request, 0);
	hm_buf_truncate(&c->answer, 0);
	if (n < 0 || (size_t)n >= sizeof(head) ||
	    hm_buf_append(&c->request, head, (size_t)n) != HM_OK ||
	    hm_buf_append(&c->request, body, body_len) != HM_OK) {
		conn_fail(c, "out of memory");
		return;
	}
	b = uv_buf_init((char *)c->request.data, (unsigned)c->request.len);
	c->write.data = c;
	c->busy = 1;
	c->sent_ns = hm_clock_mono_ns();
	if (uv_write(&c->write, (uv_stream_t *)&c->tcp, &b, 1, on_written) < 0)
		conn_fail(c, "write failed");
}

static void on_connected(uv_connect_t *req, int status)
{
	struct lg_conn *c = req->data;

	if (status < 0) {
		conn_fail(c, uv_strerror(status));
		return;
	}
	if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0) {
		conn_fail(c, "read failed");
		return;
	}
	conn_next(c);
}

/*
 * Open loop: sends every request due by now on idle connections, each
 * stamped with the moment it was due. What finds no idle connection stays
 * due and goes out when one frees up (conn_next).
 */
static void pace(struct loadgen *lg)
{
	uint64_t now = hm_clock_mono_ns();

	if (lg->stopping)
		return;
	while ((double)lg->issued < (double)(now - lg->start_ns) * lg->rate / 1e9) {
		struct lg_conn *c = NULL;

		for (size_t i = 0; i < lg->nconns && c == NULL; i++)
			if (lg->conns[i].open && !lg->conns[i].busy)
				c = &lg->conns[i];
		if (c == NULL)
			return;
		conn_send_next(c);
		if (!c->busy)
			return; /* it failed; try again at the next tick */
		c->sent_ns = lg->start_ns + (uint64_t)((double)lg->issued * 1e9 / lg->rate);
		lg->issued++;
	}
}

static void on_pace(uv_timer_t *t)
{
	pace(t->data);
}

/* Open loop at the end: closes the idle connections; returns how many are still busy. */
static size_t close_idle(struct loadgen *lg)
{
	size_t busy = 0;

	uv_close((uv_handle_t *)&lg->pacer, NULL);
	for (size_t i = 0; i < lg->nconns; i++) {
		struct lg_conn *c = &lg->conns[i];

		if (c->open && !c->busy) {
			c->open = 0;
			uv_close((uv_handle_t *)&c->tcp, on_closed);
			uv_close((uv_handle_t *)&c->backoff, on_closed);
		}
		busy += c->open != 0;
	}
	return busy;
}

/*
 * First expiry: connections finish the request in flight, then close. The
 * second, a grace period later, closes whatever has not answered by then.
 */
static void on_stop(uv_timer_t *t)
{
	struct loadgen *lg = t->data;

	if (!lg->stopping) {
		lg->stopping = 1;
		if (lg->rate > 0 && close_idle(lg) == 0) {
			close_timers(lg); /* nothing in flight: done now, not after the grace */
			return;
		}
		uv_timer_start(t, on_stop, lg->grace_ms, 0);
		return;
	}
	for (size_t i = 0; i < lg->nconns; i++) {
		if (lg->conns[i].open)
			conn_fail(&lg->conns[i], "no answer before the end of the run");
	}
	if (!uv_is_closing((uv_handle_t *)t))
		uv_close((uv_handle_t *)t, NULL);
}

static int parse_url(const char *url, struct lg_target *t)
{
	const char *p, *colon;
	char port[8];
	size_t hlen;
	long v;
	char *end;

	if (strncmp(url, "http://", 7) != 0)
		return HM_ERR_INVALID;
	p = url + 7;
	if (*p == '[') {
		const char *close = strchr(p, ']');

		if (close == NULL || close[1] != ':')
			return HM_ERR_INVALID;
		hlen = (size_t)(close - p - 1);
		memcpy(t->host, p + 1, hlen < sizeof(t->host) ? hlen : 0);
		colon = close + 1;
	} else {
		colon = strrchr(p, ':');
		if (colon == NULL)
			return HM_ERR_INVALID;
		hlen = (size_t)(colon - p);
		memcpy(t->host, p, hlen < sizeof(t->host) ? hlen : 0);
	}
	if (hlen == 0 || hlen >= sizeof(t->host))
		return HM_ERR_INVALID;
	t->host[hlen] = '\0';
	snprintf(port, sizeof(port), "%.6s", colon + 1);
	v = strtol(port, &end, 10);
	if (*end != '\0' && *end != '/')
		return HM_ERR_INVALID;
	if (v <= 0 || v > 65535)
		return HM_ERR_INVALID;
	t->port = (uint16_t)v;
	if (uv_ip4_addr(t->host, t->port, (struct sockaddr_in *)&t->addr) != 0 &&
	    uv_ip6_addr(t->host, t->port, (struct sockaddr_in6 *)&t->addr) != 0)
		return HM_ERR_INVALID;
	return HM_OK;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static double pct_ms(const struct loadgen *lg, double p)
{
	if (lg->nlat == 0)
		return 0.0;
	return (double)lg->lat_ns[(size_t)(p * (double)(lg->nlat - 1))] / 1e6;
}

static int run_load(struct loadgen *lg, unsigned concurrency, double seconds, int json)
{
	uint64_t t0, t1;
	double elapsed;

	lg->conns = calloc(concurrency, sizeof(*lg->conns));
	if (lg->conns == NULL)
		return HM_ERR_NOMEM;
	lg->nconns = concurrency;
	t0 = hm_clock_mono_ns();
	for (unsigned i = 0; i < concurrency; i++) {
		struct lg_conn *c = &lg->conns[i];

		c->lg = lg;
		c->target = &lg->targets[i % lg->ntargets];
		hm_buf_init(&c->request);
		hm_buf_init(&c->answer);
		uv_tcp_init(&lg->loop, &c->tcp);
		uv_timer_init(&lg->loop, &c->backoff);
		c->backoff.data = c;
		c->tcp.data = c;
		c->connect.data = c;
		c->open = 1;
		c->busy = 1; /* until connected */
		uv_tcp_nodelay(&c->tcp, 1);
		if (uv_tcp_connect(&c->connect, &c->tcp, (const struct sockaddr *)&c->target->addr,
		                   on_connected) < 0)
			conn_fail(c, "connect failed");
	}
	uv_timer_init(&lg->loop, &lg->stop);
	lg->stop.data = lg;
	uv_timer_start(&lg->stop, on_stop, (uint64_t)(seconds * 1000.0), 0);
	lg->start_ns = t0;
	if (lg->rate > 0) {
		uv_timer_init(&lg->loop, &lg->pacer);
		lg->pacer.data = lg;
		uv_timer_start(&lg->pacer, on_pace, 1, 1);
	}
	uv_run(&lg->loop, UV_RUN_DEFAULT);
	t1 = hm_clock_mono_ns();
	elapsed = (double)(t1 - t0) / 1e9;
	if (lg->nlat > 0) /* qsort wants a non-null base even for 0 elements */
		qsort(lg->lat_ns, lg->nlat, sizeof(*lg->lat_ns), cmp_u64);
	if (lg->rate > 0 && !json)
		printf("open loop: %.1f requests/s offered, %llu sent\n", lg->rate,
		       (unsigned long long)lg->issued);
	if (json) {
		printf("{\"seconds\":%.3f,\"completed\":%zu,\"per_second\":%.1f,\"p50_ms\":%.2f,"
		       "\"p99_ms\":%.2f,\"max_ms\":%.2f,\"http_4xx\":%llu,\"http_5xx\":%llu,"
		       "\"transport_errors\":%llu,\"errors_by_status\":{",
		       elapsed, lg->nlat, (double)lg->nlat / elapsed, pct_ms(lg, 0.5),
		       pct_ms(lg, 0.99), pct_ms(lg, 1.0), (unsigned long long)lg->status_count[4],
		       (unsigned long long)lg->status_count[5],
		       (unsigned long long)lg->status_count[0]);
		/* HTTP statuses only: transport errors are counted above. */
		for (size_t i = 0, n = 0; i < lg->nerrors; i++)
			if (lg->errors[i].status != 0)
				printf("%s\"%u\":%llu", n++ ? "," : "", lg->errors[i].status,
				       (unsigned long long)lg->errors[i].count);
		printf("}}\n");
	} else {
		printf("%zu %s in %.1f s: %.1f/s; latency p50 %.1f ms, p99 %.1f ms, max "
		       "%.1f ms; %llu 4xx, %llu 5xx, %llu transport errors\n",
		       lg->nlat, lg->raw_size ? "transactions accepted" : "certificates", elapsed,
		       (double)lg->nlat / elapsed, pct_ms(lg, 0.5), pct_ms(lg, 0.99),
		       pct_ms(lg, 1.0), (unsigned long long)lg->status_count[4],
		       (unsigned long long)lg->status_count[5],
		       (unsigned long long)lg->status_count[0]);
	}
	for (size_t i = 0; i < lg->nerrors; i++) {
		const struct lg_error *e = &lg->errors[i];

		if (e->status == 0)
			fprintf(stderr,
			        "hypermesh: loadgen: %llu transport errors, the first: %s\n",
			        (unsigned long long)e->count, e->first);
		else
			fprintf(stderr, "hypermesh: loadgen: %llu answers HTTP %u, the first: %s\n",
			        (unsigned long long)e->count, e->status, e->first);
	}
	if (lg->errors_untracked > 0)
		fprintf(stderr, "hypermesh: loadgen: %llu more errors of other statuses\n",
		        (unsigned long long)lg->errors_untracked);
	return HM_OK;
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "csrs", required_argument, NULL, 'n' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "wait-ms", required_argument, NULL, 'w' },
		{ "profile", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "raw", required_argument, NULL, 'r' },
		{ "rate", required_argument, NULL, 'R' },
		{ "trace", required_argument, NULL, 'T' },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct loadgen lg;
	const char *key_file = NULL, *profile = "tls-server", *trace = NULL;
	unsigned long csrs = 1000, concurrency = 32, wait_ms = 10000;
	double duration = 10.0;
	int json = 0, opt, stop = 0, rc, exit_code = CLI_FAILURE;
	struct hm_buf key;
	char *end;

	memset(&lg, 0, sizeof(lg));
	hm_buf_init(&key);
	lg.cmd = cmd;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "u:k:n:c:d:w:p:jr:R:T:" CLI_COMMON_SHORT_OPTIONS,
	                          opts, NULL)) != -1) {
		int common = cli_common_option(cmd, opt, optarg, &stop);

		if (common >= 0) {
			if (stop || common != CLI_OK)
				return common;
			continue;
		}
		switch (opt) {
		case 'u':
			for (char *tok = strtok(optarg, ","); tok != NULL;
			     tok = strtok(NULL, ",")) {
				if (lg.ntargets == LG_MAX_TARGETS)
					return cli_usage_error(cmd, "at most %d URLs",
					                       LG_MAX_TARGETS);
				if (parse_url(tok, &lg.targets[lg.ntargets]) != HM_OK)
					return cli_usage_error(
					        cmd, "bad URL '%s' (want http://ADDRESS:PORT)",
					        tok);
				lg.ntargets++;
			}
			break;
		case 'k':
			key_file = optarg;
			break;
		case 'n':
			csrs = strtoul(optarg, &end, 10);
			if (*end || csrs == 0 || csrs > 1000000)
				return cli_usage_error(cmd, "--csrs wants 1..1000000");
			break;
		case 'c':
			concurrency = strtoul(optarg, &end, 10);
			if (*end || concurrency == 0 || concurrency > LG_MAX_CONNS)
				return cli_usage_error(cmd, "--concurrency wants 1..%d",
				                       LG_MAX_CONNS);
			break;
		case 'd':
			duration = strtod(optarg, &end);
			if (*end || !(duration > 0.0 && duration <= 3600.0))
				return cli_usage_error(cmd, "--duration wants 0..3600 seconds");
			break;
		case 'w':
			wait_ms = strtoul(optarg, &end, 10);
			if (*end || wait_ms > 600000)
				return cli_usage_error(cmd, "--wait-ms wants 0..600000");
			break;
		case 'p':
			profile = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'r':
			lg.raw_size = strtoul(optarg, &end, 10);
			if (*end || lg.raw_size < 8 || lg.raw_size > 65535)
				return cli_usage_error(cmd, "--raw wants a size of 8..65535 bytes");
			break;
		case 'T':
			trace = optarg;
			break;
		case 'R':
			lg.rate = strtod(optarg, &end);
			if (*end || !(lg.rate >= 0.1 && lg.rate <= 1000000.0))
				return cli_usage_error(cmd, "--rate wants 0.1..1000000 requests/s");
			break;
		default:
			return cli_usage_error(cmd, "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (lg.ntargets == 0 || key_file == NULL)
		return cli_usage_error(cmd, "--url and --key-file are required");
	if ((rc = hm_file_read(key_file, 4096, &key)) != HM_OK) {
		cli_error(cmd, "%s: %s", key_file, hm_strerror(rc));
		return CLI_FAILURE;
	}
	while (key.len && (key.data[key.len - 1] == '\n' || key.data[key.len - 1] == '\r'))
		key.len--;
	if (key.len == 0 || memchr(key.data, '\n', key.len) != NULL ||
	    hm_buf_append_byte(&key, 0) != HM_OK) {
		cli_error(cmd, "%s: not an API key (one line expected)", key_file);
		goto out;
	}
	lg.api_key = (const char *)key.data;
	lg.grace_ms = wait_ms + 5000;
	if (lg.raw_size == 0 &&
	    (rc = make_bodies(&lg, csrs, profile, (unsigned)wait_ms)) != HM_OK) {
		cli_error(cmd, "making CSRs: %s", hm_strerror(rc));
		goto out;
	}
	if (trace != NULL && (lg.trace = fopen(trace, "w")) == NULL) {
		cli_error(cmd, "%s: cannot create", trace);
		goto out;
	}
	if (uv_loop_init(&lg.loop) != 0) {
		cli_error(cmd, "cannot start the event loop");
		goto out;
	}
	rc = run_load(&lg, (unsigned)concurrency, duration, json);
	uv_loop_close(&lg.loop);
	if (rc != HM_OK)
		cli_error(cmd, "%s", hm_strerror(rc));
	else
		exit_code = lg.nlat > 0 ? CLI_OK : CLI_FAILURE;
	if (rc == HM_OK && lg.nlat == 0)
		cli_error(cmd, "no request succeeded");
out:
	if (lg.trace != NULL && fclose(lg.trace) != 0 && exit_code == CLI_OK) {
		cli_error(cmd, "%s: write failed", trace);
		exit_code = CLI_FAILURE;
	}
	for (size_t i = 0; i < lg.nconns; i++) {
		hm_buf_free(&lg.conns[i].request);
		hm_buf_free(&lg.conns[i].answer);
	}
	free(lg.conns);
	for (size_t i = 0; i < lg.nbodies; i++)
		free(lg.bodies[i]);
	free(lg.bodies);
	free(lg.lat_ns);
	hm_buf_free(&key);
	return exit_code;
}

const struct cli_command cli_cmd_loadgen = {
	.name = "loadgen",
	.summary = "closed-loop load on the certificate API (benchmarks)",
	.usage =
	        "usage: hypermesh loadgen --url http://ADDR:PORT[,...] --key-file FILE\n"
	        "                         [--csrs N] [--concurrency C] [--duration S]\n"
	        "                         [--wait-ms MS] [--profile NAME] [--rate R] [--json]\n"
	        "\n"
	        "Makes N distinct CSRs (Ed25519), then keeps C keep-alive connections,\n"
	        "spread over the URLs, each sending POST /v1/certificates as soon as its\n"
	        "previous answer arrived, for S seconds. Prints certificates/s and the\n"
	        "latency of each request (sent to answered, i.e. to commit) at p50/p99.\n"
	        "With --rate R the load is open-loop: R requests/s on whichever of the C\n"
	        "connections is idle, latency counted from when each was due.\n"
	        "Exit status 0 if at least one request succeeded.\n"
	        "\n"
	        "  -u, --url URLS         API endpoints, comma separated (numeric addresses)\n"
	        "  -k, --key-file FILE    API key with the issuer or requester role\n"
	        "  -n, --csrs N           distinct CSRs to cycle through (default 1000)\n"
	        "  -c, --concurrency C    connections (default 32)\n"
	        "  -d, --duration S       seconds of load (default 10)\n"
	        "  -w, --wait-ms MS       commit wait the server is asked for (default 10000)\n"
	        "  -p, --profile NAME     certificate profile (default tls-server)\n"
	        "  -R, --rate R           open loop: R requests/s (default: closed loop)\n"
	        "  -T, --trace FILE       one line per answer: sent (ms from start), latency\n"
	        "                         (ms), HTTP status\n"
	        "  -j, --json             one JSON object instead of a sentence\n" CLI_COMMON_USAGE,
	.run = run,
};
