/* SPDX-License-Identifier: MIT */
/*
 * stack.h - allocation call stacks: capture and per-thread interning.
 *
 * A stack is captured from the shadow call stack when the program is
 * instrumented (free: the hooks keep it), else with libunwind. Each thread
 * interns its stacks to small ids: a new stack is written once as a STACK
 * record, and allocation records carry only the id. The table lives in
 * memory mapped by the thread itself (never the traced allocator) and is
 * released with the thread.
 */
#ifndef MPROF_STACK_H
#define MPROF_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct thread_state;

/* MPROF_STACK_DEPTH: default and largest value. A capture buffer holds a
 * few more frames: the runtime's own, skipped. */
#define STACK_DEPTH_DEFAULT 64
#define STACK_DEPTH_MAX	    128
#define STACK_CAPTURE_WORDS (STACK_DEPTH_MAX + 8)

/* One thread's interned stacks. */
struct stack_table {
	struct stack_slot *slots;	/* open addressing, capacity a power of two */
	uint32_t cap, used;		/* slots, slots in use */
	uint32_t count;			/* the last id handed out (ids are never reused) */
	uint32_t gen;			/* stack_generation when the slots were filled */
	uint64_t *frames;		/* arena: [depth, frame...] per stack */
	size_t frames_used, frames_cap; /* in words */
};

/* Bumped when a library may have been unloaded: its addresses may hold
 * other code from then on, so the stacks interned before name other
 * frames. Each thread's table forgets them (new ids) at its next stack. */
extern uint32_t stack_generation;
void stack_forget_all(void);

/* Set the maximum depth (MPROF_STACK_DEPTH) and libunwind's caching; learn
 * libmprof's own address range, whose frames are never part of a stack. */
void stack_init(unsigned max_depth);

/* The maximum depth, in frames. */
unsigned stack_max_depth(void);

/* Whether pc lies in libmprof's own code (known once stack_init ran). */
bool stack_in_self(uintptr_t pc);

/*
 * Capture the calling thread's stack above the allocator: frames[0] is
 * `site`, the return address into the allocator's caller; the rest come
 * from the shadow stack when `t` records calls and has open ones (then
 * *shadow is set: they are function entry addresses), else from libunwind.
 * `frames` has room for STACK_CAPTURE_WORDS. Returns the number of frames
 * (at least 1), at most stack_max_depth().
 */
unsigned stack_capture(struct thread_state *t, uintptr_t site, uint64_t *frames, bool *shadow);

/*
 * The id of this stack in the thread's table (1-based), adding it if new
 * (*is_new set: the caller must write its STACK record). 0 if the table
 * cannot grow (the allocation is recorded without a stack). After
 * stack_forget_all(), a stack seen before gets a new id.
 */
uint32_t stack_intern(struct stack_table *tab, const uint64_t *frames, unsigned n, bool *is_new);

void stack_table_release(struct stack_table *tab);

#endif
