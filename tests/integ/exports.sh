#!/bin/sh
# The exports (mprof-report --format): each read by the tool it is meant for
# or parsed, and checked against the program's own ground truth and the
# JSON report of the same trace.
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"

# export TRACE FORMAT OUT: mprof-report --format FORMAT TRACE > OUT.
export_to()
{
	"$REPORT" --format "$2" "$1" >"$3" || fail "mprof-report --format $2 $1 exited $?"
}

# py FILE... -- PYTHON: evaluate PYTHON with the arguments in sys.argv[1:].
py()
{
	python3 -c "$@"
}

# ---------------------------------------------------------------- fib, time
MPROF_OUTPUT=$TMP/fib.bin "$PROGS/fib" 20 10 >fib.out
calls=$(sed -n 's/.*fib_calls=\([0-9]*\).*/\1/p' fib.out)
[ -n "$calls" ] || fail "fib printed no fib_calls: $(cat fib.out)"
report_json fib.bin fib.json

# chrome: valid JSON, one complete event per call, one track.
export_to fib.bin chrome fib.trace.json
check_eq "chrome: complete events for fib" "$calls" "$(py '
import json, sys
r = json.load(open(sys.argv[1]))
print(sum(1 for e in r["traceEvents"] if e["ph"] == "X" and e["name"] == "fib"))' fib.trace.json)"
check_eq "chrome: every call of the JSON report is an event" \
	"$(json fib.json 'sum(f["calls"] for f in r["functions"])')" "$(py '
import json, sys
r = json.load(open(sys.argv[1]))
print(sum(1 for e in r["traceEvents"] if e["ph"] == "X"))' fib.trace.json)"
check_eq "chrome: events nest (a callee within its caller)" true "$(py '
import json, sys
ev = [e for e in json.load(open(sys.argv[1]))["traceEvents"] if e["ph"] == "X"]
main = [e for e in ev if e["name"] == "main"][0]
ok = all(main["ts"] <= e["ts"] and e["ts"] + e["dur"] <= main["ts"] + main["dur"] + 0.002 for e in ev)
print("true" if ok else "false")' fib.trace.json)"

# folded: the lines add up to the report's total self time (ns), fib's to
# fib's self time, and the stacks are main's; on-CPU time by default where
# the trace recorded off-CPU time (then --time wall gives the whole).
export_to fib.bin folded fib.folded
grep -Eq '^main;fib [0-9]+$' fib.folded || fail "folded: no 'main;fib N' line"
grep -Eq '^main;even(;odd;even)*(;odd)? [0-9]+$' fib.folded || fail "folded: no 'main;even;odd;... N' line"
grep -Evq '^[^ ;]+(;[^ ;]+)* [0-9]+$' fib.folded && fail "folded: a line not 'a;b;c N'"
grep -Eq '(;fib){21}' fib.folded && fail "folded: a stack deeper than fib(20) recurses"
lines=$(wc -l <fib.folded)
check_eq "folded: lines add up to the total self time (within rounding)" true "$(py '
import json, sys
r = json.load(open(sys.argv[1]))
total = sum(int(l.rsplit(" ", 1)[1]) for l in open(sys.argv[2]))
key = "oncpu_ns" if r["offcpu"]["recorded"] else "self_ns"
want = sum(f[key] for f in r["functions"])
print("true" if abs(total - want) <= int(sys.argv[3]) + len(r["functions"]) else "false %d %d" % (total, want))' \
	fib.json fib.folded "$lines")"
"$REPORT" --format folded --time wall fib.bin >wall.folded || fail "folded --time wall"
"$REPORT" --format folded --time oncpu fib.bin >oncpu.folded || fail "folded --time oncpu"
"$REPORT" --format folded --time offcpu fib.bin >offcpu.folded || fail "folded --time offcpu"
check_eq "folded: --time wall, oncpu, offcpu add up to self, on-CPU, off-CPU time" true "$(py '
import json, sys
r = json.load(open(sys.argv[1]))
n = len(r["functions"]) + int(sys.argv[2])
def total(path):
    return sum(int(l.rsplit(" ", 1)[1]) for l in open(path))
def want(key):
    return sum(f[key] if f[key] is not None else f["self_ns"] for f in r["functions"])
rec = r["offcpu"]["recorded"]
ok = abs(total("wall.folded") - want("self_ns")) <= n
ok = ok and abs(total("oncpu.folded") - want("oncpu_ns" if rec else "self_ns")) <= n
ok = ok and (abs(total("offcpu.folded") - want("offcpu_ns")) <= n if rec else total("offcpu.folded") == total("wall.folded"))
print("true" if ok else "false")' fib.json "$lines")"
check_eq "folded: fib's lines add up to fib's self time" true "$(py '
import json, sys
r = json.load(open(sys.argv[1]))
key = "oncpu_ns" if r["offcpu"]["recorded"] else "self_ns"
fib = [f for f in r["functions"] if f["function"] == "fib"][0][key]
got = [int(l.rsplit(" ", 1)[1]) for l in open(sys.argv[2]) if l.rsplit(" ", 1)[0].endswith(";fib")]
print("true" if abs(sum(got) - fib) <= len(got) + 1 else "false %d %d" % (sum(got), fib))' \
	fib.json fib.folded)"

# callgrind: callgrind_annotate reads it; fib's inclusive cost is its
# cumulative time, main's the program's; the calls lines add up to fib's calls.
export_to fib.bin callgrind callgrind.out.fib
if have callgrind_annotate; then
	callgrind_annotate --inclusive=yes callgrind.out.fib >annotate.txt 2>annotate.err ||
		fail "callgrind_annotate exited $?: $(cat annotate.err)"
	incl() {
		sed -n "s/^ *\([0-9,]*\) ([ 0-9.]*%) .*:$1\$/\1/p" annotate.txt | tr -d ,
	}
	[ -n "$(incl fib)" ] || fail "callgrind_annotate lists no fib"
	check_eq "callgrind: fib's inclusive cost is its cumulative time" true "$(py '
import json, sys
r = json.load(open(sys.argv[1]))
fn = {f["function"]: f for f in r["functions"]}
ok = abs(int(sys.argv[2]) - fn["fib"]["cumulative_ns"]) <= 2 and abs(int(sys.argv[3]) - fn["main"]["cumulative_ns"]) <= 4
print("true" if ok else "false %s %s" % (sys.argv[2], sys.argv[3]))' fib.json "$(incl fib)" "$(incl main)")"
else
	skip_part "callgrind_annotate is not installed (valgrind): the callgrind file is not read by it"
fi
check_eq "callgrind: calls of fib" "$calls" "$(awk '
	/^cfn=/ { cfn = substr($0, 5) }
	/^calls=/ { if (cfn == "fib") { split($1, a, "="); n += a[2] } }
	END { print n }' callgrind.out.fib)"
check_eq "callgrind: summary is the total self time" \
	"$(json fib.json 'sum(f["self_ns"] for f in r["functions"])')" \
	"$(sed -n 's/^summary: //p' callgrind.out.fib)"

# ------------------------------------------------------------ threads
MPROF_OUTPUT=$TMP/threads.bin "$PROGS/threads" 4 >threads.out
report_json threads.bin threads.json
export_to threads.bin chrome threads.trace.json
nthreads=$(json threads.json 'r["threads"]')
check_eq "threads: the program's threads and main" \
	$(($(sed -n 's/^threads=\([0-9]*\) .*/\1/p' threads.out) + 1)) "$nthreads"
check_eq "chrome: one track per thread, each named" "$nthreads $nthreads" "$(py '
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
print(len({e["tid"] for e in ev if e["ph"] == "X"}), len({e["tid"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}))' threads.trace.json)"
check_eq "chrome: calls of every thread" \
	"$(json threads.json 'sum(f["calls"] for f in r["functions"])')" "$(py '
import json, sys
print(sum(1 for e in json.load(open(sys.argv[1]))["traceEvents"] if e["ph"] == "X"))' threads.trace.json)"

# ------------------------------------------------------------ memory
MPROF_OUTPUT=$TMP/alloc.bin "$PROGS/alloc-instr" sites 3 50 >alloc.out 2>&1
report_json alloc.bin alloc.json
peak=$(json alloc.json 'r["memory"]["peak_bytes"]')
big=$(sed -n 's/^site_big allocations=[0-9]* bytes=\([0-9]*\).*/\1/p' alloc.out)

export_to alloc.bin chrome alloc.trace.json
check_eq "chrome: the heap counter reaches the peak" "$peak" "$(py '
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
print(max(e["args"]["live_bytes"] for e in ev if e["ph"] == "C"))' alloc.trace.json)"
# A counter event per allocation, free and snapshot (an instant event too).
check_eq "chrome: a counter event per allocation, free and snapshot" \
	"$(json alloc.json 'r["memory"]["allocations"] + r["memory"]["frees"] + r["memory"]["unknown_frees"]')" "$(py '
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
print(sum(1 for e in ev if e["ph"] == "C") - sum(1 for e in ev if e["ph"] == "i"))' alloc.trace.json)"

sum_folded() { awk '{ s += $NF } END { print s + 0 }' "$1"; }
export_to alloc.bin folded-alloc alloc.folded
export_to alloc.bin folded-leak leak.folded
export_to alloc.bin folded-peak peak.folded
check_eq "folded-alloc: bytes allocated" "$(json alloc.json 'r["memory"]["bytes_allocated"]')" \
	"$(sum_folded alloc.folded)"
check_eq "folded-leak: bytes leaked" "$(json alloc.json 'r["memory"]["leaked_bytes"]')" \
	"$(sum_folded leak.folded)"
check_eq "folded-peak: bytes at the peak" "$peak" "$(sum_folded peak.folded)"
check_eq "folded-alloc: site_big's stacks" "$big" \
	"$(awk '$1 ~ /(^|;)site_big$/ { s += $2 } END { print s + 0 }' alloc.folded)"

export_to alloc.bin massif massif.out.alloc
if have ms_print; then
	ms_print massif.out.alloc >ms.txt 2>ms.err || fail "ms_print exited $?: $(cat ms.err)"
	check_eq "massif: ms_print shows the peak" "$peak" "$(py '
import re, sys
text = open(sys.argv[1]).read()
n = re.search(r"Detailed snapshots: \[.*?(\d+) \(peak\)", text).group(1)
row = re.search(r"^ *%s +[0-9.]+ +([0-9,]+) " % n, text, re.M).group(1)
print(row.replace(",", ""))' ms.txt)"
	grep -q 'alloc\.c:' ms.txt || fail "massif: no allocation site in the peak's tree"
else
	skip_part "ms_print is not installed (valgrind): the massif file is not read by it"
fi

# ------------------------------------------------------------ errors
set +e
"$REPORT" --format nosuch fib.bin >/dev/null 2>err.txt
st=$?
set -e
check_eq "unknown format: exit status" 1 "$st"
grep -q "unknown format 'nosuch'" err.txt || fail "unknown format: $(cat err.txt)"
set +e
"$REPORT" --format chrome --compare fib.bin fib.bin >/dev/null 2>err.txt
st=$?
set -e
check_eq "--compare as chrome: exit status" 1 "$st"
check_eq "--format json is --json" "$(cat fib.json | wc -c)" \
	"$("$REPORT" --format json fib.bin | wc -c)"
pass
