/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE /* optind */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"

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

int cli_other_option(const struct cli_command *cmd, int opt, char **argv, int *stop)
{
	int rc = cli_common_option(cmd, opt, optarg, stop);

	if (rc > 0 || *stop)
		return rc;
	if (rc == CLI_OK)
		return -1;
	if (opt == ':')
		return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
	return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
}

int cli_host_port(const struct cli_command *cmd, const char *arg, char *host, size_t host_size,
                  uint64_t *port, int *have_port)
{
	const char *name = arg, *port_text = NULL, *end;
	size_t len;

	if (arg[0] == '[') {
		end = strchr(arg, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			return cli_usage_error(cmd, "'%s' is not HOST[:PORT]", arg);
		name = arg + 1;
		len = (size_t)(end - name);
		port_text = end[1] == ':' ? end + 2 : NULL;
	} else if ((end = strchr(arg, ':')) != NULL && strchr(end + 1, ':') == NULL) {
		len = (size_t)(end - arg);
		port_text = end + 1;
	} else {
		len = strlen(arg);
	}
	if (len == 0 || len >= host_size)
		return cli_usage_error(cmd, "'%s' is not HOST[:PORT]", arg);
	memcpy(host, name, len);
	host[len] = '\0';
	if (port_text != NULL) {
		if (cli_option_number(cmd, "the port", port_text, 0, 65535, port) != CLI_OK)
			return CLI_USAGE;
		*have_port = 1;
	}
	return CLI_OK;
}
