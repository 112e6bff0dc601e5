/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Numbers given on the command line ("--count 10"), read the same way by
 * every subcommand: whole decimal digits only, so "-1", "+1", " 1", "1k",
 * "0x10" and "" are refused rather than read as something else, and a value
 * outside the option's range is a usage error, never clamped.
 */
#ifndef HYPERMESH_CLI_NUMBER_H
#define HYPERMESH_CLI_NUMBER_H

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

#endif
