/*
 * alloc.c - allocations with a ground truth the program prints itself:
 * alloc MODE [ARGS]. Built plain (run under LD_PRELOAD) and instrumented
 * (the stacks then come from the call hooks' shadow stack).
 *
 *   sites T N     T threads; each makes N small blocks (freed) and N big
 *                 ones (thread 0's are leaked, the others freed)
 *   family        every allocator function, results checked
 *   realloc       realloc's edge cases
 *   snapshot N    N blocks of 65 bytes between snapshots "before" and "after"
 *   stack         a three-deep chain down to malloc
 *   signal        10 blocks, SIGUSR2 (only when MPROF_SNAPSHOT_SIGNAL is
 *                 set: the profiler then handles it), 10 more blocks
 *   period K MS   K times: sleep MS milliseconds, then allocate and free
 *                 a block (each allocation after a sleep longer than
 *                 MPROF_SNAPSHOT_PERIOD takes a period snapshot)
 *
 * Every figure a test checks is printed: counts, bytes, sizes.
 */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mprof.h"

#define NOIPA __attribute__((noipa))

static void *early_block;
enum { EARLY_BYTES = 77 };

/* An allocation before main: counted like any other. */
__attribute__((constructor)) static void early(void)
{
	early_block = malloc(EARLY_BYTES);
}

static int N;

/* Not `return malloc(...)`: a tail call would make the caller the site. */
#define NO_TAIL_CALL() __asm__ volatile("" ::: "memory")

NOIPA static void *site_small(void)
{
	void *p = malloc(32);

	NO_TAIL_CALL();
	return p;
}

NOIPA static void *site_big(int t)
{
	void *p = malloc(1000 + (size_t)t);

	NO_TAIL_CALL();
	return p;
}

static void *sites_thread(void *arg)
{
	int t = (int)(intptr_t)arg;
	void **small = calloc((size_t)N, sizeof(void *));
	void **big = calloc((size_t)N, sizeof(void *));

	for (int i = 0; i < N; i++) {
		small[i] = site_small();
		big[i] = site_big(t);
	}
	for (int i = 0; i < N; i++) {
		free(small[i]);
		if (t != 0)
			free(big[i]);
	}
	free(small);
	free(big);
	return NULL;
}

static int sites(int threads)
{
	pthread_t th[64];
	long big_bytes = 0;

	for (int t = 0; t < threads; t++) {
		pthread_create(&th[t], NULL, sites_thread, (void *)(intptr_t)t);
		big_bytes += (long)N * (1000 + t);
	}
	for (int t = 0; t < threads; t++)
		pthread_join(th[t], NULL);
	printf("site_small allocations=%d bytes=%d leaked_blocks=0\n", threads * N,
	       threads * N * 32);
	printf("site_big allocations=%d bytes=%ld leaked_blocks=%d leaked_bytes=%d\n", threads * N,
	       big_bytes, N, N * 1000);
	return 0;
}

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			printf("check failed: %s (line %d)\n", #cond, __LINE__); \
			return 1;                                                \
		}                                                                \
	} while (0)

NOIPA static int family(void)
{
	void *p = NULL, *q;
	int bytes = 0; /* requested by the successful allocations */

	CHECK(posix_memalign(&p, 64, 100) == 0 && (uintptr_t)p % 64 == 0);
	bytes += 100;
	CHECK(malloc_usable_size(p) >= 100);
	free(p);
	CHECK(posix_memalign(&p, 3, 100) == EINVAL); /* not a power of two: no block */
	q = aligned_alloc(4096, 8192);
	bytes += 8192;
	CHECK(q && (uintptr_t)q % 4096 == 0 && malloc_usable_size(q) >= 8192);
	free(q);
	q = memalign(256, 300);
	bytes += 300;
	CHECK(q && (uintptr_t)q % 256 == 0 && malloc_usable_size(q) >= 300);
	free(q);
	q = valloc(5000);
	bytes += 5000;
	CHECK(q && (uintptr_t)q % 4096 == 0 && malloc_usable_size(q) >= 5000);
	free(q);
	q = pvalloc(100);
	bytes += 100;
	CHECK(q && (uintptr_t)q % 4096 == 0 && malloc_usable_size(q) >= 4096);
	free(q);
	q = calloc(10, 10);
	bytes += 10 * 10;
	CHECK(q && ((char *)q)[99] == 0 && malloc_usable_size(q) >= 100);
	q = reallocarray(q, 20, 10);
	bytes += 20 * 10;
	CHECK(q && malloc_usable_size(q) >= 200);
	errno = 0;
	CHECK(reallocarray(q, SIZE_MAX / 2, 4) == NULL && errno == ENOMEM); /* q stays */
	free(q);
	errno = 0;
	CHECK(malloc(SIZE_MAX - 4096) == NULL && errno == ENOMEM);
	/* Successful: posix_memalign, aligned_alloc, memalign, valloc, pvalloc,
	 * calloc, reallocarray = 7 allocations, 7 frees. */
	printf("family allocations=7 frees=7 bytes=%d ok\n", bytes);
	return 0;
}

NOIPA static int reallocs(void)
{
	char *p = realloc(NULL, 10); /* an allocation */

	CHECK(p);
	memset(p, 'x', 10);
	p = realloc(p, 20000); /* grows: moves */
	CHECK(p && p[9] == 'x');
	p = realloc(p, 5); /* shrinks */
	CHECK(p && p[4] == 'x');
	errno = 0;
	CHECK(realloc(p, SIZE_MAX - 4096) == NULL && errno == ENOMEM && p[0] == 'x'); /* p lives */
	CHECK(realloc(p, 0) == NULL);						      /* frees p */
	/* realloc(NULL,10), realloc(p,20000), realloc(p,5): 3 allocations;
	 * the last two and realloc(p,0) free a block: 3 frees. */
	printf("realloc allocations=3 frees=3 live=0 bytes=%d ok\n", 10 + 20000 + 5);
	return 0;
}

NOIPA static void *snap_site(void)
{
	void *p = malloc(65);

	NO_TAIL_CALL();
	return p;
}

static int snapshot(int n)
{
	void **keep = malloc((size_t)n * sizeof(void *));

	MPROF_SNAPSHOT("before");
	for (int i = 0; i < n; i++)
		keep[i] = snap_site();
	MPROF_SNAPSHOT("after");
	printf("snapshot diff count=%d size=%d\n", n, n * 65);
	for (int i = 0; i < n; i++)
		free(keep[i]);
	free(keep);
	return 0;
}

NOIPA static void *level3(void)
{
	void *p = malloc(4242);

	NO_TAIL_CALL();
	return p;
}

NOIPA static void *level2(void)
{
	void *p = level3();

	NO_TAIL_CALL();
	return p;
}

NOIPA static void *level1(void)
{
	void *p = level2();

	NO_TAIL_CALL();
	return p;
}

NOIPA static void *sig_site(void)
{
	void *p = malloc(100);

	NO_TAIL_CALL();
	return p;
}

static int signal_snapshot(void)
{
	void *keep[20];

	for (int i = 0; i < 10; i++)
		keep[i] = sig_site();
	if (getenv("MPROF_SNAPSHOT_SIGNAL"))
		raise(SIGUSR2);
	for (int i = 10; i < 20; i++)
		keep[i] = sig_site();
	for (int i = 0; i < 20; i++)
		free(keep[i]);
	printf("signal blocks before=10 after=10 size=100\n");
	return 0;
}

static int period(int k, int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	for (int i = 0; i < k; i++) {
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000;
		free(malloc(16));
	}
	printf("period sleeps=%d sleep_ms=%d\n", k, ms);
	return 0;
}

/* The size of the block libearly.so's constructor made, when preloaded. */
static void early_lib(void)
{
	const int *size = dlsym(RTLD_DEFAULT, "early_lib_size");

	if (size)
		printf("early_lib_bytes=%d\n", *size);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "sites";
	int status = 0;

	if (!strcmp(mode, "sites")) {
		N = argc > 3 ? atoi(argv[3]) : 1000;
		status = sites(argc > 2 ? atoi(argv[2]) : 4);
	} else if (!strcmp(mode, "family")) {
		status = family();
	} else if (!strcmp(mode, "realloc")) {
		status = reallocs();
	} else if (!strcmp(mode, "snapshot")) {
		status = snapshot(argc > 2 ? atoi(argv[2]) : 1744);
	} else if (!strcmp(mode, "signal")) {
		status = signal_snapshot();
	} else if (!strcmp(mode, "stack")) {
		free(level1());
		printf("stack level3<-level2<-level1<-main\n");
		early_lib();
	} else if (!strcmp(mode, "period")) {
		status = period(argc > 2 ? atoi(argv[2]) : 10, argc > 3 ? atoi(argv[3]) : 3);
	}
	free(early_block);
	printf("early block of early_bytes=%d allocated before main\n", EARLY_BYTES);
	return status;
}
