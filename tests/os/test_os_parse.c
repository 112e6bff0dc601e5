/* SPDX-License-Identifier: Apache-2.0 */
/* The /proc and /sys text parsers on fixed text, well-formed and not. */
#include "os/os_parse.h"
#include "test.h"

#define TXT(s) s, sizeof(s) - 1

static const char cpuinfo_x86[] = "processor\t: 0\n"
                                  "vendor_id\t: GenuineIntel\n"
                                  "cpu family\t: 6\n"
                                  "model name\t: Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz\n"
                                  "cpu MHz\t\t: 2000.0005\n"
                                  "physical id\t: 0\n"
                                  "siblings\t: 4\n"
                                  "core id\t\t: 0\n"
                                  "cpu cores\t: 2\n"
                                  "flags\t\t: fpu sse2 avx avx2 aes sha_ni avx512f pni\n"
                                  "power management:\n"
                                  "\n"
                                  "processor\t: 1\n"
                                  "vendor_id\t: GenuineIntel\n"
                                  "model name\t: Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz\n"
                                  "cpu MHz\t\t: 800.000\n"
                                  "physical id\t: 0\n"
                                  "cpu cores\t: 2\n"
                                  "flags\t\t: fpu\n"
                                  "\n"
                                  "processor\t: 2\n"
                                  "physical id\t: 1\n"
                                  "\n"
                                  "processor\t: 3\n"
                                  "physical id\t: 1\n";

static void test_cpuinfo_x86(void)
{
	struct hm_os_cpuinfo ci;

	CHECK_ERR(hm_os_parse_cpuinfo(TXT(cpuinfo_x86), &ci), HM_OK);
	CHECK_STR(ci.model, "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz");
	CHECK_STR(ci.vendor, "GenuineIntel");
	CHECK_EQ(ci.processors, 4);
	CHECK_EQ(ci.sockets, 2);
	CHECK_EQ(ci.cores_per_socket, 2);
	CHECK_EQ(ci.mhz_khz, 2000000); /* the first CPU's value, cut at kHz */
	CHECK_EQ(ci.flag_total, 8);
	CHECK(hm_os_cpu_has(ci.flags, HM_OS_CPU_AVX2));
	CHECK(hm_os_cpu_has(ci.flags, HM_OS_CPU_AES));
	CHECK(hm_os_cpu_has(ci.flags, HM_OS_CPU_SHA_NI));
	CHECK(hm_os_cpu_has(ci.flags, HM_OS_CPU_AVX512F));
	CHECK(!hm_os_cpu_has(ci.flags, HM_OS_CPU_AVX512BW));
	CHECK(!hm_os_cpu_has(ci.flags, HM_OS_CPU_ASIMD));
}

static void test_cpuinfo_arm(void)
{
	static const char text[] =
	        "processor\t: 0\n"
	        "BogoMIPS\t: 50.00\n"
	        "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics\n"
	        "CPU implementer\t: 0x41\n"
	        "CPU part\t: 0xd0c\n"
	        "\n"
	        "processor\t: 1\n"
	        "Features\t: fp\n";
	struct hm_os_cpuinfo ci;

	CHECK_ERR(hm_os_parse_cpuinfo(TXT(text), &ci), HM_OK);
	CHECK_EQ(ci.processors, 2);
	CHECK_EQ(ci.sockets, 0);
	CHECK_STR(ci.vendor, "ARM");
	CHECK_STR(ci.model, "");
	CHECK_EQ(ci.mhz_khz, 0);
	CHECK_EQ(ci.flag_total, 9);
	CHECK(hm_os_cpu_has(ci.flags, HM_OS_CPU_ASIMD));
	CHECK(hm_os_cpu_has(ci.flags, HM_OS_CPU_AES));
	CHECK(hm_os_cpu_has(ci.flags, HM_OS_CPU_PMULL));
	CHECK(hm_os_cpu_has(ci.flags, HM_OS_CPU_SHA2));
	CHECK(hm_os_cpu_has(ci.flags, HM_OS_CPU_ATOMICS));
	CHECK(!hm_os_cpu_has(ci.flags, HM_OS_CPU_SVE));
}

static void test_cpuinfo_long_model_is_cut(void)
{
	char text[400];
	struct hm_os_cpuinfo ci;
	int n = snprintf(text, sizeof(text), "processor : 0\nmodel name : %0300d\n", 7);

	CHECK_ERR(hm_os_parse_cpuinfo(text, (size_t)n, &ci), HM_OK);
	CHECK_EQ(strlen(ci.model), HM_OS_NAME_LEN - 1);
}

static void test_cpuinfo_malformed(void)
{
	struct hm_os_cpuinfo ci;

	CHECK_ERR(hm_os_parse_cpuinfo(TXT(""), &ci), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_cpuinfo(TXT("vendor_id : x\n"), &ci), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_cpuinfo(TXT("processor : 0\nno colon here\n"), &ci), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_cpuinfo(TXT("processor : zero\n"), &ci), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_cpuinfo(TXT("processor : 0\n : value without key\n"), &ci),
	          HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_cpuinfo(TXT("processor : 0\ncpu MHz : 12.x\n"), &ci),
	          HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_cpuinfo(TXT("processor : 0\ncpu MHz : 12.\n"), &ci), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_cpuinfo(TXT("processor : 0\ncpu MHz : 99999999999999999999\n"), &ci),
	          HM_ERR_RANGE);
	CHECK_ERR(hm_os_parse_cpuinfo(TXT("processor : 0\nphysical id : 4096\n"), &ci),
	          HM_ERR_RANGE);
	CHECK_ERR(hm_os_parse_cpuinfo(TXT("processor : 0\ncpu cores : 4294967296\n"), &ci),
	          HM_ERR_RANGE);
	CHECK_ERR(hm_os_parse_cpuinfo(TXT("processor : 0\nCPU implementer : 0xzz\n"), &ci),
	          HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_cpuinfo(TXT("processor : 0\nvendor_id : a\0b\n"), &ci),
	          HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_cpuinfo(NULL, 0, &ci), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_cpuinfo(NULL, 5, &ci), HM_ERR_INVALID);
	CHECK_ERR(hm_os_parse_cpuinfo(TXT("processor : 0\n"), NULL), HM_ERR_INVALID);
}

static const char meminfo[] = "MemTotal:       24684084 kB\n"
                              "MemFree:        24192584 kB\n"
                              "MemAvailable:   24323304 kB\n"
                              "SwapTotal:        1048576 kB\n"
                              "SwapFree:          524288 kB\n"
                              "HugePages_Total:     512\n"
                              "HugePages_Free:      100\n"
                              "Hugepagesize:       2048 kB\n"
                              "DirectMap1G:    25165824 kB\n";

static void test_meminfo(void)
{
	struct hm_os_mem m;

	CHECK_ERR(hm_os_parse_meminfo(TXT(meminfo), &m), HM_OK);
	CHECK_EQ(m.total_bytes, UINT64_C(24684084) * 1024);
	CHECK_EQ(m.free_bytes, UINT64_C(24192584) * 1024);
	CHECK_EQ(m.available_bytes, UINT64_C(24323304) * 1024);
	CHECK_EQ(m.swap_total_bytes, UINT64_C(1048576) * 1024);
	CHECK_EQ(m.swap_free_bytes, UINT64_C(524288) * 1024);
	CHECK_EQ(m.hugepages_total, 512);
	CHECK_EQ(m.hugepages_free, 100);
	CHECK_EQ(m.hugepage_size_bytes, 2048 * 1024);

	/* Kernels before 3.14 have no MemAvailable: MemFree stands in. */
	CHECK_ERR(hm_os_parse_meminfo(TXT("MemTotal: 100 kB\nMemFree: 40 kB"), &m), HM_OK);
	CHECK_EQ(m.available_bytes, 40 * 1024);
}

static void test_meminfo_malformed(void)
{
	struct hm_os_mem m;

	CHECK_ERR(hm_os_parse_meminfo(TXT("MemFree: 40 kB\n"), &m), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_meminfo(TXT("MemTotal: 40 MB\n"), &m), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_meminfo(TXT("MemTotal: 40 kB extra\n"), &m), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_meminfo(TXT("MemTotal:\n"), &m), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_meminfo(TXT("MemTotal 40 kB\n"), &m), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_meminfo(TXT("MemTotal: -40 kB\n"), &m), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_meminfo(TXT("MemTotal: 18014398509481984 kB\n"), &m), HM_ERR_RANGE);
	CHECK_ERR(hm_os_parse_meminfo(TXT("MemTotal: 18446744073709551616\n"), &m), HM_ERR_RANGE);
	CHECK_ERR(hm_os_parse_meminfo(TXT("MemTotal: 4\0 kB\n"), &m), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_meminfo(TXT("MemTotal: 4\n"), NULL), HM_ERR_INVALID);
}

static const char stat_text[] = "cpu  41141 24881 6142 446721 629 1 57 14 3 0\n"
                                "cpu0 22205 12897 2678 221973 105 0 16 4 0 0\n"
                                "intr 451494 0 0\n"
                                "ctxt 611488\n";

static void test_stat(void)
{
	struct hm_os_cpu_times t;

	CHECK_ERR(hm_os_parse_stat(TXT(stat_text), &t), HM_OK);
	CHECK_EQ(t.user, 41141);
	CHECK_EQ(t.nice, 24881);
	CHECK_EQ(t.system, 6142);
	CHECK_EQ(t.idle, 446721);
	CHECK_EQ(t.iowait, 629);
	CHECK_EQ(t.irq, 1);
	CHECK_EQ(t.softirq, 57);
	CHECK_EQ(t.steal, 14);
	/* Old kernels stop after idle; the rest are 0. */
	CHECK_ERR(hm_os_parse_stat(TXT("cpu 1 2 3 4\n"), &t), HM_OK);
	CHECK_EQ(t.idle, 4);
	CHECK_EQ(t.iowait, 0);
	CHECK_EQ(t.steal, 0);
}

static void test_stat_malformed(void)
{
	struct hm_os_cpu_times t;

	CHECK_ERR(hm_os_parse_stat(TXT("cpu0 1 2 3 4\nintr 5\n"), &t), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_stat(TXT(""), &t), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_stat(TXT("cpu 1 2 3\n"), &t), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_stat(TXT("cpu 1 2 x 4\n"), &t), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_stat(TXT("cpu 1 2 3 99999999999999999999\n"), &t), HM_ERR_RANGE);
	CHECK_ERR(hm_os_parse_stat(TXT("cpu 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n"), &t),
	          HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_stat(TXT("cpu 1 2 3 4\n"), NULL), HM_ERR_INVALID);
}

static const char diskstats[] =
        "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
        " 254       0 vda 97786 27445 5055426 41776 12058 19881 1451256 5509 0 10284 48008 8534 35 "
        "755040 700 725 21\n"
        " 254       1 vda1 10 0 80 1 2 0 16 0 0 1 1\n"
        "   8       0 sda 1 0 2 0 3 0 4 0 0 0 0\n";

static void test_diskstats(void)
{
	struct hm_os_io_counter devs[3] = { { .name = "vda" },
		                            { .name = "sda" },
		                            { .name = "nvme0n1", .found = true, .read_bytes = 9 } };

	CHECK_ERR(hm_os_parse_diskstats(TXT(diskstats), devs, 3), HM_OK);
	CHECK(devs[0].found);
	CHECK_EQ(devs[0].read_bytes, UINT64_C(5055426) * 512);
	CHECK_EQ(devs[0].write_bytes, UINT64_C(1451256) * 512);
	CHECK(devs[1].found);
	CHECK_EQ(devs[1].read_bytes, 2 * 512);
	CHECK_EQ(devs[1].write_bytes, 4 * 512);
	/* A device the file does not list is reset, not left with stale counters. */
	CHECK(!devs[2].found);
	CHECK_EQ(devs[2].read_bytes, 0);
	CHECK_ERR(hm_os_parse_diskstats(TXT(diskstats), NULL, 0), HM_OK);
}

static void test_diskstats_malformed(void)
{
	struct hm_os_io_counter dev = { .name = "vda" };

	CHECK_ERR(hm_os_parse_diskstats(TXT(" 254 0 vda 1 2 3 4 5 6 7 8 9 10\n"), &dev, 1),
	          HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_diskstats(TXT(" 254 0 vda 1 2 3 4 5 6 7 8 9 10 x\n"), &dev, 1),
	          HM_ERR_ENCODING);
	/* Even lines for other devices must have the right shape. */
	CHECK_ERR(hm_os_parse_diskstats(TXT(" 8 0 sda 1 2 -3 4 5 6 7 8 9 10 11\n"), &dev, 1),
	          HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_diskstats(TXT(" 254 0 vda 1 2 36028797018963968 4 5 6 7 8 9 10 11\n"),
	                                &dev, 1),
	          HM_ERR_RANGE);
	CHECK_ERR(hm_os_parse_diskstats(TXT(" 254 0 vda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 "
	                                    "17 18 19 20 21 22 23 24 25 26 27 28 29 30\n"),
	                                &dev, 1),
	          HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_diskstats(TXT("x"), NULL, 1), HM_ERR_INVALID);
}

static const char netdev[] =
        "Inter-|   Receive                                                |  Transmit\n"
        " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
        "drop fifo colls carrier compressed\n"
        "    lo:    3267      29    0    0    0     0          0         0     3267      29    0 "
        "   0    0     0       0          0\n"
        "  eth0: 19852130     539    0    0    0     0          0         0    31727     385    0 "
        "   0    0     0       0          0\n";

static void test_netdev(void)
{
	struct hm_os_io_counter devs[3] = { { .name = "eth0" },
		                            { .name = "lo" },
		                            { .name = "wg0" } };

	CHECK_ERR(hm_os_parse_netdev(TXT(netdev), devs, 3), HM_OK);
	CHECK(devs[0].found);
	CHECK_EQ(devs[0].read_bytes, 19852130);
	CHECK_EQ(devs[0].write_bytes, 31727);
	CHECK(devs[1].found);
	CHECK_EQ(devs[1].read_bytes, 3267);
	CHECK(!devs[2].found);
	/* Old kernels printed no space after the colon. */
	CHECK_ERR(hm_os_parse_netdev(TXT("eth0:5 0 0 0 0 0 0 0 6 0 0 0 0 0 0 0\n"), devs, 1),
	          HM_OK);
	CHECK_EQ(devs[0].read_bytes, 5);
	CHECK_EQ(devs[0].write_bytes, 6);
}

static void test_netdev_malformed(void)
{
	struct hm_os_io_counter dev = { .name = "eth0" };

	CHECK_ERR(hm_os_parse_netdev(TXT("eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n"), &dev, 1),
	          HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_netdev(TXT("eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n"), &dev,
	                             1),
	          HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_netdev(TXT("eth0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"), &dev, 1),
	          HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_netdev(TXT(": 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"), &dev, 1),
	          HM_ERR_ENCODING);
	CHECK_ERR(
	        hm_os_parse_netdev(TXT("eth0: 1 2 3 4 5 6 7 8 x 10 11 12 13 14 15 16\n"), &dev, 1),
	        HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_netdev(TXT("x"), NULL, 1), HM_ERR_INVALID);
}

static void test_cpulist(void)
{
	struct hm_os_cpuset s;

	CHECK_ERR(hm_os_parse_cpulist(TXT("0-3,8,10-11\n"), &s), HM_OK);
	CHECK_EQ(hm_os_cpuset_count(&s), 7);
	CHECK_EQ(hm_os_cpuset_first(&s), 0);
	CHECK_ERR(hm_os_parse_cpulist(TXT("64-127"), &s), HM_OK);
	CHECK_EQ(hm_os_cpuset_count(&s), 64);
	CHECK_EQ(hm_os_cpuset_first(&s), 64);
	CHECK_ERR(hm_os_parse_cpulist(TXT("8191"), &s), HM_OK);
	CHECK_EQ(hm_os_cpuset_first(&s), 8191);
	CHECK_ERR(hm_os_parse_cpulist(TXT("\n"), &s), HM_OK);
	CHECK_EQ(hm_os_cpuset_count(&s), 0);
	CHECK_EQ(hm_os_cpuset_first(&s), -1);
}

static void test_cpulist_malformed(void)
{
	struct hm_os_cpuset s;
	static const char *const bad[] = { "3-1", "0,,1", "0-",  "-1",    ",",
		                           "1,",  "a",    "1 2", "0-1-2", "1\n\n" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_ERR(hm_os_parse_cpulist(bad[i], strlen(bad[i]), &s), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_cpulist(TXT("8192"), &s), HM_ERR_RANGE);
	CHECK_ERR(hm_os_parse_cpulist(TXT("0-99999999999999999999"), &s), HM_ERR_RANGE);
	CHECK_ERR(hm_os_parse_cpulist(TXT("0"), NULL), HM_ERR_INVALID);
}

static void test_mountinfo(void)
{
	struct hm_os_mountinfo m;
	static const char line[] =
	        "36 35 98:0 /mnt1 /mnt/my\\040disk rw,noatime master:1 shared:2 - ext3 /dev/root "
	        "rw,errors=continue";
	static const char plain[] = "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard";

	CHECK_ERR(hm_os_parse_mountinfo_line(TXT(line), &m), HM_OK);
	CHECK_EQ(m.major, 98);
	CHECK_EQ(m.minor, 0);
	CHECK_STR(m.root, "/mnt1");
	CHECK_STR(m.mount_point, "/mnt/my disk");
	CHECK_STR(m.type, "ext3");
	CHECK_STR(m.source, "/dev/root");
	CHECK_ERR(hm_os_parse_mountinfo_line(TXT(plain), &m), HM_OK);
	CHECK_EQ(m.major, 254);
	CHECK_STR(m.mount_point, "/");
	CHECK_STR(m.type, "ext4");
	CHECK_STR(m.source, "/dev/vda");
	CHECK_ERR(hm_os_parse_mountinfo_line(TXT("1 2 0:5 / /a\\011\\134b rw - tmpfs x rw"), &m),
	          HM_OK);
	CHECK_STR(m.mount_point, "/a\t\\b");
}

static void test_mountinfo_malformed(void)
{
	struct hm_os_mountinfo m;
	char longline[600];
	static const char *const bad[] = {
		"",
		"27 1 254:0 / / rw,relatime ext4 /dev/vda rw", /* no separator */
		"27 1 254:0 / / rw - ext4 /dev/vda",           /* no superblock options */
		"27 1 254:0 / / rw - ext4 /dev/vda rw extra",  /* one field too many */
		"27 1 254:0 / /  rw - ext4 /dev/vda rw",       /* an empty field */
		"27 1 254:0 / / rw - ext4 /dev/vda rw ",       /* a trailing space */
		"27 1 2540 / / rw - ext4 /dev/vda rw",         /* no major:minor */
		"27 1 254:x / / rw - ext4 /dev/vda rw",
		"x 1 254:0 / / rw - ext4 /dev/vda rw",
		"27 1 254:0 / /a\\09 rw - ext4 /dev/vda rw",  /* bad escape */
		"27 1 254:0 / /a\\000 rw - ext4 /dev/vda rw", /* escaped NUL */
		"27 1 254:0 / /a\\777 rw - ext4 /dev/vda rw", /* beyond a byte */
		"27 1 254:0 / /a\\04 rw - ext4 /dev/vda rw",  /* cut escape */
		"27 1 254:0 / / - ext4 /dev/vda rw",          /* no mount options */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = hm_os_parse_mountinfo_line(bad[i], strlen(bad[i]), &m);
		if (rc != HM_ERR_ENCODING)
			fprintf(stderr, "case %zu: %s\n", i, hm_strerror(rc));
		CHECK_EQ(rc, HM_ERR_ENCODING);
	}
	CHECK_ERR(
	        hm_os_parse_mountinfo_line(TXT("27 1 4294967296:0 / / rw - ext4 /dev/vda rw"), &m),
	        HM_ERR_RANGE);
	snprintf(longline, sizeof(longline), "27 1 254:0 / /%0300d rw - ext4 /dev/vda rw", 1);
	CHECK_ERR(hm_os_parse_mountinfo_line(longline, strlen(longline), &m), HM_ERR_LENGTH);
	CHECK_ERR(hm_os_parse_mountinfo_line(TXT("27 1 254:0 / / rw - ext4 /dev/vda rw"), NULL),
	          HM_ERR_INVALID);
}

static void test_fs_types(void)
{
	CHECK(hm_os_fs_type_is_real("ext4"));
	CHECK(hm_os_fs_type_is_real("xfs"));
	CHECK(hm_os_fs_type_is_real("nfs4"));
	CHECK(hm_os_fs_type_is_real("btrfs"));
	CHECK(!hm_os_fs_type_is_real("proc"));
	CHECK(!hm_os_fs_type_is_real("tmpfs"));
	CHECK(!hm_os_fs_type_is_real("cgroup2"));
	CHECK(!hm_os_fs_type_is_real(""));
	CHECK(!hm_os_fs_type_is_real(NULL));
}

static const char pciids[] = "# a comment: 1af4  not a vendor\n"
                             "\n"
                             "10de  NVIDIA Corporation\n"
                             "\t2330  GH100 [H100 SXM5 80GB]\n"
                             "\t\t10de 16c1  H100 SXM5 80GB\n"
                             "\t2331  GH100 [H100 PCIe]\r\n"
                             "1af4  Red Hat, Inc.\n"
                             "\t1050  Virtio 1.0 GPU\n"
                             "C 03  Display controller\n"
                             "\t00  VGA compatible controller\n"
                             "abcd  After the classes\n";

static void test_pciids(void)
{
	char v[HM_OS_NAME_LEN], d[HM_OS_NAME_LEN], small[8];

	CHECK_ERR(hm_os_parse_pciids(TXT(pciids), 0x10de, 0x2331, v, sizeof(v), d, sizeof(d)),
	          HM_OK);
	CHECK_STR(v, "NVIDIA Corporation");
	CHECK_STR(d, "GH100 [H100 PCIe]");
	CHECK_ERR(hm_os_parse_pciids(TXT(pciids), 0x1af4, 0x1050, v, sizeof(v), d, sizeof(d)),
	          HM_OK);
	CHECK_STR(v, "Red Hat, Inc.");
	CHECK_STR(d, "Virtio 1.0 GPU");
	/* A known vendor with an unknown device; a subsystem line is not a device. */
	CHECK_ERR(hm_os_parse_pciids(TXT(pciids), 0x10de, 0x16c1, v, sizeof(v), d, sizeof(d)),
	          HM_OK);
	CHECK_STR(v, "NVIDIA Corporation");
	CHECK_STR(d, "");
	CHECK_ERR(
	        hm_os_parse_pciids(TXT(pciids), 0x10de, 0x2330, v, sizeof(v), small, sizeof(small)),
	        HM_OK);
	CHECK_STR(small, "GH100 [");
	CHECK_ERR(hm_os_parse_pciids(TXT(pciids), 0x1234, 0x0001, v, sizeof(v), d, sizeof(d)),
	          HM_ERR_NOT_FOUND);
	/* Entries after the class list and class ids are not vendors. */
	CHECK_ERR(hm_os_parse_pciids(TXT(pciids), 0xabcd, 0x0000, v, sizeof(v), d, sizeof(d)),
	          HM_ERR_NOT_FOUND);
	CHECK_ERR(hm_os_parse_pciids(TXT(""), 0x10de, 0, v, sizeof(v), d, sizeof(d)),
	          HM_ERR_NOT_FOUND);
	CHECK_ERR(hm_os_parse_pciids(TXT("10de  a\0b\n"), 0x10de, 0, v, sizeof(v), d, sizeof(d)),
	          HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_pciids(TXT(pciids), 0x10de, 0, v, 0, d, sizeof(d)), HM_ERR_INVALID);
	CHECK_ERR(hm_os_parse_pciids(TXT(pciids), 0x10de, 0, v, sizeof(v), NULL, 4),
	          HM_ERR_INVALID);
}

static const char nvidia_info[] = "Model: \t\t NVIDIA H100 80GB HBM3\n"
                                  "IRQ:   \t\t 0\n"
                                  "GPU UUID: \t GPU-11111111-2222-3333-4444-555555555555\n"
                                  "Video BIOS: \t 96.00.99.00.01\n"
                                  "Bus Type: \t PCIe\n"
                                  "DMA Size: \t 52 bits\n"
                                  "Bus Location: \t 0000:00:05.0\n"
                                  "GPU Excluded:\t No\n";

static void test_nvidia_info(void)
{
	struct hm_os_gpu g;

	memset(&g, 0, sizeof(g));
	CHECK_ERR(hm_os_parse_nvidia_info(TXT(nvidia_info), &g), HM_OK);
	CHECK_STR(g.nv_model, "NVIDIA H100 80GB HBM3");
	CHECK_STR(g.nv_uuid, "GPU-11111111-2222-3333-4444-555555555555");
	CHECK_STR(g.nv_vbios, "96.00.99.00.01");
	CHECK_STR(g.nv_bus_type, "PCIe");
	CHECK_ERR(hm_os_parse_nvidia_info(TXT("IRQ: 5\n"), &g), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_nvidia_info(TXT("Model:\n"), &g), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_nvidia_info(TXT("Model: x\nno colon\n"), &g), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_nvidia_info(TXT("Model: x"), NULL), HM_ERR_INVALID);
}

static void test_numbers(void)
{
	uint64_t v;

	CHECK_ERR(hm_os_parse_size(TXT("32768K\n"), &v), HM_OK);
	CHECK_EQ(v, 32768 * 1024);
	CHECK_ERR(hm_os_parse_size(TXT("2M"), &v), HM_OK);
	CHECK_EQ(v, 2 * 1024 * 1024);
	CHECK_ERR(hm_os_parse_size(TXT("1G"), &v), HM_OK);
	CHECK_EQ(v, 1024 * 1024 * 1024);
	CHECK_ERR(hm_os_parse_size(TXT("512"), &v), HM_OK);
	CHECK_EQ(v, 512);
	CHECK_ERR(hm_os_parse_size(TXT("K"), &v), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_size(TXT("12T"), &v), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_size(TXT("18014398509481984K"), &v), HM_ERR_RANGE);
	CHECK_ERR(hm_os_parse_u64(TXT("18446744073709551615\n"), &v), HM_OK);
	CHECK_EQ(v, (long long)UINT64_MAX);
	CHECK_ERR(hm_os_parse_u64(TXT("18446744073709551616"), &v), HM_ERR_RANGE);
	CHECK_ERR(hm_os_parse_u64(TXT("-1\n"), &v), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_u64(TXT(""), &v), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_u64(TXT(" 1"), &v), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_hex(TXT("0x030200\n"), &v), HM_OK);
	CHECK_EQ(v, 0x030200);
	CHECK_ERR(hm_os_parse_hex(TXT("10DE"), &v), HM_OK);
	CHECK_EQ(v, 0x10de);
	CHECK_ERR(hm_os_parse_hex(TXT("0x"), &v), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_hex(TXT("0xg"), &v), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_hex(TXT("0x11112222333344445"), &v), HM_ERR_RANGE);
	CHECK_ERR(hm_os_parse_hex(TXT("1"), NULL), HM_ERR_INVALID);
}

static void test_flag_names(void)
{
	uint64_t flags = 0;

	for (unsigned i = 0; i < HM_OS_CPU_FLAG_COUNT; i++) {
		const char *name = hm_os_cpu_flag_name((enum hm_os_cpu_flag)i);
		uint64_t one = 0;
		CHECK(name != NULL);
		if (name == NULL)
			continue;
		/* Each name maps back to exactly its own bit. */
		CHECK_EQ(hm_os_cpu_flag_lookup(name, strlen(name), &one), 1);
		CHECK(one == UINT64_C(1) << i);
	}
	CHECK(hm_os_cpu_flag_name(HM_OS_CPU_FLAG_COUNT) == NULL);
	CHECK(hm_os_cpu_flag_name((enum hm_os_cpu_flag) - 1) == NULL);
	CHECK_EQ(hm_os_cpu_flag_lookup("avx51", 5, &flags), 0);
	CHECK_EQ(hm_os_cpu_flag_lookup("avx2x", 5, &flags), 0);
	CHECK(flags == 0);
	CHECK(!hm_os_cpu_has(UINT64_MAX, HM_OS_CPU_FLAG_COUNT));
}

TEST_MAIN(test_cpuinfo_x86, test_cpuinfo_arm, test_cpuinfo_long_model_is_cut,
          test_cpuinfo_malformed, test_meminfo, test_meminfo_malformed, test_stat,
          test_stat_malformed, test_diskstats, test_diskstats_malformed, test_netdev,
          test_netdev_malformed, test_cpulist, test_cpulist_malformed, test_mountinfo,
          test_mountinfo_malformed, test_fs_types, test_pciids, test_nvidia_info, test_numbers,
          test_flag_names)
