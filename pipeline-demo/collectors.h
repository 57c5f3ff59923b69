/* SPDX-License-Identifier: MIT */
/*
 * collectors.h - two metrics collectors that keep the same five figures of
 * the values they observe (count, sum, min, max, last), stored two ways:
 *
 *  - struct collector_dict keeps them as named fields in a per-instance
 *    hash map (uthash): any field can be added at run time, as in an
 *    object with a __dict__;
 *  - struct collector_slots keeps them in a fixed struct: the __slots__ way.
 *
 * A collector_set makes N of each, marking the trace with a snapshot before,
 * between and after, so `mprof-report --diff` compares their memory:
 *
 *	collectors:start -> collectors:dict -> collectors:slots
 *
 * Every collector is a heap block of its own (a dict collector also owns
 * its fields and its table); the set owns them all until
 * collector_set_release().
 */
#ifndef DEMO_COLLECTORS_H
#define DEMO_COLLECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct collector_dict;

struct collector_slots {
	int64_t count, sum, min, max, last;
};

/* NULL if out of memory. */
struct collector_dict *collector_dict_new(void);
/* Observe v. Returns 0, or -1 if a field could not be added (no memory). */
int collector_dict_observe(struct collector_dict *c, int64_t v);
/* The named field's value in *out; false if the collector has no such
 * field. */
bool collector_dict_get(const struct collector_dict *c, const char *name, int64_t *out);
/* Heap bytes the collector holds: its usable block sizes. */
size_t collector_dict_bytes(const struct collector_dict *c);
void collector_dict_free(struct collector_dict *c);

struct collector_slots *collector_slots_new(void);
void collector_slots_observe(struct collector_slots *c, int64_t v);
size_t collector_slots_bytes(const struct collector_slots *c);
void collector_slots_free(struct collector_slots *c);

struct collector_set {
	struct collector_dict **dict;
	struct collector_slots **slots;
	size_t ndict, nslots;
};

/* What collector_set_fill() measured. */
struct collector_report {
	size_t n;	      /* collectors of each kind */
	size_t dict_bytes;    /* usable heap bytes of all dict collectors */
	size_t slots_bytes;   /* same, slots collectors */
	long long dict_heap;  /* the heap's growth while making them */
	long long slots_heap; /* (malloc's own view, headers included) */
	bool same;	      /* both kinds hold the same figures */
};

/* Make n collectors of each kind, each observing the same values, between
 * the three snapshots. Returns 0, or -1 if out of memory (what was made
 * stays in the set). The set must be empty (zeroed or released). */
int collector_set_fill(struct collector_set *set, size_t n, struct collector_report *rep);
/* Free every collector of the set and empty it. */
void collector_set_release(struct collector_set *set);

#endif
