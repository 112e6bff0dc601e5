/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Issuing certificates: root, validator intermediates and leaves, each signed
 * with Ed25519 through GnuTLS and, when the issuer has a PQ key, with the
 * ITU-T X.509 alternative signature.
 *
 * GnuTLS encodes the TBSCertificate itself when it signs, so the hybrid
 * signature takes two classical signings (hybrid_sign below): (1) sign with
 * every extension but altSignatureValue, export, derive the
 * preTBSCertificate from the exported DER and PQ-sign it; (2) add
 * altSignatureValue and sign again. Ed25519 is deterministic and GnuTLS keeps
 * extensions in insertion order, so step 2 changes only the new extension and
 * the classical signature; that is checked, not assumed: the preTBS of the
 * final certificate must equal the one that was PQ-signed.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "der.h"
#include "hypermesh/error.h"
#include "hypermesh/random.h"
#include "hypermesh/secure.h"
#include "hypermesh/sha3.h"
#include "hypermesh/trustchain.h"
#include "tc.h"

#define DAY (24 * 3600ull)

static const struct {
	enum hm_tc_profile profile;
	const char *name;
	uint64_t validity;
} profiles[] = {
	{ HM_TC_PROFILE_NODE, "node", 365 * DAY },
	{ HM_TC_PROFILE_TLS_SERVER, "tls-server", 90 * DAY },
	{ HM_TC_PROFILE_TLS_CLIENT, "tls-client", 90 * DAY },
	{ HM_TC_PROFILE_TX_SIGNING, "tx-signing", 365 * DAY },
};

uint64_t hm_tc_profile_validity(enum hm_tc_profile profile)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (profiles[i].profile == profile)
			return profiles[i].validity;
	return 0;
}

const char *hm_tc_profile_name(enum hm_tc_profile profile)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (profiles[i].profile == profile)
			return profiles[i].name;
	return NULL;
}

int hm_tc_profile_from_name(const char *name, enum hm_tc_profile *profile)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		if (strcmp(profiles[i].name, name) == 0) {
			*profile = profiles[i].profile;
			return HM_OK;
		}
	}
	return HM_ERR_INVALID;
}

int tc_crt_import(const uint8_t *der, size_t len, gnutls_x509_crt_t *out)
{
	gnutls_datum_t d = { (unsigned char *)der, (unsigned)len };
	int rc;

	if (len == 0 || len > HM_TC_CERT_MAX)
		return HM_ERR_LENGTH;
	if (gnutls_x509_crt_init(out) < 0) {
		*out = NULL;
		return HM_ERR_NOMEM;
	}
	if ((rc = gnutls_x509_crt_import(*out, &d, GNUTLS_X509_FMT_DER)) < 0) {
		gnutls_x509_crt_deinit(*out);
		*out = NULL;
		return tc_gnutls_err(rc);
	}
	return HM_OK;
}

int hm_tc_pem_to_der(const uint8_t *in, size_t len, const char *label, struct hm_buf *der)
{
	gnutls_datum_t out = { NULL, 0 };
	int rc;

	if (in == NULL || len == 0)
		return HM_ERR_INVALID;
	if (len > 10 && memcmp(in, "-----BEGIN", 10) == 0) {
		gnutls_datum_t pem = { (unsigned char *)in, (unsigned)len };
		if (gnutls_pem_base64_decode2(label, &pem, &out) < 0)
			return HM_ERR_ENCODING;
		rc = hm_buf_append(der, out.data, out.size);
		gnutls_free(out.data);
		return rc;
	}
	return hm_buf_append(der, in, len);
}

void hm_tc_request_id(enum hm_tc_profile profile, uint64_t not_before, const uint8_t *csr,
                      size_t csr_len, uint8_t id[32])
{
	static const char tag[] = "hypermesh-tc-issue-v1";
	struct hm_keccak k;
	uint8_t hdr[9];

	hdr[0] = (uint8_t)profile;
	for (int i = 0; i < 8; i++)
		hdr[1 + i] = (uint8_t)(not_before >> (56 - 8 * i));
	hm_sha3_256_init(&k);
	hm_keccak_absorb(&k, tag, sizeof(tag) - 1);
	hm_keccak_absorb(&k, hdr, sizeof(hdr));
	hm_keccak_absorb(&k, csr, csr_len);
	hm_sha3_final(&k, id);
}

void hm_tc_serial_from_id(const uint8_t id[32], uint8_t serial[HM_TC_SERIAL_LEN])
{
	memcpy(serial, id, HM_TC_SERIAL_LEN);
	/* positive (top bit clear) and exactly 16 bytes in DER (next bit set): never zero */
	serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x40);
}

/* Sets SKI from the certificate's own key and AKI from the issuer's SKI. */
static int set_key_ids(gnutls_x509_crt_t crt, gnutls_x509_crt_t issuer)
{
	uint8_t id[64];
	size_t n = sizeof(id);
	unsigned crit;

	if (gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA1, id, &n) < 0 ||
	    gnutls_x509_crt_set_subject_key_id(crt, id, n) < 0)
		return HM_ERR_CRYPTO;
	if (issuer == NULL) /* self-signed: AKI = SKI */
		return gnutls_x509_crt_set_authority_key_id(crt, id, n) < 0 ? HM_ERR_CRYPTO : HM_OK;
	n = sizeof(id);
	if (gnutls_x509_crt_get_subject_key_id(issuer, id, &n, &crit) < 0 ||
	    gnutls_x509_crt_set_authority_key_id(crt, id, n) < 0)
		return HM_ERR_CRYPTO;
	return HM_OK;
}

static int set_ext(gnutls_x509_crt_t crt, const char *oid, const struct hm_buf *value)
{
	return gnutls_x509_crt_set_extension_by_oid(crt, oid, value->data, value->len, 0) < 0
	               ? HM_ERR_CRYPTO
	               : HM_OK;
}

/*
 * Signs crt (all other fields set) by issuer (issuer_crt NULL: self-signed)
 * classically and, when issuer_key has a PQ half, with the alternative
 * signature. subject_pq (alg 0: none) is embedded as subjectAltPublicKeyInfo
 * unless the caller already set the extension (copy_alt_key 0).
 */
static int hybrid_sign(gnutls_x509_crt_t crt, gnutls_x509_crt_t issuer_crt,
                       const struct hm_tc_key *issuer_key, struct hm_buf *out)
{
	gnutls_datum_t d = { NULL, 0 };
	struct hm_buf pre, pre2, ext;
	uint8_t *sig = NULL;
	size_t sig_len = 0;
	gnutls_x509_crt_t signer = issuer_crt != NULL ? issuer_crt : crt;
	int rc;

	hm_buf_init(&pre);
	hm_buf_init(&pre2);
	hm_buf_init(&ext);
	if (issuer_key->pq_alg != 0) {
		if ((rc = tc_alt_alg_encode(issuer_key->pq_alg, &ext)) != HM_OK ||
		    (rc = set_ext(crt, TC_OID_ALT_ALG, &ext)) != HM_OK)
			goto out;
	}
	if (gnutls_x509_crt_privkey_sign(crt, signer, issuer_key->priv, GNUTLS_DIG_SHA512, 0) < 0 ||
	    gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &d) < 0) {
		rc = HM_ERR_CRYPTO;
		goto out;
	}
	if (issuer_key->pq_alg != 0) {
		const struct hm_sig_info *info = hm_sig_info(issuer_key->pq_alg);

		if ((rc = hm_tc_cert_pre_tbs(d.data, d.size, &pre)) != HM_OK)
			goto out;
		if ((sig = malloc(info->sig_max)) == NULL) {
			rc = HM_ERR_NOMEM;
			goto out;
		}
		if ((rc = hm_sig_signer_sign(issuer_key->pq_signer, sig, info->sig_max, &sig_len,
		                             pre.data, pre.len)) != HM_OK)
			goto out;
		ext.len = 0;
		if ((rc = tc_alt_value_encode(sig, sig_len, &ext)) != HM_OK ||
		    (rc = set_ext(crt, TC_OID_ALT_VALUE, &ext)) != HM_OK)
			goto out;
		gnutls_free(d.data);
		d.data = NULL;
		if (gnutls_x509_crt_privkey_sign(crt, signer, issuer_key->priv, GNUTLS_DIG_SHA512,
		                                 0) < 0 ||
		    gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &d) < 0) {
			rc = HM_ERR_CRYPTO;
			goto out;
		}
		if ((rc = hm_tc_cert_pre_tbs(d.data, d.size, &pre2)) != HM_OK)
			goto out;
		if (pre.len != pre2.len || memcmp(pre.data, pre2.data, pre.len) != 0) {
			rc = HM_ERR_CRYPTO; /* GnuTLS re-encoded what we PQ-signed */
			goto out;
		}
	}
	rc = hm_buf_append(out, d.data, d.size);
out:
	gnutls_free(d.data);
	free(sig);
	hm_buf_free(&pre);
	hm_buf_free(&pre2);
	hm_buf_free(&ext);
	return rc;
}

static int set_validity(gnutls_x509_crt_t crt, uint64_t not_before, uint64_t validity)
{
	if (not_before > HM_TC_TIME_MAX || validity > HM_TC_TIME_MAX - not_before)
		return HM_ERR_RANGE;
	if (gnutls_x509_crt_set_activation_time(crt, (time_t)not_before) < 0 ||
	    gnutls_x509_crt_set_expiration_time(crt, (time_t)(not_before + validity)) < 0)
		return HM_ERR_CRYPTO;
	return HM_OK;
}

static int set_subject_pq(gnutls_x509_crt_t crt, const struct hm_tc_key *key)
{
	struct hm_buf ext;
	int rc;

	if (key->pq_alg == 0)
		return HM_OK;
	hm_buf_init(&ext);
	if ((rc = tc_alt_key_encode(key->pq_alg, key->pq_pk, key->pq_pk_len, &ext)) == HM_OK)
		rc = set_ext(crt, TC_OID_ALT_KEY, &ext);
	hm_buf_free(&ext);
	return rc;
}

static int random_serial(gnutls_x509_crt_t crt)
{
	uint8_t id[32], serial[HM_TC_SERIAL_LEN];
	int rc;

	if ((rc = hm_random_bytes(id, sizeof(id))) != HM_OK)
		return rc;
	hm_tc_serial_from_id(id, serial);
	return gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) < 0 ? HM_ERR_CRYPTO : HM_OK;
}

/* The fields every CA certificate has. */
static int ca_fields(gnutls_x509_crt_t crt, const struct hm_tc_key *key, const char *cn,
                     uint64_t not_before, uint64_t validity, int path_len)
{
	int rc;

	if (cn == NULL || *cn == '\0' || strlen(cn) > 64)
		return HM_ERR_INVALID;
	if (gnutls_x509_crt_set_version(crt, 3) < 0 ||
	    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
	                                  (unsigned)strlen(cn)) < 0 ||
	    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0, "HyperMesh",
	                                  9) < 0 ||
	    gnutls_x509_crt_set_key(crt, key->ed) < 0 ||
	    gnutls_x509_crt_set_basic_constraints(crt, 1, path_len) < 0 ||
	    gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN) < 0)
		return HM_ERR_CRYPTO;
	if ((rc = random_serial(crt)) != HM_OK ||
	    (rc = set_validity(crt, not_before, validity)) != HM_OK)
		return rc;
	return set_subject_pq(crt, key);
}

static int ca_make(gnutls_x509_crt_t crt, struct hm_tc_key *key, const char *crl_url,
                   struct hm_tc_ca **out)
{
	struct hm_tc_ca *ca = calloc(1, sizeof(*ca));
	gnutls_datum_t d = { NULL, 0 };

	if (ca == NULL || (crl_url != NULL && (ca->crl_url = strdup(crl_url)) == NULL) ||
	    gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &d) < 0 ||
	    (ca->der = malloc(d.size)) == NULL) {
		gnutls_free(d.data);
		if (ca != NULL)
			free(ca->crl_url);
		free(ca);
		hm_tc_key_free(key);
		gnutls_x509_crt_deinit(crt);
		return HM_ERR_NOMEM;
	}
	memcpy(ca->der, d.data, d.size);
	ca->der_len = d.size;
	gnutls_free(d.data);
	ca->crt = crt;
	ca->key = key;
	*out = ca;
	return HM_OK;
}

int hm_tc_root_create(struct hm_tc_key *key, const char *common_name, uint64_t not_before,
                      uint64_t validity_s, struct hm_buf *cert_der, struct hm_tc_ca **ca_out)
{
	gnutls_x509_crt_t crt;
	size_t old = cert_der->len;
	int rc;

	if (key == NULL || cert_der == NULL)
		return HM_ERR_INVALID;
	if (gnutls_x509_crt_init(&crt) < 0)
		return HM_ERR_NOMEM;
	if ((rc = ca_fields(crt, key, common_name, not_before, validity_s, 1)) != HM_OK ||
	    (rc = set_key_ids(crt, NULL)) != HM_OK ||
	    (rc = hybrid_sign(crt, NULL, key, cert_der)) != HM_OK) {
		gnutls_x509_crt_deinit(crt);
		cert_der->len = old;
		return rc;
	}
	if (ca_out == NULL) {
		gnutls_x509_crt_deinit(crt);
		return HM_OK;
	}
	if ((rc = ca_make(crt, key, NULL, ca_out)) != HM_OK)
		cert_der->len = old;
	return rc;
}

static int set_crl_dp(gnutls_x509_crt_t crt, const char *url)
{
	if (url == NULL)
		return HM_OK;
	return gnutls_x509_crt_set_crl_dist_points2(crt, GNUTLS_SAN_URI, url, (unsigned)strlen(url),
	                                            0) < 0
	               ? HM_ERR_CRYPTO
	               : HM_OK;
}

int hm_tc_intermediate_create(const struct hm_tc_ca *root, const struct hm_tc_key *subject_key,
                              const char *common_name, const char *crl_url, uint64_t not_before,
                              uint64_t validity_s, struct hm_buf *cert_der)
{
	gnutls_x509_crt_t crt;
	size_t old;
	int rc;

	if (root == NULL || subject_key == NULL || cert_der == NULL)
		return HM_ERR_INVALID;
	old = cert_der->len;
	if (gnutls_x509_crt_init(&crt) < 0)
		return HM_ERR_NOMEM;
	if ((rc = ca_fields(crt, subject_key, common_name, not_before, validity_s, 0)) != HM_OK ||
	    (rc = set_key_ids(crt, root->crt)) != HM_OK ||
	    (rc = set_crl_dp(crt, crl_url)) != HM_OK ||
	    (rc = hybrid_sign(crt, root->crt, root->key, cert_der)) != HM_OK)
		cert_der->len = old;
	gnutls_x509_crt_deinit(crt);
	return rc;
}

int hm_tc_ca_new(const uint8_t *cert, size_t cert_len, struct hm_tc_key *key, const char *crl_url,
                 struct hm_tc_ca **out)
{
	gnutls_x509_crt_t crt;
	struct hm_buf der;
	int rc;

	if (cert == NULL || key == NULL || out == NULL) {
		hm_tc_key_free(key);
		return HM_ERR_INVALID;
	}
	hm_buf_init(&der);
	if ((rc = hm_tc_pem_to_der(cert, cert_len, "CERTIFICATE", &der)) != HM_OK ||
	    (rc = tc_crt_import(der.data, der.len, &crt)) != HM_OK) {
		hm_buf_free(&der);
		hm_tc_key_free(key);
		return rc;
	}
	hm_buf_free(&der);
	return ca_make(crt, key, crl_url, out);
}

void hm_tc_ca_free(struct hm_tc_ca *ca)
{
	if (ca == NULL)
		return;
	gnutls_x509_crt_deinit(ca->crt);
	hm_tc_key_free(ca->key);
	free(ca->der);
	free(ca->crl_url);
	free(ca);
}

void hm_tc_ca_cert(const struct hm_tc_ca *ca, const uint8_t **der, size_t *len)
{
	*der = ca->der;
	*len = ca->der_len;
}

/* ---- CSRs ---- */

static int dns_name_ok(const char *s, size_t n)
{
	size_t label = 0;

	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!(isalnum(c) || c == '-' || (c == '*' && i == 0 && n > 1 && s[1] == '.')))
			return 0;
		if (c == '-' && label == 0)
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && s[n - 1] != '-';
}

int tc_crq_import(const uint8_t *csr, size_t len, gnutls_x509_crq_t *out)
{
	gnutls_datum_t d = { (unsigned char *)csr, (unsigned)len };
	int rc;

	if (csr == NULL || len == 0 || len > HM_TC_CSR_MAX)
		return HM_ERR_LENGTH;
	if (gnutls_x509_crq_init(out) < 0) {
		*out = NULL;
		return HM_ERR_NOMEM;
	}
	if ((rc = gnutls_x509_crq_import(*out, &d, GNUTLS_X509_FMT_DER)) < 0) {
		gnutls_x509_crq_deinit(*out);
		*out = NULL;
		return tc_gnutls_err(rc);
	}
	return HM_OK;
}

/*
 * The CSR's self-signature (RFC 2986 §4.2: over the DER of the
 * CertificationRequestInfo). Every validator checks it for every issuance,
 * so the common case, an Ed25519 key in the RFC 8410 form with an Ed25519
 * signatureAlgorithm, is one Ed25519 verification over those bytes; GnuTLS's
 * gnutls_x509_crq_verify, used for everything else, imports the key and
 * decodes the request again around the same verification. top is the CSR's
 * outer SEQUENCE, already required to be exact DER.
 */
static int csr_signature_ok(gnutls_x509_crq_t crq, const struct der_elem *top)
{
	static const uint8_t alg_ed25519[] = { DER_SEQUENCE, 5, DER_OID, 3, 0x2b, 0x65, 0x70 };
	/* SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (0 unused bits) 32 bytes } */
	static const uint8_t spki_ed25519[] = {
		DER_SEQUENCE, 42,   DER_SEQUENCE,  5,  DER_OID, 3, 0x2b,
		0x65,         0x70, DER_BITSTRING, 33, 0
	};
	struct der_cursor c, info;
	struct der_elem cri, alg, sig, version, subject, spki;

	der_cursor_inside(&c, top);
	if (der_expect(&c, DER_SEQUENCE, &cri) != HM_OK ||
	    der_expect(&c, DER_SEQUENCE, &alg) != HM_OK ||
	    der_expect(&c, DER_BITSTRING, &sig) != HM_OK || !der_cursor_done(&c))
		goto other;
	der_cursor_inside(&info, &cri);
	if (der_expect(&info, DER_INTEGER, &version) != HM_OK ||
	    der_expect(&info, DER_SEQUENCE, &subject) != HM_OK ||
	    der_expect(&info, DER_SEQUENCE, &spki) != HM_OK)
		goto other;
	if (spki.len != sizeof(spki_ed25519) + 32 ||
	    memcmp(spki.start, spki_ed25519, sizeof(spki_ed25519)) != 0 ||
	    alg.len != sizeof(alg_ed25519) || memcmp(alg.start, alg_ed25519, alg.len) != 0 ||
	    sig.body_len != 65 || sig.body[0] != 0)
		goto other;
	return hm_sig_verify(HM_SIG_ED25519, spki.start + sizeof(spki_ed25519), 32, sig.body + 1,
	                     64, cri.start, cri.len) == HM_OK;
other:
	return gnutls_x509_crq_verify(crq, 0) >= 0;
}

int tc_crq_check(gnutls_x509_crq_t crq, const uint8_t *csr, size_t csr_len,
                 enum hm_tc_profile profile)
{
	struct der_elem top;
	unsigned bits = 0;
	int alg, server_names = 0, rc;
	size_t dn_size = 0;

	if (hm_tc_profile_validity(profile) == 0)
		return HM_ERR_INVALID;
	/* GnuTLS is lenient (BER, trailing bytes); consensus input must be exact DER. */
	if ((rc = der_parse_one(csr, csr_len, DER_SEQUENCE, &top)) != HM_OK)
		return rc;
	if (!csr_signature_ok(crq, &top))
		return HM_ERR_VERIFY;
	alg = gnutls_x509_crq_get_pk_algorithm(crq, &bits);
	if (!(alg == GNUTLS_PK_EDDSA_ED25519 ||
	      (alg == GNUTLS_PK_ECDSA && (bits == 256 || bits == 384)) ||
	      (alg == GNUTLS_PK_RSA && bits >= 2048 && bits <= 8192)))
		return HM_ERR_INVALID;
	if (gnutls_x509_crq_get_dn(crq, NULL, &dn_size) != GNUTLS_E_SHORT_MEMORY_BUFFER ||
	    dn_size > 1024)
		return HM_ERR_INVALID; /* an empty or oversized subject */
	for (unsigned i = 0;; i++) {
		char name[256];
		size_t n = sizeof(name) - 1;
		unsigned type, crit;

		rc = gnutls_x509_crq_get_subject_alt_name(crq, i, name, &n, &type, &crit);
		if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (rc < 0 || i >= 16)
			return HM_ERR_INVALID;
		if (type == GNUTLS_SAN_DNSNAME) {
			if (!dns_name_ok(name, n))
				return HM_ERR_INVALID;
			server_names++;
		} else if (type == GNUTLS_SAN_IPADDRESS) {
			if (n != 4 && n != 16)
				return HM_ERR_INVALID;
			server_names++;
		} else if (type != GNUTLS_SAN_URI && type != GNUTLS_SAN_RFC822NAME) {
			return HM_ERR_INVALID;
		}
	}
	if ((profile == HM_TC_PROFILE_TLS_SERVER || profile == HM_TC_PROFILE_NODE) &&
	    server_names == 0)
		return HM_ERR_INVALID;
	{
		uint8_t buf[8192];
		size_t n = sizeof(buf);
		unsigned crit = 0;
		const uint8_t *pk;
		size_t pk_len;
		enum hm_sig_alg pq;

		rc = gnutls_x509_crq_get_extension_by_oid(crq, TC_OID_ALT_KEY, 0, buf, &n, &crit);
		if (rc >= 0) {
			if (crit || (rc = tc_alt_key_decode(buf, n, &pq, &pk, &pk_len)) != HM_OK)
				return HM_ERR_INVALID;
			/* the requester must hold the PQ key it asks to be certified */
			rc = hm_tc_csr_alt_verify(csr, csr_len);
			if (rc != HM_OK)
				return rc == HM_ERR_VERIFY ? HM_ERR_VERIFY : HM_ERR_INVALID;
		} else if (rc != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
			return HM_ERR_INVALID;
		}
	}
	return HM_OK;
}

int hm_tc_csr_check(const uint8_t *csr, size_t csr_len, enum hm_tc_profile profile)
{
	gnutls_x509_crq_t crq;
	int rc;

	if ((rc = tc_crq_import(csr, csr_len, &crq)) != HM_OK)
		return rc == HM_ERR_LENGTH ? HM_ERR_INVALID : rc;
	rc = tc_crq_check(crq, csr, csr_len, profile);
	gnutls_x509_crq_deinit(crq);
	return rc;
}

static int copy_crq_ext(gnutls_x509_crt_t crt, gnutls_x509_crq_t crq, const char *oid)
{
	gnutls_datum_t d = { NULL, 0 };
	unsigned crit = 0;
	int rc = gnutls_x509_crq_get_extension_by_oid2(crq, oid, 0, &d, &crit);

	if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
		return HM_OK;
	if (rc < 0)
		return HM_ERR_INVALID;
	rc = gnutls_x509_crt_set_extension_by_oid(crt, oid, d.data, d.size, crit) < 0
	             ? HM_ERR_CRYPTO
	             : HM_OK;
	gnutls_free(d.data);
	return rc;
}

/* Key usage and EKU of a leaf profile. */
static int leaf_usage(gnutls_x509_crt_t crt, enum hm_tc_profile profile)
{
	unsigned ku = GNUTLS_KEY_DIGITAL_SIGNATURE;
	const char *eku[2] = { NULL, NULL };

	switch (profile) {
	case HM_TC_PROFILE_NODE:
		eku[0] = GNUTLS_KP_TLS_WWW_SERVER;
		eku[1] = GNUTLS_KP_TLS_WWW_CLIENT;
		break;
	case HM_TC_PROFILE_TLS_SERVER:
		eku[0] = GNUTLS_KP_TLS_WWW_SERVER;
		break;
	case HM_TC_PROFILE_TLS_CLIENT:
		eku[0] = GNUTLS_KP_TLS_WWW_CLIENT;
		break;
	case HM_TC_PROFILE_TX_SIGNING:
		ku |= GNUTLS_KEY_NON_REPUDIATION;
		eku[0] = TC_OID_TX_SIGNING;
		break;
	default:
		return HM_ERR_INVALID;
	}
	if (gnutls_x509_crt_set_basic_constraints(crt, 0, -1) < 0 ||
	    gnutls_x509_crt_set_key_usage(crt, ku) < 0)
		return HM_ERR_CRYPTO;
	for (int i = 0; i < 2 && eku[i] != NULL; i++)
		if (gnutls_x509_crt_set_key_purpose_oid(crt, eku[i], 0) < 0)
			return HM_ERR_CRYPTO;
	return HM_OK;
}

int hm_tc_issue(const struct hm_tc_ca *ca, const uint8_t *csr, size_t csr_len,
                enum hm_tc_profile profile, uint64_t not_before, struct hm_buf *cert_der)
{
	gnutls_x509_crq_t crq;
	gnutls_x509_crt_t crt;
	struct hm_buf der;
	uint8_t id[32], serial[HM_TC_SERIAL_LEN];
	size_t old;
	int rc;

	if (ca == NULL || csr == NULL || cert_der == NULL)
		return HM_ERR_INVALID;
	old = cert_der->len;
	hm_buf_init(&der);
	if ((rc = hm_tc_pem_to_der(csr, csr_len, "NEW CERTIFICATE REQUEST", &der)) != HM_OK &&
	    (rc = hm_tc_pem_to_der(csr, csr_len, "CERTIFICATE REQUEST", &der)) != HM_OK)
		return rc;
	if ((rc = tc_crq_import(der.data, der.len, &crq)) != HM_OK) {
		hm_buf_free(&der);
		return rc;
	}
	if ((rc = tc_crq_check(crq, der.data, der.len, profile)) != HM_OK)
		goto out_crq;
	if (gnutls_x509_crt_init(&crt) < 0) {
		rc = HM_ERR_NOMEM;
		goto out_crq;
	}
	hm_tc_request_id(profile, not_before, der.data, der.len, id);
	hm_tc_serial_from_id(id, serial);
	if (gnutls_x509_crt_set_crq(crt, crq) < 0 || gnutls_x509_crt_set_version(crt, 3) < 0 ||
	    gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) < 0) {
		rc = HM_ERR_CRYPTO;
		goto out;
	}
	if ((rc = set_validity(crt, not_before, hm_tc_profile_validity(profile))) != HM_OK ||
	    (rc = leaf_usage(crt, profile)) != HM_OK ||
	    (rc = copy_crq_ext(crt, crq, "2.5.29.17")) != HM_OK ||
	    (rc = copy_crq_ext(crt, crq, TC_OID_ALT_KEY)) != HM_OK ||
	    (rc = set_key_ids(crt, ca->crt)) != HM_OK ||
	    (rc = set_crl_dp(crt, ca->crl_url)) != HM_OK)
		goto out;
	rc = hybrid_sign(crt, ca->crt, ca->key, cert_der);
out:
	gnutls_x509_crt_deinit(crt);
out_crq:
	gnutls_x509_crq_deinit(crq);
	hm_buf_free(&der);
	if (rc != HM_OK)
		cert_der->len = old;
	return rc;
}

static int crq_set_ext(gnutls_x509_crq_t crq, const char *oid, const struct hm_buf *value)
{
	return gnutls_x509_crq_set_extension_by_oid(crq, oid, value->data, value->len, 0) < 0
	               ? HM_ERR_CRYPTO
	               : HM_OK;
}

/*
 * The second half of a hybrid CSR, like hybrid_sign for certificates: d holds
 * the request signed classically with every extension but altSignatureValue;
 * PQ-sign its preCRI, add altSignatureValue, sign classically again, and
 * check that GnuTLS left the signed preCRI as it was. d is replaced.
 */
static int csr_pq_sign(gnutls_x509_crq_t crq, const struct hm_tc_key *key, gnutls_datum_t *d)
{
	const struct hm_sig_info *info = hm_sig_info(key->pq_alg);
	struct hm_buf pre, pre2, ext;
	uint8_t *sig = NULL;
	size_t sig_len = 0;
	int rc;

	hm_buf_init(&pre);
	hm_buf_init(&pre2);
	hm_buf_init(&ext);
	if ((rc = hm_tc_csr_pre_cri(d->data, d->size, &pre)) != HM_OK)
		goto out;
	if ((sig = malloc(info->sig_max)) == NULL) {
		rc = HM_ERR_NOMEM;
		goto out;
	}
	if ((rc = hm_sig_signer_sign(key->pq_signer, sig, info->sig_max, &sig_len, pre.data,
	                             pre.len)) != HM_OK ||
	    (rc = tc_alt_value_encode(sig, sig_len, &ext)) != HM_OK ||
	    (rc = crq_set_ext(crq, TC_OID_ALT_VALUE, &ext)) != HM_OK)
		goto out;
	gnutls_free(d->data);
	d->data = NULL;
	d->size = 0;
	rc = HM_ERR_CRYPTO;
	if (gnutls_x509_crq_privkey_sign(crq, key->priv, GNUTLS_DIG_SHA512, 0) < 0 ||
	    gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_DER, d) < 0)
		goto out;
	if ((rc = hm_tc_csr_pre_cri(d->data, d->size, &pre2)) != HM_OK)
		goto out;
	if (pre.len != pre2.len || memcmp(pre.data, pre2.data, pre.len) != 0)
		rc = HM_ERR_CRYPTO; /* GnuTLS re-encoded what we PQ-signed */
out:
	free(sig);
	hm_buf_free(&pre);
	hm_buf_free(&pre2);
	hm_buf_free(&ext);
	return rc;
}

int hm_tc_csr_create(const struct hm_tc_key *key, const char *common_name, const char *const *dns,
                     size_t ndns, int include_pq, struct hm_buf *csr_der)
{
	gnutls_x509_crq_t crq;
	gnutls_datum_t d = { NULL, 0 };
	struct hm_buf ext;
	int rc = HM_ERR_CRYPTO;

	if (key == NULL || common_name == NULL || csr_der == NULL || (ndns > 0 && dns == NULL))
		return HM_ERR_INVALID;
	if (gnutls_x509_crq_init(&crq) < 0)
		return HM_ERR_NOMEM;
	hm_buf_init(&ext);
	if (gnutls_x509_crq_set_version(crq, 1) < 0 ||
	    gnutls_x509_crq_set_dn_by_oid(crq, GNUTLS_OID_X520_COMMON_NAME, 0, common_name,
	                                  (unsigned)strlen(common_name)) < 0 ||
	    gnutls_x509_crq_set_key(crq, key->ed) < 0)
		goto out;
	for (size_t i = 0; i < ndns; i++)
		if (gnutls_x509_crq_set_subject_alt_name(
		            crq, GNUTLS_SAN_DNSNAME, dns[i], (unsigned)strlen(dns[i]),
		            i == 0 ? GNUTLS_FSAN_SET : GNUTLS_FSAN_APPEND) < 0)
			goto out;
	if (include_pq && key->pq_alg != 0) {
		if ((rc = tc_alt_key_encode(key->pq_alg, key->pq_pk, key->pq_pk_len, &ext)) !=
		            HM_OK ||
		    (rc = crq_set_ext(crq, TC_OID_ALT_KEY, &ext)) != HM_OK)
			goto out;
		ext.len = 0;
		if ((rc = tc_alt_alg_encode(key->pq_alg, &ext)) != HM_OK ||
		    (rc = crq_set_ext(crq, TC_OID_ALT_ALG, &ext)) != HM_OK)
			goto out;
	}
	rc = HM_ERR_CRYPTO;
	if (gnutls_x509_crq_privkey_sign(crq, key->priv, GNUTLS_DIG_SHA512, 0) < 0 ||
	    gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_DER, &d) < 0)
		goto out;
	if (include_pq && key->pq_alg != 0 && (rc = csr_pq_sign(crq, key, &d)) != HM_OK)
		goto out;
	rc = hm_buf_append(csr_der, d.data, d.size);
out:
	gnutls_free(d.data);
	hm_buf_free(&ext);
	gnutls_x509_crq_deinit(crq);
	return rc;
}
