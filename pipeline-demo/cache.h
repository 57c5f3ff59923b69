/* SPDX-License-Identifier: MIT */
/*
 * cache.h - the calibration cache of the normalize stage: none, an LRU of
 * at most N entries, or entries that expire after a time to live.
 *
 * A cache is used by one thread (each worker has its own). Its entries are
 * heap blocks of their own in a uthash table, so the memory report shows
 * what the cache costs; cache_free() releases them all. A miss is counted
 * by cache_get(); the caller then reads the value itself and offers it with
 * cache_put(). Running out of memory only makes the cache forget: it never
 * fails the pipeline.
 */
#ifndef DEMO_CACHE_H
#define DEMO_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "source.h"

enum cache_kind {
	CACHE_NONE,
	CACHE_LRU,
	CACHE_TTL,
};

struct cache_config {
	enum cache_kind kind;
	unsigned long capacity; /* CACHE_LRU: most entries kept */
	unsigned long ttl_ms;	/* CACHE_TTL: how long an entry is good */
};

struct cache_stats {
	unsigned long long hits, misses;
	unsigned long long evictions; /* LRU: entries pushed out */
	unsigned long long expired;   /* TTL: entries timed out */
	unsigned long long failed;    /* entries not stored for lack of memory */
	unsigned long entries;	      /* held now */
	unsigned long peak_entries;
	unsigned long long bytes; /* heap bytes held now (usable sizes) */
	unsigned long long peak_bytes;
};

struct cache;

/* Parse "none", "lru:N" (N >= 1) or "ttl:MS" (MS >= 1). Returns 0, or -1 if
 * `spec` is none of these. */
int cache_parse(const char *spec, struct cache_config *cfg);

/* Write cfg's spec (as cache_parse reads it) into buf. */
void cache_describe(const struct cache_config *cfg, char *buf, unsigned long size);

/* A new empty cache (its own heap block), or NULL if out of memory. */
struct cache *cache_new(const struct cache_config *cfg);
/* Release the cache and every entry. NULL is fine. */
void cache_free(struct cache *c);

/* Look `key` up at time `now_ns` (CLOCK_MONOTONIC; only CACHE_TTL reads
 * it). On a hit, store the value in *out and return true. */
bool cache_get(struct cache *c, uint64_t key, uint64_t now_ns, struct calib *out);
/* Store the value of a key that cache_get() just missed. */
void cache_put(struct cache *c, uint64_t key, uint64_t now_ns, const struct calib *val);

/* True if cache_get() wants the time. */
bool cache_timed(const struct cache *c);

void cache_stats(const struct cache *c, struct cache_stats *st);

#endif
