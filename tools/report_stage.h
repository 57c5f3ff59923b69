/* SPDX-License-Identifier: MIT */
/*
 * report_stage.h - the stage part of a report: the stages of the traced
 * pipeline (stagestats.h), merged by name across threads, in pull order
 * (upstream first), their figures in nanoseconds; the bottleneck, and the
 * one line that says why the stages upstream of it show high latencies.
 *
 *	stage      records  records/s  lat_mean_us  lat_p50_us  lat_p99_us  self_ms  self%
 *	generate    200000   14871292       33.778      33.101      40.221    1.074   4.0%
 *
 * Where the trace recorded off-CPU time (report_offcpu), the self time is
 * split too: a stage waiting on a queue inside its span is not working.
 *
 * Latency is per hand-off: from a stage's mprof_stage_end() that handed
 * records on to its next mprof_stage_begin(), the time its consumers took.
 *
 * Ownership: report_stage_build() hangs everything on rep->stages;
 * report_stage_release() frees it. Names belong to the struct ss_profile,
 * which must outlive the report.
 */
#ifndef MPROF_REPORT_STAGE_H
#define MPROF_REPORT_STAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report.h"

struct ss_profile;
struct ss_hist;

struct report_stage {
	const char *name;
	uint64_t records;  /* handed downstream */
	uint64_t handoffs; /* ends that handed records on */
	uint64_t samples;  /* latency samples: hand-offs the stage was asked again after */
	uint64_t elapsed_ns, busy_ns, self_ns;
	uint64_t off_self_ns;	 /* of self_ns, off the CPU (0 unless the report splits times) */
	double throughput_per_s; /* records / elapsed; 0 if no time elapsed */
	uint64_t latency_ns;	 /* all samples' */
	uint64_t mean_latency_ns, p50_latency_ns, p99_latency_ns;
	unsigned instances; /* stage instances (ids on threads) merged */
	/* The latency samples, in ticks of ns_per_tick; NULL for a merged
	 * report's stage (multi.h), whose processes' clocks differ. */
	const struct ss_hist *latency_hist;
	double ns_per_tick;
};

struct report_stages {
	struct report_stage *rows; /* pull order: upstream first */
	size_t n;
	uint64_t self_ns;		       /* all stages' */
	const struct report_stage *bottleneck; /* report_stage_pick(); NULL if none */
	bool split; /* off-CPU time recorded: the rows' off_self_ns are real */
	const struct report_stage **upstream; /* the stages that run inside it, pull order */
	size_t nupstream;
	size_t threads; /* threads with stage events */
	uint64_t unmatched_ends, open_at_end;
};

/* Build rep->stages from `p` (left NULL if the trace has no stage events). */
void report_stage_build(struct report *rep, const struct ss_profile *p,
			const struct trace_clock *clk);
void report_stage_release(struct report *rep);

/*
 * The bottleneck's line, without a newline; nothing if there is none:
 * "bottleneck: features (self 62.100 ms, 71.0% of all stage self time);
 * generate, filter and normalize run inside it and wait for it after each
 * hand-off: its self time is 80-97% of their latency". Where off-CPU time
 * was recorded (split), the parenthesis is "(on-CPU self 30.012 ms, 64.0%
 * of all stage on-CPU self time; self 58.400 ms)", and when another stage
 * has the largest self time the line ends "; normalize has the largest
 * self time (80.000 ms), but 60.000 ms of it off the CPU: a stage that
 * waits (on I/O, a lock, or for a CPU) is not the bottleneck because it
 * waits".
 */
void report_stage_bottleneck(const struct report_stages *st, FILE *out);

/*
 * The bottleneck of `st`: the stage of the largest self time on the CPU
 * where off-CPU time was recorded (split), of the largest self time
 * otherwise (ties: the larger self time, then the first); NULL if no stage
 * has any self time. A stage waiting on a queue, a lock or its disk is not
 * the bottleneck because it waits.
 */
const struct report_stage *report_stage_pick(const struct report_stages *st);

/* The stage of the largest self time (the first of equals), or NULL. */
const struct report_stage *report_stage_largest(const struct report_stages *st);

/* The stage named `name` of `st` (which may be NULL), or NULL. */
const struct report_stage *report_stage_find(const struct report_stages *st, const char *name);

/* The stage table in text, after the call report (report_stage_text.c). */
void report_stage_text(const struct report *rep, FILE *out);

/* The "stages" and "bottleneck" members, each line starting with ",\n" (report_stage_json.c). */
void report_stage_json(const struct report *rep, FILE *out);

#endif
