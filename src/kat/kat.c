/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dispatcher: reads each vector file, recognises its format from its
 * content (never its name) and hands it to the runner that owns the format.
 */
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/file.h"
#include "kat_internal.h"

/* Vector files are at most a few MB; this bounds a hostile or mistaken input. */
#define KAT_FILE_MAX ((size_t)256 << 20)

/* Tried in order; each declines (HM_ERR_UNSUPPORTED) documents it does not own. */
static const hm_kat_json_runner json_runners[] = {
	hm_kat_ed25519_json, hm_kat_x25519_json, hm_kat_sha3_json,
	hm_kat_mlkem_json,   hm_kat_mldsa_json,
};

static const struct hm_kat_builtin builtins[] = {
	{ "ed25519", hm_kat_builtin_ed25519 }, { "sha3", hm_kat_builtin_sha3 },
	{ "ml-kem", hm_kat_builtin_mlkem },    { "ml-dsa", hm_kat_builtin_mldsa },
	{ "falcon", hm_kat_builtin_falcon },
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void print_tally(FILE *out, const char *label, const struct hm_kat_tally *t)
{
	fprintf(out, "%s: %u passed, %u failed", label, t->passed, t->failed);
	if (t->skipped)
		fprintf(out, ", %u skipped", t->skipped);
	fputc('\n', out);
}

static void add_tally(struct hm_kat_tally *sum, const struct hm_kat_tally *t)
{
	sum->passed += t->passed;
	sum->failed += t->failed;
	sum->skipped += t->skipped;
}

/* The ML-DSA sigGen halves: 1 = prompt, 2 = expectedResults, 0 = neither. */
static int siggen_half(const json_t *doc)
{
	const char *alg = kat_str_field(doc, "algorithm");
	const char *mode = kat_str_field(doc, "mode");
	const json_t *group = json_array_get(json_object_get(doc, "testGroups"), 0);
	const json_t *test = json_array_get(json_object_get(group, "tests"), 0);

	if (alg == NULL || mode == NULL || strcmp(alg, "ML-DSA") != 0 ||
	    strcmp(mode, "sigGen") != 0 || test == NULL)
		return 0;
	return json_object_get(test, "signature") != NULL ? 2 : 1;
}

static int run_json(const json_t *doc, struct hm_kat_tally *t, FILE *out)
{
	for (size_t i = 0; i < ARRAY_LEN(json_runners); i++) {
		int rc = json_runners[i](doc, t, out);
		if (rc != HM_ERR_UNSUPPORTED)
			return rc;
	}
	return HM_ERR_UNSUPPORTED;
}

/* Text formats: NIST PQC KAT .rsp files (Falcon). */
static int run_text(const char *text, size_t len, struct hm_kat_tally *t, FILE *out)
{
	return hm_kat_falcon_rsp(text, len, t, out);
}

/*
 * Folds one file's outcome into the overall result: any error is kept over
 * success, and an error about the input (unreadable, unrecognised) over a
 * mere failed case, since it means some cases did not run at all.
 */
static int worse(int so_far, int rc)
{
	if (rc == HM_OK)
		return so_far;
	if (so_far == HM_OK || so_far == HM_ERR_VERIFY)
		return rc;
	return so_far;
}

int hm_kat_run_files(char *const *paths, int npaths, FILE *out)
{
	struct hm_kat_tally total = { 0 };
	json_t *prompt = NULL, *expected = NULL;
	const char *prompt_path = NULL, *expected_path = NULL;
	int result = HM_OK;

	for (int i = 0; i < npaths; i++) {
		struct hm_kat_tally t = { 0 };
		struct hm_buf raw;
		json_error_t jerr;
		json_t *doc;
		int rc;

		hm_buf_init(&raw);
		rc = hm_file_read(paths[i], KAT_FILE_MAX, &raw);
		if (rc != HM_OK) {
			fprintf(out, "%s: cannot read: %s\n", paths[i], hm_strerror(rc));
			result = worse(result, rc);
			hm_buf_free(&raw);
			continue;
		}
		doc = json_loadb((const char *)raw.data, raw.len, 0, &jerr);
		if (doc != NULL) {
			int half = siggen_half(doc);
			if (half == 1 && prompt == NULL) {
				prompt = doc, prompt_path = paths[i];
				hm_buf_free(&raw);
				continue;
			}
			if (half == 2 && expected == NULL) {
				expected = doc, expected_path = paths[i];
				hm_buf_free(&raw);
				continue;
			}
			rc = half ? HM_ERR_UNSUPPORTED : run_json(doc, &t, out);
			json_decref(doc);
		} else {
			rc = run_text((const char *)raw.data, raw.len, &t, out);
		}
		hm_buf_free(&raw);

		if (rc == HM_ERR_UNSUPPORTED) {
			fprintf(out, "%s: unrecognised vector format\n", paths[i]);
		} else if (rc == HM_OK) {
			print_tally(out, paths[i], &t);
			if (t.failed)
				rc = HM_ERR_VERIFY;
		}
		add_tally(&total, &t);
		result = worse(result, rc);
	}

	if (prompt != NULL || expected != NULL) {
		struct hm_kat_tally t = { 0 };
		int rc = HM_ERR_UNSUPPORTED;

		if (prompt == NULL || expected == NULL)
			fprintf(out, "%s: an ML-DSA sigGen %s needs its %s in the same call\n",
			        prompt ? prompt_path : expected_path,
			        prompt ? "prompt" : "expectedResults",
			        prompt ? "expectedResults" : "prompt");
		else
			rc = hm_kat_mldsa_siggen_pair(prompt, expected, &t, out);
		if (rc == HM_OK) {
			char label[1024];
			snprintf(label, sizeof(label), "%s + %s", prompt_path, expected_path);
			print_tally(out, label, &t);
			if (t.failed)
				rc = HM_ERR_VERIFY;
		}
		add_tally(&total, &t);
		result = worse(result, rc);
		json_decref(prompt);
		json_decref(expected);
	}
	if (npaths > 1)
		print_tally(out, "total", &total);
	return result;
}

int hm_kat_run_builtin(FILE *out)
{
	struct hm_kat_tally total = { 0 };
	int result = HM_OK;

	for (size_t i = 0; i < ARRAY_LEN(builtins); i++) {
		struct hm_kat_tally t = { 0 };
		int rc = builtins[i].run(&t, out);

		if (rc == HM_OK) {
			print_tally(out, builtins[i].name, &t);
			if (t.failed)
				rc = HM_ERR_VERIFY;
		} else {
			fprintf(out, "%s: %s\n", builtins[i].name, hm_strerror(rc));
		}
		add_tally(&total, &t);
		result = worse(result, rc);
	}
	print_tally(out, "total", &total);
	return result;
}
