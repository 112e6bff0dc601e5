/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/ed25519.h"
#include "hypermesh/error.h"
#include "hypermesh/falcon.h"
#include "hypermesh/mldsa.h"
#include "hypermesh/secure.h"
#include "hypermesh/sig.h"

static const struct hm_sig_info algorithms[] = {
	{ HM_SIG_ED25519, "ed25519", HM_ED25519_PK_LEN, HM_ED25519_SK_LEN + HM_ED25519_PK_LEN,
	  HM_ED25519_SIG_LEN },
	{ HM_SIG_MLDSA44, "ml-dsa-44", HM_MLDSA44_PUBLICKEY_BYTES, HM_MLDSA44_SECRETKEY_BYTES,
	  HM_MLDSA44_SIGNATURE_BYTES },
	{ HM_SIG_MLDSA65, "ml-dsa-65", HM_MLDSA65_PUBLICKEY_BYTES, HM_MLDSA65_SECRETKEY_BYTES,
	  HM_MLDSA65_SIGNATURE_BYTES },
	{ HM_SIG_MLDSA87, "ml-dsa-87", HM_MLDSA87_PUBLICKEY_BYTES, HM_MLDSA87_SECRETKEY_BYTES,
	  HM_MLDSA87_SIGNATURE_BYTES },
	{ HM_SIG_FALCON512, "falcon-512", HM_FALCON512_PK_LEN, HM_FALCON512_SK_LEN,
	  HM_FALCON512_SIG_MAX },
	{ HM_SIG_FALCON1024, "falcon-1024", HM_FALCON1024_PK_LEN, HM_FALCON1024_SK_LEN,
	  HM_FALCON1024_SIG_MAX },
};

_Static_assert(HM_SIG_PK_MAX >= HM_FALCON1024_PK_LEN && HM_SIG_PK_MAX == HM_MLDSA87_PUBLICKEY_BYTES,
               "HM_SIG_PK_MAX");
_Static_assert(HM_SIG_SK_MAX == HM_MLDSA87_SECRETKEY_BYTES, "HM_SIG_SK_MAX");
_Static_assert(HM_SIG_SIG_MAX == HM_MLDSA87_SIGNATURE_BYTES &&
                       HM_SIG_SIG_MAX >= HM_FALCON1024_SIG_MAX,
               "HM_SIG_SIG_MAX");

const struct hm_sig_info *hm_sig_info(enum hm_sig_alg alg)
{
	for (size_t i = 0; i < sizeof(algorithms) / sizeof(algorithms[0]); i++)
		if (algorithms[i].alg == alg)
			return &algorithms[i];
	return NULL;
}

int hm_sig_alg_from_name(const char *name, enum hm_sig_alg *alg)
{
	for (size_t i = 0; i < sizeof(algorithms) / sizeof(algorithms[0]); i++) {
		if (name != NULL && strcmp(name, algorithms[i].name) == 0) {
			*alg = algorithms[i].alg;
			return HM_OK;
		}
	}
	return HM_ERR_UNSUPPORTED;
}

static enum hm_mldsa_param mldsa_param(enum hm_sig_alg alg)
{
	return alg == HM_SIG_MLDSA44   ? HM_MLDSA_44
	       : alg == HM_SIG_MLDSA65 ? HM_MLDSA_65
	                               : HM_MLDSA_87;
}

static unsigned falcon_logn(enum hm_sig_alg alg)
{
	return alg == HM_SIG_FALCON512 ? HM_FALCON512_LOGN : HM_FALCON1024_LOGN;
}

int hm_sig_keygen(enum hm_sig_alg alg, uint8_t *pk, size_t pk_cap, uint8_t *sk, size_t sk_cap)
{
	const struct hm_sig_info *info = hm_sig_info(alg);
	int rc;

	if (info == NULL)
		return HM_ERR_UNSUPPORTED;
	if (pk_cap < info->pk_len || sk_cap < info->sk_len)
		return HM_ERR_BUFFER;
	switch (alg) {
	case HM_SIG_ED25519:
		rc = hm_ed25519_keygen(pk, sk);
		if (rc == HM_OK)
			memcpy(sk + HM_ED25519_SK_LEN, pk, HM_ED25519_PK_LEN);
		return rc;
	case HM_SIG_MLDSA44:
	case HM_SIG_MLDSA65:
	case HM_SIG_MLDSA87:
		return hm_mldsa_keygen(mldsa_param(alg), pk, sk);
	case HM_SIG_FALCON512:
	case HM_SIG_FALCON1024:
		return hm_falcon_keygen(falcon_logn(alg), pk, sk, NULL);
	}
	return HM_ERR_UNSUPPORTED;
}

int hm_sig_sign(enum hm_sig_alg alg, uint8_t *sig, size_t sig_cap, size_t *sig_len,
                const uint8_t *sk, size_t sk_len, const void *msg, size_t msg_len)
{
	const struct hm_sig_info *info = hm_sig_info(alg);
	int rc;

	if (info == NULL)
		return HM_ERR_UNSUPPORTED;
	if (sk_len != info->sk_len)
		return HM_ERR_LENGTH;
	if (sig_cap < info->sig_max)
		return HM_ERR_BUFFER;
	switch (alg) {
	case HM_SIG_ED25519:
		hm_ed25519_sign(sig, sk, sk + HM_ED25519_SK_LEN, msg, msg_len);
		*sig_len = HM_ED25519_SIG_LEN;
		return HM_OK;
	case HM_SIG_MLDSA44:
	case HM_SIG_MLDSA65:
	case HM_SIG_MLDSA87:
		rc = hm_mldsa_sign_hedged(mldsa_param(alg), sig, sk, sk_len, msg, msg_len, NULL, 0);
		if (rc == HM_OK)
			*sig_len = info->sig_max;
		return rc;
	case HM_SIG_FALCON512:
	case HM_SIG_FALCON1024:
		*sig_len = sig_cap;
		return hm_falcon_sign(falcon_logn(alg), sig, sig_len, sk, sk_len, msg, msg_len,
		                      NULL);
	}
	return HM_ERR_UNSUPPORTED;
}

int hm_sig_verify(enum hm_sig_alg alg, const uint8_t *pk, size_t pk_len, const uint8_t *sig,
                  size_t sig_len, const void *msg, size_t msg_len)
{
	const struct hm_sig_info *info = hm_sig_info(alg);

	if (info == NULL)
		return HM_ERR_UNSUPPORTED;
	if (pk_len != info->pk_len)
		return HM_ERR_LENGTH;
	switch (alg) {
	case HM_SIG_ED25519:
		if (sig_len != HM_ED25519_SIG_LEN)
			return HM_ERR_VERIFY;
		return hm_ed25519_verify(sig, pk, msg, msg_len);
	case HM_SIG_MLDSA44:
	case HM_SIG_MLDSA65:
	case HM_SIG_MLDSA87:
		return hm_mldsa_verify(mldsa_param(alg), pk, pk_len, msg, msg_len, NULL, 0, sig,
		                       sig_len) == HM_OK
		               ? HM_OK
		               : HM_ERR_VERIFY;
	case HM_SIG_FALCON512:
	case HM_SIG_FALCON1024:
		/*
		 * Falcon tells a malformed encoding (HM_ERR_INVALID, HM_ERR_LENGTH)
		 * from a well-formed wrong signature; to a verifier both are just
		 * "not a valid signature".
		 */
		return hm_falcon_verify(falcon_logn(alg), sig, sig_len, pk, pk_len, msg, msg_len) ==
		                       HM_OK
		               ? HM_OK
		               : HM_ERR_VERIFY;
	}
	return HM_ERR_UNSUPPORTED;
}

/*
 * A signer keeps what signing derives from the secret key: for Falcon the
 * expanded key; for the others, whose per-signature key work is small, just
 * a copy of the key bytes.
 */
struct hm_sig_signer {
	enum hm_sig_alg alg;
	struct hm_falcon_expanded *falcon;
	size_t sk_len;
	uint8_t sk[HM_SIG_SK_MAX];
};

int hm_sig_signer_new(enum hm_sig_alg alg, const uint8_t *sk, size_t sk_len,
                      struct hm_sig_signer **out)
{
	const struct hm_sig_info *info = hm_sig_info(alg);
	struct hm_sig_signer *s;
	int rc = HM_OK;

	if (info == NULL)
		return HM_ERR_UNSUPPORTED;
	if (sk_len != info->sk_len)
		return HM_ERR_LENGTH;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return HM_ERR_NOMEM;
	s->alg = alg;
	if (alg == HM_SIG_FALCON512 || alg == HM_SIG_FALCON1024) {
		rc = hm_falcon_expand(falcon_logn(alg), sk, sk_len, &s->falcon);
	} else {
		memcpy(s->sk, sk, sk_len);
		s->sk_len = sk_len;
	}
	if (rc != HM_OK) {
		hm_sig_signer_free(s);
		return rc;
	}
	*out = s;
	return HM_OK;
}

void hm_sig_signer_free(struct hm_sig_signer *s)
{
	if (s == NULL)
		return;
	hm_falcon_expanded_free(s->falcon);
	hm_wipe(s, sizeof(*s));
	free(s);
}

enum hm_sig_alg hm_sig_signer_alg(const struct hm_sig_signer *s)
{
	return s->alg;
}

int hm_sig_signer_sign(const struct hm_sig_signer *s, uint8_t *sig, size_t sig_cap, size_t *sig_len,
                       const void *msg, size_t msg_len)
{
	if (s->falcon == NULL)
		return hm_sig_sign(s->alg, sig, sig_cap, sig_len, s->sk, s->sk_len, msg, msg_len);
	if (sig_cap < hm_sig_info(s->alg)->sig_max)
		return HM_ERR_BUFFER;
	*sig_len = sig_cap;
	return hm_falcon_sign_expanded(s->falcon, sig, sig_len, msg, msg_len, NULL);
}
