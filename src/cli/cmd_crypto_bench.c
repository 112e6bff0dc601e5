/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hypermesh crypto bench`: median cycles and operations per second for every
 * key-generation, encapsulation/signing and decapsulation/verification
 * operation this build has. Cycles come from the time-stamp counter on x86-64
 * (rdtsc; on this class of KVM guest it ticks at the nominal frequency),
 * elsewhere they are not reported. Medians over many runs, because the
 * machines here are shared and noisy. ML-KEM, the hybrid KEM and ML-DSA run
 * once per implementation this CPU has (portable, AVX2; see
 * hypermesh/crypto_impl.h), side by side with the reference figures
 * where there are some. --only SUBSTR limits the rows to algorithms whose
 * name contains SUBSTR; --portable skips the AVX2 rows.
 */
#define _GNU_SOURCE /* getopt_long */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_args.h"
#include "hypermesh/clock.h"
#include "hypermesh/crypto_impl.h"
#include "hypermesh/error.h"
#include "hypermesh/hybrid_kem.h"
#include "hypermesh/mlkem.h"
#include "hypermesh/random.h"
#include "hypermesh/sig.h"
#include "hypermesh/x25519.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_TSC 1
static uint64_t cycles(void)
{
	return __rdtsc();
}
#else
#define HAVE_TSC 0
static uint64_t cycles(void)
{
	return 0;
}
#endif

struct sample {
	uint64_t cycles;
	uint64_t ns;
};

static int by_cycles(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;
	uint64_t ka = HAVE_TSC ? x->cycles : x->ns, kb = HAVE_TSC ? y->cycles : y->ns;
	return (ka > kb) - (ka < kb);
}

/* One operation under test; returns an hm error code. */
typedef int (*bench_op)(void *state);

struct bench_ctx {
	FILE *out;
	int json;
	int first;
	unsigned runs;
	const char *only;  /* --only: run the algorithms whose name contains this, or NULL */
	int portable_only; /* --portable */
	const char *impl;  /* the kernels measured ("portable", "avx2"), or "-" if none apply */
};

/*
 * The reference figures (pq-crystals reference C and AVX2, this class
 * of machine, gcc 12), shown beside our medians; 0 where there is none.
 */
struct reference {
	const char *alg, *op;
	unsigned long ref_c, ref_avx2;
};

static const struct reference references[] = {
	{ "ml-kem-1024", "keygen", 348000, 75000 }, { "ml-kem-1024", "encaps", 381000, 73000 },
	{ "ml-kem-1024", "decaps", 465000, 83000 }, { "ml-dsa-87", "keygen", 829000, 232000 },
	{ "ml-dsa-87", "sign", 2220000, 371000 },   { "ml-dsa-87", "verify", 926000, 194000 },
};

static const struct reference *find_reference(const char *alg, const char *op)
{
	for (size_t i = 0; i < sizeof(references) / sizeof(references[0]); i++)
		if (strcmp(references[i].alg, alg) == 0 && strcmp(references[i].op, op) == 0)
			return &references[i];
	return NULL;
}

static void report(struct bench_ctx *c, const char *alg, const char *op, struct sample *s,
                   unsigned n)
{
	struct sample med;
	const struct reference *ref = find_reference(alg, op);
	char ref_c[16] = "", ref_avx2[16] = "";

	qsort(s, n, sizeof(*s), by_cycles);
	med = s[n / 2];
	if (ref != NULL) {
		snprintf(ref_c, sizeof(ref_c), "%lu", ref->ref_c);
		snprintf(ref_avx2, sizeof(ref_avx2), "%lu", ref->ref_avx2);
	}
	if (c->json) {
		fprintf(c->out,
		        "%s\n    {\"algorithm\": \"%s\", \"implementation\": \"%s\", "
		        "\"operation\": \"%s\", ",
		        c->first ? "" : ",", alg, c->impl, op);
		if (HAVE_TSC)
			fprintf(c->out, "\"median_cycles\": %llu, ",
			        (unsigned long long)med.cycles);
		if (ref != NULL)
			fprintf(c->out,
			        "\"reference_c_cycles\": %lu, \"reference_avx2_cycles\": %lu, ",
			        ref->ref_c, ref->ref_avx2);
		fprintf(c->out, "\"median_ns\": %llu, \"ops_per_sec\": %.1f, \"runs\": %u}",
		        (unsigned long long)med.ns, med.ns ? 1e9 / (double)med.ns : 0.0, n);
	} else {
		fprintf(c->out, "| %-12s | %-8s | %-8s | %12llu | %12.1f | %12.1f | %8s | %8s |\n",
		        alg, c->impl, op, (unsigned long long)med.cycles, (double)med.ns / 1000.0,
		        med.ns ? 1e9 / (double)med.ns : 0.0, ref_c, ref_avx2);
	}
	c->first = 0;
}

/*
 * Runs op c->runs times (after one warm-up) and reports the median. Returns
 * HM_ERR_UNSUPPORTED without reporting if the operation is not built.
 */
static int measure(struct bench_ctx *c, const char *alg, const char *name, bench_op op, void *st)
{
	struct sample *s = calloc(c->runs, sizeof(*s));
	int rc = HM_OK;

	if (c->only != NULL && strstr(alg, c->only) == NULL) {
		/* Still run once: later operations need its output (keys, ciphertexts). */
		rc = op(st);
		free(s);
		return rc;
	}
	if (s == NULL)
		return HM_ERR_NOMEM;
	rc = op(st);
	for (unsigned i = 0; rc == HM_OK && i < c->runs; i++) {
		uint64_t t0 = hm_clock_mono_ns(), c0 = cycles();
		rc = op(st);
		s[i].cycles = cycles() - c0;
		s[i].ns = hm_clock_mono_ns() - t0;
	}
	if (rc == HM_OK)
		report(c, alg, name, s, c->runs);
	free(s);
	return rc;
}

/* ---- KEMs ---- */

struct kem_state {
	enum hm_mlkem_param param;
	uint8_t ek[HM_MLKEM_EK_MAX], dk[HM_MLKEM_DK_MAX], ct[HM_MLKEM_CT_MAX], k[32];
};

static int mlkem_keygen_op(void *p)
{
	struct kem_state *s = p;
	return hm_mlkem_keygen(s->param, s->ek, s->dk);
}

static int mlkem_encaps_op(void *p)
{
	struct kem_state *s = p;
	return hm_mlkem_encaps(s->param, s->ct, s->k, s->ek, hm_mlkem_ek_len(s->param));
}

static int mlkem_decaps_op(void *p)
{
	struct kem_state *s = p;
	return hm_mlkem_decaps(s->param, s->k, s->dk, hm_mlkem_dk_len(s->param), s->ct,
	                       hm_mlkem_ct_len(s->param));
}

struct hybrid_state {
	uint8_t pk[HM_HYBRID_KEM_PK_LEN], sk[HM_HYBRID_KEM_SK_LEN], ct[HM_HYBRID_KEM_CT_LEN];
	uint8_t ss[HM_HYBRID_KEM_SS_LEN];
};

static int hybrid_keygen_op(void *p)
{
	struct hybrid_state *s = p;
	return hm_hybrid_kem_keygen(s->pk, s->sk);
}

static int hybrid_encaps_op(void *p)
{
	struct hybrid_state *s = p;
	return hm_hybrid_kem_encaps(s->ct, s->ss, s->pk);
}

static int hybrid_decaps_op(void *p)
{
	struct hybrid_state *s = p;
	return hm_hybrid_kem_decaps(s->ss, s->sk, s->ct);
}

struct x25519_state {
	uint8_t pk[32], sk[32], peer[32], out[32];
};

static int x25519_keygen_op(void *p)
{
	struct x25519_state *s = p;
	return hm_x25519_keygen(s->pk, s->sk);
}

static int x25519_dh_op(void *p)
{
	struct x25519_state *s = p;
	(void)hm_x25519(s->out, s->sk, s->peer);
	return HM_OK;
}

/* ---- signatures, through the one signature API ---- */

struct sig_state {
	enum hm_sig_alg alg;
	const struct hm_sig_info *info;
	uint8_t pk[HM_SIG_PK_MAX], sk[HM_SIG_SK_MAX], sig[HM_SIG_SIG_MAX];
	size_t sig_len;
	uint8_t msg[32];
};

static int sig_keygen_op(void *p)
{
	struct sig_state *s = p;
	return hm_sig_keygen(s->alg, s->pk, sizeof(s->pk), s->sk, sizeof(s->sk));
}

static int sig_sign_op(void *p)
{
	struct sig_state *s = p;
	return hm_sig_sign(s->alg, s->sig, sizeof(s->sig), &s->sig_len, s->sk, s->info->sk_len,
	                   s->msg, sizeof(s->msg));
}

static int sig_verify_op(void *p)
{
	struct sig_state *s = p;
	return hm_sig_verify(s->alg, s->pk, s->info->pk_len, s->sig, s->sig_len, s->msg,
	                     sizeof(s->msg));
}

/*
 * Switches to implementation impl (0 portable, 1 AVX2) for the next rows;
 * HM_ERR_UNSUPPORTED if this CPU or build lacks it, or if --portable.
 */
static int select_impl(struct bench_ctx *c, unsigned impl)
{
	enum hm_crypto_impl which = impl ? HM_CRYPTO_IMPL_AVX2 : HM_CRYPTO_IMPL_PORTABLE;

	if (c->portable_only && which != HM_CRYPTO_IMPL_PORTABLE)
		return HM_ERR_UNSUPPORTED;
	if (hm_crypto_impl_select(which) != HM_OK)
		return HM_ERR_UNSUPPORTED;
	c->impl = hm_crypto_impl_name(which);
	return HM_OK;
}

static int run_all(struct bench_ctx *c)
{
	static const enum hm_mlkem_param kems[] = { HM_MLKEM_512, HM_MLKEM_768, HM_MLKEM_1024 };
	static const enum hm_sig_alg sigs[] = {
		HM_SIG_ED25519, HM_SIG_MLDSA44,   HM_SIG_MLDSA65,
		HM_SIG_MLDSA87, HM_SIG_FALCON512, HM_SIG_FALCON1024
	};
	static struct kem_state kem;
	static struct hybrid_state hy;
	static struct x25519_state xs;
	static struct sig_state ss;
	char name[32];
	int rc;

	for (size_t i = 0; i < sizeof(kems) / sizeof(kems[0]); i++) {
		kem.param = kems[i];
		snprintf(name, sizeof(name), "ml-kem-%d", (int)kems[i]);
		for (unsigned impl = 0; impl < 2; impl++) {
			if (select_impl(c, impl) != HM_OK)
				continue;
			if ((rc = measure(c, name, "keygen", mlkem_keygen_op, &kem)) != HM_OK ||
			    (rc = measure(c, name, "encaps", mlkem_encaps_op, &kem)) != HM_OK ||
			    (rc = measure(c, name, "decaps", mlkem_decaps_op, &kem)) != HM_OK)
				return rc;
		}
	}
	c->impl = "-";
	if ((rc = measure(c, "x25519", "keygen", x25519_keygen_op, &xs)) != HM_OK)
		return rc;
	memcpy(xs.peer, xs.pk, sizeof(xs.pk));
	if ((rc = measure(c, "x25519", "dh", x25519_dh_op, &xs)) != HM_OK)
		return rc;
	for (unsigned impl = 0; impl < 2; impl++) {
		if (select_impl(c, impl) != HM_OK)
			continue;
		if ((rc = measure(c, "hybrid-kem", "keygen", hybrid_keygen_op, &hy)) != HM_OK ||
		    (rc = measure(c, "hybrid-kem", "encaps", hybrid_encaps_op, &hy)) != HM_OK ||
		    (rc = measure(c, "hybrid-kem", "decaps", hybrid_decaps_op, &hy)) != HM_OK)
			return rc;
	}

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		/* Only ML-DSA runs the kernels of hypermesh/crypto_impl.h. */
		int pq = sigs[i] == HM_SIG_MLDSA44 || sigs[i] == HM_SIG_MLDSA65 ||
		         sigs[i] == HM_SIG_MLDSA87;

		ss.alg = sigs[i];
		ss.info = hm_sig_info(sigs[i]);
		for (unsigned impl = 0; impl < (pq ? 2u : 1u); impl++) {
			if (!pq)
				c->impl = "-";
			else if (select_impl(c, impl) != HM_OK)
				continue;
			rc = measure(c, ss.info->name, "keygen", sig_keygen_op, &ss);
			if (rc == HM_ERR_UNSUPPORTED) {
				fprintf(stderr,
				        "hypermesh: crypto: %s is not supported by this build, "
				        "skipped\n",
				        ss.info->name);
				break;
			}
			if (rc != HM_OK ||
			    (rc = measure(c, ss.info->name, "sign", sig_sign_op, &ss)) != HM_OK ||
			    (rc = measure(c, ss.info->name, "verify", sig_verify_op, &ss)) != HM_OK)
				return rc;
		}
	}
	return HM_OK;
}

int cli_crypto_bench(const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "runs", required_argument, NULL, 'n' },
		{ "only", required_argument, NULL, 'o' },
		{ "portable", no_argument, NULL, 'p' },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct bench_ctx c = { .out = stdout, .first = 1, .runs = 201, .impl = "-" };
	enum hm_crypto_impl was = hm_crypto_impl_active();
	int opt, stop = 0, rc;
	uint64_t runs;

	while ((opt = getopt_long(argc, argv, ":jn:o:p" CLI_COMMON_SHORT_OPTIONS, options, NULL)) !=
	       -1) {
		switch (opt) {
		case 'j':
			c.json = 1;
			break;
		case 'n':
			if (cli_option_number(cmd, "--runs", optarg, 1, 1000000, &runs) != CLI_OK)
				return CLI_USAGE;
			c.runs = (unsigned)runs;
			break;
		case 'o':
			c.only = optarg;
			break;
		case 'p':
			c.portable_only = 1;
			break;
		default:
			if ((rc = cli_other_option(cmd, opt, argv, &stop)) >= 0)
				return rc;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);

	if (c.json)
		fprintf(c.out, "{\n  \"cycles_source\": \"%s\",\n  \"results\": [",
		        HAVE_TSC ? "rdtsc" : "none");
	else
		fprintf(c.out,
		        "median of %u runs; cycles from %s\n\n"
		        "| algorithm    | impl     | op       | median cycles | median us | ops/s "
		        "| ref C | ref AVX2 |\n"
		        "|---|---|---|---:|---:|---:|---:|---:|\n",
		        c.runs, HAVE_TSC ? "rdtsc" : "(unavailable)");
	rc = run_all(&c);
	(void)hm_crypto_impl_select(was);
	if (c.json)
		fprintf(c.out, "\n  ]\n}\n");
	if (rc != HM_OK) {
		cli_error(cmd, "benchmark failed: %s", hm_strerror(rc));
		return CLI_FAILURE;
	}
	return CLI_OK;
}
