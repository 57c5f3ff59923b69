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

/* Capture now. The caller holds writer.lock. Returns modules written. */
int modmap_capture_locked(enum trace_maps_reason reason, uint64_t ticks);

/* Forget what was captured (fork child: its file starts empty). */
void modmap_reset(void);

#endif
