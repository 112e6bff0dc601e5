/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pci.ids lookups and the NVIDIA driver's information file. The first byte
 * picks: even, a pci.ids lookup of the vendor and device in bytes 1-4 over
 * the rest; odd, the NVIDIA parser over the rest. Names are always
 * terminated within their buffers; a found vendor has a name.
 */
#include <stdlib.h>
#include <string.h>

#include "hypermesh/error.h"
#include "os/os_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char vendor[HM_OS_NAME_LEN], device[12];
	struct hm_os_gpu gpu;
	uint16_t vid, did;

	if (size < 5)
		return 0;
	if (data[0] % 2 == 0) {
		vid = (uint16_t)(data[1] << 8 | data[2]);
		did = (uint16_t)(data[3] << 8 | data[4]);
		memset(vendor, 'x', sizeof(vendor));
		memset(device, 'x', sizeof(device));
		if (hm_os_parse_pciids((const char *)data + 5, size - 5, vid, did, vendor,
		                       sizeof(vendor), device, sizeof(device)) == HM_OK) {
			if (memchr(vendor, 0, sizeof(vendor)) == NULL || vendor[0] == '\0' ||
			    memchr(device, 0, sizeof(device)) == NULL)
				abort();
		}
	} else {
		memset(&gpu, 0, sizeof(gpu));
		if (hm_os_parse_nvidia_info((const char *)data + 1, size - 1, &gpu) == HM_OK &&
		    (gpu.nv_model[0] == '\0' ||
		     memchr(gpu.nv_uuid, 0, sizeof(gpu.nv_uuid)) == NULL ||
		     memchr(gpu.nv_vbios, 0, sizeof(gpu.nv_vbios)) == NULL))
			abort();
	}
	return 0;
}
