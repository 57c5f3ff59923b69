// SPDX-License-Identifier: MIT
/*
 * report_mem_json.c - the memory part of the JSON report: the "memory"
 * object (totals and sites), the "snapshots" array and, with --diff, the
 * "diff" array. Sizes in bytes, times in nanoseconds since the start of
 * the trace.
 */
#include "config.h"

#include <inttypes.h>

#include "report_mem.h"

static void file_line(FILE *out, const char *file, int line)
{
	fputs(", \"file\": ", out);
	report_json_string(out, file);
	if (line)
		fprintf(out, ", \"line\": %d", line);
	else
		fputs(", \"line\": null", out);
}

static void frames(FILE *out, const struct report_site *s)
{
	size_t i;

	fputs(", \"stack\": [", out);
	for (i = 0; i < s->nframes; i++) {
		fputs(i ? ", {\"function\": " : "{\"function\": ", out);
		report_json_string(out, s->frames[i].function);
		file_line(out, s->frames[i].file, s->frames[i].line);
		fprintf(out, ", \"entry\": %s}", s->frames[i].entry ? "true" : "false");
	}
	fputc(']', out);
}

/* The members every site has: where it is. */
static void site_head(FILE *out, const struct report *rep, const struct report_site *s)
{
	fputs("{\"label\": ", out);
	report_json_string(out, s->label);
	fputs(", \"function\": ", out);
	report_json_string(out, s->function);
	file_line(out, s->file, s->line);
	if (rep->opt->group_by == REPORT_GROUP_STACK)
		frames(out, s);
}

/*
 * The blocks live at the end: "live_at_end_blocks" and "live_at_end_bytes"
 * always; "leaked_blocks" and "leaked_bytes" the same numbers when the
 * process ended, null when it was killed or crashed (nothing was leaked,
 * it was stopped).
 */
static void live_at_end(FILE *out, const struct report *rep, uint64_t blocks, uint64_t bytes)
{
	if (rep->ended)
		fprintf(out, ", \"leaked_blocks\": %" PRIu64 ", \"leaked_bytes\": %" PRIu64, blocks,
			bytes);
	else
		fputs(", \"leaked_blocks\": null, \"leaked_bytes\": null", out);
	fprintf(out, ", \"live_at_end_blocks\": %" PRIu64 ", \"live_at_end_bytes\": %" PRIu64,
		blocks, bytes);
}

static void site(FILE *out, const struct report *rep, const struct report_site *s)
{
	site_head(out, rep, s);
	fprintf(out, ", \"allocations\": %" PRIu64 ", \"bytes\": %" PRIu64, s->allocs, s->bytes);
	live_at_end(out, rep, s->leaked_blocks, s->leaked_bytes);
	fprintf(out,
		", \"temporary\": %" PRIu64 ", \"temporary_bytes\": %" PRIu64
		", \"peak_blocks\": %" PRIu64 ", \"peak_bytes\": %" PRIu64 "}",
		s->temp_allocs, s->temp_bytes, s->peak_blocks, s->peak_bytes);
}

static size_t rows(const struct report *rep, size_t n)
{
	long limit = rep->opt->limit;

	return limit >= 0 && (size_t)limit < n ? (size_t)limit : n;
}

static void memory(FILE *out, const struct report *rep, const struct report_mem *m)
{
	static const char *const groups[] = { "line", "function", "stack" };
	size_t i, n = rows(rep, m->nsites);

	fprintf(out,
		",\n  \"memory\": {\"allocations\": %" PRIu64 ", \"frees\": %" PRIu64
		", \"bytes_allocated\": %" PRIu64 ", \"peak_bytes\": %" PRIu64
		", \"peak_blocks\": %" PRIu64 ", \"peak_ns\": %" PRIu64,
		m->allocs, m->frees, m->bytes, m->peak_bytes, m->peak_blocks, m->peak_ns);
	live_at_end(out, rep, m->leaked_blocks, m->leaked_bytes);
	fprintf(out,
		", \"temporary\": %" PRIu64 ", \"temporary_bytes\": %" PRIu64
		", \"unknown_frees\": %" PRIu64 ", \"replaced\": %" PRIu64
		", \"out_of_order\": %" PRIu64
		", \"group_by\": \"%s\", \"sites_total\": %zu,\n    \"sites\": [",
		m->temp_allocs, m->temp_bytes, m->unknown_frees, m->replaced, m->late,
		groups[rep->opt->group_by], m->nsites);
	for (i = 0; i < n; i++) {
		fputs(i ? ",\n      " : "\n      ", out);
		site(out, rep, m->sites[i]);
	}
	fputs(n ? "\n    ]}" : "]}", out);
}

static void snapshots(FILE *out, const struct report_mem *m)
{
	size_t i;

	fputs(",\n  \"snapshots\": [", out);
	for (i = 0; i < m->nsnaps; i++) {
		const struct report_snapshot *s = &m->snaps[i];

		fputs(i ? ",\n    {\"label\": " : "\n    {\"label\": ", out);
		report_json_string(out, s->label);
		fprintf(out,
			", \"ns\": %" PRIu64 ", \"live_blocks\": %" PRIu64
			", \"live_bytes\": %" PRIu64 ", \"implicit\": %s}",
			s->ns, s->live_blocks, s->live_bytes, s->implicit ? "true" : "false");
	}
	fputs(m->nsnaps ? "\n  ]" : "]", out);
}

static void diff(FILE *out, const struct report *rep, const struct report_mem *m)
{
	size_t i, n = rows(rep, m->ndiff);

	fputs(",\n  \"diff\": [", out);
	for (i = 0; i < n; i++) {
		const struct report_diff *d = &m->diff[i];

		fputs(i ? ",\n    " : "\n    ", out);
		site_head(out, rep, d->site);
		fprintf(out,
			", \"size\": %" PRIu64 ", \"size_diff\": %" PRId64 ", \"count\": %" PRIu64
			", \"count_diff\": %" PRId64 "}",
			d->size, d->size_diff, d->count, d->count_diff);
	}
	fputs(n ? "\n  ]" : "]", out);
}

void report_mem_json(const struct report *rep, FILE *out)
{
	const struct report_mem *m = rep->mem;

	if (!m)
		return;
	memory(out, rep, m);
	snapshots(out, m);
	if (m->diff)
		diff(out, rep, m);
}
