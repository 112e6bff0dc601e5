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
		int rc = cli_common_option(cmd, opt, optarg, &stop);
		unsigned long *target, lo, hi;
		char *end;

		if (rc > 0 || stop)
			return rc;
		if (rc == CLI_OK)
			continue;
		switch (opt) {
		case 'j':
			*json = 1;
			continue;
		case 'i':
		case 'n':
			if (!allow_rate)
				return cli_usage_error(cmd, "unknown option '%s'",
				                       argv[optind - 1]);
			target = opt == 'i' ? interval_ms : count;
			lo = opt == 'i' ? 10 : 1;
			hi = opt == 'i' ? 3600000UL : 1000000UL;
			errno = 0;
			*target = strtoul(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || optarg[0] == '-' ||
			    *target < lo || *target > hi)
				return cli_usage_error(cmd, "%s must be a number from %lu to %lu",
				                       opt == 'i' ? "--interval" : "--count", lo,
				                       hi);
			continue;
		case ':':
			return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
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

static int print_usage_line(const struct hm_os_usage *u, int json)
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
	} else {
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

/* Two samples and the rates between them, heap-held (each sample is several KiB). */
struct top_state {
	struct hm_os_usage_sample prev, cur;
	struct hm_os_usage usage;
};

static int top_run(const struct cli_command *cmd, int argc, char **argv)
{
	unsigned long interval_ms = 1000, count = 3;
	struct top_state *st;
	int json = 0, rc;

	rc = parse_options(cmd, argc, argv, 1, &json, &interval_ms, &count);
	if (rc >= 0)
		return rc;
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		cli_error(cmd, "%s", hm_strerror(HM_ERR_NOMEM));
		return CLI_FAILURE;
	}
	rc = hm_os_usage_sample(&st->prev);
	for (unsigned long i = 0; i < count && rc == HM_OK; i++) {
		sleep_ms(interval_ms);
		rc = hm_os_usage_sample(&st->cur);
		if (rc == HM_OK)
			rc = hm_os_usage_compute(&st->prev, &st->cur, &st->usage);
		if (rc == HM_OK)
			rc = print_usage_line(&st->usage, json);
		fflush(stdout);
		st->prev = st->cur;
	}
	free(st);
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
	.usage = "usage: hypermesh top [--interval MS] [--count N] [--json]\n"
	         "\n"
	         "Samples the usage counters every MS milliseconds (default 1000) and\n"
	         "prints one line per interval, N lines (default 3), then exits: CPU busy\n"
	         "share of all CPUs, memory used (total minus available), disk read and\n"
	         "write bytes per second (physical disks) and network receive and send\n"
	         "bytes per second (all interfaces but loopback).\n"
	         "\n"
	         "  -i, --interval MS      sampling interval, 10 to 3600000 ms\n"
	         "  -n, --count N          lines to print, 1 to 1000000\n"
	         "  -j, --json             one JSON object per line, with per-device "
	         "rates\n" CLI_COMMON_USAGE,
	.run = top_run,
};
