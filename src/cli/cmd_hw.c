/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hypermesh hw`: the hardware this node has, for people or (--json) for
 * programs. `hypermesh top`: how busy it is, one line per interval.
 */
#define _GNU_SOURCE /* getopt_long, nanosleep */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_args.h"
#include "hypermesh/error.h"
#include "hypermesh/os.h"

/* Everything hw prints; large, so it lives on the heap. */
struct hw_info {
	struct hm_os_cpu cpu;
	struct hm_os_mem mem;
	struct hm_os_storage storage;
	struct hm_os_gpus gpus;
	struct hm_os_netifs net;
};

/* "1.5 GiB": binary units with one decimal, for people; JSON carries exact bytes. */
static const char *human(double bytes, char *buf, size_t cap)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	size_t u = 0;

	while (bytes >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		bytes /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, cap, "%.0f %s", bytes, units[u]);
	else
		snprintf(buf, cap, "%.1f %s", bytes, units[u]);
	return buf;
}

static const char *freq_source_name(enum hm_os_freq_source s)
{
	switch (s) {
	case HM_OS_FREQ_CPUFREQ:
		return "cpufreq";
	case HM_OS_FREQ_CPUINFO:
		return "cpuinfo";
	default:
		return "unknown";
	}
}

static const char *or_unknown(const char *s)
{
	return s[0] != '\0' ? s : "(unknown)";
}

static void print_cpu(const struct hm_os_cpu *c)
{
	char b[32];

	printf("CPU\n");
	printf("  model:       %s\n", or_unknown(c->model));
	printf("  vendor:      %s\n", or_unknown(c->vendor));
	printf("  sockets:     %" PRIu32 "\n", c->sockets);
	printf("  cores:       %" PRIu32 "\n", c->cores);
	printf("  threads:     %" PRIu32 " online, %" PRIu32 " usable by this process\n",
	       c->threads, c->threads_usable);
	printf("  numa nodes:  %" PRIu32 "\n", c->numa_nodes);
	if (c->freq_source == HM_OS_FREQ_UNKNOWN)
		printf("  frequency:   (unknown)\n");
	else
		printf("  frequency:   base %" PRIu64 " MHz, max %" PRIu64 " MHz (from %s)\n",
		       c->base_khz / 1000, c->max_khz / 1000, freq_source_name(c->freq_source));
	printf("  flags:      ");
	for (unsigned i = 0; i < HM_OS_CPU_FLAG_COUNT; i++)
		if (hm_os_cpu_has(c->flags, (enum hm_os_cpu_flag)i))
			printf(" %s", hm_os_cpu_flag_name((enum hm_os_cpu_flag)i));
	printf(" (%" PRIu32 " flags in all)\n", c->flag_total);
	for (size_t i = 0; i < c->ncaches; i++)
		printf("  cache:       L%" PRIu32 " %-11s %s x %" PRIu32 "\n", c->caches[i].level,
		       or_unknown(c->caches[i].type),
		       human((double)c->caches[i].size_bytes, b, sizeof(b)),
		       c->caches[i].instances);
}

static void print_mem(const struct hm_os_mem *m)
{
	char a[32], b[32];

	printf("Memory\n");
	printf("  total:       %s (%" PRIu64 " bytes)\n",
	       human((double)m->total_bytes, a, sizeof(a)), m->total_bytes);
	printf("  available:   %s\n", human((double)m->available_bytes, a, sizeof(a)));
	printf("  swap:        %s, %s free\n", human((double)m->swap_total_bytes, a, sizeof(a)),
	       human((double)m->swap_free_bytes, b, sizeof(b)));
	printf("  huge pages:  %" PRIu64 " of %s, %" PRIu64 " free\n", m->hugepages_total,
	       human((double)m->hugepage_size_bytes, a, sizeof(a)), m->hugepages_free);
}

static void print_storage(const struct hm_os_storage *s)
{
	char a[32], b[32];

	printf("Disks\n");
	for (size_t i = 0; i < s->ndisks; i++) {
		const struct hm_os_disk *d = &s->disks[i];
		printf("  %-12s %10s  %s%s%s\n", d->name,
		       human((double)d->size_bytes, a, sizeof(a)),
		       d->rotational ? "rotational" : "solid-state",
		       d->removable ? ", removable" : "", d->physical ? "" : ", virtual");
		if (d->model[0] != '\0')
			printf("  %-12s model %s\n", "", d->model);
	}
	printf("Filesystems\n");
	for (size_t i = 0; i < s->nfs; i++) {
		const struct hm_os_fs *f = &s->fs[i];
		printf("  %-24s %-8s %10s total, %10s available  (%s)\n", f->mount_point, f->type,
		       human((double)f->total_bytes, a, sizeof(a)),
		       human((double)f->avail_bytes, b, sizeof(b)), f->source);
	}
	if (s->truncated)
		printf("  (more devices or mounts than listed)\n");
}

static void print_gpus(const struct hm_os_gpus *g)
{
	printf("GPUs\n");
	if (g->ngpus == 0)
		printf("  (none)\n");
	for (size_t i = 0; i < g->ngpus; i++) {
		const struct hm_os_gpu *x = &g->gpus[i];
		printf("  %s [%04x:%04x] class %06" PRIx32 " driver %s%s%s\n", x->pci_address,
		       x->vendor_id, x->device_id, x->pci_class, or_unknown(x->driver),
		       x->drm_card[0] ? " " : "", x->drm_card);
		if (x->vendor_name[0] != '\0')
			printf("    %s %s\n", x->vendor_name, x->device_name);
		if (x->nv_model[0] != '\0')
			printf("    %s, %s, VBIOS %s, %s\n", x->nv_model, x->nv_uuid, x->nv_vbios,
			       x->nv_bus_type);
	}
	if (g->ngpus > 0 && !g->names_available)
		printf("  (no pci.ids database for names)\n");
}

static void print_net(const struct hm_os_netifs *n)
{
	printf("Network\n");
	for (size_t i = 0; i < n->n; i++) {
		const struct hm_os_netif *f = &n->ifs[i];
		printf("  %-12s %-8s mtu %-6" PRIu32 " mac %s", f->name, f->operstate, f->mtu,
		       f->mac[0] ? f->mac : "-");
		if (f->speed_mbps >= 0)
			printf(" speed %" PRId64 " Mb/s", f->speed_mbps);
		printf("\n");
		for (size_t k = 0; k < f->naddrs; k++)
			printf("  %-12s inet%s %s/%" PRIu32 "\n", "",
			       f->addrs[k].family == 6 ? "6" : "", f->addrs[k].addr,
			       f->addrs[k].prefix_len);
	}
	if (n->truncated)
		printf("  (more interfaces or addresses than listed)\n");
}

/* jansson integers are signed 64-bit; no value we report comes near the limit. */
static json_t *juint(uint64_t v)
{
	return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

/* Builds the object; any allocation failure makes the whole result NULL. */
static int jset(json_t *obj, const char *key, json_t *value, int *ok)
{
	if (value == NULL || json_object_set_new(obj, key, value) != 0)
		*ok = 0;
	return *ok;
}

static int jpush(json_t *arr, json_t *value, int *ok)
{
	if (value == NULL || json_array_append_new(arr, value) != 0)
		*ok = 0;
	return *ok;
}

static json_t *json_cpu(const struct hm_os_cpu *c, int *ok)
{
	json_t *o = json_object(), *flags = json_array(), *caches = json_array();

	jset(o, "model", json_string(c->model), ok);
	jset(o, "vendor", json_string(c->vendor), ok);
	jset(o, "sockets", juint(c->sockets), ok);
	jset(o, "cores", juint(c->cores), ok);
	jset(o, "threads", juint(c->threads), ok);
	jset(o, "threads_usable", juint(c->threads_usable), ok);
	jset(o, "numa_nodes", juint(c->numa_nodes), ok);
	jset(o, "base_khz", juint(c->base_khz), ok);
	jset(o, "max_khz", juint(c->max_khz), ok);
	jset(o, "freq_source", json_string(freq_source_name(c->freq_source)), ok);
	jset(o, "flag_total", juint(c->flag_total), ok);
	jset(o, "flags", flags, ok);
	jset(o, "caches", caches, ok);
	if (!*ok)
		return o;
	for (unsigned i = 0; i < HM_OS_CPU_FLAG_COUNT; i++)
		if (hm_os_cpu_has(c->flags, (enum hm_os_cpu_flag)i))
			jpush(flags, json_string(hm_os_cpu_flag_name((enum hm_os_cpu_flag)i)), ok);
	for (size_t i = 0; i < c->ncaches && *ok; i++) {
		json_t *x = json_object();
		if (!jpush(caches, x, ok))
			break;
		jset(x, "level", juint(c->caches[i].level), ok);
		jset(x, "type", json_string(c->caches[i].type), ok);
		jset(x, "size_bytes", juint(c->caches[i].size_bytes), ok);
		jset(x, "instances", juint(c->caches[i].instances), ok);
	}
	return o;
}

static json_t *json_mem(const struct hm_os_mem *m, int *ok)
{
	json_t *o = json_object();

	jset(o, "total_bytes", juint(m->total_bytes), ok);
	jset(o, "available_bytes", juint(m->available_bytes), ok);
	jset(o, "free_bytes", juint(m->free_bytes), ok);
	jset(o, "swap_total_bytes", juint(m->swap_total_bytes), ok);
	jset(o, "swap_free_bytes", juint(m->swap_free_bytes), ok);
	jset(o, "hugepages_total", juint(m->hugepages_total), ok);
	jset(o, "hugepages_free", juint(m->hugepages_free), ok);
	jset(o, "hugepage_size_bytes", juint(m->hugepage_size_bytes), ok);
	return o;
}

static void json_storage(json_t *root, const struct hm_os_storage *s, int *ok)
{
	json_t *disks = json_array(), *fs = json_array();

	jset(root, "disks", disks, ok);
	jset(root, "filesystems", fs, ok);
	if (!*ok)
		return;
	for (size_t i = 0; i < s->ndisks && *ok; i++) {
		const struct hm_os_disk *d = &s->disks[i];
		json_t *x = json_object();
		if (!jpush(disks, x, ok))
			break;
		jset(x, "name", json_string(d->name), ok);
		jset(x, "model", json_string(d->model), ok);
		jset(x, "size_bytes", juint(d->size_bytes), ok);
		jset(x, "rotational", json_boolean(d->rotational), ok);
		jset(x, "removable", json_boolean(d->removable), ok);
		jset(x, "physical", json_boolean(d->physical), ok);
	}
	for (size_t i = 0; i < s->nfs && *ok; i++) {
		const struct hm_os_fs *f = &s->fs[i];
		json_t *x = json_object();
		if (!jpush(fs, x, ok))
			break;
		jset(x, "mount_point", json_string(f->mount_point), ok);
		jset(x, "source", json_string(f->source), ok);
		jset(x, "type", json_string(f->type), ok);
		jset(x, "total_bytes", juint(f->total_bytes), ok);
		jset(x, "free_bytes", juint(f->free_bytes), ok);
		jset(x, "avail_bytes", juint(f->avail_bytes), ok);
	}
}

static json_t *json_gpus(const struct hm_os_gpus *g, int *ok)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < g->ngpus && *ok; i++) {
		const struct hm_os_gpu *d = &g->gpus[i];
		json_t *x = json_object();
		if (!jpush(arr, x, ok))
			break;
		jset(x, "pci_address", json_string(d->pci_address), ok);
		jset(x, "vendor_id", juint(d->vendor_id), ok);
		jset(x, "device_id", juint(d->device_id), ok);
		jset(x, "pci_class", juint(d->pci_class), ok);
		jset(x, "driver", json_string(d->driver), ok);
		jset(x, "vendor_name", json_string(d->vendor_name), ok);
		jset(x, "device_name", json_string(d->device_name), ok);
		jset(x, "drm_card", json_string(d->drm_card), ok);
		jset(x, "nvidia_model", json_string(d->nv_model), ok);
		jset(x, "nvidia_uuid", json_string(d->nv_uuid), ok);
		jset(x, "nvidia_vbios", json_string(d->nv_vbios), ok);
		jset(x, "nvidia_bus_type", json_string(d->nv_bus_type), ok);
	}
	return arr;
}

static json_t *json_net(const struct hm_os_netifs *n, int *ok)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n->n && *ok; i++) {
		const struct hm_os_netif *f = &n->ifs[i];
		json_t *x = json_object(), *addrs = json_array();
		if (!jpush(arr, x, ok)) {
			json_decref(addrs);
			break;
		}
		jset(x, "name", json_string(f->name), ok);
		jset(x, "ifindex", juint(f->ifindex), ok);
		jset(x, "mac", json_string(f->mac), ok);
		jset(x, "mtu", juint(f->mtu), ok);
		jset(x, "operstate", json_string(f->operstate), ok);
		jset(x, "speed_mbps",
		     f->speed_mbps >= 0 ? json_integer(f->speed_mbps) : json_null(), ok);
		if (!jset(x, "addresses", addrs, ok))
			break;
		for (size_t k = 0; k < f->naddrs && *ok; k++) {
			json_t *a = json_object();
			if (!jpush(addrs, a, ok))
				break;
			jset(a, "family", juint((uint64_t)f->addrs[k].family), ok);
			jset(a, "address", json_string(f->addrs[k].addr), ok);
			jset(a, "prefix_len", juint(f->addrs[k].prefix_len), ok);
		}
	}
	return arr;
}

static int print_json(const struct hw_info *hw)
{
	json_t *root = json_object();
	int ok = root != NULL;
	char *text = NULL;

	if (ok) {
		jset(root, "cpu", json_cpu(&hw->cpu, &ok), &ok);
		jset(root, "memory", json_mem(&hw->mem, &ok), &ok);
		json_storage(root, &hw->storage, &ok);
		jset(root, "gpus", json_gpus(&hw->gpus, &ok), &ok);
		jset(root, "network", json_net(&hw->net, &ok), &ok);
		jset(root, "gpu_names_available", json_boolean(hw->gpus.names_available), &ok);
		jset(root, "truncated",
		     json_boolean(hw->storage.truncated || hw->gpus.truncated || hw->net.truncated),
		     &ok);
	}
	if (ok)
		text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (text == NULL)
		return HM_ERR_NOMEM;
	puts(text);
	free(text);
	return HM_OK;
}

/* Shared option loop of hw and top: returns -1 to go on, or an exit code. */
static int parse_options(const struct cli_command *cmd, int argc, char **argv, int allow_rate,
                         int *json, unsigned long *interval_ms, unsigned long *count)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int opt, stop = 0;

	while ((opt = getopt_long(argc, argv, ":ji:n:" CLI_COMMON_SHORT_OPTIONS, options, NULL)) !=
	       -1) {
		uint64_t value;
		int rc;

		switch (opt) {
		case 'j':
			*json = 1;
			continue;
		case 'i':
		case 'n':
			if (!allow_rate)
				return cli_usage_error(cmd, "unknown option '%s'",
				                       argv[optind - 1]);
			if (opt == 'i')
				rc = cli_option_number(cmd, "--interval", optarg, 10, 3600000,
				                       &value);
			else
				rc = cli_option_number(cmd, "--count", optarg, 1, 1000000, &value);
			if (rc != CLI_OK)
				return rc;
			*(opt == 'i' ? interval_ms : count) = (unsigned long)value;
			continue;
		default:
			if ((rc = cli_other_option(cmd, opt, argv, &stop)) >= 0)
				return rc;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	return -1;
}

/* Fills hw; on failure *what names the part that could not be read. */
static int hw_detect(struct hw_info *hw, const char **what)
{
	int rc;

	*what = "CPU";
	rc = hm_os_cpu_detect(&hw->cpu);
	if (rc != HM_OK)
		return rc;
	*what = "memory";
	rc = hm_os_mem_detect(&hw->mem);
	if (rc != HM_OK)
		return rc;
	*what = "storage";
	rc = hm_os_storage_detect(&hw->storage);
	if (rc != HM_OK)
		return rc;
	*what = "GPUs";
	rc = hm_os_gpus_detect(&hw->gpus);
	if (rc != HM_OK)
		return rc;
	*what = "network interfaces";
	return hm_os_netifs_detect(&hw->net);
}

static int hw_run(const struct cli_command *cmd, int argc, char **argv)
{
	struct hw_info *hw;
	const char *what = NULL;
	int json = 0, rc;

	rc = parse_options(cmd, argc, argv, 0, &json, NULL, NULL);
	if (rc >= 0)
		return rc;
	hw = calloc(1, sizeof(*hw));
	if (hw == NULL) {
		cli_error(cmd, "%s", hm_strerror(HM_ERR_NOMEM));
		return CLI_FAILURE;
	}
	rc = hw_detect(hw, &what);
	if (rc == HM_OK) {
		what = NULL;
		if (json) {
			rc = print_json(hw);
		} else {
			print_cpu(&hw->cpu);
			print_mem(&hw->mem);
			print_storage(&hw->storage);
			print_gpus(&hw->gpus);
			print_net(&hw->net);
		}
	}
	free(hw);
	if (rc != HM_OK) {
		if (what != NULL)
			cli_error(cmd, "cannot detect %s: %s", what, hm_strerror(rc));
		else
			cli_error(cmd, "cannot print: %s", hm_strerror(rc));
		return CLI_FAILURE;
	}
	return fflush(stdout) == 0 ? CLI_OK : CLI_FAILURE;
}

static void sleep_ms(unsigned long ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000),
		               .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int print_usage_line(const struct hm_os_usage *u, int json, json_t *telemetry)
{
	char m1[32], m2[32], a[32], b[32], c[32], d[32];
	json_t *root, *disks, *nets;
	char *text;
	int ok = 1;

	if (!json) {
		printf("cpu %5.1f%%  mem %s / %s  disk read %s/s write %s/s  net rx %s/s tx %s/s\n",
		       u->cpu_percent, human((double)u->mem_used_bytes, m1, sizeof(m1)),
		       human((double)u->mem_total_bytes, m2, sizeof(m2)),
		       human(u->disk_read_bps, a, sizeof(a)),
		       human(u->disk_write_bps, b, sizeof(b)), human(u->net_rx_bps, c, sizeof(c)),
		       human(u->net_tx_bps, d, sizeof(d)));
		return HM_OK;
	}
	root = json_object();
	disks = json_array();
	nets = json_array();
	ok = root != NULL;
	if (ok) {
		jset(root, "interval_s", json_real(u->interval_s), &ok);
		jset(root, "cpu_percent", json_real(u->cpu_percent), &ok);
		jset(root, "mem_total_bytes", juint(u->mem_total_bytes), &ok);
		jset(root, "mem_used_bytes", juint(u->mem_used_bytes), &ok);
		jset(root, "disk_read_bps", json_real(u->disk_read_bps), &ok);
		jset(root, "disk_write_bps", json_real(u->disk_write_bps), &ok);
		jset(root, "net_rx_bps", json_real(u->net_rx_bps), &ok);
		jset(root, "net_tx_bps", json_real(u->net_tx_bps), &ok);
		jset(root, "disks", disks, &ok);
		jset(root, "nets", nets, &ok);
		if (telemetry != NULL)
			jset(root, "telemetry", telemetry, &ok);
	} else {
		json_decref(telemetry);
		json_decref(disks);
		json_decref(nets);
	}
	for (size_t i = 0; i < u->ndisks && ok; i++) {
		json_t *x = json_object();
		if (!jpush(disks, x, &ok))
			break;
		jset(x, "name", json_string(u->disks[i].name), &ok);
		jset(x, "read_bps", json_real(u->disks[i].read_bps), &ok);
		jset(x, "write_bps", json_real(u->disks[i].write_bps), &ok);
	}
	for (size_t i = 0; i < u->nnets && ok; i++) {
		json_t *x = json_object();
		if (!jpush(nets, x, &ok))
			break;
		jset(x, "name", json_string(u->nets[i].name), &ok);
		jset(x, "rx_bps", json_real(u->nets[i].read_bps), &ok);
		jset(x, "tx_bps", json_real(u->nets[i].write_bps), &ok);
	}
	text = ok ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	if (text == NULL)
		return HM_ERR_NOMEM;
	puts(text);
	free(text);
	return HM_OK;
}

/* Per-process figures for top: two snapshots of the telemetry counters. */
#define TOP_PROCS_MAX 16384 /* snapshot size: the eBPF map holds as many */
#define TOP_PIDS_MAX  16    /* --pid options */

struct top_options {
	int json;
	unsigned long interval_ms, count, procs;
	int bpf; /* 1: --bpf (eBPF or fail), -1: --no-bpf, 0: eBPF when possible */
	int32_t pids[TOP_PIDS_MAX];
	size_t npids;
};

/* Two samples and the rates between them, heap-held (each sample is several KiB). */
struct top_state {
	struct hm_os_usage_sample prev, cur;
	struct hm_os_usage usage;
	struct hm_os_telemetry *tel;
	struct hm_os_proc_usage *before, *after; /* TOP_PROCS_MAX each, before sorted by pid */
	size_t nbefore, nafter;
	struct hm_os_runq_hist runq_before, runq_after;
	struct hm_os_disk_io disks_before[HM_OS_DISK_MAX], disks_after[HM_OS_DISK_MAX];
	size_t ndisks_before, ndisks_after;
};

/* A process's counters over the interval. */
struct top_proc {
	struct hm_os_proc_usage d;
};

static int by_pid(const void *a, const void *b)
{
	const struct hm_os_proc_usage *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int by_cpu_desc(const void *a, const void *b)
{
	const struct top_proc *x = a, *y = b;

	if (x->d.cpu_ns != y->d.cpu_ns)
		return x->d.cpu_ns < y->d.cpu_ns ? 1 : -1;
	return (x->d.pid > y->d.pid) - (x->d.pid < y->d.pid);
}

static uint64_t delta(uint64_t before, uint64_t after)
{
	return after >= before ? after - before : 0;
}

/* after minus the same pid in st->before (a pid new in this interval counts whole). */
static void proc_delta(const struct top_state *st, const struct hm_os_proc_usage *after,
                       struct top_proc *out)
{
	const struct hm_os_proc_usage *b =
	        bsearch(after, st->before, st->nbefore, sizeof(*after), by_pid);

	out->d = *after;
	if (b == NULL)
		return;
	out->d.cpu_ns = delta(b->cpu_ns, after->cpu_ns);
	out->d.disk_read_bytes = delta(b->disk_read_bytes, after->disk_read_bytes);
	out->d.disk_write_bytes = delta(b->disk_write_bytes, after->disk_write_bytes);
	out->d.net_tx_bytes = delta(b->net_tx_bytes, after->net_tx_bytes);
	out->d.net_rx_bytes = delta(b->net_rx_bytes, after->net_rx_bytes);
}

static int top_snapshot(struct top_state *st)
{
	int rc = hm_os_telemetry_procs(st->tel, st->after, TOP_PROCS_MAX, &st->nafter, NULL);

	if (rc != HM_OK || hm_os_telemetry_source(st->tel) != HM_OS_TELEMETRY_BPF)
		return rc;
	rc = hm_os_telemetry_runq(st->tel, &st->runq_after);
	if (rc == HM_OK)
		rc = hm_os_telemetry_disks(st->tel, st->disks_after, HM_OS_DISK_MAX,
		                           &st->ndisks_after, NULL);
	return rc;
}

static void top_rotate(struct top_state *st)
{
	struct hm_os_proc_usage *t = st->before;

	st->before = st->after;
	st->after = t;
	st->nbefore = st->nafter;
	qsort(st->before, st->nbefore, sizeof(*st->before), by_pid);
	st->runq_before = st->runq_after;
	memcpy(st->disks_before, st->disks_after, sizeof(st->disks_before));
	st->ndisks_before = st->ndisks_after;
}

static int wanted_pid(const struct top_options *o, int32_t pid)
{
	for (size_t i = 0; i < o->npids; i++)
		if (o->pids[i] == pid)
			return 1;
	return 0;
}

/* The processes to show: the busiest o->procs, then any --pid not among them.
 * Returns how many were put in out (heap, caller frees) or -1 on NOMEM. */
static long top_select(const struct top_state *st, const struct top_options *o,
                       struct top_proc **out)
{
	struct top_proc *all = calloc(st->nafter + 1, sizeof(*all));
	size_t n = 0;

	if (all == NULL)
		return -1;
	for (size_t i = 0; i < st->nafter; i++)
		proc_delta(st, &st->after[i], &all[i]);
	qsort(all, st->nafter, sizeof(*all), by_cpu_desc);
	for (size_t i = 0; i < st->nafter; i++)
		if (i < o->procs || wanted_pid(o, all[i].d.pid))
			all[n++] = all[i];
	*out = all;
	return (long)n;
}

static const char *source_name(const struct hm_os_telemetry *t)
{
	return hm_os_telemetry_source(t) == HM_OS_TELEMETRY_BPF ? "bpf" : "proc";
}

static int print_procs_text(const struct top_state *st, const struct top_proc *p, size_t n)
{
	int bpf = hm_os_telemetry_source(st->tel) == HM_OS_TELEMETRY_BPF;
	double interval_ns = st->usage.interval_s * 1e9;

	printf("  %7s %-16s %6s %10s %10s", "PID", "COMMAND", "CPU%", "DISK-RD", "DISK-WR");
	printf(bpf ? " %10s %10s\n" : "\n", "NET-TX", "NET-RX");
	for (size_t i = 0; i < n; i++) {
		char a[32], b[32], c[32], d[32];

		printf("  %7" PRId32 " %-16s %6.1f %10s %10s", p[i].d.pid, p[i].d.comm,
		       interval_ns > 0 ? (double)p[i].d.cpu_ns / interval_ns * 100.0 : 0.0,
		       human((double)p[i].d.disk_read_bytes, a, sizeof(a)),
		       human((double)p[i].d.disk_write_bytes, b, sizeof(b)));
		if (bpf)
			printf(" %10s %10s", human((double)p[i].d.net_tx_bytes, c, sizeof(c)),
			       human((double)p[i].d.net_rx_bytes, d, sizeof(d)));
		putchar('\n');
	}
	return HM_OK;
}

/* The telemetry part of a JSON line: {"source", "bpf_error", "procs", ["disks", "runq_us_log2"]}.
 */
static json_t *json_telemetry(const struct top_state *st, const struct top_proc *p, size_t n,
                              int *ok)
{
	json_t *tel = json_object(), *procs = json_array();
	double interval_ns = st->usage.interval_s * 1e9;
	int bpf = hm_os_telemetry_source(st->tel) == HM_OS_TELEMETRY_BPF;
	int err = hm_os_telemetry_bpf_error(st->tel);

	if (tel == NULL || procs == NULL) {
		json_decref(tel);
		json_decref(procs);
		*ok = 0;
		return NULL;
	}
	jset(tel, "source", json_string(source_name(st->tel)), ok);
	jset(tel, "bpf_error", err == HM_OK ? json_null() : json_string(hm_strerror(err)), ok);
	jset(tel, "procs", procs, ok);
	for (size_t i = 0; i < n && *ok; i++) {
		json_t *x = json_object();

		if (!jpush(procs, x, ok))
			break;
		jset(x, "pid", json_integer(p[i].d.pid), ok);
		jset(x, "comm", json_string(p[i].d.comm), ok);
		jset(x, "cpu_percent",
		     json_real(interval_ns > 0 ? (double)p[i].d.cpu_ns / interval_ns * 100.0 : 0.0),
		     ok);
		jset(x, "cpu_ns", juint(p[i].d.cpu_ns), ok);
		jset(x, "disk_read_bytes", juint(p[i].d.disk_read_bytes), ok);
		jset(x, "disk_write_bytes", juint(p[i].d.disk_write_bytes), ok);
		if (bpf) {
			jset(x, "cgroup_id", juint(p[i].d.cgroup_id), ok);
			jset(x, "net_tx_bytes", juint(p[i].d.net_tx_bytes), ok);
			jset(x, "net_rx_bytes", juint(p[i].d.net_rx_bytes), ok);
		}
	}
	if (bpf && *ok) {
		json_t *hist = json_array(), *disks = json_array();

		jset(tel, "runq_us_log2", hist, ok);
		jset(tel, "disks", disks, ok);
		for (size_t b = 0; b < HM_OS_RUNQ_BUCKETS && *ok; b++)
			jpush(hist,
			      juint(delta(st->runq_before.buckets[b], st->runq_after.buckets[b])),
			      ok);
		for (size_t i = 0; i < st->ndisks_after && *ok; i++) {
			const struct hm_os_disk_io *a = &st->disks_after[i], *b = NULL;
			json_t *x = json_object();

			for (size_t j = 0; j < st->ndisks_before; j++)
				if (st->disks_before[j].major == a->major &&
				    st->disks_before[j].minor == a->minor)
					b = &st->disks_before[j];
			if (!jpush(disks, x, ok))
				break;
			jset(x, "name", json_string(a->name), ok);
			jset(x, "read_bytes", juint(delta(b ? b->read_bytes : 0, a->read_bytes)),
			     ok);
			jset(x, "write_bytes", juint(delta(b ? b->write_bytes : 0, a->write_bytes)),
			     ok);
		}
	}
	return tel;
}

static int print_top(const struct top_state *st, const struct top_options *o)
{
	struct top_proc *sel = NULL;
	long n = top_select(st, o, &sel);
	int rc = HM_OK, ok = 1;

	if (n < 0)
		return HM_ERR_NOMEM;
	if (!o->json) {
		rc = print_usage_line(&st->usage, 0, NULL);
		if (rc == HM_OK)
			rc = print_procs_text(st, sel, (size_t)n);
	} else {
		json_t *tel = json_telemetry(st, sel, (size_t)n, &ok);

		rc = ok ? print_usage_line(&st->usage, 1, tel) : HM_ERR_NOMEM;
		if (!ok)
			json_decref(tel);
	}
	free(sel);
	return rc;
}

static int parse_top_options(const struct cli_command *cmd, int argc, char **argv,
                             struct top_options *o)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "once", no_argument, NULL, '1' },
		{ "procs", required_argument, NULL, 'p' },
		{ "pid", required_argument, NULL, 'P' },
		{ "bpf", no_argument, NULL, 'b' },
		{ "no-bpf", no_argument, NULL, 'B' },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int opt, stop = 0;

	while ((opt = getopt_long(argc, argv, ":ji:n:p:1" CLI_COMMON_SHORT_OPTIONS, options,
	                          NULL)) != -1) {
		uint64_t value, lo = 1, hi = 1000000;
		const char *name = "--count";
		int rc;

		switch (opt) {
		case 'j':
			o->json = 1;
			continue;
		case '1':
			o->count = 1;
			continue;
		case 'b':
		case 'B':
			if (o->bpf != 0)
				return cli_usage_error(cmd,
				                       "--bpf and --no-bpf exclude each other");
			o->bpf = opt == 'b' ? 1 : -1;
			continue;
		case 'i':
		case 'n':
		case 'p':
		case 'P':
			if (opt == 'i')
				name = "--interval", lo = 10, hi = 3600000;
			else if (opt == 'p')
				name = "--procs", lo = 0, hi = 1000;
			else if (opt == 'P')
				name = "--pid", hi = INT32_MAX;
			if (cli_option_number(cmd, name, optarg, lo, hi, &value) != CLI_OK)
				return CLI_USAGE;
			if (opt == 'i')
				o->interval_ms = value;
			else if (opt == 'n')
				o->count = value;
			else if (opt == 'p')
				o->procs = value;
			else if (o->npids == TOP_PIDS_MAX)
				return cli_usage_error(cmd, "at most %d --pid options",
				                       TOP_PIDS_MAX);
			else
				o->pids[o->npids++] = (int32_t)value;
			continue;
		default:
			if ((rc = cli_other_option(cmd, opt, argv, &stop)) >= 0)
				return rc;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	return -1;
}

static void top_free(struct top_state *st)
{
	hm_os_telemetry_close(st->tel);
	free(st->before);
	free(st->after);
	free(st);
}

static int top_run(const struct cli_command *cmd, int argc, char **argv)
{
	struct top_options o = { .interval_ms = 1000, .count = 3, .procs = 5 };
	struct top_state *st;
	unsigned flags = 0;
	int rc;

	rc = parse_top_options(cmd, argc, argv, &o);
	if (rc >= 0)
		return rc;
	st = calloc(1, sizeof(*st));
	if (st != NULL) {
		st->before = calloc(TOP_PROCS_MAX, sizeof(*st->before));
		st->after = calloc(TOP_PROCS_MAX, sizeof(*st->after));
	}
	if (st == NULL || st->before == NULL || st->after == NULL) {
		if (st != NULL)
			top_free(st);
		cli_error(cmd, "%s", hm_strerror(HM_ERR_NOMEM));
		return CLI_FAILURE;
	}
	if (o.bpf > 0)
		flags = HM_OS_TELEMETRY_REQUIRE_BPF;
	else if (o.bpf < 0)
		flags = HM_OS_TELEMETRY_NO_BPF;
	rc = hm_os_telemetry_open(flags, &st->tel);
	if (rc != HM_OK) {
		top_free(st);
		if (rc == HM_ERR_UNSUPPORTED)
			cli_error(cmd, "eBPF telemetry not supported here (built without eBPF, "
			               "not Linux, or no kernel BTF)");
		else if (rc == HM_ERR_PERMISSION)
			cli_error(cmd, "eBPF telemetry: permission denied (needs root or "
			               "CAP_BPF and CAP_PERFMON)");
		else
			cli_error(cmd, "cannot start telemetry: %s", hm_strerror(rc));
		return CLI_FAILURE;
	}
	/* Said once: the per-process figures are the thinner /proc ones. */
	if (o.bpf == 0 && hm_os_telemetry_source(st->tel) != HM_OS_TELEMETRY_BPF)
		cli_error(cmd,
		          "note: eBPF telemetry unavailable (%s); per-process figures from /proc",
		          hm_strerror(hm_os_telemetry_bpf_error(st->tel)));
	rc = hm_os_usage_sample(&st->prev);
	if (rc == HM_OK)
		rc = top_snapshot(st);
	if (rc == HM_OK)
		top_rotate(st);
	for (unsigned long i = 0; i < o.count && rc == HM_OK; i++) {
		sleep_ms(o.interval_ms);
		rc = hm_os_usage_sample(&st->cur);
		if (rc == HM_OK)
			rc = top_snapshot(st);
		if (rc == HM_OK)
			rc = hm_os_usage_compute(&st->prev, &st->cur, &st->usage);
		if (rc == HM_OK)
			rc = print_top(st, &o);
		fflush(stdout);
		st->prev = st->cur;
		top_rotate(st);
	}
	top_free(st);
	if (rc != HM_OK) {
		cli_error(cmd, "cannot sample usage: %s", hm_strerror(rc));
		return CLI_FAILURE;
	}
	return CLI_OK;
}

const struct cli_command cli_cmd_hw = {
	.name = "hw",
	.summary = "show the hardware: CPU, memory, disks, GPUs, network",
	.usage = "usage: hypermesh hw [--json]\n"
	         "\n"
	         "Prints what this machine has: CPU model, sockets, cores, threads,\n"
	         "frequencies, notable flags and caches; memory and huge pages; block\n"
	         "devices and mounted filesystems; GPUs (PCI display controllers, named\n"
	         "from pci.ids when installed); network interfaces and their addresses.\n"
	         "Read from /proc and /sys; see docs/OS.md for where each value comes from.\n"
	         "\n"
	         "  -j, --json             print one JSON object (sizes in "
	         "bytes)\n" CLI_COMMON_USAGE,
	.run = hw_run,
};

const struct cli_command cli_cmd_top = {
	.name = "top",
	.summary = "show live CPU, memory, disk and network usage",
	.usage = "usage: hypermesh top [--interval MS] [--count N | --once] [--procs N] [--pid "
	         "PID]...\n"
	         "                     [--bpf | --no-bpf] [--json]\n"
	         "\n"
	         "Samples the usage counters every MS milliseconds (default 1000) and\n"
	         "prints one report per interval, N reports (default 3), then exits: CPU busy\n"
	         "share of all CPUs, memory used (total minus available), disk read and\n"
	         "write bytes per second (physical disks) and network receive and send\n"
	         "bytes per second (all interfaces but loopback); then the busiest processes\n"
	         "over the interval: CPU share, disk bytes and (eBPF) network bytes. With\n"
	         "eBPF (root, kernel BTF) the process figures come from scheduler, block and\n"
	         "socket probes, the JSON adds per-disk bytes and the run-queue latency\n"
	         "histogram; otherwise they come from /proc (CPU and disk only), with a note.\n"
	         "\n"
	         "  -i, --interval MS      sampling interval, 10 to 3600000 ms\n"
	         "  -n, --count N          reports to print, 1 to 1000000\n"
	         "  -1, --once             one report (--count 1)\n"
	         "  -p, --procs N          busiest processes to show, 0 to 1000 (default 5)\n"
	         "      --pid PID          also show this process (up to 16 times)\n"
	         "      --bpf              require eBPF telemetry (exit 2 when unavailable)\n"
	         "      --no-bpf           per-process figures from /proc only\n"
	         "  -j, --json             one JSON object per line, with per-device "
	         "rates\n" CLI_COMMON_USAGE,
	.run = top_run,
};
