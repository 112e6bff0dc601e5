/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The portable part of the OS layer: rates from two usage samples, and the
 * answer of systems that have no backend yet.
 */
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/os.h"

/* A counter that went backwards was reset or belongs to a new device: no rate. */
static double rate(uint64_t before, uint64_t after, double seconds)
{
	return after >= before ? (double)(after - before) / seconds : 0.0;
}

static const struct hm_os_io_counter *find_counter(const struct hm_os_io_counter *list, size_t n,
                                                   const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].found && strncmp(list[i].name, name, sizeof(list[i].name)) == 0)
			return &list[i];
	return NULL;
}

static size_t io_rates(const struct hm_os_io_counter *a, size_t na,
                       const struct hm_os_io_counter *b, size_t nb, double seconds,
                       struct hm_os_io_rate *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < nb && n < cap; i++) {
		const struct hm_os_io_counter *prev;

		if (!b[i].found)
			continue;
		prev = find_counter(a, na, b[i].name);
		memset(&out[n], 0, sizeof(out[n]));
		memcpy(out[n].name, b[i].name, sizeof(out[n].name));
		out[n].name[sizeof(out[n].name) - 1] = '\0';
		if (prev != NULL) {
			out[n].read_bps = rate(prev->read_bytes, b[i].read_bytes, seconds);
			out[n].write_bps = rate(prev->write_bytes, b[i].write_bytes, seconds);
		}
		n++;
	}
	return n;
}

static uint64_t cpu_total(const struct hm_os_cpu_times *t)
{
	return t->user + t->nice + t->system + t->idle + t->iowait + t->irq + t->softirq + t->steal;
}

int hm_os_usage_compute(const struct hm_os_usage_sample *a, const struct hm_os_usage_sample *b,
                        struct hm_os_usage *out)
{
	struct hm_os_usage u;
	uint64_t total_a, total_b, idle_a, idle_b;
	double seconds;

	if (a == NULL || b == NULL || out == NULL || b->mono_ns <= a->mono_ns ||
	    a->ndisks > HM_OS_DISK_MAX || b->ndisks > HM_OS_DISK_MAX ||
	    a->nnets > HM_OS_NETIF_MAX || b->nnets > HM_OS_NETIF_MAX)
		return HM_ERR_INVALID;
	memset(&u, 0, sizeof(u));
	seconds = (double)(b->mono_ns - a->mono_ns) / 1e9;
	u.interval_s = seconds;

	total_a = cpu_total(&a->cpu);
	total_b = cpu_total(&b->cpu);
	idle_a = a->cpu.idle + a->cpu.iowait;
	idle_b = b->cpu.idle + b->cpu.iowait;
	if (total_b > total_a && idle_b >= idle_a && idle_b - idle_a <= total_b - total_a) {
		uint64_t busy = (total_b - total_a) - (idle_b - idle_a);
		u.cpu_percent = 100.0 * (double)busy / (double)(total_b - total_a);
	}

	u.mem_total_bytes = b->mem_total_bytes;
	u.mem_used_bytes = b->mem_total_bytes > b->mem_available_bytes
	                           ? b->mem_total_bytes - b->mem_available_bytes
	                           : 0;

	u.ndisks = io_rates(a->disks, a->ndisks, b->disks, b->ndisks, seconds, u.disks,
	                    HM_OS_DISK_MAX);
	for (size_t i = 0; i < u.ndisks; i++) {
		u.disk_read_bps += u.disks[i].read_bps;
		u.disk_write_bps += u.disks[i].write_bps;
	}
	u.nnets = io_rates(a->nets, a->nnets, b->nets, b->nnets, seconds, u.nets, HM_OS_NETIF_MAX);
	for (size_t i = 0; i < u.nnets; i++) {
		/* Loopback traffic never leaves the machine. */
		if (strcmp(u.nets[i].name, "lo") == 0)
			continue;
		u.net_rx_bps += u.nets[i].read_bps;
		u.net_tx_bps += u.nets[i].write_bps;
	}
	*out = u;
	return HM_OK;
}

#if !defined(__linux__) && !defined(_WIN32)
/* The BSDs and macOS get their backends later (docs/OS.md); Windows has os_win.c. */
int hm_os_cpu_detect(struct hm_os_cpu *out)
{
	(void)out;
	return HM_ERR_UNSUPPORTED;
}

int hm_os_mem_detect(struct hm_os_mem *out)
{
	(void)out;
	return HM_ERR_UNSUPPORTED;
}

int hm_os_storage_detect(struct hm_os_storage *out)
{
	(void)out;
	return HM_ERR_UNSUPPORTED;
}

int hm_os_gpus_detect(struct hm_os_gpus *out)
{
	(void)out;
	return HM_ERR_UNSUPPORTED;
}

int hm_os_netifs_detect(struct hm_os_netifs *out)
{
	(void)out;
	return HM_ERR_UNSUPPORTED;
}

int hm_os_usage_sample(struct hm_os_usage_sample *out)
{
	(void)out;
	return HM_ERR_UNSUPPORTED;
}
#endif
