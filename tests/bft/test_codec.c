/* SPDX-License-Identifier: Apache-2.0 */
/* Encodings of consensus objects: round trips and every refusal. */
#include "bft_fixture.h"
#include "hypermesh/hash.h"
#include "test.h"

static struct fx fx;

static struct hm_bft_msg *msg_new(void)
{
	struct hm_bft_msg *m = calloc(1, sizeof(*m));

	if (m == NULL)
		abort();
	return m;
}

/* Every strict prefix must be refused as truncated; one extra byte as trailing. */
static void check_refusals(const struct hm_buf *b)
{
	struct hm_bft_msg *m = msg_new();
	uint8_t *longer = malloc(b->len + 1);

	for (size_t n = 0; n < b->len; n++) {
		int rc = hm_bft_msg_decode(m, b->data, n);

		if (rc != HM_ERR_TRUNCATED && rc != HM_ERR_LENGTH) {
			fprintf(stderr, "prefix %zu of %zu decoded with %d\n", n, b->len, rc);
			CHECK(0);
			break;
		}
	}
	memcpy(longer, b->data, b->len);
	longer[b->len] = 0;
	CHECK_ERR(hm_bft_msg_decode(m, longer, b->len + 1), HM_ERR_TRAILING);
	free(longer);
	free(m);
}

static void roundtrip(const struct hm_bft_msg *m)
{
	struct hm_bft_msg *d = msg_new();
	struct hm_buf a, b;

	hm_buf_init(&a);
	hm_buf_init(&b);
	CHECK_ERR(hm_bft_msg_encode(&a, m), HM_OK);
	CHECK_ERR(hm_bft_msg_decode(d, a.data, a.len), HM_OK);
	CHECK_ERR(hm_bft_msg_encode(&b, d), HM_OK);
	CHECK_EQ(a.len, b.len);
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	check_refusals(&a);
	hm_buf_free(&a);
	hm_buf_free(&b);
	free(d);
}

static void make_block(struct hm_bft_block *b, struct hm_buf *payload)
{
	struct hm_bft_qc qc;
	uint8_t h[HM_BFT_HASH_LEN];

	hm_buf_truncate(payload, 0);
	CHECK_ERR(hm_put_vec(payload, 1, HM_BFT_TX_MAX, "tx-one", 6), HM_OK);
	CHECK_ERR(hm_put_vec(payload, 1, HM_BFT_TX_MAX, "tx-two!", 7), HM_OK);
	memset(h, 7, sizeof(h));
	fx_qc(&fx, &qc, 4, h, 0x7);
	fx_block(&fx, b, 6, 3, &qc, 1234);
	b->payload = payload->data;
	b->payload_len = payload->len;
	CHECK_ERR(hm_bft_payload_root(b->payload_root, b->payload, b->payload_len), HM_OK);
	b->has_tc = 1;
	fx_tc(&fx, &b->tc, 5, &qc, 0xb);
}

static void test_roundtrip_proposal(void)
{
	struct hm_bft_msg *m = msg_new();
	struct hm_buf payload;

	hm_buf_init(&payload);
	fx_init(&fx, 4);
	m->type = HM_BFT_MSG_PROPOSAL;
	make_block(&m->u.proposal.block, &payload);
	memset(m->u.proposal.sig, 0x42, HM_BFT_SIG_LEN);
	roundtrip(m);
	m->u.proposal.block.has_tc = 0;
	roundtrip(m);
	m->u.proposal.block.payload_len = 0;
	roundtrip(m);
	hm_buf_free(&payload);
	free(m);
}

static void test_roundtrip_others(void)
{
	struct hm_bft_msg *m = msg_new();
	struct hm_buf payload;
	uint8_t h[HM_BFT_HASH_LEN];

	hm_buf_init(&payload);
	fx_init(&fx, 4);
	memset(h, 3, sizeof(h));
	m->type = HM_BFT_MSG_VOTE;
	m->u.vote.view = 99;
	m->u.vote.voter = 2;
	memcpy(m->u.vote.block, h, sizeof(h));
	roundtrip(m);

	memset(m, 0, sizeof(*m));
	m->type = HM_BFT_MSG_TIMEOUT;
	m->u.timeout.view = 10;
	m->u.timeout.sender = 3;
	fx_qc(&fx, &m->u.timeout.high_qc, 7, h, 0xe);
	roundtrip(m);
	m->u.timeout.has_tc = 1;
	fx_tc(&fx, &m->u.timeout.last_tc, 9, &m->u.timeout.high_qc, 0xf);
	roundtrip(m);

	memset(m, 0, sizeof(*m));
	m->type = HM_BFT_MSG_BLOCK_REQUEST;
	memcpy(m->u.request.block, h, sizeof(h));
	m->u.request.requester = 1;
	roundtrip(m);

	memset(m, 0, sizeof(*m));
	m->type = HM_BFT_MSG_BLOCK_RESPONSE;
	make_block(&m->u.response, &payload);
	roundtrip(m);
	hm_buf_free(&payload);
	free(m);
}

static void test_refuse_type_and_tag(void)
{
	struct hm_bft_msg *m = msg_new();
	struct hm_buf b;
	uint8_t h[HM_BFT_HASH_LEN] = { 0 };
	static const uint8_t bad_types[] = { 0, 7, 0xff };

	hm_buf_init(&b);
	for (size_t i = 0; i < sizeof(bad_types); i++) {
		uint8_t t[1 + 34] = { bad_types[i] };

		CHECK_ERR(hm_bft_msg_decode(m, t, sizeof(t)), HM_ERR_INVALID);
	}
	CHECK_ERR(hm_bft_msg_decode(m, NULL, 0), HM_ERR_TRUNCATED);
	/* A timeout whose has_tc tag is 2. */
	fx_init(&fx, 4);
	m->type = HM_BFT_MSG_TIMEOUT;
	m->u.timeout.view = 2;
	fx_qc(&fx, &m->u.timeout.high_qc, 1, h, 0x7);
	CHECK_ERR(hm_bft_msg_encode(&b, m), HM_OK);
	b.data[b.len - 1] = 2;
	CHECK_ERR(hm_bft_msg_decode(m, b.data, b.len), HM_ERR_INVALID);
	/* Encoding refuses a type it does not know. */
	m->type = (enum hm_bft_msg_type)9;
	hm_buf_truncate(&b, 0);
	CHECK_ERR(hm_bft_msg_encode(&b, m), HM_ERR_INVALID);
	hm_buf_free(&b);
	free(m);
}

static void test_refuse_signers(void)
{
	struct hm_bft_qc qc, d;
	struct hm_buf b;
	uint8_t h[HM_BFT_HASH_LEN] = { 1 };

	fx_init(&fx, 4);
	hm_buf_init(&b);
	fx_qc(&fx, &qc, 3, h, 0x7);
	CHECK_ERR(hm_bft_qc_encode(&b, &qc), HM_OK);
	CHECK_ERR(hm_bft_qc_decode(&d, b.data, b.len), HM_OK);
	CHECK_EQ(d.nsigs, 3);
	/* Entries: uint16 signer, sig[64], pq_sig<0..2^16-1> (empty here: 68 bytes),
	 * after a 3-byte list length. Swap the first two signers: unsorted. */
	b.data[8 + 32 + 3 + 1] = 1;
	b.data[8 + 32 + 3 + 68 + 1] = 0;
	CHECK_ERR(hm_bft_qc_decode(&d, b.data, b.len), HM_ERR_INVALID);
	/* The same signer twice. */
	b.data[8 + 32 + 3 + 68 + 1] = 1;
	CHECK_ERR(hm_bft_qc_decode(&d, b.data, b.len), HM_ERR_INVALID);
	b.data[8 + 32 + 3 + 1] = 0;
	CHECK_ERR(hm_bft_qc_decode(&d, b.data, b.len), HM_OK);
	/* A signature list length that is not a whole number of entries. */
	b.data[8 + 32 + 2] -= 1;
	CHECK_ERR(hm_bft_qc_decode(&d, b.data, b.len - 1), HM_ERR_LENGTH);
	/* The encoder refuses unsorted and oversize lists. */
	qc.sigs[1].signer = 0;
	hm_buf_truncate(&b, 0);
	CHECK_ERR(hm_bft_qc_encode(&b, &qc), HM_ERR_INVALID);
	qc.nsigs = HM_BFT_MAX_VALIDATORS + 1;
	hm_buf_truncate(&b, 0);
	CHECK_ERR(hm_bft_qc_encode(&b, &qc), HM_ERR_INVALID);
	hm_buf_free(&b);
}

static void test_refuse_too_many_sigs(void)
{
	struct hm_bft_qc d;
	struct hm_buf b;
	size_t n = HM_BFT_MAX_VALIDATORS + 1;

	hm_buf_init(&b);
	CHECK_ERR(hm_put_u64(&b, 1), HM_OK);
	CHECK_ERR(hm_put_bytes(&b, (uint8_t[32]){ 0 }, 32), HM_OK);
	CHECK_ERR(hm_put_u8(&b, 0), HM_OK); /* the list length is 3 bytes */
	CHECK_ERR(hm_put_u16(&b, (uint16_t)(n * 68)), HM_OK);
	for (size_t i = 0; i < n; i++) {
		CHECK_ERR(hm_put_u16(&b, (uint16_t)i), HM_OK);
		CHECK_ERR(hm_put_bytes(&b, (uint8_t[64]){ 0 }, 64), HM_OK);
		CHECK_ERR(hm_put_u16(&b, 0), HM_OK);
	}
	CHECK_ERR(hm_bft_qc_decode(&d, b.data, b.len), HM_ERR_LENGTH);
	hm_buf_free(&b);
}

static void test_refuse_bad_payload(void)
{
	struct hm_bft_block blk, d;
	struct hm_buf payload, b;
	uint8_t root[HM_BFT_HASH_LEN];

	fx_init(&fx, 4);
	hm_buf_init(&payload);
	hm_buf_init(&b);
	make_block(&blk, &payload);
	/* A payload holding an empty transaction (tx<1..>). */
	payload.data[0] = 0;
	payload.data[1] = 0;
	blk.payload_len = 2;
	CHECK_ERR(hm_bft_block_encode(&b, &blk), HM_OK);
	CHECK_ERR(hm_bft_block_decode(&d, b.data, b.len), HM_ERR_LENGTH);
	CHECK_ERR(hm_bft_payload_root(root, payload.data, 2), HM_ERR_LENGTH);
	/* A payload whose last transaction is cut short. */
	hm_buf_truncate(&b, 0);
	make_block(&blk, &payload);
	blk.payload_len--;
	CHECK_ERR(hm_bft_block_encode(&b, &blk), HM_OK);
	CHECK_ERR(hm_bft_block_decode(&d, b.data, b.len), HM_ERR_LENGTH);
	hm_buf_free(&payload);
	hm_buf_free(&b);
}

static void test_payload_root(void)
{
	uint8_t root[HM_BFT_HASH_LEN], want[HM_BFT_HASH_LEN], l[3][32], n01[32];
	uint8_t node[65];
	struct hm_buf p;
	const char *txs[3] = { "a", "bb", "ccc" };

	hm_buf_init(&p);
	CHECK_ERR(hm_bft_payload_root(root, NULL, 0), HM_OK);
	hm_sha256(want, "", 0);
	CHECK_MEM(root, want, 32);
	for (int i = 0; i < 3; i++) {
		uint8_t leaf[4] = { 0 };

		memcpy(leaf + 1, txs[i], strlen(txs[i]));
		hm_sha256(l[i], leaf, 1 + strlen(txs[i]));
		CHECK_ERR(hm_put_vec(&p, 1, HM_BFT_TX_MAX, txs[i], strlen(txs[i])), HM_OK);
	}
	CHECK_ERR(hm_bft_payload_root(root, p.data, 3), HM_OK); /* one tx: its leaf */
	CHECK_MEM(root, l[0], 32);
	/* RFC 6962: MTH(a,b,c) = H(1 || H(1 || a || b) || c). */
	node[0] = 1;
	memcpy(node + 1, l[0], 32);
	memcpy(node + 33, l[1], 32);
	hm_sha256(n01, node, 65);
	memcpy(node + 1, n01, 32);
	memcpy(node + 33, l[2], 32);
	hm_sha256(want, node, 65);
	CHECK_ERR(hm_bft_payload_root(root, p.data, p.len), HM_OK);
	CHECK_MEM(root, want, 32);
	root[0] ^= 1;
	CHECK(memcmp(root, want, 32) != 0);
	hm_buf_free(&p);
}

static void test_evidence_codec(void)
{
	struct hm_bft_evidence e, d;
	struct hm_buf b;

	memset(&e, 0, sizeof(e));
	e.kind = HM_BFT_EVIDENCE_VOTE;
	e.validator = 2;
	e.view = 17;
	memset(e.hash1, 1, 32);
	memset(e.hash2, 2, 32);
	hm_buf_init(&b);
	CHECK_ERR(hm_bft_evidence_encode(&b, &e), HM_OK);
	CHECK_ERR(hm_bft_evidence_decode(&d, b.data, b.len), HM_OK);
	CHECK(memcmp(&d.hash2, e.hash2, 32) == 0 && d.view == 17 && d.validator == 2);
	CHECK_ERR(hm_bft_evidence_decode(&d, b.data, b.len - 1), HM_ERR_TRUNCATED);
	CHECK_ERR(hm_buf_append_byte(&b, 0), HM_OK);
	CHECK_ERR(hm_bft_evidence_decode(&d, b.data, b.len), HM_ERR_TRAILING);
	b.data[0] = 3;
	CHECK_ERR(hm_bft_evidence_decode(&d, b.data, b.len - 1), HM_ERR_INVALID);
	e.kind = (enum hm_bft_evidence_kind)0;
	CHECK_ERR(hm_bft_evidence_encode(&b, &e), HM_ERR_INVALID);
	hm_buf_free(&b);
}

static void test_block_hash_binds_fields(void)
{
	struct hm_bft_block b;
	struct hm_buf payload;
	uint8_t h0[32], h1[32];

	fx_init(&fx, 4);
	hm_buf_init(&payload);
	make_block(&b, &payload);
	hm_bft_block_hash(h0, fx.vs.chain_id, fx.vs.chain_id_len, &b);
	b.timestamp++;
	hm_bft_block_hash(h1, fx.vs.chain_id, fx.vs.chain_id_len, &b);
	CHECK(memcmp(h0, h1, 32) != 0);
	b.timestamp--;
	b.justify.view++;
	hm_bft_block_hash(h1, fx.vs.chain_id, fx.vs.chain_id_len, &b);
	CHECK(memcmp(h0, h1, 32) != 0);
	b.justify.view--;
	hm_bft_block_hash(h1, (const uint8_t *)"other-chain", 11, &b);
	CHECK(memcmp(h0, h1, 32) != 0);
	hm_bft_block_hash(h1, fx.vs.chain_id, fx.vs.chain_id_len, &b);
	CHECK_MEM(h0, h1, 32);
	hm_buf_free(&payload);
}

TEST_MAIN(test_roundtrip_proposal, test_roundtrip_others, test_refuse_type_and_tag,
          test_refuse_signers, test_refuse_too_many_sigs, test_refuse_bad_payload,
          test_payload_root, test_evidence_codec, test_block_hash_binds_fields)
