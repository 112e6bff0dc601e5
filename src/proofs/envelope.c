/* SPDX-License-Identifier: Apache-2.0 */
/* The operation envelope: canonical encoding, digest and signing. */
#include <string.h>

#include "hypermesh/codec.h"
#include "hypermesh/envelope.h"
#include "hypermesh/error.h"
#include "hypermesh/secure.h"
#include "hypermesh/sha3.h"

static const char digest_label[] = "hypermesh/op-digest/v1";

/* version .. certs: the part the digest covers. */
static int encode_signed_part(const struct hm_envelope *env, struct hm_buf *b)
{
	struct hm_vec_mark certs;
	int rc;

	if (env->n_certs == 0 || env->n_certs > HM_ENV_CERTS_MAX)
		return HM_ERR_LENGTH;
	if (env->payload_len > HM_ENV_PAYLOAD_MAX)
		return HM_ERR_LENGTH;
	if ((rc = hm_put_u8(b, HM_ENV_VERSION)) || (rc = hm_put_u16(b, env->type)) ||
	    (rc = hm_put_bytes(b, env->chain_id, HM_ENV_CHAIN_ID_LEN)) ||
	    (rc = hm_put_u64(b, env->nonce)) || (rc = hm_put_u64(b, env->fee)) ||
	    (rc = hm_put_vec(b, 0, 0xffffff, env->payload, env->payload_len)) ||
	    (rc = hm_put_vec_begin(b, 1, 0xffffff, &certs)))
		return rc;
	for (size_t i = 0; i < env->n_certs; i++)
		if ((rc = hm_put_vec(b, 1, HM_ENV_CERT_MAX, env->cert[i], env->cert_len[i])))
			return rc;
	return hm_put_vec_end(b, &certs);
}

static void digest_of(const uint8_t *signed_part, size_t len, uint8_t digest[HM_ENV_DIGEST_LEN])
{
	struct hm_keccak k;

	hm_sha3_256_init(&k);
	hm_keccak_absorb(&k, digest_label, sizeof(digest_label) - 1);
	hm_keccak_absorb(&k, signed_part, len);
	hm_sha3_final(&k, digest);
}

int hm_envelope_digest(const struct hm_envelope *env, uint8_t digest[HM_ENV_DIGEST_LEN])
{
	struct hm_buf b;
	int rc;

	if (env == NULL || digest == NULL)
		return HM_ERR_INVALID;
	hm_buf_init(&b);
	rc = encode_signed_part(env, &b);
	if (rc == HM_OK)
		digest_of(b.data, b.len, digest);
	hm_buf_free(&b);
	return rc;
}

static int pq_alg_valid(uint16_t alg)
{
	return alg == HM_SIG_MLDSA87 || alg == HM_SIG_FALCON1024 || alg == HM_SIG_MLDSA44 ||
	       alg == HM_SIG_MLDSA65 || alg == HM_SIG_FALCON512;
}

int hm_envelope_encode(const struct hm_envelope *env, struct hm_buf *out)
{
	size_t start;
	int rc;

	if (env == NULL || out == NULL)
		return HM_ERR_INVALID;
	if ((env->pq_alg == 0) != (env->pq_sig_len == 0) ||
	    (env->pq_alg != 0 && !pq_alg_valid(env->pq_alg)))
		return HM_ERR_INVALID;
	if (env->proofs_len == 0 || env->proofs_len > HM_ENV_PROOFS_MAX)
		return HM_ERR_LENGTH;
	start = out->len;
	if ((rc = encode_signed_part(env, out)) ||
	    (rc = hm_put_vec(out, 1, 0xffffff, env->proofs, env->proofs_len)) ||
	    (rc = hm_put_bytes(out, env->ed25519_sig, HM_ENV_ED25519_SIG_LEN)) ||
	    (rc = hm_put_u16(out, env->pq_alg)) ||
	    (rc = hm_put_vec(out, 0, 0xffff, env->pq_sig, env->pq_sig_len))) {
		(void)hm_buf_truncate(out, start);
		return rc;
	}
	return HM_OK;
}

int hm_envelope_decode(struct hm_envelope *env, uint8_t digest[HM_ENV_DIGEST_LEN],
                       const uint8_t *in, size_t len)
{
	struct hm_envelope e;
	struct hm_reader r, certs;
	uint8_t version;
	size_t signed_len;
	int rc;

	if (env == NULL || (in == NULL && len > 0))
		return HM_ERR_INVALID;
	if (len > HM_ENV_MAX)
		return HM_ERR_TOO_LARGE;
	memset(&e, 0, sizeof(e));
	hm_reader_init(&r, in, len);
	if ((rc = hm_get_u8(&r, &version)))
		return rc;
	if (version != HM_ENV_VERSION)
		return HM_ERR_INVALID;
	if ((rc = hm_get_u16(&r, &e.type)) ||
	    (rc = hm_get_bytes(&r, e.chain_id, HM_ENV_CHAIN_ID_LEN)) ||
	    (rc = hm_get_u64(&r, &e.nonce)) || (rc = hm_get_u64(&r, &e.fee)) ||
	    (rc = hm_get_vec(&r, 0, 0xffffff, &e.payload, &e.payload_len)) ||
	    (rc = hm_get_vec_reader(&r, 1, 0xffffff, &certs)))
		return rc;
	if (e.payload_len > HM_ENV_PAYLOAD_MAX)
		return HM_ERR_LENGTH;
	signed_len = r.pos;
	while (hm_reader_remaining(&certs) > 0) {
		if (e.n_certs == HM_ENV_CERTS_MAX)
			return HM_ERR_LENGTH;
		if ((rc = hm_get_vec(&certs, 1, HM_ENV_CERT_MAX, &e.cert[e.n_certs],
		                     &e.cert_len[e.n_certs])))
			return rc;
		e.n_certs++;
	}
	if ((rc = hm_get_vec(&r, 1, 0xffffff, &e.proofs, &e.proofs_len)) ||
	    (rc = hm_get_bytes(&r, e.ed25519_sig, HM_ENV_ED25519_SIG_LEN)) ||
	    (rc = hm_get_u16(&r, &e.pq_alg)) ||
	    (rc = hm_get_vec(&r, 0, 0xffff, &e.pq_sig, &e.pq_sig_len)) ||
	    (rc = hm_reader_finish(&r)))
		return rc;
	if (e.proofs_len > HM_ENV_PROOFS_MAX)
		return HM_ERR_LENGTH;
	if ((e.pq_alg == 0) != (e.pq_sig_len == 0) || (e.pq_alg != 0 && !pq_alg_valid(e.pq_alg)))
		return HM_ERR_INVALID;
	/* The encoding is canonical, so the received bytes are the ones to hash. */
	if (digest != NULL)
		digest_of(in, signed_len, digest);
	*env = e;
	return HM_OK;
}

int hm_envelope_sign(struct hm_envelope *env, const uint8_t digest[HM_ENV_DIGEST_LEN],
                     const struct hm_envelope_signer *signer, struct hm_buf *pq_store)
{
	uint8_t sig[HM_SIG_SIG_MAX];
	size_t sig_len;
	size_t at;
	int rc;

	if (env == NULL || digest == NULL || signer == NULL || signer->ed25519_sk == NULL)
		return HM_ERR_INVALID;
	rc = hm_sig_sign(HM_SIG_ED25519, sig, sizeof(sig), &sig_len, signer->ed25519_sk, 64, digest,
	                 HM_ENV_DIGEST_LEN);
	if (rc != HM_OK)
		return rc;
	memcpy(env->ed25519_sig, sig, HM_ENV_ED25519_SIG_LEN);
	env->pq_alg = 0;
	env->pq_sig = NULL;
	env->pq_sig_len = 0;
	if (signer->pq_alg == 0)
		return HM_OK;
	if (pq_store == NULL || !pq_alg_valid(signer->pq_alg))
		return HM_ERR_INVALID;
	rc = hm_sig_sign(signer->pq_alg, sig, sizeof(sig), &sig_len, signer->pq_sk,
	                 signer->pq_sk_len, digest, HM_ENV_DIGEST_LEN);
	if (rc != HM_OK)
		return rc;
	at = pq_store->len;
	if ((rc = hm_buf_append(pq_store, sig, sig_len)) != HM_OK)
		return rc;
	env->pq_alg = (uint16_t)signer->pq_alg;
	env->pq_sig = pq_store->data + at;
	env->pq_sig_len = sig_len;
	return HM_OK;
}
