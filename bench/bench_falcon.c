/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Falcon key generation, and signing with and without an expanded key, side
 * by side with the published figures for the round-3 reference code
 * (Falcon-1024 on an i5-8259U with turbo off: keygen 27.45 ms, 2,913
 * signatures/s), which we cannot run here.
 */
#include <stdio.h>

#include "bench.h"
#include "hypermesh/error.h"
#include "hypermesh/falcon.h"

struct sign_ctx {
	unsigned logn;
	uint8_t pk[HM_FALCON_MAX_PK_LEN], sk[HM_FALCON_MAX_SK_LEN];
	struct hm_falcon_expanded *ek;
	int failed;
};

static const char msg[] = "HyperMesh Falcon benchmark message";

static void sign_plain(void *arg)
{
	struct sign_ctx *c = arg;
	uint8_t sig[HM_FALCON_MAX_SIG_LEN];
	size_t len = sizeof(sig);

	c->failed |= hm_falcon_sign(c->logn, sig, &len, c->sk, HM_FALCON_SK_LEN(c->logn), msg,
	                            sizeof(msg), NULL) != HM_OK;
}

/* Fresh key pairs from the system CSPRNG: the median includes rejected candidates. */
static void keygen(void *arg)
{
	struct sign_ctx *c = arg;

	c->failed |= hm_falcon_keygen(c->logn, c->pk, c->sk, NULL) != HM_OK;
}

static void sign_expanded(void *arg)
{
	struct sign_ctx *c = arg;
	uint8_t sig[HM_FALCON_MAX_SIG_LEN];
	size_t len = sizeof(sig);

	c->failed |= hm_falcon_sign_expanded(c->ek, sig, &len, msg, sizeof(msg), NULL) != HM_OK;
}

int main(void)
{
	static struct sign_ctx c;

	printf("| parameter set | keygen (median) | reference |\n|---|---:|---:|\n");
	for (unsigned logn = 9; logn <= 10; logn++) {
		c.logn = logn;
		printf("| Falcon-%u | %.2f ms | %s |\n", 1u << logn,
		       bench_median_ns(keygen, &c, 5) / 1e6,
		       logn == 10 ? "27.45 ms (published)" : "—");
	}
	printf("\n");
	printf("| parameter set | sign (from sk) | sign (expanded key) | ratio | reference |\n");
	printf("|---|---:|---:|---:|---:|\n");
	for (unsigned logn = 9; logn <= 10; logn++) {
		double plain, expanded;

		c.logn = logn;
		if (hm_falcon_keygen(logn, c.pk, c.sk, NULL) != HM_OK ||
		    hm_falcon_expand(logn, c.sk, HM_FALCON_SK_LEN(logn), &c.ek) != HM_OK) {
			fprintf(stderr, "bench_falcon: key setup failed\n");
			return 2;
		}
		plain = bench_median_ns(sign_plain, &c, 20);
		expanded = bench_median_ns(sign_expanded, &c, 20);
		hm_falcon_expanded_free(c.ek);
		printf("| Falcon-%u | %.0f/s | %.0f/s | %.2fx | %s |\n", 1u << logn, 1e9 / plain,
		       1e9 / expanded, plain / expanded, logn == 10 ? "2,913/s (published)" : "—");
	}
	if (c.failed) {
		fprintf(stderr, "bench_falcon: a signature failed\n");
		return 2;
	}
	return 0;
}
