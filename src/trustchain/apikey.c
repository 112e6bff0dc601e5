/* SPDX-License-Identifier: Apache-2.0 */
/*
 * API keys, roles and the node-local rate limiter. A key is 256 random bits
 * shown once as "hmk_<64 hex>"; state keeps only SHA3-256 of the key, found
 * by its first 16 bytes (the key id) and compared in full in constant time.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/random.h"
#include "hypermesh/secure.h"
#include "hypermesh/sha3.h"
#include "hypermesh/trustchain_state.h"

/* The permission table: rows are roles, columns actions (bit = action number). */
#define A(x) (1u << HM_TC_ACTION_##x)
static const struct {
	enum hm_tc_role role;
	const char *name;
	unsigned allowed;
} roles[] = {
	{ HM_TC_ROLE_ADMIN, "admin",
	  A(ISSUE) | A(REVOKE) | A(GET) | A(CT_READ) | A(KEY_MANAGE) | A(STATUS) },
	{ HM_TC_ROLE_ISSUER, "issuer", A(ISSUE) | A(REVOKE) | A(GET) | A(CT_READ) | A(STATUS) },
	{ HM_TC_ROLE_REQUESTER, "requester", A(ISSUE) | A(GET) | A(CT_READ) | A(STATUS) },
	{ HM_TC_ROLE_AUDITOR, "auditor", A(GET) | A(CT_READ) | A(STATUS) },
};
#undef A

int hm_tc_role_allows(enum hm_tc_role role, enum hm_tc_action action)
{
	if (action < HM_TC_ACTION_ISSUE || action > HM_TC_ACTION_STATUS)
		return 0;
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (roles[i].role == role)
			return (roles[i].allowed >> action) & 1;
	return 0;
}

const char *hm_tc_role_name(enum hm_tc_role role)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (roles[i].role == role)
			return roles[i].name;
	return NULL;
}

int hm_tc_role_from_name(const char *name, enum hm_tc_role *role)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (strcmp(roles[i].name, name) == 0) {
			*role = roles[i].role;
			return HM_OK;
		}
	}
	return HM_ERR_INVALID;
}

int hm_tc_apikey_generate(char text[HM_TC_APIKEY_STRLEN + 1], uint8_t id[HM_TC_KEY_ID_LEN],
                          uint8_t hash[HM_TC_KEY_HASH_LEN])
{
	uint8_t key[32];
	int rc;

	if ((rc = hm_random_bytes(key, sizeof(key))) != HM_OK)
		return rc;
	memcpy(text, "hmk_", 4);
	rc = hm_hex_encode(text + 4, HM_TC_APIKEY_STRLEN - 4 + 1, key, sizeof(key));
	hm_sha3_256(hash, key, sizeof(key));
	memcpy(id, hash, HM_TC_KEY_ID_LEN);
	hm_wipe(key, sizeof(key));
	return rc == HM_OK ? HM_OK : HM_ERR_INVALID;
}

int hm_tc_apikey_parse(const char *text, uint8_t id[HM_TC_KEY_ID_LEN],
                       uint8_t hash[HM_TC_KEY_HASH_LEN])
{
	uint8_t key[32];
	size_t n;

	if (text == NULL)
		return HM_ERR_ENCODING;
	n = strlen(text);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		n--;
	if (n != HM_TC_APIKEY_STRLEN || memcmp(text, "hmk_", 4) != 0 ||
	    hm_hex_decode_exact(key, sizeof(key), text + 4, n - 4) != HM_OK)
		return HM_ERR_ENCODING;
	hm_sha3_256(hash, key, sizeof(key));
	memcpy(id, hash, HM_TC_KEY_ID_LEN);
	hm_wipe(key, sizeof(key));
	return HM_OK;
}

/* ---- token buckets ---- */

struct bucket {
	uint8_t id[HM_TC_KEY_ID_LEN];
	double tokens;
	uint64_t last_ms;
	int used;
};

struct hm_tc_ratelimit {
	double rate, burst;
	size_t cap;
	struct bucket *b;
};

int hm_tc_ratelimit_new(double rate, double burst, size_t capacity, struct hm_tc_ratelimit **out)
{
	struct hm_tc_ratelimit *rl;

	if (!(rate > 0) || !(burst >= 1) || capacity == 0 || capacity > (1u << 20) || out == NULL)
		return HM_ERR_INVALID;
	if ((rl = calloc(1, sizeof(*rl))) == NULL ||
	    (rl->b = calloc(capacity, sizeof(*rl->b))) == NULL) {
		free(rl);
		return HM_ERR_NOMEM;
	}
	rl->rate = rate;
	rl->burst = burst;
	rl->cap = capacity;
	*out = rl;
	return HM_OK;
}

void hm_tc_ratelimit_free(struct hm_tc_ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->b);
	free(rl);
}

int hm_tc_ratelimit_take(struct hm_tc_ratelimit *rl, const uint8_t id[HM_TC_KEY_ID_LEN],
                         uint64_t now_ms)
{
	/* Open addressing from the id's first bytes (ids are hash output: uniform). */
	size_t start = 0, slot = SIZE_MAX, oldest = 0;
	struct bucket *b;

	for (int i = 0; i < 8; i++)
		start = (start << 8) | id[i];
	for (size_t probe = 0; probe < 16 && probe < rl->cap; probe++) {
		size_t i = (start + probe) % rl->cap;
		if (rl->b[i].used && memcmp(rl->b[i].id, id, HM_TC_KEY_ID_LEN) == 0) {
			slot = i;
			break;
		}
		if (!rl->b[i].used) {
			if (slot == SIZE_MAX)
				slot = i;
			continue;
		}
		if (rl->b[i].last_ms < rl->b[(start + oldest) % rl->cap].last_ms)
			oldest = probe;
	}
	if (slot == SIZE_MAX)
		slot = (start + oldest) % rl->cap; /* evict the least recently seen nearby */
	b = &rl->b[slot];
	if (!b->used || memcmp(b->id, id, HM_TC_KEY_ID_LEN) != 0) {
		memcpy(b->id, id, HM_TC_KEY_ID_LEN);
		b->tokens = rl->burst;
		b->last_ms = now_ms;
		b->used = 1;
	}
	if (now_ms > b->last_ms) {
		b->tokens += (double)(now_ms - b->last_ms) * rl->rate / 1000.0;
		if (b->tokens > rl->burst)
			b->tokens = rl->burst;
		b->last_ms = now_ms;
	}
	if (b->tokens < 1.0)
		return 0;
	b->tokens -= 1.0;
	return 1;
}
