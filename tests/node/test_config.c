/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The node config parser: a good file and its values, then a table of bad
 * files, each of which must fail with FILE:LINE (or FILE:) and a message
 * naming the problem.
 */
#define _GNU_SOURCE /* mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypermesh/error.h"
#include "hypermesh/node.h"
#include "test.h"

#define PK0 "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
#define PK1 "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"

#define NODE_OK "[node]\nname = n0\ndata_dir = data\nkey_file = /keys/n0.key\n"
#define CONS_OK                                                                      \
	"[consensus]\nchain_id = test-chain\nvalidator = 0 " PK0 " 127.0.0.1:9000\n" \
	"validator = 1 " PK1 " [::1]:9001\n"
#define STOQ_OK "[stoq]\nlisten = 127.0.0.1:9000\n"

static char dir[256], path[300];

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		abort();
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	const char *base = getenv("TMPDIR");

	if (dir[0] != '\0')
		return;
	snprintf(dir, sizeof(dir), "%s/hm-config-XXXXXX", base && *base ? base : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/node.ini", dir);
}

static void test_good(void)
{
	struct hm_node_config cfg;
	char err[HM_NODE_ERROR_MAX], want[600];

	setup();
	write_file("; a comment\n" NODE_OK "log_level = debug\nconsensus_map_mb = 64\n" CONS_OK
	           "base_timeout_ms = 2000\n"
	           "min_block_interval_ms = 100\nmax_block_txs = 50\n" STOQ_OK
	           "[api]\nlisten = [::1]:8080\n");
	CHECK_EQ(hm_node_config_load(path, &cfg, err, sizeof(err)), HM_OK);
	CHECK_STR(cfg.name, "n0");
	snprintf(want, sizeof(want), "%s/data", dir); /* relative to the file's directory */
	CHECK_STR(cfg.data_dir, want);
	CHECK_STR(cfg.key_file, "/keys/n0.key");
	CHECK(cfg.has_log_level && cfg.log_level == HM_LOG_DEBUG);
	CHECK_EQ(cfg.consensus_map_size, (size_t)64 << 20);
	CHECK(cfg.chain_id_len == 10 && memcmp(cfg.chain_id, "test-chain", 10) == 0);
	CHECK_EQ(cfg.base_timeout_ms, 2000);
	CHECK_EQ(cfg.min_block_interval_ms, 100);
	CHECK_EQ(cfg.max_block_txs, 50);
	CHECK_EQ(cfg.nvalidators, 2);
	CHECK_EQ(cfg.validators[0].pk[0], 0xd7);
	CHECK_STR(cfg.validators[1].stoq.host, "::1");
	CHECK_EQ(cfg.validators[1].stoq.port, 9001);
	CHECK_STR(cfg.stoq_listen.host, "127.0.0.1");
	CHECK(cfg.has_api && cfg.api_listen.port == 8080);

	/* Defaults. */
	write_file(NODE_OK CONS_OK STOQ_OK);
	CHECK_EQ(hm_node_config_load(path, &cfg, err, sizeof(err)), HM_OK);
	CHECK_EQ(cfg.base_timeout_ms, 1000);
	CHECK_EQ(cfg.min_block_interval_ms, 250);
	CHECK(!cfg.has_api && !cfg.has_log_level);
	CHECK_EQ(cfg.consensus_map_size, 0); /* the store's default */
}

static const struct {
	const char *text;
	const char *where; /* ":LINE: " or ": " after the path */
	const char *message;
} bad[] = {
	{ NODE_OK CONS_OK STOQ_OK "[bogus]\nx = 1\n", ":12: ", "unknown section [bogus]" },
	{ NODE_OK "colour = blue\n" CONS_OK STOQ_OK, ":5: ", "unknown key 'colour' in [node]" },
	{ NODE_OK "name = again\n" CONS_OK STOQ_OK, ":5: ", "[node] name given twice" },
	{ NODE_OK "log_level = loud\n" CONS_OK STOQ_OK, ":5: ", "log_level 'loud'" },
	{ NODE_OK "consensus_map_mb = 0\n" CONS_OK STOQ_OK, ":5: ", "consensus_map_mb must be" },
	{ NODE_OK "consensus_map_mb = 65537\n" CONS_OK STOQ_OK,
	  ":5: ", "consensus_map_mb must be" },
	{ NODE_OK "consensus_map_mb = 1G\n" CONS_OK STOQ_OK, ":5: ", "consensus_map_mb must be" },
	{ NODE_OK "consensus_map_mb = 1\nconsensus_map_mb = 2\n" CONS_OK STOQ_OK,
	  ":6: ", "[node] consensus_map_mb given twice" },
	{ NODE_OK "this line has no equals sign\n" CONS_OK STOQ_OK, ":5: ", "syntax error" },
	{ NODE_OK CONS_OK "base_timeout_ms = 10\n" STOQ_OK, ":9: ", "base_timeout_ms must be" },
	{ NODE_OK CONS_OK "base_timeout_ms = 1000x\n" STOQ_OK, ":9: ", "base_timeout_ms must be" },
	{ NODE_OK CONS_OK "max_block_txs = 0\n" STOQ_OK, ":9: ", "max_block_txs must be" },
	{ NODE_OK CONS_OK "min_block_interval_ms = -1\n" STOQ_OK, ":9: ", "min_block_interval_ms" },
	{ NODE_OK CONS_OK "min_block_interval_ms = 600\n" STOQ_OK, ": ",
	  "below half of base_timeout" },
	{ NODE_OK CONS_OK "validator = 1 " PK0 " 127.0.0.1:9002\n" STOQ_OK,
	  ":9: ", "validator 1 given twice" },
	{ NODE_OK CONS_OK "validator = 2 " PK0 " 127.0.0.1:9002\n" STOQ_OK,
	  ":9: ", "same key as validator 0" },
	{ NODE_OK CONS_OK "validator = 2 abcd 127.0.0.1:9002\n" STOQ_OK,
	  ":9: ", "public key must be 64 hex" },
	{ NODE_OK CONS_OK "validator = 2 " PK0 "\n" STOQ_OK, ":9: ", "validator must be 'INDEX" },
	{ NODE_OK CONS_OK "validator = 40 " PK0 " 127.0.0.1:1\n" STOQ_OK, ":9: ", "index '40'" },
	{ NODE_OK CONS_OK "validator = 3 " PK0 "ff 127.0.0.1:1\n" STOQ_OK, ":9: ", "public key" },
	{ NODE_OK "[consensus]\nchain_id = c\nvalidator = 0 " PK0
	          " 127.0.0.1:9000\nvalidator = 2 " PK1 " 127.0.0.1:9002\n" STOQ_OK,
	  ": ", "without gaps (1 is missing)" },
	{ NODE_OK CONS_OK "[stoq]\nlisten = localhost:9000\n", ":10: ", "listen 'localhost:9000'" },
	{ NODE_OK CONS_OK "[stoq]\nlisten = ::1:9000\n", ":10: ", "listen '::1:9000'" },
	{ NODE_OK CONS_OK "[stoq]\nlisten = 127.0.0.1:70000\n", ":10: ", "listen" },
	{ NODE_OK CONS_OK "[stoq]\nlisten = 127.0.0.1:\n", ":10: ", "listen" },
	{ NODE_OK CONS_OK STOQ_OK "cert_chain = stoq.crt\n", ": ",
	  "cert_chain and trust_root go together" },
	{ NODE_OK CONS_OK STOQ_OK "trust_root = root.crt\n", ": ",
	  "cert_chain and trust_root go together" },
	{ NODE_OK CONS_OK STOQ_OK "cert_chain =\n", ":11: ", "cert_chain must not be empty" },
	{ NODE_OK CONS_OK STOQ_OK "max_udp_payload = 1199\n", ":11: ",
	  "max_udp_payload must be auto or an integer 1200..65527" },
	{ NODE_OK CONS_OK STOQ_OK "max_udp_payload = 65528\n", ":11: ",
	  "max_udp_payload must be auto or an integer 1200..65527" },
	{ NODE_OK CONS_OK STOQ_OK "max_udp_payload = 9000x\n", ":11: ",
	  "max_udp_payload must be auto or an integer 1200..65527" },
	{ NODE_OK CONS_OK STOQ_OK "max_udp_payload = auto\nmax_udp_payload = 1452\n", ":12: ",
	  "max_udp_payload given twice" },
	{ NODE_OK CONS_OK STOQ_OK "trust_root = a\ntrust_root = b\n",
	  ":12: ", "trust_root given twice" },
	{ NODE_OK CONS_OK STOQ_OK "[api]\nlisten = 1.2.3.4\n", ":12: ", "listen '1.2.3.4'" },
	{ NODE_OK CONS_OK, ": ", "missing [stoq] listen" },
	{ "[node]\nname = x\nkey_file = k\n" CONS_OK STOQ_OK, ": ", "missing [node] data_dir" },
	{ NODE_OK "[consensus]\nchain_id = c\n" STOQ_OK, ": ", "no [consensus] validator" },
	{ NODE_OK "[consensus]\nvalidator = 0 " PK0 " 127.0.0.1:9000\n" STOQ_OK, ": ",
	  "missing [consensus] chain_id" },
	{ "[node]\nname =\n", ":2: ", "name must be" },
	{ NODE_OK CONS_OK "sig_policy = rsa\n" STOQ_OK, ":9: ", "sig_policy 'rsa' is not" },
	{ NODE_OK CONS_OK "sig_policy = hybrid\npq_key_file = k.pq\n" STOQ_OK, ": ",
	  "sig_policy hybrid needs [consensus] pq_key_file and pq_validators" },
	{ NODE_OK CONS_OK "sig_policy = ed25519\nsig_policy = ed25519\n" STOQ_OK,
	  ":10: ", "sig_policy" },
	{ NODE_OK "[consensus]\nchain_id = "
	          "0123456789012345678901234567890123456789012345678901234567890123456789\n",
	  ":6: ", "chain_id must be" },
};

static void test_bad_configs(void)
{
	struct hm_node_config cfg;
	char err[HM_NODE_ERROR_MAX], prefix[400];

	setup();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(bad[i].text);
		snprintf(prefix, sizeof(prefix), "%s%s", path, bad[i].where);
		err[0] = '\0';
		if (hm_node_config_load(path, &cfg, err, sizeof(err)) != HM_ERR_INVALID ||
		    strncmp(err, prefix, strlen(prefix)) != 0 ||
		    strstr(err, bad[i].message) == NULL) {
			fprintf(stderr, "  case %zu: got '%s', want '%s...%s'\n", i, err, prefix,
			        bad[i].message);
			CHECK(0);
		}
	}
}

static void test_missing_file(void)
{
	struct hm_node_config cfg;
	char err[HM_NODE_ERROR_MAX], p[400];

	setup();
	snprintf(p, sizeof(p), "%s/nope.ini", dir);
	CHECK_ERR(hm_node_config_load(p, &cfg, err, sizeof(err)), HM_ERR_NOT_FOUND);
	CHECK(strstr(err, "nope.ini: cannot read: ") != NULL);
}

static void test_not_text(void)
{
	static const uint8_t nul[] = "[node]\nname = a\0b\n";
	struct hm_node_config cfg;
	char err[HM_NODE_ERROR_MAX];

	CHECK_ERR(hm_node_config_parse("x.ini", nul, sizeof(nul) - 1, &cfg, err, sizeof(err)),
	          HM_ERR_INVALID);
	CHECK(strstr(err, "x.ini: contains a NUL byte") != NULL);
	CHECK_ERR(hm_node_config_parse("x.ini", (const uint8_t *)"", 0, &cfg, err, sizeof(err)),
	          HM_ERR_INVALID);
	CHECK(strstr(err, "x.ini: missing [node] name") != NULL);
}

static void test_addr_parse(void)
{
	struct hm_node_addr a;

	CHECK_EQ(hm_node_addr_parse("10.0.0.1:1", &a), HM_OK);
	CHECK_EQ(a.port, 1);
	CHECK_EQ(hm_node_addr_parse("[fe80::1]:65535", &a), HM_OK);
	CHECK_STR(a.host, "fe80::1");
	CHECK_ERR(hm_node_addr_parse("[fe80::1]65535", &a), HM_ERR_INVALID);
	CHECK_ERR(hm_node_addr_parse(":80", &a), HM_ERR_INVALID);
	CHECK_ERR(hm_node_addr_parse("1.2.3.4:+80", &a), HM_ERR_INVALID);
	CHECK_ERR(hm_node_addr_parse("1.2.3.4:80 ", &a), HM_ERR_INVALID);
	CHECK_ERR(hm_node_addr_parse("999.2.3.4:80", &a), HM_ERR_INVALID);
	unlink(path);
	rmdir(dir);
}

/* [stoq] cert_chain and trust_root: paths relative to the file, both or neither; max_udp_payload. */
static void test_stoq_trustchain(void)
{
	struct hm_node_config cfg;
	char err[HM_NODE_ERROR_MAX], want[600];

	setup();
	write_file(NODE_OK CONS_OK STOQ_OK "cert_chain = stoq.crt\ntrust_root = /tc/root.crt\n");
	CHECK_EQ(hm_node_config_load(path, &cfg, err, sizeof(err)), HM_OK);
	snprintf(want, sizeof(want), "%s/stoq.crt", dir);
	CHECK_STR(cfg.stoq_cert_chain, want);
	CHECK_STR(cfg.stoq_trust_root, "/tc/root.crt");
	write_file(NODE_OK CONS_OK STOQ_OK);
	CHECK_EQ(hm_node_config_load(path, &cfg, err, sizeof(err)), HM_OK);
	CHECK_STR(cfg.stoq_cert_chain, "");
	CHECK_STR(cfg.stoq_trust_root, "");
	CHECK_EQ(cfg.stoq_max_udp_payload, 0); /* automatic unless said */
	write_file(NODE_OK CONS_OK STOQ_OK "max_udp_payload = 1452\n");
	CHECK_EQ(hm_node_config_load(path, &cfg, err, sizeof(err)), HM_OK);
	CHECK_EQ(cfg.stoq_max_udp_payload, 1452);
	write_file(NODE_OK CONS_OK STOQ_OK "max_udp_payload = auto\n");
	CHECK_EQ(hm_node_config_load(path, &cfg, err, sizeof(err)), HM_OK);
	CHECK_EQ(cfg.stoq_max_udp_payload, 0);
}

/* The post-quantum keys of [consensus]: paths resolved, policy parsed, ed25519 the default. */
static void test_pq_keys(void)
{
	struct hm_node_config cfg;
	char err[HM_NODE_ERROR_MAX], want[400];

	setup();
	write_file(NODE_OK CONS_OK STOQ_OK);
	CHECK_ERR(hm_node_config_load(path, &cfg, err, sizeof(err)), HM_OK);
	CHECK_EQ(cfg.sig_policy, HM_BFT_POLICY_ED25519);
	CHECK_STR(cfg.pq_key_file, "");
	write_file(NODE_OK CONS_OK "sig_policy = hybrid\npq_key_file = node.pq.key\n"
	                           "pq_validators = /genesis/validators.pq\n" STOQ_OK);
	CHECK_ERR(hm_node_config_load(path, &cfg, err, sizeof(err)), HM_OK);
	CHECK_EQ(cfg.sig_policy, HM_BFT_POLICY_HYBRID);
	snprintf(want, sizeof(want), "%s/node.pq.key", dir);
	CHECK_STR(cfg.pq_key_file, want);
	CHECK_STR(cfg.pq_validators, "/genesis/validators.pq");
}

TEST_MAIN(test_good, test_stoq_trustchain, test_bad_configs, test_missing_file, test_not_text,
          test_pq_keys, test_addr_parse)
