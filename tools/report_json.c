// SPDX-License-Identifier: MIT
/*
 * report_json.c - the report as one JSON object (--json), for scripts:
 * the same numbers as the text, times in integer nanoseconds, functions in
 * the requested order with the same restrictions.
 */
#include "config.h"

#include <inttypes.h>

#include "report.h"
#include "report_mem.h"
#include "report_stage.h"

void report_json_string(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	if (!str) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (; *s; s += n) {
		n = util_utf8_len(s, 4);
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", out);
		else if (*s == '\t')
			fputs("\\t", out);
		else if (*s == '\r')
			fputs("\\r", out);
		else if (*s < 0x20 || *s == 0x7f)
			fprintf(out, "\\u%04x", *s);
		else if (n)
			fwrite(s, 1, n, out);
		else
			fputs("\\ufffd", out); /* not UTF-8: JSON cannot carry it */
		n = n ? n : 1;
	}
	fputc('"', out);
}

/* A list of strings. */
static void strings(FILE *out, char *const *list, size_t n)
{
	size_t i;

	fputc('[', out);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", out);
		report_json_string(out, list[i]);
	}
	fputc(']', out);
}

void report_json_wall(FILE *out, bool known, uint64_t ns)
{
	if (known)
		fprintf(out, "%" PRIu64, ns);
	else
		fputs("null", out);
}

/* A number, null if 0. */
static void u64_or_null(FILE *out, uint64_t v)
{
	if (v)
		fprintf(out, "%" PRIu64, v);
	else
		fputs("null", out);
}

void report_json_record_filters(FILE *out, const struct trace_record_filters *f)
{
	static const struct trace_record_filters none;

	f = f ? f : &none;
	fputs("{\"include\": ", out);
	strings(out, f->include, f->ninclude);
	fputs(", \"exclude\": ", out);
	strings(out, f->exclude, f->nexclude);
	fputs(", \"max_depth\": ", out);
	u64_or_null(out, f->max_depth);
	fputs(", \"min_duration_ns\": ", out);
	u64_or_null(out, f->min_duration_ns);
	fputc('}', out);
}

/* A number, or null when not `known`. */
static void u64_if(FILE *out, bool known, uint64_t v)
{
	if (known)
		fprintf(out, "%" PRIu64, v);
	else
		fputs("null", out);
}

/* The on-CPU and off-CPU parts of self and cumulative times (null: not known). */
static void split(FILE *out, bool known, uint64_t self, uint64_t off_self, uint64_t cum,
		  uint64_t off_cum)
{
	fputs(", \"oncpu_ns\": ", out);
	u64_if(out, known, self - off_self);
	fputs(", \"offcpu_ns\": ", out);
	u64_if(out, known, off_self);
	fputs(", \"cumulative_oncpu_ns\": ", out);
	u64_if(out, known, cum - off_cum);
	fputs(", \"cumulative_offcpu_ns\": ", out);
	u64_if(out, known, off_cum);
}

static void edges(FILE *out, const char *key, const struct report_edge *e, size_t n, bool known)
{
	size_t i;

	fprintf(out, ", \"%s\": [", key);
	for (i = 0; i < n; i++, e++) {
		fputs(i ? ", {\"function\": " : "{\"function\": ", out);
		report_json_string(out, e->other->sym->name);
		fprintf(out,
			", \"calls\": %" PRIu64 ", \"primitive_calls\": %" PRIu64
			", \"self_ns\": %" PRIu64 ", \"cumulative_ns\": %" PRIu64,
			e->calls, e->prim_calls, e->self_ns, e->cum_ns);
		split(out, known, e->self_ns, e->off_self_ns, e->cum_ns, e->off_cum_ns);
		fputc('}', out);
	}
	fputc(']', out);
}

static void function(FILE *out, const struct report_func *f, bool callees, bool memory)
{
	const struct report_sym *s = f->sym;

	fputs("{\"function\": ", out);
	report_json_string(out, s->name);
	fputs(", \"file\": ", out);
	report_json_string(out, s->file);
	if (s->line)
		fprintf(out, ", \"line\": %d", s->line);
	else
		fputs(", \"line\": null", out);
	fputs(", \"module\": ", out);
	report_json_string(out, s->module);
	fprintf(out,
		", \"address\": \"0x%" PRIx64 "\", \"calls\": %" PRIu64
		", \"primitive_calls\": %" PRIu64 ", \"self_ns\": %" PRIu64
		", \"cumulative_ns\": %" PRIu64,
		s->addr, f->calls, f->prim_calls, f->self_ns, f->cum_ns);
	split(out, f->off_known, f->self_ns, f->off_self_ns, f->cum_ns, f->off_cum_ns);
	if (memory)
		fprintf(out,
			", \"alloc_bytes_self\": %" PRIu64 ", \"alloc_bytes_cumulative\": %" PRIu64,
			f->alloc_self, f->alloc_cum);
	edges(out, "callers", f->callers, f->ncallers, f->off_known);
	if (callees)
		edges(out, "callees", f->callees, f->ncallees, f->off_known);
	fputc('}', out);
}

static void functions(FILE *out, const struct report *rep, const struct report_table *t,
		      const char *indent)
{
	const struct report_options *opt = rep->opt;
	struct report_view v;
	size_t i;

	report_view_init(&v, t, opt->callers ? opt->callers : opt->callees, opt->limit);
	fputs("\"functions\": [", out);
	for (i = 0; i < v.nrows; i++) {
		fprintf(out, "%s\n%s  ", i ? "," : "", indent);
		function(out, v.rows[i], opt->callees != NULL, rep->has_calls && rep->mem);
	}
	if (v.nrows)
		fprintf(out, "\n%s", indent);
	fputc(']', out);
	report_view_release(&v);
}

static void thread(FILE *out, const struct report *rep, const struct report_table *t)
{
	fputc('{', out);
	if (t->process) /* a merged report: whose thread (its index in "processes") */
		fprintf(out, "\"process\": %td, \"pid\": %u, ", t->process - rep->processes,
			t->process->pid);
	fprintf(out, "\"thread\": %u, \"tid\": %u, \"wall_ns\": ", t->serial, t->tid);
	report_json_wall(out, t->wall_known, t->wall_ns);
	fprintf(out,
		", \"total_self_ns\": %" PRIu64 ", \"lost_events\": %" PRIu64
		", \"unmatched_exits\": %" PRIu64 ", \"open_calls_at_end\": %" PRIu64
		", \"total_calls\": %" PRIu64 ", \"primitive_calls\": %" PRIu64 ",\n    ",
		t->total_self_ns, t->lost, t->unmatched_exits, t->open_at_end, t->total_calls,
		t->prim_calls);
	fputs("\"offcpu_ns\": ", out);
	u64_if(out, t->off_known, t->off_ns);
	fputs(", \"offcpu_idle_ns\": ", out);
	u64_if(out, t->off_known, t->off_idle_ns);
	fputs(",\n    ", out);
	if (rep->filtering)
		fprintf(out, "\"filtered_calls\": %" PRIu64 ",\n    ", t->filtered_calls);
	fprintf(out, "\"unrecorded_calls\": %" PRIu64 ",\n    ", t->unrecorded_calls);
	functions(out, rep, t, "    ");
	fputc('}', out);
}

/* How the process ended: {"how": "_exit", "exit_status": 3}, the status null if none. */
static void end(FILE *out, const struct report *rep)
{
	int status;

	fprintf(out, "{\"how\": \"%s\", \"exit_status\": ", report_end_name(rep));
	if (report_end_status(rep, &status))
		fprintf(out, "%d}", status);
	else
		fputs("null}", out);
}

/* A merged report's "processes" (and with --processes, "per_process": their reports). */
static void processes(FILE *out, const struct report *rep)
{
	size_t i;

	fputs(",\n  \"processes\": [", out);
	for (i = 0; i < rep->nprocesses; i++) {
		fprintf(out, "%s\n    {\"pid\": %u, \"exe\": ", i ? "," : "",
			rep->processes[i].pid);
		report_json_string(out, rep->processes[i].exe);
		fputs(", \"trace\": ", out);
		report_json_string(out, rep->processes[i].trace);
		fputs(", \"end\": ", out);
		end(out, rep->processes[i].report);
		fprintf(out, ", \"unrecorded_calls\": %" PRIu64 ", \"record_filters\": ",
			rep->processes[i].report->merged.unrecorded_calls);
		report_json_record_filters(out, rep->processes[i].report->record_filters);
		fputc('}', out);
	}
	fputs("\n  ]", out);
	if (!rep->opt->processes)
		return;
	fputs(",\n  \"per_process\": [\n", out);
	for (i = 0; i < rep->nprocesses; i++) {
		if (i)
			fputs(",\n", out);
		report_render_json(rep->processes[i].report, out);
	}
	fputs("  ]", out);
}

int report_render_json(const struct report *rep, FILE *out)
{
	const struct trace_file_header *h = rep->hdr;
	size_t i;

	fputs("{\n  \"trace\": ", out);
	report_json_string(out, rep->trace);
	fprintf(out, ",\n  \"pid\": %u,\n  \"exe\": ", h->pid);
	report_json_string(out, h->exe);
	fputs(",\n  \"end\": ", out);
	end(out, rep->nprocesses ? rep->processes[0].report : rep);
	if (rep->nprocesses)
		processes(out, rep);
	fprintf(out, ",\n  \"clock\": \"%s\",\n  \"wall_ns\": ",
		h->clock_source == TRACE_CLOCK_TSC ? "tsc" : "monotonic");
	report_json_wall(out, rep->wall_known, rep->wall_ns);
	fprintf(out,
		",\n  \"total_self_ns\": %" PRIu64 ",\n  \"threads\": %zu"
		",\n  \"lost_events\": %" PRIu64,
		rep->merged.total_self_ns, rep->nthreads, rep->lost);
	report_json_lost(out, &rep->lost_by, ",\n  ");
	report_json_offcpu(out, &rep->offcpu, ",\n  ");
	fputs(",\n  \"total_offcpu_ns\": ", out);
	u64_if(out, rep->merged.off_known, rep->merged.off_ns);
	fputs(",\n  ", out);
	report_json_allocator(out, rep);
	fprintf(out,
		",\n  \"unmatched_exits\": %" PRIu64 ",\n  \"open_calls_at_end\": %" PRIu64
		",\n  \"complete\": %s,\n  \"cut\": %s,\n  \"total_calls\": %" PRIu64
		",\n  \"primitive_calls\": %" PRIu64 ",\n  ",
		rep->unmatched_exits, rep->open_at_end, rep->complete ? "true" : "false",
		rep->cut ? "true" : "false", rep->merged.total_calls, rep->merged.prim_calls);
	if (rep->filtering)
		fprintf(out, "\"filtered_calls\": %" PRIu64 ",\n  ", rep->merged.filtered_calls);
	fprintf(out, "\"unrecorded_calls\": %" PRIu64 ",\n  \"record_filters\": ",
		rep->merged.unrecorded_calls);
	report_json_record_filters(out, rep->record_filters);
	if (rep->nprocesses)
		fprintf(out, ",\n  \"record_filters_differ\": %s",
			rep->record_filters_differ ? "true" : "false");
	fputs(",\n  ", out);
	functions(out, rep, &rep->merged, "  ");
	if (rep->opt->threads) {
		fputs(",\n  \"per_thread\": [", out);
		for (i = 0; i < rep->nthreads; i++) {
			fputs(i ? ",\n  " : "\n  ", out);
			thread(out, rep, &rep->threads[i]);
		}
		fputs(rep->nthreads ? "\n  ]" : "]", out);
	}
	report_stage_json(rep, out);
	report_mem_json(rep, out);
	fputs("\n}\n", out);
	return 0;
}
