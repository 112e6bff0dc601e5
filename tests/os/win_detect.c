/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Windows backend on the machine it runs on (under Wine in CI, see
 * tests/os/windows.sh): every detector and a usage interval must succeed and
 * be self-consistent; eBPF and XDP must say "unsupported". Prints key=value
 * lines the script compares with the host's own tools. Exit 0 when all
 * checks hold, 1 otherwise.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "hypermesh/error.h"
#include "hypermesh/os.h"

static int failures;

#define EXPECT(cond)                                                            \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "FAIL line %d: %s\n", __LINE__, #cond); \
			failures++;                                             \
		}                                                               \
	} while (0)

int main(void)
{
	struct hm_os_cpu cpu;
	struct hm_os_mem mem;
	struct hm_os_storage *st = calloc(1, sizeof(*st));
	struct hm_os_gpus *gpus = calloc(1, sizeof(*gpus));
	struct hm_os_netifs *net = calloc(1, sizeof(*net));
	struct hm_os_usage_sample *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct hm_os_usage *u = calloc(1, sizeof(*u));
	struct hm_os_telemetry *t = NULL;
	volatile uint64_t spin = 0;
	int rc;

	if (st == NULL || gpus == NULL || net == NULL || a == NULL || b == NULL || u == NULL)
		return 1;
	rc = hm_os_cpu_detect(&cpu);
	EXPECT(rc == HM_OK);
	EXPECT(cpu.threads > 0 && cpu.threads_usable > 0 && cpu.threads_usable <= cpu.threads);
	EXPECT(cpu.cores > 0 && cpu.cores <= cpu.threads);
	EXPECT(cpu.sockets > 0 && cpu.sockets <= cpu.cores);
	EXPECT(cpu.numa_nodes >= 1);
	printf("cpu.threads=%" PRIu32 "\ncpu.cores=%" PRIu32 "\ncpu.sockets=%" PRIu32
	       "\ncpu.model=%s\ncpu.vendor=%s\ncpu.caches=%zu\ncpu.sse2=%d\n",
	       cpu.threads, cpu.cores, cpu.sockets, cpu.model, cpu.vendor, cpu.ncaches,
	       hm_os_cpu_has(cpu.flags, HM_OS_CPU_SSE2));

	rc = hm_os_mem_detect(&mem);
	EXPECT(rc == HM_OK);
	EXPECT(mem.total_bytes > 0 && mem.available_bytes <= mem.total_bytes);
	printf("memory.total_bytes=%" PRIu64 "\nmemory.available_bytes=%" PRIu64 "\n",
	       mem.total_bytes, mem.available_bytes);

	rc = hm_os_storage_detect(st);
	EXPECT(rc == HM_OK);
	for (size_t i = 0; i < st->nfs; i++) {
		EXPECT(st->fs[i].free_bytes <= st->fs[i].total_bytes);
		printf("fs=%s %s %" PRIu64 "\n", st->fs[i].mount_point, st->fs[i].type,
		       st->fs[i].total_bytes);
	}
	printf("filesystems=%zu\ndisks=%zu\n", st->nfs, st->ndisks);

	EXPECT(hm_os_gpus_detect(gpus) == HM_OK);
	printf("gpus=%zu\n", gpus->ngpus);
	EXPECT(hm_os_netifs_detect(net) == HM_OK);
	printf("netifs=%zu\n", net->n);
	for (size_t i = 0; i < net->n; i++)
		for (size_t j = 0; j < net->ifs[i].naddrs; j++)
			printf("addr=%s\n", net->ifs[i].addrs[j].addr);

	EXPECT(hm_os_usage_sample(a) == HM_OK);
	while (spin < 200000000ULL) /* some CPU time between the samples */
		spin++;
	Sleep(50);
	EXPECT(hm_os_usage_sample(b) == HM_OK);
	EXPECT(hm_os_usage_compute(a, b, u) == HM_OK);
	EXPECT(u->cpu_percent > 0.0 && u->cpu_percent <= 100.0);
	EXPECT(u->mem_total_bytes == mem.total_bytes);
	printf("usage.cpu_percent=%.1f\nusage.interval_s=%.3f\n", u->cpu_percent, u->interval_s);

	/* eBPF for Windows is not used: reported as unavailable. */
	EXPECT(hm_os_telemetry_open(HM_OS_TELEMETRY_REQUIRE_BPF, &t) == HM_ERR_UNSUPPORTED);
	EXPECT(hm_os_telemetry_open(0, &t) == HM_ERR_UNSUPPORTED);
	EXPECT(hm_os_xdp_attach("eth0", NULL) == HM_ERR_UNSUPPORTED);
	EXPECT(hm_os_cpu_detect(NULL) == HM_ERR_INVALID);
	EXPECT(hm_os_mem_detect(NULL) == HM_ERR_INVALID);
	EXPECT(hm_os_usage_sample(NULL) == HM_ERR_INVALID);

	free(st), free(gpus), free(net), free(a), free(b), free(u);
	printf("%d failed\n", failures);
	return failures == 0 ? 0 : 1;
}
