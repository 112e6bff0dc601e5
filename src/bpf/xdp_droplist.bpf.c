// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The kernel drop list: an XDP program that drops every IPv4/IPv6 packet
 * whose source address is in `banned` (counting what it dropped per address)
 * and counts packets and bytes per source in `peers` for everything else.
 * User space (src/os/os_xdp.c) pins the maps and edits `banned`; the
 * consensus layer feeds it the addresses of Byzantine peers.
 */
#include "vmlinux.h"

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "hm_bpf.h"

#define ETH_P_IP     0x0800
#define ETH_P_IPV6   0x86DD
#define ETH_P_8021Q  0x8100
#define ETH_P_8021AD 0x88A8

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HM_BPF_XDP_BAN_MAX);
	__type(key, struct hm_bpf_addr);
	__type(value, struct hm_bpf_counter); /* what was dropped */
} banned SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, HM_BPF_XDP_PEER_MAX);
	__type(key, struct hm_bpf_addr);
	__type(value, struct hm_bpf_counter); /* what was let through */
} peers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HM_BPF_XDP_TOTALS);
	__type(key, __u32);
	__type(value, struct hm_bpf_counter);
} totals SEC(".maps");

static __always_inline void count_total(__u32 slot, __u64 bytes)
{
	struct hm_bpf_counter *c = bpf_map_lookup_elem(&totals, &slot);

	if (c) { /* per-CPU: no other writer */
		c->packets++;
		c->bytes += bytes;
	}
}

static __always_inline void count_in(void *map, const struct hm_bpf_addr *key, __u64 bytes)
{
	struct hm_bpf_counter *c = bpf_map_lookup_elem(map, key);

	if (!c) {
		struct hm_bpf_counter fresh = {};

		bpf_map_update_elem(map, key, &fresh, BPF_NOEXIST);
		c = bpf_map_lookup_elem(map, key);
		if (!c)
			return;
	}
	__sync_fetch_and_add(&c->packets, 1);
	__sync_fetch_and_add(&c->bytes, bytes);
}

SEC("xdp")
int hm_xdp_droplist(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u64 bytes = (__u64)(end - data);
	struct ethhdr *eth = data;
	struct hm_bpf_addr key = {};
	struct hm_bpf_counter *ban;
	void *l3;
	__u16 proto;

	if ((void *)(eth + 1) > end)
		goto other;
	proto = eth->h_proto;
	l3 = eth + 1;
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		struct vlan_hdr *vlan = l3;

		if ((void *)(vlan + 1) > end)
			goto other;
		proto = vlan->h_vlan_encapsulated_proto;
		l3 = vlan + 1;
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = l3;

		if ((void *)(ip + 1) > end)
			goto other;
		key.family = 4;
		__builtin_memcpy(key.addr, &ip->saddr, 4);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > end)
			goto other;
		key.family = 6;
		__builtin_memcpy(key.addr, &ip6->saddr, 16);
	} else {
		goto other;
	}

	ban = bpf_map_lookup_elem(&banned, &key);
	if (ban) {
		__sync_fetch_and_add(&ban->packets, 1);
		__sync_fetch_and_add(&ban->bytes, bytes);
		count_total(HM_BPF_XDP_DROPPED, bytes);
		return XDP_DROP;
	}
	count_in(&peers, &key, bytes);
	count_total(HM_BPF_XDP_PASSED, bytes);
	return XDP_PASS;
other:
	count_total(HM_BPF_XDP_OTHER, bytes);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
