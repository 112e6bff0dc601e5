/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-process /proc parsers of the telemetry fallback; the first byte
 * picks one: even /proc/<pid>/stat (its value also sets the name buffer's
 * size, 1..16), odd /proc/<pid>/io. Results are deterministic, names always
 * terminated inside their buffer, and failures leave the outputs untouched.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "os/os_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1;
	size_t len, cap;
	int rc1, rc2;

	if (size == 0)
		return 0;
	len = size - 1;
	if (data[0] % 2 == 0) {
		char c1[16], c2[16];
		uint64_t t1 = 7, t2 = 7;

		cap = (size_t)(data[0] / 2) % 16 + 1;
		memset(c1, 'x', sizeof(c1));
		memset(c2, 'x', sizeof(c2));
		rc1 = hm_os_parse_pid_stat(text, len, c1, cap, &t1);
		rc2 = hm_os_parse_pid_stat(text, len, c2, cap, &t2);
		if (rc1 != rc2 || t1 != t2 || memcmp(c1, c2, sizeof(c1)) != 0)
			abort();
		if (rc1 == HM_OK && memchr(c1, '\0', cap) == NULL)
			abort();
		if (rc1 != HM_OK && (t1 != 7 || c1[0] != 'x'))
			abort();
	} else {
		uint64_t r1 = 7, w1 = 7, r2 = 7, w2 = 7;

		rc1 = hm_os_parse_pid_io(text, len, &r1, &w1);
		rc2 = hm_os_parse_pid_io(text, len, &r2, &w2);
		if (rc1 != rc2 || r1 != r2 || w1 != w2)
			abort();
		if (rc1 != HM_OK && (r1 != 7 || w1 != 7))
			abort();
	}
	return 0;
}
