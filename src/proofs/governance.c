/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The governance module: the proof parameters and registrations that the
 * four proofs read from committed state (governance.h). One named LMDB
 * database "gov" in the executor's environment, keys:
 *
 *   "root"             TrustChain root certificate (DER)
 *   "params"           uint8 default_bits; uint64 vdf_iterations; uint64 anchor_window
 *   'd' uint16 type    uint8 bits                 PoWork difficulty of a type
 *   'r' uint16 type    uint8 level; uint64 stake  PoStake requirement of a type
 *   's' key_id[32]     uint8 level; uint64 stake  a key's authority and stake
 *   'p' key_id[32]     uint8 log2; root[32]       a key's plot commitment
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hypermesh/codec.h"
#include "hypermesh/error.h"
#include "hypermesh/governance.h"
#include "hypermesh/trustchain_state.h"

struct gov {
	MDB_dbi dbi;
	int opened;
};

struct gov_params {
	uint8_t default_bits;
	uint64_t vdf_iterations, anchor_window;
};

static int mdb_to_hm(int rc)
{
	if (rc == 0)
		return HM_OK;
	if (rc == MDB_NOTFOUND)
		return HM_ERR_NOT_FOUND;
	if (rc == ENOMEM)
		return HM_ERR_NOMEM;
	if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND)
		return HM_ERR_CORRUPT;
	return HM_ERR_IO;
}

static int gov_get(struct gov *g, MDB_txn *txn, const void *key, size_t key_len, MDB_val *val)
{
	MDB_val k = { key_len, (void *)key };

	if (!g->opened)
		return HM_ERR_INVALID;
	return mdb_to_hm(mdb_get(txn, g->dbi, &k, val));
}

static int gov_put(struct gov *g, MDB_txn *txn, const void *key, size_t key_len,
                   const struct hm_buf *val)
{
	MDB_val k = { key_len, (void *)key }, v = { val->len, val->data };

	if (!g->opened)
		return HM_ERR_INVALID;
	return mdb_to_hm(mdb_put(txn, g->dbi, &k, &v, 0));
}

static void type_key(uint8_t key[3], char prefix, uint16_t type)
{
	key[0] = (uint8_t)prefix;
	key[1] = (uint8_t)(type >> 8);
	key[2] = (uint8_t)type;
}

static void id_key(uint8_t key[1 + HM_KEY_ID_LEN], char prefix, const uint8_t id[HM_KEY_ID_LEN])
{
	key[0] = (uint8_t)prefix;
	memcpy(key + 1, id, HM_KEY_ID_LEN);
}

/* Decodes "uint8 level; uint64 stake" (stored entries and requirements). */
static int decode_level_stake(const uint8_t *p, size_t n, enum hm_stake_level *level,
                              uint64_t *stake)
{
	struct hm_reader r;
	uint8_t l;
	int rc;

	hm_reader_init(&r, p, n);
	if ((rc = hm_get_u8(&r, &l)) || (rc = hm_get_u64(&r, stake)) || (rc = hm_reader_finish(&r)))
		return rc;
	if (l > HM_STAKE_ADMIN)
		return HM_ERR_INVALID;
	*level = (enum hm_stake_level)l;
	return HM_OK;
}

static int read_params(struct gov *g, MDB_txn *txn, struct gov_params *p)
{
	struct hm_reader r;
	MDB_val v;
	int rc = gov_get(g, txn, "params", 6, &v);

	if (rc == HM_ERR_NOT_FOUND)
		return HM_ERR_CORRUPT; /* no genesis: nothing can be validated */
	if (rc != HM_OK)
		return rc;
	hm_reader_init(&r, v.mv_data, v.mv_size);
	if (hm_get_u8(&r, &p->default_bits) || hm_get_u64(&r, &p->vdf_iterations) ||
	    hm_get_u64(&r, &p->anchor_window) || hm_reader_finish(&r))
		return HM_ERR_CORRUPT;
	return HM_OK;
}

static int write_params(struct gov *g, MDB_txn *txn, const struct gov_params *p)
{
	struct hm_buf b;
	int rc;

	hm_buf_init(&b);
	if (!(rc = hm_put_u8(&b, p->default_bits)) && !(rc = hm_put_u64(&b, p->vdf_iterations)) &&
	    !(rc = hm_put_u64(&b, p->anchor_window)))
		rc = gov_put(g, txn, "params", 6, &b);
	hm_buf_free(&b);
	return rc;
}

static int write_level_stake(struct gov *g, MDB_txn *txn, const uint8_t *key, size_t key_len,
                             enum hm_stake_level level, uint64_t stake)
{
	struct hm_buf b;
	int rc;

	hm_buf_init(&b);
	if (!(rc = hm_put_u8(&b, (uint8_t)level)) && !(rc = hm_put_u64(&b, stake)))
		rc = gov_put(g, txn, key, key_len, &b);
	hm_buf_free(&b);
	return rc;
}

static int read_stake(struct gov *g, MDB_txn *txn, const uint8_t id[HM_KEY_ID_LEN],
                      struct hm_stake_entry *out)
{
	uint8_t key[1 + HM_KEY_ID_LEN];
	MDB_val v;
	int rc;

	id_key(key, 's', id);
	rc = gov_get(g, txn, key, sizeof(key), &v);
	if (rc == HM_ERR_NOT_FOUND) {
		out->level = HM_STAKE_NONE;
		out->stake = 0;
		return HM_OK;
	}
	if (rc != HM_OK)
		return rc;
	return decode_level_stake(v.mv_data, v.mv_size, &out->level, &out->stake) == HM_OK
	               ? HM_OK
	               : HM_ERR_CORRUPT;
}

/* ---- payloads ---- */

struct gov_payload {
	uint8_t log2, bits, level;
	uint8_t root[HM_PROOF_HASH_LEN];
	uint8_t key_id[HM_KEY_ID_LEN];
	uint16_t op_type;
	uint64_t a, b; /* vdf_iterations, anchor_window; or stake */
};

static int decode_payload(uint16_t type, const uint8_t *in, size_t len, struct gov_payload *p)
{
	struct hm_reader r;
	int rc;

	memset(p, 0, sizeof(*p));
	hm_reader_init(&r, in, len);
	switch (type) {
	case HM_OP_GOV_PLOT_REGISTER:
		if ((rc = hm_get_u8(&r, &p->log2)) ||
		    (rc = hm_get_bytes(&r, p->root, sizeof(p->root))))
			return rc;
		if (p->log2 < HM_SPACE_LOG2_MIN || p->log2 > HM_SPACE_LOG2_MAX)
			return HM_ERR_INVALID;
		break;
	case HM_OP_GOV_SET_DIFFICULTY:
		if ((rc = hm_get_u16(&r, &p->op_type)) || (rc = hm_get_u8(&r, &p->bits)))
			return rc;
		if (p->bits > HM_WORK_BITS_MAX)
			return HM_ERR_INVALID;
		break;
	case HM_OP_GOV_SET_TIME:
		if ((rc = hm_get_u64(&r, &p->a)) || (rc = hm_get_u64(&r, &p->b)))
			return rc;
		if (p->a == 0 || p->b == 0)
			return HM_ERR_INVALID;
		break;
	case HM_OP_GOV_SET_STAKE:
		if ((rc = hm_get_bytes(&r, p->key_id, HM_KEY_ID_LEN)) ||
		    (rc = hm_get_u8(&r, &p->level)) || (rc = hm_get_u64(&r, &p->a)))
			return rc;
		if (p->level > HM_STAKE_ADMIN)
			return HM_ERR_INVALID;
		break;
	case HM_OP_GOV_SET_REQUIREMENT:
		if ((rc = hm_get_u16(&r, &p->op_type)) || (rc = hm_get_u8(&r, &p->level)) ||
		    (rc = hm_get_u64(&r, &p->a)))
			return rc;
		if (p->level > HM_STAKE_ADMIN)
			return HM_ERR_INVALID;
		break;
	default:
		return HM_ERR_INVALID;
	}
	return hm_reader_finish(&r);
}

int hm_gov_plot_register_encode(uint8_t log2, const uint8_t root[HM_PROOF_HASH_LEN],
                                struct hm_buf *out)
{
	size_t start = out->len;
	int rc;

	if ((rc = hm_put_u8(out, log2)) || (rc = hm_put_bytes(out, root, HM_PROOF_HASH_LEN)))
		(void)hm_buf_truncate(out, start);
	return rc;
}

int hm_gov_set_difficulty_encode(uint16_t op_type, uint8_t bits, struct hm_buf *out)
{
	size_t start = out->len;
	int rc;

	if ((rc = hm_put_u16(out, op_type)) || (rc = hm_put_u8(out, bits)))
		(void)hm_buf_truncate(out, start);
	return rc;
}

int hm_gov_set_time_encode(uint64_t vdf_iterations, uint64_t anchor_window, struct hm_buf *out)
{
	size_t start = out->len;
	int rc;

	if ((rc = hm_put_u64(out, vdf_iterations)) || (rc = hm_put_u64(out, anchor_window)))
		(void)hm_buf_truncate(out, start);
	return rc;
}

int hm_gov_set_stake_encode(const uint8_t key_id[HM_KEY_ID_LEN], enum hm_stake_level level,
                            uint64_t stake, struct hm_buf *out)
{
	size_t start = out->len;
	int rc;

	if ((rc = hm_put_bytes(out, key_id, HM_KEY_ID_LEN)) ||
	    (rc = hm_put_u8(out, (uint8_t)level)) || (rc = hm_put_u64(out, stake)))
		(void)hm_buf_truncate(out, start);
	return rc;
}

int hm_gov_set_requirement_encode(uint16_t op_type, enum hm_stake_level min_level,
                                  uint64_t min_stake, struct hm_buf *out)
{
	size_t start = out->len;
	int rc;

	if ((rc = hm_put_u16(out, op_type)) || (rc = hm_put_u8(out, (uint8_t)min_level)) ||
	    (rc = hm_put_u64(out, min_stake)))
		(void)hm_buf_truncate(out, start);
	return rc;
}

/* ---- the module ---- */

static int gov_open(void *ctx, MDB_env *env, MDB_txn *txn)
{
	struct gov *g = ctx;
	int rc;

	(void)env;
	rc = mdb_dbi_open(txn, "gov", MDB_CREATE, &g->dbi);
	if (rc != 0)
		return mdb_to_hm(rc);
	g->opened = 1;
	return HM_OK;
}

static int gov_check(void *ctx, const struct hm_op *op)
{
	struct gov_payload p;

	(void)ctx;
	return decode_payload(op->type, op->payload, op->payload_len, &p);
}

static int gov_apply(void *ctx, MDB_txn *txn, const struct hm_block_info *b, const struct hm_op *op,
                     struct hm_buf *result)
{
	struct gov *g = ctx;
	struct hm_stake_entry signer;
	struct gov_payload p;
	struct gov_params params;
	uint8_t key[1 + HM_KEY_ID_LEN];
	struct hm_buf v;
	int rc;

	(void)b;
	(void)result;
	if ((rc = decode_payload(op->type, op->payload, op->payload_len, &p)) != HM_OK)
		return rc;
	if (op->type == HM_OP_GOV_PLOT_REGISTER) {
		/* A key registers its own plot; the seed binds the labels to it. */
		id_key(key, 'p', op->signer);
		hm_buf_init(&v);
		rc = hm_gov_plot_register_encode(p.log2, p.root, &v);
		if (rc == HM_OK)
			rc = gov_put(g, txn, key, sizeof(key), &v);
		hm_buf_free(&v);
		return rc;
	}
	if ((rc = read_stake(g, txn, op->signer, &signer)) != HM_OK)
		return rc;
	if (signer.level != HM_STAKE_ADMIN)
		return HM_ERR_PERMISSION;
	switch (op->type) {
	case HM_OP_GOV_SET_DIFFICULTY:
		type_key(key, 'd', p.op_type);
		hm_buf_init(&v);
		rc = hm_put_u8(&v, p.bits);
		if (rc == HM_OK)
			rc = gov_put(g, txn, key, 3, &v);
		hm_buf_free(&v);
		return rc;
	case HM_OP_GOV_SET_TIME:
		if ((rc = read_params(g, txn, &params)) != HM_OK)
			return rc;
		params.vdf_iterations = p.a;
		params.anchor_window = p.b;
		return write_params(g, txn, &params);
	case HM_OP_GOV_SET_STAKE:
		id_key(key, 's', p.key_id);
		return write_level_stake(g, txn, key, sizeof(key), (enum hm_stake_level)p.level,
		                         p.a);
	case HM_OP_GOV_SET_REQUIREMENT:
		type_key(key, 'r', p.op_type);
		return write_level_stake(g, txn, key, 3, (enum hm_stake_level)p.level, p.a);
	}
	return HM_ERR_INVALID;
}

static void gov_close(void *ctx)
{
	free(ctx);
}

int hm_gov_module_new(struct hm_module *out)
{
	struct gov *g;

	if (out == NULL)
		return HM_ERR_INVALID;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return HM_ERR_NOMEM;
	memset(out, 0, sizeof(*out));
	out->name = "governance";
	out->type_min = HM_OP_GOV_MIN;
	out->type_max = HM_OP_GOV_MAX;
	out->ctx = g;
	out->open = gov_open;
	out->check = gov_check;
	out->apply = gov_apply;
	out->committed = NULL;
	out->close = gov_close;
	return HM_OK;
}

int hm_gov_genesis_apply(void *module_ctx, MDB_txn *txn, const struct hm_gov_genesis *gen)
{
	struct gov *g = module_ctx;
	struct gov_params params;
	struct hm_buf v;
	MDB_val existing;
	int rc;

	if (g == NULL || txn == NULL || gen == NULL || gen->root_der == NULL ||
	    gen->root_len == 0 || gen->n_admins > HM_GOV_ADMINS_MAX ||
	    (gen->n_admins > 0 && gen->admins == NULL) ||
	    gen->default_work_bits > HM_WORK_BITS_MAX || gen->vdf_iterations == 0 ||
	    gen->anchor_window == 0)
		return HM_ERR_INVALID;
	rc = gov_get(g, txn, "params", 6, &existing);
	if (rc == HM_OK)
		return HM_ERR_EXISTS;
	if (rc != HM_ERR_NOT_FOUND)
		return rc;
	hm_buf_init(&v);
	rc = hm_buf_append(&v, gen->root_der, gen->root_len);
	if (rc == HM_OK)
		rc = gov_put(g, txn, "root", 4, &v);
	hm_buf_free(&v);
	if (rc != HM_OK)
		return rc;
	params.default_bits = (uint8_t)gen->default_work_bits;
	params.vdf_iterations = gen->vdf_iterations;
	params.anchor_window = gen->anchor_window;
	if ((rc = write_params(g, txn, &params)) != HM_OK)
		return rc;
	for (size_t i = 0; i < gen->n_admins; i++) {
		uint8_t key[1 + HM_KEY_ID_LEN];

		id_key(key, 's', gen->admins[i]);
		if ((rc = write_level_stake(g, txn, key, sizeof(key), HM_STAKE_ADMIN, 0)) != HM_OK)
			return rc;
	}
	for (size_t i = 0; i < gen->n_plots; i++) {
		const struct hm_plot_commitment *c = &gen->plots[i];
		uint8_t key[1 + HM_KEY_ID_LEN];

		if (c->log2_labels < HM_SPACE_LOG2_MIN || c->log2_labels > HM_SPACE_LOG2_MAX)
			return HM_ERR_INVALID;
		id_key(key, 'p', c->key_id);
		hm_buf_init(&v);
		rc = hm_gov_plot_register_encode(c->log2_labels, c->root, &v);
		if (rc == HM_OK)
			rc = gov_put(g, txn, key, sizeof(key), &v);
		hm_buf_free(&v);
		if (rc != HM_OK)
			return rc;
	}
	return HM_OK;
}

/* ---- the proof-state view ---- */

static int view_height(void *ctx, uint64_t *height)
{
	struct hm_gov_view *v = ctx;

	return v->height(v->node_ctx, height);
}

static int view_block_hash(void *ctx, uint64_t height, uint8_t hash[HM_PROOF_HASH_LEN])
{
	struct hm_gov_view *v = ctx;

	return v->block_hash(v->node_ctx, height, hash);
}

static int view_root(void *ctx, const uint8_t **der, size_t *len)
{
	struct hm_gov_view *v = ctx;
	MDB_val val;
	int rc = gov_get(v->module_ctx, v->txn, "root", 4, &val);

	if (rc != HM_OK)
		return rc == HM_ERR_NOT_FOUND ? HM_ERR_CORRUPT : rc;
	*der = val.mv_data;
	*len = val.mv_size;
	return HM_OK;
}

static int view_plot(void *ctx, const uint8_t key_id[HM_KEY_ID_LEN], struct hm_plot_commitment *out)
{
	struct hm_gov_view *v = ctx;
	uint8_t key[1 + HM_KEY_ID_LEN];
	struct hm_reader r;
	MDB_val val;
	int rc;

	id_key(key, 'p', key_id);
	if ((rc = gov_get(v->module_ctx, v->txn, key, sizeof(key), &val)) != HM_OK)
		return rc;
	memcpy(out->key_id, key_id, HM_KEY_ID_LEN);
	hm_reader_init(&r, val.mv_data, val.mv_size);
	if (hm_get_u8(&r, &out->log2_labels) || hm_get_bytes(&r, out->root, HM_PROOF_HASH_LEN) ||
	    hm_reader_finish(&r))
		return HM_ERR_CORRUPT;
	return HM_OK;
}

static int view_params(void *ctx, uint16_t op_type, struct hm_proof_params *out)
{
	struct hm_gov_view *v = ctx;
	struct gov_params p;
	uint8_t key[3];
	MDB_val val;
	int rc;

	if ((rc = read_params(v->module_ctx, v->txn, &p)) != HM_OK)
		return rc;
	out->work_bits = p.default_bits;
	out->vdf_iterations = p.vdf_iterations;
	out->anchor_window = p.anchor_window;
	out->min_level = HM_STAKE_NONE;
	out->min_stake = 0;
	type_key(key, 'd', op_type);
	rc = gov_get(v->module_ctx, v->txn, key, 3, &val);
	if (rc == HM_OK) {
		if (val.mv_size != 1 || ((const uint8_t *)val.mv_data)[0] > HM_WORK_BITS_MAX)
			return HM_ERR_CORRUPT;
		out->work_bits = ((const uint8_t *)val.mv_data)[0];
	} else if (rc != HM_ERR_NOT_FOUND) {
		return rc;
	}
	type_key(key, 'r', op_type);
	rc = gov_get(v->module_ctx, v->txn, key, 3, &val);
	if (rc == HM_OK)
		return decode_level_stake(val.mv_data, val.mv_size, &out->min_level,
		                          &out->min_stake)
		               ? HM_ERR_CORRUPT
		               : HM_OK;
	return rc == HM_ERR_NOT_FOUND ? HM_OK : rc;
}

static int view_stake(void *ctx, const uint8_t key_id[HM_KEY_ID_LEN], struct hm_stake_entry *out)
{
	struct hm_gov_view *v = ctx;

	return read_stake(v->module_ctx, v->txn, key_id, out);
}

static int view_cert_revoked(void *ctx, const uint8_t *serial, size_t serial_len, int *revoked)
{
	struct hm_gov_view *v = ctx;
	struct hm_tc_cert_info info;
	int rc;

	/* TrustChain serials are 16 bytes; anything else it did not issue. */
	if (serial_len != HM_TC_SERIAL_LEN)
		return HM_ERR_NOT_FOUND;
	hm_buf_init(&info.der);
	rc = hm_tc_get_cert(v->trustchain_ctx, v->txn, serial, &info);
	hm_buf_free(&info.der);
	if (rc == HM_OK)
		*revoked = info.status == HM_TC_CERT_REVOKED;
	return rc;
}

void hm_gov_state(struct hm_gov_view *view, struct hm_proof_state *st)
{
	st->ctx = view;
	st->height = view_height;
	st->block_hash = view_block_hash;
	st->root_cert = view_root;
	st->plot = view_plot;
	st->params = view_params;
	st->stake = view_stake;
	st->cert_revoked = view->trustchain_ctx != NULL ? view_cert_revoked : NULL;
}
