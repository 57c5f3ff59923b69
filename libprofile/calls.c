/* SPDX-License-Identifier: MIT */
/*
 * calls.c - the hot path: __cyg_profile_func_enter/exit.
 *
 * Per event: one TLS load, the guard, one clock read, one 8-byte record
 * store, a shadow-stack push or pop. Everything unusual (no state yet, chunk
 * full, delta too large for the compact record, shadow stack mismatch after
 * longjmp) folds into one unlikely branch to an out-of-line function.
 */
#include <errno.h>
#include <stdlib.h>

#include "calls.h"
#include "clock.h"
#include "compiler.h"
#include "runtime.h"
#include "thread.h"
#include "writer.h"

/* The caller's stack pointer at the hook call (its canonical frame address).
 * Equal for the enter and exit hooks of one activation; smaller for every
 * deeper activation. */
#define CALLER_CFA() ((uintptr_t)__builtin_dwarf_cfa())

/* A frame whose entry could not be recorded: its exit records nothing.
 * The complement never equals a code address, so the fast exit path never
 * matches it. */
#define CALLS_LOST_FRAME(fn) (~(uintptr_t)(fn))
#define CALLS_FRAME_LOST(f)  ((f)->fn >> 63) /* user code lies below 2^63 */

/* Store one word at t->pos; room was checked. */
#define EMIT(t, w)                       \
	do {                             \
		*(t)->pos++ = (w);       \
		(t)->events++;           \
	} while (0)

/* Room for n words. An event whose clock was read before a chunk switch
 * reads it again: no event of a chunk is earlier than the chunk's open point
 * (the ordering rule of trace_format.h). */
NOINSTR static uint64_t *calls_reserve(struct thread_state *t, unsigned n, uint64_t *now)
{
	struct trace_chunk_header *before = t->chunk;
	uint64_t *p = thread_reserve(t, n);

	if (p && t->chunk != before)
		*now = clock_ticks();
	return p;
}

/* Write one exit at `now`. Room is reserved here; a lost exit is counted. */
NOINSTR static void calls_emit_exit(struct thread_state *t, uint64_t now)
{
	if (calls_reserve(t, 1, &now) == NULL) {
		thread_drop(t, 1);
		return;
	}
	EMIT(t, (now - t->last) << 2 | TRACE_TAG_EXIT);
	t->last = now;
}

/* Pop the top frame: record its exit, unless it was entered before this
 * trace began (below base) or its entry was lost (then its exit is too). */
NOINSTR static void calls_pop(struct thread_state *t, uint64_t now)
{
	uint32_t top = --t->depth;

	if (top < t->base)
		t->base = top;
	else if (top < t->cap && CALLS_FRAME_LOST(&t->stack[top]))
		thread_drop(t, 1);
	else
		calls_emit_exit(t, now);
}

/*
 * Close the frames longjmp or an exception left open: a frame whose CFA is
 * below `cfa` (or equal to it, for an entry: a sibling) belongs to a call
 * that cannot still be running, since a live caller's stack pointer is
 * always above its callee's.
 */
NOINSTR static void calls_unwind(struct thread_state *t, uintptr_t cfa, bool entry, uint64_t now)
{
	while (t->depth > 0 && t->depth <= t->cap) {
		uintptr_t top = t->stack[t->depth - 1].cfa;

		if (top > cfa || (top == cfa && !entry))
			return;
		calls_pop(t, now);
	}
}

/* Rare cases of an entry, with the guard held and `now` read. */
NOINSTR NOINLINE static void calls_enter_rare(struct thread_state *t, uintptr_t fn, uintptr_t cfa,
					      uint64_t now)
{
	uint64_t delta, *p;

	calls_unwind(t, cfa, true, now);
	if (fn >= TRACE_ENTER_FN_LIMIT) {
		p = calls_reserve(t, 3, &now);
		if (p == NULL)
			goto lost;
		p[1] = fn;
		p[2] = now;
		p[0] = trace_ext_word(TRACE_EXT_ENTER_FULL, 3, 0);
		t->pos = p + 3;
		t->events++;
	} else {
		/* Room for a TIME record too: the delta is known only after
		 * the reservation (a chunk switch reads the clock again). */
		p = calls_reserve(t, 3, &now);
		if (p == NULL)
			goto lost;
		delta = now - t->last;
		if (delta > TRACE_ENTER_DELTA_MAX) {
			p[0] = trace_ext_word(TRACE_EXT_TIME, 2, 0);
			p[1] = now;
			t->pos = p + 2;
			delta = 0;
		}
		EMIT(t, (uint64_t)fn << TRACE_ENTER_FN_SHIFT | delta << 2 | TRACE_TAG_ENTER);
	}
	t->last = now;
	if (t->depth < t->cap || thread_stack_grow(t)) {
		t->stack[t->depth].fn = fn;
		t->stack[t->depth].cfa = cfa;
	}
	t->depth++;
	return;
lost:
	/* Without its entry, the matching exit must not pop anything: keep a
	 * frame that records nothing when it returns. */
	thread_drop(t, 1);
	if (t->depth < t->cap || thread_stack_grow(t)) {
		t->stack[t->depth].fn = CALLS_LOST_FRAME(fn);
		t->stack[t->depth].cfa = cfa;
	}
	t->depth++;
}

/*
 * Rare cases of an exit: the stack does not end with fn, or the chunk is
 * full. Deeper frames left by longjmp are closed first; then fn's own frame,
 * if it is there. An exit whose entry was never seen (the runtime started
 * inside the call) changes nothing.
 */
NOINSTR NOINLINE static void calls_exit_rare(struct thread_state *t, uintptr_t fn, uintptr_t cfa,
					     uint64_t now)
{
	uint32_t top;

	calls_unwind(t, cfa, false, now);
	if (t->depth == 0)
		return;
	top = t->depth - 1;
	/* Past the shadow stack's capacity nothing was stored: trust. */
	if (top >= t->cap || t->stack[top].fn == fn || t->stack[top].fn == CALLS_LOST_FRAME(fn))
		calls_pop(t, now);
}

/* No state yet (first event of this thread, or the runtime not started). */
NOINSTR NOINLINE static void calls_enter_slow(uintptr_t fn, uintptr_t cfa)
{
	struct thread_state *t;
	int saved = errno;

	tls_guard++;
	t = thread_get();
	if (t && tls_calls)
		calls_enter_rare(t, fn, cfa, clock_ticks());
	else if (t == NULL && runtime_active())
		writer_add_lost(1); /* after this thread's exit handler ran */
	tls_guard--;
	errno = saved;
}

MPROF_EXPORT void __cyg_profile_func_enter(void *this_fn, void *call_site)
{
	struct thread_state *t = tls_calls;
	uintptr_t fn = (uintptr_t)this_fn;
	uintptr_t cfa = CALLER_CFA();
	uint64_t now, delta;
	uint32_t d;

	if (unlikely(t == NULL || tls_guard)) {
		if (!tls_guard)
			calls_enter_slow(fn, cfa);
		else if (t)
			thread_drop(t, 1);
		return;
	}
	tls_guard = 1;
	barrier();
	now = clock_ticks();
	delta = now - t->last;
	d = t->depth;
	if (unlikely(((delta >> TRACE_ENTER_DELTA_BITS) | (fn >> (64 - TRACE_ENTER_FN_SHIFT))) != 0 ||
		     t->pos >= t->end || d >= t->cap || (d > 0 && t->stack[d - 1].cfa <= cfa))) {
		calls_enter_rare(t, fn, cfa, now);
	} else {
		*t->pos++ = (uint64_t)fn << TRACE_ENTER_FN_SHIFT | delta << 2 | TRACE_TAG_ENTER;
		t->events++;
		t->last = now;
		t->stack[d].fn = fn;
		t->stack[d].cfa = cfa;
		t->depth = d + 1;
	}
	barrier();
	tls_guard = 0;
}

MPROF_EXPORT void __cyg_profile_func_exit(void *this_fn, void *call_site)
{
	struct thread_state *t = tls_calls;
	uintptr_t fn = (uintptr_t)this_fn;
	uint64_t now;
	uint32_t d;

	if (unlikely(t == NULL || tls_guard)) {
		if (tls_guard && t)
			thread_drop(t, 1);
		return;
	}
	tls_guard = 1;
	barrier();
	now = clock_ticks();
	d = t->depth;
	if (unlikely(d <= t->base || d > t->cap || t->stack[d - 1].fn != fn || t->pos >= t->end)) {
		calls_exit_rare(t, fn, CALLER_CFA(), now);
	} else {
		*t->pos++ = (now - t->last) << 2 | TRACE_TAG_EXIT;
		t->events++;
		t->last = now;
		t->depth = d - 1;
	}
	barrier();
	tls_guard = 0;
}

/* The hooks, called through pointers as a program calls them through the PLT:
 * the compiler must not inline them into the calibration loop. */
static void (*volatile calls_enter_ptr)(void *, void *) = __cyg_profile_func_enter;
static void (*volatile calls_exit_ptr)(void *, void *) = __cyg_profile_func_exit;

/* Median of the exit deltas a calibration round wrote: each is the time from
 * an entry's clock read to the exit's, around an empty body. */
NOINSTR static uint64_t calls_median_self(const uint64_t *rec, const uint64_t *end)
{
	enum { MAXS = 1024 };
	uint64_t v[MAXS];
	size_t n = 0;

	for (; rec < end && n < MAXS; rec++)
		if ((*rec & 3) == TRACE_TAG_EXIT)
			v[n++] = *rec >> 2;
	if (n == 0)
		return 0;
	/* Insertion sort is plenty for the calibration's few thousand values
	 * and needs no allocator. */
	for (size_t i = 1; i < n; i++) {
		uint64_t x = v[i];
		size_t j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return v[n / 2];
}

NOINSTR void calls_calibrate(uint64_t *self_ticks, uint64_t *parent_ticks)
{
	enum { CALLS = 1000, ROUNDS = 9 };
	struct thread_state *s = thread_scratch_new(2 * CALLS + 64);
	struct thread_state *saved = tls_calls;
	void *fn = (void *)calls_calibrate;
	uint64_t best_total = ~0ull, best_self = ~0ull;
	unsigned saved_guard = tls_guard;

	*self_ticks = *parent_ticks = 0;
	if (s == NULL)
		return;
	tls_guard = 0; /* init may run inside a hook: the probes must record */
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t *start = (uint64_t *)(s + 1);
		uint64_t t0, t1, self;

		s->pos = start;
		s->depth = 0;
		s->last = clock_ticks();
		tls_calls = s;
		t0 = clock_ticks();
		for (int i = 0; i < CALLS; i++) {
			calls_enter_ptr(fn, NULL);
			calls_exit_ptr(fn, NULL);
		}
		t1 = clock_ticks();
		tls_calls = saved;
		if ((t1 - t0) / CALLS < best_total)
			best_total = (t1 - t0) / CALLS;
		self = calls_median_self(start, s->pos);
		if (self < best_self)
			best_self = self;
	}
	tls_guard = saved_guard;
	thread_scratch_free(s);
	if (best_self > best_total)
		best_self = best_total;
	*self_ticks = best_self;
	*parent_ticks = best_total - best_self;
}
