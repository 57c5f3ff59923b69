/* SPDX-License-Identifier: MIT */
/*
 * jump.c - put off a jump out of a signal handler that interrupted the
 * runtime until the runtime is back in the program (see jump.h).
 *
 * The stack is walked from here, through the handler and its signal frame
 * (or frames, when handlers nest), into the code the signal interrupted.
 * The runtime frame that holds the guard is the outermost frame of
 * libmprof's own code before the jump's target; its return address is
 * pointed at jump_trampoline, and the interrupted code resumed from its
 * signal frame. When it returns, the trampoline makes the jump the handler
 * asked for, with the handler's signal mask.
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "calls.h"
#include "clock.h"
#include "compiler.h"
#include "jump.h"
#include "stack.h"
#include "thread.h"

#if defined(__x86_64__) && defined(__GLIBC__)

/* Frames walked at most, and frames of other code after libmprof's that end
 * the search for the guard's holder in one stretch of stack. */
#define JUMP_MAX_FRAMES 1024
#define JUMP_HOLDER_GAP 32

/* The jump to make when the interrupted runtime returns. */
struct jump_pending {
	jump_fn real;
	struct __jmp_buf_tag *env;
	int val;
	sigset_t mask; /* the handler's signal mask then */
};

static __thread struct jump_pending jump_pending TLS_IE;

void jump_trampoline(void) __attribute__((visibility("hidden"), noreturn));
NOINSTR __attribute__((used, noreturn)) void jump_pending_run(void);

/* Entered by the return of the runtime's outermost frame: the stack
 * pointer is the program's caller's, aligned as at a call. */
__asm__(".text\n"
	".globl jump_trampoline\n"
	".hidden jump_trampoline\n"
	".type jump_trampoline, @function\n"
	"jump_trampoline:\n"
	"\t.cfi_startproc\n"
	"\t.cfi_undefined rip\n" /* an unwinder stops here */
	"\tandq $-16, %rsp\n"
	"\tcall jump_pending_run\n"
	"\tud2\n"
	"\t.cfi_endproc\n"
	".size jump_trampoline, .-jump_trampoline\n");

NOINSTR __attribute__((used, noreturn)) void jump_pending_run(void)
{
	struct jump_pending p = jump_pending;

	jump_pending.real = NULL;
	/* Back in the program: no runtime frame is left on this thread (a
	 * handler's own hook may have been abandoned holding the guard). */
	tls_guard = 0;
	pthread_sigmask(SIG_SETMASK, &p.mask, NULL);
	calls_longjmp(p.env);
	p.real(p.env, p.val);
	__builtin_unreachable();
}

NOINSTR uintptr_t jump_target_sp(const struct __jmp_buf_tag *env)
{
	uintptr_t sp = (uintptr_t)env->__jmpbuf[6], guard;

	/* glibc mangles it: rotated left by 17 bits after an xor with the
	 * thread's pointer guard. */
	__asm__("movq %%fs:0x30, %0" : "=r"(guard));
	sp = (sp >> 17 | sp << 47) ^ guard;
	return sp;
}

/* Whether pc is the kernel's signal return code, glibc's __restore_rt:
 * mov $15, %rax; syscall. */
NOINSTR static bool jump_is_sigreturn(uintptr_t pc)
{
	static const unsigned char code[] = {
		0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05
	};
	Dl_info info;

	/* Read only code of a loaded object. */
	return dladdr((void *)pc, &info) && info.dli_fbase &&
	       memcmp((const void *)pc, code, sizeof(code)) == 0;
}

/* With the CPU's shadow stack on, a return address cannot be changed. */
NOINSTR static bool jump_shadow_stack(void)
{
	uint64_t ssp = 0;

	/* rdsspq is a no-op where there is no shadow stack. */
	__asm__ volatile(".byte 0xf3, 0x48, 0x0f, 0x1e, 0xc8" : "+a"(ssp));
	return ssp != 0;
}

/* Resume the code a signal interrupted from its frame at sp. */
NOINSTR __attribute__((noreturn)) static void jump_sigreturn(uintptr_t sp)
{
	__asm__ volatile("movq %0, %%rsp\n\t"
			 "movl $15, %%eax\n\t"
			 "syscall\n\t"
			 "ud2" ::"r"(sp)
			 : "memory");
	__builtin_unreachable();
}

struct jump_walk {
	uintptr_t sig_sp;   /* the innermost signal frame seen (its ucontext) */
	uintptr_t hold_sig; /* the signal frame above the guard's holder */
	uintptr_t *slot;    /* the holder's return address */
	bool want_return;   /* the holder is the previous frame: its return
			     * address is this frame's ip */
	bool pending;	    /* the holder returns to the trampoline already */
	bool target;	    /* the jump's target frame was reached */
	bool bad;	    /* a frame is not what it seemed */
	unsigned gap;	    /* frames of other code since libmprof's */
};

/* Take the frame (ip, sp) into the walk; false to stop there. */
NOINSTR static bool jump_walk_frame(struct jump_walk *w, uintptr_t ip, uintptr_t sp, bool exact,
				    bool sig)
{
	if (w->want_return) {
		w->want_return = false;
		w->slot = (uintptr_t *)(sp - sizeof(uintptr_t));
		/* Never a handler's return into its signal frame. */
		if (sig || *w->slot != ip) {
			w->bad = true;
			return false;
		}
		if (ip == (uintptr_t)jump_trampoline) {
			w->pending = true;
			return false;
		}
	}
	if (sig) {
		w->sig_sp = sp;
		w->gap = 0;
	} else if (w->sig_sp && w->gap < JUMP_HOLDER_GAP) {
		/* A return address may be just past the end of a function. */
		if (stack_in_self(exact ? ip : ip - 1)) {
			w->hold_sig = w->sig_sp;
			w->want_return = true;
			w->gap = 0;
		} else {
			w->gap++;
		}
	}
	return true;
}

NOINSTR int jump_from_runtime(jump_fn real, struct __jmp_buf_tag *env, int val)
{
	uintptr_t target = jump_target_sp(env), prev_sp = 0, want_ip = 0, want_sp = 0;
	struct jump_walk w = { 0 };
	bool prev_sig = false;
	unw_context_t uc;
	unw_cursor_t c;

	if (jump_shadow_stack() || unw_getcontext(&uc) != 0 || unw_init_local(&c, &uc) != 0)
		return -1;
	for (int n = 0; n < JUMP_MAX_FRAMES; n++) {
		unw_word_t ip, sp;
		bool exact = false, sig;

		if (unw_get_reg(&c, UNW_REG_IP, &ip) != 0 || unw_get_reg(&c, UNW_REG_SP, &sp) != 0)
			break;
		if (want_sp) {
			/* The interrupted code: as its signal frame says. */
			if (ip != want_ip || sp != want_sp)
				return -1;
			want_sp = 0;
			exact = true;
		}
		/* The target lies in the previous frame: stop there. */
		if (!prev_sig && prev_sp && prev_sp <= target && target < sp) {
			w.target = true;
			if (w.want_return)
				w.bad = true;
			break;
		}
		sig = n > 0 && jump_is_sigreturn(ip);
		if (!jump_walk_frame(&w, ip, sp, exact, sig))
			break;
		if (sig) {
			const ucontext_t *u = (const ucontext_t *)sp;

			want_ip = (uintptr_t)u->uc_mcontext.gregs[REG_RIP];
			want_sp = (uintptr_t)u->uc_mcontext.gregs[REG_RSP];
			if (want_sp == 0)
				return -1;
		}
		prev_sig = sig;
		prev_sp = sp;
		if (unw_step(&c) <= 0)
			break;
	}
	if (w.bad || w.sig_sp == 0 || w.want_return)
		return -1;
	if (w.hold_sig == 0)
		return w.target ? 1 : -1; /* the jump stays in a handler */
	jump_pending.real = real;
	jump_pending.env = env;
	jump_pending.val = val;
	pthread_sigmask(SIG_SETMASK, NULL, &jump_pending.mask);
	calls_close_held(clock_ticks(), false);
	if (!w.pending)
		*w.slot = (uintptr_t)jump_trampoline;
	jump_sigreturn(w.hold_sig);
}

#else

NOINSTR uintptr_t jump_target_sp(const struct __jmp_buf_tag *env)
{
	(void)env;
	return 0;
}

NOINSTR int jump_from_runtime(jump_fn real, struct __jmp_buf_tag *env, int val)
{
	(void)real;
	(void)env;
	(void)val;
	return -1;
}

#endif
