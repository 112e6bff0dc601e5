/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "kat_internal.h"

const char *kat_str_field(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

int kat_hex_field(const json_t *obj, const char *key, struct hm_buf *out)
{
	const json_t *v = json_object_get(obj, key);
	size_t len, n;
	int rc;

	if (!json_is_string(v))
		return HM_ERR_NOT_FOUND;
	len = json_string_length(v);
	hm_buf_truncate(out, 0);
	rc = hm_buf_reserve(out, len / 2 + 1);
	if (rc != HM_OK)
		return rc;
	rc = hm_hex_decode(out->data, out->cap, &n, json_string_value(v), len);
	if (rc == HM_OK)
		out->len = n;
	return rc;
}

void kat_record(struct hm_kat_tally *tally, FILE *log, long long tc_id, int ok, const char *why)
{
	if (ok) {
		tally->passed++;
		return;
	}
	tally->failed++;
	if (log != NULL)
		fprintf(log, "  tcId %lld: %s\n", tc_id, why);
}

long long kat_tc_id(const json_t *tc)
{
	const json_t *id = json_object_get(tc, "tcId");

	return json_is_integer(id) ? (long long)json_integer_value(id) : -1;
}

void kat_tally_add(struct hm_kat_tally *tally, enum kat_outcome outcome)
{
	if (outcome == KAT_PASS)
		tally->passed++;
	else if (outcome == KAT_FAIL)
		tally->failed++;
	else
		tally->skipped++;
}
