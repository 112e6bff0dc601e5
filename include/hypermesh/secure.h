/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Handling secret bytes: wiping that the compiler cannot elide, and
 * comparisons whose running time does not depend on the data.
 */
#ifndef HYPERMESH_SECURE_H
#define HYPERMESH_SECURE_H

#include <stddef.h>

/* Overwrites n bytes at p with zeros; never optimised away. p may be NULL if n is 0. */
void hm_wipe(void *p, size_t n);

/*
 * Returns 1 if the n bytes at a and b are equal, 0 otherwise, in time that
 * depends only on n.
 */
int hm_ct_equal(const void *a, const void *b, size_t n) __attribute__((warn_unused_result));

/* Returns 1 if all n bytes at p are zero, 0 otherwise, in time that depends only on n. */
int hm_ct_is_zero(const void *p, size_t n) __attribute__((warn_unused_result));

#endif
