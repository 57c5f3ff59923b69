/* SPDX-License-Identifier: MIT */
/*
 * pipeline.c - the demo pipeline (first cut): sensor records flow through
 * generate -> filter -> normalize -> features, with the window sum of the
 * features stage recomputed from scratch for every record (the classic
 * mistake) unless --window-sum running is given.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW 10

struct record {
	unsigned id;
	double value;
};

struct window {
	double v[WINDOW];
	unsigned n, head;
	double sum;
};

static unsigned long long rng_state = 88172645463325252ull;

static double generate_value(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double)(rng_state % 10000) / 100.0;
}

static int generate(struct record *r, unsigned id)
{
	r->id = id;
	r->value = generate_value();
	return 1;
}

static int keep(const struct record *r)
{
	return r->value >= 5.0;
}

static void normalize(struct record *r)
{
	r->value = r->value / 100.0;
}

static double window_sum_naive(const struct window *w)
{
	double s = 0;

	for (unsigned i = 0; i < w->n; i++)
		s += w->v[i];
	return s;
}

static double window_push(struct window *w, double x, int running)
{
	if (w->n == WINDOW)
		w->sum -= w->v[w->head];
	else
		w->n++;
	w->v[w->head] = x;
	w->head = (w->head + 1) % WINDOW;
	w->sum += x;
	return running ? w->sum : window_sum_naive(w);
}

static double feature(struct window *w, const struct record *r, int running)
{
	double sum = window_push(w, r->value, running);

	return sum / w->n;
}

int main(int argc, char **argv)
{
	unsigned records = 200000, kept = 0;
	int running = 0;
	struct window w;
	double checksum = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--records") && i + 1 < argc)
			records = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--window-sum") && i + 1 < argc)
			running = !strcmp(argv[++i], "running");
		else {
			fprintf(stderr, "usage: %s [--records N] [--window-sum naive|running]\n",
				argv[0]);
			return 2;
		}
	}
	memset(&w, 0, sizeof(w));
	for (unsigned id = 0; id < records; id++) {
		struct record r;

		generate(&r, id);
		if (!keep(&r))
			continue;
		normalize(&r);
		checksum += feature(&w, &r, running);
		kept++;
	}
	printf("records=%u kept=%u checksum=%.6f\n", records, kept, checksum);
	return 0;
}
