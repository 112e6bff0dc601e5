/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hm_ed25519 (libsodium) against Nettle's ed25519_sha512_* (the reference,
 * the implementation it replaced), side by side in one run: public-key
 * derivation, signing and verification of LEN-byte messages. Microseconds
 * per call: medians of 5 alternating rounds, each the median of 31 batches.
 */
#include <nettle/eddsa.h>
#include <stdio.h>

#include "bench.h"
#include "hypermesh/ed25519.h"

static uint8_t sk[HM_ED25519_SK_LEN], pk[HM_ED25519_PK_LEN], sig[HM_ED25519_SIG_LEN];
static uint8_t msg[1024];
static size_t len;
static volatile int sink;

static void b_pk_hm(void *a)
{
	(void)a;
	hm_ed25519_public_key(pk, sk);
	sink ^= pk[0];
}

static void b_pk_nettle(void *a)
{
	(void)a;
	ed25519_sha512_public_key(pk, sk);
	sink ^= pk[0];
}

static void b_sign_hm(void *a)
{
	(void)a;
	hm_ed25519_sign(sig, sk, pk, msg, len);
	sink ^= sig[0];
}

static void b_sign_nettle(void *a)
{
	(void)a;
	ed25519_sha512_sign(pk, sk, len, msg, sig);
	sink ^= sig[0];
}

static void b_verify_hm(void *a)
{
	(void)a;
	sink ^= hm_ed25519_verify(sig, pk, msg, len) == 0;
}

static void b_verify_nettle(void *a)
{
	(void)a;
	sink ^= ed25519_sha512_verify(pk, len, msg, sig);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The two sides alternate over ROUNDS rounds and each reports the median of
 * its round medians, so a burst of load on the shared machine falls on both.
 */
#define ROUNDS 5

static void row(const char *op, void (*nettle)(void *), void (*ours)(void *), unsigned iters)
{
	double ns[ROUNDS], os[ROUNDS], n, o;

	for (int r = 0; r < ROUNDS; r++) {
		ns[r] = bench_median_ns(nettle, NULL, iters);
		os[r] = bench_median_ns(ours, NULL, iters);
	}
	qsort(ns, ROUNDS, sizeof(ns[0]), cmp_double);
	qsort(os, ROUNDS, sizeof(os[0]), cmp_double);
	n = ns[ROUNDS / 2] / 1000;
	o = os[ROUNDS / 2] / 1000;

	printf("%-10s %6zu %12.1f %12.1f %8.2fx\n", op, len, n, o, n / o);
}

int main(void)
{
	static const size_t lens[] = { 32, 256, 1024 };

	if (hm_ed25519_init() != 0) {
		fprintf(stderr, "bench_ed25519: libsodium failed to start\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(sk); i++)
		sk[i] = (uint8_t)(i * 7 + 1);
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 31 + 5);
	hm_ed25519_public_key(pk, sk);
	printf("ed25519, us per call; reference: nettle ed25519_sha512_*\n");
	printf("%-10s %6s %12s %12s %9s\n", "op", "LEN", "nettle", "libsodium", "speedup");
	len = 0;
	row("public_key", b_pk_nettle, b_pk_hm, 20);
	for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
		len = lens[l];
		row("sign", b_sign_nettle, b_sign_hm, 20);
		hm_ed25519_sign(sig, sk, pk, msg, len);
		if (hm_ed25519_verify(sig, pk, msg, len) != 0 ||
		    ed25519_sha512_verify(pk, len, msg, sig) != 1) {
			fprintf(stderr, "bench_ed25519: signature does not verify\n");
			return 2;
		}
		row("verify", b_verify_nettle, b_verify_hm, 20);
	}
	return 0;
}
