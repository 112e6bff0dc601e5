/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Linux backend, CPU, memory and live usage: /proc and /sys only, parsed by
 * the pure functions of os_parse.c. Nothing here runs another program.
 */
#ifdef __linux__
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hypermesh/clock.h"
#include "hypermesh/error.h"
#include "hypermesh/file.h"
#include "hypermesh/os.h"
#include "os_linux.h"
#include "os_parse.h"

#define SYS_CPU "/sys/devices/system/cpu"

int hm_os_read_proc(const char *path, struct hm_buf *out)
{
	int rc = hm_buf_truncate(out, 0);

	if (rc == HM_OK)
		rc = hm_file_read(path, HM_OS_PROC_MAX, out);
	return rc;
}

int hm_os_read_sys(const char *path, char *buf, size_t cap)
{
	/* A sysfs attribute is at most one page; read it whole, then fit it to buf. */
	char page[4096];
	size_t len = 0;
	int fd, rc = HM_OK;

	if (cap == 0)
		return HM_ERR_INVALID;
	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hm_err_from_errno(errno);
	for (;;) {
		ssize_t n = read(fd, page + len, sizeof(page) - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = hm_err_from_errno(errno);
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == sizeof(page)) {
			rc = HM_ERR_TOO_LARGE;
			break;
		}
	}
	close(fd);
	if (rc != HM_OK)
		return rc;
	while (len > 0 && (page[len - 1] == '\n' || page[len - 1] == ' ' || page[len - 1] == '\t'))
		len--;
	if (len >= cap || memchr(page, '\0', len) != NULL)
		return len >= cap ? HM_ERR_TOO_LARGE : HM_ERR_ENCODING;
	memcpy(buf, page, len);
	buf[len] = '\0';
	return HM_OK;
}

int hm_os_read_sys_u64(const char *path, uint64_t *value)
{
	char buf[64];
	int rc = hm_os_read_sys(path, buf, sizeof(buf));

	return rc != HM_OK ? rc : hm_os_parse_u64(buf, strlen(buf), value);
}

int hm_os_read_sys_hex(const char *path, uint64_t *value)
{
	char buf[64];
	int rc = hm_os_read_sys(path, buf, sizeof(buf));

	return rc != HM_OK ? rc : hm_os_parse_hex(buf, strlen(buf), value);
}

int hm_os_path(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= cap ? HM_ERR_LENGTH : HM_OK;
}

static int read_cpuset(const char *path, struct hm_os_cpuset *set)
{
	/* A list of 8192 CPUs written one by one would be ~40 KiB; real lists are ranges. */
	char buf[4096];
	int rc = hm_os_read_sys(path, buf, sizeof(buf));

	return rc != HM_OK ? rc : hm_os_parse_cpulist(buf, strlen(buf), set);
}

static int cpuset_has(const struct hm_os_cpuset *set, size_t cpu)
{
	return cpu < HM_OS_CPU_MAX && (set->bits[cpu / 64] >> (cpu % 64) & 1);
}

/* The lowest online CPU sharing a core with cpu, or -1 when the topology is missing. */
static long core_leader(size_t cpu, const struct hm_os_cpuset *online, struct hm_os_cpuset *tmp)
{
	char path[128];

	if (hm_os_path(path, sizeof(path), SYS_CPU "/cpu%zu/topology/core_cpus_list", cpu) !=
	            HM_OK ||
	    (read_cpuset(path, tmp) != HM_OK &&
	     (hm_os_path(path, sizeof(path), SYS_CPU "/cpu%zu/topology/thread_siblings_list",
	                 cpu) != HM_OK ||
	      read_cpuset(path, tmp) != HM_OK)))
		return -1;
	for (size_t i = 0; i < HM_OS_CPU_MAX / 64; i++)
		tmp->bits[i] &= online->bits[i];
	return hm_os_cpuset_first(tmp);
}

/* Sockets and cores from sysfs topology; 0 when it is not there. */
static int cpu_topology(struct hm_os_cpu *out, const struct hm_os_cpuset *online)
{
	struct hm_os_cpuset *scratch = malloc(2 * sizeof(*scratch));
	struct hm_os_cpuset *packages;
	uint32_t sockets = 0, cores = 0;
	int rc = HM_OK;

	if (scratch == NULL)
		return HM_ERR_NOMEM;
	packages = &scratch[1];
	memset(packages, 0, sizeof(*packages));
	for (size_t cpu = 0; cpu < HM_OS_CPU_MAX; cpu++) {
		char path[128];
		uint64_t pkg;
		long leader;

		if (!cpuset_has(online, cpu))
			continue;
		leader = core_leader(cpu, online, &scratch[0]);
		if (leader < 0 ||
		    hm_os_path(path, sizeof(path), SYS_CPU "/cpu%zu/topology/physical_package_id",
		               cpu) != HM_OK) {
			sockets = cores = 0;
			break;
		}
		if ((size_t)leader == cpu)
			cores++;
		/* Some Arm systems say -1 (no package information): one package. */
		if (hm_os_read_sys_u64(path, &pkg) != HM_OK || pkg >= HM_OS_CPU_MAX)
			pkg = 0;
		if (!cpuset_has(packages, pkg)) {
			packages->bits[pkg / 64] |= UINT64_C(1) << (pkg % 64);
			sockets++;
		}
	}
	out->sockets = sockets;
	out->cores = cores;
	free(scratch);
	return rc;
}

static void cpu_frequency(struct hm_os_cpu *out, long first, uint64_t cpuinfo_khz)
{
	char path[128];
	uint64_t v;

	if (first >= 0 &&
	    hm_os_path(path, sizeof(path), SYS_CPU "/cpu%ld/cpufreq/cpuinfo_max_freq", first) ==
	            HM_OK &&
	    hm_os_read_sys_u64(path, &v) == HM_OK)
		out->max_khz = v;
	/* intel_pstate names the base frequency; amd-pstate exposes the CPPC nominal one. */
	if (first >= 0 &&
	    hm_os_path(path, sizeof(path), SYS_CPU "/cpu%ld/cpufreq/base_frequency", first) ==
	            HM_OK &&
	    hm_os_read_sys_u64(path, &v) == HM_OK)
		out->base_khz = v;
	else if (first >= 0 &&
	         hm_os_path(path, sizeof(path), SYS_CPU "/cpu%ld/acpi_cppc/nominal_freq", first) ==
	                 HM_OK &&
	         hm_os_read_sys_u64(path, &v) == HM_OK && v <= UINT64_MAX / 1000)
		out->base_khz = v * 1000;
	if (out->max_khz != 0 || out->base_khz != 0) {
		out->freq_source = HM_OS_FREQ_CPUFREQ;
	} else if (cpuinfo_khz != 0) {
		out->base_khz = out->max_khz = cpuinfo_khz;
		out->freq_source = HM_OS_FREQ_CPUINFO;
	}
}

static void cpu_caches(struct hm_os_cpu *out, long first)
{
	struct hm_os_cpuset *shared;

	if (first < 0)
		return;
	shared = malloc(sizeof(*shared));
	if (shared == NULL)
		return;
	for (unsigned idx = 0; out->ncaches < HM_OS_CACHE_MAX; idx++) {
		struct hm_os_cache *c = &out->caches[out->ncaches];
		char dir[128], path[192], buf[64];
		uint64_t level, size;
		size_t sharers;

		if (hm_os_path(dir, sizeof(dir), SYS_CPU "/cpu%ld/cache/index%u", first, idx) !=
		            HM_OK ||
		    hm_os_path(path, sizeof(path), "%s/level", dir) != HM_OK ||
		    hm_os_read_sys_u64(path, &level) != HM_OK || level > UINT32_MAX)
			break;
		if (hm_os_path(path, sizeof(path), "%s/size", dir) != HM_OK ||
		    hm_os_read_sys(path, buf, sizeof(buf)) != HM_OK ||
		    hm_os_parse_size(buf, strlen(buf), &size) != HM_OK)
			continue;
		memset(c, 0, sizeof(*c));
		c->level = (uint32_t)level;
		c->size_bytes = size;
		if (hm_os_path(path, sizeof(path), "%s/type", dir) == HM_OK)
			(void)hm_os_read_sys(path, c->type, sizeof(c->type));
		if (hm_os_path(path, sizeof(path), "%s/shared_cpu_list", dir) == HM_OK &&
		    read_cpuset(path, shared) == HM_OK) {
			sharers = hm_os_cpuset_count(shared);
			if (sharers > 0)
				c->instances = (uint32_t)((out->threads + sharers - 1) / sharers);
		}
		out->ncaches++;
	}
	free(shared);
}

int hm_os_cpu_detect(struct hm_os_cpu *out)
{
	struct hm_os_cpuinfo info;
	struct hm_os_cpuset *sets = NULL, *online, *nodes;
	struct hm_buf text;
	cpu_set_t affinity;
	long first = -1;
	int rc;

	if (out == NULL)
		return HM_ERR_INVALID;
	hm_buf_init(&text);
	rc = hm_os_read_proc("/proc/cpuinfo", &text);
	if (rc == HM_OK)
		rc = hm_os_parse_cpuinfo((const char *)text.data, text.len, &info);
	hm_buf_free(&text);
	if (rc != HM_OK)
		return rc;
	sets = malloc(2 * sizeof(*sets));
	if (sets == NULL)
		return HM_ERR_NOMEM;
	online = &sets[0];
	nodes = &sets[1];

	memset(out, 0, sizeof(*out));
	memcpy(out->model, info.model, sizeof(out->model));
	memcpy(out->vendor, info.vendor, sizeof(out->vendor));
	out->flags = info.flags;
	out->flag_total = info.flag_total;

	if (read_cpuset(SYS_CPU "/online", online) == HM_OK && hm_os_cpuset_count(online) > 0) {
		out->threads = (uint32_t)hm_os_cpuset_count(online);
		first = hm_os_cpuset_first(online);
		rc = cpu_topology(out, online);
		if (rc != HM_OK)
			goto out;
	} else {
		out->threads = info.processors;
	}
	if (out->sockets == 0 || out->cores == 0) {
		/* No sysfs topology: what /proc/cpuinfo says (x86 lists sockets and cores). */
		out->sockets = info.sockets > 0 ? info.sockets : 1;
		out->cores = info.cores_per_socket > 0 ? out->sockets * info.cores_per_socket
		                                       : out->threads;
	}
	out->threads_usable = out->threads;
	if (sched_getaffinity(0, sizeof(affinity), &affinity) == 0)
		out->threads_usable = (uint32_t)CPU_COUNT(&affinity);
	out->numa_nodes = 1;
	if (read_cpuset("/sys/devices/system/node/online", nodes) == HM_OK &&
	    hm_os_cpuset_count(nodes) > 0)
		out->numa_nodes = (uint32_t)hm_os_cpuset_count(nodes);
	cpu_frequency(out, first, info.mhz_khz);
	cpu_caches(out, first);
out:
	free(sets);
	return rc;
}

int hm_os_mem_detect(struct hm_os_mem *out)
{
	struct hm_buf text;
	int rc;

	if (out == NULL)
		return HM_ERR_INVALID;
	hm_buf_init(&text);
	rc = hm_os_read_proc("/proc/meminfo", &text);
	if (rc == HM_OK)
		rc = hm_os_parse_meminfo((const char *)text.data, text.len, out);
	hm_buf_free(&text);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hm_os_io_counter *)a)->name,
	              ((const struct hm_os_io_counter *)b)->name);
}

/*
 * The names in a sysfs class directory, sorted; with need_device, only those
 * with a "device" link (a disk, not a loop, dm, md or zram device, which
 * would count the same bytes twice).
 */
static size_t list_names(const char *dir, int need_device, struct hm_os_io_counter *list,
                         size_t cap, bool *truncated)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char path[512];
		struct stat st;

		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(list[0].name))
			continue;
		if (need_device &&
		    (hm_os_path(path, sizeof(path), "%s/%s/device", dir, e->d_name) != HM_OK ||
		     stat(path, &st) != 0))
			continue;
		if (n == cap) {
			*truncated = true;
			break;
		}
		memset(&list[n], 0, sizeof(list[n]));
		memcpy(list[n].name, e->d_name, strlen(e->d_name) + 1);
		n++;
	}
	closedir(d);
	qsort(list, n, sizeof(*list), name_cmp);
	return n;
}

int hm_os_usage_sample(struct hm_os_usage_sample *out)
{
	struct hm_os_usage_sample *s;
	struct hm_os_mem mem;
	struct hm_buf text;
	int rc;

	if (out == NULL)
		return HM_ERR_INVALID;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return HM_ERR_NOMEM;
	hm_buf_init(&text);
	s->ndisks = list_names("/sys/block", 1, s->disks, HM_OS_DISK_MAX, &s->truncated);
	s->nnets = list_names("/sys/class/net", 0, s->nets, HM_OS_NETIF_MAX, &s->truncated);
	/* The time of the CPU counters, which change fastest. */
	s->mono_ns = hm_clock_mono_ns();
	rc = hm_os_read_proc("/proc/stat", &text);
	if (rc == HM_OK)
		rc = hm_os_parse_stat((const char *)text.data, text.len, &s->cpu);
	if (rc == HM_OK)
		rc = hm_os_read_proc("/proc/meminfo", &text);
	if (rc == HM_OK)
		rc = hm_os_parse_meminfo((const char *)text.data, text.len, &mem);
	if (rc == HM_OK && s->ndisks > 0) {
		rc = hm_os_read_proc("/proc/diskstats", &text);
		if (rc == HM_OK)
			rc = hm_os_parse_diskstats((const char *)text.data, text.len, s->disks,
			                           s->ndisks);
	}
	if (rc == HM_OK && s->nnets > 0) {
		rc = hm_os_read_proc("/proc/net/dev", &text);
		if (rc == HM_OK)
			rc = hm_os_parse_netdev((const char *)text.data, text.len, s->nets,
			                        s->nnets);
	}
	if (rc == HM_OK) {
		s->mem_total_bytes = mem.total_bytes;
		s->mem_available_bytes = mem.available_bytes;
		*out = *s;
	}
	hm_buf_free(&text);
	free(s);
	return rc;
}
#endif
