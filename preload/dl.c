/* SPDX-License-Identifier: MIT */
/*
 * dl.c - keep the module maps current across dlclose.
 *
 * A library about to be unloaded is captured first, so its functions can be
 * named after it is gone; once it is, the record-time filters forget it. dlopen is not wrapped: glibc resolves a bare
 * library name against the RUNPATH of dlopen's caller, and a wrapper would
 * become that caller. Libraries loaded by dlopen are captured at the next
 * chunk switch, thread start, dlclose or exit, whichever comes first.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

#include "compiler.h"
#include "filter.h"
#include "runtime.h"
#include "stack.h"
#include "thread.h"

typedef int (*dlclose_fn)(void *);

MPROF_EXPORT int dlclose(void *handle)
{
	static dlclose_fn real;
	int saved = errno, ret;

	if (real == NULL)
		real = (dlclose_fn)dlsym(RTLD_NEXT, "dlclose");
	if (real == NULL) {
		errno = saved;
		return -1;
	}
	if (!tls_guard && runtime_active()) {
		tls_guard++;
		runtime_capture_maps(TRACE_MAPS_DLCLOSE);
		tls_guard--;
	}
	errno = saved;
	ret = real(handle);
	if (!tls_guard && runtime_active()) {
		saved = errno;
		tls_guard++;
		filter_forget_unloaded(); /* its addresses may hold other code next */
		stack_forget_all();
		tls_guard--;
		errno = saved;
	}
	return ret;
}
