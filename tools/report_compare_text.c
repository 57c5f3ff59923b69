// SPDX-License-Identifier: MIT
/*
 * report_compare_text.c - the comparison of two traces in text: the total
 * speedup first, then each stage as "features: self 62.100 ms -> 15.000 ms
 * (4.14x faster)" with its throughput, then the functions, old -> new, by
 * the size of their change. Times in milliseconds.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "compare.h"
#include "report_stage.h"

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

/* "4.10x faster", "1.25x slower", "same", or "-" when a side is zero. */
static const char *speed(char *buf, size_t len, uint64_t old, uint64_t new)
{
	if (old == new)
		snprintf(buf, len, "same");
	else if (!old || !new)
		snprintf(buf, len, "-");
	else if (new < old)
		snprintf(buf, len, "%.2fx faster", (double)old / (double)new);
	else
		snprintf(buf, len, "%.2fx slower", (double)new / (double)old);
	return buf;
}

/* The same for a rate: "1.39x higher", "1.25x lower". */
static const char *rate(char *buf, size_t len, double old, double new)
{
	if (old == new)
		snprintf(buf, len, "same");
	else if (old <= 0 || new <= 0)
		snprintf(buf, len, "-");
	else if (new > old)
		snprintf(buf, len, "%.2fx higher", new / old);
	else
		snprintf(buf, len, "%.2fx lower", old / new);
	return buf;
}

static void side(const char *which, const struct report *rep, FILE *out)
{
	fprintf(out, "   %s: %s (pid %u), %zu thread%s, ", which,
		rep->hdr->exe[0] ? rep->hdr->exe : "(unknown program)", rep->hdr->pid,
		rep->nthreads, rep->nthreads == 1 ? "" : "s");
	if (rep->wall_known)
		fprintf(out, "wall %.3f ms\n", ms(rep->wall_ns));
	else
		fputs("wall unknown\n", out);
	report_text_lost(&rep->lost_by, "        ", out);
}

/* One line when a trace was recorded with filters: what each side left out. */
static void filters_note(const struct cmp_report *cmp, FILE *out)
{
	const struct trace_record_filters *o = cmp->old->record_filters;
	const struct trace_record_filters *n = cmp->new->record_filters;

	if (!o && !n)
		return;
	if (trace_record_filters_equal(o, n)) {
		fputs("   note: both traces were recorded with filters: ", out);
		report_text_record_filters(n, out);
		fputc('\n', out);
		return;
	}
	fputs("   note: the traces were recorded with different filters (old: ", out);
	report_text_record_filters(o, out);
	fputs("; new: ", out);
	report_text_record_filters(n, out);
	fputs("): the calls they left out differ, and so do the times\n", out);
}

static void totals(const struct cmp_report *cmp, FILE *out)
{
	const struct report *o = cmp->old, *n = cmp->new;
	char buf[64];

	if (o->wall_known && n->wall_known)
		fprintf(out, "Speedup: wall %.3f ms -> %.3f ms (%s)", ms(o->wall_ns),
			ms(n->wall_ns), speed(buf, sizeof(buf), o->wall_ns, n->wall_ns));
	else
		fputs("Speedup: wall unknown (a trace does not tell its wall time)", out);
	if (o->has_calls || n->has_calls)
		fprintf(out, "; self time of all functions %.3f ms -> %.3f ms (%s)",
			ms(o->merged.total_self_ns), ms(n->merged.total_self_ns),
			speed(buf, sizeof(buf), o->merged.total_self_ns, n->merged.total_self_ns));
	fputs("\n\n", out);
}

/* A time of a stage that may be missing: "14.853 ms" or "-". */
static const char *stage_ms(char *buf, size_t len, const struct report_stage *s)
{
	if (s)
		snprintf(buf, len, "%.3f ms", ms(s->self_ns));
	else
		snprintf(buf, len, "-");
	return buf;
}

static const char *stage_rate(char *buf, size_t len, const struct report_stage *s)
{
	if (s)
		snprintf(buf, len, "%.0f", s->throughput_per_s);
	else
		snprintf(buf, len, "-");
	return buf;
}

static void stages(const struct cmp_report *cmp, FILE *out)
{
	const struct report_stages *o = cmp->old->stages, *n = cmp->new->stages;
	size_t i, w = 0;

	if (!cmp->nstages)
		return;
	for (i = 0; i < cmp->nstages; i++)
		w = strlen(cmp->stages[i].name) > w ? strlen(cmp->stages[i].name) : w;
	fputs("Stages (self time, throughput; old -> new):\n", out);
	for (i = 0; i < cmp->nstages; i++) {
		const struct cmp_stage *s = &cmp->stages[i];
		char a[32], b[32], c[32], d[32], e[32], f[32];

		fprintf(out, "  %s:%*s self %12s -> %12s (%s), %10s -> %10s records/s (%s)\n",
			s->name, (int)(w - strlen(s->name)), "", stage_ms(a, sizeof(a), s->old),
			stage_ms(b, sizeof(b), s->new),
			s->status == CMP_BOTH
			    ? speed(c, sizeof(c), s->old->self_ns, s->new->self_ns)
			: s->status == CMP_ADDED ? "added"
						 : "removed",
			stage_rate(d, sizeof(d), s->old), stage_rate(e, sizeof(e), s->new),
			s->status == CMP_BOTH
			    ? rate(f, sizeof(f), s->old->throughput_per_s, s->new->throughput_per_s)
			    : "-");
	}
	fprintf(out, "  bottleneck: %s -> %s\n\n",
		o && o->bottleneck ? o->bottleneck->name : "none",
		n && n->bottleneck ? n->bottleneck->name : "none");
}

/* One side's time of a function that may be missing. */
static const char *func_ms(char *buf, size_t len, uint64_t ns, bool present)
{
	if (present)
		snprintf(buf, len, "%.3f", ms(ns));
	else
		snprintf(buf, len, "-");
	return buf;
}

static void func_row(const struct cmp_func *f, FILE *out)
{
	bool o = f->status != CMP_ADDED, n = f->status != CMP_REMOVED;
	const char *what = f->status == CMP_ADDED ? "added" : "removed";
	char a[32], b[32], c[32], d[32], e[32], g[32];

	fprintf(out, "%10s -> %10s %+11.3f  %-13s %10s -> %10s %+11.3f  %-13s %s\n",
		func_ms(a, sizeof(a), f->old_cum_ns, o), func_ms(b, sizeof(b), f->new_cum_ns, n),
		ms(f->new_cum_ns) - ms(f->old_cum_ns),
		o && n ? speed(c, sizeof(c), f->old_cum_ns, f->new_cum_ns) : what,
		func_ms(d, sizeof(d), f->old_self_ns, o), func_ms(e, sizeof(e), f->new_self_ns, n),
		ms(f->new_self_ns) - ms(f->old_self_ns),
		o && n ? speed(g, sizeof(g), f->old_self_ns, f->new_self_ns) : what, f->label);
}

static const char *order_name(enum report_sort sort)
{
	if (sort == REPORT_SORT_TOTTIME)
		return "the absolute change of self time";
	if (sort == REPORT_SORT_NCALLS)
		return "the absolute change of the number of calls";
	if (sort == REPORT_SORT_NAME)
		return "function name";
	return "the absolute change of cumulative time";
}

static void functions(const struct cmp_report *cmp, FILE *out)
{
	long limit = cmp->opt->limit >= 0 ? cmp->opt->limit : CMP_TEXT_LIMIT;
	size_t i, n = (size_t)limit < cmp->nfuncs ? (size_t)limit : cmp->nfuncs;

	if (!cmp->nfuncs)
		return;
	fprintf(out, "Functions: %zu in both, %zu removed, %zu added; ordered by %s",
		cmp->nfuncs - cmp->added - cmp->removed, cmp->removed, cmp->added,
		order_name(cmp->opt->sort));
	if (n < cmp->nfuncs)
		fprintf(out, " (the first %zu; --limit for more)", n);
	fputs(".\nTimes in ms; cumulative on the left, self on the right.\n\n", out);
	fputs("   cum old ->    cum new      change  speedup         self old ->   self new "
	      "     change  speedup       function\n",
	      out);
	for (i = 0; i < n; i++)
		func_row(&cmp->funcs[i], out);
	fputc('\n', out);
}

int report_compare_text(const struct cmp_report *cmp, FILE *out)
{
	fprintf(out, "mprof compare: old '%s', new '%s'\n", cmp->old->trace, cmp->new->trace);
	side("old", cmp->old, out);
	side("new", cmp->new, out);
	filters_note(cmp, out);
	fputc('\n', out);
	totals(cmp, out);
	stages(cmp, out);
	functions(cmp, out);
	return 0;
}
