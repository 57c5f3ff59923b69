/* SPDX-License-Identifier: MIT */
/*
 * check_report_mem.c - unit tests of the memory report (tools/report_mem*.c
 * and the memory columns of the function table): tracemalloc's number
 * formats and line forms, exact to what Python prints; sites grouped by
 * line, function and stack, named from this test's own debugging
 * information; leaks, peak contributors, temporaries, snapshots; the
 * snapshot comparison in compare_to's order; the bytes each function
 * allocated, under recursion; the JSON members.
 *
 * Stacks are made of real return addresses taken in the functions below, so
 * the expected file:line labels are this file's lines.
 */
#include "config.h"

#include <check.h>
#include <link.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "callstats.h"
#include "report.h"
#include "report_mem.h"
#include "trace_builder.h"

#define NOINLINE __attribute__((noipa, used))
#define MS	 1000000ull
/* Evaluate expr, noting in var the line it is on. */
#define AT_LINE(var, expr) ((var) = __LINE__, (expr))

static struct tb *tb;

/* ------------------------------------------------- addresses of this file */

/* The return address into the caller: a call site. */
NOINLINE static uint64_t caller_pc(void)
{
	return (uint64_t)__builtin_return_address(0);
}

static int site_line[8]; /* the line of each call site below */

/* Call site `which` (0 to 6) of site_pc(): its return address. */
static const int site_pc_def = __LINE__ + 1;
NOINLINE static uint64_t site_pc(int which)
{
	uint64_t pc = 0;

	switch (which) {
	case 0:
		pc = AT_LINE(site_line[0], caller_pc());
		break;
	case 1:
		pc = AT_LINE(site_line[1], caller_pc());
		break;
	case 2:
		pc = AT_LINE(site_line[2], caller_pc());
		break;
	case 3:
		pc = AT_LINE(site_line[3], caller_pc());
		break;
	case 4:
		pc = AT_LINE(site_line[4], caller_pc());
		break;
	case 5:
		pc = AT_LINE(site_line[5], caller_pc());
		break;
	case 6:
		pc = AT_LINE(site_line[6], caller_pc());
		break;
	}
	__asm__ volatile("" ::: "memory"); /* no tail call */
	return pc;
}

static int outer_line;

/* A stack of two frames: a call site in alloc_alpha, called from outer. */
static const int alpha_def = __LINE__ + 1;
NOINLINE static void alloc_alpha(uint64_t *frames)
{
	frames[0] = AT_LINE(site_line[7], caller_pc());
	frames[1] = (uint64_t)__builtin_return_address(0);
	__asm__ volatile("" ::: "memory");
}

static const int outer_def = __LINE__ + 1;
NOINLINE static void outer(uint64_t *frames)
{
	AT_LINE(outer_line, alloc_alpha(frames));
	__asm__ volatile("" ::: "memory");
}

/* This executable as a module record, in a process chunk at tick 0. */
static int exe_module(struct dl_phdr_info *info, size_t size, void *data)
{
	char path[PATH_MAX];
	uint64_t lo = UINT64_MAX, hi = 0, page = (uint64_t)sysconf(_SC_PAGESIZE);
	ssize_t len;
	int i;

	(void)size;
	(void)data;
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
	tb_process_chunk(tb, 0);
	tb_maps(tb, 0, TRACE_MAPS_START, 1);
	tb_module(tb, path, info->dlpi_addr, lo, hi, NULL, 0);
	return 1; /* the first one is the executable */
}

static void setup(void)
{
	tb = tb_new();
	tb->hdr.features = TRACE_FEAT_ALLOC;
	dl_iterate_phdr(exe_module, NULL);
}

static void teardown(void)
{
	tb_free(tb);
}

/* "check_report_mem.c:N" for call site i. */
static const char *site(int i)
{
	static char buf[8][64];

	snprintf(buf[i], sizeof(buf[i]), "check_report_mem.c:%d", site_line[i]);
	return buf[i];
}

/*
 * This file's name as its debug information gives it: __FILE__, after the
 * compilation directory when it is relative (a build outside the source
 * tree configured with a relative path, as "make distcheck" does). The
 * tests run in the directory they were compiled in.
 */
static const char *this_file(void)
{
	static char buf[PATH_MAX + 64];
	char cwd[PATH_MAX];

	if (__FILE__[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return __FILE__;
	snprintf(buf, sizeof(buf), "%s/%s", cwd, __FILE__);
	return buf;
}

/* Render the builder's trace with `opt`: the text from `from` on (free it). */
static char *render_from(struct report_options *opt, const char *from)
{
	char *text = NULL, *p;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	opt->trace = tb_write(tb);
	ck_assert_int_eq(report_run(opt, out), 0);
	fclose(out);
	if (!from)
		return text;
	p = strstr(text, from);
	ck_assert_msg(p != NULL, "no '%s' in:\n%s", from, text);
	p = strdup(p);
	free(text);
	return p;
}

/* ------------------------------------------------------------ formats */

START_TEST(test_format_size)
{
	static const struct {
		double size;
		const char *plain, *minus, *plus;
	} cases[] = {
		/* what python3's tracemalloc._format_size prints */
		{ 0, "0 B", "+0 B", "+0 B" },
		{ 1, "1 B", "-1 B", "+1 B" },
		{ 99, "99 B", "-99 B", "+99 B" },
		{ 1024, "1024 B", "-1024 B", "+1024 B" },
		{ 10239, "10239 B", "-10239 B", "+10239 B" },
		{ 10240, "10.0 KiB", "-10.0 KiB", "+10.0 KiB" },
		{ 102399, "100.0 KiB", "-100.0 KiB", "+100.0 KiB" },
		{ 102400, "100 KiB", "-100 KiB", "+100 KiB" },
		{ 112640, "110 KiB", "-110 KiB", "+110 KiB" },
		{ 1048575, "1024 KiB", "-1024 KiB", "+1024 KiB" },
		{ 10485759, "10240 KiB", "-10240 KiB", "+10240 KiB" },
		{ 10485760, "10.0 MiB", "-10.0 MiB", "+10.0 MiB" },
		{ 104857600, "100 MiB", "-100 MiB", "+100 MiB" },
		{ 1073741824, "1024 MiB", "-1024 MiB", "+1024 MiB" },
		{ 3298534883328.0, "3072 GiB", "-3072 GiB", "+3072 GiB" },
		{ 21990232555520000.0, "20000 TiB", "-20000 TiB", "+20000 TiB" },
		{ 65.5, "66 B", "-66 B", "+66 B" },
		{ 64.5, "64 B", "-64 B", "+64 B" },
		{ 112640.0 / 1744, "65 B", "-65 B", "+65 B" },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ck_assert_str_eq(report_format_size(buf, sizeof(buf), cases[i].size, false),
				 cases[i].plain);
		/* (sizes are integers: no -0) */
		ck_assert_str_eq(
		    report_format_size(buf, sizeof(buf), cases[i].size ? -cases[i].size : 0, true),
		    cases[i].minus);
		ck_assert_str_eq(report_format_size(buf, sizeof(buf), cases[i].size, true),
				 cases[i].plus);
	}
}
END_TEST

START_TEST(test_stat_lines)
{
	struct report_site s = { .label = "pipeline.c:88" };
	struct report_diff d = { &s, 112640, 1744, 112640, 1744 };
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	report_mem_stat(out, s.label, 112640, 1744);
	fputc('\n', out);
	report_mem_stat(out, s.label, 0, 0);
	fputc('\n', out);
	report_mem_stat_diff(out, &d);
	fputc('\n', out);
	d = (struct report_diff){ &s, 0, 0, -3072, -3 };
	report_mem_stat_diff(out, &d);
	fclose(out);
	ck_assert_str_eq(text, "pipeline.c:88: size=110 KiB, count=1744, average=65 B\n"
			       "pipeline.c:88: size=0 B, count=0\n"
			       "pipeline.c:88: size=110 KiB (+110 KiB), count=1744 (+1744), "
			       "average=65 B\n"
			       "pipeline.c:88: size=0 B (-3072 B), count=0 (-3)");
	free(text);
}
END_TEST

/* ------------------------------------------------------------- reports */

/*
 * Thread 1: stack 1 is alloc_alpha <- outer, stack 2 the call site 0 of
 * site_pc. Allocations (ms): A1 1000 B (1) at 2, A2 3000 B (1) at 3, B1
 * 500 B (2) at 4: the peak, 4500 B; A1 freed at 5; snapshot "mid" at 5.25;
 * B2 100 B (2) at 6, freed at 7: temporary. A2 and B1 leak.
 */
static void basic_trace(bool shadow)
{
	uint64_t st1[2], st2[1] = { site_pc(0) };

	outer(st1);
	if (shadow)
		st1[1] = (uint64_t)outer;
	tb->hdr.end = (struct trace_clock_point){ 9 * MS, 9 * MS };
	tb_chunk(tb, 1, 1 * MS);
	tb_stack(tb, 1 | (shadow ? TRACE_STACK_SHADOW : 0), st1, 2);
	tb_stack(tb, 2, st2, 1);
	tb_alloc(tb, 0x1000, 1000, 1, 2 * MS);
	tb_alloc(tb, 0x2000, 3000, 1, 3 * MS);
	tb_alloc(tb, 0x3000, 500, 2, 4 * MS);
	tb_release(tb, 0x1000, 5 * MS);
	tb_snapshot(tb, "mid", 5 * MS + MS / 4);
	tb_alloc(tb, 0x4000, 100, 2, 6 * MS);
	tb_release(tb, 0x4000, 7 * MS);
}

START_TEST(test_text_report)
{
	struct report_options opt = { .limit = -1 };
	char expect[4096], *text;

	basic_trace(false);
	text = render_from(&opt, "");
	ck_assert_ptr_null(strstr(text, "function calls")); /* no empty call table */
	free(text);
	text = render_from(&opt, "Memory:");
	snprintf(expect, sizeof(expect),
		 "Memory: 4 allocations, 2 frees, 4600 bytes allocated (4600 B)\n"
		 "   peak: 4500 bytes in 3 blocks (4500 B) at 0.004 s\n"
		 "   leaked: 3500 bytes in 2 blocks (3500 B)\n"
		 "   temporary allocations: 1 (25.0%% of allocations), 100 bytes\n"
		 "\n"
		 "Top 2 of 2 allocation sites by bytes, grouped by line:\n"
		 "%s: size=4000 B, count=2, average=2000 B  in alloc_alpha\n"
		 "%s: size=600 B, count=2, average=300 B  in site_pc\n"
		 "\n"
		 "Leaked at end: top 2 of 2 sites by bytes:\n"
		 "%s: size=3000 B, count=1, average=3000 B  in alloc_alpha\n"
		 "%s: size=500 B, count=1, average=500 B  in site_pc\n"
		 "\n"
		 "Live at the peak (0.004 s): top 2 of 2 sites by bytes:\n"
		 "%s: size=4000 B, count=2, average=2000 B  in alloc_alpha\n"
		 "%s: size=500 B, count=1, average=500 B  in site_pc\n"
		 "\n"
		 "Temporary allocations: top 1 of 1 site by count:\n"
		 "%s: size=100 B, count=1, average=100 B  in site_pc\n"
		 "\n"
		 "Snapshots (compare two with --diff OLD NEW):\n"
		 "start (0.000 s): size=0 B, count=0\n"
		 "mid (0.005 s): size=3500 B, count=2, average=1750 B\n"
		 "end (0.009 s): size=3500 B, count=2, average=1750 B\n"
		 "\n",
		 site(7), site(0), site(7), site(0), site(7), site(0), site(0));
	ck_assert_str_eq(text, expect);
	free(text);
}
END_TEST

START_TEST(test_sort_count_limit)
{
	struct report_options opt = { .limit = 1, .mem_sort = REPORT_MEM_SORT_COUNT };
	char expect[512], *text;

	basic_trace(false);
	tb_alloc(tb, 0x5000, 1, 2, 8 * MS); /* site 0 makes 3 allocations now */
	text = render_from(&opt, "Top ");
	snprintf(expect, sizeof(expect),
		 "Top 1 of 2 allocation sites by count, grouped by line:\n"
		 "%s: size=601 B, count=3, average=200 B  in site_pc\n\n"
		 "Leaked at end: top 1 of 2 sites by bytes:\n",
		 site(0));
	ck_assert_msg(!strncmp(text, expect, strlen(expect)), "%s", text);
	free(text);
}
END_TEST

START_TEST(test_group_function)
{
	struct report_options opt = { .limit = -1, .group_by = REPORT_GROUP_FUNCTION };
	char expect[512], *text;
	uint64_t pc[2] = { site_pc(1) };

	basic_trace(false);
	tb_stack(tb, 3, pc, 1); /* another line of site_pc: the same function */
	tb_alloc(tb, 0x5000, 7, 3, 8 * MS);
	text = render_from(&opt, "Top ");
	snprintf(expect, sizeof(expect),
		 "Top 2 of 2 allocation sites by bytes, grouped by function:\n"
		 "check_report_mem.c:%d(alloc_alpha): size=4000 B, count=2, average=2000 B\n"
		 "check_report_mem.c:%d(site_pc): size=607 B, count=3, average=202 B\n\n",
		 alpha_def, site_pc_def);
	ck_assert_msg(!strncmp(text, expect, strlen(expect)), "%s", text);
	free(text);
}
END_TEST

START_TEST(test_group_stack)
{
	struct report_options opt = { .limit = 1, .group_by = REPORT_GROUP_STACK };
	char expect[512], *text;

	basic_trace(false);
	text = render_from(&opt, "Top ");
	snprintf(expect, sizeof(expect),
		 "Top 1 of 2 allocation sites by bytes, grouped by stack:\n"
		 "%s: size=4000 B, count=2, average=2000 B\n"
		 "    %s in alloc_alpha\n"
		 "    check_report_mem.c:%d in outer\n\n",
		 site(7), site(7), outer_line);
	ck_assert_msg(!strncmp(text, expect, strlen(expect)), "%s", text);
	free(text);
}
END_TEST

/* A shadow stack: frame 2 is outer's entry, named by its definition. */
START_TEST(test_group_stack_shadow)
{
	struct report_options opt = { .limit = 1, .group_by = REPORT_GROUP_STACK };
	char expect[512], *text;

	basic_trace(true);
	text = render_from(&opt, "Top ");
	snprintf(expect, sizeof(expect),
		 "Top 1 of 2 allocation sites by bytes, grouped by stack:\n"
		 "%s: size=4000 B, count=2, average=2000 B\n"
		 "    %s in alloc_alpha\n"
		 "    check_report_mem.c:%d(outer)\n\n",
		 site(7), site(7), outer_def);
	ck_assert_msg(!strncmp(text, expect, strlen(expect)), "%s", text);
	free(text);
}
END_TEST

/*
 * A shadow stack whose frame 2 is the entry of the function that contains
 * the call site (frame 1), as the instrumentation records it: that function
 * is named once, in the text and in the JSON.
 */
START_TEST(test_group_stack_shadow_repeat)
{
	struct report_options opt = { .limit = 1, .group_by = REPORT_GROUP_STACK };
	uint64_t st[3];
	char expect[512], *text;

	outer(st);
	st[1] = (uint64_t)alloc_alpha;
	st[2] = (uint64_t)outer;
	tb_chunk(tb, 1, 1 * MS);
	tb_stack(tb, 1 | TRACE_STACK_SHADOW, st, 3);
	tb_alloc(tb, 0x1000, 1000, 1, 2 * MS);
	text = render_from(&opt, "Top ");
	snprintf(expect, sizeof(expect),
		 "Top 1 of 1 allocation site by bytes, grouped by stack:\n"
		 "%s: size=1000 B, count=1, average=1000 B\n"
		 "    %s in alloc_alpha\n"
		 "    check_report_mem.c:%d(outer)\n\n",
		 site(7), site(7), outer_def);
	ck_assert_msg(!strncmp(text, expect, strlen(expect)), "%s", text);
	free(text);
	opt.kind = report_kind_find("json");
	text = render_from(&opt, "\"stack\": [");
	snprintf(expect, sizeof(expect),
		 "\"stack\": [{\"function\": \"alloc_alpha\", \"file\": \"%s\", \"line\": %d, "
		 "\"entry\": false}, {\"function\": \"outer\", \"file\": \"%s\", \"line\": %d, "
		 "\"entry\": true}]",
		 this_file(), site_line[7], this_file(), outer_def);
	ck_assert_msg(!strncmp(text, expect, strlen(expect)), "%s", text);
	free(text);
}
END_TEST

/* Two stacks of the same line are one site under --group-by line, two by stack. */
START_TEST(test_group_line_merges)
{
	struct report_options opt = { .limit = -1 };
	uint64_t st[2] = { site_pc(0), 0x10 };
	char *text;

	basic_trace(false);
	tb_stack(tb, 3, st, 2);
	tb_alloc(tb, 0x5000, 7, 3, 8 * MS);
	text = render_from(&opt, "Top ");
	ck_assert_ptr_nonnull(strstr(text, "Top 2 of 2 allocation sites"));
	free(text);
	opt.group_by = REPORT_GROUP_STACK;
	text = render_from(&opt, "Top ");
	ck_assert_ptr_nonnull(strstr(text, "Top 3 of 3 allocation sites"));
	ck_assert_ptr_nonnull(strstr(text, "\n    0x10\n"));
	free(text);
}
END_TEST

/* ---------------------------------------------------------------- diff */

/*
 * Sites 1 to 6 of site_pc and snapshots a and b made so that every key of
 * tracemalloc's order decides once: abs(size_diff), size, abs(count_diff),
 * count, then the traceback (the later line first).
 */
static void diff_trace(void)
{
	uint64_t pc[1];
	int i;

	tb_chunk(tb, 1, 0);
	for (i = 1; i <= 6; i++) {
		pc[0] = site_pc(i);
		tb_stack(tb, (uint32_t)i, pc, 1);
	}
	tb_alloc(tb, 0x100, 1000, 1, 10);
	tb_alloc(tb, 0x300, 1000, 3, 11);
	tb_alloc(tb, 0x301, 1000, 3, 12);
	tb_alloc(tb, 0x400, 500, 4, 13);
	tb_alloc(tb, 0x500, 300, 5, 14);
	tb_alloc(tb, 0x600, 500, 6, 15);
	tb_snapshot(tb, "a", 20);
	tb_alloc(tb, 0x101, 2000, 1, 21);
	for (i = 0; i < 4; i++)
		tb_alloc(tb, 0x200 + (uint64_t)i, 500, 2, 22 + (uint64_t)i);
	tb_release(tb, 0x300, 30);
	tb_release(tb, 0x301, 31);
	tb_alloc(tb, 0x501, 50, 5, 32);
	tb_alloc(tb, 0x502, 50, 5, 33);
	tb_snapshot(tb, "b", 40);
}

START_TEST(test_diff)
{
	struct report_options opt = { .limit = -1, .diff_old = "a", .diff_new = "b" };
	char expect[2048], *text;

	diff_trace();
	text = render_from(&opt, "Snapshot");
	snprintf(expect, sizeof(expect),
		 "Snapshot 'b' compared to 'a', grouped by line: top 6 of 6 sites:\n"
		 "%s: size=3000 B (+2000 B), count=2 (+1), average=1500 B\n"
		 "%s: size=2000 B (+2000 B), count=4 (+4), average=500 B\n"
		 "%s: size=0 B (-2000 B), count=0 (-2)\n"
		 "%s: size=400 B (+100 B), count=3 (+2), average=133 B\n"
		 "%s: size=500 B (+0 B), count=1 (+0), average=500 B\n"
		 "%s: size=500 B (+0 B), count=1 (+0), average=500 B\n"
		 "\n",
		 site(1), site(2), site(3), site(5), site(6), site(4));
	ck_assert_str_eq(text, expect);
	free(text);
}
END_TEST

/* Render, expecting `status`; what went to stderr. */
static char *render_status(struct report_options *opt, int status)
{
	static char err[1024];
	char *text = NULL;
	size_t len = 0, n;
	FILE *out = open_memstream(&text, &len), *capture = tmpfile();
	int saved = dup(2);

	opt->trace = tb_write(tb);
	fflush(stderr);
	dup2(fileno(capture), 2);
	ck_assert_int_eq(report_run(opt, out), status);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(capture);
	n = fread(err, 1, sizeof(err) - 1, capture);
	err[n] = '\0';
	fclose(capture);
	fclose(out);
	free(text);
	return err;
}

START_TEST(test_diff_labels)
{
	struct report_options opt = { .limit = -1, .diff_old = "a", .diff_new = "nope" };
	char expect[1024];
	const char *err;

	diff_trace();
	tb_snapshot(tb, "a", 41); /* a duplicate label: the first one counts */
	err = render_status(&opt, EXIT_USAGE);
	snprintf(expect, sizeof(expect),
		 "mprof-report: warning: '%s': 2 snapshots are labeled 'a'; comparing the first\n"
		 "mprof-report: no snapshot 'nope' in '%s' (its snapshots: 'start', 'a', 'b', "
		 "'end')\n",
		 opt.trace, opt.trace);
	ck_assert_str_eq(err, expect);

	tb_free(tb);
	tb = tb_new();
	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x10, 1);
	opt.diff_old = "start";
	err = render_status(&opt, EXIT_USAGE);
	snprintf(expect, sizeof(expect),
		 "mprof-report: no snapshot 'start' in '%s' (it has no memory events)\n",
		 opt.trace);
	ck_assert_str_eq(err, expect);
}
END_TEST

START_TEST(test_diff_stack)
{
	struct report_options opt = {
		.limit = 1, .diff_old = "start", .diff_new = "end", .group_by = REPORT_GROUP_STACK
	};
	char expect[512], *text;

	basic_trace(false);
	text = render_from(&opt, "Snapshot");
	snprintf(expect, sizeof(expect),
		 "Snapshot 'end' compared to 'start', grouped by stack: top 1 of 2 sites:\n"
		 "%s: size=3000 B (+3000 B), count=1 (+1), average=3000 B\n"
		 "    %s in alloc_alpha\n"
		 "    check_report_mem.c:%d in outer\n\n",
		 site(7), site(7), outer_line);
	ck_assert_str_eq(text, expect);
	free(text);
}
END_TEST

/* ------------------------------------------------------ function table */

/*
 * main (0x10) allocates 1000 B itself; f (0x20) 100 B, then recursing, 50 B
 * more, and g (0x30), called from the inner f, 7 B. 3 B are allocated with
 * no function open.
 */
static void calls_trace(void)
{
	tb->hdr.features = TRACE_FEAT_CALLS | TRACE_FEAT_ALLOC;
	tb->hdr.end = (struct trace_clock_point){ 100, 100 };
	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x10, 0);
	tb_enter(tb, 0x20, 10);
	tb_alloc(tb, 0x1000, 100, 0, 11);
	tb_enter(tb, 0x20, 20);
	tb_alloc(tb, 0x2000, 50, 0, 21);
	tb_enter(tb, 0x30, 22);
	tb_realloc(tb, 0, 0x3000, 7, 0, 23, 23);
	tb_exit(tb, 24);
	tb_release(tb, 0x2000, 25);
	tb_exit(tb, 30);
	tb_exit(tb, 40);
	tb_alloc(tb, 0x4000, 1000, 0, 41);
	tb_exit(tb, 50);
	tb_alloc(tb, 0x5000, 3, 0, 60);
}

START_TEST(test_alloc_columns)
{
	struct trace_reader r;
	struct cs_profile prof;
	const struct cs_func *f;

	calls_trace();
	ck_assert_int_eq(trace_reader_open(&r, tb_write(tb)), 0);
	cs_profile_init(&prof, 0, 0);
	ck_assert_int_eq(cs_profile_read(&prof, &r), 0);
	ck_assert_uint_eq(prof.mem_events, 6);
	f = cs_table_find(&prof.merged, 0x10);
	ck_assert_uint_eq(f->st.alloc_self, 1000);
	ck_assert_uint_eq(f->st.alloc_cum, 1157);
	f = cs_table_find(&prof.merged, 0x20);
	ck_assert_uint_eq(f->st.alloc_self, 150);
	ck_assert_uint_eq(f->st.alloc_cum, 157); /* once, though f is open twice */
	f = cs_table_find(&prof.merged, 0x30);
	ck_assert_uint_eq(f->st.alloc_self, 7);
	ck_assert_uint_eq(f->st.alloc_cum, 7);
	cs_profile_release(&prof);
	trace_reader_release(&r);
}
END_TEST

/* A row with memory columns, its times in ns shown in nanoseconds. */
static void mem_row(char *buf, size_t len, const char *ncalls, uint64_t calls, uint64_t prim,
		    uint64_t self, uint64_t cum, const char *totalloc, const char *cumalloc,
		    const char *label)
{
	size_t used = strlen(buf);

	snprintf(buf + used, len - used, "%9s %8.3f %8.3f %8.3f %8.3f %9s %9s %s\n", ncalls,
		 (double)self, (double)self / (double)calls, (double)cum,
		 (double)cum / (double)prim, totalloc, cumalloc, label);
}

START_TEST(test_alloc_columns_text)
{
	struct report_options opt = { .limit = -1, .sort = REPORT_SORT_CUMALLOC };
	char expect[4096], *text;

	calls_trace();
	text = render_from(&opt, "   Ordered by:");
	/* Ticks are ns; g's 2 ns read 0.002 in microseconds: the table is in ns. */
	snprintf(expect, sizeof(expect),
		 "   Ordered by: cumulative bytes allocated\n"
		 "   Times in nanoseconds (ns)\n"
		 "\n"
		 "   ncalls  tottime  percall  cumtime  percall  totalloc  cumalloc "
		 "filename:lineno(function)\n");
	/* main [0,50] around f [10,40] (f's time less g's [22,24] is its self time) */
	mem_row(expect, sizeof(expect), "1", 1, 1, 50 - 30, 50, "1000 B", "1157 B", "~:0(0x10)");
	mem_row(expect, sizeof(expect), "2/1", 2, 1, (40 - 10) - (24 - 22), 40 - 10, "150 B",
		"157 B", "~:0(0x20)");
	mem_row(expect, sizeof(expect), "1", 1, 1, 24 - 22, 24 - 22, "7 B", "7 B", "~:0(0x30)");
	strcat(expect, "\n"
		       "\n"
		       "Memory: 5 allocations, 1 free, 1160 bytes allocated (1160 B)\n"
		       "   peak: 1110 bytes in 4 blocks (1110 B) at 0.000 s\n"
		       "   leaked: 1110 bytes in 4 blocks (1110 B)\n"
		       "   temporary allocations: 0 (0.0% of allocations), 0 bytes\n"
		       "\n"
		       "Top 1 of 1 allocation site by bytes, grouped by line:\n"
		       "<unknown>:0: size=1160 B, count=5, average=232 B\n"
		       "\n"
		       "Leaked at end: top 1 of 1 site by bytes:\n"
		       "<unknown>:0: size=1110 B, count=4, average=278 B\n"
		       "\n"
		       "Live at the peak (0.000 s): top 1 of 1 site by bytes:\n"
		       "<unknown>:0: size=1110 B, count=4, average=278 B\n"
		       "\n"
		       "Snapshots (compare two with --diff OLD NEW):\n"
		       "start (0.000 s): size=0 B, count=0\n"
		       "end (0.000 s): size=1110 B, count=4, average=278 B\n"
		       "\n");
	ck_assert_str_eq(text, expect);
	free(text);
	/* --unit s: pstats's form, the memory columns after it */
	opt.unit = REPORT_UNIT_S;
	text = render_from(&opt, "   Ordered by:");
	ck_assert_ptr_nonnull(strstr(text,
				     "   Ordered by: cumulative bytes allocated\n"
				     "\n"
				     "   ncalls  tottime  percall  cumtime  percall  totalloc  "
				     "cumalloc filename:lineno(function)\n"
				     "        1    0.000    0.000    0.000    0.000    1000 B    "
				     "1157 B ~:0(0x10)\n"));
	free(text);
}
END_TEST

/* ---------------------------------------------------------------- JSON */

/* Replace the paths of this file in `text` by "F" (compilers spell them differently). */
static void short_paths(char *text)
{
	static const char name[] = "check_report_mem.c\"";
	char *p = text, *end;

	while ((p = strstr(p, "\"file\": \"")) != NULL) {
		p += 9;
		end = strchr(p, '"');
		ck_assert_ptr_nonnull(end);
		if (end - p >= (long)sizeof(name) - 2 &&
		    !strncmp(end - (sizeof(name) - 2), name, sizeof(name) - 1)) {
			*p = 'F';
			memmove(p + 1, end, strlen(end) + 1);
		}
		p++;
	}
}

START_TEST(test_json_memory)
{
	struct report_options opt = { .limit = -1, .kind = report_kind_find("json") };
	char expect[2048], *text;

	calls_trace();
	text = render_from(&opt, NULL);
	ck_assert_ptr_nonnull(strstr(text,
				     "\"calls\": 1, \"primitive_calls\": 1, \"self_ns\": 20, "
				     "\"cumulative_ns\": 50, \"oncpu_ns\": null, "
				     "\"offcpu_ns\": null, \"cumulative_oncpu_ns\": null, "
				     "\"cumulative_offcpu_ns\": null, \"alloc_bytes_self\": 1000, "
				     "\"alloc_bytes_cumulative\": 1157, \"callers\": []}"));
	free(text);

	tb_free(tb);
	setup();
	basic_trace(false);
	opt.diff_old = "mid";
	opt.diff_new = "end";
	opt.limit = 1;
	text = render_from(&opt, NULL);
	short_paths(text);
	ck_assert_ptr_null(strstr(text, "alloc_bytes_self")); /* no calls */
	snprintf(
	    expect, sizeof(expect),
	    "\"memory\": {\"allocations\": 4, \"frees\": 2, \"bytes_allocated\": 4600, "
	    "\"peak_bytes\": 4500, \"peak_blocks\": 3, \"peak_ns\": 4000000, "
	    "\"leaked_blocks\": 2, \"leaked_bytes\": 3500, \"live_at_end_blocks\": 2, "
	    "\"live_at_end_bytes\": 3500, \"temporary\": 1, "
	    "\"temporary_bytes\": 100, \"unknown_frees\": 0, \"replaced\": 0, "
	    "\"out_of_order\": 0, \"group_by\": \"line\", \"sites_total\": 2,\n"
	    "    \"sites\": [\n"
	    "      {\"label\": \"%s\", \"function\": \"alloc_alpha\", \"file\": \"F\", "
	    "\"line\": %d, \"allocations\": 2, \"bytes\": 4000, \"leaked_blocks\": 1, "
	    "\"leaked_bytes\": 3000, \"live_at_end_blocks\": 1, \"live_at_end_bytes\": 3000, "
	    "\"temporary\": 0, \"temporary_bytes\": 0, "
	    "\"peak_blocks\": 2, \"peak_bytes\": 4000}\n"
	    "    ]},\n"
	    "  \"snapshots\": [\n"
	    "    {\"label\": \"start\", \"ns\": 0, \"live_blocks\": 0, \"live_bytes\": 0, "
	    "\"implicit\": true},\n"
	    "    {\"label\": \"mid\", \"ns\": 5250000, \"live_blocks\": 2, \"live_bytes\": "
	    "3500, \"implicit\": false},\n"
	    "    {\"label\": \"end\", \"ns\": 9000000, \"live_blocks\": 2, \"live_bytes\": "
	    "3500, \"implicit\": true}\n"
	    "  ],\n"
	    "  \"diff\": [\n"
	    "    {\"label\": \"%s\", \"function\": \"alloc_alpha\", \"file\": \"F\", "
	    "\"line\": %d, \"size\": 3000, \"size_diff\": 0, \"count\": 1, \"count_diff\": 0}\n"
	    "  ]\n}\n",
	    site(7), site_line[7], site(7), site_line[7]);
	ck_assert_ptr_nonnull(strstr(text, expect));
	free(text);
}
END_TEST

static Suite *report_mem_suite(void)
{
	Suite *s = suite_create("report_mem");
	TCase *tc = tcase_create("formats");

	tcase_add_test(tc, test_format_size);
	tcase_add_test(tc, test_stat_lines);
	suite_add_tcase(s, tc);

	tc = tcase_create("text");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_text_report);
	tcase_add_test(tc, test_sort_count_limit);
	tcase_add_test(tc, test_group_function);
	tcase_add_test(tc, test_group_stack);
	tcase_add_test(tc, test_group_stack_shadow);
	tcase_add_test(tc, test_group_stack_shadow_repeat);
	tcase_add_test(tc, test_group_line_merges);
	suite_add_tcase(s, tc);

	tc = tcase_create("diff");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_diff);
	tcase_add_test(tc, test_diff_labels);
	tcase_add_test(tc, test_diff_stack);
	suite_add_tcase(s, tc);

	tc = tcase_create("functions");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_alloc_columns);
	tcase_add_test(tc, test_alloc_columns_text);
	tcase_add_test(tc, test_json_memory);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(report_mem_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
