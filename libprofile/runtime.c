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
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "alloc.h"
#include "calls.h"
#include "clock.h"
#include "compiler.h"
#include "filter.h"
#include "log.h"
#include "modmap.h"
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
	int cancel;

	if (!always && !modmap_changed())
		return;
	/* Large (a path buffer), and several threads may capture at once: no
	 * lock may be held while the loader is called (see modmap.h). */
	cap = mmap(NULL, sizeof(*cap), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (cap == MAP_FAILED)
		return;
	if (modmap_collect(cap) == 0) {
		cancel = writer_lock();
		if (writer.hdr) {
			modmap_write_locked(cap, reason, clock_ticks());
			/* A trace's first records say how it was filtered. */
			if (reason == TRACE_MAPS_START && runtime_cfg.calls)
				filter_write_records_locked();
		}
		writer_unlock(cancel);
		modmap_release(cap);
	}
	munmap(cap, sizeof(*cap));
}

static int fork_cancel_state; /* of the forking thread, across the fork */

NOINSTR static void runtime_fork_prepare(void)
{
	tls_guard++;
	filter_fork_lock();
	fork_cancel_state = writer_lock();
}

NOINSTR static void runtime_fork_parent(void)
{
	writer_unlock(fork_cancel_state);
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
	writer_unlock(fork_cancel_state);
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

NOINSTR static int runtime_start(void)
{
	struct trace_clock_point start;
	enum trace_clock_source src;

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
	stack_init(runtime_cfg.stack_depth);
	snapshot_init(&runtime_cfg, runtime_ticks_per_ms(&start, &writer.hdr->start_cal));
	alloc_enabled = runtime_cfg.alloc;
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

__attribute__((destructor)) NOINSTR static void runtime_destructor(void)
{
	struct thread_state *t;

	if (!runtime_active())
		return;
	tls_guard++;
	runtime_capture_maps(TRACE_MAPS_EXIT);
	t = thread_get();
	if (t) {
		if (alloc_enabled)
			alloc_snapshot(t, "exit");
		thread_finish(t);
	}
	writer_finish();
	tls_guard--;
}
