/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PoSpace verification checks four openings at a time with the four-way
 * Keccak; the one-at-a-time reference must agree with it on every proof:
 * genuine ones (both accept), and forged ones (both refuse, with the same
 * reason, which is that of the first bad opening in proof order).
 */
#define _GNU_SOURCE /* mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypermesh/plot.h"
#include "hypermesh/proofs.h"
#include "hypermesh/sha3.h"
#include "proofs/proofs_internal.h"
#include "test.h"

#define LOG2     10
#define NPROOFS  200
#define NFORGED  1500
#define HEAD     4 /* log2 (1), the openings' 3-byte length */
#define OPEN_LEN (3 * HM_SPACE_LABEL_LEN + HM_PROOF_HASH_LEN * LOG2)

static char dir[256];
static struct hm_plot *plot;
static struct hm_plot_commitment commitment;
static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void setup(void)
{
	const char *base = getenv("TMPDIR");
	uint8_t key_id[HM_KEY_ID_LEN];

	snprintf(dir, sizeof(dir), "%s/hm-space-x4-XXXXXX", base && *base ? base : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	memset(key_id, 0x42, sizeof(key_id));
	CHECK_ERR(hm_plot_create(dir, key_id, LOG2, NULL, NULL, &commitment), HM_OK);
	CHECK_ERR(hm_plot_open(dir, &plot), HM_OK);
}

static void teardown(void)
{
	char cmd[300];

	hm_plot_close(plot);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

/* A proof for the i-th (anchor, digest) pair. */
static void prove(unsigned i, uint8_t anchor[32], uint8_t digest[32], struct hm_buf *out)
{
	hm_sha3_256(anchor, &i, sizeof(i));
	hm_sha3_256(digest, anchor, 32);
	hm_buf_truncate(out, 0);
	CHECK_ERR(hm_plot_prove(plot, anchor, digest, out), HM_OK);
	CHECK_EQ(out->len, HEAD + HM_SPACE_CHALLENGES * OPEN_LEN);
}

/* Both checks give rc and reason; returns the four-way one's rc. */
static int both(const struct hm_plot_commitment *c, const uint8_t anchor[32],
                const uint8_t digest[32], const struct hm_buf *p, enum hm_proof_reason *why)
{
	enum hm_proof_reason a = HM_PROOF_OK, b = HM_PROOF_OK;
	int ra = hm_space_verify(c, anchor, digest, p->data, p->len, &a);
	int rb = proofs_space_verify_scalar(c, anchor, digest, p->data, p->len, &b);

	CHECK_ERR(ra, rb);
	CHECK_EQ(a, b);
	*why = a;
	return ra;
}

static void test_genuine_agree(void)
{
	uint8_t anchor[32], digest[32];
	enum hm_proof_reason why;
	struct hm_buf p;

	hm_buf_init(&p);
	for (unsigned i = 0; i < NPROOFS; i++) {
		prove(i, anchor, digest, &p);
		CHECK_ERR(both(&commitment, anchor, digest, &p, &why), HM_OK);
		/* Another digest's challenges: the first opening is for another label. */
		digest[0] ^= 1;
		CHECK_ERR(both(&commitment, anchor, digest, &p, &why), HM_ERR_VERIFY);
	}
	hm_buf_free(&p);
}

/* One or two random bit flips anywhere in the openings: refused, same reason. */
static void test_forged_agree(void)
{
	uint8_t anchor[32], digest[32];
	enum hm_proof_reason why;
	unsigned seen_label = 0, seen_path = 0;
	struct hm_buf p;

	hm_buf_init(&p);
	for (unsigned i = 0; i < NFORGED; i++) {
		size_t span = HM_SPACE_CHALLENGES * OPEN_LEN;

		prove(i % 50, anchor, digest, &p);
		p.data[HEAD + next() % span] ^= (uint8_t)(1u << (next() % 8));
		if (i & 1)
			p.data[HEAD + next() % span] ^= (uint8_t)(1u << (next() % 8));
		if (both(&commitment, anchor, digest, &p, &why) == HM_OK)
			continue; /* two flips of the same bit */
		CHECK(why == HM_PROOF_SPACE_LABEL || why == HM_PROOF_SPACE_PATH);
		seen_label += why == HM_PROOF_SPACE_LABEL;
		seen_path += why == HM_PROOF_SPACE_PATH;
	}
	CHECK(seen_label > 100 && seen_path > 100);
	hm_buf_free(&p);
}

/* Flips the first byte of field (0 label, 96 path) of opening k. */
static void flip(struct hm_buf *p, unsigned k, size_t field)
{
	p->data[HEAD + (size_t)k * OPEN_LEN + field] ^= 0x80;
}

/*
 * The first bad opening decides the reason, whichever group of four it is
 * in and whatever a later one in the same group is wrong about.
 */
static void test_first_bad_opening_decides(void)
{
	static const unsigned pairs[][2] = { { 1, 2 }, { 2, 1 }, { 0, 15 }, { 15, 0 },
		                             { 3, 4 }, { 4, 3 }, { 5, 6 },  { 13, 12 } };
	uint8_t anchor[32], digest[32];
	enum hm_proof_reason why;
	struct hm_buf p;

	hm_buf_init(&p);
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		unsigned path_at = pairs[i][0], label_at = pairs[i][1];

		prove(7, anchor, digest, &p);
		flip(&p, path_at, 3 * HM_SPACE_LABEL_LEN);
		flip(&p, label_at, 0);
		CHECK_ERR(both(&commitment, anchor, digest, &p, &why), HM_ERR_VERIFY);
		CHECK_EQ(why, path_at < label_at ? HM_PROOF_SPACE_PATH : HM_PROOF_SPACE_LABEL);
	}
	/* The top sibling of the last opening alone. */
	prove(8, anchor, digest, &p);
	flip(&p, HM_SPACE_CHALLENGES - 1, 3 * HM_SPACE_LABEL_LEN + HM_PROOF_HASH_LEN * (LOG2 - 1));
	CHECK_ERR(both(&commitment, anchor, digest, &p, &why), HM_ERR_VERIFY);
	CHECK_EQ(why, HM_PROOF_SPACE_PATH);
	hm_buf_free(&p);
}

/* Another commitment: a root or size that is not the plot's. */
static void test_commitment_mismatch_agree(void)
{
	struct hm_plot_commitment c = commitment;
	uint8_t anchor[32], digest[32];
	enum hm_proof_reason why;
	struct hm_buf p;

	hm_buf_init(&p);
	prove(3, anchor, digest, &p);
	c.root[31] ^= 1;
	CHECK_ERR(both(&c, anchor, digest, &p, &why), HM_ERR_VERIFY);
	CHECK_EQ(why, HM_PROOF_SPACE_PATH);
	c = commitment;
	c.key_id[0] ^= 1; /* another seed: every label is wrong */
	CHECK_ERR(both(&c, anchor, digest, &p, &why), HM_ERR_VERIFY);
	CHECK_EQ(why, HM_PROOF_SPACE_LABEL);
	c = commitment;
	c.log2_labels = LOG2 + 1;
	CHECK_ERR(both(&c, anchor, digest, &p, &why), HM_ERR_VERIFY);
	CHECK_EQ(why, HM_PROOF_SPACE_SIZE);
	p.len--;
	CHECK(both(&commitment, anchor, digest, &p, &why) != HM_OK);
	CHECK_EQ(why, HM_PROOF_MALFORMED);
	hm_buf_free(&p);
}

static void test_all(void)
{
	setup();
	test_genuine_agree();
	test_forged_agree();
	test_first_bad_opening_decides();
	test_commitment_mismatch_agree();
	teardown();
}

TEST_MAIN(test_all)
