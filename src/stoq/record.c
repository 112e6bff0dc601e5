/* SPDX-License-Identifier: Apache-2.0 */
/* The PQ record layer: sealing and opening records (record.h). */
#include <string.h>

#include "hypermesh/error.h"
#include "record.h"

#define NONCE_LEN 12

static void record_nonce(uint8_t nonce[NONCE_LEN], uint32_t seq, int64_t stream_id)
{
	uint64_t id = (uint64_t)stream_id;
	int i;

	for (i = 0; i < 4; i++)
		nonce[i] = (uint8_t)(seq >> (24 - 8 * i));
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(id >> (56 - 8 * i));
}

static size_t record_count(size_t len, int fin)
{
	size_t n = len / STOQ_REC_PLAIN_MAX + (len % STOQ_REC_PLAIN_MAX != 0);

	return n == 0 && fin ? 1 : n; /* an empty final record marks the end */
}

size_t stoq_rec_sealed_len(size_t len, int fin)
{
	return len + record_count(len, fin) * (STOQ_REC_HDR + STOQ_REC_TAG);
}

int stoq_rec_seal(gnutls_aead_cipher_hd_t aead, int64_t stream_id, uint32_t *seq,
                  const uint8_t *data, size_t len, int fin, int mark_final, uint8_t *out)
{
	size_t nrec = record_count(len, fin), i, off = 0;
	uint8_t nonce[NONCE_LEN];

	if ((uint64_t)*seq + nrec > UINT32_MAX)
		return HM_ERR_TOO_LARGE;
	for (i = 0; i < nrec; i++) {
		size_t n = len - off < STOQ_REC_PLAIN_MAX ? len - off : STOQ_REC_PLAIN_MAX;
		size_t ct_len = n + STOQ_REC_TAG;
		/* An empty final record may come with data NULL (a FIN-only write). */
		const uint8_t *in = n > 0 ? data + off : data;

		out[0] = fin && mark_final && i + 1 == nrec ? STOQ_REC_FINAL : 0;
		out[1] = (uint8_t)(n >> 8);
		out[2] = (uint8_t)n;
		record_nonce(nonce, (*seq)++, stream_id);
		if (gnutls_aead_cipher_encrypt(aead, nonce, sizeof(nonce), out, STOQ_REC_HDR,
		                               STOQ_REC_TAG, in, n, out + STOQ_REC_HDR,
		                               &ct_len) != 0 ||
		    ct_len != n + STOQ_REC_TAG)
			return HM_ERR_CRYPTO;
		out += STOQ_REC_HDR + ct_len;
		off += n;
	}
	return HM_OK;
}

static size_t record_size(const uint8_t hdr[STOQ_REC_HDR])
{
	return STOQ_REC_HDR + ((size_t)hdr[1] << 8 | hdr[2]) + STOQ_REC_TAG;
}

static int record_too_long(size_t size)
{
	return size - STOQ_REC_HDR - STOQ_REC_TAG > STOQ_REC_PLAIN_MAX;
}

/* Opens one whole record and delivers it. HM_OK, 1 (consumer stopped) or HM_ERR_CRYPTO. */
static int open_one(struct stoq_rec_rx *rx, gnutls_aead_cipher_hd_t aead, int64_t stream_id,
                    uint8_t *scratch, const uint8_t *rec, size_t rec_len, int stream_ends_here,
                    stoq_rec_deliver_fn cb, void *ctx)
{
	uint8_t nonce[NONCE_LEN];
	size_t n = rec_len - STOQ_REC_HDR - STOQ_REC_TAG, pt_len = n;
	int final = (rec[0] & STOQ_REC_FINAL) != 0, fin;

	if ((rec[0] & ~STOQ_REC_FINAL) != 0 || rx->seq == UINT32_MAX)
		return HM_ERR_CRYPTO;
	record_nonce(nonce, rx->seq, stream_id);
	if (gnutls_aead_cipher_decrypt(aead, nonce, sizeof(nonce), rec, STOQ_REC_HDR, STOQ_REC_TAG,
	                               rec + STOQ_REC_HDR, n + STOQ_REC_TAG, scratch,
	                               &pt_len) != 0 ||
	    pt_len != n)
		return HM_ERR_CRYPTO;
	rx->seq++;
	fin = final && stream_ends_here;
	if (final)
		rx->final_seen = 1;
	if (fin)
		rx->fin_done = 1;
	if (n > 0 || fin)
		return cb(ctx, scratch, n, fin) != 0 ? 1 : HM_OK;
	return HM_OK;
}

int stoq_rec_open(struct stoq_rec_rx *rx, gnutls_aead_cipher_hd_t aead, int64_t stream_id,
                  uint8_t *scratch, const uint8_t *data, size_t len, int fin,
                  stoq_rec_deliver_fn cb, void *ctx, const char **why)
{
	int rc;

	while (len > 0) {
		size_t need, take;

		if (rx->final_seen) {
			*why = "bytes after the final record";
			return HM_ERR_CRYPTO;
		}
		if (rx->partial.len == 0 && len >= STOQ_REC_HDR &&
		    len >= (need = record_size(data))) {
			/* A whole record in this delivery: open it in place. */
			if (record_too_long(need)) {
				*why = "record too long";
				return HM_ERR_CRYPTO;
			}
			rc = open_one(rx, aead, stream_id, scratch, data, need, fin && len == need,
			              cb, ctx);
			data += need;
			len -= need;
		} else {
			/* Gather a record across deliveries: the header, then the rest. */
			need = rx->partial.len >= STOQ_REC_HDR ? record_size(rx->partial.data)
			                                       : STOQ_REC_HDR;
			take = need - rx->partial.len < len ? need - rx->partial.len : len;
			if (hm_buf_append(&rx->partial, data, take) != HM_OK)
				return HM_ERR_NOMEM;
			data += take;
			len -= take;
			if (rx->partial.len == STOQ_REC_HDR) {
				if (record_too_long(record_size(rx->partial.data))) {
					*why = "record too long";
					return HM_ERR_CRYPTO;
				}
				continue;
			}
			if (rx->partial.len < need)
				continue;
			rc = open_one(rx, aead, stream_id, scratch, rx->partial.data,
			              rx->partial.len, fin && len == 0, cb, ctx);
			(void)hm_buf_truncate(&rx->partial, 0);
		}
		if (rc == HM_ERR_CRYPTO) {
			*why = "record does not authenticate";
			return HM_ERR_CRYPTO;
		}
		if (rc == 1)
			return HM_OK;
	}
	if (fin && !rx->fin_done) {
		if (rx->partial.len != 0 || !rx->final_seen) {
			*why = "stream truncated: FIN without the final record";
			return HM_ERR_CRYPTO;
		}
		rx->fin_done = 1;
		(void)cb(ctx, scratch, 0, 1);
	}
	return HM_OK;
}

void stoq_rec_rx_free(struct stoq_rec_rx *rx)
{
	hm_buf_free(&rx->partial);
}
