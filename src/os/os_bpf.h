/* SPDX-License-Identifier: Apache-2.0 */
/* What the eBPF loaders of hm_os share (private to hm_os). */
#ifndef HM_OS_BPF_H
#define HM_OS_BPF_H

#include <stdbool.h>

/* errno (positive) of a bpf()/libbpf failure as an HM_ERR_* code:
 * EPERM/EACCES -> PERMISSION, ENOMEM -> NOMEM, ENOENT/ENODEV -> NOT_FOUND,
 * EEXIST/EBUSY -> EXISTS, EOPNOTSUPP/ENOSYS/ESRCH -> UNSUPPORTED, else IO. */
int hm_os_bpf_error(int err);

#if defined(__linux__) && defined(HM_HAVE_BPF)
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

/* Before loading anything: libbpf's messages silenced unless HM_BPF_VERBOSE
 * is set in the environment; HM_ERR_UNSUPPORTED without kernel BTF. */
int hm_os_bpf_prepare(void);

/* Turns off autoload of the tp_btf/fentry/fexit programs of obj whose
 * tracepoint or function the kernel's BTF lacks (older kernel, built out). */
void hm_os_bpf_skip_missing_targets(struct bpf_object *obj);
#endif

#endif
