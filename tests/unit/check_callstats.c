/* SPDX-License-Identifier: MIT */
/*
 * check_callstats.c - unit tests of the call aggregation (tools/callstats.c)
 * and of the reports built on it (tools/report*.c): pstats semantics under
 * recursion, open and unmatched frames, probe compensation, threads, edges,
 * sort orders, the exact text of pstats, JSON escaping.
 *
 * Traces come from trace_builder with the monotonic clock, so ticks are
 * nanoseconds and expected numbers can be written down.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callstats.h"
#include "report.h"
#include "trace_builder.h"

#define MS 1000000ull

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

/* Read the builder's trace into prof. */
static void profile(void)
{
	struct trace_reader r;

	ck_assert_int_eq(trace_reader_open(&r, tb_write(tb)), 0);
	cs_profile_init(&prof, r.hdr.probe_self_ticks, r.hdr.probe_parent_ticks);
	ck_assert_int_eq(cs_profile_read(&prof, &r), 0);
	trace_reader_release(&r);
}

static const struct cs_func *func(const struct cs_table *t, uint64_t addr)
{
	const struct cs_func *f = cs_table_find(t, addr);

	ck_assert_ptr_nonnull(f);
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

/* calls, primitive calls, self and cumulative ticks of a function or edge */
static void check_stats(const struct cs_stats *st, uint64_t calls, uint64_t prim, uint64_t self,
			uint64_t cum)
{
	ck_assert_uint_eq(st->calls, calls);
	ck_assert_uint_eq(st->calls - st->rec_calls, prim);
	ck_assert_uint_eq(st->self_ticks, self);
	ck_assert_uint_eq(st->cum_ticks, cum);
}

/* main [0,100] calls a [10,30] and b [40,90]; b calls a [50,60]. */
static void simple_tree(uint32_t serial, uint64_t scale)
{
	tb_chunk(tb, serial, 0);
	tb_enter(tb, 0x10, 0);
	tb_enter(tb, 0x20, 10 * scale);
	tb_exit(tb, 30 * scale);
	tb_enter(tb, 0x30, 40 * scale);
	tb_enter(tb, 0x20, 50 * scale);
	tb_exit(tb, 60 * scale);
	tb_exit(tb, 90 * scale);
	tb_exit(tb, 100 * scale);
}

/* f [0,10] -> f [1,4] -> f [2,3]; f [5,6]: fib-like recursion. */
static void recursion(uint32_t serial, uint64_t scale)
{
	tb_chunk(tb, serial, 0);
	tb_enter(tb, 0x40, 0);
	tb_enter(tb, 0x40, 1 * scale);
	tb_enter(tb, 0x40, 2 * scale);
	tb_exit(tb, 3 * scale);
	tb_exit(tb, 4 * scale);
	tb_enter(tb, 0x40, 5 * scale);
	tb_exit(tb, 6 * scale);
	tb_exit(tb, 10 * scale);
}

/* ------------------------------------------------------------ callstats */

START_TEST(test_simple_tree)
{
	const struct cs_table *t;

	simple_tree(1, 1);
	profile();
	t = &prof.merged;
	check_stats(&func(t, 0x10)->st, 1, 1, 30, 100);
	check_stats(&func(t, 0x20)->st, 2, 2, 30, 30);
	check_stats(&func(t, 0x30)->st, 1, 1, 40, 50);
	check_stats(&edge(t, 0x10, 0x20)->st, 1, 1, 20, 20);
	check_stats(&edge(t, 0x10, 0x30)->st, 1, 1, 40, 50);
	check_stats(&edge(t, 0x30, 0x20)->st, 1, 1, 10, 10);
	ck_assert_uint_eq(t->nedges, 3);
	ck_assert_uint_eq(prof.nthreads, 1);
	ck_assert_uint_eq(prof.unmatched_exits, 0);
	ck_assert_uint_eq(prof.open_at_end, 0);
}
END_TEST

START_TEST(test_direct_recursion)
{
	const struct cs_table *t;

	recursion(1, 1);
	profile();
	t = &prof.merged;
	check_stats(&func(t, 0x40)->st, 4, 1, 10, 10);
	/* f->f: the inner two-deep activation is the only recursive one */
	check_stats(&edge(t, 0x40, 0x40)->st, 3, 2, 4, 4);
}
END_TEST

START_TEST(test_mutual_recursion)
{
	const struct cs_table *t;

	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0xa, 0);
	tb_enter(tb, 0xb, 10);
	tb_enter(tb, 0xa, 20);
	tb_enter(tb, 0xb, 30);
	tb_exit(tb, 70);
	tb_exit(tb, 80);
	tb_exit(tb, 90);
	tb_exit(tb, 100);
	profile();
	t = &prof.merged;
	check_stats(&func(t, 0xa)->st, 2, 1, 40, 100);
	check_stats(&func(t, 0xb)->st, 2, 1, 60, 80);
	check_stats(&edge(t, 0xa, 0xb)->st, 2, 1, 60, 80);
	check_stats(&edge(t, 0xb, 0xa)->st, 1, 1, 20, 60);
}
END_TEST

START_TEST(test_open_at_end)
{
	const struct cs_table *t;

	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x10, 0);
	tb_enter(tb, 0x20, 10);
	tb_exit(tb, 20);
	tb_enter(tb, 0x30, 30);
	tb_thread_end(tb, 50, tb_events(tb, 1), 0);
	profile();
	t = &prof.merged;
	ck_assert_uint_eq(prof.open_at_end, 2);
	check_stats(&func(t, 0x10)->st, 1, 1, 20, 50);
	check_stats(&func(t, 0x20)->st, 1, 1, 10, 10);
	check_stats(&func(t, 0x30)->st, 1, 1, 20, 20);
}
END_TEST

START_TEST(test_unmatched_exit)
{
	tb_chunk(tb, 1, 0);
	tb_exit(tb, 5);
	tb_enter(tb, 0x10, 10);
	tb_exit(tb, 20);
	tb_exit(tb, 25);
	profile();
	ck_assert_uint_eq(prof.unmatched_exits, 2);
	ck_assert_uint_eq(prof.threads[0]->unmatched_exits, 2);
	check_stats(&func(&prof.merged, 0x10)->st, 1, 1, 10, 10);
}
END_TEST

START_TEST(test_probe_compensation)
{
	const struct cs_table *t;

	tb->hdr.probe_self_ticks = 2;
	tb->hdr.probe_parent_ticks = 3;
	simple_tree(1, 1);
	profile();
	t = &prof.merged;
	/* inner a: 10 - 2; b: 50 - 10 - 2 - 3, incl 35 + 8 = 50 - 2 - 1 * 5 */
	check_stats(&func(t, 0x30)->st, 1, 1, 35, 43);
	check_stats(&func(t, 0x20)->st, 2, 2, 8 + 18, 8 + 18);
	/* main: 100 - 70 - 2 - 2 * 3; incl 100 - 2 - 3 descendants * 5 */
	check_stats(&func(t, 0x10)->st, 1, 1, 22, 83);
	check_stats(&edge(t, 0x30, 0x20)->st, 1, 1, 8, 8);
}
END_TEST

/*
 * The spinner of tests/integ/progs/spin.c with chosen probe costs: main
 * calls spinner, which spins W ticks per segment and then calls C
 * children of WC ticks each; every call costs the callee PS more ticks
 * inside it and the caller PP more around it. The compensated self times
 * are the true ones, exactly, across chunk switches (10,000 records).
 */
START_TEST(test_probe_spinner)
{
	enum { S = 50, C = 100, W = 1000, WC = 2, PS = 4, PP = 3 };
	const struct cs_table *t;
	uint64_t now = 0;

	tb->hdr.probe_self_ticks = PS;
	tb->hdr.probe_parent_ticks = PP;
	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x10, now);
	now += 10 + PP; /* main's own work before, its cost of calling spinner */
	tb_enter(tb, 0x20, now);
	for (int s = 0; s < S; s++) {
		now += W;
		for (int c = 0; c < C; c++) {
			now += PP;
			tb_enter(tb, 0x30, now);
			now += WC + PS;
			tb_exit(tb, now);
		}
	}
	now += PS;
	tb_exit(tb, now);
	now += 10 + PS; /* main's own work after, its own probe cost */
	tb_exit(tb, now);
	profile();
	t = &prof.merged;
	check_stats(&func(t, 0x30)->st, S * C, S * C, S * C * WC, S * C * WC);
	check_stats(&func(t, 0x20)->st, 1, 1, S * W, S * W + S * C * WC);
	check_stats(&func(t, 0x10)->st, 1, 1, 20, 20 + S * W + S * C * WC);
	check_stats(&edge(t, 0x20, 0x30)->st, S * C, S * C, S * C * WC, S * C * WC);
	/* Without the probe costs in the header: the raw times. */
	cs_profile_release(&prof);
	tb->hdr.probe_self_ticks = 0;
	tb->hdr.probe_parent_ticks = 0;
	profile();
	t = &prof.merged;
	check_stats(&func(t, 0x30)->st, S * C, S * C, S * C * (WC + PS), S * C * (WC + PS));
	check_stats(&func(t, 0x20)->st, 1, 1, PS + S * W + S * C * PP,
		    PS + S * W + S * C * (PP + WC + PS));
}
END_TEST

START_TEST(test_probe_clamp)
{
	const struct cs_table *t;
	const struct cs_func *f;
	uint64_t self = 0;

	tb->hdr.probe_self_ticks = 12;
	tb->hdr.probe_parent_ticks = 1;
	simple_tree(1, 1);
	profile();
	t = &prof.merged;
	/* inner a would go negative: 0; b: 50 - 10 - 12 - 1 = 27 */
	check_stats(&edge(t, 0x30, 0x20)->st, 1, 1, 0, 0);
	check_stats(&func(t, 0x30)->st, 1, 1, 27, 27);
	for (f = t->funcs; f; f = f->next) {
		ck_assert_uint_le(f->st.self_ticks, f->st.cum_ticks);
		self += f->st.self_ticks;
	}
	ck_assert_uint_eq(self, func(t, 0x10)->st.cum_ticks);
	ck_assert_uint_le(self, 100);
}
END_TEST

/* A damaged header's absurd probe costs clamp every self time at 0 (no overflow). */
START_TEST(test_probe_absurd)
{
	const struct cs_func *f;

	tb->hdr.probe_self_ticks = UINT64_MAX;
	tb->hdr.probe_parent_ticks = 1ull << 62;
	simple_tree(1, 1);
	profile();
	for (f = prof.merged.funcs; f; f = f->next)
		check_stats(&f->st, f->st.calls, f->st.calls - f->st.rec_calls, 0, 0);
	tb_free(tb);
	tb = tb_new();
	tb->hdr.probe_self_ticks = 0;
	tb->hdr.probe_parent_ticks = UINT64_MAX / 2 + 2; /* twice overflows */
	simple_tree(1, 1);
	cs_profile_release(&prof);
	profile();
	/* main has two children: its cost wraps past 64 bits, it keeps no self time */
	ck_assert_uint_eq(func(&prof.merged, 0x10)->st.self_ticks, 0);
}
END_TEST

START_TEST(test_threads_merge)
{
	const struct cs_table *t;

	/* thread 1: f, recursing, in two chunks; thread 2 in between */
	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x40, 0);
	tb_enter(tb, 0x40, 10);
	tb_chunk(tb, 2, 0);
	tb_enter(tb, 0x40, 5);
	tb_exit(tb, 15);
	tb_chunk(tb, 1, 10);
	tb_exit(tb, 20);
	tb_exit(tb, 100);
	profile();
	ck_assert_uint_eq(prof.nthreads, 2);
	ck_assert_uint_eq(prof.threads[0]->serial, 1);
	ck_assert_uint_eq(prof.threads[1]->tid, 1002);
	check_stats(&func(&prof.threads[0]->table, 0x40)->st, 2, 1, 100, 100);
	check_stats(&func(&prof.threads[1]->table, 0x40)->st, 1, 1, 10, 10);
	t = &prof.merged;
	check_stats(&func(t, 0x40)->st, 3, 2, 110, 110);
	check_stats(&edge(t, 0x40, 0x40)->st, 1, 1, 10, 10);
	ck_assert_uint_eq(func(t, 0x40)->first_ticks, 0);
}
END_TEST

/* -------------------------------------------------------------- reports */

/* Render the builder's trace with `opt`; the text (free it). */
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

/* Both simple_tree (thread 1) and recursion (thread 2), in milliseconds. */
static void two_threads(void)
{
	tb->hdr.end = (struct trace_clock_point){ 120 * MS, 120 * MS };
	simple_tree(1, MS);
	recursion(2, MS);
}

static const char header_line[] = "mprof: /usr/bin/prog (pid 4242), 2 threads, wall 0.120 s\n\n";

START_TEST(test_text_cumulative)
{
	struct report_options opt = { .limit = -1, .unit = REPORT_UNIT_S };
	char *text;

	two_threads();
	text = render(&opt);
	ck_assert_str_eq(
	    text, "mprof: /usr/bin/prog (pid 4242), 2 threads, wall 0.120 s\n"
		  "\n"
		  "         8 function calls (5 primitive calls) in 0.110 seconds (wall 0.120 s)\n"
		  "\n"
		  "   Ordered by: cumulative time\n"
		  "\n"
		  "   ncalls  tottime  percall  cumtime  percall "
		  "filename:lineno(function)\n"
		  "        1    0.030    0.030    0.100    0.100 ~:0(0x10)\n"
		  "        1    0.040    0.040    0.050    0.050 ~:0(0x30)\n"
		  "        2    0.030    0.015    0.030    0.015 ~:0(0x20)\n"
		  "      4/1    0.010    0.003    0.010    0.010 ~:0(0x40)\n"
		  "\n\n");
	free(text);
}
END_TEST

START_TEST(test_text_tottime_limit)
{
	struct report_options opt = { .sort = REPORT_SORT_TOTTIME,
				      .limit = 2,
				      .unit = REPORT_UNIT_S };
	char expect[1024];
	char *text;

	two_threads();
	text = render(&opt);
	snprintf(expect, sizeof(expect), "%s%s", header_line,
		 "         8 function calls (5 primitive calls) in 0.110 seconds (wall 0.120 s)\n"
		 "\n"
		 "   Ordered by: internal time\n"
		 "   List reduced from 4 to 2 due to restriction <2>\n"
		 "\n"
		 "   ncalls  tottime  percall  cumtime  percall filename:lineno(function)\n"
		 "        1    0.040    0.040    0.050    0.050 ~:0(0x30)\n"
		 "        1    0.030    0.030    0.100    0.100 ~:0(0x10)\n"
		 "\n\n");
	ck_assert_str_eq(text, expect);
	free(text);
}
END_TEST

START_TEST(test_text_callers)
{
	struct report_options opt = { .limit = -1, .callers = "0x[24]0", .unit = REPORT_UNIT_S };
	char expect[1024];
	char *text;

	two_threads();
	text = render(&opt);
	snprintf(expect, sizeof(expect), "%s%s", header_line,
		 "   Ordered by: cumulative time\n"
		 "   List reduced from 4 to 2 due to restriction <'0x[24]0'>\n"
		 "\n"
		 "Function   was called by...\n"
		 "               ncalls  tottime  cumtime\n"
		 "~:0(0x20)  <-       1    0.020    0.020  ~:0(0x10)\n"
		 "                    1    0.010    0.010  ~:0(0x30)\n"
		 "~:0(0x40)  <-     3/2    0.004    0.004  ~:0(0x40)\n"
		 "\n\n");
	ck_assert_str_eq(text, expect);
	free(text);
}
END_TEST

START_TEST(test_text_callees)
{
	struct report_options opt = { .limit = -1, .callees = "*", .unit = REPORT_UNIT_S };
	char expect[1024];
	char *text;

	two_threads();
	text = render(&opt);
	snprintf(expect, sizeof(expect), "%s%s", header_line,
		 "   Ordered by: cumulative time\n"
		 "\n"
		 "Function   called...\n"
		 "               ncalls  tottime  cumtime\n"
		 "~:0(0x10)  ->       1    0.020    0.020  ~:0(0x20)\n"
		 "                    1    0.040    0.050  ~:0(0x30)\n"
		 "~:0(0x30)  ->       1    0.010    0.010  ~:0(0x20)\n"
		 "~:0(0x20)  -> \n"
		 "~:0(0x40)  ->     3/2    0.004    0.004  ~:0(0x40)\n"
		 "\n\n");
	ck_assert_str_eq(text, expect);
	free(text);
}
END_TEST

START_TEST(test_text_threads_notes)
{
	struct report_options opt = { .limit = 1, .threads = true, .unit = REPORT_UNIT_S };
	char *text;

	two_threads();
	tb->hdr.lost_events = 3;
	tb_enter(tb, 0x50, 11 * MS); /* thread 2: still open */
	text = render(&opt);
	ck_assert_ptr_nonnull(
	    strstr(text, "Thread 1 (tid 1001): wall 0.100 s\n\n"
			 "         4 function calls in 0.100 seconds (wall 0.100 s)\n"));
	ck_assert_ptr_nonnull(strstr(text, "Thread 2 (tid 1002): wall 0.011 s\n\n"
					   "         5 function calls (2 primitive calls) in 0.010 "
					   "seconds (wall 0.011 s)\n"));
	ck_assert_ptr_nonnull(strstr(text, ", 2 threads, wall 0.120 s\nlost events: 3: 3 "
					   "without a recorded cause\n\n"));
	ck_assert_ptr_nonnull(strstr(text, "      4/1    0.010    0.003    0.010    0.010 "
					   "~:0(0x40)\n\n\nnote: events were lost (see the second "
					   "line)"));
	ck_assert_ptr_nonnull(strstr(text, "\nnote: 1 call still open at end of trace\n"));
	free(text);
}
END_TEST

START_TEST(test_sort_orders)
{
	static const struct {
		const char *key;
		const char *order;
	} cases[] = {
		{ "cumulative", "10 30 20 40" }, { "cumtime", "10 30 20 40" },
		{ "tottime", "30 10 20 40" },	 { "time", "30 10 20 40" },
		{ "ncalls", "40 20 10 30" },	 { "calls", "40 20 10 30" },
		{ "name", "10 20 30 40" },
	};
	static const char key[] = "\n    {\"function\": \"0x";
	struct report_options opt = { .limit = -1, .kind = report_kind_find("json") };
	size_t i;

	two_threads();
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char order[64] = "", *text, *p;

		ck_assert_int_eq(report_sort_parse(cases[i].key, &opt.sort), 0);
		text = render(&opt);
		for (p = text; (p = strstr(p, key)); p += sizeof(key) - 1)
			snprintf(order + strlen(order), sizeof(order) - strlen(order), "%s%.2s",
				 order[0] ? " " : "", p + sizeof(key) - 1);
		ck_assert_msg(!strcmp(order, cases[i].order), "%s: %s", cases[i].key, order);
		free(text);
	}
	ck_assert_int_eq(report_sort_parse("bogus", &opt.sort), -1);
}
END_TEST

START_TEST(test_row_format)
{
	struct report_sym sym = { .addr = 1, .name = "fib", .label = "x.c:12(fib)" };
	struct report_func f = { .sym = &sym, .calls = 1973, .prim_calls = 1 };
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	f.self_ns = 1234567;
	f.cum_ns = 2345678;
	report_text_row(&f, REPORT_UNIT_S, out);
	fputc('\n', out);
	f.calls = f.prim_calls = 0;
	report_text_row(&f, REPORT_UNIT_S, out);
	fclose(out);
	ck_assert_str_eq(text, "   1973/1    0.001    0.000    0.002    0.002 x.c:12(fib)\n"
			       "        0    0.001             0.002          x.c:12(fib)");
	free(text);
}
END_TEST

START_TEST(test_json)
{
	struct report_options opt = { .limit = 1, .kind = report_kind_find("json") };
	char *text;

	two_threads();
	text = render(&opt);
	ck_assert_ptr_nonnull(strstr(text,
				     "\"pid\": 4242,\n  \"exe\": \"/usr/bin/prog\",\n"
				     "  \"end\": {\"how\": \"finished\", \"exit_status\": null},\n"
				     "  \"clock\": \"monotonic\",\n  \"wall_ns\": 120000000,\n"
				     "  \"total_self_ns\": 110000000,\n  \"threads\": 2,\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "\"complete\": true,\n  \"cut\": false,\n  \"total_calls\": 8,\n"
			 "  \"primitive_calls\": 5,\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "\"functions\": [\n    {\"function\": \"0x10\", \"file\": null, \"line\": "
			 "null, \"module\": null, \"address\": \"0x10\", \"calls\": 1, "
			 "\"primitive_calls\": 1, \"self_ns\": 30000000, \"cumulative_ns\": "
			 "100000000, \"oncpu_ns\": null, \"offcpu_ns\": null, "
			 "\"cumulative_oncpu_ns\": null, \"cumulative_offcpu_ns\": null, "
			 "\"callers\": []}\n  ]\n}\n"));
	ck_assert_ptr_null(strstr(text, "per_thread"));
	free(text);
}
END_TEST

START_TEST(test_json_escaping)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	report_json_string(out, "a\"b\\c\nd\te\x01"
				"f\x7f \xc3\xa9 \xe2\x82\xac \xff \xc3");
	fputc(' ', out);
	report_json_string(out, NULL);
	fclose(out);
	ck_assert_str_eq(text, "\"a\\\"b\\\\c\\nd\\te\\u0001f\\u007f \xc3\xa9 \xe2\x82\xac "
			       "\\ufffd \\ufffd\" null");
	free(text);
}
END_TEST

/* ---------------------------------------------------------------- units */

/* What the tests know of each unit: its size in ns and the line that names it. */
static const struct {
	double ns;
	const char *note;
} unit_of[] = {
	[REPORT_UNIT_S] = { 1e9, "" }, /* seconds: no line, pstats's form */
	[REPORT_UNIT_MS] = { 1e6, "   Times in milliseconds (ms)\n" },
	[REPORT_UNIT_US] = { 1e3, "   Times in microseconds (us)\n" },
	[REPORT_UNIT_NS] = { 1, "   Times in nanoseconds (ns)\n" },
};

/* Append pstats's row of a function to `buf`: its times in ns, shown in `unit`. */
static void expect_row(char *buf, size_t len, enum report_unit unit, const char *ncalls,
		       uint64_t calls, uint64_t prim, uint64_t self, uint64_t cum,
		       const char *label)
{
	double d = unit_of[unit].ns;
	size_t used = strlen(buf);

	snprintf(buf + used, len - used, "%9s %8.3f %8.3f %8.3f %8.3f %s\n", ncalls,
		 (double)self / d, (double)self / d / (double)calls, (double)cum / d,
		 (double)cum / d / (double)prim, label);
}

/* The table of simple_tree(1, scale) alone, as it should read in `unit`. */
static void expect_simple_tree(char *buf, size_t len, enum report_unit unit, uint64_t scale)
{
	snprintf(buf, len,
		 "   Ordered by: cumulative time\n%s\n"
		 "   ncalls  tottime  percall  cumtime  percall filename:lineno(function)\n",
		 unit_of[unit].note);
	expect_row(buf, len, unit, "1", 1, 1, 30 * scale, 100 * scale, "~:0(0x10)");
	expect_row(buf, len, unit, "1", 1, 1, 40 * scale, 50 * scale, "~:0(0x30)");
	expect_row(buf, len, unit, "2", 2, 2, 30 * scale, 30 * scale, "~:0(0x20)");
}

/*
 * Without --unit, a table takes the coarsest unit in which its smallest
 * time reads 0.100 or more. In simple_tree(1, scale) that is the per-call
 * time of 0x20, 15 * scale; the largest, 100 * scale, fits each time.
 */
START_TEST(test_unit_auto)
{
	static const struct {
		uint64_t scale;
		enum report_unit unit;
	} cases[] = {
		{ 10 * MS, REPORT_UNIT_S },	    /* 0.150 s */
		{ 10 * MS / 1000, REPORT_UNIT_MS }, /* 0.150 ms */
		{ 6600, REPORT_UNIT_US },	    /* 0.099 ms: 99.000 us */
		{ 10, REPORT_UNIT_US },		    /* 0.150 us */
		{ 1, REPORT_UNIT_NS },		    /* 0.015 us: 15.000 ns */
	};
	struct report_options opt = { .limit = -1 };
	char expect[2048], *text;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		tb_free(tb);
		tb = tb_new();
		simple_tree(1, cases[i].scale);
		text = render(&opt);
		expect_simple_tree(expect, sizeof(expect), cases[i].unit, cases[i].scale);
		ck_assert_msg(strstr(text, expect), "scale %llu: expected\n%s\ngot\n%s",
			      (unsigned long long)cases[i].scale, expect, text);
		/* the summary line keeps pstats's seconds */
		ck_assert_ptr_nonnull(strstr(text, " seconds (wall "));
		free(text);
	}
}
END_TEST

/*
 * The largest time must still fit its 8 columns: a thread that runs
 * recursion() for a second beside nanosecond calls makes the table
 * milliseconds (microseconds would take 11 columns), and ten seconds
 * make it seconds, though the smallest per-call time then reads 0.000.
 */
START_TEST(test_unit_width)
{
	static const struct {
		uint64_t scale;
		enum report_unit unit;
	} cases[] = {
		{ 100 * MS, REPORT_UNIT_MS }, /* 0x40's 10 * scale: 1000.000 ms */
		{ 1000 * MS, REPORT_UNIT_S }, /* 10000.000 ms would not fit */
	};
	struct report_options opt = { .limit = -1 };
	char expect[1024], *text;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		enum report_unit u = cases[i].unit;
		uint64_t sc = cases[i].scale;

		tb_free(tb);
		tb = tb_new();
		simple_tree(1, 1);
		recursion(2, sc);
		text = render(&opt);
		snprintf(expect, sizeof(expect), "   Ordered by: cumulative time\n%s\n",
			 unit_of[u].note);
		ck_assert_msg(strstr(text, expect), "scale %llu: %s", (unsigned long long)sc, text);
		expect[0] = '\0';
		expect_row(expect, sizeof(expect), u, "4/1", 4, 1, 10 * sc, 10 * sc, "~:0(0x40)");
		expect_row(expect, sizeof(expect), u, "1", 1, 1, 30, 100, "~:0(0x10)");
		ck_assert_msg(strstr(text, expect), "scale %llu: expected\n%s\ngot\n%s",
			      (unsigned long long)sc, expect, text);
		free(text);
	}
}
END_TEST

/* --unit fixes the unit: the same numbers scaled; seconds print pstats's form. */
START_TEST(test_unit_forced)
{
	enum report_unit u;
	struct report_options opt = { .limit = -1 };
	char expect[2048], *text;

	simple_tree(1, 1000);
	for (u = REPORT_UNIT_S; u <= REPORT_UNIT_NS; u++) {
		opt.unit = u;
		text = render(&opt);
		expect_simple_tree(expect, sizeof(expect), u, 1000);
		ck_assert_msg(strstr(text, expect), "unit %s: expected\n%s\ngot\n%s",
			      report_unit_symbol(u), expect, text);
		ck_assert_int_eq(!!strstr(text, "Times in"), u != REPORT_UNIT_S);
		free(text);
	}
}
END_TEST

/* Seconds chosen or forced: the text is the same, without a unit line. */
START_TEST(test_unit_seconds_legacy)
{
	struct report_options opt = { .limit = -1 };
	char *chosen, *forced;

	simple_tree(1, 10 * MS);
	chosen = render(&opt);
	opt.unit = REPORT_UNIT_S;
	forced = render(&opt);
	ck_assert_str_eq(chosen, forced);
	ck_assert_ptr_null(strstr(chosen, "Times in"));
	ck_assert_ptr_nonnull(strstr(
	    chosen, "   Ordered by: cumulative time\n\n"
		    "   ncalls  tottime  percall  cumtime  percall filename:lineno(function)\n"
		    "        1    0.300    0.300    1.000    1.000 ~:0(0x10)\n"));
	free(chosen);
	free(forced);
}
END_TEST

/* A callers table takes its unit from the times of the calls it lists. */
START_TEST(test_unit_callers)
{
	struct report_options opt = { .limit = -1, .callers = "0x[24]0" };
	char expect[1024], line[128], *text;
	const double d = unit_of[REPORT_UNIT_MS].ns;
	static const struct {
		const char *lead, *ncalls;
		uint64_t self, cum;
		const char *caller;
	} lines[] = {
		/* the smallest, 0x40's recursive calls: 4 ms, 0.004 s */
		{ "~:0(0x20)  <-       ", "1", 20 * MS, 20 * MS, "~:0(0x10)" },
		{ "                    ", "1", 10 * MS, 10 * MS, "~:0(0x30)" },
		{ "~:0(0x40)  <-     ", "3/2", 4 * MS, 4 * MS, "~:0(0x40)" },
	};
	size_t i;

	two_threads();
	text = render(&opt);
	snprintf(expect, sizeof(expect),
		 "   List reduced from 4 to 2 due to restriction <'0x[24]0'>\n%s\n"
		 "Function   was called by...\n"
		 "               ncalls  tottime  cumtime\n",
		 unit_of[REPORT_UNIT_MS].note);
	for (i = 0; i < ARRAY_SIZE(lines); i++) {
		snprintf(line, sizeof(line), "%s%s %8.3f %8.3f  %s\n", lines[i].lead,
			 lines[i].ncalls, (double)lines[i].self / d, (double)lines[i].cum / d,
			 lines[i].caller);
		strcat(expect, line);
	}
	ck_assert_msg(strstr(text, expect), "expected\n%s\ngot\n%s", expect, text);
	free(text);
}
END_TEST

/* --threads: each thread's table has the unit of its own times. */
START_TEST(test_unit_threads)
{
	struct report_options opt = { .limit = -1, .threads = true };
	char expect[2048], *text, *second;

	simple_tree(1, 10 * MS);
	recursion(2, 1000); /* 0x40's per-call self time: 2.500 us */
	text = render(&opt);
	second = strstr(text, "Thread 2 ");
	ck_assert_ptr_nonnull(second);
	*second++ = '\0';
	expect_simple_tree(expect, sizeof(expect), REPORT_UNIT_S, 10 * MS);
	ck_assert_msg(strstr(text, expect), "thread 1: %s", text);
	snprintf(expect, sizeof(expect), "   Ordered by: cumulative time\n%s\n%s",
		 unit_of[REPORT_UNIT_US].note,
		 "   ncalls  tottime  percall  cumtime  percall filename:lineno(function)\n");
	expect_row(expect, sizeof(expect), REPORT_UNIT_US, "4/1", 4, 1, 10 * 1000, 10 * 1000,
		   "~:0(0x40)");
	ck_assert_msg(strstr(second, expect), "thread 2: expected\n%s\ngot\n%s", expect, second);
	free(text);
}
END_TEST

START_TEST(test_unit_parse)
{
	static const char *const bad[] = { "", "S", "sec", "seconds", "msec", "\xc2\xb5s", "m" };
	enum report_unit u = REPORT_UNIT_AUTO;
	size_t i;

	ck_assert_int_eq(report_unit_parse("s", &u), 0);
	ck_assert_int_eq(u, REPORT_UNIT_S);
	ck_assert_int_eq(report_unit_parse("ms", &u), 0);
	ck_assert_int_eq(u, REPORT_UNIT_MS);
	ck_assert_int_eq(report_unit_parse("us", &u), 0);
	ck_assert_int_eq(u, REPORT_UNIT_US);
	ck_assert_int_eq(report_unit_parse("ns", &u), 0);
	ck_assert_int_eq(u, REPORT_UNIT_NS);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ck_assert_int_eq(report_unit_parse(bad[i], &u), -1);
		ck_assert_int_eq(u, REPORT_UNIT_NS);
	}
}
END_TEST

/* The unit of the span of times (min_ns/min_n .. max_ns) and how it reads. */
static enum report_unit choose(uint64_t min_ns, uint64_t min_n, uint64_t max_ns)
{
	struct report_span s = { 0 };

	report_span_add(&s, max_ns, 1);
	report_span_add(&s, min_ns, min_n);
	report_span_add(&s, 0, 1); /* nothing shown: no effect */
	report_span_add(&s, 5, 0); /* a blank per-call column: no effect */
	return report_unit_choose(&s, REPORT_UNIT_AUTO);
}

/* The rule at its edges: as "%.3f" prints the smallest and the largest. */
START_TEST(test_unit_choose)
{
	struct report_span none = { 0 };

	ck_assert_int_eq(report_unit_choose(&none, REPORT_UNIT_AUTO), REPORT_UNIT_S);
	ck_assert_int_eq(report_unit_choose(&none, REPORT_UNIT_US), REPORT_UNIT_US);
	ck_assert_int_eq(choose(100 * MS, 1, 100 * MS), REPORT_UNIT_S); /* 0.100 s */
	ck_assert_int_eq(choose(99 * MS, 1, 100 * MS), REPORT_UNIT_MS); /* 0.099 s */
	ck_assert_int_eq(choose(99949, 1, MS), REPORT_UNIT_MS);		/* "0.100" ms */
	ck_assert_int_eq(choose(99499, 1, MS), REPORT_UNIT_US);		/* "0.099" ms */
	ck_assert_int_eq(choose(300000, 3, MS), REPORT_UNIT_MS);	/* per call: 0.100 ms */
	ck_assert_int_eq(choose(299000, 3, MS), REPORT_UNIT_MS);	/* 0.0997 ms: "0.100" */
	ck_assert_int_eq(choose(298000, 3, MS), REPORT_UNIT_US);	/* 0.0993 ms: "0.099" */
	ck_assert_int_eq(choose(1, 20, 1000), REPORT_UNIT_NS);		/* 0.050 ns: the finest */
	/* The largest decides how fine: "9999.999" fits, "10000.000" does not. */
	ck_assert_int_eq(choose(15, 1, 9999999), REPORT_UNIT_US);
	ck_assert_int_eq(choose(15, 1, 9999999400ull), REPORT_UNIT_MS);
	ck_assert_int_eq(choose(15, 1, 9999999600ull), REPORT_UNIT_S);
	ck_assert_int_eq(choose(15, 1, 20000000000000ull), REPORT_UNIT_S); /* too wide anywhere */
}
END_TEST

static Suite *callstats_suite(void)
{
	Suite *s = suite_create("callstats");
	TCase *tc = tcase_create("aggregate");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_simple_tree);
	tcase_add_test(tc, test_direct_recursion);
	tcase_add_test(tc, test_mutual_recursion);
	tcase_add_test(tc, test_open_at_end);
	tcase_add_test(tc, test_unmatched_exit);
	tcase_add_test(tc, test_probe_compensation);
	tcase_add_test(tc, test_probe_spinner);
	tcase_add_test(tc, test_probe_clamp);
	tcase_add_test(tc, test_probe_absurd);
	tcase_add_test(tc, test_threads_merge);
	suite_add_tcase(s, tc);

	tc = tcase_create("report");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_text_cumulative);
	tcase_add_test(tc, test_text_tottime_limit);
	tcase_add_test(tc, test_text_callers);
	tcase_add_test(tc, test_text_callees);
	tcase_add_test(tc, test_text_threads_notes);
	tcase_add_test(tc, test_sort_orders);
	tcase_add_test(tc, test_row_format);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_json_escaping);
	suite_add_tcase(s, tc);

	tc = tcase_create("units");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unit_auto);
	tcase_add_test(tc, test_unit_width);
	tcase_add_test(tc, test_unit_forced);
	tcase_add_test(tc, test_unit_seconds_legacy);
	tcase_add_test(tc, test_unit_callers);
	tcase_add_test(tc, test_unit_threads);
	tcase_add_test(tc, test_unit_parse);
	tcase_add_test(tc, test_unit_choose);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(callstats_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
