/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hypermesh ca`: the TrustChain certificate authority offline: create a
 * genesis (root + validator intermediates + log key + admin API key), make
 * CSRs, issue from a CSR with an intermediate, and verify hybrid chains.
 */
#define _GNU_SOURCE /* getopt_long */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <gnutls/gnutls.h>

#include "cli.h"
#include "hypermesh/buf.h"
#include "hypermesh/error.h"
#include "hypermesh/file.h"
#include "hypermesh/trustchain.h"
#include "hypermesh/trustchain_state.h"

#define MAX_DNS 16

static int parse_u64_arg(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (s == NULL || *s == '\0' || *s == '-')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*v = x;
	return 0;
}

static int parse_pq(const char *s, enum hm_sig_alg *alg)
{
	if (strcmp(s, "ml-dsa-87") == 0)
		*alg = HM_SIG_MLDSA87;
	else if (strcmp(s, "falcon-1024") == 0)
		*alg = HM_SIG_FALCON1024;
	else if (strcmp(s, "none") == 0)
		*alg = 0;
	else
		return -1;
	return 0;
}

/* Shared getopt handling: returns -1 to go on, or an exit code. */
static int common(const struct cli_command *cmd, int opt, char **argv, int *stop)
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

static int write_pem_file(const char *path, const char *label, const struct hm_buf *der)
{
	gnutls_datum_t in = { der->data, (unsigned)der->len }, out = { NULL, 0 };
	int rc;

	if (gnutls_pem_base64_encode2(label, &in, &out) < 0)
		return HM_ERR_NOMEM;
	rc = hm_file_write_atomic(path, out.data, out.size, 0644, HM_FILE_OVERWRITE);
	gnutls_free(out.data);
	return rc;
}

static int read_der(const char *path, const char *label, struct hm_buf *der)
{
	struct hm_buf raw;
	int rc;

	hm_buf_init(&raw);
	rc = hm_file_read(path, 1 << 20, &raw);
	if (rc == HM_OK)
		rc = raw.len == 0 ? HM_ERR_ENCODING
		                  : hm_tc_pem_to_der(raw.data, raw.len, label, der);
	hm_buf_free(&raw);
	return rc;
}

static int ca_init(const struct cli_command *cmd, int argc, char **argv)
{
	enum { OPT_DIR = 0x200, OPT_VALIDATORS, OPT_PQ, OPT_NOT_BEFORE, OPT_CRL };
	static const struct option options[] = {
		CLI_COMMON_LONG_OPTIONS,
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "validators", required_argument, NULL, OPT_VALIDATORS },
		{ "pq", required_argument, NULL, OPT_PQ },
		{ "not-before", required_argument, NULL, OPT_NOT_BEFORE },
		{ "crl-base", required_argument, NULL, OPT_CRL },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *crl = NULL;
	uint64_t n = 0, nb = (uint64_t)time(NULL);
	enum hm_sig_alg pq = HM_SIG_MLDSA87;
	int opt, stop = 0, rc;

	while ((opt = getopt_long(argc, argv, ":" CLI_COMMON_SHORT_OPTIONS, options, NULL)) != -1) {
		switch (opt) {
		case OPT_DIR:
			dir = optarg;
			break;
		case OPT_VALIDATORS:
			if (parse_u64_arg(optarg, &n) != 0 || n == 0 || n > 1024)
				return cli_usage_error(cmd, "--validators must be 1..1024");
			break;
		case OPT_PQ:
			if (parse_pq(optarg, &pq) != 0 || pq == 0)
				return cli_usage_error(cmd,
				                       "--pq must be ml-dsa-87 or falcon-1024");
			break;
		case OPT_NOT_BEFORE:
			if (parse_u64_arg(optarg, &nb) != 0)
				return cli_usage_error(cmd, "--not-before must be Unix seconds");
			break;
		case OPT_CRL:
			crl = optarg;
			break;
		default:
			if ((rc = common(cmd, opt, argv, &stop)) >= 0)
				return rc;
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (dir == NULL || n == 0)
		return cli_usage_error(cmd, "init needs --dir and --validators");
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		cli_error(cmd, "%s: %s", dir, strerror(errno));
		return CLI_FAILURE;
	}
	rc = hm_tc_genesis_create(dir, (unsigned)n, pq, nb, crl);
	if (rc != HM_OK) {
		cli_error(cmd, "init %s: %s", dir, hm_strerror(rc));
		return CLI_FAILURE;
	}
	printf("genesis written to %s: root, %u validator intermediates, log key, admin API key\n",
	       dir, (unsigned)n);
	return CLI_OK;
}

static int ca_csr(const struct cli_command *cmd, int argc, char **argv)
{
	enum { OPT_KEY = 0x200, OPT_OUT, OPT_CN, OPT_DNS, OPT_PQ };
	static const struct option options[] = {
		CLI_COMMON_LONG_OPTIONS,
		{ "key", required_argument, NULL, OPT_KEY },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "cn", required_argument, NULL, OPT_CN },
		{ "dns", required_argument, NULL, OPT_DNS },
		{ "pq", required_argument, NULL, OPT_PQ },
		{ NULL, 0, NULL, 0 },
	};
	const char *key = NULL, *out = NULL, *cn = NULL, *dns[MAX_DNS];
	size_t ndns = 0;
	enum hm_sig_alg pq = 0;
	char ed_path[4096], pq_path[4096];
	struct hm_tc_key *k = NULL;
	struct hm_buf csr;
	int opt, stop = 0, rc;

	while ((opt = getopt_long(argc, argv, ":" CLI_COMMON_SHORT_OPTIONS, options, NULL)) != -1) {
		switch (opt) {
		case OPT_KEY:
			key = optarg;
			break;
		case OPT_OUT:
			out = optarg;
			break;
		case OPT_CN:
			cn = optarg;
			break;
		case OPT_DNS:
			if (ndns == MAX_DNS)
				return cli_usage_error(cmd, "at most %d --dns names", MAX_DNS);
			dns[ndns++] = optarg;
			break;
		case OPT_PQ:
			if (parse_pq(optarg, &pq) != 0)
				return cli_usage_error(
				        cmd, "--pq must be ml-dsa-87, falcon-1024 or none");
			break;
		default:
			if ((rc = common(cmd, opt, argv, &stop)) >= 0)
				return rc;
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (key == NULL || out == NULL || cn == NULL)
		return cli_usage_error(cmd, "csr needs --key PREFIX, --out FILE and --cn NAME");
	if (snprintf(ed_path, sizeof(ed_path), "%s.key", key) >= (int)sizeof(ed_path) ||
	    snprintf(pq_path, sizeof(pq_path), "%s.pq.key", key) >= (int)sizeof(pq_path))
		return cli_usage_error(cmd, "--key path too long");
	hm_buf_init(&csr);
	if ((rc = hm_tc_key_generate(pq, &k)) == HM_OK &&
	    (rc = hm_tc_csr_create(k, cn, dns, ndns, pq != 0, &csr)) == HM_OK &&
	    (rc = hm_tc_key_save(k, ed_path, pq != 0 ? pq_path : NULL)) == HM_OK)
		rc = write_pem_file(out, "CERTIFICATE REQUEST", &csr);
	hm_tc_key_free(k);
	hm_buf_free(&csr);
	if (rc != HM_OK) {
		cli_error(cmd, "csr: %s", hm_strerror(rc));
		return CLI_FAILURE;
	}
	return CLI_OK;
}

static int ca_issue(const struct cli_command *cmd, int argc, char **argv)
{
	enum { OPT_DIR = 0x200, OPT_CA, OPT_CSR, OPT_PROFILE, OPT_NOT_BEFORE, OPT_OUT };
	static const struct option options[] = {
		CLI_COMMON_LONG_OPTIONS,
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "ca", required_argument, NULL, OPT_CA },
		{ "csr", required_argument, NULL, OPT_CSR },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "not-before", required_argument, NULL, OPT_NOT_BEFORE },
		{ "out", required_argument, NULL, OPT_OUT },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *csr_path = NULL, *out = NULL;
	uint64_t index = 0, nb = (uint64_t)time(NULL);
	enum hm_tc_profile profile = HM_TC_PROFILE_NODE;
	struct hm_tc_ca *ca = NULL;
	struct hm_buf csr, cert;
	int opt, stop = 0, rc;

	while ((opt = getopt_long(argc, argv, ":" CLI_COMMON_SHORT_OPTIONS, options, NULL)) != -1) {
		switch (opt) {
		case OPT_DIR:
			dir = optarg;
			break;
		case OPT_CA:
			if (parse_u64_arg(optarg, &index) != 0 || index > 1023)
				return cli_usage_error(cmd, "--ca must be a validator index");
			break;
		case OPT_CSR:
			csr_path = optarg;
			break;
		case OPT_PROFILE:
			if (hm_tc_profile_from_name(optarg, &profile) != HM_OK)
				return cli_usage_error(cmd, "--profile must be node, tls-server, "
				                            "tls-client or tx-signing");
			break;
		case OPT_NOT_BEFORE:
			if (parse_u64_arg(optarg, &nb) != 0)
				return cli_usage_error(cmd, "--not-before must be Unix seconds");
			break;
		case OPT_OUT:
			out = optarg;
			break;
		default:
			if ((rc = common(cmd, opt, argv, &stop)) >= 0)
				return rc;
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (dir == NULL || csr_path == NULL || out == NULL)
		return cli_usage_error(cmd, "issue needs --dir, --csr and --out");
	hm_buf_init(&csr);
	hm_buf_init(&cert);
	if ((rc = read_der(csr_path, "CERTIFICATE REQUEST", &csr)) != HM_OK) {
		cli_error(cmd, "%s: %s", csr_path, hm_strerror(rc));
		goto out;
	}
	if ((rc = hm_tc_genesis_load_ca(dir, (unsigned)index, &ca)) != HM_OK) {
		cli_error(cmd, "%s: intermediate %u: %s", dir, (unsigned)index, hm_strerror(rc));
		goto out;
	}
	if ((rc = hm_tc_issue(ca, csr.data, csr.len, profile, nb, &cert)) != HM_OK) {
		cli_error(cmd, "issue: %s",
		          rc == HM_ERR_INVALID ? "CSR refused by the profile's policy"
		                               : hm_strerror(rc));
		goto out;
	}
	if ((rc = write_pem_file(out, "CERTIFICATE", &cert)) != HM_OK)
		cli_error(cmd, "%s: %s", out, hm_strerror(rc));
out:
	hm_tc_ca_free(ca);
	hm_buf_free(&csr);
	hm_buf_free(&cert);
	return rc == HM_OK ? CLI_OK : CLI_FAILURE;
}

static int ca_verify(const struct cli_command *cmd, int argc, char **argv)
{
	enum { OPT_ROOT = 0x200, OPT_AT };
	static const struct option options[] = {
		CLI_COMMON_LONG_OPTIONS,
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "at", required_argument, NULL, OPT_AT },
		{ NULL, 0, NULL, 0 },
	};
	const char *root_path = NULL;
	uint64_t at = (uint64_t)time(NULL);
	struct hm_buf root, certs[HM_TC_CHAIN_MAX];
	const uint8_t *chain[HM_TC_CHAIN_MAX];
	size_t lens[HM_TC_CHAIN_MAX], n = 0;
	struct hm_tc_verify_result res;
	int opt, stop = 0, rc;

	while ((opt = getopt_long(argc, argv, ":" CLI_COMMON_SHORT_OPTIONS, options, NULL)) != -1) {
		switch (opt) {
		case OPT_ROOT:
			root_path = optarg;
			break;
		case OPT_AT:
			if (parse_u64_arg(optarg, &at) != 0)
				return cli_usage_error(cmd, "--at must be Unix seconds");
			break;
		default:
			if ((rc = common(cmd, opt, argv, &stop)) >= 0)
				return rc;
		}
	}
	if (root_path == NULL || optind == argc)
		return cli_usage_error(cmd, "verify needs --root ROOT and CERT [CHAIN...]");
	if (argc - optind > HM_TC_CHAIN_MAX)
		return cli_usage_error(cmd, "at most %d certificates", HM_TC_CHAIN_MAX);
	hm_buf_init(&root);
	if ((rc = read_der(root_path, "CERTIFICATE", &root)) != HM_OK) {
		cli_error(cmd, "%s: %s", root_path, hm_strerror(rc));
		hm_buf_free(&root);
		return CLI_FAILURE;
	}
	for (int i = optind; i < argc; i++, n++) {
		hm_buf_init(&certs[n]);
		if ((rc = read_der(argv[i], "CERTIFICATE", &certs[n])) != HM_OK) {
			cli_error(cmd, "%s: %s", argv[i], hm_strerror(rc));
			n++;
			goto out;
		}
		chain[n] = certs[n].data;
		lens[n] = certs[n].len;
	}
	rc = hm_tc_chain_verify(chain, lens, n, root.data, root.len, at, &res);
	if (rc == HM_OK)
		printf("%s: valid (classical Ed25519 and post-quantum alternative signatures)\n",
		       argv[optind]);
	else if (rc == HM_ERR_VERIFY)
		cli_error(cmd, "%s: invalid: %s (certificate %d)", argv[optind],
		          hm_tc_verify_reason_str(res.reason), res.depth);
	else
		cli_error(cmd, "verify: %s", hm_strerror(rc));
out:
	for (size_t i = 0; i < n; i++)
		hm_buf_free(&certs[i]);
	hm_buf_free(&root);
	return rc == HM_OK ? CLI_OK : CLI_FAILURE;
}

static int ca_run(const struct cli_command *cmd, int argc, char **argv)
{
	static const struct cli_subcommand subs[] = {
		{ "init", ca_init },
		{ "csr", ca_csr },
		{ "issue", ca_issue },
		{ "verify", ca_verify },
	};

	return cli_dispatch(cmd, subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}

const struct cli_command cli_cmd_ca = {
	.name = "ca",
	.summary = "TrustChain certificate authority (hybrid Ed25519 + PQ X.509)",
	.usage = "usage: hypermesh ca init --dir DIR --validators N [--pq ml-dsa-87|falcon-1024]\n"
	         "                        [--not-before UNIX] [--crl-base URL]\n"
	         "       hypermesh ca csr --key PREFIX --out CSR --cn NAME [--dns NAME]...\n"
	         "                        [--pq ml-dsa-87|falcon-1024|none]\n"
	         "       hypermesh ca issue --dir DIR [--ca INDEX] --csr CSR --out CERT\n"
	         "                        [--profile node|tls-server|tls-client|tx-signing]\n"
	         "                        [--not-before UNIX]\n"
	         "       hypermesh ca verify --root ROOT [--at UNIX] CERT [CHAIN...]\n"
	         "\n"
	         "init: writes a TrustChain genesis to DIR: root CA, one intermediate CA per\n"
	         "validator (Ed25519 + PQ keys), CT log key, admin API key, genesis.json.\n"
	         "Private keys are mode 0600; existing files are never overwritten.\n"
	         "csr: makes a key (PREFIX.key, PREFIX.pq.key) and a PEM CSR for it.\n"
	         "issue: issues a certificate from CSR with validator intermediate INDEX\n"
	         "(default 0), deterministically: same CSR, profile and notBefore, same serial.\n"
	         "verify: checks the chain CERT, CHAIN... up to ROOT at time UNIX (default now):\n"
	         "Ed25519 signatures and every post-quantum alternative signature.\n"
	         "Exit 0 only when valid; 2 with the reason otherwise.\n"
	         "\n" CLI_COMMON_USAGE,
	.run = ca_run,
};
