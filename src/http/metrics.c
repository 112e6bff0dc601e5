/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Metrics registry and the Prometheus text exposition (format 0.0.4).
 *
 * Series are kept in a singly linked list in registration order; the
 * exposition groups them by family (same name), emitting HELP and TYPE once
 * before the family's first series. Registries hold tens of series, so the
 * quadratic grouping costs nothing next to formatting.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/metrics.h"

enum kind { KIND_COUNTER, KIND_GAUGE, KIND_HISTOGRAM };

struct series {
	struct series *next;
	enum kind kind;
	char *name;
	char *help;
	size_t nlabels;
	char *label_names[HM_METRICS_MAX_LABELS];
	char *label_values[HM_METRICS_MAX_LABELS];
};

struct hm_counter {
	struct series s;
	uint64_t value;
};

struct hm_gauge {
	struct series s;
	double value;
};

struct hm_histogram {
	struct series s;
	size_t nbounds;
	double bounds[HM_METRICS_MAX_BUCKETS];
	uint64_t buckets[HM_METRICS_MAX_BUCKETS + 1]; /* per bucket, not cumulative; last: +Inf */
	uint64_t count;
	double sum;
};

struct hm_metrics {
	struct series *head, **tail;
};

const double hm_metrics_latency_buckets[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
	                                      0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
	                                      1,      2.5,     5,      10 };
const size_t hm_metrics_latency_nbuckets =
        sizeof(hm_metrics_latency_buckets) / sizeof(hm_metrics_latency_buckets[0]);

int hm_metrics_new(struct hm_metrics **out)
{
	struct hm_metrics *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return HM_ERR_NOMEM;
	m->tail = &m->head;
	*out = m;
	return HM_OK;
}

static void series_free(struct series *s)
{
	free(s->name);
	free(s->help);
	for (size_t i = 0; i < s->nlabels; i++) {
		free(s->label_names[i]);
		free(s->label_values[i]);
	}
	free(s);
}

void hm_metrics_del(struct hm_metrics *m)
{
	if (m == NULL)
		return;
	for (struct series *s = m->head, *next; s != NULL; s = next) {
		next = s->next;
		series_free(s);
	}
	free(m);
}

static int is_alpha_(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int valid_metric_name(const char *name)
{
	if (name == NULL || !(is_alpha_(name[0]) || name[0] == ':'))
		return 0;
	for (const char *p = name + 1; *p; p++)
		if (!(is_alpha_(*p) || is_digit(*p) || *p == ':'))
			return 0;
	return 1;
}

static int valid_label_name(const char *name)
{
	if (name == NULL || !is_alpha_(name[0]))
		return 0;
	if (strncmp(name, "__", 2) == 0 || strcmp(name, "le") == 0)
		return 0;
	for (const char *p = name + 1; *p; p++)
		if (!(is_alpha_(*p) || is_digit(*p)))
			return 0;
	return 1;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int same_labels(const struct series *s, const struct hm_metric_label *labels, size_t n)
{
	if (s->nlabels != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s->label_names[i], labels[i].name) != 0 ||
		    strcmp(s->label_values[i], labels[i].value) != 0)
			return 0;
	return 1;
}

/* Validates and fills the common part of a series allocated by the caller. */
static int series_setup(struct hm_metrics *m, struct series *s, enum kind kind, const char *name,
                        const char *help, const struct hm_metric_label *labels, size_t nlabels)
{
	if (m == NULL || !valid_metric_name(name) || help == NULL || strchr(help, '\n') != NULL)
		return HM_ERR_INVALID;
	if (kind == KIND_COUNTER && !ends_with(name, "_total"))
		return HM_ERR_INVALID;
	if (nlabels > HM_METRICS_MAX_LABELS)
		return HM_ERR_LENGTH;
	if (nlabels > 0 && labels == NULL)
		return HM_ERR_INVALID;
	for (size_t i = 0; i < nlabels; i++) {
		if (!valid_label_name(labels[i].name) || labels[i].value == NULL)
			return HM_ERR_INVALID;
		for (size_t j = 0; j < i; j++)
			if (strcmp(labels[i].name, labels[j].name) == 0)
				return HM_ERR_INVALID;
	}
	for (const struct series *o = m->head; o != NULL; o = o->next) {
		if (strcmp(o->name, name) != 0)
			continue;
		if (o->kind != kind || strcmp(o->help, help) != 0)
			return HM_ERR_INVALID;
		if (same_labels(o, labels, nlabels))
			return HM_ERR_EXISTS;
	}
	s->kind = kind;
	s->name = strdup(name);
	s->help = strdup(help);
	if (s->name == NULL || s->help == NULL)
		return HM_ERR_NOMEM;
	for (size_t i = 0; i < nlabels; i++) {
		s->label_names[i] = strdup(labels[i].name);
		s->label_values[i] = strdup(labels[i].value);
		s->nlabels = i + 1; /* so series_free releases what was copied */
		if (s->label_names[i] == NULL || s->label_values[i] == NULL)
			return HM_ERR_NOMEM;
	}
	return HM_OK;
}

static void series_link(struct hm_metrics *m, struct series *s)
{
	*m->tail = s;
	m->tail = &s->next;
}

int hm_metrics_counter(struct hm_metrics *m, const char *name, const char *help,
                       const struct hm_metric_label *labels, size_t nlabels,
                       struct hm_counter **out)
{
	struct hm_counter *c = calloc(1, sizeof(*c));
	int rc;

	if (c == NULL)
		return HM_ERR_NOMEM;
	rc = series_setup(m, &c->s, KIND_COUNTER, name, help, labels, nlabels);
	if (rc != HM_OK) {
		series_free(&c->s);
		return rc;
	}
	series_link(m, &c->s);
	*out = c;
	return HM_OK;
}

int hm_metrics_gauge(struct hm_metrics *m, const char *name, const char *help,
                     const struct hm_metric_label *labels, size_t nlabels, struct hm_gauge **out)
{
	struct hm_gauge *g = calloc(1, sizeof(*g));
	int rc;

	if (g == NULL)
		return HM_ERR_NOMEM;
	rc = series_setup(m, &g->s, KIND_GAUGE, name, help, labels, nlabels);
	if (rc != HM_OK) {
		series_free(&g->s);
		return rc;
	}
	series_link(m, &g->s);
	*out = g;
	return HM_OK;
}

int hm_metrics_histogram(struct hm_metrics *m, const char *name, const char *help,
                         const struct hm_metric_label *labels, size_t nlabels, const double *bounds,
                         size_t nbounds, struct hm_histogram **out)
{
	struct hm_histogram *h;
	int rc;

	if (nbounds > HM_METRICS_MAX_BUCKETS)
		return HM_ERR_LENGTH;
	if (nbounds > 0 && bounds == NULL)
		return HM_ERR_INVALID;
	for (size_t i = 0; i < nbounds; i++)
		if (!isfinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1])))
			return HM_ERR_INVALID;
	/* The suffixes the exposition appends must not collide with a family. */
	if (name != NULL &&
	    (ends_with(name, "_bucket") || ends_with(name, "_sum") || ends_with(name, "_count")))
		return HM_ERR_INVALID;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return HM_ERR_NOMEM;
	rc = series_setup(m, &h->s, KIND_HISTOGRAM, name, help, labels, nlabels);
	if (rc != HM_OK) {
		series_free(&h->s);
		return rc;
	}
	h->nbounds = nbounds;
	if (nbounds > 0)
		memcpy(h->bounds, bounds, nbounds * sizeof(bounds[0]));
	series_link(m, &h->s);
	*out = h;
	return HM_OK;
}

void hm_counter_add(struct hm_counter *c, uint64_t n)
{
	c->value += n;
}

uint64_t hm_counter_value(const struct hm_counter *c)
{
	return c->value;
}

void hm_gauge_set(struct hm_gauge *g, double v)
{
	g->value = v;
}

void hm_gauge_add(struct hm_gauge *g, double delta)
{
	g->value += delta;
}

double hm_gauge_value(const struct hm_gauge *g)
{
	return g->value;
}

void hm_histogram_observe(struct hm_histogram *h, double v)
{
	size_t i = 0;

	if (isnan(v))
		return;
	/* A handful of bounds: a linear scan beats a binary search's branches. */
	while (i < h->nbounds && v > h->bounds[i])
		i++;
	h->buckets[i]++;
	h->count++;
	h->sum += v;
}

uint64_t hm_histogram_count(const struct hm_histogram *h)
{
	return h->count;
}

/* ---- exposition ---- */

static int put(struct hm_buf *out, const char *s)
{
	return hm_buf_append(out, s, strlen(s));
}

static int putf(struct hm_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int putf(struct hm_buf *out, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return HM_ERR_INVALID; /* only short numbers are formatted here */
	return hm_buf_append(out, tmp, (size_t)n);
}

/* A float as Prometheus reads it (Go's ParseFloat): +Inf, -Inf, NaN, or %.17g. */
static int put_double(struct hm_buf *out, double v)
{
	if (isnan(v))
		return put(out, "NaN");
	if (isinf(v))
		return put(out, v > 0 ? "+Inf" : "-Inf");
	return putf(out, "%.17g", v);
}

/* HELP text escapes backslash and newline; label values also the double quote. */
static int put_escaped(struct hm_buf *out, const char *s, int quote)
{
	int rc = HM_OK;

	for (; *s && rc == HM_OK; s++) {
		if (*s == '\\')
			rc = put(out, "\\\\");
		else if (*s == '\n')
			rc = put(out, "\\n");
		else if (quote && *s == '"')
			rc = put(out, "\\\"");
		else
			rc = hm_buf_append_byte(out, (uint8_t)*s);
	}
	return rc;
}

/* name{labels[,le="bound"]} */
static int put_series_name(struct hm_buf *out, const struct series *s, const char *suffix,
                           const char *le)
{
	int rc = put(out, s->name);

	if (rc == HM_OK && suffix)
		rc = put(out, suffix);
	if (rc != HM_OK || (s->nlabels == 0 && le == NULL))
		return rc;
	rc = put(out, "{");
	for (size_t i = 0; i < s->nlabels && rc == HM_OK; i++) {
		if (i > 0)
			rc = put(out, ",");
		if (rc == HM_OK)
			rc = put(out, s->label_names[i]);
		if (rc == HM_OK)
			rc = put(out, "=\"");
		if (rc == HM_OK)
			rc = put_escaped(out, s->label_values[i], 1);
		if (rc == HM_OK)
			rc = put(out, "\"");
	}
	if (rc == HM_OK && le != NULL) {
		rc = put(out, s->nlabels ? ",le=\"" : "le=\"");
		if (rc == HM_OK)
			rc = put(out, le);
		if (rc == HM_OK)
			rc = put(out, "\"");
	}
	if (rc == HM_OK)
		rc = put(out, "}");
	return rc;
}

static int expose_series(struct hm_buf *out, const struct series *s)
{
	int rc;

	switch (s->kind) {
	case KIND_COUNTER: {
		const struct hm_counter *c = (const struct hm_counter *)s;
		rc = put_series_name(out, s, NULL, NULL);
		if (rc == HM_OK)
			rc = putf(out, " %llu\n", (unsigned long long)c->value);
		return rc;
	}
	case KIND_GAUGE: {
		const struct hm_gauge *g = (const struct hm_gauge *)s;
		rc = put_series_name(out, s, NULL, NULL);
		if (rc == HM_OK)
			rc = put(out, " ");
		if (rc == HM_OK)
			rc = put_double(out, g->value);
		if (rc == HM_OK)
			rc = put(out, "\n");
		return rc;
	}
	case KIND_HISTOGRAM: {
		const struct hm_histogram *h = (const struct hm_histogram *)s;
		uint64_t cumulative = 0;
		char le[40];

		rc = HM_OK;
		for (size_t i = 0; i <= h->nbounds && rc == HM_OK; i++) {
			cumulative += h->buckets[i];
			if (i < h->nbounds)
				snprintf(le, sizeof(le), "%.17g", h->bounds[i]);
			else
				strcpy(le, "+Inf");
			rc = put_series_name(out, s, "_bucket", le);
			if (rc == HM_OK)
				rc = putf(out, " %llu\n", (unsigned long long)cumulative);
		}
		if (rc == HM_OK)
			rc = put_series_name(out, s, "_sum", NULL);
		if (rc == HM_OK)
			rc = put(out, " ");
		if (rc == HM_OK)
			rc = put_double(out, h->sum);
		if (rc == HM_OK)
			rc = put(out, "\n");
		if (rc == HM_OK)
			rc = put_series_name(out, s, "_count", NULL);
		if (rc == HM_OK)
			rc = putf(out, " %llu\n", (unsigned long long)h->count);
		return rc;
	}
	}
	return HM_ERR_INVALID;
}

static const char *kind_name(enum kind k)
{
	return k == KIND_COUNTER ? "counter" : k == KIND_GAUGE ? "gauge" : "histogram";
}

static int first_of_family(const struct hm_metrics *m, const struct series *s)
{
	for (const struct series *o = m->head; o != s; o = o->next)
		if (strcmp(o->name, s->name) == 0)
			return 0;
	return 1;
}

int hm_metrics_expose(const struct hm_metrics *m, struct hm_buf *out)
{
	size_t start = out->len;
	int rc = HM_OK;

	for (const struct series *s = m->head; s != NULL && rc == HM_OK; s = s->next) {
		if (!first_of_family(m, s))
			continue;
		rc = put(out, "# HELP ");
		if (rc == HM_OK)
			rc = put(out, s->name);
		if (rc == HM_OK)
			rc = put(out, " ");
		if (rc == HM_OK)
			rc = put_escaped(out, s->help, 0);
		if (rc == HM_OK)
			rc = put(out, "\n# TYPE ");
		if (rc == HM_OK)
			rc = put(out, s->name);
		if (rc == HM_OK)
			rc = put(out, " ");
		if (rc == HM_OK)
			rc = put(out, kind_name(s->kind));
		if (rc == HM_OK)
			rc = put(out, "\n");
		for (const struct series *o = s; o != NULL && rc == HM_OK; o = o->next)
			if (strcmp(o->name, s->name) == 0)
				rc = expose_series(out, o);
	}
	if (rc != HM_OK)
		(void)hm_buf_truncate(out, start);
	return rc;
}
