/* threads.c - N threads; thread i calls leaf() (i + 1) * K times. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static int K = 1000;
static volatile unsigned long sink;

__attribute__((noipa)) static void leaf(int i)
{
	sink += (unsigned long)i;
}

__attribute__((noipa)) static void *worker(void *arg)
{
	int i = (int)(long)arg;

	for (int j = 0; j < (i + 1) * K; j++)
		leaf(i);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;
	pthread_t th[256];
	long total = 0;

	if (n > 256)
		n = 256;
	for (int i = 0; i < n; i++)
		pthread_create(&th[i], NULL, worker, (void *)(long)i);
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		total += (long)(i + 1) * K;
	}
	printf("threads=%d leaf_calls=%ld\n", n, total);
	return 0;
}
