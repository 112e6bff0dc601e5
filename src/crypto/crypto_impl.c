/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Run-time choice between the portable and the AVX2 kernels (see
 * hypermesh/crypto_impl.h). The CPU is asked once; the answer and the
 * environment override are cached in one atomic int that every kernel
 * lookup reads (hm_crypto_avx2_active).
 */
#include <stdlib.h>
#include <string.h>

#include "crypto_impl_internal.h"
#include "hypermesh/crypto_impl.h"
#include "hypermesh/error.h"

/* -1: not decided yet; otherwise an enum hm_crypto_impl. */
static int active_impl = -1;

static int cpu_has_avx2(void)
{
#if HM_HAVE_AVX2_BUILD
	return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
	return 0;
#endif
}

static int default_impl(void)
{
	const char *off = getenv("HM_CRYPTO_NO_AVX2");

	if (off != NULL && off[0] != '\0' && strcmp(off, "0") != 0)
		return HM_CRYPTO_IMPL_PORTABLE;
	return cpu_has_avx2() ? HM_CRYPTO_IMPL_AVX2 : HM_CRYPTO_IMPL_PORTABLE;
}

enum hm_crypto_impl hm_crypto_impl_active(void)
{
	int v = __atomic_load_n(&active_impl, __ATOMIC_RELAXED);

	if (v < 0) {
		/* Racing first calls compute the same answer; either store wins. */
		v = default_impl();
		__atomic_store_n(&active_impl, v, __ATOMIC_RELAXED);
	}
	return (enum hm_crypto_impl)v;
}

int hm_crypto_avx2_active(void)
{
	return hm_crypto_impl_active() == HM_CRYPTO_IMPL_AVX2;
}

int hm_crypto_impl_available(enum hm_crypto_impl impl)
{
	switch (impl) {
	case HM_CRYPTO_IMPL_PORTABLE:
		return 1;
	case HM_CRYPTO_IMPL_AVX2:
		return cpu_has_avx2();
	}
	return 0;
}

int hm_crypto_impl_select(enum hm_crypto_impl impl)
{
	if (!hm_crypto_impl_available(impl))
		return HM_ERR_UNSUPPORTED;
	__atomic_store_n(&active_impl, (int)impl, __ATOMIC_RELAXED);
	return HM_OK;
}

const char *hm_crypto_impl_name(enum hm_crypto_impl impl)
{
	switch (impl) {
	case HM_CRYPTO_IMPL_PORTABLE:
		return "portable";
	case HM_CRYPTO_IMPL_AVX2:
		return "avx2";
	}
	return "unknown";
}
