#!/bin/sh
# mprof-report --compare of directories of runs (mprof record --repeat),
# end to end on the demo pipeline built without instrumentation: each
# figure's runs in the JSON are the runs' own reports' figures, its median
# theirs; a memory figure whose every old run is below every new one is
# called worse, and --fail-if-more-memory fails with status 4 on it (and
# passes the other way round); a figure the same in every run is "same";
# a trace against a directory says there is no noise estimate; traces of
# different programs get a warning; the gate's options are checked. The
# memory figures are counts the program makes the same way every run; no
# time is asserted but for being there.
. "$top_srcdir/tests/integ/lib.sh"

MPROF=$top_builddir/tools/mprof
PLAIN=$top_builddir/pipeline-demo/pipeline-plain
RUNS=8
cd "$TMP"

# runs DIR CACHE: RUNS runs of the plain pipeline, allocations and stages, into DIR.
runs()
{
	"$MPROF" record --alloc --stages --repeat $RUNS -o "$1" -- \
		"$PLAIN" --records 20000 --collectors 100 --cache "$2" --quiet >"$1.out" 2>"$1.err" ||
		fail "record $1: exit $?: $(cat "$1.err")"
	check_eq "$1: runs recorded" $RUNS "$(ls -d "$1"/run* | wc -l)"
}
runs small lru:16
runs big lru:4096

json() { python3 -c "import json, statistics, sys; r = json.load(open('$1')); print($2)"; }

# Each run's own report: the ground truth of the figures.
for d in small big; do
	for k in $(seq 1 $RUNS); do
		"$REPORT" --json "$d/run$k/trace.bin" >"$d.$k.json" || fail "report $d/run$k: exit $?"
	done
done
# own DIR KEY: the runs' own memory figure KEY, as a Python list.
own()
{
	local k out="["
	for k in $(seq 1 $RUNS); do
		out="$out$(json "$1.$k.json" "r['memory']['$2']"),"
	done
	echo "$out]" | sed "s/,]\$/]/"
}

"$REPORT" --json --compare small big >cmp.json 2>cmp.err || fail "--compare small big: exit $?: $(cat cmp.err)"
[ ! -s cmp.err ] || fail "--compare small big: warned: $(cat cmp.err)"
check_eq "runs a side" "$RUNS $RUNS" "$(json cmp.json 'r["compare"]["old"]["runs"], r["compare"]["new"]["runs"]' | tr -d '(),')"
check_eq "tested over" runs "$(json cmp.json 'r["compare"]["method"]["over"]')"
check_eq "no warning of programs" False "$(json cmp.json 'r["compare"]["programs_differ"]')"
for fig in allocations:allocations bytes:bytes_allocated peak_bytes:peak_bytes leaked_bytes:leaked_bytes; do
	key=${fig%%:*} own_key=${fig#*:}
	o=$(own small "$own_key")
	n=$(own big "$own_key")
	check_eq "$key: old runs" "$o" "$(json cmp.json "str([int(v) for v in r['compare']['memory']['$key']['old']['runs']]).replace(' ', '')")"
	check_eq "$key: new runs" "$n" "$(json cmp.json "str([int(v) for v in r['compare']['memory']['$key']['new']['runs']]).replace(' ', '')")"
	check_eq "$key: old median" True "$(json cmp.json "r['compare']['memory']['$key']['old']['median'] == statistics.median($o)")"
	# The verdict the runs call for: worse when every old run is below every new one.
	want=$(python3 -c "o, n = $o, $n; print('same' if len(set(o + n)) == 1 else 'worse' if max(o) < min(n) else 'better' if min(o) > max(n) else 'any')")
	got=$(json cmp.json "r['compare']['memory']['$key']['verdict']")
	[ "$want" = any ] || check_eq "$key: verdict" "$want" "$got"
	[ "$want" != worse ] || check_eq "$key: significant" True \
		"$(json cmp.json "r['compare']['memory']['$key']['significant']")"
done
want_bytes=$(python3 -c "o, n = $(own small bytes_allocated), $(own big bytes_allocated); print(max(o) < min(n))")
[ "$want_bytes" = True ] || fail "lru:4096 did not allocate more than lru:16 in every run: the test needs it"

# Every stage's records: the same in every run, so "same".
for s in generate filter normalize features; do
	check_eq "$s: records same" same "$(json cmp.json "[s for s in r['compare']['stages'] if s['name'] == '$s'][0]['records']['verdict']")"
done
check_eq "stage self time: every run's" True "$(json cmp.json "all(len(s['self']['old']['runs']) == $RUNS for s in r['compare']['stages'])")"

# The text: medians over the runs, the test named.
"$REPORT" --compare small big >cmp.txt 2>&1 || fail "--compare text: exit $?"
grep -q "^Medians over $RUNS old and $RUNS new runs" cmp.txt || fail "no legend: $(head -12 cmp.txt)"
grep -q "Mann-Whitney" cmp.txt || fail "the test is not named"
grep -q '^  bytes allocated .*  +[0-9.]*% (p=[0-9.]*)$' cmp.txt || fail "no bytes line: $(grep 'bytes allocated' cmp.txt)"

# The gate on memory: fails one way with status 4, passes the other.
set +e
"$REPORT" --compare small big --fail-if-more-memory 0.01 >gate.txt 2>gate.err
st=$?
set -e
check_eq "more memory: exit status" 4 "$st"
grep -q '^Gate: --fail-if-more-memory 0.01%: FAILED (exit status 4)$' gate.txt || fail "no failed gate line: $(grep Gate gate.txt)"
grep -q '^  bytes allocated: +' gate.txt || fail "bytes allocated not named: $(sed -n '/^Gate/,$p' gate.txt)"
"$REPORT" --compare big small --fail-if-more-memory 0.01 >gate2.txt || fail "less memory: exit $?"
grep -q '^Gate: --fail-if-more-memory 0.01%: passed$' gate2.txt || fail "no passed gate line: $(grep Gate gate2.txt)"
set +e
"$REPORT" --json --compare small big --fail-if-more-memory 0.01 >gate.json
st=$?
set -e
check_eq "more memory, JSON: exit status" 4 "$st"
check_eq "JSON gate: not passed" False "$(json gate.json 'r["compare"]["gate"]["passed"]')"

# A trace against a directory: one run on a side, no noise estimate.
"$REPORT" --compare small/run1/trace.bin big >one.txt 2>&1 || fail "trace against runs: exit $?"
grep -q '^One run a side: there is no noise estimate' one.txt || fail "no note: $(head -8 one.txt)"

# Different programs: a warning on stderr and in the text.
MPROF_OUTPUT=$TMP/fib.bin "$PROGS/fib" 10 1 >/dev/null
"$REPORT" --compare small/run1/trace.bin fib.bin >diff.txt 2>diff.err || fail "different programs: exit $?"
grep -q "warning: .* are traces of different programs" diff.err || fail "no warning: $(cat diff.err)"
grep -q "^   warning: the sides are not runs of one program" diff.txt || fail "no warning in the text"

# The gate's options.
bad()
{
	local what=$1 word=$2
	shift 2
	set +e
	"$REPORT" "$@" >bad.out 2>bad.err
	st=$?
	set -e
	check_eq "$what: exit status" 1 "$st"
	grep -q -e "$word" bad.err || fail "$what: message does not say '$word': $(cat bad.err)"
}
bad "a bad percentage" "bad percentage 'ten' for '--fail-if-slower'" --compare small big --fail-if-slower ten
bad "a negative percentage" "bad percentage '-5'" --compare small big --fail-if-more-memory -5
bad "the gate without --compare" "'--fail-if-slower' needs '--compare'" --fail-if-slower 5 fib.bin
bad "--gate without --fail-if-slower" "'--gate' needs '--fail-if-slower'" --compare small big --gate main
bad "--gate of no function" "--gate 'no_such' matches no function" --compare small big --fail-if-slower 5 --gate no_such
pass
