/* SPDX-License-Identifier: MIT */
/*
 * check_filter.c - unit tests of the report-time filters (struct cs_filter
 * in tools/callstats.h, the patterns of tools/report.c): a hidden call's
 * self time joins its nearest shown caller, its shown callees attach to
 * that caller, the counts of hidden functions disappear.
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
