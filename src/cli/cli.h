/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `hypermesh` command: a table of subcommands, each with its own option
 * parser and --help. Exit codes are part of the interface:
 *   0 success, 1 usage error (unknown command or flag, bad argument),
 *   2 runtime failure (I/O, corrupt data, failed verification, ...).
 * Every error is one line on stderr: "hypermesh: <command>: <what went wrong>".
 */
#ifndef HYPERMESH_CLI_H
#define HYPERMESH_CLI_H

#include <stdint.h>
#include <stdio.h>

enum cli_exit {
	CLI_OK = 0,
	CLI_USAGE = 1,
	CLI_FAILURE = 2,
};

struct cli_command {
	const char *name;
	const char *summary; /* one line for the top-level --help */
	const char *usage;   /* full text for `hypermesh NAME --help` */
	int (*run)(const struct cli_command *cmd, int argc, char **argv);
};

/* Prints "hypermesh: CMD: message" (printf-style) and a newline to stderr. */
void cli_error(const struct cli_command *cmd, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Reports a usage error with a hint to --help; returns CLI_USAGE. */
int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/*
 * Handles an option every subcommand accepts (--log-level LEVEL, --help).
 * `opt` is the getopt_long result. Returns -1 if it was not a common option,
 * CLI_OK if handled and the command should go on, or an exit code to return
 * (after --help: CLI_OK via *stop = 1; on a bad value: CLI_USAGE).
 */
int cli_common_option(const struct cli_command *cmd, int opt, const char *arg, int *stop);

/* A command with sub-commands ("crypto selftest", "ct verify", ...). */
struct cli_subcommand {
	const char *name;
	int (*run)(const struct cli_command *cmd, int argc, char **argv);
};

/*
 * Runs the sub-command named by argv[1] with argv shifted by one (so its
 * argv[0] is its own name), prints cmd->usage for -h/--help, and reports a
 * missing or unknown sub-command as a usage error.
 */
int cli_dispatch(const struct cli_command *cmd, const struct cli_subcommand *subs, size_t nsubs,
                 int argc, char **argv);

/* getopt_long option entries and short-option letters for the common options. */
#define CLI_OPT_LOG_LEVEL 0x100
#define CLI_COMMON_LONG_OPTIONS                                         \
	{ "help", no_argument, NULL, 'h' },                             \
	{                                                               \
		"log-level", required_argument, NULL, CLI_OPT_LOG_LEVEL \
	}
#define CLI_COMMON_SHORT_OPTIONS "h"
#define CLI_COMMON_USAGE                            \
	"  -h, --help             show this help\n" \
	"      --log-level LEVEL  error, warn, info (default), debug or trace\n"

/* `hypermesh stoq send` and `stoq recv` (cmd_stoq_xfer.c). */
int cli_stoq_send(const struct cli_command *cmd, int argc, char **argv);
int cli_stoq_recv(const struct cli_command *cmd, int argc, char **argv);

/* `hypermesh crypto bench` (cmd_crypto_bench.c). */
int cli_crypto_bench(const struct cli_command *cmd, int argc, char **argv);
/* `hypermesh stoq bench` (cmd_stoq_bench.c). */
int cli_stoq_bench(const struct cli_command *cmd, int argc, char **argv);

struct uv_loop_s;
struct hm_stoq_config;
struct hm_stoq_endpoint;

/*
 * Opens a STOQ endpoint for a CLI command on loop, which it initialises: the
 * identity comes from the keystore key_path (wiped as soon as the endpoint
 * holds its certificate); the rest of cfg as the caller filled it. On
 * failure it prints the error (invalid_hint instead of the generic one when
 * the endpoint refuses cfg as HM_ERR_INVALID; NULL: generic), closes the
 * loop and returns CLI_FAILURE.
 */
int cli_stoq_open(const struct cli_command *cmd, struct uv_loop_s *loop, const char *key_path,
                  struct hm_stoq_config *cfg, const char *invalid_hint,
                  struct hm_stoq_endpoint **ep);

/*
 * --max-udp-payload VALUE of the stoq commands: 0 (automatic) or
 * HM_STOQ_UDP_PAYLOAD_MIN..MAX into *out; a usage error otherwise.
 */
int cli_stoq_udp_payload(const struct cli_command *cmd, const char *value, uint64_t *out);

extern const struct cli_command cli_cmd_keygen;
extern const struct cli_command cli_cmd_crypto;
extern const struct cli_command cli_cmd_hw;
extern const struct cli_command cli_cmd_top;
extern const struct cli_command cli_cmd_ct;
extern const struct cli_command cli_cmd_sim;
extern const struct cli_command cli_cmd_stoq;
extern const struct cli_command cli_cmd_loadgen;
extern const struct cli_command cli_cmd_ca;
extern const struct cli_command cli_cmd_node;
extern const struct cli_command cli_cmd_devnet;
extern const struct cli_command cli_cmd_space;
extern const struct cli_command cli_cmd_xdp;
extern const struct cli_command cli_cmd_vdf;
extern const struct cli_command cli_cmd_apikey;

#endif
