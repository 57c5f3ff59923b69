/* SPDX-License-Identifier: MIT */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "clock.h"
#include "log.h"
#include "runtime.h"
#include "snapshot.h"
#include "thread.h"

volatile sig_atomic_t snapshot_signals;
unsigned snapshot_signals_taken;
uint64_t snapshot_period_ticks;
static uint64_t snapshot_next_ticks; /* when the period's next marker is due */
static unsigned snapshot_periods;    /* period markers written */

NOINSTR static void snapshot_on_signal(int sig)
{
	snapshot_signals = snapshot_signals + 1;
}

NOINSTR void snapshot_init(const struct env_config *cfg, uint64_t ticks_per_ms)
{
	if (cfg->snapshot_signal) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = snapshot_on_signal;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		if (sigaction(cfg->snapshot_signal, &sa, NULL) < 0)
			log_warn(
			    "MPROF_SNAPSHOT_SIGNAL: cannot handle signal %d; no snapshots on it",
			    cfg->snapshot_signal);
	}
	if (cfg->snapshot_period_ms) {
		snapshot_period_ticks = cfg->snapshot_period_ms * (ticks_per_ms ? ticks_per_ms : 1);
		snapshot_next_ticks = clock_ticks() + snapshot_period_ticks;
	}
}

NOINSTR void snapshot_poll_slow(struct thread_state *t)
{
	unsigned raised = (unsigned)snapshot_signals, taken = snapshot_signals_taken;
	char label[32];

	/* Each raise is claimed by exactly one thread. */
	while (taken != raised) {
		if (__atomic_compare_exchange_n(&snapshot_signals_taken, &taken, taken + 1, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
			snprintf(label, sizeof(label), "signal-%u", taken + 1);
			alloc_snapshot(t, label);
			taken++;
		}
	}
	if (snapshot_period_ticks) {
		uint64_t now = clock_ticks(), due = snapshot_next_ticks;

		if (now >= due && __atomic_compare_exchange_n(&snapshot_next_ticks, &due,
							      now + snapshot_period_ticks, false,
							      __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
			unsigned n = __atomic_add_fetch(&snapshot_periods, 1, __ATOMIC_RELAXED);

			snprintf(label, sizeof(label), "period-%u", n);
			alloc_snapshot(t, label);
		}
	}
}

#include "mprof.h"

MPROF_EXPORT void mprof_snapshot(const char *label)
{
	struct thread_state *t;

	/* A snapshot marks the live heap: nothing to mark without allocations. */
	if (tls_guard || !runtime_active() || !alloc_enabled)
		return;
	tls_guard++;
	t = thread_get();
	if (t)
		alloc_snapshot(t, label ? label : "");
	tls_guard--;
}
