/* SPDX-License-Identifier: MIT */
/*
 * calls.h - function entry and exit events (the -finstrument-functions hooks).
 */
#ifndef MPROF_CALLS_H
#define MPROF_CALLS_H

#include <stdint.h>

/*
 * Measure what one instrumented call costs the clock, with the real hooks
 * on a scratch buffer: *self_ticks is the part that lands inside the call's
 * own inclusive time, *parent_ticks the part its caller sees as self time.
 */
void calls_calibrate(uint64_t *self_ticks, uint64_t *parent_ticks);

#include <setjmp.h>
#include <stdbool.h>

/*
 * The program is about to longjmp to env: the frames below the target are
 * closed now. Frames left open at the target's level may be abandoned too:
 * the next entry at the same level as one of them, of the same function,
 * closes it (see calls_unwind). Called by the longjmp wrappers.
 */
void calls_longjmp(const struct __jmp_buf_tag *env);

/* The same for a jump that resumes with stack pointer target (0: not
 * known, mark only; UINTPTR_MAX: every open call ends). */
void calls_jump_to(uintptr_t target);

/* Signal handlers whose calls are held (the runtime was interrupted) jump
 * out at `ticks`: their open calls end there; one event is counted lost if
 * the interrupted one is `torn` (abandoned half made). Guard held. */
void calls_close_held(uint64_t ticks, bool torn);

/* A handler whose calls are held goes on with the runtime free: its open
 * held calls become frames of the call stack. Guard held. */
void calls_adopt_held(void);

/* ... and is paused: its held calls are not written meanwhile. */
void calls_pause_held(void);

/* A handler whose calls are held jumps to env within itself: the held
 * calls below the target end now; with `abandon`, an append to them the
 * jump leaves is lost. Guard held. */
void calls_close_held_below(const struct __jmp_buf_tag *env, bool abandon);

struct thread_state;

/* Write the signal handlers' calls still held for thread t (at its end). */
void calls_write_all_held(struct thread_state *t);

/* Built with -finstrument-functions (probe.c): an empty function, and a
 * loop calling it n times. */
void probe_leaf(void);
void probe_loop(int n);

#endif
