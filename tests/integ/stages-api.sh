#!/bin/sh
# Stage metrics against ground truth the program measures itself: record
# counts exact; the source's self time is its own work and its latency the
# sink's work (the downstream consumer's time); the sink's self time
# excludes the source it pulls from. With and without a trace.
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"

# within NAME ACTUAL EXPECTED PERCENT
within()
{
	ok=$(python3 -c "a, e = $2, $3; print('true' if abs(a - e) <= e * $4 / 100 else 'false')")
	check_eq "$1: $2 within $4% of $3" true "$ok"
}

check_run()
{
	truth=$(grep '^truth' out)
	records=$(echo "$truth" | sed 's/.*records=\([0-9]*\).*/\1/')
	src=$(echo "$truth" | sed 's/.*source_self_ns=\([0-9]*\).*/\1/')
	snk=$(echo "$truth" | sed 's/.*sink_self_ns=\([0-9]*\).*/\1/')
	field() { grep "^$1 " out | sed "s/.* $2=\([0-9.]*\).*/\1/"; }
	check_eq "$1: source records" "$records" "$(field source records)"
	check_eq "$1: sink records" "$records" "$(field sink records)"
	check_eq "$1: source hand-offs" 200 "$(field source handoffs)"
	within "$1: source self time" "$(field source self_ns)" "$src" 5
	within "$1: sink self time (excludes the source)" "$(field sink self_ns)" "$snk" 5
	# Each hand-off of the source waits for the sink's work on that batch.
	within "$1: source latency = the sink's work per batch" \
		"$(field source mean_latency_ns)" "$((snk / 200))" 5
}

MPROF_OUTPUT=$TMP/st.bin "$PROGS/stages" 200 100 200 500 >out
check_run recorded
MPROF_DISABLE=1 "$PROGS/stages" 200 100 200 500 >out
check_run "not recorded"
MPROF_EVENTS=stages MPROF_OUTPUT=$TMP/only.bin "$PROGS/stages" 200 100 200 500 >out
check_run "stages only"
echo PASS
