/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Structured logging: one line per event, logfmt key=value pairs, to stderr.
 *
 *   ts=2026-11-24T17:58:01.123456Z level=info module=keygen msg="wrote keystore" path=/x
 *
 * Values that are empty or contain spaces, quotes, '=', '\' or control bytes
 * are quoted, with \" \\ \n \r \t and \xNN escapes, so every line parses back.
 *
 *   hm_log(HM_LOG_INFO, "keygen", "wrote keystore", HM_LOG_STR("path", path),
 *          HM_LOG_UINT("bytes", n));
 *
 * The level and the sink are process-wide: this is the one deliberate mutable
 * global in the libraries, set once by main() (--log-level) before any thread
 * starts, the same way every daemon's logger is configured.
 */
#ifndef HYPERMESH_LOG_H
#define HYPERMESH_LOG_H

#include <stdint.h>
#include <stdio.h>

enum hm_log_level {
	HM_LOG_ERROR = 0,
	HM_LOG_WARN = 1,
	HM_LOG_INFO = 2,
	HM_LOG_DEBUG = 3,
	HM_LOG_TRACE = 4,
};

enum hm_log_field_type { HM_LOG_FIELD_STR, HM_LOG_FIELD_INT, HM_LOG_FIELD_UINT };

struct hm_log_field {
	const char *key; /* a bare word: [A-Za-z0-9_.-] */
	enum hm_log_field_type type;
	union {
		const char *s; /* NULL prints as the empty string "" */
		int64_t i;
		uint64_t u;
	} v;
};

#define HM_LOG_STR(k, val) \
	((struct hm_log_field){ .key = (k), .type = HM_LOG_FIELD_STR, .v.s = (val) })
#define HM_LOG_INT(k, val) \
	((struct hm_log_field){ .key = (k), .type = HM_LOG_FIELD_INT, .v.i = (val) })
#define HM_LOG_UINT(k, val) \
	((struct hm_log_field){ .key = (k), .type = HM_LOG_FIELD_UINT, .v.u = (val) })

/* Parses "error", "warn", "info", "debug", "trace". Returns HM_OK or HM_ERR_INVALID. */
int hm_log_level_parse(const char *name, enum hm_log_level *level);
const char *hm_log_level_name(enum hm_log_level level);

void hm_log_set_level(enum hm_log_level level); /* default HM_LOG_INFO */
enum hm_log_level hm_log_get_level(void);
void hm_log_set_sink(FILE *sink); /* default stderr; NULL restores stderr */

static inline int hm_log_enabled(enum hm_log_level level)
{
	return level <= hm_log_get_level();
}

/* Writes one line with the given fields (may be NULL when nfields is 0). */
void hm_log_emit(enum hm_log_level level, const char *module, const char *msg,
                 const struct hm_log_field *fields, size_t nfields);

/* Logs msg with one or more fields; the fields are not evaluated if the level is off. */
#define hm_log(level, module, msg, ...)                                                    \
	do {                                                                               \
		if (hm_log_enabled(level))                                                 \
			hm_log_emit((level), (module), (msg),                              \
			            (const struct hm_log_field[]){ __VA_ARGS__ },          \
			            sizeof((const struct hm_log_field[]){ __VA_ARGS__ }) / \
			                    sizeof(struct hm_log_field));                  \
	} while (0)

/* Logs msg with no fields. */
#define hm_log_msg(level, module, msg)                                  \
	do {                                                            \
		if (hm_log_enabled(level))                              \
			hm_log_emit((level), (module), (msg), NULL, 0); \
	} while (0)

#endif
