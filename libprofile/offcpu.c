/* SPDX-License-Identifier: MIT */
/*
 * offcpu.c - when each thread was off the CPU (see offcpu.h): a perf event
 * per thread whose mapped page tells the hooks that the thread was switched,
 * and readings of the thread's clocks where it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "offcpu.h"
#include "writer.h"

/* The switch word of a thread that records no switches: never changes. */
static const uint32_t offcpu_idle;
/* That of a thread whose event is not open yet: never what it saw (0), so
 * that its first hook that takes readings opens it. */
static const uint32_t offcpu_unopened = 1;

static struct {
	bool on;	  /* threads map their events (header.offcpu RECORDED) */
	bool seccomp_ask; /* MPROF_OFFCPU=auto: a thread under a seccomp filter does not try */
	uint64_t config;  /* the event: the dummy, or task-clock before Linux 3.12 */
	size_t page;	  /* bytes mapped per thread */
	/* What the header says, kept for a fork child's new header. */
	uint32_t state, call;
	int err;
} offcpu;

_Static_assert(offsetof(struct perf_event_mmap_page, lock) % 4 == 0, "an aligned word");

NOINSTR static uint64_t offcpu_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

/* The process's seccomp mode as /proc says: 0 none, 1 strict, 2 a filter;
 * 0 when it cannot tell (no /proc: nothing else would tell either). */
NOINSTR static int offcpu_seccomp_mode(void)
{
	static const char key[] = "\nSeccomp:";
	char buf[4096], *p;
	ssize_t n;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, key);
	if (p == NULL)
		return 0;
	p += sizeof(key) - 1;
	while (*p == ' ' || *p == '\t')
		p++;
	return *p >= '0' && *p <= '9' ? *p - '0' : 0;
}

/*
 * Open the event on the calling thread, map its page and close it. NULL
 * with what refused in *call and *err. The program's errno is the
 * caller's to keep.
 */
NOINSTR static void *offcpu_map(uint32_t *call, int *err)
{
	struct perf_event_attr attr;
	void *page;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = offcpu.config;
	/* What perf_event_paranoid 2 lets anyone open: the event counts
	 * nothing, it is only scheduled with the thread. */
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0 && errno == EINVAL && offcpu.config == PERF_COUNT_SW_DUMMY) {
		/* A kernel older than the dummy event (3.12): task-clock's
		 * page changes at every switch as well. */
		attr.config = PERF_COUNT_SW_TASK_CLOCK;
		fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd >= 0)
			offcpu.config = PERF_COUNT_SW_TASK_CLOCK;
	}
	if (fd < 0) {
		*call = TRACE_OFFCPU_CALL_OPEN;
		*err = errno;
		return NULL;
	}
	page = mmap(NULL, offcpu.page, PROT_READ, MAP_SHARED, (int)fd, 0);
	if (page == MAP_FAILED) {
		*call = TRACE_OFFCPU_CALL_MMAP;
		*err = errno;
		page = NULL;
	}
	/* The mapping holds the event: no descriptor of the program's is kept. */
	close((int)fd);
	return page;
}

NOINSTR static void offcpu_header(void)
{
	struct trace_file_header *h = writer.hdr;

	if (h == NULL)
		return;
	h->offcpu = offcpu.state;
	h->offcpu_call = offcpu.call;
	h->offcpu_errno = offcpu.err;
	h->offcpu_threads_missing = 0;
	if (offcpu.on)
		h->features |= TRACE_FEAT_OFFCPU;
	else
		h->features &= ~TRACE_FEAT_OFFCPU;
}

NOINSTR void offcpu_init(const struct env_config *cfg)
{
	void *page;

	memset(&offcpu, 0, sizeof(offcpu));
	offcpu.page = (size_t)sysconf(_SC_PAGESIZE);
	offcpu.config = PERF_COUNT_SW_DUMMY;
	offcpu.seccomp_ask = cfg->offcpu == ENV_OFFCPU_AUTO;
	if (!cfg->calls && !cfg->stages) {
		offcpu.state = TRACE_OFFCPU_UNNEEDED;
	} else if (cfg->offcpu == ENV_OFFCPU_OFF) {
		offcpu.state = TRACE_OFFCPU_DISABLED;
	} else if (offcpu.seccomp_ask && offcpu_seccomp_mode() != 0) {
		/* A filter may kill the process for a system call it does
		 * not expect: none is tried. */
		offcpu.state = TRACE_OFFCPU_SECCOMP;
	} else if ((page = offcpu_map(&offcpu.call, &offcpu.err)) == NULL) {
		offcpu.state = TRACE_OFFCPU_REFUSED;
		if (cfg->offcpu == ENV_OFFCPU_ON)
			log_warn("MPROF_OFFCPU=1: %s: %s; off-CPU time is not recorded",
				 offcpu.call == TRACE_OFFCPU_CALL_OPEN ? "perf_event_open" : "mmap",
				 strerror(offcpu.err));
	} else {
		munmap(page, offcpu.page);
		offcpu.state = TRACE_OFFCPU_RECORDED;
		offcpu.on = true;
	}
	offcpu_header();
}

/* A thread that should have recorded its switches and does not: counted,
 * with the first cause in the header. */
NOINSTR static void offcpu_missing(uint32_t call, int err)
{
	struct trace_file_header *h = writer.hdr;
	uint32_t none = TRACE_OFFCPU_CALL_NONE;

	if (h == NULL)
		return;
	__atomic_fetch_add(&h->offcpu_threads_missing, 1, __ATOMIC_RELAXED);
	if (__atomic_compare_exchange_n(&h->offcpu_call, &none, call, false, __ATOMIC_RELAXED,
					__ATOMIC_RELAXED))
		__atomic_store_n(&h->offcpu_errno, err, __ATOMIC_RELAXED);
}

NOINSTR void offcpu_thread_open(struct thread_state *t)
{
	offcpu_thread_forget(t);
	if (offcpu.on && !t->scratch)
		t->switches = &offcpu_unopened;
}

/* Open t's event (its first hook that takes readings): its page, or the
 * idle word and the thread counted missing. */
NOINSTR static void offcpu_open_now(struct thread_state *t)
{
	uint32_t call = TRACE_OFFCPU_CALL_NONE;
	int saved = errno, err = 0;
	void *page;

	offcpu_thread_forget(t);
	/* A filter installed since the start (a sandbox) may kill for
	 * perf_event_open; prctl is the question filters let through. */
	if (offcpu.seccomp_ask && prctl(PR_GET_SECCOMP, 0, 0, 0, 0) > 0) {
		offcpu_missing(TRACE_OFFCPU_CALL_SECCOMP, 0);
		errno = saved;
		return;
	}
	page = offcpu_map(&call, &err);
	if (page == NULL) {
		offcpu_missing(call, err);
	} else {
		t->offcpu_page = page;
		t->switches =
		    (const volatile uint32_t *)((char *)page +
						offsetof(struct perf_event_mmap_page, lock));
		t->switches_seen = *t->switches;
	}
	errno = saved;
}

NOINSTR void offcpu_thread_forget(struct thread_state *t)
{
	t->offcpu_last[0] = t->offcpu_last[1] = 0; /* a new thread's clocks */
	t->offcpu_page = NULL;
	t->switches = &offcpu_idle;
	t->switches_seen = offcpu_idle;
}

NOINSTR void offcpu_thread_close(struct thread_state *t)
{
	if (t->offcpu_page)
		munmap(t->offcpu_page, offcpu.page);
	offcpu_thread_forget(t);
}

/* Read the clocks: w[0] ticks, w[1] CLOCK_MONOTONIC, w[2] the thread's CPU time. */
NOINSTR static bool offcpu_read(uint64_t w[TRACE_OFFCPU_WORDS - 1])
{
	struct timespec cpu, mono;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu) != 0 ||
	    clock_gettime(CLOCK_MONOTONIC, &mono) != 0)
		return false;
	w[0] = clock_ticks();
	w[1] = offcpu_ns(&mono);
	w[2] = offcpu_ns(&cpu);
	return true;
}

/*
 * Store the reading w with `flags` at p (room checked); its words, or 0
 * for one earlier than t's last: another thread's clocks (a vfork child
 * running on this thread's state), which would make the trace corrupt.
 */
NOINSTR static unsigned offcpu_store(struct thread_state *t, uint64_t *p,
				     const uint64_t w[TRACE_OFFCPU_WORDS - 1], unsigned flags)
{
	if (w[1] < t->offcpu_last[0] || w[2] < t->offcpu_last[1])
		return 0;
	t->offcpu_last[0] = w[1];
	t->offcpu_last[1] = w[2];
	memcpy(p + 1, w, (TRACE_OFFCPU_WORDS - 1) * sizeof(*w));
	barrier();
	p[0] = trace_ext_word(TRACE_EXT_OFFCPU, TRACE_OFFCPU_WORDS, flags);
	return TRACE_OFFCPU_WORDS;
}

/* A thread whose clock cannot be read records no more switches. */
NOINSTR static void offcpu_clock_failed(struct thread_state *t)
{
	int err = errno;

	offcpu_thread_close(t);
	offcpu_missing(TRACE_OFFCPU_CALL_CLOCK, err);
}

/* Take a reading now and store it at p (room checked): its words, or 0. */
NOINSTR static unsigned offcpu_take(struct thread_state *t, uint64_t *p, unsigned flags)
{
	uint64_t w[TRACE_OFFCPU_WORDS - 1];

	if (!offcpu_read(w)) {
		offcpu_clock_failed(t);
		return 0;
	}
	return offcpu_store(t, p, w, flags);
}

/* A reading with `flags` at the end of t's records (room reserved here, so
 * that a pause it makes comes before it). */
NOINSTR static void offcpu_append(struct thread_state *t, unsigned flags)
{
	uint64_t *p = thread_reserve(t, TRACE_OFFCPU_WORDS);

	/* Seen even when not written, and not counted lost (it is no
	 * event): the next reading holds this one's time, later in the
	 * stream (the clocks are cumulative). */
	t->switches_seen = *t->switches;
	if (p)
		t->pos += offcpu_take(t, p, flags);
}

NOINSTR void offcpu_note(struct thread_state *t)
{
	int saved = errno;

	if (t->switches == &offcpu_unopened) {
		/* Off-CPU time counts from here. */
		offcpu_open_now(t);
		if (t->offcpu_page)
			offcpu_append(t, TRACE_OFFCPU_BASE);
	} else if (t->offcpu_page) {
		offcpu_append(t, 0);
	} else { /* its clock failed since offcpu_read_again() */
		t->switches_seen = *t->switches;
	}
	errno = saved;
}

NOINSTR void offcpu_finish(struct thread_state *t)
{
	int saved = errno;

	if (t->offcpu_page)
		offcpu_append(t, offcpu_switched(t) ? 0 : TRACE_OFFCPU_UNSEEN);
	errno = saved;
}

NOINSTR void offcpu_pause_begin(struct thread_state *t, struct offcpu_pause *op)
{
	int saved = errno;

	op->before = false;
	if (t->offcpu_page && offcpu_switched(t)) {
		t->switches_seen = *t->switches;
		op->before = offcpu_read(op->w);
		if (!op->before)
			offcpu_clock_failed(t);
	}
	errno = saved;
}

NOINSTR void offcpu_pause_end(struct thread_state *t, const struct offcpu_pause *op)
{
	int saved = errno;

	if (op->before && t->offcpu_page)
		t->pos += offcpu_store(t, t->pos, op->w, 0);
	if (t->offcpu_page && offcpu_switched(t)) {
		t->switches_seen = *t->switches;
		t->pos += offcpu_take(t, t->pos, TRACE_OFFCPU_BASE);
	}
	errno = saved;
}

NOINSTR void offcpu_fork_child(struct thread_state *t)
{
	/* The parent's pages are not in the child: never unmapped here (the
	 * range may hold something else by now). */
	offcpu_header();
	if (t)
		offcpu_thread_open(t);
}
