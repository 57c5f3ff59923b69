/* SPDX-License-Identifier: MIT */
/*
 * exit.c - the ways a process ends that skip our destructor: _exit, _Exit
 * and the exec family. The trace records how the process ended (and with
 * what status) before the call, so that a program that ends through _exit
 * (as dash does) or replaces itself is not taken for one that was killed.
 * An exec that fails takes the ending back.
 *
 * The real functions are looked up at start (runtime.c calls exit_init): a
 * vfork child, which shares our memory and must not call into the dynamic
 * linker, then finds them ready. For the same reason nothing is recorded
 * for a vfork child (runtime_end checks the pid).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compiler.h"
#include "runtime.h"

typedef void (*exit_fn)(int);
typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*execvpe_fn)(const char *, char *const[], char *const[]);
typedef int (*fexecve_fn)(int, char *const[], char *const[]);
typedef int (*execveat_fn)(int, const char *, char *const[], char *const[], int);

static struct {
	exit_fn exit_, Exit_;
	execve_fn execve;
	execvpe_fn execvpe;
	fexecve_fn fexecve;
	execveat_fn execveat;
} real_end;

extern char **environ;

NOINSTR void exit_init(void)
{
	real_end.exit_ = (exit_fn)dlsym(RTLD_NEXT, "_exit");
	real_end.Exit_ = (exit_fn)dlsym(RTLD_NEXT, "_Exit");
	real_end.execve = (execve_fn)dlsym(RTLD_NEXT, "execve");
	real_end.execvpe = (execvpe_fn)dlsym(RTLD_NEXT, "execvpe");
	real_end.fexecve = (fexecve_fn)dlsym(RTLD_NEXT, "fexecve");
	real_end.execveat = (execveat_fn)dlsym(RTLD_NEXT, "execveat");
}

/* Leave now, as _exit does, through the real one if there is one. */
NOINSTR __attribute__((noreturn)) static void exit_now(exit_fn real, int status)
{
	if (real)
		real(status);
	for (;;)
		syscall(SYS_exit_group, status);
}

MPROF_EXPORT __attribute__((noreturn)) void _exit(int status)
{
	runtime_end(TRACE_END__EXIT, status);
	exit_now(real_end.exit_, status);
}

MPROF_EXPORT __attribute__((noreturn)) void _Exit(int status)
{
	runtime_end(TRACE_END__EXIT, status);
	exit_now(real_end.Exit_ ? real_end.Exit_ : real_end.exit_, status);
}

/* Around an exec: the trace ends as it starts, and revives if it fails. */
#define EXEC_AROUND(call)                       \
	do {                                    \
		int ret, saved;                 \
                                                \
		runtime_end(TRACE_END_EXEC, 0); \
		ret = (call);                   \
		saved = errno;                  \
		runtime_exec_failed();          \
		errno = saved;                  \
		return ret;                     \
	} while (0)

/* A function we could not find: as if the exec failed. */
#define EXEC_REAL(fn)                      \
	do {                               \
		if (real_end.fn == NULL)   \
			exit_init();       \
		if (real_end.fn == NULL) { \
			errno = ENOSYS;    \
			return -1;         \
		}                          \
	} while (0)

MPROF_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	EXEC_REAL(execve);
	EXEC_AROUND(real_end.execve(path, argv, envp));
}

MPROF_EXPORT int execv(const char *path, char *const argv[])
{
	EXEC_REAL(execve);
	EXEC_AROUND(real_end.execve(path, argv, environ));
}

MPROF_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	EXEC_REAL(execvpe);
	EXEC_AROUND(real_end.execvpe(file, argv, envp));
}

MPROF_EXPORT int execvp(const char *file, char *const argv[])
{
	EXEC_REAL(execvpe);
	EXEC_AROUND(real_end.execvpe(file, argv, environ));
}

MPROF_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	EXEC_REAL(fexecve);
	EXEC_AROUND(real_end.fexecve(fd, argv, envp));
}

MPROF_EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[],
			  int flags)
{
	EXEC_REAL(execveat);
	EXEC_AROUND(real_end.execveat(dirfd, path, argv, envp, flags));
}

/* The number of arguments of an execl-style list, arg0 included, its
 * terminating NULL excluded. */
NOINSTR static size_t exec_count(va_list *ap)
{
	size_t n = 1;

	while (va_arg(*ap, const char *) != NULL)
		n++;
	return n;
}

/* Gather the list into argv[0..n] (argv[n] = NULL, read from the list). */
NOINSTR static void exec_gather(const char *arg0, va_list *ap, char **argv, size_t n)
{
	argv[0] = (char *)arg0;
	for (size_t i = 1; i <= n; i++)
		argv[i] = va_arg(*ap, char *);
}

MPROF_EXPORT int execl(const char *path, const char *arg0, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, arg0);
	n = exec_count(&ap);
	va_end(ap);
	{
		char *argv[n + 1];

		va_start(ap, arg0);
		exec_gather(arg0, &ap, argv, n);
		va_end(ap);
		return execv(path, argv);
	}
}

MPROF_EXPORT int execlp(const char *file, const char *arg0, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, arg0);
	n = exec_count(&ap);
	va_end(ap);
	{
		char *argv[n + 1];

		va_start(ap, arg0);
		exec_gather(arg0, &ap, argv, n);
		va_end(ap);
		return execvp(file, argv);
	}
}

MPROF_EXPORT int execle(const char *path, const char *arg0, ...)
{
	char *const *envp;
	va_list ap;
	size_t n;

	va_start(ap, arg0);
	n = exec_count(&ap);
	va_end(ap);
	{
		char *argv[n + 1];

		va_start(ap, arg0);
		exec_gather(arg0, &ap, argv, n);
		envp = va_arg(ap, char *const *); /* after the NULL */
		va_end(ap);
		return execve(path, argv, envp);
	}
}
