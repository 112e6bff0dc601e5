/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict base64: whatever decodes must re-encode to exactly the input (one
 * spelling per value), and encoding any bytes then decoding gives them back.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/encoding.h"
#include "hypermesh/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t text_cap = HM_BASE64_LEN(size) + 1;
	uint8_t *bytes = malloc(size + 1);
	char *text = malloc(text_cap);
	size_t n;

	if (bytes == NULL || text == NULL)
		abort();
	if (hm_base64_decode(bytes, size + 1, &n, (const char *)data, size) == HM_OK) {
		if (hm_base64_encode(text, text_cap, bytes, n) != HM_OK || strlen(text) != size ||
		    memcmp(text, data, size) != 0)
			abort();
	}
	if (hm_base64_encode(text, text_cap, data, size) != HM_OK)
		abort();
	if (hm_base64_decode(bytes, size + 1, &n, text, strlen(text)) != HM_OK || n != size ||
	    (size && memcmp(bytes, data, size) != 0))
		abort();
	free(bytes);
	free(text);
	return 0;
}
