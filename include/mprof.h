/* SPDX-License-Identifier: MIT */
/*
 * mprof.h - the one installed header of mprof.
 *
 * Function timing needs no header: build with the flags of
 * `pkg-config --cflags --libs mprof` and every function's entry and exit is
 * recorded to trace.bin (see libmprof(3)). This header carries the API a
 * program may call explicitly.
 */
#ifndef MPROF_H
#define MPROF_H

#define MPROF_VERSION_MAJOR 0
#define MPROF_VERSION_MINOR 1

#endif
