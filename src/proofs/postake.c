/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PoStake: who signed, with what authority. The signer's certificate chain
 * must lead to the TrustChain root in committed state at the block's time,
 * the leaf's Ed25519 key (and PQ key, when the leaf has one) must have signed
 * the operation digest, and the signer's level and stake in state must meet
 * the operation type's requirement.
 *
 * Chain policy: a hybrid root (one carrying a PQ key, 2.5.29.72) demands a
 * hybrid chain, checked by TrustChain's hm_tc_chain_verify (classical and
 * alternative signatures at every link), so nobody can downgrade a PQ chain
 * by dropping its extensions. A classical root gets GnuTLS's classical
 * validation. Either way GnuTLS's clock is switched off and validity periods
 * are compared with the block's time, so every node reaches the same answer.
 */
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/hash.h"
#include "hypermesh/sig.h"
#include "hypermesh/trustchain.h"
#include "proofs_internal.h"

static int import_crt(const uint8_t *der, size_t len, gnutls_x509_crt_t *out)
{
	gnutls_datum_t d = { (unsigned char *)der, (unsigned)len };

	if (len > HM_ENV_CERT_MAX)
		return HM_ERR_ENCODING;
	if (gnutls_x509_crt_init(out) < 0)
		return HM_ERR_NOMEM;
	if (gnutls_x509_crt_import(*out, &d, GNUTLS_X509_FMT_DER) < 0) {
		gnutls_x509_crt_deinit(*out);
		return HM_ERR_ENCODING;
	}
	return HM_OK;
}

/* The raw Ed25519 public key of a certificate. */
static int crt_ed25519_key(gnutls_x509_crt_t crt, uint8_t pk[32])
{
	gnutls_datum_t x = { NULL, 0 }, y = { NULL, 0 };
	gnutls_ecc_curve_t curve;
	int rc = HM_ERR_UNSUPPORTED;

	if (gnutls_x509_crt_get_pk_algorithm(crt, NULL) != GNUTLS_PK_EDDSA_ED25519)
		return HM_ERR_UNSUPPORTED;
	if (gnutls_x509_crt_get_pk_ecc_raw(crt, &curve, &x, &y) < 0)
		return HM_ERR_ENCODING;
	if (curve == GNUTLS_ECC_CURVE_ED25519 && x.size == 32) {
		memcpy(pk, x.data, 32);
		rc = HM_OK;
	}
	gnutls_free(x.data);
	gnutls_free(y.data);
	return rc;
}

int hm_proofs_cert_key_id(const uint8_t *der, size_t len, uint8_t key_id[HM_KEY_ID_LEN])
{
	gnutls_x509_crt_t crt;
	uint8_t pk[32];
	int rc;

	if (der == NULL || key_id == NULL)
		return HM_ERR_INVALID;
	if ((rc = import_crt(der, len, &crt)) != HM_OK)
		return rc;
	rc = crt_ed25519_key(crt, pk);
	gnutls_x509_crt_deinit(crt);
	if (rc == HM_OK)
		hm_sha256(key_id, pk, sizeof(pk));
	return rc;
}

static int refuse(enum hm_proof_reason *reason, enum hm_proof_reason why)
{
	*reason = why;
	return HM_ERR_VERIFY;
}

/* Classical chain validation at now_s. */
static int classical_chain(const struct hm_envelope *env, const uint8_t *root, size_t root_len,
                           uint64_t now_s, enum hm_proof_reason *reason)
{
	gnutls_x509_crt_t crts[HM_ENV_CERTS_MAX + 1];
	size_t n = 0;
	unsigned status = 0;
	int rc = HM_OK;

	for (size_t i = 0; i <= env->n_certs; i++) {
		const uint8_t *der = i < env->n_certs ? env->cert[i] : root;
		size_t len = i < env->n_certs ? env->cert_len[i] : root_len;

		if ((rc = import_crt(der, len, &crts[n])) != HM_OK) {
			if (rc == HM_ERR_ENCODING)
				rc = refuse(reason, HM_PROOF_STAKE_CERT);
			goto out;
		}
		n++;
	}
	if (gnutls_x509_crt_list_verify(
	            crts, (unsigned)env->n_certs, &crts[env->n_certs], 1, NULL, 0,
	            GNUTLS_VERIFY_DISABLE_TIME_CHECKS | GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS,
	            &status) < 0 ||
	    status != 0) {
		rc = refuse(reason, HM_PROOF_STAKE_CHAIN);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		time_t nb = gnutls_x509_crt_get_activation_time(crts[i]);
		time_t na = gnutls_x509_crt_get_expiration_time(crts[i]);

		if (nb == (time_t)-1 || na == (time_t)-1) {
			rc = refuse(reason, HM_PROOF_STAKE_CERT);
			goto out;
		}
		if ((int64_t)now_s < (int64_t)nb || (int64_t)now_s > (int64_t)na) {
			rc = refuse(reason, HM_PROOF_STAKE_TIME);
			goto out;
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	return rc;
}

static int hybrid_chain(const struct hm_envelope *env, const uint8_t *root, size_t root_len,
                        uint64_t now_s, enum hm_proof_reason *reason)
{
	struct hm_tc_verify_result res;
	int rc = hm_tc_chain_verify(env->cert, env->cert_len, env->n_certs, root, root_len, now_s,
	                            &res);

	if (rc != HM_ERR_VERIFY)
		return rc;
	switch (res.reason) {
	case HM_TC_VERIFY_MALFORMED:
		return refuse(reason, HM_PROOF_STAKE_CERT);
	case HM_TC_VERIFY_NOT_YET_VALID:
	case HM_TC_VERIFY_EXPIRED:
		return refuse(reason, HM_PROOF_STAKE_TIME);
	default:
		return refuse(reason, HM_PROOF_STAKE_CHAIN);
	}
}

static int root_is_hybrid(const uint8_t *root, size_t root_len, int *hybrid)
{
	struct hm_buf pk;
	enum hm_sig_alg alg;
	int rc;

	hm_buf_init(&pk);
	rc = hm_tc_cert_alt_key(root, root_len, &alg, &pk);
	hm_buf_free(&pk);
	if (rc == HM_ERR_NOMEM)
		return rc;
	/* An alt key we cannot use still marks the root as hybrid: refuse, never downgrade. */
	*hybrid = rc != HM_ERR_NOT_FOUND;
	return HM_OK;
}

/* The PQ half: the leaf's alt key must have signed the digest, or be absent with no PQ signature.
 */
static int pq_signature(const struct hm_envelope *env, const uint8_t digest[HM_ENV_DIGEST_LEN],
                        enum hm_proof_reason *reason)
{
	struct hm_buf pk;
	enum hm_sig_alg alg;
	int rc;

	hm_buf_init(&pk);
	rc = hm_tc_cert_alt_key(env->cert[0], env->cert_len[0], &alg, &pk);
	if (rc == HM_ERR_NOT_FOUND) {
		rc = env->pq_alg == 0 ? HM_OK : refuse(reason, HM_PROOF_STAKE_PQ_UNEXPECTED);
	} else if (rc == HM_ERR_UNSUPPORTED) {
		/* A PQ key of an algorithm we cannot check: refused, never accepted unchecked. */
		*reason = HM_PROOF_STAKE_PQ_SIGNATURE;
	} else if (rc == HM_ERR_NOMEM) {
		/* node failure */
	} else if (rc != HM_OK) {
		rc = refuse(reason, HM_PROOF_STAKE_CERT);
	} else if (env->pq_alg == 0) {
		rc = refuse(reason, HM_PROOF_STAKE_PQ_MISSING);
	} else if (env->pq_alg != (uint16_t)alg ||
	           hm_sig_verify(alg, pk.data, pk.len, env->pq_sig, env->pq_sig_len, digest,
	                         HM_ENV_DIGEST_LEN) != HM_OK) {
		rc = refuse(reason, HM_PROOF_STAKE_PQ_SIGNATURE);
	}
	hm_buf_free(&pk);
	return rc;
}

/* Refuses a chain in which TrustChain revoked a certificate (when state can say). */
static int revocation(const struct hm_envelope *env, const struct hm_proof_state *st,
                      enum hm_proof_reason *reason)
{
	if (st->cert_revoked == NULL)
		return HM_OK;
	for (size_t i = 0; i < env->n_certs; i++) {
		gnutls_x509_crt_t crt;
		uint8_t serial[64];
		size_t serial_len = sizeof(serial);
		int rc, revoked = 0;

		if ((rc = import_crt(env->cert[i], env->cert_len[i], &crt)) != HM_OK)
			return rc == HM_ERR_ENCODING ? refuse(reason, HM_PROOF_STAKE_CERT) : rc;
		rc = gnutls_x509_crt_get_serial(crt, serial, &serial_len);
		gnutls_x509_crt_deinit(crt);
		if (rc < 0)
			return refuse(reason, HM_PROOF_STAKE_CERT);
		rc = st->cert_revoked(st->ctx, serial, serial_len, &revoked);
		if (rc == HM_ERR_NOT_FOUND)
			continue;
		if (rc != HM_OK)
			return rc;
		if (revoked)
			return refuse(reason, HM_PROOF_STAKE_REVOKED);
	}
	return HM_OK;
}

int proofs_stake_verify(const struct hm_envelope *env, const uint8_t digest[HM_ENV_DIGEST_LEN],
                        const struct hm_proofs_context *ctx, const struct hm_proof_params *params,
                        uint8_t signer[HM_KEY_ID_LEN], int *signer_known,
                        enum hm_proof_reason *reason)
{
	const struct hm_proof_state *st = ctx->state;
	struct hm_stake_entry entry;
	gnutls_x509_crt_t leaf;
	const uint8_t *root;
	size_t root_len;
	uint8_t pk[32];
	int rc, hybrid;

	*signer_known = 0;
	if (env->n_certs == 0)
		return refuse(reason, HM_PROOF_STAKE_CERT);
	if ((rc = import_crt(env->cert[0], env->cert_len[0], &leaf)) != HM_OK)
		return rc == HM_ERR_ENCODING ? refuse(reason, HM_PROOF_STAKE_CERT) : rc;
	rc = crt_ed25519_key(leaf, pk);
	gnutls_x509_crt_deinit(leaf);
	if (rc != HM_OK)
		return refuse(reason, HM_PROOF_STAKE_CERT);
	hm_sha256(signer, pk, sizeof(pk));
	*signer_known = 1;

	if ((rc = st->root_cert(st->ctx, &root, &root_len)) != HM_OK)
		return rc == HM_ERR_NOT_FOUND ? HM_ERR_CORRUPT : rc;
	if ((rc = root_is_hybrid(root, root_len, &hybrid)) != HM_OK)
		return rc;
	rc = hybrid ? hybrid_chain(env, root, root_len, ctx->now_s, reason)
	            : classical_chain(env, root, root_len, ctx->now_s, reason);
	if (rc != HM_OK)
		return rc;
	if ((rc = revocation(env, st, reason)) != HM_OK)
		return rc;
	if (hm_sig_verify(HM_SIG_ED25519, pk, sizeof(pk), env->ed25519_sig, HM_ENV_ED25519_SIG_LEN,
	                  digest, HM_ENV_DIGEST_LEN) != HM_OK)
		return refuse(reason, HM_PROOF_STAKE_SIGNATURE);
	if ((rc = pq_signature(env, digest, reason)) != HM_OK)
		return rc;
	if ((rc = st->stake(st->ctx, signer, &entry)) != HM_OK)
		return rc;
	if (entry.level < params->min_level)
		return refuse(reason, HM_PROOF_STAKE_LEVEL);
	if (entry.stake < params->min_stake)
		return refuse(reason, HM_PROOF_STAKE_AMOUNT);
	return HM_OK;
}
