/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request-target parsing (RFC 9112 §3.2 origin-form, RFC 3986 percent
 * encoding) and route patterns. Decoding happens once, here, so handlers and
 * the static-file server only ever see decoded segments, and a "%2e%2e" can
 * never pass for something other than "..".
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "router.h"

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes src[0..n) into dst (room for n + 1), NUL-terminating it; plus_space
 * turns '+' into ' ' (query strings). Returns HM_OK or HM_ERR_ENCODING.
 */
static int percent_decode(const char *src, size_t n, char *dst, int plus_space)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = src[i];

		if (c == '%') {
			int hi, lo;

			if (n - i < 3)
				return HM_ERR_ENCODING;
			hi = hex_value(src[i + 1]);
			lo = hex_value(src[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return HM_ERR_ENCODING;
			dst[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_space) {
			dst[o++] = ' ';
		} else {
			dst[o++] = c;
		}
	}
	dst[o] = '\0';
	return HM_OK;
}

void hm_http_target_free(struct hm_http_target *t)
{
	if (t == NULL)
		return;
	free(t->mem);
	memset(t, 0, sizeof(*t));
}

int hm_http_target_parse(const char *raw, size_t len, struct hm_http_target *t)
{
	size_t path_len, pos, q;
	char *w;
	int rc;

	memset(t, 0, sizeof(*t));
	if (raw == NULL)
		return HM_ERR_INVALID;
	if (len > HM_HTTP_MAX_TARGET)
		return HM_ERR_TOO_LARGE;
	if (len == 0 || raw[0] != '/')
		return HM_ERR_ENCODING;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)raw[i];
		if (c <= 0x20 || c == 0x7f || c == '#')
			return HM_ERR_ENCODING;
	}
	path_len = 0;
	while (path_len < len && raw[path_len] != '?')
		path_len++;

	/*
	 * The raw path copy (path_len + 1) and every decoded piece (never longer
	 * than its source, plus a NUL each; pieces are at most len + 1) fit in
	 * 2 * len + 2 bytes, plus a NUL for an empty query value per parameter.
	 */
	t->mem = malloc(2 * len + 2 + HM_HTTP_MAX_QUERY_PARAMS + 1);
	if (t->mem == NULL)
		return HM_ERR_NOMEM;
	w = t->mem;
	memcpy(w, raw, path_len);
	w[path_len] = '\0';
	t->path = w;
	w += path_len + 1;

	/* Segments: the text between slashes after the leading one. */
	pos = 1;
	if (path_len > 1) {
		for (;;) {
			size_t end = pos;

			while (end < path_len && raw[end] != '/')
				end++;
			if (t->nsegments == HM_HTTP_MAX_SEGMENTS) {
				rc = HM_ERR_LENGTH;
				goto fail;
			}
			rc = percent_decode(raw + pos, end - pos, w, 0);
			if (rc != HM_OK)
				goto fail;
			t->segments[t->nsegments++] = w;
			w += strlen(w) + 1;
			if (end == path_len)
				break;
			pos = end + 1;
		}
	}

	/* Query: k=v pairs separated by '&'; empty pieces ("a&&b") are skipped. */
	q = path_len + 1;
	while (q <= len && path_len < len) {
		size_t end = q, eq;

		while (end < len && raw[end] != '&')
			end++;
		if (end > q) {
			if (t->nquery == HM_HTTP_MAX_QUERY_PARAMS) {
				rc = HM_ERR_LENGTH;
				goto fail;
			}
			eq = q;
			while (eq < end && raw[eq] != '=')
				eq++;
			rc = percent_decode(raw + q, eq - q, w, 1);
			if (rc != HM_OK)
				goto fail;
			t->query_keys[t->nquery] = w;
			w += strlen(w) + 1;
			rc = percent_decode(raw + (eq < end ? eq + 1 : end),
			                    eq < end ? end - eq - 1 : 0, w, 1);
			if (rc != HM_OK)
				goto fail;
			t->query_values[t->nquery] = w;
			w += strlen(w) + 1;
			t->nquery++;
		}
		q = end + 1;
	}
	return HM_OK;
fail:
	hm_http_target_free(t);
	return rc;
}

const char *hm_http_target_query(const struct hm_http_target *t, const char *name)
{
	for (size_t i = 0; i < t->nquery; i++)
		if (strcmp(t->query_keys[i], name) == 0)
			return t->query_values[i];
	return NULL;
}

void hm_http_pattern_free(struct hm_http_pattern *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nsegments; i++)
		free(p->segments[i]);
	memset(p, 0, sizeof(*p));
}

static int valid_param_name(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return 0;
	}
	return 1;
}

int hm_http_pattern_parse(const char *pattern, struct hm_http_pattern *p)
{
	size_t pos = 1, len;
	int rc;

	memset(p, 0, sizeof(*p));
	if (pattern == NULL || pattern[0] != '/')
		return HM_ERR_INVALID;
	len = strlen(pattern);
	if (len == 1)
		return HM_OK;
	for (;;) {
		size_t end = pos, n;
		const char *seg = pattern + pos;
		int param;

		while (end < len && pattern[end] != '/')
			end++;
		n = end - pos;
		if (n == 0 && end < len) {
			rc = HM_ERR_INVALID;
			goto fail;
		}
		param = n >= 2 && seg[0] == '{' && seg[n - 1] == '}';
		if (param ? !valid_param_name(seg + 1, n - 2)
		          : (memchr(seg, '{', n) != NULL || memchr(seg, '}', n) != NULL)) {
			rc = HM_ERR_INVALID;
			goto fail;
		}
		if (p->nsegments == HM_HTTP_MAX_SEGMENTS) {
			rc = HM_ERR_LENGTH;
			goto fail;
		}
		p->segments[p->nsegments] = param ? strndup(seg + 1, n - 2) : strndup(seg, n);
		if (p->segments[p->nsegments] == NULL) {
			rc = HM_ERR_NOMEM;
			goto fail;
		}
		p->is_param[p->nsegments] = (unsigned char)param;
		p->nsegments++;
		if (param) {
			for (size_t i = 0; i + 1 < p->nsegments; i++)
				if (p->is_param[i] &&
				    strcmp(p->segments[i], p->segments[p->nsegments - 1]) == 0) {
					rc = HM_ERR_INVALID;
					goto fail;
				}
		}
		if (end == len)
			break;
		pos = end + 1;
	}
	return HM_OK;
fail:
	hm_http_pattern_free(p);
	return rc;
}

int hm_http_pattern_match(const struct hm_http_pattern *p, const struct hm_http_target *t)
{
	if (p->nsegments != t->nsegments)
		return 0;
	for (size_t i = 0; i < p->nsegments; i++) {
		if (p->is_param[i]) {
			if (t->segments[i][0] == '\0')
				return 0;
		} else if (strcmp(p->segments[i], t->segments[i]) != 0) {
			return 0;
		}
	}
	return 1;
}

const char *hm_http_pattern_param(const struct hm_http_pattern *p, const struct hm_http_target *t,
                                  const char *name)
{
	for (size_t i = 0; i < p->nsegments && i < t->nsegments; i++)
		if (p->is_param[i] && strcmp(p->segments[i], name) == 0)
			return t->segments[i];
	return NULL;
}

int hm_http_static_relpath(const struct hm_http_target *t, size_t skip, char *out, size_t out_len)
{
	static const char index_name[] = "index.html";
	size_t o = 0;
	int want_index = skip >= t->nsegments;

	if (out_len == 0)
		return HM_ERR_BUFFER;
	out[0] = '\0';
	for (size_t i = skip; i < t->nsegments; i++) {
		const char *s = t->segments[i];
		size_t n = strlen(s);

		if (n == 0) {
			if (i + 1 == t->nsegments) {
				want_index = 1; /* "dir/" names dir/index.html */
				break;
			}
			return HM_ERR_NOT_FOUND;
		}
		/* Dot names cover "." and ".." and hidden files; '/' came from %2F. */
		if (s[0] == '.' || memchr(s, '/', n) != NULL)
			return HM_ERR_NOT_FOUND;
		if (o + n + 2 > out_len)
			return HM_ERR_BUFFER;
		memcpy(out + o, s, n);
		o += n;
		out[o++] = '/';
	}
	if (want_index) {
		if (o + sizeof(index_name) > out_len)
			return HM_ERR_BUFFER;
		memcpy(out + o, index_name, sizeof(index_name));
	} else {
		out[o - 1] = '\0'; /* the separator after the last segment */
	}
	return HM_OK;
}
