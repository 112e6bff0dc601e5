/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OS abstraction: what hardware this node has and how busy it is.
 *
 * Platform-neutral: nothing here names a Linux file or type. The Linux
 * backend reads /proc and /sys (and getifaddrs) and loads its own eBPF
 * programs, never runs a program;
 * Windows uses Win32 calls (os_win.c); other systems return
 * HM_ERR_UNSUPPORTED for now (see docs/OS.md).
 *
 * Every result is a plain caller-owned struct with fixed-size arrays, so
 * nothing here allocates on the caller's behalf and nothing grows without
 * bound. Where a machine has more of something than an array holds, the
 * first ones are kept and the struct's `truncated` flag is set. Text fields
 * are always NUL-terminated; longer source text is cut at the field size.
 * A value the system does not expose is 0 (or "" for text) unless a field
 * says otherwise.
 *
 * Live usage is sampled explicitly: hm_os_usage_sample() records cumulative
 * counters and a monotonic timestamp, and hm_os_usage_compute() turns two
 * samples into rates with no I/O, so it is deterministic and unit-testable.
 */
#ifndef HYPERMESH_OS_H
#define HYPERMESH_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HM_OS_NAME_LEN       128  /* model and product names, with the NUL */
#define HM_OS_SHORT_LEN      32   /* device, driver, vendor-id names, with the NUL */
#define HM_OS_PATH_LEN       256  /* mount points and sources, with the NUL */
#define HM_OS_IFNAME_LEN     16   /* interface names (IFNAMSIZ), with the NUL */
#define HM_OS_MAC_LEN        18   /* "aa:bb:cc:dd:ee:ff" plus the NUL */
#define HM_OS_ADDR_LEN       46   /* an IPv6 address in text (INET6_ADDRSTRLEN) */
#define HM_OS_CACHE_MAX      8    /* cache descriptions kept per CPU */
#define HM_OS_DISK_MAX       64   /* block devices kept */
#define HM_OS_FS_MAX         64   /* mounted filesystems kept */
#define HM_OS_GPU_MAX        16   /* GPUs kept */
#define HM_OS_NETIF_MAX      64   /* network interfaces kept */
#define HM_OS_NETIF_ADDR_MAX 16   /* addresses kept per interface */
#define HM_OS_CPU_MAX        8192 /* highest CPU number understood, plus one */

/* Notable CPU features, as bit numbers in hm_os_cpu.flags. */
enum hm_os_cpu_flag {
	HM_OS_CPU_SSE2,
	HM_OS_CPU_SSSE3,
	HM_OS_CPU_SSE4_1,
	HM_OS_CPU_SSE4_2,
	HM_OS_CPU_POPCNT,
	HM_OS_CPU_AVX,
	HM_OS_CPU_AVX2,
	HM_OS_CPU_FMA,
	HM_OS_CPU_BMI2,
	HM_OS_CPU_ADX,
	HM_OS_CPU_AVX512F,
	HM_OS_CPU_AVX512DQ,
	HM_OS_CPU_AVX512BW,
	HM_OS_CPU_AVX512VL,
	HM_OS_CPU_AVX512IFMA,
	HM_OS_CPU_AVX512VBMI,
	HM_OS_CPU_AVX512_VNNI,
	HM_OS_CPU_AES, /* x86 AES-NI or the Arm "aes" extension */
	HM_OS_CPU_PCLMULQDQ,
	HM_OS_CPU_VAES,
	HM_OS_CPU_VPCLMULQDQ,
	HM_OS_CPU_GFNI,
	HM_OS_CPU_SHA_NI,
	HM_OS_CPU_RDRAND,
	HM_OS_CPU_RDSEED,
	HM_OS_CPU_HYPERVISOR, /* running under a hypervisor */
	HM_OS_CPU_ASIMD,      /* Arm Advanced SIMD (NEON) */
	HM_OS_CPU_PMULL,
	HM_OS_CPU_SHA1,
	HM_OS_CPU_SHA2,
	HM_OS_CPU_SHA3,
	HM_OS_CPU_SHA512,
	HM_OS_CPU_SVE,
	HM_OS_CPU_SVE2,
	HM_OS_CPU_CRC32,
	HM_OS_CPU_ATOMICS,
	HM_OS_CPU_FLAG_COUNT
};

/*
 * The name of a notable flag as the kernel spells it ("avx2", "sha_ni"), or
 * NULL for a value outside the enum.
 */
const char *hm_os_cpu_flag_name(enum hm_os_cpu_flag flag);

static inline bool hm_os_cpu_has(uint64_t flags, enum hm_os_cpu_flag flag)
{
	return (unsigned)flag < HM_OS_CPU_FLAG_COUNT && (flags >> (unsigned)flag) & 1;
}

/* Where the frequencies in hm_os_cpu came from. */
enum hm_os_freq_source {
	HM_OS_FREQ_UNKNOWN = 0,
	HM_OS_FREQ_CPUFREQ, /* the kernel's cpufreq (or ACPI CPPC nominal) values */
	HM_OS_FREQ_CPUINFO, /* the current "cpu MHz" of the first CPU, for both */
};

struct hm_os_cache {
	uint32_t level;             /* 1, 2, 3, ... */
	char type[HM_OS_SHORT_LEN]; /* "Data", "Instruction" or "Unified" */
	uint64_t size_bytes;        /* one instance */
	uint32_t instances;         /* copies among the online CPUs (0: unknown) */
};

struct hm_os_cpu {
	char model[HM_OS_NAME_LEN];   /* "AMD EPYC 9654 96-Core Processor" */
	char vendor[HM_OS_SHORT_LEN]; /* "GenuineIntel", "AuthenticAMD", "ARM", ... */
	uint32_t sockets;             /* physical packages with an online CPU */
	uint32_t cores;               /* physical cores, all sockets */
	uint32_t threads;             /* logical CPUs online */
	uint32_t threads_usable;      /* of those, in this process's affinity mask */
	uint32_t numa_nodes;          /* online NUMA nodes (1 without NUMA) */
	uint64_t base_khz;
	uint64_t max_khz;
	enum hm_os_freq_source freq_source;
	uint64_t flags;      /* bit i set: feature i of enum hm_os_cpu_flag */
	uint32_t flag_total; /* every flag the kernel lists, notable or not */
	size_t ncaches;
	struct hm_os_cache caches[HM_OS_CACHE_MAX];
};

struct hm_os_mem {
	uint64_t total_bytes;
	uint64_t available_bytes; /* MemAvailable: usable without swapping */
	uint64_t free_bytes;
	uint64_t swap_total_bytes;
	uint64_t swap_free_bytes;
	uint64_t hugepages_total; /* pages of the default huge page size */
	uint64_t hugepages_free;
	uint64_t hugepage_size_bytes;
};

struct hm_os_disk {
	char name[HM_OS_SHORT_LEN]; /* "sda", "nvme0n1", "vda" */
	char model[HM_OS_NAME_LEN]; /* "" when the device does not say */
	uint64_t size_bytes;
	bool rotational;
	bool removable;
	bool physical; /* backed by a device, not loop/dm/md/zram */
};

struct hm_os_fs {
	char mount_point[HM_OS_PATH_LEN];
	char source[HM_OS_PATH_LEN]; /* "/dev/nvme0n1p2", "server:/export" */
	char type[HM_OS_SHORT_LEN];  /* "ext4", "xfs", "nfs4", ... */
	uint64_t total_bytes;
	uint64_t free_bytes;  /* including the blocks reserved for root */
	uint64_t avail_bytes; /* available to unprivileged users */
};

struct hm_os_storage {
	size_t ndisks;
	struct hm_os_disk disks[HM_OS_DISK_MAX];
	size_t nfs;
	struct hm_os_fs fs[HM_OS_FS_MAX];
	bool truncated;
};

struct hm_os_gpu {
	char pci_address[HM_OS_SHORT_LEN]; /* "0000:65:00.0" */
	uint16_t vendor_id;
	uint16_t device_id;
	uint32_t pci_class;               /* 24 bits: 0x030000 VGA, 0x030200 3D, ... */
	char driver[HM_OS_SHORT_LEN];     /* "nvidia", "amdgpu", "" when unbound */
	char vendor_name[HM_OS_NAME_LEN]; /* from pci.ids, "" without it */
	char device_name[HM_OS_NAME_LEN]; /* from pci.ids, "" without it */
	char drm_card[HM_OS_SHORT_LEN];   /* "card0", "" without DRM */
	/* From the NVIDIA driver's /proc files, "" elsewhere. */
	char nv_model[HM_OS_NAME_LEN];
	char nv_uuid[HM_OS_NAME_LEN];
	char nv_vbios[HM_OS_SHORT_LEN];
	char nv_bus_type[HM_OS_SHORT_LEN];
};

struct hm_os_gpus {
	size_t ngpus;
	struct hm_os_gpu gpus[HM_OS_GPU_MAX];
	bool names_available; /* a pci.ids database was found */
	bool truncated;
};

struct hm_os_ifaddr {
	int family; /* 4 or 6 */
	char addr[HM_OS_ADDR_LEN];
	uint32_t prefix_len;
};

struct hm_os_netif {
	char name[HM_OS_IFNAME_LEN];
	uint32_t ifindex;
	char mac[HM_OS_MAC_LEN]; /* "" for interfaces without one */
	uint32_t mtu;
	char operstate[HM_OS_SHORT_LEN]; /* "up", "down", "unknown", ... */
	int64_t speed_mbps;              /* -1: unknown (virtual or link down) */
	size_t naddrs;
	struct hm_os_ifaddr addrs[HM_OS_NETIF_ADDR_MAX];
};

struct hm_os_netifs {
	size_t n;
	struct hm_os_netif ifs[HM_OS_NETIF_MAX];
	bool truncated;
};

/*
 * Each detects one part of the machine into *out (overwritten entirely;
 * on error it holds no meaningful values). Returns HM_OK; HM_ERR_INVALID
 * (NULL); HM_ERR_UNSUPPORTED on a system without a backend; HM_ERR_NOT_FOUND,
 * HM_ERR_PERMISSION or HM_ERR_IO when a source the value cannot do without is
 * unreadable (/proc/cpuinfo, /proc/meminfo, /proc/self/mountinfo,
 * /sys/class/net, getifaddrs); HM_ERR_ENCODING or HM_ERR_RANGE when such a
 * source is malformed; HM_ERR_NOMEM. Optional sources (cpufreq, caches,
 * pci.ids, DRM, the NVIDIA driver, a filesystem statvfs refuses) are skipped
 * quietly and leave their fields at 0 or "".
 */
int hm_os_cpu_detect(struct hm_os_cpu *out);
int hm_os_mem_detect(struct hm_os_mem *out);
int hm_os_storage_detect(struct hm_os_storage *out);
int hm_os_gpus_detect(struct hm_os_gpus *out);
int hm_os_netifs_detect(struct hm_os_netifs *out);

/* Cumulative I/O counters of one device or interface. */
struct hm_os_io_counter {
	char name[HM_OS_SHORT_LEN];
	uint64_t read_bytes;  /* disks: read; interfaces: received */
	uint64_t write_bytes; /* disks: written; interfaces: sent */
	bool found;           /* the counters were present in the sample */
};

/* Cumulative CPU time of all CPUs, in clock ticks (USER_HZ on Linux). */
struct hm_os_cpu_times {
	uint64_t user, nice, system, idle, iowait, irq, softirq, steal;
};

struct hm_os_usage_sample {
	uint64_t mono_ns; /* hm_clock_mono_ns() when taken */
	struct hm_os_cpu_times cpu;
	uint64_t mem_total_bytes;
	uint64_t mem_available_bytes;
	size_t ndisks; /* physical disks only: no double counting */
	struct hm_os_io_counter disks[HM_OS_DISK_MAX];
	size_t nnets;
	struct hm_os_io_counter nets[HM_OS_NETIF_MAX];
	bool truncated; /* more disks or interfaces than the arrays hold */
};

struct hm_os_io_rate {
	char name[HM_OS_SHORT_LEN];
	double read_bps;  /* bytes per second; received for interfaces */
	double write_bps; /* bytes per second; sent for interfaces */
};

struct hm_os_usage {
	double interval_s;
	double cpu_percent;       /* busy share of all CPUs, 0..100 */
	uint64_t mem_total_bytes; /* from the second sample */
	uint64_t mem_used_bytes;  /* total minus available */
	double disk_read_bps;     /* all disks */
	double disk_write_bps;
	double net_rx_bps; /* all interfaces but loopback ("lo") */
	double net_tx_bps;
	size_t ndisks;
	struct hm_os_io_rate disks[HM_OS_DISK_MAX];
	size_t nnets;
	struct hm_os_io_rate nets[HM_OS_NETIF_MAX];
};

/*
 * Records the cumulative counters now (/proc/stat, /proc/meminfo,
 * /proc/diskstats for the disks with a device behind them, /proc/net/dev)
 * with the monotonic time. Returns HM_OK; HM_ERR_INVALID (NULL);
 * HM_ERR_UNSUPPORTED; HM_ERR_NOT_FOUND, HM_ERR_PERMISSION or HM_ERR_IO when
 * one of those files is unreadable; HM_ERR_ENCODING or HM_ERR_RANGE when one
 * is malformed; HM_ERR_NOMEM. *out is unchanged on error.
 */
int hm_os_usage_sample(struct hm_os_usage_sample *out);

/*
 * Rates between two samples, a taken before b; no I/O. Devices are matched
 * by name; a device in only one sample, or whose counter went backwards
 * (reset or replaced), gets rate 0. cpu_percent counts everything but idle
 * and iowait as busy; 0 when no tick passed.
 * Returns HM_OK, or HM_ERR_INVALID (NULL, or b not later than a); *out is
 * unchanged on error.
 */
int hm_os_usage_compute(const struct hm_os_usage_sample *a, const struct hm_os_usage_sample *b,
                        struct hm_os_usage *out);

/*
 * Per-process telemetry: CPU time, disk and network bytes per process, CPU
 * time per cgroup, bytes per block device and the run-queue latency
 * histogram. On Linux it comes from eBPF programs (sched_switch and wakeup
 * tracepoints, block tracepoints, TCP/UDP sendmsg/recvmsg exits) when this
 * process may load them (root or CAP_BPF+CAP_PERFMON, kernel BTF); otherwise
 * from /proc/<pid>/stat and /proc/<pid>/io, which give CPU time and storage
 * bytes per process only. Every counter is cumulative, from when counting
 * started (eBPF: the programs' attach; /proc: each process's start): rates
 * come from two reads. Pids are those of the initial pid namespace.
 */
#define HM_OS_COMM_LEN     16 /* process name (TASK_COMM_LEN), with the NUL */
#define HM_OS_RUNQ_BUCKETS 32 /* log2 buckets of the run-queue histogram */

enum hm_os_telemetry_source {
	HM_OS_TELEMETRY_PROC = 1, /* /proc: cpu_ns and disk bytes per process only */
	HM_OS_TELEMETRY_BPF = 2,  /* eBPF: everything below */
};

/* hm_os_telemetry_open flags. */
#define HM_OS_TELEMETRY_REQUIRE_BPF 0x1u /* fail rather than fall back to /proc */
#define HM_OS_TELEMETRY_NO_BPF      0x2u /* use /proc even where eBPF would work */

struct hm_os_proc_usage {
	int32_t pid; /* thread-group id */
	char comm[HM_OS_COMM_LEN];
	uint64_t cgroup_id; /* cgroup v2 id (eBPF only, else 0) */
	uint64_t cpu_ns;
	uint64_t disk_read_bytes;  /* eBPF: bios submitted; /proc: io read_bytes */
	uint64_t disk_write_bytes; /* eBPF: bios submitted; /proc: io write_bytes */
	uint64_t net_tx_bytes;     /* eBPF only: TCP+UDP bytes sent */
	uint64_t net_rx_bytes;     /* eBPF only: TCP+UDP bytes received */
};

struct hm_os_cgroup_usage {
	uint64_t cgroup_id;
	uint64_t cpu_ns;
};

struct hm_os_disk_io {
	char name[HM_OS_SHORT_LEN]; /* the kernel's disk name ("vda", "nvme0n1") */
	uint32_t major, minor;
	uint64_t read_bytes, write_bytes, read_ios, write_ios; /* completed requests */
};

/* buckets[i] counts waits of [2^i, 2^(i+1)) microseconds (bucket 0 also < 1 us;
 * the last also everything longer) between becoming runnable and running. */
struct hm_os_runq_hist {
	uint64_t buckets[HM_OS_RUNQ_BUCKETS];
};

struct hm_os_telemetry;

/*
 * Starts counting. With eBPF available (and not HM_OS_TELEMETRY_NO_BPF) the
 * programs are loaded and attached for the life of the handle; otherwise,
 * unless HM_OS_TELEMETRY_REQUIRE_BPF, the handle reads /proc and
 * hm_os_telemetry_bpf_error() says why eBPF is not used. Returns HM_OK;
 * HM_ERR_INVALID (NULL, unknown or contradictory flags); HM_ERR_NOMEM; with
 * REQUIRE_BPF: HM_ERR_UNSUPPORTED (built without eBPF, not Linux, no kernel
 * BTF), HM_ERR_PERMISSION (not allowed to load programs), HM_ERR_IO.
 */
int hm_os_telemetry_open(unsigned flags, struct hm_os_telemetry **out);
void hm_os_telemetry_close(struct hm_os_telemetry *t);
enum hm_os_telemetry_source hm_os_telemetry_source(const struct hm_os_telemetry *t);
/* HM_OK when eBPF is in use; otherwise the error that made the handle use /proc. */
int hm_os_telemetry_bpf_error(const struct hm_os_telemetry *t);

/*
 * Up to cap processes into out, *count set to how many; *truncated (may be
 * NULL) set when there were more. eBPF: every process seen since attach that
 * the LRU map still holds, exited ones included; /proc: live processes (a
 * process that vanishes while being read is left out). Order unspecified.
 */
int hm_os_telemetry_procs(struct hm_os_telemetry *t, struct hm_os_proc_usage *out, size_t cap,
                          size_t *count, bool *truncated);
/* One process; HM_ERR_NOT_FOUND when not seen (eBPF) or not running (/proc). */
int hm_os_telemetry_proc(struct hm_os_telemetry *t, int32_t pid, struct hm_os_proc_usage *out);
/* eBPF only (HM_ERR_UNSUPPORTED from /proc): CPU time per cgroup, bytes per disk,
 * the run-queue latency histogram. Same conventions as hm_os_telemetry_procs. */
int hm_os_telemetry_cgroups(struct hm_os_telemetry *t, struct hm_os_cgroup_usage *out, size_t cap,
                            size_t *count, bool *truncated);
int hm_os_telemetry_disks(struct hm_os_telemetry *t, struct hm_os_disk_io *out, size_t cap,
                          size_t *count, bool *truncated);
int hm_os_telemetry_runq(struct hm_os_telemetry *t, struct hm_os_runq_hist *out);

/*
 * The XDP drop list: a program on a network interface that drops IPv4/IPv6
 * packets from banned source addresses (counting drops per address) and
 * counts packets and bytes per source for the rest. Attaching pins the
 * program and its maps under pin_dir/<ifname>/ (pin_dir NULL: the default
 * below; it must be on a bpf filesystem), so the program outlives the
 * process that attached it and any later process can open the list.
 * Linux with eBPF only; elsewhere every call returns HM_ERR_UNSUPPORTED.
 */
#define HM_OS_XDP_PIN_DIR "/sys/fs/bpf/hypermesh"

struct hm_os_xdp_counter {
	char addr[HM_OS_ADDR_LEN]; /* the source address in text */
	uint64_t packets;
	uint64_t bytes;
};

struct hm_os_xdp_totals {
	uint64_t passed_packets, passed_bytes;   /* IPv4/IPv6 let through */
	uint64_t dropped_packets, dropped_bytes; /* from banned sources */
	uint64_t other_packets, other_bytes;     /* not IP: let through */
};

/* HM_ERR_EXISTS when an XDP program is already on the interface or its pins
 * exist; HM_ERR_NOT_FOUND (no such interface, pin_dir missing),
 * HM_ERR_PERMISSION, HM_ERR_UNSUPPORTED, HM_ERR_IO. */
int hm_os_xdp_attach(const char *ifname, const char *pin_dir);
/* Removes our program (only ours) and the pins. HM_ERR_NOT_FOUND when not attached. */
int hm_os_xdp_detach(const char *ifname, const char *pin_dir);

struct hm_os_xdp;
/* Opens the pinned maps of an attached drop list. HM_ERR_NOT_FOUND when not attached. */
int hm_os_xdp_open(const char *ifname, const char *pin_dir, struct hm_os_xdp **out);
void hm_os_xdp_close(struct hm_os_xdp *x);
/* addr is IPv4 or IPv6 text; HM_ERR_INVALID when it is not one.
 * ban: HM_ERR_EXISTS when already banned, HM_ERR_TOO_LARGE when the list is full.
 * unban: HM_ERR_NOT_FOUND when not banned. */
int hm_os_xdp_ban(struct hm_os_xdp *x, const char *addr);
int hm_os_xdp_unban(struct hm_os_xdp *x, const char *addr);
/* The banned addresses with what was dropped from each / every source let
 * through with its counts; conventions of hm_os_telemetry_procs. */
int hm_os_xdp_banned(struct hm_os_xdp *x, struct hm_os_xdp_counter *out, size_t cap, size_t *count,
                     bool *truncated);
int hm_os_xdp_peers(struct hm_os_xdp *x, struct hm_os_xdp_counter *out, size_t cap, size_t *count,
                    bool *truncated);
int hm_os_xdp_totals(struct hm_os_xdp *x, struct hm_os_xdp_totals *out);

#endif
