/* SPDX-License-Identifier: MIT */
/*
 * check_report_end.c - unit tests of what a report says about the health
 * of its trace (tools/report*.c): wall times that cannot be known are said
 * to be unknown, never printed as the wrap-around of a subtraction.
 *
 * Traces come from trace_builder; expected figures are computed from the
 * ticks and clock points each test chooses.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "trace_builder.h"

static struct tb *tb;

static void setup(void)
{
	tb = tb_new();
}

static void teardown(void)
{
	tb_free(tb);
}

/* The report of `path` as `kind` (NULL: text), stderr dropped; the text (free it). */
static char *run_report_of(struct report_options *opt, const char *kind, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int saved = dup(2), null = open("/dev/null", O_WRONLY);

	opt->limit = -1;
	opt->no_symbols = true;
	opt->kind = kind ? report_kind_find(kind) : NULL;
	if (!opt->ntraces)
		opt->trace = path;
	fflush(stderr);
	dup2(null, 2);
	ck_assert_int_eq(report_run(opt, out), 0);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(null);
	fclose(out);
	return text;
}

static char *run_report(const char *kind)
{
	struct report_options opt = { 0 };

	return run_report_of(&opt, kind, tb_write(tb));
}

/* ------------------------------------------------------------ wall time */

/*
 * A TSC trace whose thread's events lie before the start point (a damaged
 * header, or a counter that went back) and that has no end point: from
 * the ticks, the end is before the start; a subtraction of the
 * nanoseconds would wrap around to centuries.
 */
START_TEST(test_wall_end_before_start)
{
	const uint64_t start_ticks = 5000000000000ull, start_ns = 2000000000000ull;
	char *text;

	tb->hdr.clock_source = TRACE_CLOCK_TSC;
	tb->hdr.start = (struct trace_clock_point){ start_ticks, start_ns };
	tb->hdr.start_cal = (struct trace_clock_point){ start_ticks + 2000000, start_ns + 1000000 };
	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x10, 10);
	tb_exit(tb, 20);
	text = run_report(NULL);
	ck_assert_ptr_nonnull(
	    strstr(text, "mprof: /usr/bin/prog (pid 4242), 1 thread, wall unknown\n"));
	ck_assert_ptr_nonnull(strstr(text, " function calls in 0.000 seconds (wall unknown)\n"));
	free(text);
	text = run_report("json");
	ck_assert_ptr_nonnull(strstr(text, "\"wall_ns\": null,\n"));
	free(text);
}
END_TEST

/* A thread paused for longer than it ran: its own wall time is unknown. */
START_TEST(test_thread_wall_unknown)
{
	struct report_options opt = { .threads = true };
	char *text;

	tb->hdr.end = (struct trace_clock_point){ 1000, 1000 };
	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x10, 10);
	tb_pause(tb, 0, 900);
	tb_exit(tb, 20);
	text = run_report_of(&opt, NULL, tb_write(tb));
	ck_assert_ptr_nonnull(strstr(text, "wall 0.000 s\n")); /* the process's: 1000 ns */
	ck_assert_ptr_nonnull(strstr(text, "Thread 1 (tid 1001): wall unknown\n"));
	free(text);
	memset(&opt, 0, sizeof(opt));
	opt.threads = true;
	text = run_report_of(&opt, "json", tb_write(tb));
	ck_assert_ptr_nonnull(strstr(text, "\"wall_ns\": 1000,\n"));
	ck_assert_ptr_nonnull(strstr(text, "\"thread\": 1, \"tid\": 1001, \"wall_ns\": null, "));
	free(text);
}
END_TEST

/* The headline keeps pstats's sum of self times, and the wall time beside it. */
START_TEST(test_headline_wall)
{
	char line[256], *text;

	/* two threads: 30 ns and 50 ns of self time; the process from 0 to 60 */
	tb->hdr.end = (struct trace_clock_point){ 60, 60 };
	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x10, 0);
	tb_exit(tb, 30);
	tb_chunk(tb, 2, 0);
	tb_enter(tb, 0x20, 5);
	tb_exit(tb, 55);
	text = run_report("json");
	ck_assert_ptr_nonnull(strstr(text, "\"wall_ns\": 60,\n  \"total_self_ns\": 80,\n"));
	free(text);
	text = run_report(NULL);
	snprintf(line, sizeof(line), "2 function calls in %.3f seconds (wall %.3f s)\n", 80 / 1e9,
		 60 / 1e9);
	ck_assert_ptr_nonnull(strstr(text, line));
	free(text);
}
END_TEST

static Suite *report_end_suite(void)
{
	Suite *s = suite_create("report_end");
	TCase *tc = tcase_create("wall");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_wall_end_before_start);
	tcase_add_test(tc, test_thread_wall_unknown);
	tcase_add_test(tc, test_headline_wall);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(report_end_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
