/* fib.c - recursion with a known call count: fib(n) counts its own calls. */
#include <stdio.h>
#include <stdlib.h>

static unsigned long fib_calls;

__attribute__((noipa)) static unsigned long fib(int n)
{
	fib_calls++;
	return n < 2 ? (unsigned long)n : fib(n - 1) + fib(n - 2);
}

__attribute__((noipa)) static int odd(int n);

/* Mutual recursion: even(n) and odd(n) alternate down to zero. */
__attribute__((noipa)) static int even(int n)
{
	return n == 0 ? 1 : odd(n - 1);
}

__attribute__((noipa)) static int odd(int n)
{
	return n == 0 ? 0 : even(n - 1);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 25;
	int m = argc > 2 ? atoi(argv[2]) : 100;
	unsigned long r = fib(n);

	printf("fib(%d)=%lu fib_calls=%lu even(%d)=%d\n", n, r, fib_calls, m, even(m));
	return 0;
}
