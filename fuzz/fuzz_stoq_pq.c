/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The STOQ post-quantum handshake decoders on arbitrary bytes (a PqMessage:
 * type, uint24 length, body): never crash, never read outside the input,
 * and every field they return lies inside the message body.
 */
#include <stdlib.h>

#include "hypermesh/error.h"
#include "hypermesh/hybrid_kem.h"
#include "stoq/pq_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const uint8_t *p, size_t n, const uint8_t *body, size_t len)
{
	if (p < body || n > len || (size_t)(p - body) > len - n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *body, *confirm;
	size_t len, signed_len;
	uint8_t type;
	struct stoq_pq_client_hello ch;
	struct stoq_pq_server_hello sh;
	struct stoq_pq_client_finish cf;

	if (stoq_pq_msg_split(data, size, &type, &body, &len) != HM_OK)
		return 0;
	if (len > STOQ_PQ_MSG_MAX || len + STOQ_PQ_MSG_HDR > size)
		abort();
	switch (type) {
	case STOQ_PQ_CLIENT_HELLO:
		if (stoq_pq_client_hello_decode(body, len, &ch) == HM_OK) {
			inside(ch.kem_pk, HM_HYBRID_KEM_PK_LEN, body, len);
			inside(ch.id.pk, ch.id.pk_len, body, len);
			inside(ch.id.binding, STOQ_PQ_BINDING_LEN, body, len);
		}
		break;
	case STOQ_PQ_SERVER_HELLO:
		if (stoq_pq_server_hello_decode(body, len, &sh, &signed_len) == HM_OK) {
			inside(sh.kem_ct, HM_HYBRID_KEM_CT_LEN, body, len);
			inside(sh.id.pk, sh.id.pk_len, body, len);
			inside(sh.sig, sh.sig_len, body, len);
			/* The signed part ends where the signature's length prefix starts. */
			if (signed_len + 2 + sh.sig_len != len || sh.sig != body + signed_len + 2)
				abort();
		}
		break;
	case STOQ_PQ_CLIENT_FINISH:
		if (stoq_pq_client_finish_decode(body, len, &cf) == HM_OK) {
			inside(cf.sig, cf.sig_len, body, len);
			inside(cf.confirm, STOQ_PQ_CONFIRM_LEN, body, len);
		}
		break;
	case STOQ_PQ_SERVER_FINISH:
		if (stoq_pq_server_finish_decode(body, len, &confirm) == HM_OK) {
			inside(confirm, STOQ_PQ_CONFIRM_LEN, body, len);
			if (len != STOQ_PQ_CONFIRM_LEN)
				abort();
		}
		break;
	default:
		break;
	}
	return 0;
}
