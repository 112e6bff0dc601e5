/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The eBPF telemetry against generated load (root only; exits 77 with the
 * reason when eBPF cannot be loaded): a child burns CPU, writes and fsyncs a
 * file, sends UDP and TCP bytes on loopback; the counters must attribute that
 * to its pid, cross-checked with its own CPU clock and /proc.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hypermesh/os.h"
#include "test.h"

#define BURN_NS     300000000ULL /* CPU the child burns */
#define WRITE_BYTES (4u << 20)   /* bytes the child writes and fsyncs */
#define UDP_COUNT   64
#define UDP_SIZE    1000
#define TCP_BYTES   (1u << 20)

static struct hm_os_telemetry *tel;

/* Waits (up to 5 s) until pid sleeps, so its last slice has been accounted. */
static void wait_sleeping(pid_t pid)
{
	char path[64], buf[512];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 500; i++) {
		FILE *f = fopen(path, "r");
		size_t n = f != NULL ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		const char *paren;

		if (f != NULL)
			fclose(f);
		buf[n] = '\0';
		paren = strrchr(buf, ')');
		if (paren != NULL && paren[1] == ' ' && paren[2] == 'S')
			return;
		usleep(10000);
	}
}

static uint64_t own_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * The load: burn, report the CPU clock on `report`, then wait for a byte on
 * `go` and exit. Runs in a forked child.
 */
static void burn_child(int report, int go)
{
	volatile uint64_t spin = 0;
	uint64_t ns;
	char c;

	while (own_cpu_ns() < BURN_NS)
		spin++;
	ns = own_cpu_ns();
	if (write_all(report, &ns, sizeof(ns)) != 0)
		_exit(1);
	/* Blocking here switches the child out, which accounts its last slice. */
	if (read(go, &c, 1) < 0)
		_exit(1);
	_exit(0);
}

static void test_cpu_time(void)
{
	int report[2], go[2];
	uint64_t clock_ns = 0;
	struct hm_os_proc_usage u, from_proc;
	struct hm_os_telemetry *proc = NULL;
	pid_t pid;

	CHECK(pipe(report) == 0 && pipe(go) == 0);
	pid = fork();
	if (pid == 0)
		burn_child(report[1], go[0]);
	CHECK(pid > 0);
	CHECK(read(report[0], &clock_ns, sizeof(clock_ns)) == (ssize_t)sizeof(clock_ns));
	wait_sleeping(pid);
	CHECK_ERR(hm_os_telemetry_proc(tel, pid, &u), HM_OK);
	CHECK_ERR(hm_os_telemetry_open(HM_OS_TELEMETRY_NO_BPF, &proc), HM_OK);
	CHECK_ERR(hm_os_telemetry_proc(proc, pid, &from_proc), HM_OK);
	hm_os_telemetry_close(proc);
	/* sched_switch time within 5% + 5 ms of the child's own clock (which
	 * it read a little before its last switch). */
	fprintf(stderr, "cpu: child clock %llu ns, eBPF %llu ns, /proc %llu ns\n",
	        (unsigned long long)clock_ns, (unsigned long long)u.cpu_ns,
	        (unsigned long long)from_proc.cpu_ns);
	CHECK(u.cpu_ns + clock_ns / 20 >= clock_ns);
	CHECK(u.cpu_ns <= clock_ns + clock_ns / 20 + 5000000ULL);
	CHECK(from_proc.cpu_ns <= u.cpu_ns + 20000000ULL);
	CHECK(from_proc.cpu_ns + clock_ns / 10 + 20000000ULL >= u.cpu_ns);
	CHECK_STR(u.comm, "os_test_os_bpf");
	CHECK(write(go[1], "x", 1) == 1);
	waitpid(pid, NULL, 0);
	close(report[0]), close(report[1]), close(go[0]), close(go[1]);

	/* The per-cgroup total holds at least the child's time. */
	{
		struct hm_os_cgroup_usage cg[64];
		size_t n = 0;
		uint64_t best = 0;

		CHECK_ERR(hm_os_telemetry_cgroups(tel, cg, 64, &n, NULL), HM_OK);
		CHECK(n >= 1);
		for (size_t i = 0; i < n; i++)
			if (cg[i].cgroup_id == u.cgroup_id && cg[i].cpu_ns > best)
				best = cg[i].cpu_ns;
		CHECK(best >= u.cpu_ns);
	}
	/* And the run-queue histogram saw wakeups. */
	{
		struct hm_os_runq_hist h;
		uint64_t total = 0;

		CHECK_ERR(hm_os_telemetry_runq(tel, &h), HM_OK);
		for (size_t b = 0; b < HM_OS_RUNQ_BUCKETS; b++)
			total += h.buckets[b];
		CHECK(total > 0);
	}
}

static uint64_t disk_written(void)
{
	struct hm_os_disk_io d[HM_OS_DISK_MAX];
	size_t n = 0;
	uint64_t sum = 0;

	CHECK_ERR(hm_os_telemetry_disks(tel, d, HM_OS_DISK_MAX, &n, NULL), HM_OK);
	for (size_t i = 0; i < n; i++)
		sum += d[i].write_bytes;
	return sum;
}

static void test_disk_bytes(void)
{
	char path[] = "os_test_os_bpf.XXXXXX";
	int fd = mkstemp(path), status = -1, direct;
	uint64_t before = disk_written(), after;
	struct hm_os_proc_usage u, from_proc;
	struct hm_os_telemetry *proc = NULL;
	int report[2], go[2];
	pid_t pid;
	char c;

	CHECK(fd >= 0);
	/* O_DIRECT: the child's own write submits the bios, so a busy machine's
	 * writeback thread cannot take them over. Buffered (and fsync) where the
	 * filesystem refuses it. */
	direct = open(path, O_WRONLY | O_DIRECT);
	if (direct >= 0) {
		close(fd);
		fd = direct;
	}
	CHECK(pipe(report) == 0 && pipe(go) == 0);
	pid = fork();
	if (pid == 0) {
		void *block = NULL;

		if (posix_memalign(&block, 4096, WRITE_BYTES) != 0)
			_exit(1);
		memset(block, 0xa5, WRITE_BYTES);
		if (write_all(fd, block, WRITE_BYTES) != 0 || fsync(fd) != 0)
			_exit(1);
		if (write(report[1], "w", 1) != 1 || read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	CHECK(read(report[0], &c, 1) == 1);
	CHECK_ERR(hm_os_telemetry_proc(tel, pid, &u), HM_OK);
	CHECK_ERR(hm_os_telemetry_open(HM_OS_TELEMETRY_NO_BPF, &proc), HM_OK);
	CHECK_ERR(hm_os_telemetry_proc(proc, pid, &from_proc), HM_OK);
	hm_os_telemetry_close(proc);
	CHECK(write(go[1], "x", 1) == 1);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	after = disk_written();
	fprintf(stderr, "disk: wrote %u, eBPF process %llu, /proc %llu, devices +%llu\n",
	        WRITE_BYTES, (unsigned long long)u.disk_write_bytes,
	        (unsigned long long)from_proc.disk_write_bytes,
	        (unsigned long long)(after - before));
	if (from_proc.disk_write_bytes < WRITE_BYTES) {
		/* tmpfs and the like: no block device saw the bytes. */
		fprintf(stderr, "note: disk check skipped, the build directory is not on a block "
		                "device\n");
	} else {
		CHECK(u.disk_write_bytes >= WRITE_BYTES);
		/* Metadata and journal may add a little, not a second copy. */
		CHECK(u.disk_write_bytes <= 2ULL * WRITE_BYTES);
		CHECK(after - before >= WRITE_BYTES);
	}
	close(fd);
	unlink(path);
	close(report[0]), close(report[1]), close(go[0]), close(go[1]);
}

static int loopback_socket(int type, struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, type, 0);

	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)addr, sizeof(*addr)) != 0 ||
	    getsockname(fd, (struct sockaddr *)addr, &len) != 0)
		return -1;
	return fd;
}

static void test_net_bytes(void)
{
	struct sockaddr_in udp_addr, tcp_addr;
	int udp = loopback_socket(SOCK_DGRAM, &udp_addr);
	int lst = loopback_socket(SOCK_STREAM, &tcp_addr);
	struct hm_os_proc_usage child, self_before, self_after;
	uint64_t received = 0;
	int report[2], go[2], status = -1, conn;
	char buf[65536], c;
	pid_t pid;

	CHECK(udp >= 0 && lst >= 0 && listen(lst, 1) == 0);
	CHECK(pipe(report) == 0 && pipe(go) == 0);
	CHECK_ERR(hm_os_telemetry_proc(tel, (int32_t)getpid(), &self_before), HM_OK);
	pid = fork();
	if (pid == 0) {
		int s = socket(AF_INET, SOCK_DGRAM, 0), t = socket(AF_INET, SOCK_STREAM, 0);
		static char payload[TCP_BYTES];

		for (int i = 0; i < UDP_COUNT; i++)
			if (sendto(s, payload, UDP_SIZE, 0, (struct sockaddr *)&udp_addr,
			           sizeof(udp_addr)) != UDP_SIZE)
				_exit(1);
		if (connect(t, (struct sockaddr *)&tcp_addr, sizeof(tcp_addr)) != 0 ||
		    write_all(t, payload, sizeof(payload)) != 0)
			_exit(1);
		close(t);
		if (write(report[1], "n", 1) != 1 || read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	conn = accept(lst, NULL, NULL);
	CHECK(conn >= 0);
	for (;;) {
		ssize_t r = read(conn, buf, sizeof(buf));

		if (r <= 0)
			break;
		received += (uint64_t)r;
	}
	CHECK_EQ(received, TCP_BYTES);
	for (int i = 0; i < UDP_COUNT; i++)
		CHECK(recv(udp, buf, sizeof(buf), 0) == UDP_SIZE);
	CHECK(read(report[0], &c, 1) == 1);
	CHECK_ERR(hm_os_telemetry_proc(tel, pid, &child), HM_OK);
	CHECK_ERR(hm_os_telemetry_proc(tel, (int32_t)getpid(), &self_after), HM_OK);
	fprintf(stderr, "net: child sent %llu (want %u), parent received %llu\n",
	        (unsigned long long)child.net_tx_bytes, UDP_COUNT * UDP_SIZE + TCP_BYTES,
	        (unsigned long long)(self_after.net_rx_bytes - self_before.net_rx_bytes));
	/* Exact: sendmsg results are the bytes, nothing else talks here. */
	CHECK_EQ(child.net_tx_bytes, UDP_COUNT * UDP_SIZE + TCP_BYTES);
	CHECK_EQ(child.net_rx_bytes, 0);
	CHECK_EQ(self_after.net_rx_bytes - self_before.net_rx_bytes,
	         UDP_COUNT * UDP_SIZE + TCP_BYTES);
	CHECK(write(go[1], "x", 1) == 1);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(conn), close(lst), close(udp);
	close(report[0]), close(report[1]), close(go[0]), close(go[1]);
}

static void test_listing(void)
{
	struct hm_os_proc_usage *all = calloc(16384, sizeof(*all));
	size_t n = 0;
	bool truncated = true, found = false;

	CHECK(all != NULL);
	if (all == NULL)
		return;
	CHECK_ERR(hm_os_telemetry_procs(tel, all, 16384, &n, &truncated), HM_OK);
	CHECK(!truncated);
	for (size_t i = 0; i < n; i++)
		found |= all[i].pid == getpid();
	CHECK(found);
	CHECK_ERR(hm_os_telemetry_procs(tel, all, 1, &n, &truncated), HM_OK);
	CHECK_EQ(n, 1);
	CHECK(truncated);
	CHECK_ERR(hm_os_telemetry_proc(tel, INT32_MAX, all), HM_ERR_NOT_FOUND);
	free(all);
}

int main(int argc, char **argv)
{
	static const struct test__case cases[] = {
		{ "test_cpu_time", test_cpu_time },
		{ "test_disk_bytes", test_disk_bytes },
		{ "test_net_bytes", test_net_bytes },
		{ "test_listing", test_listing },
	};
	int rc = hm_os_telemetry_open(HM_OS_TELEMETRY_REQUIRE_BPF, &tel);

	test_argc = argc;
	test_argv = argv;

	if (rc == HM_ERR_UNSUPPORTED || (rc == HM_ERR_PERMISSION && geteuid() != 0)) {
		fprintf(stderr,
		        "skip: eBPF telemetry unavailable: %s (needs root, a kernel with "
		        "BTF and a build with HM_BPF=ON)\n",
		        hm_strerror(rc));
		return 77;
	}
	if (rc != HM_OK) {
		fprintf(stderr, "FAIL: cannot load the eBPF telemetry as root: %s\n",
		        hm_strerror(rc));
		return EXIT_FAILURE;
	}
	CHECK_EQ(hm_os_telemetry_source(tel), HM_OS_TELEMETRY_BPF);
	rc = test__run(cases, sizeof(cases) / sizeof(cases[0]));
	hm_os_telemetry_close(tel);
	return rc;
}
