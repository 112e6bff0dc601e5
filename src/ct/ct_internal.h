/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/ct: the RFC 6962 digitally-signed element and the log's tile reads. */
#ifndef HYPERMESH_CT_INTERNAL_H
#define HYPERMESH_CT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"
#include "hypermesh/codec.h"
#include "hypermesh/sig.h"

/* DigitallySigned.signature is opaque<0..2^16-1>; ours never exceed HM_SIG_SIG_MAX. */
#define CT_SIG_VEC_MAX 0xffff

/*
 * Signs msg with (alg, sk) into sig (HM_SIG_SIG_MAX bytes); *scheme gets the
 * SignatureScheme. Returns HM_OK, HM_ERR_UNSUPPORTED or hm_sig_sign's errors;
 * on failure *sig_len is 0.
 */
int ct_sign(enum hm_sig_alg alg, const uint8_t *sk, size_t sk_len, const struct hm_buf *msg,
            uint16_t *scheme, uint8_t *sig, size_t *sig_len);

/*
 * Verifies (scheme, sig) over msg under (alg, pk): HM_ERR_VERIFY if scheme is
 * not alg's or the signature is wrong; hm_sig_verify's other errors.
 */
int ct_verify(enum hm_sig_alg alg, const uint8_t *pk, size_t pk_len, const struct hm_buf *msg,
              uint16_t scheme, const uint8_t *sig, size_t sig_len);

/* Appends a DigitallySigned. HM_ERR_LENGTH if sig_len > HM_SIG_SIG_MAX. */
int ct_put_signature(struct hm_buf *b, uint16_t scheme, const uint8_t *sig, size_t sig_len);

/* Reads a DigitallySigned into sig (HM_SIG_SIG_MAX bytes). Codec errors; HM_ERR_LENGTH. */
int ct_get_signature(struct hm_reader *r, uint16_t *scheme, uint8_t *sig, size_t *sig_len);

/*
 * Tile reads (log.c, for tiles.c). Each is one read snapshot of the log;
 * tree_size must not exceed its size (HM_ERR_RANGE).
 *
 * ct_log_read_hashes appends the count stored hashes of height `height` with
 * node indices first .. first+count-1 (count <= 256), all of which must lie
 * inside the tree of tree_size leaves (HM_ERR_NOT_FOUND otherwise).
 * ct_log_read_bundle appends the entries first .. first+count-1 (all below
 * tree_size), each prefixed by its length as a big-endian uint16
 * (HM_ERR_TOO_LARGE for an entry over 65535 bytes). Both leave out unchanged
 * on failure; HM_ERR_CORRUPT if the store lacks what its size promises.
 */
struct hm_ct_log;
int ct_log_read_hashes(struct hm_ct_log *log, uint64_t tree_size, unsigned height, uint64_t first,
                       size_t count, struct hm_buf *out);
int ct_log_read_bundle(struct hm_ct_log *log, uint64_t tree_size, uint64_t first, size_t count,
                       struct hm_buf *out);

#endif
