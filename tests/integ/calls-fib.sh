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
# pstats' columns, each time split into on-CPU and off-CPU where the trace
# recorded it; the program also allocates, so mprof adds two memory columns
# before the function's name.
grep -Eq '^   ncalls  tottime(    oncpu   offcpu)?  percall  cumtime(    oncpu   offcpu)?  percall( +totalloc +cumalloc)? filename:lineno\(function\)$' fib.txt ||
	fail "no pstats header"
# Without off-CPU time and memory: pstats's header exactly.
MPROF_OFFCPU=0 MPROF_EVENTS=calls MPROF_OUTPUT=$TMP/calls-only.bin "$PROGS/fib" 25 100 >/dev/null
"$REPORT" calls-only.bin >calls-only.txt
grep -q '^   ncalls  tottime  percall  cumtime  percall filename:lineno(function)$' calls-only.txt ||
	fail "calls only: not the exact pstats header"
grep -Eq "^ *$calls/1 .* fib\.c:$line\(fib\)\$" fib.txt || fail "no fib row '$calls/1 ... fib.c:$line(fib)'"
"$REPORT" --sort ncalls --limit 1 fib.bin >top.txt
grep -Eq "fib\.c:$line\(fib\)" top.txt || fail "--sort ncalls --limit 1 is not fib"
check_eq "rows printed with --limit 1" 1 "$(grep -Ec '^ *[0-9]+(/[0-9]+)? +[0-9]+\.[0-9]{3} ' top.txt)"

# The unit of the table: the one its "Times in" line names (seconds when
# there is none), which must be the unit the rule of mprof-report(1) gives
# the JSON report's times (the coarsest in which the smallest reads 0.100
# or more with three decimals, unless the largest then takes more than 8
# characters); every row's times are the JSON's in that unit.
# Prints the unit, then "rule" or what broke it.
units_agree()
{
	python3 - "$1" fib.json "${2:-}" <<'PY'
import json, re, sys
text, r, forced = open(sys.argv[1]).read(), json.load(open(sys.argv[2])), sys.argv[3]
size = {"s": 1e9, "ms": 1e6, "us": 1e3, "ns": 1}
m = re.findall(r"^   Times in [a-z]+ \((ms|us|ns)\)$", text, re.M)
shown = m[0] if m else "s"
times = []
for f in r["functions"]:
    times += [(f["self_ns"], 1), (f["self_ns"], f["calls"]), (f["cumulative_ns"], 1),
              (f["cumulative_ns"], f["primitive_calls"])]
times = [t / n for t, n in times if t and n]
want = "s"
for u in ["s", "ms", "us", "ns"]:
    if len("%.3f" % (max(times) / size[u])) > 8:
        break
    want = u
    if float("%.3f" % (min(times) / size[u])) >= 0.1:
        break
problems = []
if len(m) > 1:
    problems.append("%d unit lines" % len(m))
if shown != (forced or want):
    problems.append("unit %s, the rule gives %s" % (shown, forced or want))
d = size[shown]
for f in r["functions"]:
    row = [l.split() for l in text.splitlines() if l.endswith("(%s)" % f["function"])][0]
    calls = [int(c) for c in row[0].split("/")]
    want_row = [f["self_ns"], f["self_ns"] / calls[0], f["cumulative_ns"],
                f["cumulative_ns"] / calls[-1]]
    got_row = row[1:5]
    if "  tottime    oncpu   offcpu  percall" in text:  # the split columns too
        want_row[1:1] = [f["oncpu_ns"], f["offcpu_ns"]]
        want_row[5:5] = [f["cumulative_oncpu_ns"], f["cumulative_offcpu_ns"]]
        got_row = row[1:9]
    for got, ns in zip(got_row, want_row):
        if abs(float(got) * d - ns) > 0.0005 * d + 0.001:
            problems.append("%s: %s %s for %.1f ns" % (f["function"], got, shown, ns))
print(shown, "; ".join(problems) or "rule")
PY
}
out=$(units_agree fib.txt)
check_eq "the unit chosen for fib's table (${out%% *}) is the rule's; its rows are the JSON's" \
	rule "${out#* }"
"$REPORT" --unit s fib.bin >s.txt
check_eq "--unit s: pstats's seconds, no unit line" "s rule" "$(units_agree s.txt s)"
"$REPORT" --unit ns fib.bin >ns.txt
check_eq "--unit ns: nanoseconds, named" "ns rule" "$(units_agree ns.txt ns)"
pass
