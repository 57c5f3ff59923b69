/*
 * jumps.c - control flow that is hard on a call recorder: jumps MODE ARGS.
 * Each mode prints its ground truth (calls it counted, times it measured
 * with its own clock) and exits 0.
 *
 *   longjmp N DEPTH   N times: recurse to a depth from 1 to DEPTH (varying),
 *                     longjmp back to the top
 *   watchdog N        the timeout idiom, N times: arm a 50 us timer, compute
 *                     (instrumented calls) until its handler siglongjmps out;
 *                     then a tail of calls that must all be recorded
 *   altstack K        a thread whose SIGUSR1 handler runs on an alternate
 *                     stack mapped above its own; measured() makes K calls,
 *                     raising the signal at the middle one, and measures
 *                     itself (the bounds of its own time, in ns)
 *   coroutines K      a scheduler run() resumes two coroutines whose stacks
 *                     lie in main's own frame until each has made K calls
 *                     (each yields from inside one); run() measures itself
 *   getcontext N DEPTH  as longjmp, with getcontext and setcontext
 *   preempt K         a preemptive scheduler: a 100 us timer whose handler
 *                     swapcontexts between three coroutines, each making
 *                     K calls (the handler lands in a hook most times)
 *   samejump N        a timer handler that longjmps to a setjmp of its own,
 *                     N times, interrupting instrumented calls
 *   cofork N          N fork children each resume a coroutine the parent
 *                     left suspended in a call, and finish it
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define NOIPA __attribute__((noipa))

/* rec() and crec() end by jumping, which GCC does not count as an end. */
#pragma GCC diagnostic ignored "-Winfinite-recursion"

static volatile unsigned long sink;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------ longjmp */

static jmp_buf top;
static unsigned long rec_calls;

NOIPA static void rec(int depth)
{
	rec_calls++;
	if (depth <= 1)
		longjmp(top, 1);
	rec(depth - 1);
	sink++;
}

static int mode_longjmp(long n, int depth)
{
	volatile long i = 0;

	setjmp(top);
	while (i < n) {
		long k = i++;

		rec(1 + (int)((k * 7919) % depth));
	}
	printf("rec_calls=%lu\njumps=%ld\n", rec_calls, n);
	return 0;
}

/* ----------------------------------------------------------- watchdog */

static sigjmp_buf watch;
static volatile sig_atomic_t fired;
static unsigned long step_calls, tail_calls, compute_calls, errno_bad;

static void on_alarm(int sig)
{
	(void)sig;
	fired++;
	errno = EDOM; /* what the program finds after the jump */
	siglongjmp(watch, 1);
}

NOIPA static void step(void)
{
	step_calls++;
	sink++;
}

NOIPA static void compute(void)
{
	compute_calls++;
	for (;;)
		step();
}

NOIPA static void tail(void)
{
	tail_calls++;
}

static int mode_watchdog(long n)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 0 }, { 0, 50 } };
	volatile long jumps = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	if (sigsetjmp(watch, 1) && errno != EDOM)
		errno_bad++;
	if (jumps++ < n) {
		setitimer(ITIMER_REAL, &it, NULL);
		compute();
	}
	for (int i = 0; i < 1000; i++)
		tail();
	printf("jumps=%ld\nfired=%d\ncompute_calls=%lu\nstep_calls=%lu\ntail_calls=%lu\n",
	       jumps - 1, (int)fired, compute_calls, step_calls, tail_calls);
	printf("errno_bad=%lu\n", errno_bad);
	return 0;
}

/* ----------------------------------------------------------- altstack */

static void *alt;
static size_t alt_size = 1 << 20;
static int alt_above;
static unsigned long handler_calls, leaf_calls, measured_calls;
static uint64_t inner_ns, outer_ns;

NOIPA static void handler_work(void)
{
	handler_calls++;
	for (int i = 0; i < 1000; i++)
		sink++;
}

static void on_usr1(int sig)
{
	(void)sig;
	handler_work();
}

NOIPA static void leaf(void)
{
	leaf_calls++;
	for (int i = 0; i < 100; i++)
		sink++;
}

NOIPA static void measured(int k)
{
	uint64_t t0 = now_ns();

	measured_calls++;
	for (int i = 0; i < k; i++) {
		if (i == k / 2)
			pthread_kill(pthread_self(), SIGUSR1);
		leaf();
	}
	inner_ns = now_ns() - t0;
}

static void *alt_thread(void *arg)
{
	stack_t ss = { .ss_sp = alt, .ss_size = alt_size };
	struct sigaction sa;
	uint64_t t0;

	alt_above = (char *)alt > (char *)&ss;
	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	t0 = now_ns();
	measured((int)(intptr_t)arg);
	outer_ns = now_ns() - t0;
	return NULL;
}

static int mode_altstack(int k)
{
	pthread_t th;

	/* Mapped before the thread: above the thread's stack, which
	 * pthread_create maps later (mappings go downwards). */
	alt = mmap(NULL, alt_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (alt == MAP_FAILED)
		return perror("mmap"), 2;
	pthread_create(&th, NULL, alt_thread, (void *)(intptr_t)k);
	pthread_join(th, NULL);
	printf("measured_calls=%lu\nleaf_calls=%lu\nhandler_calls=%lu\n", measured_calls,
	       leaf_calls, handler_calls);
	printf("measured_inner_ns=%llu\nmeasured_outer_ns=%llu\n", (unsigned long long)inner_ns,
	       (unsigned long long)outer_ns);
	printf("altstack_above=%d\n", alt_above);
	return 0;
}

/* --------------------------------------------------------- coroutines */

static ucontext_t sched_ctx, co_ctx[2];
static int co_done[2];
static unsigned long co_work_calls, co_main_calls, run_calls;
static int co_k;

NOIPA static void co_work(int id)
{
	co_work_calls++;
	for (int i = 0; i < 200; i++)
		sink += (unsigned long)id;
	swapcontext(&co_ctx[id], &sched_ctx); /* yield, from inside a call */
}

NOIPA static void co_main(int id)
{
	co_main_calls++;
	for (int i = 0; i < co_k; i++)
		co_work(id);
	co_done[id] = 1;
}

NOIPA static void run(void)
{
	uint64_t t0 = now_ns();

	run_calls++;
	while (!co_done[0] || !co_done[1]) {
		for (int id = 0; id < 2; id++) {
			if (!co_done[id])
				swapcontext(&sched_ctx, &co_ctx[id]);
		}
	}
	inner_ns = now_ns() - t0;
}

static int mode_coroutines(int k)
{
	/* The coroutines' stacks in main's own frame: above run()'s. */
	static const size_t size = 256 * 1024;
	char stacks[2][256 * 1024];
	uint64_t t0;

	co_k = k;
	for (int id = 0; id < 2; id++) {
		getcontext(&co_ctx[id]);
		co_ctx[id].uc_stack.ss_sp = stacks[id];
		co_ctx[id].uc_stack.ss_size = size;
		co_ctx[id].uc_link = &sched_ctx;
		makecontext(&co_ctx[id], (void (*)(void))co_main, 1, id);
	}
	t0 = now_ns();
	run();
	outer_ns = now_ns() - t0;
	printf("run_calls=%lu\nco_main_calls=%lu\nco_work_calls=%lu\n", run_calls, co_main_calls,
	       co_work_calls);
	printf("run_inner_ns=%llu\nrun_outer_ns=%llu\n", (unsigned long long)inner_ns,
	       (unsigned long long)outer_ns);
	return 0;
}

/* --------------------------------------------------------- getcontext */

static ucontext_t again;

NOIPA static void crec(int depth)
{
	rec_calls++;
	if (depth <= 1)
		setcontext(&again);
	crec(depth - 1);
	sink++;
}

static int mode_getcontext(long n, int depth)
{
	volatile long i = 0;

	getcontext(&again);
	while (i < n) {
		long k = i++;

		crec(1 + (int)((k * 7919) % depth));
	}
	printf("rec_calls=%lu\njumps=%ld\n", rec_calls, n);
	return 0;
}

/* ------------------------------------------------------------ preempt */

#define NCO 3

static ucontext_t pre_main, pre_co[NCO];
static volatile int pre_cur = -1, pre_done[NCO];
static volatile unsigned long pick_calls, pre_switches, tick_done_calls;
static unsigned long pre_sums[NCO];
static long pre_k;

NOIPA static unsigned long pre_leaf(unsigned long x)
{
	return x * 3 + 1;
}

NOIPA static unsigned long pre_work(unsigned long x)
{
	return pre_leaf(x) ^ pre_leaf(x + 1);
}

NOIPA static int pick(int from)
{
	pick_calls++;
	for (int k = 1; k <= NCO; k++) {
		int j = (from + k) % NCO;

		if (!pre_done[j] && j != from)
			return j;
	}
	return -1;
}

NOIPA static void tick_done(void)
{
	tick_done_calls++;
}

static void on_tick(int sig)
{
	int me = pre_cur, next;

	(void)sig;
	if (me < 0 || pre_done[me] || (next = pick(me)) < 0)
		return;
	pre_switches++;
	pre_cur = next;
	swapcontext(&pre_co[me], &pre_co[next]);
	tick_done(); /* back in this coroutine: the handler ends */
}

NOIPA static void pre_body(int id)
{
	sigset_t tick;
	unsigned long sum = 0;

	sigemptyset(&tick);
	sigaddset(&tick, SIGALRM);
	sigprocmask(SIG_UNBLOCK, &tick, NULL); /* made with it blocked */
	for (long i = 0; i < pre_k; i++)
		sum += pre_work((unsigned long)(i + id));
	pre_sums[id] = sum;
	pre_done[id] = 1;
}

static int mode_preempt(long k)
{
	static char stacks[NCO][256 * 1024];
	struct itimerval it = { { 0, 100 }, { 0, 100 } }, off = { { 0, 0 }, { 0, 0 } };
	struct sigaction sa;
	sigset_t tick;

	pre_k = k;
	sigemptyset(&tick);
	sigaddset(&tick, SIGALRM);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_tick;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	for (int i = 0; i < NCO; i++) {
		getcontext(&pre_co[i]);
		pre_co[i].uc_stack.ss_sp = stacks[i];
		pre_co[i].uc_stack.ss_size = sizeof(stacks[i]);
		pre_co[i].uc_link = &pre_main;
		pre_co[i].uc_sigmask = tick;
		makecontext(&pre_co[i], (void (*)(void))pre_body, 1, i);
	}
	setitimer(ITIMER_REAL, &it, NULL);
	for (;;) {
		int k0 = -1;

		sigprocmask(SIG_BLOCK, &tick, NULL);
		for (int i = 0; i < NCO && k0 < 0; i++)
			if (!pre_done[i])
				k0 = i;
		if (k0 < 0)
			break;
		pre_cur = k0;
		swapcontext(&pre_main, &pre_co[k0]);
		pre_cur = -1;
	}
	setitimer(ITIMER_REAL, &off, NULL);
	for (int i = 0; i < NCO; i++)
		printf("sum%d=%lu\n", i, pre_sums[i]);
	printf("pre_body_calls=%d\npre_work_calls=%ld\npre_leaf_calls=%ld\npick_calls=%lu\n", NCO,
	       NCO * k, 2 * NCO * k, pick_calls);
	printf("switches=%lu\ntick_done_calls=%lu\n", pre_switches, tick_done_calls);
	return 0;
}

/* ----------------------------------------------------------- samejump */

static jmp_buf own;
static volatile long own_jumps;
static unsigned long own_calls, loop_calls;

NOIPA static void own_inner(void)
{
	own_calls++;
	longjmp(own, 1);
}

static void on_own(int sig)
{
	(void)sig;
	if (setjmp(own) == 0)
		own_inner();
	own_jumps++;
}

NOIPA static void loop_step(void)
{
	loop_calls++;
	sink++;
}

static int mode_samejump(long n)
{
	struct itimerval it = { { 0, 50 }, { 0, 50 } }, off = { { 0, 0 }, { 0, 0 } };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_own;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	while (own_jumps < n)
		loop_step();
	setitimer(ITIMER_REAL, &off, NULL);
	printf("own_calls=%lu\nloop_calls=%lu\n", own_calls, loop_calls);
	return 0;
}

/* ------------------------------------------------------------- cofork */

static ucontext_t fk_main, fk_co;
static unsigned long fk_steps;

NOIPA static void fk_step(void)
{
	fk_steps++;
}

NOIPA static void fk_body(void)
{
	for (int i = 0; i < 10; i++)
		fk_step();
	swapcontext(&fk_co, &fk_main); /* suspended inside this call */
	for (int i = 0; i < 10; i++)
		fk_step();
}

static int mode_cofork(int n)
{
	static char stack[256 * 1024];
	int finished = 0;

	getcontext(&fk_co);
	fk_co.uc_stack.ss_sp = stack;
	fk_co.uc_stack.ss_size = sizeof(stack);
	fk_co.uc_link = &fk_main;
	makecontext(&fk_co, fk_body, 0);
	unsigned long before;

	swapcontext(&fk_main, &fk_co);
	before = fk_steps;
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			swapcontext(&fk_main, &fk_co); /* finish it */
			_exit(fk_steps == 2 * before ? 42 : 1);
		}
		if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		    WEXITSTATUS(st) == 42)
			finished++;
	}
	swapcontext(&fk_main, &fk_co);
	printf("children_finished=%d\nfk_steps=%lu\nchild_fk_steps=%lu\n", finished, fk_steps,
	       fk_steps - before);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "longjmp") && argc > 3)
		return mode_longjmp(atol(argv[2]), atoi(argv[3]));
	if (!strcmp(mode, "watchdog") && argc > 2)
		return mode_watchdog(atol(argv[2]));
	if (!strcmp(mode, "altstack") && argc > 2)
		return mode_altstack(atoi(argv[2]));
	if (!strcmp(mode, "coroutines") && argc > 2)
		return mode_coroutines(atoi(argv[2]));
	if (!strcmp(mode, "getcontext") && argc > 3)
		return mode_getcontext(atol(argv[2]), atoi(argv[3]));
	if (!strcmp(mode, "preempt") && argc > 2)
		return mode_preempt(atol(argv[2]));
	if (!strcmp(mode, "samejump") && argc > 2)
		return mode_samejump(atol(argv[2]));
	if (!strcmp(mode, "cofork") && argc > 2)
		return mode_cofork(atoi(argv[2]));
	fprintf(stderr, "usage: jumps longjmp N DEPTH | watchdog N | altstack K | coroutines K | "
			"getcontext N DEPTH | preempt K | samejump N | cofork N\n");
	return 2;
}
