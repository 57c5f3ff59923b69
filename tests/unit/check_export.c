// SPDX-License-Identifier: MIT
/*
 * check_export.c - the exports' helpers: the pair map (dense ids, lookups
 * across growth) and the second pass, through the folded, callgrind and
 * chrome exports of a trace built by hand.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "report.h"
#include "trace_builder.h"

#define US 1000ull

/* ------------------------------------------------------------------- map */

START_TEST(test_map_ids)
{
	struct export_map m;
	uint32_t a, b;

	export_map_init(&m);
	ck_assert_uint_eq(export_map_find(&m, 0, 42), 0);
	a = export_map_get(&m, 0, 42);
	b = export_map_get(&m, 42, 0); /* the pair is ordered */
	ck_assert_uint_eq(a, 1);
	ck_assert_uint_eq(b, 2);
	ck_assert_uint_eq(export_map_get(&m, 0, 42), a);
	ck_assert_uint_eq(export_map_find(&m, 42, 0), b);
	ck_assert_uint_eq(m.nodes[a].key, 0);
	ck_assert_uint_eq(m.nodes[a].addr, 42);
	ck_assert_uint_eq(m.nodes[b].calls, 0);
	ck_assert_uint_eq(m.nodes[b].ticks, 0);
	ck_assert_uint_eq(m.n, 3);
	export_map_release(&m);
}
END_TEST

START_TEST(test_map_growth)
{
	struct export_map m;
	uint64_t i;

	export_map_init(&m);
	for (i = 0; i < 100000; i++) {
		uint32_t id = export_map_get(&m, i / 7, i * 16);

		ck_assert_uint_eq(id, i + 1);
		m.nodes[id].ticks = i;
	}
	for (i = 0; i < 100000; i++) {
		uint32_t id = export_map_find(&m, i / 7, i * 16);

		ck_assert_uint_eq(id, i + 1);
		ck_assert_uint_eq(m.nodes[id].ticks, i);
	}
	ck_assert_uint_eq(export_map_find(&m, 1, 1), 0);
	export_map_release(&m);
}
END_TEST

/* ------------------------------------------------------------------ pass */

/*
 * One thread, nanosecond ticks, no probe cost:
 *	0x1000 [0, 100 us] calls 0x2000 [10, 60], which calls 0x3000 [20, 30]
 *	and 0x3000 again [40, 45]; then 0x1000 calls 0x3000 [70, 80].
 * Self: 0x1000 100-50-10 = 40 us; 0x2000 50-15 = 35 us; 0x3000 25 us.
 */
static struct tb *tb;

static void setup(void)
{
	tb = tb_new();
	tb->hdr.probe_self_ticks = tb->hdr.probe_parent_ticks = 0;
	tb->hdr.end = (struct trace_clock_point){ 100 * US, 100 * US };
	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x1000, 0);
	tb_enter(tb, 0x2000, 10 * US);
	tb_enter(tb, 0x3000, 20 * US);
	tb_exit(tb, 30 * US);
	tb_enter(tb, 0x3000, 40 * US);
	tb_exit(tb, 45 * US);
	tb_exit(tb, 60 * US);
	tb_enter(tb, 0x3000, 70 * US);
	tb_exit(tb, 80 * US);
	tb_exit(tb, 100 * US);
}

static void teardown(void)
{
	tb_free(tb);
}

/* The export `format` of the trace, as a string to free. */
static char *export_of(const char *format)
{
	struct report_options opt = { .limit = -1, .no_symbols = true };
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(out);
	opt.trace = tb_write(tb);
	opt.kind = report_kind_find(format);
	ck_assert_ptr_nonnull(opt.kind);
	ck_assert_int_eq(report_run(&opt, out), 0);
	fclose(out);
	return text;
}

START_TEST(test_folded)
{
	char *text = export_of("folded");

	/* In the order the paths were first met, callers before callees. */
	ck_assert_str_eq(text, "0x1000 40000\n"
			       "0x1000;0x2000 35000\n"
			       "0x1000;0x2000;0x3000 15000\n"
			       "0x1000;0x3000 10000\n");
	free(text);
}
END_TEST

START_TEST(test_callgrind)
{
	char *text = export_of("callgrind");

	ck_assert_ptr_nonnull(strstr(text, "\nevents: ns\nsummary: 100000\n"));
	/* 0x1000: self 40 us; 0x2000 once, 50 us inclusive; 0x3000 once, 10 us. */
	ck_assert_ptr_nonnull(strstr(text, "fn=0x1000\n0 40000\n"));
	ck_assert_ptr_nonnull(strstr(text, "cfn=0x2000\ncalls=1 0\n0 50000\n"));
	ck_assert_ptr_nonnull(strstr(text, "fn=0x2000\n0 35000\ncfl=???\ncfn=0x3000\n"
					   "calls=2 0\n0 15000\n"));
	ck_assert_ptr_nonnull(strstr(text, "cfn=0x3000\ncalls=1 0\n0 10000\n"));
	free(text);
}
END_TEST

START_TEST(test_chrome)
{
	char *text = export_of("chrome"), *p;
	int n = 0;

	for (p = text; (p = strstr(p, "\"ph\":\"X\"")); p++)
		n++;
	ck_assert_int_eq(n, 5);
	ck_assert_ptr_nonnull(strstr(text, "\"ts\":20.000,\"dur\":10.000,\"cat\":\"call\","
					   "\"name\":\"0x3000\",\"args\":{\"self_us\":10.000}}"));
	ck_assert_ptr_nonnull(strstr(text, "\"ts\":0.000,\"dur\":100.000,\"cat\":\"call\","
					   "\"name\":\"0x1000\",\"args\":{\"self_us\":40.000}}"));
	ck_assert_ptr_null(strstr(text, "\"ph\":\"C\"")); /* no memory events */
	free(text);
}
END_TEST

static Suite *export_suite(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("map");

	tcase_add_test(tc, test_map_ids);
	tcase_add_test(tc, test_map_growth);
	suite_add_tcase(s, tc);
	tc = tcase_create("pass");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_folded);
	tcase_add_test(tc, test_callgrind);
	tcase_add_test(tc, test_chrome);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(export_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
