/* SPDX-License-Identifier: MIT */
/*
 * stages.c - the four stages, the chain that links them and its sink.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inline.h"
#include "stages.h"
#include "window.h"

const char *const stage_names[STAGE_COUNT] = {
	[STAGE_GENERATE] = "generate",
	[STAGE_FILTER] = "filter",
	[STAGE_NORMALIZE] = "normalize",
	[STAGE_FEATURES] = "features",
};

typedef void window_fn(struct window *w, int64_t x, struct window_sums *out);

struct generate_stage {
	struct stage base;
	struct source src;
};

struct filter_stage {
	struct stage base;
	uint64_t kept, dropped;
};

struct normalize_stage {
	struct stage base;
	struct cache *cache;
};

struct features_stage {
	struct stage base;
	window_fn *sum; /* window_sum_naive or window_sum_running */
	struct window win[SOURCE_SENSORS];
};

struct chain {
	struct generate_stage gen;
	struct filter_stage filter;
	struct normalize_stage norm;
	struct features_stage feat;
	struct stage *stages[STAGE_COUNT]; /* the above, in pipeline order */
	struct batch batch;		   /* the one buffer every stage works in */
	unsigned shard, nshards;
	/* the sink's results, per sensor (of this shard only) */
	uint64_t checksum[SOURCE_SENSORS];
	uint64_t count[SOURCE_SENSORS];
	uint64_t received;
};

/* FNV-1a over 64-bit words: order-sensitive, exact. */
#define FOLD_SEED  0xcbf29ce484222325ull
#define FOLD_PRIME 0x100000001b3ull

DEMO_INLINE uint64_t fold(uint64_t h, uint64_t word)
{
	return (h ^ word) * FOLD_PRIME;
}

/* ---------------------------------------------------------------- stages */

static size_t generate_next(struct stage *s, struct batch *out)
{
	struct generate_stage *g = (struct generate_stage *)s;

	mprof_stage_begin(&s->m);
	out->n = source_fill(&g->src, out->rec, out->cap);
	mprof_stage_end(&s->m, out->n);
	return out->n;
}

/* Drop the glitches; pull again if a whole batch was glitches, so that 0
 * still means exhausted. */
static size_t filter_next(struct stage *s, struct batch *out)
{
	struct filter_stage *f = (struct filter_stage *)s;
	size_t kept = 0;

	mprof_stage_begin(&s->m);
	while (kept == 0 && s->up->next(s->up, out) > 0) {
		for (size_t i = 0; i < out->n; i++)
			if (source_valid(out->rec[i].raw))
				out->rec[kept++] = out->rec[i];
		f->kept += kept;
		f->dropped += out->n - kept;
		out->n = kept;
	}
	mprof_stage_end(&s->m, kept);
	return kept;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* Calibrate each reading with its sensor's table for that range, read
 * through the cache. */
static size_t normalize_next(struct stage *s, struct batch *out)
{
	struct normalize_stage *ns = (struct normalize_stage *)s;
	size_t n;
	uint64_t now = 0;

	mprof_stage_begin(&s->m);
	n = s->up->next(s->up, out);
	if (n && cache_timed(ns->cache))
		now = now_ns(); /* once per batch is fine for a TTL in ms */
	for (size_t i = 0; i < n; i++) {
		struct record *r = &out->rec[i];
		uint64_t key = source_calib_key(r->sensor, r->raw);
		struct calib cal;

		if (!cache_get(ns->cache, key, now, &cal)) {
			source_calibration(key, &cal);
			cache_put(ns->cache, key, now, &cal);
		}
		r->value = (r->raw - cal.offset) * cal.gain / 1000;
	}
	mprof_stage_end(&s->m, n);
	return n;
}

/* The features of a record from the sums over its sensor's window of n
 * values. Inlined with a constant n for a full window, so the divisions
 * become multiplications there: the features cost the same whichever way
 * the sums were kept. */
DEMO_INLINE void features_from(const struct window_sums *w, int64_t n, int64_t *feat)
{
	int64_t tri = n * (n + 1) / 2; /* the weights' total */

	feat[0] = w->sum / n;				      /* mean */
	feat[1] = (n * w->sumsq - w->sum * w->sum) / (n * n); /* variance */
	feat[2] = w->sumcube / n;			      /* mean cube */
	feat[3] = w->wsum / tri;			      /* weighted mean */
	feat[4] = w->wsumsq / tri;			      /* weighted mean square */
	for (int k = 1; k <= WINDOW_LAGS; k++)		      /* lag products */
		feat[4 + k] = n > k ? w->lag[k - 1] / (n - k) : 0;
}

static size_t features_next(struct stage *s, struct batch *out)
{
	struct features_stage *fs = (struct features_stage *)s;
	size_t n;

	mprof_stage_begin(&s->m);
	n = s->up->next(s->up, out);
	for (size_t i = 0; i < n; i++) {
		struct record *r = &out->rec[i];
		struct window_sums sums;

		fs->sum(&fs->win[r->sensor], r->value, &sums);
		if (sums.n == WINDOW_LEN)
			features_from(&sums, WINDOW_LEN, r->feat);
		else
			features_from(&sums, sums.n, r->feat);
	}
	mprof_stage_end(&s->m, n);
	return n;
}

_Static_assert(RECORD_FEATURES == 5 + WINDOW_LAGS, "a feature per window sum");

/* ----------------------------------------------------------------- chain */

struct chain *chain_new(const struct chain_config *cfg, unsigned shard, unsigned nshards)
{
	struct chain *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->shard = shard;
	c->nshards = nshards;
	c->batch.cap = cfg->batch;
	c->batch.rec = calloc(cfg->batch, sizeof(*c->batch.rec));
	c->norm.cache = cache_new(&cfg->cache);
	if (c->batch.rec == NULL || c->norm.cache == NULL) {
		chain_free(c);
		return NULL;
	}
	source_init(&c->gen.src, cfg->records, shard, nshards);
	for (unsigned i = 0; i < SOURCE_SENSORS; i++)
		window_init(&c->feat.win[i]);
	c->feat.sum = cfg->running ? window_sum_running : window_sum_naive;

	c->gen.base.next = generate_next;
	c->filter.base.next = filter_next;
	c->filter.base.up = &c->gen.base;
	c->norm.base.next = normalize_next;
	c->norm.base.up = &c->filter.base;
	c->feat.base.next = features_next;
	c->feat.base.up = &c->norm.base;
	c->stages[STAGE_GENERATE] = &c->gen.base;
	c->stages[STAGE_FILTER] = &c->filter.base;
	c->stages[STAGE_NORMALIZE] = &c->norm.base;
	c->stages[STAGE_FEATURES] = &c->feat.base;
	for (int id = 0; id < STAGE_COUNT; id++)
		mprof_stage_init(&c->stages[id]->m, stage_names[id]);
	for (unsigned i = 0; i < SOURCE_SENSORS; i++)
		c->checksum[i] = FOLD_SEED ^ i;
	return c;
}

void chain_free(struct chain *c)
{
	if (c == NULL)
		return;
	cache_free(c->norm.cache);
	free(c->batch.rec);
	free(c);
}

void chain_drain(void *chain)
{
	struct chain *c = chain;
	struct stage *last = c->stages[STAGE_COUNT - 1];
	size_t n;

	while ((n = last->next(last, &c->batch)) > 0) {
		for (size_t i = 0; i < n; i++) {
			const struct record *r = &c->batch.rec[i];
			uint64_t h = c->checksum[r->sensor];

			h = fold(h, r->seq);
			h = fold(h, (uint64_t)r->raw);
			h = fold(h, (uint64_t)r->value);
			for (int k = 0; k < RECORD_FEATURES; k++)
				h = fold(h, (uint64_t)r->feat[k]);
			c->checksum[r->sensor] = h;
			c->count[r->sensor]++;
		}
		c->received += n;
	}
}

const struct mprof_stage *chain_stage(const struct chain *c, enum stage_id id)
{
	return &c->stages[id]->m;
}

void chain_counts(const struct chain *c, struct chain_counts *out)
{
	out->generated = c->gen.src.generated;
	out->kept = c->filter.kept;
	out->dropped = c->filter.dropped;
	out->features = c->received;
}

void chain_cache_stats(const struct chain *c, struct cache_stats *st)
{
	cache_stats(c->norm.cache, st);
}

bool chain_sensor(const struct chain *c, unsigned sensor, uint64_t *checksum, uint64_t *count)
{
	if (sensor >= SOURCE_SENSORS || sensor % c->nshards != c->shard)
		return false;
	*checksum = c->checksum[sensor];
	*count = c->count[sensor];
	return true;
}

/* --------------------------------------------------------------- metrics */

void stage_total_add(struct stage_total *t, const struct mprof_stage *s)
{
	struct mprof_stage_metrics m;

	mprof_stage_metrics(s, &m);
	t->records += m.records;
	t->handoffs += m.handoffs;
	t->elapsed_ns += m.elapsed_ns;
	t->self_ns += m.self_ns;
	t->waiting_ns += m.mean_latency_ns * m.handoffs;
	t->throughput_per_s += m.throughput_per_s;
}

double stage_total_latency_ns(const struct stage_total *t)
{
	return t->handoffs ? (double)t->waiting_ns / (double)t->handoffs : 0;
}
