/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signed notes (c2sp.org/signed-note), Ed25519 only, and checkpoints
 * (c2sp.org/tlog-checkpoint). See ct_note.h for the formats and the
 * strictness rules.
 */
#include <stdio.h>
#include <string.h>

#include "hypermesh/ct_note.h"
#include "hypermesh/ed25519.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/hash.h"
#include "hypermesh/secure.h"

/* U+2014 EM DASH and a space open every signature line. */
static const char sig_prefix[] = "\xe2\x80\x94 ";
#define SIG_PREFIX_LEN (sizeof(sig_prefix) - 1)

#define ED25519_SIG_LEN 64

/*
 * Decodes one UTF-8 sequence at s[*i .. len), advancing *i. 0 for anything
 * that is not the shortest encoding of a Unicode scalar value.
 */
static int utf8_next(const uint8_t *s, size_t len, size_t *i, uint32_t *cp)
{
	const uint8_t c = s[*i];
	size_t n;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		(*i)++;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 1, v = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 2, v = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 3, v = c & 0x07, min = 0x10000;
	else
		return 0;
	if (len - *i - 1 < n)
		return 0;
	for (size_t k = 1; k <= n; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[*i + k] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	*i += n + 1;
	return 1;
}

/* Unicode White_Space (the characters a key name may not contain). */
static int is_unicode_space(uint32_t c)
{
	return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
	       c == 0x205f || c == 0x3000;
}

/* Valid UTF-8 whose only control character is '\n'. */
static int text_chars_ok(const char *s, size_t len)
{
	const uint8_t *u = (const uint8_t *)s;
	uint32_t c;

	for (size_t i = 0; i < len;) {
		if (!utf8_next(u, len, &i, &c) || (c < 0x20 && c != '\n'))
			return 0;
	}
	return 1;
}

int hm_ct_note_name_check(const char *name, size_t len)
{
	const uint8_t *u = (const uint8_t *)name;
	uint32_t c;

	if (name == NULL || len == 0 || len > HM_CT_NOTE_NAME_MAX)
		return HM_ERR_INVALID;
	for (size_t i = 0; i < len;) {
		if (!utf8_next(u, len, &i, &c) || c < 0x20 || c == 0x7f || c == '+' ||
		    is_unicode_space(c))
			return HM_ERR_INVALID;
	}
	return HM_OK;
}

uint32_t hm_ct_note_key_id(const char *name, size_t name_len, const uint8_t pk[32])
{
	uint8_t buf[HM_CT_NOTE_NAME_MAX + 2 + 32], h[HM_SHA256_LEN];
	size_t n = name_len <= HM_CT_NOTE_NAME_MAX ? name_len : HM_CT_NOTE_NAME_MAX;

	memcpy(buf, name, n);
	buf[n] = '\n';
	buf[n + 1] = HM_CT_NOTE_ED25519;
	memcpy(buf + n + 2, pk, 32);
	hm_sha256(h, buf, n + 2 + 32);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

static int vkey_set(struct hm_ct_note_vkey *key, const char *name, size_t len, const uint8_t pk[32])
{
	if (hm_ct_note_name_check(name, len) != HM_OK || hm_ed25519_public_key_is_small_order(pk))
		return HM_ERR_INVALID;
	memcpy(key->name, name, len);
	key->name[len] = '\0';
	key->name_len = len;
	memcpy(key->pk, pk, 32);
	key->key_id = hm_ct_note_key_id(name, len, pk);
	return HM_OK;
}

int hm_ct_note_vkey_init(struct hm_ct_note_vkey *key, const char *name, const uint8_t pk[32])
{
	int rc;

	if (key == NULL || name == NULL || pk == NULL)
		return HM_ERR_INVALID;
	memset(key, 0, sizeof(*key));
	rc = vkey_set(key, name, strlen(name), pk);
	if (rc != HM_OK)
		memset(key, 0, sizeof(*key));
	return rc;
}

int hm_ct_note_vkey_format(const struct hm_ct_note_vkey *key, struct hm_buf *out)
{
	uint8_t typed[33];
	char id[10], b64[HM_BASE64_LEN(33) + 1];
	const size_t old_len = out != NULL ? out->len : 0;
	int rc;

	if (key == NULL || out == NULL)
		return HM_ERR_INVALID;
	typed[0] = HM_CT_NOTE_ED25519;
	memcpy(typed + 1, key->pk, 32);
	snprintf(id, sizeof(id), "+%08x", (unsigned)key->key_id);
	rc = hm_base64_encode(b64, sizeof(b64), typed, sizeof(typed));
	if (rc == HM_OK)
		rc = hm_buf_append(out, key->name, key->name_len);
	if (rc == HM_OK)
		rc = hm_buf_append(out, id, 9);
	if (rc == HM_OK)
		rc = hm_buf_append_byte(out, '+');
	if (rc == HM_OK)
		rc = hm_buf_append(out, b64, strlen(b64));
	if (rc != HM_OK)
		(void)hm_buf_truncate(out, old_len);
	return rc;
}

static int lower_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int vkey_parse(struct hm_ct_note_vkey *key, const char *s, size_t len)
{
	uint8_t typed[48];
	size_t name_len = 0, typed_len;
	uint32_t id = 0;
	const char *rest;
	int rc;

	while (name_len < len && s[name_len] != '+')
		name_len++;
	/* name '+' 8 hex '+' base64 (at least one quantum) */
	if (name_len == len || len - name_len < 1 + 8 + 1 + 4 || s[name_len + 9] != '+')
		return HM_ERR_ENCODING;
	for (size_t i = 0; i < 8; i++) {
		int v = lower_hex_value(s[name_len + 1 + i]);
		if (v < 0)
			return HM_ERR_ENCODING;
		id = id << 4 | (uint32_t)v;
	}
	rest = s + name_len + 10;
	if (hm_base64_decode(typed, sizeof(typed), &typed_len, rest, len - name_len - 10) !=
	            HM_OK ||
	    typed_len == 0)
		return HM_ERR_ENCODING;
	if (typed[0] != HM_CT_NOTE_ED25519)
		return HM_ERR_UNSUPPORTED;
	if (typed_len != 33)
		return HM_ERR_INVALID;
	rc = vkey_set(key, s, name_len, typed + 1);
	if (rc == HM_OK && key->key_id != id)
		rc = HM_ERR_INVALID;
	return rc;
}

int hm_ct_note_vkey_parse(struct hm_ct_note_vkey *key, const char *s, size_t len)
{
	int rc;

	if (key == NULL)
		return HM_ERR_INVALID;
	memset(key, 0, sizeof(*key));
	if (s == NULL)
		return HM_ERR_INVALID;
	rc = vkey_parse(key, s, len);
	if (rc != HM_OK)
		memset(key, 0, sizeof(*key));
	return rc;
}

int hm_ct_note_signer_init(struct hm_ct_note_signer *s, const char *name, enum hm_sig_alg alg,
                           const uint8_t *sk, size_t sk_len)
{
	uint8_t pk[HM_ED25519_PK_LEN];
	int rc;

	if (s == NULL || name == NULL || sk == NULL)
		return HM_ERR_INVALID;
	memset(s, 0, sizeof(*s));
	if (alg != HM_SIG_ED25519)
		return HM_ERR_UNSUPPORTED;
	if (sk_len != HM_ED25519_SK_LEN + HM_ED25519_PK_LEN)
		return HM_ERR_LENGTH;
	/* A public half that is not the seed's would make every signature invalid. */
	hm_ed25519_public_key(pk, sk);
	if (!hm_ct_equal(pk, sk + HM_ED25519_SK_LEN, sizeof(pk)))
		return HM_ERR_INVALID;
	rc = hm_ct_note_vkey_init(&s->vkey, name, pk);
	if (rc != HM_OK)
		return rc;
	memcpy(s->seed, sk, HM_ED25519_SK_LEN);
	return HM_OK;
}

void hm_ct_note_signer_wipe(struct hm_ct_note_signer *s)
{
	if (s != NULL)
		hm_wipe(s, sizeof(*s));
}

int hm_ct_note_sign(const struct hm_ct_note_signer *s, const char *text, size_t len,
                    struct hm_buf *out)
{
	uint8_t raw[HM_CT_NOTE_KEY_ID_LEN + ED25519_SIG_LEN];
	char b64[HM_BASE64_LEN(sizeof(raw)) + 1];
	const size_t old_len = out != NULL ? out->len : 0;
	size_t total;
	int rc;

	if (s == NULL || text == NULL || out == NULL || s->vkey.name_len == 0)
		return HM_ERR_INVALID;
	if (len > HM_CT_NOTE_MAX)
		return HM_ERR_TOO_LARGE;
	if (len == 0 || text[len - 1] != '\n' || !text_chars_ok(text, len))
		return HM_ERR_INVALID;
	raw[0] = (uint8_t)(s->vkey.key_id >> 24);
	raw[1] = (uint8_t)(s->vkey.key_id >> 16);
	raw[2] = (uint8_t)(s->vkey.key_id >> 8);
	raw[3] = (uint8_t)s->vkey.key_id;
	hm_ed25519_sign(raw + 4, s->seed, s->vkey.pk, text, len);
	rc = hm_base64_encode(b64, sizeof(b64), raw, sizeof(raw));
	if (rc != HM_OK)
		return rc;
	total = len + 1 + SIG_PREFIX_LEN + s->vkey.name_len + 1 + strlen(b64) + 1;
	if (total > HM_CT_NOTE_MAX)
		return HM_ERR_TOO_LARGE;
	rc = hm_buf_reserve(out, total);
	if (rc == HM_OK)
		rc = hm_buf_append(out, text, len);
	if (rc == HM_OK)
		rc = hm_buf_append_byte(out, '\n');
	if (rc == HM_OK)
		rc = hm_buf_append(out, sig_prefix, SIG_PREFIX_LEN);
	if (rc == HM_OK)
		rc = hm_buf_append(out, s->vkey.name, s->vkey.name_len);
	if (rc == HM_OK)
		rc = hm_buf_append_byte(out, ' ');
	if (rc == HM_OK)
		rc = hm_buf_append(out, b64, strlen(b64));
	if (rc == HM_OK)
		rc = hm_buf_append_byte(out, '\n');
	if (rc != HM_OK)
		(void)hm_buf_truncate(out, old_len);
	return rc;
}

/*
 * Checks one signature line line[0 .. len) (without its newline) and, if it
 * is by a trusted key, its signature over text. *found (*failed) is set when
 * a trusted key's signature verifies (does not). scratch holds the decoded
 * signature (at least len bytes).
 */
static int check_sig_line(const char *line, size_t len, const char *text, size_t text_len,
                          const struct hm_ct_note_vkey *keys, size_t nkeys, uint8_t *scratch,
                          int *found, int *failed)
{
	size_t name_len = 0, raw_len;
	const char *name, *b64;
	uint32_t id;

	if (len < SIG_PREFIX_LEN || memcmp(line, sig_prefix, SIG_PREFIX_LEN) != 0)
		return HM_ERR_ENCODING;
	name = line + SIG_PREFIX_LEN;
	len -= SIG_PREFIX_LEN;
	while (name_len < len && name[name_len] != ' ')
		name_len++;
	if (name_len == len || hm_ct_note_name_check(name, name_len) != HM_OK)
		return HM_ERR_ENCODING;
	b64 = name + name_len + 1;
	if (hm_base64_decode(scratch, len, &raw_len, b64, len - name_len - 1) != HM_OK ||
	    raw_len < HM_CT_NOTE_KEY_ID_LEN + 1)
		return HM_ERR_ENCODING;
	id = (uint32_t)scratch[0] << 24 | (uint32_t)scratch[1] << 16 | (uint32_t)scratch[2] << 8 |
	     scratch[3];
	for (size_t k = 0; k < nkeys; k++) {
		const struct hm_ct_note_vkey *key = &keys[k];
		if (key->key_id != id || key->name_len != name_len ||
		    memcmp(key->name, name, name_len) != 0)
			continue; /* unknown keys are ignored (signed-note) */
		if (raw_len == HM_CT_NOTE_KEY_ID_LEN + ED25519_SIG_LEN &&
		    hm_ed25519_verify(scratch + HM_CT_NOTE_KEY_ID_LEN, key->pk, text, text_len) ==
		            HM_OK)
			*found = 1;
		else
			*failed = 1;
	}
	return HM_OK;
}

int hm_ct_note_verify(const char *note, size_t len, const struct hm_ct_note_vkey *keys,
                      size_t nkeys, size_t *text_len)
{
	struct hm_buf scratch;
	size_t sep, pos, lines = 0;
	int found = 0, failed = 0, rc = HM_OK;

	if (text_len != NULL)
		*text_len = 0;
	if (note == NULL || text_len == NULL || (keys == NULL && nkeys > 0))
		return HM_ERR_INVALID;
	if (len > HM_CT_NOTE_MAX)
		return HM_ERR_TOO_LARGE;
	if (!text_chars_ok(note, len) || len < 2 || note[len - 1] != '\n')
		return HM_ERR_ENCODING;
	/* The text ends at the last blank line: the last "\n\n". */
	for (sep = len - 1; sep > 0 && !(note[sep - 1] == '\n' && note[sep] == '\n'); sep--)
		;
	if (sep == 0 || sep + 1 == len)
		return HM_ERR_ENCODING;
	hm_buf_init(&scratch);
	rc = hm_buf_reserve(&scratch, len);
	/* Every line must parse, known key or not; no empty line can follow sep. */
	for (pos = sep + 1; rc == HM_OK && pos < len;) {
		const char *nl = memchr(note + pos, '\n', len - pos);
		size_t line_len = (size_t)(nl - (note + pos));
		if (++lines > HM_CT_NOTE_SIGS_MAX) {
			rc = HM_ERR_TOO_LARGE;
			break;
		}
		rc = check_sig_line(note + pos, line_len, note, sep, keys, nkeys, scratch.data,
		                    &found, &failed);
		pos += line_len + 1;
	}
	hm_buf_free(&scratch);
	if (rc != HM_OK)
		return rc;
	if (failed || !found)
		return HM_ERR_VERIFY;
	*text_len = sep;
	return HM_OK;
}

/* ---- checkpoints ---- */

int hm_ct_checkpoint_format(const struct hm_ct_checkpoint *cp, struct hm_buf *out)
{
	char line[24], b64[HM_BASE64_LEN(HM_CT_HASH_LEN) + 1];
	const size_t old_len = out != NULL ? out->len : 0;
	int rc;

	if (cp == NULL || out == NULL || cp->origin == NULL ||
	    hm_ct_note_name_check(cp->origin, cp->origin_len) != HM_OK)
		return HM_ERR_INVALID;
	if (cp->extensions_len > 0) {
		const char *e = cp->extensions;
		if (e == NULL || e[cp->extensions_len - 1] != '\n' || e[0] == '\n' ||
		    !text_chars_ok(e, cp->extensions_len))
			return HM_ERR_INVALID;
		for (size_t i = 1; i < cp->extensions_len; i++)
			if (e[i - 1] == '\n' && e[i] == '\n')
				return HM_ERR_INVALID; /* an empty extension line */
	}
	snprintf(line, sizeof(line), "\n%llu\n", (unsigned long long)cp->tree_size);
	rc = hm_base64_encode(b64, sizeof(b64), cp->root, HM_CT_HASH_LEN);
	if (rc == HM_OK)
		rc = hm_buf_append(out, cp->origin, cp->origin_len);
	if (rc == HM_OK)
		rc = hm_buf_append(out, line, strlen(line));
	if (rc == HM_OK)
		rc = hm_buf_append(out, b64, strlen(b64));
	if (rc == HM_OK)
		rc = hm_buf_append_byte(out, '\n');
	if (rc == HM_OK && cp->extensions_len > 0)
		rc = hm_buf_append(out, cp->extensions, cp->extensions_len);
	if (rc != HM_OK)
		(void)hm_buf_truncate(out, old_len);
	return rc;
}

/* The next line of s[*pos .. len) without its '\n'; 0 if there is no complete line. */
static int next_line(const char *s, size_t len, size_t *pos, const char **line, size_t *line_len)
{
	const char *nl;

	if (*pos >= len || (nl = memchr(s + *pos, '\n', len - *pos)) == NULL)
		return 0;
	*line = s + *pos;
	*line_len = (size_t)(nl - *line);
	*pos += *line_len + 1;
	return 1;
}

static int parse_size(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || (len > 1 && s[0] == '0'))
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned d;
		if (s[i] < '0' || s[i] > '9')
			return 0;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	*out = v;
	return 1;
}

static int checkpoint_parse(struct hm_ct_checkpoint *cp, const char *text, size_t len)
{
	const char *line;
	size_t pos = 0, line_len, root_len, ext_start;

	if (!text_chars_ok(text, len))
		return HM_ERR_ENCODING;
	if (!next_line(text, len, &pos, &line, &line_len) || line_len == 0)
		return HM_ERR_ENCODING;
	cp->origin = line;
	cp->origin_len = line_len;
	if (!next_line(text, len, &pos, &line, &line_len) ||
	    !parse_size(line, line_len, &cp->tree_size))
		return HM_ERR_ENCODING;
	if (!next_line(text, len, &pos, &line, &line_len) ||
	    line_len != HM_BASE64_LEN(HM_CT_HASH_LEN) ||
	    hm_base64_decode(cp->root, sizeof(cp->root), &root_len, line, line_len) != HM_OK ||
	    root_len != HM_CT_HASH_LEN)
		return HM_ERR_ENCODING;
	ext_start = pos;
	while (pos < len) {
		if (!next_line(text, len, &pos, &line, &line_len) || line_len == 0)
			return HM_ERR_ENCODING; /* an unterminated or empty extension line */
	}
	if (pos > ext_start) {
		cp->extensions = text + ext_start;
		cp->extensions_len = pos - ext_start;
	}
	return HM_OK;
}

int hm_ct_checkpoint_parse(struct hm_ct_checkpoint *cp, const char *text, size_t len)
{
	int rc;

	if (cp == NULL)
		return HM_ERR_INVALID;
	memset(cp, 0, sizeof(*cp));
	if (text == NULL)
		return HM_ERR_INVALID;
	rc = checkpoint_parse(cp, text, len);
	if (rc != HM_OK)
		memset(cp, 0, sizeof(*cp));
	return rc;
}

int hm_ct_checkpoint_sign(struct hm_ct_log *log, uint64_t tree_size, const char *origin,
                          const struct hm_ct_note_signer *s, struct hm_buf *out)
{
	struct hm_ct_checkpoint cp = { 0 };
	struct hm_buf body;
	int rc;

	if (log == NULL || origin == NULL || s == NULL || out == NULL)
		return HM_ERR_INVALID;
	cp.origin = origin;
	cp.origin_len = strlen(origin);
	cp.tree_size = tree_size;
	rc = hm_ct_log_root(log, tree_size, cp.root);
	if (rc != HM_OK)
		return rc;
	hm_buf_init(&body);
	rc = hm_ct_checkpoint_format(&cp, &body);
	if (rc == HM_OK)
		rc = hm_ct_note_sign(s, (const char *)body.data, body.len, out);
	hm_buf_free(&body);
	return rc;
}

int hm_ct_checkpoint_open(struct hm_ct_checkpoint *cp, const char *note, size_t len,
                          const char *origin, const struct hm_ct_note_vkey *keys, size_t nkeys)
{
	size_t text_len;
	int rc;

	if (cp == NULL)
		return HM_ERR_INVALID;
	memset(cp, 0, sizeof(*cp));
	if (origin == NULL)
		return HM_ERR_INVALID;
	rc = hm_ct_note_verify(note, len, keys, nkeys, &text_len);
	if (rc == HM_OK)
		rc = hm_ct_checkpoint_parse(cp, note, text_len);
	if (rc == HM_OK &&
	    (cp->origin_len != strlen(origin) || memcmp(cp->origin, origin, cp->origin_len) != 0))
		rc = HM_ERR_VERIFY;
	if (rc != HM_OK)
		memset(cp, 0, sizeof(*cp));
	return rc;
}
