/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A main() for fuzz targets in ordinary builds: feeds every file named on the
 * command line (directories are walked one level) to LLVMFuzzerTestOneInput.
 * A target reports a bug by aborting, which fails the test.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hypermesh/buf.h"
#include "hypermesh/error.h"
#include "hypermesh/file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	struct hm_buf b;
	int rc;

	hm_buf_init(&b);
	rc = hm_file_read(path, (size_t)1 << 26, &b);
	if (rc != HM_OK) {
		fprintf(stderr, "replay: %s: %s\n", path, hm_strerror(rc));
		return -1;
	}
	LLVMFuzzerTestOneInput(b.data, b.len);
	hm_buf_free(&b);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned count = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *dir;
		struct dirent *e;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: cannot stat %s\n", argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (replay_file(argv[i]) != 0)
				return 1;
			count++;
			continue;
		}
		dir = opendir(argv[i]);
		if (dir == NULL)
			return 1;
		while ((e = readdir(dir)) != NULL) {
			char path[4096];
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			if (replay_file(path) != 0) {
				closedir(dir);
				return 1;
			}
			count++;
		}
		closedir(dir);
	}
	if (count == 0) {
		fprintf(stderr, "replay: no inputs\n");
		return 1;
	}
	printf("replayed %u inputs\n", count);
	return 0;
}
