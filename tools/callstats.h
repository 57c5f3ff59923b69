/* SPDX-License-Identifier: MIT */
/*
 * callstats.h - rebuild each thread's call stack from the entries and exits
 * of a trace and aggregate the statistics pstats shows, per function and
 * per caller->callee edge, per thread and merged over all threads.
 *
 * The semantics are cProfile's:
 *   calls      every completed activation;
 *   rec_calls  activations that began while the same function (for an edge:
 *              the same caller->callee pair) was already active on the same
 *              thread's stack; primitive calls = calls - rec_calls;
 *   self       time in the function itself, callees excluded (tottime);
 *   cum        inclusive time, counted for the outermost activations only,
 *              so recursion is not counted twice (cumtime).
 *
 * Times are in clock ticks, corrected for the probe's own cost: an
 * activation with n direct children keeps
 *	self = raw self - probe_self - n * probe_parent   (clamped at 0)
 *	incl = self + the corrected inclusive times of its children
 * which, when nothing clamps, is raw inclusive - probe_self - descendants *
 * (probe_self + probe_parent). Built bottom-up like this, the self times of a
 * tree always add up to its root's inclusive time, and never exceed the raw
 * (wall) time.
 *
 * Frames still open when a thread's records end are closed at its last tick
 * count and counted as calls (open_at_end). An exit with an empty stack is
 * counted (unmatched_exits) and otherwise ignored.
 *
 * Execution contexts (coroutines: CONTEXT records, trace_read.h): a thread
 * keeps one call stack per context, and its entries and exits go to the
 * stack of the context running. Only that context's innermost frame accrues
 * self time. A context switched away at T1 and resumed at T2 keeps its
 * frames open meanwhile; its innermost frame counts T2 - T1 as inclusive
 * time that is not its own, as if a child had taken it (so a scheduler's
 * run() that resumes coroutines gets their time as cumulative time, its
 * own work as self time), and so does a context still switched away when
 * the thread ends, up to that end. The `active` counts are the thread's,
 * across its contexts: the cumulative time of a function open in several
 * contexts is that of its outermost activations on the thread, never more
 * than the thread's wall time.
 *
 * Off-CPU time, where the trace has it (TRACE_EV_OFFCPU, trace_read.h):
 * each span the thread was off the CPU goes to the innermost activation
 * open at that point of the stream in the running context (to the thread's
 * off_idle if none is). At the exit of an activation its off-CPU self time
 * is that, never more than its corrected self time (off_self); its
 * inclusive off-CPU time adds its children's, as incl does (so off_self <=
 * self and the inclusive one <= incl, always). The counters sum them like
 * self_ticks and cum_ticks; off_cum never exceeds what cum_ticks got at
 * the same commit. A context switched away and resumed counts the
 * off-CPU time of the thread meanwhile in its innermost frame's children,
 * as it counts the time. The on-CPU time is the difference.
 *
 * Memory, where the trace has it: the requested bytes of every allocation
 * (a realloc included) are charged, in the thread's program order, to the
 * innermost open function (alloc_self) and, like cumtime, to each function
 * open on the stack, once per allocation even under recursion (alloc_cum).
 * Allocations made with no instrumented function open are charged to none.
 * The memory events also go, when the profile has one, to a struct ms_heap
 * (memstats.h), which puts them in one time order across threads:
 * cs_profile_read() advances it chunk by chunk and finishes it. Stage
 * events go likewise, when the profile has one, to a struct ss_profile
 * (stagestats.h), which cs_profile_read() finishes too.
 *
 * Ownership: the profile owns every table, function and edge; they stay
 * valid until cs_profile_release().
 */
#ifndef MPROF_CALLSTATS_H
#define MPROF_CALLSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace_read.h"

/* The counters a function and an edge share. */
struct cs_stats {
	uint64_t calls;
	uint64_t rec_calls;
	uint64_t self_ticks;
	uint64_t cum_ticks;
	uint64_t alloc_self; /* bytes allocated by the function itself */
	uint64_t alloc_cum;  /* bytes allocated by it and its callees */
	uint64_t off_self;   /* ticks of self_ticks the thread was off the CPU */
	uint64_t off_cum;    /* ticks of cum_ticks the thread was off the CPU */
	/* Thread tables only: */
	uint64_t active;      /* activations open on the running context's stack */
	uint64_t open;	      /* activations open on any context's stack */
	uint64_t open_since;  /* tick count when `open` last left 0 */
	uint64_t alloc_open;  /* bytes of the activations closed since then */
	uint64_t off_open;    /* their off-CPU ticks */
	uint64_t probe_open;  /* the probe's cost in them (raw - corrected ticks) */
	uint64_t open_closed; /* how many they are */
};

struct cs_eslot;

struct cs_func {
	uint64_t addr;
	uint64_t first_ticks; /* tick count of its first entry */
	struct cs_stats st;
	struct cs_eslot *callees; /* open addressing: callee -> edge */
	uint8_t filter_state;	  /* with a name filter: 0 not asked yet, 1 shown, 2 hidden */
	uint32_t ncallees, callee_mask;
	struct cs_func *next; /* in its table, in order of creation */
};

struct cs_edge {
	struct cs_func *caller, *callee; /* functions of the same table */
	struct cs_stats st;
	struct cs_edge *next; /* in its table, in order of creation */
};

struct cs_fslot;

/* The statistics of one thread, or of all merged. */
struct cs_table {
	struct cs_fslot *slots; /* open addressing: address -> function */
	size_t nfuncs, mask;
	unsigned shift;
	struct cs_func *funcs, **funcs_tail;
	struct cs_edge *edges, **edges_tail;
	size_t nedges;
};

/* One open activation. */
struct cs_frame {
	struct cs_func *fn;
	struct cs_edge *edge; /* from the caller's frame; NULL at the bottom */
	uint64_t start;	      /* tick count at entry */
	uint64_t child_raw;   /* raw inclusive ticks of the completed children */
	uint64_t child_corr;  /* their corrected inclusive ticks */
	uint64_t nchildren;   /* completed direct children */
	uint64_t alloc_incl;  /* bytes allocated in this activation and its callees */
	uint64_t off_raw;     /* off-CPU ticks while it was the innermost activation */
	uint64_t child_off;   /* the off-CPU ticks of its completed children's times */
	/* With a filter only (cs_filter): */
	uint64_t folded;     /* corrected self ticks of hidden callees, added to self */
	uint64_t folded_off; /* the off-CPU ticks of those */
	uint64_t alloc_own;  /* bytes charged to fn->st.alloc_self by this activation */
	size_t owner;	     /* 1 + index of the nearest shown frame at or below; 0: none */
	size_t level;	     /* shown frames at or below this one */
	bool hidden;	     /* counts in no table: its time goes to its owner's self */
};

struct cs_context;

struct cs_thread {
	uint32_t serial, tid;
	uint64_t first_ticks, last_ticks;
	uint64_t paused_ticks; /* time in the runtime's slow path, not the program's */
	uint64_t now;	       /* the latest event's ticks without the pauses */
	uint64_t lost;
	uint64_t unmatched_exits;
	uint64_t open_at_end;
	uint64_t filtered;   /* completed activations the filter hid */
	uint64_t unrecorded; /* calls the record-time filters left out (trace_thread.filtered) */
	/* Off-CPU time (TRACE_EV_OFFCPU), in ticks: */
	bool offcpu;	    /* the thread has readings: its off-CPU times are known */
	bool offcpu_needed; /* it has call or stage events, which readings split */
	uint64_t off_total; /* placed in its stream, in calls or not */
	uint64_t off_idle;  /* of that, with no call open */
	uint64_t off_unplaced, off_runtime; /* trace_thread's */
	struct cs_table table;
	/* The call stack of the context running (t->context): */
	struct cs_frame *stack;
	size_t depth, alloc;
	uint32_t context; /* the id of the context running (0: the thread's own stack) */
	/* The other contexts' stacks, saved: open addressing by id. */
	struct cs_context *contexts;
	size_t ncontexts, context_mask;
	uint64_t context_switches;
};

struct ms_heap;
struct ss_profile;
struct cs_profile;

/*
 * Report-time filters. A hidden activation is counted in no table, as if
 * the function had not been instrumented: its corrected self time joins the
 * self time of the nearest shown activation below it on the stack (dropped
 * if there is none), its shown callees attach to that activation (the
 * edge), its allocations likewise. Decided at entry: deeper than
 * max_depth shown frames, or hide() says so (asked once per function and
 * thread); at exit: an inclusive time below min_ticks hides the activation
 * (its callees, shorter still, are hidden already). With a filter, the
 * stack handed to on_call holds the hidden frames too (fr->hidden), and
 * on_call is told of the shown activations only.
 */
struct cs_filter {
	size_t max_depth;				       /* 0: no limit */
	uint64_t min_ticks;				       /* 0: no minimum */
	bool (*hide)(void *arg, uint64_t addr, uint64_t when); /* NULL: no name filter */
	void *hide_arg;
};

/*
 * Called at every completed activation, once its counters are updated (the
 * exports' second pass): the thread's stack still holds the closing frame
 * at t->stack[t->depth], its callers below it; `end` is its exit, on the
 * scale of fr->start (ticks without the runtime's pauses); self and incl as
 * the counters got them, off_self and off_incl their off-CPU parts.
 * fr->fn->st.active is 0 for the outermost activation of the function on
 * this thread.
 */
typedef void cs_call_fn(void *arg, const struct cs_thread *t, const struct cs_frame *fr,
			uint64_t end, uint64_t self, uint64_t incl, uint64_t off_self,
			uint64_t off_incl);

struct progress;

struct cs_profile {
	uint64_t probe_self, probe_parent; /* ticks, from the trace header */
	struct ms_heap *heap;		   /* where memory events go; NULL: nowhere */
	struct ss_profile *stages;	   /* where stage events go; NULL: nowhere */
	cs_call_fn *on_call;		   /* NULL: nothing to tell */
	struct progress *progress;	   /* told the bytes read after each chunk; NULL: none */
	void *on_call_arg;
	const struct cs_filter *filter; /* NULL: every call is shown */
	uint64_t filtered;		/* activations the filter hid, all threads */
	uint64_t mem_events;		/* memory events read (stack definitions apart) */
	struct cs_thread **threads;	/* by serial once read */
	size_t nthreads, alloc;
	struct cs_table merged;
	uint64_t unmatched_exits, open_at_end;
};

void cs_profile_init(struct cs_profile *p, uint64_t probe_self, uint64_t probe_parent);

/*
 * Read every chunk of `r` into the profile, close the frames left open,
 * merge the threads; with p->heap set (after cs_profile_init(), by the
 * caller, who owns it), feed it the memory events and finish it; likewise
 * p->stages with the stage events. Returns 0, or -1 if the reader failed
 * (printed).
 */
int cs_profile_read(struct cs_profile *p, struct trace_reader *r);

void cs_profile_release(struct cs_profile *p);

void cs_table_init(struct cs_table *t);

/* The function at `addr` in `t`, or NULL. */
struct cs_func *cs_table_find(const struct cs_table *t, uint64_t addr);

/* Find the function at `addr` in `t`, creating it (first entered at `when`). */
struct cs_func *cs_table_func(struct cs_table *t, uint64_t addr, uint64_t when);

/* Find the edge caller -> callee in `t`, creating it. */
struct cs_edge *cs_table_edge(struct cs_table *t, struct cs_func *caller, struct cs_func *callee);

/* Add the counters of `src` into `dst` (active counts excepted). */
void cs_table_merge(struct cs_table *dst, const struct cs_table *src);

void cs_table_release(struct cs_table *t);

#endif
