// SPDX-License-Identifier: MIT
/*
 * callstats.c - per-thread call stacks and pstats aggregation (see
 * callstats.h). The per-event path is cs_enter()/cs_exit(). Functions are
 * found through an open-addressing index of the thread's table (address ->
 * function), edges through a small open-addressing index in the caller
 * (callee -> edge): both complete, so a lookup touches one or two cache lines
 * and never falls back to a slower structure. Each frame holds pointers to
 * its function and edge, so an exit touches no index at all.
 */
#include <stdlib.h>
#include <string.h>

#include "callstats.h"
#include "progress.h"
#include "memstats.h"
#include "stagestats.h"

#define TABLE_MIN_SLOTS	  64
#define CALLEES_MIN_SLOTS 4

struct cs_fslot {
	uint64_t addr;
	struct cs_func *fn; /* NULL: the slot is empty */
};

struct cs_eslot {
	struct cs_func *callee; /* NULL: the slot is empty */
	struct cs_edge *edge;
};

static inline size_t hash64(uint64_t x)
{
	return (size_t)((x * 0x9e3779b97f4a7c15ull) >> 32);
}

/* ------------------------------------------------------------- functions */

void cs_table_init(struct cs_table *t)
{
	memset(t, 0, sizeof(*t));
	t->mask = TABLE_MIN_SLOTS - 1;
	t->slots = xcalloc(TABLE_MIN_SLOTS, sizeof(*t->slots));
	t->funcs_tail = &t->funcs;
	t->edges_tail = &t->edges;
}

/* The slot of `addr`: its function's, or the empty one where it would go. */
static inline struct cs_fslot *func_slot(const struct cs_table *t, uint64_t addr)
{
	size_t i = hash64(addr) & t->mask;

	while (t->slots[i].fn && t->slots[i].addr != addr)
		i = (i + 1) & t->mask;
	return &t->slots[i];
}

static void table_grow(struct cs_table *t)
{
	struct cs_fslot *old = t->slots;
	size_t i, n = t->mask + 1;

	t->mask = 2 * n - 1;
	t->slots = xcalloc(2 * n, sizeof(*t->slots));
	for (i = 0; i < n; i++) {
		if (old[i].fn)
			*func_slot(t, old[i].addr) = old[i];
	}
	free(old);
}

static struct cs_func *func_add(struct cs_table *t, struct cs_fslot *slot, uint64_t addr,
				uint64_t when)
{
	struct cs_func *f = xcalloc(1, sizeof(*f));

	f->addr = addr;
	f->first_ticks = when;
	f->callee_mask = CALLEES_MIN_SLOTS - 1;
	f->callees = xcalloc(CALLEES_MIN_SLOTS, sizeof(*f->callees));
	*t->funcs_tail = f;
	t->funcs_tail = &f->next;
	slot->addr = addr;
	slot->fn = f;
	if (++t->nfuncs * 2 > t->mask + 1)
		table_grow(t);
	return f;
}

static inline struct cs_func *func_lookup(struct cs_table *t, uint64_t addr, uint64_t when)
{
	struct cs_fslot *slot = func_slot(t, addr);

	if (likely(slot->fn))
		return slot->fn;
	return func_add(t, slot, addr, when);
}

struct cs_func *cs_table_find(const struct cs_table *t, uint64_t addr)
{
	return func_slot(t, addr)->fn;
}

struct cs_func *cs_table_func(struct cs_table *t, uint64_t addr, uint64_t when)
{
	return func_lookup(t, addr, when);
}

/* ----------------------------------------------------------------- edges */

/* The slot of `callee` among the callees of `caller`, or the empty one. */
static inline struct cs_eslot *edge_slot(const struct cs_func *caller, const struct cs_func *callee)
{
	size_t i = hash64((uintptr_t)callee) & caller->callee_mask;

	while (caller->callees[i].callee && caller->callees[i].callee != callee)
		i = (i + 1) & caller->callee_mask;
	return &caller->callees[i];
}

static void callees_grow(struct cs_func *caller)
{
	struct cs_eslot *old = caller->callees;
	size_t i, n = (size_t)caller->callee_mask + 1;

	caller->callee_mask = (uint32_t)(2 * n - 1);
	caller->callees = xcalloc(2 * n, sizeof(*caller->callees));
	for (i = 0; i < n; i++) {
		if (old[i].callee)
			*edge_slot(caller, old[i].callee) = old[i];
	}
	free(old);
}

static struct cs_edge *edge_add(struct cs_table *t, struct cs_func *caller, struct cs_eslot *slot,
				struct cs_func *callee)
{
	struct cs_edge *e = xcalloc(1, sizeof(*e));

	e->caller = caller;
	e->callee = callee;
	*t->edges_tail = e;
	t->edges_tail = &e->next;
	t->nedges++;
	slot->callee = callee;
	slot->edge = e;
	if (++caller->ncallees * 2 > caller->callee_mask + 1)
		callees_grow(caller);
	return e;
}

static inline struct cs_edge *edge_lookup(struct cs_table *t, struct cs_func *caller,
					  struct cs_func *callee)
{
	struct cs_eslot *slot = edge_slot(caller, callee);

	if (likely(slot->callee))
		return slot->edge;
	return edge_add(t, caller, slot, callee);
}

struct cs_edge *cs_table_edge(struct cs_table *t, struct cs_func *caller, struct cs_func *callee)
{
	return edge_lookup(t, caller, callee);
}

/* ---------------------------------------------------------------- tables */

static void stats_add(struct cs_stats *dst, const struct cs_stats *src)
{
	dst->calls += src->calls;
	dst->rec_calls += src->rec_calls;
	dst->self_ticks += src->self_ticks;
	dst->cum_ticks += src->cum_ticks;
	dst->alloc_self += src->alloc_self;
	dst->alloc_cum += src->alloc_cum;
	dst->off_self += src->off_self;
	dst->off_cum += src->off_cum;
}

void cs_table_merge(struct cs_table *dst, const struct cs_table *src)
{
	const struct cs_func *f;
	const struct cs_edge *e;

	for (f = src->funcs; f; f = f->next) {
		struct cs_func *d = cs_table_func(dst, f->addr, f->first_ticks);

		if (f->first_ticks < d->first_ticks)
			d->first_ticks = f->first_ticks;
		stats_add(&d->st, &f->st);
	}
	for (e = src->edges; e; e = e->next) {
		struct cs_func *caller = cs_table_find(dst, e->caller->addr);
		struct cs_func *callee = cs_table_find(dst, e->callee->addr);

		stats_add(&cs_table_edge(dst, caller, callee)->st, &e->st);
	}
}

void cs_table_release(struct cs_table *t)
{
	struct cs_func *f, *fnext;
	struct cs_edge *e, *enext;

	for (e = t->edges; e; e = enext) {
		enext = e->next;
		free(e);
	}
	for (f = t->funcs; f; f = fnext) {
		fnext = f->next;
		free(f->callees);
		free(f);
	}
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* ---------------------------------------------------------- stack events */

static void stack_grow(struct cs_thread *t)
{
	t->stack = xgrow(t->stack, &t->alloc, t->depth + 1, sizeof(*t->stack));
}

/* An activation of st's function (or edge) opens at `now`. */
static inline void stats_open(struct cs_stats *st, uint64_t now)
{
	st->active++;
	if (st->open++ == 0)
		st->open_since = now;
}

static inline void cs_enter(struct cs_thread *t, uint64_t addr, uint64_t now)
{
	struct cs_func *fn = func_lookup(&t->table, addr, now);
	struct cs_edge *edge = NULL;
	struct cs_frame *fr;

	if (likely(t->depth))
		edge = edge_lookup(&t->table, t->stack[t->depth - 1].fn, fn);
	if (unlikely(t->depth == t->alloc))
		stack_grow(t);
	fr = &t->stack[t->depth++];
	fr->fn = fn;
	fr->edge = edge;
	fr->start = now;
	fr->child_raw = 0;
	fr->child_corr = 0;
	fr->nchildren = 0;
	fr->alloc_incl = 0;
	fr->off_raw = 0;
	fr->child_off = 0;
	fr->hidden = false;
	stats_open(&fn->st, now);
	if (edge)
		stats_open(&edge->st, now);
}

/*
 * An activation of st's function (or edge) closes: `self` and `incl` its
 * corrected times, `raw` its raw inclusive ticks, at `now`. An activation
 * inside another of the same function on the same stack is a recursive
 * call: its time is in the outer one's already. Activations on the stacks
 * of different contexts (coroutines) may overlap in time without nesting:
 * the cumulative time is then that of the span while any was open (the
 * union of their times, less the probe's cost in them), never counted
 * twice, and at least the last one's own.
 */
/* An activation's times as they close: corrected self and inclusive
 * ticks, and the off-CPU ticks of each. */
struct cs_times {
	uint64_t self, incl, off_self, off_incl;
};

/* Commit the cumulative ticks `cum` of activations that closed while others
 * were open: their off-CPU ticks with them, never more than `cum`. */
static inline void stats_commit(struct cs_stats *st, uint64_t cum)
{
	st->cum_ticks += cum;
	st->off_cum += st->off_open < cum ? st->off_open : cum;
	st->alloc_cum += st->alloc_open;
	st->alloc_open = st->probe_open = st->off_open = 0;
}

static inline void stats_close(struct cs_stats *st, const struct cs_times *tm, uint64_t alloc,
			       uint64_t raw, uint64_t now)
{
	st->calls++;
	st->self_ticks += tm->self;
	st->off_self += tm->off_self;
	if (--st->active != 0) {
		st->rec_calls++; /* in the outer activation's times */
	} else {
		st->alloc_open += alloc;
		st->off_open += tm->off_incl;
		st->probe_open += raw > tm->incl ? raw - tm->incl : 0;
	}
	if (--st->open != 0) {
		st->open_closed++;
		return;
	}
	st->open_closed = 0;
	uint64_t span = now > st->open_since ? now - st->open_since : 0;
	uint64_t cum = span > st->probe_open ? span - st->probe_open : 0;

	stats_commit(st, cum > tm->incl ? cum : tm->incl);
}

/*
 * The self time of the closing activation fr, `raw` ticks long: its own raw
 * time less the probe's cost, never below 0. A damaged trace can hold any
 * probe cost: the arithmetic must not overflow.
 */
static inline uint64_t corrected_self(const struct cs_profile *p, const struct cs_frame *fr,
				      uint64_t raw)
{
	/* In 128 bits nothing overflows: the probe costs are below 2^62
	 * (cs_profile_init), the counts below 2^64. */
	__int128 s = (__int128)(int64_t)(raw - fr->child_raw) - (__int128)p->probe_self -
		     (__int128)fr->nchildren * (__int128)p->probe_parent;

	return s > 0 ? (uint64_t)s : 0;
}

/* The times of the closing activation fr, `raw` ticks long, before any
 * folding of hidden callees. */
static inline void frame_times(const struct cs_profile *p, const struct cs_frame *fr, uint64_t raw,
			       struct cs_times *tm)
{
	tm->self = corrected_self(p, fr, raw);
	tm->incl = tm->self + fr->child_corr;
	tm->off_self = fr->off_raw < tm->self ? fr->off_raw : tm->self;
	tm->off_incl = tm->off_self + fr->child_off;
}

/* Hand fr's times to its caller's frame, if any. */
static inline void frame_done(struct cs_thread *t, struct cs_frame *fr, uint64_t raw,
			      const struct cs_times *tm)
{
	if (t->depth) {
		fr[-1].child_raw += raw;
		fr[-1].child_corr += tm->incl;
		fr[-1].child_off += tm->off_incl;
		fr[-1].nchildren++;
		fr[-1].alloc_incl += fr->alloc_incl;
	}
}

static inline void cs_exit(const struct cs_profile *p, struct cs_thread *t, uint64_t now)
{
	struct cs_frame *fr;
	struct cs_times tm;
	uint64_t raw;

	if (unlikely(!t->depth)) {
		t->unmatched_exits++;
		return;
	}
	fr = &t->stack[--t->depth];
	raw = now > fr->start ? now - fr->start : 0;
	frame_times(p, fr, raw, &tm);
	stats_close(&fr->fn->st, &tm, fr->alloc_incl, raw, now);
	if (fr->edge)
		stats_close(&fr->edge->st, &tm, fr->alloc_incl, raw, now);
	if (unlikely(p->on_call))
		p->on_call(p->on_call_arg, t, fr, now, tm.self, tm.incl, tm.off_self, tm.off_incl);
	frame_done(t, fr, raw, &tm);
}

/* ------------------------------------------------------ filtered events */

/* Whether a new activation of `fn` above the current top is hidden. */
static bool frame_hidden(const struct cs_filter *f, const struct cs_thread *t, struct cs_func *fn,
			 uint64_t now)
{
	size_t level = t->depth ? t->stack[t->depth - 1].level : 0;

	if (f->max_depth && level >= f->max_depth)
		return true;
	if (!f->hide)
		return false;
	if (!fn->filter_state)
		fn->filter_state = f->hide(f->hide_arg, fn->addr, now) ? 2 : 1;
	return fn->filter_state == 2;
}

static void cs_enter_filtered(const struct cs_profile *p, struct cs_thread *t, uint64_t addr,
			      uint64_t now)
{
	struct cs_func *fn = func_lookup(&t->table, addr, now);
	const struct cs_frame *parent;
	struct cs_frame *fr;
	bool hidden = frame_hidden(p->filter, t, fn, now);

	if (unlikely(t->depth == t->alloc))
		stack_grow(t);
	parent = t->depth ? &t->stack[t->depth - 1] : NULL;
	fr = &t->stack[t->depth];
	memset(fr, 0, sizeof(*fr));
	fr->fn = fn;
	fr->start = now;
	fr->hidden = hidden;
	fr->level = parent ? parent->level : 0;
	fr->owner = parent ? parent->owner : 0;
	t->depth++;
	if (hidden)
		return;
	fr->level++;
	if (fr->owner)
		fr->edge = edge_lookup(&t->table, t->stack[fr->owner - 1].fn, fn);
	fr->owner = t->depth;
	stats_open(&fn->st, now);
	if (fr->edge)
		stats_open(&fr->edge->st, now);
}

/* Charge `bytes` to the function of the shown frame `o`. */
static void charge_alloc(struct cs_frame *o, uint64_t bytes)
{
	o->fn->st.alloc_self += bytes;
	if (o->edge)
		o->edge->st.alloc_self += bytes;
	o->alloc_own += bytes;
}

/* A shown activation turns out shorter than the minimum: take it back. */
/*
 * An activation taken back (shorter than the minimum) stops being open at
 * `now`: if it was the last open one, the span of the others that closed
 * meanwhile is committed, as stats_close does.
 */
static void stats_unopen(struct cs_stats *st, uint64_t now)
{
	if (--st->open != 0 || !st->open_closed)
		return;
	uint64_t span = now > st->open_since ? now - st->open_since : 0;

	stats_commit(st, span > st->probe_open ? span - st->probe_open : 0);
	st->open_closed = 0;
}

static void frame_unshow(struct cs_thread *t, struct cs_frame *fr, uint64_t now)
{
	struct cs_frame *parent = fr > t->stack ? fr - 1 : NULL;

	fr->hidden = true;
	fr->fn->st.active--;
	stats_unopen(&fr->fn->st, now);
	fr->fn->st.alloc_self -= fr->alloc_own;
	if (fr->edge) {
		fr->edge->st.active--;
		stats_unopen(&fr->edge->st, now);
		fr->edge->st.alloc_self -= fr->alloc_own;
	}
	if (parent && parent->owner)
		charge_alloc(&t->stack[parent->owner - 1], fr->alloc_own);
}

static void cs_exit_filtered(struct cs_profile *p, struct cs_thread *t, uint64_t now)
{
	struct cs_frame *fr;
	struct cs_times tm, shown;
	uint64_t raw;

	if (unlikely(!t->depth)) {
		t->unmatched_exits++;
		return;
	}
	fr = &t->stack[--t->depth];
	raw = now > fr->start ? now - fr->start : 0;
	frame_times(p, fr, raw, &tm);
	if (!fr->hidden && tm.incl < p->filter->min_ticks)
		frame_unshow(t, fr, now);
	if (fr->hidden) {
		t->filtered++;
		if (t->depth) {
			fr[-1].folded += tm.self + fr->folded;
			fr[-1].folded_off += tm.off_self + fr->folded_off;
		}
	} else {
		shown = tm;
		shown.self += fr->folded;
		shown.off_self += fr->folded_off;
		stats_close(&fr->fn->st, &shown, fr->alloc_incl, raw, now);
		if (fr->edge)
			stats_close(&fr->edge->st, &shown, fr->alloc_incl, raw, now);
		if (p->on_call)
			p->on_call(p->on_call_arg, t, fr, now, shown.self, shown.incl,
				   shown.off_self, shown.off_incl);
	}
	frame_done(t, fr, raw, &tm);
}

/* An exit, through the filter if there is one. */
static void cs_exit_any(struct cs_profile *p, struct cs_thread *t, uint64_t now)
{
	if (p->filter)
		cs_exit_filtered(p, t, now);
	else
		cs_exit(p, t, now);
}

/* A memory event of thread t: charge an allocation to its stack, pass it on. */
static void cs_memory(struct cs_profile *p, struct cs_thread *t, const struct trace_chunk *c,
		      int ev)
{
	if ((ev == TRACE_EV_ALLOC || ev == TRACE_EV_REALLOC) && c->mem.addr && t->depth &&
	    p->filter) {
		struct cs_frame *fr = &t->stack[t->depth - 1];

		if (fr->owner)
			charge_alloc(&t->stack[fr->owner - 1], c->mem.size);
		fr->alloc_incl += c->mem.size;
	} else if ((ev == TRACE_EV_ALLOC || ev == TRACE_EV_REALLOC) && c->mem.addr && t->depth) {
		struct cs_frame *fr = &t->stack[t->depth - 1];

		fr->fn->st.alloc_self += c->mem.size;
		if (fr->edge)
			fr->edge->st.alloc_self += c->mem.size;
		fr->alloc_incl += c->mem.size;
	}
	if (ev != TRACE_EV_STACK)
		p->mem_events++;
	if (p->heap)
		ms_heap_event(p->heap, t->serial, ev, &c->mem);
}

/* ----------------------------------------------------------- contexts */

/* A context of a thread that is not running: its stack, and when it left. */
struct cs_context {
	uint64_t key; /* id + 1; 0: the slot is empty */
	bool saved;   /* holds the stack (false while the context runs) */
	struct cs_frame *stack;
	size_t depth, alloc;
	uint64_t left;	   /* the thread's time when it was switched away */
	uint64_t off_left; /* and its off_total */
};

#define CONTEXTS_MIN_SLOTS 8

/* The slot of context `id`: its own, or the empty one where it would go. */
static struct cs_context *context_slot(const struct cs_thread *t, uint32_t id)
{
	uint64_t key = (uint64_t)id + 1;
	size_t i = hash64(key) & t->context_mask;

	while (t->contexts[i].key && t->contexts[i].key != key)
		i = (i + 1) & t->context_mask;
	return &t->contexts[i];
}

static void contexts_grow(struct cs_thread *t)
{
	struct cs_context *old = t->contexts;
	size_t i, n = old ? t->context_mask + 1 : 0;

	t->context_mask = (n ? 2 * n : CONTEXTS_MIN_SLOTS) - 1;
	t->contexts = xcalloc(t->context_mask + 1, sizeof(*t->contexts));
	for (i = 0; i < n; i++) {
		if (old[i].key)
			*context_slot(t, (uint32_t)(old[i].key - 1)) = old[i];
	}
	free(old);
}

/* The slot of context `id`, made if need be. */
static struct cs_context *context_get(struct cs_thread *t, uint32_t id)
{
	struct cs_context *slot;

	if (!t->contexts || (t->ncontexts + 1) * 2 > t->context_mask + 1)
		contexts_grow(t);
	slot = context_slot(t, id);
	if (!slot->key) {
		slot->key = (uint64_t)id + 1;
		t->ncontexts++;
	}
	return slot;
}

/* The frames of a stack that leaves (by -1) or becomes (+1) the running
 * one: a call of a function open in another context is not recursive. */
static void context_activate(struct cs_frame *stack, size_t depth, int by)
{
	for (size_t i = 0; i < depth; i++) {
		if (stack[i].hidden)
			continue;
		stack[i].fn->st.active += (uint64_t)(int64_t)by;
		if (stack[i].edge)
			stack[i].edge->st.active += (uint64_t)(int64_t)by;
	}
}

/* Save the running context's stack, switched away at `now`. */
static void context_save(struct cs_thread *t, uint64_t now)
{
	struct cs_context *slot = context_get(t, t->context);

	context_activate(t->stack, t->depth, -1);
	slot->saved = true;
	slot->depth = t->depth;
	slot->left = now;
	slot->off_left = t->off_total;
	if (t->depth) {
		slot->stack = t->stack;
		slot->alloc = t->alloc;
	} else { /* an empty stack costs nothing to keep */
		free(t->stack);
		slot->stack = NULL;
		slot->alloc = 0;
	}
	t->stack = NULL;
	t->depth = t->alloc = 0;
}

/*
 * Make the saved context `slot` the running one at `now`: its innermost
 * frame was open all the time it was away, running none of its own code.
 */
static void context_load(struct cs_thread *t, struct cs_context *slot, uint64_t now)
{
	uint64_t away = now > slot->left ? now - slot->left : 0;
	uint64_t off = t->off_total - slot->off_left;

	t->stack = slot->stack;
	t->depth = slot->depth;
	t->alloc = slot->alloc;
	slot->stack = NULL;
	slot->depth = slot->alloc = 0;
	slot->saved = false;
	context_activate(t->stack, t->depth, +1);
	if (t->depth) {
		t->stack[t->depth - 1].child_raw += away;
		t->stack[t->depth - 1].child_corr += away;
		t->stack[t->depth - 1].child_off += off < away ? off : away;
	}
}

/* The thread switched to context `id` at `now` (a CONTEXT record). */
static void cs_context_switch(struct cs_thread *t, uint32_t id, uint64_t now)
{
	struct cs_context *slot;

	if (id == t->context)
		return;
	t->context_switches++;
	context_save(t, now);
	t->context = id;
	slot = context_get(t, id);
	if (slot->saved)
		context_load(t, slot, now);
}

/* ---------------------------------------------------------- other events */

/* Off-CPU time of thread t: in the innermost activation open, if any. */
static void cs_offcpu(struct cs_profile *p, struct cs_thread *t, const struct trace_chunk *c)
{
	uint64_t off = c->offcpu.ticks;

	t->off_total += off;
	if (t->depth)
		t->stack[t->depth - 1].off_raw += off;
	else
		t->off_idle += off;
	if (p->stages)
		ss_offcpu(p->stages, t->serial, off);
}

/* An event that is not a function's: a stage's, a memory event, a context
 * switch, off-CPU time. */
static void cs_other(struct cs_profile *p, struct cs_thread *t, const struct trace_chunk *c, int ev)
{
	if (ev == TRACE_EV_OFFCPU) {
		cs_offcpu(p, t, c);
		return;
	}
	if (ev == TRACE_EV_CONTEXT) {
		/* Time never runs backwards on a thread (see thread_now()). */
		uint64_t now = trace_chunk_unpaused(c, c->context.ticks);

		if (now < t->now)
			now = t->now;
		t->now = now;
		cs_context_switch(t, c->context.id, now);
		return;
	}
	if (ev == TRACE_EV_STAGE_BEGIN || ev == TRACE_EV_STAGE_END) {
		if (p->stages)
			ss_event(p->stages, t->serial, ev, &c->stage,
				 trace_chunk_unpaused(c, c->stage.ticks));
		return;
	}
	cs_memory(p, t, c, ev);
}

/* --------------------------------------------------------------- reading */

void cs_profile_init(struct cs_profile *p, uint64_t probe_self, uint64_t probe_parent)
{
	/* A cost of a second per call is absurd already: a damaged header's
	 * are capped, so the self time arithmetic cannot overflow. */
	const uint64_t cap = 1ull << 62;

	memset(p, 0, sizeof(*p));
	p->probe_self = probe_self < cap ? probe_self : cap;
	p->probe_parent = probe_parent < cap ? probe_parent : cap;
	cs_table_init(&p->merged);
}

static struct cs_thread *thread_of(struct cs_profile *p, struct trace_thread *tt)
{
	struct cs_thread *t = tt->user;

	if (t)
		return t;
	t = xcalloc(1, sizeof(*t));
	t->serial = tt->serial;
	cs_table_init(&t->table);
	p->threads = xgrow(p->threads, &p->alloc, p->nthreads + 1, sizeof(*p->threads));
	p->threads[p->nthreads++] = t;
	tt->user = t;
	return t;
}

/*
 * The thread's time at the cursor's event. Time the runtime spent opening
 * chunks is not the program's. Without it, time never runs backwards: an
 * event timed just before a pause it is written after (a signal handler's
 * held call) counts at the pause's end, never as a negative span.
 */
static inline uint64_t thread_now(struct cs_thread *t, const struct trace_chunk *c)
{
	uint64_t now = c->ticks - c->paused;

	if (unlikely(now < t->now))
		now = t->now;
	t->now = now;
	return now;
}

/* The hot loop: every function event of one chunk. */
static int read_chunk(struct cs_profile *p, struct cs_thread *t, struct trace_chunk *c)
{
	uint64_t fn;
	int ev;

	while ((ev = trace_chunk_next(c, &fn)) > 0) {
		uint64_t now = thread_now(t, c);

		if (ev == TRACE_EV_ENTER)
			cs_enter(t, fn, now);
		else if (likely(ev == TRACE_EV_EXIT))
			cs_exit(p, t, now);
		else
			cs_other(p, t, c, ev);
	}
	return ev;
}

/* The same through the filter: a loop of its own keeps the other one lean. */
static int read_chunk_filtered(struct cs_profile *p, struct cs_thread *t, struct trace_chunk *c)
{
	uint64_t fn;
	int ev;

	while ((ev = trace_chunk_next(c, &fn)) > 0) {
		uint64_t now = thread_now(t, c);

		if (ev == TRACE_EV_ENTER)
			cs_enter_filtered(p, t, fn, now);
		else if (ev == TRACE_EV_EXIT)
			cs_exit_filtered(p, t, now);
		else
			cs_other(p, t, c, ev);
	}
	return ev;
}

/* The functions and edges with calls: a hidden function keeps none. */
static void table_prune(struct cs_table *t)
{
	struct cs_table kept;
	const struct cs_func *f;
	const struct cs_edge *e;

	cs_table_init(&kept);
	for (f = t->funcs; f; f = f->next) {
		if (f->st.calls)
			cs_table_func(&kept, f->addr, f->first_ticks)->st = f->st;
	}
	for (e = t->edges; e; e = e->next) {
		struct cs_func *caller = cs_table_find(&kept, e->caller->addr);
		struct cs_func *callee = cs_table_find(&kept, e->callee->addr);

		if (e->st.calls && caller && callee)
			cs_table_edge(&kept, caller, callee)->st = e->st;
	}
	cs_table_release(t);
	*t = kept;
}

/*
 * Close what is still open at the thread's last tick count: in the context
 * running, then in each context switched away, resumed at the end (its
 * innermost frame ran none of its code since it left) for its frames to
 * close on their own stack.
 */
static void cs_thread_finish(struct cs_profile *p, struct cs_thread *t,
			     const struct trace_thread *tt)
{
	uint64_t end;
	size_t i;

	t->tid = tt->tid;
	t->first_ticks = tt->first_ticks;
	t->last_ticks = tt->last_ticks;
	t->paused_ticks = tt->paused_ticks;
	t->lost = tt->lost;
	t->unrecorded = tt->filtered;
	t->offcpu = tt->offcpu_readings != 0;
	t->offcpu_needed = tt->events || tt->stage_events;
	t->off_unplaced = tt->offcpu_unplaced;
	t->off_runtime = tt->offcpu_runtime;
	/* The end on the frames' scale (a damaged trace may pause longer). */
	end = t->last_ticks >= t->paused_ticks ? t->last_ticks - t->paused_ticks : 0;
	t->open_at_end = t->depth;
	while (t->depth)
		cs_exit_any(p, t, end);
	for (i = 0; t->contexts && i <= t->context_mask; i++) {
		struct cs_context *slot = &t->contexts[i];

		if (!slot->key || !slot->saved || !slot->depth)
			continue;
		t->context = (uint32_t)(slot->key - 1);
		free(t->stack); /* the last context's, empty by now */
		context_load(t, slot, end);
		t->open_at_end += t->depth;
		while (t->depth)
			cs_exit_any(p, t, end);
	}
	if (p->filter)
		table_prune(&t->table);
	p->unmatched_exits += t->unmatched_exits;
	p->filtered += t->filtered;
	p->open_at_end += t->open_at_end;
	cs_table_merge(&p->merged, &t->table);
}

static int by_serial(const void *a, const void *b)
{
	const struct cs_thread *x = *(const struct cs_thread *const *)a;
	const struct cs_thread *y = *(const struct cs_thread *const *)b;

	return (x->serial > y->serial) - (x->serial < y->serial);
}

/* The last tick count of the trace: its end, or its latest event. */
static uint64_t last_ticks(const struct cs_profile *p, const struct trace_reader *r)
{
	uint64_t last = r->hdr.end.ticks;
	size_t i;

	for (i = 0; i < p->nthreads; i++) {
		if (p->threads[i]->last_ticks > last)
			last = p->threads[i]->last_ticks;
	}
	return last;
}

int cs_profile_read(struct cs_profile *p, struct trace_reader *r)
{
	struct trace_chunk c;
	struct trace_thread *tt;
	int ret;

	trace_reader_want_memory(r, true);
	trace_reader_want_stages(r, p->stages != NULL);
	trace_reader_want_contexts(r, true);
	trace_reader_want_offcpu(r, true);
	while ((ret = trace_reader_next(r, &c)) > 0) {
		/* No event not yet read is earlier than this chunk's opening. */
		if (p->heap)
			ms_heap_advance(p->heap, c.open_ticks);
		if (p->filter)
			ret = read_chunk_filtered(p, thread_of(p, c.thread), &c);
		else
			ret = read_chunk(p, thread_of(p, c.thread), &c);
		if (ret < 0)
			return -1;
		if (p->progress)
			progress_update(p->progress, r->nchunks
							 ? r->file_size * r->next / r->nchunks
							 : r->file_size);
	}
	if (ret < 0)
		return -1;
	for (tt = r->threads; tt; tt = tt->hh.next)
		cs_thread_finish(p, thread_of(p, tt), tt);
	if (p->nthreads) /* qsort(NULL, 0, ...) is undefined */
		qsort(p->threads, p->nthreads, sizeof(*p->threads), by_serial);
	if (p->heap)
		ms_heap_finish(p->heap, r->hdr.start.ticks, last_ticks(p, r));
	if (p->stages)
		ss_profile_finish(p->stages, r);
	return 0;
}

void cs_profile_release(struct cs_profile *p)
{
	size_t i;

	for (i = 0; i < p->nthreads; i++) {
		struct cs_thread *t = p->threads[i];
		size_t j;

		cs_table_release(&t->table);
		free(t->stack);
		for (j = 0; t->contexts && j <= t->context_mask; j++)
			free(t->contexts[j].stack);
		free(t->contexts);
		free(t);
	}
	free(p->threads);
	cs_table_release(&p->merged);
	memset(p, 0, sizeof(*p));
}
