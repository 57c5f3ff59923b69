/* SPDX-License-Identifier: MIT */
/*
 * runtime.c - start, fork and exit of the recording runtime.
 *
 * Start happens in our constructor, which runs before the program's own
 * (libmprof is a dependency or a preload), or at the first event if some
 * other constructor gets there first. Exit is our destructor; _exit, abort
 * and SIGKILL skip it, and the trace stays readable (see writer.h).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "alloc.h"
#include "calls.h"
#include "clock.h"
#include "compiler.h"
#include "filter.h"
#include "log.h"
#include "modmap.h"
#include "offcpu.h"
#include "runtime.h"
#include "snapshot.h"
#include "stack.h"
#include "thread.h"
#include "writer.h"

int runtime_state = RT_UNINIT;
struct env_config runtime_cfg;

#define RUNTIME_CALIBRATION_NS 300000 /* second clock point, after start */

NOINSTR void runtime_capture_maps(enum trace_maps_reason reason)
{
	/* At dlclose always, even when nothing changed since the last capture:
	 * a capture before every unload tells the reader which library held
	 * an address until then (mprof-trace(5)). */
	bool always = reason != TRACE_MAPS_DLOPEN;
	struct modmap_capture *cap;
	struct writer_hold hold;

	if (!always && !modmap_changed())
		return;
	/* Large (a path buffer), and several threads may capture at once: no
	 * lock may be held while the loader is called (see modmap.h). */
	cap = mmap(NULL, sizeof(*cap), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (cap == MAP_FAILED)
		return;
	if (modmap_collect(cap) == 0) {
		writer_lock(&hold);
		if (writer.hdr) {
			modmap_write_locked(cap, reason, clock_ticks());
			/* A trace's first records say how it was filtered. */
			if (reason == TRACE_MAPS_START && runtime_cfg.calls)
				filter_write_records_locked();
		}
		writer_unlock(&hold);
		modmap_release(cap);
	}
	munmap(cap, sizeof(*cap));
}

static struct writer_hold fork_hold; /* of the forking thread, across the fork */

NOINSTR static void runtime_fork_prepare(void)
{
	tls_guard++;
	filter_fork_lock();
	writer_lock(&fork_hold);
}

NOINSTR static void runtime_fork_parent(void)
{
	writer_unlock(&fork_hold);
	filter_fork_unlock();
	tls_guard--;
}

NOINSTR static void runtime_fork_child(void)
{
	/* Only this thread exists now; the lock is ours. */
	if (runtime_active()) {
		writer_fork_child();
		thread_fork_child();
		modmap_reset();
		if (writer.hdr == NULL)
			__atomic_store_n(&runtime_state, RT_OFF, __ATOMIC_RELEASE);
	}
	writer_unlock(&fork_hold);
	filter_fork_unlock();
	if (runtime_active())
		runtime_capture_maps(TRACE_MAPS_START);
	tls_guard--;
}

NOINSTR static uint64_t runtime_ticks_per_ms(const struct trace_clock_point *a,
					     const struct trace_clock_point *b)
{
	if (b->ns <= a->ns)
		return 0;
	return (b->ticks - a->ticks) * 1000000 / (b->ns - a->ns);
}

static int runtime_exit_status; /* what exit() was given, once runtime_on_exit ran */
static bool runtime_exit_known;

/* exit()'s status (an on_exit handler has it; our destructor does not). It
 * may run before the destructor or after it: the last one to run writes. */
NOINSTR static void runtime_on_exit(int status, void *arg)
{
	(void)arg;
	runtime_exit_status = status;
	runtime_exit_known = true;
	if (writer.hdr && (writer.hdr->flags & TRACE_FLAG_COMPLETE))
		writer_set_end(TRACE_END_EXIT, status);
}

NOINSTR static int runtime_start(void)
{
	struct trace_clock_point start;
	enum trace_clock_source src;

	/* A program in secure-execution mode (setuid, setgid, file
	 * capabilities) records nothing: it would write a file its caller
	 * names (or that replaces one in the caller's directory) with
	 * privileges the caller does not have. */
	if (exit_init)
		exit_init();
	if (getauxval(AT_SECURE))
		return -1;
	env_read(&runtime_cfg);
	if (runtime_cfg.disabled ||
	    (!runtime_cfg.calls && !runtime_cfg.alloc && !runtime_cfg.stages))
		return -1;
	if (runtime_cfg.calls && filter_init(&runtime_cfg) < 0)
		return -1;
	src = clock_init(runtime_cfg.clock);
	clock_point(&start);
	if (writer_open(&runtime_cfg, src) < 0)
		return -1;
	offcpu_init(&runtime_cfg);
	if (thread_init() < 0) {
		log_warn("cannot create a thread key; recording nothing");
		return -1;
	}
	writer.hdr->start = start;
	if (runtime_cfg.calibrate && runtime_cfg.calls)
		calls_calibrate(&writer.hdr->probe_self_ticks, &writer.hdr->probe_parent_ticks);
	/* The probe measurement above took some time already; top it up to
	 * the calibration interval. */
	clock_calibrate(&start, RUNTIME_CALIBRATION_NS, &writer.hdr->start_cal);
	filter_set_clock(runtime_ticks_per_ms(&start, &writer.hdr->start_cal));
	/* After a failure to grow the file, one attempt a second. */
	writer_set_retry_interval(runtime_ticks_per_ms(&start, &writer.hdr->start_cal) * 1000);
	stack_init(runtime_cfg.stack_depth);
	snapshot_init(&runtime_cfg, runtime_ticks_per_ms(&start, &writer.hdr->start_cal));
	alloc_enabled = runtime_cfg.alloc;
	if (alloc_enabled && alloc_malloc_elsewhere)
		writer.hdr->malloc_elsewhere = alloc_malloc_elsewhere();
	on_exit(runtime_on_exit, NULL);
	pthread_atfork(runtime_fork_prepare, runtime_fork_parent, runtime_fork_child);
	runtime_capture_maps(TRACE_MAPS_START);
	return 0;
}

NOINSTR void runtime_init(void)
{
	int expected = RT_UNINIT;

	/* Exactly one thread starts the runtime; the others (and hooks that
	 * run inside the start itself) do not wait: their events are not
	 * recorded, as if they had happened before the start. */
	if (!__atomic_compare_exchange_n(&runtime_state, &expected, RT_STARTING, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	tls_guard++;
	expected = runtime_start() == 0 ? RT_ACTIVE : RT_OFF;
	tls_guard--;
	__atomic_store_n(&runtime_state, expected, __ATOMIC_RELEASE);
}

__attribute__((constructor)) NOINSTR static void runtime_constructor(void)
{
	runtime_init();
}

NOINSTR void runtime_end(unsigned how, int status)
{
	struct thread_state *t;

	/* A vfork child runs in our memory: its end is not ours. */
	if (!runtime_active() || writer.hdr == NULL || writer.hdr->pid != (uint32_t)getpid())
		return;
	tls_guard++;
	if (how != TRACE_END_EXEC) {
		runtime_capture_maps(TRACE_MAPS_EXIT);
		t = thread_get();
		if (t) {
			if (alloc_enabled)
				alloc_snapshot(t, "exit");
			thread_finish(t);
		}
	} else if (tls_thread) {
		writer_count_lost(tls_thread->lost_by);
	}
	writer_finish(how, status);
	tls_guard--;
}

NOINSTR void runtime_exec_failed(void)
{
	if (!runtime_active() || writer.hdr == NULL || writer.hdr->pid != (uint32_t)getpid())
		return;
	__atomic_fetch_and(&writer.hdr->flags, ~TRACE_FLAG_COMPLETE, __ATOMIC_RELAXED);
	writer_set_end(TRACE_END_NONE, 0);
}

__attribute__((destructor)) NOINSTR static void runtime_destructor(void)
{
	runtime_end(TRACE_END_EXIT, runtime_exit_known ? runtime_exit_status : 0);
}
