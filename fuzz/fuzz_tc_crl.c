/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TrustChain's own DER readers and writer for revocation and requests, on
 * arbitrary bytes:
 *   - the CRL entry walker (hm_tc_crl_find) must never crash;
 *   - the CSR proof-of-possession reader (hm_tc_csr_pre_cri,
 *     hm_tc_csr_alt_verify) must never crash, and a preCRI it produces is
 *     itself one DER SEQUENCE no longer than the input;
 *   - the CRL alternative-signature reader (hm_tc_crl_alt_verify) must
 *     never crash;
 *   - the CRL builder, fed entries made from the bytes (serial, reason,
 *     time), either refuses them or writes a CRL in which the walker finds
 *     every distinct serial with its reason and whose PQ signature verifies.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/trustchain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ENTRY_BYTES (HM_TC_SERIAL_LEN + 2)
#define ENTRIES_MAX 32

static struct hm_buf ca_pk; /* the fuzz CA's ML-DSA-87 public key */

static struct hm_tc_ca *fuzz_ca(void)
{
	static struct hm_tc_ca *ca;
	struct hm_tc_key *k;
	struct hm_buf der;
	enum hm_sig_alg alg;

	if (ca != NULL)
		return ca;
	hm_buf_init(&der);
	hm_buf_init(&ca_pk);
	if (hm_tc_key_generate(HM_SIG_MLDSA87, &k) != HM_OK ||
	    hm_tc_root_create(k, "fuzz CA", 1790000000ull, 86400, &der, &ca) != HM_OK ||
	    hm_tc_cert_alt_key(der.data, der.len, &alg, &ca_pk) != HM_OK)
		abort();
	hm_buf_free(&der);
	return ca;
}

static void build(const uint8_t *data, size_t size)
{
	struct hm_tc_crl_entry e[ENTRIES_MAX];
	size_t n = size / ENTRY_BYTES;
	struct hm_buf der;
	int rc;

	if (n > ENTRIES_MAX)
		n = ENTRIES_MAX;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = data + i * ENTRY_BYTES;
		memcpy(e[i].serial, p, HM_TC_SERIAL_LEN);
		e[i].reason = p[HM_TC_SERIAL_LEN];
		e[i].revoked_at = 1790000000ull + (uint64_t)p[HM_TC_SERIAL_LEN + 1] * 86400 * 400;
	}
	hm_buf_init(&der);
	rc = hm_tc_crl_build(fuzz_ca(), 1790000000ull, 1790086400ull, e, n, &der);
	if (rc != HM_OK) {
		if (der.len != 0)
			abort(); /* a refusal writes nothing */
		hm_buf_free(&der);
		return;
	}
	if (hm_tc_crl_alt_verify(der.data, der.len, HM_SIG_MLDSA87, ca_pk.data, ca_pk.len) != HM_OK)
		abort();
	for (size_t i = 0; i < n; i++) {
		uint8_t reason;
		int dup = 0;
		/* serials equal up to leading zeros are the same INTEGER */
		for (size_t j = 0; j < n; j++) {
			const uint8_t *a = e[i].serial, *b = e[j].serial;
			size_t la = HM_TC_SERIAL_LEN, lb = HM_TC_SERIAL_LEN;
			while (la > 1 && *a == 0)
				a++, la--;
			while (lb > 1 && *b == 0)
				b++, lb--;
			if (j != i && la == lb && memcmp(a, b, la) == 0)
				dup = 1;
		}
		rc = hm_tc_crl_find(der.data, der.len, e[i].serial, HM_TC_SERIAL_LEN, &reason);
		if (dup ? rc != HM_ERR_ENCODING : (rc != HM_OK || reason != e[i].reason))
			abort();
	}
	hm_buf_free(&der);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hm_buf pre;
	uint8_t reason;
	int pre_rc;

	if (size > 0)
		(void)hm_tc_crl_find(data, size, data, size < 20 ? size : 20, &reason);
	hm_buf_init(&pre);
	pre_rc = hm_tc_csr_pre_cri(data, size, &pre);
	if (pre_rc == HM_OK) {
		if (pre.len == 0 || pre.data[0] != 0x30 || pre.len > size)
			abort();
	} else if (pre.len != 0) {
		abort();
	}
	hm_buf_free(&pre);
	/* a proof can only verify over a preCRI that exists */
	if (hm_tc_csr_alt_verify(data, size) == HM_OK && pre_rc != HM_OK)
		abort();
	if (size > 0 && (data[0] & 1))
		build(data + 1, size - 1);
	(void)fuzz_ca();
	/* only the fuzz CA's own CRLs carry its signature; the input cannot */
	if (hm_tc_crl_alt_verify(data, size, HM_SIG_MLDSA87, ca_pk.data, ca_pk.len) == HM_OK &&
	    !(size > 0 && (data[0] & 1)))
		abort();
	return 0;
}
