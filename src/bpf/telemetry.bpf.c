// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Live resource usage that /proc cannot give cheaply: CPU time per process
 * and per cgroup from sched_switch, run-queue latency from wakeups, block I/O
 * bytes per submitting process and per device, IP socket bytes per process.
 *
 * Everything is attached as BTF tracepoints (tp_btf), so nothing needs
 * tracefs, kprobes or ftrace trampolines. Every counter is
 * cumulative since attach; user space computes rates from two reads.
 *
 * Dual licensed: the kernel only lets GPL-compatible programs use the
 * tracing helpers.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "hm_bpf.h"

#define REQ_OP_MASK_BITS 0xffu /* REQ_OP_BITS = 8: the low bits of opf/cmd_flags */
#define OP_READ          0u    /* REQ_OP_READ */
#define OP_WRITE         1u    /* REQ_OP_WRITE */

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, HM_BPF_PROC_MAX);
	__type(key, __u32); /* tgid, as the initial pid namespace sees it */
	__type(value, struct hm_bpf_proc);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, HM_BPF_CGROUP_MAX);
	__type(key, __u64);
	__type(value, struct hm_bpf_cgroup);
} cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HM_BPF_DISK_MAX);
	__type(key, __u32); /* major << 20 | minor, the kernel's dev_t */
	__type(value, struct hm_bpf_disk);
} disks SEC(".maps");

/* When the task now on this CPU got it. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} oncpu_since SEC(".maps");

/* When a thread became runnable (woken or preempted), 0 once it got a CPU.
 * Task-local storage: no hash, no lock, freed with the task. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} runnable_since SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HM_BPF_RUNQ_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} runq_hist SEC(".maps");

/* The entry of the current process, created on first sight. */
static __always_inline struct hm_bpf_proc *current_proc(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct hm_bpf_proc *p = bpf_map_lookup_elem(&procs, &tgid);
	struct task_struct *task;
	struct hm_bpf_proc fresh = {};

	if (p)
		return p;
	task = bpf_get_current_task_btf();
	/* The process's name is its leader's: threads may rename themselves. */
	BPF_CORE_READ_STR_INTO(&fresh.comm, task, group_leader, comm);
	fresh.cgroup_id = bpf_get_current_cgroup_id();
	bpf_map_update_elem(&procs, &tgid, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&procs, &tgid);
}

/* floor(log2(v)) for v > 0, 0 for 0; loop-free for the verifier. */
static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xffffffffULL) << 5, v >>= shift, r |= shift;
	shift = (v > 0xffff) << 4, v >>= shift, r |= shift;
	shift = (v > 0xff) << 3, v >>= shift, r |= shift;
	shift = (v > 0xf) << 2, v >>= shift, r |= shift;
	shift = (v > 0x3) << 1, v >>= shift, r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline void mark_runnable(struct task_struct *task, __u64 now)
{
	__u64 *since;

	if (task->pid == 0) /* the idle task never waits */
		return;
	since = bpf_task_storage_get(&runnable_since, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (since)
		*since = now;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(hm_sched_wakeup, struct task_struct *p)
{
	mark_runnable(p, bpf_ktime_get_ns());
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(hm_sched_wakeup_new, struct task_struct *p)
{
	mark_runnable(p, bpf_ktime_get_ns());
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(hm_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0;
	__u64 *since = bpf_map_lookup_elem(&oncpu_since, &zero);
	__u64 *queued;

	if (!since)
		return 0;
	/* prev is still current here: its tgid and cgroup are the helpers'. */
	if (*since != 0 && prev->pid != 0 && now > *since) {
		__u64 ran = now - *since;
		__u64 cg = bpf_get_current_cgroup_id();
		struct hm_bpf_proc *p = current_proc();
		struct hm_bpf_cgroup *c;

		if (p)
			__sync_fetch_and_add(&p->cpu_ns, ran);
		c = bpf_map_lookup_elem(&cgroups, &cg);
		if (!c) {
			struct hm_bpf_cgroup fresh = {};

			bpf_map_update_elem(&cgroups, &cg, &fresh, BPF_NOEXIST);
			c = bpf_map_lookup_elem(&cgroups, &cg);
		}
		if (c)
			__sync_fetch_and_add(&c->cpu_ns, ran);
	}
	*since = now;

	/* A preempted task goes straight back to the run queue. */
	if (preempt)
		mark_runnable(prev, now);
	queued = next->pid != 0 ? bpf_task_storage_get(&runnable_since, next, 0, 0) : NULL;
	if (queued && *queued != 0) {
		__u64 waited_us = now > *queued ? (now - *queued) / 1000 : 0;
		__u32 bucket = log2_u64(waited_us);
		__u64 *slot;

		if (bucket >= HM_BPF_RUNQ_BUCKETS)
			bucket = HM_BPF_RUNQ_BUCKETS - 1;
		slot = bpf_map_lookup_elem(&runq_hist, &bucket);
		if (slot)
			*slot += 1; /* per-CPU slot: no other writer */
		*queued = 0;
	}
	return 0;
}

/* Bios are queued by the task that submits them (for buffered writes, the
 * one that calls fsync or the writeback thread). */
SEC("tp_btf/block_bio_queue")
int BPF_PROG(hm_block_bio_queue, struct bio *bio)
{
	__u32 op = bio->bi_opf & REQ_OP_MASK_BITS;
	__u64 bytes = bio->bi_iter.bi_size;
	struct hm_bpf_proc *p;

	if (bytes == 0 || (op != OP_READ && op != OP_WRITE))
		return 0;
	p = current_proc();
	if (!p)
		return 0;
	if (op == OP_WRITE)
		__sync_fetch_and_add(&p->disk_write_bytes, bytes);
	else
		__sync_fetch_and_add(&p->disk_read_bytes, bytes);
	return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(hm_block_rq_complete, struct request *rq, blk_status_t error, unsigned int nr_bytes)
{
	__u32 op = rq->cmd_flags & REQ_OP_MASK_BITS;
	struct gendisk *disk = rq->q->disk;
	struct hm_bpf_disk *d;
	__u32 major, minor, dev;

	if (!disk || nr_bytes == 0 || (op != OP_READ && op != OP_WRITE))
		return 0;
	major = disk->major;
	minor = disk->first_minor;
	dev = major << 20 | minor;
	d = bpf_map_lookup_elem(&disks, &dev);
	if (!d) {
		struct hm_bpf_disk fresh = { .major = major, .minor = minor };

		BPF_CORE_READ_STR_INTO(&fresh.name, disk, disk_name);
		bpf_map_update_elem(&disks, &dev, &fresh, BPF_NOEXIST);
		d = bpf_map_lookup_elem(&disks, &dev);
		if (!d)
			return 0;
	}
	if (op == OP_WRITE) {
		__sync_fetch_and_add(&d->write_bytes, nr_bytes);
		__sync_fetch_and_add(&d->write_ios, 1);
	} else {
		__sync_fetch_and_add(&d->read_bytes, nr_bytes);
		__sync_fetch_and_add(&d->read_ios, 1);
	}
	return 0;
}

/*
 * Socket bytes: the sock_send_length / sock_recv_length tracepoints (Linux
 * 6.3+) see every sendmsg/recvmsg result in the caller's context; only IPv4
 * and IPv6 sockets count (not Unix or netlink), peeks do not.
 */
#define AF_INET_NUM  2
#define AF_INET6_NUM 10
#define MSG_PEEK_BIT 0x2

static __always_inline void count_net(struct sock *sk, int ret, int flags, int tx)
{
	__u16 family;
	struct hm_bpf_proc *p;

	if (ret <= 0 || sk == NULL || (flags & MSG_PEEK_BIT))
		return;
	family = sk->__sk_common.skc_family;
	if (family != AF_INET_NUM && family != AF_INET6_NUM)
		return;
	p = current_proc();
	if (!p)
		return;
	if (tx)
		__sync_fetch_and_add(&p->net_tx_bytes, (__u64)ret);
	else
		__sync_fetch_and_add(&p->net_rx_bytes, (__u64)ret);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(hm_sock_send_length, struct sock *sk, int ret, int flags)
{
	count_net(sk, ret, flags, 1);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(hm_sock_recv_length, struct sock *sk, int ret, int flags)
{
	count_net(sk, ret, flags, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
