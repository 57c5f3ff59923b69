/* SPDX-License-Identifier: MIT */
/*
 * pipeline.c - the demo pipeline: sensor records flow through generate ->
 * filter -> normalize -> features on a pool of workers, each worker over
 * its own shard of the sensors (stages.h). This file reads the options,
 * sets the chains up, runs them, prints what the stages measured and what
 * the collectors cost, and releases everything through one path.
 *
 * Whatever the options other than --records, the features are the same:
 * the computation is integer-exact and each sensor's records are worked on
 * in order by one worker, so the checksum (over the sensors in order) is
 * too.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mprof.h>

#include "cache.h"
#include "collectors.h"
#include "pool.h"
#include "source.h"
#include "stages.h"

#define RECORDS_MAX    100000000000ull /* a sensor's seq stays in 32 bits */
#define BATCH_MAX      1048576ull
#define COLLECTORS_MAX 100000000ull

struct options {
	struct chain_config chain;
	unsigned workers;
	size_t collectors;
	bool quiet;
};

static const char usage[] =
    "usage: pipeline [--records N] [--workers N] [--window-sum naive|running]\n"
    "                [--collectors N] [--cache none|lru:N|ttl:MS] [--batch N] [--quiet]\n"
    "\n"
    "  --records N      sensor readings to generate (default 50000)\n"
    "  --workers N      worker threads, 1 to 64, each over its shard of the\n"
    "                   64 sensors (default 2)\n"
    "  --window-sum M   naive: every window sum recomputed for every record\n"
    "                   (the default, on purpose); running: running sums\n"
    "  --collectors N   make N metrics collectors of each kind between the\n"
    "                   snapshots collectors:start, :dict and :slots (default 10000)\n"
    "  --cache SPEC     the calibration cache of each worker: none, lru:N\n"
    "                   (at most N entries) or ttl:MS (default lru:256)\n"
    "  --batch N        records per hand-off between stages (default 256)\n"
    "  --quiet          print the checksum line only\n";

/* A printf-style message on stderr, one line prefixed "pipeline: ". */
__attribute__((format(printf, 1, 2))) static void error(const char *fmt, ...)
{
	va_list ap;

	fputs("pipeline: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void bad_value(const char *option, const char *val, const char *expected)
{
	error("invalid value '%s' for --%s: expected %s", val, option, expected);
}

/* A decimal count in [min, max] for option `name`. */
static int parse_count(const char *name, const char *val, unsigned long long min,
		       unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	char *end;
	char range[64];

	errno = 0;
	v = strtoull(val, &end, 10);
	if (*val < '0' || *val > '9' || *end != '\0' || errno || v < min || v > max) {
		snprintf(range, sizeof(range), "a number from %llu to %llu", min, max);
		bad_value(name, val, range);
		return -1;
	}
	*out = v;
	return 0;
}

/* Returns 0, 1 when --help was printed, or -1 after a one-line message. */
static int options_parse(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{ "records", required_argument, NULL, 'r' },
		{ "workers", required_argument, NULL, 'w' },
		{ "window-sum", required_argument, NULL, 's' },
		{ "collectors", required_argument, NULL, 'c' },
		{ "cache", required_argument, NULL, 'C' },
		{ "batch", required_argument, NULL, 'b' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	int c;

	memset(opt, 0, sizeof(*opt));
	opt->chain.records = 50000;
	opt->chain.batch = 256;
	opt->chain.cache.kind = CACHE_LRU;
	opt->chain.cache.capacity = 256;
	opt->workers = 2;
	opt->collectors = 10000;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (parse_count("records", optarg, 0, RECORDS_MAX, &v) < 0)
				return -1;
			opt->chain.records = v;
			break;
		case 'w':
			if (parse_count("workers", optarg, 1, SOURCE_SENSORS, &v) < 0)
				return -1;
			opt->workers = (unsigned)v;
			break;
		case 's':
			if (!strcmp(optarg, "naive")) {
				opt->chain.running = false;
			} else if (!strcmp(optarg, "running")) {
				opt->chain.running = true;
			} else {
				bad_value("window-sum", optarg, "naive or running");
				return -1;
			}
			break;
		case 'c':
			if (parse_count("collectors", optarg, 0, COLLECTORS_MAX, &v) < 0)
				return -1;
			opt->collectors = (size_t)v;
			break;
		case 'C':
			if (cache_parse(optarg, &opt->chain.cache) < 0) {
				bad_value("cache", optarg, "none, lru:N or ttl:MS");
				return -1;
			}
			break;
		case 'b':
			if (parse_count("batch", optarg, 1, BATCH_MAX, &v) < 0)
				return -1;
			opt->chain.batch = (size_t)v;
			break;
		case 'q':
			opt->quiet = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		case ':':
			error("option '%s' needs a value", argv[optind - 1]);
			return -1;
		default:
			error("unknown option '%s' (see --help)", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		error("unexpected argument '%s' (see --help)", argv[optind]);
		return -1;
	}
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The whole stream's checksum: each sensor's, in sensor order. Checks that
 * the sensors' counts add up to what the sinks received. */
static int pipeline_checksum(struct chain **chains, unsigned n, uint64_t received, uint64_t *out)
{
	uint64_t h = 0xcbf29ce484222325ull, total = 0;

	for (unsigned s = 0; s < SOURCE_SENSORS; s++) {
		uint64_t sum, count;

		if (!chain_sensor(chains[s % n], s, &sum, &count))
			return -1;
		h = (h ^ sum) * 0x100000001b3ull;
		h = (h ^ count) * 0x100000001b3ull;
		total += count;
	}
	*out = h;
	return total == received ? 0 : -1;
}

static void print_cache(const struct options *opt, struct chain **chains)
{
	struct cache_stats t = { 0 };
	char spec[64];

	for (unsigned w = 0; w < opt->workers; w++) {
		struct cache_stats st;

		chain_cache_stats(chains[w], &st);
		t.hits += st.hits;
		t.misses += st.misses;
		t.evictions += st.evictions;
		t.expired += st.expired;
		t.failed += st.failed;
		t.entries += st.entries;
		t.bytes += st.bytes;
		t.peak_bytes += st.peak_bytes;
	}
	cache_describe(&opt->chain.cache, spec, sizeof(spec));
	printf("cache %s: hits=%llu misses=%llu hit_rate=%.2f%% evictions=%llu expired=%llu", spec,
	       t.hits, t.misses,
	       t.hits + t.misses ? 100.0 * (double)t.hits / (double)(t.hits + t.misses) : 0.0,
	       t.evictions, t.expired);
	if (t.failed)
		printf(" not_stored=%llu", t.failed);
	printf("\ncache memory: %lu entries, %llu bytes held (%u cache%s, one per worker)\n",
	       t.entries, t.bytes, opt->workers, opt->workers == 1 ? "" : "s");
}

static void print_stages(const struct options *opt, struct chain **chains)
{
	struct stage_total t[STAGE_COUNT];
	unsigned long long self_total = 0;
	int worst = 0;

	memset(t, 0, sizeof(t));
	for (int id = 0; id < STAGE_COUNT; id++) {
		for (unsigned w = 0; w < opt->workers; w++)
			stage_total_add(&t[id], chain_stage(chains[w], id));
		self_total += t[id].self_ns;
		if (t[id].self_ns > t[worst].self_ns)
			worst = id;
	}
	printf("%-10s %12s %12s %14s %12s %12s %7s\n", "stage", "records", "elapsed_ms",
	       "records/s", "latency_us", "self_ms", "self%");
	for (int id = 0; id < STAGE_COUNT; id++)
		printf("%-10s %12llu %12.3f %14.0f %12.3f %12.3f %6.1f%%\n", stage_names[id],
		       t[id].records, (double)t[id].elapsed_ns / 1e6, t[id].throughput_per_s,
		       stage_total_latency_ns(&t[id]) / 1e3, (double)t[id].self_ns / 1e6,
		       self_total ? 100.0 * (double)t[id].self_ns / (double)self_total : 0.0);
	printf("(%u worker%s: times summed over the workers, records/s their combined rate;\n"
	       " latency: mean time from a hand-off to the next request, i.e. the consumers')\n",
	       opt->workers, opt->workers == 1 ? "" : "s");
	printf("bottleneck: %s (largest self time: %.1f%% of the stages' self time)\n",
	       stage_names[worst],
	       self_total ? 100.0 * (double)t[worst].self_ns / (double)self_total : 0.0);
}

static void print_collectors(const struct collector_report *rep)
{
	double n = rep->n ? (double)rep->n : 1.0;
	double dict = (double)rep->dict_bytes / n, slots = (double)rep->slots_bytes / n;

	printf("collectors: %zu dict (hash map) and %zu slots (fixed struct), same figures: %s\n",
	       rep->n, rep->n, rep->same ? "yes" : "no");
	if (rep->n == 0)
		return;
	printf("collectors: usable bytes each: dict %.1f, slots %.1f (%.1fx)\n", dict, slots,
	       slots > 0 ? dict / slots : 0.0);
	if (rep->dict_heap > 0 && rep->slots_heap > 0)
		printf("collectors: heap growth each: dict %.1f, slots %.1f (%.1fx)\n",
		       (double)rep->dict_heap / n, (double)rep->slots_heap / n,
		       (double)rep->dict_heap / (double)rep->slots_heap);
}

int main(int argc, char **argv)
{
	struct options opt;
	struct chain **chains = NULL;
	struct collector_set set = { 0 };
	struct collector_report crep;
	struct chain_counts total = { 0 };
	struct pool_result pres;
	uint64_t checksum;
	double t0, t1;
	char spec[64];
	int status = 1;
	int r = options_parse(argc, argv, &opt);

	if (r != 0)
		return r > 0 ? 0 : 2;

	chains = calloc(opt.workers, sizeof(*chains));
	if (chains == NULL) {
		error("out of memory");
		goto out;
	}
	for (unsigned w = 0; w < opt.workers; w++) {
		chains[w] = chain_new(&opt.chain, w, opt.workers);
		if (chains[w] == NULL) {
			error("out of memory setting up worker %u", w);
			goto out;
		}
	}

	MPROF_SNAPSHOT("pipeline:start");
	t0 = now_ms();
	pool_run(opt.workers, chain_drain, (void *const *)chains, &pres);
	t1 = now_ms();
	MPROF_SNAPSHOT("pipeline:done");
	if (pres.fallback)
		error("warning: %u worker(s) ran on the main thread: %s", pres.fallback,
		      strerror(pres.error));

	for (unsigned w = 0; w < opt.workers; w++) {
		struct chain_counts c;

		chain_counts(chains[w], &c);
		total.generated += c.generated;
		total.kept += c.kept;
		total.dropped += c.dropped;
		total.features += c.features;
	}
	if (total.generated != opt.chain.records || total.kept + total.dropped != total.generated ||
	    total.features != total.kept ||
	    pipeline_checksum(chains, opt.workers, total.features, &checksum) < 0) {
		error("records lost: generated %llu of %llu, kept %llu, dropped %llu, "
		      "featured %llu",
		      (unsigned long long)total.generated, (unsigned long long)opt.chain.records,
		      (unsigned long long)total.kept, (unsigned long long)total.dropped,
		      (unsigned long long)total.features);
		goto out;
	}

	if (!opt.quiet) {
		cache_describe(&opt.chain.cache, spec, sizeof(spec));
		printf("pipeline: %llu records, %u worker%s, window-sum %s, cache %s, batch %zu\n",
		       (unsigned long long)opt.chain.records, opt.workers,
		       opt.workers == 1 ? "" : "s", opt.chain.running ? "running" : "naive", spec,
		       opt.chain.batch);
		printf("records: generated=%llu kept=%llu dropped=%llu features=%llu\n",
		       (unsigned long long)total.generated, (unsigned long long)total.kept,
		       (unsigned long long)total.dropped, (unsigned long long)total.features);
		printf("time: %.3f ms\n", t1 - t0);
		print_cache(&opt, chains);
		print_stages(&opt, chains);
	}

	if (collector_set_fill(&set, opt.collectors, &crep) < 0) {
		error("out of memory making %zu collectors of each kind", opt.collectors);
		goto out;
	}
	collector_set_release(&set);
	if (!opt.quiet)
		print_collectors(&crep);

	printf("checksum=%016llx\n", (unsigned long long)checksum);
	if (fflush(stdout) != 0) {
		error("cannot write the output: %s", strerror(errno));
		goto out;
	}
	status = 0;
out:
	collector_set_release(&set);
	if (chains)
		for (unsigned w = 0; w < opt.workers; w++)
			chain_free(chains[w]);
	free(chains);
	return status;
}
