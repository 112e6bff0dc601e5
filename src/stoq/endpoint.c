/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The endpoint: one UDP socket on a libuv loop, the table of connections it
 * serves and the dispatch of datagrams to them by destination connection id.
 */
#define _GNU_SOURCE /* IPV6_V6ONLY */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "hypermesh/clock.h"
#include "hypermesh/error.h"
#include "hypermesh/hash.h"
#include "hypermesh/log.h"
#include "hypermesh/random.h"
#include "hypermesh/secure.h"
#include "stoq_internal.h"

/*
 * Socket buffers asked for: a bulk sender keeps megabytes in flight, and a
 * receiver that falls behind for a moment must not drop them (each drop
 * halves the congestion window). The kernel caps it at net.core.*mem_max.
 */
#define STOQ_SOCKET_BUF (8 << 20)

void hm_stoq_config_default(struct hm_stoq_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = HM_STOQ_DEFAULT_PORT;
	cfg->max_connections = 256;
	cfg->idle_timeout_ms = 30000;
	cfg->handshake_timeout_ms = 10000;
	cfg->max_streams_bidi = 16;
	cfg->max_streams_uni = 16;
	cfg->max_stream_data = 256 * 1024;
	cfg->max_data = 1024 * 1024;
	cfg->max_connections_per_addr = 32;
	cfg->max_connections_per_peer = 8;
}

/*
 * The secret behind stateless reset tokens: derived from the node key, so
 * that it survives a restart (a restarted node can reset the connections of
 * its previous run) and is never stored.
 */
static void stoq_static_secret(struct hm_stoq_endpoint *ep)
{
	static const char label[] = "STOQ stateless reset secret v1";
	uint8_t in[sizeof(label) + HM_ED25519_SK_LEN];

	memcpy(in, label, sizeof(label));
	memcpy(in + sizeof(label), ep->identity.sk, HM_ED25519_SK_LEN);
	hm_sha256(ep->static_secret, in, sizeof(in));
	hm_wipe(in, sizeof(in));
}

static void endpoint_free(struct hm_stoq_endpoint *ep)
{
	if (ep->cred != NULL)
		gnutls_certificate_free_credentials(ep->cred);
	if (ep->timer_fd >= 0)
		close(ep->timer_fd);
	if (ep->rx_fd >= 0)
		close(ep->rx_fd);
	if (ep->tx_fd >= 0)
		close(ep->tx_fd);
	stoq_tls_endpoint_free(ep);
	stoq_stream_pool_free(ep);
	stoq_pq_endpoint_free(ep);
	hm_buf_free(&ep->trust_root);
	hm_identity_wipe(&ep->identity);
	hm_wipe(ep->static_secret, sizeof(ep->static_secret));
	hm_wipe(ep->retry_secret, sizeof(ep->retry_secret));
	free(ep);
}

static void on_poll_closed(uv_handle_t *h)
{
	struct hm_stoq_endpoint *ep = h->data;

	ep->polls_open--;
	stoq_endpoint_check_close(ep);
}

static void udp_closed(uv_handle_t *h)
{
	struct hm_stoq_endpoint *ep = h->data;

	ep->udp_closed = 1;
	stoq_endpoint_check_close(ep);
}

void stoq_endpoint_check_close(struct hm_stoq_endpoint *ep)
{
	if (!ep->closing || ep->conns != NULL)
		return;
	if (!ep->udp_close_started) {
		/*
		 * The last CONNECTION_CLOSEs may wait in the queue (closed
		 * inside a write pass): they leave now, held or not.
		 */
		stoq_endpoint_tx_send(ep);
		ep->udp_close_started = 1;
		if (ep->timer_poll_open)
			uv_close((uv_handle_t *)&ep->timer_poll, on_poll_closed);
		if (ep->rx_poll_open)
			uv_close((uv_handle_t *)&ep->rx_poll, on_poll_closed);
		if (ep->tx_poll_open)
			uv_close((uv_handle_t *)&ep->tx_poll, on_poll_closed);
		ep->tx_nmsgs = ep->tx_len = 0;
		uv_close((uv_handle_t *)&ep->udp, udp_closed);
		return;
	}
	if (ep->udp_closed && ep->nconns == 0 && ep->polls_open == 0)
		endpoint_free(ep);
}

/*
 * A packet made outside a connection's write loop (CONNECTION_CLOSE,
 * stateless reset, Retry) joins the send queue like any other, so it keeps
 * its place after the packets already queued and leaves with them.
 */
void stoq_endpoint_send(struct hm_stoq_endpoint *ep, const ngtcp2_path *path, const uint8_t *pkt,
                        size_t len)
{
	ngtcp2_path to;
	uint8_t *buf;

	if (ep->udp_close_started || len == 0 || len > HM_STOQ_UDP_PAYLOAD_MAX)
		return;
	/* Callers set only the address; its length follows from the family. */
	memset(&to, 0, sizeof(to));
	to.remote.addr = path->remote.addr;
	to.remote.addrlen = path->remote.addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                                             : sizeof(struct sockaddr_in);
	buf = stoq_endpoint_batch_buf(ep, len);
	if (buf == NULL)
		return; /* the socket is full: loss recovery, or the peer's timeout, covers it */
	memcpy(buf, pkt, len);
	stoq_endpoint_batch_commit(ep, &to, len);
	stoq_endpoint_flush(ep);
}

/* Sends m's packets one sendmsg each (GSO refused). */
static void send_segments(struct hm_stoq_endpoint *ep, int fd, const struct stoq_tx_msg *m)
{
	size_t off, n;

	for (off = 0; off < m->len; off += n) {
		n = m->len - off < m->seg ? m->len - off : m->seg;
		ep->stats.send_calls++;
		if (sendto(fd, ep->tx_buf + m->off + off, n, 0, (const struct sockaddr *)&m->to,
		           m->to_len) >= 0) {
			ep->stats.tx_bytes += n;
			ep->stats.tx_datagrams++;
			if (n > ep->stats.tx_max_datagram)
				ep->stats.tx_max_datagram = n;
		}
	}
}

/* Keeps messages first.. (unsent) at the front of the queue, in order. */
static void tx_keep_from(struct hm_stoq_endpoint *ep, size_t first)
{
	size_t i, base;

	if (first >= ep->tx_nmsgs) {
		ep->tx_nmsgs = ep->tx_len = 0;
		return;
	}
	base = ep->tx_msgs[first].off;
	memmove(ep->tx_buf, ep->tx_buf + base, ep->tx_len - base);
	memmove(ep->tx_msgs, ep->tx_msgs + first, (ep->tx_nmsgs - first) * sizeof(ep->tx_msgs[0]));
	ep->tx_nmsgs -= first;
	ep->tx_len -= base;
	for (i = 0; i < ep->tx_nmsgs; i++)
		ep->tx_msgs[i].off -= base;
}

/*
 * The socket drained: the backlog goes first, then the connections that
 * stopped writing while it was blocked (conn_write) write again, in one pass.
 */
static void on_tx_writable(uv_poll_t *h, int status, int events)
{
	struct hm_stoq_endpoint *ep = h->data;
	struct hm_stoq_conn *c, *next;

	(void)status;
	(void)events;
	uv_poll_stop(&ep->tx_poll);
	ep->tx_blocked = 0;
	stoq_endpoint_tx_send(ep);
	if (ep->tx_blocked || ep->closing)
		return;
	stoq_endpoint_tx_hold(ep);
	/* A connection closed meanwhile keeps its memory until the loop's close callbacks. */
	for (c = ep->conns; c != NULL && !ep->tx_blocked; c = next) {
		next = c->next;
		if (!c->closed)
			stoq_conn_kick(c);
	}
	stoq_endpoint_tx_release(ep);
}

/*
 * The socket is full (EAGAIN): the unsent messages wait, in order, until it
 * can take more. Without a poll handle they are dropped, as a full socket
 * buffer drops datagrams: QUIC's loss recovery resends them.
 */
static void tx_wait_writable(struct hm_stoq_endpoint *ep, size_t first)
{
	if (!ep->tx_poll_open || uv_poll_start(&ep->tx_poll, UV_WRITABLE, on_tx_writable) != 0) {
		ep->tx_nmsgs = ep->tx_len = 0;
		return;
	}
	ep->stats.send_blocked++;
	ep->tx_blocked = 1;
	tx_keep_from(ep, first);
}

/*
 * Sends the queue: one sendmmsg for all its messages, each one UDP_SEGMENT
 * (GSO) send where it holds several packets. A partial send goes on from the
 * first message not sent; EAGAIN keeps the rest for POLLOUT. If the kernel
 * refuses GSO (no GSO on the route or an old kernel), the endpoint stops
 * using it and sends that message packet by packet.
 */
void stoq_endpoint_tx_send(struct hm_stoq_endpoint *ep)
{
	struct mmsghdr hdrs[STOQ_TX_MSGS];
	struct iovec iov[STOQ_TX_MSGS];
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctl[STOQ_TX_MSGS];
	uv_os_fd_t fd;
	size_t i, done = 0;

	if (ep->tx_nmsgs == 0 || ep->tx_blocked)
		return;
	if (ep->udp_close_started || uv_fileno((uv_handle_t *)&ep->udp, &fd) != 0) {
		ep->tx_nmsgs = ep->tx_len = 0;
		return;
	}
	memset(hdrs, 0, sizeof(hdrs));
	memset(ctl, 0, sizeof(ctl));
	for (i = 0; i < ep->tx_nmsgs; i++) {
		struct stoq_tx_msg *m = &ep->tx_msgs[i];
		struct msghdr *mh = &hdrs[i].msg_hdr;

		iov[i].iov_base = ep->tx_buf + m->off;
		iov[i].iov_len = m->len;
		mh->msg_name = &m->to;
		mh->msg_namelen = m->to_len;
		mh->msg_iov = &iov[i];
		mh->msg_iovlen = 1;
		if (m->segs > 1) {
			uint16_t seg = (uint16_t)m->seg;
			struct cmsghdr *cm;

			mh->msg_control = ctl[i].buf;
			mh->msg_controllen = sizeof(ctl[i].buf);
			cm = CMSG_FIRSTHDR(mh);
			cm->cmsg_level = SOL_UDP;
			cm->cmsg_type = UDP_SEGMENT;
			cm->cmsg_len = CMSG_LEN(sizeof(seg));
			memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
		}
	}
	while (done < ep->tx_nmsgs) {
		int n;

		ep->stats.send_calls++;
		n = sendmmsg(fd, hdrs + done, (unsigned)(ep->tx_nmsgs - done), 0);
		if (n > 0) {
			for (i = done; i < done + (size_t)n; i++) {
				ep->stats.tx_bytes += ep->tx_msgs[i].len;
				ep->stats.tx_datagrams += ep->tx_msgs[i].segs;
				if (ep->tx_msgs[i].seg > ep->stats.tx_max_datagram)
					ep->stats.tx_max_datagram = ep->tx_msgs[i].seg;
			}
			done += (size_t)n;
			continue;
		}
		if (n == 0 || errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			tx_wait_writable(ep, done);
			return;
		}
		if (errno == EMSGSIZE) {
			/* Over the path's MTU (DF is set): the connection sends smaller ones. */
			stoq_path_too_big(ep, (const struct sockaddr *)&ep->tx_msgs[done].to,
			                  ep->tx_msgs[done].to_len, ep->tx_msgs[done].seg);
		} else if (ep->tx_msgs[done].segs > 1 && errno != ENOBUFS) {
			hm_log(HM_LOG_DEBUG, "stoq", "UDP GSO refused, sending packet by packet",
			       HM_LOG_STR("error", strerror(errno)));
			ep->gso = 0;
			send_segments(ep, fd, &ep->tx_msgs[done]);
		}
		/* ENOBUFS or an unreachable address: this message is lost, the rest goes on. */
		done++;
	}
	ep->tx_nmsgs = ep->tx_len = 0;
}

void stoq_endpoint_flush(struct hm_stoq_endpoint *ep)
{
	if (ep->tx_hold == 0)
		stoq_endpoint_tx_send(ep);
}

void stoq_endpoint_tx_hold(struct hm_stoq_endpoint *ep)
{
	ep->tx_hold++;
}

void stoq_endpoint_tx_release(struct hm_stoq_endpoint *ep)
{
	if (ep->tx_hold > 0 && --ep->tx_hold == 0)
		stoq_endpoint_tx_send(ep);
}

uint8_t *stoq_endpoint_batch_buf(struct hm_stoq_endpoint *ep, size_t need)
{
	/* The socket is full: writers stop until it drains (on_tx_writable kicks them). */
	if (ep->tx_blocked)
		return NULL;
	/* Room for one more packet, in the last message or a new one. */
	if (ep->tx_nmsgs == STOQ_TX_MSGS || STOQ_TX_BUF - ep->tx_len < need)
		stoq_endpoint_tx_send(ep);
	/* Still full: the send above found the socket full. */
	if (ep->tx_nmsgs == STOQ_TX_MSGS || STOQ_TX_BUF - ep->tx_len < need)
		return NULL;
	return ep->tx_buf + ep->tx_len;
}

void stoq_endpoint_batch_commit(struct hm_stoq_endpoint *ep, const ngtcp2_path *path, size_t len)
{
	socklen_t to_len = path->remote.addrlen;
	struct stoq_tx_msg *m = ep->tx_nmsgs > 0 ? &ep->tx_msgs[ep->tx_nmsgs - 1] : NULL;

	/*
	 * A packet joins the last message if it goes to the same address, is
	 * no longer than the message's packets and the message has not ended
	 * (its last packet was full size); else it starts a new one right
	 * after (stoq_endpoint_batch_buf left room for the slot).
	 */
	if (m != NULL && ep->gso && m->segs < STOQ_GSO_MAX_SEGS && len <= m->seg &&
	    m->len + len <= STOQ_GSO_MAX_BYTES && m->len % m->seg == 0 && to_len == m->to_len &&
	    memcmp(&m->to, path->remote.addr, to_len) == 0) {
		m->len += len;
		m->segs++;
		ep->tx_len += len;
		return;
	}
	m = &ep->tx_msgs[ep->tx_nmsgs++];
	m->off = ep->tx_len;
	m->len = m->seg = len;
	m->segs = 1;
	memcpy(&m->to, path->remote.addr, to_len);
	m->to_len = to_len;
	ep->tx_len += len;
}

static void fine_timer_arm(struct hm_stoq_endpoint *ep, uint64_t at_ns)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(at_ns / HM_NS_PER_SEC);
	its.it_value.tv_nsec = (long)(at_ns % HM_NS_PER_SEC);
	if (timerfd_settime(ep->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		ep->fine_armed_ns = at_ns;
}

int stoq_endpoint_fine_timer(struct hm_stoq_endpoint *ep, struct hm_stoq_conn *c,
                             uint64_t expiry_ns)
{
	if (ep->timer_fd < 0 || ep->udp_close_started)
		return 0;
	c->fine_expiry_ns = expiry_ns;
	if (ep->fine_armed_ns == 0 || expiry_ns < ep->fine_armed_ns)
		fine_timer_arm(ep, expiry_ns);
	return 1;
}

/* The timerfd fired: wake every connection that is due, re-arm for the rest. */
static void on_fine_timer(uv_poll_t *h, int status, int events)
{
	struct hm_stoq_endpoint *ep = h->data;
	struct hm_stoq_conn *c, *next;
	uint64_t expirations, now, soonest = 0;

	(void)status;
	(void)events;
	if (read(ep->timer_fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		return;
	ep->fine_armed_ns = 0;
	now = hm_clock_mono_ns();
	stoq_endpoint_tx_hold(ep); /* one sendmmsg for every connection woken */
	/*
	 * A connection that closes meanwhile is unlinked but its memory lives
	 * until the loop runs its timer's close callback, so `next` stays valid.
	 */
	for (c = ep->conns; c != NULL; c = next) {
		next = c->next;
		if (c->fine_expiry_ns == 0 || c->closed)
			continue;
		if (c->fine_expiry_ns <= now) {
			c->fine_expiry_ns = 0;
			stoq_conn_expire(c);
		}
	}
	for (c = ep->conns; c != NULL; c = c->next)
		if (!c->closed && c->fine_expiry_ns != 0 &&
		    (soonest == 0 || c->fine_expiry_ns < soonest))
			soonest = c->fine_expiry_ns;
	if (soonest != 0 && (ep->fine_armed_ns == 0 || soonest < ep->fine_armed_ns))
		fine_timer_arm(ep, soonest);
	stoq_endpoint_tx_release(ep);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct hm_stoq_endpoint *ep = h->data;

	(void)suggested;
	*buf = uv_buf_init((char *)ep->recv_buf, sizeof(ep->recv_buf));
}

static struct hm_stoq_conn *find_conn(struct hm_stoq_endpoint *ep, const uint8_t *dcid, size_t len)
{
	struct hm_stoq_conn *c;

	for (c = ep->conns; c != NULL; c = c->next)
		if (stoq_conn_has_cid(c, dcid, len))
			return c;
	return NULL;
}

/*
 * Stateless reset (RFC 9000 §10.3): a short-header packet for a connection
 * we do not know (we restarted, or forgot it) is answered with a reset
 * carrying the token we announced for that connection id, so the peer drops
 * the connection now instead of after its idle timeout. The tokens derive
 * from ep->static_secret, itself derived from the node key, so a restarted
 * node with the same identity resets its previous connections. Only packets
 * longer than our longest reset are answered, with a shorter reset: two
 * endpoints can never bounce resets at each other. Rate limited too.
 */
static void send_stateless_reset(struct hm_stoq_endpoint *ep, const ngtcp2_version_cid *vc,
                                 const struct sockaddr *addr, size_t pkt_len)
{
	uint8_t token[NGTCP2_STATELESS_RESET_TOKENLEN], rnd[STOQ_RESET_MAX_LEN];
	uint8_t out[STOQ_RESET_MAX_LEN], jitter;
	uint64_t now = hm_clock_mono_ns();
	ngtcp2_path path;
	ngtcp2_cid cid;
	ngtcp2_ssize n;
	size_t len;

	if (vc->dcidlen != STOQ_CID_LEN || pkt_len <= STOQ_RESET_MAX_LEN)
		return;
	if (now - ep->reset_window_ns > HM_NS_PER_SEC) {
		ep->reset_window_ns = now;
		ep->resets_in_window = 0;
	}
	if (ep->resets_in_window >= STOQ_RESETS_PER_SEC)
		return;
	ep->resets_in_window++;
	ngtcp2_cid_init(&cid, vc->dcid, vc->dcidlen);
	if (ngtcp2_crypto_generate_stateless_reset_token(token, ep->static_secret,
	                                                 sizeof(ep->static_secret), &cid) != 0)
		return;
	/* 40 to 43 bytes: a reset need not look the same every time. */
	stoq_rand(&jitter, 1);
	stoq_rand(rnd, sizeof(rnd));
	len = sizeof(out) - (jitter & 3);
	/* ngtcp2 takes the first byte from the random bytes too. */
	n = ngtcp2_pkt_write_stateless_reset(out, len, token, rnd,
	                                     len - NGTCP2_STATELESS_RESET_TOKENLEN);
	if (n <= 0)
		return;
	path.remote.addr = (ngtcp2_sockaddr *)addr;
	stoq_endpoint_send(ep, &path, out, (size_t)n);
}

/*
 * A stateless reset from a peer carries a random DCID, so it matches no
 * connection by id: find the connection whose peer announced the token in
 * its last 16 bytes, and let ngtcp2 process it there.
 */
static struct hm_stoq_conn *find_reset_conn(struct hm_stoq_endpoint *ep, const uint8_t *pkt,
                                            size_t len)
{
	ngtcp2_cid_token toks[STOQ_MAX_SCIDS];
	const uint8_t *tok;
	struct hm_stoq_conn *c;
	size_t i, n;

	if (len < 1 + NGTCP2_MIN_STATELESS_RESET_RANDLEN + NGTCP2_STATELESS_RESET_TOKENLEN)
		return NULL;
	tok = pkt + len - NGTCP2_STATELESS_RESET_TOKENLEN;
	for (c = ep->conns; c != NULL; c = c->next) {
		if (c->closed || c->qc == NULL ||
		    ngtcp2_conn_get_num_active_dcid(c->qc) > STOQ_MAX_SCIDS)
			continue;
		n = ngtcp2_conn_get_active_dcid(c->qc, toks);
		for (i = 0; i < n; i++)
			if (toks[i].token_present &&
			    hm_ct_equal(toks[i].token, tok, NGTCP2_STATELESS_RESET_TOKENLEN))
				return c;
	}
	return NULL;
}

/*
 * Address validation (cfg.retry, RFC 9000 §8.1.2): a client Initial without
 * a Retry token gets a Retry carrying one (bound to its address and the
 * connection ids, valid STOQ_RETRY_TOKEN_TIMEOUT_S) and no state is kept; a
 * client that returns a valid token has shown it receives at its address.
 * Returns 1 with *odcid set (valid token), 0 (Retry sent) or -1 (bad token:
 * dropped).
 */
static int check_retry(struct hm_stoq_endpoint *ep, const ngtcp2_pkt_hd *hd,
                       const struct sockaddr *addr, socklen_t addrlen, ngtcp2_cid *odcid)
{
	uint8_t token[NGTCP2_CRYPTO_MAX_RETRY_TOKENLEN], out[STOQ_MAX_UDP_PAYLOAD];
	ngtcp2_tstamp now = hm_clock_mono_ns();
	ngtcp2_cid scid;
	ngtcp2_ssize toklen, n;
	ngtcp2_path path;

	if (hd->token.len > 0 && hd->token.base[0] == NGTCP2_CRYPTO_TOKEN_MAGIC_RETRY) {
		if (ngtcp2_crypto_verify_retry_token(
		            odcid, hd->token.base, hd->token.len, ep->retry_secret,
		            sizeof(ep->retry_secret), hd->version, (const ngtcp2_sockaddr *)addr,
		            addrlen, &hd->dcid, STOQ_RETRY_TOKEN_TIMEOUT_S * NGTCP2_SECONDS,
		            now) != 0)
			return -1;
		return 1;
	}
	scid.datalen = STOQ_CID_LEN;
	stoq_rand(scid.data, scid.datalen);
	toklen = ngtcp2_crypto_generate_retry_token(
	        token, ep->retry_secret, sizeof(ep->retry_secret), hd->version,
	        (const ngtcp2_sockaddr *)addr, addrlen, &scid, &hd->dcid, now);
	if (toklen < 0)
		return -1;
	n = ngtcp2_crypto_write_retry(out, sizeof(out), hd->version, &hd->scid, &scid, &hd->dcid,
	                              token, (size_t)toklen);
	if (n <= 0)
		return -1;
	path.remote.addr = (ngtcp2_sockaddr *)addr;
	stoq_endpoint_send(ep, &path, out, (size_t)n);
	return 0;
}

/* Connections whose peer has addr's IP address (ports aside). */
static size_t stoq_conns_from_addr(struct hm_stoq_endpoint *ep, const struct sockaddr *addr)
{
	struct hm_stoq_conn *c;
	size_t n = 0;

	for (c = ep->conns; c != NULL; c = c->next) {
		const ngtcp2_path *p;

		if (c->closed || c->qc == NULL)
			continue;
		p = ngtcp2_conn_get_path(c->qc);
		if (p->remote.addr->sa_family != addr->sa_family)
			continue;
		if (addr->sa_family == AF_INET6 &&
		    memcmp(&((const struct sockaddr_in6 *)(const void *)p->remote.addr)->sin6_addr,
		           &((const struct sockaddr_in6 *)(const void *)addr)->sin6_addr, 16) == 0)
			n++;
		else if (addr->sa_family == AF_INET &&
		         ((const struct sockaddr_in *)(const void *)p->remote.addr)
		                         ->sin_addr.s_addr ==
		                 ((const struct sockaddr_in *)(const void *)addr)->sin_addr.s_addr)
			n++;
	}
	return n;
}

/* One datagram from addr: to its connection, or a new one, or a stateless reset. */
static void endpoint_datagram(struct hm_stoq_endpoint *ep, const uint8_t *pkt, size_t len,
                              const struct sockaddr *addr)
{
	ngtcp2_version_cid vc;
	struct hm_stoq_conn *c;
	socklen_t addrlen;

	ep->stats.rx_bytes += len;
	ep->stats.rx_datagrams++;
	addrlen = addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                      : sizeof(struct sockaddr_in);
	/* Version negotiation is not offered: STOQ speaks QUIC v1 only. */
	if (ngtcp2_pkt_decode_version_cid(&vc, pkt, len, STOQ_CID_LEN) != 0)
		return;
	c = find_conn(ep, vc.dcid, vc.dcidlen);
	if (c == NULL && !(pkt[0] & 0x80)) {
		c = find_reset_conn(ep, pkt, len);
		if (c == NULL) {
			send_stateless_reset(ep, &vc, addr, len);
			return;
		}
	}
	if (c == NULL) {
		ngtcp2_pkt_hd hd;
		ngtcp2_cid odcid;
		int retried = 0;

		if (!ep->cfg.accept || ep->nconns >= ep->cfg.max_connections)
			return;
		if (ngtcp2_accept(&hd, pkt, len) != 0)
			return;
		if (ep->cfg.max_connections_per_addr > 0 &&
		    stoq_conns_from_addr(ep, addr) >= ep->cfg.max_connections_per_addr)
			return;
		if (ep->cfg.retry) {
			retried = check_retry(ep, &hd, addr, addrlen, &odcid);
			if (retried <= 0)
				return; /* a Retry was sent, or the token is bad: no state kept */
		}
		if (stoq_conn_new_server(ep, &hd, retried ? &odcid : NULL, addr, addrlen, &c) !=
		    HM_OK)
			return;
	}
	stoq_conn_recv(c, addr, addrlen, pkt, len);
}

void stoq_endpoint_recv_segments(struct hm_stoq_endpoint *ep, const uint8_t *buf, size_t len,
                                 size_t seg, const struct sockaddr *addr)
{
	size_t off, n;

	if (seg == 0 || seg > len)
		seg = len;
	for (off = 0; off < len && !ep->closing; off += n) {
		n = len - off < seg ? len - off : seg;
		endpoint_datagram(ep, buf + off, n, addr);
	}
}

/* libuv's reader (no GRO): one datagram per call. */
static void on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr,
                    unsigned flags)
{
	struct hm_stoq_endpoint *ep = h->data;

	if (flags & UV_UDP_MMSG_FREE) {
		/* libuv's recvmmsg batch is over (its datagrams came as MMSG_CHUNKs). */
		stoq_conn_recv_batch_done(ep);
		return;
	}
	if (nread <= 0 || addr == NULL || ep->closing || (flags & UV_UDP_PARTIAL))
		return;
	if (flags & UV_UDP_MMSG_CHUNK)
		ep->rx_batch = 1;
	endpoint_datagram(ep, (const uint8_t *)buf->base, (size_t)nread, addr);
}

/* The segment size of a GRO-coalesced buffer, or 0 (one datagram). */
static size_t gro_segment_size(struct msghdr *msg)
{
	struct cmsghdr *cm;
	int seg;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(seg))) {
			memcpy(&seg, CMSG_DATA(cm), sizeof(seg));
			return seg > 0 ? (size_t)seg : 0;
		}
	}
	return 0;
}

/*
 * Our reader (GRO): each recvmmsg fills up to STOQ_RECV_MMSG buffers of 64
 * KiB, each holding one datagram or a run the kernel coalesced, cut here at
 * the segment size from the UDP_GRO control message. Connections are
 * processed once per recvmmsg batch (stoq_conn_recv_batch_done).
 */
static void on_rx_readable(uv_poll_t *h, int status, int events)
{
	struct hm_stoq_endpoint *ep = h->data;
	struct mmsghdr msgs[STOQ_RECV_MMSG];
	struct iovec iov[STOQ_RECV_MMSG];
	struct sockaddr_storage from[STOQ_RECV_MMSG];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl[STOQ_RECV_MMSG];
	const size_t slot = STOQ_RECV_BUF / STOQ_RECV_MMSG;
	int i, n, round;

	(void)events;
	if (status < 0)
		return;
	for (round = 0; round < STOQ_RECV_ROUNDS && !ep->closing; round++) {
		memset(msgs, 0, sizeof(msgs));
		for (i = 0; i < STOQ_RECV_MMSG; i++) {
			iov[i].iov_base = ep->recv_buf + (size_t)i * slot;
			iov[i].iov_len = slot;
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_control = ctl[i].buf;
			msgs[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
		}
		do
			n = recvmmsg(ep->rx_fd, msgs, STOQ_RECV_MMSG, MSG_DONTWAIT, NULL);
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			return; /* EAGAIN, or an error the next wake-up will see again */
		ep->rx_batch = 1;
		for (i = 0; i < n && !ep->closing; i++) {
			struct msghdr *m = &msgs[i].msg_hdr;

			if ((m->msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 || m->msg_namelen == 0)
				continue;
			stoq_endpoint_recv_segments(ep, iov[i].iov_base, msgs[i].msg_len,
			                            gro_segment_size(m),
			                            (const struct sockaddr *)&from[i]);
		}
		stoq_conn_recv_batch_done(ep);
		if (n < STOQ_RECV_MMSG)
			return;
	}
}

/*
 * Turns on GRO and our own reader where the kernel allows it. 1 on
 * success; 0 leaves libuv's reader to be started.
 */
static int gro_reader_start(struct hm_stoq_endpoint *ep, uv_os_fd_t fd)
{
	int on = 1;

	if (ep->cfg.disable_gro || setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof(on)) != 0)
		return 0;
	/* A duplicate: libuv keys its watchers by descriptor, and the UDP handle owns fd. */
	ep->rx_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (ep->rx_fd >= 0 && uv_poll_init(ep->loop, &ep->rx_poll, ep->rx_fd) == 0) {
		ep->rx_poll.data = ep;
		ep->rx_poll_open = 1;
		ep->polls_open++;
		if (uv_poll_start(&ep->rx_poll, UV_READABLE, on_rx_readable) == 0)
			return 1;
		/* The poll handle is closed with the endpoint (and rx_fd freed then). */
	} else if (ep->rx_fd >= 0) {
		close(ep->rx_fd);
		ep->rx_fd = -1;
	}
	/* libuv's reader takes over: it must not get coalesced buffers. */
	on = 0;
	(void)setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof(on));
	return 0;
}

static int parse_bind(const struct hm_stoq_config *cfg, struct sockaddr_storage *ss)
{
	const char *host = cfg->bind_addr != NULL ? cfg->bind_addr : "::";

	memset(ss, 0, sizeof(*ss));
	if (uv_ip6_addr(host, cfg->port, (struct sockaddr_in6 *)ss) == 0)
		return AF_INET6;
	if (uv_ip4_addr(host, cfg->port, (struct sockaddr_in *)ss) == 0)
		return AF_INET;
	return -1;
}

int hm_stoq_endpoint_new(uv_loop_t *loop, const struct hm_stoq_config *cfg,
                         struct hm_stoq_endpoint **out)
{
	struct hm_stoq_endpoint *ep;
	struct sockaddr_storage bind_addr;
	uv_os_fd_t fd;
	int family, rc, len, off = 0;

	if (loop == NULL || cfg == NULL || cfg->identity == NULL ||
	    cfg->identity->alg != HM_KEY_ED25519 || cfg->max_connections == 0)
		return HM_ERR_INVALID;
	if (cfg->max_udp_payload != 0 && (cfg->max_udp_payload < HM_STOQ_UDP_PAYLOAD_MIN ||
	                                  cfg->max_udp_payload > HM_STOQ_UDP_PAYLOAD_MAX))
		return HM_ERR_INVALID;
	family = parse_bind(cfg, &bind_addr);
	if (family < 0)
		return HM_ERR_INVALID;
	ep = calloc(1, sizeof(*ep));
	if (ep == NULL)
		return HM_ERR_NOMEM;
	ep->loop = loop;
	ep->cfg = *cfg;
	ep->identity = *cfg->identity;
	ep->cfg.identity = &ep->identity;
	ep->cfg.bind_addr = NULL;             /* not kept: the caller's string */
	ep->cfg.pq_pk = ep->cfg.pq_sk = NULL; /* copied by stoq_pq_endpoint_init */
	ep->family = family;
	ep->gso = !cfg->disable_gso;
	ep->timer_fd = -1;
	ep->rx_fd = -1;
	ep->tx_fd = -1;
	hm_identity_node_id(&ep->identity, ep->node_id);
	stoq_static_secret(ep);
	rc = hm_random_bytes(ep->retry_secret, sizeof(ep->retry_secret));
	if (rc != HM_OK)
		goto fail;
	hm_buf_init(&ep->trust_root);
	rc = stoq_tls_cred_new(ep);
	ep->cfg.cert_chain = ep->cfg.trust_root = NULL; /* read only by stoq_tls_cred_new */
	if (rc != HM_OK)
		goto fail;
	rc = stoq_pq_endpoint_init(ep, cfg);
	if (rc != HM_OK)
		goto fail;
	/* UV_UDP_RECVMMSG: up to STOQ_RECV_MMSG datagrams per system call. */
	if (uv_udp_init_ex(loop, &ep->udp, (unsigned)family | UV_UDP_RECVMMSG) != 0) {
		rc = HM_ERR_IO;
		goto fail;
	}
	ep->udp.data = ep;
	/* Dual stack whatever net.ipv6.bindv6only says: IPv4 peers arrive mapped. */
	if (family == AF_INET6 && uv_fileno((uv_handle_t *)&ep->udp, &fd) == 0)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	if (uv_udp_bind(&ep->udp, (const struct sockaddr *)&bind_addr, 0) != 0 ||
	    uv_fileno((uv_handle_t *)&ep->udp, &fd) != 0) {
		rc = HM_ERR_IO;
		goto fail_udp;
	}
	if (!gro_reader_start(ep, fd) && uv_udp_recv_start(&ep->udp, on_alloc, on_recv) != 0) {
		rc = HM_ERR_IO;
		goto fail_udp;
	}
	len = sizeof(ep->local);
	if (uv_udp_getsockname(&ep->udp, (struct sockaddr *)&ep->local, &len) != 0) {
		rc = HM_ERR_IO;
		goto fail_udp;
	}
	ep->local_len = (socklen_t)len;
	if (uv_fileno((uv_handle_t *)&ep->udp, &fd) == 0) {
		int size = STOQ_SOCKET_BUF;

		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
		stoq_path_socket_setup(fd, family);
	}
	/* No timerfd (or no poll handle for it) leaves millisecond timers: slower, not wrong. */
	ep->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (ep->timer_fd >= 0 && uv_poll_init(loop, &ep->timer_poll, ep->timer_fd) == 0) {
		ep->timer_poll.data = ep;
		ep->timer_poll_open = 1;
		ep->polls_open++;
		(void)uv_poll_start(&ep->timer_poll, UV_READABLE, on_fine_timer);
	} else if (ep->timer_fd >= 0) {
		close(ep->timer_fd);
		ep->timer_fd = -1;
	}
	/*
	 * A duplicate descriptor to wait for POLLOUT on after EAGAIN (libuv
	 * keys watchers by descriptor, and the UDP handle owns fd). Without it
	 * a full socket drops what does not fit, as before.
	 */
	if (uv_fileno((uv_handle_t *)&ep->udp, &fd) == 0)
		ep->tx_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (ep->tx_fd >= 0 && uv_poll_init(loop, &ep->tx_poll, ep->tx_fd) == 0) {
		ep->tx_poll.data = ep;
		ep->tx_poll_open = 1;
		ep->polls_open++;
	} else if (ep->tx_fd >= 0) {
		close(ep->tx_fd);
		ep->tx_fd = -1;
	}
	*out = ep;
	return HM_OK;
fail_udp:
	/* The handle must be closed through the loop; the endpoint goes with it. */
	ep->closing = 1;
	stoq_endpoint_check_close(ep);
	return rc;
fail:
	endpoint_free(ep);
	return rc;
}

void hm_stoq_endpoint_close(struct hm_stoq_endpoint *ep)
{
	struct hm_stoq_conn *c, *next;

	if (ep == NULL || ep->closing)
		return;
	ep->closing = 1;
	uv_udp_recv_stop(&ep->udp);
	if (ep->rx_poll_open)
		uv_poll_stop(&ep->rx_poll);
	/* Stopped inside a recvmmsg batch, libuv does not end it: end it here. */
	stoq_conn_recv_batch_done(ep);
	for (c = ep->conns; c != NULL; c = next) {
		next = c->next;
		hm_stoq_conn_close(c, HM_STOQ_APP_SHUTDOWN, "shutdown");
	}
	stoq_endpoint_check_close(ep);
}

uint16_t hm_stoq_endpoint_port(const struct hm_stoq_endpoint *ep)
{
	if (ep->local.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&ep->local)->sin6_port);
	return ntohs(((const struct sockaddr_in *)&ep->local)->sin_port);
}

size_t hm_stoq_endpoint_conn_count(const struct hm_stoq_endpoint *ep)
{
	return ep->nconns;
}

void hm_stoq_endpoint_stats(const struct hm_stoq_endpoint *ep, struct hm_stoq_stats *st)
{
	*st = ep->stats;
	st->connections = ep->nconns;
}
