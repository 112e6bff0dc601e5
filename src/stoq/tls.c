/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE /* libuv headers need POSIX types (pthread_rwlock_t) */
/*
 * TLS for STOQ: the certificate an endpoint presents for its Ed25519 identity
 * (a self-signed one, or a TrustChain chain from cfg.cert_chain), GnuTLS
 * sessions restricted to TLS 1.3 and the STOQ ALPN names, and the peer check
 * that pins node ids and, with cfg.trust_root, verifies the peer's chain.
 */
#include <string.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/hash.h"
#include "hypermesh/log.h"
#include "hypermesh/random.h"
#include "hypermesh/secure.h"
#include "hypermesh/trustchain.h"
#include "stoq_internal.h"

/*
 * TLS 1.3 only (QUIC requires it) without middlebox compatibility mode (RFC
 * 9001 §8.4), AEADs QUIC defines, and Ed25519 signatures, which is what our
 * identities are.
 */
static const char stoq_priority[] =
        "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:"
        "-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:-SIGN-ALL:+SIGN-EDDSA-ED25519:"
        "%DISABLE_TLS13_COMPAT_MODE";

/* Ten years: the certificate is only a carrier for the pinned key. */
#define CERT_LIFETIME_S (10 * 365 * 24 * 3600L)

static int make_certificate(struct hm_stoq_endpoint *ep, gnutls_x509_crt_t *crt_out,
                            gnutls_x509_privkey_t *key_out)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t x = { ep->identity.pk, HM_ED25519_PK_LEN };
	gnutls_datum_t k = { ep->identity.sk, HM_ED25519_SK_LEN };
	char cn[HM_HEX_LEN(HM_NODE_ID_LEN) + 1];
	uint8_t serial[16];
	time_t now = time(NULL);
	int rc = HM_ERR_CRYPTO;

	if (hm_random_bytes(serial, sizeof(serial)) != HM_OK)
		return HM_ERR_RANDOM;
	serial[0] &= 0x7f; /* a positive INTEGER */
	if (gnutls_x509_privkey_init(&key) < 0)
		return HM_ERR_NOMEM;
	if (gnutls_x509_privkey_import_ecc_raw(key, GNUTLS_ECC_CURVE_ED25519, &x, NULL, &k) < 0)
		goto out;
	if (gnutls_x509_crt_init(&crt) < 0) {
		rc = HM_ERR_NOMEM;
		goto out;
	}
	(void)hm_hex_encode(cn, sizeof(cn), ep->node_id, sizeof(ep->node_id));
	if (gnutls_x509_crt_set_version(crt, 3) < 0 ||
	    gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) < 0 ||
	    gnutls_x509_crt_set_activation_time(crt, now - 3600) < 0 ||
	    gnutls_x509_crt_set_expiration_time(crt, now + CERT_LIFETIME_S) < 0 ||
	    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen(cn)) <
	            0 ||
	    gnutls_x509_crt_set_issuer_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
	                                         strlen(cn)) < 0 ||
	    gnutls_x509_crt_set_key(crt, key) < 0 ||
	    gnutls_x509_crt_set_basic_constraints(crt, 0, -1) < 0 ||
	    gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE) < 0 ||
	    gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0) < 0 ||
	    gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_CLIENT, 0) < 0 ||
	    gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA512, 0) < 0)
		goto out;
	*crt_out = crt;
	*key_out = key;
	return HM_OK;
out:
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return rc;
}

/*
 * The peer's node id from its end-entity certificate: SHA-256 of its raw
 * Ed25519 key. Anything but exactly one Ed25519 key is refused. The TLS
 * CertificateVerify has already proved the peer holds the key.
 */
static int peer_node_id(gnutls_session_t session, uint8_t id[HM_NODE_ID_LEN],
                        uint8_t raw_pk[HM_ED25519_PK_LEN])
{
	const gnutls_datum_t *certs;
	unsigned int ncerts = 0;
	gnutls_pubkey_t pk = NULL;
	gnutls_datum_t x = { NULL, 0 };
	gnutls_ecc_curve_t curve;
	int rc = HM_ERR_CRYPTO;

	certs = gnutls_certificate_get_peers(session, &ncerts);
	if (certs == NULL || ncerts == 0)
		return HM_ERR_CRYPTO;
	if (gnutls_pubkey_init(&pk) < 0)
		return HM_ERR_NOMEM;
	if (gnutls_pubkey_import_x509_raw(pk, &certs[0], GNUTLS_X509_FMT_DER, 0) < 0)
		goto out;
	if (gnutls_pubkey_get_pk_algorithm(pk, NULL) != GNUTLS_PK_EDDSA_ED25519)
		goto out;
	if (gnutls_pubkey_export_ecc_raw2(pk, &curve, &x, NULL, 0) < 0)
		goto out;
	if (curve != GNUTLS_ECC_CURVE_ED25519 || x.size != HM_ED25519_PK_LEN)
		goto out;
	hm_sha256(id, x.data, x.size);
	memcpy(raw_pk, x.data, HM_ED25519_PK_LEN);
	rc = HM_OK;
out:
	gnutls_free(x.data);
	gnutls_pubkey_deinit(pk);
	return rc;
}

/* Does the leaf carry the TrustChain node profile's purposes (TLS server and client)? */
static int leaf_is_node_profile(const gnutls_datum_t *der)
{
	gnutls_x509_crt_t crt = NULL;
	char oid[128];
	size_t oid_len;
	int server = 0, client = 0;

	if (gnutls_x509_crt_init(&crt) < 0)
		return 0;
	if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) == 0) {
		for (unsigned i = 0;; i++) {
			oid_len = sizeof(oid);
			if (gnutls_x509_crt_get_key_purpose_oid(crt, i, oid, &oid_len, NULL) < 0)
				break;
			server |= strcmp(oid, GNUTLS_KP_TLS_WWW_SERVER) == 0;
			client |= strcmp(oid, GNUTLS_KP_TLS_WWW_CLIENT) == 0;
		}
	}
	gnutls_x509_crt_deinit(crt);
	return server && client;
}

/* A certificate that names itself as issuer and carries its own valid signature. */
static int is_self_signed(const gnutls_datum_t *der)
{
	gnutls_x509_crt_t crt = NULL;
	unsigned status = 1;
	int ok = 0;

	if (gnutls_x509_crt_init(&crt) < 0)
		return 0;
	if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) == 0 &&
	    gnutls_x509_crt_check_issuer(crt, crt) == 1 &&
	    gnutls_x509_crt_verify(crt, &crt, 1, GNUTLS_VERIFY_DISABLE_TIME_CHECKS, &status) == 0)
		ok = status == 0;
	gnutls_x509_crt_deinit(crt);
	return ok;
}

static enum hm_stoq_chain_error chain_error_of(enum hm_tc_verify_reason reason)
{
	switch (reason) {
	case HM_TC_VERIFY_OK:
		return HM_STOQ_CHAIN_OK;
	case HM_TC_VERIFY_NOT_YET_VALID:
	case HM_TC_VERIFY_EXPIRED:
		return HM_STOQ_CHAIN_EXPIRED;
	case HM_TC_VERIFY_MALFORMED:
	case HM_TC_VERIFY_TOO_LONG:
		return HM_STOQ_CHAIN_MALFORMED;
	default: /* a classical or PQ signature that does not lead to the root */
		return HM_STOQ_CHAIN_UNTRUSTED;
	}
}

/*
 * With a configured TrustChain root, the peer's chain (leaf first, as sent
 * in its TLS Certificate message) must lead to it at the present time and
 * the leaf must be a node certificate. The leaf's key is the one the node id
 * was computed from, so the chain certifies exactly the pinned identity.
 */
static int verify_peer_chain(struct hm_stoq_conn *c, gnutls_session_t session)
{
	const uint8_t *der[HM_TC_CHAIN_MAX];
	size_t len[HM_TC_CHAIN_MAX];
	struct hm_stoq_endpoint *ep = c->ep;
	const struct stoq_chain_cache_entry *e;
	struct stoq_chain_cache_entry fresh;
	uint8_t digest[HM_SHA256_LEN];
	uint64_t now;
	const gnutls_datum_t *certs;
	unsigned int ncerts = 0, n;
	struct hm_tc_verify_result res;
	int rc;

	certs = gnutls_certificate_get_peers(session, &ncerts);
	if (certs == NULL || ncerts == 0) {
		c->chain_error = HM_STOQ_CHAIN_MISSING;
		return HM_ERR_VERIFY;
	}
	if (c->is_server && ep->cfg.accept_self_signed_clients && ncerts == 1 &&
	    is_self_signed(&certs[0]))
		return HM_OK; /* admitted uncertified (hm_stoq_conn_is_certified is 0) */
	/* A peer may append the root itself; the trusted copy is ours. */
	n = ncerts;
	if (n > 1 && certs[n - 1].size == ep->trust_root.len &&
	    memcmp(certs[n - 1].data, ep->trust_root.data, ep->trust_root.len) == 0)
		n--;
	if (n > HM_TC_CHAIN_MAX) {
		c->chain_error = HM_STOQ_CHAIN_MALFORMED;
		return HM_ERR_VERIFY;
	}
	for (unsigned i = 0; i < n; i++) {
		der[i] = certs[i].data;
		len[i] = certs[i].size;
	}
	now = (uint64_t)time(NULL);
	rc = stoq_chain_digest(ep->trust_root.data, ep->trust_root.len, der, len, n, digest);
	if (rc != HM_OK)
		return rc;
	/* The same bytes under the same root, still valid: verified before (chain_cache.c). */
	e = stoq_chain_cache_find(&ep->chain_cache, digest, now);
	if (e != NULL) {
		ep->stats.chain_cache_hits++;
	} else {
		ep->stats.chain_verifications++;
		rc = hm_tc_chain_verify(der, len, n, ep->trust_root.data, ep->trust_root.len, now,
		                        &res);
		if (rc == HM_ERR_NOMEM)
			return rc;
		if (rc != HM_OK) {
			c->chain_error = chain_error_of(res.reason);
			hm_log(HM_LOG_WARN, "stoq", "peer certificate chain refused",
			       HM_LOG_STR("reason", hm_tc_verify_reason_str(res.reason)),
			       HM_LOG_INT("depth", res.depth));
			return HM_ERR_VERIFY;
		}
		if (!leaf_is_node_profile(&certs[0])) {
			c->chain_error = HM_STOQ_CHAIN_PROFILE;
			hm_log_msg(HM_LOG_WARN, "stoq",
			           "peer certificate is not a TrustChain node certificate");
			return HM_ERR_VERIFY;
		}
		rc = stoq_chain_entry_make(&fresh, digest, ep->trust_root.data, ep->trust_root.len,
		                           der, len, n);
		if (rc == HM_ERR_NOMEM)
			return rc;
		if (rc != HM_OK) {
			c->chain_error = HM_STOQ_CHAIN_MALFORMED;
			return HM_ERR_VERIFY;
		}
		e = stoq_chain_cache_store(&ep->chain_cache, &fresh, now);
	}
	/* Revocation can change at any time: asked every time, never cached. */
	if (ep->cfg.cert_revoked != NULL) {
		for (unsigned i = 0; i < e->nserials; i++) {
			if (ep->cfg.cert_revoked(e->serial[i], e->serial_len[i], (int)i,
			                         ep->cfg.user) != 0) {
				c->chain_error = HM_STOQ_CHAIN_REVOKED;
				hm_log(HM_LOG_WARN, "stoq", "peer certificate revoked",
				       HM_LOG_INT("depth", (int64_t)i));
				return HM_ERR_VERIFY;
			}
		}
	}
	c->certified = 1;
	return HM_OK;
}

static int verify_peer(gnutls_session_t session)
{
	ngtcp2_crypto_conn_ref *ref = gnutls_session_get_ptr(session);
	struct hm_stoq_conn *c = ref->user_data;
	uint8_t id[HM_NODE_ID_LEN];
	int rc;

	rc = peer_node_id(session, id, c->peer_pk);
	if (rc != HM_OK) {
		c->local_err = rc;
		return -1;
	}
	if (!c->is_server && !hm_ct_equal(id, c->expected_id, HM_NODE_ID_LEN)) {
		c->local_err = HM_ERR_VERIFY;
		hm_log_msg(HM_LOG_DEBUG, "stoq", "peer identity does not match the pinned node id");
		return -1;
	}
	if (c->ep->trust_root.len > 0 && (rc = verify_peer_chain(c, session)) != HM_OK) {
		c->local_err = rc;
		return -1;
	}
	memcpy(c->peer_id, id, sizeof(id));
	c->peer_known = 1;
	return 0;
}

/*
 * Loads cfg.cert_chain (PEM certificates, leaf first, or one DER
 * certificate) and checks that its leaf certifies our identity key: a
 * chain for another key would fail every handshake, so it fails here.
 */
static int load_chain(struct hm_stoq_endpoint *ep, gnutls_x509_crt_t **crts, unsigned *n)
{
	gnutls_datum_t in = { (unsigned char *)ep->cfg.cert_chain,
		              (unsigned int)ep->cfg.cert_chain_len };
	gnutls_datum_t x = { NULL, 0 };
	gnutls_ecc_curve_t curve;
	gnutls_pubkey_t pk = NULL;
	int rc = HM_ERR_INVALID;

	if (ep->cfg.cert_chain_len == 0 ||
	    ep->cfg.cert_chain_len > HM_TC_CHAIN_MAX * HM_TC_CERT_MAX)
		return HM_ERR_INVALID;
	if (gnutls_x509_crt_list_import2(crts, n, &in, GNUTLS_X509_FMT_PEM, 0) < 0 &&
	    gnutls_x509_crt_list_import2(crts, n, &in, GNUTLS_X509_FMT_DER, 0) < 0)
		return HM_ERR_INVALID;
	if (*n == 0 || *n > HM_TC_CHAIN_MAX)
		goto out;
	if (gnutls_pubkey_init(&pk) < 0) {
		rc = HM_ERR_NOMEM;
		goto out;
	}
	if (gnutls_pubkey_import_x509(pk, (*crts)[0], 0) < 0 ||
	    gnutls_pubkey_export_ecc_raw2(pk, &curve, &x, NULL, 0) < 0 ||
	    curve != GNUTLS_ECC_CURVE_ED25519 || x.size != HM_ED25519_PK_LEN ||
	    memcmp(x.data, ep->identity.pk, HM_ED25519_PK_LEN) != 0)
		goto out;
	rc = HM_OK;
out:
	gnutls_free(x.data);
	gnutls_pubkey_deinit(pk);
	if (rc != HM_OK) {
		for (unsigned i = 0; i < *n; i++)
			gnutls_x509_crt_deinit((*crts)[i]);
		gnutls_free(*crts);
		*crts = NULL;
		*n = 0;
	}
	return rc;
}

static int use_chain(struct hm_stoq_endpoint *ep)
{
	gnutls_x509_crt_t *crts = NULL;
	gnutls_x509_privkey_t key = NULL;
	gnutls_datum_t x = { ep->identity.pk, HM_ED25519_PK_LEN };
	gnutls_datum_t k = { ep->identity.sk, HM_ED25519_SK_LEN };
	unsigned n = 0;
	int rc;

	rc = load_chain(ep, &crts, &n);
	if (rc != HM_OK)
		return rc;
	rc = HM_ERR_CRYPTO;
	if (gnutls_x509_privkey_init(&key) < 0) {
		rc = HM_ERR_NOMEM;
		goto out;
	}
	if (gnutls_x509_privkey_import_ecc_raw(key, GNUTLS_ECC_CURVE_ED25519, &x, NULL, &k) == 0 &&
	    gnutls_certificate_set_x509_key(ep->cred, crts, n, key) == 0)
		rc = HM_OK;
out:
	gnutls_x509_privkey_deinit(key);
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	return rc;
}

void stoq_tls_endpoint_free(struct hm_stoq_endpoint *ep)
{
	stoq_chain_cache_free(&ep->chain_cache);
}

int stoq_tls_cred_new(struct hm_stoq_endpoint *ep)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_x509_privkey_t key = NULL;
	int rc;

	if (gnutls_certificate_allocate_credentials(&ep->cred) < 0)
		return HM_ERR_NOMEM;
	gnutls_certificate_set_verify_function(ep->cred, verify_peer);
	if (ep->cfg.trust_root != NULL) {
		rc = hm_tc_pem_to_der(ep->cfg.trust_root, ep->cfg.trust_root_len, "CERTIFICATE",
		                      &ep->trust_root);
		if (rc != HM_OK || ep->trust_root.len == 0)
			return rc == HM_ERR_NOMEM ? rc : HM_ERR_INVALID;
		rc = stoq_chain_cache_init(&ep->chain_cache, STOQ_CHAIN_CACHE_MAX);
		if (rc != HM_OK)
			return rc;
	}
	if (ep->cfg.omit_certificate)
		return HM_OK;
	if (ep->cfg.cert_chain != NULL)
		return use_chain(ep);
	rc = make_certificate(ep, &crt, &key);
	if (rc != HM_OK)
		return rc;
	if (gnutls_certificate_set_x509_key(ep->cred, &crt, 1, key) < 0)
		rc = HM_ERR_CRYPTO;
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return rc;
}

/*
 * The modes have distinct ALPN names, each side offering only its own, so a
 * classical endpoint and a PQ one never agree on a protocol: no downgrade.
 */
const char *stoq_alpn(const struct hm_stoq_endpoint *ep)
{
	return ep->cfg.pq == HM_STOQ_PQ_OFF ? HM_STOQ_ALPN : HM_STOQ_ALPN_PQ;
}

/* A PQ server that also takes classical clients (cfg.allow_classical). */
static int offers_classical(const struct hm_stoq_conn *c)
{
	return c->is_server && c->ep->cfg.pq == HM_STOQ_PQ_REQUIRED && c->ep->cfg.allow_classical;
}

int stoq_tls_alpn_check(struct hm_stoq_conn *c)
{
	const char *want = stoq_alpn(c->ep);
	gnutls_datum_t alpn;

	if (gnutls_alpn_get_selected_protocol(c->tls, &alpn) != 0)
		return HM_ERR_CRYPTO;
	if (alpn.size == strlen(want) && memcmp(alpn.data, want, alpn.size) == 0)
		return HM_OK;
	if (offers_classical(c) && alpn.size == strlen(HM_STOQ_ALPN) &&
	    memcmp(alpn.data, HM_STOQ_ALPN, alpn.size) == 0) {
		c->pq = 0; /* this client asked for, and was allowed, classical only */
		return HM_OK;
	}
	return HM_ERR_CRYPTO;
}

int stoq_tls_session_new(struct hm_stoq_conn *c)
{
	const char *name = stoq_alpn(c->ep);
	gnutls_datum_t alpn[2] = {
		{ (unsigned char *)name, (unsigned int)strlen(name) },
		{ (unsigned char *)HM_STOQ_ALPN, (unsigned int)strlen(HM_STOQ_ALPN) },
	};
	gnutls_session_t s;
	int rc;

	if (gnutls_init(&s, c->is_server ? GNUTLS_SERVER : GNUTLS_CLIENT) < 0)
		return HM_ERR_NOMEM;
	rc = c->is_server ? ngtcp2_crypto_gnutls_configure_server_session(s)
	                  : ngtcp2_crypto_gnutls_configure_client_session(s);
	if (rc != 0 || gnutls_priority_set_direct(s, stoq_priority, NULL) < 0 ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, c->ep->cred) < 0 ||
	    gnutls_alpn_set_protocols(s, alpn, offers_classical(c) ? 2 : 1,
	                              GNUTLS_ALPN_MANDATORY | GNUTLS_ALPN_SERVER_PRECEDENCE) < 0) {
		gnutls_deinit(s);
		return HM_ERR_CRYPTO;
	}
	if (c->is_server)
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
	c->conn_ref.user_data = c;
	gnutls_session_set_ptr(s, &c->conn_ref);
	c->tls = s;
	return HM_OK;
}

int hm_stoq_conn_chain_error(const struct hm_stoq_conn *c)
{
	return c == NULL ? HM_STOQ_CHAIN_OK : c->chain_error;
}

int hm_stoq_conn_is_certified(const struct hm_stoq_conn *c)
{
	return c != NULL && c->certified;
}
