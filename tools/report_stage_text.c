// SPDX-License-Identifier: MIT
/*
 * report_stage_text.c - the stage table in text: one row per stage in pull
 * order, columns aligned, the meaning of latency and self time, and the
 * bottleneck's line.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "report_stage.h"

static double us(uint64_t ns)
{
	return (double)ns / 1e3;
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

/* The width of the name column: the longest name, at least "stage". */
static int name_width(const struct report_stages *st)
{
	size_t i, w = strlen("stage");

	for (i = 0; i < st->n; i++) {
		if (strlen(st->rows[i].name) > w)
			w = strlen(st->rows[i].name);
	}
	return (int)w;
}

void report_stage_text(const struct report *rep, FILE *out)
{
	const struct report_stages *st = rep->stages;
	int w = name_width(st);
	size_t i;

	fprintf(out, "Stages, upstream first (%zu thread%s, merged by name):\n\n", st->threads,
		st->threads == 1 ? "" : "s");
	bool split = rep->offcpu.columns;

	fprintf(out, "%-*s %12s %12s %12s %12s %12s %10s %6s", w, "stage", "records", "records/s",
		"lat_mean_us", "lat_p50_us", "lat_p99_us", "self_ms", "self%");
	fputs(split ? " self_oncpu_ms\n" : "\n", out);
	for (i = 0; i < st->n; i++) {
		const struct report_stage *s = &st->rows[i];

		fprintf(out, "%-*s %12" PRIu64 " %12.0f %12.3f %12.3f %12.3f %10.3f %5.1f%%", w,
			s->name, s->records, s->throughput_per_s, us(s->mean_latency_ns),
			us(s->p50_latency_ns), us(s->p99_latency_ns), ms(s->self_ns),
			st->self_ns ? 100.0 * (double)s->self_ns / (double)st->self_ns : 0.0);
		if (split)
			fprintf(out, " %13.3f", ms(s->self_ns - s->off_self_ns));
		fputc('\n', out);
	}
	fputs("\n   latency: per hand-off, from handing records on to being asked for more "
	      "(the time its consumers take)\n"
	      "   self: the stage's own work, the stages it pulls from excluded\n",
	      out);
	if (split)
		fputs("   self_oncpu: the part of it its thread was on the CPU (not blocked or "
		      "waiting)\n",
		      out);
	if (st->bottleneck) {
		fputs(report_sgr(rep, REPORT_SGR_ALERT), out);
		report_stage_bottleneck(st, out);
		fputs(report_sgr(rep, REPORT_SGR_RESET), out);
		fputc('\n', out);
	}
	if (st->unmatched_ends)
		fprintf(out, "note: %" PRIu64 " stage end%s without a begin\n", st->unmatched_ends,
			st->unmatched_ends == 1 ? "" : "s");
	if (st->open_at_end)
		fprintf(out,
			"note: %" PRIu64 " stage span%s still open at end of trace (not timed)\n",
			st->open_at_end, st->open_at_end == 1 ? "" : "s");
	fputc('\n', out);
}
