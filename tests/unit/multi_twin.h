/* SPDX-License-Identifier: MIT */
/*
 * multi_twin.h - check_multi.c's way to the static function multi_twin()
 * of multi_twin.c, named like one of its own.
 */
#ifndef MPROF_MULTI_TWIN_H
#define MPROF_MULTI_TWIN_H

/* The address of multi_twin.c's multi_twin(). */
void (*multi_twin_other(void))(void);

#endif
