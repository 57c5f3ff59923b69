/* SPDX-License-Identifier: MIT */
/*
 * svg.h - what the SVG exports (export_flame.c, export_timeline.c) share:
 * the document's opening and closing, text escaped for XML, a colour per
 * name that is the same from run to run, and numbers of pixels printed
 * without the locale's decimal comma.
 *
 * An SVG is written standalone (an XML declaration, then the <svg> element
 * with its namespace, SVG 1.1) or as an element to inline in an HTML page.
 *
 * Ownership: nothing is allocated; the strings are the caller's.
 */
#ifndef MPROF_SVG_H
#define MPROF_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Open the <svg> element of `width` x `height` pixels; the declaration first if `standalone`. */
void svg_open(FILE *out, unsigned width, unsigned height, bool standalone);
void svg_close(FILE *out);

/* `s` as XML character data or attribute value: & < > " ' escaped, control
 * characters dropped, bytes that are not valid UTF-8 replaced by U+FFFD. */
void svg_escape(FILE *out, const char *s);

/* The first `n` bytes of `s`, escaped likewise. */
void svg_escape_n(FILE *out, const char *s, size_t n);

/* A pixel coordinate, two decimals at most. */
void svg_px(FILE *out, double v);

enum svg_palette {
	SVG_PALETTE_HOT, /* time: reds, oranges, yellows */
	SVG_PALETTE_MEM, /* memory: greens and blues */
};

/* "rgb(r,g,b)" for `name`, from a hash of it: the same name, the same colour. */
void svg_colour(FILE *out, const char *name, enum svg_palette palette);

struct report;

/*
 * The flame graphs (export_flame.c) and the heap over time
 * (export_timeline.c) of `rep` as one <svg> element, standalone or not.
 * Return 0, or -1 after printing why the trace could not be read again.
 */
int export_flame_time(const struct report *rep, FILE *out, bool standalone);
/* The title of the flame graph of time: which time (report_time_of()). */
const char *export_flame_title(const struct report *rep);
int export_flame_alloc(const struct report *rep, FILE *out, bool standalone);
int export_timeline(const struct report *rep, FILE *out, bool standalone);

#endif
