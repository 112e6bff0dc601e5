/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE /* getopt_long */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "cli_args.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/keystore.h"
#include "hypermesh/log.h"

static void print_identity(const struct hm_identity *id)
{
	uint8_t node_id[HM_NODE_ID_LEN];
	char hex[HM_HEX_LEN(HM_NODE_ID_LEN) + 1];

	hm_identity_node_id(id, node_id);
	printf("algorithm:  %s\n", hm_key_alg_name(id->alg));
	(void)hm_hex_encode(hex, sizeof(hex), id->pk, sizeof(id->pk));
	printf("public_key: %s\n", hex);
	(void)hm_hex_encode(hex, sizeof(hex), node_id, sizeof(node_id));
	printf("node_id:    %s\n", hex);
}

static int keygen_write(const struct cli_command *cmd, const char *path, int force)
{
	struct hm_identity id;
	int rc;

	rc = hm_identity_generate(&id);
	if (rc == HM_OK)
		rc = hm_keystore_save(path, &id, force ? HM_FILE_OVERWRITE : HM_FILE_NO_CLOBBER);
	if (rc != HM_OK) {
		hm_identity_wipe(&id);
		if (rc == HM_ERR_EXISTS)
			cli_error(cmd, "%s already exists (use --force to replace it)", path);
		else
			cli_error(cmd, "cannot write keystore %s: %s", path, hm_strerror(rc));
		return CLI_FAILURE;
	}
	hm_log(HM_LOG_INFO, "keygen", "wrote node identity", HM_LOG_STR("path", path),
	       HM_LOG_STR("algorithm", hm_key_alg_name(id.alg)));
	print_identity(&id);
	hm_identity_wipe(&id);
	return CLI_OK;
}

static int keygen_show(const struct cli_command *cmd, const char *path)
{
	struct hm_identity id;
	int rc = hm_keystore_load(path, &id);

	if (rc != HM_OK) {
		cli_error(cmd, "cannot read keystore %s: %s", path, hm_strerror(rc));
		return CLI_FAILURE;
	}
	print_identity(&id);
	hm_identity_wipe(&id);
	return CLI_OK;
}

static int keygen_run(const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option options[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "show", required_argument, NULL, 's' },
		{ "force", no_argument, NULL, 'f' },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *show = NULL;
	int force = 0, opt, stop = 0, rc;

	while ((opt = getopt_long(argc, argv, ":o:s:f" CLI_COMMON_SHORT_OPTIONS, options, NULL)) !=
	       -1) {
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case 's':
			show = optarg;
			break;
		case 'f':
			force = 1;
			break;
		default:
			if ((rc = cli_other_option(cmd, opt, argv, &stop)) >= 0)
				return rc;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if ((out == NULL) == (show == NULL))
		return cli_usage_error(cmd, "give exactly one of --out FILE or --show FILE");
	if (show != NULL && force)
		return cli_usage_error(cmd, "--force only applies to --out");
	if ((out != NULL && *out == '\0') || (show != NULL && *show == '\0'))
		return cli_usage_error(cmd, "the file name is empty");
	return out != NULL ? keygen_write(cmd, out, force) : keygen_show(cmd, show);
}

const struct cli_command cli_cmd_keygen = {
	.name = "keygen",
	.summary = "create or show a node identity (Ed25519 keystore)",
	.usage = "usage: hypermesh keygen --out FILE [--force]\n"
	         "       hypermesh keygen --show FILE\n"
	         "\n"
	         "Creates a node identity: an Ed25519 signing key written to FILE\n"
	         "atomically with mode 0600. An existing FILE is kept unless --force is\n"
	         "given. Prints the public key and the node id (SHA-256 of the public key).\n"
	         "--show prints them for an existing keystore.\n"
	         "\n"
	         "  -o, --out FILE         write a new identity to FILE\n"
	         "  -s, --show FILE        print the identity stored in FILE\n"
	         "  -f, --force            replace FILE if it exists\n" CLI_COMMON_USAGE,
	.run = keygen_run,
};
