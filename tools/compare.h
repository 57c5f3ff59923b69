/* SPDX-License-Identifier: MIT */
/*
 * compare.h - the re-measure step, `mprof-report --compare OLD NEW`: the
 * same functions and stages in two traces, old against new.
 *
 * Functions are matched by name and source file (its base name, so that the
 * same source built in two trees matches), never by address, which differs
 * between runs and builds; functions of one trace with the same name and
 * file (a static function in two modules) are summed. A function in only
 * one trace is listed as added or removed, its other side zero. Rows are
 * ordered by the absolute change of cumulative time (--sort tottime: of self
 * time; ncalls: of calls; name: by name), the largest first, ties by name.
 * Stages are matched by name, in the new trace's pull order, then those
 * only the old trace has. The text shows CMP_TEXT_LIMIT function rows unless
 * --limit says otherwise; the JSON all of them.
 *
 * Ratios are speedups, old / new: 4.0 means four times faster (or, for a
 * throughput, new / old: four times the rate). cmp_ratio() is 0 when it is
 * undefined (a side is zero).
 *
 * Ownership: the comparison points into the two reports, which must outlive
 * it; cmp_release() frees its own arrays.
 */
#ifndef MPROF_COMPARE_H
#define MPROF_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report.h"

/* Function rows of the text when no --limit is given. */
#define CMP_TEXT_LIMIT 20

struct report_stage;

enum cmp_status {
	CMP_BOTH,    /* in both traces */
	CMP_ADDED,   /* in the new trace only */
	CMP_REMOVED, /* in the old trace only */
};

struct cmp_func {
	const char *name;
	const char *file;  /* full path, from the new trace if it has it; NULL if unknown */
	const char *label; /* pstats's "file.c:12(name)", likewise */
	enum cmp_status status;
	uint64_t old_calls, new_calls;
	uint64_t old_self_ns, new_self_ns;
	uint64_t old_cum_ns, new_cum_ns;
};

struct cmp_stage {
	const char *name;
	enum cmp_status status;
	const struct report_stage *old, *new; /* NULL on the side that lacks it */
};

struct cmp_report {
	const struct report_options *opt;
	const struct report *old, *new;
	struct cmp_func *funcs; /* in the order above */
	size_t nfuncs;
	size_t added, removed; /* functions in one trace only */
	struct cmp_stage *stages;
	size_t nstages;
};

/* Match the functions and stages of `old` and `new` and order them as opt->sort says. */
void cmp_build(struct cmp_report *cmp, const struct report_options *opt, const struct report *old,
	       const struct report *new);
void cmp_release(struct cmp_report *cmp);

/* old / new, or 0 if either is 0. */
double cmp_ratio(uint64_t old, uint64_t new);

/*
 * Read the traces opt->compare_old and opt->compare_new and render their
 * comparison to `out` with opt->kind. Returns 0, EXIT_USAGE after printing
 * that the sort key does not apply, or EXIT_BADTRACE after printing why a
 * trace could not be read.
 */
int cmp_run(const struct report_options *opt, FILE *out);

/* Renderers (report_compare_text.c, report_compare_json.c). */
int report_compare_text(const struct cmp_report *cmp, FILE *out);
int report_compare_json(const struct cmp_report *cmp, FILE *out);

#endif
