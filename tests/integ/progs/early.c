/* early.c - a library whose constructor allocates: preloaded before or
 * after libmprof, its allocation is recorded either way (the runtime
 * starts at the first allocation if its own constructor has not run). */
#include <stdlib.h>

void *early_lib_block;
const int early_lib_size = 4321; /* what the constructor allocates, for the tests */

__attribute__((noinline)) static void *early_site(void)
{
	void *p = malloc((size_t)early_lib_size);

	__asm__ volatile("" ::: "memory"); /* no tail call: this is the site */
	return p;
}

__attribute__((constructor)) static void early_ctor(void)
{
	early_lib_block = early_site();
}
