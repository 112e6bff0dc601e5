/* SPDX-License-Identifier: Apache-2.0 */
/* STOQ internals shared by the files of src/stoq (not a public interface). */
#ifndef HYPERMESH_STOQ_INTERNAL_H
#define HYPERMESH_STOQ_INTERNAL_H

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <uv.h>

#include "chain_cache.h"
#include "hypermesh/stoq.h"
#include "record.h"

#define STOQ_MAX_UDP_PAYLOAD       1452 /* fits a 1500-byte MTU under IPv6 */
#define STOQ_CID_LEN               16
#define STOQ_MAX_SCIDS             16 /* our connection ids per connection */
/* libuv's recvmmsg takes up to this many 64 KiB datagrams per call. */
#define STOQ_RECV_MMSG             8
#define STOQ_RECV_BUF              (STOQ_RECV_MMSG * 65536)
#define STOQ_RECV_ROUNDS           32 /* recvmmsg calls per wake-up, at most */
/* Flow-control windows grow up to these (ngtcp2 auto-tuning, conn.c). */
#define STOQ_MAX_STREAM_WINDOW     ((uint64_t)16 << 20)
#define STOQ_MAX_CONN_WINDOW       ((uint64_t)24 << 20)
/*
 * One UDP_SEGMENT (GSO) send carries at most 64 segments (the kernel's
 * UDP_MAX_SEGMENTS) and, with its headers, one 64 KiB IP packet: 44 x 1452,
 * 3 x 16 KiB, or a single datagram over 32 KiB.
 */
#define STOQ_GSO_MAX_SEGS          64
#define STOQ_GSO_MAX_BYTES         64000
/*
 * One sendmmsg carries up to STOQ_TX_MSGS messages (GSO batches, each to
 * one address) from up to STOQ_TX_BUF bytes: a server answering many
 * connections, or a broadcast, makes one system call per pass.
 */
#define STOQ_TX_MSGS               32
#define STOQ_TX_BUF                (8 * STOQ_GSO_MAX_BYTES)
#define STOQ_STATIC_SECRET_LEN     32
#define STOQ_RETRY_TOKEN_TIMEOUT_S 10
#define STOQ_RESET_MAX_LEN         43  /* bytes of a stateless reset we send, at most */
#define STOQ_RESETS_PER_SEC        100 /* stateless resets an endpoint sends per second */

/* One message of the endpoint's send queue: packets of seg bytes (the last may be shorter). */
struct stoq_tx_msg {
	size_t off, len; /* where in ep->tx_buf */
	size_t seg, segs;
	struct sockaddr_storage to;
	socklen_t to_len;
};

/* A queued piece of a stream's outgoing bytes, kept until acknowledged:
 * ngtcp2 retransmits from the caller's memory, so chunks never move. */
struct stoq_chunk {
	struct stoq_chunk *next;
	uint64_t offset; /* stream offset of data[0] */
	size_t len;
	size_t cap; /* bytes data[] has room for (a recycled chunk may be larger than len) */
	uint8_t data[];
};

/*
 * Acknowledged chunks go to the endpoint's pool instead of the allocator,
 * and the next write of a size that fits takes one back: a sender keeping
 * megabytes in flight in pieces of one size allocates nothing per write.
 * Bounded: chunks up to STOQ_POOL_CHUNK_MAX bytes, STOQ_POOL_CHUNKS of them
 * and STOQ_POOL_BYTES in all; a chunk is reused for a write of at least
 * half its size (plus a page), so a small write never pins a large chunk.
 */
#define STOQ_POOL_CHUNK_MAX ((size_t)1 << 20)
#define STOQ_POOL_CHUNKS    64
#define STOQ_POOL_BYTES     ((size_t)8 << 20)

struct hm_stoq_stream {
	struct hm_stoq_conn *conn;
	struct hm_stoq_stream *next; /* in conn->streams */
	int64_t id;
	struct hm_stoq_stream_callbacks cb;
	void *user;
	int adopted;
	struct stoq_chunk *head, *tail; /* unacknowledged chunks */
	struct stoq_chunk *send_chunk;  /* first chunk with unsent bytes */
	uint64_t queued;                /* stream offset after the last queued byte */
	uint64_t sent;                  /* bytes handed to ngtcp2 */
	uint64_t acked;                 /* bytes acknowledged (contiguous) */
	int fin_queued, fin_sent, blocked, reset, closed;
	/* PQ record layer (pq.c). `plain` marks the PQ handshake stream itself. */
	int plain;
	uint32_t tx_seq;           /* records sent */
	struct stoq_rec_rx rec_rx; /* records received */
	struct hm_buf rx_rec;      /* a held stream's bytes */
	int held, held_fin;        /* arrived before we were ready: not yet shown */
	uint64_t held_bytes;       /* flow-control credit to return on release */
	uint64_t held_close_code;  /* the peer closed it while held */
	int tx_fault_done;         /* tests: the record fault was applied */
};

struct hm_stoq_conn {
	struct hm_stoq_endpoint *ep;
	struct hm_stoq_conn *next; /* in ep->conns */
	ngtcp2_conn *qc;
	gnutls_session_t tls;
	ngtcp2_crypto_conn_ref conn_ref;
	ngtcp2_path_storage ps;
	uv_timer_t timer;
	uint64_t fine_expiry_ns; /* a sub-millisecond wake-up queued on the endpoint's timerfd */
	size_t tx_payload;       /* largest UDP payload we send on this path now (path.c) */
	struct hm_stoq_conn *rx_next; /* in ep->rx_pending */
	int rx_pending;               /* read packets of this receive batch, not yet processed */
	int is_server;
	ngtcp2_cid scids[STOQ_MAX_SCIDS];
	size_t nscids;
	ngtcp2_cid odcid; /* server: the client's first DCID, still used by its retransmissions */
	int has_odcid;
	uint8_t expected_id[HM_NODE_ID_LEN]; /* client: the pinned server id */
	uint8_t peer_id[HM_NODE_ID_LEN];
	int peer_known;
	int handshake_done;
	int ready_pending; /* handshake done, on_ready not yet delivered */
	int ready;
	int local_err;       /* HM error decided locally (pin mismatch...) */
	int busy;            /* inside ngtcp2 or a callback: defer closing */
	int close_requested; /* close after the current operation */
	uint64_t close_code;
	char close_reason[128];
	int closed; /* on_closed delivered, waiting for the timer to close */
	struct hm_stoq_stream *streams;
	uint64_t next_request_id;
	/* PQ layer (pq.c). */
	int pq;                  /* this connection speaks the PQ layer */
	int pq_keys;             /* record keys derived */
	int pq_done;             /* PQ step finished and verified */
	int confirmed;           /* client: handshake confirmed (HANDSHAKE_DONE) */
	int pq_start_pending;    /* client: open the PQ stream at next process */
	int close_err;           /* err reported for a close we requested */
	uint64_t pq_deadline_ns; /* PQ step must finish by then */
	struct stoq_pq *pqs;     /* handshake state, freed when done */
	gnutls_aead_cipher_hd_t pq_tx, pq_rx;
	uint8_t peer_pk[32]; /* the peer's Ed25519 key (from its certificate) */
	uint8_t peer_pq_key_id[HM_STOQ_PQ_KEY_ID_LEN];
	uint8_t expected_pq_key_id[HM_STOQ_PQ_KEY_ID_LEN];
	int has_expected_pq_key_id;
	/* RPC calls waiting for the peer to allow another stream (rpc.c), FIFO. */
	struct hm_stoq_rpc_call *pending_calls;
	void *user;
	int chain_error; /* enum hm_stoq_chain_error: why the peer's chain was refused */
	int certified;   /* the peer's chain was verified against the trust root */
	/* Broadcast peers waiting for this connection to be ready (rpc.c). */
	struct stoq_bcast_peer *bcast_waiting;
};

struct hm_stoq_endpoint {
	uv_loop_t *loop;
	uv_udp_t udp;
	struct hm_stoq_config cfg;
	struct hm_identity identity;
	uint8_t node_id[HM_NODE_ID_LEN];
	gnutls_certificate_credentials_t cred;
	struct hm_buf trust_root; /* DER of cfg.trust_root; empty: no chain check */
	uint8_t static_secret[STOQ_STATIC_SECRET_LEN]; /* from the node key: stateless resets */
	uint8_t retry_secret[STOQ_STATIC_SECRET_LEN];  /* random: Retry tokens */
	uint64_t reset_window_ns;
	unsigned resets_in_window;
	/* PQ signing key (copied or generated) and its Ed25519 binding. */
	int pq_alg;
	uint8_t *pq_pk, *pq_sk;
	size_t pq_pk_len, pq_sk_len;
	uint8_t pq_binding[64];
	uint8_t pq_key_id[HM_STOQ_PQ_KEY_ID_LEN];
	uint8_t pq_plain[STOQ_REC_PLAIN_MAX]; /* one record's plaintext */
	struct sockaddr_storage local;
	socklen_t local_len;
	int family;
	struct hm_stoq_conn *conns;
	size_t nconns;
	struct hm_stoq_stats stats; /* UDP payload counters (hm_stoq_endpoint_stats) */
	int closing, udp_close_started, udp_closed;
	/*
	 * Sub-millisecond wake-ups (pacing): libuv timers count whole
	 * milliseconds, so a timerfd watched by a poll handle wakes connections
	 * whose next event is less than 1 ms away (stoq_endpoint_fine_timer).
	 * timer_fd is -1 where it could not be made (ms timers only).
	 */
	int timer_fd;
	uv_poll_t timer_poll;
	int timer_poll_open;
	/*
	 * GRO receive: where the kernel accepts UDP_GRO, datagrams are read
	 * with our own recvmmsg on a duplicate of the socket's descriptor
	 * (libuv's UDP reader does not pass the segment size along); else
	 * libuv's reader (UV_UDP_RECVMMSG) is used. rx_fd is -1 then.
	 */
	int rx_fd;
	uv_poll_t rx_poll;
	int rx_poll_open;
	int polls_open;         /* poll handles not yet closed (the endpoint waits for them) */
	uint64_t fine_armed_ns; /* the timerfd's deadline, 0 = disarmed */
	/*
	 * Connections that read packets of the current recvmmsg batch: each is
	 * processed (ACKs, writes, timer) once, after the whole batch.
	 */
	struct hm_stoq_conn *rx_pending;
	int rx_batch; /* inside a recvmmsg batch */
	uint8_t recv_buf[STOQ_RECV_BUF];
	uint8_t send_buf[STOQ_MAX_UDP_PAYLOAD]; /* a connection's CONNECTION_CLOSE */
	/*
	 * Outgoing packets, sent with one sendmmsg per write pass
	 * (stoq_endpoint_tx_hold): each message is a run of equal-sized packets
	 * to one address (one UDP_SEGMENT GSO send), the messages lie one after
	 * the other in tx_buf. Connections write straight into it.
	 */
	int gso; /* 1 while the kernel accepts UDP_SEGMENT */
	struct stoq_tx_msg tx_msgs[STOQ_TX_MSGS];
	size_t tx_nmsgs;
	size_t tx_len;  /* bytes of tx_buf in use */
	int tx_hold;    /* > 0: inside a write pass, send at its end */
	int tx_blocked; /* the socket said EAGAIN: the rest waits for POLLOUT */
	int tx_fd;      /* a duplicate of the socket watched for POLLOUT, or -1 */
	uv_poll_t tx_poll;
	int tx_poll_open;
	/* Acknowledged chunks kept for the next writes (stream.c, STOQ_POOL_BYTES). */
	struct stoq_chunk *chunk_pool;
	size_t chunk_pool_len, chunk_pool_bytes;
	/* Verified peer chains (tls.c, cfg.trust_root). */
	struct stoq_chain_cache chain_cache;
	uint8_t tx_buf[STOQ_TX_BUF];
};

/* tls.c */
void stoq_tls_endpoint_free(struct hm_stoq_endpoint *ep);
int stoq_tls_cred_new(struct hm_stoq_endpoint *ep);
int stoq_tls_session_new(struct hm_stoq_conn *c);
/* The ALPN name of the endpoint's PQ mode. */
const char *stoq_alpn(const struct hm_stoq_endpoint *ep);
/*
 * After the handshake: HM_OK if the negotiated ALPN is ours, or stoq/1 on a
 * server that allows classical clients (then c->pq becomes 0); else
 * HM_ERR_CRYPTO.
 */
int stoq_tls_alpn_check(struct hm_stoq_conn *c);

/* pq.c */
struct stoq_pq;
/* Endpoint setup: copies or generates the PQ key and signs its binding. */
int stoq_pq_endpoint_init(struct hm_stoq_endpoint *ep, const struct hm_stoq_config *cfg);
void stoq_pq_endpoint_free(struct hm_stoq_endpoint *ep);
/* Handshake completed: derive the exporter (both sides). */
int stoq_pq_handshake_completed(struct hm_stoq_conn *c);
/* Client: open the PQ stream and send the first message. */
void stoq_pq_client_start(struct hm_stoq_conn *c);
/* A peer-opened stream: adopts the PQ stream, holds or refuses early ones. */
void stoq_pq_stream_opened(struct hm_stoq_conn *c, struct hm_stoq_stream *s);
/* Bytes of an application stream: decrypts records and calls on_data. */
void stoq_pq_stream_recv(struct hm_stoq_stream *s, const uint8_t *data, size_t len, int fin);
/* Encrypts len bytes (+ final record if fin) into a new chunk. */
int stoq_pq_stream_seal(struct hm_stoq_stream *s, const uint8_t *data, size_t len, int fin);
/* Delivers held streams now that the connection is ready. */
void stoq_pq_release_held(struct hm_stoq_conn *c);
void stoq_pq_conn_free(struct hm_stoq_conn *c);
/* Fails the connection: PQ_FAILED to the peer, err locally. */
void stoq_conn_fail_pq(struct hm_stoq_conn *c, int err, const char *why);

/* conn.c */
/* odcid: the client's first DCID when it came back with a Retry token, else NULL. */
int stoq_conn_new_server(struct hm_stoq_endpoint *ep, const ngtcp2_pkt_hd *hd,
                         const ngtcp2_cid *odcid, const struct sockaddr *remote,
                         socklen_t remote_len, struct hm_stoq_conn **out);
/* Feeds one packet to c; processed at once, or after the batch when ep->rx_batch. */
void stoq_conn_recv(struct hm_stoq_conn *c, const struct sockaddr *remote, socklen_t remote_len,
                    const uint8_t *pkt, size_t len);
/* Processes every connection that read packets of the batch that just ended. */
void stoq_conn_recv_batch_done(struct hm_stoq_endpoint *ep);
int stoq_conn_has_cid(const struct hm_stoq_conn *c, const uint8_t *cid, size_t len);
void stoq_conn_kick(struct hm_stoq_conn *c);
void stoq_conn_close_now(struct hm_stoq_conn *c, uint64_t app_code);
/* The connection's timer fired (either kind): expiry handling, then the write loop. */
void stoq_conn_expire(struct hm_stoq_conn *c);
void stoq_rand(uint8_t *dest, size_t len);

/* stream.c */
int stoq_stream_new(struct hm_stoq_conn *c, int64_t id, struct hm_stoq_stream **out);
void stoq_stream_free(struct hm_stoq_stream *s);
/* Frees the endpoint's pool of acknowledged chunks (STOQ_POOL_CHUNKS). */
void stoq_stream_pool_free(struct hm_stoq_endpoint *ep);
int stoq_stream_write_pending(struct hm_stoq_stream *s);
/* Fills vec with up to n pieces of unsent data; returns the count. */
size_t stoq_stream_unsent(const struct hm_stoq_stream *s, ngtcp2_vec *vec, size_t n);
void stoq_stream_advance(struct hm_stoq_stream *s, size_t n, int fin);
void stoq_stream_acked(struct hm_stoq_stream *s, uint64_t offset, uint64_t len);
/* Appends a chunk of already encoded bytes to the send queue. */
int stoq_stream_queue(struct hm_stoq_stream *s, const uint8_t *data, size_t len, uint8_t **out);

/* rpc.c */
/* Opens streams for waiting calls while the peer's stream limit allows. */
void stoq_rpc_flush_pending(struct hm_stoq_conn *c);
/* Fails every waiting call (HM_ERR_IO): the connection is going away. */
void stoq_rpc_conn_closed(struct hm_stoq_conn *c);
struct stoq_bcast_peer;

/* path.c: the datagram size of a connection (docs/STOQ.md "Datagram size"). */
/* The route's MTU to addr less the IP and UDP headers; 0 if unknown. */
size_t stoq_path_route_payload(const struct sockaddr *addr);
/*
 * A new connection's size: cfg.max_udp_payload, else the route's for a peer
 * on this host (loopback or an own address), else 1452.
 */
size_t stoq_path_initial_payload(const struct hm_stoq_endpoint *ep, const struct sockaddr *addr);
/* EMSGSIZE for a datagram of `refused` bytes to `to`: connections there send smaller ones. */
void stoq_path_too_big(struct hm_stoq_endpoint *ep, const struct sockaddr *to, socklen_t to_len,
                       size_t refused);
/* Sets DF on the endpoint's socket (IP_PMTUDISC_DO). */
void stoq_path_socket_setup(int fd, int family);

/* endpoint.c */
void stoq_endpoint_send(struct hm_stoq_endpoint *ep, const ngtcp2_path *path, const uint8_t *pkt,
                        size_t len);
/*
 * Packets of a burst are written straight into the endpoint's GSO batch:
 * stoq_endpoint_batch_buf gives where the next packet (up to
 * need bytes) goes, or NULL while the socket is full
 * (ep->tx_blocked: stop writing; every connection is kicked once it drains),
 * stoq_endpoint_batch_commit adds the len bytes written there for path. Packets to one destination
 * of equal size (the last may be shorter) leave in one GSO send. stoq_endpoint_flush sends what is
 * queued; call it at the end of every burst.
 */
uint8_t *stoq_endpoint_batch_buf(struct hm_stoq_endpoint *ep, size_t need);
void stoq_endpoint_batch_commit(struct hm_stoq_endpoint *ep, const ngtcp2_path *path, size_t len);
void stoq_endpoint_flush(struct hm_stoq_endpoint *ep);
/* Sends the queue now (stoq_endpoint_flush outside a write pass). */
void stoq_endpoint_tx_send(struct hm_stoq_endpoint *ep);
/*
 * A write pass over several connections: between hold and release, flushes
 * only queue, and release sends everything with as few sendmmsg calls as
 * the queue allows. Nests.
 */
void stoq_endpoint_tx_hold(struct hm_stoq_endpoint *ep);
void stoq_endpoint_tx_release(struct hm_stoq_endpoint *ep);
/*
 * Wakes c at expiry_ns (CLOCK_MONOTONIC) through the endpoint's timerfd.
 * Returns 0 where the endpoint has none (the caller's ms timer must do).
 */
int stoq_endpoint_fine_timer(struct hm_stoq_endpoint *ep, struct hm_stoq_conn *c,
                             uint64_t expiry_ns);
/*
 * Handles len bytes that the kernel received as datagrams of seg bytes each
 * (the last may be shorter; GRO coalesces only such runs), from addr.
 */
void stoq_endpoint_recv_segments(struct hm_stoq_endpoint *ep, const uint8_t *buf, size_t len,
                                 size_t seg, const struct sockaddr *addr);
/* Finishes closing the endpoint once its last connection is gone. */
void stoq_endpoint_check_close(struct hm_stoq_endpoint *ep);

#endif
