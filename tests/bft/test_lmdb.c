/* SPDX-License-Identifier: Apache-2.0 */
/* The LMDB consensus storage: its contract, and a replica restarting on it. */
#define _GNU_SOURCE /* mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bft_fixture.h"
#include "hypermesh/bft_lmdb.h"
#include "test.h"

static struct fx fx;

static void tmpdir(char *dir, size_t n)
{
	const char *base = getenv("TMPDIR");

	snprintf(dir, n, "%s/hm-bft-lmdb-XXXXXX", base && *base ? base : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
}

static void rmtree(const char *dir)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
	rmdir(dir);
}

static void test_contract(void)
{
	char dir[256];
	struct hm_bft_lmdb *db;
	struct hm_bft_storage st;
	struct hm_buf b;
	uint8_t h1[HM_BFT_HASH_LEN] = { 1 }, h2[HM_BFT_HASH_LEN] = { 2 };

	tmpdir(dir, sizeof(dir));
	hm_buf_init(&b);
	CHECK_ERR(hm_bft_lmdb_open(&db, dir, 1 << 20), HM_OK);
	hm_bft_lmdb_storage(db, &st);
	CHECK_ERR(st.load_safety(st.ctx, &b), HM_OK);
	CHECK_EQ(b.len, 0);
	CHECK_ERR(st.save_safety(st.ctx, (const uint8_t *)"first", 5), HM_OK);
	CHECK_ERR(st.save_safety(st.ctx, (const uint8_t *)"second", 6), HM_OK);
	CHECK_ERR(st.load_block(st.ctx, 1, &b), HM_ERR_NOT_FOUND);
	CHECK_ERR(st.append_block(st.ctx, 2, (const uint8_t *)"x", 1), HM_ERR_INVALID);
	CHECK_ERR(st.append_block(st.ctx, 1, (const uint8_t *)"one", 3), HM_OK);
	CHECK_ERR(st.append_block(st.ctx, 1, (const uint8_t *)"again", 5), HM_ERR_INVALID);
	CHECK_ERR(st.append_block(st.ctx, 2, (const uint8_t *)"two", 3), HM_OK);
	CHECK_ERR(st.put_block(st.ctx, h1, (const uint8_t *)"voted", 5), HM_OK);
	CHECK_ERR(st.put_block(st.ctx, h1, (const uint8_t *)"voted", 5), HM_OK);
	CHECK_ERR(st.get_block(st.ctx, h2, &b), HM_ERR_NOT_FOUND);
	hm_bft_lmdb_close(db);

	/* Everything is there after reopening. */
	CHECK_ERR(hm_bft_lmdb_open(&db, dir, 0), HM_OK);
	hm_bft_lmdb_storage(db, &st);
	CHECK_ERR(st.load_safety(st.ctx, &b), HM_OK);
	CHECK(b.len == 6 && memcmp(b.data, "second", 6) == 0);
	hm_buf_truncate(&b, 0);
	CHECK_ERR(st.load_block(st.ctx, 2, &b), HM_OK);
	CHECK(b.len == 3 && memcmp(b.data, "two", 3) == 0);
	hm_buf_truncate(&b, 0);
	CHECK_ERR(st.get_block(st.ctx, h1, &b), HM_OK);
	CHECK(b.len == 5 && memcmp(b.data, "voted", 5) == 0);
	CHECK_ERR(st.load_block(st.ctx, 3, &b), HM_ERR_NOT_FOUND);
	CHECK_ERR(st.append_block(st.ctx, 3, (const uint8_t *)"three", 5), HM_OK);
	hm_bft_lmdb_close(db);
	hm_bft_lmdb_close(NULL);
	hm_buf_free(&b);
	rmtree(dir);
}

static void test_open_errors(void)
{
	struct hm_bft_lmdb *db = NULL;

	CHECK_ERR(hm_bft_lmdb_open(&db, "", 0), HM_ERR_INVALID);
	CHECK_ERR(hm_bft_lmdb_open(&db, NULL, 0), HM_ERR_INVALID);
	CHECK_ERR(hm_bft_lmdb_open(&db, "/nonexistent/hm-bft-lmdb", 0), HM_ERR_NOT_FOUND);
	CHECK(db == NULL);
}

static void test_map_full(void)
{
	char dir[256];
	struct hm_bft_lmdb *db;
	struct hm_bft_storage st;
	static uint8_t big[64 * 1024];
	int rc = HM_OK;

	tmpdir(dir, sizeof(dir));
	CHECK_ERR(hm_bft_lmdb_open(&db, dir, 256 * 1024), HM_OK);
	hm_bft_lmdb_storage(db, &st);
	for (uint64_t h = 1; h <= 16 && rc == HM_OK; h++)
		rc = st.append_block(st.ctx, h, big, sizeof(big));
	CHECK_ERR(rc, HM_ERR_TOO_LARGE);
	/* A store failure sticks, apart from refusals: later writes get it too. */
	CHECK_ERR(hm_bft_lmdb_failure(db), HM_ERR_TOO_LARGE);
	CHECK_ERR(st.save_safety(st.ctx, (const uint8_t *)"s", 1), HM_ERR_TOO_LARGE);
	hm_bft_lmdb_close(db);
	rmtree(dir);
}

/* In a child process: open dir, stage writes, flush only if asked, exit without closing. */
static void child_writes(const char *dir, int flush)
{
	pid_t pid = fork();
	int status;

	CHECK(pid >= 0);
	if (pid == 0) {
		struct hm_bft_lmdb *db;
		struct hm_bft_storage st;

		if (hm_bft_lmdb_open(&db, dir, 1 << 20) != HM_OK)
			_exit(3);
		hm_bft_lmdb_storage(db, &st);
		hm_bft_lmdb_defer(db);
		if (st.save_safety(st.ctx, (const uint8_t *)"child", 5) != HM_OK ||
		    st.append_block(st.ctx, 1, (const uint8_t *)"one", 3) != HM_OK)
			_exit(4);
		if (flush && hm_bft_lmdb_flush(db) != HM_OK)
			_exit(5);
		_exit(0); /* a crash as far as the store knows: no close */
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * Deferred mode: writes are visible to the store's reads at once, cost no
 * commit until the flush, which commits them all in one; a refused append
 * leaves the batch usable; a process that dies before flushing leaves
 * nothing of its batch, one that flushed leaves all of it.
 */
static void test_deferred(void)
{
	char dir[256];
	struct hm_bft_lmdb *db;
	struct hm_bft_storage st;
	struct hm_buf b;
	uint8_t h1[HM_BFT_HASH_LEN] = { 1 };
	uint64_t c0;

	tmpdir(dir, sizeof(dir));
	hm_buf_init(&b);
	child_writes(dir, 0);
	CHECK_ERR(hm_bft_lmdb_open(&db, dir, 1 << 20), HM_OK);
	hm_bft_lmdb_storage(db, &st);
	CHECK_ERR(st.load_safety(st.ctx, &b), HM_OK);
	CHECK_EQ(b.len, 0);
	CHECK_ERR(st.load_block(st.ctx, 1, &b), HM_ERR_NOT_FOUND);
	hm_bft_lmdb_close(db);

	child_writes(dir, 1);
	CHECK_ERR(hm_bft_lmdb_open(&db, dir, 1 << 20), HM_OK);
	hm_bft_lmdb_storage(db, &st);
	CHECK_ERR(st.load_safety(st.ctx, &b), HM_OK);
	CHECK(b.len == 5 && memcmp(b.data, "child", 5) == 0);
	hm_buf_truncate(&b, 0);

	hm_bft_lmdb_defer(db);
	c0 = hm_bft_lmdb_commits(db);
	CHECK_ERR(hm_bft_lmdb_flush(db), HM_OK); /* nothing pending: no commit */
	CHECK_EQ(hm_bft_lmdb_commits(db), c0);
	CHECK_ERR(st.put_block(st.ctx, h1, (const uint8_t *)"voted", 5), HM_OK);
	CHECK_ERR(st.save_safety(st.ctx, (const uint8_t *)"after", 5), HM_OK);
	CHECK_ERR(st.append_block(st.ctx, 2, (const uint8_t *)"two", 3), HM_OK);
	CHECK_ERR(st.append_block(st.ctx, 4, (const uint8_t *)"four", 4), HM_ERR_INVALID);
	CHECK_ERR(st.append_block(st.ctx, 3, (const uint8_t *)"three", 5), HM_OK);
	CHECK_ERR(st.put_block(st.ctx, h1, (const uint8_t *)"voted", 5), HM_OK);
	CHECK_ERR(hm_bft_lmdb_failure(db), HM_OK);
	CHECK_EQ(hm_bft_lmdb_commits(db), c0);
	/* Reads see the pending writes. */
	CHECK_ERR(st.load_block(st.ctx, 3, &b), HM_OK);
	CHECK(b.len == 5 && memcmp(b.data, "three", 5) == 0);
	hm_buf_truncate(&b, 0);
	CHECK_ERR(st.get_block(st.ctx, h1, &b), HM_OK);
	CHECK(b.len == 5 && memcmp(b.data, "voted", 5) == 0);
	hm_buf_truncate(&b, 0);
	CHECK_ERR(hm_bft_lmdb_flush(db), HM_OK);
	CHECK_EQ(hm_bft_lmdb_commits(db), c0 + 1);
	hm_bft_lmdb_close(db);

	CHECK_ERR(hm_bft_lmdb_open(&db, dir, 1 << 20), HM_OK);
	hm_bft_lmdb_storage(db, &st);
	CHECK_ERR(st.load_safety(st.ctx, &b), HM_OK);
	CHECK(b.len == 5 && memcmp(b.data, "after", 5) == 0);
	hm_buf_truncate(&b, 0);
	CHECK_ERR(st.load_block(st.ctx, 3, &b), HM_OK);
	CHECK_ERR(st.load_block(st.ctx, 4, &b), HM_ERR_NOT_FOUND);
	hm_bft_lmdb_close(db);
	hm_buf_free(&b);
	rmtree(dir);
}

/* A full map in deferred mode: the failure sticks, the flush reports it, the batch is gone. */
static void test_deferred_map_full(void)
{
	char dir[256];
	struct hm_bft_lmdb *db;
	struct hm_bft_storage st;
	struct hm_buf b;
	static uint8_t big[64 * 1024];
	int rc = HM_OK;

	tmpdir(dir, sizeof(dir));
	hm_buf_init(&b);
	CHECK_ERR(hm_bft_lmdb_open(&db, dir, 256 * 1024), HM_OK);
	hm_bft_lmdb_storage(db, &st);
	hm_bft_lmdb_defer(db);
	for (uint64_t h = 1; h <= 16 && rc == HM_OK; h++)
		rc = st.append_block(st.ctx, h, big, sizeof(big));
	CHECK_ERR(rc, HM_ERR_TOO_LARGE);
	CHECK_ERR(hm_bft_lmdb_failure(db), HM_ERR_TOO_LARGE);
	CHECK_ERR(hm_bft_lmdb_flush(db), HM_ERR_TOO_LARGE);
	CHECK_ERR(st.append_block(st.ctx, 1, big, 1), HM_ERR_TOO_LARGE);
	CHECK_ERR(hm_bft_lmdb_put_evidence(db, 1, big, HM_BFT_EVIDENCE_LEN), HM_ERR_INVALID);
	hm_bft_lmdb_close(db);
	CHECK_ERR(hm_bft_lmdb_open(&db, dir, 256 * 1024), HM_OK);
	hm_bft_lmdb_storage(db, &st);
	CHECK_ERR(st.load_block(st.ctx, 1, &b), HM_ERR_NOT_FOUND);
	CHECK_ERR(hm_bft_lmdb_failure(db), HM_OK);
	hm_bft_lmdb_close(db);
	hm_buf_free(&b);
	rmtree(dir);
}

static void test_replica_restarts_on_lmdb(void)
{
	char dir[256];
	struct hm_bft_lmdb *db;
	struct hm_bft_storage st;
	struct hm_bft_config c;
	struct hm_bft_replica *r;
	struct hm_bft_status s;
	struct hm_bft_output o;
	struct hm_bft_block b[4];
	uint8_t h[4][HM_BFT_HASH_LEN];
	struct hm_bft_qc qc[4];
	struct hm_buf m;

	fx_init(&fx, 4);
	hm_buf_init(&m);
	fx_genesis_qc(&fx, &qc[0]);
	for (int i = 1; i <= 3; i++) {
		fx_block(&fx, &b[i], (uint64_t)i, (uint64_t)i - 1, &qc[i - 1], (uint64_t)i);
		hm_bft_block_hash(h[i], fx.vs.chain_id, fx.vs.chain_id_len, &b[i]);
		fx_qc(&fx, &qc[i], (uint64_t)i, h[i], 0xe);
	}
	tmpdir(dir, sizeof(dir));
	CHECK_ERR(hm_bft_lmdb_open(&db, dir, 0), HM_OK);
	hm_bft_lmdb_storage(db, &st);
	memset(&c, 0, sizeof(c));
	c.validators = &fx.vs;
	c.sk = fx.sk[0];
	c.storage = &st;
	CHECK_ERR(hm_bft_replica_new(&r, &c, 0), HM_OK);
	for (int i = 1; i <= 3; i++) {
		fx_proposal(&fx, &m, &b[i], b[i].proposer);
		CHECK_ERR(hm_bft_replica_on_message(r, m.data, m.len, (uint64_t)i), HM_OK);
	}
	while (hm_bft_replica_next_output(r, &o) == HM_OK)
		hm_buf_free(&o.data);
	hm_bft_replica_del(r);
	hm_bft_lmdb_close(db);

	CHECK_ERR(hm_bft_lmdb_open(&db, dir, 0), HM_OK);
	hm_bft_lmdb_storage(db, &st);
	CHECK_ERR(hm_bft_replica_new(&r, &c, 10), HM_OK);
	hm_bft_replica_status(r, &s);
	CHECK_EQ(s.committed_height, 1);
	CHECK_MEM(s.committed_hash, h[1], HM_BFT_HASH_LEN);
	CHECK_EQ(s.last_voted_view, 3);
	CHECK_EQ(s.high_qc_view, 2);
	hm_bft_replica_del(r);
	hm_bft_lmdb_close(db);
	hm_buf_free(&m);
	rmtree(dir);
}

/* Committed evidence: one row per (kind, validator, view), counted per validator, kept. */
static void test_evidence_rows(void)
{
	char dir[256];
	struct hm_bft_lmdb *db;
	uint8_t r1[HM_BFT_EVIDENCE_LEN], r2[HM_BFT_EVIDENCE_LEN], r3[HM_BFT_EVIDENCE_LEN];
	uint64_t count, per[HM_BFT_MAX_VALIDATORS];

	fx_init(&fx, 4);
	fx_double_vote(&fx, r1, 3, 5);
	fx_double_vote(&fx, r2, 3, 6);
	fx_double_vote(&fx, r3, 1, 5);
	tmpdir(dir, sizeof(dir));
	CHECK_ERR(hm_bft_lmdb_open(&db, dir, 1 << 20), HM_OK);
	CHECK_ERR(hm_bft_lmdb_evidence_summary(db, &count, per), HM_OK);
	CHECK_EQ(count, 0);
	CHECK_ERR(hm_bft_lmdb_put_evidence(db, 10, r1, sizeof(r1)), HM_OK);
	CHECK_ERR(hm_bft_lmdb_put_evidence(db, 11, r1, sizeof(r1)), HM_ERR_EXISTS);
	CHECK_ERR(hm_bft_lmdb_put_evidence(db, 11, r2, sizeof(r2)), HM_OK);
	CHECK_ERR(hm_bft_lmdb_put_evidence(db, 12, r3, sizeof(r3)), HM_OK);
	/* Not a record: refused, nothing stored. */
	CHECK_ERR(hm_bft_lmdb_put_evidence(db, 12, r3, sizeof(r3) - 1), HM_ERR_INVALID);
	r3[0] = 9;
	CHECK_ERR(hm_bft_lmdb_put_evidence(db, 12, r3, sizeof(r3)), HM_ERR_INVALID);
	hm_bft_lmdb_close(db);
	CHECK_ERR(hm_bft_lmdb_open(&db, dir, 1 << 20), HM_OK);
	CHECK_ERR(hm_bft_lmdb_evidence_summary(db, &count, per), HM_OK);
	CHECK_EQ(count, 3);
	CHECK_EQ(per[3], 2);
	CHECK_EQ(per[1], 1);
	CHECK_EQ(per[0], 0);
	hm_bft_lmdb_close(db);
	rmtree(dir);
}

TEST_MAIN(test_contract, test_open_errors, test_map_full, test_deferred, test_deferred_map_full,
          test_replica_restarts_on_lmdb, test_evidence_rows)
