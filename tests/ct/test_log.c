/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The LMDB-backed log against the in-memory Merkle math: every root and
 * proof it serves, before and after reopening, must equal what ct_merkle.h
 * computes from the same leaves; bad arguments, a full map and damaged files
 * must give clean errors and leave the log as it was.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hypermesh/ct_log.h"
#include "hypermesh/ct_merkle.h"
#include "hypermesh/error.h"
#include "test.h"

#define H HM_CT_HASH_LEN

static char dir[256];

static void make_dir(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/hm-ct-log-XXXXXX", t != NULL && *t ? t : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
}

static void path_in_dir(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static void remove_log(const char *path)
{
	char lock[512];

	snprintf(lock, sizeof(lock), "%s-lock", path);
	unlink(path);
	unlink(lock);
}

/* Leaf i: i + 1 bytes of a pattern, except that leaf 0 is empty. */
static size_t make_leaf(uint64_t i, uint8_t *buf)
{
	size_t n = (size_t)(i % 50);
	for (size_t j = 0; j < n; j++)
		buf[j] = (uint8_t)(i * 31 + j);
	return n;
}

static int fill(struct hm_ct_log *log, uint8_t (*hashes)[H], uint64_t from, uint64_t to,
                size_t batch)
{
	static uint8_t data[64][64];
	struct hm_ct_leaf leaves[64];
	uint64_t i = from;

	while (i < to) {
		size_t n = 0;
		uint64_t first;
		int rc;
		for (; n < batch && i + n < to; n++) {
			leaves[n].len = make_leaf(i + n, data[n]);
			leaves[n].data = data[n];
			hm_ct_leaf_hash(hashes[i + n], data[n], leaves[n].len);
		}
		rc = hm_ct_log_append_batch(log, leaves, n, &first);
		if (rc != HM_OK)
			return rc;
		CHECK_EQ(first, i);
		i += n;
	}
	return HM_OK;
}

/* Every root, entry and a spread of proofs against the in-memory tree. */
static void check_against_memory(struct hm_ct_log *log, const uint8_t (*hashes)[H], uint64_t n)
{
	uint8_t got[H], want[H], p[HM_CT_PROOF_MAX][H], q[HM_CT_PROOF_MAX][H];
	size_t plen, qlen;
	uint64_t size;
	struct hm_buf b;

	CHECK_ERR(hm_ct_log_size(log, &size), HM_OK);
	CHECK_EQ(size, n);
	hm_buf_init(&b);
	for (uint64_t s = 0; s <= n; s++) {
		struct hm_ct_mem_tree mem = { hashes, s };
		hm_ct_root_from_leaf_hashes(want, hashes, s);
		CHECK_ERR(hm_ct_log_root(log, s, got), HM_OK);
		CHECK_MEM(got, want, H);
		if (s == 0)
			continue;
		/* Inclusion of a few leaves in tree s, consistency from a few sizes. */
		for (uint64_t m = 0; m < s; m += 1 + s / 7) {
			CHECK_ERR(hm_ct_log_inclusion_proof(log, m, s, p, HM_CT_PROOF_MAX, &plen),
			          HM_OK);
			CHECK_ERR(hm_ct_inclusion_proof(hm_ct_mem_subtree, &mem, m, s, q,
			                                HM_CT_PROOF_MAX, &qlen),
			          HM_OK);
			CHECK(plen == qlen && memcmp(p, q, plen * H) == 0);
			CHECK_ERR(hm_ct_verify_inclusion(hashes[m], m, s, p, plen, want), HM_OK);
			CHECK_ERR(hm_ct_log_consistency_proof(log, m + 1, s, p, HM_CT_PROOF_MAX,
			                                      &plen),
			          HM_OK);
			CHECK_ERR(hm_ct_consistency_proof(hm_ct_mem_subtree, &mem, m + 1, s, q,
			                                  HM_CT_PROOF_MAX, &qlen),
			          HM_OK);
			CHECK(plen == qlen && memcmp(p, q, plen * H) == 0);
			hm_ct_root_from_leaf_hashes(got, hashes, m + 1);
			CHECK_ERR(hm_ct_verify_consistency(m + 1, s, got, want, p, plen), HM_OK);
		}
	}
	for (uint64_t i = 0; i < n; i++) {
		uint8_t leaf[64];
		size_t len = make_leaf(i, leaf);
		hm_buf_truncate(&b, 0);
		CHECK_ERR(hm_ct_log_entry(log, i, &b), HM_OK);
		CHECK(b.len == len && (len == 0 || memcmp(b.data, leaf, len) == 0));
		CHECK_ERR(hm_ct_log_leaf_hash(log, i, got), HM_OK);
		CHECK_MEM(got, hashes[i], H);
	}
	hm_buf_free(&b);
	CHECK_ERR(hm_ct_log_check(log), HM_OK);
}

static void test_append_reopen(void)
{
	const uint64_t n1 = 150, n2 = 261;
	uint8_t(*hashes)[H] = calloc(n2, H);
	struct hm_ct_log *log = NULL;
	char path[300];
	uint64_t idx;

	CHECK(hashes != NULL);
	if (hashes == NULL)
		return;
	make_dir();
	path_in_dir(path, sizeof(path), "log.mdb");
	CHECK_ERR(hm_ct_log_open(path, HM_CT_LOG_CREATE, 0, &log), HM_OK);
	check_against_memory(log, hashes, 0);
	CHECK_ERR(fill(log, hashes, 0, 1, 1), HM_OK);
	CHECK_ERR(fill(log, hashes, 1, 40, 1), HM_OK);
	CHECK_ERR(fill(log, hashes, 40, n1, 17), HM_OK);
	check_against_memory(log, hashes, n1);
	hm_ct_log_close(log);

	/* Reopen: everything is still there, and appending goes on. */
	CHECK_ERR(hm_ct_log_open(path, 0, 0, &log), HM_OK);
	check_against_memory(log, hashes, n1);
	CHECK_ERR(fill(log, hashes, n1, n2 - 1, 64), HM_OK);
	CHECK_ERR(hm_ct_log_append(log, NULL, 0, &idx), HM_OK);
	hm_ct_leaf_hash(hashes[n2 - 1], NULL, 0);
	CHECK_EQ(idx, n2 - 1);
	hm_ct_log_close(log);

	/* Read-only: reads work, appends are refused. */
	CHECK_ERR(hm_ct_log_open(path, HM_CT_LOG_READONLY, 0, &log), HM_OK);
	/* Leaf n2-1 is empty, unlike make_leaf(n2-1): compare its hash only. */
	{
		uint8_t got[H], want[H];
		hm_ct_root_from_leaf_hashes(want, (const uint8_t(*)[H])hashes, n2);
		CHECK_ERR(hm_ct_log_root(log, n2, got), HM_OK);
		CHECK_MEM(got, want, H);
		CHECK_ERR(hm_ct_log_leaf_hash(log, n2 - 1, got), HM_OK);
		CHECK_MEM(got, hashes[n2 - 1], H);
	}
	CHECK_ERR(hm_ct_log_append(log, "x", 1, &idx), HM_ERR_PERMISSION);
	CHECK_ERR(hm_ct_log_check(log), HM_OK);
	hm_ct_log_close(log);
	remove_log(path);
	rmdir(dir);
	free(hashes);
}

static void test_bad_arguments(void)
{
	uint8_t hashes[20][H], root[H], proof[HM_CT_PROOF_MAX][H];
	struct hm_ct_log *log = (struct hm_ct_log *)&root;
	struct hm_ct_leaf big = { NULL, HM_CT_LOG_LEAF_MAX + 1 };
	struct hm_buf b;
	char path[300];
	size_t len = 7;
	uint64_t size;

	make_dir();
	path_in_dir(path, sizeof(path), "log.mdb");
	CHECK_ERR(hm_ct_log_open(path, 0, 0, &log), HM_ERR_NOT_FOUND);
	CHECK(log == NULL);
	CHECK_ERR(hm_ct_log_open(path, HM_CT_LOG_READONLY, 0, &log), HM_ERR_NOT_FOUND);
	CHECK_ERR(hm_ct_log_open(path, HM_CT_LOG_CREATE | HM_CT_LOG_READONLY, 0, &log),
	          HM_ERR_INVALID);
	CHECK_ERR(hm_ct_log_open(path, 1u << 9, 0, &log), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_log_open("", HM_CT_LOG_CREATE, 0, &log), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_log_open(NULL, HM_CT_LOG_CREATE, 0, &log), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_log_open(path, HM_CT_LOG_CREATE, 0, NULL), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_log_open(dir, HM_CT_LOG_CREATE, 0, &log), HM_ERR_INVALID);
	hm_ct_log_close(NULL);

	CHECK_ERR(hm_ct_log_open(path, HM_CT_LOG_CREATE | HM_CT_LOG_NOSYNC, 0, &log), HM_OK);
	CHECK_ERR(hm_ct_log_root(log, 0, root), HM_OK);
	CHECK_ERR(hm_ct_log_root(log, 1, root), HM_ERR_RANGE);
	CHECK_ERR(fill(log, hashes, 0, 20, 5), HM_OK);
	CHECK_ERR(hm_ct_log_root(log, 21, root), HM_ERR_RANGE);
	CHECK_ERR(hm_ct_log_root(log, 20, NULL), HM_ERR_INVALID);
	hm_buf_init(&b);
	CHECK_ERR(hm_ct_log_entry(log, 20, &b), HM_ERR_RANGE);
	CHECK_ERR(hm_ct_log_entry(log, UINT64_MAX, &b), HM_ERR_RANGE);
	CHECK_EQ(b.len, 0);
	CHECK_ERR(hm_ct_log_leaf_hash(log, 20, root), HM_ERR_RANGE);
	CHECK_ERR(hm_ct_log_inclusion_proof(log, 20, 20, proof, 65, &len), HM_ERR_INVALID);
	CHECK_EQ(len, 0);
	CHECK_ERR(hm_ct_log_inclusion_proof(log, 3, 21, proof, 65, &len), HM_ERR_RANGE);
	CHECK_ERR(hm_ct_log_inclusion_proof(log, 3, 20, proof, 1, &len), HM_ERR_BUFFER);
	CHECK_ERR(hm_ct_log_inclusion_proof(log, 3, 20, proof, 65, NULL), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_log_consistency_proof(log, 5, 4, proof, 65, &len), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_log_consistency_proof(log, 0, 4, proof, 65, &len), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_log_consistency_proof(log, 4, 21, proof, 65, &len), HM_ERR_RANGE);
	CHECK_ERR(hm_ct_log_consistency_proof(log, 20, 20, proof, 65, &len), HM_OK);
	CHECK_EQ(len, 0);
	CHECK_ERR(hm_ct_log_append_batch(log, &big, 1, NULL), HM_ERR_INVALID);
	big.data = "";
	CHECK_ERR(hm_ct_log_append_batch(log, &big, 1, NULL), HM_ERR_TOO_LARGE);
	CHECK_ERR(hm_ct_log_append_batch(log, &big, 0, NULL), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_log_append_batch(log, NULL, 1, NULL), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_log_append_batch(NULL, &big, 1, NULL), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_log_size(NULL, &size), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_log_size(log, NULL), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_log_size(log, &size), HM_OK);
	CHECK_EQ(size, 20);
	check_against_memory(log, (const uint8_t(*)[H])hashes, 20);
	hm_ct_log_close(log);
	remove_log(path);
	rmdir(dir);
}

/* A full map refuses the whole batch and leaves the log as it was. */
static void test_map_full(void)
{
	static uint8_t blob[4000];
	struct hm_ct_leaf leaves[8];
	uint8_t before[H], after[H];
	struct hm_ct_log *log;
	char path[300];
	uint64_t size = 0, size2 = 0;
	int rc = HM_OK;

	make_dir();
	path_in_dir(path, sizeof(path), "small.mdb");
	CHECK_ERR(hm_ct_log_open(path, HM_CT_LOG_CREATE | HM_CT_LOG_NOSYNC, 256 * 1024, &log),
	          HM_OK);
	for (int i = 0; i < 8; i++)
		leaves[i] = (struct hm_ct_leaf){ blob, sizeof(blob) };
	for (int round = 0; round < 1000 && rc == HM_OK; round++) {
		CHECK_ERR(hm_ct_log_size(log, &size), HM_OK);
		CHECK_ERR(hm_ct_log_root(log, size, before), HM_OK);
		blob[0] = (uint8_t)round;
		rc = hm_ct_log_append_batch(log, leaves, 8, NULL);
	}
	CHECK_ERR(rc, HM_ERR_TOO_LARGE);
	CHECK_ERR(hm_ct_log_size(log, &size2), HM_OK);
	CHECK_EQ(size2, size);
	CHECK_ERR(hm_ct_log_root(log, size, after), HM_OK);
	CHECK_MEM(before, after, H);
	CHECK_ERR(hm_ct_log_check(log), HM_OK);
	/* Small entries may still fit; whatever happens, the log stays whole. */
	(void)hm_ct_log_append(log, "x", 1, NULL);
	CHECK_ERR(hm_ct_log_check(log), HM_OK);
	hm_ct_log_close(log);
	remove_log(path);
	rmdir(dir);
}

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK(fwrite(data, 1, n, f) == n);
	fclose(f);
}

/* Raw LMDB access, to damage a log the way a bug or a disk could. */
enum tamper_op { PUT, DEL };

static void tamper(const char *path, const char *db, const void *k, size_t klen, const void *v,
                   size_t vlen, enum tamper_op op)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val key = { klen, (void *)k }, val = { vlen, (void *)v };

	CHECK(mdb_env_create(&env) == 0);
	CHECK(mdb_env_set_maxdbs(env, 8) == 0);
	CHECK(mdb_env_open(env, path, MDB_NOSUBDIR, 0600) == 0);
	CHECK(mdb_txn_begin(env, NULL, 0, &txn) == 0);
	CHECK(mdb_dbi_open(txn, db, MDB_CREATE, &dbi) == 0);
	if (op == PUT)
		CHECK(mdb_put(txn, dbi, &key, &val, 0) == 0);
	else
		CHECK(mdb_del(txn, dbi, &key, NULL) == 0);
	CHECK(mdb_txn_commit(txn) == 0);
	mdb_env_close(env);
}

static void make_log(const char *path, uint64_t n)
{
	uint8_t hashes[64][H];
	struct hm_ct_log *log;

	remove_log(path);
	CHECK_ERR(hm_ct_log_open(path, HM_CT_LOG_CREATE | HM_CT_LOG_NOSYNC, 0, &log), HM_OK);
	CHECK_ERR(fill(log, hashes, 0, n, 8), HM_OK);
	hm_ct_log_close(log);
}

static void test_corrupt_files(void)
{
	static uint8_t junk[16384];
	uint8_t root[H], proof[HM_CT_PROOF_MAX][H], k[9] = { 0 };
	struct hm_ct_log *log = NULL;
	struct hm_buf b;
	char path[300];
	size_t len;
	struct stat st;

	make_dir();
	path_in_dir(path, sizeof(path), "bad.mdb");
	hm_buf_init(&b);

	/* Not an LMDB file at all. */
	memset(junk, 0x5a, sizeof(junk));
	write_file(path, junk, sizeof(junk));
	CHECK_ERR(hm_ct_log_open(path, 0, 0, &log), HM_ERR_CORRUPT);
	CHECK(log == NULL);
	write_file(path, "short", 5);
	CHECK_ERR(hm_ct_log_open(path, 0, 0, &log), HM_ERR_CORRUPT);
	remove_log(path);

	/* A log cut short: its B-tree points past the end of the file. */
	make_log(path, 64);
	CHECK(stat(path, &st) == 0);
	CHECK(truncate(path, st.st_size / 2) == 0);
	CHECK_ERR(hm_ct_log_open(path, 0, 0, &log), HM_ERR_CORRUPT);
	remove_log(path);

	/* Both LMDB meta pages overwritten. */
	make_log(path, 10);
	{
		int fd = open(path, O_WRONLY);
		CHECK(fd >= 0);
		CHECK(pwrite(fd, junk, 8192, 0) == 8192);
		close(fd);
	}
	CHECK_ERR(hm_ct_log_open(path, 0, 0, &log), HM_ERR_CORRUPT);
	remove_log(path);

	/* An LMDB file that is not a CT log. */
	tamper(path, "other", "k", 1, "v", 1, PUT);
	CHECK_ERR(hm_ct_log_open(path, 0, 0, &log), HM_ERR_CORRUPT);
	remove_log(path);

	/* Another format version. */
	make_log(path, 3);
	tamper(path, "meta", "format", 6, "\0\0\0\2", 4, PUT);
	CHECK_ERR(hm_ct_log_open(path, 0, 0, &log), HM_ERR_UNSUPPORTED);
	tamper(path, "meta", "format", 6, "\0\0\1", 3, PUT);
	CHECK_ERR(hm_ct_log_open(path, 0, 0, &log), HM_ERR_CORRUPT);

	/* A malformed size. */
	make_log(path, 3);
	tamper(path, "meta", "size", 4, "\0\0\3", 3, PUT);
	CHECK_ERR(hm_ct_log_open(path, 0, 0, &log), HM_ERR_CORRUPT);

	/* A stored hash of the wrong length. */
	make_log(path, 16);
	k[0] = 2;
	k[8] = 1; /* level 2, subtree 1: leaves 4..7 */
	tamper(path, "nodes", k, 9, "short", 5, PUT);
	CHECK_ERR(hm_ct_log_open(path, 0, 0, &log), HM_OK);
	/* The roots of 6 and 8 do not use that subtree; a proof for leaf 0 in 8 does. */
	CHECK_ERR(hm_ct_log_root(log, 6, root), HM_OK);
	CHECK_ERR(hm_ct_log_root(log, 8, root), HM_OK);
	CHECK_ERR(hm_ct_log_inclusion_proof(log, 0, 8, proof, 65, &len), HM_ERR_CORRUPT);
	CHECK_ERR(hm_ct_log_check(log), HM_ERR_CORRUPT);
	hm_ct_log_close(log);

	/* A missing hash. */
	make_log(path, 16);
	k[0] = 0;
	k[8] = 9;
	tamper(path, "nodes", k, 9, NULL, 0, DEL);
	CHECK_ERR(hm_ct_log_open(path, 0, 0, &log), HM_OK);
	CHECK_ERR(hm_ct_log_leaf_hash(log, 9, root), HM_ERR_CORRUPT);
	CHECK_ERR(hm_ct_log_inclusion_proof(log, 8, 10, proof, 65, &len), HM_ERR_CORRUPT);
	CHECK_ERR(hm_ct_log_consistency_proof(log, 9, 16, proof, 65, &len), HM_ERR_CORRUPT);
	CHECK_ERR(hm_ct_log_check(log), HM_ERR_CORRUPT);
	hm_ct_log_close(log);

	/* A changed leaf: only the full check can see it. */
	make_log(path, 16);
	memset(k, 0, sizeof(k));
	k[7] = 5;
	tamper(path, "leaves", k, 8, "evil", 4, PUT);
	CHECK_ERR(hm_ct_log_open(path, 0, 0, &log), HM_OK);
	CHECK_ERR(hm_ct_log_root(log, 16, root), HM_OK);
	CHECK_ERR(hm_ct_log_check(log), HM_ERR_CORRUPT);
	hm_ct_log_close(log);

	/* A leaf beyond the recorded size: appends refuse to overwrite it. */
	make_log(path, 16);
	k[7] = 16;
	tamper(path, "leaves", k, 8, "ghost", 5, PUT);
	CHECK_ERR(hm_ct_log_open(path, 0, 0, &log), HM_OK);
	CHECK_ERR(hm_ct_log_check(log), HM_ERR_CORRUPT);
	CHECK_ERR(hm_ct_log_append(log, "x", 1, NULL), HM_ERR_CORRUPT);
	hm_ct_log_close(log);

	/* A size larger than what is stored. */
	make_log(path, 16);
	tamper(path, "meta", "size", 4, "\0\0\0\0\0\0\0\x20", 8, PUT);
	CHECK_ERR(hm_ct_log_open(path, 0, 0, &log), HM_OK);
	CHECK_ERR(hm_ct_log_root(log, 32, root), HM_ERR_CORRUPT);
	CHECK_ERR(hm_ct_log_entry(log, 20, &b), HM_ERR_CORRUPT);
	CHECK_ERR(hm_ct_log_check(log), HM_ERR_CORRUPT);
	CHECK_ERR(hm_ct_log_root(log, 16, root), HM_OK);
	hm_ct_log_close(log);

	hm_buf_free(&b);
	remove_log(path);
	rmdir(dir);
}

TEST_MAIN(test_append_reopen, test_bad_arguments, test_map_full, test_corrupt_files)
