/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE /* getopt_long */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "hypermesh/log.h"
#include "hypermesh/version.h"

/* Only commands that work are listed; others join as their subsystems land. */
/* One per line, so that adding a command never conflicts with another addition. */
/* clang-format off */
static const struct cli_command *const commands[] = {
	&cli_cmd_keygen,
	&cli_cmd_crypto,
	&cli_cmd_hw,
	&cli_cmd_top,
	&cli_cmd_ct,
	&cli_cmd_sim,
	&cli_cmd_stoq,
	&cli_cmd_loadgen,
	&cli_cmd_ca,
	&cli_cmd_node,
	&cli_cmd_devnet,
	&cli_cmd_space,
	&cli_cmd_xdp,
	&cli_cmd_vdf,
	&cli_cmd_apikey,
};
/* clang-format on */

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

__attribute__((format(printf, 2, 0))) static void vreport(const struct cli_command *cmd,
                                                          const char *fmt, va_list ap)
{
	fputs("hypermesh: ", stderr);
	if (cmd != NULL)
		fprintf(stderr, "%s: ", cmd->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_error(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(cmd, fmt, ap);
	va_end(ap);
}

int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "hypermesh: %s%s%s (see 'hypermesh %s%s--help')\n", cmd ? cmd->name : "",
	        cmd ? ": " : "", msg, cmd ? cmd->name : "", cmd ? " " : "");
	return CLI_USAGE;
}

static int set_log_level(const struct cli_command *cmd, const char *arg)
{
	enum hm_log_level level;

	if (hm_log_level_parse(arg, &level) != 0)
		return cli_usage_error(cmd, "invalid log level '%s'", arg);
	hm_log_set_level(level);
	return CLI_OK;
}

int cli_common_option(const struct cli_command *cmd, int opt, const char *arg, int *stop)
{
	switch (opt) {
	case 'h':
		fputs(cmd->usage, stdout);
		*stop = 1;
		return CLI_OK;
	case CLI_OPT_LOG_LEVEL:
		return set_log_level(cmd, arg);
	default:
		return -1;
	}
}

int cli_dispatch(const struct cli_command *cmd, const struct cli_subcommand *subs, size_t nsubs,
                 int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error(cmd, "missing subcommand");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(cmd->usage, stdout);
		return CLI_OK;
	}
	for (size_t i = 0; i < nsubs; i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].run(cmd, argc - 1, argv + 1);
	return cli_usage_error(cmd, "unknown subcommand '%s'", argv[1]);
}

static void print_help(FILE *out)
{
	fputs("usage: hypermesh [--version] [--help] [--log-level LEVEL] COMMAND [ARGS]\n"
	      "\n"
	      "HyperMesh node and tools. Commands:\n",
	      out);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fputs("\n'hypermesh COMMAND --help' describes a command.\n"
	      "Exit status: 0 success, 1 usage error, 2 runtime failure.\n",
	      out);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "log-level", required_argument, NULL, CLI_OPT_LOG_LEVEL },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	opterr = 0; /* we print our own one-line errors */
	/* '+': stop at the first non-option, which is the subcommand. */
	while ((opt = getopt_long(argc, argv, "+:hV", options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			print_help(stdout);
			return CLI_OK;
		case 'V':
			printf("hypermesh %s\n", HM_VERSION);
			return CLI_OK;
		case CLI_OPT_LOG_LEVEL:
			if (set_log_level(NULL, optarg) != CLI_OK)
				return CLI_USAGE;
			break;
		case ':':
			return cli_usage_error(NULL, "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage_error(NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		print_help(stderr);
		return CLI_USAGE;
	}
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[optind], commands[i]->name) == 0) {
			/* The subcommand parses its own argv, starting at its name. */
			argc -= optind;
			argv += optind;
			optind = 0; /* 0 makes glibc re-initialise its parser */
			return commands[i]->run(commands[i], argc, argv);
		}
	}
	return cli_usage_error(NULL, "unknown command '%s'", argv[optind]);
}
