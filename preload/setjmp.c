/* SPDX-License-Identifier: MIT */
/*
 * setjmp.c - tell the call recorder when the program longjmps.
 *
 * longjmp skips the exit hooks of every frame it unwinds. Frames below the
 * target are closed by the runtime as soon as it sees a call at or above
 * their level (calls.c); a frame at exactly the target's level, entered
 * again by a retry loop, can only be told from an inlined call by knowing a
 * longjmp happened. These wrappers pass that on and jump.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stddef.h>

#include "calls.h"
#include "compiler.h"

typedef void (*jump_fn)(struct __jmp_buf_tag *, int);

/* The real function `name`, looked up once. */
NOINSTR static jump_fn setjmp_real(jump_fn *cache, const char *name)
{
	if (*cache == NULL)
		*cache = (jump_fn)dlsym(RTLD_NEXT, name);
	return *cache;
}

#define MPROF_JUMP_WRAPPER(name, type)                                      \
	MPROF_EXPORT __attribute__((noreturn)) void name(type env, int val) \
	{                                                                   \
		static jump_fn real;                                        \
		jump_fn f = setjmp_real(&real, #name);                      \
                                                                            \
		calls_longjmp();                                            \
		f(env, val);                                                \
		__builtin_unreachable();                                    \
	}

MPROF_JUMP_WRAPPER(longjmp, jmp_buf)
MPROF_JUMP_WRAPPER(_longjmp, jmp_buf)
MPROF_JUMP_WRAPPER(siglongjmp, sigjmp_buf)
/* What longjmp becomes under _FORTIFY_SOURCE. */
void __longjmp_chk(jmp_buf env, int val) __attribute__((noreturn));
MPROF_JUMP_WRAPPER(__longjmp_chk, jmp_buf)
