/* SPDX-License-Identifier: MIT */
/*
 * mprof.h - the one installed header of mprof.
 *
 * Function timing needs no header: build with the flags of
 * `pkg-config --cflags --libs mprof` and every function's entry and exit is
 * recorded to trace.bin. Allocations need none either: run the program with
 * LD_PRELOAD=libmprof.so (or link it with -lmprof). See libmprof(3).
 *
 * This header carries what a program may call explicitly. Every function is
 * declared weak: a program that includes it runs unchanged when it is
 * neither linked with -lmprof nor run under LD_PRELOAD, the calls then doing
 * nothing. Call through the macros, which test for the function first:
 *
 *	#include <mprof.h>
 *	...
 *	MPROF_SNAPSHOT("before load");
 *	load();
 *	MPROF_SNAPSHOT("after load");
 *
 * and then `mprof-report --diff "before load" "after load" trace.bin`.
 * (The weak reference is resolved at run time, so the program must be
 * dynamically linked; with LD_PRELOAD that needs a PIE or -fPIC build,
 * which is the default on Debian.)
 */
#ifndef MPROF_H
#define MPROF_H

#define MPROF_VERSION_MAJOR 0
#define MPROF_VERSION_MINOR 1

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Mark this moment in the trace with `label` (at most 255 bytes are kept).
 * The reporter computes the live heap at every marker; --diff compares two
 * of them. Safe from any thread; does nothing when mprof is not recording.
 */
void mprof_snapshot(const char *label) __attribute__((weak));

/* ------------------------------------------------------------ stages */

/*
 * Stage metrics: the C counterpart of a @measured_stage decorator, for
 * pipelines built as pull iterators (each stage's next() asks its upstream
 * stage for records). Wrap a stage's next() in mprof_stage_begin() and
 * mprof_stage_end():
 *
 *	static struct mprof_stage features;
 *	mprof_stage_init(&features, "features");
 *	...
 *	size_t features_next(struct batch *out)
 *	{
 *		mprof_stage_begin(&features);
 *		size_t n = normalize_next(&in) ? compute(&in, out) : 0;
 *		mprof_stage_end(&features, n);
 *		return n;
 *	}
 *
 * and read the figures when the stage is exhausted with
 * mprof_stage_metrics(), with or without a trace. When the process records
 * (MPROF_EVENTS includes stages, the default), every begin and end is also
 * written to the trace and mprof-report prints the stage table.
 *
 * A stage may hand records on one at a time or in batches (cheaper to
 * measure: a begin/end pair costs about 25 ns when recording).
 *
 * Semantics: a stage's latency for a hand-off is the time from handing
 * records downstream (mprof_stage_end) to being asked for more
 * (mprof_stage_begin): the downstream consumer's time. Its self time is
 * the time between its begin and end less the time spent inside upstream
 * stages' begin/end pairs nested in it: the stage's own work. The
 * pipeline's bottleneck is the stage with the largest self time.
 *
 * The accumulator is a fixed struct of 64 bytes (one cache line): no
 * allocation, no hash map, whatever the number of records. These functions
 * need libmprof (link with -lmprof); they are not weak.
 */
struct mprof_stage {
	const char *name;	    /* not copied: must outlive the stage */
	unsigned long long records; /* records handed downstream */
	unsigned long long busy;    /* ticks between begin and end, all calls */
	unsigned long long nested;  /* ticks of upstream stages inside those */
	unsigned long long waiting; /* ticks from each hand-off to the next begin */
	unsigned long long first;   /* ticks of the first begin, 0 before */
	unsigned long long mark;    /* ticks of the last hand-off, 0 if none since */
	unsigned int id;	    /* the stage's number in the trace */
	unsigned int handoffs;	    /* mprof_stage_end calls that handed records on */
};

/* What a stage has measured, in nanoseconds. */
struct mprof_stage_metrics {
	unsigned long long records;
	unsigned long long elapsed_ns;	    /* first begin to last end */
	unsigned long long self_ns;	    /* its own work */
	unsigned long long handoffs;	    /* ends that handed records on */
	unsigned long long mean_latency_ns; /* waiting per hand-off */
	double throughput_per_s;	    /* records / elapsed */
};

/* Name a stage and register it in the trace. `name` must outlive it. */
void mprof_stage_init(struct mprof_stage *s, const char *name);
/* The stage is asked for its next record. */
void mprof_stage_begin(struct mprof_stage *s);
/* The stage answers, handing `records` records downstream (0: it is
 * exhausted, or had nothing this time). */
void mprof_stage_end(struct mprof_stage *s, unsigned long records);
/* The figures so far. Safe at any time, also when nothing is recorded. */
void mprof_stage_metrics(const struct mprof_stage *s, struct mprof_stage_metrics *m);

#ifdef __cplusplus
}
#endif

#define MPROF_SNAPSHOT(label)                  \
	do {                                   \
		if (mprof_snapshot)            \
			mprof_snapshot(label); \
	} while (0)

#endif
