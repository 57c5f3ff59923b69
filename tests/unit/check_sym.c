/* SPDX-License-Identifier: MIT */
/*
 * check_sym.c - unit tests of the symbolizer (tools/sym.c).
 *
 * The test looks itself up: it describes its own modules the way the
 * recording runtime does (dl_iterate_phdr: load bias, page-aligned PT_LOAD
 * span, build-id note; the executable by its real path) and checks what
 * comes back for functions defined here, in libc, and outside every module.
 */
#include "config.h"

#include <check.h>
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sym.h"

#define NOINLINE __attribute__((noipa, used))

/* One module of this process, as the runtime records it. */
struct test_module {
	char path[PATH_MAX];
	uint64_t bias, lo, hi;
	unsigned char buildid[64];
	size_t buildid_len;
};

struct test_modules {
	struct test_module mod[64];
	size_t n;
};

static void note_buildid(const struct dl_phdr_info *info, const ElfW(Phdr) * ph,
			 struct test_module *m)
{
	const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
	const char *end = p + ph->p_memsz;

	while (p + sizeof(ElfW(Nhdr)) <= end) {
		const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
		const char *name = p + sizeof(*nh);
		const char *desc = name + ((nh->n_namesz + 3) & ~3u);

		if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && !memcmp(name, "GNU", 4) &&
		    nh->n_descsz <= sizeof(m->buildid)) {
			memcpy(m->buildid, desc, nh->n_descsz);
			m->buildid_len = nh->n_descsz;
			return;
		}
		p = desc + ((nh->n_descsz + 3) & ~3u);
	}
}

static int collect_module(struct dl_phdr_info *info, size_t size, void *data)
{
	struct test_modules *mods = data;
	struct test_module *m;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	bool any = false;
	int i;

	if (mods->n == sizeof(mods->mod) / sizeof(mods->mod[0]))
		return 1;
	m = &mods->mod[mods->n];
	memset(m, 0, sizeof(*m));
	if (!info->dlpi_name || !info->dlpi_name[0]) {
		ssize_t len = readlink("/proc/self/exe", m->path, sizeof(m->path) - 1);

		if (len <= 0)
			return 0;
		m->path[len] = '\0';
	} else {
		snprintf(m->path, sizeof(m->path), "%s", info->dlpi_name);
	}
	m->bias = info->dlpi_addr;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t lo, hi;

		if (ph->p_type == PT_NOTE && !m->buildid_len)
			note_buildid(info, ph, m);
		if (ph->p_type != PT_LOAD)
			continue;
		lo = (m->bias + ph->p_vaddr) & ~(page - 1);
		hi = m->bias + ph->p_vaddr + ph->p_memsz;
		if (!any || lo < m->lo)
			m->lo = lo;
		if (!any || hi > m->hi)
			m->hi = hi;
		any = true;
	}
	if (any)
		mods->n++;
	return 0;
}

static struct test_modules self;

/* Collect this process's modules once per test (Check forks per test). */
static void setup(void)
{
	self.n = 0;
	dl_iterate_phdr(collect_module, &self);
	ck_assert_uint_ge(self.n, 2);
}

static const struct test_module *module_of(uint64_t addr)
{
	size_t i;

	for (i = 0; i < self.n; i++)
		if (addr >= self.mod[i].lo && addr < self.mod[i].hi)
			return &self.mod[i];
	return NULL;
}

static void add_all(struct sym_table *t, uint64_t when)
{
	size_t i;

	for (i = 0; i < self.n; i++) {
		const struct test_module *m = &self.mod[i];

		ck_assert_int_eq(sym_add_module(t, m->path, m->bias, m->lo, m->hi, m->buildid,
						m->buildid_len, when),
				 0);
	}
}

/* Register `path` where m is mapped. */
static int add_one(struct sym_table *t, const char *path, const struct test_module *m,
		   const unsigned char *buildid, size_t buildid_len, uint64_t when)
{
	return sym_add_module(t, path, m->bias, m->lo, m->hi, buildid, buildid_len, when);
}

static const char *base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Run fn with stderr sent to a temporary file; return what it printed. */
static char *capture_stderr(void (*fn)(void *), void *arg)
{
	FILE *tmp = tmpfile();
	int saved = dup(2);
	static char text[8192];
	size_t n;

	ck_assert_ptr_nonnull(tmp);
	ck_assert_int_ge(saved, 0);
	fflush(stderr);
	ck_assert_int_ge(dup2(fileno(tmp), 2), 0);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(text, 1, sizeof(text) - 1, tmp);
	text[n] = '\0';
	fclose(tmp);
	return text;
}

/* Silence stderr (expected warnings) until stderr_restore(). */
static int stderr_silence(void)
{
	int saved = dup(2);
	int null = open("/dev/null", O_WRONLY);

	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(null, 0);
	fflush(stderr);
	dup2(null, 2);
	close(null);
	return saved;
}

static void stderr_restore(int saved)
{
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---- functions this test looks up; each records its definition line ---- */

static const int target_line = __LINE__ + 1;
static NOINLINE int target_function(int x)
{
	return x * 3 + 1;
}

static NOINLINE void *return_address_of_caller(void)
{
	return __builtin_return_address(0);
}

static int call_line;
static const int caller_line = __LINE__ + 1;
static NOINLINE uintptr_t caller_function(void)
{
	uintptr_t ra;

	call_line = __LINE__ + 1;
	ra = (uintptr_t)return_address_of_caller();
	return ra + (uintptr_t)target_function(0) - 1; /* no tail call; ra stays ra */
}

static int inlined_call_line;
static inline __attribute__((always_inline)) uintptr_t inlined_helper(void)
{
	inlined_call_line = __LINE__ + 1;
	return (uintptr_t)return_address_of_caller();
}

static const int outer_line = __LINE__ + 1;
static NOINLINE uintptr_t outer_function(void)
{
	uintptr_t ra = inlined_helper();

	return ra + (uintptr_t)target_function(0) - 1;
}

/* ------------------------------------------------------------------ tests */

START_TEST(test_own_function)
{
	uint64_t addr = (uintptr_t)&target_function;
	struct sym_table t;
	struct sym_info info;

	sym_table_init(&t);
	add_all(&t, 0);
	ck_assert_int_eq(sym_lookup(&t, addr, 0, &info), 0);
	ck_assert_str_eq(info.function, "target_function");
	ck_assert_ptr_nonnull(info.file);
	ck_assert_str_eq(base(info.file), "check_sym.c");
	ck_assert_msg(info.file[0] == '/', "file '%s' is not absolute", info.file);
	ck_assert_int_eq(info.line, target_line);
	ck_assert_uint_eq(info.offset, 0);
	ck_assert_ptr_nonnull(info.module);
	ck_assert_str_eq(info.module, module_of(addr)->path);
	ck_assert_str_eq(sym_name(&t, addr, 0), "target_function");
	/* the same pointer each time: the table owns the string */
	ck_assert_ptr_eq(sym_name(&t, addr, 0), info.function);

	/* an address inside the body: same function, offset from its start */
	ck_assert_int_eq(sym_lookup(&t, addr + 1, 0, &info), 0);
	ck_assert_str_eq(info.function, "target_function");
	ck_assert_int_eq(info.line, target_line);
	ck_assert_uint_eq(info.offset, 1);
	sym_table_release(&t);
}
END_TEST

START_TEST(test_call_site_line)
{
	uint64_t ra = caller_function();
	struct sym_table t;
	struct sym_info info;

	sym_table_init(&t);
	add_all(&t, 0);
	/* a return address minus one lies in the call instruction */
	ck_assert_int_eq(sym_lookup(&t, ra - 1, 0, &info), 0);
	ck_assert_str_eq(info.function, "caller_function");
	ck_assert_int_eq(info.line, caller_line); /* the definition... */
	ck_assert_ptr_nonnull(info.src_file);
	ck_assert_str_eq(base(info.src_file), "check_sym.c");
	ck_assert_int_eq(info.src_line, call_line); /* ...and the call */
	ck_assert_ptr_eq(info.src_file, info.file); /* interned */
	ck_assert_uint_gt(info.offset, 0);
	sym_table_release(&t);
}
END_TEST

/* Code inlined into a function belongs to that function, defined there. */
START_TEST(test_inlined_code)
{
	uint64_t ra = outer_function();
	struct sym_table t;
	struct sym_info info;

	sym_table_init(&t);
	add_all(&t, 0);
	ck_assert_int_eq(sym_lookup(&t, ra - 1, 0, &info), 0);
	ck_assert_str_eq(info.function, "outer_function");
	ck_assert_int_eq(info.line, outer_line);
	ck_assert_int_eq(info.src_line, inlined_call_line);
	sym_table_release(&t);
}
END_TEST

START_TEST(test_shared_library)
{
	/* A libc function no sanitizer runtime intercepts (under ASan, &qsort
	 * is libasan's interceptor). */
	uint64_t addr = (uintptr_t)&getpid;
	const struct test_module *m = module_of(addr);
	struct sym_table t;
	struct sym_info info;

	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(strstr(base(m->path), "libc"));
	ck_assert_uint_ne(m->bias, 0);
	sym_table_init(&t);
	add_all(&t, 0);
	ck_assert_int_eq(sym_lookup(&t, addr, 0, &info), 0);
	ck_assert_ptr_nonnull(strstr(info.function, "getpid"));
	ck_assert_uint_eq(info.offset, 0);
	ck_assert_str_eq(info.module, m->path);
	/* the source is known only where libc's debug information is installed */
	if (!info.file) {
		ck_assert_int_eq(info.line, 0);
		ck_assert_ptr_null(info.src_file);
	}
	ck_assert_str_eq(sym_name(&t, addr, 0), info.function);
	sym_table_release(&t);
}
END_TEST

START_TEST(test_outside_every_module)
{
	struct sym_table t;
	struct sym_info info;

	sym_table_init(&t);
	add_all(&t, 0);
	ck_assert_int_eq(sym_lookup(&t, 0x10, 0, &info), -1);
	ck_assert_ptr_null(info.function);
	ck_assert_ptr_null(info.module);
	ck_assert_ptr_null(info.file);
	ck_assert_str_eq(sym_name(&t, 0x10, 0), "0x10");
	ck_assert_str_eq(sym_name(&t, UINT64_MAX - 15, 0), "0xfffffffffffffff0");
	sym_table_release(&t);

	/* an empty table knows nothing either */
	sym_table_init(&t);
	ck_assert_str_eq(sym_name(&t, 0xdeadbeef, 7), "0xdeadbeef");
	sym_table_release(&t);
}
END_TEST

struct lookup_twice {
	struct sym_table *t;
	uint64_t addr[2];
	const char *name[2];
};

static void lookup_twice(void *arg)
{
	struct lookup_twice *l = arg;

	l->name[0] = sym_name(l->t, l->addr[0], 0);
	l->name[1] = sym_name(l->t, l->addr[1], 0);
}

START_TEST(test_buildid_mismatch)
{
	uint64_t addr = (uintptr_t)&target_function;
	const struct test_module *m = module_of(addr);
	unsigned char wrong[20];
	struct lookup_twice l;
	struct sym_table t;
	struct sym_info info;
	char expect[4200], *err; /* room for any path */

	ck_assert_ptr_nonnull(m);
	ck_assert_uint_gt(m->buildid_len, 0);
	memcpy(wrong, m->buildid, sizeof(wrong));
	wrong[0] ^= 0xff;
	sym_table_init(&t);
	ck_assert_int_eq(add_one(&t, m->path, m, wrong, sizeof(wrong), 0), 0);
	l.t = &t;
	l.addr[0] = addr;
	l.addr[1] = addr + 1;
	err = capture_stderr(lookup_twice, &l);
	snprintf(expect, sizeof(expect), "%s+0x%" PRIx64, base(m->path), addr - m->bias);
	ck_assert_str_eq(l.name[0], expect);
	snprintf(expect, sizeof(expect), "%s+0x%" PRIx64, base(m->path), addr + 1 - m->bias);
	ck_assert_str_eq(l.name[1], expect);
	/* one warning for the file, not one per lookup */
	ck_assert_int_eq(count_lines(err), 1);
	snprintf(expect, sizeof(expect), "mprof-report: warning: '%s': ", m->path);
	ck_assert_msg(!strncmp(err, expect, strlen(expect)), "unexpected warning: %s", err);
	ck_assert_ptr_nonnull(strstr(err, "build-id"));

	ck_assert_int_eq(sym_lookup(&t, addr, 0, &info), -1);
	ck_assert_ptr_null(info.function);
	ck_assert_ptr_null(info.file);
	ck_assert_str_eq(info.module, m->path);
	ck_assert_uint_eq(info.offset, 0);
	sym_table_release(&t);
}
END_TEST

START_TEST(test_missing_file)
{
	const uint64_t bias = 0x7f0000000000ull, lo = bias + 0x1000, hi = bias + 0x9000;
	struct lookup_twice l;
	struct sym_table t;
	char *err;

	sym_table_init(&t);
	ck_assert_int_eq(
	    sym_add_module(&t, "/nonexistent/dir/libgone.so.1", bias, lo, hi, NULL, 0, 5), 0);
	l.t = &t;
	l.addr[0] = bias + 0x1234;
	l.addr[1] = bias + 0x8fff;
	err = capture_stderr(lookup_twice, &l);
	ck_assert_str_eq(l.name[0], "libgone.so.1+0x1234");
	ck_assert_str_eq(l.name[1], "libgone.so.1+0x8fff");
	ck_assert_int_eq(count_lines(err), 1);
	ck_assert_ptr_nonnull(
	    strstr(err, "mprof-report: warning: '/nonexistent/dir/libgone.so.1': "));
	/* the range is half-open */
	ck_assert_str_eq(sym_name(&t, hi, 5), "0x7f0000009000");
	ck_assert_str_eq(sym_name(&t, lo - 1, 5), "0x7f0000000fff");
	sym_table_release(&t);
}
END_TEST

START_TEST(test_overlap_by_time)
{
	uint64_t addr = (uintptr_t)&target_function;
	const struct test_module *m = module_of(addr);
	struct sym_table t;
	struct sym_info info;
	char other[512];
	int quiet;

	ck_assert_ptr_nonnull(m);
	snprintf(other, sizeof(other), "other.so+0x%" PRIx64, addr - m->bias);
	quiet = stderr_silence(); /* the missing files' warnings */
	sym_table_init(&t);
	/* the real file from tick 100; another file at the same place from 200 */
	ck_assert_int_eq(add_one(&t, "/nonexistent/other.so", m, NULL, 0, 200), 0);
	ck_assert_int_eq(add_one(&t, m->path, m, m->buildid, m->buildid_len, 100), 0);
	ck_assert_str_eq(sym_name(&t, addr, 150), "target_function");
	ck_assert_str_eq(sym_name(&t, addr, 200), other);
	ck_assert_str_eq(sym_name(&t, addr, 1000), other);
	/* before either was seen: the earliest */
	ck_assert_str_eq(sym_name(&t, addr, 50), "target_function");
	/* the cache keeps the two apart */
	ck_assert_int_eq(sym_lookup(&t, addr, 199, &info), 0);
	ck_assert_str_eq(info.module, m->path);
	ck_assert_int_eq(sym_lookup(&t, addr, 201, &info), -1);
	ck_assert_str_eq(info.module, "/nonexistent/other.so");

	/* a wider module seen earlier, under both: still found where it alone is */
	ck_assert_int_eq(sym_add_module(&t, "/nonexistent/wide.so", 0, m->lo - 0x10000,
					m->hi + 0x10000, NULL, 0, 10),
			 0);
	snprintf(other, sizeof(other), "wide.so+0x%" PRIx64, m->hi + 0x10);
	ck_assert_str_eq(sym_name(&t, m->hi + 0x10, 1000), other);
	snprintf(other, sizeof(other), "wide.so+0x%" PRIx64, addr);
	ck_assert_str_eq(sym_name(&t, addr, 20), other);
	ck_assert_str_eq(sym_name(&t, addr, 150), "target_function");
	sym_table_release(&t);
	stderr_restore(quiet);
}
END_TEST

/* Registered at every capture: A, then B in A's place, then A again. */
START_TEST(test_periods)
{
	uint64_t addr = (uintptr_t)&target_function;
	const struct test_module *m = module_of(addr);
	const char *b = "/nonexistent/b.so";
	struct sym_table t;
	char bname[512];
	int quiet;

	ck_assert_ptr_nonnull(m);
	snprintf(bname, sizeof(bname), "b.so+0x%" PRIx64, addr - m->bias);
	quiet = stderr_silence();
	sym_table_init(&t);
	ck_assert_int_eq(add_one(&t, m->path, m, m->buildid, m->buildid_len, 100), 0);
	ck_assert_int_eq(add_one(&t, m->path, m, m->buildid, m->buildid_len, 200), 0);
	ck_assert_int_eq(add_one(&t, b, m, NULL, 0, 400), 0);
	ck_assert_int_eq(add_one(&t, m->path, m, m->buildid, m->buildid_len, 500), 0);
	ck_assert_int_eq(add_one(&t, m->path, m, m->buildid, m->buildid_len, 700), 0);
	ck_assert_int_eq(add_one(&t, b, m, NULL, 0, 450), 0);
	ck_assert_uint_eq(t.nmodules, 3);
	ck_assert_str_eq(sym_name(&t, addr, 350), "target_function");
	ck_assert_str_eq(sym_name(&t, addr, 420), bname);
	ck_assert_str_eq(sym_name(&t, addr, 499), bname);
	ck_assert_str_eq(sym_name(&t, addr, 600), "target_function");
	ck_assert_str_eq(sym_name(&t, addr, 800), "target_function");
	sym_table_release(&t);

	/* out of order: A seen at 500, then at 100 with nothing else between */
	sym_table_init(&t);
	ck_assert_int_eq(add_one(&t, b, m, NULL, 0, 50), 0);
	ck_assert_int_eq(add_one(&t, m->path, m, m->buildid, m->buildid_len, 500), 0);
	ck_assert_int_eq(add_one(&t, m->path, m, m->buildid, m->buildid_len, 100), 0);
	ck_assert_uint_eq(t.nmodules, 2);
	ck_assert_str_eq(sym_name(&t, addr, 60), bname);
	ck_assert_str_eq(sym_name(&t, addr, 200), "target_function");
	sym_table_release(&t);
	stderr_restore(quiet);
}
END_TEST

START_TEST(test_duplicates_and_rebias)
{
	uint64_t addr = (uintptr_t)&target_function;
	const struct test_module *m = module_of(addr);
	const uint64_t shift = 0x100000000ull;
	struct sym_table t;
	struct sym_info a, b;

	ck_assert_ptr_nonnull(m);
	sym_table_init(&t);
	add_all(&t, 10);
	add_all(&t, 20); /* every capture repeats the maps */
	add_all(&t, 5);
	ck_assert_uint_eq(t.nmodules, self.n);
	ck_assert_int_eq(sym_lookup(&t, addr, 7, &a), 0);
	ck_assert_str_eq(a.function, "target_function");

	/* the same file mapped again elsewhere later: same answers, one file */
	ck_assert_int_eq(sym_add_module(&t, m->path, m->bias + shift, m->lo + shift, m->hi + shift,
					m->buildid, m->buildid_len, 30),
			 0);
	ck_assert_uint_eq(t.nmodules, self.n + 1);
	ck_assert_uint_eq(t.nfiles, self.n);
	ck_assert_int_eq(sym_lookup(&t, addr + shift, 40, &b), 0);
	ck_assert_ptr_eq(a.function, b.function);
	ck_assert_ptr_eq(a.file, b.file);
	ck_assert_int_eq(a.line, b.line);
	sym_table_release(&t);
	sym_table_release(&t); /* harmless twice */
}
END_TEST

/*
 * A library whose first PT_LOAD has p_vaddr 0x20000000: its lowest mapped
 * address is bias + 0x20000000, and the file's addresses are addr - bias.
 */
START_TEST(test_nonzero_vaddr)
{
	const char *dir = getenv("top_builddir");
	const struct test_module *m;
	struct sym_table t;
	struct sym_info info;
	char path[PATH_MAX], expect[PATH_MAX + 32];
	uint64_t addr;
	int *line, quiet;
	void *h;

	snprintf(path, sizeof(path), "%s/tests/unit/.libs/libsymvaddr.so", dir ? dir : ".");
	h = dlopen(path, RTLD_NOW);
	ck_assert_msg(h != NULL, "cannot load '%s': %s", path, dlerror());
	addr = (uintptr_t)dlsym(h, "sym_vaddr_probe");
	line = dlsym(h, "sym_vaddr_line");
	ck_assert_uint_ne(addr, 0);
	ck_assert_ptr_nonnull(line);
	setup(); /* again, with the library mapped */
	m = module_of(addr);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_ge(m->lo - m->bias, 0x20000000);

	sym_table_init(&t);
	add_all(&t, 0);
	ck_assert_int_eq(sym_lookup(&t, addr + 2, 0, &info), 0);
	ck_assert_str_eq(info.function, "sym_vaddr_probe");
	ck_assert_uint_eq(info.offset, 2);
	ck_assert_ptr_nonnull(info.file);
	ck_assert_str_eq(base(info.file), "sym_vaddr.c");
	ck_assert_int_eq(info.line, *line);
	sym_table_release(&t);

	/* without its file, the name is the address in the file */
	sym_table_init(&t);
	ck_assert_int_eq(
	    sym_add_module(&t, "/nonexistent/libsymvaddr.so", m->bias, m->lo, m->hi, NULL, 0, 0),
	    0);
	quiet = stderr_silence(); /* the missing file's warning */
	snprintf(expect, sizeof(expect), "libsymvaddr.so+0x%" PRIx64, addr - m->bias);
	ck_assert_str_eq(sym_name(&t, addr, 0), expect);
	stderr_restore(quiet);
	sym_table_release(&t);
	dlclose(h);
}
END_TEST

static Suite *sym_suite(void)
{
	Suite *s = suite_create("sym");
	TCase *tc = tcase_create("lookup");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_own_function);
	tcase_add_test(tc, test_call_site_line);
	tcase_add_test(tc, test_inlined_code);
	tcase_add_test(tc, test_shared_library);
	tcase_add_test(tc, test_outside_every_module);
	tcase_add_test(tc, test_buildid_mismatch);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_overlap_by_time);
	tcase_add_test(tc, test_periods);
	tcase_add_test(tc, test_duplicates_and_rebias);
	tcase_add_test(tc, test_nonzero_vaddr);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sym_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
