/* SPDX-License-Identifier: Apache-2.0 */
#define _DEFAULT_SOURCE /* getrandom() */
#include <errno.h>
#include <stdint.h>
#include <sys/random.h>

#include "hypermesh/error.h"
#include "hypermesh/random.h"
#include "hypermesh/secure.h"

int hm_random_bytes(void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t done = 0;

	/*
	 * Flags 0: block until the pool is initialised, never fall back to an
	 * unseeded source. Requests above 256 bytes may return short (and may be
	 * interrupted by a signal), hence the loop.
	 */
	while (done < len) {
		ssize_t n = getrandom(p + done, len - done, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			hm_wipe(buf, len);
			return HM_ERR_RANDOM;
		}
		done += (size_t)n;
	}
	return HM_OK;
}
