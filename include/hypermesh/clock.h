/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Clocks. Protocol cores never read these: the event loop reads the clock and
 * passes timestamps in (ngtcp2 style), which keeps the cores deterministic.
 */
#ifndef HYPERMESH_CLOCK_H
#define HYPERMESH_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#define HM_NS_PER_SEC UINT64_C(1000000000)
#define HM_NS_PER_MS  UINT64_C(1000000)

/* Nanoseconds on CLOCK_MONOTONIC: never jumps; for deadlines and latencies. */
uint64_t hm_clock_mono_ns(void);

/* Nanoseconds since the Unix epoch on CLOCK_REALTIME: for timestamps people read. */
uint64_t hm_clock_wall_ns(void);

/* "2026-11-24T17:58:01.123456Z" plus NUL: the size of the buffer it needs. */
#define HM_CLOCK_RFC3339_LEN 28

/*
 * Formats wall_ns as RFC 3339 UTC with microseconds into out. Every uint64
 * nanosecond count (up to the year 2554) fits the four-digit-year format.
 */
void hm_clock_format_rfc3339(uint64_t wall_ns, char out[static HM_CLOCK_RFC3339_LEN]);

#endif
