/* SPDX-License-Identifier: MIT */
/*
 * alloc.c - write allocation, free, realloc, stack and snapshot records.
 *
 * An allocation record costs a stack capture (free from the shadow stack of
 * an instrumented program, libunwind's cached backtrace otherwise), one
 * intern-table probe, an ordered clock read and four stores; a new stack
 * adds its STACK record once per thread.
 */
#include <string.h>

#include "alloc.h"
#include "clock.h"
#include "snapshot.h"
#include "writer.h"

bool alloc_enabled; /* set at start when MPROF_EVENTS has alloc */

#define ALLOC_WORDS   4 /* header, address, kind|size, ticks */
#define FREE_WORDS    3 /* header, address, ticks */
#define REALLOC_WORDS 6 /* header, old, new, kind|size, free ticks, ticks */

NOINSTR uint64_t alloc_ticks_ordered(void)
{
#if CLOCK_HAVE_TSC
	if (likely(clock_tsc)) {
		/* lfence: rdtsc waits for the allocator's instructions to
		 * complete, so the time is not earlier than the allocation. */
		__builtin_ia32_lfence();
		return __rdtsc();
	}
#endif
	return clock_mono_ns();
}

NOINSTR void alloc_prepare(struct thread_state *t, struct alloc_event *ev, uintptr_t site,
			   unsigned words)
{
	snapshot_poll(t);
	ev->nframes = stack_capture(t, site, ev->frames, &ev->shadow);
	/* Room for the event and, should the stack be new, its definition. */
	ev->room = thread_reserve(t, words + 1 + ev->nframes);
}

/* The stack's id; writes its STACK record at t->pos first if it is new. */
NOINSTR static uint32_t alloc_stack(struct thread_state *t, struct alloc_event *ev)
{
	bool is_new;
	uint32_t id = stack_intern(&t->stacks, ev->frames, ev->nframes, &is_new);

	if (id == 0)
		return 0;
	if (is_new) {
		memcpy(t->pos + 1, ev->frames, ev->nframes * sizeof(uint64_t));
		barrier();
		t->pos[0] = trace_ext_word(TRACE_EXT_STACK, 1 + ev->nframes,
					   id | (ev->shadow ? TRACE_STACK_SHADOW : 0));
		t->pos += 1 + ev->nframes;
	}
	return id;
}

NOINSTR void alloc_record(struct thread_state *t, struct alloc_event *ev, unsigned kind, void *ptr,
			  size_t size)
{
	uint32_t id;
	uint64_t *p;

	if (ev->room == NULL) {
		thread_drop(t, 1);
		return;
	}
	id = alloc_stack(t, ev);
	p = t->pos;
	p[1] = (uintptr_t)ptr;
	p[2] = (uint64_t)kind << TRACE_ALLOC_KIND_SHIFT | (size & TRACE_ALLOC_SIZE_MASK);
	p[3] = alloc_ticks_ordered();
	barrier();
	p[0] = trace_ext_word(TRACE_EXT_ALLOC, ALLOC_WORDS, id);
	t->pos = p + ALLOC_WORDS;
	t->events++;
}

/* Write a FREE at t->pos; room was reserved. */
NOINSTR static void alloc_write_free(struct thread_state *t, void *ptr, uint64_t ticks)
{
	uint64_t *p = t->pos;

	p[1] = (uintptr_t)ptr;
	p[2] = ticks;
	barrier();
	p[0] = trace_ext_word(TRACE_EXT_FREE, FREE_WORDS, 0);
	t->pos = p + FREE_WORDS;
	t->events++;
}

NOINSTR void alloc_record_free(struct thread_state *t, void *ptr)
{
	if (thread_reserve(t, FREE_WORDS) == NULL) {
		thread_drop(t, 1);
		return;
	}
	alloc_write_free(t, ptr, clock_ticks());
}

NOINSTR void alloc_record_realloc_free(struct thread_state *t, struct alloc_event *ev, void *ptr,
				       uint64_t free_ticks)
{
	if (ev->room == NULL) {
		thread_drop(t, 1);
		return;
	}
	alloc_write_free(t, ptr, free_ticks);
}

NOINSTR void alloc_record_realloc(struct thread_state *t, struct alloc_event *ev, unsigned kind,
				  void *old, void *ptr, size_t size, uint64_t free_ticks)
{
	uint32_t id;
	uint64_t *p;

	if (ev->room == NULL) {
		thread_drop(t, 1);
		return;
	}
	id = alloc_stack(t, ev);
	p = t->pos;
	p[1] = (uintptr_t)old;
	p[2] = (uintptr_t)ptr;
	p[3] = (uint64_t)kind << TRACE_ALLOC_KIND_SHIFT | (size & TRACE_ALLOC_SIZE_MASK);
	p[4] = free_ticks;
	p[5] = alloc_ticks_ordered();
	barrier();
	p[0] = trace_ext_word(TRACE_EXT_REALLOC, REALLOC_WORDS, id);
	t->pos = p + REALLOC_WORDS;
	t->events++;
}

NOINSTR void alloc_snapshot(struct thread_state *t, const char *label)
{
	size_t len = strnlen(label, TRACE_SNAPSHOT_LABEL_MAX);
	unsigned words = 2 + (unsigned)((len + 7) / 8);
	uint64_t *p = thread_reserve(t, words);

	if (p == NULL) {
		thread_drop(t, 1);
		return;
	}
	p[words - 1] = 0; /* the label's padding */
	memcpy(p + 2, label, len);
	p[1] = clock_ticks();
	barrier();
	p[0] = trace_ext_word(TRACE_EXT_SNAPSHOT, words, (uint32_t)len);
	t->pos = p + words;
	t->events++;
}
