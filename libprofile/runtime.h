/* SPDX-License-Identifier: MIT */
/*
 * runtime.h - life cycle of the recording runtime: start (constructor or the
 * first event, whichever comes first), fork, exit.
 */
#ifndef MPROF_RUNTIME_H
#define MPROF_RUNTIME_H

#include <stdbool.h>

#include "env.h"
#include "trace_format.h"

enum runtime_state {
	RT_UNINIT = 0,	 /* nothing done yet */
	RT_STARTING = 1, /* runtime_init() is running */
	RT_ACTIVE = 2,	 /* recording */
	RT_OFF = 3,	 /* disabled, or the trace could not be created */
};

extern int runtime_state;	      /* enum runtime_state, read with atomics */
extern struct env_config runtime_cfg; /* read once at start */

static inline bool runtime_active(void)
{
	return __atomic_load_n(&runtime_state, __ATOMIC_ACQUIRE) == RT_ACTIVE;
}

/* Start recording if not started yet. Safe to call from any thread and from
 * any hook; returns at once if another thread is starting it. */
void runtime_init(void);

/*
 * The process (this image of it) ends: how (enum trace_end_how) and with
 * what status. Writes the calling thread's end and finalizes the trace;
 * TRACE_END_EXEC only finalizes (the exec may fail: runtime_exec_failed
 * takes it back). Nothing in a vfork child.
 */
void runtime_end(unsigned how, int status);
void runtime_exec_failed(void);

/* Look up the real _exit and exec family (preload/exit.c; absent from a
 * runtime built without the wrappers). */
void exit_init(void) __attribute__((weak));

/* Record the module maps again if libraries were loaded or unloaded since
 * the last capture (or always, for `reason` START/EXIT). */
void runtime_capture_maps(enum trace_maps_reason reason);

#endif
