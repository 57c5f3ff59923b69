/* SPDX-License-Identifier: MIT */
/*
 * alloc.h - allocation events: what the allocator wrappers (preload/alloc.c)
 * call around the real allocator.
 *
 * Every function here expects the recursion guard held by the caller and a
 * thread state (alloc_begin provides both). Ordering contract (see
 * trace_format.h): an allocation's ticks are read after the real allocator
 * returned, a free's before the block is handed back.
 */
#ifndef MPROF_ALLOC_H
#define MPROF_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "runtime.h"
#include "stack.h"
#include "thread.h"

extern bool alloc_enabled; /* the runtime records allocation events */

/* Where `malloc` resolves when it is not ours (preload/alloc.c; absent from
 * a runtime built without the allocator wrappers): its address, or 0. */
uint64_t alloc_malloc_elsewhere(void) __attribute__((weak));

/*
 * Enter the runtime for an allocator call: take the guard, always, and get
 * the thread's state; NULL when the event is not to be recorded (inside the
 * runtime already, recording off, or no state). The guard stays held across
 * the real allocator call, so that a signal handler interrupting it never
 * enters the runtime's slow paths (which may read files or take locks)
 * while the allocator's own locks are held: its calls are held and written
 * later. alloc_end() releases it, in every case.
 */
static inline struct thread_state *alloc_begin(void)
{
	struct thread_state *t;

	if (unlikely(tls_guard++ != 0))
		return NULL;
	if (unlikely(!alloc_enabled)) {
		if (__atomic_load_n(&runtime_state, __ATOMIC_ACQUIRE) != RT_UNINIT)
			return NULL;
		runtime_init(); /* an allocation before our constructor */
		if (!alloc_enabled)
			return NULL;
	}
	t = tls_thread;
	if (unlikely(t == NULL))
		t = thread_get();
	return t;
}

static inline void alloc_end(void)
{
	tls_guard--;
}

/*
 * A prepared event: the stack is captured and room reserved before the
 * clock is read. `site` is the return address into the allocator's caller.
 */
struct alloc_event {
	uint64_t frames[STACK_CAPTURE_WORDS];
	unsigned nframes;
	bool shadow;
	uint64_t *room; /* NULL: no room, the event is counted lost */
};

void alloc_prepare(struct thread_state *t, struct alloc_event *ev, uintptr_t site, unsigned words);

/* Record an allocation of `size` bytes at `ptr` (ptr not NULL). */
void alloc_record(struct thread_state *t, struct alloc_event *ev, unsigned kind, void *ptr,
		  size_t size);

/* Record the free of `ptr` (not NULL): call before the real free. */
void alloc_record_free(struct thread_state *t, void *ptr);

/* Record that realloc(ptr, 0) freed ptr, at the ticks read before the call
 * (room reserved by alloc_prepare). */
void alloc_record_realloc_free(struct thread_state *t, struct alloc_event *ev, void *ptr,
			       uint64_t free_ticks);

/* Record a realloc that succeeded: `old` (may be NULL) freed at
 * `free_ticks`, `ptr` allocated now. */
void alloc_record_realloc(struct thread_state *t, struct alloc_event *ev, unsigned kind, void *old,
			  void *ptr, size_t size, uint64_t free_ticks);

/* Write a SNAPSHOT marker labelled `label` (truncated to 255 bytes). */
void alloc_snapshot(struct thread_state *t, const char *label);

/* The clock for allocation events: ordered after the instructions before it
 * (the allocator's return), so no other thread's later free can precede it. */
uint64_t alloc_ticks_ordered(void);

#endif
