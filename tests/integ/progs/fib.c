/*
 * fib.c - recursion with a known call count: fib(n) counts its own calls,
 * even(m) and odd(m) theirs, and each function its calls at each depth
 * below main (1 for main's own callees), as "fib_by_depth=1,2,4,...".
 */
#include <stdio.h>
#include <stdlib.h>

#define MAX_DEPTH 64

static unsigned long fib_calls, even_calls, odd_calls;
static unsigned long fib_at[MAX_DEPTH + 1], even_at[MAX_DEPTH + 1], odd_at[MAX_DEPTH + 1];
static int depth; /* of the current call below main */

/* Count a call at the current depth (the deepest ones together); not
 * instrumented: the program's calls are fib, even, odd and main. */
__attribute__((no_instrument_function)) static void at_depth(unsigned long *at)
{
	at[depth < MAX_DEPTH ? depth : MAX_DEPTH]++;
}

__attribute__((noipa)) static unsigned long fib(int n)
{
	unsigned long r;

	fib_calls++;
	depth++;
	at_depth(fib_at);
	r = n < 2 ? (unsigned long)n : fib(n - 1) + fib(n - 2);
	depth--;
	return r;
}

__attribute__((noipa)) static int odd(int n);

/* Mutual recursion: even(n) and odd(n) alternate down to zero. */
__attribute__((noipa)) static int even(int n)
{
	int r;

	even_calls++;
	depth++;
	at_depth(even_at);
	r = n == 0 ? 1 : odd(n - 1);
	depth--;
	return r;
}

__attribute__((noipa)) static int odd(int n)
{
	int r;

	odd_calls++;
	depth++;
	at_depth(odd_at);
	r = n == 0 ? 0 : even(n - 1);
	depth--;
	return r;
}

__attribute__((no_instrument_function)) static void print_depths(const char *name,
								 const unsigned long *at, int last)
{
	printf(" %s_by_depth=", name);
	for (int d = 1; d <= last; d++)
		printf("%s%lu", d > 1 ? "," : "", at[d]);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 25;
	int m = argc > 2 ? atoi(argv[2]) : 100;
	unsigned long r = fib(n);
	int e = even(m), last = 1;

	printf("fib(%d)=%lu fib_calls=%lu even(%d)=%d even_calls=%lu odd_calls=%lu\n", n, r,
	       fib_calls, m, e, even_calls, odd_calls);
	for (int d = 1; d <= MAX_DEPTH; d++)
		if (fib_at[d] || even_at[d] || odd_at[d])
			last = d;
	printf("depths:");
	print_depths("fib", fib_at, last);
	print_depths("even", even_at, last);
	print_depths("odd", odd_at, last);
	printf("\n");
	return 0;
}
