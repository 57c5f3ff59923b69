#!/bin/sh
# The reporter's stage table and --compare on the real demo pipeline: no
# "events were lost" warning on a trace with stages; each stage's records
# and hand-offs in the report equal to what the program counted itself;
# the bottleneck named is the stage with the largest on-CPU self time in
# the report's own table (self time without off-CPU readings), with the
# stages upstream of it; latency grows
# upstream (each stage's wait contains its consumer's, one hand-off for
# one); and --compare of the naive run with the running sum gives each
# side's own figures and their ratios, with the code paths that ran.
# Which run is faster is a measurement: no test here asserts it.
. "$top_srcdir/tests/integ/lib.sh"

INSTR=$top_builddir/pipeline-demo/pipeline
N=200000
cd "$TMP"

# record NAME ARGS...: the instrumented demo into NAME.bin, its output in NAME.out
record()
{
	local name=$1
	shift
	MPROF_OUTPUT=$TMP/$name.bin "$INSTR" --records $N --collectors 0 "$@" >"$name.out"
}

# count NAME KEY: KEY=value of the "records:" line of NAME.out
count()
{
	sed -n "s/^records: .*$2=\([0-9]*\).*/\1/p" "$1.out"
}

# stage JSON NAME FIELD
stage()
{
	json "$1" "[s for s in r['stages'] if s['name'] == '$2'][0]['$3']"
}

record naive --window-sum naive
"$REPORT" naive.bin >naive.txt 2>naive.err
[ ! -s naive.err ] || fail "stderr: $(cat naive.err)"
report_json naive.bin naive.json
b=$(json naive.json 'r["bottleneck"]')
# On-CPU self time where off-CPU time was recorded (and said so), self time
# otherwise: the stage that works the most, not the one that waits.
check_eq "bottleneck: the largest (on-CPU) self time" \
	"$(json naive.json 'max(r["stages"], key=lambda s: (s["self_oncpu_ns"], s["self_ns"]) if r["bottleneck_by"] == "oncpu_self" else s["self_ns"])["name"]')" "$b"
check_eq "bottleneck: by on-CPU self time where every thread recorded off-CPU time" \
	"$(json naive.json '"oncpu_self" if r["offcpu"]["recorded"] and not r["offcpu"]["threads_missing"] else "self"')" \
	"$(json naive.json 'r["bottleneck_by"]')"
check_eq "upstream of the bottleneck: the stages before it" \
	"$(json naive.json '[s["name"] for s in r["stages"]][:[s["name"] for s in r["stages"]].index(r["bottleneck"])]')" \
	"$(json naive.json 'r["upstream_of_bottleneck"]')"
check_eq "largest self time" \
	"$(json naive.json 'max(r["stages"], key=lambda s: s["self_ns"])["name"]')" \
	"$(json naive.json 'r["largest_self"]')"
# The text line: its figures from the same table, its words from the
# upstream stages ("a, b and c run inside it", "a runs inside it"), and
# the stage of the largest self time at the end when it is another.
python3 - naive.json >want.txt <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
st = r["stages"]
b = [s for s in st if s["name"] == r["bottleneck"]][0]
up = r["upstream_of_bottleneck"]
if r["bottleneck_by"] == "oncpu_self":
    head = "bottleneck: %s (on-CPU self %.3f ms, %.1f%% of all stage on-CPU self time; self %.3f ms); " % (
        b["name"], b["self_oncpu_ns"] / 1e6,
        100.0 * b["self_oncpu_ns"] / sum(s["self_oncpu_ns"] for s in st), b["self_ns"] / 1e6)
else:
    head = "bottleneck: %s (self %.3f ms, %.1f%% of all stage self time); " % (
        b["name"], b["self_ns"] / 1e6, 100.0 * b["self_ns"] / sum(s["self_ns"] for s in st))
if not up:
    head += "no other stage runs inside it"
else:
    head += (", ".join(up[:-1]) + " and " + up[-1] if len(up) > 1 else up[0])
    head += " runs inside it and waits for it" if len(up) == 1 else " run inside it and wait for it"
    head += " after each hand-off"
tail = ""
w = [s for s in st if s["name"] == r["largest_self"]][0]
if r["bottleneck_by"] == "oncpu_self" and w is not b:
    tail = ("; %s has the largest self time (%.3f ms), but %.3f ms of it off the CPU: a stage that"
            " waits (on I/O, a lock, or for a CPU) is not the bottleneck because it waits") % (
        w["name"], w["self_ns"] / 1e6, w["self_offcpu_ns"] / 1e6)
print(head)
print(tail)
PY
want=$(sed -n 1p want.txt)
want_tail=$(sed -n 2p want.txt)
line=$(grep '^bottleneck: ' naive.txt) || fail "no bottleneck line"
case $line in
"$want"*"$want_tail") echo "ok: $line" ;;
*) fail "bottleneck line: expected '$want...$want_tail', got '$line'" ;;
esac
# The stage table comes after the call table and before the memory report.
awk '/ncalls  tottime/ { c = NR } /^Stages, upstream first/ { s = NR } /^Memory:/ { m = NR }
	END { exit !(c && s && m && c < s && s < m) }' naive.txt || fail "stage table misplaced"

kept=$(count naive kept)
check_eq "generate records" $N "$(stage naive.json generate records)"
for s in filter normalize features; do
	check_eq "$s records" "$kept" "$(stage naive.json $s records)"
done
check_eq "stages in pull order" "['generate', 'filter', 'normalize', 'features']" \
	"$(json naive.json '[s["name"] for s in r["stages"]]')"
check_eq "stage members" true "$(json naive.json 'all(set(s) >= {"name", "records",
	"throughput_per_s", "mean_latency_ns", "p50_latency_ns", "p99_latency_ns", "self_ns"}
	for s in r["stages"])')"
# Each stage hands on once for each batch it gets (no batch of the demo's
# data is all glitches): one wait for one. A stage's wait after a hand-off
# contains its consumer's, which begins later and ends sooner: the mean
# latency grows upstream, whatever each stage's speed.
check_eq "hand-offs: one per batch in every stage" 1 \
	"$(json naive.json 'len({s["handoffs"] for s in r["stages"]})')"
check_eq "latency grows upstream" true "$(json naive.json \
	'[s["mean_latency_ns"] for s in r["stages"]] == sorted([s["mean_latency_ns"] for s in r["stages"]], reverse=True)')"

# --- the re-measure step: each side's figures, their ratios
record running --window-sum running
report_json running.bin running.json
"$REPORT" --json --compare naive.bin running.bin >cmp.json
for side in naive running; do
	check_eq "$side: window_sum_$side ran once per record" "$kept" \
		"$(json $side.json "fn('window_sum_$side')['calls']")"
done
check_eq "naive: no running sum" None "$(json naive.json 'fn("window_sum_running")')"
check_eq "running: no naive sum" None "$(json running.json 'fn("window_sum_naive")')"
for s in generate filter normalize features; do
	old=$(stage naive.json $s self_ns)
	new=$(stage running.json $s self_ns)
	check_eq "compare $s: old self" "$old" \
		"$(json cmp.json "[s for s in r['compare']['stages'] if s['name'] == '$s'][0]['old_self_ns']")"
	check_eq "compare $s: new self" "$new" \
		"$(json cmp.json "[s for s in r['compare']['stages'] if s['name'] == '$s'][0]['new_self_ns']")"
	check_eq "compare $s: self speedup = old / new" true "$(json cmp.json \
		"abs([s for s in r['compare']['stages'] if s['name'] == '$s'][0]['self_speedup'] - $old / $new) <= 1e-5 * $old / $new")"
	check_eq "compare $s: records" "$(stage running.json $s records)" \
		"$(json cmp.json "[s for s in r['compare']['stages'] if s['name'] == '$s'][0]['new_records']")"
done
total() { json "$1" 'sum(f["self_ns"] for f in r["functions"])'; }
check_eq "compare: self speedup = old total self / new" true "$(json cmp.json \
	"abs(r['compare']['self_speedup'] - $(total naive.json) / $(total running.json)) <= 1e-5 * r['compare']['self_speedup']")"
check_eq "window_sum_naive removed" removed "$(json cmp.json \
	'[f for f in r["compare"]["functions"] if f["function"] == "window_sum_naive"][0]["status"]')"
check_eq "window_sum_running added" added "$(json cmp.json \
	'[f for f in r["compare"]["functions"] if f["function"] == "window_sum_running"][0]["status"]')"
check_eq "features_next in both" both "$(json cmp.json \
	'[f for f in r["compare"]["functions"] if f["function"] == "features_next"][0]["status"]')"
"$REPORT" --compare naive.bin running.bin >cmp.txt
# One run a side: no noise estimate, so the change is a difference marked "?".
grep -q '^One run a side: there is no noise estimate' cmp.txt ||
	fail "no note of the missing noise estimate: $(head -12 cmp.txt)"
grep -q '^Speedup: wall ? ([0-9.]* [mu]*s -> [0-9.]* [mu]*s, [-+][0-9.]*% ?: no noise estimate)$' cmp.txt ||
	fail "no speedup line: $(grep Speedup cmp.txt)"
# The features line: the change of the two self times, new / old - 1.
want=$(json cmp.json '(lambda s: "%+.2f%% ?" % (100 * (s["new_self_ns"] / s["old_self_ns"] - 1)))([s for s in r["compare"]["stages"] if s["name"] == "features"][0])')
check_eq "features line" "$want" "$(grep '^  features *self time ' cmp.txt | sed 's/.*  \([-+][0-9.]*% ?\)$/\1/')"
check_eq "compare: tested over" events "$(json cmp.json 'r["compare"]["method"]["over"]')"
pass
