/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /proc counter parsers; the first byte picks one: 0 meminfo, 1 stat,
 * 2 diskstats, 3 net/dev. Results are deterministic, and a device the text
 * does not list is reported as not found with zero counters.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "os/os_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_devs(const struct hm_os_io_counter *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!d[i].found && (d[i].read_bytes != 0 || d[i].write_bytes != 0))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "sda", "vda", "nvme0n1", "eth0", "lo", "wg0" };
	struct hm_os_io_counter d1[6], d2[6];
	const char *text = (const char *)data + 1;
	struct hm_os_cpu_times t1, t2;
	struct hm_os_mem m1, m2;
	int rc1, rc2;
	size_t len;

	if (size == 0)
		return 0;
	len = size - 1;
	memset(d1, 0, sizeof(d1));
	for (size_t i = 0; i < 6; i++)
		strcpy(d1[i].name, names[i]);
	memcpy(d2, d1, sizeof(d1));
	switch (data[0] % 4) {
	case 0:
		memset(&m1, 0, sizeof(m1));
		memset(&m2, 0, sizeof(m2));
		rc1 = hm_os_parse_meminfo(text, len, &m1);
		rc2 = hm_os_parse_meminfo(text, len, &m2);
		if (rc1 != rc2 || (rc1 == HM_OK && memcmp(&m1, &m2, sizeof(m1)) != 0))
			abort();
		break;
	case 1:
		memset(&t1, 0, sizeof(t1));
		memset(&t2, 0, sizeof(t2));
		rc1 = hm_os_parse_stat(text, len, &t1);
		rc2 = hm_os_parse_stat(text, len, &t2);
		if (rc1 != rc2 || (rc1 == HM_OK && memcmp(&t1, &t2, sizeof(t1)) != 0))
			abort();
		break;
	case 2:
		rc1 = hm_os_parse_diskstats(text, len, d1, 6);
		rc2 = hm_os_parse_diskstats(text, len, d2, 6);
		if (rc1 != rc2 || (rc1 == HM_OK && memcmp(d1, d2, sizeof(d1)) != 0))
			abort();
		if (rc1 == HM_OK)
			check_devs(d1, 6);
		break;
	default:
		rc1 = hm_os_parse_netdev(text, len, d1, 6);
		rc2 = hm_os_parse_netdev(text, len, d2, 6);
		if (rc1 != rc2 || (rc1 == HM_OK && memcmp(d1, d2, sizeof(d1)) != 0))
			abort();
		if (rc1 == HM_OK)
			check_devs(d1, 6);
		break;
	}
	return 0;
}
