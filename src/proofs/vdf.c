/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Wesolowski VDF over an imaginary quadratic class group (vdf.h,
 * docs/VDF.md).
 *
 * Proving. pi = x^q with q = floor(2^T / l) has about T bits; computing it
 * bit by bit costs a second pass of T squarings. Instead (Wesolowski,
 * "Efficient verifiable delay functions", §4.1) evaluation keeps checkpoints
 * C_m = x^(2^(k l m)), and q is cut into k-bit digits: digit i of q is
 * b_i = floor(2^k (2^(T - k (i + 1)) mod l) / l). Then
 *
 *     pi = prod_i x^(2^(k i) b_i) = prod_{j < l} P_j^(2^(k j)),
 *     P_j = prod_m C_m^(b_{l m + j}) = prod_{b} (prod_{m: b_{lm+j} = b} C_m)^b,
 *
 * where each P_j costs one multiplication per digit into 2^k buckets plus
 * 2^(k+1) multiplications to combine them (running products from the top
 * bucket down), and the outer product is Horner's rule with k squarings per
 * pass. Total: about T / k + l 2^(k+1) + k l group operations on top of the
 * T squarings, with T / (k l) checkpoints in memory; k and l are chosen to
 * minimise that under a memory cap.
 */
#include <assert.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/sha3.h"
#include "hypermesh/vdf.h"
#include "vdf_internal.h"

#define DISC_BYTES      (HM_VDF_DISC_BITS / 8)
#define CHALLENGE_BYTES ((HM_VDF_CHALLENGE_BITS + 7) / 8)

static const char disc_domain[] = "hypermesh/vdf/discriminant/v1";
static const char challenge_domain[] = "hypermesh/vdf/challenge/v1";
static const char output_domain[] = "hypermesh/vdf/output/v1";

enum {
	/* How often the progress callback runs, in iterations. */
	PROGRESS_EVERY = 1 << 16,
	/* At most this many checkpoints (about 200 bytes each) are kept. */
	MAX_CHECKPOINTS = 1 << 16,
	/* Largest digit width tried; 2^k buckets of forms are allocated. */
	MAX_WINDOW = 16,
};

static void put_be64(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* |x| as exactly len big-endian bytes; the caller guarantees it fits. */
static void export_fixed(uint8_t *out, size_t len, const mpz_t x)
{
	size_t n = (mpz_sizeinbase(x, 2) + 7) / 8;

	assert(n <= len);
	memset(out, 0, len);
	if (mpz_sgn(x) != 0)
		mpz_export(out + (len - n), NULL, 1, 1, 1, 0, x);
}

/*
 * Odd primes below SIEVE_LIMIT, grouped into products that fit a word, so a
 * candidate is tested against all of them with a few mpz_fdiv_ui calls
 * before the expensive probable-prime test (which most candidates fail).
 */
#define SIEVE_LIMIT      4096
#define SIEVE_MAX_PRIMES 600 /* there are 563 odd primes below 4096 */

struct sieve {
	uint16_t primes[SIEVE_MAX_PRIMES];
	size_t nprimes;
	unsigned long products[SIEVE_MAX_PRIMES];
	uint16_t group_end[SIEVE_MAX_PRIMES]; /* primes[previous end .. end) make products[g] */
	size_t ngroups;
};

static void sieve_init(struct sieve *sv)
{
	uint8_t composite[SIEVE_LIMIT] = { 0 };
	unsigned long product = 1;

	sv->nprimes = 0;
	sv->ngroups = 0;
	for (unsigned i = 3; i < SIEVE_LIMIT; i += 2) {
		if (composite[i])
			continue;
		for (unsigned j = i * i; j < SIEVE_LIMIT; j += 2 * i)
			composite[j] = 1;
		if (product > ULONG_MAX / i) {
			sv->products[sv->ngroups] = product;
			sv->group_end[sv->ngroups++] = (uint16_t)sv->nprimes;
			product = 1;
		}
		product *= i;
		sv->primes[sv->nprimes++] = (uint16_t)i;
	}
	sv->products[sv->ngroups] = product;
	sv->group_end[sv->ngroups++] = (uint16_t)sv->nprimes;
}

/* True if n (larger than every sieving prime) has a factor below SIEVE_LIMIT. */
static bool sieve_rejects(const struct sieve *sv, const mpz_t n)
{
	size_t p = 0;

	for (size_t g = 0; g < sv->ngroups; g++) {
		unsigned long r = mpz_fdiv_ui(n, sv->products[g]);
		for (; p < sv->group_end[g]; p++)
			if (r % sv->primes[p] == 0)
				return true;
	}
	return false;
}

/* The first probable prime among candidates drawn from the stream (see callers). */
static bool is_probable_prime(const struct sieve *sv, const mpz_t n)
{
	return !sieve_rejects(sv, n) && mpz_probab_prime_p(n, HM_VDF_PRIME_REPS) != 0;
}

void hm_vdf__discriminant(mpz_t disc, const uint8_t *input, size_t input_len)
{
	struct hm_keccak shake;
	uint8_t len_be[8], cand[DISC_BYTES];
	struct sieve sv;

	sieve_init(&sv);
	hm_shake256_init(&shake);
	hm_keccak_absorb(&shake, disc_domain, sizeof(disc_domain) - 1);
	put_be64(len_be, input_len);
	hm_keccak_absorb(&shake, len_be, sizeof(len_be));
	hm_keccak_absorb(&shake, input, input_len);
	for (;;) {
		/* Candidates are consecutive 128-byte blocks of the stream: top bit
		 * set (exactly 1024 bits), low bits 111 (p = 7 mod 8, D = 1 mod 8). */
		hm_keccak_squeeze(&shake, cand, sizeof(cand));
		cand[0] |= 0x80;
		cand[DISC_BYTES - 1] |= 0x07;
		mpz_import(disc, sizeof(cand), 1, 1, 1, 0, cand);
		if (is_probable_prime(&sv, disc))
			break;
	}
	mpz_neg(disc, disc);
}

void hm_vdf__form_encode(uint8_t out[HM_VDF_FORM_LEN], const struct hm_form *f)
{
	export_fixed(out, HM_VDF_FORM_INT_LEN, f->a);
	out[HM_VDF_FORM_INT_LEN] = mpz_sgn(f->b) < 0 ? 1 : 0;
	export_fixed(out + HM_VDF_FORM_INT_LEN + 1, HM_VDF_FORM_INT_LEN, f->b);
}

/* The checks that need no discriminant: sign byte canonical, a > 0, |b| <= a. */
static int form_decode_shape(struct hm_form *f, const uint8_t in[HM_VDF_FORM_LEN])
{
	uint8_t sign = in[HM_VDF_FORM_INT_LEN];

	mpz_import(f->a, HM_VDF_FORM_INT_LEN, 1, 1, 1, 0, in);
	mpz_import(f->b, HM_VDF_FORM_INT_LEN, 1, 1, 1, 0, in + HM_VDF_FORM_INT_LEN + 1);
	if (sign > 1 || (sign == 1 && mpz_sgn(f->b) == 0))
		return HM_ERR_INVALID;
	if (sign == 1)
		mpz_neg(f->b, f->b);
	if (mpz_sgn(f->a) == 0 || mpz_cmpabs(f->b, f->a) > 0)
		return HM_ERR_INVALID;
	return HM_OK;
}

int hm_vdf__form_decode(struct hm_cg *cg, struct hm_form *f, const uint8_t in[HM_VDF_FORM_LEN])
{
	int rc = form_decode_shape(f, in);

	if (rc != HM_OK)
		return rc;
	if (!hm_cg_complete(cg, f) || !hm_cg_is_reduced(cg, f))
		return HM_ERR_INVALID;
	return HM_OK;
}

void hm_vdf__challenge(mpz_t l, const mpz_t disc, const struct hm_form *x, const struct hm_form *y,
                       uint64_t iterations)
{
	struct hm_keccak shake;
	uint8_t d[DISC_BYTES], fx[HM_VDF_FORM_LEN], fy[HM_VDF_FORM_LEN], t[8];
	uint8_t cand[CHALLENGE_BYTES];
	struct sieve sv;

	sieve_init(&sv);
	export_fixed(d, sizeof(d), disc);
	hm_vdf__form_encode(fx, x);
	hm_vdf__form_encode(fy, y);
	put_be64(t, iterations);
	hm_shake256_init(&shake);
	hm_keccak_absorb(&shake, challenge_domain, sizeof(challenge_domain) - 1);
	hm_keccak_absorb(&shake, d, sizeof(d));
	hm_keccak_absorb(&shake, fx, sizeof(fx));
	hm_keccak_absorb(&shake, fy, sizeof(fy));
	hm_keccak_absorb(&shake, t, sizeof(t));
	for (;;) {
		/* 264-bit candidates, top bit set, odd. */
		hm_keccak_squeeze(&shake, cand, sizeof(cand));
		cand[0] |= 0x80;
		cand[CHALLENGE_BYTES - 1] |= 0x01;
		mpz_import(l, sizeof(cand), 1, 1, 1, 0, cand);
		if (is_probable_prime(&sv, l))
			return;
	}
}

void hm_vdf__prove_naive(struct hm_cg *cg, struct hm_form *pi, const struct hm_form *x,
                         const mpz_t l, uint64_t iterations)
{
	mpz_t r;

	/* The digits of 2^T after its leading 1, divided by l, high to low. */
	mpz_init_set_ui(r, 1);
	hm_cg_identity(cg, pi);
	for (uint64_t i = 0; i < iterations; i++) {
		hm_cg_square(cg, pi, pi);
		mpz_mul_2exp(r, r, 1);
		if (mpz_cmp(r, l) >= 0) {
			mpz_sub(r, r, l);
			hm_cg_mul(cg, pi, pi, x);
		}
	}
	mpz_clear(r);
}

/* ---- the windowed prover ---- */

struct prover {
	unsigned window;     /* k: bits per digit */
	unsigned passes;     /* l: digits interleaved over the checkpoints */
	uint64_t digits;     /* n = floor(T / k); digits at or above n are 0 */
	uint64_t interval;   /* k l: squarings between checkpoints */
	size_t ncheckpoints; /* C_m for m < ncheckpoints */
	struct hm_form *checkpoints;
};

/* Picks k and l minimising T/k + l 2^(k+1) + k l under the checkpoint cap. */
static void choose_parameters(uint64_t iterations, unsigned *window, unsigned *passes)
{
	double best = 0;

	*window = 1;
	*passes = 1;
	for (unsigned k = 1; k <= MAX_WINDOW; k++) {
		uint64_t n = iterations / k;
		uint64_t l = n / MAX_CHECKPOINTS + 1;
		double cost = (double)n + (double)l * (double)(UINT64_C(2) << k) + (double)(k * l);
		if (l > UINT32_MAX)
			continue;
		if (k == 1 || cost < best) {
			best = cost;
			*window = k;
			*passes = (unsigned)l;
		}
	}
}

static int prover_init(struct prover *pv, uint64_t iterations, unsigned window, unsigned passes)
{
	memset(pv, 0, sizeof(*pv));
	if (window == 0 || passes == 0)
		choose_parameters(iterations, &window, &passes);
	pv->window = window;
	pv->passes = passes;
	pv->digits = iterations / window;
	pv->interval = (uint64_t)window * passes;
	pv->ncheckpoints = pv->digits == 0 ? 0 : (size_t)((pv->digits - 1) / passes + 1);
	if (pv->ncheckpoints > 0) {
		pv->checkpoints = calloc(pv->ncheckpoints, sizeof(*pv->checkpoints));
		if (pv->checkpoints == NULL)
			return HM_ERR_NOMEM;
		for (size_t m = 0; m < pv->ncheckpoints; m++)
			hm_form_init(&pv->checkpoints[m]);
	}
	return HM_OK;
}

static void prover_free(struct prover *pv)
{
	for (size_t m = 0; m < pv->ncheckpoints; m++)
		hm_form_free(&pv->checkpoints[m]);
	free(pv->checkpoints);
	memset(pv, 0, sizeof(*pv));
}

/* *acc = *acc * f, where *used says whether *acc holds anything yet (else it is 1). */
static void accumulate(struct hm_cg *cg, struct hm_form *acc, bool *used, const struct hm_form *f)
{
	if (*used) {
		hm_cg_mul(cg, acc, acc, f);
	} else {
		hm_form_set(acc, f);
		*used = true;
	}
}

static int prover_finish(struct prover *pv, struct hm_cg *cg, struct hm_form *pi, const mpz_t l,
                         uint64_t iterations)
{
	size_t nbuckets = (size_t)1 << pv->window;
	struct hm_form *buckets, run, sum;
	bool *filled, have_pi = false;
	mpz_t r, step, digit;

	buckets = calloc(nbuckets, sizeof(*buckets));
	filled = calloc(nbuckets, sizeof(*filled));
	if (buckets == NULL || filled == NULL) {
		free(buckets);
		free(filled);
		return HM_ERR_NOMEM;
	}
	for (size_t b = 0; b < nbuckets; b++)
		hm_form_init(&buckets[b]);
	hm_form_init(&run);
	hm_form_init(&sum);
	mpz_inits(r, step, digit, NULL);

	/* step = 2^(-k l) mod l: moving from digit i to i + l */
	mpz_set_ui(step, 2);
	mpz_invert(step, step, l);
	mpz_powm_ui(step, step, pv->interval, l);

	for (unsigned j = pv->passes; j-- > 0;) {
		bool have_run = false, have_sum = false;

		if (have_pi)
			for (unsigned s = 0; s < pv->window; s++)
				hm_cg_square(cg, pi, pi);
		if (j >= pv->digits)
			continue;
		memset(filled, 0, nbuckets * sizeof(*filled));
		/* r = 2^(T - k (j + 1)) mod l */
		mpz_set_ui(r, 2);
		mpz_powm_ui(r, r, iterations - (uint64_t)pv->window * (j + 1), l);
		for (uint64_t i = j, m = 0; i < pv->digits; i += pv->passes, m++) {
			mpz_mul_2exp(digit, r, pv->window);
			mpz_fdiv_q(digit, digit, l);
			unsigned long b = mpz_get_ui(digit);
			if (b != 0)
				accumulate(cg, &buckets[b], &filled[b], &pv->checkpoints[m]);
			mpz_mul(r, r, step);
			mpz_mod(r, r, l);
		}
		/* P_j = prod_b bucket_b^b = prod_b (prod_{b' >= b} bucket_b') */
		for (size_t b = nbuckets - 1; b >= 1; b--) {
			if (filled[b])
				accumulate(cg, &run, &have_run, &buckets[b]);
			if (have_run)
				accumulate(cg, &sum, &have_sum, &run);
		}
		if (have_sum)
			accumulate(cg, pi, &have_pi, &sum);
	}
	if (!have_pi)
		hm_cg_identity(cg, pi);

	mpz_clears(r, step, digit, NULL);
	hm_form_free(&run);
	hm_form_free(&sum);
	for (size_t b = 0; b < nbuckets; b++)
		hm_form_free(&buckets[b]);
	free(buckets);
	free(filled);
	return HM_OK;
}

static int check_args(const uint8_t *input, size_t input_len, uint64_t iterations)
{
	if (input == NULL && input_len > 0)
		return HM_ERR_INVALID;
	if (iterations == 0 || iterations > HM_VDF_ITERATIONS_MAX)
		return HM_ERR_INVALID;
	if (input_len > HM_VDF_INPUT_MAX)
		return HM_ERR_TOO_LARGE;
	return HM_OK;
}

int hm_vdf__eval_with(const uint8_t *input, size_t input_len, uint64_t iterations,
                      struct hm_buf *proof,
                      void (*progress)(void *arg, uint64_t done, uint64_t total), void *arg,
                      unsigned window, unsigned passes)
{
	uint8_t out[HM_VDF_PROOF_LEN];
	struct prover pv;
	struct hm_cg cg;
	struct hm_form x, y, pi;
	mpz_t disc, l;
	int rc = check_args(input, input_len, iterations);

	if (rc != HM_OK)
		return rc;
	if (proof == NULL || window > MAX_WINDOW)
		return HM_ERR_INVALID;
	rc = prover_init(&pv, iterations, window, passes);
	if (rc != HM_OK)
		return rc;
	mpz_inits(disc, l, NULL);
	hm_vdf__discriminant(disc, input, input_len);
	hm_cg_init(&cg, disc);
	hm_form_init(&x);
	hm_form_init(&y);
	hm_form_init(&pi);

	hm_cg_generator(&cg, &x);
	hm_form_set(&y, &x);
	uint64_t next_checkpoint = 0, next_report = PROGRESS_EVERY;
	size_t m = 0;
	for (uint64_t i = 0; i < iterations; i++) {
		if (i == next_checkpoint) {
			if (m < pv.ncheckpoints)
				hm_form_set(&pv.checkpoints[m++], &y);
			next_checkpoint += pv.interval;
		}
		hm_cg_square(&cg, &y, &y);
		if (i + 1 == next_report) {
			if (progress != NULL)
				progress(arg, i + 1, iterations);
			next_report += PROGRESS_EVERY;
		}
	}
	assert(m == pv.ncheckpoints);

	hm_vdf__challenge(l, disc, &x, &y, iterations);
	rc = prover_finish(&pv, &cg, &pi, l, iterations);
	if (rc == HM_OK) {
		hm_vdf__form_encode(out, &y);
		hm_vdf__form_encode(out + HM_VDF_FORM_LEN, &pi);
		rc = hm_buf_append(proof, out, sizeof(out));
	}
	if (rc == HM_OK && progress != NULL)
		progress(arg, iterations, iterations);

	hm_form_free(&x);
	hm_form_free(&y);
	hm_form_free(&pi);
	hm_cg_free(&cg);
	mpz_clears(disc, l, NULL);
	prover_free(&pv);
	return rc;
}

int hm_vdf_eval(const uint8_t *input, size_t input_len, uint64_t iterations, struct hm_buf *proof,
                void (*progress)(void *arg, uint64_t done, uint64_t total), void *arg)
{
	return hm_vdf__eval_with(input, input_len, iterations, proof, progress, arg, 0, 0);
}

static int check_proof_length(size_t proof_len)
{
	if (proof_len < HM_VDF_PROOF_LEN)
		return HM_ERR_TRUNCATED;
	if (proof_len > HM_VDF_PROOF_LEN)
		return HM_ERR_TRAILING;
	return HM_OK;
}

int hm_vdf_verify(const uint8_t *input, size_t input_len, uint64_t iterations, const uint8_t *proof,
                  size_t proof_len)
{
	struct hm_cg cg;
	struct hm_form x, y, pi, lhs;
	mpz_t disc, l, r;
	int rc = check_args(input, input_len, iterations);

	if (rc != HM_OK)
		return rc;
	if (proof == NULL)
		return HM_ERR_INVALID;
	rc = check_proof_length(proof_len);
	if (rc != HM_OK)
		return rc;
	mpz_inits(disc, l, r, NULL);
	hm_vdf__discriminant(disc, input, input_len);
	hm_cg_init(&cg, disc);
	hm_form_init(&x);
	hm_form_init(&y);
	hm_form_init(&pi);
	hm_form_init(&lhs);

	rc = hm_vdf__form_decode(&cg, &y, proof);
	if (rc == HM_OK)
		rc = hm_vdf__form_decode(&cg, &pi, proof + HM_VDF_FORM_LEN);
	if (rc == HM_OK) {
		/* pi^l x^(2^T mod l) = x^(l floor(2^T / l) + 2^T mod l) = x^(2^T) */
		hm_cg_generator(&cg, &x);
		hm_vdf__challenge(l, disc, &x, &y, iterations);
		mpz_set_ui(r, 2);
		mpz_powm_ui(r, r, iterations, l);
		hm_cg_pow2(&cg, &lhs, &pi, l, &x, r);
		rc = hm_form_equal(&lhs, &y) ? HM_OK : HM_ERR_VERIFY;
	}

	hm_form_free(&x);
	hm_form_free(&y);
	hm_form_free(&pi);
	hm_form_free(&lhs);
	hm_cg_free(&cg);
	mpz_clears(disc, l, r, NULL);
	return rc;
}

int hm_vdf_output(const uint8_t *proof, size_t proof_len, uint8_t out[32])
{
	struct hm_keccak sha;
	struct hm_form y;
	int rc;

	if (proof == NULL || out == NULL)
		return HM_ERR_INVALID;
	rc = check_proof_length(proof_len);
	if (rc != HM_OK)
		return rc;
	hm_form_init(&y);
	rc = form_decode_shape(&y, proof);
	hm_form_free(&y);
	if (rc != HM_OK)
		return rc;
	hm_sha3_256_init(&sha);
	hm_keccak_absorb(&sha, output_domain, sizeof(output_domain) - 1);
	hm_keccak_absorb(&sha, proof, HM_VDF_FORM_LEN);
	hm_sha3_final(&sha, out);
	return HM_OK;
}
