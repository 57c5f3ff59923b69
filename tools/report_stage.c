// SPDX-License-Identifier: MIT
/*
 * report_stage.c - from the stage metrics (stagestats) to the stage part of
 * the report: ticks to nanoseconds, latency percentiles, the bottleneck and
 * the stages upstream of it, and the line that explains them (see
 * report_stage.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "report_stage.h"
#include "stagestats.h"

static void stage_row(struct report_stage *row, const struct ss_stage *s,
		      const struct trace_clock *clk)
{
	const struct ss_hist *h = &s->latency;

	row->name = s->name;
	row->records = s->records;
	row->handoffs = s->handoffs;
	row->samples = h->count;
	row->elapsed_ns = trace_clock_span(clk, s->elapsed);
	row->busy_ns = trace_clock_span(clk, s->busy);
	row->self_ns = trace_clock_span(clk, s->self);
	row->off_self_ns = trace_clock_span(clk, s->off_self);
	if (row->elapsed_ns)
		row->throughput_per_s = (double)s->records * 1e9 / (double)row->elapsed_ns;
	row->latency_ns = trace_clock_span(clk, h->sum);
	if (h->count) {
		double mean = (double)h->sum * clk->ns_per_tick / (double)h->count;

		/* In range before the conversion: a damaged trace can make it anything. */
		row->mean_latency_ns = mean >= 1.8e19 ? UINT64_MAX
				       : mean >= 0    ? (uint64_t)(mean + 0.5)
						      : 0;
		row->p50_latency_ns = trace_clock_span(clk, ss_hist_percentile(h, 50));
		row->p99_latency_ns = trace_clock_span(clk, ss_hist_percentile(h, 99));
	}
	row->instances = s->instances;
	row->latency_hist = h;
	row->ns_per_tick = clk->ns_per_tick;
}

const struct report_stage *report_stage_find(const struct report_stages *st, const char *name)
{
	for (size_t i = 0; st && i < st->n; i++) {
		if (!strcmp(st->rows[i].name, name))
			return &st->rows[i];
	}
	return NULL;
}

void report_stage_build(struct report *rep, const struct ss_profile *p,
			const struct trace_clock *clk)
{
	struct report_stages *st;
	const struct report_stage *pick;
	size_t i, b;

	if (!p->events)
		return;
	rep->stages = st = xcalloc(1, sizeof(*st));
	st->n = p->nstages;
	st->rows = xcalloc(p->nstages + 1, sizeof(*st->rows));
	st->upstream = xcalloc(p->nstages + 1, sizeof(*st->upstream));
	st->threads = p->nthreads;
	st->unmatched_ends = p->unmatched_ends;
	st->open_at_end = p->open_at_end;
	for (i = 0; i < p->nstages; i++) {
		stage_row(&st->rows[i], &p->stages[i], clk);
		if (!rep->offcpu.columns)
			st->rows[i].off_self_ns = 0;
		st->self_ns += st->rows[i].self_ns;
	}
	/* A thread without readings would count all on the CPU. */
	st->split = rep->offcpu.columns && !rep->offcpu.missing;
	pick = report_stage_pick(st);
	if (!pick)
		return;
	b = (size_t)(pick - st->rows);
	st->bottleneck = pick;
	for (i = 0; i < p->nstages; i++) {
		if (ss_runs_inside(p, i, b))
			st->upstream[st->nupstream++] = &st->rows[i];
	}
}

void report_stage_release(struct report *rep)
{
	struct report_stages *st = rep->stages;

	if (!st)
		return;
	free(st->rows);
	free(st->upstream);
	free(st);
	rep->stages = NULL;
}

/* ----------------------------------------------------------- bottleneck */

/* "a", "a and b", "a, b and c". */
static void name_list(const struct report_stages *st, FILE *out)
{
	size_t i;

	for (i = 0; i < st->nupstream; i++) {
		if (i)
			fputs(i + 1 == st->nupstream ? " and " : ", ", out);
		fputs(st->upstream[i]->name, out);
	}
}

/* The bottleneck's self time as a share of each upstream stage's latency. */
static bool shares(const struct report_stages *st, double *lo, double *hi)
{
	bool any = false;
	size_t i;

	for (i = 0; i < st->nupstream; i++) {
		double share;

		if (!st->upstream[i]->latency_ns)
			continue;
		share =
		    100.0 * (double)st->bottleneck->self_ns / (double)st->upstream[i]->latency_ns;
		share = share > 100 ? 100 : share;
		*lo = any && *lo < share ? *lo : share;
		*hi = any && *hi > share ? *hi : share;
		any = true;
	}
	return any;
}

static uint64_t oncpu(const struct report_stage *s)
{
	return s->self_ns - (s->off_self_ns < s->self_ns ? s->off_self_ns : s->self_ns);
}

/* The bottleneck's order: the larger on-CPU self time where split, then the larger self time. */
static bool busier(const struct report_stages *st, const struct report_stage *a,
		   const struct report_stage *b)
{
	if (st->split && oncpu(a) != oncpu(b))
		return oncpu(a) > oncpu(b);
	return a->self_ns > b->self_ns;
}

const struct report_stage *report_stage_pick(const struct report_stages *st)
{
	const struct report_stage *best = NULL;

	for (size_t i = 0; i < st->n; i++) {
		if (st->rows[i].self_ns && (!best || busier(st, &st->rows[i], best)))
			best = &st->rows[i];
	}
	return best;
}

const struct report_stage *report_stage_largest(const struct report_stages *st)
{
	const struct report_stage *best = NULL;

	for (size_t i = 0; i < st->n; i++) {
		if (st->rows[i].self_ns && (!best || st->rows[i].self_ns > best->self_ns))
			best = &st->rows[i];
	}
	return best;
}

/*
 * "; normalize has the largest self time (...), but ... of it off the
 * CPU: ..." when the stage of the largest self time is not the bottleneck.
 */
static void waiting_clause(const struct report_stages *st, FILE *out)
{
	const struct report_stage *w = report_stage_largest(st);

	if (!st->split || !w || w == st->bottleneck)
		return;
	fprintf(out,
		"; %s has the largest self time (%.3f ms), but %.3f ms of it off the CPU: a stage"
		" that waits (on I/O, a lock, or for a CPU) is not the bottleneck because it waits",
		w->name, (double)w->self_ns / 1e6, (double)(w->self_ns - oncpu(w)) / 1e6);
}

/* "generate, filter and normalize run inside it ...": why the stages upstream wait. */
static void upstream_clause(const struct report_stages *st, FILE *out)
{
	double lo = 0, hi = 0;

	if (!st->nupstream) {
		fputs("no other stage runs inside it: its time is in the busy time of the stages "
		      "that pull from it, in no stage's latency",
		      out);
		return;
	}
	name_list(st, out);
	fputs(st->nupstream == 1 ? " runs inside it and waits for it"
				 : " run inside it and wait for it",
	      out);
	fputs(" after each hand-off", out);
	if (!shares(st, &lo, &hi))
		return;
	fputs(": its self time is ", out);
	if ((int)(lo + 0.5) == (int)(hi + 0.5))
		fprintf(out, "%.0f%%", hi);
	else
		fprintf(out, "%.0f-%.0f%%", lo, hi);
	if (st->nupstream == 1)
		fprintf(out, " of %s's latency", st->upstream[0]->name);
	else
		fputs(" of their latency", out);
}

void report_stage_bottleneck(const struct report_stages *st, FILE *out)
{
	const struct report_stage *b = st->bottleneck;
	uint64_t total = 0;

	if (!b)
		return;
	if (st->split) {
		for (size_t i = 0; i < st->n; i++)
			total += oncpu(&st->rows[i]);
		fprintf(out,
			"bottleneck: %s (on-CPU self %.3f ms, %.1f%% of all stage on-CPU self time;"
			" self %.3f ms); ",
			b->name, (double)oncpu(b) / 1e6,
			total ? 100.0 * (double)oncpu(b) / (double)total : 0.0,
			(double)b->self_ns / 1e6);
	} else {
		fprintf(out, "bottleneck: %s (self %.3f ms, %.1f%% of all stage self time); ",
			b->name, (double)b->self_ns / 1e6,
			st->self_ns ? 100.0 * (double)b->self_ns / (double)st->self_ns : 0.0);
	}
	upstream_clause(st, out);
	waiting_clause(st, out);
}
