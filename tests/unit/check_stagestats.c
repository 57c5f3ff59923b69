/* SPDX-License-Identifier: MIT */
/*
 * check_stagestats.c - unit tests of the stage metrics (tools/stagestats.c)
 * and of the stage report (tools/report_stage*.c): the latency histogram
 * against known distributions; nesting (self time excludes the upstream
 * spans inside); the latency semantics (a slow downstream stage shows as
 * latency upstream and as self time in itself); unmatched ends and spans
 * left open; the merge by name across threads; the pull order and the
 * bottleneck; the runtime's pauses taken out; the exact text and JSON.
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
#include "stagestats.h"
#include "trace_builder.h"

#define US 1000ull

static struct tb *tb;
static struct cs_profile prof;
static struct ss_profile st;

static void setup(void)
{
	tb = tb_new();
	tb->hdr.features = TRACE_FEAT_STAGES;
	memset(&prof, 0, sizeof(prof));
	ss_profile_init(&st);
}

static void teardown(void)
{
	ss_profile_release(&st);
	cs_profile_release(&prof);
	tb_free(tb);
}

/* Read the builder's trace into st. */
static void profile(void)
{
	struct trace_reader r;

	ck_assert_int_eq(trace_reader_open(&r, tb_write(tb)), 0);
	cs_profile_init(&prof, 0, 0);
	prof.stages = &st;
	ck_assert_int_eq(cs_profile_read(&prof, &r), 0);
	trace_reader_release(&r);
}

static const struct ss_stage *stage(const char *name)
{
	size_t i;

	for (i = 0; i < st.nstages; i++) {
		if (!strcmp(st.stages[i].name, name))
			return &st.stages[i];
	}
	ck_abort_msg("no stage '%s'", name);
	return NULL;
}

/* ------------------------------------------------------------ pipelines */

/*
 * A chain of pull iterators on one thread: stage k pulls from stage k - 1
 * (stage 0 is the source), works cost[k] ticks on each batch, and hands on
 * `records`; the sink works `sink` ticks on each batch. Begin and end cost
 * nothing.
 */
struct chain {
	uint32_t serial;
	const uint32_t *ids; /* upstream first */
	const uint64_t *cost;
	int n;
	int batches;
	uint64_t records;
	uint64_t sink;
};

static uint64_t pull(const struct chain *c, int k, uint64_t t, uint64_t records)
{
	tb_stage_begin(tb, c->ids[k], t);
	if (k > 0)
		t = pull(c, k - 1, t, records);
	if (records)
		t += c->cost[k];
	tb_stage_end(tb, c->ids[k], t, records);
	return t;
}

/* Every batch, then the pull that finds the source exhausted. Returns the end. */
static uint64_t run_chain(const struct chain *c, uint64_t t)
{
	int b;

	for (b = 0; b < c->batches; b++)
		t = pull(c, c->n - 1, t, c->records) + c->sink;
	return pull(c, c->n - 1, t, 0);
}

static const uint32_t two_ids[] = { 1, 2 };
static const uint64_t src_snk_cost[] = { 10 * US, 50 * US };

/* src (10 us a batch) pulled by snk (50 us a batch), a 5 us sink: 4 batches of 100. */
static uint64_t src_snk(uint32_t serial, uint64_t t0)
{
	struct chain c = { serial, two_ids, src_snk_cost, 2, 4, 100, 5 * US };

	return run_chain(&c, t0);
}

static void define_src_snk(void)
{
	tb_stage_def(tb, 1, "src");
	tb_stage_def(tb, 2, "snk");
}

/* ------------------------------------------------------------ histogram */

START_TEST(test_hist_small_exact)
{
	struct ss_hist h = { 0 };
	uint64_t v;

	for (v = 100; v >= 1; v--)
		ss_hist_add(&h, v);
	ck_assert_uint_eq(h.count, 100);
	ck_assert_uint_eq(h.sum, 5050);
	ck_assert_uint_eq(h.min, 1);
	ck_assert_uint_eq(h.max, 100);
	ck_assert_uint_eq(ss_hist_percentile(&h, 50), 50);
	ck_assert_uint_eq(ss_hist_percentile(&h, 99), 99);
	ck_assert_uint_eq(ss_hist_percentile(&h, 100), 100);
	ck_assert_uint_eq(ss_hist_percentile(&h, 0.5), 1);
	ss_hist_release(&h);
	ck_assert_uint_eq(ss_hist_percentile(&h, 50), 0);
}
END_TEST

/* within 0.5% of `expect` */
static void check_near(uint64_t got, uint64_t expect)
{
	uint64_t d = got > expect ? got - expect : expect - got;

	ck_assert_msg(d * 200 <= expect, "%llu is not within 0.5%% of %llu",
		      (unsigned long long)got, (unsigned long long)expect);
}

/* One million samples, uniform over 1..1e6 ticks: the nearest-rank percentiles. */
START_TEST(test_hist_uniform)
{
	struct ss_hist h = { 0 };
	unsigned oct, used = 0;
	uint64_t v;

	for (v = 1; v <= 1000000; v++)
		ss_hist_add(&h, (v * 7919) % 1000000 + 1); /* every value once, shuffled */
	check_near(ss_hist_percentile(&h, 50), 500000);
	check_near(ss_hist_percentile(&h, 99), 990000);
	check_near(ss_hist_percentile(&h, 99.9), 999000);
	check_near(ss_hist_percentile(&h, 1), 10000);
	ck_assert_uint_eq(ss_hist_percentile(&h, 100), 1000000);
	ck_assert_uint_eq(h.sum, 500000500000ull);
	/* Bounded memory: 13 octaves for 20 bits, not a million samples. */
	for (oct = 0; oct < SS_HIST_OCTAVES; oct++)
		used += h.octaves[oct] != NULL;
	ck_assert_uint_eq(used, 13);
	ss_hist_release(&h);
}
END_TEST

/* A skewed distribution: 98 fast samples and 2 slow ones. */
START_TEST(test_hist_tail)
{
	struct ss_hist h = { 0 };
	int i;

	for (i = 0; i < 98; i++)
		ss_hist_add(&h, 1000 + (uint64_t)i);
	ss_hist_add(&h, 5000000);
	ss_hist_add(&h, 7000000);
	check_near(ss_hist_percentile(&h, 50), 1049);
	check_near(ss_hist_percentile(&h, 98), 1097);
	check_near(ss_hist_percentile(&h, 99), 5000000);
	ck_assert_uint_eq(ss_hist_percentile(&h, 100), 7000000);
	ss_hist_release(&h);
}
END_TEST

START_TEST(test_hist_merge)
{
	struct ss_hist a = { 0 }, b = { 0 }, all = { 0 };
	uint64_t v;

	for (v = 1; v <= 20000; v++) {
		ss_hist_add(v % 3 ? &a : &b, v * 37);
		ss_hist_add(&all, v * 37);
	}
	ss_hist_merge(&a, &b);
	ck_assert_uint_eq(a.count, all.count);
	ck_assert_uint_eq(a.sum, all.sum);
	ck_assert_uint_eq(a.min, 37);
	ck_assert_uint_eq(a.max, 20000 * 37);
	ck_assert_uint_eq(ss_hist_percentile(&a, 50), ss_hist_percentile(&all, 50));
	ck_assert_uint_eq(ss_hist_percentile(&a, 99), ss_hist_percentile(&all, 99));
	ss_hist_release(&a);
	ss_hist_release(&b);
	ss_hist_release(&all);
}
END_TEST

/* ------------------------------------------------------------ semantics */

/* A slow downstream stage: latency upstream, self time in itself. */
START_TEST(test_latency_semantics)
{
	const struct ss_stage *src, *snk;

	tb_chunk(tb, 1, 1000 * US);
	define_src_snk();
	src_snk(1, 1000 * US);
	profile();
	ck_assert_uint_eq(st.nstages, 2);
	src = stage("src");
	snk = stage("snk");
	ck_assert_uint_eq(src->records, 400);
	ck_assert_uint_eq(src->handoffs, 4);
	ck_assert_uint_eq(snk->records, 400);
	/* Its own work only. */
	ck_assert_uint_eq(src->self, 40 * US);
	ck_assert_uint_eq(src->busy, 40 * US);
	ck_assert_uint_eq(snk->self, 200 * US);
	ck_assert_uint_eq(snk->busy, 240 * US);
	/* After each hand-off the source waits for the sink stage's 50 us and
	 * the sink's 5 us; the sink stage waits for the sink only. */
	ck_assert_uint_eq(src->latency.count, 4);
	ck_assert_uint_eq(src->latency.sum, 4 * 55 * US);
	ck_assert_uint_eq(ss_hist_percentile(&src->latency, 50), 55 * US);
	ck_assert_uint_eq(ss_hist_percentile(&src->latency, 99), 55 * US);
	ck_assert_uint_eq(snk->latency.count, 4);
	ck_assert_uint_eq(snk->latency.sum, 4 * 5 * US);
	/* First begin to last end: 4 batches of 65 us. */
	ck_assert_uint_eq(src->elapsed, 260 * US);
	ck_assert_uint_eq(snk->elapsed, 260 * US);
	ck_assert_uint_eq(st.unmatched_ends, 0);
	ck_assert_uint_eq(st.open_at_end, 0);
}
END_TEST

/* Three nested stages: each one's self time excludes the spans inside it. */
START_TEST(test_nesting)
{
	static const uint32_t ids[] = { 3, 1, 2 };
	static const uint64_t cost[] = { 3 * US, 7 * US, 11 * US };
	struct chain c = { 1, ids, cost, 3, 10, 8, 1 * US };

	tb_chunk(tb, 1, 0);
	tb_stage_def(tb, 1, "middle");
	tb_stage_def(tb, 2, "outer");
	tb_stage_def(tb, 3, "inner");
	run_chain(&c, 0);
	profile();
	ck_assert_uint_eq(stage("inner")->self, 30 * US);
	ck_assert_uint_eq(stage("middle")->self, 70 * US);
	ck_assert_uint_eq(stage("outer")->self, 110 * US);
	ck_assert_uint_eq(stage("outer")->busy, 210 * US);
	ck_assert_uint_eq(stage("middle")->busy, 100 * US);
	/* Latency: everything downstream of the stage, the sink included. */
	ck_assert_uint_eq(stage("inner")->latency.sum, 10 * 19 * US);
	ck_assert_uint_eq(stage("middle")->latency.sum, 10 * 12 * US);
	ck_assert_uint_eq(stage("outer")->latency.sum, 10 * 1 * US);
	/* Pull order: the source first. */
	ck_assert_str_eq(st.stages[0].name, "inner");
	ck_assert_str_eq(st.stages[1].name, "middle");
	ck_assert_str_eq(st.stages[2].name, "outer");
	ck_assert(ss_runs_inside(&st, 0, 2));
	ck_assert(ss_runs_inside(&st, 0, 1));
	ck_assert(ss_runs_inside(&st, 1, 2));
	ck_assert(!ss_runs_inside(&st, 2, 0));
	ck_assert(!ss_runs_inside(&st, 1, 0));
	ck_assert_uint_eq(st.stages[0].depth, 2);
	ck_assert_uint_eq(st.bottleneck, 2);
}
END_TEST

/* An end without a begin counts its records and is unmatched; an end that
 * closes a stage below the top drops the spans above; a span left open at
 * the end is counted, not timed. */
START_TEST(test_unmatched_and_open)
{
	tb_chunk(tb, 1, 0);
	define_src_snk();
	tb_stage_def(tb, 3, "other");
	tb_stage_end(tb, 1, 5, 7); /* no begin */
	tb_stage_begin(tb, 2, 10);
	tb_stage_begin(tb, 1, 11);
	tb_stage_begin(tb, 3, 12); /* never ended */
	tb_stage_end(tb, 1, 20, 2);
	tb_stage_end(tb, 2, 30, 2);
	tb_stage_begin(tb, 2, 40); /* open at the end */
	profile();
	ck_assert_uint_eq(st.unmatched_ends, 1);
	ck_assert_uint_eq(st.open_at_end, 1);
	ck_assert_uint_eq(stage("src")->records, 9);
	ck_assert_uint_eq(stage("src")->handoffs, 2);
	ck_assert_uint_eq(stage("src")->busy, 9);
	ck_assert_uint_eq(stage("snk")->busy, 20);
	ck_assert_uint_eq(stage("snk")->self, 11);
	ck_assert_uint_eq(stage("snk")->latency.sum, 10);
	ck_assert_uint_eq(stage("other")->busy, 0);
	/* The source's hand-off at 5 is measured to its begin at 11. */
	ck_assert_uint_eq(stage("src")->latency.count, 1);
	ck_assert_uint_eq(stage("src")->latency.sum, 6);
}
END_TEST

/* One instance per worker, the same names: one row each, summed. */
START_TEST(test_merge_threads)
{
	static const uint32_t ids2[] = { 3, 4 };
	static const uint64_t cost2[] = { 20 * US, 30 * US };
	struct chain c2 = { 2, ids2, cost2, 2, 2, 50, 0 };
	const struct ss_stage *src, *snk;

	/* The main thread defines every stage; the workers use them. */
	tb_chunk(tb, 1, 0);
	define_src_snk();
	tb_stage_def(tb, 3, "src");
	tb_stage_def(tb, 4, "snk");
	tb_chunk(tb, 3, 100 * US);
	run_chain(&c2, 150 * US); /* thread 3 ids 3, 4: 150 us .. 250 us */
	tb_chunk(tb, 2, 100 * US);
	src_snk(2, 100 * US); /* thread 2 ids 1, 2: 100 us .. 360 us */
	profile();
	ck_assert_uint_eq(st.nstages, 2);
	src = stage("src");
	snk = stage("snk");
	ck_assert_uint_eq(src->instances, 2);
	ck_assert_uint_eq(src->records, 400 + 100);
	ck_assert_uint_eq(src->self, 40 * US + 40 * US);
	ck_assert_uint_eq(snk->self, 200 * US + 60 * US);
	ck_assert_uint_eq(src->latency.count, 6);
	ck_assert_uint_eq(src->latency.sum, 4 * 55 * US + 2 * 30 * US);
	ck_assert_uint_eq(src->first, 100 * US);
	ck_assert_uint_eq(src->last, 360 * US);
	ck_assert_uint_eq(src->elapsed, 260 * US);
	ck_assert_uint_eq(st.bottleneck, 1);
	ck_assert_str_eq(st.stages[st.bottleneck].name, "snk");
}
END_TEST

/* The bottleneck in the middle: its upstream is the source alone. */
START_TEST(test_bottleneck_middle)
{
	static const uint32_t ids[] = { 1, 2, 3 };
	static const uint64_t cost[] = { 5 * US, 90 * US, 20 * US };
	struct chain c = { 1, ids, cost, 3, 3, 10, 0 };

	tb_chunk(tb, 1, 0);
	tb_stage_def(tb, 1, "read");
	tb_stage_def(tb, 2, "parse");
	tb_stage_def(tb, 3, "write");
	run_chain(&c, 0);
	profile();
	ck_assert_str_eq(st.stages[st.bottleneck].name, "parse");
	ck_assert_str_eq(st.stages[0].name, "read");
	ck_assert(ss_runs_inside(&st, 0, st.bottleneck));
	ck_assert(!ss_runs_inside(&st, 2, st.bottleneck));
}
END_TEST

/* The runtime's pauses are not the stages' time. */
START_TEST(test_pause_excluded)
{
	const struct ss_stage *src, *snk;

	tb_chunk(tb, 1, 0);
	define_src_snk();
	tb_stage_begin(tb, 2, 100);
	tb_stage_begin(tb, 1, 100);
	tb_stage_end(tb, 1, 110, 5);
	/* The sink stage works 50, with a pause of 1000 in the middle. */
	tb_chunk(tb, 1, 120);
	tb_pause(tb, 120, 1120);
	tb_stage_end(tb, 2, 1160, 5);
	/* An end timed before the pause that opened the next chunk. */
	tb_stage_begin(tb, 2, 1165);
	tb_stage_begin(tb, 1, 1165);
	tb_chunk(tb, 1, 1170);
	tb_pause(tb, 1170, 1670);
	tb_stage_end(tb, 1, 1169, 5);
	tb_stage_end(tb, 2, 1719, 5);
	profile();
	src = stage("src");
	snk = stage("snk");
	ck_assert_uint_eq(snk->busy, 60 + 54);
	ck_assert_uint_eq(snk->self, 50 + 50);
	ck_assert_uint_eq(src->self, 10 + 4);
	ck_assert_uint_eq(src->latency.sum, 165 - 110); /* its second hand-off is its last */
	ck_assert_uint_eq(snk->latency.sum, 5);
	/* One thread: first begin to last end, both pauses out. */
	ck_assert_uint_eq(snk->elapsed, 1719 - 100 - 1500);
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

START_TEST(test_text)
{
	struct report_options opt = { .limit = -1 };
	char *text;

	tb->hdr.end = (struct trace_clock_point){ 2 * 1000 * US, 2 * 1000 * US };
	tb_chunk(tb, 1, 1000 * US);
	define_src_snk();
	src_snk(1, 1000 * US);
	text = render(&opt);
	ck_assert_str_eq(
	    text,
	    "mprof: /usr/bin/prog (pid 4242), 1 thread, wall 0.002 s\n"
	    "\n"
	    "Stages, upstream first (1 thread, merged by name):\n"
	    "\n"
	    "stage      records    records/s  lat_mean_us   lat_p50_us   lat_p99_us    self_ms  "
	    "self%\n"
	    "src            400      1538462       55.000       55.000       55.000      0.040  "
	    "16.7%\n"
	    "snk            400      1538462        5.000        5.000        5.000      0.200  "
	    "83.3%\n"
	    "\n"
	    "   latency: per hand-off, from handing records on to being asked for more (the time "
	    "its consumers take)\n"
	    "   self: the stage's own work, the stages it pulls from excluded\n"
	    "bottleneck: snk (self 0.200 ms, 83.3% of all stage self time); src runs inside it "
	    "and waits for it after each hand-off: its self time is 91% of src's latency\n"
	    "\n");
	free(text);
}
END_TEST

START_TEST(test_text_three)
{
	static const uint32_t ids[] = { 1, 2, 3 };
	static const uint64_t cost[] = { 10 * US, 10 * US, 80 * US };
	struct chain c = { 1, ids, cost, 3, 2, 10, 10 * US };
	struct report_options opt = { .limit = -1 };
	char *text;

	tb_chunk(tb, 1, 0);
	tb_stage_def(tb, 1, "generate");
	tb_stage_def(tb, 2, "filter");
	tb_stage_def(tb, 3, "features");
	run_chain(&c, 0);
	text = render(&opt);
	/* filter waits 80 + 10 after each hand-off, generate 10 + 80 + 10. */
	ck_assert_ptr_nonnull(strstr(
	    text, "bottleneck: features (self 0.160 ms, 80.0% of all stage self time); "
		  "generate and filter run inside it and wait for it after each hand-off: its "
		  "self time is 80-89% of their latency\n"));
	free(text);
}
END_TEST

START_TEST(test_text_source_bottleneck)
{
	static const uint64_t cost[] = { 90 * US, 10 * US };
	struct chain c = { 1, two_ids, cost, 2, 2, 10, 0 };
	struct report_options opt = { .limit = -1 };
	char *text;

	tb_chunk(tb, 1, 0);
	define_src_snk();
	run_chain(&c, 0);
	text = render(&opt);
	ck_assert_ptr_nonnull(strstr(text, "bottleneck: src (self 0.180 ms, 90.0% of all stage "
					   "self time); no other stage runs inside it: its time "
					   "is in the busy time of the stages that pull from it, "
					   "in no stage's latency\n"));
	free(text);
}
END_TEST

START_TEST(test_json)
{
	struct report_options opt = { .limit = -1, .kind = report_kind_find("json") };
	char *text;

	tb_chunk(tb, 1, 1000 * US);
	define_src_snk();
	src_snk(1, 1000 * US);
	text = render(&opt);
	ck_assert_msg(strstr(text,
			     ",\n  \"stages\": [\n"
			     "    {\"name\": \"src\", \"records\": 400, \"throughput_per_s\": "
			     "1538461.538, \"mean_latency_ns\": 55000, \"p50_latency_ns\": "
			     "55000, \"p99_latency_ns\": 55000, \"self_ns\": 40000, "
			     "\"handoffs\": 4, \"latency_samples\": 4, \"elapsed_ns\": "
			     "260000, \"busy_ns\": 40000, \"instances\": 1, "
			     "\"self_oncpu_ns\": null, \"self_offcpu_ns\": null},\n"
			     "    {\"name\": \"snk\", \"records\": 400, \"throughput_per_s\": "
			     "1538461.538, \"mean_latency_ns\": 5000, \"p50_latency_ns\": "
			     "5000, \"p99_latency_ns\": 5000, \"self_ns\": 200000, "
			     "\"handoffs\": 4, \"latency_samples\": 4, \"elapsed_ns\": "
			     "260000, \"busy_ns\": 240000, \"instances\": 1, "
			     "\"self_oncpu_ns\": null, \"self_offcpu_ns\": null}\n"
			     "  ],\n  \"bottleneck\": \"snk\",\n"
			     "  \"bottleneck_by\": \"self\",\n"
			     "  \"largest_self\": \"snk\",\n"
			     "  \"upstream_of_bottleneck\": [\"src\"],\n"
			     "  \"unmatched_stage_ends\": 0,\n"
			     "  \"open_stage_spans_at_end\": 0\n}\n"),
		      "%s", text);
	free(text);
}
END_TEST

/* A trace without stage events has no stage table nor members. */
START_TEST(test_no_stages)
{
	struct report_options opt = { .limit = -1 };
	char *text;

	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x10, 0);
	tb_exit(tb, 10);
	text = render(&opt);
	ck_assert_ptr_null(strstr(text, "Stages"));
	free(text);
	opt.kind = report_kind_find("json");
	text = render(&opt);
	ck_assert_ptr_null(strstr(text, "\"stages\""));
	free(text);
}
END_TEST

static Suite *stagestats_suite(void)
{
	Suite *s = suite_create("stagestats");
	TCase *tc = tcase_create("histogram");

	tcase_add_test(tc, test_hist_small_exact);
	tcase_add_test(tc, test_hist_uniform);
	tcase_add_test(tc, test_hist_tail);
	tcase_add_test(tc, test_hist_merge);
	suite_add_tcase(s, tc);
	tc = tcase_create("semantics");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_latency_semantics);
	tcase_add_test(tc, test_nesting);
	tcase_add_test(tc, test_unmatched_and_open);
	tcase_add_test(tc, test_merge_threads);
	tcase_add_test(tc, test_bottleneck_middle);
	tcase_add_test(tc, test_pause_excluded);
	suite_add_tcase(s, tc);
	tc = tcase_create("report");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_text_three);
	tcase_add_test(tc, test_text_source_bottleneck);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_no_stages);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(stagestats_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
