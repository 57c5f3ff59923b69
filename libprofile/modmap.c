/* SPDX-License-Identifier: MIT */
#include <elf.h>
#include <link.h>
#include <string.h>
#include <unistd.h>

#include "compiler.h"
#include "modmap.h"
#include "writer.h"

static unsigned long long modmap_adds, modmap_subs; /* at the last capture */
static uint32_t modmap_generation;
static bool modmap_captured;

NOINSTR static int modmap_count_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	unsigned long long *out = arg;

	out[0] = info->dlpi_adds;
	out[1] = info->dlpi_subs;
	return 1; /* the counters are the same in every entry */
}

NOINSTR bool modmap_changed(void)
{
	unsigned long long c[2] = { 0, 0 };

	dl_iterate_phdr(modmap_count_cb, c);
	return !modmap_captured || c[0] != modmap_adds || c[1] != modmap_subs;
}

/* The GNU build-id note of a loaded object, found in its PT_NOTE segments. */
NOINSTR static size_t modmap_buildid(const struct dl_phdr_info *info, const unsigned char **id)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		const char *end = p + ph->p_memsz;

		if (ph->p_type != PT_NOTE)
			continue;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
			const char *name = p + sizeof(*n);
			const char *desc = name + ((n->n_namesz + 3) & ~3u);

			if (desc + n->n_descsz > end)
				break;
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    !memcmp(name, "GNU", 4) && n->n_descsz <= TRACE_BUILDID_MAX) {
				*id = (const unsigned char *)desc;
				return n->n_descsz;
			}
			p = desc + ((n->n_descsz + 3) & ~3u);
		}
	}
	return 0;
}

struct modmap_ctx {
	int written;
	uint64_t words[TRACE_MODULE_FIXED_WORDS + (TRACE_BUILDID_MAX + TRACE_PATH_MAX) / 8 + 2];
	char exe[TRACE_PATH_MAX];
};

NOINSTR static int modmap_module_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct modmap_ctx *ctx = arg;
	const char *path = info->dlpi_name;
	const unsigned char *id = NULL;
	uint64_t lo = ~0ull, hi = 0;
	size_t idlen, plen;
	unsigned nwords;

	if (path == NULL || path[0] == '\0')
		path = ctx->exe; /* the main program */
	if (path[0] != '/')
		return 0; /* the vDSO and other objects with no file */
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_vaddr < lo)
			lo = ph->p_vaddr;
		if (ph->p_vaddr + ph->p_memsz > hi)
			hi = ph->p_vaddr + ph->p_memsz;
	}
	if (hi == 0)
		return 0;
	idlen = modmap_buildid(info, &id);
	plen = strnlen(path, TRACE_PATH_MAX - 1);
	nwords = TRACE_MODULE_FIXED_WORDS + (unsigned)((idlen + plen + 7) / 8);
	memset(ctx->words, 0, nwords * sizeof(uint64_t));
	ctx->words[0] = trace_ext_word(TRACE_EXT_MODULE, nwords, (uint32_t)(idlen << 16 | plen));
	ctx->words[1] = info->dlpi_addr;
	ctx->words[2] = (info->dlpi_addr + lo) & ~(uint64_t)4095;
	ctx->words[3] = info->dlpi_addr + hi;
	memcpy((char *)&ctx->words[TRACE_MODULE_FIXED_WORDS], id, idlen);
	memcpy((char *)&ctx->words[TRACE_MODULE_FIXED_WORDS] + idlen, path, plen);
	if (writer_process_record_locked(ctx->words, nwords) == 0)
		ctx->written++;
	return 0;
}

NOINSTR static int modmap_count_modules_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	unsigned long long *c = arg;

	c[0] = info->dlpi_adds;
	c[1] = info->dlpi_subs;
	c[2]++;
	return 0;
}

NOINSTR int modmap_capture_locked(enum trace_maps_reason reason, uint64_t ticks)
{
	/* Large (a path buffer and a record): static, under writer.lock. */
	static struct modmap_ctx ctx;
	unsigned long long c[3] = { 0, 0, 0 };
	uint64_t head[4];
	ssize_t n;

	dl_iterate_phdr(modmap_count_modules_cb, c);
	n = readlink("/proc/self/exe", ctx.exe, sizeof(ctx.exe) - 1);
	ctx.exe[n > 0 ? n : 0] = '\0';
	ctx.written = 0;
	head[0] = trace_ext_word(TRACE_EXT_MAPS, 4, ++modmap_generation);
	head[1] = ticks;
	head[2] = reason;
	head[3] = c[2];
	if (writer_process_record_locked(head, 4) < 0)
		return -1;
	dl_iterate_phdr(modmap_module_cb, &ctx);
	modmap_adds = c[0];
	modmap_subs = c[1];
	modmap_captured = true;
	return ctx.written;
}

NOINSTR void modmap_reset(void)
{
	modmap_captured = false;
	modmap_generation = 0;
}
