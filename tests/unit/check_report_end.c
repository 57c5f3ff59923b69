/* SPDX-License-Identifier: MIT */
/*
 * check_report_end.c - unit tests of what a report says about the health
 * of its trace (tools/report*.c): wall times that cannot be known are said
 * to be unknown, never printed as the wrap-around of a subtraction; how the
 * process ended is said on the first line, and the blocks of a process
 * killed are never called leaked.
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

static char err[8192]; /* what the last report printed on stderr */
static bool symbols;   /* name the functions (reads the modules' files) */

/* The report of `path` as `kind` (NULL: text), stderr in err[]; the text (free it). */
static char *run_report_of(struct report_options *opt, const char *kind, const char *path)
{
	char *text = NULL;
	size_t len = 0, n;
	FILE *out = open_memstream(&text, &len), *errf = tmpfile();
	int saved = dup(2);

	ck_assert_ptr_nonnull(errf);
	opt->limit = -1;
	opt->no_symbols = !symbols;
	opt->kind = kind ? report_kind_find(kind) : NULL;
	if (!opt->ntraces)
		opt->trace = path;
	fflush(stderr);
	dup2(fileno(errf), 2);
	ck_assert_int_eq(report_run(opt, out), 0);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(errf);
	n = fread(err, 1, sizeof(err) - 1, errf);
	err[n] = '\0';
	fclose(errf);
	fclose(out);
	return text;
}

static char *run_report(const char *kind)
{
	struct report_options opt = { 0 };

	return run_report_of(&opt, kind, tb_write(tb));
}

/* The report of several traces, merged. */
static char *run_reports(const char *kind, const char **paths, size_t n)
{
	struct report_options opt = { .traces = paths, .ntraces = n };

	opt.trace = paths[0];
	return run_report_of(&opt, kind, NULL);
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

/* ------------------------------------------------------- how it ended */

/* One call, and a block allocated and never freed (100 bytes). */
static void call_and_block(struct tb *t)
{
	t->hdr.features = TRACE_FEAT_CALLS | TRACE_FEAT_ALLOC;
	tb_chunk(t, 1, 0);
	tb_enter(t, 0x10, 10);
	tb_alloc(t, 0x5000, 100, 0, 15);
	tb_exit(t, 20);
}

/* exit, _exit, exec: said on the first line and in JSON, no cut-short warning. */
START_TEST(test_end_recorded)
{
	static const struct {
		unsigned how;
		const char *text, *json;
	} ends[] = {
		{ TRACE_END_EXIT, "ended with exit(3)", "{\"how\": \"exit\", \"exit_status\": 3}" },
		{ TRACE_END__EXIT, "ended with _exit(3)",
		  "{\"how\": \"_exit\", \"exit_status\": 3}" },
		{ TRACE_END_EXEC, "ended with exec", "{\"how\": \"exec\", \"exit_status\": null}" },
	};
	char line[256], *text;
	size_t i;

	call_and_block(tb);
	tb->hdr.flags = 0; /* never finalized: _exit and exec skip it */
	for (i = 0; i < ARRAY_SIZE(ends); i++) {
		tb->hdr.end_how = ends[i].how;
		tb->hdr.exit_status = 3;
		text = run_report(NULL);
		snprintf(line, sizeof(line), "mprof: /usr/bin/prog (pid 4242), %s, 1 thread, wall ",
			 ends[i].text);
		ck_assert_ptr_nonnull(strstr(text, line));
		ck_assert_ptr_nonnull(strstr(text, "   leaked: 100 bytes in 1 block"));
		ck_assert_str_eq(err, "");
		free(text);
		text = run_report("json");
		snprintf(line, sizeof(line), "\"end\": %s,\n", ends[i].json);
		ck_assert_ptr_nonnull(strstr(text, line));
		ck_assert_ptr_nonnull(strstr(text, "\"complete\": true,\n"));
		free(text);
	}
}
END_TEST

/* Killed: said so, and its live blocks are not called leaked anywhere. */
START_TEST(test_end_killed)
{
	static const char *const kinds[] = { NULL, "html", "svg-timeline" }; /* JSON: below */
	char *text;
	size_t i;

	call_and_block(tb);
	tb->hdr.flags = 0;
	text = run_report(NULL);
	ck_assert_ptr_nonnull(strstr(text, "mprof: /usr/bin/prog (pid 4242), did not finish: "
					   "killed, crashed, or still running, 1 thread, "));
	ck_assert_ptr_nonnull(strstr(text, "   still live when the process was killed or "
					   "crashed: 100 bytes in 1 block (100 B)\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nStill live when the process was killed or crashed: "
					   "top 1 of 1 site by bytes:\n"));
	ck_assert_ptr_nonnull(strstr(err, "trace cut short (the process did not finish normally)"));
	free(text);
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		text = run_report(kinds[i]);
		ck_assert_msg(!strstr(text, "eaked") && !strstr(text, "Leak"),
			      "'%s' says leaked: %s", kinds[i] ? kinds[i] : "text", text);
		free(text);
	}
	text = run_report("json");
	ck_assert_ptr_nonnull(strstr(text, "\"end\": {\"how\": \"unfinished\", \"exit_status\": "
					   "null},\n"));
	ck_assert_ptr_nonnull(strstr(text,
				     "\"leaked_blocks\": null, \"leaked_bytes\": null, "
				     "\"live_at_end_blocks\": 1, \"live_at_end_bytes\": 100"));
	free(text);
	/* finished: leaked */
	tb->hdr.flags = TRACE_FLAG_COMPLETE;
	text = run_report("json");
	ck_assert_ptr_nonnull(strstr(text, "\"end\": {\"how\": \"finished\", \"exit_status\": "
					   "null},\n"));
	ck_assert_ptr_nonnull(strstr(text,
				     "\"leaked_blocks\": 1, \"leaked_bytes\": 100, "
				     "\"live_at_end_blocks\": 1, \"live_at_end_bytes\": 100"));
	free(text);
}
END_TEST

/* A merged report names how each process ended; one killed, no leak said. */
START_TEST(test_end_merged)
{
	struct tb *other = tb_new();
	const char *paths[2];
	char *text;

	call_and_block(tb);
	tb->hdr.flags = 0;
	tb->hdr.end_how = TRACE_END__EXIT;
	tb->hdr.exit_status = 7;
	paths[0] = tb_write(tb);
	call_and_block(other);
	other->hdr.pid = 4343;
	other->hdr.flags = 0;
	paths[1] = tb_write(other);
	text = run_reports(NULL, paths, 2);
	ck_assert_ptr_nonnull(strstr(text,
				     "mprof: 2 processes merged: /usr/bin/prog (pid 4242, "
				     "ended with _exit(7)), /usr/bin/prog (pid 4343, did not "
				     "finish: killed, crashed, or still running), 2 threads, "));
	ck_assert_ptr_nonnull(strstr(text, "   still live at the end (some processes were killed "
					   "or crashed): 200 bytes in 2 blocks"));
	ck_assert_ptr_null(strstr(text, "eaked"));
	free(text);
	text = run_reports("json", paths, 2);
	ck_assert_ptr_nonnull(
	    strstr(text, "\"pid\": 4343, \"exe\": \"/usr/bin/prog\", \"trace\": "));
	ck_assert_ptr_nonnull(strstr(text, "\"end\": {\"how\": \"unfinished\", \"exit_status\": "
					   "null}, "));
	ck_assert_ptr_nonnull(strstr(text, "\"end\": {\"how\": \"_exit\", \"exit_status\": 7}"));
	free(text);
	tb_free(other);
}
END_TEST

/* ---------------------------------------------------------- lost events */

#define LOST_DISK  12000
#define LOST_CAP   300
#define LOST_CHUNK 10000 /* in chunk 1's header; the rest in chunk 2's */
#define LOST_OUT   342	 /* dropped outside any chunk */
#define LOST_FAIL  1234000000ull

/*
 * A process that lost events to a full disk and to its size cap, and was
 * killed before it counted the last ones by cause.
 */
static void lossy(struct tb *t, uint64_t total)
{
	tb_chunk(t, 1, 0);
	tb_chunk_header(t)->lost = LOST_CHUNK;
	tb_enter(t, 0x10, 10);
	tb_chunk(t, 1, 10);
	tb_chunk_header(t)->lost = total - LOST_CHUNK - LOST_OUT;
	tb_exit(t, 20);
	t->hdr.lost_events = LOST_OUT;
	t->hdr.lost_cause[TRACE_LOST_NOSPACE] = LOST_DISK;
	t->hdr.lost_cause[TRACE_LOST_SIZE_CAP] = LOST_CAP;
	t->hdr.max_size = 1ull << 30;
	t->hdr.first_failure_ticks = LOST_FAIL;
	t->hdr.flags = 0;
}

/* The lost events, exact and by cause, in the report's second line and in JSON. */
START_TEST(test_lost_first_lines)
{
	const uint64_t total = 12345, uncounted = total - LOST_DISK - LOST_CAP;
	char line[512], *text, *second;

	lossy(tb, total);
	text = run_report(NULL);
	second = strchr(text, '\n') + 1;
	snprintf(line, sizeof(line),
		 "lost events: %llu: %d the file system was full, %d the size cap "
		 "of 1G (MPROF_MAX_SIZE), %llu without a recorded cause (the process was killed "
		 "before it counted them); the file first could not grow at %.3f s\n\n",
		 (unsigned long long)total, LOST_DISK, LOST_CAP, (unsigned long long)uncounted,
		 LOST_FAIL / 1e9);
	ck_assert_msg(!strncmp(second, line, strlen(line)), "second line: %.300s", second);
	free(text);
	text = run_report("json");
	snprintf(line, sizeof(line),
		 "  \"lost_events\": %llu,\n  \"lost_by_cause\": {\"other\": 0, \"disk_full\": %d, "
		 "\"size_cap\": %d, \"file_size_limit\": 0, \"io_error\": 0, \"no_memory\": 0, "
		 "\"signal\": 0, \"uncounted\": %llu},\n  \"max_size\": %llu,\n  "
		 "\"first_failure_ns\": %llu,\n",
		 (unsigned long long)total, LOST_DISK, LOST_CAP, (unsigned long long)uncounted,
		 1ull << 30, LOST_FAIL);
	ck_assert_ptr_nonnull(strstr(text, line));
	free(text);
}
END_TEST

/* Merged and compared reports say them too: summed by cause, per side. */
START_TEST(test_lost_merged_compared)
{
	struct report_options opt = { 0 };
	struct tb *other = tb_new();
	const char *paths[2];
	char line[512], *text;

	lossy(tb, 12345);
	paths[0] = tb_write(tb);
	lossy(other, 12400);
	other->hdr.pid = 4343;
	paths[1] = tb_write(other);
	text = run_reports(NULL, paths, 2);
	snprintf(
	    line, sizeof(line),
	    "\nlost events: %d: %d the file system was full, %d the size cap "
	    "of 1G (MPROF_MAX_SIZE), %d without a recorded cause (the process was killed before "
	    "it counted them)\n\n",
	    12345 + 12400, 2 * LOST_DISK, 2 * LOST_CAP, 12345 + 12400 - 2 * (LOST_DISK + LOST_CAP));
	ck_assert_ptr_nonnull(strstr(text, line));
	free(text);
	opt.compare_old = paths[0];
	opt.compare_new = paths[1];
	text = run_report_of(&opt, NULL, paths[0]);
	snprintf(line, sizeof(line), "\n        lost events: %d: %d the file system was full, ",
		 12400, LOST_DISK);
	ck_assert_ptr_nonnull(strstr(text, line));
	free(text);
	memset(&opt, 0, sizeof(opt));
	opt.compare_old = paths[0];
	opt.compare_new = paths[1];
	text = run_report_of(&opt, "json", paths[0]);
	snprintf(line, sizeof(line), "\"lost_events\": %d, \"lost_by_cause\": {", 12400);
	ck_assert_ptr_nonnull(strstr(text, line));
	free(text);
	tb_free(other);
}
END_TEST

/* ------------------------------------------------------------ allocator */

#define JEMALLOC "/nonexistent/lib/libjemalloc.so.2"
#define JE_LO	 0x7f0000000000ull

/* A trace recording allocations that got none; malloc at `elsewhere` (0: unknown). */
static void no_allocations(uint64_t elsewhere)
{
	tb->hdr.features = TRACE_FEAT_CALLS | TRACE_FEAT_ALLOC;
	tb->hdr.malloc_elsewhere = elsewhere;
	tb_process_chunk(tb, 0);
	tb_maps(tb, 0, TRACE_MAPS_START, 1);
	tb_module(tb, JEMALLOC, JE_LO, JE_LO, JE_LO + 0x100000, NULL, 0);
	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x10, 10);
	tb_exit(tb, 20);
}

/* No allocator call reached libmprof: said, with the module malloc resolved to. */
START_TEST(test_allocator_elsewhere)
{
	char line[512], *text;

	symbols = true;
	no_allocations(JE_LO + 0x1234);
	text = run_report(NULL);
	snprintf(line, sizeof(line),
		 "Memory: no allocator calls reached libmprof: malloc resolves to %s (0x%llx), "
		 "not libmprof: the program defines its own allocator or one was preloaded "
		 "before libmprof\n",
		 JEMALLOC, JE_LO + 0x1234);
	ck_assert_ptr_nonnull(strstr(text, line));
	free(text);
	text = run_report("json");
	snprintf(line, sizeof(line),
		 "\"allocator\": {\"recorded\": true, \"calls_reached\": false, "
		 "\"malloc_elsewhere\": \"0x%llx\", \"malloc_module\": \"%s\"}",
		 JE_LO + 0x1234, JEMALLOC);
	ck_assert_ptr_nonnull(strstr(text, line));
	free(text);
	symbols = false;
}
END_TEST

/* The same when the runtime could not tell where malloc went, and never without ALLOC. */
START_TEST(test_allocator_none)
{
	char *text;

	no_allocations(0);
	text = run_report(NULL);
	ck_assert_ptr_nonnull(strstr(text,
				     "Memory: no allocator calls reached libmprof "
				     "(allocation recording was on): the program defines its "
				     "own allocator, one was preloaded before libmprof, or it "
				     "allocated nothing\n"));
	free(text);
	tb->hdr.features = TRACE_FEAT_CALLS;
	text = run_report(NULL);
	ck_assert_ptr_null(strstr(text, "allocator"));
	free(text);
	/* some allocations reached it: they are reported, with the note */
	tb->hdr.features = TRACE_FEAT_CALLS | TRACE_FEAT_ALLOC;
	tb->hdr.malloc_elsewhere = 0x1234;
	tb_alloc(tb, 0x5000, 64, 0, 30);
	text = run_report(NULL);
	ck_assert_ptr_nonnull(strstr(text, "Memory: 1 allocation, 0 frees, 64 bytes allocated"));
	ck_assert_ptr_nonnull(strstr(text, "   note: malloc resolves to 0x1234 (in no recorded "
					   "module), not libmprof: the allocations made through it "
					   "are not in this report\n"));
	free(text);
}
END_TEST

/* ---------------------------------------------------------- read once */

/* A copy of a trace given with it is read once; another process is not a copy. */
START_TEST(test_trace_twice)
{
	const char *paths[3];
	char line[512], *text;

	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x10, 10);
	tb_exit(tb, 20);
	paths[0] = tb_write(tb);
	paths[1] = tb_write(tb); /* the same bytes, another file */
	text = run_reports("json", paths, 2);
	snprintf(line, sizeof(line),
		 "mprof-report: warning: '%s' is a copy of the trace '%s': read once\n", paths[1],
		 paths[0]);
	ck_assert_str_eq(err, line);
	ck_assert_ptr_nonnull(strstr(text, "\"total_calls\": 1,\n"));
	ck_assert_ptr_null(strstr(text, "\"processes\""));
	free(text);
	paths[2] = paths[0];
	tb->hdr.pid = 4343; /* another process */
	paths[1] = tb_write(tb);
	text = run_reports("json", paths, 3);
	snprintf(line, sizeof(line),
		 "mprof-report: warning: '%s' is the same file as '%s': read once\n", paths[0],
		 paths[0]);
	ck_assert_str_eq(err, line);
	ck_assert_ptr_nonnull(strstr(text, "\"total_calls\": 2,\n"));
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

	tc = tcase_create("end");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_end_recorded);
	tcase_add_test(tc, test_end_killed);
	tcase_add_test(tc, test_end_merged);
	suite_add_tcase(s, tc);

	tc = tcase_create("lost");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lost_first_lines);
	tcase_add_test(tc, test_lost_merged_compared);
	suite_add_tcase(s, tc);

	tc = tcase_create("allocator");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_allocator_elsewhere);
	tcase_add_test(tc, test_allocator_none);
	suite_add_tcase(s, tc);

	tc = tcase_create("twice");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_trace_twice);
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
