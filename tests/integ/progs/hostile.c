/*
 * hostile.c - programs that do what profilers trip over, each after a
 * known amount of work: hostile MODE. Every mode prints its ground truth
 * (calls of work(), allocations) and must end with its own exit status.
 *
 *   closefds    close every descriptor above 2 first (the trace's too)
 *   dup2        dup2 its own files onto every low descriptor, write them
 *   chdir       chdir("/") before working
 *   tinystack   work in a thread with the smallest stack allowed
 *   threadexit  one thread calls exit(5) while others work
 *   cancel      cancel a thread that works in a loop
 *   churn N [K] N threads created and joined one after another; after K
 *               of them, the file "announce" (in the current directory)
 *               says so with the work done until then, and the run goes
 *               on: a script kills it there, mid-run whatever the load
 *   many N      N threads at once
 *   signals     an instrumented SIGALRM handler fires while work runs
 *   loaderwalk N  N calls of work() while a SIGALRM handler walks the
 *               loaded objects (dl_iterate_phdr, as a crash reporter or an
 *               unwinder does) every 50 us: a handler that interrupts the
 *               profiler inside the loader's lock must not wait for it;
 *               dl_iterate_phdr is interposed to count the walks made
 *               outside the handler with SIGALRM deliverable (none may be)
 *   forkbusy    fork while another thread is inside the hooks
 *   spawn       posix_spawn /bin/true from four threads at once
 *   vfork       vfork and exec /bin/true from four threads at once
 *   xfree N     one thread allocates N blocks, another frees them
 *   crash       SIGSEGV after the work
 *   errno N     N calls, each made with errno set: errno is what the
 *               caller set inside every callee and after every return
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOIPA __attribute__((noipa))

extern char **environ;
static volatile unsigned long sink;
static unsigned long work_calls; /* by the main thread, or under the lock */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

NOIPA static void work(void)
{
	sink++;
}

/* n calls of work() and n allocations, counted. */
NOIPA static void busy(int n)
{
	for (int i = 0; i < n; i++) {
		void *p = malloc(24);

		work();
		free(p);
	}
	pthread_mutex_lock(&lock);
	work_calls += (unsigned long)n;
	pthread_mutex_unlock(&lock);
}

static void *busy_thread(void *arg)
{
	busy((int)(long)arg);
	return NULL;
}

/* Count the process's mappings, to see the profiler's memory per thread. */
static int count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int c, n = 0;

	if (!f)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static int mode_closefds(void)
{
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	busy(1000);
	return 0;
}

static int mode_dup2(void)
{
	char name[64], buf[16];
	int bad = 0;

	/* The program's own files on descriptors 3..9, written and read back:
	 * the profiler must never write through them. */
	for (int fd = 3; fd < 10; fd++) {
		snprintf(name, sizeof(name), "own-%d.txt", fd);
		int f = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);

		if (f < 0 || dup2(f, fd) < 0)
			return 1;
		if (f != fd)
			close(f);
	}
	busy(20000); /* enough to open new trace chunks */
	for (int fd = 3; fd < 10; fd++) {
		if (write(fd, "mine", 4) != 4)
			return 1;
		if (pread(fd, buf, sizeof(buf), 0) != 4 || memcmp(buf, "mine", 4))
			bad++;
	}
	printf("own files intact=%s\n", bad ? "no" : "yes");
	return bad ? 1 : 0;
}

static int mode_chdir(void)
{
	if (chdir("/") < 0)
		return 1;
	busy(1000);
	return 0;
}

static int mode_tinystack(void)
{
	pthread_attr_t attr;
	pthread_t th;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN);
	if (pthread_create(&th, &attr, busy_thread, (void *)1000L))
		return 1;
	pthread_join(th, NULL);
	return 0;
}

static void *exit_thread(void *arg)
{
	busy(100);
	printf("work_calls>=%lu exiting from a thread\n", work_calls);
	fflush(stdout);
	exit(5);
}

static void *forever_thread(void *arg)
{
	for (;;)
		busy(10);
	return NULL;
}

static int mode_threadexit(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, forever_thread, NULL);
	pthread_create(&b, NULL, exit_thread, NULL);
	pthread_join(b, NULL);
	return 0; /* not reached: exit(5) ends the process */
}

static void *cancel_thread(void *arg)
{
	for (;;) {
		busy(10);
		pthread_testcancel();
	}
	return NULL;
}

/* Cancel 50 threads at random moments: some land inside the runtime's
 * system calls (cancellation points) while it holds its lock. */
static int mode_cancel(void)
{
	int cancelled = 0;

	for (int i = 0; i < 50; i++) {
		pthread_t th;
		void *ret;

		pthread_create(&th, NULL, cancel_thread, NULL);
		usleep(500 + (unsigned)(i * 97) % 3000);
		pthread_cancel(th);
		pthread_join(th, &ret);
		cancelled += ret == PTHREAD_CANCELED;
	}
	busy(100);
	printf("cancelled=%s\n", cancelled == 50 ? "yes" : "no");
	return cancelled == 50 ? 0 : 1;
}

/* Write "announce" at once and whole (a rename): what a script waits for. */
static void announce(int threads)
{
	char line[96];
	int len = snprintf(line, sizeof(line), "threads=%d work_calls=%lu\n", threads, work_calls);
	int fd = open("announce.tmp", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, line, (size_t)len) != len || close(fd) < 0 ||
	    rename("announce.tmp", "announce") < 0)
		perror("announce");
}

static int mode_churn(int n, int announce_at)
{
	int before, after;
	pthread_t th;

	/* Warm up: the first threads set up what every later one reuses. */
	for (int i = 0; i < 20; i++) {
		pthread_create(&th, NULL, busy_thread, (void *)10L);
		pthread_join(th, NULL);
	}
	before = count_maps();
	for (int i = 0; i < n; i++) {
		if (announce_at && i == announce_at)
			announce(20 + i); /* every thread so far joined */
		pthread_create(&th, NULL, busy_thread, (void *)10L);
		pthread_join(th, NULL);
	}
	after = count_maps();
	printf("threads=%d maps_before=%d maps_after=%d\n", n + 20, before, after);
	return 0;
}

static int mode_many(int n)
{
	pthread_t *th = calloc((size_t)n, sizeof(*th));

	for (int i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, busy_thread, (void *)100L))
			return 1;
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	free(th);
	printf("threads=%d\n", n);
	return 0;
}

static volatile sig_atomic_t handled;

NOIPA static void on_alarm(int sig)
{
	handled++;
	work();
}

/* Whether errno is still what the caller set. */
NOIPA static int errno_seen(int want)
{
	work();
	return errno == want;
}

static int mode_errno(int n)
{
	int bad = 0;

	for (int i = 0; i < n; i++) {
		int want = 1000 + i % 7;

		errno = want;
		bad += !errno_seen(want);
		bad += errno != want;
	}
	work_calls = (unsigned long)n;
	printf("errno_bad=%d\n", bad);
	return 0;
}

static int mode_signals(void)
{
	struct itimerval it = { { 0, 200 }, { 0, 200 } };

	signal(SIGALRM, on_alarm);
	setitimer(ITIMER_REAL, &it, NULL);
	while (handled < 2000)
		busy(100);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	printf("handler_calls=%d\n", (int)handled);
	return 0;
}

static volatile sig_atomic_t walks, in_walk;
static unsigned long loader_walks, loader_walks_open;

/*
 * The loader's walk, interposed: the profiler's calls come here too. Those
 * made with SIGALRM deliverable (outside on_walk) could be interrupted by
 * on_walk inside the loader's lock: counted. Not instrumented: the calls
 * the profiler makes here are not the program's.
 */
__attribute__((no_instrument_function)) int
dl_iterate_phdr(int (*cb)(struct dl_phdr_info *, size_t, void *), void *data)
{
	static int (*real)(int (*)(struct dl_phdr_info *, size_t, void *), void *);
	sigset_t now;

	if (!real)
		real = (int (*)(int (*)(struct dl_phdr_info *, size_t, void *), void *))dlsym(
		    RTLD_NEXT, "dl_iterate_phdr");
	if (!in_walk) {
		loader_walks++;
		pthread_sigmask(SIG_SETMASK, NULL, &now);
		loader_walks_open += !sigismember(&now, SIGALRM);
	}
	return real(cb, data);
}

__attribute__((no_instrument_function)) static int count_object(struct dl_phdr_info *info,
								size_t size, void *data)
{
	(void)info;
	(void)size;
	++*(int *)data;
	return 0;
}

static void on_walk(int sig)
{
	int n = 0;

	(void)sig;
	in_walk = 1;
	dl_iterate_phdr(count_object, &n);
	in_walk = 0;
	walks += n > 0;
}

static int mode_loaderwalk(int n)
{
	struct itimerval it = { { 0, 50 }, { 0, 50 } };

	signal(SIGALRM, on_walk);
	loader_walks = loader_walks_open = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	for (int i = 0; i < n; i += 1000) {
		for (int j = 0; j < 1000; j++)
			work();
		work_calls += 1000;
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	printf("walks=%d\nloader_walks_other=%d\nloader_walks_open=%lu\n", walks > 0,
	       loader_walks > 0, loader_walks_open);
	return 0;
}

static int mode_forkbusy(void)
{
	enum { FORKS = 20, CHILD_WORK = 100 };
	pthread_t th;
	int status = 0;

	pthread_create(&th, NULL, forever_thread, NULL);
	for (int i = 0; i < FORKS; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			/* Not busy(): the other thread may have held its lock
			 * at the fork, and the child's copy stays locked. */
			for (int k = 0; k < CHILD_WORK; k++) {
				void *p = malloc(24);

				work();
				free(p);
			}
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) < 0 || status != 0)
			return 1;
	}
	printf("forks=%d child_work_calls=%d ok\n", FORKS, CHILD_WORK);
	fflush(stdout);
	_exit(0); /* the busy thread never stops */
}

static void *spawn_thread(void *arg)
{
	char *argv[] = { "/bin/true", NULL };

	for (int i = 0; i < 10; i++) {
		pid_t pid;
		int status;

		if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) ||
		    waitpid(pid, &status, 0) < 0 || status != 0)
			return (void *)1;
		busy(10);
	}
	return NULL;
}

static int mode_spawn(void)
{
	pthread_t th[4];
	void *ret;
	int bad = 0;

	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, spawn_thread, NULL);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], &ret);
		bad += ret != NULL;
	}
	printf("spawned=40 failures=%d\n", bad);
	return bad ? 1 : 0;
}

static void *vfork_thread(void *arg)
{
	for (int i = 0; i < 10; i++) {
		int status;
		pid_t pid = vfork();

		if (pid == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) < 0 || status != 0)
			return (void *)1;
		busy(10);
	}
	return NULL;
}

static int mode_vfork(void)
{
	pthread_t th[4];
	void *ret;
	int bad = 0;

	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, vfork_thread, NULL);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], &ret);
		bad += ret != NULL;
	}
	printf("vforked=40 failures=%d\n", bad);
	return bad ? 1 : 0;
}

/* Blocks made by one thread and freed by another, through a pipe. */
static int xfree_pipe[2];

static void *xfree_consumer(void *arg)
{
	void *p;

	while (read(xfree_pipe[0], &p, sizeof(p)) == (ssize_t)sizeof(p) && p)
		free(p);
	return NULL;
}

static int mode_xfree(int n)
{
	pthread_t th;
	void *end = NULL;

	if (pipe(xfree_pipe) < 0)
		return 1;
	pthread_create(&th, NULL, xfree_consumer, NULL);
	for (int i = 0; i < n; i++) {
		void *p = malloc(48);

		if (write(xfree_pipe[1], &p, sizeof(p)) != (ssize_t)sizeof(p))
			return 1;
	}
	if (write(xfree_pipe[1], &end, sizeof(end)) != (ssize_t)sizeof(end))
		return 1;
	pthread_join(th, NULL);
	printf("cross_thread_frees=%d\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int n = argc > 2 ? atoi(argv[2]) : 0, status = 2;
	int k = argc > 3 ? atoi(argv[3]) : 0;

	if (!strcmp(mode, "closefds"))
		status = mode_closefds();
	else if (!strcmp(mode, "dup2"))
		status = mode_dup2();
	else if (!strcmp(mode, "chdir"))
		status = mode_chdir();
	else if (!strcmp(mode, "tinystack"))
		status = mode_tinystack();
	else if (!strcmp(mode, "threadexit"))
		status = mode_threadexit();
	else if (!strcmp(mode, "cancel"))
		status = mode_cancel();
	else if (!strcmp(mode, "churn"))
		status = mode_churn(n ? n : 2000, k);
	else if (!strcmp(mode, "many"))
		status = mode_many(n ? n : 300);
	else if (!strcmp(mode, "signals"))
		status = mode_signals();
	else if (!strcmp(mode, "loaderwalk"))
		status = mode_loaderwalk(n ? n : 4000000);
	else if (!strcmp(mode, "forkbusy"))
		status = mode_forkbusy();
	else if (!strcmp(mode, "spawn"))
		status = mode_spawn();
	else if (!strcmp(mode, "vfork"))
		status = mode_vfork();
	else if (!strcmp(mode, "errno"))
		status = mode_errno(n ? n : 100000);
	else if (!strcmp(mode, "xfree"))
		status = mode_xfree(n ? n : 100000);
	else if (!strcmp(mode, "crash")) {
		busy(1000);
		printf("work_calls=%lu\n", work_calls);
		fflush(stdout);
		raise(SIGSEGV);
	}
	printf("work_calls=%lu\n", work_calls);
	return status;
}
