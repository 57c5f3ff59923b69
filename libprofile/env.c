/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "env.h"
#include "log.h"
#include "trace_format.h"

NOINSTR int env_parse_bool(const char *name, const char *val, bool *out)
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
	log_warn("%s='%s': not a boolean (use 1 or 0); using %d", name, val, *out);
	return -1;
}

/* A byte count with an optional K or M suffix; a power of two in [min, max]. */
NOINSTR int env_parse_size(const char *name, const char *val, uint64_t min, uint64_t max,
			   uint64_t *out)
{
	unsigned long long n;
	char *end;

	if (*val < '0' || *val > '9')
		goto bad;
	n = strtoull(val, &end, 10);
	if (*end == 'k' || *end == 'K') {
		n = n > (1ull << 53) ? ~0ull : n << 10;
		end++;
	} else if (*end == 'm' || *end == 'M') {
		n = n > (1ull << 43) ? ~0ull : n << 20;
		end++;
	}
	if (*end != '\0')
		goto bad;
	if (n < min || n > max || (n & (n - 1)) != 0) {
		log_warn("%s='%s': must be a power of two from %llu to %llu bytes; using %llu",
			 name, val, (unsigned long long)min, (unsigned long long)max,
			 (unsigned long long)*out);
		return -1;
	}
	*out = n;
	return 0;
bad:
	log_warn("%s='%s': not a size (e.g. 256K, 1M); using %llu", name, val,
		 (unsigned long long)*out);
	return -1;
}

/* A comma-separated list of calls, alloc, all, none. */
NOINSTR int env_parse_events(const char *name, const char *val, bool *calls, bool *alloc)
{
	bool c = false, a = false;
	const char *p = val;

	while (*p) {
		size_t len = strcspn(p, ",");

		if (len == 5 && !strncmp(p, "calls", len))
			c = true;
		else if (len == 5 && !strncmp(p, "alloc", len))
			a = true;
		else if (len == 3 && !strncmp(p, "all", len))
			c = a = true;
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
	return 0;
bad:
	log_warn("%s='%s': expected a comma-separated list of calls, alloc, all, none; using all",
		 name, val);
	*calls = *alloc = true;
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

	cfg->calls = cfg->alloc = true;
	cfg->disabled = false;
	cfg->calibrate = true;
	log_quiet = false;

	if ((val = secure_getenv("MPROF_QUIET")))
		env_parse_bool("MPROF_QUIET", val, &log_quiet);
	if ((val = secure_getenv("MPROF_DISABLE")))
		env_parse_bool("MPROF_DISABLE", val, &cfg->disabled);
	if ((val = secure_getenv("MPROF_EVENTS")))
		env_parse_events("MPROF_EVENTS", val, &cfg->calls, &cfg->alloc);
	if ((val = secure_getenv("MPROF_CALIBRATE")))
		env_parse_bool("MPROF_CALIBRATE", val, &cfg->calibrate);
	if ((val = secure_getenv("MPROF_BUFFER_SIZE")))
		env_parse_size("MPROF_BUFFER_SIZE", val, TRACE_CHUNK_MIN, TRACE_CHUNK_MAX, &size);
	cfg->chunk_size = (uint32_t)size;
	env_read_output(cfg);
	env_read_clock(cfg);
}
