/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tile path parser on arbitrary bytes: it must never crash, every path
 * it accepts must be canonical (formatting the result gives back exactly the
 * input), and the tile must be one that some tree of fewer than 2^64 leaves
 * has.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/ct_tiles.h"
#include "hypermesh/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hm_ct_tile t;
	char out[HM_CT_TILE_PATH_MAX];

	if (hm_ct_tile_path_parse(&t, (const char *)data, size) != HM_OK)
		return 0;
	if (t.width < 1 || t.width > HM_CT_TILE_WIDTH || t.level > HM_CT_TILE_LEVEL_MAX ||
	    (t.entries && t.level != 0))
		abort();
	if (hm_ct_tile_path_format(&t, out, sizeof(out)) != HM_OK || strlen(out) != size ||
	    memcmp(out, data, size) != 0)
		abort();
	/* The largest tree has it at least as wide. */
	if (hm_ct_tile_width(UINT64_MAX, t.level, t.index) < t.width)
		abort();
	return 0;
}
