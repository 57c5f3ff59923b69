#!/bin/sh
# A program with its own allocator, run with libmprof preloaded: no
# allocator call reaches libmprof. The report says so, and why, instead of
# an empty memory report; when the trace records where malloc resolved,
# the report names that module: the program itself. Its output is its own.
. "$top_srcdir/tests/integ/lib.sh"

command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
cd "$TMP"
LIB=$top_builddir/.libs/libmprof.so
P=$PROGS/ownalloc

"$P" 200 >plain.out
LD_PRELOAD=$LIB MPROF_EVENTS=alloc MPROF_OUTPUT=$TMP/own.bin "$P" 200 >own.out
check_eq "output unchanged" "$(cat plain.out)" "$(cat own.out)"
served=$(sed -n 's/^own allocations=//p' own.out)
[ "$served" -gt 200 ] || fail "the program's allocator served $served"

"$REPORT" own.bin >own.txt 2>own.err || fail "report exited $?: $(cat own.err)"
grep -q "^Memory: no allocator calls reached libmprof" own.txt ||
	fail "no word of the allocator: $(cat own.txt)"
report_json own.bin own.json
check_eq "allocator: recorded" true "$(json own.json 'r["allocator"]["recorded"]')"
check_eq "allocator: calls reached" false "$(json own.json 'r["allocator"]["calls_reached"]')"
where=$(json own.json 'r["allocator"]["malloc_elsewhere"]')
if [ "$where" != None ]; then
	# The runtime found where malloc went: this program (as it recorded its path).
	exe=$(json own.json 'r["exe"]')
	check_eq "malloc resolves to" "$exe" "$(json own.json 'r["allocator"]["malloc_module"]')"
	grep -q "malloc resolves to $exe (0x[0-9a-f]*), not libmprof: the program defines its own allocator" own.txt ||
		fail "the module is not named: $(cat own.txt)"
fi
echo PASS
