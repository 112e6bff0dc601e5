/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stddef.h>

#include "hypermesh/error.h"

/* Indexed by -code; every entry is filled, checked by tests/base/test_error.c. */
static const char *const messages[] = {
	[-HM_OK] = "success",
	[-HM_ERR_NOMEM] = "out of memory",
	[-HM_ERR_INVALID] = "invalid argument",
	[-HM_ERR_TRUNCATED] = "input truncated",
	[-HM_ERR_TRAILING] = "trailing bytes after structure",
	[-HM_ERR_LENGTH] = "length out of bounds",
	[-HM_ERR_RANGE] = "value out of range",
	[-HM_ERR_ENCODING] = "malformed encoding",
	[-HM_ERR_BUFFER] = "output buffer too small",
	[-HM_ERR_IO] = "input/output error",
	[-HM_ERR_EXISTS] = "already exists",
	[-HM_ERR_NOT_FOUND] = "not found",
	[-HM_ERR_PERMISSION] = "permission denied",
	[-HM_ERR_TOO_LARGE] = "input too large",
	[-HM_ERR_CORRUPT] = "data corrupt",
	[-HM_ERR_RANDOM] = "entropy source failed",
	[-HM_ERR_CRYPTO] = "cryptographic operation failed",
	[-HM_ERR_VERIFY] = "verification failed",
	[-HM_ERR_UNSUPPORTED] = "not supported",
};

const char *hm_strerror(int err)
{
	if (err > 0 || err < HM_ERR_LAST || messages[-err] == NULL)
		return "unknown error";
	return messages[-err];
}

int hm_err_from_errno(int errnum)
{
	switch (errnum) {
	case ENOENT:
	case ENOTDIR:
		return HM_ERR_NOT_FOUND;
	case EEXIST:
		return HM_ERR_EXISTS;
	case EACCES:
	case EPERM:
	case EROFS:
		return HM_ERR_PERMISSION;
	case ENOMEM:
		return HM_ERR_NOMEM;
	case EFBIG:
		return HM_ERR_TOO_LARGE;
	default:
		return HM_ERR_IO;
	}
}
