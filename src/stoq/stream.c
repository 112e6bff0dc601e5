/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE /* libuv headers need POSIX types (pthread_rwlock_t) */
/*
 * Streams: the send queue (chunks kept until acknowledged, since ngtcp2
 * retransmits from our memory) and the stream API. Received bytes are handed
 * to the owner as they arrive; the receive window is reopened as soon as the
 * owner's callback returns.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "stoq_internal.h"

int stoq_stream_new(struct hm_stoq_conn *c, int64_t id, struct hm_stoq_stream **out)
{
	struct hm_stoq_stream *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return HM_ERR_NOMEM;
	s->conn = c;
	s->id = id;
	s->next = c->streams;
	c->streams = s;
	*out = s;
	return HM_OK;
}

void stoq_stream_free(struct hm_stoq_stream *s)
{
	struct stoq_chunk *ch, *next;

	if (s == NULL)
		return;
	for (ch = s->head; ch != NULL; ch = next) {
		next = ch->next;
		free(ch);
	}
	hm_buf_free(&s->rx_rec);
	stoq_rec_rx_free(&s->rec_rx);
	free(s);
}

/* Only the initiator sends on a unidirectional stream; bit 0 of the id names it. */
static int stream_can_send(const struct hm_stoq_stream *s)
{
	if ((s->id & 0x2) == 0)
		return 1;
	return (int)(s->id & 0x1) == s->conn->is_server;
}

int stoq_stream_write_pending(struct hm_stoq_stream *s)
{
	if (s->closed || s->reset || s->blocked)
		return 0;
	return s->sent < s->queued || (s->fin_queued && !s->fin_sent);
}

size_t stoq_stream_unsent(const struct hm_stoq_stream *s, ngtcp2_vec *vec, size_t n)
{
	const struct stoq_chunk *ch = s->send_chunk;
	size_t i = 0;

	while (ch != NULL && i < n) {
		uint64_t skip = s->sent > ch->offset ? s->sent - ch->offset : 0;

		vec[i].base = (uint8_t *)ch->data + skip;
		vec[i].len = ch->len - (size_t)skip;
		i++;
		ch = ch->next;
	}
	return i;
}

void stoq_stream_advance(struct hm_stoq_stream *s, size_t n, int fin)
{
	s->sent += n;
	while (s->send_chunk != NULL && s->send_chunk->offset + s->send_chunk->len <= s->sent)
		s->send_chunk = s->send_chunk->next;
	/* ngtcp2 writes the FIN only together with the last byte. */
	if (fin && s->sent == s->queued)
		s->fin_sent = 1;
}

/* Returns an acknowledged chunk to the endpoint's pool, or to the allocator if it is full. */
static void chunk_release(struct hm_stoq_endpoint *ep, struct stoq_chunk *ch)
{
	if (ch->cap > STOQ_POOL_CHUNK_MAX || ep->chunk_pool_len == STOQ_POOL_CHUNKS ||
	    ep->chunk_pool_bytes + ch->cap > STOQ_POOL_BYTES) {
		free(ch);
		return;
	}
	ch->next = ep->chunk_pool;
	ep->chunk_pool = ch;
	ep->chunk_pool_len++;
	ep->chunk_pool_bytes += ch->cap;
}

/* A pooled chunk with room for len bytes and not much more, or NULL. */
static struct stoq_chunk *chunk_reuse(struct hm_stoq_endpoint *ep, size_t len)
{
	struct stoq_chunk **pp, *ch;

	for (pp = &ep->chunk_pool; (ch = *pp) != NULL; pp = &ch->next) {
		if (ch->cap < len || ch->cap > 2 * len + 4096)
			continue;
		*pp = ch->next;
		ep->chunk_pool_len--;
		ep->chunk_pool_bytes -= ch->cap;
		return ch;
	}
	return NULL;
}

void stoq_stream_pool_free(struct hm_stoq_endpoint *ep)
{
	struct stoq_chunk *ch;

	while ((ch = ep->chunk_pool) != NULL) {
		ep->chunk_pool = ch->next;
		free(ch);
	}
	ep->chunk_pool_len = ep->chunk_pool_bytes = 0;
}

void stoq_stream_acked(struct hm_stoq_stream *s, uint64_t offset, uint64_t len)
{
	struct stoq_chunk *ch;

	if (offset + len > s->acked)
		s->acked = offset + len;
	while ((ch = s->head) != NULL && ch->offset + ch->len <= s->acked && ch != s->send_chunk) {
		s->head = ch->next;
		if (s->head == NULL)
			s->tail = NULL;
		chunk_release(s->conn->ep, ch);
	}
	if (s->acked == s->queued && s->adopted && !s->closed && s->cb.on_drained != NULL)
		s->cb.on_drained(s, s->user);
}

int hm_stoq_stream_open(struct hm_stoq_conn *c, int uni, const struct hm_stoq_stream_callbacks *cb,
                        void *user, struct hm_stoq_stream **out)
{
	struct hm_stoq_stream *s;
	int64_t id;
	int rv, rc;

	if (c == NULL || !hm_stoq_conn_is_ready(c))
		return HM_ERR_INVALID;
	rc = stoq_stream_new(c, -1, &s);
	if (rc != HM_OK)
		return rc;
	rv = uni ? ngtcp2_conn_open_uni_stream(c->qc, &id, s)
	         : ngtcp2_conn_open_bidi_stream(c->qc, &id, s);
	if (rv != 0) {
		/* Not yet known to ngtcp2: take it back off the list at once. */
		s->closed = 1;
		return rv == NGTCP2_ERR_STREAM_ID_BLOCKED ? HM_ERR_TOO_LARGE : HM_ERR_NOMEM;
	}
	s->id = id;
	hm_stoq_stream_set_callbacks(s, cb, user);
	if (out != NULL)
		*out = s;
	return HM_OK;
}

void hm_stoq_stream_set_callbacks(struct hm_stoq_stream *s,
                                  const struct hm_stoq_stream_callbacks *cb, void *user)
{
	if (cb != NULL)
		s->cb = *cb;
	else
		memset(&s->cb, 0, sizeof(s->cb));
	s->user = user;
	s->adopted = 1;
}

int stoq_stream_queue(struct hm_stoq_stream *s, const uint8_t *data, size_t len, uint8_t **out)
{
	struct stoq_chunk *ch;

	ch = chunk_reuse(s->conn->ep, len);
	if (ch == NULL) {
		ch = malloc(sizeof(*ch) + len);
		if (ch == NULL)
			return HM_ERR_NOMEM;
		ch->cap = len;
	}
	ch->next = NULL;
	ch->offset = s->queued;
	ch->len = len;
	if (data != NULL)
		memcpy(ch->data, data, len);
	if (s->tail != NULL)
		s->tail->next = ch;
	else
		s->head = ch;
	s->tail = ch;
	if (s->send_chunk == NULL)
		s->send_chunk = ch;
	s->queued += len;
	if (out != NULL)
		*out = ch->data;
	return HM_OK;
}

int hm_stoq_stream_write(struct hm_stoq_stream *s, const void *data, size_t len, int fin)
{
	int rc;

	if (s == NULL || s->closed || s->reset || s->fin_queued || !stream_can_send(s) ||
	    (data == NULL && len > 0))
		return HM_ERR_INVALID;
	if (len > HM_BUF_MAX)
		return HM_ERR_TOO_LARGE;
	if (s->conn->pq && !s->plain) {
		/* Application bytes travel only as records under the PQ keys. */
		rc = stoq_pq_stream_seal(s, data, len, fin);
		if (rc != HM_OK)
			return rc;
	} else if (len > 0) {
		rc = stoq_stream_queue(s, data, len, NULL);
		if (rc != HM_OK)
			return rc;
	}
	if (fin)
		s->fin_queued = 1;
	stoq_conn_kick(s->conn);
	return HM_OK;
}

uint64_t hm_stoq_stream_buffered(const struct hm_stoq_stream *s)
{
	return s->queued - s->acked;
}

void hm_stoq_stream_reset(struct hm_stoq_stream *s, uint64_t app_code)
{
	if (s == NULL || s->closed || s->reset)
		return;
	s->reset = 1;
	(void)ngtcp2_conn_shutdown_stream(s->conn->qc, s->id, app_code);
	stoq_conn_kick(s->conn);
}

int64_t hm_stoq_stream_id(const struct hm_stoq_stream *s)
{
	return s->id;
}

struct hm_stoq_conn *hm_stoq_stream_conn(const struct hm_stoq_stream *s)
{
	return s->conn;
}

int hm_stoq_stream_is_uni(const struct hm_stoq_stream *s)
{
	return (s->id & 0x2) != 0;
}
