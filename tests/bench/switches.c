/*
 * switches.c - the context-switch benchmark workload: two threads hand a
 * token back and forth N times through a condition variable, each taking
 * it in a small function that is never inlined, so every hand-off is two
 * context switches and a few calls. It prints the hand-offs it made (the
 * bench divides by them).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define NOIPA __attribute__((noipa))

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long turn, rounds;

/* Wait for the token to be `me`'s, then pass it on. */
NOIPA static void take(long me)
{
	pthread_mutex_lock(&lock);
	while (turn != me)
		pthread_cond_wait(&cond, &lock);
	turn = !me;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
}

NOIPA static void *player(void *arg)
{
	long me = (long)arg;

	for (long i = 0; i < rounds; i++)
		take(me);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[2];

	rounds = argc > 1 ? atol(argv[1]) : 20000;
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, player, (void *)i);
	for (long i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("handoffs=%ld\n", 2 * rounds);
	return 0;
}
