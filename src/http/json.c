/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON at the API edge: a bounded parser and strict typed getters.
 *
 * jansson's own nesting limit is a compile-time 2048, which lets a small body
 * cost deep recursion; the depth is therefore checked first by a linear scan
 * that tracks brackets outside strings.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/http.h"

/* Deepest bracket nesting of a JSON text, or max_depth + 1 once exceeded. */
static size_t json_depth(const char *p, size_t len, size_t max_depth, size_t *line, size_t *col)
{
	size_t depth = 0, deepest = 0;
	int in_string = 0, escaped = 0;

	*line = 1;
	*col = 0;
	for (size_t i = 0; i < len; i++) {
		char c = p[i];

		(*col)++;
		if (c == '\n') {
			(*line)++;
			*col = 0;
		}
		if (in_string) {
			if (escaped)
				escaped = 0;
			else if (c == '\\')
				escaped = 1;
			else if (c == '"')
				in_string = 0;
			continue;
		}
		if (c == '"') {
			in_string = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > deepest)
				deepest = depth;
			if (deepest > max_depth)
				return deepest;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return deepest;
}

int hm_json_parse(const void *data, size_t len, size_t max_depth, json_t **out, char *msg,
                  size_t msg_len)
{
	json_error_t err;
	size_t line, col;
	json_t *j;

	if (msg_len > 0)
		msg[0] = '\0';
	if (data == NULL && len > 0)
		return HM_ERR_INVALID;
	if (len == 0) {
		if (msg_len > 0)
			snprintf(msg, msg_len, "empty body, expected a JSON document");
		return HM_ERR_ENCODING;
	}
	if (json_depth(data, len, max_depth, &line, &col) > max_depth) {
		if (msg_len > 0)
			snprintf(msg, msg_len, "line %zu column %zu: nesting deeper than %zu", line,
			         col, max_depth);
		return HM_ERR_TOO_LARGE;
	}
	j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL) {
		if (json_error_code(&err) == json_error_out_of_memory)
			return HM_ERR_NOMEM;
		if (msg_len > 0)
			snprintf(msg, msg_len, "line %d column %d: %s", err.line, err.column,
			         err.text);
		return HM_ERR_ENCODING;
	}
	*out = j;
	return HM_OK;
}

static int get_typed(const json_t *obj, const char *key, json_type type, json_t **out)
{
	json_t *v;

	if (!json_is_object(obj) || key == NULL)
		return HM_ERR_NOT_FOUND;
	v = json_object_get(obj, key);
	if (v == NULL)
		return HM_ERR_NOT_FOUND;
	if (json_typeof(v) != type)
		return HM_ERR_INVALID;
	*out = v;
	return HM_OK;
}

int hm_json_get_string(const json_t *obj, const char *key, const char **out)
{
	json_t *v;
	int rc = get_typed(obj, key, JSON_STRING, &v);

	if (rc == HM_OK)
		*out = json_string_value(v);
	return rc;
}

int hm_json_get_int64(const json_t *obj, const char *key, int64_t *out)
{
	json_t *v;
	int rc = get_typed(obj, key, JSON_INTEGER, &v);

	if (rc == HM_OK)
		*out = (int64_t)json_integer_value(v);
	return rc;
}

int hm_json_get_uint64(const json_t *obj, const char *key, uint64_t *out)
{
	json_t *v;
	int rc = get_typed(obj, key, JSON_INTEGER, &v);

	if (rc != HM_OK)
		return rc;
	/* json_int_t is long long: values above INT64_MAX do not parse at all. */
	if (json_integer_value(v) < 0)
		return HM_ERR_RANGE;
	*out = (uint64_t)json_integer_value(v);
	return HM_OK;
}

int hm_json_get_bool(const json_t *obj, const char *key, int *out)
{
	json_t *v;

	if (!json_is_object(obj) || key == NULL)
		return HM_ERR_NOT_FOUND;
	v = json_object_get(obj, key);
	if (v == NULL)
		return HM_ERR_NOT_FOUND;
	if (!json_is_boolean(v))
		return HM_ERR_INVALID;
	*out = json_is_true(v);
	return HM_OK;
}

int hm_json_get_object(const json_t *obj, const char *key, json_t **out)
{
	return get_typed(obj, key, JSON_OBJECT, out);
}

int hm_json_get_array(const json_t *obj, const char *key, json_t **out)
{
	return get_typed(obj, key, JSON_ARRAY, out);
}
