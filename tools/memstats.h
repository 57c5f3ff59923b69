/* SPDX-License-Identifier: MIT */
/*
 * memstats.h - the live heap of a traced process, rebuilt from its memory
 * events: allocations, frees, bytes, the peak and who held it, leaks,
 * temporary allocations, and the heap at each snapshot, per stack.
 *
 * Order. Every thread's events come in its program order (the reader's
 * order), but a block allocated by one thread may be freed by another and
 * its address reused by a third: the accounting must see all events in one
 * time order. ms_heap_event() queues each event on its thread's FIFO; the
 * threads whose FIFO is not empty sit in a binary heap keyed by their first
 * event (ticks, then thread serial, then arrival order). ms_heap_advance()
 * processes, smallest key first, every event earlier than a watermark: the
 * open.ticks of the chunk about to be read, which no event not yet read
 * precedes (the order rule of trace_format.h). ms_heap_finish() processes
 * the rest. So memory holds only the events beyond the watermark, never all
 * of them, and each thread's events keep their program order even if its
 * clock readings were not monotonic. An event that arrives earlier than the
 * watermark already passed breaks the rule: it is processed at once and
 * counted (`late`).
 *
 * Semantics (in that order):
 *   ALLOC     a live block (address, size, stack, thread); an allocation at
 *             an address still live counts as `replaced` and replaces it
 *             (the old block leaves the heap without counting as a free);
 *             an allocation at address 0 is ignored.
 *   FREE      the block leaves the heap; a free of an address not live
 *             counts as `unknown_frees`.
 *   REALLOC   a FREE of the old block (if any) at its free ticks, then an
 *             ALLOC of the new one at its allocation ticks.
 *   temporary an allocation freed before its thread allocated or freed
 *             anything else (frees of unknown blocks apart): heaptrack's
 *             temporary allocation (a free that directly follows the
 *             allocation in its event stream), per thread; in a program of
 *             one thread, the same count as heaptrack's.
 *   peak      the first time the live bytes reached their maximum; every
 *             stack's live blocks and bytes at that moment are kept lazily
 *             (saved when the stack first changes after a new peak), O(1)
 *             per event.
 *   SNAPSHOT  the live blocks and bytes of every stack at that moment.
 *   leaks     what is live when the trace ends.
 * When there were memory events, ms_heap_finish() adds the snapshots
 * "start" (empty, before the first event) and "end" (the heap at the end)
 * unless the trace has snapshots with those labels.
 *
 * Stacks: STACK records define ids per thread; the frames are interned
 * globally (the same frames from two threads are one stack, the shadow
 * flag counting as part of them). Stack 0 is the unknown stack, of no
 * frames, for allocations recorded without one.
 *
 * Ownership: the heap owns its stacks and snapshots; they stay valid until
 * ms_heap_release().
 */
#ifndef MPROF_MEMSTATS_H
#define MPROF_MEMSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace_read.h"

/* One distinct allocation stack and what was allocated with it. */
struct ms_stack {
	uint64_t *frames; /* innermost first (see TRACE_EXT_STACK) */
	uint32_t nframes; /* 0 for the unknown stack */
	bool shadow;	  /* frames 2.. are function entry addresses */
	uint64_t hash;
	uint64_t first_ticks;		  /* of its first allocation: when to look its modules up */
	uint64_t allocs;		  /* allocations made with it */
	uint64_t bytes;			  /* their requested bytes */
	uint64_t live_blocks, live_bytes; /* live now (at the end: leaked) */
	uint64_t temp_allocs, temp_bytes; /* temporary allocations */
	/* Internal: live at the latest peak if peak_gen is the heap's. */
	uint64_t saved_blocks, saved_bytes, peak_gen;
};

/* The live heap of one stack in a snapshot. */
struct ms_snap_entry {
	uint32_t stack;
	uint64_t blocks, bytes;
};

struct ms_snapshot {
	char *label;	 /* NUL-terminated */
	uint64_t ticks;	 /* when it was taken */
	uint32_t thread; /* serial of the thread that took it; 0 if implicit */
	bool implicit;	 /* added by ms_heap_finish() */
	uint64_t live_blocks, live_bytes;
	struct ms_snap_entry *entries; /* the stacks with live blocks, by index */
	size_t nentries;
};

struct ms_thread;
struct ms_block;
struct ms_idslot;
struct ms_heap;

/*
 * Called after every event is processed, in the global time order (the
 * exports' second pass): `ticks` is the event's, h->live_bytes the heap
 * after it; `snap` is the snapshot just taken, or NULL for an allocation
 * or a free.
 */
typedef void ms_event_fn(void *arg, const struct ms_heap *h, uint64_t ticks,
			 const struct ms_snapshot *snap);

struct ms_heap {
	/* Totals, in the global time order. */
	uint64_t events; /* memory events taken (stack definitions apart) */
	uint64_t allocs; /* allocations (a realloc is one) */
	uint64_t frees;	 /* frees of live blocks (a realloc's of its old block too) */
	uint64_t bytes;	 /* requested bytes of all allocations */
	uint64_t live_blocks, live_bytes; /* now; at the end, the leaks */
	uint64_t peak_blocks, peak_bytes; /* at the peak of live bytes */
	uint64_t peak_ticks;		  /* when it was first reached */
	uint64_t temp_allocs, temp_bytes; /* temporary allocations */
	uint64_t unknown_frees;		  /* frees of addresses not live */
	uint64_t replaced;		  /* allocations at an address still live */
	uint64_t late;			  /* events that broke the order rule */
	uint64_t last_ticks;		  /* of the latest event processed */

	struct ms_stack **stacks; /* by index; 0 is the unknown stack */
	size_t nstacks, stacks_alloc;
	struct ms_snapshot **snaps; /* in time order */
	size_t nsnaps, snaps_alloc;
	ms_event_fn *on_event; /* NULL: nothing to tell */
	void *on_event_arg;

	/* Internals: only memstats.c looks inside. */
	uint64_t peak_gen;
	uint64_t watermark;
	uint64_t seq; /* arrival order of the events */
	uint32_t *stack_index;
	size_t stack_mask;
	struct ms_idslot *ids; /* (thread index, id) -> stack index */
	size_t nids, ids_mask;
	struct ms_block *blocks; /* the live blocks by address */
	size_t blocks_mask;
	unsigned blocks_shift;
	struct ms_thread **threads; /* by index of first appearance */
	size_t nthreads, threads_alloc;
	struct ms_thread *last_thread;
	struct ms_thread **ready; /* binary heap of threads with events queued */
	size_t nready, ready_alloc;
};

void ms_heap_init(struct ms_heap *h);

/*
 * Take the memory event `ev` (TRACE_EV_ALLOC .. TRACE_EV_SNAPSHOT, described
 * by `m` as trace_chunk_next() decoded it) of thread `serial`, in that
 * thread's program order. Stack definitions take effect at once; the other
 * events wait for ms_heap_advance() or ms_heap_finish().
 */
void ms_heap_event(struct ms_heap *h, uint32_t serial, int ev, const struct trace_mem *m);

/* Process, in time order, every queued event earlier than `watermark`. */
void ms_heap_advance(struct ms_heap *h, uint64_t watermark);

/*
 * Process every queued event, then add the implicit snapshots: "start" at
 * `start_ticks` and "end" at `end_ticks` or the latest event, whichever is
 * later.
 */
void ms_heap_finish(struct ms_heap *h, uint64_t start_ticks, uint64_t end_ticks);

/* Live blocks and bytes of stack `s` at the peak. */
uint64_t ms_stack_peak_blocks(const struct ms_heap *h, const struct ms_stack *s);
uint64_t ms_stack_peak_bytes(const struct ms_heap *h, const struct ms_stack *s);

/*
 * The first snapshot labeled `label`, or NULL; *count (if not NULL) is the
 * number of snapshots with that label.
 */
const struct ms_snapshot *ms_heap_snapshot(const struct ms_heap *h, const char *label,
					   size_t *count);

void ms_heap_release(struct ms_heap *h);

#endif
