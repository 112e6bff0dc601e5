/* SPDX-License-Identifier: Apache-2.0 */
/* Rates from two usage samples: pure arithmetic on fixed counters. */
#include "hypermesh/os.h"
#include "test.h"

static struct hm_os_usage_sample a, b;

static void set_counter(struct hm_os_io_counter *c, const char *name, uint64_t rd, uint64_t wr)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->read_bytes = rd;
	c->write_bytes = wr;
	c->found = true;
}

/* Two seconds apart: 200 ticks of which 100 idle or iowait. */
static void setup(void)
{
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.mono_ns = UINT64_C(5000000000);
	b.mono_ns = UINT64_C(7000000000);
	a.cpu = (struct hm_os_cpu_times){ .user = 100, .idle = 900, .iowait = 10 };
	b.cpu = (struct hm_os_cpu_times){
		.user = 150, .system = 30, .irq = 10, .steal = 10, .idle = 990, .iowait = 20
	};
	b.mem_total_bytes = 1000;
	b.mem_available_bytes = 250;
	a.ndisks = 2;
	set_counter(&a.disks[0], "sda", 1000, 0);
	set_counter(&a.disks[1], "sdb", 500, 500);
	b.ndisks = 3;
	set_counter(&b.disks[0], "sda", 5000, 4096000);
	set_counter(&b.disks[1], "sdb", 100, 700); /* read counter went backwards */
	set_counter(&b.disks[2], "sdc", 999, 999); /* new since a */
	a.nnets = 2;
	set_counter(&a.nets[0], "lo", 0, 0);
	set_counter(&a.nets[1], "eth0", 1000, 2000);
	b.nnets = 2;
	set_counter(&b.nets[0], "lo", 1000000, 1000000);
	set_counter(&b.nets[1], "eth0", 3000, 2500);
}

static void test_rates(void)
{
	struct hm_os_usage u;

	setup();
	CHECK_ERR(hm_os_usage_compute(&a, &b, &u), HM_OK);
	CHECK(u.interval_s == 2.0);
	CHECK(u.cpu_percent == 50.0);
	CHECK_EQ(u.mem_total_bytes, 1000);
	CHECK_EQ(u.mem_used_bytes, 750);
	CHECK_EQ(u.ndisks, 3);
	CHECK_STR(u.disks[0].name, "sda");
	CHECK(u.disks[0].read_bps == 2000.0);
	CHECK(u.disks[0].write_bps == 2048000.0);
	CHECK(u.disks[1].read_bps == 0.0);
	CHECK(u.disks[1].write_bps == 100.0);
	CHECK_STR(u.disks[2].name, "sdc");
	CHECK(u.disks[2].read_bps == 0.0 && u.disks[2].write_bps == 0.0);
	CHECK(u.disk_read_bps == 2000.0);
	CHECK(u.disk_write_bps == 2048100.0);
	CHECK_EQ(u.nnets, 2);
	CHECK(u.nets[0].read_bps == 500000.0);
	/* Loopback is listed but not part of the machine's traffic. */
	CHECK(u.net_rx_bps == 1000.0);
	CHECK(u.net_tx_bps == 250.0);
}

static void test_missing_devices(void)
{
	struct hm_os_usage u;

	setup();
	/* Not found in the second sample: not listed; in the first: no rate. */
	b.disks[0].found = false;
	a.nets[1].found = false;
	CHECK_ERR(hm_os_usage_compute(&a, &b, &u), HM_OK);
	CHECK_EQ(u.ndisks, 2);
	CHECK_STR(u.disks[0].name, "sdb");
	CHECK(u.nets[1].read_bps == 0.0);
	CHECK(u.net_rx_bps == 0.0);
}

static void test_cpu_edges(void)
{
	struct hm_os_usage u;

	setup();
	b.cpu = a.cpu; /* no tick passed */
	CHECK_ERR(hm_os_usage_compute(&a, &b, &u), HM_OK);
	CHECK(u.cpu_percent == 0.0);

	setup();
	b.cpu = a.cpu;
	b.cpu.user += 40;
	CHECK_ERR(hm_os_usage_compute(&a, &b, &u), HM_OK);
	CHECK(u.cpu_percent == 100.0);

	setup();
	b.cpu.idle = 0; /* counters reset: idle went backwards */
	CHECK_ERR(hm_os_usage_compute(&a, &b, &u), HM_OK);
	CHECK(u.cpu_percent == 0.0);

	setup();
	b.mem_available_bytes = 2000;
	CHECK_ERR(hm_os_usage_compute(&a, &b, &u), HM_OK);
	CHECK_EQ(u.mem_used_bytes, 0);
}

static void test_refusals(void)
{
	struct hm_os_usage u, before;

	setup();
	memset(&u, 0x5a, sizeof(u));
	before = u;
	CHECK_ERR(hm_os_usage_compute(&b, &a, &u), HM_ERR_INVALID);
	CHECK_ERR(hm_os_usage_compute(&a, &a, &u), HM_ERR_INVALID);
	CHECK_ERR(hm_os_usage_compute(NULL, &b, &u), HM_ERR_INVALID);
	CHECK_ERR(hm_os_usage_compute(&a, NULL, &u), HM_ERR_INVALID);
	CHECK_ERR(hm_os_usage_compute(&a, &b, NULL), HM_ERR_INVALID);
	b.ndisks = HM_OS_DISK_MAX + 1;
	CHECK_ERR(hm_os_usage_compute(&a, &b, &u), HM_ERR_INVALID);
	setup();
	a.nnets = HM_OS_NETIF_MAX + 1;
	CHECK_ERR(hm_os_usage_compute(&a, &b, &u), HM_ERR_INVALID);
	CHECK_MEM(&u, &before, sizeof(u));
}

TEST_MAIN(test_rates, test_missing_devices, test_cpu_edges, test_refusals)
