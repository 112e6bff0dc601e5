/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hypermesh stoq serve|ping`: a STOQ echo server and a client that calls
 * it, for trying the transport by hand and for the two-process tests.
 */
#define _GNU_SOURCE /* getopt_long; libuv's POSIX types */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "cli.h"
#include "cli_args.h"
#include "hypermesh/clock.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/file.h"
#include "hypermesh/keystore.h"
#include "hypermesh/log.h"
#include "hypermesh/stoq.h"

#define STOQ_CLI_MAX_SIZE ((uint64_t)64 << 20)

struct stoq_opts {
	const char *key, *bind, *addr, *peer_id;
	uint64_t port, size, count, max_calls, idle_ms;
	int have_port;
	int pq_off, have_pq, allow_classical;
	const char *cert_chain, *trust_root; /* TrustChain identity files */
	uint64_t max_udp_payload;            /* 0: automatic */
	char target[64];                     /* ping HOST[:PORT], the host part */
};

struct stoq_state {
	const struct cli_command *cmd;
	uv_loop_t loop;
	uv_signal_t sigint, sigterm;
	struct hm_stoq_endpoint *ep;
	struct hm_stoq_conn *conn;
	struct hm_stoq_rpc_service svc;
	uint64_t calls, max_calls;
	/* ping */
	uint8_t *body;
	size_t size;
	uint64_t count, done;
	uint64_t t0;
	uint64_t t_connect, t_call, rtt_min, rtt_sum; /* ns */
	int is_pq;
	int failed, err;
	char msg[HM_STOQ_ERRMSG_MAX + 1];
};

static void state_stop(struct stoq_state *st)
{
	hm_stoq_endpoint_close(st->ep);
	st->ep = NULL;
	uv_close((uv_handle_t *)&st->sigint, NULL);
	uv_close((uv_handle_t *)&st->sigterm, NULL);
}

static void on_signal(uv_signal_t *h, int signum)
{
	(void)signum;
	state_stop(h->data);
}

static void serve_handler(struct hm_stoq_conn *c, struct hm_stoq_rpc_server *call,
                          const struct hm_stoq_frame *req, void *user)
{
	struct stoq_state *st = user;

	(void)c;
	if (req->type != HM_STOQ_FRAME_REQUEST)
		return;
	if (req->method_len == 4 && memcmp(req->method, "echo", 4) == 0)
		(void)hm_stoq_rpc_respond(call, req->body, req->body_len);
	else
		(void)hm_stoq_rpc_respond_error(call, HM_ERR_NOT_FOUND, "no such method");
	st->calls++;
}

/* With --max-calls, stop once the last call's client has hung up (so its answer got out). */
static void serve_on_closed(struct hm_stoq_conn *c, int err, uint64_t app_code, void *user)
{
	struct stoq_state *st = user;

	(void)c;
	(void)err;
	(void)app_code;
	if (st->max_calls > 0 && st->calls >= st->max_calls && st->ep != NULL)
		state_stop(st);
}

static void serve_on_stream(struct hm_stoq_conn *c, struct hm_stoq_stream *s, void *user)
{
	struct stoq_state *st = user;

	(void)c;
	(void)hm_stoq_rpc_serve_stream(s, &st->svc);
}

static void serve_on_ready(struct hm_stoq_conn *c, void *user)
{
	uint8_t id[HM_NODE_ID_LEN];
	char hex[HM_HEX_LEN(HM_NODE_ID_LEN) + 1];

	(void)user;
	if (hm_stoq_conn_peer_id(c, id) == HM_OK &&
	    hm_hex_encode(hex, sizeof(hex), id, sizeof(id)) == HM_OK)
		hm_log(HM_LOG_INFO, "stoq", "peer connected", HM_LOG_STR("peer", hex));
}

static void ping_next(struct stoq_state *st);

static void ping_reply(struct hm_stoq_rpc_call *call, int err, const uint8_t *body, size_t len,
                       const uint8_t *msg, size_t msg_len, void *user)
{
	struct stoq_state *st = user;

	(void)call;
	if (err != HM_OK || len != st->size || (len > 0 && memcmp(body, st->body, len) != 0)) {
		st->failed = 1;
		st->err = err != HM_OK ? err : HM_ERR_CORRUPT;
		if (msg_len > HM_STOQ_ERRMSG_MAX)
			msg_len = HM_STOQ_ERRMSG_MAX;
		if (msg != NULL)
			memcpy(st->msg, msg, msg_len);
		st->msg[msg != NULL ? msg_len : 0] = '\0';
		hm_stoq_conn_close(st->conn, 1, "echo failed");
		return;
	}
	{
		uint64_t rtt = hm_clock_mono_ns() - st->t_call;

		if (st->done == 0 || rtt < st->rtt_min)
			st->rtt_min = rtt;
		st->rtt_sum += rtt;
	}
	st->done++;
	ping_next(st);
}

static void ping_next(struct stoq_state *st)
{
	struct hm_stoq_rpc_request req = {
		.service = "stoq",
		.method = "echo",
		.body = st->body,
		.body_len = st->size,
		.deadline_ms = 30000,
		.max_body = st->size,
	};
	int rc;

	if (st->done == st->count) {
		hm_stoq_conn_close(st->conn, 0, "done");
		return;
	}
	st->t_call = hm_clock_mono_ns();
	rc = hm_stoq_rpc_call(st->conn, &req, ping_reply, st, NULL);
	if (rc != HM_OK) {
		st->failed = 1;
		st->err = rc;
		hm_stoq_conn_close(st->conn, 1, "call failed");
	}
}

static void ping_on_ready(struct hm_stoq_conn *c, void *user)
{
	struct stoq_state *st = user;

	st->conn = c;
	st->t0 = hm_clock_mono_ns();
	st->is_pq = hm_stoq_conn_is_pq(c);
	ping_next(st);
}

static void ping_on_closed(struct hm_stoq_conn *c, int err, uint64_t app_code, void *user)
{
	struct stoq_state *st = user;

	(void)c;
	if (!st->failed && (err != HM_OK || st->done != st->count)) {
		st->failed = 1;
		st->err = err != HM_OK ? err : HM_ERR_IO;
		(void)app_code;
	}
	st->conn = NULL;
	if (st->ep != NULL)
		state_stop(st);
}

static const char *cmd_sub_name(char **argv)
{
	return argv[0] != NULL ? argv[0] : "";
}

static int parse_opts(const struct cli_command *cmd, int argc, char **argv, struct stoq_opts *o)
{
	static const struct option options[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "bind", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },
		{ "addr", required_argument, NULL, 'a' },
		{ "peer-id", required_argument, NULL, 'i' },
		{ "size", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "max-calls", required_argument, NULL, 'm' },
		{ "idle-timeout", required_argument, NULL, 't' },
		{ "pq", required_argument, NULL, 'q' },
		{ "allow-classical", no_argument, NULL, 'c' },
		{ "cert-chain", required_argument, NULL, 'C' },
		{ "trust-root", required_argument, NULL, 'R' },
		{ "max-udp-payload", required_argument, NULL, 'U' },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int opt, stop = 0, rc;

	while ((opt = getopt_long(argc, argv, ":" CLI_COMMON_SHORT_OPTIONS, options, NULL)) != -1) {
		rc = CLI_OK;
		switch (opt) {
		case 'k':
			o->key = optarg;
			break;
		case 'b':
			o->bind = optarg;
			break;
		case 'a':
			o->addr = optarg;
			break;
		case 'i':
			o->peer_id = optarg;
			break;
		case 'p':
			rc = cli_option_number(cmd, "--port", optarg, 0, 65535, &o->port);
			o->have_port = 1;
			break;
		case 's':
			rc = cli_option_number(cmd, "--size", optarg, 0, STOQ_CLI_MAX_SIZE,
			                       &o->size);
			break;
		case 'n':
			rc = cli_option_number(cmd, "--count", optarg, 0, 1000000, &o->count);
			break;
		case 'm':
			rc = cli_option_number(cmd, "--max-calls", optarg, 0, UINT32_MAX,
			                       &o->max_calls);
			break;
		case 't':
			rc = cli_option_number(cmd, "--idle-timeout", optarg, 0, 3600000,
			                       &o->idle_ms);
			break;
		case 'q':
			if (strcmp(optarg, "on") != 0 && strcmp(optarg, "off") != 0)
				return cli_usage_error(cmd, "--pq takes on or off, not '%s'",
				                       optarg);
			o->pq_off = strcmp(optarg, "off") == 0;
			o->have_pq = 1;
			break;
		case 'c':
			o->allow_classical = 1;
			break;
		case 'C':
			o->cert_chain = optarg;
			break;
		case 'R':
			o->trust_root = optarg;
			break;
		case 'U':
			rc = cli_stoq_udp_payload(cmd, optarg, &o->max_udp_payload);
			break;
		default:
			if ((rc = cli_other_option(cmd, opt, argv, &stop)) >= 0)
				return stop ? -1 : rc;
			rc = CLI_OK;
		}
		if (rc != CLI_OK)
			return rc;
	}
	/* ping's target may be given as HOST[:PORT] ("[v6]:PORT" with a port). */
	if (optind < argc && strcmp(cmd_sub_name(argv), "ping") == 0 && o->addr == NULL) {
		rc = cli_host_port(cmd, argv[optind], o->target, sizeof(o->target), &o->port,
		                   &o->have_port);
		if (rc != CLI_OK)
			return rc;
		o->addr = o->target;
		optind++;
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (o->key == NULL)
		return cli_usage_error(cmd, "--key FILE is required");
	return CLI_OK;
}

int cli_stoq_udp_payload(const struct cli_command *cmd, const char *value, uint64_t *out)
{
	int rc =
	        cli_option_number(cmd, "--max-udp-payload", value, 0, HM_STOQ_UDP_PAYLOAD_MAX, out);

	if (rc == CLI_OK && *out != 0 && *out < HM_STOQ_UDP_PAYLOAD_MIN)
		rc = cli_usage_error(cmd,
		                     "--max-udp-payload must be 0 (automatic) or %d..%d, not %s",
		                     HM_STOQ_UDP_PAYLOAD_MIN, HM_STOQ_UDP_PAYLOAD_MAX, value);
	return rc;
}

/* Reads a certificate file named by an option into b (PEM or DER, checked by the endpoint). */
static int read_cert_file(struct stoq_state *st, const char *opt, const char *path,
                          struct hm_buf *b)
{
	int rc;

	if (path == NULL)
		return CLI_OK;
	rc = hm_file_read(path, 1 << 20, b);
	if (rc != HM_OK) {
		cli_error(st->cmd, "cannot read %s %s: %s", opt, path, hm_strerror(rc));
		return CLI_FAILURE;
	}
	return CLI_OK;
}

int cli_stoq_open(const struct cli_command *cmd, uv_loop_t *loop, const char *key_path,
                  struct hm_stoq_config *cfg, const char *invalid_hint,
                  struct hm_stoq_endpoint **ep)
{
	struct hm_identity id;
	int rc = hm_keystore_load(key_path, &id);

	if (rc != HM_OK) {
		cli_error(cmd, "cannot read keystore %s: %s", key_path, hm_strerror(rc));
		return CLI_FAILURE;
	}
	if (uv_loop_init(loop) != 0) {
		hm_identity_wipe(&id);
		cli_error(cmd, "cannot start the event loop");
		return CLI_FAILURE;
	}
	cfg->identity = &id;
	rc = hm_stoq_endpoint_new(loop, cfg, ep);
	hm_identity_wipe(&id);
	cfg->identity = NULL;
	if (rc == HM_OK)
		return CLI_OK;
	if (rc == HM_ERR_INVALID && invalid_hint != NULL)
		cli_error(cmd, "%s", invalid_hint);
	else
		cli_error(cmd, "cannot open the endpoint: %s", hm_strerror(rc));
	uv_run(loop, UV_RUN_DEFAULT);
	(void)uv_loop_close(loop);
	return CLI_FAILURE;
}

static int state_open(struct stoq_state *st, const struct stoq_opts *o, struct hm_stoq_config *cfg)
{
	struct hm_buf chain, root;
	int rc;

	hm_buf_init(&chain);
	hm_buf_init(&root);
	if (read_cert_file(st, "--cert-chain", o->cert_chain, &chain) != CLI_OK ||
	    read_cert_file(st, "--trust-root", o->trust_root, &root) != CLI_OK) {
		hm_buf_free(&chain);
		hm_buf_free(&root);
		return CLI_FAILURE;
	}
	if (o->cert_chain != NULL) {
		cfg->cert_chain = chain.data;
		cfg->cert_chain_len = chain.len;
	}
	if (o->trust_root != NULL) {
		cfg->trust_root = root.data;
		cfg->trust_root_len = root.len;
	}
	if (o->pq_off)
		cfg->pq = HM_STOQ_PQ_OFF;
	cfg->allow_classical = o->allow_classical;
	cfg->max_udp_payload = (size_t)o->max_udp_payload;
	cfg->bind_addr = o->bind;
	cfg->user = st;
	if (o->idle_ms > 0)
		cfg->idle_timeout_ms = o->idle_ms;
	rc = cli_stoq_open(
	        st->cmd, &st->loop, o->key, cfg,
	        o->cert_chain != NULL || o->trust_root != NULL
	                ? "cannot open the endpoint: --cert-chain or --trust-root is not a "
	                  "usable certificate (or the chain is not for this key)"
	                : NULL,
	        &st->ep);
	hm_buf_free(&chain);
	hm_buf_free(&root);
	if (rc != CLI_OK)
		return rc;
	uv_signal_init(&st->loop, &st->sigint);
	uv_signal_init(&st->loop, &st->sigterm);
	st->sigint.data = st->sigterm.data = st;
	uv_signal_start(&st->sigint, on_signal, SIGINT);
	uv_signal_start(&st->sigterm, on_signal, SIGTERM);
	return CLI_OK;
}

static void state_run(struct stoq_state *st)
{
	uv_run(&st->loop, UV_RUN_DEFAULT);
	(void)uv_loop_close(&st->loop);
}

static int stoq_serve(const struct cli_command *cmd, int argc, char **argv)
{
	struct stoq_opts o = { 0 };
	struct stoq_state st = { .cmd = cmd };
	struct hm_stoq_config cfg;
	int rc = parse_opts(cmd, argc, argv, &o);

	if (rc != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	if (o.addr != NULL || o.peer_id != NULL || o.size != 0 || o.count != 0)
		return cli_usage_error(cmd,
		                       "serve takes --key, --bind, --port, --max-calls, "
		                       "--idle-timeout, --pq, --allow-classical, --cert-chain, "
		                       "--trust-root, --max-udp-payload");
	if (o.allow_classical && o.pq_off)
		return cli_usage_error(cmd, "--allow-classical needs --pq on");
	hm_stoq_config_default(&cfg);
	cfg.accept = 1;
	if (o.have_port)
		cfg.port = (uint16_t)o.port;
	cfg.callbacks.on_stream = serve_on_stream;
	cfg.callbacks.on_ready = serve_on_ready;
	cfg.callbacks.on_closed = serve_on_closed;
	st.svc.handler = serve_handler;
	st.svc.user = &st;
	st.svc.max_body = STOQ_CLI_MAX_SIZE;
	st.max_calls = o.max_calls;
	rc = state_open(&st, &o, &cfg);
	if (rc != CLI_OK)
		return rc;
	printf("port: %u\n", (unsigned)hm_stoq_endpoint_port(st.ep));
	printf("pq: %s\n", o.pq_off            ? "off"
	                   : o.allow_classical ? "on (classical clients allowed)"
	                                       : "on");
	fflush(stdout);
	state_run(&st);
	return CLI_OK;
}

static int stoq_ping(const struct cli_command *cmd, int argc, char **argv)
{
	struct stoq_opts o = { .size = 1024, .count = 1 };
	struct stoq_state st = { .cmd = cmd };
	struct hm_stoq_config cfg;
	uint8_t peer[HM_NODE_ID_LEN];
	double ms;
	size_t i;
	int rc = parse_opts(cmd, argc, argv, &o);

	if (rc != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	if (o.addr == NULL || o.peer_id == NULL)
		return cli_usage_error(cmd,
		                       "ping needs HOST[:PORT] (or --addr HOST) and --peer-id HEX");
	if (o.max_calls != 0)
		return cli_usage_error(cmd, "--max-calls only applies to serve");
	if (o.allow_classical)
		return cli_usage_error(cmd, "--allow-classical only applies to serve");
	if (hm_hex_decode_exact(peer, sizeof(peer), o.peer_id, strlen(o.peer_id)) != HM_OK)
		return cli_usage_error(cmd, "--peer-id needs %d hex bytes", HM_NODE_ID_LEN);
	if (o.count == 0)
		return cli_usage_error(cmd, "--count must be at least 1");
	hm_stoq_config_default(&cfg);
	cfg.port = 0;
	cfg.callbacks.on_ready = ping_on_ready;
	cfg.callbacks.on_closed = ping_on_closed;
	st.size = (size_t)o.size;
	st.count = o.count;
	st.body = malloc(st.size ? st.size : 1);
	if (st.body == NULL) {
		cli_error(cmd, "out of memory");
		return CLI_FAILURE;
	}
	for (i = 0; i < st.size; i++)
		st.body[i] = (uint8_t)(i * 7 + (i >> 10));
	rc = state_open(&st, &o, &cfg);
	if (rc != CLI_OK) {
		free(st.body);
		return rc;
	}
	st.t_connect = hm_clock_mono_ns();
	rc = hm_stoq_connect(st.ep, o.addr, o.have_port ? (uint16_t)o.port : HM_STOQ_DEFAULT_PORT,
	                     peer, &st, NULL);
	if (rc != HM_OK) {
		st.failed = 1;
		st.err = rc;
		state_stop(&st);
	}
	state_run(&st);
	free(st.body);
	if (st.failed) {
		if (st.err == HM_ERR_VERIFY)
			cli_error(cmd,
			          "the server is not node %s (identity mismatch, or its "
			          "certificate chain was refused)",
			          o.peer_id);
		else if (st.err == HM_ERR_CRYPTO && o.pq_off && st.t0 == 0)
			cli_error(
			        cmd,
			        "the server refused a classical connection (--pq off): it "
			        "accepts only post-quantum peers unless it allows classical ones");
		else if (st.msg[0] != '\0')
			cli_error(cmd, "echo failed: %s (%s)", hm_strerror(st.err), st.msg);
		else
			cli_error(cmd, "echo failed: %s", hm_strerror(st.err));
		return CLI_FAILURE;
	}
	ms = (double)(hm_clock_mono_ns() - st.t0) / 1e6;
	printf("ok: %" PRIu64 " calls of %zu bytes in %.1f ms\n", st.done, st.size, ms);
	printf("handshake: %.3f ms\n", (double)(st.t0 - st.t_connect) / 1e6);
	printf("rtt: min %.3f ms, avg %.3f ms\n", (double)st.rtt_min / 1e6,
	       (double)st.rtt_sum / 1e6 / (double)st.done);
	printf("pq: %s\n", st.is_pq ? "on" : "off");
	return CLI_OK;
}

static int stoq_run(const struct cli_command *cmd, int argc, char **argv)
{
	static const struct cli_subcommand subs[] = {
		{ "serve", stoq_serve },   { "ping", stoq_ping },       { "send", cli_stoq_send },
		{ "recv", cli_stoq_recv }, { "bench", cli_stoq_bench },
	};

	return cli_dispatch(cmd, subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}

const struct cli_command cli_cmd_stoq = {
	.name = "stoq",
	.summary = "STOQ transport: echo server and client (manual testing)",
	.usage =
	        "usage: hypermesh stoq serve --key FILE [--bind ADDR] [--port N] [--max-calls N]\n"
	        "                            [--pq on|off] [--allow-classical]\n"
	        "       hypermesh stoq ping --key FILE (HOST[:PORT] | --addr HOST [--port N])\n"
	        "                           --peer-id HEX [--bind ADDR] [--size BYTES] [--count "
	        "N]\n"
	        "                           [--pq on|off]\n"
	        "       (both also take [--cert-chain FILE] [--trust-root FILE]\n"
	        "        [--max-udp-payload N])\n"
	        "       hypermesh stoq recv --key FILE [--bind ADDR] [--port N] [--out FILE]\n"
	        "                           [--count N] [--timeout MS] [--pq on|off] "
	        "[--allow-classical]\n"
	        "       hypermesh stoq send --key FILE HOST[:PORT] --peer-id HEX --file PATH\n"
	        "                           [--timeout MS] [--pq on|off]\n"
	        "\n"
	        "serve answers RPC echo calls (service stoq, method echo) over QUIC with\n"
	        "mutual TLS, printing 'port: N' once listening; it stops on SIGINT or\n"
	        "SIGTERM, or after --max-calls calls. ping connects to HOST, requires the\n"
	        "server to be node HEX (SHA-256 of its public key, see keygen --show), and\n"
	        "makes --count echo calls of --size bytes (default 1 call of 1024 bytes),\n"
	        "then prints the handshake time, the round-trip time of the calls and\n"
	        "whether the post-quantum layer protected them ('pq: on' or 'pq: off').\n"
	        "recv takes one file per stream, prints 'received: N bytes sha256 HEX' and\n"
	        "answers with that count and digest; send writes PATH on one stream and\n"
	        "exits 0 only if the receiver's answer matches (exit 2 otherwise).\n"
	        "\n"
	        "  -h, --help             show this help\n"
	        "      --key FILE         this node's keystore (from keygen)\n"
	        "      --bind ADDR        local address to bind (default ::, which takes IPv4 "
	        "too)\n"
	        "      --port N           UDP port (default 9292; 0 picks a free one)\n"
	        "      --max-calls N      serve: exit after N calls\n"
	        "      --idle-timeout MS  close idle connections after MS (default 30000)\n"
	        "      --addr HOST        ping: numeric IPv6 or IPv4 address of the server\n"
	        "      --peer-id HEX      ping: the server's node id\n"
	        "      --size BYTES       ping: body size (at most 64 MiB)\n"
	        "      --count N          ping: number of calls\n"
	        "      --pq on|off        on (default): post-quantum layer (ALPN stoq-pq/1); off:\n"
	        "                         classical QUIC/TLS (ALPN stoq/1), which a default\n"
	        "                         server refuses\n"
	        "      --allow-classical  serve: also accept clients that use --pq off\n"
	        "      --cert-chain FILE  present this TrustChain chain (PEM, leaf first; the\n"
	        "                         leaf must certify --key) instead of a self-signed one\n"
	        "      --trust-root FILE  require the peer's chain to lead to this root\n"
	        "      --max-udp-payload N  serve/ping: largest UDP payload sent, 1200..65527\n"
	        "                         (default 0: automatic, the route's MTU to a peer on\n"
	        "                         this host, 1452 to others)\n"
	        "      --file PATH        send: the file to send (at most 1 GiB)\n"
	        "      --out FILE         recv: store what arrives (appended, in order)\n"
	        "      --count N          recv: exit after N transfers\n"
	        "      --timeout MS       send/recv: give up after MS (send: default 60000)\n"
	        "      --log-level LEVEL  error, warn, info (default), debug or trace\n",
	.run = stoq_run,
};
