/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP server: libmicrohttpd in its own thread, bridged to a libuv loop.
 *
 * Two threads touch a request, one after the other, never at once:
 *
 *   MHD thread                               loop thread
 *   ----------                               -----------
 *   uri_logged: allocate req, keep raw URI
 *   access (1st): static files, 413 by
 *     Content-Length, else wait for the body
 *   access (body): append up to max_body,
 *     discard (and remember) the rest
 *   access (end): copy headers, suspend the
 *     connection, push req on the queue  -->  on_async: pop, route, authorize,
 *     (the one mutex), uv_async_send          run the handler; it answers now
 *                                             or defers and answers later;
 *                                             answering stores the MHD response
 *   access (after resume): queue the     <--  in req and resumes the connection;
 *     response                                the loop never touches req again
 *   completed: free req
 *
 * While a request is with the loop its connection is suspended, so MHD
 * neither times it out nor frees it; MHD only resumes it when the loop says
 * so. A suspended connection is also invisible to MHD's poller, so the loop
 * watches the sockets of deferred requests itself (an epoll set, for
 * EPOLLRDHUP) to learn that a client went away.
 *
 * Shared between the threads, beyond the queue: `closing` (written under the
 * mutex) and `outstanding` (atomic). Routes live on the loop; static mounts
 * and the config are immutable once MHD runs.
 */
#define _GNU_SOURCE /* strcasecmp, openat2 via syscall */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hypermesh/buf.h"
#include "hypermesh/clock.h"
#include "hypermesh/error.h"
#include "hypermesh/http.h"
#include "hypermesh/log.h"
#include "router.h"

#define LOG_MODULE     "http"
/* How long close waits for the 503s of outstanding requests to be written. */
#define CLOSE_DRAIN_NS (2ull * 1000 * 1000 * 1000)

struct header {
	struct header *next;
	char *name;
	char *value;
};

struct route {
	struct route *next;
	char *method;
	char *permission;
	struct hm_http_pattern pattern;
	hm_http_handler_fn fn;
	void *arg;
};

struct static_mount {
	struct static_mount *next;
	struct hm_http_pattern prefix; /* literal segments only */
	int dirfd;
};

enum phase {
	PHASE_HEADERS, /* next access call is the first */
	PHASE_BODY,    /* reading the body */
	PHASE_LOOP,    /* suspended, with the loop */
	PHASE_DONE,    /* a response is queued */
};

struct hm_http_req {
	struct hm_http_server *srv;
	struct MHD_Connection *conn;
	enum phase phase;
	char *raw_target;
	char *method;
	struct header *headers;
	struct hm_buf body;
	int body_too_large, body_nomem;
	int counted;                 /* included in srv->outstanding */
	int fd;                      /* the connection's socket, for disconnect detection */
	char peer[INET6_ADDRSTRLEN]; /* the client's address, numeric */

	struct hm_http_req *queue_next; /* the MHD -> loop queue (under the mutex) */

	/* Loop side. */
	struct hm_http_target target;
	const struct route *route;
	struct header *resp_headers;
	int deferred, cancelling;
	hm_http_cancel_fn on_cancel;
	void *cancel_arg;
	uint64_t deadline_ms;
	uint64_t queued_ns;                /* when the MHD thread handed req over */
	struct hm_http_req *dprev, *dnext; /* deferred list, oldest first */

	/* Loop -> MHD, published by MHD_resume_connection. */
	struct MHD_Response *response;
	unsigned status;
};

enum handler_outcome { OUTCOME_NONE, OUTCOME_ANSWERED, OUTCOME_DEFERRED };

struct hm_http_server {
	uv_loop_t *loop;
	struct hm_http_config cfg;
	char *bind_address;
	struct MHD_Daemon *mhd;
	uint16_t port;

	/* The bridge. */
	pthread_mutex_t mutex; /* guards queue_head/queue_tail/closing */
	struct hm_http_req *queue_head, *queue_tail;
	int closing;
	atomic_uint outstanding;
	uv_async_t async;

	/* Loop side. */
	struct route *routes, **routes_tail;
	struct static_mount *statics;
	struct hm_http_req *deferred_head, *deferred_tail;
	uv_timer_t timer;
	int epfd;
	uv_poll_t poll;
	int handles_open;
	struct hm_http_req *batch; /* taken from the queue, not dispatched yet */
	struct hm_http_req *in_handler;
	enum handler_outcome outcome;

	/* Optional series in cfg.metrics (loop thread). */
	struct hm_counter *answers[5]; /* by status class 1xx..5xx */
	struct hm_histogram *duration;
	struct hm_gauge *deferred_gauge;
};

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static void headers_free(struct header *h)
{
	while (h != NULL) {
		struct header *next = h->next;
		free(h->name);
		free(h->value);
		free(h);
		h = next;
	}
}

static int header_push(struct header **list, const char *name, const char *value)
{
	struct header *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return HM_ERR_NOMEM;
	h->name = strdup(name);
	h->value = strdup(value);
	if (h->name == NULL || h->value == NULL) {
		headers_free(h);
		return HM_ERR_NOMEM;
	}
	h->next = *list;
	*list = h;
	return HM_OK;
}

static void req_free(struct hm_http_req *req)
{
	if (req == NULL)
		return;
	if (req->response != NULL)
		MHD_destroy_response(req->response);
	free(req->raw_target);
	free(req->method);
	headers_free(req->headers);
	headers_free(req->resp_headers);
	hm_buf_free(&req->body);
	hm_http_target_free(&req->target);
	free(req);
}

/* A response with the uniform error body; code and message are plain ASCII. */
static struct MHD_Response *error_response(const char *code, const char *message)
{
	json_t *j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message);
	struct MHD_Response *r = NULL;
	char *text;

	if (j == NULL)
		return NULL;
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (text == NULL)
		return NULL;
	r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_COPY);
	free(text);
	if (r == NULL)
		return NULL;
	if (MHD_add_response_header(r, "Content-Type", "application/json") != MHD_YES ||
	    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") != MHD_YES) {
		MHD_destroy_response(r);
		return NULL;
	}
	return r;
}

/* MHD thread: answers at once (static files, early errors). */
static enum MHD_Result answer_direct(struct hm_http_req *req, struct MHD_Connection *conn,
                                     unsigned status, struct MHD_Response *r)
{
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO; /* out of memory: close the connection */
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	if (req != NULL)
		req->phase = PHASE_DONE;
	return ret;
}

static enum MHD_Result answer_error_direct(struct hm_http_req *req, struct MHD_Connection *conn,
                                           unsigned status, const char *code, const char *msg)
{
	return answer_direct(req, conn, status, error_response(code, msg));
}

/* ------------------------------------------------------------------ */
/* Static files (MHD thread)                                           */

static const char *content_type_for(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".ico", "image/x-icon" },
		{ ".txt", "text/plain; charset=utf-8" },
	};
	const char *dot = strrchr(path, '.');

	if (dot != NULL)
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcmp(dot, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

static int static_prefix_match(const struct static_mount *m, const struct hm_http_target *t)
{
	if (t->nsegments < m->prefix.nsegments)
		return 0;
	for (size_t i = 0; i < m->prefix.nsegments; i++)
		if (strcmp(m->prefix.segments[i], t->segments[i]) != 0)
			return 0;
	return 1;
}

static enum MHD_Result serve_static(struct hm_http_req *req, struct MHD_Connection *conn,
                                    const struct static_mount *m, const struct hm_http_target *t)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
		/* Beneath dir, and no symlink at all: a dashboard has none. */
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	struct MHD_Response *r;
	char rel[HM_HTTP_MAX_TARGET + 16];
	struct stat st;
	long fd;

	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		r = error_response("method_not_allowed", "static files answer GET and HEAD only");
		if (r != NULL && MHD_add_response_header(r, "Allow", "GET, HEAD") != MHD_YES) {
			MHD_destroy_response(r);
			r = NULL;
		}
		return answer_direct(req, conn, 405, r);
	}
	if (hm_http_static_relpath(t, m->prefix.nsegments, rel, sizeof(rel)) != HM_OK)
		return answer_error_direct(req, conn, 404, "not_found", "no such file");
	fd = syscall(SYS_openat2, m->dirfd, rel, &how, sizeof(how));
	if (fd < 0)
		return answer_error_direct(req, conn, 404, "not_found", "no such file");
	if (fstat((int)fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close((int)fd);
		return answer_error_direct(req, conn, 404, "not_found", "no such file");
	}
	/* MHD owns fd from here, also when it fails. */
	r = MHD_create_response_from_fd((size_t)st.st_size, (int)fd);
	if (r == NULL) {
		close((int)fd);
		return MHD_NO;
	}
	if (MHD_add_response_header(r, "Content-Type", content_type_for(rel)) != MHD_YES ||
	    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") != MHD_YES) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	return answer_direct(req, conn, 200, r);
}

/* ------------------------------------------------------------------ */
/* MHD thread callbacks                                                */

static void *uri_logged(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct hm_http_req *req = calloc(1, sizeof(*req));

	(void)conn;
	if (req == NULL)
		return NULL;
	req->srv = cls;
	req->fd = -1;
	hm_buf_init(&req->body);
	req->raw_target = strdup(uri);
	if (req->raw_target == NULL) {
		free(req);
		return NULL;
	}
	return req;
}

static enum MHD_Result copy_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
	struct hm_http_req *req = cls;

	(void)kind;
	if (key == NULL || value == NULL)
		return MHD_YES;
	if (header_push(&req->headers, key, value) != HM_OK) {
		req->body_nomem = 1;
		return MHD_NO;
	}
	return MHD_YES;
}

static enum MHD_Result on_first_call(struct hm_http_server *srv, struct hm_http_req *req,
                                     struct MHD_Connection *conn, const char *method)
{
	const char *cl;

	req->conn = conn;
	req->method = strdup(method);
	if (req->method == NULL)
		return MHD_NO;
	req->phase = PHASE_BODY;

	if (srv->statics != NULL) {
		struct hm_http_target t;
		int rc = hm_http_target_parse(req->raw_target, strlen(req->raw_target), &t);

		if (rc == HM_OK) {
			enum MHD_Result ret = MHD_YES;
			int served = 0;

			for (const struct static_mount *m = srv->statics; m != NULL; m = m->next) {
				if (static_prefix_match(m, &t)) {
					ret = serve_static(req, conn, m, &t);
					served = 1;
					break;
				}
			}
			hm_http_target_free(&t);
			if (served)
				return ret;
		}
		/* Unparsable targets are answered by the loop's router, uniformly. */
	}

	/* A declared length over the limit is refused before any byte is read. */
	cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL) {
		char *end;
		unsigned long long n;

		errno = 0;
		n = strtoull(cl, &end, 10);
		if (errno != 0 || end == cl || n > srv->cfg.max_body)
			return answer_error_direct(req, conn, 413, "body_too_large",
			                           "the request body exceeds the server's limit");
	}
	return MHD_YES;
}

static enum MHD_Result hand_to_loop(struct hm_http_server *srv, struct hm_http_req *req,
                                    struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	const char *refusal = NULL;

	MHD_get_connection_values(conn, MHD_HEADER_KIND, copy_header, req);
	if (req->body_nomem)
		return answer_error_direct(req, conn, 500, "internal", "out of memory");
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	req->fd = ci != NULL ? ci->connect_fd : -1;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, req->peer,
			          sizeof(req->peer));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
			          req->peer, sizeof(req->peer));
	}

	pthread_mutex_lock(&srv->mutex);
	if (srv->closing) {
		refusal = "shutting_down";
	} else if (atomic_load(&srv->outstanding) >= srv->cfg.max_outstanding) {
		refusal = "overloaded";
	} else {
		atomic_fetch_add(&srv->outstanding, 1);
		req->counted = 1;
		req->queued_ns = hm_clock_mono_ns();
		req->phase = PHASE_LOOP;
		/* Suspend before the loop can see req, so its resume always follows. */
		MHD_suspend_connection(conn);
		if (srv->queue_tail != NULL)
			srv->queue_tail->queue_next = req;
		else
			srv->queue_head = req;
		srv->queue_tail = req;
	}
	pthread_mutex_unlock(&srv->mutex);
	if (refusal != NULL)
		return answer_error_direct(req, conn, 503, refusal,
		                           strcmp(refusal, "overloaded") == 0
		                                   ? "too many requests in progress"
		                                   : "the server is shutting down");
	uv_async_send(&srv->async);
	return MHD_YES;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
	struct hm_http_server *srv = cls;
	struct hm_http_req *req = *con_cls;

	(void)url; /* MHD's decoded copy; the router decodes the raw target itself */
	(void)version;
	if (req == NULL)
		return MHD_NO; /* uri_logged ran out of memory */

	switch (req->phase) {
	case PHASE_HEADERS:
		return on_first_call(srv, req, conn, method);
	case PHASE_BODY:
		if (*upload_data_size > 0) {
			size_t n = *upload_data_size;

			/* Past the limit (chunked bodies have no length up front) the rest is
			 * read and dropped, so the client still gets its 413. */
			if (!req->body_too_large && !req->body_nomem) {
				if (n > srv->cfg.max_body - req->body.len) {
					req->body_too_large = 1;
					hm_buf_free(&req->body);
				} else if (hm_buf_append(&req->body, upload_data, n) != HM_OK) {
					req->body_nomem = 1;
					hm_buf_free(&req->body);
				}
			}
			*upload_data_size = 0;
			return MHD_YES;
		}
		if (req->body_too_large)
			return answer_error_direct(req, conn, 413, "body_too_large",
			                           "the request body exceeds the server's limit");
		if (req->body_nomem)
			return answer_error_direct(req, conn, 500, "internal", "out of memory");
		return hand_to_loop(srv, req, conn);
	case PHASE_LOOP: {
		struct MHD_Response *r = req->response;
		enum MHD_Result ret;

		if (r == NULL)
			return MHD_NO; /* the client went away, or no memory for an answer */
		req->response = NULL;
		ret = MHD_queue_response(conn, req->status, r);
		MHD_destroy_response(r);
		req->phase = PHASE_DONE;
		return ret;
	}
	case PHASE_DONE:
		if (*upload_data_size > 0)
			*upload_data_size = 0;
		return MHD_YES;
	}
	return MHD_NO;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct hm_http_server *srv = cls;
	struct hm_http_req *req = *con_cls;

	(void)conn;
	(void)toe;
	if (req == NULL)
		return;
	*con_cls = NULL;
	if (req->counted)
		atomic_fetch_sub(&srv->outstanding, 1);
	req_free(req);
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	hm_log(HM_LOG_WARN, LOG_MODULE, "libmicrohttpd", HM_LOG_STR("detail", msg));
}

/* ------------------------------------------------------------------ */
/* Loop side: finishing requests                                       */

static void deferred_unlink(struct hm_http_server *srv, struct hm_http_req *req)
{
	if (!req->deferred)
		return;
	if (req->dprev != NULL)
		req->dprev->dnext = req->dnext;
	else
		srv->deferred_head = req->dnext;
	if (req->dnext != NULL)
		req->dnext->dprev = req->dprev;
	else
		srv->deferred_tail = req->dprev;
	req->dprev = req->dnext = NULL;
	req->deferred = 0;
	if (srv->deferred_gauge != NULL)
		hm_gauge_add(srv->deferred_gauge, -1);
	if (req->fd >= 0)
		(void)epoll_ctl(srv->epfd, EPOLL_CTL_DEL, req->fd, NULL);
}

/*
 * Hands req back to MHD with response r (NULL: close the connection). The
 * last thing the loop does with req: after the resume MHD may free it.
 */
static void finish(struct hm_http_req *req, unsigned status, struct MHD_Response *r)
{
	struct hm_http_server *srv = req->srv;

	deferred_unlink(srv, req);
	if (srv->in_handler == req)
		srv->outcome = OUTCOME_ANSWERED;
	hm_log(HM_LOG_DEBUG, LOG_MODULE, "answered", HM_LOG_STR("peer", req->peer),
	       HM_LOG_STR("method", req->method), HM_LOG_STR("path", req->target.path),
	       HM_LOG_UINT("status", status),
	       HM_LOG_UINT("us", (hm_clock_mono_ns() - req->queued_ns) / 1000));
	if (srv->duration != NULL) {
		hm_histogram_observe(srv->duration,
		                     (double)(hm_clock_mono_ns() - req->queued_ns) / 1e9);
		/* A dropped request (client gone) is counted with no class. */
		if (status >= 100 && status <= 599)
			hm_counter_inc(srv->answers[status / 100 - 1]);
	}
	req->status = status;
	req->response = r;
	MHD_resume_connection(req->conn);
}

static int build_response(struct hm_http_req *req, const char *content_type, const void *body,
                          size_t len, struct MHD_Response **out)
{
	struct MHD_Response *r;

	r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return HM_ERR_NOMEM;
	if ((content_type != NULL &&
	     MHD_add_response_header(r, "Content-Type", content_type) != MHD_YES) ||
	    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") != MHD_YES)
		goto nomem;
	for (const struct header *h = req->resp_headers; h != NULL; h = h->next)
		if (MHD_add_response_header(r, h->name, h->value) != MHD_YES)
			goto nomem;
	*out = r;
	return HM_OK;
nomem:
	MHD_destroy_response(r);
	return HM_ERR_NOMEM;
}

int hm_http_respond(struct hm_http_req *req, unsigned status, const char *content_type,
                    const void *body, size_t len)
{
	struct MHD_Response *r = NULL;
	int rc;

	if (req->cancelling)
		return HM_ERR_INVALID; /* the server answers a cancelled request itself */
	if (status < 200 || status > 599) {
		finish(req, 500, error_response("internal", "handler chose an invalid status"));
		return HM_ERR_INVALID;
	}
	rc = build_response(req, content_type, body, len, &r);
	if (rc != HM_OK) {
		/* Out of memory, or a header MHD refuses (Content-Length, ...). */
		finish(req, 500, error_response("internal", "could not build the response"));
		return rc;
	}
	finish(req, status, r);
	return HM_OK;
}

int hm_http_respond_json(struct hm_http_req *req, unsigned status, json_t *json)
{
	char *text;
	int rc;

	/* Failures answer through finish() directly: respond_error calls us. */
	text = json != NULL ? json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	json_decref(json);
	if (text == NULL) {
		if (req->cancelling)
			return HM_ERR_INVALID;
		finish(req, 500, error_response("internal", "out of memory"));
		return HM_ERR_NOMEM;
	}
	rc = hm_http_respond(req, status, "application/json", text, strlen(text));
	free(text);
	return rc;
}

int hm_http_respond_error(struct hm_http_req *req, unsigned status, const char *code,
                          const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	json_t *j;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* json_pack refuses invalid UTF-8; a message echoing input may carry some. */
	j = json_pack("{s:{s:s,s:s?}}", "error", "code", code, "message", msg);
	if (j == NULL)
		j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message",
		              "(message not valid UTF-8)");
	return hm_http_respond_json(req, status, j);
}

int hm_http_req_add_header(struct hm_http_req *req, const char *name, const char *value)
{
	if (name == NULL || value == NULL || name[0] == '\0' || strpbrk(name, "\r\n:") != NULL ||
	    strpbrk(value, "\r\n") != NULL)
		return HM_ERR_INVALID;
	return header_push(&req->resp_headers, name, value);
}

static void on_timer(uv_timer_t *t);

/* Points the one timer at the oldest deferred request's deadline. */
static void arm_timer(struct hm_http_server *srv)
{
	struct hm_http_req *head = srv->deferred_head;
	uint64_t now = uv_now(srv->loop);

	if (head == NULL) {
		uv_timer_stop(&srv->timer);
		return;
	}
	uv_timer_start(&srv->timer, on_timer, head->deadline_ms > now ? head->deadline_ms - now : 0,
	               0);
}

static void cancel(struct hm_http_req *req, enum hm_http_cancel_reason reason)
{
	deferred_unlink(req->srv, req);
	req->cancelling = 1;
	if (req->on_cancel != NULL)
		req->on_cancel(req, reason, req->cancel_arg);
	req->cancelling = 0;
	if (reason == HM_HTTP_CANCEL_GONE)
		finish(req, 0, NULL);
	else if (reason == HM_HTTP_CANCEL_TIMEOUT)
		finish(req, 503, error_response("timeout", "no answer in time"));
	else
		finish(req, 503, error_response("shutting_down", "the server is shutting down"));
}

static void on_timer(uv_timer_t *t)
{
	struct hm_http_server *srv = t->data;
	uint64_t now = uv_now(srv->loop);

	while (srv->deferred_head != NULL && srv->deferred_head->deadline_ms <= now)
		cancel(srv->deferred_head, HM_HTTP_CANCEL_TIMEOUT);
	arm_timer(srv);
}

void hm_http_req_defer(struct hm_http_req *req, hm_http_cancel_fn on_cancel, void *arg)
{
	struct hm_http_server *srv = req->srv;
	int was_empty = srv->deferred_head == NULL;

	if (req->deferred)
		return;
	req->deferred = 1;
	if (srv->deferred_gauge != NULL)
		hm_gauge_add(srv->deferred_gauge, 1);
	req->on_cancel = on_cancel;
	req->cancel_arg = arg;
	/* One timeout for all: appending keeps the list sorted by deadline. */
	req->deadline_ms = uv_now(srv->loop) + srv->cfg.async_timeout_ms;
	req->dprev = srv->deferred_tail;
	req->dnext = NULL;
	if (srv->deferred_tail != NULL)
		srv->deferred_tail->dnext = req;
	else
		srv->deferred_head = req;
	srv->deferred_tail = req;
	if (req->fd >= 0) {
		struct epoll_event ev = { .events = EPOLLRDHUP, .data.ptr = req };
		(void)epoll_ctl(srv->epfd, EPOLL_CTL_ADD, req->fd, &ev);
	}
	if (srv->in_handler == req)
		srv->outcome = OUTCOME_DEFERRED;
	if (was_empty)
		arm_timer(srv);
}

static void on_epoll(uv_poll_t *p, int status, int events)
{
	struct hm_http_server *srv = p->data;
	struct epoll_event ev;

	(void)status;
	(void)events;
	/* One event at a time: a cancel callback may answer other requests. */
	while (epoll_wait(srv->epfd, &ev, 1, 0) == 1) {
		struct hm_http_req *req = ev.data.ptr;
		cancel(req, HM_HTTP_CANCEL_GONE);
	}
}

/* ------------------------------------------------------------------ */
/* Loop side: dispatch                                                 */

static int bearer_token(const char *auth, const char **token)
{
	const char *t;

	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
		return HM_ERR_INVALID;
	t = auth + 7;
	while (*t == ' ')
		t++;
	/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
	size_t n =
	        strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+/");
	if (n == 0)
		return HM_ERR_INVALID;
	n += strspn(t + n, "=");
	if (t[n] != '\0')
		return HM_ERR_INVALID;
	*token = t;
	return HM_OK;
}

static void dispatch(struct hm_http_server *srv, struct hm_http_req *req)
{
	const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
	const struct route *route = NULL;
	char allow[128] = "";
	int rc;

	rc = hm_http_target_parse(req->raw_target, strlen(req->raw_target), &req->target);
	if (rc == HM_ERR_TOO_LARGE) {
		(void)hm_http_respond_error(req, 414, "uri_too_long",
		                            "the request target is too long");
		return;
	}
	if (rc == HM_ERR_NOMEM) {
		(void)hm_http_respond_error(req, 500, "internal", "out of memory");
		return;
	}
	if (rc != HM_OK) {
		(void)hm_http_respond_error(req, 400, "bad_request", "malformed request target: %s",
		                            hm_strerror(rc));
		return;
	}
	for (const struct route *r = srv->routes; r != NULL; r = r->next) {
		if (!hm_http_pattern_match(&r->pattern, &req->target))
			continue;
		if (strcmp(r->method, method) == 0) {
			route = r;
			break;
		}
		if (strstr(allow, r->method) == NULL &&
		    strlen(allow) + strlen(r->method) + 8 < sizeof(allow)) {
			if (allow[0] != '\0')
				strcat(allow, ", ");
			strcat(allow, r->method);
			if (strcmp(r->method, "GET") == 0)
				strcat(allow, ", HEAD");
		}
	}
	if (route == NULL) {
		if (allow[0] == '\0') {
			(void)hm_http_respond_error(req, 404, "not_found", "no route for %s",
			                            req->target.path);
			return;
		}
		if (hm_http_req_add_header(req, "Allow", allow) != HM_OK) {
			(void)hm_http_respond_error(req, 500, "internal", "out of memory");
			return;
		}
		(void)hm_http_respond_error(req, 405, "method_not_allowed",
		                            "%s is not allowed here (allowed: %s)", req->method,
		                            allow);
		return;
	}
	req->route = route;
	if (route->permission != NULL) {
		const char *token;

		if (hm_http_req_header(req, "Authorization") == NULL ||
		    bearer_token(hm_http_req_header(req, "Authorization"), &token) != HM_OK) {
			int missing = hm_http_req_header(req, "Authorization") == NULL;
			(void)hm_http_req_add_header(req, "WWW-Authenticate", "Bearer");
			(void)hm_http_respond_error(req, 401, "unauthorized",
			                            missing ? "an API key is required "
			                                      "(Authorization: Bearer <key>)"
			                                    : "malformed Authorization header, "
			                                      "expected: Bearer <key>");
			return;
		}
		rc = srv->cfg.authorize != NULL
		             ? srv->cfg.authorize(srv->cfg.authorize_ctx, token, route->permission)
		             : HM_ERR_NOT_FOUND;
		if (rc == HM_ERR_PERMISSION) {
			(void)hm_http_respond_error(req, 403, "forbidden",
			                            "the API key lacks the permission '%s'",
			                            route->permission);
			return;
		}
		if (rc == HM_ERR_NOT_FOUND || rc == HM_ERR_VERIFY) {
			(void)hm_http_req_add_header(req, "WWW-Authenticate",
			                             "Bearer error=\"invalid_token\"");
			(void)hm_http_respond_error(req, 401, "unauthorized", "unknown API key");
			return;
		}
		if (rc != HM_OK) {
			(void)hm_http_respond_error(req, 500, "internal",
			                            "authorization failed: %s", hm_strerror(rc));
			return;
		}
	}
	srv->in_handler = req;
	srv->outcome = OUTCOME_NONE;
	route->fn(req, route->arg);
	srv->in_handler = NULL;
	if (srv->outcome == OUTCOME_NONE) {
		hm_log(HM_LOG_ERROR, LOG_MODULE, "handler neither answered nor deferred",
		       HM_LOG_STR("path", req->target.path));
		(void)hm_http_respond_error(req, 500, "internal", "the handler did not answer");
	}
}

static struct hm_http_req *queue_take(struct hm_http_server *srv)
{
	struct hm_http_req *list;

	pthread_mutex_lock(&srv->mutex);
	list = srv->queue_head;
	srv->queue_head = srv->queue_tail = NULL;
	pthread_mutex_unlock(&srv->mutex);
	return list;
}

static void on_async(uv_async_t *a)
{
	struct hm_http_server *srv = a->data;
	struct hm_http_req **tail = &srv->batch;

	/* The batch lives in srv, not on this stack, so that a handler that
	 * closes the server lets close() answer the rest of it. */
	while (*tail != NULL)
		tail = &(*tail)->queue_next;
	*tail = queue_take(srv);
	while (srv->batch != NULL && !srv->closing) {
		struct hm_http_req *req = srv->batch;

		srv->batch = req->queue_next;
		req->queue_next = NULL;
		dispatch(srv, req);
	}
}

/* ------------------------------------------------------------------ */
/* Request accessors                                                   */

const char *hm_http_req_method(const struct hm_http_req *req)
{
	return req->method;
}

const char *hm_http_req_peer(const struct hm_http_req *req)
{
	return req->peer;
}

const char *hm_http_req_path(const struct hm_http_req *req)
{
	return req->target.path;
}

const char *hm_http_req_param(const struct hm_http_req *req, const char *name)
{
	if (req->route == NULL || name == NULL)
		return NULL;
	return hm_http_pattern_param(&req->route->pattern, &req->target, name);
}

const char *hm_http_req_query(const struct hm_http_req *req, const char *name)
{
	if (name == NULL || req->target.mem == NULL)
		return NULL;
	return hm_http_target_query(&req->target, name);
}

const char *hm_http_req_header(const struct hm_http_req *req, const char *name)
{
	/* Headers were pushed in front, so the last match is the first sent. */
	const char *found = NULL;

	for (const struct header *h = req->headers; h != NULL; h = h->next)
		if (strcasecmp(h->name, name) == 0)
			found = h->value;
	return found;
}

const uint8_t *hm_http_req_body(const struct hm_http_req *req, size_t *len)
{
	*len = req->body.len;
	return req->body.len ? req->body.data : NULL;
}

int hm_http_req_json(struct hm_http_req *req, json_t **out)
{
	char msg[256];
	int rc = hm_json_parse(req->body.data, req->body.len, req->srv->cfg.json_max_depth, out,
	                       msg, sizeof(msg));

	if (rc == HM_ERR_NOMEM)
		(void)hm_http_respond_error(req, 500, "internal", "out of memory");
	else if (rc != HM_OK)
		(void)hm_http_respond_error(req, 400, "bad_json", "%s", msg);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Server lifetime                                                     */

/*
 * Series are registered once per registry; a registry cannot unregister, so
 * a second server on the same registry is refused (HM_ERR_EXISTS).
 */
static int register_metrics(struct hm_http_server *srv, struct hm_metrics *m)
{
	static const char *classes[5] = { "1xx", "2xx", "3xx", "4xx", "5xx" };
	int rc;

	for (int i = 0; i < 5; i++) {
		struct hm_metric_label l = { "code", classes[i] };
		rc = hm_metrics_counter(m, "hypermesh_http_requests_total",
		                        "HTTP requests answered by the loop, by status class.", &l,
		                        1, &srv->answers[i]);
		if (rc != HM_OK)
			return rc;
	}
	rc = hm_metrics_histogram(m, "hypermesh_http_request_duration_seconds",
	                          "Time from a complete request to its answer, on the loop.", NULL,
	                          0, hm_metrics_latency_buckets, hm_metrics_latency_nbuckets,
	                          &srv->duration);
	if (rc != HM_OK)
		return rc;
	return hm_metrics_gauge(m, "hypermesh_http_requests_deferred",
	                        "Requests whose handler will answer later.", NULL, 0,
	                        &srv->deferred_gauge);
}

int hm_http_server_new(uv_loop_t *loop, const struct hm_http_config *cfg,
                       struct hm_http_server **out)
{
	struct hm_http_server *srv;
	struct in6_addr a6;
	struct in_addr a4;
	const char *addr;

	if (loop == NULL || cfg == NULL || out == NULL)
		return HM_ERR_INVALID;
	addr = cfg->bind_address ? cfg->bind_address : "127.0.0.1";
	if (inet_pton(AF_INET, addr, &a4) != 1 && inet_pton(AF_INET6, addr, &a6) != 1)
		return HM_ERR_INVALID;
	if (cfg->max_body > HM_BUF_MAX)
		return HM_ERR_INVALID;
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return HM_ERR_NOMEM;
	srv->loop = loop;
	srv->cfg = *cfg;
	srv->bind_address = strdup(addr);
	if (srv->bind_address == NULL) {
		free(srv);
		return HM_ERR_NOMEM;
	}
	srv->cfg.bind_address = srv->bind_address;
#define DEFAULT(field, value)    \
	if (srv->cfg.field == 0) \
		srv->cfg.field = (value);
	DEFAULT(max_connections, HM_HTTP_DEFAULT_MAX_CONNECTIONS)
	DEFAULT(connection_timeout_s, HM_HTTP_DEFAULT_CONNECTION_TIMEOUT_S)
	DEFAULT(max_body, HM_HTTP_DEFAULT_MAX_BODY)
	DEFAULT(max_outstanding, HM_HTTP_DEFAULT_MAX_OUTSTANDING)
	DEFAULT(async_timeout_ms, HM_HTTP_DEFAULT_ASYNC_TIMEOUT_MS)
	DEFAULT(json_max_depth, HM_HTTP_DEFAULT_JSON_MAX_DEPTH)
#undef DEFAULT
	if (cfg->metrics != NULL) {
		int rc = register_metrics(srv, cfg->metrics);
		if (rc != HM_OK) {
			free(srv->bind_address);
			free(srv);
			return rc;
		}
	}
	srv->routes_tail = &srv->routes;
	srv->epfd = -1;
	atomic_init(&srv->outstanding, 0);
	if (pthread_mutex_init(&srv->mutex, NULL) != 0) {
		free(srv->bind_address);
		free(srv);
		return HM_ERR_NOMEM;
	}
	*out = srv;
	return HM_OK;
}

int hm_http_server_route(struct hm_http_server *srv, const char *method, const char *pattern,
                         const char *permission, hm_http_handler_fn fn, void *arg)
{
	struct route *r;
	int rc;

	if (srv == NULL || method == NULL || method[0] == '\0' || fn == NULL ||
	    strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(method) ||
	    strcmp(method, "HEAD") == 0)
		return HM_ERR_INVALID;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return HM_ERR_NOMEM;
	rc = hm_http_pattern_parse(pattern, &r->pattern);
	if (rc != HM_OK) {
		free(r);
		return rc;
	}
	r->method = strdup(method);
	r->permission = permission ? strdup(permission) : NULL;
	if (r->method == NULL || (permission != NULL && r->permission == NULL)) {
		hm_http_pattern_free(&r->pattern);
		free(r->method);
		free(r->permission);
		free(r);
		return HM_ERR_NOMEM;
	}
	r->fn = fn;
	r->arg = arg;
	*srv->routes_tail = r;
	srv->routes_tail = &r->next;
	return HM_OK;
}

int hm_http_server_add_static(struct hm_http_server *srv, const char *prefix, const char *dir)
{
	struct static_mount *m;
	int rc;

	if (srv == NULL || prefix == NULL || dir == NULL || srv->mhd != NULL)
		return HM_ERR_INVALID;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return HM_ERR_NOMEM;
	rc = hm_http_pattern_parse(prefix, &m->prefix);
	if (rc != HM_OK) {
		free(m);
		return rc;
	}
	for (size_t i = 0; i < m->prefix.nsegments; i++)
		if (m->prefix.is_param[i] || m->prefix.segments[i][0] == '\0') {
			hm_http_pattern_free(&m->prefix);
			free(m);
			return HM_ERR_INVALID;
		}
	m->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->dirfd < 0) {
		rc = hm_err_from_errno(errno);
		hm_http_pattern_free(&m->prefix);
		free(m);
		return rc;
	}
	m->next = srv->statics;
	srv->statics = m;
	return HM_OK;
}

static void metrics_handler(struct hm_http_req *req, void *arg)
{
	const struct hm_metrics *registry = arg;
	struct hm_buf text;

	hm_buf_init(&text);
	if (hm_metrics_expose(registry, &text) != HM_OK)
		(void)hm_http_respond_error(req, 500, "internal", "out of memory");
	else
		(void)hm_http_respond(req, 200, HM_METRICS_CONTENT_TYPE, text.data, text.len);
	hm_buf_free(&text);
}

int hm_http_server_add_metrics(struct hm_http_server *srv, const char *path,
                               const struct hm_metrics *registry)
{
	if (registry == NULL)
		return HM_ERR_INVALID;
	return hm_http_server_route(srv, "GET", path, NULL, metrics_handler, (void *)registry);
}

static void on_handle_closed(uv_handle_t *h)
{
	struct hm_http_server *srv = h->data;

	if (--srv->handles_open > 0)
		return;
	if (srv->epfd >= 0)
		close(srv->epfd);
	pthread_mutex_destroy(&srv->mutex);
	free(srv->bind_address);
	free(srv);
}

int hm_http_server_start(struct hm_http_server *srv)
{
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_ALLOW_SUSPEND_RESUME |
	                 MHD_USE_ITC | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	int rc;

	if (srv == NULL || srv->mhd != NULL || srv->handles_open != 0)
		return HM_ERR_INVALID;
	memset(&ss, 0, sizeof(ss));
	if (strchr(srv->bind_address, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(srv->cfg.port);
		(void)inet_pton(AF_INET6, srv->bind_address, &s6->sin6_addr);
		flags |= MHD_USE_IPv6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(srv->cfg.port);
		(void)inet_pton(AF_INET, srv->bind_address, &s4->sin_addr);
	}

	srv->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (srv->epfd < 0)
		return hm_err_from_errno(errno);
	if (uv_async_init(srv->loop, &srv->async, on_async) != 0) {
		rc = HM_ERR_NOMEM;
		goto fail_epoll;
	}
	srv->async.data = srv;
	srv->handles_open = 1;
	(void)uv_timer_init(srv->loop, &srv->timer);
	srv->timer.data = srv;
	srv->handles_open++;
	if (uv_poll_init(srv->loop, &srv->poll, srv->epfd) != 0) {
		rc = HM_ERR_IO;
		goto fail_handles;
	}
	srv->poll.data = srv;
	srv->handles_open++;
	if (uv_poll_start(&srv->poll, UV_READABLE, on_epoll) != 0) {
		rc = HM_ERR_IO;
		goto fail_handles;
	}

	srv->mhd = MHD_start_daemon(
	        flags, 0, NULL, NULL, on_access, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
	        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
	        srv->cfg.max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
	        srv->cfg.connection_timeout_s, MHD_OPTION_URI_LOG_CALLBACK, uri_logged, srv,
	        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_END);
	if (srv->mhd == NULL) {
		rc = HM_ERR_IO;
		goto fail_handles;
	}
	info = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info != NULL ? info->port : 0;
	hm_log(HM_LOG_INFO, LOG_MODULE, "listening", HM_LOG_STR("address", srv->bind_address),
	       HM_LOG_UINT("port", srv->port));
	return HM_OK;

fail_handles:
	/* Leave the handles for close(); it frees srv from their callbacks. */
	return rc;
fail_epoll:
	close(srv->epfd);
	srv->epfd = -1;
	return rc;
}

uint16_t hm_http_server_port(const struct hm_http_server *srv)
{
	return srv != NULL ? srv->port : 0;
}

static void free_routes(struct hm_http_server *srv)
{
	for (struct route *r = srv->routes, *next; r != NULL; r = next) {
		next = r->next;
		hm_http_pattern_free(&r->pattern);
		free(r->method);
		free(r->permission);
		free(r);
	}
	srv->routes = NULL;
	for (struct static_mount *m = srv->statics, *next; m != NULL; m = next) {
		next = m->next;
		hm_http_pattern_free(&m->prefix);
		close(m->dirfd);
		free(m);
	}
	srv->statics = NULL;
}

void hm_http_server_close(struct hm_http_server *srv)
{
	struct hm_http_req *queued;
	MHD_socket listen_fd = MHD_INVALID_SOCKET;

	if (srv == NULL || srv->closing)
		return; /* also a second call from an on_cancel callback */
	pthread_mutex_lock(&srv->mutex);
	srv->closing = 1;
	pthread_mutex_unlock(&srv->mutex);
	if (srv->mhd != NULL) {
		listen_fd = MHD_quiesce_daemon(srv->mhd);
		/* Quiescing only stops accept(); the kernel would still complete
		 * handshakes into the backlog. Shutting the socket down refuses them
		 * while keeping the descriptor valid for MHD until it stops. */
		if (listen_fd != MHD_INVALID_SOCKET)
			(void)shutdown(listen_fd, SHUT_RDWR);
	}

	/* From here the MHD thread queues nothing; answer what it already did. */
	while (srv->batch != NULL) {
		struct hm_http_req *next = srv->batch->queue_next;
		finish(srv->batch, 503,
		       error_response("shutting_down", "the server is shutting down"));
		srv->batch = next;
	}
	queued = queue_take(srv);
	while (queued != NULL) {
		struct hm_http_req *next = queued->queue_next;
		finish(queued, 503, error_response("shutting_down", "the server is shutting down"));
		queued = next;
	}
	while (srv->deferred_head != NULL)
		cancel(srv->deferred_head, HM_HTTP_CANCEL_CLOSING);
	/* Closed from a handler that has not answered its own request yet. */
	if (srv->in_handler != NULL && srv->outcome == OUTCOME_NONE)
		finish(srv->in_handler, 503,
		       error_response("shutting_down", "the server is shutting down"));

	if (srv->mhd != NULL) {
		struct timespec pause = { 0, 1000 * 1000 };
		uint64_t waited = 0;

		/* Let the 503s reach their clients before the connections close. */
		while (atomic_load(&srv->outstanding) > 0 && waited < CLOSE_DRAIN_NS) {
			nanosleep(&pause, NULL);
			waited += (uint64_t)pause.tv_nsec;
		}
		MHD_stop_daemon(srv->mhd);
		srv->mhd = NULL;
		if (listen_fd != MHD_INVALID_SOCKET)
			close(listen_fd);
	}
	free_routes(srv);
	if (srv->handles_open == 0) {
		/* Never started: no handles to wait for. */
		if (srv->epfd >= 0)
			close(srv->epfd);
		pthread_mutex_destroy(&srv->mutex);
		free(srv->bind_address);
		free(srv);
		return;
	}
	if (srv->handles_open >= 1)
		uv_close((uv_handle_t *)&srv->async, on_handle_closed);
	if (srv->handles_open >= 2)
		uv_close((uv_handle_t *)&srv->timer, on_handle_closed);
	if (srv->handles_open >= 3)
		uv_close((uv_handle_t *)&srv->poll, on_handle_closed);
}
