#!/bin/sh
# The probe's own cost is taken out: a function that busy-waits for a time
# it measures itself reports that self time, however many children it calls.
# Both clocks run in the same process at the same moments, so machine noise
# affects the truth and the measurement alike.
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"
# The truth is the spinner's own clock: preemption during a spin segment
# shows in both, but preemption during the million child calls (a third of
# the run) shows only in the profile. On a shared machine, take the best of
# three runs: the bound itself is not relaxed.
best=1
for attempt in 1 2 3; do
	MPROF_OUTPUT=$TMP/spin.bin "$PROGS/spin" 2000 500 >out
	spun=$(sed -n 's/.*spinner_spin_ns=\([0-9]*\).*/\1/p' out)
	children=$(sed -n 's/.*child_calls=\([0-9]*\).*/\1/p' out)
	report_json spin.bin spin.json
	check_eq "child calls" "$children" "$(json spin.json 'fn("child")["calls"]')"
	err=$(json spin.json "abs(fn('spinner')['self_ns'] - $spun) / $spun")
	echo "attempt $attempt: spinner self time vs its own measurement ($spun ns): relative error $err"
	best=$(python3 -c "print(min($best, $err))")
	[ "$(python3 -c "print('ok' if $best < 0.03 else '')")" = ok ] && break
done
ok=$(python3 -c "print('true' if $best < 0.03 else 'false')")
check_eq "spinner self time within 3%" true "$ok"
times_add_up spin.bin
echo PASS
