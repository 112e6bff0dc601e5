/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hypermesh devnet`: a local n-validator network on loopback. It makes the
 * genesis (a list of steps, so later subsystems append theirs: TrustChain's
 * root CA and API keys, HTTP endpoints), starts one `hypermesh node run`
 * child per validator, waits until every node commits blocks (asking each
 * over STOQ with `hypermesh node status`), prints where everything is, and
 * on SIGINT/SIGTERM stops the children (SIGTERM, then SIGKILL after a grace
 * period). A node that exits once the network is up is reported and the
 * others keep running (a BFT network tolerates f failures, and that is worth
 * watching); the exit status then says so: 0 only if every node was still
 * running when the devnet was stopped. docs/NODE.md §8 describes the layout.
 */
#define _GNU_SOURCE /* getopt_long, sigtimedwait */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <gnutls/gnutls.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "hypermesh/bft_pqkeys.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/file.h"
#include "hypermesh/hash.h"
#include "hypermesh/keystore.h"
#include "hypermesh/node.h"
#include "hypermesh/plot.h"
#include "hypermesh/random.h"
#include "hypermesh/secure.h"
#include "hypermesh/services.h"
#include "hypermesh/trustchain.h"
#include "hypermesh/trustchain_state.h"

#define DEVNET_MAX_NODES      16
#define READY_TIMEOUT_S       60
#define STOP_GRACE_S          10
#define READY_HEIGHT          2
#define DEVNET_CHAIN_ID       "hypermesh-devnet"
/* Validator i: STOQ on UDP base+i, the API on TCP base+API_OFFSET+i. */
#define API_OFFSET            100
/* Other bases tried when a port of the asked one is taken. */
#define PORT_TRIES            64
#define PORT_SEARCH_LOW       10000
#define PORT_LOCK             "/tmp/hypermesh-devnet-ports.lock"
#define PORT_LOCK_WAIT_S      60
#define PORT_BIND_WAIT_S      30
/*
 * Genesis parameters of the four proofs: each validator's plot holds 2^16
 * labels (2 MiB), PoWork wants 8 zero bits, PoTime anchors carry a VDF of
 * 100,000 squarings (about half a second here) and stay valid 4000 blocks.
 * The window is counted in blocks but the VDF takes wall time: at the 80-150
 * empty blocks/s consensus reaches on loopback, a 400-block window (renewal
 * every 200) left a one-second evaluation too little room, and operations
 * made with the outgoing anchor were refused at commit (docs/NODE.md, "PoTime
 * anchors", "Staleness"). 4000 blocks renew every 13 s or more at any rate
 * seen here, and the nodes evaluate a tenth as often.
 */
#define DEVNET_PLOT_LOG2      16
#define DEVNET_WORK_BITS      8
#define DEVNET_VDF_ITERATIONS 100000
#define DEVNET_ANCHOR_WINDOW  4000

static const char devnet_usage[] =
        "usage: hypermesh devnet [--nodes N] [--dir DIR] [--base-port PORT] [--exit-when-ready]\n"
        "                        [--vdf-iterations T] [--anchor-window W]\n"
        "\n"
        "Runs N validators (default 4) on 127.0.0.1: makes the genesis in DIR\n"
        "(default ./devnet; an existing one is reused), starts one 'hypermesh node\n"
        "run' per validator, waits until all commit blocks, prints the endpoints\n"
        "and stays up until SIGINT/SIGTERM, then stops them all. A node that exits\n"
        "after that is reported and the others keep running; the exit status is 0\n"
        "only if every node was still running when the devnet was stopped (else 2).\n"
        "\n"
        "  -n, --nodes N          validators, 1..16 (default 4)\n"
        "  -d, --dir DIR          where keys, configs, data and logs live\n"
        "  -p, --base-port PORT   validator i listens on STOQ port PORT+i, API PORT+100+i\n"
        "                         (default 29300; another base if one of them is taken)\n"
        "      --exit-when-ready  stop everything once the nodes commit (for "
        "scripts)\n"
        "      --vdf-iterations T PoTime VDF squarings in a new genesis (default 100000)\n"
        "      --anchor-window W  blocks a PoTime anchor stays valid in a new genesis,\n"
        "                         2..1000000 (default 4000; renewed every W/2)\n" CLI_COMMON_USAGE;

struct devnet {
	const struct cli_command *cmd;
	unsigned n;
	const char *dir;
	unsigned base_port;
	int exit_when_ready;
	unsigned long vdf_iterations, anchor_window; /* governance of a new genesis */
	char self_exe[PATH_MAX];
	struct hm_identity ids[DEVNET_MAX_NODES];
	pid_t pids[DEVNET_MAX_NODES];
	unsigned exited; /* nodes that exited on their own */
	/*
	 * Sockets bound to every port the nodes will listen on, held from the
	 * check until just before they start: a second devnet checking the
	 * same ports meanwhile finds them taken (ports_hold). -1 when not held.
	 */
	int held[2 * DEVNET_MAX_NODES];
	unsigned stoq_port[DEVNET_MAX_NODES], api_port[DEVNET_MAX_NODES]; /* api 0: none */
	/*
	 * The machine-wide devnet port lock (PORT_LOCK), held from the check
	 * until the nodes have bound their ports, or -1: devnets started at
	 * the same moment take turns, so the second sees the first's ports
	 * taken instead of both finding them free.
	 */
	int lock_fd;
};

/*
 * The devnet's consensus signature policy (docs/CONSENSUS.md §2a). Every
 * validator gets a persistent ML-DSA-87 key either way (STOQ authenticates
 * with it, and peers pin it from validators.pq). ed25519: hybrid runs on the
 * devnet but issued ~0.75x the certificates/s (4 validators on 2 cores are
 * CPU-bound; measured, CONSENSUS.md §2a).
 */
#define DEVNET_SIG_POLICY "ed25519"

/* ---- genesis: an ordered list of steps ---- */

static int node_path(const struct devnet *d, char *out, size_t cap, unsigned i, const char *file)
{
	int k = file ? snprintf(out, cap, "%s/node%u/%s", d->dir, i, file)
	             : snprintf(out, cap, "%s/node%u", d->dir, i);

	return k > 0 && (size_t)k < cap ? 0 : -1;
}

/*
 * Each validator's ML-DSA-87 key, made once here and kept beside its
 * node.key, and the genesis list of the public keys (validators.pq).
 */
static int step_pq_keys(struct devnet *d)
{
	char path[PATH_MAX];
	uint8_t(*pks)[HM_BFT_PQ_PK_LEN] = malloc(d->n * sizeof(*pks));
	uint8_t *sk = malloc(HM_BFT_PQ_SK_LEN);
	int rc = HM_OK;

	if (pks == NULL || sk == NULL)
		rc = HM_ERR_NOMEM;
	for (unsigned i = 0; i < d->n && rc == HM_OK; i++) {
		if (node_path(d, path, sizeof(path), i, "node.pq.key"))
			rc = HM_ERR_INVALID;
		else if ((rc = hm_bft_pq_keygen(pks[i], sk)) == HM_OK)
			rc = hm_bft_pq_key_save(path, pks[i], sk);
	}
	if (sk != NULL)
		hm_wipe(sk, HM_BFT_PQ_SK_LEN);
	free(sk);
	if (rc == HM_OK) {
		int k = snprintf(path, sizeof(path), "%s/validators.pq", d->dir);

		rc = k > 0 && (size_t)k < sizeof(path)
		             ? hm_bft_pq_validators_save(path, (uint16_t)d->n,
		                                         (const uint8_t(*)[HM_BFT_PQ_PK_LEN])pks, 0)
		             : HM_ERR_INVALID;
	}
	free(pks);
	if (rc != HM_OK) {
		cli_error(d->cmd, "cannot write the validators' PQ keys (%s): %s", path,
		          hm_strerror(rc));
		return -1;
	}
	return 0;
}

static int step_identities(struct devnet *d)
{
	char path[PATH_MAX];
	int rc;

	for (unsigned i = 0; i < d->n; i++) {
		if (node_path(d, path, sizeof(path), i, NULL) ||
		    (mkdir(path, 0700) != 0 && errno != EEXIST)) {
			cli_error(d->cmd, "cannot create %s: %s", path, strerror(errno));
			return -1;
		}
		if ((rc = hm_identity_generate(&d->ids[i])) ||
		    (node_path(d, path, sizeof(path), i, "node.key") ? (rc = HM_ERR_INVALID) : 0) ||
		    (rc = hm_keystore_save(path, &d->ids[i], 0))) {
			cli_error(d->cmd, "cannot write %s: %s", path, hm_strerror(rc));
			return -1;
		}
	}
	return 0;
}

static int tc_dir(const struct devnet *d, char *out, size_t cap, const char *file)
{
	int k = file ? snprintf(out, cap, "%s/trustchain/%s", d->dir, file)
	             : snprintf(out, cap, "%s/trustchain", d->dir);

	return k > 0 && (size_t)k < cap ? 0 : -1;
}

/* Appends der as one PEM CERTIFICATE block. */
static int append_pem(struct hm_buf *out, const uint8_t *der, size_t len)
{
	gnutls_datum_t in = { (unsigned char *)der, (unsigned)len }, pem = { NULL, 0 };
	int rc;

	if (gnutls_pem_base64_encode2("CERTIFICATE", &in, &pem) < 0)
		return HM_ERR_NOMEM;
	rc = hm_buf_append(out, pem.data, pem.size);
	gnutls_free(pem.data);
	return rc;
}

/*
 * Validator i's STOQ identity: its node key certified by its intermediate
 * (profile node: TLS server and client), written with the intermediate as
 * node<i>/stoq.crt, the chain its endpoint presents ([stoq] cert_chain).
 */
static int node_stoq_chain(struct devnet *d, unsigned i, const struct hm_tc_ca *ca,
                           const uint8_t *csr, size_t csr_len, uint64_t not_before)
{
	char path[PATH_MAX];
	const uint8_t *ca_der;
	size_t ca_len;
	struct hm_buf leaf, pem;
	int rc;

	hm_buf_init(&leaf);
	hm_buf_init(&pem);
	hm_tc_ca_cert(ca, &ca_der, &ca_len);
	if (node_path(d, path, sizeof(path), i, "stoq.crt"))
		rc = HM_ERR_INVALID;
	else if ((rc = hm_tc_issue(ca, csr, csr_len, HM_TC_PROFILE_NODE, not_before, &leaf)) ==
	                 HM_OK &&
	         (rc = append_pem(&pem, leaf.data, leaf.len)) == HM_OK &&
	         (rc = append_pem(&pem, ca_der, ca_len)) == HM_OK)
		rc = hm_file_write_atomic(path, pem.data, pem.len, 0644, HM_FILE_NO_CLOBBER);
	hm_buf_free(&leaf);
	hm_buf_free(&pem);
	return rc;
}

/*
 * Validator i's signing certificate: its node identity, certified by its
 * intermediate (profile tx-signing), so its operations' PoStake chains to
 * the root. And its plot, whose commitment genesis registers.
 */
static int node_cert_and_plot(struct devnet *d, unsigned i, uint64_t not_before,
                              struct hm_plot_commitment *c)
{
	char path[PATH_MAX], dir[PATH_MAX], cn[64];
	const char *dns[1] = { cn };
	uint8_t sk[64], key_id[HM_KEY_ID_LEN];
	struct hm_tc_key *key = NULL;
	struct hm_tc_ca *ca = NULL;
	struct hm_buf csr, cert;
	int rc;

	hm_buf_init(&csr);
	hm_buf_init(&cert);
	snprintf(cn, sizeof(cn), "node%u.devnet.hypermesh.test", i);
	memcpy(sk, d->ids[i].sk, 32);
	memcpy(sk + 32, d->ids[i].pk, 32);
	if (tc_dir(d, dir, sizeof(dir), NULL) || node_path(d, path, sizeof(path), i, "node.crt")) {
		rc = HM_ERR_INVALID;
		goto out;
	}
	if ((rc = hm_tc_key_from_ed25519(sk, &key)) != HM_OK ||
	    (rc = hm_tc_csr_create(key, cn, dns, 1, 0, &csr)) != HM_OK ||
	    (rc = hm_tc_genesis_load_ca(dir, i, &ca)) != HM_OK ||
	    (rc = hm_tc_issue(ca, csr.data, csr.len, HM_TC_PROFILE_TX_SIGNING, not_before,
	                      &cert)) != HM_OK ||
	    (rc = hm_file_write_atomic(path, cert.data, cert.len, 0644, HM_FILE_NO_CLOBBER)) !=
	            HM_OK ||
	    (rc = node_stoq_chain(d, i, ca, csr.data, csr.len, not_before)) != HM_OK)
		goto out;
	if (node_path(d, path, sizeof(path), i, "plot") ||
	    (mkdir(path, 0700) != 0 && errno != EEXIST)) {
		rc = HM_ERR_IO;
		goto out;
	}
	hm_sha256(key_id, d->ids[i].pk, sizeof(d->ids[i].pk));
	rc = hm_plot_create(path, key_id, DEVNET_PLOT_LOG2, NULL, NULL, c);
out:
	hm_wipe(sk, sizeof(sk));
	hm_tc_key_free(key);
	hm_tc_ca_free(ca);
	hm_buf_free(&csr);
	hm_buf_free(&cert);
	if (rc != HM_OK)
		cli_error(d->cmd, "node%u certificate and plot: %s", i, hm_strerror(rc));
	return rc == HM_OK ? 0 : -1;
}

static int step_trustchain(struct devnet *d)
{
	char dir[PATH_MAX], path[PATH_MAX], hex[2 * HM_KEY_ID_LEN + 1];
	struct hm_plot_commitment plots[DEVNET_MAX_NODES];
	/* A minute in the past, so that every node's clock already accepts it. */
	uint64_t not_before = (uint64_t)time(NULL) - 60;
	FILE *f;
	int rc;

	if (tc_dir(d, dir, sizeof(dir), NULL) || (mkdir(dir, 0700) != 0 && errno != EEXIST)) {
		cli_error(d->cmd, "cannot create %s/trustchain: %s", d->dir, strerror(errno));
		return -1;
	}
	if ((rc = hm_tc_genesis_create(dir, d->n, HM_SIG_FALCON1024, not_before, NULL)) != HM_OK) {
		cli_error(d->cmd, "TrustChain genesis in %s: %s", dir, hm_strerror(rc));
		return -1;
	}
	for (unsigned i = 0; i < d->n; i++)
		if (node_cert_and_plot(d, i, not_before, &plots[i]) != 0)
			return -1;
	if (tc_dir(d, path, sizeof(path), HM_SERVICES_GOV_GENESIS) || !(f = fopen(path, "w"))) {
		cli_error(d->cmd, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f,
	        "{\"work_bits\": %d, \"vdf_iterations\": %lu, \"anchor_window\": %lu, \"plots\": [",
	        DEVNET_WORK_BITS, d->vdf_iterations, d->anchor_window);
	for (unsigned i = 0; i < d->n; i++) {
		(void)hm_hex_encode(hex, sizeof(hex), plots[i].key_id, HM_KEY_ID_LEN);
		fprintf(f, "%s\n  {\"key_id\": \"%s\", \"log2\": %u, ", i ? "," : "", hex,
		        plots[i].log2_labels);
		(void)hm_hex_encode(hex, sizeof(hex), plots[i].root, HM_PROOF_HASH_LEN);
		fprintf(f, "\"root\": \"%s\"}", hex);
	}
	fprintf(f, "\n]}\n");
	if (fclose(f) != 0) {
		cli_error(d->cmd, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- ports ---- */

/*
 * Binds 127.0.0.1:port (UDP for STOQ, TCP for the API, as the node will):
 * the socket, or -1 with errno set (EADDRINUSE: taken). Closed on exec, so
 * the nodes never inherit one.
 */
static int bind_port(int type, unsigned port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), saved;

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static void ports_release(struct devnet *d)
{
	for (unsigned k = 0; k < 2 * DEVNET_MAX_NODES; k++) {
		if (d->held[k] >= 0)
			close(d->held[k]);
		d->held[k] = -1;
	}
}

/*
 * Binds node i's STOQ port stoq[i] (UDP) and API port api[i] (TCP; 0:
 * none) for every i, and keeps them held. 0; or -1 with *taken the first port that
 * could not be bound (and nothing held), errno saying why.
 */
static int ports_hold(struct devnet *d, const unsigned *stoq, const unsigned *api, unsigned *taken,
                      int *taken_type)
{
	for (unsigned i = 0; i < d->n; i++) {
		d->stoq_port[i] = stoq[i];
		d->api_port[i] = api[i];
		if ((d->held[2 * i] = bind_port(SOCK_DGRAM, stoq[i])) < 0) {
			*taken = stoq[i];
			*taken_type = SOCK_DGRAM;
			goto fail;
		}
		if (api[i] != 0 && (d->held[2 * i + 1] = bind_port(SOCK_STREAM, api[i])) < 0) {
			*taken = api[i];
			*taken_type = SOCK_STREAM;
			goto fail;
		}
	}
	return 0;
fail : {
	int saved = errno;

	ports_release(d);
	errno = saved;
	return -1;
}
}

/*
 * Takes PORT_LOCK (waiting up to PORT_LOCK_WAIT_S for another devnet that
 * is starting). Best effort: without the lock file (unreadable, no
 * /tmp) the bind check alone decides, as it does against other programs.
 */
static void ports_lock(struct devnet *d)
{
	/*
	 * Read-only is enough for flock and works on a lock file another user
	 * made; O_CREAT on one is refused in a sticky /tmp (protected_regular).
	 */
	int fd = open(PORT_LOCK, O_RDONLY | O_CREAT | O_CLOEXEC, 0666);

	if (fd < 0)
		fd = open(PORT_LOCK, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	for (unsigned waited = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; waited++) {
		if (errno != EWOULDBLOCK || waited >= PORT_LOCK_WAIT_S * 10) {
			close(fd);
			return;
		}
		if (waited == 0)
			printf("devnet: waiting for another devnet to start its nodes\n");
		nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 }, NULL);
	}
	d->lock_fd = fd;
}

static void ports_unlock(struct devnet *d)
{
	if (d->lock_fd >= 0)
		close(d->lock_fd); /* drops the flock */
	d->lock_fd = -1;
}

/*
 * 1 if some socket on this machine has port bound: for UDP any, for TCP a
 * listening one (state 0A), IPv4 or IPv6, from /proc/net. Read, not
 * probed by binding, which could itself take the port from a starting
 * node. 1 also when /proc/net cannot be read (nothing to wait for).
 */
static int port_bound(int type, unsigned port)
{
	const char *files[2] = { type == SOCK_DGRAM ? "/proc/net/udp" : "/proc/net/tcp",
		                 type == SOCK_DGRAM ? "/proc/net/udp6" : "/proc/net/tcp6" };
	int readable = 0;

	for (unsigned k = 0; k < 2; k++) {
		FILE *f = fopen(files[k], "r");
		char line[512];

		if (f == NULL)
			continue;
		readable = 1;
		while (fgets(line, sizeof(line), f) != NULL) {
			unsigned local, state;

			if (sscanf(line, " %*u: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", &local,
			           &state) == 2 &&
			    local == port && (type == SOCK_DGRAM || state == 0x0A)) {
				fclose(f);
				return 1;
			}
		}
		fclose(f);
	}
	return !readable;
}

/*
 * After the spawn: waits (up to PORT_BIND_WAIT_S) until every node has
 * bound its ports or one has exited (seen without reaping it), then lets
 * the next devnet check.
 */
static void ports_wait_bound(struct devnet *d)
{
	for (unsigned tries = 0; tries < PORT_BIND_WAIT_S * 20; tries++) {
		unsigned bound = 0;

		for (unsigned i = 0; i < d->n; i++) {
			siginfo_t si;

			memset(&si, 0, sizeof(si));
			if (d->pids[i] <= 0 || (waitid(P_PID, (id_t)d->pids[i], &si,
			                               WEXITED | WNOHANG | WNOWAIT) == 0 &&
			                        si.si_pid != 0))
				goto done; /* reported by the main loop */
			bound += port_bound(SOCK_DGRAM, d->stoq_port[i]) &&
			         (d->api_port[i] == 0 || port_bound(SOCK_STREAM, d->api_port[i]));
		}
		if (bound == d->n)
			break;
		nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
	}
done:
	ports_unlock(d);
}

/*
 * The lowest port of the kernel's ephemeral range (what connect() and
 * port-0 binds draw from, e.g. the nodes' own outgoing sockets and curl's):
 * ports picked below it are not taken by a passing client connection.
 */
static unsigned ephemeral_low(void)
{
	unsigned lo = 32768, hi;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");

	if (f != NULL) {
		if (fscanf(f, "%u %u", &lo, &hi) != 2)
			lo = 32768;
		fclose(f);
	}
	return lo;
}

/*
 * A new genesis: the ports come from the base. The asked base
 * (--base-port, default 29300) if every one of its ports can be bound;
 * otherwise other bases, drawn at random below the ephemeral range, until
 * one can (PORT_TRIES). The winner's ports stay held until the nodes start.
 */
static int step_ports(struct devnet *d)
{
	unsigned stoq[DEVNET_MAX_NODES], api[DEVNET_MAX_NODES], taken = 0, first_taken = 0;
	unsigned top = ephemeral_low(), asked = d->base_port;
	int type = 0, first_type = 0, first_errno = 0;

	if (top > 65535 - API_OFFSET - DEVNET_MAX_NODES)
		top = 65535 - API_OFFSET - DEVNET_MAX_NODES;
	ports_lock(d);
	for (unsigned t = 0; t <= PORT_TRIES; t++) {
		uint32_t r;

		if (t > 0) {
			if (top < PORT_SEARCH_LOW + 1000 + API_OFFSET + DEVNET_MAX_NODES ||
			    hm_random_bytes(&r, sizeof(r)) != HM_OK)
				break;
			d->base_port = PORT_SEARCH_LOW +
			               r % (top - API_OFFSET - DEVNET_MAX_NODES - PORT_SEARCH_LOW);
		}
		for (unsigned i = 0; i < d->n; i++) {
			stoq[i] = d->base_port + i;
			api[i] = d->base_port + API_OFFSET + i;
		}
		if (ports_hold(d, stoq, api, &taken, &type) == 0) {
			if (t > 0)
				printf("devnet: port %u/%s of base %u is taken (%s); using base "
				       "%u\n",
				       first_taken, first_type == SOCK_DGRAM ? "udp" : "tcp", asked,
				       strerror(first_errno), d->base_port);
			return 0;
		}
		if (t == 0) {
			first_taken = taken;
			first_type = type;
			first_errno = errno;
		}
		/* Anything but a taken port (no sockets left?) is not cured by another base. */
		if (errno != EADDRINUSE)
			break;
	}
	cli_error(d->cmd,
	          "no free ports for %u validators (STOQ udp BASE+i, API tcp BASE+%d+i): port "
	          "%u/%s of base %u: %s",
	          d->n, API_OFFSET, first_taken, first_type == SOCK_DGRAM ? "udp" : "tcp", asked,
	          strerror(first_errno));
	return -1;
}

/* A reused genesis keeps the ports its configs name: they must be free, and are held. */
static int hold_stored_ports(struct devnet *d)
{
	unsigned stoq[DEVNET_MAX_NODES], api[DEVNET_MAX_NODES], taken = 0;
	int type = 0;

	for (unsigned i = 0; i < d->n; i++) {
		struct hm_node_config cfg;
		char path[PATH_MAX], err[HM_NODE_ERROR_MAX] = "path too long";

		if (node_path(d, path, sizeof(path), i, "node.ini") ||
		    hm_node_config_load(path, &cfg, err, sizeof(err)) != HM_OK) {
			cli_error(d->cmd, "cannot reuse the genesis in %s: node%u: %s", d->dir, i,
			          err);
			return -1;
		}
		stoq[i] = cfg.stoq_listen.port;
		api[i] = cfg.has_api ? cfg.api_listen.port : 0;
	}
	ports_lock(d);
	if (ports_hold(d, stoq, api, &taken, &type) == 0)
		return 0;
	for (unsigned i = 0; i < d->n; i++)
		if ((type == SOCK_DGRAM ? stoq[i] : api[i]) == taken) {
			cli_error(d->cmd,
			          "port %u/%s (node%u's %s) is taken: %s; the genesis in %s fixes "
			          "its "
			          "ports (a new one in another --dir picks free ones)",
			          taken, type == SOCK_DGRAM ? "udp" : "tcp", i,
			          type == SOCK_DGRAM ? "STOQ" : "API", strerror(errno), d->dir);
			break;
		}
	return -1;
}

static int step_configs(struct devnet *d)
{
	char path[PATH_MAX], pk[2 * HM_ED25519_PK_LEN + 1];
	FILE *f;

	for (unsigned i = 0; i < d->n; i++) {
		if (node_path(d, path, sizeof(path), i, "node.ini") || !(f = fopen(path, "w"))) {
			cli_error(d->cmd, "cannot write %s: %s", path, strerror(errno));
			return -1;
		}
		fprintf(f,
		        "; HyperMesh devnet validator %u (generated by 'hypermesh devnet')\n"
		        "[node]\nname = node%u\ndata_dir = data\nkey_file = node.key\n"
		        "log_level = info\n\n[consensus]\nchain_id = " DEVNET_CHAIN_ID "\n"
		        "base_timeout_ms = 1000\nmin_block_interval_ms = 200\nmax_block_txs = "
		        "1000\nsig_policy = " DEVNET_SIG_POLICY "\npq_key_file = node.pq.key\n"
		        "pq_validators = ../validators.pq\n",
		        i, i);
		for (unsigned j = 0; j < d->n; j++) {
			(void)hm_hex_encode(pk, sizeof(pk), d->ids[j].pk, HM_ED25519_PK_LEN);
			fprintf(f, "validator = %u %s 127.0.0.1:%u\n", j, pk, d->base_port + j);
		}
		fprintf(f,
		        "\n[stoq]\nlisten = 127.0.0.1:%u\ncert_chain = stoq.crt\n"
		        "trust_root = ../trustchain/root.crt\n\n[api]\nlisten = 127.0.0.1:%u\n"
		        "\n[trustchain]\ngenesis_dir = ../trustchain\ncertificate = node.crt\n"
		        "plot_dir = plot\n",
		        d->base_port + i, d->base_port + API_OFFSET + i);
		if (fclose(f) != 0) {
			cli_error(d->cmd, "cannot write %s: %s", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * The genesis, in order. Later subsystems append a step here (TrustChain:
 * root CA, intermediates, API keys; HTTP: endpoints in the configs).
 */
static const struct {
	const char *name;
	int (*run)(struct devnet *d);
} genesis_steps[] = {
	{ "validator identities", step_identities },
	{ "validator PQ keys", step_pq_keys },
	{ "TrustChain root, intermediates, node certificates, plots", step_trustchain },
	{ "free ports", step_ports },
	{ "node configs", step_configs },
};

static int genesis(struct devnet *d)
{
	char path[PATH_MAX];
	struct stat sb;

	if (node_path(d, path, sizeof(path), 0, "node.ini") == 0 && stat(path, &sb) == 0) {
		struct hm_node_config cfg;
		char err[HM_NODE_ERROR_MAX];

		/* The stored genesis decides the validator count and the ports. */
		if (hm_node_config_load(path, &cfg, err, sizeof(err)) != HM_OK) {
			cli_error(d->cmd, "cannot reuse the genesis in %s: %s", d->dir, err);
			return -1;
		}
		if (cfg.nvalidators > DEVNET_MAX_NODES) {
			cli_error(d->cmd, "the genesis in %s has %u validators (at most %d)",
			          d->dir, (unsigned)cfg.nvalidators, DEVNET_MAX_NODES);
			return -1;
		}
		d->n = cfg.nvalidators;
		printf("devnet: reusing the genesis in %s (%u validators; --nodes and --base-port "
		       "apply only to a new one)\n",
		       d->dir, d->n);
		return hold_stored_ports(d);
	}
	if (mkdir(d->dir, 0700) != 0 && errno != EEXIST) {
		cli_error(d->cmd, "cannot create %s: %s", d->dir, strerror(errno));
		return -1;
	}
	for (size_t s = 0; s < sizeof(genesis_steps) / sizeof(genesis_steps[0]); s++) {
		printf("devnet: genesis: %s\n", genesis_steps[s].name);
		if (genesis_steps[s].run(d) != 0)
			return -1;
	}
	return 0;
}

/* ---- children ---- */

static pid_t spawn(const struct devnet *d, unsigned i)
{
	char cfg[PATH_MAX], log[PATH_MAX];
	pid_t pid;

	if (node_path(d, cfg, sizeof(cfg), i, "node.ini") ||
	    node_path(d, log, sizeof(log), i, "node.log"))
		return -1;
	pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* If the devnet dies without stopping us, stop anyway. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		/* Own process group: a terminal's Ctrl-C reaches the devnet, which stops the nodes
		 * in order. */
		setpgid(0, 0);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execl(d->self_exe, "hypermesh", "node", "run", "--config", cfg, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* The committed height node i reports, or -1. */
static long long query_height(const struct devnet *d, unsigned i)
{
	char cfg[PATH_MAX], cmdline[2 * PATH_MAX + 64], line[1024];
	long long h = -1;
	FILE *p;

	if (node_path(d, cfg, sizeof(cfg), i, "node.ini"))
		return -1;
	snprintf(cmdline, sizeof(cmdline), "'%s' node status --config '%s' 2>/dev/null",
	         d->self_exe, cfg);
	p = popen(cmdline, "r");
	if (p == NULL)
		return -1;
	if (fgets(line, sizeof(line), p) != NULL) {
		const char *k = strstr(line, "\"height\":");

		if (k != NULL)
			h = strtoll(k + 9, NULL, 10);
	}
	pclose(p);
	return h;
}

static void stop_all(struct devnet *d)
{
	time_t start = time(NULL);
	unsigned left = 0;

	for (unsigned i = 0; i < d->n; i++)
		if (d->pids[i] > 0 && kill(d->pids[i], SIGTERM) == 0)
			left++;
	while (left > 0) {
		for (unsigned i = 0; i < d->n; i++) {
			int status;

			if (d->pids[i] <= 0)
				continue;
			if (waitpid(d->pids[i], &status, WNOHANG) == d->pids[i]) {
				d->pids[i] = 0;
				left--;
			}
		}
		if (left == 0)
			break;
		if (time(NULL) - start >= STOP_GRACE_S) {
			for (unsigned i = 0; i < d->n; i++)
				if (d->pids[i] > 0) {
					kill(d->pids[i], SIGKILL);
					(void)waitpid(d->pids[i], NULL, 0);
					d->pids[i] = 0;
				}
			break;
		}
		usleep(50 * 1000);
	}
}

/* A child that exited on its own: its index (and *status), or -1. */
static int reap_dead(struct devnet *d, int *status)
{
	for (unsigned i = 0; i < d->n; i++) {
		if (d->pids[i] > 0 && waitpid(d->pids[i], status, WNOHANG) == d->pids[i]) {
			d->pids[i] = 0;
			d->exited++;
			return (int)i;
		}
	}
	return -1;
}

/* One line on stderr for a node that exited: how, and where its log is. */
static void report_exit(const struct devnet *d, int i, int status)
{
	char how[64];

	if (WIFEXITED(status))
		snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "was killed by signal %d (%s)", WTERMSIG(status),
		         strsignal(WTERMSIG(status)));
	else
		snprintf(how, sizeof(how), "stopped (wait status %d)", status);
	cli_error(d->cmd, "node%d %s; see %s/node%d/node.log", i, how, d->dir, i);
}

static void print_ready(const struct devnet *d)
{
	char pk[2 * HM_ED25519_PK_LEN + 1];
	unsigned api0 = 0, api1 = 0;

	printf("\ndevnet: %u validators committing on chain '" DEVNET_CHAIN_ID "'\n", d->n);
	/* From the stored configs: a reused genesis keeps its own ports. */
	for (unsigned i = 0; i < d->n; i++) {
		struct hm_node_config cfg;
		char path[PATH_MAX], err[HM_NODE_ERROR_MAX];

		if (node_path(d, path, sizeof(path), i, "node.ini") ||
		    hm_node_config_load(path, &cfg, err, sizeof(err)) != HM_OK)
			continue;
		(void)hm_hex_encode(pk, sizeof(pk), cfg.validators[i].pk, HM_ED25519_PK_LEN);
		printf("  node%u  stoq %s:%u  API http://%s:%u  pk %.16s...\n", i,
		       cfg.stoq_listen.host, (unsigned)cfg.stoq_listen.port, cfg.api_listen.host,
		       (unsigned)cfg.api_listen.port, pk);
		if (i == 0)
			api0 = cfg.api_listen.port;
		if (i == 1 || d->n == 1)
			api1 = cfg.api_listen.port;
	}
	printf("\nadmin API key: %s/trustchain/admin.apikey   root CA: %s/trustchain/root.crt\n"
	       "\nquickstart: (the API is in docs/API.md)\n"
	       "  KEY=$(cat %s/trustchain/admin.apikey)\n"
	       "  openssl req -new -newkey ed25519 -nodes -keyout k.pem -out csr.pem \\\n"
	       "      -subj /CN=demo.example -addext subjectAltName=DNS:demo.example\n"
	       "  python3 -c 'import json; print(json.dumps({\"csr\": open(\"csr.pem\").read()}))' "
	       "|\n"
	       "      curl -s -H \"Authorization: Bearer $KEY\" --data @- "
	       "http://127.0.0.1:%u/v1/certificates\n"
	       "  curl -s -H \"Authorization: Bearer $KEY\" "
	       "http://127.0.0.1:%u/v1/consensus/status\n"
	       "  curl -s http://127.0.0.1:%u/metrics\n"
	       "  logs: %s/nodeN/node.log   data: %s/nodeN/data\n"
	       "Ctrl-C (SIGINT) or SIGTERM stops every node.\n",
	       d->dir, d->dir, d->dir, api0, api1, api0, d->dir, d->dir);
	fflush(stdout);
}

static int run_devnet(const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option options[] = {
		{ "nodes", required_argument, NULL, 'n' },
		{ "dir", required_argument, NULL, 'd' },
		{ "base-port", required_argument, NULL, 'p' },
		{ "exit-when-ready", no_argument, NULL, 'x' },
		{ "vdf-iterations", required_argument, NULL, 'T' },
		{ "anchor-window", required_argument, NULL, 'W' },
		CLI_COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct devnet d = { .cmd = cmd,
		            .n = 4,
		            .dir = "devnet",
		            .base_port = 29300,
		            .vdf_iterations = DEVNET_VDF_ITERATIONS,
		            .anchor_window = DEVNET_ANCHOR_WINDOW };
	sigset_t set;
	time_t start;
	int opt, stop = 0, rc, ready = 0, result = CLI_OK;
	char *end;
	ssize_t len;

	while ((opt = getopt_long(argc, argv, ":n:d:p:" CLI_COMMON_SHORT_OPTIONS, options, NULL)) !=
	       -1) {
		switch (opt) {
		case 'n':
			d.n = (unsigned)strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' || d.n == 0 ||
			    d.n > DEVNET_MAX_NODES)
				return cli_usage_error(cmd, "--nodes must be 1..%d",
				                       DEVNET_MAX_NODES);
			break;
		case 'd':
			d.dir = optarg;
			break;
		case 'p':
			d.base_port = (unsigned)strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' || d.base_port < 1024 ||
			    d.base_port > 65535 - 200)
				return cli_usage_error(cmd, "--base-port must be 1024..65335");
			break;
		case 'x':
			d.exit_when_ready = 1;
			break;
		case 'T':
			d.vdf_iterations = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    d.vdf_iterations == 0 || d.vdf_iterations > 1000000000)
				return cli_usage_error(cmd,
				                       "--vdf-iterations must be 1..1000000000");
			break;
		case 'W':
			d.anchor_window = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' || d.anchor_window < 2 ||
			    d.anchor_window > 1000000)
				return cli_usage_error(cmd, "--anchor-window must be 2..1000000");
			break;
		case ':':
			return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
		case '?':
			return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		default:
			rc = cli_common_option(cmd, opt, optarg, &stop);
			if (rc < 0)
				return cli_usage_error(cmd, "unknown option '%s'",
				                       argv[optind - 1]);
			if (rc != CLI_OK || stop)
				return rc;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	len = readlink("/proc/self/exe", d.self_exe, sizeof(d.self_exe) - 1);
	if (len <= 0) {
		cli_error(cmd, "cannot find my own executable: %s", strerror(errno));
		return CLI_FAILURE;
	}
	d.self_exe[len] = '\0';
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (unsigned k = 0; k < 2 * DEVNET_MAX_NODES; k++)
		d.held[k] = -1;
	d.lock_fd = -1;

	/*
	 * Signals are taken synchronously (sigtimedwait); children get them
	 * unblocked. A non-interactive shell starts background jobs with SIGINT
	 * ignored, and an ignored signal is discarded even while blocked: restore
	 * the default so Ctrl-C and `kill -INT` work from scripts too. Blocked
	 * from here on, so a signal during genesis (seconds; a minute under
	 * sanitizers) waits for it to finish instead of leaving half a genesis
	 * directory behind, and then stops the devnet before any node starts.
	 */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);

	rc = genesis(&d);
	for (unsigned i = 0; i < d.n; i++)
		hm_identity_wipe(&d.ids[i]);
	if (rc != 0) {
		ports_release(&d);
		ports_unlock(&d);
		return CLI_FAILURE;
	}
	if (sigtimedwait(&set, NULL, &(struct timespec){ 0, 0 }) > 0) {
		ports_release(&d);
		ports_unlock(&d);
		printf("devnet: stopped before starting the nodes\n");
		return CLI_OK;
	}
	/* Held until now; the nodes bind them within moments (a node that cannot exits 2). */
	ports_release(&d);
	for (unsigned i = 0; i < d.n; i++) {
		d.pids[i] = spawn(&d, i);
		if (d.pids[i] < 0) {
			cli_error(cmd, "cannot start node%u: %s", i, strerror(errno));
			ports_unlock(&d);
			stop_all(&d);
			return CLI_FAILURE;
		}
	}
	ports_wait_bound(&d);
	printf("devnet: started %u nodes; waiting for commits\n", d.n);
	start = time(NULL);
	for (;;) {
		struct timespec ts = { .tv_sec = 0, .tv_nsec = 500 * 1000 * 1000 };
		int sig = sigtimedwait(&set, NULL, &ts), dead, status;

		if (sig == SIGINT || sig == SIGTERM) {
			printf("devnet: stopping\n");
			break;
		}
		while ((dead = reap_dead(&d, &status)) >= 0) {
			report_exit(&d, dead, status);
			result = CLI_FAILURE;
		}
		/* Before it is up, a node that exits is a failed start; after, the rest go on. */
		if (result != CLI_OK && (!ready || d.exited == d.n)) {
			if (ready)
				cli_error(cmd, "every node has exited");
			break;
		}
		if (!ready) {
			unsigned ok = 0;

			for (unsigned i = 0; i < d.n; i++)
				if (query_height(&d, i) >= READY_HEIGHT)
					ok++;
			if (ok == d.n) {
				ready = 1;
				print_ready(&d);
				if (d.exit_when_ready)
					break;
			} else if (time(NULL) - start > READY_TIMEOUT_S) {
				cli_error(cmd,
				          "the nodes did not commit within %d s; see "
				          "%s/nodeN/node.log",
				          READY_TIMEOUT_S, d.dir);
				result = CLI_FAILURE;
				break;
			}
		}
	}
	stop_all(&d);
	if (result == CLI_OK)
		printf("devnet: stopped\n");
	else if (d.exited > 0 && d.exited < d.n && ready)
		printf("devnet: stopped; %u of %u nodes had exited on their own\n", d.exited, d.n);
	return result;
}

const struct cli_command cli_cmd_devnet = {
	.name = "devnet",
	.summary = "run a local validator network on loopback",
	.usage = devnet_usage,
	.run = run_devnet,
};
