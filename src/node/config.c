/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The node's INI config (docs/NODE.md §2), parsed by libinih and checked
 * strictly: a daemon that silently ignores a misspelt key runs with a
 * configuration nobody wrote.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/file.h"
#include "hypermesh/hash.h"
#include "hypermesh/node.h"
#include "hypermesh/stoq.h"

/* Keys seen, so repeats and missing required keys are reported. */
enum seen {
	SEEN_NAME = 1u << 0,
	SEEN_DATA_DIR = 1u << 1,
	SEEN_KEY_FILE = 1u << 2,
	SEEN_LOG_LEVEL = 1u << 3,
	SEEN_CHAIN_ID = 1u << 4,
	SEEN_BASE_TIMEOUT = 1u << 5,
	SEEN_MIN_INTERVAL = 1u << 6,
	SEEN_MAX_TXS = 1u << 7,
	SEEN_STOQ_LISTEN = 1u << 8,
	SEEN_API_LISTEN = 1u << 9,
	SEEN_TC_GENESIS = 1u << 10,
	SEEN_TC_CERT = 1u << 11,
	SEEN_TC_PLOT = 1u << 12,
	SEEN_TC_CTLOG = 1u << 13,
	SEEN_API_STATIC = 1u << 14,
	SEEN_STOQ_CHAIN = 1u << 15,
	SEEN_STOQ_ROOT = 1u << 16,
	SEEN_SIG_POLICY = 1u << 17,
	SEEN_PQ_KEY = 1u << 18,
	SEEN_PQ_VALIDATORS = 1u << 19,
	SEEN_CONSENSUS_MAP = 1u << 20,
	SEEN_STOQ_UDP_PAYLOAD = 1u << 27,
	SEEN_TC_ANCHOR_GRACE = 1u << 28, /* high bit: other keys are added from 21 up */
};

struct parse {
	struct hm_node_config *cfg;
	const char *path;
	char dir[HM_NODE_PATH_MAX]; /* the config file's directory, for relative paths */
	char *err;
	size_t errlen;
	int failed;
	unsigned seen;
	uint32_t validators_seen; /* bit per index */
};

__attribute__((format(printf, 2, 3))) static int fail(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	if (!p->failed) {
		va_start(ap, fmt);
		vsnprintf(p->err, p->errlen, fmt, ap);
		va_end(ap);
		p->failed = 1;
	}
	return 0; /* inih: stop at this line */
}

int hm_node_addr_parse(const char *s, struct hm_node_addr *out)
{
	const char *colon, *host = s;
	size_t hlen;
	char *end;
	unsigned long port;
	unsigned char tmp[16];

	if (s == NULL)
		return HM_ERR_INVALID;
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return HM_ERR_INVALID;
		host = s + 1;
		hlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || memchr(s, ':', (size_t)(colon - s)) != NULL)
			return HM_ERR_INVALID; /* a bare IPv6 address needs brackets */
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= HM_NODE_HOST_MAX || colon[1] < '0' || colon[1] > '9')
		return HM_ERR_INVALID;
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port > 65535)
		return HM_ERR_INVALID;
	memcpy(out->host, host, hlen);
	out->host[hlen] = '\0';
	if (inet_pton(AF_INET, out->host, tmp) != 1 && inet_pton(AF_INET6, out->host, tmp) != 1)
		return HM_ERR_INVALID;
	out->port = (uint16_t)port;
	return HM_OK;
}

static int parse_u64(const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long x;

	if (*v < '0' || *v > '9')
		return HM_ERR_INVALID;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || x < min || x > max)
		return HM_ERR_INVALID;
	*out = x;
	return HM_OK;
}

static int set_path(struct parse *p, char *dst, const char *v, const char *key)
{
	int n;

	if (*v == '\0')
		return fail(p, "%s must not be empty", key);
	if (*v == '/')
		n = snprintf(dst, HM_NODE_PATH_MAX, "%s", v);
	else
		n = snprintf(dst, HM_NODE_PATH_MAX, "%s/%s", p->dir, v);
	if (n < 0 || n >= HM_NODE_PATH_MAX)
		return fail(p, "%s is too long", key);
	return 1;
}

static int once(struct parse *p, unsigned bit, const char *section, const char *key)
{
	if (p->seen & bit)
		return fail(p, "[%s] %s given twice", section, key);
	p->seen |= bit;
	return 1;
}

/* "INDEX PUBKEY_HEX HOST:PORT" */
static int parse_validator(struct parse *p, const char *v)
{
	struct hm_node_config *cfg = p->cfg;
	char idx[16], pk[128], addr[HM_NODE_HOST_MAX + 16], extra[2];
	struct hm_node_validator val;
	uint64_t i;

	if (sscanf(v, "%15s %127s %79s %1s", idx, pk, addr, extra) != 3)
		return fail(p, "validator must be 'INDEX PUBLIC_KEY_HEX HOST:PORT'");
	if (parse_u64(idx, 0, HM_BFT_MAX_VALIDATORS - 1, &i) != HM_OK)
		return fail(p, "validator index '%s' is not 0..%d", idx, HM_BFT_MAX_VALIDATORS - 1);
	if (strlen(pk) != 2 * HM_BFT_PK_LEN ||
	    hm_hex_decode_exact(val.pk, HM_BFT_PK_LEN, pk, strlen(pk)) != HM_OK)
		return fail(p, "validator %u: public key must be %d hex characters", (unsigned)i,
		            2 * HM_BFT_PK_LEN);
	if (hm_node_addr_parse(addr, &val.stoq) != HM_OK)
		return fail(p, "validator %u: bad address '%s' (want HOST:PORT, numeric)",
		            (unsigned)i, addr);
	if (p->validators_seen & (1u << i))
		return fail(p, "validator %u given twice", (unsigned)i);
	for (uint16_t j = 0; j < HM_BFT_MAX_VALIDATORS; j++)
		if ((p->validators_seen & (1u << j)) &&
		    memcmp(cfg->validators[j].pk, val.pk, HM_BFT_PK_LEN) == 0)
			return fail(p, "validator %u has the same key as validator %u", (unsigned)i,
			            (unsigned)j);
	hm_sha256(val.node_id, val.pk, HM_BFT_PK_LEN);
	cfg->validators[i] = val;
	p->validators_seen |= 1u << i;
	return 1;
}

static int on_entry(void *user, const char *section, const char *key, const char *v)
{
	struct parse *p = user;
	struct hm_node_config *cfg = p->cfg;
	uint64_t x;

	if (p->failed)
		return 0;
	if (strcmp(section, "node") == 0) {
		if (strcmp(key, "name") == 0) {
			if (!once(p, SEEN_NAME, section, key))
				return 0;
			if (*v == '\0' || strlen(v) >= HM_NODE_NAME_MAX)
				return fail(p, "name must be 1..%d characters",
				            HM_NODE_NAME_MAX - 1);
			strcpy(cfg->name, v);
			return 1;
		}
		if (strcmp(key, "data_dir") == 0)
			return once(p, SEEN_DATA_DIR, section, key) &&
			       set_path(p, cfg->data_dir, v, key);
		if (strcmp(key, "key_file") == 0)
			return once(p, SEEN_KEY_FILE, section, key) &&
			       set_path(p, cfg->key_file, v, key);
		if (strcmp(key, "log_level") == 0) {
			if (!once(p, SEEN_LOG_LEVEL, section, key))
				return 0;
			if (hm_log_level_parse(v, &cfg->log_level) != HM_OK)
				return fail(
				        p,
				        "log_level '%s' is not error, warn, info, debug or trace",
				        v);
			cfg->has_log_level = 1;
			return 1;
		}
		if (strcmp(key, "consensus_map_mb") == 0) {
			if (!once(p, SEEN_CONSENSUS_MAP, section, key))
				return 0;
			if (parse_u64(v, 1, 65536, &x) != HM_OK)
				return fail(p, "consensus_map_mb must be an integer 1..65536");
			cfg->consensus_map_size = (size_t)x << 20;
			return 1;
		}
	} else if (strcmp(section, "consensus") == 0) {
		if (strcmp(key, "chain_id") == 0) {
			if (!once(p, SEEN_CHAIN_ID, section, key))
				return 0;
			if (*v == '\0' || strlen(v) > HM_BFT_CHAIN_ID_MAX)
				return fail(p, "chain_id must be 1..%d bytes", HM_BFT_CHAIN_ID_MAX);
			cfg->chain_id_len = strlen(v);
			memcpy(cfg->chain_id, v, cfg->chain_id_len);
			return 1;
		}
		if (strcmp(key, "base_timeout_ms") == 0) {
			if (!once(p, SEEN_BASE_TIMEOUT, section, key))
				return 0;
			if (parse_u64(v, 50, 600000, &x) != HM_OK)
				return fail(p, "base_timeout_ms must be an integer 50..600000");
			cfg->base_timeout_ms = x;
			return 1;
		}
		if (strcmp(key, "min_block_interval_ms") == 0) {
			if (!once(p, SEEN_MIN_INTERVAL, section, key))
				return 0;
			if (parse_u64(v, 0, 60000, &x) != HM_OK)
				return fail(p, "min_block_interval_ms must be an integer 0..60000");
			cfg->min_block_interval_ms = x;
			return 1;
		}
		if (strcmp(key, "max_block_txs") == 0) {
			if (!once(p, SEEN_MAX_TXS, section, key))
				return 0;
			if (parse_u64(v, 1, 100000, &x) != HM_OK)
				return fail(p, "max_block_txs must be an integer 1..100000");
			cfg->max_block_txs = (uint32_t)x;
			return 1;
		}
		if (strcmp(key, "validator") == 0)
			return parse_validator(p, v);
		if (strcmp(key, "sig_policy") == 0) {
			if (!once(p, SEEN_SIG_POLICY, section, key))
				return 0;
			if (hm_bft_policy_parse(v, &cfg->sig_policy) != HM_OK)
				return fail(p, "sig_policy '%s' is not ed25519 or hybrid", v);
			return 1;
		}
		if (strcmp(key, "pq_key_file") == 0)
			return once(p, SEEN_PQ_KEY, section, key) &&
			       set_path(p, cfg->pq_key_file, v, key);
		if (strcmp(key, "pq_validators") == 0)
			return once(p, SEEN_PQ_VALIDATORS, section, key) &&
			       set_path(p, cfg->pq_validators, v, key);
	} else if (strcmp(section, "stoq") == 0) {
		if (strcmp(key, "listen") == 0) {
			if (!once(p, SEEN_STOQ_LISTEN, section, key))
				return 0;
			if (hm_node_addr_parse(v, &cfg->stoq_listen) != HM_OK)
				return fail(p, "listen '%s' is not HOST:PORT (numeric host)", v);
			return 1;
		}
		if (strcmp(key, "cert_chain") == 0)
			return once(p, SEEN_STOQ_CHAIN, section, key) &&
			       set_path(p, cfg->stoq_cert_chain, v, key);
		if (strcmp(key, "trust_root") == 0)
			return once(p, SEEN_STOQ_ROOT, section, key) &&
			       set_path(p, cfg->stoq_trust_root, v, key);
		if (strcmp(key, "max_udp_payload") == 0) {
			if (!once(p, SEEN_STOQ_UDP_PAYLOAD, section, key))
				return 0;
			if (strcmp(v, "auto") == 0) {
				cfg->stoq_max_udp_payload = 0;
				return 1;
			}
			if (parse_u64(v, HM_STOQ_UDP_PAYLOAD_MIN, HM_STOQ_UDP_PAYLOAD_MAX, &x) != HM_OK)
				return fail(p, "max_udp_payload must be auto or an integer %u..%u",
				            HM_STOQ_UDP_PAYLOAD_MIN, HM_STOQ_UDP_PAYLOAD_MAX);
			cfg->stoq_max_udp_payload = (uint32_t)x;
			return 1;
		}
	} else if (strcmp(section, "api") == 0) {
		if (strcmp(key, "listen") == 0) {
			if (!once(p, SEEN_API_LISTEN, section, key))
				return 0;
			if (hm_node_addr_parse(v, &cfg->api_listen) != HM_OK)
				return fail(p, "listen '%s' is not HOST:PORT (numeric host)", v);
			cfg->has_api = 1;
			return 1;
		}
		if (strcmp(key, "dashboard_dir") == 0)
			return once(p, SEEN_API_STATIC, section, key) &&
			       set_path(p, cfg->api_dashboard_dir, v, key);
	} else if (strcmp(section, "trustchain") == 0) {
		cfg->has_trustchain = 1;
		if (strcmp(key, "genesis_dir") == 0)
			return once(p, SEEN_TC_GENESIS, section, key) &&
			       set_path(p, cfg->tc_genesis_dir, v, key);
		if (strcmp(key, "certificate") == 0)
			return once(p, SEEN_TC_CERT, section, key) &&
			       set_path(p, cfg->tc_certificate, v, key);
		if (strcmp(key, "plot_dir") == 0)
			return once(p, SEEN_TC_PLOT, section, key) &&
			       set_path(p, cfg->tc_plot_dir, v, key);
		if (strcmp(key, "ct_log") == 0)
			return once(p, SEEN_TC_CTLOG, section, key) &&
			       set_path(p, cfg->tc_ct_log, v, key);
		if (strcmp(key, "anchor_grace_blocks") == 0) {
			if (!once(p, SEEN_TC_ANCHOR_GRACE, section, key))
				return 0;
			if (parse_u64(v, 1, UINT32_MAX, &x) != HM_OK)
				return fail(p,
				            "anchor_grace_blocks must be an integer 1..4294967295");
			cfg->tc_anchor_grace_blocks = x;
			return 1;
		}
	} else {
		return fail(p, "unknown section [%s]", section);
	}
	return fail(p, "unknown key '%s' in [%s]", key, section);
}

static int check_complete(struct parse *p)
{
	static const struct {
		unsigned bit;
		const char *what;
	} required[] = {
		{ SEEN_NAME, "[node] name" },          { SEEN_DATA_DIR, "[node] data_dir" },
		{ SEEN_KEY_FILE, "[node] key_file" },  { SEEN_CHAIN_ID, "[consensus] chain_id" },
		{ SEEN_STOQ_LISTEN, "[stoq] listen" },
	};
	struct hm_node_config *cfg = p->cfg;
	uint16_t n = 0;

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!(p->seen & required[i].bit))
			return fail(p, "missing %s", required[i].what);
	while (n < HM_BFT_MAX_VALIDATORS && (p->validators_seen & (1u << n)))
		n++;
	if (n == 0)
		return fail(p, "no [consensus] validator");
	if (p->validators_seen >> n)
		return fail(p, "validator indices must be 0..n-1 without gaps (%u is missing)",
		            (unsigned)n);
	cfg->nvalidators = n;
	if (cfg->has_trustchain && (!(p->seen & SEEN_TC_GENESIS) || !(p->seen & SEEN_TC_CERT) ||
	                            !(p->seen & SEEN_TC_PLOT)))
		return fail(p, "[trustchain] needs genesis_dir, certificate and plot_dir");
	if (!(p->seen & SEEN_STOQ_CHAIN) != !(p->seen & SEEN_STOQ_ROOT))
		return fail(p, "[stoq] cert_chain and trust_root go together");
	if (cfg->sig_policy == HM_BFT_POLICY_HYBRID &&
	    (!(p->seen & SEEN_PQ_KEY) || !(p->seen & SEEN_PQ_VALIDATORS)))
		return fail(p, "sig_policy hybrid needs [consensus] pq_key_file and pq_validators");
	if (cfg->min_block_interval_ms * 2 >= cfg->base_timeout_ms)
		return fail(p, "min_block_interval_ms must be below half of base_timeout_ms");
	return 1;
}

/* Parses text as the file path; relative paths resolve against path's directory. */
static int parse_text(const char *path, const char *text, struct hm_node_config *cfg, char *err,
                      size_t errlen)
{
	struct parse p;
	const char *slash;
	char buf[HM_NODE_ERROR_MAX];
	int line;

	memset(cfg, 0, sizeof(*cfg));
	cfg->base_timeout_ms = 1000;
	cfg->min_block_interval_ms = 250;
	cfg->max_block_txs = 1000;
	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.path = path;
	p.err = buf;
	p.errlen = sizeof(buf);
	buf[0] = '\0';
	slash = strrchr(path, '/');
	if (slash == NULL)
		strcpy(p.dir, ".");
	else if ((size_t)(slash - path) >= sizeof(p.dir))
		return snprintf(err, errlen, "%s: path too long", path), HM_ERR_INVALID;
	else if (slash == path)
		strcpy(p.dir, "/");
	else
		snprintf(p.dir, sizeof(p.dir), "%.*s", (int)(slash - path), path);

	line = ini_parse_string(text, on_entry, &p);
	if (line > 0) {
		snprintf(err, errlen, "%s:%d: %s", path, line,
		         p.failed ? buf : "syntax error (want 'key = value' or '[section]')");
		return HM_ERR_INVALID;
	}
	if (line < 0) {
		snprintf(err, errlen, "%s: cannot parse (out of memory)", path);
		return HM_ERR_NOMEM;
	}
	if (!check_complete(&p)) {
		snprintf(err, errlen, "%s: %s", path, buf);
		return HM_ERR_INVALID;
	}
	return HM_OK;
}

int hm_node_config_parse(const char *path, const uint8_t *text, size_t len,
                         struct hm_node_config *cfg, char *err, size_t errlen)
{
	char *copy;
	int rc;

	if (memchr(text, '\0', len) != NULL) {
		memset(cfg, 0, sizeof(*cfg));
		snprintf(err, errlen, "%s: contains a NUL byte (not a text file)", path);
		return HM_ERR_INVALID;
	}
	copy = malloc(len + 1);
	if (copy == NULL) {
		memset(cfg, 0, sizeof(*cfg));
		snprintf(err, errlen, "%s: out of memory", path);
		return HM_ERR_NOMEM;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	rc = parse_text(path, copy, cfg, err, errlen);
	free(copy);
	return rc;
}

int hm_node_config_load(const char *path, struct hm_node_config *cfg, char *err, size_t errlen)
{
	struct hm_buf text;
	int rc;

	hm_buf_init(&text);
	rc = hm_file_read(path, HM_NODE_CONFIG_MAX, &text);
	if (rc != HM_OK) {
		memset(cfg, 0, sizeof(*cfg));
		snprintf(err, errlen, "%s: cannot read: %s", path, hm_strerror(rc));
		return rc == HM_ERR_TOO_LARGE ? HM_ERR_INVALID : rc;
	}
	rc = hm_node_config_parse(path, text.data != NULL ? text.data : (const uint8_t *)"",
	                          text.len, cfg, err, errlen);
	hm_buf_free(&text);
	return rc;
}
