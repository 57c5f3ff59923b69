// SPDX-License-Identifier: MIT
/*
 * report_text.c - the text report: Python's pstats, column for column, so
 * that a Python programmer reads it at a glance (print_stats, print_callers
 * and print_callees of pstats.Stats, as `python3 -m cProfile -s` prints).
 * pstats prints seconds; each table here prints its times in the unit
 * report_unit_choose() gives it (report.h), named under "Ordered by:"
 * unless it is seconds, when the table is pstats's byte for byte.
 */
#include "config.h"

#include <string.h>

#include "report.h"
#include "report_mem.h"
#include "report_stage.h"

static double secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

/* "12" or, under recursion, "12/3": total/primitive. */
static const char *ncalls(char *buf, size_t len, uint64_t calls, uint64_t prim)
{
	if (calls == prim)
		snprintf(buf, len, "%llu", (unsigned long long)calls);
	else
		snprintf(buf, len, "%llu/%llu", (unsigned long long)calls,
			 (unsigned long long)prim);
	return buf;
}

/* A time column: ns / n in `unit`; 8 blanks when there is nothing to divide by. */
static void time_column(FILE *out, uint64_t ns, uint64_t n, enum report_unit unit)
{
	if (n)
		fprintf(out, "%8.3f ", report_unit_value(ns, n, unit));
	else
		fprintf(out, "%8s ", "");
}

/* "wall 0.800 s", or "wall unknown" when the trace cannot tell. */
static void print_wall(bool known, uint64_t ns, FILE *out)
{
	if (known)
		fprintf(out, "wall %.3f s", secs(ns));
	else
		fputs("wall unknown", out);
}

/* A time split into its on-CPU and off-CPU parts; blanks when not known
 * (time_column's blanks: nothing to divide by). */
static void split_columns(FILE *out, uint64_t ns, uint64_t off_ns, bool known,
			  enum report_unit unit)
{
	time_column(out, ns - off_ns, known, unit);
	time_column(out, off_ns, known, unit);
}

/* pstats's columns up to the file name; with `split`, each total time
 * followed by its on-CPU and off-CPU parts. */
static void row_numbers(const struct report_func *f, enum report_unit unit, bool split, FILE *out)
{
	char buf[48];

	fprintf(out, "%9s ", ncalls(buf, sizeof(buf), f->calls, f->prim_calls));
	time_column(out, f->self_ns, 1, unit);
	if (split)
		split_columns(out, f->self_ns, f->off_self_ns, f->off_known, unit);
	time_column(out, f->self_ns, f->calls, unit);
	time_column(out, f->cum_ns, 1, unit);
	if (split)
		split_columns(out, f->cum_ns, f->off_cum_ns, f->off_known, unit);
	time_column(out, f->cum_ns, f->prim_calls, unit);
}

void report_text_row(const struct report_func *f, enum report_unit unit, FILE *out)
{
	row_numbers(f, unit, false, out);
	fputs(f->sym->label, out);
}

/* The row of a function table: split if the report is, with the memory
 * columns if `memory`. */
static void row(const struct report *rep, const struct report_func *f, enum report_unit unit,
		bool memory, FILE *out)
{
	char self[32], cum[32];

	row_numbers(f, unit, rep->offcpu.columns, out);
	if (!memory) {
		fputs(f->sym->label, out);
		return;
	}
	fprintf(out, "%9s %9s ",
		report_format_size(self, sizeof(self), (double)f->alloc_self, false),
		report_format_size(cum, sizeof(cum), (double)f->alloc_cum, false));
	fputs(f->sym->label, out);
}

/* True if the function table gets the memory columns. */
static bool memory_columns(const struct report *rep)
{
	return rep->has_calls && rep->mem;
}

/* `pattern` in single quotes, as a shell reads it back. */
static void shell_quote(const char *pattern, FILE *out)
{
	const char *p;

	fputc('\'', out);
	for (p = pattern; *p; p++) {
		if (*p == '\'')
			fputs("'\\''", out);
		else
			fputc(*p, out);
	}
	fputc('\'', out);
}

/* A duration as mprof record takes it: in the largest unit that keeps it exact. */
static void print_duration(uint64_t ns, FILE *out)
{
	if (ns % 1000000000 == 0)
		fprintf(out, "%llus", (unsigned long long)(ns / 1000000000));
	else if (ns % 1000000 == 0)
		fprintf(out, "%llums", (unsigned long long)(ns / 1000000));
	else if (ns % 1000 == 0)
		fprintf(out, "%lluus", (unsigned long long)(ns / 1000));
	else
		fprintf(out, "%lluns", (unsigned long long)ns);
}

void report_text_record_filters(const struct trace_record_filters *f, FILE *out)
{
	const char *sep = "";
	size_t i;

	if (!trace_record_filters_any(f)) {
		fputs("none", out);
		return;
	}
	for (i = 0; i < f->ninclude; i++, sep = " ") {
		fprintf(out, "%s--include ", sep);
		shell_quote(f->include[i], out);
	}
	for (i = 0; i < f->nexclude; i++, sep = " ") {
		fprintf(out, "%s--exclude ", sep);
		shell_quote(f->exclude[i], out);
	}
	if (f->max_depth) {
		fprintf(out, "%s--max-depth %llu", sep, (unsigned long long)f->max_depth);
		sep = " ";
	}
	if (f->min_duration_ns) {
		fprintf(out, "%s--min-duration ", sep);
		print_duration(f->min_duration_ns, out);
	}
}

/* True if the trace was recorded with filters (or says it left calls out). */
static bool recorded_filtered(const struct report *rep)
{
	return rep->record_filters || rep->record_filters_differ || rep->merged.unrecorded_calls;
}

/* "   Recorded with filters: --include 'parse_*' --max-depth 3" */
static void print_record_filters(const struct report *rep, FILE *out)
{
	if (!recorded_filtered(rep))
		return;
	fputs("   Recorded with filters: ", out);
	if (rep->record_filters)
		report_text_record_filters(rep->record_filters, out);
	else
		fputs("unknown (the trace does not describe them)", out);
	if (rep->record_filters_differ)
		fputs(" (not the same in every process)", out);
	fputc('\n', out);
}

/*
 * "   Ordered by: ...", the restrictions and, unless the times are in
 * seconds (pstats's form), "   Times in milliseconds (ms)"; then a blank
 * line.
 */
static void print_order(const struct report *rep, const struct report_view *v,
			enum report_unit unit, FILE *out)
{
	size_t i;

	fprintf(out, "   Ordered by: %s\n", report_sort_title(rep->opt->sort));
	if (!rep->offcpu.columns &&
	    (rep->opt->sort == REPORT_SORT_ONCPU || rep->opt->sort == REPORT_SORT_OFFCPU ||
	     rep->opt->sort == REPORT_SORT_CUMONCPU))
		fputs("   (the trace has no off-CPU times: every time counts as on-CPU)\n", out);
	print_record_filters(rep, out);
	for (i = 0; i < v->nsteps; i++) {
		const struct report_step *s = &v->steps[i];

		fprintf(out, "   List reduced from %zu to %zu due to restriction ", s->from, s->to);
		if (s->pattern)
			fprintf(out, "<'%s'>\n", s->pattern);
		else
			fprintf(out, "<%ld>\n", s->limit);
	}
	if (unit != REPORT_UNIT_S)
		fprintf(out, "   Times in %s (%s)\n", report_unit_name(unit),
			report_unit_symbol(unit));
	fputc('\n', out);
}

static void stats_block(const struct report *rep, const struct report_table *t, FILE *out)
{
	struct report_view v;
	enum report_unit unit;
	size_t i;

	fprintf(out, "%8s %llu function calls ", "", (unsigned long long)t->total_calls);
	if (t->total_calls != t->prim_calls)
		fprintf(out, "(%llu primitive calls) ", (unsigned long long)t->prim_calls);
	if (rep->filtering)
		fprintf(out, "(%llu filtered) ", (unsigned long long)t->filtered_calls);
	if (recorded_filtered(rep))
		fprintf(out, "(%llu not recorded) ", (unsigned long long)t->unrecorded_calls);
	/* pstats's figure, the sum of the self times; the wall time beside it
	 * (the threads' summed self time can exceed it, or fall short). */
	fprintf(out, "in %.3f seconds (", secs(t->total_self_ns));
	print_wall(t->wall_known, t->wall_ns, out);
	fputs(")\n\n", out);
	report_view_init(&v, t, NULL, rep->opt->limit);
	if (!v.nrows && recorded_filtered(rep)) {
		print_record_filters(rep, out);
		fputc('\n', out);
	}
	if (v.nrows) {
		unit = report_view_unit(&v, rep->opt->unit);
		print_order(rep, &v, unit, out);
		fputs(report_sgr(rep, REPORT_SGR_BOLD), out);
		/* pstats's header, the splits after the times they split */
		fputs(rep->offcpu.columns
			  ? "   ncalls  tottime    oncpu   offcpu  percall  cumtime "
			    "   oncpu   offcpu  percall "
			  : "   ncalls  tottime  percall  cumtime  percall ",
		      out);
		fputs(memory_columns(rep) ? " totalloc  cumalloc filename:lineno(function)\n"
					  : "filename:lineno(function)\n",
		      out);
		fputs(report_sgr(rep, REPORT_SGR_RESET), out);
		for (i = 0; i < v.nrows; i++) {
			row(rep, v.rows[i], unit, memory_columns(rep), out);
			fputc('\n', out);
		}
		fputs("\n\n", out);
	}
	report_view_release(&v);
}

/* The callers (or callees) of `f`, and how many. */
static const struct report_edge *edges(const struct report_func *f, bool callers, size_t *n)
{
	*n = callers ? f->ncallers : f->ncallees;
	return callers ? f->callers : f->callees;
}

/* One function and its callers (or callees), pstats's print_call_line. */
/* A function's callers or callees; with `split`, each time followed by its
 * on-CPU and off-CPU parts, known where both ends' are. */
static void call_line(int width, const struct report_func *f, bool callers, enum report_unit unit,
		      bool split, FILE *out)
{
	size_t i, n;
	const struct report_edge *e = edges(f, callers, &n);
	char buf[48];

	fprintf(out, "%-*s%s ", width, f->sym->label, callers ? "<-" : "->");
	if (!n)
		fputc('\n', out);
	for (i = 0; i < n; i++, e++) {
		if (i)
			fprintf(out, "%*s", width + 1, "");
		fprintf(out, "%*s ", i ? 9 : 7, ncalls(buf, sizeof(buf), e->calls, e->prim_calls));
		time_column(out, e->self_ns, 1, unit);
		if (split)
			split_columns(out, e->self_ns, e->off_self_ns,
				      f->off_known && e->other->off_known, unit);
		time_column(out, e->cum_ns, 1, unit);
		if (split)
			split_columns(out, e->cum_ns, e->off_cum_ns,
				      f->off_known && e->other->off_known, unit);
		fprintf(out, " %s\n", e->other->sym->label);
	}
}

/* The width of the name column: the longest label listed, plus 2. */
static int name_width(const struct report_table *t, const struct report_view *v)
{
	size_t i, len, max = 0;

	for (i = 0; i < v->nrows; i++) {
		len = strlen(v->rows[i]->sym->label);
		max = len > max ? len : max;
	}
	for (i = 0; v->nrows == t->nfuncs && i < t->nfuncs; i++) {
		len = strlen(t->funcs[i].sym->label);
		max = len > max ? len : max;
	}
	return (int)max + 2;
}

static bool has_edges(const struct report_table *t)
{
	size_t i;

	for (i = 0; i < t->nfuncs; i++) {
		if (t->funcs[i].ncallers)
			return true;
	}
	return false;
}

/* The unit of a callers (or callees) table: from the times of the edges it lists. */
static enum report_unit call_unit(const struct report *rep, const struct report_view *v,
				  bool callers)
{
	struct report_span span = { 0 };
	const struct report_edge *e;
	size_t i, j, n;

	for (i = 0; i < v->nrows; i++) {
		e = edges(v->rows[i], callers, &n);
		for (j = 0; j < n; j++) {
			report_span_add(&span, e[j].self_ns, 1);
			report_span_add(&span, e[j].cum_ns, 1);
		}
	}
	return report_unit_choose(&span, rep->opt->unit);
}

static void call_block(const struct report *rep, const struct report_table *t, const char *pattern,
		       bool callers, FILE *out)
{
	enum report_unit unit;
	struct report_view v;
	size_t i;
	int width;

	report_view_init(&v, t, pattern, rep->opt->limit);
	if (!v.nrows)
		goto out;
	unit = call_unit(rep, &v, callers);
	print_order(rep, &v, unit, out);
	width = name_width(t, &v);
	fprintf(out, "%-*s%s\n", width, "Function ", callers ? "was called by..." : "called...");
	if (has_edges(t))
		fprintf(out, "%*s    ncalls  tottime  %scumtime%s\n", width, "",
			rep->offcpu.columns ? "  oncpu   offcpu  " : "",
			rep->offcpu.columns ? "    oncpu   offcpu" : "");
	for (i = 0; i < v.nrows; i++)
		call_line(width, v.rows[i], callers, unit, rep->offcpu.columns, out);
	fputs("\n\n", out);
out:
	report_view_release(&v);
}

static void table_blocks(const struct report *rep, const struct report_table *t, FILE *out)
{
	const struct report_options *opt = rep->opt;

	if (!opt->callers && !opt->callees)
		stats_block(rep, t, out);
	if (opt->callers)
		call_block(rep, t, opt->callers, true, out);
	if (opt->callees)
		call_block(rep, t, opt->callees, false, out);
}

static void print_notes(const struct report *rep, FILE *out)
{
	if (rep->lost && !rep->mem)
		fputs("note: events were lost (see the second line): the counts and times of the "
		      "calls around them are incomplete\n",
		      out);
	if (rep->open_at_end)
		fprintf(out, "note: %llu call%s still open at end of trace\n",
			(unsigned long long)rep->open_at_end, rep->open_at_end == 1 ? "" : "s");
}

const char *report_sgr(const struct report *rep, const char *sgr)
{
	return rep->opt->color ? sgr : "";
}

static const char *exe_name(const char *exe)
{
	return exe[0] ? exe : "(unknown program)";
}

/*
 * The first line: the program and how it ended ("mprof: /bin/sh (pid 12),
 * ended with _exit(3), 1 thread, wall 0.002 s"), or the processes of a
 * merged report, each with how it ended.
 */
static void print_header(const struct report *rep, FILE *out)
{
	const char *end;
	char buf[64];
	size_t i;

	fputs(report_sgr(rep, REPORT_SGR_BOLD), out);
	if (!rep->nprocesses) {
		fprintf(out, "mprof: %s (pid %u)", exe_name(rep->hdr->exe), rep->hdr->pid);
		end = report_end_text(rep, buf, sizeof(buf));
		if (end)
			fprintf(out, ", %s", end);
	} else {
		fprintf(out, "mprof: %zu processes merged: ", rep->nprocesses);
		for (i = 0; i < rep->nprocesses; i++) {
			end = report_end_text(rep->processes[i].report, buf, sizeof(buf));
			fprintf(out, "%s%s (pid %u%s%s)", i ? ", " : "",
				exe_name(rep->processes[i].exe), rep->processes[i].pid,
				end ? ", " : "", end ? end : "");
		}
	}
	fprintf(out, ", %zu thread%s, ", rep->nthreads, rep->nthreads == 1 ? "" : "s");
	print_wall(rep->wall_known, rep->wall_ns, out);
	fprintf(out, "%s\n", report_sgr(rep, REPORT_SGR_RESET));
	report_text_lost(&rep->lost_by, "", out);
	if (rep->offcpu.note[0])
		fprintf(out, "%s\n", rep->offcpu.note);
	fputc('\n', out);
}

/* --processes: each process's own report, before the merged one. */
static int print_processes(const struct report *rep, FILE *out)
{
	size_t i;

	for (i = 0; rep->opt->processes && i < rep->nprocesses; i++) {
		const struct report_process *p = &rep->processes[i];

		fprintf(out, "%s==> process %u: %s ('%s') <==%s\n",
			report_sgr(rep, REPORT_SGR_HEAD), p->pid, exe_name(p->exe), p->trace,
			report_sgr(rep, REPORT_SGR_RESET));
		if (report_render_text(p->report, out) < 0)
			return -1;
		fputc('\n', out);
	}
	if (rep->opt->processes && rep->nprocesses)
		fprintf(out, "%s==> all %zu processes <==%s\n", report_sgr(rep, REPORT_SGR_HEAD),
			rep->nprocesses, report_sgr(rep, REPORT_SGR_RESET));
	return 0;
}

int report_render_text(const struct report *rep, FILE *out)
{
	size_t i;

	if (print_processes(rep, out) < 0)
		return -1;
	print_header(rep, out);
	if (rep->mem && rep->opt->diff_old) {
		report_mem_text_diff(rep, out);
		return 0;
	}
	if (!rep->has_calls && !rep->merged.unrecorded_calls && (rep->mem || rep->stages)) {
		/* a memory or stage trace: no empty call table */
	} else if (!rep->opt->threads) {
		table_blocks(rep, &rep->merged, out);
	} else {
		for (i = 0; i < rep->nthreads; i++) {
			const struct report_table *t = &rep->threads[i];

			fprintf(out, "Thread %u (tid %u)", t->serial, t->tid);
			if (t->process) /* a merged report: whose thread */
				fprintf(out, " of process %u ('%s')", t->process->pid,
					t->process->trace);
			fputs(": ", out);
			print_wall(t->wall_known, t->wall_ns, out);
			if (t->off_known)
				fprintf(out, ", off-CPU %.3f s", secs(t->off_ns));
			fputs("\n\n", out);
			table_blocks(rep, t, out);
		}
	}
	if (rep->stages && !rep->opt->callers && !rep->opt->callees)
		report_stage_text(rep, out);
	if (rep->mem && !report_no_allocator_calls(rep))
		report_mem_text(rep, out);
	report_text_allocator(rep, out);
	print_notes(rep, out);
	return 0;
}
