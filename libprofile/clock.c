/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

#if CLOCK_HAVE_TSC
#include <cpuid.h>
#endif

bool clock_tsc; /* set once by clock_init, before any event */

NOINSTR NOINLINE uint64_t clock_mono_ns_call(void)
{
	return clock_mono_ns();
}

NOINSTR bool clock_tsc_invariant(void)
{
#if CLOCK_HAVE_TSC
	unsigned a, b, c, d;

	if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u)
		return false;
	__cpuid(0x80000007u, a, b, c, d);
	return (d >> 8) & 1;
#else
	return false;
#endif
}

/* Does the kernel keep time with the TSC? Then it trusts it, and so do we. */
NOINSTR static bool clock_kernel_uses_tsc(void)
{
	char buf[32];
	ssize_t n;
	int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		      O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return !strncmp(buf, "tsc", 3);
}

NOINSTR enum trace_clock_source clock_init(int forced)
{
	bool usable = CLOCK_HAVE_TSC && (clock_tsc_invariant() || clock_kernel_uses_tsc());

	if (forced == TRACE_CLOCK_TSC && !usable)
		log_warn("MPROF_CLOCK='tsc': the time-stamp counter is not invariant here; using "
			 "monotonic");
	if (forced == TRACE_CLOCK_MONOTONIC)
		usable = false;
	clock_tsc = usable;
	return usable ? TRACE_CLOCK_TSC : TRACE_CLOCK_MONOTONIC;
}

NOINSTR void clock_point(struct trace_clock_point *p)
{
	uint64_t best = ~0ull;

	/* Bracket a CLOCK_MONOTONIC read between two tick reads and keep the
	 * tightest bracket: its midpoint pairs with the ns value. */
	for (int i = 0; i < 5; i++) {
		uint64_t t0 = clock_ticks();
		uint64_t ns = clock_mono_ns();
		uint64_t t1 = clock_ticks();

		if (t1 - t0 < best) {
			best = t1 - t0;
			p->ticks = t0 + (t1 - t0) / 2;
			p->ns = ns;
		}
	}
}

NOINSTR void clock_calibrate(const struct trace_clock_point *start, uint64_t ns,
			     struct trace_clock_point *out)
{
	while (clock_mono_ns() - start->ns < ns)
		;
	clock_point(out);
}
