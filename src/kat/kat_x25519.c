/* SPDX-License-Identifier: Apache-2.0 */
/*
 * X25519 known answers: the RFC 7748 JSON (single vectors, the iterated test,
 * the Diffie-Hellman example), Wycheproof XdhComp and ACVP XECDH (SSC and
 * keyGen). Every case computes with hm_x25519 and compares bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/x25519.h"
#include "kat_internal.h"

/* Decodes a 32-byte hex member; 0 if missing or the wrong size. */
static int field32(const json_t *obj, const char *key, uint8_t out[32], struct hm_buf *tmp)
{
	if (kat_hex_field(obj, key, tmp) != HM_OK || tmp->len != 32)
		return 0;
	memcpy(out, tmp->data, 32);
	return 1;
}

/* X25519(scalar, u) == want. The low-order (all-zero) code is not a failure here. */
static int dh_matches(const uint8_t scalar[32], const uint8_t u[32], const uint8_t want[32])
{
	uint8_t out[32];

	(void)hm_x25519(out, scalar, u);
	return memcmp(out, want, 32) == 0;
}

static int run_rfc7748(const json_t *doc, struct hm_kat_tally *tally, FILE *log)
{
	static const uint8_t base[32] = { 9 };
	static const struct {
		const char *key;
		unsigned long iterations;
	} iterated[] = { { "after_1", 1 }, { "after_1000", 1000 }, { "after_1000000", 1000000 } };
	const json_t *t, *it = json_object_get(doc, "iterated"), *dh;
	uint8_t k[32], u[32], want[32], a_sk[32], a_pk[32], b_sk[32], b_pk[32], tmp[32];
	struct hm_buf b;
	long long id = 0;
	size_t i;

	hm_buf_init(&b);
	json_array_foreach(json_object_get(doc, "x25519"), i, t)
	{
		int ok = field32(t, "scalar", k, &b) && field32(t, "u", u, &b) &&
		         field32(t, "output", want, &b) && dh_matches(k, u, want);
		kat_record(tally, log, ++id, ok, "X25519 output mismatch");
	}

	/* k = u = 9; repeat (k, u) = (X25519(k, u), k); checkpoints along the way. */
	if (json_is_object(it)) {
		int large = getenv("HM_KAT_LARGE") != NULL;
		unsigned long done = 0;

		memcpy(k, base, 32);
		memcpy(u, base, 32);
		for (size_t c = 0; c < sizeof(iterated) / sizeof(iterated[0]); c++) {
			if (!json_object_get(it, iterated[c].key))
				continue;
			if (iterated[c].iterations > 1000 && !large) {
				tally->skipped++; /* minutes of work: only with HM_KAT_LARGE=1 */
				continue;
			}
			for (; done < iterated[c].iterations; done++) {
				(void)hm_x25519(tmp, k, u);
				memcpy(u, k, 32);
				memcpy(k, tmp, 32);
			}
			kat_record(tally, log, ++id,
			           field32(it, iterated[c].key, want, &b) &&
			                   memcmp(k, want, 32) == 0,
			           "iterated X25519 mismatch");
		}
	}

	dh = json_object_get(doc, "diffie_hellman");
	if (json_is_object(dh)) {
		int ok = field32(dh, "alice_private", a_sk, &b) &&
		         field32(dh, "alice_public", a_pk, &b) &&
		         field32(dh, "bob_private", b_sk, &b) &&
		         field32(dh, "bob_public", b_pk, &b) && field32(dh, "shared", want, &b);
		if (ok) {
			hm_x25519_public_key(tmp, a_sk);
			ok = memcmp(tmp, a_pk, 32) == 0;
			hm_x25519_public_key(tmp, b_sk);
			ok = ok && memcmp(tmp, b_pk, 32) == 0;
			ok = ok && dh_matches(a_sk, b_pk, want) && dh_matches(b_sk, a_pk, want);
		}
		kat_record(tally, log, ++id, ok, "Diffie-Hellman example mismatch");
	}
	hm_buf_free(&b);
	return HM_OK;
}

/* Wycheproof XdhComp: valid and acceptable cases both have a defined output. */
static int run_wycheproof(const json_t *doc, struct hm_kat_tally *tally, FILE *log)
{
	const json_t *g, *t;
	uint8_t sk[32], pk[32], want[32];
	struct hm_buf b;
	size_t gi, ti;

	hm_buf_init(&b);
	json_array_foreach(json_object_get(doc, "testGroups"), gi, g)
	{
		json_array_foreach(json_object_get(g, "tests"), ti, t)
		{
			const char *result = kat_str_field(t, "result");
			long long id = kat_tc_id(t);
			int have = field32(t, "private", sk, &b) && field32(t, "shared", want, &b);
			int pk_ok = field32(t, "public", pk, &b);

			if (!have || result == NULL) {
				kat_record(tally, log, id, 0, "malformed case");
			} else if (strcmp(result, "invalid") == 0) {
				/* Only malformed (wrong-length) public keys are invalid for X25519.
				 */
				kat_record(tally, log, id, !pk_ok, "invalid public key accepted");
			} else {
				kat_record(tally, log, id, pk_ok && dh_matches(sk, pk, want),
				           "shared secret mismatch");
			}
		}
	}
	hm_buf_free(&b);
	return HM_OK;
}

/* ACVP XECDH: SSC (shared secret) and keyGen (public from private). */
static int run_acvp(const json_t *doc, const char *mode, struct hm_kat_tally *tally, FILE *log)
{
	static const uint8_t base[32] = { 9 };
	int ssc = strcmp(mode, "SSC") == 0;
	const json_t *g, *t;
	uint8_t sk[32], pk[32], want[32], derived[32];
	struct hm_buf b;
	size_t gi, ti;

	hm_buf_init(&b);
	json_array_foreach(json_object_get(doc, "testGroups"), gi, g)
	{
		const char *curve = kat_str_field(g, "curve");
		json_array_foreach(json_object_get(g, "tests"), ti, t)
		{
			long long id = kat_tc_id(t);
			int ok;

			if (curve == NULL || strcmp(curve, "Curve25519") != 0) {
				tally->skipped++;
				continue;
			}
			if (ssc) {
				const json_t *passed = json_object_get(t, "testPassed");
				int want_pass = !json_is_boolean(passed) || json_is_true(passed);
				int match = field32(t, "privateIut", sk, &b) &&
				            field32(t, "publicServer", pk, &b) &&
				            field32(t, "z", want, &b) && dh_matches(sk, pk, want);
				/* The IUT's public key, when given, must be its private key's. */
				if (match && field32(t, "publicIut", pk, &b)) {
					hm_x25519_public_key(derived, sk);
					match = memcmp(derived, pk, 32) == 0;
				}
				ok = match == want_pass;
			} else {
				ok = field32(t, "privateKey", sk, &b) &&
				     field32(t, "publicKey", want, &b) &&
				     dh_matches(sk, base, want);
			}
			kat_record(tally, log, id, ok,
			           ssc ? "shared secret mismatch" : "public key mismatch");
		}
	}
	hm_buf_free(&b);
	return HM_OK;
}

int hm_kat_x25519_json(const json_t *doc, struct hm_kat_tally *tally, FILE *log)
{
	const char *alg = kat_str_field(doc, "algorithm");
	const char *mode = kat_str_field(doc, "mode");
	const char *schema = kat_str_field(doc, "schema");

	if (json_is_array(json_object_get(doc, "x25519")) ||
	    json_is_object(json_object_get(doc, "diffie_hellman")))
		return run_rfc7748(doc, tally, log);
	if (alg && schema && strcmp(alg, "XDH") == 0 &&
	    strcmp(schema, "xdh_comp_schema_v1.json") == 0)
		return run_wycheproof(doc, tally, log);
	if (alg && mode && strcmp(alg, "XECDH") == 0 &&
	    (strcmp(mode, "SSC") == 0 || strcmp(mode, "keyGen") == 0))
		return run_acvp(doc, mode, tally, log);
	return HM_ERR_UNSUPPORTED;
}
