/* SPDX-License-Identifier: MIT */
/*
 * compare.h - the re-measure step, `mprof-report --compare OLD NEW`: the
 * same figures of two sides, old against new, each side one trace or a
 * directory of runs (`mprof record --repeat N -o DIR`), with how much each
 * figure varies over the runs and whether its change is more than that.
 *
 * A side (compare_load.c) is a trace file, or a directory holding run1,
 * run2, ... (the manifest `mprof-runs` is not needed): each run directory's
 * traces (trace.bin, and its children's and exec'd images', trace.bin.PID)
 * are one run, merged as `mprof-report trace.bin trace.bin.*` merges them
 * (multi.h). A directory without runs is refused.
 *
 * Figures: the wall time and the self time of all functions; per stage its
 * self time, throughput and mean latency; per function its calls, self and
 * cumulative time; the memory totals (allocations, bytes allocated, peak
 * bytes, leaked bytes) and per allocation site its allocations, bytes and
 * leaked bytes. Each has one value per run on each side; a function, stage
 * or site missing from a run counts 0 there.
 *
 * Matching: functions by name and source file (its base name, so that the
 * same source built in two trees matches), never by address, which differs
 * between runs and builds; functions of one run with the same name and file
 * (a static function in two modules) are summed. Stages by name, in the new
 * side's pull order, then those only the old side has. Sites by label.
 * A function, stage or site in one side only is added or removed.
 *
 * Statistics (stats.h): each side's median over its runs with the median's
 * confidence interval; the change, new median / old median - 1; a verdict:
 *   CMP_SAME       the same value in every run of both sides (exact counts);
 *   CMP_NOISE      tested, not significant (printed "~");
 *   CMP_BETTER/WORSE significant at a false discovery rate of STATS_ALPHA
 *                  over every figure tested in the comparison;
 *   CMP_UNTESTED   one run on a side and no per-event distribution: there
 *                  is no noise estimate, the change is only a difference.
 * The test is the Mann-Whitney U test over runs when both sides have at
 * least two; with one run a side, a stage's latency is tested over its
 * hand-offs (the per-event latency histograms of the two runs), and no
 * other figure can be. "Better" is lower for times, counts and bytes,
 * higher for a throughput.
 *
 * Rows of functions are ordered by the absolute change of the median
 * cumulative time (--sort tottime: of self time; ncalls: of calls; name: by
 * name), the largest first, ties by name. The text shows CMP_TEXT_LIMIT
 * function rows and REPORT_MEM_LIMIT site rows unless --limit says
 * otherwise; the JSON all of them.
 *
 * The gate (--fail-if-slower PCT, --fail-if-more-memory PCT, --gate FUNC):
 * a gated figure fails when it is significantly worse and its change is
 * more than PCT percent. --fail-if-slower gates the wall time, every
 * stage's self time and the cumulative time of each --gate function;
 * --fail-if-more-memory the peak, allocated and leaked bytes.
 *
 * Ownership: struct cmp_report owns both sides (their reports) and every
 * array; cmp_release() frees all. Names point into the sides' reports.
 */
#ifndef MPROF_COMPARE_H
#define MPROF_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "multi.h"
#include "report.h"
#include "stats.h"

/* Function rows of the text when no --limit is given. */
#define CMP_TEXT_LIMIT 20

/* The exit status of a comparison whose gate failed. */
#define CMP_EXIT_GATE 4

struct report_stage;

enum cmp_status {
	CMP_BOTH,    /* on both sides */
	CMP_ADDED,   /* on the new side only */
	CMP_REMOVED, /* on the old side only */
};

enum cmp_verdict {
	CMP_SAME,
	CMP_NOISE,
	CMP_BETTER,
	CMP_WORSE,
	CMP_UNTESTED,
};

/* What a figure's test was made on. */
enum cmp_basis {
	CMP_BASIS_NONE,	  /* not tested */
	CMP_BASIS_RUNS,	  /* the runs of each side */
	CMP_BASIS_EVENTS, /* the events of one run a side (hand-offs) */
	CMP_BASIS_CALLS,  /* the calls of a function in one run a side */
};

/* What a figure measures: how it prints and which way is better. */
enum cmp_unit {
	CMP_NS,	   /* a time, lower is better */
	CMP_RATE,  /* records per second, higher is better */
	CMP_COUNT, /* a number of events, lower is better */
	CMP_BYTES, /* lower is better */
};

struct cmp_figure {
	enum cmp_unit unit;
	double *old, *new; /* one value per run of each side */
	struct stats_summary so, sn;
	double change; /* sn.median / so.median - 1; NAN when so.median is 0 */
	double p;      /* the test's p-value; 1 when not tested */
	enum cmp_basis basis;
	enum cmp_verdict verdict;
	bool small;		 /* significant, but smaller than --min-change: CMP_NOISE */
	enum cmp_verdict tested; /* the verdict before --min-change: the gate's */
};

struct cmp_func {
	const char *name;
	const char *file;  /* full path, from the new side if it has it; NULL if unknown */
	const char *label; /* pstats's "file.c:12(name)", likewise */
	enum cmp_status status;
	struct cmp_figure calls, self, cum;
	/* The function in the last run read of each side (old, new): with one
	 * run a side, its per-call histograms are tested. */
	const struct report_func *last[2];
};

struct cmp_stage {
	const char *name;
	enum cmp_status status;
	struct cmp_figure self, rate, latency, records;
	/* The self time on the CPU, tested where every run of both sides
	 * recorded off-CPU time: the figure a busy machine does not move. */
	struct cmp_figure oncpu;
	bool oncpu_unknown; /* a run did not record off-CPU time: oncpu untested */
	unsigned old_bottleneck, new_bottleneck; /* runs it was the bottleneck in */
};

struct cmp_site {
	const char *label;
	enum cmp_status status;
	struct cmp_figure allocs, bytes, leaked;
};

/* One run: the report of its traces, merged when there are several. */
struct cmp_run {
	char *dir;		   /* its directory; NULL for a side that is one trace */
	char **paths;		   /* its traces, the first process first */
	size_t npaths;		   /* >= 1 */
	struct report single;	   /* the report when npaths == 1 */
	struct multi_report multi; /* when npaths > 1 */
	const struct report *rep;
};

struct cmp_side {
	const char *path;
	bool dir; /* a directory of runs */
	struct cmp_run *runs;
	size_t nruns;
	struct report_options opt; /* the runs' options (no progress bar for a directory) */
};

/* A gated figure that failed. */
struct cmp_gate_failure {
	const char *what; /* "wall time", "stage", "function", "peak bytes", ... */
	const char *name; /* the stage's or function's name; NULL for a total */
	const struct cmp_figure *fig;
	double limit_pct;
};

struct cmp_report {
	const struct report_options *opt;
	struct cmp_side old, new;
	bool has_calls, has_memory;
	struct cmp_figure wall, self; /* the wall time, the self time of all functions */
	bool wall_known;	      /* every run tells its wall time (else wall is untested) */
	struct cmp_func *funcs;	      /* in the order above */
	size_t nfuncs;
	size_t added, removed; /* functions on one side only */
	struct cmp_stage *stages;
	size_t nstages;
	struct cmp_figure allocs, bytes, peak, leaked; /* memory totals */
	struct cmp_site *sites;			       /* by the absolute change of bytes */
	size_t nsites;
	size_t ntested;	     /* figures tested: the Benjamini-Hochberg family */
	size_t nsignificant; /* of them, significant */
	bool one_run;	     /* a side has one run: no noise estimate over runs */
	bool calls_tested;   /* one run a side: a function was tested over its calls */
	bool too_few;	     /* the runs cannot give any p-value small enough */
	/* What is compared: the runs are not all of one program (by the base
	 * name of the executable), or they are, but not all of one build (its
	 * build id). Each gets a warning in the text and one on stderr. */
	bool programs_differ, builds_differ;
	/* The gate, when an option asks for it. */
	bool gated;
	struct cmp_gate_failure *failures;
	size_t nfailures;
	bool gate_blind; /* a gated figure could not be tested (one run a side) */
	/* Storage of every figure's values. */
	double **blocks;
	size_t nblocks;
};

/*
 * Read both sides (opt->compare_old, opt->compare_new). Returns 0, or
 * EXIT_BADTRACE / EXIT_USAGE after printing why (a trace or a run that
 * cannot be read, a directory holding no runs).
 */
int cmp_load(struct cmp_report *cmp, const struct report_options *opt);

/*
 * Match the figures of the loaded sides, test them, order them as opt->sort
 * says and evaluate the gate. Returns 0, or EXIT_USAGE after printing that
 * a --gate function is on neither side.
 */
int cmp_build(struct cmp_report *cmp);
void cmp_release(struct cmp_report *cmp);

/* old / new, or 0 if either is 0. */
double cmp_ratio(uint64_t old, uint64_t new);

/* The figure's values on one side, a run per value. */
static inline size_t cmp_nruns(const struct cmp_report *cmp, bool new)
{
	return new ? cmp->new.nruns : cmp->old.nruns;
}

/* The first run of a side: what its header line names. */
static inline const struct report *cmp_first(const struct cmp_side *s)
{
	return s->runs[0].rep;
}

/*
 * Load, build and render the comparison to `out` with opt->kind. Returns 0,
 * CMP_EXIT_GATE when the gate failed (after the comparison is printed),
 * EXIT_USAGE after printing that the sort key does not apply, or
 * EXIT_BADTRACE after printing why a side could not be read.
 */
int cmp_run(const struct report_options *opt, FILE *out);

/* Release the runs of a side (compare_load.c). */
void cmp_side_release(struct cmp_side *s);

/* Renderers (report_compare_text.c, report_compare_json.c). */
int report_compare_text(const struct cmp_report *cmp, FILE *out);
int report_compare_json(const struct cmp_report *cmp, FILE *out);

#endif
