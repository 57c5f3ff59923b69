/*
 * offcpu.c - threads that wait while another works, for the off-CPU tests.
 *
 *   offcpu pool      main computes (a fixed amount of work in compute());
 *                    a waiter thread blocks on a condition variable in
 *                    waiter() until main is done, a sleeper thread sleeps
 *                    in sleeper() (nanosleep, 20 times 1 ms); each in a
 *                    stage of its name too
 *   offcpu fork      the same in a fork child, the parent waiting for it
 *   offcpu churn N   N threads one after another, each sleeping in napper()
 *
 * It prints what it did and, as ground truth that depends on no speed, the
 * wall time around each waiting call as the caller measured it: any time
 * the profiler gives the call lies within it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mprof.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int done;
static volatile unsigned long sink;
static struct mprof_stage st_compute, st_wait, st_sleep;
static long long waiter_wall, sleeper_wall;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

__attribute__((noipa)) static void compute(long n)
{
	mprof_stage_begin(&st_compute);
	for (long i = 0; i < n; i++)
		sink += (unsigned long)i * 7;
	mprof_stage_end(&st_compute, 1);
}

__attribute__((noipa)) static void waiter(void)
{
	mprof_stage_begin(&st_wait);
	pthread_mutex_lock(&lock);
	while (!done)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	mprof_stage_end(&st_wait, 1);
}

__attribute__((noipa)) static void sleeper(void)
{
	struct timespec ms = { 0, 1000000 };

	mprof_stage_begin(&st_sleep);
	for (int i = 0; i < 20; i++)
		nanosleep(&ms, NULL);
	mprof_stage_end(&st_sleep, 1);
}

__attribute__((noipa)) static void *waiter_main(void *arg)
{
	long long t0 = now_ns();

	waiter();
	waiter_wall = now_ns() - t0;
	return arg;
}

__attribute__((noipa)) static void *sleeper_main(void *arg)
{
	long long t0 = now_ns();

	sleeper();
	sleeper_wall = now_ns() - t0;
	return arg;
}

static int pool(void)
{
	pthread_t w, s;

	mprof_stage_init(&st_compute, "compute");
	mprof_stage_init(&st_wait, "wait");
	mprof_stage_init(&st_sleep, "sleep");
	pthread_create(&w, NULL, waiter_main, NULL);
	pthread_create(&s, NULL, sleeper_main, NULL);
	compute(300000000);
	pthread_mutex_lock(&lock);
	done = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(w, NULL);
	pthread_join(s, NULL);
	printf("pid=%d compute_iterations=300000000 waiter_wall_ns=%lld sleeper_wall_ns=%lld\n",
	       (int)getpid(), waiter_wall, sleeper_wall);
	return 0;
}

__attribute__((noipa)) static void napper(void)
{
	usleep(200);
	for (int i = 0; i < 100000; i++)
		sink += (unsigned long)i;
}

static void *napper_main(void *arg)
{
	napper();
	return arg;
}

static int churn(int n)
{
	for (int i = 0; i < n; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, napper_main, NULL) != 0)
			return 1;
		pthread_join(t, NULL);
	}
	printf("threads=%d\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "pool";
	int status;
	pid_t pid;

	if (!strcmp(mode, "pool"))
		return pool();
	if (!strcmp(mode, "churn"))
		return churn(argc > 2 ? atoi(argv[2]) : 100);
	if (strcmp(mode, "fork"))
		return 2;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		status = pool();
		fflush(stdout);
		_exit(status);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 1;
	printf("child=%d status=%d\n", (int)pid, WEXITSTATUS(status));
	return WEXITSTATUS(status);
}
