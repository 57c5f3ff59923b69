/* SPDX-License-Identifier: MIT */
/*
 * pool.h - the worker pool: run one function per worker, each on a thread
 * of its own, and wait for them all.
 *
 * Worker 0 runs on the calling thread, workers 1 .. n-1 on threads the
 * pool starts. A worker whose thread cannot be started still runs, on the
 * calling thread once the others are under way: the work is always done.
 * The pool allocates its thread table for the call only.
 */
#ifndef DEMO_POOL_H
#define DEMO_POOL_H

typedef void pool_fn(void *arg);

struct pool_result {
	unsigned threads;  /* workers that ran on a thread of their own */
	unsigned fallback; /* workers whose thread could not be started */
	int error;	   /* errno of the first failure to start one */
};

/* Run fn(args[i]) for every i in [0, n), n >= 1; return when all are done. */
void pool_run(unsigned n, pool_fn *fn, void *const *args, struct pool_result *res);

#endif
