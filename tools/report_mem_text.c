// SPDX-License-Identifier: MIT
/*
 * report_mem_text.c - the memory report in text: the summary, the top
 * allocation sites, the leaks, the peak contributors, the temporary
 * allocations and the snapshots, each site in tracemalloc's statistic form;
 * and the comparison of two snapshots in its compare_to() form (--diff).
 */
#include "config.h"

#include <inttypes.h>

#include "report_mem.h"

static const char *const group_names[] = {
	[REPORT_GROUP_LINE] = "line",
	[REPORT_GROUP_FUNCTION] = "function",
	[REPORT_GROUP_STACK] = "stack",
};

static double secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

static const char *size_str(char *buf, size_t len, uint64_t bytes)
{
	return report_format_size(buf, len, (double)bytes, false);
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* The frames of a stack, innermost first, one a line. */
static void print_frames(const struct report_site *s, FILE *out)
{
	size_t i;

	for (i = 0; i < s->nframes; i++) {
		const struct report_frame *f = &s->frames[i];
		const char *file = f->file ? util_basename(f->file) : NULL;

		if (f->entry)
			fprintf(out, "    %s:%d(%s)\n", file ? file : "~", f->line, f->function);
		else if (file)
			fprintf(out, "    %s:%d in %s\n", file, f->line, f->function);
		else
			fprintf(out, "    %s\n", f->function);
	}
}

/* One site: the statistic line, the function after a line's, a stack's frames. */
static void site_line(const struct report *rep, const struct report_site *s, uint64_t size,
		      uint64_t count, FILE *out)
{
	report_mem_stat(out, s->label, size, count);
	if (rep->opt->group_by == REPORT_GROUP_LINE && s->file && s->function)
		fprintf(out, "  in %s", s->function);
	fputc('\n', out);
	if (rep->opt->group_by == REPORT_GROUP_STACK)
		print_frames(s, out);
}

static void summary(const struct report *rep, const struct report_mem *m, FILE *out)
{
	char buf[64];

	fprintf(out,
		"Memory: %" PRIu64 " allocation%s, %" PRIu64 " free%s, %" PRIu64
		" bytes allocated (%s)\n",
		m->allocs, plural(m->allocs, "", "s"), m->frees, plural(m->frees, "", "s"),
		m->bytes, size_str(buf, sizeof(buf), m->bytes));
	fprintf(out, "   peak: %" PRIu64 " bytes in %" PRIu64 " block%s (%s) at %.3f s\n",
		m->peak_bytes, m->peak_blocks, plural(m->peak_blocks, "", "s"),
		size_str(buf, sizeof(buf), m->peak_bytes), secs(m->peak_ns));
	/* A process killed or crashed leaked nothing: it was stopped. */
	fprintf(out, "   %s: %" PRIu64 " bytes in %" PRIu64 " block%s (%s)\n",
		report_live_at_end(rep, false), m->leaked_bytes, m->leaked_blocks,
		plural(m->leaked_blocks, "", "s"), size_str(buf, sizeof(buf), m->leaked_bytes));
	fprintf(
	    out,
	    "   temporary allocations: %" PRIu64 " (%.1f%% of allocations), %" PRIu64 " bytes\n",
	    m->temp_allocs, m->allocs ? 100.0 * (double)m->temp_allocs / (double)m->allocs : 0.0,
	    m->temp_bytes);
	if (m->unknown_frees)
		fprintf(out, "   frees of unknown blocks: %" PRIu64 "\n", m->unknown_frees);
	if (m->replaced)
		fprintf(out, "   allocations at an address still live: %" PRIu64 "\n", m->replaced);
	if (m->late)
		fprintf(out, "   events out of time order: %" PRIu64 "\n", m->late);
	if (rep->lost)
		fprintf(out,
			"   lost events: %" PRIu64 " (dropped while recording: the figures around "
			"them are incomplete)\n",
			rep->lost);
	fputc('\n', out);
}

static void top_sites(const struct report *rep, const struct report_mem *m, FILE *out)
{
	size_t i, n = report_mem_rows(rep, m->nsites);
	bool count = rep->opt->mem_sort == REPORT_MEM_SORT_COUNT;

	if (!n)
		return;
	fprintf(out, "Top %zu of %zu allocation site%s by %s, grouped by %s:\n", n, m->nsites,
		plural(m->nsites, "", "s"), count ? "count" : "bytes",
		group_names[rep->opt->group_by]);
	for (i = 0; i < n; i++)
		site_line(rep, m->sites[i], m->sites[i]->bytes, m->sites[i]->allocs, out);
	fputc('\n', out);
}

static void leaks(const struct report *rep, const struct report_mem *m, FILE *out)
{
	size_t i, n = report_mem_rows(rep, m->nleaks);

	if (!n)
		return;
	fprintf(out, "%s: top %zu of %zu site%s by bytes:\n", report_live_at_end(rep, true), n,
		m->nleaks, plural(m->nleaks, "", "s"));
	for (i = 0; i < n; i++)
		site_line(rep, m->leaks[i], m->leaks[i]->leaked_bytes, m->leaks[i]->leaked_blocks,
			  out);
	fputc('\n', out);
}

static void peak(const struct report *rep, const struct report_mem *m, FILE *out)
{
	size_t i, n = report_mem_rows(rep, m->npeak);

	if (!n)
		return;
	fprintf(out, "Live at the peak (%.3f s): top %zu of %zu site%s by bytes:\n",
		secs(m->peak_ns), n, m->npeak, plural(m->npeak, "", "s"));
	for (i = 0; i < n; i++)
		site_line(rep, m->peak[i], m->peak[i]->peak_bytes, m->peak[i]->peak_blocks, out);
	fputc('\n', out);
}

static void temporaries(const struct report *rep, const struct report_mem *m, FILE *out)
{
	size_t i, n = report_mem_rows(rep, m->ntemps);

	if (!n)
		return;
	fprintf(out, "Temporary allocations: top %zu of %zu site%s by count:\n", n, m->ntemps,
		plural(m->ntemps, "", "s"));
	for (i = 0; i < n; i++)
		site_line(rep, m->temps[i], m->temps[i]->temp_bytes, m->temps[i]->temp_allocs, out);
	fputc('\n', out);
}

static void snapshots(const struct report_mem *m, FILE *out)
{
	size_t i;

	if (!m->nsnaps) /* a merged report: the snapshots are per process */
		return;
	fputs("Snapshots (compare two with --diff OLD NEW):\n", out);
	for (i = 0; i < m->nsnaps; i++) {
		const struct report_snapshot *s = &m->snaps[i];
		char label[TRACE_SNAPSHOT_LABEL_MAX + 32];

		snprintf(label, sizeof(label), "%s (%.3f s)", s->label, secs(s->ns));
		report_mem_stat(out, label, s->live_bytes, s->live_blocks);
		fputc('\n', out);
	}
	fputc('\n', out);
}

void report_mem_text(const struct report *rep, FILE *out)
{
	const struct report_mem *m = rep->mem;

	summary(rep, m, out);
	top_sites(rep, m, out);
	leaks(rep, m, out);
	peak(rep, m, out);
	temporaries(rep, m, out);
	snapshots(m, out);
}

void report_mem_text_diff(const struct report *rep, FILE *out)
{
	const struct report_mem *m = rep->mem;
	size_t i, n = report_mem_rows(rep, m->ndiff);

	fprintf(out, "Snapshot '%s' compared to '%s', grouped by %s: top %zu of %zu site%s:\n",
		m->diff_new, m->diff_old, group_names[rep->opt->group_by], n, m->ndiff,
		plural(m->ndiff, "", "s"));
	for (i = 0; i < n; i++) {
		report_mem_stat_diff(out, &m->diff[i]);
		fputc('\n', out);
		if (rep->opt->group_by == REPORT_GROUP_STACK)
			print_frames(m->diff[i].site, out);
	}
	fputc('\n', out);
}
