/* SPDX-License-Identifier: Apache-2.0 */
/* File helpers shared by the Linux backend's files (private to hm_os). */
#ifndef HM_OS_LINUX_H
#define HM_OS_LINUX_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"

/* /proc files are read whole; none we read comes near this. */
#define HM_OS_PROC_MAX ((size_t)64 << 20)

/* Replaces out's contents with the file at path (up to HM_OS_PROC_MAX). Errors of hm_file_read. */
int hm_os_read_proc(const char *path, struct hm_buf *out);

/*
 * Reads a small sysfs attribute into buf (NUL-terminated, at most cap - 1
 * bytes, trailing whitespace removed). HM_ERR_TOO_LARGE if it holds more;
 * HM_ERR_NOT_FOUND, HM_ERR_PERMISSION, HM_ERR_IO from the system.
 */
int hm_os_read_sys(const char *path, char *buf, size_t cap);

/* As hm_os_read_sys, then the value as decimal (hm_os_parse_u64) or hex (hm_os_parse_hex). */
int hm_os_read_sys_u64(const char *path, uint64_t *value);
int hm_os_read_sys_hex(const char *path, uint64_t *value);

/* snprintf into a path buffer; HM_ERR_LENGTH if it does not fit. */
int hm_os_path(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

struct hm_os_gpus;

/*
 * hm_os_gpus_detect over a file tree rooted at root ("" for the real one), so
 * tests can build a fake /sys, /proc and pci.ids. HM_ERR_LENGTH for a root
 * too long to prefix a path.
 */
int hm_os_gpus_detect_at(const char *root, struct hm_os_gpus *out);

#endif
