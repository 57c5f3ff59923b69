/* SPDX-License-Identifier: MIT */
/*
 * inline.h - how the demo marks its tiny per-element helpers.
 *
 * -finstrument-functions times every inlined copy of a function too: a
 * two-line helper called for each element of a window would cost an event
 * pair per element and bury the profile in its own overhead. The helpers
 * below per-record work are therefore inlined and not timed; the functions
 * that do a record's or a batch's work are, so the profile names them.
 */
#ifndef DEMO_INLINE_H
#define DEMO_INLINE_H

#define DEMO_INLINE static inline __attribute__((always_inline, no_instrument_function))

#endif
