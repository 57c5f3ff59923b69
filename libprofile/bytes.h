/* SPDX-License-Identifier: MIT */
/*
 * bytes.h - the one spelling of a byte count, shared by the runtime
 * (MPROF_BUFFER_SIZE, MPROF_MAX_SIZE) and the launcher (mprof record
 * --buffer-size, --max-size): a whole number with an optional binary
 * suffix K, M, G or T (either case), as in 4096, 64K, 1M or 2G; and of a
 * count (MPROF_STACK_DEPTH, --stack-depth, --repeat...): decimal digits.
 */
#ifndef MPROF_BYTES_H
#define MPROF_BYTES_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trace_format.h"

/* Parse `text` into *out. Returns 0, or -1 (nothing stored) if it is not a
 * byte count or does not fit 64 bits. */
static inline int bytes_parse(const char *text, uint64_t *out)
{
	unsigned long long n;
	unsigned shift = 0;
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	n = strtoull(text, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case 't':
	case 'T':
		shift = 40;
		break;
	case '\0':
		break;
	default:
		return -1;
	}
	if (shift && *++end != '\0')
		return -1;
	if (shift && n > (~0ull >> shift))
		return -1;
	*out = (uint64_t)n << shift;
	return 0;
}

/*
 * The cap on a trace's size (MPROF_MAX_SIZE, mprof record --max-size):
 * auto (BYTES_MAX_SIZE_AUTO), unlimited, none or 0 (0: no cap), or a byte
 * count of at least BYTES_MAX_SIZE_MIN, room for the header page and two
 * of the smallest chunks (the process's and one thread's: less records
 * nothing). Returns 0, or -1 (nothing stored) for anything else.
 */
#define BYTES_MAX_SIZE_AUTO UINT64_MAX
#define BYTES_MAX_SIZE_MIN  (TRACE_HEADER_SIZE + 2 * (uint64_t)TRACE_CHUNK_MIN)

static inline int max_size_parse(const char *text, uint64_t *out)
{
	uint64_t n;

	if (!strcmp(text, "auto")) {
		*out = BYTES_MAX_SIZE_AUTO;
		return 0;
	}
	if (!strcmp(text, "unlimited") || !strcmp(text, "none") || !strcmp(text, "0")) {
		*out = 0;
		return 0;
	}
	if (bytes_parse(text, &n) < 0 || n < BYTES_MAX_SIZE_MIN || n == BYTES_MAX_SIZE_AUTO)
		return -1;
	*out = n;
	return 0;
}

/* Whether `n` is a power of two from min to max (a chunk size). */
static inline int bytes_pow2_in(uint64_t n, uint64_t min, uint64_t max)
{
	return n >= min && n <= max && (n & (n - 1)) == 0;
}

/* A whole number from min to max, in decimal digits alone (no sign, no
 * space). Returns 0 with *out set, or -1 (nothing stored). */
static inline int count_parse(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long n;
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	n = strtoull(text, &end, 10);
	if (*end != '\0' || errno == ERANGE || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

#endif
