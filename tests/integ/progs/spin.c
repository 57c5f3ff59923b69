/*
 * spin.c - a function that busy-waits for a time it measures itself, and
 * calls a tiny child many times in between: the report must give it that
 * self time, with the probe cost of the children's calls taken out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile unsigned long sink;

/* Not instrumented: its time is the spinner's own. */
__attribute__((no_instrument_function)) static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

__attribute__((noipa)) static void child(void)
{
	sink++;
}

__attribute__((noipa)) static long long spinner(int segments, int children, long long seg_ns)
{
	long long spun = 0;

	for (int s = 0; s < segments; s++) {
		long long t0 = now_ns(), t;

		while ((t = now_ns()) - t0 < seg_ns)
			;
		spun += t - t0;
		for (int c = 0; c < children; c++)
			child();
	}
	return spun;
}

int main(int argc, char **argv)
{
	int segments = argc > 1 ? atoi(argv[1]) : 2000;
	int children = argc > 2 ? atoi(argv[2]) : 500;
	long long spun = spinner(segments, children, 50000);

	printf("spinner_spin_ns=%lld child_calls=%lld\n", spun, (long long)segments * children);
	return 0;
}
