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
	check_eq "$v: site_small allocations" 16000 "$(site s.json site_small allocations)"
	check_eq "$v: site_small bytes" $((16000 * 32)) "$(site s.json site_small bytes)"
	check_eq "$v: site_small leaked" 0 "$(site s.json site_small leaked_blocks)"
	big=$(sed -n 's/^site_big .* bytes=\([0-9]*\) .*/\1/p' sites-$v.out)
	check_eq "$v: site_big allocations" 16000 "$(site s.json site_big allocations)"
	check_eq "$v: site_big bytes" "$big" "$(site s.json site_big bytes)"
	check_eq "$v: site_big leaked blocks" 2000 "$(site s.json site_big leaked_blocks)"
	check_eq "$v: site_big leaked bytes" 2000000 "$(site s.json site_big leaked_bytes)"
	check_eq "$v: the allocation before main" 77 "$(site s.json early bytes)"
	check_eq "$v: no unknown frees" 0 "$(json s.json 'r["memory"]["unknown_frees"]')"
	check_eq "$v: lost" 0 "$(json s.json 'r["lost_events"]')"
	"$REPORT" --json --limit 1000 sites-$v.bin >l.json
	check_eq "$v: site_small by line" "alloc.c:$(line 'malloc(32)')" \
		"$(json l.json "[s['label'] for s in r['memory']['sites'] if s['function'] == 'site_small'][0]")"

	prof $v family-$v family
	grep -q 'family allocations=7 frees=7 ok' family-$v.out || fail "$v: family checks failed"
	"$REPORT" --json --group-by function family-$v.bin >f.json
	check_eq "$v: family allocations" 7 "$(site f.json family allocations)"
	check_eq "$v: family bytes" $((100 + 8192 + 300 + 5000 + 100 + 100 + 200)) \
		"$(site f.json family bytes)"
	check_eq "$v: family leaked" 0 "$(site f.json family leaked_blocks)"

	prof $v realloc-$v realloc
	grep -q 'realloc allocations=3 frees=3 live=0 ok' realloc-$v.out || fail "$v: realloc checks"
	"$REPORT" --json --group-by function realloc-$v.bin >r.json
	check_eq "$v: realloc allocations" 3 "$(site r.json reallocs allocations)"
	check_eq "$v: realloc bytes" $((10 + 20000 + 5)) "$(site r.json reallocs bytes)"
	check_eq "$v: realloc leaked" 0 "$(site r.json reallocs leaked_blocks)"
	check_eq "$v: realloc: no unknown frees" 0 "$(json r.json 'r["memory"]["unknown_frees"]')"

	prof $v snapshot-$v snapshot 1744
	"$REPORT" --diff before after snapshot-$v.bin >diff.txt
	check_eq "$v: snapshot diff (tracemalloc form)" \
		"alloc.c:$(line 'malloc(65)'): size=111 KiB (+111 KiB), count=1744 (+1744), average=65 B" \
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
	LD_PRELOAD=$order MPROF_OUTPUT=$TMP/early.bin "$PROGS/alloc" stack >/dev/null
	"$REPORT" --json --group-by function early.bin >e.json
	check_eq "constructor allocation, LD_PRELOAD=$order" 4321 "$(site e.json early_site bytes)"
done

# A signal asks for a snapshot, written at the next allocation: 10 blocks
# of the site are live then, 20 at the last one.
MPROF_SNAPSHOT_SIGNAL=USR2 LD_PRELOAD=$LIB MPROF_OUTPUT=$TMP/sig.bin "$PROGS/alloc" signal >sig.out
"$REPORT" --diff signal-1 exit sig.bin >sig.txt || fail "no signal-1 snapshot: $(cat sig.txt)"
check_eq "signal snapshot" \
	"alloc.c:$(line 'malloc(100)'): size=0 B (-1000 B), count=0 (-10)" \
	"$(grep "^alloc.c:$(line 'malloc(100)')" sig.txt)"
# A period: a snapshot every millisecond of a 30 ms run.
LD_PRELOAD=$LIB MPROF_SNAPSHOT_PERIOD=1 MPROF_OUTPUT=$TMP/per.bin \
	sh -c 'i=0; while [ $i -lt 300 ]; do i=$((i + 1)); done; sleep 0.03; ls / >/dev/null'
"$REPORT" --json per.bin >per.json
check_eq "period snapshots" true "$(json per.json 'len([s for s in r["snapshots"] if s["label"].startswith("period-")]) >= 1')"
echo PASS
