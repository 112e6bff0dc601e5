/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ed25519 through libsodium against Nettle, the implementation it replaced:
 * every vector file in argv runs through hm_kat (signatures byte for byte,
 * verdicts as the files expect), and every verification case of every file
 * runs through both libraries. The two may differ only where our documented
 * rule (docs/CRYPTO.md, "Which signatures verify") is stricter than Nettle's;
 * each such case is printed with its reason.
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>
#include <nettle/eddsa.h>
#include <sodium.h>

#include "hypermesh/buf.h"
#include "hypermesh/ed25519.h"
#include "hypermesh/encoding.h"
#include "hypermesh/kat.h"
#include "test.h"
#include "vectors.h"

/* The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
static const uint8_t order_l[32] = { 0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,       0xd6,
	                             0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, [31] = 0x10 };

/* a >= b for 32-byte little-endian numbers. */
static int le_geq(const uint8_t a[32], const uint8_t b[32])
{
	for (int i = 31; i >= 0; i--)
		if (a[i] != b[i])
			return a[i] > b[i];
	return 1;
}

/* y (the low 255 bits) >= p = 2^255 - 19: not the canonical spelling. */
static int point_is_noncanonical(const uint8_t enc[32])
{
	static const uint8_t p[32] = { 0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		                       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		                       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		                       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f };
	uint8_t y[32];

	memcpy(y, enc, 32);
	y[31] &= 0x7f;
	return le_geq(y, p);
}

/*
 * Why our rule refuses a case outright, before any curve arithmetic, or NULL.
 * The order matters only for the message.
 */
static const char *strict_reason(const uint8_t sig[64], const uint8_t pk[32])
{
	if (le_geq(sig + 32, order_l))
		return "S >= L";
	if (point_is_noncanonical(pk))
		return "non-canonical A";
	if (hm_ed25519_public_key_is_small_order(pk))
		return "small-order A";
	if (point_is_noncanonical(sig))
		return "non-canonical R";
	if (hm_ed25519_public_key_is_small_order(sig))
		return "small-order R";
	return NULL;
}

struct tally {
	unsigned cases, accepted, disagree;
};

/*
 * One verification case through both libraries. Our rule: Nettle's verdict,
 * plus a refusal of every case strict_reason names. want is the file's
 * expected verdict (-1: the file does not say).
 */
static void compare(const char *file, long long id, const uint8_t *sig, size_t sig_len,
                    const uint8_t *pk, size_t pk_len, const uint8_t *msg, size_t msg_len, int want,
                    struct tally *t)
{
	const char *why;
	int nettle, ours;

	t->cases++;
	if (sig_len != HM_ED25519_SIG_LEN || pk_len != HM_ED25519_PK_LEN)
		return; /* not a signature or key at all: never reaches either library */
	why = strict_reason(sig, pk);
	nettle = ed25519_sha512_verify(pk, msg_len, msg, sig) == 1;
	ours = hm_ed25519_verify(sig, pk, msg, msg_len) == HM_OK;
	t->accepted += (unsigned)ours;
	if (nettle != ours) {
		t->disagree++;
		printf("%s case %lld: Nettle %s, ours %s (%s)\n", file, id,
		       nettle ? "accepts" : "rejects", ours ? "accepts" : "rejects",
		       why ? why : "no reason known");
	}
	CHECK_EQ(ours, nettle && why == NULL);
	if (want >= 0 && ours != want)
		printf("%s case %lld: file expects %s, ours %s\n", file, id,
		       want ? "valid" : "invalid", ours ? "accepts" : "rejects");
}

static int hex_field(const json_t *obj, const char *name, struct hm_buf *out)
{
	const char *s = json_string_value(json_object_get(obj, name));
	size_t n;

	if (s == NULL)
		return 0;
	n = strlen(s);
	out->len = 0;
	if (hm_buf_reserve(out, n / 2 + 1) != HM_OK)
		return 0;
	return hm_hex_decode(out->data, out->cap, &out->len, s, n) == HM_OK;
}

/* Walks every verification case a file holds, whatever its format. */
static void compare_file(const char *path, const json_t *doc, struct tally *t)
{
	struct hm_buf pk, msg, sig, ctx;
	const json_t *g, *c;
	size_t gi, ci;
	const char *mode = json_string_value(json_object_get(doc, "mode"));

	hm_buf_init(&pk);
	hm_buf_init(&msg);
	hm_buf_init(&sig);
	hm_buf_init(&ctx);
	if (json_is_array(doc)) { /* RFC 8032 section 7.1: all valid */
		json_array_foreach(doc, ci, c)
		{
			CHECK(hex_field(c, "publicKey", &pk) && hex_field(c, "message", &msg) &&
			      hex_field(c, "signature", &sig));
			compare(path, (long long)ci + 1, sig.data, sig.len, pk.data, pk.len,
			        msg.data, msg.len, 1, t);
		}
	}
	json_array_foreach(json_object_get(doc, "testGroups"), gi, g)
	{
		const json_t *key = json_object_get(g, "publicKey");
		int group_pk = key != NULL ? hex_field(key, "pk", &pk) : hex_field(g, "q", &pk);

		if (json_is_true(json_object_get(g, "preHash")))
			continue; /* Ed25519ph: not what hm_ed25519 implements */
		json_array_foreach(json_object_get(g, "tests"), ci, c)
		{
			long long id = json_integer_value(json_object_get(c, "tcId"));
			const json_t *passed = json_object_get(c, "testPassed");
			const char *result = json_string_value(json_object_get(c, "result"));
			int want = -1;

			if (mode != NULL && strcmp(mode, "keyGen") == 0)
				break; /* no signatures */
			if (hex_field(c, "context", &ctx) && ctx.len > 0)
				continue; /* Ed25519ctx */
			if (hex_field(c, "q", &pk))
				group_pk = 1;
			if (!group_pk ||
			    !(hex_field(c, "msg", &msg) || hex_field(c, "message", &msg)) ||
			    !(hex_field(c, "sig", &sig) || hex_field(c, "signature", &sig))) {
				fprintf(stderr, "%s case %lld: malformed\n", path, id);
				CHECK(0);
				continue;
			}
			if (json_is_boolean(passed))
				want = json_is_true(passed);
			else if (result != NULL)
				want = strcmp(result, "valid") == 0;
			else if (mode != NULL && strcmp(mode, "sigGen") == 0)
				want = 1;
			compare(path, id, sig.data, sig.len, pk.data, pk.len, msg.data, msg.len,
			        want, t);
		}
	}
	hm_buf_free(&pk);
	hm_buf_free(&msg);
	hm_buf_free(&sig);
	hm_buf_free(&ctx);
}

/* Every file through hm_kat: the verdicts and signatures the files expect. */
static void test_vector_files(void)
{
	test_run_vector_files(hm_kat_ed25519_json, 1);
}

static void test_nettle_differential(void)
{
	CHECK(test_argc > 1);
	for (int i = 1; i < test_argc; i++) {
		struct tally t = { 0, 0, 0 };
		json_t *doc = test_load_json(test_argv[i]);

		CHECK(doc != NULL);
		if (doc == NULL)
			continue;
		compare_file(test_argv[i], doc, &t);
		printf("%s: %u verification cases, %u accepted, %u where Nettle differs\n",
		       test_argv[i], t.cases, t.accepted, t.disagree);
		json_decref(doc);
	}
}

/* A deterministic, non-repeating byte stream. */
static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 16);
	}
}

/* Keys and signatures byte-identical to Nettle's, over many keys and lengths. */
static void test_same_outputs_as_nettle(void)
{
	static uint8_t msg[1200];

	for (uint32_t i = 0; i < 200; i++) {
		uint8_t sk[32], pk[32], pk_n[32], sig[64], sig_n[64];
		size_t len = (i * 37) % sizeof(msg);

		fill(sk, sizeof(sk), i);
		fill(msg, len, i + 1000);
		hm_ed25519_public_key(pk, sk);
		ed25519_sha512_public_key(pk_n, sk);
		CHECK_MEM(pk, pk_n, 32);
		hm_ed25519_sign(sig, sk, pk, msg, len);
		ed25519_sha512_sign(pk_n, sk, len, msg, sig_n);
		CHECK_MEM(sig, sig_n, 64);
		CHECK_ERR(hm_ed25519_verify(sig, pk, msg, len), HM_OK);
	}
}

/* Bent signatures: both libraries refuse, or only ours for a stated reason. */
static void test_bent_signatures(void)
{
	uint8_t sk[32], pk[32], sig[64], bad[64], msg[100];
	unsigned carry = 0;

	fill(sk, sizeof(sk), 7);
	fill(msg, sizeof(msg), 8);
	hm_ed25519_public_key(pk, sk);
	hm_ed25519_sign(sig, sk, pk, msg, sizeof(msg));
	CHECK_ERR(hm_ed25519_verify(sig, pk, msg, sizeof(msg)), HM_OK);

	/* Every single-bit flip of the signature, the key and the message fails. */
	for (size_t bit = 0; bit < 64 * 8; bit++) {
		memcpy(bad, sig, 64);
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CHECK_ERR(hm_ed25519_verify(bad, pk, msg, sizeof(msg)), HM_ERR_VERIFY);
	}
	for (size_t bit = 0; bit < 32 * 8; bit++) {
		uint8_t pk2[32];

		memcpy(pk2, pk, 32);
		pk2[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CHECK_ERR(hm_ed25519_verify(sig, pk2, msg, sizeof(msg)), HM_ERR_VERIFY);
	}
	msg[50] ^= 1;
	CHECK_ERR(hm_ed25519_verify(sig, pk, msg, sizeof(msg)), HM_ERR_VERIFY);
	msg[50] ^= 1;

	/* S + L: the same point equation, a second spelling. Refused (malleability). */
	memcpy(bad, sig, 64);
	for (int i = 0; i < 32; i++) {
		unsigned v = bad[32 + i] + order_l[i] + carry;

		bad[32 + i] = (uint8_t)v;
		carry = v >> 8;
	}
	CHECK_EQ(carry, 0);
	CHECK_ERR(hm_ed25519_verify(bad, pk, msg, sizeof(msg)), HM_ERR_VERIFY);
	CHECK_EQ(ed25519_sha512_verify(pk, sizeof(msg), msg, bad), 0);

	/* Every small-order key is refused, even with an all-zero signature. */
	memset(bad, 0, sizeof(bad));
	CHECK_ERR(hm_ed25519_verify(bad, (const uint8_t[32]){ 1 }, msg, sizeof(msg)),
	          HM_ERR_VERIFY);
}

/*
 * Signatures no honest signer makes, forged with the secret key so that the
 * curve equation holds: what Nettle and our rule say about each is printed
 * and checked. a is the secret scalar (reduced), k = H(R || A || M) mod L.
 */
struct forger {
	uint8_t a[32], pk[32];
};

static void forger_init(struct forger *f, uint32_t seed)
{
	uint8_t sk[32], h[64], wide[64] = { 0 };

	fill(sk, sizeof(sk), seed);
	hm_ed25519_public_key(f->pk, sk);
	crypto_hash_sha512(h, sk, sizeof(sk));
	h[0] &= 248;
	h[31] &= 127;
	h[31] |= 64;
	memcpy(wide, h, 32);
	crypto_core_ed25519_scalar_reduce(f->a, wide);
}

static void challenge(uint8_t k[32], const uint8_t r[32], const uint8_t pk[32], const uint8_t *msg,
                      size_t len)
{
	crypto_hash_sha512_state st;
	uint8_t h[64];

	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, r, 32);
	crypto_hash_sha512_update(&st, pk, 32);
	crypto_hash_sha512_update(&st, msg, len);
	crypto_hash_sha512_final(&st, h);
	crypto_core_ed25519_scalar_reduce(k, h);
}

static int verdicts(const char *what, const uint8_t sig[64], const uint8_t pk[32],
                    const uint8_t *msg, size_t len, int *nettle)
{
	int ours = hm_ed25519_verify(sig, pk, msg, len) == HM_OK;

	*nettle = ed25519_sha512_verify(pk, len, msg, sig) == 1;
	printf("%-44s Nettle %s, ours %s\n", what, *nettle ? "accepts" : "rejects",
	       ours ? "accepts" : "rejects");
	return ours;
}

/* The identity (0, 1): canonical, and spelled with y = p + 1. */
static const uint8_t identity[32] = { 1 };
static const uint8_t identity_noncanonical[32] = { 0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	                                           0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	                                           0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	                                           0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f };
/* A point of order 8. */
static const uint8_t torsion8[32] = { 0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0,
	                              0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
	                              0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39,
	                              0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05 };

/* R of small order: R = identity and S = k a satisfies [S]B = R + [k]A. */
static void test_small_order_r(void)
{
	const uint8_t *rs[] = { identity, identity_noncanonical };
	const char *names[] = { "R = identity (canonical)", "R = identity (y = p + 1)" };
	struct forger f;
	uint8_t sig[64], msg[40];
	int nettle;

	forger_init(&f, 11);
	fill(msg, sizeof(msg), 12);
	for (int i = 0; i < 2; i++) {
		memcpy(sig, rs[i], 32);
		challenge(sig + 32, rs[i], f.pk, msg, sizeof(msg));
		crypto_core_ed25519_scalar_mul(sig + 32, sig + 32, f.a);
		/* Our rule refuses both whatever Nettle says. */
		CHECK_EQ(verdicts(names[i], sig, f.pk, msg, sizeof(msg), &nettle), 0);
		CHECK(strict_reason(sig, f.pk) != NULL);
	}

	/*
	 * R = T8 under the mixed-order key A + T8: [S]B = T8 + [k](A + T8) holds
	 * with S = k a when k = 7 mod 8. Find such a message.
	 */
	uint8_t mixed_pk[32], k[32];
	int found = 0;

	CHECK_EQ(crypto_core_ed25519_add(mixed_pk, f.pk, torsion8), 0);
	for (uint32_t m = 0; m < 256 && !found; m++) {
		fill(msg, sizeof(msg), 500 + m);
		challenge(k, torsion8, mixed_pk, msg, sizeof(msg));
		if ((k[0] & 7) != 7)
			continue;
		found = 1;
		memcpy(sig, torsion8, 32);
		crypto_core_ed25519_scalar_mul(sig + 32, k, f.a);
		CHECK_EQ(verdicts("R = T8 (order 8), A = A + T8", sig, mixed_pk, msg, sizeof(msg),
		                  &nettle),
		         0);
	}
	CHECK(found);
}

/*
 * Mixed-order points: A' = A + T8 with k = 0 mod 8 satisfies the cofactorless
 * equation; R' = R + T8 satisfies only the cofactored one. Both libraries
 * check cofactorless, so they must agree on every case.
 */
static void test_mixed_order(void)
{
	struct forger f;
	uint8_t mixed_pk[32], r[32], rp[32], k[32], sig[64], msg[40];
	unsigned accepted = 0, tried = 0;
	int nettle, ours;

	forger_init(&f, 21);
	CHECK_EQ(crypto_core_ed25519_add(mixed_pk, f.pk, torsion8), 0);
	CHECK(!hm_ed25519_public_key_is_small_order(mixed_pk));
	for (uint32_t m = 0; m < 64; m++) {
		fill(msg, sizeof(msg), 100 + m);
		fill(r, sizeof(r), 200 + m);
		r[31] &= 0x0f; /* below L */
		CHECK_EQ(crypto_scalarmult_ed25519_base_noclamp(sig, r), 0);
		challenge(k, sig, mixed_pk, msg, sizeof(msg));
		crypto_core_ed25519_scalar_mul(sig + 32, k, f.a);
		crypto_core_ed25519_scalar_add(sig + 32, sig + 32, r);
		ours = hm_ed25519_verify(sig, mixed_pk, msg, sizeof(msg)) == HM_OK;
		nettle = ed25519_sha512_verify(mixed_pk, sizeof(msg), msg, sig) == 1;
		CHECK_EQ(ours, nettle);
		/* Cofactorless: valid exactly when [k]T8 is the identity. */
		CHECK_EQ(ours, (k[0] & 7) == 0);
		accepted += (unsigned)ours;
		tried++;
	}
	printf("A = A + T8 (mixed order): %u of %u forged signatures accepted by both "
	       "(those with k = 0 mod 8)\n",
	       accepted, tried);
	CHECK(accepted > 0 && accepted < tried);

	/* R + T8 with an honest S: only a cofactored check would accept. */
	fill(msg, sizeof(msg), 300);
	fill(r, sizeof(r), 301);
	r[31] &= 0x0f;
	CHECK_EQ(crypto_scalarmult_ed25519_base_noclamp(rp, r), 0);
	CHECK_EQ(crypto_core_ed25519_add(sig, rp, torsion8), 0);
	challenge(k, sig, f.pk, msg, sizeof(msg));
	crypto_core_ed25519_scalar_mul(sig + 32, k, f.a);
	crypto_core_ed25519_scalar_add(sig + 32, sig + 32, r);
	CHECK_EQ(verdicts("R = R + T8 (mixed order)", sig, f.pk, msg, sizeof(msg), &nettle), 0);
	CHECK_EQ(nettle, 0);
}

static void test_init_idempotent(void)
{
	CHECK_ERR(hm_ed25519_init(), HM_OK);
	CHECK_ERR(hm_ed25519_init(), HM_OK);
}

TEST_MAIN(test_init_idempotent, test_vector_files, test_nettle_differential,
          test_same_outputs_as_nettle, test_bent_signatures, test_small_order_r, test_mixed_order)
