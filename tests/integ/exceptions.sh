#!/bin/sh
# C++ exceptions thrown through instrumented frames: exact counts, nothing
# left open, times that add up; names demangled.
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"
MPROF_OUTPUT=$TMP/ex.bin "$PROGS/exceptions" >out
deep=$(sed -n 's/.*deep_calls=\([0-9]*\).*/\1/p' out)
report_json ex.bin ex.json
check_eq "deep calls" "$deep" "$(json ex.json 'fn("deep(int)")["calls"]')"
caught=$(sed -n 's/.*caught=\([0-9]*\).*/\1/p' out)
check_eq "deep primitive calls (one per throw)" "$(sed -n 's/.*thrown=\([0-9]*\).*/\1/p' out)" \
	"$(json ex.json 'fn("deep(int)")["primitive_calls"]')"
check_eq "catcher calls (one per catch)" "$caught" "$(json ex.json 'fn("catcher(int)")["calls"]')"
check_eq "open at end" 0 "$(json ex.json 'r["open_calls_at_end"]')"
check_eq "unmatched exits" 0 "$(json ex.json 'r["unmatched_exits"]')"
times_add_up ex.bin
pass
