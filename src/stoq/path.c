/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How large a datagram a connection sends (docs/STOQ.md "Datagram size").
 *
 * Every per-packet cost (a header protection call, ngtcp2's packet
 * assembly, an AEAD call, ACK bookkeeping, a GSO segment) scales with the
 * number of packets, so fewer, larger datagrams move the same bytes for
 * less CPU. Across a network only 1452 bytes is safe without probing
 * (ngtcp2 0.12's PMTUD probes a few sizes up to that), but a path that
 * never leaves this host is fully known: the kernel routes it over lo, and
 * the route's MTU (IP_MTU / IPV6_MTU on a connected UDP socket) is the
 * truth. The endpoint's socket sets DF (IP_PMTUDISC_DO), so a wrong guess
 * is an EMSGSIZE at the sender, never fragmentation, and
 * stoq_path_too_big lowers the connection's size to what the route says.
 */
#define _GNU_SOURCE /* IPV6_MTU, IPV6_MTU_DISCOVER */
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hypermesh/log.h"
#include "stoq_internal.h"

#define IPV4_UDP_HEADERS 28 /* IPv4 (20, no options) + UDP (8) */
#define IPV6_UDP_HEADERS 48 /* IPv6 (40) + UDP (8) */

/* An IPv4-mapped IPv6 address (a dual-stack socket's IPv4 peers). */
static int is_v4_mapped(const struct in6_addr *a)
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(a->s6_addr, prefix, sizeof(prefix)) == 0;
}

/* addr as plain IPv4 (unmapping ::ffff:a.b.c.d) into *v4; 0 if it is IPv6. */
static int as_ipv4(const struct sockaddr *addr, struct in_addr *v4)
{
	if (addr->sa_family == AF_INET) {
		*v4 = ((const struct sockaddr_in *)addr)->sin_addr;
		return 1;
	}
	if (addr->sa_family == AF_INET6 &&
	    is_v4_mapped(&((const struct sockaddr_in6 *)addr)->sin6_addr)) {
		memcpy(v4, &((const struct sockaddr_in6 *)addr)->sin6_addr.s6_addr[12], 4);
		return 1;
	}
	return 0;
}

static int is_loopback(const struct sockaddr *addr)
{
	struct in_addr v4;

	if (as_ipv4(addr, &v4))
		return (ntohl(v4.s_addr) >> 24) == 127;
	return addr->sa_family == AF_INET6 &&
	       IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)addr)->sin6_addr);
}

/* Whether addr is configured on one of this host's interfaces (a netlink dump: ~45 us). */
static int is_own_address(const struct sockaddr *addr)
{
	struct ifaddrs *ifs, *i;
	struct in_addr v4;
	int v4peer = as_ipv4(addr, &v4), own = 0;

	if (!v4peer && addr->sa_family != AF_INET6)
		return 0;
	if (getifaddrs(&ifs) != 0)
		return 0;
	for (i = ifs; i != NULL && !own; i = i->ifa_next) {
		struct in_addr a;

		if (i->ifa_addr == NULL)
			continue;
		if (v4peer)
			own = as_ipv4(i->ifa_addr, &a) && a.s_addr == v4.s_addr;
		else if (i->ifa_addr->sa_family == AF_INET6)
			own = memcmp(&((const struct sockaddr_in6 *)i->ifa_addr)->sin6_addr,
			             &((const struct sockaddr_in6 *)addr)->sin6_addr,
			             sizeof(struct in6_addr)) == 0;
	}
	freeifaddrs(ifs);
	return own;
}

/*
 * The largest UDP payload the route to addr carries in one unfragmented
 * datagram (the route's MTU less the IP and UDP headers), or 0 if the
 * kernel does not say. Asks a throwaway socket connected to addr: connect
 * on UDP sends nothing, it only looks the route up.
 */
size_t stoq_path_route_payload(const struct sockaddr *addr)
{
	struct sockaddr_storage to;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&to;
	struct in_addr v4;
	socklen_t to_len, len;
	int fd, mtu = 0, level, opt;
	size_t headers;

	memset(&to, 0, sizeof(to));
	if (as_ipv4(addr, &v4)) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(9); /* any port: nothing is sent */
		a4->sin_addr = v4;
		to_len = sizeof(*a4);
		level = IPPROTO_IP;
		opt = IP_MTU;
		headers = IPV4_UDP_HEADERS;
	} else if (addr->sa_family == AF_INET6) {
		memcpy(&to, addr, sizeof(struct sockaddr_in6));
		((struct sockaddr_in6 *)&to)->sin6_port = htons(9);
		to_len = sizeof(struct sockaddr_in6);
		level = IPPROTO_IPV6;
		opt = IPV6_MTU;
		headers = IPV6_UDP_HEADERS;
	} else {
		return 0;
	}
	fd = socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	len = sizeof(mtu);
	if (connect(fd, (const struct sockaddr *)&to, to_len) != 0 ||
	    getsockopt(fd, level, opt, &mtu, &len) != 0)
		mtu = 0;
	close(fd);
	if (mtu <= 0 || (size_t)mtu <= headers)
		return 0;
	/*
	 * lo's MTU (65536) is more than an IP packet holds: IPv4's total
	 * length and IPv6's payload length are 16-bit fields.
	 */
	if (headers == IPV4_UDP_HEADERS && mtu > 65535)
		mtu = 65535;
	if (headers == IPV6_UDP_HEADERS && (size_t)mtu > 65535 + 40)
		mtu = 65535 + 40;
	return (size_t)mtu - headers;
}

static size_t clamp_payload(size_t n)
{
	if (n < HM_STOQ_UDP_PAYLOAD_MIN)
		return HM_STOQ_UDP_PAYLOAD_MIN;
	return n > HM_STOQ_UDP_PAYLOAD_MAX ? HM_STOQ_UDP_PAYLOAD_MAX : n;
}

size_t stoq_path_initial_payload(const struct hm_stoq_endpoint *ep, const struct sockaddr *addr)
{
	size_t route;

	if (ep->cfg.max_udp_payload != 0)
		return clamp_payload(ep->cfg.max_udp_payload);
	/*
	 * A peer on this host gets as much as the route allows: measured on
	 * lo (256 MiB, two processes), 16, 32 and 64 KiB datagrams all about
	 * halve the CPU per byte of 1452-byte ones, the largest slightly
	 * ahead (docs/BENCHMARKS.md). The route is asked first (a few system
	 * calls): only a route wider than 1452 bytes can make a difference,
	 * so the interface list (a netlink dump) is read only for such a
	 * route to an address that is not loopback, never for the usual
	 * Ethernet-MTU peer of a server.
	 */
	route = stoq_path_route_payload(addr);
	if (route == 0)
		return STOQ_MAX_UDP_PAYLOAD;
	if (is_loopback(addr) || (route > STOQ_MAX_UDP_PAYLOAD && is_own_address(addr)))
		return clamp_payload(route);
	return STOQ_MAX_UDP_PAYLOAD;
}

/*
 * The kernel refused a datagram of `refused` bytes to `to` (EMSGSIZE: over
 * the route's MTU with DF set). Every connection to that address sending
 * datagrams that large drops to what the route carries now, or to 1452,
 * then 1200 bytes, where the kernel does not say. The refused packets are
 * lost; QUIC's loss recovery resends their frames in smaller packets.
 */
void stoq_path_too_big(struct hm_stoq_endpoint *ep, const struct sockaddr *to, socklen_t to_len,
                       size_t refused)
{
	struct hm_stoq_conn *c;
	size_t route = stoq_path_route_payload(to), next;

	ep->stats.tx_too_big++;
	if (route != 0 && route < refused)
		next = route;
	else
		next = refused > STOQ_MAX_UDP_PAYLOAD ? STOQ_MAX_UDP_PAYLOAD
		                                      : HM_STOQ_UDP_PAYLOAD_MIN;
	next = clamp_payload(next);
	for (c = ep->conns; c != NULL; c = c->next) {
		const ngtcp2_path *p = ngtcp2_conn_get_path(c->qc);

		if (c->closed || c->tx_payload <= next || p->remote.addrlen != to_len ||
		    memcmp(p->remote.addr, to, to_len) != 0)
			continue;
		hm_log(HM_LOG_INFO, "stoq", "datagram too large for the path, sending smaller ones",
		       HM_LOG_UINT("refused", refused), HM_LOG_UINT("now", next));
		c->tx_payload = next;
	}
}

/* Don't fragment: a datagram over the route's MTU fails with EMSGSIZE instead. */
void stoq_path_socket_setup(int fd, int family)
{
	int v4 = IP_PMTUDISC_DO, v6 = IPV6_PMTUDISC_DO;

	(void)setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v4, sizeof(v4));
	if (family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v6, sizeof(v6));
}
