/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The node's config parser on arbitrary text: it either accepts the text
 * and then every field is within its documented bounds, or it fails with a
 * message that names the file.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hm_node_config cfg;
	char err[HM_NODE_ERROR_MAX];
	int rc;

	err[0] = '\0';
	rc = hm_node_config_parse("fuzz.ini", data, size, &cfg, err, sizeof(err));
	if (rc != HM_OK) {
		if (strncmp(err, "fuzz.ini", 8) != 0)
			abort();
		return 0;
	}
	if (cfg.nvalidators == 0 || cfg.nvalidators > HM_BFT_MAX_VALIDATORS ||
	    cfg.chain_id_len == 0 || cfg.chain_id_len > HM_BFT_CHAIN_ID_MAX ||
	    cfg.base_timeout_ms < 50 || cfg.min_block_interval_ms * 2 >= cfg.base_timeout_ms ||
	    cfg.max_block_txs == 0 || cfg.name[0] == '\0' || cfg.data_dir[0] == '\0' ||
	    cfg.key_file[0] == '\0' || cfg.stoq_listen.host[0] == '\0')
		abort();
	return 0;
}
