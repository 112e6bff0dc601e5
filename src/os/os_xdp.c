/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The XDP drop list's user side: attach/detach src/bpf/xdp_droplist.bpf.c to
 * an interface, pin its maps so the program outlives us, and edit and read
 * those maps from any later process (see os.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/os.h"
#include "os_bpf.h"

#if defined(__linux__) && defined(HM_HAVE_BPF)
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/types.h>
#include <net/if.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "hm_bpf.h"
#include "xdp_droplist.skel.h"

#define BPF_FS_MAGIC_NUMBER 0xcafe4a11 /* statfs f_type of a bpf filesystem */
#define PIN_PATH_MAX        4096

/* The pins under pin_dir/<ifname>/, in the order they are made. */
static const char *const pin_names[] = { "banned", "peers", "totals", "prog" };
enum { PIN_BANNED, PIN_PEERS, PIN_TOTALS, PIN_PROG, PIN_COUNT };

struct hm_os_xdp {
	int fds[PIN_TOTALS + 1];
};

static int check_ifname(const char *ifname)
{
	size_t n;

	if (ifname == NULL)
		return HM_ERR_INVALID;
	n = strlen(ifname);
	if (n == 0 || n >= IF_NAMESIZE || strchr(ifname, '/') != NULL || strcmp(ifname, ".") == 0 ||
	    strcmp(ifname, "..") == 0)
		return HM_ERR_INVALID;
	return HM_OK;
}

/* dir = pin_dir/ifname; HM_ERR_LENGTH when it does not fit. */
static int pin_path(char *out, size_t cap, const char *pin_dir, const char *ifname,
                    const char *name)
{
	int n;

	if (pin_dir == NULL)
		pin_dir = HM_OS_XDP_PIN_DIR;
	if (pin_dir[0] == '\0')
		return HM_ERR_INVALID;
	if (name != NULL)
		n = snprintf(out, cap, "%s/%s/%s", pin_dir, ifname, name);
	else
		n = snprintf(out, cap, "%s/%s", pin_dir, ifname);
	return n > 0 && (size_t)n < cap ? HM_OK : HM_ERR_LENGTH;
}

static void remove_pins(const char *pin_dir, const char *ifname)
{
	char path[PIN_PATH_MAX];

	for (size_t i = 0; i < PIN_COUNT; i++)
		if (pin_path(path, sizeof(path), pin_dir, ifname, pin_names[i]) == HM_OK)
			unlink(path);
	if (pin_path(path, sizeof(path), pin_dir, ifname, NULL) == HM_OK)
		rmdir(path);
}

int hm_os_xdp_attach(const char *ifname, const char *pin_dir)
{
	char dir[PIN_PATH_MAX], path[PIN_PATH_MAX];
	struct bpf_map *maps[PIN_TOTALS + 1];
	struct hm_xdp_droplist *skel;
	struct statfs fs;
	unsigned ifindex;
	int rc;

	rc = check_ifname(ifname);
	if (rc == HM_OK)
		rc = pin_path(dir, sizeof(dir), pin_dir, ifname, NULL);
	if (rc != HM_OK)
		return rc;
	ifindex = if_nametoindex(ifname);
	if (ifindex == 0)
		return errno == ENODEV || errno == ENXIO ? HM_ERR_NOT_FOUND
		                                         : hm_os_bpf_error(errno);
	rc = hm_os_bpf_prepare();
	if (rc != HM_OK)
		return rc;
	/* The default directory is ours to create inside the system's bpffs. */
	if (pin_dir == NULL && statfs("/sys/fs/bpf", &fs) == 0 &&
	    fs.f_type == BPF_FS_MAGIC_NUMBER && mkdir(HM_OS_XDP_PIN_DIR, 0700) != 0 &&
	    errno != EEXIST)
		return hm_os_bpf_error(errno);
	if (statfs(pin_dir != NULL ? pin_dir : HM_OS_XDP_PIN_DIR, &fs) != 0)
		return hm_os_bpf_error(errno);
	if (fs.f_type != BPF_FS_MAGIC_NUMBER)
		return HM_ERR_UNSUPPORTED; /* pins need a bpf filesystem */
	if (mkdir(dir, 0700) != 0)
		return errno == EEXIST ? HM_ERR_EXISTS : hm_os_bpf_error(errno);

	skel = hm_xdp_droplist__open_and_load();
	if (skel == NULL) {
		rc = hm_os_bpf_error(errno);
		rmdir(dir);
		return rc;
	}
	maps[PIN_BANNED] = skel->maps.banned;
	maps[PIN_PEERS] = skel->maps.peers;
	maps[PIN_TOTALS] = skel->maps.totals;
	for (size_t i = 0; i <= PIN_TOTALS && rc == HM_OK; i++) {
		rc = pin_path(path, sizeof(path), pin_dir, ifname, pin_names[i]);
		if (rc == HM_OK && bpf_map__pin(maps[i], path) != 0)
			rc = hm_os_bpf_error(errno);
	}
	if (rc == HM_OK)
		rc = pin_path(path, sizeof(path), pin_dir, ifname, pin_names[PIN_PROG]);
	if (rc == HM_OK && bpf_program__pin(skel->progs.hm_xdp_droplist, path) != 0)
		rc = hm_os_bpf_error(errno);
	/* Native XDP where the driver has it, generic otherwise; never replace
	 * a program someone else attached. */
	if (rc == HM_OK) {
		int err = bpf_xdp_attach((int)ifindex, bpf_program__fd(skel->progs.hm_xdp_droplist),
		                         XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		if (err != 0)
			rc = hm_os_bpf_error(-err);
	}
	/* The interface holds the program and the pins hold the maps. */
	hm_xdp_droplist__destroy(skel);
	if (rc != HM_OK)
		remove_pins(pin_dir, ifname);
	return rc;
}

int hm_os_xdp_detach(const char *ifname, const char *pin_dir)
{
	char path[PIN_PATH_MAX];
	struct bpf_prog_info info;
	__u32 info_len = sizeof(info), attached = 0;
	unsigned ifindex;
	int fd, rc;

	rc = check_ifname(ifname);
	if (rc == HM_OK)
		rc = pin_path(path, sizeof(path), pin_dir, ifname, pin_names[PIN_PROG]);
	if (rc != HM_OK)
		return rc;
	hm_os_bpf_prepare();
	fd = bpf_obj_get(path);
	if (fd < 0)
		return hm_os_bpf_error(errno);
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len) != 0) {
		rc = hm_os_bpf_error(errno);
		close(fd);
		return rc;
	}
	/* Detach only our program: the interface may since carry another one,
	 * or be gone (then the kernel dropped the program with it). */
	ifindex = if_nametoindex(ifname);
	if (ifindex != 0 && bpf_xdp_query_id((int)ifindex, 0, &attached) == 0 &&
	    attached == info.id) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = fd);
		int err = bpf_xdp_detach((int)ifindex, XDP_FLAGS_REPLACE, &opts);

		if (err != 0) {
			close(fd);
			return hm_os_bpf_error(-err);
		}
	}
	close(fd);
	remove_pins(pin_dir, ifname);
	return HM_OK;
}

int hm_os_xdp_open(const char *ifname, const char *pin_dir, struct hm_os_xdp **out)
{
	char path[PIN_PATH_MAX];
	struct hm_os_xdp *x;
	int rc;

	if (out == NULL)
		return HM_ERR_INVALID;
	rc = check_ifname(ifname);
	if (rc != HM_OK)
		return rc;
	x = malloc(sizeof(*x));
	if (x == NULL)
		return HM_ERR_NOMEM;
	for (size_t i = 0; i <= PIN_TOTALS; i++)
		x->fds[i] = -1;
	hm_os_bpf_prepare();
	for (size_t i = 0; i <= PIN_TOTALS; i++) {
		rc = pin_path(path, sizeof(path), pin_dir, ifname, pin_names[i]);
		if (rc != HM_OK)
			break;
		x->fds[i] = bpf_obj_get(path);
		if (x->fds[i] < 0) {
			rc = hm_os_bpf_error(errno);
			break;
		}
	}
	if (rc != HM_OK) {
		hm_os_xdp_close(x);
		return rc;
	}
	*out = x;
	return HM_OK;
}

void hm_os_xdp_close(struct hm_os_xdp *x)
{
	if (x == NULL)
		return;
	for (size_t i = 0; i <= PIN_TOTALS; i++)
		if (x->fds[i] >= 0)
			close(x->fds[i]);
	free(x);
}

/* IPv4 or IPv6 text to a map key; an IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d) is the IPv4 address, as packets carry it. */
static int parse_addr(const char *text, struct hm_bpf_addr *key)
{
	static const __u8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(key, 0, sizeof(*key));
	if (text == NULL)
		return HM_ERR_INVALID;
	if (inet_pton(AF_INET, text, key->addr) == 1) {
		key->family = 4;
		return HM_OK;
	}
	if (inet_pton(AF_INET6, text, key->addr) == 1) {
		key->family = 6;
		if (memcmp(key->addr, mapped, sizeof(mapped)) == 0) {
			memmove(key->addr, key->addr + 12, 4);
			memset(key->addr + 4, 0, 12);
			key->family = 4;
		}
		return HM_OK;
	}
	return HM_ERR_INVALID;
}

int hm_os_xdp_ban(struct hm_os_xdp *x, const char *addr)
{
	struct hm_bpf_addr key;
	struct hm_bpf_counter zero = { 0, 0 };
	int rc;

	if (x == NULL)
		return HM_ERR_INVALID;
	rc = parse_addr(addr, &key);
	if (rc != HM_OK)
		return rc;
	if (bpf_map_update_elem(x->fds[PIN_BANNED], &key, &zero, BPF_NOEXIST) != 0)
		return errno == E2BIG ? HM_ERR_TOO_LARGE : hm_os_bpf_error(errno);
	return HM_OK;
}

int hm_os_xdp_unban(struct hm_os_xdp *x, const char *addr)
{
	struct hm_bpf_addr key;
	int rc;

	if (x == NULL)
		return HM_ERR_INVALID;
	rc = parse_addr(addr, &key);
	if (rc != HM_OK)
		return rc;
	if (bpf_map_delete_elem(x->fds[PIN_BANNED], &key) != 0)
		return hm_os_bpf_error(errno);
	return HM_OK;
}

static int list_counters(int fd, struct hm_os_xdp_counter *out, size_t cap, size_t *count,
                         bool *truncated)
{
	struct hm_bpf_addr key, next;
	void *prev = NULL;
	size_t n = 0;

	if ((out == NULL && cap > 0) || count == NULL)
		return HM_ERR_INVALID;
	if (truncated != NULL)
		*truncated = false;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct hm_bpf_counter v;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v) != 0 || (key.family != 4 && key.family != 6))
			continue;
		if (n == cap) {
			if (truncated != NULL)
				*truncated = true;
			break;
		}
		memset(&out[n], 0, sizeof(out[n]));
		inet_ntop(key.family == 4 ? AF_INET : AF_INET6, key.addr, out[n].addr,
		          sizeof(out[n].addr));
		out[n].packets = v.packets;
		out[n].bytes = v.bytes;
		n++;
	}
	*count = n;
	return HM_OK;
}

int hm_os_xdp_banned(struct hm_os_xdp *x, struct hm_os_xdp_counter *out, size_t cap, size_t *count,
                     bool *truncated)
{
	if (x == NULL)
		return HM_ERR_INVALID;
	return list_counters(x->fds[PIN_BANNED], out, cap, count, truncated);
}

int hm_os_xdp_peers(struct hm_os_xdp *x, struct hm_os_xdp_counter *out, size_t cap, size_t *count,
                    bool *truncated)
{
	if (x == NULL)
		return HM_ERR_INVALID;
	return list_counters(x->fds[PIN_PEERS], out, cap, count, truncated);
}

int hm_os_xdp_totals(struct hm_os_xdp *x, struct hm_os_xdp_totals *out)
{
	struct hm_bpf_counter *percpu, sum[HM_BPF_XDP_TOTALS];
	int ncpu;

	if (x == NULL || out == NULL)
		return HM_ERR_INVALID;
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return HM_ERR_IO;
	percpu = calloc((size_t)ncpu, sizeof(*percpu));
	if (percpu == NULL)
		return HM_ERR_NOMEM;
	memset(sum, 0, sizeof(sum));
	for (__u32 slot = 0; slot < HM_BPF_XDP_TOTALS; slot++) {
		if (bpf_map_lookup_elem(x->fds[PIN_TOTALS], &slot, percpu) != 0) {
			int rc = hm_os_bpf_error(errno);

			free(percpu);
			return rc;
		}
		for (int c = 0; c < ncpu; c++) {
			sum[slot].packets += percpu[c].packets;
			sum[slot].bytes += percpu[c].bytes;
		}
	}
	free(percpu);
	out->passed_packets = sum[HM_BPF_XDP_PASSED].packets;
	out->passed_bytes = sum[HM_BPF_XDP_PASSED].bytes;
	out->dropped_packets = sum[HM_BPF_XDP_DROPPED].packets;
	out->dropped_bytes = sum[HM_BPF_XDP_DROPPED].bytes;
	out->other_packets = sum[HM_BPF_XDP_OTHER].packets;
	out->other_bytes = sum[HM_BPF_XDP_OTHER].bytes;
	return HM_OK;
}

#else /* no eBPF: the drop list does not exist */

int hm_os_xdp_attach(const char *ifname, const char *pin_dir)
{
	(void)pin_dir;
	return ifname == NULL ? HM_ERR_INVALID : HM_ERR_UNSUPPORTED;
}

int hm_os_xdp_detach(const char *ifname, const char *pin_dir)
{
	(void)pin_dir;
	return ifname == NULL ? HM_ERR_INVALID : HM_ERR_UNSUPPORTED;
}

int hm_os_xdp_open(const char *ifname, const char *pin_dir, struct hm_os_xdp **out)
{
	(void)pin_dir;
	return ifname == NULL || out == NULL ? HM_ERR_INVALID : HM_ERR_UNSUPPORTED;
}

void hm_os_xdp_close(struct hm_os_xdp *x)
{
	(void)x;
}

int hm_os_xdp_ban(struct hm_os_xdp *x, const char *addr)
{
	(void)x, (void)addr;
	return HM_ERR_UNSUPPORTED;
}

int hm_os_xdp_unban(struct hm_os_xdp *x, const char *addr)
{
	(void)x, (void)addr;
	return HM_ERR_UNSUPPORTED;
}

int hm_os_xdp_banned(struct hm_os_xdp *x, struct hm_os_xdp_counter *out, size_t cap, size_t *count,
                     bool *truncated)
{
	(void)x, (void)out, (void)cap, (void)count, (void)truncated;
	return HM_ERR_UNSUPPORTED;
}

int hm_os_xdp_peers(struct hm_os_xdp *x, struct hm_os_xdp_counter *out, size_t cap, size_t *count,
                    bool *truncated)
{
	(void)x, (void)out, (void)cap, (void)count, (void)truncated;
	return HM_ERR_UNSUPPORTED;
}

int hm_os_xdp_totals(struct hm_os_xdp *x, struct hm_os_xdp_totals *out)
{
	(void)x, (void)out;
	return HM_ERR_UNSUPPORTED;
}

#endif
