// SPDX-License-Identifier: MIT
/*
 * multi_twin.c - a function of the same name as one of check_multi.c's, in
 * another file: the report of a process tree must keep the two apart.
 */
#include "multi_twin.h"

__attribute__((noipa, used)) static void multi_twin(void)
{
	__asm__ volatile("" ::: "memory");
}

void (*multi_twin_other(void))(void)
{
	return multi_twin;
}
