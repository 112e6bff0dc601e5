/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP router's parsers. Input: a route pattern, a newline, a request
 * target. Checks, beyond memory safety:
 *   - a parsed target has no more than the limits allow, every decoded piece
 *     is no longer than the raw target, and the path is the raw text up to '?';
 *   - a pattern that matches binds every parameter to a non-empty segment;
 *   - a static-file path never names "." or "..", never starts with '/',
 *     and never holds an empty segment: it cannot leave the mounted directory.
 */
#define _GNU_SOURCE /* libuv's POSIX types, through http.h */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/router.h"
#include "hypermesh/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_relpath(const char *rel)
{
	const char *p = rel;

	if (rel[0] == '/' || rel[0] == '\0')
		abort();
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 0 || p[0] == '.')
			abort();
		if (!end)
			break;
		p = end + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t pat_len = nl ? (size_t)(nl - data) : 0;
	const char *raw = (const char *)(nl ? nl + 1 : data);
	size_t raw_len = nl ? size - pat_len - 1 : size;
	struct hm_http_pattern pattern;
	struct hm_http_target t;
	char *pat = NULL, rel[HM_HTTP_MAX_TARGET + 16];
	int have_pattern = 0;

	if (nl != NULL) {
		pat = strndup((const char *)data, pat_len);
		if (pat == NULL)
			return 0;
		have_pattern = hm_http_pattern_parse(pat, &pattern) == HM_OK;
	}
	if (hm_http_target_parse(raw, raw_len, &t) == HM_OK) {
		size_t path_len = strlen(t.path);

		if (t.nsegments > HM_HTTP_MAX_SEGMENTS || t.nquery > HM_HTTP_MAX_QUERY_PARAMS)
			abort();
		if (path_len > raw_len || memcmp(t.path, raw, path_len) != 0 ||
		    (path_len < raw_len && raw[path_len] != '?'))
			abort();
		for (size_t i = 0; i < t.nsegments; i++)
			if (strlen(t.segments[i]) > raw_len)
				abort();
		for (size_t i = 0; i < t.nquery; i++)
			if (strlen(t.query_keys[i]) > raw_len ||
			    strlen(t.query_values[i]) > raw_len)
				abort();
		if (have_pattern && hm_http_pattern_match(&pattern, &t)) {
			for (size_t i = 0; i < pattern.nsegments; i++) {
				const char *v;

				if (!pattern.is_param[i])
					continue;
				v = hm_http_pattern_param(&pattern, &t, pattern.segments[i]);
				if (v == NULL || v[0] == '\0')
					abort();
			}
		}
		for (size_t skip = 0; skip <= 1; skip++)
			if (hm_http_static_relpath(&t, skip, rel, sizeof(rel)) == HM_OK)
				check_relpath(rel);
		hm_http_target_free(&t);
	}
	if (have_pattern)
		hm_http_pattern_free(&pattern);
	free(pat);
	return 0;
}
