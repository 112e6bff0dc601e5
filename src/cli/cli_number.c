/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "cli_number.h"

int cli_number(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	/* strtoull alone would take a sign or leading blanks, and "-1" as its maximum. */
	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int cli_option_number(const struct cli_command *cmd, const char *name, const char *s, uint64_t lo,
                      uint64_t hi, uint64_t *out)
{
	if (cli_number(s, lo, hi, out) == 0)
		return CLI_OK;
	return cli_usage_error(cmd, "%s must be a number from %" PRIu64 " to %" PRIu64 ", not '%s'",
	                       name, lo, hi, s);
}
