/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hybrid chain verification: GnuTLS validates the classical chain (signatures,
 * issuer names, CA flags, path length, key usage) with its clock switched
 * off, the validity periods are checked here against the caller's time so
 * the answer is deterministic, and every link's alternative signature is
 * checked under the issuer's subjectAltPublicKeyInfo.
 */
#include <string.h>

#include "der.h"
#include "hypermesh/error.h"
#include "hypermesh/trustchain.h"
#include "tc.h"

const char *hm_tc_verify_reason_str(enum hm_tc_verify_reason reason)
{
	switch (reason) {
	case HM_TC_VERIFY_OK:
		return "valid";
	case HM_TC_VERIFY_MALFORMED:
		return "malformed certificate";
	case HM_TC_VERIFY_CLASSICAL:
		return "classical (Ed25519/X.509) validation failed";
	case HM_TC_VERIFY_NOT_YET_VALID:
		return "certificate not yet valid";
	case HM_TC_VERIFY_EXPIRED:
		return "certificate expired";
	case HM_TC_VERIFY_PQ_MISSING:
		return "post-quantum key or alternative signature missing";
	case HM_TC_VERIFY_PQ_SIGNATURE:
		return "post-quantum alternative signature invalid";
	case HM_TC_VERIFY_TOO_LONG:
		return "chain too long";
	}
	return "unknown reason";
}

static int fail(struct hm_tc_verify_result *res, enum hm_tc_verify_reason reason, int depth)
{
	res->reason = reason;
	res->depth = depth;
	return HM_ERR_VERIFY;
}

/* The PQ link: cert (DER) signed by the PQ key of issuer (DER). */
static int pq_link(const uint8_t *cert, size_t cert_len, const uint8_t *issuer, size_t issuer_len,
                   struct hm_tc_verify_result *res, int depth)
{
	struct hm_buf pk;
	enum hm_sig_alg alg;
	int rc;

	hm_buf_init(&pk);
	rc = hm_tc_cert_alt_key(issuer, issuer_len, &alg, &pk);
	if (rc == HM_OK)
		rc = hm_tc_cert_alt_verify(cert, cert_len, alg, pk.data, pk.len);
	hm_buf_free(&pk);
	if (rc == HM_OK)
		return HM_OK;
	if (rc == HM_ERR_NOMEM)
		return rc;
	if (rc == HM_ERR_NOT_FOUND || rc == HM_ERR_UNSUPPORTED)
		return fail(res, HM_TC_VERIFY_PQ_MISSING, depth);
	if (rc == HM_ERR_VERIFY)
		return fail(res, HM_TC_VERIFY_PQ_SIGNATURE, depth);
	return fail(res, HM_TC_VERIFY_MALFORMED, depth);
}

int hm_tc_chain_verify(const uint8_t *const *chain, const size_t *chain_len, size_t n,
                       const uint8_t *root, size_t root_len, uint64_t at_time,
                       struct hm_tc_verify_result *res)
{
	gnutls_x509_crt_t crts[HM_TC_CHAIN_MAX + 1];
	size_t ncrt = 0;
	unsigned status = 0;
	int rc = HM_OK;

	if (chain == NULL || chain_len == NULL || root == NULL || res == NULL || n == 0)
		return HM_ERR_INVALID;
	res->reason = HM_TC_VERIFY_OK;
	res->depth = -1;
	res->gnutls_status = 0;
	if (n > HM_TC_CHAIN_MAX)
		return fail(res, HM_TC_VERIFY_TOO_LONG, HM_TC_CHAIN_MAX);

	/* Parse everything first: our DER reader is stricter than GnuTLS. */
	for (size_t i = 0; i <= n; i++) {
		const uint8_t *der = i < n ? chain[i] : root;
		size_t len = i < n ? chain_len[i] : root_len;
		struct der_cert dc;

		if (der == NULL || der_cert_parse(der, len, &dc) != HM_OK ||
		    (rc = tc_crt_import(der, len, &crts[ncrt])) != HM_OK) {
			rc = rc == HM_ERR_NOMEM ? rc : fail(res, HM_TC_VERIFY_MALFORMED, (int)i);
			goto out;
		}
		ncrt++;
	}

	if (gnutls_x509_crt_list_verify(crts, (unsigned)n, &crts[n], 1, NULL, 0,
	                                GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
	                                        GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS,
	                                &status) < 0 ||
	    status != 0) {
		res->gnutls_status = status;
		rc = fail(res, HM_TC_VERIFY_CLASSICAL, 0);
		goto out;
	}
	for (size_t i = 0; i <= n; i++) {
		time_t nb = gnutls_x509_crt_get_activation_time(crts[i]);
		time_t na = gnutls_x509_crt_get_expiration_time(crts[i]);

		if (nb == (time_t)-1 || na == (time_t)-1) {
			rc = fail(res, HM_TC_VERIFY_MALFORMED, (int)i);
			goto out;
		}
		if ((int64_t)at_time < (int64_t)nb) {
			rc = fail(res, HM_TC_VERIFY_NOT_YET_VALID, (int)i);
			goto out;
		}
		if ((int64_t)at_time > (int64_t)na) {
			rc = fail(res, HM_TC_VERIFY_EXPIRED, (int)i);
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const uint8_t *issuer = i + 1 < n ? chain[i + 1] : root;
		size_t issuer_len = i + 1 < n ? chain_len[i + 1] : root_len;

		/* a chain that ends with the root itself: its link is the self-signature below */
		if (i + 1 == n && chain_len[i] == root_len && memcmp(chain[i], root, root_len) == 0)
			break;
		if ((rc = pq_link(chain[i], chain_len[i], issuer, issuer_len, res, (int)i)) !=
		    HM_OK)
			goto out;
	}
	rc = pq_link(root, root_len, root, root_len, res, (int)n);
out:
	for (size_t i = 0; i < ncrt; i++)
		gnutls_x509_crt_deinit(crts[i]);
	return rc;
}
