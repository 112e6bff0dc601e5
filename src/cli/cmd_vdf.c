/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hypermesh vdf eval|verify`: the Wesolowski class-group VDF (vdf.h,
 * docs/VDF.md) from the command line.
 *
 *   eval   --input HEX --iterations T --out FILE [--progress]
 *   verify --input HEX --iterations T --proof FILE
 *
 * verify exits 0 only for a valid proof, 2 for a wrong or malformed one (with
 * the reason), 1 for usage errors (bad hex, T out of range, missing file).
 */
#define _GNU_SOURCE /* getopt_long */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_args.h"
#include "hypermesh/buf.h"
#include "hypermesh/clock.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/file.h"
#include "hypermesh/vdf.h"

enum {
	OPT_INPUT = 0x200,
	OPT_ITERATIONS,
	OPT_OUT,
	OPT_PROOF,
	OPT_PROGRESS,
};

struct vdf_args {
	uint8_t input[HM_VDF_INPUT_MAX];
	size_t input_len;
	int have_input;
	uint64_t iterations;
	const char *out;
	const char *proof;
	int progress;
};

static int parse_input(const struct cli_command *cmd, struct vdf_args *a, const char *hex)
{
	size_t len = strlen(hex);

	if (len > HM_HEX_LEN(HM_VDF_INPUT_MAX))
		return cli_usage_error(cmd, "--input is longer than %d bytes", HM_VDF_INPUT_MAX);
	if (hm_hex_decode(a->input, sizeof(a->input), &a->input_len, hex, len) != HM_OK)
		return cli_usage_error(cmd, "--input '%s' is not hex", hex);
	a->have_input = 1;
	return CLI_OK;
}

static int parse_iterations(const struct cli_command *cmd, struct vdf_args *a, const char *s)
{
	return cli_option_number(cmd, "--iterations", s, 1, HM_VDF_ITERATIONS_MAX, &a->iterations);
}

/* Parses the options of eval or verify; returns CLI_OK to go on, or an exit code (*stop set). */
static int parse_args(const struct cli_command *cmd, int argc, char **argv, struct vdf_args *a,
                      int *stop)
{
	static const struct option options[] = {
		CLI_COMMON_LONG_OPTIONS,
		{ "input", required_argument, NULL, OPT_INPUT },
		{ "iterations", required_argument, NULL, OPT_ITERATIONS },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "proof", required_argument, NULL, OPT_PROOF },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ NULL, 0, NULL, 0 },
	};
	int opt, rc;

	*stop = 0;
	while ((opt = getopt_long(argc, argv, ":" CLI_COMMON_SHORT_OPTIONS, options, NULL)) != -1) {
		switch (opt) {
		case OPT_INPUT:
			rc = parse_input(cmd, a, optarg);
			break;
		case OPT_ITERATIONS:
			rc = parse_iterations(cmd, a, optarg);
			break;
		case OPT_OUT:
			a->out = optarg;
			rc = CLI_OK;
			break;
		case OPT_PROOF:
			a->proof = optarg;
			rc = CLI_OK;
			break;
		case OPT_PROGRESS:
			a->progress = 1;
			rc = CLI_OK;
			break;
		default:
			if ((rc = cli_other_option(cmd, opt, argv, stop)) >= 0) {
				*stop = 1;
				return rc;
			}
			rc = CLI_OK;
			break;
		}
		if (rc != CLI_OK) {
			*stop = 1;
			return rc;
		}
	}
	if (optind < argc) {
		*stop = 1;
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	}
	if (!a->have_input || a->iterations == 0) {
		*stop = 1;
		return cli_usage_error(cmd, "%s needs --input HEX and --iterations T", argv[0]);
	}
	return CLI_OK;
}

static void print_output(const uint8_t *proof, size_t len)
{
	uint8_t digest[32];
	char hex[HM_HEX_LEN(32) + 1];

	if (hm_vdf_output(proof, len, digest) == HM_OK &&
	    hm_hex_encode(hex, sizeof(hex), digest, sizeof(digest)) == HM_OK)
		printf("output: %s\n", hex);
}

static void show_progress(void *arg, uint64_t done, uint64_t total)
{
	(void)arg;
	fprintf(stderr, "\rvdf: %" PRIu64 "/%" PRIu64 " iterations (%" PRIu64 "%%)", done, total,
	        done * 100 / total);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

static int vdf_eval(const struct cli_command *cmd, int argc, char **argv)
{
	struct vdf_args a = { 0 };
	struct hm_buf proof;
	uint64_t start, ns;
	int stop, rc = parse_args(cmd, argc, argv, &a, &stop);

	if (stop)
		return rc;
	if (a.proof != NULL)
		return cli_usage_error(cmd, "eval writes a proof: use --out FILE, not --proof");
	if (a.out == NULL)
		return cli_usage_error(cmd, "eval needs --out FILE");
	hm_buf_init(&proof);
	start = hm_clock_mono_ns();
	rc = hm_vdf_eval(a.input, a.input_len, a.iterations, &proof,
	                 a.progress || isatty(STDERR_FILENO) ? show_progress : NULL, NULL);
	ns = hm_clock_mono_ns() - start;
	if (rc != HM_OK) {
		cli_error(cmd, "evaluation failed: %s", hm_strerror(rc));
		hm_buf_free(&proof);
		return CLI_FAILURE;
	}
	rc = hm_file_write_atomic(a.out, proof.data, proof.len, 0644, HM_FILE_OVERWRITE);
	if (rc != HM_OK) {
		cli_error(cmd, "cannot write proof %s: %s", a.out, hm_strerror(rc));
		hm_buf_free(&proof);
		return CLI_FAILURE;
	}
	print_output(proof.data, proof.len);
	printf("iterations: %" PRIu64 " in %.3f s (%.0f per second, proof included)\n",
	       a.iterations, (double)ns / 1e9, (double)a.iterations / ((double)ns / 1e9));
	hm_buf_free(&proof);
	return CLI_OK;
}

static const char *why_invalid(int rc)
{
	switch (rc) {
	case HM_ERR_VERIFY:
		return "the proof does not verify for this input and iteration count";
	case HM_ERR_TRUNCATED:
		return "the proof is too short (malformed)";
	case HM_ERR_TRAILING:
		return "the proof is too long (malformed)";
	case HM_ERR_INVALID:
		return "a form in the proof is malformed (not reduced, a = 0, non-canonical, or "
		       "not of this input's discriminant, as in a proof for another input)";
	default:
		return hm_strerror(rc);
	}
}

static int vdf_verify(const struct cli_command *cmd, int argc, char **argv)
{
	struct vdf_args a = { 0 };
	struct hm_buf proof;
	int stop, rc = parse_args(cmd, argc, argv, &a, &stop);

	if (stop)
		return rc;
	if (a.out != NULL || a.progress)
		return cli_usage_error(cmd, "verify takes --proof FILE (no --out or --progress)");
	if (a.proof == NULL)
		return cli_usage_error(cmd, "verify needs --proof FILE");
	hm_buf_init(&proof);
	/* One byte more than any proof, so an overlong file is reported as such. */
	rc = hm_file_read(a.proof, HM_VDF_PROOF_MAX + 1, &proof);
	if (rc == HM_ERR_NOT_FOUND) {
		hm_buf_free(&proof);
		return cli_usage_error(cmd, "no proof file %s", a.proof);
	}
	if (rc == HM_ERR_TOO_LARGE) {
		hm_buf_free(&proof);
		cli_error(cmd, "invalid proof %s: %s", a.proof, why_invalid(HM_ERR_TRAILING));
		return CLI_FAILURE;
	}
	if (rc != HM_OK) {
		hm_buf_free(&proof);
		cli_error(cmd, "cannot read proof %s: %s", a.proof, hm_strerror(rc));
		return CLI_FAILURE;
	}
	rc = hm_vdf_verify(a.input, a.input_len, a.iterations, proof.data, proof.len);
	if (rc != HM_OK) {
		cli_error(cmd, "invalid proof %s: %s", a.proof, why_invalid(rc));
		hm_buf_free(&proof);
		return CLI_FAILURE;
	}
	printf("valid: %" PRIu64 " iterations\n", a.iterations);
	print_output(proof.data, proof.len);
	hm_buf_free(&proof);
	return CLI_OK;
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	static const struct cli_subcommand subs[] = {
		{ "eval", vdf_eval },
		{ "verify", vdf_verify },
	};

	return cli_dispatch(cmd, subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}

const struct cli_command cli_cmd_vdf = {
	.name = "vdf",
	.summary = "evaluate and verify the class-group VDF (PoTime)",
	.usage = "usage: hypermesh vdf eval --input HEX --iterations T --out FILE [--progress]\n"
	         "       hypermesh vdf verify --input HEX --iterations T --proof FILE\n"
	         "\n"
	         "eval computes T sequential squarings in the class group derived from the\n"
	         "input (a 1024-bit discriminant) and writes the Wesolowski proof to FILE\n"
	         "(258 bytes; replaced atomically if it exists). Progress goes to stderr when\n"
	         "it is a terminal, or with --progress. verify exits 0 only for a valid proof,\n"
	         "2 for a wrong or malformed one. Both print the 32-byte output digest.\n"
	         "T is between 1 and 2^40.\n"
	         "\n" CLI_COMMON_USAGE,
	.run = run,
};
