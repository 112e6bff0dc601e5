/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE /* libuv headers need POSIX types (pthread_rwlock_t) */
/*
 * The post-quantum layer of STOQ (docs/STOQ.md, "Post-quantum layer").
 *
 * After the classical TLS 1.3 handshake, the client opens the connection's
 * first bidirectional stream (id 0) and the two sides run four messages:
 *
 *   ClientHello  : ephemeral hybrid KEM key (ML-KEM-1024 + X25519), the
 *                  client's PQ public key and its Ed25519 binding
 *   ServerHello  : KEM ciphertext, the server's PQ key and binding, and the
 *                  server's PQ signature over the transcript (which starts
 *                  with the TLS exporter, so it is bound to this session)
 *   ClientFinish : the client's PQ signature and a key confirmation MAC
 *   ServerFinish : the server's key confirmation MAC
 *
 * Keys: HKDF-SHA-256 with salt = TLS exporter (depends on the X25519 TLS
 * key exchange) and input = the hybrid KEM secret (ML-KEM-1024 and a second
 * X25519), over the transcript hash. Every application stream then carries
 * only records sealed with AES-256-GCM under those keys; a connection is
 * ready only once all four messages verified. Anything unexpected closes
 * the connection with HM_STOQ_APP_PQ_FAILED.
 *
 * The message codec (stoq_pq_msg_*) is pure and fuzzed (fuzz_stoq_pq.c).
 */
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "hypermesh/codec.h"
#include "hypermesh/error.h"
#include "hypermesh/hash.h"
#include "hypermesh/hybrid_kem.h"
#include "hypermesh/log.h"
#include "hypermesh/secure.h"
#include "hypermesh/sig.h"
#include "pq_wire.h"
#include "record.h"
#include "stoq_internal.h"

static const char exporter_label[] = "EXPORTER-STOQ-PQ-v1";
static const char binding_label[] = "STOQ-PQ key binding v1";
static const char server_sig_label[] = "STOQ-PQ server signature v1";
static const char client_sig_label[] = "STOQ-PQ client signature v1";
static const char keys_label[] = "STOQ-PQ keys v1";
static const char client_confirm_label[] = "STOQ-PQ client finished v1";
static const char server_confirm_label[] = "STOQ-PQ server finished v1";

#define HASH_LEN    32
#define KEY_LEN     32
#define SIG_MSG_MAX (sizeof(client_sig_label) + HASH_LEN)

enum pq_state {
	PQ_CLIENT_WAIT_SERVER_HELLO,
	PQ_CLIENT_WAIT_SERVER_FINISH,
	PQ_SERVER_WAIT_CLIENT_HELLO,
	PQ_SERVER_WAIT_CLIENT_FINISH,
};

struct stoq_pq {
	enum pq_state state;
	struct hm_stoq_stream *stream;
	struct hm_buf rx;         /* bytes of the PQ stream not yet consumed */
	struct hm_buf transcript; /* exporter || every message so far */
	uint8_t exporter[HASH_LEN];
	uint8_t kem_sk[HM_HYBRID_KEM_SK_LEN]; /* client: the ephemeral KEM key */
	uint8_t confirm_key[KEY_LEN];
	uint8_t th_keys[HASH_LEN]; /* transcript hash through ServerHello */
	int peer_alg;
	uint8_t peer_pq_pk[HM_SIG_PK_MAX];
	size_t peer_pq_pk_len;
};

/* ---- the pure message codec ---------------------------------------------- */

static int put_identity(struct hm_buf *b, const struct stoq_pq_identity *id)
{
	int rc = hm_put_u8(b, (uint8_t)id->alg);

	if (rc == HM_OK)
		rc = hm_put_vec(b, 1, 0xffff, id->pk, id->pk_len);
	if (rc == HM_OK)
		rc = hm_put_bytes(b, id->binding, STOQ_PQ_BINDING_LEN);
	return rc;
}

static int get_identity(struct hm_reader *r, struct stoq_pq_identity *id)
{
	uint8_t alg;
	int rc = hm_get_u8(r, &alg);

	if (rc == HM_OK)
		rc = hm_get_vec(r, 1, 0xffff, &id->pk, &id->pk_len);
	if (rc == HM_OK)
		rc = hm_get_view(r, STOQ_PQ_BINDING_LEN, &id->binding);
	id->alg = alg;
	return rc;
}

static int msg_begin(struct hm_buf *b, uint8_t type, size_t *start)
{
	*start = b->len;
	if (hm_put_u8(b, type) != HM_OK || hm_put_u24(b, 0) != HM_OK)
		return HM_ERR_NOMEM;
	return HM_OK;
}

static int msg_end(struct hm_buf *b, size_t start)
{
	size_t n = b->len - start - STOQ_PQ_MSG_HDR;

	if (n > STOQ_PQ_MSG_MAX)
		return HM_ERR_TOO_LARGE;
	b->data[start + 1] = (uint8_t)(n >> 16);
	b->data[start + 2] = (uint8_t)(n >> 8);
	b->data[start + 3] = (uint8_t)n;
	return HM_OK;
}

int stoq_pq_msg_split(const uint8_t *data, size_t len, uint8_t *type, const uint8_t **body,
                      size_t *body_len)
{
	size_t n;

	if (len < STOQ_PQ_MSG_HDR)
		return HM_ERR_TRUNCATED;
	n = (size_t)data[1] << 16 | (size_t)data[2] << 8 | data[3];
	if (n > STOQ_PQ_MSG_MAX)
		return HM_ERR_TOO_LARGE;
	if (len < STOQ_PQ_MSG_HDR + n)
		return HM_ERR_TRUNCATED;
	*type = data[0];
	*body = data + STOQ_PQ_MSG_HDR;
	*body_len = n;
	return HM_OK;
}

int stoq_pq_client_hello_decode(const uint8_t *body, size_t len, struct stoq_pq_client_hello *m)
{
	struct hm_reader r;
	uint8_t version;
	int rc;

	hm_reader_init(&r, body, len);
	rc = hm_get_u8(&r, &version);
	if (rc == HM_OK && version != STOQ_PQ_VERSION)
		rc = HM_ERR_UNSUPPORTED;
	if (rc == HM_OK)
		rc = hm_get_view(&r, HM_HYBRID_KEM_PK_LEN, &m->kem_pk);
	if (rc == HM_OK)
		rc = get_identity(&r, &m->id);
	if (rc == HM_OK)
		rc = hm_reader_finish(&r);
	return rc;
}

/* signed_len: bytes of body covered by the signature (everything before it). */
int stoq_pq_server_hello_decode(const uint8_t *body, size_t len, struct stoq_pq_server_hello *m,
                                size_t *signed_len)
{
	struct hm_reader r;
	uint8_t version;
	int rc;

	hm_reader_init(&r, body, len);
	rc = hm_get_u8(&r, &version);
	if (rc == HM_OK && version != STOQ_PQ_VERSION)
		rc = HM_ERR_UNSUPPORTED;
	if (rc == HM_OK)
		rc = hm_get_view(&r, HM_HYBRID_KEM_CT_LEN, &m->kem_ct);
	if (rc == HM_OK)
		rc = get_identity(&r, &m->id);
	if (rc == HM_OK) {
		*signed_len = len - hm_reader_remaining(&r);
		rc = hm_get_vec(&r, 1, 0xffff, &m->sig, &m->sig_len);
	}
	if (rc == HM_OK)
		rc = hm_reader_finish(&r);
	return rc;
}

int stoq_pq_client_finish_decode(const uint8_t *body, size_t len, struct stoq_pq_client_finish *m)
{
	struct hm_reader r;
	int rc;

	hm_reader_init(&r, body, len);
	rc = hm_get_vec(&r, 1, 0xffff, &m->sig, &m->sig_len);
	if (rc == HM_OK)
		rc = hm_get_view(&r, STOQ_PQ_CONFIRM_LEN, &m->confirm);
	if (rc == HM_OK)
		rc = hm_reader_finish(&r);
	return rc;
}

int stoq_pq_server_finish_decode(const uint8_t *body, size_t len, const uint8_t **confirm)
{
	struct hm_reader r;
	int rc;

	hm_reader_init(&r, body, len);
	rc = hm_get_view(&r, STOQ_PQ_CONFIRM_LEN, confirm);
	if (rc == HM_OK)
		rc = hm_reader_finish(&r);
	return rc;
}

/* ---- keys and identities -------------------------------------------------- */

void hm_stoq_pq_key_id(int alg, const uint8_t *pk, size_t pk_len,
                       uint8_t out[HM_STOQ_PQ_KEY_ID_LEN])
{
	uint8_t buf[1 + HM_SIG_PK_MAX];

	if (pk_len > HM_SIG_PK_MAX)
		pk_len = HM_SIG_PK_MAX;
	buf[0] = (uint8_t)alg;
	memcpy(buf + 1, pk, pk_len);
	hm_sha256(out, buf, 1 + pk_len);
}

/* label || node id || uint8 alg || uint16 len || pk: what the Ed25519 key signs. */
static size_t binding_message(uint8_t *out, const uint8_t node_id[HM_NODE_ID_LEN], int alg,
                              const uint8_t *pk, size_t pk_len)
{
	size_t n = 0;

	memcpy(out, binding_label, sizeof(binding_label));
	n += sizeof(binding_label);
	memcpy(out + n, node_id, HM_NODE_ID_LEN);
	n += HM_NODE_ID_LEN;
	out[n++] = (uint8_t)alg;
	out[n++] = (uint8_t)(pk_len >> 8);
	out[n++] = (uint8_t)pk_len;
	memcpy(out + n, pk, pk_len);
	return n + pk_len;
}

#define BINDING_MSG_MAX (sizeof(binding_label) + HM_NODE_ID_LEN + 3 + HM_SIG_PK_MAX)

static int pq_alg_allowed(int alg)
{
	return alg == HM_SIG_MLDSA87 || alg == HM_SIG_FALCON1024;
}

int stoq_pq_endpoint_init(struct hm_stoq_endpoint *ep, const struct hm_stoq_config *cfg)
{
	const struct hm_sig_info *info;
	uint8_t msg[BINDING_MSG_MAX], sk64[HM_ED25519_SK_LEN + HM_ED25519_PK_LEN];
	uint8_t sig[HM_SIG_SIG_MAX];
	size_t n, sig_len;
	int rc;

	if (cfg->pq == HM_STOQ_PQ_OFF)
		return HM_OK;
	if (cfg->pq != HM_STOQ_PQ_REQUIRED)
		return HM_ERR_INVALID;
	ep->pq_alg = cfg->pq_sig_alg != 0 ? cfg->pq_sig_alg : HM_SIG_MLDSA87;
	if (!pq_alg_allowed(ep->pq_alg))
		return HM_ERR_INVALID;
	info = hm_sig_info((enum hm_sig_alg)ep->pq_alg);
	if (info == NULL)
		return HM_ERR_UNSUPPORTED;
	ep->pq_pk = malloc(info->pk_len);
	ep->pq_sk = malloc(info->sk_len);
	if (ep->pq_pk == NULL || ep->pq_sk == NULL)
		return HM_ERR_NOMEM;
	ep->pq_pk_len = info->pk_len;
	ep->pq_sk_len = info->sk_len;
	if (cfg->pq_sk != NULL) {
		if (cfg->pq_pk == NULL || cfg->pq_pk_len != info->pk_len ||
		    cfg->pq_sk_len != info->sk_len)
			return HM_ERR_INVALID;
		memcpy(ep->pq_pk, cfg->pq_pk, info->pk_len);
		memcpy(ep->pq_sk, cfg->pq_sk, info->sk_len);
		/* A key pair that does not belong together fails here, not in every handshake. */
		rc = hm_sig_sign((enum hm_sig_alg)ep->pq_alg, sig, sizeof(sig), &sig_len, ep->pq_sk,
		                 ep->pq_sk_len, binding_label, sizeof(binding_label));
		if (rc != HM_OK)
			return HM_ERR_INVALID;
		if (hm_sig_verify((enum hm_sig_alg)ep->pq_alg, ep->pq_pk, ep->pq_pk_len, sig,
		                  sig_len, binding_label, sizeof(binding_label)) != HM_OK)
			return HM_ERR_INVALID;
	} else {
		rc = hm_sig_keygen((enum hm_sig_alg)ep->pq_alg, ep->pq_pk, ep->pq_pk_len, ep->pq_sk,
		                   ep->pq_sk_len);
		if (rc != HM_OK)
			return rc;
	}
	hm_stoq_pq_key_id(ep->pq_alg, ep->pq_pk, ep->pq_pk_len, ep->pq_key_id);
	n = binding_message(msg, ep->node_id, ep->pq_alg, ep->pq_pk, ep->pq_pk_len);
	memcpy(sk64, ep->identity.sk, HM_ED25519_SK_LEN);
	memcpy(sk64 + HM_ED25519_SK_LEN, ep->identity.pk, HM_ED25519_PK_LEN);
	rc = hm_sig_sign(HM_SIG_ED25519, ep->pq_binding, sizeof(ep->pq_binding), &sig_len, sk64,
	                 sizeof(sk64), msg, n);
	hm_wipe(sk64, sizeof(sk64));
	if (rc == HM_OK && sig_len != STOQ_PQ_BINDING_LEN)
		rc = HM_ERR_CRYPTO;
	if (rc == HM_OK && cfg->pq_fault == HM_STOQ_PQ_FAULT_BINDING)
		ep->pq_binding[7] ^= 0x01;
	return rc;
}

void stoq_pq_endpoint_free(struct hm_stoq_endpoint *ep)
{
	if (ep->pq_sk != NULL)
		hm_wipe(ep->pq_sk, ep->pq_sk_len);
	free(ep->pq_sk);
	free(ep->pq_pk);
	ep->pq_sk = ep->pq_pk = NULL;
}

int hm_stoq_endpoint_pq_key_id(const struct hm_stoq_endpoint *ep,
                               uint8_t out[HM_STOQ_PQ_KEY_ID_LEN])
{
	if (ep == NULL || ep->pq_pk == NULL)
		return HM_ERR_INVALID;
	memcpy(out, ep->pq_key_id, HM_STOQ_PQ_KEY_ID_LEN);
	return HM_OK;
}

int hm_stoq_conn_is_pq(const struct hm_stoq_conn *c)
{
	return hm_stoq_conn_is_ready(c) && c->pq && c->pq_done;
}

int hm_stoq_conn_peer_pq_key_id(const struct hm_stoq_conn *c, uint8_t out[HM_STOQ_PQ_KEY_ID_LEN])
{
	if (c == NULL || !c->ready || !c->pq_done)
		return HM_ERR_INVALID;
	memcpy(out, c->peer_pq_key_id, HM_STOQ_PQ_KEY_ID_LEN);
	return HM_OK;
}

/* ---- the handshake -------------------------------------------------------- */

void stoq_pq_conn_free(struct hm_stoq_conn *c)
{
	struct stoq_pq *p = c->pqs;

	if (p != NULL) {
		hm_buf_free(&p->rx);
		hm_buf_free(&p->transcript);
		hm_wipe(p, sizeof(*p));
		free(p);
		c->pqs = NULL;
	}
	if (c->pq_tx != NULL)
		gnutls_aead_cipher_deinit(c->pq_tx);
	if (c->pq_rx != NULL)
		gnutls_aead_cipher_deinit(c->pq_rx);
	c->pq_tx = c->pq_rx = NULL;
}

static void transcript_hash(const struct stoq_pq *p, uint8_t out[HASH_LEN])
{
	hm_sha256(out, p->transcript.data, p->transcript.len);
}

/* Hash of the transcript followed by extra bytes not yet appended. */
static int transcript_hash_with(struct stoq_pq *p, const uint8_t *extra, size_t n,
                                uint8_t out[HASH_LEN])
{
	size_t len = p->transcript.len;

	if (hm_buf_append(&p->transcript, extra, n) != HM_OK)
		return HM_ERR_NOMEM;
	transcript_hash(p, out);
	(void)hm_buf_truncate(&p->transcript, len);
	return HM_OK;
}

static size_t sig_message(uint8_t *out, const char *label, size_t label_len,
                          const uint8_t hash[HASH_LEN])
{
	memcpy(out, label, label_len);
	memcpy(out + label_len, hash, HASH_LEN);
	return label_len + HASH_LEN;
}

static int confirm_mac(const uint8_t key[KEY_LEN], const char *label, size_t label_len,
                       const uint8_t hash[HASH_LEN], uint8_t out[STOQ_PQ_CONFIRM_LEN])
{
	uint8_t msg[SIG_MSG_MAX];
	size_t n = sig_message(msg, label, label_len, hash);

	return gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, KEY_LEN, msg, n, out) == 0 ? HM_OK
	                                                                           : HM_ERR_CRYPTO;
}

/*
 * The record keys: HKDF-SHA-256(salt = TLS exporter, ikm = hybrid KEM
 * secret), expanded over the transcript hash through ServerHello into the
 * client-to-server key, the server-to-client key and the confirmation key.
 */
static int derive_keys(struct hm_stoq_conn *c, const uint8_t ss[HM_HYBRID_KEM_SS_LEN])
{
	struct stoq_pq *p = c->pqs;
	uint8_t prk[HASH_LEN], okm[3 * KEY_LEN], info[sizeof(keys_label) + HASH_LEN];
	gnutls_datum_t salt = { p->exporter, HASH_LEN },
	               ikm = { (uint8_t *)ss, HM_HYBRID_KEM_SS_LEN };
	gnutls_datum_t key = { prk, HASH_LEN }, inf = { info, 0 }, k;
	int rc = HM_ERR_CRYPTO;

	transcript_hash(p, p->th_keys);
	inf.size = (unsigned)sig_message(info, keys_label, sizeof(keys_label), p->th_keys);
	if (gnutls_hkdf_extract(GNUTLS_MAC_SHA256, &ikm, &salt, prk) != 0 ||
	    gnutls_hkdf_expand(GNUTLS_MAC_SHA256, &key, &inf, okm, sizeof(okm)) != 0)
		goto out;
	k.size = KEY_LEN;
	k.data = c->is_server ? okm + KEY_LEN : okm;
	if (gnutls_aead_cipher_init(&c->pq_tx, GNUTLS_CIPHER_AES_256_GCM, &k) != 0)
		goto out;
	k.data = c->is_server ? okm : okm + KEY_LEN;
	if (gnutls_aead_cipher_init(&c->pq_rx, GNUTLS_CIPHER_AES_256_GCM, &k) != 0)
		goto out;
	memcpy(p->confirm_key, okm + 2 * KEY_LEN, KEY_LEN);
	c->pq_keys = 1;
	rc = HM_OK;
out:
	hm_wipe(prk, sizeof(prk));
	hm_wipe(okm, sizeof(okm));
	return rc;
}

static int sign_hash(struct hm_stoq_conn *c, const char *label, size_t label_len,
                     const uint8_t hash[HASH_LEN], uint8_t *sig, size_t *sig_len)
{
	struct hm_stoq_endpoint *ep = c->ep;
	uint8_t msg[SIG_MSG_MAX];
	size_t n = sig_message(msg, label, label_len, hash);
	int rc;

	rc = hm_sig_sign((enum hm_sig_alg)ep->pq_alg, sig, HM_SIG_SIG_MAX, sig_len, ep->pq_sk,
	                 ep->pq_sk_len, msg, n);
	if (rc == HM_OK && ep->cfg.pq_fault == HM_STOQ_PQ_FAULT_SIGNATURE)
		sig[*sig_len / 2] ^= 0x10;
	return rc;
}

/*
 * The peer's PQ identity: an allowed algorithm, a key of the right length,
 * an Ed25519 binding by the key the TLS certificate proved, then the pin
 * (client) and the application's check. Sets the peer's key id.
 */
static int check_peer_identity(struct hm_stoq_conn *c, const struct stoq_pq_identity *id)
{
	struct stoq_pq *p = c->pqs;
	const struct hm_sig_info *info;
	uint8_t msg[BINDING_MSG_MAX];
	size_t n;
	int rc;

	if (!pq_alg_allowed(id->alg))
		return HM_ERR_UNSUPPORTED;
	info = hm_sig_info((enum hm_sig_alg)id->alg);
	if (info == NULL || id->pk_len != info->pk_len)
		return HM_ERR_LENGTH;
	n = binding_message(msg, c->peer_id, id->alg, id->pk, id->pk_len);
	if (hm_sig_verify(HM_SIG_ED25519, c->peer_pk, sizeof(c->peer_pk), id->binding,
	                  STOQ_PQ_BINDING_LEN, msg, n) != HM_OK)
		return HM_ERR_VERIFY;
	hm_stoq_pq_key_id(id->alg, id->pk, id->pk_len, c->peer_pq_key_id);
	if (c->has_expected_pq_key_id &&
	    !hm_ct_equal(c->peer_pq_key_id, c->expected_pq_key_id, HM_STOQ_PQ_KEY_ID_LEN))
		return HM_ERR_VERIFY;
	if (c->ep->cfg.pq_check != NULL) {
		rc = c->ep->cfg.pq_check(c->peer_id, c->peer_pq_key_id, c->ep->cfg.user);
		if (rc != HM_OK)
			return HM_ERR_VERIFY;
	}
	p->peer_alg = id->alg;
	memcpy(p->peer_pq_pk, id->pk, id->pk_len);
	p->peer_pq_pk_len = id->pk_len;
	return HM_OK;
}

static int verify_peer_sig(struct stoq_pq *p, const char *label, size_t label_len,
                           const uint8_t hash[HASH_LEN], const uint8_t *sig, size_t sig_len)
{
	uint8_t msg[SIG_MSG_MAX];
	size_t n = sig_message(msg, label, label_len, hash);

	return hm_sig_verify((enum hm_sig_alg)p->peer_alg, p->peer_pq_pk, p->peer_pq_pk_len, sig,
	                     sig_len, msg, n) == HM_OK
	               ? HM_OK
	               : HM_ERR_VERIFY;
}

static struct stoq_pq_identity our_identity(const struct hm_stoq_endpoint *ep)
{
	struct stoq_pq_identity id = { ep->pq_alg, ep->pq_pk, ep->pq_pk_len, ep->pq_binding };

	return id;
}

/* Sends one message on the PQ stream and appends it to the transcript. */
static int send_msg(struct hm_stoq_conn *c, const struct hm_buf *m, int fin)
{
	struct stoq_pq *p = c->pqs;

	if (hm_buf_append(&p->transcript, m->data, m->len) != HM_OK)
		return HM_ERR_NOMEM;
	return hm_stoq_stream_write(p->stream, m->data, m->len, fin);
}

static void pq_finished(struct hm_stoq_conn *c)
{
	struct stoq_pq *p = c->pqs;

	p->stream = NULL;
	c->pq_done = 1;
	hm_buf_free(&p->rx);
	hm_buf_free(&p->transcript);
	hm_wipe(p, sizeof(*p));
	free(p);
	c->pqs = NULL;
	/* A client is ready once its handshake is also confirmed (conn.c). */
	if (c->is_server || c->confirmed)
		c->ready_pending = 1;
}

static int server_on_client_hello(struct hm_stoq_conn *c, const uint8_t *raw, size_t raw_len,
                                  const uint8_t *body, size_t len)
{
	struct hm_stoq_endpoint *ep = c->ep;
	struct stoq_pq *p = c->pqs;
	struct stoq_pq_client_hello m;
	struct stoq_pq_identity me = our_identity(ep);
	uint8_t ct[HM_HYBRID_KEM_CT_LEN], ss[HM_HYBRID_KEM_SS_LEN], hash[HASH_LEN];
	uint8_t sig[HM_SIG_SIG_MAX];
	struct hm_buf out;
	size_t start, sig_len;
	int rc;

	rc = stoq_pq_client_hello_decode(body, len, &m);
	if (rc != HM_OK)
		return rc;
	if (ep->cfg.pq_fault == HM_STOQ_PQ_FAULT_STALL) {
		p->state = PQ_SERVER_WAIT_CLIENT_FINISH; /* and nothing sent: the client waits */
		return HM_OK;
	}
	rc = check_peer_identity(c, &m.id);
	if (rc != HM_OK)
		return rc;
	if (hm_buf_append(&p->transcript, raw, raw_len) != HM_OK)
		return HM_ERR_NOMEM;
	rc = hm_hybrid_kem_encaps(ct, ss, m.kem_pk);
	if (rc != HM_OK)
		return rc;
	if (ep->cfg.pq_fault == HM_STOQ_PQ_FAULT_CIPHERTEXT)
		ct[100] ^= 0x01;
	hm_buf_init(&out);
	rc = msg_begin(&out, STOQ_PQ_SERVER_HELLO, &start);
	if (rc == HM_OK)
		rc = hm_put_u8(&out, STOQ_PQ_VERSION);
	if (rc == HM_OK)
		rc = hm_put_bytes(&out, ct, sizeof(ct));
	if (rc == HM_OK)
		rc = put_identity(&out, &me);
	/* The signature covers the exporter, ClientHello and ServerHello up to here. */
	if (rc == HM_OK)
		rc = transcript_hash_with(p, out.data + STOQ_PQ_MSG_HDR, out.len - STOQ_PQ_MSG_HDR,
		                          hash);
	if (rc == HM_OK)
		rc = sign_hash(c, server_sig_label, sizeof(server_sig_label), hash, sig, &sig_len);
	if (rc == HM_OK)
		rc = hm_put_vec(&out, 1, 0xffff, sig, sig_len);
	if (rc == HM_OK)
		rc = msg_end(&out, start);
	if (rc == HM_OK)
		rc = send_msg(c, &out, 0);
	if (rc == HM_OK)
		rc = derive_keys(c, ss);
	hm_wipe(ss, sizeof(ss));
	hm_buf_free(&out);
	if (rc == HM_OK)
		p->state = PQ_SERVER_WAIT_CLIENT_FINISH;
	return rc;
}

static int client_on_server_hello(struct hm_stoq_conn *c, const uint8_t *raw, size_t raw_len,
                                  const uint8_t *body, size_t len)
{
	struct stoq_pq *p = c->pqs;
	struct stoq_pq_server_hello m;
	uint8_t ss[HM_HYBRID_KEM_SS_LEN], hash[HASH_LEN], confirm[STOQ_PQ_CONFIRM_LEN];
	uint8_t sig[HM_SIG_SIG_MAX];
	struct hm_buf out;
	size_t signed_len, start, sig_len;
	int rc;

	rc = stoq_pq_server_hello_decode(body, len, &m, &signed_len);
	if (rc != HM_OK)
		return rc;
	rc = check_peer_identity(c, &m.id);
	if (rc != HM_OK)
		return rc;
	rc = transcript_hash_with(p, body, signed_len, hash);
	if (rc == HM_OK)
		rc = verify_peer_sig(p, server_sig_label, sizeof(server_sig_label), hash, m.sig,
		                     m.sig_len);
	if (rc != HM_OK)
		return rc;
	if (hm_buf_append(&p->transcript, raw, raw_len) != HM_OK)
		return HM_ERR_NOMEM;
	rc = hm_hybrid_kem_decaps(ss, p->kem_sk, m.kem_ct);
	hm_wipe(p->kem_sk, sizeof(p->kem_sk));
	if (rc == HM_OK)
		rc = derive_keys(c, ss);
	hm_wipe(ss, sizeof(ss));
	if (rc != HM_OK)
		return rc;
	hm_buf_init(&out);
	rc = sign_hash(c, client_sig_label, sizeof(client_sig_label), p->th_keys, sig, &sig_len);
	if (rc == HM_OK)
		rc = confirm_mac(p->confirm_key, client_confirm_label, sizeof(client_confirm_label),
		                 p->th_keys, confirm);
	if (rc == HM_OK)
		rc = msg_begin(&out, STOQ_PQ_CLIENT_FINISH, &start);
	if (rc == HM_OK)
		rc = hm_put_vec(&out, 1, 0xffff, sig, sig_len);
	if (rc == HM_OK)
		rc = hm_put_bytes(&out, confirm, sizeof(confirm));
	if (rc == HM_OK)
		rc = msg_end(&out, start);
	if (rc == HM_OK)
		rc = send_msg(c, &out, 1);
	hm_buf_free(&out);
	if (rc == HM_OK)
		p->state = PQ_CLIENT_WAIT_SERVER_FINISH;
	return rc;
}

static int server_on_client_finish(struct hm_stoq_conn *c, const uint8_t *raw, size_t raw_len,
                                   const uint8_t *body, size_t len)
{
	struct stoq_pq *p = c->pqs;
	struct stoq_pq_client_finish m;
	uint8_t confirm[STOQ_PQ_CONFIRM_LEN], hash[HASH_LEN];
	struct hm_buf out;
	size_t start;
	int rc;

	rc = stoq_pq_client_finish_decode(body, len, &m);
	if (rc != HM_OK)
		return rc;
	rc = verify_peer_sig(p, client_sig_label, sizeof(client_sig_label), p->th_keys, m.sig,
	                     m.sig_len);
	if (rc != HM_OK)
		return rc;
	/* A wrong KEM ciphertext shows here: the client derived other keys. */
	rc = confirm_mac(p->confirm_key, client_confirm_label, sizeof(client_confirm_label),
	                 p->th_keys, confirm);
	if (rc != HM_OK)
		return rc;
	if (!hm_ct_equal(confirm, m.confirm, sizeof(confirm)))
		return HM_ERR_VERIFY;
	if (hm_buf_append(&p->transcript, raw, raw_len) != HM_OK)
		return HM_ERR_NOMEM;
	transcript_hash(p, hash);
	rc = confirm_mac(p->confirm_key, server_confirm_label, sizeof(server_confirm_label), hash,
	                 confirm);
	hm_buf_init(&out);
	if (rc == HM_OK)
		rc = msg_begin(&out, STOQ_PQ_SERVER_FINISH, &start);
	if (rc == HM_OK)
		rc = hm_put_bytes(&out, confirm, sizeof(confirm));
	if (rc == HM_OK)
		rc = msg_end(&out, start);
	if (rc == HM_OK)
		rc = send_msg(c, &out, 1);
	hm_buf_free(&out);
	if (rc == HM_OK)
		pq_finished(c);
	return rc;
}

static int client_on_server_finish(struct hm_stoq_conn *c, const uint8_t *body, size_t len)
{
	struct stoq_pq *p = c->pqs;
	uint8_t confirm[STOQ_PQ_CONFIRM_LEN], hash[HASH_LEN];
	const uint8_t *theirs;
	int rc;

	rc = stoq_pq_server_finish_decode(body, len, &theirs);
	if (rc != HM_OK)
		return rc;
	transcript_hash(p, hash);
	rc = confirm_mac(p->confirm_key, server_confirm_label, sizeof(server_confirm_label), hash,
	                 confirm);
	if (rc != HM_OK)
		return rc;
	if (!hm_ct_equal(confirm, theirs, sizeof(confirm)))
		return HM_ERR_VERIFY;
	pq_finished(c);
	return HM_OK;
}

static int pq_dispatch(struct hm_stoq_conn *c, uint8_t type, const uint8_t *raw, size_t raw_len,
                       const uint8_t *body, size_t len)
{
	switch (c->pqs->state) {
	case PQ_SERVER_WAIT_CLIENT_HELLO:
		if (type == STOQ_PQ_CLIENT_HELLO)
			return server_on_client_hello(c, raw, raw_len, body, len);
		break;
	case PQ_SERVER_WAIT_CLIENT_FINISH:
		if (type == STOQ_PQ_CLIENT_FINISH)
			return server_on_client_finish(c, raw, raw_len, body, len);
		break;
	case PQ_CLIENT_WAIT_SERVER_HELLO:
		if (type == STOQ_PQ_SERVER_HELLO)
			return client_on_server_hello(c, raw, raw_len, body, len);
		break;
	case PQ_CLIENT_WAIT_SERVER_FINISH:
		if (type == STOQ_PQ_SERVER_FINISH)
			return client_on_server_finish(c, body, len);
		break;
	}
	return HM_ERR_INVALID;
}

static void pq_on_data(struct hm_stoq_stream *s, const uint8_t *data, size_t len, int fin,
                       void *user)
{
	struct hm_stoq_conn *c = user;
	struct stoq_pq *p = c->pqs;
	const uint8_t *body;
	size_t body_len, used, have;
	uint8_t type;
	int rc = HM_OK;

	(void)s;
	if (c->closed || c->close_requested)
		return;
	if (p == NULL) {
		/* Finished: only the peer's FIN may follow. */
		if (len > 0)
			stoq_conn_fail_pq(c, HM_ERR_CRYPTO, "bytes after the PQ handshake");
		return;
	}
	if (hm_buf_append(&p->rx, data, len) != HM_OK) {
		stoq_conn_fail_pq(c, HM_ERR_NOMEM, "out of memory");
		return;
	}
	while (rc == HM_OK && c->pqs != NULL && p->rx.len > 0) {
		rc = stoq_pq_msg_split(p->rx.data, p->rx.len, &type, &body, &body_len);
		if (rc != HM_OK)
			break;
		used = STOQ_PQ_MSG_HDR + body_len;
		have = p->rx.len;
		rc = pq_dispatch(c, type, p->rx.data, used, body, body_len);
		if (rc != HM_OK)
			break;
		if (c->pqs == NULL) {
			/* Finished, and p is gone: nothing may follow the last message. */
			if (have != used)
				rc = HM_ERR_TRAILING;
			break;
		}
		memmove(p->rx.data, p->rx.data + used, p->rx.len - used);
		(void)hm_buf_truncate(&p->rx, p->rx.len - used);
	}
	if (rc == HM_ERR_TRUNCATED && !fin)
		return;
	if (rc == HM_OK && fin && c->pqs != NULL)
		rc = HM_ERR_TRUNCATED; /* the peer finished the stream too early */
	if (rc != HM_OK)
		stoq_conn_fail_pq(c,
		                  rc == HM_ERR_NOMEM    ? HM_ERR_NOMEM
		                  : rc == HM_ERR_VERIFY ? HM_ERR_VERIFY
		                                        : HM_ERR_CRYPTO,
		                  hm_strerror(rc));
}

static void pq_on_close(struct hm_stoq_stream *s, int err, uint64_t app_code, void *user)
{
	struct hm_stoq_conn *c = user;

	(void)err;
	(void)app_code;
	if (c->pqs != NULL && c->pqs->stream == s) {
		c->pqs->stream = NULL;
		stoq_conn_fail_pq(c, HM_ERR_CRYPTO, "PQ stream closed early");
	}
}

static const struct hm_stoq_stream_callbacks pq_stream_callbacks = {
	.on_data = pq_on_data,
	.on_close = pq_on_close,
};

int stoq_pq_handshake_completed(struct hm_stoq_conn *c)
{
	struct stoq_pq *p;

	if (!c->pq)
		return HM_OK;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return HM_ERR_NOMEM;
	c->pqs = p;
	if (gnutls_prf_rfc5705(c->tls, sizeof(exporter_label) - 1, exporter_label, 0, NULL,
	                       sizeof(p->exporter), (char *)p->exporter) < 0)
		return HM_ERR_CRYPTO;
	if (hm_buf_append(&p->transcript, p->exporter, sizeof(p->exporter)) != HM_OK)
		return HM_ERR_NOMEM;
	if (c->is_server) {
		p->state = PQ_SERVER_WAIT_CLIENT_HELLO;
	} else {
		p->state = PQ_CLIENT_WAIT_SERVER_HELLO;
		c->pq_start_pending = 1;
	}
	return HM_OK;
}

/* Tests: application bytes on a stream before any PQ key exists. */
static void early_plain_stream(struct hm_stoq_conn *c)
{
	static const char msg[] = "early application data";
	struct hm_stoq_stream *s;
	int64_t id;

	if (stoq_stream_new(c, -1, &s) != HM_OK)
		return;
	if (ngtcp2_conn_open_uni_stream(c->qc, &id, s) != 0) {
		s->closed = 1;
		return;
	}
	s->id = id;
	s->plain = 1;
	hm_stoq_stream_set_callbacks(s, NULL, NULL);
	(void)hm_stoq_stream_write(s, msg, sizeof(msg), 1);
}

void stoq_pq_client_start(struct hm_stoq_conn *c)
{
	struct hm_stoq_endpoint *ep = c->ep;
	struct stoq_pq *p = c->pqs;
	struct stoq_pq_identity me = our_identity(ep);
	uint8_t kem_pk[HM_HYBRID_KEM_PK_LEN];
	struct hm_stoq_stream *s;
	struct hm_buf out;
	size_t start;
	int64_t id;
	int rc;

	c->pq_start_pending = 0;
	rc = stoq_stream_new(c, -1, &s);
	if (rc != HM_OK)
		goto fail;
	if (ngtcp2_conn_open_bidi_stream(c->qc, &id, s) != 0 || id != 0) {
		s->closed = 1;
		rc = HM_ERR_INVALID;
		goto fail;
	}
	s->id = id;
	s->plain = 1;
	hm_stoq_stream_set_callbacks(s, &pq_stream_callbacks, c);
	p->stream = s;
	rc = hm_hybrid_kem_keygen(kem_pk, p->kem_sk);
	if (rc != HM_OK)
		goto fail;
	hm_buf_init(&out);
	rc = msg_begin(&out, STOQ_PQ_CLIENT_HELLO, &start);
	if (rc == HM_OK)
		rc = hm_put_u8(&out, STOQ_PQ_VERSION);
	if (rc == HM_OK)
		rc = hm_put_bytes(&out, kem_pk, sizeof(kem_pk));
	if (rc == HM_OK)
		rc = put_identity(&out, &me);
	if (rc == HM_OK)
		rc = msg_end(&out, start);
	if (rc == HM_OK)
		rc = send_msg(c, &out, 0);
	hm_buf_free(&out);
	if (rc == HM_OK && ep->cfg.pq_fault == HM_STOQ_PQ_FAULT_EARLY)
		early_plain_stream(c);
	if (rc == HM_OK)
		return;
fail:
	stoq_conn_fail_pq(c, rc == HM_ERR_NOMEM ? HM_ERR_NOMEM : HM_ERR_CRYPTO,
	                  "cannot start the PQ handshake");
}

void stoq_pq_stream_opened(struct hm_stoq_conn *c, struct hm_stoq_stream *s)
{
	if (c->is_server && s->id == 0 && c->pqs != NULL &&
	    c->pqs->state == PQ_SERVER_WAIT_CLIENT_HELLO && c->pqs->stream == NULL) {
		s->plain = 1;
		hm_stoq_stream_set_callbacks(s, &pq_stream_callbacks, c);
		c->pqs->stream = s;
		return;
	}
	if (!c->pq_keys) {
		/* The peer cannot have PQ keys yet: this is application data without them. */
		stoq_conn_fail_pq(c, HM_ERR_CRYPTO, "application stream before the PQ step");
		return;
	}
	/*
	 * We have keys but are not ready (a client waiting for ServerFinish
	 * while the server, ready, already opened a stream): keep its bytes
	 * unread until ready, then show it (stoq_pq_release_held).
	 */
	s->held = 1;
}

/* ---- the record layer (record.c) ----------------------------------------- */

int stoq_pq_stream_seal(struct hm_stoq_stream *s, const uint8_t *data, size_t len, int fin)
{
	struct hm_stoq_conn *c = s->conn;
	size_t total = stoq_rec_sealed_len(len, fin);
	uint8_t *out;
	int rc;

	if (total == 0)
		return HM_OK;
	if (!c->pq_keys)
		return HM_ERR_INVALID;
	rc = stoq_stream_queue(s, NULL, total, &out);
	if (rc != HM_OK)
		return rc;
	rc = stoq_rec_seal(c->pq_tx, s->id, &s->tx_seq, data, len, fin,
	                   c->ep->cfg.pq_fault != HM_STOQ_PQ_FAULT_TRUNCATE, out);
	if (rc != HM_OK) {
		/* The chunk is already queued: the connection cannot go on. */
		stoq_conn_fail_pq(c, HM_ERR_CRYPTO, "record encryption failed");
		return HM_ERR_CRYPTO;
	}
	if (c->ep->cfg.pq_fault == HM_STOQ_PQ_FAULT_RECORD && !s->tx_fault_done) {
		out[STOQ_REC_HDR] ^= 0x01;
		s->tx_fault_done = 1;
	}
	return HM_OK;
}

/* Hands one record's plaintext to the stream's owner; 1 once nobody listens. */
static int deliver(void *ctx, const uint8_t *data, size_t len, int fin)
{
	struct hm_stoq_stream *s = ctx;
	struct hm_stoq_conn *c = s->conn;

	if (c->close_requested || c->closed || s->closed || s->reset)
		return 1;
	if (s->adopted && s->cb.on_data != NULL)
		s->cb.on_data(s, data, len, fin, s->user);
	return c->close_requested || c->closed || s->closed || s->reset;
}

void stoq_pq_stream_recv(struct hm_stoq_stream *s, const uint8_t *data, size_t len, int fin)
{
	struct hm_stoq_conn *c = s->conn;
	const char *why = "";
	int rc;

	rc = stoq_rec_open(&s->rec_rx, c->pq_rx, s->id, c->ep->pq_plain, data, len, fin, deliver, s,
	                   &why);
	if (rc == HM_ERR_NOMEM)
		stoq_conn_fail_pq(c, HM_ERR_NOMEM, "out of memory");
	else if (rc != HM_OK)
		stoq_conn_fail_pq(c, HM_ERR_CRYPTO, why);
}

void stoq_pq_release_held(struct hm_stoq_conn *c)
{
	struct hm_stoq_endpoint *ep = c->ep;
	struct hm_stoq_stream *s;

	for (s = c->streams; s != NULL && !c->close_requested; s = s->next) {
		struct hm_buf bytes;
		int fin, closed;

		if (!s->held)
			continue;
		s->held = 0;
		bytes = s->rx_rec;
		hm_buf_init(&s->rx_rec);
		fin = s->held_fin;
		s->held_fin = 0;
		closed = s->closed;
		s->closed = 0; /* shown to the application first, then closed */
		if (ep->cfg.callbacks.on_stream != NULL)
			ep->cfg.callbacks.on_stream(c, s, ep->cfg.user);
		if (!s->adopted && !closed && !s->reset) {
			s->reset = 1;
			(void)ngtcp2_conn_shutdown_stream(c->qc, s->id, HM_STOQ_APP_REFUSED);
		}
		if (s->adopted)
			stoq_pq_stream_recv(s, bytes.data, bytes.len, fin);
		hm_buf_free(&bytes);
		if (!closed) {
			(void)ngtcp2_conn_extend_max_stream_offset(c->qc, s->id, s->held_bytes);
			ngtcp2_conn_extend_max_offset(c->qc, s->held_bytes);
		} else if (!s->closed) {
			s->closed = 1;
			if (s->adopted && s->cb.on_close != NULL)
				s->cb.on_close(s, HM_OK, s->held_close_code, s->user);
		}
	}
}
