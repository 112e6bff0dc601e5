/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Windows backend (mingw-w64): the same detectors as os_linux*.c from
 * Win32 calls. CPU: GetLogicalProcessorInformationEx, the registry's
 * processor description, IsProcessorFeaturePresent; memory:
 * GlobalMemoryStatusEx; storage: the logical drives with GetDiskFreeSpaceEx
 * and the physical drives' sizes; GPUs: EnumDisplayDevices; network:
 * GetAdaptersAddresses; usage: GetSystemTimes and GetIfTable2. Built only by
 * the separate cross build (win/CMakeLists.txt) and tested under Wine.
 */
#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
/* winsock2 before windows, iphlpapi after both: kept in order by hand. */
// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
#include <winioctl.h>
// clang-format on
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "hypermesh/os.h"

#ifndef PF_SSSE3_INSTRUCTIONS_AVAILABLE
#define PF_SSSE3_INSTRUCTIONS_AVAILABLE 36
#endif
#ifndef PF_SSE4_1_INSTRUCTIONS_AVAILABLE
#define PF_SSE4_1_INSTRUCTIONS_AVAILABLE 37
#endif
#ifndef PF_SSE4_2_INSTRUCTIONS_AVAILABLE
#define PF_SSE4_2_INSTRUCTIONS_AVAILABLE 38
#endif
#ifndef PF_AVX_INSTRUCTIONS_AVAILABLE
#define PF_AVX_INSTRUCTIONS_AVAILABLE 39
#endif
#ifndef PF_AVX2_INSTRUCTIONS_AVAILABLE
#define PF_AVX2_INSTRUCTIONS_AVAILABLE 40
#endif
#ifndef PF_AVX512F_INSTRUCTIONS_AVAILABLE
#define PF_AVX512F_INSTRUCTIONS_AVAILABLE 41
#endif

static int win_error(DWORD err)
{
	switch (err) {
	case ERROR_ACCESS_DENIED:
		return HM_ERR_PERMISSION;
	case ERROR_NOT_ENOUGH_MEMORY:
	case ERROR_OUTOFMEMORY:
		return HM_ERR_NOMEM;
	case ERROR_FILE_NOT_FOUND:
	case ERROR_PATH_NOT_FOUND:
		return HM_ERR_NOT_FOUND;
	case ERROR_NOT_SUPPORTED:
	case ERROR_CALL_NOT_IMPLEMENTED:
		return HM_ERR_UNSUPPORTED;
	default:
		return HM_ERR_IO;
	}
}

static void copy_text(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	while (n > 0 && src[n - 1] == ' ') /* the registry pads names */
		n--;
	while (n > 0 && *src == ' ')
		src++, n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void wide_text(char *dst, size_t cap, const wchar_t *src)
{
	if (src == NULL || WideCharToMultiByte(CP_UTF8, 0, src, -1, dst, (int)cap, NULL, NULL) <= 0)
		dst[0] = '\0';
	dst[cap - 1] = '\0';
}

static uint32_t popcount64(uint64_t v)
{
	uint32_t n = 0;

	for (; v != 0; v &= v - 1)
		n++;
	return n;
}

/* One REG_SZ or REG_DWORD value of the first processor's registry key. */
static bool cpu_registry(const char *name, char *text, size_t cap, DWORD *number)
{
	HKEY key;
	DWORD type, size = (DWORD)cap;
	LONG rc;

	if (RegOpenKeyExA(HKEY_LOCAL_MACHINE, "HARDWARE\\DESCRIPTION\\System\\CentralProcessor\\0",
	                  0, KEY_READ, &key) != ERROR_SUCCESS)
		return false;
	if (number != NULL) {
		size = sizeof(*number);
		rc = RegQueryValueExA(key, name, NULL, &type, (BYTE *)number, &size);
		RegCloseKey(key);
		return rc == ERROR_SUCCESS && type == REG_DWORD;
	}
	rc = RegQueryValueExA(key, name, NULL, &type, (BYTE *)text, &size);
	RegCloseKey(key);
	if (rc != ERROR_SUCCESS || type != REG_SZ || size == 0)
		return false;
	text[cap - 1] = '\0';
	return true;
}

static int cpu_topology(struct hm_os_cpu *c)
{
	SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX *info, *p;
	DWORD len = 0;
	char *end;

	GetLogicalProcessorInformationEx(RelationAll, NULL, &len);
	if (GetLastError() != ERROR_INSUFFICIENT_BUFFER || len == 0)
		return win_error(GetLastError());
	info = malloc(len);
	if (info == NULL)
		return HM_ERR_NOMEM;
	if (!GetLogicalProcessorInformationEx(RelationAll, info, &len)) {
		int rc = win_error(GetLastError());

		free(info);
		return rc;
	}
	end = (char *)info + len;
	for (p = info; (char *)p < end && p->Size > 0;
	     p = (SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX *)((char *)p + p->Size)) {
		switch (p->Relationship) {
		case RelationProcessorCore:
			c->cores++;
			break;
		case RelationProcessorPackage:
			c->sockets++;
			break;
		case RelationNumaNode:
			c->numa_nodes++;
			break;
		case RelationCache: {
			const CACHE_RELATIONSHIP *cr = &p->Cache;
			struct hm_os_cache *k;
			const char *type = cr->Type == CacheData          ? "Data"
			                   : cr->Type == CacheInstruction ? "Instruction"
			                                                  : "Unified";
			size_t i;

			/* One entry per level and type; count its instances. */
			for (i = 0; i < c->ncaches; i++)
				if (c->caches[i].level == cr->Level &&
				    strcmp(c->caches[i].type, type) == 0)
					break;
			if (i == c->ncaches) {
				if (c->ncaches == HM_OS_CACHE_MAX)
					break;
				k = &c->caches[c->ncaches++];
				k->level = cr->Level;
				copy_text(k->type, sizeof(k->type), type);
				k->size_bytes = cr->CacheSize;
			}
			c->caches[i].instances++;
			break;
		}
		default:
			break;
		}
	}
	free(info);
	return HM_OK;
}

int hm_os_cpu_detect(struct hm_os_cpu *out)
{
	static const struct {
		DWORD pf;
		enum hm_os_cpu_flag flag;
	} features[] = {
		{ PF_XMMI64_INSTRUCTIONS_AVAILABLE, HM_OS_CPU_SSE2 },
		{ PF_SSSE3_INSTRUCTIONS_AVAILABLE, HM_OS_CPU_SSSE3 },
		{ PF_SSE4_1_INSTRUCTIONS_AVAILABLE, HM_OS_CPU_SSE4_1 },
		{ PF_SSE4_2_INSTRUCTIONS_AVAILABLE, HM_OS_CPU_SSE4_2 },
		{ PF_AVX_INSTRUCTIONS_AVAILABLE, HM_OS_CPU_AVX },
		{ PF_AVX2_INSTRUCTIONS_AVAILABLE, HM_OS_CPU_AVX2 },
		{ PF_AVX512F_INSTRUCTIONS_AVAILABLE, HM_OS_CPU_AVX512F },
	};
	struct hm_os_cpu c;
	DWORD_PTR process_mask = 0, system_mask = 0;
	DWORD mhz = 0;
	char text[HM_OS_NAME_LEN];
	int rc;

	if (out == NULL)
		return HM_ERR_INVALID;
	memset(&c, 0, sizeof(c));
	c.threads = (uint32_t)GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
	if (c.threads == 0)
		return win_error(GetLastError());
	rc = cpu_topology(&c);
	if (rc != HM_OK)
		return rc;
	if (c.numa_nodes == 0)
		c.numa_nodes = 1;
	/* The affinity mask covers this process's group (at most 64 CPUs). */
	if (GetProcessAffinityMask(GetCurrentProcess(), &process_mask, &system_mask))
		c.threads_usable = popcount64((uint64_t)process_mask);
	if (c.threads_usable == 0 || c.threads_usable > c.threads)
		c.threads_usable = c.threads;
	if (cpu_registry("ProcessorNameString", text, sizeof(text), NULL))
		copy_text(c.model, sizeof(c.model), text);
	if (cpu_registry("VendorIdentifier", text, sizeof(text), NULL))
		copy_text(c.vendor, sizeof(c.vendor), text);
	/* ~MHz is the nominal frequency Windows measured at boot. */
	if (cpu_registry("~MHz", NULL, 0, &mhz) && mhz > 0) {
		c.base_khz = c.max_khz = (uint64_t)mhz * 1000;
		c.freq_source = HM_OS_FREQ_CPUINFO;
	}
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (IsProcessorFeaturePresent(features[i].pf)) {
			c.flags |= 1ULL << features[i].flag;
			c.flag_total++;
		}
	*out = c;
	return HM_OK;
}

int hm_os_mem_detect(struct hm_os_mem *out)
{
	MEMORYSTATUSEX m;
	struct hm_os_mem r;

	if (out == NULL)
		return HM_ERR_INVALID;
	m.dwLength = sizeof(m);
	if (!GlobalMemoryStatusEx(&m))
		return win_error(GetLastError());
	memset(&r, 0, sizeof(r));
	r.total_bytes = m.ullTotalPhys;
	r.available_bytes = m.ullAvailPhys;
	r.free_bytes = m.ullAvailPhys;
	/* The commit limit is RAM plus the page files. */
	if (m.ullTotalPageFile > m.ullTotalPhys)
		r.swap_total_bytes = m.ullTotalPageFile - m.ullTotalPhys;
	if (m.ullAvailPageFile > m.ullAvailPhys)
		r.swap_free_bytes = m.ullAvailPageFile - m.ullAvailPhys;
	if (r.swap_free_bytes > r.swap_total_bytes)
		r.swap_free_bytes = r.swap_total_bytes;
	r.hugepage_size_bytes = GetLargePageMinimum();
	*out = r;
	return HM_OK;
}

int hm_os_storage_detect(struct hm_os_storage *out)
{
	struct hm_os_storage *s;
	char drives[512];
	DWORD len;

	if (out == NULL)
		return HM_ERR_INVALID;
	len = GetLogicalDriveStringsA(sizeof(drives), drives);
	if (len == 0 || len >= sizeof(drives))
		return len == 0 ? win_error(GetLastError()) : HM_ERR_RANGE;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return HM_ERR_NOMEM;
	for (const char *d = drives; *d != '\0'; d += strlen(d) + 1) {
		UINT type = GetDriveTypeA(d);
		ULARGE_INTEGER avail, total, free_bytes;
		char fs_type[64] = "";
		struct hm_os_fs *f;

		if (type != DRIVE_FIXED && type != DRIVE_REMOVABLE && type != DRIVE_REMOTE)
			continue;
		if (!GetDiskFreeSpaceExA(d, &avail, &total, &free_bytes))
			continue; /* an empty card reader, a disconnected share */
		if (s->nfs == HM_OS_FS_MAX) {
			s->truncated = true;
			break;
		}
		f = &s->fs[s->nfs++];
		copy_text(f->mount_point, sizeof(f->mount_point), d);
		copy_text(f->source, sizeof(f->source), d);
		if (GetVolumeInformationA(d, NULL, 0, NULL, NULL, NULL, fs_type, sizeof(fs_type)))
			copy_text(f->type, sizeof(f->type), fs_type);
		f->total_bytes = total.QuadPart;
		f->free_bytes = free_bytes.QuadPart;
		f->avail_bytes = avail.QuadPart;
	}
	/* Physical drives: their sizes, where the system lets us open them. */
	for (int n = 0; n < 32 && s->ndisks < HM_OS_DISK_MAX; n++) {
		char path[32];
		HANDLE h;
		GET_LENGTH_INFORMATION length;
		DWORD got = 0;
		struct hm_os_disk *k;

		snprintf(path, sizeof(path), "\\\\.\\PhysicalDrive%d", n);
		h = CreateFileA(path, 0, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0,
		                NULL);
		if (h == INVALID_HANDLE_VALUE)
			continue;
		if (DeviceIoControl(h, IOCTL_DISK_GET_LENGTH_INFO, NULL, 0, &length, sizeof(length),
		                    &got, NULL)) {
			k = &s->disks[s->ndisks++];
			snprintf(k->name, sizeof(k->name), "PhysicalDrive%d", n);
			k->size_bytes = (uint64_t)length.Length.QuadPart;
			k->physical = true;
		}
		CloseHandle(h);
	}
	*out = *s;
	free(s);
	return HM_OK;
}

/* "PCI\VEN_10DE&DEV_1B80&SUBSYS_..." -> vendor and device ids. */
static void pci_ids(const char *id, struct hm_os_gpu *g)
{
	const char *v = strstr(id, "VEN_"), *d = strstr(id, "DEV_");

	if (v != NULL)
		g->vendor_id = (uint16_t)strtoul(v + 4, NULL, 16);
	if (d != NULL)
		g->device_id = (uint16_t)strtoul(d + 4, NULL, 16);
}

int hm_os_gpus_detect(struct hm_os_gpus *out)
{
	struct hm_os_gpus *g;
	DISPLAY_DEVICEA dev;

	if (out == NULL)
		return HM_ERR_INVALID;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return HM_ERR_NOMEM;
	/* One entry per adapter: Windows lists each adapter once per output. */
	for (DWORD i = 0;; i++) {
		struct hm_os_gpu *k;
		bool seen = false;

		memset(&dev, 0, sizeof(dev));
		dev.cb = sizeof(dev);
		if (!EnumDisplayDevicesA(NULL, i, &dev, 0))
			break;
		for (size_t j = 0; j < g->ngpus; j++)
			if (strcmp(g->gpus[j].device_name, dev.DeviceString) == 0)
				seen = true;
		if (seen)
			continue;
		if (g->ngpus == HM_OS_GPU_MAX) {
			g->truncated = true;
			break;
		}
		k = &g->gpus[g->ngpus++];
		k->pci_class = 0x030000;
		copy_text(k->device_name, sizeof(k->device_name), dev.DeviceString);
		pci_ids(dev.DeviceID, k);
	}
	g->names_available = g->ngpus > 0; /* Windows names adapters itself */
	*out = *g;
	free(g);
	return HM_OK;
}

int hm_os_netifs_detect(struct hm_os_netifs *out)
{
	ULONG len = 16 * 1024, rc;
	IP_ADAPTER_ADDRESSES *list = NULL;
	struct hm_os_netifs *n;

	if (out == NULL)
		return HM_ERR_INVALID;
	for (int attempt = 0; attempt < 3; attempt++) {
		free(list);
		list = malloc(len);
		if (list == NULL)
			return HM_ERR_NOMEM;
		rc = GetAdaptersAddresses(AF_UNSPEC,
		                          GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST, NULL,
		                          list, &len);
		if (rc != ERROR_BUFFER_OVERFLOW)
			break;
	}
	if (rc != ERROR_SUCCESS && rc != ERROR_NO_DATA) {
		free(list);
		return win_error(rc);
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL) {
		free(list);
		return HM_ERR_NOMEM;
	}
	for (IP_ADAPTER_ADDRESSES *a = rc == ERROR_SUCCESS ? list : NULL; a != NULL; a = a->Next) {
		struct hm_os_netif *f;

		if (n->n == HM_OS_NETIF_MAX) {
			n->truncated = true;
			break;
		}
		f = &n->ifs[n->n++];
		wide_text(f->name, sizeof(f->name), a->FriendlyName);
		f->ifindex = a->IfIndex != 0 ? a->IfIndex : a->Ipv6IfIndex;
		if (a->PhysicalAddressLength == 6)
			snprintf(f->mac, sizeof(f->mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			         a->PhysicalAddress[0], a->PhysicalAddress[1],
			         a->PhysicalAddress[2], a->PhysicalAddress[3],
			         a->PhysicalAddress[4], a->PhysicalAddress[5]);
		f->mtu = a->Mtu;
		copy_text(f->operstate, sizeof(f->operstate),
		          a->OperStatus == IfOperStatusUp     ? "up"
		          : a->OperStatus == IfOperStatusDown ? "down"
		                                              : "unknown");
		f->speed_mbps = a->TransmitLinkSpeed != 0 && a->TransmitLinkSpeed != (ULONG64)-1
		                        ? (int64_t)(a->TransmitLinkSpeed / 1000000)
		                        : -1;
		for (IP_ADAPTER_UNICAST_ADDRESS *u = a->FirstUnicastAddress; u != NULL;
		     u = u->Next) {
			struct hm_os_ifaddr *x;
			int fam = u->Address.lpSockaddr->sa_family;
			const void *raw;

			if (fam != AF_INET && fam != AF_INET6)
				continue;
			if (f->naddrs == HM_OS_NETIF_ADDR_MAX) {
				n->truncated = true;
				break;
			}
			x = &f->addrs[f->naddrs];
			x->family = fam == AF_INET ? 4 : 6;
			raw = fam == AF_INET
			              ? (const void *)&((struct sockaddr_in *)u->Address.lpSockaddr)
			                        ->sin_addr
			              : (const void *)&(
			                        (struct sockaddr_in6 *)u->Address.lpSockaddr)
			                        ->sin6_addr;
			if (inet_ntop(fam, raw, x->addr, sizeof(x->addr)) == NULL)
				continue;
			x->prefix_len = u->OnLinkPrefixLength;
			f->naddrs++;
		}
	}
	free(list);
	*out = *n;
	free(n);
	return HM_OK;
}

static uint64_t filetime(const FILETIME *t)
{
	return (uint64_t)t->dwHighDateTime << 32 | t->dwLowDateTime;
}

int hm_os_usage_sample(struct hm_os_usage_sample *out)
{
	struct hm_os_usage_sample *s;
	FILETIME idle, kernel, user;
	MEMORYSTATUSEX m;
	LARGE_INTEGER now, freq;
	MIB_IF_TABLE2 *table = NULL;

	if (out == NULL)
		return HM_ERR_INVALID;
	m.dwLength = sizeof(m);
	if (!GetSystemTimes(&idle, &kernel, &user) || !GlobalMemoryStatusEx(&m))
		return win_error(GetLastError());
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return HM_ERR_NOMEM;
	QueryPerformanceFrequency(&freq);
	QueryPerformanceCounter(&now);
	s->mono_ns = (uint64_t)((double)now.QuadPart * 1e9 / (double)freq.QuadPart);
	/* 100 ns units; kernel time includes idle time. */
	s->cpu.user = filetime(&user);
	s->cpu.idle = filetime(&idle);
	s->cpu.system = filetime(&kernel) > s->cpu.idle ? filetime(&kernel) - s->cpu.idle : 0;
	s->mem_total_bytes = m.ullTotalPhys;
	s->mem_available_bytes = m.ullAvailPhys;
	if (GetIfTable2(&table) == NO_ERROR) {
		for (ULONG i = 0; i < table->NumEntries; i++) {
			const MIB_IF_ROW2 *r = &table->Table[i];
			struct hm_os_io_counter *c;

			if (r->Type == IF_TYPE_SOFTWARE_LOOPBACK)
				continue;
			if (s->nnets == HM_OS_NETIF_MAX) {
				s->truncated = true;
				break;
			}
			c = &s->nets[s->nnets++];
			wide_text(c->name, sizeof(c->name), r->Alias);
			c->read_bytes = r->InOctets;
			c->write_bytes = r->OutOctets;
			c->found = true;
		}
		FreeMibTable(table);
	}
	*out = *s;
	free(s);
	return HM_OK;
}

#else
/* ISO C wants something in every translation unit. */
typedef int hm_os_win_unused;
#endif
