// SPDX-License-Identifier: MIT
/*
 * export_folded.c - folded stacks, the input of flamegraph.pl, speedscope
 * and inferno: one line per distinct call stack, the frames outermost first
 * joined by ';', then a space and a count.
 *
 *	main;fib;fib 1234
 *
 * folded: the count is the self time of the stack in nanoseconds (summed
 * over its activations and threads, the probe's cost taken out as in the
 * report), so the lines add up to the report's total time; where the trace
 * recorded off-CPU time, only its on-CPU part unless --time says otherwise
 * (report_time_of()): the waits of idle threads do not bury the work. With
 * --time wall, a stack's off-CPU part is a line of its own, the stack with
 * an "[off-CPU]" frame above it (EXPORT_OFFCPU_FRAME).
 * folded-alloc, folded-leak, folded-peak: the count is the bytes allocated
 * with the allocation stack, live at the end of the trace, or live at the
 * peak; the frames are those recorded with each allocation.
 */
#include "config.h"

#include <stdlib.h>

#include "callstats.h"
#include "export.h"
#include "report_mem.h"

static void print_path(const struct report *rep, const struct export_map *paths, uint32_t id,
		       FILE *out)
{
	const struct export_node *n = &paths->nodes[id];

	if (n->key)
		print_path(rep, paths, (uint32_t)n->key, out);
	if (n->key)
		fputc(';', out);
	fputs(export_name(rep, n->addr), out);
}

int export_render_folded(const struct report *rep, FILE *out)
{
	struct export_sink sink = { .call = export_add_path };
	enum report_time time = report_time_of(rep);
	struct export_map paths;
	size_t id;
	int ret;

	export_map_init(&paths);
	sink.arg = &paths;
	ret = export_pass(rep, &sink);
	for (id = 1; !ret && id < paths.n; id++) {
		const struct export_node *n = &paths.nodes[id];
		uint64_t off = time == REPORT_TIME_WALL ? n->off_ticks : 0;
		uint64_t ns = trace_clock_span(
		    rep->clk, report_time_ticks(time, n->ticks, n->off_ticks) - off);

		/* Every stack that was called, even one whose self time the
		 * probe correction brought to 0: the call paths stay whole. */
		print_path(rep, &paths, (uint32_t)id, out);
		fprintf(out, " %llu\n", (unsigned long long)ns);
		/* The whole time: the waits as frames of their own. */
		if (off) {
			print_path(rep, &paths, (uint32_t)id, out);
			fprintf(out, ";" EXPORT_OFFCPU_FRAME " %llu\n",
				(unsigned long long)trace_clock_span(rep->clk, off));
		}
	}
	export_map_release(&paths);
	return ret;
}

/* ---------------------------------------------------------------- memory */

enum folded_mem { FOLDED_ALLOC, FOLDED_LEAK, FOLDED_PEAK };

static void print_site(const struct report_site *s, uint64_t bytes, FILE *out)
{
	size_t i;

	if (!bytes)
		return;
	if (!s->nframes)
		fputs("[unknown]", out);
	for (i = s->nframes; i-- > 0;) {
		fputs(s->frames[i].function, out);
		if (i)
			fputc(';', out);
	}
	fprintf(out, " %llu\n", (unsigned long long)bytes);
}

static int render_mem(const struct report *rep, FILE *out, enum folded_mem what)
{
	const struct report_mem *m = rep->mem;
	size_t i;

	if (!m)
		return 0; /* no memory events: no stacks, an empty profile */
	for (i = 0; i < m->nsites; i++) {
		const struct report_site *s = m->sites[i];

		print_site(s,
			   what == FOLDED_ALLOC	 ? s->bytes
			   : what == FOLDED_LEAK ? s->leaked_bytes
						 : s->peak_bytes,
			   out);
	}
	return 0;
}

int export_render_folded_alloc(const struct report *rep, FILE *out)
{
	return render_mem(rep, out, FOLDED_ALLOC);
}

int export_render_folded_leak(const struct report *rep, FILE *out)
{
	return render_mem(rep, out, FOLDED_LEAK);
}

int export_render_folded_peak(const struct report *rep, FILE *out)
{
	return render_mem(rep, out, FOLDED_PEAK);
}
