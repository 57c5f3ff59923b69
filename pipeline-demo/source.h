/* SPDX-License-Identifier: MIT */
/*
 * source.h - the demo's sensor records and where they come from: a
 * deterministic generator and the sensors' calibration tables.
 *
 * The stream has `records` readings, numbered 0, 1, 2, ...; reading i comes
 * from sensor i % SOURCE_SENSORS and is that sensor's reading number
 * i / SOURCE_SENSORS. Each sensor's value is a random walk in milli-units
 * (fixed point: everything downstream is integer-exact), with an occasional
 * glitch the filter stage drops. Everything about reading i depends on i
 * and on the sensor's earlier readings only, so a shard of the sensors can
 * be generated on its own, in any thread, with the same result.
 *
 * Nothing here allocates: a struct source is filled in place by its owner.
 */
#ifndef DEMO_SOURCE_H
#define DEMO_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "inline.h"

#define SOURCE_SENSORS 64

/* A valid reading lies in [SOURCE_VALID_MIN, SOURCE_VALID_MAX] milli-units;
 * glitches read far outside it. */
#define SOURCE_VALID_MIN (-50000)
#define SOURCE_VALID_MAX 150000

/* Calibration tables are per sensor and per range of SOURCE_BUCKET_MILLI. */
#define SOURCE_BUCKET_MILLI 1000

#define RECORD_FEATURES 9

/* One reading as it flows down the pipeline; every stage fills in more. */
struct record {
	uint32_t sensor;
	uint32_t seq;		       /* the sensor's reading number */
	int64_t raw;		       /* as read (generate) */
	int64_t value;		       /* calibrated (normalize) */
	int64_t feat[RECORD_FEATURES]; /* over the sensor's window (features) */
};

/* A sensor's calibration for one range of raw values. */
struct calib {
	int64_t offset; /* milli-units subtracted first */
	int64_t gain;	/* then scaled by gain / 1000 */
};

/* The generator of one shard: the sensors s with s % nshards == shard. */
struct source {
	uint64_t records;		/* readings in the whole stream */
	uint64_t row;			/* SOURCE_SENSORS * the current round */
	uint64_t generated;		/* readings handed out so far */
	unsigned k;			/* next sensor of the shard in the round */
	unsigned nsensors;		/* sensors in the shard */
	uint8_t sensor[SOURCE_SENSORS]; /* the shard's sensors, ascending */
	int64_t walk[SOURCE_SENSORS];	/* each sensor's current level */
};

/* Set up the generator of shard `shard` of `nshards` (1 <= nshards <=
 * SOURCE_SENSORS) over a stream of `records` readings. */
void source_init(struct source *src, uint64_t records, unsigned shard, unsigned nshards);

/* Fill up to `max` records with the shard's next readings, in stream order;
 * returns how many (0: the shard is exhausted). Sets sensor, seq and raw. */
size_t source_fill(struct source *src, struct record *out, size_t max);

/* True if a raw reading is a real one, not a glitch. */
DEMO_INLINE int source_valid(int64_t raw)
{
	return raw >= SOURCE_VALID_MIN && raw <= SOURCE_VALID_MAX;
}

/* The calibration-table key of a valid raw reading of `sensor`. */
DEMO_INLINE uint64_t source_calib_key(unsigned sensor, int64_t raw)
{
	return (uint64_t)sensor << 32 | (uint64_t)((raw - SOURCE_VALID_MIN) / SOURCE_BUCKET_MILLI);
}

/* Read the calibration of a key from the sensor's table: deliberately
 * slow, like a read from the device (a few hundred nanoseconds), which is
 * why the normalize stage caches it. Always the same answer for a key. */
void source_calibration(uint64_t key, struct calib *out);

/* A 64-bit mixing function (a bijection), for deterministic pseudo-random
 * values anywhere in the demo. */
uint64_t source_hash(uint64_t x);

#endif
