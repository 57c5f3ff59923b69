// SPDX-License-Identifier: MIT
/*
 * progress.c - the progress bar of long reports (see progress.h).
 */
#include "config.h"

#include <time.h>

#include "progress.h"
#include "util.h"

#define BAR_WIDTH 30

/* The bar on the screen, for a diagnostic to erase first; NULL if none. */
static struct progress *shown_bar;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void progress_init(struct progress *p, FILE *out, const char *label, uint64_t total, bool enabled)
{
	*p = (struct progress){ .enabled = enabled, .out = out, .label = label, .total = total };
}

/* A diagnostic is coming: erase the bar (the next update draws it again). */
static void progress_erase_shown(void)
{
	if (shown_bar)
		progress_end(shown_bar);
}

static void draw(struct progress *p, uint64_t done)
{
	double frac = p->total ? (double)done / (double)p->total : 1.0;
	int fill, i;

	if (frac > 1.0)
		frac = 1.0;
	fill = (int)(frac * BAR_WIDTH);
	fprintf(p->out, "\r\033[K%s: reading '%s' [", util_progname, p->label);
	for (i = 0; i < BAR_WIDTH; i++)
		fputc(i < fill ? '#' : '.', p->out);
	fprintf(p->out, "] %3d%% %.1f/%.1f MiB", (int)(frac * 100.0),
		(double)done / (1024.0 * 1024.0), (double)p->total / (1024.0 * 1024.0));
	fflush(p->out);
	p->shown = true;
	shown_bar = p;
	util_before_message = progress_erase_shown;
}

void progress_update(struct progress *p, uint64_t done)
{
	uint64_t t;

	if (!p->enabled)
		return;
	t = now_ns();
	if (p->shown && t - p->last_ns < PROGRESS_INTERVAL_NS)
		return;
	p->last_ns = t;
	draw(p, done);
}

void progress_end(struct progress *p)
{
	if (!p->shown)
		return;
	fputs("\r\033[K", p->out);
	fflush(p->out);
	p->shown = false;
	shown_bar = NULL;
	util_before_message = NULL;
}
