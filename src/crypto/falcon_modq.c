/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Arithmetic in Z_q[x]/(x^n + 1), q = 12289: a negacyclic NTT (q - 1 is a
 * multiple of 2048, so x^n + 1 splits completely), the public key h = g/f,
 * the recomputation of G from (f, g, F), and HashToPoint.
 *
 * Every operation on secret values is branch-free: reductions use % by a
 * constant, which compilers turn into multiplications.
 */
#include <string.h>

#include "falcon_internal.h"
#include "hypermesh/secure.h"

/* 1945 has order 2048 mod q (a power of the generator 11). */
#define FALCON_PSI_2048 1945u

uint32_t falcon_mq_mul(uint32_t a, uint32_t b)
{
	return (a * b) % FALCON_Q;
}

/* a + b and a - b mod q for a, b < q, branch-free (no division). */
static uint32_t mq_add(uint32_t a, uint32_t b)
{
	uint32_t t = a + b;

	return t - (FALCON_Q & -(uint32_t)(t >= FALCON_Q));
}

static uint32_t mq_sub(uint32_t a, uint32_t b)
{
	uint32_t t = a + FALCON_Q - b;

	return t - (FALCON_Q & -(uint32_t)(t >= FALCON_Q));
}

static uint32_t mq_pow(uint32_t a, uint32_t e)
{
	uint32_t r = 1;

	/* e is public (a constant), so branching on its bits leaks nothing. */
	while (e) {
		if (e & 1)
			r = falcon_mq_mul(r, a);
		a = falcon_mq_mul(a, a);
		e >>= 1;
	}
	return r;
}

uint32_t falcon_mq_inv(uint32_t a)
{
	return mq_pow(a, FALCON_Q - 2);
}

static void bit_reverse(uint16_t *a, unsigned logn)
{
	size_t n = (size_t)1 << logn;

	for (size_t i = 0, j = 0; i < n; i++) {
		size_t bit;

		if (i < j) {
			uint16_t t = a[i];

			a[i] = a[j];
			a[j] = t;
		}
		for (bit = n >> 1; j & bit; bit >>= 1)
			j ^= bit;
		j |= bit;
	}
}

/* Cyclic NTT of length n with the primitive n-th root w (Cooley-Tukey, bit-reversed input). */
static void cyclic_ntt(uint16_t *a, unsigned logn, uint32_t w)
{
	size_t n = (size_t)1 << logn;
	uint16_t tw[FALCON_MAX_N / 2];

	/* tw[k] = w^k; the stage of length len uses every (n / len)-th one. */
	tw[0] = 1;
	for (size_t k = 1; k < n / 2; k++)
		tw[k] = (uint16_t)falcon_mq_mul(tw[k - 1], w);
	bit_reverse(a, logn);
	for (size_t len = 2, step = n / 2; len <= n; len <<= 1, step >>= 1) {
		for (size_t i = 0; i < n; i += len) {
			for (size_t j = 0; j < len / 2; j++) {
				uint32_t x = a[i + j];
				uint32_t y = falcon_mq_mul(a[i + j + len / 2], tw[j * step]);

				a[i + j] = (uint16_t)mq_add(x, y);
				a[i + j + len / 2] = (uint16_t)mq_sub(x, y);
			}
		}
	}
}

static uint32_t psi_for(unsigned logn)
{
	return mq_pow(FALCON_PSI_2048, 1u << (10 - logn));
}

void falcon_ntt(uint16_t *a, unsigned logn)
{
	size_t n = (size_t)1 << logn;
	uint32_t psi = psi_for(logn), z = 1;

	/* Twisting by psi^i turns the negacyclic product into a cyclic one. */
	for (size_t i = 0; i < n; i++) {
		a[i] = (uint16_t)falcon_mq_mul(a[i], z);
		z = falcon_mq_mul(z, psi);
	}
	cyclic_ntt(a, logn, falcon_mq_mul(psi, psi));
}

void falcon_intt(uint16_t *a, unsigned logn)
{
	size_t n = (size_t)1 << logn;
	uint32_t ipsi = falcon_mq_inv(psi_for(logn));
	uint32_t ni = falcon_mq_inv((uint32_t)n), z;

	cyclic_ntt(a, logn, falcon_mq_mul(ipsi, ipsi));
	z = ni;
	for (size_t i = 0; i < n; i++) {
		a[i] = (uint16_t)falcon_mq_mul(a[i], z);
		z = falcon_mq_mul(z, ipsi);
	}
}

static void small_to_modq(uint16_t *out, const int8_t *x, size_t n)
{
	/* x + q when x < 0, selected by a mask (the values are secret). */
	for (size_t u = 0; u < n; u++)
		out[u] = (uint16_t)((int32_t)x[u] + (FALCON_Q & -(int32_t)((uint8_t)x[u] >> 7)));
}

int falcon_compute_public(uint16_t *h, const int8_t *f, const int8_t *g, unsigned logn,
                          uint16_t *tmp)
{
	size_t n = (size_t)1 << logn;
	uint16_t *ft = tmp;
	uint32_t zero = 0;

	small_to_modq(ft, f, n);
	small_to_modq(h, g, n);
	falcon_ntt(ft, logn);
	falcon_ntt(h, logn);
	for (size_t u = 0; u < n; u++) {
		zero |= (uint32_t)(ft[u] == 0);
		h[u] = (uint16_t)falcon_mq_mul(h[u], falcon_mq_inv(ft[u]));
	}
	falcon_intt(h, logn);
	return !zero;
}

int falcon_complete_private(int8_t *G, const int8_t *f, const int8_t *g, const int8_t *F,
                            unsigned logn, uint16_t *tmp)
{
	size_t n = (size_t)1 << logn;
	uint16_t *t0 = tmp, *t1 = tmp + n;
	uint32_t bad = 0;

	/* fG - gF = q, so G = gF/f mod q, and G is small when the key is valid. */
	small_to_modq(t0, g, n);
	small_to_modq(t1, F, n);
	falcon_ntt(t0, logn);
	falcon_ntt(t1, logn);
	for (size_t u = 0; u < n; u++)
		t0[u] = (uint16_t)falcon_mq_mul(t0[u], t1[u]);
	small_to_modq(t1, f, n);
	falcon_ntt(t1, logn);
	/*
	 * Divide by NTT(f) with one inversion (Montgomery's trick): pre[u] is
	 * the product of t1[0..u], with zeros (f not invertible; the key is
	 * bad) replaced by 1 so the batch stays well defined, branch-free.
	 */
	{
		uint16_t pre[FALCON_MAX_N];
		uint32_t acc = 1, inv;

		for (size_t u = 0; u < n; u++) {
			uint32_t z = (uint32_t)(t1[u] == 0);

			bad |= z;
			t1[u] = (uint16_t)(t1[u] | z);
			acc = falcon_mq_mul(acc, t1[u]);
			pre[u] = (uint16_t)acc;
		}
		inv = falcon_mq_inv(acc);
		for (size_t u = n; u-- > 0;) {
			/* inv is 1 / (t1[0] ... t1[u]) here. */
			uint32_t iu = u ? falcon_mq_mul(inv, pre[u - 1]) : inv;

			inv = falcon_mq_mul(inv, t1[u]);
			t0[u] = (uint16_t)falcon_mq_mul(t0[u], iu);
		}
		hm_wipe(pre, sizeof(pre));
	}
	falcon_intt(t0, logn);
	for (size_t u = 0; u < n; u++) {
		int32_t w = t0[u];

		w -= FALCON_Q & -(int32_t)(w > FALCON_Q / 2);
		bad |= (uint32_t)(w < -127) | (uint32_t)(w > 127);
		G[u] = (int8_t)w;
	}
	return !bad;
}

void falcon_hash_to_point(struct hm_keccak *sc, uint16_t *c, unsigned logn)
{
	size_t n = (size_t)1 << logn, u = 0;

	/* Rejection sampling below 5q keeps t mod q uniform; the input is public. */
	while (u < n) {
		uint8_t buf[2];
		uint32_t t;

		hm_keccak_squeeze(sc, buf, 2);
		t = ((uint32_t)buf[0] << 8) | buf[1];
		if (t < 5 * FALCON_Q)
			c[u++] = (uint16_t)(t % FALCON_Q);
	}
}
