/*
 * check_runtime.c - unit tests of the recording runtime (libprofile): the
 * environment parsers, the clock, and the hooks writing a real trace that
 * the reader reads back.
 *
 * libprofile is linked into this program, so its constructor would start
 * recording before main: ours runs first (priority 101) and disables it;
 * each test then starts the runtime itself with the settings it wants.
 */
#include <check.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calls.h"
#include "clock.h"
#include "env.h"
#include "filter.h"
#include "runtime.h"
#include "stack.h"
#include "thread.h"
#include "trace_read.h"
#include "writer.h"

void __cyg_profile_func_enter(void *fn, void *site);
void __cyg_profile_func_exit(void *fn, void *site);

__attribute__((constructor(101))) static void keep_runtime_off(void)
{
	setenv("MPROF_DISABLE", "1", 1);
	setenv("MPROF_QUIET", "1", 1);
}

static char tmpdir[] = "/tmp/check_runtime.XXXXXX";

/* Start the runtime writing `name` in the scratch directory. */
static void start_runtime(const char *name, const char *buffer_size)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unsetenv("MPROF_DISABLE");
	setenv("MPROF_OUTPUT", path, 1);
	setenv("MPROF_BUFFER_SIZE", buffer_size, 1);
	runtime_state = RT_UNINIT;
	runtime_init();
	ck_assert_int_eq(runtime_state, RT_ACTIVE);
}

/* ------------------------------------------------------------ environment */

START_TEST(test_parse_size)
{
	uint64_t v = 7;

	ck_assert_int_eq(env_parse_size("X", "64K", 65536, 1 << 26, &v), 0);
	ck_assert_uint_eq(v, 65536);
	ck_assert_int_eq(env_parse_size("X", "2M", 65536, 1 << 26, &v), 0);
	ck_assert_uint_eq(v, 2u << 20);
	ck_assert_int_eq(env_parse_size("X", "131072", 65536, 1 << 26, &v), 0);
	ck_assert_uint_eq(v, 131072);
	v = 7;
	ck_assert_int_eq(env_parse_size("X", "3M", 65536, 1 << 26, &v), -1); /* not 2^n */
	ck_assert_int_eq(env_parse_size("X", "32K", 65536, 1 << 26, &v), -1);
	ck_assert_int_eq(env_parse_size("X", "128M", 65536, 1 << 26, &v), -1);
	ck_assert_int_eq(env_parse_size("X", "", 65536, 1 << 26, &v), -1);
	ck_assert_int_eq(env_parse_size("X", "-1", 65536, 1 << 26, &v), -1);
	ck_assert_int_eq(env_parse_size("X", "1MB", 65536, 1 << 26, &v), -1);
	ck_assert_int_eq(env_parse_size("X", "99999999999999999999M", 65536, 1 << 26, &v), -1);
	ck_assert_uint_eq(v, 7); /* untouched on error */
}
END_TEST

START_TEST(test_parse_events)
{
	bool c = false, a = false, st = false;

	ck_assert_int_eq(env_parse_events("X", "calls", &c, &a, &st), 0);
	ck_assert(c && !a && !st);
	ck_assert_int_eq(env_parse_events("X", "alloc,calls", &c, &a, &st), 0);
	ck_assert(c && a && !st);
	ck_assert_int_eq(env_parse_events("X", "stages", &c, &a, &st), 0);
	ck_assert(!c && !a && st);
	ck_assert_int_eq(env_parse_events("X", "none", &c, &a, &st), 0);
	ck_assert(!c && !a && !st);
	ck_assert_int_eq(env_parse_events("X", "all", &c, &a, &st), 0);
	ck_assert(c && a && st);
	c = a = st = false;
	ck_assert_int_eq(env_parse_events("X", "calls,bogus", &c, &a, &st), -1);
	ck_assert(c && a && st); /* the default: everything */
	ck_assert_int_eq(env_parse_events("X", "", &c, &a, &st), -1);
}
END_TEST

START_TEST(test_parse_bool)
{
	bool b = false;

	ck_assert_int_eq(env_parse_bool("X", "yes", &b), 0);
	ck_assert(b);
	ck_assert_int_eq(env_parse_bool("X", "0", &b), 0);
	ck_assert(!b);
	ck_assert_int_eq(env_parse_bool("X", "2", &b), -1);
	ck_assert(!b);
}
END_TEST

START_TEST(test_parse_offcpu)
{
	int v = -1;

	ck_assert_int_eq(env_parse_offcpu("X", "auto", &v), 0);
	ck_assert_int_eq(v, ENV_OFFCPU_AUTO);
	ck_assert_int_eq(env_parse_offcpu("X", "1", &v), 0);
	ck_assert_int_eq(v, ENV_OFFCPU_ON);
	ck_assert_int_eq(env_parse_offcpu("X", "off", &v), 0);
	ck_assert_int_eq(v, ENV_OFFCPU_OFF);
	ck_assert_int_eq(env_parse_offcpu("X", "2", &v), -1);
	ck_assert_int_eq(v, ENV_OFFCPU_AUTO);
	v = ENV_OFFCPU_OFF;
	ck_assert_int_eq(env_parse_offcpu("X", "", &v), -1);
	ck_assert_int_eq(v, ENV_OFFCPU_AUTO);
}
END_TEST

/* ------------------------------------------------------------------ clock */

START_TEST(test_clock_monotonic)
{
	struct trace_clock_point a, b;
	uint64_t before, after;

	ck_assert_int_eq(clock_init(TRACE_CLOCK_MONOTONIC), TRACE_CLOCK_MONOTONIC);
	/* In monotonic mode ticks are CLOCK_MONOTONIC nanoseconds: both
	 * halves of the pair were read between our two reads, however long
	 * the thread was preempted in between. */
	before = clock_mono_ns();
	clock_point(&a);
	after = clock_mono_ns();
	ck_assert_uint_ge(a.ticks, before);
	ck_assert_uint_le(a.ticks, after);
	ck_assert_uint_ge(a.ns, before);
	ck_assert_uint_le(a.ns, after);
	/* The calibration returns once 200 us have passed since a.ns, and
	 * reads its pair after that (a.ticks, a midpoint, may lie after a.ns). */
	clock_calibrate(&a, 200000, &b);
	ck_assert_uint_ge(b.ns - a.ns, 200000);
	ck_assert_uint_ge(b.ticks, a.ns + 200000);
	ck_assert_uint_gt(b.ticks, a.ticks);
}
END_TEST

/* Whether this machine has a TSC the runtime uses (set by main). */
static bool have_tsc;

START_TEST(test_clock_tsc_calibration)
{
	struct trace_clock_point a, b;
	double ghz;

	if (!have_tsc)
		return; /* main reports the skip */
	ck_assert_int_eq(clock_init(0), TRACE_CLOCK_TSC);
	clock_point(&a);
	clock_calibrate(&a, 2000000, &b);
	ghz = (double)(b.ticks - a.ticks) / (double)(b.ns - a.ns);
	/* Any real TSC runs between 0.1 and 10 GHz; the pairs are ordered. */
	ck_assert(ghz > 0.1 && ghz < 10.0);
	ck_assert_uint_gt(b.ticks, a.ticks);
}
END_TEST

/* ---------------------------------------------------------- round trip */

struct count {
	uint64_t enter[4], exits;
	uint64_t lost, threads_ended, events, end_events;
	uint64_t filtered; /* the chunk headers' count of calls left out */
	uint64_t watched[3];
	bool monotonic, ordered;
};

/* Functions whose entries read_back counts in watched[] (by address). */
static uintptr_t watch[3];

/* Read the trace back; enter[] counts functions 0x1000 * (1..3), enter[0] others. */
static void read_back(const char *name, struct count *k)
{
	struct trace_reader r;
	struct trace_chunk c;
	struct trace_thread *t, *tmp;
	char path[256];
	int ret, ev;
	uint64_t fn, last_open = 0;

	memset(k, 0, sizeof(*k));
	k->monotonic = k->ordered = true;
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	ck_assert_int_eq(trace_reader_open(&r, path), 0);
	while ((ret = trace_reader_next(&r, &c)) > 0) {
		const struct trace_chunk_header *h = (const void *)r.buf;
		uint64_t prev = c.ticks;

		/* The ordering rule of trace_format.h: chunks in order of
		 * their open point, no event earlier than its chunk's. */
		if (h->open.ticks < last_open)
			k->ordered = false;
		last_open = h->open.ticks;
		k->filtered += h->filtered;
		while ((ev = trace_chunk_next(&c, &fn)) > 0) {
			if (c.ticks < prev)
				k->monotonic = false;
			if (c.ticks < h->open.ticks)
				k->ordered = false;
			prev = c.ticks;
			for (int i = 0; i < 3; i++)
				if (ev == TRACE_EV_ENTER && watch[i] && fn == watch[i])
					k->watched[i]++;
			if (ev == TRACE_EV_EXIT)
				k->exits++;
			else if (fn % 0x1000 == 0 && fn / 0x1000 <= 3)
				k->enter[fn / 0x1000]++;
			else if (fn == (1ull << 50))
				k->enter[0]++;
		}
		ck_assert_int_eq(ev, 0);
	}
	ck_assert_int_eq(ret, 0);
	HASH_ITER(hh, r.threads, t, tmp)
	{
		k->events += t->events;
		if (t->ended) {
			k->threads_ended++;
			k->end_events += t->end_events;
		}
	}
	k->lost = trace_reader_lost(&r);
	trace_reader_release(&r);
}

#define FN(i) ((void *)(uintptr_t)(0x1000 * (i)))

/* Each hook pair from its own frame, as an instrumented function calls them:
 * a callee's stack pointer is below its caller's. */
__attribute__((noinline)) static void call_leaf(void *fn)
{
	__cyg_profile_func_enter(fn, NULL);
	__cyg_profile_func_exit(fn, NULL);
	__asm__ volatile("" ::: "memory"); /* no tail call */
}

__attribute__((noinline)) static void call_pair(void)
{
	__cyg_profile_func_enter(FN(1), NULL);
	call_leaf(FN(2));
	__cyg_profile_func_exit(FN(1), NULL);
	__asm__ volatile("" ::: "memory");
}

static void *hammer(void *arg)
{
	long n = (long)arg;

	for (long i = 0; i < n; i++) {
		call_pair();
		if (i == n / 2) {
			/* A gap too long for the compact delta: a TIME record. */
			usleep(2000);
			/* An address above 2^47: an ENTER_FULL record. */
			call_leaf((void *)(1ull << 50));
		}
	}
	return NULL;
}

START_TEST(test_round_trip_threads)
{
	enum { THREADS = 3, CALLS = 20000 };
	pthread_t th[THREADS];
	struct count k;

	/* 64 KiB chunks: each thread fills about ten of them. */
	start_runtime("rt.bin", "64K");
	for (int i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, hammer, (void *)(long)CALLS);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	writer_finish(TRACE_END_EXIT, 0);
	read_back("rt.bin", &k);
	ck_assert_uint_eq(k.enter[1], THREADS * CALLS);
	ck_assert_uint_eq(k.enter[2], THREADS * CALLS);
	ck_assert_uint_eq(k.enter[0], THREADS); /* the ENTER_FULL calls */
	ck_assert_uint_eq(k.exits, THREADS * (2 * CALLS + 1));
	ck_assert(k.monotonic);
	ck_assert(k.ordered);
	ck_assert_uint_eq(k.lost, 0);
	/* Each thread's end record counts what the reader found. */
	ck_assert_uint_eq(k.threads_ended, THREADS);
	ck_assert_uint_eq(k.end_events, k.events);
}
END_TEST

/* Calls made while the guard is held (a signal handler interrupting a
 * hook) are held and written by the interrupted code at its next hook, in
 * time order; past the holding buffer's room they are dropped, counted. */
START_TEST(test_guard_holds_handler_calls)
{
	struct count k;

	start_runtime("guard.bin", "64K");
	__cyg_profile_func_enter(FN(1), NULL);
	tls_guard = 1; /* as if a handler interrupted the runtime */
	call_leaf(FN(2));
	tls_guard = 0;
	ck_assert_uint_eq(tls_thread->nested.tail - tls_thread->nested.head, 2);
	__cyg_profile_func_exit(FN(1), NULL);
	ck_assert(!thread_nested_pending(&tls_thread->nested));
	tls_guard = 1;
	for (int i = 0; i < THREAD_NESTED_MAX; i++) /* twice the room */
		call_leaf(FN(3));
	tls_guard = 0;
	__cyg_profile_func_enter(FN(1), NULL);
	__cyg_profile_func_exit(FN(1), NULL);
	thread_finish(tls_thread);
	writer_finish(TRACE_END_EXIT, 0);
	read_back("guard.bin", &k);
	ck_assert_uint_eq(k.enter[1], 2);
	ck_assert_uint_eq(k.enter[2], 1);
	ck_assert_uint_eq(k.enter[3], THREAD_NESTED_MAX / 2);
	ck_assert_uint_eq(k.exits, 3 + THREAD_NESTED_MAX / 2);
	ck_assert_uint_eq(k.lost, THREAD_NESTED_MAX);
	ck_assert(k.monotonic);
}
END_TEST

/* longjmp skips the exits of the frames it unwinds: the runtime closes them
 * as the jump is made (their CFAs are below the target's stack pointer). */
static jmp_buf jb;
static uint32_t depth_before_jump, depth_after_jump;
static bool target_unknown; /* as where the jmp_buf cannot be read */

__attribute__((noinline)) static void frame3(void)
{
	__cyg_profile_func_enter(FN(3), NULL);
	depth_before_jump = tls_thread->depth;
	calls_longjmp(target_unknown ? NULL : jb); /* what libmprof's longjmp wrapper does */
	depth_after_jump = tls_thread->depth;
	longjmp(jb, 1);
}

__attribute__((noinline)) static void frame2(int jump)
{
	__cyg_profile_func_enter(FN(2), NULL);
	if (jump)
		frame3();
	__cyg_profile_func_exit(FN(2), NULL);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void frame1(void)
{
	__cyg_profile_func_enter(FN(1), NULL);
	if (setjmp(jb) == 0)
		frame2(1);
	__cyg_profile_func_exit(FN(1), NULL);
}

START_TEST(test_longjmp_resync)
{
	struct count k;

	start_runtime("longjmp.bin", "64K");
	frame1();
	ck_assert_uint_eq(depth_before_jump, 3);
	ck_assert_uint_eq(depth_after_jump, 1); /* frame1, the target's */
	ck_assert_uint_eq(tls_thread->depth, 0);
	thread_finish(tls_thread);
	writer_finish(TRACE_END_EXIT, 0);
	read_back("longjmp.bin", &k);
	ck_assert_uint_eq(k.enter[1], 1);
	ck_assert_uint_eq(k.enter[2], 1);
	ck_assert_uint_eq(k.enter[3], 1);
	ck_assert_uint_eq(k.exits, 3);
}
END_TEST

/* Deep recursion beyond the initial shadow stack: it grows. */
enum { DEPTH = 100000 };

__attribute__((noinline)) static void recurse(int n)
{
	__cyg_profile_func_enter(FN(1), NULL);
	if (n > 1)
		recurse(n - 1);
	else
		ck_assert_uint_ge(tls_thread->cap, DEPTH);
	__cyg_profile_func_exit(FN(1), NULL);
	__asm__ volatile("" ::: "memory");
}

static void *recurse_thread(void *arg)
{
	recurse(DEPTH);
	ck_assert_uint_eq(tls_thread->depth, 0);
	return NULL;
}

START_TEST(test_deep_stack)
{
	pthread_attr_t attr;
	pthread_t th;
	struct count k;

	start_runtime("deep.bin", "1M");
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 20);
	pthread_create(&th, &attr, recurse_thread, NULL);
	pthread_join(th, NULL);
	writer_finish(TRACE_END_EXIT, 0);
	read_back("deep.bin", &k);
	ck_assert_uint_eq(k.enter[1], DEPTH);
	ck_assert_uint_eq(k.exits, DEPTH);
}
END_TEST

/* Where the target is not known, a function entered at the level of a
 * frame longjmp abandoned (here the same function from the same caller, as
 * in a retry loop) replaces it: the abandoned frames are closed first. */
START_TEST(test_sibling_after_longjmp)
{
	struct count k;

	start_runtime("sibling.bin", "64K");
	target_unknown = true;
	if (setjmp(jb) == 0)
		frame2(1); /* enters 2, then 3, then longjmps back here */
	ck_assert_uint_eq(tls_thread->depth, 2);
	frame2(0); /* closes 3 and the first 2, then enters and leaves 2 */
	target_unknown = false;
	ck_assert_uint_eq(tls_thread->depth, 0);
	thread_finish(tls_thread);
	writer_finish(TRACE_END_EXIT, 0);
	read_back("sibling.bin", &k);
	ck_assert_uint_eq(k.enter[2], 2);
	ck_assert_uint_eq(k.enter[3], 1);
	ck_assert_uint_eq(k.exits, 3);
}
END_TEST

/* An inlined function calls its hooks from its caller's frame: the same
 * CFA as the caller's own entry. It is nested, not a sibling. */
__attribute__((noinline)) static void inlined_calls(void)
{
	__cyg_profile_func_enter(FN(1), NULL);
	for (int i = 0; i < 3; i++) {
		__cyg_profile_func_enter(FN(2), NULL);
		ck_assert_uint_eq(tls_thread->depth, 2);
		__cyg_profile_func_exit(FN(2), NULL);
	}
	__cyg_profile_func_exit(FN(1), NULL);
	__asm__ volatile("" ::: "memory");
}

START_TEST(test_inlined_nested)
{
	struct count k;

	start_runtime("inlined.bin", "64K");
	inlined_calls();
	ck_assert_uint_eq(tls_thread->depth, 0);
	thread_finish(tls_thread);
	writer_finish(TRACE_END_EXIT, 0);
	read_back("inlined.bin", &k);
	ck_assert_uint_eq(k.enter[1], 1);
	ck_assert_uint_eq(k.enter[2], 3);
	ck_assert_uint_eq(k.exits, 4);
}
END_TEST

/* ---------------------------------------------------------- record-time filters */

/* Real functions, named in this program's symbol table (different bodies:
 * identical ones could be folded into one). */
static volatile int filt_sink;

__attribute__((noinline)) static void filt_keep_one(void)
{
	filt_sink += 1;
}

__attribute__((noinline)) static void filt_keep_two(void)
{
	filt_sink += 2;
}

__attribute__((noinline)) static void filt_drop(void)
{
	filt_sink += 3;
}

/* filt_keep_one calls filt_drop calls filt_keep_two, each hook pair from
 * its own frame. */
__attribute__((noinline)) static void filt_nest(void)
{
	__cyg_profile_func_enter((void *)filt_keep_one, NULL);
	__cyg_profile_func_enter((void *)filt_drop, NULL);
	call_leaf((void *)filt_keep_two);
	__cyg_profile_func_exit((void *)filt_drop, NULL);
	__cyg_profile_func_exit((void *)filt_keep_one, NULL);
	__asm__ volatile("" ::: "memory");
}

static void watch_filt(void)
{
	watch[0] = (uintptr_t)filt_keep_one;
	watch[1] = (uintptr_t)filt_keep_two;
	watch[2] = (uintptr_t)filt_drop;
}

/* Patterns name functions by their symbol: a left-out call's callees are
 * still written; exclude wins over include. */
START_TEST(test_filter_patterns)
{
	enum { N = 1000 };
	struct count k;

	setenv("MPROF_INCLUDE", "filt_keep_*,filt_drop", 1);
	setenv("MPROF_EXCLUDE", "filt_d?op", 1);
	start_runtime("pat.bin", "64K");
	ck_assert(filter.patterns);
	ck_assert(filter_admits((uintptr_t)filt_keep_one));
	ck_assert(!filter_admits((uintptr_t)filt_drop));
	/* Not a function's first byte, or no function at all: not included. */
	ck_assert(!filter_admits((uintptr_t)filt_keep_one + 1));
	ck_assert(!filter_admits((uintptr_t)&filt_sink));
	for (int i = 0; i < N; i++)
		filt_nest();
	ck_assert_uint_eq(tls_thread->depth, 0);
	thread_finish(tls_thread);
	writer_finish(TRACE_END_EXIT, 0);
	watch_filt();
	read_back("pat.bin", &k);
	ck_assert_uint_eq(k.watched[0], N);
	ck_assert_uint_eq(k.watched[1], N);
	ck_assert_uint_eq(k.watched[2], 0);
	ck_assert_uint_eq(k.exits, 2 * N);
	ck_assert_uint_eq(k.filtered, N);
	ck_assert_uint_eq(k.lost, 0);
	ck_assert_uint_eq(k.end_events, k.events);
}
END_TEST

/* The verdict cache grows past its first size and keeps every verdict
 * (odd addresses: no function starts there in this build). */
START_TEST(test_filter_cache_grows)
{
	setenv("MPROF_EXCLUDE", "filt_drop", 1);
	start_runtime("grow.bin", "64K");
	for (uintptr_t i = 1; i <= 20000; i++)
		ck_assert(filter_admits((uintptr_t)filt_keep_one + i * 16 + 1));
	ck_assert(!filter_admits((uintptr_t)filt_drop));
	ck_assert(filter_admits((uintptr_t)filt_keep_one));
	for (uintptr_t i = 1; i <= 20000; i += 97)
		ck_assert(filter_admits((uintptr_t)filt_keep_one + i * 16 + 1));
	ck_assert(!filter_admits((uintptr_t)filt_drop));
}
END_TEST

/* Depth counts written frames only: filt_drop, left out, is no level. */
START_TEST(test_filter_max_depth)
{
	enum { N = 500 };
	struct count k;

	setenv("MPROF_MAX_DEPTH", "1", 1);
	start_runtime("depth1.bin", "64K");
	for (int i = 0; i < N; i++)
		filt_nest();
	thread_finish(tls_thread);
	writer_finish(TRACE_END_EXIT, 0);
	watch_filt();
	read_back("depth1.bin", &k);
	ck_assert_uint_eq(k.watched[0], N);
	ck_assert_uint_eq(k.watched[1] + k.watched[2], 0);
	ck_assert_uint_eq(k.filtered, 2 * N);
	ck_assert_uint_eq(k.exits, N);
}
END_TEST

START_TEST(test_filter_max_depth_hidden_no_level)
{
	enum { N = 500 };
	struct count k;

	setenv("MPROF_MAX_DEPTH", "2", 1);
	setenv("MPROF_EXCLUDE", "filt_drop", 1);
	start_runtime("depth2.bin", "64K");
	for (int i = 0; i < N; i++)
		filt_nest();
	thread_finish(tls_thread);
	writer_finish(TRACE_END_EXIT, 0);
	watch_filt();
	read_back("depth2.bin", &k);
	ck_assert_uint_eq(k.watched[0], N);
	ck_assert_uint_eq(k.watched[1], N); /* depth 2: filt_drop is no level */
	ck_assert_uint_eq(k.filtered, N);
}
END_TEST

/* A call shorter than the minimum is taken back when nothing was written
 * after its entry: here every call, TIME records included. */
START_TEST(test_filter_min_duration_takes_back)
{
	enum { CALLS = 3000 };
	struct count k;

	/* Far longer than any call here can last, however loaded the machine. */
	setenv("MPROF_MIN_DURATION", "1000s", 1);
	start_runtime("min.bin", "64K");
	ck_assert_uint_gt(filter.min_ticks, 0);
	hammer((void *)(long)CALLS); /* with a TIME record and an ENTER_FULL */
	ck_assert_uint_eq(tls_thread->depth, 0);
	thread_finish(tls_thread);
	writer_finish(TRACE_END_EXIT, 0);
	read_back("min.bin", &k);
	ck_assert_uint_eq(k.enter[0] + k.enter[1] + k.enter[2], 0);
	ck_assert_uint_eq(k.exits, 0);
	ck_assert_uint_eq(k.filtered, 2 * CALLS + 1);
	ck_assert_uint_eq(k.end_events, k.events);
	ck_assert_uint_eq(k.lost, 0);
}
END_TEST

/* A call with something written after its entry stays: here a signal
 * handler's call, held while the guard was up and written before the
 * exit. Held calls are filtered by pattern but not by duration. */
START_TEST(test_filter_min_duration_keeps)
{
	struct count k;

	setenv("MPROF_MIN_DURATION", "1000s", 1);
	setenv("MPROF_EXCLUDE", "filt_drop", 1);
	start_runtime("keep.bin", "64K");
	__cyg_profile_func_enter(FN(1), NULL);
	tls_guard = 1; /* as if a handler interrupted the runtime */
	call_leaf(FN(2));
	call_leaf((void *)filt_drop);
	tls_guard = 0;
	__cyg_profile_func_exit(FN(1), NULL);
	ck_assert_uint_eq(tls_thread->slow & THREAD_SLOW_HELD, 0);
	call_leaf(FN(3)); /* taken back */
	thread_finish(tls_thread);
	writer_finish(TRACE_END_EXIT, 0);
	watch_filt();
	read_back("keep.bin", &k);
	ck_assert_uint_eq(k.enter[1], 1);
	ck_assert_uint_eq(k.enter[2], 1);
	ck_assert_uint_eq(k.enter[3], 0);
	ck_assert_uint_eq(k.watched[2], 0);
	ck_assert_uint_eq(k.exits, 2);
	ck_assert_uint_eq(k.filtered, 2);
}
END_TEST

/* ---------------------------------------------------------- stacks */

START_TEST(test_stack_intern)
{
	struct stack_table tab;
	uint64_t a[3] = { 1, 2, 3 }, b[3] = { 1, 2, 4 }, frames[4];
	bool is_new;
	uint32_t ida, idb;

	memset(&tab, 0, sizeof(tab));
	ida = stack_intern(&tab, a, 3, &is_new);
	ck_assert_uint_eq(ida, 1);
	ck_assert(is_new);
	ck_assert_uint_eq(stack_intern(&tab, a, 3, &is_new), ida);
	ck_assert(!is_new);
	idb = stack_intern(&tab, b, 3, &is_new);
	ck_assert_uint_eq(idb, 2);
	ck_assert(is_new);
	/* A prefix is another stack. */
	ck_assert_uint_eq(stack_intern(&tab, a, 2, &is_new), 3);
	ck_assert(is_new);
	/* Past the initial table size: every stack keeps its id. */
	for (uint64_t i = 0; i < 5000; i++) {
		frames[0] = i;
		frames[1] = i * 7;
		frames[2] = ~i;
		frames[3] = 42;
		ck_assert_uint_eq(stack_intern(&tab, frames, 4, &is_new), 4 + i);
		ck_assert(is_new);
	}
	for (uint64_t i = 0; i < 5000; i += 7) {
		frames[0] = i;
		frames[1] = i * 7;
		frames[2] = ~i;
		frames[3] = 42;
		ck_assert_uint_eq(stack_intern(&tab, frames, 4, &is_new), 4 + i);
		ck_assert(!is_new);
	}
	ck_assert_uint_eq(stack_intern(&tab, b, 3, &is_new), idb);
	/* After a dlclose the same addresses may be other code: every stack
	 * gets a new id (never one handed out before), once. */
	stack_forget_all();
	ck_assert_uint_eq(stack_intern(&tab, b, 3, &is_new), 5004);
	ck_assert(is_new);
	ck_assert_uint_eq(stack_intern(&tab, a, 3, &is_new), 5005);
	ck_assert(is_new);
	ck_assert_uint_eq(stack_intern(&tab, b, 3, &is_new), 5004);
	ck_assert(!is_new);
	ck_assert_uint_eq(tab.used, 2);
	stack_table_release(&tab);
}
END_TEST

static Suite *runtime_suite(void)
{
	Suite *s = suite_create("runtime");
	TCase *env = tcase_create("env"), *clk = tcase_create("clock");
	TCase *rt = tcase_create("round trip"), *st = tcase_create("stacks");
	TCase *flt = tcase_create("record-time filters");

	tcase_add_test(env, test_parse_size);
	tcase_add_test(env, test_parse_events);
	tcase_add_test(env, test_parse_bool);
	tcase_add_test(env, test_parse_offcpu);
	tcase_add_test(clk, test_clock_monotonic);
	tcase_add_test(clk, test_clock_tsc_calibration);
	tcase_add_test(rt, test_round_trip_threads);
	tcase_add_test(rt, test_guard_holds_handler_calls);
	tcase_add_test(rt, test_longjmp_resync);
	tcase_add_test(rt, test_deep_stack);
	tcase_add_test(rt, test_sibling_after_longjmp);
	tcase_add_test(rt, test_inlined_nested);
	tcase_set_timeout(rt, 60);
	tcase_add_test(flt, test_filter_patterns);
	tcase_add_test(flt, test_filter_cache_grows);
	tcase_add_test(flt, test_filter_max_depth);
	tcase_add_test(flt, test_filter_max_depth_hidden_no_level);
	tcase_add_test(flt, test_filter_min_duration_takes_back);
	tcase_add_test(flt, test_filter_min_duration_keeps);
	suite_add_tcase(s, flt);
	suite_add_tcase(s, env);
	suite_add_tcase(s, clk);
	suite_add_tcase(s, rt);
	tcase_add_test(st, test_stack_intern);
	suite_add_tcase(s, st);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;
	char cmd[64];

	if (!mkdtemp(tmpdir))
		return 99;
	have_tsc = clock_init(0) == TRACE_CLOCK_TSC;
	sr = srunner_create(runtime_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		return 99;
	if (failed)
		return 1;
	if (!have_tsc) {
		/* Everything else passed; the TSC calibration could not run. */
		printf("SKIP: no invariant time-stamp counter: TSC calibration not tested\n");
		return 77;
	}
	return 0;
}
