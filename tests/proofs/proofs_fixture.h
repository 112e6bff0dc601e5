/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared fixture of the four-proof tests: Ed25519 certificate chains made
 * here with GnuTLS (keys drawn fresh each run, never checked in), a 1 MiB
 * plot in a temporary directory, a fake committed chain of block hashes, an
 * in-memory proof state, and a builder of complete signed envelopes.
 */
#ifndef HM_TEST_PROOFS_FIXTURE_H
#define HM_TEST_PROOFS_FIXTURE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mkdtemp */
#endif
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypermesh/ed25519.h"
#include "hypermesh/envelope.h"
#include "hypermesh/error.h"
#include "hypermesh/hash.h"
#include "hypermesh/plot.h"
#include "hypermesh/proofs.h"
#include "hypermesh/sha3.h"
#include "hypermesh/vdf.h"

#define FX_LOG2       15 /* 32768 labels: a 1 MiB plot */
#define FX_HEIGHT     100
#define FX_WINDOW     16
#define FX_T          200
#define FX_BITS       8
#define FX_NOW        1800000000u /* the block time used for certificates */
#define FX_NOT_BEFORE 1700000000u

/* A key (seed || public key, the sig.h layout) and its GnuTLS form. */
struct fx_key {
	uint8_t sk[64];
	gnutls_x509_privkey_t gk;
};

struct fx_cert {
	gnutls_x509_crt_t crt;
	uint8_t der[16384];
	size_t len;
};

static int fx_key_new(struct fx_key *k)
{
	gnutls_datum_t x = { k->sk + 32, 32 }, d = { k->sk, 32 };

	if (hm_ed25519_keygen(k->sk + 32, k->sk) != HM_OK)
		return -1;
	if (gnutls_x509_privkey_init(&k->gk) < 0 ||
	    gnutls_x509_privkey_import_ecc_raw(k->gk, GNUTLS_ECC_CURVE_ED25519, &x, NULL, &d) < 0)
		return -1;
	return 0;
}

/* A certificate for key, signed by issuer (NULL: self-signed), CA or leaf. */
static int fx_cert_new(struct fx_cert *c, const struct fx_key *key, const char *cn,
                       const struct fx_cert *issuer, const struct fx_key *issuer_key, int ca,
                       unsigned serial, time_t not_before, time_t not_after)
{
	uint8_t ser[2] = { 0x01, (uint8_t)serial };
	size_t len = sizeof(c->der);

	if (gnutls_x509_crt_init(&c->crt) < 0 || gnutls_x509_crt_set_version(c->crt, 3) < 0 ||
	    gnutls_x509_crt_set_serial(c->crt, ser, sizeof(ser)) < 0 ||
	    gnutls_x509_crt_set_dn_by_oid(c->crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
	                                  (unsigned)strlen(cn)) < 0 ||
	    gnutls_x509_crt_set_activation_time(c->crt, not_before) < 0 ||
	    gnutls_x509_crt_set_expiration_time(c->crt, not_after) < 0 ||
	    gnutls_x509_crt_set_key(c->crt, key->gk) < 0 ||
	    gnutls_x509_crt_set_basic_constraints(c->crt, ca, ca ? 1 : -1) < 0 ||
	    gnutls_x509_crt_set_key_usage(c->crt, ca ? GNUTLS_KEY_KEY_CERT_SIGN
	                                             : GNUTLS_KEY_DIGITAL_SIGNATURE) < 0)
		return -1;
	if (gnutls_x509_crt_sign2(c->crt, issuer ? issuer->crt : c->crt,
	                          issuer ? issuer_key->gk : key->gk, GNUTLS_DIG_SHA512, 0) < 0 ||
	    gnutls_x509_crt_export(c->crt, GNUTLS_X509_FMT_DER, c->der, &len) < 0)
		return -1;
	c->len = len;
	return 0;
}

static void fx_key_id(const struct fx_key *k, uint8_t id[HM_KEY_ID_LEN])
{
	hm_sha256(id, k->sk + 32, 32);
}

/* ---- the fixture ---- */

struct fx {
	struct fx_key root_key, int_key, leaf_key, other_key, rogue_key;
	struct fx_cert root, inter, leaf, other_leaf, rogue_root, rogue_int, rogue_leaf;
	uint8_t chain_id[HM_ENV_CHAIN_ID_LEN];
	char dir[64];
	struct hm_plot *plot;
	struct hm_plot_commitment commitment;
	struct hm_buf vdf_proof; /* for the anchor at FX_HEIGHT - 2 */
	uint64_t anchor_height;
	/* The in-memory state. */
	uint64_t height;
	int plot_registered;
	const uint8_t *root_override; /* another root in state (NULL: root) */
	unsigned revoked_serial;      /* the fixture serial (last byte) revoked; 0: none */
	size_t root_override_len;
	struct hm_proof_params params;
	struct hm_stake_entry leaf_stake;
	struct hm_proof_state state;
	struct hm_vdf_cache cache;
	struct hm_proofs_context ctx;
};

static void fx_block_hash(uint64_t height, uint8_t hash[32])
{
	uint8_t in[13] = "block";

	for (int i = 0; i < 8; i++)
		in[5 + i] = (uint8_t)(height >> (56 - 8 * i));
	hm_sha3_256(hash, in, sizeof(in));
}

static int fxs_height(void *ctx, uint64_t *h)
{
	*h = ((struct fx *)ctx)->height;
	return HM_OK;
}

static int fxs_block_hash(void *ctx, uint64_t height, uint8_t hash[32])
{
	if (height > ((struct fx *)ctx)->height)
		return HM_ERR_NOT_FOUND;
	fx_block_hash(height, hash);
	return HM_OK;
}

static int fxs_root(void *ctx, const uint8_t **der, size_t *len)
{
	struct fx *f = ctx;

	*der = f->root_override ? f->root_override : f->root.der;
	*len = f->root_override ? f->root_override_len : f->root.len;
	return HM_OK;
}

static int fxs_plot(void *ctx, const uint8_t key_id[32], struct hm_plot_commitment *out)
{
	struct fx *f = ctx;

	if (!f->plot_registered || memcmp(key_id, f->commitment.key_id, 32) != 0)
		return HM_ERR_NOT_FOUND;
	*out = f->commitment;
	return HM_OK;
}

static int fxs_params(void *ctx, uint16_t type, struct hm_proof_params *out)
{
	(void)type;
	*out = ((struct fx *)ctx)->params;
	return HM_OK;
}

static int fxs_stake(void *ctx, const uint8_t key_id[32], struct hm_stake_entry *out)
{
	struct fx *f = ctx;

	if (memcmp(key_id, f->commitment.key_id, 32) == 0)
		*out = f->leaf_stake;
	else
		*out = (struct hm_stake_entry){ HM_STAKE_NONE, 0 };
	return HM_OK;
}

static int fxs_cert_revoked(void *ctx, const uint8_t *serial, size_t len, int *revoked)
{
	struct fx *f = ctx;

	/* The fixture's serials are 2 bytes: 0x01, n. */
	if (len != 2 || serial[0] != 0x01)
		return HM_ERR_NOT_FOUND;
	*revoked = f->revoked_serial != 0 && serial[1] == f->revoked_serial;
	return HM_OK;
}

/* Puts the fixture's state back to the honest defaults. */
static void fx_reset_state(struct fx *f)
{
	f->height = FX_HEIGHT;
	f->plot_registered = 1;
	f->root_override = NULL;
	f->revoked_serial = 0;
	f->params = (struct hm_proof_params){ FX_BITS, FX_T, FX_WINDOW, HM_STAKE_USER, 10 };
	f->leaf_stake = (struct hm_stake_entry){ HM_STAKE_USER, 10 };
	hm_vdf_cache_init(&f->cache);
	f->ctx.state = &f->state;
	f->ctx.chain_id = f->chain_id;
	f->ctx.now_s = FX_NOW;
	f->ctx.vdf_cache = &f->cache;
}

static int fx_init(struct fx *f)
{
	uint8_t leaf_id[32], input[HM_TIME_VDF_INPUT_LEN], anchor[32];
	time_t nb = FX_NOT_BEFORE, na = FX_NOT_BEFORE + 400000000;

	memset(f, 0, sizeof(*f));
	if (fx_key_new(&f->root_key) || fx_key_new(&f->int_key) || fx_key_new(&f->leaf_key) ||
	    fx_key_new(&f->other_key) || fx_key_new(&f->rogue_key))
		return -1;
	if (fx_cert_new(&f->root, &f->root_key, "root", NULL, NULL, 1, 1, nb, na) ||
	    fx_cert_new(&f->inter, &f->int_key, "intermediate", &f->root, &f->root_key, 1, 2, nb,
	                na) ||
	    fx_cert_new(&f->leaf, &f->leaf_key, "leaf", &f->inter, &f->int_key, 0, 3, nb, na) ||
	    fx_cert_new(&f->other_leaf, &f->other_key, "other", &f->inter, &f->int_key, 0, 4, nb,
	                na) ||
	    fx_cert_new(&f->rogue_root, &f->rogue_key, "root", NULL, NULL, 1, 1, nb, na) ||
	    fx_cert_new(&f->rogue_int, &f->int_key, "intermediate", &f->rogue_root, &f->rogue_key,
	                1, 2, nb, na) ||
	    fx_cert_new(&f->rogue_leaf, &f->leaf_key, "leaf", &f->rogue_int, &f->int_key, 0, 3, nb,
	                na))
		return -1;
	memset(f->chain_id, 0x42, sizeof(f->chain_id));
	strcpy(f->dir, "/tmp/hm-proofs-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	fx_key_id(&f->leaf_key, leaf_id);
	if (hm_plot_create(f->dir, leaf_id, FX_LOG2, NULL, NULL, &f->commitment) != HM_OK ||
	    hm_plot_open(f->dir, &f->plot) != HM_OK)
		return -1;
	f->anchor_height = FX_HEIGHT - 2;
	fx_block_hash(f->anchor_height, anchor);
	hm_time_vdf_input(f->chain_id, anchor, input);
	hm_buf_init(&f->vdf_proof);
	if (hm_vdf_eval(input, sizeof(input), FX_T, &f->vdf_proof, NULL, NULL) != HM_OK)
		return -1;
	f->state =
	        (struct hm_proof_state){ f,        fxs_height, fxs_block_hash, fxs_root,
		                         fxs_plot, fxs_params, fxs_stake,      fxs_cert_revoked };
	fx_reset_state(f);
	return 0;
}

static void fx_rm(const char *dir, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static void fx_free(struct fx *f)
{
	hm_plot_close(f->plot);
	fx_rm(f->dir, "plot.labels");
	fx_rm(f->dir, "plot.tree");
	fx_rm(f->dir, "plot.meta");
	rmdir(f->dir);
	hm_buf_free(&f->vdf_proof);
	struct fx_cert *certs[] = { &f->root,       &f->inter,     &f->leaf,      &f->other_leaf,
		                    &f->rogue_root, &f->rogue_int, &f->rogue_leaf };
	for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]); i++)
		gnutls_x509_crt_deinit(certs[i]->crt);
	struct fx_key *keys[] = { &f->root_key, &f->int_key, &f->leaf_key, &f->other_key,
		                  &f->rogue_key };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		gnutls_x509_privkey_deinit(keys[i]->gk);
}

/* How an operation is built (defaults are the honest choices). */
struct fx_op {
	uint16_t type;
	const char *payload;
	size_t payload_len;                 /* 0: strlen(payload) */
	const struct fx_cert *const *chain; /* NULL: leaf, intermediate */
	size_t n_chain;
	const struct fx_key *signer; /* NULL: the leaf key */
	uint64_t anchor_height;      /* 0: the fixture's anchor */
	unsigned work_bits;          /* difficulty to solve for */
	int insufficient_work;       /* pick a nonce below work_bits */
	const struct hm_buf *vdf;    /* NULL: the fixture's proof */
	uint64_t vdf_iterations;     /* 0: FX_T */
	const uint8_t *ed_sk;        /* overrides signer: an Ed25519 sk (seed || pk) */
	enum hm_sig_alg pq_alg;      /* a PQ signature too */
	const uint8_t *pq_sk;
	size_t pq_sk_len;
};

/* Builds, signs and encodes an operation; out gets the envelope bytes. */
static int fx_build(struct fx *f, const struct fx_op *o, struct hm_buf *out)
{
	const struct fx_cert *def_chain[2] = { &f->leaf, &f->inter };
	const struct fx_cert *const *chain = o->chain ? o->chain : def_chain;
	size_t n = o->chain ? o->n_chain : 2;
	struct hm_envelope env;
	struct hm_envelope_signer signer;
	struct hm_buf space, proofs, pq_store;
	uint8_t digest[32], anchor[32];
	uint64_t height = o->anchor_height ? o->anchor_height : f->anchor_height;
	uint64_t nonce = 0;
	int rc;

	memset(&env, 0, sizeof(env));
	env.type = o->type ? o->type : 0x0201;
	memcpy(env.chain_id, f->chain_id, sizeof(env.chain_id));
	env.nonce = 7;
	env.fee = 1;
	env.payload = (const uint8_t *)(o->payload ? o->payload : "transfer 10 CAES");
	env.payload_len = o->payload_len ? o->payload_len : strlen((const char *)env.payload);
	env.n_certs = n;
	for (size_t i = 0; i < n; i++) {
		env.cert[i] = chain[i]->der;
		env.cert_len[i] = chain[i]->len;
	}
	if ((rc = hm_envelope_digest(&env, digest)) != HM_OK)
		return rc;
	fx_block_hash(height, anchor);
	hm_buf_init(&space);
	hm_buf_init(&proofs);
	hm_buf_init(&pq_store);
	if ((rc = hm_plot_prove(f->plot, anchor, digest, &space)) != HM_OK)
		goto out;
	if (o->insufficient_work) {
		while (hm_work_bits(digest, nonce) >= o->work_bits)
			nonce++;
	} else if ((rc = hm_work_solve(digest, o->work_bits ? o->work_bits : FX_BITS, 0, 0,
	                               &nonce)) != HM_OK) {
		goto out;
	}
	const struct hm_buf *vdf = o->vdf ? o->vdf : &f->vdf_proof;
	if ((rc = hm_proof_set_encode(space.data, space.len, nonce, height, anchor,
	                              o->vdf_iterations ? o->vdf_iterations : FX_T, vdf->data,
	                              vdf->len, &proofs)) != HM_OK)
		goto out;
	env.proofs = proofs.data;
	env.proofs_len = proofs.len;
	signer = (struct hm_envelope_signer){ o->ed_sk ? o->ed_sk
		                                       : (o->signer ? o->signer : &f->leaf_key)->sk,
		                              o->pq_alg, o->pq_sk, o->pq_sk_len };
	if ((rc = hm_envelope_sign(&env, digest, &signer, &pq_store)) != HM_OK)
		goto out;
	rc = hm_envelope_encode(&env, out);
out:
	hm_buf_free(&space);
	hm_buf_free(&proofs);
	hm_buf_free(&pq_store);
	return rc;
}

/* Decodes and validates envelope bytes; returns hm_proofs_validate's code. */
static inline int fx_validate(struct fx *f, const struct hm_buf *bytes,
                              struct hm_proofs_result *res)
{
	struct hm_envelope env;
	uint8_t digest[32];
	int rc = hm_envelope_decode(&env, digest, bytes->data, bytes->len);

	if (rc != HM_OK)
		return rc;
	return hm_proofs_validate(&env, digest, &f->ctx, res);
}

#endif
