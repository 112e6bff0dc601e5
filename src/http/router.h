/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP router's pure parts (no I/O, no server): request-target parsing
 * with percent-decoding, route patterns and matching. Private to hm_http;
 * the fuzz target (fuzz/fuzz_http_path.c) drives it directly.
 */
#ifndef HM_HTTP_ROUTER_H
#define HM_HTTP_ROUTER_H

#include <stddef.h>

#include "hypermesh/http.h"

/* A parsed origin-form request target: "/a/b%20c?x=1&y". */
struct hm_http_target {
	char *mem;  /* one allocation holding every string below */
	char *path; /* the raw path (up to '?'), NUL-terminated */
	size_t nsegments;
	char *segments[HM_HTTP_MAX_SEGMENTS]; /* decoded path segments ("/" has none) */
	size_t nquery;
	char *query_keys[HM_HTTP_MAX_QUERY_PARAMS]; /* decoded, '+' is a space */
	char *query_values[HM_HTTP_MAX_QUERY_PARAMS];
};

/*
 * Parses len bytes of raw (need not be NUL-terminated). Returns HM_OK;
 * HM_ERR_TOO_LARGE (longer than HM_HTTP_MAX_TARGET); HM_ERR_LENGTH (more than
 * HM_HTTP_MAX_SEGMENTS segments or HM_HTTP_MAX_QUERY_PARAMS parameters);
 * HM_ERR_ENCODING (not starting with '/', a control byte, space or '#', a bad
 * or NUL-producing percent escape); HM_ERR_NOMEM. On failure t is zeroed.
 */
int hm_http_target_parse(const char *raw, size_t len, struct hm_http_target *t);
void hm_http_target_free(struct hm_http_target *t);

/* The first value of query parameter name, or NULL. */
const char *hm_http_target_query(const struct hm_http_target *t, const char *name);

struct hm_http_pattern {
	size_t nsegments;
	char *segments[HM_HTTP_MAX_SEGMENTS]; /* a literal, or a parameter's name */
	unsigned char is_param[HM_HTTP_MAX_SEGMENTS];
};

/*
 * Parses "/lit/{name}/lit". Returns HM_OK, HM_ERR_INVALID (no leading '/',
 * an empty segment other than a final one, '{' or '}' outside a whole
 * "{name}" segment, a name not [A-Za-z0-9_]+, a repeated name),
 * HM_ERR_LENGTH (too many segments) or HM_ERR_NOMEM.
 */
int hm_http_pattern_parse(const char *pattern, struct hm_http_pattern *p);
void hm_http_pattern_free(struct hm_http_pattern *p);

/* 1 if t's path matches p (parameters match any non-empty segment), else 0. */
int hm_http_pattern_match(const struct hm_http_pattern *p, const struct hm_http_target *t);

/* The decoded segment bound to parameter name in a matching t, or NULL. */
const char *hm_http_pattern_param(const struct hm_http_pattern *p, const struct hm_http_target *t,
                                  const char *name);

/*
 * A path below a static mount: the segments of t after the first skip ones,
 * joined with '/' into out (out_len bytes); an empty rest or a final empty
 * segment names "index.html". Returns HM_OK, HM_ERR_NOT_FOUND (an empty
 * middle segment, ".", "..", a name starting with '.', or one holding '/')
 * or HM_ERR_BUFFER.
 */
int hm_http_static_relpath(const struct hm_http_target *t, size_t skip, char *out, size_t out_len);

#endif
