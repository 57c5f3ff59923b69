/* SPDX-License-Identifier: MIT */
/*
 * source.c - the deterministic sensor readings and calibration tables.
 */
#include <string.h>

#include "source.h"

/* The random walk: each sensor starts at its own level and moves by at most
 * WALK_STEP milli-units a reading, reflected at the walk's bounds. */
#define WALK_START    10000
#define WALK_SPACING  1500
#define WALK_STEP     300
#define WALK_MIN      (-40000)
#define WALK_MAX      140000
#define READING_NOISE 50
/* Glitches per GLITCH_SCALE readings, and what a glitch reads. */
#define GLITCH_RATE    25
#define GLITCH_SCALE   1000
#define GLITCH_READING 1000000000

/* Dependent mixing rounds of one calibration read. */
#define CALIB_ROUNDS 160

/* splitmix64's finalizer: a bijection that scatters every input bit. */
DEMO_INLINE uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

uint64_t source_hash(uint64_t x)
{
	return mix(x);
}

void source_init(struct source *src, uint64_t records, unsigned shard, unsigned nshards)
{
	memset(src, 0, sizeof(*src));
	src->records = records;
	for (unsigned s = shard; s < SOURCE_SENSORS; s += nshards)
		src->sensor[src->nsensors++] = (uint8_t)s;
	for (unsigned s = 0; s < SOURCE_SENSORS; s++)
		src->walk[s] = WALK_START + (int64_t)s * WALK_SPACING;
}

/* Reading i, of sensor s: the walk moves, then the reading is the level
 * plus noise, or a glitch. */
DEMO_INLINE void source_read(struct source *src, unsigned s, uint64_t i, struct record *r)
{
	uint64_t h = mix(i + 0x9e3779b97f4a7c15ull);
	int64_t level = src->walk[s] + (int64_t)(h % (2 * WALK_STEP + 1)) - WALK_STEP;

	if (level > WALK_MAX)
		level = 2 * WALK_MAX - level;
	else if (level < WALK_MIN)
		level = 2 * WALK_MIN - level;
	src->walk[s] = level;
	r->sensor = s;
	r->seq = (uint32_t)(i / SOURCE_SENSORS);
	if ((h >> 24) % GLITCH_SCALE < GLITCH_RATE)
		r->raw = (h >> 40) & 1 ? GLITCH_READING : -GLITCH_READING;
	else
		r->raw = level + (int64_t)((h >> 44) % (2 * READING_NOISE + 1)) - READING_NOISE;
	r->value = 0;
	memset(r->feat, 0, sizeof(r->feat));
}

size_t source_fill(struct source *src, struct record *out, size_t max)
{
	size_t n = 0;

	while (n < max && src->row < src->records) {
		uint64_t i = src->row + src->sensor[src->k];

		if (i >= src->records) {
			/* the rest of this round, and every later one, is past
			 * the end */
			src->row = src->records;
			break;
		}
		source_read(src, src->sensor[src->k], i, &out[n++]);
		if (++src->k == src->nsensors) {
			src->k = 0;
			src->row += SOURCE_SENSORS;
		}
	}
	src->generated += n;
	return n;
}

void source_calibration(uint64_t key, struct calib *out)
{
	uint64_t h = key;

	/* Each round depends on the last: the cost cannot be overlapped. */
	for (unsigned i = 0; i < CALIB_ROUNDS; i++)
		h = mix(h + i);
	out->offset = (int64_t)(h % 1001) - 500;
	out->gain = 950 + (int64_t)((h >> 32) % 101);
}
