// SPDX-License-Identifier: MIT
/*
 * export_html.c - html: the whole report as one self-contained page, which
 * opens with no network: the style inline, the charts inline SVG (those of
 * export_flame.c and export_timeline.c), no script. Its sections, each
 * present when the trace has what it shows: the summary, the cumulative
 * table (pstats's columns, in the --sort order, --limit rows or
 * HTML_ROWS, the times in the unit the text report would choose for
 * them), the flame graphs of time and of bytes allocated, the live heap
 * over time, the stage table with its bottleneck, the snapshots with
 * the change of the heap from one to the next, and the --diff of two
 * snapshots in tracemalloc's form when asked for.
 */
#include "config.h"

#include <string.h>

#include "export.h"
#include "report_mem.h"
#include "report_stage.h"
#include "svg.h"

#define HTML_ROWS 50

static const char html_style[] =
    "body{font-family:sans-serif;margin:1.5em auto;padding:0 1em;max-width:1240px;color:#222;"
    "background:#fff}\n"
    "h1{font-size:1.6em}h2{font-size:1.2em;border-bottom:1px solid #ccc;"
    "padding-bottom:.2em;margin-top:1.6em}\n"
    "table{border-collapse:collapse;font-size:.9em}\n"
    "th,td{padding:.2em .6em;border-bottom:1px solid #eee;text-align:right}\n"
    "th{background:#f2f2ee}td.l,th.l{text-align:left}\n"
    "td.mono{font-family:monospace;text-align:left}\n"
    "tr.hot td{background:#fdeeea}\n"
    ".chart{overflow-x:auto}\n";

static void esc(FILE *out, const char *s)
{
	svg_escape(out, s ? s : "");
}

static double secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

static void kv_str(FILE *out, const char *k, const char *v)
{
	fprintf(out, "<tr><th class=\"l\">%s</th><td class=\"l\">", k);
	esc(out, v);
	fputs("</td></tr>\n", out);
}

static void kv_u64(FILE *out, const char *k, uint64_t v)
{
	fprintf(out, "<tr><th class=\"l\">%s</th><td class=\"l\">%llu</td></tr>\n", k,
		(unsigned long long)v);
}

static void kv_size(FILE *out, const char *k, uint64_t v)
{
	char buf[32];

	fprintf(out, "<tr><th class=\"l\">%s</th><td class=\"l\">%s (%llu bytes)</td></tr>\n", k,
		report_format_size(buf, sizeof(buf), (double)v, false), (unsigned long long)v);
}

static void summary(const struct report *rep, FILE *out)
{
	const struct trace_file_header *hdr = rep->hdr;
	const struct report_table *t = &rep->merged;
	const struct report_mem *m = rep->mem;
	char exe[sizeof(hdr->exe) + 1], buf[64], ended[64];
	const char *end;

	memcpy(exe, hdr->exe, sizeof(hdr->exe));
	exe[sizeof(hdr->exe)] = '\0';
	fputs("<section id=\"summary\"><h2>Summary</h2>\n<table>\n", out);
	kv_str(out, "trace", rep->trace);
	kv_str(out, "program", exe);
	kv_u64(out, "pid", hdr->pid);
	if (rep->wall_known)
		snprintf(buf, sizeof(buf), "%.6f s", secs(rep->wall_ns));
	else
		snprintf(buf, sizeof(buf), "unknown (the trace does not tell)");
	kv_str(out, "wall time", buf);
	kv_u64(out, "threads", rep->nthreads);
	end = report_end_text(rep, ended, sizeof(ended));
	if (end && !rep->nprocesses)
		kv_str(out, "end", end);
	if (!rep->complete)
		kv_str(out, "warning", "the trace was cut short");
	if (rep->lost)
		kv_u64(out, "events lost", rep->lost);
	if (rep->offcpu.note[0])
		kv_str(out, "off-CPU time", rep->offcpu.note + strlen("off-CPU time: "));
	if (rep->has_calls) {
		kv_u64(out, "function calls", t->total_calls);
		kv_u64(out, "primitive calls", t->prim_calls);
		snprintf(buf, sizeof(buf), "%.6f s", secs(t->total_self_ns));
		kv_str(out, "time in functions", buf);
	}
	if (m) {
		kv_u64(out, "allocations", m->allocs);
		kv_u64(out, "frees", m->frees);
		kv_size(out, "bytes allocated", m->bytes);
		kv_size(out, "peak", m->peak_bytes);
		kv_size(out, report_live_at_end(rep, false), m->leaked_bytes);
		kv_u64(out, "temporary allocations", m->temp_allocs);
	}
	if (rep->stages && rep->stages->bottleneck)
		kv_str(out, "bottleneck stage", rep->stages->bottleneck->name);
	fputs("</table></section>\n", out);
}

/* A time cell: ns / n in `unit`, as the text report prints it; empty when n is 0. */
static void time_cell(FILE *out, uint64_t ns, uint64_t n, enum report_unit unit)
{
	if (n)
		fprintf(out, "<td>%.3f</td>", report_unit_value(ns, n, unit));
	else
		fputs("<td></td>", out);
}

static void functions(const struct report *rep, FILE *out)
{
	const struct report_table *t = &rep->merged;
	enum report_unit unit;
	struct report_view v;
	size_t i;

	report_view_init(&v, t, NULL, rep->opt->limit >= 0 ? rep->opt->limit : HTML_ROWS);
	unit = report_view_unit(&v, rep->opt->unit);
	fprintf(out, "<section id=\"functions\"><h2>Functions</h2>\n<p>%llu function calls",
		(unsigned long long)t->total_calls);
	if (t->total_calls != t->prim_calls)
		fprintf(out, " (%llu primitive calls)", (unsigned long long)t->prim_calls);
	fprintf(out,
		" in %.3f seconds. Ordered by: %s; %zu of %zu functions. Times in %s (%s).</p>\n",
		secs(t->total_self_ns), report_sort_title(rep->opt->sort), v.nrows, t->nfuncs,
		report_unit_name(unit), report_unit_symbol(unit));
	fputs(rep->offcpu.columns
		  ? "<table>\n<tr><th>ncalls</th><th>tottime</th><th>oncpu</th><th>offcpu</th>"
		    "<th>percall</th><th>cumtime</th><th>oncpu</th><th>offcpu</th>"
		  : "<table>\n<tr><th>ncalls</th><th>tottime</th><th>percall</th><th>cumtime</th>",
	      out);
	fputs("<th>percall</th><th>totalloc</th><th>cumalloc</th>"
	      "<th class=\"l\">filename:lineno(function)</th></tr>\n",
	      out);
	for (i = 0; i < v.nrows; i++) {
		const struct report_func *f = v.rows[i];

		if (f->calls == f->prim_calls)
			fprintf(out, "<tr><td>%llu</td>", (unsigned long long)f->calls);
		else
			fprintf(out, "<tr><td>%llu/%llu</td>", (unsigned long long)f->calls,
				(unsigned long long)f->prim_calls);
		time_cell(out, f->self_ns, 1, unit);
		if (rep->offcpu.columns) { /* blank cells when the split is not known */
			time_cell(out, f->self_ns - f->off_self_ns, f->off_known, unit);
			time_cell(out, f->off_self_ns, f->off_known, unit);
		}
		time_cell(out, f->self_ns, f->calls, unit);
		time_cell(out, f->cum_ns, 1, unit);
		if (rep->offcpu.columns) {
			time_cell(out, f->cum_ns - f->off_cum_ns, f->off_known, unit);
			time_cell(out, f->off_cum_ns, f->off_known, unit);
		}
		time_cell(out, f->cum_ns, f->prim_calls, unit);
		fprintf(out, "<td>%llu</td><td>%llu</td><td class=\"mono\">",
			(unsigned long long)f->alloc_self, (unsigned long long)f->alloc_cum);
		esc(out, f->sym->label);
		fputs("</td></tr>\n", out);
	}
	fputs("</table></section>\n", out);
	report_view_release(&v);
}

static void stages(const struct report *rep, FILE *out)
{
	const struct report_stages *st = rep->stages;
	size_t i;

	fputs("<section id=\"stages\"><h2>Stages</h2>\n", out);
	if (st->bottleneck) {
		fputs(st->split ? "<p>The bottleneck (the largest self time on the CPU): <b>"
				: "<p>The bottleneck (the largest self time): <b>",
		      out);
		esc(out, st->bottleneck->name);
		fputs("</b>.</p>\n", out);
	}
	fputs("<table>\n<tr><th class=\"l\">stage</th><th>records</th><th>records/s</th>"
	      "<th>self (s)</th><th>busy (s)</th><th>mean latency (us)</th>"
	      "<th>p50 (us)</th><th>p99 (us)</th></tr>\n",
	      out);
	for (i = 0; i < st->n; i++) {
		const struct report_stage *s = &st->rows[i];

		fprintf(out, "<tr%s><td class=\"l\">", s == st->bottleneck ? " class=\"hot\"" : "");
		esc(out, s->name);
		fprintf(out, "</td><td>%llu</td><td>%.1f</td><td>%.6f</td><td>%.6f</td>",
			(unsigned long long)s->records, s->throughput_per_s, secs(s->self_ns),
			secs(s->busy_ns));
		fprintf(out, "<td>%.3f</td><td>%.3f</td><td>%.3f</td></tr>\n",
			(double)s->mean_latency_ns / 1e3, (double)s->p50_latency_ns / 1e3,
			(double)s->p99_latency_ns / 1e3);
	}
	fputs("</table></section>\n", out);
}

static void snapshots(const struct report *rep, FILE *out)
{
	const struct report_mem *m = rep->mem;
	size_t i;

	fputs("<section id=\"snapshots\"><h2>Snapshots</h2>\n<table>\n"
	      "<tr><th class=\"l\">snapshot</th><th>time (ms)</th><th>live bytes</th>"
	      "<th>live blocks</th><th>bytes since the previous</th>"
	      "<th>blocks since the previous</th></tr>\n",
	      out);
	for (i = 0; i < m->nsnaps; i++) {
		const struct report_snapshot *s = &m->snaps[i];
		const struct report_snapshot *p = i ? &m->snaps[i - 1] : NULL;

		fputs("<tr><td class=\"l\">", out);
		esc(out, s->label);
		fprintf(out, "%s</td><td>%.3f</td><td>%llu</td><td>%llu</td>",
			s->implicit ? " (implicit)" : "", (double)s->ns / 1e6,
			(unsigned long long)s->live_bytes, (unsigned long long)s->live_blocks);
		if (p)
			fprintf(out, "<td>%+lld</td><td>%+lld</td></tr>\n",
				(long long)(s->live_bytes - p->live_bytes),
				(long long)(s->live_blocks - p->live_blocks));
		else
			fputs("<td></td><td></td></tr>\n", out);
	}
	fputs("</table>\n", out);
	if (m->diff) {
		fputs("<h3>", out);
		esc(out, m->diff_new);
		fputs(" compared to ", out);
		esc(out, m->diff_old);
		fputs("</h3>\n<table>\n<tr><th class=\"l\">site</th><th>size</th><th>size diff</th>"
		      "<th>count</th><th>count diff</th></tr>\n",
		      out);
		for (i = 0; i < m->ndiff; i++) {
			const struct report_diff *d = &m->diff[i];

			fputs("<tr><td class=\"mono\">", out);
			esc(out, d->site->label);
			fprintf(
			    out,
			    "</td><td>%llu</td><td>%+lld</td><td>%llu</td><td>%+lld</td></tr>\n",
			    (unsigned long long)d->size, (long long)d->size_diff,
			    (unsigned long long)d->count, (long long)d->count_diff);
		}
		fputs("</table>\n", out);
	}
	fputs("</section>\n", out);
}

static int chart(FILE *out, const char *id, const char *title,
		 int (*draw)(const struct report *, FILE *, bool), const struct report *rep)
{
	int ret;

	fprintf(out, "<section id=\"%s\"><h2>%s</h2>\n<div class=\"chart\">\n", id, title);
	ret = draw(rep, out, false);
	fputs("</div></section>\n", out);
	return ret;
}

int export_render_html(const struct report *rep, FILE *out)
{
	int ret = 0;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"generator\" content=\"mprof-report\">\n<title>mprof report: ",
	      out);
	esc(out, rep->trace);
	fprintf(out,
		"</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>mprof report: ", html_style);
	esc(out, rep->trace);
	fputs("</h1>\n", out);
	summary(rep, out);
	if (rep->has_calls) {
		functions(rep, out);
		ret = chart(out, "flame", export_flame_title(rep), export_flame_time, rep);
	}
	if (!ret && rep->mem) {
		ret = chart(out, "flame-alloc", "Flame graph: bytes allocated", export_flame_alloc,
			    rep);
		if (!ret)
			ret = chart(out, "timeline", "Live heap over time", export_timeline, rep);
	}
	if (rep->stages)
		stages(rep, out);
	if (rep->mem)
		snapshots(rep, out);
	fputs("</body>\n</html>\n", out);
	return ret;
}
