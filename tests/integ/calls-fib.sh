#!/bin/sh
# Exact call counts under recursion and mutual recursion (pstats semantics),
# the program's output unchanged, times that add up.
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"
"$PROGS/fib" 25 100 >plain.out
MPROF_OUTPUT=$TMP/fib.bin "$PROGS/fib" 25 100 >traced.out
cmp plain.out traced.out || fail "the profiled program's output changed"
# Ground truth from the program itself.
calls=$(sed -n 's/.*fib_calls=\([0-9]*\).*/\1/p' traced.out)
check_eq "fib(25) counts its own calls" 242785 "$calls"

report_json fib.bin fib.json
check_eq "fib calls" "$calls" "$(json fib.json 'fn("fib")["calls"]')"
check_eq "fib primitive calls" 1 "$(json fib.json 'fn("fib")["primitive_calls"]')"
check_eq "main calls" 1 "$(json fib.json 'fn("main")["calls"]')"
# even(100) -> odd(99) -> ... -> even(0): one outermost of each.
check_eq "even calls" "$(sed -n 's/.*even_calls=\([0-9]*\).*/\1/p' traced.out)" \
	"$(json fib.json 'fn("even")["calls"]')"
check_eq "odd calls" "$(sed -n 's/.*odd_calls=\([0-9]*\).*/\1/p' traced.out)" \
	"$(json fib.json 'fn("odd")["calls"]')"
check_eq "even primitive" 1 "$(json fib.json 'fn("even")["primitive_calls"]')"
check_eq "odd primitive" 1 "$(json fib.json 'fn("odd")["primitive_calls"]')"
check_eq "fib file" fib.c "$(json fib.json 'fn("fib")["file"].split("/")[-1]')"
line=$(grep -n '^__attribute__((noipa)) static unsigned long fib(int n)' \
	"$top_srcdir/tests/integ/progs/fib.c" | cut -d: -f1)
check_eq "fib definition line" "$line" "$(json fib.json 'fn("fib")["line"]')"
check_eq "lost events" 0 "$(json fib.json 'r["lost_events"]')"
check_eq "threads" 1 "$(json fib.json 'r["threads"]')"
# cumtime counts the outermost activation only: fib's inclusive time is
# within main's, and no more than the wall time.
check_eq "fib cumulative <= main cumulative" true \
	"$(json fib.json 'fn("fib")["cumulative_ns"] <= fn("main")["cumulative_ns"]')"
times_add_up fib.bin

# The text report: pstats form, total/primitive under recursion.
"$REPORT" fib.bin >fib.txt
grep -q 'function calls (.* primitive calls) in [0-9.]* seconds' fib.txt ||
	fail "no pstats summary line"
grep -q 'Ordered by: cumulative time' fib.txt || fail "no 'Ordered by' line"
# pstats' columns; the program also allocates, so mprof adds two memory
# columns before the function's name.
grep -Eq '^   ncalls  tottime  percall  cumtime  percall( +totalloc +cumalloc)? filename:lineno\(function\)$' fib.txt ||
	fail "no pstats header"
MPROF_EVENTS=calls MPROF_OUTPUT=$TMP/calls-only.bin "$PROGS/fib" 25 100 >/dev/null
"$REPORT" calls-only.bin >calls-only.txt
grep -q '^   ncalls  tottime  percall  cumtime  percall filename:lineno(function)$' calls-only.txt ||
	fail "calls only: not the exact pstats header"
grep -Eq "^ *$calls/1 .* fib\.c:$line\(fib\)\$" fib.txt || fail "no fib row '$calls/1 ... fib.c:$line(fib)'"
"$REPORT" --sort ncalls --limit 1 fib.bin >top.txt
grep -Eq "fib\.c:$line\(fib\)" top.txt || fail "--sort ncalls --limit 1 is not fib"
check_eq "rows printed with --limit 1" 1 "$(grep -Ec '^ *[0-9]+(/[0-9]+)? +[0-9]+\.[0-9]{3} ' top.txt)"
pass
