/* SPDX-License-Identifier: MIT */
/*
 * snapshot.h - snapshot markers: mprof_snapshot() from the program, a signal
 * (MPROF_SNAPSHOT_SIGNAL), a period (MPROF_SNAPSHOT_PERIOD), and "exit".
 *
 * A snapshot is a marker in the trace; the live heap at that moment is the
 * reporter's to compute. A signal handler cannot write into a buffer the
 * interrupted code may be writing, so it only counts; the next allocation
 * event of any thread writes the marker, and so does the period's.
 */
#ifndef MPROF_SNAPSHOT_H
#define MPROF_SNAPSHOT_H

#include <signal.h>
#include <stdint.h>

#include "compiler.h"
#include "env.h"

struct thread_state;

extern volatile sig_atomic_t snapshot_signals; /* raised by the handler */
extern unsigned snapshot_signals_taken;	       /* written as markers */
extern uint64_t snapshot_period_ticks;	       /* 0: no period */

/* Install the signal handler and the period, as configured. */
void snapshot_init(const struct env_config *cfg, uint64_t ticks_per_ms);

void snapshot_poll_slow(struct thread_state *t);

/* Write the markers a signal or the period asked for. Guard held. */
static inline void snapshot_poll(struct thread_state *t)
{
	if (unlikely((unsigned)snapshot_signals != snapshot_signals_taken || snapshot_period_ticks))
		snapshot_poll_slow(t);
}

#endif
