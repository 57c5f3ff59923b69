// SPDX-License-Identifier: MIT
/*
 * export_callgrind.c - the callgrind profile format, which KCachegrind and
 * callgrind_annotate read. One event, "ns": nanoseconds, the probe's cost
 * taken out as in the report. Each function is a "fn=" block at the line of
 * its definition with its self time, then one "cfn=" / "calls=" pair per
 * callee with the number of calls and their inclusive time.
 *
 * Recursion: a call's inclusive time is charged to its caller only when it
 * is the outermost activation of the callee on its thread (pstats's
 * cumtime), so a function's self time plus its calls' costs is its
 * cumulative time, and fib calling fib adds the calls but no second copy of
 * the time. (Through a cycle of several functions, a->b->a, the inner
 * activations of a are inside b's cost already: b's line shows them.)
 */
#include "config.h"

#include "callstats.h"
#include "export.h"

/* caller address -> callee address: calls (unused), outermost inclusive ticks. */
static void add_call(void *arg, const struct export_call *c)
{
	struct export_map *edges = arg;
	uint32_t id;

	if (!c->depth || !c->outermost)
		return;
	id = export_map_get(edges, c->frames[c->depth - 1].fn->addr, c->frames[c->depth].fn->addr);
	edges->nodes[id].ticks += c->incl_ticks;
}

static void print_where(FILE *out, const char *fl, const char *fn, const struct report_sym *s)
{
	fprintf(out, "%s=%s\n%s=%s\n", fl, s->file ? s->file : "???", fn, s->name);
}

static void print_func(const struct report *rep, const struct export_map *edges,
		       const struct report_func *f, FILE *out)
{
	size_t i;

	fputc('\n', out);
	print_where(out, "fl", "fn", f->sym);
	fprintf(out, "%d %llu\n", f->sym->line, (unsigned long long)f->self_ns);
	for (i = 0; i < f->ncallees; i++) {
		const struct report_edge *e = &f->callees[i];
		uint32_t id = export_map_find(edges, f->sym->addr, e->other->sym->addr);
		uint64_t ticks = id ? edges->nodes[id].ticks : 0;

		print_where(out, "cfl", "cfn", e->other->sym);
		fprintf(out, "calls=%llu %d\n%d %llu\n", (unsigned long long)e->calls,
			e->other->sym->line, f->sym->line,
			(unsigned long long)trace_clock_span(rep->clk, ticks));
	}
}

int export_render_callgrind(const struct report *rep, FILE *out)
{
	struct export_sink sink = { .call = add_call };
	struct export_map edges;
	size_t i;
	int ret;

	export_map_init(&edges);
	sink.arg = &edges;
	ret = export_pass(rep, &sink);
	if (!ret) {
		fputs("# callgrind format\nversion: 1\ncreator: mprof-report " PACKAGE_VERSION "\n",
		      out);
		fprintf(out, "pid: %u\ncmd: %s\npositions: line\nevents: ns\nsummary: %llu\n",
			rep->hdr->pid, rep->trace, (unsigned long long)rep->merged.total_self_ns);
		for (i = 0; i < rep->merged.nfuncs; i++)
			print_func(rep, &edges, &rep->merged.funcs[i], out);
	}
	export_map_release(&edges);
	return ret;
}
