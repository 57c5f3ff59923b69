/* SPDX-License-Identifier: MIT */
/*
 * offcpu.h - when each thread was off the CPU (blocked, sleeping, waiting
 * for a CPU), so that the report tells waiting from work.
 *
 * Each recording thread, at its first hook that takes readings (a call's,
 * a stage's: one that only allocates never does), opens a software perf
 * event on itself (a dummy event: it counts nothing), maps its control
 * page and closes the
 * descriptor at once: the mapping keeps the event, and no descriptor of the
 * program's range is held. The kernel rewrites that page whenever it
 * switches the thread in or out, bumping its sequence word. The hooks
 * compare that word with the value they last saw (one load beside the
 * thread's other hot fields): when it moved, the thread was off the CPU
 * since the previous hook, and the rare path writes an OFFCPU reading of
 * the thread's clocks (trace_format.h) before the event. The reader puts
 * the off-CPU time between two readings in the call that was innermost
 * between the two events around the later one. The totals are exact
 * whatever the detection does: readings are cumulative clocks.
 *
 * Where perf_event_open is refused (perf_event_paranoid, a container, a
 * seccomp filter), the mapping fails (the locked-memory limit), or
 * MPROF_OFFCPU=0, nothing changes for the program; the header says why
 * (header.offcpu), and a thread that could not be set up is counted
 * (offcpu_threads_missing). A thread without a page points at a word that
 * never changes, so the hooks' check needs no other branch.
 *
 * Everything here but offcpu_switched() is slow path: system calls, with
 * errno kept.
 */
#ifndef MPROF_OFFCPU_H
#define MPROF_OFFCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "compiler.h"
#include "env.h"
#include "thread.h"

/* Room a runtime pause may need for its readings (offcpu_pause_end()). */
#define OFFCPU_PAUSE_WORDS (2 * TRACE_OFFCPU_WORDS)

/* Whether t was switched out since its last reading: the hooks' check. */
NOINSTR static inline bool offcpu_switched(const struct thread_state *t)
{
	return *t->switches != t->switches_seen;
}

/* Have the next hook take a reading (those written since the last one
 * were taken back with the call they were in). */
NOINSTR static inline void offcpu_read_again(struct thread_state *t)
{
	if (t->offcpu_page)
		t->switches_seen = *t->switches + 1; /* the kernel's word moves by 2 */
}

/* Decide for the process (MPROF_OFFCPU, the kernel's answer to one try)
 * and fill the header's off-CPU fields. Called once at start. */
void offcpu_init(const struct env_config *cfg);

/*
 * Set up t, the calling thread's new state: its event is opened at its
 * first hook that takes readings (a call's, a stage's), so that a thread
 * that only allocates costs nothing; then its page, or the idle word (the
 * thread counted missing).
 */
void offcpu_thread_open(struct thread_state *t);

/* Unmap t's page (t is gone, or never ran in this process). */
void offcpu_thread_close(struct thread_state *t);

/* The hooks' rare path, offcpu_switched(t) true: write a reading (the
 * thread's first, BASE, after opening its event). Guard held. */
void offcpu_note(struct thread_state *t);

/* t ends (thread_finish()): a last reading, flagged UNSEEN if no switch
 * was seen since the one before. */
void offcpu_finish(struct thread_state *t);

/*
 * A runtime pause (a new window or chunk) brackets its work with these: a
 * switch seen at its start is read then, one during it is read at its end
 * as a BASE (the pause's off-CPU time is the runtime's, as its time is).
 * offcpu_pause_end() writes both at t->pos (OFFCPU_PAUSE_WORDS of room).
 */
struct offcpu_pause {
	bool before;
	uint64_t w[TRACE_OFFCPU_WORDS - 1];
};

void offcpu_pause_begin(struct thread_state *t, struct offcpu_pause *op);
void offcpu_pause_end(struct thread_state *t, const struct offcpu_pause *op);

/* In a fork child: the child's header says what the parent's did; the
 * parent's pages are not mapped in the child (the kernel does not copy
 * them): give the forking thread, t, its own (t NULL: it has no state). */
void offcpu_fork_child(struct thread_state *t);

/* Forget t's page without unmapping it (a fork child's other threads). */
void offcpu_thread_forget(struct thread_state *t);

#endif
