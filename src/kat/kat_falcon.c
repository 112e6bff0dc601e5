/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Falcon known answers: the NIST PQC round-3 .rsp files (PQCgenKAT_sign
 * format) and the built-in self test.
 *
 * Per entry, two checks:
 *  (a) sm verifies under pk: sm = len(esig) (2 bytes, big-endian) || nonce
 *      (40) || msg || esig, esig = (0x20 + logn) || compressed s2; the
 *      signature handed to hm_falcon_verify is (0x30 + logn) || nonce || s2;
 *  (b) reproduction: the NIST DRBG seeded with `seed`, key generation then
 *      signing msg must give pk, sk and sm byte for byte.
 * The built-in self test runs the same flow on count 0 of each set, with
 * pk/sk/sm compared through SHA3-256 digests.
 * The parameter set comes from the public key's header and length only.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/falcon.h"
#include "hypermesh/kat.h"
#include "hypermesh/nist_drbg.h"
#include "hypermesh/secure.h"
#include "hypermesh/sha3.h"

/* One .rsp entry; byte fields are heap buffers owned by the entry. */
struct rsp_entry {
	long count;
	int have_count;
	uint8_t *seed, *msg, *pk, *sk, *sm;
	size_t seed_len, msg_len, pk_len, sk_len, sm_len;
	long mlen, smlen;
	int malformed;
};

static void entry_free(struct rsp_entry *e)
{
	free(e->seed);
	free(e->msg);
	free(e->pk);
	free(e->sk);
	free(e->sm);
	memset(e, 0, sizeof(*e));
}

/* Decodes hex [s, s + n) into a fresh buffer; NULL on bad hex or no memory. */
static uint8_t *hex_dup(const char *s, size_t n, size_t *outlen)
{
	uint8_t *out = malloc(n / 2 + 1);

	if (out != NULL && hm_hex_decode(out, n / 2 + 1, outlen, s, n) != HM_OK) {
		free(out);
		out = NULL;
	}
	return out;
}

static int set_hex(uint8_t **dst, size_t *dlen, const char *v, size_t vlen)
{
	free(*dst);
	*dst = hex_dup(v, vlen, dlen);
	return *dst != NULL || vlen == 0;
}

/* Applies one "key = value" line to e. */
static void entry_field(struct rsp_entry *e, const char *k, size_t klen, const char *v, size_t vlen)
{
	int ok = 1;

#define KEY_IS(name) (klen == sizeof(name) - 1 && memcmp(k, name, klen) == 0)
	if (KEY_IS("seed"))
		ok = set_hex(&e->seed, &e->seed_len, v, vlen);
	else if (KEY_IS("msg"))
		ok = set_hex(&e->msg, &e->msg_len, v, vlen);
	else if (KEY_IS("pk"))
		ok = set_hex(&e->pk, &e->pk_len, v, vlen);
	else if (KEY_IS("sk"))
		ok = set_hex(&e->sk, &e->sk_len, v, vlen);
	else if (KEY_IS("sm"))
		ok = set_hex(&e->sm, &e->sm_len, v, vlen);
	else if (KEY_IS("mlen"))
		e->mlen = strtol(v, NULL, 10);
	else if (KEY_IS("smlen"))
		e->smlen = strtol(v, NULL, 10);
#undef KEY_IS
	if (!ok)
		e->malformed = 1;
}

/* SHA3-256 digests of the expected outputs, to compare without keeping copies. */
struct falcon_expect {
	unsigned logn;
	const uint8_t *seed; /* 48 bytes */
	const uint8_t *msg;
	size_t msg_len;
	const uint8_t *pk, *sk, *sm; /* full expected values, or NULL to use the digests */
	size_t pk_len, sk_len, sm_len;
	const uint8_t *pk_digest, *sk_digest, *sm_digest;
};

/* Check (a): returns NULL on success, else why it failed. */
static const char *check_verify(unsigned logn, const uint8_t *pk, size_t pk_len, const uint8_t *msg,
                                size_t msg_len, const uint8_t *sm, size_t sm_len)
{
	uint8_t sig[HM_FALCON_MAX_SIG_LEN];
	size_t esig_len;
	const uint8_t *esig;

	if (sm_len < 2 + HM_FALCON_NONCE_LEN + msg_len + 1)
		return "sm too short";
	esig_len = ((size_t)sm[0] << 8) | sm[1];
	if (2 + HM_FALCON_NONCE_LEN + msg_len + esig_len != sm_len)
		return "sm length field inconsistent";
	if (memcmp(sm + 2 + HM_FALCON_NONCE_LEN, msg, msg_len) != 0)
		return "sm does not embed msg";
	esig = sm + 2 + HM_FALCON_NONCE_LEN + msg_len;
	if (esig[0] != 0x20 + logn)
		return "sm signature header";
	if (esig_len - 1 + 1 + HM_FALCON_NONCE_LEN > sizeof(sig))
		return "signature too long";
	sig[0] = (uint8_t)(0x30 + logn);
	memcpy(sig + 1, sm + 2, HM_FALCON_NONCE_LEN);
	memcpy(sig + 1 + HM_FALCON_NONCE_LEN, esig + 1, esig_len - 1);
	if (hm_falcon_verify(logn, sig, HM_FALCON_NONCE_LEN + esig_len, pk, pk_len, msg, msg_len) !=
	    HM_OK)
		return "sm does not verify under pk";
	return NULL;
}

/* Rebuilds the KAT's sm layout from a signature (0x30 + logn) || nonce || s2. */
static size_t make_sm(uint8_t *sm, const uint8_t *sig, size_t siglen, const uint8_t *msg,
                      size_t msg_len, unsigned logn)
{
	size_t esig_len = siglen - HM_FALCON_NONCE_LEN;

	sm[0] = (uint8_t)(esig_len >> 8);
	sm[1] = (uint8_t)esig_len;
	memcpy(sm + 2, sig + 1, HM_FALCON_NONCE_LEN);
	memcpy(sm + 2 + HM_FALCON_NONCE_LEN, msg, msg_len);
	sm[2 + HM_FALCON_NONCE_LEN + msg_len] = (uint8_t)(0x20 + logn);
	memcpy(sm + 3 + HM_FALCON_NONCE_LEN + msg_len, sig + 1 + HM_FALCON_NONCE_LEN, esig_len - 1);
	return 2 + HM_FALCON_NONCE_LEN + msg_len + esig_len;
}

static int matches(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len,
                   const uint8_t *digest)
{
	uint8_t d[HM_SHA3_256_LEN];

	if (want != NULL)
		return got_len == want_len && memcmp(got, want, got_len) == 0;
	hm_sha3_256(d, got, got_len);
	return memcmp(d, digest, sizeof(d)) == 0;
}

/*
 * The DRBG flow of PQCgenKAT_sign: randombytes_init(seed), keypair, sign.
 * The generated pk and sk are compared with the expected ones before
 * signing with them.
 */
static const char *check_reproduce(const struct falcon_expect *x)
{
	uint8_t pk[HM_FALCON_MAX_PK_LEN], sk[HM_FALCON_MAX_SK_LEN];
	uint8_t sig[HM_FALCON_MAX_SIG_LEN], *sm;
	struct hm_nist_drbg drbg;
	struct hm_falcon_rng rng = { hm_nist_drbg_fill, &drbg };
	size_t siglen = sizeof(sig), sm_len;
	const char *why = NULL;
	int rc;

	hm_nist_drbg_init(&drbg, x->seed, NULL);
	rc = hm_falcon_keygen(x->logn, pk, sk, &rng);
	if (rc != HM_OK)
		why = "keygen failed";
	else if (!matches(pk, HM_FALCON_PK_LEN(x->logn), x->pk, x->pk_len, x->pk_digest))
		why = "keygen pk mismatch";
	else if (!matches(sk, HM_FALCON_SK_LEN(x->logn), x->sk, x->sk_len, x->sk_digest))
		why = "keygen sk mismatch";
	if (why != NULL) {
		hm_nist_drbg_wipe(&drbg);
		hm_wipe(sk, sizeof(sk));
		return why;
	}
	rc = hm_falcon_sign(x->logn, sig, &siglen, sk, HM_FALCON_SK_LEN(x->logn), x->msg,
	                    x->msg_len, &rng);
	hm_nist_drbg_wipe(&drbg);
	hm_wipe(sk, sizeof(sk));
	if (rc != HM_OK)
		return "sign failed";
	sm = malloc(2 + HM_FALCON_NONCE_LEN + x->msg_len + siglen);
	if (sm == NULL)
		return "out of memory";
	sm_len = make_sm(sm, sig, siglen, x->msg, x->msg_len, x->logn);
	if (!matches(sm, sm_len, x->sm, x->sm_len, x->sm_digest))
		why = "sign sm mismatch";
	else if (hm_falcon_verify(x->logn, sig, siglen, pk, HM_FALCON_PK_LEN(x->logn), x->msg,
	                          x->msg_len) != HM_OK)
		why = "own signature does not verify";
	free(sm);
	return why;
}

static void record(struct hm_kat_tally *tally, FILE *log, long count, const char *why)
{
	if (why == NULL) {
		tally->passed++;
		return;
	}
	tally->failed++;
	if (log != NULL)
		fprintf(log, "  falcon count %ld: %s\n", count, why);
}

static void run_entry(struct rsp_entry *e, struct hm_kat_tally *tally, FILE *log)
{
	struct falcon_expect x;
	const char *why;
	int logn;

	if (e->malformed || e->seed == NULL || e->pk == NULL || e->sk == NULL || e->sm == NULL ||
	    e->seed_len != HM_NIST_DRBG_SEED_LEN || (e->msg == NULL && e->mlen != 0) ||
	    (size_t)e->mlen != e->msg_len || (size_t)e->smlen != e->sm_len) {
		record(tally, log, e->count, "malformed entry");
		return;
	}
	logn = hm_falcon_pk_logn(e->pk, e->pk_len);
	if (logn < 0) {
		record(tally, log, e->count, "pk is not a Falcon-512/1024 public key");
		return;
	}
	why = check_verify((unsigned)logn, e->pk, e->pk_len, e->msg, e->msg_len, e->sm, e->sm_len);
	if (why == NULL) {
		memset(&x, 0, sizeof(x));
		x.logn = (unsigned)logn;
		x.seed = e->seed;
		x.msg = e->msg;
		x.msg_len = e->msg_len;
		x.pk = e->pk;
		x.pk_len = e->pk_len;
		x.sk = e->sk;
		x.sk_len = e->sk_len;
		x.sm = e->sm;
		x.sm_len = e->sm_len;
		if (e->sk_len != HM_FALCON_SK_LEN(logn))
			why = "sk has the wrong length";
		else
			why = check_reproduce(&x);
	}
	record(tally, log, e->count, why);
}

/* Does the text look like a Falcon .rsp: a count line and a Falcon pk? */
static int looks_like_falcon(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	int have_count = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)((eol ? eol : end) - p);

		if (l >= 8 && memcmp(p, "count = ", 8) == 0)
			have_count = 1;
		if (have_count && l >= 9 && memcmp(p, "pk = ", 5) == 0) {
			uint8_t header;
			size_t hexlen = l - 5;

			while (hexlen > 0 && isspace((unsigned char)p[5 + hexlen - 1]))
				hexlen--;
			if (hm_hex_decode_exact(&header, 1, p + 5, 2) != HM_OK)
				return 0;
			return header == 9    ? hexlen == 2 * HM_FALCON512_PK_LEN
			       : header == 10 ? hexlen == 2 * HM_FALCON1024_PK_LEN
			                      : 0;
		}
		p = eol ? eol + 1 : end;
	}
	return 0;
}

int hm_kat_falcon_rsp(const char *text, size_t len, struct hm_kat_tally *tally, FILE *log)
{
	const char *p = text, *end = text + len;
	struct rsp_entry e;

	if (text == NULL || !looks_like_falcon(text, len))
		return HM_ERR_UNSUPPORTED;
	memset(&e, 0, sizeof(e));
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end, *eq, *k, *ke, *v, *ve;

		eq = memchr(p, '=', (size_t)(le - p));
		if (p < le && *p != '#' && eq != NULL) {
			k = p;
			ke = eq;
			while (ke > k && isspace((unsigned char)ke[-1]))
				ke--;
			v = eq + 1;
			while (v < le && isspace((unsigned char)*v))
				v++;
			ve = le;
			while (ve > v && isspace((unsigned char)ve[-1]))
				ve--;
			if ((size_t)(ke - k) == 5 && memcmp(k, "count", 5) == 0) {
				if (e.have_count)
					run_entry(&e, tally, log);
				entry_free(&e);
				e.have_count = 1;
				e.count = strtol(v, NULL, 10);
			} else if (e.have_count) {
				entry_field(&e, k, (size_t)(ke - k), v, (size_t)(ve - v));
			}
		}
		p = eol ? eol + 1 : end;
	}
	if (e.have_count)
		run_entry(&e, tally, log);
	entry_free(&e);
	return HM_OK;
}

/* Count 0 of the round-3 KAT files: seed, msg, and SHA3-256 of pk, sk and sm. */
static const uint8_t kat0_seed[48] = {
	0x06, 0x15, 0x50, 0x23, 0x4d, 0x15, 0x8c, 0x5e, 0xc9, 0x55, 0x95, 0xfe,
	0x04, 0xef, 0x7a, 0x25, 0x76, 0x7f, 0x2e, 0x24, 0xcc, 0x2b, 0xc4, 0x79,
	0xd0, 0x9d, 0x86, 0xdc, 0x9a, 0xbc, 0xfd, 0xe7, 0x05, 0x6a, 0x8c, 0x26,
	0x6f, 0x9e, 0xf9, 0x7e, 0xd0, 0x85, 0x41, 0xdb, 0xd2, 0xe1, 0xff, 0xa1,
};
static const uint8_t kat0_msg[33] = {
	0xd8, 0x1c, 0x4d, 0x8d, 0x73, 0x4f, 0xcb, 0xfb, 0xea, 0xde, 0x3d,
	0x3f, 0x8a, 0x03, 0x9f, 0xaa, 0x2a, 0x2c, 0x99, 0x57, 0xe8, 0x35,
	0xad, 0x55, 0xb2, 0x2e, 0x75, 0xbf, 0x57, 0xbb, 0x55, 0x6a, 0xc8,
};
static const uint8_t kat0_digests[2][3][32] = {
	{
	        /* Falcon-512: pk, sk, sm */
	        {
	                0xb2, 0x08, 0xd8, 0x9f, 0xdb, 0xca, 0x84, 0x4b, 0x80, 0x95, 0xcd,
	                0xba, 0xdc, 0x76, 0x6e, 0x63, 0x35, 0x47, 0x4e, 0xc3, 0xd8, 0xe9,
	                0xc7, 0xc5, 0x5d, 0x46, 0x41, 0x39, 0xac, 0x2c, 0xa6, 0x6b,
	        },
	        {
	                0x09, 0xb6, 0x51, 0x97, 0x37, 0x6b, 0x7b, 0xb2, 0x22, 0xf6, 0x04,
	                0x9c, 0x49, 0x56, 0x9e, 0x06, 0x6b, 0xa4, 0x3a, 0x29, 0xc2, 0xfa,
	                0xda, 0x11, 0x57, 0x68, 0x5c, 0x56, 0xa4, 0x29, 0x1e, 0x5c,
	        },
	        {
	                0xdc, 0xd7, 0xb3, 0x20, 0xa0, 0xa1, 0xe7, 0x7e, 0x5a, 0x79, 0x10,
	                0x58, 0x63, 0x7b, 0x27, 0xad, 0x6d, 0x03, 0x52, 0x3a, 0xa8, 0x3d,
	                0x45, 0x6f, 0x5e, 0x70, 0x9f, 0xd4, 0xee, 0x9e, 0xd5, 0x16,
	        },
	},
	{
	        /* Falcon-1024: pk, sk, sm */
	        {
	                0xea, 0x49, 0xc7, 0x83, 0x5c, 0xab, 0x62, 0xef, 0x55, 0xff, 0x40,
	                0x60, 0x32, 0x82, 0x43, 0x06, 0x71, 0x66, 0x88, 0x3c, 0xf8, 0x59,
	                0x83, 0xa2, 0x69, 0xde, 0x37, 0xa3, 0xa3, 0x0b, 0xcd, 0xab,
	        },
	        {
	                0x81, 0x62, 0xc9, 0xca, 0x14, 0xe0, 0x89, 0x03, 0x61, 0x1d, 0x70,
	                0x8a, 0x21, 0x62, 0xcb, 0x5e, 0x59, 0x8e, 0xec, 0xcf, 0x55, 0xe8,
	                0xa8, 0x4a, 0xab, 0x1d, 0xa0, 0x90, 0x23, 0x90, 0x44, 0xf9,
	        },
	        {
	                0x3e, 0x0c, 0x7d, 0x81, 0x33, 0xc6, 0x94, 0x3a, 0x64, 0x29, 0xfe,
	                0xd0, 0x91, 0x63, 0xcb, 0x2c, 0xfd, 0x25, 0x4d, 0xb7, 0x75, 0x15,
	                0x21, 0x31, 0x98, 0x8a, 0x1b, 0xab, 0xf2, 0x28, 0x60, 0xb5,
	        },
	},
};

int hm_kat_builtin_falcon(struct hm_kat_tally *tally, FILE *log)
{
	for (unsigned i = 0; i < 2; i++) {
		struct falcon_expect x;
		const char *why;

		memset(&x, 0, sizeof(x));
		x.logn = 9 + i;
		x.seed = kat0_seed;
		x.msg = kat0_msg;
		x.msg_len = sizeof(kat0_msg);
		x.pk_digest = kat0_digests[i][0];
		x.sk_digest = kat0_digests[i][1];
		x.sm_digest = kat0_digests[i][2];
		why = check_reproduce(&x);
		if (why == NULL) {
			tally->passed++;
		} else {
			tally->failed++;
			if (log != NULL)
				fprintf(log, "  falcon-%u built-in: %s\n", 512u << i, why);
		}
	}
	return HM_OK;
}
