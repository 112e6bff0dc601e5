/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hypermesh space: PoSpace plots (docs/PROOFS.md §PoSpace).
 *   plot   --size SIZE --dir D (--key FILE | --key-id HEX)   create a plot
 *   info   --dir D                                          print its commitment
 *   prove  --dir D --anchor HEX --digest HEX               print a SpaceProof (hex)
 *   verify --dir D --anchor HEX --digest HEX --proof FILE  check one against the plot's commitment
 */
#define _GNU_SOURCE /* getopt_long */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_args.h"
#include "hypermesh/buf.h"
#include "hypermesh/clock.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/file.h"
#include "hypermesh/hash.h"
#include "hypermesh/keystore.h"
#include "hypermesh/plot.h"
#include "hypermesh/secure.h"

struct space_args {
	const char *size, *dir, *key, *key_id, *anchor, *digest, *proof;
};

/* Parses the options every space subcommand shares; returns -1 to go on or an exit code. */
static int parse(const struct cli_command *cmd, int argc, char **argv, struct space_args *a)
{
	static const struct option options[] = {
		{ "size", required_argument, NULL, 's' },
		{ "dir", required_argument, NULL, 'd' },
		{ "key", required_argument, NULL, 'k' },
		{ "key-id", required_argument, NULL, 'i' },
		{ "anchor", required_argument, NULL, 'a' },
		{ "digest", required_argument, NULL, 'g' },
		{ "proof", required_argument, NULL, 'p' },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int opt, stop = 0, rc;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":" CLI_COMMON_SHORT_OPTIONS, options, NULL)) != -1) {
		switch (opt) {
		case 's':
			a->size = optarg;
			break;
		case 'd':
			a->dir = optarg;
			break;
		case 'k':
			a->key = optarg;
			break;
		case 'i':
			a->key_id = optarg;
			break;
		case 'a':
			a->anchor = optarg;
			break;
		case 'g':
			a->digest = optarg;
			break;
		case 'p':
			a->proof = optarg;
			break;
		default:
			if ((rc = cli_other_option(cmd, opt, argv, &stop)) >= 0)
				return rc;
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (a->dir == NULL)
		return cli_usage_error(cmd, "--dir is required");
	return -1;
}

static int hex32(const struct cli_command *cmd, const char *name, const char *text, uint8_t out[32])
{
	if (text == NULL)
		return cli_usage_error(cmd, "--%s is required", name);
	if (hm_hex_decode_exact(out, 32, text, strlen(text)) != HM_OK)
		return cli_usage_error(cmd, "--%s must be 64 hex digits", name);
	return -1;
}

struct bar {
	uint64_t start_ns, last_ns;
	int tty;
};

static void progress(void *arg, uint64_t done, uint64_t total)
{
	struct bar *b = arg;
	uint64_t now = hm_clock_mono_ns();
	unsigned pct = (unsigned)(done * 100 / total), fill = pct / 4;
	char bar[26];

	/* Redraw at most 10 times a second on a terminal, every 10% into a file. */
	if (done != total && now - b->last_ns < (b->tty ? 100000000u : 2000000000u))
		return;
	b->last_ns = now;
	memset(bar, '#', fill);
	memset(bar + fill, '.', 25 - fill);
	bar[25] = 0;
	fprintf(stderr, "%splotting [%s] %3u%%  %.1f s", b->tty ? "\r" : "", bar, pct,
	        (double)(now - b->start_ns) / 1e9);
	if (!b->tty || done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

static void print_commitment(const struct hm_plot_commitment *c)
{
	char hex[65];
	unsigned long long n = 1ULL << c->log2_labels;

	(void)hm_hex_encode(hex, sizeof(hex), c->key_id, 32);
	printf("key_id:  %s\n", hex);
	printf("labels:  %llu (2^%u)\n", n, c->log2_labels);
	printf("size:    %llu bytes of labels + %llu bytes of Merkle tree\n", n * 32, (n - 1) * 32);
	(void)hm_hex_encode(hex, sizeof(hex), c->root, 32);
	printf("root:    %s\n", hex);
}

static int space_plot(const struct cli_command *cmd, int argc, char **argv)
{
	struct hm_plot_commitment c;
	struct space_args a;
	uint8_t key_id[32];
	unsigned log2;
	struct bar bar;
	int rc = parse(cmd, argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (a.size == NULL)
		return cli_usage_error(cmd, "--size is required (e.g. 64MiB, 1GiB)");
	if (hm_plot_parse_size(a.size, &log2) != HM_OK)
		return cli_usage_error(
		        cmd, "invalid --size '%s': a power of two from 32KiB to 2TiB", a.size);
	if ((a.key == NULL) == (a.key_id == NULL))
		return cli_usage_error(cmd, "give exactly one of --key FILE or --key-id HEX");
	if (a.key_id != NULL) {
		if ((rc = hex32(cmd, "key-id", a.key_id, key_id)) >= 0)
			return rc;
	} else {
		struct hm_identity id;

		if ((rc = hm_keystore_load(a.key, &id)) != HM_OK) {
			cli_error(cmd, "cannot read keystore %s: %s", a.key, hm_strerror(rc));
			return CLI_FAILURE;
		}
		hm_sha256(key_id, id.pk, sizeof(id.pk));
		hm_identity_wipe(&id);
	}
	bar.start_ns = bar.last_ns = hm_clock_mono_ns();
	bar.last_ns -= 1000000000u * 10;
	bar.tty = isatty(STDERR_FILENO);
	rc = hm_plot_create(a.dir, key_id, log2, progress, &bar, &c);
	if (rc != HM_OK) {
		if (bar.tty)
			fputc('\n', stderr);
		if (rc == HM_ERR_EXISTS)
			cli_error(cmd, "%s already holds a plot", a.dir);
		else if (rc == HM_ERR_NOT_FOUND)
			cli_error(cmd, "directory %s does not exist", a.dir);
		else if (rc == HM_ERR_INVALID)
			cli_error(cmd, "%s is not a directory", a.dir);
		else
			cli_error(cmd, "cannot plot in %s: %s", a.dir, hm_strerror(rc));
		return CLI_FAILURE;
	}
	print_commitment(&c);
	return CLI_OK;
}

static int open_plot(const struct cli_command *cmd, const char *dir, struct hm_plot **p)
{
	int rc = hm_plot_open(dir, p);

	if (rc == HM_OK)
		return -1;
	if (rc == HM_ERR_NOT_FOUND)
		cli_error(cmd, "no complete plot in %s (plot.meta missing)", dir);
	else if (rc == HM_ERR_CORRUPT)
		cli_error(cmd, "plot in %s is damaged or its data files are missing", dir);
	else
		cli_error(cmd, "cannot open plot in %s: %s", dir, hm_strerror(rc));
	return CLI_FAILURE;
}

static int space_info(const struct cli_command *cmd, int argc, char **argv)
{
	struct hm_plot_commitment c;
	struct space_args a;
	struct hm_plot *p;
	int rc = parse(cmd, argc, argv, &a);

	if (rc >= 0)
		return rc;
	if ((rc = open_plot(cmd, a.dir, &p)) >= 0)
		return rc;
	hm_plot_commitment(p, &c);
	print_commitment(&c);
	hm_plot_close(p);
	return CLI_OK;
}

/* The options of prove and verify, and the challenge they name: --anchor and --digest. */
static int parse_challenge(const struct cli_command *cmd, int argc, char **argv,
                           struct space_args *a, uint8_t anchor[32], uint8_t digest[32])
{
	int rc = parse(cmd, argc, argv, a);

	if (rc >= 0)
		return rc;
	if ((rc = hex32(cmd, "anchor", a->anchor, anchor)) >= 0 ||
	    (rc = hex32(cmd, "digest", a->digest, digest)) >= 0)
		return rc;
	return -1;
}

static int space_prove(const struct cli_command *cmd, int argc, char **argv)
{
	uint8_t anchor[32], digest[32];
	struct space_args a;
	struct hm_plot *p;
	struct hm_buf proof;
	int rc = parse_challenge(cmd, argc, argv, &a, anchor, digest);

	if (rc >= 0)
		return rc;
	if ((rc = open_plot(cmd, a.dir, &p)) >= 0)
		return rc;
	hm_buf_init(&proof);
	rc = hm_plot_prove(p, anchor, digest, &proof);
	hm_plot_close(p);
	if (rc != HM_OK) {
		hm_buf_free(&proof);
		cli_error(cmd, "cannot prove from %s: %s", a.dir,
		          rc == HM_ERR_CORRUPT ? "plot data damaged (a label or tree node is wrong)"
		                               : hm_strerror(rc));
		return CLI_FAILURE;
	}
	for (size_t i = 0; i < proof.len; i++)
		printf("%02x", proof.data[i]);
	putchar('\n');
	hm_buf_free(&proof);
	return CLI_OK;
}

static int space_verify(const struct cli_command *cmd, int argc, char **argv)
{
	uint8_t anchor[32], digest[32];
	struct hm_plot_commitment c;
	enum hm_proof_reason why;
	struct space_args a;
	struct hm_buf text, proof;
	struct hm_plot *p;
	size_t n;
	int rc = parse_challenge(cmd, argc, argv, &a, anchor, digest);

	if (rc >= 0)
		return rc;
	if (a.proof == NULL)
		return cli_usage_error(cmd, "--proof FILE is required");
	hm_buf_init(&text);
	hm_buf_init(&proof);
	if ((rc = hm_file_read(a.proof, 4u << 20, &text)) != HM_OK) {
		cli_error(cmd, "cannot read %s: %s", a.proof, hm_strerror(rc));
		return CLI_FAILURE;
	}
	n = text.len;
	while (n > 0 && (text.data[n - 1] == '\n' || text.data[n - 1] == '\r'))
		n--;
	if (hm_buf_reserve(&proof, n / 2 + 1) != HM_OK ||
	    hm_hex_decode(proof.data, proof.cap, &proof.len, (const char *)text.data, n) != HM_OK) {
		hm_buf_free(&text);
		hm_buf_free(&proof);
		cli_error(cmd, "%s is not a hex SpaceProof", a.proof);
		return CLI_FAILURE;
	}
	hm_buf_free(&text);
	if ((rc = open_plot(cmd, a.dir, &p)) >= 0) {
		hm_buf_free(&proof);
		return rc;
	}
	hm_plot_commitment(p, &c);
	hm_plot_close(p);
	rc = hm_space_verify(&c, anchor, digest, proof.data, proof.len, &why);
	hm_buf_free(&proof);
	if (rc != HM_OK) {
		cli_error(cmd, "proof refused: %s (%s)", hm_proof_reason_str(why), hm_strerror(rc));
		return CLI_FAILURE;
	}
	printf("valid\n");
	return CLI_OK;
}

static int space_run(const struct cli_command *cmd, int argc, char **argv)
{
	static const struct cli_subcommand subs[] = {
		{ "plot", space_plot },
		{ "info", space_info },
		{ "prove", space_prove },
		{ "verify", space_verify },
	};

	return cli_dispatch(cmd, subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}

const struct cli_command cli_cmd_space = {
	.name = "space",
	.summary = "PoSpace plots: create, inspect, prove and verify",
	.usage = "usage: hypermesh space plot --size SIZE --dir DIR (--key FILE | --key-id HEX)\n"
	         "       hypermesh space info --dir DIR\n"
	         "       hypermesh space prove --dir DIR --anchor HEX --digest HEX\n"
	         "       hypermesh space verify --dir DIR --anchor HEX --digest HEX --proof FILE\n"
	         "\n"
	         "plot: writes a plot of SIZE bytes of labels (a power of two: 1MiB, 64MiB,\n"
	         "1GiB, ...) plus its Merkle tree (about as much again) into the existing\n"
	         "directory DIR, for the node key in FILE (a keystore) or the key id HEX, with\n"
	         "a progress bar on stderr, and prints the commitment to register on-chain.\n"
	         "info: prints the commitment of the plot in DIR.\n"
	         "prove: prints the hex SpaceProof answering the challenges of the anchor block\n"
	         "hash and the operation digest (both 64 hex digits).\n"
	         "verify: checks a hex SpaceProof in FILE against the commitment of DIR.\n"
	         "\n" CLI_COMMON_USAGE,
	.run = space_run,
};
