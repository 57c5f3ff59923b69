#!/bin/sh
# Waiting is not work: a thread blocked on a condition variable and one
# sleeping while main computes. The waiters' time is off the CPU, the
# computing function leads --sort oncpu and the on-CPU flame graph; the
# times add up; a fork child and a churn of threads record their own
# switches. Every check is on structure (which leads, which part is larger),
# never on how long anything took. SKIP where perf_event_open is refused.
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"
P=$PROGS/offcpu

MPROF_DISABLE=1 "$P" pool | sed 's/pid=[0-9]* //; s/_wall_ns=[0-9]*//g' >plain.out
MPROF_OUTPUT=$TMP/pool.bin "$P" pool >pool.out 2>pool.err || fail "pool exited $?"
check_eq "pool: no warning" "" "$(cat pool.err)"
check_eq "pool: the program's output" "$(cat plain.out)" \
	"$(sed 's/pid=[0-9]* //; s/_wall_ns=[0-9]*//g' pool.out)"
report_json pool.bin pool.json --threads
if [ "$(json pool.json 'r["offcpu"]["recorded"]')" != true ]; then
	skip "off-CPU time not recorded here: $(json pool.json 'r["offcpu"]["note"]')"
fi
check_eq "pool: every thread recorded its switches" 0 \
	"$(json pool.json 'r["offcpu"]["threads_missing"]')"
check_eq "pool: no note" None "$(json pool.json 'r["offcpu"]["note"]')"

# The waiters were off the CPU more than on it, and less on it than compute
# (whose own off-CPU share depends on the machine's load: not checked).
for f in waiter sleeper; do
	check_eq "pool: $f: off-CPU > on-CPU" true \
		"$(json pool.json 'fn("'$f'")["offcpu_ns"] > fn("'$f'")["oncpu_ns"]')"
	check_eq "pool: $f: on-CPU < compute's" true \
		"$(json pool.json 'fn("'$f'")["oncpu_ns"] < fn("compute")["oncpu_ns"]')"
done
# The program's own bracket around each wait holds the time mprof gives it.
for f in waiter sleeper; do
	wall=$(sed -n "s/.* ${f}_wall_ns=\([0-9]*\).*/\1/p" pool.out)
	check_eq "pool: $f's off-CPU time within its caller's bracket ($wall ns)" true \
		"$(json pool.json 'fn("'$f'")["offcpu_ns"] <= fn("'$f'")["cumulative_ns"] <= '"$wall")"
done

# Times add up, in every thread and merged: on + off = the whole, each
# within it, the cumulative one within the thread's wall time.
check_eq "pool: 0 <= oncpu, offcpu; oncpu + offcpu = self, likewise cumulative" true "$(json pool.json '
all(f["oncpu_ns"] >= 0 and f["offcpu_ns"] >= 0 and f["oncpu_ns"] + f["offcpu_ns"] == f["self_ns"]
    and f["cumulative_oncpu_ns"] + f["cumulative_offcpu_ns"] == f["cumulative_ns"]
    and f["offcpu_ns"] <= f["cumulative_offcpu_ns"]
    for fs in [r["functions"]] + [t["functions"] for t in r["per_thread"]] for f in fs)')"
check_eq "pool: per thread, off-CPU time within the wall time, the calls' within the thread's" true "$(json pool.json '
all(t["offcpu_ns"] <= t["wall_ns"] and sum(f["offcpu_ns"] for f in t["functions"]) <= t["offcpu_ns"]
    for t in r["per_thread"])')"
times_add_up pool.bin

# --sort oncpu: compute first (tottime may put a waiter first).
report_json pool.bin oncpu.json --sort oncpu
check_eq "--sort oncpu: compute leads" compute "$(json oncpu.json 'r["functions"][0]["function"]')"
report_json pool.bin offcpu.json --sort offcpu
check_eq "--sort offcpu: a waiter leads" true \
	"$(json offcpu.json 'r["functions"][0]["function"] in ("waiter", "sleeper")')"
"$REPORT" --sort oncpu pool.bin >oncpu.txt
grep -q '^   Ordered by: internal time on the CPU$' oncpu.txt || fail "--sort oncpu: no 'Ordered by' line"
grep -Eq '^   ncalls  tottime    oncpu   offcpu  percall  cumtime    oncpu   offcpu  percall' oncpu.txt ||
	fail "text: no split columns"
first=$(sed -n '/^   ncalls/{n;p;q}' oncpu.txt)
case $first in
*"(compute)") ;;
*) fail "text --sort oncpu: first row is not compute: $first" ;;
esac

# The flame graph and folded stacks: on-CPU by default, compute's widest;
# --time offcpu: a waiter's.
"$REPORT" --format folded pool.bin >pool.folded
check_eq "folded (on-CPU): compute's stack is the largest" true "$(python3 -c '
import sys
lines = [l.rsplit(" ", 1) for l in open(sys.argv[1])]
print("true" if max(lines, key=lambda l: int(l[1]))[0].endswith("compute") else "false")' pool.folded)"
"$REPORT" --format folded --time offcpu pool.bin >off.folded
check_eq "folded --time offcpu: a waiter's stack is the largest" true "$(python3 -c '
import sys
lines = [l.rsplit(" ", 1) for l in open(sys.argv[1])]
print("true" if max(lines, key=lambda l: int(l[1]))[0].split(";")[-1] in ("waiter", "sleeper") else "false")' off.folded)"
! grep -q 'off-CPU\]' pool.folded || fail "folded (on-CPU): an [off-CPU] frame"
# --time wall: the whole time, each stack's waits a frame of their own above
# it: the [off-CPU] lines add up to the functions' off-CPU time, the others
# to their on-CPU time, and the waiter's wait sits on the waiter.
"$REPORT" --format folded --time wall pool.bin >wall.folded
check_eq "folded --time wall: [off-CPU] frames hold the off-CPU time, the rest the on-CPU time" true "$(python3 - wall.folded pool.json <<'PY'
import json, sys
lines = [l.rstrip("\n").rsplit(" ", 1) for l in open(sys.argv[1])]
r = json.load(open(sys.argv[2]))
off = sum(int(n) for s, n in lines if s.endswith(";[off-CPU]"))
on = sum(int(n) for s, n in lines if not s.endswith(";[off-CPU]"))
stacks = {s for s, n in lines}
slack = len(lines)
ok = abs(off - sum(f["offcpu_ns"] for f in r["functions"])) <= slack
ok = ok and abs(on - sum(f["oncpu_ns"] for f in r["functions"])) <= slack
ok = ok and all(s[:-len(";[off-CPU]")] in stacks for s in stacks if s.endswith(";[off-CPU]"))
ok = ok and max((int(n), s) for s, n in lines if s.endswith(";[off-CPU]"))[1].split(";")[-2] in ("waiter", "sleeper")
print("true" if ok else "false")
PY
)"
# --callers: each edge's times split too, as the JSON's edge has them.
"$REPORT" --callers waiter --unit ns pool.bin >callers.txt
grep -q '   ncalls  tottime    oncpu   offcpu  cumtime    oncpu   offcpu$' callers.txt ||
	fail "--callers: no split header: $(cat callers.txt)"
check_eq "--callers: the waiter's caller edge, split as in JSON" true "$(python3 - callers.txt pool.json <<'PY'
import json, re, sys
r = json.load(open(sys.argv[2]))
f = [f for f in r["functions"] if f["function"] == "waiter"][0]
e = f["callers"][0]
line = [l for l in open(sys.argv[1]) if "(waiter)  <-" in l][0]
nums = re.findall(r"[0-9]+\.[0-9]+", line)
want = [e["self_ns"], e["oncpu_ns"], e["offcpu_ns"], e["cumulative_ns"],
        e["cumulative_oncpu_ns"], e["cumulative_offcpu_ns"]]
print("true" if [float(x) for x in nums[:6]] == [float(w) for w in want] and
      line.rstrip().endswith("(" + e["function"] + ")") else "false %s %s" % (nums, want))
PY
)"
"$REPORT" --format svg pool.bin >pool.svg
grep -q '<title>Flame graph: on-CPU time</title>' pool.svg || fail "svg: not titled on-CPU time"
"$REPORT" --format svg --time wall pool.bin >wall.svg
grep -q '<title>Flame graph: time, off-CPU time as \[off-CPU\] frames</title>' wall.svg ||
	fail "svg --time wall: not titled with its [off-CPU] frames"
grep -q '<title>\[off-CPU\] (' wall.svg || fail "svg --time wall: no [off-CPU] frame"

# The stages: their self time split too, the waiting ones mostly off.
check_eq "stages: wait and sleep mostly off the CPU, less on it than compute" true "$(json pool.json '
(lambda s: s["wait"]["self_offcpu_ns"] > s["wait"]["self_oncpu_ns"] and
           s["sleep"]["self_offcpu_ns"] > s["sleep"]["self_oncpu_ns"] and
           s["compute"]["self_oncpu_ns"] > max(s["wait"]["self_oncpu_ns"], s["sleep"]["self_oncpu_ns"]))(
    {x["name"]: x for x in r["stages"]})')"
"$REPORT" pool.bin >pool.txt
grep -q '   self_oncpu: ' pool.txt || fail "text: the stage table does not explain self_oncpu"

# A fork child records its own switches in its own trace.
mkdir fork
(cd fork && MPROF_OUTPUT='t-%p.bin' "$P" fork >out) || fail "fork exited $?"
child=$(sed -n 's/^child=\([0-9]*\).*/\1/p' fork/out)
[ -f "fork/t-$child.bin" ] || fail "fork: no child trace t-$child.bin: $(ls fork)"
report_json "fork/t-$child.bin" child.json
check_eq "fork child: switches recorded" true "$(json child.json 'r["offcpu"]["recorded"]')"
check_eq "fork child: no thread missing" 0 "$(json child.json 'r["offcpu"]["threads_missing"]')"
check_eq "fork child: waiter off-CPU > on-CPU, compute leads --sort oncpu" true \
	"$(json child.json 'fn("waiter")["offcpu_ns"] > fn("waiter")["oncpu_ns"] and max(r["functions"], key=lambda f: f["oncpu_ns"])["function"] == "compute"')"
times_add_up "fork/t-$child.bin"

# A churn of threads, each opening and dropping its own event: all of
# them recorded, each one's nap mostly off the CPU, nothing lost.
MPROF_OUTPUT=$TMP/churn.bin "$P" churn 300 >churn.out || fail "churn exited $?"
check_eq "churn: ground truth" "threads=300" "$(cat churn.out)"
report_json churn.bin churn.json --threads
check_eq "churn: threads" 301 "$(json churn.json 'r["threads"]')"
check_eq "churn: every thread recorded its switches" 0 \
	"$(json churn.json 'r["offcpu"]["threads_missing"]')"
check_eq "churn: napper's calls" 300 "$(json churn.json 'fn("napper")["calls"]')"
check_eq "churn: every napper thread has its split" true \
	"$(json churn.json 'all(t["offcpu_ns"] is not None for t in r["per_thread"])')"
check_eq "churn: lost events" 0 "$(json churn.json 'r["lost_events"]')"
times_add_up churn.bin

# A program that only allocates (LD_PRELOAD, nothing instrumented) opens no
# event: nothing to split, nothing missing, nothing said.
LD_PRELOAD=$top_builddir/.libs/libmprof.so MPROF_OUTPUT=$TMP/heap.bin "$PROGS/alloc" sites 3 50 \
	>heap.out 2>&1 || fail "alloc under LD_PRELOAD exited $?: $(cat heap.out)"
report_json heap.bin heap.json
check_eq "allocations only: no thread needed its switches" "0 0 None" \
	"$(json heap.json '" ".join(str(r["offcpu"][k]) for k in ("threads", "threads_missing", "note"))')"
pass
