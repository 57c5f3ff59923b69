/* SPDX-License-Identifier: MIT */
/*
 * name_match.h - the one rule by which a function name matches a filter
 * pattern, shared by the runtime (MPROF_INCLUDE, MPROF_EXCLUDE) and the
 * reporter (--include, --exclude), so that the two never disagree: the
 * name itself, or a shell pattern as in fnmatch(3).
 */
#ifndef MPROF_NAME_MATCH_H
#define MPROF_NAME_MATCH_H

#include <fnmatch.h>
#include <stdbool.h>
#include <string.h>

static inline bool name_match(const char *pattern, const char *name)
{
	return !strcmp(pattern, name) || !fnmatch(pattern, name, 0);
}

#endif
