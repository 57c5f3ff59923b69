// SPDX-License-Identifier: MIT
/*
 * report_stage_json.c - the stage part of the JSON report: the "stages"
 * array in pull order (times in nanoseconds, throughput in records per
 * second) and the "bottleneck" member.
 */
#include "config.h"

#include <inttypes.h>

#include "report_stage.h"

static void stage(FILE *out, const struct report_stage *s, bool split)
{
	fputs("{\"name\": ", out);
	report_json_string(out, s->name);
	fprintf(out,
		", \"records\": %" PRIu64 ", \"throughput_per_s\": %.3f"
		", \"mean_latency_ns\": %" PRIu64 ", \"p50_latency_ns\": %" PRIu64
		", \"p99_latency_ns\": %" PRIu64 ", \"self_ns\": %" PRIu64
		", \"handoffs\": %" PRIu64 ", \"latency_samples\": %" PRIu64
		", \"elapsed_ns\": %" PRIu64 ", \"busy_ns\": %" PRIu64 ", \"instances\": %u",
		s->records, s->throughput_per_s, s->mean_latency_ns, s->p50_latency_ns,
		s->p99_latency_ns, s->self_ns, s->handoffs, s->samples, s->elapsed_ns, s->busy_ns,
		s->instances);
	if (split)
		fprintf(out, ", \"self_oncpu_ns\": %" PRIu64 ", \"self_offcpu_ns\": %" PRIu64 "}",
			s->self_ns - s->off_self_ns, s->off_self_ns);
	else
		fputs(", \"self_oncpu_ns\": null, \"self_offcpu_ns\": null}", out);
}

void report_stage_json(const struct report *rep, FILE *out)
{
	const struct report_stages *st = rep->stages;
	size_t i;

	if (!st)
		return;
	fputs(",\n  \"stages\": [", out);
	for (i = 0; i < st->n; i++) {
		fputs(i ? ",\n    " : "\n    ", out);
		stage(out, &st->rows[i], rep->offcpu.columns);
	}
	fputs(st->n ? "\n  ]" : "]", out);
	fputs(",\n  \"bottleneck\": ", out);
	report_json_string(out, st->bottleneck ? st->bottleneck->name : NULL);
	fprintf(out, ",\n  \"bottleneck_by\": \"%s\"", st->split ? "oncpu_self" : "self");
	fputs(",\n  \"largest_self\": ", out);
	report_json_string(out, report_stage_largest(st) ? report_stage_largest(st)->name : NULL);
	fputs(",\n  \"upstream_of_bottleneck\": [", out);
	for (i = 0; i < st->nupstream; i++) {
		fputs(i ? ", " : "", out);
		report_json_string(out, st->upstream[i]->name);
	}
	fprintf(out,
		"],\n  \"unmatched_stage_ends\": %" PRIu64
		",\n  \"open_stage_spans_at_end\": %" PRIu64,
		st->unmatched_ends, st->open_at_end);
}
