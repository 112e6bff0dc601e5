/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The STOQ post-quantum handshake messages (docs/STOQ.md): a pure codec,
 * shared by pq.c and the fuzz target. Decoders borrow the input bytes.
 *
 *   struct { uint8 type; uint24 length; opaque body[length]; } PqMessage;
 *   struct { uint8 sig_alg; opaque pk<1..2^16-1>; opaque binding[64]; } PqIdentity;
 *   ClientHello  (1): uint8 version; opaque kem_pk[1600]; PqIdentity client;
 *   ServerHello  (2): uint8 version; opaque kem_ct[1600]; PqIdentity server;
 *                     opaque signature<1..2^16-1>;
 *   ClientFinish (3): opaque signature<1..2^16-1>; opaque confirm[32];
 *   ServerFinish (4): opaque confirm[32];
 */
#ifndef HYPERMESH_STOQ_PQ_WIRE_H
#define HYPERMESH_STOQ_PQ_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define STOQ_PQ_VERSION     1
#define STOQ_PQ_MSG_HDR     4
#define STOQ_PQ_MSG_MAX     16384
#define STOQ_PQ_BINDING_LEN 64
#define STOQ_PQ_CONFIRM_LEN 32

enum stoq_pq_msg_type {
	STOQ_PQ_CLIENT_HELLO = 1,
	STOQ_PQ_SERVER_HELLO = 2,
	STOQ_PQ_CLIENT_FINISH = 3,
	STOQ_PQ_SERVER_FINISH = 4,
};

struct stoq_pq_identity {
	int alg;
	const uint8_t *pk;
	size_t pk_len;
	const uint8_t *binding; /* STOQ_PQ_BINDING_LEN bytes */
};

struct stoq_pq_client_hello {
	const uint8_t *kem_pk; /* HM_HYBRID_KEM_PK_LEN */
	struct stoq_pq_identity id;
};

struct stoq_pq_server_hello {
	const uint8_t *kem_ct; /* HM_HYBRID_KEM_CT_LEN */
	struct stoq_pq_identity id;
	const uint8_t *sig;
	size_t sig_len;
};

struct stoq_pq_client_finish {
	const uint8_t *sig;
	size_t sig_len;
	const uint8_t *confirm; /* STOQ_PQ_CONFIRM_LEN */
};

/*
 * The message at the start of data: HM_OK, HM_ERR_TRUNCATED (need more),
 * HM_ERR_TOO_LARGE (declared length over STOQ_PQ_MSG_MAX).
 */
int stoq_pq_msg_split(const uint8_t *data, size_t len, uint8_t *type, const uint8_t **body,
                      size_t *body_len);
/* Body decoders: HM_OK or the codec's error (truncated, trailing, ...). */
int stoq_pq_client_hello_decode(const uint8_t *body, size_t len, struct stoq_pq_client_hello *m);
int stoq_pq_server_hello_decode(const uint8_t *body, size_t len, struct stoq_pq_server_hello *m,
                                size_t *signed_len);
int stoq_pq_client_finish_decode(const uint8_t *body, size_t len, struct stoq_pq_client_finish *m);
int stoq_pq_server_finish_decode(const uint8_t *body, size_t len, const uint8_t **confirm);

#endif
