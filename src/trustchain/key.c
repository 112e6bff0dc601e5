/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Subject key pairs: Ed25519 in GnuTLS (so certificates are ordinary X.509)
 * plus an optional PQ key through sig.h. The PQ key file is
 *
 *   "HMTCPQK1" || uint16 alg || opaque pk<1..2^16-1> || opaque sk<1..2^16-1>
 *
 * in the canonical codec (codec.h), mode 0600 like every secret we write.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/codec.h"
#include "hypermesh/error.h"
#include "hypermesh/file.h"
#include "hypermesh/secure.h"
#include "hypermesh/trustchain.h"
#include "tc.h"

static const char pq_magic[8] = { 'H', 'M', 'T', 'C', 'P', 'Q', 'K', '1' };

int tc_gnutls_err(int rc)
{
	if (rc == GNUTLS_E_MEMORY_ERROR)
		return HM_ERR_NOMEM;
	if (rc == GNUTLS_E_ASN1_DER_ERROR || rc == GNUTLS_E_ASN1_TAG_ERROR ||
	    rc == GNUTLS_E_BASE64_DECODING_ERROR || rc == GNUTLS_E_ASN1_DER_OVERFLOW ||
	    rc == GNUTLS_E_ASN1_ELEMENT_NOT_FOUND || rc == GNUTLS_E_ASN1_GENERIC_ERROR ||
	    rc == GNUTLS_E_ASN1_TYPE_ANY_ERROR || rc == GNUTLS_E_ASN1_SYNTAX_ERROR ||
	    rc == GNUTLS_E_ASN1_VALUE_NOT_FOUND || rc == GNUTLS_E_ASN1_TAG_IMPLICIT ||
	    rc == GNUTLS_E_ASN1_VALUE_NOT_VALID || rc == GNUTLS_E_BASE64_UNEXPECTED_HEADER_ERROR ||
	    rc == GNUTLS_E_X509_UNSUPPORTED_ATTRIBUTE || rc == GNUTLS_E_X509_UNKNOWN_SAN ||
	    rc == GNUTLS_E_UNKNOWN_PK_ALGORITHM ||
	    rc == GNUTLS_E_X509_UNSUPPORTED_CRITICAL_EXTENSION || rc == GNUTLS_E_PARSING_ERROR)
		return HM_ERR_ENCODING;
	return HM_ERR_CRYPTO;
}

static struct hm_tc_key *key_alloc(void)
{
	struct hm_tc_key *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	if (gnutls_x509_privkey_init(&k->ed) < 0) {
		free(k);
		return NULL;
	}
	if (gnutls_privkey_init(&k->priv) < 0) {
		gnutls_x509_privkey_deinit(k->ed);
		free(k);
		return NULL;
	}
	return k;
}

void hm_tc_key_free(struct hm_tc_key *key)
{
	if (key == NULL)
		return;
	gnutls_privkey_deinit(key->priv);
	gnutls_x509_privkey_deinit(key->ed);
	hm_sig_signer_free(key->pq_signer);
	if (key->pq_sk != NULL) {
		hm_wipe(key->pq_sk, key->pq_sk_len);
		free(key->pq_sk);
	}
	free(key->pq_pk);
	free(key);
}

static int key_set_pq(struct hm_tc_key *k, enum hm_sig_alg alg, const uint8_t *pk, size_t pk_len,
                      const uint8_t *sk, size_t sk_len)
{
	k->pq_pk = malloc(pk_len);
	k->pq_sk = malloc(sk_len);
	if (k->pq_pk == NULL || k->pq_sk == NULL)
		return HM_ERR_NOMEM;
	memcpy(k->pq_pk, pk, pk_len);
	memcpy(k->pq_sk, sk, sk_len);
	k->pq_pk_len = pk_len;
	k->pq_sk_len = sk_len;
	k->pq_alg = alg;
	return hm_sig_signer_new(alg, sk, sk_len, &k->pq_signer);
}

int hm_tc_key_generate(enum hm_sig_alg pq_alg, struct hm_tc_key **out)
{
	struct hm_tc_key *k;
	int rc;

	if (out == NULL)
		return HM_ERR_INVALID;
	if (pq_alg != 0) {
		const uint8_t *oid;
		size_t n;
		if ((rc = hm_tc_alg_oid(pq_alg, &oid, &n)) != HM_OK)
			return rc;
	}
	if ((k = key_alloc()) == NULL)
		return HM_ERR_NOMEM;
	rc = gnutls_x509_privkey_generate(k->ed, GNUTLS_PK_EDDSA_ED25519,
	                                  GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519), 0);
	if (rc < 0 || gnutls_privkey_import_x509(k->priv, k->ed, 0) < 0) {
		hm_tc_key_free(k);
		return HM_ERR_CRYPTO;
	}
	if (pq_alg != 0) {
		const struct hm_sig_info *info = hm_sig_info(pq_alg);
		uint8_t *pk = malloc(info->pk_len), *sk = malloc(info->sk_len);

		rc = (pk == NULL || sk == NULL)
		             ? HM_ERR_NOMEM
		             : hm_sig_keygen(pq_alg, pk, info->pk_len, sk, info->sk_len);
		if (rc == HM_OK)
			rc = key_set_pq(k, pq_alg, pk, info->pk_len, sk, info->sk_len);
		if (sk != NULL)
			hm_wipe(sk, info->sk_len);
		free(pk);
		free(sk);
		if (rc != HM_OK) {
			hm_tc_key_free(k);
			return rc;
		}
	}
	*out = k;
	return HM_OK;
}

int hm_tc_key_from_ed25519(const uint8_t sk[64], struct hm_tc_key **out)
{
	gnutls_datum_t x = { (unsigned char *)sk + 32, 32 }, k = { (unsigned char *)sk, 32 };
	struct hm_tc_key *key;

	if (out == NULL || sk == NULL)
		return HM_ERR_INVALID;
	if ((key = key_alloc()) == NULL)
		return HM_ERR_NOMEM;
	if (gnutls_x509_privkey_import_ecc_raw(key->ed, GNUTLS_ECC_CURVE_ED25519, &x, NULL, &k) <
	            0 ||
	    gnutls_x509_privkey_verify_params(key->ed) < 0 ||
	    gnutls_privkey_import_x509(key->priv, key->ed, 0) < 0) {
		hm_tc_key_free(key);
		return HM_ERR_INVALID;
	}
	*out = key;
	return HM_OK;
}

int hm_tc_key_pq_public(const struct hm_tc_key *key, enum hm_sig_alg *alg, const uint8_t **pk,
                        size_t *pk_len)
{
	if (key->pq_alg == 0)
		return HM_ERR_NOT_FOUND;
	*alg = key->pq_alg;
	*pk = key->pq_pk;
	*pk_len = key->pq_pk_len;
	return HM_OK;
}

int hm_tc_key_save(const struct hm_tc_key *key, const char *ed_path, const char *pq_path)
{
	gnutls_datum_t pem = { NULL, 0 };
	struct hm_buf b;
	int rc;

	if (key == NULL || ed_path == NULL)
		return HM_ERR_INVALID;
	if (gnutls_x509_privkey_export2_pkcs8(key->ed, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN,
	                                      &pem) < 0)
		return HM_ERR_CRYPTO;
	rc = hm_file_write_atomic(ed_path, pem.data, pem.size, 0600, HM_FILE_NO_CLOBBER);
	hm_wipe(pem.data, pem.size);
	gnutls_free(pem.data);
	if (rc != HM_OK || key->pq_alg == 0 || pq_path == NULL)
		return rc;
	hm_buf_init(&b);
	if ((rc = hm_put_bytes(&b, pq_magic, sizeof(pq_magic))) == HM_OK &&
	    (rc = hm_put_u16(&b, (uint16_t)key->pq_alg)) == HM_OK &&
	    (rc = hm_put_vec(&b, 1, 0xffff, key->pq_pk, key->pq_pk_len)) == HM_OK &&
	    (rc = hm_put_vec(&b, 1, 0xffff, key->pq_sk, key->pq_sk_len)) == HM_OK)
		rc = hm_file_write_atomic(pq_path, b.data, b.len, 0600, HM_FILE_NO_CLOBBER);
	hm_buf_free(&b);
	return rc;
}

static int pq_decode(struct hm_tc_key *k, const uint8_t *data, size_t len)
{
	struct hm_reader r;
	uint8_t magic[8];
	uint16_t alg;
	const uint8_t *pk, *sk;
	size_t pk_len, sk_len;
	const struct hm_sig_info *info;
	const uint8_t *oid;
	size_t oid_len;
	int rc;

	hm_reader_init(&r, data, len);
	if ((rc = hm_get_bytes(&r, magic, sizeof(magic))) != HM_OK ||
	    (rc = hm_get_u16(&r, &alg)) != HM_OK ||
	    (rc = hm_get_vec(&r, 1, 0xffff, &pk, &pk_len)) != HM_OK ||
	    (rc = hm_get_vec(&r, 1, 0xffff, &sk, &sk_len)) != HM_OK ||
	    (rc = hm_reader_finish(&r)) != HM_OK)
		return rc;
	if (memcmp(magic, pq_magic, sizeof(magic)) != 0)
		return HM_ERR_ENCODING;
	info = hm_sig_info((enum hm_sig_alg)alg);
	if (info == NULL || hm_tc_alg_oid((enum hm_sig_alg)alg, &oid, &oid_len) != HM_OK)
		return HM_ERR_UNSUPPORTED; /* not an algorithm certificates can name */
	if (pk_len != info->pk_len || sk_len != info->sk_len)
		return HM_ERR_LENGTH;
	return key_set_pq(k, (enum hm_sig_alg)alg, pk, pk_len, sk, sk_len);
}

int hm_tc_key_load_pq(struct hm_tc_key *key, const char *pq_path)
{
	struct hm_tc_key *tmp;
	struct hm_buf b;
	int rc;

	if (key == NULL || pq_path == NULL)
		return HM_ERR_INVALID;
	if (key->pq_alg != 0)
		return HM_ERR_EXISTS;
	if ((tmp = key_alloc()) == NULL)
		return HM_ERR_NOMEM;
	hm_buf_init(&b);
	/* decoded into a scratch key so that key is unchanged on failure */
	if ((rc = hm_file_read(pq_path, 64 * 1024, &b)) == HM_OK &&
	    (rc = pq_decode(tmp, b.data, b.len)) == HM_OK) {
		key->pq_alg = tmp->pq_alg;
		key->pq_pk = tmp->pq_pk;
		key->pq_sk = tmp->pq_sk;
		key->pq_pk_len = tmp->pq_pk_len;
		key->pq_sk_len = tmp->pq_sk_len;
		key->pq_signer = tmp->pq_signer;
		tmp->pq_alg = 0;
		tmp->pq_pk = tmp->pq_sk = NULL;
		tmp->pq_signer = NULL;
	}
	hm_wipe(b.data, b.len);
	hm_buf_free(&b);
	hm_tc_key_free(tmp);
	return rc;
}

int hm_tc_key_load(const char *ed_path, const char *pq_path, struct hm_tc_key **out)
{
	struct hm_tc_key *k;
	struct hm_buf b;
	gnutls_datum_t d;
	int rc;

	if (ed_path == NULL || out == NULL)
		return HM_ERR_INVALID;
	if ((k = key_alloc()) == NULL)
		return HM_ERR_NOMEM;
	hm_buf_init(&b);
	if ((rc = hm_file_read(ed_path, 64 * 1024, &b)) != HM_OK)
		goto fail;
	d.data = b.data;
	d.size = (unsigned)b.len;
	if (gnutls_x509_privkey_import2(k->ed, &d, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN) <
	            0 &&
	    gnutls_x509_privkey_import2(k->ed, &d, GNUTLS_X509_FMT_DER, NULL, GNUTLS_PKCS_PLAIN) <
	            0) {
		rc = HM_ERR_ENCODING;
		goto fail;
	}
	if (gnutls_x509_privkey_get_pk_algorithm(k->ed) != GNUTLS_PK_EDDSA_ED25519) {
		rc = HM_ERR_UNSUPPORTED;
		goto fail;
	}
	if (gnutls_privkey_import_x509(k->priv, k->ed, 0) < 0) {
		rc = HM_ERR_CRYPTO;
		goto fail;
	}
	if (pq_path != NULL) {
		hm_buf_free(&b);
		if ((rc = hm_file_read(pq_path, 64 * 1024, &b)) != HM_OK ||
		    (rc = pq_decode(k, b.data, b.len)) != HM_OK)
			goto fail;
	}
	hm_buf_free(&b);
	*out = k;
	return HM_OK;
fail:
	hm_buf_free(&b);
	hm_tc_key_free(k);
	return rc;
}
