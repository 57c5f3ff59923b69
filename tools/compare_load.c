// SPDX-License-Identifier: MIT
/*
 * compare_load.c - the two sides of --compare (see compare.h): a trace, or
 * a directory of runs as `mprof record --repeat` writes it, each run the
 * merged report of the traces in its directory.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compare.h"

/* The number of a run directory's name, "run12": 12; 0 if it is not one. */
static unsigned long run_number(const char *name)
{
	unsigned long n = 0;
	const char *p;

	if (strncmp(name, "run", 3) || name[3] < '1' || name[3] > '9')
		return 0;
	for (p = name + 3; *p; p++) {
		if (*p < '0' || *p > '9' || n > 1000000)
			return 0;
		n = n * 10 + (unsigned long)(*p - '0');
	}
	return n;
}

struct named {
	unsigned long n;
	char *name;
};

static int by_number(const void *a, const void *b)
{
	const struct named *x = a, *y = b;

	return (x->n > y->n) - (x->n < y->n);
}

/* trace.bin first (the process mprof record started), then by name. */
static int by_trace_name(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	bool xr = !strcmp(util_basename(x), "trace.bin"),
	     yr = !strcmp(util_basename(y), "trace.bin");

	if (xr != yr)
		return xr ? -1 : 1;
	return strcmp(x, y);
}

/* The regular files of a run directory whose name starts with "trace.bin". */
static int run_paths(struct cmp_run *run)
{
	DIR *d = opendir(run->dir);
	struct dirent *e;
	size_t alloc = 0;

	if (!d)
		return error("'%s': cannot read the run directory: %s", run->dir, strerror(errno));
	while ((e = readdir(d))) {
		char *path;
		struct stat st;

		if (strncmp(e->d_name, "trace.bin", 9))
			continue;
		path = util_join(run->dir, '/', e->d_name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		run->paths = xgrow(run->paths, &alloc, run->npaths + 1, sizeof(*run->paths));
		run->paths[run->npaths++] = path;
	}
	closedir(d);
	if (!run->npaths)
		return error("'%s': a run directory with no trace (trace.bin) in it", run->dir);
	qsort(run->paths, run->npaths, sizeof(*run->paths), by_trace_name);
	return 0;
}

/* The run directories of `path`, in the order of their numbers. */
static int list_runs(struct cmp_side *s)
{
	DIR *d = opendir(s->path);
	struct named *runs = NULL;
	size_t n = 0, alloc = 0, i;
	struct dirent *e;

	if (!d)
		return error("'%s': cannot read the directory: %s", s->path, strerror(errno));
	while ((e = readdir(d))) {
		unsigned long k = run_number(e->d_name);

		if (!k)
			continue;
		runs = xgrow(runs, &alloc, n + 1, sizeof(*runs));
		runs[n].n = k;
		runs[n++].name = util_join(s->path, '/', e->d_name);
	}
	closedir(d);
	if (!n) {
		free(runs);
		return error("'%s': is a directory with no runs in it (run1, run2, ...: as "
			     "mprof record --repeat N -o DIR writes them)",
			     s->path);
	}
	qsort(runs, n, sizeof(*runs), by_number);
	s->runs = xcalloc(n, sizeof(*s->runs));
	for (i = 0; i < n; i++)
		s->runs[i].dir = runs[i].name;
	s->nruns = n;
	free(runs);
	return 0;
}

static int open_run(struct cmp_side *s, struct cmp_run *run)
{
	struct report_options ro = s->opt;
	int ret;

	if (run->npaths == 1) {
		ret = report_open(&run->single, &s->opt, run->paths[0], true);
		if (!ret)
			run->rep = &run->single;
		return ret;
	}
	ro.traces = (const char *const *)run->paths;
	ro.ntraces = run->npaths;
	ro.trace = run->paths[0];
	ro.processes = false;
	ret = multi_open(&run->multi, &ro, true);
	if (!ret)
		run->rep = &run->multi.merged;
	return ret;
}

static int side_load(struct cmp_side *s, const struct report_options *opt, const char *path)
{
	struct stat st;
	size_t i;
	int ret;

	s->path = path;
	s->opt = *opt;
	s->opt.compare_old = s->opt.compare_new = NULL;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		s->dir = true;
		s->opt.progress = false; /* a bar per run would only flicker */
		if (list_runs(s) < 0)
			return EXIT_BADTRACE;
		for (i = 0; i < s->nruns; i++) {
			if (run_paths(&s->runs[i]) < 0)
				return EXIT_BADTRACE;
		}
	} else {
		/* A file, or what report_open() will say is wrong with it. */
		s->runs = xcalloc(1, sizeof(*s->runs));
		s->nruns = 1;
		s->runs[0].paths = xcalloc(1, sizeof(char *));
		s->runs[0].paths[0] = xstrdup(path);
		s->runs[0].npaths = 1;
	}
	/* One run: its functions' calls are the only noise to test against. */
	s->opt.percall = s->nruns == 1;
	for (i = 0; i < s->nruns; i++) {
		ret = open_run(s, &s->runs[i]);
		if (ret)
			return ret;
	}
	return 0;
}

void cmp_side_release(struct cmp_side *s)
{
	size_t i, j;

	for (i = 0; i < s->nruns; i++) {
		struct cmp_run *run = &s->runs[i];

		if (run->rep == &run->single)
			report_close(&run->single);
		else if (run->rep)
			multi_release(&run->multi);
		for (j = 0; j < run->npaths; j++)
			free(run->paths[j]);
		free(run->paths);
		free(run->dir);
	}
	free(s->runs);
	memset(s, 0, sizeof(*s));
}

int cmp_load(struct cmp_report *cmp, const struct report_options *opt)
{
	int ret;

	memset(cmp, 0, sizeof(*cmp));
	cmp->opt = opt;
	ret = side_load(&cmp->old, opt, opt->compare_old);
	if (!ret)
		ret = side_load(&cmp->new, opt, opt->compare_new);
	return ret;
}
