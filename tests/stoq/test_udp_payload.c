/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Datagram size (docs/STOQ.md "Datagram size"): a connection to a peer on
 * this host sends datagrams as large as the route allows (lo: 64 KiB), one
 * configured with max_udp_payload keeps to that size, one to a peer
 * elsewhere starts at 1452 bytes, and sizes outside QUIC's range are
 * refused. A size the path cannot carry is test_pmtu's (it needs a network
 * namespace).
 */
#define _GNU_SOURCE /* libuv's POSIX types; getifaddrs */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "payload_transfer.h"

/* 1452: the largest datagram that crosses a 1500-byte-MTU network under IPv6. */
#define NETWORK_PAYLOAD 1452

/* Loopback, automatic: the whole transfer leaves in datagrams far over 1452 bytes. */
static void test_loopback_uses_large_datagrams(void)
{
	struct pt p;

	CHECK(pt_transfer(&p, 0, 0));
	printf("loopback, automatic: %zu-byte datagrams chosen, largest sent %llu, %llu datagrams "
	       "for %zu bytes\n",
	       p.client_payload, (unsigned long long)p.client_stats.tx_max_datagram,
	       (unsigned long long)p.client_stats.tx_datagrams, PT_SIZE);
	/* lo's MTU is 65536: 65507 bytes of UDP payload over IPv4. */
	CHECK(p.client_payload > 16384);
	CHECK(p.client_stats.tx_max_datagram > NETWORK_PAYLOAD);
	CHECK(p.client_stats.tx_max_datagram <= p.client_payload);
	/* Most bytes went in large datagrams: far fewer than PT_SIZE / 1452. */
	CHECK(p.client_stats.tx_datagrams < PT_SIZE / NETWORK_PAYLOAD / 4);
	CHECK_EQ(p.client_stats.tx_too_big, 0);
}

/* The same without GSO and GRO: 64 KiB datagrams one sendmsg each, read by libuv's reader. */
static void test_loopback_large_without_gso_gro(void)
{
	struct pt p;

	pt_plain_sockets = 1;
	CHECK(pt_transfer(&p, 0, 0));
	pt_plain_sockets = 0;
	CHECK(p.client_payload > 16384);
	CHECK(p.client_stats.tx_max_datagram > 16384);
	CHECK(p.client_stats.tx_datagrams < PT_SIZE / NETWORK_PAYLOAD / 4);
}

/*
 * The handshake keeps to network-sized datagrams on loopback too: without
 * payload shaping ngtcp2 would pad the datagrams carrying the client's
 * Initial to the whole 65507 bytes (as it did before this was fixed). After
 * confirmation the PQ step's messages (ML-KEM, ML-DSA: up to ~9 KB) leave
 * in datagrams of their own size, well under that.
 */
static void test_handshake_datagrams_network_sized(void)
{
	struct pt p;

	pt_handshake_only = 1;
	CHECK(pt_transfer(&p, 0, 0));
	pt_handshake_only = 0;
	printf("handshake on loopback: largest datagram client %llu, server %llu\n",
	       (unsigned long long)p.client_stats.tx_max_datagram,
	       (unsigned long long)p.server_stats.tx_max_datagram);
	CHECK(p.client_payload > 16384); /* chosen for what follows */
	CHECK(p.client_stats.tx_max_datagram >= 1200);
	CHECK(p.client_stats.tx_max_datagram < 16384);
	CHECK(p.server_stats.tx_max_datagram < 16384);
}

/* Configured: the sender keeps to the size it was given, on loopback too. */
static void test_configured_size_is_kept(void)
{
	static const size_t sizes[] = { NETWORK_PAYLOAD, 8972 };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct pt p;

		CHECK(pt_transfer(&p, sizes[i], sizes[i]));
		printf("configured %zu: largest sent %llu, %llu datagrams\n", sizes[i],
		       (unsigned long long)p.client_stats.tx_max_datagram,
		       (unsigned long long)p.client_stats.tx_datagrams);
		CHECK_EQ(p.client_payload, sizes[i]);
		CHECK(p.client_stats.tx_max_datagram <= sizes[i]);
		/* ...and uses it: a bulk stream fills its datagrams. */
		CHECK(p.client_stats.tx_max_datagram > sizes[i] - 64);
	}
}

/* The size ep picks for a connection to host (nothing needs to answer). */
static size_t chosen_for(struct hm_stoq_endpoint *ep, const char *host)
{
	uint8_t peer[HM_NODE_ID_LEN];
	struct hm_stoq_conn *c = NULL;
	size_t n;

	memset(peer, 0x5a, sizeof(peer));
	CHECK_ERR(hm_stoq_connect(ep, host, 9, peer, NULL, &c), HM_OK);
	n = hm_stoq_conn_max_udp_payload(c);
	hm_stoq_conn_close(c, 0, NULL);
	return n;
}

static struct hm_stoq_endpoint *probe_endpoint(uv_loop_t *loop, const struct hm_identity *id,
                                               const char *bind)
{
	struct hm_stoq_config cfg;
	struct hm_stoq_endpoint *ep = NULL;

	hm_stoq_config_default(&cfg);
	cfg.identity = id;
	cfg.port = 0;
	cfg.bind_addr = bind;
	CHECK_ERR(hm_stoq_endpoint_new(loop, &cfg, &ep), HM_OK);
	return ep;
}

/*
 * The choice per peer: loopback addresses and this host's own get the
 * route's size, an address elsewhere (TEST-NET-3, RFC 5737; 2001:db8::/32,
 * RFC 3849) gets 1452 and ngtcp2's path MTU discovery. The client's first
 * Initial leaves at once: the endpoints for the addresses elsewhere are
 * bound to loopback, which the kernel never lets off the host.
 */
static void test_choice_by_peer(void)
{
	struct hm_stoq_endpoint *dual, *lo4, *lo6;
	struct hm_identity id;
	struct ifaddrs *ifs, *i;
	char own[INET6_ADDRSTRLEN] = "";
	uv_loop_t loop;

	CHECK(uv_loop_init(&loop) == 0);
	CHECK_ERR(hm_identity_generate(&id), HM_OK);
	dual = probe_endpoint(&loop, &id, NULL); /* :: (IPv4 peers as mapped addresses) */
	lo4 = probe_endpoint(&loop, &id, "127.0.0.1");
	lo6 = probe_endpoint(&loop, &id, "::1");
	if (dual != NULL && lo4 != NULL && lo6 != NULL) {
		CHECK(chosen_for(dual, "127.0.0.1") > 16384);
		CHECK(chosen_for(dual, "127.3.2.1") > 16384);
		CHECK(chosen_for(dual, "::1") > 16384);
		CHECK(chosen_for(lo4, "127.0.0.1") > 16384);
		CHECK_EQ(chosen_for(lo4, "203.0.113.7"), NETWORK_PAYLOAD);
		CHECK_EQ(chosen_for(lo6, "2001:db8::7"), NETWORK_PAYLOAD);
		/* One of this host's own IPv4 addresses, if it has one besides loopback. */
		if (getifaddrs(&ifs) == 0) {
			for (i = ifs; i != NULL && own[0] == '\0'; i = i->ifa_next)
				if (i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET &&
				    !(i->ifa_flags & IFF_LOOPBACK))
					(void)inet_ntop(
					        AF_INET,
					        &((struct sockaddr_in *)i->ifa_addr)->sin_addr, own,
					        sizeof(own));
			freeifaddrs(ifs);
		}
		if (own[0] != '\0') {
			size_t n = chosen_for(lo4, own);

			printf("this host's own address %s: %zu\n", own, n);
			CHECK(n > NETWORK_PAYLOAD);
		} else {
			printf("no non-loopback IPv4 address here: own-address case not run\n");
		}
	}
	hm_stoq_endpoint_close(dual);
	hm_stoq_endpoint_close(lo4);
	hm_stoq_endpoint_close(lo6);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&loop), 0);
	hm_identity_wipe(&id);
}

/* Outside 1200..65527 (and not 0): the endpoint is refused, nothing is opened. */
static void test_bad_sizes_refused(void)
{
	static const size_t bad[] = { 1, 1199, 65528, 1 << 20 };
	struct hm_stoq_config cfg;
	struct hm_identity id;
	uv_loop_t loop;
	size_t i;

	CHECK(uv_loop_init(&loop) == 0);
	CHECK_ERR(hm_identity_generate(&id), HM_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hm_stoq_endpoint *ep = NULL;

		hm_stoq_config_default(&cfg);
		cfg.identity = &id;
		cfg.port = 0;
		cfg.bind_addr = "127.0.0.1";
		cfg.max_udp_payload = bad[i];
		CHECK_ERR(hm_stoq_endpoint_new(&loop, &cfg, &ep), HM_ERR_INVALID);
		CHECK(ep == NULL);
	}
	/* The bounds themselves are fine. */
	for (i = 0; i < 2; i++) {
		struct hm_stoq_endpoint *ep = NULL;

		hm_stoq_config_default(&cfg);
		cfg.identity = &id;
		cfg.port = 0;
		cfg.bind_addr = "127.0.0.1";
		cfg.max_udp_payload = i == 0 ? HM_STOQ_UDP_PAYLOAD_MIN : HM_STOQ_UDP_PAYLOAD_MAX;
		CHECK_ERR(hm_stoq_endpoint_new(&loop, &cfg, &ep), HM_OK);
		hm_stoq_endpoint_close(ep);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&loop), 0);
	hm_identity_wipe(&id);
}

TEST_MAIN(test_loopback_uses_large_datagrams, test_loopback_large_without_gso_gro,
          test_handshake_datagrams_network_sized, test_configured_size_is_kept, test_choice_by_peer,
          test_bad_sizes_refused)
