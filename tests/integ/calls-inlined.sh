#!/bin/sh
# Functions inlined by the compiler call their hooks from the caller's own
# stack frame; they count and nest as calls all the same.
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"
MPROF_OUTPUT=$TMP/in.bin "$PROGS/inlined" 1000 >out
n=$(sed -n 's/.*square_calls=\([0-9]*\).*/\1/p' out)
report_json in.bin in.json
check_eq "square calls" "$n" "$(json in.json 'fn("square")["calls"]')"
check_eq "square called by" "['sum_squares']" "$(json in.json '[c["function"] for c in fn("square")["callers"]]')"
check_eq "sum_squares called by" "['main']" "$(json in.json '[c["function"] for c in fn("sum_squares")["callers"]]')"
check_eq "square within sum_squares" true \
	"$(json in.json 'fn("square")["cumulative_ns"] <= fn("sum_squares")["cumulative_ns"] <= fn("main")["cumulative_ns"]')"
check_eq "open calls at end" 0 "$(json in.json 'r["open_calls_at_end"]')"
times_add_up in.bin
pass
