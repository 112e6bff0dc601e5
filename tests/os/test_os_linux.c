/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Linux backend on this machine: every detector succeeds and reports
 * consistent values, and disk counters grow by what we write. Exact
 * comparisons with lscpu, free, lsblk and ip are in hw.sh.
 */
#define _GNU_SOURCE /* O_DIRECT */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "hypermesh/os.h"
#include "test.h"

static void test_cpu(void)
{
	struct hm_os_cpu c;

	CHECK_ERR(hm_os_cpu_detect(&c), HM_OK);
	CHECK(c.threads >= 1);
	CHECK(c.cores >= 1 && c.cores <= c.threads);
	CHECK(c.sockets >= 1 && c.sockets <= c.cores);
	CHECK(c.threads_usable >= 1 && c.threads_usable <= c.threads);
	CHECK(c.numa_nodes >= 1);
	CHECK(c.ncaches <= HM_OS_CACHE_MAX);
	CHECK(c.freq_source == HM_OS_FREQ_UNKNOWN || c.max_khz > 0 || c.base_khz > 0);
	CHECK_EQ(sysconf(_SC_NPROCESSORS_ONLN), c.threads);
	for (size_t i = 0; i < c.ncaches; i++)
		CHECK(c.caches[i].level >= 1 && c.caches[i].size_bytes > 0);
	CHECK_ERR(hm_os_cpu_detect(NULL), HM_ERR_INVALID);
}

static void test_mem(void)
{
	struct hm_os_mem m;

	CHECK_ERR(hm_os_mem_detect(&m), HM_OK);
	CHECK(m.total_bytes > 0);
	CHECK(m.available_bytes <= m.total_bytes);
	CHECK(m.free_bytes <= m.total_bytes);
	CHECK(m.hugepages_free <= m.hugepages_total);
	CHECK_ERR(hm_os_mem_detect(NULL), HM_ERR_INVALID);
}

static void test_storage(void)
{
	struct hm_os_storage *s = malloc(sizeof(*s));

	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK_ERR(hm_os_storage_detect(s), HM_OK);
	CHECK(s->ndisks <= HM_OS_DISK_MAX && s->nfs <= HM_OS_FS_MAX);
	for (size_t i = 0; i < s->ndisks; i++) {
		CHECK(s->disks[i].name[0] != '\0');
		if (i > 0)
			CHECK(strcmp(s->disks[i - 1].name, s->disks[i].name) < 0);
	}
	for (size_t i = 0; i < s->nfs; i++) {
		CHECK(s->fs[i].mount_point[0] == '/');
		CHECK(s->fs[i].avail_bytes <= s->fs[i].total_bytes);
		CHECK(s->fs[i].free_bytes <= s->fs[i].total_bytes);
	}
	CHECK_ERR(hm_os_storage_detect(NULL), HM_ERR_INVALID);
	free(s);
}

static void test_gpus(void)
{
	struct hm_os_gpus *g = malloc(sizeof(*g));

	CHECK(g != NULL);
	if (g == NULL)
		return;
	CHECK_ERR(hm_os_gpus_detect(g), HM_OK);
	for (size_t i = 0; i < g->ngpus; i++)
		CHECK((g->gpus[i].pci_class >> 16) == 0x03);
	CHECK_ERR(hm_os_gpus_detect(NULL), HM_ERR_INVALID);
	free(g);
}

static void test_netifs(void)
{
	struct hm_os_netifs *n = malloc(sizeof(*n));
	int lo_seen = 0;

	CHECK(n != NULL);
	if (n == NULL)
		return;
	CHECK_ERR(hm_os_netifs_detect(n), HM_OK);
	for (size_t i = 0; i < n->n; i++) {
		const struct hm_os_netif *f = &n->ifs[i];
		CHECK(f->name[0] != '\0' && f->ifindex > 0);
		if (strcmp(f->name, "lo") == 0) {
			lo_seen = 1;
			CHECK_EQ(f->speed_mbps, -1);
			for (size_t k = 0; k < f->naddrs; k++)
				if (f->addrs[k].family == 4)
					CHECK_STR(f->addrs[k].addr, "127.0.0.1");
		}
		for (size_t k = 0; k < f->naddrs; k++)
			CHECK(f->addrs[k].prefix_len <= (f->addrs[k].family == 4 ? 32u : 128u));
	}
	CHECK(lo_seen || n->n == 0);
	CHECK_ERR(hm_os_netifs_detect(NULL), HM_ERR_INVALID);
	free(n);
}

/*
 * The whole disk under the current directory ("vda" for vda or vda1), or ""
 * when the filesystem is not on a block device (tmpfs, overlay, NFS).
 */
static void backing_disk(char *name, size_t cap)
{
	char link[64], real[PATH_MAX], partition[PATH_MAX + 16];
	struct stat st;
	char *slash;

	name[0] = '\0';
	if (stat(".", &st) != 0 || major(st.st_dev) == 0)
		return;
	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(st.st_dev), minor(st.st_dev));
	if (realpath(link, real) == NULL)
		return;
	snprintf(partition, sizeof(partition), "%s/partition", real);
	if (access(partition, F_OK) == 0 && (slash = strrchr(real, '/')) != NULL)
		*slash = '\0';
	slash = strrchr(real, '/');
	if (slash != NULL)
		snprintf(name, cap, "%s", slash + 1);
}

static const struct hm_os_io_counter *disk_in(const struct hm_os_usage_sample *s, const char *name)
{
	for (size_t i = 0; i < s->ndisks; i++)
		if (s->disks[i].found && strcmp(s->disks[i].name, name) == 0)
			return &s->disks[i];
	return NULL;
}

/* Writing 4 MiB past the page cache must show in the disk's cumulative counter. */
static void test_usage_disk_write(void)
{
	struct hm_os_usage_sample *s = calloc(2, sizeof(*s));
	const struct hm_os_io_counter *before, *after;
	const size_t chunk = 1 << 20, total = 4 << 20;
	char disk[HM_OS_SHORT_LEN], path[] = "os_direct_XXXXXX";
	struct hm_os_usage u;
	void *block = NULL;
	int fd;

	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK_ERR(hm_os_usage_sample(&s[0]), HM_OK);
	backing_disk(disk, sizeof(disk));
	if (disk[0] == '\0' || (before = disk_in(&s[0], disk)) == NULL) {
		printf("note: the current directory is not on a physical disk; write check "
		       "skipped\n");
		free(s);
		return;
	}
	fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK(posix_memalign(&block, 4096, chunk) == 0);
	if (fd >= 0 && block != NULL) {
		int dfd = open(path, O_WRONLY | O_DIRECT);
		memset(block, 0xa5, chunk);
		/* Without O_DIRECT support, write and fsync: the bytes still reach the disk. */
		for (size_t done = 0; done < total; done += chunk)
			CHECK(write(dfd >= 0 ? dfd : fd, block, chunk) == (ssize_t)chunk);
		CHECK(fsync(dfd >= 0 ? dfd : fd) == 0);
		if (dfd >= 0)
			close(dfd);
	}
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	free(block);
	CHECK_ERR(hm_os_usage_sample(&s[1]), HM_OK);
	after = disk_in(&s[1], disk);
	CHECK(after != NULL);
	if (after != NULL)
		CHECK(after->write_bytes - before->write_bytes >= total);
	CHECK_ERR(hm_os_usage_compute(&s[0], &s[1], &u), HM_OK);
	CHECK(u.disk_write_bps > 0.0);
	CHECK(u.cpu_percent >= 0.0 && u.cpu_percent <= 100.0);
	CHECK(u.mem_used_bytes <= u.mem_total_bytes);
	CHECK_ERR(hm_os_usage_sample(NULL), HM_ERR_INVALID);
	free(s);
}

TEST_MAIN(test_cpu, test_mem, test_storage, test_gpus, test_netifs, test_usage_disk_write)
