#!/bin/sh
# Allocations under LD_PRELOAD (no rebuild) and linked into an instrumented
# program, against the ground truth the program prints: exact per-site
# counts, bytes and leaks from many threads, the whole memalign family,
# realloc's edge cases, snapshot diffs in tracemalloc's form, stacks, an
# allocation before main; the program's output and exit status unchanged.
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"
SRC=$top_srcdir/tests/integ/progs/alloc.c
LIB=$top_builddir/.libs/libmprof.so
line() { grep -n "$1" "$SRC" | head -n 1 | cut -d: -f1; }
# said OUT WORD KEY: KEY=value on the line of OUT starting with WORD
said() { sed -n "s/^$2 .*\<$3=\([0-9]*\).*/\1/p" "$1" | head -n 1; }
# tm_line LABEL SIZE SIZE_DIFF COUNT COUNT_DIFF: the line tracemalloc's
# StatisticDiff prints for those figures (its own _format_size).
tm_line()
{
	python3 -c '
import sys
from tracemalloc import _format_size
label, size, dsize, count, dcount = sys.argv[1], *map(int, sys.argv[2:])
text = "%s: size=%s (%s), count=%i (%+i)" % (label, _format_size(size, False),
                                              _format_size(dsize, True), count, dcount)
if count:
    text += ", average=%s" % _format_size(size / count, False)
print(text)' "$@"
}

# prof VARIANT NAME ARGS...: run the plain build preloaded, or the
# instrumented one; output NAME.out, trace NAME.bin, status checked equal
# to the unprofiled run's.
prof()
{
	variant=$1 name=$2
	shift 2
	set +e
	"$PROGS/alloc" "$@" >"$name.plain" 2>&1
	want=$?
	if [ "$variant" = preload ]; then
		LD_PRELOAD=$LIB MPROF_OUTPUT=$TMP/$name.bin "$PROGS/alloc" "$@" >"$name.out" 2>&1
	else
		MPROF_OUTPUT=$TMP/$name.bin "$PROGS/alloc-instr" "$@" >"$name.out" 2>&1
	fi
	st=$?
	set -e
	check_eq "$name: exit status" "$want" "$st"
	cmp -s "$name.plain" "$name.out" || fail "$name: output changed: $(diff "$name.plain" "$name.out")"
}

# site JSON FUNCTION FIELD (grouped by function)
site() { json "$1" "[s['$3'] for s in r['memory']['sites'] if s['function'] == '$2'][0]"; }

for v in preload instr; do
	prof $v sites-$v sites 8 2000
	"$REPORT" --json --group-by function --limit 1000 sites-$v.bin >s.json
	for key in allocations bytes leaked_blocks; do
		check_eq "$v: site_small $key" "$(said sites-$v.out site_small $key)" \
			"$(site s.json site_small $key)"
	done
	for key in allocations bytes leaked_blocks leaked_bytes; do
		check_eq "$v: site_big $key" "$(said sites-$v.out site_big $key)" \
			"$(site s.json site_big $key)"
	done
	check_eq "$v: the allocation before main" "$(said sites-$v.out early early_bytes)" \
		"$(site s.json early bytes)"
	check_eq "$v: no unknown frees" 0 "$(json s.json 'r["memory"]["unknown_frees"]')"
	check_eq "$v: lost" 0 "$(json s.json 'r["lost_events"]')"
	"$REPORT" --json --limit 1000 sites-$v.bin >l.json
	check_eq "$v: site_small by line" "alloc.c:$(line 'malloc(32)')" \
		"$(json l.json "[s['label'] for s in r['memory']['sites'] if s['function'] == 'site_small'][0]")"

	prof $v family-$v family
	grep -q 'family allocations=7 frees=7 bytes=[0-9]* ok' family-$v.out || fail "$v: family checks failed"
	"$REPORT" --json --group-by function family-$v.bin >f.json
	check_eq "$v: family allocations" "$(said family-$v.out family allocations)" \
		"$(site f.json family allocations)"
	check_eq "$v: family bytes" "$(said family-$v.out family bytes)" "$(site f.json family bytes)"
	check_eq "$v: family leaked" 0 "$(site f.json family leaked_blocks)"

	prof $v realloc-$v realloc
	grep -q 'realloc allocations=3 frees=3 live=0 bytes=[0-9]* ok' realloc-$v.out || fail "$v: realloc checks"
	"$REPORT" --json --group-by function realloc-$v.bin >r.json
	check_eq "$v: realloc allocations" "$(said realloc-$v.out realloc allocations)" \
		"$(site r.json reallocs allocations)"
	check_eq "$v: realloc bytes" "$(said realloc-$v.out realloc bytes)" \
		"$(site r.json reallocs bytes)"
	check_eq "$v: realloc leaked" 0 "$(site r.json reallocs leaked_blocks)"
	check_eq "$v: realloc: no unknown frees" 0 "$(json r.json 'r["memory"]["unknown_frees"]')"

	prof $v snapshot-$v snapshot 1744
	"$REPORT" --diff before after snapshot-$v.bin >diff.txt
	size=$(said snapshot-$v.out snapshot size)
	count=$(said snapshot-$v.out snapshot count)
	check_eq "$v: snapshot diff (tracemalloc form)" \
		"$(tm_line "alloc.c:$(line 'malloc(65)')" "$size" "$size" "$count" "$count")" \
		"$(grep '^alloc.c' diff.txt | head -n 1)"

	prof $v stack-$v stack
	"$REPORT" --json --group-by stack stack-$v.bin >st.json
	# Consecutive frames of one function (a shadow stack names the
	# allocating function by its call site and by its entry) count once.
	check_eq "$v: stack" "['level3', 'level2', 'level1', 'main']" "$(json st.json "
[f for i, f in enumerate(
    [x['function'] for x in [s for s in r['memory']['sites'] if s['function'] == 'level3'][0]['stack']])
 if i == 0 or f != [x['function'] for x in [s for s in r['memory']['sites'] if s['function'] == 'level3'][0]['stack']][i - 1]][:4]")"
done

# A constructor that allocates before libmprof's own has run (a library
# preloaded ahead of it) or after: recorded either way.
early=$top_builddir/tests/integ/progs/.libs/libearly.so
for order in "$early:$LIB" "$LIB:$early"; do
	LD_PRELOAD=$order MPROF_OUTPUT=$TMP/early.bin "$PROGS/alloc" stack >early.out
	"$REPORT" --json --group-by function early.bin >e.json
	want=$(sed -n 's/^early_lib_bytes=\([0-9]*\)$/\1/p' early.out)
	[ -n "$want" ] || fail "LD_PRELOAD=$order: libearly.so not loaded: $(cat early.out)"
	check_eq "constructor allocation, LD_PRELOAD=$order" "$want" "$(site e.json early_site bytes)"
done

# A signal asks for a snapshot, written at the next allocation: 10 blocks
# of the site are live then, 20 at the last one.
MPROF_SNAPSHOT_SIGNAL=USR2 LD_PRELOAD=$LIB MPROF_OUTPUT=$TMP/sig.bin "$PROGS/alloc" signal >sig.out
"$REPORT" --diff signal-1 exit sig.bin >sig.txt || fail "no signal-1 snapshot: $(cat sig.txt)"
before=$(said sig.out signal before)
size=$(said sig.out signal size)
check_eq "signal snapshot" \
	"$(tm_line "alloc.c:$(line 'malloc(100)')" 0 $((-before * size)) 0 $((-before)))" \
	"$(grep "^alloc.c:$(line 'malloc(100)')" sig.txt)"

# A period: each allocation after a sleep longer than the period takes a
# period snapshot, so there are at least as many as the program's sleeps
# (more if the machine held it that long elsewhere), labeled in order,
# each a period or more after the one before.
period=2
MPROF_SNAPSHOT_PERIOD=$period LD_PRELOAD=$LIB MPROF_OUTPUT=$TMP/per.bin \
	"$PROGS/alloc" period 10 $((period + 1)) >per.out
sleeps=$(said per.out period sleeps)
report_json per.bin per.json
check_eq "period snapshots: at least one per sleep ($sleeps)" true \
	"$(json per.json 'len([s for s in r["snapshots"] if s["label"].startswith("period-")]) >= '"$sleeps")"
check_eq "period snapshots: labeled in order" true "$(json per.json '
(lambda p: [s["label"] for s in p] == ["period-%d" % (i + 1) for i in range(len(p))])(
    [s for s in r["snapshots"] if s["label"].startswith("period-")])')"
# (1%: the runtime's and the reporter's tick calibrations may differ.)
check_eq "period snapshots: a period apart or more" true "$(json per.json '
(lambda p: all(b["ns"] - a["ns"] >= 0.99 * '"$period"' * 1e6 for a, b in zip(p, p[1:])))(
    [s for s in r["snapshots"] if s["label"].startswith("period-")])')"
pass
