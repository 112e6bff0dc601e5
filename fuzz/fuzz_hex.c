/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict hex: decoding succeeds exactly when the input has even length and
 * only hex digits (checked against a plain reference classifier), and a
 * decoded value re-encodes to the input up to letter case. Encoding any
 * bytes and decoding them gives the bytes back.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "hypermesh/encoding.h"
#include "hypermesh/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *bytes = malloc(size / 2 + 1);
	char *text = malloc(2 * size + 1);
	size_t n;
	int valid = size % 2 == 0;
	int rc;

	if (bytes == NULL || text == NULL)
		abort();
	for (size_t i = 0; i < size; i++)
		valid &= isxdigit(data[i]) != 0;

	rc = hm_hex_decode(bytes, size / 2 + 1, &n, (const char *)data, size);
	if ((rc == HM_OK) != valid)
		abort();
	if (rc == HM_OK) {
		if (n != size / 2 || hm_hex_encode(text, 2 * size + 1, bytes, n) != HM_OK)
			abort();
		for (size_t i = 0; i < size; i++)
			if (text[i] != tolower(data[i]))
				abort();
	}

	if (hm_hex_encode(text, 2 * size + 1, data, size) != HM_OK || strlen(text) != 2 * size)
		abort();
	free(bytes);
	bytes = malloc(size + 1);
	if (bytes == NULL || hm_hex_decode(bytes, size + 1, &n, text, 2 * size) != HM_OK ||
	    n != size || (size && memcmp(bytes, data, size) != 0))
		abort();
	free(bytes);
	free(text);
	return 0;
}
