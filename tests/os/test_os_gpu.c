/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GPU detection over a fake /sys, /proc and pci.ids tree, so the NVIDIA,
 * DRM and naming paths are exercised on machines without a GPU.
 */
#define _XOPEN_SOURCE 700 /* nftw, mkdtemp, symlink */
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hypermesh/os.h"
#include "os/os_linux.h"
#include "test.h"

static char root[] = "os_gpu_tree_XXXXXX";

static void put(const char *rel, const char *text)
{
	char path[512], dir[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	/* mkdir -p of every parent */
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')) != NULL; p++) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(p - path), path);
		(void)mkdir(dir, 0755);
	}
	if (text == NULL)
		return;
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

static void link_to(const char *rel, const char *target)
{
	char path[512];

	put(rel, NULL);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	CHECK(symlink(target, path) == 0);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void build_tree(void)
{
	CHECK(mkdtemp(root) != NULL);
	put("sys/bus/pci/devices/0000:65:00.0/class", "0x030200\n");
	put("sys/bus/pci/devices/0000:65:00.0/vendor", "0x10de\n");
	put("sys/bus/pci/devices/0000:65:00.0/device", "0x2331\n");
	link_to("sys/bus/pci/devices/0000:65:00.0/driver", "../../../bus/pci/drivers/nvidia");
	put("sys/bus/pci/devices/0000:03:00.0/class", "0x030000\n");
	put("sys/bus/pci/devices/0000:03:00.0/vendor", "0x1af4\n");
	put("sys/bus/pci/devices/0000:03:00.0/device", "0x1050\n");
	/* Not display controllers, or unreadable: left out. */
	put("sys/bus/pci/devices/0000:00:02.0/class", "0x018000\n");
	put("sys/bus/pci/devices/0000:00:02.0/vendor", "0x1af4\n");
	put("sys/bus/pci/devices/0000:00:02.0/device", "0x1042\n");
	put("sys/bus/pci/devices/0000:04:00.0/class", "0x03zz00\n");
	put("sys/bus/pci/devices/0000:05:00.0/class", "0x030000\n");
	put("sys/bus/pci/devices/0000:05:00.0/vendor", "0x123456\n");
	put("sys/bus/pci/devices/0000:05:00.0/device", "0x0001\n");
	link_to("sys/class/drm/card1/device", "../../../devices/pci0000:00/0000:03:00.0");
	link_to("sys/class/drm/card1-Virtual-1/device", "../../../devices/0000:65:00.0");
	put("proc/driver/nvidia/gpus/0000:65:00.0/information",
	    "Model: \t\t NVIDIA H100 PCIe\n"
	    "IRQ:   \t\t 0\n"
	    "GPU UUID: \t GPU-11111111-2222-3333-4444-555555555555\n"
	    "Video BIOS: \t 96.00.99.00.01\n"
	    "Bus Type: \t PCIe\n");
	put("usr/share/hwdata/pci.ids", "10de  NVIDIA Corporation\n"
	                                "\t2331  GH100 [H100 PCIe]\n"
	                                "1af4  Red Hat, Inc.\n"
	                                "\t1050  Virtio 1.0 GPU\n");
}

static void test_fake_tree(void)
{
	struct hm_os_gpus *g = malloc(sizeof(*g));
	const struct hm_os_gpu *virtio, *nv;

	CHECK(g != NULL);
	if (g == NULL)
		return;
	build_tree();
	CHECK_ERR(hm_os_gpus_detect_at(root, g), HM_OK);
	CHECK_EQ(g->ngpus, 2);
	CHECK(g->names_available);
	CHECK(!g->truncated);
	if (g->ngpus == 2) {
		virtio = &g->gpus[0];
		nv = &g->gpus[1];
		CHECK_STR(virtio->pci_address, "0000:03:00.0");
		CHECK_EQ(virtio->pci_class, 0x030000);
		CHECK_EQ(virtio->vendor_id, 0x1af4);
		CHECK_EQ(virtio->device_id, 0x1050);
		CHECK_STR(virtio->driver, "");
		CHECK_STR(virtio->drm_card, "card1");
		CHECK_STR(virtio->vendor_name, "Red Hat, Inc.");
		CHECK_STR(virtio->device_name, "Virtio 1.0 GPU");
		CHECK_STR(virtio->nv_model, "");

		CHECK_STR(nv->pci_address, "0000:65:00.0");
		CHECK_EQ(nv->pci_class, 0x030200);
		CHECK_STR(nv->driver, "nvidia");
		CHECK_STR(nv->drm_card, "");
		CHECK_STR(nv->vendor_name, "NVIDIA Corporation");
		CHECK_STR(nv->device_name, "GH100 [H100 PCIe]");
		CHECK_STR(nv->nv_model, "NVIDIA H100 PCIe");
		CHECK_STR(nv->nv_uuid, "GPU-11111111-2222-3333-4444-555555555555");
		CHECK_STR(nv->nv_vbios, "96.00.99.00.01");
		CHECK_STR(nv->nv_bus_type, "PCIe");
	}

	/* Without pci.ids: no names; a malformed NVIDIA file: no NVIDIA details. */
	put("usr/share/hwdata/pci.ids", NULL);
	{
		char path[512];
		snprintf(path, sizeof(path), "%s/usr/share/hwdata/pci.ids", root);
		CHECK(unlink(path) == 0);
	}
	put("proc/driver/nvidia/gpus/0000:65:00.0/information", "IRQ: 5\n");
	CHECK_ERR(hm_os_gpus_detect_at(root, g), HM_OK);
	CHECK_EQ(g->ngpus, 2);
	CHECK(!g->names_available);
	CHECK_STR(g->gpus[0].vendor_name, "");
	CHECK_STR(g->gpus[1].nv_model, "");
	CHECK_STR(g->gpus[1].driver, "nvidia");

	CHECK(nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0);
	free(g);
}

static void test_no_pci_bus(void)
{
	struct hm_os_gpus *g = malloc(sizeof(*g));
	char longroot[600];

	CHECK(g != NULL);
	if (g == NULL)
		return;
	CHECK_ERR(hm_os_gpus_detect_at("/nonexistent-hm-root", g), HM_OK);
	CHECK_EQ(g->ngpus, 0);
	memset(longroot, 'a', sizeof(longroot) - 1);
	longroot[sizeof(longroot) - 1] = '\0';
	CHECK_ERR(hm_os_gpus_detect_at(longroot, g), HM_ERR_LENGTH);
	CHECK_ERR(hm_os_gpus_detect_at(NULL, g), HM_ERR_INVALID);
	CHECK_ERR(hm_os_gpus_detect_at("", NULL), HM_ERR_INVALID);
	free(g);
}

TEST_MAIN(test_fake_tree, test_no_pci_bus)
