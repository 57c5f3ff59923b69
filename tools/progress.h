/* SPDX-License-Identifier: MIT */
/*
 * progress.h - a one-line progress bar on stderr while a long trace is
 * read: "mprof-report: reading 'f.bin' [#####.....]  50% 12.0/24.0 MiB",
 * redrawn at most PROGRESS_INTERVAL_NS apart and erased at the end.
 *
 * Whether to show it is the caller's decision (mprof-report shows it only
 * when stderr is a terminal and the report is text): a struct progress
 * that was not enabled does nothing.
 *
 * Ownership: `label` must outlive the struct progress; nothing is
 * allocated.
 */
#ifndef MPROF_PROGRESS_H
#define MPROF_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define PROGRESS_INTERVAL_NS 100000000ull /* ten redraws a second at most */

struct progress {
	bool enabled;
	bool shown; /* a bar is on the screen */
	FILE *out;  /* stderr */
	const char *label;
	uint64_t total;	  /* bytes to read */
	uint64_t last_ns; /* CLOCK_MONOTONIC of the last redraw */
};

/* Get ready to show the reading of `total` bytes of `label` on `out`, if `enabled`. */
void progress_init(struct progress *p, FILE *out, const char *label, uint64_t total, bool enabled);

/* `done` bytes read: redraw if the last redraw is old enough. */
void progress_update(struct progress *p, uint64_t done);

/* Erase the bar, if one is shown. */
void progress_end(struct progress *p);

#endif
