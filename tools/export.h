/* SPDX-License-Identifier: MIT */
/*
 * export.h - what the exports (export_*.c, formats other tools open) share:
 * a second pass over the trace of a report that tells each completed call
 * and each change of the heap, in time, and a map that interns call paths.
 *
 * The report (report.h) holds totals; a Chrome trace or a massif timeline
 * needs every call and every heap event with its time. export_pass() reads
 * the trace again with the same aggregation as the report (callstats, with
 * the probe's cost taken out, and memstats, in one time order across
 * threads) and hands each event to a sink as it goes: it keeps only the open
 * call stacks and the live heap, never the events.
 *
 * Times are nanoseconds since the start of the trace. A call's times are on
 * its thread's clock without the runtime's pauses (as the report counts
 * them), so its start may read a little earlier than the heap's events,
 * which carry their own clock readings.
 *
 * Ownership: everything a sink is handed is valid during the call only.
 */
#ifndef MPROF_EXPORT_H
#define MPROF_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report.h"

struct cs_frame;
struct ms_snapshot;

/* One completed activation. */
struct export_call {
	uint32_t serial;  /* its thread's */
	uint32_t context; /* the execution context it ran in (0: the thread's own stack) */
	const struct cs_frame *frames; /* the thread's stack: frames[0] outermost, */
	size_t depth;		       /* frames[depth] this call (fn->addr: the function) */
	uint64_t start_ns, end_ns;
	uint64_t self_ticks, incl_ticks;	 /* corrected, as the report counts them */
	uint64_t off_self_ticks, off_incl_ticks; /* their off-CPU parts (callstats.h) */
	bool outermost; /* no activation of the function is open below it */
};

/* One event of the heap, after it was applied. */
struct export_heap {
	uint64_t ns;
	uint64_t live_blocks, live_bytes;
	const struct ms_snapshot *snap; /* a snapshot taken, or NULL */
};

struct export_sink {
	void *arg;
	void (*call)(void *arg, const struct export_call *c); /* NULL: no interest */
	void (*heap)(void *arg, const struct export_heap *h); /* NULL: no interest */
};

/*
 * Read the trace of `rep` again and tell `sink` every call and heap event.
 * Returns 0, or -1 after printing why the trace could not be read.
 */
int export_pass(const struct report *rep, const struct export_sink *sink);

/* The name of the function at `addr` (one the report has named). */
const char *export_name(const struct report *rep, uint64_t addr);

/*
 * A map of (key, addr) pairs to dense ids, 1-based: a tree of call paths
 * when the key is the parent's id (0 for the root), or a set of caller ->
 * callee pairs when it is the caller's address. Each id carries counters.
 */
struct export_node {
	uint64_t key, addr;
	uint64_t calls, ticks;
	uint64_t off_ticks; /* of ticks, off the CPU (export_add_path()) */
};

/* With --time wall, a stack's off-CPU part: a frame of its own above it. */
#define EXPORT_OFFCPU_FRAME "[off-CPU]"

struct export_map {
	struct export_node *nodes; /* by id; nodes[0] unused */
	size_t n, alloc;
	uint32_t *slots; /* open addressing: ids, 0 empty */
	size_t mask;
};

void export_map_init(struct export_map *m);
/* The id of (key, addr), added with zero counters if new. */
uint32_t export_map_get(struct export_map *m, uint64_t key, uint64_t addr);
/* The id of (key, addr), or 0. */
uint32_t export_map_find(const struct export_map *m, uint64_t key, uint64_t addr);
void export_map_release(struct export_map *m);

/* A sink's call callback: count the call, its self ticks and their off-CPU
 * part on the node of its call path (a node per distinct stack, keyed by
 * parent id and function) in the struct export_map passed as arg. */
void export_add_path(void *arg, const struct export_call *c);

/* Renderers' helper: "%.3f" of ns as microseconds, without the float's drift. */
void export_print_us(FILE *out, uint64_t ns);

#endif
