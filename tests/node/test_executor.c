/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The executor against a test module that records the operations it
 * applies: order, nested-transaction rollback, receipts, watches, the crash
 * window before committed(), determinism, refusal of a truncated store.
 *
 * Fixture envelope (tests only): tx = uint16 type || payload; the operation
 * digest is SHA-256 of tx. The recorder module appends each payload under an
 * increasing key in its database "rec"; a payload starting with "fail"
 * writes first and then fails, so its write must vanish.
 */
#define _GNU_SOURCE /* mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hypermesh/codec.h"
#include "hypermesh/error.h"
#include "hypermesh/executor.h"
#include "hypermesh/hash.h"
#include "test.h"

struct recorder {
	MDB_dbi dbi;
	uint64_t committed[16];
	size_t ncommitted;
	int fail_committed; /* committed() fails this many times */
};

static int rec_open(void *ctx, MDB_env *env, MDB_txn *txn)
{
	struct recorder *r = ctx;

	(void)env;
	return mdb_dbi_open(txn, "rec", MDB_CREATE, &r->dbi) == MDB_SUCCESS ? HM_OK : HM_ERR_IO;
}

static int rec_check(void *ctx, const struct hm_op *op)
{
	(void)ctx;
	return op->payload_len > 0 ? HM_OK : HM_ERR_INVALID;
}

static int rec_apply(void *ctx, MDB_txn *txn, const struct hm_block_info *b, const struct hm_op *op,
                     struct hm_buf *result)
{
	struct recorder *r = ctx;
	MDB_stat st;
	uint8_t key[8];
	MDB_val k = { sizeof(key), key }, v = { op->payload_len, (void *)op->payload };
	uint64_t n;

	(void)b;
	if (mdb_stat(txn, r->dbi, &st) != MDB_SUCCESS)
		return HM_ERR_IO;
	n = st.ms_entries;
	for (int i = 7; i >= 0; i--, n >>= 8)
		key[i] = (uint8_t)n;
	if (mdb_put(txn, r->dbi, &k, &v, 0) != MDB_SUCCESS)
		return HM_ERR_IO;
	if (op->payload_len >= 4 && memcmp(op->payload, "fail", 4) == 0)
		return HM_ERR_INVALID; /* after a write: the executor must discard it */
	return hm_buf_append(result, "ok", 2);
}

static int rec_committed(void *ctx, const struct hm_block_info *b)
{
	struct recorder *r = ctx;

	if (r->fail_committed > 0) {
		r->fail_committed--;
		return HM_ERR_IO; /* stands for a crash before committed() finished */
	}
	if (r->ncommitted < 16)
		r->committed[r->ncommitted++] = b->height;
	return HM_OK;
}

static int fixture_verify(void *ctx, MDB_txn *txn, const uint8_t *tx, size_t len,
                          const struct hm_block_info *b, struct hm_op *out)
{
	(void)ctx;
	(void)txn;
	(void)b;
	if (len < 2)
		return HM_ERR_TRUNCATED;
	out->type = (uint16_t)(tx[0] << 8 | tx[1]);
	out->payload = tx + 2;
	out->payload_len = len - 2;
	hm_sha256(out->digest, tx, len);
	return HM_OK;
}

static void tmpdir(char *dir, size_t n)
{
	const char *base = getenv("TMPDIR");

	snprintf(dir, n, "%s/hm-exec-XXXXXX", base && *base ? base : "/tmp");
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

static struct hm_executor *open_exec(const char *dir, struct recorder *rec, int verifier)
{
	struct hm_executor *ex = NULL;
	struct hm_module m = {
		.name = "recorder",
		.type_min = 0x7000,
		.type_max = 0x70ff,
		.ctx = rec,
		.open = rec_open,
		.check = rec_check,
		.apply = rec_apply,
		.committed = rec_committed,
	};

	if (hm_executor_open(&ex, dir, 1 << 24) != HM_OK)
		return NULL;
	if (hm_executor_add_module(ex, &m) != HM_OK)
		abort();
	if (verifier)
		hm_executor_set_verifier(ex, fixture_verify, NULL);
	return ex;
}

/* payload of a block: tx<1..2^16-1> each "type(2) || text" */
static void add_tx(struct hm_buf *p, uint16_t type, const char *text)
{
	struct hm_buf tx;

	hm_buf_init(&tx);
	hm_put_u16(&tx, type);
	hm_put_bytes(&tx, text, strlen(text));
	hm_put_vec(p, 1, 0xffff, tx.data, tx.len);
	hm_buf_free(&tx);
}

static void txid_of(uint8_t id[32], uint16_t type, const char *text)
{
	uint8_t b[256];

	b[0] = (uint8_t)(type >> 8);
	b[1] = (uint8_t)type;
	memcpy(b + 2, text, strlen(text));
	hm_sha256(id, b, 2 + strlen(text));
}

static struct hm_block_info block(uint64_t h)
{
	struct hm_block_info b = { .height = h, .timestamp_ms = 1000 * h, .proposer = 1 };

	memset(b.hash, (int)h, sizeof(b.hash));
	return b;
}

/* The recorder's rows, concatenated with '|'. */
static void dump(struct hm_executor *ex, struct recorder *rec, char *out, size_t cap)
{
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	size_t len = 0;

	out[0] = '\0';
	if (mdb_txn_begin(hm_executor_env(ex), NULL, MDB_RDONLY, &txn) != MDB_SUCCESS)
		return;
	mdb_cursor_open(txn, rec->dbi, &c);
	while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == MDB_SUCCESS && len + v.mv_size + 2 < cap) {
		memcpy(out + len, v.mv_data, v.mv_size);
		len += v.mv_size;
		out[len++] = '|';
		out[len] = '\0';
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
}

static void test_order_rollback_receipts(void)
{
	char dir[256], rows[256];
	struct recorder rec = { 0 };
	struct hm_executor *ex;
	struct hm_buf p, res;
	struct hm_receipt r;
	struct hm_block_info b = block(1), got;
	uint8_t id[32];

	tmpdir(dir, sizeof(dir));
	ex = open_exec(dir, &rec, 1);
	CHECK(ex != NULL);
	CHECK_EQ(hm_executor_start(ex), HM_OK);
	hm_buf_init(&p);
	hm_buf_init(&res);
	add_tx(&p, 0x7001, "alpha");
	add_tx(&p, 0x7001, "fail-beta");
	add_tx(&p, 0x7001, "gamma");
	add_tx(&p, 0x0100, "no module for me");
	CHECK_EQ(hm_executor_apply_block(ex, &b, p.data, p.len), HM_OK);
	dump(ex, &rec, rows, sizeof(rows));
	CHECK_STR(rows, "alpha|gamma|");
	hm_executor_applied(ex, &got);
	CHECK_EQ(got.height, 1);
	CHECK_MEM(got.hash, b.hash, 32);

	txid_of(id, 0x7001, "alpha");
	CHECK_EQ(hm_executor_receipt(ex, id, &r, &res), HM_OK);
	CHECK_EQ(r.height, 1);
	CHECK_EQ(r.index, 0);
	CHECK_EQ(r.status, HM_OK);
	CHECK_EQ(r.type, 0x7001);
	CHECK(res.len == 2 && memcmp(res.data, "ok", 2) == 0);
	txid_of(id, 0x7001, "fail-beta");
	hm_buf_truncate(&res, 0);
	CHECK_EQ(hm_executor_receipt(ex, id, &r, &res), HM_OK);
	CHECK_EQ(r.index, 1);
	CHECK_EQ(r.status, HM_ERR_INVALID);
	CHECK_EQ(res.len, 0);
	txid_of(id, 0x0100, "no module for me");
	CHECK_EQ(hm_executor_receipt(ex, id, &r, NULL), HM_OK);
	CHECK_EQ(r.index, 3);
	CHECK_EQ(r.status, HM_ERR_UNSUPPORTED);
	txid_of(id, 0x7001, "never submitted");
	CHECK_ERR(hm_executor_receipt(ex, id, &r, NULL), HM_ERR_NOT_FOUND);

	/* Heights: a gap is refused, a repeat is "already done". */
	b = block(3);
	CHECK_ERR(hm_executor_apply_block(ex, &b, p.data, p.len), HM_ERR_INVALID);
	b = block(1);
	CHECK_ERR(hm_executor_apply_block(ex, &b, p.data, p.len), HM_ERR_EXISTS);
	/* A replay of a receipted transaction in a later block changes nothing. */
	hm_buf_truncate(&p, 0);
	add_tx(&p, 0x7001, "alpha");
	b = block(2);
	CHECK_EQ(hm_executor_apply_block(ex, &b, p.data, p.len), HM_OK);
	txid_of(id, 0x7001, "alpha");
	CHECK_EQ(hm_executor_receipt(ex, id, &r, NULL), HM_OK);
	CHECK_EQ(r.height, 1);
	dump(ex, &rec, rows, sizeof(rows));
	CHECK_STR(rows, "alpha|gamma|");
	CHECK_EQ(rec.ncommitted, 2);
	hm_buf_free(&p);
	hm_buf_free(&res);
	hm_executor_close(ex);
	rmtree(dir);
}

static void test_malformed_payload(void)
{
	char dir[256];
	struct recorder rec = { 0 };
	struct hm_executor *ex;
	struct hm_block_info b = block(1), got;
	static const uint8_t bad[] = { 0x00, 0x05, 'a', 'b' }; /* declares 5 bytes, has 2 */
	static const uint8_t empty_tx[] = { 0x00, 0x00 };

	tmpdir(dir, sizeof(dir));
	ex = open_exec(dir, &rec, 1);
	CHECK(ex != NULL);
	CHECK_EQ(hm_executor_start(ex), HM_OK);
	CHECK_ERR(hm_executor_apply_block(ex, &b, bad, sizeof(bad)), HM_ERR_LENGTH);
	CHECK_ERR(hm_executor_apply_block(ex, &b, empty_tx, sizeof(empty_tx)), HM_ERR_LENGTH);
	hm_executor_applied(ex, &got);
	CHECK_EQ(got.height, 0);
	/* An empty block is fine. */
	CHECK_EQ(hm_executor_apply_block(ex, &b, NULL, 0), HM_OK);
	hm_executor_close(ex);
	rmtree(dir);
}

static void test_no_verifier_is_unsupported(void)
{
	char dir[256], rows[64];
	struct recorder rec = { 0 };
	struct hm_executor *ex;
	struct hm_block_info b = block(1);
	struct hm_buf p;
	struct hm_receipt r;
	uint8_t id[32];

	tmpdir(dir, sizeof(dir));
	ex = open_exec(dir, &rec, 0);
	CHECK(ex != NULL);
	CHECK_EQ(hm_executor_start(ex), HM_OK);
	hm_buf_init(&p);
	add_tx(&p, 0x7001, "alpha");
	CHECK_EQ(hm_executor_apply_block(ex, &b, p.data, p.len), HM_OK);
	txid_of(id, 0x7001, "alpha");
	CHECK_EQ(hm_executor_receipt(ex, id, &r, NULL), HM_OK);
	CHECK_EQ(r.status, HM_ERR_UNSUPPORTED);
	dump(ex, &rec, rows, sizeof(rows));
	CHECK_STR(rows, "");
	hm_buf_free(&p);
	hm_executor_close(ex);
	rmtree(dir);
}

static void test_module_registry(void)
{
	char dir[256];
	struct recorder rec = { 0 };
	struct hm_executor *ex;
	struct hm_module m = {
		.name = "x", .type_min = 0x7050, .type_max = 0x7100, .apply = rec_apply
	};

	tmpdir(dir, sizeof(dir));
	ex = open_exec(dir, &rec, 1);
	CHECK(ex != NULL);
	CHECK_ERR(hm_executor_add_module(ex, &m), HM_ERR_EXISTS); /* overlaps the recorder */
	m.type_min = 0x0200;
	m.type_max = 0x01ff;
	CHECK_ERR(hm_executor_add_module(ex, &m), HM_ERR_INVALID);
	m.type_max = 0x02ff;
	m.apply = NULL;
	CHECK_ERR(hm_executor_add_module(ex, &m), HM_ERR_INVALID);
	m.apply = rec_apply;
	CHECK_EQ(hm_executor_start(ex), HM_OK);
	CHECK_ERR(hm_executor_add_module(ex, &m), HM_ERR_INVALID); /* after start */
	hm_executor_close(ex);
	rmtree(dir);
}

/* A crash after the state commit and before committed(): the restart calls it again. */
static void test_crash_before_committed(void)
{
	char dir[256], rows[64];
	struct recorder rec = { 0 };
	struct hm_executor *ex;
	struct hm_block_info b = block(1), got;
	struct hm_buf p;

	tmpdir(dir, sizeof(dir));
	ex = open_exec(dir, &rec, 1);
	CHECK(ex != NULL);
	CHECK_EQ(hm_executor_start(ex), HM_OK);
	hm_buf_init(&p);
	add_tx(&p, 0x7001, "alpha");
	rec.fail_committed = 1;
	CHECK_ERR(hm_executor_apply_block(ex, &b, p.data, p.len), HM_ERR_IO);
	/* A failed executor takes no further block. */
	b = block(2);
	CHECK_ERR(hm_executor_apply_block(ex, &b, NULL, 0), HM_ERR_INVALID);
	CHECK_EQ(rec.ncommitted, 0);
	hm_executor_close(ex);

	ex = open_exec(dir, &rec, 1);
	CHECK(ex != NULL);
	hm_executor_applied(ex, &got);
	CHECK_EQ(got.height, 1); /* the state commit was durable */
	CHECK_EQ(got.timestamp_ms, 1000);
	CHECK_EQ(hm_executor_start(ex), HM_OK);
	CHECK_EQ(rec.ncommitted, 1);
	CHECK_EQ(rec.committed[0], 1);
	dump(ex, &rec, rows, sizeof(rows));
	CHECK_STR(rows, "alpha|");
	/* The node re-applies from height 2 on. */
	CHECK_EQ(hm_executor_apply_block(ex, &b, NULL, 0), HM_OK);
	CHECK_EQ(rec.committed[1], 2);
	hm_buf_free(&p);
	hm_executor_close(ex);
	rmtree(dir);
}

/* Two executors fed the same blocks hold the same rows and receipts. */
static void test_determinism(void)
{
	char d1[256], d2[256], r1[512], r2[512];
	struct recorder rec1 = { 0 }, rec2 = { 0 };
	struct hm_executor *a, *b;
	struct hm_buf p;

	tmpdir(d1, sizeof(d1));
	tmpdir(d2, sizeof(d2));
	a = open_exec(d1, &rec1, 1);
	b = open_exec(d2, &rec2, 1);
	CHECK(a != NULL && b != NULL);
	CHECK_EQ(hm_executor_start(a), HM_OK);
	CHECK_EQ(hm_executor_start(b), HM_OK);
	hm_buf_init(&p);
	for (uint64_t h = 1; h <= 5; h++) {
		struct hm_block_info bi = block(h);
		char t[32];

		hm_buf_truncate(&p, 0);
		for (int i = 0; i < 3; i++) {
			snprintf(t, sizeof(t), "%s%llu.%d", i == 1 ? "fail" : "op",
			         (unsigned long long)h, i);
			add_tx(&p, 0x7001, t);
		}
		CHECK_EQ(hm_executor_apply_block(a, &bi, p.data, p.len), HM_OK);
		CHECK_EQ(hm_executor_apply_block(b, &bi, p.data, p.len), HM_OK);
	}
	dump(a, &rec1, r1, sizeof(r1));
	dump(b, &rec2, r2, sizeof(r2));
	CHECK_STR(r1, r2);
	CHECK(strstr(r1, "op5.2|") != NULL && strstr(r1, "fail") == NULL);
	hm_buf_free(&p);
	hm_executor_close(a);
	hm_executor_close(b);
	rmtree(d1);
	rmtree(d2);
}

struct seen {
	int calls, err;
	struct hm_receipt r;
};

static void on_receipt(void *user, int err, const uint8_t txid[32], const struct hm_receipt *r,
                       const uint8_t *result, size_t len)
{
	struct seen *s = user;

	(void)txid;
	(void)result;
	(void)len;
	s->calls++;
	s->err = err;
	if (r != NULL)
		s->r = *r;
}

static void test_watch(void)
{
	char dir[256];
	struct recorder rec = { 0 };
	struct hm_executor *ex;
	struct hm_block_info b = block(1);
	struct hm_buf p;
	struct seen before = { 0 }, after = { 0 }, cancelled = { 0 }, pending = { 0 };
	uint8_t id[32], other[32];
	uint64_t tok;

	tmpdir(dir, sizeof(dir));
	ex = open_exec(dir, &rec, 1);
	CHECK(ex != NULL);
	CHECK_EQ(hm_executor_start(ex), HM_OK);
	txid_of(id, 0x7001, "watched");
	txid_of(other, 0x7001, "never");
	CHECK_EQ(hm_executor_watch(ex, id, on_receipt, &before, NULL), HM_OK);
	CHECK_EQ(hm_executor_watch(ex, id, on_receipt, &cancelled, &tok), HM_OK);
	hm_executor_unwatch(ex, tok);
	CHECK_EQ(hm_executor_watch(ex, other, on_receipt, &pending, NULL), HM_OK);
	CHECK_EQ(before.calls, 0);
	hm_buf_init(&p);
	add_tx(&p, 0x7001, "watched");
	CHECK_EQ(hm_executor_apply_block(ex, &b, p.data, p.len), HM_OK);
	CHECK_EQ(before.calls, 1);
	CHECK_EQ(before.err, HM_OK);
	CHECK_EQ(before.r.height, 1);
	CHECK_EQ(cancelled.calls, 0);
	CHECK_EQ(hm_executor_watch(ex, id, on_receipt, &after, NULL), HM_OK);
	CHECK_EQ(after.calls, 1); /* already receipted: at once */
	hm_executor_close(ex);
	CHECK_EQ(pending.calls, 1);
	CHECK_EQ(pending.err, HM_ERR_IO);
	hm_buf_free(&p);
	rmtree(dir);
}

/* A watcher that, when called, unwatches another watch (the table changes under notify). */
struct unwatcher {
	struct seen seen;
	struct hm_executor *ex;
	uint64_t victim;
};

static void on_receipt_unwatch(void *user, int err, const uint8_t txid[32],
                               const struct hm_receipt *r, const uint8_t *result, size_t len)
{
	struct unwatcher *u = user;

	on_receipt(&u->seen, err, txid, r, result, len);
	if (err == HM_OK)
		hm_executor_unwatch(u->ex, u->victim);
}

/*
 * Many watches (the table grows several times), two per txid, half of them
 * unwatched, one unwatching another from its callback: each remaining watch
 * is called exactly once, with its own receipt, and nothing else is.
 */
static void test_many_watches(void)
{
	enum { N = 300, IN_BLOCK = 200 };
	char dir[256], text[32];
	struct recorder rec = { 0 };
	struct hm_executor *ex;
	struct hm_block_info b = block(1);
	struct hm_buf p;
	static struct seen first[N], second[N];
	uint64_t tok[N];
	struct unwatcher u = { { 0 }, NULL, 0 };
	uint8_t id[32];

	tmpdir(dir, sizeof(dir));
	ex = open_exec(dir, &rec, 1);
	CHECK(ex != NULL);
	CHECK_EQ(hm_executor_start(ex), HM_OK);
	memset(first, 0, sizeof(first));
	memset(second, 0, sizeof(second));
	hm_buf_init(&p);
	for (int i = 0; i < N; i++) {
		snprintf(text, sizeof(text), "tx-%d", i);
		txid_of(id, 0x7001, text);
		CHECK_EQ(hm_executor_watch(ex, id, on_receipt, &first[i], NULL), HM_OK);
		CHECK_EQ(hm_executor_watch(ex, id, on_receipt, &second[i], &tok[i]), HM_OK);
		if (i < IN_BLOCK)
			add_tx(&p, 0x7001, text);
	}
	for (int i = 0; i < N; i += 2)
		hm_executor_unwatch(ex, tok[i]);
	hm_executor_unwatch(ex, tok[0]); /* twice: ignored */
	hm_executor_unwatch(ex, 987654321);
	/* tx-0's receipt comes first; its new watcher unwatches tx-199's second watch. */
	u.ex = ex;
	u.victim = tok[199];
	txid_of(id, 0x7001, "tx-0");
	CHECK_EQ(hm_executor_watch(ex, id, on_receipt_unwatch, &u, NULL), HM_OK);
	CHECK_EQ(hm_executor_apply_block(ex, &b, p.data, p.len), HM_OK);
	CHECK_EQ(hm_executor_block_txs(ex), IN_BLOCK);
	CHECK_EQ(u.seen.calls, 1);
	for (int i = 0; i < N; i++) {
		int in_block = i < IN_BLOCK;
		int second_called = in_block && i % 2 == 1 && i != 199;

		CHECK_EQ(first[i].calls, in_block);
		CHECK_EQ(second[i].calls, second_called);
		if (in_block) {
			CHECK_EQ(first[i].err, HM_OK);
			CHECK_EQ(first[i].r.index, (uint32_t)i);
		}
	}
	hm_executor_close(ex);
	/* The rest are told the executor closed, once each. */
	for (int i = IN_BLOCK; i < N; i++) {
		CHECK_EQ(first[i].calls, 1);
		CHECK_EQ(first[i].err, HM_ERR_IO);
		CHECK_EQ(second[i].calls, i % 2);
	}
	hm_buf_free(&p);
	rmtree(dir);
}

static void test_truncated_store_refused(void)
{
	char dir[256], path[300];
	struct recorder rec = { 0 };
	struct hm_executor *ex;
	struct hm_buf p;
	struct stat sb;

	tmpdir(dir, sizeof(dir));
	ex = open_exec(dir, &rec, 1);
	CHECK(ex != NULL);
	CHECK_EQ(hm_executor_start(ex), HM_OK);
	hm_buf_init(&p);
	for (uint64_t h = 1; h <= 20; h++) {
		struct hm_block_info b = block(h);
		char t[600];

		hm_buf_truncate(&p, 0);
		memset(t, 'a' + (int)(h % 26), sizeof(t) - 1);
		t[sizeof(t) - 1] = '\0';
		add_tx(&p, 0x7001, t);
		CHECK_EQ(hm_executor_apply_block(ex, &b, p.data, p.len), HM_OK);
	}
	hm_executor_close(ex);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	CHECK_EQ(stat(path, &sb), 0);
	CHECK_EQ(truncate(path, sb.st_size / 2), 0);
	ex = NULL;
	CHECK_ERR(hm_executor_open(&ex, dir, 1 << 24), HM_ERR_CORRUPT);
	CHECK(ex == NULL);
	hm_buf_free(&p);
	rmtree(dir);
}

TEST_MAIN(test_order_rollback_receipts, test_malformed_payload, test_no_verifier_is_unsupported,
          test_module_registry, test_crash_before_committed, test_determinism, test_watch,
          test_many_watches, test_truncated_store_refused)
