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
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "clock.h"
#include "compiler.h"
#include "filter.h"
#include "jump.h"
#include "offcpu.h"
#include "runtime.h"
#include "thread.h"
#include "writer.h"

/* The caller's stack pointer at the hook call (its canonical frame address).
 * Equal for the enter and exit hooks of one activation; smaller for every
 * deeper activation. */
#define CALLER_CFA() ((uintptr_t)__builtin_dwarf_cfa())

/* Store one word at t->pos; room was checked. */
#define EMIT(t, w)                 \
	do {                       \
		*(t)->pos++ = (w); \
		(t)->events++;     \
	} while (0)

/* Whether an entry of fn, `delta` ticks after the thread's last event, at
 * depth d, takes the compact record with room for it and its frame. */
static inline __attribute__((always_inline)) bool
calls_enter_fits(const struct thread_state *t, uintptr_t fn, uint64_t delta, uint32_t d)
{
	return ((delta >> TRACE_ENTER_DELTA_BITS) | (fn >> (64 - TRACE_ENTER_FN_SHIFT))) == 0 &&
	       t->pos < t->end && d < t->cap;
}

/* Write the compact entry and push its frame (calls_enter_fits said so). */
static inline __attribute__((always_inline)) void calls_store_enter(struct thread_state *t,
								    uintptr_t fn, uintptr_t cfa,
								    uint64_t delta, uint64_t now,
								    uint32_t d)
{
	*t->pos++ = (uint64_t)fn << TRACE_ENTER_FN_SHIFT | delta << 2 | TRACE_TAG_ENTER;
	t->events++;
	t->last = now;
	t->stack[d].fn = fn;
	t->stack[d].cfa = cfa;
	t->depth = d + 1;
}

/* Write an exit and pop the top frame (room checked, the top frame the
 * function's, written). */
static inline __attribute__((always_inline)) void calls_store_exit(struct thread_state *t,
								   uint64_t now, uint32_t d)
{
	*t->pos++ = (now - t->last) << 2 | TRACE_TAG_EXIT;
	t->events++;
	t->last = now;
	t->depth = d - 1;
}

/* Room for n words. An event whose clock was read before the runtime made
 * room (a new chunk, or the next window of this one: a PAUSE in the
 * stream) reads it again: its time is after that pause, and no event of a
 * chunk is earlier than the chunk's open point (trace_format.h). */
NOINSTR static uint64_t *calls_reserve(struct thread_state *t, unsigned n, uint64_t *now)
{
	uint64_t *before = t->end;
	uint64_t *p = thread_reserve(t, n);

	if (p && t->end != before)
		*now = clock_ticks();
	return p;
}

/* Write an entry of fn at `now` at p (3 words of room): the compact
 * record, after a TIME record if the delta does not fit, or ENTER_FULL. */
NOINSTR static void calls_write_enter(struct thread_state *t, uint64_t *p, uintptr_t fn,
				      uint64_t now)
{
	uint64_t delta;

	if (unlikely(now < t->last)) /* deltas are unsigned */
		now = t->last;
	delta = now - t->last;

	if (fn >= TRACE_ENTER_FN_LIMIT) {
		p[1] = fn;
		p[2] = now;
		p[0] = trace_ext_word(TRACE_EXT_ENTER_FULL, 3, 0);
		t->pos = p + 3;
		t->events++;
	} else {
		if (delta > TRACE_ENTER_DELTA_MAX) {
			p[0] = trace_ext_word(TRACE_EXT_TIME, 2, 0);
			p[1] = now;
			t->pos = p + 2;
			delta = 0;
		}
		EMIT(t, (uint64_t)fn << TRACE_ENTER_FN_SHIFT | delta << 2 | TRACE_TAG_ENTER);
	}
	t->last = now;
}

/*
 * Write one exit at *now. Room is reserved here; a lost exit is counted.
 * A new window or chunk moves *now past its pause: the caller's next event
 * (the next frame an unwind closes) is timed from there, never before.
 */
NOINSTR static void calls_emit_exit(struct thread_state *t, uint64_t *now)
{
	if (calls_reserve(t, 1, now) == NULL) {
		thread_drop(t, 1);
		return;
	}
	if (unlikely(*now < t->last)) /* deltas are unsigned */
		*now = t->last;
	EMIT(t, (*now - t->last) << 2 | TRACE_TAG_EXIT);
	t->last = *now;
}

/* Whether the words [p, end) are OFFCPU readings only. */
NOINSTR static bool calls_only_readings(const uint64_t *p, const uint64_t *end)
{
	for (; p < end; p += TRACE_OFFCPU_WORDS) {
		if ((*p & 3) != TRACE_TAG_EXT || trace_ext_type_of(*p) != TRACE_EXT_OFFCPU ||
		    trace_ext_nwords_of(*p) != TRACE_OFFCPU_WORDS)
			return false;
	}
	return p == end;
}

/*
 * A written call returning at `now`, sooner than the minimum duration: take
 * its entry back if nothing was written after it (its own calls were all
 * taken back or left out, and no other event came). Its time then counts
 * in its caller's, as the time of an uninstrumented call would. Off-CPU
 * readings written inside it (offcpu.h) go with it, and the next hook, in
 * its caller, reads again: their time is in that reading (the clocks are
 * cumulative), where the call's time goes too.
 */
NOINSTR static bool calls_take_back(struct thread_state *t, const struct frame_mark *m,
				    uint64_t now)
{
	if (now - m->ticks >= filter.min_ticks || t->seq != m->seq ||
	    (t->pos != m->after && !calls_only_readings(m->after, t->pos)))
		return false;
	if (t->pos != m->after)
		offcpu_read_again(t);
	/* Zeros first to last: a process killed meanwhile leaves the
	 * records ending at the entry. */
	memset(m->start, 0, (size_t)((char *)t->pos - (char *)m->start));
	t->pos = m->start;
	t->last = m->last;
	t->events--;
	thread_filtered(t);
	return true;
}

/* Pop the top frame: record its exit, unless it was entered before this
 * trace began (below base), its entry was lost (then its exit is too) or
 * left out by a filter, or the call was too short to keep. */
NOINSTR static void calls_pop(struct thread_state *t, uint64_t *now)
{
	uint32_t top = --t->depth;

	if (top < t->base) {
		t->base = top;
		return;
	}
	if (top >= t->cap) {
		thread_drop_cause(t, 1, TRACE_LOST_NOMEM);
		return;
	}
	if (FRAME_UNWRITTEN(&t->stack[top])) {
		if (FRAME_WAS_LOST(&t->stack[top]))
			thread_drop(t, 1);
		return;
	}
	if (t->slow & THREAD_SLOW_FILTER) {
		if (t->shown)
			t->shown--;
		if (t->marks && calls_take_back(t, &t->marks[top], *now))
			return;
	}
	calls_emit_exit(t, now);
}

/*
 * Whether this thread runs on its signal stack (sigaltstack) and p lies in
 * it: asked of the kernel once per unwind, only when a frame would be
 * closed for being below a call's (a handler's stack may lie anywhere).
 */
struct calls_alt {
	int known; /* 0: not asked yet; 1: on it, [lo, hi); -1: not */
	uintptr_t lo, hi;
};

NOINSTR static bool calls_on_altstack(struct calls_alt *a, uintptr_t p)
{
	if (a->known == 0) {
		stack_t ss;
		int saved = errno;

		a->known = -1;
		if (sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_ONSTACK)) {
			a->known = 1;
			a->lo = (uintptr_t)ss.ss_sp;
			a->hi = a->lo + ss.ss_size;
		}
		errno = saved;
	}
	return a->known > 0 && p >= a->lo && p < a->hi;
}

/* Whether calls_unwind would close the top frame (see below); with alt,
 * never one a signal handler on its own stack is called above. */
NOINSTR static bool calls_must_unwind(const struct thread_state *t, uintptr_t fn, uintptr_t cfa,
				      bool entry, struct calls_alt *alt)
{
	const struct shadow_frame *top;

	if (t->depth == 0 || t->depth > t->cap)
		return false;
	top = &t->stack[t->depth - 1];
	if (top->cfa > cfa)
		return false;
	if (top->cfa < cfa)
		return !alt || !calls_on_altstack(alt, cfa) || calls_on_altstack(alt, top->cfa);
	return entry && t->depth - 1 < t->jmp_mark && FRAME_FUNCTION(top) == fn;
}

/* The stack is unwound as far as it goes: frames from here up are entered
 * after the last longjmp. */
NOINSTR static inline void calls_unwound(struct thread_state *t)
{
	if (t->jmp_mark > t->depth)
		t->jmp_mark = t->depth;
}

/*
 * Close the frames longjmp or an exception left open. A frame whose CFA is
 * below `cfa` belongs to a call that cannot still be running: a live
 * caller's stack pointer is always above its callee's. An equal CFA proves
 * nothing (an inlined function calls its hooks from its caller's frame),
 * except for an entry after longjmp: a frame that was open when longjmp ran
 * (below jmp_mark) and is the same function, entered again from the same
 * frame, was abandoned (a retry loop). A signal handler running on a stack
 * of its own (sigaltstack) may be above the frames it interrupted: those
 * are not closed.
 */
NOINSTR static void calls_unwind(struct thread_state *t, uintptr_t fn, uintptr_t cfa, bool entry,
				 uint64_t *now)
{
	struct calls_alt alt = { 0 };

	while (calls_must_unwind(t, fn, cfa, entry, &alt))
		calls_pop(t, now);
	calls_unwound(t);
}

/* Whether the record-time filters let this entry of fn be written, `open`
 * written calls being open below it. */
NOINSTR static bool calls_filter_keeps(uintptr_t fn, uint32_t open)
{
	if (filter.max_depth && open >= filter.max_depth)
		return false;
	return !filter.patterns || filter_admits(fn);
}

/* Push a frame whose entry was not written: the matching exit must not
 * pop anything, it writes nothing. */
NOINSTR static void calls_push_unwritten(struct thread_state *t, uintptr_t mark, uintptr_t cfa)
{
	if (t->depth < t->cap || thread_stack_grow(t)) {
		t->stack[t->depth].fn = mark;
		t->stack[t->depth].cfa = cfa;
	}
	t->depth++;
}

/* A call the filters leave out: counted, and a frame that writes nothing. */
NOINSTR static void calls_hide(struct thread_state *t, uintptr_t fn, uintptr_t cfa)
{
	thread_filtered(t);
	calls_push_unwritten(t, FRAME_HIDDEN(fn), cfa);
}

/* Write an entry of fn and push its frame (the stack unwound already). */
NOINSTR static void calls_enter_write(struct thread_state *t, uintptr_t fn, uintptr_t cfa,
				      uint64_t now)
{
	uint64_t *p, last;

	/* A frame the shadow stack cannot hold (out of memory) is not
	 * written: its exit could not be matched. Nor is one without room in
	 * the trace; for both, the exit is dropped too. Room for a TIME
	 * record as well: the delta is known only after the reservation (a
	 * chunk switch reads the clock again). */
	if (t->depth >= t->cap && !thread_stack_grow(t)) {
		thread_drop_cause(t, 1, TRACE_LOST_NOMEM);
		t->depth++;
		return;
	}
	p = calls_reserve(t, 3, &now);
	if (p == NULL) {
		thread_drop(t, 1);
		calls_push_unwritten(t, FRAME_LOST(fn), cfa);
		return;
	}
	last = t->last;
	calls_write_enter(t, p, fn, now);
	t->stack[t->depth].fn = fn;
	t->stack[t->depth].cfa = cfa;
	if (t->marks)
		t->marks[t->depth] = (struct frame_mark){ p, t->pos, last, now, t->seq };
	if (t->slow & THREAD_SLOW_FILTER)
		t->shown++;
	t->depth++;
}

/* Rare cases of an entry, with the guard held and `now` read. */
NOINSTR NOINLINE static void calls_enter_rare(struct thread_state *t, uintptr_t fn, uintptr_t cfa,
					      uint64_t now)
{
	calls_unwind(t, fn, cfa, true, &now);
	if ((t->slow & THREAD_SLOW_FILTER) && !calls_filter_keeps(fn, t->shown))
		calls_hide(t, fn, cfa);
	else
		calls_enter_write(t, fn, cfa, now);
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

	calls_unwind(t, fn, cfa, false, &now);
	if (t->depth == 0)
		return;
	top = t->depth - 1;
	/* Past the shadow stack's capacity nothing was stored (nor written):
	 * trust. */
	if (top >= t->cap || t->stack[top].fn == fn || t->stack[top].fn == FRAME_LOST(fn) ||
	    t->stack[top].fn == FRAME_HIDDEN(fn))
		calls_pop(t, &now);
}

NOINSTR static void calls_write_held(struct thread_state *t, uint64_t until);

NOINSTR void calls_write_all_held(struct thread_state *t)
{
	if (thread_nested_pending(&t->nested))
		calls_write_held(t, ~0ull);
}

/*
 * The frames a jump to a stack pointer of `target` abandons: those whose
 * CFA is below it, and, from a signal handler on its own stack, the frames
 * on that stack when the target is not. They are closed at once; the
 * frames left may still hold abandoned calls (an inlined one, at the
 * target's own level): jmp_mark marks them for calls_unwind.
 */
NOINSTR void calls_longjmp(const struct __jmp_buf_tag *env)
{
	calls_jump_to(env ? jump_target_sp(env) : 0);
}

NOINSTR void calls_jump_to(uintptr_t target)
{
	struct thread_state *t = tls_calls;
	struct calls_alt alt = { 0 };
	uint64_t now;

	if (t == NULL)
		return;
	tls_guard++;
	if (offcpu_switched(t))
		offcpu_note(t); /* in the frames the jump leaves */
	if (target) {
		now = clock_ticks();
		if (thread_nested_pending(&t->nested))
			calls_write_held(t, now);
		while (t->depth > t->base && t->depth <= t->cap) {
			uintptr_t cfa = t->stack[t->depth - 1].cfa;

			if (cfa >= target &&
			    (!calls_on_altstack(&alt, cfa) || calls_on_altstack(&alt, target)))
				break;
			calls_pop(t, &now);
		}
	}
	t->jmp_mark = t->depth;
	tls_guard--;
}

/*
 * Signal handlers that interrupted the runtime jump out of it at `ticks`:
 * their calls still open end there, as if they returned. Made by the
 * jumping handler itself (the producer: an append it interrupted was
 * abandoned with it), before the interrupted code writes anything more, so
 * that the handlers' calls are whole when they are written. With `torn`,
 * the interrupted event is abandoned half made: counted lost.
 */
/* Publish appended held events: the new tail and open count in one store
 * (an append is whole or not made, whatever interrupts it). */
NOINSTR static inline void calls_held_commit(struct thread_nested *q, unsigned tail, unsigned open)
{
	union {
		struct {
			unsigned tail, open;
		} s;
		uint64_t w;
	} c = { .s = { tail, open } };

	_Static_assert(offsetof(struct thread_nested, open) ==
			   offsetof(struct thread_nested, tail) + sizeof(unsigned),
		       "tail and open side by side, as in the union");
	q->commit = c.w;
}

NOINSTR static void calls_close_held_to(uint64_t ticks, bool torn, uintptr_t target)
{
	struct thread_state *t = tls_calls;
	struct thread_nested *q;

	if (t == NULL)
		return;
	q = &t->nested;
	if (target) {
		/* The jump stays in a handler: one it interrupted may be
		 * appending still, and goes on. */
		if (q->busy)
			return;
	} else {
		if (q->busy) /* an append the jump abandoned: its event is lost */
			thread_drop_cause(t, 1, TRACE_LOST_SIGNAL);
		q->busy = 0;
		q->skip = 0;
		q->paused = 0; /* a paused handler the jump leaves too */
	}
	while (q->open) {
		unsigned tail = q->tail;

		/* Only the calls below the target (with the target known, and
		 * the call's level kept). */
		if (target &&
		    (q->open > THREAD_NESTED_OPEN_MAX || q->open_cfa[q->open - 1] >= target))
			break;
		if (tail - q->head >= THREAD_NESTED_MAX) {
			thread_drop_cause(t, q->open, TRACE_LOST_SIGNAL);
			q->open = 0;
			break;
		}
		q->ev[tail % THREAD_NESTED_MAX].fn = 0;
		q->ev[tail % THREAD_NESTED_MAX].ticks = ticks;
		barrier();
		calls_held_commit(q, tail + 1, q->open - 1);
	}
	__atomic_fetch_or(&t->slow, THREAD_SLOW_HELD, __ATOMIC_RELAXED);
	if (torn)
		thread_drop_cause(t, 1, TRACE_LOST_SIGNAL);
}

/*
 * A handler whose calls were held goes on with the runtime free (it was
 * paused while the runtime finished, jump.c): its held events are written
 * and its open calls become frames of the shadow stack, returned from as
 * any. Guard held by the caller.
 */
NOINSTR void calls_pause_held(void)
{
	if (tls_calls)
		tls_calls->nested.paused = 1;
}

NOINSTR void calls_adopt_held(void)
{
	struct thread_state *t = tls_calls;
	struct thread_nested *q;
	unsigned open;

	if (t == NULL)
		return;
	q = &t->nested;
	q->paused = 0;
	calls_write_all_held(t);
	open = q->open;
	for (unsigned i = 0; i < open; i++) {
		uintptr_t fn = i < THREAD_NESTED_OPEN_MAX ? q->open_fn[i] : 0;
		uintptr_t cfa = i < THREAD_NESTED_OPEN_MAX ? q->open_cfa[i] : 0;
		bool hidden = (t->slow & THREAD_SLOW_FILTER) && i < THREAD_NESTED_MAX &&
			      (q->hidden[i / 64] >> (i % 64) & 1);

		if (fn == 0 || (t->depth >= t->cap && !thread_stack_grow(t))) {
			thread_drop_cause(t, 1, TRACE_LOST_SIGNAL); /* its exit */
			continue;
		}
		t->stack[t->depth].fn = hidden ? FRAME_HIDDEN(fn) : fn;
		t->stack[t->depth].cfa = cfa;
		if (t->marks)
			t->marks[t->depth] = (struct frame_mark){ 0 };
		if (!hidden && (t->slow & THREAD_SLOW_FILTER))
			t->shown++;
		t->depth++;
	}
	calls_held_commit(q, q->tail, 0);
	q->level = 0;
	memset(q->hidden, 0, sizeof(q->hidden));
}

NOINSTR void calls_close_held(uint64_t ticks, bool torn)
{
	calls_close_held_to(ticks, torn, 0);
}

NOINSTR void calls_close_held_below(const struct __jmp_buf_tag *env, bool abandon)
{
	uintptr_t target = jump_target_sp(env);
	struct thread_state *t = tls_calls;

	if (abandon && t && t->nested.busy) {
		thread_drop_cause(t, 1, TRACE_LOST_SIGNAL);
		t->nested.busy = 0;
	}

	if (target)
		calls_close_held_to(clock_ticks(), false, target);
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
		writer_add_lost(1, TRACE_LOST_NOMEM); /* no state */
	tls_guard--;
	errno = saved;
}

/*
 * The thread was switched out since its last hook: a reading first, in the
 * call open until now (offcpu.h). An event whose clock was read before the
 * reading made the runtime pause reads it again, as calls_reserve() does.
 */
NOINSTR static void calls_note_switch(struct thread_state *t, uint64_t *now)
{
	uint64_t *before = t->end;

	offcpu_note(t);
	if (t->end != before)
		*now = clock_ticks();
}

/* Out of line, so the hooks' fast paths stay free of calls (and of the
 * register saves calls bring): entered with the guard held, release it. */
NOINSTR NOINLINE static void calls_enter_rare_release(struct thread_state *t, uintptr_t fn,
						      uintptr_t cfa, uint64_t now)
{
	if (offcpu_switched(t))
		calls_note_switch(t, &now);
	if (thread_nested_pending(&t->nested))
		calls_write_held(t, now); /* handlers that ran before now */
	calls_enter_rare(t, fn, cfa, now);
	if (thread_nested_pending(&t->nested))
		calls_write_held(t, ~0ull);
	barrier();
	tls_guard = 0;
}

NOINSTR NOINLINE static void calls_exit_rare_release(struct thread_state *t, uintptr_t fn,
						     uintptr_t cfa, uint64_t now)
{
	if (offcpu_switched(t))
		calls_note_switch(t, &now);
	if (thread_nested_pending(&t->nested))
		calls_write_held(t, now);
	calls_exit_rare(t, fn, cfa, now);
	if (thread_nested_pending(&t->nested))
		calls_write_held(t, ~0ull);
	barrier();
	tls_guard = 0;
}

/* Hold a signal handler's call event (fn 0: an exit) for the interrupted
 * code to write (see thread_nested). */
NOINSTR static void calls_hold(struct thread_state *t, uintptr_t fn, uintptr_t cfa)
{
	struct thread_nested *q = &t->nested;
	unsigned tail = q->tail;

	if (q->busy || tail - q->head >= THREAD_NESTED_MAX || (fn == 0 && q->skip)) {
		if (fn)
			q->skip++;
		else if (q->skip)
			q->skip--;
		thread_drop_cause(t, 1, TRACE_LOST_SIGNAL);
		return;
	}
	q->busy = 1;
	barrier();
	q->ev[tail % THREAD_NESTED_MAX].fn = fn;
	q->ev[tail % THREAD_NESTED_MAX].ticks = clock_ticks();
	if (fn && q->open < THREAD_NESTED_OPEN_MAX) {
		q->open_cfa[q->open] = cfa;
		q->open_fn[q->open] = fn;
	}
	barrier();
	calls_held_commit(q, tail + 1, fn ? q->open + 1 : q->open ? q->open - 1 : 0);
	/* One instruction each way (a handler may interrupt the consumer
	 * between its own read and write of `slow`). */
	__atomic_fetch_or(&t->slow, THREAD_SLOW_HELD, __ATOMIC_RELAXED);
	barrier();
	q->busy = 0;
}

/*
 * With filters: whether to write a held event (the held calls nest under
 * what the thread has open). Include, exclude and the depth limit apply;
 * the minimum duration does not (the reporter applies it again). Levels
 * past THREAD_NESTED_MAX (never reached: so many events are not held) are
 * not tracked: written.
 */
NOINSTR static bool calls_held_filter(struct thread_state *t, uintptr_t fn)
{
	struct thread_nested *q = &t->nested;
	unsigned hidden = 0, l = q->level;
	bool keep = true;

	if (fn == 0) {
		if (l == 0)
			return true;
		q->level = --l;
		keep = l >= THREAD_NESTED_MAX || !(q->hidden[l / 64] >> (l % 64) & 1);
		if (l < THREAD_NESTED_MAX)
			q->hidden[l / 64] &= ~(1ull << (l % 64));
		return keep;
	}
	if (l < THREAD_NESTED_MAX) {
		for (unsigned i = 0; i < l / 64; i++)
			hidden += (unsigned)__builtin_popcountll(q->hidden[i]);
		if (l % 64)
			hidden += (unsigned)__builtin_popcountll(q->hidden[l / 64] &
								 ((1ull << (l % 64)) - 1));
		keep = calls_filter_keeps(fn, t->shown + l - hidden);
		if (!keep) {
			q->hidden[l / 64] |= 1ull << (l % 64);
			thread_filtered(t);
		}
	}
	q->level = l + 1;
	return keep;
}

/*
 * Write the held events earlier than `until` (all of them with ~0), in
 * order, then keep the rest. The handlers' calls are balanced: they nest
 * under whatever this thread has open at that moment of the stream. A
 * handler may add events meanwhile (thread_nested): they are written too
 * if early enough, else at a later hook.
 */
NOINSTR static void calls_write_held(struct thread_state *t, uint64_t until)
{
	struct thread_nested *q = &t->nested;

	while (thread_nested_pending(q) && !q->paused) {
		uintptr_t fn = q->ev[q->head % THREAD_NESTED_MAX].fn;
		uint64_t ticks = q->ev[q->head % THREAD_NESTED_MAX].ticks;
		uint64_t *p;

		if (ticks >= until)
			break;
		barrier();
		q->head++; /* its slot is free for a handler from here on */
		/* Never before the last record: an exit's delta is unsigned. */
		if (ticks < t->last)
			ticks = t->last;
		if ((t->slow & THREAD_SLOW_FILTER) && !calls_held_filter(t, fn))
			continue;
		p = thread_reserve(t, 3);
		if (p == NULL) {
			thread_drop(t, 1);
			continue;
		}
		if (fn == 0) {
			EMIT(t, (ticks - t->last) << 2 | TRACE_TAG_EXIT);
			t->last = ticks;
		} else {
			calls_write_enter(t, p, fn, ticks);
		}
	}
	/* Cleared first, then set again if a handler added events in
	 * between: never clear with events waiting. */
	__atomic_fetch_and(&t->slow, ~THREAD_SLOW_HELD, __ATOMIC_RELAXED);
	barrier();
	if (thread_nested_pending(q))
		__atomic_fetch_or(&t->slow, THREAD_SLOW_HELD, __ATOMIC_RELAXED);
}

/* A hook that cannot record now: no state yet, or inside the runtime (a
 * signal handler interrupted a hook: its events are held, see
 * calls_hold). */
NOINSTR NOINLINE static void calls_blocked(struct thread_state *t, uintptr_t fn, uintptr_t cfa,
					   bool enter)
{
	if (tls_guard) {
		if (t)
			calls_hold(t, enter ? fn : 0, cfa);
	} else if (enter) {
		calls_enter_slow(fn, cfa);
	}
}

/*
 * An entry on a thread whose fast paths are off (thread_state.slow), guard
 * held: released here. With filters only, and no frame to close first, a
 * call left out reads no clock and writes nothing: it costs a lookup and a
 * push. Anything else takes the rare path.
 */
NOINSTR NOINLINE static void calls_enter_flagged(struct thread_state *t, uintptr_t fn,
						 uintptr_t cfa)
{
	uint64_t now, delta;
	uint32_t d = t->depth;

	if (t->slow != THREAD_SLOW_FILTER || offcpu_switched(t) ||
	    calls_must_unwind(t, fn, cfa, true, NULL))
		return calls_enter_rare_release(t, fn, cfa, clock_ticks());
	calls_unwound(t);
	if (!calls_filter_keeps(fn, t->shown)) {
		calls_hide(t, fn, cfa);
	} else {
		/* Written: as the hook's fast path does, when it can. */
		now = clock_ticks();
		delta = now - t->last;
		if (!t->marks && calls_enter_fits(t, fn, delta, d)) {
			calls_store_enter(t, fn, cfa, delta, now, d);
			t->shown++;
		} else {
			calls_enter_write(t, fn, cfa, now);
		}
	}
	barrier();
	tls_guard = 0;
}

/* The same for an exit: a call left out returns without a clock read, a
 * written one (with no minimum duration to check) as the fast path. */
NOINSTR NOINLINE static void calls_exit_flagged(struct thread_state *t, uintptr_t fn, uintptr_t cfa)
{
	uint32_t d = t->depth;
	uintptr_t top;

	if (t->slow != THREAD_SLOW_FILTER || offcpu_switched(t) || d <= t->base || d > t->cap ||
	    t->stack[d - 1].cfa < cfa)
		return calls_exit_rare_release(t, fn, cfa, clock_ticks());
	top = t->stack[d - 1].fn;
	if (top == FRAME_HIDDEN(fn)) {
		t->depth = d - 1;
	} else if (top == fn && !t->marks && t->pos < t->end) {
		calls_store_exit(t, clock_ticks(), d);
		t->shown--;
	} else {
		return calls_exit_rare_release(t, fn, cfa, clock_ticks());
	}
	barrier();
	tls_guard = 0;
}

MPROF_EXPORT void __cyg_profile_func_enter(void *this_fn, void *call_site)
{
	struct thread_state *t = tls_calls;
	uintptr_t fn = (uintptr_t)this_fn;
	uintptr_t cfa = CALLER_CFA();
	uint64_t now, delta;
	uint32_t d;

	if (unlikely(t == NULL || tls_guard))
		return calls_blocked(t, fn, cfa, true);
	tls_guard = 1;
	barrier();
	if (unlikely(t->slow))
		return calls_enter_flagged(t, fn, cfa);
	now = clock_ticks();
	delta = now - t->last;
	d = t->depth;
	if (unlikely(!calls_enter_fits(t, fn, delta, d) || (uint32_t)(d - 1) < t->jmp_mark ||
		     (d > 0 && t->stack[d - 1].cfa < cfa) || offcpu_switched(t)))
		return calls_enter_rare_release(t, fn, cfa, now);
	calls_store_enter(t, fn, cfa, delta, now, d);
	barrier();
	tls_guard = 0;
}

MPROF_EXPORT void __cyg_profile_func_exit(void *this_fn, void *call_site)
{
	struct thread_state *t = tls_calls;
	uintptr_t fn = (uintptr_t)this_fn;
	uint64_t now;
	uint32_t d;

	if (unlikely(t == NULL || tls_guard))
		return calls_blocked(t, fn, 0, false);
	tls_guard = 1;
	barrier();
	if (unlikely(t->slow))
		return calls_exit_flagged(t, fn, CALLER_CFA());
	now = clock_ticks();
	d = t->depth;
	if (unlikely(d <= t->base || d > t->cap || t->stack[d - 1].fn != fn || t->pos >= t->end ||
		     offcpu_switched(t)))
		return calls_exit_rare_release(t, fn, CALLER_CFA(), now);
	calls_store_exit(t, now, d);
	barrier();
	tls_guard = 0;
}

/* The uninstrumented twins of probe.c: the baseline. */
NOINSTR __attribute__((noipa)) static void probe_leaf_plain(void)
{
}

NOINSTR __attribute__((noipa)) static void probe_loop_plain(int n)
{
	for (int i = 0; i < n; i++)
		probe_leaf_plain();
}

/* Called through a pointer, so the loop is neither inlined nor hoisted. */
static void (*volatile probe_plain)(int) = probe_loop_plain;

/* The median of v[0..n) (reordered). Insertion sort: a few thousand values
 * at most, and no allocator. */
NOINSTR static uint64_t calls_median(uint64_t *v, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 1; i < n; i++) {
		uint64_t x = v[i];
		size_t j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return v[n / 2];
}

/*
 * Walk what one recorded probe_loop(n) wrote: the loop's entry, n entries
 * and exits of the leaf, the loop's exit. Returns the loop's self time in
 * ticks (its inclusive time less its calls'); *leaf gets the median of the
 * leaf's inclusive times. 0 if the records are not that shape.
 */
NOINSTR static uint64_t calls_probe_self(const uint64_t *rec, const uint64_t *end, int n,
					 uint64_t *leaf)
{
	enum { MAXS = 1024 };
	uint64_t v[MAXS], ticks = 0, start = 0, enter = 0, children = 0;
	size_t k = 0;

	if (end - rec != 2 * n + 2 || n > MAXS)
		return 0;
	for (const uint64_t *p = rec; p < end; p++) {
		bool is_enter = (*p & 3) == TRACE_TAG_ENTER;

		ticks += is_enter ? (*p >> 2) & TRACE_ENTER_DELTA_MAX : *p >> 2;
		if (p == rec)
			start = ticks;
		else if (p == end - 1)
			break;
		else if (is_enter)
			enter = ticks;
		else
			children += v[k++] = ticks - enter;
	}
	*leaf = calls_median(v, k);
	return ticks - start - children;
}

/*
 * What a call costs that its timestamps do not show as the callee's work:
 * probe_self, the hooks' part between the callee's own clock reads (the
 * leaf's median inclusive time, its body being empty), and probe_parent,
 * the part its caller's self time absorbs (the loop's self time less its
 * uninstrumented twin's time and its own probe_self, per call). Medians
 * over interleaved rounds: what a call typically costs.
 */
NOINSTR void calls_calibrate(uint64_t *self_ticks, uint64_t *parent_ticks)
{
	enum { CALLS = 1000, ROUNDS = 15 };
	struct thread_state *s = thread_scratch_new(2 * CALLS + 64);
	struct thread_state *saved = tls_calls;
	uint64_t parent[ROUNDS], self[ROUNDS];
	unsigned saved_guard = tls_guard;
	int good = 0;

	*self_ticks = *parent_ticks = 0;
	if (s == NULL)
		return;
	tls_guard = 0; /* init may run inside a hook: the probes must record */
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t *start = (uint64_t *)(s + 1);
		uint64_t plain, loop_self, leaf, t0;

		t0 = clock_ticks();
		probe_plain(CALLS);
		plain = clock_ticks() - t0;
		s->pos = start;
		s->depth = 0;
		s->last = clock_ticks();
		tls_calls = s;
		probe_loop(CALLS);
		tls_calls = saved;
		loop_self = calls_probe_self(start, s->pos, CALLS, &leaf);
		if (loop_self == 0)
			continue; /* a TIME record got in: a long interruption */
		self[good] = leaf;
		parent[good++] = loop_self > plain + leaf ? (loop_self - plain - leaf) / CALLS : 0;
	}
	tls_guard = saved_guard;
	thread_scratch_free(s);
	*self_ticks = calls_median(self, good);
	*parent_ticks = calls_median(parent, good);
}
