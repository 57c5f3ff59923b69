/* SPDX-License-Identifier: MIT */
/*
 * collectors.c - the hash-map collector, the fixed-struct collector, and
 * the set that compares them.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <mprof.h>

#include "collectors.h"
#include "hash.h"
#include "inline.h"
#include "source.h"

/* Values each collector observes. */
#define COLLECTOR_VALUES 2

/* A named field: the name is not copied (the names below are static, like
 * the interned attribute names of an object). */
struct collector_field {
	const char *name;
	int64_t value;
	UT_hash_handle hh;
};

struct collector_dict {
	struct collector_field *fields; /* uthash head */
};

struct collector_dict *collector_dict_new(void)
{
	return calloc(1, sizeof(struct collector_dict));
}

DEMO_INLINE struct collector_field *collector_dict_find(const struct collector_dict *c,
							const char *name)
{
	struct collector_field *f;

	HASH_FIND_STR(c->fields, name, f);
	return f;
}

/* Set a field, adding it on first use. */
static int collector_dict_set(struct collector_dict *c, const char *name, int64_t v)
{
	struct collector_field *f = collector_dict_find(c, name);

	if (f) {
		f->value = v;
		return 0;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -1;
	f->name = name;
	f->value = v;
	HASH_ADD_KEYPTR(hh, c->fields, f->name, strlen(f->name), f);
	if (hash_oom_take()) {
		free(f);
		return -1;
	}
	return 0;
}

bool collector_dict_get(const struct collector_dict *c, const char *name, int64_t *out)
{
	struct collector_field *f = collector_dict_find(c, name);

	if (f == NULL)
		return false;
	*out = f->value;
	return true;
}

int collector_dict_observe(struct collector_dict *c, int64_t v)
{
	int64_t count = 0, sum = 0, min = v, max = v;

	if (collector_dict_get(c, "count", &count) && count > 0) {
		collector_dict_get(c, "sum", &sum);
		collector_dict_get(c, "min", &min);
		collector_dict_get(c, "max", &max);
	}
	if (collector_dict_set(c, "count", count + 1) < 0 ||
	    collector_dict_set(c, "sum", sum + v) < 0 ||
	    collector_dict_set(c, "min", v < min ? v : min) < 0 ||
	    collector_dict_set(c, "max", v > max ? v : max) < 0 ||
	    collector_dict_set(c, "last", v) < 0)
		return -1;
	return 0;
}

size_t collector_dict_bytes(const struct collector_dict *c)
{
	struct collector_field *f, *tmp;
	size_t bytes = malloc_usable_size((void *)c);

	if (c->fields)
		bytes += malloc_usable_size(c->fields->hh.tbl) +
			 malloc_usable_size(c->fields->hh.tbl->buckets);
	HASH_ITER(hh, c->fields, f, tmp)
	{
		bytes += malloc_usable_size(f);
	}
	return bytes;
}

void collector_dict_free(struct collector_dict *c)
{
	struct collector_field *f, *tmp;

	if (c == NULL)
		return;
	HASH_ITER(hh, c->fields, f, tmp)
	{
		HASH_DEL(c->fields, f);
		free(f);
	}
	free(c);
}

struct collector_slots *collector_slots_new(void)
{
	return calloc(1, sizeof(struct collector_slots));
}

void collector_slots_observe(struct collector_slots *c, int64_t v)
{
	if (c->count == 0 || v < c->min)
		c->min = v;
	if (c->count == 0 || v > c->max)
		c->max = v;
	c->count++;
	c->sum += v;
	c->last = v;
}

size_t collector_slots_bytes(const struct collector_slots *c)
{
	return malloc_usable_size((void *)c);
}

void collector_slots_free(struct collector_slots *c)
{
	free(c);
}

/* The j-th value collector i observes. */
static int64_t collector_value(size_t i, unsigned j)
{
	return (int64_t)(source_hash((uint64_t)i * COLLECTOR_VALUES + j) % 200001) - 100000;
}

/* Bytes the heap holds, as malloc sees them (0 if it cannot say). */
static long long collector_heap(void)
{
	return (long long)mallinfo2().uordblks;
}

static bool collector_same(const struct collector_dict *d, const struct collector_slots *s)
{
	int64_t count, sum, min, max, last;

	return collector_dict_get(d, "count", &count) && count == s->count &&
	       collector_dict_get(d, "sum", &sum) && sum == s->sum &&
	       collector_dict_get(d, "min", &min) && min == s->min &&
	       collector_dict_get(d, "max", &max) && max == s->max &&
	       collector_dict_get(d, "last", &last) && last == s->last;
}

int collector_set_fill(struct collector_set *set, size_t n, struct collector_report *rep)
{
	long long heap;

	memset(rep, 0, sizeof(*rep));
	rep->n = n;
	if (n) {
		set->dict = calloc(n, sizeof(*set->dict));
		set->slots = calloc(n, sizeof(*set->slots));
		if (set->dict == NULL || set->slots == NULL)
			return -1;
	}
	MPROF_SNAPSHOT("collectors:start");
	heap = collector_heap();
	while (set->ndict < n) {
		size_t i = set->ndict;
		struct collector_dict *c = collector_dict_new();

		if (c == NULL)
			return -1;
		set->dict[set->ndict++] = c;
		for (unsigned j = 0; j < COLLECTOR_VALUES; j++)
			if (collector_dict_observe(c, collector_value(i, j)) < 0)
				return -1;
	}
	rep->dict_heap = collector_heap() - heap;
	MPROF_SNAPSHOT("collectors:dict");
	heap = collector_heap();
	while (set->nslots < n) {
		size_t i = set->nslots;
		struct collector_slots *c = collector_slots_new();

		if (c == NULL)
			return -1;
		set->slots[set->nslots++] = c;
		for (unsigned j = 0; j < COLLECTOR_VALUES; j++)
			collector_slots_observe(c, collector_value(i, j));
	}
	rep->slots_heap = collector_heap() - heap;
	MPROF_SNAPSHOT("collectors:slots");
	rep->same = true;
	for (size_t i = 0; i < n; i++) {
		rep->dict_bytes += collector_dict_bytes(set->dict[i]);
		rep->slots_bytes += collector_slots_bytes(set->slots[i]);
		if (!collector_same(set->dict[i], set->slots[i]))
			rep->same = false;
	}
	return 0;
}

void collector_set_release(struct collector_set *set)
{
	for (size_t i = 0; i < set->ndict; i++)
		collector_dict_free(set->dict[i]);
	for (size_t i = 0; i < set->nslots; i++)
		collector_slots_free(set->slots[i]);
	free(set->dict);
	free(set->slots);
	memset(set, 0, sizeof(*set));
}
