/* SPDX-License-Identifier: MIT */
/*
 * mprof.h - the one installed header of mprof.
 *
 * Function timing needs no header: build with the flags of
 * `pkg-config --cflags --libs mprof` and every function's entry and exit is
 * recorded to trace.bin. Allocations need none either: run the program with
 * LD_PRELOAD=libmprof.so (or link it with -lmprof). See libmprof(3).
 *
 * This header carries what a program may call explicitly. Every function is
 * declared weak: a program that includes it runs unchanged when it is
 * neither linked with -lmprof nor run under LD_PRELOAD, the calls then doing
 * nothing. Call through the macros, which test for the function first:
 *
 *	#include <mprof.h>
 *	...
 *	MPROF_SNAPSHOT("before load");
 *	load();
 *	MPROF_SNAPSHOT("after load");
 *
 * and then `mprof-report --diff "before load" "after load" trace.bin`.
 * (The weak reference is resolved at run time, so the program must be
 * dynamically linked; with LD_PRELOAD that needs a PIE or -fPIC build,
 * which is the default on Debian.)
 */
#ifndef MPROF_H
#define MPROF_H

#define MPROF_VERSION_MAJOR 0
#define MPROF_VERSION_MINOR 1

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Mark this moment in the trace with `label` (at most 255 bytes are kept).
 * The reporter computes the live heap at every marker; --diff compares two
 * of them. Safe from any thread; does nothing when mprof is not recording.
 */
void mprof_snapshot(const char *label) __attribute__((weak));

#ifdef __cplusplus
}
#endif

#define MPROF_SNAPSHOT(label)                  \
	do {                                   \
		if (mprof_snapshot)            \
			mprof_snapshot(label); \
	} while (0)

#endif
