/* SPDX-License-Identifier: Apache-2.0 */
/* Opening a stopped node's (or an offline CA's) TrustChain state for an operator command. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "cli_offline.h"

#include <time.h>

#include "hypermesh/error.h"

int cli_offline_open(const struct cli_command *cmd, const char *dir, const char *genesis,
                     int create, const char *instead, struct hm_tc_offline **o)
{
	long holder = 0;
	int rc = hm_tc_offline_open(dir, genesis, create, o, &holder);

	if (rc == HM_OK)
		return HM_OK;
	if (rc == HM_ERR_PERMISSION && holder != 0)
		cli_error(cmd,
		          "%s/state is in use by process %ld (a running node?): stop it first; "
		          "while a node runs, %s",
		          dir, holder, instead);
	else if (rc == HM_ERR_NOT_FOUND)
		cli_error(cmd, "%s: no TrustChain state (%s/state) or genesis (%s/genesis.json)",
		          dir, dir, genesis);
	else if (rc == HM_ERR_CORRUPT)
		cli_error(cmd, "%s/state belongs to another genesis than %s", dir, genesis);
	else
		cli_error(cmd, "%s/state: %s", dir, hm_strerror(rc));
	return rc;
}

uint64_t cli_offline_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
