/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The STOQ PQ record layer (src/stoq/record.c) under a fixed key. The first
 * byte picks a mode, the second the size of the pieces the stream bytes
 * arrive in:
 *   0: the rest is raw stream bytes: never crash, never deliver more
 *      plaintext than arrived, deliver fin at most once and only on success;
 *   1: the rest is plaintext: sealed, then opened piece by piece, it must
 *      come back exactly, with fin;
 *   2: as 1 with one sealed byte flipped (position from the third byte):
 *      refused, and what was delivered is a prefix of the plaintext.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "stoq/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sink {
	uint8_t *buf;
	size_t len, cap;
	int fins;
};

static int collect(void *ctx, const uint8_t *p, size_t n, int fin)
{
	struct sink *k = ctx;

	if (k->fins > 0 || k->len + n > k->cap)
		abort(); /* bytes or a second fin after fin, or more than arrived */
	memcpy(k->buf + k->len, p, n);
	k->len += n;
	k->fins += fin;
	return 0;
}

static gnutls_aead_cipher_hd_t aead(int which)
{
	static gnutls_aead_cipher_hd_t h[2];
	static uint8_t key[32];

	if (h[which] == NULL) {
		gnutls_datum_t k = { key, sizeof(key) };

		memset(key, 0x5a, sizeof(key));
		if (gnutls_aead_cipher_init(&h[which], GNUTLS_CIPHER_AES_256_GCM, &k) != 0)
			abort();
	}
	return h[which];
}

/* Feeds bytes in pieces of `piece`; HM_OK or the first error. */
static int feed(const uint8_t *bytes, size_t len, size_t piece, struct sink *k)
{
	static uint8_t scratch[STOQ_REC_PLAIN_MAX];
	struct stoq_rec_rx rx;
	const char *why = NULL;
	size_t off = 0;
	int rc = HM_OK;

	memset(&rx, 0, sizeof(rx));
	do {
		size_t n = len - off < piece ? len - off : piece;

		rc = stoq_rec_open(&rx, aead(1), 4, scratch, bytes + off, n, off + n == len,
		                   collect, k, &why);
		off += n;
	} while (rc == HM_OK && off < len);
	if (rc != HM_OK && why == NULL && rc != HM_ERR_NOMEM)
		abort(); /* a refusal always says why */
	stoq_rec_rx_free(&rx);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sink k = { NULL, 0, 0, 0 };
	const uint8_t *body = data + 3;
	size_t len, sealed_len, piece;
	uint8_t *sealed;
	uint32_t seq = 0;
	int rc;

	if (size < 3)
		return 0;
	len = size - 3;
	piece = (size_t)data[1] * 97 + 1;
	if (data[0] % 3 == 0) {
		k.buf = malloc(len + 1);
		k.cap = len;
		rc = feed(body, len, piece, &k);
		if (k.fins > 0 && rc != HM_OK)
			abort();
		free(k.buf);
		return 0;
	}
	sealed_len = stoq_rec_sealed_len(len, 1);
	sealed = malloc(sealed_len);
	k.buf = malloc(len + 1);
	k.cap = len;
	if (sealed == NULL || k.buf == NULL)
		abort();
	if (stoq_rec_seal(aead(0), 4, &seq, body, len, 1, 1, sealed) != HM_OK)
		abort();
	if (data[0] % 3 == 1) {
		if (feed(sealed, sealed_len, piece, &k) != HM_OK || k.len != len || k.fins != 1 ||
		    memcmp(k.buf, body, len) != 0)
			abort();
	} else {
		sealed[data[2] % sealed_len] ^= 0x80;
		if (feed(sealed, sealed_len, piece, &k) == HM_OK || k.fins != 0 ||
		    memcmp(k.buf, body, k.len) != 0)
			abort();
	}
	free(sealed);
	free(k.buf);
	return 0;
}
