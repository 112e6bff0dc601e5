/* SPDX-License-Identifier: Apache-2.0 */
/* The bounded JSON parser and the strict getters. */
#define _GNU_SOURCE /* libuv's POSIX types, through http.h */
#include <string.h>

#include "hypermesh/http.h"
#include "test.h"

static int parse(const char *s, size_t depth, json_t **out, char *msg)
{
	return hm_json_parse(s, strlen(s), depth, out, msg, 128);
}

static void test_parse(void)
{
	char msg[128];
	json_t *j = NULL;

	CHECK_ERR(parse("{\"a\":[1,{\"b\":\"]}\"}]}", 3, &j, msg), HM_OK);
	CHECK(json_is_object(j));
	json_decref(j);
	/* Brackets inside strings (and escaped quotes) do not count. */
	CHECK_ERR(parse("[\"[[[[\\\"[[[[\"]", 1, &j, msg), HM_OK);
	json_decref(j);

	CHECK_ERR(parse("[[[]]]", 2, &j, msg), HM_ERR_TOO_LARGE);
	CHECK_STR(msg, "line 1 column 3: nesting deeper than 2");
	CHECK_ERR(parse("{\n\"a\":\n {\"b\":[]}}", 2, &j, msg), HM_ERR_TOO_LARGE);
	CHECK_STR(msg, "line 3 column 7: nesting deeper than 2");

	CHECK_ERR(parse("{\"a\":1,}", 8, &j, msg), HM_ERR_ENCODING);
	CHECK(strncmp(msg, "line 1 column 8: ", 17) == 0);
	CHECK_ERR(parse("{\"a\":1,\"a\":1}", 8, &j, msg), HM_ERR_ENCODING);
	CHECK(strstr(msg, "duplicate object key") != NULL);
	CHECK_ERR(parse("{} {}", 8, &j, msg), HM_ERR_ENCODING);
	CHECK_ERR(parse("", 8, &j, msg), HM_ERR_ENCODING);
	CHECK_STR(msg, "empty body, expected a JSON document");
	CHECK_ERR(parse("\"bare string\"", 8, &j, msg), HM_ERR_ENCODING);
	CHECK_ERR(hm_json_parse("{\"a\":\"\0\"}", 9, 8, &j, msg, sizeof(msg)), HM_ERR_ENCODING);
	CHECK_ERR(hm_json_parse("{\"a\":\"\xff\"}", 8, 8, &j, msg, sizeof(msg)), HM_ERR_ENCODING);
	CHECK_ERR(hm_json_parse(NULL, 1, 8, &j, msg, sizeof(msg)), HM_ERR_INVALID);
	/* A zero-length message buffer is allowed. */
	CHECK_ERR(hm_json_parse("[", 1, 8, &j, NULL, 0), HM_ERR_ENCODING);
}

static void test_getters(void)
{
	json_t *j = json_loads("{\"s\":\"x\",\"u\":7,\"n\":-3,\"r\":1.5,\"b\":true,\"f\":false,"
	                       "\"o\":{},\"a\":[],\"z\":null}",
	                       0, NULL);
	const char *s;
	uint64_t u;
	int64_t i;
	int b;
	json_t *v;

	CHECK(j != NULL);
	CHECK_ERR(hm_json_get_string(j, "s", &s), HM_OK);
	CHECK_STR(s, "x");
	CHECK_ERR(hm_json_get_string(j, "u", &s), HM_ERR_INVALID);
	CHECK_ERR(hm_json_get_string(j, "missing", &s), HM_ERR_NOT_FOUND);
	CHECK_ERR(hm_json_get_string(json_object_get(j, "a"), "s", &s), HM_ERR_NOT_FOUND);

	CHECK_ERR(hm_json_get_uint64(j, "u", &u), HM_OK);
	CHECK_EQ(u, 7);
	CHECK_ERR(hm_json_get_uint64(j, "n", &u), HM_ERR_RANGE);
	CHECK_ERR(hm_json_get_uint64(j, "r", &u), HM_ERR_INVALID); /* no real -> int */
	CHECK_ERR(hm_json_get_uint64(j, "s", &u), HM_ERR_INVALID);
	CHECK_ERR(hm_json_get_int64(j, "n", &i), HM_OK);
	CHECK_EQ(i, -3);
	CHECK_ERR(hm_json_get_int64(j, "z", &i), HM_ERR_INVALID);

	CHECK_ERR(hm_json_get_bool(j, "b", &b), HM_OK);
	CHECK_EQ(b, 1);
	CHECK_ERR(hm_json_get_bool(j, "f", &b), HM_OK);
	CHECK_EQ(b, 0);
	CHECK_ERR(hm_json_get_bool(j, "u", &b), HM_ERR_INVALID);
	CHECK_ERR(hm_json_get_bool(j, "x", &b), HM_ERR_NOT_FOUND);

	CHECK_ERR(hm_json_get_object(j, "o", &v), HM_OK);
	CHECK_ERR(hm_json_get_object(j, "a", &v), HM_ERR_INVALID);
	CHECK_ERR(hm_json_get_array(j, "a", &v), HM_OK);
	CHECK_ERR(hm_json_get_array(j, "o", &v), HM_ERR_INVALID);
	CHECK_ERR(hm_json_get_array(NULL, "o", &v), HM_ERR_NOT_FOUND);
	json_decref(j);
}

TEST_MAIN(test_parse, test_getters)
