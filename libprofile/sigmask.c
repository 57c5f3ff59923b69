/* SPDX-License-Identifier: MIT */
#include <pthread.h>

#include "compiler.h"
#include "sigmask.h"

NOINSTR void sigmask_block(sigset_t *old)
{
	sigset_t all;

	/* Faults stay deliverable: blocked, they would kill the process. */
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGTRAP);
	sigdelset(&all, SIGABRT);
	sigdelset(&all, SIGSYS);
	pthread_sigmask(SIG_BLOCK, &all, old);
}

NOINSTR void sigmask_restore(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

NOINSTR int sigmask_loader_walk(int (*cb)(struct dl_phdr_info *, size_t, void *), void *data)
{
	sigset_t old;
	int ret;

	sigmask_block(&old);
	ret = dl_iterate_phdr(cb, data);
	sigmask_restore(&old);
	return ret;
}
