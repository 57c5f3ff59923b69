// SPDX-License-Identifier: MIT
/*
 * report_compare_text.c - the comparison in text, in the spirit of Go's
 * benchstat: each figure as the median of each side's runs with the
 * half-width of its confidence interval, "142.5 ms ± 3%", and the change,
 * "-50.00%" when it is significant, "~" when it is not, "+9.49% ?" when it
 * could not be tested (one run a side). A legend says which test, at what
 * level, over how many figures. Then the speedup line, the totals, the
 * stages with the bottleneck, the functions and the memory, and the gate.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "compare.h"
#include "report_stage.h"

/* ------------------------------------------------------------ numbers */

/* Four significant digits: 1.234, 12.34, 123.4, 1234. */
static void digits4(char *buf, size_t len, double v, const char *unit)
{
	double a = fabs(v);
	int dec = a < 10 ? 3 : a < 100 ? 2 : a < 1000 ? 1 : 0;

	snprintf(buf, len, "%.*f %s", dec, v, unit);
}

/* A value in its unit, scaled: "142.5 ms", "45.20 k/s", "1.250 MiB", "1000". */
static const char *value(char *buf, size_t len, enum cmp_unit unit, double v)
{
	static const char *const times[] = { "ns", "us", "ms", "s" };
	static const char *const bytes[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	static const char *const rates[] = { "/s", "k/s", "M/s", "G/s" };
	size_t i = 0;

	switch (unit) {
	case CMP_NS:
		for (; i < 3 && fabs(v) >= 1000; i++)
			v /= 1000;
		if (i == 0)
			snprintf(buf, len, "%.0f ns", v);
		else
			digits4(buf, len, v, times[i]);
		break;
	case CMP_RATE:
		for (; i < 3 && fabs(v) >= 1000; i++)
			v /= 1000;
		digits4(buf, len, v, rates[i]);
		break;
	case CMP_BYTES:
		for (; i < 4 && fabs(v) >= 1024; i++)
			v /= 1024;
		if (i == 0)
			snprintf(buf, len, "%.0f B", v);
		else
			digits4(buf, len, v, bytes[i]);
		break;
	case CMP_COUNT:
		/* Counts are exact: every digit (a median of an even number of runs may be x.5). */
		snprintf(buf, len, v == floor(v) ? "%.0f" : "%.1f", v);
		break;
	}
	return buf;
}

/* One side of a figure: "142.5 ms ± 3%", or the value alone with one run. */
static const char *centre(char *buf, size_t len, const struct cmp_figure *f,
			  const struct stats_summary *s)
{
	char v[32];
	double half;

	value(v, sizeof(v), f->unit, s->median);
	if (s->n < 2) {
		snprintf(buf, len, "%s", v);
		return buf;
	}
	half = fmax(s->hi - s->median, s->median - s->lo);
	if (s->median == 0)
		snprintf(buf, len, "%s ± %s", v, half == 0 ? "0%" : "inf");
	else
		snprintf(buf, len, "%s ± %.0f%%", v, 100 * half / fabs(s->median));
	return buf;
}

/* The change of a figure: "-50.00%", "~", "+9.49% ?" (untested), "same". */
static const char *change(char *buf, size_t len, const struct cmp_figure *f)
{
	char c[24];

	if (f->verdict == CMP_SAME) {
		snprintf(buf, len, "same");
		return buf;
	}
	if (f->verdict == CMP_NOISE) {
		snprintf(buf, len, "~");
		return buf;
	}
	if (isnan(f->change))
		snprintf(c, sizeof(c), f->sn.median > 0 ? "from 0" : "0");
	else
		snprintf(c, sizeof(c), "%+.2f%%", 100 * f->change);
	snprintf(buf, len, "%s%s", c, f->verdict == CMP_UNTESTED ? " ?" : "");
	return buf;
}

/* What a p-value was computed over, when not the runs. */
static const char *basis(const struct cmp_figure *f)
{
	return f->basis == CMP_BASIS_EVENTS  ? ", over hand-offs"
	       : f->basis == CMP_BASIS_CALLS ? ", over calls"
					     : "";
}

/* The p-value as benchstat prints it, or nothing when the figure was not tested. */
static const char *pvalue(char *buf, size_t len, const struct cmp_figure *f)
{
	if (f->basis == CMP_BASIS_NONE)
		buf[0] = '\0';
	else if (f->small)
		snprintf(buf, len, " (p=%.3f%s, %+.2f%%: under --min-change)", f->p, basis(f),
			 100 * f->change);
	else
		snprintf(buf, len, " (p=%.3f%s)", f->p, basis(f));
	return buf;
}

/* `s` right-aligned in `width` columns ("±" is two bytes and one column). */
static void cell(FILE *out, int width, const char *s)
{
	int cols = 0;

	for (const char *c = s; *c; c++)
		cols += ((unsigned char)*c & 0xc0) != 0x80;
	fprintf(out, "%*s%s", width > cols ? width - cols : 0, "", s);
}

/* A figure's row: its name, both sides, the change and the p-value. */
static void figure_row(const char *indent, const char *name, int width, const struct cmp_figure *f,
		       FILE *out)
{
	char a[48], b[48], c[32], p[96];

	fprintf(out, "%s%-*s ", indent, width, name);
	cell(out, 18, centre(a, sizeof(a), f, &f->so));
	cell(out, 20, centre(b, sizeof(b), f, &f->sn));
	fprintf(out, "  %10s%s\n", change(c, sizeof(c), f), pvalue(p, sizeof(p), f));
}

/* -------------------------------------------------------------- header */

static void side(const char *which, const struct cmp_side *s, const struct cmp_figure *wall,
		 bool new, FILE *out)
{
	const struct report *rep = cmp_first(s);
	const struct stats_summary *w = new ? &wall->sn : &wall->so;
	char v[48];
	size_t r;

	fprintf(out, "   %s: %s, ", which, rep->hdr->exe[0] ? rep->hdr->exe : "(unknown program)");
	if (s->dir)
		fprintf(out, "%zu run%s", s->nruns, s->nruns == 1 ? "" : "s");
	else
		fprintf(out, "pid %u", rep->hdr->pid);
	fprintf(out, ", %zu thread%s", rep->nthreads, rep->nthreads == 1 ? "" : "s");
	if (s->dir && s->nruns > 1)
		fputs(" in the first", out);
	if (wall->verdict == CMP_UNTESTED && w->median == 0)
		fputs(", wall unknown\n", out);
	else
		fprintf(out, ", wall %s%s\n", value(v, sizeof(v), CMP_NS, w->median),
			s->nruns > 1 ? " (median)" : "");
	for (r = 0; r < s->nruns; r++) {
		const struct report *run = s->runs[r].rep;

		if (!run->lost)
			continue;
		if (s->dir)
			fprintf(out, "      run '%s':\n", s->runs[r].dir);
		report_text_lost(&run->lost_by, s->dir ? "          " : "        ", out);
	}
}

/* One line when a trace was recorded with filters: what each side left out. */
static void filters_note(const struct cmp_report *cmp, FILE *out)
{
	const struct trace_record_filters *o = cmp_first(&cmp->old)->record_filters;
	const struct trace_record_filters *n = cmp_first(&cmp->new)->record_filters;

	if (!o && !n)
		return;
	if (trace_record_filters_equal(o, n)) {
		fputs("   note: both sides were recorded with filters: ", out);
		report_text_record_filters(n, out);
		fputc('\n', out);
		return;
	}
	fputs("   note: the sides were recorded with different filters (old: ", out);
	report_text_record_filters(o, out);
	fputs("; new: ", out);
	report_text_record_filters(n, out);
	fputs("): the calls they left out differ, and so do the times\n", out);
}

static void what_compared(const struct cmp_report *cmp, FILE *out)
{
	if (cmp->programs_differ)
		fputs("   warning: the sides are not runs of one program: a change may only be "
		      "the difference of the programs\n",
		      out);
	else if (cmp->builds_differ)
		fputs("   warning: the sides are runs of different builds of the program (their "
		      "build ids differ)\n",
		      out);
}

/* The fewest runs a side with which the test can reach STATS_ALPHA. */
static size_t runs_needed(void)
{
	size_t n = 2;

	while (stats_mann_whitney_min_p(n, n) > STATS_ALPHA)
		n++;
	return n;
}

static void legend(const struct cmp_report *cmp, FILE *out)
{
	size_t no = cmp->old.nruns, nn = cmp->new.nruns;

	if (cmp->one_run) {
		fputs("One run a side: there is no noise estimate, so no change can be told from "
		      "noise;\nchanges are printed as differences, marked \"?\". Record several "
		      "runs a side\n(mprof record --repeat 10 -o DIR) to test them.",
		      out);
		if (cmp->ntested && cmp->calls_tested)
			fprintf(
			    out,
			    "\nStage latencies are tested over the hand-offs of the two runs, "
			    "functions' self and\ncumulative times over their calls (whether "
			    "their calls took longer: the noise\nwithin a run, not between runs) "
			    "with the Mann-Whitney U test, two-sided, at a\n%.0f%% false "
			    "discovery rate over the %zu tested (Benjamini-Hochberg); \"~\": not "
			    "significant.",
			    100 * STATS_ALPHA, cmp->ntested);
		else if (cmp->ntested)
			fprintf(out,
				"\nStage latencies are tested over the hand-offs of the two runs "
				"(their latency\nhistograms: the noise within a run, not between "
				"runs) with the Mann-Whitney U\ntest, two-sided, "
				"at a %.0f%% false discovery rate\nover the %zu tested "
				"(Benjamini-Hochberg); \"~\": not significant.",
				100 * STATS_ALPHA, cmp->ntested);
		fputs("\n\n", out);
		return;
	}
	fprintf(out,
		"Medians over %zu old and %zu new runs, ± the half-width of the median's %.0f%% "
		"confidence\ninterval (below 6 runs: of the range of the runs). Changes tested "
		"with the Mann-Whitney\nU test over the runs, two-sided, at a %.0f%% false "
		"discovery rate over the %zu figures\ntested (Benjamini-Hochberg); \"~\": not "
		"significant; \"same\": the same in every run.\n",
		no, nn, 100 * STATS_LEVEL, 100 * STATS_ALPHA, cmp->ntested);
	if (cmp->opt->min_change_pct > 0)
		fprintf(out, "A significant change under %g%% is \"~\" too (--min-change %g).\n",
			cmp->opt->min_change_pct, cmp->opt->min_change_pct);
	if (cmp->too_few)
		fprintf(out,
			"Too few runs: with %zu and %zu runs the test cannot reach p < %.2f; "
			"nothing can be\ncalled significant (%zu runs a side can; 10 tell small "
			"changes).\n",
			no, nn, STATS_ALPHA, runs_needed());
	fputc('\n', out);
}

/* ---------------------------------------------------------------- totals */

/* "2.00x faster", "1.25x slower", or NULL when the two are not both above 0. */
static const char *factor(char *buf, size_t len, const struct cmp_figure *f)
{
	double o = f->so.median, n = f->sn.median;

	if (o <= 0 || n <= 0)
		return NULL;
	if (f->unit == CMP_RATE)
		snprintf(buf, len, "%.2fx %s", n > o ? n / o : o / n, n > o ? "higher" : "lower");
	else
		snprintf(buf, len, "%.2fx %s", n < o ? o / n : n / o, n < o ? "faster" : "slower");
	return buf;
}

/* "Speedup: wall 2.00x faster (142.5 ms -> 71.25 ms, -50.00%, p=0.000)", or "~", or "?". */
static void speedup(const struct cmp_report *cmp, FILE *out)
{
	const struct cmp_figure *w = &cmp->wall;
	char a[32], b[32], c[32], x[32];

	if (!cmp->wall_known) {
		fputs("Speedup: wall unknown (a trace does not tell its wall time)\n\n", out);
		return;
	}
	value(a, sizeof(a), CMP_NS, w->so.median);
	value(b, sizeof(b), CMP_NS, w->sn.median);
	switch (w->verdict) {
	case CMP_BETTER:
	case CMP_WORSE:
		fprintf(out, "Speedup: wall %s (%s -> %s, %s, p=%.3f)\n\n",
			factor(x, sizeof(x), w) ? x : "-", a, b, change(c, sizeof(c), w), w->p);
		break;
	case CMP_NOISE:
		fprintf(out, "Speedup: wall ~ (%s -> %s, p=%.3f: not significant)\n\n", a, b, w->p);
		break;
	case CMP_SAME:
		fprintf(out, "Speedup: wall same (%s)\n\n", a);
		break;
	case CMP_UNTESTED:
		fprintf(out, "Speedup: wall ? (%s -> %s, %s: no noise estimate)\n\n", a, b,
			change(c, sizeof(c), w));
		break;
	}
}

static void columns(const char *indent, const char *title, int width, FILE *out)
{
	fprintf(out, "%s%-*s %18s %19s  %10s\n", indent, width, title, "old", "new", "change");
}

static void totals(const struct cmp_report *cmp, FILE *out)
{
	columns("", "Totals", 24, out);
	if (cmp->wall_known)
		figure_row("  ", "wall time", 22, &cmp->wall, out);
	if (cmp->has_calls)
		figure_row("  ", "self, all functions", 22, &cmp->self, out);
	if (cmp->has_memory) {
		figure_row("  ", "allocations", 22, &cmp->allocs, out);
		figure_row("  ", "bytes allocated", 22, &cmp->bytes, out);
		figure_row("  ", "peak bytes", 22, &cmp->peak, out);
		figure_row("  ", "leaked bytes", 22, &cmp->leaked, out);
	}
	fputc('\n', out);
}

/* ---------------------------------------------------------------- stages */

/* The stage most runs of a side name the bottleneck, with their count. */
static const struct cmp_stage *bottleneck(const struct cmp_report *cmp, bool new, unsigned *runs)
{
	const struct cmp_stage *best = NULL;
	size_t i;

	*runs = 0;
	for (i = 0; i < cmp->nstages; i++) {
		unsigned n = new ? cmp->stages[i].new_bottleneck : cmp->stages[i].old_bottleneck;

		if (n > *runs) {
			best = &cmp->stages[i];
			*runs = n;
		}
	}
	return best;
}

static void bottleneck_side(const struct cmp_report *cmp, bool new, FILE *out)
{
	unsigned runs;
	const struct cmp_stage *b = bottleneck(cmp, new, &runs);
	size_t n = cmp_nruns(cmp, new);

	fputs(b ? b->name : "none", out);
	if (b && n > 1)
		fprintf(out, " (%u of %zu runs)", runs, n);
}

static void stages(const struct cmp_report *cmp, FILE *out)
{
	size_t i;
	int w = 0, nw;

	if (!cmp->nstages)
		return;
	for (i = 0; i < cmp->nstages; i++)
		w = (int)strlen(cmp->stages[i].name) > w ? (int)strlen(cmp->stages[i].name) : w;
	nw = w;
	w += 2 + 10;
	columns("", "Stages", w + 2, out);
	for (i = 0; i < cmp->nstages; i++) {
		const struct cmp_stage *s = &cmp->stages[i];
		char name[256];

		if (s->status != CMP_BOTH)
			fprintf(out, "  %s: %s\n", s->name,
				s->status == CMP_ADDED ? "added (on the new side only)"
						       : "removed (on the old side only)");
		snprintf(name, sizeof(name), "%-*s  self time", nw, s->name);
		figure_row("  ", name, w, &s->self, out);
		if (!s->oncpu_unknown) {
			snprintf(name, sizeof(name), "%*s  on-CPU   ", nw, "");
			figure_row("  ", name, w, &s->oncpu, out);
		}
		snprintf(name, sizeof(name), "%*s  records/s", nw, "");
		figure_row("  ", name, w, &s->rate, out);
		snprintf(name, sizeof(name), "%*s  latency  ", nw, "");
		figure_row("  ", name, w, &s->latency, out);
		if (s->records.verdict != CMP_SAME) {
			snprintf(name, sizeof(name), "%*s  records  ", nw, "");
			figure_row("  ", name, w, &s->records, out);
		}
	}
	fputs("  bottleneck: ", out);
	bottleneck_side(cmp, false, out);
	fputs(" -> ", out);
	bottleneck_side(cmp, true, out);
	fputs("\n\n", out);
}

/* ------------------------------------------------------------- functions */

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

static void func_row(const struct cmp_func *f, FILE *out)
{
	char a[48], b[48], c[32], d[48], e[48], g[32], h[32];
	const char *calls = f->status == CMP_ADDED	   ? "added"
			    : f->status == CMP_REMOVED	   ? "removed"
			    : f->calls.verdict == CMP_SAME ? "same"
							   : change(h, sizeof(h), &f->calls);

	cell(out, 18, centre(a, sizeof(a), &f->cum, &f->cum.so));
	cell(out, 19, centre(b, sizeof(b), &f->cum, &f->cum.sn));
	fprintf(out, " %10s  ", change(c, sizeof(c), &f->cum));
	cell(out, 18, centre(d, sizeof(d), &f->self, &f->self.so));
	cell(out, 19, centre(e, sizeof(e), &f->self, &f->self.sn));
	fprintf(out, " %10s  %9s  %s\n", change(g, sizeof(g), &f->self), calls, f->label);
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
	fputs(".\nCumulative time on the left, self time on the right, then the change of "
	      "calls.\n\n",
	      out);
	fprintf(out, "%18s %18s %10s  %18s %18s %10s  %9s  %s\n", "cum old", "cum new", "change",
		"self old", "self new", "change", "calls", "function");
	for (i = 0; i < n; i++)
		func_row(&cmp->funcs[i], out);
	fputc('\n', out);
}

/* --------------------------------------------------------------- memory */

static void sites(const struct cmp_report *cmp, FILE *out)
{
	long limit = cmp->opt->limit >= 0 ? cmp->opt->limit : REPORT_MEM_LIMIT;
	size_t i, n = (size_t)limit < cmp->nsites ? (size_t)limit : cmp->nsites;

	if (!cmp->has_memory || !cmp->nsites)
		return;
	fprintf(out, "Allocation sites: %zu; ordered by the absolute change of bytes allocated",
		cmp->nsites);
	if (n < cmp->nsites)
		fprintf(out, " (the first %zu; --limit for more)", n);
	fputs(".\n\n", out);
	fprintf(out, "%18s %18s %10s  %18s %18s %10s  %10s  %s\n", "bytes old", "bytes new",
		"change", "allocs old", "allocs new", "change", "leaked", "site");
	for (i = 0; i < n; i++) {
		const struct cmp_site *s = &cmp->sites[i];
		char a[48], b[48], c[32], d[48], e[48], g[32], h[32];

		cell(out, 18, centre(a, sizeof(a), &s->bytes, &s->bytes.so));
		cell(out, 19, centre(b, sizeof(b), &s->bytes, &s->bytes.sn));
		fprintf(out, " %10s  ", change(c, sizeof(c), &s->bytes));
		cell(out, 18, centre(d, sizeof(d), &s->allocs, &s->allocs.so));
		cell(out, 19, centre(e, sizeof(e), &s->allocs, &s->allocs.sn));
		fprintf(out, " %10s  %10s  %s%s\n", change(g, sizeof(g), &s->allocs),
			change(h, sizeof(h), &s->leaked), s->label,
			s->status == CMP_ADDED	   ? " (added)"
			: s->status == CMP_REMOVED ? " (removed)"
						   : "");
	}
	fputc('\n', out);
}

/* ------------------------------------------------------------------ gate */

static void gate(const struct cmp_report *cmp, FILE *out)
{
	const struct report_options *opt = cmp->opt;
	size_t i;

	if (!cmp->gated)
		return;
	fputs("Gate:", out);
	if (opt->fail_slower)
		fprintf(out, " --fail-if-slower %g%%", opt->fail_slower_pct);
	if (opt->fail_memory)
		fprintf(out, " --fail-if-more-memory %g%%", opt->fail_memory_pct);
	for (i = 0; i < opt->ngate; i++)
		fprintf(out, " --gate %s", opt->gate[i]);
	if (!cmp->nfailures) {
		fputs(cmp->gate_blind ? ": passed, blind (one run a side: nothing can be "
					"significant; record several runs a side)\n"
				      : ": passed\n",
		      out);
		return;
	}
	fprintf(out, ": FAILED (exit status %d)\n", CMP_EXIT_GATE);
	for (i = 0; i < cmp->nfailures; i++) {
		const struct cmp_gate_failure *g = &cmp->failures[i];
		char c[32];

		fprintf(out, "  %s%s%s: %s (p=%.3f), more than %g%%\n", g->what, g->name ? " " : "",
			g->name ? g->name : "", change(c, sizeof(c), g->fig), g->fig->p,
			g->limit_pct);
	}
}

int report_compare_text(const struct cmp_report *cmp, FILE *out)
{
	fprintf(out, "mprof compare: old '%s', new '%s'\n", cmp->old.path, cmp->new.path);
	side("old", &cmp->old, &cmp->wall, false, out);
	side("new", &cmp->new, &cmp->wall, true, out);
	filters_note(cmp, out);
	what_compared(cmp, out);
	fputc('\n', out);
	legend(cmp, out);
	speedup(cmp, out);
	totals(cmp, out);
	stages(cmp, out);
	functions(cmp, out);
	sites(cmp, out);
	gate(cmp, out);
	return 0;
}
