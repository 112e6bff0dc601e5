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
#include <nettle/sha2.h>
#include <stdint.h>
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

/* ---- the chain's facts, verified in full or found in the cache ---- */

static const char cache_label[] = "hypermesh/stake-chain-cache/v1";

void hm_stake_cache_init(struct hm_stake_cache *cache)
{
	memset(cache, 0, sizeof(*cache));
}

static void put_len(struct sha256_ctx *h, size_t len)
{
	uint8_t b[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
		         (uint8_t)len };

	sha256_update(h, sizeof(b), b);
}

/* SHA-256 of label || root || certs, each length-prefixed: the chain's identity. */
static void chain_key(const struct hm_envelope *env, const uint8_t *root, size_t root_len,
                      uint8_t key[32])
{
	struct sha256_ctx h;

	sha256_init(&h);
	sha256_update(&h, sizeof(cache_label) - 1, (const uint8_t *)cache_label);
	put_len(&h, root_len);
	sha256_update(&h, root_len, root);
	put_len(&h, env->n_certs);
	for (size_t i = 0; i < env->n_certs; i++) {
		put_len(&h, env->cert_len[i]);
		sha256_update(&h, env->cert_len[i], env->cert[i]);
	}
	sha256_digest(&h, 32, key);
}

static struct hm_stake_chain *cache_find(struct hm_stake_cache *c, const uint8_t key[32])
{
	for (unsigned i = 0; i < HM_STAKE_CACHE_SLOTS; i++)
		if (c->slot[i].used && memcmp(c->slot[i].key, key, 32) == 0)
			return &c->slot[i];
	return NULL;
}

/*
 * Everything about a chain that verified except its signatures (done):
 * the validity window over the certificates and the root, the serials for
 * revocation, and the leaf's PQ key. HM_OK, HM_ERR_NOMEM, or HM_ERR_ENCODING
 * (cannot happen: every certificate parsed for the chain check).
 */
static int chain_facts(const struct hm_envelope *env, const uint8_t *root, size_t root_len,
                       struct hm_stake_chain *f)
{
	struct hm_buf pk;
	enum hm_sig_alg alg = (enum hm_sig_alg)0;
	int rc;

	f->not_before = INT64_MIN;
	f->not_after = INT64_MAX;
	f->n_certs = env->n_certs;
	for (size_t i = 0; i <= env->n_certs; i++) {
		const uint8_t *der = i < env->n_certs ? env->cert[i] : root;
		size_t len = i < env->n_certs ? env->cert_len[i] : root_len;
		gnutls_x509_crt_t crt;
		time_t nb, na;

		if ((rc = import_crt(der, len, &crt)) != HM_OK)
			return rc;
		nb = gnutls_x509_crt_get_activation_time(crt);
		na = gnutls_x509_crt_get_expiration_time(crt);
		if (i < env->n_certs) {
			f->serial_len[i] = sizeof(f->serial[i]);
			f->serial_ok[i] = gnutls_x509_crt_get_serial(crt, f->serial[i],
			                                             &f->serial_len[i]) >= 0;
		}
		gnutls_x509_crt_deinit(crt);
		if (nb == (time_t)-1 || na == (time_t)-1)
			return HM_ERR_ENCODING; /* the chain check refuses these */
		if ((int64_t)nb > f->not_before)
			f->not_before = (int64_t)nb;
		if ((int64_t)na < f->not_after)
			f->not_after = (int64_t)na;
	}
	hm_buf_init(&pk);
	f->alt_rc = hm_tc_cert_alt_key(env->cert[0], env->cert_len[0], &alg, &pk);
	f->alt_alg = (uint16_t)alg;
	f->alt_pk_len = 0;
	if (f->alt_rc == HM_OK) {
		if (pk.len > sizeof(f->alt_pk))
			f->alt_rc = HM_ERR_UNSUPPORTED;
		else
			memcpy(f->alt_pk, pk.data, pk.len);
		f->alt_pk_len = pk.len;
	}
	hm_buf_free(&pk);
	return f->alt_rc == HM_ERR_NOMEM ? HM_ERR_NOMEM : HM_OK;
}

/*
 * The leaf's Ed25519 key and the chain to the root at now_s: from the cache
 * when this chain verified before and now_s is inside its window, otherwise
 * verified in full (and cached when it verifies). *f points at the facts
 * (in the cache or in *scratch). *leaf_known is set once the leaf's key is
 * (scratch->leaf_pk on a miss), even if the chain is then refused.
 */
static int chain_verified(const struct hm_envelope *env, const struct hm_proofs_context *ctx,
                          struct hm_stake_chain *scratch, const struct hm_stake_chain **f,
                          int *leaf_known, enum hm_proof_reason *reason)
{
	const struct hm_proof_state *st = ctx->state;
	struct hm_stake_cache *cache = ctx->stake_cache;
	struct hm_stake_chain *hit = NULL;
	gnutls_x509_crt_t leaf;
	const uint8_t *root;
	size_t root_len;
	uint8_t key[32];
	int rc, hybrid;

	if ((rc = st->root_cert(st->ctx, &root, &root_len)) != HM_OK)
		return rc == HM_ERR_NOT_FOUND ? HM_ERR_CORRUPT : rc;
	if (cache != NULL) {
		chain_key(env, root, root_len, key);
		hit = cache_find(cache, key);
		if (hit != NULL && (int64_t)ctx->now_s >= hit->not_before &&
		    (int64_t)ctx->now_s <= hit->not_after) {
			cache->hits++;
			*f = hit;
			*leaf_known = 1;
			return HM_OK;
		}
		cache->misses++;
	}

	if ((rc = import_crt(env->cert[0], env->cert_len[0], &leaf)) != HM_OK)
		return rc == HM_ERR_ENCODING ? refuse(reason, HM_PROOF_STAKE_CERT) : rc;
	rc = crt_ed25519_key(leaf, scratch->leaf_pk);
	gnutls_x509_crt_deinit(leaf);
	if (rc != HM_OK)
		return refuse(reason, HM_PROOF_STAKE_CERT);
	*leaf_known = 1;
	if ((rc = root_is_hybrid(root, root_len, &hybrid)) != HM_OK)
		return rc;
	rc = hybrid ? hybrid_chain(env, root, root_len, ctx->now_s, reason)
	            : classical_chain(env, root, root_len, ctx->now_s, reason);
	if (rc != HM_OK)
		return rc;
	if ((rc = chain_facts(env, root, root_len, scratch)) != HM_OK)
		return rc == HM_ERR_ENCODING ? refuse(reason, HM_PROOF_STAKE_CERT) : rc;
	*f = scratch;
	if (cache != NULL) {
		/* A stale entry of the same chain (outside its window) is replaced in place. */
		struct hm_stake_chain *slot = hit != NULL ? hit : &cache->slot[cache->next];

		if (hit == NULL)
			cache->next = (cache->next + 1) % HM_STAKE_CACHE_SLOTS;
		memcpy(scratch->key, key, sizeof(key));
		scratch->used = 1;
		*slot = *scratch;
		*f = slot;
	}
	return HM_OK;
}

/* Refuses a chain in which TrustChain revoked a certificate (when state can say). */
static int revocation(const struct hm_stake_chain *f, const struct hm_proof_state *st,
                      enum hm_proof_reason *reason)
{
	if (st->cert_revoked == NULL)
		return HM_OK;
	for (size_t i = 0; i < f->n_certs; i++) {
		int rc, revoked = 0;

		if (!f->serial_ok[i])
			return refuse(reason, HM_PROOF_STAKE_CERT);
		rc = st->cert_revoked(st->ctx, f->serial[i], f->serial_len[i], &revoked);
		if (rc == HM_ERR_NOT_FOUND)
			continue;
		if (rc != HM_OK)
			return rc;
		if (revoked)
			return refuse(reason, HM_PROOF_STAKE_REVOKED);
	}
	return HM_OK;
}

/* The PQ half: the leaf's alt key must have signed the digest, or be absent with no PQ signature.
 */
static int pq_signature(const struct hm_envelope *env, const struct hm_stake_chain *f,
                        const uint8_t digest[HM_ENV_DIGEST_LEN], enum hm_proof_reason *reason)
{
	switch (f->alt_rc) {
	case HM_ERR_NOT_FOUND:
		return env->pq_alg == 0 ? HM_OK : refuse(reason, HM_PROOF_STAKE_PQ_UNEXPECTED);
	case HM_ERR_UNSUPPORTED:
		/* A PQ key of an algorithm we cannot check: refused, never accepted unchecked. */
		*reason = HM_PROOF_STAKE_PQ_SIGNATURE;
		return HM_ERR_UNSUPPORTED;
	case HM_OK:
		break;
	default:
		return refuse(reason, HM_PROOF_STAKE_CERT);
	}
	if (env->pq_alg == 0)
		return refuse(reason, HM_PROOF_STAKE_PQ_MISSING);
	if (env->pq_alg != f->alt_alg ||
	    hm_sig_verify((enum hm_sig_alg)f->alt_alg, f->alt_pk, f->alt_pk_len, env->pq_sig,
	                  env->pq_sig_len, digest, HM_ENV_DIGEST_LEN) != HM_OK)
		return refuse(reason, HM_PROOF_STAKE_PQ_SIGNATURE);
	return HM_OK;
}

int proofs_stake_verify(const struct hm_envelope *env, const uint8_t digest[HM_ENV_DIGEST_LEN],
                        const struct hm_proofs_context *ctx, const struct hm_proof_params *params,
                        uint8_t signer[HM_KEY_ID_LEN], int *signer_known,
                        enum hm_proof_reason *reason)
{
	const struct hm_proof_state *st = ctx->state;
	const struct hm_stake_chain *f = NULL;
	struct hm_stake_chain scratch;
	struct hm_stake_entry entry;
	int rc, leaf_known = 0;

	*signer_known = 0;
	if (env->n_certs == 0)
		return refuse(reason, HM_PROOF_STAKE_CERT);
	rc = chain_verified(env, ctx, &scratch, &f, &leaf_known, reason);
	if (leaf_known) {
		/* Known even when the chain is refused: PoSpace is judged for this signer too. */
		hm_sha256(signer, f != NULL ? f->leaf_pk : scratch.leaf_pk, 32);
		*signer_known = 1;
	}
	if (rc != HM_OK)
		return rc;
	if ((rc = revocation(f, st, reason)) != HM_OK)
		return rc;
	if (hm_sig_verify(HM_SIG_ED25519, f->leaf_pk, sizeof(f->leaf_pk), env->ed25519_sig,
	                  HM_ENV_ED25519_SIG_LEN, digest, HM_ENV_DIGEST_LEN) != HM_OK)
		return refuse(reason, HM_PROOF_STAKE_SIGNATURE);
	if ((rc = pq_signature(env, f, digest, reason)) != HM_OK)
		return rc;
	if ((rc = st->stake(st->ctx, signer, &entry)) != HM_OK)
		return rc;
	if (entry.level < params->min_level)
		return refuse(reason, HM_PROOF_STAKE_LEVEL);
	if (entry.stake < params->min_stake)
		return refuse(reason, HM_PROOF_STAKE_AMOUNT);
	return HM_OK;
}
