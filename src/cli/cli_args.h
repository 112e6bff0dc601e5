/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Option handling shared by the subcommands, so that every command reads a
 * value and words a bad one the same way.
 *
 * Numbers ("--count 10") are whole decimal digits only: "-1", "+1", " 1",
 * "1k", "0x10" and "" are refused rather than read as something else, and a
 * value outside the option's range is a usage error, never clamped.
 */
#ifndef HYPERMESH_CLI_ARGS_H
#define HYPERMESH_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"

/*
 * Reads s as a decimal number from lo to hi. Returns 0 and sets *out, or -1
 * (not digits, overflow, out of range) leaving *out alone. For callers that
 * word their own error message.
 */
int cli_number(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/*
 * cli_number() for the value s of option `name` ("--count"). A bad value is
 * reported as "NAME must be a number from LO to HI, not 'S'". Returns CLI_OK,
 * or CLI_USAGE after reporting.
 */
int cli_option_number(const struct cli_command *cmd, const char *name, const char *s, uint64_t lo,
                      uint64_t hi, uint64_t *out);

/*
 * The getopt_long result opt that a command's own options do not cover: a
 * common option (--help, --log-level), a value missing (':', with a leading
 * ':' in optstring) or an unknown option. Returns -1 when it was a common
 * option and parsing goes on; otherwise the exit code to return now: CLI_OK
 * after --help (*stop set), CLI_USAGE after reporting the error.
 */
int cli_other_option(const struct cli_command *cmd, int opt, char **argv, int *stop);

/*
 * HOST, HOST:PORT, [V6ADDR] or [V6ADDR]:PORT (a bare IPv6 address has no
 * port). Copies the host into host[host_size]; with a port, sets *port
 * (0..65535) and *have_port = 1. Returns CLI_OK, or CLI_USAGE after
 * reporting "'ARG' is not HOST[:PORT]" or a bad port.
 */
int cli_host_port(const struct cli_command *cmd, const char *arg, char *host, size_t host_size,
                  uint64_t *port, int *have_port);

#endif
