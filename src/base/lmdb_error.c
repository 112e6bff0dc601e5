/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LMDB's return codes as hm error codes, in one place for every module that
 * keeps data in LMDB (the CT log, the consensus store, the executor, the
 * state modules). Only lmdb.h's constants are used, so hm_base does not link
 * LMDB.
 */
#include <lmdb.h>

#include "hypermesh/error.h"

int hm_err_from_mdb(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return HM_OK;
	case MDB_NOTFOUND:
		return HM_ERR_NOT_FOUND;
	case MDB_KEYEXIST:
		return HM_ERR_EXISTS;
	case MDB_MAP_FULL:
		return HM_ERR_TOO_LARGE;
	case MDB_INVALID:
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_VERSION_MISMATCH:
	case MDB_INCOMPATIBLE:
	case MDB_BAD_VALSIZE:
		return HM_ERR_CORRUPT;
	default:
		/* LMDB passes system errors through as positive errno values. */
		return rc > 0 ? hm_err_from_errno(rc) : HM_ERR_IO;
	}
}
