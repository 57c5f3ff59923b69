/* SPDX-License-Identifier: MIT */
/*
 * stagestats.h - the stage metrics of a trace (mprof_stage_* of mprof.h),
 * rebuilt from its stage begins and ends per thread in program order, per
 * stage id, then merged by stage name across threads (a pipeline that runs
 * one instance of each stage per worker thread has one row per name).
 *
 * Semantics, those of libprofile/stage.c, on each thread:
 *   begin  the stage is asked for records: a span opens on the thread's
 *          nesting stack. If the stage handed records on and has not been
 *          asked since, the time from that hand-off to this begin is one
 *          latency sample: the downstream consumer's time.
 *   end    the span of the same stage nearest the top of the stack closes
 *          (spans above it, begun and never ended, are dropped). Its length
 *          is busy time of the stage, and nested time of the span below it
 *          (the consumer that pulled it, which is then recorded as running
 *          it inside); busy less the nested time of the spans inside it is
 *          the stage's self time, its own work. An end that finds no span
 *          of its stage closes none and counts as unmatched. Either way its
 *          records count, and if there are any it is a hand-off: the mark
 *          the next begin measures the latency from.
 * Durations on a thread exclude the runtime's pauses (trace_chunk_unpaused()).
 * Off-CPU time (ss_offcpu()) goes to the innermost span open on its thread;
 * a stage's off-CPU self time is what its spans got, never more than their
 * self time.
 * A stage's elapsed time runs from its first begin to its last end, across
 * threads; the pauses the thread of that last end took during its own
 * first begin..last end are taken out of it (for one thread: all of them).
 *
 * Latencies are kept in a log-linear histogram (struct ss_hist): exact below
 * 256 ticks, then 128 buckets per power of two, so a percentile is within
 * 0.4% of the true sample; the mean is exact. Memory never grows with the
 * number of events: at most 57 blocks of 128 counters per stage and thread.
 *
 * A thread keeps at most 4096 open spans: begins deeper than that (that
 * never end, in practice) are not kept; their ends close an older span of
 * their stage, or count as unmatched.
 *
 * Ownership: the profile owns its threads, stages and names; they stay valid
 * until ss_profile_release().
 */
#ifndef MPROF_STAGESTATS_H
#define MPROF_STAGESTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace_read.h"

#define SS_HIST_SUB_BITS 7
#define SS_HIST_SUB	 (1u << SS_HIST_SUB_BITS)
#define SS_HIST_OCTAVES	 (64 - SS_HIST_SUB_BITS)

/* A distribution of tick counts. */
struct ss_hist {
	uint64_t count, sum; /* samples, and their exact sum */
	uint64_t min, max;   /* valid if count */
	/* Octave 0: 2 * SS_HIST_SUB counters, one per value; octave o >= 1:
	 * SS_HIST_SUB counters of width 2^o from SS_HIST_SUB << o. NULL until
	 * a sample falls in it. */
	uint64_t *octaves[SS_HIST_OCTAVES];
};

void ss_hist_add(struct ss_hist *h, uint64_t v);
/* Add the samples of `src` to `dst`. */
void ss_hist_merge(struct ss_hist *dst, const struct ss_hist *src);
/*
 * The p-th percentile (0 < p <= 100): the smallest sample value v such that
 * at least p% of the samples are <= v (the nearest rank), as the middle of
 * its bucket, within [min, max]; the largest sample exactly for the last
 * rank. 0 without samples.
 */
uint64_t ss_hist_percentile(const struct ss_hist *h, double p);
void ss_hist_release(struct ss_hist *h);

/* One stage, all its instances merged by name. Times in ticks. */
struct ss_stage {
	char *name;
	uint64_t records;  /* records handed downstream */
	uint64_t handoffs; /* ends that handed records on */
	uint64_t busy;	   /* begin..end spans */
	uint64_t self;	   /* busy less the stage spans inside them */
	uint64_t off_self; /* ticks of self the threads were off the CPU */
	struct ss_hist latency;
	bool begun, ended;    /* it has a begin, an end */
	uint64_t first, last; /* tick counts of the first begin and the last end */
	uint64_t elapsed;     /* first begin to last end, pauses out (see above) */
	unsigned instances;   /* stage ids on threads merged into it */
	unsigned depth;	      /* stages it runs inside, directly or not */
};

struct ss_thread;

struct ss_profile {
	struct ss_thread **threads; /* in order of first stage event */
	size_t nthreads, threads_alloc;
	struct ss_thread *last_thread;
	uint64_t events;	 /* begins and ends taken */
	uint64_t unmatched_ends; /* ends that found no span of their stage */
	uint64_t open_at_end;	 /* spans still open when their thread's records ended */
	/* After ss_profile_finish(): */
	struct ss_stage *stages; /* pull order: upstream first (deepest first, then
				  * by first begin, then by name) */
	size_t nstages;
	bool *inside;	   /* inside[i * nstages + j]: stage i runs inside j; NULL
			    * beyond 1024 stages (no order by nesting then) */
	size_t bottleneck; /* the stage of largest self time; SIZE_MAX if none (the report
			   * names its own: report_stage_pick(), on the CPU where it can) */
};

void ss_profile_init(struct ss_profile *p);

/*
 * Take the stage event `ev` (TRACE_EV_STAGE_BEGIN or TRACE_EV_STAGE_END,
 * described by `s`) of thread `serial`, in that thread's program order;
 * `unpaused` is s->ticks with the thread's pauses taken out.
 */
void ss_event(struct ss_profile *p, uint32_t serial, int ev, const struct trace_stage *s,
	      uint64_t unpaused);

/* Thread `serial` was off the CPU for `ticks` since its last event. */
void ss_offcpu(struct ss_profile *p, uint32_t serial, uint64_t ticks);

/*
 * Count the spans left open, merge the stages by their names in `r` (an id
 * the trace does not define is named "stage#ID"), order them, relate them,
 * and find the bottleneck.
 */
void ss_profile_finish(struct ss_profile *p, const struct trace_reader *r);

/* True if stage i runs inside stage j (directly or through others). */
static inline bool ss_runs_inside(const struct ss_profile *p, size_t i, size_t j)
{
	return p->inside && p->inside[i * p->nstages + j];
}

void ss_profile_release(struct ss_profile *p);

#endif
