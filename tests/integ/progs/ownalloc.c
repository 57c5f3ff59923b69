/*
 * ownalloc.c - a program with an allocator of its own: malloc, calloc,
 * realloc and free defined here (a bump arena), so that a preloaded
 * libmprof sees no allocator call. ownalloc N makes N blocks and prints
 * how many allocations its allocator served, which is the ground truth.
 */
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_SIZE (64u << 20)
#define ALIGN	   16u

static unsigned char arena[ARENA_SIZE] __attribute__((aligned(ALIGN)));
static atomic_size_t used;
static atomic_ulong served;

/* Each block is preceded by its size, in a header of ALIGN bytes. */
void *malloc(size_t size)
{
	size_t need = (size + 2 * ALIGN - 1) & ~(size_t)(ALIGN - 1);
	size_t at = atomic_fetch_add(&used, need);
	unsigned char *p;

	if (at + need > ARENA_SIZE || need < size)
		return NULL;
	p = arena + at;
	memcpy(p, &size, sizeof(size));
	atomic_fetch_add(&served, 1);
	return p + ALIGN;
}

void free(void *p)
{
	(void)p; /* a bump arena gives nothing back */
}

void *calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > (size_t)-1 / size)
		return NULL;
	p = malloc(n * size);
	return p; /* the arena is zero and never reused */
}

void *realloc(void *old, size_t size)
{
	size_t had = 0;
	void *p;

	if (old)
		memcpy(&had, (unsigned char *)old - ALIGN, sizeof(had));
	p = malloc(size);
	if (p && old)
		memcpy(p, old, had < size ? had : size);
	return p;
}

int main(int argc, char **argv)
{
	int i, n = argc > 1 ? atoi(argv[1]) : 100;
	char **v = malloc((size_t)n * sizeof(*v));

	for (i = 0; i < n; i++) {
		v[i] = malloc(32);
		snprintf(v[i], 32, "block %d", i);
	}
	free(v);
	printf("own allocations=%lu\n", (unsigned long)atomic_load(&served));
	return 0;
}
