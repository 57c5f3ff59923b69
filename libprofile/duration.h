/* SPDX-License-Identifier: MIT */
/*
 * duration.h - the one spelling of a duration, shared by the runtime
 * (MPROF_MIN_DURATION), the launcher (mprof record --min-duration) and the
 * reporter (mprof-report --min-duration): a non-negative number and a unit,
 * ns, us, ms or s, as in 500ns, 10us, 2ms or 1.5s.
 */
#ifndef MPROF_DURATION_H
#define MPROF_DURATION_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Parse `text` into *ns. Returns 0, or -1 (nothing stored) if it is not a
 * duration or does not fit 64 bits of nanoseconds. */
static inline int duration_parse(const char *text, uint64_t *ns)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 } };
	double v;
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(end, units[i].unit) && v * units[i].ns < 1.8e19) {
			*ns = (uint64_t)(v * units[i].ns + 0.5);
			return 0;
		}
	}
	return -1;
}

#endif
