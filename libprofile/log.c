/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compiler.h"
#include "log.h"

bool log_quiet; /* MPROF_QUIET=1: the runtime prints nothing */

NOINSTR void log_warn(const char *fmt, ...)
{
	char buf[512];
	int saved = errno;
	size_t n = 0;
	va_list ap;
	int len, cancel;

	if (log_quiet)
		return;
	len = snprintf(buf, sizeof(buf), "mprof: warning: ");
	if (len > 0)
		n = (size_t)len;
	va_start(ap, fmt);
	len = vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	if (len > 0)
		n += (size_t)len < sizeof(buf) - n - 1 ? (size_t)len : sizeof(buf) - n - 2;
	buf[n++] = '\n';
	/* write(2) is a cancellation point: a warning must not end a thread. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	while (write(STDERR_FILENO, buf, n) < 0 && errno == EINTR)
		;
	pthread_setcancelstate(cancel, NULL);
	errno = saved;
}
