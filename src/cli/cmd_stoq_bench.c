/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hypermesh stoq bench`: what STOQ costs, measured over real UDP sockets.
 *
 *   bulk       N bytes down one stream of one connection (Gbit/s)
 *   handshake  connections per second, connect to ready, PQ step on and off
 *   rpc        sequential 64-byte echo calls per second (round trips)
 *
 * Without --serve/--connect both ends run in this process on one loop (one
 * core). For bulk transfers that is half the machine, so the server and the
 * client can also run as two processes, as QUIC implementations' example
 * programs do: `stoq bench --serve` in one, `stoq bench --connect` in the
 * other (bench/stoq-vs-ngtcp2.sh does that beside ngtcp2's examples).
 *
 * The bulk protocol: the client sends a one-way RPC message (service
 * "bench", method "get", body uint64 size, 0 = the whole --file); the
 * server answers by opening a unidirectional stream and writing that many
 * bytes (of --file, or a fixed pattern), then FIN.
 */
#define _GNU_SOURCE /* getopt_long; libuv's POSIX types */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "cli.h"
#include "cli_args.h"
#include "hypermesh/clock.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/keystore.h"
#include "hypermesh/log.h"
#include "hypermesh/stoq.h"

#define BENCH_SERVICE       "bench"
#define BENCH_GET           "get"
#define BENCH_ECHO          "echo"
#define BENCH_WRITE_PIECE   ((size_t)1 << 20)    /* bytes per stream write */
#define BENCH_HIGH_WATER    ((uint64_t)32 << 20) /* unacknowledged bytes a sender keeps */
#define BENCH_RPC_BODY      64
#define BENCH_MAX_SIZE      ((uint64_t)1 << 40)
#define BENCH_DEFAULT_SIZE  ((uint64_t)256 << 20)
#define BENCH_DEFAULT_COUNT 200

enum bench_mode { MODE_ALL, MODE_BULK, MODE_HANDSHAKE, MODE_RPC };

struct bench_opts {
	int serve;
	const char *connect, *key, *bind, *peer_id, *file, *out;
	uint64_t port, size, count;
	int have_port, have_size;
	enum bench_mode mode;
	int have_mode;
	enum hm_stoq_pq_mode pq;
	int no_gso;
	uint64_t max_udp_payload; /* 0: automatic */
};

/* One bulk transfer being sent by the server: a unidirectional stream. */
struct bulk_tx {
	struct bulk_tx *next;
	struct bench *b;
	struct hm_stoq_stream *s;
	uint64_t size, written;
	int stopped; /* everything (and FIN) written, or given up */
	int closed;  /* the stream is gone: the stream no longer points here */
};

struct bench {
	const struct cli_command *cmd;
	const struct bench_opts *o;
	uv_loop_t loop;
	uv_signal_t sigint, sigterm;
	uv_check_t refill; /* tops bulk senders up once acknowledgements freed room */
	int signals_open;
	struct hm_identity server_id, client_id;
	uint8_t server_node[HM_NODE_ID_LEN];
	struct hm_stoq_endpoint *server, *client;
	struct hm_stoq_rpc_service svc;
	/* the file the server sends (mapped), or NULL for the pattern */
	const uint8_t *file;
	size_t file_len;
	uint8_t pattern[BENCH_WRITE_PIECE];
	struct bulk_tx *txs;
	/* the client's current run */
	struct hm_stoq_conn *conn;
	int ready, closed, failed, err;
	uint64_t t0, t1, received, rpcs, handshakes;
	int out_fd, fin;
	uint8_t rpc_body[BENCH_RPC_BODY];
};

static int parse_mode(const struct cli_command *cmd, const char *arg, enum bench_mode *mode)
{
	static const char *const names[] = { "all", "bulk", "handshake", "rpc" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(arg, names[i]) == 0) {
			*mode = (enum bench_mode)i;
			return CLI_OK;
		}
	}
	return cli_usage_error(cmd, "--mode must be all, bulk, handshake or rpc, not '%s'", arg);
}

static int parse_opts(const struct cli_command *cmd, int argc, char **argv, struct bench_opts *o)
{
	static const struct option options[] = {
		{ "serve", no_argument, NULL, 'S' },
		{ "connect", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "bind", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },
		{ "peer-id", required_argument, NULL, 'i' },
		{ "file", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "size", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "mode", required_argument, NULL, 'm' },
		{ "pq", required_argument, NULL, 'q' },
		{ "no-gso", no_argument, NULL, 'G' },
		{ "max-udp-payload", required_argument, NULL, 'U' },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int opt, stop = 0, rc;

	while ((opt = getopt_long(argc, argv, ":" CLI_COMMON_SHORT_OPTIONS, options, NULL)) != -1) {
		rc = CLI_OK;
		switch (opt) {
		case 'S':
			o->serve = 1;
			break;
		case 'c':
			o->connect = optarg;
			break;
		case 'k':
			o->key = optarg;
			break;
		case 'b':
			o->bind = optarg;
			break;
		case 'i':
			o->peer_id = optarg;
			break;
		case 'f':
			o->file = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'p':
			rc = cli_option_number(cmd, "--port", optarg, 0, 65535, &o->port);
			o->have_port = 1;
			break;
		case 's':
			rc = cli_option_number(cmd, "--size", optarg, 0, BENCH_MAX_SIZE, &o->size);
			o->have_size = 1;
			break;
		case 'n':
			rc = cli_option_number(cmd, "--count", optarg, 0, 10000000, &o->count);
			break;
		case 'm':
			rc = parse_mode(cmd, optarg, &o->mode);
			o->have_mode = 1;
			break;
		case 'q':
			if (strcmp(optarg, "on") == 0)
				o->pq = HM_STOQ_PQ_REQUIRED;
			else if (strcmp(optarg, "off") == 0)
				o->pq = HM_STOQ_PQ_OFF;
			else
				rc = cli_usage_error(cmd, "--pq must be on or off, not '%s'",
				                     optarg);
			break;
		case 'G':
			o->no_gso = 1;
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
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (o->serve && o->connect != NULL)
		return cli_usage_error(cmd, "--serve and --connect exclude each other");
	if (o->serve &&
	    (o->out != NULL || o->have_size || o->have_mode || o->count != 0 || o->peer_id != NULL))
		return cli_usage_error(cmd, "--serve takes --key, --bind, --port, --file, --pq, "
		                            "--no-gso, --max-udp-payload");
	if (!o->serve && o->file != NULL)
		return cli_usage_error(cmd, "--file only applies to --serve");
	if (o->connect != NULL && o->peer_id == NULL)
		return cli_usage_error(cmd, "--connect needs --peer-id HEX");
	if (o->connect == NULL && (o->peer_id != NULL || o->key != NULL) && !o->serve)
		return cli_usage_error(cmd, "--peer-id and --key need --serve or --connect");
	if (o->out != NULL && o->mode != MODE_BULK)
		return cli_usage_error(cmd, "--out needs --mode bulk");
	return CLI_OK;
}

/* ---- server ---------------------------------------------------------------- */

static void bulk_fill(struct bulk_tx *t)
{
	struct bench *b = t->b;
	int rc = HM_OK;

	if (t->stopped || t->closed)
		return;
	if (t->size == 0)
		rc = hm_stoq_stream_write(t->s, NULL, 0, 1); /* nothing to send: say so */
	while (rc == HM_OK && t->written < t->size &&
	       hm_stoq_stream_buffered(t->s) < BENCH_HIGH_WATER) {
		uint64_t left = t->size - t->written;
		size_t n = left < BENCH_WRITE_PIECE ? (size_t)left : BENCH_WRITE_PIECE;
		const uint8_t *src = b->file != NULL ? b->file + t->written : b->pattern;

		rc = hm_stoq_stream_write(t->s, src, n, t->written + n == t->size);
		if (rc == HM_OK)
			t->written += n;
	}
	if (rc != HM_OK) {
		hm_log(HM_LOG_WARN, "stoq-bench", "bulk write failed",
		       HM_LOG_STR("error", hm_strerror(rc)));
		hm_stoq_stream_reset(t->s, HM_STOQ_APP_CANCELLED); /* on_close follows */
	}
	if (rc != HM_OK || t->written == t->size)
		t->stopped = 1;
}

static void bulk_tx_close(struct hm_stoq_stream *s, int err, uint64_t app_code, void *user)
{
	struct bulk_tx *t = user;

	(void)s;
	(void)err;
	(void)app_code;
	t->stopped = t->closed = 1;
	t->s = NULL;
}

/* After every loop iteration: acknowledgements may have made room; closed transfers go. */
static void on_refill(uv_check_t *h)
{
	struct bench *b = h->data;
	struct bulk_tx **pp = &b->txs, *t;

	while ((t = *pp) != NULL) {
		if (t->closed) {
			*pp = t->next;
			free(t);
			continue;
		}
		bulk_fill(t);
		pp = &t->next;
	}
}

static void bulk_start(struct bench *b, struct hm_stoq_conn *c, uint64_t size)
{
	static const struct hm_stoq_stream_callbacks cb = { .on_close = bulk_tx_close };
	struct bulk_tx *t;

	/* 0 asks for the whole file; more than the file gets the file (the client notices). */
	if (b->file != NULL && (size == 0 || size > b->file_len))
		size = b->file_len;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return;
	t->b = b;
	t->size = size;
	if (hm_stoq_stream_open(c, 1, &cb, t, &t->s) != HM_OK) {
		free(t);
		return;
	}
	t->next = b->txs;
	b->txs = t;
	bulk_fill(t);
}

static void serve_handler(struct hm_stoq_conn *c, struct hm_stoq_rpc_server *call,
                          const struct hm_stoq_frame *req, void *user)
{
	struct bench *b = user;
	uint64_t size = 0;
	size_t i;

	if (req->type == HM_STOQ_FRAME_ONEWAY && req->method_len == strlen(BENCH_GET) &&
	    memcmp(req->method, BENCH_GET, req->method_len) == 0 && req->body_len == 8) {
		for (i = 0; i < 8; i++)
			size = size << 8 | req->body[i];
		bulk_start(b, c, size);
		return;
	}
	if (req->type != HM_STOQ_FRAME_REQUEST)
		return;
	if (req->method_len == strlen(BENCH_ECHO) &&
	    memcmp(req->method, BENCH_ECHO, req->method_len) == 0)
		(void)hm_stoq_rpc_respond(call, req->body, req->body_len);
	else
		(void)hm_stoq_rpc_respond_error(call, HM_ERR_NOT_FOUND, "no such method");
}

static void serve_on_stream(struct hm_stoq_conn *c, struct hm_stoq_stream *s, void *user)
{
	struct bench *b = user;

	(void)c;
	(void)hm_stoq_rpc_serve_stream(s, &b->svc);
}

/* ---- client ---------------------------------------------------------------- */

static void client_on_ready(struct hm_stoq_conn *c, void *user)
{
	struct bench *b = user;

	b->conn = c;
	b->ready++;
	uv_stop(&b->loop);
}

static void client_on_closed(struct hm_stoq_conn *c, int err, uint64_t app_code, void *user)
{
	struct bench *b = user;

	(void)app_code;
	if (c == b->conn)
		b->conn = NULL;
	if (err != HM_OK && !b->failed) {
		b->failed = 1;
		b->err = err;
	}
	b->closed++;
	uv_stop(&b->loop);
}

static void bulk_rx_data(struct hm_stoq_stream *s, const uint8_t *data, size_t len, int fin,
                         void *user)
{
	struct bench *b = user;

	(void)s;
	if (b->out_fd >= 0 && len > 0) {
		size_t off = 0;

		while (off < len) {
			ssize_t n = write(b->out_fd, data + off, len - off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				b->failed = 1;
				b->err = HM_ERR_IO;
				uv_stop(&b->loop);
				return;
			}
			off += (size_t)n;
		}
	}
	b->received += len;
	if (fin) {
		b->t1 = hm_clock_mono_ns();
		b->fin = 1;
		uv_stop(&b->loop);
	}
}

static void bulk_rx_close(struct hm_stoq_stream *s, int err, uint64_t app_code, void *user)
{
	struct bench *b = user;

	(void)s;
	if (!b->fin && !b->failed) {
		b->failed = 1;
		b->err = err != HM_OK ? err : HM_ERR_IO;
		(void)app_code;
		uv_stop(&b->loop);
	}
}

static void client_on_stream(struct hm_stoq_conn *c, struct hm_stoq_stream *s, void *user)
{
	static const struct hm_stoq_stream_callbacks cb = { .on_data = bulk_rx_data,
		                                            .on_close = bulk_rx_close };
	struct bench *b = user;

	(void)c;
	if (hm_stoq_stream_is_uni(s))
		hm_stoq_stream_set_callbacks(s, &cb, b);
}

static void rpc_reply(struct hm_stoq_rpc_call *call, int err, const uint8_t *body, size_t len,
                      const uint8_t *msg, size_t msg_len, void *user)
{
	struct bench *b = user;

	(void)call;
	(void)msg;
	(void)msg_len;
	if (err != HM_OK || len != sizeof(b->rpc_body) ||
	    memcmp(body, b->rpc_body, sizeof(b->rpc_body)) != 0) {
		b->failed = 1;
		b->err = err != HM_OK ? err : HM_ERR_CORRUPT;
	}
	b->rpcs++;
	uv_stop(&b->loop);
}

/* ---- setup ----------------------------------------------------------------- */

static void on_signal(uv_signal_t *h, int signum)
{
	struct bench *b = h->data;

	(void)signum;
	b->failed = b->failed || !b->o->serve;
	b->err = b->o->serve ? HM_OK : HM_ERR_IO;
	hm_stoq_endpoint_close(b->server);
	hm_stoq_endpoint_close(b->client);
	b->server = b->client = NULL;
	uv_stop(&b->loop);
}

static void bench_config(const struct bench *b, struct hm_stoq_config *cfg, int server,
                         enum hm_stoq_pq_mode pq)
{
	hm_stoq_config_default(cfg);
	cfg->identity = server ? &b->server_id : &b->client_id;
	cfg->user = (void *)b;
	cfg->pq = pq;
	cfg->disable_gso = b->o->no_gso;
	cfg->max_udp_payload = (size_t)b->o->max_udp_payload;
	cfg->port = 0;
	if (server) {
		cfg->accept = 1;
		cfg->bind_addr = b->o->bind != NULL ? b->o->bind : "127.0.0.1";
		if (b->o->have_port)
			cfg->port = (uint16_t)b->o->port;
		cfg->callbacks.on_stream = serve_on_stream;
		/* the handshake benchmark opens connections faster than idle ones go */
		cfg->max_connections_per_addr = 0;
		cfg->max_connections_per_peer = 0;
		cfg->max_connections = 4096;
	} else {
		cfg->bind_addr = b->o->bind;
		if (b->o->connect != NULL && strchr(b->o->connect, ':') == NULL &&
		    b->o->bind == NULL)
			cfg->bind_addr = "0.0.0.0";
		cfg->callbacks.on_ready = client_on_ready;
		cfg->callbacks.on_closed = client_on_closed;
		cfg->callbacks.on_stream = client_on_stream;
	}
}

static int open_server(struct bench *b, enum hm_stoq_pq_mode pq)
{
	struct hm_stoq_config cfg;
	int rc;

	bench_config(b, &cfg, 1, pq);
	rc = hm_stoq_endpoint_new(&b->loop, &cfg, &b->server);
	if (rc != HM_OK)
		cli_error(b->cmd, "cannot open the server endpoint: %s", hm_strerror(rc));
	return rc;
}

static int open_client(struct bench *b, enum hm_stoq_pq_mode pq)
{
	struct hm_stoq_config cfg;
	int rc;

	bench_config(b, &cfg, 0, pq);
	rc = hm_stoq_endpoint_new(&b->loop, &cfg, &b->client);
	if (rc != HM_OK)
		cli_error(b->cmd, "cannot open the client endpoint: %s", hm_strerror(rc));
	return rc;
}

/* Closes both endpoints and lets the loop finish them. */
static void close_endpoints(struct bench *b)
{
	hm_stoq_endpoint_close(b->client);
	hm_stoq_endpoint_close(b->server);
	b->client = b->server = NULL;
	uv_run(&b->loop, UV_RUN_DEFAULT);
}

static const char *target_host(const struct bench *b)
{
	return b->o->connect != NULL ? b->o->connect : "127.0.0.1";
}

static uint16_t target_port(const struct bench *b)
{
	if (b->o->connect != NULL)
		return b->o->have_port ? (uint16_t)b->o->port : HM_STOQ_DEFAULT_PORT;
	return hm_stoq_endpoint_port(b->server);
}

/* Connects and runs the loop until ready or closed. HM_OK or the error. */
static int connect_ready(struct bench *b)
{
	int rc;

	b->ready = b->closed = 0;
	b->failed = 0;
	b->err = HM_OK;
	rc = hm_stoq_connect(b->client, target_host(b), target_port(b), b->server_node, b, NULL);
	if (rc != HM_OK)
		return rc;
	while (!b->ready && !b->closed && !b->failed)
		uv_run(&b->loop, UV_RUN_DEFAULT);
	if (b->ready && !b->failed)
		return HM_OK;
	return b->err != HM_OK ? b->err : HM_ERR_IO;
}

/* Closes the client's connection and waits until it is gone. */
static void disconnect(struct bench *b)
{
	if (b->conn == NULL)
		return;
	hm_stoq_conn_close(b->conn, HM_STOQ_APP_OK, "done");
	while (b->conn != NULL)
		uv_run(&b->loop, UV_RUN_NOWAIT);
}

static double seconds_since(uint64_t t0)
{
	return (double)(hm_clock_mono_ns() - t0) / 1e9;
}

static const char *pq_name(enum hm_stoq_pq_mode pq)
{
	return pq == HM_STOQ_PQ_OFF ? "off" : "on";
}

/*
 * The datagram sizes of the transfer: this side's choice for the connection
 * (the sender's is the same: one rule for both ends) and what arrived here.
 */
static void print_datagrams(const struct bench *b)
{
	struct hm_stoq_stats st;

	hm_stoq_endpoint_stats(b->client, &st);
	printf("max_udp_payload: %zu\n", hm_stoq_conn_max_udp_payload(b->conn));
	printf("rx_datagrams: %" PRIu64 " (average %" PRIu64 " bytes)\n", st.rx_datagrams,
	       st.rx_datagrams != 0 ? st.rx_bytes / st.rx_datagrams : 0);
}

/* ---- the measurements ------------------------------------------------------ */

static int run_bulk(struct bench *b, uint64_t size)
{
	uint8_t body[8];
	double secs;
	int i, rc;

	rc = connect_ready(b);
	if (rc != HM_OK) {
		cli_error(b->cmd, "connect failed: %s", hm_strerror(rc));
		return CLI_FAILURE;
	}
	for (i = 0; i < 8; i++)
		body[i] = (uint8_t)(size >> (56 - 8 * i));
	b->received = 0;
	b->fin = 0;
	b->t0 = hm_clock_mono_ns();
	rc = hm_stoq_rpc_send_oneway(b->conn, BENCH_SERVICE, BENCH_GET, body, sizeof(body));
	if (rc != HM_OK) {
		cli_error(b->cmd, "bulk request failed: %s", hm_strerror(rc));
		return CLI_FAILURE;
	}
	while (!b->fin && !b->failed)
		uv_run(&b->loop, UV_RUN_DEFAULT);
	if (b->failed) {
		cli_error(b->cmd, "bulk transfer failed after %" PRIu64 " bytes: %s", b->received,
		          hm_strerror(b->err));
		return CLI_FAILURE;
	}
	if (size == 0 && b->received == 0) {
		cli_error(b->cmd, "the server sent nothing (--size 0 needs a server with --file)");
		return CLI_FAILURE;
	}
	if (size != 0 && b->received != size) {
		cli_error(b->cmd, "bulk transfer ended after %" PRIu64 " of %" PRIu64 " bytes",
		          b->received, size);
		return CLI_FAILURE;
	}
	secs = (double)(b->t1 - b->t0) / 1e9;
	printf("bulk: %" PRIu64 " bytes in %.3f s, pq %s, %s\n", b->received, secs,
	       pq_name(b->o->pq), b->o->connect != NULL ? "two processes" : "one process");
	printf("bulk_gbit_per_s: %.3f\n", (double)b->received * 8 / secs / 1e9);
	print_datagrams(b);
	disconnect(b);
	return CLI_OK;
}

static int run_handshakes(struct bench *b, uint64_t count)
{
	uint64_t i, t0 = hm_clock_mono_ns();
	double secs;
	int rc;

	for (i = 0; i < count; i++) {
		rc = connect_ready(b);
		if (rc != HM_OK) {
			cli_error(b->cmd, "handshake %" PRIu64 " failed: %s", i, hm_strerror(rc));
			return CLI_FAILURE;
		}
		disconnect(b);
	}
	secs = seconds_since(t0);
	printf("handshake: %" PRIu64 " connections in %.3f s, pq %s: %.0f/s (%.3f ms each)\n",
	       count, secs, pq_name(b->o->pq), (double)count / secs, secs * 1e3 / (double)count);
	return CLI_OK;
}

static int run_rpc(struct bench *b, uint64_t count)
{
	struct hm_stoq_rpc_request req = { .service = BENCH_SERVICE,
		                           .method = BENCH_ECHO,
		                           .body = b->rpc_body,
		                           .body_len = sizeof(b->rpc_body) };
	uint64_t i, t0;
	double secs;
	int rc;

	rc = connect_ready(b);
	if (rc != HM_OK) {
		cli_error(b->cmd, "connect failed: %s", hm_strerror(rc));
		return CLI_FAILURE;
	}
	memset(b->rpc_body, 0x5a, sizeof(b->rpc_body));
	b->rpcs = 0;
	t0 = hm_clock_mono_ns();
	for (i = 0; i < count && !b->failed; i++) {
		rc = hm_stoq_rpc_call(b->conn, &req, rpc_reply, b, NULL);
		if (rc != HM_OK) {
			cli_error(b->cmd, "RPC call failed: %s", hm_strerror(rc));
			return CLI_FAILURE;
		}
		while (b->rpcs == i && !b->failed)
			uv_run(&b->loop, UV_RUN_DEFAULT);
	}
	secs = seconds_since(t0);
	if (b->failed) {
		cli_error(b->cmd, "RPC echo failed: %s", hm_strerror(b->err));
		return CLI_FAILURE;
	}
	printf("rpc: %" PRIu64 " echo calls of %d bytes in %.3f s, pq %s: %.0f/s (%.1f us each)\n",
	       count, BENCH_RPC_BODY, secs, pq_name(b->o->pq), (double)count / secs,
	       secs * 1e6 / (double)count);
	disconnect(b);
	return CLI_OK;
}

/* One measurement against our own server (in process) or a --connect one. */
static int run_mode(struct bench *b, enum bench_mode mode, enum hm_stoq_pq_mode pq)
{
	struct bench_opts o = *b->o;
	const struct bench_opts *saved = b->o;
	uint64_t size = o.have_size ? o.size : BENCH_DEFAULT_SIZE;
	uint64_t count = o.count != 0 ? o.count : BENCH_DEFAULT_COUNT;
	int rc;

	o.pq = pq;
	b->o = &o;
	rc = o.connect == NULL ? open_server(b, pq) : HM_OK;
	if (rc == HM_OK)
		rc = open_client(b, pq);
	if (rc != HM_OK) {
		close_endpoints(b);
		b->o = saved;
		return CLI_FAILURE;
	}
	if (mode == MODE_BULK)
		rc = run_bulk(b, size);
	else if (mode == MODE_HANDSHAKE)
		rc = run_handshakes(b, count);
	else
		rc = run_rpc(b, count * 10);
	fflush(stdout);
	close_endpoints(b);
	b->o = saved;
	return rc;
}

/* Our identity from --key or a fresh one; in one process, the server's too. */
static int bench_identities(struct bench *b)
{
	struct hm_identity *mine = b->o->serve ? &b->server_id : &b->client_id;
	int rc;

	rc = b->o->key != NULL ? hm_keystore_load(b->o->key, mine) : hm_identity_generate(mine);
	if (rc != HM_OK) {
		if (b->o->key != NULL)
			cli_error(b->cmd, "cannot read keystore %s: %s", b->o->key,
			          hm_strerror(rc));
		else
			cli_error(b->cmd, "cannot make an identity: %s", hm_strerror(rc));
		return CLI_FAILURE;
	}
	if (!b->o->serve && b->o->connect == NULL) {
		rc = hm_identity_generate(&b->server_id);
		if (rc != HM_OK) {
			cli_error(b->cmd, "cannot make an identity: %s", hm_strerror(rc));
			return CLI_FAILURE;
		}
	}
	if (b->o->connect != NULL) {
		if (hm_hex_decode_exact(b->server_node, sizeof(b->server_node), b->o->peer_id,
		                        strlen(b->o->peer_id)) != HM_OK)
			return cli_usage_error(b->cmd, "--peer-id needs %d hex bytes",
			                       HM_NODE_ID_LEN);
	} else {
		hm_identity_node_id(&b->server_id, b->server_node);
	}
	return CLI_OK;
}

static int map_file(struct bench *b, const char *path)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) != 0) {
		cli_error(b->cmd, "cannot read %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return CLI_FAILURE;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		cli_error(b->cmd, "cannot serve %s: not a non-empty regular file", path);
		close(fd);
		return CLI_FAILURE;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		cli_error(b->cmd, "cannot map %s: %s", path, strerror(errno));
		return CLI_FAILURE;
	}
	(void)madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
	b->file = p;
	b->file_len = (size_t)st.st_size;
	return CLI_OK;
}

static int bench_serve(struct bench *b)
{
	char hex[HM_HEX_LEN(HM_NODE_ID_LEN) + 1];

	if (b->o->file != NULL && map_file(b, b->o->file) != CLI_OK)
		return CLI_FAILURE;
	if (open_server(b, b->o->pq) != HM_OK)
		return CLI_FAILURE;
	uv_signal_init(&b->loop, &b->sigint);
	uv_signal_init(&b->loop, &b->sigterm);
	b->sigint.data = b->sigterm.data = b;
	uv_signal_start(&b->sigint, on_signal, SIGINT);
	uv_signal_start(&b->sigterm, on_signal, SIGTERM);
	b->signals_open = 1;
	(void)hm_hex_encode(hex, sizeof(hex), b->server_node, sizeof(b->server_node));
	printf("node_id: %s\nport: %u\n", hex, (unsigned)hm_stoq_endpoint_port(b->server));
	fflush(stdout);
	while (b->server != NULL)
		uv_run(&b->loop, UV_RUN_DEFAULT);
	return CLI_OK;
}

static int bench_client(struct bench *b)
{
	static const enum bench_mode order[] = { MODE_BULK, MODE_HANDSHAKE, MODE_RPC };
	enum hm_stoq_pq_mode modes[2] = { b->o->pq, HM_STOQ_PQ_OFF };
	size_t i, j, nmodes;
	int rc = CLI_OK;

	if (b->o->out != NULL) {
		b->out_fd = open(b->o->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (b->out_fd < 0) {
			cli_error(b->cmd, "cannot write %s: %s", b->o->out, strerror(errno));
			return CLI_FAILURE;
		}
	}
	for (i = 0; i < sizeof(order) / sizeof(order[0]) && rc == CLI_OK; i++) {
		if (b->o->mode != MODE_ALL && b->o->mode != order[i])
			continue;
		/* In one process, handshakes are measured with and without the PQ step. */
		nmodes = order[i] == MODE_HANDSHAKE && b->o->connect == NULL &&
		                         b->o->pq == HM_STOQ_PQ_REQUIRED
		                 ? 2
		                 : 1;
		for (j = 0; j < nmodes && rc == CLI_OK; j++)
			rc = run_mode(b, order[i], modes[j]);
	}
	if (b->out_fd >= 0 && close(b->out_fd) != 0 && rc == CLI_OK) {
		cli_error(b->cmd, "cannot write %s: %s", b->o->out, strerror(errno));
		rc = CLI_FAILURE;
	}
	return rc;
}

static const struct cli_command bench_cmd = {
	.name = "stoq bench",
	.summary = "STOQ throughput, handshakes and RPC round trips",
	.usage = "usage: hypermesh stoq bench [--mode all|bulk|handshake|rpc] [--size BYTES]\n"
	         "                            [--count N] [--pq on|off] [--no-gso]\n"
	         "                            [--max-udp-payload N]\n"
	         "       hypermesh stoq bench --serve [--key FILE] [--bind ADDR] [--port N]\n"
	         "                            [--file PATH] [--pq on|off] [--no-gso]\n"
	         "                            [--max-udp-payload N]\n"
	         "       hypermesh stoq bench --connect HOST --peer-id HEX [--port N]\n"
	         "                            [--mode ...] [--size BYTES] [--out PATH] [--pq "
	         "on|off]\n"
	         "\n"
	         "Measures STOQ over UDP on this machine. bulk: SIZE bytes (default 256 MiB)\n"
	         "down one stream of one connection, in Gbit/s; handshake: --count (default\n"
	         "200) connections one after another, connect to ready (in one process both\n"
	         "with and without the PQ step); rpc: 10 x --count sequential 64-byte echo\n"
	         "calls (round trips per second). Without --serve/--connect both ends run in\n"
	         "this process on one loop. --serve prints 'node_id: HEX' and 'port: N' and\n"
	         "serves until SIGINT/SIGTERM, sending --file (whole, or its first SIZE\n"
	         "bytes) or a fixed pattern; --connect measures against such a server, and\n"
	         "with --mode bulk --out writes the bytes received to PATH (--size 0: the\n"
	         "whole file). Without --key an identity is made up for the run.\n"
	         "\n"
	         "  -h, --help             show this help\n"
	         "      --mode MODE        all (default; bulk, handshake, rpc), bulk, handshake, "
	         "rpc\n"
	         "      --size BYTES       bulk transfer size\n"
	         "      --count N          handshakes (rpc: 10 x N calls)\n"
	         "      --pq on|off        the post-quantum layer (default on; both ends alike)\n"
	         "      --no-gso           send packet by packet (no UDP_SEGMENT)\n"
	         "      --max-udp-payload N  largest UDP payload sent, 1200..65527 (default 0:\n"
	         "                         automatic: the route's MTU to a peer on this\n"
	         "                         host, 1452 to others)\n"
	         "      --serve            run the server side only\n"
	         "      --connect HOST     run the client side against HOST (numeric address)\n"
	         "      --peer-id HEX      the server's node id (from its 'node_id:' line)\n"
	         "      --key FILE         this side's keystore (default: a fresh identity)\n"
	         "      --bind ADDR        local address (server default 127.0.0.1)\n"
	         "      --port N           server port (serve default: any free one; connect: "
	         "9292)\n"
	         "      --file PATH        serve: the bytes to send\n"
	         "      --out PATH         connect, bulk: write the received bytes here\n"
	         "      --log-level LEVEL  error, warn, info (default), debug or trace\n",
	.run = NULL,
};

int cli_stoq_bench(const struct cli_command *parent, int argc, char **argv)
{
	const struct cli_command *cmd = &bench_cmd;
	struct bench_opts o = { .mode = MODE_ALL, .pq = HM_STOQ_PQ_REQUIRED };
	struct bench *b;
	int rc;

	(void)parent;
	rc = parse_opts(cmd, argc, argv, &o);
	if (rc != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	b = calloc(1, sizeof(*b));
	if (b == NULL) {
		cli_error(cmd, "out of memory");
		return CLI_FAILURE;
	}
	b->cmd = cmd;
	b->o = &o;
	b->out_fd = -1;
	memset(b->pattern, 0xa5, sizeof(b->pattern));
	b->svc.handler = serve_handler;
	b->svc.user = b;
	rc = bench_identities(b);
	if (rc != CLI_OK)
		goto out;
	if (uv_loop_init(&b->loop) != 0) {
		cli_error(cmd, "cannot start the event loop");
		rc = CLI_FAILURE;
		goto out;
	}
	uv_check_init(&b->loop, &b->refill);
	b->refill.data = b;
	uv_check_start(&b->refill, on_refill);
	uv_unref((uv_handle_t *)&b->refill);
	rc = o.serve ? bench_serve(b) : bench_client(b);
	uv_close((uv_handle_t *)&b->refill, NULL);
	if (b->signals_open) {
		uv_close((uv_handle_t *)&b->sigint, NULL);
		uv_close((uv_handle_t *)&b->sigterm, NULL);
	}
	close_endpoints(b);
	(void)uv_loop_close(&b->loop);
out:
	while (b->txs != NULL) {
		struct bulk_tx *t = b->txs;

		b->txs = t->next;
		free(t);
	}
	if (b->file != NULL)
		(void)munmap((void *)b->file, b->file_len);
	hm_identity_wipe(&b->server_id);
	hm_identity_wipe(&b->client_id);
	free(b);
	return rc;
}
