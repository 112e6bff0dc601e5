/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE /* libuv headers need POSIX types (pthread_rwlock_t) */
/*
 * RPC over STOQ streams. A call is one bidirectional stream: the client
 * writes a REQUEST frame and FIN, the server answers with one RESPONSE or
 * ERROR frame and FIN. A one-way message is one ONEWAY frame on a
 * unidirectional stream. Cancelling resets the stream. Frames are buffered
 * whole (bounded by max_body), which is what lets the transport reopen flow
 * control windows as soon as bytes arrive. A broadcast sends one ONEWAY
 * frame, encoded once, to many peers, window by window.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/log.h"
#include "stoq_internal.h"

struct hm_stoq_rpc_call {
	struct hm_stoq_conn *conn;
	struct hm_stoq_rpc_call *next_pending; /* in conn->pending_calls */
	int pending;                           /* waiting for a stream */
	struct hm_buf frame;                   /* the request, until its stream opens */
	struct hm_stoq_stream *stream;
	hm_stoq_rpc_reply_cb cb;
	void *user;
	uint64_t id;
	size_t max_body;
	struct hm_buf in;
	uv_timer_t deadline;
	int done;
};

struct hm_stoq_rpc_server {
	struct hm_stoq_stream *stream;
	const struct hm_stoq_rpc_service *svc;
	struct hm_buf in;
	struct hm_stoq_frame req; /* names point into in */
	int handled;              /* a frame was taken: nothing may follow */
	int responded;
	int refusing; /* answered TOO_LARGE: drop the rest of the body */
	int depth;    /* inside on_data: freeing waits */
	int dead;     /* the stream is gone */
};

static size_t effective_max(size_t max_body)
{
	if (max_body == 0)
		return HM_STOQ_RPC_DEFAULT_MAX_BODY;
	return max_body > HM_STOQ_RPC_MAX_BODY ? HM_STOQ_RPC_MAX_BODY : max_body;
}

/* ---- client ---- */

static void call_freed(uv_handle_t *h)
{
	struct hm_stoq_rpc_call *call = h->data;

	hm_buf_free(&call->in);
	hm_buf_free(&call->frame);
	free(call);
}

/* Takes a waiting call off its connection's queue and releases it. */
static void call_drop_pending(struct hm_stoq_rpc_call *call)
{
	struct hm_stoq_rpc_call **pp;

	for (pp = &call->conn->pending_calls; *pp != NULL; pp = &(*pp)->next_pending) {
		if (*pp == call) {
			*pp = call->next_pending;
			break;
		}
	}
	call->pending = 0;
	uv_close((uv_handle_t *)&call->deadline, call_freed);
}

/* Delivers the outcome once, unless cancelled (then cb is NULL). */
static void call_finish(struct hm_stoq_rpc_call *call, int err, const uint8_t *body, size_t len,
                        const uint8_t *msg, size_t msg_len)
{
	if (call->done)
		return;
	call->done = 1;
	uv_timer_stop(&call->deadline);
	if (call->cb != NULL)
		call->cb(call, err, body, len, msg, msg_len, call->user);
}

static void call_on_data(struct hm_stoq_stream *s, const uint8_t *data, size_t len, int fin,
                         void *user)
{
	struct hm_stoq_rpc_call *call = user;
	struct hm_stoq_frame f;
	const uint8_t *msg;
	size_t consumed, msg_len;
	int rc, code;

	if (call->done)
		return;
	if (hm_buf_append(&call->in, data, len) != HM_OK) {
		call_finish(call, HM_ERR_NOMEM, NULL, 0, NULL, 0);
		hm_stoq_stream_reset(s, HM_STOQ_APP_CANCELLED);
		return;
	}
	rc = hm_stoq_frame_decode(call->in.data, call->in.len, call->max_body, &f, &consumed);
	if (rc == HM_ERR_TRUNCATED && !fin)
		return;
	if (rc == HM_OK && consumed != call->in.len)
		rc = HM_ERR_TRAILING;
	if (rc == HM_OK && f.request_id != call->id)
		rc = HM_ERR_CORRUPT;
	if (rc == HM_OK && f.type == HM_STOQ_FRAME_RESPONSE) {
		call_finish(call, HM_OK, f.body, f.body_len, NULL, 0);
		return;
	}
	if (rc == HM_OK && f.type == HM_STOQ_FRAME_ERROR &&
	    hm_stoq_error_body_decode(f.body, f.body_len, &code, &msg, &msg_len) == HM_OK) {
		call_finish(call, code, NULL, 0, msg, msg_len);
		return;
	}
	call_finish(call, rc == HM_ERR_TOO_LARGE ? HM_ERR_TOO_LARGE : HM_ERR_CORRUPT, NULL, 0, NULL,
	            0);
	hm_stoq_stream_reset(s,
	                     rc == HM_ERR_TOO_LARGE ? HM_STOQ_APP_TOO_LARGE : HM_STOQ_APP_PROTOCOL);
}

static void call_on_close(struct hm_stoq_stream *s, int err, uint64_t app_code, void *user)
{
	struct hm_stoq_rpc_call *call = user;

	(void)s;
	(void)err;
	(void)app_code;
	call_finish(call, HM_ERR_IO, NULL, 0, NULL, 0);
	call->stream = NULL;
	uv_close((uv_handle_t *)&call->deadline, call_freed);
}

static void call_on_deadline(uv_timer_t *t)
{
	struct hm_stoq_rpc_call *call = t->data;

	call_finish(call, HM_ERR_IO, NULL, 0, NULL, 0);
	if (call->pending)
		call_drop_pending(call);
	else if (call->stream != NULL)
		hm_stoq_stream_reset(call->stream, HM_STOQ_APP_CANCELLED);
}

static const struct hm_stoq_stream_callbacks call_callbacks = {
	.on_data = call_on_data,
	.on_close = call_on_close,
};

static int frame_names(struct hm_stoq_frame *f, const char *service, const char *method)
{
	if (service == NULL || method == NULL)
		return HM_ERR_INVALID;
	f->service = (const uint8_t *)service;
	f->service_len = strlen(service);
	f->method = (const uint8_t *)method;
	f->method_len = strlen(method);
	return HM_OK;
}

/* Opens the call's stream and sends the request. HM_ERR_TOO_LARGE: no stream credit yet. */
static int call_send(struct hm_stoq_rpc_call *call)
{
	int rc = hm_stoq_stream_open(call->conn, 0, &call_callbacks, call, &call->stream);

	if (rc != HM_OK)
		return rc;
	rc = hm_stoq_stream_write(call->stream, call->frame.data, call->frame.len, 1);
	hm_buf_free(&call->frame);
	if (rc != HM_OK) {
		/* The stream exists: its on_close releases the call, silently. */
		call->done = 1;
		hm_stoq_stream_reset(call->stream, HM_STOQ_APP_CANCELLED);
	}
	return rc;
}

static void bcast_flush_waiting(struct hm_stoq_conn *c);
static void bcast_conn_closed(struct hm_stoq_conn *c);

void stoq_rpc_flush_pending(struct hm_stoq_conn *c)
{
	struct hm_stoq_rpc_call *call;
	int rc;

	if (!hm_stoq_conn_is_ready(c))
		return;
	bcast_flush_waiting(c);

	while ((call = c->pending_calls) != NULL) {
		rc = hm_stoq_stream_open(c, 0, &call_callbacks, call, &call->stream);
		if (rc == HM_ERR_TOO_LARGE)
			return;
		c->pending_calls = call->next_pending;
		call->pending = 0;
		if (rc != HM_OK) {
			call_finish(call, rc, NULL, 0, NULL, 0);
			uv_close((uv_handle_t *)&call->deadline, call_freed);
			continue;
		}
		rc = hm_stoq_stream_write(call->stream, call->frame.data, call->frame.len, 1);
		hm_buf_free(&call->frame);
		if (rc != HM_OK) {
			call_finish(call, rc, NULL, 0, NULL, 0);
			hm_stoq_stream_reset(call->stream, HM_STOQ_APP_CANCELLED);
		}
	}
}

void stoq_rpc_conn_closed(struct hm_stoq_conn *c)
{
	struct hm_stoq_rpc_call *call;

	bcast_conn_closed(c);
	while ((call = c->pending_calls) != NULL) {
		call_finish(call, HM_ERR_IO, NULL, 0, NULL, 0);
		call_drop_pending(call);
	}
}

int hm_stoq_rpc_call(struct hm_stoq_conn *c, const struct hm_stoq_rpc_request *req,
                     hm_stoq_rpc_reply_cb cb, void *user, struct hm_stoq_rpc_call **out)
{
	struct hm_stoq_rpc_call *call;
	struct hm_stoq_rpc_call **tail;
	struct hm_stoq_frame f;
	int rc;

	if (c == NULL || req == NULL || cb == NULL || !hm_stoq_conn_is_ready(c))
		return HM_ERR_INVALID;
	memset(&f, 0, sizeof(f));
	rc = frame_names(&f, req->service, req->method);
	if (rc != HM_OK)
		return rc;
	f.type = HM_STOQ_FRAME_REQUEST;
	f.request_id = c->next_request_id;
	f.deadline_ms = req->deadline_ms;
	f.body = req->body;
	f.body_len = req->body_len;
	call = calloc(1, sizeof(*call));
	if (call == NULL)
		return HM_ERR_NOMEM;
	hm_buf_init(&call->frame);
	hm_buf_init(&call->in);
	rc = hm_stoq_frame_encode(&f, &call->frame);
	if (rc != HM_OK) {
		free(call);
		return rc;
	}
	call->conn = c;
	call->cb = cb;
	call->user = user;
	call->id = f.request_id;
	call->max_body = effective_max(req->max_body);
	uv_timer_init(c->ep->loop, &call->deadline);
	call->deadline.data = call;
	/* Calls keep their order: while some wait for a stream, new ones queue too. */
	rc = c->pending_calls != NULL ? HM_ERR_TOO_LARGE : call_send(call);
	if (rc == HM_ERR_TOO_LARGE && call->stream == NULL) {
		/* The peer's stream limit: wait for it to grant more (MAX_STREAMS). */
		for (tail = &c->pending_calls; *tail != NULL; tail = &(*tail)->next_pending)
			;
		*tail = call;
		call->pending = 1;
		rc = HM_OK;
	}
	if (rc != HM_OK) {
		/* With a stream, its on_close releases the call; without, release it here. */
		if (call->stream == NULL) {
			call->done = 1;
			uv_close((uv_handle_t *)&call->deadline, call_freed);
		}
		return rc;
	}
	c->next_request_id++;
	if (req->deadline_ms > 0) {
		/* The loop's clock is cached per iteration: refresh it, or the
		 * deadline counts from a moment already past. */
		uv_update_time(c->ep->loop);
		uv_timer_start(&call->deadline, call_on_deadline, req->deadline_ms, 0);
	}
	if (out != NULL)
		*out = call;
	return HM_OK;
}

void hm_stoq_rpc_cancel(struct hm_stoq_rpc_call *call)
{
	if (call == NULL || call->done)
		return;
	call->cb = NULL;
	call_finish(call, HM_ERR_IO, NULL, 0, NULL, 0);
	if (call->pending)
		call_drop_pending(call);
	else if (call->stream != NULL)
		hm_stoq_stream_reset(call->stream, HM_STOQ_APP_CANCELLED);
}

uint64_t hm_stoq_rpc_call_id(const struct hm_stoq_rpc_call *call)
{
	return call->id;
}

int hm_stoq_rpc_send_oneway(struct hm_stoq_conn *c, const char *service, const char *method,
                            const void *body, size_t len)
{
	struct hm_stoq_stream *s;
	struct hm_stoq_frame f;
	struct hm_buf frame;
	int rc;

	if (c == NULL || !hm_stoq_conn_is_ready(c))
		return HM_ERR_INVALID;
	memset(&f, 0, sizeof(f));
	rc = frame_names(&f, service, method);
	if (rc != HM_OK)
		return rc;
	f.type = HM_STOQ_FRAME_ONEWAY;
	f.request_id = c->next_request_id;
	f.body = body;
	f.body_len = len;
	hm_buf_init(&frame);
	rc = hm_stoq_frame_encode(&f, &frame);
	if (rc == HM_OK)
		rc = hm_stoq_stream_open(c, 1, NULL, NULL, &s);
	if (rc == HM_OK) {
		c->next_request_id++;
		rc = hm_stoq_stream_write(s, frame.data, frame.len, 1);
		if (rc != HM_OK)
			hm_stoq_stream_reset(s, HM_STOQ_APP_CANCELLED);
	}
	hm_buf_free(&frame);
	return rc;
}

/* ---- broadcast ---- */

enum bcast_state {
	BCAST_WAITING = 1, /* for a connection to be ready, or for stream credit */
	BCAST_SENDING,     /* on its stream, window by window */
	BCAST_FINISHED,    /* the outcome is recorded */
};

struct stoq_bcast_peer {
	struct hm_stoq_broadcast *b;
	size_t index;
	uint8_t node_id[HM_NODE_ID_LEN];
	enum bcast_state state;
	int result;
	int reported;
	struct hm_stoq_conn *conn;         /* while waiting */
	struct stoq_bcast_peer *next_wait; /* in conn->bcast_waiting */
	struct hm_stoq_stream *stream;     /* while sending */
	size_t queued;                     /* bytes of the frame handed to the stream */
};

struct hm_stoq_broadcast {
	struct hm_stoq_endpoint *ep;
	struct hm_buf frame; /* the one encoding every peer's stream is fed from */
	struct stoq_bcast_peer *peers;
	size_t npeers, finished, delivered;
	hm_stoq_broadcast_peer_cb on_peer;
	hm_stoq_broadcast_done_cb on_done;
	void *user;
	uv_timer_t timer; /* the deadline, or first 0 ms to report outcomes known at once */
	uint32_t timeout_ms;
	int report_first; /* the timer's next expiry reports, then arms the deadline */
	int settling, resettle, done;
};

static void bcast_settle(struct hm_stoq_broadcast *b);

static void bcast_freed(uv_handle_t *h)
{
	struct hm_stoq_broadcast *b = h->data;

	hm_buf_free(&b->frame);
	free(b->peers);
	free(b);
}

static void bcast_unwait(struct stoq_bcast_peer *p)
{
	struct stoq_bcast_peer **pp;

	if (p->conn == NULL)
		return;
	for (pp = &p->conn->bcast_waiting; *pp != NULL; pp = &(*pp)->next_wait) {
		if (*pp == p) {
			*pp = p->next_wait;
			break;
		}
	}
	p->conn = NULL;
	p->next_wait = NULL;
}

/* Records p's outcome once and lets go of its connection and stream. */
static void bcast_finish(struct stoq_bcast_peer *p, int err)
{
	struct hm_stoq_stream *s = p->stream;

	if (p->state == BCAST_FINISHED)
		return;
	bcast_unwait(p);
	p->stream = NULL;
	p->state = BCAST_FINISHED;
	p->result = err;
	p->b->finished++;
	if (err == HM_OK)
		p->b->delivered++;
	if (s != NULL) {
		/* The stream may outlive the broadcast: it must not call back into it. */
		hm_stoq_stream_set_callbacks(s, NULL, NULL);
		if (err != HM_OK)
			hm_stoq_stream_reset(s, HM_STOQ_APP_CANCELLED);
	}
	bcast_settle(p->b);
}

/* Hands the stream the next window of the frame, FIN with the last one. */
static void bcast_feed(struct stoq_bcast_peer *p)
{
	const struct hm_buf *f = &p->b->frame;
	size_t n = f->len - p->queued;
	int rc;

	if (n > HM_STOQ_BROADCAST_WINDOW)
		n = HM_STOQ_BROADCAST_WINDOW;
	rc = hm_stoq_stream_write(p->stream, f->data + p->queued, n, p->queued + n == f->len);
	if (rc != HM_OK) {
		bcast_finish(p, rc);
		return;
	}
	p->queued += n;
}

static void bcast_on_drained(struct hm_stoq_stream *s, void *user)
{
	struct stoq_bcast_peer *p = user;

	(void)s;
	if (p->queued == p->b->frame.len)
		bcast_finish(p, HM_OK);
	else
		bcast_feed(p);
}

static void bcast_on_close(struct hm_stoq_stream *s, int err, uint64_t app_code, void *user)
{
	struct stoq_bcast_peer *p = user;

	(void)s;
	(void)app_code;
	p->stream = NULL; /* gone: nothing to detach */
	bcast_finish(p, err != HM_OK ? err : HM_ERR_IO);
}

static const struct hm_stoq_stream_callbacks bcast_callbacks = {
	.on_drained = bcast_on_drained,
	.on_close = bcast_on_close,
};

/* Opens p's stream on its ready connection; 0 when it must wait for stream credit. */
static int bcast_start(struct stoq_bcast_peer *p, struct hm_stoq_conn *c)
{
	int rc = hm_stoq_stream_open(c, 1, &bcast_callbacks, p, &p->stream);

	if (rc == HM_ERR_TOO_LARGE)
		return 0;
	if (rc != HM_OK) {
		bcast_finish(p, rc);
		return 1;
	}
	c->next_request_id++; /* one-way messages count like every frame */
	p->state = BCAST_SENDING;
	bcast_feed(p);
	return 1;
}

static void bcast_wait_on(struct stoq_bcast_peer *p, struct hm_stoq_conn *c)
{
	struct stoq_bcast_peer **tail;

	for (tail = &c->bcast_waiting; *tail != NULL; tail = &(*tail)->next_wait)
		;
	*tail = p;
	p->conn = c;
	p->state = BCAST_WAITING;
	stoq_conn_kick(c);
}

static void bcast_flush_waiting(struct hm_stoq_conn *c)
{
	struct stoq_bcast_peer *p;

	while ((p = c->bcast_waiting) != NULL) {
		c->bcast_waiting = p->next_wait;
		p->conn = NULL;
		p->next_wait = NULL;
		if (!bcast_start(p, c)) {
			/* Out of stream credit: back to the head, in order. */
			p->next_wait = c->bcast_waiting;
			c->bcast_waiting = p;
			p->conn = c;
			return;
		}
	}
}

static void bcast_conn_closed(struct hm_stoq_conn *c)
{
	struct stoq_bcast_peer *p;
	int err = c->local_err != HM_OK   ? c->local_err
	          : c->close_err != HM_OK ? c->close_err
	                                  : HM_ERR_IO;

	while ((p = c->bcast_waiting) != NULL)
		bcast_finish(p, err);
}

/*
 * A ready connection to node_id if there is one (the newest: the list is
 * kept newest first, and a peer that reconnected uses its new connection),
 * else one still handshaking towards it; NULL if neither.
 */
static struct hm_stoq_conn *bcast_find_conn(struct hm_stoq_endpoint *ep,
                                            const uint8_t node_id[HM_NODE_ID_LEN])
{
	struct hm_stoq_conn *c, *pending = NULL;

	for (c = ep->conns; c != NULL; c = c->next) {
		if (c->closed || c->close_requested)
			continue;
		if (c->ready && memcmp(c->peer_id, node_id, HM_NODE_ID_LEN) == 0)
			return c;
		if (!c->ready && !c->is_server && pending == NULL &&
		    memcmp(c->expected_id, node_id, HM_NODE_ID_LEN) == 0)
			pending = c;
	}
	return pending;
}

static void bcast_begin_peer(struct stoq_bcast_peer *p, const struct hm_stoq_broadcast_peer *peer)
{
	struct hm_stoq_conn *c = bcast_find_conn(p->b->ep, peer->node_id);
	int rc;

	if (c != NULL && c->ready) {
		if (!bcast_start(p, c))
			bcast_wait_on(p, c);
		return;
	}
	if (c == NULL && peer->host == NULL) {
		bcast_finish(p, HM_ERR_NOT_FOUND);
		return;
	}
	if (c == NULL) {
		rc = hm_stoq_connect(p->b->ep, peer->host, peer->port, peer->node_id, NULL, &c);
		if (rc != HM_OK) {
			bcast_finish(p, rc);
			return;
		}
	}
	bcast_wait_on(p, c);
}

static void bcast_on_timer(uv_timer_t *t)
{
	struct hm_stoq_broadcast *b = t->data;

	if (b->report_first) {
		b->report_first = 0;
		bcast_settle(b);
		if (b->done == 0 && b->timeout_ms > 0)
			uv_timer_start(&b->timer, bcast_on_timer, b->timeout_ms, 0);
		return;
	}
	hm_stoq_broadcast_cancel(b); /* the deadline passed */
}

/*
 * Reports recorded outcomes in peer order and, once every peer has one,
 * on_done. Re-entrant calls (a callback cancelling) only ask for another
 * round. While starting (b->done == -1), reporting waits for the loop.
 */
static void bcast_settle(struct hm_stoq_broadcast *b)
{
	if (b->done != 0)
		return;
	if (b->settling) {
		b->resettle = 1;
		return;
	}
	b->settling = 1;
	do {
		b->resettle = 0;
		for (size_t i = 0; i < b->npeers; i++) {
			struct stoq_bcast_peer *p = &b->peers[i];

			if (p->state != BCAST_FINISHED || p->reported)
				continue;
			p->reported = 1;
			if (b->on_peer != NULL)
				b->on_peer(b, i, p->result, b->user);
		}
	} while (b->resettle);
	b->settling = 0;
	for (size_t i = 0; i < b->npeers; i++)
		if (!b->peers[i].reported)
			return;
	b->done = 1;
	uv_timer_stop(&b->timer);
	if (b->on_done != NULL)
		b->on_done(b, b->delivered, b->user);
	uv_close((uv_handle_t *)&b->timer, bcast_freed);
}

int hm_stoq_broadcast(struct hm_stoq_endpoint *ep, const struct hm_stoq_broadcast_request *req,
                      struct hm_stoq_broadcast **out)
{
	struct hm_stoq_broadcast *b;
	struct hm_stoq_frame f;
	int rc;

	if (ep == NULL || req == NULL || ep->closing || req->peers == NULL || req->npeers == 0 ||
	    req->npeers > HM_STOQ_BROADCAST_MAX_PEERS || (req->body == NULL && req->body_len > 0))
		return HM_ERR_INVALID;
	memset(&f, 0, sizeof(f));
	rc = frame_names(&f, req->service, req->method);
	if (rc != HM_OK)
		return rc;
	f.type = HM_STOQ_FRAME_ONEWAY;
	f.body = req->body;
	f.body_len = req->body_len;
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return HM_ERR_NOMEM;
	b->peers = calloc(req->npeers, sizeof(*b->peers));
	hm_buf_init(&b->frame);
	/*
	 * request_id is 0: the receiver of a ONEWAY frame has nothing to match
	 * it with, and one encoding for every peer is the point.
	 */
	rc = b->peers == NULL ? HM_ERR_NOMEM : hm_stoq_frame_encode(&f, &b->frame);
	if (rc != HM_OK) {
		free(b->peers);
		free(b);
		return rc;
	}
	b->ep = ep;
	b->npeers = req->npeers;
	b->on_peer = req->on_peer;
	b->on_done = req->on_done;
	b->user = req->user;
	uv_timer_init(ep->loop, &b->timer);
	b->timer.data = b;
	b->done = -1; /* no callback inside this call */
	/* One write pass: the first flight to every peer leaves in one sendmmsg. */
	stoq_endpoint_tx_hold(ep);
	for (size_t i = 0; i < b->npeers; i++) {
		b->peers[i].b = b;
		b->peers[i].index = i;
		memcpy(b->peers[i].node_id, req->peers[i].node_id, HM_NODE_ID_LEN);
		bcast_begin_peer(&b->peers[i], &req->peers[i]);
	}
	stoq_endpoint_tx_release(ep);
	b->done = 0;
	b->timeout_ms = req->timeout_ms;
	uv_update_time(ep->loop);
	if (b->finished > 0) {
		/* Outcomes already known are reported from the loop, not from here. */
		b->report_first = 1;
		uv_timer_start(&b->timer, bcast_on_timer, 0, 0);
	} else if (b->timeout_ms > 0) {
		uv_timer_start(&b->timer, bcast_on_timer, b->timeout_ms, 0);
	}
	if (out != NULL)
		*out = b;
	return HM_OK;
}

int hm_stoq_broadcast_result(const struct hm_stoq_broadcast *b, size_t index)
{
	if (b == NULL || index >= b->npeers)
		return HM_ERR_INVALID;
	return b->peers[index].state == BCAST_FINISHED ? b->peers[index].result : 1;
}

const uint8_t *hm_stoq_broadcast_node_id(const struct hm_stoq_broadcast *b, size_t index)
{
	if (b == NULL || index >= b->npeers)
		return NULL;
	return b->peers[index].node_id;
}

void hm_stoq_broadcast_cancel(struct hm_stoq_broadcast *b)
{
	if (b == NULL || b->done == 1)
		return;
	for (size_t i = 0; i < b->npeers; i++)
		bcast_finish(&b->peers[i], HM_ERR_IO);
}

/* ---- server ---- */

static void server_free(struct hm_stoq_rpc_server *srv)
{
	hm_buf_free(&srv->in);
	free(srv);
}

static int server_send(struct hm_stoq_rpc_server *srv, enum hm_stoq_frame_type type,
                       const void *body, size_t len)
{
	struct hm_stoq_frame f = srv->req;
	struct hm_buf frame;
	int rc;

	if (srv->responded || srv->dead)
		return HM_ERR_INVALID;
	f.type = type;
	f.deadline_ms = 0;
	f.body = body;
	f.body_len = len;
	hm_buf_init(&frame);
	rc = hm_stoq_frame_encode(&f, &frame);
	if (rc == HM_OK)
		rc = hm_stoq_stream_write(srv->stream, frame.data, frame.len, 1);
	hm_buf_free(&frame);
	if (rc == HM_OK)
		srv->responded = 1;
	return rc;
}

int hm_stoq_rpc_respond(struct hm_stoq_rpc_server *call, const void *body, size_t len)
{
	if (call == NULL)
		return HM_ERR_INVALID;
	return server_send(call, HM_STOQ_FRAME_RESPONSE, body, len);
}

int hm_stoq_rpc_respond_error(struct hm_stoq_rpc_server *call, int code, const char *msg)
{
	struct hm_buf body;
	int rc;

	if (call == NULL)
		return HM_ERR_INVALID;
	hm_buf_init(&body);
	rc = hm_stoq_error_body_encode(code, msg, &body);
	if (rc == HM_OK)
		rc = server_send(call, HM_STOQ_FRAME_ERROR, body.data, body.len);
	hm_buf_free(&body);
	return rc;
}

/* Handles srv->in once it may hold a whole frame; returns after any reset. */
static void server_take(struct hm_stoq_rpc_server *srv, int fin)
{
	struct hm_stoq_stream *s = srv->stream;
	struct hm_stoq_conn *c = hm_stoq_stream_conn(s);
	int uni = hm_stoq_stream_is_uni(s);
	size_t max_body = effective_max(srv->svc->max_body), consumed, hlen;
	struct hm_stoq_frame f;
	int rc;

	rc = hm_stoq_frame_decode(srv->in.data, srv->in.len, max_body, &f, &consumed);
	if (rc == HM_ERR_TRUNCATED && !fin)
		return;
	if (rc == HM_ERR_TOO_LARGE && !uni &&
	    hm_stoq_frame_decode_header(srv->in.data, srv->in.len, &f, &hlen) == HM_OK &&
	    f.type == HM_STOQ_FRAME_REQUEST) {
		/*
		 * Answer, drop the rest of the body unbuffered, and once the answer
		 * is acknowledged ask the peer to stop sending (server_on_drained):
		 * stopping earlier makes ngtcp2 0.12 reset our answer too.
		 */
		srv->handled = 1;
		srv->refusing = 1;
		srv->req = f;
		(void)hm_stoq_rpc_respond_error(srv, HM_ERR_TOO_LARGE, "request body too large");
		return;
	}
	if (rc == HM_ERR_TRUNCATED && srv->in.len < HM_STOQ_FRAME_OVERHEAD && !fin)
		return;
	if (rc == HM_OK && (consumed != srv->in.len ||
	                    f.type != (uni ? HM_STOQ_FRAME_ONEWAY : HM_STOQ_FRAME_REQUEST)))
		rc = HM_ERR_CORRUPT;
	if (rc != HM_OK) {
		srv->handled = 1;
		hm_stoq_stream_reset(s, rc == HM_ERR_TOO_LARGE ? HM_STOQ_APP_TOO_LARGE
		                                               : HM_STOQ_APP_PROTOCOL);
		return;
	}
	srv->handled = 1;
	srv->req = f;
	srv->svc->handler(c, uni ? NULL : srv, &f, srv->svc->user);
	if (!uni && !srv->responded && !srv->dead)
		(void)hm_stoq_rpc_respond_error(srv, HM_ERR_UNSUPPORTED, "no response");
}

static void server_on_data(struct hm_stoq_stream *s, const uint8_t *data, size_t len, int fin,
                           void *user)
{
	struct hm_stoq_rpc_server *srv = user;

	if (srv->dead)
		return;
	if (srv->handled) {
		if (len > 0 && !srv->refusing)
			hm_stoq_stream_reset(s, HM_STOQ_APP_PROTOCOL);
		return;
	}
	srv->depth++;
	if (hm_buf_append(&srv->in, data, len) != HM_OK)
		hm_stoq_stream_reset(s, HM_STOQ_APP_TOO_LARGE);
	else
		server_take(srv, fin);
	srv->depth--;
	if (srv->dead)
		server_free(srv);
}

static void server_on_drained(struct hm_stoq_stream *s, void *user)
{
	struct hm_stoq_rpc_server *srv = user;

	if (srv->refusing && !srv->dead)
		(void)ngtcp2_conn_shutdown_stream_read(s->conn->qc, s->id, HM_STOQ_APP_TOO_LARGE);
}

static void server_on_close(struct hm_stoq_stream *s, int err, uint64_t app_code, void *user)
{
	struct hm_stoq_rpc_server *srv = user;

	(void)s;
	(void)err;
	(void)app_code;
	srv->dead = 1;
	if (srv->depth == 0)
		server_free(srv);
}

static const struct hm_stoq_stream_callbacks server_callbacks = {
	.on_data = server_on_data,
	.on_drained = server_on_drained,
	.on_close = server_on_close,
};

int hm_stoq_rpc_serve_stream(struct hm_stoq_stream *s, const struct hm_stoq_rpc_service *svc)
{
	struct hm_stoq_rpc_server *srv;

	if (s == NULL || svc == NULL || svc->handler == NULL)
		return HM_ERR_INVALID;
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL) {
		hm_stoq_stream_set_callbacks(s, NULL, NULL);
		hm_stoq_stream_reset(s, HM_STOQ_APP_REFUSED);
		return HM_ERR_NOMEM;
	}
	srv->stream = s;
	srv->svc = svc;
	hm_buf_init(&srv->in);
	hm_stoq_stream_set_callbacks(s, &server_callbacks, srv);
	return HM_OK;
}
