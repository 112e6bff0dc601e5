/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The telemetry's /proc side: the /proc/<pid>/{stat,io} parsers on fixed
 * text (including malformed text), the /proc fallback on this machine
 * against the process's own CPU clock, and argument refusals. The eBPF side
 * is test_os_bpf.c (root only).
 */
#define _GNU_SOURCE
#include <time.h>
#include <unistd.h>

#include "hypermesh/os.h"
#include "os/os_parse.h"
#include "test.h"

#define STAT_LINE(comm)                                                                            \
	"1234 (" comm ") S 1 1234 1234 0 -1 4194560 1063 0 0 0 250 75 0 0 20 0 1 0 4461 11370496 " \
	"1136 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n"

static void test_parse_pid_stat(void)
{
	static const char plain[] = STAT_LINE("bash");
	static const char odd[] = STAT_LINE("a) (b c) ");
	char comm[16];
	uint64_t ticks = 0;

	CHECK_ERR(hm_os_parse_pid_stat(plain, sizeof(plain) - 1, comm, sizeof(comm), &ticks),
	          HM_OK);
	CHECK_STR(comm, "bash");
	CHECK_EQ(ticks, 325);
	/* The name ends at the last ')', whatever it holds. */
	CHECK_ERR(hm_os_parse_pid_stat(odd, sizeof(odd) - 1, comm, sizeof(comm), &ticks), HM_OK);
	CHECK_STR(comm, "a) (b c) ");
	CHECK_EQ(ticks, 325);
	/* Cut to the buffer. */
	CHECK_ERR(hm_os_parse_pid_stat(plain, sizeof(plain) - 1, comm, 3, &ticks), HM_OK);
	CHECK_STR(comm, "ba");
}

static void test_parse_pid_stat_malformed(void)
{
	static const char *const bad[] = {
		"",
		"1234 bash S 1",
		"1234 (bash S 1 2 3 4 5 6 7 8 9 10 11 12 13",
		"1234 (bash) S 1 1234 1234 0 -1 4194560 1063 0 0 0 250",  /* no stime */
		"1234 (bash) S 1 1234 1234 0 -1 4194560 1063 0 0 0 x 75", /* bad utime */
		"1234 (bash) S 1 1234 1234 0 -1 4194560 1063 0 0 0 -1 75",
		"1234 (bash)  S 1 1234 1234 0 -1 4194560 1063 0 0 0 250 75", /* empty field */
	};
	char comm[16] = "unchanged";
	uint64_t ticks = 77;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = hm_os_parse_pid_stat(bad[i], strlen(bad[i]), comm, sizeof(comm), &ticks);

		CHECK(rc == HM_ERR_ENCODING || rc == HM_ERR_RANGE);
	}
	CHECK_STR(comm, "unchanged");
	CHECK_EQ(ticks, 77);
	{
		/* utime + stime overflows. */
		static const char sum[] = "1 (x) S 1 1 1 0 -1 0 0 0 0 0 18446744073709551615 1";

		CHECK_ERR(hm_os_parse_pid_stat(sum, sizeof(sum) - 1, comm, sizeof(comm), &ticks),
		          HM_ERR_RANGE);
	}
	CHECK_ERR(hm_os_parse_pid_stat(NULL, 0, comm, sizeof(comm), &ticks), HM_ERR_INVALID);
	CHECK_ERR(hm_os_parse_pid_stat("", 0, comm, 0, &ticks), HM_ERR_INVALID);
}

static void test_parse_pid_io(void)
{
	static const char io[] = "rchar: 323934931\nwchar: 323929600\nsyscr: 632687\n"
	                         "syscw: 632675\nread_bytes: 4096\nwrite_bytes: 323932160\n"
	                         "cancelled_write_bytes: 0\n";
	uint64_t rd = 1, wr = 1;

	CHECK_ERR(hm_os_parse_pid_io(io, sizeof(io) - 1, &rd, &wr), HM_OK);
	CHECK_EQ(rd, 4096);
	CHECK_EQ(wr, 323932160);
	/* Without the final newline too. */
	CHECK_ERR(hm_os_parse_pid_io("write_bytes: 5\nread_bytes: 6", 28, &rd, &wr), HM_OK);
	CHECK_EQ(rd, 6);
	CHECK_EQ(wr, 5);
	rd = wr = 9;
	CHECK_ERR(hm_os_parse_pid_io("read_bytes: 1\n", 14, &rd, &wr), HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_pid_io("read_bytes: x\nwrite_bytes: 1\n", 29, &rd, &wr),
	          HM_ERR_ENCODING);
	CHECK_ERR(hm_os_parse_pid_io("", 0, &rd, &wr), HM_ERR_ENCODING);
	CHECK_EQ(rd, 9);
	CHECK_EQ(wr, 9);
	CHECK_ERR(hm_os_parse_pid_io(io, sizeof(io) - 1, NULL, &wr), HM_ERR_INVALID);
}

static uint64_t own_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The /proc fallback: this process's CPU time as the kernel's ticks see it. */
static void test_proc_fallback(void)
{
	struct hm_os_telemetry *t = NULL;
	struct hm_os_proc_usage self, *all;
	size_t n = 0;
	bool truncated = true, found = false;
	uint64_t clock_ns;
	volatile uint64_t spin = 0;
	long hz = sysconf(_SC_CLK_TCK);

	CHECK_ERR(hm_os_telemetry_open(HM_OS_TELEMETRY_NO_BPF, &t), HM_OK);
	if (t == NULL)
		return;
	CHECK_EQ(hm_os_telemetry_source(t), HM_OS_TELEMETRY_PROC);
	CHECK_ERR(hm_os_telemetry_bpf_error(t), HM_ERR_UNSUPPORTED);
	while (own_cpu_ns() < 300000000ULL)
		spin++;
	CHECK_ERR(hm_os_telemetry_proc(t, (int32_t)getpid(), &self), HM_OK);
	clock_ns = own_cpu_ns();
	CHECK_EQ(self.pid, getpid());
	CHECK_STR(self.comm, "os_test_os_tele"); /* the 15-byte kernel name */
	/* Ticks round down: within two ticks below the precise clock. */
	CHECK(self.cpu_ns <= clock_ns);
	CHECK(self.cpu_ns + 2 * 1000000000ULL / (uint64_t)hz >= clock_ns - clock_ns / 20);
	CHECK_EQ(self.net_tx_bytes, 0);
	CHECK_EQ(self.cgroup_id, 0);

	all = calloc(65536, sizeof(*all));
	CHECK(all != NULL);
	if (all != NULL) {
		CHECK_ERR(hm_os_telemetry_procs(t, all, 65536, &n, &truncated), HM_OK);
		CHECK(!truncated);
		for (size_t i = 0; i < n; i++)
			if (all[i].pid == getpid())
				found = true;
		CHECK(found);
		CHECK(n > 1);
		/* A short buffer is cut and says so. */
		CHECK_ERR(hm_os_telemetry_procs(t, all, 1, &n, &truncated), HM_OK);
		CHECK_EQ(n, 1);
		CHECK(truncated);
		free(all);
	}
	/* eBPF-only views refuse /proc. */
	{
		struct hm_os_runq_hist h;
		struct hm_os_cgroup_usage cg;
		struct hm_os_disk_io d;

		CHECK_ERR(hm_os_telemetry_runq(t, &h), HM_ERR_UNSUPPORTED);
		CHECK_ERR(hm_os_telemetry_cgroups(t, &cg, 1, &n, NULL), HM_ERR_UNSUPPORTED);
		CHECK_ERR(hm_os_telemetry_disks(t, &d, 1, &n, NULL), HM_ERR_UNSUPPORTED);
	}
	CHECK_ERR(hm_os_telemetry_proc(t, INT32_MAX, &self), HM_ERR_NOT_FOUND);
	hm_os_telemetry_close(t);
}

static void test_refusals(void)
{
	struct hm_os_telemetry *t = (struct hm_os_telemetry *)1;
	struct hm_os_proc_usage u;
	size_t n;

	CHECK_ERR(hm_os_telemetry_open(0, NULL), HM_ERR_INVALID);
	CHECK_ERR(hm_os_telemetry_open(0x80, &t), HM_ERR_INVALID);
	CHECK_ERR(hm_os_telemetry_open(HM_OS_TELEMETRY_REQUIRE_BPF | HM_OS_TELEMETRY_NO_BPF, &t),
	          HM_ERR_INVALID);
	CHECK(t == (struct hm_os_telemetry *)1); /* untouched */
	CHECK_ERR(hm_os_telemetry_procs(NULL, &u, 1, &n, NULL), HM_ERR_INVALID);
	CHECK_ERR(hm_os_telemetry_proc(NULL, 1, &u), HM_ERR_INVALID);
	CHECK_ERR(hm_os_telemetry_bpf_error(NULL), HM_ERR_INVALID);
	hm_os_telemetry_close(NULL);

	t = NULL;
	CHECK_ERR(hm_os_telemetry_open(HM_OS_TELEMETRY_NO_BPF, &t), HM_OK);
	CHECK_ERR(hm_os_telemetry_proc(t, 0, &u), HM_ERR_INVALID);
	CHECK_ERR(hm_os_telemetry_proc(t, -5, &u), HM_ERR_INVALID);
	CHECK_ERR(hm_os_telemetry_procs(t, NULL, 1, &n, NULL), HM_ERR_INVALID);
	CHECK_ERR(hm_os_telemetry_procs(t, &u, 1, NULL, NULL), HM_ERR_INVALID);
	hm_os_telemetry_close(t);
}

TEST_MAIN(test_parse_pid_stat, test_parse_pid_stat_malformed, test_parse_pid_io, test_proc_fallback,
          test_refusals)
