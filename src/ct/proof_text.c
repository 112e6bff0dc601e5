/* SPDX-License-Identifier: Apache-2.0 */
/* The text form of CT proofs (ct_proof_text.h): a strict line parser. */
#include <stdio.h>
#include <string.h>

#include "hypermesh/ct_proof_text.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"

#define MAGIC "hypermesh-ct-proof v1"
#define U63   0x7fffffffffffffffull

static const char *const names[2][4] = {
	{ "leaf_index", "tree_size", "leaf_hash", "root" },
	{ "old_size", "new_size", "old_root", "new_root" },
};

static int put_hash(struct hm_buf *out, const char *name, const uint8_t h[HM_CT_HASH_LEN])
{
	char line[96];
	size_t n = (size_t)snprintf(line, sizeof(line), "%s ", name);

	hm_hex_encode(line + n, sizeof(line) - n, h, HM_CT_HASH_LEN);
	n += 2 * HM_CT_HASH_LEN;
	line[n++] = '\n';
	return hm_buf_append(out, line, n);
}

int hm_ct_proof_text_encode(const struct hm_ct_proof_text *p, struct hm_buf *out)
{
	const char *const *f;
	char line[64];
	size_t old;
	int n, rc;

	if (p == NULL || out == NULL ||
	    (p->kind != HM_CT_PROOF_INCLUSION && p->kind != HM_CT_PROOF_CONSISTENCY) ||
	    p->path_len > HM_CT_PROOF_MAX || p->a > U63 || p->b > U63)
		return HM_ERR_INVALID;
	f = names[p->kind - 1];
	old = out->len;
	n = snprintf(line, sizeof(line), MAGIC "\ntype %s\n",
	             p->kind == HM_CT_PROOF_INCLUSION ? "inclusion" : "consistency");
	if ((rc = hm_buf_append(out, line, (size_t)n)) != HM_OK)
		goto fail;
	n = snprintf(line, sizeof(line), "%s %llu\n%s %llu\n", f[0], (unsigned long long)p->a, f[1],
	             (unsigned long long)p->b);
	if ((rc = hm_buf_append(out, line, (size_t)n)) != HM_OK ||
	    (rc = put_hash(out, f[2], p->hash_a)) != HM_OK ||
	    (rc = put_hash(out, f[3], p->hash_b)) != HM_OK)
		goto fail;
	for (size_t i = 0; i < p->path_len; i++)
		if ((rc = put_hash(out, "path", p->path[i])) != HM_OK)
			goto fail;
	return HM_OK;
fail:
	out->len = old;
	return rc;
}

/* A cursor over lines: each must end in '\n'. */
struct lines {
	const char *p, *end;
};

/* The next line (without '\n') if it is "name value": *value, *vlen. */
static int field(struct lines *l, const char *name, const char **value, size_t *vlen)
{
	size_t nlen = strlen(name);
	const char *nl = memchr(l->p, '\n', (size_t)(l->end - l->p));

	if (nl == NULL || (size_t)(nl - l->p) < nlen + 2 || memcmp(l->p, name, nlen) != 0 ||
	    l->p[nlen] != ' ')
		return HM_ERR_ENCODING;
	*value = l->p + nlen + 1;
	*vlen = (size_t)(nl - *value);
	l->p = nl + 1;
	return HM_OK;
}

static int number(struct lines *l, const char *name, uint64_t *v)
{
	const char *s;
	size_t n;
	uint64_t x = 0;

	if (field(l, name, &s, &n) != HM_OK || n == 0 || n > 19 || (n > 1 && s[0] == '0'))
		return HM_ERR_ENCODING;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return HM_ERR_ENCODING;
		x = x * 10 + (uint64_t)(s[i] - '0'); /* 19 digits cannot overflow 2^64 */
	}
	if (x > U63)
		return HM_ERR_ENCODING;
	*v = x;
	return HM_OK;
}

static int hash(struct lines *l, const char *name, uint8_t out[HM_CT_HASH_LEN])
{
	const char *s;
	size_t n;

	if (field(l, name, &s, &n) != HM_OK || n != 2 * HM_CT_HASH_LEN ||
	    hm_hex_decode_exact(out, HM_CT_HASH_LEN, s, n) != HM_OK)
		return HM_ERR_ENCODING;
	return HM_OK;
}

int hm_ct_proof_text_decode(struct hm_ct_proof_text *p, const char *in, size_t len)
{
	struct lines l = { in, in + len };
	const char *s;
	size_t n;
	int rc = HM_ERR_ENCODING;

	if (p == NULL || (in == NULL && len > 0))
		return HM_ERR_INVALID;
	memset(p, 0, sizeof(*p));
	if (len > HM_CT_PROOF_TEXT_MAX)
		return HM_ERR_TOO_LARGE;
	if (len < sizeof(MAGIC) || memcmp(in, MAGIC "\n", sizeof(MAGIC)) != 0)
		return HM_ERR_ENCODING;
	l.p += sizeof(MAGIC);
	if (field(&l, "type", &s, &n) != HM_OK)
		goto fail;
	if (n == 9 && memcmp(s, "inclusion", 9) == 0)
		p->kind = HM_CT_PROOF_INCLUSION;
	else if (n == 11 && memcmp(s, "consistency", 11) == 0)
		p->kind = HM_CT_PROOF_CONSISTENCY;
	else
		goto fail;
	if (number(&l, names[p->kind - 1][0], &p->a) != HM_OK ||
	    number(&l, names[p->kind - 1][1], &p->b) != HM_OK ||
	    hash(&l, names[p->kind - 1][2], p->hash_a) != HM_OK ||
	    hash(&l, names[p->kind - 1][3], p->hash_b) != HM_OK)
		goto fail;
	while (l.p < l.end) {
		if (p->path_len == HM_CT_PROOF_MAX) {
			rc = HM_ERR_LENGTH;
			goto fail;
		}
		if (hash(&l, "path", p->path[p->path_len]) != HM_OK)
			goto fail;
		p->path_len++;
	}
	return HM_OK;
fail:
	memset(p, 0, sizeof(*p));
	return rc;
}

int hm_ct_proof_text_verify(const struct hm_ct_proof_text *p)
{
	if (p == NULL)
		return HM_ERR_INVALID;
	if (p->kind == HM_CT_PROOF_INCLUSION)
		return hm_ct_verify_inclusion(p->hash_a, p->a, p->b,
		                              (const uint8_t(*)[HM_CT_HASH_LEN])p->path,
		                              p->path_len, p->hash_b);
	if (p->kind == HM_CT_PROOF_CONSISTENCY)
		return hm_ct_verify_consistency(p->a, p->b, p->hash_a, p->hash_b,
		                                (const uint8_t(*)[HM_CT_HASH_LEN])p->path,
		                                p->path_len);
	return HM_ERR_VERIFY;
}
