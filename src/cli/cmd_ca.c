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
#include "cli_args.h"
#include "cli_offline.h"
#include "hypermesh/buf.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/file.h"
#include "hypermesh/trustchain.h"
#include "hypermesh/trustchain_state.h"

#define MAX_DNS 16

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

/* Opens the TrustChain state of DIR for an operator command, naming what went wrong. */
static int open_state(const struct cli_command *cmd, const char *dir, const char *genesis,
                      int create, struct hm_tc_offline **o)
{
	return cli_offline_open(cmd, dir, genesis, create, "use its API", o);
}

/* `ca issue --record`: the issuance goes into DIR's state as an ISSUE operation. */
static int record_issue(const struct cli_command *cmd, const char *dir, const char *genesis,
                        const struct hm_buf *csr, const struct hm_buf *cert,
                        enum hm_tc_profile profile, uint64_t nb)
{
	struct hm_tc_offline *o = NULL;
	struct hm_tc_issue_op op;
	struct hm_buf payload, result;
	int rc;

	if ((rc = open_state(cmd, dir, genesis, 1, &o)) != HM_OK)
		return rc;
	hm_buf_init(&payload);
	hm_buf_init(&result);
	memset(&op, 0, sizeof(op));
	memcpy(op.actor, hm_tc_offline_admin(o), HM_TC_KEY_ID_LEN);
	op.profile = profile;
	op.not_before = nb;
	op.csr = csr->data;
	op.csr_len = csr->len;
	op.cert = cert->data;
	op.cert_len = cert->len;
	if ((rc = hm_tc_issue_op_encode(&op, &payload)) == HM_OK)
		rc = hm_tc_offline_apply(o, HM_OP_TC_ISSUE, payload.data, payload.len,
		                         cli_offline_now_ms(), &result);
	if (rc == HM_ERR_EXISTS)
		cli_error(cmd, "record: this request (same CSR, profile, notBefore) is already in "
		               "the state");
	else if (rc == HM_ERR_INVALID)
		cli_error(cmd, "record: refused by the TrustChain module (notBefore must lie "
		               "within 24 h before and 10 min after now)");
	else if (rc != HM_OK)
		cli_error(cmd, "record: %s", hm_strerror(rc));
	hm_tc_offline_close(o);
	hm_buf_free(&payload);
	hm_buf_free(&result);
	return rc;
}

static int check_crl(const struct cli_command *cmd, const char *crl_path, const char *leaf_name,
                     const uint8_t *issuer, size_t issuer_len, const uint8_t *leaf, size_t leaf_len,
                     uint64_t at)
{
	struct hm_buf crl;
	int revoked = 0, rc;
	uint8_t reason = 0;

	hm_buf_init(&crl);
	if ((rc = read_der(crl_path, "X509 CRL", &crl)) != HM_OK) {
		cli_error(cmd, "%s: %s", crl_path, hm_strerror(rc));
		goto out;
	}
	rc = hm_tc_crl_check(crl.data, crl.len, issuer, issuer_len, leaf, leaf_len, at, &revoked,
	                     &reason);
	if (rc == HM_ERR_VERIFY)
		cli_error(cmd, "%s: not a CRL signed by the issuer of %s", crl_path, leaf_name);
	else if (rc == HM_ERR_RANGE)
		cli_error(cmd, "%s: the CRL is not current at the verification time", crl_path);
	else if (rc != HM_OK)
		cli_error(cmd, "%s: %s", crl_path, hm_strerror(rc));
	else if (revoked) {
		const char *name = hm_tc_crl_reason_name(reason);
		cli_error(cmd, "%s: invalid: revoked (%s)", leaf_name, name ? name : "?");
		rc = HM_ERR_VERIFY;
	}
out:
	hm_buf_free(&crl);
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
			if (cli_number(optarg, 1, 1024, &n) != 0)
				return cli_usage_error(cmd, "--validators must be 1..1024");
			break;
		case OPT_PQ:
			if (parse_pq(optarg, &pq) != 0 || pq == 0)
				return cli_usage_error(cmd,
				                       "--pq must be ml-dsa-87 or falcon-1024");
			break;
		case OPT_NOT_BEFORE:
			if (cli_number(optarg, 0, UINT64_MAX, &nb) != 0)
				return cli_usage_error(cmd, "--not-before must be Unix seconds");
			break;
		case OPT_CRL:
			crl = optarg;
			break;
		default:
			if ((rc = cli_other_option(cmd, opt, argv, &stop)) >= 0)
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
	enum { OPT_KEY = 0x200, OPT_OUT, OPT_CN, OPT_DNS, OPT_PQ, OPT_PQ_KEY };
	static const struct option options[] = {
		CLI_COMMON_LONG_OPTIONS,
		{ "key", required_argument, NULL, OPT_KEY },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "cn", required_argument, NULL, OPT_CN },
		{ "dns", required_argument, NULL, OPT_DNS },
		{ "pq", required_argument, NULL, OPT_PQ },
		{ "pq-key", required_argument, NULL, OPT_PQ_KEY },
		{ NULL, 0, NULL, 0 },
	};
	const char *key = NULL, *out = NULL, *cn = NULL, *dns[MAX_DNS], *pq_key = NULL;
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
		case OPT_PQ_KEY:
			pq_key = optarg;
			break;
		default:
			if ((rc = cli_other_option(cmd, opt, argv, &stop)) >= 0)
				return rc;
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (key == NULL || out == NULL || cn == NULL)
		return cli_usage_error(cmd, "csr needs --key PREFIX, --out FILE and --cn NAME");
	if (pq_key != NULL && pq != 0)
		return cli_usage_error(cmd,
		                       "give --pq ALG (a new PQ key) or --pq-key FILE, not both");
	if (snprintf(ed_path, sizeof(ed_path), "%s.key", key) >= (int)sizeof(ed_path) ||
	    snprintf(pq_path, sizeof(pq_path), "%s.pq.key", key) >= (int)sizeof(pq_path))
		return cli_usage_error(cmd, "--key path too long");
	hm_buf_init(&csr);
	if ((rc = hm_tc_key_generate(pq, &k)) != HM_OK) {
		cli_error(cmd, "csr: %s", hm_strerror(rc));
		goto out;
	}
	if (pq_key != NULL && (rc = hm_tc_key_load_pq(k, pq_key)) != HM_OK) {
		cli_error(cmd,
		          "%s: not a TrustChain PQ key (ML-DSA-87 or Falcon-1024 *.pq.key): %s",
		          pq_key, hm_strerror(rc));
		goto out;
	}
	/* the CSR first: nothing is written unless everything worked */
	if ((rc = hm_tc_csr_create(k, cn, dns, ndns, pq != 0 || pq_key != NULL, &csr)) != HM_OK ||
	    (rc = hm_tc_key_save(k, ed_path, pq != 0 ? pq_path : NULL)) != HM_OK ||
	    (rc = write_pem_file(out, "CERTIFICATE REQUEST", &csr)) != HM_OK)
		cli_error(cmd, "csr: %s", hm_strerror(rc));
out:
	hm_tc_key_free(k);
	hm_buf_free(&csr);
	return rc == HM_OK ? CLI_OK : CLI_FAILURE;
}

static int ca_issue(const struct cli_command *cmd, int argc, char **argv)
{
	enum {
		OPT_DIR = 0x200,
		OPT_CA,
		OPT_CSR,
		OPT_PROFILE,
		OPT_NOT_BEFORE,
		OPT_OUT,
		OPT_RECORD,
		OPT_GENESIS
	};
	static const struct option options[] = {
		CLI_COMMON_LONG_OPTIONS,
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "ca", required_argument, NULL, OPT_CA },
		{ "csr", required_argument, NULL, OPT_CSR },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "not-before", required_argument, NULL, OPT_NOT_BEFORE },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "record", no_argument, NULL, OPT_RECORD },
		{ "genesis", required_argument, NULL, OPT_GENESIS },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *csr_path = NULL, *out = NULL, *genesis = NULL;
	int record = 0;
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
			if (cli_number(optarg, 0, 1023, &index) != 0)
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
			if (cli_number(optarg, 0, UINT64_MAX, &nb) != 0)
				return cli_usage_error(cmd, "--not-before must be Unix seconds");
			break;
		case OPT_OUT:
			out = optarg;
			break;
		case OPT_RECORD:
			record = 1;
			break;
		case OPT_GENESIS:
			genesis = optarg;
			break;
		default:
			if ((rc = cli_other_option(cmd, opt, argv, &stop)) >= 0)
				return rc;
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (dir == NULL || csr_path == NULL || out == NULL)
		return cli_usage_error(cmd, "issue needs --dir, --csr and --out");
	if (genesis != NULL && !record)
		return cli_usage_error(cmd, "--genesis only applies with --record");
	if (genesis == NULL)
		genesis = dir;
	hm_buf_init(&csr);
	hm_buf_init(&cert);
	if ((rc = read_der(csr_path, "CERTIFICATE REQUEST", &csr)) != HM_OK) {
		cli_error(cmd, "%s: %s", csr_path, hm_strerror(rc));
		goto out;
	}
	if ((rc = hm_tc_genesis_load_ca(genesis, (unsigned)index, &ca)) != HM_OK) {
		cli_error(cmd, "%s: intermediate %u: %s", genesis, (unsigned)index,
		          hm_strerror(rc));
		goto out;
	}
	if ((rc = hm_tc_issue(ca, csr.data, csr.len, profile, nb, &cert)) != HM_OK) {
		cli_error(cmd, "issue: %s",
		          rc == HM_ERR_INVALID  ? "CSR refused by the profile's policy"
		          : rc == HM_ERR_VERIFY ? "a CSR signature (classical or post-quantum "
		                                  "proof of possession) does not verify"
		                                : hm_strerror(rc));
		goto out;
	}
	if (record && (rc = record_issue(cmd, dir, genesis, &csr, &cert, profile, nb)) != HM_OK)
		goto out;
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
	enum { OPT_ROOT = 0x200, OPT_AT, OPT_CRL };
	static const struct option options[] = {
		CLI_COMMON_LONG_OPTIONS,
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "at", required_argument, NULL, OPT_AT },
		{ "crl", required_argument, NULL, OPT_CRL },
		{ NULL, 0, NULL, 0 },
	};
	const char *root_path = NULL, *crl_path = NULL;
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
			if (cli_number(optarg, 0, UINT64_MAX, &at) != 0)
				return cli_usage_error(cmd, "--at must be Unix seconds");
			break;
		case OPT_CRL:
			crl_path = optarg;
			break;
		default:
			if ((rc = cli_other_option(cmd, opt, argv, &stop)) >= 0)
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
	if (rc == HM_OK && crl_path != NULL) {
		/* the leaf's issuer signs its CRL: the next certificate, or the root */
		rc = check_crl(cmd, crl_path, argv[optind], n > 1 ? chain[1] : root.data,
		               n > 1 ? lens[1] : root.len, chain[0], lens[0], at);
		if (rc != HM_OK)
			goto out;
	}
	if (rc == HM_OK)
		printf("%s: valid (classical Ed25519 and post-quantum alternative signatures%s)\n",
		       argv[optind], crl_path != NULL ? "; not revoked" : "");
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

static int ca_chain(const struct cli_command *cmd, int argc, char **argv)
{
	enum { OPT_DIR = 0x200, OPT_ROOT, OPT_INTER };
	static const struct option options[] = {
		CLI_COMMON_LONG_OPTIONS,
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "intermediates", required_argument, NULL, OPT_INTER },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *root = NULL, *inter = NULL;
	struct hm_tc_genesis g;
	gnutls_datum_t pem = { NULL, 0 };
	struct hm_buf all, root_pem;
	int opt, stop = 0, rc;

	while ((opt = getopt_long(argc, argv, ":" CLI_COMMON_SHORT_OPTIONS, options, NULL)) != -1) {
		switch (opt) {
		case OPT_DIR:
			dir = optarg;
			break;
		case OPT_ROOT:
			root = optarg;
			break;
		case OPT_INTER:
			inter = optarg;
			break;
		default:
			if ((rc = cli_other_option(cmd, opt, argv, &stop)) >= 0)
				return rc;
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (dir == NULL || root == NULL || inter == NULL)
		return cli_usage_error(cmd, "chain needs --dir, --root and --intermediates");
	if ((rc = hm_tc_genesis_load(dir, &g)) != HM_OK) {
		cli_error(cmd, "%s: genesis: %s", dir, hm_strerror(rc));
		return CLI_FAILURE;
	}
	hm_buf_init(&all);
	hm_buf_init(&root_pem);
	/* both files are encoded before either is written */
	for (size_t i = 0; i <= g.n_intermediates && rc == HM_OK; i++) {
		const struct hm_buf *der = i == 0 ? &g.root : &g.intermediates[i - 1];
		gnutls_datum_t in = { der->data, (unsigned)der->len };

		if (gnutls_pem_base64_encode2("CERTIFICATE", &in, &pem) < 0) {
			rc = HM_ERR_NOMEM;
			break;
		}
		rc = hm_buf_append(i == 0 ? &root_pem : &all, pem.data, pem.size);
		gnutls_free(pem.data);
		pem.data = NULL;
	}
	if (rc == HM_OK && (rc = hm_file_write_atomic(root, root_pem.data, root_pem.len, 0644,
	                                              HM_FILE_OVERWRITE)) != HM_OK)
		cli_error(cmd, "%s: %s", root, hm_strerror(rc));
	else if (rc == HM_OK && (rc = hm_file_write_atomic(inter, all.data, all.len, 0644,
	                                                   HM_FILE_OVERWRITE)) != HM_OK)
		cli_error(cmd, "%s: %s", inter, hm_strerror(rc));
	else if (rc != HM_OK)
		cli_error(cmd, "chain: %s", hm_strerror(rc));
	else
		printf("root and %zu intermediate certificates written\n", g.n_intermediates);
	hm_buf_free(&all);
	hm_buf_free(&root_pem);
	hm_tc_genesis_free(&g);
	return rc == HM_OK ? CLI_OK : CLI_FAILURE;
}

/* A serial as printed by openssl / certtool: hex, optional "0x" and ':' separators. */
static int parse_serial(const char *s, uint8_t serial[HM_TC_SERIAL_LEN])
{
	char hex[2 * HM_TC_SERIAL_LEN + 1];
	size_t n = 0;

	if (strncmp(s, "0x", 2) == 0 || strncmp(s, "0X", 2) == 0)
		s += 2;
	for (; *s != '\0'; s++) {
		if (*s == ':')
			continue;
		if (n == sizeof(hex) - 1)
			return -1;
		hex[n++] = *s;
	}
	hex[n] = '\0';
	return n == 2 * HM_TC_SERIAL_LEN &&
	                       hm_hex_decode_exact(serial, HM_TC_SERIAL_LEN, hex, n) == HM_OK
	               ? 0
	               : -1;
}

static int ca_revoke(const struct cli_command *cmd, int argc, char **argv)
{
	enum { OPT_DIR = 0x200, OPT_GENESIS, OPT_SERIAL, OPT_REASON };
	static const struct option options[] = {
		CLI_COMMON_LONG_OPTIONS,
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "genesis", required_argument, NULL, OPT_GENESIS },
		{ "serial", required_argument, NULL, OPT_SERIAL },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *genesis = NULL;
	struct hm_tc_revoke_op op;
	struct hm_tc_offline *o = NULL;
	struct hm_buf payload;
	int have_serial = 0, opt, stop = 0, rc;
	char hex[2 * HM_TC_SERIAL_LEN + 1];

	memset(&op, 0, sizeof(op));
	while ((opt = getopt_long(argc, argv, ":" CLI_COMMON_SHORT_OPTIONS, options, NULL)) != -1) {
		switch (opt) {
		case OPT_DIR:
			dir = optarg;
			break;
		case OPT_GENESIS:
			genesis = optarg;
			break;
		case OPT_SERIAL:
			if (parse_serial(optarg, op.serial) != 0)
				return cli_usage_error(cmd, "--serial must be %d hex digits",
				                       2 * HM_TC_SERIAL_LEN);
			have_serial = 1;
			break;
		case OPT_REASON:
			if (hm_tc_crl_reason_from_name(optarg, &op.reason) != HM_OK ||
			    op.reason > 6)
				return cli_usage_error(
				        cmd,
				        "--reason must be keyCompromise, cACompromise, "
				        "affiliationChanged, superseded, cessationOfOperation, "
				        "certificateHold or unspecified");
			break;
		default:
			if ((rc = cli_other_option(cmd, opt, argv, &stop)) >= 0)
				return rc;
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (dir == NULL || !have_serial)
		return cli_usage_error(cmd, "revoke needs --dir and --serial");
	if ((rc = open_state(cmd, dir, genesis != NULL ? genesis : dir, 0, &o)) != HM_OK)
		return CLI_FAILURE;
	memcpy(op.actor, hm_tc_offline_admin(o), HM_TC_KEY_ID_LEN);
	hm_buf_init(&payload);
	hm_hex_encode(hex, sizeof(hex), op.serial, sizeof(op.serial));
	if ((rc = hm_tc_revoke_op_encode(&op, &payload)) == HM_OK)
		rc = hm_tc_offline_apply(o, HM_OP_TC_REVOKE, payload.data, payload.len,
		                         cli_offline_now_ms(), NULL);
	if (rc == HM_OK)
		printf("revoked %s (%s)\n", hex, hm_tc_crl_reason_name(op.reason));
	else if (rc == HM_ERR_NOT_FOUND)
		cli_error(cmd, "serial %s: no such certificate in %s/state", hex, dir);
	else if (rc == HM_ERR_EXISTS)
		cli_error(cmd, "serial %s is already revoked", hex);
	else if (rc == HM_ERR_PERMISSION)
		cli_error(cmd, "the genesis admin key may not revoke (it was revoked)");
	else
		cli_error(cmd, "revoke: %s", hm_strerror(rc));
	hm_buf_free(&payload);
	hm_tc_offline_close(o);
	return rc == HM_OK ? CLI_OK : CLI_FAILURE;
}

static int ca_crl(const struct cli_command *cmd, int argc, char **argv)
{
	enum { OPT_DIR = 0x200, OPT_GENESIS, OPT_CA, OPT_OUT, OPT_DAYS, OPT_AT };
	static const struct option options[] = {
		CLI_COMMON_LONG_OPTIONS,
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "genesis", required_argument, NULL, OPT_GENESIS },
		{ "ca", required_argument, NULL, OPT_CA },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "days", required_argument, NULL, OPT_DAYS },
		{ "at", required_argument, NULL, OPT_AT },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *genesis = NULL, *out = NULL;
	uint64_t index = 0, days = 7, at = (uint64_t)time(NULL);
	struct hm_tc_ca *ca = NULL;
	struct hm_tc_offline *o = NULL;
	struct hm_buf der;
	int opt, stop = 0, rc;
	char state[4096];
	struct stat st;

	while ((opt = getopt_long(argc, argv, ":" CLI_COMMON_SHORT_OPTIONS, options, NULL)) != -1) {
		switch (opt) {
		case OPT_DIR:
			dir = optarg;
			break;
		case OPT_GENESIS:
			genesis = optarg;
			break;
		case OPT_CA:
			if (cli_number(optarg, 0, 1023, &index) != 0)
				return cli_usage_error(cmd, "--ca must be a validator index");
			break;
		case OPT_OUT:
			out = optarg;
			break;
		case OPT_DAYS:
			if (cli_number(optarg, 1, 3650, &days) != 0)
				return cli_usage_error(cmd, "--days must be 1..3650");
			break;
		case OPT_AT:
			if (cli_number(optarg, 0, HM_TC_TIME_MAX - 3650 * 86400ull, &at) != 0)
				return cli_usage_error(cmd, "--at must be Unix seconds");
			break;
		default:
			if ((rc = cli_other_option(cmd, opt, argv, &stop)) >= 0)
				return rc;
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (dir == NULL || out == NULL)
		return cli_usage_error(cmd, "crl needs --dir and --out");
	if (genesis == NULL)
		genesis = dir;
	hm_buf_init(&der);
	if ((rc = hm_tc_genesis_load_ca(genesis, (unsigned)index, &ca)) != HM_OK) {
		cli_error(cmd, "%s: intermediate %u: %s", genesis, (unsigned)index,
		          hm_strerror(rc));
		goto out;
	}
	snprintf(state, sizeof(state), "%s/state", dir);
	if (stat(state, &st) != 0 && errno == ENOENT) {
		/* nothing was ever recorded here: nothing is revoked */
		rc = hm_tc_crl_build(ca, at, at + days * 86400, NULL, 0, &der);
	} else {
		MDB_txn *txn;

		if ((rc = open_state(cmd, dir, genesis, 0, &o)) != HM_OK)
			goto out;
		if ((rc = hm_err_from_mdb(mdb_txn_begin(hm_tc_offline_env(o), NULL, MDB_RDONLY,
		                                        &txn))) == HM_OK) {
			rc = hm_tc_crl(hm_tc_offline_ctx(o), txn, ca, at, at + days * 86400, &der);
			mdb_txn_abort(txn);
		}
	}
	if (rc != HM_OK) {
		cli_error(cmd, "crl: %s", hm_strerror(rc));
		goto out;
	}
	if ((rc = write_pem_file(out, "X509 CRL", &der)) != HM_OK)
		cli_error(cmd, "%s: %s", out, hm_strerror(rc));
out:
	hm_tc_offline_close(o);
	hm_tc_ca_free(ca);
	hm_buf_free(&der);
	return rc == HM_OK ? CLI_OK : CLI_FAILURE;
}

static int ca_run(const struct cli_command *cmd, int argc, char **argv)
{
	static const struct cli_subcommand subs[] = {
		{ "init", ca_init },     { "csr", ca_csr },     { "issue", ca_issue },
		{ "verify", ca_verify }, { "chain", ca_chain }, { "revoke", ca_revoke },
		{ "crl", ca_crl },
	};

	return cli_dispatch(cmd, subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}

const struct cli_command cli_cmd_ca = {
	.name = "ca",
	.summary = "TrustChain certificate authority (hybrid Ed25519 + PQ X.509)",
	.usage =
	        "usage: hypermesh ca init --dir DIR --validators N [--pq ml-dsa-87|falcon-1024]\n"
	        "                        [--not-before UNIX] [--crl-base URL]\n"
	        "       hypermesh ca csr --key PREFIX --out CSR --cn NAME [--dns NAME]...\n"
	        "                        [--pq ml-dsa-87|falcon-1024|none | --pq-key FILE]\n"
	        "       hypermesh ca issue --dir DIR [--ca INDEX] --csr CSR --out CERT\n"
	        "                        [--profile node|tls-server|tls-client|tx-signing]\n"
	        "                        [--not-before UNIX] [--record [--genesis DIR]]\n"
	        "       hypermesh ca verify --root ROOT [--at UNIX] [--crl CRL] CERT [CHAIN...]\n"
	        "       hypermesh ca chain --dir DIR --root FILE --intermediates FILE\n"
	        "       hypermesh ca revoke --dir DATA [--genesis DIR] --serial HEX\n"
	        "                        [--reason keyCompromise|cACompromise|affiliationChanged|\n"
	        "                         "
	        "superseded|cessationOfOperation|certificateHold|unspecified]\n"
	        "       hypermesh ca crl --dir DATA [--genesis DIR] [--ca INDEX] --out CRL\n"
	        "                        [--days N] [--at UNIX]\n"
	        "\n"
	        "init: writes a TrustChain genesis to DIR: root CA, one intermediate CA per\n"
	        "validator (Ed25519 + PQ keys), CT log key, admin API key, genesis.json.\n"
	        "Private keys are mode 0600; existing files are never overwritten.\n"
	        "csr: makes a key (PREFIX.key, PREFIX.pq.key) and a PEM CSR for it. With a PQ\n"
	        "key (--pq, or an existing *.pq.key with --pq-key) the CSR requests a hybrid\n"
	        "certificate and carries the PQ key's signature (proof of possession).\n"
	        "issue: issues a certificate from CSR with validator intermediate INDEX\n"
	        "(default 0), deterministically: same CSR, profile and notBefore, same serial.\n"
	        "--record also enters it in the TrustChain state of DIR (DIR/state; genesis\n"
	        "from --genesis, default DIR), as a node's state would hold it.\n"
	        "verify: checks the chain CERT, CHAIN... up to ROOT at time UNIX (default now):\n"
	        "Ed25519 signatures and every post-quantum alternative signature, and with\n"
	        "--crl that CERT is not in its issuer's CRL.\n"
	        "Exit 0 only when valid; 2 with the reason otherwise.\n"
	        "chain: writes the root and every intermediate certificate (PEM) of a genesis.\n"
	        "revoke: records a revocation in the TrustChain state of DATA (a stopped node's\n"
	        "data_dir, or a genesis directory used with issue --record), as the genesis\n"
	        "admin. crl: writes intermediate INDEX's CRL (PEM, valid N days, default 7),\n"
	        "with a reasonCode in each entry.\n"
	        "\n" CLI_COMMON_USAGE,
	.run = ca_run,
};
