/* SPDX-License-Identifier: MIT */
/*
 * pool.c - the worker pool on pthreads.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

struct pool_worker {
	pthread_t thread;
	bool started;
	pool_fn *fn;
	void *arg;
};

static void *pool_thread(void *p)
{
	struct pool_worker *w = p;

	w->fn(w->arg);
	return NULL;
}

void pool_run(unsigned n, pool_fn *fn, void *const *args, struct pool_result *res)
{
	struct pool_worker *w = calloc(n, sizeof(*w));

	memset(res, 0, sizeof(*res));
	if (w == NULL) {
		/* no table, no threads: every worker on this one */
		res->error = ENOMEM;
		res->fallback = n - 1;
		for (unsigned i = 0; i < n; i++)
			fn(args[i]);
		return;
	}
	for (unsigned i = 1; i < n; i++) {
		int err;

		w[i].fn = fn;
		w[i].arg = args[i];
		err = pthread_create(&w[i].thread, NULL, pool_thread, &w[i]);
		if (err == 0) {
			w[i].started = true;
			res->threads++;
		} else if (res->error == 0) {
			res->error = err;
		}
	}
	fn(args[0]);
	for (unsigned i = 1; i < n; i++) {
		if (w[i].started) {
			pthread_join(w[i].thread, NULL);
		} else {
			fn(args[i]);
			res->fallback++;
		}
	}
	free(w);
}
