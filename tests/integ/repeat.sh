#!/bin/sh
# mprof record --repeat N -o DIR: N runs, one after the other, each with its
# traces (its fork children's and exec'd images' too) in DIR/runK and
# nothing else there; the manifest DIR/mprof-runs lists the command, quoted
# so that a shell reads it back, and each run that ended with its status
# and a wall time; the program's output is its own and mprof's lines go to
# stderr; a run killed by a signal or exiting with another status than run
# 1's stops the set with its status; SIGINT stops it however the program
# takes it; a DIR that is not empty, a bad N and %p are refused with one
# line and status 1; a command that cannot run leaves nothing behind;
# --append adds runs to a set of the same command, numbered on, and is
# refused for another command's set, a directory that is no set, a bad
# manifest, or a set another recording holds.
# Counts and statuses come from the programs' own output; no wall time is
# checked but for being a number.
. "$top_srcdir/tests/integ/lib.sh"

MPROF=$top_builddir/tools/mprof
P=$PROGS/lifecycle
cd "$TMP"

TAB=$(printf '\t')

# listing DIR: the names in DIR, on one line.
listing()
{
	ls -A "$1" | tr '\n' ' ' | sed 's/ $//'
}

# check_manifest DIR: the manifest's first two lines are the format's and
# the command's, and every other line is a run's, its status and wall time
# numbers.
check_manifest()
{
	local m=$1/mprof-runs
	[ -f "$m" ] || fail "$1: no manifest: $(ls -A "$1")"
	check_eq "$1: manifest line 1" "mprof-runs 1" "$(sed -n 1p "$m")"
	sed -n 2p "$m" | grep -q "^command$TAB" || fail "$1: line 2 is not the command: $(sed -n 2p "$m")"
	if sed -n '3,$p' "$m" | grep -v "^run${TAB}[0-9]*${TAB}status${TAB}[0-9]*${TAB}wall_ns${TAB}[0-9][0-9]*\$"; then
		fail "$1: a run line is not run<TAB>K<TAB>status<TAB>S<TAB>wall_ns<TAB>W"
	fi
	echo "ok: $1: the manifest's lines"
}

# runs_of DIR: the manifest's runs as "K S" pairs, one a line.
runs_of()
{
	sed -n '3,$p' "$1/mprof-runs" | cut -f 2,4 | tr "$TAB" ' '
}

# command_of DIR: the arguments the manifest's command line stands for, as
# sh reads them back, one a line.
command_of()
{
	local line
	line=$(sed -n "2s/^command$TAB//p" "$1/mprof-runs")
	sh -c 'eval "set -- $1"; printf "%s\n" "$@"' sh "$line"
}

# --- Three runs of a program that forks: each run's traces in its own
# directory, the child's beside the parent's, nothing else there.
n=3
"$P" fork 100 >plain.out
set +e
"$MPROF" record --repeat $n -o set -- "$P" fork 100 >set.out 2>set.err
st=$?
set -e
check_eq "fork x$n: exit status" 0 "$st"
# The program's output is its own, run after run (process ids aside).
nopid() { sed 's/pid=[0-9]*/pid=N/' "$@"; }
check_eq "fork x$n: stdout is the program's, $n times" \
	"$(for _ in $(seq $n); do nopid plain.out; done)" "$(nopid set.out)"
check_eq "fork x$n: the set directory" "mprof-runs run1 run2 run3" "$(listing set)"
for k in $(seq $n); do
	pid=$(sed -n 's/^pid=\([0-9]*\) .*/\1/p' set.out | sed -n ${k}p)
	child=$(sed -n 's/^child pid=\([0-9]*\) .*/\1/p' set.out | sed -n ${k}p)
	check_eq "run$k: its files" "trace.bin trace.bin.$child" "$(listing set/run$k)"
	report_json set/run$k/trace.bin r$k.json
	check_eq "run$k: the parent's pid in its trace" "$pid" "$(json r$k.json 'r["pid"]')"
	check_eq "run$k: the parent's work calls" \
		$(($(sed -n 's/^pid=.* work_calls=\([0-9]*\)$/\1/p' set.out | sed -n ${k}p) + \
			$(sed -n 's/.*work_calls_after_fork=\([0-9]*\).*/\1/p' set.out | sed -n ${k}p))) \
		"$(json r$k.json 'fn("work")["calls"]')"
	report_json set/run$k/trace.bin.$child c$k.json
	check_eq "run$k: the child's work calls" \
		"$(sed -n 's/^child .*work_calls=\([0-9]*\).*/\1/p' set.out | sed -n ${k}p)" \
		"$(json c$k.json 'fn("work")["calls"]')"
	"$REPORT" set/run$k/trace.bin >/dev/null || fail "mprof-report set/run$k/trace.bin exited $?"
done
check_manifest set
check_eq "fork x$n: the manifest's runs" "$(printf '1 0\n2 0\n3 0')" "$(runs_of set)"
check_eq "fork x$n: the manifest's command" "$(printf '%s\n' "$P" fork 100)" "$(command_of set)"
# One line per run on stderr, then one naming the directory.
sed -n "1,${n}p" set.err | grep -v '^mprof: run [1-3] of 3: exit 0, [0-9][0-9]*\.[0-9][0-9][0-9] s$' &&
	fail "fork x$n: a run's line: $(cat set.err)"
check_eq "fork x$n: the runs' lines in order" "1 2 3" \
	"$(sed -n 's/^mprof: run \([0-9]*\) of .*/\1/p' set.err | tr '\n' ' ' | sed 's/ $//')"
check_eq "fork x$n: the last line" "mprof: 3 runs recorded in 'set'" "$(sed -n '$p' set.err)"
check_eq "fork x$n: stderr lines" $((n + 1)) "$(wc -l <set.err)"

# The same directory again: refused, one line naming it, nothing run.
before=$(cat set/mprof-runs)
set +e
"$MPROF" record --repeat 2 -o set -- sh -c ': >ran' >out 2>err
st=$?
set -e
check_eq "set again: status" 1 "$st"
check_eq "set again: one line" \
	"mprof: directory 'set' is not empty: --repeat records into a new or empty one" "$(cat err)"
[ ! -e ran ] || fail "set again: the command ran"
check_eq "set again: the manifest untouched" "$before" "$(cat set/mprof-runs)"
mkdir full
: >full/other
set +e
"$MPROF" record --repeat 2 -o full -- sh -c ': >ran' 2>err
st=$?
set -e
check_eq "a directory with a file: status" 1 "$st"
check_eq "a directory with a file: one line" 1 "$(wc -l <err)"
grep -q "'full'" err || fail "a directory with a file: the line does not name it: $(cat err)"
check_eq "a directory with a file: untouched" other "$(ls -A full)"
[ ! -e ran ] || fail "a directory with a file: the command ran"

# An empty directory is used; without -o the set goes to ./runs; -q prints
# nothing; the trace path is absolute: a program that changes directory
# writes it in the set. The program's exec'd image writes beside it.
mkdir empty
"$MPROF" record -q --repeat 2 -o empty -- true 2>err
[ ! -s err ] || fail "-q: mprof printed: $(cat err)"
check_eq "empty directory used" "mprof-runs run1 run2" "$(listing empty)"
mkdir sub
(cd sub && "$MPROF" record -q --repeat 1 -- sh -c 'cd / && exec "$0" return 5' "$P" >../cd.out)
check_eq "no -o: ./runs" "mprof-runs run1" "$(listing sub/runs)"
pid=$(sed -n 's/^pid=\([0-9]*\) .*/\1/p' cd.out)
[ -f "sub/runs/run1/trace.bin.$pid" ] ||
	fail "chdir and exec: no trace.bin.$pid in the run: $(ls sub/runs/run1)"
report_json "sub/runs/run1/trace.bin.$pid" cd.json
check_eq "chdir and exec: the image's work calls" "$(sed -n 's/.*work_calls=\([0-9]*\).*/\1/p' cd.out)" \
	"$(json cd.json 'fn("work")["calls"]')"

# Quoting: the command line reads back as the arguments given.
"$MPROF" record -q --repeat 1 -o quoted -- printf '%s|' "it's" 'a b' '' '$HOME' '*' '~x' 'a=b' \
	>/dev/null
check_eq "quoted arguments read back" "$(printf '%s\n' printf '%s|' "it's" 'a b' '' '$HOME' '*' '~x' 'a=b')" \
	"$(command_of quoted)"
if have bash; then
	nl="a
b"
	"$MPROF" record -q --repeat 1 -o ctl -- printf '%s|' "$nl" "t${TAB}ab" 'back\slash' >/dev/null
	check_eq "control characters: the command on one line" 3 "$(wc -l <ctl/mprof-runs)"
	line=$(sed -n "2s/^command$TAB//p" ctl/mprof-runs)
	case $line in *"$TAB"*) fail "control characters: a tab in the command line: $line" ;; esac
	check_eq "control characters read back by bash" "$(printf '%s\n' printf '%s|' "$nl" "t${TAB}ab" 'back\slash')" \
		"$(bash -c 'eval "set -- $1"; printf "%s\n" "$@"' bash "$line")"
else
	skip_part "bash is not installed (the \$'...' quoting is not checked)"
fi

# --- A run whose status is not run 1's stops the set with its status; the
# manifest lists the runs up to it. The program says its run and status.
count=$TMP/count
script='n=$(($(cat "$0" 2>/dev/null || echo 0) + 1)); echo $n >"$0"; s=0; [ $n -lt 3 ] || s=3; echo "run=$n status=$s"; exit $s'
set +e
"$MPROF" record --repeat 5 -o fails -- sh -c "$script" "$count" >fails.out 2>fails.err
st=$?
set -e
check_eq "a failing run: mprof's status is its own" "$(sed -n '$s/.*status=//p' fails.out)" "$st"
check_manifest fails
check_eq "a failing run: the manifest's runs" "$(sed 's/run=\([0-9]*\) status=/\1 /' fails.out)" \
	"$(runs_of fails)"
check_eq "a failing run: no run after it" "mprof-runs run1 run2 run3" \
	"$(listing fails)"
check_eq "a failing run: the line saying so" \
	"mprof: stopping after run 3 of 5: it exited 3, run 1 exited 0" "$(sed -n '$!p' fails.err | sed -n '$p')"
check_eq "a failing run: the last line" "mprof: 3 of 5 runs recorded in 'fails'" "$(sed -n '$p' fails.err)"

# The same status every run, even a failure: the set goes on; mprof exits with it.
rm -f "$count"
set +e
"$MPROF" record -q --repeat 3 -o same -- sh -c 'echo "status=2"; exit 2' >same.out 2>/dev/null
st=$?
set -e
check_eq "a common failure: status" "$(sed -n '1s/status=//p' same.out)" "$st"
check_manifest same
check_eq "a common failure: every run" "$(printf '1 2\n2 2\n3 2')" "$(runs_of same)"

# A run killed by a signal stops the set: 128 + the signal.
script='n=$(($(cat "$0" 2>/dev/null || echo 0) + 1)); echo $n >"$0"; echo "run=$n"; [ $n -lt 2 ] || kill -KILL $$'
set +e
"$MPROF" record --repeat 4 -o killed -- sh -c "$script" "$count" >killed.out 2>killed.err
st=$?
set -e
kill_st=$((128 + $(kill -l KILL)))
check_eq "a killed run: status" "$kill_st" "$st"
check_manifest killed
check_eq "a killed run: the manifest's runs" "$(printf '1 0\n2 %s' "$kill_st")" "$(runs_of killed)"
grep -q "^mprof: stopping after run 2 of 4: it was killed by signal $(kill -l KILL) (" killed.err ||
	fail "a killed run: no line saying so: $(cat killed.err)"
[ ! -e killed/run3 ] || fail "a killed run: run 3 started"

# --- SIGINT, as a terminal sends it to the whole process group: the set
# stops after the run it came in, mprof exits with 130 and the manifest
# holds the runs that ended; so it does when the program takes SIGINT and
# exits 0. (Started from python: a shell's background job ignores SIGINT.)
interrupt()
{
	python3 - "$@" <<'PY'
import os, signal, subprocess, sys, time
signal.signal(signal.SIGINT, signal.SIG_DFL)
p = subprocess.Popen(sys.argv[1:], start_new_session=True)
deadline = time.time() + 120
while not os.path.exists("ready"):
    if time.time() > deadline or p.poll() is not None:
        os.killpg(p.pid, signal.SIGKILL)
        sys.exit("the second run did not get ready")
    time.sleep(0.05)
os.killpg(p.pid, signal.SIGINT)
try:
    print(p.wait(timeout=120))
except subprocess.TimeoutExpired:
    os.killpg(p.pid, signal.SIGKILL)
    sys.exit("mprof did not end after SIGINT")
PY
}
rm -f "$count" ready
script='n=$(($(cat "$0" 2>/dev/null || echo 0) + 1)); echo $n >"$0"; [ $n -lt 2 ] || { : >ready; exec sleep 600; }'
st=$(interrupt "$MPROF" record --repeat 5 -o int -- sh -c "$script" "$count" 2>int.err) ||
	fail "SIGINT: $(cat int.err)"
check_eq "SIGINT: status" 130 "$st"
check_manifest int
check_eq "SIGINT: the manifest's runs" "$(printf '1 0\n2 130')" "$(runs_of int)"
[ ! -e int/run3 ] || fail "SIGINT: run 3 started"
grep -q "^mprof: stopping after run 2 of 5: it was killed by signal $(kill -l INT) (" int.err ||
	fail "SIGINT: no line saying so: $(cat int.err)"
rm -f "$count" ready
script='n=$(($(cat "$0" 2>/dev/null || echo 0) + 1)); echo $n >"$0"; [ $n -lt 2 ] || { trap "exit 0" INT; : >ready; while :; do sleep 0.05; done; }'
st=$(interrupt "$MPROF" record --repeat 5 -o int0 -- sh -c "$script" "$count" 2>int0.err) ||
	fail "SIGINT taken by the program: $(cat int0.err)"
check_eq "SIGINT taken by the program: status" 130 "$st"
check_manifest int0
check_eq "SIGINT taken by the program: the manifest's runs" "$(printf '1 0\n2 0')" "$(runs_of int0)"
[ ! -e int0/run3 ] || fail "SIGINT taken by the program: run 3 started"
grep -q "^mprof: stopping after run 2 of 5: mprof got signal $(kill -l INT) (" int0.err ||
	fail "SIGINT taken by the program: no line saying so: $(cat int0.err)"

# --- Refused: a bad count, %p in the directory, a directory that cannot be
# made; one line naming the value (and the usage line for bad usage),
# status 1, nothing run, nothing made.
for bad in 0 1001 x -1 '' 1.5 2x 99999999999999999999; do
	set +e
	"$MPROF" record --repeat "$bad" -o bad -- sh -c ': >ran' >out 2>err
	st=$?
	set -e
	check_eq "--repeat '$bad': status" 1 "$st"
	check_eq "--repeat '$bad': the message" "mprof: bad repeat count '$bad': expected 1 to 1000 runs" \
		"$(sed -n 1p err)"
	sed -n 2p err | grep -q '^usage: mprof record' || fail "--repeat '$bad': no usage line: $(cat err)"
	[ ! -s out ] || fail "--repeat '$bad': wrote to stdout"
	[ ! -e ran ] && [ ! -e bad ] || fail "--repeat '$bad': ran or made something"
done
# 1000 is accepted (the command, not found, is the next thing refused).
set +e
"$MPROF" record --repeat 1000 -o big -- ./no-such-program 2>err
st=$?
set -e
check_eq "--repeat 1000 accepted" 127 "$st"
for dir in 'set.%p' '%p/x'; do
	set +e
	"$MPROF" record --repeat 2 -o "$dir" -- sh -c ': >ran' 2>err
	st=$?
	set -e
	check_eq "-o '$dir': status" 1 "$st"
	grep -q "^mprof: bad directory '$dir': " err || fail "-o '$dir': $(cat err)"
	[ ! -e ran ] && [ ! -e "$dir" ] || fail "-o '$dir': ran or made something"
done
set +e
"$MPROF" record --repeat 2 -o nowhere/set -- sh -c ': >ran' 2>err
st=$?
set -e
check_eq "a missing parent: status" 1 "$st"
check_eq "a missing parent: one line" \
	"mprof: cannot create directory 'nowhere/set': No such file or directory" "$(cat err)"
[ ! -e ran ] || fail "a missing parent: the command ran"
# A '%' other than %p is the directory's own.
"$MPROF" record -q --repeat 1 -o 'pct%d' -- true
[ -f 'pct%d/run1/trace.bin' ] || fail "a '%' in the directory: $(ls -R)"

# A command that cannot run: its status, and no set left behind.
set +e
"$MPROF" record --repeat 3 -o nf -- ./no-such-program 2>err
st=$?
set -e
check_eq "command not found: status" 127 "$st"
grep -q "^mprof: cannot run './no-such-program': " err || fail "command not found: $(cat err)"
[ ! -e nf ] || fail "command not found: the set was left: $(ls -R nf)"
mkdir nf2
"$MPROF" record --repeat 3 -o nf2 -- ./no-such-program 2>/dev/null || true
check_eq "command not found: the empty directory left empty" "" "$(ls -A nf2)"

# --- --append: two sets recorded in turns, A B A B ..., each numbered on
# after its own manifest, every run's status and trace there.
for i in 1 2 3; do
	"$MPROF" record -q --repeat 1 --append -o alt-a -- "$P" return 10 >/dev/null
	"$MPROF" record -q --repeat 1 --append -o alt-b -- "$P" return 20 >/dev/null
done
"$MPROF" record -q --repeat 2 --append -o alt-a -- "$P" return 10 >/dev/null
for set in alt-a alt-b; do
	check_manifest $set
done
check_eq "--append: the runs of alt-a" "$(printf '%s\n' '1 0' '2 0' '3 0' '4 0' '5 0')" "$(runs_of alt-a)"
check_eq "--append: the runs of alt-b" "$(printf '%s\n' '1 0' '2 0' '3 0')" "$(runs_of alt-b)"
check_eq "--append: alt-a's directory" "mprof-runs run1 run2 run3 run4 run5" "$(listing alt-a)"
check_eq "--append: the command kept" "$(printf '%s\n' "$P" return 20)" "$(command_of alt-b)"
for k in 1 2 3 4 5; do
	[ -s alt-a/run$k/trace.bin ] || fail "--append: no trace in alt-a/run$k: $(ls -A alt-a/run$k)"
done
"$REPORT" --compare alt-a alt-b >alt.txt 2>alt.err || fail "--compare of appended sets: $(cat alt.err)"
grep -q '^   old: .*, 5 runs, ' alt.txt || fail "--compare: alt-a's 5 runs: $(head -3 alt.txt)"
grep -q '^   new: .*, 3 runs, ' alt.txt || fail "--compare: alt-b's 3 runs: $(head -3 alt.txt)"
# The line per run numbers it in the whole set.
"$MPROF" record --repeat 1 --append -o alt-b -- "$P" return 20 >/dev/null 2>err
check_eq "--append: its lines" "$(printf '%s\n' 'mprof: run 4 of 4: exit 0, ' \
	"mprof: 1 of 1 run added to 'alt-b': 4 in all")" "$(sed 's/, [0-9.]* s$/, /' err)"

# Refused, with one line and status 1, the set left as it was: another
# command's set, a directory that is not a set, --append without --repeat,
# a manifest that is not one, and a set another recording is adding to.
# state DIR: the runs DIR holds, its manifest with them (a run under way
# adds its children's traces to its own directory meanwhile).
state()
{
	ls -A "$1"
	[ ! -f "$1/mprof-runs" ] || cat "$1/mprof-runs"
}
# refuse WHAT DIR WANT ARGS...: mprof record ARGS refused with WANT.
refuse()
{
	local what=$1 dir=$2 want=$3 before st
	shift 3
	before=$(state "$dir")
	set +e
	"$MPROF" record "$@" 2>err >/dev/null
	st=$?
	set -e
	check_eq "$what: status" 1 "$st"
	check_eq "$what: the line" "$want" "$(head -n 1 err)"
	check_eq "$what: the set unchanged" "$before" "$(state "$dir")"
	[ ! -e ran ] || fail "$what: the command ran"
}
refuse "another command" alt-a \
	"mprof: cannot add runs to 'alt-a': it holds runs of another command ($P return 10)" \
	--repeat 1 --append -o alt-a -- sh -c ': >ran'
mkdir notaset
: >notaset/file
refuse "not a set" notaset \
	"mprof: cannot add runs to 'notaset': it is not empty and holds no set of runs (no mprof-runs)" \
	--repeat 1 --append -o notaset -- sh -c ': >ran'
refuse "--append without --repeat" alt-a "mprof: --append adds runs to a set: it needs --repeat N" \
	--append -o alt-a -- sh -c ': >ran'
mkdir badset
printf 'mprof-runs 1\ncommand\tsh -c %s\nrun\t2\tstatus\t0\twall_ns\t5\n' "': >ran'" >badset/mprof-runs
refuse "runs out of order" badset \
	"mprof: cannot add runs to 'badset': badset/mprof-runs, line 3: runs out of order" \
	--repeat 1 --append -o badset -- sh -c ': >ran'
printf 'mprof-runs 1\ncommand\tsh -c %s\nrun 1\n' "': >ran'" >badset/mprof-runs
refuse "a bad run line" badset \
	"mprof: cannot add runs to 'badset': badset/mprof-runs, line 3: not run<TAB>K<TAB>status<TAB>S<TAB>wall_ns<TAB>W" \
	--repeat 1 --append -o badset -- sh -c ': >ran'
: >badset/mprof-runs
refuse "an empty manifest" badset \
	"mprof: cannot add runs to 'badset': badset/mprof-runs, line 1: empty" \
	--repeat 1 --append -o badset -- sh -c ': >ran'
echo 'mprof-runs 1' >badset/mprof-runs
refuse "a manifest without its command" badset \
	"mprof: cannot add runs to 'badset': badset/mprof-runs, line 2: no command line" \
	--repeat 1 --append -o badset -- sh -c ': >ran'
# A set that stopped (a run exited otherwise than run 1) takes no more.
set +e
"$MPROF" record -q --repeat 3 -o stopped -- sh -c '[ -e second ] && exit 3; : >second' 2>/dev/null
set -e
check_eq "the stopped set's runs" "$(printf '%s\n' '1 0' '2 3')" "$(runs_of stopped)"
rm -f second
refuse "a set that stopped" stopped \
	"mprof: cannot add runs to 'stopped': its run 2 stopped the set (status 3, run 1's 0)" \
	--repeat 1 --append -o stopped -- sh -c '[ -e second ] && exit 3; : >second'
[ ! -e second ] || fail "a set that stopped: the command ran"
# A recording in progress holds the set: the second is refused at once.
"$MPROF" record -q --repeat 1 --append -o busy -- sh -c ': >started; while [ ! -e go ]; do sleep 0.01; done' &
holder=$!
while [ ! -e started ]; do sleep 0.01; done
refuse "a set being added to" busy \
	"mprof: cannot add runs to 'busy': another mprof record is adding runs to it" \
	--repeat 1 --append -o busy -- sh -c ': >started; while [ ! -e go ]; do sleep 0.01; done; : >ran'
: >go
wait $holder
check_eq "the holder's run" "1 0" "$(runs_of busy)"

# mprof record --help tells of --repeat and --append.
"$MPROF" record --help | grep -q -- '--repeat=N' || fail "mprof record --help: no --repeat"
"$MPROF" record --help | grep -q -- '--append' || fail "mprof record --help: no --append"
pass
