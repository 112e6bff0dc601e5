/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the known-answer runners (private to src/kat). */
#ifndef HYPERMESH_KAT_INTERNAL_H
#define HYPERMESH_KAT_INTERNAL_H

#include <jansson.h>

#include "hypermesh/buf.h"
#include "hypermesh/kat.h"

/*
 * Decodes the hex string member `key` of obj into out (replacing its
 * contents). Returns HM_OK, HM_ERR_NOT_FOUND if missing or not a string,
 * HM_ERR_ENCODING for bad hex, HM_ERR_NOMEM.
 */
int kat_hex_field(const json_t *obj, const char *key, struct hm_buf *out);

/* The string member key of obj, or NULL. */
const char *kat_str_field(const json_t *obj, const char *key);

/* The tcId member of a test case, or -1 if it has none. */
long long kat_tc_id(const json_t *tc);

enum kat_outcome { KAT_PASS, KAT_FAIL, KAT_SKIP };

/* Counts one case outcome in the tally. */
void kat_tally_add(struct hm_kat_tally *tally, enum kat_outcome outcome);

/* Records one case outcome; on failure prints "  tcId N: why" to log. */
void kat_record(struct hm_kat_tally *tally, FILE *log, long long tc_id, int ok, const char *why);

#endif
