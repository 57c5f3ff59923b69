/* SPDX-License-Identifier: MIT */
/*
 * stage.c - stage metrics (mprof_stage_* in mprof.h): a fixed accumulator
 * per stage, a per-thread nesting stack so a consumer's self time excludes
 * the upstream stages it pulls from, and, when recording, one trace record
 * per begin and per end.
 */
#include <string.h>

#include "clock.h"
#include "compiler.h"
#include "mprof.h"
#include "offcpu.h"
#include "runtime.h"
#include "thread.h"
#include "writer.h"

_Static_assert(sizeof(struct mprof_stage) == 64, "the stage accumulator is one cache line");

#define STAGE_NEST_MAX 16

/* The stages open on this thread, innermost last. */
static __thread struct {
	struct mprof_stage *stage;
	uint64_t start;
} stage_stack[STAGE_NEST_MAX] TLS_IE;
static __thread unsigned stage_depth TLS_IE;

static unsigned stage_ids; /* last id handed out */

/* Write a stage record of up to 3 words plus `extra` bytes. Guard held. */
NOINSTR static void stage_record(unsigned type, uint32_t id, uint64_t w1, uint64_t w2,
				 unsigned nwords, const char *extra, size_t len)
{
	struct thread_state *t = thread_get();
	uint64_t *before, *p;

	if (t == NULL)
		return;
	before = t->end;
	if (offcpu_switched(t)) /* in the stage open until now */
		offcpu_note(t);
	p = thread_reserve(t, nwords);
	if (p == NULL) {
		thread_drop(t, 1);
		return;
	}
	/* A begin or end (w1: its ticks) whose clock was read before the
	 * runtime made room (a PAUSE) reads it again: no stage event precedes
	 * that pause, or its chunk's open point (trace_format.h). */
	if (t->end != before && !extra)
		w1 = clock_ticks();
	if (extra) {
		p[nwords - 1] = 0;
		memcpy(p + 2, extra, len);
	} else if (nwords > 2) {
		p[2] = w2;
	}
	p[1] = w1;
	barrier();
	p[0] = trace_ext_word(type, nwords, id);
	t->pos = p + nwords;
	t->events++;
}

NOINSTR static bool stage_recording(void)
{
	return runtime_active() && runtime_cfg.stages && !tls_guard;
}

MPROF_EXPORT void mprof_stage_init(struct mprof_stage *s, const char *name)
{
	size_t len = strnlen(name, TRACE_STAGE_NAME_MAX);

	memset(s, 0, sizeof(*s));
	s->name = name;
	s->id = __atomic_add_fetch(&stage_ids, 1, __ATOMIC_RELAXED);
	if (__atomic_load_n(&runtime_state, __ATOMIC_ACQUIRE) == RT_UNINIT)
		runtime_init();
	if (!stage_recording())
		return;
	tls_guard++;
	stage_record(TRACE_EXT_STAGE_DEF, s->id, len, 0, 2 + (unsigned)((len + 7) / 8), name, len);
	tls_guard--;
}

MPROF_EXPORT void mprof_stage_begin(struct mprof_stage *s)
{
	uint64_t now = clock_ticks();

	if (s->first == 0)
		s->first = now;
	if (s->mark) /* the downstream consumer had the last hand-off till now */
		s->waiting += now - s->mark;
	s->mark = 0;
	if (stage_depth < STAGE_NEST_MAX) {
		stage_stack[stage_depth].stage = s;
		stage_stack[stage_depth].start = now;
	}
	stage_depth++;
	if (stage_recording()) {
		tls_guard++;
		stage_record(TRACE_EXT_STAGE_BEGIN, s->id, now, 0, 2, NULL, 0);
		tls_guard--;
	}
}

MPROF_EXPORT void mprof_stage_end(struct mprof_stage *s, unsigned long records)
{
	uint64_t now = clock_ticks();
	unsigned d = stage_depth;

	/* Find s on the nesting stack (the top, unless a begin or end was
	 * skipped); its time counts as nested in the stage below it. */
	while (d > 0 && (d > STAGE_NEST_MAX || stage_stack[d - 1].stage != s))
		d--;
	if (d > 0) {
		uint64_t span = now - stage_stack[d - 1].start;

		s->busy += span;
		if (d > 1 && d - 2 < STAGE_NEST_MAX)
			stage_stack[d - 2].stage->nested += span;
		stage_depth = d - 1;
	}
	s->records += records;
	if (records) {
		s->handoffs++;
		s->mark = now;
	}
	if (stage_recording()) {
		tls_guard++;
		stage_record(TRACE_EXT_STAGE_END, s->id, now, records, 3, NULL, 0);
		tls_guard--;
	}
}

/* Nanoseconds per tick: the runtime's calibration, or one made here once
 * (concurrent callers compute the same) when nothing is recorded. */
NOINSTR static double stage_ns_per_tick(void)
{
	static double slope;
	const struct trace_file_header *h = writer.hdr;

	if (h && h->start_cal.ticks > h->start.ticks)
		return (double)(h->start_cal.ns - h->start.ns) /
		       (double)(h->start_cal.ticks - h->start.ticks);
	if (!clock_tsc)
		return 1.0; /* the ticks are CLOCK_MONOTONIC nanoseconds */
	if (slope == 0) {
		struct trace_clock_point a, b;

		clock_point(&a);
		clock_calibrate(&a, 200000, &b);
		slope = (double)(b.ns - a.ns) / (double)(b.ticks - a.ticks);
	}
	return slope;
}

MPROF_EXPORT void mprof_stage_metrics(const struct mprof_stage *s, struct mprof_stage_metrics *m)
{
	double k = stage_ns_per_tick();
	uint64_t self = s->busy > s->nested ? s->busy - s->nested : 0;

	memset(m, 0, sizeof(*m));
	m->records = s->records;
	m->handoffs = s->handoffs;
	/* From the first begin to the last end: the stage was either working
	 * (busy) or waiting for its consumer. */
	m->elapsed_ns = (unsigned long long)((double)(s->busy + s->waiting) * k);
	m->self_ns = (unsigned long long)((double)self * k);
	if (s->handoffs)
		m->mean_latency_ns = (unsigned long long)((double)s->waiting * k / s->handoffs);
	if (m->elapsed_ns)
		m->throughput_per_s = (double)s->records * 1e9 / (double)m->elapsed_ns;
}
