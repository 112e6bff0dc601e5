/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which implementation of the post-quantum hot paths runs: portable C or
 * AVX2. The choice is made once, on first use, from the CPU (cpuid) and the
 * environment: HM_CRYPTO_NO_AVX2 set to anything but "" or "0" forces the
 * portable path. Both paths give bit-identical results; the AVX2 one is only
 * faster. Tests and benchmarks switch with hm_crypto_impl_select.
 */
#ifndef HYPERMESH_CRYPTO_IMPL_H
#define HYPERMESH_CRYPTO_IMPL_H

enum hm_crypto_impl {
	HM_CRYPTO_IMPL_PORTABLE = 0,
	HM_CRYPTO_IMPL_AVX2 = 1,
};

/* The implementation in use now. */
enum hm_crypto_impl hm_crypto_impl_active(void);

/* Non-zero if this build has impl and this CPU can run it. */
int hm_crypto_impl_available(enum hm_crypto_impl impl);

/*
 * Switches to impl; HM_ERR_UNSUPPORTED (and nothing changes) if it is not
 * available. Meant for start-up, tests and benchmarks: do not call it while
 * another thread is inside ML-KEM or ML-DSA.
 */
int hm_crypto_impl_select(enum hm_crypto_impl impl);

/* "portable" or "avx2". */
const char *hm_crypto_impl_name(enum hm_crypto_impl impl);

#endif
