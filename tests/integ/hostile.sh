#!/bin/sh
# Programs that do what profilers trip over: the profiled program's output
# and exit status are its own, nothing hangs or crashes, and the counts in
# the trace are exact.
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"
H=$PROGS/hostile

# run NAME STATUS MODE [N]: run in a fresh directory, trace t.bin there
run()
{
	name=$1 want=$2
	shift 2
	rm -rf "$name" && mkdir "$name"
	set +e
	(cd "$name" && MPROF_OUTPUT="$TMP/$name/t.bin" timeout 120 "$H" "$@" >out 2>err)
	st=$?
	set -e
	check_eq "$name: exit status" "$want" "$st"
	"$REPORT" --json "$name/t.bin" >"$name/r.json" 2>"$name/rerr" ||
		fail "$name: report exited $?: $(cat "$name/rerr")"
}

truth() { sed -n "s/.*$2=\([0-9]*\).*/\1/p" "$1/out" | tail -n 1; }
calls() { json "$1/r.json" "fn('$2')['calls'] if fn('$2') else 0"; }

for mode in closefds dup2 chdir tinystack; do
	run $mode 0 $mode
	check_eq "$mode: work calls" "$(truth $mode work_calls)" "$(calls $mode work)"
	check_eq "$mode: lost" 0 "$(json $mode/r.json 'r["lost_events"]')"
done
grep -q 'own files intact=yes' dup2/out || fail "dup2: the program's files were written to"
[ ! -e chdir/trace.bin ] && [ -f chdir/t.bin ] || fail "chdir: trace not where it started"

# A handler that walks the loaded objects while the profiler, opening a
# new chunk, does too: small chunks, so it does often. No deadlock.
export MPROF_BUFFER_SIZE=64K
run loaderwalk 0 loaderwalk
unset MPROF_BUFFER_SIZE
check_eq "loaderwalk: work calls" "$(truth loaderwalk work_calls)" "$(calls loaderwalk work)"
check_eq "loaderwalk: the handler ran" 1 "$(truth loaderwalk walks)"
check_eq "loaderwalk: the profiler walked the loader" 1 "$(truth loaderwalk loader_walks_other)"
check_eq "loaderwalk: of its walks, with the signal deliverable" 0 "$(truth loaderwalk loader_walks_open)"
check_eq "loaderwalk: lost" 0 "$(json loaderwalk/r.json 'r["lost_events"]')"

run threadexit 5 threadexit
lower=$(sed -n 's/work_calls>=\([0-9]*\).*/\1/p' threadexit/out)
check_eq "threadexit: work calls at least what was counted" true \
	"$(json threadexit/r.json "fn('work')['calls'] >= $lower")"

MPROF_BUFFER_SIZE=64K run cancel 0 cancel # small chunks: many system calls to land in
grep -q 'cancelled=yes' cancel/out || fail "cancel: $(cat cancel/out)"
check_eq "cancel: work calls" "$(truth cancel work_calls)" "$(calls cancel work)"

run churn 0 churn 2000
before=$(truth churn maps_before)
after=$(truth churn maps_after)
check_eq "churn: the profiler's memory is released at thread exit (mappings)" "$before" "$after"
# The program's threads (warm-up included) and main.
check_eq "churn: threads" $(($(truth churn threads) + 1)) "$(json churn/r.json 'r["threads"]')"
check_eq "churn: work calls" "$(truth churn work_calls)" "$(calls churn work)"

run many 0 many 300
check_eq "many: threads" $(($(truth many threads) + 1)) "$(json many/r.json 'r["threads"]')"
check_eq "many: work calls" "$(truth many work_calls)" "$(calls many work)"

# A handler that interrupts the runtime has its calls held and written by
# the interrupted code: every run of it is recorded, none lost, even when
# it interrupts the writing out of an earlier handler's calls.
run signals 0 signals
handled=$(truth signals handler_calls)
recorded=$(calls signals on_alarm)
check_eq "signals: every handler run recorded" "$handled" "$recorded"
check_eq "signals: nothing lost" 0 "$(json signals/r.json 'r["lost_events"]')"
# Again with the smallest chunks: the runtime's slow paths, where handlers
# find it busy, come a dozen times as often.
export MPROF_BUFFER_SIZE=64K
run signals64 0 signals
unset MPROF_BUFFER_SIZE
check_eq "signals, 64K chunks: every handler run recorded" \
	"$(truth signals64 handler_calls)" "$(calls signals64 on_alarm)"
check_eq "signals, 64K chunks: nothing lost" 0 "$(json signals64/r.json 'r["lost_events"]')"
check_eq "signals: work calls = the loop's + the recorded handlers'" \
	"$(($(truth signals work_calls) + recorded))" "$(calls signals work)"
times_add_up signals/t.bin

run forkbusy 0 forkbusy
n=0
for child in forkbusy/t.bin.*; do
	"$REPORT" --json "$child" >c.json 2>/dev/null || fail "forkbusy: $child unreadable"
	check_eq "forkbusy: $child work calls" "$(truth forkbusy child_work_calls)" \
		"$(json c.json 'fn("work")["calls"]')"
	n=$((n + 1))
done
check_eq "forkbusy: child traces" "$(truth forkbusy forks)" "$n"

run spawn 0 spawn
grep -q 'failures=0' spawn/out || fail "spawn: $(cat spawn/out)"
check_eq "spawn: work calls" "$(truth spawn work_calls)" "$(calls spawn work)"

# Cross-thread frees: every block freed by the other thread is matched to
# its allocation (one time order across threads), nothing left live.
run xfree 0 xfree 100000
"$REPORT" --json --group-by function xfree/t.bin >xfree/m.json
check_eq "xfree: allocations" "$(truth xfree cross_thread_frees)" \
	"$(json xfree/m.json "[s['allocations'] for s in r['memory']['sites'] if s['function'] == 'mode_xfree'][0]")"
check_eq "xfree: none leaked" 0 \
	"$(json xfree/m.json "[s['leaked_blocks'] for s in r['memory']['sites'] if s['function'] == 'mode_xfree'][0]")"
check_eq "xfree: no unknown frees" 0 "$(json xfree/m.json 'r["memory"]["unknown_frees"]')"
check_eq "xfree: no events out of order" 0 "$(json xfree/m.json 'r["memory"]["out_of_order"]')"

run vfork 0 vfork
grep -q 'failures=0' vfork/out || fail "vfork: $(cat vfork/out)"
check_eq "vfork: work calls" "$(truth vfork work_calls)" "$(calls vfork work)"

# SIGKILL in the middle of a program creating threads and allocating, at
# moments the program announces (after 50, 400, 1500 threads of a million):
# the trace is read (one warning), it holds at least every call made
# before the announcement, and what it holds is consistent.
for at in 50 400 1500; do
	d=kill$at
	rm -rf $d && mkdir $d
	(cd $d && MPROF_OUTPUT="$TMP/$d/t.bin" exec "$H" churn 1000000 $at >out 2>err) &
	pid=$!
	wait_for "hostile churn to announce $at threads ($d/announce)" 300 test -s $d/announce
	kill -9 $pid
	wait $pid 2>/dev/null || true
	before=$(sed -n 's/.*work_calls=\([0-9]*\).*/\1/p' $d/announce)
	[ -n "$before" ] || fail "$d: announcement: $(cat $d/announce)"
	"$REPORT" --json $d/t.bin >$d/r.json 2>$d/rerr || fail "$d: report exited $?"
	grep -q "trace cut short" $d/rerr || fail "$d: no cut-short warning"
	check_eq "$d: every work call before the announcement ($before) recorded" true \
		"$(json $d/r.json "fn('work')['calls'] >= $before")"
	times_add_up $d/t.bin
done

# errno is the program's own across every hook, whether the call is
# written, left out by a filter (its first lookup reads symbol tables),
# taken back as too short, or crosses a chunk switch. Every call is
# written or counted as left out.
errno_total=
for filter in "" MPROF_EXCLUDE=errno_seen MPROF_INCLUDE=work MPROF_MIN_DURATION=1ms; do
	(
		[ -z "$filter" ] || export "$filter"
		MPROF_BUFFER_SIZE=64K run errno 0 errno 200000
	)
	grep -q 'errno_bad=0$' errno/out || fail "errno ($filter): $(cat errno/out)"
	all=$(json errno/r.json 'r["total_calls"] + r.get("filtered_calls", 0) + r["unrecorded_calls"]')
	if [ -z "$filter" ]; then
		check_eq "errno: work calls" "$(truth errno work_calls)" "$(calls errno work)"
		errno_total=$all
	else
		check_eq "errno ($filter): written + left out" "$errno_total" "$all"
	fi
done

run crash 139 crash
check_eq "crash: work calls" "$(truth crash work_calls)" "$(calls crash work)"
grep -q "trace cut short" crash/rerr || fail "crash: no cut-short warning"
pass
