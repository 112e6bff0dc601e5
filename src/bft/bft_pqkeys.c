/* SPDX-License-Identifier: Apache-2.0 */
/* Validators' persistent ML-DSA-87 keys and the genesis list of them (bft_pqkeys.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypermesh/bft_pqkeys.h"
#include "hypermesh/buf.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/file.h"
#include "hypermesh/secure.h"
#include "hypermesh/sig.h"

_Static_assert(HM_BFT_PQ_ALG == HM_SIG_MLDSA87, "the consensus PQ algorithm is ML-DSA-87");
_Static_assert(HM_BFT_PQ_PK_LEN <= HM_SIG_PK_MAX && HM_BFT_PQ_SK_LEN <= HM_SIG_SK_MAX &&
                       HM_BFT_PQ_SIG_LEN <= HM_SIG_SIG_MAX,
               "sizes agree with sig.h");

static const uint8_t magic[4] = { 'H', 'M', 'P', 'Q' };
#define VERSION      1
/* A line: index, space, 5184 hex digits, newline (and some slack for CRLF). */
#define LINE_MAX_LEN (8 + 2 * HM_BFT_PQ_PK_LEN + 4)

int hm_bft_pq_keygen(uint8_t pk[HM_BFT_PQ_PK_LEN], uint8_t sk[HM_BFT_PQ_SK_LEN])
{
	return hm_sig_keygen(HM_SIG_MLDSA87, pk, HM_BFT_PQ_PK_LEN, sk, HM_BFT_PQ_SK_LEN);
}

int hm_bft_pq_key_save(const char *path, const uint8_t pk[HM_BFT_PQ_PK_LEN],
                       const uint8_t sk[HM_BFT_PQ_SK_LEN])
{
	uint8_t *f = malloc(HM_BFT_PQ_KEY_FILE_LEN);
	int rc;

	if (f == NULL)
		return HM_ERR_NOMEM;
	memcpy(f, magic, 4);
	f[4] = VERSION;
	f[5] = 0;
	f[6] = HM_BFT_PQ_ALG;
	memcpy(f + 7, pk, HM_BFT_PQ_PK_LEN);
	memcpy(f + 7 + HM_BFT_PQ_PK_LEN, sk, HM_BFT_PQ_SK_LEN);
	rc = hm_file_write_atomic(path, f, HM_BFT_PQ_KEY_FILE_LEN, 0600, HM_FILE_NO_CLOBBER);
	hm_wipe(f, HM_BFT_PQ_KEY_FILE_LEN);
	free(f);
	return rc;
}

/* The pair matches if a signature by sk verifies under pk. */
static int pair_matches(const uint8_t *pk, const uint8_t *sk)
{
	static const char probe[] = "hypermesh/bft/pq-key-check/v1";
	uint8_t *sig = malloc(HM_BFT_PQ_SIG_LEN);
	size_t sig_len;
	int ok;

	if (sig == NULL)
		return HM_ERR_NOMEM;
	ok = hm_sig_sign(HM_SIG_MLDSA87, sig, HM_BFT_PQ_SIG_LEN, &sig_len, sk, HM_BFT_PQ_SK_LEN,
	                 probe, sizeof(probe) - 1) == HM_OK &&
	     hm_sig_verify(HM_SIG_MLDSA87, pk, HM_BFT_PQ_PK_LEN, sig, sig_len, probe,
	                   sizeof(probe) - 1) == HM_OK;
	free(sig);
	return ok ? HM_OK : HM_ERR_CORRUPT;
}

int hm_bft_pq_key_load(const char *path, uint8_t pk[HM_BFT_PQ_PK_LEN], uint8_t sk[HM_BFT_PQ_SK_LEN])
{
	struct hm_buf b;
	int rc;

	hm_buf_init(&b);
	rc = hm_file_read(path, HM_BFT_PQ_KEY_FILE_LEN + 1, &b);
	if (rc == HM_ERR_TOO_LARGE)
		rc = HM_ERR_CORRUPT;
	if (rc == HM_OK && (b.len < 7 || memcmp(b.data, magic, 4) != 0 || b.data[4] != VERSION))
		rc = HM_ERR_CORRUPT;
	if (rc == HM_OK && (b.data[5] != 0 || b.data[6] != HM_BFT_PQ_ALG))
		rc = HM_ERR_UNSUPPORTED;
	if (rc == HM_OK && b.len != HM_BFT_PQ_KEY_FILE_LEN)
		rc = HM_ERR_CORRUPT;
	if (rc == HM_OK) {
		memcpy(pk, b.data + 7, HM_BFT_PQ_PK_LEN);
		memcpy(sk, b.data + 7 + HM_BFT_PQ_PK_LEN, HM_BFT_PQ_SK_LEN);
		rc = pair_matches(pk, sk);
	}
	if (rc != HM_OK)
		hm_wipe(sk, HM_BFT_PQ_SK_LEN);
	if (b.data != NULL)
		hm_wipe(b.data, b.len);
	hm_buf_free(&b);
	return rc;
}

int hm_bft_pq_validators_save(const char *path, uint16_t n, const uint8_t (*pks)[HM_BFT_PQ_PK_LEN],
                              int overwrite)
{
	static const char head[] = "# HyperMesh validators' ML-DSA-87 public keys (genesis): "
	                           "INDEX PUBLIC_KEY_HEX\n";
	size_t cap = sizeof(head) + (size_t)n * LINE_MAX_LEN, len;
	char *text = malloc(cap);
	int rc = HM_OK;

	if (text == NULL)
		return HM_ERR_NOMEM;
	memcpy(text, head, sizeof(head) - 1);
	len = sizeof(head) - 1;
	for (uint16_t i = 0; i < n && rc == HM_OK; i++) {
		len += (size_t)snprintf(text + len, cap - len, "%u ", (unsigned)i);
		rc = hm_hex_encode(text + len, cap - len, pks[i], HM_BFT_PQ_PK_LEN);
		len += 2 * HM_BFT_PQ_PK_LEN;
		text[len++] = '\n';
	}
	if (rc == HM_OK)
		rc = hm_file_write_atomic(path, text, len, 0644,
		                          overwrite ? HM_FILE_OVERWRITE : HM_FILE_NO_CLOBBER);
	free(text);
	return rc;
}

static int line_error(char *err, size_t errlen, unsigned line, const char *what)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "line %u: %s", line, what);
	return HM_ERR_INVALID;
}

int hm_bft_pq_validators_load(const char *path, uint16_t n, uint8_t (*pks)[HM_BFT_PQ_PK_LEN],
                              char *err, size_t errlen)
{
	struct hm_buf b;
	size_t pos = 0;
	unsigned line = 0;
	uint16_t seen = 0;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (n == 0 || n > HM_BFT_MAX_VALIDATORS)
		return HM_ERR_INVALID;
	hm_buf_init(&b);
	rc = hm_file_read(path, (size_t)(n + 8) * LINE_MAX_LEN + 4096, &b);
	if (rc == HM_ERR_TOO_LARGE)
		rc = line_error(err, errlen, 0, "file too large");
	while (rc == HM_OK && pos < b.len) {
		const char *s = (const char *)b.data + pos, *nl, *sp;
		size_t l;
		char idx[8];
		char *end;
		unsigned long v;

		nl = memchr(s, '\n', b.len - pos);
		l = nl ? (size_t)(nl - s) : b.len - pos;
		pos += l + (nl ? 1 : 0);
		line++;
		if (l > 0 && s[l - 1] == '\r')
			l--;
		if (l == 0 || s[0] == '#')
			continue;
		sp = memchr(s, ' ', l);
		if (sp == NULL || sp == s || (size_t)(sp - s) >= sizeof(idx)) {
			rc = line_error(err, errlen, line, "want 'INDEX PUBLIC_KEY_HEX'");
			break;
		}
		memcpy(idx, s, (size_t)(sp - s));
		idx[sp - s] = '\0';
		v = strtoul(idx, &end, 10);
		if (*end != '\0' || idx[0] < '0' || idx[0] > '9' || v != seen) {
			rc = line_error(err, errlen, line, "indices must be 0..n-1 in order");
			break;
		}
		if (seen == n) {
			rc = line_error(err, errlen, line, "more validators than the set has");
			break;
		}
		if (hm_hex_decode_exact(pks[seen], HM_BFT_PQ_PK_LEN, sp + 1,
		                        l - (size_t)(sp + 1 - s)) != HM_OK) {
			rc = line_error(err, errlen, line, "not a hex ML-DSA-87 public key");
			break;
		}
		for (uint16_t j = 0; j < seen; j++)
			if (memcmp(pks[j], pks[seen], HM_BFT_PQ_PK_LEN) == 0) {
				rc = line_error(err, errlen, line,
				                "the same key as an earlier validator");
				break;
			}
		seen++;
	}
	if (rc == HM_OK && seen != n)
		rc = line_error(err, errlen, line, "fewer validators than the set has");
	hm_buf_free(&b);
	return rc;
}

int hm_bft_pq_pins_check(const struct hm_bft_pq_pins *pins, const uint8_t node_id[32],
                         const uint8_t key_id[32], uint16_t *who)
{
	if (who != NULL)
		*who = UINT16_MAX;
	for (uint16_t i = 0; i < pins->n && i < HM_BFT_MAX_VALIDATORS; i++) {
		if (memcmp(node_id, pins->node_id[i], 32) != 0)
			continue;
		if (who != NULL)
			*who = i;
		return memcmp(key_id, pins->key_id[i], 32) == 0 ? HM_OK : HM_ERR_VERIFY;
	}
	return HM_OK;
}
