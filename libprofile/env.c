/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "compiler.h"
#include "duration.h"
#include "env.h"
#include "log.h"
#include "stack.h"
#include "trace_format.h"

/* A boolean's words, without a warning: 0 and *out set, or -1. */
NOINSTR static int env_bool_of(const char *val, bool *out)
{
	if (!strcmp(val, "1") || !strcmp(val, "yes") || !strcmp(val, "true") ||
	    !strcmp(val, "on")) {
		*out = true;
		return 0;
	}
	if (!strcmp(val, "0") || !strcmp(val, "no") || !strcmp(val, "false") ||
	    !strcmp(val, "off")) {
		*out = false;
		return 0;
	}
	return -1;
}

NOINSTR int env_parse_bool(const char *name, const char *val, bool *out)
{
	if (env_bool_of(val, out) == 0)
		return 0;
	log_warn("%s='%s': not a boolean (use 1 or 0); using %d", name, val, *out);
	return -1;
}

/* A byte count (bytes.h); a power of two in [min, max]. */
NOINSTR int env_parse_size(const char *name, const char *val, uint64_t min, uint64_t max,
			   uint64_t *out)
{
	uint64_t n;

	const char *what = "not a power of two";

	if (bytes_parse(val, &n) < 0)
		what = "not a size, a power of two";
	else if (bytes_pow2_in(n, min, max))
		what = NULL;
	if (what) {
		log_warn("%s='%s': %s from %llu to %llu bytes (e.g. 256K, 1M); using %llu", name,
			 val, what, (unsigned long long)min, (unsigned long long)max,
			 (unsigned long long)*out);
		return -1;
	}
	*out = n;
	return 0;
}

/* The cap on the trace file's size (bytes.h, max_size_parse). */
NOINSTR int env_parse_max_size(const char *name, const char *val, uint64_t *out)
{
	if (max_size_parse(val, out) == 0)
		return 0;
	log_warn("%s='%s': expected auto, unlimited or a size of at least %lluK (e.g. 512M, 2G); "
		 "using auto",
		 name, val, (unsigned long long)(ENV_MAX_SIZE_MIN >> 10));
	*out = ENV_MAX_SIZE_AUTO;
	return -1;
}

/* A comma-separated list of calls, alloc, stages, all, none. */
NOINSTR int env_parse_events(const char *name, const char *val, bool *calls, bool *alloc,
			     bool *stages)
{
	bool c = false, a = false, st = false;
	const char *p = val;

	while (*p) {
		size_t len = strcspn(p, ",");

		if (len == 5 && !strncmp(p, "calls", len))
			c = true;
		else if (len == 5 && !strncmp(p, "alloc", len))
			a = true;
		else if (len == 6 && !strncmp(p, "stages", len))
			st = true;
		else if (len == 3 && !strncmp(p, "all", len))
			c = a = st = true;
		else if (len == 4 && !strncmp(p, "none", len))
			;
		else
			goto bad;
		p += len;
		if (*p == ',')
			p++;
	}
	if (p == val)
		goto bad;
	*calls = c;
	*alloc = a;
	*stages = st;
	return 0;
bad:
	log_warn("%s='%s': expected a comma-separated list of calls, alloc, stages, all, none; "
		 "using all",
		 name, val);
	*calls = *alloc = *stages = true;
	return -1;
}

/* A whole number in [min, max]. */
NOINSTR int env_parse_uint(const char *name, const char *val, uint64_t min, uint64_t max,
			   uint64_t *out)
{
	if (count_parse(val, min, max, out) == 0)
		return 0;
	log_warn("%s='%s': not a whole number from %llu to %llu; using %llu", name, val,
		 (unsigned long long)min, (unsigned long long)max, (unsigned long long)*out);
	return -1;
}

/* A duration with its unit (see duration.h). */
NOINSTR int env_parse_duration(const char *name, const char *val, uint64_t *out)
{
	if (duration_parse(val, out) == 0)
		return 0;
	log_warn("%s='%s': not a duration with a unit (e.g. 10us, 2ms); using none", name, val);
	*out = 0;
	return -1;
}

/* A boolean (1 or 0, as MPROF_QUIET takes) or auto. */
NOINSTR int env_parse_offcpu(const char *name, const char *val, int *out)
{
	bool on;

	if (!strcmp(val, "auto")) {
		*out = ENV_OFFCPU_AUTO;
		return 0;
	}
	if (env_bool_of(val, &on) == 0) {
		*out = on ? ENV_OFFCPU_ON : ENV_OFFCPU_OFF;
		return 0;
	}
	log_warn("%s='%s': expected 1, 0 or auto; using auto", name, val);
	*out = ENV_OFFCPU_AUTO;
	return -1;
}

static const struct {
	const char *name;
	int sig;
} env_signals[] = {
	{ "HUP", SIGHUP },	 { "INT", SIGINT },   { "QUIT", SIGQUIT },   { "USR1", SIGUSR1 },
	{ "USR2", SIGUSR2 },	 { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },   { "TERM", SIGTERM },
	{ "CHLD", SIGCHLD },	 { "CONT", SIGCONT }, { "TSTP", SIGTSTP },   { "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU },	 { "URG", SIGURG },   { "XCPU", SIGXCPU },   { "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
	{ "PWR", SIGPWR },	 { "SYS", SIGSYS },
};

/* A signal by name (USR2, SIGUSR2) or number; never one that cannot be
 * caught or that reports a fault. */
NOINSTR int env_parse_signal(const char *name, const char *val, int *out)
{
	const char *v = strncmp(val, "SIG", 3) == 0 ? val + 3 : val;
	uint64_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(env_signals); i++) {
		if (!strcmp(v, env_signals[i].name)) {
			*out = env_signals[i].sig;
			return 0;
		}
	}
	if (*v >= '0' && *v <= '9') {
		char *end;

		errno = 0;
		n = strtoull(v, &end, 10);
		if (*end == '\0' && errno == 0 && n >= 1 && n <= (uint64_t)SIGRTMAX &&
		    n != SIGKILL && n != SIGSTOP && n != SIGSEGV && n != SIGBUS && n != SIGFPE &&
		    n != SIGILL && n != SIGTRAP && n != SIGABRT) {
			*out = (int)n;
			return 0;
		}
	}
	log_warn("%s='%s': not a signal that can carry snapshots (e.g. USR2); using none", name,
		 val);
	return -1;
}

NOINSTR static void env_read_output(struct env_config *cfg)
{
	const char *val = secure_getenv("MPROF_OUTPUT");
	size_t len;

	strcpy(cfg->output, "trace.bin");
	if (!val)
		return;
	len = strlen(val);
	if (len == 0 || len >= sizeof(cfg->output) - 32) {
		log_warn("MPROF_OUTPUT='%.64s': %s; using trace.bin", val,
			 len == 0 ? "empty path" : "path too long");
		return;
	}
	memcpy(cfg->output, val, len + 1);
}

NOINSTR static void env_read_clock(struct env_config *cfg)
{
	const char *val = secure_getenv("MPROF_CLOCK");

	cfg->clock = 0;
	if (!val || !strcmp(val, "auto"))
		return;
	if (!strcmp(val, "tsc"))
		cfg->clock = TRACE_CLOCK_TSC;
	else if (!strcmp(val, "monotonic"))
		cfg->clock = TRACE_CLOCK_MONOTONIC;
	else
		log_warn("MPROF_CLOCK='%s': expected auto, tsc or monotonic; using auto", val);
}

NOINSTR void env_read(struct env_config *cfg)
{
	const char *val;
	uint64_t size = TRACE_CHUNK_DEFAULT;

	cfg->calls = cfg->alloc = cfg->stages = true;
	cfg->disabled = false;
	cfg->calibrate = true;
	log_quiet = false;

	if ((val = secure_getenv("MPROF_QUIET")))
		env_parse_bool("MPROF_QUIET", val, &log_quiet);
	if ((val = secure_getenv("MPROF_DISABLE")))
		env_parse_bool("MPROF_DISABLE", val, &cfg->disabled);
	if ((val = secure_getenv("MPROF_EVENTS")))
		env_parse_events("MPROF_EVENTS", val, &cfg->calls, &cfg->alloc, &cfg->stages);
	if ((val = secure_getenv("MPROF_CALIBRATE")))
		env_parse_bool("MPROF_CALIBRATE", val, &cfg->calibrate);
	if ((val = secure_getenv("MPROF_BUFFER_SIZE")))
		env_parse_size("MPROF_BUFFER_SIZE", val, TRACE_CHUNK_MIN, TRACE_CHUNK_MAX, &size);
	cfg->chunk_size = (uint32_t)size;
	cfg->max_size = ENV_MAX_SIZE_AUTO;
	if ((val = secure_getenv("MPROF_MAX_SIZE")))
		env_parse_max_size("MPROF_MAX_SIZE", val, &cfg->max_size);
	size = STACK_DEPTH_DEFAULT;
	if ((val = secure_getenv("MPROF_STACK_DEPTH")))
		env_parse_uint("MPROF_STACK_DEPTH", val, 1, STACK_DEPTH_MAX, &size);
	cfg->stack_depth = (unsigned)size;
	cfg->snapshot_signal = 0;
	if ((val = secure_getenv("MPROF_SNAPSHOT_SIGNAL")))
		env_parse_signal("MPROF_SNAPSHOT_SIGNAL", val, &cfg->snapshot_signal);
	cfg->snapshot_period_ms = 0;
	if ((val = secure_getenv("MPROF_SNAPSHOT_PERIOD")))
		env_parse_uint("MPROF_SNAPSHOT_PERIOD", val, 1, 86400000, &cfg->snapshot_period_ms);
	cfg->include = secure_getenv("MPROF_INCLUDE");
	cfg->exclude = secure_getenv("MPROF_EXCLUDE");
	size = 0;
	if ((val = secure_getenv("MPROF_MAX_DEPTH")))
		env_parse_uint("MPROF_MAX_DEPTH", val, 1, ENV_MAX_DEPTH_MAX, &size);
	cfg->max_depth = (uint32_t)size;
	cfg->min_duration_ns = 0;
	if ((val = secure_getenv("MPROF_MIN_DURATION")))
		env_parse_duration("MPROF_MIN_DURATION", val, &cfg->min_duration_ns);
	cfg->offcpu = ENV_OFFCPU_AUTO;
	if ((val = secure_getenv("MPROF_OFFCPU")))
		env_parse_offcpu("MPROF_OFFCPU", val, &cfg->offcpu);
	env_read_output(cfg);
	env_read_clock(cfg);
}
