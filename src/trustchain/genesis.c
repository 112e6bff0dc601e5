/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TrustChain genesis: the root CA, one intermediate per validator, the CT log
 * key and the first admin API key, written to a directory; and the loader
 * the state module initialises from. genesis.json:
 *
 *   {"version": 1,
 *    "root": "root.crt",
 *    "intermediates": ["ca-0.crt", ...],          (index = validator index)
 *    "log": {"alg": "ed25519", "public_key": "<hex>"},
 *    "admin": {"id": "<32 hex>", "hash": "<64 hex>"},
 *    "crl_base": "<url>"}                          (optional)
 */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/file.h"
#include "hypermesh/secure.h"
#include "hypermesh/trustchain_state.h"
#include "tc.h"

#define PATH_MAX_LEN 4096
#define TEN_YEARS    (3650 * 86400ull)
#define FIVE_YEARS   (1825 * 86400ull)

static int path_join(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, PATH_MAX_LEN, "%s/%s", dir, name);
	return n < 0 || n >= PATH_MAX_LEN ? HM_ERR_INVALID : HM_OK;
}

static int write_pem(const char *path, const struct hm_buf *der)
{
	gnutls_datum_t in = { der->data, (unsigned)der->len }, out = { NULL, 0 };
	int rc;

	if (gnutls_pem_base64_encode2("CERTIFICATE", &in, &out) < 0)
		return HM_ERR_NOMEM;
	rc = hm_file_write_atomic(path, out.data, out.size, 0644, HM_FILE_NO_CLOBBER);
	gnutls_free(out.data);
	return rc;
}

/* The log key as a PQ-key file (sig.h algorithm + raw keys), Ed25519 here. */
static int write_log_key(const char *path, uint8_t *pk, size_t *pk_len)
{
	uint8_t sk[64];
	struct hm_buf b;
	int rc;

	*pk_len = 32;
	if ((rc = hm_sig_keygen(HM_SIG_ED25519, pk, 32, sk, sizeof(sk))) != HM_OK)
		return rc;
	hm_buf_init(&b);
	if ((rc = hm_buf_append(&b, "HMTCPQK1", 8)) == HM_OK &&
	    (rc = hm_buf_append(&b, (uint8_t[]){ 0, HM_SIG_ED25519, 0, 32 }, 4)) == HM_OK &&
	    (rc = hm_buf_append(&b, pk, 32)) == HM_OK &&
	    (rc = hm_buf_append(&b, (uint8_t[]){ 0, 64 }, 2)) == HM_OK &&
	    (rc = hm_buf_append(&b, sk, 64)) == HM_OK)
		rc = hm_file_write_atomic(path, b.data, b.len, 0600, HM_FILE_NO_CLOBBER);
	hm_wipe(sk, sizeof(sk));
	hm_buf_free(&b);
	return rc;
}

static json_t *hex_json(const uint8_t *p, size_t n)
{
	char s[2 * HM_SIG_PK_MAX + 1];

	if (hm_hex_encode(s, sizeof(s), p, n) != HM_OK)
		return NULL;
	return json_string(s);
}

int hm_tc_genesis_create(const char *dir, unsigned validators, enum hm_sig_alg pq_alg,
                         uint64_t not_before, const char *crl_base)
{
	char path[PATH_MAX_LEN], pq_path[PATH_MAX_LEN], name[64], url[1024];
	struct hm_tc_key *key = NULL;
	struct hm_tc_ca *root = NULL;
	struct hm_buf der;
	json_t *doc = NULL, *inters = NULL;
	char apikey[HM_TC_APIKEY_STRLEN + 2];
	uint8_t id[HM_TC_KEY_ID_LEN], hash[HM_TC_KEY_HASH_LEN], log_pk[32];
	size_t log_pk_len;
	char *text = NULL;
	int rc;

	if (dir == NULL || validators == 0 || validators > 1024 ||
	    (pq_alg != HM_SIG_MLDSA87 && pq_alg != HM_SIG_FALCON1024 && pq_alg != HM_SIG_MLDSA65 &&
	     pq_alg != HM_SIG_MLDSA44))
		return HM_ERR_INVALID;
	if (crl_base != NULL && strlen(crl_base) > 900)
		return HM_ERR_INVALID;
	hm_buf_init(&der);
	if ((rc = path_join(path, dir, "genesis.json")) != HM_OK)
		return rc;
	{
		struct hm_buf probe;
		hm_buf_init(&probe);
		rc = hm_file_read(path, 1, &probe);
		hm_buf_free(&probe);
		if (rc != HM_ERR_NOT_FOUND)
			return rc == HM_OK || rc == HM_ERR_TOO_LARGE ? HM_ERR_EXISTS : rc;
	}
	doc = json_object();
	inters = json_array();
	if (doc == NULL || inters == NULL) {
		rc = HM_ERR_NOMEM;
		goto out;
	}
	/* root */
	if ((rc = hm_tc_key_generate(pq_alg, &key)) != HM_OK ||
	    (rc = path_join(path, dir, "root.key")) != HM_OK ||
	    (rc = path_join(pq_path, dir, "root.pq.key")) != HM_OK ||
	    (rc = hm_tc_key_save(key, path, pq_path)) != HM_OK ||
	    (rc = hm_tc_root_create(key, "HyperMesh TrustChain Root", not_before, TEN_YEARS, &der,
	                            &root)) != HM_OK)
		goto out;
	key = NULL; /* owned by root */
	if ((rc = path_join(path, dir, "root.crt")) != HM_OK ||
	    (rc = write_pem(path, &der)) != HM_OK)
		goto out;
	json_object_set_new(doc, "version", json_integer(1));
	json_object_set_new(doc, "root", json_string("root.crt"));
	for (unsigned i = 0; i < validators; i++) {
		snprintf(name, sizeof(name), "ca-%u.key", i);
		if ((rc = hm_tc_key_generate(pq_alg, &key)) != HM_OK ||
		    (rc = path_join(path, dir, name)) != HM_OK)
			goto out;
		snprintf(name, sizeof(name), "ca-%u.pq.key", i);
		if ((rc = path_join(pq_path, dir, name)) != HM_OK ||
		    (rc = hm_tc_key_save(key, path, pq_path)) != HM_OK)
			goto out;
		snprintf(name, sizeof(name), "HyperMesh Validator %u CA", i);
		if (crl_base != NULL) /* an intermediate's status is on the root's CRL */
			snprintf(url, sizeof(url), "%s/root.crl", crl_base);
		der.len = 0;
		if ((rc = hm_tc_intermediate_create(root, key, name, crl_base ? url : NULL,
		                                    not_before, FIVE_YEARS, &der)) != HM_OK)
			goto out;
		hm_tc_key_free(key);
		key = NULL;
		snprintf(name, sizeof(name), "ca-%u.crt", i);
		if ((rc = path_join(path, dir, name)) != HM_OK ||
		    (rc = write_pem(path, &der)) != HM_OK)
			goto out;
		json_array_append_new(inters, json_string(name));
	}
	json_object_set(doc, "intermediates", inters);
	if ((rc = path_join(path, dir, "log.key")) != HM_OK ||
	    (rc = write_log_key(path, log_pk, &log_pk_len)) != HM_OK)
		goto out;
	json_object_set_new(doc, "log",
	                    json_pack("{s:s,s:o}", "alg", "ed25519", "public_key",
	                              hex_json(log_pk, log_pk_len)));
	if ((rc = hm_tc_apikey_generate(apikey, id, hash)) != HM_OK)
		goto out;
	strcat(apikey, "\n");
	if ((rc = path_join(path, dir, "admin.apikey")) != HM_OK ||
	    (rc = hm_file_write_atomic(path, apikey, strlen(apikey), 0600, HM_FILE_NO_CLOBBER)) !=
	            HM_OK)
		goto out;
	json_object_set_new(doc, "admin",
	                    json_pack("{s:o,s:o}", "id", hex_json(id, sizeof(id)), "hash",
	                              hex_json(hash, sizeof(hash))));
	if (crl_base != NULL)
		json_object_set_new(doc, "crl_base", json_string(crl_base));
	if ((text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL) {
		rc = HM_ERR_NOMEM;
		goto out;
	}
	if ((rc = path_join(path, dir, "genesis.json")) == HM_OK)
		rc = hm_file_write_atomic(path, text, strlen(text), 0644, HM_FILE_NO_CLOBBER);
out:
	hm_wipe(apikey, sizeof(apikey));
	free(text);
	json_decref(inters);
	json_decref(doc);
	hm_tc_key_free(key);
	hm_tc_ca_free(root);
	hm_buf_free(&der);
	return rc;
}

static int load_cert(const char *dir, const char *name, struct hm_buf *der)
{
	char path[PATH_MAX_LEN];
	struct hm_buf raw;
	int rc;

	if (name == NULL || strchr(name, '/') != NULL || (rc = path_join(path, dir, name)) != HM_OK)
		return HM_ERR_ENCODING;
	hm_buf_init(&raw);
	if ((rc = hm_file_read(path, HM_TC_CERT_MAX * 2, &raw)) == HM_OK)
		rc = hm_tc_pem_to_der(raw.data, raw.len, "CERTIFICATE", der);
	hm_buf_free(&raw);
	return rc;
}

static int hex_field(json_t *obj, const char *key, uint8_t *out, size_t want)
{
	const char *s = json_string_value(json_object_get(obj, key));

	if (s == NULL || hm_hex_decode_exact(out, want, s, strlen(s)) != HM_OK)
		return HM_ERR_ENCODING;
	return HM_OK;
}

int hm_tc_genesis_load(const char *dir, struct hm_tc_genesis *g)
{
	char path[PATH_MAX_LEN];
	struct hm_buf raw;
	json_t *doc = NULL, *inters, *log, *admin;
	const char *alg, *pk, *crl;
	int rc;

	memset(g, 0, sizeof(*g));
	hm_buf_init(&g->root);
	hm_buf_init(&raw);
	if ((rc = path_join(path, dir, "genesis.json")) != HM_OK ||
	    (rc = hm_file_read(path, 1 << 20, &raw)) != HM_OK)
		goto out;
	if ((doc = json_loadb((const char *)raw.data, raw.len, 0, NULL)) == NULL ||
	    json_integer_value(json_object_get(doc, "version")) != 1) {
		rc = HM_ERR_ENCODING;
		goto out;
	}
	if ((rc = load_cert(dir, json_string_value(json_object_get(doc, "root")), &g->root)) !=
	    HM_OK)
		goto out;
	inters = json_object_get(doc, "intermediates");
	if (!json_is_array(inters) || json_array_size(inters) == 0 ||
	    json_array_size(inters) > 1024) {
		rc = HM_ERR_ENCODING;
		goto out;
	}
	g->n_intermediates = json_array_size(inters);
	if ((g->intermediates = calloc(g->n_intermediates, sizeof(*g->intermediates))) == NULL) {
		rc = HM_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < g->n_intermediates; i++) {
		hm_buf_init(&g->intermediates[i]);
		if ((rc = load_cert(dir, json_string_value(json_array_get(inters, i)),
		                    &g->intermediates[i])) != HM_OK)
			goto out;
	}
	log = json_object_get(doc, "log");
	alg = json_string_value(json_object_get(log, "alg"));
	pk = json_string_value(json_object_get(log, "public_key"));
	if (alg == NULL || pk == NULL || hm_sig_alg_from_name(alg, &g->log_alg) != HM_OK ||
	    hm_sig_info(g->log_alg) == NULL ||
	    hm_hex_decode_exact(g->log_pk, hm_sig_info(g->log_alg)->pk_len, pk, strlen(pk)) !=
	            HM_OK) {
		rc = HM_ERR_ENCODING;
		goto out;
	}
	g->log_pk_len = hm_sig_info(g->log_alg)->pk_len;
	admin = json_object_get(doc, "admin");
	if ((rc = hex_field(admin, "id", g->admin_id, sizeof(g->admin_id))) != HM_OK ||
	    (rc = hex_field(admin, "hash", g->admin_hash, sizeof(g->admin_hash))) != HM_OK)
		goto out;
	if (memcmp(g->admin_id, g->admin_hash, HM_TC_KEY_ID_LEN) != 0) {
		rc = HM_ERR_ENCODING;
		goto out;
	}
	crl = json_string_value(json_object_get(doc, "crl_base"));
	if (crl != NULL && (g->crl_base = strdup(crl)) == NULL)
		rc = HM_ERR_NOMEM;
out:
	json_decref(doc);
	hm_buf_free(&raw);
	if (rc != HM_OK)
		hm_tc_genesis_free(g);
	return rc;
}

void hm_tc_genesis_free(struct hm_tc_genesis *g)
{
	if (g == NULL)
		return;
	hm_buf_free(&g->root);
	for (size_t i = 0; g->intermediates != NULL && i < g->n_intermediates; i++)
		hm_buf_free(&g->intermediates[i]);
	free(g->intermediates);
	free(g->crl_base);
	memset(g, 0, sizeof(*g));
}

int hm_tc_genesis_load_ca(const char *dir, unsigned index, struct hm_tc_ca **out)
{
	char path[PATH_MAX_LEN], pq_path[PATH_MAX_LEN], name[64], url[1024];
	struct hm_tc_genesis g;
	struct hm_tc_key *key = NULL;
	int rc;

	if ((rc = hm_tc_genesis_load(dir, &g)) != HM_OK)
		return rc;
	if (index >= g.n_intermediates) {
		hm_tc_genesis_free(&g);
		return HM_ERR_NOT_FOUND;
	}
	snprintf(name, sizeof(name), "ca-%u.key", index);
	if ((rc = path_join(path, dir, name)) == HM_OK) {
		snprintf(name, sizeof(name), "ca-%u.pq.key", index);
		rc = path_join(pq_path, dir, name);
	}
	if (rc == HM_OK)
		rc = hm_tc_key_load(path, pq_path, &key);
	if (g.crl_base != NULL)
		snprintf(url, sizeof(url), "%s/%u.crl", g.crl_base, index);
	if (rc == HM_OK)
		rc = hm_tc_ca_new(g.intermediates[index].data, g.intermediates[index].len, key,
		                  g.crl_base ? url : NULL, out);
	hm_tc_genesis_free(&g);
	return rc;
}
