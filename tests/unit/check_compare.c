/* SPDX-License-Identifier: MIT */
/*
 * check_compare.c - unit tests of --compare (tools/compare.c and its
 * renderers): two known traces, old and new, of the same functions loaded
 * at different addresses (matched by name and file, not by address), one
 * function removed and one added, stages faster and slower; the exact
 * speedups, changes and order, in text and JSON; the options --compare
 * refuses.
 *
 * The functions are this file's own, named from its debugging information;
 * the new trace maps this executable 256 MiB higher, as another run or
 * another build would.
 */
#include "config.h"

#include <check.h>
#include <link.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "report.h"
#include "report_stage.h"
#include "trace_builder.h"

#define NOINLINE __attribute__((noipa, used))
#define US	 1000ull
#define SHIFT	 0x10000000ull /* where the new trace maps this executable */

static struct tb *old_tb, *new_tb;

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
 * batch, a 5 us sink, from tick t. */
static void stages(struct tb *tb, uint64_t snk, int batches, uint64_t t)
{
	int b;

	tb_stage_def(tb, 1, "src");
	tb_stage_def(tb, 2, "snk");
	for (b = 0; b <= batches; b++) {
		uint64_t n = b < batches ? 100 : 0;

		tb_stage_begin(tb, 2, t);
		tb_stage_begin(tb, 1, t);
		t += n ? 10 * US : 0;
		tb_stage_end(tb, 1, t, n);
		t += n ? snk * US : 0;
		tb_stage_end(tb, 2, t, n);
		t += n ? 5 * US : 0;
	}
}

/*
 * old: work_main [0, 100] calls work_a [10, 60] and work_b [60, 80];
 *      snk 50 us a batch; wall 1 ms.
 * new: work_main [0, 50] calls work_a [10, 30] and work_c [30, 40];
 *      snk 20 us a batch; wall 0.5 ms.
 */
static void setup(void)
{
	old_tb = tb_new();
	old_tb->hdr.end = (struct trace_clock_point){ 1000 * US, 1000 * US };
	map_exe(old_tb, 0);
	tb_chunk(old_tb, 1, 0);
	tb_enter(old_tb, addr(work_main, 0), 0);
	call(old_tb, work_a, 0, 10, 60);
	call(old_tb, work_b, 0, 60, 80);
	tb_exit(old_tb, 100 * US);
	tb_chunk(old_tb, 2, 0);
	stages(old_tb, 50, 4, 200 * US);

	new_tb = tb_new();
	new_tb->hdr.end = (struct trace_clock_point){ 500 * US, 500 * US };
	map_exe(new_tb, SHIFT);
	tb_chunk(new_tb, 1, 0);
	tb_enter(new_tb, addr(work_main, SHIFT), 0);
	call(new_tb, work_a, SHIFT, 10, 30);
	call(new_tb, work_c, SHIFT, 30, 40);
	tb_exit(new_tb, 50 * US);
	tb_chunk(new_tb, 2, 0);
	stages(new_tb, 20, 4, 200 * US);
}

static void teardown(void)
{
	tb_free(old_tb);
	tb_free(new_tb);
}

/* Run --compare with `opt`; the output (free it), the status in *status. */
static char *compare(struct report_options *opt, int *status)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	opt->compare_old = tb_write(old_tb);
	opt->compare_new = tb_write(new_tb);
	*status = report_run(opt, out);
	fclose(out);
	return text;
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

START_TEST(test_match)
{
	struct report_options opt = { .limit = -1 };
	struct report old, new;
	struct cmp_report cmp;
	const struct cmp_func *f;

	ck_assert_int_eq(report_open(&old, &opt, tb_write(old_tb), false), 0);
	ck_assert_int_eq(report_open(&new, &opt, tb_write(new_tb), false), 0);
	cmp_build(&cmp, &opt, &old, &new);
	ck_assert_uint_eq(cmp.nfuncs, 4);
	ck_assert_uint_eq(cmp.added, 1);
	ck_assert_uint_eq(cmp.removed, 1);
	/* By the absolute change of cumulative time. */
	f = &cmp.funcs[0];
	ck_assert_str_eq(f->name, "work_main");
	ck_assert_int_eq(f->status, CMP_BOTH);
	ck_assert_uint_eq(f->old_cum_ns, 100 * US);
	ck_assert_uint_eq(f->new_cum_ns, 50 * US);
	ck_assert_uint_eq(f->old_self_ns, 30 * US);
	ck_assert_uint_eq(f->new_self_ns, 20 * US);
	ck_assert_uint_eq(f->old_calls, 1);
	ck_assert_str_eq(cmp.funcs[1].name, "work_a");
	ck_assert_uint_eq(cmp.funcs[1].old_cum_ns, 50 * US);
	ck_assert_uint_eq(cmp.funcs[1].new_cum_ns, 20 * US);
	ck_assert_str_eq(cmp.funcs[2].name, "work_b");
	ck_assert_int_eq(cmp.funcs[2].status, CMP_REMOVED);
	ck_assert_str_eq(cmp.funcs[3].name, "work_c");
	ck_assert_int_eq(cmp.funcs[3].status, CMP_ADDED);
	ck_assert_uint_eq(cmp.funcs[3].new_cum_ns, 10 * US);
	ck_assert_double_eq_tol(cmp_ratio(f->old_cum_ns, f->new_cum_ns), 2.0, 1e-12);
	ck_assert_double_eq(cmp_ratio(0, 5), 0);
	/* Stages by name. */
	ck_assert_uint_eq(cmp.nstages, 2);
	ck_assert_str_eq(cmp.stages[0].name, "src");
	ck_assert_str_eq(cmp.stages[1].name, "snk");
	ck_assert_uint_eq(cmp.stages[1].old->self_ns, 200 * US);
	ck_assert_uint_eq(cmp.stages[1].new->self_ns, 80 * US);
	cmp_release(&cmp);
	report_close(&new);
	report_close(&old);
}
END_TEST

START_TEST(test_text)
{
	struct report_options opt = { .limit = -1 };
	char expect[2048], *text = compare_ok(&opt);

	snprintf(
	    expect, sizeof(expect),
	    "mprof compare: old '%s', new '%s'\n"
	    "   old: /usr/bin/prog (pid 4242), 2 threads, wall 1.000 ms\n"
	    "   new: /usr/bin/prog (pid 4242), 2 threads, wall 0.500 ms\n"
	    "\n"
	    "Speedup: wall 1.000 ms -> 0.500 ms (2.00x faster); self time of all functions "
	    "0.100 ms -> 0.050 ms (2.00x faster)\n"
	    "\n"
	    "Stages (self time, throughput; old -> new):\n"
	    "  src: self     0.040 ms ->     0.040 ms (same),    1538462 ->    2857143 "
	    "records/s (1.86x higher)\n"
	    "  snk: self     0.200 ms ->     0.080 ms (2.50x faster),    1538462 ->    2857143 "
	    "records/s (1.86x higher)\n"
	    "  bottleneck: snk -> snk\n"
	    "\n"
	    "Functions: 2 in both, 1 removed, 1 added; ordered by the absolute change of "
	    "cumulative time.\n"
	    "Times in ms; cumulative on the left, self on the right.\n"
	    "\n"
	    "   cum old ->    cum new      change  speedup         self old ->   self new "
	    "     change  speedup       function\n"
	    "     0.100 ->      0.050      -0.050  2.00x faster       0.030 ->      0.020 "
	    "     -0.010  1.50x faster  check_compare.c:%d(work_main)\n"
	    "     0.050 ->      0.020      -0.030  2.50x faster       0.050 ->      0.020 "
	    "     -0.030  2.50x faster  check_compare.c:%d(work_a)\n"
	    "     0.020 ->          -      -0.020  removed            0.020 ->          - "
	    "     -0.020  removed       check_compare.c:%d(work_b)\n"
	    "         - ->      0.010      +0.010  added                  - ->      0.010 "
	    "     +0.010  added         check_compare.c:%d(work_c)\n"
	    "\n",
	    opt.compare_old, opt.compare_new, work_main_def, work_a_def, work_b_def, work_c_def);
	ck_assert_str_eq(text, expect);
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

/* The file of work_main as the JSON gives it (the debugging information's path). */
static void json_file(const char *text, char *file, size_t len)
{
	static const char key[] = "\"function\": \"work_main\", \"file\": \"";
	const char *f = strstr(text, key);

	ck_assert_ptr_nonnull(f);
	f += strlen(key);
	snprintf(file, len, "%.*s", (int)(strchr(f, '"') - f), f);
	ck_assert_str_eq(util_basename(file), "check_compare.c");
}

START_TEST(test_json)
{
	struct report_options opt = { .limit = 2, .kind = report_kind_find("json") };
	char expect[16384], file[PATH_MAX], *text = compare_ok(&opt);

	json_file(text, file, sizeof(file));
	snprintf(
	    expect, sizeof(expect),
	    "{\n  \"compare\": {\n"
	    "    \"old\": {\"trace\": \"%s\", \"exe\": \"/usr/bin/prog\", \"pid\": 4242, "
	    "\"wall_ns\": 1000000, \"self_ns\": 100000, \"lost_events\": 0, \"lost_by_cause\": "
	    "{\"other\": 0, \"disk_full\": 0, \"size_cap\": 0, \"file_size_limit\": 0, "
	    "\"io_error\": 0, \"no_memory\": 0, \"signal\": 0, \"uncounted\": 0}, "
	    "\"max_size\": null, \"first_failure_ns\": null, \"bottleneck\": \"snk\", "
	    "\"unrecorded_calls\": 0, \"record_filters\": {\"include\": [], \"exclude\": [], "
	    "\"max_depth\": null, \"min_duration_ns\": null}},\n"
	    "    \"new\": {\"trace\": \"%s\", \"exe\": \"/usr/bin/prog\", \"pid\": 4242, "
	    "\"wall_ns\": 500000, \"self_ns\": 50000, \"lost_events\": 0, \"lost_by_cause\": "
	    "{\"other\": 0, \"disk_full\": 0, \"size_cap\": 0, \"file_size_limit\": 0, "
	    "\"io_error\": 0, \"no_memory\": 0, \"signal\": 0, \"uncounted\": 0}, "
	    "\"max_size\": null, \"first_failure_ns\": null, \"bottleneck\": \"snk\", "
	    "\"unrecorded_calls\": 0, \"record_filters\": {\"include\": [], \"exclude\": [], "
	    "\"max_depth\": null, \"min_duration_ns\": null}},\n"
	    "    \"wall_speedup\": 2,\n    \"self_speedup\": 2,\n"
	    "    \"order\": \"cumulative\",\n"
	    "    \"stages\": [\n"
	    "      {\"name\": \"src\", \"status\": \"both\", \"old_self_ns\": 40000, "
	    "\"new_self_ns\": 40000, \"self_speedup\": 1, \"old_records\": 400, "
	    "\"new_records\": 400, \"old_throughput_per_s\": 1538461.538, "
	    "\"new_throughput_per_s\": 2857142.857, \"throughput_ratio\": 1.85714},\n"
	    "      {\"name\": \"snk\", \"status\": \"both\", \"old_self_ns\": 200000, "
	    "\"new_self_ns\": 80000, \"self_speedup\": 2.5, \"old_records\": 400, "
	    "\"new_records\": 400, \"old_throughput_per_s\": 1538461.538, "
	    "\"new_throughput_per_s\": 2857142.857, \"throughput_ratio\": 1.85714}\n"
	    "    ],\n"
	    "    \"functions_added\": 1,\n    \"functions_removed\": 1,\n"
	    "    \"functions\": [\n"
	    "      {\"function\": \"work_main\", \"file\": \"%s\", \"status\": \"both\", "
	    "\"old_calls\": 1, \"new_calls\": 1, \"old_self_ns\": 30000, "
	    "\"new_self_ns\": 20000, \"self_change_ns\": -10000, \"self_speedup\": 1.5, "
	    "\"old_cumulative_ns\": 100000, \"new_cumulative_ns\": 50000, "
	    "\"cumulative_change_ns\": -50000, \"cumulative_speedup\": 2},\n"
	    "      {\"function\": \"work_a\", \"file\": \"%s\", \"status\": \"both\", "
	    "\"old_calls\": 1, \"new_calls\": 1, \"old_self_ns\": 50000, "
	    "\"new_self_ns\": 20000, \"self_change_ns\": -30000, \"self_speedup\": 2.5, "
	    "\"old_cumulative_ns\": 50000, \"new_cumulative_ns\": 20000, "
	    "\"cumulative_change_ns\": -30000, \"cumulative_speedup\": 2.5}\n"
	    "    ]\n  }\n}\n",
	    opt.compare_old, opt.compare_new, file, file);
	ck_assert_str_eq(text, expect);
	free(text);
}
END_TEST

/* A removed function's missing side is null in JSON. */
START_TEST(test_json_removed)
{
	struct report_options opt = { .limit = -1, .kind = report_kind_find("json") };
	char *text = compare_ok(&opt);

	ck_assert_ptr_nonnull(strstr(text, "\"status\": \"removed\", \"old_calls\": 1, "
					   "\"new_calls\": null, \"old_self_ns\": 20000, "
					   "\"new_self_ns\": null, \"self_change_ns\": -20000, "
					   "\"self_speedup\": null"));
	ck_assert_ptr_nonnull(strstr(text, "\"status\": \"added\", \"old_calls\": null, "
					   "\"new_calls\": 1"));
	free(text);
}
END_TEST

START_TEST(test_errors)
{
	struct report_options opt = { .limit = -1, .sort = REPORT_SORT_CUMALLOC };
	int status;
	char *text;

	text = compare(&opt, &status);
	ck_assert_int_eq(status, EXIT_USAGE);
	ck_assert_str_eq(text, "");
	free(text);
	opt.sort = REPORT_SORT_CUMULATIVE;
	opt.compare_new = tb_missing_path(new_tb);
	{
		char *out = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&out, &len);

		opt.compare_old = tb_write(old_tb);
		ck_assert_int_eq(report_run(&opt, f), EXIT_BADTRACE);
		fclose(f);
		ck_assert_str_eq(out, "");
		free(out);
	}
}
END_TEST

static Suite *compare_suite(void)
{
	Suite *s = suite_create("compare");
	TCase *tc = tcase_create("compare");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_match);
	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_sort_self_limit);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_json_removed);
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
