/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the eBPF loaders (os_telemetry.c, os_xdp.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypermesh/error.h"
#include "os_bpf.h"

int hm_os_bpf_error(int err)
{
	switch (err) {
	case EPERM:
	case EACCES:
		return HM_ERR_PERMISSION;
	case ENOMEM:
		return HM_ERR_NOMEM;
	case ENOENT:
	case ENODEV:
		return HM_ERR_NOT_FOUND;
	case EEXIST:
	case EBUSY:
		return HM_ERR_EXISTS;
	case EOPNOTSUPP:
	case ENOSYS:
	case ESRCH:
		return HM_ERR_UNSUPPORTED;
	default:
		return HM_ERR_IO;
	}
}

#if defined(__linux__) && defined(HM_HAVE_BPF)

__attribute__((format(printf, 2, 0))) static int quiet_print(enum libbpf_print_level level,
                                                             const char *fmt, va_list args)
{
	static int verbose = -1; /* 0 quiet, 1 warnings, 2 (HM_BPF_VERBOSE=debug) all */

	if (verbose < 0) {
		const char *v = getenv("HM_BPF_VERBOSE");

		verbose = v == NULL ? 0 : strcmp(v, "debug") == 0 ? 2 : 1;
	}
	if (verbose == 0 || (level == LIBBPF_DEBUG && verbose < 2))
		return 0;
	return vfprintf(stderr, fmt, args);
}

int hm_os_bpf_prepare(void)
{
	libbpf_set_print(quiet_print);
	/* CO-RE relocations need the running kernel's type information. */
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		return errno == EACCES ? HM_ERR_PERMISSION : HM_ERR_UNSUPPORTED;
	return HM_OK;
}

void hm_os_bpf_skip_missing_targets(struct bpf_object *obj)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	struct bpf_program *prog;

	if (vmlinux == NULL)
		return; /* loading will fail and say why */
	bpf_object__for_each_program(prog, obj)
	{
		const char *sec = bpf_program__section_name(prog);
		char name[128];
		int kind = BTF_KIND_FUNC;

		if (strncmp(sec, "fexit/", 6) == 0 || strncmp(sec, "fentry/", 7) == 0) {
			snprintf(name, sizeof(name), "%s", strchr(sec, '/') + 1);
		} else if (strncmp(sec, "tp_btf/", 7) == 0) {
			/* Every tracepoint has a typedef btf_trace_<name>. */
			snprintf(name, sizeof(name), "btf_trace_%s", sec + 7);
			kind = BTF_KIND_TYPEDEF;
		} else {
			continue;
		}
		if (btf__find_by_name_kind(vmlinux, name, kind) < 0)
			bpf_program__set_autoload(prog, false);
	}
	btf__free(vmlinux);
}

#endif
