/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ML-DSA known answers: NIST ACVP ML-DSA keyGen / sigVer (internalProjection)
 * and sigGen (prompt + expectedResults, joined on tcId), and Wycheproof
 * ML-DSA sign-from-seed, sign-from-expanded-key and verify files, through
 * hm_mldsa_*. The format is recognised from the document's own fields.
 */
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/mldsa.h"
#include "hypermesh/secure.h"
#include "hypermesh/sha3.h"
#include "kat_internal.h"

/* Scratch buffers for one case, reused across a file. */
struct case_bufs {
	struct hm_buf a, b, c, d, e;
};

static void bufs_init(struct case_bufs *cb)
{
	hm_buf_init(&cb->a);
	hm_buf_init(&cb->b);
	hm_buf_init(&cb->c);
	hm_buf_init(&cb->d);
	hm_buf_init(&cb->e);
}

static void bufs_free(struct case_bufs *cb)
{
	hm_buf_free(&cb->a);
	hm_buf_free(&cb->b);
	hm_buf_free(&cb->c);
	hm_buf_free(&cb->d);
	hm_buf_free(&cb->e);
}

static int parse_param(const char *name, enum hm_mldsa_param *out)
{
	if (name == NULL)
		return 0;
	if (strcmp(name, "ML-DSA-44") == 0)
		*out = HM_MLDSA_44;
	else if (strcmp(name, "ML-DSA-65") == 0)
		*out = HM_MLDSA_65;
	else if (strcmp(name, "ML-DSA-87") == 0)
		*out = HM_MLDSA_87;
	else
		return 0;
	return 1;
}

static int parse_prehash(const char *name, enum hm_mldsa_prehash *out)
{
	static const struct {
		const char *name;
		enum hm_mldsa_prehash ph;
	} table[] = {
		{ "SHA2-224", HM_MLDSA_PH_SHA2_224 },
		{ "SHA2-256", HM_MLDSA_PH_SHA2_256 },
		{ "SHA2-384", HM_MLDSA_PH_SHA2_384 },
		{ "SHA2-512", HM_MLDSA_PH_SHA2_512 },
		{ "SHA2-512/224", HM_MLDSA_PH_SHA2_512_224 },
		{ "SHA2-512/256", HM_MLDSA_PH_SHA2_512_256 },
		{ "SHA3-224", HM_MLDSA_PH_SHA3_224 },
		{ "SHA3-256", HM_MLDSA_PH_SHA3_256 },
		{ "SHA3-384", HM_MLDSA_PH_SHA3_384 },
		{ "SHA3-512", HM_MLDSA_PH_SHA3_512 },
		{ "SHAKE-128", HM_MLDSA_PH_SHAKE128 },
		{ "SHAKE-256", HM_MLDSA_PH_SHAKE256 },
	};

	if (name == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcmp(name, table[i].name) == 0) {
			*out = table[i].ph;
			return 1;
		}
	}
	return 0;
}

/* A JSON boolean member; -1 if missing or not a boolean. */
static int bool_field(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_boolean(v) ? json_is_true(v) : -1;
}

static int str_is(const json_t *obj, const char *key, const char *want)
{
	const char *s = kat_str_field(obj, key);

	return s != NULL && strcmp(s, want) == 0;
}

/* ------------------------------------------------------------------------ */
/* ACVP keyGen: KeyGen_internal(seed) = (pk, sk)                             */

static int run_acvp_keygen(const json_t *doc, struct hm_kat_tally *tally, FILE *log)
{
	uint8_t pk[HM_MLDSA_MAX_PUBLICKEY_BYTES], sk[HM_MLDSA_MAX_SECRETKEY_BYTES];
	const json_t *groups = json_object_get(doc, "testGroups"), *g, *t;
	struct case_bufs cb;
	size_t gi, ti;

	bufs_init(&cb);
	json_array_foreach(groups, gi, g)
	{
		enum hm_mldsa_param param = HM_MLDSA_44;
		int have_param = parse_param(kat_str_field(g, "parameterSet"), &param);

		json_array_foreach(json_object_get(g, "tests"), ti, t)
		{
			const char *why = "malformed case";
			int ok = 0;

			if (have_param && kat_hex_field(t, "seed", &cb.a) == HM_OK &&
			    kat_hex_field(t, "pk", &cb.b) == HM_OK &&
			    kat_hex_field(t, "sk", &cb.c) == HM_OK &&
			    cb.a.len == HM_MLDSA_SEED_BYTES) {
				if (hm_mldsa_keygen_internal(param, pk, sk, cb.a.data) != HM_OK)
					why = "keygen failed";
				else if (cb.b.len != hm_mldsa_publickey_bytes(param) ||
				         memcmp(pk, cb.b.data, cb.b.len) != 0)
					why = "public key mismatch";
				else if (cb.c.len != hm_mldsa_secretkey_bytes(param) ||
				         memcmp(sk, cb.c.data, cb.c.len) != 0)
					why = "secret key mismatch";
				else
					ok = 1;
			}
			kat_record(tally, log, kat_tc_id(t), ok, why);
		}
	}
	hm_wipe(sk, sizeof(sk));
	bufs_free(&cb);
	return HM_OK;
}

/* ------------------------------------------------------------------------ */
/* ACVP sigVer                                                               */

/*
 * The message forms shared by sigGen and sigVer groups: external pure,
 * external pre-hash, internal, internal with external mu.
 */
enum iface { IFACE_PURE, IFACE_PREHASH, IFACE_INTERNAL, IFACE_MU };

static int group_iface(const json_t *g, enum iface *out)
{
	const char *si = kat_str_field(g, "signatureInterface");

	if (si == NULL)
		return 0;
	if (strcmp(si, "external") == 0) {
		if (str_is(g, "preHash", "pure"))
			*out = IFACE_PURE;
		else if (str_is(g, "preHash", "preHash"))
			*out = IFACE_PREHASH;
		else
			return 0;
		return 1;
	}
	if (strcmp(si, "internal") == 0) {
		int mu = bool_field(g, "externalMu");

		if (mu < 0)
			return 0;
		*out = mu ? IFACE_MU : IFACE_INTERNAL;
		return 1;
	}
	return 0;
}

/*
 * Reads the message of a test into msg (message or mu) and ctx, and for a
 * pre-hash group replaces msg by PH(message). Returns 1 or 0 (malformed).
 */
static int load_message(const json_t *t, enum iface iface, struct hm_buf *msg, struct hm_buf *ctx,
                        enum hm_mldsa_prehash *ph)
{
	hm_buf_truncate(ctx, 0);
	if (iface == IFACE_MU)
		return kat_hex_field(t, "mu", msg) == HM_OK && msg->len == HM_MLDSA_MU_BYTES;
	if (kat_hex_field(t, "message", msg) != HM_OK)
		return 0;
	if (iface == IFACE_INTERNAL)
		return 1;
	if (kat_hex_field(t, "context", ctx) != HM_OK)
		return 0;
	if (iface == IFACE_PREHASH) {
		uint8_t digest[HM_MLDSA_MAX_PREHASH_BYTES];
		size_t n;

		if (!parse_prehash(kat_str_field(t, "hashAlg"), ph) ||
		    hm_mldsa_prehash_digest(*ph, digest, &n, msg->data, msg->len) != HM_OK)
			return 0;
		hm_buf_truncate(msg, 0);
		return hm_buf_append(msg, digest, n) == HM_OK;
	}
	return 1;
}

static int do_verify(enum hm_mldsa_param param, enum iface iface, enum hm_mldsa_prehash ph,
                     const struct hm_buf *pk, const struct hm_buf *msg, const struct hm_buf *ctx,
                     const struct hm_buf *sig)
{
	switch (iface) {
	case IFACE_PURE:
		return hm_mldsa_verify(param, pk->data, pk->len, msg->data, msg->len, ctx->data,
		                       ctx->len, sig->data, sig->len);
	case IFACE_PREHASH:
		return hm_mldsa_verify_prehash(param, pk->data, pk->len, msg->data, msg->len, ph,
		                               ctx->data, ctx->len, sig->data, sig->len);
	case IFACE_INTERNAL:
		return hm_mldsa_verify_internal(param, pk->data, pk->len, msg->data, msg->len,
		                                sig->data, sig->len);
	case IFACE_MU:
		return hm_mldsa_verify_mu(param, pk->data, pk->len, msg->data, sig->data, sig->len);
	}
	return HM_ERR_INVALID;
}

static int run_acvp_sigver(const json_t *doc, struct hm_kat_tally *tally, FILE *log)
{
	const json_t *groups = json_object_get(doc, "testGroups"), *g, *t;
	struct case_bufs cb;
	size_t gi, ti;

	bufs_init(&cb);
	json_array_foreach(groups, gi, g)
	{
		enum hm_mldsa_param param = HM_MLDSA_44;
		enum iface iface = IFACE_PURE;
		int good_group = parse_param(kat_str_field(g, "parameterSet"), &param) &&
		                 group_iface(g, &iface);

		json_array_foreach(json_object_get(g, "tests"), ti, t)
		{
			enum hm_mldsa_prehash ph = HM_MLDSA_PH_SHA2_256;
			int expect = bool_field(t, "testPassed");
			const char *why = "malformed case";
			int ok = 0;

			if (good_group && expect >= 0 && kat_hex_field(t, "pk", &cb.a) == HM_OK &&
			    kat_hex_field(t, "signature", &cb.b) == HM_OK &&
			    load_message(t, iface, &cb.c, &cb.d, &ph)) {
				int rc = do_verify(param, iface, ph, &cb.a, &cb.c, &cb.d, &cb.b);

				ok = (rc == HM_OK) == (expect == 1);
				why = expect ? "valid signature rejected"
				             : "invalid signature accepted";
			}
			kat_record(tally, log, kat_tc_id(t), ok, why);
		}
	}
	bufs_free(&cb);
	return HM_OK;
}

/* ------------------------------------------------------------------------ */
/* ACVP sigGen: prompt + expectedResults                                     */

static const json_t *first_test(const json_t *doc)
{
	const json_t *g = json_array_get(json_object_get(doc, "testGroups"), 0);

	return json_array_get(json_object_get(g, "tests"), 0);
}

static int is_acvp_mldsa(const json_t *doc, const char *mode)
{
	return json_is_object(doc) && str_is(doc, "algorithm", "ML-DSA") &&
	       str_is(doc, "mode", mode) && json_is_array(json_object_get(doc, "testGroups"));
}

/* The expected test with this tcId, or NULL. */
static const json_t *find_expected(const json_t *expected, long long id)
{
	const json_t *g, *t;
	size_t gi, ti;

	json_array_foreach(json_object_get(expected, "testGroups"), gi, g)
	{
		json_array_foreach(json_object_get(g, "tests"), ti, t)
		{
			if (kat_tc_id(t) == id)
				return t;
		}
	}
	return NULL;
}

static int do_sign(enum hm_mldsa_param param, enum iface iface, enum hm_mldsa_prehash ph,
                   uint8_t *sig, const struct hm_buf *sk, const struct hm_buf *msg,
                   const struct hm_buf *ctx, const uint8_t *rnd)
{
	switch (iface) {
	case IFACE_PURE:
		return hm_mldsa_sign(param, sig, sk->data, sk->len, msg->data, msg->len, ctx->data,
		                     ctx->len, rnd);
	case IFACE_PREHASH:
		return hm_mldsa_sign_prehash(param, sig, sk->data, sk->len, msg->data, msg->len, ph,
		                             ctx->data, ctx->len, rnd);
	case IFACE_INTERNAL:
		return hm_mldsa_sign_internal(param, sig, sk->data, sk->len, msg->data, msg->len,
		                              rnd);
	case IFACE_MU:
		return hm_mldsa_sign_mu(param, sig, sk->data, sk->len, msg->data, rnd);
	}
	return HM_ERR_INVALID;
}

int hm_kat_mldsa_siggen_pair(const json_t *prompt, const json_t *expected,
                             struct hm_kat_tally *tally, FILE *log)
{
	uint8_t sig[HM_MLDSA_MAX_SIGNATURE_BYTES];
	const json_t *g, *t, *pt, *et;
	struct case_bufs cb;
	size_t gi, ti;

	if (!is_acvp_mldsa(prompt, "sigGen") || !is_acvp_mldsa(expected, "sigGen"))
		return HM_ERR_UNSUPPORTED;
	pt = first_test(prompt);
	et = first_test(expected);
	if (!json_object_get(pt, "sk") || !json_object_get(et, "signature"))
		return HM_ERR_UNSUPPORTED;

	bufs_init(&cb);
	json_array_foreach(json_object_get(prompt, "testGroups"), gi, g)
	{
		enum hm_mldsa_param param = HM_MLDSA_44;
		enum iface iface = IFACE_PURE;
		int det = bool_field(g, "deterministic");
		int good_group = parse_param(kat_str_field(g, "parameterSet"), &param) &&
		                 group_iface(g, &iface) && det >= 0;

		json_array_foreach(json_object_get(g, "tests"), ti, t)
		{
			enum hm_mldsa_prehash ph = HM_MLDSA_PH_SHA2_256;
			const json_t *exp = find_expected(expected, kat_tc_id(t));
			const char *why = "malformed case";
			int ok = 0;

			if (exp == NULL) {
				why = "no expected result with this tcId";
			} else if (good_group && kat_hex_field(t, "sk", &cb.a) == HM_OK &&
			           kat_hex_field(exp, "signature", &cb.b) == HM_OK &&
			           load_message(t, iface, &cb.c, &cb.d, &ph) &&
			           (det || (kat_hex_field(t, "rnd", &cb.e) == HM_OK &&
			                    cb.e.len == HM_MLDSA_RND_BYTES))) {
				int rc = do_sign(param, iface, ph, sig, &cb.a, &cb.c, &cb.d,
				                 det ? NULL : cb.e.data);

				if (rc != HM_OK)
					why = "signing failed";
				else if (cb.b.len != hm_mldsa_signature_bytes(param) ||
				         memcmp(sig, cb.b.data, cb.b.len) != 0)
					why = "signature mismatch";
				else
					ok = 1;
			}
			kat_record(tally, log, kat_tc_id(t), ok, why);
		}
	}
	bufs_free(&cb);
	return HM_OK;
}

/* ------------------------------------------------------------------------ */
/* Wycheproof                                                                */

enum wp_result { WP_VALID, WP_INVALID, WP_ACCEPTABLE, WP_UNKNOWN };

static enum wp_result wp_result(const json_t *t)
{
	const char *r = kat_str_field(t, "result");

	if (r == NULL)
		return WP_UNKNOWN;
	if (strcmp(r, "valid") == 0)
		return WP_VALID;
	if (strcmp(r, "invalid") == 0)
		return WP_INVALID;
	if (strcmp(r, "acceptable") == 0)
		return WP_ACCEPTABLE;
	return WP_UNKNOWN;
}

static int has_flag(const json_t *t, const char *flag)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(t, "flags"), i, f)
	{
		if (json_is_string(f) && strcmp(json_string_value(f), flag) == 0)
			return 1;
	}
	return 0;
}

/* Optional hex member: absent means empty. Returns 1, or 0 if present but malformed. */
static int opt_hex(const json_t *t, const char *key, struct hm_buf *out)
{
	if (json_object_get(t, key) == NULL) {
		hm_buf_truncate(out, 0);
		return 1;
	}
	return kat_hex_field(t, key, out) == HM_OK;
}

static int run_wp_verify(const json_t *doc, enum hm_mldsa_param param, struct hm_kat_tally *tally,
                         FILE *log)
{
	const json_t *g, *t;
	struct case_bufs cb;
	size_t gi, ti;

	bufs_init(&cb);
	json_array_foreach(json_object_get(doc, "testGroups"), gi, g)
	{
		int have_pk = kat_hex_field(g, "publicKey", &cb.a) == HM_OK;

		json_array_foreach(json_object_get(g, "tests"), ti, t)
		{
			enum wp_result want = wp_result(t);
			const char *why = "malformed case";
			int ok = 0;

			if (have_pk && want != WP_UNKNOWN && opt_hex(t, "msg", &cb.b) &&
			    opt_hex(t, "ctx", &cb.c) && kat_hex_field(t, "sig", &cb.d) == HM_OK) {
				int rc = hm_mldsa_verify(param, cb.a.data, cb.a.len, cb.b.data,
				                         cb.b.len, cb.c.data, cb.c.len, cb.d.data,
				                         cb.d.len);

				if (want == WP_VALID)
					ok = rc == HM_OK, why = "valid signature rejected";
				else if (want == WP_INVALID)
					ok = rc != HM_OK, why = "invalid signature accepted";
				else
					ok = 1;
			}
			kat_record(tally, log, kat_tc_id(t), ok, why);
		}
	}
	bufs_free(&cb);
	return HM_OK;
}

/*
 * Sign-from-seed (privateSeed, expected publicKey) and sign-from-key
 * (privateKey) groups. A valid case must reproduce the signature (and the
 * public key and mu where given) and verify; an invalid one must be refused.
 */
static int run_wp_sign(const json_t *doc, enum hm_mldsa_param param, int from_seed,
                       struct hm_kat_tally *tally, FILE *log)
{
	uint8_t pk[HM_MLDSA_MAX_PUBLICKEY_BYTES], sk[HM_MLDSA_MAX_SECRETKEY_BYTES];
	uint8_t sig[HM_MLDSA_MAX_SIGNATURE_BYTES];
	const json_t *g, *t;
	struct case_bufs cb;
	struct hm_buf key, expect_pk;
	size_t gi, ti;

	bufs_init(&cb);
	hm_buf_init(&key);
	hm_buf_init(&expect_pk);
	json_array_foreach(json_object_get(doc, "testGroups"), gi, g)
	{
		/* 1: key ready, 0: refused (wrong length), -1: malformed group */
		int key_state = -1, have_pk = 0;
		size_t sklen = 0;

		if (from_seed && kat_hex_field(g, "privateSeed", &key) == HM_OK) {
			key_state = key.len == HM_MLDSA_SEED_BYTES &&
			            hm_mldsa_keygen_internal(param, pk, sk, key.data) == HM_OK;
			sklen = hm_mldsa_secretkey_bytes(param);
			have_pk = kat_hex_field(g, "publicKey", &expect_pk) == HM_OK;
		} else if (!from_seed && kat_hex_field(g, "privateKey", &key) == HM_OK) {
			key_state = key.len <= sizeof(sk);
			if (key_state)
				memcpy(sk, key.data, key.len);
			sklen = key.len;
			have_pk = kat_hex_field(g, "publicKey", &expect_pk) == HM_OK;
			if (have_pk && expect_pk.len == hm_mldsa_publickey_bytes(param))
				memcpy(pk, expect_pk.data, expect_pk.len);
			else
				have_pk = 0;
		}

		json_array_foreach(json_object_get(g, "tests"), ti, t)
		{
			enum wp_result want = wp_result(t);
			int internal = has_flag(t, "Internal");
			const char *why = "malformed case";
			int ok = 0, rc = HM_ERR_INVALID;

			/* a = msg, b = ctx, c = mu, d = rnd, e = sig */
			if (key_state < 0 || want == WP_UNKNOWN || !opt_hex(t, "msg", &cb.a) ||
			    !opt_hex(t, "ctx", &cb.b) || !opt_hex(t, "mu", &cb.c) ||
			    !opt_hex(t, "rnd", &cb.d) || !opt_hex(t, "sig", &cb.e) ||
			    (cb.d.len != 0 && cb.d.len != HM_MLDSA_RND_BYTES)) {
				kat_record(tally, log, kat_tc_id(t), 0, why);
				continue;
			}
			if (key_state == 1 && internal) {
				if (cb.c.len == HM_MLDSA_MU_BYTES)
					rc = hm_mldsa_sign_mu(param, sig, sk, sklen, cb.c.data,
					                      cb.d.len ? cb.d.data : NULL);
			} else if (key_state == 1) {
				rc = hm_mldsa_sign(param, sig, sk, sklen, cb.a.data, cb.a.len,
				                   cb.b.data, cb.b.len,
				                   cb.d.len ? cb.d.data : NULL);
			}
			if (want == WP_INVALID) {
				ok = rc != HM_OK;
				why = "invalid case was not refused";
			} else if (rc != HM_OK) {
				ok = want == WP_ACCEPTABLE;
				why = "signing failed";
			} else if (from_seed && have_pk &&
			           (expect_pk.len != hm_mldsa_publickey_bytes(param) ||
			            memcmp(pk, expect_pk.data, expect_pk.len) != 0)) {
				why = "public key mismatch";
			} else if (cb.e.len != hm_mldsa_signature_bytes(param) ||
			           memcmp(sig, cb.e.data, cb.e.len) != 0) {
				ok = want == WP_ACCEPTABLE;
				why = "signature mismatch";
			} else if (have_pk && internal &&
			           hm_mldsa_verify_mu(param, pk, hm_mldsa_publickey_bytes(param),
			                              cb.c.data, sig, cb.e.len) != HM_OK) {
				why = "signature does not verify";
			} else if (have_pk && !internal &&
			           hm_mldsa_verify(param, pk, hm_mldsa_publickey_bytes(param),
			                           cb.a.data, cb.a.len, cb.b.data, cb.b.len, sig,
			                           cb.e.len) != HM_OK) {
				why = "signature does not verify";
			} else if (have_pk && !internal && cb.c.len != 0) {
				uint8_t mu[HM_MLDSA_MU_BYTES];

				ok = cb.c.len == sizeof(mu) &&
				     hm_mldsa_mu(param, mu, pk, hm_mldsa_publickey_bytes(param),
				                 cb.a.data, cb.a.len, cb.b.data,
				                 cb.b.len) == HM_OK &&
				     memcmp(mu, cb.c.data, sizeof(mu)) == 0;
				why = "mu mismatch";
			} else {
				ok = 1;
			}
			kat_record(tally, log, kat_tc_id(t), ok, why);
		}
	}
	hm_wipe(sk, sizeof(sk));
	hm_buf_free(&key);
	hm_buf_free(&expect_pk);
	bufs_free(&cb);
	return HM_OK;
}

static int wycheproof_param(const json_t *doc, enum hm_mldsa_param *param)
{
	return parse_param(kat_str_field(doc, "algorithm"), param);
}

int hm_kat_mldsa_json(const json_t *doc, struct hm_kat_tally *tally, FILE *log)
{
	enum hm_mldsa_param param = HM_MLDSA_44;
	const char *schema;

	if (!json_is_object(doc))
		return HM_ERR_UNSUPPORTED;
	if (is_acvp_mldsa(doc, "keyGen"))
		return run_acvp_keygen(doc, tally, log);
	if (is_acvp_mldsa(doc, "sigVer"))
		return run_acvp_sigver(doc, tally, log);
	if (is_acvp_mldsa(doc, "sigGen")) {
		const json_t *t = first_test(doc);

		/* A self-contained sigGen file (inputs and outputs together) pairs with itself. */
		if (json_object_get(t, "sk") && json_object_get(t, "signature"))
			return hm_kat_mldsa_siggen_pair(doc, doc, tally, log);
		return HM_ERR_UNSUPPORTED;
	}
	schema = kat_str_field(doc, "schema");
	if (schema == NULL || !wycheproof_param(doc, &param))
		return HM_ERR_UNSUPPORTED;
	if (strcmp(schema, "mldsa_verify_schema.json") == 0)
		return run_wp_verify(doc, param, tally, log);
	if (strcmp(schema, "mldsa_sign_seed_schema.json") == 0)
		return run_wp_sign(doc, param, 1, tally, log);
	if (strcmp(schema, "mldsa_sign_noseed_schema.json") == 0)
		return run_wp_sign(doc, param, 0, tally, log);
	return HM_ERR_UNSUPPORTED;
}

/* ------------------------------------------------------------------------ */
/* Built-in known answers                                                    */

/*
 * Per parameter set: xi from the first case of the ACVP keyGen file, with
 * SHA3-256 of its official pk and sk; and SHA3-256 of the deterministic
 * signature of BUILTIN_MSG under BUILTIN_CTX, cross-checked by verifying it
 * with an independent implementation (OpenSSL 4.0 through python-cryptography).
 */
struct builtin_case {
	enum hm_mldsa_param param;
	uint8_t xi[HM_MLDSA_SEED_BYTES];
	uint8_t pk_sha3[32], sk_sha3[32], sig_sha3[32];
};

#define BUILTIN_MSG "HyperMesh ML-DSA power-on self test"
#define BUILTIN_CTX "hypermesh"

static const struct builtin_case builtin_cases[] = {
	{
	        HM_MLDSA_44,
	        { 0x71, 0x94, 0xb1, 0x3c, 0x95, 0x23, 0x10, 0x10, 0xaf, 0xd2, 0xc9,
	          0x09, 0x99, 0x2b, 0xd2, 0x00, 0x3b, 0xa6, 0xf4, 0x37, 0xc3, 0x88,
	          0x6b, 0xdb, 0xe3, 0xf6, 0xb8, 0x67, 0xa1, 0x4b, 0xa1, 0x61 },
	        { 0xd8, 0xd9, 0xaa, 0x04, 0x03, 0xdd, 0xc9, 0x1a, 0x7f, 0x2a, 0xb6,
	          0x68, 0xfe, 0xa9, 0xe8, 0x5f, 0x59, 0xa6, 0xf5, 0x19, 0xbe, 0xb9,
	          0x49, 0x9f, 0xfc, 0x93, 0x7d, 0x6e, 0xd7, 0x64, 0x42, 0xe3 },
	        { 0x07, 0x72, 0xf7, 0xcc, 0xc3, 0x67, 0x4b, 0x85, 0x9c, 0x9e, 0xd7,
	          0x0d, 0xa4, 0x4b, 0x35, 0x59, 0xce, 0xc4, 0x4b, 0xbd, 0xf7, 0x5b,
	          0x8e, 0xa3, 0x1e, 0x04, 0xa2, 0x3f, 0xa6, 0x87, 0x1b, 0x24 },
	        { 0x94, 0x41, 0xf1, 0x9e, 0x5b, 0x55, 0x1e, 0x77, 0xb8, 0xea, 0x0f,
	          0x15, 0xf8, 0x17, 0x5f, 0xb8, 0x6f, 0x21, 0xd3, 0xf2, 0x55, 0x50,
	          0x01, 0x68, 0x3a, 0xc2, 0x8a, 0x82, 0x88, 0xec, 0x7a, 0x86 },
	},
	{
	        HM_MLDSA_65,
	        { 0xa9, 0x91, 0xfd, 0x42, 0xb0, 0x71, 0xd4, 0x9c, 0x48, 0xae, 0x3e,
	          0x75, 0xc6, 0x47, 0x45, 0x9e, 0x0d, 0xaa, 0xd1, 0xe1, 0xba, 0x35,
	          0x6a, 0x04, 0x80, 0x19, 0x12, 0xd3, 0x29, 0x4b, 0xcf, 0xf8 },
	        { 0x00, 0x83, 0xe4, 0xd4, 0xf5, 0x62, 0x78, 0x0d, 0xd5, 0xef, 0x68,
	          0x5c, 0x88, 0xdb, 0x5a, 0xfc, 0xda, 0xc4, 0x4d, 0x1b, 0x4b, 0xe5,
	          0xe4, 0x25, 0x3d, 0x0d, 0xe7, 0x71, 0x10, 0x03, 0x16, 0xf3 },
	        { 0x9a, 0x6f, 0xe5, 0x79, 0x6b, 0xc8, 0xb6, 0x1c, 0x6e, 0xb2, 0x74,
	          0xcc, 0x59, 0x05, 0xb3, 0xd3, 0xce, 0x21, 0x69, 0x3c, 0x9e, 0x7f,
	          0xd3, 0x2d, 0xb7, 0x9b, 0x1c, 0xff, 0x49, 0xe9, 0x37, 0x17 },
	        { 0xc3, 0xdf, 0xe6, 0xb2, 0xef, 0x75, 0x5e, 0x94, 0xc6, 0xef, 0x89,
	          0x4b, 0x64, 0xf5, 0x1b, 0xdb, 0xc1, 0x41, 0xde, 0x00, 0x26, 0x3a,
	          0x4a, 0xf2, 0x69, 0xcf, 0xfd, 0xea, 0xbf, 0xbc, 0x6d, 0x94 },
	},
	{
	        HM_MLDSA_87,
	        { 0xa1, 0x6f, 0x5b, 0x07, 0x96, 0x70, 0x3e, 0x2d, 0x1a, 0x01, 0x40,
	          0xa3, 0x5c, 0xbf, 0x36, 0xef, 0xab, 0xe7, 0x0e, 0x75, 0x2b, 0xa5,
	          0x9b, 0x6a, 0x9a, 0x0e, 0x9c, 0x4b, 0x05, 0x30, 0x2f, 0x73 },
	        { 0x9d, 0xf3, 0x92, 0x32, 0x07, 0x7a, 0x88, 0xb3, 0xb3, 0x6c, 0x0d,
	          0x4b, 0x37, 0xd2, 0xd3, 0x69, 0xf9, 0x42, 0xba, 0xaa, 0xa4, 0x36,
	          0xcf, 0x54, 0x86, 0xa1, 0xf0, 0x9d, 0x45, 0xd7, 0xce, 0x0b },
	        { 0xc4, 0x13, 0x88, 0xf2, 0x2c, 0xf3, 0xbc, 0x0c, 0xe7, 0x9e, 0xb5,
	          0xfc, 0xcf, 0xaf, 0xee, 0xe5, 0xec, 0x31, 0xe3, 0xd4, 0x32, 0x1a,
	          0x8b, 0xef, 0xe7, 0xf2, 0x30, 0xd6, 0xc4, 0x84, 0x1c, 0xf0 },
	        { 0x41, 0x2d, 0xf0, 0x52, 0x69, 0xf7, 0xc3, 0x9c, 0xfc, 0x4b, 0x25,
	          0x33, 0xb3, 0x7e, 0x2b, 0xc1, 0x49, 0x98, 0xad, 0xce, 0x6d, 0x11,
	          0x2f, 0xfa, 0x72, 0x68, 0x00, 0x7d, 0xc3, 0x9e, 0x0c, 0xf2 },
	},
};

/* Key generation, deterministic signing and verification (accepting, then rejecting). */
static int builtin_one(const struct builtin_case *bc, const char **why)
{
	uint8_t pk[HM_MLDSA_MAX_PUBLICKEY_BYTES], sk[HM_MLDSA_MAX_SECRETKEY_BYTES];
	uint8_t sig[HM_MLDSA_MAX_SIGNATURE_BYTES], digest[32];
	size_t pklen = hm_mldsa_publickey_bytes(bc->param);
	size_t sklen = hm_mldsa_secretkey_bytes(bc->param);
	size_t siglen = hm_mldsa_signature_bytes(bc->param);
	int ok = 0;

	if (hm_mldsa_keygen_internal(bc->param, pk, sk, bc->xi) != HM_OK) {
		*why = "keygen failed";
		goto out;
	}
	hm_sha3_256(digest, pk, pklen);
	if (memcmp(digest, bc->pk_sha3, 32) != 0) {
		*why = "public key mismatch";
		goto out;
	}
	hm_sha3_256(digest, sk, sklen);
	if (memcmp(digest, bc->sk_sha3, 32) != 0) {
		*why = "secret key mismatch";
		goto out;
	}
	if (hm_mldsa_sign(bc->param, sig, sk, sklen, BUILTIN_MSG, sizeof(BUILTIN_MSG) - 1,
	                  BUILTIN_CTX, sizeof(BUILTIN_CTX) - 1, NULL) != HM_OK) {
		*why = "signing failed";
		goto out;
	}
	hm_sha3_256(digest, sig, siglen);
	if (memcmp(digest, bc->sig_sha3, 32) != 0) {
		*why = "signature mismatch";
		goto out;
	}
	if (hm_mldsa_verify(bc->param, pk, pklen, BUILTIN_MSG, sizeof(BUILTIN_MSG) - 1, BUILTIN_CTX,
	                    sizeof(BUILTIN_CTX) - 1, sig, siglen) != HM_OK) {
		*why = "signature does not verify";
		goto out;
	}
	sig[siglen / 2] ^= 1;
	if (hm_mldsa_verify(bc->param, pk, pklen, BUILTIN_MSG, sizeof(BUILTIN_MSG) - 1, BUILTIN_CTX,
	                    sizeof(BUILTIN_CTX) - 1, sig, siglen) != HM_ERR_VERIFY) {
		*why = "corrupted signature accepted";
		goto out;
	}
	ok = 1;
out:
	hm_wipe(sk, sizeof(sk));
	return ok;
}

int hm_kat_builtin_mldsa(struct hm_kat_tally *tally, FILE *log)
{
	for (size_t i = 0; i < sizeof(builtin_cases) / sizeof(builtin_cases[0]); i++) {
		const char *why = "";
		int ok = builtin_one(&builtin_cases[i], &why);

		kat_record(tally, log, (long long)builtin_cases[i].param, ok, why);
	}
	return HM_OK;
}
