/* SPDX-License-Identifier: MIT */
/*
 * sym.h - turn raw addresses recorded in a trace into function, file and line,
 * offline, with elfutils libdwfl. Only the tools link this.
 *
 * The traced process records its module maps (path, load bias, address range,
 * build-id) at start, at every dlopen/dlclose and at exit; the reader hands
 * each module to sym_add_module() with the tick count at which it was first
 * seen. A module's file is opened lazily, on the first lookup that falls
 * inside it, in a Dwfl of its own where addresses are file-relative (address
 * minus load bias): modules that occupied the same addresses at different
 * times (a library unloaded, another loaded there) never clash, and a file
 * mapped several times at different biases is read once. A file that is
 * missing, or whose build-id differs from the recorded one (rebuilt since
 * the trace), is not used; one warning per such file goes to stderr.
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
struct sym_file;
struct sym_cache_entry;
struct sym_string;

/*
 * What is known of one code address. Unknown parts are NULL / 0. Equal strings
 * handed out by one table are the same pointer, so callers may group by
 * pointer. File names are absolute when the compilation directory is known.
 */
struct sym_info {
	/* The symbol (of several aliases the global one with the fewest leading
	 * underscores, "@VERSION" dropped, C++ demangled), else the DWARF name;
	 * NULL if unknown. */
	const char *function;
	const char *file;   /* source file of the function's definition, or NULL */
	int line;	    /* line of the function's definition, 0 if unknown */
	const char *module; /* path of the module containing the address, or NULL */
	uint64_t offset;    /* address - function start (0 if function unknown) */
	/* The source line of the address itself (for a call site, look up the
	 * return address minus one). NULL / 0 without line information. */
	const char *src_file;
	int src_line;
};

/* Internals: only sym.c looks inside. */
struct sym_table {
	struct sym_module *modules; /* sorted by lo, then by first_seen */
	size_t nmodules, alloc;
	struct sym_file **files; /* one per (path, build-id), opened lazily */
	size_t nfiles, files_alloc;
	struct sym_cache_entry *cache; /* uthash: (file, address) -> answer */
	struct sym_string *strings;    /* uthash: interned strings */
	bool sorted;
};

void sym_table_init(struct sym_table *t);

/*
 * Register a module mapped at [lo, hi) with load bias `bias`. `buildid` may be
 * NULL (buildid_len 0); when given, a file whose build-id differs is not used.
 * Registering the same (path, bias, lo, hi) twice is harmless. A module may
 * be registered at every map capture that lists it, with that capture's
 * ticks: seen again after another module took its place, it starts a new
 * period (library A unloaded, B loaded there, A again: lookups follow).
 * Returns 0, or -1 on out-of-memory.
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
 * A printable name for `addr`: the function name; else, inside a module,
 * "BASENAME+0xOFF" with OFF = addr - load bias (the address in the file, as
 * addr2line takes it); else "0xADDR". Points into the table (stable until
 * release); "?" only when memory ran out.
 */
const char *sym_name(struct sym_table *t, uint64_t addr, uint64_t when_ticks);

void sym_table_release(struct sym_table *t);

#endif
