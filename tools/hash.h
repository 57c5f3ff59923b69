/* SPDX-License-Identifier: MIT */
/*
 * hash.h - the one way the tools include uthash.
 *
 * Stock uthash calls exit() when it runs out of memory. Here it allocates
 * with malloc()/free() and an insertion that fails leaves the table as it
 * was (HASH_NONFATAL_OOM): the element is simply not added and
 * hash_oom_take() reports it. Check it after every HASH_ADD*:
 *
 *	HASH_ADD(hh, table, key, sizeof(e->key), e);
 *	if (hash_oom_take())
 *		... e is not in the table, it is still the caller's ...
 *
 * The flag is private to each translation unit, which is where the check is,
 * and to each thread (the demo's workers fill tables concurrently).
 */
#ifndef MPROF_HASH_H
#define MPROF_HASH_H

#include <stdbool.h>
#include <stdlib.h>

static inline bool *hash_oom_flag(void)
{
	static __thread bool flag;

	return &flag;
}

/* True if an insertion failed for lack of memory since the last call. */
static inline bool hash_oom_take(void)
{
	bool *flag = hash_oom_flag();
	bool failed = *flag;

	*flag = false;
	return failed;
}

#define HASH_NONFATAL_OOM	 1
#define uthash_malloc(sz)	 malloc(sz)
#define uthash_free(ptr, sz)	 free(ptr)
#define uthash_nonfatal_oom(obj) (*hash_oom_flag() = true)

#include <uthash.h>

#endif
