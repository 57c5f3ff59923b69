/* SPDX-License-Identifier: MIT */
/*
 * clock.h - the event clock of the recording runtime.
 *
 * clock_ticks() is what every event reads: rdtsc where the time-stamp counter
 * is invariant (constant rate, never stopped), CLOCK_MONOTONIC nanoseconds
 * elsewhere. The trace stores simultaneous (ticks, ns) readings so the reader
 * converts ticks to time; clock_point() takes one.
 */
#ifndef MPROF_CLOCK_H
#define MPROF_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "compiler.h"
#include "trace_format.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define CLOCK_HAVE_TSC 1
#else
#define CLOCK_HAVE_TSC 0
#endif

extern bool clock_tsc; /* events read the TSC (else CLOCK_MONOTONIC) */

NOINSTR static inline uint64_t clock_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CLOCK_MONOTONIC, out of line: keeps the hooks' fast paths free of calls. */
uint64_t clock_mono_ns_call(void);

NOINSTR static inline uint64_t clock_ticks(void)
{
#if CLOCK_HAVE_TSC
	if (likely(clock_tsc))
		return __rdtsc();
#endif
	return clock_mono_ns_call();
}

/*
 * Choose the clock: `forced` is 0 (auto) or an enum trace_clock_source from
 * MPROF_CLOCK. Returns the source chosen. TSC is used only when the CPU says
 * it is invariant or the kernel itself uses it as its clocksource.
 */
enum trace_clock_source clock_init(int forced);

/* Simultaneous reading of ticks and CLOCK_MONOTONIC (the tighter of a few tries). */
void clock_point(struct trace_clock_point *p);

/* Busy-wait about `ns` nanoseconds, then take a point: the second calibration
 * reading after `start`. */
void clock_calibrate(const struct trace_clock_point *start, uint64_t ns,
		     struct trace_clock_point *out);

/* Is the TSC invariant on this CPU? (cpuid 0x80000007 EDX bit 8) */
bool clock_tsc_invariant(void);

#endif
