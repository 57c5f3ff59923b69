/* SPDX-License-Identifier: MIT */
/*
 * modmap.h - capture the process's module maps for offline symbolization.
 *
 * One capture writes a MAPS record and one MODULE record per loaded object
 * (executable and shared libraries: path, load bias, address range,
 * build-id) to the process chunks. Nothing is symbolized here.
 */
#ifndef MPROF_MODMAP_H
#define MPROF_MODMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "trace_format.h"

/* Have objects been loaded or unloaded since the last capture? Cheap (one
 * dl_iterate_phdr step), but takes the loader lock. */
bool modmap_changed(void);

/* The MODULE records of the objects loaded now, gathered with no lock of
 * ours held (dl_iterate_phdr takes the loader's lock: a program's own
 * dl_iterate_phdr callback may be inside a hook that waits for writer.lock,
 * so the loader is never called with writer.lock held). */
struct modmap_capture {
	uint64_t *words; /* MODULE records back to back (mmap'd) */
	size_t n, cap;	 /* words used, words mapped */
	unsigned long long adds, subs, objects;
	bool failed;
	char exe[TRACE_PATH_MAX];
	char path[TRACE_PATH_MAX]; /* scratch: a relative name made absolute */
};

/* Gather the records into cap. Returns 0, or -1 (no memory). */
int modmap_collect(struct modmap_capture *cap);
void modmap_release(struct modmap_capture *cap);

/* Write a MAPS record and cap's MODULE records. The caller holds
 * writer.lock. Returns the modules written, or -1. */
int modmap_write_locked(const struct modmap_capture *cap, enum trace_maps_reason reason,
			uint64_t ticks);

/* The /proc/self/map_files link of the mapping that holds [start, end)
 * (rounded out to pages): it opens, or names, the very file the loader
 * mapped there, whatever its name or the directory now. */
#define MODMAP_LINK_MAX 64
void modmap_link(uintptr_t start, uintptr_t end, char buf[MODMAP_LINK_MAX]);

/* Forget what was captured (fork child: its file starts empty). */
void modmap_reset(void);

#endif
