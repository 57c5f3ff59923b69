/* SPDX-License-Identifier: MIT */
/*
 * window.h - a sensor's rolling window of its last WINDOW_LEN values and
 * the sums the features are made of, kept two ways:
 *
 *  - window_sum_naive() recomputes every sum from scratch over the window
 *    for every value: the classic mistake, O(WINDOW_LEN) per sum;
 *  - window_sum_running() keeps running sums, updated in O(1) as a value
 *    enters and the oldest leaves.
 *
 * Values are integers (milli-units) and so are the sums: both ways give
 * exactly the same numbers. A window is a plain struct its owner embeds;
 * nothing here allocates. A window is used one way only.
 */
#ifndef DEMO_WINDOW_H
#define DEMO_WINDOW_H

#include <stdint.h>

#define WINDOW_LEN  10
#define WINDOW_LAGS 4 /* lag products for lags 1 .. WINDOW_LAGS */

/* The sums over the window's n values x[0] (oldest) .. x[n-1] (newest),
 * with weights (i + 1) so that the newest weighs most. */
struct window_sums {
	int64_t sum;		  /* x[i] */
	int64_t sumsq;		  /* x[i]^2 */
	int64_t sumcube;	  /* x[i]^3 */
	int64_t wsum;		  /* (i + 1) * x[i] */
	int64_t wsumsq;		  /* (i + 1) * x[i]^2 */
	int64_t lag[WINDOW_LAGS]; /* lag[k-1]: x[i] * x[i-k], i >= k */
	unsigned n;
};

struct window {
	int64_t v[WINDOW_LEN]; /* ring: x[i] is v[(head + i) % WINDOW_LEN] */
	unsigned n, head;
	struct window_sums run; /* the running sums (running way only) */
};

void window_init(struct window *w);

/* Add x to the window (dropping the oldest value when full) and store the
 * sums over the window in *out. */
void window_sum_naive(struct window *w, int64_t x, struct window_sums *out);
void window_sum_running(struct window *w, int64_t x, struct window_sums *out);

#endif
