/* SPDX-License-Identifier: MIT */
/*
 * stages.h - the pipeline as a chain of pull iterators:
 *
 *	generate -> filter -> normalize -> features -> (the worker's sink)
 *
 * Each stage is a struct stage with a next() that fills the caller's batch
 * by pulling a batch from its upstream stage and working on it in place,
 * and returns how many records it handed on (0: exhausted). Every next()
 * is wrapped in mprof_stage_begin()/mprof_stage_end(), so each stage has
 * its records, latency and self time measured, with or without a trace.
 *
 * A struct chain is one worker's copy of the whole pipeline over its shard
 * of the sensors: its stages, its batch buffer, its calibration cache, a
 * window per sensor, and what its sink computed (a checksum and a count
 * per sensor). chain_new() allocates it all and chain_free() releases it;
 * the chain belongs to the thread that runs chain_drain() on it meanwhile.
 */
#ifndef DEMO_STAGES_H
#define DEMO_STAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mprof.h>

#include "cache.h"
#include "source.h"

struct batch {
	struct record *rec;
	size_t n;   /* records in it */
	size_t cap; /* records it can hold */
};

struct stage {
	struct mprof_stage m; /* the stage's metrics accumulator */
	struct stage *up;     /* the stage it pulls from; NULL for the source */
	size_t (*next)(struct stage *s, struct batch *out);
};

enum stage_id {
	STAGE_GENERATE,
	STAGE_FILTER,
	STAGE_NORMALIZE,
	STAGE_FEATURES,
	STAGE_COUNT,
};

/* The stages' names, in pipeline order. */
extern const char *const stage_names[STAGE_COUNT];

struct chain_config {
	uint64_t records;	   /* in the whole stream */
	size_t batch;		   /* records per hand-off, >= 1 */
	bool running;		   /* running window sums, not naive */
	struct cache_config cache; /* each chain has a cache of its own */
};

/* What a chain's own code counted (not the stage metrics). */
struct chain_counts {
	uint64_t generated; /* readings the source made */
	uint64_t kept;	    /* passed by the filter */
	uint64_t dropped;   /* glitches the filter dropped */
	uint64_t features;  /* records the sink received */
};

struct chain;

/* The chain of shard `shard` of `nshards` (1 <= nshards <= SOURCE_SENSORS),
 * or NULL if out of memory. */
struct chain *chain_new(const struct chain_config *cfg, unsigned shard, unsigned nshards);
/* Release the chain, its buffer and its cache. NULL is fine. */
void chain_free(struct chain *c);

/* The worker: pull every batch through the chain until it is exhausted,
 * folding each record into its sensor's checksum (a pool_fn). */
void chain_drain(void *chain);

const struct mprof_stage *chain_stage(const struct chain *c, enum stage_id id);
void chain_counts(const struct chain *c, struct chain_counts *out);
/* The cache's figures so far. */
void chain_cache_stats(const struct chain *c, struct cache_stats *st);
/* The checksum of a sensor's records, and how many it had; false if the
 * sensor is not in the chain's shard. */
bool chain_sensor(const struct chain *c, unsigned sensor, uint64_t *checksum, uint64_t *count);

/* The same stage of several workers, merged: records, times and hand-offs
 * summed; the mean latency over all hand-offs; the throughputs summed (the
 * workers run side by side). */
struct stage_total {
	unsigned long long records;
	unsigned long long handoffs;
	unsigned long long elapsed_ns; /* summed over the workers */
	unsigned long long self_ns;    /* summed over the workers */
	unsigned long long waiting_ns; /* summed: latency total */
	double throughput_per_s;       /* summed over the workers */
};

void stage_total_add(struct stage_total *t, const struct mprof_stage *s);
/* Mean latency per hand-off, in nanoseconds (0 without hand-offs). */
double stage_total_latency_ns(const struct stage_total *t);

#endif
