/* SPDX-License-Identifier: MIT */
/*
 * setjmp.c - tell the call recorder when the program longjmps.
 *
 * longjmp skips the exit hooks of every frame it unwinds. Frames below the
 * target are closed by the runtime as soon as it sees a call at or above
 * their level (calls.c); the wrappers close them at once, from the target's
 * stack pointer, and mark the jump: a frame at exactly the target's level,
 * entered again by a retry loop, can only be told from an inlined call by
 * knowing a longjmp happened.
 *
 * A jump from a signal handler that interrupted the runtime (the guard
 * held) is put off until the runtime is back in the program (jump.h).
 */
#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
#include <stddef.h>

#include "calls.h"
#include "clock.h"
#include "compiler.h"
#include "jump.h"
#include "thread.h"

/* The real function `name`, looked up once. */
NOINSTR static jump_fn setjmp_real(jump_fn *cache, const char *name)
{
	if (*cache == NULL)
		*cache = (jump_fn)dlsym(RTLD_NEXT, name);
	return *cache;
}

/* Jump with f, the real function, to env. */
NOINSTR __attribute__((noreturn)) static void setjmp_jump(jump_fn f, struct __jmp_buf_tag *env,
							  int val)
{
	int err = errno; /* the program's, whatever the bookkeeping does */

	if (tls_guard) {
		int stays = jump_from_runtime(f, env, val);

		errno = err;
		if (stays > 0) {
			/* Within a handler: the runtime's calls stay open. */
			calls_close_held_below(env, stays == 2);
			errno = err;
			f(env, val);
		}
		/* Cannot be put off: the interrupted event is abandoned. */
		calls_close_held(clock_ticks(), true);
		tls_guard = 0;
	}
	calls_longjmp(env);
	errno = err;
	f(env, val);
	__builtin_unreachable();
}

#define MPROF_JUMP_WRAPPER(name, type)                                      \
	MPROF_EXPORT __attribute__((noreturn)) void name(type env, int val) \
	{                                                                   \
		static jump_fn real;                                        \
		jump_fn f = setjmp_real(&real, #name);                      \
                                                                            \
		setjmp_jump(f, env, val);                                   \
	}

MPROF_JUMP_WRAPPER(longjmp, jmp_buf)
MPROF_JUMP_WRAPPER(_longjmp, jmp_buf)
MPROF_JUMP_WRAPPER(siglongjmp, sigjmp_buf)
/* What longjmp becomes under _FORTIFY_SOURCE. */
void __longjmp_chk(jmp_buf env, int val) __attribute__((noreturn));
MPROF_JUMP_WRAPPER(__longjmp_chk, jmp_buf)
