/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hypermesh apikey`: TrustChain API keys in the state of a stopped node's
 * data directory (or an offline CA's), through the module's own operations
 * (APIKEY_CREATE / APIKEY_REVOKE, actor = the genesis admin key). The secret
 * is printed once, at creation; state keeps only its SHA3-256.
 */
#define _GNU_SOURCE /* getopt_long */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_args.h"
#include "cli_offline.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/secure.h"
#include "hypermesh/trustchain_state.h"

struct args {
	const char *dir, *genesis, *name, *id;
	enum hm_tc_role role;
	int have_role, json;
};

/* Parses the options every apikey subcommand shares; -1 to go on, or an exit code. */
static int parse(const struct cli_command *cmd, int argc, char **argv, struct args *a)
{
	enum { OPT_DIR = 0x200, OPT_GENESIS, OPT_ROLE, OPT_NAME, OPT_ID, OPT_JSON };
	static const struct option options[] = {
		CLI_COMMON_LONG_OPTIONS,
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "genesis", required_argument, NULL, OPT_GENESIS },
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "id", required_argument, NULL, OPT_ID },
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	int opt, stop = 0, rc;

	memset(a, 0, sizeof(*a));
	while ((opt = getopt_long(argc, argv, ":" CLI_COMMON_SHORT_OPTIONS, options, NULL)) != -1) {
		switch (opt) {
		case OPT_DIR:
			a->dir = optarg;
			break;
		case OPT_GENESIS:
			a->genesis = optarg;
			break;
		case OPT_ROLE:
			if (hm_tc_role_from_name(optarg, &a->role) != HM_OK)
				return cli_usage_error(
				        cmd, "--role must be admin, issuer, requester or auditor");
			a->have_role = 1;
			break;
		case OPT_NAME:
			if (strlen(optarg) > HM_TC_LABEL_MAX)
				return cli_usage_error(cmd, "--name is at most %d bytes",
				                       HM_TC_LABEL_MAX);
			a->name = optarg;
			break;
		case OPT_ID:
			a->id = optarg;
			break;
		case OPT_JSON:
			a->json = 1;
			break;
		default:
			if ((rc = cli_other_option(cmd, opt, argv, &stop)) >= 0)
				return rc;
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (a->dir == NULL)
		return cli_usage_error(cmd, "--dir DATA is required");
	if (a->genesis == NULL)
		a->genesis = a->dir;
	return -1;
}

static int open_state(const struct cli_command *cmd, const struct args *a, int create,
                      struct hm_tc_offline **o)
{
	return cli_offline_open(cmd, a->dir, a->genesis, create, "manage keys through its API", o);
}

static const char *op_error(int rc)
{
	switch (rc) {
	case HM_ERR_EXISTS:
		return "a key with this id exists already";
	case HM_ERR_NOT_FOUND:
		return "no such key";
	case HM_ERR_PERMISSION:
		return "the genesis admin key may not manage keys (it was revoked)";
	default:
		return hm_strerror(rc);
	}
}

static int apikey_create(const struct cli_command *cmd, int argc, char **argv)
{
	struct args a;
	struct hm_tc_offline *o = NULL;
	struct hm_tc_apikey_op op;
	struct hm_buf payload;
	char text[HM_TC_APIKEY_STRLEN + 1], id_hex[2 * HM_TC_KEY_ID_LEN + 1];
	int rc = parse(cmd, argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (!a.have_role || a.id != NULL)
		return cli_usage_error(cmd, "create needs --dir and --role (and no --id)");
	if (open_state(cmd, &a, 1, &o) != HM_OK)
		return CLI_FAILURE;
	hm_buf_init(&payload);
	memset(&op, 0, sizeof(op));
	memcpy(op.actor, hm_tc_offline_admin(o), HM_TC_KEY_ID_LEN);
	op.role = a.role;
	op.label = (const uint8_t *)a.name;
	op.label_len = a.name != NULL ? strlen(a.name) : 0;
	if ((rc = hm_tc_apikey_generate(text, op.id, op.hash)) == HM_OK &&
	    (rc = hm_tc_apikey_create_op_encode(&op, &payload)) == HM_OK)
		rc = hm_tc_offline_apply(o, HM_OP_TC_APIKEY_CREATE, payload.data, payload.len,
		                         cli_offline_now_ms(), NULL);
	if (rc == HM_OK) {
		hm_hex_encode(id_hex, sizeof(id_hex), op.id, sizeof(op.id));
		if (a.json)
			printf("{\"id\":\"%s\",\"role\":\"%s\",\"key\":\"%s\"}\n", id_hex,
			       hm_tc_role_name(a.role), text);
		else
			printf("id %s\nrole %s\nkey %s\n(the key is shown only now: store it)\n",
			       id_hex, hm_tc_role_name(a.role), text);
	} else {
		cli_error(cmd, "create: %s", op_error(rc));
	}
	hm_wipe(text, sizeof(text));
	hm_buf_free(&payload);
	hm_tc_offline_close(o);
	return rc == HM_OK ? CLI_OK : CLI_FAILURE;
}

static int apikey_revoke(const struct cli_command *cmd, int argc, char **argv)
{
	struct args a;
	struct hm_tc_offline *o = NULL;
	struct hm_tc_apikey_op op;
	struct hm_buf payload;
	int rc = parse(cmd, argc, argv, &a);

	if (rc >= 0)
		return rc;
	memset(&op, 0, sizeof(op));
	if (a.id == NULL || a.have_role || a.name != NULL)
		return cli_usage_error(cmd, "revoke needs --dir and --id (and no --role/--name)");
	if (strlen(a.id) != 2 * HM_TC_KEY_ID_LEN ||
	    hm_hex_decode_exact(op.id, sizeof(op.id), a.id, strlen(a.id)) != HM_OK)
		return cli_usage_error(cmd, "--id must be %d hex digits", 2 * HM_TC_KEY_ID_LEN);
	if (open_state(cmd, &a, 0, &o) != HM_OK)
		return CLI_FAILURE;
	memcpy(op.actor, hm_tc_offline_admin(o), HM_TC_KEY_ID_LEN);
	hm_buf_init(&payload);
	if ((rc = hm_tc_apikey_revoke_op_encode(&op, &payload)) == HM_OK)
		rc = hm_tc_offline_apply(o, HM_OP_TC_APIKEY_REVOKE, payload.data, payload.len,
		                         cli_offline_now_ms(), NULL);
	if (rc == HM_OK)
		printf("revoked %s\n", a.id);
	else
		cli_error(cmd, "revoke %s: %s", a.id,
		          rc == HM_ERR_EXISTS ? "already revoked" : op_error(rc));
	hm_buf_free(&payload);
	hm_tc_offline_close(o);
	return rc == HM_OK ? CLI_OK : CLI_FAILURE;
}

struct list_ctx {
	int json, n;
};

/* Labels are operator text: escape what is not printable ASCII (and, in JSON, quotes). */
static void put_label(const uint8_t *p, size_t n, int json)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
			putchar(p[i]);
		else if (json)
			printf("\\u%04x", p[i]);
		else
			printf("\\x%02x", p[i]);
	}
}

static int list_one(void *arg, const struct hm_tc_apikey_info *k)
{
	struct list_ctx *c = arg;
	char id_hex[2 * HM_TC_KEY_ID_LEN + 1], created[32];
	time_t t = (time_t)(k->created_ms / 1000);
	struct tm tm;

	hm_hex_encode(id_hex, sizeof(id_hex), k->id, sizeof(k->id));
	if (k->genesis)
		snprintf(created, sizeof(created), "genesis");
	else if (gmtime_r(&t, &tm) == NULL ||
	         strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(created, sizeof(created), "?");
	if (c->json) {
		printf("%s{\"id\":\"%s\",\"role\":\"%s\",\"name\":\"", c->n ? "," : "", id_hex,
		       hm_tc_role_name(k->role) ? hm_tc_role_name(k->role) : "?");
		put_label(k->label, k->label_len, 1);
		printf("\",\"created\":\"%s\",\"revoked\":%s}", created,
		       k->revoked ? "true" : "false");
	} else {
		printf("%s  %-9s  %-20s  %-7s  ", id_hex,
		       hm_tc_role_name(k->role) ? hm_tc_role_name(k->role) : "?", created,
		       k->revoked ? "revoked" : "active");
		put_label(k->label, k->label_len, 0);
		putchar('\n');
	}
	c->n++;
	return HM_OK;
}

static int apikey_list(const struct cli_command *cmd, int argc, char **argv)
{
	struct args a;
	struct hm_tc_offline *o = NULL;
	struct list_ctx c = { 0, 0 };
	MDB_txn *txn;
	int rc = parse(cmd, argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (a.id != NULL || a.have_role || a.name != NULL)
		return cli_usage_error(cmd, "list takes only --dir, --genesis and --json");
	/* listing must not create state: a missing one is an error */
	if (open_state(cmd, &a, 0, &o) != HM_OK)
		return CLI_FAILURE;
	c.json = a.json;
	if (c.json)
		printf("[");
	else
		printf("%-32s  %-9s  %-20s  %-7s  %s\n", "id", "role", "created", "status", "name");
	if ((rc = hm_err_from_mdb(mdb_txn_begin(hm_tc_offline_env(o), NULL, MDB_RDONLY, &txn))) ==
	    HM_OK) {
		rc = hm_tc_apikey_list(hm_tc_offline_ctx(o), txn, list_one, &c);
		mdb_txn_abort(txn);
	}
	if (c.json)
		printf("]\n");
	if (rc != HM_OK)
		cli_error(cmd, "list: %s", hm_strerror(rc));
	hm_tc_offline_close(o);
	return rc == HM_OK ? CLI_OK : CLI_FAILURE;
}

static int apikey_run(const struct cli_command *cmd, int argc, char **argv)
{
	static const struct cli_subcommand subs[] = {
		{ "create", apikey_create },
		{ "list", apikey_list },
		{ "revoke", apikey_revoke },
	};

	return cli_dispatch(cmd, subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}

const struct cli_command cli_cmd_apikey = {
	.name = "apikey",
	.summary = "TrustChain API keys of a stopped node (create, list, revoke)",
	.usage = "usage: hypermesh apikey create --dir DATA [--genesis DIR]\n"
	         "                        --role admin|issuer|requester|auditor [--name NAME] "
	         "[--json]\n"
	         "       hypermesh apikey list --dir DATA [--genesis DIR] [--json]\n"
	         "       hypermesh apikey revoke --dir DATA [--genesis DIR] --id ID\n"
	         "\n"
	         "Manages the API keys in the TrustChain state of DATA: a node's data_dir\n"
	         "while the node is stopped (DATA/state), or an offline CA directory.\n"
	         "The genesis (genesis.json, default DATA) names the admin key in whose name\n"
	         "keys are created and revoked; every change is an audited operation.\n"
	         "create prints the key (hmk_...) once; state keeps only its hash.\n"
	         "list shows id, role, creation time, status and name; never a secret or a hash.\n"
	         "A running node's state is refused: use its API.\n"
	         "Exit 0 on success, 1 on a usage error, 2 on a refusal or failure.\n"
	         "\n" CLI_COMMON_USAGE,
	.run = apikey_run,
};
