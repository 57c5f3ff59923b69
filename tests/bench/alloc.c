/*
 * alloc.c - the allocation-heavy benchmark workload: several threads, mixed
 * sizes, a working set of live blocks, every allocation and free made 10
 * frames deep. Prints the number of allocator events (allocations + frees).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NOIPA	    __attribute__((noipa))
#define WORKING_SET 1024

static long iterations = 200000;

struct worker {
	uint64_t rng;
	void *live[WORKING_SET];
	long events;
};

NOIPA static uint64_t next_random(struct worker *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng;
}

/* One step at the bottom of the stack: replace a random live block. */
NOIPA static void churn(struct worker *w)
{
	uint64_t r = next_random(w);
	unsigned slot = (unsigned)(r % WORKING_SET);
	size_t size = 16u << (r >> 32) % 9; /* 16 B to 4 KiB */

	if (w->live[slot]) {
		free(w->live[slot]);
		w->events++;
	}
	w->live[slot] = malloc(size);
	w->events++;
}

/* Ten frames down before each step (real frames: no tail calls). */
NOIPA static void descend(struct worker *w, int depth)
{
	if (depth == 0)
		churn(w);
	else
		descend(w, depth - 1);
	__asm__ volatile("" ::: "memory");
}

static void *run(void *arg)
{
	struct worker *w = arg;

	for (long i = 0; i < iterations; i++)
		descend(w, 9);
	for (int i = 0; i < WORKING_SET; i++) {
		if (w->live[i]) {
			free(w->live[i]);
			w->events++;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	enum { THREADS = 4 };
	static struct worker workers[THREADS];
	pthread_t th[THREADS];
	long events = 0;

	if (argc > 1)
		iterations = strtol(argv[1], NULL, 10);
	for (int i = 0; i < THREADS; i++) {
		workers[i].rng = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
		pthread_create(&th[i], NULL, run, &workers[i]);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		events += workers[i].events;
	}
	printf("events=%ld\n", events);
	return 0;
}
