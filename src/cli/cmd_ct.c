/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hypermesh ct verify FILE...`: runs certificate-transparency Merkle vector
 * files through the ct_merkle.h core. The format is recognised from the
 * content, never the name:
 *
 *   - a transparency-dev probe (base64): {leafIdx, treeSize, root, leafHash,
 *     proof, desc, wantErr} or {size1, size2, root1, root2, proof, desc, wantErr};
 *   - the same probes bundled in hex: {inclusion: [...], consistency: [...]};
 *   - an RFC 6962 reference file (hex): {leaves, and any of hasher_tests,
 *     leaf_hashes, node_hashes, root_hashes, inclusion_proofs,
 *     consistency_proofs}. Every listed proof is verified, regenerated from
 *     the leaves and compared, and must stop verifying once a bit is flipped.
 *
 * A probe with wantErr passes only if verification fails; a malformed case
 * (missing field, bad encoding) always counts as failed.
 */
#define _GNU_SOURCE /* getopt_long */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "cli_args.h"
#include "hypermesh/buf.h"
#include "hypermesh/codec.h"
#include "hypermesh/ct.h"
#include "hypermesh/ct_log.h"
#include "hypermesh/ct_merkle.h"
#include "hypermesh/ct_proof_text.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/file.h"
#include "hypermesh/hash.h"
#include "hypermesh/secure.h"

#define H               HM_CT_HASH_LEN
#define VECTOR_FILE_MAX ((size_t)64 << 20)
/* Room for a proof with garbage added: anything longer cannot verify. */
#define PROOF_ROOM      (HM_CT_PROOF_MAX + 1)

struct tally {
	unsigned passed;
	unsigned failed;
};

enum text_enc { ENC_HEX, ENC_BASE64 };

struct vfile {
	const char *path;
	enum text_enc enc;
	struct tally tally;
};

static void record(struct vfile *f, const char *what, long long id, const char *why)
{
	if (why == NULL) {
		f->tally.passed++;
		return;
	}
	f->tally.failed++;
	printf("  %s: %s #%lld: %s\n", f->path, what, id, why);
}

/* Decodes the JSON string v (hex or base64, as the file uses) into out. */
static int decode_value(const struct vfile *f, const json_t *v, struct hm_buf *out)
{
	size_t len, n;
	int rc;

	if (!json_is_string(v))
		return HM_ERR_NOT_FOUND;
	len = json_string_length(v);
	(void)hm_buf_truncate(out, 0);
	rc = hm_buf_reserve(out, (f->enc == ENC_HEX ? len / 2 : len / 4 * 3) + 1);
	if (rc != HM_OK)
		return rc;
	if (f->enc == ENC_HEX)
		rc = hm_hex_decode(out->data, out->cap, &n, json_string_value(v), len);
	else
		rc = hm_base64_decode(out->data, out->cap, &n, json_string_value(v), len);
	if (rc == HM_OK)
		out->len = n;
	return rc;
}

static int decode_field(const struct vfile *f, const json_t *obj, const char *key,
                        struct hm_buf *out)
{
	return decode_value(f, json_object_get(obj, key), out);
}

/* A 32-byte hash field; *ok is 0 if it is well-formed but of another length. */
static int decode_hash(const struct vfile *f, const json_t *obj, const char *key, uint8_t out[H],
                       int *ok)
{
	struct hm_buf b;
	int rc;

	hm_buf_init(&b);
	rc = decode_field(f, obj, key, &b);
	*ok = rc == HM_OK && b.len == H;
	if (*ok)
		memcpy(out, b.data, H);
	hm_buf_free(&b);
	return rc;
}

/*
 * The root fields of a consistency probe. transparency-dev compares roots of
 * equal-size trees verbatim, whatever their length, so a root that is not 32
 * bytes is replaced by SHA-256(0xff || root): two such roots stay equal
 * exactly when they were, and none can equal a computed tree hash.
 */
static int decode_root(const struct vfile *f, const json_t *obj, const char *key, uint8_t out[H])
{
	struct hm_buf v, p;
	int rc;

	hm_buf_init(&v);
	hm_buf_init(&p);
	rc = decode_field(f, obj, key, &v);
	if (rc == HM_OK && v.len == H) {
		memcpy(out, v.data, H);
	} else if (rc == HM_OK) {
		rc = hm_buf_append_byte(&p, 0xff);
		if (rc == HM_OK)
			rc = hm_buf_append(&p, v.data, v.len);
		if (rc == HM_OK)
			hm_sha256(out, p.data, p.len);
	}
	hm_buf_free(&v);
	hm_buf_free(&p);
	return rc;
}

/*
 * A proof array (null means empty). *ok is 0 if an element is not 32 bytes or
 * there are more than any proof can hold: such a proof cannot verify.
 */
static int decode_proof(const struct vfile *f, const json_t *arr, uint8_t (*out)[H], size_t *n,
                        int *ok)
{
	struct hm_buf b;
	size_t i;
	int rc = HM_OK;

	*n = 0;
	*ok = 1;
	if (arr == NULL || json_is_null(arr))
		return HM_OK;
	if (!json_is_array(arr))
		return HM_ERR_INVALID;
	hm_buf_init(&b);
	for (i = 0; i < json_array_size(arr) && rc == HM_OK; i++) {
		rc = decode_value(f, json_array_get(arr, i), &b);
		if (rc != HM_OK)
			break;
		if (b.len != H || i >= PROOF_ROOM) {
			*ok = 0;
			continue;
		}
		memcpy(out[i], b.data, H);
	}
	*n = i < PROOF_ROOM ? i : PROOF_ROOM;
	hm_buf_free(&b);
	return rc;
}

/*
 * Sizes and indices are uint64 (the probes use 2^64 - 1), which jansson's
 * int64 cannot hold. Before parsing, integer literals above INT64_MAX are
 * turned into strings tagged BIG_INT_TAG, which get_u64 reads back exactly.
 */
#define BIG_INT_TAG "#u64#"

static int parse_u64(const char *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (n == 0)
		return HM_ERR_INVALID;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9' || x > (UINT64_MAX - (uint64_t)(p[i] - '0')) / 10)
			return HM_ERR_RANGE;
		x = x * 10 + (uint64_t)(p[i] - '0');
	}
	*v = x;
	return HM_OK;
}

static int quote_big_ints(const uint8_t *in, size_t len, struct hm_buf *out)
{
	int in_str = 0, esc = 0, rc = HM_OK;
	size_t i = 0;

	while (i < len && rc == HM_OK) {
		uint8_t c = in[i];
		size_t j = i;
		uint64_t v;

		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c >= '0' && c <= '9' &&
		           (i == 0 || strchr("0123456789.eE+-", in[i - 1]) == NULL)) {
			while (j < len && in[j] >= '0' && in[j] <= '9')
				j++;
			if ((j == len || strchr(".eE", in[j]) == NULL) &&
			    parse_u64((const char *)in + i, j - i, &v) == HM_OK &&
			    v > (uint64_t)INT64_MAX) {
				rc = hm_buf_append(out, "\"" BIG_INT_TAG, 1 + strlen(BIG_INT_TAG));
				if (rc == HM_OK)
					rc = hm_buf_append(out, in + i, j - i);
				if (rc == HM_OK)
					rc = hm_buf_append_byte(out, '"');
				i = j;
				continue;
			}
			rc = hm_buf_append(out, in + i, j - i);
			i = j;
			continue;
		}
		rc = hm_buf_append_byte(out, c);
		i++;
	}
	return rc;
}

static int get_u64(const json_t *obj, const char *key, uint64_t *v)
{
	const json_t *j = json_object_get(obj, key);
	const char *s = json_string_value(j);
	size_t tag = strlen(BIG_INT_TAG);

	if (s != NULL && json_string_length(j) > tag && strncmp(s, BIG_INT_TAG, tag) == 0)
		return parse_u64(s + tag, json_string_length(j) - tag, v);
	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return HM_ERR_NOT_FOUND;
	*v = (uint64_t)json_integer_value(j);
	return HM_OK;
}

/* ---- transparency-dev probes ---- */

static int is_inclusion_probe(const json_t *p)
{
	return json_object_get(p, "leafIdx") != NULL && json_object_get(p, "treeSize") != NULL;
}

static int is_consistency_probe(const json_t *p)
{
	return json_object_get(p, "size1") != NULL && json_object_get(p, "size2") != NULL;
}

/* Runs one probe: NULL if the outcome is the wanted one, else why not. */
static const char *run_probe(const struct vfile *f, const json_t *p)
{
	uint8_t proof[PROOF_ROOM][H], a[H], b[H];
	const json_t *want_err = json_object_get(p, "wantErr");
	uint64_t x, y;
	size_t n;
	int ok_a = 1, ok_b = 1, ok_proof, verified;

	if (!json_is_boolean(want_err))
		return "no wantErr";
	if (decode_proof(f, json_object_get(p, "proof"), proof, &n, &ok_proof) != HM_OK)
		return "malformed proof";
	if (is_inclusion_probe(p)) {
		if (get_u64(p, "leafIdx", &x) != HM_OK || get_u64(p, "treeSize", &y) != HM_OK)
			return "malformed leafIdx/treeSize";
		/* A leaf hash or root of the wrong length simply does not verify. */
		if (decode_hash(f, p, "leafHash", a, &ok_a) != HM_OK ||
		    decode_hash(f, p, "root", b, &ok_b) != HM_OK)
			return "malformed leafHash/root";
		verified = ok_a && ok_b && ok_proof &&
		           hm_ct_verify_inclusion(a, x, y, proof, n, b) == HM_OK;
	} else if (is_consistency_probe(p)) {
		if (get_u64(p, "size1", &x) != HM_OK || get_u64(p, "size2", &y) != HM_OK)
			return "malformed size1/size2";
		if (decode_root(f, p, "root1", a) != HM_OK ||
		    decode_root(f, p, "root2", b) != HM_OK)
			return "malformed root1/root2";
		verified = ok_proof && hm_ct_verify_consistency(x, y, a, b, proof, n) == HM_OK;
	} else {
		return "neither an inclusion nor a consistency probe";
	}
	if (json_is_true(want_err))
		return verified ? "verified, but the probe wants an error" : NULL;
	return verified ? NULL : "did not verify";
}

static void run_probe_case(struct vfile *f, const json_t *p, const char *kind, long long id)
{
	const char *why = run_probe(f, p);
	const json_t *desc = json_object_get(p, "desc");

	if (why != NULL && json_is_string(desc)) {
		char what[160];
		snprintf(what, sizeof(what), "%s probe '%s'", kind, json_string_value(desc));
		record(f, what, id, why);
		return;
	}
	record(f, kind, id, why);
}

static int run_probe_bundle(struct vfile *f, const json_t *doc)
{
	const char *kinds[2] = { "inclusion", "consistency" };
	const json_t *arr[2];

	for (int k = 0; k < 2; k++) {
		arr[k] = json_object_get(doc, kinds[k]);
		if (!json_is_array(arr[k]))
			return HM_ERR_UNSUPPORTED;
	}
	f->enc = ENC_HEX;
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < json_array_size(arr[k]); i++)
			run_probe_case(f, json_array_get(arr[k], i), kinds[k], (long long)i);
	return HM_OK;
}

/* ---- RFC 6962 reference files ---- */

struct rfc_tree {
	uint8_t (*hashes)[H];
	uint64_t n;
	int ok; /* every leaf decoded */
};

static const char *check_hash_field(const struct vfile *f, const json_t *obj, const char *key,
                                    const uint8_t want[H])
{
	uint8_t got[H];
	int ok;

	if (decode_hash(f, obj, key, got, &ok) != HM_OK || !ok)
		return "malformed hash";
	return memcmp(got, want, H) == 0 ? NULL : "hash mismatch";
}

static const char *hasher_case(const struct vfile *f, const struct rfc_tree *tree, const json_t *t)
{
	const char *fn = json_string_value(json_object_get(t, "function"));
	struct hm_buf in, r;
	uint8_t got[H];
	const char *why = NULL;

	(void)tree;
	if (fn == NULL)
		return "no function";
	hm_buf_init(&in);
	hm_buf_init(&r);
	if (strcmp(fn, "empty_root") == 0) {
		hm_ct_empty_root(got);
	} else if (strcmp(fn, "leaf_hash") == 0) {
		if (decode_field(f, t, "leaf", &in) != HM_OK)
			why = "malformed leaf";
		else
			hm_ct_leaf_hash(got, in.data, in.len);
	} else if (strcmp(fn, "node_hash") == 0) {
		if (decode_field(f, t, "left", &in) != HM_OK ||
		    decode_field(f, t, "right", &r) != HM_OK) {
			why = "malformed left/right";
		} else if (in.len == H && r.len == H) {
			hm_ct_node_hash(got, in.data, r.data);
		} else {
			/* The RFC's node hash is defined over any byte strings;
			 * our API takes hashes, so spell the definition out. */
			struct hm_buf c;
			hm_buf_init(&c);
			if (hm_buf_append_byte(&c, 0x01) != HM_OK ||
			    hm_buf_append(&c, in.data, in.len) != HM_OK ||
			    hm_buf_append(&c, r.data, r.len) != HM_OK)
				why = "out of memory";
			else
				hm_sha256(got, c.data, c.len);
			hm_buf_free(&c);
		}
	} else {
		why = "unknown function";
	}
	if (why == NULL)
		why = check_hash_field(f, t, "expected", got);
	hm_buf_free(&in);
	hm_buf_free(&r);
	return why;
}

static int load_leaves(const struct vfile *f, const json_t *leaves, struct rfc_tree *t)
{
	struct hm_buf b;

	t->n = json_array_size(leaves);
	t->ok = 1;
	t->hashes = calloc(t->n ? t->n : 1, H);
	if (t->hashes == NULL)
		return HM_ERR_NOMEM;
	hm_buf_init(&b);
	for (size_t i = 0; i < t->n; i++) {
		if (decode_value(f, json_array_get(leaves, i), &b) != HM_OK)
			t->ok = 0;
		else
			hm_ct_leaf_hash(t->hashes[i], b.data, b.len);
	}
	hm_buf_free(&b);
	return HM_OK;
}

static const char *node_case(const struct vfile *f, const struct rfc_tree *t, unsigned level,
                             size_t i, const json_t *v)
{
	struct hm_ct_mem_tree mem = { (const uint8_t(*)[H])t->hashes, t->n };
	uint8_t want[H];
	struct hm_buf b;
	const char *why = NULL;

	if (level > 63 || i > (UINT64_MAX >> level) ||
	    hm_ct_mem_subtree(&mem, (uint64_t)i << level, level, want) != HM_OK)
		return "subtree beyond the leaves";
	hm_buf_init(&b);
	if (decode_value(f, v, &b) != HM_OK || b.len != H)
		why = "malformed hash";
	else if (memcmp(b.data, want, H) != 0)
		why = "hash mismatch";
	hm_buf_free(&b);
	return why;
}

static const char *root_case(const struct vfile *f, const struct rfc_tree *t, const json_t *r)
{
	struct hm_ct_mem_tree mem = { (const uint8_t(*)[H])t->hashes, t->n };
	uint8_t want[H], other[H];
	uint64_t size;

	if (get_u64(r, "tree_size", &size) != HM_OK)
		return "malformed tree_size";
	if (size > t->n)
		return "tree_size beyond the leaves";
	hm_ct_root_from_leaf_hashes(want, (const uint8_t(*)[H])t->hashes, size);
	/* Both ways of computing a root must agree. */
	if (hm_ct_range_root(hm_ct_mem_subtree, &mem, 0, size, other) != HM_OK ||
	    memcmp(want, other, H) != 0)
		return "range root disagrees";
	return check_hash_field(f, r, "root", want);
}

/* The listed proof must equal the regenerated one and verify, and a flipped bit must not. */
typedef int (*proof_fn)(hm_ct_subtree_fn get, void *ctx, uint64_t a, uint64_t tree_size,
                        uint8_t (*proof)[H], size_t cap, size_t *proof_len);

/* The listed proof must be the one we generate for (a, tree_size) over the same leaves. */
static const char *proof_checks(const struct rfc_tree *t, proof_fn prove, uint64_t a,
                                uint64_t tree_size, const uint8_t (*listed)[H], size_t n)
{
	struct hm_ct_mem_tree mem = { (const uint8_t(*)[H])t->hashes, t->n };
	uint8_t regen[HM_CT_PROOF_MAX][H];
	size_t regen_n;

	if (prove(hm_ct_mem_subtree, &mem, a, tree_size, regen, HM_CT_PROOF_MAX, &regen_n) != HM_OK)
		return "cannot regenerate";
	if (n != regen_n || (n != 0 && memcmp(listed, regen, n * H) != 0))
		return "differs from the regenerated proof";
	return NULL;
}

static const char *inclusion_case(const struct vfile *f, const struct rfc_tree *t, const json_t *c)
{
	uint8_t proof[PROOF_ROOM][H], leaf[H], root[H];
	uint64_t idx, size;
	size_t n;
	int ok;
	const char *why;

	if (get_u64(c, "leaf_index", &idx) != HM_OK || get_u64(c, "tree_size", &size) != HM_OK)
		return "malformed leaf_index/tree_size";
	if (decode_proof(f, json_object_get(c, "proof"), proof, &n, &ok) != HM_OK || !ok)
		return "malformed proof";
	if (size > t->n || idx >= size)
		return "leaf_index/tree_size beyond the leaves";
	hm_ct_root_from_leaf_hashes(root, (const uint8_t(*)[H])t->hashes, size);
	memcpy(leaf, t->hashes[idx], H);
	if ((why = check_hash_field(f, c, "leaf_hash", leaf)) != NULL ||
	    (why = check_hash_field(f, c, "root", root)) != NULL)
		return why;
	if (hm_ct_verify_inclusion(leaf, idx, size, (const uint8_t(*)[H])proof, n, root) != HM_OK)
		return "does not verify";
	if ((why = proof_checks(t, hm_ct_inclusion_proof, idx, size, (const uint8_t(*)[H])proof,
	                        n)) != NULL)
		return why;
	for (size_t i = 0; i < n; i++) {
		proof[i][i % H] ^= 0x40;
		if (hm_ct_verify_inclusion(leaf, idx, size, (const uint8_t(*)[H])proof, n, root) ==
		    HM_OK)
			return "still verifies with a flipped bit";
		proof[i][i % H] ^= 0x40;
	}
	return NULL;
}

static const char *consistency_case(const struct vfile *f, const struct rfc_tree *t,
                                    const json_t *c)
{
	uint8_t proof[PROOF_ROOM][H], r1[H], r2[H];
	uint64_t m, size;
	size_t n;
	int ok;
	const char *why;

	if (get_u64(c, "first_tree_size", &m) != HM_OK ||
	    get_u64(c, "second_tree_size", &size) != HM_OK)
		return "malformed first_tree_size/second_tree_size";
	if (decode_proof(f, json_object_get(c, "proof"), proof, &n, &ok) != HM_OK || !ok)
		return "malformed proof";
	if (size > t->n || m > size)
		return "sizes beyond the leaves";
	hm_ct_root_from_leaf_hashes(r1, (const uint8_t(*)[H])t->hashes, m);
	hm_ct_root_from_leaf_hashes(r2, (const uint8_t(*)[H])t->hashes, size);
	if ((why = check_hash_field(f, c, "first_root", r1)) != NULL ||
	    (why = check_hash_field(f, c, "second_root", r2)) != NULL)
		return why;
	if (hm_ct_verify_consistency(m, size, r1, r2, (const uint8_t(*)[H])proof, n) != HM_OK)
		return "does not verify";
	if ((why = proof_checks(t, hm_ct_consistency_proof, m, size, (const uint8_t(*)[H])proof,
	                        n)) != NULL)
		return why;
	for (size_t i = 0; i < n; i++) {
		proof[i][(i * 5) % H] ^= 0x02;
		if (hm_ct_verify_consistency(m, size, r1, r2, (const uint8_t(*)[H])proof, n) ==
		    HM_OK)
			return "still verifies with a flipped bit";
		proof[i][(i * 5) % H] ^= 0x02;
	}
	return NULL;
}

typedef const char *(*rfc_case_fn)(const struct vfile *f, const struct rfc_tree *t,
                                   const json_t *c);

/* Runs every case of the array doc[key]; a present key that is not an array is a failure. */
static void run_section(struct vfile *f, const struct rfc_tree *t, const json_t *doc,
                        const char *key, const char *what, rfc_case_fn fn)
{
	const json_t *arr = json_object_get(doc, key);

	if (arr != NULL && !json_is_array(arr)) {
		record(f, key, 0, "not an array");
		return;
	}
	for (size_t i = 0; i < json_array_size(arr); i++)
		record(f, what, (long long)i,
		       t->ok ? fn(f, t, json_array_get(arr, i)) : "a leaf is malformed");
}

static void run_node_hashes(struct vfile *f, const struct rfc_tree *t, const json_t *doc)
{
	const json_t *node_hashes = json_object_get(doc, "node_hashes");
	const json_t *levels = json_object_get(node_hashes, "levels");

	if (node_hashes != NULL && !json_is_array(levels)) {
		record(f, "node_hashes", 0, "no levels array");
		return;
	}
	for (size_t level = 0; level < json_array_size(levels); level++) {
		const json_t *row = json_array_get(levels, level);
		for (size_t j = 0; j < json_array_size(row); j++)
			record(f, "node hash", (long long)(level * 1000 + j),
			       t->ok ? node_case(f, t, (unsigned)level, j, json_array_get(row, j))
			             : "a leaf is malformed");
	}
}

static int run_rfc_file(struct vfile *f, const json_t *doc)
{
	static const char *const sections[] = { "hasher_tests",     "leaf_hashes",
		                                "node_hashes",      "root_hashes",
		                                "inclusion_proofs", "consistency_proofs" };
	const json_t *leaves = json_object_get(doc, "leaves"), *lh;
	struct rfc_tree t = { NULL, 0, 0 };
	int any = 0, rc;

	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		any |= json_object_get(doc, sections[i]) != NULL;
	if (!json_is_array(leaves) || !any)
		return HM_ERR_UNSUPPORTED;
	f->enc = ENC_HEX;
	rc = load_leaves(f, leaves, &t);
	if (rc != HM_OK)
		return rc;
	run_section(f, &t, doc, "hasher_tests", "hasher test", hasher_case);
	lh = json_object_get(doc, "leaf_hashes");
	if (lh != NULL && !json_is_array(lh))
		record(f, "leaf_hashes", 0, "not an array");
	for (size_t i = 0; i < json_array_size(lh); i++)
		record(f, "leaf hash", (long long)i,
		       t.ok ? node_case(f, &t, 0, i, json_array_get(lh, i))
		            : "a leaf is malformed");
	run_node_hashes(f, &t, doc);
	run_section(f, &t, doc, "root_hashes", "root hash", root_case);
	run_section(f, &t, doc, "inclusion_proofs", "inclusion proof", inclusion_case);
	run_section(f, &t, doc, "consistency_proofs", "consistency proof", consistency_case);
	free(t.hashes);
	return HM_OK;
}

/* Reads, recognises and runs one file. HM_ERR_UNSUPPORTED if the format is unknown. */
static int verify_file(const struct cli_command *cmd, struct vfile *f)
{
	struct hm_buf b, q;
	json_t *doc;
	json_error_t jerr;
	int rc;

	hm_buf_init(&b);
	hm_buf_init(&q);
	rc = hm_file_read(f->path, VECTOR_FILE_MAX, &b);
	if (rc == HM_OK)
		rc = quote_big_ints(b.data, b.len, &q);
	hm_buf_free(&b);
	if (rc != HM_OK) {
		cli_error(cmd, "cannot read %s: %s", f->path, hm_strerror(rc));
		hm_buf_free(&q);
		return rc;
	}
	doc = json_loadb((const char *)q.data, q.len, JSON_REJECT_DUPLICATES, &jerr);
	hm_buf_free(&q);
	if (!json_is_object(doc)) {
		cli_error(cmd, "%s: not a CT vector file (%s)", f->path,
		          doc == NULL ? jerr.text : "not a JSON object");
		json_decref(doc);
		return HM_ERR_UNSUPPORTED;
	}
	if (is_inclusion_probe(doc) || is_consistency_probe(doc)) {
		f->enc = ENC_BASE64;
		run_probe_case(f, doc, is_inclusion_probe(doc) ? "inclusion" : "consistency", 0);
		rc = HM_OK;
	} else if ((rc = run_probe_bundle(f, doc)) == HM_ERR_UNSUPPORTED) {
		rc = run_rfc_file(f, doc);
	}
	json_decref(doc);
	if (rc == HM_ERR_UNSUPPORTED)
		cli_error(cmd, "%s: not a CT vector file (unrecognised format)", f->path);
	else if (rc != HM_OK)
		cli_error(cmd, "%s: %s", f->path, hm_strerror(rc));
	return rc;
}

static int ct_verify(const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option options[] = {
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct tally total = { 0, 0 };
	int opt, stop = 0, rc, bad_files = 0, nfiles;

	while ((opt = getopt_long(argc, argv, ":" CLI_COMMON_SHORT_OPTIONS, options, NULL)) != -1) {
		if ((rc = cli_other_option(cmd, opt, argv, &stop)) >= 0)
			return rc;
	}
	if (optind == argc)
		return cli_usage_error(cmd, "verify needs at least one FILE");
	nfiles = argc - optind;
	for (int i = optind; i < argc; i++) {
		struct vfile f = { argv[i], ENC_HEX, { 0, 0 } };
		if (verify_file(cmd, &f) != HM_OK) {
			bad_files++;
			continue;
		}
		printf("%s: %u passed, %u failed\n", f.path, f.tally.passed, f.tally.failed);
		total.passed += f.tally.passed;
		total.failed += f.tally.failed;
	}
	if (nfiles > 1)
		printf("total: %u passed, %u failed\n", total.passed, total.failed);
	fflush(stdout);
	if (bad_files == 0 && total.failed == 0)
		return CLI_OK;
	if (bad_files == 0)
		cli_error(cmd, "verify failed: %u case%s did not pass", total.failed,
		          total.failed == 1 ? "" : "s");
	return CLI_FAILURE;
}

/* ---- a CT log in a directory: append, sth, proof, verify-proof ---- */

#define LOG_FILES_MAX 4096

/* Options of the log subcommands; -1 to go on, or an exit code. */
struct log_args {
	const char *dir, *key, *root_hex, *leaf;
	int json, inclusion, consistency;
	uint64_t a, b;
	int have_size;
};

static int log_parse(const struct cli_command *cmd, int argc, char **argv, struct log_args *a)
{
	enum {
		OPT_DIR = 0x200,
		OPT_KEY,
		OPT_JSON,
		OPT_INCL,
		OPT_CONS,
		OPT_SIZE,
		OPT_ROOT,
		OPT_LEAF
	};
	static const struct option options[] = {
		CLI_COMMON_LONG_OPTIONS,
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "inclusion", required_argument, NULL, OPT_INCL },
		{ "consistency", required_argument, NULL, OPT_CONS },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "leaf", required_argument, NULL, OPT_LEAF },
		{ NULL, 0, NULL, 0 },
	};
	int opt, stop = 0, rc;

	memset(a, 0, sizeof(*a));
	while ((opt = getopt_long(argc, argv, ":" CLI_COMMON_SHORT_OPTIONS, options, NULL)) != -1) {
		switch (opt) {
		case OPT_DIR:
			a->dir = optarg;
			break;
		case OPT_KEY:
			a->key = optarg;
			break;
		case OPT_JSON:
			a->json = 1;
			break;
		case OPT_INCL:
			if (cli_number(optarg, 0, INT64_MAX, &a->a) != 0)
				return cli_usage_error(cmd, "--inclusion must be a leaf index");
			a->inclusion = 1;
			break;
		case OPT_CONS:
			if (cli_number(optarg, 0, INT64_MAX, &a->a) != 0)
				return cli_usage_error(cmd, "--consistency must be OLD NEW sizes");
			a->consistency = 1;
			break;
		case OPT_SIZE:
			if (cli_number(optarg, 0, INT64_MAX, &a->b) != 0)
				return cli_usage_error(cmd, "--size must be a tree size");
			a->have_size = 1;
			break;
		case OPT_ROOT:
			a->root_hex = optarg;
			break;
		case OPT_LEAF:
			a->leaf = optarg;
			break;
		default:
			if ((rc = cli_other_option(cmd, opt, argv, &stop)) >= 0)
				return rc;
		}
	}
	return -1;
}

static int log_path(const struct cli_command *cmd, const char *dir, char *path, size_t cap)
{
	if (snprintf(path, cap, "%s/ct.lmdb", dir) >= (int)cap) {
		cli_error(cmd, "%s: path too long", dir);
		return HM_ERR_INVALID;
	}
	return HM_OK;
}

static int open_log(const struct cli_command *cmd, const char *dir, unsigned flags,
                    struct hm_ct_log **log)
{
	char path[4096];
	int rc;

	if ((rc = log_path(cmd, dir, path, sizeof(path))) != HM_OK)
		return rc;
	if ((rc = hm_ct_log_open(path, flags, 0, log)) != HM_OK) {
		if (rc == HM_ERR_NOT_FOUND)
			cli_error(cmd, "%s: no CT log (%s)", dir, path);
		else
			cli_error(cmd, "%s: %s", path, hm_strerror(rc));
	}
	return rc;
}

static int ct_append(const struct cli_command *cmd, int argc, char **argv)
{
	struct log_args a;
	struct hm_ct_log *log = NULL;
	struct hm_buf *bufs = NULL;
	struct hm_ct_leaf *leaves = NULL;
	size_t n = 0;
	uint64_t first = 0, size = 0;
	char state[4096];
	struct stat st;
	int rc = log_parse(cmd, argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (a.dir == NULL || optind == argc)
		return cli_usage_error(cmd, "append needs --dir DIR and at least one FILE");
	if (a.key || a.json || a.inclusion || a.consistency || a.have_size || a.root_hex || a.leaf)
		return cli_usage_error(cmd, "append takes only --dir and FILE...");
	if (argc - optind > LOG_FILES_MAX)
		return cli_usage_error(cmd, "at most %d files per append", LOG_FILES_MAX);
	/* a node's log is TrustChain's: a leaf it did not issue would corrupt it */
	snprintf(state, sizeof(state), "%s/state", a.dir);
	if (stat(state, &st) == 0) {
		cli_error(cmd,
		          "%s holds TrustChain state: its CT log only takes issued "
		          "certificates",
		          a.dir);
		return CLI_FAILURE;
	}
	n = (size_t)(argc - optind);
	bufs = calloc(n, sizeof(*bufs));
	leaves = calloc(n, sizeof(*leaves));
	if (bufs == NULL || leaves == NULL) {
		rc = HM_ERR_NOMEM;
		cli_error(cmd, "append: %s", hm_strerror(rc));
		goto out;
	}
	/* every file is read before the log is touched: all or nothing */
	for (size_t i = 0; i < n; i++) {
		hm_buf_init(&bufs[i]);
		if ((rc = hm_file_read(argv[optind + (int)i], HM_CT_LOG_LEAF_MAX, &bufs[i])) !=
		    HM_OK) {
			cli_error(cmd, "%s: %s", argv[optind + (int)i], hm_strerror(rc));
			goto out;
		}
		leaves[i].data = bufs[i].data;
		leaves[i].len = bufs[i].len;
	}
	if (mkdir(a.dir, 0700) != 0 && errno != EEXIST) {
		rc = hm_err_from_errno(errno);
		cli_error(cmd, "%s: %s", a.dir, strerror(errno));
		goto out;
	}
	if ((rc = open_log(cmd, a.dir, HM_CT_LOG_CREATE, &log)) != HM_OK)
		goto out;
	if ((rc = hm_ct_log_append_batch(log, leaves, n, &first)) != HM_OK ||
	    (rc = hm_ct_log_size(log, &size)) != HM_OK) {
		cli_error(cmd, "append: %s", hm_strerror(rc));
		goto out;
	}
	printf("appended %zu leaves at %llu..%llu; tree size %llu\n", n, (unsigned long long)first,
	       (unsigned long long)(first + n - 1), (unsigned long long)size);
out:
	hm_ct_log_close(log);
	for (size_t i = 0; bufs != NULL && i < n; i++)
		hm_buf_free(&bufs[i]);
	free(bufs);
	free(leaves);
	return rc == HM_OK ? CLI_OK : CLI_FAILURE;
}

/* A log key file (the TrustChain *.pq.key / log.key format): "HMTCPQK1" || u16 alg || pk || sk. */
static int load_key(const char *path, enum hm_sig_alg *alg, uint8_t *pk, size_t *pk_len,
                    uint8_t *sk, size_t *sk_len)
{
	struct hm_buf b;
	struct hm_reader r;
	uint8_t magic[8];
	uint16_t a;
	const uint8_t *p, *s;
	size_t pl, sl;
	int rc;

	hm_buf_init(&b);
	if ((rc = hm_file_read(path, 64 * 1024, &b)) != HM_OK)
		return rc;
	hm_reader_init(&r, b.data, b.len);
	if (hm_get_bytes(&r, magic, 8) != HM_OK || memcmp(magic, "HMTCPQK1", 8) != 0 ||
	    hm_get_u16(&r, &a) != HM_OK || hm_get_vec(&r, 1, 0xffff, &p, &pl) != HM_OK ||
	    hm_get_vec(&r, 1, 0xffff, &s, &sl) != HM_OK || hm_reader_finish(&r) != HM_OK ||
	    pl > HM_SIG_PK_MAX || sl > HM_SIG_SK_MAX || hm_sig_info((enum hm_sig_alg)a) == NULL) {
		rc = HM_ERR_ENCODING;
	} else {
		*alg = (enum hm_sig_alg)a;
		memcpy(pk, p, pl);
		memcpy(sk, s, sl);
		*pk_len = pl;
		*sk_len = sl;
	}
	hm_wipe(b.data, b.len);
	hm_buf_free(&b);
	return rc;
}

static int ct_sth(const struct cli_command *cmd, int argc, char **argv)
{
	struct log_args a;
	struct hm_ct_log *log = NULL;
	struct hm_ct_sth sth;
	struct hm_buf enc;
	uint8_t pk[HM_SIG_PK_MAX], sk[HM_SIG_SK_MAX];
	size_t pk_len = 0, sk_len = 0;
	enum hm_sig_alg alg = 0;
	char root_hex[2 * H + 1], key_path[4096];
	struct timespec ts;
	int signed_ = 0, rc = log_parse(cmd, argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (a.dir == NULL || optind != argc || a.inclusion || a.consistency || a.have_size ||
	    a.root_hex || a.leaf)
		return cli_usage_error(cmd, "sth takes --dir DIR [--key FILE] [--json]");
	/* the log's key: --key, else DIR/log.key when there is one */
	if (a.key == NULL) {
		struct stat st;
		snprintf(key_path, sizeof(key_path), "%s/log.key", a.dir);
		if (stat(key_path, &st) == 0)
			a.key = key_path;
	}
	if (a.key != NULL && (rc = load_key(a.key, &alg, pk, &pk_len, sk, &sk_len)) != HM_OK) {
		cli_error(cmd, "%s: not a log key: %s", a.key, hm_strerror(rc));
		return CLI_FAILURE;
	}
	hm_buf_init(&enc);
	memset(&sth, 0, sizeof(sth));
	if ((rc = open_log(cmd, a.dir, HM_CT_LOG_READONLY, &log)) != HM_OK)
		goto out;
	if ((rc = hm_ct_log_size(log, &sth.tree_size)) != HM_OK ||
	    (rc = hm_ct_log_root(log, sth.tree_size, sth.root_hash)) != HM_OK) {
		cli_error(cmd, "sth: %s", hm_strerror(rc));
		goto out;
	}
	if (a.key != NULL) {
		clock_gettime(CLOCK_REALTIME, &ts);
		sth.timestamp = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
		if ((rc = hm_ct_sth_sign(&sth, alg, sk, sk_len)) != HM_OK ||
		    (rc = hm_ct_sth_verify(&sth, alg, pk, pk_len)) != HM_OK ||
		    (rc = hm_ct_sth_encode(&sth, &enc)) != HM_OK) {
			cli_error(cmd, "sth: signing with %s: %s", a.key, hm_strerror(rc));
			goto out;
		}
		signed_ = 1;
	}
	hm_hex_encode(root_hex, sizeof(root_hex), sth.root_hash, H);
	if (a.json) {
		printf("{\"tree_size\":%llu,\"root\":\"%s\"", (unsigned long long)sth.tree_size,
		       root_hex);
		if (signed_) {
			printf(",\"timestamp\":%llu,\"sth\":\"", (unsigned long long)sth.timestamp);
			for (size_t i = 0; i < enc.len; i++)
				printf("%02x", enc.data[i]);
			printf("\"");
		}
		printf("}\n");
	} else {
		printf("tree_size %llu\nroot %s\n", (unsigned long long)sth.tree_size, root_hex);
		if (signed_) {
			printf("timestamp %llu\nsth ", (unsigned long long)sth.timestamp);
			for (size_t i = 0; i < enc.len; i++)
				printf("%02x", enc.data[i]);
			printf("\n");
		}
	}
out:
	hm_wipe(sk, sizeof(sk));
	hm_ct_log_close(log);
	hm_buf_free(&enc);
	return rc == HM_OK ? CLI_OK : CLI_FAILURE;
}

static void print_proof_json(const struct hm_ct_proof_text *p)
{
	static const char *const f[2][4] = {
		{ "leaf_index", "tree_size", "leaf_hash", "root" },
		{ "old_size", "new_size", "old_root", "new_root" },
	};
	const char *const *n = f[p->kind - 1];
	char h1[2 * H + 1], h2[2 * H + 1], x[2 * H + 1];

	hm_hex_encode(h1, sizeof(h1), p->hash_a, H);
	hm_hex_encode(h2, sizeof(h2), p->hash_b, H);
	printf("{\"type\":\"%s\",\"%s\":%llu,\"%s\":%llu,\"%s\":\"%s\",\"%s\":\"%s\",\"path\":[",
	       p->kind == HM_CT_PROOF_INCLUSION ? "inclusion" : "consistency", n[0],
	       (unsigned long long)p->a, n[1], (unsigned long long)p->b, n[2], h1, n[3], h2);
	for (size_t i = 0; i < p->path_len; i++) {
		hm_hex_encode(x, sizeof(x), p->path[i], H);
		printf("%s\"%s\"", i ? "," : "", x);
	}
	printf("]}\n");
}

static int ct_proof(const struct cli_command *cmd, int argc, char **argv)
{
	struct log_args a;
	struct hm_ct_log *log = NULL;
	struct hm_ct_proof_text *p = NULL;
	struct hm_buf text;
	uint64_t size;
	int rc = log_parse(cmd, argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (a.dir == NULL || a.inclusion == a.consistency || a.key || a.root_hex || a.leaf)
		return cli_usage_error(cmd, "proof needs --dir DIR and one of --inclusion INDEX "
		                            "[--size N] or --consistency OLD NEW");
	if (a.consistency) {
		if (optind + 1 != argc || a.have_size ||
		    cli_number(argv[optind], 0, INT64_MAX, &a.b) != 0)
			return cli_usage_error(cmd, "--consistency needs OLD and NEW tree sizes");
		if (a.a == 0 || a.a > a.b)
			return cli_usage_error(cmd, "--consistency needs 0 < OLD <= NEW");
	} else if (optind != argc) {
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	}
	hm_buf_init(&text);
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		rc = HM_ERR_NOMEM;
		goto out;
	}
	if ((rc = open_log(cmd, a.dir, HM_CT_LOG_READONLY, &log)) != HM_OK ||
	    (rc = hm_ct_log_size(log, &size)) != HM_OK)
		goto out;
	if (a.inclusion && !a.have_size)
		a.b = size;
	if (a.b > size) {
		rc = HM_ERR_RANGE;
		cli_error(cmd, "tree size %llu: the log has %llu leaves", (unsigned long long)a.b,
		          (unsigned long long)size);
		goto out;
	}
	if (a.inclusion && a.a >= a.b) {
		rc = HM_ERR_RANGE;
		cli_error(cmd, "leaf %llu is not in a tree of %llu leaves", (unsigned long long)a.a,
		          (unsigned long long)a.b);
		goto out;
	}
	p->a = a.a;
	p->b = a.b;
	if (a.inclusion) {
		p->kind = HM_CT_PROOF_INCLUSION;
		rc = hm_ct_log_leaf_hash(log, a.a, p->hash_a);
		if (rc == HM_OK)
			rc = hm_ct_log_root(log, a.b, p->hash_b);
		if (rc == HM_OK)
			rc = hm_ct_log_inclusion_proof(log, a.a, a.b, p->path, HM_CT_PROOF_MAX,
			                               &p->path_len);
	} else {
		p->kind = HM_CT_PROOF_CONSISTENCY;
		rc = hm_ct_log_root(log, a.a, p->hash_a);
		if (rc == HM_OK)
			rc = hm_ct_log_root(log, a.b, p->hash_b);
		if (rc == HM_OK)
			rc = hm_ct_log_consistency_proof(log, a.a, a.b, p->path, HM_CT_PROOF_MAX,
			                                 &p->path_len);
	}
	if (rc != HM_OK) {
		cli_error(cmd, "proof: %s", hm_strerror(rc));
		goto out;
	}
	if (a.json) {
		print_proof_json(p);
	} else if ((rc = hm_ct_proof_text_encode(p, &text)) == HM_OK) {
		fwrite(text.data, 1, text.len, stdout);
	} else {
		cli_error(cmd, "proof: %s", hm_strerror(rc));
	}
out:
	if (rc == HM_ERR_NOMEM)
		cli_error(cmd, "proof: %s", hm_strerror(rc));
	hm_ct_log_close(log);
	free(p);
	hm_buf_free(&text);
	return rc == HM_OK ? CLI_OK : CLI_FAILURE;
}

/* The JSON form `ct proof --json` prints, into the same structure as the text form. */
static int proof_from_json(const char *in, size_t len, struct hm_ct_proof_text *p)
{
	static const char *const f[2][4] = {
		{ "leaf_index", "tree_size", "leaf_hash", "root" },
		{ "old_size", "new_size", "old_root", "new_root" },
	};
	json_error_t jerr;
	json_t *doc = json_loadb(in, len, JSON_REJECT_DUPLICATES, &jerr), *path;
	const char *type, *h1, *h2;
	const char *const *n;
	json_int_t a, b;
	int rc = HM_ERR_ENCODING;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(doc) ||
	    (type = json_string_value(json_object_get(doc, "type"))) == NULL)
		goto out;
	if (strcmp(type, "inclusion") == 0)
		p->kind = HM_CT_PROOF_INCLUSION;
	else if (strcmp(type, "consistency") == 0)
		p->kind = HM_CT_PROOF_CONSISTENCY;
	else
		goto out;
	n = f[p->kind - 1];
	if (json_object_size(doc) != 6 || !json_is_integer(json_object_get(doc, n[0])) ||
	    !json_is_integer(json_object_get(doc, n[1])) ||
	    (h1 = json_string_value(json_object_get(doc, n[2]))) == NULL ||
	    (h2 = json_string_value(json_object_get(doc, n[3]))) == NULL ||
	    !json_is_array(path = json_object_get(doc, "path")))
		goto out;
	a = json_integer_value(json_object_get(doc, n[0]));
	b = json_integer_value(json_object_get(doc, n[1]));
	if (a < 0 || b < 0 || strlen(h1) != 2 * H || strlen(h2) != 2 * H ||
	    hm_hex_decode_exact(p->hash_a, H, h1, 2 * H) != HM_OK ||
	    hm_hex_decode_exact(p->hash_b, H, h2, 2 * H) != HM_OK)
		goto out;
	p->a = (uint64_t)a;
	p->b = (uint64_t)b;
	if (json_array_size(path) > HM_CT_PROOF_MAX) {
		rc = HM_ERR_LENGTH;
		goto out;
	}
	for (size_t i = 0; i < json_array_size(path); i++) {
		const char *x = json_string_value(json_array_get(path, i));
		if (x == NULL || strlen(x) != 2 * H ||
		    hm_hex_decode_exact(p->path[i], H, x, 2 * H) != HM_OK)
			goto out;
		p->path_len++;
	}
	rc = HM_OK;
out:
	json_decref(doc);
	if (rc != HM_OK)
		memset(p, 0, sizeof(*p));
	return rc;
}

static int ct_verify_proof(const struct cli_command *cmd, int argc, char **argv)
{
	struct log_args a;
	struct hm_ct_proof_text *p = NULL;
	struct hm_buf b, leaf;
	uint8_t want[H], lh[H];
	int rc = log_parse(cmd, argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (optind + 1 != argc || a.dir || a.key || a.json || a.inclusion || a.consistency)
		return cli_usage_error(cmd, "verify-proof takes FILE [--root HEX] [--size N] "
		                            "[--leaf FILE]");
	if (a.root_hex != NULL && (strlen(a.root_hex) != 2 * H ||
	                           hm_hex_decode_exact(want, H, a.root_hex, 2 * H) != HM_OK))
		return cli_usage_error(cmd, "--root must be %d hex digits", 2 * H);
	hm_buf_init(&b);
	hm_buf_init(&leaf);
	if ((p = malloc(sizeof(*p))) == NULL) {
		rc = HM_ERR_NOMEM;
		cli_error(cmd, "verify-proof: %s", hm_strerror(rc));
		goto out;
	}
	if ((rc = hm_file_read(argv[optind], HM_CT_PROOF_TEXT_MAX, &b)) != HM_OK) {
		cli_error(cmd, "%s: %s", argv[optind], hm_strerror(rc));
		goto out;
	}
	rc = b.len > 0 && b.data[0] == '{'
	             ? proof_from_json((const char *)b.data, b.len, p)
	             : hm_ct_proof_text_decode(p, (const char *)b.data, b.len);
	if (rc != HM_OK) {
		cli_error(cmd, "%s: not a CT proof (text or JSON from `hypermesh ct proof`): %s",
		          argv[optind], hm_strerror(rc));
		goto out;
	}
	if (a.leaf != NULL) {
		if (p->kind != HM_CT_PROOF_INCLUSION) {
			rc = HM_ERR_INVALID;
			cli_error(cmd, "--leaf applies to an inclusion proof");
			goto out;
		}
		if ((rc = hm_file_read(a.leaf, HM_CT_LOG_LEAF_MAX, &leaf)) != HM_OK) {
			cli_error(cmd, "%s: %s", a.leaf, hm_strerror(rc));
			goto out;
		}
		hm_ct_leaf_hash(lh, leaf.data, leaf.len);
		if (memcmp(lh, p->hash_a, H) != 0) {
			rc = HM_ERR_VERIFY;
			cli_error(cmd, "%s: the proof is for another leaf than %s", argv[optind],
			          a.leaf);
			goto out;
		}
	}
	/*
	 * The path fixes only the tree's shape: sizes of the same shape give the
	 * same root. Root and size are bound together by a signed tree head, so
	 * a caller who knows them passes both.
	 */
	if (a.have_size && a.b != p->b) {
		rc = HM_ERR_VERIFY;
		cli_error(cmd, "%s: the proof is for a tree of size %llu, not %llu", argv[optind],
		          (unsigned long long)p->b, (unsigned long long)a.b);
		goto out;
	}
	if (a.root_hex != NULL && memcmp(want, p->hash_b, H) != 0) {
		rc = HM_ERR_VERIFY;
		cli_error(cmd, "%s: the proof's root is not the expected one", argv[optind]);
		goto out;
	}
	if ((rc = hm_ct_proof_text_verify(p)) != HM_OK) {
		cli_error(cmd, "%s: invalid %s proof", argv[optind],
		          p->kind == HM_CT_PROOF_INCLUSION ? "inclusion" : "consistency");
		goto out;
	}
	if (p->kind == HM_CT_PROOF_INCLUSION)
		printf("%s: valid inclusion proof of leaf %llu in the tree of size %llu\n",
		       argv[optind], (unsigned long long)p->a, (unsigned long long)p->b);
	else
		printf("%s: valid consistency proof from size %llu to %llu\n", argv[optind],
		       (unsigned long long)p->a, (unsigned long long)p->b);
out:
	free(p);
	hm_buf_free(&b);
	hm_buf_free(&leaf);
	return rc == HM_OK ? CLI_OK : CLI_FAILURE;
}

static int ct_run(const struct cli_command *cmd, int argc, char **argv)
{
	static const struct cli_subcommand subs[] = {
		{ "verify", ct_verify },
		{ "append", ct_append },
		{ "sth", ct_sth },
		{ "proof", ct_proof },
		{ "verify-proof", ct_verify_proof },
	};

	return cli_dispatch(cmd, subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}

const struct cli_command cli_cmd_ct = {
	.name = "ct",
	.summary = "certificate-transparency Merkle tree tools",
	.usage = "usage: hypermesh ct verify FILE...\n"
	         "       hypermesh ct append --dir DIR FILE...\n"
	         "       hypermesh ct sth --dir DIR [--key FILE] [--json]\n"
	         "       hypermesh ct proof --dir DIR --inclusion INDEX [--size N] [--json]\n"
	         "       hypermesh ct proof --dir DIR --consistency OLD NEW [--json]\n"
	         "       hypermesh ct verify-proof FILE [--root HEX] [--size N] [--leaf FILE]\n"
	         "\n"
	         "append: appends each FILE's bytes as one leaf to the log DIR/ct.lmdb (created\n"
	         "if absent), all in one durable transaction. A node's log (DIR/state exists)\n"
	         "is refused: it only takes issued certificates.\n"
	         "sth: prints the tree size and root; signed tree head too when the log has a\n"
	         "key (--key, or DIR/log.key).\n"
	         "proof: prints an inclusion proof (leaf INDEX in the tree of size N, default\n"
	         "the whole log) or a consistency proof (OLD to NEW), as text or --json.\n"
	         "verify-proof: checks such a proof (text or JSON); --root HEX and --size N\n"
	         "(from a signed tree head: the path alone does not fix the size) also\n"
	         "require that (new) root and size, --leaf FILE that leaf. Exit 2 if it does\n"
	         "not verify.\n"
	         "\n"
	         "verify: runs every case of certificate-transparency Merkle vector files\n"
	         "(RFC 6962 / RFC 9162), recognising the format from the content:\n"
	         "  - transparency-dev inclusion and consistency probe files (base64);\n"
	         "  - the same probes bundled in one hex file ({inclusion, consistency});\n"
	         "  - RFC 6962 reference files ({leaves, hasher_tests, node_hashes,\n"
	         "    root_hashes, inclusion_proofs, consistency_proofs}, hex): every hash\n"
	         "    is recomputed and every proof verified, regenerated from the leaves\n"
	         "    and checked to fail with a flipped bit.\n"
	         "A probe with wantErr passes only if its verification fails.\n"
	         "Prints 'N passed, M failed' per file (and a total for several files);\n"
	         "exits 2 if any case fails or a file is unreadable or not recognised.\n"
	         "\n" CLI_COMMON_USAGE,
	.run = ct_run,
};
