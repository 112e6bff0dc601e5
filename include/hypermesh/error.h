/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Error codes shared by every HyperMesh library.
 *
 * Functions return int: 0 (HM_OK) on success, one of the negative codes below
 * on failure. A function's header comment lists the codes it can return.
 * Codes are stable: they are never renumbered, only appended, so that logs and
 * the wire (typed RPC errors) can carry them.
 */
#ifndef HYPERMESH_ERROR_H
#define HYPERMESH_ERROR_H

enum hm_error {
	HM_OK = 0,
	HM_ERR_NOMEM = -1,        /* an allocation failed */
	HM_ERR_INVALID = -2,      /* an argument is invalid (caller bug or bad user input) */
	HM_ERR_TRUNCATED = -3,    /* the input ended before the structure did */
	HM_ERR_TRAILING = -4,     /* bytes are left over after a complete structure */
	HM_ERR_LENGTH = -5,       /* a length lies outside its declared bounds */
	HM_ERR_RANGE = -6,        /* a value does not fit its field or type */
	HM_ERR_ENCODING = -7,     /* malformed text encoding (hex, base64, ...) */
	HM_ERR_BUFFER = -8,       /* the caller's output buffer is too small */
	HM_ERR_IO = -9,           /* an operating-system I/O call failed */
	HM_ERR_EXISTS = -10,      /* the object already exists */
	HM_ERR_NOT_FOUND = -11,   /* the object does not exist */
	HM_ERR_PERMISSION = -12,  /* the operating system refused access */
	HM_ERR_TOO_LARGE = -13,   /* the input exceeds a configured size limit */
	HM_ERR_CORRUPT = -14,     /* stored data failed an integrity check */
	HM_ERR_RANDOM = -15,      /* the system entropy source failed */
	HM_ERR_CRYPTO = -16,      /* a cryptographic operation failed */
	HM_ERR_VERIFY = -17,      /* a signature, MAC or proof did not verify */
	HM_ERR_UNSUPPORTED = -18, /* the feature or algorithm is not supported (yet) */
};

/* The lowest code in use; every code c satisfies HM_ERR_LAST <= c <= HM_OK. */
#define HM_ERR_LAST HM_ERR_UNSUPPORTED

/*
 * A short, static, human-readable description of err. Never NULL: unknown
 * codes (including positive values) yield "unknown error".
 */
const char *hm_strerror(int err);

/*
 * Maps an errno value from a failed system call to the closest HyperMesh
 * code: ENOENT -> HM_ERR_NOT_FOUND, EEXIST -> HM_ERR_EXISTS, EACCES/EPERM/
 * EROFS -> HM_ERR_PERMISSION, ENOMEM -> HM_ERR_NOMEM, anything else -> HM_ERR_IO.
 */
int hm_err_from_errno(int errnum);

/*
 * An LMDB return code as an hm code: MDB_NOTFOUND -> HM_ERR_NOT_FOUND,
 * MDB_KEYEXIST -> HM_ERR_EXISTS, MDB_MAP_FULL -> HM_ERR_TOO_LARGE, LMDB's
 * integrity errors -> HM_ERR_CORRUPT, errno values as hm_err_from_errno.
 */
int hm_err_from_mdb(int rc);

#endif
