/*
 * lifecycle.c - ways a process ends or multiplies, each after a known number
 * of calls to work(): lifecycle MODE N, MODE one of return, exit, _exit,
 * abort, kill, fork, exec, longjmp.
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
	for (int i = 0; i < 3; i++)
		work();
	printf("parent work_calls_after_fork=3 child_status=%d\n", WEXITSTATUS(status));
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
	if (!strcmp(mode, "exit"))
		leave(4, 3);
	if (!strcmp(mode, "fork"))
		return do_fork(n);
	if (!strcmp(mode, "exec")) {
		execl("/proc/self/exe", argv[0], "return", "7", (char *)NULL);
		return 1;
	}
	if (!strcmp(mode, "longjmp")) {
		for (volatile int r = 0; r < 10; r++)
			if (setjmp(env) == 0)
				dive(49);
		printf("dives=%d\n", dives);
	}
	return 0;
}
