/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Constant-time checking with valgrind's memcheck (private to src/crypto).
 *
 * A test marks secret inputs with HM_CT_SECRET: memcheck then treats them as
 * uninitialised, and reports every conditional branch, memory index or
 * system-call argument computed from them. The primitives call
 * HM_CT_DECLASSIFY where revealing a value is allowed by design (a public
 * seed derived from a secret one, a final output, the signing loop's
 * restart decision), each with a comment saying why it is public; anything
 * memcheck still reports is a secret-dependent branch or index.
 *
 * The client requests are a few no-op instructions when the program does not
 * run under valgrind, so they stay in every build; without <valgrind/memcheck.h>
 * (another platform, or a compiler without __has_include) they compile to
 * nothing. Both macros evaluate their arguments at most once, and neither
 * changes any byte of memory.
 */
#ifndef HYPERMESH_CRYPTO_CT_CHECK_H
#define HYPERMESH_CRYPTO_CT_CHECK_H

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define HM_CT_HAVE_MEMCHECK 1
#endif
#endif

#ifdef HM_CT_HAVE_MEMCHECK
/* Marks len bytes at ptr as secret: memcheck reports any decision taken on them. */
#define HM_CT_SECRET(ptr, len)     ((void)VALGRIND_MAKE_MEM_UNDEFINED((ptr), (len)))
/* Marks len bytes at ptr as public again (their value may be revealed). */
#define HM_CT_DECLASSIFY(ptr, len) ((void)VALGRIND_MAKE_MEM_DEFINED((ptr), (len)))
#else
#define HM_CT_SECRET(ptr, len)     ((void)(ptr), (void)(len))
#define HM_CT_DECLASSIFY(ptr, len) ((void)(ptr), (void)(len))
#endif

#endif
