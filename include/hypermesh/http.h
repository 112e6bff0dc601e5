/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The node's HTTP/JSON server: libmicrohttpd (MHD) bridged to a libuv loop.
 *
 * Threading (docs/HTTP.md has the whole story):
 *   - MHD runs its own thread (internal polling). It reads each request
 *     completely (the body up to cfg.max_body; more is answered 413 and never
 *     buffered), suspends the connection and hands the request to the loop
 *     through a locked queue and a uv_async_t. That mutex is the only lock.
 *   - Everything else runs on the loop thread: routing, the authorize hook,
 *     handlers, hm_http_respond*, hm_http_server_close. So handlers read and
 *     write node state without locks.
 *   - A handler answers at once, or calls hm_http_req_defer() and answers
 *     later (a block commits, a timer fires) from the loop thread. A deferred
 *     request holds no thread: its connection stays suspended in MHD.
 *   - Static files (hm_http_server_add_static) are answered in the MHD
 *     thread: they touch no node state.
 *
 * Lifetime of a struct hm_http_req: valid from the handler call until the
 * first of (a) one hm_http_respond* call, which always finishes the request,
 * whatever it returns, or (b) the return of the on_cancel callback given to
 * hm_http_req_defer(). A handler that neither answers nor defers gets a 500.
 *
 * Error bodies are always {"error":{"code":"<short_code>","message":"<text>"}}.
 *
 * Linux only: disconnect detection for deferred requests uses epoll.
 *
 * This header includes <uv.h>, which needs POSIX types: define _GNU_SOURCE
 * (or _POSIX_C_SOURCE 200809L) before the first include, as for libuv.
 */
#ifndef HYPERMESH_HTTP_H
#define HYPERMESH_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "hypermesh/metrics.h"

#define HM_HTTP_DEFAULT_MAX_CONNECTIONS      256
#define HM_HTTP_DEFAULT_CONNECTION_TIMEOUT_S 30
#define HM_HTTP_DEFAULT_MAX_BODY             ((size_t)1 << 20)
#define HM_HTTP_DEFAULT_MAX_OUTSTANDING      1024
#define HM_HTTP_DEFAULT_ASYNC_TIMEOUT_MS     30000
#define HM_HTTP_DEFAULT_JSON_MAX_DEPTH       32

/* Router limits: a pattern or request path has at most this many segments. */
#define HM_HTTP_MAX_SEGMENTS     32
/* A request target (path and query) longer than this is answered 414. */
#define HM_HTTP_MAX_TARGET       4096
/* A query string with more parameters than this is answered 400. */
#define HM_HTTP_MAX_QUERY_PARAMS 64

struct hm_http_server;
struct hm_http_req;

/*
 * The auth hook, called on the loop thread for every route that declares a
 * permission, with the token of "Authorization: Bearer <token>" (already
 * checked to be a non-empty run of RFC 6750 token characters). Returns
 *   HM_OK                 allowed;
 *   HM_ERR_PERMISSION     a valid key without the permission      -> 403;
 *   HM_ERR_NOT_FOUND or
 *   HM_ERR_VERIFY         the key is unknown, revoked or expired  -> 401;
 *   anything else         the check itself failed                 -> 500.
 */
typedef int (*hm_http_authorize_fn)(void *ctx, const char *bearer_token, const char *permission);

struct hm_http_config {
	const char *bind_address;      /* numeric IPv4 or IPv6; NULL: "127.0.0.1" */
	uint16_t port;                 /* 0: ephemeral, see hm_http_server_port() */
	unsigned max_connections;      /* 0: HM_HTTP_DEFAULT_MAX_CONNECTIONS */
	unsigned connection_timeout_s; /* idle timeout per connection; 0: default */
	size_t max_body;               /* request body limit in bytes; 0: default */
	unsigned max_outstanding;      /* requests with the loop at once; 0: default */
	unsigned async_timeout_ms;     /* a deferred request older than this gets 503; 0: default */
	size_t json_max_depth;         /* nesting limit of hm_http_req_json; 0: default */
	hm_http_authorize_fn authorize; /* NULL: routes with a permission answer 401 */
	void *authorize_ctx;
	/*
	 * Optional: the server registers and updates its own series here (loop
	 * thread): hypermesh_http_requests_total{code="2xx"...} and
	 * hypermesh_http_request_duration_seconds for requests answered by the
	 * loop, hypermesh_http_requests_deferred. Must outlive the server.
	 */
	struct hm_metrics *metrics;
};

typedef void (*hm_http_handler_fn)(struct hm_http_req *req, void *arg);

enum hm_http_cancel_reason {
	HM_HTTP_CANCEL_GONE = 1,    /* the client closed its connection; nothing is sent */
	HM_HTTP_CANCEL_TIMEOUT = 2, /* async_timeout_ms passed; the server answered 503 */
	HM_HTTP_CANCEL_CLOSING = 3, /* hm_http_server_close(); the server answered 503 */
};

/* Called on the loop thread; req is invalid once it returns. */
typedef void (*hm_http_cancel_fn)(struct hm_http_req *req, enum hm_http_cancel_reason reason,
                                  void *arg);

/*
 * Creates a server on loop (not listening yet). cfg is copied (bind_address
 * too). Returns HM_OK, HM_ERR_INVALID (bad address, max_body above
 * HM_BUF_MAX), HM_ERR_EXISTS (cfg.metrics already holds another server's
 * series) or HM_ERR_NOMEM.
 */
int hm_http_server_new(uv_loop_t *loop, const struct hm_http_config *cfg,
                       struct hm_http_server **out);

/*
 * Registers a handler for method ("GET", "POST", ...; HEAD is served by the
 * GET route, without a body) and pattern: "/"-separated literal segments and
 * parameters "{name}" matching one non-empty segment (percent-decoded), e.g.
 * "/v1/certificates/{serial}". permission NULL: public route. Loop thread,
 * before or after start. The first registered route that matches wins.
 * Returns HM_OK, HM_ERR_INVALID (pattern malformed, duplicate parameter
 * names, too many segments) or HM_ERR_NOMEM.
 */
int hm_http_server_route(struct hm_http_server *srv, const char *method, const char *pattern,
                         const char *permission, hm_http_handler_fn fn, void *arg);

/*
 * Serves the regular files under dir for GET/HEAD at prefix ("/ui": "/ui/"
 * serves dir/index.html, "/ui/app.js" serves dir/app.js). Segments ".",
 * "..", and names starting with "." are refused, and files are opened with
 * openat2(RESOLVE_BENEATH), so neither ".." nor a symlink can leave dir.
 * Before hm_http_server_start only. Returns HM_OK, HM_ERR_INVALID (prefix
 * malformed, or the server has started), HM_ERR_NOT_FOUND / HM_ERR_IO (dir
 * cannot be opened as a directory) or HM_ERR_NOMEM.
 */
int hm_http_server_add_static(struct hm_http_server *srv, const char *prefix, const char *dir);

/*
 * Serves the Prometheus text exposition of registry at path (GET), rendered
 * on the loop thread. The registry must outlive the server.
 */
int hm_http_server_add_metrics(struct hm_http_server *srv, const char *path,
                               const struct hm_metrics *registry);

/* Binds and starts the MHD thread. Returns HM_OK, HM_ERR_IO (bind failed, e.g.
 * the port is in use), HM_ERR_INVALID (already started) or HM_ERR_NOMEM. */
int hm_http_server_start(struct hm_http_server *srv);

/* The bound port (useful with port 0), 0 before start. */
uint16_t hm_http_server_port(const struct hm_http_server *srv);

/*
 * Graceful stop, on the loop thread: stops accepting, answers every queued
 * and deferred request 503 (deferred ones get on_cancel CLOSING first),
 * waits up to 2 s for those answers to be written, stops and joins the MHD
 * thread, then closes the loop handles; the memory is released from their
 * close callbacks, so keep running the loop. Accepts NULL. srv is invalid
 * after the call. Called from a handler, it also answers that handler's
 * own request 503 unless already answered: the handler must not use req
 * afterwards. A second call (e.g. from an on_cancel callback) does nothing.
 */
void hm_http_server_close(struct hm_http_server *srv);

/* Request accessors (loop thread; strings live as long as req). */
const char *hm_http_req_method(const struct hm_http_req *req);
const char *hm_http_req_path(const struct hm_http_req *req); /* raw path, without query */
/* The client's numeric IP address ("127.0.0.1", "::1"); "" if unknown. */
const char *hm_http_req_peer(const struct hm_http_req *req);
/* The decoded value of a "{name}" segment, NULL if the route has none. */
const char *hm_http_req_param(const struct hm_http_req *req, const char *name);
/* The decoded value of the first query parameter name ("" for "?flag"), or NULL. */
const char *hm_http_req_query(const struct hm_http_req *req, const char *name);
/* A request header by case-insensitive name, or NULL. */
const char *hm_http_req_header(const struct hm_http_req *req, const char *name);
/* The request body (not NUL-terminated; NULL when empty). */
const uint8_t *hm_http_req_body(const struct hm_http_req *req, size_t *len);

/*
 * Parses the body as JSON with the server's depth limit, rejecting
 * duplicate keys and trailing bytes. On HM_OK *out holds a new reference.
 * On failure the request has been answered 400 {"error":{"code":
 * "bad_json", "message":"line L column C: ..."}} (or 500 on HM_ERR_NOMEM)
 * and req is invalid. Returns HM_OK, HM_ERR_ENCODING, HM_ERR_TOO_LARGE
 * (nesting) or HM_ERR_NOMEM.
 */
int hm_http_req_json(struct hm_http_req *req, json_t **out);

/*
 * Adds a response header (copied) sent with the eventual answer, e.g.
 * "Location". Returns HM_OK, HM_ERR_INVALID (CR/LF in name or value) or
 * HM_ERR_NOMEM.
 */
int hm_http_req_add_header(struct hm_http_req *req, const char *name, const char *value);

/*
 * Keeps req open after the handler returns; answer it later with
 * hm_http_respond*. on_cancel (required) is called instead if the client
 * goes away, async_timeout_ms passes or the server closes.
 */
void hm_http_req_defer(struct hm_http_req *req, hm_http_cancel_fn on_cancel, void *arg);

/*
 * Answers req with status and body (copied). Always finishes req (on
 * HM_ERR_NOMEM the client gets a bare 500 or a closed connection). Safe to
 * call when the client has gone: the answer is dropped. Returns HM_OK,
 * HM_ERR_INVALID (status outside 200..599: the client gets 500; or called
 * from on_cancel: nothing happens) or HM_ERR_NOMEM (also when MHD refuses
 * a header added with hm_http_req_add_header, such as Content-Length).
 */
int hm_http_respond(struct hm_http_req *req, unsigned status, const char *content_type,
                    const void *body, size_t len);

/* Answers with json serialised compactly, taking ownership of json (json_decref);
 * NULL json answers 500 (out of memory), for one-liners over json_pack. */
int hm_http_respond_json(struct hm_http_req *req, unsigned status, json_t *json);

/* Answers {"error":{"code":code,"message":<printf fmt>}}. */
int hm_http_respond_error(struct hm_http_req *req, unsigned status, const char *code,
                          const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * JSON helpers (no server needed).
 *
 * hm_json_parse: parses len bytes, rejecting nesting deeper than max_depth,
 * duplicate object keys, NUL bytes and trailing bytes. On failure writes a
 * precise one-line message to msg (msg_len bytes, may be 0). Returns HM_OK
 * (*out: new reference), HM_ERR_ENCODING, HM_ERR_TOO_LARGE or HM_ERR_NOMEM.
 */
int hm_json_parse(const void *data, size_t len, size_t max_depth, json_t **out, char *msg,
                  size_t msg_len);

/*
 * Strict getters: obj must be an object; the value at key must have exactly
 * the type asked for (no conversions; an integer is not a real). Return
 * HM_OK, HM_ERR_NOT_FOUND (absent key or obj not an object), HM_ERR_INVALID
 * (wrong type) or HM_ERR_RANGE (integer negative for a uint64).
 */
int hm_json_get_string(const json_t *obj, const char *key, const char **out);
int hm_json_get_uint64(const json_t *obj, const char *key, uint64_t *out);
int hm_json_get_int64(const json_t *obj, const char *key, int64_t *out);
int hm_json_get_bool(const json_t *obj, const char *key, int *out);
int hm_json_get_object(const json_t *obj, const char *key, json_t **out);
int hm_json_get_array(const json_t *obj, const char *key, json_t **out);

#endif
