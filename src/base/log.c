/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>
#include <string.h>

#include "hypermesh/buf.h"
#include "hypermesh/clock.h"
#include "hypermesh/error.h"
#include "hypermesh/log.h"

static const char *const level_names[] = { "error", "warn", "info", "debug", "trace" };

/* Process-wide logger configuration; see log.h for why this is global. */
static enum hm_log_level current_level = HM_LOG_INFO;
static FILE *current_sink;

int hm_log_level_parse(const char *name, enum hm_log_level *level)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (name != NULL && strcmp(name, level_names[i]) == 0) {
			*level = (enum hm_log_level)i;
			return HM_OK;
		}
	}
	return HM_ERR_INVALID;
}

const char *hm_log_level_name(enum hm_log_level level)
{
	if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
		return "unknown";
	return level_names[level];
}

void hm_log_set_level(enum hm_log_level level)
{
	current_level = level;
}

enum hm_log_level hm_log_get_level(void)
{
	return current_level;
}

void hm_log_set_sink(FILE *sink)
{
	current_sink = sink;
}

static int needs_quotes(const char *s)
{
	if (*s == '\0')
		return 1;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f)
			return 1;
	}
	return 0;
}

/*
 * Formatting into a buffer and writing the line with one fwrite keeps lines
 * from different threads from interleaving mid-line (stdio locks per call).
 * Allocation failure degrades to writing nothing: a logger must not fail its
 * caller.
 */
static void append_value(struct hm_buf *line, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	if (s == NULL)
		s = "";
	if (!needs_quotes(s)) {
		hm_buf_append(line, s, strlen(s));
		return;
	}
	hm_buf_append_byte(line, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"':
			hm_buf_append(line, "\\\"", 2);
			break;
		case '\\':
			hm_buf_append(line, "\\\\", 2);
			break;
		case '\n':
			hm_buf_append(line, "\\n", 2);
			break;
		case '\r':
			hm_buf_append(line, "\\r", 2);
			break;
		case '\t':
			hm_buf_append(line, "\\t", 2);
			break;
		default:
			if (c < ' ' || c == 0x7f) {
				char esc[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
				hm_buf_append(line, esc, 4);
			} else {
				hm_buf_append_byte(line, c);
			}
		}
	}
	hm_buf_append_byte(line, '"');
}

static void append_pair(struct hm_buf *line, const char *key, const char *value)
{
	if (line->len > 0)
		hm_buf_append_byte(line, ' ');
	hm_buf_append(line, key, strlen(key));
	hm_buf_append_byte(line, '=');
	append_value(line, value);
}

void hm_log_emit(enum hm_log_level level, const char *module, const char *msg,
                 const struct hm_log_field *fields, size_t nfields)
{
	FILE *sink = current_sink ? current_sink : stderr;
	char ts[HM_CLOCK_RFC3339_LEN];
	char num[24];
	struct hm_buf line;

	hm_clock_format_rfc3339(hm_clock_wall_ns(), ts);
	hm_buf_init(&line);
	append_pair(&line, "ts", ts);
	append_pair(&line, "level", hm_log_level_name(level));
	append_pair(&line, "module", module);
	append_pair(&line, "msg", msg);
	for (size_t i = 0; i < nfields; i++) {
		const struct hm_log_field *f = &fields[i];
		switch (f->type) {
		case HM_LOG_FIELD_INT:
			snprintf(num, sizeof(num), "%" PRId64, f->v.i);
			append_pair(&line, f->key, num);
			break;
		case HM_LOG_FIELD_UINT:
			snprintf(num, sizeof(num), "%" PRIu64, f->v.u);
			append_pair(&line, f->key, num);
			break;
		default:
			append_pair(&line, f->key, f->v.s);
		}
	}
	hm_buf_append_byte(&line, '\n');
	fwrite(line.data, 1, line.len, sink);
	fflush(sink);
	hm_buf_free(&line);
}
