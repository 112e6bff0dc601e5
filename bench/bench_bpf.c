/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Overhead of the eBPF telemetry: a context-switch-heavy loop (a one-byte
 * pipe ping-pong with a child process: two switches and two wakeups per
 * round trip) and a syscall-heavy loop (a 64-byte UDP datagram to itself on
 * loopback: one sendmsg and one recvmsg event), each measured without the
 * programs, with them attached, and without again, in the same run.
 * Needs root; says so and exits 0 otherwise.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HM_HAVE_BPF
#include <bpf/bpf.h>
#endif

#include "bench.h"
#include "hypermesh/clock.h"
#include "hypermesh/error.h"
#include "hypermesh/os.h"

struct pingpong {
	int to_child, from_child;
};

static void pingpong_once(void *arg)
{
	struct pingpong *p = arg;
	char c = 'x';

	if (write(p->to_child, &c, 1) != 1 || read(p->from_child, &c, 1) != 1)
		abort();
}

static void udp_once(void *arg)
{
	int fd = *(int *)arg;
	char buf[64] = { 0 };

	if (send(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf) ||
	    recv(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
		abort();
}

#define ROUNDS 5

#ifdef HM_HAVE_BPF
/* The kernel's own accounting of each telemetry program (run count and
 * time, collected while the stats fd is open): ns per event, free of the
 * noise of the loops above. */
static void report_programs(void)
{
	__u32 id = 0;

	printf("\n%-40s %12s %12s\n", "program (kernel stats, name cut to 15)", "runs", "ns/run");
	while (bpf_prog_get_next_id(id, &id) == 0) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		    strncmp(info.name, "hm_", 3) == 0 && info.run_cnt > 0)
			printf("%-40s %12llu %12.1f\n", info.name, (unsigned long long)info.run_cnt,
			       (double)info.run_time_ns / (double)info.run_cnt);
		close(fd);
	}
}
#endif

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v)
{
	qsort(v, ROUNDS, sizeof(*v), cmp_double);
	return v[ROUNDS / 2];
}

static void report(const char *name, double ns[2][ROUNDS])
{
	double off = median(ns[0]), on = median(ns[1]);

	printf("%-34s %10.0f %10.0f %10.0f %10.3f\n", name, off, on, on - off, on / off);
}

int main(void)
{
	int down[2], up[2], udp;
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	struct pingpong pp;
	double pp_ns[2][ROUNDS], udp_ns[2][ROUNDS];
	pid_t child;

	if (geteuid() != 0) {
		printf("skipped: loading eBPF programs needs root\n");
		return 0;
	}
	if (pipe(down) != 0 || pipe(up) != 0)
		return 1;
	child = fork();
	if (child == 0) {
		char c;

		close(down[1]); /* so the parent's close ends the loop */
		close(up[0]);
		while (read(down[0], &c, 1) == 1)
			if (write(up[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	pp.to_child = down[1];
	pp.from_child = up[0];
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	if (udp < 0 || bind(udp, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    getsockname(udp, (struct sockaddr *)&addr, &len) != 0 ||
	    connect(udp, (struct sockaddr *)&addr, sizeof(addr)) != 0)
		return 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Off and on alternate ROUNDS times; the medians of each side are
	 * reported, so a burst of other load hits both sides alike. */
	for (int r = 0; r < 2 * ROUNDS; r++) {
		struct hm_os_telemetry *t = NULL;
		int on = r % 2;

		if (on) {
			int rc = hm_os_telemetry_open(HM_OS_TELEMETRY_REQUIRE_BPF, &t);

			if (rc != HM_OK) {
				printf("skipped: eBPF telemetry unavailable: %s\n",
				       hm_strerror(rc));
				kill(child, SIGTERM);
				return 0;
			}
		}
		pp_ns[on][r / 2] = bench_median_ns(pingpong_once, &pp, 1000);
		udp_ns[on][r / 2] = bench_median_ns(udp_once, &udp, 2000);
		hm_os_telemetry_close(t);
	}
	printf("%-34s %10s %10s %10s %10s\n", "median ns per operation", "off", "eBPF on", "on-off",
	       "on/off");
	report("pipe ping-pong round trip", pp_ns);
	report("UDP send+recv 64 B, loopback", udp_ns);
#ifdef HM_HAVE_BPF
	/* Once more with the kernel timing each program run. */
	{
		struct hm_os_telemetry *t = NULL;
		int stats = bpf_enable_stats(BPF_STATS_RUN_TIME);

		if (stats >= 0 && hm_os_telemetry_open(HM_OS_TELEMETRY_REQUIRE_BPF, &t) == HM_OK) {
			bench_median_ns(pingpong_once, &pp, 1000);
			bench_median_ns(udp_once, &udp, 2000);
			report_programs();
		}
		hm_os_telemetry_close(t);
		if (stats >= 0)
			close(stats);
	}
#endif
	close(down[1]);
	waitpid(child, NULL, 0);
	return 0;
}
