/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parsers of the kernel's text files, private to hm_os. Each is a pure
 * function over a buffer (no I/O, no allocation), so tests feed it fixed text
 * and fuzz targets feed it anything: the buffer need not be NUL-terminated
 * and may hold any bytes. A NUL byte inside the text is malformed.
 *
 * Common errors: HM_ERR_INVALID (a NULL argument), HM_ERR_ENCODING (a line
 * that does not have the file's shape, a missing required field),
 * HM_ERR_RANGE (a number that does not fit its field). On error the outputs
 * hold no meaningful values.
 */
#ifndef HM_OS_PARSE_H
#define HM_OS_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/os.h"

/* A set of CPU numbers below HM_OS_CPU_MAX. */
struct hm_os_cpuset {
	uint64_t bits[HM_OS_CPU_MAX / 64];
};

/*
 * Parses a kernel CPU list such as "0-3,8,10-11\n" (one trailing newline
 * allowed; "" and "\n" are the empty set) into *set. HM_ERR_RANGE for a CPU
 * number >= HM_OS_CPU_MAX; HM_ERR_ENCODING for anything else malformed,
 * including a descending range.
 */
int hm_os_parse_cpulist(const char *text, size_t len, struct hm_os_cpuset *set);
size_t hm_os_cpuset_count(const struct hm_os_cpuset *set);
/* The lowest member, or -1 for the empty set. */
long hm_os_cpuset_first(const struct hm_os_cpuset *set);

/* What /proc/cpuinfo says, reduced to what hm_os_cpu needs. */
struct hm_os_cpuinfo {
	char model[HM_OS_NAME_LEN];
	char vendor[HM_OS_SHORT_LEN];
	uint32_t processors;       /* "processor" entries */
	uint32_t sockets;          /* distinct "physical id" values (0 if none given) */
	uint32_t cores_per_socket; /* "cpu cores" of the first processor (0 if absent) */
	uint64_t mhz_khz;          /* "cpu MHz" of the first processor in kHz (0 if absent) */
	uint64_t flags;            /* notable flags of the first processor */
	uint32_t flag_total;
};

/*
 * Parses /proc/cpuinfo (x86 "flags", Arm "Features" and "CPU implementer").
 * Every non-empty line must be "key<blanks>: value"; the numbers it uses must
 * be decimal (or hex for the Arm implementer). At least one "processor" entry
 * is required.
 */
int hm_os_parse_cpuinfo(const char *text, size_t len, struct hm_os_cpuinfo *out);

/*
 * Parses /proc/meminfo ("Key:  123 kB" lines; the unit is "kB" or absent).
 * MemTotal is required; MemAvailable falls back to MemFree (kernels < 3.14).
 */
int hm_os_parse_meminfo(const char *text, size_t len, struct hm_os_mem *out);

/*
 * Parses the aggregate "cpu " line of /proc/stat (at least the user, nice,
 * system and idle fields; later ones default to 0). Other lines are skipped;
 * a missing "cpu " line is HM_ERR_ENCODING.
 */
int hm_os_parse_stat(const char *text, size_t len, struct hm_os_cpu_times *out);

/*
 * Fills the counters of the devices named in devs[0..n) from /proc/diskstats
 * (sectors of 512 bytes, whatever the device's block size) and sets their
 * found flag; lines for other devices are checked for shape and skipped.
 * A line needs at least the 14 fields of kernels since 2.6.
 */
int hm_os_parse_diskstats(const char *text, size_t len, struct hm_os_io_counter *devs, size_t n);

/*
 * Same for /proc/net/dev: two header lines (each containing '|'), then
 * "name: 16 numbers" per interface (receive bytes first, transmit bytes ninth).
 */
int hm_os_parse_netdev(const char *text, size_t len, struct hm_os_io_counter *devs, size_t n);

/* One line of /proc/self/mountinfo, with the \NNN octal escapes decoded. */
struct hm_os_mountinfo {
	uint32_t major, minor;
	char root[HM_OS_PATH_LEN];
	char mount_point[HM_OS_PATH_LEN];
	char type[HM_OS_SHORT_LEN];
	char source[HM_OS_PATH_LEN];
};

/*
 * Parses one mountinfo line (without its newline): "ID PARENT MAJ:MIN ROOT
 * MOUNT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPEROPTIONS". A field too long
 * for its member is HM_ERR_LENGTH (a cut path would name another place).
 */
int hm_os_parse_mountinfo_line(const char *line, size_t len, struct hm_os_mountinfo *out);

/* 1 if a filesystem of this type holds data (ext4, xfs, nfs...), 0 for proc, tmpfs, cgroup... */
int hm_os_fs_type_is_real(const char *type);

/*
 * Looks a PCI vendor and device up in the text of a pci.ids database and
 * copies their names (cut to the buffer sizes). HM_ERR_NOT_FOUND when the
 * vendor is not listed; a listed vendor with an unlisted device gives an
 * empty device name and HM_OK. Lines that are not vendor or device entries
 * (comments, subsystems, the class list) are skipped, so the parser keeps up
 * with new sections of the database.
 */
int hm_os_parse_pciids(const char *text, size_t len, uint16_t vendor, uint16_t device,
                       char *vendor_name, size_t vendor_cap, char *device_name, size_t device_cap);

/*
 * Parses /proc/driver/nvidia/gpus/<pci>/information ("Key: \t value" lines)
 * into gpu's nv_ fields. "Model" is required.
 */
int hm_os_parse_nvidia_info(const char *text, size_t len, struct hm_os_gpu *gpu);

/*
 * Parses a sysfs size such as "32768K\n", "1M" or "512" into bytes (K, M, G
 * are binary multiples, as in the kernel's cache size files).
 */
int hm_os_parse_size(const char *text, size_t len, uint64_t *bytes);

/* Parses a decimal unsigned integer with at most one trailing newline. */
int hm_os_parse_u64(const char *text, size_t len, uint64_t *value);

/* Parses hexadecimal ("0x030000\n"; the 0x and one newline are optional). */
int hm_os_parse_hex(const char *text, size_t len, uint64_t *value);

/* Sets the bit of a notable flag named by word (len bytes); returns 1 if it was one. */
int hm_os_cpu_flag_lookup(const char *word, size_t len, uint64_t *flags);

/*
 * /proc/<pid>/stat: the name between the first '(' and the last ')' (cut to
 * comm_cap - 1 bytes) and utime + stime in clock ticks (fields 14 and 15).
 * HM_ERR_ENCODING when the shape is wrong, HM_ERR_RANGE on overflow.
 */
int hm_os_parse_pid_stat(const char *text, size_t len, char *comm, size_t comm_cap,
                         uint64_t *cpu_ticks);

/* /proc/<pid>/io: read_bytes and write_bytes (storage-layer bytes).
 * HM_ERR_ENCODING when either is missing or malformed. */
int hm_os_parse_pid_io(const char *text, size_t len, uint64_t *read_bytes, uint64_t *write_bytes);

#endif
