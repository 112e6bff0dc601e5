/* SPDX-License-Identifier: Apache-2.0 */
#include <stdint.h>
#include <string.h>

#include "hypermesh/secure.h"

/*
 * A volatile function pointer hides memset from the optimiser, so the store
 * cannot be proven dead and elided (explicit_bzero is a glibc/BSD extension
 * and not in C11; this works with any C11 compiler).
 */
static void *(*const volatile memset_barrier)(void *, int, size_t) = memset;

void hm_wipe(void *p, size_t n)
{
	if (n == 0)
		return;
	memset_barrier(p, 0, n);
}

int hm_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t diff = 0;

	for (size_t i = 0; i < n; i++)
		diff |= x[i] ^ y[i];
	/* (diff - 1) >> 8 is 1 exactly when diff == 0, without a branch. */
	return (int)((((unsigned)diff) - 1) >> 8) & 1;
}

int hm_ct_is_zero(const void *p, size_t n)
{
	const volatile uint8_t *x = p;
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= x[i];
	return (int)((((unsigned)acc) - 1) >> 8) & 1;
}
