/*
 * limits.c - programs that meet the limits of the machine while they are
 * profiled: limits MODE. Each prints its ground truth and ends with its own
 * exit status.
 *
 *   work N         N calls of work() (a leaf), then exit 0
 *   fillfork FILE N
 *                  write FILE until the file system is full, then N calls,
 *                  fork: the child makes N calls and exits 7; the parent
 *                  prints the child's status and exits 0
 *   chain N        exec itself N times (one pid, N + 1 images), each
 *                  making one call of work(); the last prints images=
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned long work_calls;

__attribute__((noipa)) static void work(void)
{
	work_calls++;
}

static void works(long n)
{
	for (long i = 0; i < n; i++)
		work();
}

static int fillfork(const char *path, long n)
{
	static char buf[4096];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	pid_t pid;
	int st;

	if (fd < 0)
		return perror(path), 2;
	while (write(fd, buf, sizeof(buf)) > 0)
		;
	printf("fill errno=%s\n", strerror(errno));
	close(fd);
	works(n);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		works(n);
		printf("child work_calls=%lu\n", work_calls);
		exit(7);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return perror("fork"), 2;
	printf("parent work_calls=%lu\n", work_calls);
	printf("child status=%d signaled=%d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1,
	       WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return 0;
}

static int chain(char *self, int n, int image)
{
	char a[16], b[16];

	work();
	printf("image %d work_calls=%lu\n", image, work_calls);
	fflush(stdout);
	if (image == n) {
		printf("images=%d\n", n + 1);
		return 0;
	}
	snprintf(a, sizeof(a), "%d", n);
	snprintf(b, sizeof(b), "%d", image + 1);
	execl(self, self, "chain", a, b, (char *)NULL);
	perror("execl");
	return 2;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "work") && argc > 2) {
		works(atol(argv[2]));
		printf("work_calls=%lu\n", work_calls);
		return 0;
	}
	if (!strcmp(mode, "fillfork") && argc > 3)
		return fillfork(argv[2], atol(argv[3]));
	if (!strcmp(mode, "chain") && argc > 2)
		return chain(argv[0], atoi(argv[2]), argc > 3 ? atoi(argv[3]) : 0);
	fprintf(stderr, "usage: limits work N | fillfork FILE N | chain N\n");
	return 2;
}
