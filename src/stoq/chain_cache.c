/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cache of verified peer chains (cfg.trust_root). Verifying a
 * TrustChain chain costs both signatures at every link (Falcon-1024 and
 * Ed25519: ~3.3 ms for a node chain, on the loop thread), and a node sees
 * the same few chains again and again: its validators reconnect, RPC
 * clients come and go. A chain that verified is remembered by the SHA-256
 * of the root and the chain's certificates until the earliest notAfter
 * among them; a later handshake presenting the same bytes skips the
 * signatures. Only accepted chains are kept: a chain that failed is
 * verified in full every time. Revocation is never cached: the serials are
 * kept so that cfg.cert_revoked is asked at every handshake (tls.c).
 */
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain_cache.h"
#include "hypermesh/error.h"

int stoq_chain_digest(const uint8_t *root, size_t root_len, const uint8_t *const *der,
                      const size_t *len, size_t n, uint8_t out[HM_SHA256_LEN])
{
	gnutls_hash_hd_t h;
	uint8_t prefix[4];
	size_t i;

	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		return HM_ERR_CRYPTO;
	/* Each certificate behind its length: no two chains hash the same bytes. */
	for (i = 0; i <= n; i++) {
		const uint8_t *p = i == 0 ? root : der[i - 1];
		size_t l = i == 0 ? root_len : len[i - 1];

		prefix[0] = (uint8_t)(l >> 24);
		prefix[1] = (uint8_t)(l >> 16);
		prefix[2] = (uint8_t)(l >> 8);
		prefix[3] = (uint8_t)l;
		gnutls_hash(h, prefix, sizeof(prefix));
		gnutls_hash(h, p, l);
	}
	gnutls_hash_deinit(h, out);
	return HM_OK;
}

/* Validity and serial of one DER certificate. */
static int cert_info(const uint8_t *der, size_t len, uint64_t *not_before, uint64_t *not_after,
                     uint8_t serial[STOQ_SERIAL_MAX], uint8_t *serial_len)
{
	gnutls_datum_t in = { (unsigned char *)der, (unsigned int)len };
	gnutls_x509_crt_t crt = NULL;
	size_t slen = STOQ_SERIAL_MAX;
	time_t nb, na;
	int rc = HM_ERR_ENCODING;

	if (gnutls_x509_crt_init(&crt) < 0)
		return HM_ERR_NOMEM;
	if (gnutls_x509_crt_import(crt, &in, GNUTLS_X509_FMT_DER) < 0)
		goto out;
	nb = gnutls_x509_crt_get_activation_time(crt);
	na = gnutls_x509_crt_get_expiration_time(crt);
	if (nb == (time_t)-1 || na == (time_t)-1 || nb < 0 || na < 0)
		goto out;
	if (serial != NULL && gnutls_x509_crt_get_serial(crt, serial, &slen) < 0)
		goto out;
	*not_before = (uint64_t)nb;
	*not_after = (uint64_t)na;
	if (serial_len != NULL)
		*serial_len = (uint8_t)slen;
	rc = HM_OK;
out:
	gnutls_x509_crt_deinit(crt);
	return rc;
}

int stoq_chain_entry_make(struct stoq_chain_cache_entry *e, const uint8_t digest[HM_SHA256_LEN],
                          const uint8_t *root, size_t root_len, const uint8_t *const *der,
                          const size_t *len, size_t n)
{
	uint64_t nb, na;
	size_t i;
	int rc;

	if (n == 0 || n > HM_TC_CHAIN_MAX)
		return HM_ERR_INVALID;
	memset(e, 0, sizeof(*e));
	memcpy(e->digest, digest, HM_SHA256_LEN);
	rc = cert_info(root, root_len, &e->valid_from, &e->valid_until, NULL, NULL);
	for (i = 0; i < n && rc == HM_OK; i++) {
		rc = cert_info(der[i], len[i], &nb, &na, e->serial[i], &e->serial_len[i]);
		if (rc != HM_OK)
			break;
		if (nb > e->valid_from)
			e->valid_from = nb;
		if (na < e->valid_until)
			e->valid_until = na;
	}
	e->nserials = (unsigned)n;
	return rc;
}

int stoq_chain_cache_init(struct stoq_chain_cache *cache, size_t capacity)
{
	memset(cache, 0, sizeof(*cache));
	if (capacity == 0)
		return HM_OK;
	cache->entries = calloc(capacity, sizeof(*cache->entries));
	if (cache->entries == NULL)
		return HM_ERR_NOMEM;
	cache->capacity = capacity;
	return HM_OK;
}

void stoq_chain_cache_free(struct stoq_chain_cache *cache)
{
	free(cache->entries);
	memset(cache, 0, sizeof(*cache));
}

const struct stoq_chain_cache_entry *stoq_chain_cache_find(struct stoq_chain_cache *cache,
                                                           const uint8_t digest[HM_SHA256_LEN],
                                                           uint64_t now)
{
	size_t i;

	for (i = 0; i < cache->len; i++) {
		struct stoq_chain_cache_entry *e = &cache->entries[i];

		if (memcmp(e->digest, digest, HM_SHA256_LEN) != 0)
			continue;
		/* Out of its validity (expired, or the clock went back): verify again. */
		if (now < e->valid_from || now >= e->valid_until) {
			cache->entries[i] = cache->entries[--cache->len];
			return NULL;
		}
		e->last_used = ++cache->clock;
		return e;
	}
	return NULL;
}

const struct stoq_chain_cache_entry *stoq_chain_cache_store(struct stoq_chain_cache *cache,
                                                            const struct stoq_chain_cache_entry *e,
                                                            uint64_t now)
{
	struct stoq_chain_cache_entry *slot = NULL;
	size_t i;

	if (cache->capacity == 0)
		return e;
	/* A free slot, else an expired entry, else the least recently used. */
	if (cache->len < cache->capacity) {
		slot = &cache->entries[cache->len++];
	} else {
		for (i = 0; i < cache->len; i++) {
			struct stoq_chain_cache_entry *o = &cache->entries[i];

			if (now >= o->valid_until) {
				slot = o;
				break;
			}
			if (slot == NULL || o->last_used < slot->last_used)
				slot = o;
		}
	}
	*slot = *e;
	slot->last_used = ++cache->clock;
	return slot;
}
