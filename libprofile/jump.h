/* SPDX-License-Identifier: MIT */
/*
 * jump.h - longjmp and siglongjmp out of a signal handler that interrupted
 * the runtime.
 *
 * The classic timeout idiom (a timer whose handler siglongjmps out of the
 * computation) lands now and then in the middle of a hook: the runtime's
 * state is half updated and its guard held. Jumping at once would leave
 * both so, and the thread would record nothing more. Instead the jump is
 * made as soon as the interrupted runtime code returns to the program: the
 * return address of the outermost runtime frame is pointed at a trampoline
 * that makes the jump, and the interrupted code is resumed through its
 * signal frame (rt_sigreturn), as if the signal had come a few instructions
 * later. The signal mask the handler had is the one the jump starts from,
 * so the program's state after the jump is what it would have been.
 *
 * x86-64 with glibc (the jmp_buf layout and pointer mangling); elsewhere,
 * and when the stack cannot be unwound, jump_from_runtime() declines and
 * the caller releases the guard and jumps (the interrupted event may then
 * be torn: counted lost).
 */
#ifndef MPROF_JUMP_H
#define MPROF_JUMP_H

#include <setjmp.h>
#include <stdint.h>
#include <ucontext.h>

typedef void (*jump_fn)(struct __jmp_buf_tag *, int);

/* The stack pointer a jump to `env` resumes with; 0 if it cannot be read
 * here. */
uintptr_t jump_target_sp(const struct __jmp_buf_tag *env);

/*
 * The guard is held and the program jumps with `real` to env. Returns 1 if
 * the jump stays inside a handler that interrupted the runtime (jump now,
 * keep the guard), 2 if so and it leaves runtime code of that handler's
 * (holding its calls) half done, -1 if the jump cannot be put off (release the guard,
 * then jump). Does not return when the jump is put off.
 */
int jump_from_runtime(jump_fn real, struct __jmp_buf_tag *env, int val);

/*
 * The guard is held and a signal handler switches context: swapcontext
 * (oucp, ucp), or setcontext(ucp) with oucp NULL. The switch is put off
 * as a jump is, and made through the wrappers when the interrupted runtime
 * returns; when the context that switched runs again, the program goes on
 * where the runtime returned to (the handler's code after its switch does
 * not run: it was left, as a jump leaves it). Does not return; returns -1
 * if the switch cannot be put off (then made at once, not followed: the
 * runtime's state belongs to the context left).
 */
int jump_switch_from_runtime(ucontext_t *oucp, const ucontext_t *ucp);

#endif
