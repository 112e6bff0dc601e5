/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VDF: honest proofs verify; every kind of wrong or malformed proof is
 * refused with the documented code; the windowed prover agrees with the
 * bit-by-bit one; the derivations are deterministic and meet their spec.
 */
#include <gmp.h>

#include "hypermesh/buf.h"
#include "hypermesh/vdf.h"
#include "proofs/vdf_internal.h"
#include "test.h"

/*
 * Two inputs whose discriminant is found after few hash-to-prime candidates
 * (~2.5 ms instead of ~15 ms on average), so the hundreds of verifications
 * below stay fast; the honest-proof test adds an ordinary input.
 */
static const uint8_t input_a[] = "test input 295";
static const uint8_t input_b[] = "test input 130";
static const uint8_t input_c[] = "block hash";

static int eval(const uint8_t *in, size_t len, uint64_t t, struct hm_buf *proof)
{
	hm_buf_init(proof);
	return hm_vdf_eval(in, len, t, proof, NULL, NULL);
}

static void test_honest_proofs_verify(void)
{
	static const uint64_t ts[] = { 1, 2, 3, 17, 100, 263, 264, 265, 1000, 5000 };
	const uint8_t *inputs[] = { input_a, input_c, (const uint8_t *)"" };
	const size_t lens[] = { sizeof(input_a) - 1, sizeof(input_c) - 1, 0 };

	for (size_t i = 0; i < 3; i++) {
		size_t len = lens[i];
		for (size_t j = 0; j < sizeof(ts) / sizeof(ts[0]); j++) {
			struct hm_buf proof;
			CHECK_ERR(eval(inputs[i], len, ts[j], &proof), HM_OK);
			CHECK_EQ(proof.len, HM_VDF_PROOF_LEN);
			CHECK_ERR(hm_vdf_verify(inputs[i], len, ts[j], proof.data, proof.len),
			          HM_OK);
			hm_buf_free(&proof);
		}
	}
}

static void test_eval_appends_and_is_deterministic(void)
{
	struct hm_buf p1, p2;

	hm_buf_init(&p1);
	hm_buf_init(&p2);
	CHECK_ERR(hm_buf_append(&p1, "xyz", 3), HM_OK);
	CHECK_ERR(hm_vdf_eval(input_a, sizeof(input_a) - 1, 300, &p1, NULL, NULL), HM_OK);
	CHECK_ERR(hm_vdf_eval(input_a, sizeof(input_a) - 1, 300, &p2, NULL, NULL), HM_OK);
	CHECK_EQ(p1.len, 3 + HM_VDF_PROOF_LEN);
	CHECK_MEM(p1.data, "xyz", 3);
	CHECK_MEM(p1.data + 3, p2.data, HM_VDF_PROOF_LEN);
	hm_buf_free(&p1);
	hm_buf_free(&p2);
}

/* The windowed prover, for many window/pass choices, against long division. */
static void test_windowed_prover_matches_naive(void)
{
	static const uint64_t ts[] = { 1, 5, 64, 263, 300, 777, 2048, 3001 };
	static const unsigned params[][2] = { { 0, 0 }, { 1, 1 }, { 2, 3 },  { 4, 1 },
		                              { 5, 7 }, { 8, 2 }, { 3, 50 }, { 12, 1 } };
	mpz_t disc, l;
	struct hm_cg cg;
	struct hm_form x, y, pi;
	uint8_t want[HM_VDF_FORM_LEN];

	mpz_inits(disc, l, NULL);
	hm_vdf__discriminant(disc, input_a, sizeof(input_a) - 1);
	hm_cg_init(&cg, disc);
	hm_form_init(&x);
	hm_form_init(&y);
	hm_form_init(&pi);
	hm_cg_generator(&cg, &x);
	for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		hm_form_set(&y, &x);
		for (uint64_t s = 0; s < ts[i]; s++)
			hm_cg_square(&cg, &y, &y);
		hm_vdf__challenge(l, disc, &x, &y, ts[i]);
		hm_vdf__prove_naive(&cg, &pi, &x, l, ts[i]);
		hm_vdf__form_encode(want, &pi);
		for (size_t p = 0; p < sizeof(params) / sizeof(params[0]); p++) {
			struct hm_buf proof;
			hm_buf_init(&proof);
			CHECK_ERR(hm_vdf__eval_with(input_a, sizeof(input_a) - 1, ts[i], &proof,
			                            NULL, NULL, params[p][0], params[p][1]),
			          HM_OK);
			if (proof.len == HM_VDF_PROOF_LEN)
				CHECK_MEM(proof.data + HM_VDF_FORM_LEN, want, HM_VDF_FORM_LEN);
			hm_buf_free(&proof);
		}
	}
	hm_form_free(&x);
	hm_form_free(&y);
	hm_form_free(&pi);
	hm_cg_free(&cg);
	mpz_clears(disc, l, NULL);
}

static void test_derivations(void)
{
	mpz_t d1, d2, l, r;
	struct hm_cg cg;
	struct hm_form x;

	mpz_inits(d1, d2, l, r, NULL);
	hm_vdf__discriminant(d1, input_a, sizeof(input_a) - 1);
	hm_vdf__discriminant(d2, input_a, sizeof(input_a) - 1);
	CHECK(mpz_cmp(d1, d2) == 0);
	CHECK_EQ(mpz_sizeinbase(d1, 2), HM_VDF_DISC_BITS);
	CHECK(mpz_sgn(d1) < 0);
	CHECK_EQ(mpz_fdiv_ui(d1, 8), 1);
	mpz_neg(r, d1);
	CHECK(mpz_probab_prime_p(r, 40) != 0);
	hm_vdf__discriminant(d2, input_b, sizeof(input_b) - 1);
	CHECK(mpz_cmp(d1, d2) != 0);
	/* the generator is reduced and of order > 2 */
	hm_cg_init(&cg, d1);
	hm_form_init(&x);
	hm_cg_generator(&cg, &x);
	CHECK(hm_cg_is_reduced(&cg, &x));
	hm_vdf__challenge(l, d1, &x, &x, 10);
	CHECK_EQ(mpz_sizeinbase(l, 2), HM_VDF_CHALLENGE_BITS);
	CHECK(mpz_probab_prime_p(l, 40) != 0);
	hm_vdf__challenge(r, d1, &x, &x, 11);
	CHECK(mpz_cmp(l, r) != 0);
	hm_form_free(&x);
	hm_cg_free(&cg);
	mpz_clears(d1, d2, l, r, NULL);
}

static void test_wrong_statement_refused(void)
{
	struct hm_buf proof, other;
	size_t len = sizeof(input_a) - 1;

	CHECK_ERR(eval(input_a, len, 500, &proof), HM_OK);
	CHECK_ERR(eval(input_a, len, 501, &other), HM_OK);
	CHECK_ERR(hm_vdf_verify(input_a, len, 499, proof.data, proof.len), HM_ERR_VERIFY);
	CHECK_ERR(hm_vdf_verify(input_a, len, 501, proof.data, proof.len), HM_ERR_VERIFY);
	CHECK_ERR(hm_vdf_verify(input_a, len, 1000, proof.data, proof.len), HM_ERR_VERIFY);
	/* another input: its discriminant differs, so the forms do not even decode */
	CHECK_ERR(hm_vdf_verify(input_b, len, 500, proof.data, proof.len), HM_ERR_INVALID);
	/* y of T+1 with pi of T, and the reverse */
	uint8_t mix[HM_VDF_PROOF_LEN];
	memcpy(mix, other.data, HM_VDF_FORM_LEN);
	memcpy(mix + HM_VDF_FORM_LEN, proof.data + HM_VDF_FORM_LEN, HM_VDF_FORM_LEN);
	CHECK_ERR(hm_vdf_verify(input_a, len, 500, mix, sizeof(mix)), HM_ERR_VERIFY);
	CHECK_ERR(hm_vdf_verify(input_a, len, 501, mix, sizeof(mix)), HM_ERR_VERIFY);
	/* y = pi: both valid forms, wrong */
	memcpy(mix, proof.data + HM_VDF_FORM_LEN, HM_VDF_FORM_LEN);
	CHECK_ERR(hm_vdf_verify(input_a, len, 500, mix, sizeof(mix)), HM_ERR_VERIFY);
	hm_buf_free(&proof);
	hm_buf_free(&other);
}

/* Replaces one form of the proof (0: y, 1: pi) by f. */
static void put_form(uint8_t *proof, int which, const struct hm_form *f)
{
	hm_vdf__form_encode(proof + which * HM_VDF_FORM_LEN, f);
}

static void test_wrong_forms_refused(void)
{
	struct hm_buf proof;
	size_t len = sizeof(input_a) - 1;
	uint8_t p[HM_VDF_PROOF_LEN];
	mpz_t disc;
	struct hm_cg cg;
	struct hm_form f, g;

	/* T > 264, so that the honest pi is not the identity */
	CHECK_ERR(eval(input_a, len, 600, &proof), HM_OK);
	mpz_init(disc);
	hm_vdf__discriminant(disc, input_a, len);
	hm_cg_init(&cg, disc);
	hm_form_init(&f);
	hm_form_init(&g);
	for (int which = 0; which < 2; which++) {
		memcpy(p, proof.data, sizeof(p));
		CHECK_ERR(hm_vdf__form_decode(&cg, &g, p + which * HM_VDF_FORM_LEN), HM_OK);

		/* valid other group elements: the generator, the identity, y^-1, y^2 */
		hm_cg_generator(&cg, &f);
		put_form(p, which, &f);
		CHECK_ERR(hm_vdf_verify(input_a, len, 600, p, sizeof(p)), HM_ERR_VERIFY);
		hm_cg_identity(&cg, &f);
		put_form(p, which, &f);
		CHECK_ERR(hm_vdf_verify(input_a, len, 600, p, sizeof(p)), HM_ERR_VERIFY);
		hm_cg_inverse(&cg, &f, &g);
		put_form(p, which, &f);
		CHECK_ERR(hm_vdf_verify(input_a, len, 600, p, sizeof(p)), HM_ERR_VERIFY);
		hm_cg_square(&cg, &f, &g);
		put_form(p, which, &f);
		CHECK_ERR(hm_vdf_verify(input_a, len, 600, p, sizeof(p)), HM_ERR_VERIFY);

		/* wrong discriminant: b + 2 keeps parity but changes b^2 - 4ac */
		hm_form_set(&f, &g);
		mpz_add_ui(f.b, f.b, 2);
		if (mpz_cmpabs(f.b, f.a) > 0)
			mpz_sub_ui(f.b, f.b, 4);
		put_form(p, which, &f);
		CHECK_ERR(hm_vdf_verify(input_a, len, 600, p, sizeof(p)), HM_ERR_INVALID);

		/* not reduced but of the right discriminant: (a, b + 2a, ...) is the same class */
		hm_form_set(&f, &g);
		mpz_set_ui(f.a, 1);
		mpz_set_si(f.b, -1); /* (1, -1, c): the identity written the wrong way */
		put_form(p, which, &f);
		CHECK_ERR(hm_vdf_verify(input_a, len, 600, p, sizeof(p)), HM_ERR_INVALID);

		/* a = 0 */
		memcpy(p, proof.data, sizeof(p));
		memset(p + which * HM_VDF_FORM_LEN, 0, HM_VDF_FORM_INT_LEN);
		CHECK_ERR(hm_vdf_verify(input_a, len, 600, p, sizeof(p)), HM_ERR_INVALID);
		/* all zero */
		memset(p + which * HM_VDF_FORM_LEN, 0, HM_VDF_FORM_LEN);
		CHECK_ERR(hm_vdf_verify(input_a, len, 600, p, sizeof(p)), HM_ERR_INVALID);

		/* sign byte 2, and "-0" */
		memcpy(p, proof.data, sizeof(p));
		p[which * HM_VDF_FORM_LEN + HM_VDF_FORM_INT_LEN] = 2;
		CHECK_ERR(hm_vdf_verify(input_a, len, 600, p, sizeof(p)), HM_ERR_INVALID);
		/* the sign of b flipped: the inverse element, or a non-reduced form */
		memcpy(p, proof.data, sizeof(p));
		p[which * HM_VDF_FORM_LEN + HM_VDF_FORM_INT_LEN] ^= 1;
		CHECK(hm_vdf_verify(input_a, len, 600, p, sizeof(p)) != HM_OK);
	}
	hm_form_free(&f);
	hm_form_free(&g);
	hm_cg_free(&cg);
	mpz_clear(disc);
	hm_buf_free(&proof);
}

/* A form whose a is larger than any reduced form's: refused, not a crash or overflow. */
static void test_oversized_and_negative_zero(void)
{
	uint8_t p[HM_VDF_PROOF_LEN];
	struct hm_buf proof;
	size_t len = sizeof(input_a) - 1;

	CHECK_ERR(eval(input_a, len, 50, &proof), HM_OK);
	memcpy(p, proof.data, sizeof(p));
	memset(p, 0xff, HM_VDF_FORM_INT_LEN);
	CHECK_ERR(hm_vdf_verify(input_a, len, 50, p, sizeof(p)), HM_ERR_INVALID);
	/* b = 0 with the negative sign */
	memcpy(p, proof.data, sizeof(p));
	p[HM_VDF_FORM_INT_LEN] = 1;
	memset(p + HM_VDF_FORM_INT_LEN + 1, 0, HM_VDF_FORM_INT_LEN);
	CHECK_ERR(hm_vdf_verify(input_a, len, 50, p, sizeof(p)), HM_ERR_INVALID);
	hm_buf_free(&proof);
}

static void test_every_byte_tampered(void)
{
	struct hm_buf proof;
	size_t len = sizeof(input_b) - 1;
	uint8_t p[HM_VDF_PROOF_LEN];

	CHECK_ERR(eval(input_b, len, 40, &proof), HM_OK);
	for (size_t i = 0; i < HM_VDF_PROOF_LEN; i++) {
		for (int bit = (int)(i % 8); bit == (int)(i % 8); bit++) {
			memcpy(p, proof.data, sizeof(p));
			p[i] ^= (uint8_t)(1u << bit);
			int rc = hm_vdf_verify(input_b, len, 40, p, sizeof(p));
			if (rc == HM_OK)
				fprintf(stderr, "tampered byte %zu bit %d accepted\n", i, bit);
			CHECK(rc == HM_ERR_VERIFY || rc == HM_ERR_INVALID);
		}
	}
	hm_buf_free(&proof);
}

static void test_length_errors(void)
{
	struct hm_buf proof;
	size_t len = sizeof(input_a) - 1;
	uint8_t out[32], out2[32];

	CHECK_ERR(eval(input_a, len, 30, &proof), HM_OK);
	CHECK_ERR(hm_buf_append_byte(&proof, 0), HM_OK);
	CHECK_ERR(hm_vdf_verify(input_a, len, 30, proof.data, proof.len), HM_ERR_TRAILING);
	CHECK_ERR(hm_vdf_output(proof.data, proof.len, out), HM_ERR_TRAILING);
	for (size_t n = 0; n < HM_VDF_PROOF_LEN; n += 37) {
		CHECK_ERR(hm_vdf_verify(input_a, len, 30, proof.data, n), HM_ERR_TRUNCATED);
		CHECK_ERR(hm_vdf_output(proof.data, n, out), HM_ERR_TRUNCATED);
	}
	CHECK_ERR(hm_vdf_verify(input_a, len, 30, proof.data, HM_VDF_PROOF_LEN - 1),
	          HM_ERR_TRUNCATED);
	CHECK_ERR(hm_vdf_verify(input_a, len, 30, proof.data, HM_VDF_PROOF_LEN), HM_OK);

	/* output: a digest of y only, stable, and refuses a malformed y */
	CHECK_ERR(hm_vdf_output(proof.data, HM_VDF_PROOF_LEN, out), HM_OK);
	CHECK_ERR(hm_vdf_output(proof.data, HM_VDF_PROOF_LEN, out2), HM_OK);
	CHECK_MEM(out, out2, 32);
	proof.data[HM_VDF_PROOF_LEN - 1] ^= 1; /* pi changes: output does not */
	CHECK_ERR(hm_vdf_output(proof.data, HM_VDF_PROOF_LEN, out2), HM_OK);
	CHECK_MEM(out, out2, 32);
	proof.data[HM_VDF_FORM_LEN - 1] ^= 1; /* y changes: output does */
	CHECK_ERR(hm_vdf_output(proof.data, HM_VDF_PROOF_LEN, out2), HM_OK);
	CHECK(memcmp(out, out2, 32) != 0);
	proof.data[HM_VDF_FORM_INT_LEN] = 7;
	CHECK_ERR(hm_vdf_output(proof.data, HM_VDF_PROOF_LEN, out2), HM_ERR_INVALID);
	memset(proof.data, 0, HM_VDF_FORM_LEN);
	CHECK_ERR(hm_vdf_output(proof.data, HM_VDF_PROOF_LEN, out2), HM_ERR_INVALID);
	CHECK_ERR(hm_vdf_output(NULL, HM_VDF_PROOF_LEN, out2), HM_ERR_INVALID);
	hm_buf_free(&proof);
}

static void test_argument_errors(void)
{
	struct hm_buf proof;
	uint8_t p[HM_VDF_PROOF_LEN] = { 0 };
	static uint8_t big[HM_VDF_INPUT_MAX + 1];

	hm_buf_init(&proof);
	CHECK_ERR(hm_vdf_eval(input_a, 3, 0, &proof, NULL, NULL), HM_ERR_INVALID);
	CHECK_ERR(hm_vdf_eval(input_a, 3, HM_VDF_ITERATIONS_MAX + 1, &proof, NULL, NULL),
	          HM_ERR_INVALID);
	CHECK_ERR(hm_vdf_eval(NULL, 3, 10, &proof, NULL, NULL), HM_ERR_INVALID);
	CHECK_ERR(hm_vdf_eval(input_a, 3, 10, NULL, NULL, NULL), HM_ERR_INVALID);
	CHECK_ERR(hm_vdf_eval(big, sizeof(big), 10, &proof, NULL, NULL), HM_ERR_TOO_LARGE);
	CHECK_EQ(proof.len, 0);
	CHECK_ERR(hm_vdf_verify(input_a, 3, 0, p, sizeof(p)), HM_ERR_INVALID);
	CHECK_ERR(hm_vdf_verify(input_a, 3, UINT64_MAX, p, sizeof(p)), HM_ERR_INVALID);
	CHECK_ERR(hm_vdf_verify(NULL, 3, 10, p, sizeof(p)), HM_ERR_INVALID);
	CHECK_ERR(hm_vdf_verify(input_a, 3, 10, NULL, sizeof(p)), HM_ERR_INVALID);
	CHECK_ERR(hm_vdf_verify(big, sizeof(big), 10, p, sizeof(p)), HM_ERR_TOO_LARGE);
	/* the largest input is accepted */
	CHECK_ERR(hm_vdf_eval(big, HM_VDF_INPUT_MAX, 3, &proof, NULL, NULL), HM_OK);
	CHECK_ERR(hm_vdf_verify(big, HM_VDF_INPUT_MAX, 3, proof.data, proof.len), HM_OK);
	hm_buf_free(&proof);
}

struct progress_log {
	uint64_t calls, last_done, total;
	int monotonic;
};

static void on_progress(void *arg, uint64_t done, uint64_t total)
{
	struct progress_log *log = arg;

	if (done < log->last_done)
		log->monotonic = 0;
	log->calls++;
	log->last_done = done;
	log->total = total;
}

static void test_progress(void)
{
	struct hm_buf proof;
	struct progress_log log = { 0, 0, 0, 1 };

	hm_buf_init(&proof);
	CHECK_ERR(hm_vdf_eval(input_a, 3, 140000, &proof, on_progress, &log), HM_OK);
	CHECK_EQ(log.calls, 3); /* at 65536, 131072 and the end */
	CHECK_EQ(log.last_done, 140000);
	CHECK_EQ(log.total, 140000);
	CHECK(log.monotonic);
	CHECK_ERR(hm_vdf_verify(input_a, 3, 140000, proof.data, proof.len), HM_OK);
	hm_buf_free(&proof);
}

TEST_MAIN(test_honest_proofs_verify, test_eval_appends_and_is_deterministic,
          test_windowed_prover_matches_naive, test_derivations, test_wrong_statement_refused,
          test_wrong_forms_refused, test_oversized_and_negative_zero, test_every_byte_tampered,
          test_length_errors, test_argument_errors, test_progress)
