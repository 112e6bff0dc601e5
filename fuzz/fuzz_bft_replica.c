/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A replica fed arbitrary messages: the input is a sequence of
 * uint16 length || bytes records, each delivered at an increasing time, with
 * a timer tick between them. The replica must never crash, never output a
 * message it cannot decode itself, and never let its view or commits go back.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/bft.h"
#include "hypermesh/ed25519.h"
#include "hypermesh/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct store {
	struct hm_buf safety;
	uint64_t blocks;
};

static int save_safety(void *ctx, const uint8_t *p, size_t len)
{
	struct store *s = ctx;

	hm_buf_truncate(&s->safety, 0);
	return hm_buf_append(&s->safety, p, len);
}

static int load_safety(void *ctx, struct hm_buf *out)
{
	(void)ctx;
	(void)out;
	return HM_OK;
}

static int append_block(void *ctx, uint64_t height, const uint8_t *p, size_t len)
{
	struct store *s = ctx;

	(void)p;
	(void)len;
	if (height != s->blocks + 1)
		abort();
	s->blocks = height;
	return HM_OK;
}

static int load_block(void *ctx, uint64_t height, struct hm_buf *out)
{
	(void)ctx;
	(void)height;
	(void)out;
	return HM_ERR_NOT_FOUND;
}

static int put_block(void *ctx, const uint8_t hash[HM_BFT_HASH_LEN], const uint8_t *p, size_t len)
{
	(void)ctx;
	(void)hash;
	(void)p;
	(void)len;
	return HM_OK;
}

static int get_block(void *ctx, const uint8_t hash[HM_BFT_HASH_LEN], struct hm_buf *out)
{
	(void)ctx;
	(void)hash;
	(void)out;
	return HM_ERR_NOT_FOUND;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t sk[4][HM_BFT_SK_LEN], pks[4][HM_BFT_PK_LEN];
	struct hm_bft_validators vs;
	struct store st = { 0 };
	struct hm_bft_storage sto = { &st,        save_safety, load_safety, append_block,
		                      load_block, put_block,   get_block };
	struct hm_bft_config c;
	struct hm_bft_replica *r;
	struct hm_bft_msg *m = malloc(sizeof(*m));
	struct hm_bft_output o;
	struct hm_bft_status before, after;
	uint64_t now = 0;

	if (m == NULL)
		return 0;
	for (int i = 0; i < 4; i++) {
		memset(sk[i], 0x11 * (i + 1), HM_ED25519_SK_LEN);
		hm_ed25519_public_key(sk[i] + HM_ED25519_SK_LEN, sk[i]);
		memcpy(pks[i], sk[i] + HM_ED25519_SK_LEN, HM_BFT_PK_LEN);
	}
	if (hm_bft_validators_init(&vs, (const uint8_t *)"test-chain", 10, 4,
	                           (const uint8_t(*)[HM_BFT_PK_LEN])pks) != HM_OK)
		abort();
	memset(&c, 0, sizeof(c));
	c.validators = &vs;
	c.self = 0;
	c.sk = sk[0];
	c.storage = &sto;
	hm_buf_init(&st.safety);
	if (hm_bft_replica_new(&r, &c, 0) != HM_OK) {
		free(m);
		return 0;
	}
	while (size >= 2) {
		size_t len = (size_t)data[0] << 8 | data[1];

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		hm_bft_replica_status(r, &before);
		now += 100;
		(void)hm_bft_replica_on_message(r, data, len, now);
		(void)hm_bft_replica_on_timer(r, now);
		hm_bft_replica_status(r, &after);
		if (after.view < before.view || after.committed_height < before.committed_height ||
		    after.last_voted_view < before.last_voted_view)
			abort();
		while (hm_bft_replica_next_output(r, &o) == HM_OK) {
			if (o.kind == HM_BFT_OUT_SEND &&
			    hm_bft_msg_decode(m, o.data.data, o.data.len))
				abort();
			hm_buf_free(&o.data);
		}
		data += len;
		size -= len;
	}
	hm_bft_replica_del(r);
	hm_buf_free(&st.safety);
	free(m);
	return 0;
}
