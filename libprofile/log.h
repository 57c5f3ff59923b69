/* SPDX-License-Identifier: MIT */
/*
 * log.h - warnings from inside the traced process.
 *
 * Safe to call from any hook or signal handler: the message is formatted in
 * a stack buffer and written with one write(2) to stderr; errno is preserved.
 * Nothing is printed when MPROF_QUIET=1.
 */
#ifndef MPROF_LOG_H
#define MPROF_LOG_H

#include <stdbool.h>

extern bool log_quiet;

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
