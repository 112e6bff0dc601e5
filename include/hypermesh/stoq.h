/* SPDX-License-Identifier: Apache-2.0 */
/*
 * STOQ: the HyperMesh transport. QUIC (ngtcp2) over one UDP socket driven by
 * a libuv loop, TLS 1.3 (GnuTLS) with ALPN "stoq/1" and mutual
 * authentication by X.509 certificates whose keys are the nodes' Ed25519
 * identities, and (by default) a post-quantum layer on top: a hybrid
 * ML-KEM-1024 + X25519 exchange authenticated by ML-DSA-87 or Falcon-1024
 * signatures over the TLS exporter, whose keys protect every application
 * stream in an inner AEAD record layer (docs/STOQ.md, "Post-quantum layer").
 *
 * Objects and ownership. An endpoint (hm_stoq_endpoint_new) owns its socket,
 * its connections and their streams. Connections and streams handed to the
 * caller are borrowed: a connection stays valid until its on_closed callback
 * returns, a stream until its on_close callback returns. Nothing here is
 * thread-safe: every call must be made on the loop's thread.
 *
 * Callbacks may call any function of this API, including closing the
 * connection or the endpoint they were called for; such requests take effect
 * once the callback has returned.
 *
 * Identity pinning. A node id is SHA-256 of an Ed25519 public key
 * (hm_identity_node_id). Each endpoint presents a certificate for its
 * identity (self-signed, or a TrustChain chain: cfg.cert_chain, with the
 * peers' chains checked against cfg.trust_root); the connecting side names
 * the node id it expects and the handshake fails unless the server's
 * certificate key hashes to it. The
 * server requires a client certificate and learns the client's node id from
 * it (hm_stoq_conn_peer_id).
 *
 * Errors reported by callbacks (int err): HM_OK for a close requested by an
 * application (either side; app_code carries its code), HM_ERR_VERIFY when the
 * peer's identity did not match the pinned node id (or its PQ key the pinned
 * PQ key id, or cfg.pq_check refused it), HM_ERR_CRYPTO when the TLS
 * handshake failed for another reason (no or bad certificate, no common ALPN,
 * the peer refused ours; also any failure of the post-quantum layer, see
 * HM_STOQ_APP_PQ_FAILED), HM_ERR_IO for an idle timeout, a handshake timeout,
 * a transport error or a stateless reset (the peer no longer knows the
 * connection), HM_ERR_TOO_LARGE (cfg.max_connections_per_peer, see
 * HM_STOQ_APP_PEER_LIMIT), HM_ERR_NOMEM.
 */
#ifndef HYPERMESH_STOQ_H
#define HYPERMESH_STOQ_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"
#include "hypermesh/keystore.h"

#define HM_STOQ_ALPN          "stoq/1"    /* classical only (cfg.pq = HM_STOQ_PQ_OFF) */
#define HM_STOQ_ALPN_PQ       "stoq-pq/1" /* with the post-quantum layer */
/* A PQ key id: SHA-256(uint8 alg || public key), see hm_stoq_pq_key_id. */
#define HM_STOQ_PQ_KEY_ID_LEN 32
#define HM_STOQ_DEFAULT_PORT  9292

struct uv_loop_s;
struct hm_stoq_endpoint;
struct hm_stoq_conn;
struct hm_stoq_stream;

/* Called on the stream's events. `user` is the stream's user pointer. */
struct hm_stoq_stream_callbacks {
	/*
	 * Bytes arrived in order; fin is 1 on the last call for the stream
	 * (len may then be 0). The bytes are only valid during the call.
	 */
	void (*on_data)(struct hm_stoq_stream *s, const uint8_t *data, size_t len, int fin,
	                void *user);
	/* Every queued byte was acknowledged by the peer (optional). */
	void (*on_drained)(struct hm_stoq_stream *s, void *user);
	/*
	 * The stream is gone: both directions finished (err HM_OK, app_code 0),
	 * reset by either side (err HM_OK, app_code the reset code), or its
	 * connection closed (err as for on_closed, with HM_ERR_IO in place
	 * of HM_OK). Last call for s.
	 */
	void (*on_close)(struct hm_stoq_stream *s, int err, uint64_t app_code, void *user);
};

/* Connection-level events, shared by every connection of an endpoint. */
struct hm_stoq_callbacks {
	/* The handshake completed and the peer is authenticated (optional). */
	void (*on_ready)(struct hm_stoq_conn *c, void *user);
	/*
	 * The peer opened stream s. The callee adopts it with
	 * hm_stoq_stream_set_callbacks(); if it does not, the stream is refused
	 * (reset with HM_STOQ_APP_REFUSED). NULL refuses every peer stream.
	 */
	void (*on_stream)(struct hm_stoq_conn *c, struct hm_stoq_stream *s, void *user);
	/*
	 * The connection is gone (see the header comment for err). Called for
	 * every connection, also for ones refused during the handshake that
	 * never reached on_ready. Last call for c.
	 */
	void (*on_closed)(struct hm_stoq_conn *c, int err, uint64_t app_code, void *user);
};

/* Application error codes used by the library itself on streams and connections. */
enum hm_stoq_app_code {
	HM_STOQ_APP_OK = 0,        /* normal close */
	HM_STOQ_APP_REFUSED = 1,   /* nobody accepted the peer's stream */
	HM_STOQ_APP_CANCELLED = 2, /* an RPC call was cancelled */
	HM_STOQ_APP_PROTOCOL = 3,  /* the peer broke the RPC framing */
	HM_STOQ_APP_TOO_LARGE = 4, /* a frame exceeded the receiver's limit */
	HM_STOQ_APP_SHUTDOWN = 5,  /* the endpoint is closing */
	/*
	 * The post-quantum layer failed: a malformed, unexpected or badly
	 * signed PQ message, a key-confirmation mismatch, an application
	 * stream before the PQ step, or a record that does not authenticate.
	 * Both sides report it as err HM_ERR_CRYPTO (not HM_OK).
	 */
	HM_STOQ_APP_PQ_FAILED = 6,
	/*
	 * The server already holds cfg.max_connections_per_peer connections
	 * with this node id. Both sides report err HM_ERR_TOO_LARGE.
	 */
	HM_STOQ_APP_PEER_LIMIT = 7,
};

/*
 * Post-quantum mode. Both ends must agree: the modes use different ALPN
 * names, so a classical peer and a PQ peer never complete a handshake
 * (HM_ERR_CRYPTO), which is what makes a downgrade impossible.
 */
enum hm_stoq_pq_mode {
	HM_STOQ_PQ_REQUIRED = 0, /* the default: application data only under PQ keys */
	HM_STOQ_PQ_OFF = 1,      /* classical QUIC/TLS only */
};

/* Tests only: make this endpoint misbehave in the PQ layer (docs/STOQ.md). */
enum hm_stoq_pq_fault {
	HM_STOQ_PQ_FAULT_NONE = 0,
	HM_STOQ_PQ_FAULT_SKIP = 1,       /* client: skip the PQ step, send plain application data */
	HM_STOQ_PQ_FAULT_SIGNATURE = 2,  /* corrupt our PQ transcript signature */
	HM_STOQ_PQ_FAULT_CIPHERTEXT = 3, /* server: corrupt the KEM ciphertext (then sign it) */
	HM_STOQ_PQ_FAULT_BINDING = 4,    /* corrupt the Ed25519 signature binding our PQ key */
	HM_STOQ_PQ_FAULT_RECORD = 5,     /* corrupt the first application record we send */
	HM_STOQ_PQ_FAULT_TRUNCATE = 6,   /* send FIN without a final record */
	HM_STOQ_PQ_FAULT_STALL = 7,      /* server: never answer the ClientHello */
	HM_STOQ_PQ_FAULT_EARLY = 8,      /* client: beside the ClientHello, open a plain stream */
};

/*
 * Checks a peer's PQ key (both sides, after its Ed25519 binding verified):
 * return HM_OK to accept, anything else refuses the connection
 * (HM_ERR_VERIFY). key_id is hm_stoq_pq_key_id of the peer's key; user is
 * cfg.user. Runs on the loop thread inside the PQ step: keep it short.
 */
typedef int (*hm_stoq_pq_check_fn)(const uint8_t node_id[HM_NODE_ID_LEN],
                                   const uint8_t key_id[HM_STOQ_PQ_KEY_ID_LEN], void *user);

struct hm_stoq_config {
	/* The node identity; copied, and the copy is wiped on close. Required. */
	const struct hm_identity *identity;
	/*
	 * Numeric address to bind: NULL or "::" for an IPv6 socket that also
	 * accepts IPv4 (dual stack), "0.0.0.0" or an IPv4 address for IPv4 only.
	 */
	const char *bind_addr;
	uint16_t port;                 /* 0 lets the kernel choose; default 9292 */
	int accept;                    /* 1: accept incoming connections (a server) */
	size_t max_connections;        /* connections held at once */
	uint64_t idle_timeout_ms;      /* close after this long without packets */
	uint64_t keep_alive_ms;        /* 0: none; else PING when idle this long */
	uint64_t handshake_timeout_ms; /* give up on a handshake after this long */
	uint64_t max_streams_bidi;     /* peer-opened bidirectional streams at once */
	uint64_t max_streams_uni;      /* peer-opened unidirectional streams at once */
	uint64_t max_stream_data;      /* receive window of one stream, bytes */
	uint64_t max_data;             /* receive window of one connection, bytes */
	/* Tests only: present no certificate (a client must then be refused). */
	int omit_certificate;
	struct hm_stoq_callbacks callbacks;
	void *user; /* passed to every connection callback */

	/* ---- Post-quantum layer (appended; all optional) ---- */
	enum hm_stoq_pq_mode pq; /* default HM_STOQ_PQ_REQUIRED */
	/*
	 * The node's PQ signing key: HM_SIG_MLDSA87 or HM_SIG_FALCON1024, public
	 * and secret key in sig.h's encodings (copied; the copy is wiped on
	 * close). With pq_sk NULL the endpoint generates an ephemeral ML-DSA-87
	 * key at startup: peers then authenticate it only through its Ed25519
	 * binding, so a persistent key that peers pin is what makes the
	 * authentication post-quantum (docs/STOQ.md).
	 */
	int pq_sig_alg; /* enum hm_sig_alg; 0 = HM_SIG_MLDSA87 */
	const uint8_t *pq_pk;
	size_t pq_pk_len;
	const uint8_t *pq_sk;
	size_t pq_sk_len;
	hm_stoq_pq_check_fn pq_check;   /* NULL: accept any key bound to the node id */
	enum hm_stoq_pq_fault pq_fault; /* tests only */
	/*
	 * Address validation: 1 makes every new client prove it receives at
	 * its address with a QUIC Retry round trip before the server keeps
	 * any state for it (costs one round trip per handshake). Default 0.
	 */
	int retry;
	/*
	 * Per-peer limits for incoming connections (0 = no limit; the defaults
	 * are 32 and 8). Per address: connections from one IP address (any
	 * port) at once, checked before any state is kept; over it the client's
	 * Initial is dropped. Per peer: ready connections with one node id; a
	 * new one over it is closed right after its handshake with
	 * HM_STOQ_APP_PEER_LIMIT.
	 */
	size_t max_connections_per_addr;
	size_t max_connections_per_peer;
	/* 1: send packet by packet even where UDP GSO works (benchmarks, tests). */
	int disable_gso;

	/* ---- TrustChain identity (appended; all optional, docs/STOQ.md) ---- */
	/*
	 * The certificate chain to present instead of a self-signed
	 * certificate: PEM certificates, leaf first then its intermediates (the
	 * root may follow), or one DER certificate. The leaf must certify
	 * cfg.identity's Ed25519 key (HM_ERR_INVALID otherwise): the node id is
	 * SHA-256 of that key, so the certificate binds it. Read only during
	 * hm_stoq_endpoint_new.
	 */
	const uint8_t *cert_chain;
	size_t cert_chain_len;
	/*
	 * A TrustChain root certificate (PEM or DER). With it, every peer must
	 * present a chain that leads to this root at the present time (both
	 * signatures at every link, hm_tc_chain_verify) and whose leaf is a
	 * node certificate (TLS server and client purposes), besides matching
	 * the pinned node id; otherwise its handshake fails with HM_ERR_VERIFY
	 * and hm_stoq_conn_chain_error says why. NULL: node-id pinning alone
	 * (self-signed mode). Read only during hm_stoq_endpoint_new. Chains
	 * that passed are cached by the endpoint (SHA-256 of root and chain,
	 * until the earliest notAfter, at most 64): the same chain again is not
	 * re-verified (hm_stoq_stats.chain_cache_hits); see cert_revoked.
	 */
	const uint8_t *trust_root;
	size_t trust_root_len;
	/*
	 * A server with trust_root that still admits clients presenting a
	 * lone self-signed certificate (operator tools such as `hypermesh node
	 * status`, which hold no TrustChain certificate);
	 * hm_stoq_conn_is_certified tells them apart. A client that presents
	 * any other chain is verified as usual. Default 0.
	 */
	int accept_self_signed_clients;
	/*
	 * A server with cfg.pq = HM_STOQ_PQ_REQUIRED that also accepts clients
	 * asking for classical QUIC (ALPN stoq/1); such connections carry no PQ
	 * layer (hm_stoq_conn_is_pq is 0). Default 0: classical clients fail
	 * their handshake (no common ALPN, HM_ERR_CRYPTO). A client always
	 * offers one mode only, so it cannot be downgraded.
	 */
	int allow_classical;
	/* 1: receive datagram by datagram (libuv's reader) even where UDP GRO works. */
	int disable_gro;
	/*
	 * Revocation, with trust_root: asked at every handshake about every
	 * certificate of the peer's chain below the root (depth 0 = the leaf),
	 * whether the chain's signatures were verified now or the chain came
	 * from the endpoint's cache of verified chains (verdicts of this
	 * callback are never cached). serial is the certificate's serial number
	 * (the DER INTEGER's content octets), user is cfg.user. Nonzero refuses
	 * the chain: HM_ERR_VERIFY, HM_STOQ_CHAIN_REVOKED. NULL: no check.
	 */
	int (*cert_revoked)(const uint8_t *serial, size_t serial_len, int depth, void *user);

	/* ---- datagram size (appended; docs/STOQ.md "Datagram size") ---- */
	/*
	 * Largest UDP payload this endpoint sends, HM_STOQ_UDP_PAYLOAD_MIN..
	 * HM_STOQ_UDP_PAYLOAD_MAX, for operators who know their path (jumbo
	 * frames: 8972 under a 9000-byte MTU). 0 (the default) = automatic: a
	 * peer on this host (a loopback address or one of the host's own)
	 * gets datagrams as large as the route's MTU allows (lo: 65507 bytes
	 * over IPv4, 65488 over IPv6), any other peer 1452 bytes with ngtcp2's
	 * path MTU discovery. Datagrams leave with DF set: a size the path
	 * cannot carry fails at the sender (EMSGSIZE), and the connection then
	 * falls back to what the route allows, never to IP fragmentation.
	 */
	size_t max_udp_payload;
};

#define HM_STOQ_UDP_PAYLOAD_MIN 1200  /* QUIC's minimum (RFC 9000 §14) */
#define HM_STOQ_UDP_PAYLOAD_MAX 65527 /* the largest UDP payload QUIC allows */

/* Fills cfg with the defaults (port 9292, dual stack, 30 s idle, 16 streams...). */
void hm_stoq_config_default(struct hm_stoq_config *cfg);

/*
 * Opens an endpoint on loop: binds the UDP socket and makes the self-signed
 * certificate for cfg->identity. Returns HM_OK, HM_ERR_INVALID (missing
 * identity, unparsable bind address, max_udp_payload neither 0 nor in
 * HM_STOQ_UDP_PAYLOAD_MIN..MAX), HM_ERR_IO (bind failed, e.g. the port is
 * taken), HM_ERR_CRYPTO (GnuTLS refused the key or certificate), or
 * HM_ERR_NOMEM. *out is set only on success.
 */
int hm_stoq_endpoint_new(struct uv_loop_s *loop, const struct hm_stoq_config *cfg,
                         struct hm_stoq_endpoint **out);

/*
 * Closes every connection (application code HM_STOQ_APP_SHUTDOWN, after
 * their on_closed callbacks), closes the socket and frees the endpoint once
 * the loop has run the handles' close callbacks. Accepts NULL.
 */
/* What an endpoint has carried: UDP payload bytes and datagrams, open connections. */
struct hm_stoq_stats {
	uint64_t tx_bytes, rx_bytes;
	uint64_t tx_datagrams, rx_datagrams;
	uint64_t connections;
	/* ---- appended ---- */
	/*
	 * Send system calls made (sendmmsg, sendmsg or sendto, successful or
	 * not): one write pass over many connections makes one sendmmsg.
	 */
	uint64_t send_calls;
	/* Times the socket was full (EAGAIN) and the rest waited for POLLOUT. */
	uint64_t send_blocked;
	/*
	 * Peer chains verified in full (cfg.trust_root) and handshakes that
	 * took a chain from the cache of verified chains instead.
	 */
	uint64_t chain_verifications;
	uint64_t chain_cache_hits;
	/* Largest UDP payload sent, in bytes (datagram size actually used). */
	uint64_t tx_max_datagram;
	/*
	 * Sends the kernel refused as larger than the path's MTU (EMSGSIZE);
	 * each lowers the connection's datagram size (docs/STOQ.md).
	 */
	uint64_t tx_too_big;
};

void hm_stoq_endpoint_stats(const struct hm_stoq_endpoint *ep, struct hm_stoq_stats *st);

void hm_stoq_endpoint_close(struct hm_stoq_endpoint *ep);

/* The bound UDP port (useful after binding port 0). */
uint16_t hm_stoq_endpoint_port(const struct hm_stoq_endpoint *ep);

/* Connections currently held (handshaking, open or closing). */
size_t hm_stoq_endpoint_conn_count(const struct hm_stoq_endpoint *ep);

/*
 * Connects to host:port (a numeric IPv6 or IPv4 address), expecting the
 * server whose node id is peer_id. The connection reports on_ready or
 * on_closed later. conn_user is the connection's user pointer. Returns
 * HM_OK, HM_ERR_INVALID (bad address, or an IPv6 peer from an IPv4
 * endpoint), HM_ERR_TOO_LARGE (max_connections reached), HM_ERR_CRYPTO,
 * HM_ERR_RANDOM or HM_ERR_NOMEM. *out (may be NULL) is set on success.
 */
int hm_stoq_connect(struct hm_stoq_endpoint *ep, const char *host, uint16_t port,
                    const uint8_t peer_id[HM_NODE_ID_LEN], void *conn_user,
                    struct hm_stoq_conn **out);

/*
 * hm_stoq_connect, additionally pinning the server's PQ key: the connection
 * fails with HM_ERR_VERIFY unless the server's PQ key id (hm_stoq_pq_key_id)
 * equals peer_pq_key_id. With NULL it is hm_stoq_connect. Needs cfg.pq =
 * HM_STOQ_PQ_REQUIRED (HM_ERR_INVALID otherwise).
 */
int hm_stoq_connect_pq(struct hm_stoq_endpoint *ep, const char *host, uint16_t port,
                       const uint8_t peer_id[HM_NODE_ID_LEN],
                       const uint8_t peer_pq_key_id[HM_STOQ_PQ_KEY_ID_LEN], void *conn_user,
                       struct hm_stoq_conn **out);

/* out = SHA-256(uint8 alg || pk): how a PQ public key is named and pinned. */
void hm_stoq_pq_key_id(int alg, const uint8_t *pk, size_t pk_len,
                       uint8_t out[HM_STOQ_PQ_KEY_ID_LEN]);

/* This endpoint's PQ key id. HM_OK, or HM_ERR_INVALID when cfg.pq is off. */
int hm_stoq_endpoint_pq_key_id(const struct hm_stoq_endpoint *ep,
                               uint8_t out[HM_STOQ_PQ_KEY_ID_LEN]);

/* 1 if c is ready and its application data is protected by the PQ layer. */
int hm_stoq_conn_is_pq(const struct hm_stoq_conn *c);

/* The peer's authenticated PQ key id. HM_OK, or HM_ERR_INVALID (not ready, or not PQ). */
int hm_stoq_conn_peer_pq_key_id(const struct hm_stoq_conn *c, uint8_t out[HM_STOQ_PQ_KEY_ID_LEN]);

/*
 * Closes c with an application error code and a reason (may be NULL) the
 * peer sees. on_closed follows (err HM_OK, app_code). Idempotent.
 */
void hm_stoq_conn_close(struct hm_stoq_conn *c, uint64_t app_code, const char *reason);

/* Why a peer's certificate chain was refused (cfg.trust_root). */
enum hm_stoq_chain_error {
	HM_STOQ_CHAIN_OK = 0,        /* accepted, or not checked (yet, or no trust_root) */
	HM_STOQ_CHAIN_MISSING = 1,   /* the peer sent no certificate */
	HM_STOQ_CHAIN_UNTRUSTED = 2, /* it does not lead to the root (issuer or a signature) */
	HM_STOQ_CHAIN_EXPIRED = 3,   /* some certificate is expired or not yet valid */
	HM_STOQ_CHAIN_PROFILE = 4,   /* the leaf is not a node certificate */
	HM_STOQ_CHAIN_MALFORMED = 5, /* unparsable, or longer than HM_TC_CHAIN_MAX */
	HM_STOQ_CHAIN_REVOKED = 6,   /* cfg.cert_revoked named one of its certificates */
};

/* The chain verdict of c (valid until on_closed returns): an enum hm_stoq_chain_error. */
int hm_stoq_conn_chain_error(const struct hm_stoq_conn *c);

/* 1 if c's peer presented a chain that was verified against cfg.trust_root. */
int hm_stoq_conn_is_certified(const struct hm_stoq_conn *c);

/* The authenticated peer's node id. HM_OK, or HM_ERR_INVALID before on_ready. */
int hm_stoq_conn_peer_id(const struct hm_stoq_conn *c, uint8_t out[HM_NODE_ID_LEN]);
int hm_stoq_conn_is_ready(const struct hm_stoq_conn *c);
/*
 * The largest UDP payload c sends now: chosen when it was made
 * (cfg.max_udp_payload or the automatic choice), lowered if the path
 * refused it. 0 for NULL.
 */
size_t hm_stoq_conn_max_udp_payload(const struct hm_stoq_conn *c);
void *hm_stoq_conn_user(const struct hm_stoq_conn *c);
void hm_stoq_conn_set_user(struct hm_stoq_conn *c, void *user);
struct hm_stoq_endpoint *hm_stoq_conn_endpoint(const struct hm_stoq_conn *c);

/*
 * Opens a stream on a ready connection: bidirectional, or unidirectional
 * (send only) when uni is 1. Returns HM_OK, HM_ERR_INVALID (connection not
 * ready or closing), HM_ERR_TOO_LARGE (the peer's stream limit is reached;
 * retry after a stream closes) or HM_ERR_NOMEM.
 */
int hm_stoq_stream_open(struct hm_stoq_conn *c, int uni, const struct hm_stoq_stream_callbacks *cb,
                        void *user, struct hm_stoq_stream **out);

/* Adopts a peer-opened stream (from on_stream). cb is copied. */
void hm_stoq_stream_set_callbacks(struct hm_stoq_stream *s,
                                  const struct hm_stoq_stream_callbacks *cb, void *user);

/*
 * Queues len bytes (copied) for sending, then FIN if fin is 1. The bytes go
 * out as flow and congestion control allow; hm_stoq_stream_buffered() says
 * how many are not yet acknowledged (backpressure: stop writing above your
 * limit and resume on on_drained). Returns HM_OK, HM_ERR_INVALID (FIN already
 * queued, the stream cannot send, or it was reset), HM_ERR_TOO_LARGE (len over
 * HM_BUF_MAX) or HM_ERR_NOMEM.
 */
int hm_stoq_stream_write(struct hm_stoq_stream *s, const void *data, size_t len, int fin);

/* Bytes queued or in flight and not yet acknowledged. */
uint64_t hm_stoq_stream_buffered(const struct hm_stoq_stream *s);

/* Abandons the stream in both directions with app_code; on_close follows. */
void hm_stoq_stream_reset(struct hm_stoq_stream *s, uint64_t app_code);

int64_t hm_stoq_stream_id(const struct hm_stoq_stream *s);
struct hm_stoq_conn *hm_stoq_stream_conn(const struct hm_stoq_stream *s);
/* 1 for a unidirectional stream (whichever side opened it). */
int hm_stoq_stream_is_uni(const struct hm_stoq_stream *s);

/* ------------------------------------------------------------------------- */
/*
 * RPC frames. One frame, canonical encoding (codec.h):
 *
 *   struct {
 *       uint32 length;                 // bytes after this field
 *       uint8  type;                   // enum hm_stoq_frame_type
 *       opaque service<1..64>;
 *       opaque method<1..64>;
 *       uint64 request_id;
 *       uint32 deadline_ms;            // time budget left when sent; 0 = none
 *       opaque body<0..2^32-1>;        // <= the receiver's max_body
 *   } Frame;
 *
 * An ERROR frame's body is struct { int32 code; opaque message<0..1024>; }
 * with code a negative hm error code (error.h), written as two's complement.
 */
enum hm_stoq_frame_type {
	HM_STOQ_FRAME_REQUEST = 1,
	HM_STOQ_FRAME_RESPONSE = 2,
	HM_STOQ_FRAME_ERROR = 3,
	HM_STOQ_FRAME_ONEWAY = 4,
};

#define HM_STOQ_NAME_MAX             64
#define HM_STOQ_ERRMSG_MAX           1024
/* Bytes of a frame that are not body: length, type, prefixes, names, id, deadline. */
#define HM_STOQ_FRAME_OVERHEAD       (4 + 1 + 1 + HM_STOQ_NAME_MAX + 1 + HM_STOQ_NAME_MAX + 8 + 4 + 4)
/* Default and largest body a receiver accepts. */
#define HM_STOQ_RPC_DEFAULT_MAX_BODY ((size_t)16 << 20)
#define HM_STOQ_RPC_MAX_BODY         ((size_t)1 << 30)

/* A decoded frame; every pointer borrows the input bytes. */
struct hm_stoq_frame {
	enum hm_stoq_frame_type type;
	const uint8_t *service;
	size_t service_len;
	const uint8_t *method;
	size_t method_len;
	uint64_t request_id;
	uint32_t deadline_ms;
	const uint8_t *body;
	size_t body_len;
};

/*
 * Appends the encoding of f to out. Returns HM_OK, HM_ERR_INVALID (unknown
 * type), HM_ERR_LENGTH (a name is empty or longer than HM_STOQ_NAME_MAX),
 * HM_ERR_TOO_LARGE (body over HM_STOQ_RPC_MAX_BODY), HM_ERR_NOMEM. On
 * failure out is unchanged.
 */
int hm_stoq_frame_encode(const struct hm_stoq_frame *f, struct hm_buf *out);

/*
 * Decodes the frame at the start of data, a pure function. *consumed gets
 * the frame's size; bytes after it are the caller's business. Returns HM_OK;
 * HM_ERR_TRUNCATED if data holds only part of a frame (wait for more bytes);
 * HM_ERR_TOO_LARGE as soon as the length field exceeds max_body plus
 * HM_STOQ_FRAME_OVERHEAD; HM_ERR_LENGTH, HM_ERR_TRAILING or HM_ERR_INVALID
 * (unknown type) for a malformed frame. *f and *consumed are set only on
 * success.
 */
int hm_stoq_frame_decode(const uint8_t *data, size_t len, size_t max_body, struct hm_stoq_frame *f,
                         size_t *consumed);

/*
 * Decodes only the fields before the body, for a receiver that must answer a
 * frame it will not buffer (one over its limit): f->body is NULL and
 * f->body_len the declared body length; *header_len gets the bytes decoded.
 * Returns HM_OK, HM_ERR_TRUNCATED (need more bytes), HM_ERR_LENGTH or
 * HM_ERR_INVALID. Pure, like hm_stoq_frame_decode.
 */
int hm_stoq_frame_decode_header(const uint8_t *data, size_t len, struct hm_stoq_frame *f,
                                size_t *header_len);

/*
 * The ERROR body. Any negative code travels, including codes this build does
 * not know (they are appended over time). encode: HM_ERR_INVALID for
 * code >= 0, HM_ERR_LENGTH for a message over HM_STOQ_ERRMSG_MAX, HM_ERR_NOMEM. decode:
 * HM_OK, HM_ERR_TRUNCATED, HM_ERR_LENGTH, HM_ERR_TRAILING, HM_ERR_INVALID
 * (code >= 0); *msg borrows body.
 */
int hm_stoq_error_body_encode(int code, const char *msg, struct hm_buf *out);
int hm_stoq_error_body_decode(const uint8_t *body, size_t len, int *code, const uint8_t **msg,
                              size_t *msg_len);

/* ------------------------------------------------------------------------- */
/* RPC: one bidirectional stream per call, one-way messages on unidirectional streams. */

struct hm_stoq_rpc_call;   /* a client's call in progress */
struct hm_stoq_rpc_server; /* a request being served */

/*
 * Handles one REQUEST or ONEWAY frame (req->type says which). For a REQUEST
 * the handler must answer before returning, with hm_stoq_rpc_respond or
 * hm_stoq_rpc_respond_error on `call`; otherwise the caller gets
 * HM_ERR_UNSUPPORTED. For ONEWAY `call` is NULL. req borrows buffers that
 * live only during the call.
 */
typedef void (*hm_stoq_rpc_handler)(struct hm_stoq_conn *c, struct hm_stoq_rpc_server *call,
                                    const struct hm_stoq_frame *req, void *user);

struct hm_stoq_rpc_service {
	hm_stoq_rpc_handler handler;
	void *user;
	size_t max_body; /* largest request body accepted; 0 = the default */
};

/*
 * Serves RPC on a peer-opened stream: call from on_stream. svc must outlive
 * the stream. A request over max_body is answered with an ERROR frame
 * (HM_ERR_TOO_LARGE); broken framing resets the stream (HM_STOQ_APP_PROTOCOL).
 * Returns HM_OK or HM_ERR_NOMEM (the stream is then reset).
 */
int hm_stoq_rpc_serve_stream(struct hm_stoq_stream *s, const struct hm_stoq_rpc_service *svc);

/* Answers a request. HM_OK, HM_ERR_INVALID (already answered), HM_ERR_NOMEM. */
int hm_stoq_rpc_respond(struct hm_stoq_rpc_server *call, const void *body, size_t len);
/* Answers with a typed error: code < 0 from error.h, msg may be NULL. Errors as above. */
int hm_stoq_rpc_respond_error(struct hm_stoq_rpc_server *call, int code, const char *msg);

/*
 * The outcome of a call: err HM_OK with the response body; a negative code
 * the server sent in an ERROR frame (msg/msg_len its message); or a local
 * failure: HM_ERR_IO (deadline passed, stream reset, connection lost),
 * HM_ERR_CORRUPT (malformed response), HM_ERR_TOO_LARGE (response over
 * max_body). body and msg live only during the call. Called exactly once
 * unless the call was cancelled.
 */
typedef void (*hm_stoq_rpc_reply_cb)(struct hm_stoq_rpc_call *call, int err, const uint8_t *body,
                                     size_t len, const uint8_t *msg, size_t msg_len, void *user);

struct hm_stoq_rpc_request {
	const char *service;
	const char *method;
	const void *body;
	size_t body_len;
	uint32_t deadline_ms; /* 0 = no deadline */
	size_t max_body;      /* largest response body accepted; 0 = the default */
};

/*
 * Starts a call on a ready connection. The request id is chosen per
 * connection, increasing. When the peer's stream limit is reached the call
 * waits, in order, until the peer grants another stream; its deadline runs
 * meanwhile. Returns HM_OK, HM_ERR_INVALID (not ready, NULL names),
 * HM_ERR_LENGTH (a name is empty or too long), HM_ERR_TOO_LARGE (body over
 * HM_STOQ_RPC_MAX_BODY) or HM_ERR_NOMEM; on failure cb is never called.
 * *out (may be NULL) stays valid until cb runs or the call is cancelled.
 */
int hm_stoq_rpc_call(struct hm_stoq_conn *c, const struct hm_stoq_rpc_request *req,
                     hm_stoq_rpc_reply_cb cb, void *user, struct hm_stoq_rpc_call **out);

/* Cancels a call in progress: resets its stream (HM_STOQ_APP_CANCELLED); cb is never called. */
void hm_stoq_rpc_cancel(struct hm_stoq_rpc_call *call);

uint64_t hm_stoq_rpc_call_id(const struct hm_stoq_rpc_call *call);

/*
 * Sends a one-way message on a new unidirectional stream. Errors as
 * hm_stoq_rpc_call, except that the peer's stream limit is HM_ERR_TOO_LARGE
 * (one-way messages do not wait: gossip is dropped rather than queued).
 */
int hm_stoq_rpc_send_oneway(struct hm_stoq_conn *c, const char *service, const char *method,
                            const void *body, size_t len);

/* ------------------------------------------------------------------------- */
/*
 * Broadcast: one one-way message (a ONEWAY frame on a unidirectional stream)
 * to a set of peers named by node id, with one outcome per peer.
 *
 * The frame is encoded once and shared by every peer; each peer's stream is
 * fed from it at most HM_STOQ_BROADCAST_WINDOW bytes at a time (the next
 * piece once the peer acknowledged the last one), so a slow or dead peer
 * holds a bounded amount of memory (its own sealed copy of one window when
 * the PQ layer is on) and never delays the others.
 *
 * For each peer the broadcast uses a ready connection to that node id if
 * the endpoint has one, else waits for a handshake already under way to it,
 * else connects to host:port (an ordinary connection of the endpoint: the
 * endpoint's callbacks see it with a NULL user pointer, and it stays open
 * for later use).
 */
#define HM_STOQ_BROADCAST_WINDOW    ((size_t)256 << 10)
#define HM_STOQ_BROADCAST_MAX_PEERS 1024

struct hm_stoq_broadcast;

struct hm_stoq_broadcast_peer {
	uint8_t node_id[HM_NODE_ID_LEN];
	const char *host; /* numeric address; NULL: only an existing connection is used */
	uint16_t port;
};

/*
 * The outcome for peers[index]: HM_OK once the peer's transport acknowledged
 * every byte of the message; else HM_ERR_NOT_FOUND (no connection and no
 * host), HM_ERR_INVALID (bad host), HM_ERR_VERIFY (the peer is not that
 * node, or its chain was refused), HM_ERR_CRYPTO (TLS or PQ failure),
 * HM_ERR_IO (unreachable, connection lost, stream reset, or the timeout
 * passed), HM_ERR_TOO_LARGE (connection limits) or HM_ERR_NOMEM.
 */
typedef void (*hm_stoq_broadcast_peer_cb)(struct hm_stoq_broadcast *b, size_t index, int err,
                                          void *user);
/* Every peer has its outcome; delivered = how many got HM_OK. Last call for b. */
typedef void (*hm_stoq_broadcast_done_cb)(struct hm_stoq_broadcast *b, size_t delivered,
                                          void *user);

struct hm_stoq_broadcast_request {
	const char *service;
	const char *method;
	const void *body;
	size_t body_len;
	const struct hm_stoq_broadcast_peer *peers; /* copied */
	size_t npeers;                              /* 1..HM_STOQ_BROADCAST_MAX_PEERS */
	uint32_t timeout_ms;                        /* 0 = none; then HM_ERR_IO */
	hm_stoq_broadcast_peer_cb on_peer;          /* optional */
	hm_stoq_broadcast_done_cb on_done;          /* optional */
	void *user;
};

/*
 * Starts a broadcast on ep. Callbacks run later on the loop, never inside
 * this call. Returns HM_OK, HM_ERR_INVALID (NULL names, no peers or more
 * than the maximum, the endpoint is closing), HM_ERR_LENGTH (a name is
 * empty or too long), HM_ERR_TOO_LARGE (body over HM_STOQ_RPC_MAX_BODY) or
 * HM_ERR_NOMEM; on failure no callback runs. *out (may be NULL) stays
 * valid until on_done returns.
 */
int hm_stoq_broadcast(struct hm_stoq_endpoint *ep, const struct hm_stoq_broadcast_request *req,
                      struct hm_stoq_broadcast **out);

/* peers[index]'s outcome so far: HM_OK, a negative error, or 1 while in progress. */
int hm_stoq_broadcast_result(const struct hm_stoq_broadcast *b, size_t index);

/* The node id of peers[index] (borrowed from b), or NULL for an index out of range. */
const uint8_t *hm_stoq_broadcast_node_id(const struct hm_stoq_broadcast *b, size_t index);

/* Stops every peer still in progress (HM_ERR_IO; their streams are reset). */
void hm_stoq_broadcast_cancel(struct hm_stoq_broadcast *b);

#endif
