/* SPDX-License-Identifier: MIT */
/*
 * bytes.h - the one spelling of a byte count, shared by the runtime
 * (MPROF_BUFFER_SIZE, MPROF_MAX_SIZE) and the launcher (mprof record
 * --buffer-size, --max-size): a whole number with an optional binary
 * suffix K, M, G or T (either case), as in 4096, 64K, 1M or 2G.
 */
#ifndef MPROF_BYTES_H
#define MPROF_BYTES_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

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

#endif
