/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Metrics: counters, gauges and fixed-bucket histograms, exposed in the
 * Prometheus text format 0.0.4.
 *
 * A registry is owned by one thread (the node's loop): updates and the
 * exposition run there, so nothing is locked and an update is a few
 * instructions. Series are created once at start-up and kept as pointers.
 *
 * Naming (docs/HTTP.md): hypermesh_<subsystem>_<what>_<unit>, base units
 * (seconds, bytes), counters end in _total. Several series may share a
 * name (a family) if they differ in their constant labels; the family's
 * type and help must then agree.
 */
#ifndef HYPERMESH_METRICS_H
#define HYPERMESH_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"

/* Limits per series and per histogram. */
#define HM_METRICS_MAX_LABELS  8
#define HM_METRICS_MAX_BUCKETS 32

/* The content type of the exposition, for the HTTP answer. */
#define HM_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct hm_metrics;
struct hm_counter;
struct hm_gauge;
struct hm_histogram;

/* A constant label; both strings are copied. */
struct hm_metric_label {
	const char *name;  /* [a-zA-Z_][a-zA-Z0-9_]*, not "__..." nor "le" */
	const char *value; /* any UTF-8; escaped on output */
};

/* Returns HM_OK or HM_ERR_NOMEM. */
int hm_metrics_new(struct hm_metrics **out);

/* Frees the registry and every series in it. Accepts NULL. */
void hm_metrics_del(struct hm_metrics *m);

/*
 * Registers a series. name: [a-zA-Z_:][a-zA-Z0-9_:]*, a counter's ends in
 * "_total"; help: one line of text. The series lives as long as m.
 * Returns HM_OK; HM_ERR_INVALID (bad name, label or help; label names
 * repeated; the family exists with another type or help; histogram bounds
 * not strictly increasing and finite); HM_ERR_EXISTS (the same name and
 * labels are registered); HM_ERR_LENGTH (more than HM_METRICS_MAX_LABELS
 * labels or HM_METRICS_MAX_BUCKETS bounds); HM_ERR_NOMEM.
 */
int hm_metrics_counter(struct hm_metrics *m, const char *name, const char *help,
                       const struct hm_metric_label *labels, size_t nlabels,
                       struct hm_counter **out);
int hm_metrics_gauge(struct hm_metrics *m, const char *name, const char *help,
                     const struct hm_metric_label *labels, size_t nlabels, struct hm_gauge **out);
/* bounds: the upper bounds of the buckets, without +Inf (added implicitly). */
int hm_metrics_histogram(struct hm_metrics *m, const char *name, const char *help,
                         const struct hm_metric_label *labels, size_t nlabels, const double *bounds,
                         size_t nbounds, struct hm_histogram **out);

void hm_counter_add(struct hm_counter *c, uint64_t n);
static inline void hm_counter_inc(struct hm_counter *c)
{
	hm_counter_add(c, 1);
}
uint64_t hm_counter_value(const struct hm_counter *c);

void hm_gauge_set(struct hm_gauge *g, double v);
void hm_gauge_add(struct hm_gauge *g, double delta);
double hm_gauge_value(const struct hm_gauge *g);

/* NaN observations are ignored (they would poison _sum). */
void hm_histogram_observe(struct hm_histogram *h, double v);
uint64_t hm_histogram_count(const struct hm_histogram *h);

/* Latency buckets in seconds, 100 µs .. 10 s, for hm_metrics_histogram. */
extern const double hm_metrics_latency_buckets[];
extern const size_t hm_metrics_latency_nbuckets;

/*
 * Appends the text exposition (format 0.0.4) of every family, in
 * registration order, to out. Returns HM_OK or HM_ERR_NOMEM (out unchanged
 * in length on failure).
 */
int hm_metrics_expose(const struct hm_metrics *m, struct hm_buf *out);

#endif
