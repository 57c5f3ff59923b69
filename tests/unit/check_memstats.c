/* SPDX-License-Identifier: MIT */
/*
 * check_memstats.c - unit tests of the live-heap accounting
 * (tools/memstats.c): the one time order across threads and chunks,
 * reallocs, leaks, the peak and who held it, temporary allocations, frees of
 * unknown blocks, stack interning, snapshots; and a randomized comparison
 * with a plain model that sorts every event first.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callstats.h"
#include "memstats.h"
#include "trace_builder.h"

static struct ms_heap heap;
static struct tb *tb;

static void setup(void)
{
	ms_heap_init(&heap);
	tb = tb_new();
}

static void teardown(void)
{
	ms_heap_release(&heap);
	tb_free(tb);
}

/* ------------------------------------------------ events fed directly */

static void ev_stack(uint32_t thread, uint32_t id, const uint64_t *frames, unsigned n, bool shadow)
{
	struct trace_mem m = { .stack = id, .shadow = shadow, .frames = frames, .nframes = n };

	ms_heap_event(&heap, thread, TRACE_EV_STACK, &m);
}

static void ev_alloc(uint32_t thread, uint64_t addr, uint64_t size, uint32_t stack, uint64_t at)
{
	struct trace_mem m = {
		.addr = addr, .size = size, .stack = stack, .ticks = at, .kind = TRACE_ALLOC_MALLOC
	};

	ms_heap_event(&heap, thread, TRACE_EV_ALLOC, &m);
}

static void ev_free(uint32_t thread, uint64_t addr, uint64_t at)
{
	struct trace_mem m = { .addr = addr, .ticks = at };

	ms_heap_event(&heap, thread, TRACE_EV_FREE, &m);
}

static void ev_realloc(uint32_t thread, uint64_t old, uint64_t addr, uint64_t size, uint32_t stack,
		       uint64_t free_at, uint64_t at)
{
	struct trace_mem m = { .old_addr = old,
			       .addr = addr,
			       .size = size,
			       .stack = stack,
			       .free_ticks = free_at,
			       .ticks = at,
			       .kind = TRACE_ALLOC_REALLOC };

	ms_heap_event(&heap, thread, TRACE_EV_REALLOC, &m);
}

static void ev_snapshot(uint32_t thread, const char *label, uint64_t at)
{
	struct trace_mem m = { .label = label, .label_len = strlen(label), .ticks = at };

	ms_heap_event(&heap, thread, TRACE_EV_SNAPSHOT, &m);
}

/* The live blocks and bytes, then the counters. */
static void check_live(uint64_t blocks, uint64_t bytes)
{
	ck_assert_uint_eq(heap.live_blocks, blocks);
	ck_assert_uint_eq(heap.live_bytes, bytes);
}

static const uint64_t fa[2] = { 0x401000, 0x402000 };
static const uint64_t fb[2] = { 0x403000, 0x402000 };

/* The interned stack of frames fa (1) and fb (2), defined by thread 1. */
static void two_stacks(void)
{
	ev_stack(1, 1, fa, 2, false);
	ev_stack(1, 2, fb, 2, false);
	ck_assert_uint_eq(heap.nstacks, 3);
}

START_TEST(test_realloc)
{
	two_stacks();
	ev_realloc(1, 0, 0xa0, 100, 1, 1, 2); /* realloc(NULL): an allocation only */
	ms_heap_advance(&heap, 3);
	ck_assert_uint_eq(heap.allocs, 1);
	ck_assert_uint_eq(heap.frees, 0);
	check_live(1, 100);
	ev_realloc(1, 0xa0, 0xa0, 200, 1, 4, 5); /* resized in place */
	ms_heap_advance(&heap, 6);
	ck_assert_uint_eq(heap.allocs, 2);
	ck_assert_uint_eq(heap.frees, 1);
	ck_assert_uint_eq(heap.replaced, 0);
	check_live(1, 200);
	ck_assert_uint_eq(heap.temp_allocs, 1); /* freed before anything else: temporary */
	ck_assert_uint_eq(heap.temp_bytes, 100);
	ev_realloc(1, 0xa0, 0xb0, 50, 2, 7, 8);	 /* moved, from another site */
	ev_realloc(1, 0xc0, 0xd0, 10, 2, 9, 10); /* of a block never seen */
	ms_heap_finish(&heap, 0, 0);
	ck_assert_uint_eq(heap.allocs, 4);
	ck_assert_uint_eq(heap.frees, 2);
	ck_assert_uint_eq(heap.unknown_frees, 1);
	ck_assert_uint_eq(heap.bytes, 360);
	check_live(2, 60);
	ck_assert_uint_eq(heap.temp_allocs, 2);
	ck_assert_uint_eq(heap.temp_bytes, 300);
	ck_assert_uint_eq(heap.peak_bytes, 200);
	ck_assert_uint_eq(heap.peak_ticks, 5);
	ck_assert_uint_eq(heap.stacks[1]->allocs, 2);
	ck_assert_uint_eq(heap.stacks[1]->live_blocks, 0);
	ck_assert_uint_eq(heap.stacks[2]->live_bytes, 60);
}
END_TEST

START_TEST(test_peak_contributors)
{
	two_stacks();
	ev_alloc(1, 0xa, 100, 1, 1);
	ev_alloc(1, 0xb, 300, 2, 2);
	ev_alloc(1, 0xc, 50, 1, 3); /* 450: a first peak */
	ev_free(1, 0xb, 4);
	ev_alloc(1, 0xd, 200, 1, 5); /* 350 */
	ev_free(1, 0xa, 6);
	ev_alloc(1, 0xe, 400, 2, 7); /* 650: the peak, held by c, d and e */
	ev_free(1, 0xe, 8);
	ev_free(1, 0xc, 9);
	ev_alloc(1, 0xf, 640, 0, 10); /* 840 would be... 200 + 640 = 840: a new peak */
	ev_free(1, 0xf, 11);
	ms_heap_finish(&heap, 0, 20);
	ck_assert_uint_eq(heap.peak_bytes, 840);
	ck_assert_uint_eq(heap.peak_blocks, 2);
	ck_assert_uint_eq(heap.peak_ticks, 10);
	ck_assert_uint_eq(ms_stack_peak_bytes(&heap, heap.stacks[1]), 200);
	ck_assert_uint_eq(ms_stack_peak_blocks(&heap, heap.stacks[1]), 1);
	ck_assert_uint_eq(ms_stack_peak_bytes(&heap, heap.stacks[2]), 0);
	ck_assert_uint_eq(ms_stack_peak_bytes(&heap, heap.stacks[0]), 640);
	check_live(1, 200);
	ck_assert_uint_eq(heap.stacks[1]->live_bytes, 200); /* the leak */
	ck_assert_uint_eq(heap.stacks[1]->allocs, 3);
	ck_assert_uint_eq(heap.stacks[1]->bytes, 350);
}
END_TEST

START_TEST(test_peak_kept)
{
	two_stacks();
	ev_alloc(1, 0xa, 100, 1, 1);
	ev_alloc(1, 0xb, 300, 2, 2);
	ev_alloc(1, 0xc, 50, 1, 3);
	ev_free(1, 0xb, 4);
	ev_alloc(1, 0xd, 200, 1, 5);
	ev_free(1, 0xa, 6);
	ev_alloc(1, 0xe, 400, 2, 7); /* 650: the peak */
	ev_free(1, 0xe, 8);
	ev_free(1, 0xc, 9);
	ev_alloc(1, 0xe, 650, 2, 10); /* 850 */
	ev_free(1, 0xe, 11);
	ev_alloc(1, 0xe, 1, 1, 12);
	ms_heap_finish(&heap, 0, 20);
	ck_assert_uint_eq(heap.peak_bytes, 850);
	ck_assert_uint_eq(heap.peak_ticks, 10);
	ck_assert_uint_eq(ms_stack_peak_bytes(&heap, heap.stacks[1]), 200);
	ck_assert_uint_eq(ms_stack_peak_blocks(&heap, heap.stacks[1]), 1);
	ck_assert_uint_eq(ms_stack_peak_bytes(&heap, heap.stacks[2]), 650);
	ck_assert_uint_eq(heap.stacks[1]->live_bytes, 201);
}
END_TEST

START_TEST(test_temporaries)
{
	two_stacks();
	ev_alloc(1, 0xa, 1, 1, 1);
	ev_free(1, 0xa, 2); /* temporary */
	ev_alloc(1, 0xb, 2, 1, 3);
	ev_alloc(1, 0xc, 4, 1, 4);
	ev_free(1, 0xb, 5); /* no: c came after b */
	ev_free(1, 0xc, 6); /* no: its thread freed b since */
	ev_alloc(1, 0xd, 8, 2, 7);
	ev_free(2, 0xd, 8); /* yes, freed by another thread */
	ev_alloc(1, 0xe, 16, 2, 9);
	ev_alloc(2, 0xf, 32, 0, 10);
	ev_free(2, 0xe, 11); /* yes: thread 2's allocation does not count */
	ev_alloc(1, 0x10, 64, 1, 12);
	ev_free(1, 0x999, 13); /* unknown: not an event of the heap */
	ev_free(1, 0x10, 14);  /* yes */
	ms_heap_finish(&heap, 0, 20);
	ck_assert_uint_eq(heap.temp_allocs, 4);
	ck_assert_uint_eq(heap.temp_bytes, 1 + 8 + 16 + 64);
	ck_assert_uint_eq(heap.stacks[1]->temp_allocs, 2);
	ck_assert_uint_eq(heap.stacks[2]->temp_allocs, 2);
	ck_assert_uint_eq(heap.stacks[2]->temp_bytes, 24);
	ck_assert_uint_eq(heap.unknown_frees, 1);
	ck_assert_uint_eq(heap.frees, 6);
	check_live(1, 32);
}
END_TEST

START_TEST(test_unknown_and_replaced)
{
	two_stacks();
	ev_free(1, 0x42, 1);
	ev_alloc(1, 0xa, 100, 1, 2);
	ev_alloc(1, 0xa, 30, 2, 3); /* the allocator cannot have returned it twice */
	ev_alloc(1, 0, 30, 2, 4);   /* ignored */
	ms_heap_finish(&heap, 0, 10);
	ck_assert_uint_eq(heap.unknown_frees, 1);
	ck_assert_uint_eq(heap.replaced, 1);
	ck_assert_uint_eq(heap.allocs, 2);
	ck_assert_uint_eq(heap.frees, 0);
	check_live(1, 30);
	ck_assert_uint_eq(heap.stacks[1]->live_blocks, 0);
	ck_assert_uint_eq(heap.stacks[2]->live_bytes, 30);
	ck_assert_uint_eq(heap.peak_bytes, 100);
}
END_TEST

START_TEST(test_stack_interning)
{
	ev_stack(1, 1, fa, 2, false);
	ev_stack(2, 7, fa, 2, false); /* the same frames from another thread */
	ev_stack(2, 8, fa, 2, true);  /* a shadow stack: frame 2 means another thing */
	ev_stack(3, 1, fa, 1, false);
	ck_assert_uint_eq(heap.nstacks, 4);
	ev_alloc(1, 0xa, 1, 1, 1);
	ev_alloc(2, 0xb, 2, 7, 2);
	ev_alloc(2, 0xc, 4, 8, 3);
	ev_alloc(3, 0xd, 8, 1, 4);
	ev_alloc(3, 0xe, 16, 5, 5); /* not defined: the unknown stack */
	ms_heap_finish(&heap, 0, 10);
	ck_assert_uint_eq(heap.stacks[1]->bytes, 3);
	ck_assert_uint_eq(heap.stacks[1]->first_ticks, 1);
	ck_assert(heap.stacks[2]->shadow);
	ck_assert_uint_eq(heap.stacks[2]->bytes, 4);
	ck_assert_uint_eq(heap.stacks[3]->nframes, 1);
	ck_assert_uint_eq(heap.stacks[3]->bytes, 8);
	ck_assert_uint_eq(heap.stacks[0]->bytes, 16);
}
END_TEST

/* Many stacks force the index to grow; every one is found again. */
START_TEST(test_stack_many)
{
	uint64_t f[3];
	uint32_t i;

	for (i = 1; i <= 5000; i++) {
		f[0] = i;
		f[1] = i * 7;
		f[2] = 3;
		ev_stack(1, i, f, 3, false);
		ev_stack(2, i, f, 3, false);
		ev_alloc(2, 0x1000 + i * 16, i, i, i);
	}
	ms_heap_finish(&heap, 0, 0);
	ck_assert_uint_eq(heap.nstacks, 5001);
	for (i = 1; i <= 5000; i++) {
		ck_assert_uint_eq(heap.stacks[i]->frames[0], i);
		ck_assert_uint_eq(heap.stacks[i]->bytes, i);
	}
	check_live(5000, 5000 * 5001 / 2);
}
END_TEST

/* Many blocks come and go: the live table grows and deletes right. */
START_TEST(test_blocks_churn)
{
	static bool live[20000];
	uint64_t n = 0, bytes = 0, t = 0;
	size_t i;

	srand(7);
	for (i = 0; i < 200000; i++) {
		size_t k = (size_t)rand() % 20000;
		uint64_t addr = 0x10000 + (uint64_t)k * 4096;

		if (live[k]) {
			ev_free(1, addr, ++t);
			n--;
			bytes -= k;
		} else {
			ev_alloc(1, addr, k, 0, ++t);
			n++;
			bytes += k;
		}
		live[k] = !live[k];
		if (i % 1000 == 0)
			ms_heap_advance(&heap, t + 1);
	}
	ms_heap_finish(&heap, 0, 0);
	ck_assert_uint_eq(heap.unknown_frees, 0);
	ck_assert_uint_eq(heap.replaced, 0);
	check_live(n, bytes);
}
END_TEST

START_TEST(test_snapshots)
{
	const struct ms_snapshot *s;
	size_t n;

	two_stacks();
	ev_alloc(1, 0xa, 100, 1, 10);
	ev_alloc(1, 0xb, 20, 2, 11);
	ev_snapshot(2, "before", 12);
	ev_alloc(1, 0xc, 5, 1, 13);
	ev_free(1, 0xb, 14);
	ev_snapshot(1, "after", 15);
	ev_snapshot(2, "before", 16); /* a second one with the same label */
	ms_heap_finish(&heap, 3, 50);
	ck_assert_uint_eq(heap.nsnaps, 5);
	s = heap.snaps[0];
	ck_assert_str_eq(s->label, "start");
	ck_assert(s->implicit);
	ck_assert_uint_eq(s->ticks, 3);
	ck_assert_uint_eq(s->nentries, 0);
	s = ms_heap_snapshot(&heap, "before", &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_eq(s, heap.snaps[1]);
	ck_assert_uint_eq(s->live_bytes, 120);
	ck_assert_uint_eq(s->nentries, 2);
	ck_assert_uint_eq(s->entries[0].stack, 1);
	ck_assert_uint_eq(s->entries[0].bytes, 100);
	ck_assert_uint_eq(s->entries[1].stack, 2);
	ck_assert_uint_eq(s->entries[1].blocks, 1);
	ck_assert_uint_eq(s->thread, 2);
	s = heap.snaps[2];
	ck_assert_str_eq(s->label, "after");
	ck_assert_uint_eq(s->nentries, 1);
	ck_assert_uint_eq(s->entries[0].blocks, 2);
	ck_assert_uint_eq(s->entries[0].bytes, 105);
	s = heap.snaps[4];
	ck_assert_str_eq(s->label, "end");
	ck_assert(s->implicit);
	ck_assert_uint_eq(s->ticks, 50);
	ck_assert_uint_eq(s->live_bytes, 105);
	ck_assert_ptr_null(ms_heap_snapshot(&heap, "nope", &n));
	ck_assert_uint_eq(n, 0);
}
END_TEST

/* The trace's own start and end replace the implicit ones. */
START_TEST(test_snapshots_own_labels)
{
	ev_snapshot(1, "end", 5);
	ev_alloc(1, 0xa, 1, 0, 6);
	ev_snapshot(1, "start", 7);
	ms_heap_finish(&heap, 0, 50);
	ck_assert_uint_eq(heap.nsnaps, 2);
	ck_assert_str_eq(heap.snaps[0]->label, "end");
	ck_assert_str_eq(heap.snaps[1]->label, "start");
	ck_assert_uint_eq(heap.snaps[1]->live_blocks, 1);
}
END_TEST

/* No memory events, no snapshots. */
START_TEST(test_snapshots_none)
{
	ev_stack(1, 1, fa, 2, false);
	ms_heap_finish(&heap, 0, 50);
	ck_assert_uint_eq(heap.nsnaps, 0);
	ck_assert_uint_eq(heap.events, 0);
}
END_TEST

/* Only what lies before the watermark is processed; ties go by thread serial. */
START_TEST(test_watermark)
{
	ev_alloc(2, 0xa, 1, 0, 10);
	ev_alloc(2, 0xb, 2, 0, 20);
	ev_free(1, 0xa, 15);
	ev_alloc(1, 0xa, 4, 0, 20); /* at 20, like 0xb: thread 1 first */
	ms_heap_advance(&heap, 15);
	ck_assert_uint_eq(heap.allocs, 1);
	ck_assert_uint_eq(heap.frees, 0);
	ms_heap_advance(&heap, 20);
	ck_assert_uint_eq(heap.frees, 1);
	ck_assert_uint_eq(heap.allocs, 1);
	ms_heap_advance(&heap, 21);
	ck_assert_uint_eq(heap.allocs, 3);
	ck_assert_uint_eq(heap.peak_bytes, 6);
	ck_assert_uint_eq(heap.peak_blocks, 2);
	ms_heap_advance(&heap, 10); /* never backwards */
	ev_free(2, 0xb, 12);	    /* breaks the order rule */
	ms_heap_finish(&heap, 0, 0);
	ck_assert_uint_eq(heap.late, 1);
	check_live(1, 4);
}
END_TEST

/* ------------------------------------------------------- through traces */

/* Read the builder's trace into a profile with the heap. */
static void read_trace(void)
{
	struct trace_reader r;
	struct cs_profile prof;

	ck_assert_int_eq(trace_reader_open(&r, tb_write(tb)), 0);
	cs_profile_init(&prof, 0, 0);
	prof.heap = &heap;
	ck_assert_int_eq(cs_profile_read(&prof, &r), 0);
	cs_profile_release(&prof);
	trace_reader_release(&r);
}

/*
 * Thread 2's chunk lies first in the file (opened first) and frees, at 300,
 * the block thread 1 allocated at 200 in a chunk further on; and thread 1
 * reuses at 40 the address thread 2 freed at 30, allocated by 1 at 20.
 */
START_TEST(test_order_across_threads)
{
	tb_chunk(tb, 1, 0);
	tb_alloc(tb, 0x10, 64, 0, 20);
	tb_alloc(tb, 0x10, 16, 0, 40);
	tb_chunk(tb, 2, 10);
	tb_release(tb, 0x10, 30);
	tb_release(tb, 0x20, 300);
	tb_chunk(tb, 1, 100);
	tb_alloc(tb, 0x20, 1000, 0, 200);
	read_trace();
	ck_assert_uint_eq(heap.allocs, 3);
	ck_assert_uint_eq(heap.frees, 2);
	ck_assert_uint_eq(heap.unknown_frees, 0);
	ck_assert_uint_eq(heap.replaced, 0);
	ck_assert_uint_eq(heap.late, 0);
	check_live(1, 16);
	ck_assert_uint_eq(heap.peak_bytes, 1016);
	ck_assert_uint_eq(heap.peak_ticks, 200);
	ck_assert_uint_eq(heap.nsnaps, 2);
	ck_assert_uint_eq(heap.snaps[1]->live_bytes, 16);
}
END_TEST

/* A chunk whose events are earlier than an earlier chunk's opening. */
START_TEST(test_order_broken)
{
	tb_chunk(tb, 1, 0);
	tb_alloc(tb, 0x10, 64, 0, 20);
	tb_chunk(tb, 2, 100);
	tb_alloc(tb, 0x20, 64, 0, 120);
	tb_chunk(tb, 3, 50); /* out of order in the file */
	tb_release(tb, 0x20, 60);
	read_trace();
	ck_assert_uint_eq(heap.late, 1);
}
END_TEST

/* ----------------------------------------------------- random vs model */

#define R_THREADS 5
#define R_ADDRS	  24
#define R_EVENTS  3000

struct r_event {
	uint64_t ticks;
	uint32_t thread;
	int type; /* 0 alloc, 1 free, 2 realloc, 3 snapshot */
	uint64_t old, addr, size;
	uint32_t stack;
};

/* The plain model: events already in time order. */
struct model {
	bool live[R_ADDRS + 1];
	uint64_t size[R_ADDRS + 1], seq[R_ADDRS + 1];
	uint32_t stack[R_ADDRS + 1], owner[R_ADDRS + 1];
	uint64_t last[R_THREADS + 1];
	uint64_t allocs, frees, bytes, live_bytes, live_blocks, peak, peak_ticks, temps, unknown;
	uint64_t stack_live[4], stack_peak[4];
	uint64_t snap_bytes[256];
	size_t nsnaps;
};

static void model_free(struct model *m, uint32_t thread, uint64_t addr)
{
	if (addr > R_ADDRS || !m->live[addr]) {
		m->unknown++;
		return;
	}
	m->frees++;
	m->live_bytes -= m->size[addr];
	m->live_blocks--;
	m->stack_live[m->stack[addr]] -= m->size[addr];
	if (m->last[m->owner[addr]] == m->seq[addr])
		m->temps++;
	m->last[thread] = 0;
	m->live[addr] = false;
}

static void model_alloc(struct model *m, const struct r_event *e, uint64_t seq)
{
	size_t i;

	m->allocs++;
	m->bytes += e->size;
	m->live_bytes += e->size;
	m->live_blocks++;
	m->stack_live[e->stack] += e->size;
	m->live[e->addr] = true;
	m->size[e->addr] = e->size;
	m->seq[e->addr] = seq;
	m->stack[e->addr] = e->stack;
	m->owner[e->addr] = e->thread;
	m->last[e->thread] = seq;
	if (m->live_bytes > m->peak) {
		m->peak = m->live_bytes;
		m->peak_ticks = e->ticks;
		for (i = 0; i < 4; i++)
			m->stack_peak[i] = m->stack_live[i];
	}
}

/* A random history in time order: only live blocks freed (but for a few
 * unknown ones), only free addresses allocated, unique ticks. */
static void random_events(struct r_event *evs)
{
	bool live[R_ADDRS + 1] = { false };
	uint64_t ticks = 100;
	size_t i;

	for (i = 0; i < R_EVENTS; i++) {
		struct r_event *e = &evs[i];
		uint64_t a = 1 + (uint64_t)rand() % R_ADDRS, b;

		ticks += 1 + (uint64_t)rand() % 5;
		e->ticks = ticks;
		e->thread = 1 + (uint32_t)rand() % R_THREADS;
		e->stack = (uint32_t)rand() % 4;
		e->size = (uint64_t)rand() % 1000;
		e->old = 0;
		if (rand() % 97 == 0) {
			e->type = 3;
		} else if (rand() % 11 == 0) {
			e->type = 1; /* the free of an unknown block */
			e->addr = 1000 + a;
		} else if (live[a] && rand() % 3) {
			e->type = 1;
			e->addr = a;
			live[a] = false;
		} else if (live[a]) {
			b = 1 + (uint64_t)rand() % R_ADDRS;
			e->type = 2; /* in place, or moved to a free address */
			e->old = a;
			e->addr = live[b] && b != a ? a : b;
			live[a] = false;
			live[e->addr] = true;
		} else {
			e->type = rand() % 5 ? 0 : 2; /* malloc or realloc(NULL) */
			e->addr = a;
			live[a] = true;
		}
	}
}

/*
 * Lay the events out as the runtime would: a thread opens a chunk when it
 * records with none or a full one, so chunks lie in the file in the order
 * of their opening and hold later events of their thread, interleaved in
 * time with other threads' chunks.
 */
static void write_chunks(const struct r_event *evs)
{
	static size_t chunk_of[R_EVENTS];
	static uint32_t chunk_thread[R_EVENTS];
	static uint64_t chunk_open[R_EVENTS];
	size_t cur[R_THREADS + 1], left[R_THREADS + 1] = { 0 }, nchunks = 0, c, i;
	bool defined[R_THREADS + 1] = { false };
	uint64_t frames[1];

	for (i = 0; i < R_EVENTS; i++) {
		uint32_t t = evs[i].thread;

		if (!left[t]) {
			cur[t] = nchunks++;
			chunk_thread[cur[t]] = t;
			chunk_open[cur[t]] = evs[i].ticks - (uint64_t)rand() % 2;
			left[t] = 1 + (size_t)rand() % 40;
		}
		chunk_of[i] = cur[t];
		left[t]--;
	}
	for (c = 0; c < nchunks; c++) {
		uint32_t t = chunk_thread[c];

		tb_chunk(tb, t, chunk_open[c]);
		for (i = 1; i < 4 && !defined[t]; i++) {
			frames[0] = i;
			tb_stack(tb, (uint32_t)i, frames, 1);
		}
		defined[t] = true;
		for (i = 0; i < R_EVENTS; i++) {
			const struct r_event *e = &evs[i];

			if (chunk_of[i] != c)
				continue;
			if (e->type == 0)
				tb_alloc(tb, e->addr, e->size, e->stack, e->ticks);
			else if (e->type == 1)
				tb_release(tb, e->addr, e->ticks);
			else if (e->type == 2)
				tb_realloc(tb, e->old, e->addr, e->size, e->stack, e->ticks,
					   e->ticks);
			else
				tb_snapshot(tb, "s", e->ticks);
		}
	}
}

static void random_history(unsigned seed)
{
	static struct r_event evs[R_EVENTS];
	struct model m = { 0 };
	uint64_t seq = 0;
	size_t i;

	srand(seed);
	random_events(evs);
	for (i = 0; i < R_EVENTS; i++) {
		const struct r_event *e = &evs[i];

		if (e->type == 3)
			m.snap_bytes[m.nsnaps++] = m.live_bytes;
		if (e->type == 1)
			model_free(&m, e->thread, e->addr);
		if (e->type == 2 && e->old)
			model_free(&m, e->thread, e->old);
		if (e->type == 0 || e->type == 2)
			model_alloc(&m, e, ++seq);
	}
	write_chunks(evs);
	read_trace();
	ck_assert_uint_eq(heap.late, 0);
	ck_assert_uint_eq(heap.allocs, m.allocs);
	ck_assert_uint_eq(heap.frees, m.frees);
	ck_assert_uint_eq(heap.unknown_frees, m.unknown);
	ck_assert_uint_eq(heap.bytes, m.bytes);
	ck_assert_uint_eq(heap.live_bytes, m.live_bytes);
	ck_assert_uint_eq(heap.live_blocks, m.live_blocks);
	ck_assert_uint_eq(heap.peak_bytes, m.peak);
	ck_assert_uint_eq(heap.peak_ticks, m.peak_ticks);
	ck_assert_uint_eq(heap.temp_allocs, m.temps);
	ck_assert_uint_eq(heap.replaced, 0);
	for (i = 0; i < 4; i++) {
		ck_assert_uint_eq(heap.stacks[i]->live_bytes, m.stack_live[i]);
		ck_assert_uint_eq(ms_stack_peak_bytes(&heap, heap.stacks[i]), m.stack_peak[i]);
	}
	ck_assert_uint_eq(heap.nsnaps, m.nsnaps + 2);
	for (i = 0; i < m.nsnaps; i++)
		ck_assert_uint_eq(heap.snaps[i + 1]->live_bytes, m.snap_bytes[i]);
}

START_TEST(test_random_vs_model)
{
	random_history((unsigned)_i + 1);
}
END_TEST

static Suite *memstats_suite(void)
{
	Suite *s = suite_create("memstats");
	TCase *tc = tcase_create("accounting");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_realloc);
	tcase_add_test(tc, test_peak_contributors);
	tcase_add_test(tc, test_peak_kept);
	tcase_add_test(tc, test_temporaries);
	tcase_add_test(tc, test_unknown_and_replaced);
	tcase_add_test(tc, test_stack_interning);
	tcase_add_test(tc, test_stack_many);
	tcase_add_test(tc, test_blocks_churn);
	tcase_add_test(tc, test_snapshots);
	tcase_add_test(tc, test_snapshots_own_labels);
	tcase_add_test(tc, test_snapshots_none);
	suite_add_tcase(s, tc);

	tc = tcase_create("order");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_watermark);
	tcase_add_test(tc, test_order_across_threads);
	tcase_add_test(tc, test_order_broken);
	tcase_add_loop_test(tc, test_random_vs_model, 0, 8);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(memstats_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
