/* SPDX-License-Identifier: Apache-2.0 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hypermesh/error.h"
#include "hypermesh/file.h"
#include "hypermesh/random.h"

int hm_file_read(const char *path, size_t max, struct hm_buf *out)
{
	size_t start = out->len, total = 0;
	struct stat st;
	int fd, rc = HM_OK;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hm_err_from_errno(errno);
	if (fstat(fd, &st) != 0) {
		rc = hm_err_from_errno(errno);
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = S_ISDIR(st.st_mode) ? HM_ERR_IO : HM_ERR_INVALID;
		goto out_close;
	}
	for (;;) {
		uint8_t chunk[4096];
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = hm_err_from_errno(errno);
			break;
		}
		if (n == 0)
			break;
		if ((size_t)n > max - total) {
			rc = HM_ERR_TOO_LARGE;
			break;
		}
		total += (size_t)n;
		rc = hm_buf_append(out, chunk, (size_t)n);
		if (rc != HM_OK)
			break;
	}
	if (rc != HM_OK)
		hm_buf_truncate(out, start);
out_close:
	close(fd);
	return rc;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return hm_err_from_errno(errno);
		}
		p += n;
		len -= (size_t)n;
	}
	return HM_OK;
}

/* Splits path into its directory ("." if none); caller frees. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n;
	char *dir;

	if (slash == NULL)
		return strdup(".");
	n = slash == path ? 1 : (size_t)(slash - path);
	dir = malloc(n + 1);
	if (dir != NULL) {
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	return dir;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = HM_OK;

	if (fd < 0)
		return hm_err_from_errno(errno);
	if (fsync(fd) != 0)
		rc = hm_err_from_errno(errno);
	close(fd);
	return rc;
}

int hm_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                         enum hm_file_write_flags flags)
{
	uint8_t nonce[8];
	char *tmp = NULL, *dir = NULL;
	size_t tmp_len;
	int fd = -1, rc;

	if (path == NULL || *path == '\0' || path[strlen(path) - 1] == '/')
		return HM_ERR_INVALID;
	dir = dir_of(path);
	tmp_len = strlen(path) + 32;
	tmp = malloc(tmp_len);
	if (dir == NULL || tmp == NULL) {
		rc = HM_ERR_NOMEM;
		goto out;
	}
	rc = hm_random_bytes(nonce, sizeof(nonce));
	if (rc != HM_OK)
		goto out;
	snprintf(tmp, tmp_len, "%s.tmp-%02x%02x%02x%02x%02x%02x%02x%02x", path, nonce[0], nonce[1],
	         nonce[2], nonce[3], nonce[4], nonce[5], nonce[6], nonce[7]);

	/* O_EXCL: never follow or reuse something an attacker planted at tmp. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		rc = hm_err_from_errno(errno);
		goto out;
	}
	/* open() applies the umask; set the exact mode asked for. */
	if (fchmod(fd, mode) != 0 || (rc = write_all(fd, data, len)) != HM_OK || fsync(fd) != 0) {
		if (rc == HM_OK)
			rc = hm_err_from_errno(errno);
		goto out_unlink;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = hm_err_from_errno(errno);
		goto out_unlink;
	}
	fd = -1;

	if (flags & HM_FILE_OVERWRITE) {
		if (rename(tmp, path) != 0) {
			rc = hm_err_from_errno(errno);
			goto out_unlink;
		}
	} else {
		/* link() fails with EEXIST instead of replacing: an atomic no-clobber. */
		if (link(tmp, path) != 0) {
			rc = hm_err_from_errno(errno);
			goto out_unlink;
		}
		unlink(tmp);
	}
	rc = fsync_dir(dir);
	goto out;

out_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
	free(tmp);
	free(dir);
	return rc;
}
