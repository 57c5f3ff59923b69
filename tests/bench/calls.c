/*
 * calls.c - the call-heavy benchmark workload: small functions that are never
 * inlined, a call tree a few levels deep, millions of calls. It prints the
 * number of calls it made (the bench divides by it) and a checksum.
 */
#include <stdio.h>
#include <stdlib.h>

#define NOIPA __attribute__((noipa))

static unsigned long calls;

NOIPA static unsigned long leaf_a(unsigned long x)
{
	calls++;
	return x * 2654435761u;
}

NOIPA static unsigned long leaf_b(unsigned long x)
{
	calls++;
	return x ^ (x >> 13);
}

NOIPA static unsigned long mid(unsigned long x)
{
	calls++;
	return leaf_a(x) + leaf_b(x);
}

NOIPA static unsigned long top(unsigned long x)
{
	calls++;
	return mid(x) ^ mid(x + 1);
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	unsigned long sum = 0;

	for (unsigned long i = 0; i < n; i++)
		sum += top(i);
	/* main itself is one call more */
	printf("calls=%lu checksum=%lu\n", calls + 1, sum);
	return 0;
}
