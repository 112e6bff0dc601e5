/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The metrics registry and its exposition: exact text for a known registry,
 * every registration error, and promtool (the Prometheus project's own
 * checker, Debian package "prometheus") accepting our output while
 * rejecting deliberately broken text, so this test can fail.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hypermesh/metrics.h"
#include "test.h"

static const char *text_of(struct hm_buf *b)
{
	static char out[8192];
	size_t n = b->len < sizeof(out) - 1 ? b->len : sizeof(out) - 1;

	memcpy(out, b->data, n);
	out[n] = '\0';
	return out;
}

static struct hm_metrics *sample_registry(void)
{
	static const struct hm_metric_label peer_a[] = { { "peer", "a\"b\\c\nd" } };
	static const struct hm_metric_label peer_b[] = { { "peer", "plain" } };
	static const double bounds[] = { 0.001, 0.01, 0.1 };
	struct hm_metrics *m = NULL;
	struct hm_counter *c1, *c2;
	struct hm_gauge *g;
	struct hm_histogram *h;

	CHECK_ERR(hm_metrics_new(&m), HM_OK);
	CHECK_ERR(hm_metrics_counter(m, "hypermesh_stoq_packets_total", "Packets by peer.", peer_a,
	                             1, &c1),
	          HM_OK);
	CHECK_ERR(hm_metrics_gauge(m, "hypermesh_node_height", "Committed height \\ now.", NULL, 0,
	                           &g),
	          HM_OK);
	CHECK_ERR(hm_metrics_counter(m, "hypermesh_stoq_packets_total", "Packets by peer.", peer_b,
	                             1, &c2),
	          HM_OK);
	CHECK_ERR(hm_metrics_histogram(m, "hypermesh_http_request_duration_seconds",
	                               "Time to answer.", NULL, 0, bounds, 3, &h),
	          HM_OK);
	hm_counter_add(c1, 5);
	hm_counter_inc(c2);
	hm_gauge_set(g, 12);
	hm_gauge_add(g, 0.5);
	hm_histogram_observe(h, 0.0005);
	hm_histogram_observe(h, 0.001); /* on a bound: counted in that bucket (le) */
	hm_histogram_observe(h, 0.05);
	hm_histogram_observe(h, 3);
	hm_histogram_observe(h, NAN); /* ignored */
	CHECK_EQ(hm_histogram_count(h), 4);
	CHECK_EQ(hm_counter_value(c1), 5);
	CHECK(hm_gauge_value(g) == 12.5);
	return m;
}

static void test_exposition_text(void)
{
	struct hm_metrics *m = sample_registry();
	struct hm_buf b;

	hm_buf_init(&b);
	CHECK_ERR(hm_metrics_expose(m, &b), HM_OK);
	CHECK_STR(text_of(&b),
	          "# HELP hypermesh_stoq_packets_total Packets by peer.\n"
	          "# TYPE hypermesh_stoq_packets_total counter\n"
	          "hypermesh_stoq_packets_total{peer=\"a\\\"b\\\\c\\nd\"} 5\n"
	          "hypermesh_stoq_packets_total{peer=\"plain\"} 1\n"
	          "# HELP hypermesh_node_height Committed height \\\\ now.\n"
	          "# TYPE hypermesh_node_height gauge\n"
	          "hypermesh_node_height 12.5\n"
	          "# HELP hypermesh_http_request_duration_seconds Time to answer.\n"
	          "# TYPE hypermesh_http_request_duration_seconds histogram\n"
	          "hypermesh_http_request_duration_seconds_bucket{le=\"0.001\"} 2\n"
	          "hypermesh_http_request_duration_seconds_bucket{le=\"0.01\"} 2\n"
	          "hypermesh_http_request_duration_seconds_bucket{le=\"0.10000000000000001\"} 3\n"
	          "hypermesh_http_request_duration_seconds_bucket{le=\"+Inf\"} 4\n"
	          "hypermesh_http_request_duration_seconds_sum 3.0514999999999999\n"
	          "hypermesh_http_request_duration_seconds_count 4\n");
	hm_buf_free(&b);
	hm_metrics_del(m);
}

static void test_special_values(void)
{
	struct hm_metrics *m = NULL;
	struct hm_gauge *g;
	struct hm_buf b;

	CHECK_ERR(hm_metrics_new(&m), HM_OK);
	CHECK_ERR(hm_metrics_gauge(m, "g", "x", NULL, 0, &g), HM_OK);
	hm_buf_init(&b);
	hm_gauge_set(g, INFINITY);
	CHECK_ERR(hm_metrics_expose(m, &b), HM_OK);
	CHECK(strstr(text_of(&b), "\ng +Inf\n") != NULL);
	b.len = 0;
	hm_gauge_set(g, -INFINITY);
	CHECK_ERR(hm_metrics_expose(m, &b), HM_OK);
	CHECK(strstr(text_of(&b), "\ng -Inf\n") != NULL);
	b.len = 0;
	hm_gauge_set(g, NAN);
	CHECK_ERR(hm_metrics_expose(m, &b), HM_OK);
	CHECK(strstr(text_of(&b), "\ng NaN\n") != NULL);
	hm_buf_free(&b);
	hm_metrics_del(m);
	hm_metrics_del(NULL);
}

static void test_registration_errors(void)
{
	static const struct hm_metric_label bad_name[] = { { "9x", "v" } };
	static const struct hm_metric_label reserved[] = { { "__x", "v" } };
	static const struct hm_metric_label le[] = { { "le", "v" } };
	static const struct hm_metric_label dup[] = { { "a", "1" }, { "a", "2" } };
	static const struct hm_metric_label null_value[] = { { "a", NULL } };
	static const struct hm_metric_label many[HM_METRICS_MAX_LABELS + 1] = {
		{ "a", "" }, { "b", "" }, { "c", "" }, { "d", "" }, { "e", "" },
		{ "f", "" }, { "g", "" }, { "h", "" }, { "i", "" },
	};
	static const double unsorted[] = { 1, 0.5 };
	static const double equal[] = { 1, 1 };
	const double inf[] = { 1, INFINITY };
	double toomany[HM_METRICS_MAX_BUCKETS + 1];
	struct hm_metrics *m = NULL;
	struct hm_counter *c;
	struct hm_gauge *g;
	struct hm_histogram *h;

	for (size_t i = 0; i < HM_METRICS_MAX_BUCKETS + 1; i++)
		toomany[i] = (double)i;
	CHECK_ERR(hm_metrics_new(&m), HM_OK);
	CHECK_ERR(hm_metrics_counter(m, "x_total", "h", NULL, 0, &c), HM_OK);
	CHECK_ERR(hm_metrics_counter(m, "x_total", "h", NULL, 0, &c), HM_ERR_EXISTS);
	CHECK_ERR(hm_metrics_counter(m, "x_total", "other help", bad_name, 0, &c), HM_ERR_INVALID);
	CHECK_ERR(hm_metrics_gauge(m, "x_total", "h", NULL, 0, &g), HM_ERR_INVALID);
	CHECK_ERR(hm_metrics_counter(m, "no_suffix", "h", NULL, 0, &c), HM_ERR_INVALID);
	CHECK_ERR(hm_metrics_counter(m, "1bad_total", "h", NULL, 0, &c), HM_ERR_INVALID);
	CHECK_ERR(hm_metrics_counter(m, "bad-name_total", "h", NULL, 0, &c), HM_ERR_INVALID);
	CHECK_ERR(hm_metrics_gauge(m, "g", "two\nlines", NULL, 0, &g), HM_ERR_INVALID);
	CHECK_ERR(hm_metrics_gauge(m, "g", NULL, NULL, 0, &g), HM_ERR_INVALID);
	CHECK_ERR(hm_metrics_gauge(m, "g", "h", bad_name, 1, &g), HM_ERR_INVALID);
	CHECK_ERR(hm_metrics_gauge(m, "g", "h", reserved, 1, &g), HM_ERR_INVALID);
	CHECK_ERR(hm_metrics_gauge(m, "g", "h", le, 1, &g), HM_ERR_INVALID);
	CHECK_ERR(hm_metrics_gauge(m, "g", "h", dup, 2, &g), HM_ERR_INVALID);
	CHECK_ERR(hm_metrics_gauge(m, "g", "h", null_value, 1, &g), HM_ERR_INVALID);
	CHECK_ERR(hm_metrics_gauge(m, "g", "h", many, HM_METRICS_MAX_LABELS + 1, &g),
	          HM_ERR_LENGTH);
	CHECK_ERR(hm_metrics_gauge(m, "g", "h", many, HM_METRICS_MAX_LABELS, &g), HM_OK);
	CHECK_ERR(hm_metrics_histogram(m, "h", "h", NULL, 0, unsorted, 2, &h), HM_ERR_INVALID);
	CHECK_ERR(hm_metrics_histogram(m, "h", "h", NULL, 0, equal, 2, &h), HM_ERR_INVALID);
	CHECK_ERR(hm_metrics_histogram(m, "h", "h", NULL, 0, inf, 2, &h), HM_ERR_INVALID);
	CHECK_ERR(
	        hm_metrics_histogram(m, "h", "h", NULL, 0, toomany, HM_METRICS_MAX_BUCKETS + 1, &h),
	        HM_ERR_LENGTH);
	CHECK_ERR(hm_metrics_histogram(m, "h_count", "h", NULL, 0, equal, 1, &h), HM_ERR_INVALID);
	CHECK_ERR(hm_metrics_histogram(m, "h", "h", NULL, 0, hm_metrics_latency_buckets,
	                               hm_metrics_latency_nbuckets, &h),
	          HM_OK);
	hm_metrics_del(m);
}

/* Runs promtool check metrics on text; returns its exit status (-1: not run). */
static int promtool_check(const char *text, size_t len)
{
	char path[] = "/tmp/hm_metrics_XXXXXX";
	char cmd[128];
	int fd = mkstemp(path), status;
	FILE *fp;

	if (fd < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
	fp = popen(cmd, "r");
	if (fp == NULL) {
		unlink(path);
		return -1;
	}
	{
		char line[512];
		while (fgets(line, sizeof(line), fp) != NULL)
			fprintf(stderr, "  promtool: %s", line);
	}
	status = pclose(fp);
	unlink(path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_promtool(void)
{
	static const char *broken[] = {
		/* A sample with no value. */
		"# HELP x_total h\n# TYPE x_total counter\nx_total\n",
		/* An unterminated label value. */
		"# HELP g h\n# TYPE g gauge\ng{a=\"b} 1\n",
		/* An invalid escape in a label value. */
		"# HELP g h\n# TYPE g gauge\ng{a=\"\\q\"} 1\n",
		/* Well-formed, but a counter without _total fails the lint. */
		"# HELP c h\n# TYPE c counter\nc 1\n",
	};
	struct hm_metrics *m = sample_registry();
	struct hm_buf b;

	if (system("command -v promtool >/dev/null 2>&1") != 0) {
		fprintf(stderr, "promtool not installed (Debian package prometheus)\n");
		CHECK(0);
		hm_metrics_del(m);
		return;
	}
	hm_buf_init(&b);
	CHECK_ERR(hm_metrics_expose(m, &b), HM_OK);
	CHECK_EQ(promtool_check((const char *)b.data, b.len), 0);
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++)
		CHECK(promtool_check(broken[i], strlen(broken[i])) > 0);
	hm_buf_free(&b);
	hm_metrics_del(m);
}

TEST_MAIN(test_exposition_text, test_special_values, test_registration_errors, test_promtool)
