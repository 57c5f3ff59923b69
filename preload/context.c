/* SPDX-License-Identifier: MIT */
/*
 * context.c - tell the call recorder when the program switches stacks with
 * swapcontext or setcontext (coroutines; see libprofile/context.h).
 *
 * makecontext needs nothing: a context it made is known by its stack.
 * getcontext cannot be wrapped (it returns twice, into a frame that would
 * be ours); a state it saved is told apart when it is switched to.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <ucontext.h>

#include "compiler.h"
#include "context.h"
#include "jump.h"
#include "thread.h"

/*
 * Every signal is blocked from before the call stacks change until the
 * context runs again (the real functions set the new context's own mask as
 * they switch): no handler runs with the bookkeeping half done, nor with
 * the C library halfway through a switch. A context saved here holds that
 * mask; the wrapper it resumes in puts back the one it had.
 */
static sigset_t context_all;

__attribute__((constructor)) NOINSTR static void context_mask_init(void)
{
	sigfillset(&context_all);
}

typedef int (*swapcontext_fn)(ucontext_t *, const ucontext_t *);
typedef int (*setcontext_fn)(const ucontext_t *);

/* The C library's `name`, looked up once into *cache; NULL (errno ENOSYS)
 * if there is none. */
NOINSTR static void *context_real(void **cache, const char *name)
{
	if (*cache == NULL)
		*cache = dlsym(RTLD_NEXT, name);
	if (*cache == NULL)
		errno = ENOSYS;
	return *cache;
}

MPROF_EXPORT int swapcontext(ucontext_t *oucp, const ucontext_t *ucp)
{
	static void *cache;
	swapcontext_fn real = (swapcontext_fn)context_real(&cache, "swapcontext");
	struct context_leave l;
	struct thread_state *t;
	sigset_t mask;
	int ret, saved;

	if (real == NULL)
		return -1;
	t = tls_calls;
	if (t && tls_guard && oucp && ucp)
		jump_switch_from_runtime(oucp, ucp); /* a handler: returns if it cannot */
	if (t == NULL || tls_guard || oucp == NULL || ucp == NULL)
		return real(oucp, ucp);
	saved = errno;
	pthread_sigmask(SIG_SETMASK, &context_all, &mask);
	tls_guard++;
	context_leave(t, oucp, ucp, &l);
	tls_guard--;
	errno = saved;
	ret = real(oucp, ucp);
	/* Here again: maybe much later, maybe on another thread. */
	saved = errno;
	if (!tls_guard) {
		tls_guard++;
		context_back(&l);
		tls_guard--;
	}
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	errno = saved;
	return ret;
}

MPROF_EXPORT int setcontext(const ucontext_t *ucp)
{
	static void *cache;
	setcontext_fn real = (setcontext_fn)context_real(&cache, "setcontext");
	struct thread_state *t;
	sigset_t mask;
	int ret, saved;

	if (real == NULL)
		return -1;
	t = tls_calls;
	if (t && tls_guard && ucp)
		jump_switch_from_runtime(NULL, ucp);
	if (t && !tls_guard && ucp) {
		saved = errno;
		pthread_sigmask(SIG_SETMASK, &context_all, &mask);
		tls_guard++;
		context_set(t, ucp);
		tls_guard--;
		errno = saved;
		ret = real(ucp); /* sets ucp's own mask; returns only if it fails */
		saved = errno;
		pthread_sigmask(SIG_SETMASK, &mask, NULL);
		errno = saved;
		return ret;
	}
	return real(ucp);
}
