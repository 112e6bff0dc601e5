/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Operator commands on the TrustChain state of a stopped node's data
 * directory, or of an offline CA (`hypermesh apikey`, `hypermesh ca
 * issue --record / revoke / crl`): one way to open it and to word what
 * went wrong, and the clock their operations are applied at.
 */
#ifndef HYPERMESH_CLI_OFFLINE_H
#define HYPERMESH_CLI_OFFLINE_H

#include <stdint.h>

#include "cli.h"
#include "hypermesh/trustchain_state.h"

/*
 * hm_tc_offline_open(dir, genesis, create) with its failures said in one
 * line on stderr: a state a live process holds (naming the process, then
 * "while a node runs, " + instead, e.g. "use its API"), no state or
 * genesis, a state of another genesis, anything else. Returns HM_OK with
 * *o set, or hm_tc_offline_open's error.
 */
int cli_offline_open(const struct cli_command *cmd, const char *dir, const char *genesis,
                     int create, const char *instead, struct hm_tc_offline **o);

/* The wall clock in ms: the block time an offline operation is applied with. */
uint64_t cli_offline_now_ms(void);

#endif
