/* SPDX-License-Identifier: MIT */
/*
 * window.c - the rolling window, naive and running.
 */
#include <string.h>

#include "inline.h"
#include "window.h"

void window_init(struct window *w)
{
	memset(w, 0, sizeof(*w));
}

/* x[i], 0 the oldest. */
DEMO_INLINE int64_t window_at(const struct window *w, unsigned i)
{
	return w->v[(w->head + i) % WINDOW_LEN];
}

/* Drop the oldest value. */
DEMO_INLINE void window_drop(struct window *w)
{
	w->head = (w->head + 1) % WINDOW_LEN;
	w->n--;
}

/* Append x as the newest value; there is room. */
DEMO_INLINE void window_append(struct window *w, int64_t x)
{
	w->v[(w->head + w->n) % WINDOW_LEN] = x;
	w->n++;
}

void window_sum_naive(struct window *w, int64_t x, struct window_sums *out)
{
	unsigned n;

	if (w->n == WINDOW_LEN)
		window_drop(w);
	window_append(w, x);
	n = w->n;
	/* Every sum from scratch, for every value: the window walked once
	 * per sum, as the straightforward code does. */
	out->n = n;
	out->sum = 0;
	for (unsigned i = 0; i < n; i++)
		out->sum += window_at(w, i);
	out->sumsq = 0;
	for (unsigned i = 0; i < n; i++)
		out->sumsq += window_at(w, i) * window_at(w, i);
	out->sumcube = 0;
	for (unsigned i = 0; i < n; i++)
		out->sumcube += window_at(w, i) * window_at(w, i) * window_at(w, i);
	out->wsum = 0;
	for (unsigned i = 0; i < n; i++)
		out->wsum += (int64_t)(i + 1) * window_at(w, i);
	out->wsumsq = 0;
	for (unsigned i = 0; i < n; i++)
		out->wsumsq += (int64_t)(i + 1) * window_at(w, i) * window_at(w, i);
	for (unsigned k = 1; k <= WINDOW_LAGS; k++) {
		out->lag[k - 1] = 0;
		for (unsigned i = k; i < n; i++)
			out->lag[k - 1] += window_at(w, i) * window_at(w, i - k);
	}
}

void window_sum_running(struct window *w, int64_t x, struct window_sums *out)
{
	struct window_sums *r = &w->run;
	int64_t x2 = x * x;

	if (w->n == WINDOW_LEN) {
		int64_t old = window_at(w, 0), old2 = old * old;

		/* Every weight drops by one, the oldest's to zero. */
		r->wsum -= r->sum;
		r->wsumsq -= r->sumsq;
		r->sum -= old;
		r->sumsq -= old2;
		r->sumcube -= old2 * old;
		for (unsigned k = 1; k <= WINDOW_LAGS; k++)
			r->lag[k - 1] -= window_at(w, k) * old;
		window_drop(w);
	}
	/* x becomes x[n], weighing n + 1; it pairs with x[n - k] in lag k. */
	for (unsigned k = 1; k <= WINDOW_LAGS; k++)
		if (w->n >= k)
			r->lag[k - 1] += x * window_at(w, w->n - k);
	r->wsum += (int64_t)(w->n + 1) * x;
	r->wsumsq += (int64_t)(w->n + 1) * x2;
	r->sum += x;
	r->sumsq += x2;
	r->sumcube += x2 * x;
	window_append(w, x);
	r->n = w->n;
	*out = *r;
}
