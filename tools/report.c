// SPDX-License-Identifier: MIT
/*
 * report.c - from a trace to the struct report the renderers print: run the
 * reader and the aggregation, name every function once, convert ticks to
 * nanoseconds, sort, and select rows.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "callstats.h"
#include "compare.h"
#include "memstats.h"
#include "multi.h"
#include "name_match.h"
#include "progress.h"
#include "report.h"
#include "report_mem.h"
#include "report_stage.h"
#include "stagestats.h"
#include "sym.h"

const struct report_kind report_kinds[] = {
	{ "text", report_render_text, report_compare_text, false },
	{ "json", report_render_json, report_compare_json, false },
	{ "chrome", export_render_chrome, NULL, false },
	{ "folded", export_render_folded, NULL, false },
	{ "folded-alloc", export_render_folded_alloc, NULL, true },
	{ "folded-leak", export_render_folded_leak, NULL, true },
	{ "folded-peak", export_render_folded_peak, NULL, true },
	{ "callgrind", export_render_callgrind, NULL, false },
	{ "massif", export_render_massif, NULL, false },
	{ "svg", export_render_svg, NULL, false },
	{ "flamegraph", export_render_svg, NULL, false },
	{ "svg-alloc", export_render_svg_alloc, NULL, true },
	{ "svg-timeline", export_render_svg_timeline, NULL, false },
	{ "html", export_render_html, NULL, true },
	{ NULL, NULL, NULL, false },
};

/* Everything a report is built from: report_open() fills it. */
struct report_input {
	const struct report_options *opt;
	struct cs_filter filter;
	bool filtering;		  /* `filter` applies */
	uint64_t min_duration_ns; /* the larger of --min-duration and the recorded minimum */
	struct trace_reader r;
	struct trace_clock clk;
	struct cs_profile prof;
	struct sym_table syms;
	struct ms_heap heap;
	struct ss_profile stages;
	unsigned char exe_buildid[64];
	size_t exe_buildid_len;
	struct percall *percall; /* with opt->percall: by function address */
};

/* A function's calls, one by one (report_options.percall). */
struct percall {
	uint64_t addr;
	struct ss_hist self, cum;
	UT_hash_handle hh;
};

/* cs_call_fn: each call's self time; the inclusive time of the outermost. */
static void percall_add(void *arg, const struct cs_thread *t, const struct cs_frame *fr,
			uint64_t end, uint64_t self, uint64_t incl, uint64_t off_self,
			uint64_t off_incl)
{
	struct report_input *in = arg;
	uint64_t addr = fr->fn->addr;
	struct percall *pc;

	(void)t, (void)end, (void)off_self, (void)off_incl;
	HASH_FIND(hh, in->percall, &addr, sizeof(addr), pc);
	if (!pc) {
		pc = xcalloc(1, sizeof(*pc));
		pc->addr = addr;
		HASH_ADD(hh, in->percall, addr, sizeof(pc->addr), pc);
		if (hash_oom_take())
			die("out of memory");
	}
	ss_hist_add(&pc->self, self);
	if (!fr->fn->st.active)
		ss_hist_add(&pc->cum, incl);
}

/* Point the merged table's functions at their calls. */
static void percall_attach(struct report *rep, struct report_input *in)
{
	for (size_t i = 0; i < rep->merged.nfuncs; i++) {
		struct report_func *rf = &rep->merged.funcs[i];
		uint64_t addr = rf->sym->addr;
		struct percall *pc;

		HASH_FIND(hh, in->percall, &addr, sizeof(addr), pc);
		if (pc) {
			rf->self_hist = &pc->self;
			rf->cum_hist = &pc->cum;
		}
	}
}

static void percall_release(struct report_input *in)
{
	struct percall *pc, *tmp;

	HASH_ITER(hh, in->percall, pc, tmp)
	{
		HASH_DEL(in->percall, pc);
		ss_hist_release(&pc->self);
		ss_hist_release(&pc->cum);
		free(pc);
	}
}

const struct report_kind *report_kind_find(const char *name)
{
	const struct report_kind *k;

	for (k = report_kinds; k->name; k++) {
		if (!strcmp(k->name, name))
			return k;
	}
	return NULL;
}

/* ------------------------------------------------------------------ sorting */

static const struct {
	const char *key;
	enum report_sort sort;
} sort_keys[] = {
	{ "cumulative", REPORT_SORT_CUMULATIVE },
	{ "cumtime", REPORT_SORT_CUMULATIVE },
	{ "tottime", REPORT_SORT_TOTTIME },
	{ "time", REPORT_SORT_TOTTIME },
	{ "ncalls", REPORT_SORT_NCALLS },
	{ "calls", REPORT_SORT_NCALLS },
	{ "name", REPORT_SORT_NAME },
	{ "totalloc", REPORT_SORT_TOTALLOC },
	{ "cumalloc", REPORT_SORT_CUMALLOC },
	{ "oncpu", REPORT_SORT_ONCPU },
	{ "offcpu", REPORT_SORT_OFFCPU },
	{ "cumoncpu", REPORT_SORT_CUMONCPU },
};

int report_sort_parse(const char *key, enum report_sort *sort)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sort_keys); i++) {
		if (!strcmp(sort_keys[i].key, key)) {
			*sort = sort_keys[i].sort;
			return 0;
		}
	}
	return -1;
}

const char *report_sort_title(enum report_sort sort)
{
	static const char *const titles[] = {
		[REPORT_SORT_CUMULATIVE] = "cumulative time",
		[REPORT_SORT_TOTTIME] = "internal time",
		[REPORT_SORT_NCALLS] = "call count",
		[REPORT_SORT_NAME] = "function name",
		[REPORT_SORT_TOTALLOC] = "bytes allocated",
		[REPORT_SORT_CUMALLOC] = "cumulative bytes allocated",
		[REPORT_SORT_ONCPU] = "internal time on the CPU",
		[REPORT_SORT_OFFCPU] = "internal time off the CPU",
		[REPORT_SORT_CUMONCPU] = "cumulative time on the CPU",
	};

	return titles[sort];
}

int report_mem_sort_parse(const char *key, enum report_mem_sort *sort)
{
	if (!strcmp(key, "bytes") || !strcmp(key, "size"))
		*sort = REPORT_MEM_SORT_BYTES;
	else if (!strcmp(key, "count") || !strcmp(key, "allocations"))
		*sort = REPORT_MEM_SORT_COUNT;
	else
		return -1;
	return 0;
}

int report_time_parse(const char *name, enum report_time *time)
{
	if (!strcmp(name, "oncpu"))
		*time = REPORT_TIME_ONCPU;
	else if (!strcmp(name, "offcpu"))
		*time = REPORT_TIME_OFFCPU;
	else if (!strcmp(name, "wall"))
		*time = REPORT_TIME_WALL;
	else if (!strcmp(name, "auto"))
		*time = REPORT_TIME_AUTO;
	else
		return -1;
	return 0;
}

enum report_time report_time_of(const struct report *rep)
{
	enum report_time t = rep->opt->time;

	if (t == REPORT_TIME_AUTO)
		return rep->offcpu.columns ? REPORT_TIME_ONCPU : REPORT_TIME_WALL;
	/* Without off-CPU times, the whole time is all there is to show. */
	return rep->offcpu.columns ? t : REPORT_TIME_WALL;
}

int report_group_parse(const char *name, enum report_group *group)
{
	if (!strcmp(name, "line") || !strcmp(name, "lineno"))
		*group = REPORT_GROUP_LINE;
	else if (!strcmp(name, "function"))
		*group = REPORT_GROUP_FUNCTION;
	else if (!strcmp(name, "stack") || !strcmp(name, "traceback"))
		*group = REPORT_GROUP_STACK;
	else
		return -1;
	return 0;
}

static int order_u64_desc(uint64_t a, uint64_t b)
{
	return (a < b) - (a > b);
}

/* Order of rows: the sort key, then the label, then the address. */
static int order_func(const void *a, const void *b, void *arg)
{
	const struct report_func *x = a, *y = b;
	enum report_sort sort = *(const enum report_sort *)arg;
	int c = 0;

	if (sort == REPORT_SORT_CUMULATIVE)
		c = order_u64_desc(x->cum_ns, y->cum_ns);
	else if (sort == REPORT_SORT_TOTTIME)
		c = order_u64_desc(x->self_ns, y->self_ns);
	else if (sort == REPORT_SORT_NCALLS)
		c = order_u64_desc(x->calls, y->calls);
	else if (sort == REPORT_SORT_TOTALLOC)
		c = order_u64_desc(x->alloc_self, y->alloc_self);
	else if (sort == REPORT_SORT_CUMALLOC)
		c = order_u64_desc(x->alloc_cum, y->alloc_cum);
	else if (sort == REPORT_SORT_ONCPU) /* unknown splits: all their time */
		c = order_u64_desc(x->self_ns - x->off_self_ns, y->self_ns - y->off_self_ns);
	else if (sort == REPORT_SORT_OFFCPU)
		c = order_u64_desc(x->off_self_ns, y->off_self_ns);
	else if (sort == REPORT_SORT_CUMONCPU)
		c = order_u64_desc(x->cum_ns - x->off_cum_ns, y->cum_ns - y->off_cum_ns);
	else
		c = strcmp(x->sym->name, y->sym->name);
	if (!c)
		c = strcmp(x->sym->label, y->sym->label);
	if (!c)
		c = (x->sym->addr > y->sym->addr) - (x->sym->addr < y->sym->addr);
	return c;
}

/* pstats sorts callers and callees by (file, line, name). */
static int order_edge(const void *a, const void *b)
{
	const struct report_sym *x = ((const struct report_edge *)a)->other->sym;
	const struct report_sym *y = ((const struct report_edge *)b)->other->sym;
	int c =
	    strcmp(x->file ? util_basename(x->file) : "~", y->file ? util_basename(y->file) : "~");

	if (!c)
		c = (x->line > y->line) - (x->line < y->line);
	if (!c)
		c = strcmp(x->name, y->name);
	if (!c)
		c = (x->addr > y->addr) - (x->addr < y->addr);
	return c;
}

/* ---------------------------------------------------------------- symbols */

static char *make_label(const struct report_sym *s)
{
	const char *file = s->file ? util_basename(s->file) : "~";
	int len = snprintf(NULL, 0, "%s:%d(%s)", file, s->line, s->name);
	char *label = xmalloc((size_t)len + 1);

	snprintf(label, (size_t)len + 1, "%s:%d(%s)", file, s->line, s->name);
	return label;
}

/* Name the function at `addr` once, with the modules as they were at `when`. */
static void name_func(struct report *rep, struct sym_table *syms, uint64_t addr, uint64_t when)
{
	struct report_sym *s;
	struct sym_info info;

	HASH_FIND(hh, rep->syms, &addr, sizeof(addr), s);
	if (s)
		return;
	s = xcalloc(1, sizeof(*s));
	s->addr = addr;
	sym_lookup(syms, addr, when, &info);
	s->name = info.function ? info.function : sym_name(syms, addr, when);
	s->file = info.file;
	s->line = info.file ? info.line : 0;
	s->module = info.module;
	s->label = make_label(s);
	HASH_ADD(hh, rep->syms, addr, sizeof(s->addr), s);
	if (hash_oom_take())
		die("out of memory");
}

static const struct report_sym *sym_of(const struct report *rep, uint64_t addr)
{
	struct report_sym *s;

	HASH_FIND(hh, rep->syms, &addr, sizeof(addr), s);
	return s;
}

const struct report_sym *report_sym_find(const struct report *rep, uint64_t addr)
{
	return sym_of(rep, addr);
}

/* ----------------------------------------------------------------- tables */

static int order_by_addr(const void *a, const void *b)
{
	uint64_t x = (*(const struct report_func *const *)a)->sym->addr;
	uint64_t y = (*(const struct report_func *const *)b)->sym->addr;

	return (x > y) - (x < y);
}

static struct report_func *find_func(struct report_func **byaddr, size_t n, uint64_t addr)
{
	struct report_sym key = { .addr = addr };
	struct report_func kf = { .sym = &key }, *k = &kf, **found;

	found = bsearch(&k, byaddr, n, sizeof(*byaddr), order_by_addr);
	return found ? *found : NULL;
}

static void fill_edge(struct report_edge *e, const struct report_func *other,
		      const struct cs_stats *st, const struct trace_clock *clk)
{
	e->other = other;
	e->calls = st->calls;
	e->prim_calls = st->calls - st->rec_calls;
	e->self_ns = trace_clock_span(clk, st->self_ticks);
	e->cum_ns = trace_clock_span(clk, st->cum_ticks);
	e->off_self_ns = trace_clock_span(clk, st->off_self);
	e->off_cum_ns = trace_clock_span(clk, st->off_cum);
}

/* Give every function its callers and callees from the edges of `ct`. */
static void attach_edges(struct report_table *rt, const struct cs_table *ct,
			 const struct trace_clock *clk)
{
	size_t i, n = ct->nedges;
	struct report_func **byaddr = xmalloc((rt->nfuncs + 1) * sizeof(*byaddr));
	struct report_edge *next;
	const struct cs_edge *e;

	for (i = 0; i < rt->nfuncs; i++)
		byaddr[i] = &rt->funcs[i];
	qsort(byaddr, rt->nfuncs, sizeof(*byaddr), order_by_addr);
	for (e = ct->edges; e; e = e->next) {
		find_func(byaddr, rt->nfuncs, e->caller->addr)->ncallees++;
		find_func(byaddr, rt->nfuncs, e->callee->addr)->ncallers++;
	}
	rt->edges = next = xcalloc(2 * n + 1, sizeof(*rt->edges));
	for (i = 0; i < rt->nfuncs; i++) {
		rt->funcs[i].callers = next;
		next += rt->funcs[i].ncallers;
		rt->funcs[i].callees = next;
		next += rt->funcs[i].ncallees;
		rt->funcs[i].ncallers = rt->funcs[i].ncallees = 0;
	}
	for (e = ct->edges; e; e = e->next) {
		struct report_func *caller = find_func(byaddr, rt->nfuncs, e->caller->addr);
		struct report_func *callee = find_func(byaddr, rt->nfuncs, e->callee->addr);

		fill_edge(&callee->callers[callee->ncallers++], caller, &e->st, clk);
		fill_edge(&caller->callees[caller->ncallees++], callee, &e->st, clk);
	}
	for (i = 0; i < rt->nfuncs; i++) {
		qsort(rt->funcs[i].callers, rt->funcs[i].ncallers, sizeof(*next), order_edge);
		qsort(rt->funcs[i].callees, rt->funcs[i].ncallees, sizeof(*next), order_edge);
	}
	free(byaddr);
}

/*
 * The off-CPU split of a function: its ticks converted alike (so never more
 * than the times), or none when unknown.
 */
static void func_offcpu(struct report_func *rf, const struct cs_stats *st, bool known,
			const struct trace_clock *clk)
{
	rf->off_known = known;
	if (!known)
		return;
	rf->off_self_ns = trace_clock_span(clk, st->off_self);
	rf->off_cum_ns = trace_clock_span(clk, st->off_cum);
}

/* Whether the merged function at `addr` ran on a thread that did not record
 * its switches (its split unknown). */
static bool ran_unsplit(const struct cs_profile *prof, uint64_t addr)
{
	size_t i;

	for (i = 0; i < prof->nthreads; i++) {
		if (!prof->threads[i]->offcpu && cs_table_find(&prof->threads[i]->table, addr))
			return true;
	}
	return false;
}

/*
 * Build rt from ct. `prof` for the merged table (the split of a function
 * is known if no thread without readings ran it), NULL for a thread's,
 * whose split is known if `known`.
 */
static void table_build(struct report_table *rt, const struct report *rep,
			const struct cs_table *ct, const struct trace_clock *clk,
			const struct cs_profile *prof, bool known)
{
	enum report_sort sort = rep->opt->sort;
	const struct cs_func *f;
	size_t i = 0;

	rt->nfuncs = ct->nfuncs;
	rt->funcs = xcalloc(rt->nfuncs + 1, sizeof(*rt->funcs));
	for (f = ct->funcs; f; f = f->next, i++) {
		struct report_func *rf = &rt->funcs[i];

		rf->sym = sym_of(rep, f->addr);
		rf->calls = f->st.calls;
		rf->prim_calls = f->st.calls - f->st.rec_calls;
		rf->self_ns = trace_clock_span(clk, f->st.self_ticks);
		rf->cum_ns = trace_clock_span(clk, f->st.cum_ticks);
		rf->alloc_self = f->st.alloc_self;
		rf->alloc_cum = f->st.alloc_cum;
		func_offcpu(rf, &f->st, prof ? known && !ran_unsplit(prof, f->addr) : known, clk);
		rt->total_calls += rf->calls;
		rt->prim_calls += rf->prim_calls;
		rt->total_self_ns += rf->self_ns;
	}
	qsort_r(rt->funcs, rt->nfuncs, sizeof(*rt->funcs), order_func, &sort);
	attach_edges(rt, ct, clk);
}

static void thread_table(struct report_table *rt, const struct report *rep,
			 const struct cs_thread *t, const struct trace_clock *clk)
{
	rt->serial = t->serial;
	rt->tid = t->tid;
	/* The thread's own time: the runtime's pauses taken out. A damaged
	 * trace can end a thread before it begins, or pause it for longer
	 * than it ran: then its time is not known. */
	if (t->last_ticks >= t->first_ticks && t->last_ticks - t->first_ticks >= t->paused_ticks) {
		rt->wall_ns =
		    trace_clock_span(clk, t->last_ticks - t->first_ticks - t->paused_ticks);
		rt->wall_known = rt->wall_ns <= REPORT_WALL_MAX;
	}
	if (!rt->wall_known)
		rt->wall_ns = 0;
	rt->lost = t->lost;
	rt->unmatched_exits = t->unmatched_exits;
	rt->open_at_end = t->open_at_end;
	rt->filtered_calls = t->filtered;
	rt->unrecorded_calls = t->unrecorded;
	rt->off_known = t->offcpu && rep->offcpu.columns;
	if (rt->off_known) {
		rt->off_ns = trace_clock_span(clk, t->off_total);
		rt->off_idle_ns = trace_clock_span(clk, t->off_idle);
	}
	table_build(rt, rep, &t->table, clk, NULL, rt->off_known);
}

/*
 * From the start of the trace to its end, or to its last event; false if
 * that cannot be known: nothing after the start (no end point, no event),
 * or an end before the start (a damaged header or a counter that went
 * back), which unsigned arithmetic would turn into centuries.
 */
static bool wall_ns(const struct trace_reader *r, const struct trace_clock *clk,
		    const struct cs_profile *prof, uint64_t *ns)
{
	uint64_t last = r->hdr.end.ticks, end_ns;
	size_t i;

	*ns = 0;
	for (i = 0; i < prof->nthreads; i++) {
		if (prof->threads[i]->last_ticks > last)
			last = prof->threads[i]->last_ticks;
	}
	if (!r->hdr.end.ticks && !prof->nthreads)
		return false; /* nothing after the start */
	if (r->hdr.end.ticks == last && r->hdr.end.ns)
		end_ns = r->hdr.end.ns;
	else if (clk->tsc && last < r->hdr.start.ticks)
		return false;
	else
		end_ns = trace_clock_ns(clk, last);
	if (end_ns < r->hdr.start.ns || end_ns - r->hdr.start.ns > REPORT_WALL_MAX)
		return false;
	*ns = end_ns - r->hdr.start.ns;
	return true;
}

static uint64_t ticks_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void report_build(struct report *rep, const struct report_options *opt,
		  const struct trace_reader *r, const struct trace_clock *clk,
		  const struct cs_profile *prof, struct sym_table *syms)
{
	uint64_t off_ticks = 0, idle_ticks = 0;
	const struct cs_func *f;
	size_t i;

	memset(rep, 0, sizeof(*rep));
	rep->opt = opt;
	rep->trace = r->path;
	rep->hdr = &r->hdr;
	rep->complete = trace_reader_complete(r);
	rep->ended = trace_reader_ended(r);
	rep->cut = trace_reader_cut(r);
	rep->wall_known = wall_ns(r, clk, prof, &rep->wall_ns);
	report_lost_init(&rep->lost_by, r, clk);
	rep->lost = rep->lost_by.total;
	rep->unmatched_exits = prof->unmatched_exits;
	rep->open_at_end = prof->open_at_end;
	rep->has_calls = prof->merged.nfuncs || prof->unmatched_exits;
	rep->malloc_elsewhere = r->hdr.malloc_elsewhere;
	if (rep->malloc_elsewhere) {
		struct sym_info info;

		/* with the modules as the process started: malloc resolves then */
		sym_lookup(syms, rep->malloc_elsewhere, r->hdr.start.ticks, &info);
		rep->malloc_module = info.module;
	}
	rep->filtering = prof->filter != NULL;
	rep->record_filters = trace_reader_record_filters(r);
	for (f = prof->merged.funcs; f; f = f->next)
		name_func(rep, syms, f->addr, f->first_ticks);
	rep->merged.wall_ns = rep->wall_ns;
	rep->merged.wall_known = rep->wall_known;
	rep->merged.lost = rep->lost;
	rep->merged.unmatched_exits = rep->unmatched_exits;
	rep->merged.open_at_end = rep->open_at_end;
	rep->merged.filtered_calls = prof->filtered;
	rep->merged.unrecorded_calls = trace_reader_unrecorded(r);
	report_offcpu_init(rep, r, clk, prof);
	rep->merged.off_known = rep->offcpu.columns && !rep->offcpu.missing;
	/* The threads' ticks added (saturated: a damaged trace's can be
	 * anything), then converted once, as the merged functions' are: their
	 * shares never add up to more. */
	for (i = 0; rep->offcpu.columns && i < prof->nthreads; i++) {
		off_ticks = ticks_add(off_ticks, prof->threads[i]->off_total);
		idle_ticks = ticks_add(idle_ticks, prof->threads[i]->off_idle);
	}
	rep->merged.off_ns = trace_clock_span(clk, off_ticks);
	rep->merged.off_idle_ns = trace_clock_span(clk, idle_ticks);
	table_build(&rep->merged, rep, &prof->merged, clk, prof, rep->offcpu.columns);
	rep->nthreads = prof->nthreads;
	rep->threads = xcalloc(prof->nthreads + 1, sizeof(*rep->threads));
	for (i = 0; i < prof->nthreads; i++)
		thread_table(&rep->threads[i], rep, prof->threads[i], clk);
}

void report_table_sort(struct report_table *t, enum report_sort sort)
{
	if (t->nfuncs) /* qsort_r(NULL, 0, ...) is undefined */
		qsort_r(t->funcs, t->nfuncs, sizeof(*t->funcs), order_func, &sort);
}

void report_edges_sort(struct report_edge *e, size_t n)
{
	if (n)
		qsort(e, n, sizeof(*e), order_edge);
}

static void table_release(struct report_table *rt)
{
	free(rt->funcs);
	free(rt->edges);
}

void report_release(struct report *rep)
{
	struct report_sym *s;
	size_t i;

	table_release(&rep->merged);
	for (i = 0; i < rep->nthreads; i++)
		table_release(&rep->threads[i]);
	free(rep->threads);
	while (rep->syms) {
		s = rep->syms;
		HASH_DEL(rep->syms, s);
		free(s->label);
		free(s);
	}
	memset(rep, 0, sizeof(*rep));
}

/* ------------------------------------------------------------------ views */

bool report_name_matches(const char *pattern, const char *name)
{
	return name_match(pattern, name);
}

void report_view_init(struct report_view *v, const struct report_table *t, const char *pattern,
		      long limit)
{
	size_t i;

	memset(v, 0, sizeof(*v));
	v->rows = xcalloc(t->nfuncs + 1, sizeof(*v->rows));
	for (i = 0; i < t->nfuncs; i++) {
		if (!pattern || report_name_matches(pattern, t->funcs[i].sym->name))
			v->rows[v->nrows++] = &t->funcs[i];
	}
	if (v->nrows != t->nfuncs)
		v->steps[v->nsteps++] = (struct report_step){ t->nfuncs, v->nrows, pattern, 0 };
	if (limit >= 0 && (size_t)limit < v->nrows) {
		v->steps[v->nsteps++] =
		    (struct report_step){ v->nrows, (size_t)limit, NULL, limit };
		v->nrows = (size_t)limit;
	}
}

void report_view_release(struct report_view *v)
{
	free(v->rows);
	v->rows = NULL;
}

/* -------------------------------------------------------------------- run */

static void add_module(void *data, const struct trace_module *m)
{
	struct report_input *in = data;

	if (sym_add_module(&in->syms, m->path, m->bias, m->lo, m->hi, m->buildid, m->buildid_len,
			   m->ticks) < 0)
		die("out of memory");
	/* The executable's build id, from the first capture that lists it. */
	if (!in->exe_buildid_len && m->buildid_len && m->buildid_len <= sizeof(in->exe_buildid) &&
	    m->path && !strcmp(m->path, in->r.hdr.exe)) {
		memcpy(in->exe_buildid, m->buildid, m->buildid_len);
		in->exe_buildid_len = m->buildid_len;
	}
}

/* ---------------------------------------------------------------- filters */

bool report_filtering(const struct report_options *opt)
{
	return opt->ninclude || opt->nexclude || opt->max_depth || opt->min_duration_ns;
}

bool report_name_hidden(const struct report_options *opt, const char *name)
{
	size_t i;

	for (i = 0; i < opt->nexclude; i++) {
		if (report_name_matches(opt->exclude[i], name))
			return true;
	}
	if (!opt->ninclude)
		return false;
	for (i = 0; i < opt->ninclude; i++) {
		if (report_name_matches(opt->include[i], name))
			return false;
	}
	return true;
}

/* cs_filter.hide: name the function as the report will. */
static bool hide_func(void *arg, uint64_t addr, uint64_t when)
{
	struct report_input *in = arg;
	struct sym_info info;

	sym_lookup(&in->syms, addr, when, &info);
	return report_name_hidden(in->opt,
				  info.function ? info.function : sym_name(&in->syms, addr, when));
}

/*
 * The cs_filter of `opt` for the trace of `in` (its clock and symbols
 * ready), with in->min_duration_ns for a minimum.
 */
static void filter_fill(struct report_input *in, const struct report_options *opt,
			struct cs_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->max_depth = opt->max_depth;
	if (in->min_duration_ns && in->clk.ns_per_tick > 0) {
		double t = (double)in->min_duration_ns / in->clk.ns_per_tick;

		f->min_ticks = t >= 1.8e19 ? UINT64_MAX : (uint64_t)t;
		if ((double)f->min_ticks < t)
			f->min_ticks++;
	}
	if (opt->ninclude || opt->nexclude) {
		f->hide = hide_func;
		f->hide_arg = in;
	}
}

bool report_filter_init(const struct report *rep, struct cs_filter *f)
{
	if (!rep->input || !rep->input->filtering)
		return false;
	*f = rep->input->filter;
	return true;
}

/*
 * The minimum duration of the report of `in`: --min-duration, or the one
 * the trace was recorded with if larger. The runtime had to keep the calls
 * shorter than its minimum that something was written after: folded here,
 * the report shows no call shorter than the minimum, as documented.
 */
static uint64_t min_duration(const struct report_input *in)
{
	const struct trace_record_filters *f = trace_reader_record_filters(&in->r);
	uint64_t ns = in->opt->min_duration_ns;

	return f && f->min_duration_ns > ns ? f->min_duration_ns : ns;
}

/*
 * Before a filtered pass: the modules of the whole trace (a process's
 * chunk may come after its threads' chunks) and the clock (for
 * --min-duration). Returns 0, or -1 if the trace cannot be read (printed).
 */
static int prescan(struct report_input *in, const char *path, bool modules)
{
	struct trace_reader r;
	struct trace_chunk c;
	int ret;

	if (trace_reader_open(&r, path) < 0)
		return -1;
	r.quiet_end = true; /* the pass warns */
	if (modules)
		trace_reader_on_module(&r, add_module, in);
	while ((ret = trace_reader_next(&r, &c)) > 0)
		;
	if (!ret)
		ret = trace_reader_clock(&r, &in->clk);
	trace_reader_release(&r);
	return ret;
}

static void input_release(struct report_input *in)
{
	percall_release(in);
	sym_table_release(&in->syms);
	ss_profile_release(&in->stages);
	ms_heap_release(&in->heap);
	cs_profile_release(&in->prof);
	trace_reader_release(&in->r);
	free(in);
}

int report_open(struct report *rep, const struct report_options *opt, const char *path, bool memory)
{
	struct report_input *in = xcalloc(1, sizeof(*in));
	struct progress bar;
	int ret = EXIT_BADTRACE;

	if (trace_reader_open(&in->r, path) < 0) {
		free(in);
		return EXIT_BADTRACE;
	}
	cs_profile_init(&in->prof, in->r.hdr.probe_self_ticks, in->r.hdr.probe_parent_ticks);
	ms_heap_init(&in->heap);
	ss_profile_init(&in->stages);
	if (memory)
		in->prof.heap = &in->heap;
	in->prof.stages = &in->stages;
	sym_table_init(&in->syms);
	in->opt = opt;
	if (trace_reader_scan_filters(&in->r) < 0)
		goto fail;
	in->min_duration_ns = min_duration(in);
	if (report_filtering(opt) || in->min_duration_ns) {
		if (prescan(in, path, !opt->no_symbols) < 0)
			goto fail;
		filter_fill(in, opt, &in->filter);
		in->filtering = true;
		in->prof.filter = &in->filter;
	} else if (!opt->no_symbols) {
		trace_reader_on_module(&in->r, add_module, in);
	}
	if (opt->percall) {
		in->prof.on_call = percall_add;
		in->prof.on_call_arg = in;
	}
	progress_init(&bar, stderr, path, in->r.file_size, opt->progress);
	in->prof.progress = &bar;
	ret = cs_profile_read(&in->prof, &in->r);
	progress_end(&bar);
	in->prof.progress = NULL;
	if (ret < 0 || trace_reader_clock(&in->r, &in->clk) < 0) {
		ret = EXIT_BADTRACE;
		goto fail;
	}
	report_build(rep, opt, &in->r, &in->clk, &in->prof, &in->syms);
	percall_attach(rep, in);
	rep->input = in;
	rep->clk = &in->clk;
	rep->exe_buildid = in->exe_buildid_len ? in->exe_buildid : NULL;
	rep->exe_buildid_len = in->exe_buildid_len;
	report_stage_build(rep, &in->stages, &in->clk);
	ret = memory ? report_mem_build(rep, &in->heap, &in->syms, &in->clk) : 0;
	if (!ret)
		return 0;
	report_close(rep);
	return ret;
fail:
	input_release(in);
	return ret;
}

void report_close(struct report *rep)
{
	struct report_input *in = rep->input;

	report_mem_release(rep);
	report_stage_release(rep);
	report_release(rep);
	if (in)
		input_release(in);
}

int report_run(const struct report_options *opt, FILE *out)
{
	const struct report_kind *kind = opt->kind ? opt->kind : &report_kinds[0];
	struct report_options stacked;
	struct report rep;
	int ret;

	if (opt->compare_old && !kind->render_compare) {
		error("'%s' cannot print a comparison", kind->name);
		return EXIT_USAGE;
	}
	if (opt->compare_old)
		return cmp_run(opt, out);
	if (opt->ntraces > 1)
		return multi_run(opt, kind, out);
	if (kind->by_stack) {
		stacked = *opt;
		stacked.group_by = REPORT_GROUP_STACK;
		opt = &stacked;
	}
	ret = report_open(&rep, opt, opt->trace, true);
	if (ret)
		return ret;
	ret = kind->render(&rep, out) < 0 ? EXIT_BADTRACE : 0;
	report_close(&rep);
	return ret;
}
