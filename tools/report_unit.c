// SPDX-License-Identifier: MIT
/*
 * report_unit.c - the unit of the text report's time columns (--unit): one
 * of s, ms, us, ns per table, chosen from the times the table shows so that
 * the small ones keep three significant digits in pstats's "%8.3f" columns
 * and the large ones still fit them.
 */
#include "config.h"

#include <string.h>

#include "report.h"

static const struct {
	const char *symbol, *name;
	double ns; /* nanoseconds in one */
} units[] = {
	[REPORT_UNIT_S] = { "s", "seconds", 1e9 },
	[REPORT_UNIT_MS] = { "ms", "milliseconds", 1e6 },
	[REPORT_UNIT_US] = { "us", "microseconds", 1e3 },
	[REPORT_UNIT_NS] = { "ns", "nanoseconds", 1 },
};

int report_unit_parse(const char *symbol, enum report_unit *unit)
{
	enum report_unit u;

	for (u = REPORT_UNIT_S; u <= REPORT_UNIT_NS; u++) {
		if (!strcmp(symbol, units[u].symbol)) {
			*unit = u;
			return 0;
		}
	}
	return -1;
}

const char *report_unit_symbol(enum report_unit unit)
{
	return units[unit].symbol;
}

const char *report_unit_name(enum report_unit unit)
{
	return units[unit].name;
}

double report_unit_value(uint64_t ns, uint64_t n, enum report_unit unit)
{
	/* This order of operations is the one of the seconds printed before
	 * there were units: --unit s stays byte for byte what it was. */
	return (double)ns / units[unit].ns / (double)n;
}

void report_span_add(struct report_span *s, uint64_t ns, uint64_t n)
{
	double v;

	if (!ns || !n)
		return;
	v = (double)ns / (double)n;
	if (!s->min_n || v < (double)s->min_ns / (double)s->min_n) {
		s->min_ns = ns;
		s->min_n = n;
	}
	if (!s->max_n || v > (double)s->max_ns / (double)s->max_n) {
		s->max_ns = ns;
		s->max_n = n;
	}
}

/* The time as a column shows it, without the padding: "%.3f" in `unit`. */
static int shown(char *buf, size_t len, uint64_t ns, uint64_t n, enum report_unit unit)
{
	return snprintf(buf, len, "%.3f", report_unit_value(ns, n, unit));
}

/* True if the largest time fits the column's 8 characters in `unit`. */
static bool fits(const struct report_span *s, enum report_unit unit)
{
	char buf[48];

	return shown(buf, sizeof(buf), s->max_ns, s->max_n, unit) <= REPORT_UNIT_WIDTH;
}

/* True if the smallest non-zero time reads 0.100 or more in `unit`. */
static bool readable(const struct report_span *s, enum report_unit unit)
{
	char buf[48];

	shown(buf, sizeof(buf), s->min_ns, s->min_n, unit);
	/* "0.0xy" has fewer than three significant digits, "0.xyz" has three */
	return buf[0] != '0' || buf[2] != '0';
}

enum report_unit report_unit_choose(const struct report_span *s, enum report_unit forced)
{
	enum report_unit u, best = REPORT_UNIT_S;

	if (forced != REPORT_UNIT_AUTO)
		return forced;
	if (!s->min_n)
		return REPORT_UNIT_S;
	for (u = REPORT_UNIT_S; u <= REPORT_UNIT_NS && fits(s, u); u++) {
		best = u;
		if (readable(s, u))
			break;
	}
	return best;
}

enum report_unit report_view_unit(const struct report_view *v, enum report_unit forced)
{
	struct report_span span = { 0 };
	size_t i;

	for (i = 0; i < v->nrows; i++) {
		const struct report_func *f = v->rows[i];

		report_span_add(&span, f->self_ns, 1);
		report_span_add(&span, f->self_ns, f->calls);
		report_span_add(&span, f->cum_ns, 1);
		report_span_add(&span, f->cum_ns, f->prim_calls);
	}
	return report_unit_choose(&span, forced);
}
