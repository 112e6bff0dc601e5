/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PoSpace plots on disk (plot.h): creation, opening and proving. Both data
 * files are memory-mapped: plotting needs random reads of earlier labels (the
 * data-dependent parent), and an opening is then a handful of page reads.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hypermesh/codec.h"
#include "hypermesh/error.h"
#include "hypermesh/file.h"
#include "hypermesh/plot.h"
#include "hypermesh/sha3.h"

#define META_MAGIC   "HMPL"
#define META_VERSION 1
#define META_LEN     (4 + 1 + HM_KEY_ID_LEN + 1 + HM_PROOF_HASH_LEN + HM_SHA3_256_LEN)

struct hm_plot {
	struct hm_plot_commitment c;
	uint8_t seed[HM_PROOF_HASH_LEN];
	const uint8_t *labels; /* 2^log2 labels */
	const uint8_t *tree;   /* levels 1 .. log2 */
	size_t labels_size, tree_size;
};

static int plot_path(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= cap ? HM_ERR_INVALID : HM_OK;
}

/* Offset (in nodes) of tree level (1..log2) in plot.tree. */
static uint64_t level_offset(unsigned log2, unsigned level)
{
	uint64_t off = 0;

	for (unsigned l = 1; l < level; l++)
		off += UINT64_C(1) << (log2 - l);
	return off;
}

/* Creates path of size bytes and maps it read-write. */
static int map_new(const char *path, size_t size, uint8_t **out)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	void *p;

	if (fd < 0)
		return hm_err_from_errno(errno);
	if (ftruncate(fd, (off_t)size) != 0) {
		int rc = hm_err_from_errno(errno);
		close(fd);
		return rc;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return errno == ENOMEM ? HM_ERR_NOMEM : HM_ERR_IO;
	*out = p;
	return HM_OK;
}

static int unmap_sync(uint8_t *p, size_t size)
{
	int rc = msync(p, size, MS_SYNC) == 0 ? HM_OK : HM_ERR_IO;

	munmap(p, size);
	return rc;
}

static void encode_meta(const struct hm_plot_commitment *c, uint8_t meta[META_LEN])
{
	size_t at = 0;

	memcpy(meta, META_MAGIC, 4);
	at = 4;
	meta[at++] = META_VERSION;
	memcpy(meta + at, c->key_id, HM_KEY_ID_LEN);
	at += HM_KEY_ID_LEN;
	meta[at++] = c->log2_labels;
	memcpy(meta + at, c->root, HM_PROOF_HASH_LEN);
	at += HM_PROOF_HASH_LEN;
	hm_sha3_256(meta + at, meta, at);
}

int hm_plot_create(const char *dir, const uint8_t key_id[HM_KEY_ID_LEN], unsigned log2,
                   void (*progress)(void *arg, uint64_t done, uint64_t total), void *arg,
                   struct hm_plot_commitment *commitment)
{
	char labels_path[PATH_MAX], tree_path[PATH_MAX], meta_path[PATH_MAX];
	static const uint8_t zero[HM_SPACE_LABEL_LEN];
	struct hm_plot_commitment c;
	uint8_t seed[HM_PROOF_HASH_LEN], meta[META_LEN];
	uint8_t *labels = NULL, *tree = NULL;
	uint64_t n, total, done = 0;
	size_t labels_size, tree_size;
	struct stat st;
	int rc;

	if (dir == NULL || key_id == NULL || log2 < HM_SPACE_LOG2_MIN || log2 > HM_SPACE_LOG2_MAX)
		return HM_ERR_INVALID;
	if (sizeof(size_t) < 8 && log2 > 25)
		return HM_ERR_TOO_LARGE;
	if ((rc = plot_path(labels_path, sizeof(labels_path), dir, "plot.labels")) ||
	    (rc = plot_path(tree_path, sizeof(tree_path), dir, "plot.tree")) ||
	    (rc = plot_path(meta_path, sizeof(meta_path), dir, "plot.meta")))
		return rc;
	if (stat(dir, &st) != 0)
		return hm_err_from_errno(errno);
	if (!S_ISDIR(st.st_mode))
		return HM_ERR_INVALID;
	if (stat(meta_path, &st) == 0)
		return HM_ERR_EXISTS;
	/* A previous interrupted plot has data files but no meta: start over. */
	n = UINT64_C(1) << log2;
	total = 2 * n - 1;
	labels_size = (size_t)(n * HM_SPACE_LABEL_LEN);
	tree_size = (size_t)((n - 1) * HM_PROOF_HASH_LEN);
	memset(&c, 0, sizeof(c));
	memcpy(c.key_id, key_id, HM_KEY_ID_LEN);
	c.log2_labels = (uint8_t)log2;
	hm_space_seed(key_id, c.log2_labels, seed);

	if ((rc = map_new(labels_path, labels_size, &labels)) != HM_OK)
		return rc;
	if ((rc = map_new(tree_path, tree_size, &tree)) != HM_OK) {
		munmap(labels, labels_size);
		return rc;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint8_t *out = labels + i * HM_SPACE_LABEL_LEN;

		if (i == 0) {
			hm_space_label(seed, 0, zero, zero, out);
		} else {
			const uint8_t *prev = out - HM_SPACE_LABEL_LEN;
			uint64_t j = hm_space_parent_index(i, prev);

			hm_space_label(seed, i, prev, labels + j * HM_SPACE_LABEL_LEN, out);
		}
		if (progress != NULL && (++done & 0xffff) == 0)
			progress(arg, done, total);
	}
	if (progress == NULL)
		done = n;
	for (unsigned level = 1; level <= log2; level++) {
		uint64_t count = n >> level;
		uint8_t *dst = tree + level_offset(log2, level) * HM_PROOF_HASH_LEN;
		const uint8_t *src =
		        level == 1 ? NULL
		                   : tree + level_offset(log2, level - 1) * HM_PROOF_HASH_LEN;

		for (uint64_t i = 0; i < count; i++) {
			uint8_t l[HM_PROOF_HASH_LEN], r[HM_PROOF_HASH_LEN];

			if (level == 1) {
				hm_space_leaf_hash(labels + (2 * i) * HM_SPACE_LABEL_LEN, l);
				hm_space_leaf_hash(labels + (2 * i + 1) * HM_SPACE_LABEL_LEN, r);
			} else {
				memcpy(l, src + (2 * i) * HM_PROOF_HASH_LEN, HM_PROOF_HASH_LEN);
				memcpy(r, src + (2 * i + 1) * HM_PROOF_HASH_LEN, HM_PROOF_HASH_LEN);
			}
			hm_space_node_hash(l, r, dst + i * HM_PROOF_HASH_LEN);
			if (progress != NULL && (++done & 0xffff) == 0)
				progress(arg, done, total);
		}
	}
	memcpy(c.root, tree + (tree_size - HM_PROOF_HASH_LEN), HM_PROOF_HASH_LEN);
	rc = unmap_sync(labels, labels_size);
	if (unmap_sync(tree, tree_size) != HM_OK)
		rc = HM_ERR_IO;
	if (rc != HM_OK)
		return rc;
	encode_meta(&c, meta);
	if ((rc = hm_file_write_atomic(meta_path, meta, sizeof(meta), 0644, HM_FILE_NO_CLOBBER)))
		return rc;
	if (progress != NULL)
		progress(arg, total, total);
	if (commitment != NULL)
		*commitment = c;
	return HM_OK;
}

static int map_existing(const char *path, size_t size, const uint8_t **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *p;

	if (fd < 0)
		return errno == ENOENT ? HM_ERR_CORRUPT : hm_err_from_errno(errno);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != size) {
		close(fd);
		return HM_ERR_CORRUPT;
	}
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return errno == ENOMEM ? HM_ERR_NOMEM : HM_ERR_IO;
	*out = p;
	return HM_OK;
}

int hm_plot_open(const char *dir, struct hm_plot **out)
{
	char labels_path[PATH_MAX], tree_path[PATH_MAX], meta_path[PATH_MAX];
	uint8_t check[HM_SHA3_256_LEN];
	struct hm_plot *p;
	struct hm_buf meta;
	uint64_t n;
	int rc;

	if (dir == NULL || out == NULL)
		return HM_ERR_INVALID;
	if ((rc = plot_path(labels_path, sizeof(labels_path), dir, "plot.labels")) ||
	    (rc = plot_path(tree_path, sizeof(tree_path), dir, "plot.tree")) ||
	    (rc = plot_path(meta_path, sizeof(meta_path), dir, "plot.meta")))
		return rc;
	hm_buf_init(&meta);
	rc = hm_file_read(meta_path, 4096, &meta);
	if (rc != HM_OK) {
		hm_buf_free(&meta);
		return rc;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		hm_buf_free(&meta);
		return HM_ERR_NOMEM;
	}
	rc = HM_ERR_CORRUPT;
	if (meta.len != META_LEN || memcmp(meta.data, META_MAGIC, 4) != 0 ||
	    meta.data[4] != META_VERSION)
		goto fail;
	hm_sha3_256(check, meta.data, META_LEN - HM_SHA3_256_LEN);
	if (memcmp(check, meta.data + META_LEN - HM_SHA3_256_LEN, HM_SHA3_256_LEN) != 0)
		goto fail;
	memcpy(p->c.key_id, meta.data + 5, HM_KEY_ID_LEN);
	p->c.log2_labels = meta.data[5 + HM_KEY_ID_LEN];
	memcpy(p->c.root, meta.data + 6 + HM_KEY_ID_LEN, HM_PROOF_HASH_LEN);
	if (p->c.log2_labels < HM_SPACE_LOG2_MIN || p->c.log2_labels > HM_SPACE_LOG2_MAX)
		goto fail;
	n = UINT64_C(1) << p->c.log2_labels;
	p->labels_size = (size_t)(n * HM_SPACE_LABEL_LEN);
	p->tree_size = (size_t)((n - 1) * HM_PROOF_HASH_LEN);
	if ((rc = map_existing(labels_path, p->labels_size, &p->labels)) != HM_OK)
		goto fail;
	if ((rc = map_existing(tree_path, p->tree_size, &p->tree)) != HM_OK) {
		munmap((void *)p->labels, p->labels_size);
		goto fail;
	}
	if (memcmp(p->tree + p->tree_size - HM_PROOF_HASH_LEN, p->c.root, HM_PROOF_HASH_LEN) != 0) {
		rc = HM_ERR_CORRUPT;
		munmap((void *)p->labels, p->labels_size);
		munmap((void *)p->tree, p->tree_size);
		goto fail;
	}
	hm_space_seed(p->c.key_id, p->c.log2_labels, p->seed);
	hm_buf_free(&meta);
	*out = p;
	return HM_OK;
fail:
	hm_buf_free(&meta);
	free(p);
	return rc;
}

void hm_plot_close(struct hm_plot *plot)
{
	if (plot == NULL)
		return;
	munmap((void *)plot->labels, plot->labels_size);
	munmap((void *)plot->tree, plot->tree_size);
	free(plot);
}

void hm_plot_commitment(const struct hm_plot *plot, struct hm_plot_commitment *out)
{
	*out = plot->c;
}

int hm_plot_prove(const struct hm_plot *plot, const uint8_t anchor_hash[HM_PROOF_HASH_LEN],
                  const uint8_t digest[HM_ENV_DIGEST_LEN], struct hm_buf *out)
{
	static const uint8_t zero[HM_SPACE_LABEL_LEN];
	unsigned log2 = plot->c.log2_labels;
	uint64_t idx[HM_SPACE_CHALLENGES];
	struct hm_vec_mark mark;
	size_t start = out->len;
	int rc;

	hm_space_challenges(anchor_hash, digest, plot->c.log2_labels, idx);
	if ((rc = hm_put_u8(out, plot->c.log2_labels)) ||
	    (rc = hm_put_vec_begin(out, 1, 0xffffff, &mark)))
		goto fail;
	for (unsigned i = 0; i < HM_SPACE_CHALLENGES; i++) {
		const uint8_t *label = plot->labels + idx[i] * HM_SPACE_LABEL_LEN;
		const uint8_t *prev = zero, *parent = zero;
		uint8_t h[HM_PROOF_HASH_LEN], sib[HM_PROOF_HASH_LEN];
		uint64_t pos = idx[i];

		if (idx[i] > 0) {
			prev = label - HM_SPACE_LABEL_LEN;
			parent = plot->labels +
			         hm_space_parent_index(idx[i], prev) * HM_SPACE_LABEL_LEN;
		}
		/* Check what we are about to prove: a damaged plot is an error, not a proof. */
		hm_space_label(plot->seed, idx[i], prev, parent, h);
		if (memcmp(h, label, HM_SPACE_LABEL_LEN) != 0) {
			rc = HM_ERR_CORRUPT;
			goto fail;
		}
		if ((rc = hm_put_bytes(out, label, HM_SPACE_LABEL_LEN)) ||
		    (rc = hm_put_bytes(out, prev, HM_SPACE_LABEL_LEN)) ||
		    (rc = hm_put_bytes(out, parent, HM_SPACE_LABEL_LEN)))
			goto fail;
		hm_space_leaf_hash(label, h);
		for (unsigned level = 0; level < log2; level++) {
			uint64_t s = pos ^ 1;

			if (level == 0)
				hm_space_leaf_hash(plot->labels + s * HM_SPACE_LABEL_LEN, sib);
			else
				memcpy(sib,
				       plot->tree +
				               (level_offset(log2, level) + s) * HM_PROOF_HASH_LEN,
				       HM_PROOF_HASH_LEN);
			if ((rc = hm_put_bytes(out, sib, HM_PROOF_HASH_LEN)))
				goto fail;
			if (pos & 1)
				hm_space_node_hash(sib, h, h);
			else
				hm_space_node_hash(h, sib, h);
			pos >>= 1;
		}
		if (memcmp(h, plot->c.root, HM_PROOF_HASH_LEN) != 0) {
			rc = HM_ERR_CORRUPT;
			goto fail;
		}
	}
	if ((rc = hm_put_vec_end(out, &mark)))
		goto fail;
	return HM_OK;
fail:
	(void)hm_buf_truncate(out, start);
	return rc;
}

int hm_plot_parse_size(const char *text, unsigned *log2)
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = { { "", 0 },     { "B", 0 },    { "KiB", 10 },
		      { "MiB", 20 }, { "GiB", 30 }, { "TiB", 40 } };
	unsigned long long v = 0;
	const char *p = text;

	if (text == NULL || log2 == NULL || *p < '0' || *p > '9')
		return HM_ERR_INVALID;
	while (*p >= '0' && *p <= '9') {
		if (v > (1ULL << 40))
			return HM_ERR_INVALID;
		v = v * 10 + (unsigned)(*p++ - '0');
	}
	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		unsigned bits = 0;

		if (strcmp(p, units[u].suffix) != 0)
			continue;
		if (v == 0 || (v & (v - 1)) != 0)
			return HM_ERR_INVALID;
		while ((1ULL << bits) < v)
			bits++;
		bits += units[u].shift;
		/* bytes = 32 * 2^log2 */
		if (bits < 5 + HM_SPACE_LOG2_MIN || bits > 5 + HM_SPACE_LOG2_MAX)
			return HM_ERR_INVALID;
		*log2 = bits - 5;
		return HM_OK;
	}
	return HM_ERR_INVALID;
}
