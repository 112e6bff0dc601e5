/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-2 through Nettle. SHA-3/SHAKE are ours: see sha3.h. */
#ifndef HYPERMESH_HASH_H
#define HYPERMESH_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HM_SHA256_LEN 32

void hm_sha256(uint8_t out[HM_SHA256_LEN], const void *in, size_t len);

#endif
