/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PQ handshake message codec (src/stoq/pq_wire.h): exact layouts are
 * accepted, every truncation, trailing byte, wrong version and oversized
 * length is refused.
 */
#include <stdlib.h>
#include <string.h>

#include "../../src/stoq/pq_wire.h"
#include "hypermesh/error.h"
#include "hypermesh/hybrid_kem.h"
#include "test.h"

static uint8_t buf[16400];

static size_t put_u16(size_t at, size_t v)
{
	buf[at] = (uint8_t)(v >> 8);
	buf[at + 1] = (uint8_t)v;
	return at + 2;
}

static size_t fill(size_t at, size_t n, uint8_t v)
{
	memset(buf + at, v, n);
	return at + n;
}

/* Header for a body of len bytes at buf + 4. */
static void header(uint8_t type, size_t len)
{
	buf[0] = type;
	buf[1] = (uint8_t)(len >> 16);
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
}

static size_t identity(size_t at, uint8_t alg, size_t pk_len)
{
	buf[at++] = alg;
	at = put_u16(at, pk_len);
	at = fill(at, pk_len, 0xa0);
	return fill(at, STOQ_PQ_BINDING_LEN, 0xb1);
}

static void test_split(void)
{
	const uint8_t *body;
	size_t len;
	uint8_t type;

	header(4, 32);
	fill(4, 32, 7);
	CHECK_ERR(stoq_pq_msg_split(buf, 36, &type, &body, &len), HM_OK);
	CHECK_EQ(type, 4);
	CHECK_EQ(len, 32);
	CHECK(body == buf + 4);
	CHECK_ERR(stoq_pq_msg_split(buf, 35, &type, &body, &len), HM_ERR_TRUNCATED);
	CHECK_ERR(stoq_pq_msg_split(buf, 3, &type, &body, &len), HM_ERR_TRUNCATED);
	header(1, STOQ_PQ_MSG_MAX + 1);
	CHECK_ERR(stoq_pq_msg_split(buf, 4, &type, &body, &len), HM_ERR_TOO_LARGE);
}

static void test_client_hello(void)
{
	struct stoq_pq_client_hello m;
	size_t end, i;

	buf[4] = STOQ_PQ_VERSION;
	end = fill(5, HM_HYBRID_KEM_PK_LEN, 0x11);
	end = identity(end, 4, 2592);
	CHECK_ERR(stoq_pq_client_hello_decode(buf + 4, end - 4, &m), HM_OK);
	CHECK(m.kem_pk == buf + 5);
	CHECK_EQ(m.id.alg, 4);
	CHECK_EQ(m.id.pk_len, 2592);
	CHECK_EQ(m.id.binding[0], 0xb1);
	for (i = 0; i < end - 4; i += 97)
		CHECK(stoq_pq_client_hello_decode(buf + 4, i, &m) != HM_OK);
	CHECK(stoq_pq_client_hello_decode(buf + 4, end - 5, &m) != HM_OK);
	buf[end] = 0;
	CHECK_ERR(stoq_pq_client_hello_decode(buf + 4, end - 3, &m), HM_ERR_TRAILING);
	buf[4] = 2;
	CHECK_ERR(stoq_pq_client_hello_decode(buf + 4, end - 4, &m), HM_ERR_UNSUPPORTED);
	/* An empty public key is malformed. */
	buf[4] = STOQ_PQ_VERSION;
	end = identity(5 + HM_HYBRID_KEM_PK_LEN, 4, 0);
	CHECK(stoq_pq_client_hello_decode(buf + 4, end - 4, &m) != HM_OK);
}

static void test_server_hello(void)
{
	struct stoq_pq_server_hello m;
	size_t end, sig_at, signed_len, i;

	buf[4] = STOQ_PQ_VERSION;
	end = fill(5, HM_HYBRID_KEM_CT_LEN, 0x22);
	end = identity(end, 6, 1793);
	sig_at = end;
	end = put_u16(end, 1000);
	end = fill(end, 1000, 0x33);
	CHECK_ERR(stoq_pq_server_hello_decode(buf + 4, end - 4, &m, &signed_len), HM_OK);
	CHECK_EQ(signed_len, sig_at - 4);
	CHECK_EQ(m.sig_len, 1000);
	CHECK(m.sig == buf + sig_at + 2);
	CHECK(m.kem_ct == buf + 5);
	for (i = 0; i < end - 4; i += 101)
		CHECK(stoq_pq_server_hello_decode(buf + 4, i, &m, &signed_len) != HM_OK);
	CHECK(stoq_pq_server_hello_decode(buf + 4, end - 5, &m, &signed_len) != HM_OK);
	/* No signature at all. */
	put_u16(sig_at, 0);
	CHECK(stoq_pq_server_hello_decode(buf + 4, sig_at + 2 - 4, &m, &signed_len) != HM_OK);
}

static void test_finishes(void)
{
	struct stoq_pq_client_finish m;
	const uint8_t *confirm;
	size_t end, i;

	end = put_u16(4, 4627);
	end = fill(end, 4627, 0x44);
	end = fill(end, STOQ_PQ_CONFIRM_LEN, 0x55);
	CHECK_ERR(stoq_pq_client_finish_decode(buf + 4, end - 4, &m), HM_OK);
	CHECK_EQ(m.sig_len, 4627);
	CHECK_EQ(m.confirm[0], 0x55);
	for (i = 0; i < end - 4; i += 61)
		CHECK(stoq_pq_client_finish_decode(buf + 4, i, &m) != HM_OK);
	CHECK_ERR(stoq_pq_client_finish_decode(buf + 4, end - 3, &m), HM_ERR_TRAILING);

	fill(4, STOQ_PQ_CONFIRM_LEN + 1, 0x66);
	CHECK_ERR(stoq_pq_server_finish_decode(buf + 4, STOQ_PQ_CONFIRM_LEN, &confirm), HM_OK);
	CHECK(confirm == buf + 4);
	CHECK(stoq_pq_server_finish_decode(buf + 4, STOQ_PQ_CONFIRM_LEN - 1, &confirm) != HM_OK);
	CHECK_ERR(stoq_pq_server_finish_decode(buf + 4, STOQ_PQ_CONFIRM_LEN + 1, &confirm),
	          HM_ERR_TRAILING);
}

TEST_MAIN(test_split, test_client_hello, test_server_hello, test_finishes)
