/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TrustChain state module (module.h). apply() re-checks every issuance
 * against its CSR and the registered validator intermediates, so a faulty or
 * malicious validator cannot get a certificate into state that the others
 * would not have issued; committed() moves issued certificates into the CT
 * log. State layout and the issuance design: docs/TRUSTCHAIN.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "der.h"
#include "hypermesh/codec.h"
#include "hypermesh/error.h"
#include "hypermesh/file.h"
#include "hypermesh/log.h"
#include "hypermesh/secure.h"
#include "hypermesh/sha3.h"
#include "hypermesh/trustchain_state.h"
#include "tc.h"

/* How far notBefore may lie from the block's timestamp. */
#define NOT_BEFORE_PAST_MS   (24 * 3600 * 1000ull)
#define NOT_BEFORE_FUTURE_MS (10 * 60 * 1000ull)

struct inter {
	gnutls_x509_crt_t crt;
	struct der_cert dc; /* views into der */
	uint8_t *der;
	size_t der_len;
	enum hm_sig_alg pq_alg; /* 0: none */
	struct hm_buf pq_pk;
	/* set when leaf signatures can be checked directly (inter_direct_key) */
	int ed25519_direct;
	uint8_t ed25519_pk[32];
};

struct tc_mod {
	struct hm_tc_genesis g;
	struct inter *inters;
	size_t n_inters;
	MDB_env *env;
	MDB_dbi meta, certs, requests, ops, revoked, inter_db, apikeys, audit, ctidx, blocks;
	struct hm_ct_log *log;
	uint8_t log_sk[HM_SIG_SK_MAX];
	size_t log_sk_len; /* 0: no log key, SCTs and STHs unsupported */
};

static int db_get(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, MDB_val *v)
{
	MDB_val key = { klen, (void *)k };
	return hm_err_from_mdb(mdb_get(txn, dbi, &key, v));
}

static int db_put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, const void *v, size_t vlen)
{
	MDB_val key = { klen, (void *)k }, val = { vlen, (void *)v };
	return hm_err_from_mdb(mdb_put(txn, dbi, &key, &val, 0));
}

static void be64(uint8_t out[8], uint64_t v)
{
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static int meta_u64(MDB_txn *txn, struct tc_mod *m, const char *name, uint64_t *v)
{
	MDB_val val;
	int rc = db_get(txn, m->meta, name, strlen(name), &val);

	if (rc == HM_ERR_NOT_FOUND) {
		*v = 0;
		return HM_OK;
	}
	if (rc != HM_OK)
		return rc;
	if (val.mv_size != 8)
		return HM_ERR_CORRUPT;
	*v = rd64(val.mv_data);
	return HM_OK;
}

static int meta_put_u64(MDB_txn *txn, struct tc_mod *m, const char *name, uint64_t v)
{
	uint8_t b[8];
	be64(b, v);
	return db_put(txn, m->meta, name, strlen(name), b, 8);
}

/* ---- records ---- */

struct cert_rec {
	enum hm_tc_profile profile;
	uint16_t inter;
	uint64_t ct_index, ts_ms, height;
	uint8_t request_id[32], op_digest[32];
	const uint8_t *cert;
	size_t cert_len;
};

static int cert_rec_encode(const struct cert_rec *r, struct hm_buf *out)
{
	int rc;
	if ((rc = hm_put_u8(out, (uint8_t)r->profile)) == HM_OK &&
	    (rc = hm_put_u16(out, r->inter)) == HM_OK &&
	    (rc = hm_put_u64(out, r->ct_index)) == HM_OK &&
	    (rc = hm_put_u64(out, r->ts_ms)) == HM_OK &&
	    (rc = hm_put_u64(out, r->height)) == HM_OK &&
	    (rc = hm_put_bytes(out, r->request_id, 32)) == HM_OK &&
	    (rc = hm_put_bytes(out, r->op_digest, 32)) == HM_OK)
		rc = hm_put_vec(out, 1, 0xffffff, r->cert, r->cert_len);
	return rc;
}

static int cert_rec_decode(struct cert_rec *r, const MDB_val *v)
{
	struct hm_reader rd;
	uint8_t profile;

	hm_reader_init(&rd, v->mv_data, v->mv_size);
	if (hm_get_u8(&rd, &profile) != HM_OK || hm_get_u16(&rd, &r->inter) != HM_OK ||
	    hm_get_u64(&rd, &r->ct_index) != HM_OK || hm_get_u64(&rd, &r->ts_ms) != HM_OK ||
	    hm_get_u64(&rd, &r->height) != HM_OK || hm_get_bytes(&rd, r->request_id, 32) != HM_OK ||
	    hm_get_bytes(&rd, r->op_digest, 32) != HM_OK ||
	    hm_get_vec(&rd, 1, 0xffffff, &r->cert, &r->cert_len) != HM_OK ||
	    hm_reader_finish(&rd) != HM_OK)
		return HM_ERR_CORRUPT;
	r->profile = (enum hm_tc_profile)profile;
	return HM_OK;
}

/* api key record: u8 role || u8 revoked || hash[32] || opaque label<0..64> */
struct key_rec {
	enum hm_tc_role role;
	uint8_t revoked;
	uint8_t hash[32];
	uint8_t label[HM_TC_LABEL_MAX];
	size_t label_len;
};

static int key_rec_get(MDB_txn *txn, struct tc_mod *m, const uint8_t id[HM_TC_KEY_ID_LEN],
                       struct key_rec *k)
{
	MDB_val v;
	int rc = db_get(txn, m->apikeys, id, HM_TC_KEY_ID_LEN, &v);

	if (rc != HM_OK)
		return rc;
	if (v.mv_size < 35 || v.mv_size > 35 + 1 + HM_TC_LABEL_MAX)
		return HM_ERR_CORRUPT;
	k->role = (enum hm_tc_role)((uint8_t *)v.mv_data)[0];
	k->revoked = ((uint8_t *)v.mv_data)[1];
	memcpy(k->hash, (uint8_t *)v.mv_data + 2, 32);
	k->label_len = ((uint8_t *)v.mv_data)[34];
	if (v.mv_size != 35 + k->label_len)
		return HM_ERR_CORRUPT;
	memcpy(k->label, (uint8_t *)v.mv_data + 35, k->label_len);
	return HM_OK;
}

static int key_rec_put(MDB_txn *txn, struct tc_mod *m, const uint8_t id[HM_TC_KEY_ID_LEN],
                       enum hm_tc_role role, uint8_t revoked, const uint8_t hash[32],
                       const uint8_t *label, size_t label_len)
{
	struct hm_buf b;
	int rc;

	hm_buf_init(&b);
	if ((rc = hm_put_u8(&b, (uint8_t)role)) == HM_OK &&
	    (rc = hm_put_u8(&b, revoked)) == HM_OK && (rc = hm_put_bytes(&b, hash, 32)) == HM_OK &&
	    (rc = hm_put_vec(&b, 0, HM_TC_LABEL_MAX, label, label_len)) == HM_OK)
		rc = db_put(txn, m->apikeys, id, HM_TC_KEY_ID_LEN, b.data, b.len);
	hm_buf_free(&b);
	return rc;
}

/* The actor of an operation: a known, unrevoked key whose role allows action. */
static int actor_allowed(MDB_txn *txn, struct tc_mod *m, const uint8_t actor[HM_TC_KEY_ID_LEN],
                         enum hm_tc_action action)
{
	struct key_rec k;
	int rc = key_rec_get(txn, m, actor, &k);

	if (rc == HM_ERR_NOT_FOUND)
		return HM_ERR_PERMISSION;
	if (rc != HM_OK)
		return rc;
	return !k.revoked && hm_tc_role_allows(k.role, action) ? HM_OK : HM_ERR_PERMISSION;
}

static int audit_append(MDB_txn *txn, struct tc_mod *m, const struct hm_block_info *b,
                        const struct hm_op *op, const uint8_t actor[HM_TC_KEY_ID_LEN],
                        const uint8_t *subject, size_t subject_len)
{
	uint64_t seq;
	uint8_t k[8];
	struct hm_buf v;
	int rc;

	if ((rc = meta_u64(txn, m, "audit_next", &seq)) != HM_OK)
		return rc;
	hm_buf_init(&v);
	be64(k, seq);
	if ((rc = hm_put_u64(&v, b->height)) == HM_OK &&
	    (rc = hm_put_u64(&v, b->timestamp_ms)) == HM_OK &&
	    (rc = hm_put_u16(&v, op->type)) == HM_OK &&
	    (rc = hm_put_bytes(&v, op->digest, HM_MODULE_HASH_LEN)) == HM_OK &&
	    (rc = hm_put_bytes(&v, op->signer, HM_MODULE_HASH_LEN)) == HM_OK &&
	    (rc = hm_put_bytes(&v, actor, HM_TC_KEY_ID_LEN)) == HM_OK &&
	    (rc = hm_put_vec(&v, 0, 255, subject, subject_len)) == HM_OK &&
	    (rc = db_put(txn, m->audit, k, 8, v.data, v.len)) == HM_OK)
		rc = meta_put_u64(txn, m, "audit_next", seq + 1);
	hm_buf_free(&v);
	return rc;
}

/* ---- open / genesis ---- */

static void inters_free(struct tc_mod *m)
{
	for (size_t i = 0; m->inters != NULL && i < m->n_inters; i++) {
		if (m->inters[i].crt != NULL)
			gnutls_x509_crt_deinit(m->inters[i].crt);
		hm_buf_free(&m->inters[i].pq_pk);
	}
	free(m->inters);
	m->inters = NULL;
}

static const uint8_t oid_ed25519[] = { 0x2b, 0x65, 0x70 }; /* 1.3.101.112, RFC 8410 */

/*
 * Whether the leaf certificates of in can be checked with one Ed25519
 * verification over their TBSCertificate instead of gnutls_x509_crt_verify,
 * and its key if so. The direct check must accept exactly what GnuTLS would
 * with this issuer as the one trusted CA, so it is taken only when nothing
 * but the signature remains for GnuTLS to decide: an X.509 v3 CA
 * (basicConstraints cA, keyCertSign when keyUsage is present) with an
 * Ed25519 key and no name constraints to apply to the leaf (issuer name and
 * key id are matched before, in issue_verify; time checks are off there).
 * Any other intermediate keeps the GnuTLS path.
 */
static void inter_direct_key(struct inter *in)
{
	static const uint8_t oid_name_constraints[] = { 0x55, 0x1d, 0x1e };
	struct der_cursor c, a;
	struct der_elem alg, oid, key, nc;
	unsigned crit = 0, ca = 0, ku = 0;
	int pathlen, rc;

	in->ed25519_direct = 0;
	der_cursor_inside(&c, &in->dc.spki);
	if (der_expect(&c, DER_SEQUENCE, &alg) != HM_OK ||
	    der_expect(&c, DER_BITSTRING, &key) != HM_OK || !der_cursor_done(&c))
		return;
	der_cursor_inside(&a, &alg);
	if (der_expect(&a, DER_OID, &oid) != HM_OK || !der_cursor_done(&a) ||
	    !der_oid_equal(&oid, oid_ed25519, sizeof(oid_ed25519)) || key.body_len != 33 ||
	    key.body[0] != 0)
		return;
	/* positive for a CA, 0 for an end entity, negative when absent or malformed */
	if (gnutls_x509_crt_get_version(in->crt) != 3 ||
	    gnutls_x509_crt_get_basic_constraints(in->crt, &crit, &ca, &pathlen) <= 0 || ca == 0)
		return;
	rc = gnutls_x509_crt_get_key_usage(in->crt, &ku, &crit);
	if (rc != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE &&
	    (rc < 0 || !(ku & GNUTLS_KEY_KEY_CERT_SIGN)))
		return;
	if (der_cert_extension(&in->dc, oid_name_constraints, sizeof(oid_name_constraints), &nc,
	                       NULL) != HM_ERR_NOT_FOUND)
		return;
	memcpy(in->ed25519_pk, key.body + 1, 32);
	in->ed25519_direct = 1;
}

static int inters_load(struct tc_mod *m)
{
	int rc;

	m->n_inters = m->g.n_intermediates;
	if ((m->inters = calloc(m->n_inters, sizeof(*m->inters))) == NULL)
		return HM_ERR_NOMEM;
	for (size_t i = 0; i < m->n_inters; i++) {
		struct inter *in = &m->inters[i];

		hm_buf_init(&in->pq_pk);
		in->der = m->g.intermediates[i].data;
		in->der_len = m->g.intermediates[i].len;
		if ((rc = der_cert_parse(in->der, in->der_len, &in->dc)) != HM_OK ||
		    (rc = tc_crt_import(in->der, in->der_len, &in->crt)) != HM_OK)
			return HM_ERR_ENCODING;
		inter_direct_key(in);
		rc = hm_tc_cert_alt_key(in->der, in->der_len, &in->pq_alg, &in->pq_pk);
		if (rc == HM_ERR_NOT_FOUND)
			in->pq_alg = 0;
		else if (rc != HM_OK)
			return rc;
	}
	return HM_OK;
}

static int tc_open(void *ctx, MDB_env *env, MDB_txn *txn)
{
	struct tc_mod *m = ctx;
	struct {
		const char *name;
		MDB_dbi *dbi;
	} dbs[] = {
		{ "tc_meta", &m->meta },         { "tc_certs", &m->certs },
		{ "tc_requests", &m->requests }, { "tc_ops", &m->ops },
		{ "tc_revoked", &m->revoked },   { "tc_intermediates", &m->inter_db },
		{ "tc_apikeys", &m->apikeys },   { "tc_audit", &m->audit },
		{ "tc_ct_index", &m->ctidx },    { "tc_blocks", &m->blocks },
	};
	MDB_val v;
	int rc;

	m->env = env;
	for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++)
		if ((rc = hm_err_from_mdb(
		             mdb_dbi_open(txn, dbs[i].name, MDB_CREATE, dbs[i].dbi))) != HM_OK)
			return rc;
	rc = db_get(txn, m->meta, "root", 4, &v);
	if (rc == HM_OK) {
		/* existing state must come from this genesis */
		if (v.mv_size != m->g.root.len || memcmp(v.mv_data, m->g.root.data, v.mv_size) != 0)
			return HM_ERR_CORRUPT;
		return HM_OK;
	}
	if (rc != HM_ERR_NOT_FOUND)
		return rc;
	if ((rc = db_put(txn, m->meta, "root", 4, m->g.root.data, m->g.root.len)) != HM_OK)
		return rc;
	for (size_t i = 0; i < m->g.n_intermediates; i++) {
		uint8_t k[2] = { (uint8_t)(i >> 8), (uint8_t)i };
		if ((rc = db_put(txn, m->inter_db, k, 2, m->g.intermediates[i].data,
		                 m->g.intermediates[i].len)) != HM_OK)
			return rc;
	}
	if ((rc = key_rec_put(txn, m, m->g.admin_id, HM_TC_ROLE_ADMIN, 0, m->g.admin_hash,
	                      (const uint8_t *)"genesis admin", 13)) != HM_OK ||
	    (rc = meta_put_u64(txn, m, "ct_next", 0)) != HM_OK)
		return rc;
	return meta_put_u64(txn, m, "audit_next", 0);
}

/* ---- check ---- */

static int tc_check(void *ctx, const struct hm_op *op)
{
	struct hm_tc_revoke_op r;
	struct hm_tc_apikey_op k;

	(void)ctx;
	switch (op->type) {
	case HM_OP_TC_ISSUE:
		/* every refusal is HM_ERR_INVALID: other codes would read as a node failure */
		return hm_tc_issue_op_check(op->payload, op->payload_len) == HM_OK ? HM_OK
		                                                                   : HM_ERR_INVALID;
	case HM_OP_TC_REVOKE:
		return hm_tc_revoke_op_decode(&r, op->payload, op->payload_len) == HM_OK
		               ? HM_OK
		               : HM_ERR_INVALID;
	case HM_OP_TC_APIKEY_CREATE:
		return hm_tc_apikey_create_op_decode(&k, op->payload, op->payload_len) == HM_OK
		               ? HM_OK
		               : HM_ERR_INVALID;
	case HM_OP_TC_APIKEY_REVOKE:
		return hm_tc_apikey_revoke_op_decode(&k, op->payload, op->payload_len) == HM_OK
		               ? HM_OK
		               : HM_ERR_INVALID;
	default:
		return HM_ERR_INVALID;
	}
}

/* ---- ISSUE ---- */

static int elem_equal(const struct der_elem *a, const struct der_elem *b)
{
	return a->len == b->len && memcmp(a->start, b->start, a->len) == 0;
}

/* Extension oid of the cert equals the one the CSR requested (both absent is equal). */
static int same_requested_ext(gnutls_x509_crq_t crq, const struct der_cert *dc, const char *oid,
                              const uint8_t *oid_der, size_t oid_der_len)
{
	gnutls_datum_t d = { NULL, 0 };
	unsigned crit = 0;
	struct der_elem v;
	int in_csr = gnutls_x509_crq_get_extension_by_oid2(crq, oid, 0, &d, &crit);
	int in_cert = der_cert_extension(dc, oid_der, oid_der_len, &v, NULL);
	int same;

	if (in_csr == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
		return in_cert == HM_ERR_NOT_FOUND;
	if (in_csr < 0)
		return 0;
	same = in_cert == HM_OK && v.body_len == d.size && memcmp(v.body, d.data, d.size) == 0;
	gnutls_free(d.data);
	return same;
}

static const uint8_t oid_san[] = { 0x55, 0x1d, 0x11 };

/* The extensions of a leaf: exactly the profile's, nothing else, none critical but BC/KU. */
static int leaf_extensions_ok(const struct der_cert *dc)
{
	static const uint8_t allowed[][3] = {
		{ 0x55, 0x1d, 0x13 }, /* basicConstraints */
		{ 0x55, 0x1d, 0x0f }, /* keyUsage */
		{ 0x55, 0x1d, 0x25 }, /* extKeyUsage */
		{ 0x55, 0x1d, 0x11 }, /* subjectAltName */
		{ 0x55, 0x1d, 0x0e }, /* subjectKeyIdentifier */
		{ 0x55, 0x1d, 0x23 }, /* authorityKeyIdentifier */
		{ 0x55, 0x1d, 0x1f }, /* cRLDistributionPoints */
		{ 0x55, 0x1d, 0x48 }, { 0x55, 0x1d, 0x49 }, { 0x55, 0x1d, 0x4a },
	};
	struct der_cursor list;
	int rc;

	if (!dc->has_extensions)
		return HM_ERR_INVALID;
	der_cursor_inside(&list, &dc->extensions);
	while (!der_cursor_done(&list)) {
		struct der_elem ext, id, v;
		struct der_cursor x;
		int ok = 0, critical = 0;

		if ((rc = der_expect(&list, DER_SEQUENCE, &ext)) != HM_OK)
			return HM_ERR_INVALID;
		der_cursor_inside(&x, &ext);
		if (der_expect(&x, DER_OID, &id) != HM_OK || der_next(&x, &v) != HM_OK)
			return HM_ERR_INVALID;
		if (v.tag == DER_BOOLEAN)
			critical = 1;
		for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
			if (der_oid_equal(&id, allowed[i], 3))
				ok = 1;
		if (!ok)
			return HM_ERR_INVALID;
		if (critical && !der_oid_equal(&id, allowed[0], 3) &&
		    !der_oid_equal(&id, allowed[1], 3))
			return HM_ERR_INVALID;
		/* der_cert_extension refuses duplicates and malformed criticality */
		struct der_elem dummy;
		if (der_cert_extension(dc, id.body, id.body_len, &dummy, NULL) != HM_OK)
			return HM_ERR_INVALID;
	}
	return HM_OK;
}

static int profile_usage_ok(gnutls_x509_crt_t crt, enum hm_tc_profile profile)
{
	unsigned ku = 0, crit = 0, want_ku = GNUTLS_KEY_DIGITAL_SIGNATURE, ca = 1;
	const char *want[2] = { NULL, NULL };
	int pathlen, n = 0;

	switch (profile) {
	case HM_TC_PROFILE_NODE:
		want[0] = GNUTLS_KP_TLS_WWW_SERVER;
		want[1] = GNUTLS_KP_TLS_WWW_CLIENT;
		break;
	case HM_TC_PROFILE_TLS_SERVER:
		want[0] = GNUTLS_KP_TLS_WWW_SERVER;
		break;
	case HM_TC_PROFILE_TLS_CLIENT:
		want[0] = GNUTLS_KP_TLS_WWW_CLIENT;
		break;
	case HM_TC_PROFILE_TX_SIGNING:
		want_ku |= GNUTLS_KEY_NON_REPUDIATION;
		want[0] = TC_OID_TX_SIGNING;
		break;
	default:
		return 0;
	}
	if (gnutls_x509_crt_get_basic_constraints(crt, &crit, &ca, &pathlen) != 0 || ca != 0)
		return 0;
	if (gnutls_x509_crt_get_key_usage(crt, &ku, &crit) < 0 || ku != want_ku)
		return 0;
	for (unsigned i = 0;; i++) {
		char oid[128];
		size_t size = sizeof(oid);
		int rc = gnutls_x509_crt_get_key_purpose_oid(crt, i, oid, &size, &crit);

		if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (rc < 0 || i >= 2 || want[i] == NULL || strcmp(oid, want[i]) != 0)
			return 0;
		n++;
	}
	return n == (want[1] != NULL ? 2 : 1);
}

/* The certificate's authorityKeyIdentifier names the issuer's subjectKeyIdentifier. */
static int key_id_matches(const struct der_cert *cert, const struct der_cert *issuer)
{
	static const uint8_t oid_aki[] = { 0x55, 0x1d, 0x23 }, oid_ski[] = { 0x55, 0x1d, 0x0e };
	struct der_elem aki, ski, seq, kid, oct;
	struct der_cursor c;

	if (der_cert_extension(cert, oid_aki, 3, &aki, NULL) != HM_OK ||
	    der_cert_extension(issuer, oid_ski, 3, &ski, NULL) != HM_OK ||
	    der_parse_one(aki.body, aki.body_len, DER_SEQUENCE, &seq) != HM_OK ||
	    der_parse_one(ski.body, ski.body_len, DER_OCTETS, &oct) != HM_OK)
		return 0;
	der_cursor_inside(&c, &seq);
	if (der_expect(&c, 0x80, &kid) != HM_OK) /* [0] keyIdentifier */
		return 0;
	return kid.body_len == oct.body_len && memcmp(kid.body, oct.body, kid.body_len) == 0;
}

/*
 * The CRL distribution point is the one genesis fixes for the intermediate
 * ("<crl_base>/<index>.crl"), or absent when genesis has no CRL base.
 */
static int crl_dp_ok(const struct tc_mod *m, gnutls_x509_crt_t crt, uint16_t index)
{
	char want[1100], got[1100];
	size_t size = sizeof(got) - 1;
	unsigned reasons = 0, crit = 0;
	int rc = gnutls_x509_crt_get_crl_dist_points(crt, 0, got, &size, &reasons, &crit);

	if (m->g.crl_base == NULL)
		return rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE;
	if (rc != GNUTLS_SAN_URI || crit || reasons != 0)
		return 0;
	got[size] = '\0';
	snprintf(want, sizeof(want), "%s/%u.crl", m->g.crl_base, (unsigned)index);
	size = sizeof(got) - 1;
	return strcmp(got, want) == 0 &&
	       gnutls_x509_crt_get_crl_dist_points(crt, 1, got, &size, &reasons, &crit) ==
	               GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE;
}

/*
 * The classical signature of the leaf dc (crt) by intermediate in. Every
 * validator checks every issued certificate here, so the common case, an
 * Ed25519 intermediate (inter_direct_key), is one Ed25519 verification over
 * the TBSCertificate bytes: gnutls_x509_crt_verify built a trust list and
 * compared certificates around the same verification, twice its cost. Both
 * signatureAlgorithm fields must be Ed25519 without parameters (RFC 8410
 * §3), as GnuTLS requires for an Ed25519 issuer.
 */
static int cert_signed_by(const struct inter *in, gnutls_x509_crt_t crt, const struct der_cert *dc)
{
	static const uint8_t alg_ed25519[] = { DER_SEQUENCE, 5, DER_OID, 3, 0x2b, 0x65, 0x70 };
	unsigned status = 0;

	if (!in->ed25519_direct)
		return gnutls_x509_crt_verify(crt, &in->crt, 1,
		                              GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
		                                      GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS,
		                              &status) >= 0 &&
		       status == 0;
	if (dc->sig_alg.len != sizeof(alg_ed25519) ||
	    memcmp(dc->sig_alg.start, alg_ed25519, sizeof(alg_ed25519)) != 0 ||
	    !elem_equal(&dc->sig_alg, &dc->tbs_sig_alg) || dc->sig.tag != DER_BITSTRING ||
	    dc->sig.body_len != 65 || dc->sig.body[0] != 0)
		return 0;
	return hm_sig_verify(HM_SIG_ED25519, in->ed25519_pk, 32, dc->sig.body + 1, 64,
	                     dc->tbs.start, dc->tbs.len) == HM_OK;
}

/* Checks the certificate of an ISSUE op; *inter_index gets its issuer. */
static int issue_verify(struct tc_mod *m, const struct hm_block_info *b,
                        const struct hm_tc_issue_op *op, const uint8_t serial[HM_TC_SERIAL_LEN],
                        uint16_t *inter_index)
{
	gnutls_x509_crq_t crq = NULL;
	gnutls_x509_crt_t crt = NULL;
	struct der_cert dc;
	struct der_elem csr_subject, csr_spki;
	struct inter *in = NULL;
	uint8_t got_serial[32];
	size_t got_len = sizeof(got_serial);
	uint64_t validity = hm_tc_profile_validity(op->profile);
	int rc;

	if (der_cert_parse(op->cert, op->cert_len, &dc) != HM_OK ||
	    der_csr_parse(op->csr, op->csr_len, &csr_subject, &csr_spki) != HM_OK)
		return HM_ERR_INVALID;
	/* the issuer: a registered validator intermediate, by name and key id */
	for (size_t i = 0; i < m->n_inters; i++) {
		if (elem_equal(&m->inters[i].dc.subject, &dc.issuer) &&
		    key_id_matches(&dc, &m->inters[i].dc)) {
			in = &m->inters[i];
			*inter_index = (uint16_t)i;
			break;
		}
	}
	if (in == NULL)
		return HM_ERR_NOT_FOUND;
	if ((rc = tc_crq_import(op->csr, op->csr_len, &crq)) != HM_OK)
		return rc == HM_ERR_NOMEM ? rc : HM_ERR_INVALID;
	if ((rc = tc_crq_check(crq, op->csr, op->csr_len, op->profile)) != HM_OK) {
		rc = rc == HM_ERR_VERIFY || rc == HM_ERR_NOMEM ? rc : HM_ERR_INVALID;
		goto out;
	}
	if (tc_crt_import(op->cert, op->cert_len, &crt) != HM_OK) {
		rc = HM_ERR_INVALID;
		goto out;
	}
	/* signatures: classical by the intermediate, and PQ when it has a PQ key */
	if (!cert_signed_by(in, crt, &dc)) {
		rc = HM_ERR_VERIFY;
		goto out;
	}
	if (in->pq_alg != 0 && hm_tc_cert_alt_verify(op->cert, op->cert_len, in->pq_alg,
	                                             in->pq_pk.data, in->pq_pk.len) != HM_OK) {
		rc = HM_ERR_VERIFY;
		goto out;
	}
	/* the certificate is what the CSR asked for, under the profile */
	rc = HM_ERR_INVALID;
	if (gnutls_x509_crt_get_version(crt) != 3 || !elem_equal(&dc.subject, &csr_subject) ||
	    !elem_equal(&dc.spki, &csr_spki) ||
	    !same_requested_ext(crq, &dc, "2.5.29.17", oid_san, sizeof(oid_san)) ||
	    !same_requested_ext(crq, &dc, TC_OID_ALT_KEY, tc_oid_alt_key, sizeof(tc_oid_alt_key)) ||
	    leaf_extensions_ok(&dc) != HM_OK || !profile_usage_ok(crt, op->profile))
		goto out;
	if (!crl_dp_ok(m, crt, *inter_index))
		goto out;
	if (gnutls_x509_crt_get_serial(crt, got_serial, &got_len) < 0 ||
	    got_len != HM_TC_SERIAL_LEN || memcmp(got_serial, serial, HM_TC_SERIAL_LEN) != 0)
		goto out;
	if (op->not_before > HM_TC_TIME_MAX - validity ||
	    (int64_t)gnutls_x509_crt_get_activation_time(crt) != (int64_t)op->not_before ||
	    (int64_t)gnutls_x509_crt_get_expiration_time(crt) !=
	            (int64_t)(op->not_before + validity))
		goto out;
	if (op->not_before * 1000 + NOT_BEFORE_PAST_MS < b->timestamp_ms ||
	    op->not_before * 1000 > b->timestamp_ms + NOT_BEFORE_FUTURE_MS)
		goto out;
	rc = HM_OK;
out:
	if (crq != NULL)
		gnutls_x509_crq_deinit(crq);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	return rc;
}

static int apply_issue(struct tc_mod *m, MDB_txn *txn, const struct hm_block_info *b,
                       const struct hm_op *op, struct hm_buf *result)
{
	struct hm_tc_issue_op is;
	struct cert_rec rec;
	uint8_t serial[HM_TC_SERIAL_LEN], k[8];
	struct hm_buf v;
	MDB_val existing;
	int rc;

	if (hm_tc_issue_op_decode(&is, op->payload, op->payload_len) != HM_OK)
		return HM_ERR_INVALID;
	if ((rc = actor_allowed(txn, m, is.actor, HM_TC_ACTION_ISSUE)) != HM_OK)
		return rc;
	memset(&rec, 0, sizeof(rec));
	hm_tc_request_id(is.profile, is.not_before, is.csr, is.csr_len, rec.request_id);
	hm_tc_serial_from_id(rec.request_id, serial);
	rc = db_get(txn, m->certs, serial, sizeof(serial), &existing);
	if (rc == HM_OK)
		return HM_ERR_EXISTS;
	if (rc != HM_ERR_NOT_FOUND)
		return rc;
	if ((rc = issue_verify(m, b, &is, serial, &rec.inter)) != HM_OK)
		return rc;
	if ((rc = meta_u64(txn, m, "ct_next", &rec.ct_index)) != HM_OK)
		return rc;
	rec.profile = is.profile;
	rec.ts_ms = b->timestamp_ms;
	rec.height = b->height;
	memcpy(rec.op_digest, op->digest, HM_MODULE_HASH_LEN);
	rec.cert = is.cert;
	rec.cert_len = is.cert_len;
	hm_buf_init(&v);
	be64(k, rec.ct_index);
	if ((rc = cert_rec_encode(&rec, &v)) == HM_OK &&
	    (rc = db_put(txn, m->certs, serial, sizeof(serial), v.data, v.len)) == HM_OK &&
	    (rc = db_put(txn, m->requests, rec.request_id, 32, serial, sizeof(serial))) == HM_OK &&
	    (rc = db_put(txn, m->ops, op->digest, HM_MODULE_HASH_LEN, serial, sizeof(serial))) ==
	            HM_OK &&
	    (rc = db_put(txn, m->ctidx, k, 8, serial, sizeof(serial))) == HM_OK &&
	    (rc = meta_put_u64(txn, m, "ct_next", rec.ct_index + 1)) == HM_OK) {
		uint8_t hk[8], size_after[8];
		be64(hk, b->height);
		be64(size_after, rec.ct_index + 1);
		rc = db_put(txn, m->blocks, hk, 8, size_after, 8);
	}
	if (rc == HM_OK)
		rc = audit_append(txn, m, b, op, is.actor, serial, sizeof(serial));
	if (rc == HM_OK && result != NULL) {
		if ((rc = hm_buf_append(result, serial, sizeof(serial))) == HM_OK)
			rc = hm_put_u64(result, rec.ct_index);
	}
	hm_buf_free(&v);
	return rc;
}

static int apply_revoke(struct tc_mod *m, MDB_txn *txn, const struct hm_block_info *b,
                        const struct hm_op *op)
{
	struct hm_tc_revoke_op r;
	MDB_val v;
	uint8_t rec[17];
	int rc;

	if (hm_tc_revoke_op_decode(&r, op->payload, op->payload_len) != HM_OK)
		return HM_ERR_INVALID;
	if ((rc = actor_allowed(txn, m, r.actor, HM_TC_ACTION_REVOKE)) != HM_OK ||
	    (rc = db_get(txn, m->certs, r.serial, HM_TC_SERIAL_LEN, &v)) != HM_OK)
		return rc;
	rc = db_get(txn, m->revoked, r.serial, HM_TC_SERIAL_LEN, &v);
	if (rc == HM_OK)
		return HM_ERR_EXISTS;
	if (rc != HM_ERR_NOT_FOUND)
		return rc;
	be64(rec, b->timestamp_ms);
	rec[8] = r.reason;
	be64(rec + 9, b->height);
	if ((rc = db_put(txn, m->revoked, r.serial, HM_TC_SERIAL_LEN, rec, sizeof(rec))) != HM_OK)
		return rc;
	return audit_append(txn, m, b, op, r.actor, r.serial, HM_TC_SERIAL_LEN);
}

static int apply_apikey(struct tc_mod *m, MDB_txn *txn, const struct hm_block_info *b,
                        const struct hm_op *op)
{
	struct hm_tc_apikey_op k;
	struct key_rec existing;
	int create = op->type == HM_OP_TC_APIKEY_CREATE, rc;

	rc = create ? hm_tc_apikey_create_op_decode(&k, op->payload, op->payload_len)
	            : hm_tc_apikey_revoke_op_decode(&k, op->payload, op->payload_len);
	if (rc != HM_OK)
		return HM_ERR_INVALID;
	if ((rc = actor_allowed(txn, m, k.actor, HM_TC_ACTION_KEY_MANAGE)) != HM_OK)
		return rc;
	rc = key_rec_get(txn, m, k.id, &existing);
	if (create) {
		if (rc == HM_OK)
			return HM_ERR_EXISTS;
		if (rc != HM_ERR_NOT_FOUND)
			return rc;
		rc = key_rec_put(txn, m, k.id, k.role, 0, k.hash, k.label, k.label_len);
	} else {
		if (rc != HM_OK)
			return rc;
		if (existing.revoked)
			return HM_ERR_EXISTS;
		/* the label stays: `apikey list` still names a revoked key */
		rc = key_rec_put(txn, m, k.id, existing.role, 1, existing.hash, existing.label,
		                 existing.label_len);
	}
	if (rc != HM_OK)
		return rc;
	return audit_append(txn, m, b, op, k.actor, k.id, HM_TC_KEY_ID_LEN);
}

static int tc_apply(void *ctx, MDB_txn *txn, const struct hm_block_info *b, const struct hm_op *op,
                    struct hm_buf *result)
{
	struct tc_mod *m = ctx;

	switch (op->type) {
	case HM_OP_TC_ISSUE:
		return apply_issue(m, txn, b, op, result);
	case HM_OP_TC_REVOKE:
		return apply_revoke(m, txn, b, op);
	case HM_OP_TC_APIKEY_CREATE:
	case HM_OP_TC_APIKEY_REVOKE:
		return apply_apikey(m, txn, b, op);
	default:
		return HM_ERR_INVALID;
	}
}

/* ---- committed: state -> CT log ---- */

static int leaf_of(const struct cert_rec *rec, struct hm_buf *out)
{
	struct hm_ct_entry e = { HM_CT_X509_ENTRY, rec->cert, rec->cert_len, { 0 } };
	return hm_ct_merkle_leaf_encode(rec->ts_ms, &e, NULL, 0, out);
}

/*
 * Appends every certificate state has numbered beyond the log's size. State
 * is durable before this runs, so after a crash at any point the log is a
 * prefix of what state expects and running again completes it: idempotent
 * per height, and a block whose leaves are already there appends nothing.
 */
static int tc_committed(void *ctx, const struct hm_block_info *b)
{
	struct tc_mod *m = ctx;
	MDB_txn *txn;
	uint64_t want, have;
	struct hm_buf *bufs = NULL;
	struct hm_ct_leaf *leaves = NULL;
	size_t n = 0;
	int rc;

	(void)b;
	if ((rc = hm_err_from_mdb(mdb_txn_begin(m->env, NULL, MDB_RDONLY, &txn))) != HM_OK)
		return rc;
	if ((rc = meta_u64(txn, m, "ct_next", &want)) != HM_OK ||
	    (rc = hm_ct_log_size(m->log, &have)) != HM_OK)
		goto out;
	if (have > want) {
		rc = HM_ERR_CORRUPT; /* the log holds certificates state never issued */
		goto out;
	}
	if (have == want)
		goto out;
	if (want - have > (1u << 20)) {
		rc = HM_ERR_TOO_LARGE;
		goto out;
	}
	n = (size_t)(want - have);
	bufs = calloc(n, sizeof(*bufs));
	leaves = calloc(n, sizeof(*leaves));
	if (bufs == NULL || leaves == NULL) {
		rc = HM_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t k[8];
		MDB_val s, v;
		struct cert_rec rec;

		hm_buf_init(&bufs[i]);
		be64(k, have + i);
		if ((rc = db_get(txn, m->ctidx, k, 8, &s)) != HM_OK ||
		    (rc = db_get(txn, m->certs, s.mv_data, s.mv_size, &v)) != HM_OK ||
		    (rc = cert_rec_decode(&rec, &v)) != HM_OK ||
		    (rc = leaf_of(&rec, &bufs[i])) != HM_OK) {
			if (rc == HM_ERR_NOT_FOUND)
				rc = HM_ERR_CORRUPT;
			goto out;
		}
		leaves[i].data = bufs[i].data;
		leaves[i].len = bufs[i].len;
	}
	rc = hm_ct_log_append_batch(m->log, leaves, n, NULL);
out:
	mdb_txn_abort(txn);
	for (size_t i = 0; bufs != NULL && i < n; i++)
		hm_buf_free(&bufs[i]);
	free(bufs);
	free(leaves);
	return rc;
}

static void tc_close(void *ctx)
{
	struct tc_mod *m = ctx;

	if (m == NULL)
		return;
	inters_free(m);
	hm_tc_genesis_free(&m->g);
	hm_ct_log_close(m->log);
	hm_wipe(m->log_sk, sizeof(m->log_sk));
	free(m);
}

static int load_log_key(struct tc_mod *m, const char *path)
{
	struct hm_buf b;
	struct hm_reader r;
	uint8_t magic[8];
	uint16_t alg;
	const uint8_t *pk, *sk;
	size_t pk_len, sk_len;
	int rc;

	hm_buf_init(&b);
	if ((rc = hm_file_read(path, 64 * 1024, &b)) != HM_OK)
		return rc;
	hm_reader_init(&r, b.data, b.len);
	if (hm_get_bytes(&r, magic, 8) != HM_OK || memcmp(magic, "HMTCPQK1", 8) != 0 ||
	    hm_get_u16(&r, &alg) != HM_OK || hm_get_vec(&r, 1, 0xffff, &pk, &pk_len) != HM_OK ||
	    hm_get_vec(&r, 1, 0xffff, &sk, &sk_len) != HM_OK || hm_reader_finish(&r) != HM_OK ||
	    sk_len > sizeof(m->log_sk))
		rc = HM_ERR_ENCODING;
	else if ((enum hm_sig_alg)alg != m->g.log_alg || pk_len != m->g.log_pk_len ||
	         memcmp(pk, m->g.log_pk, pk_len) != 0)
		rc = HM_ERR_INVALID; /* not the genesis log key */
	else {
		memcpy(m->log_sk, sk, sk_len);
		m->log_sk_len = sk_len;
	}
	hm_buf_free(&b);
	return rc;
}

int hm_tc_module_new(const struct hm_tc_module_config *cfg, struct hm_module *out)
{
	struct tc_mod *m;
	int rc;

	if (cfg == NULL || cfg->genesis_dir == NULL || cfg->ct_log_path == NULL || out == NULL)
		return HM_ERR_INVALID;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return HM_ERR_NOMEM;
	if ((rc = hm_tc_genesis_load(cfg->genesis_dir, &m->g)) != HM_OK ||
	    (rc = inters_load(m)) != HM_OK ||
	    (cfg->log_key_path != NULL && (rc = load_log_key(m, cfg->log_key_path)) != HM_OK) ||
	    (rc = hm_ct_log_open(cfg->ct_log_path, HM_CT_LOG_CREATE | cfg->ct_log_flags, 0,
	                         &m->log)) != HM_OK) {
		tc_close(m);
		return rc;
	}
	memset(out, 0, sizeof(*out));
	out->name = "trustchain";
	out->type_min = HM_OP_TRUSTCHAIN_MIN;
	out->type_max = HM_OP_TRUSTCHAIN_MAX;
	out->ctx = m;
	out->open = tc_open;
	out->check = tc_check;
	out->apply = tc_apply;
	out->committed = tc_committed;
	out->close = tc_close;
	return HM_OK;
}

/* ---- queries ---- */

struct hm_ct_log *hm_tc_ct_log(void *ctx)
{
	return ((struct tc_mod *)ctx)->log;
}

static int get_rec(struct tc_mod *m, MDB_txn *txn, const uint8_t serial[HM_TC_SERIAL_LEN],
                   struct cert_rec *rec)
{
	MDB_val v;
	int rc = db_get(txn, m->certs, serial, HM_TC_SERIAL_LEN, &v);
	return rc == HM_OK ? cert_rec_decode(rec, &v) : rc;
}

int hm_tc_get_cert(void *ctx, MDB_txn *txn, const uint8_t serial[HM_TC_SERIAL_LEN],
                   struct hm_tc_cert_info *info)
{
	struct tc_mod *m = ctx;
	struct cert_rec rec;
	MDB_val v;
	uint64_t size;
	int rc;

	if ((rc = get_rec(m, txn, serial, &rec)) != HM_OK ||
	    (rc = hm_ct_log_size(m->log, &size)) != HM_OK)
		return rc;
	info->der.len = 0;
	if ((rc = hm_buf_append(&info->der, rec.cert, rec.cert_len)) != HM_OK)
		return rc;
	info->profile = rec.profile;
	info->intermediate = rec.inter;
	info->ct_index = rec.ct_index;
	info->ct_timestamp_ms = rec.ts_ms;
	info->height = rec.height;
	memcpy(info->request_id, rec.request_id, 32);
	memcpy(info->op_digest, rec.op_digest, 32);
	info->status = rec.ct_index < size ? HM_TC_CERT_VALID : HM_TC_CERT_PENDING;
	info->revoked_at_ms = 0;
	info->revoke_reason = 0;
	rc = db_get(txn, m->revoked, serial, HM_TC_SERIAL_LEN, &v);
	if (rc == HM_OK) {
		if (v.mv_size != 17)
			return HM_ERR_CORRUPT;
		info->status = HM_TC_CERT_REVOKED;
		info->revoked_at_ms = rd64(v.mv_data);
		info->revoke_reason = ((uint8_t *)v.mv_data)[8];
	} else if (rc != HM_ERR_NOT_FOUND) {
		return rc;
	}
	return HM_OK;
}

int hm_tc_cert_is_revoked(void *ctx, const uint8_t *serial, size_t serial_len, int *revoked)
{
	struct tc_mod *m = ctx;
	MDB_txn *txn;
	MDB_val v;
	int rc;

	*revoked = 0;
	if (m->env == NULL)
		return HM_ERR_INVALID;
	/* TrustChain serials are 16 bytes; one of any other length it never issued. */
	if (serial_len != HM_TC_SERIAL_LEN)
		return HM_OK;
	if ((rc = hm_err_from_mdb(mdb_txn_begin(m->env, NULL, MDB_RDONLY, &txn))) != HM_OK)
		return rc;
	rc = db_get(txn, m->revoked, serial, HM_TC_SERIAL_LEN, &v);
	mdb_txn_abort(txn);
	if (rc == HM_OK)
		*revoked = 1;
	return rc == HM_ERR_NOT_FOUND ? HM_OK : rc;
}

static int get_serial(MDB_txn *txn, MDB_dbi dbi, const uint8_t *k, size_t klen,
                      uint8_t serial[HM_TC_SERIAL_LEN])
{
	MDB_val v;
	int rc = db_get(txn, dbi, k, klen, &v);

	if (rc != HM_OK)
		return rc;
	if (v.mv_size != HM_TC_SERIAL_LEN)
		return HM_ERR_CORRUPT;
	memcpy(serial, v.mv_data, HM_TC_SERIAL_LEN);
	return HM_OK;
}

int hm_tc_get_serial_by_request(void *ctx, MDB_txn *txn, const uint8_t id[HM_TC_REQUEST_ID_LEN],
                                uint8_t serial[HM_TC_SERIAL_LEN])
{
	return get_serial(txn, ((struct tc_mod *)ctx)->requests, id, HM_TC_REQUEST_ID_LEN, serial);
}

int hm_tc_get_serial_by_op(void *ctx, MDB_txn *txn, const uint8_t digest[HM_MODULE_HASH_LEN],
                           uint8_t serial[HM_TC_SERIAL_LEN])
{
	return get_serial(txn, ((struct tc_mod *)ctx)->ops, digest, HM_MODULE_HASH_LEN, serial);
}

int hm_tc_get_sct(void *ctx, MDB_txn *txn, const uint8_t serial[HM_TC_SERIAL_LEN],
                  struct hm_buf *out)
{
	struct tc_mod *m = ctx;
	struct cert_rec rec;
	struct hm_ct_sct sct;
	uint64_t size;
	int rc;

	if (m->log_sk_len == 0)
		return HM_ERR_UNSUPPORTED;
	if ((rc = get_rec(m, txn, serial, &rec)) != HM_OK ||
	    (rc = hm_ct_log_size(m->log, &size)) != HM_OK)
		return rc;
	if (rec.ct_index >= size)
		return HM_ERR_NOT_FOUND; /* not logged yet */
	struct hm_ct_entry e = { HM_CT_X509_ENTRY, rec.cert, rec.cert_len, { 0 } };
	memset(&sct, 0, sizeof(sct));
	sct.timestamp = rec.ts_ms;
	if ((rc = hm_ct_sct_sign(&sct, &e, m->g.log_alg, m->g.log_pk, m->g.log_pk_len, m->log_sk,
	                         m->log_sk_len)) != HM_OK)
		return rc;
	return hm_ct_sct_encode(&sct, out);
}

int hm_tc_get_inclusion(void *ctx, MDB_txn *txn, const uint8_t serial[HM_TC_SERIAL_LEN],
                        uint64_t *tree_size, uint8_t root[HM_CT_HASH_LEN], struct hm_buf *proof)
{
	struct tc_mod *m = ctx;
	struct cert_rec rec;
	uint8_t path[64][HM_CT_HASH_LEN];
	size_t n;
	uint64_t size;
	int rc;

	if ((rc = get_rec(m, txn, serial, &rec)) != HM_OK ||
	    (rc = hm_ct_log_size(m->log, &size)) != HM_OK)
		return rc;
	if (rec.ct_index >= size)
		return HM_ERR_NOT_FOUND;
	if ((rc = hm_ct_log_root(m->log, size, root)) != HM_OK ||
	    (rc = hm_ct_log_inclusion_proof(m->log, rec.ct_index, size, path, 64, &n)) != HM_OK)
		return rc;
	*tree_size = size;
	return hm_buf_append(proof, path, n * HM_CT_HASH_LEN);
}

int hm_tc_get_sth(void *ctx, uint64_t timestamp_ms, struct hm_ct_sth *sth)
{
	struct tc_mod *m = ctx;
	int rc;

	if (m->log_sk_len == 0)
		return HM_ERR_UNSUPPORTED;
	memset(sth, 0, sizeof(*sth));
	sth->timestamp = timestamp_ms;
	if ((rc = hm_ct_log_size(m->log, &sth->tree_size)) != HM_OK ||
	    (rc = hm_ct_log_root(m->log, sth->tree_size, sth->root_hash)) != HM_OK)
		return rc;
	return hm_ct_sth_sign(sth, m->g.log_alg, m->log_sk, m->log_sk_len);
}

int hm_tc_authorize(void *ctx, MDB_txn *txn, const char *presented_key, enum hm_tc_action action,
                    uint8_t actor[HM_TC_KEY_ID_LEN])
{
	struct tc_mod *m = ctx;
	uint8_t id[HM_TC_KEY_ID_LEN], hash[HM_TC_KEY_HASH_LEN];
	struct key_rec k;
	int rc;

	if (hm_tc_apikey_parse(presented_key, id, hash) != HM_OK)
		return HM_ERR_PERMISSION;
	rc = key_rec_get(txn, m, id, &k);
	if (rc == HM_ERR_NOT_FOUND)
		return HM_ERR_PERMISSION;
	if (rc != HM_OK)
		return rc;
	/* the id is public; the full hash is compared in constant time */
	if (!hm_ct_equal(k.hash, hash, sizeof(hash)) || k.revoked ||
	    !hm_tc_role_allows(k.role, action))
		return HM_ERR_PERMISSION;
	if (actor != NULL)
		memcpy(actor, id, HM_TC_KEY_ID_LEN);
	return HM_OK;
}

/* When key id was created: the block time of its APIKEY_CREATE audit record. */
static int apikey_created(struct tc_mod *m, MDB_txn *txn, const uint8_t id[HM_TC_KEY_ID_LEN],
                          uint64_t *created_ms)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, mrc;

	if ((rc = hm_err_from_mdb(mdb_cursor_open(txn, m->audit, &cur))) != HM_OK)
		return rc;
	rc = HM_ERR_NOT_FOUND;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == MDB_SUCCESS;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t *p = v.mv_data;
		/* u64 height || u64 time || u16 type || digest || signer || actor ||
		 * subject<0..255> */
		size_t fixed = 8 + 8 + 2 + 2 * HM_MODULE_HASH_LEN + HM_TC_KEY_ID_LEN;

		if (v.mv_size < fixed + 1 || v.mv_size != fixed + 1 + p[fixed]) {
			rc = HM_ERR_CORRUPT;
			break;
		}
		if (((uint16_t)(p[16] << 8 | p[17])) == HM_OP_TC_APIKEY_CREATE &&
		    p[fixed] == HM_TC_KEY_ID_LEN &&
		    memcmp(p + fixed + 1, id, HM_TC_KEY_ID_LEN) == 0) {
			*created_ms = rd64(p + 8);
			rc = HM_OK;
			break;
		}
	}
	if (rc == HM_ERR_NOT_FOUND && mrc != MDB_NOTFOUND && mrc != MDB_SUCCESS)
		rc = hm_err_from_mdb(mrc);
	mdb_cursor_close(cur);
	return rc;
}

int hm_tc_apikey_list(void *ctx, MDB_txn *txn, hm_tc_apikey_fn fn, void *arg)
{
	struct tc_mod *m = ctx;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, mrc;

	if (m == NULL || txn == NULL || fn == NULL)
		return HM_ERR_INVALID;
	if ((rc = hm_err_from_mdb(mdb_cursor_open(txn, m->apikeys, &cur))) != HM_OK)
		return rc;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == MDB_SUCCESS;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct hm_tc_apikey_info info;
		struct key_rec rec;

		if (k.mv_size != HM_TC_KEY_ID_LEN) {
			rc = HM_ERR_CORRUPT;
			break;
		}
		if ((rc = key_rec_get(txn, m, k.mv_data, &rec)) != HM_OK)
			break;
		memset(&info, 0, sizeof(info));
		memcpy(info.id, k.mv_data, HM_TC_KEY_ID_LEN);
		info.role = rec.role;
		info.revoked = rec.revoked != 0;
		memcpy(info.label, rec.label, rec.label_len);
		info.label_len = rec.label_len;
		rc = apikey_created(m, txn, info.id, &info.created_ms);
		if (rc == HM_ERR_NOT_FOUND) /* the genesis admin key has no creating operation */
			info.genesis = 1;
		else if (rc != HM_OK)
			break;
		if ((rc = fn(arg, &info)) != HM_OK)
			break;
	}
	if (rc == HM_OK && mrc != MDB_NOTFOUND)
		rc = hm_err_from_mdb(mrc);
	mdb_cursor_close(cur);
	return rc;
}

int hm_tc_audit_count(void *ctx, MDB_txn *txn, uint64_t *count)
{
	return meta_u64(txn, ctx, "audit_next", count);
}

int hm_tc_crl(void *ctx, MDB_txn *txn, const struct hm_tc_ca *ca, uint64_t this_update,
              uint64_t next_update, struct hm_buf *der)
{
	struct tc_mod *m = ctx;
	struct hm_tc_crl_entry *entries = NULL;
	size_t n = 0, cap = 0;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	long index = -1;
	int rc, mrc;

	for (size_t i = 0; i < m->n_inters; i++)
		if (m->inters[i].der_len == ca->der_len &&
		    memcmp(m->inters[i].der, ca->der, ca->der_len) == 0)
			index = (long)i;
	if (index < 0)
		return HM_ERR_NOT_FOUND;
	if ((rc = hm_err_from_mdb(mdb_cursor_open(txn, m->revoked, &cur))) != HM_OK)
		return rc;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == MDB_SUCCESS;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct cert_rec rec;
		const uint8_t *r = v.mv_data;

		if (v.mv_size != 17 || k.mv_size != HM_TC_SERIAL_LEN ||
		    get_rec(m, txn, k.mv_data, &rec) != HM_OK) {
			rc = HM_ERR_CORRUPT;
			goto out;
		}
		if (rec.inter != index)
			continue;
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			struct hm_tc_crl_entry *ne = realloc(entries, ncap * sizeof(*ne));
			if (ne == NULL) {
				rc = HM_ERR_NOMEM;
				goto out;
			}
			entries = ne;
			cap = ncap;
		}
		memcpy(entries[n].serial, k.mv_data, HM_TC_SERIAL_LEN);
		entries[n].revoked_at = rd64(r) / 1000;
		entries[n].reason = r[8];
		n++;
	}
	if (mrc != MDB_NOTFOUND) {
		rc = hm_err_from_mdb(mrc);
		goto out;
	}
	rc = hm_tc_crl_build(ca, this_update, next_update, entries, n, der);
out:
	mdb_cursor_close(cur);
	free(entries);
	return rc;
}
