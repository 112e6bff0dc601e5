/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The services layer: what turns a consensus node (node.h) into a
 * TrustChain validator. It
 *
 *   - registers the state modules with the node's executor: governance
 *     (the proofs' parameters, plots, stakes; initialised from genesis) and
 *     TrustChain (certificates, revocations, API keys, the CT log);
 *   - installs the envelope verifier: every operation's envelope is decoded
 *     and its four proofs validated (proofs.h) against committed state as
 *     of the block before the one being applied, at the block's time;
 *   - makes operations for clients: this node signs them with its identity
 *     (whose certificate chains to the TrustChain root), answers the
 *     PoSpace challenge from its plot, solves the PoWork and attaches the
 *     current PoTime anchor, whose VDF it computes off the loop;
 *   - serves the HTTP/JSON API and /metrics (docs/API.md).
 *
 * Everything runs on the node's loop, except the VDF evaluation (libuv's
 * thread pool) and the HTTP server's own thread (http.h).
 */
#ifndef HYPERMESH_SERVICES_H
#define HYPERMESH_SERVICES_H

#include <stddef.h>

#include "hypermesh/node.h"

/* The governance genesis file in the TrustChain genesis directory. */
#define HM_SERVICES_GOV_GENESIS "governance.json"

struct hm_services;

/*
 * Builds the services for node (after hm_node_new, before hm_node_start):
 * needs the config's [trustchain] section. Registers the modules and the
 * verifier, opens the plot and the signing identity, and creates the HTTP
 * server if [api] listen is set (started by hm_services_start). On failure
 * err says why. HM_OK, HM_ERR_INVALID (config), HM_ERR_NOT_FOUND (a genesis
 * file), HM_ERR_CORRUPT, HM_ERR_NOMEM, ... *out is set even on failure: the
 * executor may already hold modules that point into it, so free it with
 * hm_services_free only after hm_node_free.
 */
int hm_services_new(struct hm_services **out, struct hm_node *node, char *err, size_t errlen);

/* After hm_node_start: starts the API and the first PoTime anchor. */
int hm_services_start(struct hm_services *s, char *err, size_t errlen);

/*
 * Stops answering: the API answers outstanding requests with 503 and
 * closes. Call before hm_node_stop; keep running the loop. Idempotent.
 */
void hm_services_stop(struct hm_services *s);

/* After hm_node_free (the executor closes modules that use it). Accepts NULL. */
void hm_services_free(struct hm_services *s);

/* The API's bound port (0 without an API). */
uint16_t hm_services_api_port(const struct hm_services *s);

#endif
