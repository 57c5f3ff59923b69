/* SPDX-License-Identifier: MIT */
/*
 * check_stats.c - unit tests of tools/stats.c: the median and its interval,
 * the Mann-Whitney U test (exact, with ties, normal, binned) against values
 * worked out by hand from the permutation distribution, Benjamini-Hochberg,
 * and the promise --compare rests on: two sets of runs drawn from one
 * distribution are called different in at most STATS_ALPHA of the tries,
 * over many figures at once.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "stats.h"

/* C(n, k) as a double. */
static double choose(unsigned n, unsigned k)
{
	double c = 1;

	for (unsigned i = 1; i <= k; i++)
		c = c * (double)(n - k + i) / (double)i;
	return c;
}

START_TEST(median_interval)
{
	double x[10] = { 7, 3, 10, 1, 9, 2, 8, 4, 6, 5 };
	struct stats_summary s;

	/* n = 10: [x(2), x(9)] holds the median with 1 - 2 (1 + 10) / 1024;
	 * [x(3), x(8)] only with 1 - 2 (1 + 10 + 45) / 1024 < 95%. */
	stats_summarize(x, 10, &s);
	ck_assert_uint_eq(s.n, 10);
	ck_assert_double_eq(s.median, 5.5);
	ck_assert_double_eq(s.lo, 2);
	ck_assert_double_eq(s.hi, 9);
	ck_assert_double_eq_tol(s.level, 1 - 2 * 11.0 / 1024, 1e-12);
	ck_assert_double_eq(s.min, 1);
	ck_assert_double_eq(s.max, 10);
	/* The input is not reordered. */
	ck_assert_double_eq(x[0], 7);

	/* Five runs cannot reach 95%: the range, at 1 - 2 / 32. */
	stats_summarize(x, 5, &s);
	ck_assert_double_eq(s.median, 7);
	ck_assert_double_eq(s.lo, 1);
	ck_assert_double_eq(s.hi, 10);
	ck_assert_double_eq_tol(s.level, 1 - 2.0 / 32, 1e-12);

	/* One run: no noise estimate. */
	stats_summarize(x, 1, &s);
	ck_assert_double_eq(s.median, 7);
	ck_assert_double_eq(s.lo, 7);
	ck_assert_double_eq(s.hi, 7);
	ck_assert_double_eq(s.level, 0);
}
END_TEST

START_TEST(exact_separated)
{
	double a[10], b[10];
	unsigned n;

	/* Wholly separated sets: only 2 of the C(2n, n) splits are as extreme. */
	for (n = 1; n <= 10; n++) {
		for (unsigned i = 0; i < n; i++) {
			a[i] = 100 + i;
			b[i] = 200 + 3 * i;
		}
		ck_assert_double_eq_tol(stats_mann_whitney(a, n, b, n), 2 / choose(2 * n, n),
					1e-12);
		ck_assert_double_eq_tol(stats_mann_whitney(b, n, a, n), 2 / choose(2 * n, n),
					1e-12);
	}
}
END_TEST

START_TEST(exact_interleaved)
{
	/* Ranks 1, 3, 5 against 2, 4, 6: the rank sum 9 is 1.5 below its mean
	 * 10.5; of the 20 subsets of {1..6}, 14 have a sum <= 9 or >= 12. */
	double x[] = { 1, 3, 5 }, y[] = { 2, 4, 6 };
	/* Unequal sizes: 1 against 2, 3: rank sum 1, mean 2, the subsets {1}
	 * and {3} as far: p = 2/3. */
	double u[] = { 1 }, v[] = { 2, 3 };

	ck_assert_double_eq_tol(stats_mann_whitney(x, 3, y, 3), 14.0 / 20, 1e-12);
	ck_assert_double_eq_tol(stats_mann_whitney(u, 1, v, 2), 2.0 / 3, 1e-12);
}
END_TEST

START_TEST(exact_ties)
{
	/* Counts that differ but are the same in every run of a side: the mean
	 * ranks 2 and 5, and only the two splits by value are as extreme. */
	double x[] = { 100, 100, 100 }, y[] = { 120, 120, 120 };
	double same[] = { 7, 7, 7, 7 };
	/* 1, 2, 2 against 2, 3, 3: doubled mean ranks 2, 6, 6 | 6, 11, 11,
	 * the first set's sum 14 against the mean 21; the splits at least as
	 * far from it are counted by brute force below. */
	double p[] = { 1, 2, 2 }, q[] = { 2, 3, 3 };
	unsigned score[6] = { 2, 6, 6, 6, 11, 11 }, mask, hits = 0;

	ck_assert_double_eq_tol(stats_mann_whitney(x, 3, y, 3), 2.0 / 20, 1e-12);
	ck_assert_double_eq(stats_mann_whitney(same, 2, same + 2, 2), 1);
	/* Brute force over the 20 splits: |sum - 21| >= |14 - 21|. */
	for (mask = 0; mask < 64; mask++) {
		unsigned sum = 0, bits = 0;

		for (unsigned i = 0; i < 6; i++) {
			if (mask & (1u << i)) {
				sum += score[i];
				bits++;
			}
		}
		if (bits == 3 && abs((int)sum - 21) >= 7)
			hits++;
	}
	ck_assert_double_eq_tol(stats_mann_whitney(p, 3, q, 3), hits / 20.0, 1e-12);
}
END_TEST

START_TEST(normal_large)
{
	double x[30], y[30];
	double n = 30, mean = n * n / 2, sd = sqrt(n * n * (2 * n + 1) / 12);

	/* Beyond STATS_EXACT_MAX: U = 0, the normal tail with continuity. */
	for (int i = 0; i < 30; i++) {
		x[i] = i;
		y[i] = 30 + i;
	}
	ck_assert_double_eq_tol(stats_mann_whitney(x, 30, y, 30),
				erfc((mean - 0.5) / sd / sqrt(2.0)), 1e-15);
	/* Interleaved: U is at its mean, p = 1. */
	for (int i = 0; i < 30; i++) {
		x[i] = 2 * i;
		y[i] = 2 * i + 1;
	}
	ck_assert_double_gt(stats_mann_whitney(x, 30, y, 30), 0.8);
}
END_TEST

START_TEST(binned_matches_expanded)
{
	uint64_t bx[4] = { 10, 5, 0, 20 }, by[4] = { 0, 5, 15, 5 };
	double x[35], y[25];
	size_t nx = 0, ny = 0;

	/* The same samples as values: the same normal approximation. */
	for (unsigned b = 0; b < 4; b++) {
		for (uint64_t k = 0; k < bx[b]; k++)
			x[nx++] = b;
		for (uint64_t k = 0; k < by[b]; k++)
			y[ny++] = b;
	}
	ck_assert_uint_gt(nx + ny, STATS_EXACT_MAX);
	ck_assert_double_eq_tol(stats_mann_whitney_binned(bx, by, 4),
				stats_mann_whitney(x, nx, y, ny), 1e-12);
	ck_assert_double_eq(stats_mann_whitney_binned(bx, bx, 0), 1);
}
END_TEST

START_TEST(bh)
{
	double p1[] = { 0.01, 0.04, 0.03, 0.5 }, p2[] = { 0.04, 0.01, 0.03, 0.02 };
	bool sig[4];

	/* 0.01 <= 1/4 q; 0.03 > 2/4 q, 0.04 > 3/4 q. */
	stats_benjamini_hochberg(p1, 4, 0.05, sig);
	ck_assert(sig[0] && !sig[1] && !sig[2] && !sig[3]);
	/* The largest, 0.04, is at 4/4 q: all four. */
	stats_benjamini_hochberg(p2, 4, 0.05, sig);
	ck_assert(sig[0] && sig[1] && sig[2] && sig[3]);
}
END_TEST

/* xorshift64*: a fixed stream, so that the test never flakes. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static double uniform(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

/* A skewed run time: 100 plus an exponential tail. */
static double run_time(void)
{
	return 100 - 5 * log(1 - uniform());
}

START_TEST(null_family)
{
	enum { TRIES = 2000, FIGURES = 30, RUNS = 8 };
	unsigned hits = 0;

	/* Two sets of runs of one unchanged program, 30 figures each. */
	for (unsigned t = 0; t < TRIES; t++) {
		double p[FIGURES], a[RUNS], b[RUNS];
		bool sig[FIGURES], any = false;

		for (unsigned f = 0; f < FIGURES; f++) {
			for (unsigned r = 0; r < RUNS; r++) {
				a[r] = run_time();
				b[r] = run_time();
			}
			p[f] = stats_mann_whitney(a, RUNS, b, RUNS);
		}
		stats_benjamini_hochberg(p, FIGURES, STATS_ALPHA, sig);
		for (unsigned f = 0; f < FIGURES; f++)
			any |= sig[f];
		hits += any;
	}
	/* At most STATS_ALPHA of the tries, give or take three standard
	 * deviations of a binomial count at that rate. */
	ck_assert_uint_le(hits, (unsigned)(TRIES * STATS_ALPHA +
					   3 * sqrt(TRIES * STATS_ALPHA * (1 - STATS_ALPHA))));
}
END_TEST

START_TEST(power)
{
	double a[8], b[8];

	/* A 2x change over that noise is found with eight runs a side. */
	for (unsigned r = 0; r < 8; r++) {
		a[r] = run_time();
		b[r] = run_time() / 2;
	}
	ck_assert_double_lt(stats_mann_whitney(a, 8, b, 8), STATS_ALPHA / 30);
}
END_TEST

static Suite *stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, median_interval);
	tcase_add_test(tc, exact_separated);
	tcase_add_test(tc, exact_interleaved);
	tcase_add_test(tc, exact_ties);
	tcase_add_test(tc, normal_large);
	tcase_add_test(tc, binned_matches_expanded);
	tcase_add_test(tc, bh);
	tcase_add_test(tc, power);
	suite_add_tcase(s, tc);
	/* 2000 tries of 30 figures: seconds under a sanitizer on a busy machine. */
	tc = tcase_create("family");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, null_family);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(stats_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
