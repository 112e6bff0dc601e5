/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hypermesh node`: run the daemon, and talk to a running one over STOQ
 * (status, submit, receipt) with a throwaway client identity, pinned to the
 * node's own id (read from the config's key file).
 */
#define _GNU_SOURCE /* getopt_long; libuv's POSIX thread types */
#include <getopt.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "cli.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/node.h"
#include "hypermesh/services.h"
#include "hypermesh/stoq.h"

#define CLIENT_TIMEOUT_MS 5000

static const char node_usage[] =
        "usage: hypermesh node run --config FILE\n"
        "       hypermesh node status --config FILE\n"
        "       hypermesh node submit --config FILE (--data TEXT | --hex HEX)\n"
        "       hypermesh node receipt --config FILE --id TXID_HEX\n"
        "       hypermesh node block --config FILE --height N\n"
        "\n"
        "run: the validator daemon described by FILE (docs/NODE.md); SIGTERM or\n"
        "SIGINT drains and exits 0. The others call the running node's STOQ\n"
        "service 'hypermesh' (the node FILE describes) and print its answer:\n"
        "status as JSON, submit the transaction id (hex), receipt as JSON\n"
        "(runtime failure if there is no receipt yet), block the committed block\n"
        "at height N as JSON (height, hash, view, proposer, transactions: count,\n"
        "txs: each transaction in hex).\n"
        "\n"
        "  -c, --config FILE      the node's config file\n"
        "      --data TEXT        transaction bytes (submit)\n"
        "      --hex HEX          transaction bytes in hex (submit)\n"
        "      --id HEX           transaction id (receipt)\n"
        "      --height N         block height (block)\n" CLI_COMMON_USAGE;

struct node_opts {
	const char *config, *data, *hex, *id, *height;
};

static int parse(const struct cli_command *cmd, int argc, char **argv, struct node_opts *o)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "data", required_argument, NULL, 'd' },
		{ "hex", required_argument, NULL, 'x' },
		{ "id", required_argument, NULL, 'i' },
		{ "height", required_argument, NULL, 'H' },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int opt, stop = 0, rc;

	while ((opt = getopt_long(argc, argv, ":c:" CLI_COMMON_SHORT_OPTIONS, options, NULL)) !=
	       -1) {
		switch (opt) {
		case 'c':
			o->config = optarg;
			break;
		case 'd':
			o->data = optarg;
			break;
		case 'x':
			o->hex = optarg;
			break;
		case 'i':
			o->id = optarg;
			break;
		case 'H':
			o->height = optarg;
			break;
		case ':':
			return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
		case '?':
			return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		default:
			rc = cli_common_option(cmd, opt, optarg, &stop);
			if (rc < 0)
				return cli_usage_error(cmd, "unknown option '%s'",
				                       argv[optind - 1]);
			if (rc != CLI_OK)
				return rc;
			if (stop)
				return -1;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (o->config == NULL)
		return cli_usage_error(cmd, "--config is required");
	return CLI_OK;
}

static int load_config(const struct cli_command *cmd, const char *path, struct hm_node_config *cfg)
{
	char err[HM_NODE_ERROR_MAX];
	int rc = hm_node_config_load(path, cfg, err, sizeof(err));

	if (rc != HM_OK) {
		cli_error(cmd, "%s", err);
		return rc == HM_ERR_INVALID ? CLI_USAGE : CLI_FAILURE;
	}
	return CLI_OK;
}

/* ---- run ---- */

struct run_state {
	struct hm_node *node;
	struct hm_services *services; /* with a [trustchain] section */
	uv_signal_t sigint, sigterm;
	int signalled;
};

static void on_stopped(void *user)
{
	struct run_state *st = user;

	/* However the node stopped (signal or fatal error), the API stops too. */
	hm_services_stop(st->services);
	uv_close((uv_handle_t *)&st->sigint, NULL);
	uv_close((uv_handle_t *)&st->sigterm, NULL);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct run_state *st = h->data;

	st->signalled = signum;
	hm_services_stop(st->services);
	hm_node_stop(st->node, on_stopped, st);
}

/*
 * A validator moves blocks of a few hundred KiB through short-lived buffers
 * (proposal encoding, storage, replica outputs). glibc serves allocations
 * above its mmap threshold with fresh mappings and returns a freed heap top
 * above its trim threshold to the kernel, so each such buffer cost a page
 * fault and a zeroed page per 4 KiB touched: 10-13% of the devnet's CPU at
 * saturation (perf, BENCHMARKS.md "Third round"). Serving them from a heap
 * that keeps up to 64 MiB of free top costs that much address space at most.
 */
static void keep_heap_for_blocks(void)
{
#ifdef __GLIBC__
	(void)mallopt(M_MMAP_THRESHOLD, 16 << 20);
	(void)mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}

static int node_run(const struct cli_command *cmd, int argc, char **argv)
{
	struct node_opts o = { 0 };
	struct hm_node_config cfg;
	struct run_state st = { 0 };
	char err[HM_NODE_ERROR_MAX];
	uv_loop_t loop;
	int rc = parse(cmd, argc, argv, &o);

	if (rc != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	if (o.data || o.hex || o.id || o.height)
		return cli_usage_error(cmd, "run takes only --config");
	if ((rc = load_config(cmd, o.config, &cfg)) != CLI_OK)
		return rc;
	if (cfg.has_log_level)
		hm_log_set_level(cfg.log_level);
	if (uv_loop_init(&loop) != 0) {
		cli_error(cmd, "cannot start the event loop");
		return CLI_FAILURE;
	}
	signal(SIGPIPE, SIG_IGN);
	keep_heap_for_blocks();
	if ((rc = hm_node_new(&st.node, &loop, &cfg, err, sizeof(err))) != HM_OK) {
		cli_error(cmd, "%s", err);
		uv_run(&loop, UV_RUN_DEFAULT);
		(void)uv_loop_close(&loop);
		return CLI_FAILURE;
	}
	if (cfg.has_trustchain &&
	    (rc = hm_services_new(&st.services, st.node, err, sizeof(err))) != HM_OK) {
		cli_error(cmd, "%s", err);
		hm_node_stop(st.node, NULL, NULL);
		uv_run(&loop, UV_RUN_DEFAULT);
		(void)uv_loop_close(&loop);
		hm_node_free(st.node);
		hm_services_free(st.services);
		return CLI_FAILURE;
	}
	hm_node_on_stopped(st.node, on_stopped, &st);
	uv_signal_init(&loop, &st.sigint);
	uv_signal_init(&loop, &st.sigterm);
	st.sigint.data = st.sigterm.data = &st;
	uv_signal_start(&st.sigint, on_signal, SIGINT);
	uv_signal_start(&st.sigterm, on_signal, SIGTERM);
	if ((rc = hm_node_start(st.node, err, sizeof(err))) != HM_OK ||
	    (st.services != NULL &&
	     (rc = hm_services_start(st.services, err, sizeof(err))) != HM_OK)) {
		cli_error(cmd, "%s", err);
		hm_services_stop(st.services);
		hm_node_stop(st.node, on_stopped, &st);
		uv_run(&loop, UV_RUN_DEFAULT);
		(void)uv_loop_close(&loop);
		hm_node_free(st.node);
		hm_services_free(st.services);
		return CLI_FAILURE;
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	rc = hm_node_failure(st.node);
	(void)uv_loop_close(&loop);
	hm_node_free(st.node);
	hm_services_free(st.services);
	if (rc != HM_OK) {
		cli_error(cmd, "stopped after a fatal error: %s", hm_strerror(rc));
		return CLI_FAILURE;
	}
	return CLI_OK;
}

/* ---- client calls ---- */

struct call_state {
	const struct cli_command *cmd;
	const char *method;
	const uint8_t *body;
	size_t body_len;
	int binary_reply;                 /* print the reply as hex */
	const struct hm_node_config *cfg; /* decode the reply as a block */
	struct hm_stoq_endpoint *ep;
	uv_timer_t timer;
	int result;
};

static void call_finish(struct call_state *st, int result)
{
	st->result = result;
	uv_close((uv_handle_t *)&st->timer, NULL);
	hm_stoq_endpoint_close(st->ep);
}

static void on_reply(struct hm_stoq_rpc_call *call, int err, const uint8_t *body, size_t len,
                     const uint8_t *msg, size_t msg_len, void *user)
{
	struct call_state *st = user;

	(void)call;
	if (err != HM_OK) {
		cli_error(st->cmd, "%s: %s%s%.*s", st->method, hm_strerror(err),
		          msg_len ? ": " : "", (int)msg_len, (const char *)msg);
		call_finish(st, CLI_FAILURE);
		return;
	}
	if (st->cfg != NULL) {
		struct hm_bft_block b;
		uint8_t hash[HM_BFT_HASH_LEN];
		char h[2 * HM_BFT_HASH_LEN + 1];
		size_t ntx = 0;

		if (hm_bft_block_decode(&b, body, len) != HM_OK) {
			cli_error(st->cmd, "%s: the node sent a malformed block", st->method);
			call_finish(st, CLI_FAILURE);
			return;
		}
		hm_bft_block_hash(hash, st->cfg->chain_id, st->cfg->chain_id_len, &b);
		(void)hm_hex_encode(h, sizeof(h), hash, sizeof(hash));
		for (size_t off = 0; off + 2 <= b.payload_len; ntx++)
			off += 2 + ((size_t)b.payload[off] << 8 | b.payload[off + 1]);
		printf("{\"hash\":\"%s\",\"height\":%llu,\"proposer\":%u,\"timestamp_ms\":%llu,"
		       "\"transactions\":%zu,\"view\":%llu,\"txs\":[",
		       h, (unsigned long long)b.height, (unsigned)b.proposer,
		       (unsigned long long)b.timestamp, ntx, (unsigned long long)b.view);
		/* Each transaction in hex, so that tools can take it apart. */
		for (size_t off = 0, i = 0; off + 2 <= b.payload_len; i++) {
			size_t n = (size_t)b.payload[off] << 8 | b.payload[off + 1];
			char *x = malloc(2 * n + 1);

			if (x != NULL)
				(void)hm_hex_encode(x, 2 * n + 1, b.payload + off + 2, n);
			printf("%s\"%s\"", i ? "," : "", x != NULL ? x : "");
			free(x);
			off += 2 + n;
		}
		printf("]}\n");
	} else if (st->binary_reply) {
		char *h = malloc(2 * len + 1);

		if (h != NULL) {
			(void)hm_hex_encode(h, 2 * len + 1, body, len);
			printf("%s\n", h);
			free(h);
		}
	} else {
		printf("%.*s\n", (int)len, (const char *)body);
	}
	call_finish(st, CLI_OK);
}

static void on_call_ready(struct hm_stoq_conn *c, void *user)
{
	struct call_state *st = user;
	struct hm_stoq_rpc_request req = {
		.service = HM_NODE_SERVICE,
		.method = st->method,
		.body = st->body,
		.body_len = st->body_len,
		.deadline_ms = CLIENT_TIMEOUT_MS,
	};
	int rc = hm_stoq_rpc_call(c, &req, on_reply, st, NULL);

	if (rc != HM_OK) {
		cli_error(st->cmd, "%s: %s", st->method, hm_strerror(rc));
		call_finish(st, CLI_FAILURE);
	}
}

static void on_call_closed(struct hm_stoq_conn *c, int err, uint64_t app_code, void *user)
{
	struct call_state *st = user;

	(void)c;
	(void)app_code;
	if (st->result < 0) {
		cli_error(st->cmd, "cannot reach the node: %s", hm_strerror(err ? err : HM_ERR_IO));
		call_finish(st, CLI_FAILURE);
	}
}

static void on_call_timeout(uv_timer_t *t)
{
	struct call_state *st = t->data;

	cli_error(st->cmd, "no answer from the node within %d ms", CLIENT_TIMEOUT_MS);
	call_finish(st, CLI_FAILURE);
}

static int call_node(const struct cli_command *cmd, const struct hm_node_config *cfg,
                     struct call_state *st)
{
	struct hm_identity node_id, me;
	uint8_t pin[HM_NODE_ID_LEN];
	struct hm_stoq_config sc;
	uv_loop_t loop;
	int rc;

	if ((rc = hm_keystore_load(cfg->key_file, &node_id)) != HM_OK) {
		cli_error(cmd, "cannot read key file %s: %s", cfg->key_file, hm_strerror(rc));
		return CLI_FAILURE;
	}
	hm_identity_node_id(&node_id, pin);
	hm_identity_wipe(&node_id);
	if ((rc = hm_identity_generate(&me)) != HM_OK) {
		cli_error(cmd, "cannot make a client identity: %s", hm_strerror(rc));
		return CLI_FAILURE;
	}
	if (uv_loop_init(&loop) != 0) {
		hm_identity_wipe(&me);
		cli_error(cmd, "cannot start the event loop");
		return CLI_FAILURE;
	}
	hm_stoq_config_default(&sc);
	sc.identity = &me;
	sc.bind_addr = strchr(cfg->stoq_listen.host, ':') ? "::" : "0.0.0.0";
	sc.port = 0;
	sc.callbacks.on_ready = on_call_ready;
	sc.callbacks.on_closed = on_call_closed;
	sc.user = st;
	st->cmd = cmd;
	st->result = -1;
	rc = hm_stoq_endpoint_new(&loop, &sc, &st->ep);
	hm_identity_wipe(&me);
	if (rc == HM_OK)
		rc = hm_stoq_connect(st->ep, cfg->stoq_listen.host, cfg->stoq_listen.port, pin, st,
		                     NULL);
	if (rc != HM_OK) {
		cli_error(cmd, "cannot connect to %s port %u: %s", cfg->stoq_listen.host,
		          (unsigned)cfg->stoq_listen.port, hm_strerror(rc));
		hm_stoq_endpoint_close(st->ep);
		uv_run(&loop, UV_RUN_DEFAULT);
		(void)uv_loop_close(&loop);
		return CLI_FAILURE;
	}
	uv_timer_init(&loop, &st->timer);
	st->timer.data = st;
	uv_timer_start(&st->timer, on_call_timeout, CLIENT_TIMEOUT_MS + 1000, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	(void)uv_loop_close(&loop);
	return st->result < 0 ? CLI_FAILURE : st->result;
}

static int node_client(const struct cli_command *cmd, int argc, char **argv, const char *which)
{
	struct node_opts o = { 0 };
	struct hm_node_config cfg;
	struct call_state st = { 0 };
	uint8_t *body = NULL;
	size_t len = 0;
	int rc = parse(cmd, argc, argv, &o);

	if (rc != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	if ((rc = load_config(cmd, o.config, &cfg)) != CLI_OK)
		return rc;
	if (strcmp(which, "block") == 0) {
		char *end;
		unsigned long long h;

		if (o.data || o.hex || o.id || o.height == NULL)
			return cli_usage_error(cmd, "block takes --config and --height");
		h = strtoull(o.height, &end, 10);
		if (*o.height < '0' || *o.height > '9' || *end != '\0' || h == 0)
			return cli_usage_error(cmd, "--height must be a positive integer");
		body = malloc(8);
		if (body == NULL) {
			cli_error(cmd, "out of memory");
			return CLI_FAILURE;
		}
		for (int i = 7; i >= 0; i--, h >>= 8)
			body[i] = (uint8_t)h;
		len = 8;
		st.method = HM_NODE_M_BLOCK;
		st.cfg = &cfg;
	} else if (o.height != NULL) {
		return cli_usage_error(cmd, "--height is for block");
	} else if (strcmp(which, "status") == 0) {
		if (o.data || o.hex || o.id)
			return cli_usage_error(cmd, "status takes only --config");
		st.method = HM_NODE_M_STATUS;
	} else if (strcmp(which, "submit") == 0) {
		if (o.id || (o.data != NULL) == (o.hex != NULL))
			return cli_usage_error(cmd,
			                       "submit takes --config and one of --data, --hex");
		st.method = HM_NODE_M_SUBMIT;
		st.binary_reply = 1;
		if (o.data != NULL) {
			body = (uint8_t *)strdup(o.data);
			len = strlen(o.data);
		} else {
			len = strlen(o.hex) / 2;
			body = malloc(len + 1);
			if (body != NULL &&
			    hm_hex_decode_exact(body, len, o.hex, strlen(o.hex)) != HM_OK) {
				free(body);
				return cli_usage_error(cmd, "--hex is not hex");
			}
		}
		if (body == NULL) {
			cli_error(cmd, "out of memory");
			return CLI_FAILURE;
		}
		if (len == 0) {
			free(body);
			return cli_usage_error(cmd, "the transaction is empty");
		}
	} else {
		if (o.data || o.hex || o.id == NULL)
			return cli_usage_error(cmd, "receipt takes --config and --id");
		body = malloc(HM_TXID_LEN);
		if (body == NULL) {
			cli_error(cmd, "out of memory");
			return CLI_FAILURE;
		}
		if (hm_hex_decode_exact(body, HM_TXID_LEN, o.id, strlen(o.id)) != HM_OK) {
			free(body);
			return cli_usage_error(cmd, "--id must be 64 hex characters");
		}
		len = HM_TXID_LEN;
		st.method = HM_NODE_M_RECEIPT;
	}
	st.body = body;
	st.body_len = len;
	rc = call_node(cmd, &cfg, &st);
	free(body);
	return rc;
}

static int node_status(const struct cli_command *cmd, int argc, char **argv)
{
	return node_client(cmd, argc, argv, "status");
}

static int node_submit(const struct cli_command *cmd, int argc, char **argv)
{
	return node_client(cmd, argc, argv, "submit");
}

static int node_receipt(const struct cli_command *cmd, int argc, char **argv)
{
	return node_client(cmd, argc, argv, "receipt");
}

static int node_block(const struct cli_command *cmd, int argc, char **argv)
{
	return node_client(cmd, argc, argv, "block");
}

static int run_node(const struct cli_command *cmd, int argc, char **argv)
{
	static const struct cli_subcommand subs[] = {
		{ "run", node_run },         { "status", node_status }, { "submit", node_submit },
		{ "receipt", node_receipt }, { "block", node_block },
	};

	return cli_dispatch(cmd, subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}

const struct cli_command cli_cmd_node = {
	.name = "node",
	.summary = "run a validator node; query or submit to a running one",
	.usage = node_usage,
	.run = run_node,
};
