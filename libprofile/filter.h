/* SPDX-License-Identifier: MIT */
/*
 * filter.h - the record-time call filters: which functions' calls the hooks
 * write (MPROF_INCLUDE, MPROF_EXCLUDE), how deep (MPROF_MAX_DEPTH) and how
 * short a written call may be (MPROF_MIN_DURATION). See libmprof(3).
 *
 * Patterns are matched against the names in the symbol table of each loaded
 * object, read once, the first time a function of that object is entered;
 * only the addresses of the matching functions are kept (nothing is
 * symbolized for the trace). Each function's verdict is then cached in a
 * table the hooks search without locks.
 *
 * The hooks call in here from their slow path only: a thread records with
 * filters through calls.c's rare paths (THREAD_SLOW_FILTER).
 */
#ifndef MPROF_FILTER_H
#define MPROF_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "env.h"

struct filter_state {
	bool active;	    /* any filter at all */
	bool patterns;	    /* MPROF_INCLUDE or MPROF_EXCLUDE */
	uint32_t max_depth; /* written frames a thread may have open; 0: any */
	uint64_t min_ns;    /* MPROF_MIN_DURATION; 0: none */
	uint64_t min_ticks; /* the same in clock ticks */
};

extern struct filter_state filter;

/* Set the filters up from cfg (the patterns are copied). ticks_per_ms
 * converts the minimum duration. Called once, at start, before any thread
 * records. Returns 0, or -1 (after a warning) when the filters cannot be
 * set up: the process then records nothing, rather than everything. */
int filter_init(const struct env_config *cfg, uint64_t ticks_per_ms);

/* Whether the patterns let calls of the function at `fn` be written.
 * Takes writer.lock the first time it sees fn (and reads the symbol table
 * of its object the first time it sees that object). */
bool filter_admits(uintptr_t fn);

/* Describe the filters in FILTER records of the process chunks (at start,
 * and in a fork child's new trace). writer.lock held. */
void filter_write_records_locked(void);

/* Exposed for the unit tests: whether `name`, as the reporter would print
 * it (a symbol version dropped, a C++ name demangled), matches `pattern`. */
bool filter_match(const char *pattern, const char *name);

#endif
