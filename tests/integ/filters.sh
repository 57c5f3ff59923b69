#!/bin/sh
# Report-time filters on a real program: --exclude, --include, --max-depth,
# --min-duration. A hidden call's time joins its nearest shown caller's self
# time, so the shown callers' cumulative times do not change.
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"
MPROF_OUTPUT=$TMP/fib.bin "$PROGS/fib" 25 100 >fib.out
calls=$(sed -n 's/.*fib_calls=\([0-9]*\).*/\1/p' fib.out)
report_json fib.bin all.json
main_cum=$(json all.json 'fn("main")["cumulative_ns"]')
main_self=$(json all.json 'fn("main")["self_ns"]')
fib_self=$(json all.json 'fn("fib")["self_ns"]')
fib_cum=$(json all.json 'fn("fib")["cumulative_ns"]')
total=$(json all.json 'r["total_calls"]')

# near A B: A and B differ by at most 2 ns (each is rounded to the ns)
near()
{
	[ "$1" -le $(($2 + 2)) ] && [ "$2" -le $(($1 + 2)) ] && echo true || echo false
}

# --exclude fib: fib's time is main's own, main's cumulative unchanged.
report_json fib.bin ex.json --exclude fib
check_eq "--exclude fib: no fib" None "$(json ex.json 'fn("fib")')"
check_eq "--exclude fib: filtered calls" "$calls" "$(json ex.json 'r["filtered_calls"]')"
check_eq "--exclude fib: main cumulative unchanged" true \
	"$(near "$main_cum" "$(json ex.json 'fn("main")["cumulative_ns"]')")"
check_eq "--exclude fib: main self = main self + fib self" true \
	"$(near $((main_self + fib_self)) "$(json ex.json 'fn("main")["self_ns"]')")"
check_eq "--exclude fib: even untouched" "$(json all.json 'fn("even")')" \
	"$(json ex.json 'fn("even")')"
check_eq "--exclude fib: no fib caller" false \
	"$(json ex.json 'any(c["function"] == "fib" for f in r["functions"] for c in f["callers"])')"
# A shell pattern, repeatable.
report_json fib.bin ex2.json --exclude 'f?b' --exclude 'od*'
check_eq "--exclude 'f?b' --exclude 'od*'" "main even" \
	"$(json ex2.json '" ".join(f["function"] for f in r["functions"])')"
check_eq "even called by even once odd is hidden" 50 \
	"$(json ex2.json '[c for c in fn("even")["callers"] if c["function"] == "even"][0]["calls"]')"

# --max-depth 1: only main, all its time its own.
report_json fib.bin d1.json --max-depth 1
check_eq "--max-depth 1: only main" main "$(json d1.json '" ".join(f["function"] for f in r["functions"])')"
check_eq "--max-depth 1: main's self is its cumulative" true \
	"$(near "$main_cum" "$(json d1.json 'fn("main")["self_ns"]')")"
check_eq "--max-depth 1: filtered calls" $((total - 1)) "$(json d1.json 'r["filtered_calls"]')"
# --max-depth 2: one call each of fib and even, holding their whole subtree.
report_json fib.bin d2.json --max-depth 2
check_eq "--max-depth 2: fib calls" 1 "$(json d2.json 'fn("fib")["calls"]')"
check_eq "--max-depth 2: even calls" 1 "$(json d2.json 'fn("even")["calls"]')"
check_eq "--max-depth 2: no odd" None "$(json d2.json 'fn("odd")')"
check_eq "--max-depth 2: fib self is its cumulative" true \
	"$(near "$fib_cum" "$(json d2.json 'fn("fib")["self_ns"]')")"

# --include: only the matching functions; main, outermost, is dropped.
report_json fib.bin inc.json --include fib --include even
check_eq "--include fib --include even" "fib even" \
	"$(json inc.json '" ".join(f["function"] for f in r["functions"])')"
check_eq "--include: fib calls kept" "$calls" "$(json inc.json 'fn("fib")["calls"]')"
check_eq "--include: even holds odd's time" true \
	"$(near "$(json all.json 'fn("even")["cumulative_ns"]')" "$(json inc.json 'fn("even")["self_ns"]')")"

# --min-duration: the short calls fold into their callers.
half=$((fib_cum / 2))
report_json fib.bin min.json --min-duration "${half}ns"
check_eq "--min-duration: fewer fib calls" true \
	"$(json min.json '1 <= fn("fib")["calls"] < '"$calls")"
check_eq "--min-duration: every shown call is long enough" true \
	"$(json min.json 'all(f["cumulative_ns"] >= '"$half"' - 2 for f in r["functions"])')"
check_eq "--min-duration: no even" None "$(json min.json 'fn("even")')"
check_eq "--min-duration: main cumulative unchanged" true \
	"$(near "$main_cum" "$(json min.json 'fn("main")["cumulative_ns"]')")"
report_json fib.bin none.json --min-duration 1000s
check_eq "--min-duration 1000s: nothing shown" 0 "$(json none.json 'len(r["functions"])')"
check_eq "--min-duration 1000s: all filtered" "$total" "$(json none.json 'r["filtered_calls"]')"
times_add_up fib.bin

# The text report counts the filtered calls.
"$REPORT" --exclude fib fib.bin >ex.txt
grep -q "function calls (.* primitive calls) ($calls filtered) in" ex.txt ||
	fail "no '($calls filtered)' on the summary line"
# The exports go through the same filter.
"$REPORT" --format folded --exclude fib fib.bin >ex.folded
grep -q fib ex.folded && fail "--exclude fib: fib in the folded stacks"
grep -q '^main;even ' ex.folded || fail "--exclude fib: no main;even stack"
"$REPORT" --format folded --max-depth 1 fib.bin >d1.folded
check_eq "--max-depth 1: one folded stack" main "$(cut -d' ' -f1 d1.folded)"
# And --compare.
"$REPORT" --compare fib.bin fib.bin --exclude fib >cmp.txt
grep -q '(main)' cmp.txt || fail "--compare --exclude fib: no main"
grep -q '(fib)' cmp.txt && fail "--compare --exclude fib: fib shown"

# Bad values are usage errors.
status=0
"$REPORT" --max-depth 0 fib.bin >/dev/null 2>err.txt || status=$?
check_eq "--max-depth 0 exits" 1 "$status"
status=0
"$REPORT" --min-duration 10 fib.bin >/dev/null 2>err.txt || status=$?
check_eq "--min-duration without a unit exits" 1 "$status"
grep -q "bad duration '10'" err.txt || fail "no 'bad duration' message"
pass
