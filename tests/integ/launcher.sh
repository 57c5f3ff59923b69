#!/bin/sh
# The mprof launcher: "mprof record" profiles an unmodified program with the
# build tree's libmprof.so and changes nothing else the program sees (its
# output, input, exit status, death by a signal, the user's LD_PRELOAD); the
# event options become MPROF_EVENTS; --max-size caps the trace, validated
# as the runtime parses MPROF_MAX_SIZE; a signal sent to mprof reaches the
# program; bad usage, a missing command and a missing library are one line
# and the documented status; "mprof report" is mprof-report.
. "$top_srcdir/tests/integ/lib.sh"

MPROF=$top_builddir/tools/mprof
cd "$TMP"

# status CMD...: the exit status of CMD, without stopping the test.
status()
{
	set +e
	"$@"
	st=$?
	set -e
	echo "$st"
}

# An unmodified program, its allocations recorded exactly; its output and
# status as without mprof.
set +e
"$PROGS/alloc" sites 4 500 >plain.out 2>&1
want=$?
"$MPROF" record -o "$TMP/sites.bin" --alloc -- "$PROGS/alloc" sites 4 500 >rec.out 2>&1
st=$?
set -e
check_eq "record: exit status" "$want" "$st"
cmp -s plain.out rec.out || fail "record: output changed: $(diff plain.out rec.out)"
report_json sites.bin s.json --group-by function --limit 1000
site() { json s.json "[s['$2'] for s in r['memory']['sites'] if s['function'] == '$1'][0]"; }
# said WORD KEY: KEY=value on the line of plain.out starting with WORD
said() { sed -n "s/^$1 .*\<$2=\([0-9]*\).*/\1/p" plain.out; }
check_eq "record: site_small allocations" "$(said site_small allocations)" \
	"$(site site_small allocations)"
check_eq "record: site_small bytes" "$(said site_small bytes)" "$(site site_small bytes)"
check_eq "record: site_big leaked blocks" "$(said site_big leaked_blocks)" \
	"$(site site_big leaked_blocks)"
# The library that ran is the build tree's.
check_eq "record: the build tree's library preloaded" "$top_builddir/.libs/libmprof.so" \
	"$("$MPROF" record -o "$TMP/lib.bin" -- sh -c 'echo "$LD_PRELOAD"')"
check_eq "record: lost" 0 "$(json s.json 'r["lost_events"]')"

# The event options: --alloc alone records no calls of an instrumented
# program; --calls does; none records everything.
"$MPROF" record -o "$TMP/fa.bin" --alloc -- "$PROGS/fib" 15 10 >/dev/null
report_json fa.bin fa.json
check_eq "--alloc: no calls recorded" 0 "$(json fa.json 'len(r["functions"])')"
"$MPROF" record -o "$TMP/fc.bin" --calls -- "$PROGS/fib" 15 10 >fc.out
report_json fc.bin fc.json
check_eq "--calls: fib calls" "$(sed -n 's/.*fib_calls=\([0-9]*\).*/\1/p' fc.out)" \
	"$(json fc.json 'fn("fib")["calls"]')"
check_eq "--calls: no allocations recorded" true \
	"$(json fc.json '"memory" not in r or not r["memory"]["sites"]')"

# The variables the options stand for, as the program sees them.
env=$("$MPROF" record -o "$TMP/env.bin" --calls --stages --stack-depth 7 --buffer-size 128K -q \
	-- sh -c 'echo "$MPROF_OUTPUT|$MPROF_EVENTS|$MPROF_STACK_DEPTH|$MPROF_BUFFER_SIZE|$MPROF_QUIET"')
check_eq "environment from the options" "$TMP/env.bin|calls,stages|7|128K|1" "$env"
env=$(env -u MPROF_EVENTS "$MPROF" record -o "$TMP/env.bin" -- sh -c 'echo "$MPROF_EVENTS"')
check_eq "no event option: all" all "$env"
for cap in auto unlimited none 0 132K 300k 2G; do
	check_eq "--max-size $cap: MPROF_MAX_SIZE" "$cap" \
		"$("$MPROF" record -o "$TMP/env.bin" --max-size "$cap" -- sh -c 'echo "$MPROF_MAX_SIZE"')"
done

# --max-size reaches the runtime: a program making more calls than the cap
# holds gets a trace no larger than the cap, its own output and status,
# and a report whose second line says events were lost to the size cap.
# The option wins over the variable.
cap_kib=300
cap_arg=${cap_kib}K
cap=$((cap_kib * 1024))
MPROF_DISABLE=1 "$PROGS/limits" work 300000 >work.plain
set +e
MPROF_MAX_SIZE=unlimited "$MPROF" record -o "$TMP/cap.bin" --max-size "$cap_arg" -- \
	"$PROGS/limits" work 300000 >work.out 2>work.err
st=$?
set -e
check_eq "--max-size $cap_arg: exit status" 0 "$st"
cmp -s work.plain work.out || fail "--max-size: output changed: $(diff work.plain work.out)"
[ ! -s work.err ] || fail "--max-size $cap_arg: it warned: $(cat work.err)"
size=$(stat -c %s cap.bin)
[ "$size" -le "$cap" ] || fail "--max-size $cap_arg: the trace holds $size bytes, more than $cap"
echo "ok: --max-size $cap_arg: the trace holds $size bytes, at most $cap"
report_json cap.bin cap.json
check_eq "--max-size $cap_arg: the cap in the trace" "$cap" "$(json cap.json 'r["max_size"]')"
lost=$(json cap.json 'r["lost_events"]')
[ "$lost" -gt 0 ] || fail "--max-size $cap_arg: nothing lost: the cap was not reached"
check_eq "--max-size $cap_arg: every lost event lost to the size cap" "$lost" \
	"$(json cap.json 'r["lost_by_cause"].get("size_cap", 0)')"
"$REPORT" cap.bin >cap.txt 2>/dev/null || fail "--max-size: text report exited $?"
sed -n 2p cap.txt | grep -q "^lost events: $lost: $lost the size cap of $cap_arg (MPROF_MAX_SIZE)" ||
	fail "--max-size: the second line does not say events were lost to the size cap: $(sed -n 2p cap.txt)"

# The program's own options and arguments are its own, even after "--".
check_eq "arguments passed on" "-o|--alloc|--|a b" \
	"$("$MPROF" record -o "$TMP/a.bin" -- sh -c 'IFS="|"; echo "$*"' sh -o --alloc -- 'a b')"
check_eq "no -- needed" "x -q" "$("$MPROF" record -o "$TMP/a.bin" echo x -q)"
check_eq "standard input passed on" abc "$(echo abc | "$MPROF" record -o "$TMP/c.bin" -- cat)"

# The user's LD_PRELOAD is kept, after libmprof.so; its library still runs
# (its constructor's allocation is recorded).
early=$top_builddir/tests/integ/progs/.libs/libearly.so
pre=$(LD_PRELOAD=$early "$MPROF" record -o "$TMP/e.bin" -- sh -c 'echo "$LD_PRELOAD"')
check_eq "LD_PRELOAD: libmprof first, the user's after" "$top_builddir/.libs/libmprof.so:$early" "$pre"
LD_PRELOAD=$early "$MPROF" record -o "$TMP/e.bin" -- "$PROGS/alloc" stack >e.out
report_json e.bin e.json --group-by function
want=$(sed -n 's/^early_lib_bytes=\([0-9]*\)$/\1/p' e.out)
[ -n "$want" ] || fail "user's preload: libearly.so not loaded: $(cat e.out)"
check_eq "user's preload kept: its allocation" "$want" \
	"$(json e.json "[s['bytes'] for s in r['memory']['sites'] if s['function'] == 'early_site'][0]")"

# Exit statuses: the program's own, 128 + the signal that killed it.
check_eq "exit 3" 3 "$(status "$MPROF" record -o "$TMP/x.bin" -- sh -c 'exit 3')"
check_eq "output of a failing program" "out" \
	"$("$MPROF" record -o "$TMP/x.bin" -- sh -c 'echo out; exit 3' || true)"
check_eq "SIGKILL" 137 "$(status "$MPROF" record -o "$TMP/x.bin" -- sh -c 'kill -KILL $$')"
check_eq "SIGSEGV" 139 "$(status "$MPROF" record -o "$TMP/x.bin" -- sh -c 'kill -SEGV $$')"

# SIGTERM sent to mprof reaches the program, which handles it.
"$MPROF" record -o "$TMP/t.bin" -- sh -c \
	'trap "echo handled >term.out; exit 5" TERM; : >ready; while :; do sleep 0.02; done' &
pid=$!
wait_for "the program under mprof to start (its file 'ready')" 120 test -e ready
kill -TERM $pid
set +e
wait $pid
st=$?
set -e
check_eq "SIGTERM forwarded: status" 5 "$st"
check_eq "SIGTERM forwarded: handled" handled "$(cat term.out)"

# One line and the status: a command that is not there, or not executable.
check_eq "command not found: status" 127 \
	"$(status "$MPROF" record -o "$TMP/x.bin" -- ./no-such-program 2>err)"
check_eq "command not found: one line" 1 "$(wc -l <err)"
grep -q "^mprof: cannot run './no-such-program': " err || fail "not found: $(cat err)"
: >noexec
chmod 644 noexec
check_eq "not executable" 126 "$(status "$MPROF" record -o "$TMP/x.bin" -- ./noexec 2>err)"
check_eq "not executable: one line" 1 "$(wc -l <err)"

# Bad usage: "mprof: ..." and a usage line, status 1, nothing run.
for args in "record --bogus ls" "record -x ls" "record -qx ls" "record" "record --" "record -o" \
	"record --stack-depth 0 ls" "record --stack-depth 129 ls" "record --stack-depth x ls" \
	"record --buffer-size 100K ls" "record --buffer-size 32K ls" "record --buffer-size 128M ls" \
	"record --buffer-size 1G ls" "record --max-size 32K ls" "record --max-size 131K ls" "record --max-size 0K ls" \
	"record --max-size 1X ls" "record --max-size -1 ls" "record --max-size auto2 ls" \
	"record --max-size 99999999999999999999 ls" "frob" "--bogus" ""; do
	# shellcheck disable=SC2086
	set +e
	"$MPROF" $args 2>err >out
	st=$?
	set -e
	check_eq "mprof $args: status" 1 "$st"
	check_eq "mprof $args: two lines" 2 "$(wc -l <err)"
	sed -n 1p err | grep -q '^mprof: ' || fail "mprof $args: $(cat err)"
	sed -n 2p err | grep -q '^usage: mprof' || fail "mprof $args: no usage line: $(cat err)"
	[ ! -s out ] || fail "mprof $args: wrote to stdout"
done
"$MPROF" record -qx ls 2>err && fail "mprof record -qx succeeded"
check_eq "unknown short option" "mprof: unknown option '-x'" "$(sed -n 1p err)"
for bad in 32K 1X; do
	"$MPROF" record --max-size "$bad" true 2>err && fail "mprof record --max-size $bad succeeded"
	sed -n 1p err | grep -q "^mprof: bad size cap '$bad': " ||
		fail "--max-size $bad: the message does not name the value: $(cat err)"
done
check_eq "--buffer-size 64M accepted" 0 "$(status "$MPROF" record -o "$TMP/x.bin" --buffer-size 64M true)"
check_eq "--stack-depth 128 accepted" 0 "$(status "$MPROF" record -o "$TMP/x.bin" --stack-depth 128 true)"

# Help and version, on stdout, status 0.
for args in "--help" "-h" "help" "record --help" "record -h"; do
	# shellcheck disable=SC2086
	"$MPROF" $args >out || fail "mprof $args exited $?"
	grep -q '^usage: mprof' out || fail "mprof $args: no usage"
done
"$MPROF" --version | grep -q '^mprof (mprof) [0-9]' || fail "mprof --version"
"$MPROF" record --version | grep -q '^mprof (mprof) [0-9]' || fail "mprof record --version"

# The library: MPROF_LIBRARY overrides; a missing one is one line, status 2,
# nothing run. A copy of mprof outside the build tree looks for the
# installed library.
check_eq "MPROF_LIBRARY" "$top_builddir/.libs/libmprof.so" \
	"$(MPROF_LIBRARY=$top_builddir/.libs/libmprof.so "$MPROF" record -o "$TMP/x.bin" -- \
		sh -c 'echo "${LD_PRELOAD%%:*}"')"
st=$(MPROF_LIBRARY=$TMP/nothing.so status "$MPROF" record -- sh -c ': >ran' 2>err)
check_eq "missing MPROF_LIBRARY: status" 2 "$st"
check_eq "missing MPROF_LIBRARY: one line" "mprof: cannot use library '$TMP/nothing.so': No such file or directory" "$(cat err)"
[ ! -e ran ] || fail "the command ran without its library"
mkdir -p elsewhere/tools
cp "$MPROF" elsewhere/tools/mprof
rm -f "$TMP/x.bin"
set +e
lib=$(elsewhere/tools/mprof record -o "$TMP/x.bin" -- sh -c 'echo "${LD_PRELOAD%%:*}"' 2>err)
st=$?
set -e
if [ "$st" = 0 ]; then
	# Installed already: the installed library ran, and recorded.
	case $lib in
	"$top_builddir"/*) fail "outside the build tree: the build tree's library ran: $lib" ;;
	/*/libmprof.so) [ -f "$lib" ] || fail "outside the build tree: no library '$lib'" ;;
	*) fail "outside the build tree: LD_PRELOAD is '$lib'" ;;
	esac
	check_eq "outside the build tree: the installed library wrote the trace" MPROFTRC \
		"$(head -c 8 "$TMP/x.bin" 2>/dev/null | tr -d '\0')"
	echo "ok: the installed library ran: $lib"
else
	check_eq "outside the build tree: status" 2 "$st"
	[ -z "$lib" ] || fail "outside the build tree: the command ran without its library"
	grep -q "^mprof: cannot use library '/.*/libmprof.so': " err || fail "outside: $(cat err)"
	if grep -q '\.libs' err; then fail "outside the build tree: $(cat err)"; fi
fi

# mprof report is mprof-report, its statuses included.
"$MPROF" report --json --group-by function --limit 1000 sites.bin >r1.json
cmp -s s.json r1.json || fail "mprof report --json differs from mprof-report --json"
"$REPORT" --help >h1
"$MPROF" report --help >h2
cmp -s h1 h2 || fail "mprof report --help differs from mprof-report --help"
echo "ok: mprof report --json, --help as mprof-report's"
check_eq "mprof report, bad option" 1 "$(status "$MPROF" report --bogus sites.bin 2>err)"
grep -q '^mprof-report: ' err || fail "mprof report --bogus: $(cat err)"
: >empty.bin
check_eq "mprof report, bad trace" 2 "$(status "$MPROF" report empty.bin 2>/dev/null)"
pass
