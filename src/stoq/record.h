/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PQ record layer of STOQ application streams (docs/STOQ.md): pure
 * functions over an AEAD handle, shared by pq.c and the fuzz target.
 *
 *   struct { uint8 flags; uint16 length; opaque ciphertext[length + 16]; } Record;
 *
 * AES-256-GCM, nonce = uint32 record number || uint64 stream id, the three
 * header bytes as associated data; flags bit 0 marks a stream's last record.
 */
#ifndef HYPERMESH_STOQ_RECORD_H
#define HYPERMESH_STOQ_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include <gnutls/crypto.h>

#include "hypermesh/buf.h"

#define STOQ_REC_HDR       3
#define STOQ_REC_TAG       16
#define STOQ_REC_FINAL     0x01
#define STOQ_REC_PLAIN_MAX 16384

/* One direction of one stream, receiving. Zero-initialise; free with stoq_rec_rx_free. */
struct stoq_rec_rx {
	struct hm_buf partial; /* a record split across deliveries */
	uint32_t seq;          /* records opened */
	int final_seen;        /* the final record was opened */
	int fin_done;          /* the consumer was given fin */
};

/* Gets each record's plaintext; returns nonzero to stop (the consumer went away). */
typedef int (*stoq_rec_deliver_fn)(void *ctx, const uint8_t *data, size_t len, int fin);

/* Bytes that stoq_rec_seal writes for len bytes (and fin). 0: nothing to send. */
size_t stoq_rec_sealed_len(size_t len, int fin);

/*
 * Seals data into records at out (stoq_rec_sealed_len bytes), numbering
 * from *seq. mark_final 0 omits the final flag (a test fault). Returns
 * HM_OK, HM_ERR_TOO_LARGE (record numbers exhausted) or HM_ERR_CRYPTO.
 */
int stoq_rec_seal(gnutls_aead_cipher_hd_t aead, int64_t stream_id, uint32_t *seq,
                  const uint8_t *data, size_t len, int fin, int mark_final, uint8_t *out);

/*
 * Opens the records in the next len stream bytes (fin: the stream ends after
 * them) and hands each plaintext to cb; scratch holds STOQ_REC_PLAIN_MAX
 * bytes. Returns HM_OK (also when cb stopped), HM_ERR_NOMEM, or
 * HM_ERR_CRYPTO with *why saying what was wrong: a record that does not
 * authenticate, an unknown flag, an oversized length, bytes after the final
 * record, a FIN without it.
 */
int stoq_rec_open(struct stoq_rec_rx *rx, gnutls_aead_cipher_hd_t aead, int64_t stream_id,
                  uint8_t *scratch, const uint8_t *data, size_t len, int fin,
                  stoq_rec_deliver_fn cb, void *ctx, const char **why);

void stoq_rec_rx_free(struct stoq_rec_rx *rx);

#endif
