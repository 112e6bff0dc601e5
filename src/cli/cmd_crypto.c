/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE /* getopt_long */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_args.h"
#include "hypermesh/crypto_impl.h"
#include "hypermesh/error.h"
#include "hypermesh/kat.h"

static int selftest(const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option options[] = {
		{ "portable", no_argument, NULL, 'p' },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int opt, stop = 0, rc;

	while ((opt = getopt_long(argc, argv, ":p" CLI_COMMON_SHORT_OPTIONS, options, NULL)) !=
	       -1) {
		if (opt == 'p') {
			/* The portable kernels are always available. */
			(void)hm_crypto_impl_select(HM_CRYPTO_IMPL_PORTABLE);
			continue;
		}
		if ((rc = cli_other_option(cmd, opt, argv, &stop)) >= 0)
			return rc;
	}
	if (optind == argc)
		rc = hm_kat_run_builtin(stdout);
	else
		rc = hm_kat_run_files(argv + optind, argc - optind, stdout);
	fflush(stdout);
	if (rc == HM_OK)
		return CLI_OK;
	if (rc == HM_ERR_VERIFY)
		cli_error(cmd, "selftest failed: a known answer did not match");
	else if (rc == HM_ERR_UNSUPPORTED)
		cli_error(cmd, "selftest failed: a file's format is not recognised");
	else
		cli_error(cmd, "selftest failed: %s", hm_strerror(rc));
	return CLI_FAILURE;
}

static int crypto_run(const struct cli_command *cmd, int argc, char **argv)
{
	static const struct cli_subcommand subs[] = {
		{ "selftest", selftest },
		{ "bench", cli_crypto_bench },
	};

	return cli_dispatch(cmd, subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}

const struct cli_command cli_cmd_crypto = {
	.name = "crypto",
	.summary = "cryptographic self tests and benchmarks",
	.usage = "usage: hypermesh crypto selftest [--portable] [FILE...]\n"
	         "       hypermesh crypto bench [--json] [--runs N] [--only NAME] [--portable]\n"
	         "\n"
	         "selftest:\n"
	         "With no FILE, runs the built-in known-answer tests of every algorithm\n"
	         "this build has (like a FIPS power-on self test). With files, runs every\n"
	         "case each file holds, recognising the format from the content:\n"
	         "  - Ed25519: RFC 8032 JSON, Wycheproof EdDSA verify, ACVP EDDSA keyGen/\n"
	         "    sigGen/sigVer (Ed25519ph and Ed25519ctx cases count as skipped);\n"
	         "  - X25519: RFC 7748 JSON, Wycheproof XDH, ACVP XECDH SSC/keyGen.\n"
	         "  - SHA3-256/512, SHAKE-128/256: ACVP AFT, MCT, LDT, VOT;\n"
	         "  - ML-KEM: ACVP keyGen and encapDecap, Wycheproof ML-KEM-1024 files;\n"
	         "  - ML-DSA: ACVP keyGen and sigVer, the sigGen prompt + expectedResults\n"
	         "    pair (give both files in one call), Wycheproof ML-DSA-87 files;\n"
	         "  - Falcon-512/1024: NIST PQC KAT .rsp (sm verifies; signing reproduced\n"
	         "    byte for byte with the NIST DRBG).\n"
	         "HM_KAT_LARGE=1 also runs the slow cases (e.g. 10^6 X25519 iterations).\n"
	         "Prints 'N passed, M failed' per file; exits 2 if any case fails or a\n"
	         "file is unreadable or not recognised.\n"
	         "\n"
	         "bench: median cycles (rdtsc) and operations per second of key generation,\n"
	         "encapsulation/signing and decapsulation/verification for every algorithm\n"
	         "in this build; --json for machine-readable output, --runs N (default 201),\n"
	         "--only NAME for the algorithms whose name contains NAME. ML-KEM, the\n"
	         "hybrid KEM and ML-DSA are measured on each implementation this CPU has\n"
	         "(portable, avx2), beside the reference figures where there are some.\n"
	         "\n"
	         "The AVX2 kernels are used where the CPU has AVX2; --portable, or\n"
	         "HM_CRYPTO_NO_AVX2=1 in the environment, forces the portable ones (the\n"
	         "results are bit-identical; only the speed differs).\n"
	         "\n" CLI_COMMON_USAGE,
	.run = crypto_run,
};
