// exceptions.cc - C++ exceptions thrown through 21 instrumented frames and
// caught: the compiler's cleanups call the exit hooks, and the counts stay
// exact (deep: 21 calls per throw, one outermost).
#include <cstdio>
#include <stdexcept>

static int thrown, caught;

__attribute__((noipa)) static void deep(int n)
{
	if (n == 0) {
		thrown++;
		throw std::runtime_error("unwound");
	}
	deep(n - 1);
}

__attribute__((noipa)) static void catcher(int n)
{
	try {
		deep(n);
	} catch (const std::exception &) {
		caught++;
	}
}

int main()
{
	for (int i = 0; i < 100; i++)
		catcher(20);
	std::printf("thrown=%d caught=%d deep_calls=%d\n", thrown, caught, thrown * 21);
	return 0;
}
