/* SPDX-License-Identifier: MIT */
/*
 * compiler.h - attribute shorthands used across the recording runtime.
 */
#ifndef MPROF_COMPILER_H
#define MPROF_COMPILER_H

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Every function of the runtime: never instrumented, even if a user builds
 * the whole tree with -finstrument-functions. */
#define NOINSTR __attribute__((no_instrument_function))
/* Symbols that libmprof.so exports; everything else is hidden. */
#define MPROF_EXPORT __attribute__((visibility("default"))) NOINSTR
/* Thread-locals of the hot path: a fixed offset from the thread pointer,
 * no __tls_get_addr call (libmprof is linked or preloaded, never dlopen'ed). */
#define TLS_IE	  __attribute__((tls_model("initial-exec")))
#define NOINLINE  __attribute__((noinline))
#define COLD	  __attribute__((cold, noinline))
#define barrier() __asm__ __volatile__("" ::: "memory")

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
