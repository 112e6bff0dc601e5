/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Drives the canonical-codec reader with a program taken from the input
 * itself: each opcode byte picks a read (integer, fixed bytes, vector with
 * bounds), applied to the rest of the input. Checks the reader's contract:
 * a failed read leaves the position unchanged; a successful one advances by
 * exactly the bytes it consumed; a vector, re-encoded with the writer, gives
 * back exactly the bytes it was read from.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/codec.h"
#include "hypermesh/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ASSERT(c)                \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static const size_t bounds[][2] = {
	{ 0, 0 },     { 0, 3 },        { 1, 255 },       { 0, 256 },        { 2, 65535 },
	{ 0, 70000 }, { 5, 0xffffff }, { 0, 0x1000000 }, { 0, 0xffffffff },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t nops = size < 8 ? size : 8;
	struct hm_reader r;
	struct hm_buf b;

	if (size == 0)
		return 0;
	hm_reader_init(&r, data + nops, size - nops);
	hm_buf_init(&b);
	for (size_t i = 0; i < nops; i++) {
		size_t before = r.pos;
		uint8_t op = data[i];
		int rc;

		switch (op % 8) {
		case 0: {
			uint8_t v;
			rc = hm_get_u8(&r, &v);
			ASSERT(rc == HM_OK ? r.pos == before + 1 : r.pos == before);
			break;
		}
		case 1: {
			uint16_t v;
			rc = hm_get_u16(&r, &v);
			ASSERT(rc == HM_OK ? r.pos == before + 2 : r.pos == before);
			break;
		}
		case 2: {
			uint32_t v;
			rc = hm_get_u24(&r, &v);
			ASSERT(rc == HM_OK ? (r.pos == before + 3 && v <= 0xffffff)
			                   : r.pos == before);
			break;
		}
		case 3: {
			uint64_t v;
			rc = hm_get_u64(&r, &v);
			ASSERT(rc == HM_OK ? r.pos == before + 8 : r.pos == before);
			break;
		}
		case 4: {
			const uint8_t *p;
			size_t n = op >> 3;
			rc = hm_get_view(&r, n, &p);
			ASSERT(rc == HM_OK ? r.pos == before + n : r.pos == before);
			break;
		}
		default: {
			const size_t *bd = bounds[(op >> 3) % (sizeof(bounds) / sizeof(bounds[0]))];
			const uint8_t *p;
			size_t n;

			rc = hm_get_vec(&r, bd[0], bd[1], &p, &n);
			if (rc != HM_OK) {
				ASSERT(r.pos == before);
				ASSERT(rc == HM_ERR_TRUNCATED || rc == HM_ERR_LENGTH);
				break;
			}
			ASSERT(n >= bd[0] && n <= bd[1]);
			ASSERT(p >= r.data && p + n <= r.data + r.len);
			hm_buf_truncate(&b, 0);
			if (hm_put_vec(&b, bd[0], bd[1], p, n) == HM_OK) {
				ASSERT(b.len == r.pos - before);
				ASSERT(memcmp(b.data, r.data + before, b.len) == 0);
			}
		}
		}
	}
	ASSERT((hm_reader_finish(&r) == HM_OK) == (r.pos == r.len));
	hm_buf_free(&b);
	return 0;
}
