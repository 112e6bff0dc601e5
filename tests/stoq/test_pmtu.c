/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A configured datagram size the path cannot carry fails cleanly: in a
 * network namespace of its own whose lo has a 1400-byte MTU, a client told
 * max_udp_payload = 8972 (a jumbo-frame setting on the wrong network) has
 * its first large datagrams refused by the kernel (EMSGSIZE: STOQ sets DF,
 * so nothing is fragmented), drops to what the route carries (1400 - 28 =
 * 1372 bytes), and the transfer completes intact. The server, automatic,
 * picks 1372 from the route from the start.
 *
 * Needs root (CAP_SYS_ADMIN for unshare(CLONE_NEWNET), CAP_NET_ADMIN for the
 * MTU): otherwise exits 77, saying why. The namespace is the process's own
 * and vanishes with it.
 */
#define _GNU_SOURCE /* unshare, CLONE_NEWNET; libuv's POSIX types */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "payload_transfer.h"

#define LO_MTU        1400
#define ROUTE_PAYLOAD (LO_MTU - 28) /* IPv4 + UDP headers */
#define JUMBO_PAYLOAD 8972

/* Sets lo's MTU and brings it up (a new namespace's lo is down). 0 or an errno. */
static int lo_setup(int mtu)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	ifr.ifr_mtu = mtu;
	if (ioctl(fd, SIOCSIFMTU, &ifr) != 0)
		err = errno;
	if (err == 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) != 0)
		err = errno;
	ifr.ifr_flags |= IFF_UP;
	if (err == 0 && ioctl(fd, SIOCSIFFLAGS, &ifr) != 0)
		err = errno;
	close(fd);
	return err;
}

static void test_too_big_falls_back(void)
{
	struct pt p;

	CHECK(pt_transfer(&p, JUMBO_PAYLOAD, 0));
	printf("configured %d over a %d-byte MTU: %llu sends refused, now %zu-byte datagrams, "
	       "largest sent %llu\n",
	       JUMBO_PAYLOAD, LO_MTU, (unsigned long long)p.client_stats.tx_too_big,
	       p.client_payload, (unsigned long long)p.client_stats.tx_max_datagram);
	CHECK(p.client_stats.tx_too_big > 0);
	CHECK_EQ(p.client_payload, ROUTE_PAYLOAD);
	CHECK(p.client_stats.tx_max_datagram <= ROUTE_PAYLOAD);
}

/* Automatic: the route's MTU is read before anything is sent, nothing is refused. */
static void test_automatic_reads_the_route(void)
{
	struct pt p;

	CHECK(pt_transfer(&p, 0, 0));
	CHECK_EQ(p.client_payload, ROUTE_PAYLOAD);
	CHECK_EQ(p.client_stats.tx_too_big, 0);
	CHECK(p.client_stats.tx_max_datagram <= ROUTE_PAYLOAD);
	CHECK(p.client_stats.tx_max_datagram > ROUTE_PAYLOAD - 64);
}

int main(int argc, char **argv)
{
	static const struct test__case cases[] = { TEST__MAP(test_too_big_falls_back,
		                                             test_automatic_reads_the_route) };
	int err;

	test_argc = argc;
	test_argv = argv;
	if (unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr, "skip: cannot make a network namespace (unshare: %s); needs root\n",
		        strerror(errno));
		return 77;
	}
	err = lo_setup(LO_MTU);
	if (err != 0) {
		fprintf(stderr, "skip: cannot set lo's MTU in the new namespace: %s\n",
		        strerror(err));
		return 77;
	}
	return test__run(cases, sizeof(cases) / sizeof(cases[0]));
}
