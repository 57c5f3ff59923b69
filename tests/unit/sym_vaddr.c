/* SPDX-License-Identifier: MIT */
/*
 * sym_vaddr.c - a shared library for check_sym whose first PT_LOAD segment
 * has a nonzero p_vaddr (linked with -Ttext-segment, as prelink(8) leaves
 * libraries): its load bias differs from its lowest mapped address.
 */
int sym_vaddr_probe(int x);

int sym_vaddr_line = __LINE__ + 1;
int sym_vaddr_probe(int x)
{
	return x * 7 + 2;
}
