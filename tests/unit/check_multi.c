// SPDX-License-Identifier: MIT
/*
 * check_multi.c - the report of a process tree (tools/multi.c): three
 * traces built by hand, a parent, its fork child and the image the child
 * exec'd (the same pid), with this executable mapped at a different
 * address in each, so that functions merge by name and file, not by
 * address. The merged counts, times and edges are the sums of the
 * processes' own; the processes, sections and threads are named in
 * argument order; an unreadable trace stops the report with one line.
 *
 * The functions are this file's own, named from its debugging information.
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "multi.h"
#include "multi_twin.h"
#include "report.h"
#include "report_mem.h"
#include "report_stage.h"
#include "trace_builder.h"

#define NOINLINE __attribute__((noipa, used))
#define US	 1000ull
#define SHIFT	 0x10000000ull /* how far each process maps this executable from the last */

/* ------------------------------------------------------- the functions */

static const int outer_def = __LINE__ + 1;
NOINLINE static void multi_outer(void)
{
	__asm__ volatile("" ::: "memory");
}

static const int inner_def = __LINE__ + 1;
NOINLINE static void multi_inner(void)
{
	__asm__ volatile("" ::: "memory");
}

static const int child_only_def = __LINE__ + 1;
NOINLINE static void multi_child_only(void)
{
	__asm__ volatile("" ::: "memory");
}

/* Named like multi_twin.c's multi_twin(). */
NOINLINE static void multi_twin(void)
{
	__asm__ volatile("" ::: "memory");
}

/* -------------------------------------------------------------- traces */

struct exe_map {
	struct tb *tb;
	uint64_t shift, at;
};

/* This executable (the first object listed) as the module of a process chunk. */
static int add_exe(struct dl_phdr_info *info, size_t size, void *data)
{
	const struct exe_map *map = data;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), lo = UINT64_MAX, hi = 0;
	char path[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", path, sizeof(path) - 1);
	int i;

	(void)size;
	ck_assert_int_gt(len, 0);
	path[len] = '\0';
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD)
			continue;
		if ((start & ~(page - 1)) < lo)
			lo = start & ~(page - 1);
		if (start + ph->p_memsz > hi)
			hi = start + ph->p_memsz;
	}
	tb_process_chunk(map->tb, map->at);
	tb_maps(map->tb, map->at, TRACE_MAPS_START, 1);
	tb_module(map->tb, path, info->dlpi_addr + map->shift, lo + map->shift, hi + map->shift,
		  NULL, 0);
	return 1;
}

/*
 * A process's trace: its header, this executable mapped `shift` bytes
 * higher, the clock running from `start` to `end` (microseconds; one tick
 * is one nanosecond).
 */
static struct tb *process(uint32_t pid, uint32_t ppid, const char *exe, uint64_t shift,
			  uint64_t start, uint64_t end)
{
	struct tb *tb = tb_new();
	struct exe_map map = { tb, shift, start * US };

	tb->hdr.pid = pid;
	tb->hdr.ppid = ppid;
	snprintf(tb->hdr.exe, sizeof(tb->hdr.exe), "%s", exe);
	tb->hdr.start = (struct trace_clock_point){ start * US, start * US };
	tb->hdr.start_cal = (struct trace_clock_point){ (start + 500) * US, (start + 500) * US };
	tb->hdr.end = (struct trace_clock_point){ end * US, end * US };
	dl_iterate_phdr(add_exe, &map);
	return tb;
}

/* Thread `serial` of the process, kernel id `tid`, from `base` us. */
static void thread(struct tb *tb, uint32_t serial, uint32_t tid, uint64_t base)
{
	tb_chunk(tb, serial, base * US);
	tb_chunk_header(tb)->tid = tid;
}

static uint64_t addr(void (*fn)(void), uint64_t shift)
{
	return (uint64_t)(uintptr_t)fn + shift;
}

static void enter(struct tb *tb, void (*fn)(void), uint64_t shift, uint64_t at)
{
	tb_enter(tb, addr(fn, shift), at * US);
}

/* A call of fn from `from` to `to` us, calling nothing. */
static void call(struct tb *tb, void (*fn)(void), uint64_t shift, uint64_t from, uint64_t to)
{
	enter(tb, fn, shift, from);
	tb_exit(tb, to * US);
}

/*
 * parent: pid 300, /usr/bin/server, 100 to 1100 us, at shift 0.
 *   thread 1 (tid 300): outer [100, 200] calls inner [110, 140], [150, 160]
 *   thread 2 (tid 301): inner [100, 120]
 * child: pid 310 (ppid 300), /usr/bin/server, 500 to 2500 us, at SHIFT.
 *   thread 1 (tid 310): outer [500, 700] calls inner [510, 610], child_only [620, 650]
 * exec: pid 310 again (the child's new image), /usr/bin/worker, 2500 to
 *   3000 us, at 2 * SHIFT.
 *   thread 1 (tid 310): inner [2500, 2505], [2510, 2515], [2520, 2525]
 *
 * Merged: outer 2 calls, cum 300, self 130; inner 7 calls, 175; child_only
 * 1 call, 30. 10 calls, 4 threads, wall 2900 us (100 to 3000).
 */
#define NPROCS 3
static struct tb *tbs[NPROCS];
static const char *paths[NPROCS];

static void setup(void)
{
	struct tb *tb;

	tb = tbs[0] = process(300, 1, "/usr/bin/server", 0, 100, 1100);
	thread(tb, 1, 300, 100);
	enter(tb, multi_outer, 0, 100);
	call(tb, multi_inner, 0, 110, 140);
	call(tb, multi_inner, 0, 150, 160);
	tb_exit(tb, 200 * US);
	thread(tb, 2, 301, 100);
	call(tb, multi_inner, 0, 100, 120);

	tb = tbs[1] = process(310, 300, "/usr/bin/server", SHIFT, 500, 2500);
	thread(tb, 1, 310, 500);
	enter(tb, multi_outer, SHIFT, 500);
	call(tb, multi_inner, SHIFT, 510, 610);
	call(tb, multi_child_only, SHIFT, 620, 650);
	tb_exit(tb, 700 * US);

	tb = tbs[2] = process(310, 300, "/usr/bin/worker", 2 * SHIFT, 2500, 3000);
	thread(tb, 1, 310, 2500);
	call(tb, multi_inner, 2 * SHIFT, 2500, 2505);
	call(tb, multi_inner, 2 * SHIFT, 2510, 2515);
	call(tb, multi_inner, 2 * SHIFT, 2520, 2525);
}

static void write_all(void)
{
	size_t i;

	for (i = 0; i < NPROCS; i++)
		paths[i] = tb_write(tbs[i]);
}

static void teardown(void)
{
	size_t i;

	for (i = 0; i < NPROCS; i++)
		tb_free(tbs[i]);
}

/* Options for the traces `order` (indices into paths), n of them. */
static struct report_options options(const char **traces, const size_t *order, size_t n)
{
	struct report_options opt = { .limit = -1 };
	size_t i;

	write_all();
	for (i = 0; i < n; i++)
		traces[i] = paths[order[i]];
	opt.traces = traces;
	opt.ntraces = n;
	return opt;
}

static const size_t in_order[NPROCS] = { 0, 1, 2 };

static const struct report_func *find(const struct report_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nfuncs; i++) {
		if (!strcmp(t->funcs[i].sym->name, name))
			return &t->funcs[i];
	}
	return NULL;
}

static const struct report_edge *find_edge(const struct report_edge *e, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!strcmp(e[i].other->sym->name, name))
			return &e[i];
	}
	return NULL;
}

/* Run `fn` with stderr sent to a file; what it printed (to free). */
static char *with_stderr(int (*fn)(void *), void *arg, int *ret)
{
	FILE *tmp = tmpfile();
	int saved = dup(2);
	char *text;
	long len;

	ck_assert_ptr_nonnull(tmp);
	ck_assert_int_ge(saved, 0);
	fflush(stderr);
	ck_assert_int_ge(dup2(fileno(tmp), 2), 0);
	*ret = fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	len = ftell(tmp);
	ck_assert_int_ge(len, 0);
	text = calloc(1, (size_t)len + 1);
	ck_assert_ptr_nonnull(text);
	rewind(tmp);
	ck_assert_uint_eq(fread(text, 1, (size_t)len, tmp), (size_t)len);
	fclose(tmp);
	return text;
}

/* multi_open() under with_stderr(). */
struct open_args {
	struct multi_report *m;
	const struct report_options *opt;
};

static int open_fn(void *arg)
{
	struct open_args *a = arg;

	return multi_open(a->m, a->opt, true);
}

/* multi_run() of `opt` as `kind`; its output (to free), the status in *status. */
static char *run(struct report_options *opt, const char *kind, int *status)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(out);
	opt->kind = report_kind_find(kind);
	ck_assert_ptr_nonnull(opt->kind);
	*status = multi_run(opt, opt->kind, out);
	fclose(out);
	return text;
}

static char *run_ok(struct report_options *opt, const char *kind)
{
	int status;
	char *text = run(opt, kind, &status);

	ck_assert_int_eq(status, 0);
	return text;
}

/* The report of one trace, as report_run() prints it alone. */
static char *own_report(const struct report_options *multi, const char *path, const char *kind)
{
	struct report_options opt = *multi;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(out);
	opt.traces = NULL;
	opt.ntraces = 0;
	opt.processes = false;
	opt.trace = path;
	opt.kind = report_kind_find(kind);
	ck_assert_int_eq(report_run(&opt, out), 0);
	fclose(out);
	return text;
}

static size_t count(const char *text, const char *s)
{
	size_t n = 0;

	for (; (text = strstr(text, s)); text++)
		n++;
	return n;
}

/* -------------------------------------------------------------- merging */

START_TEST(test_functions)
{
	const char *traces[NPROCS];
	struct report_options opt = options(traces, in_order, NPROCS);
	struct multi_report m;
	const struct report_table *t;
	const struct report_func *f;
	const char *names[] = { "multi_outer", "multi_inner", "multi_child_only" };
	const int lines[] = { outer_def, inner_def, child_only_def };
	size_t i, p;

	ck_assert_int_eq(multi_open(&m, &opt, false), 0);
	ck_assert_uint_eq(m.nprocs, NPROCS);
	t = &m.merged.merged;
	/* One row per name, though each process had its own addresses. */
	ck_assert_uint_eq(t->nfuncs, 3);
	f = find(t, "multi_outer");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->calls, 2);
	ck_assert_uint_eq(f->prim_calls, 2);
	ck_assert_uint_eq(f->cum_ns, 300 * US);
	ck_assert_uint_eq(f->self_ns, 130 * US);
	f = find(t, "multi_inner");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->calls, 7);
	ck_assert_uint_eq(f->cum_ns, 175 * US);
	ck_assert_uint_eq(f->self_ns, 175 * US);
	f = find(t, "multi_child_only");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->calls, 1);
	ck_assert_uint_eq(f->cum_ns, 30 * US);
	ck_assert_uint_eq(t->total_calls, 10);
	ck_assert_uint_eq(t->prim_calls, 10);
	ck_assert_uint_eq(t->total_self_ns, 335 * US);
	/* Each merged row is the sum of the processes' rows of that name. */
	for (i = 0; i < 3; i++) {
		uint64_t calls = 0, self = 0, cum = 0;

		for (p = 0; p < m.nprocs; p++) {
			const struct report_func *pf = find(&m.procs[p].merged, names[i]);

			if (!pf)
				continue;
			calls += pf->calls;
			self += pf->self_ns;
			cum += pf->cum_ns;
		}
		f = find(t, names[i]);
		ck_assert_uint_eq(f->calls, calls);
		ck_assert_uint_eq(f->self_ns, self);
		ck_assert_uint_eq(f->cum_ns, cum);
		/* Named by file and line; no address, it had several. */
		ck_assert_uint_eq(f->sym->addr, 0);
		ck_assert_ptr_nonnull(f->sym->file);
		ck_assert_str_eq(strrchr(f->sym->file, '/') + 1, "check_multi.c");
		ck_assert_int_eq(f->sym->line, lines[i]);
	}
	/* The processes' own tables saw the addresses they recorded. */
	ck_assert_uint_eq(find(&m.procs[1].merged, "multi_outer")->sym->addr,
			  addr(multi_outer, SHIFT));
	ck_assert_uint_eq(find(&m.procs[2].merged, "multi_inner")->sym->addr,
			  addr(multi_inner, 2 * SHIFT));
	multi_release(&m);
}
END_TEST

/* Two functions of one name in two files stay two rows. */
START_TEST(test_same_name_other_file)
{
	const char *traces[2];
	struct report_options opt;
	struct multi_report m;
	const struct report_table *t;
	size_t i, n = 0;

	thread(tbs[0], 3, 302, 300);
	call(tbs[0], multi_twin, 0, 300, 310);
	call(tbs[0], multi_twin_other(), 0, 310, 330);
	thread(tbs[1], 2, 311, 800);
	call(tbs[1], multi_twin, SHIFT, 800, 840);
	opt = options(traces, in_order, 2);
	ck_assert_int_eq(multi_open(&m, &opt, false), 0);
	t = &m.merged.merged;
	for (i = 0; i < t->nfuncs; i++) {
		const struct report_func *f = &t->funcs[i];

		if (strcmp(f->sym->name, "multi_twin"))
			continue;
		n++;
		ck_assert_ptr_nonnull(f->sym->file);
		if (!strcmp(strrchr(f->sym->file, '/') + 1, "multi_twin.c")) {
			ck_assert_uint_eq(f->calls, 1);
			ck_assert_uint_eq(f->cum_ns, 20 * US);
		} else {
			ck_assert_str_eq(strrchr(f->sym->file, '/') + 1, "check_multi.c");
			ck_assert_uint_eq(f->calls, 2);
			ck_assert_uint_eq(f->cum_ns, 50 * US);
		}
	}
	ck_assert_uint_eq(n, 2);
	multi_release(&m);
}
END_TEST

/* Callers and callees merge by name too, their counts summed. */
START_TEST(test_edges)
{
	const char *traces[NPROCS];
	struct report_options opt = options(traces, in_order, NPROCS);
	struct multi_report m;
	const struct report_table *t;
	const struct report_func *outer, *inner, *only;
	const struct report_edge *e;

	ck_assert_int_eq(multi_open(&m, &opt, false), 0);
	t = &m.merged.merged;
	outer = find(t, "multi_outer");
	inner = find(t, "multi_inner");
	only = find(t, "multi_child_only");
	ck_assert_uint_eq(outer->ncallees, 2);
	ck_assert_uint_eq(outer->ncallers, 0);
	e = find_edge(outer->callees, outer->ncallees, "multi_inner");
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_eq(e->other, inner); /* into the merged table */
	ck_assert_uint_eq(e->calls, 3);
	ck_assert_uint_eq(e->cum_ns, 140 * US);
	e = find_edge(outer->callees, outer->ncallees, "multi_child_only");
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_eq(e->other, only);
	ck_assert_uint_eq(e->calls, 1);
	ck_assert_uint_eq(e->cum_ns, 30 * US);
	/* inner: called by outer 3 times; its 4 other calls had no caller. */
	ck_assert_uint_eq(inner->ncallers, 1);
	ck_assert_ptr_eq(inner->callers[0].other, outer);
	ck_assert_uint_eq(inner->callers[0].calls, 3);
	ck_assert_uint_eq(inner->ncallees, 0);
	ck_assert_uint_eq(only->ncallers, 1);
	multi_release(&m);
}
END_TEST

/* The processes in argument order; the header, wall time and threads. */
START_TEST(test_processes)
{
	static const size_t reversed[NPROCS] = { 2, 1, 0 };
	const char *traces[NPROCS];
	struct report_options opt = options(traces, reversed, NPROCS);
	struct multi_report m;
	const struct report *rep;
	size_t i;

	ck_assert_int_eq(multi_open(&m, &opt, false), 0);
	rep = &m.merged;
	ck_assert_uint_eq(rep->nprocesses, NPROCS);
	for (i = 0; i < NPROCS; i++) {
		ck_assert_str_eq(rep->processes[i].trace, paths[reversed[i]]);
		ck_assert_uint_eq(rep->processes[i].pid, tbs[reversed[i]]->hdr.pid);
		ck_assert_str_eq(rep->processes[i].exe, tbs[reversed[i]]->hdr.exe);
		ck_assert_ptr_eq(rep->processes[i].report, &m.procs[i]);
		ck_assert_str_eq(m.procs[i].trace, paths[reversed[i]]);
	}
	ck_assert_str_eq(rep->processes[0].exe, "/usr/bin/worker");
	/* The merged report's header is the first trace's. */
	ck_assert_str_eq(rep->trace, paths[2]);
	ck_assert_uint_eq(rep->hdr->pid, 310);
	/* From the earliest start (100 us) to the latest end (3000 us). */
	ck_assert_uint_eq(rep->wall_ns, 2900 * US);
	ck_assert_uint_eq(rep->merged.wall_ns, 2900 * US);
	ck_assert(rep->complete);
	ck_assert(rep->has_calls);
	/* The threads of every process, process by process. */
	ck_assert_uint_eq(rep->nthreads, 4);
	ck_assert_uint_eq(rep->threads[0].tid, 310);
	ck_assert_uint_eq(rep->threads[1].tid, 310);
	ck_assert_uint_eq(rep->threads[2].serial, 1);
	ck_assert_uint_eq(rep->threads[2].tid, 300);
	ck_assert_uint_eq(rep->threads[3].serial, 2);
	ck_assert_uint_eq(rep->threads[3].tid, 301);
	ck_assert_uint_eq(rep->threads[3].total_calls, 1);
	multi_release(&m);
	ck_assert_uint_eq(m.nprocs, 0);
	ck_assert_ptr_null(m.procs);
}
END_TEST

/* One trace cut short makes the merged report incomplete, wherever it is. */
START_TEST(test_incomplete)
{
	const char *traces[2];
	struct report_options opt;
	struct multi_report m;
	struct open_args oa = { &m, &opt };
	char *err;
	int ret;

	tbs[0]->hdr.flags &= ~(uint32_t)TRACE_FLAG_COMPLETE;
	opt = options(traces, in_order, 2);
	err = with_stderr(open_fn, &oa, &ret);
	ck_assert_int_eq(ret, 0);
	/* A warning names it. */
	ck_assert_ptr_nonnull(strstr(err, paths[0]));
	ck_assert_ptr_null(strstr(err, paths[1]));
	free(err);
	ck_assert(!m.procs[0].complete);
	ck_assert(m.procs[1].complete);
	ck_assert(!m.merged.complete);
	multi_release(&m);
}
END_TEST

/* The merged rows in the requested order. */
START_TEST(test_sort)
{
	static const struct {
		enum report_sort sort;
		const char *names[3];
	} cases[] = {
		{ REPORT_SORT_CUMULATIVE, { "multi_outer", "multi_inner", "multi_child_only" } },
		{ REPORT_SORT_TOTTIME, { "multi_inner", "multi_outer", "multi_child_only" } },
		{ REPORT_SORT_NCALLS, { "multi_inner", "multi_outer", "multi_child_only" } },
		{ REPORT_SORT_NAME, { "multi_child_only", "multi_inner", "multi_outer" } },
	};
	const char *traces[NPROCS];
	size_t i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct report_options opt = options(traces, in_order, NPROCS);
		struct multi_report m;

		opt.sort = cases[i].sort;
		ck_assert_int_eq(multi_open(&m, &opt, false), 0);
		for (j = 0; j < 3; j++)
			ck_assert_str_eq(m.merged.merged.funcs[j].sym->name, cases[i].names[j]);
		multi_release(&m);
	}
}
END_TEST

/* Stages by name and memory totals: the sums of the processes'. */
START_TEST(test_stages_memory)
{
	const char *traces[2];
	struct report_options opt;
	struct multi_report m;
	const struct report_stage *parse = NULL;
	uint64_t records = 0, self = 0, allocs = 0, bytes = 0, peak = 0;
	size_t i, p;

	for (p = 0; p < 2; p++) {
		struct tb *tb = tbs[p];
		uint64_t t = p ? 1000 : 200, n;

		tb->hdr.features |= TRACE_FEAT_ALLOC | TRACE_FEAT_STAGES;
		thread(tb, p ? 2 : 3, 400 + (uint32_t)p, t);
		tb_stage_def(tb, 7, "parse");
		for (n = 0; n < 3 + p; n++) {
			tb_stage_begin(tb, 7, (t + 10 * n) * US);
			tb_stage_end(tb, 7, (t + 10 * n + 4 + p) * US, 100);
		}
		tb_alloc(tb, 0x100, 1000 * (p + 1), 0, (t + 50) * US);
		tb_alloc(tb, 0x200, 10, 0, (t + 60) * US);
		tb_release(tb, 0x200, (t + 70) * US);
	}
	opt = options(traces, in_order, 2);
	opt.no_symbols = true;
	ck_assert_int_eq(multi_open(&m, &opt, true), 0);
	ck_assert_ptr_nonnull(m.merged.stages);
	for (p = 0; p < 2; p++) {
		const struct report_stages *ps = m.procs[p].stages;
		const struct report_mem *pm = m.procs[p].mem;

		ck_assert_ptr_nonnull(ps);
		ck_assert_ptr_nonnull(pm);
		for (i = 0; i < ps->n; i++) {
			if (!strcmp(ps->rows[i].name, "parse")) {
				records += ps->rows[i].records;
				self += ps->rows[i].self_ns;
			}
		}
		allocs += pm->allocs;
		bytes += pm->bytes;
		peak += pm->peak_bytes;
	}
	ck_assert_uint_eq(records, 700); /* 3 and 4 batches of 100 */
	for (i = 0; i < m.merged.stages->n; i++) {
		if (!strcmp(m.merged.stages->rows[i].name, "parse"))
			parse = &m.merged.stages->rows[i];
	}
	ck_assert_ptr_nonnull(parse);
	ck_assert_uint_eq(parse->records, records);
	ck_assert_uint_eq(parse->self_ns, self);
	ck_assert_uint_eq(parse->self_ns, (3 * 4 + 4 * 5) * US);
	ck_assert_ptr_eq(m.merged.stages->bottleneck, parse);
	ck_assert_ptr_nonnull(m.merged.mem);
	ck_assert_uint_eq(m.merged.mem->allocs, allocs);
	ck_assert_uint_eq(m.merged.mem->allocs, 4);
	ck_assert_uint_eq(m.merged.mem->bytes, bytes);
	ck_assert_uint_eq(m.merged.mem->bytes, 3020);
	ck_assert_uint_eq(m.merged.mem->peak_bytes, peak);
	ck_assert_uint_eq(m.merged.mem->leaked_bytes, 3000);
	multi_release(&m);
}
END_TEST

/* ------------------------------------------------------------ rendering */

/* --processes: each process's own report, in order, then the merged one. */
START_TEST(test_text_sections)
{
	const char *traces[NPROCS];
	struct report_options opt = options(traces, in_order, NPROCS);
	const char *header = "mprof: 3 processes merged: /usr/bin/server (pid 300), "
			     "/usr/bin/server (pid 310), /usr/bin/worker (pid 310), 4 threads, "
			     "wall 0.003 s\n\n";
	char *merged, *sections, *p, head[PATH_MAX + 64];
	size_t i;

	merged = run_ok(&opt, "text");
	ck_assert_msg(!strncmp(merged, header, strlen(header)), "header: %.200s", merged);
	ck_assert_ptr_null(strstr(merged, "==> "));
	opt.processes = true;
	sections = run_ok(&opt, "text");
	p = sections;
	for (i = 0; i < NPROCS; i++) {
		char *own = own_report(&opt, paths[i], "text");

		snprintf(head, sizeof(head), "==> process %u: %s ('%s') <==\n", tbs[i]->hdr.pid,
			 tbs[i]->hdr.exe, paths[i]);
		ck_assert_msg(!strncmp(p, head, strlen(head)), "section %zu: %.200s", i, p);
		p += strlen(head);
		ck_assert_msg(!strncmp(p, own, strlen(own)), "section %zu differs: %.300s", i, p);
		p += strlen(own);
		ck_assert_int_eq(*p++, '\n');
		free(own);
	}
	ck_assert_msg(!strncmp(p, "==> all 3 processes <==\n", 24), "%.200s", p);
	ck_assert_str_eq(p + 24, merged);
	free(sections);
	free(merged);
}
END_TEST

START_TEST(test_json)
{
	const char *traces[NPROCS];
	struct report_options opt = options(traces, in_order, NPROCS);
	char *text, expect[PATH_MAX + 256];
	size_t i;

	text = run_ok(&opt, "json");
	ck_assert_ptr_nonnull(strstr(text, "\"pid\": 300,\n"));
	ck_assert_ptr_nonnull(strstr(text, "\"threads\": 4,\n"));
	ck_assert_ptr_nonnull(strstr(text, "\"total_calls\": 10,\n"));
	for (i = 0; i < NPROCS; i++) {
		snprintf(expect, sizeof(expect), "{\"pid\": %u, \"exe\": \"%s\", \"trace\": \"%s\"",
			 tbs[i]->hdr.pid, tbs[i]->hdr.exe, paths[i]);
		ck_assert_msg(strstr(text, expect), "no '%s' in %s", expect, text);
	}
	ck_assert(strstr(text, "\"exe\": \"/usr/bin/server\", \"trace\"") <
		  strstr(text, "\"exe\": \"/usr/bin/worker\", \"trace\""));
	ck_assert_ptr_null(strstr(text, "\"per_process\""));
	ck_assert_ptr_null(strstr(text, "\"per_thread\""));
	free(text);
	opt.processes = true;
	text = run_ok(&opt, "json");
	ck_assert_ptr_nonnull(strstr(text, "\"per_process\": [\n"));
	for (i = 0; i < NPROCS; i++) {
		char *own = own_report(&opt, paths[i], "json");

		ck_assert_msg(strstr(text, own), "process %zu's own report not in per_process", i);
		free(own);
	}
	free(text);
}
END_TEST

/*
 * --threads: a table per thread, each naming its process. The child and
 * the image it exec'd share pid and tid: only the trace tells them apart.
 */
START_TEST(test_threads_text)
{
	const char *traces[NPROCS];
	struct report_options opt = options(traces, in_order, NPROCS);
	char *text, label[NPROCS + 1][PATH_MAX + 128];
	const char *at[NPROCS + 1];
	static const unsigned proc_of[] = { 0, 0, 1, 2 }, serial[] = { 1, 2, 1, 1 },
			      tid[] = { 300, 301, 310, 310 };
	size_t i;

	opt.threads = true;
	text = run_ok(&opt, "text");
	ck_assert_uint_eq(count(text, "\nThread "), 4);
	for (i = 0; i < 4; i++) {
		snprintf(label[i], sizeof(label[i]),
			 "\nThread %u (tid %u) of process %u ('%s'): wall ", serial[i], tid[i],
			 tbs[proc_of[i]]->hdr.pid, paths[proc_of[i]]);
		at[i] = strstr(text, label[i]);
		ck_assert_msg(at[i], "no '%s' in:\n%.2000s", label[i] + 1, text);
		ck_assert_uint_eq(count(text, label[i]), 1);
		ck_assert(!i || at[i] > at[i - 1]);
	}
	free(text);
	/* A trace alone keeps the short label. */
	text = own_report(&opt, paths[0], "text");
	ck_assert_ptr_nonnull(strstr(text, "\nThread 1 (tid 300): wall 0.000 s\n"));
	ck_assert_ptr_null(strstr(text, " of process "));
	free(text);
}
END_TEST

START_TEST(test_threads_json)
{
	const char *traces[NPROCS];
	struct report_options opt = options(traces, in_order, NPROCS);
	char *text, expect[128];
	const char *prev = NULL, *at;
	static const unsigned proc_of[] = { 0, 0, 1, 2 }, serial[] = { 1, 2, 1, 1 },
			      tid[] = { 300, 301, 310, 310 }, calls[] = { 3, 1, 3, 3 };
	size_t i;

	opt.threads = true;
	text = run_ok(&opt, "json");
	for (i = 0; i < 4; i++) {
		snprintf(expect, sizeof(expect),
			 "{\"process\": %u, \"pid\": %u, \"thread\": %u, \"tid\": %u, ", proc_of[i],
			 tbs[proc_of[i]]->hdr.pid, serial[i], tid[i]);
		at = strstr(text, expect);
		ck_assert_msg(at, "no '%s' in:\n%.2000s", expect, text);
		ck_assert_uint_eq(count(text, expect), 1);
		ck_assert(!prev || at > prev);
		prev = at;
		snprintf(expect, sizeof(expect), "\"total_calls\": %u, ", calls[i]);
		ck_assert_ptr_eq(strstr(at, "\"total_calls\": "), strstr(at, expect));
	}
	free(text);
	text = own_report(&opt, paths[0], "json");
	ck_assert_ptr_nonnull(strstr(text, "{\"thread\": 1, \"tid\": 300, "));
	ck_assert_ptr_null(strstr(text, "\"process\": "));
	free(text);
}
END_TEST

/* --------------------------------------------------------------- errors */

struct run_args {
	struct report_options *opt;
	const char *kind;
	char *out;
};

static int run_fn(void *arg)
{
	struct run_args *a = arg;
	int status;

	a->out = run(a->opt, a->kind, &status);
	return status;
}

/* An unreadable trace: one line naming it, status 2, nothing merged. */
START_TEST(test_missing_trace)
{
	const char *traces[NPROCS];
	struct report_options opt = options(traces, in_order, NPROCS);
	struct multi_report m;
	struct open_args oa = { &m, &opt };
	struct run_args ra = { &opt, "text", NULL };
	char *err, quoted[PATH_MAX + 4];
	int ret;

	traces[1] = tb_missing_path(tbs[0]);
	snprintf(quoted, sizeof(quoted), "'%s'", traces[1]);
	err = with_stderr(open_fn, &oa, &ret);
	ck_assert_int_eq(ret, EXIT_BADTRACE);
	ck_assert_msg(strstr(err, quoted), "not named: %s", err);
	ck_assert_uint_eq(count(err, "\n"), 1);
	ck_assert_ptr_null(strstr(err, paths[0]));
	/* What was opened is released: nothing is left. */
	ck_assert_uint_eq(m.nprocs, 0);
	ck_assert_ptr_null(m.procs);
	ck_assert_ptr_null(m.merged.threads);
	free(err);
	/* The whole report: nothing on standard output. */
	err = with_stderr(run_fn, &ra, &ret);
	ck_assert_int_eq(ret, EXIT_BADTRACE);
	ck_assert_str_eq(ra.out, "");
	ck_assert_uint_eq(count(err, "\n"), 1);
	free(ra.out);
	free(err);
}
END_TEST

/* Not a trace at all, first of the list: the same. */
START_TEST(test_bad_trace)
{
	const char *traces[2];
	struct report_options opt = options(traces, in_order, 2);
	struct run_args ra = { &opt, "json", NULL };
	char *err, quoted[PATH_MAX + 4];
	int ret;

	traces[0] = tb_write_bytes(tbs[0], "#!/bin/sh\necho not a trace\n", 27);
	snprintf(quoted, sizeof(quoted), "'%s'", traces[0]);
	err = with_stderr(run_fn, &ra, &ret);
	ck_assert_int_eq(ret, EXIT_BADTRACE);
	ck_assert_str_eq(ra.out, "");
	ck_assert_msg(strstr(err, quoted), "not named: %s", err);
	ck_assert_uint_eq(count(err, "\n"), 1);
	free(ra.out);
	free(err);
}
END_TEST

/* What several traces cannot do: an export, --diff. */
START_TEST(test_refused)
{
	const char *traces[NPROCS];
	struct report_options opt = options(traces, in_order, NPROCS);
	struct run_args ra = { &opt, "chrome", NULL };
	char *err;
	int ret;

	err = with_stderr(run_fn, &ra, &ret);
	ck_assert_int_eq(ret, EXIT_USAGE);
	ck_assert_str_eq(ra.out, "");
	ck_assert_ptr_nonnull(strstr(err, "several traces cannot be printed as 'chrome'"));
	free(ra.out);
	free(err);
	ra.kind = "text";
	opt.diff_old = "a";
	opt.diff_new = "b";
	err = with_stderr(run_fn, &ra, &ret);
	ck_assert_int_eq(ret, EXIT_USAGE);
	ck_assert_str_eq(ra.out, "");
	ck_assert_ptr_nonnull(strstr(err, "'--diff'"));
	free(ra.out);
	free(err);
}
END_TEST

static Suite *multi_suite(void)
{
	Suite *s = suite_create("multi");
	TCase *tc = tcase_create("merge");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_functions);
	tcase_add_test(tc, test_same_name_other_file);
	tcase_add_test(tc, test_edges);
	tcase_add_test(tc, test_processes);
	tcase_add_test(tc, test_incomplete);
	tcase_add_test(tc, test_sort);
	tcase_add_test(tc, test_stages_memory);
	suite_add_tcase(s, tc);
	tc = tcase_create("render");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_text_sections);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_threads_text);
	tcase_add_test(tc, test_threads_json);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_missing_trace);
	tcase_add_test(tc, test_bad_trace);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(multi_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
