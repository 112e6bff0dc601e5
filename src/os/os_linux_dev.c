/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Linux backend, devices: block devices and filesystems, GPUs, network
 * interfaces. /sys, /proc and getifaddrs only.
 */
#ifdef __linux__
#define _GNU_SOURCE /* getifaddrs, readlink */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "hypermesh/buf.h"
#include "hypermesh/error.h"
#include "hypermesh/os.h"
#include "os_linux.h"
#include "os_parse.h"

static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The last component of a symlink's target ("../../bus/pci/drivers/nvidia" -> "nvidia"). */
static int link_basename(const char *path, char *out, size_t cap)
{
	char target[512];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	const char *base;

	out[0] = '\0';
	if (n < 0)
		return hm_err_from_errno(errno);
	target[n] = '\0';
	base = strrchr(target, '/');
	copy_str(out, cap, base != NULL ? base + 1 : target);
	return HM_OK;
}

/* Unconfigured loop, ram, zram and nbd devices exist with size 0; they hold nothing. */
static int is_empty_virtual_device(const char *name, uint64_t size)
{
	return size == 0 && (has_prefix(name, "loop") || has_prefix(name, "ram") ||
	                     has_prefix(name, "zram") || has_prefix(name, "nbd"));
}

static int disk_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hm_os_disk *)a)->name, ((const struct hm_os_disk *)b)->name);
}

static void detect_disks(struct hm_os_storage *out)
{
	DIR *d = opendir("/sys/block");
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		struct hm_os_disk *disk = &out->disks[out->ndisks];
		char path[512];
		uint64_t sectors, v;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if (strlen(e->d_name) >= sizeof(disk->name) ||
		    hm_os_path(path, sizeof(path), "/sys/block/%s/size", e->d_name) != HM_OK ||
		    hm_os_read_sys_u64(path, &sectors) != HM_OK || sectors > UINT64_MAX / 512 ||
		    is_empty_virtual_device(e->d_name, sectors))
			continue;
		if (out->ndisks == HM_OS_DISK_MAX) {
			out->truncated = true;
			break;
		}
		memset(disk, 0, sizeof(*disk));
		copy_str(disk->name, sizeof(disk->name), e->d_name);
		/* The size attribute counts 512-byte sectors whatever the logical block size. */
		disk->size_bytes = sectors * 512;
		if (hm_os_path(path, sizeof(path), "/sys/block/%s/queue/rotational", e->d_name) ==
		            HM_OK &&
		    hm_os_read_sys_u64(path, &v) == HM_OK)
			disk->rotational = v != 0;
		if (hm_os_path(path, sizeof(path), "/sys/block/%s/removable", e->d_name) == HM_OK &&
		    hm_os_read_sys_u64(path, &v) == HM_OK)
			disk->removable = v != 0;
		if (hm_os_path(path, sizeof(path), "/sys/block/%s/device", e->d_name) == HM_OK)
			disk->physical = stat(path, &st) == 0;
		if (hm_os_path(path, sizeof(path), "/sys/block/%s/device/model", e->d_name) ==
		            HM_OK &&
		    hm_os_read_sys(path, disk->model, sizeof(disk->model)) != HM_OK)
			disk->model[0] = '\0';
		out->ndisks++;
	}
	closedir(d);
	qsort(out->disks, out->ndisks, sizeof(out->disks[0]), disk_cmp);
}

/* Filesystems that hold data, once per device (bind mounts repeat it). */
static int detect_filesystems(struct hm_os_storage *out)
{
	struct hm_os_mountinfo *m = malloc(sizeof(*m));
	uint32_t seen[HM_OS_FS_MAX][2];
	struct hm_buf text;
	size_t pos = 0;
	int rc;

	if (m == NULL)
		return HM_ERR_NOMEM;
	hm_buf_init(&text);
	rc = hm_os_read_proc("/proc/self/mountinfo", &text);
	while (rc == HM_OK && pos < text.len) {
		const char *line = (const char *)text.data + pos;
		const char *nl = memchr(line, '\n', text.len - pos);
		size_t len = nl != NULL ? (size_t)(nl - line) : text.len - pos;
		struct hm_os_fs *fs;
		struct statvfs sv;
		int dup = 0;

		pos += len + (nl != NULL);
		if (len == 0)
			continue;
		rc = hm_os_parse_mountinfo_line(line, len, m);
		if (rc == HM_ERR_LENGTH) {
			/* A path longer than we keep: leave that mount out, say so. */
			out->truncated = true;
			rc = HM_OK;
			continue;
		}
		if (rc != HM_OK || !hm_os_fs_type_is_real(m->type))
			continue;
		for (size_t i = 0; i < out->nfs && !dup; i++)
			dup = seen[i][0] == m->major && seen[i][1] == m->minor;
		if (dup || statvfs(m->mount_point, &sv) != 0)
			continue;
		if (out->nfs == HM_OS_FS_MAX) {
			out->truncated = true;
			break;
		}
		fs = &out->fs[out->nfs];
		seen[out->nfs][0] = m->major;
		seen[out->nfs][1] = m->minor;
		memset(fs, 0, sizeof(*fs));
		copy_str(fs->mount_point, sizeof(fs->mount_point), m->mount_point);
		copy_str(fs->source, sizeof(fs->source), m->source);
		copy_str(fs->type, sizeof(fs->type), m->type);
		fs->total_bytes = (uint64_t)sv.f_blocks * sv.f_frsize;
		fs->free_bytes = (uint64_t)sv.f_bfree * sv.f_frsize;
		fs->avail_bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
		out->nfs++;
	}
	hm_buf_free(&text);
	free(m);
	return rc;
}

int hm_os_storage_detect(struct hm_os_storage *out)
{
	if (out == NULL)
		return HM_ERR_INVALID;
	memset(out, 0, sizeof(*out));
	detect_disks(out);
	return detect_filesystems(out);
}

static const char *const pciids_paths[] = {
	"/usr/share/misc/pci.ids",
	"/usr/share/hwdata/pci.ids",
	"/usr/share/pci.ids",
};

static void gpu_names(const char *root, struct hm_os_gpus *out)
{
	struct hm_buf db;
	char path[512];

	hm_buf_init(&db);
	for (size_t i = 0; i < sizeof(pciids_paths) / sizeof(pciids_paths[0]); i++)
		if (hm_os_path(path, sizeof(path), "%s%s", root, pciids_paths[i]) == HM_OK &&
		    hm_os_read_proc(path, &db) == HM_OK)
			break;
	if (db.len == 0)
		goto out;
	out->names_available = true;
	for (size_t i = 0; i < out->ngpus; i++) {
		struct hm_os_gpu *g = &out->gpus[i];
		if (hm_os_parse_pciids((const char *)db.data, db.len, g->vendor_id, g->device_id,
		                       g->vendor_name, sizeof(g->vendor_name), g->device_name,
		                       sizeof(g->device_name)) != HM_OK)
			g->vendor_name[0] = g->device_name[0] = '\0';
	}
out:
	hm_buf_free(&db);
}

/* Matches /sys/class/drm/cardN to its PCI device through the card's device link. */
static void gpu_drm(const char *root, struct hm_os_gpus *out)
{
	struct dirent *e;
	char dir[512];
	DIR *d;

	if (hm_os_path(dir, sizeof(dir), "%s/sys/class/drm", root) != HM_OK ||
	    (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[512], pci[HM_OS_SHORT_LEN];

		/* card0-HDMI-A-1 and the like are connectors, not cards. */
		if (!has_prefix(e->d_name, "card") || strchr(e->d_name, '-') != NULL ||
		    strlen(e->d_name) >= HM_OS_SHORT_LEN ||
		    hm_os_path(path, sizeof(path), "%s/%s/device", dir, e->d_name) != HM_OK ||
		    link_basename(path, pci, sizeof(pci)) != HM_OK)
			continue;
		for (size_t i = 0; i < out->ngpus; i++)
			if (strcmp(out->gpus[i].pci_address, pci) == 0 &&
			    out->gpus[i].drm_card[0] == '\0')
				copy_str(out->gpus[i].drm_card, sizeof(out->gpus[i].drm_card),
				         e->d_name);
	}
	closedir(d);
}

static void gpu_nvidia(const char *root, struct hm_os_gpu *g)
{
	char path[512];
	struct hm_buf text;

	if (hm_os_path(path, sizeof(path), "%s/proc/driver/nvidia/gpus/%s/information", root,
	               g->pci_address) != HM_OK)
		return;
	hm_buf_init(&text);
	if (hm_os_read_proc(path, &text) != HM_OK ||
	    hm_os_parse_nvidia_info((const char *)text.data, text.len, g) != HM_OK)
		g->nv_model[0] = g->nv_uuid[0] = g->nv_vbios[0] = g->nv_bus_type[0] = '\0';
	hm_buf_free(&text);
}

static int gpu_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hm_os_gpu *)a)->pci_address,
	              ((const struct hm_os_gpu *)b)->pci_address);
}

int hm_os_gpus_detect_at(const char *root, struct hm_os_gpus *out)
{
	struct dirent *e;
	char dir[512];
	DIR *d;

	if (root == NULL || out == NULL)
		return HM_ERR_INVALID;
	memset(out, 0, sizeof(*out));
	if (hm_os_path(dir, sizeof(dir), "%s/sys/bus/pci/devices", root) != HM_OK)
		return HM_ERR_LENGTH;
	d = opendir(dir);
	if (d == NULL)
		return HM_OK; /* no PCI bus (some VMs, most Arm boards): no GPU to list */
	while ((e = readdir(d)) != NULL) {
		struct hm_os_gpu *g = &out->gpus[out->ngpus];
		uint64_t cls, vendor, device;
		char path[512];

		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(g->pci_address) ||
		    hm_os_path(path, sizeof(path), "%s/%s/class", dir, e->d_name) != HM_OK ||
		    hm_os_read_sys_hex(path, &cls) != HM_OK || (cls >> 16) != 0x03 ||
		    cls > 0xffffff)
			continue;
		if (hm_os_path(path, sizeof(path), "%s/%s/vendor", dir, e->d_name) != HM_OK ||
		    hm_os_read_sys_hex(path, &vendor) != HM_OK || vendor > 0xffff ||
		    hm_os_path(path, sizeof(path), "%s/%s/device", dir, e->d_name) != HM_OK ||
		    hm_os_read_sys_hex(path, &device) != HM_OK || device > 0xffff)
			continue;
		if (out->ngpus == HM_OS_GPU_MAX) {
			out->truncated = true;
			break;
		}
		memset(g, 0, sizeof(*g));
		copy_str(g->pci_address, sizeof(g->pci_address), e->d_name);
		g->pci_class = (uint32_t)cls;
		g->vendor_id = (uint16_t)vendor;
		g->device_id = (uint16_t)device;
		if (hm_os_path(path, sizeof(path), "%s/%s/driver", dir, e->d_name) == HM_OK)
			(void)link_basename(path, g->driver, sizeof(g->driver));
		gpu_nvidia(root, g);
		out->ngpus++;
	}
	closedir(d);
	qsort(out->gpus, out->ngpus, sizeof(out->gpus[0]), gpu_cmp);
	if (out->ngpus > 0) {
		gpu_names(root, out);
		gpu_drm(root, out);
	}
	return HM_OK;
}

int hm_os_gpus_detect(struct hm_os_gpus *out)
{
	return hm_os_gpus_detect_at("", out);
}

static uint32_t prefix_len(const struct sockaddr *mask)
{
	const unsigned char *p;
	size_t n;
	uint32_t bits = 0;

	if (mask == NULL)
		return 0;
	if (mask->sa_family == AF_INET) {
		p = (const unsigned char *)&((const struct sockaddr_in *)(const void *)mask)
		            ->sin_addr;
		n = 4;
	} else if (mask->sa_family == AF_INET6) {
		p = (const unsigned char *)&((const struct sockaddr_in6 *)(const void *)mask)
		            ->sin6_addr;
		n = 16;
	} else {
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		bits += (uint32_t)__builtin_popcount(p[i]);
	return bits;
}

static struct hm_os_netif *find_netif(struct hm_os_netifs *out, const char *label)
{
	/* An IPv4 alias is reported under its label, "eth0:1": the device is "eth0". */
	size_t n = strcspn(label, ":");

	for (size_t i = 0; i < out->n; i++)
		if (strlen(out->ifs[i].name) == n && strncmp(out->ifs[i].name, label, n) == 0)
			return &out->ifs[i];
	return NULL;
}

static int netif_addresses(struct hm_os_netifs *out)
{
	struct ifaddrs *list, *ifa;

	if (getifaddrs(&list) != 0)
		return hm_err_from_errno(errno);
	for (ifa = list; ifa != NULL; ifa = ifa->ifa_next) {
		struct hm_os_netif *nif;
		struct hm_os_ifaddr *a;
		const void *addr;
		int family;

		if (ifa->ifa_addr == NULL || ifa->ifa_name == NULL)
			continue;
		family = ifa->ifa_addr->sa_family;
		if (family == AF_INET)
			addr = &((const struct sockaddr_in *)(const void *)ifa->ifa_addr)->sin_addr;
		else if (family == AF_INET6)
			addr = &((const struct sockaddr_in6 *)(const void *)ifa->ifa_addr)
			                ->sin6_addr;
		else
			continue;
		nif = find_netif(out, ifa->ifa_name);
		if (nif == NULL)
			continue;
		if (nif->naddrs == HM_OS_NETIF_ADDR_MAX) {
			out->truncated = true;
			continue;
		}
		a = &nif->addrs[nif->naddrs];
		memset(a, 0, sizeof(*a));
		if (inet_ntop(family, addr, a->addr, sizeof(a->addr)) == NULL)
			continue;
		a->family = family == AF_INET ? 4 : 6;
		a->prefix_len = prefix_len(ifa->ifa_netmask);
		nif->naddrs++;
	}
	freeifaddrs(list);
	return HM_OK;
}

static int netif_cmp(const void *a, const void *b)
{
	const struct hm_os_netif *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Returns 0 for an entry that is not an interface (bonding_masters is a plain file). */
static int netif_attributes(struct hm_os_netif *nif)
{
	char path[128], buf[32];
	uint64_t v;

	nif->speed_mbps = -1;
	if (hm_os_path(path, sizeof(path), "/sys/class/net/%s/ifindex", nif->name) != HM_OK ||
	    hm_os_read_sys_u64(path, &v) != HM_OK || v > UINT32_MAX)
		return 0;
	nif->ifindex = (uint32_t)v;
	if (hm_os_path(path, sizeof(path), "/sys/class/net/%s/mtu", nif->name) == HM_OK &&
	    hm_os_read_sys_u64(path, &v) == HM_OK && v <= UINT32_MAX)
		nif->mtu = (uint32_t)v;
	if (hm_os_path(path, sizeof(path), "/sys/class/net/%s/address", nif->name) == HM_OK)
		(void)hm_os_read_sys(path, nif->mac, sizeof(nif->mac));
	if (hm_os_path(path, sizeof(path), "/sys/class/net/%s/operstate", nif->name) == HM_OK)
		(void)hm_os_read_sys(path, nif->operstate, sizeof(nif->operstate));
	/* Reading speed fails (EINVAL) or says -1 when the link is down or virtual. */
	if (hm_os_path(path, sizeof(path), "/sys/class/net/%s/speed", nif->name) == HM_OK &&
	    hm_os_read_sys(path, buf, sizeof(buf)) == HM_OK &&
	    hm_os_parse_u64(buf, strlen(buf), &v) == HM_OK && v <= INT64_MAX)
		nif->speed_mbps = (int64_t)v;
	return 1;
}

int hm_os_netifs_detect(struct hm_os_netifs *out)
{
	DIR *d;
	struct dirent *e;

	if (out == NULL)
		return HM_ERR_INVALID;
	memset(out, 0, sizeof(*out));
	d = opendir("/sys/class/net");
	if (d == NULL)
		return hm_err_from_errno(errno);
	while ((e = readdir(d)) != NULL) {
		struct hm_os_netif *nif;

		if (e->d_name[0] == '.' || strlen(e->d_name) >= HM_OS_IFNAME_LEN)
			continue;
		if (out->n == HM_OS_NETIF_MAX) {
			out->truncated = true;
			break;
		}
		nif = &out->ifs[out->n];
		memset(nif, 0, sizeof(*nif));
		copy_str(nif->name, sizeof(nif->name), e->d_name);
		if (netif_attributes(nif))
			out->n++;
	}
	closedir(d);
	qsort(out->ifs, out->n, sizeof(out->ifs[0]), netif_cmp);
	return netif_addresses(out);
}
#endif
