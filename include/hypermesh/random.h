/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The system CSPRNG (getrandom(2), blocking until the kernel pool is seeded).
 * Protocol cores never call this: randomness is injected by their caller, so
 * tests and the simulator stay deterministic.
 */
#ifndef HYPERMESH_RANDOM_H
#define HYPERMESH_RANDOM_H

#include <stddef.h>

/*
 * Fills buf with len cryptographically secure random bytes. Retries on EINTR
 * and short reads. Returns HM_OK, or HM_ERR_RANDOM if the kernel refused (in
 * which case buf has been wiped rather than left partly filled).
 */
int hm_random_bytes(void *buf, size_t len) __attribute__((warn_unused_result));

#endif
