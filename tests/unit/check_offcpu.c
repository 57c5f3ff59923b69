/* SPDX-License-Identifier: MIT */
/*
 * check_offcpu.c - unit tests of off-CPU time: the reader's arithmetic on
 * OFFCPU readings (tools/trace_read.c), where the call aggregation puts it
 * (tools/callstats.c, stagestats.c), and what the reports say of it
 * (report_offcpu.c, the text and JSON renderers, --sort oncpu, the exports'
 * --time).
 *
 * The waiter trace (monotonic clock: ticks are ns, no probe cost), thread 1:
 *
 *	main [0, 215] calls wait [10, 100], then work [100, 200].
 *	Readings (ticks, CLOCK_MONOTONIC, CPU time):
 *	  0   (1000, 0)    BASE: the thread starts
 *	  100 (1100, 30)   in wait: 100 ns passed, 30 on the CPU: 70 off
 *	  150 (1150, 80)   in work: 50 passed, 50 on the CPU: none off
 *	  200 (1200, 120)  in work: 50 passed, 40 on the CPU: 10 off
 *	  215 (1215, 130)  UNSEEN, after main: 5 off, not placed
 *
 * Expected: wait self 90, 70 of it off the CPU (on 20); work self 100, 10
 * off (on 90); main self 25, none off (on 25); main cumulative 215, 80 off.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "callstats.h"
#include "report.h"
#include "trace_builder.h"

enum { MAIN = 0x10, WAIT = 0x20, WORK = 0x30, CO = 0x40, HIDDEN = 0x50 };

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

/* self and cumulative ticks of a function, and their off-CPU parts */
static void check(uint64_t addr, uint64_t self, uint64_t off_self, uint64_t cum, uint64_t off_cum)
{
	const struct cs_stats *st = stats(addr);

	ck_assert_uint_eq(st->self_ticks, self);
	ck_assert_uint_eq(st->off_self, off_self);
	ck_assert_uint_eq(st->cum_ticks, cum);
	ck_assert_uint_eq(st->off_cum, off_cum);
}

static void waiter(uint32_t serial)
{
	tb_chunk(tb, serial, 0);
	tb_offcpu(tb, TRACE_OFFCPU_BASE, 0, 1000, 0);
	tb_enter(tb, MAIN, 0);
	tb_enter(tb, WAIT, 10);
	tb_offcpu(tb, 0, 100, 1100, 30);
	tb_exit(tb, 100);
	tb_enter(tb, WORK, 100);
	tb_offcpu(tb, 0, 150, 1150, 80);
	tb_offcpu(tb, 0, 200, 1200, 120);
	tb_exit(tb, 200);
	tb_exit(tb, 215);
	tb_offcpu(tb, TRACE_OFFCPU_UNSEEN, 215, 1215, 130);
}

static char *render(struct report_options *opt)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	opt->trace = tb_write(tb);
	ck_assert_int_eq(report_run(opt, out), 0);
	fclose(out);
	return text;
}

/* The report of the builder's trace fails with one line on stderr, saying `what`. */
static void corrupt(const char *what)
{
	struct report_options opt = { .limit = -1 };
	FILE *out = fopen("/dev/null", "w"), *err = tmpfile();
	char text[4096];
	size_t n;
	int saved;

	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(err);
	opt.trace = tb_write(tb);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(err), 2);
	ck_assert_int_ne(report_run(&opt, out), 0);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(err);
	n = fread(text, 1, sizeof(text) - 1, err);
	text[n] = '\0';
	fclose(err);
	fclose(out);
	ck_assert_msg(strstr(text, what), "'%s' not in: %s", what, text);
	ck_assert_msg(n && strchr(text, '\n') == text + n - 1, "not one line: %s", text);
}

/* ------------------------------------------------------------ arithmetic */

START_TEST(test_waiter)
{
	const struct cs_thread *t;

	waiter(1);
	profile(NULL);
	check(WAIT, 90, 70, 90, 70);
	check(WORK, 100, 10, 100, 10);
	check(MAIN, 25, 0, 215, 80);
	t = prof.threads[0];
	ck_assert(t->offcpu);
	ck_assert_uint_eq(t->off_total, 80);
	ck_assert_uint_eq(t->off_idle, 0);
	ck_assert_uint_eq(t->off_unplaced, 5);
	ck_assert_uint_eq(t->off_runtime, 0);
}
END_TEST

/* The TSC at 2 ticks per ns: the off-CPU nanoseconds become ticks with the
 * readings' own slope. */
START_TEST(test_tsc_slope)
{
	struct report_options opt = { .limit = -1, .kind = report_kind_find("json") };
	char *text;

	tb->hdr.clock_source = TRACE_CLOCK_TSC;
	tb->hdr.start = (struct trace_clock_point){ 0, 0 };
	tb->hdr.start_cal = (struct trace_clock_point){ 1000000, 500000 };
	tb->hdr.end = (struct trace_clock_point){ 4000, 2000 };
	tb_chunk(tb, 1, 0);
	tb_offcpu(tb, TRACE_OFFCPU_BASE, 0, 0, 0);
	tb_enter(tb, MAIN, 0);
	tb_offcpu(tb, 0, 2000, 1000, 250); /* 1000 ns, 250 on the CPU */
	tb_exit(tb, 2000);
	profile(NULL);
	check(MAIN, 2000, 1500, 2000, 1500);
	text = render(&opt);
	ck_assert_msg(strstr(text, "\"self_ns\": 1000, \"cumulative_ns\": 1000, \"oncpu_ns\": 250, "
				   "\"offcpu_ns\": 750, \"cumulative_oncpu_ns\": 250, "
				   "\"cumulative_offcpu_ns\": 750"),
		      "%s", text);
	free(text);
}
END_TEST

/* A reading that claims more time off the CPU than passed, or a CPU time
 * that grew more than the wall clock: within [0, the time that passed]. */
START_TEST(test_bounds)
{
	tb_chunk(tb, 1, 0);
	tb_offcpu(tb, TRACE_OFFCPU_BASE, 0, 0, 0);
	tb_enter(tb, MAIN, 0);
	tb_enter(tb, WAIT, 10);
	tb_offcpu(tb, 0, 20, 5000, 0); /* 5000 ns in 10 ticks */
	tb_exit(tb, 20);
	tb_enter(tb, WORK, 20);
	tb_offcpu(tb, 0, 40, 5010, 900); /* more CPU time than wall */
	tb_exit(tb, 40);
	tb_exit(tb, 50);
	profile(NULL);
	check(WAIT, 10, 10, 10, 10);
	check(WORK, 20, 0, 20, 0);
	check(MAIN, 20, 0, 50, 10);
}
END_TEST

/* The probe's cost comes out of self time: the off-CPU part never exceeds
 * what is left. */
START_TEST(test_probe_clamp)
{
	tb->hdr.probe_self_ticks = 30;
	tb_chunk(tb, 1, 0);
	tb_offcpu(tb, TRACE_OFFCPU_BASE, 0, 0, 0);
	tb_enter(tb, MAIN, 0);
	tb_offcpu(tb, 0, 100, 100, 10); /* 90 off */
	tb_exit(tb, 100);
	profile(NULL);
	check(MAIN, 70, 70, 70, 70);
}
END_TEST

/* Under recursion the cumulative off-CPU time, like cumtime, counts the
 * outermost activation only. */
START_TEST(test_recursion)
{
	tb_chunk(tb, 1, 0);
	tb_offcpu(tb, TRACE_OFFCPU_BASE, 0, 0, 0);
	tb_enter(tb, MAIN, 0);
	tb_enter(tb, MAIN, 10);
	tb_offcpu(tb, 0, 50, 50, 20); /* 30 off, in the inner one */
	tb_exit(tb, 60);
	tb_exit(tb, 100);
	profile(NULL);
	check(MAIN, 100, 30, 100, 30);
}
END_TEST

/* BASE readings (a runtime pause) put nothing anywhere; a thread whose
 * stack is empty gets its off-CPU time as idle. */
START_TEST(test_base_and_idle)
{
	tb_chunk(tb, 1, 0);
	tb_offcpu(tb, TRACE_OFFCPU_BASE, 0, 0, 0);
	tb_offcpu(tb, 0, 40, 40, 10); /* 30 off, no call open */
	tb_enter(tb, MAIN, 40);
	tb_pause(tb, 50, 80);
	tb_offcpu(tb, TRACE_OFFCPU_BASE, 80, 80, 20); /* 30 off in the pause */
	tb_offcpu(tb, 0, 100, 100, 30);		      /* 10 off */
	tb_exit(tb, 110);
	profile(NULL);
	/* main: 110 - 40 less the pause of 30 */
	check(MAIN, 40, 10, 40, 10);
	ck_assert_uint_eq(prof.threads[0]->off_idle, 30);
	ck_assert_uint_eq(prof.threads[0]->off_total, 40);
	ck_assert_uint_eq(prof.threads[0]->off_runtime, 30);
}
END_TEST

/* A coroutine away: its frame's inclusive time holds the off-CPU time of
 * the thread meanwhile, as it holds the time. */
START_TEST(test_context)
{
	tb_chunk(tb, 1, 0);
	tb_offcpu(tb, TRACE_OFFCPU_BASE, 0, 0, 0);
	tb_enter(tb, MAIN, 0);
	tb_context(tb, 1, 10);
	tb_enter(tb, CO, 10);
	tb_offcpu(tb, 0, 40, 40, 20); /* 20 off, in co */
	tb_context(tb, 0, 50);
	tb_exit(tb, 100);
	tb_thread_end(tb, 100, tb_events(tb, 1), 0);
	profile(NULL);
	/* main: away 10..50, self 10 + 50; co: self 10..50, away to the end */
	check(MAIN, 60, 0, 100, 20);
	check(CO, 40, 20, 90, 20);
}
END_TEST

/* A call hidden by a report-time filter: its off-CPU time goes to the call
 * it folds into, with its time. */
START_TEST(test_filtered)
{
	struct cs_filter filter = { .max_depth = 1 };

	tb_chunk(tb, 1, 0);
	tb_offcpu(tb, TRACE_OFFCPU_BASE, 0, 0, 0);
	tb_enter(tb, MAIN, 0);
	tb_enter(tb, HIDDEN, 10);
	tb_offcpu(tb, 0, 50, 50, 20); /* 30 off, in the hidden call */
	tb_exit(tb, 60);
	tb_exit(tb, 100);
	profile(&filter);
	ck_assert_ptr_null(cs_table_find(&prof.merged, HIDDEN));
	check(MAIN, 100, 30, 100, 30);
}
END_TEST

/* --------------------------------------------------------------- reports */

/*
 * In nanoseconds too, a thread's calls hold no more off-CPU time than the
 * thread, nor more self time than its wall time. A run that failed so: the
 * TSC at 0.385189295 ns a tick, main calls wait then work, each off the CPU
 * all along (the CPU time stands still): 142835 and 769251863 ticks, or
 * 55018.51 and 296307582.79 ns of the thread's 296362601.30. Rounded to
 * the nearest each, the calls had 55019 + 296307583, a nanosecond more
 * than the thread's 296362601; rounded down they have 55018 + 296307582.
 */
START_TEST(test_parts_within_whole)
{
	struct report_options opt = { .limit = -1, .no_symbols = true };
	const struct report_table *tables[2];
	struct report rep;
	size_t i, j;

	tb->hdr.clock_source = TRACE_CLOCK_TSC;
	tb->hdr.start = (struct trace_clock_point){ 0, 0 };
	tb->hdr.start_cal = (struct trace_clock_point){ 1000000, 385189 };
	tb->hdr.end = (struct trace_clock_point){ 1000000000, 385189295 };
	tb_chunk(tb, 1, 0);
	tb_offcpu(tb, TRACE_OFFCPU_BASE, 0, 0, 0);
	tb_enter(tb, MAIN, 0);
	tb_enter(tb, WAIT, 1000);
	tb_offcpu(tb, 0, 1000, 385, 385); /* on the CPU so far */
	tb_offcpu(tb, 0, 143835, 55404, 385);
	tb_exit(tb, 143835);
	tb_enter(tb, WORK, 143835);
	tb_offcpu(tb, 0, 769395698, 296362987, 385);
	tb_exit(tb, 769395698);
	tb_exit(tb, 769396698);
	tb_thread_end(tb, 769396698, tb_events(tb, 1), 0);
	ck_assert_int_eq(report_open(&rep, &opt, tb_write(tb), false), 0);
	ck_assert_uint_eq(rep.nthreads, 1);
	tables[0] = &rep.threads[0];
	tables[1] = &rep.merged;
	for (i = 0; i < 2; i++) {
		const struct report_table *t = tables[i];
		uint64_t off = 0, self = 0, wait = 0, work = 0;

		ck_assert(t->off_known);
		for (j = 0; j < t->nfuncs; j++) {
			off += t->funcs[j].off_self_ns;
			self += t->funcs[j].self_ns;
			if (t->funcs[j].sym->addr == WAIT)
				wait = t->funcs[j].off_self_ns;
			if (t->funcs[j].sym->addr == WORK)
				work = t->funcs[j].off_self_ns;
		}
		ck_assert_uint_le(off, t->off_ns);
		ck_assert_uint_le(self, rep.threads[0].wall_ns);
		ck_assert_uint_eq(t->off_ns, 296362601);
		ck_assert_uint_eq(wait, 55018);
		ck_assert_uint_eq(work, 296307582);
	}
	report_close(&rep);
}
END_TEST

/* The text report splits each time; --sort oncpu puts work first. */
START_TEST(test_text)
{
	struct report_options opt = { .limit = -1,
				      .sort = REPORT_SORT_ONCPU,
				      .unit = REPORT_UNIT_NS };
	char *text;

	waiter(1);
	text = render(&opt);
	ck_assert_msg(strstr(text,
			     "   Ordered by: internal time on the CPU\n"
			     "   Times in nanoseconds (ns)\n\n"
			     "   ncalls  tottime    oncpu   offcpu  percall  cumtime    oncpu "
			     "  offcpu  percall filename:lineno(function)\n"
			     "        1  100.000   90.000   10.000  100.000  100.000   90.000 "
			     "  10.000  100.000 ~:0(0x30)\n"
			     "        1   25.000   25.000    0.000   25.000  215.000  135.000 "
			     "  80.000  215.000 ~:0(0x10)\n"
			     "        1   90.000   20.000   70.000   90.000   90.000   20.000 "
			     "  70.000   90.000 ~:0(0x20)\n"),
		      "%s", text);
	/* Nothing missing: no note; 5 ns unplaced is below what earns one. */
	ck_assert_ptr_null(strstr(text, "off-CPU time:"));
	free(text);
	opt.sort = REPORT_SORT_TOTTIME;
	text = render(&opt);
	ck_assert_msg(strstr(text, "100.000 ~:0(0x30)\n        1   90.000   20.000"), "%s", text);
	free(text);
	opt.sort = REPORT_SORT_OFFCPU;
	text = render(&opt);
	ck_assert_msg(strstr(text, "function)\n        1   90.000   20.000   70.000"), "%s", text);
	free(text);
}
END_TEST

START_TEST(test_json)
{
	struct report_options opt = { .limit = -1,
				      .threads = true,
				      .kind = report_kind_find("json") };
	char *text;

	waiter(1);
	text = render(&opt);
	ck_assert_msg(strstr(text, "\"offcpu\": {\"recorded\": true, \"state\": \"recorded\", "
				   "\"threads\": 1, \"threads_missing\": 0, \"unplaced_ns\": 5, "
				   "\"runtime_ns\": 0, \"note\": null},\n"
				   "  \"total_offcpu_ns\": 80,\n"),
		      "%s", text);
	ck_assert_msg(strstr(text,
			     "\"address\": \"0x20\", \"calls\": 1, \"primitive_calls\": 1, "
			     "\"self_ns\": 90, \"cumulative_ns\": 90, \"oncpu_ns\": 20, "
			     "\"offcpu_ns\": 70, \"cumulative_oncpu_ns\": 20, "
			     "\"cumulative_offcpu_ns\": 70, \"callers\": [{\"function\": "
			     "\"0x10\", \"calls\": 1, \"primitive_calls\": 1, \"self_ns\": 90, "
			     "\"cumulative_ns\": 90, \"oncpu_ns\": 20, \"offcpu_ns\": 70, "
			     "\"cumulative_oncpu_ns\": 20, \"cumulative_offcpu_ns\": 70}]}"),
		      "%s", text);
	ck_assert_msg(strstr(text, "\"offcpu_ns\": 80, \"offcpu_idle_ns\": 0,\n"), "%s", text);
	free(text);
}
END_TEST

/* The folded stacks: on-CPU by default, as --time says otherwise; [off-CPU] frames with wall. */
START_TEST(test_folded)
{
	struct report_options opt = { .limit = -1, .kind = report_kind_find("folded") };
	char *text;

	waiter(1);
	text = render(&opt);
	ck_assert_str_eq(text, "0x10 25\n0x10;0x20 20\n0x10;0x30 90\n");
	free(text);
	opt.time = REPORT_TIME_OFFCPU;
	text = render(&opt);
	ck_assert_str_eq(text, "0x10 0\n0x10;0x20 70\n0x10;0x30 10\n");
	free(text);
	/* The whole time: each stack's waits a frame of their own above it. */
	opt.time = REPORT_TIME_WALL;
	text = render(&opt);
	ck_assert_str_eq(text, "0x10 25\n0x10;0x20 20\n0x10;0x20;[off-CPU] 70\n0x10;0x30 90\n"
			       "0x10;0x30;[off-CPU] 10\n");
	free(text);
}
END_TEST

/* A stage's self time is split too. */
START_TEST(test_stage)
{
	struct report_options opt = { .limit = -1, .kind = report_kind_find("json") };
	char *text;

	tb->hdr.features |= TRACE_FEAT_STAGES;
	tb_chunk(tb, 1, 0);
	tb_offcpu(tb, TRACE_OFFCPU_BASE, 0, 0, 0);
	tb_stage_def(tb, 1, "read");
	tb_stage_begin(tb, 1, 0);
	tb_offcpu(tb, 0, 40, 40, 20); /* 20 off */
	tb_stage_end(tb, 1, 100, 1);
	tb_offcpu(tb, 0, 150, 150, 40); /* 30 off, outside the stage */
	text = render(&opt);
	ck_assert_msg(strstr(text, "\"self_ns\": 100, ") &&
			  strstr(text, "\"self_oncpu_ns\": 80, \"self_offcpu_ns\": 20}"),
		      "%s", text);
	free(text);
}
END_TEST

/*
 * Two stages one after the other: "wait" [0, 1000010], "work" [1000020,
 * 1700000]; with `readings`, wait 800000 ns of it off the CPU, work none.
 */
static void wait_work(bool readings)
{
	tb->hdr.features |= TRACE_FEAT_STAGES;
	tb_chunk(tb, 1, 0);
	if (readings)
		tb_offcpu(tb, TRACE_OFFCPU_BASE, 0, 0, 0);
	tb_stage_def(tb, 1, "wait");
	tb_stage_def(tb, 2, "work");
	tb_stage_begin(tb, 1, 0);
	if (readings)
		tb_offcpu(tb, 0, 1000000, 1000000, 200000);
	tb_stage_end(tb, 1, 1000010, 1);
	tb_stage_begin(tb, 2, 1000020);
	if (readings)
		tb_offcpu(tb, 0, 1699990, 1699990, 899990);
	tb_stage_end(tb, 2, 1700000, 1);
}

/*
 * Where off-CPU time was recorded, the bottleneck is the stage of the
 * largest on-CPU self time: "wait" [0, 1000010] is 800000 ns off the CPU,
 * "work" [1000020, 1700000] none. wait has the larger self time, and the
 * line says why it is not the bottleneck.
 */
START_TEST(test_stage_bottleneck_oncpu)
{
	struct report_options opt = { .limit = -1 };
	char *text;

	wait_work(true);
	text = render(&opt);
	/* work: 699980 of the 899990 ns on the CPU in all, 77.8%. */
	ck_assert_msg(strstr(text,
			     "bottleneck: work (on-CPU self 0.700 ms, 77.8% of all stage on-CPU"
			     " self time; self 0.700 ms); no other stage runs inside it"),
		      "%s", text);
	ck_assert_msg(strstr(text,
			     "; wait has the largest self time (1.000 ms), but 0.800 ms of it off"
			     " the CPU: a stage that waits (on I/O, a lock, or for a CPU) is"
			     " not the bottleneck because it waits\n"),
		      "%s", text);
	free(text);
	opt.kind = report_kind_find("json");
	text = render(&opt);
	ck_assert_msg(strstr(text, "\"bottleneck\": \"work\",\n  \"bottleneck_by\": \"oncpu_self\","
				   "\n  \"largest_self\": \"wait\","),
		      "%s", text);
	free(text);
}
END_TEST

/* Without off-CPU readings: the largest self time, and no on-CPU figure. */
START_TEST(test_stage_bottleneck_self)
{
	struct report_options opt = { .limit = -1 };
	char *text;

	wait_work(false);
	text = render(&opt);
	ck_assert_msg(strstr(text, "bottleneck: wait (self 1.000 ms, 58.8% of all stage self "
				   "time); no other stage"),
		      "%s", text);
	ck_assert_ptr_null(strstr(text, "on-CPU"));
	free(text);
	opt.kind = report_kind_find("json");
	text = render(&opt);
	ck_assert_msg(strstr(text, "\"bottleneck\": \"wait\",\n  \"bottleneck_by\": \"self\","
				   "\n  \"largest_self\": \"wait\","),
		      "%s", text);
	free(text);
}
END_TEST

/* What the first lines say when the times are not split, and why. */
START_TEST(test_notes)
{
	static const struct {
		uint32_t state, call;
		int err;
		const char *note;
	} cases[] = {
		{ TRACE_OFFCPU_DISABLED, 0, 0, "off-CPU time: not recorded (MPROF_OFFCPU=0)\n" },
		{ TRACE_OFFCPU_REFUSED, TRACE_OFFCPU_CALL_OPEN, EACCES,
		  "off-CPU time: not recorded (perf_event_open: Permission denied)\n" },
		{ TRACE_OFFCPU_SECCOMP, 0, 0,
		  "off-CPU time: not recorded (a seccomp filter was on; MPROF_OFFCPU=1 tries "
		  "anyway)\n" },
	};
	struct report_options opt = { .limit = -1 };
	char *text;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tb_free(tb);
		tb = tb_new();
		tb_chunk(tb, 1, 0);
		tb_enter(tb, MAIN, 0);
		tb_exit(tb, 10);
		tb->hdr.offcpu = cases[i].state;
		tb->hdr.offcpu_call = cases[i].call;
		tb->hdr.offcpu_errno = cases[i].err;
		text = render(&opt);
		/* the second line; pstats's table unchanged */
		ck_assert_msg(strstr(text, "wall 0.000 s\n") && strstr(text, cases[i].note) &&
				  strstr(text, "   ncalls  tottime  percall  cumtime  percall "
					       "filename:lineno(function)\n"),
			      "%s", text);
		free(text);
	}
	/* A trace written before off-CPU time was recorded: nothing said. */
	tb_free(tb);
	tb = tb_new();
	tb_chunk(tb, 1, 0);
	tb_enter(tb, MAIN, 0);
	tb_exit(tb, 10);
	text = render(&opt);
	ck_assert_ptr_null(strstr(text, "off-CPU"));
	free(text);
}
END_TEST

/* A thread that recorded no readings: its calls' times are not split, and
 * the report says how many threads. */
START_TEST(test_thread_missing)
{
	struct report_options opt = { .limit = -1, .unit = REPORT_UNIT_NS };
	char *text;

	waiter(1);
	tb_chunk(tb, 2, 0);
	tb_enter(tb, WORK, 0);
	tb_exit(tb, 50);
	tb->hdr.offcpu_call = TRACE_OFFCPU_CALL_MMAP;
	tb->hdr.offcpu_errno = EPERM;
	text = render(&opt);
	ck_assert_msg(strstr(text, "off-CPU time: not recorded for 1 of 2 threads (mmap: Operation "
				   "not permitted): their calls' times are not split\n"),
		      "%s", text);
	/* work ran on both: blank splits; wait on the recording one only */
	ck_assert_msg(strstr(text, "        2  150.000                     75.000  150.000       "
				   "              75.000 ~:0(0x30)\n"),
		      "%s", text);
	ck_assert_msg(strstr(text, "        1   90.000   20.000   70.000"), "%s", text);
	free(text);
	opt.kind = report_kind_find("json");
	text = render(&opt);
	ck_assert_msg(strstr(text, "\"self_ns\": 150, \"cumulative_ns\": 150, \"oncpu_ns\": null"),
		      "%s", text);
	ck_assert_msg(strstr(text, "\"total_offcpu_ns\": null"), "%s", text);
	free(text);
}
END_TEST

/* Off-CPU time no switch was seen for, past a millisecond: said. */
START_TEST(test_unplaced)
{
	struct report_options opt = { .limit = -1 };
	char *text;

	tb_chunk(tb, 1, 0);
	tb_offcpu(tb, TRACE_OFFCPU_BASE, 0, 0, 0);
	tb_enter(tb, MAIN, 0);
	tb_exit(tb, 10);
	tb_offcpu(tb, TRACE_OFFCPU_UNSEEN, 3000000, 3000000, 10);
	text = render(&opt);
	ck_assert_msg(strstr(text, "off-CPU time: 3.000 ms could not be placed in calls (no switch "
				   "was seen for it): the split cannot know where it went\n"),
		      "%s", text);
	free(text);
}
END_TEST

/* ----------------------------------------------------------- bad records */

START_TEST(test_backwards)
{
	tb_chunk(tb, 1, 0);
	tb_offcpu(tb, TRACE_OFFCPU_BASE, 0, 100, 50);
	tb_offcpu(tb, 0, 10, 90, 60);
	corrupt("off-CPU reading earlier than the thread's last");
	tb_free(tb);
	tb = tb_new();
	tb_chunk(tb, 1, 0);
	tb_offcpu(tb, TRACE_OFFCPU_BASE, 0, 100, 50);
	tb_offcpu(tb, 0, 10, 110, 40);
	corrupt("off-CPU reading earlier than the thread's last");
}
END_TEST

START_TEST(test_bad_flags)
{
	tb_chunk(tb, 1, 0);
	tb_offcpu(tb, 4, 0, 0, 0);
	corrupt("off-CPU record with unknown flags 0x4");
}
END_TEST

START_TEST(test_process_chunk)
{
	tb_process_chunk(tb, 0);
	tb_offcpu(tb, 0, 0, 0, 0);
	corrupt("off-CPU record in a process chunk");
}
END_TEST

START_TEST(test_short)
{
	uint64_t w[2] = { 0, 0 };

	tb_chunk(tb, 1, 0);
	tb_ext(tb, TRACE_EXT_OFFCPU, 0, w, 3);
	corrupt("off-CPU record shorter than 4 words");
}
END_TEST

/* Absurd values a damaged trace can hold: bounded, no overflow. */
START_TEST(test_absurd)
{
	tb_chunk(tb, 1, 0);
	tb_offcpu(tb, TRACE_OFFCPU_BASE, 0, 0, 0);
	tb_enter(tb, MAIN, 0);
	tb_offcpu(tb, 0, UINT64_MAX, UINT64_MAX, 0);
	tb_offcpu(tb, 0, 1, UINT64_MAX, UINT64_MAX);
	tb_exit(tb, 100);
	profile(NULL);
	check(MAIN, 100, 100, 100, 100);
}
END_TEST

static Suite *offcpu_suite(void)
{
	Suite *s = suite_create("offcpu");
	TCase *tc = tcase_create("arithmetic");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_waiter);
	tcase_add_test(tc, test_tsc_slope);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_probe_clamp);
	tcase_add_test(tc, test_recursion);
	tcase_add_test(tc, test_base_and_idle);
	tcase_add_test(tc, test_context);
	tcase_add_test(tc, test_filtered);
	tcase_add_test(tc, test_parts_within_whole);
	suite_add_tcase(s, tc);
	tc = tcase_create("reports");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_folded);
	tcase_add_test(tc, test_stage);
	tcase_add_test(tc, test_stage_bottleneck_oncpu);
	tcase_add_test(tc, test_stage_bottleneck_self);
	tcase_add_test(tc, test_notes);
	tcase_add_test(tc, test_thread_missing);
	tcase_add_test(tc, test_unplaced);
	suite_add_tcase(s, tc);
	tc = tcase_create("bad records");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_backwards);
	tcase_add_test(tc, test_bad_flags);
	tcase_add_test(tc, test_process_chunk);
	tcase_add_test(tc, test_short);
	tcase_add_test(tc, test_absurd);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(offcpu_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
