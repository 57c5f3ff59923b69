/* SPDX-License-Identifier: MIT */
/*
 * context.c - a call stack per execution context (see context.h).
 *
 * The table is an open-addressing hash of the saved contexts, in memory
 * of its own (mmap): a switch may happen in a signal handler (a user-level
 * scheduler preempting on a timer), where malloc may not be called.
 */
#include <string.h>
#include <sys/mman.h>

#include "calls.h"
#include "clock.h"
#include "compiler.h"
#include "context.h"
#include "offcpu.h"
#include "stack.h"
#include "thread.h"
#include "trace_format.h"

#define CONTEXT_KEY_FREE  0u
#define CONTEXT_KEY_GONE  1u /* removed: probing goes on past it */
#define CONTEXT_MIN_SLOTS 16u

struct context_entry {
	uintptr_t key; /* the ucontext_t it was saved to, or a CONTEXT_KEY_* */
	uint32_t id;
	struct call_stack s;
};

struct context_table {
	size_t slots; /* a power of two */
	size_t used;  /* live entries */
	size_t gone;  /* CONTEXT_KEY_GONE slots */
	struct context_entry e[];
};

NOINSTR static size_t context_table_bytes(size_t slots)
{
	return sizeof(struct context_table) + slots * sizeof(struct context_entry);
}

NOINSTR static struct context_entry *context_find(const struct context_table *tab, uintptr_t key)
{
	size_t mask, i;

	if (tab == NULL)
		return NULL;
	mask = tab->slots - 1;
	for (i = (key >> 4) * 0x9e3779b97f4a7c15ull >> 20 & mask;; i = (i + 1) & mask) {
		const struct context_entry *e = &tab->e[i];

		if (e->key == key)
			return (struct context_entry *)e;
		if (e->key == CONTEXT_KEY_FREE)
			return NULL;
	}
}

/* The slot key would go to (the table has a free one). */
NOINSTR static struct context_entry *context_slot_for(struct context_table *tab, uintptr_t key)
{
	size_t mask = tab->slots - 1, i;

	for (i = (key >> 4) * 0x9e3779b97f4a7c15ull >> 20 & mask;; i = (i + 1) & mask)
		if (tab->e[i].key <= CONTEXT_KEY_GONE)
			return &tab->e[i];
}

/* Room for one more entry in t's table: false without memory. */
NOINSTR static bool context_room(struct thread_state *t)
{
	struct context_table *old = t->contexts, *tab;
	size_t slots = CONTEXT_MIN_SLOTS;

	if (old && (old->used + old->gone + 1) * 2 <= old->slots)
		return true;
	if (old && (old->used + 1) * 4 > old->slots)
		slots = old->slots * 2;
	else if (old)
		slots = old->slots; /* only removed ones: rebuilt, same size */
	tab = mmap(NULL, context_table_bytes(slots), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (tab == MAP_FAILED)
		return false;
	tab->slots = slots;
	if (old) {
		for (size_t i = 0; i < old->slots; i++)
			if (old->e[i].key > CONTEXT_KEY_GONE)
				*context_slot_for(tab, old->e[i].key) = old->e[i];
		tab->used = old->used;
		munmap(old, context_table_bytes(old->slots));
	}
	t->contexts = tab;
	return true;
}

NOINSTR static void context_remove(struct thread_state *t, struct context_entry *e)
{
	e->key = CONTEXT_KEY_GONE;
	t->contexts->used--;
	t->contexts->gone++;
}

/* The running call stack out of t into s, and s into t. */
NOINSTR static void context_take(struct thread_state *t, struct call_stack *s)
{
	*s = (struct call_stack){ t->stack, t->marks,	 t->cap,  t->depth,
				  t->base,  t->jmp_mark, t->shown };
}

NOINSTR static void context_put(struct thread_state *t, const struct call_stack *s)
{
	t->stack = s->stack;
	t->marks = s->marks;
	t->cap = s->cap;
	t->depth = s->depth;
	t->base = s->base;
	t->jmp_mark = s->jmp_mark;
	t->shown = s->shown;
}

/* A CONTEXT record: context id runs from now. Not an event of the
 * thread's count. */
NOINSTR static void context_write(struct thread_state *t, uint32_t id)
{
	uint64_t *p, now;

	if (offcpu_switched(t)) /* in the context left */
		offcpu_note(t);
	calls_write_all_held(t); /* they ran in the context left */
	p = thread_reserve(t, 2);
	if (p == NULL) {
		thread_drop(t, 1);
		return;
	}
	now = clock_ticks();
	if (now < t->last)
		now = t->last;
	p[1] = now;
	barrier();
	p[0] = trace_ext_word(TRACE_EXT_CONTEXT, 2, id);
	t->pos = p + 2;
}

/* End the running context for good: its open calls return now. */
NOINSTR static void context_drop_running(struct thread_state *t)
{
	struct call_stack s;

	calls_jump_to(UINTPTR_MAX);
	context_take(t, &s);
	thread_call_stack_free(&s);
}

/*
 * A switch to a state getcontext saved: a jump up the running stack, as
 * longjmp, when the target lies in it (below its first frame, above here);
 * else a stack we cannot place: only marked.
 */
NOINSTR static void context_jump(struct thread_state *t, const ucontext_t *ucp)
{
	uintptr_t target = (uintptr_t)ucp->uc_mcontext.gregs[REG_RSP];
	bool inside = t->depth > 0 && t->cap > 0 && t->stack[0].cfa >= target &&
		      (uintptr_t)__builtin_frame_address(0) < target;

	calls_jump_to(inside ? target : 0);
}

enum context_kind { CONTEXT_SAME, CONTEXT_KNOWN, CONTEXT_NEW };

NOINSTR static enum context_kind context_kind_of(struct thread_state *t, const ucontext_t *ucp,
						 struct context_entry **found)
{
	uintptr_t ip = (uintptr_t)ucp->uc_mcontext.gregs[REG_RIP];
	uintptr_t sp = (uintptr_t)ucp->uc_mcontext.gregs[REG_RSP];
	uintptr_t lo = (uintptr_t)ucp->uc_stack.ss_sp;
	struct context_entry *e = context_find(t->contexts, (uintptr_t)ucp);

	*found = NULL;
	if (stack_in_self(ip)) {
		*found = e;
		return e ? CONTEXT_KNOWN : CONTEXT_NEW;
	}
	if (e) { /* made again (makecontext) since it was saved */
		struct call_stack s = e->s;

		context_remove(t, e);
		thread_call_stack_free(&s);
	}
	if (ucp->uc_stack.ss_size && sp >= lo && sp <= lo + ucp->uc_stack.ss_size)
		return CONTEXT_NEW;
	return CONTEXT_SAME;
}

/* Make ucp's context (of `kind`, entry e if known) the running one. The
 * running call stack was saved or dropped already. */
NOINSTR static void context_enter(struct thread_state *t, enum context_kind kind,
				  struct context_entry *e)
{
	struct call_stack s;

	if (kind == CONTEXT_KNOWN) {
		s = e->s;
		t->context = e->id;
		context_remove(t, e);
	} else if (thread_call_stack_new(&s)) {
		t->context = ++t->context_ids;
	} else {
		/* No memory for a stack: the context runs on an empty one
		 * that holds nothing (every frame lost, counted). */
		s = (struct call_stack){ 0 };
		t->context = ++t->context_ids;
	}
	context_put(t, &s);
	context_write(t, t->context);
}

NOINSTR void context_leave(struct thread_state *t, const void *oucp, const ucontext_t *ucp,
			   struct context_leave *l)
{
	struct context_entry *e, *to;
	enum context_kind kind;

	l->t = t;
	l->saved_to = oucp;
	l->id = t->context;
	kind = context_kind_of(t, ucp, &to);
	if (kind == CONTEXT_SAME) {
		context_jump(t, ucp); /* to a getcontext'd state */
		return;
	}
	if ((uintptr_t)oucp == (uintptr_t)ucp) {
		/* swapcontext(&a, &a): saves and resumes itself */
		return;
	}
	if (!context_room(t)) {
		context_drop_running(t);
	} else {
		e = context_find(t->contexts, (uintptr_t)oucp);
		if (e) { /* saved there before and never resumed: gone */
			struct call_stack old = e->s;

			thread_call_stack_free(&old);
		} else {
			e = context_slot_for(t->contexts, (uintptr_t)oucp);
			if (e->key == CONTEXT_KEY_GONE)
				t->contexts->gone--;
			t->contexts->used++;
			e->key = (uintptr_t)oucp;
		}
		e->id = t->context;
		context_take(t, &e->s);
		to = kind == CONTEXT_KNOWN ? context_find(t->contexts, (uintptr_t)ucp) : NULL;
	}
	context_enter(t, kind, to);
}

NOINSTR void context_back(const struct context_leave *l)
{
	struct thread_state *t = tls_calls;
	struct context_entry *e;
	struct call_stack s;

	/* Resumed on another thread: that thread took it as a new context
	 * already (its entry here is stale, freed with the thread). */
	if (t == NULL || t != l->t || t->context == l->id)
		return;
	/* What ran until now ended without a switch we saw (a coroutine
	 * returned to its uc_link) or never started (the swap failed). */
	e = context_find(t->contexts, (uintptr_t)l->saved_to);
	context_drop_running(t);
	if (e && e->id == l->id) {
		s = e->s;
		context_remove(t, e);
	} else if (!thread_call_stack_new(&s)) {
		s = (struct call_stack){ 0 };
	}
	t->context = l->id;
	context_put(t, &s);
	context_write(t, t->context);
}

NOINSTR void context_set(struct thread_state *t, const ucontext_t *ucp)
{
	struct context_entry *to;
	enum context_kind kind = context_kind_of(t, ucp, &to);

	if (kind == CONTEXT_SAME) {
		context_jump(t, ucp);
		return;
	}
	context_drop_running(t);
	context_enter(t, kind, to);
}

NOINSTR void context_fork_child(struct thread_state *t)
{
	struct context_table *tab = t->contexts;

	for (size_t i = 0; tab && i < tab->slots; i++)
		if (tab->e[i].key > CONTEXT_KEY_GONE)
			tab->e[i].s.base = tab->e[i].s.depth;
}

NOINSTR void context_release_all(struct thread_state *t)
{
	struct context_table *tab = t->contexts;

	if (tab == NULL)
		return;
	for (size_t i = 0; i < tab->slots; i++)
		if (tab->e[i].key > CONTEXT_KEY_GONE)
			thread_call_stack_free(&tab->e[i].s);
	munmap(tab, context_table_bytes(tab->slots));
	t->contexts = NULL;
}
