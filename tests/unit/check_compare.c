/* SPDX-License-Identifier: MIT */
/*
 * check_compare.c - unit tests of --compare (tools/compare.c,
 * compare_load.c and the renderers): two known traces, old and new, of the
 * same functions loaded at different addresses (matched by name and file,
 * not by address), one function removed and one added, stages faster and
 * slower: one run a side, untested; and directories of runs built here
 * with chosen times: medians and their intervals, a separated change called
 * significant, interleaved runs called "~", too few runs, the gate and its
 * exit status, memory-only traces, different programs and builds; in text
 * and JSON; the options and sides --compare refuses.
 *
 * The functions are this file's own, named from its debugging information;
 * the new trace maps this executable 256 MiB higher, as another run or
 * another build would.
 */
#include "config.h"

#include <check.h>
#include <ftw.h>
#include <math.h>
#include <sys/stat.h>
#include <link.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "stats.h"
#include "report.h"
#include "report_stage.h"
#include "trace_builder.h"

#define NOINLINE __attribute__((noipa, used))
#define US	 1000ull
#define SHIFT	 0x10000000ull /* where the new trace maps this executable */

static struct tb *old_tb, *new_tb;
static char runs_dir[64]; /* the directories of runs, made by a test */

/* ------------------------------------------------------- the functions */

static const int work_main_def = __LINE__ + 1;
NOINLINE static void work_main(void)
{
	__asm__ volatile("" ::: "memory");
}

static const int work_a_def = __LINE__ + 1;
NOINLINE static void work_a(void)
{
	__asm__ volatile("" ::: "memory");
}

static const int work_b_def = __LINE__ + 1;
NOINLINE static void work_b(void)
{
	__asm__ volatile("" ::: "memory");
}

static const int work_c_def = __LINE__ + 1;
NOINLINE static void work_c(void)
{
	__asm__ volatile("" ::: "memory");
}

/* -------------------------------------------------------------- traces */

struct exe_map {
	struct tb *tb;
	uint64_t shift;
};

/* This executable as a module record, moved by `shift`, at tick 0. */
static int exe_module(struct dl_phdr_info *info, size_t size, void *data)
{
	const struct exe_map *map = data;
	uint64_t lo = UINT64_MAX, hi = 0, page = (uint64_t)sysconf(_SC_PAGESIZE);
	char path[PATH_MAX];
	ssize_t len;
	int i;

	(void)size;
	len = readlink("/proc/self/exe", path, sizeof(path) - 1);
	ck_assert_int_gt(len, 0);
	path[len] = '\0';
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		if (((info->dlpi_addr + ph->p_vaddr) & ~(page - 1)) < lo)
			lo = (info->dlpi_addr + ph->p_vaddr) & ~(page - 1);
		if (info->dlpi_addr + ph->p_vaddr + ph->p_memsz > hi)
			hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
	}
	tb_process_chunk(map->tb, 0);
	tb_maps(map->tb, 0, TRACE_MAPS_START, 1);
	tb_module(map->tb, path, info->dlpi_addr + map->shift, lo + map->shift, hi + map->shift,
		  NULL, 0);
	return 1; /* the first one is the executable */
}

static void map_exe(struct tb *tb, uint64_t shift)
{
	struct exe_map map = { tb, shift };

	dl_iterate_phdr(exe_module, &map);
}

static uint64_t addr(void (*fn)(void), uint64_t shift)
{
	return (uint64_t)(uintptr_t)fn + shift;
}

/* A call of fn from `from` to `to`, in microseconds. */
static void call(struct tb *tb, void (*fn)(void), uint64_t shift, uint64_t from, uint64_t to)
{
	tb_enter(tb, addr(fn, shift), from * US);
	tb_exit(tb, to * US);
}

/* src pulled by snk, `batches` batches of 100, src 10 us and snk `snk` us a
 * batch, a 5 us sink, from tick t. With `off` (us), off-CPU readings: each
 * snk batch `off` us of its time off the CPU, read just before its end. */
static void stages(struct tb *tb, uint64_t snk, uint64_t off, int batches, uint64_t t)
{
	uint64_t cpu = 0, last = t;
	int b;

	if (off)
		tb_offcpu(tb, TRACE_OFFCPU_BASE, t, t, 0);

	tb_stage_def(tb, 1, "src");
	tb_stage_def(tb, 2, "snk");
	for (b = 0; b <= batches; b++) {
		uint64_t n = b < batches ? 100 : 0;

		tb_stage_begin(tb, 2, t);
		tb_stage_begin(tb, 1, t);
		t += n ? 10 * US : 0;
		tb_stage_end(tb, 1, t, n);
		t += n ? snk * US : 0;
		if (off && n) {
			cpu += t - 1 - last - off * US;
			last = t - 1;
			tb_offcpu(tb, 0, t - 1, t - 1, cpu);
		}
		tb_stage_end(tb, 2, t, n);
		t += n ? 5 * US : 0;
	}
}

/* One run, as the tests build it: times in microseconds. */
struct run {
	uint64_t wall;	       /* the process's end */
	uint64_t main_us;      /* work_main [0, main_us] */
	uint64_t a_us;	       /* work_a [10, 10 + a_us] inside it */
	uint64_t b_us;	       /* work_b after it, when not 0 */
	uint64_t c_us;	       /* work_c after that, when not 0 */
	uint64_t snk;	       /* the sink stage's time a batch; no stages when 0 */
	uint64_t snk_off;      /* of it, off the CPU (off-CPU readings when not 0) */
	int batches;	       /* of the stages; 4 when 0 */
	uint64_t bytes;	       /* one allocation of these bytes (no calls when main_us is 0) */
	const char *exe;       /* the header's executable; /usr/bin/prog when NULL */
	unsigned char buildid; /* a build id of /usr/bin/prog's module when not 0 */
};

static struct tb *run_tb(const struct run *r, uint64_t shift)
{
	struct tb *tb = tb_new();
	uint64_t t;

	tb->hdr.end = (struct trace_clock_point){ r->wall * US, r->wall * US };
	if (r->exe)
		snprintf(tb->hdr.exe, sizeof(tb->hdr.exe), "%s", r->exe);
	map_exe(tb, shift);
	if (r->buildid) {
		unsigned char id[20];

		memset(id, r->buildid, sizeof(id));
		tb_maps(tb, 0, TRACE_MAPS_START, 1);
		tb_module(tb, tb->hdr.exe, 0x7f0000000000ull, 0x7f0000000000ull, 0x7f0000001000ull,
			  id, sizeof(id));
	}
	tb_chunk(tb, 1, 0);
	if (r->main_us) {
		tb_enter(tb, addr(work_main, shift), 0);
		call(tb, work_a, shift, 10, 10 + r->a_us);
		t = 10 + r->a_us;
		if (r->b_us) {
			call(tb, work_b, shift, t, t + r->b_us);
			t += r->b_us;
		}
		if (r->c_us)
			call(tb, work_c, shift, t, t + r->c_us);
		tb_exit(tb, r->main_us * US);
	}
	if (r->bytes) {
		uint64_t pc = addr(work_b, shift) + 1;

		tb_stack(tb, 1, &pc, 1);
		tb_alloc(tb, 0x1000, r->bytes, 1, 150 * US);
	}
	if (r->snk) {
		tb_chunk(tb, 2, 0);
		stages(tb, r->snk, r->snk_off, r->batches ? r->batches : 4, 200 * US);
	}
	return tb;
}

static void setup(void);
static void teardown(void);

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void runs_setup(void)
{
	setup();
	snprintf(runs_dir, sizeof(runs_dir), "/tmp/check_compare.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(runs_dir));
}

static void runs_teardown(void)
{
	nftw(runs_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	teardown();
}

/* The directory `name` of runs r[0 .. n - 1] (in runs_dir); its path, static per name. */
static const char *runs(const char *name, const struct run *r, size_t n)
{
	static char paths[4][PATH_MAX];
	static size_t next;
	char *dir = paths[next++ % 4], run[PATH_MAX + 16];

	snprintf(dir, PATH_MAX, "%s/%s", runs_dir, name);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	for (size_t i = 0; i < n; i++) {
		struct tb *tb = run_tb(&r[i], i % 2 ? SHIFT : 0);
		char to[PATH_MAX + 32];

		snprintf(run, sizeof(run), "%s/run%zu", dir, i + 1);
		ck_assert_int_eq(mkdir(run, 0700), 0);
		snprintf(to, sizeof(to), "%s/trace.bin", run);
		ck_assert_int_eq(rename(tb_write(tb), to), 0);
		tb_free(tb);
	}
	return dir;
}

/*
 * old: work_main [0, 100] calls work_a [10, 60] and work_b [60, 80];
 *      snk 50 us a batch; wall 1 ms.
 * new: work_main [0, 50] calls work_a [10, 30] and work_c [30, 40];
 *      snk 20 us a batch; wall 0.5 ms.
 */
static const struct run old_run = {
	.wall = 1000, .main_us = 100, .a_us = 50, .b_us = 20, .snk = 50
};
static const struct run new_run = { .wall = 500, .main_us = 50, .a_us = 20, .c_us = 10, .snk = 20 };

static void setup(void)
{
	old_tb = run_tb(&old_run, 0);
	new_tb = run_tb(&new_run, SHIFT);
}

static void teardown(void)
{
	tb_free(old_tb);
	tb_free(new_tb);
}

/* Run --compare of `old` and `new` with `opt`; the output (free it), the status in *status. */
static char *compare_paths(struct report_options *opt, const char *old, const char *new,
			   int *status)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	opt->compare_old = old;
	opt->compare_new = new;
	*status = report_run(opt, out);
	fclose(out);
	return text;
}

static char *compare(struct report_options *opt, int *status)
{
	return compare_paths(opt, tb_write(old_tb), tb_write(new_tb), status);
}

static char *compare_ok(struct report_options *opt)
{
	int status;
	char *text = compare(opt, &status);

	ck_assert_int_eq(status, 0);
	return text;
}

/* The function rows of a text comparison, from the first one. */
static const char *rows(const char *text)
{
	const char *p = strstr(text, "function\n");

	ck_assert_ptr_nonnull(p);
	return p + strlen("function\n");
}

/* The line of `text` that holds `what`; "" if none (static storage). */
static const char *line_of(const char *text, const char *what)
{
	static char line[1024];
	const char *p = strstr(text, what), *b, *e;

	if (!p)
		return "";
	for (b = p; b > text && b[-1] != '\n'; b--)
		;
	e = strchr(p, '\n');
	snprintf(line, sizeof(line), "%.*s", (int)(e ? e - b : (long)strlen(b)), b);
	return line;
}

static void load(struct cmp_report *cmp, struct report_options *opt, const char *old,
		 const char *new)
{
	opt->compare_old = old;
	opt->compare_new = new;
	ck_assert_int_eq(cmp_load(cmp, opt), 0);
	ck_assert_int_eq(cmp_build(cmp), 0);
}

static const struct cmp_func *func(const struct cmp_report *cmp, const char *name)
{
	for (size_t i = 0; i < cmp->nfuncs; i++)
		if (!strcmp(cmp->funcs[i].name, name))
			return &cmp->funcs[i];
	ck_abort_msg("no function %s", name);
	return NULL;
}

static const struct cmp_stage *stage(const struct cmp_report *cmp, const char *name)
{
	for (size_t i = 0; i < cmp->nstages; i++)
		if (!strcmp(cmp->stages[i].name, name))
			return &cmp->stages[i];
	ck_abort_msg("no stage %s", name);
	return NULL;
}

/* ----------------------------------------------------- one run a side */

START_TEST(test_match)
{
	struct report_options opt = { .limit = -1 };
	struct cmp_report cmp;
	const struct cmp_func *f;
	const struct cmp_stage *snk;

	load(&cmp, &opt, tb_write(old_tb), tb_write(new_tb));
	ck_assert_uint_eq(cmp.old.nruns, 1);
	ck_assert(!cmp.old.dir);
	ck_assert(cmp.one_run);
	ck_assert_uint_eq(cmp.nfuncs, 4);
	ck_assert_uint_eq(cmp.added, 1);
	ck_assert_uint_eq(cmp.removed, 1);
	/* By the absolute change of cumulative time. */
	f = &cmp.funcs[0];
	ck_assert_str_eq(f->name, "work_main");
	ck_assert_int_eq(f->status, CMP_BOTH);
	ck_assert_double_eq(f->cum.so.median, 100 * US);
	ck_assert_double_eq(f->cum.sn.median, 50 * US);
	ck_assert_double_eq(f->self.so.median, 30 * US);
	ck_assert_double_eq(f->self.sn.median, 20 * US);
	ck_assert_double_eq_tol(f->cum.change, -0.5, 1e-12);
	/* One run a side: no noise estimate, nothing tested over runs. */
	ck_assert_int_eq(f->cum.verdict, CMP_UNTESTED);
	ck_assert_int_eq(f->cum.basis, CMP_BASIS_NONE);
	ck_assert_int_eq(f->calls.verdict, CMP_SAME);
	ck_assert_int_eq(cmp.wall.verdict, CMP_UNTESTED);
	ck_assert_double_eq(cmp.wall.so.level, 0);
	ck_assert_str_eq(cmp.funcs[1].name, "work_a");
	ck_assert_double_eq(cmp.funcs[1].cum.so.median, 50 * US);
	ck_assert_double_eq(cmp.funcs[1].cum.sn.median, 20 * US);
	ck_assert_str_eq(cmp.funcs[2].name, "work_b");
	ck_assert_int_eq(cmp.funcs[2].status, CMP_REMOVED);
	ck_assert_double_eq(cmp.funcs[2].cum.sn.median, 0);
	ck_assert_str_eq(cmp.funcs[3].name, "work_c");
	ck_assert_int_eq(cmp.funcs[3].status, CMP_ADDED);
	ck_assert_double_eq(cmp.funcs[3].cum.sn.median, 10 * US);
	ck_assert(isnan(cmp.funcs[3].cum.change));
	ck_assert_double_eq(cmp_ratio(0, 5), 0);
	/* Stages by name. */
	ck_assert_uint_eq(cmp.nstages, 2);
	snk = stage(&cmp, "snk");
	ck_assert_double_eq(snk->self.so.median, 200 * US);
	ck_assert_double_eq(snk->self.sn.median, 80 * US);
	ck_assert_int_eq(stage(&cmp, "src")->self.verdict, CMP_SAME);
	ck_assert_uint_eq(snk->old_bottleneck, 1);
	ck_assert_uint_eq(snk->new_bottleneck, 1);
	ck_assert_uint_eq(stage(&cmp, "src")->old_bottleneck, 0);
	/* The source's latency (its records' time downstream, snk's and the
	 * sink's) is tested over the hand-offs (test_handoffs); the sink's is
	 * the same. */
	ck_assert_int_eq(stage(&cmp, "src")->latency.basis, CMP_BASIS_NONE);
	ck_assert_int_eq(snk->latency.verdict, CMP_SAME);
	ck_assert_int_eq(snk->records.verdict, CMP_SAME);
	ck_assert(!cmp.programs_differ);
	cmp_release(&cmp);
}
END_TEST

/*
 * One run a side: the source's latency is tested over its hand-offs, 12 a
 * run, all of one latency each side (snk's 50 us and the sink's 5 against
 * 20 and 5): the new all below the old, as significant as 12 against 12
 * can be. With 4 hand-offs a run (2/70 at best, above STATS_ALPHA) the
 * latency is not tested: "?", not "~".
 */
START_TEST(test_handoffs)
{
	struct report_options opt = { .limit = -1 };
	struct run o = old_run, n = new_run;
	struct cmp_report cmp;
	struct tb *a, *b;

	o.batches = n.batches = 12;
	a = run_tb(&o, 0);
	b = run_tb(&n, SHIFT);
	load(&cmp, &opt, tb_write(a), tb_write(b));
	ck_assert_int_eq(stage(&cmp, "src")->latency.basis, CMP_BASIS_EVENTS);
	ck_assert_double_lt(stage(&cmp, "src")->latency.p, STATS_ALPHA / cmp.ntested);
	ck_assert_int_eq(stage(&cmp, "src")->latency.verdict, CMP_BETTER);
	cmp_release(&cmp);
	tb_free(a);
	tb_free(b);
	load(&cmp, &opt, tb_write(old_tb), tb_write(new_tb));
	ck_assert_double_gt(stats_mann_whitney_min_p(4, 4), STATS_ALPHA);
	ck_assert_int_eq(stage(&cmp, "src")->latency.basis, CMP_BASIS_NONE);
	ck_assert_int_eq(stage(&cmp, "src")->latency.verdict, CMP_UNTESTED);
	cmp_release(&cmp);
}
END_TEST

/* One trace: work_main calling work_a `n` times, of `a_us` each, from 10 us. */
static struct tb *calls_tb(int n, const uint64_t *a_us, uint64_t shift)
{
	struct tb *tb = tb_new();
	uint64_t t = 10;

	map_exe(tb, shift);
	tb_chunk(tb, 1, 0);
	tb_enter(tb, addr(work_main, shift), 0);
	for (int i = 0; i < n; i++) {
		call(tb, work_a, shift, t, t + a_us[i]);
		t += a_us[i] + 1;
	}
	tb_exit(tb, (t + 10) * US);
	tb->hdr.end = (struct trace_clock_point){ (t + 20) * US, (t + 20) * US };
	return tb;
}

/*
 * One run a side: a function's times are tested over its calls. work_a's
 * 12 calls take 40..51 us, then 20..31 us: its self and cumulative times
 * are better, over calls, significant whatever the other figures;
 * work_main, called once a side, cannot be tested: "?". The same calls in
 * another order, one of them 1 us longer: noise.
 */
START_TEST(test_calls)
{
	struct report_options opt = { .limit = -1 };
	uint64_t slow[12], fast[12], shuffled[12];
	struct cmp_report cmp;
	struct tb *a, *b, *c;
	char *text;
	int status;

	for (int i = 0; i < 12; i++) {
		slow[i] = 40 + (uint64_t)i;
		fast[i] = 20 + (uint64_t)i;
		shuffled[i] = 40 + (uint64_t)((i * 5) % 12);
	}
	shuffled[0] += 1; /* 1 us more in all: not the same, but no shift */
	a = calls_tb(12, slow, 0);
	b = calls_tb(12, fast, SHIFT);
	c = calls_tb(12, shuffled, SHIFT);
	load(&cmp, &opt, tb_write(a), tb_write(b));
	ck_assert(cmp.one_run && cmp.calls_tested);
	ck_assert_int_eq(func(&cmp, "work_a")->cum.basis, CMP_BASIS_CALLS);
	ck_assert_int_eq(func(&cmp, "work_a")->cum.verdict, CMP_BETTER);
	ck_assert_int_eq(func(&cmp, "work_a")->self.verdict, CMP_BETTER);
	/* Over a histogram of the calls, by the normal approximation. */
	ck_assert_double_lt(func(&cmp, "work_a")->cum.p, STATS_ALPHA / cmp.ntested);
	ck_assert_int_eq(func(&cmp, "work_main")->cum.basis, CMP_BASIS_NONE);
	ck_assert_int_eq(func(&cmp, "work_main")->cum.verdict, CMP_UNTESTED);
	cmp_release(&cmp);
	text = compare_paths(&opt, tb_write(a), tb_write(b), &status);
	ck_assert_msg(strstr(text, "functions' self and\ncumulative times over their calls"), "%s",
		      text);
	free(text);
	opt.kind = report_kind_find("json");
	text = compare_paths(&opt, tb_write(a), tb_write(b), &status);
	ck_assert_ptr_nonnull(strstr(text, "\"basis\": \"calls\""));
	ck_assert_ptr_nonnull(strstr(text, "\"over\": \"events\""));
	free(text);
	opt.kind = NULL;
	load(&cmp, &opt, tb_write(a), tb_write(c));
	ck_assert_int_eq(func(&cmp, "work_a")->cum.verdict, CMP_NOISE);
	ck_assert_double_gt(func(&cmp, "work_a")->cum.p, 0.5);
	cmp_release(&cmp);
	tb_free(c);
	/* Twice the calls at the same time each: the total is not the calls'
	 * times, so it is not tested over them. */
	{
		uint64_t twice[24];

		for (int i = 0; i < 24; i++)
			twice[i] = slow[i % 12];
		c = calls_tb(24, twice, SHIFT);
	}
	load(&cmp, &opt, tb_write(a), tb_write(c));
	ck_assert_int_ne(func(&cmp, "work_a")->calls.verdict, CMP_SAME);
	ck_assert_int_eq(func(&cmp, "work_a")->cum.basis, CMP_BASIS_NONE);
	ck_assert_int_eq(func(&cmp, "work_a")->cum.verdict, CMP_UNTESTED);
	cmp_release(&cmp);
	tb_free(a);
	tb_free(b);
	tb_free(c);
}
END_TEST

START_TEST(test_text_one_run)
{
	struct report_options opt = { .limit = -1 };
	char expect[512], *text = compare_ok(&opt);

	ck_assert_ptr_nonnull(strstr(text, "One run a side: there is no noise estimate"));
	ck_assert_str_eq(line_of(text, "Speedup:"),
			 "Speedup: wall ? (1.000 ms -> 500.0 us, -50.00% ?: no noise estimate)");
	ck_assert_str_eq(line_of(text, "   old:"),
			 "   old: /usr/bin/prog, pid 4242, 2 threads, wall 1.000 ms");
	snprintf(expect, sizeof(expect),
		 "          100.0 us           50.00 us  -50.00%% ?            30.00 us           "
		 "20.00 us  -33.33%% ?       same  check_compare.c:%d(work_main)",
		 work_main_def);
	ck_assert_str_eq(line_of(rows(text), "(work_main)"), expect);
	snprintf(expect, sizeof(expect),
		 "          20.00 us               0 ns -100.00%% ?            20.00 us           "
		 "    0 ns -100.00%% ?    removed  check_compare.c:%d(work_b)",
		 work_b_def);
	ck_assert_str_eq(line_of(rows(text), "(work_b)"), expect);
	snprintf(expect, sizeof(expect), "added  check_compare.c:%d(work_c)", work_c_def);
	ck_assert_ptr_nonnull(strstr(line_of(rows(text), "(work_c)"), expect));
	snprintf(expect, sizeof(expect), "-60.00%% ?       same  check_compare.c:%d(work_a)",
		 work_a_def);
	ck_assert_ptr_nonnull(strstr(line_of(rows(text), "(work_a)"), expect));
	ck_assert_ptr_nonnull(strstr(line_of(text, "snk  self time"), "-60.00% ?"));
	ck_assert_ptr_nonnull(strstr(line_of(text, "src  self time"), "same"));
	ck_assert_ptr_nonnull(strstr(text, "  bottleneck: snk -> snk\n"));
	/* No gate asked for: no gate line. */
	ck_assert_ptr_null(strstr(text, "Gate:"));
	free(text);
}
END_TEST

/* --sort tottime: by the change of self time; ties by name. --limit. */
START_TEST(test_sort_self_limit)
{
	struct report_options opt = { .limit = 3, .sort = REPORT_SORT_TOTTIME };
	char *text = compare_ok(&opt);
	const char *r = rows(text);

	ck_assert_ptr_nonnull(strstr(text, "ordered by the absolute change of self time "
					   "(the first 3; --limit for more).\n"));
	ck_assert_ptr_nonnull(strstr(r, "(work_a)\n"));
	ck_assert(strstr(r, "(work_a)") < strstr(r, "(work_b)"));
	ck_assert(strstr(r, "(work_b)") < strstr(r, "(work_c)"));
	ck_assert_ptr_null(strstr(r, "(work_main)"));
	free(text);
}
END_TEST

/* The old keys of one run a side keep their meaning; the missing side null. */
START_TEST(test_json_one_run)
{
	struct report_options opt = { .limit = -1, .kind = report_kind_find("json") };
	char *text = compare_ok(&opt);

	ck_assert_ptr_nonnull(strstr(text, "\"wall_speedup\": 2,\n    \"self_speedup\": 2,\n"));
	ck_assert_ptr_nonnull(strstr(text, "{\"name\": \"snk\", \"status\": \"both\", "
					   "\"old_self_ns\": 200000, \"new_self_ns\": 80000, "
					   "\"self_speedup\": 2.5, \"old_records\": 400, "
					   "\"new_records\": 400, "));
	ck_assert_ptr_nonnull(strstr(text, "\"function\": \"work_main\""));
	ck_assert_ptr_nonnull(strstr(text,
				     "\"old_calls\": 1, \"new_calls\": 1, "
				     "\"old_self_ns\": 30000, \"new_self_ns\": 20000, "
				     "\"self_change_ns\": -10000, \"self_speedup\": 1.5, "
				     "\"old_cumulative_ns\": 100000, \"new_cumulative_ns\": 50000, "
				     "\"cumulative_change_ns\": -50000, \"cumulative_speedup\": 2, "
				     "\"calls\": {\"old\": {\"median\": 1, "));
	ck_assert_ptr_nonnull(strstr(text, "\"status\": \"removed\", \"old_calls\": 1, "
					   "\"new_calls\": null, \"old_self_ns\": 20000, "
					   "\"new_self_ns\": null, \"self_change_ns\": -20000, "
					   "\"self_speedup\": null"));
	ck_assert_ptr_nonnull(strstr(text, "\"status\": \"added\", \"old_calls\": null, "
					   "\"new_calls\": 1"));
	ck_assert_ptr_nonnull(strstr(text, "\"no_noise_estimate\": true"));
	/* 4 hand-offs and one call a side: nothing can be tested. */
	ck_assert_ptr_nonnull(strstr(text, "\"over\": \"none\""));
	ck_assert_ptr_nonnull(strstr(text,
				     "\"cumulative\": {\"old\": {\"median\": 100000, "
				     "\"lo\": 100000, \"hi\": 100000, \"level\": 0, "
				     "\"min\": 100000, \"max\": 100000, \"n\": 1, "
				     "\"runs\": [100000]}, \"new\": {\"median\": 50000, "
				     "\"lo\": 50000, \"hi\": 50000, \"level\": 0, \"min\": 50000, "
				     "\"max\": 50000, \"n\": 1, \"runs\": [50000]}, "
				     "\"change\": -0.5, \"p\": null, \"basis\": \"none\", "
				     "\"verdict\": \"untested\", \"significant\": false, "
				     "\"below_min_change\": false}"));
	ck_assert_ptr_nonnull(strstr(text, "\"gate\": null"));
	free(text);
}
END_TEST

/* ------------------------------------------------------- runs a side */

/* n runs like `r`, work_main and work_a `step` us longer each run, the wall 10 us. */
static void spread(struct run *out, const struct run *r, size_t n, uint64_t step)
{
	for (size_t i = 0; i < n; i++) {
		out[i] = *r;
		out[i].main_us += i * step;
		out[i].a_us += i * step;
		out[i].wall += i * 10;
	}
}

/* Every old run slower than every new one: the exact test's smallest p-value. */
START_TEST(test_runs_significant)
{
	struct report_options opt = { .limit = -1 };
	struct run o[6], n[6];
	struct cmp_report cmp;
	const struct cmp_func *f;
	char *text, expect[256];
	int status;

	spread(o, &old_run, 6, 1);
	spread(n, &new_run, 6, 1);
	load(&cmp, &opt, runs("old", o, 6), runs("new", n, 6));
	ck_assert(cmp.old.dir);
	ck_assert_uint_eq(cmp.old.nruns, 6);
	ck_assert(!cmp.one_run && !cmp.too_few);
	f = func(&cmp, "work_main");
	/* Cumulative 100 .. 105 us: the median 102.5, its interval the range (six runs). */
	ck_assert_double_eq(f->cum.so.median, 102.5 * US);
	ck_assert_double_eq(f->cum.so.lo, 100 * US);
	ck_assert_double_eq(f->cum.so.hi, 105 * US);
	ck_assert_double_ge(f->cum.so.level, STATS_LEVEL);
	ck_assert_int_eq(f->cum.basis, CMP_BASIS_RUNS);
	ck_assert_double_eq_tol(f->cum.p, stats_mann_whitney_min_p(6, 6), 1e-12);
	ck_assert_int_eq(f->cum.verdict, CMP_BETTER);
	/* work_main's self time, 30 us against 20, is the same in every run of a side. */
	ck_assert_int_eq(f->self.verdict, CMP_BETTER);
	ck_assert_int_eq(f->calls.verdict, CMP_SAME);
	ck_assert_int_eq(cmp.wall.verdict, CMP_BETTER);
	ck_assert_int_eq(stage(&cmp, "snk")->self.verdict, CMP_BETTER);
	ck_assert_int_eq(stage(&cmp, "src")->latency.basis, CMP_BASIS_RUNS);
	ck_assert_uint_eq(stage(&cmp, "snk")->old_bottleneck, 6);
	ck_assert_uint_gt(cmp.nsignificant, 0);
	cmp_release(&cmp);

	text = compare_paths(&opt, opt.compare_old, opt.compare_new, &status);
	ck_assert_int_eq(status, 0);
	ck_assert_ptr_nonnull(strstr(text, "Medians over 6 old and 6 new runs"));
	ck_assert_ptr_nonnull(strstr(text, "Mann-Whitney"));
	ck_assert_ptr_nonnull(strstr(text, "Benjamini-Hochberg"));
	/* The walls 1000 .. 1050 us and 500 .. 550: medians 1025 and 525. */
	snprintf(expect, sizeof(expect),
		 "Speedup: wall %.2fx faster (1.025 ms -> 525.0 us, %+.2f%%, p=%.3f)", 1025.0 / 525,
		 100 * (525.0 / 1025 - 1), stats_mann_whitney_min_p(6, 6));
	ck_assert_str_eq(line_of(text, "Speedup:"), expect);
	/* 2.5 / 102.5 is 2%, 2.5 / 52.5 5%; the self times are the same in every run. */
	snprintf(expect, sizeof(expect),
		 "     102.5 us ± 2%%      52.50 us ± 5%%    -48.78%%       30.00 us ± 0%%      "
		 "20.00 us ± 0%%    -33.33%%       same  check_compare.c:%d(work_main)",
		 work_main_def);
	ck_assert_str_eq(line_of(rows(text), "(work_main)"), expect);
	ck_assert_ptr_nonnull(
	    strstr(text, "  bottleneck: snk (6 of 6 runs) -> snk (6 of 6 runs)\n"));
	ck_assert_ptr_null(strstr(text, " ~"));
	free(text);
}
END_TEST

/* Interleaved runs of one distribution: nothing significant, the gate passes. */
START_TEST(test_runs_noise)
{
	struct report_options opt = { .limit = -1, .fail_slower = true, .fail_slower_pct = 0 };
	struct run o[8], n[8];
	struct cmp_report cmp;
	const char *gate[] = { "work_*" };
	char *text;
	int status;

	for (size_t i = 0; i < 8; i++) {
		o[i] = old_run;
		o[i].main_us += 2 * i;
		o[i].a_us += 2 * i;
		o[i].wall += 20 * i;
		n[i] = o[i];
		n[i].main_us += 1;
		n[i].a_us += 1;
		n[i].wall += 10;
	}
	opt.gate = gate;
	opt.ngate = 1;
	load(&cmp, &opt, runs("old", o, 8), runs("new", n, 8));
	ck_assert_uint_gt(cmp.ntested, 0);
	ck_assert_uint_eq(cmp.nsignificant, 0);
	ck_assert_int_eq(cmp.wall.verdict, CMP_NOISE);
	ck_assert_int_eq(func(&cmp, "work_main")->cum.verdict, CMP_NOISE);
	ck_assert_double_gt(func(&cmp, "work_main")->cum.p, 0.5);
	ck_assert(cmp.gated);
	ck_assert_uint_eq(cmp.nfailures, 0);
	cmp_release(&cmp);

	text = compare_paths(&opt, opt.compare_old, opt.compare_new, &status);
	ck_assert_int_eq(status, 0);
	ck_assert_ptr_nonnull(strstr(line_of(text, "Speedup:"), "Speedup: wall ~ ("));
	ck_assert_ptr_nonnull(strstr(line_of(text, "Speedup:"), "not significant)"));
	ck_assert_ptr_nonnull(strstr(line_of(rows(text), "(work_main)"), "       ~  "));
	ck_assert_str_eq(line_of(text, "Gate:"), "Gate: --fail-if-slower 0% --gate work_*: passed");
	ck_assert_ptr_null(strstr(text, "faster"));
	ck_assert_ptr_null(strstr(text, "slower ("));
	free(text);
}
END_TEST

/*
 * A stage kept waiting: the new runs' snk takes 80 us a batch instead of
 * 50, 30 of them off the CPU. Its self time is significantly worse, its
 * on-CPU self time (50 us a batch, +i us in run i, on both sides) is noise.
 * Without off-CPU readings on a side the on-CPU figure is not tested.
 */
START_TEST(test_stage_oncpu)
{
	struct report_options opt = { .limit = -1 };
	struct run o[6], n[6];
	struct cmp_report cmp;
	const struct cmp_stage *snk;
	char *text;
	int status;

	for (size_t i = 0; i < 6; i++) {
		o[i] = (struct run){ .wall = 1000 + i, .snk = 50 + i, .snk_off = 1 };
		n[i] = (struct run){ .wall = 1000 + i, .snk = 80 + i, .snk_off = 31 };
	}
	load(&cmp, &opt, runs("old", o, 6), runs("new", n, 6));
	snk = stage(&cmp, "snk");
	ck_assert(!snk->oncpu_unknown);
	ck_assert_int_eq(snk->self.verdict, CMP_WORSE);
	ck_assert_int_eq(snk->oncpu.verdict, CMP_NOISE);
	/* 4 batches of (49 + i) us on the CPU; the median of i = 0..5 is 2.5. */
	ck_assert_double_eq(snk->oncpu.so.median, 4 * 51.5 * US);
	ck_assert_double_eq(snk->oncpu.sn.median, snk->oncpu.so.median);
	ck_assert_int_eq(stage(&cmp, "src")->oncpu.verdict, CMP_SAME);
	cmp_release(&cmp);
	text = compare_paths(&opt, opt.compare_old, opt.compare_new, &status);
	ck_assert_int_eq(status, 0);
	ck_assert_msg(strstr(text, "  snk  self time  ") &&
			  strstr(strstr(text, "  snk  self time  "), "\n       on-CPU     "),
		      "%s", text);
	ck_assert_ptr_nonnull(strstr(line_of(strstr(text, "  snk  self time"), "on-CPU"), "~ (p="));
	free(text);
	opt.kind = report_kind_find("json");
	text = compare_paths(&opt, opt.compare_old, opt.compare_new, &status);
	ck_assert_ptr_nonnull(strstr(text, "\"oncpu\": {\"old\": "));
	free(text);

	/* The old side without readings: no on-CPU figure. */
	for (size_t i = 0; i < 6; i++)
		o[i].snk_off = 0;
	opt.kind = NULL;
	load(&cmp, &opt, runs("old-unread", o, 6), runs("new-again", n, 6));
	ck_assert(stage(&cmp, "snk")->oncpu_unknown);
	ck_assert_int_eq(stage(&cmp, "snk")->oncpu.verdict, CMP_UNTESTED);
	cmp_release(&cmp);
	text = compare_paths(&opt, opt.compare_old, opt.compare_new, &status);
	ck_assert_ptr_null(strstr(text, "on-CPU"));
	free(text);
	opt.kind = report_kind_find("json");
	text = compare_paths(&opt, opt.compare_old, opt.compare_new, &status);
	ck_assert_ptr_nonnull(strstr(text, "\"oncpu\": null"));
	free(text);
}
END_TEST

/*
 * --min-change: a significant change of the wall time by 1% (1002.5 us to
 * 1012.5 us, the runs apart) is "~" under --min-change 2, and said so;
 * without it, and under --min-change 0.5, it is significant.
 */
START_TEST(test_min_change)
{
	struct report_options opt = { .limit = -1 };
	struct run o[6], n[6];
	struct cmp_report cmp;
	const char *old, *new;
	char *text;
	int status;

	for (size_t i = 0; i < 6; i++) {
		o[i] = (struct run){ .wall = 1000 + i };
		n[i] = (struct run){ .wall = 1010 + i };
	}
	old = runs("old", o, 6);
	new = runs("new", n, 6);
	load(&cmp, &opt, old, new);
	ck_assert_int_eq(cmp.wall.verdict, CMP_WORSE);
	ck_assert(!cmp.wall.small);
	ck_assert_uint_eq(cmp.nsignificant, 1);
	cmp_release(&cmp);

	opt.min_change = true;
	opt.min_change_pct = 0.5;
	load(&cmp, &opt, old, new);
	ck_assert_int_eq(cmp.wall.verdict, CMP_WORSE);
	cmp_release(&cmp);

	opt.min_change_pct = 2;
	load(&cmp, &opt, old, new);
	ck_assert_int_eq(cmp.wall.verdict, CMP_NOISE);
	ck_assert(cmp.wall.small);
	ck_assert_uint_eq(cmp.nsignificant, 0);
	cmp_release(&cmp);
	text = compare_paths(&opt, old, new, &status);
	ck_assert_int_eq(status, 0);
	ck_assert_ptr_nonnull(
	    strstr(text, "A significant change under 2% is \"~\" too (--min-change 2).\n"));
	ck_assert_msg(
	    strstr(line_of(text, "  wall time"), "       ~ (p=0.002, +1.00%: under --min-change)"),
	    "%s", text);
	ck_assert_ptr_nonnull(strstr(line_of(text, "Speedup:"), "Speedup: wall ~ ("));
	free(text);
	opt.kind = report_kind_find("json");
	text = compare_paths(&opt, old, new, &status);
	ck_assert_ptr_nonnull(strstr(text, "\"verdict\": \"noise\", \"significant\": false, "
					   "\"below_min_change\": true}"));
	ck_assert_ptr_nonnull(strstr(text, "\"min_change\": 0.02}"));
	free(text);

	/* The gate still sees it: 1% slower fails --fail-if-slower 0.5. */
	opt.kind = NULL;
	opt.fail_slower = true;
	opt.fail_slower_pct = 0.5;
	load(&cmp, &opt, old, new);
	ck_assert_int_eq(cmp.wall.verdict, CMP_NOISE);
	ck_assert_uint_eq(cmp.nfailures, 1);
	ck_assert_ptr_eq(cmp.failures[0].fig, &cmp.wall);
	cmp_release(&cmp);
	text = compare_paths(&opt, old, new, &status);
	ck_assert_int_eq(status, CMP_EXIT_GATE);
	free(text);
}
END_TEST

/* Two runs a side cannot reach p < 0.05: said, and nothing significant. */
START_TEST(test_runs_too_few)
{
	struct report_options opt = { .limit = -1 };
	struct run o[2], n[2];
	struct cmp_report cmp;
	char *text;
	int status;

	spread(o, &old_run, 2, 1);
	spread(n, &new_run, 2, 1);
	load(&cmp, &opt, runs("old", o, 2), runs("new", n, 2));
	ck_assert(cmp.too_few);
	ck_assert_uint_eq(cmp.nsignificant, 0);
	ck_assert_double_gt(stats_mann_whitney_min_p(2, 2), STATS_ALPHA);
	cmp_release(&cmp);
	text = compare_paths(&opt, opt.compare_old, opt.compare_new, &status);
	ck_assert_ptr_nonnull(strstr(text, "Too few runs: with 2 and 2 runs"));
	free(text);
}
END_TEST

/* The gate: significantly slower by more than PCT fails with CMP_EXIT_GATE. */
START_TEST(test_gate)
{
	struct report_options opt = { .limit = -1, .fail_slower = true, .fail_slower_pct = 10 };
	struct run o[6], n[6];
	const char *gate[] = { "work_a" }, *none[] = { "no_such_function" };
	const char *od, *nd;
	char *text, expect[256];
	int status;

	spread(o, &new_run, 6, 1); /* old is fast */
	spread(n, &old_run, 6, 1); /* new is slow */
	od = runs("old", o, 6);
	nd = runs("new", n, 6);
	opt.gate = gate;
	opt.ngate = 1;
	text = compare_paths(&opt, od, nd, &status);
	ck_assert_int_eq(status, CMP_EXIT_GATE);
	ck_assert_str_eq(line_of(text, "Gate:"),
			 "Gate: --fail-if-slower 10% --gate work_a: FAILED (exit status 4)");
	snprintf(expect, sizeof(expect), "  wall time: +%.2f%% (p=%.3f), more than 10%%",
		 100 * ((1000.0 + 25) / (500.0 + 25) - 1), stats_mann_whitney_min_p(6, 6));
	ck_assert_str_eq(line_of(text, "  wall time: "), expect);
	ck_assert_ptr_nonnull(strstr(text, "  self time of stage snk: +150.00% "));
	ck_assert_ptr_nonnull(strstr(text, "  cumulative time of work_a: +"));
	/* src is the same on both sides: not a failure. */
	ck_assert_ptr_null(strstr(text, "stage src"));
	free(text);

	/* Slower, but by less than the threshold. */
	opt.fail_slower_pct = 200;
	text = compare_paths(&opt, od, nd, &status);
	ck_assert_int_eq(status, 0);
	ck_assert_ptr_nonnull(strstr(text, "Gate: --fail-if-slower 200% --gate work_a: passed\n"));
	free(text);

	/* JSON says the same. */
	opt.fail_slower_pct = 10;
	opt.kind = report_kind_find("json");
	text = compare_paths(&opt, od, nd, &status);
	ck_assert_int_eq(status, CMP_EXIT_GATE);
	ck_assert_ptr_nonnull(
	    strstr(text, "\"gate\": {\"fail_if_slower_pct\": 10, "
			 "\"fail_if_more_memory_pct\": null, \"functions\": "
			 "[\"work_a\"], \"passed\": false, \"blind\": false, "
			 "\"exit_status\": 4, \"failures\": [{\"what\": \"wall time\""));
	free(text);

	/* A --gate that names no function is a usage error. */
	opt.kind = NULL;
	opt.gate = none;
	text = compare_paths(&opt, od, nd, &status);
	ck_assert_int_eq(status, EXIT_USAGE);
	free(text);
}
END_TEST

/* One run a side: the gate cannot see anything, and says so. */
START_TEST(test_gate_blind)
{
	struct report_options opt = { .limit = -1, .fail_slower = true, .fail_slower_pct = 1 };
	char *text;
	int status;

	text = compare_paths(&opt, tb_write(new_tb), tb_write(old_tb), &status);
	ck_assert_int_eq(status, 0);
	ck_assert_ptr_nonnull(strstr(line_of(text, "Gate:"), ": passed, blind (one run a side"));
	free(text);
}
END_TEST

/* Traces of memory only: their memory is compared, and gated. */
START_TEST(test_memory_only)
{
	struct report_options opt = { .limit = -1 };
	struct run o[6], n[6];
	struct cmp_report cmp;
	char *text;
	int status;

	for (size_t i = 0; i < 6; i++) {
		o[i] = (struct run){ .wall = 1000 + i, .bytes = 1000 };
		n[i] = (struct run){ .wall = 1000 + i, .bytes = 3000 };
	}
	load(&cmp, &opt, runs("old", o, 6), runs("new", n, 6));
	ck_assert(cmp.has_memory);
	ck_assert(!cmp.has_calls);
	ck_assert_uint_eq(cmp.nfuncs, 0);
	ck_assert_double_eq(cmp.bytes.so.median, 1000);
	ck_assert_double_eq(cmp.bytes.sn.median, 3000);
	ck_assert_int_eq(cmp.bytes.verdict, CMP_WORSE);
	ck_assert_int_eq(cmp.allocs.verdict, CMP_SAME);
	ck_assert_uint_eq(cmp.nsites, 1);
	ck_assert_int_eq(cmp.sites[0].bytes.verdict, CMP_WORSE);
	cmp_release(&cmp);

	opt.fail_memory = true;
	opt.fail_memory_pct = 50;
	text = compare_paths(&opt, opt.compare_old, opt.compare_new, &status);
	ck_assert_int_eq(status, CMP_EXIT_GATE);
	ck_assert_ptr_nonnull(strstr(line_of(text, "bytes allocated "), "+200.00%"));
	ck_assert_ptr_nonnull(strstr(text, "  bytes allocated: +200.00% "));
	ck_assert_ptr_nonnull(strstr(text, "Allocation sites: 1;"));
	free(text);
}
END_TEST

/* Different programs get a warning; different builds of one a note. */
START_TEST(test_programs)
{
	struct report_options opt = { .limit = -1 };
	struct run other = old_run, build1 = old_run, build2 = old_run;
	struct cmp_report cmp;
	struct tb *a, *b;

	other.exe = "/usr/bin/another";
	a = run_tb(&old_run, 0);
	b = run_tb(&other, 0);
	load(&cmp, &opt, tb_write(a), tb_write(b));
	ck_assert(cmp.programs_differ);
	cmp_release(&cmp);
	tb_free(b);
	tb_free(a);

	build1.buildid = 1;
	build2.buildid = 2;
	a = run_tb(&build1, 0);
	b = run_tb(&build2, 0);
	load(&cmp, &opt, tb_write(a), tb_write(a));
	ck_assert(!cmp.programs_differ && !cmp.builds_differ);
	cmp_release(&cmp);
	load(&cmp, &opt, tb_write(a), tb_write(b));
	ck_assert(!cmp.programs_differ);
	ck_assert(cmp.builds_differ);
	cmp_release(&cmp);
	tb_free(b);
	tb_free(a);
}
END_TEST

START_TEST(test_errors)
{
	struct report_options opt = { .limit = -1, .sort = REPORT_SORT_CUMALLOC };
	char empty[PATH_MAX];
	int status;
	char *text;

	text = compare(&opt, &status);
	ck_assert_int_eq(status, EXIT_USAGE);
	ck_assert_str_eq(text, "");
	free(text);
	opt.sort = REPORT_SORT_CUMULATIVE;
	text = compare_paths(&opt, tb_write(old_tb), tb_missing_path(new_tb), &status);
	ck_assert_int_eq(status, EXIT_BADTRACE);
	ck_assert_str_eq(text, "");
	free(text);
	/* A directory without runs. */
	snprintf(empty, sizeof(empty), "%s/empty", runs_dir);
	ck_assert_int_eq(mkdir(empty, 0700), 0);
	text = compare_paths(&opt, tb_write(old_tb), empty, &status);
	ck_assert_int_ne(status, 0);
	ck_assert_str_eq(text, "");
	free(text);
}
END_TEST

static Suite *compare_suite(void)
{
	Suite *s = suite_create("compare");
	TCase *tc = tcase_create("compare");

	tcase_add_checked_fixture(tc, runs_setup, runs_teardown);
	tcase_add_test(tc, test_match);
	tcase_add_test(tc, test_handoffs);
	tcase_add_test(tc, test_calls);
	tcase_add_test(tc, test_text_one_run);
	tcase_add_test(tc, test_sort_self_limit);
	tcase_add_test(tc, test_json_one_run);
	tcase_add_test(tc, test_runs_significant);
	tcase_add_test(tc, test_runs_noise);
	tcase_add_test(tc, test_stage_oncpu);
	tcase_add_test(tc, test_min_change);
	tcase_add_test(tc, test_runs_too_few);
	tcase_add_test(tc, test_gate);
	tcase_add_test(tc, test_gate_blind);
	tcase_add_test(tc, test_memory_only);
	tcase_add_test(tc, test_programs);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(compare_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
