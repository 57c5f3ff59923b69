#!/bin/sh
# ./build.sh demo, at a small scale: its four steps in order, and every
# conclusion it prints checked against ground truth, never against a
# timing: the function it says leads step 1's profile, with its count of
# calls, is the one of the largest on-CPU self time in the trace, and the
# window sum that ran is the naive one, once per record the program says
# its filter kept; the costs it prints are the medians of the runs it
# timed; step 2's bottleneck is the stage of the largest on-CPU self time
# in the table (self time without readings), every stage counting the
# records the program counted; step 3
# recorded the runs it says, in turns, all with the program's own
# checksum, and every verdict it states (significant or "~", the
# bottleneck each side) is the comparison's; step 4's per-collector bytes
# and blocks are the snapshots' divided by the collectors the program
# made, and each cache's lookups are the records the filter kept. Each
# sentence's figures are also checked against the data they come from.
. "$top_srcdir/tests/integ/lib.sh"

have bash || skip "bash is not installed"
PLAIN=$top_builddir/pipeline-demo/pipeline-plain
N=20000
RUNS=6
COST=2
D=$TMP/demo
cd "$TMP"

# Ground truth: what the program counts and prints of itself.
MPROF_DISABLE=1 "$PLAIN" --records $N --workers 1 --cache lru:112 --collectors 0 >truth.out
kept=$(sed -n 's/^records: .*kept=\([0-9]*\).*/\1/p' truth.out)
sum=$(sed -n 's/^checksum=\([0-9a-f]*\)$/\1/p' truth.out)
[ -n "$kept" ] && [ -n "$sum" ] || fail "the program's own counts: $(cat truth.out)"

set +e
DEMO_DIR=$D DEMO_RECORDS=$N DEMO_RUNS=$RUNS DEMO_COST_RUNS=$COST bash -c '
	. "$1/build.sh"
	builddir=$2
	run_demo' sh "$top_srcdir" "$top_builddir" >demo.out 2>demo.err
st=$?
set -e
check_eq "the demo's exit status" 0 "$st"
check_eq "the steps, in order" "1 2 3 4" \
	"$(sed -n 's/^== step \([0-9]\): .*/\1/p' demo.out | tr '\n' ' ' | sed 's/ $//')"

for side in naive running; do
	for k in $(seq 1 $RUNS); do
		"$REPORT" --json "$D/step3/$side/run$k/trace.bin" >"$D/step3/$side/run$k/trace.json"
	done
done
python3 - "$D" demo.out "$N" "$kept" "$sum" "$RUNS" "$COST" <<'PY' || fail "a conclusion of the demo is not what its data says"
import json, re, statistics, sys, os

d, out, n, kept, checksum, runs, cost = sys.argv[1:]
n, kept, runs, cost = int(n), int(kept), int(runs), int(cost)
text = open(out).read()
steps = re.split(r"^== step \d: .*$", text, flags=re.M)[1:]
bad = []


def check(what, want, got):
    if want == got:
        print("ok: %s = %r" % (what, got))
    else:
        print("FAIL: %s: expected %r, got %r" % (what, want, got))
        bad.append(what)


def line(step, pattern):
    m = re.search(pattern, steps[step - 1], flags=re.M)
    if not m:
        print("FAIL: step %d: no line matching %r" % (step, pattern))
        bad.append(pattern)
        return None
    return m


def load(path):
    return json.load(open(os.path.join(d, path)))


def ms(ns):
    v = ns / 1e6
    return "%.0f ms" % v if v >= 100 else "%.1f ms" % v if v >= 10 else \
        "%.2f ms" % v if v >= 1 else "%.3f ms" % v


# Step 1: the leader and its calls; the code path that ran.
r = load("step1/trace.json")
fns = {f["function"]: f for f in r["functions"]}
split = all(f["oncpu_ns"] is not None for f in r["functions"])
fkey = "oncpu_ns" if split else "self_ns"
top = max(r["functions"], key=lambda f: f[fkey])
m = line(1, r"^-> (\S+) \(\S+\) leads (on the CPU|\(off-CPU time not recorded: self time\)): (\S+ ms) of"
         r" the (\S+ ms) all functions took, \d+%, in (\d+) calls")
if m:
    check("step 1: the leader", top["function"], m.group(1))
    check("step 1: on the CPU where off-CPU time was recorded", split, m.group(2) == "on the CPU")
    check("step 1: its (on-CPU) self time", ms(top[fkey]), m.group(3))
    check("step 1: its calls", top["calls"], int(m.group(5)))
ranked = sorted(r["functions"], key=lambda f: f[fkey], reverse=True)
m = line(1, r"^-> Next comes (\S+) \(\S+\) with (\S+ ms) \(\d+%\): (\S+) took ")
if m:
    check("step 1: the second", (ranked[1]["function"], ms(ranked[1][fkey]), top["function"]),
          m.groups())
m = line(1, r"here the run made (\d+) timed calls, ([0-9.]+) per record the filter kept,")
if m:
    check("step 1: the timed calls, per record kept",
          (r["total_calls"], "%.2f" % (r["total_calls"] / kept)), (int(m.group(1)), m.group(2)))
check("step 1: window_sum_naive's calls: one per record kept", kept,
      fns.get("window_sum_naive", {}).get("calls"))
check("step 1: the running sum did not run", None, fns.get("window_sum_running"))
check("step 1: cache lookups: one per record kept", kept, fns.get("cache_get", {}).get("calls"))
t = {}
for l in open(os.path.join(d, "times")):
    v, w = l.split()
    t.setdefault(v, []).append(int(w))
check("step 1: the runs timed", {k: cost for k in ("plain", "stages", "calls", "plain-1", "stages-1")},
      {k: len(v) for k, v in t.items()})
m = line(1, r"took (\S+ ms) \(median of (\d+) runs, \+-\d+%\); the plain build, recording nothing, (\S+ ms)")
if m:
    check("step 1: the instrumented median", ms(statistics.median(t["calls"])), m.group(1))
    check("step 1: the plain median", ms(statistics.median(t["plain"])), m.group(3))
    check("step 1: the runs it says", cost, int(m.group(2)))
fixed = statistics.median(t["stages-1"]) - statistics.median(t["plain-1"])
m = line(1, r"Of the difference, (\S+ ms) is what any recorded run costs once")
if m:
    check("step 1: the fixed cost of a recorded run", ms(fixed), m.group(1))

# Step 2: the bottleneck and the records of each stage.
r = load("step2/trace.json")
st = {s["name"]: s for s in r["stages"]}
# The stage that works the most on the CPU (that waits the least is no
# merit); the largest self time where off-CPU time was not recorded.
if r["bottleneck_by"] == "oncpu_self":
    want = max(r["stages"], key=lambda s: (s["self_oncpu_ns"], s["self_ns"]))
    m = line(2, r"^-> (\S+) works the most on the CPU: (\S+ ms) of the stages' (\S+ ms) on-CPU self"
             r" time \(\d+%; self time (\S+ ms) of")
    if m:
        check("step 2: the bottleneck named, its on-CPU and self times",
              (want["name"], ms(want["self_oncpu_ns"]),
               ms(sum(s["self_oncpu_ns"] for s in r["stages"])), ms(want["self_ns"])),
              (m.group(1), m.group(2), m.group(3), m.group(4)))
    w = max(r["stages"], key=lambda s: s["self_ns"])
    said = re.search(r"^-> %s has the largest self time, %s, but %s of it off the CPU: it waits" %
                     (w["name"], re.escape(ms(w["self_ns"])), re.escape(ms(w["self_offcpu_ns"]))),
                     steps[1], flags=re.M) is not None
    check("step 2: the waiting stage of the largest self time said", w["name"] != want["name"], said)
else:
    want = max(r["stages"], key=lambda s: s["self_ns"])
    m = line(2, r"^-> (\S+) has the largest self time, (\S+ ms) of")
    if m:
        check("step 2: the bottleneck named, its self time", (want["name"], ms(want["self_ns"])),
              m.groups())
check("step 2: the report's bottleneck", r["bottleneck"], m and m.group(1))
up = [st[n] for n in r["upstream_of_bottleneck"]]
m = line(2, r"^-> (.*) wait for it: a mean latency of ([0-9.]+)-([0-9.]+) us per hand-off, against"
         r" ([0-9.]+) us for (\S+) itself")
if m:
    check("step 2: the stages that wait, their latencies",
          (", ".join(s["name"] for s in up), "%.1f" % (min(s["mean_latency_ns"] for s in up) / 1e3),
           "%.1f" % (max(s["mean_latency_ns"] for s in up) / 1e3),
           "%.1f" % (st[r["bottleneck"]]["mean_latency_ns"] / 1e3), r["bottleneck"]), m.groups())
m = line(2, r"^-> Recorded on the plain build, with stage events only: (\S+ ms) \(\+-\d+%\) against"
         r" (\S+ ms) \(\+-\d+%\) unrecorded")
if m:
    check("step 2: the medians of the stage recording's cost",
          (ms(statistics.median(t["stages"])), ms(statistics.median(t["plain"]))), m.groups())
check("step 2: records generated", n, st["generate"]["records"])
for s in ("filter", "normalize", "features"):
    check("step 2: %s records" % s, kept, st[s]["records"])
check("step 2: stage events only, no calls", [], r["functions"])

# Step 3: the runs, their checksums, and every verdict stated.
for side in ("naive", "running"):
    lines = open(os.path.join(d, "step3", side, "mprof-runs")).read().splitlines()
    check("step 3: %s: runs in the manifest" % side, ["run\t%d\tstatus\t0" % k for k in range(1, runs + 1)],
          ["\t".join(l.split("\t")[:4]) for l in lines[2:]])
    sums = [l.strip() for l in open(os.path.join(d, "step3", side + ".out"))]
    check("step 3: %s: every run's checksum" % side, ["checksum=" + checksum] * runs, sums)
    check("step 3: %s: the command" % side, True, lines[1].endswith("--window-sum %s --quiet" % side))
c = load("step3/compare.json")["compare"]
check("step 3: enough runs to tell a change", False, c["method"]["too_few_runs"])
# In turns: each naive run's trace written before the running run of its
# round, and that before the next naive one.
order = []
for k in range(1, runs + 1):
    for side in ("naive", "running"):
        order.append(os.stat(os.path.join(d, "step3", side, "run%d" % k, "trace.bin")).st_mtime_ns)
check("step 3: recorded in turns", sorted(order), order)
by = {s["name"]: s for s in c["stages"]}
check("step 3: runs a side", (runs, runs), (c["old"]["runs"], c["new"]["runs"]))
for s in ("generate", "filter", "normalize", "features"):
    check("step 3: %s records, each side" % s, (n if s == "generate" else kept,) * 2,
          (by[s]["old_records"], by[s]["new_records"]))
wall = c["totals"]["wall"]
m = line(3, r"^-> %d runs a side, recorded in turns\. The wall time: \S+ ms -> \S+ ms, (~|[-+][0-9.]+%%)" % runs)
if m:
    check("step 3: the wall's verdict", "~" if not wall["significant"] else "%+.1f%%" % (100 * wall["change"]),
          m.group(1))
m = line(3, r"^-> features' self time: \S+ ms -> \S+ ms, (~|[-+][0-9.]+%)")
if m:
    f = by["features"]["self"]
    check("step 3: features' verdict", "~" if not f["significant"] else "%+.1f%%" % (100 * f["change"]),
          m.group(1))
    on = by["features"]["oncpu"]
    m = re.search(r"^-> features' self time: .*; on the CPU, \S+ ms -> \S+ ms, (~|[-+][0-9.]+%)",
                  steps[2], flags=re.M)
    check("step 3: features' on-CPU verdict",
          None if not on else "~" if not on["significant"] else "%+.1f%%" % (100 * on["change"]),
          m and m.group(1))
# The untouched stages by their on-CPU self time, where every run recorded it.
untouched = ("generate", "filter", "normalize")
key = "oncpu" if all(by[s]["oncpu"] for s in untouched) else "self"
what = "on-CPU self time" if key == "oncpu" else "self time"
recorded = all(load(os.path.join("step3", side, "run%d" % k, "trace.json"))["offcpu"]["recorded"]
               for side in ("naive", "running") for k in range(1, runs + 1))
check("step 3: on-CPU self time compared where every run recorded off-CPU time",
      "oncpu" if recorded else "self", key)
same = [s for s in untouched if not by[s][key]["significant"]]
m = re.search(r"^-> The stages the fix did not touch, (.*): ~ \(no significant change of their (.*?)"
              r"(?: of %g%% or more)?\)\.$" % (100 * c["method"]["min_change"]), steps[2], flags=re.M)
check("step 3: --min-change 2", 0.02, c["method"]["min_change"])
check("step 3: the untouched stages said to be ~",
      (same, what) if same else None, (re.split(r", | and ", m.group(1)), m.group(2)) if m else None)
for s in untouched:
    said = re.search(r"^-> %s's %s changed too" % (s, what), steps[2], flags=re.M) is not None
    check("step 3: %s said to have changed" % s, by[s][key]["significant"], said)
    said = re.search(r"^-> %s's self time changed \(.*\) while its time on the CPU did not" % s,
                     steps[2], flags=re.M) is not None
    check("step 3: %s said to have waited" % s,
          key == "oncpu" and by[s]["self"]["significant"] and not by[s]["oncpu"]["significant"], said)
m = line(3, r"^-> The bottleneck: (\S+) \((\d+) of (\d+) runs\) -> (\S+) \((\d+) of (\d+) runs\)\.")
if m:
    check("step 3: the bottlenecks", (c["old"]["bottleneck"], by[c["old"]["bottleneck"]]["old_bottleneck_runs"],
                                      c["new"]["bottleneck"], by[c["new"]["bottleneck"]]["new_bottleneck_runs"]),
          (m.group(1), int(m.group(2)), m.group(4), int(m.group(5))))
line(3, r"^Speedup: wall ")
check("step 3: the checksum line", True,
      "-> Every run printed checksum=%s: the fix changed the time, not the result." % checksum in steps[2])

# Step 4: the collectors and the caches.
r = load("step4/collectors.json")
own = open(os.path.join(d, "step4", "collectors.out")).read()
made = int(re.search(r"^collectors: (\d+) dict", own, flags=re.M).group(1))
snap = {s["label"]: s for s in r["snapshots"]}
m = line(4, r"^-> By the snapshots, each of the (\d+) hash-map collectors holds ([0-9.]+) B in ([0-9.]+) blocks,"
         r" each struct ([0-9.]+) B in ([0-9.]+): ")
if m:
    check("step 4: the collectors", made, int(m.group(1)))
    check("step 4: bytes and blocks each",
          ("%.1f" % ((snap["collectors:dict"]["live_bytes"] - snap["collectors:start"]["live_bytes"]) / made),
           "%.1f" % ((snap["collectors:dict"]["live_blocks"] - snap["collectors:start"]["live_blocks"]) / made),
           "%.1f" % ((snap["collectors:slots"]["live_bytes"] - snap["collectors:dict"]["live_bytes"]) / made),
           "%.1f" % ((snap["collectors:slots"]["live_blocks"] - snap["collectors:dict"]["live_blocks"]) / made)),
          m.groups()[1:])
check("step 4: the program's figures are the same in both kinds", True,
      "same figures: yes" in own)
for kind, spec in (("lru", "lru:256"), ("ttl", "ttl:5")):
    own = open(os.path.join(d, "step4", "cache-%s.out" % kind)).read()
    hm = re.search(r"^cache (\S+): hits=(\d+) misses=(\d+)", own, flags=re.M)
    check("step 4: %s: lookups, one per record kept" % kind, kept, int(hm.group(2)) + int(hm.group(3)))
    entries = re.search(r"^cache memory: (\d+) entries", own, flags=re.M).group(1)
    rate = re.search(r"hit_rate=([0-9.]+)%", own).group(1)
    check("step 4: %s: the hit rate said" % kind, True,
          ("-> cache %s: %s%% of" % (spec, rate)) in steps[3])
    r = load("step4/cache-%s.json" % kind)
    grown = sum(x["size_diff"] for x in r["diff"] if x["file"].endswith("/cache.c"))
    m = line(4, r"^-> cache %s: [0-9.]+%% of (\d+) lookups hit; the program says it holds (\d+) entries,"
             r" .*; the snapshot diff finds (\d+) B more" % re.escape(spec))
    if m:
        check("step 4: %s: what is said" % kind, (kept, entries, grown),
              (int(m.group(1)), m.group(2), int(m.group(3))))
sys.exit(1 if bad else 0)
PY
if grep -v '^build.sh: the traces are in ' demo.err | grep -q .; then
	fail "the demo's stderr: $(cat demo.err)"
fi
pass
