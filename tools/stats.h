/* SPDX-License-Identifier: MIT */
/*
 * stats.h - the statistics of the re-measure step (compare.h): how a figure
 * varies over runs, and whether two sets of runs differ by more than that.
 *
 * Everything here is distribution-free: run times are skewed (a run is never
 * faster than the machine allows, and sometimes much slower), so neither a
 * mean nor a normal model describes them.
 *
 *  - The centre of a set of runs is its median; its spread the confidence
 *    interval of the median from order statistics (the binomial interval:
 *    the k-th smallest and k-th largest run, k as large as keeps the
 *    confidence at STATS_LEVEL or more). Fewer than six runs cannot reach
 *    95%: the interval is then the range of the runs, and `level` says how
 *    confident it is (1 - 2/2^n; 0 for one run: no noise estimate).
 *  - Two sets are compared with the Mann-Whitney U test (the Wilcoxon rank
 *    sum), two-sided: exact (the permutation distribution of the rank sum,
 *    with tied values given their mean rank) up to STATS_EXACT_MAX values
 *    in all, the normal approximation with the tie correction and a
 *    continuity correction above that.
 *  - Many figures are compared at once (every function, every stage), so a
 *    change is called significant by the Benjamini-Hochberg procedure over
 *    all of them at a false discovery rate of STATS_ALPHA: when nothing
 *    changed, the chance that anything at all is called significant is at
 *    most STATS_ALPHA (and less with exact tests on few runs, whose
 *    p-values are discrete).
 *
 * Pure functions on caller-owned arrays; nothing is allocated that outlives
 * a call.
 */
#ifndef MPROF_STATS_H
#define MPROF_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The false discovery rate of a comparison. 1%, not benchstat's 5%: a
 * comparison tests tens of figures, and two sets of runs of an unchanged
 * program must come out "~" throughout in at least 19 tries of 20 (at 5%,
 * one try in 20 may mark something, and 20 tries show two in one case of
 * four). Ten runs a side still reach p = 1e-5. */
#define STATS_ALPHA	0.01
#define STATS_LEVEL	0.95 /* the confidence of a median's interval */
#define STATS_EXACT_MAX 40   /* values in both sets up to which U is exact */

/* A set of runs of one figure. */
struct stats_summary {
	size_t n;
	double median;
	double lo, hi; /* the median's confidence interval (lo <= median <= hi) */
	double level;  /* its confidence: >= STATS_LEVEL, less below six runs, 0 for one */
	double min, max;
};

/* Summarize x[0 .. n - 1] (n >= 1; x is left unchanged). */
void stats_summarize(const double *x, size_t n, struct stats_summary *s);

/*
 * The two-sided p-value of the Mann-Whitney U test that x[0 .. n - 1] and
 * y[0 .. m - 1] come from the same distribution (n, m >= 1): 1 when every
 * value is the same. Neither array is changed.
 */
double stats_mann_whitney(const double *x, size_t n, const double *y, size_t m);

/* The smallest p-value stats_mann_whitney() can give for sets of n and m runs. */
double stats_mann_whitney_min_p(size_t n, size_t m);

/*
 * The same for two distributions given as counts over the same ordered
 * bins (per-event samples of one run each: latencies, per-call times):
 * bin i holds x[i] samples of the one and y[i] of the other. Always the
 * normal approximation, with the tie correction of the bins. 1 when a side
 * has no sample.
 */
double stats_mann_whitney_binned(const uint64_t *x, const uint64_t *y, size_t nbins);

/*
 * Benjamini-Hochberg at rate q: sig[i] is set for the p-values p[0 .. k - 1]
 * called significant (those at or below the largest p(j) <= j q / k).
 */
void stats_benjamini_hochberg(const double *p, size_t k, double q, bool *sig);

#endif
