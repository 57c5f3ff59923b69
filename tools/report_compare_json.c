// SPDX-License-Identifier: MIT
/*
 * report_compare_json.c - the comparison as one JSON object,
 * {"compare": {...}}: what the text says (report_compare_text.c), every
 * figure with both sides' runs, centre, interval, change, p-value and
 * verdict, and the gate. Times in nanoseconds, throughputs in records per
 * second, memory in bytes; for each stage and function the flat keys of
 * one run a side (old_self_ns, self_speedup, ...) carry the medians.
 */
#include "config.h"

#include <math.h>

#include "compare.h"
#include "report_stage.h"

/* A finite number, or null. */
static void num(FILE *out, double v)
{
	if (isfinite(v))
		fprintf(out, "%.15g", v);
	else
		fputs("null", out);
}

/* `"key": v` after a comma; null when the figure is absent on that side. */
static void flat(FILE *out, const char *key, double v, bool present)
{
	fprintf(out, ", \"%s\": ", key);
	num(out, present ? v : NAN);
}

/* old / new of the medians (a speedup), or null when either is 0. */
static void speedup(FILE *out, const char *key, const struct cmp_figure *f, bool present)
{
	fprintf(out, ", \"%s\": ", key);
	num(out,
	    present && f->so.median > 0 && f->sn.median > 0 ? f->so.median / f->sn.median : NAN);
}

static void summary(FILE *out, const struct stats_summary *s, const double *v)
{
	fputs("{\"median\": ", out);
	num(out, s->median);
	fputs(", \"lo\": ", out);
	num(out, s->lo);
	fputs(", \"hi\": ", out);
	num(out, s->hi);
	fputs(", \"level\": ", out);
	num(out, s->level);
	fputs(", \"min\": ", out);
	num(out, s->min);
	fputs(", \"max\": ", out);
	num(out, s->max);
	fprintf(out, ", \"n\": %zu, \"runs\": [", s->n);
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			fputs(", ", out);
		num(out, v[i]);
	}
	fputs("]}", out);
}

static const char *const verdicts[] = {
	[CMP_SAME] = "same",   [CMP_NOISE] = "noise",	    [CMP_BETTER] = "better",
	[CMP_WORSE] = "worse", [CMP_UNTESTED] = "untested",
};

static const char *const bases[] = {
	[CMP_BASIS_NONE] = "none",
	[CMP_BASIS_RUNS] = "runs",
	[CMP_BASIS_EVENTS] = "events",
	[CMP_BASIS_CALLS] = "calls",
};

static void figure(FILE *out, const char *key, const struct cmp_figure *f)
{
	fprintf(out, ", \"%s\": {\"old\": ", key);
	summary(out, &f->so, f->old);
	fputs(", \"new\": ", out);
	summary(out, &f->sn, f->new);
	fputs(", \"change\": ", out);
	num(out, f->change);
	fputs(", \"p\": ", out);
	num(out, f->basis == CMP_BASIS_NONE ? NAN : f->p);
	fprintf(out,
		", \"basis\": \"%s\", \"verdict\": \"%s\", \"significant\": %s"
		", \"below_min_change\": %s}",
		bases[f->basis], verdicts[f->verdict],
		f->verdict == CMP_BETTER || f->verdict == CMP_WORSE ? "true" : "false",
		f->small ? "true" : "false");
}

static unsigned long long lost_total(const struct cmp_side *s)
{
	unsigned long long n = 0;

	for (size_t r = 0; r < s->nruns; r++)
		n += s->runs[r].rep->lost;
	return n;
}

/* The stage most runs of a side name the bottleneck, or NULL. */
static const char *bottleneck(const struct cmp_report *cmp, bool new)
{
	const char *name = NULL;
	unsigned best = 0;

	for (size_t i = 0; i < cmp->nstages; i++) {
		unsigned n = new ? cmp->stages[i].new_bottleneck : cmp->stages[i].old_bottleneck;

		if (n > best) {
			best = n;
			name = cmp->stages[i].name;
		}
	}
	return name;
}

static void side(FILE *out, const char *key, const struct cmp_report *cmp, bool new)
{
	const struct cmp_side *s = new ? &cmp->new : &cmp->old;
	const struct report *rep = cmp_first(s);
	const struct stats_summary *w = new ? &cmp->wall.sn : &cmp->wall.so;
	const struct stats_summary *t = new ? &cmp->self.sn : &cmp->self.so;

	fprintf(out, "    \"%s\": {\"path\": ", key);
	report_json_string(out, s->path);
	fputs(", \"trace\": ", out);
	report_json_string(out, rep->trace);
	fputs(", \"exe\": ", out);
	report_json_string(out, rep->hdr->exe);
	fprintf(out, ", \"pid\": %u, \"runs\": %zu, \"run_dirs\": [", rep->hdr->pid, s->nruns);
	for (size_t r = 0; s->dir && r < s->nruns; r++) {
		if (r)
			fputs(", ", out);
		report_json_string(out, s->runs[r].dir);
	}
	fputs("], \"wall_ns\": ", out);
	num(out, cmp->wall_known ? w->median : NAN);
	fputs(", \"self_ns\": ", out);
	num(out, t->median);
	fprintf(out, ", \"lost_events\": %llu", lost_total(s));
	if (s->nruns == 1)
		report_json_lost(out, &rep->lost_by, ", ");
	fputs(", \"bottleneck\": ", out);
	report_json_string(out, bottleneck(cmp, new));
	fprintf(out, ", \"unrecorded_calls\": %llu, \"record_filters\": ",
		(unsigned long long)rep->merged.unrecorded_calls);
	report_json_record_filters(out, rep->record_filters);
	fputs("},\n", out);
}

static const char *const status_names[] = {
	[CMP_BOTH] = "both",
	[CMP_ADDED] = "added",
	[CMP_REMOVED] = "removed",
};

static void stage(FILE *out, const struct cmp_stage *s)
{
	bool o = s->status != CMP_ADDED, n = s->status != CMP_REMOVED;

	fputs("{\"name\": ", out);
	report_json_string(out, s->name);
	fprintf(out, ", \"status\": \"%s\"", status_names[s->status]);
	flat(out, "old_self_ns", s->self.so.median, o);
	flat(out, "new_self_ns", s->self.sn.median, n);
	speedup(out, "self_speedup", &s->self, o && n);
	flat(out, "old_records", s->records.so.median, o);
	flat(out, "new_records", s->records.sn.median, n);
	flat(out, "old_throughput_per_s", s->rate.so.median, o);
	flat(out, "new_throughput_per_s", s->rate.sn.median, n);
	fputs(", \"throughput_ratio\": ", out);
	num(out, o && n && s->rate.so.median > 0 && s->rate.sn.median > 0
		     ? s->rate.sn.median / s->rate.so.median
		     : NAN);
	fprintf(out, ", \"old_bottleneck_runs\": %u, \"new_bottleneck_runs\": %u",
		s->old_bottleneck, s->new_bottleneck);
	figure(out, "self", &s->self);
	if (s->oncpu_unknown)
		fputs(", \"oncpu\": null", out);
	else
		figure(out, "oncpu", &s->oncpu);
	figure(out, "throughput", &s->rate);
	figure(out, "latency", &s->latency);
	figure(out, "records", &s->records);
	fputc('}', out);
}

static void function(FILE *out, const struct cmp_func *f)
{
	bool o = f->status != CMP_ADDED, n = f->status != CMP_REMOVED;

	fputs("{\"function\": ", out);
	report_json_string(out, f->name);
	fputs(", \"file\": ", out);
	report_json_string(out, f->file);
	fprintf(out, ", \"status\": \"%s\"", status_names[f->status]);
	flat(out, "old_calls", f->calls.so.median, o);
	flat(out, "new_calls", f->calls.sn.median, n);
	flat(out, "old_self_ns", f->self.so.median, o);
	flat(out, "new_self_ns", f->self.sn.median, n);
	flat(out, "self_change_ns", f->self.sn.median - f->self.so.median, true);
	speedup(out, "self_speedup", &f->self, true);
	flat(out, "old_cumulative_ns", f->cum.so.median, o);
	flat(out, "new_cumulative_ns", f->cum.sn.median, n);
	flat(out, "cumulative_change_ns", f->cum.sn.median - f->cum.so.median, true);
	speedup(out, "cumulative_speedup", &f->cum, true);
	figure(out, "calls", &f->calls);
	figure(out, "self", &f->self);
	figure(out, "cumulative", &f->cum);
	fputc('}', out);
}

static void memory(FILE *out, const struct cmp_report *cmp)
{
	size_t i;

	if (!cmp->has_memory) {
		fputs("    \"memory\": null,\n", out);
		return;
	}
	fputs("    \"memory\": {\"sites_count\": ", out);
	fprintf(out, "%zu", cmp->nsites);
	figure(out, "allocations", &cmp->allocs);
	figure(out, "bytes", &cmp->bytes);
	figure(out, "peak_bytes", &cmp->peak);
	figure(out, "leaked_bytes", &cmp->leaked);
	fputs(", \"sites\": [", out);
	for (i = 0; i < cmp->nsites; i++) {
		const struct cmp_site *s = &cmp->sites[i];

		fputs(i ? ",\n      " : "\n      ", out);
		fputs("{\"site\": ", out);
		report_json_string(out, s->label);
		fprintf(out, ", \"status\": \"%s\"", status_names[s->status]);
		figure(out, "allocations", &s->allocs);
		figure(out, "bytes", &s->bytes);
		figure(out, "leaked_bytes", &s->leaked);
		fputc('}', out);
	}
	fputs(cmp->nsites ? "\n    ]},\n" : "]},\n", out);
}

static void gate(FILE *out, const struct cmp_report *cmp)
{
	const struct report_options *opt = cmp->opt;
	size_t i;

	if (!cmp->gated) {
		fputs(",\n    \"gate\": null", out);
		return;
	}
	fputs(",\n    \"gate\": {\"fail_if_slower_pct\": ", out);
	num(out, opt->fail_slower ? opt->fail_slower_pct : NAN);
	fputs(", \"fail_if_more_memory_pct\": ", out);
	num(out, opt->fail_memory ? opt->fail_memory_pct : NAN);
	fputs(", \"functions\": [", out);
	for (i = 0; i < opt->ngate; i++) {
		if (i)
			fputs(", ", out);
		report_json_string(out, opt->gate[i]);
	}
	fprintf(out, "], \"passed\": %s, \"blind\": %s, \"exit_status\": %d, \"failures\": [",
		cmp->nfailures ? "false" : "true", cmp->gate_blind ? "true" : "false",
		cmp->nfailures ? CMP_EXIT_GATE : 0);
	for (i = 0; i < cmp->nfailures; i++) {
		const struct cmp_gate_failure *g = &cmp->failures[i];

		fputs(i ? ", {\"what\": " : "{\"what\": ", out);
		report_json_string(out, g->what);
		fputs(", \"name\": ", out);
		report_json_string(out, g->name);
		fputs(", \"change\": ", out);
		num(out, g->fig->change);
		fputs(", \"p\": ", out);
		num(out, g->fig->p);
		fputs(", \"limit_pct\": ", out);
		num(out, g->limit_pct);
		fputc('}', out);
	}
	fputs("]}", out);
}

static const char *order_key(enum report_sort sort)
{
	if (sort == REPORT_SORT_TOTTIME)
		return "self";
	if (sort == REPORT_SORT_NCALLS)
		return "calls";
	if (sort == REPORT_SORT_NAME)
		return "name";
	return "cumulative";
}

static void method(FILE *out, const struct cmp_report *cmp)
{
	fprintf(out,
		"    \"method\": {\"centre\": \"median\", \"interval\": \"order statistics\", "
		"\"level\": %g, \"test\": \"Mann-Whitney U, two-sided\", \"over\": \"%s\", "
		"\"false_discovery_rate\": %g, \"correction\": \"Benjamini-Hochberg\", "
		"\"figures_tested\": %zu, \"significant\": %zu, \"no_noise_estimate\": %s, "
		"\"too_few_runs\": %s, \"min_change\": %g},\n",
		STATS_LEVEL, cmp->one_run ? (cmp->ntested ? "events" : "none") : "runs",
		STATS_ALPHA, cmp->ntested, cmp->nsignificant, cmp->one_run ? "true" : "false",
		cmp->too_few ? "true" : "false", cmp->opt->min_change_pct / 100);
	fprintf(out, "    \"programs_differ\": %s,\n    \"builds_differ\": %s,\n",
		cmp->programs_differ ? "true" : "false", cmp->builds_differ ? "true" : "false");
}

int report_compare_json(const struct cmp_report *cmp, FILE *out)
{
	long limit = cmp->opt->limit;
	size_t i, n = limit >= 0 && (size_t)limit < cmp->nfuncs ? (size_t)limit : cmp->nfuncs;

	fputs("{\n  \"compare\": {\n", out);
	side(out, "old", cmp, false);
	side(out, "new", cmp, true);
	method(out, cmp);
	fputs("    \"wall_speedup\": ", out);
	num(out, cmp->wall_known && cmp->wall.so.median > 0 && cmp->wall.sn.median > 0
		     ? cmp->wall.so.median / cmp->wall.sn.median
		     : NAN);
	fputs(",\n    \"self_speedup\": ", out);
	num(out, cmp->self.so.median > 0 && cmp->self.sn.median > 0
		     ? cmp->self.so.median / cmp->self.sn.median
		     : NAN);
	fputs(",\n    \"totals\": {\"wall_known\": ", out);
	fputs(cmp->wall_known ? "true" : "false", out);
	figure(out, "wall", &cmp->wall);
	figure(out, "self", &cmp->self);
	fputs("},\n", out);
	memory(out, cmp);
	fprintf(out, "    \"order\": \"%s\",\n    \"stages\": [", order_key(cmp->opt->sort));
	for (i = 0; i < cmp->nstages; i++) {
		fputs(i ? ",\n      " : "\n      ", out);
		stage(out, &cmp->stages[i]);
	}
	fputs(cmp->nstages ? "\n    ],\n" : "],\n", out);
	fprintf(out,
		"    \"functions_added\": %zu,\n    \"functions_removed\": %zu,\n"
		"    \"functions\": [",
		cmp->added, cmp->removed);
	for (i = 0; i < n; i++) {
		fputs(i ? ",\n      " : "\n      ", out);
		function(out, &cmp->funcs[i]);
	}
	fputs(n ? "\n    ]" : "]", out);
	gate(out, cmp);
	fputs("\n  }\n}\n", out);
	return 0;
}
