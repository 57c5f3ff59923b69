#!/bin/sh
# Several traces, one report: the traces of a process tree (a fork child's
# PATH.<pid>, an exec'd image's) merged, each count the sum of the
# processes' own; --processes sections equal to each trace's own report;
# an unreadable trace named with status 2. And the terminal conventions:
# no progress bar and no colour in pipes or under NO_COLOR, both on a
# terminal (a pty).
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"
P=$PROGS/lifecycle

# fn_calls JSON NAME: the calls of function NAME in a report (0 if absent)
fn_calls()
{
	json "$1" "(fn('$2') or {'calls': 0})['calls']"
}

# A fork: the parent's trace and the child's.
MPROF_OUTPUT=$TMP/fork.bin "$P" fork 100 >fork.out
child=$(sed -n 's/^child pid=\([0-9]*\).*/\1/p' fork.out)
[ -f "fork.bin.$child" ] || fail "no child trace fork.bin.$child: $(ls)"
report_json fork.bin parent.json
report_json "fork.bin.$child" child.json
"$REPORT" --json fork.bin "fork.bin.$child" >tree.json || fail "merged report exited $?"
sum=$(($(fn_calls parent.json work) + $(fn_calls child.json work)))
check_eq "fork: merged work calls = parent's + child's" "$sum" "$(fn_calls tree.json work)"
sum=$(($(json parent.json 'r["total_calls"]') + $(json child.json 'r["total_calls"]')))
check_eq "fork: merged total calls" "$sum" "$(json tree.json 'r["total_calls"]')"
check_eq "fork: processes" "$(json parent.json 'r["pid"]') $child" \
	"$(json tree.json '" ".join(str(p["pid"]) for p in r["processes"])')"
check_eq "fork: traces" "fork.bin fork.bin.$child" \
	"$(json tree.json '" ".join(p["trace"] for p in r["processes"])')"
check_eq "fork: threads" 2 "$(json tree.json 'r["threads"]')"
# main -> work: the parent's edge only (the child's work has no recorded caller).
check_eq "fork: merged caller edge" \
	"$(json parent.json '[e["calls"] for e in fn("work")["callers"] if e["function"] == "do_fork"]')" \
	"$(json tree.json '[e["calls"] for e in fn("work")["callers"] if e["function"] == "do_fork"]')"

# An exec: the old image's trace and the new one's.
MPROF_OUTPUT=$TMP/exec.bin "$P" exec 10 >exec.out
pid=$(sed -n '1s/^pid=\([0-9]*\).*/\1/p' exec.out)
[ -f "exec.bin.$pid" ] || fail "no trace of the exec'd image exec.bin.$pid: $(ls)"
report_json exec.bin before.json
report_json "exec.bin.$pid" after.json
"$REPORT" --json exec.bin "exec.bin.$pid" >exec.json || fail "merged exec report exited $?"
sum=$(($(fn_calls before.json work) + $(fn_calls after.json work)))
check_eq "exec: merged work calls" "$sum" "$(fn_calls exec.json work)"

# Three traces at once, in text: the header names every process.
"$REPORT" fork.bin "fork.bin.$child" exec.bin >three.txt || fail "three traces exited $?"
head -n 1 three.txt | grep -q "^mprof: 3 processes merged: .*(pid $child[,)].*" ||
	fail "header does not name the processes: $(head -n 1 three.txt)"

# --processes: each section is the trace's own report, then the merged one.
"$REPORT" --processes fork.bin "fork.bin.$child" >sections.txt || fail "--processes exited $?"
"$REPORT" fork.bin >own.0
"$REPORT" "fork.bin.$child" >own.1
awk '/^==> process /{n++; next} /^==> all /{exit} n == 1' sections.txt >sec.0
awk '/^==> process /{n++; next} /^==> all /{exit} n == 2' sections.txt >sec.1
# A section ends with the blank line that separates it from the next.
printf '\n' >>own.0
printf '\n' >>own.1
cmp -s own.0 sec.0 || fail "parent's section differs from its own report: $(diff own.0 sec.0)"
cmp -s own.1 sec.1 || fail "child's section differs from its own report: $(diff own.1 sec.1)"
echo "ok: --processes sections equal the traces' own reports"
"$REPORT" fork.bin "fork.bin.$child" >merged.txt
awk 'f; /^==> all /{f=1}' sections.txt | cmp -s - merged.txt ||
	fail "--processes does not end with the merged report"
"$REPORT" --json --processes fork.bin "fork.bin.$child" >sections.json
check_eq "json: per_process equal to the traces' own reports" True \
	"$(python3 -c '
import json, sys
r = json.load(open("sections.json"))
own = [json.load(open(f)) for f in ("parent.json", "child.json")]
print(r["per_process"] == own)')"

# Stages and memory: the same pipeline run twice, merged, counts doubled.
DEMO=$top_builddir/pipeline-demo/pipeline
for i in 1 2; do
	MPROF_OUTPUT=$TMP/demo$i.bin "$DEMO" --records 5000 --collectors 0 >demo$i.out
	report_json demo$i.bin demo$i.json -n 100000
done
"$REPORT" --json -n 100000 demo1.bin demo2.bin >demo.json || fail "merged demo report exited $?"
for st in $(json demo1.json '" ".join(s["name"] for s in r["stages"])'); do
	sum=$(($(json demo1.json "[s for s in r['stages'] if s['name'] == '$st'][0]['records']") + \
		$(json demo2.json "[s for s in r['stages'] if s['name'] == '$st'][0]['records']")))
	check_eq "stage $st: merged records" "$sum" \
		"$(json demo.json "[s for s in r['stages'] if s['name'] == '$st'][0]['records']")"
done
sum=$(($(json demo1.json 'r["memory"]["allocations"]') + $(json demo2.json 'r["memory"]["allocations"]')))
check_eq "memory: merged allocations" "$sum" "$(json demo.json 'r["memory"]["allocations"]')"
check_eq "memory: sites' bytes add up to the total" \
	"$(json demo.json 'r["memory"]["bytes_allocated"]')" \
	"$(json demo.json 'sum(s["bytes"] for s in r["memory"]["sites"])')"
check_eq "memory: each site the sum of the runs' site" True "$(python3 -c '
import json
runs = [json.load(open(f))["memory"]["sites"] for f in ("demo1.json", "demo2.json")]
merged = json.load(open("demo.json"))["memory"]["sites"]
want = {}
for sites in runs:
    for s in sites:
        k = (s["label"], s["function"])
        want[k] = want.get(k, 0) + s["bytes"]
print({(s["label"], s["function"]): s["bytes"] for s in merged} == want)')"

# Errors: an unreadable trace is named, status 2; no merged export, no --diff.
set +e
"$REPORT" fork.bin missing.bin >/dev/null 2>err.txt
st=$?
set -e
check_eq "missing trace: status" 2 "$st"
check_eq "missing trace: one line" 1 "$(wc -l <err.txt)"
grep -q "'missing.bin'" err.txt || fail "missing trace not named: $(cat err.txt)"
set +e
"$REPORT" --format chrome fork.bin "fork.bin.$child" >/dev/null 2>err.txt
check_eq "merged export: status" 1 "$?"
"$REPORT" --diff start end fork.bin "fork.bin.$child" >/dev/null 2>err.txt
check_eq "merged --diff: status" 1 "$?"
set -e

# Pipes: no escape sequence, neither the bar (stderr) nor colours (stdout).
"$REPORT" demo1.bin 2>pipe.err | cat >pipe.out
esc=$(printf '\033')
! grep -q "$esc" pipe.out || fail "escape sequence in a pipe's stdout"
! grep -q "$esc" pipe.err || fail "escape sequence in a pipe's stderr"
[ ! -s pipe.err ] || fail "stderr in a pipe not empty: $(cat pipe.err)"
echo "ok: no bar and no colour in pipes"

# A terminal: python3's pty. pty_run OUT ENV... -- ARGS: stdout and stderr
# both on the pty (OUT gets everything), ENV as NAME=VALUE or -NAME (unset).
pty_run()
{
	python3 - "$REPORT" "$@" <<'PY'
import os, pty, subprocess, sys
report, out, args = sys.argv[1], sys.argv[2], sys.argv[3:]
env = dict(os.environ)
while args and args[0] != "--":
    a = args.pop(0)
    if a.startswith("-"):
        env.pop(a[1:], None)
    else:
        k, v = a.split("=", 1)
        env[k] = v
master, slave = pty.openpty()
p = subprocess.Popen([report] + args[1:], stdin=subprocess.DEVNULL, stdout=slave,
                     stderr=slave, env=env)
os.close(slave)
data = b""
while True:
    try:
        d = os.read(master, 65536)
    except OSError:
        break
    if not d:
        break
    data += d
open(out, "wb").write(data)
sys.exit(p.wait())
PY
}

if python3 -c 'import os, pty; pty.openpty()' 2>/dev/null; then
	pty_run tty.out -NO_COLOR -- demo1.bin || fail "report on a pty exited $?"
	grep -q "$esc\[1m" tty.out || fail "no colour on a terminal"
	grep -q "$esc\[1;31mbottleneck: " tty.out || fail "bottleneck line not coloured"
	grep -q "reading 'demo1.bin' \[" tty.out || fail "no progress bar on a terminal"
	echo "ok: colour and progress bar on a terminal"
	pty_run tty-nc.out NO_COLOR=1 -- demo1.bin || fail "report on a pty exited $?"
	! grep -q "$esc\[[0-9;]*m" tty-nc.out || fail "colour under NO_COLOR"
	grep -q "reading 'demo1.bin' \[" tty-nc.out || fail "no progress bar under NO_COLOR"
	pty_run tty-empty.out NO_COLOR= -- demo1.bin || fail "report on a pty exited $?"
	grep -q "$esc\[1m" tty-empty.out || fail "an empty NO_COLOR turned colour off"
	echo "ok: NO_COLOR set and not empty turns colour off"
	pty_run tty.json -NO_COLOR -- --json demo1.bin || fail "json on a pty exited $?"
	! grep -q "$esc" tty.json || fail "escape sequence in --json on a terminal"
	python3 -c 'import json, sys; json.load(open("tty.json"))' ||
		fail "--json on a terminal is not JSON"
	pty_run tty.folded -NO_COLOR -- --format folded demo1.bin || fail "export on a pty exited $?"
	! grep -q "$esc" tty.folded || fail "escape sequence in an export on a terminal"
	echo "ok: no bar and no colour in --json and exports on a terminal"
else
	skip_part "no pty (python3 pty.openpty failed): colour and progress bar on a terminal not tested"
fi
pass
