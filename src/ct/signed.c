/* SPDX-License-Identifier: Apache-2.0 */
/* SignatureScheme code points, log ids and the digitally-signed element (ct.h). */
#include <string.h>

#include "ct_internal.h"
#include "hypermesh/ct.h"
#include "hypermesh/error.h"
#include "hypermesh/hash.h"

static const struct {
	enum hm_sig_alg alg;
	uint16_t scheme;
} schemes[] = {
	{ HM_SIG_ED25519, 0x0807 }, { HM_SIG_MLDSA44, 0x0904 },   { HM_SIG_MLDSA65, 0x0905 },
	{ HM_SIG_MLDSA87, 0x0906 }, { HM_SIG_FALCON512, 0xfe05 }, { HM_SIG_FALCON1024, 0xfe06 },
};

int hm_ct_sig_scheme(enum hm_sig_alg alg, uint16_t *scheme)
{
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		if (schemes[i].alg == alg) {
			*scheme = schemes[i].scheme;
			return HM_OK;
		}
	}
	return HM_ERR_UNSUPPORTED;
}

int hm_ct_sig_alg(uint16_t scheme, enum hm_sig_alg *alg)
{
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		if (schemes[i].scheme == scheme) {
			*alg = schemes[i].alg;
			return HM_OK;
		}
	}
	return HM_ERR_UNSUPPORTED;
}

void hm_ct_log_id(uint8_t out[HM_CT_LOG_ID_LEN], const uint8_t *pk, size_t pk_len)
{
	hm_sha256(out, pk, pk_len);
}

int ct_sign(enum hm_sig_alg alg, const uint8_t *sk, size_t sk_len, const struct hm_buf *msg,
            uint16_t *scheme, uint8_t *sig, size_t *sig_len)
{
	int rc;

	*sig_len = 0;
	rc = hm_ct_sig_scheme(alg, scheme);
	if (rc != HM_OK)
		return rc;
	rc = hm_sig_sign(alg, sig, HM_SIG_SIG_MAX, sig_len, sk, sk_len, msg->data, msg->len);
	if (rc != HM_OK)
		*sig_len = 0;
	return rc;
}

int ct_verify(enum hm_sig_alg alg, const uint8_t *pk, size_t pk_len, const struct hm_buf *msg,
              uint16_t scheme, const uint8_t *sig, size_t sig_len)
{
	uint16_t want;
	int rc;

	rc = hm_ct_sig_scheme(alg, &want);
	if (rc != HM_OK)
		return rc;
	/* The scheme is signed by nothing, so it must be checked against the key's. */
	if (scheme != want || sig_len > HM_SIG_SIG_MAX)
		return HM_ERR_VERIFY;
	return hm_sig_verify(alg, pk, pk_len, sig, sig_len, msg->data, msg->len);
}

int ct_put_signature(struct hm_buf *b, uint16_t scheme, const uint8_t *sig, size_t sig_len)
{
	int rc;

	if (sig_len > HM_SIG_SIG_MAX)
		return HM_ERR_LENGTH;
	rc = hm_put_u16(b, scheme);
	if (rc == HM_OK)
		rc = hm_put_vec(b, 0, CT_SIG_VEC_MAX, sig, sig_len);
	return rc;
}

int ct_get_signature(struct hm_reader *r, uint16_t *scheme, uint8_t *sig, size_t *sig_len)
{
	struct hm_reader save = *r;
	const uint8_t *p;
	size_t n;
	int rc;

	rc = hm_get_u16(r, scheme);
	if (rc == HM_OK)
		rc = hm_get_vec(r, 0, CT_SIG_VEC_MAX, &p, &n);
	if (rc == HM_OK && n > HM_SIG_SIG_MAX)
		rc = HM_ERR_LENGTH;
	if (rc != HM_OK) {
		*r = save;
		return rc;
	}
	memcpy(sig, p, n);
	*sig_len = n;
	return HM_OK;
}
