// SPDX-License-Identifier: MIT
/*
 * memstats.c - the live heap rebuilt in one time order (see memstats.h).
 *
 * Three open-addressing tables do the per-event work: the live blocks by
 * address (linear probing, deletion by backward shift), the stacks by their
 * frames, and the per-thread stack ids. Threads are numbered in order of
 * appearance (their index), so a block refers to its thread in 4 bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "memstats.h"

#define BLOCKS_MIN_SHIFT 10
#define STACKS_MIN_SLOTS 256
#define IDS_MIN_SLOTS	 256
#define NO_STACK	 UINT32_MAX /* an empty slot of the stack index */
#define PREFETCH_AHEAD	 16	    /* events */

enum ms_type {
	MS_ALLOC,
	MS_FREE,
	MS_SNAPSHOT,
};

/* A queued event. */
struct ms_event {
	uint64_t ticks;
	uint64_t seq; /* arrival order */
	union {
		uint64_t addr;		  /* ALLOC, FREE */
		struct ms_snapshot *snap; /* SNAPSHOT, filled when processed */
	};
	uint64_t size;	/* ALLOC */
	uint32_t stack; /* ALLOC: the stack's index */
	uint32_t type;	/* enum ms_type */
};

struct ms_thread {
	uint32_t serial, index;
	/* The address of its latest allocation, until it frees a block: a
	 * block of this thread at that address is that allocation. */
	uint64_t last_alloc;
	struct ms_event *queue; /* a ring of qcap (a power of 2) */
	size_t qhead, qlen, qcap;
};

struct ms_block {
	uint64_t addr; /* 0: an empty slot */
	uint64_t size;
	uint32_t stack;	 /* index */
	uint32_t thread; /* index of the allocating thread */
};

struct ms_idslot {
	uint64_t key; /* thread index << 32 | id; 0: empty (ids are never 0) */
	uint32_t stack;
};

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* ---------------------------------------------------------------- stacks */

static uint64_t frames_hash(const uint64_t *frames, uint32_t n, bool shadow)
{
	uint64_t h = mix64(n * 2 + shadow);
	uint32_t i;

	for (i = 0; i < n; i++)
		h = mix64(h ^ frames[i]) + i;
	return h;
}

static struct ms_stack *stack_new(struct ms_heap *h, const uint64_t *frames, uint32_t n,
				  bool shadow, uint64_t hash)
{
	struct ms_stack *s = xcalloc(1, sizeof(*s));

	s->frames = xmalloc((n ? n : 1) * sizeof(*frames));
	if (n)
		memcpy(s->frames, frames, n * sizeof(*frames));
	s->nframes = n;
	s->shadow = shadow;
	s->hash = hash;
	h->stacks = xgrow(h->stacks, &h->stacks_alloc, h->nstacks + 1, sizeof(*h->stacks));
	h->stacks[h->nstacks++] = s;
	return s;
}

static void stack_index_grow(struct ms_heap *h)
{
	size_t i, j, n = 2 * (h->stack_mask + 1);

	free(h->stack_index);
	h->stack_index = xmalloc(n * sizeof(*h->stack_index));
	memset(h->stack_index, 0xff, n * sizeof(*h->stack_index));
	h->stack_mask = n - 1;
	for (i = 1; i < h->nstacks; i++) {
		for (j = h->stacks[i]->hash & h->stack_mask; h->stack_index[j] != NO_STACK;
		     j = (j + 1) & h->stack_mask)
			;
		h->stack_index[j] = (uint32_t)i;
	}
}

/* The index of the stack of these frames, interned. */
static uint32_t stack_intern(struct ms_heap *h, const uint64_t *frames, uint32_t n, bool shadow)
{
	uint64_t hash = frames_hash(frames, n, shadow);
	size_t i;

	for (i = hash & h->stack_mask; h->stack_index[i] != NO_STACK; i = (i + 1) & h->stack_mask) {
		const struct ms_stack *s = h->stacks[h->stack_index[i]];

		if (s->hash == hash && s->nframes == n && s->shadow == shadow &&
		    !memcmp(s->frames, frames, n * sizeof(*frames)))
			return h->stack_index[i];
	}
	h->stack_index[i] = (uint32_t)h->nstacks;
	stack_new(h, frames, n, shadow, hash);
	if (h->nstacks * 2 > h->stack_mask + 1)
		stack_index_grow(h);
	return (uint32_t)h->nstacks - 1;
}

/* ------------------------------------------------------- per-thread ids */

static struct ms_idslot *id_slot(const struct ms_heap *h, uint64_t key)
{
	size_t i = mix64(key) & h->ids_mask;

	while (h->ids[i].key && h->ids[i].key != key)
		i = (i + 1) & h->ids_mask;
	return &h->ids[i];
}

static void ids_grow(struct ms_heap *h)
{
	struct ms_idslot *old = h->ids;
	size_t i, n = h->ids_mask + 1;

	h->ids = xcalloc(2 * n, sizeof(*h->ids));
	h->ids_mask = 2 * n - 1;
	for (i = 0; i < n; i++) {
		if (old[i].key)
			*id_slot(h, old[i].key) = old[i];
	}
	free(old);
}

static void id_define(struct ms_heap *h, const struct ms_thread *t, uint32_t id, uint32_t stack)
{
	uint64_t key = (uint64_t)t->index << 32 | id;
	struct ms_idslot *slot = id_slot(h, key);

	if (!slot->key)
		h->nids++;
	slot->key = key;
	slot->stack = stack;
	if (h->nids * 2 > h->ids_mask + 1)
		ids_grow(h);
}

/* The stack index of `id` for thread t; the unknown stack if not defined. */
static uint32_t id_lookup(const struct ms_heap *h, const struct ms_thread *t, uint32_t id)
{
	const struct ms_idslot *slot;

	if (!id)
		return 0;
	slot = id_slot(h, (uint64_t)t->index << 32 | id);
	return slot->key ? slot->stack : 0;
}

/* --------------------------------------------------------------- threads */

static struct ms_thread *ms_thread_get(struct ms_heap *h, uint32_t serial)
{
	struct ms_thread *t = h->last_thread;
	size_t i;

	if (t && t->serial == serial)
		return t;
	for (i = 0; i < h->nthreads; i++) {
		if (h->threads[i]->serial == serial)
			return h->last_thread = h->threads[i];
	}
	t = xcalloc(1, sizeof(*t));
	t->serial = serial;
	t->index = (uint32_t)h->nthreads;
	h->threads = xgrow(h->threads, &h->threads_alloc, h->nthreads + 1, sizeof(*h->threads));
	h->threads[h->nthreads++] = t;
	return h->last_thread = t;
}

/* ----------------------------------------------------------- live blocks */

static inline size_t block_home(const struct ms_heap *h, uint64_t addr)
{
	return (size_t)((addr * 0x9e3779b97f4a7c15ull) >> h->blocks_shift);
}

/* The slot of `addr`: its block's, or the empty one where it would go. */
static inline struct ms_block *block_slot(const struct ms_heap *h, uint64_t addr)
{
	size_t i = block_home(h, addr);

	while (h->blocks[i].addr && h->blocks[i].addr != addr)
		i = (i + 1) & h->blocks_mask;
	return &h->blocks[i];
}

static void blocks_alloc(struct ms_heap *h, unsigned bits)
{
	h->blocks = xcalloc((size_t)1 << bits, sizeof(*h->blocks));
	h->blocks_mask = ((size_t)1 << bits) - 1;
	h->blocks_shift = 64 - bits;
}

static void blocks_grow(struct ms_heap *h)
{
	struct ms_block *old = h->blocks;
	size_t i, n = h->blocks_mask + 1;

	blocks_alloc(h, 64 - h->blocks_shift + 1);
	for (i = 0; i < n; i++) {
		if (old[i].addr)
			*block_slot(h, old[i].addr) = old[i];
	}
	free(old);
}

/* Remove the block in slot b, moving back the blocks that probed past it. */
static void block_delete(struct ms_heap *h, struct ms_block *b)
{
	size_t i = (size_t)(b - h->blocks), j = i, home;

	for (;;) {
		j = (j + 1) & h->blocks_mask;
		if (!h->blocks[j].addr)
			break;
		home = block_home(h, h->blocks[j].addr);
		/* Block j may move to i if i lies cyclically in [home, j). */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			h->blocks[i] = h->blocks[j];
			i = j;
		}
	}
	h->blocks[i].addr = 0;
}

/* ------------------------------------------------------------ accounting */

/* Change the live counts of stack s, saving its value at the peak first. */
static inline void stack_live(struct ms_heap *h, struct ms_stack *s, int64_t blocks, int64_t bytes)
{
	if (s->peak_gen != h->peak_gen) {
		s->saved_blocks = s->live_blocks;
		s->saved_bytes = s->live_bytes;
		s->peak_gen = h->peak_gen;
	}
	s->live_blocks += (uint64_t)blocks;
	s->live_bytes += (uint64_t)bytes;
}

uint64_t ms_stack_peak_blocks(const struct ms_heap *h, const struct ms_stack *s)
{
	return s->peak_gen == h->peak_gen ? s->saved_blocks : s->live_blocks;
}

uint64_t ms_stack_peak_bytes(const struct ms_heap *h, const struct ms_stack *s)
{
	return s->peak_gen == h->peak_gen ? s->saved_bytes : s->live_bytes;
}

/* Take block b out of the live heap (its slot is not emptied here). */
static void block_unlive(struct ms_heap *h, const struct ms_block *b)
{
	stack_live(h, h->stacks[b->stack], -1, -(int64_t)b->size);
	h->live_blocks--;
	h->live_bytes -= b->size;
}

static void do_alloc(struct ms_heap *h, struct ms_thread *t, const struct ms_event *e)
{
	struct ms_stack *s = h->stacks[e->stack];
	struct ms_block *b;

	if ((h->live_blocks + 1) * 4 > (h->blocks_mask + 1) * 3)
		blocks_grow(h);
	b = block_slot(h, e->addr);
	if (b->addr) {
		h->replaced++;
		block_unlive(h, b);
	}
	h->allocs++;
	h->bytes += e->size;
	s->allocs++;
	s->bytes += e->size;
	stack_live(h, s, 1, (int64_t)e->size);
	h->live_blocks++;
	h->live_bytes += e->size;
	if (h->live_bytes > h->peak_bytes) {
		h->peak_bytes = h->live_bytes;
		h->peak_blocks = h->live_blocks;
		h->peak_ticks = e->ticks;
		h->peak_gen++; /* every stack's live value now is its value at the peak */
	}
	t->last_alloc = e->addr;
	b->addr = e->addr;
	b->size = e->size;
	b->stack = e->stack;
	b->thread = t->index;
}

static void do_free(struct ms_heap *h, struct ms_thread *t, const struct ms_event *e)
{
	struct ms_block *b = block_slot(h, e->addr);

	if (!b->addr) {
		h->unknown_frees++;
		return;
	}
	h->frees++;
	block_unlive(h, b);
	if (h->threads[b->thread]->last_alloc == b->addr) {
		struct ms_stack *s = h->stacks[b->stack];

		h->temp_allocs++;
		h->temp_bytes += b->size;
		s->temp_allocs++;
		s->temp_bytes += b->size;
	}
	t->last_alloc = 0; /* a free of its own ends the thread's latest allocation's chance */
	block_delete(h, b);
}

/* Record the live heap of every stack in snapshot `snap`, now. */
static void take_snapshot(struct ms_heap *h, struct ms_snapshot *snap)
{
	size_t i, n = 0;

	snap->live_blocks = h->live_blocks;
	snap->live_bytes = h->live_bytes;
	for (i = 0; i < h->nstacks; i++)
		n += h->stacks[i]->live_blocks != 0;
	snap->entries = xcalloc(n + 1, sizeof(*snap->entries));
	for (i = 0; i < h->nstacks; i++) {
		const struct ms_stack *s = h->stacks[i];

		if (s->live_blocks)
			snap->entries[snap->nentries++] =
			    (struct ms_snap_entry){ (uint32_t)i, s->live_blocks, s->live_bytes };
	}
}

static void snap_append(struct ms_heap *h, struct ms_snapshot *snap)
{
	h->snaps = xgrow(h->snaps, &h->snaps_alloc, h->nsnaps + 1, sizeof(*h->snaps));
	h->snaps[h->nsnaps++] = snap;
}

static void process(struct ms_heap *h, struct ms_thread *t, const struct ms_event *e)
{
	if (e->ticks > h->last_ticks)
		h->last_ticks = e->ticks;
	if (e->type == MS_ALLOC) {
		do_alloc(h, t, e);
	} else if (e->type == MS_FREE) {
		do_free(h, t, e);
	} else {
		take_snapshot(h, e->snap);
		snap_append(h, e->snap);
	}
	if (h->on_event)
		h->on_event(h->on_event_arg, h, e->ticks,
			    e->type == MS_ALLOC || e->type == MS_FREE ? NULL : e->snap);
}

/* ----------------------------------------------------------------- order */

/* Is thread a's next event before thread b's? */
static inline bool before(const struct ms_thread *a, const struct ms_thread *b)
{
	const struct ms_event *x = &a->queue[a->qhead], *y = &b->queue[b->qhead];

	if (x->ticks != y->ticks)
		return x->ticks < y->ticks;
	if (a->serial != b->serial)
		return a->serial < b->serial;
	return x->seq < y->seq;
}

static void ready_up(struct ms_heap *h, size_t i)
{
	struct ms_thread *t = h->ready[i];

	while (i && before(t, h->ready[(i - 1) / 2])) {
		h->ready[i] = h->ready[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->ready[i] = t;
}

static void ready_down(struct ms_heap *h, size_t i)
{
	struct ms_thread *t = h->ready[i];
	size_t c;

	while ((c = 2 * i + 1) < h->nready) {
		if (c + 1 < h->nready && before(h->ready[c + 1], h->ready[c]))
			c++;
		if (!before(h->ready[c], t))
			break;
		h->ready[i] = h->ready[c];
		i = c;
	}
	h->ready[i] = t;
}

static void queue_push(struct ms_heap *h, struct ms_thread *t, const struct ms_event *e)
{
	if (t->qlen == t->qcap) {
		size_t n = t->qcap ? 2 * t->qcap : 64, i;
		struct ms_event *q = xmalloc(n * sizeof(*q));

		for (i = 0; i < t->qlen; i++)
			q[i] = t->queue[(t->qhead + i) & (t->qcap - 1)];
		free(t->queue);
		t->queue = q;
		t->qhead = 0;
		t->qcap = n;
	}
	t->queue[(t->qhead + t->qlen++) & (t->qcap - 1)] = *e;
	if (t->qlen == 1) {
		/* The thread was idle: it joins the ready heap. */
		h->ready = xgrow(h->ready, &h->ready_alloc, h->nready + 1, sizeof(*h->ready));
		h->ready[h->nready++] = t;
		ready_up(h, h->nready - 1);
	}
}

/* Process the earliest queued event of all threads. */
static void release_one(struct ms_heap *h)
{
	struct ms_thread *t = h->ready[0];
	struct ms_event e = t->queue[t->qhead];

	/* The live table is far larger than the caches and addresses hash
	 * anywhere: fetch the slot of an event further on in this thread,
	 * which usually comes next, while this one is processed. */
	if (t->qlen > PREFETCH_AHEAD)
		__builtin_prefetch(&h->blocks[block_home(
		    h, t->queue[(t->qhead + PREFETCH_AHEAD) & (t->qcap - 1)].addr)]);
	t->qhead = (t->qhead + 1) & (t->qcap - 1);
	t->qlen--;
	if (t->qlen) {
		ready_down(h, 0);
	} else {
		h->ready[0] = h->ready[--h->nready];
		if (h->nready)
			ready_down(h, 0);
	}
	process(h, t, &e);
}

static void push(struct ms_heap *h, struct ms_thread *t, struct ms_event *e)
{
	e->seq = ++h->seq;
	if (e->ticks < h->watermark)
		h->late++;
	queue_push(h, t, e);
}

void ms_heap_advance(struct ms_heap *h, uint64_t watermark)
{
	if (watermark > h->watermark)
		h->watermark = watermark;
	while (h->nready && h->ready[0]->queue[h->ready[0]->qhead].ticks < h->watermark)
		release_one(h);
}

/* ---------------------------------------------------------------- intake */

static struct ms_snapshot *snapshot_new(const char *label, size_t len, uint64_t ticks,
					uint32_t thread)
{
	struct ms_snapshot *snap = xcalloc(1, sizeof(*snap));

	snap->label = xstrndup(label, len);
	snap->ticks = ticks;
	snap->thread = thread;
	return snap;
}

void ms_heap_event(struct ms_heap *h, uint32_t serial, int ev, const struct trace_mem *m)
{
	struct ms_thread *t = ms_thread_get(h, serial);
	struct ms_event e = { 0 };

	if (ev == TRACE_EV_STACK) {
		id_define(h, t, m->stack, stack_intern(h, m->frames, m->nframes, m->shadow));
		return;
	}
	h->events++;
	if (ev == TRACE_EV_SNAPSHOT) {
		e.type = MS_SNAPSHOT;
		e.ticks = m->ticks;
		e.snap = snapshot_new(m->label, m->label_len, m->ticks, serial);
		push(h, t, &e);
		return;
	}
	if (ev == TRACE_EV_FREE || (ev == TRACE_EV_REALLOC && m->old_addr)) {
		e.type = MS_FREE;
		e.addr = ev == TRACE_EV_FREE ? m->addr : m->old_addr;
		e.ticks = ev == TRACE_EV_FREE ? m->ticks : m->free_ticks;
		push(h, t, &e);
	}
	if ((ev == TRACE_EV_ALLOC || ev == TRACE_EV_REALLOC) && m->addr) {
		struct ms_stack *s;

		e.type = MS_ALLOC;
		e.addr = m->addr;
		e.size = m->size;
		e.ticks = m->ticks;
		e.stack = id_lookup(h, t, m->stack);
		s = h->stacks[e.stack];
		if (!s->first_ticks || m->ticks < s->first_ticks)
			s->first_ticks = m->ticks;
		push(h, t, &e);
	}
}

void ms_heap_finish(struct ms_heap *h, uint64_t start_ticks, uint64_t end_ticks)
{
	struct ms_snapshot *snap;

	while (h->nready)
		release_one(h);
	if (!h->events)
		return;
	if (!ms_heap_snapshot(h, "start", NULL)) {
		snap = snapshot_new("start", 5, start_ticks, 0);
		snap->implicit = true;
		snap->entries = xcalloc(1, sizeof(*snap->entries));
		snap_append(h, snap);
		memmove(h->snaps + 1, h->snaps, (h->nsnaps - 1) * sizeof(*h->snaps));
		h->snaps[0] = snap;
	}
	if (!ms_heap_snapshot(h, "end", NULL)) {
		snap = snapshot_new("end", 3, end_ticks > h->last_ticks ? end_ticks : h->last_ticks,
				    0);
		snap->implicit = true;
		take_snapshot(h, snap);
		snap_append(h, snap);
	}
}

/* ------------------------------------------------------------- lifecycle */

void ms_heap_init(struct ms_heap *h)
{
	memset(h, 0, sizeof(*h));
	h->peak_gen = 1;
	h->stack_mask = STACKS_MIN_SLOTS - 1;
	h->stack_index = xmalloc(STACKS_MIN_SLOTS * sizeof(*h->stack_index));
	memset(h->stack_index, 0xff, STACKS_MIN_SLOTS * sizeof(*h->stack_index));
	h->ids = xcalloc(IDS_MIN_SLOTS, sizeof(*h->ids));
	h->ids_mask = IDS_MIN_SLOTS - 1;
	blocks_alloc(h, BLOCKS_MIN_SHIFT);
	stack_new(h, NULL, 0, false, 0); /* index 0: the unknown stack, never interned */
}

const struct ms_snapshot *ms_heap_snapshot(const struct ms_heap *h, const char *label,
					   size_t *count)
{
	const struct ms_snapshot *first = NULL;
	size_t i, n = 0;

	for (i = 0; i < h->nsnaps; i++) {
		if (!strcmp(h->snaps[i]->label, label)) {
			if (!first)
				first = h->snaps[i];
			n++;
		}
	}
	if (count)
		*count = n;
	return first;
}

static void snapshot_free(struct ms_snapshot *snap)
{
	free(snap->label);
	free(snap->entries);
	free(snap);
}

void ms_heap_release(struct ms_heap *h)
{
	size_t i, j;

	for (i = 0; i < h->nthreads; i++) {
		struct ms_thread *t = h->threads[i];

		for (j = 0; j < t->qlen; j++) {
			struct ms_event *e = &t->queue[(t->qhead + j) & (t->qcap - 1)];

			if (e->type == MS_SNAPSHOT)
				snapshot_free(e->snap);
		}
		free(t->queue);
		free(t);
	}
	for (i = 0; i < h->nsnaps; i++)
		snapshot_free(h->snaps[i]);
	for (i = 0; i < h->nstacks; i++) {
		free(h->stacks[i]->frames);
		free(h->stacks[i]);
	}
	free(h->threads);
	free(h->ready);
	free(h->snaps);
	free(h->stacks);
	free(h->stack_index);
	free(h->ids);
	free(h->blocks);
	memset(h, 0, sizeof(*h));
}
