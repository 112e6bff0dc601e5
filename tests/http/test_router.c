/* SPDX-License-Identifier: Apache-2.0 */
/* The router's pure parts: target parsing, decoding, patterns, static paths. */
#define _GNU_SOURCE /* libuv's POSIX types, through http.h */
#include <string.h>

#include "http/router.h"
#include "test.h"

static int parse(const char *raw, struct hm_http_target *t)
{
	return hm_http_target_parse(raw, strlen(raw), t);
}

static void test_target_segments(void)
{
	struct hm_http_target t;

	CHECK_ERR(parse("/", &t), HM_OK);
	CHECK_EQ(t.nsegments, 0);
	CHECK_STR(t.path, "/");
	hm_http_target_free(&t);

	CHECK_ERR(parse("/v1/certificates/a%2Fb%20c/", &t), HM_OK);
	CHECK_EQ(t.nsegments, 4);
	CHECK_STR(t.segments[0], "v1");
	CHECK_STR(t.segments[2], "a/b c");
	CHECK_STR(t.segments[3], "");
	CHECK_STR(t.path, "/v1/certificates/a%2Fb%20c/");
	hm_http_target_free(&t);

	/* '+' is literal in a path. */
	CHECK_ERR(parse("/a+b", &t), HM_OK);
	CHECK_STR(t.segments[0], "a+b");
	hm_http_target_free(&t);
	hm_http_target_free(NULL);
}

static void test_target_query(void)
{
	struct hm_http_target t;

	CHECK_ERR(parse("/x?a=1&b=two+words&c&&d=%3D%26&a=2&=e", &t), HM_OK);
	CHECK_STR(t.path, "/x");
	CHECK_EQ(t.nquery, 6);
	CHECK_STR(hm_http_target_query(&t, "a"), "1"); /* the first wins */
	CHECK_STR(hm_http_target_query(&t, "b"), "two words");
	CHECK_STR(hm_http_target_query(&t, "c"), "");
	CHECK_STR(hm_http_target_query(&t, "d"), "=&");
	CHECK_STR(hm_http_target_query(&t, ""), "e");
	CHECK(hm_http_target_query(&t, "zz") == NULL);
	hm_http_target_free(&t);

	CHECK_ERR(parse("/x?", &t), HM_OK);
	CHECK_EQ(t.nquery, 0);
	hm_http_target_free(&t);
}

static void test_target_errors(void)
{
	static const char *bad[] = {
		"",     "x",     "http://host/x", "/a b",  "/a\tb",  "/a#frag", "/a%",
		"/a%4", "/a%zz", "/a%00",         "/?a=%", "/?a=%0", "/?%00=1", "/\x7f",
	};
	char longer[HM_HTTP_MAX_TARGET + 2], many[HM_HTTP_MAX_SEGMENTS * 2 + 4];
	struct hm_http_target t;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_ERR(parse(bad[i], &t), HM_ERR_ENCODING);
		CHECK(t.mem == NULL);
	}
	memset(longer, 'a', sizeof(longer) - 1);
	longer[0] = '/';
	longer[sizeof(longer) - 1] = '\0';
	CHECK_ERR(parse(longer, &t), HM_ERR_TOO_LARGE);
	longer[HM_HTTP_MAX_TARGET] = '\0';
	CHECK_ERR(parse(longer, &t), HM_OK);
	hm_http_target_free(&t);

	/* HM_HTTP_MAX_SEGMENTS segments pass, one more does not. */
	for (size_t i = 0; i < HM_HTTP_MAX_SEGMENTS; i++) {
		many[2 * i] = '/';
		many[2 * i + 1] = 'a';
	}
	many[2 * HM_HTTP_MAX_SEGMENTS] = '\0';
	CHECK_ERR(parse(many, &t), HM_OK);
	hm_http_target_free(&t);
	strcat(many, "/b");
	CHECK_ERR(parse(many, &t), HM_ERR_LENGTH);
	CHECK_ERR(hm_http_target_parse(NULL, 0, &t), HM_ERR_INVALID);
}

static void test_query_limit(void)
{
	char q[HM_HTTP_MAX_QUERY_PARAMS * 4 + 16];
	size_t n = 0;
	struct hm_http_target t;

	q[n++] = '/';
	q[n++] = '?';
	for (size_t i = 0; i < HM_HTTP_MAX_QUERY_PARAMS; i++) {
		memcpy(q + n, "a=1&", 4);
		n += 4;
	}
	q[n] = '\0';
	CHECK_ERR(parse(q, &t), HM_OK);
	CHECK_EQ(t.nquery, HM_HTTP_MAX_QUERY_PARAMS);
	hm_http_target_free(&t);
	strcat(q, "b");
	CHECK_ERR(parse(q, &t), HM_ERR_LENGTH);
}

static void test_patterns(void)
{
	struct hm_http_pattern p;
	struct hm_http_target t;

	CHECK_ERR(hm_http_pattern_parse("/v1/certificates/{serial}", &p), HM_OK);
	CHECK_ERR(parse("/v1/certificates/0a%3A0b", &t), HM_OK);
	CHECK(hm_http_pattern_match(&p, &t));
	CHECK_STR(hm_http_pattern_param(&p, &t, "serial"), "0a:0b");
	CHECK(hm_http_pattern_param(&p, &t, "v1") == NULL); /* literals are not params */
	hm_http_target_free(&t);
	CHECK_ERR(parse("/v1/certificates/", &t), HM_OK);
	CHECK(!hm_http_pattern_match(&p, &t));
	hm_http_target_free(&t);
	CHECK_ERR(parse("/v1/certificates/a/b", &t), HM_OK);
	CHECK(!hm_http_pattern_match(&p, &t));
	hm_http_target_free(&t);
	CHECK_ERR(parse("/v1/Certificates/a", &t), HM_OK);
	CHECK(!hm_http_pattern_match(&p, &t));
	hm_http_target_free(&t);
	/* Literals compare decoded: %63 is 'c'. */
	CHECK_ERR(parse("/v1/%63ertificates/a", &t), HM_OK);
	CHECK(hm_http_pattern_match(&p, &t));
	hm_http_target_free(&t);
	hm_http_pattern_free(&p);

	CHECK_ERR(hm_http_pattern_parse("/", &p), HM_OK);
	CHECK_ERR(parse("/?x=1", &t), HM_OK);
	CHECK(hm_http_pattern_match(&p, &t));
	hm_http_target_free(&t);
	hm_http_pattern_free(&p);

	CHECK_ERR(hm_http_pattern_parse("/a/", &p), HM_OK); /* a final empty segment */
	CHECK_ERR(parse("/a/", &t), HM_OK);
	CHECK(hm_http_pattern_match(&p, &t));
	hm_http_target_free(&t);
	hm_http_pattern_free(&p);

	static const char *bad[] = { "",    "a",     "//",     "/a//b",    "/{}", "/{a",
		                     "/a}", "/x{a}", "/{a-b}", "/{a}/{a}", NULL };
	for (size_t i = 0; bad[i] != NULL; i++)
		CHECK_ERR(hm_http_pattern_parse(bad[i], &p), HM_ERR_INVALID);
	CHECK_ERR(hm_http_pattern_parse(NULL, &p), HM_ERR_INVALID);
}

static void test_static_relpath(void)
{
	static const struct {
		const char *target;
		int rc;
		const char *rel;
	} cases[] = {
		{ "/ui", HM_OK, "index.html" },
		{ "/ui/", HM_OK, "index.html" },
		{ "/ui/app.js", HM_OK, "app.js" },
		{ "/ui/a/b.css", HM_OK, "a/b.css" },
		{ "/ui/a/", HM_OK, "a/index.html" },
		{ "/ui/..", HM_ERR_NOT_FOUND, NULL },
		{ "/ui/%2e%2e/x", HM_ERR_NOT_FOUND, NULL },
		{ "/ui/a/../../x", HM_ERR_NOT_FOUND, NULL },
		{ "/ui/.", HM_ERR_NOT_FOUND, NULL },
		{ "/ui/.git/config", HM_ERR_NOT_FOUND, NULL },
		{ "/ui/a%2f..%2f..%2fx", HM_ERR_NOT_FOUND, NULL },
		{ "/ui//x", HM_ERR_NOT_FOUND, NULL },
	};
	char rel[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hm_http_target t;

		CHECK_ERR(parse(cases[i].target, &t), HM_OK);
		CHECK_ERR(hm_http_static_relpath(&t, 1, rel, sizeof(rel)), cases[i].rc);
		if (cases[i].rel != NULL)
			CHECK_STR(rel, cases[i].rel);
		hm_http_target_free(&t);
	}
	{
		struct hm_http_target t;
		CHECK_ERR(parse("/ui/abcdefgh", &t), HM_OK);
		CHECK_ERR(hm_http_static_relpath(&t, 1, rel, 8), HM_ERR_BUFFER);
		CHECK_ERR(hm_http_static_relpath(&t, 1, rel, 0), HM_ERR_BUFFER);
		hm_http_target_free(&t);
		CHECK_ERR(parse("/ui/", &t), HM_OK);
		CHECK_ERR(hm_http_static_relpath(&t, 1, rel, 5), HM_ERR_BUFFER);
		hm_http_target_free(&t);
	}
}

TEST_MAIN(test_target_segments, test_target_query, test_target_errors, test_query_limit,
          test_patterns, test_static_relpath)
