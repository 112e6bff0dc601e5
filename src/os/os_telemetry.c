/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-process telemetry: the eBPF programs of src/bpf/telemetry.bpf.c when
 * they can be loaded, /proc/<pid>/{stat,io} when they cannot (see os.h).
 */
#define _GNU_SOURCE /* O_CLOEXEC, strtol */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypermesh/error.h"
#include "hypermesh/os.h"
#include "os_bpf.h"
#include "os_parse.h"

#if defined(__linux__) && defined(HM_HAVE_BPF)
#include <linux/types.h>

#include "hm_bpf.h"
#include "telemetry.skel.h"
#endif

struct hm_os_telemetry {
	enum hm_os_telemetry_source source;
	int bpf_error;
	long ticks_per_second;
#if defined(__linux__) && defined(HM_HAVE_BPF)
	struct hm_telemetry *skel;
#endif
};

#if defined(__linux__) && defined(HM_HAVE_BPF)

/* Loads and attaches the telemetry programs into t->skel. */
static int bpf_start(struct hm_os_telemetry *t)
{
	struct hm_telemetry *skel;
	int rc;

	rc = hm_os_bpf_prepare();
	if (rc != HM_OK)
		return rc;
	skel = hm_telemetry__open();
	if (skel == NULL)
		return hm_os_bpf_error(errno);
	/* A kernel without one of the socket functions (IPv6 built out, a
	 * renamed symbol) still gets everything else. */
	hm_os_bpf_skip_missing_targets(skel->obj);
	rc = hm_telemetry__load(skel);
	if (rc == 0)
		rc = hm_telemetry__attach(skel);
	if (rc != 0) {
		rc = hm_os_bpf_error(-rc);
		hm_telemetry__destroy(skel);
		return rc;
	}
	t->skel = skel;
	return HM_OK;
}

static void bpf_stop(struct hm_os_telemetry *t)
{
	hm_telemetry__destroy(t->skel);
	t->skel = NULL;
}

static void proc_from_bpf(int32_t pid, const struct hm_bpf_proc *v, struct hm_os_proc_usage *out)
{
	memset(out, 0, sizeof(*out));
	out->pid = pid;
	memcpy(out->comm, v->comm, sizeof(out->comm) - 1);
	out->comm[sizeof(out->comm) - 1] = '\0';
	out->cgroup_id = v->cgroup_id;
	out->cpu_ns = v->cpu_ns;
	out->disk_read_bytes = v->disk_read_bytes;
	out->disk_write_bytes = v->disk_write_bytes;
	out->net_tx_bytes = v->net_tx_bytes;
	out->net_rx_bytes = v->net_rx_bytes;
}

/*
 * Copies up to cap entries of a BPF hash map into out[] (elem_size bytes
 * each), converting each with take(). key and next are scratch space of the
 * map's key size, value of its value size. Entries evicted while we walk are
 * skipped; *truncated (if given) says whether entries were left over.
 */
typedef void (*map_take_fn)(void *elem, const void *key, const void *value);

static size_t bpf_map_collect(int fd, void *key, void *next, size_t key_size, void *value,
                              void *out, size_t elem_size, size_t cap, bool *truncated,
                              map_take_fn take)
{
	const void *prev = NULL;
	size_t n = 0;

	if (truncated != NULL)
		*truncated = false;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, key_size);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, value) != 0)
			continue; /* evicted meanwhile */
		if (n == cap) {
			if (truncated != NULL)
				*truncated = true;
			break;
		}
		take((unsigned char *)out + n * elem_size, key, value);
		n++;
	}
	return n;
}

static void take_proc(void *elem, const void *key, const void *value)
{
	proc_from_bpf((int32_t) * (const __u32 *)key, value, elem);
}

static int bpf_procs(struct hm_os_telemetry *t, struct hm_os_proc_usage *out, size_t cap,
                     size_t *count, bool *truncated)
{
	__u32 key, next;
	struct hm_bpf_proc v;

	*count = bpf_map_collect(bpf_map__fd(t->skel->maps.procs), &key, &next, sizeof(key), &v,
	                         out, sizeof(*out), cap, truncated, take_proc);
	return HM_OK;
}

static int bpf_proc(struct hm_os_telemetry *t, int32_t pid, struct hm_os_proc_usage *out)
{
	__u32 key = (__u32)pid;
	struct hm_bpf_proc v;

	if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.procs), &key, &v) != 0)
		return HM_ERR_NOT_FOUND;
	proc_from_bpf(pid, &v, out);
	return HM_OK;
}

/* Arguments every public map query checks the same way. */
static int bpf_query_check(const struct hm_os_telemetry *t, const void *out, size_t cap,
                           const size_t *count, bool *truncated)
{
	if (t == NULL || (out == NULL && cap > 0) || count == NULL)
		return HM_ERR_INVALID;
	if (truncated != NULL)
		*truncated = false;
	if (t->source != HM_OS_TELEMETRY_BPF)
		return HM_ERR_UNSUPPORTED;
	return HM_OK;
}

static void take_cgroup(void *elem, const void *key, const void *value)
{
	struct hm_os_cgroup_usage *out = elem;
	const struct hm_bpf_cgroup *v = value;

	out->cgroup_id = *(const __u64 *)key;
	out->cpu_ns = v->cpu_ns;
}

int hm_os_telemetry_cgroups(struct hm_os_telemetry *t, struct hm_os_cgroup_usage *out, size_t cap,
                            size_t *count, bool *truncated)
{
	__u64 key, next;
	struct hm_bpf_cgroup v;
	int rc = bpf_query_check(t, out, cap, count, truncated);

	if (rc != HM_OK)
		return rc;
	*count = bpf_map_collect(bpf_map__fd(t->skel->maps.cgroups), &key, &next, sizeof(key), &v,
	                         out, sizeof(*out), cap, truncated, take_cgroup);
	return HM_OK;
}

static void take_disk(void *elem, const void *key, const void *value)
{
	struct hm_os_disk_io *out = elem;
	const struct hm_bpf_disk *v = value;

	(void)key;
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%.*s", (int)sizeof(v->name), v->name);
	out->major = v->major;
	out->minor = v->minor;
	out->read_bytes = v->read_bytes;
	out->write_bytes = v->write_bytes;
	out->read_ios = v->read_ios;
	out->write_ios = v->write_ios;
}

int hm_os_telemetry_disks(struct hm_os_telemetry *t, struct hm_os_disk_io *out, size_t cap,
                          size_t *count, bool *truncated)
{
	__u32 key, next;
	struct hm_bpf_disk v;
	int rc = bpf_query_check(t, out, cap, count, truncated);

	if (rc != HM_OK)
		return rc;
	*count = bpf_map_collect(bpf_map__fd(t->skel->maps.disks), &key, &next, sizeof(key), &v,
	                         out, sizeof(*out), cap, truncated, take_disk);
	return HM_OK;
}

int hm_os_telemetry_runq(struct hm_os_telemetry *t, struct hm_os_runq_hist *out)
{
	int ncpu, fd;
	__u64 *percpu;

	if (t == NULL || out == NULL)
		return HM_ERR_INVALID;
	if (t->source != HM_OS_TELEMETRY_BPF)
		return HM_ERR_UNSUPPORTED;
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return HM_ERR_IO;
	percpu = calloc((size_t)ncpu, sizeof(*percpu));
	if (percpu == NULL)
		return HM_ERR_NOMEM;
	fd = bpf_map__fd(t->skel->maps.runq_hist);
	memset(out, 0, sizeof(*out));
	for (__u32 b = 0; b < HM_OS_RUNQ_BUCKETS && b < HM_BPF_RUNQ_BUCKETS; b++) {
		if (bpf_map_lookup_elem(fd, &b, percpu) != 0)
			continue;
		for (int c = 0; c < ncpu; c++)
			out->buckets[b] += percpu[c];
	}
	free(percpu);
	return HM_OK;
}

#else /* no eBPF */

static int bpf_start(struct hm_os_telemetry *t)
{
	(void)t;
	return HM_ERR_UNSUPPORTED;
}

static void bpf_stop(struct hm_os_telemetry *t)
{
	(void)t;
}

static int bpf_procs(struct hm_os_telemetry *t, struct hm_os_proc_usage *out, size_t cap,
                     size_t *count, bool *truncated)
{
	(void)t, (void)out, (void)cap, (void)count, (void)truncated;
	return HM_ERR_UNSUPPORTED;
}

static int bpf_proc(struct hm_os_telemetry *t, int32_t pid, struct hm_os_proc_usage *out)
{
	(void)t, (void)pid, (void)out;
	return HM_ERR_UNSUPPORTED;
}

int hm_os_telemetry_cgroups(struct hm_os_telemetry *t, struct hm_os_cgroup_usage *out, size_t cap,
                            size_t *count, bool *truncated)
{
	if (t == NULL || (out == NULL && cap > 0) || count == NULL)
		return HM_ERR_INVALID;
	if (truncated != NULL)
		*truncated = false;
	return HM_ERR_UNSUPPORTED;
}

int hm_os_telemetry_disks(struct hm_os_telemetry *t, struct hm_os_disk_io *out, size_t cap,
                          size_t *count, bool *truncated)
{
	if (t == NULL || (out == NULL && cap > 0) || count == NULL)
		return HM_ERR_INVALID;
	if (truncated != NULL)
		*truncated = false;
	return HM_ERR_UNSUPPORTED;
}

int hm_os_telemetry_runq(struct hm_os_telemetry *t, struct hm_os_runq_hist *out)
{
	if (t == NULL || out == NULL)
		return HM_ERR_INVALID;
	return HM_ERR_UNSUPPORTED;
}

#endif

#if defined(__linux__)

/* Reads a small /proc file whole into buf; returns its length or -1. */
static ssize_t read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;

	if (fd < 0)
		return -1;
	while (len < cap) {
		ssize_t r = read(fd, buf + len, cap - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	return (ssize_t)len;
}

static int proc_read(const struct hm_os_telemetry *t, int32_t pid, struct hm_os_proc_usage *out)
{
	char path[64], buf[1024];
	ssize_t len;
	uint64_t ticks, rd, wr;
	struct hm_os_proc_usage u;

	memset(&u, 0, sizeof(u));
	u.pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	len = read_small(path, buf, sizeof(buf));
	if (len <= 0)
		return HM_ERR_NOT_FOUND;
	if (hm_os_parse_pid_stat(buf, (size_t)len, u.comm, sizeof(u.comm), &ticks) != HM_OK)
		return HM_ERR_NOT_FOUND;
	u.cpu_ns = ticks * (1000000000ULL / (uint64_t)t->ticks_per_second);
	/* Another user's io file needs ptrace rights: those bytes stay 0. */
	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	len = read_small(path, buf, sizeof(buf));
	if (len > 0 && hm_os_parse_pid_io(buf, (size_t)len, &rd, &wr) == HM_OK) {
		u.disk_read_bytes = rd;
		u.disk_write_bytes = wr;
	}
	*out = u;
	return HM_OK;
}

static int proc_procs(struct hm_os_telemetry *t, struct hm_os_proc_usage *out, size_t cap,
                      size_t *count, bool *truncated)
{
	DIR *dir = opendir("/proc");
	struct dirent *e;
	size_t n = 0;

	if (dir == NULL)
		return HM_ERR_IO;
	while ((e = readdir(dir)) != NULL) {
		char *endp;
		long pid = strtol(e->d_name, &endp, 10);

		if (*endp != '\0' || pid <= 0 || pid > INT32_MAX)
			continue;
		if (n == cap) {
			if (truncated != NULL)
				*truncated = true;
			break;
		}
		if (proc_read(t, (int32_t)pid, &out[n]) == HM_OK)
			n++;
	}
	closedir(dir);
	*count = n;
	return HM_OK;
}

static long ticks_per_second(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	return hz > 0 && hz <= 1000000000L ? hz : 100;
}

#else

static int proc_read(const struct hm_os_telemetry *t, int32_t pid, struct hm_os_proc_usage *out)
{
	(void)t, (void)pid, (void)out;
	return HM_ERR_UNSUPPORTED;
}

static int proc_procs(struct hm_os_telemetry *t, struct hm_os_proc_usage *out, size_t cap,
                      size_t *count, bool *truncated)
{
	(void)t, (void)out, (void)cap, (void)count, (void)truncated;
	return HM_ERR_UNSUPPORTED;
}

static long ticks_per_second(void)
{
	return 100;
}

#endif

int hm_os_telemetry_open(unsigned flags, struct hm_os_telemetry **out)
{
	const unsigned known = HM_OS_TELEMETRY_REQUIRE_BPF | HM_OS_TELEMETRY_NO_BPF;
	struct hm_os_telemetry *t;

	if (out == NULL || (flags & ~known) != 0 || flags == known)
		return HM_ERR_INVALID;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return HM_ERR_NOMEM;
	t->ticks_per_second = ticks_per_second();
	t->bpf_error = (flags & HM_OS_TELEMETRY_NO_BPF) ? HM_ERR_UNSUPPORTED : bpf_start(t);
	if (t->bpf_error == HM_OK) {
		t->source = HM_OS_TELEMETRY_BPF;
	} else if (flags & HM_OS_TELEMETRY_REQUIRE_BPF) {
		int rc = t->bpf_error;

		free(t);
		return rc;
	} else {
#if !defined(__linux__)
		free(t);
		return HM_ERR_UNSUPPORTED;
#endif
		t->source = HM_OS_TELEMETRY_PROC;
	}
	*out = t;
	return HM_OK;
}

void hm_os_telemetry_close(struct hm_os_telemetry *t)
{
	if (t == NULL)
		return;
	if (t->source == HM_OS_TELEMETRY_BPF)
		bpf_stop(t);
	free(t);
}

enum hm_os_telemetry_source hm_os_telemetry_source(const struct hm_os_telemetry *t)
{
	return t != NULL ? t->source : HM_OS_TELEMETRY_PROC;
}

int hm_os_telemetry_bpf_error(const struct hm_os_telemetry *t)
{
	return t != NULL ? t->bpf_error : HM_ERR_INVALID;
}

int hm_os_telemetry_procs(struct hm_os_telemetry *t, struct hm_os_proc_usage *out, size_t cap,
                          size_t *count, bool *truncated)
{
	if (t == NULL || (out == NULL && cap > 0) || count == NULL)
		return HM_ERR_INVALID;
	if (truncated != NULL)
		*truncated = false;
	if (t->source == HM_OS_TELEMETRY_BPF)
		return bpf_procs(t, out, cap, count, truncated);
	return proc_procs(t, out, cap, count, truncated);
}

int hm_os_telemetry_proc(struct hm_os_telemetry *t, int32_t pid, struct hm_os_proc_usage *out)
{
	if (t == NULL || out == NULL || pid <= 0)
		return HM_ERR_INVALID;
	if (t->source == HM_OS_TELEMETRY_BPF)
		return bpf_proc(t, pid, out);
	return proc_read(t, pid, out);
}
