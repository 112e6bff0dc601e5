/* SPDX-License-Identifier: Apache-2.0 */
/* Cross-file internals of hm_bft. */
#ifndef HYPERMESH_BFT_INTERNAL_H
#define HYPERMESH_BFT_INTERNAL_H

#include <stdint.h>

#include "hypermesh/bft.h"

/* Safety record: uint64 last_voted_view; QC high_qc. */
int hm_bft_safety_encode(struct hm_buf *out, uint64_t last_voted_view, const struct hm_bft_qc *qc);
int hm_bft_safety_decode(const uint8_t *p, size_t len, uint64_t *last_voted_view,
                         struct hm_bft_qc *qc);

#endif
