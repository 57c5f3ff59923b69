/* SPDX-License-Identifier: MIT */
/*
 * cache.c - the calibration cache: a uthash table of entries, each also on
 * a list from oldest to newest (by last use for LRU, by storing for TTL),
 * so both eviction and expiry take the list's head. The list and table
 * helpers are inlined untimed (inline.h): a lookup is one timed call.
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "hash.h"
#include "inline.h"

struct cache_entry {
	uint64_t key;
	struct calib val;
	uint64_t stored_ns; /* TTL: when the value was stored */
	struct cache_entry *older, *newer;
	UT_hash_handle hh;
};

struct cache {
	struct cache_config cfg;
	uint64_t ttl_ns;
	struct cache_entry *table; /* uthash head */
	struct cache_entry *oldest, *newest;
	struct cache_stats st;
};

/* A decimal number with nothing after it, in [min, ULONG_MAX]. */
static int cache_parse_number(const char *s, unsigned long min, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end != '\0' || v < min)
		return -1;
	*out = v;
	return 0;
}

int cache_parse(const char *spec, struct cache_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	if (!strcmp(spec, "none")) {
		cfg->kind = CACHE_NONE;
		return 0;
	}
	if (!strncmp(spec, "lru:", 4)) {
		cfg->kind = CACHE_LRU;
		return cache_parse_number(spec + 4, 1, &cfg->capacity);
	}
	if (!strncmp(spec, "ttl:", 4)) {
		cfg->kind = CACHE_TTL;
		/* kept below 2^64 ns */
		if (cache_parse_number(spec + 4, 1, &cfg->ttl_ms) < 0 ||
		    cfg->ttl_ms > UINT64_MAX / 1000000)
			return -1;
		return 0;
	}
	return -1;
}

void cache_describe(const struct cache_config *cfg, char *buf, unsigned long size)
{
	switch (cfg->kind) {
	case CACHE_LRU:
		snprintf(buf, size, "lru:%lu", cfg->capacity);
		break;
	case CACHE_TTL:
		snprintf(buf, size, "ttl:%lu", cfg->ttl_ms);
		break;
	default:
		snprintf(buf, size, "none");
		break;
	}
}

struct cache *cache_new(const struct cache_config *cfg)
{
	struct cache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->cfg = *cfg;
	c->ttl_ns = (uint64_t)cfg->ttl_ms * 1000000;
	return c;
}

DEMO_INLINE void cache_unlink(struct cache *c, struct cache_entry *e)
{
	if (e->older)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	e->older = e->newer = NULL;
}

DEMO_INLINE void cache_link_newest(struct cache *c, struct cache_entry *e)
{
	e->older = c->newest;
	e->newer = NULL;
	if (c->newest)
		c->newest->newer = e;
	else
		c->oldest = e;
	c->newest = e;
}

/* Take e out of the table and the list; the caller frees or reuses it. */
DEMO_INLINE void cache_remove(struct cache *c, struct cache_entry *e)
{
	HASH_DEL(c->table, e);
	cache_unlink(c, e);
	c->st.entries--;
}

DEMO_INLINE void cache_release_entry(struct cache *c, struct cache_entry *e)
{
	c->st.bytes -= malloc_usable_size(e);
	free(e);
}

/* Drop the entries stored ttl or longer ago: they are at the list's head. */
DEMO_INLINE void cache_expire(struct cache *c, uint64_t now_ns)
{
	while (c->oldest && now_ns - c->oldest->stored_ns >= c->ttl_ns) {
		struct cache_entry *e = c->oldest;

		cache_remove(c, e);
		cache_release_entry(c, e);
		c->st.expired++;
	}
}

bool cache_timed(const struct cache *c)
{
	return c->cfg.kind == CACHE_TTL;
}

bool cache_get(struct cache *c, uint64_t key, uint64_t now_ns, struct calib *out)
{
	struct cache_entry *e;

	if (c->cfg.kind == CACHE_NONE) {
		c->st.misses++;
		return false;
	}
	if (c->cfg.kind == CACHE_TTL)
		cache_expire(c, now_ns);
	HASH_FIND(hh, c->table, &key, sizeof(key), e);
	if (e == NULL) {
		c->st.misses++;
		return false;
	}
	if (c->cfg.kind == CACHE_LRU && e != c->newest) {
		cache_unlink(c, e);
		cache_link_newest(c, e);
	}
	c->st.hits++;
	*out = e->val;
	return true;
}

void cache_put(struct cache *c, uint64_t key, uint64_t now_ns, const struct calib *val)
{
	struct cache_entry *e, *found;

	if (c->cfg.kind == CACHE_NONE)
		return;
	if (c->cfg.kind == CACHE_LRU && c->st.entries >= c->cfg.capacity) {
		/* full: the least recently used entry makes room */
		e = c->oldest;
		cache_remove(c, e);
		c->st.evictions++;
	} else {
		e = malloc(sizeof(*e));
		if (e == NULL) {
			c->st.failed++;
			return;
		}
		c->st.bytes += malloc_usable_size(e);
	}
	memset(e, 0, sizeof(*e));
	e->key = key;
	e->val = *val;
	e->stored_ns = now_ns;
	HASH_ADD(hh, c->table, key, sizeof(e->key), e);
	/* Was it added? hash_oom_take()'s flag is shared by the threads of
	 * this file, and every worker's cache is busy at once: ask the
	 * table itself. */
	HASH_FIND(hh, c->table, &key, sizeof(key), found);
	if (found != e) {
		cache_release_entry(c, e);
		c->st.failed++;
		return;
	}
	cache_link_newest(c, e);
	c->st.entries++;
	if (c->st.entries > c->st.peak_entries)
		c->st.peak_entries = c->st.entries;
	if (c->st.bytes > c->st.peak_bytes)
		c->st.peak_bytes = c->st.bytes;
}

/* The table's own blocks: its header and bucket array. */
static unsigned long long cache_table_bytes(const struct cache *c)
{
	if (c->table == NULL)
		return 0;
	return malloc_usable_size(c->table->hh.tbl) + malloc_usable_size(c->table->hh.tbl->buckets);
}

void cache_stats(const struct cache *c, struct cache_stats *st)
{
	*st = c->st;
	st->bytes += cache_table_bytes(c);
	st->peak_bytes += cache_table_bytes(c);
}

void cache_free(struct cache *c)
{
	struct cache_entry *e, *next;

	if (c == NULL)
		return;
	HASH_CLEAR(hh, c->table);
	for (e = c->oldest; e; e = next) {
		next = e->newer;
		free(e);
	}
	free(c);
}
