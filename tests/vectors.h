/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers for tests driven by vector files passed on the command line (see
 * test_<name>.args): whatever cases the files hold are run, never a fixed
 * count.
 */
#ifndef HYPERMESH_TEST_VECTORS_H
#define HYPERMESH_TEST_VECTORS_H

#include <jansson.h>

#include "hypermesh/kat.h"
#include "test.h"

/* Parses a JSON file, reporting the parse error on stderr; NULL on failure. */
static inline json_t *test_load_json(const char *path)
{
	json_error_t err;
	json_t *doc = json_load_file(path, 0, &err);

	if (doc == NULL)
		fprintf(stderr, "%s:%d: %s\n", path, err.line, err.text);
	return doc;
}

/*
 * Runs every argv file through runner: each must be recognised and have at
 * least one passed case and no failed one (and no skipped one unless
 * allow_skipped).
 */
static inline void test_run_vector_files(hm_kat_json_runner runner, int allow_skipped)
{
	CHECK(test_argc > 1);
	for (int i = 1; i < test_argc; i++) {
		struct hm_kat_tally t = { 0, 0, 0 };
		json_t *doc = test_load_json(test_argv[i]);

		CHECK(doc != NULL);
		if (doc == NULL)
			continue;
		CHECK_ERR(runner(doc, &t, stderr), HM_OK);
		printf("%s: %u passed, %u failed, %u skipped\n", test_argv[i], t.passed, t.failed,
		       t.skipped);
		CHECK(t.passed > 0);
		CHECK_EQ(t.failed, 0);
		if (!allow_skipped)
			CHECK_EQ(t.skipped, 0);
		json_decref(doc);
	}
}

#endif
