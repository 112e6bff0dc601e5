/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signed notes, checkpoints and verifier keys on arbitrary bytes, against a
 * fixed Ed25519 key named "fuzz.example/log". Nothing may crash, and:
 *   - a note that verifies is its text, a blank line and signature lines,
 *     one of which is exactly the line we produce for that text (Ed25519 is
 *     deterministic);
 *   - a checkpoint text that parses formats back to the same bytes when its
 *     origin is a key name;
 *   - a verifier key that parses formats back to the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/ct_note.h"
#include "hypermesh/ed25519.h"
#include "hypermesh/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char origin[] = "fuzz.example/log";

static int contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
	for (size_t i = 0; m <= n && i <= n - m; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hm_ct_note_signer signer;
	static int ready;
	const char *text = (const char *)data;
	struct hm_ct_checkpoint cp;
	struct hm_ct_note_vkey key;
	struct hm_buf b;
	size_t text_len;

	if (!ready) {
		uint8_t sk[64];
		memset(sk, 0x42, 32);
		hm_ed25519_public_key(sk + 32, sk);
		if (hm_ct_note_signer_init(&signer, origin, HM_SIG_ED25519, sk, sizeof(sk)) !=
		    HM_OK)
			abort();
		ready = 1;
	}
	hm_buf_init(&b);

	if (hm_ct_note_verify(text, size, &signer.vkey, 1, &text_len) == HM_OK) {
		if (text_len == 0 || text_len + 1 >= size || text[text_len - 1] != '\n' ||
		    text[text_len] != '\n')
			abort();
		if (hm_ct_note_sign(&signer, text, text_len, &b) != HM_OK ||
		    !contains(data + text_len, size - text_len, b.data + text_len,
		              b.len - text_len))
			abort();
		b.len = 0;
	}
	if (hm_ct_checkpoint_open(&cp, text, size, origin, &signer.vkey, 1) == HM_OK &&
	    (cp.origin_len != strlen(origin) || cp.origin != text))
		abort();

	if (hm_ct_checkpoint_parse(&cp, text, size) == HM_OK &&
	    hm_ct_note_name_check(cp.origin, cp.origin_len) == HM_OK) {
		if (hm_ct_checkpoint_format(&cp, &b) != HM_OK || b.len != size ||
		    memcmp(b.data, data, size) != 0)
			abort();
		b.len = 0;
	}

	if (hm_ct_note_vkey_parse(&key, text, size) == HM_OK) {
		if (hm_ct_note_vkey_format(&key, &b) != HM_OK || b.len != size ||
		    memcmp(b.data, data, size) != 0)
			abort();
	}
	hm_buf_free(&b);
	return 0;
}
