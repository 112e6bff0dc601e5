/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /proc/self/mountinfo, line by line as the backend reads it: every field of
 * an accepted line is terminated within its member and holds no NUL from an
 * escape; a line the parser accepts and that has no escapes gives back its
 * mount point verbatim as the fifth field.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "os/os_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const char *line, size_t len)
{
	struct hm_os_mountinfo *m = malloc(sizeof(*m));
	const char *p = line;

	if (m == NULL)
		abort();
	if (hm_os_parse_mountinfo_line(line, len, m) == HM_OK) {
		if (memchr(m->root, 0, sizeof(m->root)) == NULL ||
		    memchr(m->mount_point, 0, sizeof(m->mount_point)) == NULL ||
		    memchr(m->type, 0, sizeof(m->type)) == NULL ||
		    memchr(m->source, 0, sizeof(m->source)) == NULL)
			abort();
		if (memchr(line, '\\', len) == NULL) {
			for (int field = 0; field < 4; field++)
				p = (const char *)memchr(p, ' ', len - (size_t)(p - line)) + 1;
			if (strncmp(p, m->mount_point, strlen(m->mount_point)) != 0 ||
			    p[strlen(m->mount_point)] != ' ')
				abort();
		}
		(void)hm_os_fs_type_is_real(m->type);
	}
	free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t pos = 0;

	while (pos < size) {
		const char *nl = memchr(text + pos, '\n', size - pos);
		size_t len = nl != NULL ? (size_t)(nl - (text + pos)) : size - pos;

		check_line(text + pos, len);
		pos += len + 1;
	}
	return 0;
}
