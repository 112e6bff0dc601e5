/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure parsers of /proc and /sys text (see os_parse.h). They run on every
 * platform, so a Linux capture can be checked anywhere, and they never trust
 * the text: every index is bounded and every number is overflow-checked.
 */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <string.h>

#include "hypermesh/error.h"
#include "os_parse.h"

/* A byte range of the input; never NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

static const char *const flag_names[HM_OS_CPU_FLAG_COUNT] = {
	[HM_OS_CPU_SSE2] = "sse2",
	[HM_OS_CPU_SSSE3] = "ssse3",
	[HM_OS_CPU_SSE4_1] = "sse4_1",
	[HM_OS_CPU_SSE4_2] = "sse4_2",
	[HM_OS_CPU_POPCNT] = "popcnt",
	[HM_OS_CPU_AVX] = "avx",
	[HM_OS_CPU_AVX2] = "avx2",
	[HM_OS_CPU_FMA] = "fma",
	[HM_OS_CPU_BMI2] = "bmi2",
	[HM_OS_CPU_ADX] = "adx",
	[HM_OS_CPU_AVX512F] = "avx512f",
	[HM_OS_CPU_AVX512DQ] = "avx512dq",
	[HM_OS_CPU_AVX512BW] = "avx512bw",
	[HM_OS_CPU_AVX512VL] = "avx512vl",
	[HM_OS_CPU_AVX512IFMA] = "avx512ifma",
	[HM_OS_CPU_AVX512VBMI] = "avx512vbmi",
	[HM_OS_CPU_AVX512_VNNI] = "avx512_vnni",
	[HM_OS_CPU_AES] = "aes",
	[HM_OS_CPU_PCLMULQDQ] = "pclmulqdq",
	[HM_OS_CPU_VAES] = "vaes",
	[HM_OS_CPU_VPCLMULQDQ] = "vpclmulqdq",
	[HM_OS_CPU_GFNI] = "gfni",
	[HM_OS_CPU_SHA_NI] = "sha_ni",
	[HM_OS_CPU_RDRAND] = "rdrand",
	[HM_OS_CPU_RDSEED] = "rdseed",
	[HM_OS_CPU_HYPERVISOR] = "hypervisor",
	[HM_OS_CPU_ASIMD] = "asimd",
	[HM_OS_CPU_PMULL] = "pmull",
	[HM_OS_CPU_SHA1] = "sha1",
	[HM_OS_CPU_SHA2] = "sha2",
	[HM_OS_CPU_SHA3] = "sha3",
	[HM_OS_CPU_SHA512] = "sha512",
	[HM_OS_CPU_SVE] = "sve",
	[HM_OS_CPU_SVE2] = "sve2",
	[HM_OS_CPU_CRC32] = "crc32",
	[HM_OS_CPU_ATOMICS] = "atomics",
};

_Static_assert(HM_OS_CPU_FLAG_COUNT <= 64, "CPU flags must fit a uint64_t");

const char *hm_os_cpu_flag_name(enum hm_os_cpu_flag flag)
{
	if ((unsigned)flag >= HM_OS_CPU_FLAG_COUNT)
		return NULL;
	return flag_names[flag];
}

int hm_os_cpu_flag_lookup(const char *word, size_t len, uint64_t *flags)
{
	for (unsigned i = 0; i < HM_OS_CPU_FLAG_COUNT; i++) {
		if (strlen(flag_names[i]) == len && memcmp(flag_names[i], word, len) == 0) {
			*flags |= UINT64_C(1) << i;
			return 1;
		}
	}
	return 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static struct span trim(struct span s)
{
	while (s.n > 0 && (is_blank(s.p[0]) || s.p[0] == '\r'))
		s.p++, s.n--;
	while (s.n > 0 && (is_blank(s.p[s.n - 1]) || s.p[s.n - 1] == '\r'))
		s.n--;
	return s;
}

static int span_eq(struct span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && memcmp(s.p, lit, n) == 0;
}

/* Text files from the kernel never hold NUL; one here means a wrong or hostile input. */
static int check_text(const char *text, size_t len)
{
	if (text == NULL && len != 0)
		return HM_ERR_INVALID;
	if (len != 0 && memchr(text, '\0', len) != NULL)
		return HM_ERR_ENCODING;
	return HM_OK;
}

/* Steps through lines; the last one need not end in '\n'. Returns 0 at the end. */
static int next_line(const char *text, size_t len, size_t *pos, struct span *line)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	line->p = text + *pos;
	nl = memchr(line->p, '\n', len - *pos);
	line->n = nl != NULL ? (size_t)(nl - line->p) : len - *pos;
	*pos += line->n + (nl != NULL);
	return 1;
}

/* Splits s at blanks into at most max tokens; more is HM_ERR_ENCODING. */
static int tokenize(struct span s, struct span *tok, size_t max, size_t *n)
{
	size_t i = 0, count = 0;

	while (i < s.n) {
		size_t start;

		while (i < s.n && (is_blank(s.p[i]) || s.p[i] == '\r'))
			i++;
		if (i == s.n)
			break;
		if (count == max)
			return HM_ERR_ENCODING;
		start = i;
		while (i < s.n && !is_blank(s.p[i]) && s.p[i] != '\r')
			i++;
		tok[count].p = s.p + start;
		tok[count].n = i - start;
		count++;
	}
	*n = count;
	return HM_OK;
}

static int span_u64(struct span s, uint64_t *value)
{
	uint64_t v = 0;

	if (s.n == 0)
		return HM_ERR_ENCODING;
	for (size_t i = 0; i < s.n; i++) {
		unsigned d;

		if (!is_digit(s.p[i]))
			return HM_ERR_ENCODING;
		d = (unsigned)(s.p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return HM_ERR_RANGE;
		v = v * 10 + d;
	}
	*value = v;
	return HM_OK;
}

static int span_u32(struct span s, uint32_t *value)
{
	uint64_t v;
	int rc = span_u64(s, &v);

	if (rc != HM_OK)
		return rc;
	if (v > UINT32_MAX)
		return HM_ERR_RANGE;
	*value = (uint32_t)v;
	return HM_OK;
}

/* span_u64 over n tokens, into v[0..n). */
static int spans_u64(const struct span *tok, size_t n, uint64_t *v)
{
	for (size_t i = 0; i < n; i++) {
		int rc = span_u64(tok[i], &v[i]);
		if (rc != HM_OK)
			return rc;
	}
	return HM_OK;
}

static int mul_checked(uint64_t a, uint64_t b, uint64_t *out)
{
	if (b != 0 && a > UINT64_MAX / b)
		return HM_ERR_RANGE;
	*out = a * b;
	return HM_OK;
}

/* "2596.124" MHz -> 2596124 kHz; digits beyond the third decimal are dropped. */
static int span_mhz_to_khz(struct span s, uint64_t *khz)
{
	struct span whole = s, frac = { s.p + s.n, 0 };
	const char *dot = memchr(s.p, '.', s.n);
	uint64_t w, f = 0;
	int rc;

	if (dot != NULL) {
		whole.n = (size_t)(dot - s.p);
		frac.p = dot + 1;
		frac.n = s.n - whole.n - 1;
	}
	rc = span_u64(whole, &w);
	if (rc != HM_OK)
		return rc;
	for (size_t i = 0; i < frac.n; i++) {
		if (!is_digit(frac.p[i]))
			return HM_ERR_ENCODING;
		if (i < 3)
			f = f * 10 + (uint64_t)(frac.p[i] - '0');
	}
	if (dot != NULL && frac.n == 0)
		return HM_ERR_ENCODING;
	for (size_t i = frac.n; i < 3; i++)
		f *= 10;
	rc = mul_checked(w, 1000, &w);
	if (rc != HM_OK || w > UINT64_MAX - f)
		return HM_ERR_RANGE;
	*khz = w + f;
	return HM_OK;
}

static void copy_cut(char *dst, size_t cap, struct span s)
{
	size_t n = s.n < cap - 1 ? s.n : cap - 1;

	memcpy(dst, s.p, n);
	dst[n] = '\0';
}

/* Splits "key : value" at the first colon; both sides trimmed. */
static int split_key_value(struct span line, struct span *key, struct span *value)
{
	const char *colon = memchr(line.p, ':', line.n);

	if (colon == NULL)
		return HM_ERR_ENCODING;
	key->p = line.p;
	key->n = (size_t)(colon - line.p);
	value->p = colon + 1;
	value->n = line.n - key->n - 1;
	*key = trim(*key);
	*value = trim(*value);
	return key->n == 0 ? HM_ERR_ENCODING : HM_OK;
}

static int strip_newline(const char *text, size_t *len)
{
	int rc = check_text(text, *len);

	if (rc != HM_OK)
		return rc;
	if (*len > 0 && text[*len - 1] == '\n')
		(*len)--;
	return HM_OK;
}

int hm_os_parse_u64(const char *text, size_t len, uint64_t *value)
{
	int rc;

	if (value == NULL)
		return HM_ERR_INVALID;
	rc = strip_newline(text, &len);
	if (rc != HM_OK)
		return rc;
	return span_u64((struct span){ text, len }, value);
}

int hm_os_parse_size(const char *text, size_t len, uint64_t *bytes)
{
	uint64_t v, mult = 1;
	int rc;

	if (bytes == NULL)
		return HM_ERR_INVALID;
	rc = strip_newline(text, &len);
	if (rc != HM_OK)
		return rc;
	if (len > 0) {
		switch (text[len - 1]) {
		case 'K':
		case 'k':
			mult = UINT64_C(1) << 10;
			break;
		case 'M':
			mult = UINT64_C(1) << 20;
			break;
		case 'G':
			mult = UINT64_C(1) << 30;
			break;
		default:
			break;
		}
		if (mult != 1)
			len--;
	}
	rc = span_u64((struct span){ text, len }, &v);
	if (rc != HM_OK)
		return rc;
	return mul_checked(v, mult, bytes);
}

static void cpuset_clear(struct hm_os_cpuset *set)
{
	memset(set, 0, sizeof(*set));
}

int hm_os_parse_cpulist(const char *text, size_t len, struct hm_os_cpuset *set)
{
	struct hm_os_cpuset tmp;
	size_t i = 0;
	int rc;

	if (set == NULL)
		return HM_ERR_INVALID;
	rc = strip_newline(text, &len);
	if (rc != HM_OK)
		return rc;
	cpuset_clear(&tmp);
	while (i < len) {
		struct span item = { text + i, 0 }, lo, hi;
		const char *dash;
		uint64_t a, b;

		while (i < len && text[i] != ',')
			i++;
		item.n = (size_t)(text + i - item.p);
		if (i < len)
			i++; /* the comma */
		if (item.n == 0 || (i == len && text[len - 1] == ','))
			return HM_ERR_ENCODING;
		dash = memchr(item.p, '-', item.n);
		lo = item;
		hi = item;
		if (dash != NULL) {
			lo.n = (size_t)(dash - item.p);
			hi.p = dash + 1;
			hi.n = item.n - lo.n - 1;
		}
		rc = span_u64(lo, &a);
		if (rc == HM_OK)
			rc = span_u64(hi, &b);
		if (rc != HM_OK)
			return rc;
		if (a >= HM_OS_CPU_MAX || b >= HM_OS_CPU_MAX)
			return HM_ERR_RANGE;
		if (a > b)
			return HM_ERR_ENCODING;
		for (uint64_t c = a; c <= b; c++)
			tmp.bits[c / 64] |= UINT64_C(1) << (c % 64);
	}
	*set = tmp;
	return HM_OK;
}

size_t hm_os_cpuset_count(const struct hm_os_cpuset *set)
{
	size_t n = 0;

	for (size_t i = 0; i < HM_OS_CPU_MAX / 64; i++)
		n += (size_t)__builtin_popcountll(set->bits[i]);
	return n;
}

long hm_os_cpuset_first(const struct hm_os_cpuset *set)
{
	for (size_t i = 0; i < HM_OS_CPU_MAX / 64; i++)
		if (set->bits[i] != 0)
			return (long)(i * 64 + (size_t)__builtin_ctzll(set->bits[i]));
	return -1;
}

/* Names for the Arm "CPU implementer" codes (the MIDR implementer field). */
static const char *arm_implementer(uint64_t code)
{
	switch (code) {
	case 0x41:
		return "ARM";
	case 0x42:
		return "Broadcom";
	case 0x43:
		return "Cavium";
	case 0x46:
		return "Fujitsu";
	case 0x48:
		return "HiSilicon";
	case 0x4e:
		return "NVIDIA";
	case 0x51:
		return "Qualcomm";
	case 0x61:
		return "Apple";
	case 0xc0:
		return "Ampere";
	default:
		return "Arm";
	}
}

static int span_hex(struct span s, uint64_t *value)
{
	uint64_t v = 0;

	if (s.n > 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X'))
		s.p += 2, s.n -= 2;
	if (s.n == 0 || s.n > 16)
		return s.n == 0 ? HM_ERR_ENCODING : HM_ERR_RANGE;
	for (size_t i = 0; i < s.n; i++) {
		int d = hex_value(s.p[i]);
		if (d < 0)
			return HM_ERR_ENCODING;
		v = v << 4 | (uint64_t)d;
	}
	*value = v;
	return HM_OK;
}

int hm_os_parse_hex(const char *text, size_t len, uint64_t *value)
{
	int rc;

	if (value == NULL)
		return HM_ERR_INVALID;
	rc = strip_newline(text, &len);
	if (rc != HM_OK)
		return rc;
	return span_hex((struct span){ text, len }, value);
}

#define CPUINFO_SOCKET_IDS 4096

static void cpuinfo_flags(struct span value, struct hm_os_cpuinfo *out)
{
	size_t i = 0;

	while (i < value.n) {
		size_t start;

		while (i < value.n && is_blank(value.p[i]))
			i++;
		if (i == value.n)
			break;
		start = i;
		while (i < value.n && !is_blank(value.p[i]))
			i++;
		out->flag_total++;
		(void)hm_os_cpu_flag_lookup(value.p + start, i - start, &out->flags);
	}
}

int hm_os_parse_cpuinfo(const char *text, size_t len, struct hm_os_cpuinfo *out)
{
	uint64_t socket_seen[CPUINFO_SOCKET_IDS / 64];
	struct span line, key, value;
	size_t pos = 0;
	int rc, model_set = 0, features_set = 0;

	if (out == NULL)
		return HM_ERR_INVALID;
	rc = check_text(text, len);
	if (rc != HM_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	memset(socket_seen, 0, sizeof(socket_seen));
	while (next_line(text, len, &pos, &line)) {
		/* Only the first processor's details: they describe the model. */
		int first = out->processors <= 1;

		if (trim(line).n == 0)
			continue;
		rc = split_key_value(line, &key, &value);
		if (rc != HM_OK)
			return rc;
		if (span_eq(key, "processor")) {
			uint32_t id;
			rc = span_u32(value, &id);
			if (rc != HM_OK)
				return rc;
			if (out->processors == UINT32_MAX)
				return HM_ERR_RANGE;
			out->processors++;
		} else if (span_eq(key, "physical id")) {
			uint32_t id;
			rc = span_u32(value, &id);
			if (rc != HM_OK)
				return rc;
			if (id >= CPUINFO_SOCKET_IDS)
				return HM_ERR_RANGE;
			if (!(socket_seen[id / 64] >> (id % 64) & 1)) {
				socket_seen[id / 64] |= UINT64_C(1) << (id % 64);
				out->sockets++;
			}
		} else if (!first) {
			continue;
		} else if (span_eq(key, "model name") && !model_set) {
			copy_cut(out->model, sizeof(out->model), value);
			model_set = 1;
		} else if (span_eq(key, "vendor_id")) {
			copy_cut(out->vendor, sizeof(out->vendor), value);
		} else if (span_eq(key, "cpu MHz")) {
			rc = span_mhz_to_khz(value, &out->mhz_khz);
			if (rc != HM_OK)
				return rc;
		} else if (span_eq(key, "cpu cores")) {
			rc = span_u32(value, &out->cores_per_socket);
			if (rc != HM_OK)
				return rc;
		} else if ((span_eq(key, "flags") || span_eq(key, "Features")) && !features_set) {
			cpuinfo_flags(value, out);
			features_set = 1;
		} else if (span_eq(key, "CPU implementer")) {
			uint64_t code;
			rc = span_hex(value, &code);
			if (rc != HM_OK)
				return rc;
			if (out->vendor[0] == '\0') {
				const char *name = arm_implementer(code);
				copy_cut(out->vendor, sizeof(out->vendor),
				         (struct span){ name, strlen(name) });
			}
		}
	}
	return out->processors > 0 ? HM_OK : HM_ERR_ENCODING;
}

int hm_os_parse_meminfo(const char *text, size_t len, struct hm_os_mem *out)
{
	struct span line, key, value, tok[3];
	size_t pos = 0, ntok;
	int rc, have_total = 0, have_avail = 0;

	if (out == NULL)
		return HM_ERR_INVALID;
	rc = check_text(text, len);
	if (rc != HM_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	while (next_line(text, len, &pos, &line)) {
		uint64_t v;

		if (trim(line).n == 0)
			continue;
		rc = split_key_value(line, &key, &value);
		if (rc == HM_OK)
			rc = tokenize(value, tok, 2, &ntok);
		if (rc == HM_OK && ntok == 0)
			rc = HM_ERR_ENCODING;
		if (rc == HM_OK)
			rc = span_u64(tok[0], &v);
		if (rc == HM_OK && ntok == 2) {
			if (!span_eq(tok[1], "kB"))
				return HM_ERR_ENCODING;
			rc = mul_checked(v, 1024, &v);
		}
		if (rc != HM_OK)
			return rc;
		if (span_eq(key, "MemTotal")) {
			out->total_bytes = v;
			have_total = 1;
		} else if (span_eq(key, "MemFree")) {
			out->free_bytes = v;
		} else if (span_eq(key, "MemAvailable")) {
			out->available_bytes = v;
			have_avail = 1;
		} else if (span_eq(key, "SwapTotal")) {
			out->swap_total_bytes = v;
		} else if (span_eq(key, "SwapFree")) {
			out->swap_free_bytes = v;
		} else if (span_eq(key, "HugePages_Total")) {
			out->hugepages_total = v;
		} else if (span_eq(key, "HugePages_Free")) {
			out->hugepages_free = v;
		} else if (span_eq(key, "Hugepagesize")) {
			out->hugepage_size_bytes = v;
		}
	}
	if (!have_total)
		return HM_ERR_ENCODING;
	if (!have_avail)
		out->available_bytes = out->free_bytes;
	return HM_OK;
}

#define STAT_MAX_FIELDS 16

int hm_os_parse_stat(const char *text, size_t len, struct hm_os_cpu_times *out)
{
	struct span line, tok[STAT_MAX_FIELDS + 1];
	uint64_t v[STAT_MAX_FIELDS];
	size_t pos = 0, ntok;
	int rc;

	if (out == NULL)
		return HM_ERR_INVALID;
	rc = check_text(text, len);
	if (rc != HM_OK)
		return rc;
	while (next_line(text, len, &pos, &line)) {
		if (line.n < 4 || memcmp(line.p, "cpu", 3) != 0 || !is_blank(line.p[3]))
			continue;
		rc = tokenize(line, tok, STAT_MAX_FIELDS + 1, &ntok);
		if (rc != HM_OK)
			return rc;
		if (ntok < 5)
			return HM_ERR_ENCODING;
		memset(v, 0, sizeof(v));
		rc = spans_u64(tok + 1, ntok - 1, v);
		if (rc != HM_OK)
			return rc;
		*out = (struct hm_os_cpu_times){
			.user = v[0],
			.nice = v[1],
			.system = v[2],
			.idle = v[3],
			.iowait = v[4],
			.irq = v[5],
			.softirq = v[6],
			.steal = v[7],
		};
		return HM_OK;
	}
	return HM_ERR_ENCODING;
}

static struct hm_os_io_counter *find_dev(struct hm_os_io_counter *devs, size_t n, struct span name)
{
	for (size_t i = 0; i < n; i++) {
		size_t l = strnlen(devs[i].name, sizeof(devs[i].name));
		if (l == name.n && memcmp(devs[i].name, name.p, l) == 0)
			return &devs[i];
	}
	return NULL;
}

/* What both per-device counter parsers start with: check the input, forget old counts. */
static int counters_begin(const char *text, size_t len, struct hm_os_io_counter *devs, size_t n)
{
	int rc;

	if (devs == NULL && n != 0)
		return HM_ERR_INVALID;
	rc = check_text(text, len);
	if (rc != HM_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		devs[i].read_bytes = 0;
		devs[i].write_bytes = 0;
		devs[i].found = false;
	}
	return HM_OK;
}

#define DISKSTATS_MAX_FIELDS 32

int hm_os_parse_diskstats(const char *text, size_t len, struct hm_os_io_counter *devs, size_t n)
{
	struct span line, tok[DISKSTATS_MAX_FIELDS];
	size_t pos = 0, ntok;
	int rc;

	rc = counters_begin(text, len, devs, n);
	if (rc != HM_OK)
		return rc;
	while (next_line(text, len, &pos, &line)) {
		struct hm_os_io_counter *dev;
		uint64_t v[DISKSTATS_MAX_FIELDS];

		rc = tokenize(line, tok, DISKSTATS_MAX_FIELDS, &ntok);
		if (rc != HM_OK)
			return rc;
		if (ntok == 0)
			continue;
		if (ntok < 14)
			return HM_ERR_ENCODING;
		/* Major, minor, the name (tok[2]), then the counters. */
		rc = spans_u64(tok, 2, v);
		if (rc == HM_OK)
			rc = spans_u64(tok + 3, ntok - 3, v + 3);
		if (rc != HM_OK)
			return rc;
		dev = find_dev(devs, n, tok[2]);
		if (dev == NULL)
			continue;
		/* Fields 6 and 10 (1-based): sectors read and written, always 512 bytes. */
		rc = mul_checked(v[5], 512, &dev->read_bytes);
		if (rc == HM_OK)
			rc = mul_checked(v[9], 512, &dev->write_bytes);
		if (rc != HM_OK)
			return rc;
		dev->found = true;
	}
	return HM_OK;
}

#define NETDEV_FIELDS 16

int hm_os_parse_netdev(const char *text, size_t len, struct hm_os_io_counter *devs, size_t n)
{
	struct span line, tok[NETDEV_FIELDS];
	size_t pos = 0, ntok;
	int rc;

	rc = counters_begin(text, len, devs, n);
	if (rc != HM_OK)
		return rc;
	while (next_line(text, len, &pos, &line)) {
		struct hm_os_io_counter *dev;
		struct span name, rest;
		uint64_t v[NETDEV_FIELDS];
		size_t colon;

		if (trim(line).n == 0 || memchr(line.p, '|', line.n) != NULL)
			continue;
		/* The numbers hold no colon, so the last one ends the name. */
		for (colon = line.n; colon > 0 && line.p[colon - 1] != ':'; colon--)
			;
		if (colon == 0)
			return HM_ERR_ENCODING;
		name = trim((struct span){ line.p, colon - 1 });
		rest = (struct span){ line.p + colon, line.n - colon };
		if (name.n == 0)
			return HM_ERR_ENCODING;
		rc = tokenize(rest, tok, NETDEV_FIELDS, &ntok);
		if (rc != HM_OK)
			return rc;
		if (ntok != NETDEV_FIELDS)
			return HM_ERR_ENCODING;
		rc = spans_u64(tok, ntok, v);
		if (rc != HM_OK)
			return rc;
		dev = find_dev(devs, n, name);
		if (dev == NULL)
			continue;
		dev->read_bytes = v[0];
		dev->write_bytes = v[8];
		dev->found = true;
	}
	return HM_OK;
}

/* Copies a mountinfo field, decoding the kernel's \NNN octal escapes. */
static int copy_unescaped(char *dst, size_t cap, struct span s)
{
	size_t o = 0;

	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c == '\\') {
			unsigned v = 0;
			if (s.n - i < 4)
				return HM_ERR_ENCODING;
			for (size_t k = 1; k <= 3; k++) {
				char d = s.p[i + k];
				if (d < '0' || d > '7')
					return HM_ERR_ENCODING;
				v = v * 8 + (unsigned)(d - '0');
			}
			if (v == 0 || v > 0xff)
				return HM_ERR_ENCODING;
			c = (unsigned char)v;
			i += 3;
		}
		if (o + 1 >= cap)
			return HM_ERR_LENGTH;
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return HM_OK;
}

#define MOUNTINFO_MAX_FIELDS 32

int hm_os_parse_mountinfo_line(const char *line, size_t len, struct hm_os_mountinfo *out)
{
	struct span tok[MOUNTINFO_MAX_FIELDS], majmin, maj, min;
	size_t ntok = 0, i = 0, sep;
	const char *colon;
	uint32_t id;
	int rc;

	if (out == NULL)
		return HM_ERR_INVALID;
	rc = check_text(line, len);
	if (rc != HM_OK)
		return rc;
	/* Fields are separated by exactly one space; spaces inside are escaped. */
	while (i <= len) {
		size_t start = i;
		while (i < len && line[i] != ' ')
			i++;
		if (i == start || ntok == MOUNTINFO_MAX_FIELDS)
			return HM_ERR_ENCODING;
		tok[ntok].p = line + start;
		tok[ntok].n = i - start;
		ntok++;
		i++;
	}
	for (sep = 6; sep < ntok && !span_eq(tok[sep], "-"); sep++)
		;
	/* After the separator: type, source and superblock options. */
	if (sep + 4 != ntok)
		return HM_ERR_ENCODING;
	rc = span_u32(tok[0], &id);
	if (rc == HM_OK)
		rc = span_u32(tok[1], &id);
	if (rc != HM_OK)
		return rc;
	majmin = tok[2];
	colon = memchr(majmin.p, ':', majmin.n);
	if (colon == NULL)
		return HM_ERR_ENCODING;
	maj = (struct span){ majmin.p, (size_t)(colon - majmin.p) };
	min = (struct span){ colon + 1, majmin.n - maj.n - 1 };
	rc = span_u32(maj, &out->major);
	if (rc == HM_OK)
		rc = span_u32(min, &out->minor);
	if (rc == HM_OK)
		rc = copy_unescaped(out->root, sizeof(out->root), tok[3]);
	if (rc == HM_OK)
		rc = copy_unescaped(out->mount_point, sizeof(out->mount_point), tok[4]);
	if (rc == HM_OK)
		rc = copy_unescaped(out->type, sizeof(out->type), tok[sep + 1]);
	if (rc == HM_OK)
		rc = copy_unescaped(out->source, sizeof(out->source), tok[sep + 2]);
	return rc;
}

int hm_os_fs_type_is_real(const char *type)
{
	static const char *const pseudo[] = {
		"proc",       "sysfs",       "devtmpfs",        "devpts",    "tmpfs",
		"ramfs",      "rootfs",      "cgroup",          "cgroup2",   "securityfs",
		"debugfs",    "tracefs",     "pstore",          "bpf",       "configfs",
		"fusectl",    "mqueue",      "hugetlbfs",       "autofs",    "binfmt_misc",
		"nsfs",       "efivarfs",    "rpc_pipefs",      "selinuxfs", "nfsd",
		"fuse.lxcfs", "fuse.portal", "fuse.gvfsd-fuse",
	};

	if (type == NULL || type[0] == '\0')
		return 0;
	for (size_t i = 0; i < sizeof(pseudo) / sizeof(pseudo[0]); i++)
		if (strcmp(type, pseudo[i]) == 0)
			return 0;
	return 1;
}

/* "1af4  Red Hat, Inc." after skipping `indent` tabs: the id and the name. */
static int pciids_entry(struct span line, size_t indent, uint16_t *id, struct span *name)
{
	uint64_t v;

	if (line.n < indent + 6)
		return 0;
	for (size_t i = 0; i < indent; i++)
		if (line.p[i] != '\t')
			return 0;
	if (line.p[indent] == '\t' || !is_blank(line.p[indent + 4]))
		return 0;
	if (span_hex((struct span){ line.p + indent, 4 }, &v) != HM_OK)
		return 0;
	*id = (uint16_t)v;
	*name = trim((struct span){ line.p + indent + 4, line.n - indent - 4 });
	return name->n > 0;
}

int hm_os_parse_pciids(const char *text, size_t len, uint16_t vendor, uint16_t device,
                       char *vendor_name, size_t vendor_cap, char *device_name, size_t device_cap)
{
	struct span line, name;
	size_t pos = 0;
	int in_vendor = 0, rc;

	if (vendor_name == NULL || device_name == NULL || vendor_cap == 0 || device_cap == 0)
		return HM_ERR_INVALID;
	rc = check_text(text, len);
	if (rc != HM_OK)
		return rc;
	while (next_line(text, len, &pos, &line)) {
		uint16_t id;

		if (line.n == 0 || line.p[0] == '#')
			continue;
		/* The device classes follow the vendors: nothing more to find. */
		if (line.n >= 2 && line.p[0] == 'C' && line.p[1] == ' ')
			break;
		if (pciids_entry(line, 0, &id, &name)) {
			if (in_vendor)
				break;
			if (id == vendor) {
				copy_cut(vendor_name, vendor_cap, name);
				device_name[0] = '\0';
				in_vendor = 1;
			}
		} else if (in_vendor && pciids_entry(line, 1, &id, &name) && id == device) {
			copy_cut(device_name, device_cap, name);
			return HM_OK;
		}
	}
	return in_vendor ? HM_OK : HM_ERR_NOT_FOUND;
}

int hm_os_parse_nvidia_info(const char *text, size_t len, struct hm_os_gpu *gpu)
{
	struct span line, key, value;
	size_t pos = 0;
	int rc, have_model = 0;

	if (gpu == NULL)
		return HM_ERR_INVALID;
	rc = check_text(text, len);
	if (rc != HM_OK)
		return rc;
	gpu->nv_model[0] = gpu->nv_uuid[0] = gpu->nv_vbios[0] = gpu->nv_bus_type[0] = '\0';
	while (next_line(text, len, &pos, &line)) {
		if (trim(line).n == 0)
			continue;
		rc = split_key_value(line, &key, &value);
		if (rc != HM_OK)
			return rc;
		if (span_eq(key, "Model")) {
			copy_cut(gpu->nv_model, sizeof(gpu->nv_model), value);
			have_model = value.n > 0;
		} else if (span_eq(key, "GPU UUID")) {
			copy_cut(gpu->nv_uuid, sizeof(gpu->nv_uuid), value);
		} else if (span_eq(key, "Video BIOS")) {
			copy_cut(gpu->nv_vbios, sizeof(gpu->nv_vbios), value);
		} else if (span_eq(key, "Bus Type")) {
			copy_cut(gpu->nv_bus_type, sizeof(gpu->nv_bus_type), value);
		}
	}
	return have_model ? HM_OK : HM_ERR_ENCODING;
}

int hm_os_parse_pid_stat(const char *text, size_t len, char *comm, size_t comm_cap,
                         uint64_t *cpu_ticks)
{
	const char *open_paren, *close_paren = NULL, *p, *end;
	uint64_t ticks[2];
	size_t field, n;

	if (text == NULL || comm == NULL || comm_cap == 0 || cpu_ticks == NULL)
		return HM_ERR_INVALID;
	end = text + len;
	open_paren = memchr(text, '(', len);
	if (open_paren == NULL)
		return HM_ERR_ENCODING;
	/* The name may itself hold ')' and spaces: it ends at the last ')'. */
	for (p = end; p > open_paren; p--)
		if (p[-1] == ')') {
			close_paren = p - 1;
			break;
		}
	if (close_paren == NULL)
		return HM_ERR_ENCODING;
	/* After ") " come field 3 (state) onwards, separated by single spaces. */
	p = close_paren + 1;
	for (field = 3; field <= 15; field++) {
		const char *start;

		if (p >= end || *p != ' ')
			return HM_ERR_ENCODING;
		start = ++p;
		while (p < end && *p != ' ' && *p != '\n')
			p++;
		if (p == start)
			return HM_ERR_ENCODING;
		if (field >= 14) {
			int rc = hm_os_parse_u64(start, (size_t)(p - start), &ticks[field - 14]);

			if (rc != HM_OK)
				return rc;
		}
	}
	if (ticks[0] > UINT64_MAX - ticks[1])
		return HM_ERR_RANGE;
	n = (size_t)(close_paren - open_paren - 1);
	if (n > comm_cap - 1)
		n = comm_cap - 1;
	memcpy(comm, open_paren + 1, n);
	comm[n] = '\0';
	*cpu_ticks = ticks[0] + ticks[1];
	return HM_OK;
}

int hm_os_parse_pid_io(const char *text, size_t len, uint64_t *read_bytes, uint64_t *write_bytes)
{
	static const char *const keys[2] = { "read_bytes: ", "write_bytes: " };
	uint64_t values[2];
	bool found[2] = { false, false };
	const char *p = text, *end;

	if (text == NULL || read_bytes == NULL || write_bytes == NULL)
		return HM_ERR_INVALID;
	end = text + len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t line = (size_t)((eol != NULL ? eol : end) - p);

		for (size_t k = 0; k < 2; k++) {
			size_t klen = strlen(keys[k]);

			if (line > klen && memcmp(p, keys[k], klen) == 0) {
				int rc = hm_os_parse_u64(p + klen, line - klen, &values[k]);

				if (rc != HM_OK)
					return HM_ERR_ENCODING;
				found[k] = true;
			}
		}
		p += line + (eol != NULL);
	}
	if (!found[0] || !found[1])
		return HM_ERR_ENCODING;
	*read_bytes = values[0];
	*write_bytes = values[1];
	return HM_OK;
}
