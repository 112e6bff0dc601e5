/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE /* libuv headers need POSIX types (pthread_rwlock_t) */
/*
 * One QUIC connection: the ngtcp2 state machine fed with packets and the
 * clock, its callbacks, the write loop and the timer that get_expiry drives.
 *
 * Re-entrancy: ngtcp2 and application callbacks run with c->busy raised.
 * Anything that would tear the connection down meanwhile (a close request,
 * a fatal error) is recorded and carried out by conn_process() once the
 * stack has unwound, which is also where queued stream data is written.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include "hypermesh/clock.h"
#include "hypermesh/error.h"
#include "hypermesh/log.h"
#include "hypermesh/random.h"
#include "hypermesh/secure.h"
#include "stoq_internal.h"

#define MAX_PKTS_PER_WRITE 256 /* then yield to the loop */
#define MAX_STREAM_VECS    8

static void conn_process(struct hm_stoq_conn *c);
static void on_timer(uv_timer_t *t);

void stoq_rand(uint8_t *dest, size_t len)
{
	/* ngtcp2's callback cannot fail; a failing getrandom leaves zeros (it wipes). */
	if (hm_random_bytes(dest, len) != HM_OK)
		hm_log_msg(HM_LOG_ERROR, "stoq", "the system random source failed");
}

static void rand_cb(uint8_t *dest, size_t len, const ngtcp2_rand_ctx *ctx)
{
	(void)ctx;
	stoq_rand(dest, len);
}

static ngtcp2_conn *get_conn(ngtcp2_crypto_conn_ref *ref)
{
	struct hm_stoq_conn *c = ref->user_data;

	return c->qc;
}

static int add_scid(struct hm_stoq_conn *c, const ngtcp2_cid *cid)
{
	if (c->nscids == STOQ_MAX_SCIDS)
		return -1;
	c->scids[c->nscids++] = *cid;
	return 0;
}

static int get_new_connection_id(ngtcp2_conn *qc, ngtcp2_cid *cid, uint8_t *token, size_t cidlen,
                                 void *user)
{
	struct hm_stoq_conn *c = user;

	(void)qc;
	if (c->nscids == STOQ_MAX_SCIDS)
		return NGTCP2_ERR_CALLBACK_FAILURE;
	stoq_rand(cid->data, cidlen);
	cid->datalen = cidlen;
	if (ngtcp2_crypto_generate_stateless_reset_token(token, c->ep->static_secret,
	                                                 sizeof(c->ep->static_secret), cid) != 0)
		return NGTCP2_ERR_CALLBACK_FAILURE;
	return add_scid(c, cid) == 0 ? 0 : NGTCP2_ERR_CALLBACK_FAILURE;
}

static int remove_connection_id(ngtcp2_conn *qc, const ngtcp2_cid *cid, void *user)
{
	struct hm_stoq_conn *c = user;
	size_t i;

	(void)qc;
	for (i = 0; i < c->nscids; i++) {
		if (ngtcp2_cid_eq(&c->scids[i], cid)) {
			c->scids[i] = c->scids[--c->nscids];
			break;
		}
	}
	return 0;
}

int stoq_conn_has_cid(const struct hm_stoq_conn *c, const uint8_t *cid, size_t len)
{
	size_t i;

	for (i = 0; i < c->nscids; i++)
		if (c->scids[i].datalen == len && memcmp(c->scids[i].data, cid, len) == 0)
			return 1;
	return c->has_odcid && c->odcid.datalen == len && memcmp(c->odcid.data, cid, len) == 0;
}

static int handshake_completed(ngtcp2_conn *qc, void *user)
{
	struct hm_stoq_conn *c = user;
	int rc;

	(void)qc;
	/* The verify callback must have run and accepted a certificate. */
	if (!c->peer_known) {
		c->local_err = HM_ERR_CRYPTO;
		return NGTCP2_ERR_CALLBACK_FAILURE;
	}
	if (stoq_tls_alpn_check(c) != HM_OK) {
		c->local_err = HM_ERR_CRYPTO;
		return NGTCP2_ERR_CALLBACK_FAILURE;
	}
	c->handshake_done = 1;
	/* With the PQ layer, ready waits for it (pq.c). */
	rc = stoq_pq_handshake_completed(c);
	if (rc != HM_OK) {
		c->local_err = rc;
		return NGTCP2_ERR_CALLBACK_FAILURE;
	}
	if (c->is_server && !c->pq)
		c->ready_pending = 1;
	return 0;
}

/*
 * Ready means confirmed (RFC 9001 §4.1.2): a client completes its handshake
 * before the server has judged the client's certificate, and only the
 * server's HANDSHAKE_DONE says it was accepted. For a server both coincide.
 */
static int handshake_confirmed(ngtcp2_conn *qc, void *user)
{
	struct hm_stoq_conn *c = user;

	(void)qc;
	if (!c->handshake_done)
		return NGTCP2_ERR_CALLBACK_FAILURE;
	if (!c->is_server) {
		c->confirmed = 1;
		if (!c->pq || c->pq_done)
			c->ready_pending = 1;
	}
	return 0;
}

static int stream_open(ngtcp2_conn *qc, int64_t id, void *user)
{
	struct hm_stoq_conn *c = user;
	struct hm_stoq_endpoint *ep = c->ep;
	struct hm_stoq_stream *s;

	if (stoq_stream_new(c, id, &s) != HM_OK)
		return NGTCP2_ERR_CALLBACK_FAILURE;
	(void)ngtcp2_conn_set_stream_user_data(qc, id, s);
	if (c->pq && !c->pq_done) {
		/* The PQ stream itself, or a stream too early (held or refused). */
		stoq_pq_stream_opened(c, s);
		return 0;
	}
	if (ep->cfg.callbacks.on_stream != NULL && !c->close_requested)
		ep->cfg.callbacks.on_stream(c, s, ep->cfg.user);
	if (!s->adopted && !s->closed && !s->reset) {
		s->reset = 1;
		(void)ngtcp2_conn_shutdown_stream(qc, id, HM_STOQ_APP_REFUSED);
	}
	return 0;
}

static int recv_stream_data(ngtcp2_conn *qc, uint32_t flags, int64_t id, uint64_t offset,
                            const uint8_t *data, size_t len, void *user, void *stream_user)
{
	struct hm_stoq_stream *s = stream_user;
	struct hm_stoq_conn *c = user;
	int fin = (flags & NGTCP2_STREAM_DATA_FLAG_FIN) != 0;

	(void)offset;
	if (s != NULL && s->held) {
		/* Not ready yet (pq.c): keep the bytes, and the window closed. */
		if (hm_buf_append(&s->rx_rec, data, len) != HM_OK) {
			stoq_conn_fail_pq(c, HM_ERR_NOMEM, "out of memory");
			return 0;
		}
		s->held_bytes += len;
		s->held_fin |= fin;
		return 0;
	}
	if (s != NULL && c->pq && !s->plain) {
		/* Application bytes: records under the PQ keys, never shown otherwise. */
		if (s->adopted && !s->closed)
			stoq_pq_stream_recv(s, data, len, fin);
	} else if (s != NULL && s->adopted && !s->closed && s->cb.on_data != NULL) {
		s->cb.on_data(s, data, len, fin, s->user);
	}
	/* The bytes were consumed (copied or dropped): reopen the windows. */
	(void)ngtcp2_conn_extend_max_stream_offset(qc, id, len);
	ngtcp2_conn_extend_max_offset(qc, len);
	return 0;
}

static int acked_stream_data_offset(ngtcp2_conn *qc, int64_t id, uint64_t offset, uint64_t len,
                                    void *user, void *stream_user)
{
	(void)qc;
	(void)id;
	(void)user;
	if (stream_user != NULL)
		stoq_stream_acked(stream_user, offset, len);
	return 0;
}

static int stream_close(ngtcp2_conn *qc, uint32_t flags, int64_t id, uint64_t app_code, void *user,
                        void *stream_user)
{
	struct hm_stoq_stream *s = stream_user;

	struct hm_stoq_conn *c = user;

	/* ngtcp2 leaves granting the peer a new stream to us: one closed, one granted. */
	if ((int)(id & 0x1) != c->is_server) {
		if (id & 0x2)
			ngtcp2_conn_extend_max_streams_uni(qc, 1);
		else
			ngtcp2_conn_extend_max_streams_bidi(qc, 1);
	}
	if (s == NULL || s->closed)
		return 0;
	if (!(flags & NGTCP2_STREAM_CLOSE_FLAG_APP_ERROR_CODE_SET))
		app_code = HM_STOQ_APP_OK;
	s->closed = 1;
	if (s->held) {
		s->held_close_code = app_code; /* reported when released */
		return 0;
	}
	if (s->adopted && s->cb.on_close != NULL)
		s->cb.on_close(s, HM_OK, app_code, s->user);
	return 0;
}

/*
 * The peer abandoned its sending side. STOQ streams carry one exchange, so
 * unless our side is already complete (an answer queued with its FIN), the
 * rest of it is worthless and ours is abandoned too.
 */
static int stream_reset(ngtcp2_conn *qc, int64_t id, uint64_t final_size, uint64_t app_code,
                        void *user, void *stream_user)
{
	struct hm_stoq_stream *s = stream_user;

	(void)final_size;
	(void)user;
	if (s != NULL && !s->reset && !s->fin_queued) {
		s->reset = 1;
		(void)ngtcp2_conn_shutdown_stream_write(qc, id, app_code);
	}
	return 0;
}

/*
 * The peer wants no more of our bytes (a request it refused): stop sending,
 * but keep reading, since its answer (an ERROR frame) may still be arriving.
 */
static int stream_stop_sending(ngtcp2_conn *qc, int64_t id, uint64_t app_code, void *user,
                               void *stream_user)
{
	struct hm_stoq_stream *s = stream_user;

	(void)user;
	if (s != NULL && !s->reset) {
		s->reset = 1;
		(void)ngtcp2_conn_shutdown_stream_write(qc, id, app_code);
	}
	return 0;
}

static int extend_max_stream_data(ngtcp2_conn *qc, int64_t id, uint64_t max_data, void *user,
                                  void *stream_user)
{
	struct hm_stoq_stream *s = stream_user;

	(void)qc;
	(void)id;
	(void)max_data;
	(void)user;
	if (s != NULL)
		s->blocked = 0;
	return 0;
}

static const ngtcp2_callbacks client_callbacks = {
	.client_initial = ngtcp2_crypto_client_initial_cb,
	.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb,
	.handshake_completed = handshake_completed,
	.handshake_confirmed = handshake_confirmed,
	.encrypt = ngtcp2_crypto_encrypt_cb,
	.decrypt = ngtcp2_crypto_decrypt_cb,
	.hp_mask = ngtcp2_crypto_hp_mask_cb,
	.recv_stream_data = recv_stream_data,
	.acked_stream_data_offset = acked_stream_data_offset,
	.stream_open = stream_open,
	.stream_close = stream_close,
	.recv_retry = ngtcp2_crypto_recv_retry_cb,
	.rand = rand_cb,
	.get_new_connection_id = get_new_connection_id,
	.remove_connection_id = remove_connection_id,
	.update_key = ngtcp2_crypto_update_key_cb,
	.stream_reset = stream_reset,
	.extend_max_stream_data = extend_max_stream_data,
	.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb,
	.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb,
	.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb,
	.stream_stop_sending = stream_stop_sending,
	.version_negotiation = ngtcp2_crypto_version_negotiation_cb,
};

static const ngtcp2_callbacks server_callbacks = {
	.recv_client_initial = ngtcp2_crypto_recv_client_initial_cb,
	.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb,
	.handshake_completed = handshake_completed,
	.handshake_confirmed = handshake_confirmed,
	.encrypt = ngtcp2_crypto_encrypt_cb,
	.decrypt = ngtcp2_crypto_decrypt_cb,
	.hp_mask = ngtcp2_crypto_hp_mask_cb,
	.recv_stream_data = recv_stream_data,
	.acked_stream_data_offset = acked_stream_data_offset,
	.stream_open = stream_open,
	.stream_close = stream_close,
	.rand = rand_cb,
	.get_new_connection_id = get_new_connection_id,
	.remove_connection_id = remove_connection_id,
	.update_key = ngtcp2_crypto_update_key_cb,
	.stream_reset = stream_reset,
	.extend_max_stream_data = extend_max_stream_data,
	.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb,
	.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb,
	.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb,
	.stream_stop_sending = stream_stop_sending,
	.version_negotiation = ngtcp2_crypto_version_negotiation_cb,
};

/* ngtcp2's own trace, at --log-level trace only: it is one line per frame. */
__attribute__((format(printf, 2, 3))) static void ngtcp2_trace(void *user, const char *fmt, ...)
{
	va_list ap;

	(void)user;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void conn_settings(const struct hm_stoq_conn *c, ngtcp2_settings *s,
                          ngtcp2_transport_params *p)
{
	const struct hm_stoq_config *cfg = &c->ep->cfg;

	ngtcp2_settings_default(s);
	s->initial_ts = hm_clock_mono_ns();
	s->handshake_timeout = cfg->handshake_timeout_ms * NGTCP2_MILLISECONDS;
	s->max_tx_udp_payload_size = c->tx_payload;
	/*
	 * Datagrams over 1452 bytes (a peer on this host, or a size the
	 * operator configured): ngtcp2 0.12 would otherwise keep to 1200 until
	 * its path MTU discovery, which probes no size above 1452, confirmed
	 * more. The packet size is then the least of our buffer (c->tx_payload,
	 * lowered if the path refuses it), this setting and the peer's
	 * max_udp_payload_size transport parameter (ngtcp2's default, 65527,
	 * is what we advertise). Probing is pointless on such a path.
	 */
	if (c->tx_payload > STOQ_MAX_UDP_PAYLOAD) {
		s->no_tx_udp_payload_size_shaping = 1;
		s->no_pmtud = 1;
	}
	/*
	 * Window auto-tuning: a receive window that is used up within about
	 * two round trips grows (up to these), so a bulk stream is not held
	 * to cfg.max_stream_data per round trip while idle connections keep
	 * the small initial windows. Growth needs the application to consume
	 * promptly (windows reopen as on_data returns), so memory follows
	 * real throughput.
	 */
	if (s->max_stream_window < STOQ_MAX_STREAM_WINDOW)
		s->max_stream_window = STOQ_MAX_STREAM_WINDOW;
	if (s->max_window < STOQ_MAX_CONN_WINDOW)
		s->max_window = STOQ_MAX_CONN_WINDOW;
	if (hm_log_enabled(HM_LOG_TRACE))
		s->log_printf = ngtcp2_trace;
	ngtcp2_transport_params_default(p);
	p->initial_max_stream_data_bidi_local = cfg->max_stream_data;
	p->initial_max_stream_data_bidi_remote = cfg->max_stream_data;
	p->initial_max_stream_data_uni = cfg->max_stream_data;
	p->initial_max_data = cfg->max_data;
	p->initial_max_streams_bidi = cfg->max_streams_bidi;
	p->initial_max_streams_uni = cfg->max_streams_uni;
	p->max_idle_timeout = cfg->idle_timeout_ms * NGTCP2_MILLISECONDS;
	p->active_connection_id_limit = STOQ_MAX_SCIDS / 2;
}

static struct hm_stoq_conn *conn_alloc(struct hm_stoq_endpoint *ep, int is_server)
{
	struct hm_stoq_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->ep = ep;
	c->is_server = is_server;
	c->pq = ep->cfg.pq == HM_STOQ_PQ_REQUIRED &&
	        !(ep->cfg.pq_fault == HM_STOQ_PQ_FAULT_SKIP && !is_server);
	c->pq_deadline_ns = hm_clock_mono_ns() + ep->cfg.handshake_timeout_ms * HM_NS_PER_MS;
	c->conn_ref.get_conn = get_conn;
	c->conn_ref.user_data = c;
	return c;
}

/* Frees a connection that never reached the endpoint's list (no timer yet). */
static void conn_discard(struct hm_stoq_conn *c)
{
	if (c == NULL)
		return;
	ngtcp2_conn_del(c->qc);
	if (c->tls != NULL)
		gnutls_deinit(c->tls);
	stoq_pq_conn_free(c);
	free(c);
}

static void conn_link(struct hm_stoq_conn *c)
{
	struct hm_stoq_endpoint *ep = c->ep;

	uv_timer_init(ep->loop, &c->timer);
	c->timer.data = c;
	c->next = ep->conns;
	ep->conns = c;
	ep->nconns++;
	if (ep->cfg.keep_alive_ms > 0)
		ngtcp2_conn_set_keep_alive_timeout(c->qc,
		                                   ep->cfg.keep_alive_ms * NGTCP2_MILLISECONDS);
}

static void set_path(ngtcp2_path *path, struct hm_stoq_endpoint *ep, const struct sockaddr *remote,
                     socklen_t remote_len)
{
	path->local.addr = (ngtcp2_sockaddr *)&ep->local;
	path->local.addrlen = ep->local_len;
	path->remote.addr = (ngtcp2_sockaddr *)remote;
	path->remote.addrlen = remote_len;
	path->user_data = NULL;
}

int stoq_conn_new_server(struct hm_stoq_endpoint *ep, const ngtcp2_pkt_hd *hd,
                         const ngtcp2_cid *odcid, const struct sockaddr *remote,
                         socklen_t remote_len, struct hm_stoq_conn **out)
{
	struct hm_stoq_conn *c = conn_alloc(ep, 1);
	ngtcp2_settings settings;
	ngtcp2_transport_params params;
	ngtcp2_path path;
	ngtcp2_cid scid;
	int rc;

	if (c == NULL)
		return HM_ERR_NOMEM;
	rc = stoq_tls_session_new(c);
	if (rc != HM_OK)
		goto fail;
	c->tx_payload = stoq_path_initial_payload(ep, remote);
	conn_settings(c, &settings, &params);
	params.original_dcid = odcid != NULL ? *odcid : hd->dcid;
	if (odcid != NULL) {
		/* After a Retry the client addresses us by the Retry's source id. */
		params.retry_scid = hd->dcid;
		params.retry_scid_present = 1;
	}
	scid.datalen = STOQ_CID_LEN;
	stoq_rand(scid.data, scid.datalen);
	/* The token for our first connection id, so the client can accept our resets. */
	if (ngtcp2_crypto_generate_stateless_reset_token(params.stateless_reset_token,
	                                                 ep->static_secret,
	                                                 sizeof(ep->static_secret), &scid) == 0)
		params.stateless_reset_token_present = 1;
	set_path(&path, ep, remote, remote_len);
	if (ngtcp2_conn_server_new(&c->qc, &hd->scid, &scid, &path, hd->version, &server_callbacks,
	                           &settings, &params, NULL, c) != 0) {
		rc = HM_ERR_NOMEM;
		goto fail;
	}
	ngtcp2_conn_set_tls_native_handle(c->qc, c->tls);
	(void)add_scid(c, &scid);
	c->odcid = hd->dcid;
	c->has_odcid = 1;
	conn_link(c);
	*out = c;
	return HM_OK;
fail:
	conn_discard(c);
	return rc;
}

int hm_stoq_connect(struct hm_stoq_endpoint *ep, const char *host, uint16_t port,
                    const uint8_t peer_id[HM_NODE_ID_LEN], void *conn_user,
                    struct hm_stoq_conn **out)
{
	return hm_stoq_connect_pq(ep, host, port, peer_id, NULL, conn_user, out);
}

int hm_stoq_connect_pq(struct hm_stoq_endpoint *ep, const char *host, uint16_t port,
                       const uint8_t peer_id[HM_NODE_ID_LEN],
                       const uint8_t peer_pq_key_id[HM_STOQ_PQ_KEY_ID_LEN], void *conn_user,
                       struct hm_stoq_conn **out)
{
	struct sockaddr_storage remote;
	socklen_t remote_len;
	struct hm_stoq_conn *c;
	ngtcp2_settings settings;
	ngtcp2_transport_params params;
	ngtcp2_path path;
	ngtcp2_cid scid, dcid;
	int rc;

	if (ep == NULL || host == NULL || peer_id == NULL || ep->closing)
		return HM_ERR_INVALID;
	if (peer_pq_key_id != NULL && ep->cfg.pq != HM_STOQ_PQ_REQUIRED)
		return HM_ERR_INVALID;
	memset(&remote, 0, sizeof(remote));
	if (ep->family == AF_INET6) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&remote;
		struct in_addr v4;

		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		if (uv_inet_pton(AF_INET, host, &v4) == 0) {
			/* A dual-stack socket reaches IPv4 peers through mapped addresses. */
			a6->sin6_addr.s6_addr[10] = 0xff;
			a6->sin6_addr.s6_addr[11] = 0xff;
			memcpy(&a6->sin6_addr.s6_addr[12], &v4, 4);
		} else if (uv_inet_pton(AF_INET6, host, &a6->sin6_addr) != 0) {
			return HM_ERR_INVALID;
		}
		remote_len = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&remote;

		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		if (uv_inet_pton(AF_INET, host, &a4->sin_addr) != 0)
			return HM_ERR_INVALID;
		remote_len = sizeof(*a4);
	}
	if (ep->nconns >= ep->cfg.max_connections)
		return HM_ERR_TOO_LARGE;
	c = conn_alloc(ep, 0);
	if (c == NULL)
		return HM_ERR_NOMEM;
	memcpy(c->expected_id, peer_id, HM_NODE_ID_LEN);
	if (peer_pq_key_id != NULL) {
		memcpy(c->expected_pq_key_id, peer_pq_key_id, HM_STOQ_PQ_KEY_ID_LEN);
		c->has_expected_pq_key_id = 1;
	}
	c->user = conn_user;
	rc = stoq_tls_session_new(c);
	if (rc != HM_OK)
		goto fail;
	c->tx_payload = stoq_path_initial_payload(ep, (const struct sockaddr *)&remote);
	conn_settings(c, &settings, &params);
	scid.datalen = STOQ_CID_LEN;
	stoq_rand(scid.data, scid.datalen);
	dcid.datalen = 18;
	stoq_rand(dcid.data, dcid.datalen);
	/* The path must outlive the call only as long as ngtcp2 copies it: it does. */
	set_path(&path, ep, (const struct sockaddr *)&remote, remote_len);
	if (ngtcp2_conn_client_new(&c->qc, &dcid, &scid, &path, NGTCP2_PROTO_VER_V1,
	                           &client_callbacks, &settings, &params, NULL, c) != 0) {
		rc = HM_ERR_NOMEM;
		goto fail;
	}
	ngtcp2_conn_set_tls_native_handle(c->qc, c->tls);
	(void)add_scid(c, &scid);
	conn_link(c);
	if (out != NULL)
		*out = c;
	conn_process(c); /* sends the Initial */
	return HM_OK;
fail:
	conn_discard(c);
	return rc;
}

static void conn_freed(uv_handle_t *h)
{
	struct hm_stoq_conn *c = h->data;
	struct hm_stoq_endpoint *ep = c->ep;

	free(c);
	ep->nconns--;
	stoq_endpoint_check_close(ep);
}

/*
 * Tells everyone the connection is over and releases it: streams first,
 * then the connection callback, then the memory (after the timer closes).
 */
static void conn_finish(struct hm_stoq_conn *c, int err, uint64_t app_code)
{
	struct hm_stoq_endpoint *ep = c->ep;
	struct hm_stoq_conn **pp;
	struct hm_stoq_stream *s;

	if (c->closed)
		return;
	c->closed = 1;
	c->busy++;
	for (pp = &ep->conns; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	stoq_rpc_conn_closed(c);
	for (s = c->streams; s != NULL; s = s->next) {
		if (!s->closed) {
			s->closed = 1;
			if (s->adopted && s->cb.on_close != NULL)
				s->cb.on_close(s, err == HM_OK ? HM_ERR_IO : err, app_code,
				               s->user);
		}
	}
	if (ep->cfg.callbacks.on_closed != NULL)
		ep->cfg.callbacks.on_closed(c, err, app_code, ep->cfg.user);
	while (c->streams != NULL) {
		s = c->streams;
		c->streams = s->next;
		stoq_stream_free(s);
	}
	ngtcp2_conn_del(c->qc);
	c->qc = NULL;
	gnutls_deinit(c->tls);
	c->tls = NULL;
	stoq_pq_conn_free(c);
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, conn_freed);
	stoq_endpoint_check_close(ep);
}

static void conn_send_close(struct hm_stoq_conn *c, const ngtcp2_connection_close_error *ccerr)
{
	ngtcp2_path_storage ps;
	ngtcp2_pkt_info pi;
	ngtcp2_ssize n;

	if (ngtcp2_conn_is_in_closing_period(c->qc) || ngtcp2_conn_is_in_draining_period(c->qc))
		return;
	ngtcp2_path_storage_zero(&ps);
	n = ngtcp2_conn_write_connection_close(c->qc, &ps.path, &pi, c->ep->send_buf,
	                                       sizeof(c->ep->send_buf), ccerr, hm_clock_mono_ns());
	if (n > 0)
		stoq_endpoint_send(c->ep, &ps.path, c->ep->send_buf, (size_t)n);
}

/* The err a peer's application-level close means here. */
static int library_close_err(uint64_t app_code)
{
	if (app_code == HM_STOQ_APP_PQ_FAILED)
		return HM_ERR_CRYPTO;
	if (app_code == HM_STOQ_APP_PEER_LIMIT)
		return HM_ERR_TOO_LARGE;
	return HM_OK;
}

/* A local failure of ngtcp2 (rv): tell the peer why, then finish. */
static void conn_fail(struct hm_stoq_conn *c, int rv)
{
	ngtcp2_connection_close_error ccerr;
	int err;

	if (rv == NGTCP2_ERR_DRAINING) {
		ngtcp2_conn_get_connection_close_error(c->qc, &ccerr);
		if (ccerr.type == NGTCP2_CONNECTION_CLOSE_ERROR_CODE_TYPE_APPLICATION) {
			/* Codes the library uses for refusals are not an application's close. */
			conn_finish(c, library_close_err(ccerr.error_code), ccerr.error_code);
			return;
		}
		/*
		 * Transport NO_ERROR is also what ngtcp2 reports after a
		 * stateless reset; STOQ peers close with application codes,
		 * so for us it means the connection was lost.
		 */
		if (ccerr.error_code == 0)
			err = HM_ERR_IO;
		else if (ccerr.error_code >= 0x100 && ccerr.error_code <= 0x1ff)
			err = HM_ERR_CRYPTO; /* the peer's TLS stack refused us */
		else
			err = HM_ERR_IO;
		conn_finish(c, c->local_err != HM_OK ? c->local_err : err, 0);
		return;
	}
	if (rv == NGTCP2_ERR_IDLE_CLOSE || rv == NGTCP2_ERR_HANDSHAKE_TIMEOUT ||
	    rv == NGTCP2_ERR_DROP_CONN) {
		conn_finish(c, HM_ERR_IO, 0);
		return;
	}
	ngtcp2_connection_close_error_default(&ccerr);
	if (rv == NGTCP2_ERR_CRYPTO)
		ngtcp2_connection_close_error_set_transport_error_tls_alert(
		        &ccerr, ngtcp2_conn_get_tls_alert(c->qc), NULL, 0);
	else
		ngtcp2_connection_close_error_set_transport_error_liberr(&ccerr, rv, NULL, 0);
	conn_send_close(c, &ccerr);
	if (c->local_err != HM_OK)
		err = c->local_err;
	else if (rv == NGTCP2_ERR_CRYPTO || rv == NGTCP2_ERR_CALLBACK_FAILURE)
		err = c->ready ? HM_ERR_IO : HM_ERR_CRYPTO;
	else if (rv == NGTCP2_ERR_NOMEM)
		err = HM_ERR_NOMEM;
	else
		err = HM_ERR_IO;
	hm_log(HM_LOG_DEBUG, "stoq", "connection failed", HM_LOG_STR("reason", ngtcp2_strerror(rv)),
	       HM_LOG_STR("err", hm_strerror(err)), HM_LOG_UINT("server", (uint64_t)c->is_server));
	conn_finish(c, err, 0);
}

void stoq_conn_close_now(struct hm_stoq_conn *c, uint64_t app_code)
{
	ngtcp2_connection_close_error ccerr;

	ngtcp2_connection_close_error_default(&ccerr);
	ngtcp2_connection_close_error_set_application_error(
	        &ccerr, app_code, (const uint8_t *)c->close_reason, strlen(c->close_reason));
	conn_send_close(c, &ccerr);
	conn_finish(c, c->close_err != HM_OK ? c->close_err : HM_OK, app_code);
}

void stoq_conn_fail_pq(struct hm_stoq_conn *c, int err, const char *why)
{
	if (c->closed || c->close_requested)
		return;
	hm_log(HM_LOG_DEBUG, "stoq", "PQ layer failed", HM_LOG_STR("reason", why),
	       HM_LOG_UINT("server", (uint64_t)c->is_server));
	c->close_requested = 1;
	c->close_err = err;
	c->close_code = HM_STOQ_APP_PQ_FAILED;
	(void)snprintf(c->close_reason, sizeof(c->close_reason), "pq: %s", why);
	conn_process(c);
}

void hm_stoq_conn_close(struct hm_stoq_conn *c, uint64_t app_code, const char *reason)
{
	size_t n;

	if (c == NULL || c->closed || c->close_requested)
		return;
	c->close_requested = 1;
	c->close_code = app_code;
	n = reason != NULL ? strlen(reason) : 0;
	if (n >= sizeof(c->close_reason))
		n = sizeof(c->close_reason) - 1;
	memcpy(c->close_reason, reason != NULL ? reason : "", n);
	c->close_reason[n] = '\0';
	conn_process(c);
}

static struct hm_stoq_stream *pick_stream(struct hm_stoq_conn *c)
{
	struct hm_stoq_stream *s;

	for (s = c->streams; s != NULL; s = s->next)
		if (stoq_stream_write_pending(s))
			return s;
	return NULL;
}

/*
 * Writes one burst: packets until ngtcp2 has nothing more, the burst's packet
 * budget is spent or the GSO batch is full, then sends them (one UDP_SEGMENT
 * sendmsg where possible). Returns the packets written or an ngtcp2 error.
 */
static int conn_write_burst(struct hm_stoq_conn *c, ngtcp2_tstamp ts, int max_pkts)
{
	struct hm_stoq_endpoint *ep = c->ep;
	ngtcp2_path_storage ps;
	ngtcp2_pkt_info pi;
	ngtcp2_vec vec[MAX_STREAM_VECS];
	size_t room = c->tx_payload;
	int npkts = 0;

	/*
	 * Handshake datagrams stay network-sized until the handshake is
	 * confirmed (a client then has dropped its Initial keys): without
	 * payload shaping ngtcp2 pads a datagram carrying a client Initial to
	 * the whole buffer (64 KiB on lo, measured), and a configured size the
	 * path cannot carry would lose the handshake itself. The handshake is
	 * a few packets; bulk data comes after it.
	 */
	if (room > STOQ_MAX_UDP_PAYLOAD &&
	    !(ngtcp2_conn_get_handshake_completed(c->qc) && (c->is_server || c->confirmed)))
		room = STOQ_MAX_UDP_PAYLOAD;
	ngtcp2_path_storage_zero(&ps);
	while (npkts < max_pkts) {
		struct hm_stoq_stream *s = pick_stream(c);
		uint8_t *buf = stoq_endpoint_batch_buf(ep, room);
		uint32_t flags = NGTCP2_WRITE_STREAM_FLAG_MORE;
		ngtcp2_ssize nwrite, datalen = -1;
		int64_t sid = -1;
		size_t nvec = 0, total = 0, i;

		if (buf == NULL)
			break; /* the socket is full: written again once it drains */
		if (s != NULL) {
			sid = s->id;
			nvec = stoq_stream_unsent(s, vec, MAX_STREAM_VECS);
			for (i = 0; i < nvec; i++)
				total += vec[i].len;
			if (s->fin_queued && s->sent + total == s->queued)
				flags |= NGTCP2_WRITE_STREAM_FLAG_FIN;
		}
		nwrite = ngtcp2_conn_writev_stream(c->qc, &ps.path, &pi, buf, room, &datalen, flags,
		                                   sid, nvec ? vec : NULL, nvec, ts);
		if (nwrite < 0) {
			switch (nwrite) {
			case NGTCP2_ERR_STREAM_DATA_BLOCKED:
				s->blocked = 1;
				continue;
			case NGTCP2_ERR_STREAM_SHUT_WR:
			case NGTCP2_ERR_STREAM_NOT_FOUND:
				s->reset = 1;
				continue;
			case NGTCP2_ERR_WRITE_MORE:
				stoq_stream_advance(s, (size_t)datalen,
				                    (flags & NGTCP2_WRITE_STREAM_FLAG_FIN) != 0);
				continue;
			default:
				stoq_endpoint_flush(ep);
				return (int)nwrite;
			}
		}
		if (s != NULL && datalen >= 0)
			stoq_stream_advance(s, (size_t)datalen,
			                    (flags & NGTCP2_WRITE_STREAM_FLAG_FIN) != 0);
		if (nwrite == 0)
			break;
		stoq_endpoint_batch_commit(ep, &ps.path, (size_t)nwrite);
		npkts++;
	}
	stoq_endpoint_flush(ep);
	return npkts;
}

/*
 * Writes bursts until ngtcp2 has nothing more to send now (pacing or
 * congestion control say wait, or no data) or MAX_PKTS_PER_WRITE packets
 * went out (*more: resume on the next loop iteration). A burst is what
 * ngtcp2 allows without packet spacing (its send quantum), at most one GSO
 * batch; after each, ngtcp2_conn_update_pkt_tx_time sets when the next may
 * leave, so pacing spaces bursts, not packets.
 */
static int conn_write(struct hm_stoq_conn *c, int *more)
{
	size_t quantum = ngtcp2_conn_get_send_quantum(c->qc) / c->tx_payload;
	size_t gso_max = STOQ_GSO_MAX_BYTES / c->tx_payload; /* packets one GSO send takes */
	int max_burst, npkts = 0, n;

	if (gso_max > STOQ_GSO_MAX_SEGS)
		gso_max = STOQ_GSO_MAX_SEGS;
	if (quantum > gso_max)
		quantum = gso_max;
	max_burst = quantum < 1 ? 1 : (int)quantum;

	*more = 0;
	for (;;) {
		ngtcp2_tstamp ts = hm_clock_mono_ns();

		n = conn_write_burst(c, ts, max_burst);
		if (n < 0)
			return n;
		npkts += n;
		/*
		 * Pace only once the handshake is done: before any RTT sample
		 * ngtcp2 0.12 paces from the 333 ms initial RTT, which held the
		 * client's second flight back ~25 ms on loopback (measured: 23 ms
		 * handshakes instead of 0.6 ms). The handshake is a few packets.
		 */
		if (n > 0 && ngtcp2_conn_get_handshake_completed(c->qc))
			ngtcp2_conn_update_pkt_tx_time(c->qc, ts);
		if (n < max_burst || c->ep->tx_blocked)
			return 0; /* blocked: the endpoint kicks us when the socket drains */
		if (npkts >= MAX_PKTS_PER_WRITE) {
			*more = 1;
			return 0;
		}
	}
}

static void conn_update_timer(struct hm_stoq_conn *c, int more)
{
	ngtcp2_tstamp expiry = ngtcp2_conn_get_expiry(c->qc), now = hm_clock_mono_ns();
	uint64_t delay_ms;

	c->fine_expiry_ns = 0;
	if (more) {
		uv_timer_start(&c->timer, on_timer, 0, 0);
		return;
	}
	/* The PQ step has the handshake's time limit; ngtcp2 does not know it. */
	if (c->pq && !c->ready && c->pq_deadline_ns < expiry)
		expiry = c->pq_deadline_ns;
	if (expiry == UINT64_MAX) {
		uv_timer_stop(&c->timer);
		return;
	}
	/*
	 * Pacing waits are mostly well under a millisecond; a libuv timer
	 * rounds each up to 1 ms, which capped a connection at one burst per
	 * millisecond (~0.8 Gbit/s). The endpoint's timerfd wakes us on time;
	 * the ms timer below stays armed as a backstop. Only a connection with
	 * stream data waiting needs it: otherwise the near deadline is pacing
	 * with nothing to pace, and waking for it cost small RPCs a third of
	 * their round trip.
	 */
	if (expiry > now && expiry - now < HM_NS_PER_MS && pick_stream(c) != NULL)
		(void)stoq_endpoint_fine_timer(c->ep, c, expiry);
	delay_ms = expiry > now ? (expiry - now + HM_NS_PER_MS - 1) / HM_NS_PER_MS : 0;
	uv_timer_start(&c->timer, on_timer, delay_ms, 0);
}

static void sweep_streams(struct hm_stoq_conn *c)
{
	struct hm_stoq_stream **pp = &c->streams, *s;

	while ((s = *pp) != NULL) {
		if (s->closed && !s->held) {
			*pp = s->next;
			stoq_stream_free(s);
		} else {
			pp = &s->next;
		}
	}
}

/* Server: the peer's node id already holds max_connections_per_peer ready connections. */
static int peer_over_limit(const struct hm_stoq_conn *c)
{
	const struct hm_stoq_conn *o;
	size_t n = 0, limit = c->ep->cfg.max_connections_per_peer;

	if (limit == 0)
		return 0;
	for (o = c->ep->conns; o != NULL; o = o->next)
		if (o != c && o->ready && !o->closed && !o->close_requested &&
		    memcmp(o->peer_id, c->peer_id, HM_NODE_ID_LEN) == 0)
			n++;
	return n >= limit;
}

/* The one place that acts on what happened while busy: see the file comment. */
static void conn_process(struct hm_stoq_conn *c)
{
	int rv = 0, more = 0;

	if (c->closed || c->busy)
		return;
	c->busy++;
	if (c->pq_start_pending && !c->close_requested)
		stoq_pq_client_start(c);
	if (c->ready_pending && !c->close_requested && c->is_server && peer_over_limit(c)) {
		c->ready_pending = 0;
		c->close_requested = 1;
		c->close_err = HM_ERR_TOO_LARGE;
		c->close_code = HM_STOQ_APP_PEER_LIMIT;
		(void)snprintf(c->close_reason, sizeof(c->close_reason), "too many connections");
	}
	if (c->ready_pending && !c->close_requested) {
		c->ready_pending = 0;
		c->ready = 1;
		if (c->ep->cfg.callbacks.on_ready != NULL)
			c->ep->cfg.callbacks.on_ready(c, c->ep->cfg.user);
		if (c->pq)
			stoq_pq_release_held(c);
	}
	if ((c->pending_calls != NULL || c->bcast_waiting != NULL) && !c->close_requested)
		stoq_rpc_flush_pending(c);
	if (!c->close_requested)
		rv = conn_write(c, &more);
	c->busy--;
	if (rv != 0) {
		conn_fail(c, rv);
		return;
	}
	if (c->close_requested) {
		stoq_conn_close_now(c, c->close_code);
		return;
	}
	sweep_streams(c);
	conn_update_timer(c, more);
}

void stoq_conn_kick(struct hm_stoq_conn *c)
{
	conn_process(c);
}

void stoq_conn_recv(struct hm_stoq_conn *c, const struct sockaddr *remote, socklen_t remote_len,
                    const uint8_t *pkt, size_t len)
{
	ngtcp2_path path;
	ngtcp2_pkt_info pi = { 0 };
	int rv;

	if (c->closed)
		return;
	set_path(&path, c->ep, remote, remote_len);
	c->busy++;
	rv = ngtcp2_conn_read_pkt(c->qc, &path, &pi, pkt, len, hm_clock_mono_ns());
	c->busy--;
	if (rv != 0) {
		conn_fail(c, rv);
		return;
	}
	if (!c->ep->rx_batch) {
		conn_process(c);
		return;
	}
	/* One write pass per batch, not per packet: fewer ACKs, fuller bursts. */
	if (!c->rx_pending) {
		c->rx_pending = 1;
		c->rx_next = c->ep->rx_pending;
		c->ep->rx_pending = c;
	}
}

void stoq_conn_recv_batch_done(struct hm_stoq_endpoint *ep)
{
	struct hm_stoq_conn *c;

	ep->rx_batch = 0;
	/* One write pass over them all: their packets leave in one sendmmsg. */
	stoq_endpoint_tx_hold(ep);
	/* A connection closed meanwhile keeps its memory until the loop's next close callbacks. */
	while ((c = ep->rx_pending) != NULL) {
		ep->rx_pending = c->rx_next;
		c->rx_pending = 0;
		conn_process(c);
	}
	stoq_endpoint_tx_release(ep);
}

void stoq_conn_expire(struct hm_stoq_conn *c)
{
	int rv;

	if (c->closed)
		return;
	if (c->pq && !c->ready && !c->close_requested && hm_clock_mono_ns() >= c->pq_deadline_ns) {
		/* Like ngtcp2's handshake timeout, but the peer is told. */
		stoq_conn_fail_pq(c, HM_ERR_IO, "PQ step timed out");
		return;
	}
	c->busy++;
	rv = ngtcp2_conn_handle_expiry(c->qc, hm_clock_mono_ns());
	c->busy--;
	if (rv != 0) {
		conn_fail(c, rv);
		return;
	}
	conn_process(c);
}

static void on_timer(uv_timer_t *t)
{
	stoq_conn_expire(t->data);
}

int hm_stoq_conn_peer_id(const struct hm_stoq_conn *c, uint8_t out[HM_NODE_ID_LEN])
{
	if (c == NULL || !c->ready)
		return HM_ERR_INVALID;
	memcpy(out, c->peer_id, HM_NODE_ID_LEN);
	return HM_OK;
}

int hm_stoq_conn_is_ready(const struct hm_stoq_conn *c)
{
	return c != NULL && c->ready && !c->closed && !c->close_requested;
}

size_t hm_stoq_conn_max_udp_payload(const struct hm_stoq_conn *c)
{
	return c != NULL ? c->tx_payload : 0;
}

void *hm_stoq_conn_user(const struct hm_stoq_conn *c)
{
	return c->user;
}

void hm_stoq_conn_set_user(struct hm_stoq_conn *c, void *user)
{
	c->user = user;
}

struct hm_stoq_endpoint *hm_stoq_conn_endpoint(const struct hm_stoq_conn *c)
{
	return c->ep;
}
