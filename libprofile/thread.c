/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "calls.h"
#include "clock.h"
#include "context.h"
#include "filter.h"
#include "offcpu.h"
#include "runtime.h"
#include "thread.h"
#include "writer.h"

__thread struct thread_tls thread_tls TLS_IE;

static pthread_key_t thread_key;	 /* its destructor finishes the thread */
static uint32_t thread_serials;		 /* last serial handed out */
static struct thread_state *thread_list; /* every live state (writer.lock) */

#define THREAD_STACK_INITIAL 1024u
#define THREAD_STACK_MAX     (1u << 24)

NOINSTR static void *thread_map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

NOINSTR bool thread_call_stack_new(struct call_stack *s)
{
	memset(s, 0, sizeof(*s));
	s->stack = thread_map(THREAD_STACK_INITIAL * sizeof(*s->stack));
	if (s->stack == NULL)
		return false;
	s->cap = THREAD_STACK_INITIAL;
	if (filter.min_ticks) {
		s->marks = thread_map(THREAD_STACK_INITIAL * sizeof(*s->marks));
		if (s->marks == NULL) {
			munmap(s->stack, s->cap * sizeof(*s->stack));
			s->stack = NULL;
			return false;
		}
	}
	return true;
}

NOINSTR void thread_call_stack_free(struct call_stack *s)
{
	if (s->stack)
		munmap(s->stack, s->cap * sizeof(*s->stack));
	if (s->marks)
		munmap(s->marks, s->cap * sizeof(*s->marks));
	s->stack = NULL;
	s->marks = NULL;
}

NOINSTR static struct thread_state *thread_alloc(unsigned extra_words)
{
	size_t size = sizeof(struct thread_state) + extra_words * sizeof(uint64_t);
	struct thread_state *t = thread_map(size);
	struct call_stack s;

	if (t == NULL)
		return NULL;
	if (!thread_call_stack_new(&s)) {
		munmap(t, size);
		return NULL;
	}
	t->stack = s.stack;
	t->marks = s.marks;
	t->cap = s.cap;
	offcpu_thread_forget(t); /* no switches until offcpu_thread_open() */
	return t;
}

NOINSTR static void thread_free(struct thread_state *t, unsigned extra_words)
{
	struct call_stack s = { .stack = t->stack, .marks = t->marks, .cap = t->cap };

	stack_table_release(&t->stacks);
	context_release_all(t);
	offcpu_thread_close(t);
	for (unsigned i = 0; i < THREAD_DEFER_MAX; i++)
		if (t->defer[i].map) /* a paused handler the thread never went back to */
			munmap(t->defer[i].map, t->defer[i].maplen);
	thread_call_stack_free(&s);
	munmap(t, sizeof(*t) + extra_words * sizeof(uint64_t));
}

NOINSTR static bool thread_stack_double(struct thread_state *t, size_t old)
{
	void *p;

	if (t->cap >= THREAD_STACK_MAX)
		return false;
	if (t->marks) {
		size_t size = t->cap * sizeof(*t->marks);

		p = mremap(t->marks, size, size * 2, MREMAP_MAYMOVE);
		if (p == MAP_FAILED)
			return false;
		t->marks = p;
	}
	p = mremap(t->stack, old, old * 2, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		return false; /* the marks are bigger than needed: harmless */
	t->stack = p;
	t->cap *= 2;
	return true;
}

NOINSTR bool thread_stack_grow(struct thread_state *t)
{
	int saved = errno; /* a failed mremap sets it: the program's own */
	bool ok = thread_stack_double(t, t->cap * sizeof(*t->stack));

	errno = saved;
	return ok;
}

NOINSTR void thread_filtered(struct thread_state *t)
{
	/* The count lives in the chunk headers: a thread that has written
	 * nothing yet opens its first chunk for it. */
	if (t->chunk == NULL && thread_reserve(t, 0) == NULL) {
		thread_drop(t, 2); /* its entry and exit, not written */
		return;
	}
	t->filtered++;
	t->chunk->filtered++;
}

NOINSTR void thread_drop_cause(struct thread_state *t, uint64_t n, unsigned cause)
{
	t->lost += n;
	if (t->chunk) {
		t->chunk->lost += n;
		t->lost_by[cause % TRACE_LOST_NCAUSES] += n;
	} else {
		writer_add_lost(n, cause);
	}
}

/*
 * Fault the chunk's pages in now, writable, so that the hot path never takes
 * a page fault (on a shared file mapping even the first write to a page that
 * is already in the page cache faults). One madvise where the kernel has
 * MADV_POPULATE_WRITE (5.14), else a write to each page.
 */
/*
 * A chunk is made ready for stores a window at a time: its file pages
 * written (zeros; page-cache pages come into being through write(2) five
 * times cheaper than through first-touch faults on a shared mapping) and
 * faulted in, writable, so the hot path never takes a page fault. A thread
 * that records little pays for one window, not a whole chunk.
 */
#define THREAD_WINDOW (256u * 1024)

NOINSTR static size_t thread_window(void)
{
	return writer.chunk_size < THREAD_WINDOW ? writer.chunk_size : THREAD_WINDOW;
}

NOINSTR static bool thread_prefault(char *p, size_t len)
{
	char *end = p + len;

#ifdef MADV_POPULATE_WRITE
	if (madvise(p, len, MADV_POPULATE_WRITE) == 0)
		return true;
	/* Only a kernel without it (EINVAL) is worked around by touching the
	 * pages: any other failure would be a fault (SIGBUS) at a store. */
	if (errno != EINVAL)
		return false;
#endif
	for (; p < end; p += 4096)
		*(volatile char *)p = *(volatile char *)p;
	return true;
}

/* Record the time the runtime spent since t0 as a PAUSE, and the readings
 * of a switch around it (offcpu.h); room reserved (THREAD_PAUSE_WORDS). */
#define THREAD_PAUSE_WORDS (3 + OFFCPU_PAUSE_WORDS)

NOINSTR static void thread_pause(struct thread_state *t, uint64_t t0, const struct offcpu_pause *op)
{
	t->pos[0] = trace_ext_word(TRACE_EXT_PAUSE, 3, 0);
	t->pos[1] = t0;
	t->pos[2] = clock_ticks();
	t->pos += 3;
	offcpu_pause_end(t, op);
}

/* Ready the next window of the current chunk, with room for its PAUSE and
 * n words. Returns false when the chunk has no such room left. */
NOINSTR static bool thread_next_window(struct thread_state *t, unsigned n,
				       const struct offcpu_pause *op)
{
	char *base = (char *)t->chunk, *from = (char *)t->end;
	size_t len = (size_t)((char *)writer_chunk_end(t->chunk) - from);
	uint64_t t0 = clock_ticks();

	if (len > thread_window())
		len = thread_window();
	if (t->pos + THREAD_PAUSE_WORDS + n > (uint64_t *)(from + len))
		return false;
	if ((t->fail_cause = writer_fill_window(t->chunk_off + (from - base), len)))
		return false;
	if (!thread_prefault(from, len)) {
		t->fail_cause = TRACE_LOST_IO;
		return false;
	}
	t->end = (uint64_t *)(from + len);
	thread_pause(t, t0, op);
	return true;
}

/* Open the next chunk; the thread's first chunk starts with THREAD_START.
 * The time this takes is recorded as a PAUSE, for the reader to remove. */
NOINSTR static uint64_t *thread_next_chunk(struct thread_state *t, unsigned n,
					   const struct offcpu_pause *op)
{
	struct trace_chunk_header *c, *old;
	uint64_t t0 = clock_ticks();
	off_t off;

	if (t->scratch)
		return NULL;
	c = writer_chunk_open(TRACE_CHUNK_THREAD, t->serial, (uint32_t)t->tid, t->seq, t->last,
			      thread_window(), &off, &t->fail_cause);
	if (c == NULL)
		return NULL;
	if (!thread_prefault((char *)c, thread_window())) {
		/* Its pages are written: a chunk the reader finds, with
		 * nothing in it but its header. */
		writer_chunk_close(c);
		t->fail_cause = TRACE_LOST_IO;
		return NULL;
	}
	/* The new chunk first: a signal handler counting a lost event in
	 * t->chunk must never find it unmapped. */
	old = t->chunk;
	t->chunk = c;
	t->chunk_off = off;
	barrier();
	writer_chunk_close(old);
	t->pos = writer_chunk_records(c);
	t->end = (uint64_t *)((char *)c + thread_window());
	if (t->seq++ == 0) {
		t->pos[0] = trace_ext_word(TRACE_EXT_THREAD_START, 2, (uint32_t)t->tid);
		t->pos[1] = t->last;
		t->pos += 2;
		/* A fork child that started inside a coroutine. */
		if (t->context) {
			t->pos[0] = trace_ext_word(TRACE_EXT_CONTEXT, 2, t->context);
			t->pos[1] = t->last;
			t->pos += 2;
		}
	}
	/* Libraries loaded with dlopen since the last capture. */
	runtime_capture_maps(TRACE_MAPS_DLOPEN);
	thread_pause(t, t0, op);
	return t->pos + n <= t->end ? t->pos : NULL;
}

NOINSTR uint64_t *thread_reserve_slow(struct thread_state *t, unsigned n)
{
	struct offcpu_pause op;
	uint64_t *p;
	int saved;

	if (t->pos && t->pos + n <= t->end)
		return t->pos;
	/* System calls follow, inside the program's own calls: its errno
	 * must come out as it went in. Records run on into the next window
	 * of the chunk, if it has room. */
	saved = errno;
	if (t->scratch) {
		p = NULL;
	} else if ((t->fail_cause = writer_blocked())) {
		/* The file could not grow a moment ago: no system call per
		 * event until the retry interval has passed. */
		p = NULL;
	} else {
		/* A switch before the pause is the program's; one during it,
		 * the runtime's. */
		offcpu_pause_begin(t, &op);
		if (t->chunk && thread_next_window(t, n, &op))
			p = t->pos;
		else
			p = thread_next_chunk(t, n, &op);
		writer_count_lost(t->lost_by);
	}
	errno = saved;
	return p;
}

NOINSTR static void thread_link(struct thread_state *t)
{
	struct writer_hold hold;

	writer_lock(&hold);

	t->next = thread_list;
	if (thread_list)
		thread_list->prev = t;
	thread_list = t;
	if (writer.hdr)
		writer.hdr->threads++;
	writer_unlock(&hold);
}

/* Unlink t from the list. Lock held. */
NOINSTR static void thread_unlink_locked(struct thread_state *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else if (thread_list == t)
		thread_list = t->next;
	if (t->next)
		t->next->prev = t->prev;
}

/*
 * Release the states of threads that are gone. An exited thread keeps its
 * state while it runs the rest of its exit (TLS destructors that free
 * memory are still recorded); once the kernel no longer knows its id,
 * nothing can use the state again.
 */
NOINSTR static void thread_reap(void)
{
	struct thread_state *t, *next, *dead = NULL;
	pid_t pid = getpid();
	struct writer_hold hold;

	writer_lock(&hold);

	for (t = thread_list; t; t = next) {
		next = t->next;
		if (t->exited && tgkill(pid, t->tid, 0) < 0 && errno == ESRCH) {
			thread_unlink_locked(t);
			t->next = dead;
			dead = t;
		}
	}
	writer_unlock(&hold);
	for (t = dead; t; t = next) {
		next = t->next;
		writer_chunk_close(t->chunk);
		thread_free(t, 0);
	}
}

NOINSTR struct thread_state *thread_get(void)
{
	struct thread_state *t = tls_thread;

	if (t)
		return t;
	if (__atomic_load_n(&runtime_state, __ATOMIC_ACQUIRE) == RT_UNINIT)
		runtime_init();
	if (!runtime_active())
		return NULL;
	thread_reap();
	t = thread_alloc(0);
	if (t == NULL) {
		writer_add_lost(1, TRACE_LOST_NOMEM);
		return NULL;
	}
	t->tid = gettid();
	t->serial = __atomic_add_fetch(&thread_serials, 1, __ATOMIC_RELAXED);
	offcpu_thread_open(t);
	t->last = clock_ticks();
	thread_link(t);
	tls_thread = t;
	tls_calls = runtime_cfg.calls ? t : NULL;
	if (filter.active)
		t->slow = THREAD_SLOW_FILTER;
	/* Its destructor runs at thread exit (pthread_setspecific may allocate:
	 * the guard, held by our caller, keeps that out of the trace). */
	pthread_setspecific(thread_key, t);
	return t;
}

NOINSTR void thread_finish(struct thread_state *t)
{
	uint64_t *p;

	if (t->chunk == NULL)
		return;
	calls_write_all_held(t);
	offcpu_finish(t);
	p = thread_reserve(t, 4);
	if (p) {
		uint64_t now = clock_ticks();

		p[1] = now;
		p[2] = t->events;
		p[3] = t->lost;
		barrier();
		p[0] = trace_ext_word(TRACE_EXT_THREAD_END, 4, 0);
		t->pos = p + 4;
		t->last = now;
	}
	writer_count_lost(t->lost_by);
}

NOINSTR static void thread_key_destructor(void *arg)
{
	struct thread_state *t = arg;

	if (t == NULL || t != tls_thread || t->exited)
		return;
	tls_guard++;
	thread_finish(t);
	t->exited = true; /* released by thread_reap once the thread is gone */
	tls_guard--;
}

NOINSTR int thread_init(void)
{
	return pthread_key_create(&thread_key, thread_key_destructor) == 0 ? 0 : -1;
}

NOINSTR void thread_fork_child(void)
{
	struct thread_state *self = tls_thread, *t, *next;

	for (t = thread_list; t; t = next) {
		next = t->next;
		/* Mappings of the parent's file: never write through them. */
		writer_chunk_close(t->chunk);
		if (t != self) {
			offcpu_thread_forget(t); /* not mapped in the child */
			thread_free(t, 0);
		}
	}
	thread_list = NULL;
	thread_serials = 0;
	if (self == NULL) {
		offcpu_fork_child(NULL); /* the header's fields still */
		return;
	}
	self->chunk = NULL;
	self->pos = self->end = NULL;
	self->seq = 0;
	self->events = self->lost = self->filtered = 0;
	memset(self->lost_by, 0, sizeof(self->lost_by));
	self->fail_cause = 0;
	self->shown = 0;
	self->next = self->prev = NULL;
	self->tid = gettid();
	self->serial = ++thread_serials;
	/* Calls open in the parent return in the child: not in this trace
	 * (nor those of the contexts not running). */
	self->base = self->depth;
	context_fork_child(self);
	offcpu_fork_child(self);
	thread_list = self;
	if (writer.hdr)
		writer.hdr->threads = 1;
}

NOINSTR struct thread_state *thread_scratch_new(unsigned words)
{
	struct thread_state *t = thread_alloc(words);

	if (t == NULL)
		return NULL;
	t->scratch = true;
	t->pos = (uint64_t *)(t + 1);
	t->end = t->pos + words;
	t->last = clock_ticks();
	return t;
}

NOINSTR void thread_scratch_free(struct thread_state *t)
{
	thread_free(t, (unsigned)(t->end - (uint64_t *)(t + 1)));
}
