/* SPDX-License-Identifier: MIT */
/*
 * multi.h - the report of a process tree, `mprof-report a.bin b.bin ...`:
 * the traces a fork child (PATH.<pid>) or an exec'd image wrote, each read
 * and built as its own report, then merged into one struct report that the
 * text and JSON renderers print like any other.
 *
 * What merges, and how:
 *  - functions by name and source file (its base name), as --compare
 *    matches them (compare.h): addresses differ between processes and
 *    images. Counts, times and bytes are summed; callers and callees are
 *    merged the same way. A merged function has no address (0).
 *  - stages by name, in the pull order of the first trace that has them:
 *    records, hand-offs, times and latency sums are summed, throughput and
 *    mean latency recomputed; p50 and p99 are the largest of the
 *    processes' (percentiles do not add up).
 *  - memory: the totals and the allocation sites (by their label) summed.
 *    The peak is the sum of the processes' peaks (an upper bound: they need
 *    not peak together), at the time of the largest. Snapshots stay per
 *    process (--processes).
 *  - threads: the threads of every process, in trace order, each with its
 *    process (struct report_table's `process`), which --threads names.
 *  - wall time: from the earliest start to the latest end.
 *  - record-time filters: the calls left out are summed; the filters are
 *    the union of the processes' (patterns once each, the largest limit of
 *    each kind), marked as differing unless every process had the same.
 *
 * With opt->processes, one section per process (its own full report)
 * comes before the merged one.
 *
 * Ownership: struct multi_report owns the per-trace reports and the merged
 * one, which points into them; multi_release() frees all.
 */
#ifndef MPROF_MULTI_H
#define MPROF_MULTI_H

#include <stddef.h>
#include <stdio.h>

#include "report.h"
#include "report_mem.h"
#include "report_stage.h"

struct multi_report {
	struct report *procs; /* one per trace, in argument order */
	size_t nprocs;
	struct report_process *processes; /* what the merged report names */
	struct report merged;
	/* Storage of the merged report. */
	struct report_sym *syms; /* one per merged function */
	struct report_mem mem_store;
	struct report_stages stage_store;
	struct trace_record_filters filters_store; /* its lists own no string */
};

/*
 * Read the traces opt->traces[0 .. opt->ntraces - 1] and merge them into
 * `m` (the memory part only if `memory`). Returns 0, or what report_open()
 * returns after printing why a trace could not be read.
 */
int multi_open(struct multi_report *m, const struct report_options *opt, bool memory);
void multi_release(struct multi_report *m);

/*
 * The traces of paths[0 .. n-1] less those that are another one of them
 * again, in `out` (n entries): the same file (device and inode: a second
 * name, a symlink) or a copy of its trace (the same pid, start time,
 * clock point and executable). Each one left out gets one warning naming
 * both paths. Returns how many are left (at least 1 if n is).
 */
size_t multi_unique(const char *const *paths, size_t n, const char **out);

/*
 * Render the report of opt->traces with `kind`: the per-process sections
 * first if opt->processes, then the merged report. A trace given twice is
 * read once (multi_unique()); when one is left, its report is the one
 * trace's. Returns like report_run().
 */
int multi_run(const struct report_options *opt, const struct report_kind *kind, FILE *out);

#endif
