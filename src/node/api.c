/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP/JSON API (docs/API.md) and the node's metrics. Handlers run on
 * the node's loop (http.h). A certificate request becomes a TrustChain ISSUE
 * operation made and signed here (services.c); the answer waits for its
 * receipt, so a 201 means: committed by consensus, applied, logged.
 */
#include "services_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypermesh/clock.h"
#include "hypermesh/ct_log.h"
#include "hypermesh/ct_tiles.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/log.h"
#include "hypermesh/secure.h"
#include "hypermesh/stoq.h"

#define LOG "api"

#define WAIT_DEFAULT_MS 10000
#define WAIT_MAX_MS     60000
#define ENTRIES_MAX     256
#define PROOF_MAX       64

/* ---- small JSON helpers ---- */

static json_t *hex_json(const uint8_t *p, size_t n)
{
	char buf[2 * 64 + 1];

	if (2 * n + 1 > sizeof(buf) || hm_hex_encode(buf, sizeof(buf), p, n) < 0)
		return json_null();
	return json_string(buf);
}

static json_t *b64_json(const uint8_t *p, size_t n)
{
	size_t cap = 4 * ((n + 2) / 3) + 1;
	char *buf = malloc(cap);
	json_t *j;

	if (buf == NULL || hm_base64_encode(buf, cap, p, n) < 0) {
		free(buf);
		return json_null();
	}
	j = json_string(buf);
	free(buf);
	return j;
}

/* PEM with 64-column lines. */
static json_t *pem_json(const char *label, const uint8_t *der, size_t len)
{
	size_t b64cap = 4 * ((len + 2) / 3) + 1, cap = b64cap + b64cap / 64 + 128;
	char *b64 = malloc(b64cap), *out = malloc(cap), *o;
	json_t *j = json_null();
	size_t n;

	if (b64 == NULL || out == NULL || hm_base64_encode(b64, b64cap, der, len) < 0)
		goto done;
	o = out + sprintf(out, "-----BEGIN %s-----\n", label);
	n = strlen(b64);
	for (size_t i = 0; i < n; i += 64) {
		size_t k = n - i < 64 ? n - i : 64;

		memcpy(o, b64 + i, k);
		o += k;
		*o++ = '\n';
	}
	sprintf(o, "-----END %s-----\n", label);
	j = json_string(out);
done:
	free(b64);
	free(out);
	return j;
}

static int parse_hex_param(const char *text, uint8_t *out, size_t len)
{
	return text != NULL && hm_hex_decode_exact(out, len, text, strlen(text)) == HM_OK
	               ? HM_OK
	               : HM_ERR_INVALID;
}

static int parse_u64_param(const char *text, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (text == NULL || *text < '0' || *text > '9')
		return HM_ERR_INVALID;
	v = strtoull(text, &end, 10);
	if (*end != '\0')
		return HM_ERR_INVALID;
	*out = v;
	return HM_OK;
}

static MDB_txn *read_txn(struct hm_services *s)
{
	MDB_txn *txn = NULL;

	if (mdb_txn_begin(hm_executor_env(s->ex), NULL, MDB_RDONLY, &txn) != 0)
		return NULL;
	return txn;
}

/* ---- authorisation ---- */

static int permission_action(const char *permission, enum hm_tc_action *a)
{
	static const struct {
		const char *name;
		enum hm_tc_action action;
	} map[] = {
		{ "issue", HM_TC_ACTION_ISSUE },     { "revoke", HM_TC_ACTION_REVOKE },
		{ "read", HM_TC_ACTION_GET },        { "ct", HM_TC_ACTION_CT_READ },
		{ "keys", HM_TC_ACTION_KEY_MANAGE }, { "status", HM_TC_ACTION_STATUS },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(map[i].name, permission) == 0) {
			*a = map[i].action;
			return HM_OK;
		}
	}
	return HM_ERR_INVALID;
}

/*
 * 401 (HM_ERR_VERIFY) for a key that is malformed, unknown or revoked; 403
 * (HM_ERR_PERMISSION) for a valid key whose role may not do this.
 */
static int authorize(void *ctx, const char *token, const char *permission)
{
	struct hm_services *s = ctx;
	uint8_t id[HM_TC_KEY_ID_LEN], hash[HM_TC_KEY_HASH_LEN];
	enum hm_tc_action action;
	MDB_txn *txn;
	int rc;

	if (permission_action(permission, &action) != HM_OK)
		return HM_ERR_INVALID;
	if (hm_tc_apikey_parse(token, id, hash) != HM_OK)
		return HM_ERR_VERIFY;
	if ((txn = read_txn(s)) == NULL)
		return HM_ERR_IO;
	/* Every role may read: a key refused that is not a key at all. */
	rc = hm_tc_authorize(s->tc, txn, token, HM_TC_ACTION_GET, NULL);
	if (rc == HM_OK)
		rc = hm_tc_authorize(s->tc, txn, token, action, NULL);
	else if (rc == HM_ERR_PERMISSION)
		rc = HM_ERR_VERIFY;
	mdb_txn_abort(txn);
	return rc;
}

/* The key id of the request's (already authorised) API key. */
static int request_actor(struct hm_http_req *req, uint8_t id[HM_TC_KEY_ID_LEN])
{
	const char *h = hm_http_req_header(req, "Authorization");
	uint8_t hash[HM_TC_KEY_HASH_LEN];

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return HM_ERR_VERIFY;
	return hm_tc_apikey_parse(h + 7, id, hash);
}

/* ---- certificates as JSON ---- */

/* A new reference to the PEM of intermediate i, or of the root for i = n_intermediates. */
static json_t *chain_pem(struct hm_services *s, size_t i)
{
	const struct hm_buf *der =
	        i < s->genesis.n_intermediates ? &s->genesis.intermediates[i] : &s->genesis.root;

	if (i < s->n_chain_pem && s->chain_pem[i] != NULL)
		return json_incref(s->chain_pem[i]);
	return pem_json("CERTIFICATE", der->data, der->len);
}

static json_t *cert_json(struct hm_services *s, MDB_txn *txn,
                         const uint8_t serial[HM_TC_SERIAL_LEN], int *found)
{
	struct hm_tc_cert_info info;
	struct hm_buf sct, proof;
	uint8_t root[HM_CT_HASH_LEN];
	uint64_t tree_size;
	json_t *o, *chain, *ct;
	const char *status;
	int rc;

	*found = 0;
	hm_buf_init(&info.der);
	if ((rc = hm_tc_get_cert(s->tc, txn, serial, &info)) != HM_OK) {
		hm_buf_free(&info.der);
		return NULL;
	}
	*found = 1;
	status = info.status == HM_TC_CERT_VALID     ? "valid"
	         : info.status == HM_TC_CERT_REVOKED ? "revoked"
	                                             : "pending";
	chain = json_array();
	if (info.intermediate < s->genesis.n_intermediates)
		json_array_append_new(chain, chain_pem(s, info.intermediate));
	json_array_append_new(chain, chain_pem(s, s->genesis.n_intermediates));
	o = json_pack("{s:o, s:s, s:s, s:o, s:o, s:I, s:o, s:I}", "serial",
	              hex_json(serial, HM_TC_SERIAL_LEN), "status", status, "profile",
	              hm_tc_profile_name(info.profile), "certificate",
	              pem_json("CERTIFICATE", info.der.data, info.der.len), "chain", chain,
	              "height", (json_int_t)info.height, "request_id",
	              hex_json(info.request_id, HM_TC_REQUEST_ID_LEN), "issuer",
	              (json_int_t)info.intermediate);
	if (o != NULL && info.status != HM_TC_CERT_PENDING) {
		hm_buf_init(&sct);
		hm_buf_init(&proof);
		ct = json_pack("{s:I, s:I}", "index", (json_int_t)info.ct_index, "timestamp",
		               (json_int_t)info.ct_timestamp_ms);
		if (hm_tc_get_sct(s->tc, txn, serial, &sct) == HM_OK)
			json_object_set_new(ct, "sct", b64_json(sct.data, sct.len));
		if (hm_tc_get_inclusion(s->tc, txn, serial, &tree_size, root, &proof) == HM_OK) {
			json_t *path = json_array();

			for (size_t i = 0; i + HM_CT_HASH_LEN <= proof.len; i += HM_CT_HASH_LEN)
				json_array_append_new(path,
				                      hex_json(proof.data + i, HM_CT_HASH_LEN));
			json_object_set_new(ct, "tree_size", json_integer((json_int_t)tree_size));
			json_object_set_new(ct, "root_hash", hex_json(root, HM_CT_HASH_LEN));
			json_object_set_new(ct, "inclusion_proof", path);
		}
		json_object_set_new(o, "ct", ct);
		hm_buf_free(&sct);
		hm_buf_free(&proof);
	}
	if (o != NULL && info.status == HM_TC_CERT_REVOKED)
		json_object_set_new(o, "revocation_reason", json_integer(info.revoke_reason));
	hm_buf_free(&info.der);
	return o;
}

/* Answers with the certificate (status code given) or 404/500. */
static void respond_cert(struct hm_services *s, struct hm_http_req *req, unsigned status,
                         const uint8_t serial[HM_TC_SERIAL_LEN])
{
	MDB_txn *txn = read_txn(s);
	json_t *o;
	int found;

	if (txn == NULL) {
		hm_http_respond_error(req, 500, "internal", "cannot read state");
		return;
	}
	o = cert_json(s, txn, serial, &found);
	mdb_txn_abort(txn);
	if (!found)
		hm_http_respond_error(req, 404, "not_found", "no certificate with this serial");
	else
		hm_http_respond_json(req, status, o);
}

/* ---- waiting for a commit ---- */

enum pending_kind { PENDING_ISSUE, PENDING_REVOKE, PENDING_APIKEY };

struct pending {
	struct hm_services *s;
	struct hm_http_req *req; /* NULL once answered or cancelled */
	enum pending_kind kind;
	uint8_t txid[HM_TXID_LEN];
	uint8_t request_id[HM_TC_REQUEST_ID_LEN];
	uint8_t serial[HM_TC_SERIAL_LEN];
	uint64_t watch, started_ns;
	uv_timer_t timer;
	/* PENDING_APIKEY: the new key, shown once when its creation commits */
	char key_text[HM_TC_APIKEY_STRLEN + 1];
	enum hm_tc_role role;
};

static void pending_freed(uv_handle_t *h)
{
	struct pending *p = h->data;

	hm_wipe(p->key_text, sizeof(p->key_text));
	free(p);
}

static void pending_finish(struct pending *p)
{
	hm_executor_unwatch(p->s->ex, p->watch);
	uv_timer_stop(&p->timer);
	uv_close((uv_handle_t *)&p->timer, pending_freed);
}

static json_t *pending_json(const struct pending *p)
{
	return json_pack("{s:s, s:o, s:o}", "status", "pending", "request_id",
	                 hex_json(p->request_id, sizeof(p->request_id)), "transaction",
	                 hex_json(p->txid, HM_TXID_LEN));
}

static void on_receipt(void *user, int err, const uint8_t txid[HM_TXID_LEN],
                       const struct hm_receipt *r, const uint8_t *result, size_t result_len)
{
	struct pending *p = user;
	struct hm_services *s = p->s;

	(void)txid;
	(void)result;
	(void)result_len;
	p->watch = 0;
	if (p->req == NULL)
		return;
	if (err != HM_OK) {
		hm_http_respond_error(p->req, 503, "shutting_down", "the node is stopping");
	} else if (r->status != HM_OK) {
		if (s->m_rejected)
			hm_counter_inc(s->m_rejected);
		hm_http_respond_error(p->req, 422, "rejected",
		                      "consensus committed the operation but it was refused: %s",
		                      hm_strerror(r->status));
	} else if (p->kind == PENDING_APIKEY) {
		hm_http_respond_json(p->req, 201,
		                     json_pack("{s:s, s:o, s:s}", "key", p->key_text, "id",
		                               hex_json(p->serial, HM_TC_KEY_ID_LEN), "role",
		                               hm_tc_role_name(p->role)));
	} else {
		if (p->kind == PENDING_ISSUE && s->m_issued) {
			hm_counter_inc(s->m_issued);
			hm_histogram_observe(s->m_issue_latency,
			                     (double)(hm_clock_mono_ns() - p->started_ns) / 1e9);
		}
		respond_cert(s, p->req, p->kind == PENDING_ISSUE ? 201 : 200, p->serial);
	}
	p->req = NULL;
	pending_finish(p);
}

static void on_wait_timeout(uv_timer_t *t)
{
	struct pending *p = t->data;

	if (p->req != NULL)
		hm_http_respond_json(p->req, 202, pending_json(p));
	p->req = NULL;
	pending_finish(p);
}

static void on_cancel(struct hm_http_req *req, enum hm_http_cancel_reason reason, void *arg)
{
	struct pending *p = arg;

	(void)req;
	(void)reason;
	p->req = NULL;
	pending_finish(p);
}

/*
 * Submits payload as an operation and answers when it commits (wait_ms >
 * 0, else 202 at once).
 */
static void submit_and_wait(struct hm_services *s, struct hm_http_req *req, enum pending_kind kind,
                            uint16_t type, const struct hm_buf *payload, uint64_t wait_ms,
                            const uint8_t request_id[HM_TC_REQUEST_ID_LEN],
                            const uint8_t serial[HM_TC_SERIAL_LEN], const char *key_text,
                            enum hm_tc_role role)
{
	struct pending *p = calloc(1, sizeof(*p));
	int rc;

	if (p == NULL) {
		hm_http_respond_error(req, 500, "internal", "out of memory");
		return;
	}
	if (key_text != NULL)
		snprintf(p->key_text, sizeof(p->key_text), "%s", key_text);
	p->role = role;
	p->s = s;
	p->kind = kind;
	p->started_ns = hm_clock_mono_ns();
	memcpy(p->request_id, request_id, HM_TC_REQUEST_ID_LEN);
	memcpy(p->serial, serial, HM_TC_SERIAL_LEN);
	rc = svc_submit_op(s, type, payload->data, payload->len, p->txid);
	if (rc == HM_ERR_UNSUPPORTED) {
		free(p);
		hm_http_req_add_header(req, "Retry-After", "1");
		hm_http_respond_error(req, 503, "warming_up",
		                      "the node's time proof (VDF) is not ready yet");
		return;
	}
	if (rc == HM_ERR_TOO_LARGE) {
		free(p);
		hm_http_req_add_header(req, "Retry-After", "1");
		hm_http_respond_error(req, 503, "overloaded", "the mempool is full");
		return;
	}
	if (rc != HM_OK && rc != HM_ERR_EXISTS) {
		free(p);
		hm_http_respond_error(req, 500, "internal", "cannot submit: %s", hm_strerror(rc));
		return;
	}
	if (wait_ms == 0 || kind == PENDING_APIKEY) {
		/* A key is shown only once it exists: creation always waits. */
		if (kind == PENDING_APIKEY && wait_ms == 0)
			wait_ms = WAIT_DEFAULT_MS;
		if (kind != PENDING_APIKEY) {
			hm_http_respond_json(req, 202, pending_json(p));
			free(p);
			return;
		}
	}
	p->req = req;
	uv_timer_init(s->loop, &p->timer);
	p->timer.data = p;
	hm_http_req_defer(req, on_cancel, p);
	uv_timer_start(&p->timer, on_wait_timeout, wait_ms, 0);
	/* Last: the callback runs at once if the receipt already exists. */
	if (hm_executor_watch(s->ex, p->txid, on_receipt, p, &p->watch) != HM_OK) {
		hm_http_respond_error(req, 500, "internal", "out of memory");
		p->req = NULL;
		pending_finish(p);
	}
}

static int wait_param(struct hm_http_req *req, json_t *body, uint64_t *wait_ms)
{
	int rc = hm_json_get_uint64(body, "wait_ms", wait_ms);

	if (rc == HM_ERR_NOT_FOUND) {
		*wait_ms = WAIT_DEFAULT_MS;
		return HM_OK;
	}
	if (rc != HM_OK || *wait_ms > WAIT_MAX_MS) {
		hm_http_respond_error(req, 400, "bad_request", "wait_ms must be 0..%d",
		                      WAIT_MAX_MS);
		return HM_ERR_INVALID;
	}
	return HM_OK;
}

/* ---- handlers ---- */

/* POST /v1/certificates {"csr": PEM, "profile": NAME, "wait_ms": N} */
static void h_issue(struct hm_http_req *req, void *arg)
{
	struct hm_services *s = arg;
	struct hm_tc_issue_op op;
	struct hm_buf der, cert, payload;
	uint8_t request_id[HM_TC_REQUEST_ID_LEN], serial[HM_TC_SERIAL_LEN];
	const char *csr = NULL, *profile_name = "tls-server";
	uint64_t wait_ms;
	json_t *body;
	int rc;

	if (request_actor(req, op.actor) != HM_OK) {
		hm_http_respond_error(req, 401, "unauthorized", "malformed API key");
		return;
	}
	if (s->ratelimit != NULL && !hm_tc_ratelimit_take(s->ratelimit, op.actor, svc_now_ms())) {
		hm_http_req_add_header(req, "Retry-After", "1");
		hm_http_respond_error(req, 429, "rate_limited", "too many requests for this key");
		return;
	}
	if (hm_http_req_json(req, &body) != HM_OK)
		return; /* answered 400 */
	if (!json_is_object(body) || hm_json_get_string(body, "csr", &csr) != HM_OK) {
		json_decref(body);
		hm_http_respond_error(req, 400, "bad_request",
		                      "\"csr\" (a PEM string) is required");
		return;
	}
	rc = hm_json_get_string(body, "profile", &profile_name);
	if ((rc != HM_OK && rc != HM_ERR_NOT_FOUND) ||
	    hm_tc_profile_from_name(profile_name, &op.profile) != HM_OK) {
		json_decref(body);
		hm_http_respond_error(req, 400, "bad_request",
		                      "profile must be node, tls-server, tls-client or tx-signing");
		return;
	}
	if (wait_param(req, body, &wait_ms) != HM_OK) {
		json_decref(body);
		return;
	}
	hm_buf_init(&der);
	hm_buf_init(&cert);
	hm_buf_init(&payload);
	/* RFC 7468 says CERTIFICATE REQUEST; GnuTLS and old tools still write NEW ... */
	rc = hm_tc_pem_to_der((const uint8_t *)csr, strlen(csr), "CERTIFICATE REQUEST", &der);
	if (rc != HM_OK) {
		hm_buf_truncate(&der, 0);
		rc = hm_tc_pem_to_der((const uint8_t *)csr, strlen(csr), "NEW CERTIFICATE REQUEST",
		                      &der);
	}
	json_decref(body);
	if (rc != HM_OK) {
		hm_http_respond_error(req, 400, "bad_csr", "csr is not a PEM certificate request");
		goto out;
	}
	/*
	 * hm_tc_issue checks the CSR (hm_tc_csr_check's checks) before it signs;
	 * checking it here first as well cost a second import, self-signature
	 * verification and extension walk per request.
	 */
	op.not_before = svc_now_ms() / 1000;
	if ((rc = hm_tc_issue(s->ca, der.data, der.len, op.profile, op.not_before, &cert)) !=
	    HM_OK) {
		hm_http_respond_error(req, 400, "bad_csr", "the CSR is refused: %s",
		                      hm_strerror(rc));
		goto out;
	}
	op.csr = der.data;
	op.csr_len = der.len;
	op.cert = cert.data;
	op.cert_len = cert.len;
	if ((rc = hm_tc_issue_op_encode(&op, &payload)) != HM_OK) {
		hm_http_respond_error(req, 500, "internal", "%s", hm_strerror(rc));
		goto out;
	}
	hm_tc_request_id(op.profile, op.not_before, der.data, der.len, request_id);
	hm_tc_serial_from_id(request_id, serial);
	submit_and_wait(s, req, PENDING_ISSUE, HM_OP_TC_ISSUE, &payload, wait_ms, request_id,
	                serial, NULL, 0);
out:
	hm_buf_free(&der);
	hm_buf_free(&cert);
	hm_buf_free(&payload);
}

/* GET /v1/certificates/{serial} */
static void h_get_cert(struct hm_http_req *req, void *arg)
{
	uint8_t serial[HM_TC_SERIAL_LEN];

	if (parse_hex_param(hm_http_req_param(req, "serial"), serial, sizeof(serial)) != HM_OK) {
		hm_http_respond_error(req, 400, "bad_request", "serial is 32 hex digits");
		return;
	}
	respond_cert(arg, req, 200, serial);
}

/* GET /v1/requests/{id}: the certificate once the request committed. */
static void h_get_request(struct hm_http_req *req, void *arg)
{
	struct hm_services *s = arg;
	uint8_t id[HM_TC_REQUEST_ID_LEN], serial[HM_TC_SERIAL_LEN];
	MDB_txn *txn;
	int rc;

	if (parse_hex_param(hm_http_req_param(req, "id"), id, sizeof(id)) != HM_OK) {
		hm_http_respond_error(req, 400, "bad_request", "request id is 64 hex digits");
		return;
	}
	if ((txn = read_txn(s)) == NULL) {
		hm_http_respond_error(req, 500, "internal", "cannot read state");
		return;
	}
	rc = hm_tc_get_serial_by_request(s->tc, txn, id, serial);
	mdb_txn_abort(txn);
	if (rc == HM_ERR_NOT_FOUND) {
		hm_http_respond_error(req, 404, "not_found",
		                      "no committed certificate for this request (yet)");
		return;
	}
	if (rc != HM_OK) {
		hm_http_respond_error(req, 500, "internal", "%s", hm_strerror(rc));
		return;
	}
	respond_cert(s, req, 200, serial);
}

/* POST /v1/certificates/{serial}/revoke {"reason": 0..10, "wait_ms": N} */
static void h_revoke(struct hm_http_req *req, void *arg)
{
	struct hm_services *s = arg;
	struct hm_tc_revoke_op op;
	struct hm_buf payload;
	uint8_t none[HM_TC_REQUEST_ID_LEN] = { 0 };
	uint64_t reason = 0, wait_ms;
	json_t *body;
	int rc;

	if (request_actor(req, op.actor) != HM_OK) {
		hm_http_respond_error(req, 401, "unauthorized", "malformed API key");
		return;
	}
	if (parse_hex_param(hm_http_req_param(req, "serial"), op.serial, sizeof(op.serial)) !=
	    HM_OK) {
		hm_http_respond_error(req, 400, "bad_request", "serial is 32 hex digits");
		return;
	}
	if (hm_http_req_json(req, &body) != HM_OK)
		return;
	rc = hm_json_get_uint64(body, "reason", &reason);
	if ((rc != HM_OK && rc != HM_ERR_NOT_FOUND) || reason > 10 || reason == 7) {
		json_decref(body);
		hm_http_respond_error(req, 400, "bad_request",
		                      "reason is an RFC 5280 CRLReason code (0..10, not 7)");
		return;
	}
	if (wait_param(req, body, &wait_ms) != HM_OK) {
		json_decref(body);
		return;
	}
	json_decref(body);
	op.reason = (uint8_t)reason;
	hm_buf_init(&payload);
	if ((rc = hm_tc_revoke_op_encode(&op, &payload)) != HM_OK)
		hm_http_respond_error(req, 500, "internal", "%s", hm_strerror(rc));
	else
		submit_and_wait(s, req, PENDING_REVOKE, HM_OP_TC_REVOKE, &payload, wait_ms, none,
		                op.serial, NULL, 0);
	hm_buf_free(&payload);
}

/* POST /v1/apikeys {"role": NAME, "label": TEXT}: a new key, shown once. */
static void h_apikey_create(struct hm_http_req *req, void *arg)
{
	struct hm_services *s = arg;
	struct hm_tc_apikey_op op;
	struct hm_buf payload;
	uint8_t none[HM_TC_REQUEST_ID_LEN] = { 0 }, idpad[HM_TC_SERIAL_LEN] = { 0 };
	char text[HM_TC_APIKEY_STRLEN + 1];
	const char *role = NULL, *label = "";
	json_t *body;
	int rc;

	if (request_actor(req, op.actor) != HM_OK) {
		hm_http_respond_error(req, 401, "unauthorized", "malformed API key");
		return;
	}
	if (hm_http_req_json(req, &body) != HM_OK)
		return;
	rc = hm_json_get_string(body, "label", &label);
	if (hm_json_get_string(body, "role", &role) != HM_OK ||
	    hm_tc_role_from_name(role, &op.role) != HM_OK ||
	    (rc != HM_OK && rc != HM_ERR_NOT_FOUND) || strlen(label) > HM_TC_LABEL_MAX) {
		json_decref(body);
		hm_http_respond_error(
		        req, 400, "bad_request",
		        "role (admin, issuer, requester or auditor) is required; label "
		        "is at most %d bytes",
		        HM_TC_LABEL_MAX);
		return;
	}
	if ((rc = hm_tc_apikey_generate(text, op.id, op.hash)) != HM_OK) {
		json_decref(body);
		hm_http_respond_error(req, 500, "internal", "%s", hm_strerror(rc));
		return;
	}
	op.label = (const uint8_t *)label;
	op.label_len = strlen(label);
	hm_buf_init(&payload);
	rc = hm_tc_apikey_create_op_encode(&op, &payload);
	json_decref(body);
	memcpy(idpad, op.id, HM_TC_KEY_ID_LEN);
	if (rc != HM_OK)
		hm_http_respond_error(req, 500, "internal", "%s", hm_strerror(rc));
	else
		submit_and_wait(s, req, PENDING_APIKEY, HM_OP_TC_APIKEY_CREATE, &payload,
		                WAIT_DEFAULT_MS, none, idpad, text, op.role);
	hm_wipe(text, sizeof(text));
	hm_buf_free(&payload);
}

/*
 * POST /v1/proofs/validate {"operation": BASE64}: which of the four proofs
 * of an operation envelope fail against committed state now, and why.
 */
static void h_validate(struct hm_http_req *req, void *arg)
{
	struct hm_services *s = arg;
	struct hm_proofs_result res;
	const char *b64 = NULL;
	uint8_t *op = NULL;
	size_t cap, len = 0;
	json_t *body, *failed;
	int rc;

	if (hm_http_req_json(req, &body) != HM_OK)
		return;
	if (hm_json_get_string(body, "operation", &b64) != HM_OK) {
		json_decref(body);
		hm_http_respond_error(req, 400, "bad_request",
		                      "\"operation\" (base64) is required");
		return;
	}
	cap = strlen(b64) / 4 * 3 + 3;
	op = malloc(cap);
	rc = op == NULL ? HM_ERR_NOMEM : hm_base64_decode(op, cap, &len, b64, strlen(b64));
	json_decref(body);
	if (rc != HM_OK) {
		free(op);
		hm_http_respond_error(req, 400, "bad_request", "operation is not base64");
		return;
	}
	rc = svc_validate_now(s, op, len, &res);
	free(op);
	if (rc == HM_ERR_NOMEM || rc == HM_ERR_IO || rc == HM_ERR_CORRUPT) {
		hm_http_respond_error(req, 500, "internal", "%s", hm_strerror(rc));
		return;
	}
	if (rc != HM_OK) {
		hm_http_respond_error(req, 400, "bad_operation", "the envelope does not decode: %s",
		                      hm_strerror(rc));
		return;
	}
	failed = json_array();
	for (int k = 0; k < HM_PROOF_KINDS; k++) {
		if (res.failed & HM_PROOF_BIT(k))
			json_array_append_new(
			        failed, json_pack("{s:s, s:s}", "proof",
			                          hm_proof_kind_name((enum hm_proof_kind)k),
			                          "reason", hm_proof_reason_str(res.reason[k])));
	}
	hm_http_respond_json(req, 200,
	                     json_pack("{s:b, s:o}", "valid", res.failed == 0, "failed", failed));
}

/* GET /ct/checkpoint: a C2SP checkpoint of the log as it is now (public). */
static void h_checkpoint(struct hm_http_req *req, void *arg)
{
	struct hm_services *s = arg;
	struct hm_ct_log *log = hm_tc_ct_log(s->tc);
	struct hm_buf note;
	uint64_t size;
	int rc;

	hm_buf_init(&note);
	if ((rc = hm_ct_log_size(log, &size)) != HM_OK ||
	    (rc = hm_ct_checkpoint_sign(log, size, s->origin, &s->note_signer, &note)) != HM_OK) {
		hm_buf_free(&note);
		hm_http_respond_error(req, 500, "internal", "%s", hm_strerror(rc));
		return;
	}
	hm_http_req_add_header(req, "Cache-Control", "no-cache");
	hm_http_respond(req, 200, "text/plain; charset=utf-8", note.data, note.len);
	hm_buf_free(&note);
}

/*
 * GET /ct/tile/<L>/<N>[.p/<W>] and /ct/tile/entries/<N>[.p/<W>] (c2sp.org
 * tlog-tiles, public) for the log at its current size. Full tiles never
 * change and are cacheable forever; partial ones only briefly.
 */
static void h_tile(struct hm_http_req *req, void *arg)
{
	struct hm_services *s = arg;
	struct hm_ct_log *log = hm_tc_ct_log(s->tc);
	const char *path = hm_http_req_path(req) + strlen("/ct/");
	struct hm_ct_tile t;
	struct hm_buf out;
	uint64_t size;
	int rc;

	if (hm_ct_tile_path_parse(&t, path, strlen(path)) != HM_OK) {
		hm_http_respond_error(req, 404, "not_found", "not a tile path");
		return;
	}
	if (hm_ct_log_size(log, &size) != HM_OK) {
		hm_http_respond_error(req, 500, "internal", "cannot read the log");
		return;
	}
	hm_buf_init(&out);
	rc = hm_ct_tile_read(log, size, &t, &out);
	if (rc == HM_ERR_NOT_FOUND || rc == HM_ERR_RANGE) {
		hm_http_respond_error(req, 404, "not_found", "the log has no such tile");
	} else if (rc != HM_OK) {
		hm_http_respond_error(req, 500, "internal", "%s", hm_strerror(rc));
	} else {
		hm_http_req_add_header(req, "Cache-Control",
		                       hm_ct_tile_is_full(&t)
		                               ? "public, max-age=31536000, immutable"
		                               : "public, max-age=5");
		hm_http_respond(req, 200, "application/octet-stream", out.data, out.len);
	}
	hm_buf_free(&out);
}

/*
 * POST /v1/transactions (admin): the body's bytes as one raw transaction for
 * consensus to order, answered 202 with its id at once. Raw transactions are
 * not operations: execution records them as refused (no envelope). This is
 * how bench/issuance.sh measures ordering alone through the devnet.
 */
static void h_raw_tx(struct hm_http_req *req, void *arg)
{
	struct hm_services *s = arg;
	uint8_t txid[HM_TXID_LEN];
	size_t len;
	const uint8_t *body = hm_http_req_body(req, &len);
	int rc = hm_node_submit(s->node, body, len, txid);

	if (rc == HM_ERR_LENGTH) {
		hm_http_respond_error(req, 400, "bad_request",
		                      "a transaction is 1..65535 bytes (the request body)");
		return;
	}
	if (rc == HM_ERR_TOO_LARGE) {
		hm_http_req_add_header(req, "Retry-After", "1");
		hm_http_respond_error(req, 503, "overloaded", "the mempool is full");
		return;
	}
	if (rc != HM_OK && rc != HM_ERR_EXISTS) {
		hm_http_respond_error(req, 503, "unavailable", "%s", hm_strerror(rc));
		return;
	}
	hm_http_respond_json(req, 202,
	                     json_pack("{s:o, s:b}", "transaction", hex_json(txid, HM_TXID_LEN),
	                               "duplicate", rc == HM_ERR_EXISTS));
}

/* GET /v1/ct/sth: the current signed tree head (RFC 6962 get-sth shape). */
static void h_sth(struct hm_http_req *req, void *arg)
{
	struct hm_services *s = arg;
	struct hm_ct_sth sth;
	int rc = hm_tc_get_sth(s->tc, svc_now_ms(), &sth);

	if (rc != HM_OK) {
		hm_http_respond_error(req, 503, "unavailable", "no signed tree head: %s",
		                      hm_strerror(rc));
		return;
	}
	hm_http_respond_json(
	        req, 200,
	        json_pack("{s:I, s:I, s:o, s:i, s:o}", "tree_size", (json_int_t)sth.tree_size,
	                  "timestamp", (json_int_t)sth.timestamp, "sha256_root_hash",
	                  b64_json(sth.root_hash, HM_CT_HASH_LEN), "signature_scheme",
	                  (int)sth.sig_scheme, "signature", b64_json(sth.sig, sth.sig_len)));
}

/* GET /v1/ct/entries?start=A&end=B (inclusive, at most ENTRIES_MAX). */
static void h_entries(struct hm_http_req *req, void *arg)
{
	struct hm_services *s = arg;
	struct hm_ct_log *log = hm_tc_ct_log(s->tc);
	uint64_t start, end, size;
	struct hm_buf e;
	json_t *arr;

	if (parse_u64_param(hm_http_req_query(req, "start"), &start) != HM_OK ||
	    parse_u64_param(hm_http_req_query(req, "end"), &end) != HM_OK || end < start) {
		hm_http_respond_error(req, 400, "bad_request",
		                      "start and end (start <= end) required");
		return;
	}
	if (hm_ct_log_size(log, &size) != HM_OK) {
		hm_http_respond_error(req, 500, "internal", "cannot read the log");
		return;
	}
	if (start >= size) {
		hm_http_respond_error(req, 400, "bad_request",
		                      "start is beyond the log (size %llu)",
		                      (unsigned long long)size);
		return;
	}
	if (end >= size)
		end = size - 1;
	if (end - start >= ENTRIES_MAX)
		end = start + ENTRIES_MAX - 1;
	arr = json_array();
	hm_buf_init(&e);
	for (uint64_t i = start; i <= end; i++) {
		hm_buf_truncate(&e, 0);
		if (hm_ct_log_entry(log, i, &e) != HM_OK)
			break;
		json_array_append_new(arr,
		                      json_pack("{s:o}", "leaf_input", b64_json(e.data, e.len)));
	}
	hm_buf_free(&e);
	hm_http_respond_json(req, 200, json_pack("{s:o}", "entries", arr));
}

static json_t *proof_json(uint8_t (*p)[HM_CT_HASH_LEN], size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, b64_json(p[i], HM_CT_HASH_LEN));
	return a;
}

/* GET /v1/ct/proof/inclusion?index=N&tree_size=M */
static void h_inclusion(struct hm_http_req *req, void *arg)
{
	struct hm_services *s = arg;
	uint8_t proof[PROOF_MAX][HM_CT_HASH_LEN];
	uint64_t index, size;
	size_t n;
	int rc;

	if (parse_u64_param(hm_http_req_query(req, "index"), &index) != HM_OK ||
	    parse_u64_param(hm_http_req_query(req, "tree_size"), &size) != HM_OK) {
		hm_http_respond_error(req, 400, "bad_request", "index and tree_size required");
		return;
	}
	rc = hm_ct_log_inclusion_proof(hm_tc_ct_log(s->tc), index, size, proof, PROOF_MAX, &n);
	if (rc == HM_ERR_RANGE || rc == HM_ERR_INVALID) {
		hm_http_respond_error(req, 400, "bad_request", "no such index or tree size");
		return;
	}
	if (rc != HM_OK) {
		hm_http_respond_error(req, 500, "internal", "%s", hm_strerror(rc));
		return;
	}
	hm_http_respond_json(req, 200,
	                     json_pack("{s:I, s:o}", "leaf_index", (json_int_t)index, "audit_path",
	                               proof_json(proof, n)));
}

/* GET /v1/ct/proof/consistency?first=A&second=B */
static void h_consistency(struct hm_http_req *req, void *arg)
{
	struct hm_services *s = arg;
	uint8_t proof[PROOF_MAX][HM_CT_HASH_LEN];
	uint64_t first, second;
	size_t n;
	int rc;

	if (parse_u64_param(hm_http_req_query(req, "first"), &first) != HM_OK ||
	    parse_u64_param(hm_http_req_query(req, "second"), &second) != HM_OK) {
		hm_http_respond_error(req, 400, "bad_request", "first and second required");
		return;
	}
	rc = hm_ct_log_consistency_proof(hm_tc_ct_log(s->tc), first, second, proof, PROOF_MAX, &n);
	if (rc == HM_ERR_RANGE || rc == HM_ERR_INVALID) {
		hm_http_respond_error(req, 400, "bad_request",
		                      "need 0 < first <= second <= the log's size");
		return;
	}
	if (rc != HM_OK) {
		hm_http_respond_error(req, 500, "internal", "%s", hm_strerror(rc));
		return;
	}
	hm_http_respond_json(req, 200, json_pack("{s:o}", "consistency", proof_json(proof, n)));
}

static json_t *status_json(struct hm_services *s)
{
	struct hm_node_status st;
	json_t *vals = json_array(), *offenders = json_array();

	hm_node_status(s->node, &st);
	/* Validators named by committed equivocation evidence (docs/CONSENSUS.md §4). */
	for (uint16_t i = 0; i < s->cfg->nvalidators; i++)
		if (st.offenses[i] > 0)
			json_array_append_new(offenders,
			                      json_pack("{s:i, s:I}", "index", i, "evidence",
			                                (json_int_t)st.offenses[i]));
	for (uint16_t i = 0; i < s->cfg->nvalidators; i++) {
		const struct hm_node_validator *v = &s->cfg->validators[i];
		char addr[HM_NODE_HOST_MAX + 8];

		snprintf(addr, sizeof(addr), "%s:%u", v->stoq.host, v->stoq.port);
		json_array_append_new(vals, json_pack("{s:i, s:o, s:s}", "index", i, "node_id",
		                                      hex_json(v->node_id, HM_NODE_ID_LEN), "stoq",
		                                      addr));
	}
	return json_pack("{s:I, s:o, s:I, s:I, s:i, s:i, s:I, s:I, s:o, s:I, s:o}", "height",
	                 (json_int_t)st.height, "hash", hex_json(st.hash, HM_BFT_HASH_LEN),
	                 "applied_height", (json_int_t)st.applied_height, "view",
	                 (json_int_t)st.view, "self", st.self, "peers_connected",
	                 st.peers_connected, "last_commit_latency_ms",
	                 (json_int_t)st.last_commit_latency_ms, "mempool", (json_int_t)st.mempool,
	                 "validators", vals, "evidence_count", (json_int_t)st.evidence_count,
	                 "offenders", offenders);
}

static void h_status(struct hm_http_req *req, void *arg)
{
	json_t *o = status_json(arg);

	if (o != NULL) /* the PoTime anchor and its counters (NODE.md "PoTime anchors") */
		json_object_set_new(o, "potime", svc_anchor_status(arg));
	hm_http_respond_json(req, 200, o);
}

/* GET /v1/health: 200 while connected to a quorum and not failed. */
static void h_health(struct hm_http_req *req, void *arg)
{
	struct hm_services *s = arg;
	struct hm_node_status st;
	unsigned n = s->cfg->nvalidators, quorum = n - (n - 1) / 3;
	int ok;

	hm_node_status(s->node, &st);
	ok = hm_node_failure(s->node) == HM_OK && st.peers_connected + 1u >= quorum &&
	     s->anchor.ready;
	hm_http_respond_json(req, ok ? 200 : 503,
	                     json_pack("{s:s, s:I, s:i, s:b}", "status", ok ? "ok" : "degraded",
	                               "height", (json_int_t)st.height, "peers_connected",
	                               st.peers_connected, "time_proof_ready", s->anchor.ready));
}

/* ---- metrics ---- */

void svc_api_on_commit(struct hm_services *s, const struct hm_block_info *b, size_t ntx)
{
	struct hm_node_status st;
	uint64_t now = svc_now_ms(), size;

	if (s->metrics == NULL)
		return;
	hm_counter_inc(s->m_blocks);
	hm_counter_add(s->m_txs, ntx);
	hm_histogram_observe(s->m_commit_latency,
	                     now > b->timestamp_ms ? (double)(now - b->timestamp_ms) / 1e3 : 0.0);
	hm_node_status(s->node, &st);
	hm_gauge_set(s->m_height, (double)st.height);
	hm_gauge_set(s->m_mempool, (double)st.mempool);
	hm_gauge_set(s->m_peers, (double)st.peers_connected);
	if (hm_ct_log_size(hm_tc_ct_log(s->tc), &size) == HM_OK)
		hm_gauge_set(s->m_ct_size, (double)size);
	if (s->anchor.ready)
		hm_gauge_set(s->m_anchor_age, (double)(b->height - s->anchor.height));
	{
		struct hm_stoq_stats ss;

		hm_node_stoq_stats(s->node, &ss);
		if (ss.tx_bytes >= s->stoq_tx_seen)
			hm_counter_add(s->m_stoq_tx, ss.tx_bytes - s->stoq_tx_seen);
		if (ss.rx_bytes >= s->stoq_rx_seen)
			hm_counter_add(s->m_stoq_rx, ss.rx_bytes - s->stoq_rx_seen);
		s->stoq_tx_seen = ss.tx_bytes;
		s->stoq_rx_seen = ss.rx_bytes;
		hm_gauge_set(s->m_stoq_conns, (double)ss.connections);
	}
	if (st.evidence_count > s->evidence_seen)
		hm_counter_add(s->m_evidence, st.evidence_count - s->evidence_seen);
	s->evidence_seen = st.evidence_count;
	hm_counter_add(s->m_chain_hits, s->stake_cache.hits - s->chain_hits_seen);
	hm_counter_add(s->m_chain_misses, s->stake_cache.misses - s->chain_misses_seen);
	s->chain_hits_seen = s->stake_cache.hits;
	s->chain_misses_seen = s->stake_cache.misses;
}

static int metrics_new(struct hm_services *s)
{
	struct hm_metrics *m;
	int rc;

	if ((rc = hm_metrics_new(&s->metrics)) != HM_OK)
		return rc;
	m = s->metrics;
	if ((rc = hm_metrics_counter(m, "hypermesh_blocks_total", "Blocks committed and applied.",
	                             NULL, 0, &s->m_blocks)) ||
	    (rc = hm_metrics_counter(m, "hypermesh_transactions_total",
	                             "Transactions in committed blocks.", NULL, 0, &s->m_txs)) ||
	    (rc = hm_metrics_counter(m, "hypermesh_certificates_issued_total",
	                             "Certificates issued through this node's API.", NULL, 0,
	                             &s->m_issued)) ||
	    (rc = hm_metrics_counter(m, "hypermesh_operations_rejected_total",
	                             "Operations of this node's API refused at execution.", NULL, 0,
	                             &s->m_rejected)) ||
	    (rc = hm_metrics_counter(m, "hypermesh_stoq_sent_bytes_total",
	                             "UDP payload bytes STOQ sent.", NULL, 0, &s->m_stoq_tx)) ||
	    (rc = hm_metrics_counter(m, "hypermesh_stoq_received_bytes_total",
	                             "UDP payload bytes STOQ received.", NULL, 0, &s->m_stoq_rx)) ||
	    (rc = hm_metrics_counter(m, "hypermesh_consensus_evidence_total",
	                             "Equivocation evidence records committed in the chain.", NULL,
	                             0, &s->m_evidence)) ||
	    (rc = hm_metrics_counter(m, "hypermesh_stake_chain_cache_hits_total",
	                             "Operations whose certificate chain was found verified.", NULL,
	                             0, &s->m_chain_hits)) ||
	    (rc = hm_metrics_counter(m, "hypermesh_stake_chain_cache_misses_total",
	                             "Operations whose certificate chain was verified in full.",
	                             NULL, 0, &s->m_chain_misses)) ||
	    (rc = hm_metrics_gauge(m, "hypermesh_stoq_connections",
	                           "Open STOQ connections (validators and clients).", NULL, 0,
	                           &s->m_stoq_conns)) ||
	    (rc = hm_metrics_gauge(m, "hypermesh_height", "Committed height.", NULL, 0,
	                           &s->m_height)) ||
	    (rc = hm_metrics_gauge(m, "hypermesh_mempool_transactions",
	                           "Transactions waiting in the mempool.", NULL, 0,
	                           &s->m_mempool)) ||
	    (rc = hm_metrics_gauge(m, "hypermesh_stoq_peers_connected",
	                           "Validators this node has a STOQ connection to.", NULL, 0,
	                           &s->m_peers)) ||
	    (rc = hm_metrics_gauge(m, "hypermesh_ct_tree_size", "Entries in the CT log.", NULL, 0,
	                           &s->m_ct_size)) ||
	    (rc = hm_metrics_gauge(m, "hypermesh_potime_anchor_age_blocks",
	                           "Blocks since the PoTime anchor this node uses.", NULL, 0,
	                           &s->m_anchor_age)) ||
	    (rc = hm_metrics_histogram(m, "hypermesh_commit_latency_seconds",
	                               "Commit time minus the block's timestamp.", NULL, 0,
	                               hm_metrics_latency_buckets, hm_metrics_latency_nbuckets,
	                               &s->m_commit_latency)) ||
	    (rc = hm_metrics_histogram(m, "hypermesh_issue_latency_seconds",
	                               "Certificate request to committed answer, this node's API.",
	                               NULL, 0, hm_metrics_latency_buckets,
	                               hm_metrics_latency_nbuckets, &s->m_issue_latency)))
		return rc;
	return HM_OK;
}

/* ---- the server ---- */

int svc_api_new(struct hm_services *s, char *err, size_t errlen)
{
	static const struct {
		const char *method, *pattern, *permission;
		hm_http_handler_fn fn;
	} routes[] = {
		{ "POST", "/v1/certificates", "issue", h_issue },
		{ "GET", "/v1/certificates/{serial}", "read", h_get_cert },
		{ "POST", "/v1/certificates/{serial}/revoke", "revoke", h_revoke },
		{ "GET", "/v1/requests/{id}", "read", h_get_request },
		{ "POST", "/v1/apikeys", "keys", h_apikey_create },
		{ "POST", "/v1/proofs/validate", "status", h_validate },
		{ "POST", "/v1/transactions", "keys", h_raw_tx },
		{ "GET", "/v1/ct/sth", "ct", h_sth },
		{ "GET", "/v1/ct/entries", "ct", h_entries },
		{ "GET", "/v1/ct/proof/inclusion", "ct", h_inclusion },
		{ "GET", "/v1/ct/proof/consistency", "ct", h_consistency },
		{ "GET", "/v1/consensus/status", "status", h_status },
		{ "GET", "/v1/health", NULL, h_health },
		{ "GET", "/ct/checkpoint", NULL, h_checkpoint },
		/* Tile paths have 3 to 9 segments after /ct (tlog-tiles' N in groups of three). */
		{ "GET", "/ct/tile/{a}/{b}", NULL, h_tile },
		{ "GET", "/ct/tile/{a}/{b}/{c}", NULL, h_tile },
		{ "GET", "/ct/tile/{a}/{b}/{c}/{d}", NULL, h_tile },
		{ "GET", "/ct/tile/{a}/{b}/{c}/{d}/{e}", NULL, h_tile },
		{ "GET", "/ct/tile/{a}/{b}/{c}/{d}/{e}/{f}", NULL, h_tile },
		{ "GET", "/ct/tile/{a}/{b}/{c}/{d}/{e}/{f}/{g}", NULL, h_tile },
		{ "GET", "/ct/tile/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}", NULL, h_tile },
		{ "GET", "/ct/tile/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", NULL, h_tile },
	};
	struct hm_http_config hc;
	int rc;

	if ((rc = metrics_new(s)) != HM_OK ||
	    (rc = hm_tc_ratelimit_new(5000.0, 10000.0, 4096, &s->ratelimit)) != HM_OK) {
		snprintf(err, errlen, "API: %s", hm_strerror(rc));
		return rc;
	}
	/* chain_pem falls back to encoding per response if this fails */
	if ((s->chain_pem = calloc(s->genesis.n_intermediates + 1, sizeof(*s->chain_pem))) !=
	    NULL) {
		s->n_chain_pem = s->genesis.n_intermediates + 1;
		for (size_t i = 0; i < s->n_chain_pem; i++) {
			s->chain_pem[i] = chain_pem(s, i);
			if (json_is_null(s->chain_pem[i])) {
				json_decref(s->chain_pem[i]);
				s->chain_pem[i] = NULL;
			}
		}
	}
	if (!s->cfg->has_api)
		return HM_OK;
	memset(&hc, 0, sizeof(hc));
	hc.bind_address = s->cfg->api_listen.host;
	hc.port = s->cfg->api_listen.port;
	hc.max_body = 64 * 1024;
	hc.async_timeout_ms = WAIT_MAX_MS + 5000;
	hc.authorize = authorize;
	hc.authorize_ctx = s;
	hc.metrics = s->metrics;
	if ((rc = hm_http_server_new(s->loop, &hc, &s->http)) != HM_OK) {
		snprintf(err, errlen, "API: %s", hm_strerror(rc));
		return rc;
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if ((rc = hm_http_server_route(s->http, routes[i].method, routes[i].pattern,
		                               routes[i].permission, routes[i].fn, s)) != HM_OK) {
			snprintf(err, errlen, "API route %s: %s", routes[i].pattern,
			         hm_strerror(rc));
			return rc;
		}
	}
	if ((rc = hm_http_server_add_metrics(s->http, "/metrics", s->metrics)) != HM_OK ||
	    (s->cfg->api_dashboard_dir[0] != '\0' &&
	     (rc = hm_http_server_add_static(s->http, "/", s->cfg->api_dashboard_dir)) != HM_OK)) {
		snprintf(err, errlen, "API: %s", hm_strerror(rc));
		return rc;
	}
	return HM_OK;
}

void svc_api_free(struct hm_services *s)
{
	for (size_t i = 0; i < s->n_chain_pem; i++)
		json_decref(s->chain_pem[i]);
	free(s->chain_pem);
	s->chain_pem = NULL;
	s->n_chain_pem = 0;
}
