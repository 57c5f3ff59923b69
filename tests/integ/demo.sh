#!/bin/sh
# The demo pipeline: the same checksum and counts whatever the window sum,
# the workers, the cache and the batch size; each stage's record count in
# its table equal to what the program counted itself; the stage it names
# as the bottleneck the one with the largest self time in its table (which
# one that is, is a measurement: not asserted); bad options refused with
# one line and exit status 2; and the instrumented build, run under the
# profiler, computing the same with one timed window-sum call per record.
. "$top_srcdir/tests/integ/lib.sh"

PLAIN=$top_builddir/pipeline-demo/pipeline-plain
INSTR=$top_builddir/pipeline-demo/pipeline
N=20000
cd "$TMP"

# run NAME PROG ARGS...: run PROG --records $N ARGS into NAME.out; it must
# exit 0 with nothing on stderr.
run()
{
	local name=$1 prog=$2 st
	shift 2
	set +e
	"$prog" --records $N --collectors 100 "$@" >"$name.out" 2>"$name.err"
	st=$?
	set -e
	check_eq "$name: exit status" 0 "$st"
	[ ! -s "$name.err" ] || fail "$name: stderr: $(cat "$name.err")"
}

# count NAME KEY: KEY=value of the "records:" line of NAME.out
count()
{
	sed -n "s/^records: .*$2=\([0-9]*\).*/\1/p" "$1.out"
}

# stage NAME STAGE COLUMN: a column of STAGE's row in the stage table
# (2 records, 3 elapsed ms, 4 records/s, 5 latency us, 6 self ms)
stage()
{
	awk -v s="$2" -v c="$3" '$1 == s { print $c }' "$1.out"
}

checksum()
{
	sed -n 's/^checksum=\([0-9a-f]*\)$/\1/p' "$1.out"
}

# check_counts NAME: the stage table counts what the program counted: every
# reading generated, the kept ones through filter, normalize and features.
check_counts()
{
	local kept
	kept=$(count "$1" kept)
	check_eq "$1: generated" $N "$(count "$1" generated)"
	check_eq "$1: kept + dropped" $N $((kept + $(count "$1" dropped)))
	check_eq "$1: records featured" "$kept" "$(count "$1" features)"
	check_eq "$1: generate stage records" $N "$(stage "$1" generate 2)"
	check_eq "$1: filter stage records" "$kept" "$(stage "$1" filter 2)"
	check_eq "$1: normalize stage records" "$kept" "$(stage "$1" normalize 2)"
	check_eq "$1: features stage records" "$kept" "$(stage "$1" features 2)"
}

# --- the reference run: naive, 2 workers, lru:256, batches of 256
export MPROF_DISABLE=1
run ref "$PLAIN"
check_counts ref
ref_sum=$(checksum ref)
ref_kept=$(count ref kept)
[ -n "$ref_sum" ] || fail "ref: no checksum line"
# The filter really filters: some glitches, most readings kept.
[ "$(count ref dropped)" -gt 0 ] || fail "ref: the filter dropped nothing"
[ "$ref_kept" -gt $((N * 9 / 10)) ] || fail "ref: the filter kept only $ref_kept"
grep -q '^cache lru:256: hits=[0-9]* misses=[0-9]* hit_rate=[0-9.]*%' ref.out ||
	fail "ref: no cache line"
grep -q '^collectors: 100 dict (hash map) and 100 slots (fixed struct), same figures: yes$' ref.out ||
	fail "ref: collectors line: $(grep '^collectors' ref.out)"

# --- every mode computes the same
i=0
for args in "--window-sum running" "--workers 1" "--workers 4" "--cache none" \
	"--cache lru:64" "--cache ttl:5" "--batch 1" "--batch 1000" \
	"--window-sum running --workers 4 --cache ttl:5 --batch 1" \
	"--workers 64 --cache lru:1 --batch 3" "--workers 3 --window-sum running --batch 7"; do
	i=$((i + 1))
	# shellcheck disable=SC2086 # the options are words
	run "mode$i" "$PLAIN" $args
	check_eq "mode$i ($args): checksum" "$ref_sum" "$(checksum "mode$i")"
	check_counts "mode$i"
	check_eq "mode$i ($args): kept" "$ref_kept" "$(count "mode$i" kept)"
	hits=$(sed -n 's/^cache [^ ]*: hits=\([0-9]*\) misses=\([0-9]*\).*/\1 \2/p' "mode$i.out")
	check_eq "mode$i ($args): cache hits + misses" "$ref_kept" \
		$(($(echo "$hits" | cut -d' ' -f1) + $(echo "$hits" | cut -d' ' -f2)))
done
# Without a cache, every lookup misses; with one entry per worker, most do.
check_eq "cache none: hits" 0 "$(sed -n 's/^cache none: hits=\([0-9]*\).*/\1/p' mode4.out)"

# --quiet: the checksum line alone.
"$PLAIN" --records $N --quiet >quiet.out
check_eq "--quiet output" "checksum=$ref_sum" "$(cat quiet.out)"

# Recording (allocations and stages into a trace) changes nothing either.
MPROF_DISABLE=0 MPROF_OUTPUT=$TMP/plain.bin "$PLAIN" --records $N --quiet >rec.out
check_eq "plain build recording: checksum" "checksum=$ref_sum" "$(cat rec.out)"
[ -s plain.bin ] || fail "plain build recording: no trace"

# --- the bottleneck line names the stage with the largest self time of
# the table above it, in every mode.
for name in ref mode1 mode2 mode3; do
	largest=$(awk '$1 ~ /^(generate|filter|normalize|features)$/ && (s == "" || $6 > max) { max = $6; s = $1 }
		END { print s }' "$name.out")
	check_eq "$name: the bottleneck is the largest self time" "$largest" \
		"$(sed -n 's/^bottleneck: \([a-z]*\) .*/\1/p' "$name.out")"
done

# --- bad options: one line on stderr, nothing on stdout, exit status 2
# bad ARGS...
bad()
{
	local st
	set +e
	"$PLAIN" "$@" >bad.out 2>bad.err
	st=$?
	set -e
	check_eq "'$*': exit status" 2 "$st"
	[ ! -s bad.out ] || fail "'$*': something on stdout"
	check_eq "'$*': stderr lines" 1 "$(wc -l <bad.err)"
	grep -q '^pipeline: ' bad.err || fail "'$*': message: $(cat bad.err)"
}
bad --records abc
bad --records -5
bad --records 12x
bad --records 99999999999999999999999
bad --workers 0
bad --workers 65
bad --window-sum fast
bad --cache lru:0
bad --cache lru:
bad --cache lru:x
bad --cache ttl:0
bad --cache fifo:4
bad --batch 0
bad --collectors many
bad --bogus
bad --records
bad extra
"$PLAIN" --help >help.out
grep -q '^usage: pipeline ' help.out || fail "--help: $(head -1 help.out)"

# --- the instrumented build under the profiler: same checksum, and one
# timed call of the window sum (and of the cache lookup) per record.
unset MPROF_DISABLE
for mode in naive running; do
	MPROF_OUTPUT=$TMP/$mode.bin "$INSTR" --records $N --collectors 100 --window-sum $mode \
		>"instr-$mode.out"
	check_eq "instrumented $mode: checksum" "$ref_sum" "$(checksum "instr-$mode")"
	check_counts "instr-$mode"
	report_json "$mode.bin" "$mode.json"
	check_eq "instrumented $mode: window_sum_$mode calls" "$ref_kept" \
		"$(json "$mode.json" "fn('window_sum_$mode')['calls']")"
	check_eq "instrumented $mode: cache_get calls" "$ref_kept" \
		"$(json "$mode.json" 'fn("cache_get")["calls"]')"
done
pass
