/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Map layouts shared by the eBPF programs (*.bpf.c, which see vmlinux.h) and
 * their loaders in src/os (which see <linux/types.h>). Only fixed-width
 * kernel types, so both sides agree on every offset.
 */
#ifndef HM_BPF_H
#define HM_BPF_H

#define HM_BPF_COMM_LEN     16    /* TASK_COMM_LEN */
#define HM_BPF_DISK_NAME    32    /* DISK_NAME_LEN */
#define HM_BPF_PROC_MAX     16384 /* processes tracked (LRU: the idlest go first) */
#define HM_BPF_CGROUP_MAX   4096  /* cgroups tracked (LRU) */
#define HM_BPF_DISK_MAX     256   /* block devices tracked */
#define HM_BPF_RUNQ_BUCKETS 32    /* log2 microsecond buckets */
#define HM_BPF_XDP_BAN_MAX  65536 /* banned source addresses */
#define HM_BPF_XDP_PEER_MAX 65536 /* source addresses counted (LRU) */

/* Per process (thread group), cumulative since the programs were attached. */
struct hm_bpf_proc {
	__u64 cpu_ns;           /* time on a CPU, from sched_switch */
	__u64 disk_read_bytes;  /* bytes of read bios the process submitted */
	__u64 disk_write_bytes; /* bytes of write bios the process submitted */
	__u64 net_tx_bytes;     /* bytes IPv4/IPv6 sockets sent (sendmsg results) */
	__u64 net_rx_bytes;     /* bytes IPv4/IPv6 sockets received (recvmsg results) */
	__u64 cgroup_id;        /* cgroup v2 id when the entry was created */
	char comm[HM_BPF_COMM_LEN];
};

struct hm_bpf_cgroup {
	__u64 cpu_ns;
};

/* Per block device, from completed requests. */
struct hm_bpf_disk {
	__u64 read_bytes;
	__u64 write_bytes;
	__u64 read_ios;
	__u64 write_ios;
	__u32 major;
	__u32 minor;
	char name[HM_BPF_DISK_NAME];
};

/* A source address for the XDP maps: IPv4 in the first 4 bytes of addr. */
struct hm_bpf_addr {
	__u8 family; /* 4 or 6 (not AF_*: the same value on every system) */
	__u8 pad[3];
	__u8 addr[16];
};

struct hm_bpf_counter {
	__u64 packets;
	__u64 bytes;
};

/* Slots of the XDP program's per-CPU totals. */
enum hm_bpf_xdp_total {
	HM_BPF_XDP_PASSED,  /* IPv4/IPv6 packets let through */
	HM_BPF_XDP_DROPPED, /* packets dropped because their source is banned */
	HM_BPF_XDP_OTHER,   /* not IP (ARP, LLDP, ...) or too short to parse: passed */
	HM_BPF_XDP_TOTALS
};

#endif
