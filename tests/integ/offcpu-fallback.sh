#!/bin/sh
# Where off-CPU time cannot or must not be recorded (MPROF_OFFCPU=0, a
# seccomp filter that refuses perf_event_open): the program's output and
# exit status are its own, the report's first lines say why, its tables are
# pstats's unsplit, and bad MPROF_OFFCPU values get one warning line.
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"
P=$PROGS/offcpu
strip() { sed 's/pid=[0-9]* //; s/_wall_ns=[0-9]*//g' "$1"; }

MPROF_DISABLE=1 "$P" pool >plain.raw
strip plain.raw >plain.out

# run NAME [ENV...] [--] CMD...: the pool program profiled, as NAME.bin;
# its output must be the unprofiled one's; stderr kept in NAME.err.
run()
{
	local name=$1
	shift
	env MPROF_OUTPUT="$TMP/$name.bin" "$@" >"$name.raw" 2>"$name.err" ||
		fail "$name: exited $?: $(cat "$name.err")"
	strip "$name.raw" >"$name.out"
	cmp -s plain.out "$name.out" || fail "$name: the program's output changed"
}

# note NAME TEXT: the report's first lines carry TEXT, the table has no split.
note()
{
	"$REPORT" "$1.bin" >"$1.txt" 2>"$1.rerr" || fail "$1: report exited $?"
	head -n 3 "$1.txt" | grep -qF "$2" || fail "$1: the first lines do not say '$2': $(head -n 3 "$1.txt")"
	printf 'ok: %s: says %s\n' "$1" "$2"
	grep -q '^   ncalls  tottime  percall  cumtime  percall ' "$1.txt" ||
		fail "$1: not pstats's unsplit header"
	report_json "$1.bin" "$1.json"
	check_eq "$1: JSON: not recorded" false "$(json "$1.json" 'r["offcpu"]["recorded"]')"
	check_eq "$1: JSON: no split" None "$(json "$1.json" 'fn("compute")["oncpu_ns"]')"
	check_eq "$1: compute's calls" 1 "$(json "$1.json" 'fn("compute")["calls"]')"
}

run off MPROF_OFFCPU=0 "$P" pool
check_eq "MPROF_OFFCPU=0: no warning" "" "$(cat off.err)"
note off "off-CPU time: not recorded (MPROF_OFFCPU=0)"
check_eq "MPROF_OFFCPU=0: state" disabled "$(json off.json 'r["offcpu"]["state"]')"
# --sort oncpu still works, and says the times are not split.
"$REPORT" --sort oncpu off.bin >off-sort.txt || fail "--sort oncpu without off-CPU times"
grep -q 'the trace has no off-CPU times' off-sort.txt || fail "--sort oncpu: no word on the missing split"
# The folded stacks then show the whole time.
"$REPORT" --format folded off.bin >off.folded
"$REPORT" --format folded --time wall off.bin >wall.folded
cmp -s off.folded wall.folded || fail "folded without off-CPU times: not the whole time"

# A seccomp filter refuses perf_event_open, as in a container.
"$PROGS/noperf" true || skip "cannot install a seccomp filter here"
# By default the runtime tries nothing under a filter...
run seccomp "$PROGS/noperf" "$P" pool
check_eq "seccomp: no warning" "" "$(cat seccomp.err)"
note seccomp "off-CPU time: not recorded (a seccomp filter was on; MPROF_OFFCPU=1 tries anyway)"
# ...and with MPROF_OFFCPU=1 it tries, is refused, warns once.
run refused MPROF_OFFCPU=1 "$PROGS/noperf" "$P" pool
check_eq "refused: one warning line" 1 "$(wc -l <refused.err)"
grep -q "^mprof: warning: MPROF_OFFCPU=1: perf_event_open: Permission denied" refused.err ||
	fail "refused: $(cat refused.err)"
note refused "off-CPU time: not recorded (perf_event_open: Permission denied)"
check_eq "refused: state" refused "$(json refused.json 'r["offcpu"]["state"]')"
# The exit status stays the program's (the fork mode passes the child's).
set +e
env MPROF_OUTPUT="$TMP/st.bin" MPROF_OFFCPU=1 "$PROGS/noperf" "$P" bogus >/dev/null 2>&1
st=$?
set -e
check_eq "refused: the program's exit status" 2 "$st"

# Bad values: one warning each, naming the value; auto is used.
for v in 2 maybe ''; do
	run "bad$v" MPROF_OFFCPU="$v" "$P" pool
	check_eq "MPROF_OFFCPU='$v': one warning line" 1 "$(wc -l <"bad$v.err")"
	grep -q "^mprof: warning: MPROF_OFFCPU='$v': expected 1, 0 or auto; using auto\$" "bad$v.err" ||
		fail "MPROF_OFFCPU='$v': $(cat "bad$v.err")"
done
pass
