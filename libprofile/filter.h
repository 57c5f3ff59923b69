/* SPDX-License-Identifier: MIT */
/*
 * filter.h - the record-time call filters: which functions' calls the hooks
 * write (MPROF_INCLUDE, MPROF_EXCLUDE), how deep (MPROF_MAX_DEPTH) and how
 * short a written call may be (MPROF_MIN_DURATION). See libmprof(3).
 *
 * Patterns are matched against the names in the symbol table of each loaded
 * object, read once: at start for the objects loaded then, the first time
 * one of its functions is entered for an object loaded later. Only the
 * addresses of the matching functions are kept (nothing is symbolized for
 * the trace). Each function's verdict is then cached in a table the hooks
 * search without locks. Nothing here allocates through the program's
 * allocator except the C++ demangler, and nothing takes the loader's lock
 * while holding one of ours.
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

/* Set the filters up from cfg (the patterns are copied) and read the
 * symbol tables of the objects loaded now. Called once, at start, before
 * any thread records. Returns 0, or -1 (after a warning) when the filters
 * cannot be set up: the process then records nothing, rather than
 * everything. */
int filter_init(const struct env_config *cfg);

/* Convert the minimum duration to clock ticks, once the clock is known. */
void filter_set_clock(uint64_t ticks_per_ms);

/* Whether the patterns let calls of the function at `fn` be written.
 * Takes writer.lock the first time it sees fn (and reads the symbol table
 * of its object the first time it sees that object). */
bool filter_admits(uintptr_t fn);

/* After dlclose: forget the objects no longer loaded, and every cached
 * verdict (their addresses may hold other functions from now on). */
void filter_forget_unloaded(void);

/* The fork handlers hold the filters' lock across fork. */
void filter_fork_lock(void);
void filter_fork_unlock(void);

/* Describe the filters in FILTER records of the process chunks (at start,
 * and in a fork child's new trace). writer.lock held. */
void filter_write_records_locked(void);

#endif
