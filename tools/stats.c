// SPDX-License-Identifier: MIT
/*
 * stats.c - medians and their intervals, the Mann-Whitney U test, the
 * Benjamini-Hochberg procedure (see stats.h).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "util.h"

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double *sorted_copy(const double *x, size_t n)
{
	double *s = xmalloc((n ? n : 1) * sizeof(*s));

	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), by_value);
	return s;
}

/* P(B <= k) for B binomial(n, 1/2). */
static double binom_half_cdf(size_t n, size_t k)
{
	double term = ldexp(1.0, -(int)n), sum = 0; /* C(n, 0) / 2^n */
	size_t i;

	for (i = 0; i <= k && i <= n; i++) {
		sum += term;
		term = term * (double)(n - i) / (double)(i + 1);
	}
	return sum;
}

void stats_summarize(const double *x, size_t n, struct stats_summary *s)
{
	double *v = sorted_copy(x, n);
	size_t k, best = 1;

	memset(s, 0, sizeof(*s));
	s->n = n;
	if (!n) {
		free(v);
		return;
	}
	s->min = v[0];
	s->max = v[n - 1];
	s->median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	/* The interval [v(k), v(n + 1 - k)] (1-based) holds the median with
	 * probability 1 - 2 P(B <= k - 1): the widest k that keeps STATS_LEVEL. */
	for (k = 2; 2 * k <= n + 1; k++) {
		if (1 - 2 * binom_half_cdf(n, k - 1) < STATS_LEVEL)
			break;
		best = k;
	}
	s->lo = v[best - 1];
	s->hi = v[n - best];
	s->level = n > 1 ? 1 - 2 * binom_half_cdf(n, best - 1) : 0;
	free(v);
}

/* A value and which set it is of. */
struct ranked {
	double v;
	bool first;
};

static int by_ranked(const void *a, const void *b)
{
	return by_value(&((const struct ranked *)a)->v, &((const struct ranked *)b)->v);
}

/*
 * The exact two-sided p-value of the rank sum of the first set, from its
 * permutation distribution: score[i] are twice the mean ranks (integers),
 * n of the N scores are the first set's, `w2` their observed sum.
 */
static double exact_p(const unsigned *score, size_t N, size_t n, unsigned long w2)
{
	unsigned long total = (unsigned long)N * (N + 1); /* all the scores */
	size_t stride = total + 1, i, k;
	double *cnt = xcalloc((n + 1) * stride, sizeof(*cnt));
	double all = 0, tail = 0;
	/* The rank sum's mean, doubled: n (N + 1). */
	long mid = (long)n * (long)(N + 1), d = labs((long)w2 - mid);
	unsigned long s;

	cnt[0] = 1;
	for (i = 0; i < N; i++) {
		for (k = (i + 1 < n ? i + 1 : n); k >= 1; k--) {
			double *to = &cnt[k * stride], *from = &cnt[(k - 1) * stride];

			for (s = total; s >= score[i]; s--)
				to[s] += from[s - score[i]];
		}
	}
	for (s = 0; s <= total; s++) {
		all += cnt[n * stride + s];
		if (labs((long)s - mid) >= d)
			tail += cnt[n * stride + s];
	}
	free(cnt);
	return all > 0 && tail < all ? tail / all : 1;
}

/* The normal approximation from U, the sizes and the ties' sum of t^3 - t. */
static double normal_p(double u, double n, double m, double ties)
{
	double N = n + m, mean = n * m / 2;
	double var = n * m / 12 * ((N + 1) - (N > 1 ? ties / (N * (N - 1)) : 0));
	double z;

	if (var <= 0)
		return 1;
	z = (fabs(u - mean) - 0.5) / sqrt(var);
	if (z <= 0)
		return 1;
	return erfc(z / sqrt(2.0));
}

double stats_mann_whitney(const double *x, size_t n, const double *y, size_t m)
{
	size_t N = n + m, i, j;
	struct ranked *r = xmalloc(N * sizeof(*r));
	unsigned *score = xmalloc(N * sizeof(*score));
	unsigned long w2 = 0;
	double ties = 0, p;

	for (i = 0; i < n; i++)
		r[i] = (struct ranked){ x[i], true };
	for (i = 0; i < m; i++)
		r[n + i] = (struct ranked){ y[i], false };
	qsort(r, N, sizeof(*r), by_ranked);
	/* Twice the mean rank of each run of equal values. */
	for (i = 0; i < N; i = j) {
		double t;

		for (j = i + 1; j < N && r[j].v == r[i].v; j++)
			;
		t = (double)(j - i);
		ties += t * t * t - t;
		for (size_t k = i; k < j; k++) {
			score[k] = (unsigned)(i + 1 + j);
			if (r[k].first)
				w2 += score[k];
		}
	}
	if (ties == (double)N * N * N - (double)N)
		p = 1; /* one value throughout */
	else if (N <= STATS_EXACT_MAX)
		p = exact_p(score, N, n, w2);
	else
		p = normal_p((double)w2 / 2 - (double)n * (double)(n + 1) / 2, (double)n, (double)m,
			     ties);
	free(score);
	free(r);
	return p;
}

double stats_mann_whitney_min_p(size_t n, size_t m)
{
	double c = 1;

	/* Wholly separated sets: 2 of the C(n + m, n) splits. */
	for (size_t i = 1; i <= n; i++)
		c = c * (double)(m + i) / (double)i;
	return c > 2 ? 2 / c : 1;
}

double stats_mann_whitney_binned(const uint64_t *x, const uint64_t *y, size_t nbins)
{
	double n = 0, m = 0, below = 0, rx = 0, ties = 0;
	size_t i;

	for (i = 0; i < nbins; i++) {
		n += (double)x[i];
		m += (double)y[i];
	}
	if (!n || !m)
		return 1;
	for (i = 0; i < nbins; i++) {
		double t = (double)x[i] + (double)y[i];

		if (!t)
			continue;
		rx += (double)x[i] * (below + (t + 1) / 2);
		ties += t * t * t - t;
		below += t;
	}
	return normal_p(rx - n * (n + 1) / 2, n, m, ties);
}

/* An index into the p-values, ordered by them. */
struct ranked_p {
	double p;
	size_t i;
};

static int by_p(const void *a, const void *b)
{
	const struct ranked_p *x = a, *y = b;

	if (x->p != y->p)
		return (x->p > y->p) - (x->p < y->p);
	return (x->i > y->i) - (x->i < y->i);
}

void stats_benjamini_hochberg(const double *p, size_t k, double q, bool *sig)
{
	struct ranked_p *r;
	size_t i, last = 0;

	memset(sig, 0, k * sizeof(*sig));
	if (!k)
		return;
	r = xmalloc(k * sizeof(*r));
	for (i = 0; i < k; i++)
		r[i] = (struct ranked_p){ p[i], i };
	qsort(r, k, sizeof(*r), by_p);
	for (i = 0; i < k; i++) {
		if (r[i].p <= (double)(i + 1) * q / (double)k)
			last = i + 1;
	}
	for (i = 0; i < last; i++)
		sig[r[i].i] = true;
	free(r);
}
