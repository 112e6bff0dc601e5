/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hypermesh stoq send|recv`: moves one file over one STOQ stream and proves
 * it arrived intact. send opens a bidirectional stream, writes the file with
 * backpressure and FIN; recv hashes what arrives (and may store it) and, at
 * FIN, answers with
 *
 *   struct { uint64 bytes; opaque sha256[32]; } Receipt;
 *
 * which send compares with its own count and SHA-256. Used by the
 * loss/reordering test under netem (tests/stoq/netem.sh) and by hand.
 */
#define _GNU_SOURCE /* getopt_long; libuv's POSIX types */
#include <getopt.h>
#include <gnutls/crypto.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "cli.h"
#include "cli_args.h"
#include "hypermesh/clock.h"
#include "hypermesh/codec.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/file.h"
#include "hypermesh/keystore.h"
#include "hypermesh/log.h"
#include "hypermesh/stoq.h"

#define XFER_MAX_FILE   ((size_t)1 << 30)
#define XFER_PIECE      ((size_t)64 << 10)
#define XFER_HIGH_WATER ((uint64_t)1 << 20) /* bytes in flight before waiting for acks */
#define XFER_RECEIPT    (8 + 32)

struct xfer_opts {
	const char *key, *bind, *peer_id, *file, *out;
	char host[64];
	uint64_t port, count, timeout_ms;
	int have_host, have_port, pq_off, allow_classical;
};

struct xfer {
	const struct cli_command *cmd;
	uv_loop_t loop;
	uv_signal_t sigint, sigterm;
	uv_timer_t deadline;
	struct hm_stoq_endpoint *ep;
	struct hm_stoq_conn *conn;
	int stopped, failed, err;
	const char *why;
	/* send */
	struct hm_buf data;
	uint8_t digest[32];
	size_t written;
	struct hm_stoq_stream *stream;
	uint8_t receipt[XFER_RECEIPT];
	size_t receipt_len;
	int receipt_fin, verified, pq;
	uint64_t t0;
	/* recv */
	FILE *out;
	const char *out_path;
	uint64_t transfers, max_transfers;
};

/* One incoming transfer (recv). */
struct xfer_in {
	struct xfer *x;
	gnutls_hash_hd_t hash;
	uint64_t bytes;
	int failed;
};

static void xfer_stop(struct xfer *x)
{
	if (x->stopped)
		return;
	x->stopped = 1;
	hm_stoq_endpoint_close(x->ep);
	x->ep = NULL;
	uv_close((uv_handle_t *)&x->sigint, NULL);
	uv_close((uv_handle_t *)&x->sigterm, NULL);
	uv_close((uv_handle_t *)&x->deadline, NULL);
}

static void xfer_fail(struct xfer *x, int err, const char *why)
{
	if (!x->failed) {
		x->failed = 1;
		x->err = err;
		x->why = why;
	}
	xfer_stop(x);
}

static void on_signal(uv_signal_t *h, int signum)
{
	(void)signum;
	xfer_stop(h->data);
}

static void on_deadline(uv_timer_t *t)
{
	xfer_fail(t->data, HM_ERR_IO, "timed out");
}

static int parse_opts(const struct cli_command *cmd, int argc, char **argv, int sending,
                      struct xfer_opts *o)
{
	static const struct option options[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "bind", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },
		{ "peer-id", required_argument, NULL, 'i' },
		{ "file", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "pq", required_argument, NULL, 'q' },
		{ "allow-classical", no_argument, NULL, 'c' },
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
		case 'p':
			rc = cli_option_number(cmd, "--port", optarg, 0, 65535, &o->port);
			o->have_port = 1;
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
		case 'n':
			rc = cli_option_number(cmd, "--count", optarg, 0, UINT32_MAX, &o->count);
			break;
		case 't':
			rc = cli_option_number(cmd, "--timeout", optarg, 0, 3600000,
			                       &o->timeout_ms);
			break;
		case 'q':
			if (strcmp(optarg, "on") != 0 && strcmp(optarg, "off") != 0)
				return cli_usage_error(cmd, "--pq takes on or off, not '%s'",
				                       optarg);
			o->pq_off = strcmp(optarg, "off") == 0;
			break;
		case 'c':
			o->allow_classical = 1;
			break;
		default:
			if ((rc = cli_other_option(cmd, opt, argv, &stop)) >= 0)
				return stop ? -1 : rc;
			rc = CLI_OK;
		}
		if (rc != CLI_OK)
			return rc;
	}
	if (sending && optind < argc) {
		rc = cli_host_port(cmd, argv[optind++], o->host, sizeof(o->host), &o->port,
		                   &o->have_port);
		if (rc != CLI_OK)
			return rc;
		o->have_host = 1;
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (o->key == NULL)
		return cli_usage_error(cmd, "--key FILE is required");
	if (sending && (!o->have_host || o->peer_id == NULL || o->file == NULL))
		return cli_usage_error(cmd,
		                       "send needs HOST[:PORT], --peer-id HEX and --file PATH");
	if (sending && (o->out != NULL || o->count != 0 || o->allow_classical))
		return cli_usage_error(cmd, "--out, --count and --allow-classical apply to recv");
	if (!sending && (o->peer_id != NULL || o->file != NULL))
		return cli_usage_error(cmd, "--peer-id and --file apply to send");
	if (o->allow_classical && o->pq_off)
		return cli_usage_error(cmd, "--allow-classical needs --pq on");
	return CLI_OK;
}

static int xfer_open(struct xfer *x, const struct xfer_opts *o, struct hm_stoq_config *cfg)
{
	int rc;

	cfg->bind_addr = o->bind;
	cfg->user = x;
	if (o->pq_off)
		cfg->pq = HM_STOQ_PQ_OFF;
	cfg->allow_classical = o->allow_classical;
	if ((rc = cli_stoq_open(x->cmd, &x->loop, o->key, cfg, NULL, &x->ep)) != CLI_OK)
		return rc;
	uv_signal_init(&x->loop, &x->sigint);
	uv_signal_init(&x->loop, &x->sigterm);
	uv_timer_init(&x->loop, &x->deadline);
	x->sigint.data = x->sigterm.data = x->deadline.data = x;
	uv_signal_start(&x->sigint, on_signal, SIGINT);
	uv_signal_start(&x->sigterm, on_signal, SIGTERM);
	if (o->timeout_ms > 0)
		uv_timer_start(&x->deadline, on_deadline, o->timeout_ms, 0);
	return CLI_OK;
}

static void xfer_run(struct xfer *x)
{
	uv_run(&x->loop, UV_RUN_DEFAULT);
	(void)uv_loop_close(&x->loop);
}

/* ---- send ---- */

static void send_more(struct xfer *x)
{
	size_t n;
	int fin, rc;

	while (x->written < x->data.len && hm_stoq_stream_buffered(x->stream) < XFER_HIGH_WATER) {
		n = x->data.len - x->written;
		if (n > XFER_PIECE)
			n = XFER_PIECE;
		fin = x->written + n == x->data.len;
		rc = hm_stoq_stream_write(x->stream, x->data.data + x->written, n, fin);
		if (rc != HM_OK) {
			xfer_fail(x, rc, "write failed");
			return;
		}
		x->written += n;
	}
}

static void send_on_data(struct hm_stoq_stream *s, const uint8_t *data, size_t len, int fin,
                         void *user)
{
	struct xfer *x = user;
	struct hm_reader r;
	uint64_t bytes;
	const uint8_t *digest;

	(void)s;
	if (len > sizeof(x->receipt) - x->receipt_len) {
		xfer_fail(x, HM_ERR_CORRUPT, "the receipt is malformed");
		return;
	}
	memcpy(x->receipt + x->receipt_len, data, len);
	x->receipt_len += len;
	if (!fin)
		return;
	x->receipt_fin = 1;
	hm_reader_init(&r, x->receipt, x->receipt_len);
	if (hm_get_u64(&r, &bytes) != HM_OK || hm_get_view(&r, 32, &digest) != HM_OK ||
	    hm_reader_finish(&r) != HM_OK) {
		xfer_fail(x, HM_ERR_CORRUPT, "the receipt is malformed");
		return;
	}
	if (bytes != x->data.len || memcmp(digest, x->digest, 32) != 0) {
		xfer_fail(x, HM_ERR_CORRUPT, "the receiver got different bytes");
		return;
	}
	x->verified = 1;
	hm_stoq_conn_close(x->conn, 0, "done");
}

static void send_on_drained(struct hm_stoq_stream *s, void *user)
{
	(void)s;
	send_more(user);
}

static void send_on_close(struct hm_stoq_stream *s, int err, uint64_t app_code, void *user)
{
	struct xfer *x = user;

	(void)s;
	(void)app_code;
	x->stream = NULL;
	if (!x->verified)
		xfer_fail(x, err != HM_OK ? err : HM_ERR_IO,
		          "the stream closed before the receipt");
}

static const struct hm_stoq_stream_callbacks send_callbacks = {
	.on_data = send_on_data,
	.on_drained = send_on_drained,
	.on_close = send_on_close,
};

static void send_on_ready(struct hm_stoq_conn *c, void *user)
{
	struct xfer *x = user;
	int rc;

	x->conn = c;
	x->pq = hm_stoq_conn_is_pq(c);
	x->t0 = hm_clock_mono_ns();
	rc = hm_stoq_stream_open(c, 0, &send_callbacks, x, &x->stream);
	if (rc != HM_OK) {
		xfer_fail(x, rc, "cannot open a stream");
		return;
	}
	send_more(x);
}

static void send_on_closed(struct hm_stoq_conn *c, int err, uint64_t app_code, void *user)
{
	struct xfer *x = user;

	(void)c;
	(void)app_code;
	x->conn = NULL;
	if (!x->verified)
		xfer_fail(x, err != HM_OK ? err : HM_ERR_IO, "the connection closed");
	else
		xfer_stop(x);
}

static void sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
	(void)gnutls_hash_fast(GNUTLS_DIG_SHA256, p, n, out);
}

int cli_stoq_send(const struct cli_command *cmd, int argc, char **argv)
{
	struct xfer_opts o = { .timeout_ms = 60000 };
	struct xfer x = { .cmd = cmd };
	struct hm_stoq_config cfg;
	uint8_t peer[HM_NODE_ID_LEN];
	char hex[65];
	double ms;
	int rc = parse_opts(cmd, argc, argv, 1, &o);

	if (rc != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	if (hm_hex_decode_exact(peer, sizeof(peer), o.peer_id, strlen(o.peer_id)) != HM_OK)
		return cli_usage_error(cmd, "--peer-id needs %d hex bytes", HM_NODE_ID_LEN);
	hm_buf_init(&x.data);
	rc = hm_file_read(o.file, XFER_MAX_FILE, &x.data);
	if (rc != HM_OK) {
		cli_error(cmd, "cannot read %s: %s", o.file, hm_strerror(rc));
		return CLI_FAILURE;
	}
	sha256(x.data.data, x.data.len, x.digest);
	hm_stoq_config_default(&cfg);
	cfg.port = 0;
	cfg.callbacks.on_ready = send_on_ready;
	cfg.callbacks.on_closed = send_on_closed;
	/* Large windows: a lossy path should be limited by congestion control, not by us. */
	cfg.max_stream_data = 4 << 20;
	cfg.max_data = 8 << 20;
	rc = xfer_open(&x, &o, &cfg);
	if (rc != CLI_OK) {
		hm_buf_free(&x.data);
		return rc;
	}
	rc = hm_stoq_connect(x.ep, o.host, o.have_port ? (uint16_t)o.port : HM_STOQ_DEFAULT_PORT,
	                     peer, &x, NULL);
	if (rc != HM_OK)
		xfer_fail(&x, rc, "cannot connect");
	xfer_run(&x);
	hm_buf_free(&x.data);
	if (x.failed || !x.verified) {
		cli_error(cmd, "transfer failed: %s (%s)", x.why != NULL ? x.why : "stopped",
		          hm_strerror(x.failed ? x.err : HM_ERR_IO));
		return CLI_FAILURE;
	}
	ms = (double)(hm_clock_mono_ns() - x.t0) / 1e6;
	(void)hm_hex_encode(hex, sizeof(hex), x.digest, sizeof(x.digest));
	printf("sent: %zu bytes in %.1f ms (%.1f MB/s)\n", x.written, ms,
	       ms > 0 ? (double)x.written / 1e3 / ms : 0.0);
	printf("sha256: %s (verified by the receiver)\n", hex);
	printf("pq: %s\n", x.pq ? "on" : "off");
	return CLI_OK;
}

/* ---- recv ---- */

static void in_free(struct xfer_in *in)
{
	if (in->hash != NULL)
		gnutls_hash_deinit(in->hash, NULL);
	free(in);
}

static void recv_on_data(struct hm_stoq_stream *s, const uint8_t *data, size_t len, int fin,
                         void *user)
{
	struct xfer_in *in = user;
	struct xfer *x = in->x;
	uint8_t receipt[XFER_RECEIPT], digest[32];
	char hex[65];
	int i;

	if (in->failed)
		return;
	if (len > 0 && (gnutls_hash(in->hash, data, len) < 0 ||
	                (x->out != NULL && fwrite(data, 1, len, x->out) != len))) {
		in->failed = 1;
		hm_stoq_stream_reset(s, HM_STOQ_APP_CANCELLED);
		xfer_fail(x, HM_ERR_IO, "cannot hash or store the data");
		return;
	}
	in->bytes += len;
	if (!fin)
		return;
	gnutls_hash_output(in->hash, digest);
	for (i = 0; i < 8; i++)
		receipt[i] = (uint8_t)(in->bytes >> (56 - 8 * i));
	memcpy(receipt + 8, digest, 32);
	(void)hm_stoq_stream_write(s, receipt, sizeof(receipt), 1);
	(void)hm_hex_encode(hex, sizeof(hex), digest, sizeof(digest));
	if (x->out != NULL && fflush(x->out) != 0)
		xfer_fail(x, HM_ERR_IO, "cannot write the output file");
	printf("received: %" PRIu64 " bytes sha256 %s\n", in->bytes, hex);
	fflush(stdout);
	x->transfers++;
}

static void recv_on_close(struct hm_stoq_stream *s, int err, uint64_t app_code, void *user)
{
	(void)s;
	(void)err;
	(void)app_code;
	in_free(user);
}

static const struct hm_stoq_stream_callbacks recv_callbacks = {
	.on_data = recv_on_data,
	.on_close = recv_on_close,
};

static void recv_on_stream(struct hm_stoq_conn *c, struct hm_stoq_stream *s, void *user)
{
	struct xfer *x = user;
	struct xfer_in *in;

	(void)c;
	if (hm_stoq_stream_is_uni(s))
		return; /* refused: a transfer needs a stream to answer on */
	in = calloc(1, sizeof(*in));
	if (in == NULL || gnutls_hash_init(&in->hash, GNUTLS_DIG_SHA256) < 0) {
		free(in);
		return;
	}
	in->x = x;
	hm_stoq_stream_set_callbacks(s, &recv_callbacks, in);
}

/* With --count, stop once the last transfer's client has hung up (its receipt got out). */
static void recv_on_closed(struct hm_stoq_conn *c, int err, uint64_t app_code, void *user)
{
	struct xfer *x = user;

	(void)c;
	(void)err;
	(void)app_code;
	if (x->max_transfers > 0 && x->transfers >= x->max_transfers)
		xfer_stop(x);
}

int cli_stoq_recv(const struct cli_command *cmd, int argc, char **argv)
{
	struct xfer_opts o = { 0 };
	struct xfer x = { .cmd = cmd };
	struct hm_stoq_config cfg;
	int rc = parse_opts(cmd, argc, argv, 0, &o);

	if (rc != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	if (o.out != NULL && (x.out = fopen(o.out, "wb")) == NULL) {
		cli_error(cmd, "cannot create %s", o.out);
		return CLI_FAILURE;
	}
	hm_stoq_config_default(&cfg);
	cfg.accept = 1;
	if (o.have_port)
		cfg.port = (uint16_t)o.port;
	cfg.callbacks.on_stream = recv_on_stream;
	cfg.callbacks.on_closed = recv_on_closed;
	cfg.max_stream_data = 4 << 20;
	cfg.max_data = 8 << 20;
	x.max_transfers = o.count;
	rc = xfer_open(&x, &o, &cfg);
	if (rc != CLI_OK) {
		if (x.out != NULL)
			fclose(x.out);
		return rc;
	}
	printf("port: %u\n", (unsigned)hm_stoq_endpoint_port(x.ep));
	fflush(stdout);
	xfer_run(&x);
	if (x.out != NULL && fclose(x.out) != 0 && !x.failed)
		xfer_fail(&x, HM_ERR_IO, "cannot write the output file");
	if (x.failed) {
		cli_error(cmd, "%s (%s)", x.why, hm_strerror(x.err));
		return CLI_FAILURE;
	}
	return CLI_OK;
}
