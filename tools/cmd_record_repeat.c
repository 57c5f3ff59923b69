// SPDX-License-Identifier: MIT
/*
 * cmd_record_repeat.c - "mprof record --repeat N -o DIR CMD...": N runs of
 * CMD, one after the other, each into a directory of its own, so that
 * "mprof-report --compare OLD NEW" can compare two sets of runs. The layout
 * is what that reader relies on (mprof(1), SETS OF RUNS):
 *
 *   DIR/mprof-runs            the manifest
 *   DIR/runK/trace.bin        the trace of run K (run1, run2, ... run10)
 *   DIR/runK/trace.bin.PID    those of its fork children and exec'd images,
 *                             named by the runtime (libmprof(3))
 *
 * The manifest is text, replaced whole after each run (a temporary file
 * renamed over it), so that however mprof ends it lists the runs that ended,
 * the one that stopped the set included:
 *
 *   mprof-runs 1
 *   command<TAB>ARGV                                (shell-quoted, on one line)
 *   run<TAB>K<TAB>status<TAB>S<TAB>wall_ns<TAB>W    (one line per run that ended)
 *
 * DIR is new or empty, and a recording takes it by linking its first
 * manifest into place, which fails if another recording did so first: the
 * runs of two recordings never mix. With --append, DIR may hold a set of
 * runs of the same command already: the new runs are numbered on after its
 * manifest's, so that a script can alternate two sets (A, B, A, B, ...) and
 * the machine's drift hits both alike. A recording holds an flock() on DIR
 * while it runs (released however mprof ends): a second one adding to the
 * same set is refused. The set stops at a run killed by a signal, at a run
 * whose status is not run 1's, and before the next run once a stopping
 * signal came to mprof (record_stop_signal()).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record.h"
#include "util.h"

/* The manifest's name in DIR, and its first line: the version of its format. */
#define MANIFEST_NAME  "mprof-runs"
#define MANIFEST_MAGIC "mprof-runs 1"

/* How a run of the set ended. */
struct repeat_run {
	int status;	  /* as mprof reports it: 128 + N for signal N */
	uint64_t wall_ns; /* record_end.wall_ns */
};

/* One recording of a set of runs. */
struct repeat {
	const struct record_options *opt;
	const char *dir;	 /* DIR as the user wrote it */
	char *output;		 /* DIR absolute, each '%' doubled: MPROF_OUTPUT's start (owned) */
	char *manifest, *tmp;	 /* DIR/mprof-runs and the file written before it (owned) */
	bool made_dir;		 /* mprof created DIR */
	bool claimed;		 /* the manifest in DIR is ours */
	int lock;		 /* DIR open, flock()ed; -1 if not */
	bool joined;		 /* --append to a set that was there: its manifest is */
	unsigned first;		 /* the runs in DIR before this recording (--append) */
	unsigned done;		 /* the runs that ended, those before included */
	struct repeat_run *runs; /* [first + opt->repeat], the first `done` filled in (owned) */
};

/* "mprof: MSG" on stderr, one line: what the set is doing. */
UTIL_PRINTF(1, 2) static void say(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", util_progname, msg);
}

/* A character no shell treats specially. */
static bool shell_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("%+,-./:=@_", c));
}

/*
 * Write `arg` as a POSIX shell reads it back, with no tab or newline: as it
 * is when no character of it is special, in '...' otherwise, and in $'...'
 * with backslash escapes when it holds a control character.
 */
static void put_quoted(FILE *f, const char *arg)
{
	const unsigned char *s;
	bool plain = *arg, control = false;

	for (s = (const unsigned char *)arg; *s; s++) {
		plain = plain && shell_plain(*s);
		control = control || *s < 0x20 || *s == 0x7f;
	}
	if (plain) {
		fputs(arg, f);
		return;
	}
	if (!control) {
		putc('\'', f);
		for (s = (const unsigned char *)arg; *s; s++) {
			if (*s == '\'')
				fputs("'\\''", f);
			else
				putc(*s, f);
		}
		putc('\'', f);
		return;
	}
	fputs("$'", f);
	for (s = (const unsigned char *)arg; *s; s++) {
		if (*s == '\'' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '\t')
			fputs("\\t", f);
		else if (*s < 0x20 || *s == 0x7f)
			fprintf(f, "\\%03o", *s);
		else
			putc(*s, f);
	}
	putc('\'', f);
}

/* The command, each word quoted, separated by spaces: the manifest's form. */
static void put_command(FILE *f, char **cmd)
{
	for (char **arg = cmd; *arg; arg++) {
		if (arg != cmd)
			putc(' ', f);
		put_quoted(f, *arg);
	}
}

/* Write the manifest of the runs so far to rp->tmp. Returns 0, or -1
 * after one line. */
static int manifest_put(const struct repeat *rp)
{
	FILE *f = fopen(rp->tmp, "w");
	int err = 0;

	if (!f)
		return error("cannot write '%s': %s", rp->tmp, strerror(errno));
	errno = 0;
	fprintf(f, "%s\ncommand\t", MANIFEST_MAGIC);
	put_command(f, rp->opt->cmd);
	putc('\n', f);
	for (unsigned i = 0; i < rp->done; i++)
		fprintf(f, "run\t%u\tstatus\t%d\twall_ns\t%" PRIu64 "\n", i + 1, rp->runs[i].status,
			rp->runs[i].wall_ns);
	if (fflush(f) == EOF || ferror(f))
		err = errno ? errno : EIO;
	if (fclose(f) == EOF && !err)
		err = errno;
	if (err) {
		unlink(rp->tmp);
		return error("cannot write '%s': %s", rp->tmp, strerror(err));
	}
	return 0;
}

/* Replace the manifest with one of the runs so far. Returns 0 or -1. */
static int manifest_update(const struct repeat *rp)
{
	if (manifest_put(rp) < 0)
		return -1;
	if (rename(rp->tmp, rp->manifest) < 0) {
		error("cannot rename '%s' to '%s': %s", rp->tmp, rp->manifest, strerror(errno));
		unlink(rp->tmp);
		return -1;
	}
	return 0;
}

/* 1 if the directory `path` holds nothing, 0 if it holds something, -1
 * with errno set if it cannot be read. */
static int dir_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int ret = 1, err;

	if (!d)
		return -1;
	errno = 0;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			ret = 0;
			break;
		}
	}
	err = errno;
	closedir(d);
	if (ret && err) {
		errno = err;
		return -1;
	}
	return ret;
}

static int not_empty(const struct repeat *rp)
{
	error("directory '%s' is not empty: --repeat records into a new or empty one", rp->dir);
	return EXIT_USAGE;
}

/* `path` with each '%' doubled: MPROF_OUTPUT expands no part of it. */
static char *output_escape(const char *path)
{
	size_t len = strlen(path) + 1;
	char *out, *o;

	for (const char *p = path; *p; p++)
		len += *p == '%';
	o = out = xmalloc(len);
	for (const char *p = path; *p; p++) {
		*o++ = *p;
		if (*p == '%')
			*o++ = '%';
	}
	*o = '\0';
	return out;
}

/* Take the flock() on DIR: 0, or -1 (errno set) if another recording holds it. */
static int lock_dir(struct repeat *rp)
{
	rp->lock = open(rp->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rp->lock < 0)
		return -1;
	if (flock(rp->lock, LOCK_EX | LOCK_NB) < 0) {
		int err = errno;

		close(rp->lock);
		rp->lock = -1;
		errno = err;
		return -1;
	}
	return 0;
}

/* The flock() on DIR was refused: one line, status 1. */
static int lock_failed(const struct repeat *rp)
{
	if (errno == EWOULDBLOCK)
		error("cannot add runs to '%s': another mprof record is adding runs to it",
		      rp->dir);
	else
		error("cannot use directory '%s': %s", rp->dir, strerror(errno));
	return EXIT_USAGE;
}

/* "'DIR/mprof-runs': not a manifest of runs, at line N": status 1. */
static int bad_manifest(const struct repeat *rp, unsigned line, const char *why)
{
	error("cannot add runs to '%s': %s, line %u: %s", rp->dir, rp->manifest, line, why);
	return EXIT_USAGE;
}

/*
 * Read the manifest of the set in DIR into rp->runs, after checking it is
 * a set of runs of our command. Returns 0, or the status to exit with
 * after one line.
 */
static int read_manifest(struct repeat *rp, FILE *f)
{
	char *line = NULL, *ours = NULL;
	size_t cap = 0, len = 0, alloc = 0;
	unsigned n = 0, lines = 0;
	ssize_t got;
	FILE *mem = open_memstream(&ours, &len);
	int ret = 0;

	if (!mem) {
		error("cannot read '%s': %s", rp->manifest, strerror(errno));
		return EXIT_BADTRACE;
	}
	put_command(mem, rp->opt->cmd);
	fclose(mem);
	for (unsigned no = 1; !ret && (got = getline(&line, &cap, f)) > 0; no++) {
		lines = no;
		unsigned k;
		int status, used = 0;
		uint64_t wall;

		if (line[got - 1] == '\n')
			line[--got] = '\0';
		if (no == 1 && strcmp(line, MANIFEST_MAGIC))
			ret = bad_manifest(rp, no, "not \"" MANIFEST_MAGIC "\"");
		else if (no == 2 && (strncmp(line, "command\t", 8) || strcmp(line + 8, ours))) {
			error("cannot add runs to '%s': it holds runs of another command (%s)",
			      rp->dir, strncmp(line, "command\t", 8) ? line : line + 8);
			ret = EXIT_USAGE;
		} else if (no > 2) {
			if (sscanf(line, "run\t%u\tstatus\t%d\twall_ns\t%" SCNu64 "%n", &k, &status,
				   &wall, &used) != 3 ||
			    used != got)
				ret = bad_manifest(
				    rp, no, "not run<TAB>K<TAB>status<TAB>S<TAB>wall_ns<TAB>W");
			else if (k != n + 1 || n >= RECORD_REPEAT_MAX)
				ret = bad_manifest(rp, no, "runs out of order");
			else {
				rp->runs = xgrow(rp->runs, &alloc, n + 1, sizeof(*rp->runs));
				rp->runs[n].status = status;
				rp->runs[n++].wall_ns = wall;
			}
		}
	}
	if (!ret && ferror(f)) {
		error("cannot read '%s': %s", rp->manifest, strerror(errno));
		ret = EXIT_BADTRACE;
	} else if (!ret && lines < 2) {
		ret = bad_manifest(rp, lines + 1, lines ? "no command line" : "empty");
	} else if (!ret && n && rp->runs[n - 1].status != rp->runs[0].status) {
		/* The set stopped there: its runs no longer all ran alike. */
		error("cannot add runs to '%s': its run %u stopped the set (status %d, run 1's %d)",
		      rp->dir, n, rp->runs[n - 1].status, rp->runs[0].status);
		ret = EXIT_USAGE;
	}
	free(line);
	free(ours);
	rp->first = rp->done = n;
	return ret;
}

/*
 * --append to a DIR that is not empty: it must be a set of runs of the
 * same command, which no other recording is adding to. Returns 0, or the
 * status to exit with after one line.
 */
static int repeat_join(struct repeat *rp)
{
	FILE *f;
	int ret;

	rp->manifest = util_join(rp->dir, '/', MANIFEST_NAME);
	rp->joined = true;
	if (lock_dir(rp) < 0)
		return lock_failed(rp);
	f = fopen(rp->manifest, "r");
	if (!f) {
		if (errno == ENOENT)
			error("cannot add runs to '%s': it is not empty and holds no set of runs "
			      "(no %s)",
			      rp->dir, MANIFEST_NAME);
		else
			error("cannot read '%s': %s", rp->manifest, strerror(errno));
		return EXIT_USAGE;
	}
	ret = read_manifest(rp, f);
	fclose(f);
	if (ret)
		return ret;
	/* Room for the runs to come after those read. */
	{
		struct repeat_run *runs = xcalloc(rp->first + rp->opt->repeat, sizeof(*runs));

		if (rp->first)
			memcpy(runs, rp->runs, rp->first * sizeof(*runs));
		free(rp->runs);
		rp->runs = runs;
	}
	return 0;
}

/*
 * Make DIR, or take it if it is an empty directory, and put the manifest
 * of no run yet in it. Returns 0, or the status to exit with after one line.
 */
static int repeat_open(struct repeat *rp)
{
	char name[sizeof(MANIFEST_NAME) + 32], *abs;
	int empty;

	if (!mkdir(rp->dir, 0777)) {
		rp->made_dir = true;
	} else if (errno != EEXIST) {
		error("cannot create directory '%s': %s", rp->dir, strerror(errno));
		return EXIT_USAGE;
	} else if ((empty = dir_empty(rp->dir)) < 0) {
		error("cannot use directory '%s': %s", rp->dir, strerror(errno));
		return EXIT_USAGE;
	} else if (!empty && !rp->opt->append) {
		return not_empty(rp);
	} else if (!empty) {
		int ret = repeat_join(rp);

		if (ret)
			return ret;
	}
	/* Held before the manifest is there: no one joins a set whose
	 * recording has not locked it yet. */
	if (!rp->joined && lock_dir(rp) < 0) {
		rp->made_dir = false; /* the recording that holds it is using it */
		return lock_failed(rp);
	}
	/* Absolute: a CMD that changes directory still writes its trace here. */
	abs = realpath(rp->dir, NULL);
	if (!abs) {
		error("cannot resolve directory '%s': %s", rp->dir, strerror(errno));
		return EXIT_BADTRACE;
	}
	rp->output = output_escape(abs);
	free(abs);
	if (!rp->manifest)
		rp->manifest = util_join(rp->dir, '/', MANIFEST_NAME);
	snprintf(name, sizeof(name), "%s.%d.tmp", MANIFEST_NAME, (int)getpid());
	rp->tmp = util_join(rp->dir, '/', name);
	if (rp->joined)
		return 0; /* the manifest is there, and replaced after each run */
	if (manifest_put(rp) < 0)
		return EXIT_BADTRACE;
	/* link(), not rename(): of two recordings started at once into DIR,
	 * the second finds the name taken. */
	if (!link(rp->tmp, rp->manifest)) {
		rp->claimed = true;
		unlink(rp->tmp);
		return 0;
	}
	if (errno == EEXIST) {
		unlink(rp->tmp);
		return not_empty(rp);
	}
	/* A file system without hard links: the name, without that guard. */
	if (rename(rp->tmp, rp->manifest) < 0) {
		error("cannot rename '%s' to '%s': %s", rp->tmp, rp->manifest, strerror(errno));
		unlink(rp->tmp);
		return EXIT_BADTRACE;
	}
	rp->claimed = true;
	return 0;
}

/* Free what rp owns. When no run ended, take away what mprof made: DIR is
 * as it was, and the same command can be given again. */
static void repeat_close(struct repeat *rp)
{
	if (!rp->done) {
		if (rp->claimed)
			unlink(rp->manifest);
		if (rp->made_dir)
			rmdir(rp->dir);
	}
	if (rp->lock >= 0)
		close(rp->lock);
	free(rp->output);
	free(rp->manifest);
	free(rp->tmp);
	free(rp->runs);
}

/* Run K with its trace in DIR/runK. Returns 0 when CMD ran (*end says how
 * it ended), or the status to exit with after one line. */
static int repeat_run(const struct repeat *rp, unsigned k, struct record_end *end)
{
	char name[32], *dir, *output;
	size_t len;
	int ret = EXIT_BADTRACE;

	snprintf(name, sizeof(name), "run%u", k);
	dir = util_join(rp->dir, '/', name);
	len = strlen(rp->output) + strlen(name) + sizeof("//trace.bin");
	output = xmalloc(len);
	snprintf(output, len, "%s/%s/trace.bin", rp->output, name);
	if (mkdir(dir, 0777) < 0) {
		error("cannot create directory '%s': %s", dir, strerror(errno));
		goto out;
	}
	if (setenv("MPROF_OUTPUT", output, 1) < 0)
		error("cannot set the environment: %s", strerror(errno));
	else
		ret = record_run(rp->opt->cmd, end);
	/* No directory of a run that is not in the manifest. */
	if (ret)
		rmdir(dir);
out:
	free(dir);
	free(output);
	return ret;
}

/* Run K of the set and say how it ended. Returns -1 to go on with the
 * next, or the status to exit with. */
static int repeat_step(struct repeat *rp, unsigned k)
{
	unsigned n = rp->first + rp->opt->repeat;
	struct repeat_run *run;
	struct record_end end;
	int sig = record_stop_signal(), ret;

	if (sig) {
		if (k == rp->first + 1)
			say("stopping before run %u of %u: mprof got signal %d (%s)", k, n, sig,
			    strsignal(sig));
		else
			say("stopping after run %u of %u: mprof got signal %d (%s)", k - 1, n, sig,
			    strsignal(sig));
		return 128 + sig;
	}
	ret = repeat_run(rp, k, &end);
	if (ret)
		return ret;
	run = &rp->runs[rp->done++];
	run->status = record_status(&end);
	run->wall_ns = end.wall_ns;
	if (manifest_update(rp) < 0)
		return EXIT_BADTRACE;

	if (!rp->opt->quiet && WIFSIGNALED(end.wstatus))
		say("run %u of %u: killed by signal %d (%s), %.3f s", k, n, WTERMSIG(end.wstatus),
		    strsignal(WTERMSIG(end.wstatus)), run->wall_ns / 1e9);
	else if (!rp->opt->quiet)
		say("run %u of %u: exit %d, %.3f s", k, n, run->status, run->wall_ns / 1e9);
	if (WIFSIGNALED(end.wstatus)) {
		say("stopping after run %u of %u: it was killed by signal %d (%s)", k, n,
		    WTERMSIG(end.wstatus), strsignal(WTERMSIG(end.wstatus)));
		return run->status;
	}
	if (run->status != rp->runs[0].status) {
		say("stopping after run %u of %u: it exited %d, run 1 exited %d", k, n, run->status,
		    rp->runs[0].status);
		return run->status;
	}
	return -1;
}

int record_repeat(const struct record_options *opt)
{
	struct repeat rp = { .opt = opt, .dir = opt->output ? opt->output : "runs", .lock = -1 };
	unsigned added;
	int ret;

	rp.runs = xcalloc(opt->repeat, sizeof(*rp.runs));
	ret = repeat_open(&rp);
	if (ret)
		goto out;
	ret = -1;
	for (unsigned k = rp.first + 1; ret < 0 && k <= rp.first + opt->repeat; k++)
		ret = repeat_step(&rp, k);
	if (ret < 0)
		ret = rp.runs[0].status;
	added = rp.done - rp.first;
	if (added && !opt->quiet && rp.first)
		say("%u of %u run%s added to '%s': %u in all", added, opt->repeat,
		    opt->repeat == 1 ? "" : "s", rp.dir, rp.done);
	else if (added && !opt->quiet) {
		if (rp.done == opt->repeat)
			say("%u run%s recorded in '%s'", rp.done, rp.done == 1 ? "" : "s", rp.dir);
		else
			say("%u of %u runs recorded in '%s'", rp.done, opt->repeat, rp.dir);
	}
out:
	repeat_close(&rp);
	return ret;
}
