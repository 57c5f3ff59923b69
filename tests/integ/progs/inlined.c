/* inlined.c - functions GCC inlines at -O2 still call their hooks, from
 * their caller's stack frame: they must count, and nest, as calls. */
#include <stdio.h>
#include <stdlib.h>

static int square(int x)
{
	return x * x;
}

__attribute__((noipa)) static long sum_squares(int n)
{
	long s = 0;

	for (int i = 0; i < n; i++)
		s += square(i);
	return s;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;

	printf("sum=%ld square_calls=%d\n", sum_squares(n), n);
	return 0;
}
