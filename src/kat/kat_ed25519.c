/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ed25519 known answers: RFC 8032 §7.1 vectors (a JSON array of
 * {secretKey, publicKey, message, signature}) and Wycheproof EddsaVerify
 * files, through hm_ed25519_*.
 */
#include <string.h>

#include "hypermesh/ed25519.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "kat_internal.h"

/*
 * One signing case: the public key must derive from the secret key, the
 * signature must come out byte for byte and must verify.
 */
static int sign_case(const uint8_t *sk, size_t sk_len, const uint8_t *pk, size_t pk_len,
                     const uint8_t *msg, size_t msg_len, const uint8_t *sig, size_t sig_len,
                     const char **why)
{
	uint8_t derived[HM_ED25519_PK_LEN], out[HM_ED25519_SIG_LEN];

	if (sk_len != HM_ED25519_SK_LEN || pk_len != HM_ED25519_PK_LEN ||
	    sig_len != HM_ED25519_SIG_LEN) {
		*why = "field has the wrong length";
		return 0;
	}
	hm_ed25519_public_key(derived, sk);
	if (memcmp(derived, pk, sizeof(derived)) != 0) {
		*why = "public key mismatch";
		return 0;
	}
	hm_ed25519_sign(out, sk, pk, msg, msg_len);
	if (memcmp(out, sig, sizeof(out)) != 0) {
		*why = "signature mismatch";
		return 0;
	}
	if (hm_ed25519_verify(sig, pk, msg, msg_len) != HM_OK) {
		*why = "signature does not verify";
		return 0;
	}
	return 1;
}

static int is_rfc8032(const json_t *doc)
{
	const json_t *first = json_array_get(doc, 0);

	return json_is_array(doc) && json_is_object(first) && json_object_get(first, "secretKey") &&
	       json_object_get(first, "signature");
}

static int run_rfc8032(const json_t *doc, struct hm_kat_tally *tally, FILE *log)
{
	struct hm_buf sk, pk, msg, sig;
	const json_t *t;
	size_t i;

	hm_buf_init(&sk);
	hm_buf_init(&pk);
	hm_buf_init(&msg);
	hm_buf_init(&sig);
	json_array_foreach(doc, i, t)
	{
		const char *why = "malformed case";
		int ok = kat_hex_field(t, "secretKey", &sk) == HM_OK &&
		         kat_hex_field(t, "publicKey", &pk) == HM_OK &&
		         kat_hex_field(t, "message", &msg) == HM_OK &&
		         kat_hex_field(t, "signature", &sig) == HM_OK &&
		         sign_case(sk.data, sk.len, pk.data, pk.len, msg.data, msg.len, sig.data,
		                   sig.len, &why);
		kat_record(tally, log, (long long)i + 1, ok, why);
	}
	hm_buf_free(&sk);
	hm_buf_free(&pk);
	hm_buf_free(&msg);
	hm_buf_free(&sig);
	return HM_OK;
}

/* Wycheproof EddsaVerify: valid cases must verify, invalid ones must not. */
static int run_wycheproof(const json_t *doc, struct hm_kat_tally *tally, FILE *log)
{
	struct hm_buf pk, msg, sig;
	const json_t *group, *t;
	size_t gi, ti;

	hm_buf_init(&pk);
	hm_buf_init(&msg);
	hm_buf_init(&sig);
	json_array_foreach(json_object_get(doc, "testGroups"), gi, group)
	{
		const json_t *key = json_object_get(group, "publicKey");
		int have_pk = kat_hex_field(key, "pk", &pk) == HM_OK && pk.len == HM_ED25519_PK_LEN;

		json_array_foreach(json_object_get(group, "tests"), ti, t)
		{
			const char *result = kat_str_field(t, "result");
			long long id = kat_tc_id(t);
			int want_valid, verified;

			if (!have_pk || result == NULL || kat_hex_field(t, "msg", &msg) != HM_OK ||
			    kat_hex_field(t, "sig", &sig) != HM_OK) {
				kat_record(tally, log, id, 0, "malformed case");
				continue;
			}
			want_valid = strcmp(result, "valid") == 0;
			verified = sig.len == HM_ED25519_SIG_LEN &&
			           hm_ed25519_verify(sig.data, pk.data, msg.data, msg.len) == HM_OK;
			kat_record(tally, log, id, verified == want_valid,
			           want_valid ? "valid signature rejected"
			                      : "invalid signature accepted");
		}
	}
	hm_buf_free(&pk);
	hm_buf_free(&msg);
	hm_buf_free(&sig);
	return HM_OK;
}

/*
 * ACVP EDDSA keyGen, sigGen and sigVer for the ED-25519 curve. Nettle has
 * pure Ed25519 only, so Ed25519ph (preHash) and Ed25519ctx (a non-empty
 * context) cases are counted as skipped: this build cannot run them.
 */
static int run_acvp(const json_t *doc, const char *mode, struct hm_kat_tally *tally, FILE *log)
{
	struct hm_buf d, q, msg, ctx, sig;
	const json_t *g, *t;
	size_t gi, ti;

	hm_buf_init(&d);
	hm_buf_init(&q);
	hm_buf_init(&msg);
	hm_buf_init(&ctx);
	hm_buf_init(&sig);
	json_array_foreach(json_object_get(doc, "testGroups"), gi, g)
	{
		const char *curve = kat_str_field(g, "curve");
		int prehash = json_is_true(json_object_get(g, "preHash"));
		/* sigGen keeps the key pair in the group. */
		int group_key =
		        kat_hex_field(g, "d", &d) == HM_OK && kat_hex_field(g, "q", &q) == HM_OK;

		json_array_foreach(json_object_get(g, "tests"), ti, t)
		{
			long long id = kat_tc_id(t);
			const char *why = "malformed case";
			uint8_t derived[HM_ED25519_PK_LEN];
			int ok = 0;

			if (curve == NULL || strcmp(curve, "ED-25519") != 0 || prehash ||
			    (kat_hex_field(t, "context", &ctx) == HM_OK && ctx.len > 0)) {
				tally->skipped++;
				continue;
			}
			if (strcmp(mode, "keyGen") == 0) {
				if (kat_hex_field(t, "d", &d) == HM_OK &&
				    kat_hex_field(t, "q", &q) == HM_OK &&
				    d.len == HM_ED25519_SK_LEN && q.len == HM_ED25519_PK_LEN) {
					hm_ed25519_public_key(derived, d.data);
					ok = memcmp(derived, q.data, sizeof(derived)) == 0;
					why = "public key mismatch";
				}
			} else if (strcmp(mode, "sigGen") == 0) {
				ok = group_key && kat_hex_field(t, "message", &msg) == HM_OK &&
				     kat_hex_field(t, "signature", &sig) == HM_OK &&
				     sign_case(d.data, d.len, q.data, q.len, msg.data, msg.len,
				               sig.data, sig.len, &why);
			} else {
				const json_t *passed = json_object_get(t, "testPassed");
				if (json_is_boolean(passed) && kat_hex_field(t, "q", &q) == HM_OK &&
				    kat_hex_field(t, "message", &msg) == HM_OK &&
				    kat_hex_field(t, "signature", &sig) == HM_OK) {
					int verified = q.len == HM_ED25519_PK_LEN &&
					               sig.len == HM_ED25519_SIG_LEN &&
					               hm_ed25519_verify(sig.data, q.data, msg.data,
					                                 msg.len) == HM_OK;
					ok = verified == json_is_true(passed);
					why = verified ? "invalid signature accepted"
					               : "valid signature rejected";
				}
			}
			kat_record(tally, log, id, ok, why);
		}
	}
	hm_buf_free(&d);
	hm_buf_free(&q);
	hm_buf_free(&msg);
	hm_buf_free(&ctx);
	hm_buf_free(&sig);
	return HM_OK;
}

int hm_kat_ed25519_json(const json_t *doc, struct hm_kat_tally *tally, FILE *log)
{
	const char *alg = kat_str_field(doc, "algorithm");
	const char *schema = kat_str_field(doc, "schema");
	const char *mode = kat_str_field(doc, "mode");

	if (is_rfc8032(doc))
		return run_rfc8032(doc, tally, log);
	if (alg != NULL && mode != NULL && strcmp(alg, "EDDSA") == 0 &&
	    (strcmp(mode, "keyGen") == 0 || strcmp(mode, "sigGen") == 0 ||
	     strcmp(mode, "sigVer") == 0))
		return run_acvp(doc, mode, tally, log);
	if (alg != NULL && schema != NULL && strcmp(alg, "EDDSA") == 0 &&
	    strcmp(schema, "eddsa_verify_schema_v1.json") == 0)
		return run_wycheproof(doc, tally, log);
	return HM_ERR_UNSUPPORTED;
}

/* RFC 8032 §7.1 TEST 1, 2 and 3 (secret key, public key, message, signature). */
static const struct {
	const char *sk, *pk, *msg, *sig;
} builtin[] = {
	{ "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
	  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
	  "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
	{ "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	  "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
	  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e"
	  "458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
	{ "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
	  "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
	  "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290"
	  "ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a" },
};

int hm_kat_builtin_ed25519(struct hm_kat_tally *tally, FILE *log)
{
	for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++) {
		uint8_t sk[32], pk[32], msg[2], sig[64];
		size_t sk_len, pk_len, msg_len, sig_len;
		const char *why = "malformed built-in vector";
		int ok = hm_hex_decode(sk, sizeof(sk), &sk_len, builtin[i].sk,
		                       strlen(builtin[i].sk)) == HM_OK &&
		         hm_hex_decode(pk, sizeof(pk), &pk_len, builtin[i].pk,
		                       strlen(builtin[i].pk)) == HM_OK &&
		         hm_hex_decode(msg, sizeof(msg), &msg_len, builtin[i].msg,
		                       strlen(builtin[i].msg)) == HM_OK &&
		         hm_hex_decode(sig, sizeof(sig), &sig_len, builtin[i].sig,
		                       strlen(builtin[i].sig)) == HM_OK &&
		         sign_case(sk, sk_len, pk, pk_len, msg, msg_len, sig, sig_len, &why);

		kat_record(tally, log, (long long)i + 1, ok, why);
	}
	return HM_OK;
}
