// SPDX-License-Identifier: MIT
/*
 * report_compare_json.c - the comparison of two traces as one JSON object,
 * {"compare": {...}}: both sides' totals, the speedups, the stages and the
 * functions old against new, times in nanoseconds, a missing side null.
 */
#include "config.h"

#include <inttypes.h>

#include "compare.h"
#include "report_stage.h"

/* A speedup or a ratio: a number, or null when undefined. */
static void ratio(FILE *out, double r)
{
	if (r > 0)
		fprintf(out, "%.6g", r);
	else
		fputs("null", out);
}

/* `key`: the value, or null when absent. */
static void u64_or_null(FILE *out, const char *key, uint64_t v, bool present)
{
	if (present)
		fprintf(out, ", \"%s\": %" PRIu64, key, v);
	else
		fprintf(out, ", \"%s\": null", key);
}

static void change(FILE *out, const char *key, uint64_t old, uint64_t new)
{
	fprintf(out, ", \"%s\": %" PRId64, key, (int64_t)(new - old));
}

static void side(FILE *out, const char *key, const struct report *rep)
{
	fprintf(out, "    \"%s\": {\"trace\": ", key);
	report_json_string(out, rep->trace);
	fputs(", \"exe\": ", out);
	report_json_string(out, rep->hdr->exe);
	fprintf(out, ", \"pid\": %u, \"wall_ns\": ", rep->hdr->pid);
	report_json_wall(out, rep->wall_known, rep->wall_ns);
	fprintf(out, ", \"self_ns\": %" PRIu64 ", \"lost_events\": %" PRIu64,
		rep->merged.total_self_ns, rep->lost);
	report_json_lost(out, &rep->lost_by, ", ");
	fputs(", \"bottleneck\": ", out);
	report_json_string(
	    out, rep->stages && rep->stages->bottleneck ? rep->stages->bottleneck->name : NULL);
	fprintf(out, ", \"unrecorded_calls\": %" PRIu64 ", \"record_filters\": ",
		rep->merged.unrecorded_calls);
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
	const struct report_stage *o = s->old, *n = s->new;

	fputs("{\"name\": ", out);
	report_json_string(out, s->name);
	fprintf(out, ", \"status\": \"%s\"", status_names[s->status]);
	u64_or_null(out, "old_self_ns", o ? o->self_ns : 0, o);
	u64_or_null(out, "new_self_ns", n ? n->self_ns : 0, n);
	fputs(", \"self_speedup\": ", out);
	ratio(out, o && n ? cmp_ratio(o->self_ns, n->self_ns) : 0);
	u64_or_null(out, "old_records", o ? o->records : 0, o);
	u64_or_null(out, "new_records", n ? n->records : 0, n);
	if (o)
		fprintf(out, ", \"old_throughput_per_s\": %.3f", o->throughput_per_s);
	else
		fputs(", \"old_throughput_per_s\": null", out);
	if (n)
		fprintf(out, ", \"new_throughput_per_s\": %.3f", n->throughput_per_s);
	else
		fputs(", \"new_throughput_per_s\": null", out);
	fputs(", \"throughput_ratio\": ", out);
	ratio(out,
	      o && n && o->throughput_per_s > 0 ? n->throughput_per_s / o->throughput_per_s : 0);
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
	u64_or_null(out, "old_calls", f->old_calls, o);
	u64_or_null(out, "new_calls", f->new_calls, n);
	u64_or_null(out, "old_self_ns", f->old_self_ns, o);
	u64_or_null(out, "new_self_ns", f->new_self_ns, n);
	change(out, "self_change_ns", f->old_self_ns, f->new_self_ns);
	fputs(", \"self_speedup\": ", out);
	ratio(out, cmp_ratio(f->old_self_ns, f->new_self_ns));
	u64_or_null(out, "old_cumulative_ns", f->old_cum_ns, o);
	u64_or_null(out, "new_cumulative_ns", f->new_cum_ns, n);
	change(out, "cumulative_change_ns", f->old_cum_ns, f->new_cum_ns);
	fputs(", \"cumulative_speedup\": ", out);
	ratio(out, cmp_ratio(f->old_cum_ns, f->new_cum_ns));
	fputc('}', out);
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

int report_compare_json(const struct cmp_report *cmp, FILE *out)
{
	long limit = cmp->opt->limit;
	size_t i, n = limit >= 0 && (size_t)limit < cmp->nfuncs ? (size_t)limit : cmp->nfuncs;

	fputs("{\n  \"compare\": {\n", out);
	side(out, "old", cmp->old);
	side(out, "new", cmp->new);
	fputs("    \"wall_speedup\": ", out);
	ratio(out, cmp->old->wall_known && cmp->new->wall_known
		       ? cmp_ratio(cmp->old->wall_ns, cmp->new->wall_ns)
		       : 0);
	fputs(",\n    \"self_speedup\": ", out);
	ratio(out, cmp_ratio(cmp->old->merged.total_self_ns, cmp->new->merged.total_self_ns));
	fprintf(out, ",\n    \"order\": \"%s\",\n    \"stages\": [", order_key(cmp->opt->sort));
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
	fputs(n ? "\n    ]\n  }\n}\n" : "]\n  }\n}\n", out);
	return 0;
}
