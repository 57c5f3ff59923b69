/* SPDX-License-Identifier: MIT */
/*
 * context.h - coroutines: a call stack for each execution context.
 *
 * A thread that switches stacks with swapcontext/setcontext runs several
 * call stacks in turn. Each context has its own shadow stack; the one
 * running is in the thread's state, the others are saved in a table keyed
 * by the ucontext_t they were saved to (swapcontext's first argument), and
 * a CONTEXT record in the trace says which one runs from there.
 *
 * A context is told by what the ucontext_t to switch to holds:
 *   - saved by our swapcontext wrapper (its instruction pointer is in
 *     libmprof) and in the table: that context, resumed;
 *   - saved by our wrapper but not in the table (it was saved on another
 *     thread), or made by makecontext (its stack pointer lies in its
 *     uc_stack): a new context, with an empty call stack;
 *   - anything else (getcontext's): the same stack further up, as after a
 *     longjmp.
 * A coroutine that returns goes to its uc_link without a call we see: the
 * wrapper whose swapcontext returns puts its own context back.
 *
 * Every function here expects the guard held and t the calling thread's
 * state, with call events enabled.
 */
#ifndef MPROF_CONTEXT_H
#define MPROF_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>
#include <ucontext.h>

struct thread_state;

/* What a swapcontext wrapper keeps across the real call. */
struct context_leave {
	struct thread_state *t; /* the thread it left from */
	const void *saved_to;	/* oucp */
	uint32_t id;		/* the context it left */
};

/* swapcontext(oucp, ucp) is about to run: save the running call stack
 * under oucp and make ucp's the running one. */
void context_leave(struct thread_state *t, const void *oucp, const ucontext_t *ucp,
		   struct context_leave *l);

/* The real swapcontext of l returned on the calling thread (or failed):
 * l's context runs again, whatever ran before it. */
void context_back(const struct context_leave *l);

/* setcontext(ucp) is about to run: the running context is left for good
 * (its open calls end now), ucp's runs. */
void context_set(struct thread_state *t, const ucontext_t *ucp);

/* In a fork child: the calls open in every saved context were entered
 * in the parent (their returns are not in the child's trace). */
void context_fork_child(struct thread_state *t);

/* Free every saved call stack of t (at its end). */
void context_release_all(struct thread_state *t);

#endif
