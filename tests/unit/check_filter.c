/* SPDX-License-Identifier: MIT */
/*
 * check_filter.c - unit tests of the report-time filters (struct cs_filter
 * in tools/callstats.h, the patterns of tools/report.c): a hidden call's
 * self time joins its nearest shown caller, its shown callees attach to
 * that caller, the counts of hidden functions disappear. And the reports of
 * traces recorded with filters (FILTER records, the chunks' counts of calls
 * left out): the recorded minimum duration folds the short calls the
 * runtime kept exactly as --min-duration does; the text, JSON, --compare
 * and merged reports name the filters and count the calls not recorded.
 *
 * Traces come from trace_builder with the monotonic clock, so ticks are
 * nanoseconds and the expected numbers can be written down.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callstats.h"
#include "report.h"
#include "trace_builder.h"

static struct tb *tb;
static struct cs_profile prof;
static struct cs_filter filter;
static uint64_t hidden_addrs[4]; /* what hide_addr() hides; 0 ends */

static void setup(void)
{
	tb = tb_new();
	memset(&prof, 0, sizeof(prof));
	memset(&filter, 0, sizeof(filter));
	memset(hidden_addrs, 0, sizeof(hidden_addrs));
}

static void teardown(void)
{
	cs_profile_release(&prof);
	tb_free(tb);
}

static bool hide_addr(void *arg, uint64_t addr, uint64_t when)
{
	size_t i;

	(void)arg;
	(void)when;
	for (i = 0; i < 4 && hidden_addrs[i]; i++) {
		if (hidden_addrs[i] == addr)
			return true;
	}
	return false;
}

/* Hide the function at `addr` by name, as --exclude would. */
static void hide(uint64_t addr)
{
	size_t i = 0;

	while (hidden_addrs[i])
		i++;
	hidden_addrs[i] = addr;
	filter.hide = hide_addr;
}

/* Read the builder's trace into prof through the filter. */
static void profile(void)
{
	struct trace_reader r;

	ck_assert_int_eq(trace_reader_open(&r, tb_write(tb)), 0);
	cs_profile_init(&prof, r.hdr.probe_self_ticks, r.hdr.probe_parent_ticks);
	prof.filter = &filter;
	ck_assert_int_eq(cs_profile_read(&prof, &r), 0);
	trace_reader_release(&r);
}

static const struct cs_func *func(const struct cs_table *t, uint64_t addr)
{
	const struct cs_func *f = cs_table_find(t, addr);

	ck_assert_msg(f != NULL, "no function 0x%llx", (unsigned long long)addr);
	return f;
}

static const struct cs_edge *edge(const struct cs_table *t, uint64_t from, uint64_t to)
{
	const struct cs_edge *e;

	for (e = t->edges; e; e = e->next) {
		if (e->caller->addr == from && e->callee->addr == to)
			return e;
	}
	ck_abort_msg("no edge 0x%llx -> 0x%llx", (unsigned long long)from, (unsigned long long)to);
	return NULL;
}

static void check_stats(const struct cs_stats *st, uint64_t calls, uint64_t prim, uint64_t self,
			uint64_t cum)
{
	ck_assert_uint_eq(st->calls, calls);
	ck_assert_uint_eq(st->calls - st->rec_calls, prim);
	ck_assert_uint_eq(st->self_ticks, self);
	ck_assert_uint_eq(st->cum_ticks, cum);
}

/* main [0,100] -> b [10,90] -> c [20,50]; b allocates 100 bytes at 60. */
static void chain3(void)
{
	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x10, 0);
	tb_enter(tb, 0x20, 10);
	tb_enter(tb, 0x30, 20);
	tb_exit(tb, 50);
	tb_alloc(tb, 0x1000, 100, 0, 60);
	tb_exit(tb, 90);
	tb_exit(tb, 100);
}

/* a [0,100] -> b [10,90] -> c [20,80] -> d [30,70]: each 20 of self but d's 40. */
static void chain4(void)
{
	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0xa, 0);
	tb_enter(tb, 0xb, 10);
	tb_enter(tb, 0xc, 20);
	tb_enter(tb, 0xd, 30);
	tb_exit(tb, 70);
	tb_exit(tb, 80);
	tb_exit(tb, 90);
	tb_exit(tb, 100);
}

START_TEST(test_no_filter_is_identity)
{
	const struct cs_table *t;

	chain3();
	profile();
	t = &prof.merged;
	check_stats(&func(t, 0x10)->st, 1, 1, 20, 100);
	check_stats(&func(t, 0x20)->st, 1, 1, 50, 80);
	check_stats(&func(t, 0x30)->st, 1, 1, 30, 30);
	ck_assert_uint_eq(func(t, 0x20)->st.alloc_self, 100);
	ck_assert_uint_eq(prof.filtered, 0);
}
END_TEST

START_TEST(test_exclude_middle)
{
	const struct cs_table *t;

	hide(0x20);
	chain3();
	profile();
	t = &prof.merged;
	/* b's 50 of self time joins main's 20; main's cumulative is unchanged */
	check_stats(&func(t, 0x10)->st, 1, 1, 70, 100);
	check_stats(&func(t, 0x30)->st, 1, 1, 30, 30);
	ck_assert_ptr_null(cs_table_find(t, 0x20));
	/* c attaches to main */
	check_stats(&edge(t, 0x10, 0x30)->st, 1, 1, 30, 30);
	ck_assert_uint_eq(t->nedges, 1);
	ck_assert_uint_eq(t->nfuncs, 2);
	/* b's allocation is main's own, as if b were not instrumented */
	ck_assert_uint_eq(func(t, 0x10)->st.alloc_self, 100);
	ck_assert_uint_eq(func(t, 0x10)->st.alloc_cum, 100);
	ck_assert_uint_eq(prof.filtered, 1);
	ck_assert_uint_eq(prof.threads[0]->filtered, 1);
}
END_TEST

START_TEST(test_exclude_probe_cost)
{
	const struct cs_table *t;

	tb->hdr.probe_self_ticks = 2;
	tb->hdr.probe_parent_ticks = 3;
	hide(0x20);
	chain3();
	profile();
	t = &prof.merged;
	/* unfiltered: c 30 - 2 = 28; b 80 - 30 - 2 - 3 = 45; main 100 - 80 - 2 - 3
	 * = 15, inclusive 15 + 45 + 28 = 88: main gets b's 45, keeps its 88 */
	check_stats(&func(t, 0x10)->st, 1, 1, 60, 88);
	check_stats(&func(t, 0x30)->st, 1, 1, 28, 28);
}
END_TEST

START_TEST(test_exclude_outermost)
{
	const struct cs_table *t;

	hide(0x10);
	chain3();
	profile();
	t = &prof.merged;
	/* main has no shown caller: its own 20 are dropped, b is outermost */
	ck_assert_ptr_null(cs_table_find(t, 0x10));
	check_stats(&func(t, 0x20)->st, 1, 1, 50, 80);
	check_stats(&func(t, 0x30)->st, 1, 1, 30, 30);
	check_stats(&edge(t, 0x20, 0x30)->st, 1, 1, 30, 30);
	ck_assert_uint_eq(t->nedges, 1);
}
END_TEST

START_TEST(test_max_depth)
{
	const struct cs_table *t;

	filter.max_depth = 2;
	chain4();
	profile();
	t = &prof.merged;
	check_stats(&func(t, 0xa)->st, 1, 1, 20, 100);
	/* c and d fold into b: 20 + 20 + 40 */
	check_stats(&func(t, 0xb)->st, 1, 1, 80, 80);
	ck_assert_ptr_null(cs_table_find(t, 0xc));
	ck_assert_ptr_null(cs_table_find(t, 0xd));
	check_stats(&edge(t, 0xa, 0xb)->st, 1, 1, 80, 80);
	ck_assert_uint_eq(t->nfuncs, 2);
	ck_assert_uint_eq(t->nedges, 1);
	ck_assert_uint_eq(prof.filtered, 2);
}
END_TEST

START_TEST(test_max_depth_one)
{
	const struct cs_table *t;

	filter.max_depth = 1;
	chain4();
	profile();
	t = &prof.merged;
	check_stats(&func(t, 0xa)->st, 1, 1, 100, 100);
	ck_assert_uint_eq(t->nfuncs, 1);
	ck_assert_uint_eq(t->nedges, 0);
	ck_assert_uint_eq(prof.filtered, 3);
}
END_TEST

START_TEST(test_max_depth_counts_shown_frames)
{
	const struct cs_table *t;

	/* b hidden: a is depth 1, c depth 2, d deeper */
	hide(0xb);
	filter.max_depth = 2;
	chain4();
	profile();
	t = &prof.merged;
	check_stats(&func(t, 0xa)->st, 1, 1, 40, 100);
	check_stats(&func(t, 0xc)->st, 1, 1, 60, 60);
	check_stats(&edge(t, 0xa, 0xc)->st, 1, 1, 60, 60);
	ck_assert_uint_eq(t->nfuncs, 2);
}
END_TEST

START_TEST(test_min_duration)
{
	const struct cs_table *t;

	/* main [0,100]: a [10,15], a [20,60], a [70,72], b [75,95] -> c [80,81] */
	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x10, 0);
	tb_enter(tb, 0xa, 10);
	tb_exit(tb, 15);
	tb_enter(tb, 0xa, 20);
	tb_exit(tb, 60);
	tb_enter(tb, 0xa, 70);
	tb_exit(tb, 72);
	tb_enter(tb, 0xb, 75);
	tb_enter(tb, 0xc, 80);
	tb_exit(tb, 81);
	tb_exit(tb, 95);
	tb_exit(tb, 100);
	filter.min_ticks = 10;
	profile();
	t = &prof.merged;
	/* the 5 and 2 tick calls of a join main's 33: 100 - 5 - 40 - 2 - 20 */
	check_stats(&func(t, 0x10)->st, 1, 1, 40, 100);
	check_stats(&func(t, 0xa)->st, 1, 1, 40, 40);
	check_stats(&edge(t, 0x10, 0xa)->st, 1, 1, 40, 40);
	/* c's tick joins b */
	check_stats(&func(t, 0xb)->st, 1, 1, 20, 20);
	ck_assert_ptr_null(cs_table_find(t, 0xc));
	ck_assert_uint_eq(prof.filtered, 3);
	ck_assert_uint_eq(t->nedges, 2);
}
END_TEST

START_TEST(test_min_duration_whole_subtree)
{
	const struct cs_table *t;

	/* everything but the outermost call is shorter than 90 */
	filter.min_ticks = 90;
	chain4();
	profile();
	t = &prof.merged;
	check_stats(&func(t, 0xa)->st, 1, 1, 100, 100);
	ck_assert_uint_eq(t->nfuncs, 1);
	ck_assert_uint_eq(prof.filtered, 3);
}
END_TEST

/* a [0,100] -> b [10,90] -> a [20,80] -> b [30,70] -> a [40,60] */
static void alternating(void)
{
	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0xa, 0);
	tb_enter(tb, 0xb, 10);
	tb_enter(tb, 0xa, 20);
	tb_enter(tb, 0xb, 30);
	tb_enter(tb, 0xa, 40);
	tb_exit(tb, 60);
	tb_exit(tb, 70);
	tb_exit(tb, 80);
	tb_exit(tb, 90);
	tb_exit(tb, 100);
}

START_TEST(test_include_recursion)
{
	const struct cs_table *t;

	/* --include a: b is hidden */
	hide(0xb);
	alternating();
	profile();
	t = &prof.merged;
	/* a: 3 calls, 1 primitive; self 40 + 40 + 20, cumulative of the outermost */
	check_stats(&func(t, 0xa)->st, 3, 1, 100, 100);
	/* the a -> a edge: two calls, the inner one recursive */
	check_stats(&edge(t, 0xa, 0xa)->st, 2, 1, 60, 60);
	ck_assert_ptr_null(cs_table_find(t, 0xb));
	ck_assert_uint_eq(prof.filtered, 2);
}
END_TEST

START_TEST(test_include_drops_uncalled_time)
{
	const struct cs_table *t;

	/* --include b: the outer a has no shown caller, its 20 are dropped */
	hide(0xa);
	alternating();
	profile();
	t = &prof.merged;
	check_stats(&func(t, 0xb)->st, 2, 1, 80, 80);
	/* the edge b -> b was not active yet: a primitive call of it */
	check_stats(&edge(t, 0xb, 0xb)->st, 1, 1, 40, 40);
	ck_assert_uint_eq(t->nfuncs, 1);
	ck_assert_uint_eq(prof.filtered, 3);
}
END_TEST

START_TEST(test_open_at_end_filtered)
{
	const struct cs_table *t;

	/* main [0,..] -> b [10,..] -> c [20,50], the trace ends at 100 */
	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x10, 0);
	tb_enter(tb, 0x20, 10);
	tb_enter(tb, 0x30, 20);
	tb_exit(tb, 50);
	tb_thread_end(tb, 100, tb_events(tb, 1), 0);
	hide(0x20);
	profile();
	t = &prof.merged;
	check_stats(&func(t, 0x10)->st, 1, 1, 70, 100);
	check_stats(&func(t, 0x30)->st, 1, 1, 30, 30);
	ck_assert_uint_eq(prof.open_at_end, 2);
}
END_TEST

START_TEST(test_name_patterns)
{
	const char *inc[] = { "fib*", "main" };
	const char *exc[] = { "fib_slow" };
	struct report_options opt = { .limit = -1 };

	ck_assert(!report_filtering(&opt));
	ck_assert(!report_name_hidden(&opt, "anything"));
	opt.exclude = exc;
	opt.nexclude = 1;
	ck_assert(report_filtering(&opt));
	ck_assert(report_name_hidden(&opt, "fib_slow"));
	ck_assert(!report_name_hidden(&opt, "fib"));
	opt.include = inc;
	opt.ninclude = 2;
	ck_assert(!report_name_hidden(&opt, "fib"));
	ck_assert(!report_name_hidden(&opt, "fibonacci"));
	ck_assert(!report_name_hidden(&opt, "main"));
	ck_assert(report_name_hidden(&opt, "even"));
	/* exclude wins over include */
	ck_assert(report_name_hidden(&opt, "fib_slow"));
	opt.ninclude = opt.nexclude = 0;
	opt.max_depth = 3;
	ck_assert(report_filtering(&opt));
	opt.max_depth = 0;
	opt.min_duration_ns = 1;
	ck_assert(report_filtering(&opt));
}
END_TEST

/* ------------------------------------------------ traces recorded with filters */

static struct tb *tb2; /* a second trace, when a test needs one */

/* The text or JSON (kind) report of `path` with `opt`; free it. */
static char *run_report(struct report_options *opt, const char *kind, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	opt->limit = -1;
	opt->no_symbols = true;
	opt->kind = kind ? report_kind_find(kind) : NULL;
	opt->trace = path;
	ck_assert_int_eq(report_run(opt, out), 0);
	fclose(out);
	return text;
}

/*
 * main [0,100]: a [10,15], a [20,60], a [70,72], b [75,95] -> c [80,81]
 * (test_min_duration's calls): those a runtime with a minimum of 10 ticks
 * kept, the short c making b's entry stay, and the two short a's taken back.
 * With `min` (0: none), the process chunk says it was recorded so.
 */
static void kept_short_calls(struct tb *t, uint64_t min, bool all)
{
	tb_process_chunk(t, 0);
	tb_maps(t, 0, TRACE_MAPS_START, 0);
	if (min)
		tb_filter(t, TRACE_FILTER_MIN_DURATION, min, NULL);
	tb_chunk(t, 1, 0);
	tb_enter(t, 0x10, 0);
	if (all) {
		tb_enter(t, 0xa, 10);
		tb_exit(t, 15);
	}
	tb_enter(t, 0xa, 20);
	tb_exit(t, 60);
	if (all) {
		tb_enter(t, 0xa, 70);
		tb_exit(t, 72);
	}
	tb_enter(t, 0xb, 75);
	tb_enter(t, 0xc, 80);
	tb_exit(t, 81);
	tb_exit(t, 95);
	tb_exit(t, 100);
	if (!all)
		tb_chunk_header(t)->filtered = 2;
}

/* The JSON report's functions: everything from its "functions" member on. */
static const char *functions_part(const char *json)
{
	const char *p = strstr(json, "\"functions\": [");

	ck_assert_ptr_nonnull(p);
	return p;
}

static const struct report_func *report_func_at(const struct report_table *t, uint64_t addr)
{
	size_t i;

	for (i = 0; i < t->nfuncs; i++) {
		if (t->funcs[i].sym->addr == addr)
			return &t->funcs[i];
	}
	return NULL;
}

START_TEST(test_recorded_min_duration_folds)
{
	struct report_options opt = { .limit = -1, .no_symbols = true };
	const struct report_func *f;
	struct report rep;

	kept_short_calls(tb, 10, false);
	ck_assert_int_eq(report_open(&rep, &opt, tb_write(tb), false), 0);
	ck_assert(rep.filtering);
	ck_assert_ptr_nonnull(rep.record_filters);
	ck_assert_uint_eq(rep.record_filters->min_duration_ns, 10);
	/* c's tick, kept by the runtime, is folded into b */
	ck_assert_ptr_null(report_func_at(&rep.merged, 0xc));
	f = report_func_at(&rep.merged, 0xb);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->self_ns, 20);
	ck_assert_uint_eq(report_func_at(&rep.merged, 0xa)->calls, 1);
	/* main's self time holds the calls the runtime took back: 100 - 40 - 20 */
	ck_assert_uint_eq(report_func_at(&rep.merged, 0x10)->self_ns, 40);
	ck_assert_uint_eq(rep.merged.filtered_calls, 1);
	ck_assert_uint_eq(rep.merged.unrecorded_calls, 2);
	ck_assert_uint_eq(rep.merged.total_calls, 3);
	report_close(&rep);
}
END_TEST

/* Without the FILTER record, the same calls are not folded. */
START_TEST(test_unrecorded_min_not_folded)
{
	struct report_options opt = { .limit = -1, .no_symbols = true };
	struct report rep;

	kept_short_calls(tb, 0, false);
	ck_assert_int_eq(report_open(&rep, &opt, tb_write(tb), false), 0);
	ck_assert(!rep.filtering);
	ck_assert_ptr_null(rep.record_filters);
	ck_assert_ptr_nonnull(report_func_at(&rep.merged, 0xc));
	ck_assert_uint_eq(rep.merged.unrecorded_calls, 2);
	report_close(&rep);
}
END_TEST

/* The report of the recorded trace is that of --min-duration on the full one. */
static void check_same_as_report_time(uint64_t recorded, uint64_t user, uint64_t as)
{
	struct report_options opt = { 0 };
	struct tb *full = tb_new();
	char *a, *b;

	kept_short_calls(tb, recorded, false);
	kept_short_calls(full, 0, true);
	opt.min_duration_ns = user;
	a = run_report(&opt, "json", tb_write(tb));
	memset(&opt, 0, sizeof(opt));
	opt.min_duration_ns = as;
	b = run_report(&opt, "json", tb_write(full));
	ck_assert_str_eq(functions_part(a), functions_part(b));
	ck_assert_ptr_nonnull(strstr(a, "\"filtered_calls\": "));
	free(a);
	free(b);
	tb_free(full);
	tb_free(tb);
	tb = tb_new();
}

START_TEST(test_recorded_min_as_report_time)
{
	check_same_as_report_time(10, 0, 10);
	/* the larger of the two applies */
	check_same_as_report_time(10, 3, 10);
	check_same_as_report_time(10, 50, 50);
	check_same_as_report_time(3, 10, 10);
}
END_TEST

/* The exports fold them too (they read the trace again). */
START_TEST(test_recorded_min_export)
{
	struct report_options opt = { 0 };
	char *text;

	kept_short_calls(tb, 10, false);
	text = run_report(&opt, "folded", tb_write(tb));
	ck_assert_ptr_null(strstr(text, "0xc"));
	ck_assert_ptr_nonnull(strstr(text, "0x10;0xb 20\n"));
	free(text);
}
END_TEST

/* `mprof record --include 'parse_*' --exclude "it's" --max-depth 3
 * --min-duration 10us`, 1234 calls left out, main [0,100000]. */
static void filtered_trace(struct tb *t, uint64_t unrecorded)
{
	tb_process_chunk(t, 0);
	tb_maps(t, 0, TRACE_MAPS_START, 0);
	tb_filter(t, TRACE_FILTER_INCLUDE, 0, "parse_*");
	tb_filter(t, TRACE_FILTER_EXCLUDE, 0, "it's");
	tb_filter(t, TRACE_FILTER_MAX_DEPTH, 3, NULL);
	tb_filter(t, TRACE_FILTER_MIN_DURATION, 10000, NULL);
	tb_chunk(t, 1, 0);
	tb_chunk_header(t)->filtered = unrecorded;
	tb_enter(t, 0x10, 0);
	tb_exit(t, 100000);
}

START_TEST(test_record_filters_text)
{
	struct report_options opt = { 0 };
	char *text;

	filtered_trace(tb, 1234);
	text = run_report(&opt, NULL, tb_write(tb));
	ck_assert_ptr_nonnull(strstr(
	    text,
	    "\n         1 function calls (0 filtered) (1234 not recorded) in 0.000 seconds (wall "
	    "0.000 s)\n"
	    "\n"
	    "   Ordered by: cumulative time\n"
	    "   Recorded with filters: --include 'parse_*' --exclude 'it'\\''s' --max-depth 3 "
	    "--min-duration 10us\n"
	    "   Times in milliseconds (ms)\n" /* main's 100000 ns: 0.100 ms */
	    "\n"
	    "   ncalls"));
	free(text);
	memset(&opt, 0, sizeof(opt));
	opt.threads = true;
	text = run_report(&opt, NULL, tb_write(tb));
	ck_assert_ptr_nonnull(strstr(text, "Thread 1 (tid 1001): wall 0.000 s\n\n"
					   "         1 function calls (0 filtered) (1234 not "
					   "recorded) in 0.000 seconds (wall 0.000 s)\n"));
	free(text);
}
END_TEST

/* Every call left out: no table, the count and the filters still said. */
START_TEST(test_record_filters_text_no_rows)
{
	struct report_options opt = { 0 };
	char *text;

	tb_process_chunk(tb, 0);
	tb_filter(tb, TRACE_FILTER_INCLUDE, 0, "nothing");
	tb_chunk(tb, 1, 0);
	tb_chunk_header(tb)->filtered = 5;
	tb_thread_start(tb, 1001, 0);
	text = run_report(&opt, NULL, tb_write(tb));
	ck_assert_str_eq(
	    text, "mprof: /usr/bin/prog (pid 4242), 1 thread, wall 0.000 s\n"
		  "\n"
		  "         0 function calls (5 not recorded) in 0.000 seconds (wall 0.000 s)\n"
		  "\n"
		  "   Recorded with filters: --include 'nothing'\n"
		  "\n");
	free(text);
}
END_TEST

START_TEST(test_record_filters_text_none)
{
	struct report_options opt = { 0 };
	char *text;

	chain3();
	text = run_report(&opt, NULL, tb_write(tb));
	ck_assert_ptr_null(strstr(text, "not recorded"));
	ck_assert_ptr_null(strstr(text, "Recorded with"));
	ck_assert_ptr_null(strstr(text, "filtered"));
	free(text);
}
END_TEST

/* The options' spelling: patterns quoted, durations in an exact unit. */
START_TEST(test_record_filters_spelling)
{
	struct trace_record_filters f = { 0 };
	char *inc[] = { "a b", "*" };
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	report_text_record_filters(NULL, out);
	fputc('|', out);
	f.min_duration_ns = 1500;
	report_text_record_filters(&f, out);
	fputc('|', out);
	f.min_duration_ns = 2000000;
	report_text_record_filters(&f, out);
	fputc('|', out);
	f.min_duration_ns = 3000000000;
	report_text_record_filters(&f, out);
	fputc('|', out);
	f.min_duration_ns = 7000;
	f.max_depth = 12;
	f.include = inc;
	f.ninclude = 2;
	report_text_record_filters(&f, out);
	fclose(out);
	ck_assert_str_eq(text, "none|--min-duration 1500ns|--min-duration 2ms|--min-duration 3s|"
			       "--include 'a b' --include '*' --max-depth 12 --min-duration 7us");
	free(text);
}
END_TEST

START_TEST(test_record_filters_json)
{
	struct report_options opt = { .threads = true };
	char *text;

	filtered_trace(tb, 1234);
	text = run_report(&opt, "json", tb_write(tb));
	ck_assert_ptr_nonnull(strstr(text, "\"filtered_calls\": 0,\n  \"unrecorded_calls\": 1234,\n"
					   "  \"record_filters\": {\"include\": [\"parse_*\"], "
					   "\"exclude\": [\"it's\"], \"max_depth\": 3, "
					   "\"min_duration_ns\": 10000},\n  \"functions\": ["));
	ck_assert_ptr_nonnull(strstr(text, "\"filtered_calls\": 0,\n    \"unrecorded_calls\": "
					   "1234,\n    \"functions\": ["));
	ck_assert_ptr_null(strstr(text, "record_filters_differ"));
	free(text);
	/* without filters: the members are there, empty */
	tb_free(tb);
	tb = tb_new();
	chain3();
	memset(&opt, 0, sizeof(opt));
	text = run_report(&opt, "json", tb_write(tb));
	ck_assert_ptr_nonnull(strstr(text,
				     "\"primitive_calls\": 3,\n  \"unrecorded_calls\": 0,\n"
				     "  \"record_filters\": {\"include\": [], \"exclude\": [], "
				     "\"max_depth\": null, \"min_duration_ns\": null},\n"
				     "  \"functions\": ["));
	ck_assert_ptr_null(strstr(text, "filtered_calls"));
	free(text);
}
END_TEST

/* --compare: one note line naming each side's filters. */
START_TEST(test_record_filters_compare)
{
	struct report_options opt = { 0 };
	char *text;

	tb2 = tb_new();
	chain3();
	tb_process_chunk(tb2, 0);
	tb_filter(tb2, TRACE_FILTER_MAX_DEPTH, 3, NULL);
	tb_chunk(tb2, 1, 0);
	tb_chunk_header(tb2)->filtered = 9;
	tb_enter(tb2, 0x10, 0);
	tb_exit(tb2, 100);
	opt.compare_old = tb_write(tb);
	opt.compare_new = tb_write(tb2);
	text = run_report(&opt, NULL, opt.compare_old);
	ck_assert_ptr_nonnull(strstr(text,
				     "wall 100 ns\n   note: the sides were recorded with "
				     "different filters (old: none; new: --max-depth 3): "
				     "the calls they left out differ, and so do the times\n\n"));
	free(text);
	text = run_report(&opt, "json", opt.compare_old);
	ck_assert_ptr_nonnull(strstr(text, "\"unrecorded_calls\": 9, \"record_filters\": "
					   "{\"include\": [], \"exclude\": [], \"max_depth\": 3, "
					   "\"min_duration_ns\": null}},\n"));
	free(text);
	opt.compare_old = tb_write(tb2);
	text = run_report(&opt, NULL, opt.compare_old);
	ck_assert_ptr_nonnull(
	    strstr(text, "   note: both sides were recorded with filters: --max-depth 3\n\n"));
	free(text);
	/* neither: no note */
	opt.compare_new = opt.compare_old = tb_write(tb);
	text = run_report(&opt, NULL, opt.compare_old);
	ck_assert_ptr_null(strstr(text, "note:"));
	free(text);
	tb_free(tb2);
}
END_TEST

/* Two processes: the union of their filters, marked as differing. */
START_TEST(test_record_filters_merged)
{
	struct report_options opt = { 0 };
	const char *paths[2];
	char *text;

	tb2 = tb_new();
	tb_process_chunk(tb, 0);
	tb_filter(tb, TRACE_FILTER_EXCLUDE, 0, "x");
	tb_filter(tb, TRACE_FILTER_MAX_DEPTH, 3, NULL);
	tb_chunk(tb, 1, 0);
	tb_chunk_header(tb)->filtered = 3;
	tb_enter(tb, 0x10, 0);
	tb_exit(tb, 100);
	tb2->hdr.pid = 4343; /* another process: not a copy of the first trace */
	tb_process_chunk(tb2, 0);
	tb_filter(tb2, TRACE_FILTER_EXCLUDE, 0, "y");
	tb_filter(tb2, TRACE_FILTER_EXCLUDE, 0, "x");
	tb_filter(tb2, TRACE_FILTER_MAX_DEPTH, 2, NULL);
	tb_chunk(tb2, 1, 0);
	tb_chunk_header(tb2)->filtered = 4;
	tb_enter(tb2, 0x10, 0);
	tb_exit(tb2, 100);
	paths[0] = tb_write(tb);
	paths[1] = tb_write(tb2);
	opt.traces = paths;
	opt.ntraces = 2;
	text = run_report(&opt, NULL, paths[0]);
	ck_assert_ptr_nonnull(strstr(text, "(7 not recorded)"));
	ck_assert_ptr_nonnull(strstr(text, "   Recorded with filters: --exclude 'x' --exclude 'y' "
					   "--max-depth 3 (not the same in every process)\n"));
	free(text);
	text = run_report(&opt, "json", paths[0]);
	ck_assert_ptr_nonnull(strstr(text, "\"unrecorded_calls\": 4, \"record_filters\": "
					   "{\"include\": [], \"exclude\": [\"y\", \"x\"], "
					   "\"max_depth\": 2, \"min_duration_ns\": null}}"));
	ck_assert_ptr_nonnull(strstr(text, "\"unrecorded_calls\": 7,\n  \"record_filters\": "
					   "{\"include\": [], \"exclude\": [\"x\", \"y\"], "
					   "\"max_depth\": 3, \"min_duration_ns\": null},\n"
					   "  \"record_filters_differ\": true,\n"));
	free(text);
	/* the same filters in another process: not differing (the same trace
	 * twice would be read once) */
	tb->hdr.pid = 4344;
	paths[1] = tb_write(tb);
	text = run_report(&opt, "json", paths[0]);
	ck_assert_ptr_nonnull(strstr(text, "\"record_filters_differ\": false,\n"));
	free(text);
	tb_free(tb2);
}
END_TEST

static Suite *filter_suite(void)
{
	Suite *s = suite_create("filter");
	TCase *tc = tcase_create("callstats");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_no_filter_is_identity);
	tcase_add_test(tc, test_exclude_middle);
	tcase_add_test(tc, test_exclude_probe_cost);
	tcase_add_test(tc, test_exclude_outermost);
	tcase_add_test(tc, test_max_depth);
	tcase_add_test(tc, test_max_depth_one);
	tcase_add_test(tc, test_max_depth_counts_shown_frames);
	tcase_add_test(tc, test_min_duration);
	tcase_add_test(tc, test_min_duration_whole_subtree);
	tcase_add_test(tc, test_include_recursion);
	tcase_add_test(tc, test_include_drops_uncalled_time);
	tcase_add_test(tc, test_open_at_end_filtered);
	tcase_add_test(tc, test_name_patterns);
	suite_add_tcase(s, tc);

	tc = tcase_create("recorded");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_recorded_min_duration_folds);
	tcase_add_test(tc, test_unrecorded_min_not_folded);
	tcase_add_test(tc, test_recorded_min_as_report_time);
	tcase_add_test(tc, test_recorded_min_export);
	tcase_add_test(tc, test_record_filters_text);
	tcase_add_test(tc, test_record_filters_text_no_rows);
	tcase_add_test(tc, test_record_filters_text_none);
	tcase_add_test(tc, test_record_filters_spelling);
	tcase_add_test(tc, test_record_filters_json);
	tcase_add_test(tc, test_record_filters_compare);
	tcase_add_test(tc, test_record_filters_merged);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(filter_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
