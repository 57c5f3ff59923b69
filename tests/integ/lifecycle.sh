#!/bin/sh
# However the process ends, every event recorded before the end is in the
# trace, the reporter reads it, and the program's output and exit status are
# its own. fork children and exec'd images write their own traces.
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"
P=$PROGS/lifecycle

# said OUT KEY: the last KEY=value the program printed in OUT
said() { sed -n "s/.*\<$2=\([0-9]*\).*/\1/p" "$1" | tail -n 1; }

# run MODE N EXPECTED_STATUS: trace in MODE.bin, output in MODE.out
run()
{
	set +e
	MPROF_OUTPUT=$TMP/$1.bin "$P" "$1" "$2" >"$1.out" 2>"$1.err"
	status=$?
	set -e
	check_eq "$1: exit status" "$3" "$status"
}

for mode in return exit _exit abort kill; do
	case $mode in
	return) st=0 ;; exit) st=4 ;; _exit) st=3 ;; abort) st=134 ;; kill) st=137 ;;
	esac
	run $mode 777 $st
	"$REPORT" --json $mode.bin >$mode.json 2>$mode.rerr || fail "$mode: report exited $?"
	check_eq "$mode: work calls" "$(said $mode.out work_calls)" "$(json $mode.json 'fn("work")["calls"]')"
	times_add_up $mode.bin
	# How it ended, as the trace says: exit and _exit with their status
	# and no warning; abort and SIGKILL unfinished, with the cut-short
	# warning.
	how=$(json $mode.json 'r["end"]["how"]')
	case $mode:$how in
	return:exit|exit:exit|_exit:_exit)
		check_eq "$mode: exit status in the trace" "$st" \
			"$(json $mode.json 'r["end"]["exit_status"]')"
		[ ! -s $mode.rerr ] || fail "$mode: unexpected warning: $(cat $mode.rerr)" ;;
	abort:unfinished|kill:unfinished)
		grep -q "warning: '$mode.bin': trace cut short" $mode.rerr ||
			fail "$mode: no cut-short warning: $(cat $mode.rerr)" ;;
	*) fail "$mode: the trace says the process ended by '$how'" ;;
	esac
done
# exit() from nested frames: the open calls are counted.
check_eq "exit: leave calls" "$(said exit.out leave_calls)" "$(json exit.json 'fn("leave")["calls"]')"

# fork: the child writes its own trace (PATH.<pid>) with only its calls.
run fork 100 0
child=$(sed -n 's/^child pid=\([0-9]*\).*/\1/p' fork.out)
[ -f "fork.bin.$child" ] || fail "no child trace fork.bin.$child: $(ls)"
report_json fork.bin parent.json
report_json "fork.bin.$child" child.json
check_eq "parent work calls (before and after the fork)" \
	$(($(sed -n 1p fork.out | sed 's/.*work_calls=\([0-9]*\).*/\1/') + $(said fork.out work_calls_after_fork))) \
	"$(json parent.json 'fn("work")["calls"]')"
check_eq "child work calls" "$(sed -n 's/^child .*work_calls=\([0-9]*\).*/\1/p' fork.out)" \
	"$(json child.json 'fn("work")["calls"]')"
check_eq "child main not re-recorded" None "$(json child.json 'fn("main")')"
check_eq "child pid in its trace" "$child" "$(json child.json 'r["pid"]')"

# exec: the new image writes its own trace next to the old one.
run exec 10 0
pid=$(sed -n '1s/^pid=\([0-9]*\).*/\1/p' exec.out)
[ -f "exec.bin.$pid" ] || fail "no trace of the exec'd image exec.bin.$pid: $(ls)"
report_json exec.bin before.json
report_json "exec.bin.$pid" after.json
# The old image's line first, then the new one's, the same pid.
check_eq "exec: two lines, one pid" "$pid $pid" "$(sed -n 's/^pid=\([0-9]*\) .*/\1/p' exec.out | tr '\n' ' ' | sed 's/ $//')"
check_eq "work calls before exec" "$(sed -n '1s/.*work_calls=\([0-9]*\).*/\1/p' exec.out)" \
	"$(json before.json 'fn("work")["calls"]')"
check_eq "work calls after exec" "$(sed -n '2s/.*work_calls=\([0-9]*\).*/\1/p' exec.out)" \
	"$(json after.json 'fn("work")["calls"]')"

# longjmp out of 50 frames, 10 times: counts exact, times sane.
run longjmp 5 0
report_json longjmp.bin lj.json
check_eq "dive calls" "$(said longjmp.out dives)" "$(json lj.json 'fn("dive")["calls"]')"
check_eq "dive primitive calls (one per jump)" "$(said longjmp.out jumps)" \
	"$(json lj.json 'fn("dive")["primitive_calls"]')"
check_eq "work calls" "$(said longjmp.out work_calls)" "$(json lj.json 'fn("work")["calls"]')"
check_eq "main still one call" 1 "$(json lj.json 'fn("main")["calls"]')"
times_add_up longjmp.bin
pass
