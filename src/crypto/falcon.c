/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Falcon public API: key and signature encodings, the randomness flow of the
 * round-3 reference NIST API (so the KAT files reproduce), and verification.
 */
/*
 * No FMA contraction: results must be the correctly rounded products and sums.
 * GCC ignores this pragma but does not contract in ISO C mode (-std=c11).
 */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include <stdlib.h>
#include <string.h>

#include "falcon_internal.h"
#include "hypermesh/error.h"
#include "hypermesh/random.h"
#include "hypermesh/secure.h"

#define FALCON_SEED_LEN 48

static int valid_logn(unsigned logn)
{
	return logn == 9 || logn == 10;
}

static int get_random(const struct hm_falcon_rng *rng, void *buf, size_t len)
{
	if (rng == NULL)
		return hm_random_bytes(buf, len);
	return rng->fill(rng->ctx, buf, len);
}

int hm_falcon_pk_logn(const uint8_t *pk, size_t pklen)
{
	if (pklen == 0)
		return HM_ERR_LENGTH;
	if (pk[0] != 9 && pk[0] != 10)
		return HM_ERR_INVALID;
	if (pklen != HM_FALCON_PK_LEN(pk[0]))
		return HM_ERR_LENGTH;
	return pk[0];
}

/* Parses sk into f, g, F; HM_ERR_LENGTH / HM_ERR_INVALID. */
static int decode_sk(int8_t *f, int8_t *g, int8_t *F, const uint8_t *sk, size_t sklen,
                     unsigned logn)
{
	size_t n = (size_t)1 << logn, fgbytes = n * FALCON_FG_BITS(logn) / 8;

	if (sklen != HM_FALCON_SK_LEN(logn))
		return HM_ERR_LENGTH;
	if (sk[0] != 0x50 + logn)
		return HM_ERR_INVALID;
	if (falcon_trim_i8_decode(f, sk + 1, logn, FALCON_FG_BITS(logn)) != HM_OK ||
	    falcon_trim_i8_decode(g, sk + 1 + fgbytes, logn, FALCON_FG_BITS(logn)) != HM_OK ||
	    falcon_trim_i8_decode(F, sk + 1 + 2 * fgbytes, logn, 8) != HM_OK)
		return HM_ERR_INVALID;
	return HM_OK;
}

struct falcon_keygen_work {
	int8_t f[FALCON_MAX_N], g[FALCON_MAX_N], F[FALCON_MAX_N], G[FALCON_MAX_N];
	uint16_t h[FALCON_MAX_N];
	uint8_t seed[FALCON_SEED_LEN];
	struct hm_keccak sc;
};

int hm_falcon_keygen(unsigned logn, uint8_t *pk, uint8_t *sk, const struct hm_falcon_rng *rng)
{
	struct falcon_keygen_work w;
	size_t v;
	int rc;

	if (!valid_logn(logn))
		return HM_ERR_INVALID;
	rc = get_random(rng, w.seed, sizeof(w.seed));
	if (rc != HM_OK)
		goto out;
	hm_shake256_init(&w.sc);
	hm_keccak_absorb(&w.sc, w.seed, sizeof(w.seed));
	rc = falcon_keygen_core(&w.sc, w.f, w.g, w.F, w.G, w.h, logn);
	if (rc != HM_OK)
		goto out;
	sk[0] = (uint8_t)(0x50 + logn);
	v = 1 + falcon_trim_i8_encode(sk + 1, w.f, logn, FALCON_FG_BITS(logn));
	v += falcon_trim_i8_encode(sk + v, w.g, logn, FALCON_FG_BITS(logn));
	falcon_trim_i8_encode(sk + v, w.F, logn, 8);
	pk[0] = (uint8_t)logn;
	falcon_modq_encode(pk + 1, w.h, logn);
out:
	hm_wipe(&w, sizeof(w));
	return rc;
}

/* The signature for msg with the expanded key ek (nonce, HashToPoint, sampling, encoding). */
struct falcon_sign_work {
	uint16_t hm[FALCON_MAX_N];
	int16_t s2[FALCON_MAX_N];
	double ftmp[10 * FALCON_MAX_N];
	uint8_t seed[FALCON_SEED_LEN];
	struct hm_keccak sc;
};

static int sign_with(const double *ek, unsigned logn, uint8_t *sig, size_t *siglen, const void *msg,
                     size_t len, const struct hm_falcon_rng *rng)
{
	struct falcon_sign_work w;
	size_t clen = 0, max = HM_FALCON_SIG_MAX(logn);
	int rc;

	if (*siglen < max)
		return HM_ERR_BUFFER;
	/*
	 * The specification restarts with a fresh nonce when the compressed s2
	 * does not fit; with this maximum that essentially never happens.
	 */
	do {
		rc = get_random(rng, sig + 1, HM_FALCON_NONCE_LEN);
		if (rc != HM_OK)
			goto out;
		hm_shake256_init(&w.sc);
		hm_keccak_absorb(&w.sc, sig + 1, HM_FALCON_NONCE_LEN);
		hm_keccak_absorb(&w.sc, msg, len);
		falcon_hash_to_point(&w.sc, w.hm, logn);

		rc = get_random(rng, w.seed, sizeof(w.seed));
		if (rc != HM_OK)
			goto out;
		hm_shake256_init(&w.sc);
		hm_keccak_absorb(&w.sc, w.seed, sizeof(w.seed));
		falcon_sign_core(w.s2, &w.sc, ek, w.hm, logn, w.ftmp);
		clen = falcon_comp_encode(sig + 1 + HM_FALCON_NONCE_LEN,
		                          max - 1 - HM_FALCON_NONCE_LEN, w.s2, logn);
	} while (clen == 0);
	sig[0] = (uint8_t)(0x30 + logn);
	*siglen = 1 + HM_FALCON_NONCE_LEN + clen;
out:
	if (rc != HM_OK)
		hm_wipe(sig, max);
	hm_wipe(&w, sizeof(w));
	return rc;
}

struct falcon_expand_work {
	int8_t f[FALCON_MAX_N], g[FALCON_MAX_N], F[FALCON_MAX_N], G[FALCON_MAX_N];
	uint16_t mtmp[2 * FALCON_MAX_N];
	double ftmp[8 * FALCON_MAX_N];
};

/* Decodes sk and fills ek (falcon_expanded_len(logn) doubles). */
static int expand_sk(double *ek, unsigned logn, const uint8_t *sk, size_t sklen)
{
	struct falcon_expand_work w;
	int rc = decode_sk(w.f, w.g, w.F, sk, sklen, logn);

	if (rc != HM_OK)
		goto out;
	if (!falcon_complete_private(w.G, w.f, w.g, w.F, logn, w.mtmp)) {
		rc = HM_ERR_INVALID;
		goto out;
	}
	falcon_expand(ek, w.f, w.g, w.F, w.G, logn, w.ftmp);
out:
	hm_wipe(&w, sizeof(w));
	return rc;
}

int hm_falcon_sign(unsigned logn, uint8_t *sig, size_t *siglen, const uint8_t *sk, size_t sklen,
                   const void *msg, size_t len, const struct hm_falcon_rng *rng)
{
	double ek[FALCON_EXPANDED_MAX];
	int rc;

	if (!valid_logn(logn))
		return HM_ERR_INVALID;
	if (*siglen < HM_FALCON_SIG_MAX(logn))
		return HM_ERR_BUFFER;
	rc = expand_sk(ek, logn, sk, sklen);
	if (rc == HM_OK)
		rc = sign_with(ek, logn, sig, siglen, msg, len, rng);
	else
		hm_wipe(sig, HM_FALCON_SIG_MAX(logn));
	hm_wipe(ek, falcon_expanded_len(logn) * sizeof(double));
	return rc;
}

struct hm_falcon_expanded {
	unsigned logn;
	size_t len; /* doubles in ek */
	double ek[];
};

int hm_falcon_expand(unsigned logn, const uint8_t *sk, size_t sklen,
                     struct hm_falcon_expanded **out)
{
	struct hm_falcon_expanded *x;
	int rc;

	if (!valid_logn(logn))
		return HM_ERR_INVALID;
	x = malloc(sizeof(*x) + falcon_expanded_len(logn) * sizeof(double));
	if (x == NULL)
		return HM_ERR_NOMEM;
	x->logn = logn;
	x->len = falcon_expanded_len(logn);
	rc = expand_sk(x->ek, logn, sk, sklen);
	if (rc != HM_OK) {
		hm_falcon_expanded_free(x);
		return rc;
	}
	*out = x;
	return HM_OK;
}

void hm_falcon_expanded_free(struct hm_falcon_expanded *x)
{
	if (x == NULL)
		return;
	hm_wipe(x->ek, x->len * sizeof(double));
	free(x);
}

unsigned hm_falcon_expanded_logn(const struct hm_falcon_expanded *x)
{
	return x->logn;
}

int hm_falcon_sign_expanded(const struct hm_falcon_expanded *x, uint8_t *sig, size_t *siglen,
                            const void *msg, size_t len, const struct hm_falcon_rng *rng)
{
	return sign_with(x->ek, x->logn, sig, siglen, msg, len, rng);
}

struct falcon_verify_work {
	uint16_t h[FALCON_MAX_N], c[FALCON_MAX_N], t[FALCON_MAX_N];
	int16_t s2[FALCON_MAX_N];
	struct hm_keccak sc;
};

int hm_falcon_verify(unsigned logn, const uint8_t *sig, size_t siglen, const uint8_t *pk,
                     size_t pklen, const void *msg, size_t len)
{
	struct falcon_verify_work w;
	size_t n;
	uint64_t sqn = 0;

	if (!valid_logn(logn))
		return HM_ERR_INVALID;
	n = (size_t)1 << logn;
	if (pklen != HM_FALCON_PK_LEN(logn))
		return HM_ERR_LENGTH;
	if (pk[0] != logn)
		return HM_ERR_INVALID;
	if (siglen < HM_FALCON_SIG_MIN || siglen > HM_FALCON_SIG_MAX(logn))
		return HM_ERR_LENGTH;
	if (sig[0] != 0x30 + logn)
		return HM_ERR_INVALID;
	if (falcon_modq_decode(w.h, pk + 1, logn) != HM_OK)
		return HM_ERR_INVALID;
	if (falcon_comp_decode(w.s2, sig + 1 + HM_FALCON_NONCE_LEN,
	                       siglen - 1 - HM_FALCON_NONCE_LEN, logn) != HM_OK)
		return HM_ERR_INVALID;

	hm_shake256_init(&w.sc);
	hm_keccak_absorb(&w.sc, sig + 1, HM_FALCON_NONCE_LEN);
	hm_keccak_absorb(&w.sc, msg, len);
	falcon_hash_to_point(&w.sc, w.c, logn);

	/* s1 = c - s2 h mod q, centred. */
	for (size_t u = 0; u < n; u++)
		w.t[u] = (uint16_t)(w.s2[u] < 0 ? w.s2[u] + FALCON_Q : w.s2[u]);
	falcon_ntt(w.t, logn);
	falcon_ntt(w.h, logn);
	for (size_t u = 0; u < n; u++)
		w.t[u] = (uint16_t)falcon_mq_mul(w.t[u], w.h[u]);
	falcon_intt(w.t, logn);
	for (size_t u = 0; u < n; u++) {
		int32_t s1 = ((int32_t)w.c[u] - (int32_t)w.t[u] + FALCON_Q) % FALCON_Q;
		int32_t s2 = w.s2[u];

		if (s1 > FALCON_Q / 2)
			s1 -= FALCON_Q;
		sqn += (uint64_t)((int64_t)s1 * s1) + (uint64_t)((int64_t)s2 * s2);
	}
	if (sqn > (logn == 9 ? 34034726u : 70265242u))
		return HM_ERR_VERIFY;
	return HM_OK;
}
