/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Operator access to TrustChain state (offline.c): operations run through the
 * module's apply() with the genesis admin as actor, API keys list without
 * secrets, and a state another live process has open is refused with its
 * process id.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hypermesh/trustchain_state.h"
#include "test.h"

static char dir[256];

static void rm_rf(const char *d)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	CHECK(system(cmd) == 0);
}

struct seen {
	int n, revoked, genesis;
	char label[HM_TC_LABEL_MAX + 1];
};

static int count_key(void *arg, const struct hm_tc_apikey_info *k)
{
	struct seen *s = arg;

	s->n++;
	s->revoked += k->revoked;
	s->genesis += k->genesis;
	if (!k->genesis) {
		memcpy(s->label, k->label, k->label_len);
		s->label[k->label_len] = '\0';
	}
	return HM_OK;
}

static void list(struct hm_tc_offline *o, struct seen *s)
{
	MDB_txn *txn;

	memset(s, 0, sizeof(*s));
	CHECK(mdb_txn_begin(hm_tc_offline_env(o), NULL, MDB_RDONLY, &txn) == 0);
	CHECK_ERR(hm_tc_apikey_list(hm_tc_offline_ctx(o), txn, count_key, s), HM_OK);
	mdb_txn_abort(txn);
}

static void test_offline_apikeys(void)
{
	struct hm_tc_offline *o;
	struct hm_tc_apikey_op op;
	struct hm_buf payload;
	struct seen s;
	char text[HM_TC_APIKEY_STRLEN + 1];
	long holder = -1;

	hm_buf_init(&payload);
	/* no state yet: refused unless asked to create it */
	CHECK_ERR(hm_tc_offline_open(dir, dir, 0, &o, &holder), HM_ERR_NOT_FOUND);
	CHECK_EQ(holder, 0);
	CHECK_ERR(hm_tc_offline_open(dir, "/nonexistent", 1, &o, NULL), HM_ERR_NOT_FOUND);
	CHECK_ERR(hm_tc_offline_open(dir, dir, 1, &o, &holder), HM_OK);
	list(o, &s);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.genesis, 1);

	memset(&op, 0, sizeof(op));
	memcpy(op.actor, hm_tc_offline_admin(o), HM_TC_KEY_ID_LEN);
	op.role = HM_TC_ROLE_REQUESTER;
	op.label = (const uint8_t *)"robot";
	op.label_len = 5;
	CHECK_ERR(hm_tc_apikey_generate(text, op.id, op.hash), HM_OK);
	CHECK_ERR(hm_tc_apikey_create_op_encode(&op, &payload), HM_OK);
	CHECK_ERR(hm_tc_offline_apply(o, HM_OP_TC_APIKEY_CREATE, payload.data, payload.len,
	                              1790000000000ull, NULL),
	          HM_OK);
	/* the same key twice: the module refuses, state unchanged */
	CHECK_ERR(hm_tc_offline_apply(o, HM_OP_TC_APIKEY_CREATE, payload.data, payload.len,
	                              1790000001000ull, NULL),
	          HM_ERR_EXISTS);
	/* a malformed payload is refused by check() */
	CHECK_ERR(hm_tc_offline_apply(o, HM_OP_TC_APIKEY_CREATE, payload.data, payload.len - 1,
	                              1790000001000ull, NULL),
	          HM_ERR_INVALID);
	list(o, &s);
	CHECK_EQ(s.n, 2);
	CHECK_STR(s.label, "robot");
	payload.len = 0;
	CHECK_ERR(hm_tc_apikey_revoke_op_encode(&op, &payload), HM_OK);
	CHECK_ERR(hm_tc_offline_apply(o, HM_OP_TC_APIKEY_REVOKE, payload.data, payload.len,
	                              1790000002000ull, NULL),
	          HM_OK);
	list(o, &s);
	CHECK_EQ(s.revoked, 1);
	CHECK_STR(s.label, "robot"); /* revocation keeps the name */
	/* the revoked key cannot act */
	{
		struct hm_tc_apikey_op op2 = op;
		memcpy(op2.actor, op.id, HM_TC_KEY_ID_LEN);
		payload.len = 0;
		CHECK_ERR(hm_tc_apikey_revoke_op_encode(&op2, &payload), HM_OK);
		CHECK_ERR(hm_tc_offline_apply(o, HM_OP_TC_APIKEY_REVOKE, payload.data, payload.len,
		                              1790000003000ull, NULL),
		          HM_ERR_PERMISSION);
	}
	hm_tc_offline_close(o);
	hm_buf_free(&payload);
}

/* Another process holding a read transaction (a running node serving queries) locks us out. */
static void test_offline_in_use(void)
{
	struct hm_tc_offline *o;
	int ready[2], done[2];
	long holder = 0;
	pid_t pid;
	char c;

	CHECK(pipe(ready) == 0 && pipe(done) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		MDB_env *env;
		MDB_txn *txn;
		char path[300];

		snprintf(path, sizeof(path), "%s/state", dir);
		if (mdb_env_create(&env) != 0 || mdb_env_set_maxdbs(env, 64) != 0 ||
		    mdb_env_open(env, path, MDB_RDONLY, 0600) != 0 ||
		    mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0)
			_exit(1);
		(void)!write(ready[1], "r", 1);
		(void)!read(done[0], &c, 1);
		mdb_txn_abort(txn);
		mdb_env_close(env);
		_exit(0);
	}
	CHECK(read(ready[0], &c, 1) == 1);
	CHECK_ERR(hm_tc_offline_open(dir, dir, 0, &o, &holder), HM_ERR_PERMISSION);
	CHECK_EQ(holder, (long)pid);
	CHECK(write(done[1], "d", 1) == 1);
	{
		int status;
		CHECK(waitpid(pid, &status, 0) == pid);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	/* once that process is gone, the state opens again */
	CHECK_ERR(hm_tc_offline_open(dir, dir, 0, &o, &holder), HM_OK);
	hm_tc_offline_close(o);
	close(ready[0]);
	close(ready[1]);
	close(done[0]);
	close(done[1]);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/hm-tc-offline-%ld", (long)getpid());
	rm_rf(dir);
	CHECK(mkdir(dir, 0700) == 0);
	CHECK_ERR(hm_tc_genesis_create(dir, 1, HM_SIG_MLDSA87, 1790000000ull, NULL), HM_OK);
}

static void teardown(void)
{
	rm_rf(dir);
}

static void test_offline(void)
{
	setup();
	test_offline_apikeys();
	test_offline_in_use();
	teardown();
}

TEST_MAIN(test_offline)
