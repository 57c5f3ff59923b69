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
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
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

void jump_trampoline(void) __attribute__((visibility("hidden"), noreturn));
void jump_swap_trampoline(void) __attribute__((visibility("hidden")));
void jump_resume_trampoline(void) __attribute__((visibility("hidden"), noreturn));
NOINSTR __attribute__((used)) uintptr_t jump_resume_stack(const uint64_t *regs);
NOINSTR __attribute__((used, noreturn)) void jump_resume_run(const uint64_t *regs);
NOINSTR __attribute__((used, noreturn)) void jump_pending_run(uintptr_t slot);
NOINSTR __attribute__((used)) uintptr_t jump_swap_run(uintptr_t slot);

/* Entered by the return of the runtime's outermost frame: the stack
 * pointer is the program's caller's, the slot the return address was in
 * just below it. One block: nothing comes between them. */
__asm__(".text\n"
	".globl jump_trampoline\n"
	".hidden jump_trampoline\n"
	".type jump_trampoline, @function\n"
	"jump_trampoline:\n"
	"\t.cfi_startproc\n"
	"\t.cfi_undefined rip\n" /* an unwinder stops here */
	"\tleaq -8(%rsp), %rdi\n"
	"\tandq $-16, %rsp\n"
	"\tcall jump_pending_run\n"
	"\tud2\n"
	"\t.cfi_endproc\n"
	".size jump_trampoline, .-jump_trampoline\n"
	/* The same for a switch: the registers the runtime's frame
	 * returned with are kept across it (a return value in rax, rdx or
	 * xmm0), and the program goes on where that frame would have
	 * returned to. The stack pointer, 16-byte aligned at a call, is
	 * again after the 80 bytes pushed. */
	".globl jump_swap_trampoline\n"
	".hidden jump_swap_trampoline\n"
	".type jump_swap_trampoline, @function\n"
	"jump_swap_trampoline:\n"
	"\t.cfi_startproc\n"
	"\t.cfi_undefined rip\n"
	"\tleaq -8(%rsp), %rdi\n"
	"\tpushq %rax\n"
	"\tpushq %rdx\n"
	"\tpushq %rbx\n"
	"\tpushq %rbp\n"
	"\tpushq %r12\n"
	"\tpushq %r13\n"
	"\tpushq %r14\n"
	"\tpushq %r15\n"
	"\tsubq $16, %rsp\n"
	"\tmovdqu %xmm0, (%rsp)\n"
	"\tcall jump_swap_run\n"
	"\tmovq %rax, %r11\n"
	"\tmovdqu (%rsp), %xmm0\n"
	"\taddq $16, %rsp\n"
	"\tpopq %r15\n"
	"\tpopq %r14\n"
	"\tpopq %r13\n"
	"\tpopq %r12\n"
	"\tpopq %rbp\n"
	"\tpopq %rbx\n"
	"\tpopq %rdx\n"
	"\tpopq %rax\n"
	"\tjmp *%r11\n"
	"\t.cfi_endproc\n"
	".size jump_swap_trampoline, .-jump_swap_trampoline\n"
	/* A paused handler goes on (jump_pause): the registers the
	 * runtime's frame returned with, and the flags, are pushed where
	 * they are safe (above the handler's stack, which the kernel put
	 * below the red zone), then our own stack is taken. */
	".globl jump_resume_trampoline\n"
	".hidden jump_resume_trampoline\n"
	".type jump_resume_trampoline, @function\n"
	"jump_resume_trampoline:\n"
	"\t.cfi_startproc\n"
	"\t.cfi_undefined rip\n"
	"\tpushfq\n"
	"\tpushq %rax\n"
	"\tpushq %rbx\n"
	"\tpushq %rcx\n"
	"\tpushq %rdx\n"
	"\tpushq %rsi\n"
	"\tpushq %rdi\n"
	"\tpushq %rbp\n"
	"\tpushq %r8\n"
	"\tpushq %r9\n"
	"\tpushq %r10\n"
	"\tpushq %r11\n"
	"\tpushq %r12\n"
	"\tpushq %r13\n"
	"\tpushq %r14\n"
	"\tpushq %r15\n"
	"\tmovq %rsp, %rbx\n"
	"\tmovq %rsp, %rdi\n"
	"\tcall jump_resume_stack\n"
	"\tmovq %rax, %rsp\n"
	"\tmovq %rbx, %rdi\n"
	"\tcall jump_resume_run\n"
	"\tud2\n"
	"\t.cfi_endproc\n"
	".size jump_resume_trampoline, .-jump_resume_trampoline\n"
	".globl jump_trampolines_end\n"
	".hidden jump_trampolines_end\n"
	"jump_trampolines_end:\n");

/* Whether pc is inside a trampoline (a return address into one is the
 * program's side, as the return it stands for). */
NOINSTR static bool jump_in_trampoline(uintptr_t pc)
{
	extern char jump_trampolines_end[] __attribute__((visibility("hidden")));

	return pc >= (uintptr_t)jump_trampoline && pc < (uintptr_t)jump_trampolines_end;
}

/* The put-off jump or switch whose trampoline replaced the return address
 * at `slot`; with `make`, a free entry (or the oldest) for it if none. */
NOINSTR static struct jump_defer *jump_defer_find(struct thread_state *t, uintptr_t slot, bool make)
{
	struct jump_defer *d;

	for (unsigned i = 0; i < THREAD_DEFER_MAX; i++)
		if (t->defer[i].slot == slot)
			return &t->defer[i];
	if (!make)
		return NULL;
	/* A free entry first; else (entries of frames left another way
	 * than their trampoline are never taken back) the oldest goes. */
	d = NULL;
	for (unsigned i = 0; i < THREAD_DEFER_MAX && d == NULL; i++)
		if (t->defer[i].slot == 0 && t->defer[i].map == NULL)
			d = &t->defer[i];
	if (d == NULL) {
		d = &t->defer[t->defer_next++ % THREAD_DEFER_MAX];
		if (d->map)
			munmap(d->map, d->maplen);
	}
	memset(d, 0, sizeof(*d));
	d->slot = slot;
	return d;
}

NOINSTR __attribute__((used)) uintptr_t jump_swap_run(uintptr_t slot)
{
	struct thread_state *t = tls_thread;
	struct jump_defer *d = t ? jump_defer_find(t, slot, false) : NULL;
	struct jump_defer p;

	if (d == NULL)
		__builtin_trap(); /* cannot happen: where would the program go? */
	p = *d;
	d->slot = 0;
	tls_guard = 0; /* back in the program (see jump_pending_run) */
	if (p.oucp)
		swapcontext(p.oucp, p.ucp);
	else
		setcontext(p.ucp);
	pthread_sigmask(SIG_SETMASK, &p.resume, NULL);
	return p.ret;
}

NOINSTR __attribute__((used, noreturn)) void jump_pending_run(uintptr_t slot)
{
	struct thread_state *t = tls_thread;
	struct jump_defer *d = t ? jump_defer_find(t, slot, false) : NULL;
	struct jump_defer p;

	if (d == NULL)
		__builtin_trap();
	p = *d;
	d->slot = 0;
	/* Back in the program: no runtime frame is left on this thread (a
	 * handler's own hook may have been abandoned holding the guard). */
	tls_guard = 0;
	pthread_sigmask(SIG_SETMASK, &p.mask, NULL);
	calls_longjmp(p.env);
	errno = p.err; /* the handler's, not the runtime's */
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
 * mov $15, %rax; syscall. The first one found is the one every handler
 * installed through the C library returns to: known from then on. */
NOINSTR static bool jump_is_sigreturn(uintptr_t pc)
{
	static const unsigned char code[] = {
		0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05
	};
	static uintptr_t restorer;
	uintptr_t known = __atomic_load_n(&restorer, __ATOMIC_RELAXED);
	Dl_info info;

	if (known)
		return pc == known;
	/* Read only code of a loaded object. */
	if (!dladdr((void *)pc, &info) || !info.dli_fbase ||
	    memcmp((const void *)pc, code, sizeof(code)) != 0)
		return false;
	__atomic_store_n(&restorer, pc, __ATOMIC_RELAXED);
	return true;
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

/*
 * Resume the interrupted runtime from its signal frame at sp, with the
 * handler's signal mask: until the jump or switch is made, the program is
 * still in its handler (a second timer signal must not run another
 * handler that sees the first one's switch as not made).
 */
NOINSTR __attribute__((noreturn)) static void jump_resume(uintptr_t sp, const sigset_t *mask)
{
	((ucontext_t *)sp)->uc_sigmask = *mask;
	jump_sigreturn(sp);
}

struct jump_walk {
	uintptr_t sig_sp;   /* the innermost signal frame seen (its ucontext) */
	uintptr_t hold_sig; /* the signal frame above the guard's holder */
	uintptr_t *slot;    /* the holder's return address */
	bool want_return;   /* the holder is the previous frame: its return
			     * address is this frame's ip */
	bool pending;	    /* the holder returns to a trampoline already */
	bool pending_swap;  /* ... to jump_swap_trampoline */
	bool pending_pause; /* ... to jump_resume_trampoline */
	bool target;	    /* the jump's target frame was reached */
	bool held_beyond;   /* the runtime was interrupted beyond it too */
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
		if (ip == (uintptr_t)jump_trampoline || ip == (uintptr_t)jump_swap_trampoline ||
		    ip == (uintptr_t)jump_resume_trampoline) {
			w->pending = true;
			w->pending_swap = ip == (uintptr_t)jump_swap_trampoline;
			w->pending_pause = ip == (uintptr_t)jump_resume_trampoline;
			return false;
		}
	}
	if (sig) {
		w->sig_sp = sp;
		w->gap = 0;
	} else if (w->sig_sp && w->gap < JUMP_HOLDER_GAP) {
		/* A return address may be just past the end of a function. */
		uintptr_t pc = exact ? ip : ip - 1;

		if (stack_in_self(pc) && !jump_in_trampoline(pc)) {
			w->hold_sig = w->sig_sp;
			w->want_return = true;
			w->gap = 0;
		} else {
			w->gap++;
		}
	}
	return true;
}

/*
 * Walk the stack from here to the frame holding `target` (0: to the end),
 * finding the runtime's frame below it that a signal interrupted. Returns
 * 0, or -1 if the stack cannot be walked or is not what it should be.
 */
NOINSTR static int jump_walk_stack(uintptr_t target, struct jump_walk *w)
{
	uintptr_t prev_sp = 0, want_ip = 0, want_sp = 0;
	bool prev_sig = false, beyond_sig = false;
	unsigned gap = 0;
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
		/* The target lies in the previous frame: the holder is below
		 * it. Beyond, only whether the runtime was interrupted further
		 * out (then the guard is held there, by the code a handler
		 * that holds the target interrupted). */
		if (!w->target && !prev_sig && prev_sp && prev_sp <= target && target < sp) {
			w->target = true;
			if (w->want_return) {
				w->bad = true;
				break;
			}
		}
		sig = n > 0 && jump_is_sigreturn(ip);
		if (w->target) {
			if (sig) {
				beyond_sig = true;
				gap = 0;
			} else if (beyond_sig && gap++ < JUMP_HOLDER_GAP &&
				   stack_in_self(exact ? ip : ip - 1)) {
				w->held_beyond = true;
				break;
			}
			if (sig) {
				const ucontext_t *u = (const ucontext_t *)sp;

				want_ip = (uintptr_t)u->uc_mcontext.gregs[REG_RIP];
				want_sp = (uintptr_t)u->uc_mcontext.gregs[REG_RSP];
			}
			prev_sig = sig;
			prev_sp = sp;
			if (unw_step(&c) <= 0)
				break;
			continue;
		}
		if (!jump_walk_frame(w, ip, sp, exact, sig))
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
	return w->bad || w->want_return ? -1 : 0;
}

NOINSTR int jump_from_runtime(jump_fn real, struct __jmp_buf_tag *env, int val)
{
	struct thread_state *t = tls_thread;
	struct jump_walk w = { 0 };
	struct jump_defer *d;
	int err = errno; /* the handler's: the walk may change it */

	if (t == NULL || jump_walk_stack(jump_target_sp(env), &w) < 0)
		return -1;
	/* The jump stays in a handler: the runtime it interrupted holds
	 * the guard (further out), its frames below the target are left. */
	if (w.hold_sig == 0 || w.held_beyond)
		return !w.target ? -1 : w.hold_sig ? 2 : 1;
	d = jump_defer_find(t, (uintptr_t)w.slot, true);
	if (!w.pending)
		d->ret = *w.slot;
	d->err = err;
	if (d->map) { /* a handler paused: the jump leaves it too */
		munmap(d->map, d->maplen);
		d->map = NULL;
	}
	d->real = real;
	d->env = env;
	d->val = val;
	d->oucp = NULL;
	d->ucp = NULL;
	pthread_sigmask(SIG_SETMASK, NULL, &d->mask);
	calls_close_held(clock_ticks(), false);
	/* A switch put off already: the jump leaves it unmade. */
	*w.slot = (uintptr_t)jump_trampoline;
	jump_resume(w.hold_sig, &d->mask);
}

/* The pushes of jump_resume_trampoline: regs[0] is r15, regs[15] the
 * flags; the slot the return address was in is just above them. */
#define JUMP_REGS	 16
#define JUMP_SLOT(regs)	 ((uintptr_t)(regs) + JUMP_REGS * 8 - 8)
#define JUMP_PAUSE_MAX	 (256u * 1024) /* a handler's stack kept at most */
#define JUMP_PAUSE_STACK (64u * 1024)  /* ours while it is put back */

NOINSTR __attribute__((used)) uintptr_t jump_resume_stack(const uint64_t *regs)
{
	struct thread_state *t = tls_thread;
	struct jump_defer *d = t ? jump_defer_find(t, JUMP_SLOT(regs), false) : NULL;

	if (d == NULL || d->map == NULL)
		__builtin_trap();
	return ((uintptr_t)d->map + d->maplen) & ~(uintptr_t)15;
}

/* On our own stack: put the handler's stack back, its signal frame made to
 * return where the runtime's frame returned to, with the registers it
 * returned with; then the handler goes on from its switch. */
NOINSTR __attribute__((used, noreturn)) void jump_resume_run(const uint64_t *regs)
{
	static const int order[JUMP_REGS - 1] = { REG_R15, REG_R14, REG_R13, REG_R12, REG_R11,
						  REG_R10, REG_R9,  REG_R8,  REG_RBP, REG_RDI,
						  REG_RSI, REG_RDX, REG_RCX, REG_RBX, REG_RAX };
	struct thread_state *t = tls_thread;
	struct jump_defer *d = jump_defer_find(t, JUMP_SLOT(regs), false);
	ucontext_t *u;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	u = (ucontext_t *)(d->map + (d->frame - d->lo));
	for (int i = 0; i < JUMP_REGS - 1; i++)
		u->uc_mcontext.gregs[order[i]] = (greg_t)regs[i];
	u->uc_mcontext.gregs[REG_EFL] = (greg_t)regs[JUMP_REGS - 1];
	u->uc_mcontext.gregs[REG_RSP] = (greg_t)(JUMP_SLOT(regs) + 8);
	u->uc_mcontext.gregs[REG_RIP] = (greg_t)d->ret;
	u->uc_sigmask = d->resume;
	memcpy((void *)d->lo, d->map, d->len);
	tls_guard = 1;
	calls_adopt_held(); /* the handler's calls: the runtime is free now */
	tls_guard = 0;
	/* Still every signal blocked: our stack is left first. */
	__builtin_longjmp(d->resume_at, 1);
}

/*
 * Pause the handler that switches: keep its stack (from here up to its
 * signal frame's end) aside, let the interrupted runtime finish, then put
 * the stack back and go on from here, the runtime free: the switch is
 * made then, by the wrapper, and the handler runs to its end; its return
 * resumes the program after the runtime's frame, as the signal had come
 * then. Returns 0 when the handler goes on, -1 if it cannot be paused.
 */
NOINSTR __attribute__((noinline)) static int jump_pause(struct thread_state *t,
							const struct jump_walk *w)
{
	const ucontext_t *u = (const ucontext_t *)w->hold_sig;
	uintptr_t sp, isp = (uintptr_t)u->uc_mcontext.gregs[REG_RSP], hi;
	struct jump_defer *volatile d;
	stack_t ss;
	sigset_t mask;
	void *map;

	__asm__ volatile("movq %%rsp, %0" : "=r"(sp));
	/* One stretch of one stack, from here to the signal frame's end:
	 * on the signal stack, that stack's top; on the thread's, the
	 * interrupted stack pointer's red zone. */
	if (sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_ONSTACK)) {
		hi = (uintptr_t)ss.ss_sp + ss.ss_size;
		if (w->hold_sig < (uintptr_t)ss.ss_sp || w->hold_sig >= hi)
			return -1; /* the frame is on another stack */
	} else if (w->hold_sig < isp && isp - w->hold_sig <= JUMP_PAUSE_MAX) {
		hi = isp - 128;
	} else {
		return -1;
	}
	sp = (sp - 128) & ~(uintptr_t)63;
	if (hi <= w->hold_sig || hi - sp > JUMP_PAUSE_MAX)
		return -1;
	map = mmap(NULL, hi - sp + JUMP_PAUSE_STACK, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return -1;
	d = jump_defer_find(t, (uintptr_t)w->slot, true);
	if (__builtin_setjmp(d->resume_at) != 0) {
		/* Back, the runtime free: the stack is ours again. */
		int err = d->err;

		mask = d->mask;
		munmap(d->map, d->maplen);
		d->map = NULL;
		d->slot = 0;
		pthread_sigmask(SIG_SETMASK, &mask, NULL);
		errno = err;
		return 0;
	}
	d->map = map;
	d->lo = sp;
	d->len = hi - sp;
	d->maplen = hi - sp + JUMP_PAUSE_STACK;
	d->frame = w->hold_sig;
	d->ret = *w->slot;
	d->resume = u->uc_sigmask;
	d->err = errno;
	pthread_sigmask(SIG_SETMASK, NULL, &mask);
	d->mask = mask;
	memcpy(d->map, (void *)d->lo, d->len);
	calls_pause_held();
	*w->slot = (uintptr_t)jump_resume_trampoline;
	jump_resume(w->hold_sig, &mask);
}

NOINSTR int jump_switch_from_runtime(ucontext_t *oucp, const ucontext_t *ucp)
{
	struct thread_state *t = tls_thread;
	struct jump_walk w = { 0 };
	struct jump_defer *d;
	sigset_t mask;
	int err = errno;
	int walked = t ? jump_walk_stack(0, &w) : -1;

	errno = err; /* the handler's, not the walk's */
	if (walked < 0 || w.hold_sig == 0)
		return -1;
	/* The handler paused, then going on from its switch; where it
	 * cannot be, the switch is made when the runtime returns and the
	 * handler left there. */
	if (!w.pending && jump_pause(t, &w) == 0)
		return 0;
	if (w.pending_pause)
		return -1; /* one handler paused already: not two */
	d = jump_defer_find(t, (uintptr_t)w.slot, true);
	calls_close_held(clock_ticks(), false);
	/* A jump put off already wins: it leaves this handler too. */
	if (!w.pending || w.pending_swap) {
		if (!w.pending) {
			d->ret = *w.slot;
			/* The program's mask once it goes on (as the
			 * handler's return would have made it). */
			d->resume = ((const ucontext_t *)w.hold_sig)->uc_sigmask;
		}
		d->oucp = oucp;
		d->ucp = ucp;
		*w.slot = (uintptr_t)jump_swap_trampoline;
	}
	pthread_sigmask(SIG_SETMASK, NULL, &mask);
	jump_resume(w.hold_sig, &mask);
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

NOINSTR int jump_switch_from_runtime(ucontext_t *oucp, const ucontext_t *ucp)
{
	(void)oucp;
	(void)ucp;
	return -1;
}

#endif
