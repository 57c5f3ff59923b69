/* SPDX-License-Identifier: MIT */
/*
 * check_contexts.c - unit tests of execution contexts (coroutines) in the
 * call aggregation (tools/callstats.c) and what reads call paths from it
 * (the exports): one call stack per context, self time only for the
 * running context's innermost frame, a switched-away frame's time counted
 * as inclusive time that is not its own.
 *
 * The scheduler trace (monotonic clock: ticks are ns, no probe cost):
 *
 *	ctx 0: main [0, 120] calls run [10, 110], which resumes
 *	ctx 1: co_a at 20 (work [25, 35]) until 40, and again at 95, when
 *	       co_a returns at 100;
 *	ctx 2: co_b at 50 (work [60, 80]) until 90, never resumed.
 *
 * Expected, from these times: main self 0-10 + 110-120 = 20, cumulative
 * 120; run self 10-20 + 40-50 + 90-95 + 100-110 = 35, cumulative 100;
 * co_a self 20-25 + 35-40 + 95-100 = 15, cumulative 80 (20 to 100); co_b
 * self 50-60 + 80-90 = 20, cumulative 70 (50 to the end at 120); work
 * self = cumulative = 10 + 20. The self times add up to the wall time.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callstats.h"
#include "report.h"
#include "trace_builder.h"

enum { MAIN = 0x10, RUN = 0x20, CO_A = 0x30, CO_B = 0x40, WORK = 0x50 };

static struct tb *tb;
static struct cs_profile prof;

static void setup(void)
{
	tb = tb_new();
	memset(&prof, 0, sizeof(prof));
}

static void teardown(void)
{
	cs_profile_release(&prof);
	tb_free(tb);
}

static void profile(const struct cs_filter *filter)
{
	struct trace_reader r;

	ck_assert_int_eq(trace_reader_open(&r, tb_write(tb)), 0);
	cs_profile_init(&prof, r.hdr.probe_self_ticks, r.hdr.probe_parent_ticks);
	prof.filter = filter;
	ck_assert_int_eq(cs_profile_read(&prof, &r), 0);
	trace_reader_release(&r);
}

static const struct cs_stats *stats(uint64_t addr)
{
	const struct cs_func *f = cs_table_find(&prof.merged, addr);

	ck_assert_ptr_nonnull(f);
	return &f->st;
}

static void check(uint64_t addr, uint64_t calls, uint64_t self, uint64_t cum)
{
	const struct cs_stats *st = stats(addr);

	ck_assert_uint_eq(st->calls, calls);
	ck_assert_uint_eq(st->self_ticks, self);
	ck_assert_uint_eq(st->cum_ticks, cum);
}

static void scheduler(void)
{
	tb_chunk(tb, 1, 0);
	tb_enter(tb, MAIN, 0);
	tb_enter(tb, RUN, 10);
	tb_context(tb, 1, 20);
	tb_enter(tb, CO_A, 20);
	tb_enter(tb, WORK, 25);
	tb_exit(tb, 35);
	tb_context(tb, 0, 40);
	tb_context(tb, 2, 50);
	tb_enter(tb, CO_B, 50);
	tb_enter(tb, WORK, 60);
	tb_exit(tb, 80);
	tb_context(tb, 0, 90);
	tb_context(tb, 1, 95);
	tb_exit(tb, 100); /* co_a returns */
	tb_context(tb, 0, 100);
	tb_exit(tb, 110); /* run */
	tb_exit(tb, 120); /* main */
}

START_TEST(test_scheduler_times)
{
	const struct cs_thread *t;
	uint64_t sum = 0;
	const struct cs_func *f;

	scheduler();
	profile(NULL);
	check(MAIN, 1, 20, 120);
	check(RUN, 1, 35, 100);
	check(CO_A, 1, 15, 80);
	check(CO_B, 1, 20, 70);
	check(WORK, 2, 30, 30);
	ck_assert_uint_eq(prof.nthreads, 1);
	t = prof.threads[0];
	ck_assert_uint_eq(t->open_at_end, 1); /* co_b */
	ck_assert_uint_eq(t->unmatched_exits, 0);
	for (f = prof.merged.funcs; f; f = f->next) {
		ck_assert_uint_le(f->st.self_ticks, f->st.cum_ticks);
		ck_assert_uint_le(f->st.cum_ticks, t->last_ticks - t->first_ticks);
		sum += f->st.self_ticks;
	}
	ck_assert_uint_eq(sum, t->last_ticks - t->first_ticks);
	/* Each coroutine's frames are on their own stack: no edge from run. */
	ck_assert_uint_eq(cs_table_find(&prof.merged, RUN)->ncallees, 0);
	ck_assert_uint_eq(cs_table_find(&prof.merged, CO_A)->ncallees, 1);
}
END_TEST

/* Without the CONTEXT records, the same events nest as one stack: today's reading. */
START_TEST(test_switch_to_same_context)
{
	tb_chunk(tb, 1, 0);
	tb_enter(tb, MAIN, 0);
	tb_context(tb, 0, 5); /* already running: nothing changes */
	tb_enter(tb, WORK, 10);
	tb_exit(tb, 20);
	tb_exit(tb, 30);
	profile(NULL);
	check(MAIN, 1, 20, 30);
	check(WORK, 1, 10, 10);
}
END_TEST

/* A function open in two contexts at once: not a recursive call; its
 * cumulative time is the span while either was open (0 to 50), within the
 * wall and never below the self time. */
START_TEST(test_open_in_two_contexts)
{
	tb_chunk(tb, 1, 0);
	tb_context(tb, 1, 0);
	tb_enter(tb, CO_A, 0);
	tb_context(tb, 2, 10);
	tb_enter(tb, CO_A, 10);
	tb_context(tb, 1, 20);
	tb_exit(tb, 30); /* ctx 1's co_a: 0 to 30, the other still open */
	tb_context(tb, 2, 30);
	tb_exit(tb, 50); /* ctx 2's: 10 to 50, the outermost to close */
	profile(NULL);
	/* self: ctx 1 runs 0-10 and 20-30, ctx 2 10-20 and 30-50 */
	ck_assert_uint_eq(stats(CO_A)->calls, 2);
	ck_assert_uint_eq(stats(CO_A)->self_ticks, 50);
	ck_assert_uint_eq(stats(CO_A)->rec_calls, 0);
	ck_assert_uint_eq(stats(CO_A)->cum_ticks, 50);
}
END_TEST

/* Apart in time, the activations of two contexts add up; one of them
 * recursive on its own stack counts once. */
START_TEST(test_two_contexts_apart)
{
	tb_chunk(tb, 1, 0);
	tb_context(tb, 1, 0);
	tb_enter(tb, CO_A, 0);
	tb_enter(tb, CO_A, 2); /* recursive: inside the first */
	tb_exit(tb, 8);
	tb_exit(tb, 10);
	tb_context(tb, 2, 20);
	tb_enter(tb, CO_A, 20);
	tb_context(tb, 1, 25); /* away 25-28: its frame stays open */
	tb_context(tb, 2, 28);
	tb_exit(tb, 30);
	profile(NULL);
	ck_assert_uint_eq(stats(CO_A)->calls, 3);
	ck_assert_uint_eq(stats(CO_A)->rec_calls, 1);
	ck_assert_uint_eq(stats(CO_A)->self_ticks, 17);
	ck_assert_uint_eq(stats(CO_A)->cum_ticks, 20);
}
END_TEST

/* With a minimum duration, the activation that closes last is too short
 * and taken back: the span of the one that closed before it still counts
 * (never self > cumulative). */
START_TEST(test_two_contexts_last_taken_back)
{
	const struct cs_filter min = { .min_ticks = 20 };

	tb_chunk(tb, 1, 0);
	tb_context(tb, 2, 0);
	tb_enter(tb, CO_A, 0);
	tb_context(tb, 1, 50);
	tb_enter(tb, CO_A, 50);
	tb_context(tb, 2, 51);
	tb_exit(tb, 60); /* ctx 2's: 0 to 60, kept */
	tb_context(tb, 1, 60);
	tb_exit(tb, 62); /* ctx 1's: 50 to 62, under 20: taken back */
	profile(&min);
	ck_assert_uint_eq(stats(CO_A)->calls, 1);
	ck_assert_uint_le(stats(CO_A)->self_ticks, stats(CO_A)->cum_ticks);
	ck_assert_uint_eq(stats(CO_A)->cum_ticks, 62);
}
END_TEST

/* The filtered path keeps a stack per context too: hidden frames fold into their owner's. */
START_TEST(test_scheduler_filtered)
{
	const struct cs_filter depth1 = { .max_depth = 1 };

	scheduler();
	profile(&depth1);
	check(MAIN, 1, 55, 120); /* its own 20 and run's 35 */
	check(CO_A, 1, 25, 80);	 /* with work's 10 */
	check(CO_B, 1, 40, 70);	 /* with work's 20 */
	ck_assert_ptr_null(cs_table_find(&prof.merged, RUN));
}
END_TEST

static char *export_of(const char *format)
{
	struct report_options opt = { .limit = -1, .no_symbols = true };
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	opt.trace = tb_write(tb);
	opt.kind = report_kind_find(format);
	ck_assert_int_eq(report_run(&opt, out), 0);
	fclose(out);
	return text;
}

/* Call paths come from each context's own stack. */
START_TEST(test_scheduler_folded)
{
	char *text;

	tb->hdr.end = (struct trace_clock_point){ 120, 120 };
	scheduler();
	text = export_of("folded");
	/* in the order the paths were first met: a path is met as its call returns */
	ck_assert_str_eq(text, "0x30 15\n"
			       "0x30;0x50 10\n"
			       "0x40 20\n"
			       "0x40;0x50 20\n"
			       "0x10 20\n"
			       "0x10;0x20 35\n");
	free(text);
}
END_TEST

/* Chrome: each context's calls on a track of its own, named, so that they nest. */
START_TEST(test_scheduler_chrome)
{
	char want[256], *text;

	tb->hdr.end = (struct trace_clock_point){ 120, 120 };
	scheduler();
	text = export_of("chrome");
	/* context 1 is met first (co_a's work returns first): the first track */
	snprintf(want, sizeof(want),
		 "\"tid\":%u,\"name\":\"thread_name\",\"args\":{\"name\":"
		 "\"thread 1 context 1\"}}",
		 (1u << 31) + 1);
	ck_assert_ptr_nonnull(strstr(text, want));
	snprintf(want, sizeof(want),
		 "\"tid\":%u,\"name\":\"thread_name\",\"args\":{\"name\":"
		 "\"thread 1 context 2\"}}",
		 (1u << 31) + 2);
	ck_assert_ptr_nonnull(strstr(text, want));
	/* co_a from 20 to 100 ns, on context 1's track */
	snprintf(want, sizeof(want),
		 "{\"ph\":\"X\",\"pid\":4242,\"tid\":%u,\"ts\":0.020,"
		 "\"dur\":0.080,\"cat\":\"call\",\"name\":\"0x30\"",
		 (1u << 31) + 1);
	ck_assert_ptr_nonnull(strstr(text, want));
	/* run on the thread's own track */
	ck_assert_ptr_nonnull(strstr(text, "{\"ph\":\"X\",\"pid\":4242,\"tid\":1001,\"ts\":0.010,"
					   "\"dur\":0.100,\"cat\":\"call\",\"name\":\"0x20\""));
	free(text);
}
END_TEST

/* A context record in a process chunk is corrupt; one too short likewise. */
START_TEST(test_context_records_checked)
{
	struct trace_reader r;
	uint64_t w = 0;

	tb_process_chunk(tb, 0);
	tb_context(tb, 1, 5);
	ck_assert_int_eq(trace_reader_open(&r, tb_write(tb)), 0);
	cs_profile_init(&prof, 0, 0);
	ck_assert_int_eq(cs_profile_read(&prof, &r), -1);
	trace_reader_release(&r);
	cs_profile_release(&prof);
	tb_free(tb);
	tb = tb_new();
	tb_chunk(tb, 1, 0);
	tb_ext(tb, TRACE_EXT_CONTEXT, 1, &w, 1);
	ck_assert_int_eq(trace_reader_open(&r, tb_write(tb)), 0);
	cs_profile_init(&prof, 0, 0);
	ck_assert_int_eq(cs_profile_read(&prof, &r), -1);
	trace_reader_release(&r);
}
END_TEST

static Suite *contexts_suite(void)
{
	Suite *s = suite_create("contexts");
	TCase *tc = tcase_create("contexts");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_scheduler_times);
	tcase_add_test(tc, test_switch_to_same_context);
	tcase_add_test(tc, test_open_in_two_contexts);
	tcase_add_test(tc, test_two_contexts_apart);
	tcase_add_test(tc, test_two_contexts_last_taken_back);
	tcase_add_test(tc, test_scheduler_filtered);
	tcase_add_test(tc, test_scheduler_folded);
	tcase_add_test(tc, test_scheduler_chrome);
	tcase_add_test(tc, test_context_records_checked);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(contexts_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
