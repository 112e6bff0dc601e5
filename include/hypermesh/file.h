/* SPDX-License-Identifier: Apache-2.0 */
/* Whole-file reads and crash-safe whole-file writes. */
#ifndef HYPERMESH_FILE_H
#define HYPERMESH_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "hypermesh/buf.h"

/*
 * Appends the contents of the file at path to out. Returns HM_OK;
 * HM_ERR_TOO_LARGE if the file holds more than max bytes (out unchanged);
 * HM_ERR_NOT_FOUND, HM_ERR_PERMISSION, HM_ERR_IO (a directory, a read error)
 * or HM_ERR_NOMEM.
 */
int hm_file_read(const char *path, size_t max, struct hm_buf *out);

enum hm_file_write_flags {
	HM_FILE_NO_CLOBBER = 0, /* fail with HM_ERR_EXISTS if path exists */
	HM_FILE_OVERWRITE = 1,  /* atomically replace an existing file */
};

/*
 * Writes data to path atomically: a reader sees either no file (or the old
 * one) or the complete new one, never a partial file, even across a crash.
 * The bytes go to a fresh temporary file in the same directory, created with
 * the given mode (not subject to a wider umask than mode itself), which is
 * fsync'ed and then linked into place (no-clobber) or renamed over path
 * (overwrite); the directory is fsync'ed last.
 *
 * Returns HM_OK; HM_ERR_EXISTS (no-clobber and path exists); HM_ERR_NOT_FOUND
 * (the directory does not exist); HM_ERR_PERMISSION; HM_ERR_IO. On failure
 * path is unchanged and no temporary file is left behind.
 */
int hm_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                         enum hm_file_write_flags flags);

#endif
