/* SPDX-License-Identifier: MIT */
/*
 * sigmask.h - the runtime's sections that no signal handler of the program
 * may interrupt.
 *
 * A handler runs on the thread it interrupts. Where the runtime holds a lock
 * a handler may need too - its own (the writer's) or the dynamic loader's,
 * which dl_iterate_phdr() takes and which a handler takes again when it
 * unwinds (libunwind, a longjmp the runtime follows), calls dlopen() or
 * walks the loaded objects itself - the interrupted thread would wait for
 * itself forever. Such sections run with every signal blocked but the
 * faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS: blocked,
 * a fault kills the process); a signal that comes meanwhile is delivered
 * when the section ends, microseconds later.
 */
#ifndef MPROF_SIGMASK_H
#define MPROF_SIGMASK_H

#include <link.h>
#include <signal.h>

/* Block every signal but the faults; the mask before into *old. */
void sigmask_block(sigset_t *old);
/* Put back the mask sigmask_block() saved. */
void sigmask_restore(const sigset_t *old);

/* dl_iterate_phdr(cb, data) with the signals blocked; its result. */
int sigmask_loader_walk(int (*cb)(struct dl_phdr_info *, size_t, void *), void *data);

#endif
