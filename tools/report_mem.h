/* SPDX-License-Identifier: MIT */
/*
 * report_mem.h - the memory part of a report: the totals of the live heap
 * (memstats), the allocation sites grouped by line, function or stack
 * (--group-by) and named, the leaks, the peak contributors, the temporary
 * allocations, the snapshots, and the comparison of two snapshots in the
 * form of tracemalloc's Snapshot.compare_to() (--diff).
 *
 * A site's label is what its lines start with, as tracemalloc prints a
 * traceback: "pipeline.c:88" (line: the file and line of the allocation
 * call; the function's name when there is no line information, or its
 * module and offset), "pipeline.c:40(stage_filter)" (function: pstats's
 * label of the function that made the call), or, for a stack, the label of
 * its innermost frame followed by its frames. Allocations recorded without
 * a stack make the site "<unknown>:0".
 *
 * Numbers print with tracemalloc's _format_size() rules and its statistic
 * lines, verbatim:
 *	pipeline.c:88: size=110 KiB, count=1744, average=65 B
 *	pipeline.c:88: size=110 KiB (+110 KiB), count=1744 (+1744), average=65 B
 *
 * Ownership: report_mem_build() hangs everything on rep->mem;
 * report_mem_release() frees it. Strings come from the sym table, which
 * must outlive the report.
 */
#ifndef MPROF_REPORT_MEM_H
#define MPROF_REPORT_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report.h"

struct ms_heap;
struct sym_table;

/* One frame of an allocation stack, named. */
struct report_frame {
	const char *function; /* never NULL: the name, "module+0xOFF" or "0xADDR" */
	const char *file;     /* full path of the source file, or NULL */
	int line;	      /* 0 if unknown */
	bool entry;	      /* a function entry (shadow stack): line is the definition's */
};

struct report_site {
	char *label;	      /* what its lines start with (see above) */
	const char *function; /* the function that made the call, or NULL */
	const char *file;     /* full path, or NULL (for --group-by function: the definition's) */
	int line;	      /* 0 if unknown */
	const struct report_frame *frames; /* --group-by stack: innermost first */
	size_t nframes;
	uint64_t allocs, bytes;		      /* allocations made here, their requested bytes */
	uint64_t leaked_blocks, leaked_bytes; /* live at the end of the trace */
	uint64_t temp_allocs, temp_bytes;     /* temporary allocations */
	uint64_t peak_blocks, peak_bytes;     /* live at the peak */
};

struct report_snapshot {
	const char *label;
	uint64_t ns; /* since the start of the trace */
	uint64_t live_blocks, live_bytes;
	bool implicit; /* "start" or "end", added by the reporter */
};

/* One line of tracemalloc's compare_to(): site, new values, changes. */
struct report_diff {
	const struct report_site *site;
	uint64_t size, count;
	int64_t size_diff, count_diff;
};

struct report_mem {
	uint64_t allocs, frees, bytes;
	uint64_t peak_blocks, peak_bytes, peak_ns; /* ns since the start of the trace */
	uint64_t leaked_blocks, leaked_bytes;
	uint64_t temp_allocs, temp_bytes;
	uint64_t unknown_frees, replaced, late;
	const struct report_site **sites; /* every site, in the --sort order */
	size_t nsites;
	const struct report_site **leaks; /* sites with leaked blocks, by leaked bytes */
	size_t nleaks;
	const struct report_site **peak; /* sites live at the peak, by bytes then */
	size_t npeak;
	const struct report_site **temps; /* sites with temporary allocations, by count */
	size_t ntemps;
	struct report_snapshot *snaps; /* in time order */
	size_t nsnaps;
	const char *diff_old, *diff_new; /* --diff */
	struct report_diff *diff;	 /* in tracemalloc's order; NULL without --diff */
	size_t ndiff;
	/* Storage. */
	struct report_site *all; /* the sites in order of creation */
	struct report_frame *frames;
	char **strings; /* the labels */
	size_t nstrings, strings_alloc;
};

/*
 * Build rep->mem from the heap (left NULL if the trace has no memory
 * events) with the options of rep->opt. Returns 0, or EXIT_USAGE after
 * printing that a --diff label names no snapshot of the trace.
 */
int report_mem_build(struct report *rep, const struct ms_heap *h, struct sym_table *syms,
		     const struct trace_clock *clk);
void report_mem_release(struct report *rep);

/* The rows a memory list shows: --limit, or REPORT_MEM_LIMIT. */
size_t report_mem_rows(const struct report *rep, size_t n);

/*
 * tracemalloc's _format_size(size, sign): "65 B", "1.5 KiB", "110 KiB",
 * "+110 KiB", "-32 B". Returns buf.
 */
const char *report_format_size(char *buf, size_t len, double size, bool sign);

/* "LABEL: size=S, count=N[, average=A]" (tracemalloc's Statistic), no newline. */
void report_mem_stat(FILE *out, const char *label, uint64_t size, uint64_t count);

/* "LABEL: size=S (+D), count=N (+C)[, average=A]" (StatisticDiff), no newline. */
void report_mem_stat_diff(FILE *out, const struct report_diff *d);

/* The memory report in text, after the call report (report_mem_text.c). */
void report_mem_text(const struct report *rep, FILE *out);

/* The diff alone, when --diff is given (report_mem_text.c). */
void report_mem_text_diff(const struct report *rep, FILE *out);

/* The "memory", "snapshots" and "diff" members, each line starting with ",\n" (report_mem_json.c). */
void report_mem_json(const struct report *rep, FILE *out);

#endif
