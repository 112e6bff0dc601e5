/* SPDX-License-Identifier: Apache-2.0 */
/* Genesis files and key files, and every way they can be malformed. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hypermesh/file.h"
#include "hypermesh/trustchain_state.h"
#include "test.h"

static char dir[64];

static void put(const char *name, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	CHECK_ERR(hm_file_write_atomic(p, text, strlen(text), 0600, HM_FILE_OVERWRITE), HM_OK);
}

static void test_genesis_json(void)
{
	struct hm_tc_genesis g;
	struct hm_buf orig;
	char p[256];
	static const char *bad[] = {
		"",
		"not json",
		"[]",
		"{\"version\": 2}",
		"{\"version\": 1, \"root\": \"../etc/passwd\"}",
		"{\"version\": 1, \"root\": \"root.crt\", \"intermediates\": []}",
		"{\"version\": 1, \"root\": \"root.crt\", \"intermediates\": [\"missing.crt\"]}",
		"{\"version\": 1, \"root\": \"admin.apikey\", \"intermediates\": [\"ca-0.crt\"]}",
	};

	snprintf(dir, sizeof(dir), "/tmp/hm-tc-genesis-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	CHECK_ERR(hm_tc_genesis_create(dir, 1, HM_SIG_FALCON1024, 1790000000, NULL), HM_OK);
	CHECK_ERR(hm_tc_genesis_load(dir, &g), HM_OK);
	CHECK_EQ(g.n_intermediates, 1);
	CHECK(g.log_alg == HM_SIG_ED25519);
	CHECK(g.crl_base == NULL);
	hm_tc_genesis_free(&g);
	CHECK_ERR(hm_tc_genesis_create(dir, 0, HM_SIG_MLDSA87, 0, NULL), HM_ERR_INVALID);
	CHECK_ERR(hm_tc_genesis_create(dir, 1, HM_SIG_ED25519, 0, NULL), HM_ERR_INVALID);

	hm_buf_init(&orig);
	snprintf(p, sizeof(p), "%s/genesis.json", dir);
	CHECK_ERR(hm_file_read(p, 1 << 20, &orig), HM_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put("genesis.json", bad[i]);
		int rc = hm_tc_genesis_load(dir, &g);
		if (rc == HM_OK)
			fprintf(stderr, "accepted genesis #%zu\n", i);
		CHECK(rc != HM_OK);
		CHECK(g.intermediates == NULL && g.root.len == 0); /* nothing half-loaded */
	}
	/* an admin id that is not the hash's prefix, a log key of the wrong length */
	{
		char *text = malloc(orig.len + 1), *at;
		memcpy(text, orig.data, orig.len);
		text[orig.len] = '\0';
		at = strstr(text, "\"id\": \"");
		CHECK(at != NULL);
		if (at != NULL) {
			at[7] = at[7] == '0' ? '1' : '0';
			put("genesis.json", text);
			CHECK_ERR(hm_tc_genesis_load(dir, &g), HM_ERR_ENCODING);
			at[7] = at[7] == '0' ? '1' : '0';
		}
		at = strstr(text, "\"public_key\": \"");
		CHECK(at != NULL);
		if (at != NULL) {
			memmove(at + 15, at + 17,
			        strlen(at + 17) + 1); /* drop one byte of the key */
			put("genesis.json", text);
			CHECK_ERR(hm_tc_genesis_load(dir, &g), HM_ERR_ENCODING);
		}
		free(text);
	}
	put("genesis.json", "");
	CHECK_ERR(hm_file_write_atomic(p, orig.data, orig.len, 0644, HM_FILE_OVERWRITE), HM_OK);
	CHECK_ERR(hm_tc_genesis_load(dir, &g), HM_OK);
	hm_tc_genesis_free(&g);
	hm_buf_free(&orig);
}

static void test_key_files(void)
{
	struct hm_tc_key *k = NULL;
	struct hm_tc_ca *ca = NULL;
	char ed[256], pq[256];

	snprintf(ed, sizeof(ed), "%s/ca-0.key", dir);
	snprintf(pq, sizeof(pq), "%s/ca-0.pq.key", dir);
	CHECK_ERR(hm_tc_key_load(ed, pq, &k), HM_OK);
	hm_tc_key_free(k);
	CHECK_ERR(hm_tc_genesis_load_ca(dir, 0, &ca), HM_OK);
	hm_tc_ca_free(ca);
	CHECK_ERR(hm_tc_genesis_load_ca(dir, 1, &ca), HM_ERR_NOT_FOUND);

	put("bad.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
	snprintf(ed, sizeof(ed), "%s/bad.key", dir);
	CHECK_ERR(hm_tc_key_load(ed, NULL, &k), HM_ERR_ENCODING);
	snprintf(ed, sizeof(ed), "%s/missing.key", dir);
	CHECK_ERR(hm_tc_key_load(ed, NULL, &k), HM_ERR_NOT_FOUND);
	snprintf(ed, sizeof(ed), "%s/ca-0.key", dir);
	put("bad.pq.key", "HMTCPQK1");
	snprintf(pq, sizeof(pq), "%s/bad.pq.key", dir);
	CHECK_ERR(hm_tc_key_load(ed, pq, &k), HM_ERR_TRUNCATED);
	put("bad.pq.key", "XXXXXXXX\x00\x06\x00\x01\x00\x00\x01\x00");
	CHECK(hm_tc_key_load(ed, pq, &k) != HM_OK);
	/* the log key has the same file format but is Ed25519: not a PQ half */
	snprintf(pq, sizeof(pq), "%s/log.key", dir);
	CHECK_ERR(hm_tc_key_load(ed, pq, &k), HM_ERR_UNSUPPORTED);
	/* keys are never overwritten */
	CHECK_ERR(hm_tc_key_generate(0, &k), HM_OK);
	CHECK_ERR(hm_tc_key_save(k, ed, NULL), HM_ERR_EXISTS);
	hm_tc_key_free(k);
}

static void cleanup(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

TEST_MAIN(test_genesis_json, test_key_files, cleanup)
