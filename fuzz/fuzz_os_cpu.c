/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CPU text parsers; the first byte picks one: 0 /proc/cpuinfo, 1 a CPU list,
 * 2 a cache size, 3 a decimal, 4 a hex number. Accepted text gives sane,
 * terminated results, and a CPU list printed back as ranges parses to the
 * same set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "os/os_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_cpulist(const char *text, size_t len)
{
	struct hm_os_cpuset *set = malloc(2 * sizeof(*set));
	char *out = malloc(HM_OS_CPU_MAX * 12);
	size_t o = 0;

	if (set == NULL || out == NULL)
		abort();
	if (hm_os_parse_cpulist(text, len, &set[0]) == HM_OK) {
		for (size_t c = 0; c < HM_OS_CPU_MAX; c++) {
			size_t end = c;
			if (!(set[0].bits[c / 64] >> (c % 64) & 1))
				continue;
			while (end + 1 < HM_OS_CPU_MAX &&
			       (set[0].bits[(end + 1) / 64] >> ((end + 1) % 64) & 1))
				end++;
			o += (size_t)snprintf(out + o, 32, "%s%zu-%zu", o ? "," : "", c, end);
			c = end;
		}
		if (hm_os_parse_cpulist(out, o, &set[1]) != HM_OK ||
		    memcmp(&set[0], &set[1], sizeof(set[0])) != 0 ||
		    hm_os_cpuset_count(&set[0]) > HM_OS_CPU_MAX)
			abort();
		if ((hm_os_cpuset_first(&set[0]) < 0) != (hm_os_cpuset_count(&set[0]) == 0))
			abort();
	}
	free(out);
	free(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1;
	struct hm_os_cpuinfo a, b;
	uint64_t v;
	size_t len;

	if (size == 0)
		return 0;
	len = size - 1;
	switch (data[0] % 5) {
	case 0:
		if (hm_os_parse_cpuinfo(text, len, &a) == HM_OK) {
			if (a.processors == 0 || memchr(a.model, 0, sizeof(a.model)) == NULL ||
			    memchr(a.vendor, 0, sizeof(a.vendor)) == NULL ||
			    (HM_OS_CPU_FLAG_COUNT < 64 && a.flags >> HM_OS_CPU_FLAG_COUNT) ||
			    a.sockets > 4096)
				abort();
			if (hm_os_parse_cpuinfo(text, len, &b) != HM_OK ||
			    memcmp(&a, &b, sizeof(a)) != 0)
				abort();
		}
		break;
	case 1:
		check_cpulist(text, len);
		break;
	case 2:
		(void)hm_os_parse_size(text, len, &v);
		break;
	case 3:
		(void)hm_os_parse_u64(text, len, &v);
		break;
	default:
		if (hm_os_parse_hex(text, len, &v) == HM_OK && len > 19)
			abort(); /* at most "0x" + 16 digits + newline */
		break;
	}
	return 0;
}
