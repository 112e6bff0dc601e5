/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hypermesh xdp`: the kernel drop list on a network interface (os.h
 * hm_os_xdp_*): attach/detach the XDP program, ban/unban source addresses,
 * list them with their drop counters.
 */
#define _GNU_SOURCE /* getopt_long */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_args.h"
#include "hypermesh/error.h"
#include "hypermesh/os.h"

#define XDP_LIST_MAX 65536 /* the drop list's and peer map's capacity */

struct xdp_args {
	const char *dev;
	const char *pin_dir;
	const char *addr; /* ban / unban */
	int json;
};

/* --dev IF [--pin-dir DIR] [--json], then want_addr positional addresses. */
static int xdp_parse(const struct cli_command *cmd, int argc, char **argv, int want_addr,
                     int allow_json, struct xdp_args *a)
{
	static const struct option options[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "pin-dir", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int opt, stop = 0, rc;

	while ((opt = getopt_long(argc, argv, ":d:j" CLI_COMMON_SHORT_OPTIONS, options, NULL)) !=
	       -1) {
		switch (opt) {
		case 'd':
			a->dev = optarg;
			continue;
		case 'P':
			a->pin_dir = optarg;
			continue;
		case 'j':
			if (!allow_json)
				return cli_usage_error(cmd, "%s takes no --json", argv[0]);
			a->json = 1;
			continue;
		default:
			if ((rc = cli_other_option(cmd, opt, argv, &stop)) >= 0)
				return rc;
		}
	}
	if (a->dev == NULL)
		return cli_usage_error(cmd, "%s needs --dev INTERFACE", argv[0]);
	if (a->pin_dir != NULL && a->pin_dir[0] == '\0')
		return cli_usage_error(cmd, "--pin-dir must not be empty");
	if (want_addr) {
		if (optind >= argc)
			return cli_usage_error(cmd, "%s needs an IPv4 or IPv6 address", argv[0]);
		a->addr = argv[optind++];
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	return -1;
}

/* One line on stderr for a runtime failure; CLI_FAILURE. */
static int xdp_failed(const struct cli_command *cmd, const char *what, const struct xdp_args *a,
                      int rc)
{
	const char *dir = a->pin_dir != NULL ? a->pin_dir : HM_OS_XDP_PIN_DIR;

	switch (rc) {
	case HM_ERR_UNSUPPORTED:
		cli_error(cmd,
		          "%s %s: not supported (built without eBPF, not Linux, no kernel BTF, "
		          "or %s not on a bpf filesystem)",
		          what, a->dev, dir);
		break;
	case HM_ERR_PERMISSION:
		cli_error(cmd, "%s %s: permission denied (needs root or CAP_BPF and CAP_NET_ADMIN)",
		          what, a->dev);
		break;
	case HM_ERR_EXISTS:
		cli_error(cmd,
		          "%s %s: already attached (an XDP program is on the interface or %s/%s "
		          "exists)",
		          what, a->dev, dir, a->dev);
		break;
	default:
		cli_error(cmd, "%s %s: %s", what, a->dev, hm_strerror(rc));
	}
	return CLI_FAILURE;
}

static int xdp_attach(const struct cli_command *cmd, int argc, char **argv)
{
	struct xdp_args a = { 0 };
	int rc = xdp_parse(cmd, argc, argv, 0, 0, &a);

	if (rc >= 0)
		return rc;
	rc = hm_os_xdp_attach(a.dev, a.pin_dir);
	if (rc == HM_ERR_NOT_FOUND) {
		cli_error(cmd, "attach %s: no such interface, or %s does not exist", a.dev,
		          a.pin_dir != NULL ? a.pin_dir : HM_OS_XDP_PIN_DIR);
		return CLI_FAILURE;
	}
	if (rc != HM_OK)
		return xdp_failed(cmd, "attach", &a, rc);
	printf("attached to %s\n", a.dev);
	return CLI_OK;
}

static int xdp_detach(const struct cli_command *cmd, int argc, char **argv)
{
	struct xdp_args a = { 0 };
	int rc = xdp_parse(cmd, argc, argv, 0, 0, &a);

	if (rc >= 0)
		return rc;
	rc = hm_os_xdp_detach(a.dev, a.pin_dir);
	if (rc == HM_ERR_NOT_FOUND) {
		cli_error(cmd, "detach %s: not attached", a.dev);
		return CLI_FAILURE;
	}
	if (rc != HM_OK)
		return xdp_failed(cmd, "detach", &a, rc);
	printf("detached from %s\n", a.dev);
	return CLI_OK;
}

/* Opens the attached list; on failure reports it and returns NULL. */
static struct hm_os_xdp *xdp_open(const struct cli_command *cmd, const struct xdp_args *a)
{
	struct hm_os_xdp *x = NULL;
	int rc = hm_os_xdp_open(a->dev, a->pin_dir, &x);

	if (rc == HM_ERR_NOT_FOUND)
		cli_error(cmd, "%s: no drop list attached (hypermesh xdp attach --dev %s)", a->dev,
		          a->dev);
	else if (rc != HM_OK)
		xdp_failed(cmd, "open", a, rc);
	return rc == HM_OK ? x : NULL;
}

static int xdp_edit(const struct cli_command *cmd, int argc, char **argv, int ban)
{
	struct xdp_args a = { 0 };
	struct hm_os_xdp *x;
	int rc = xdp_parse(cmd, argc, argv, 1, 0, &a);

	if (rc >= 0)
		return rc;
	x = xdp_open(cmd, &a);
	if (x == NULL)
		return CLI_FAILURE;
	rc = ban ? hm_os_xdp_ban(x, a.addr) : hm_os_xdp_unban(x, a.addr);
	hm_os_xdp_close(x);
	switch (rc) {
	case HM_OK:
		printf("%s %s on %s\n", ban ? "banned" : "unbanned", a.addr, a.dev);
		return CLI_OK;
	case HM_ERR_INVALID:
		return cli_usage_error(cmd, "'%s' is not an IPv4 or IPv6 address", a.addr);
	case HM_ERR_EXISTS:
		cli_error(cmd, "%s is already banned on %s", a.addr, a.dev);
		return CLI_FAILURE;
	case HM_ERR_NOT_FOUND:
		cli_error(cmd, "%s is not banned on %s", a.addr, a.dev);
		return CLI_FAILURE;
	case HM_ERR_TOO_LARGE:
		cli_error(cmd, "the drop list on %s is full", a.dev);
		return CLI_FAILURE;
	default:
		return xdp_failed(cmd, ban ? "ban" : "unban", &a, rc);
	}
}

static int xdp_ban(const struct cli_command *cmd, int argc, char **argv)
{
	return xdp_edit(cmd, argc, argv, 1);
}

static int xdp_unban(const struct cli_command *cmd, int argc, char **argv)
{
	return xdp_edit(cmd, argc, argv, 0);
}

static json_t *json_counters(const struct hm_os_xdp_counter *c, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n && arr != NULL; i++) {
		json_t *o = json_pack("{s:s, s:I, s:I}", "addr", c[i].addr, "packets",
		                      (json_int_t)c[i].packets, "bytes", (json_int_t)c[i].bytes);

		if (o == NULL || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static int print_list(const struct xdp_args *a, const struct hm_os_xdp_totals *t,
                      const struct hm_os_xdp_counter *banned, size_t nbanned,
                      const struct hm_os_xdp_counter *peers, size_t npeers)
{
	if (a->json) {
		json_t *root = json_pack(
		        "{s:s, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:o?, s:o?}", "dev", a->dev,
		        "totals", "passed_packets", (json_int_t)t->passed_packets, "passed_bytes",
		        (json_int_t)t->passed_bytes, "dropped_packets",
		        (json_int_t)t->dropped_packets, "dropped_bytes",
		        (json_int_t)t->dropped_bytes, "other_packets", (json_int_t)t->other_packets,
		        "other_bytes", (json_int_t)t->other_bytes, "banned",
		        json_counters(banned, nbanned), "peers", json_counters(peers, npeers));
		char *text =
		        root != NULL ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

		json_decref(root);
		if (text == NULL)
			return HM_ERR_NOMEM;
		puts(text);
		free(text);
		return HM_OK;
	}
	printf("%s: passed %" PRIu64 " packets (%" PRIu64 " bytes), dropped %" PRIu64
	       " packets (%" PRIu64 " bytes), not IP %" PRIu64 " packets\n",
	       a->dev, t->passed_packets, t->passed_bytes, t->dropped_packets, t->dropped_bytes,
	       t->other_packets);
	printf("banned (%zu):\n", nbanned);
	for (size_t i = 0; i < nbanned; i++)
		printf("  %-40s dropped %" PRIu64 " packets, %" PRIu64 " bytes\n", banned[i].addr,
		       banned[i].packets, banned[i].bytes);
	printf("sources let through (%zu):\n", npeers);
	for (size_t i = 0; i < npeers; i++)
		printf("  %-40s %" PRIu64 " packets, %" PRIu64 " bytes\n", peers[i].addr,
		       peers[i].packets, peers[i].bytes);
	return HM_OK;
}

static int xdp_list(const struct cli_command *cmd, int argc, char **argv)
{
	struct xdp_args a = { 0 };
	struct hm_os_xdp_counter *banned = NULL, *peers = NULL;
	struct hm_os_xdp_totals totals;
	size_t nbanned = 0, npeers = 0;
	struct hm_os_xdp *x;
	int rc = xdp_parse(cmd, argc, argv, 0, 1, &a);

	if (rc >= 0)
		return rc;
	x = xdp_open(cmd, &a);
	if (x == NULL)
		return CLI_FAILURE;
	banned = calloc(XDP_LIST_MAX, sizeof(*banned));
	peers = calloc(XDP_LIST_MAX, sizeof(*peers));
	rc = banned != NULL && peers != NULL ? HM_OK : HM_ERR_NOMEM;
	if (rc == HM_OK)
		rc = hm_os_xdp_totals(x, &totals);
	if (rc == HM_OK)
		rc = hm_os_xdp_banned(x, banned, XDP_LIST_MAX, &nbanned, NULL);
	if (rc == HM_OK)
		rc = hm_os_xdp_peers(x, peers, XDP_LIST_MAX, &npeers, NULL);
	hm_os_xdp_close(x);
	if (rc == HM_OK)
		rc = print_list(&a, &totals, banned, nbanned, peers, npeers);
	free(banned);
	free(peers);
	if (rc != HM_OK)
		return xdp_failed(cmd, "list", &a, rc);
	return fflush(stdout) == 0 ? CLI_OK : CLI_FAILURE;
}

static int xdp_run(const struct cli_command *cmd, int argc, char **argv)
{
	static const struct cli_subcommand subs[] = {
		{ "attach", xdp_attach }, { "detach", xdp_detach }, { "ban", xdp_ban },
		{ "unban", xdp_unban },   { "list", xdp_list },
	};

	return cli_dispatch(cmd, subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}

const struct cli_command cli_cmd_xdp = {
	.name = "xdp",
	.summary = "kernel drop list for banned source addresses (XDP)",
	.usage = "usage: hypermesh xdp attach --dev IF [--pin-dir DIR]\n"
	         "       hypermesh xdp ban    --dev IF [--pin-dir DIR] ADDRESS\n"
	         "       hypermesh xdp unban  --dev IF [--pin-dir DIR] ADDRESS\n"
	         "       hypermesh xdp list   --dev IF [--pin-dir DIR] [--json]\n"
	         "       hypermesh xdp detach --dev IF [--pin-dir DIR]\n"
	         "\n"
	         "attach loads an XDP program on interface IF that drops IPv4 and IPv6\n"
	         "packets whose source address is banned and counts packets and bytes per\n"
	         "source; it stays attached after this command exits. Its maps are pinned\n"
	         "in DIR/IF (DIR on a bpf filesystem, default " HM_OS_XDP_PIN_DIR "), where\n"
	         "ban, unban and list find them. list prints the totals, each banned address\n"
	         "with the packets and bytes dropped from it, and each source let through.\n"
	         "detach removes the program (only this one) and the pins. Needs root (or\n"
	         "CAP_BPF and CAP_NET_ADMIN), Linux and a kernel with BTF.\n"
	         "\n"
	         "  -d, --dev IF           the network interface\n"
	         "      --pin-dir DIR      where the maps are pinned\n"
	         "  -j, --json             list: one JSON object\n" CLI_COMMON_USAGE,
	.run = xdp_run,
};
