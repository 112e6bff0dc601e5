/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Known-answer tests: runners that take a vector document in a public format
 * (NIST ACVP JSON, Wycheproof JSON, NIST PQC .rsp, ...) and check every case
 * it holds against our implementations. They never assume a count or a test
 * id: whatever cases the document has are run.
 *
 * `hypermesh crypto selftest FILE...` and the vector tests both go through
 * hm_kat_run_files(), which picks the runner from each file's content.
 */
#ifndef HYPERMESH_KAT_H
#define HYPERMESH_KAT_H

#include <stdio.h>

#include <jansson.h>

struct hm_kat_tally {
	unsigned passed;
	unsigned failed;
	unsigned skipped; /* cases in a recognised file that this build cannot run */
};

/*
 * A JSON runner. It returns HM_ERR_UNSUPPORTED, touching nothing, when doc
 * is not a format it understands (so the dispatcher can try the next runner).
 * Otherwise it runs every case, adds each outcome to *tally, prints one line
 * per failed case to log ("tcId 17: decaps mismatch"), and returns HM_OK;
 * a malformed case (missing field, bad hex) counts as failed, not as an error.
 */
typedef int (*hm_kat_json_runner)(const json_t *doc, struct hm_kat_tally *tally, FILE *log);

int hm_kat_ed25519_json(const json_t *doc, struct hm_kat_tally *tally, FILE *log);
int hm_kat_x25519_json(const json_t *doc, struct hm_kat_tally *tally, FILE *log);
int hm_kat_sha3_json(const json_t *doc, struct hm_kat_tally *tally, FILE *log);
int hm_kat_mlkem_json(const json_t *doc, struct hm_kat_tally *tally, FILE *log);
int hm_kat_mldsa_json(const json_t *doc, struct hm_kat_tally *tally, FILE *log);

/*
 * The ML-DSA sigGen vectors come as two documents, the ACVP prompt (inputs)
 * and expectedResults (outputs), joined on tcId. Returns HM_ERR_UNSUPPORTED if
 * the pair is not that.
 */
int hm_kat_mldsa_siggen_pair(const json_t *prompt, const json_t *expected,
                             struct hm_kat_tally *tally, FILE *log);

/*
 * A NIST PQC KAT .rsp text file (count/seed/mlen/msg/pk/sk/smlen/sm blocks).
 * Returns HM_ERR_UNSUPPORTED if text is not one or names no algorithm we have.
 */
int hm_kat_falcon_rsp(const char *text, size_t len, struct hm_kat_tally *tally, FILE *log);

/*
 * Built-in known answers, run by `hypermesh crypto selftest` with no
 * arguments, like a FIPS power-on self test: a few embedded vectors per
 * algorithm, each a full keygen/sign/verify or encaps/decaps round.
 */
typedef int (*hm_kat_builtin_fn)(struct hm_kat_tally *tally, FILE *log);

struct hm_kat_builtin {
	const char *name;
	hm_kat_builtin_fn run;
};

int hm_kat_builtin_ed25519(struct hm_kat_tally *tally, FILE *log);
int hm_kat_builtin_sha3(struct hm_kat_tally *tally, FILE *log);
int hm_kat_builtin_mlkem(struct hm_kat_tally *tally, FILE *log);
int hm_kat_builtin_mldsa(struct hm_kat_tally *tally, FILE *log);
int hm_kat_builtin_falcon(struct hm_kat_tally *tally, FILE *log);

/*
 * Runs each path, printing "PATH: N passed, M failed" per file to out (and
 * failures to out as they happen). Returns HM_OK if every file was recognised
 * and had no failed case, HM_ERR_VERIFY if some case failed, HM_ERR_UNSUPPORTED
 * if a file's format was not recognised, or the I/O error for an unreadable
 * file. The ML-DSA sigGen prompt + expectedResults pair is recognised when
 * both files are among the paths.
 */
int hm_kat_run_files(char *const *paths, int npaths, FILE *out);

/* Runs every built-in known answer; same return convention. */
int hm_kat_run_builtin(FILE *out);

#endif
