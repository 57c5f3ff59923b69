#!/bin/sh
# Stage metrics against ground truth the program takes itself: record and
# hand-off counts exact; every time between the bounds the program's own
# clock puts on it (each begin and end bracketed by two clock reads, so
# the bounds hold however loaded the machine): the source's self time is
# its own work, its latency the sink's work (the downstream consumer's
# time), the sink's self time excludes the source it pulls from. In the
# program (mprof_stage_metrics) with and without a trace, and in the report.
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"

# between NAME VALUE LO:HI [DIVISOR]: LO/DIVISOR <= VALUE <= HI/DIVISOR,
# give or take the conversion of ticks to nanoseconds (the runtime's clock
# against the program's: 1%, and 2 us of truncation) - not a timing margin.
between()
{
	ok=$(python3 -c "
v, (lo, hi), d = $2, map(int, '$3'.split(':')), ${4:-1}
print('true' if lo / d * 0.99 - 2000 <= v <= hi / d * 1.01 + 2000 else 'false')")
	check_eq "$1: $2 in [$3]${4:+ / $4}" true "$ok"
}

# truth KEY: KEY=value of the program's "truth" or "bounds" line
truth() { sed -n "s/^\(truth\|bounds\) .*\<$1=\([0-9:-]*\).*/\2/p" out; }
# field STAGE KEY: KEY=value of the program's line for STAGE
field() { sed -n "s/^$1 .*\<$2=\([0-9.]*\).*/\1/p" out; }

check_run()
{
	records=$(truth records)
	handoffs=$(truth handoffs)
	[ -n "$records" ] && [ -n "$handoffs" ] || fail "$1: no ground truth: $(cat out)"
	check_eq "$1: source records" "$records" "$(field source records)"
	check_eq "$1: sink records" "$records" "$(field sink records)"
	check_eq "$1: source hand-offs" "$handoffs" "$(field source handoffs)"
	check_eq "$1: sink hand-offs" "$handoffs" "$(field sink handoffs)"
	between "$1: source self time" "$(field source self_ns)" "$(truth source_self)"
	between "$1: sink self time (excludes the source)" "$(field sink self_ns)" \
		"$(truth sink_self)"
	# Each hand-off of the source waits for the sink's work on that batch.
	between "$1: source latency (the sink's work per batch)" \
		"$(field source mean_latency_ns)" "$(truth source_wait)" "$handoffs"
	between "$1: sink latency" "$(field sink mean_latency_ns)" "$(truth sink_wait)" "$handoffs"
}

# stage JSON NAME FIELD: a member of stage NAME in a JSON report
stage()
{
	json "$1" "[s for s in r['stages'] if s['name'] == '$2'][0]['$3']"
}

MPROF_OUTPUT=$TMP/st.bin "$PROGS/stages" 200 100 200 500 >out
check_run recorded
# The report of that trace, from its records, within the same bounds.
report_json st.bin st.json
check_eq "report: source records" "$records" "$(stage st.json source records)"
check_eq "report: sink records" "$records" "$(stage st.json sink records)"
check_eq "report: source hand-offs" "$handoffs" "$(stage st.json source handoffs)"
between "report: source self time" "$(stage st.json source self_ns)" "$(truth source_self)"
between "report: sink self time" "$(stage st.json sink self_ns)" "$(truth sink_self)"
between "report: source latency" "$(stage st.json source mean_latency_ns)" \
	"$(truth source_wait)" "$handoffs"
check_eq "report: stages in pull order" "['source', 'sink']" \
	"$(json st.json '[s["name"] for s in r["stages"]]')"

MPROF_DISABLE=1 "$PROGS/stages" 200 100 200 500 >out
check_run "not recorded"
MPROF_EVENTS=stages MPROF_OUTPUT=$TMP/only.bin "$PROGS/stages" 200 100 200 500 >out
check_run "stages only"
# Another shape: the source works more than the sink.
MPROF_OUTPUT=$TMP/st2.bin "$PROGS/stages" 50 7 400 100 >out
check_run "source-heavy"
pass
