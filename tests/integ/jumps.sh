#!/bin/sh
# Control flow that leaves frames without their exits, or runs calls on
# other stacks: longjmp, a watchdog timer whose handler siglongjmps out of
# the computation (often out of the runtime itself), a signal handler on a
# sigaltstack above the thread's stack, coroutines (swapcontext) whose
# stacks lie in main's frame, getcontext/setcontext as longjmp. Counts are
# exact, nothing is lost, recording goes on after every jump, times add up
# and each call is charged to its real caller. Nothing here is timed.
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"
J=$PROGS/jumps

# run NAME MODE ARGS...: trace NAME/t.bin, its JSON report in NAME/r.json
run()
{
	name=$1
	shift
	rm -rf "$name" && mkdir "$name"
	set +e
	(cd "$name" && MPROF_OUTPUT="$TMP/$name/t.bin" timeout 300 "$J" "$@" >out 2>err)
	st=$?
	set -e
	check_eq "$name: exit status" 0 "$st"
	"$REPORT" --json "$name/t.bin" >"$name/r.json" 2>"$name/rerr" ||
		fail "$name: report exited $?: $(cat "$name/rerr")"
}

truth() { sed -n "s/^$2=\([0-9]*\)$/\1/p" "$1/out" | tail -n 1; }
calls() { json "$1/r.json" "fn('$2')['calls'] if fn('$2') else 0"; }
# callers NAME FN: FN's callers, as caller:calls, sorted
callers() { json "$1/r.json" "' '.join(sorted('%s:%d' % (c['function'], c['calls']) for c in fn('$2')['callers']))"; }
cum() { json "$1/r.json" "fn('$2')['cumulative_ns']"; }

# Nothing lost, every exit matched, nothing left open.
clean()
{
	check_eq "$1: lost events" 0 "$(json $1/r.json 'r["lost_events"]')"
	check_eq "$1: unmatched exits" 0 "$(json $1/r.json 'r["unmatched_exits"]')"
	check_eq "$1: calls open at the end" 0 "$(json $1/r.json 'r["open_calls_at_end"]')"
	times_add_up $1/t.bin
}

# longjmp out of 1 to 100 frames, with 64K chunks: chunk switches land in
# the middle of the frames a jump closes.
for mode in longjmp getcontext; do
	MPROF_BUFFER_SIZE=64K run $mode $mode 3000 100
	f=rec
	[ $mode = longjmp ] || f=crec
	check_eq "$mode: $f calls" "$(truth $mode rec_calls)" "$(calls $mode $f)"
	check_eq "$mode: $f called from mode_$mode once per jump" "$(truth $mode jumps)" \
		"$(json $mode/r.json "sum(c['calls'] for c in fn('$f')['callers'] if c['function'] == 'mode_$mode')")"
	clean $mode
done

# The watchdog: most timer signals land inside a hook, whose jump is put
# off until the hook returns. Every jump lands: the calls after the last
# one are all recorded, none lost. A call whose entry was recorded when
# the signal came has not counted itself yet (the jump skips its body).
run watchdog watchdog 2000
jumps=$(truth watchdog jumps)
check_eq "watchdog: tail calls" "$(truth watchdog tail_calls)" "$(calls watchdog tail)"
check_eq "watchdog: handler calls" "$(truth watchdog fired)" "$(calls watchdog on_alarm)"
check_eq "watchdog: errno after each jump is the handler's" 0 "$(truth watchdog errno_bad)"
for f in compute step; do
	n=$(truth watchdog ${f}_calls)
	check_eq "watchdog: $f calls within [$n, $n + $jumps]" true \
		"$(json watchdog/r.json "$n <= fn('$f')['calls'] <= $n + $jumps")"
done
check_eq "watchdog: step called from compute only" "compute:$(calls watchdog step)" \
	"$(callers watchdog step)"
clean watchdog

# A handler on a signal stack mapped above the thread's own: the frames it
# interrupted stay open, its calls nest under them.
run altstack altstack 20000
if [ "$(truth altstack altstack_above)" = 1 ]; then
	check_eq "altstack: leaf calls" "$(truth altstack leaf_calls)" "$(calls altstack leaf)"
	check_eq "altstack: leaf called by measured" "measured:$(truth altstack leaf_calls)" \
		"$(callers altstack leaf)"
	check_eq "altstack: the handler called by measured" "measured:$(truth altstack handler_calls)" \
		"$(callers altstack on_usr1)"
	check_eq "altstack: measured holds its callees' time" true \
		"$(json altstack/r.json "fn('measured')['cumulative_ns'] >= fn('leaf')['cumulative_ns'] + fn('on_usr1')['cumulative_ns']")"
	check_eq "altstack: measured called once, by alt_thread" "alt_thread:1" "$(callers altstack measured)"
	clean altstack
else
	skip_part "the signal stack was not mapped above the thread's stack here"
fi

# Two coroutines on stacks inside main's frame, yielding from inside a
# call: each runs on a call stack of its own; run() holds them all.
run coroutines coroutines 2000
check_eq "coroutines: co_work calls" "$(truth coroutines co_work_calls)" "$(calls coroutines co_work)"
check_eq "coroutines: co_work called by co_main" "co_main:$(truth coroutines co_work_calls)" \
	"$(callers coroutines co_work)"
check_eq "coroutines: co_main starts each coroutine's stack" \
	"$(truth coroutines co_main_calls)::" "$(calls coroutines co_main)::$(callers coroutines co_main)"
check_eq "coroutines: no call is recursive" true \
	"$(json coroutines/r.json "all(f['calls'] == f['primitive_calls'] for f in r['functions'])")"
check_eq "coroutines: run() holds the coroutines' time" true \
	"$(json coroutines/r.json "fn('run')['cumulative_ns'] >= max(fn('co_main')['cumulative_ns'], fn('co_work')['cumulative_ns'])")"
check_eq "coroutines: run called once, by mode_coroutines" "mode_coroutines:1" \
	"$(callers coroutines run)"
clean coroutines

# A preemptive scheduler: the timer's handler switches coroutines, most
# times out of a hook (the handler is paused until the hook returns, then
# switches and, resumed, runs to its end). The program's sums are its own,
# every call is recorded with its caller.
plain_sums=$(MPROF_DISABLE=1 "$J" preempt 200000 | grep '^sum')
run preempt preempt 200000
check_eq "preempt: the program's results" "$plain_sums" "$(grep '^sum' preempt/out)"
check_eq "preempt: every handler that switched ran to its end" "$(truth preempt switches)" \
	"$(truth preempt tick_done_calls)"
for f in pre_body pre_work pre_leaf pick tick_done; do
	check_eq "preempt: $f calls" "$(truth preempt ${f}_calls)" "$(calls preempt $f)"
done
check_eq "preempt: pre_work called by pre_body" "pre_body:$(truth preempt pre_work_calls)" \
	"$(callers preempt pre_work)"
check_eq "preempt: pre_leaf called by pre_work" "pre_work:$(truth preempt pre_leaf_calls)" \
	"$(callers preempt pre_leaf)"
check_eq "preempt: pre_body starts each coroutine's stack" "" "$(callers preempt pre_body)"
check_eq "preempt: tick_done called by the handler" "on_tick:$(truth preempt tick_done_calls)" \
	"$(callers preempt tick_done)"
clean preempt

# A handler that longjmps to a setjmp of its own, often with the runtime
# interrupted: the handler's calls below the target end at the jump.
run samejump samejump 2000
check_eq "samejump: own_inner calls" "$(truth samejump own_calls)" "$(calls samejump own_inner)"
check_eq "samejump: loop_step calls" "$(truth samejump loop_calls)" "$(calls samejump loop_step)"
check_eq "samejump: loop_step called by mode_samejump" "mode_samejump:$(truth samejump loop_calls)" \
	"$(callers samejump loop_step)"
check_eq "samejump: own_inner called by on_own" "on_own:$(truth samejump own_calls)" \
	"$(callers samejump own_inner)"
clean samejump

# fork children finish a coroutine the parent left suspended inside a
# call: the calls opened in the parent are not the child's.
forks=10
run cofork cofork $forks
check_eq "cofork: children finished it" $forks "$(truth cofork children_finished)"
check_eq "cofork: fk_step calls" "$(truth cofork fk_steps)" "$(calls cofork fk_step)"
clean cofork
n=0
for child in cofork/t.bin.[0-9]*; do
	report_json "$child" c.json
	check_eq "cofork: $child unmatched exits" 0 "$(json c.json 'r["unmatched_exits"]')"
	check_eq "cofork: $child fk_step calls (after the fork)" "$(truth cofork child_fk_steps)" \
		"$(json c.json 'fn("fk_step")["calls"]')"
	n=$((n + 1))
done
check_eq "cofork: child traces" $forks "$n"

pass
