/* SPDX-License-Identifier: Apache-2.0 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hypermesh/file.h"
#include "test.h"

static char dir[64];

static void make_dir(void)
{
	strcpy(dir, "/tmp/hm-test-file-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
}

static void path_in(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

/* Number of entries in dir other than . and .. (no temporaries left behind). */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void test_write_then_read(void)
{
	char path[128];
	struct hm_buf b;
	struct stat st;

	make_dir();
	path_in(path, sizeof(path), "f");
	CHECK_ERR(hm_file_write_atomic(path, "hello", 5, 0600, HM_FILE_NO_CLOBBER), HM_OK);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	hm_buf_init(&b);
	CHECK_ERR(hm_file_read(path, 100, &b), HM_OK);
	CHECK(b.len == 5 && memcmp(b.data, "hello", 5) == 0);

	/* No clobber: refused, contents unchanged. */
	CHECK_ERR(hm_file_write_atomic(path, "x", 1, 0600, HM_FILE_NO_CLOBBER), HM_ERR_EXISTS);
	/* Overwrite: replaced; the mode asked for is applied exactly. */
	CHECK_ERR(hm_file_write_atomic(path, "bye", 3, 0640, HM_FILE_OVERWRITE), HM_OK);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640);
	hm_buf_truncate(&b, 0);
	CHECK_ERR(hm_file_read(path, 100, &b), HM_OK);
	CHECK(b.len == 3 && memcmp(b.data, "bye", 3) == 0);
	CHECK_EQ(entries(), 1);

	/* Reading appends; a size limit is enforced and leaves out unchanged. */
	CHECK_ERR(hm_file_read(path, 100, &b), HM_OK);
	CHECK(b.len == 6 && memcmp(b.data, "byebye", 6) == 0);
	CHECK_ERR(hm_file_read(path, 2, &b), HM_ERR_TOO_LARGE);
	CHECK_EQ(b.len, 6);
	hm_buf_free(&b);

	CHECK_ERR(hm_file_write_atomic(path, NULL, 0, 0600, HM_FILE_OVERWRITE), HM_OK);
	hm_buf_init(&b);
	CHECK_ERR(hm_file_read(path, 0, &b), HM_OK);
	CHECK_EQ(b.len, 0);
	hm_buf_free(&b);
	unlink(path);
	rmdir(dir);
}

static void test_errors(void)
{
	char path[128];
	struct hm_buf b;

	make_dir();
	hm_buf_init(&b);
	path_in(path, sizeof(path), "missing");
	CHECK_ERR(hm_file_read(path, 100, &b), HM_ERR_NOT_FOUND);
	CHECK_ERR(hm_file_read(dir, 100, &b), HM_ERR_IO);              /* a directory */
	CHECK_ERR(hm_file_read("/dev/null", 100, &b), HM_ERR_INVALID); /* not a regular file */
	path_in(path, sizeof(path), "no/such/dir/f");
	CHECK_ERR(hm_file_write_atomic(path, "x", 1, 0600, HM_FILE_NO_CLOBBER), HM_ERR_NOT_FOUND);
	CHECK_ERR(hm_file_write_atomic("", "x", 1, 0600, HM_FILE_NO_CLOBBER), HM_ERR_INVALID);
	CHECK_ERR(hm_file_write_atomic("/tmp/", "x", 1, 0600, HM_FILE_NO_CLOBBER), HM_ERR_INVALID);
	/* Overwriting a directory fails and leaves no temporary behind. */
	path_in(path, sizeof(path), "sub");
	CHECK(mkdir(path, 0700) == 0);
	CHECK_ERR(hm_file_write_atomic(path, "x", 1, 0600, HM_FILE_OVERWRITE), HM_ERR_IO);
	CHECK_ERR(hm_file_write_atomic(path, "x", 1, 0600, HM_FILE_NO_CLOBBER), HM_ERR_EXISTS);
	CHECK_EQ(entries(), 1);
	rmdir(path);
	/* A directory we may not write to (root ignores modes, so only as non-root). */
	if (geteuid() != 0) {
		chmod(dir, 0500);
		path_in(path, sizeof(path), "f");
		CHECK_ERR(hm_file_write_atomic(path, "x", 1, 0600, HM_FILE_NO_CLOBBER),
		          HM_ERR_PERMISSION);
		chmod(dir, 0700);
	}
	hm_buf_free(&b);
	rmdir(dir);
}

TEST_MAIN(test_write_then_read, test_errors)
