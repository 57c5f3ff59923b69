/* SPDX-License-Identifier: MIT */
/*
 * thread.h - the per-thread recording state: its current chunk, its clock,
 * its shadow call stack.
 *
 * Each recording thread owns one struct thread_state, mapped with mmap (never
 * from the traced allocator) and reached through initial-exec TLS. Only the
 * owning thread touches it, except the fork child handler and the list links
 * (writer.lock). The hot paths live in calls.c; everything here is slow path.
 */
#ifndef MPROF_THREAD_H
#define MPROF_THREAD_H

#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "compiler.h"
#include "stack.h"
#include "trace_format.h"

/* One open call, as the enter hook saw it. */
struct shadow_frame {
	uintptr_t fn;  /* the function's address, or one of the marks below */
	uintptr_t cfa; /* the caller's stack pointer at the hook call: deeper
			* frames have smaller values (stacks grow down) */
};

/*
 * A frame whose entry was not written has bit 63 of fn set (user code lies
 * below 2^47): ~fn when the entry was lost (no room: counted lost), fn with
 * bit 63 when a record-time filter left the call out. Neither equals a code
 * address, so the fast exit path never matches them; their exits write
 * nothing.
 */
#define FRAME_LOST(fn)	   (~(uintptr_t)(fn))
#define FRAME_HIDDEN(fn)   ((uintptr_t)(fn) | 1ull << 63)
#define FRAME_UNWRITTEN(f) ((f)->fn >> 63)
#define FRAME_WAS_LOST(f)  (((f)->fn >> 62) == 3)
#define FRAME_FUNCTION(f)  (FRAME_WAS_LOST(f) ? ~(f)->fn : (f)->fn & ~(1ull << 63))

/*
 * With a minimum duration (filter.h), where each written entry went: a call
 * that returns sooner, with nothing written after its entry, is taken back
 * (its words zeroed, the thread's position and clock base restored).
 */
struct frame_mark {
	uint64_t *start; /* the entry's first word (its TIME record's, if any) */
	uint64_t *after; /* the word after the entry */
	uint64_t last;	 /* the thread's clock base before the entry */
	uint64_t ticks;	 /* the entry's time */
	uint64_t seq;	 /* the chunk it was written to */
};

/*
 * A call stack apart from its thread: the shadow stack fields of
 * thread_state, for a context that does not run now (context.h).
 */
struct call_stack {
	struct shadow_frame *stack;
	struct frame_mark *marks;
	uint32_t cap, depth, base, jmp_mark, shown;
};

/* A new empty call stack (with marks if a minimum duration applies);
 * false when there is no memory. */
bool thread_call_stack_new(struct call_stack *s);
void thread_call_stack_free(struct call_stack *s);

/*
 * A jump or a context switch a signal handler made while the runtime was
 * interrupted, put off until the runtime's frame returns through the
 * trampoline that replaced its return address in `slot` (jump.c).
 */
struct jump_defer {
	uintptr_t slot;				   /* 0: a free entry */
	uintptr_t ret;				   /* the return address it replaced */
	void (*real)(struct __jmp_buf_tag *, int); /* a jump: longjmp's own */
	struct __jmp_buf_tag *env;
	int val;
	int err;	 /* the handler's errno when it was put off */
	void *oucp;	 /* a switch: swapcontext's (NULL: setcontext) */
	const void *ucp; /* the context switched to */
	sigset_t mask;	 /* a jump: the handler's signal mask */
	sigset_t resume; /* a switch: the program's, when it goes on */
	/* A handler paused (jump.c, jump_pause): its stack, from lo up to
	 * the signal frame's end, kept in `map` (with a stack of our own
	 * after it) while the runtime finishes. */
	uintptr_t lo, frame;
	size_t len, maplen;
	char *map;
	void *resume_at[5]; /* __builtin_setjmp's */
};

#define THREAD_DEFER_MAX 8 /* put off at once, per thread: one is usual */

/* Why a thread's hooks must take their slow paths (thread_state.slow). */
#define THREAD_SLOW_HELD   1u /* signal handler calls are held (thread_nested) */
#define THREAD_SLOW_FILTER 2u /* record-time filters apply (filter.h) */

/*
 * Calls made by a signal handler that interrupted this thread inside the
 * runtime (the guard held: the buffer may be mid-update). They are held
 * here, with their own clock readings, and written by the interrupted code
 * at its next hook, in time order with its own events.
 *
 * A ring with one producer (the handlers) and one consumer (the thread,
 * writing them out), both on this thread: a handler interrupts the writing
 * out at any point and still appends (it writes only slots the consumer is
 * not reading, then moves tail in one store); the consumer moves head. Only
 * a handler that interrupts another handler's append drops its events
 * (counted).
 */
#define THREAD_NESTED_MAX      512 /* a power of two */
#define THREAD_NESTED_OPEN_MAX 64  /* open held calls whose levels are kept */

struct thread_nested {
	unsigned head; /* the next event to write out (the consumer's) */
	union {
		struct {
			unsigned tail; /* one past the last event held (the producer's) */
			unsigned open; /* calls held and not yet returned (the handlers') */
		};
		uint64_t commit; /* both, stored at once: an append is whole or not made */
	};
	unsigned busy;	 /* a handler is appending: one interrupting it drops */
	unsigned skip;	 /* entries dropped whose exits must be dropped too */
	unsigned paused; /* their handler is paused (jump.c): not written yet */
	unsigned level;	 /* held calls written and open (with filters) */
	uint64_t hidden[THREAD_NESTED_MAX / 64]; /* bit i: the open held call
						   * at level i was left out
						   * by a filter */
	struct {
		uintptr_t fn; /* the function entered; 0 for an exit */
		uint64_t ticks;
	} ev[THREAD_NESTED_MAX];
	uintptr_t open_cfa[THREAD_NESTED_OPEN_MAX]; /* the open held calls' CFAs,
						     * outermost first */
	uintptr_t open_fn[THREAD_NESTED_OPEN_MAX];  /* and their functions */
};

/* Whether handler calls wait in q to be written. */
static inline bool thread_nested_pending(const struct thread_nested *q)
{
	return __atomic_load_n(&q->tail, __ATOMIC_RELAXED) != q->head;
}

struct thread_state {
	uint64_t *pos;	   /* next free word of the current chunk */
	uint64_t *end;	   /* end of the current chunk's window ready for stores */
	uint64_t last;	   /* ticks of this thread's previous event */
	uint32_t depth;	   /* open calls (may exceed cap: frames not stored) */
	uint32_t base;	   /* frames below base were entered before this trace
			 * began (e.g. before fork): their exits are not recorded */
	uint32_t cap;	   /* shadow stack capacity in frames */
	uint32_t jmp_mark; /* frames below were open at the last longjmp */
	uint32_t slow;	   /* THREAD_SLOW_*: the hooks' fast paths are off */
	/* Off-CPU time (offcpu.h): the sequence word the kernel bumps at every
	 * switch of the thread (or a word that never changes), and its value
	 * at the last reading. */
	uint32_t switches_seen;
	const volatile uint32_t *switches;
	struct shadow_frame *stack;
	struct frame_mark *marks; /* per frame, with a minimum duration; else NULL */
	uint32_t shown;		  /* open frames whose entries were written (with filters) */
	uint32_t serial;	  /* 1-based thread number in this process */
	uint64_t events;	  /* events recorded by this thread */
	uint64_t lost;		  /* events this thread dropped */
	unsigned fail_cause;	  /* why its last reservation failed (enum trace_lost_cause) */
	uint64_t lost_by[TRACE_LOST_NCAUSES]; /* dropped, by cause, not yet in the header */
	uint64_t filtered;		      /* calls the filters left out */
	struct trace_chunk_header *chunk;     /* NULL if none could be opened */
	off_t chunk_off;		      /* the chunk's offset in the file */
	uint64_t seq;			      /* chunks this thread has opened */
	pid_t tid;
	bool scratch;		     /* a calibration buffer: never written to the file */
	bool exited;		     /* its exit handler ran: it records on (later TLS destructors
			 * free memory) until the thread is gone */
	struct stack_table stacks;   /* interned allocation stacks */
	struct thread_nested nested; /* calls of signal handlers that
				      * interrupted the runtime */
	struct context_table *contexts; /* call stacks of contexts not running
					 * (context.h); NULL before a switch */
	uint32_t context;		/* the running context: 0 the thread's own stack */
	uint32_t context_ids;		/* context ids handed out */
	void *offcpu_page;		/* the mapped event `switches` lies in; NULL: none */
	uint64_t offcpu_last[2];	/* the last reading's CLOCK_MONOTONIC, CPU time */
	struct jump_defer defer[THREAD_DEFER_MAX]; /* jumps put off (jump.c) */
	unsigned defer_next;			   /* the entry to take next */
	struct thread_state *next, *prev;	   /* all threads (writer.lock) */
};

/* The calling thread's state, NULL until its first event (or when the
 * runtime is inactive). tls_calls is the same pointer when call events are
 * enabled, else NULL. tls_guard is the recursion guard shared by every hook:
 * nonzero while this thread is inside the runtime. */
struct thread_tls {
	struct thread_state *calls;
	struct thread_state *thread;
	unsigned guard;
};

/* One block, so a hook finds all three from one thread-pointer offset. */
extern __thread struct thread_tls thread_tls TLS_IE;

#define tls_thread (thread_tls.thread)
#define tls_calls  (thread_tls.calls)
#define tls_guard  (thread_tls.guard)

/* Create (or return) the calling thread's state. NULL when the runtime is not
 * recording or the thread already ran its exit handler. Guard must be held. */
struct thread_state *thread_get(void);

/* thread_reserve()'s slow path: a new window or chunk (system calls, the
 * program's errno kept), out of line. */
uint64_t *thread_reserve_slow(struct thread_state *t, unsigned n);

/* Room for n words in the current chunk, switching chunks if needed.
 * NULL when no chunk can be had (t->fail_cause says why): the caller counts
 * the event lost. Inline: the room is there for all but one event a window. */
static inline NOINSTR uint64_t *thread_reserve(struct thread_state *t, unsigned n)
{
	if (likely(t->pos && t->pos + n <= t->end))
		return t->pos;
	return thread_reserve_slow(t, n);
}

/* Count n events of t that could not be recorded, for `cause` (enum
 * trace_lost_cause): in the current chunk's header at once, in the file
 * header's counts by cause at the thread's next chunk switch or end. */
void thread_drop_cause(struct thread_state *t, uint64_t n, unsigned cause);

/* The same, for an event its reservation could not hold. */
static inline void thread_drop(struct thread_state *t, uint64_t n)
{
	thread_drop_cause(t, n, t->fail_cause);
}

/* Count one call of t that a record-time filter left out. */
void thread_filtered(struct thread_state *t);

/* Room for one more shadow frame (the stack grows by doubling). */
bool thread_stack_grow(struct thread_state *t);

/* Set up thread exit handling (pthread key). Called once at init. */
int thread_init(void);

/* Write the thread's end record (its counts so far). Called by the thread's
 * exit handler; the main thread's at process exit. */
void thread_finish(struct thread_state *t);

/* In a fork child: drop every thread's state but the caller's, which restarts
 * on a fresh chunk of the child's file with its open frames kept unrecorded. */
void thread_fork_child(void);

/* A throwaway state for measuring the probe cost. */
struct thread_state *thread_scratch_new(unsigned words);
void thread_scratch_free(struct thread_state *t);

#endif
