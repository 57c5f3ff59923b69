/* SPDX-License-Identifier: MIT */
/*
 * env.h - the runtime's configuration, read once from MPROF_* variables.
 *
 * Every variable is read with secure_getenv (setuid programs ignore them).
 * A bad value gets one warning line and the default; nothing here fails.
 * See libmprof(3) for the meaning of each variable.
 */
#ifndef MPROF_ENV_H
#define MPROF_ENV_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "bytes.h"

/* MPROF_MAX_SIZE=auto (env_config.max_size), and the smallest cap. */
#define ENV_MAX_SIZE_AUTO BYTES_MAX_SIZE_AUTO
#define ENV_MAX_SIZE_MIN  BYTES_MAX_SIZE_MIN

/* MPROF_OFFCPU (env_config.offcpu). */
enum env_offcpu {
	ENV_OFFCPU_AUTO = 0, /* record switches unless a seccomp filter is on */
	ENV_OFFCPU_OFF = 1,  /* 0: never */
	ENV_OFFCPU_ON = 2,   /* 1: try, whatever filter, and warn if refused */
};

/* The deepest MPROF_MAX_DEPTH (written frames). */
#define ENV_MAX_DEPTH_MAX 1000000u

struct env_config {
	char output[PATH_MAX];	     /* MPROF_OUTPUT template, before %p expansion */
	bool calls;		     /* MPROF_EVENTS includes calls */
	bool alloc;		     /* MPROF_EVENTS includes alloc */
	bool stages;		     /* MPROF_EVENTS includes stages */
	bool disabled;		     /* MPROF_DISABLE=1 */
	bool calibrate;		     /* MPROF_CALIBRATE */
	int clock;		     /* MPROF_CLOCK: 0 = auto, else enum trace_clock_source */
	uint32_t chunk_size;	     /* MPROF_BUFFER_SIZE */
	uint64_t max_size;	     /* MPROF_MAX_SIZE: bytes, 0: none, ENV_MAX_SIZE_AUTO */
	unsigned stack_depth;	     /* MPROF_STACK_DEPTH */
	int snapshot_signal;	     /* MPROF_SNAPSHOT_SIGNAL, 0: none */
	uint64_t snapshot_period_ms; /* MPROF_SNAPSHOT_PERIOD, 0: none */
	const char *include;	     /* MPROF_INCLUDE (the environment's string), or NULL */
	const char *exclude;	     /* MPROF_EXCLUDE, or NULL */
	uint32_t max_depth;	     /* MPROF_MAX_DEPTH, 0: no limit */
	uint64_t min_duration_ns;    /* MPROF_MIN_DURATION, 0: none */
	int offcpu;		     /* MPROF_OFFCPU: enum env_offcpu */
};

void env_read(struct env_config *cfg);

/* Exposed for the unit tests: parse one value as the variable `name` would
 * be. They return 0 and set *out, or -1 after warning. */
int env_parse_bool(const char *name, const char *val, bool *out);
int env_parse_size(const char *name, const char *val, uint64_t min, uint64_t max, uint64_t *out);
int env_parse_events(const char *name, const char *val, bool *calls, bool *alloc, bool *stages);
int env_parse_max_size(const char *name, const char *val, uint64_t *out);
int env_parse_uint(const char *name, const char *val, uint64_t min, uint64_t max, uint64_t *out);
int env_parse_signal(const char *name, const char *val, int *out);
int env_parse_duration(const char *name, const char *val, uint64_t *out);
int env_parse_offcpu(const char *name, const char *val, int *out);

#endif
