/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-packet cost of the XDP drop list, measured by the kernel
 * (BPF_PROG_TEST_RUN with repeat): a UDP/IPv4 and a UDP/IPv6 frame from a
 * source that is let through (and counted per source), then from a banned
 * one (dropped), with 1,000 and 60,000 other addresses banned. Runs in a
 * private network and mount namespace (loopback there, a bpffs in /tmp), so
 * no real interface is touched. Needs root; says so and exits 0 otherwise.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hypermesh/error.h"
#include "hypermesh/os.h"

#ifdef HM_HAVE_BPF
#include <bpf/bpf.h>

#define REPEAT 1000000

/* Ethernet + IPv4/IPv6 + UDP + 64 bytes of payload; only the fields the
 * program reads matter (EtherType, source address). */
static size_t frame(unsigned char *buf, int v6, const char *src)
{
	size_t l3 = v6 ? 40 : 20, n = 14 + l3 + 8 + 64;

	memset(buf, 0, n);
	buf[12] = v6 ? 0x86 : 0x08;
	buf[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		buf[14] = 0x60;
		buf[20] = 17;
		inet_pton(AF_INET6, src, buf + 14 + 8);
	} else {
		buf[14] = 0x45;
		buf[23] = 17;
		inet_pton(AF_INET, src, buf + 14 + 12);
	}
	return n;
}

static double run_ns(int prog, int v6, const char *src, __u32 *verdict)
{
	unsigned char pkt[256];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .repeat = REPEAT);

	opts.data_size_in = (__u32)frame(pkt, v6, src);
	if (bpf_prog_test_run_opts(prog, &opts) != 0)
		return -1;
	*verdict = opts.retval;
	return (double)opts.duration; /* the kernel's mean ns per run */
}

static void row(int prog, const char *what, int v6, const char *src)
{
	__u32 verdict = 0;
	double ns = run_ns(prog, v6, src, &verdict);

	printf("%-46s %8.1f %12.2f  %s\n", what, ns, ns > 0 ? 1e3 / ns : 0,
	       verdict == 1   ? "drop"
	       : verdict == 2 ? "pass"
	                      : "?");
}

int main(void)
{
	char dir[] = "/tmp/hm-bench-xdp.XXXXXX", path[256];
	struct hm_os_xdp *x = NULL;
	int prog, rc;

	if (geteuid() != 0) {
		printf("skipped: needs root\n");
		return 0;
	}
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) != 0 || mkdtemp(dir) == NULL ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("bpf", dir, "bpf", 0, NULL) != 0) {
		printf("skipped: cannot make a private network namespace with a bpffs\n");
		return 0;
	}
	rc = hm_os_xdp_attach("lo", dir);
	if (rc == HM_OK)
		rc = hm_os_xdp_open("lo", dir, &x);
	snprintf(path, sizeof(path), "%s/lo/prog", dir);
	prog = rc == HM_OK ? bpf_obj_get(path) : -1;
	if (prog < 0) {
		printf("skipped: XDP unavailable: %s\n", hm_strerror(rc));
		umount(dir);
		rmdir(dir);
		return 0;
	}
	printf("%-46s %8s %12s  %s\n", "frame (kernel test run, 1e6 repeats)", "ns/pkt",
	       "Mpps/core", "verdict");
	for (int banned = 0; banned <= 60000; banned = banned == 0 ? 1000 : banned * 60) {
		/* Fill the list up to `banned` addresses from 10.99.0.0/16. */
		for (int i = banned == 1000 ? 0 : 1000; i < banned && banned > 0; i++) {
			char a[32];

			snprintf(a, sizeof(a), "10.99.%d.%d", i / 250, i % 250 + 1);
			hm_os_xdp_ban(x, a);
		}
		printf("-- %d other addresses banned\n", banned);
		row(prog, "IPv4 UDP, source let through", 0, "10.1.0.1");
		row(prog, "IPv6 UDP, source let through", 1, "fd00:1::1");
		hm_os_xdp_ban(x, "10.1.0.2");
		hm_os_xdp_ban(x, "fd00:1::2");
		row(prog, "IPv4 UDP, banned source", 0, "10.1.0.2");
		row(prog, "IPv6 UDP, banned source", 1, "fd00:1::2");
		hm_os_xdp_unban(x, "10.1.0.2");
		hm_os_xdp_unban(x, "fd00:1::2");
	}
	close(prog);
	hm_os_xdp_close(x);
	hm_os_xdp_detach("lo", dir);
	umount(dir);
	rmdir(dir);
	return 0;
}

#else

int main(void)
{
	printf("skipped: built without eBPF (HM_BPF=OFF)\n");
	return 0;
}

#endif
