/* SPDX-License-Identifier: Apache-2.0 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, gmtime_r */
#include <stdio.h>
#include <time.h>

#include "hypermesh/clock.h"

static uint64_t read_clock(clockid_t id)
{
	struct timespec ts;

	/* Cannot fail for these clock ids with a valid pointer (POSIX). */
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * HM_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t hm_clock_mono_ns(void)
{
	return read_clock(CLOCK_MONOTONIC);
}

uint64_t hm_clock_wall_ns(void)
{
	return read_clock(CLOCK_REALTIME);
}

void hm_clock_format_rfc3339(uint64_t wall_ns, char out[static HM_CLOCK_RFC3339_LEN])
{
	/* 2^64 ns is 18446744073 s: a 64-bit time_t and gmtime_r handle it. */
	time_t secs = (time_t)(wall_ns / HM_NS_PER_SEC);
	unsigned micros = (unsigned)(wall_ns % HM_NS_PER_SEC / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	/* "YYYY-MM-DDTHH:MM:SS" is 19 characters for the years 1970..2554. */
	strftime(out, HM_CLOCK_RFC3339_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + 19, HM_CLOCK_RFC3339_LEN - 19, ".%06uZ", micros % 1000000);
}
