/* SPDX-License-Identifier: MIT */
/*
 * check_trace_read.c - unit tests of the trace reader (tools/trace_read.c):
 * header validation and its messages, record decoding, chunk handling,
 * damaged and cut-short traces, clock calibration.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace_builder.h"
#include "trace_read.h"

/* ------------------------------------------------------------- helpers */

static struct tb *tb;
static FILE *capture_file;
static int saved_stderr = -1;
static char captured[8192];

static void setup(void)
{
	tb = tb_new();
}

static void teardown(void)
{
	tb_free(tb);
}

/* Send stderr to a temporary file until capture_end(). */
static void capture_begin(void)
{
	fflush(stderr);
	capture_file = tmpfile();
	ck_assert_ptr_nonnull(capture_file);
	saved_stderr = dup(2);
	dup2(fileno(capture_file), 2);
}

static const char *capture_end(void)
{
	size_t n;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	rewind(capture_file);
	n = fread(captured, 1, sizeof(captured) - 1, capture_file);
	captured[n] = '\0';
	fclose(capture_file);
	return captured;
}

/* What the reader prints about `path`. */
static const char *expect_line(const char *path, const char *what)
{
	static char line[1024];

	snprintf(line, sizeof(line), "mprof-report: '%s': %s\n", path, what);
	return line;
}

/* Open `path`, expecting failure; the message printed. */
static const char *open_error(const char *path)
{
	struct trace_reader r;
	int ret;

	capture_begin();
	ret = trace_reader_open(&r, path);
	capture_end();
	ck_assert_int_eq(ret, -1);
	return captured;
}

struct event {
	int kind;
	uint32_t serial;
	uint64_t fn, ticks;
};

struct events {
	struct event ev[256];
	size_t n;
	int ret; /* of the whole read: 0 or -1 */
};

/* Read every function event of `path`, stderr captured. */
static void read_events(const char *path, struct events *out, struct trace_reader *keep)
{
	struct trace_reader r;
	struct trace_chunk c;
	uint64_t fn = 0;
	int ret, ev = 0;

	memset(out, 0, sizeof(*out));
	capture_begin();
	ck_assert_int_eq(trace_reader_open(&r, path), 0);
	while ((ret = trace_reader_next(&r, &c)) > 0) {
		while ((ev = trace_chunk_next(&c, &fn)) > 0) {
			if (out->n < ARRAY_SIZE(out->ev))
				out->ev[out->n++] =
				    (struct event){ ev, c.thread->serial, fn, c.ticks };
		}
		if (ev < 0)
			break;
	}
	out->ret = ret < 0 || ev < 0 ? -1 : 0;
	capture_end();
	if (keep)
		*keep = r;
	else
		trace_reader_release(&r);
}

static void check_event(const struct events *e, size_t i, int kind, uint64_t fn, uint64_t ticks)
{
	ck_assert_uint_lt(i, e->n);
	ck_assert_int_eq(e->ev[i].kind, kind);
	if (kind == TRACE_EV_ENTER)
		ck_assert_uint_eq(e->ev[i].fn, fn);
	ck_assert_uint_eq(e->ev[i].ticks, ticks);
}

/* --------------------------------------------------------- the header */

static void check_header_error(void (*damage)(struct trace_file_header *), const char *what)
{
	struct tb *t = tb_new();
	const char *path;

	damage(&t->hdr);
	path = tb_write(t);
	ck_assert_str_eq(open_error(path), expect_line(path, what));
	tb_free(t);
}

static void newer_version(struct trace_file_header *h)
{
	h->version = 7;
}
static void older_version(struct trace_file_header *h)
{
	h->version = 0;
}
static void swapped(struct trace_file_header *h)
{
	h->endian = __builtin_bswap32(TRACE_ENDIAN_MARK);
}
static void bad_mark(struct trace_file_header *h)
{
	h->endian = 0x11111111;
}
static void small_header(struct trace_file_header *h)
{
	h->header_size = 100;
}
static void tiny_chunk(struct trace_file_header *h)
{
	h->chunk_size = 1000;
}
static void odd_chunk(struct trace_file_header *h)
{
	h->chunk_size = TRACE_CHUNK_MIN + 100;
}
static void huge_chunk(struct trace_file_header *h)
{
	h->chunk_size = 2 * TRACE_CHUNK_MAX;
}
static void bad_clock(struct trace_file_header *h)
{
	h->clock_source = 9;
}

START_TEST(test_header_fields)
{
	check_header_error(newer_version, "trace version 7 is newer than this reader (1)");
	check_header_error(older_version, "unsupported trace version 0");
	check_header_error(swapped, "trace written on a machine of the other byte order");
	check_header_error(bad_mark, "bad byte order mark 0x11111111");
	check_header_error(small_header, "bad header size 100");
	check_header_error(tiny_chunk, "bad chunk size 1000");
	check_header_error(odd_chunk, "bad chunk size 65636");
	check_header_error(huge_chunk, "bad chunk size 134217728");
	check_header_error(bad_clock, "unknown clock source 9");
}
END_TEST

START_TEST(test_not_a_trace)
{
	static const char text[] = "hello, this is a text file\n";
	unsigned char noise[5000];
	const char *path;
	size_t i;

	srand(1);
	for (i = 0; i < sizeof(noise); i++)
		noise[i] = (unsigned char)rand();
	noise[0] = 'x';
	path = tb_write_bytes(tb, "", 0);
	ck_assert_str_eq(open_error(path), expect_line(path, "empty file, not an mprof trace"));
	path = tb_write_bytes(tb, text, sizeof(text) - 1);
	ck_assert_str_eq(open_error(path), expect_line(path, "not an mprof trace"));
	path = tb_write_bytes(tb, noise, sizeof(noise));
	ck_assert_str_eq(open_error(path), expect_line(path, "not an mprof trace"));
	path = tb_write_bytes(tb, "MPRO", 4);
	ck_assert_str_eq(open_error(path), expect_line(path, "truncated header: the file was cut "
							     "inside its header (4 bytes)"));
	path = tb_write_cut(tb, 200);
	ck_assert_str_eq(open_error(path), expect_line(path, "truncated header: the file was cut "
							     "inside its header (200 bytes)"));
	tb->hdr.header_size = 8192;
	path = tb_write_cut(tb, 4096);
	ck_assert_str_eq(open_error(path),
			 expect_line(path, "truncated header: the file was cut inside its header "
					   "area (4096 of 8192 bytes)"));
}
END_TEST

START_TEST(test_not_a_file)
{
	const char *path = tb_missing_path(tb);

	ck_assert_str_eq(open_error(path), expect_line(path, "No such file or directory"));
	ck_assert_str_eq(open_error(tb_dir(tb)), expect_line(tb_dir(tb), "is a directory"));
	ck_assert_str_eq(open_error("/dev/null"),
			 expect_line("/dev/null", "not a regular file (a character device)"));
}
END_TEST

START_TEST(test_empty_trace)
{
	struct events e;

	read_events(tb_write(tb), &e, NULL);
	ck_assert_int_eq(e.ret, 0);
	ck_assert_uint_eq(e.n, 0);
	ck_assert_str_eq(captured, "");
}
END_TEST

/* ------------------------------------------------------------ records */

START_TEST(test_decode)
{
	struct trace_reader r;
	struct events e;

	tb_chunk(tb, 1, 100);
	tb_thread_start(tb, 777, 90);
	tb_enter(tb, 0x401000, 110);
	tb_enter(tb, 0x402000, 120);
	tb_exit(tb, 150);
	tb_enter(tb, 0x403000, 150 + 100000); /* needs a time record */
	tb_exit(tb, 150 + 100001);
	tb_enter_full(tb, 0xffff800000001000ull, 300000);
	tb_exit(tb, 300005);
	tb_exit(tb, 300010);
	tb_thread_end(tb, 300020, tb_events(tb, 1), 0);
	read_events(tb_write(tb), &e, &r);
	ck_assert_int_eq(e.ret, 0);
	ck_assert_str_eq(captured, "");
	ck_assert_uint_eq(e.n, 8);
	check_event(&e, 0, TRACE_EV_ENTER, 0x401000, 110);
	check_event(&e, 1, TRACE_EV_ENTER, 0x402000, 120);
	check_event(&e, 2, TRACE_EV_EXIT, 0, 150);
	check_event(&e, 3, TRACE_EV_ENTER, 0x403000, 100150);
	check_event(&e, 4, TRACE_EV_EXIT, 0, 100151);
	check_event(&e, 5, TRACE_EV_ENTER, 0xffff800000001000ull, 300000);
	check_event(&e, 6, TRACE_EV_EXIT, 0, 300005);
	check_event(&e, 7, TRACE_EV_EXIT, 0, 300010);
	ck_assert_uint_eq(r.threads->tid, 777);
	ck_assert_uint_eq(r.threads->first_ticks, 90);
	ck_assert_uint_eq(r.threads->last_ticks, 300020);
	ck_assert_uint_eq(r.threads->events, 8);
	ck_assert(trace_reader_complete(&r));
	trace_reader_release(&r);
}
END_TEST

START_TEST(test_unknown_ext_skipped)
{
	uint64_t payload[3] = { 1, 2, 3 };
	struct events e;

	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x1000, 10);
	tb_ext(tb, 99, 0xabc, payload, 4);
	tb_ext(tb, 0, 0, NULL, 1);
	tb_exit(tb, 25);
	read_events(tb_write(tb), &e, NULL);
	ck_assert_int_eq(e.ret, 0);
	ck_assert_uint_eq(e.n, 2);
	check_event(&e, 0, TRACE_EV_ENTER, 0x1000, 10);
	check_event(&e, 1, TRACE_EV_EXIT, 0, 25);
}
END_TEST

START_TEST(test_chunk_base)
{
	struct trace_reader r;
	struct events e;

	tb_chunk(tb, 1, 100);
	tb_enter(tb, 0x1000, 150);
	tb_chunk(tb, 2, 120);
	tb_enter(tb, 0x2000, 130);
	tb_chunk(tb, 1, 1000); /* thread 1 again: deltas count from 1000 */
	tb_exit(tb, 1010);
	tb_unused_chunk(tb);
	read_events(tb_write(tb), &e, &r);
	ck_assert_int_eq(e.ret, 0);
	ck_assert_uint_eq(e.n, 3);
	check_event(&e, 0, TRACE_EV_ENTER, 0x1000, 150);
	check_event(&e, 1, TRACE_EV_ENTER, 0x2000, 130);
	check_event(&e, 2, TRACE_EV_EXIT, 0, 1010);
	ck_assert_uint_eq(e.ev[2].serial, 1);
	ck_assert_uint_eq(r.chunks_unused, 1);
	ck_assert_uint_eq(HASH_COUNT(r.threads), 2);
	trace_reader_release(&r);
}
END_TEST

START_TEST(test_lost_events)
{
	struct trace_reader r;
	struct events e;

	tb->hdr.lost_events = 2;
	tb_chunk(tb, 1, 0);
	tb_chunk_header(tb)->lost = 5;
	tb_enter(tb, 0x1000, 10);
	tb_chunk(tb, 2, 0);
	tb_chunk_header(tb)->lost = 1;
	read_events(tb_write(tb), &e, &r);
	ck_assert_uint_eq(trace_reader_lost(&r), 8);
	ck_assert_uint_eq(r.threads->lost, 5);
	trace_reader_release(&r);
}
END_TEST

struct seen_modules {
	char path[2][64];
	uint64_t lo[2], ticks[2];
	size_t idlen[2];
	unsigned char id0;
	size_t n;
};

static void on_module(void *arg, const struct trace_module *m)
{
	struct seen_modules *s = arg;

	ck_assert_uint_lt(s->n, 2);
	snprintf(s->path[s->n], sizeof(s->path[0]), "%s", m->path);
	s->lo[s->n] = m->lo;
	s->ticks[s->n] = m->ticks;
	s->idlen[s->n] = m->buildid_len;
	if (m->buildid)
		s->id0 = m->buildid[0];
	s->n++;
}

START_TEST(test_modules)
{
	static const unsigned char id[20] = { 0xab, 1, 2, 3 };
	struct seen_modules seen = { 0 };
	struct trace_reader r;
	struct trace_chunk c;

	tb_process_chunk(tb, 0);
	tb_maps(tb, 77, TRACE_MAPS_START, 2);
	tb_module(tb, "/usr/bin/prog", 0x400000, 0x400000, 0x401000, id, sizeof(id));
	tb_module(tb, "/lib/libc.so.6", 0x7f0000000000, 0x7f0000001000, 0x7f0000090000, NULL, 0);
	ck_assert_int_eq(trace_reader_open(&r, tb_write(tb)), 0);
	trace_reader_on_module(&r, on_module, &seen);
	ck_assert_int_eq(trace_reader_next(&r, &c), 0);
	ck_assert_uint_eq(seen.n, 2);
	ck_assert_str_eq(seen.path[0], "/usr/bin/prog");
	ck_assert_str_eq(seen.path[1], "/lib/libc.so.6");
	ck_assert_uint_eq(seen.lo[1], 0x7f0000001000);
	ck_assert_uint_eq(seen.ticks[0], 77);
	ck_assert_uint_eq(seen.idlen[0], 20);
	ck_assert_uint_eq(seen.id0, 0xab);
	ck_assert_uint_eq(seen.idlen[1], 0);
	trace_reader_release(&r);
}
END_TEST

/* --------------------------------------------------------- corruption */

/* The error printed for a trace whose only chunk holds `damage`. */
static void check_corrupt(void (*damage)(struct tb *), const char *what)
{
	struct tb *t = tb_new();
	const char *path;
	struct events e;
	char msg[512];

	tb_chunk(t, 1, 0);
	tb_enter(t, 0x1000, 10);
	damage(t);
	path = tb_write(t);
	read_events(path, &e, NULL);
	ck_assert_int_eq(e.ret, -1);
	snprintf(msg, sizeof(msg), "corrupt chunk 0 at offset %s", what);
	ck_assert_str_eq(captured, expect_line(path, msg));
	tb_free(t);
}

static void tag_zero(struct tb *t)
{
	tb_word(t, 0x100);
}
static void zero_words(struct tb *t)
{
	tb_word(t, trace_ext_word(TRACE_EXT_TIME, 0, 0));
}
static void short_time(struct tb *t)
{
	tb_ext(t, TRACE_EXT_TIME, 0, NULL, 1);
}
static void past_end(struct tb *t)
{
	while (t->pos < tb_chunk_words(t) - 2)
		tb_exit(t, 10);
	tb_word(t, trace_ext_word(TRACE_EXT_TIME, 5, 0));
}
static void bad_module(struct tb *t)
{
	uint64_t w[4] = { 0 };

	tb_ext(t, TRACE_EXT_MODULE, 100, w, 5);
}

START_TEST(test_corrupt_records)
{
	char where[64];

	check_corrupt(tag_zero, "4168: record with tag 0");
	check_corrupt(zero_words, "4168: extended record of 0 words");
	check_corrupt(short_time, "4168: time record shorter than 2 words");
	snprintf(where, sizeof(where), "%u: record runs past the end of the chunk",
		 TRACE_HEADER_SIZE + TRACE_CHUNK_MIN - 16);
	check_corrupt(past_end, where);
	check_corrupt(bad_module, "4168: module record lengths inconsistent");
}
END_TEST

START_TEST(test_corrupt_chunks)
{
	const char *path;
	struct events e;

	tb_chunk(tb, 1, 0);
	tb_chunk_header(tb)->magic = 0x12345678;
	path = tb_write(tb);
	read_events(path, &e, NULL);
	ck_assert_int_eq(e.ret, -1);
	ck_assert_str_eq(
	    captured,
	    expect_line(path, "corrupt chunk 0 at offset 4096: bad chunk magic 0x12345678"));

	tb_chunk_header(tb)->magic = TRACE_CHUNK_MAGIC;
	tb_chunk_header(tb)->seq = 3;
	tb_chunk(tb, 1, 0);
	tb_chunk_header(tb)->seq = 2;
	path = tb_write(tb);
	read_events(path, &e, NULL);
	ck_assert_int_eq(e.ret, -1);
	ck_assert_str_eq(captured, expect_line(path, "corrupt chunk 1 at offset 69632: thread 1 "
						     "chunk sequence 2 after 3"));

	tb_chunk_header(tb)->seq = 4;
	tb_process_chunk(tb, 0);
	tb_word(tb, 0x1000 << TRACE_ENTER_FN_SHIFT | TRACE_TAG_ENTER);
	path = tb_write(tb);
	read_events(path, &e, NULL);
	ck_assert_int_eq(e.ret, -1);
	ck_assert_str_eq(captured, expect_line(path, "corrupt chunk 2 at offset 135232: function "
						     "event in a process chunk"));
}
END_TEST

/* Random words after a valid chunk header: an error or not, never a crash. */
START_TEST(test_random_records)
{
	unsigned seed;

	for (seed = 1; seed <= 40; seed++) {
		struct events e;
		size_t i;

		tb_free(tb);
		tb = tb_new();
		srand(seed);
		tb_chunk(tb, 1, 0);
		for (i = 0; i < 4000; i++)
			tb_word(tb, (uint64_t)rand() << 33 ^ (uint64_t)rand() << 2 ^
					(uint64_t)(rand() % 4 ? 3 - rand() % 3 : rand()));
		read_events(tb_write(tb), &e, NULL);
		if (e.ret < 0) {
			ck_assert_ptr_nonnull(strstr(captured, "': corrupt chunk 0 at offset "));
			ck_assert_ptr_eq(strchr(captured, '\n'), captured + strlen(captured) - 1);
		}
	}
}
END_TEST

/* ---------------------------------------------------------- cut short */

/* The one warning line about `path`: "trace cut short" and `why`. */
static void check_cut_warning(const char *path, const char *why)
{
	char line[1024];

	snprintf(line, sizeof(line), "mprof-report: warning: '%s': trace cut short%s\n", path, why);
	ck_assert_str_eq(captured, line);
}

START_TEST(test_cut_short_warning)
{
	const char *path;
	struct events e;

	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x1000, 10);
	tb_chunk(tb, 1, 10);
	tb_enter(tb, 0x2000, 20);
	tb_time(tb, 500000);
	tb_exit(tb, 500005);
	path = tb_write_cut(tb, TRACE_HEADER_SIZE + TRACE_CHUNK_MIN + 64 + 16);
	read_events(path, &e, NULL);
	ck_assert_int_eq(e.ret, 0);
	ck_assert_uint_eq(e.n, 2);
	check_event(&e, 1, TRACE_EV_ENTER, 0x2000, 20);
	check_cut_warning(path, ": the file ends inside chunk 2");

	path = tb_write_cut(tb, TRACE_HEADER_SIZE + TRACE_CHUNK_MIN + 40);
	read_events(path, &e, NULL);
	ck_assert_int_eq(e.ret, 0);
	ck_assert_uint_eq(e.n, 1);
	check_cut_warning(path, ": the file ends inside chunk 2");

	tb->hdr.flags = 0;
	path = tb_write(tb);
	read_events(path, &e, NULL);
	ck_assert_int_eq(e.ret, 0);
	ck_assert_uint_eq(e.n, 3);
	check_cut_warning(path, " (the process did not finish normally)");
}
END_TEST

/* Three chunks, each with a call; the header counts them as the runtime does. */
static void three_chunks(void)
{
	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x1000, 10);
	tb_chunk(tb, 1, 10);
	tb_exit(tb, 20);
	tb_chunk(tb, 1, 20);
	tb_enter(tb, 0x2000, 30);
	tb_exit(tb, 40);
	tb_thread_end(tb, 50, tb_events(tb, 1), 0);
	tb->hdr.nchunks = tb->nchunks;
}

/* A file cut at a chunk boundary: whole chunks, so only the header's count tells. */
START_TEST(test_cut_at_chunk_boundary)
{
	struct trace_reader r;
	const char *path;
	struct events e;
	char why[256];
	size_t keep;

	three_chunks();
	for (keep = 1; keep < tb->nchunks; keep++) {
		path = tb_write_cut(tb, TRACE_HEADER_SIZE + keep * TRACE_CHUNK_MIN);
		read_events(path, &e, &r);
		ck_assert_int_eq(e.ret, 0);
		ck_assert(trace_reader_cut(&r));
		ck_assert(!trace_reader_complete(&r));
		ck_assert(trace_reader_ended(&r));
		trace_reader_release(&r);
		snprintf(why, sizeof(why),
			 ": the file holds %zu of the %zu chunks the process wrote (%zu missing)",
			 keep, tb->nchunks, tb->nchunks - keep);
		check_cut_warning(path, why);
	}
	/* Inside a chunk, with the count: which chunk, how many after it. */
	path = tb_write_cut(tb, TRACE_HEADER_SIZE + TRACE_CHUNK_MIN + 100);
	read_events(path, &e, NULL);
	ck_assert_int_eq(e.ret, 0);
	snprintf(why, sizeof(why),
		 ": the file ends inside chunk 2 of the %zu the process wrote (%zu missing "
		 "after it)",
		 tb->nchunks, tb->nchunks - 2);
	check_cut_warning(path, why);
	/* A process that did not finish, cut too: one line says both. */
	tb->hdr.flags = 0;
	path = tb_write_cut(tb, TRACE_HEADER_SIZE + TRACE_CHUNK_MIN);
	read_events(path, &e, NULL);
	snprintf(why, sizeof(why),
		 ": the file holds 1 of the %zu chunks the process wrote (%zu missing); the "
		 "process did not finish normally",
		 tb->nchunks, tb->nchunks - 1);
	check_cut_warning(path, why);
	/* Whole: no warning, complete. */
	tb->hdr.flags = TRACE_FLAG_COMPLETE;
	read_events(tb_write(tb), &e, &r);
	ck_assert_str_eq(captured, "");
	ck_assert(trace_reader_complete(&r));
	ck_assert(!trace_reader_cut(&r));
	trace_reader_release(&r);
}
END_TEST

/* Cut at the end of the header area: refused, one line, whatever the clock says. */
START_TEST(test_cut_at_header)
{
	const char *path;
	char what[256];

	three_chunks();
	path = tb_write_cut(tb, TRACE_HEADER_SIZE);
	snprintf(what, sizeof(what),
		 "truncated trace: the file ends with its header area, none of the %zu chunks "
		 "the process wrote is there",
		 tb->nchunks);
	ck_assert_str_eq(open_error(path), expect_line(path, what));
	/* Without the count (an older trace), a process that did not finish. */
	tb->hdr.nchunks = 0;
	tb->hdr.flags = 0;
	path = tb_write_cut(tb, TRACE_HEADER_SIZE);
	ck_assert_str_eq(open_error(path),
			 expect_line(path, "truncated trace: the file ends with its header area "
					   "and the process did not finish"));
}
END_TEST

/* A process that ended through _exit or exec is not told its trace was cut. */
START_TEST(test_ended_without_finalizing)
{
	static const unsigned hows[] = { TRACE_END_EXIT, TRACE_END__EXIT, TRACE_END_EXEC };
	struct trace_reader r;
	struct events e;
	size_t i;

	three_chunks();
	tb->hdr.flags = 0;
	for (i = 0; i < ARRAY_SIZE(hows); i++) {
		tb->hdr.end_how = hows[i];
		tb->hdr.exit_status = 3;
		read_events(tb_write(tb), &e, &r);
		ck_assert_int_eq(e.ret, 0);
		ck_assert_str_eq(captured, "");
		ck_assert(trace_reader_ended(&r));
		ck_assert(trace_reader_complete(&r));
		trace_reader_release(&r);
	}
	tb->hdr.end_how = 99; /* from a newer writer: not known to have ended */
	read_events(tb_write(tb), &e, &r);
	ck_assert(!trace_reader_ended(&r));
	trace_reader_release(&r);
}
END_TEST

START_TEST(test_thread_end_mismatch)
{
	const char *path;
	struct events e;
	char line[1024];

	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x1000, 10);
	tb_exit(tb, 20);
	tb_thread_end(tb, 30, 10, 8);
	path = tb_write(tb);
	read_events(path, &e, NULL);
	ck_assert_int_eq(e.ret, 0);
	snprintf(line, sizeof(line),
		 "mprof-report: warning: '%s': thread 1 recorded 10 events, the trace holds 2 "
		 "(events were lost)\n",
		 path);
	ck_assert_str_eq(captured, line);
}
END_TEST

/* ------------------------------------------------------------- memory */

struct mem_event {
	int kind;
	uint64_t ticks; /* the cursor's: function events only move it */
	struct trace_mem m;
	uint64_t frames[4];
	char label[64];
};

struct mem_events {
	struct mem_event ev[64];
	size_t n;
	int ret;
};

/* Read every event of `path`, memory events included, stderr captured. */
static void read_mem_events(const char *path, struct mem_events *out, struct trace_reader *keep)
{
	struct trace_reader r;
	struct trace_chunk c;
	uint64_t fn = 0;
	int ret, ev = 0;

	memset(out, 0, sizeof(*out));
	capture_begin();
	ck_assert_int_eq(trace_reader_open(&r, path), 0);
	trace_reader_want_memory(&r, true);
	while ((ret = trace_reader_next(&r, &c)) > 0) {
		while ((ev = trace_chunk_next(&c, &fn)) > 0) {
			struct mem_event *e = &out->ev[out->n++];

			ck_assert_uint_lt(out->n, ARRAY_SIZE(out->ev));
			e->kind = ev;
			e->ticks = c.ticks;
			e->m = c.mem;
			if (ev == TRACE_EV_STACK)
				memcpy(e->frames, c.mem.frames,
				       (c.mem.nframes < 4 ? c.mem.nframes : 4) * 8);
			if (ev == TRACE_EV_SNAPSHOT)
				snprintf(e->label, sizeof(e->label), "%.*s", (int)c.mem.label_len,
					 c.mem.label);
		}
		if (ev < 0)
			break;
	}
	out->ret = ret < 0 || ev < 0 ? -1 : 0;
	capture_end();
	if (keep)
		*keep = r;
	else
		trace_reader_release(&r);
}

static const uint64_t frames3[3] = { 0x401234, 0x401500, 0x401600 };

START_TEST(test_mem_decode)
{
	struct trace_reader r;
	struct mem_events e;
	const struct mem_event *x;

	tb_chunk(tb, 1, 100);
	tb_enter(tb, 0x1000, 110);
	tb_stack(tb, 1, frames3, 3);
	tb_stack(tb, 2 | TRACE_STACK_SHADOW, frames3, 2);
	tb_alloc_kind(tb, TRACE_ALLOC_CALLOC, 0x5000, 48, 1, 120);
	tb_realloc(tb, 0x5000, 0x6000, 96, 2, 125, 130);
	tb_alloc(tb, 0x7000, (1ull << 40) + 5, 0, 131);
	tb_release(tb, 0x6000, 140);
	tb_snapshot(tb, "after load", 150);
	tb_exit(tb, 160); /* its delta counts from the entry: memory events keep the base */
	tb_thread_end(tb, 170, tb_events(tb, 1), 0);
	read_mem_events(tb_write(tb), &e, &r);
	ck_assert_int_eq(e.ret, 0);
	ck_assert_str_eq(captured, ""); /* the thread's count includes its memory events */
	ck_assert_uint_eq(e.n, 9);
	x = &e.ev[1];
	ck_assert_int_eq(x->kind, TRACE_EV_STACK);
	ck_assert_uint_eq(x->m.stack, 1);
	ck_assert(!x->m.shadow);
	ck_assert_uint_eq(x->m.nframes, 3);
	ck_assert_uint_eq(x->frames[2], 0x401600);
	x = &e.ev[2];
	ck_assert_int_eq(x->kind, TRACE_EV_STACK);
	ck_assert_uint_eq(x->m.stack, 2);
	ck_assert(x->m.shadow);
	ck_assert_uint_eq(x->m.nframes, 2);
	x = &e.ev[3];
	ck_assert_int_eq(x->kind, TRACE_EV_ALLOC);
	ck_assert_uint_eq(x->m.addr, 0x5000);
	ck_assert_uint_eq(x->m.size, 48);
	ck_assert_uint_eq(x->m.kind, TRACE_ALLOC_CALLOC);
	ck_assert_uint_eq(x->m.stack, 1);
	ck_assert_uint_eq(x->m.ticks, 120);
	ck_assert_uint_eq(x->ticks, 110);
	x = &e.ev[4];
	ck_assert_int_eq(x->kind, TRACE_EV_REALLOC);
	ck_assert_uint_eq(x->m.old_addr, 0x5000);
	ck_assert_uint_eq(x->m.addr, 0x6000);
	ck_assert_uint_eq(x->m.size, 96);
	ck_assert_uint_eq(x->m.kind, TRACE_ALLOC_REALLOC);
	ck_assert_uint_eq(x->m.stack, 2);
	ck_assert_uint_eq(x->m.free_ticks, 125);
	ck_assert_uint_eq(x->m.ticks, 130);
	x = &e.ev[5];
	ck_assert_int_eq(x->kind, TRACE_EV_ALLOC);
	ck_assert_uint_eq(x->m.size, (1ull << 40) + 5);
	ck_assert_uint_eq(x->m.stack, 0);
	x = &e.ev[6];
	ck_assert_int_eq(x->kind, TRACE_EV_FREE);
	ck_assert_uint_eq(x->m.addr, 0x6000);
	ck_assert_uint_eq(x->m.ticks, 140);
	x = &e.ev[7];
	ck_assert_int_eq(x->kind, TRACE_EV_SNAPSHOT);
	ck_assert_str_eq(x->label, "after load");
	ck_assert_uint_eq(x->m.label_len, 10);
	ck_assert_uint_eq(x->m.ticks, 150);
	ck_assert_int_eq(e.ev[8].kind, TRACE_EV_EXIT);
	ck_assert_uint_eq(e.ev[8].ticks, 160);
	ck_assert_uint_eq(r.threads->events, 2);
	ck_assert_uint_eq(r.threads->mem_events, 5);
	ck_assert_uint_eq(r.threads->stack_records, 2);
	trace_reader_release(&r);
}
END_TEST

/* Consumers that did not ask for memory events see function events only. */
START_TEST(test_mem_skipped)
{
	struct events e;

	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x1000, 10);
	tb_stack(tb, 1, frames3, 1);
	tb_alloc(tb, 0x5000, 8, 1, 12);
	tb_release(tb, 0x5000, 13);
	tb_snapshot(tb, "x", 14);
	tb_exit(tb, 20);
	read_events(tb_write(tb), &e, NULL);
	ck_assert_int_eq(e.ret, 0);
	ck_assert_uint_eq(e.n, 2);
	check_event(&e, 1, TRACE_EV_EXIT, 0, 20);
	/* but they are validated all the same */
	tb_alloc(tb, 0x5000, 8, 9, 21);
	read_events(tb_write(tb), &e, NULL);
	ck_assert_int_eq(e.ret, -1);
	ck_assert_ptr_nonnull(strstr(captured, "stack id 9 used before its definition"));
}
END_TEST

static void undefined_stack(struct tb *t)
{
	tb_alloc(t, 0x5000, 8, 7, 20);
}
static void shadow_alloc(struct tb *t)
{
	tb_stack(t, 1 | TRACE_STACK_SHADOW, frames3, 1);
	tb_alloc(t, 0x5000, 8, 1 | TRACE_STACK_SHADOW, 20);
}
static void deep_stack(struct tb *t)
{
	uint64_t frames[TRACE_STACK_MAX_DEPTH + 1] = { 0 };

	tb_stack(t, 1, frames, TRACE_STACK_MAX_DEPTH + 1);
}
static void stack_zero(struct tb *t)
{
	tb_stack(t, TRACE_STACK_SHADOW, frames3, 2);
}
static void stack_twice(struct tb *t)
{
	tb_stack(t, 3, frames3, 1);
	tb_stack(t, 3 | TRACE_STACK_SHADOW, frames3, 1);
}
static void kind_zero(struct tb *t)
{
	tb_alloc_kind(t, 0, 0x5000, 8, 0, 20);
}
static void kind_ten(struct tb *t)
{
	tb_realloc(t, 0, 0x5000, 8, 0, 20, 20);
	t->words[t->cur * tb_chunk_words(t) + t->pos - 3] |= 10ull << TRACE_ALLOC_KIND_SHIFT;
}
static void long_label(struct tb *t)
{
	uint64_t w[40] = { 20 };

	tb_ext(t, TRACE_EXT_SNAPSHOT, 300, w, 40);
}
static void label_overflow(struct tb *t)
{
	uint64_t w[2] = { 20, 0x41 };

	tb_ext(t, TRACE_EXT_SNAPSHOT, 20, w, 3);
}
static void short_alloc(struct tb *t)
{
	uint64_t w[2] = { 0x5000, 8 };

	tb_ext(t, TRACE_EXT_ALLOC, 0, w, 3);
}
static void short_realloc(struct tb *t)
{
	uint64_t w[4] = { 0, 0x5000, 8, 20 };

	tb_ext(t, TRACE_EXT_REALLOC, 0, w, 5);
}

START_TEST(test_mem_corrupt)
{
	check_corrupt(undefined_stack, "4168: stack id 7 used before its definition");
	check_corrupt(shadow_alloc, "4184: allocation with stack id 0x80000001 (shadow bit set)");
	check_corrupt(deep_stack, "4168: stack of 257 frames (at most 256)");
	check_corrupt(stack_zero, "4168: definition of stack id 0");
	check_corrupt(stack_twice, "4184: stack id 3 defined twice");
	check_corrupt(kind_zero, "4168: unknown allocation kind 0");
	check_corrupt(kind_ten, "4168: unknown allocation kind 11");
	check_corrupt(long_label, "4168: snapshot label of 300 bytes (at most 255)");
	check_corrupt(label_overflow, "4168: snapshot label of 20 bytes in a record of 3 words");
	check_corrupt(short_alloc, "4168: alloc record shorter than 4 words");
	check_corrupt(short_realloc, "4168: realloc record shorter than 6 words");
}
END_TEST

START_TEST(test_mem_process_chunk)
{
	const char *path;
	struct events e;

	tb_process_chunk(tb, 0);
	tb_release(tb, 0x5000, 10);
	path = tb_write(tb);
	read_events(path, &e, NULL);
	ck_assert_int_eq(e.ret, -1);
	ck_assert_str_eq(captured, expect_line(path, "corrupt chunk 0 at offset 4160: memory "
						     "record in a process chunk"));
}
END_TEST

/* A stack defined in a chunk that is missing reads as no stack. */
START_TEST(test_mem_missing_chunk)
{
	struct trace_reader r;
	struct mem_events e;

	tb_chunk(tb, 1, 0);
	tb_stack(tb, 1, frames3, 1);
	tb_chunk_header(tb)->magic = 0; /* lost */
	tb_chunk(tb, 1, 100);
	tb_alloc(tb, 0x5000, 8, 1, 110);
	read_mem_events(tb_write(tb), &e, &r);
	ck_assert_int_eq(e.ret, 0);
	ck_assert_uint_eq(e.n, 1);
	ck_assert_int_eq(e.ev[0].kind, TRACE_EV_ALLOC);
	ck_assert_uint_eq(e.ev[0].m.stack, 0);
	ck_assert_ptr_nonnull(strstr(captured, "thread 1: 1 chunks missing"));
	ck_assert_uint_eq(r.threads->last_ticks, 110); /* memory events count as seen */
	trace_reader_release(&r);
}
END_TEST

/* ------------------------------------------------------------- stages */

struct stage_event {
	int kind;
	uint32_t id;
	uint64_t ticks, records;
};

struct stage_events {
	struct stage_event ev[64];
	size_t n;
	int ret;
};

/* Read every event of `path`, stage events included if `want`, stderr captured. */
static void read_stage_events(const char *path, bool want, struct stage_events *out,
			      struct trace_reader *keep)
{
	struct trace_reader r;
	struct trace_chunk c;
	uint64_t fn = 0;
	int ret, ev = 0;

	memset(out, 0, sizeof(*out));
	capture_begin();
	ck_assert_int_eq(trace_reader_open(&r, path), 0);
	trace_reader_want_stages(&r, want);
	while ((ret = trace_reader_next(&r, &c)) > 0) {
		while ((ev = trace_chunk_next(&c, &fn)) > 0) {
			struct stage_event *e = &out->ev[out->n++];

			ck_assert_uint_lt(out->n, ARRAY_SIZE(out->ev));
			e->kind = ev;
			e->ticks = c.ticks;
			if (ev == TRACE_EV_STAGE_BEGIN || ev == TRACE_EV_STAGE_END) {
				e->id = c.stage.id;
				e->ticks = c.stage.ticks;
				e->records = c.stage.records;
			}
		}
		if (ev < 0)
			break;
	}
	out->ret = ret < 0 || ev < 0 ? -1 : 0;
	capture_end();
	if (keep)
		*keep = r;
	else
		trace_reader_release(&r);
}

static void check_stage_event(const struct stage_events *e, size_t i, int kind, uint32_t id,
			      uint64_t ticks, uint64_t records)
{
	ck_assert_uint_lt(i, e->n);
	ck_assert_int_eq(e->ev[i].kind, kind);
	ck_assert_uint_eq(e->ev[i].id, id);
	ck_assert_uint_eq(e->ev[i].ticks, ticks);
	ck_assert_uint_eq(e->ev[i].records, records);
}

/* A source pulled by a sink, between the entry and the exit of a function. */
static void stage_trace(void)
{
	tb_chunk(tb, 1, 100);
	tb_stage_def(tb, 1, "src");
	tb_stage_def(tb, 2, "a stage name of more than sixteen bytes");
	tb_enter(tb, 0x1000, 110);
	tb_stage_begin(tb, 2, 120);
	tb_stage_begin(tb, 1, 121);
	tb_stage_end(tb, 1, 130, 64);
	tb_stage_end(tb, 2, 140, 64);
	tb_exit(tb, 150);
	/* The runtime counts the stage records, definitions included. */
	ck_assert_uint_eq(tb_events(tb, 1), 8);
	tb_thread_end(tb, 160, tb_events(tb, 1), 0);
}

START_TEST(test_stage_decode)
{
	struct trace_reader r;
	struct stage_events e;

	stage_trace();
	read_stage_events(tb_write(tb), true, &e, &r);
	ck_assert_int_eq(e.ret, 0);
	ck_assert_str_eq(captured, ""); /* no "events were lost" */
	ck_assert_uint_eq(e.n, 6);
	ck_assert_int_eq(e.ev[0].kind, TRACE_EV_ENTER);
	check_stage_event(&e, 1, TRACE_EV_STAGE_BEGIN, 2, 120, 0);
	check_stage_event(&e, 2, TRACE_EV_STAGE_BEGIN, 1, 121, 0);
	check_stage_event(&e, 3, TRACE_EV_STAGE_END, 1, 130, 64);
	check_stage_event(&e, 4, TRACE_EV_STAGE_END, 2, 140, 64);
	/* Stage records do not move the delta base of function events. */
	ck_assert_int_eq(e.ev[5].kind, TRACE_EV_EXIT);
	ck_assert_uint_eq(e.ev[5].ticks, 150);
	ck_assert_str_eq(trace_reader_stage_name(&r, 1), "src");
	ck_assert_str_eq(trace_reader_stage_name(&r, 2), "a stage name of more than sixteen bytes");
	ck_assert_ptr_null(trace_reader_stage_name(&r, 3));
	ck_assert_uint_eq(r.threads->stage_events, 6);
	ck_assert_uint_eq(r.threads->end_events, r.threads->events_at_end);
	ck_assert_uint_eq(r.threads->last_ticks, 160);
	trace_reader_release(&r);
}
END_TEST

/* Not asked for, stage events are validated and skipped, and still counted. */
START_TEST(test_stage_skipped)
{
	struct trace_reader r;
	struct stage_events e;

	stage_trace();
	read_stage_events(tb_write(tb), false, &e, &r);
	ck_assert_int_eq(e.ret, 0);
	ck_assert_str_eq(captured, "");
	ck_assert_uint_eq(e.n, 2);
	ck_assert_int_eq(e.ev[0].kind, TRACE_EV_ENTER);
	ck_assert_int_eq(e.ev[1].kind, TRACE_EV_EXIT);
	ck_assert_str_eq(trace_reader_stage_name(&r, 1), "src");
	trace_reader_release(&r);
}
END_TEST

/* A thread that recorded more than the trace holds still earns the warning. */
START_TEST(test_stage_events_lost)
{
	const char *path;
	struct stage_events e;
	char line[1024];

	tb_chunk(tb, 1, 0);
	tb_stage_def(tb, 1, "src");
	tb_stage_begin(tb, 1, 10);
	tb_stage_end(tb, 1, 20, 1);
	tb_thread_end(tb, 30, 4, 1);
	path = tb_write(tb);
	read_stage_events(path, true, &e, NULL);
	ck_assert_int_eq(e.ret, 0);
	snprintf(line, sizeof(line),
		 "mprof-report: warning: '%s': thread 1 recorded 4 events, the trace holds 3 "
		 "(events were lost)\n",
		 path);
	ck_assert_str_eq(captured, line);
}
END_TEST

static void stage_id_zero(struct tb *t)
{
	tb_stage_begin(t, 0, 20);
}
static void stage_twice(struct tb *t)
{
	tb_stage_def(t, 1, "a");
	tb_stage_def(t, 1, "b");
}
static void stage_long_name(struct tb *t)
{
	uint64_t w[1] = { 300 };

	tb_ext(t, TRACE_EXT_STAGE_DEF, 1, w, 2);
}
static void stage_name_overflow(struct tb *t)
{
	uint64_t w[2] = { 20, 0x6162 };

	tb_ext(t, TRACE_EXT_STAGE_DEF, 1, w, 3);
}
static void stage_short_end(struct tb *t)
{
	uint64_t w[1] = { 20 };

	tb_ext(t, TRACE_EXT_STAGE_END, 1, w, 2);
}
static void stage_undefined(struct tb *t)
{
	tb_stage_def(t, 1, "a");
	tb_stage_begin(t, 1, 20);
	tb_stage_begin(t, 7, 21);
	tb_stage_end(t, 7, 22, 0);
}

START_TEST(test_stage_corrupt)
{
	check_corrupt(stage_id_zero, "4168: stage id 0");
	check_corrupt(stage_twice, "4192: stage id 1 defined twice");
	check_corrupt(stage_long_name, "4168: stage name of 300 bytes (at most 255)");
	check_corrupt(stage_name_overflow, "4168: stage name of 20 bytes in a record of 3 words");
	check_corrupt(stage_short_end, "4168: stage end record shorter than 3 words");
	/* Found at the end of the trace, reported where it was first used. */
	check_corrupt(stage_undefined, "4208: stage id 7 used but never defined");
}
END_TEST

START_TEST(test_stage_process_chunk)
{
	const char *path;
	struct events e;

	tb_process_chunk(tb, 0);
	tb_stage_def(tb, 1, "src");
	path = tb_write(tb);
	read_events(path, &e, NULL);
	ck_assert_int_eq(e.ret, -1);
	ck_assert_str_eq(captured, expect_line(path, "corrupt chunk 0 at offset 4160: stage "
						     "record in a process chunk"));
}
END_TEST

/* Stage ids are process-wide: the definition may come later in the file, in
 * another thread's chunk (a chunk opened later), and still names the stage. */
START_TEST(test_stage_defined_later)
{
	struct trace_reader r;
	struct stage_events e;

	tb_chunk(tb, 2, 0);
	tb_stage_begin(tb, 5, 50);
	tb_stage_end(tb, 5, 60, 3);
	tb_chunk(tb, 1, 10);
	tb_stage_def(tb, 5, "late");
	read_stage_events(tb_write(tb), true, &e, &r);
	ck_assert_int_eq(e.ret, 0);
	ck_assert_str_eq(captured, "");
	check_stage_event(&e, 1, TRACE_EV_STAGE_END, 5, 60, 3);
	ck_assert_str_eq(trace_reader_stage_name(&r, 5), "late");
	trace_reader_release(&r);
}
END_TEST

/* A definition in a chunk that is missing leaves the stage unnamed, no error. */
START_TEST(test_stage_missing_chunk)
{
	struct trace_reader r;
	struct stage_events e;

	tb_chunk(tb, 1, 0);
	tb_stage_def(tb, 1, "lost");
	tb_chunk_header(tb)->magic = 0;
	tb_chunk(tb, 1, 100);
	tb_stage_begin(tb, 1, 110);
	read_stage_events(tb_write(tb), true, &e, &r);
	ck_assert_int_eq(e.ret, 0);
	ck_assert_uint_eq(e.n, 1);
	ck_assert_ptr_null(trace_reader_stage_name(&r, 1));
	ck_assert_ptr_nonnull(strstr(captured, "thread 1: 1 chunks missing"));
	trace_reader_release(&r);
}
END_TEST

/* An event timed before the pause that opened its chunk keeps that pause. */
START_TEST(test_stage_unpaused)
{
	struct trace_chunk c = { 0 };

	c.paused = 700;
	ck_assert_uint_eq(trace_chunk_unpaused(&c, 1000), 300);
	c.pause_start = 2000;
	c.pause_len = 500;
	ck_assert_uint_eq(trace_chunk_unpaused(&c, 1999), 1999 - 200);
	ck_assert_uint_eq(trace_chunk_unpaused(&c, 2600), 2600 - 700);
}
END_TEST

/* ---------------------------------------------------- record-time filters */

/* A process chunk with the filters of `mprof record --include 'parse_*'
 * --include emit --exclude "it's" --max-depth 3 --min-duration 10us`, the
 * first include and the depth repeated (a capture may repeat them). */
static void recorded_filters(struct tb *t)
{
	tb_process_chunk(t, 0);
	tb_maps(t, 5, TRACE_MAPS_START, 1);
	tb_module(t, "/usr/bin/prog", 0, 0x400000, 0x401000, NULL, 0);
	tb_filter(t, TRACE_FILTER_INCLUDE, 0, "parse_*");
	tb_filter(t, TRACE_FILTER_INCLUDE, 0, "emit");
	tb_filter(t, TRACE_FILTER_EXCLUDE, 0, "it's");
	tb_filter(t, TRACE_FILTER_MAX_DEPTH, 3, NULL);
	tb_filter(t, TRACE_FILTER_MIN_DURATION, 10000, NULL);
	tb_filter(t, TRACE_FILTER_INCLUDE, 0, "parse_*");
	tb_filter(t, TRACE_FILTER_MAX_DEPTH, 3, NULL);
}

static void check_recorded_filters(const struct trace_record_filters *f)
{
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->ninclude, 2);
	ck_assert_str_eq(f->include[0], "parse_*");
	ck_assert_str_eq(f->include[1], "emit");
	ck_assert_uint_eq(f->nexclude, 1);
	ck_assert_str_eq(f->exclude[0], "it's");
	ck_assert_uint_eq(f->max_depth, 3);
	ck_assert_uint_eq(f->min_duration_ns, 10000);
}

START_TEST(test_filter_decode)
{
	struct trace_reader r;
	struct trace_thread *t;
	struct events e;

	recorded_filters(tb);
	tb_chunk(tb, 1, 0);
	tb_chunk_header(tb)->filtered = 7;
	tb_enter(tb, 0x1000, 10);
	tb_chunk(tb, 2, 0);
	tb_chunk_header(tb)->filtered = 2;
	tb_enter(tb, 0x2000, 20);
	tb_chunk(tb, 1, 30);
	tb_chunk_header(tb)->filtered = 5;
	tb_exit(tb, 40);
	read_events(tb_write(tb), &e, &r);
	ck_assert_int_eq(e.ret, 0);
	ck_assert_str_eq(captured, "");
	ck_assert_uint_eq(e.n, 3); /* the filters are no events */
	check_recorded_filters(trace_reader_record_filters(&r));
	ck_assert(trace_record_filters_any(trace_reader_record_filters(&r)));
	ck_assert_uint_eq(trace_reader_unrecorded(&r), 14);
	for (t = r.threads; t; t = t->hh.next)
		ck_assert_uint_eq(t->filtered, t->serial == 1 ? 12 : 2);
	ck_assert_uint_eq(trace_reader_lost(&r), 0);
	trace_reader_release(&r);
}
END_TEST

START_TEST(test_filter_none)
{
	struct trace_reader r;
	struct events e;

	tb_process_chunk(tb, 0);
	tb_maps(tb, 5, TRACE_MAPS_START, 0);
	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x1000, 10);
	read_events(tb_write(tb), &e, &r);
	ck_assert_int_eq(e.ret, 0);
	ck_assert_ptr_null(trace_reader_record_filters(&r));
	ck_assert(!trace_record_filters_any(NULL));
	ck_assert_uint_eq(trace_reader_unrecorded(&r), 0);
	trace_reader_release(&r);
}
END_TEST

/* Each limit alone is a filter too; patterns compare in any order. */
START_TEST(test_filter_equal)
{
	struct trace_record_filters a = { 0 }, b = { 0 };
	char *ab[] = { "a", "b" }, *ba[] = { "b", "a" }, *ac[] = { "a", "c" };

	ck_assert(trace_record_filters_equal(NULL, NULL));
	ck_assert(trace_record_filters_equal(&a, NULL));
	a.min_duration_ns = 5;
	ck_assert(trace_record_filters_any(&a));
	ck_assert(!trace_record_filters_equal(&a, NULL));
	a.min_duration_ns = 0;
	a.max_depth = 2;
	ck_assert(trace_record_filters_any(&a));
	b.max_depth = 2;
	a.include = ab;
	a.ninclude = 2;
	b.include = ba;
	b.ninclude = 2;
	ck_assert(trace_record_filters_equal(&a, &b));
	b.include = ac;
	ck_assert(!trace_record_filters_equal(&a, &b));
	b.include = ba;
	b.exclude = ab;
	b.nexclude = 1;
	ck_assert(!trace_record_filters_equal(&a, &b));
}
END_TEST

static int count_modules;

static void count_module(void *arg, const struct trace_module *m)
{
	(void)arg;
	(void)m;
	count_modules++;
}

/* The scan reads the filters before the pass, up to the first thread chunk. */
START_TEST(test_filter_scan)
{
	struct trace_reader r;
	struct trace_chunk c;
	uint64_t fn;
	int events = 0;

	recorded_filters(tb);
	tb_chunk(tb, 1, 0);
	tb_chunk_header(tb)->filtered = 4;
	tb_enter(tb, 0x1000, 10);
	tb_exit(tb, 20);
	tb_process_chunk(tb, 30); /* a later process chunk: scanned too */
	tb_filter(tb, TRACE_FILTER_EXCLUDE, 0, "late");
	ck_assert_int_eq(trace_reader_open(&r, tb_write(tb)), 0);
	trace_reader_on_module(&r, count_module, NULL);
	count_modules = 0;
	ck_assert_int_eq(trace_reader_scan_filters(&r), 0);
	ck_assert_uint_eq(count_modules, 0); /* left to the pass */
	ck_assert_uint_eq(trace_reader_record_filters(&r)->nexclude, 2);
	ck_assert_str_eq(trace_reader_record_filters(&r)->exclude[1], "late");
	ck_assert_uint_eq(trace_reader_record_filters(&r)->min_duration_ns, 10000);
	ck_assert_uint_eq(trace_reader_unrecorded(&r), 0); /* counted by the pass */
	ck_assert_uint_eq(r.next, 0);
	while (trace_reader_next(&r, &c) > 0) {
		while (trace_chunk_next(&c, &fn) > 0)
			events++;
	}
	ck_assert_int_eq(events, 2);
	ck_assert_uint_eq(count_modules, 1);
	ck_assert_uint_eq(r.filters.ninclude, 2); /* not doubled by the pass */
	ck_assert_uint_eq(r.filters.nexclude, 2);
	ck_assert_str_eq(r.filters.exclude[1], "late");
	ck_assert_uint_eq(trace_reader_unrecorded(&r), 4);
	trace_reader_release(&r);
}
END_TEST

/* The filters may follow a thread chunk; an unused chunk is skipped. */
START_TEST(test_filter_scan_after_thread)
{
	struct trace_reader r;

	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x1000, 10);
	tb_unused_chunk(tb);
	tb_process_chunk(tb, 0);
	tb_filter(tb, TRACE_FILTER_MIN_DURATION, 2000, NULL);
	ck_assert_int_eq(trace_reader_open(&r, tb_write(tb)), 0);
	ck_assert_int_eq(trace_reader_scan_filters(&r), 0);
	ck_assert_ptr_nonnull(trace_reader_record_filters(&r));
	ck_assert_uint_eq(trace_reader_record_filters(&r)->min_duration_ns, 2000);
	trace_reader_release(&r);
}
END_TEST

/* The error printed for a trace whose process chunk holds `damage`. */
static void check_corrupt_process(void (*damage)(struct tb *), const char *what)
{
	struct tb *t = tb_new();
	struct trace_reader r;
	const char *path;
	struct events e;
	char msg[512];
	int ret;

	tb_process_chunk(t, 0);
	damage(t);
	tb_chunk(t, 1, 0);
	tb_enter(t, 0x1000, 10);
	path = tb_write(t);
	snprintf(msg, sizeof(msg), "corrupt chunk 0 at offset %s", what);
	read_events(path, &e, NULL);
	ck_assert_int_eq(e.ret, -1);
	ck_assert_str_eq(captured, expect_line(path, msg));
	/* the scan finds it likewise */
	ck_assert_int_eq(trace_reader_open(&r, path), 0);
	capture_begin();
	ret = trace_reader_scan_filters(&r);
	capture_end();
	ck_assert_int_eq(ret, -1);
	ck_assert_str_eq(captured, expect_line(path, msg));
	trace_reader_release(&r);
	tb_free(t);
}

static void filter_unknown_kind(struct tb *t)
{
	tb_filter(t, 9, 0, "x");
}
static void filter_kind_zero(struct tb *t)
{
	tb_filter(t, 0, 1, NULL);
}
static void filter_empty(struct tb *t)
{
	tb_filter(t, TRACE_FILTER_EXCLUDE, 0, "");
}
static void filter_too_long(struct tb *t)
{
	char *p = malloc(TRACE_FILTER_TEXT_MAX + 2);

	memset(p, 'a', TRACE_FILTER_TEXT_MAX + 1);
	p[TRACE_FILTER_TEXT_MAX + 1] = '\0';
	tb_filter(t, TRACE_FILTER_INCLUDE, 0, p);
	free(p);
}
static void filter_overflow(struct tb *t)
{
	uint64_t w[2] = { 0, 0x61 };

	tb_ext(t, TRACE_EXT_FILTER, TRACE_FILTER_INCLUDE << 24 | 20, w, 3);
}
static void filter_nul(struct tb *t)
{
	uint64_t w[2] = { 0, 0 };

	memcpy(&w[1], "ab\0d", 4);
	tb_ext(t, TRACE_EXT_FILTER, TRACE_FILTER_INCLUDE << 24 | 4, w, 3);
}
static void filter_short(struct tb *t)
{
	tb_ext(t, TRACE_EXT_FILTER, TRACE_FILTER_MAX_DEPTH << 24, NULL, 1);
}
static void filter_depth_zero(struct tb *t)
{
	tb_filter(t, TRACE_FILTER_MAX_DEPTH, 0, NULL);
}
static void filter_limit_text(struct tb *t)
{
	tb_filter(t, TRACE_FILTER_MIN_DURATION, 10, "abc");
}
static void filter_conflict(struct tb *t)
{
	tb_filter(t, TRACE_FILTER_MAX_DEPTH, 3, NULL);
	tb_filter(t, TRACE_FILTER_MAX_DEPTH, 5, NULL);
}

/* One pattern more than the writer ever records: 1025 records of 3 words. */
static void filter_too_many(struct tb *t)
{
	char pat[16];

	for (int i = 0; i <= TRACE_FILTER_PATTERNS_MAX; i++) {
		snprintf(pat, sizeof(pat), "p%04d", i);
		tb_filter(t, TRACE_FILTER_INCLUDE, 0, pat);
	}
}

START_TEST(test_filter_corrupt)
{
	check_corrupt_process(filter_unknown_kind, "4160: unknown filter kind 9");
	check_corrupt_process(filter_kind_zero, "4160: unknown filter kind 0");
	check_corrupt_process(filter_empty, "4160: empty exclude pattern");
	check_corrupt_process(filter_too_long, "4160: filter pattern of 4097 bytes (at most 4096)");
	check_corrupt_process(filter_overflow,
			      "4160: filter pattern of 20 bytes in a record of 3 words");
	check_corrupt_process(filter_nul, "4160: include pattern with a NUL byte");
	check_corrupt_process(filter_short, "4160: filter record shorter than 2 words");
	check_corrupt_process(filter_depth_zero, "4160: max-depth filter of 0");
	check_corrupt_process(filter_limit_text, "4160: min-duration filter with 3 bytes of text");
	check_corrupt_process(filter_conflict, "4176: max-depth filter of 5 after one of 3");
	check_corrupt_process(filter_too_many, "28736: more than 1024 include patterns");
}
END_TEST

static void filter_in_thread(struct tb *t)
{
	tb_filter(t, TRACE_FILTER_MAX_DEPTH, 3, NULL);
}

START_TEST(test_filter_thread_chunk)
{
	check_corrupt(filter_in_thread, "4168: filter record in a thread chunk");
}
END_TEST

/* -------------------------------------------------------- moved modules */

#define LIB_LO 0x7f0000000000ull
#define LIB_HI (LIB_LO + 0x5000)
#define LIB_FN (LIB_LO + 0x1120) /* a function of whichever library is loaded */
#define EXE_FN 0x401000ull
#define LIB_A  "/lib/liba.so"
#define LIB_B  "/lib/libb.so"

/* A capture at `at` of the executable and, unless NULL, `lib` at LIB_LO. */
static void capture(struct tb *t, uint64_t at, unsigned reason, const char *lib)
{
	tb_maps(t, at, reason, lib ? 2 : 1);
	tb_module(t, "/usr/bin/prog", 0, 0x400000, 0x402000, NULL, 0);
	if (lib)
		tb_module(t, lib, LIB_LO, LIB_LO, LIB_HI, NULL, 0);
}

struct module_list {
	struct trace_module m[32];
	char path[32][32];
	size_t n;
};

static void list_module(void *arg, const struct trace_module *m)
{
	struct module_list *l = arg;

	ck_assert_uint_lt(l->n, ARRAY_SIZE(l->m));
	l->m[l->n] = *m;
	snprintf(l->path[l->n], sizeof(l->path[0]), "%s", m->path);
	l->m[l->n].path = l->path[l->n];
	l->m[l->n].buildid = NULL;
	l->n++;
}

/* How many modules of `path` the list holds, and of those how many moved. */
static size_t count_listed(const struct module_list *l, const char *path, size_t *moved)
{
	size_t i, n = 0;

	*moved = 0;
	for (i = 0; i < l->n; i++) {
		if (strcmp(l->path[i], path))
			continue;
		n++;
		*moved += l->m[i].lo >= TRACE_MOVED_BASE;
	}
	return n;
}

/* The moved range of `path`: the module of the list holding it (the last). */
static const struct trace_module *moved_module(const struct module_list *l, const char *path)
{
	const struct trace_module *m = NULL;
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (!strcmp(l->path[i], path) && l->m[i].lo >= TRACE_MOVED_BASE)
			m = &l->m[i];
	}
	ck_assert_ptr_nonnull(m);
	return m;
}

/* Read the function events and the modules of the trace in tb. */
static void read_moved(struct events *e, struct module_list *l, bool *moving)
{
	struct trace_reader r;
	struct trace_chunk c;
	const char *path = tb_write(tb);
	uint64_t fn = 0;
	int ret, ev = 0;

	memset(e, 0, sizeof(*e));
	memset(l, 0, sizeof(*l));
	ck_assert_int_eq(trace_reader_open(&r, path), 0);
	*moving = r.maps != NULL;
	trace_reader_on_module(&r, list_module, l);
	while ((ret = trace_reader_next(&r, &c)) > 0) {
		while ((ev = trace_chunk_next(&c, &fn)) > 0) {
			if (e->n < ARRAY_SIZE(e->ev))
				e->ev[e->n++] = (struct event){ ev, c.thread->serial, fn, c.ticks };
		}
		if (ev < 0)
			break;
	}
	e->ret = ret < 0 || ev < 0 ? -1 : 0;
	trace_reader_release(&r);
}

/* Library a, unloaded; b loaded at its addresses, unloaded; a again. */
static void swap_captures(uint64_t base)
{
	tb_process_chunk(tb, base);
	capture(tb, 200, TRACE_MAPS_DLCLOSE, LIB_A);
	capture(tb, 300, TRACE_MAPS_DLCLOSE, LIB_B);
	capture(tb, 400, TRACE_MAPS_DLCLOSE, LIB_A);
	capture(tb, 500, TRACE_MAPS_EXIT, NULL);
}

/*
 * An address is the module's that the earliest capture at or after the
 * event lists; events of two modules at one address are told apart, those
 * of one module at two loads are not. The captures may follow the events
 * in the file.
 */
START_TEST(test_moved_functions)
{
	static const uint64_t when[] = { 150, 200, 201, 300, 301 };
	static const char *const lib[] = { LIB_A, LIB_A, LIB_B, LIB_B, LIB_A };
	const struct trace_module *ma, *mb;
	struct module_list l;
	struct events e;
	size_t i, moved;
	bool moving;

	tb_process_chunk(tb, 0);
	capture(tb, 100, TRACE_MAPS_START, LIB_A);
	tb_chunk(tb, 1, 100);
	for (i = 0; i < ARRAY_SIZE(when); i++) {
		if (i == 4)
			tb_enter_full(tb, LIB_FN, when[i]);
		else
			tb_enter(tb, LIB_FN, when[i]);
		tb_exit(tb, when[i]);
	}
	tb_enter(tb, EXE_FN, 600);
	tb_enter(tb, LIB_FN, 610); /* nothing there at exit: as recorded */
	tb_exit(tb, 620);
	tb_exit(tb, 630);
	swap_captures(200);
	read_moved(&e, &l, &moving);
	ck_assert_int_eq(e.ret, 0);
	ck_assert(moving);
	ck_assert_uint_eq(e.n, 14);
	ma = moved_module(&l, LIB_A);
	mb = moved_module(&l, LIB_B);
	ck_assert_uint_ge(ma->lo, TRACE_MOVED_BASE);
	ck_assert_uint_ge(mb->lo, TRACE_MOVED_BASE);
	ck_assert(mb->hi <= ma->lo || ma->hi <= mb->lo); /* apart */
	ck_assert_uint_eq(ma->hi - ma->lo, LIB_HI - LIB_LO);
	for (i = 0; i < ARRAY_SIZE(when); i++) {
		const struct trace_module *m = strcmp(lib[i], LIB_A) ? mb : ma;

		check_event(&e, 2 * i, TRACE_EV_ENTER, m->lo + (LIB_FN - LIB_LO), when[i]);
		/* the same place in the file */
		ck_assert_uint_eq(e.ev[2 * i].fn - m->bias, LIB_FN - LIB_LO);
	}
	check_event(&e, 10, TRACE_EV_ENTER, EXE_FN, 600);
	check_event(&e, 11, TRACE_EV_ENTER, LIB_FN, 610);
	/* every module record is handed out; each of a and b, moved, after it */
	ck_assert_uint_eq(count_listed(&l, LIB_A, &moved), 6);
	ck_assert_uint_eq(moved, 3);
	ck_assert_uint_eq(count_listed(&l, LIB_B, &moved), 2);
	ck_assert_uint_eq(moved, 1);
	ck_assert_uint_eq(count_listed(&l, "/usr/bin/prog", &moved), 5);
	ck_assert_uint_eq(moved, 0);
	ck_assert_str_eq(l.path[2], LIB_A);
	ck_assert_uint_eq(l.m[2].lo, ma->lo);
	ck_assert_uint_eq(l.m[2].ticks, 100);
}
END_TEST

/*
 * Stack frames move too, at the time of the allocation that follows their
 * definition: return addresses looked up one byte back, shadow frames
 * (function entries) as they are.
 */
START_TEST(test_moved_stacks)
{
	const uint64_t s1[3] = { LIB_FN + 0x10, LIB_FN, EXE_FN };
	const uint64_t s2[3] = { LIB_FN + 0x10, LIB_LO, EXE_FN + 0x50 };
	const uint64_t s3[2] = { LIB_HI, LIB_FN };
	uint64_t a, b;
	struct trace_reader r;
	struct trace_chunk c;
	struct module_list l;
	struct mem_events e;

	tb_process_chunk(tb, 0);
	capture(tb, 100, TRACE_MAPS_START, LIB_A);
	tb_chunk(tb, 1, 100);
	tb_enter(tb, EXE_FN, 110);
	tb_stack(tb, 1 | TRACE_STACK_SHADOW, s1, 3);
	tb_alloc(tb, 0x5000, 16, 1, 250); /* b's time */
	tb_stack(tb, 2, s2, 3);
	tb_realloc(tb, 0x5000, 0x6000, 32, 2, 340, 350); /* a's */
	tb_stack(tb, 3, s3, 2);
	tb_release(tb, 0x6000, 360); /* no allocation: the latest time, a's */
	tb_exit(tb, 370);
	swap_captures(200);
	memset(&l, 0, sizeof(l));
	read_mem_events(tb_write(tb), &e, &r);
	ck_assert_int_eq(e.ret, 0);
	ck_assert_ptr_nonnull(r.maps);
	trace_reader_release(&r);
	/* the moved ranges, from the module callback */
	ck_assert_int_eq(trace_reader_open(&r, tb_write(tb)), 0);
	trace_reader_on_module(&r, list_module, &l);
	while (trace_reader_next(&r, &c) > 0)
		;
	trace_reader_release(&r);
	a = moved_module(&l, LIB_A)->lo;
	b = moved_module(&l, LIB_B)->lo;
	ck_assert_int_eq(e.ev[1].kind, TRACE_EV_STACK);
	ck_assert_uint_eq(e.ev[1].frames[0], b + (LIB_FN + 0x10 - LIB_LO));
	ck_assert_uint_eq(e.ev[1].frames[1], b + (LIB_FN - LIB_LO));
	ck_assert_uint_eq(e.ev[1].frames[2], EXE_FN);
	ck_assert_int_eq(e.ev[3].kind, TRACE_EV_STACK);
	ck_assert_uint_eq(e.ev[3].frames[0], a + (LIB_FN + 0x10 - LIB_LO));
	/* a return address at the library's start is its caller's */
	ck_assert_uint_eq(e.ev[3].frames[1], LIB_LO);
	ck_assert_uint_eq(e.ev[3].frames[2], EXE_FN + 0x50);
	ck_assert_int_eq(e.ev[5].kind, TRACE_EV_STACK);
	/* one at its end ends a call made from its last bytes */
	ck_assert_uint_eq(e.ev[5].frames[0], a + (LIB_HI - LIB_LO));
	ck_assert_uint_eq(e.ev[5].frames[1], a + (LIB_FN - LIB_LO));
}
END_TEST

/* Without two modules at one address nothing moves. */
START_TEST(test_moved_none)
{
	struct module_list l;
	struct events e;
	size_t moved;
	bool moving;

	/* a library unloaded, another loaded elsewhere; a again where it was */
	tb_process_chunk(tb, 0);
	capture(tb, 100, TRACE_MAPS_START, LIB_A);
	tb_chunk(tb, 1, 100);
	tb_enter(tb, LIB_FN, 150);
	tb_enter(tb, LIB_FN + 0x10000, 250);
	tb_enter(tb, LIB_FN, 350);
	tb_exit(tb, 360);
	tb_exit(tb, 360);
	tb_exit(tb, 360);
	tb_process_chunk(tb, 200);
	capture(tb, 200, TRACE_MAPS_DLCLOSE, LIB_A);
	tb_maps(tb, 300, TRACE_MAPS_DLCLOSE, 1);
	tb_module(tb, LIB_B, LIB_LO + 0x10000, LIB_LO + 0x10000, LIB_HI + 0x10000, NULL, 0);
	capture(tb, 400, TRACE_MAPS_DLCLOSE, LIB_A);
	read_moved(&e, &l, &moving);
	ck_assert_int_eq(e.ret, 0);
	ck_assert(!moving);
	check_event(&e, 0, TRACE_EV_ENTER, LIB_FN, 150);
	check_event(&e, 1, TRACE_EV_ENTER, LIB_FN + 0x10000, 250);
	check_event(&e, 2, TRACE_EV_ENTER, LIB_FN, 350);
	ck_assert_uint_eq(count_listed(&l, LIB_A, &moved), 3);
	ck_assert_uint_eq(moved, 0);
	ck_assert_uint_eq(count_listed(&l, LIB_B, &moved), 1);
	ck_assert_uint_eq(moved, 0);
}
END_TEST

/*
 * Damaged captures: out of tick order, two modules at one address in one
 * capture, modules before any capture, empty and absurd ranges, a damaged
 * record, a file cut short. The reader goes on, or reports what the
 * streaming pass finds, and never crashes.
 */
START_TEST(test_moved_damaged)
{
	uint64_t w[3] = { 0 };
	struct module_list l;
	struct events e;
	const char *path;
	size_t size;
	bool moving;

	tb_process_chunk(tb, 0);
	tb_module(tb, LIB_B, LIB_LO, LIB_LO, LIB_HI, NULL, 0); /* before any capture */
	capture(tb, 300, TRACE_MAPS_START, LIB_A);
	capture(tb, 200, TRACE_MAPS_DLCLOSE, LIB_B); /* earlier than the one before */
	tb_maps(tb, 400, TRACE_MAPS_DLCLOSE, 4);
	tb_module(tb, LIB_A, LIB_LO, LIB_LO, LIB_HI, NULL, 0);
	tb_module(tb, LIB_B, LIB_LO, LIB_LO, LIB_HI, NULL, 0); /* at a's addresses */
	tb_module(tb, "/lib/empty.so", LIB_LO, LIB_HI, LIB_LO, NULL, 0);
	tb_module(tb, "/lib/huge.so", 0, 0, UINT64_MAX, NULL, 0);
	tb_chunk(tb, 1, 100);
	tb_enter(tb, LIB_FN, 150);
	tb_enter(tb, LIB_FN, 250);
	tb_enter(tb, LIB_FN, 350);
	tb_enter(tb, LIB_FN, 450);
	read_moved(&e, &l, &moving);
	ck_assert_int_eq(e.ret, 0);
	ck_assert(moving);
	ck_assert_uint_eq(e.n, 4);
	/* b's capture counts at 300: a held the address up to 300 */
	ck_assert_uint_eq(e.ev[0].fn, moved_module(&l, LIB_A)->lo + (LIB_FN - LIB_LO));
	ck_assert_uint_eq(e.ev[1].fn, e.ev[0].fn);
	ck_assert_uint_ge(e.ev[2].fn, TRACE_MOVED_BASE); /* a or b: both listed */
	ck_assert_uint_ge(e.ev[3].fn, TRACE_MOVED_BASE);
	/* a damaged module record after the captures: reported by the pass */
	tb_process_chunk(tb, 500);
	tb_ext(tb, TRACE_EXT_MODULE, 100, w, 4);
	read_events(tb_write(tb), &e, NULL);
	ck_assert_int_eq(e.ret, -1);
	/* cut anywhere in the captures */
	for (size = TRACE_HEADER_SIZE; size < TRACE_HEADER_SIZE + 600; size += 8) {
		path = tb_write_cut(tb, size);
		read_events(path, &e, NULL);
	}
}
END_TEST

/* -------------------------------------------------------------- clock */

START_TEST(test_clock_monotonic)
{
	struct trace_clock clk;

	ck_assert_int_eq(trace_clock_init(&clk, &tb->hdr, NULL), 0);
	ck_assert(!clk.tsc);
	ck_assert_uint_eq(trace_clock_ns(&clk, 123456789), 123456789);
	ck_assert_uint_eq(trace_clock_span(&clk, 1000), 1000);
}
END_TEST

START_TEST(test_clock_tsc)
{
	struct trace_file_header *h = &tb->hdr;
	struct trace_clock_point far = { 10000000, 4000000 }, near = { 2000, 800 };
	struct trace_clock clk;

	h->clock_source = TRACE_CLOCK_TSC;
	h->start = (struct trace_clock_point){ 1000, 5000 };
	h->start_cal = (struct trace_clock_point){ 11000, 8000 };
	h->end = (struct trace_clock_point){ 3001000, 1505000 };
	/* the end point wins */
	ck_assert_int_eq(trace_clock_init(&clk, h, &far), 0);
	ck_assert(clk.tsc);
	ck_assert_uint_eq(trace_clock_ns(&clk, 3000), 6000);
	ck_assert_uint_eq(trace_clock_span(&clk, 3000), 1500);
	/* no end: the latest chunk open point, if far enough */
	h->end = (struct trace_clock_point){ 0, 0 };
	ck_assert_int_eq(trace_clock_init(&clk, h, &far), 0);
	ck_assert_double_eq_tol(clk.ns_per_tick, 3995000.0 / 9999000.0, 1e-12);
	/* too near: the calibration point taken at start */
	ck_assert_int_eq(trace_clock_init(&clk, h, &near), 0);
	ck_assert_double_eq_tol(clk.ns_per_tick, 0.3, 1e-12);
	ck_assert_uint_eq(trace_clock_ns(&clk, 1000 + 10), 5003);
	/* spans round down: parts never add up to more than their whole
	 * (2 and 3 ticks, 0.6 and 0.9 ns, make 1.5) */
	ck_assert_uint_eq(trace_clock_span(&clk, 2), 0);
	ck_assert_uint_eq(trace_clock_span(&clk, 3), 0);
	ck_assert_uint_eq(trace_clock_span(&clk, 5), 1);
	ck_assert_uint_eq(trace_clock_span(&clk, 10), 3);
	/* (2^64 - 1) * 0.3 rounded down, exactly: no overflow on the way */
	ck_assert_uint_eq(trace_clock_span(&clk, UINT64_MAX), 5534023222112865484u);
	/* nothing usable */
	h->start_cal = h->start;
	ck_assert_int_eq(trace_clock_init(&clk, h, &near), -1);
}
END_TEST

START_TEST(test_clock_from_chunks)
{
	struct trace_reader r;
	struct trace_clock clk;
	struct trace_chunk c;
	const char *path;

	tb->hdr.clock_source = TRACE_CLOCK_TSC;
	tb->hdr.flags = 0;
	tb->hdr.start = (struct trace_clock_point){ 0, 1000 };
	tb->hdr.start_cal = (struct trace_clock_point){ 1000, 1300 };
	tb_chunk(tb, 1, 0);
	tb_chunk_header(tb)->open = (struct trace_clock_point){ 40000000, 20001000 };
	tb_chunk(tb, 2, 0);
	tb_chunk_header(tb)->open = (struct trace_clock_point){ 20000000, 10001000 };
	path = tb_write(tb);
	ck_assert_int_eq(trace_reader_open(&r, path), 0);
	capture_begin();
	while (trace_reader_next(&r, &c) > 0)
		;
	capture_end();
	ck_assert_int_eq(trace_reader_clock(&r, &clk), 0);
	ck_assert_double_eq_tol(clk.ns_per_tick, 0.5, 1e-12);
	trace_reader_release(&r);

	tb_free(tb);
	tb = tb_new();
	tb->hdr.clock_source = TRACE_CLOCK_TSC;
	tb->hdr.start_cal = tb->hdr.start;
	path = tb_write(tb);
	ck_assert_int_eq(trace_reader_open(&r, path), 0);
	ck_assert_int_eq(trace_reader_next(&r, &c), 0);
	capture_begin();
	ck_assert_int_eq(trace_reader_clock(&r, &clk), -1);
	capture_end();
	ck_assert_str_eq(captured, expect_line(path, "no usable clock calibration in the header"));
	trace_reader_release(&r);
}
END_TEST

static Suite *trace_read_suite(void)
{
	Suite *s = suite_create("trace_read");
	TCase *tc = tcase_create("header");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_header_fields);
	tcase_add_test(tc, test_not_a_trace);
	tcase_add_test(tc, test_not_a_file);
	tcase_add_test(tc, test_empty_trace);
	suite_add_tcase(s, tc);

	tc = tcase_create("records");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_decode);
	tcase_add_test(tc, test_unknown_ext_skipped);
	tcase_add_test(tc, test_chunk_base);
	tcase_add_test(tc, test_lost_events);
	tcase_add_test(tc, test_modules);
	suite_add_tcase(s, tc);

	tc = tcase_create("memory");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_mem_decode);
	tcase_add_test(tc, test_mem_skipped);
	tcase_add_test(tc, test_mem_corrupt);
	tcase_add_test(tc, test_mem_process_chunk);
	tcase_add_test(tc, test_mem_missing_chunk);
	tcase_add_test(tc, test_stage_decode);
	tcase_add_test(tc, test_stage_skipped);
	tcase_add_test(tc, test_stage_events_lost);
	tcase_add_test(tc, test_stage_corrupt);
	tcase_add_test(tc, test_stage_process_chunk);
	tcase_add_test(tc, test_stage_defined_later);
	tcase_add_test(tc, test_stage_missing_chunk);
	tcase_add_test(tc, test_stage_unpaused);
	suite_add_tcase(s, tc);

	tc = tcase_create("damage");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_corrupt_records);
	tcase_add_test(tc, test_corrupt_chunks);
	tcase_add_test(tc, test_random_records);
	tcase_add_test(tc, test_cut_short_warning);
	tcase_add_test(tc, test_cut_at_chunk_boundary);
	tcase_add_test(tc, test_cut_at_header);
	tcase_add_test(tc, test_ended_without_finalizing);
	tcase_add_test(tc, test_thread_end_mismatch);
	suite_add_tcase(s, tc);

	tc = tcase_create("filters");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_filter_decode);
	tcase_add_test(tc, test_filter_none);
	tcase_add_test(tc, test_filter_equal);
	tcase_add_test(tc, test_filter_scan);
	tcase_add_test(tc, test_filter_scan_after_thread);
	tcase_add_test(tc, test_filter_corrupt);
	tcase_add_test(tc, test_filter_thread_chunk);
	suite_add_tcase(s, tc);

	tc = tcase_create("moved");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_moved_functions);
	tcase_add_test(tc, test_moved_stacks);
	tcase_add_test(tc, test_moved_none);
	tcase_add_test(tc, test_moved_damaged);
	suite_add_tcase(s, tc);

	tc = tcase_create("clock");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_clock_monotonic);
	tcase_add_test(tc, test_clock_tsc);
	tcase_add_test(tc, test_clock_from_chunks);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(trace_read_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
