/* SPDX-License-Identifier: MIT */
/*
 * probe.c - the one file of the runtime built with -finstrument-functions:
 * a loop calling an empty function, instrumented exactly as a user's program
 * is (hook calls through the PLT, registers saved around them).
 * calls_calibrate() records it and times it against an uninstrumented twin.
 */
#include "calls.h"

__attribute__((noipa)) void probe_leaf(void)
{
}

__attribute__((noipa)) void probe_loop(int n)
{
	for (int i = 0; i < n; i++)
		probe_leaf();
}
