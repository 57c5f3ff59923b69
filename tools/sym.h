/* SPDX-License-Identifier: MIT */
/*
 * sym.h - turn raw addresses recorded in a trace into function, file and line,
 * offline, with elfutils libdwfl. Only the tools link this.
 *
 * The traced process records its module maps (path, load bias, address range,
 * build-id) at start, at every dlopen/dlclose and at exit; the reader hands
 * each module to sym_add_module() with the tick count at which it was first
 * seen. A module is opened lazily, on the first lookup that falls inside it,
 * in a Dwfl of its own, so modules that occupied the same addresses at
 * different times (a library unloaded, another loaded there) never clash.
 *
 * Ownership: struct sym_table owns every string it returns; they stay valid
 * until sym_table_release().
 */
#ifndef MPROF_SYM_H
#define MPROF_SYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sym_module;

/* What is known of one code address. Unknown parts are NULL / 0. */
struct sym_info {
	const char *function; /* demangled where possible; NULL if unknown */
	const char *file;     /* source file of the function's definition, or NULL */
	int line;	      /* line of the function's definition, 0 if unknown */
	const char *module;   /* path of the module containing the address, or NULL */
	uint64_t offset;      /* address - function start (0 if function unknown) */
};

struct sym_table {
	struct sym_module *modules; /* sorted by lo, then by first_seen */
	size_t nmodules, alloc;
	struct sym_cache_entry *cache; /* uthash: address -> struct sym_info */
	bool sorted;
};

void sym_table_init(struct sym_table *t);

/*
 * Register a module mapped at [lo, hi) with load bias `bias`. `buildid` may be
 * NULL (buildid_len 0); when given, a file whose build-id differs is not used.
 * Registering the same (path, bias, lo, hi) twice is harmless. Returns 0, or
 * -1 on out-of-memory.
 */
int sym_add_module(struct sym_table *t, const char *path, uint64_t bias, uint64_t lo, uint64_t hi,
		   const unsigned char *buildid, size_t buildid_len, uint64_t first_seen_ticks);

/*
 * Describe `addr` as it was at `when_ticks` (the module that covered the
 * address most recently at or before that time; the earliest one if none did).
 * Always fills *out (with NULLs where nothing is known) and caches the answer
 * per address. Returns 0 when the function is known, -1 otherwise.
 */
int sym_lookup(struct sym_table *t, uint64_t addr, uint64_t when_ticks, struct sym_info *out);

/*
 * A printable name for `addr`: the function name, or "module+0xOFF", or
 * "0xADDR". Points into the table (stable until release).
 */
const char *sym_name(struct sym_table *t, uint64_t addr, uint64_t when_ticks);

void sym_table_release(struct sym_table *t);

#endif
