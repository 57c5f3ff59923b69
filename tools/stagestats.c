// SPDX-License-Identifier: MIT
/*
 * stagestats.c - stage metrics from stage begins and ends (see
 * stagestats.h): a nesting stack and an accumulator per stage id on each
 * thread, latency histograms, the merge by name, the pull order and the
 * bottleneck.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "stagestats.h"

#define ACC_MIN_SLOTS 16
#define NEST_MAX      4096 /* open spans kept per thread; deeper begins are not */
#define RELATE_MAX    1024 /* stages related by nesting (an n * n matrix) at most */

/* ------------------------------------------------------------ histogram */

/* The bucket of v: its octave and its counter in it. */
static inline void hist_slot(uint64_t v, unsigned *oct, unsigned *sub)
{
	unsigned e;

	if (v < 2 * SS_HIST_SUB) {
		*oct = 0;
		*sub = (unsigned)v;
		return;
	}
	e = 63 - (unsigned)__builtin_clzll(v);
	*oct = e - SS_HIST_SUB_BITS;
	*sub = (unsigned)(v >> *oct) - SS_HIST_SUB;
}

static size_t octave_counters(unsigned oct)
{
	return oct ? SS_HIST_SUB : 2 * SS_HIST_SUB;
}

static uint64_t *octave(struct ss_hist *h, unsigned oct)
{
	if (unlikely(!h->octaves[oct]))
		h->octaves[oct] = xcalloc(octave_counters(oct), sizeof(uint64_t));
	return h->octaves[oct];
}

void ss_hist_add(struct ss_hist *h, uint64_t v)
{
	unsigned oct, sub;

	hist_slot(v, &oct, &sub);
	octave(h, oct)[sub]++;
	if (!h->count || v < h->min)
		h->min = v;
	if (!h->count || v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
}

void ss_hist_merge(struct ss_hist *dst, const struct ss_hist *src)
{
	unsigned oct;
	size_t i;

	if (!src->count)
		return;
	for (oct = 0; oct < SS_HIST_OCTAVES; oct++) {
		if (!src->octaves[oct])
			continue;
		for (i = 0; i < octave_counters(oct); i++)
			octave(dst, oct)[i] += src->octaves[oct][i];
	}
	if (!dst->count || src->min < dst->min)
		dst->min = src->min;
	if (!dst->count || src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
}

/* The middle of bucket (oct, sub). */
static uint64_t bucket_value(unsigned oct, size_t sub)
{
	if (!oct)
		return sub;
	return ((uint64_t)(sub + SS_HIST_SUB) << oct) + ((uint64_t)1 << (oct - 1));
}

uint64_t ss_hist_percentile(const struct ss_hist *h, double p)
{
	uint64_t rank, seen = 0, v;
	unsigned oct;
	size_t i;

	if (!h->count)
		return 0;
	rank = (uint64_t)(p * (double)h->count / 100.0);
	if ((double)rank * 100.0 < p * (double)h->count)
		rank++;
	rank = rank < 1 ? 1 : rank > h->count ? h->count : rank;
	if (rank == h->count)
		return h->max;
	for (oct = 0; oct < SS_HIST_OCTAVES; oct++) {
		if (!h->octaves[oct])
			continue;
		for (i = 0; i < octave_counters(oct); i++) {
			seen += h->octaves[oct][i];
			if (seen < rank)
				continue;
			v = bucket_value(oct, i);
			return v < h->min ? h->min : v > h->max ? h->max : v;
		}
	}
	return h->max;
}

void ss_hist_release(struct ss_hist *h)
{
	unsigned oct;

	for (oct = 0; oct < SS_HIST_OCTAVES; oct++)
		free(h->octaves[oct]);
	memset(h, 0, sizeof(*h));
}

/* --------------------------------------------------------------- threads */

/* One stage id on one thread. Ticks: raw for first and last, else unpaused. */
struct ss_acc {
	uint32_t id;
	uint64_t records, handoffs, busy, self, off_self;
	uint64_t first, last;		    /* raw tick counts of the first begin, last end */
	uint64_t paused_first, paused_last; /* the thread's pauses before them */
	bool begun, ended;
	bool marked;	 /* handed records on, not asked again since */
	uint64_t mark;	 /* when */
	uint32_t *outer; /* the ids of the stages whose spans it closed inside */
	size_t nouter, outer_alloc;
	struct ss_hist latency;
};

struct ss_frame {
	struct ss_acc *acc;
	uint64_t start; /* unpaused ticks of the begin */
	uint64_t inner; /* ticks of the spans closed directly inside it */
	uint64_t off;	/* off-CPU ticks while it was the innermost span */
};

struct ss_slot {
	uint32_t id; /* 0: empty */
	struct ss_acc *acc;
};

struct ss_thread {
	uint32_t serial;
	struct ss_acc **accs; /* in order of first event */
	size_t naccs, accs_alloc;
	struct ss_slot *slots; /* open addressing: id -> acc */
	size_t mask;
	struct ss_frame *stack;
	size_t depth, stack_alloc;
};

void ss_profile_init(struct ss_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->bottleneck = SIZE_MAX;
}

static struct ss_thread *ss_thread_get(struct ss_profile *p, uint32_t serial)
{
	struct ss_thread *t = p->last_thread;
	size_t i;

	if (t && t->serial == serial)
		return t;
	for (i = 0; i < p->nthreads; i++) {
		if (p->threads[i]->serial == serial)
			return p->last_thread = p->threads[i];
	}
	t = xcalloc(1, sizeof(*t));
	t->serial = serial;
	t->mask = ACC_MIN_SLOTS - 1;
	t->slots = xcalloc(ACC_MIN_SLOTS, sizeof(*t->slots));
	p->threads = xgrow(p->threads, &p->threads_alloc, p->nthreads + 1, sizeof(*p->threads));
	p->threads[p->nthreads++] = t;
	return p->last_thread = t;
}

static inline size_t id_hash(uint32_t id)
{
	return (size_t)(((uint64_t)id * 0x9e3779b97f4a7c15ull) >> 32);
}

static struct ss_slot *acc_slot(const struct ss_thread *t, uint32_t id)
{
	size_t i = id_hash(id) & t->mask;

	while (t->slots[i].id && t->slots[i].id != id)
		i = (i + 1) & t->mask;
	return &t->slots[i];
}

static struct ss_acc *acc_get(struct ss_thread *t, uint32_t id)
{
	struct ss_slot *slot = acc_slot(t, id);
	struct ss_acc *a;
	size_t i;

	if (likely(slot->id))
		return slot->acc;
	a = xcalloc(1, sizeof(*a));
	a->id = id;
	t->accs = xgrow(t->accs, &t->accs_alloc, t->naccs + 1, sizeof(*t->accs));
	t->accs[t->naccs++] = a;
	*slot = (struct ss_slot){ id, a };
	if (t->naccs * 2 > t->mask + 1) {
		free(t->slots);
		t->mask = 2 * t->mask + 1;
		t->slots = xcalloc(t->mask + 1, sizeof(*t->slots));
		for (i = 0; i < t->naccs; i++)
			*acc_slot(t, t->accs[i]->id) =
			    (struct ss_slot){ t->accs[i]->id, t->accs[i] };
	}
	return a;
}

/* Note that `a` closed a span inside a span of stage `outer`. */
static void note_outer(struct ss_acc *a, uint32_t outer)
{
	size_t i;

	for (i = 0; i < a->nouter; i++) {
		if (a->outer[i] == outer)
			return;
	}
	a->outer = xgrow(a->outer, &a->outer_alloc, a->nouter + 1, sizeof(*a->outer));
	a->outer[a->nouter++] = outer;
}

static void stage_begin(struct ss_thread *t, struct ss_acc *a, uint64_t raw, uint64_t now)
{
	if (!a->begun) {
		a->begun = true;
		a->first = raw;
		a->paused_first = raw - now;
	}
	if (a->marked) /* the consumer had the last hand-off till now */
		ss_hist_add(&a->latency, now > a->mark ? now - a->mark : 0);
	a->marked = false;
	if (t->depth == NEST_MAX) /* begins that never end: their ends will be unmatched */
		return;
	t->stack = xgrow(t->stack, &t->stack_alloc, t->depth + 1, sizeof(*t->stack));
	t->stack[t->depth++] = (struct ss_frame){ a, now, 0, 0 };
}

static void stage_end(struct ss_profile *p, struct ss_thread *t, struct ss_acc *a, uint64_t raw,
		      uint64_t now, uint64_t records)
{
	size_t d = t->depth;

	while (d > 0 && t->stack[d - 1].acc != a)
		d--;
	if (d > 0) {
		const struct ss_frame *fr = &t->stack[d - 1];
		uint64_t span = now > fr->start ? now - fr->start : 0;
		uint64_t self = span > fr->inner ? span - fr->inner : 0;

		a->busy += span;
		a->self += self;
		a->off_self += fr->off < self ? fr->off : self;
		if (d > 1) {
			t->stack[d - 2].inner += span;
			note_outer(a, t->stack[d - 2].acc->id);
		}
		t->depth = d - 1;
	} else {
		p->unmatched_ends++;
	}
	if (!a->ended || raw >= a->last) {
		a->ended = true;
		a->last = raw;
		a->paused_last = raw - now;
	}
	a->records += records;
	if (records) {
		a->handoffs++;
		a->marked = true;
		a->mark = now;
	}
}

void ss_event(struct ss_profile *p, uint32_t serial, int ev, const struct trace_stage *s,
	      uint64_t unpaused)
{
	struct ss_thread *t = ss_thread_get(p, serial);
	struct ss_acc *a = acc_get(t, s->id);

	p->events++;
	if (ev == TRACE_EV_STAGE_BEGIN)
		stage_begin(t, a, s->ticks, unpaused);
	else
		stage_end(p, t, a, s->ticks, unpaused, s->records);
}

void ss_offcpu(struct ss_profile *p, uint32_t serial, uint64_t ticks)
{
	struct ss_thread *t = p->last_thread;
	size_t i;

	/* Not ss_thread_get(): a thread without stage events has no span open. */
	for (i = 0; (!t || t->serial != serial) && i < p->nthreads; i++)
		t = p->threads[i];
	if (!t || t->serial != serial || !t->depth)
		return;
	p->last_thread = t;
	t->stack[t->depth - 1].off += ticks;
}

/* ----------------------------------------------------------------- merge */

struct name_key {
	const char *name; /* the stage's */
	size_t index;
	UT_hash_handle hh;
};

/* What the merge needs at hand. */
struct merge {
	struct ss_profile *p;
	const struct trace_reader *r;
	struct name_key *keys; /* uthash by name */
	size_t alloc;
	uint64_t *pause_of_last; /* per stage: pauses of the instance that ended last */
	size_t pause_alloc;
	char buf[32];
};

/* The name of stage id `id`. Points into the reader or m->buf. */
static const char *id_name(struct merge *m, uint32_t id)
{
	const char *name = trace_reader_stage_name(m->r, id);

	if (name)
		return name;
	snprintf(m->buf, sizeof(m->buf), "stage#%u", id);
	return m->buf;
}

static size_t stage_index(struct merge *m, uint32_t id)
{
	const char *name = id_name(m, id);
	struct ss_profile *p = m->p;
	struct name_key *k;

	HASH_FIND_STR(m->keys, name, k);
	if (k)
		return k->index;
	p->stages = xgrow(p->stages, &m->alloc, p->nstages + 1, sizeof(*p->stages));
	memset(&p->stages[p->nstages], 0, sizeof(*p->stages));
	p->stages[p->nstages].name = xstrdup(name);
	m->pause_of_last =
	    xgrow(m->pause_of_last, &m->pause_alloc, p->nstages + 1, sizeof(*m->pause_of_last));
	m->pause_of_last[p->nstages] = 0;
	k = xcalloc(1, sizeof(*k));
	k->name = p->stages[p->nstages].name;
	k->index = p->nstages++;
	HASH_ADD_KEYPTR(hh, m->keys, k->name, strlen(k->name), k);
	if (hash_oom_take())
		die("out of memory");
	return k->index;
}

static void merge_acc(struct merge *m, const struct ss_acc *a)
{
	size_t i = stage_index(m, a->id);
	struct ss_stage *s = &m->p->stages[i];

	s->records += a->records;
	s->handoffs += a->handoffs;
	s->busy += a->busy;
	s->self += a->self;
	s->off_self += a->off_self;
	ss_hist_merge(&s->latency, &a->latency);
	if (a->begun && (!s->begun || a->first < s->first)) {
		s->begun = true;
		s->first = a->first;
	}
	if (a->ended && (!s->ended || a->last > s->last)) {
		s->ended = true;
		s->last = a->last;
		m->pause_of_last[i] = a->begun && a->paused_last > a->paused_first
					  ? a->paused_last - a->paused_first
					  : 0;
	}
	s->instances++;
}

/* inside[i][j] for the stages in their merge order, direct and transitive. */
static bool *relate(struct merge *m)
{
	struct ss_profile *p = m->p;
	size_t n = p->nstages, i, j, k, x, y;
	bool *in = xcalloc(n * n + 1, sizeof(*in));

	for (i = 0; i < p->nthreads; i++) {
		for (j = 0; j < p->threads[i]->naccs; j++) {
			const struct ss_acc *a = p->threads[i]->accs[j];

			x = stage_index(m, a->id);
			for (k = 0; k < a->nouter; k++) {
				y = stage_index(m, a->outer[k]);
				if (x != y)
					in[x * n + y] = true;
			}
		}
	}
	for (k = 0; k < n; k++) {
		for (i = 0; i < n; i++) {
			if (!in[i * n + k])
				continue;
			for (j = 0; j < n; j++)
				in[i * n + j] |= in[k * n + j];
		}
	}
	for (i = 0; i < n; i++)
		in[i * n + i] = false; /* a cycle does not put a stage inside itself */
	return in;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

/* Pull order: deeper first, then earlier first begin, then name. */
static int cmp_order(const void *a, const void *b, void *arg)
{
	const struct ss_stage *st = arg;
	const struct ss_stage *x = &st[*(const size_t *)a], *y = &st[*(const size_t *)b];
	int c = cmp_u64(y->depth, x->depth);

	if (!c)
		c = cmp_u64(x->first, y->first);
	if (!c)
		c = strcmp(x->name, y->name);
	return c;
}

/* Put the stages in pull order, with their relation (if `in`). */
static void order(struct ss_profile *p, bool *in)
{
	size_t n = p->nstages, i, j, *perm = xcalloc(n + 1, sizeof(*perm)), *pos;
	struct ss_stage *sorted = xcalloc(n + 1, sizeof(*sorted));

	for (i = 0; i < n; i++) {
		perm[i] = i;
		for (j = 0; in && j < n; j++)
			p->stages[i].depth += in[i * n + j];
	}
	qsort_r(perm, n, sizeof(*perm), cmp_order, p->stages);
	p->inside = in ? xcalloc(n * n + 1, sizeof(*p->inside)) : NULL;
	pos = xcalloc(n + 1, sizeof(*pos));
	for (i = 0; i < n; i++) {
		sorted[i] = p->stages[perm[i]];
		pos[perm[i]] = i;
	}
	for (i = 0; in && i < n; i++) {
		for (j = 0; j < n; j++)
			p->inside[pos[i] * n + pos[j]] = in[i * n + j];
	}
	free(p->stages);
	p->stages = sorted;
	free(pos);
	free(perm);
}

void ss_profile_finish(struct ss_profile *p, const struct trace_reader *r)
{
	struct merge m = { .p = p, .r = r };
	struct name_key *k, *tmp;
	uint64_t *pauses;
	size_t i, j;
	bool *in;

	for (i = 0; i < p->nthreads; i++) {
		p->open_at_end += p->threads[i]->depth;
		for (j = 0; j < p->threads[i]->naccs; j++)
			merge_acc(&m, p->threads[i]->accs[j]);
	}
	for (i = 0; i < p->nstages; i++) {
		struct ss_stage *s = &p->stages[i];

		if (s->begun && s->ended && s->last > s->first)
			s->elapsed = s->last - s->first > m.pause_of_last[i]
					 ? s->last - s->first - m.pause_of_last[i]
					 : 0;
	}
	in = p->nstages <= RELATE_MAX ? relate(&m) : NULL;
	HASH_ITER(hh, m.keys, k, tmp)
	{
		HASH_DEL(m.keys, k);
		free(k);
	}
	pauses = m.pause_of_last;
	order(p, in);
	free(in);
	free(pauses);
	for (i = 0; i < p->nstages; i++) {
		if (p->stages[i].self && (p->bottleneck == SIZE_MAX ||
					  p->stages[i].self > p->stages[p->bottleneck].self))
			p->bottleneck = i;
	}
}

void ss_profile_release(struct ss_profile *p)
{
	size_t i, j;

	for (i = 0; i < p->nthreads; i++) {
		struct ss_thread *t = p->threads[i];

		for (j = 0; j < t->naccs; j++) {
			ss_hist_release(&t->accs[j]->latency);
			free(t->accs[j]->outer);
			free(t->accs[j]);
		}
		free(t->accs);
		free(t->slots);
		free(t->stack);
		free(t);
	}
	free(p->threads);
	for (i = 0; i < p->nstages; i++) {
		ss_hist_release(&p->stages[i].latency);
		free(p->stages[i].name);
	}
	free(p->stages);
	free(p->inside);
	ss_profile_init(p);
}
