/*
 * lifecycle.c - ways a process ends or multiplies, each after a known number
 * of calls to work(): lifecycle MODE N, MODE one of return, exit, _exit,
 * abort, kill, fork, exec, longjmp. Every count a test checks is printed
 * first (flushed: the process may die right after).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* leave() and dive() end in exit() and longjmp(): GCC mistakes that for
 * endless recursion. */
#pragma GCC diagnostic ignored "-Winfinite-recursion"

static volatile unsigned long sink;
static jmp_buf env;
static int dives;

__attribute__((noipa)) static void work(void)
{
	sink++;
}

/* Nested calls that never return: exit() from three frames down. */
__attribute__((noipa)) static void leave(int status, int depth)
{
	if (depth > 0)
		leave(status, depth - 1);
	exit(status);
}

/* Recurse `depth` frames, calling work() in each, then longjmp out. */
__attribute__((noipa)) static void dive(int depth)
{
	dives++;
	work();
	if (depth == 0)
		longjmp(env, 1);
	dive(depth - 1);
}

enum { AFTER_FORK = 3 }; /* calls of work() by the parent after the fork */

static int do_fork(int n)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		for (int i = 0; i < n / 2 + 1; i++)
			work();
		printf("child pid=%d work_calls=%d\n", (int)getpid(), n / 2 + 1);
		exit(0);
	}
	waitpid(pid, &status, 0);
	for (int i = 0; i < AFTER_FORK; i++)
		work();
	printf("parent work_calls_after_fork=%d child_status=%d\n", AFTER_FORK,
	       WEXITSTATUS(status));
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "return";
	int n = argc > 2 ? atoi(argv[2]) : 1000;

	for (int i = 0; i < n; i++)
		work();
	printf("pid=%d work_calls=%d\n", (int)getpid(), n);
	fflush(stdout);
	if (!strcmp(mode, "_exit"))
		_exit(3);
	if (!strcmp(mode, "abort"))
		abort();
	if (!strcmp(mode, "kill"))
		kill(getpid(), SIGKILL);
	if (!strcmp(mode, "exit")) {
		printf("leave_calls=%d\n", 3 + 1);
		fflush(stdout);
		leave(4, 3);
	}
	if (!strcmp(mode, "fork"))
		return do_fork(n);
	if (!strcmp(mode, "exec")) {
		/* The new image prints its own "pid=... work_calls=7". */
		execl("/proc/self/exe", argv[0], "return", "7", (char *)NULL);
		return 1;
	}
	if (!strcmp(mode, "longjmp")) {
		enum { JUMPS = 10, DEPTH = 49 };

		for (volatile int r = 0; r < JUMPS; r++)
			if (setjmp(env) == 0)
				dive(DEPTH);
		/* Each jump: one outermost dive and DEPTH nested ones. */
		printf("jumps=%d work_calls=%d dives=%d\n", JUMPS, n + dives, dives);
	}
	return 0;
}
